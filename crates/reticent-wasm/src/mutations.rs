//! Mutation records of one task → one rrweb `Mutation` event.
//!
//! The records are read in order and reduced to their net effect, as rrweb's
//! `MutationBuffer` does:
//!
//! - **Removes** are decided record by record: a recorded node removed from a
//!   recorded parent gives `{parentId, id}` and its whole subtree is forgotten
//!   by the mirror at once. A node added earlier in the same task and removed
//!   again gives nothing. Nodes the mirror does not know (inside `<script>`, a
//!   blocked placeholder, past the depth cap) are ignored: fail closed.
//! - **Adds** are decided once all records are read, in the order nodes were
//!   added: a node still in the page whose parent is recorded (and records
//!   its children) is serialised with its whole subtree by the snapshot walk,
//!   so the engine applies identically. A node inside a subtree serialised
//!   this way is recorded with it, never twice. A move is a remove then an
//!   add with fresh ids. `nextId` is the first following sibling the mirror
//!   knows at that point, which is the order rrweb's replayer rebuilds.
//! - **Texts and attributes** are read at the end (the current value, as
//!   rrweb does) for nodes recorded before this task; nodes serialised in
//!   this task already carry their current state.
//! - Children of an open shadow root have the host as parent and `isShadow`.

use js_sys::{Array, Map, Set};
use reticent_core::incremental::{
    flatten_adds, AddedNode, AttributeMutation, ChangedAttributes, IncrementalData, MutationData,
    RemovedNode, TextMutation,
};
use reticent_core::privacy::{recorded_name, TextContext};
use reticent_core::CoreError;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlIFrameElement, MutationRecord, Node, ShadowRoot};

use crate::dom::{record_kind, RecordKind};
use crate::live::{Live, MAX_ADDED_NODES};
use crate::mirror::Entry;
use crate::rules::Scope;
use crate::snapshot;

/// Rough size of one serialised node, for the buffer's byte estimate.
const NODE_BYTES: usize = 96;

/// What the records of one task amount to.
#[derive(Default)]
struct Reduced {
    removes: Vec<RemovedNode>,
    /// Added nodes in order; `added` holds those still pending.
    candidates: Vec<Node>,
    texts: Vec<Node>,
    attributes: Vec<(Element, String)>,
}

/// Applies one MutationObserver callback's records to the session.
pub(crate) fn process(live: &mut Live, records: &Array) -> Result<(), CoreError> {
    if live.stopped {
        return Ok(());
    }
    // A navigation the recorder did not see (see `check_address`): into an
    // excluded page, these records are not recorded.
    live.check_address()?;
    if live.stopped {
        return Ok(());
    }
    if live.is_slicing() {
        return live.defer(records.clone());
    }
    // The page cannot change until this returns: the rule decisions of the
    // ancestors shared by the records are read once (rules.rs), then forgotten.
    let started = live.rules.remember();
    let result = reduce_and_record(live, records);
    if started {
        live.rules.forget();
    }
    result
}

