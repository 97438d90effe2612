//! The node mirror: which id each recorded DOM node has.
//!
//! Ids live in a JS `WeakMap` keyed by the node, so the mirror never keeps a
//! removed node alive. Next to the id, the mirror keeps what the mutation
//! observer needs to know about a recorded node without asking the engine
//! again: the element depth (for the depth cap) and whether its children are
//! recorded (not for `<script>`, placeholders, …).
//!
//! The mirror counts its live entries: removing a node from the page forgets
//! its whole subtree ([`Mirror::forget_subtree`]), so the count stays flat over
//! a long session. A mirror belongs to one recording session: withdrawing
//! consent drops it, and the next session numbers nodes from 1 again.

use js_sys::{Object, WeakMap};
use reticent_core::{CoreError, ErrorCode};
use wasm_bindgen::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Node;

// `has` then `set` in one crossing: the snapshot assigns an id to every node.
// Forgetting a removed subtree in one crossing, not five per node; the same
// walk as it was in Rust (`instanceof Element` as `dyn_ref` checks). A getter
// that throws ends the walk: what was deleted is counted.
#[wasm_bindgen(inline_js = r#"
export function reticent_mirror_set(map, key, value) {
  const had = map.has(key);
  map.set(key, value);
  return had;
}
export function reticent_mirror_forget(map, node) {
  const stack = [node];
  let count = 0;
  try {
    while (stack.length !== 0) {
      const n = stack.pop();
      if (!map.delete(n)) continue;
      count++;
      for (let c = n.firstChild; c !== null; c = c.nextSibling) stack.push(c);
      const root = n instanceof Element ? n.shadowRoot : null;
      if (root) for (let c = root.firstChild; c !== null; c = c.nextSibling) stack.push(c);
    }
  } catch (_) {}
  return count;
}
"#)]
extern "C" {
    fn reticent_mirror_set(map: &WeakMap, key: &Object, value: f64) -> bool;
    // `catch` (never used: the JS catches) keeps this import behind a JS
    // shim: wasm-bindgen 0.2.130 lists a snippet once per direct import in
    // the import object, and the duplicate key fails the bundle's build.
    #[wasm_bindgen(catch)]
    fn reticent_mirror_forget(map: &WeakMap, node: &Node) -> Result<u32, JsValue>;
}

/// What the mirror knows about a recorded node.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct Meta {
    /// Element depth (`<html>` is 1); for other nodes, their parent's.
    pub(crate) depth: u32,
    /// Children are not recorded (`<script>`, blocked placeholders).
    pub(crate) leaf: bool,
    /// A blocked placeholder: its attributes are not recorded either.
    pub(crate) placeholder: bool,
}

/// A recorded node's id and meta.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) id: u32,
    pub(crate) meta: Meta,
}

// The WeakMap value packs an entry into one number. Usually it is compact:
// id in bits 0..20, depth in 20..28, the flags in 28 and 29, under 2^30, so
// V8 stores it as a small integer in the map, with no heap number per node
// for the collector to move (10,000 on the bench page). Larger ids or depths
// are written wide, offset by 2^30: id in bits 0..32, depth in 32..44, the
// flags above (exact in an f64 below 2^53).
const COMPACT_LIMIT: f64 = 1_073_741_824.0; // 2^30
const COMPACT_ID_BITS: u32 = 20;
const COMPACT_DEPTH_LIMIT: u32 = 255;
const DEPTH_SHIFT: f64 = 4_294_967_296.0; // 2^32
const DEPTH_LIMIT: u32 = 4095;
const LEAF: f64 = 17_592_186_044_416.0; // 2^44
const PLACEHOLDER: f64 = 35_184_372_088_832.0; // 2^45

fn pack(id: u32, meta: Meta) -> f64 {
    if id < 1 << COMPACT_ID_BITS && meta.depth <= COMPACT_DEPTH_LIMIT {
        let bits = id
            | meta.depth << COMPACT_ID_BITS
            | u32::from(meta.leaf) << 28
            | u32::from(meta.placeholder) << 29;
        return f64::from(bits);
    }
    let mut v = f64::from(id) + f64::from(meta.depth.min(DEPTH_LIMIT)) * DEPTH_SHIFT;
    if meta.leaf {
        v += LEAF;
    }
    if meta.placeholder {
        v += PLACEHOLDER;
    }
    COMPACT_LIMIT + v
}