/// [`process`] with rule decisions remembered.
fn reduce_and_record(live: &mut Live, records: &Array) -> Result<(), CoreError> {
    let added = Set::new(&JsValue::UNDEFINED);
    let seen_texts = Set::new(&JsValue::UNDEFINED);
    let mut r = Reduced::default();
    for record in records.iter() {
        let kind = record_kind(&record);
        if kind == RecordKind::Other {
            continue;
        }
        // A MutationRecord: checked by `record_kind`.
        let record = record.unchecked_ref::<MutationRecord>();
        let Some(target) = record.target() else {
            continue;
        };
        match kind {
            RecordKind::CharacterData if !seen_texts.has(&target) => {
                seen_texts.add(&target);
                r.texts.push(target);
            }
            RecordKind::Attributes => {
                // By node type: `dyn_ref` fails for nodes of an iframe's realm.
                if let (Some(name), Some(el)) =
                    (record.attribute_name(), crate::rules::as_element(&target))
                {
                    // A field that was a password at any point stays masked.
                    if name.eq_ignore_ascii_case("type")
                        && record
                            .old_value()
                            .is_some_and(|v| v.trim().eq_ignore_ascii_case("password"))
                    {
                        live.rules.note_password(el);
                    }
                    live.rules.note_if_password(el);
                    r.attributes.push((el.clone(), name));
                }
            }
            RecordKind::ChildList => {
                let removed = record.removed_nodes();
                for i in 0..removed.length() {
                    let Some(n) = removed.item(i) else { continue };
                    if added.delete(&n) {
                        // Added and removed within the task: nothing.
                        continue;
                    }
                    let Some(entry) = live.mirror.entry(&n) else {
                        continue;
                    };
                    if let Some((parent, is_shadow)) = parent_entry(live, &target) {
                        r.removes.push(RemovedNode {
                            parent_id: parent.id,
                            id: entry.id,
                            is_shadow,
                        });
                    }
                    live.mirror.forget_subtree(&n);
                }
                let adds = record.added_nodes();
                for i in 0..adds.length() {
                    let Some(n) = adds.item(i) else { continue };
                    if !added.has(&n) {
                        added.add(&n);
                        r.candidates.push(n);
                    }
                }
            }
            _ => {}
        }
    }
    live.prune_iframes();
    let first_new = live.mirror.next_id();
    let Some(Adds {
        adds,
        iframes,
        shadow_roots,
        ..
    }) = serialize_adds(live, &r.candidates, &added)?
    else {
        // A flood: a fresh snapshot costs less than this mutation.
        return live.recheckout(1);
    };
    let new_nodes = usize::try_from(live.mirror.next_id().saturating_sub(first_new)).unwrap_or(0);

    let mut texts = Vec::new();
    for t in &r.texts {
        let Some(entry) = live.mirror.entry(t) else {
            continue;
        };
        if entry.id >= first_new {
            continue;
        }
        // The same decision as the snapshot's, taken afresh: a rule that
        // started to match since (a class, `data-reticent-mask`) applies.
        let ctx = match t.node_type() {
            Node::TEXT_NODE => t.parent_node().map_or(TextContext::Body, |p| {
                live.rules.scope_of(&live.engine, &p).ctx
            }),
            Node::COMMENT_NODE => TextContext::Body,
            // CDATA content is never recorded; other kinds have no text.
            _ => continue,
        };
        if ctx == TextContext::Script {
            continue;
        }
        let raw = t.node_value().unwrap_or_default();
        let value = (!raw.is_empty()).then(|| snapshot::text_in(&live.engine, t, &raw, ctx));
        texts.push(TextMutation {
            id: entry.id,
            value,
        });
    }

    // The changed attributes of each recorded element, in id order; of
    // several records of one attribute, the first reads the value (the page
    // cannot change during this callback). Sorted, not a map by id: maps by
    // id brought their own insertion and iteration code into the module.
    let mut records: Vec<(u32, usize)> = Vec::with_capacity(r.attributes.len());
    for (at, (el, _)) in r.attributes.iter().enumerate() {
        let Some(entry) = live.mirror.entry(el) else {
            continue;
        };
        // Placeholders record no attributes beyond their size.
        if entry.id >= first_new || entry.meta.placeholder {
            continue;
        }
        records.push((entry.id, at));
    }
    records.sort_unstable();
    let mut attributes: Vec<AttributeMutation> = Vec::new();
    for group in records.chunk_by(|a, b| a.0 == b.0) {
        let (id, first) = group[0];
        let el = &r.attributes[first].0;
        // Tag, `type`, `autocomplete` and decision: read once per element,
        // not per changed attribute.
        let facts = live.rules.light_facts(el, live.rules.decide(el));
        let mut map = ChangedAttributes::new();
        for &(_, at) in group {
            let name = &r.attributes[at].1;
            if map.contains_key(name) {
                continue;
            }
            let value = el.get_attribute(name).and_then(|raw| {
                let raw = snapshot::resolve_attribute(el, name, raw);
                // A value the engine drops is recorded as a removal: fail closed.
                live.engine.element_attribute(&facts, name, &raw)
            });
            map.insert(recorded_name(&facts.tag, name).to_owned(), value);
        }
        attributes.push(AttributeMutation {
            id,
            attributes: map,
        });
    }

    if texts.is_empty() && attributes.is_empty() && r.removes.is_empty() && adds.is_empty() {
        return live.attach_iframes(iframes, true);
    }
    let bytes = 32
        + NODE_BYTES * new_nodes
        + 64 * (texts.len() + r.removes.len())
        + attributes
            .iter()
            .map(|a| 32 + 48 * a.attributes.len())
            .sum::<usize>();
    let data = MutationData::with(|d| {
        d.texts = texts;
        d.attributes = attributes;
        d.removes = r.removes;
        // One add per node: rrweb's replayer builds added nodes without children.
        d.adds = flatten_adds(adds);
    });
    let generation = live.generation;
    live.push_incremental(IncrementalData::Mutation(data), bytes)?;
    // After the event that adds their hosts.
    for root in &shadow_roots {
        if live.generation != generation {
            return Ok(());
        }
        live.adopted(root, false, true)?;
    }
    if live.generation != generation {
        return Ok(());
    }
    // After the event that adds the iframes.
    live.attach_iframes(iframes, true)
}

/// Under one parent, more added nodes than this are placed by one backward
/// walk over the parent's children instead of a forward walk per node, so
/// that `nextId` costs stay linear.
const FORWARD_WALK_MAX: usize = 16;