fn unpack(v: f64) -> Option<Entry> {
    if (0.0..COMPACT_LIMIT).contains(&v) {
        // A whole number below 2^30 by construction; `as` saturates.
        let bits = v as u32;
        return Some(Entry {
            id: bits & ((1 << COMPACT_ID_BITS) - 1),
            meta: Meta {
                depth: (bits >> COMPACT_ID_BITS) & COMPACT_DEPTH_LIMIT,
                leaf: bits & 1 << 28 != 0,
                placeholder: bits & 1 << 29 != 0,
            },
        });
    }
    let v = v - COMPACT_LIMIT;
    if !(0.0..2.0 * PLACEHOLDER).contains(&v) {
        return None;
    }
    let mut rest = v;
    let placeholder = rest >= PLACEHOLDER;
    if placeholder {
        rest -= PLACEHOLDER;
    }
    let leaf = rest >= LEAF;
    if leaf {
        rest -= LEAF;
    }
    let depth = (rest / DEPTH_SHIFT).floor();
    let id = rest - depth * DEPTH_SHIFT;
    // Both are whole numbers in range by construction; `as` saturates.
    Some(Entry {
        id: id as u32,
        meta: Meta {
            depth: depth as u32,
            leaf,
            placeholder,
        },
    })
}

/// Node ↔ id map of one session.
pub(crate) struct Mirror {
    ids: WeakMap,
    next_id: u32,
    /// Live entries (assigned and not forgotten).
    size: u32,
}

impl Mirror {
    /// An empty mirror; the first id handed out is 1.
    pub(crate) fn new() -> Self {
        Mirror {
            ids: WeakMap::new(),
            next_id: 1,
            size: 0,
        }
    }

    /// Forgets every node but keeps numbering where it was, so ids stay unique
    /// within a page view (used before a fresh full snapshot).
    pub(crate) fn reset(&mut self) {
        self.ids = WeakMap::new();
        self.size = 0;
    }

    /// The id the next assigned node gets.
    pub(crate) fn next_id(&self) -> u32 {
        self.next_id
    }

    /// How many nodes the mirror holds.
    pub(crate) fn size(&self) -> u32 {
        self.size
    }

    /// The id of `node`, if it has been recorded.
    pub(crate) fn id_of(&self, node: &Node) -> Option<u32> {
        self.entry(node).map(|e| e.id)
    }

    /// The id and meta of `node`, if it has been recorded.
    pub(crate) fn entry(&self, node: &Node) -> Option<Entry> {
        unpack(self.ids.get(node.unchecked_ref::<Object>()).as_f64()?)
    }

    /// Gives `node` a fresh id (replacing any earlier one) and returns it.
    pub(crate) fn assign(&mut self, node: &Node) -> Result<u32, CoreError> {
        self.assign_with(node, Meta::default())
    }

    /// Gives `node` a fresh id with `meta` and returns it.
    pub(crate) fn assign_with(&mut self, node: &Node, meta: Meta) -> Result<u32, CoreError> {
        let id = self.next_id;
        self.next_id = id
            .checked_add(1)
            .ok_or_else(|| CoreError::new(ErrorCode::Internal, "node id space exhausted"))?;
        let key = node.unchecked_ref::<Object>();
        if !reticent_mirror_set(&self.ids, key, pack(id, meta)) {
            self.size = self.size.saturating_add(1);
        }
        Ok(id)
    }

    /// Forgets `node` and every recorded node below it (light children and
    /// open shadow roots). Nodes that are not recorded have no recorded
    /// descendants, so the walk stops there.
    pub(crate) fn forget_subtree(&mut self, node: &Node) {
        let forgotten = reticent_mirror_forget(&self.ids, node).unwrap_or(0);
        self.size = self.size.saturating_sub(forgotten);
    }
}

#[cfg(test)]
mod pack_tests {
    use super::*;