/// Serialises the net added subtrees; `None` on a flood (more than
/// [`MAX_ADDED_NODES`] new nodes).
fn serialize_adds(
    live: &mut Live,
    candidates: &[Node],
    added: &Set,
) -> Result<Option<Adds>, CoreError> {
    // Group the still-added candidates by their current parent.
    let index = Map::new();
    let mut groups: Vec<(Node, Vec<Node>)> = Vec::new();
    for n in candidates {
        if !added.has(n) {
            continue;
        }
        let Some(parent) = n.parent_node() else {
            continue;
        };
        let i = match index.get(&parent).as_f64() {
            // Only indices written below are stored.
            Some(i) => i as usize,
            None => {
                index.set(&parent, &JsValue::from(groups.len() as f64));
                groups.push((parent.clone(), Vec::new()));
                groups.len() - 1
            }
        };
        if let Some((_, kids)) = groups.get_mut(i) {
            kids.push(n.clone());
        }
    }
    let mut out = Adds {
        first_new: live.mirror.next_id(),
        adds: Vec::new(),
        iframes: Vec::new(),
        shadow_roots: Vec::new(),
    };
    for (parent, kids) in &groups {
        // The scope of the parent's children: read once for the group (the
        // page cannot change during this callback).
        let mut scope = None;
        if kids.len() <= FORWARD_WALK_MAX {
            for n in kids {
                if !out.add(live, n, parent, &mut scope, None)? {
                    return Ok(None);
                }
            }
            continue;
        }
        // Last child first: each node's next recorded sibling is already known.
        let mut next_known = None;
        let mut cursor = parent.last_child();
        while let Some(n) = cursor {
            cursor = n.previous_sibling();
            if added.has(&n) && !out.add(live, &n, parent, &mut scope, Some(next_known))? {
                return Ok(None);
            }
            if let Some(id) = live.mirror.id_of(&n) {
                next_known = Some(id);
            }
        }
    }
    Ok(Some(out))
}

/// The adds of one task, and the iframes met in them.
struct Adds {
    first_new: u32,
    adds: Vec<AddedNode>,
    iframes: Vec<HtmlIFrameElement>,
    /// Open shadow roots met in the added subtrees.
    shadow_roots: Vec<ShadowRoot>,
}

impl Adds {
    /// Serialises `n`, added under `parent_node`, if it is still in the page,
    /// not recorded yet and its parent records children. `scope`: the scope
    /// of `parent_node`'s children once read (in this callback). `next`: its
    /// next recorded sibling when the caller knows it. `false` on a flood.
    fn add(
        &mut self,
        live: &mut Live,
        n: &Node,
        parent_node: &Node,
        scope: &mut Option<Scope>,
        next: Option<Option<u32>>,
    ) -> Result<bool, CoreError> {
        if live.mirror.entry(n).is_some() || !n.is_connected() {
            return Ok(true);
        }
        let Some((parent, is_shadow)) = parent_entry(live, parent_node) else {
            return Ok(true);
        };
        if parent.meta.leaf {
            return Ok(true);
        }
        let scope = *scope.get_or_insert_with(|| live.rules.scope_of(&live.engine, parent_node));
        let next_id = match next {
            Some(known) => known,
            None => next_recorded_sibling(live, n),
        };
        let root_id = live.root_id_of(n);
        let Some(mut s) = snapshot::subtree(
            n,
            parent.meta.depth,
            scope,
            root_id,
            &live.engine,
            &live.rules,
            &mut live.mirror,
        )?
        else {
            return Ok(true);
        };
        if live.mirror.next_id().saturating_sub(self.first_new) > MAX_ADDED_NODES {
            return Ok(false);
        }
        if is_shadow {
            s.node.set_is_shadow();
        }
        for root in &s.shadow_roots {
            live.observe(root)?;
        }
        self.shadow_roots.extend(s.shadow_roots);
        self.iframes.extend(s.iframes);
        self.adds.push(AddedNode {
            parent_id: parent.id,
            next_id,
            node: s.node,
        });
        Ok(true)
    }
}

/// The recorded parent of children of `parent`: the node itself, or the host
/// of a shadow root (then `isShadow`).
fn parent_entry(live: &Live, parent: &Node) -> Option<(Entry, bool)> {
    match parent.dyn_ref::<ShadowRoot>() {
        Some(root) => Some((live.mirror.entry(&root.host())?, true)),
        None => Some((live.mirror.entry(parent)?, false)),
    }
}

/// The id of the first following sibling of `n` the mirror knows.
fn next_recorded_sibling(live: &Live, n: &Node) -> Option<u32> {
    let mut next = n.next_sibling();
    while let Some(s) = next {
        if let Some(id) = live.mirror.id_of(&s) {
            return Some(id);
        }
        next = s.next_sibling();
    }
    None
}