    #[test]
    fn usual_entries_are_small_integers() {
        let meta = Meta {
            depth: 40,
            leaf: true,
            placeholder: true,
        };
        let v = pack(500_000, meta);
        assert!(v < COMPACT_LIMIT && v.fract() == 0.0);
        assert!(pack(2_000_000, meta) >= COMPACT_LIMIT);
    }

    #[test]
    fn entries_round_trip() {
        let compact_id = (1 << COMPACT_ID_BITS) - 1;
        for (id, depth, leaf, placeholder) in [
            (1, 0, false, false),
            (u32::MAX, 4095, true, true),
            (77, 201, true, false),
            (5, 3, false, true),
            (compact_id, COMPACT_DEPTH_LIMIT, true, true),
            (compact_id + 1, 0, false, false),
            (3, COMPACT_DEPTH_LIMIT + 1, true, false),
        ] {
            let meta = Meta {
                depth,
                leaf,
                placeholder,
            };
            assert_eq!(unpack(pack(id, meta)), Some(Entry { id, meta }));
        }
        assert_eq!(unpack(f64::NAN), None);
        assert_eq!(unpack(-1.0), None);
        assert_eq!(unpack(COMPACT_LIMIT + 2.0 * PLACEHOLDER), None);
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::Mirror;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn assigns_increasing_ids_and_remembers_them() {
        let doc = web_sys::window().unwrap().document().unwrap();
        let a = doc.create_element("div").unwrap();
        let b = doc.create_element("span").unwrap();
        let mut m = Mirror::new();
        assert_eq!(m.id_of(&a), None);
        assert_eq!(m.assign(&a).unwrap(), 1);
        assert_eq!(m.assign(&b).unwrap(), 2);
        assert_eq!(m.id_of(&a), Some(1));
        assert_eq!(m.id_of(&b), Some(2));
        assert_eq!(m.assign(&a).unwrap(), 3, "assign always gives a fresh id");
        assert_eq!(m.id_of(&a), Some(3));
        assert_eq!(m.size(), 2);
        assert_eq!(Mirror::new().id_of(&a), None, "mirrors share nothing");
    }

    #[wasm_bindgen_test]
    fn forgetting_a_subtree_shrinks_the_mirror() {
        let doc = web_sys::window().unwrap().document().unwrap();
        let a = doc.create_element("div").unwrap();
        let b = doc.create_element("span").unwrap();
        let t = doc.create_text_node("x");
        a.append_child(&b).unwrap();
        b.append_child(&t).unwrap();
        let mut m = Mirror::new();
        for n in [&a as &web_sys::Node, &b, &t] {
            m.assign(n).unwrap();
        }
        assert_eq!(m.size(), 3);
        m.forget_subtree(&b);
        assert_eq!(m.size(), 1);
        assert_eq!(m.id_of(&t), None);
        assert_eq!(m.id_of(&a), Some(1));
    }

    #[wasm_bindgen_test]
    fn forgetting_a_host_forgets_its_shadow_root_children() {
        let doc = web_sys::window().unwrap().document().unwrap();
        let outer = doc.create_element("div").unwrap();
        let host = doc.create_element("div").unwrap();
        outer.append_child(&host).unwrap();
        let root = host
            .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
            .unwrap();
        let inner = doc.create_element("p").unwrap();
        let text = doc.create_text_node("x");
        root.append_child(&inner).unwrap();
        inner.append_child(&text).unwrap();
        let light = doc.create_element("span").unwrap();
        host.append_child(&light).unwrap();
        let mut m = Mirror::new();
        for n in [&outer as &web_sys::Node, &host, &inner, &text, &light] {
            m.assign(n).unwrap();
        }
        m.forget_subtree(&host);
        assert_eq!(m.size(), 1);
        for n in [&host as &web_sys::Node, &inner, &text, &light] {
            assert_eq!(m.id_of(n), None);
        }
        assert_eq!(m.id_of(&outer), Some(1));
        // A node not recorded: nothing below it is looked at.
        m.forget_subtree(&host);
        assert_eq!(m.size(), 1);
    }
}
