//! Matching the site's rules (`privacy.unmaskText`, `unmaskInputs`, `mask`,
//! `block`, `ignore` and the `data-reticent-*` attributes) against elements.
//!
//! The binding only gathers what matched on each element ([`OwnRules`]); the
//! core folds it down the ancestor chain ([`RuleDecision::child`]) and decides
//! what a decision means. Rules fail closed: a selector whose `matches`
//! throws counts as matched for `block`, `mask` and `ignore`, and as not
//! matched for the unmask rules.
//!
//! Ancestors are followed through shadow hosts (a shadow root's parent is its
//! host; each selector is still matched within the element's own tree, as
//! `Element.matches` does) and from a same-origin iframe's document to the
//! `<iframe>` element, so a rule on a host or a frame applies inside it.
//!
//! The snapshot walk computes each decision from its parent's in one step;
//! mutations, text changes and input events compute it afresh from the
//! ancestors, so a rule added later (a class or `data-reticent-mask` set
//! after the snapshot) applies to every later change. Within one
//! MutationObserver callback, decisions are remembered ([`Rules::remember`])
//! and forgotten when it returns: the page cannot change while the callback
//! runs, so every record of it sees the page as it is then, and the
//! ancestors shared by its records are read once, not once per record.

use std::cell::RefCell;

use js_sys::{Map, WeakSet};
use reticent_core::privacy::{
    ElementFacts, OwnRules, PrivacyConfig, PrivacyEngine, RuleDecision, TextContext,
};
use reticent_core::{CoreError, ErrorCode};
use wasm_bindgen::JsCast;

use crate::dom::{read_light, rule_attributes, rule_attributes_of, RuleAttributes};
use web_sys::{Document, Element, Node, ShadowRoot};

/// Longest ancestor chain followed (deeper pages are blocked by the depth
/// cap anyway); beyond it the decision is "masked, ignored".
const MAX_CHAIN: usize = 4096;

/// The rule decision and text context of the children of a node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Scope {
    /// How text children are scrubbed.
    pub(crate) ctx: TextContext,
    /// The rules inherited by child elements.
    pub(crate) rules: RuleDecision,
}

impl Scope {
    /// The top of a document without rules.
    pub(crate) const ROOT: Scope = Scope {
        ctx: TextContext::Body,
        rules: RuleDecision {
            blocked: false,
            text_unmasked: false,
            input_unmasked: false,
            ignored: false,
        },
    };

    /// The scope of a shadow root's children, from its host's.
    pub(crate) fn shadow(self) -> Scope {
        Scope {
            ctx: if self.ctx == TextContext::Unmasked {
                TextContext::Unmasked
            } else {
                TextContext::Body
            },
            rules: self.rules,
        }
    }

    /// The scope of a document's children under the (frame) decision `rules`.
    fn document(rules: RuleDecision) -> Scope {
        let exposed = rules.text_unmasked && !rules.blocked;
        Scope {
            ctx: if exposed {
                TextContext::Unmasked
            } else {
                TextContext::Body
            },
            rules,
        }
    }
}

/// The compiled rules of one session.
pub(crate) struct Rules {
    unmask_text: Vec<String>,
    unmask_inputs: Vec<String>,
    mask: Vec<String>,
    block: Vec<String>,
    ignore: Vec<String>,
    /// Inputs seen as `type=password` while recorded: never unmasked again.
    was_password: WeakSet,
    /// Decisions of one synchronous pass (see [`Rules::remember`]): element
    /// → [`Remembered`] bits. `None` outside such a pass.
    memo: RefCell<Option<Map>>,
}

/// A remembered decision and the length of its ancestor chain (the element
/// and every element above it), packed in one number.
struct Remembered {
    decision: RuleDecision,
    chain: usize,
}

impl Remembered {
    /// One number, as a JS `Map` holds it without allocating.
    fn pack(&self) -> f64 {
        let d = self.decision;
        let bits = u32::from(d.blocked)
            | u32::from(d.text_unmasked) << 1
            | u32::from(d.input_unmasked) << 2
            | u32::from(d.ignored) << 3;
        // The chain is at most MAX_CHAIN (4096): exact in an f64.
        f64::from(bits) + 16.0 * self.chain as f64
    }

    /// `None` for anything not written by [`Remembered::pack`].
    fn unpack(v: f64) -> Option<Remembered> {
        if !(0.0..=16.0 * (MAX_CHAIN as f64 + 1.0)).contains(&v) || v.fract() != 0.0 {
            return None;
        }
        let v = v as u32;
        Some(Remembered {
            decision: RuleDecision {
                blocked: v & 1 != 0,
                text_unmasked: v & 2 != 0,
                input_unmasked: v & 4 != 0,
                ignored: v & 8 != 0,
            },
            chain: (v >> 4) as usize,
        })
    }
}

impl Rules {
    /// Whether the site gave any selector rule (then any attribute change
    /// may change an element's decision, not only `data-reticent-*`).
    pub(crate) fn has_selectors(&self) -> bool {
        [
            &self.unmask_text,
            &self.unmask_inputs,
            &self.mask,
            &self.block,
            &self.ignore,
        ]
        .iter()
        .any(|v| !v.is_empty())
    }

    pub(crate) fn new(config: &PrivacyConfig) -> Self {
        Rules {
            unmask_text: config.unmask_text.clone(),
            unmask_inputs: config.unmask_inputs.clone(),
            mask: config.mask.clone(),
            block: config.block.clone(),
            ignore: config.ignore.clone(),
            was_password: WeakSet::new(),
            memo: RefCell::new(None),
        }
    }

    /// Starts remembering decisions, for one synchronous pass over the page
    /// (one MutationObserver callback) during which it cannot change; `true`
    /// if this call started it (a pass already under way keeps its memo).
    /// The caller must call [`Rules::forget`] before returning to the event
    /// loop: a remembered decision must not outlive the pass.
    pub(crate) fn remember(&self) -> bool {
        let Ok(mut memo) = self.memo.try_borrow_mut() else {
            return false;
        };
        if memo.is_some() {
            return false;
        }
        *memo = Some(Map::new());
        true
    }

    /// Forgets every remembered decision (the end of the pass).
    pub(crate) fn forget(&self) {
        if let Ok(mut memo) = self.memo.try_borrow_mut() {
            *memo = None;
        }
    }

    /// What matched on `el` itself.
    pub(crate) fn own(&self, el: &Element) -> OwnRules {
        self.own_with(el, rule_attributes(el))
    }

    /// What matched on `el` itself, its `data-reticent-*` attributes known.
    fn own_with(&self, el: &Element, inline: RuleAttributes) -> OwnRules {
        let inline_unmask = inline.unmask;
        OwnRules {
            block: inline.block || any(el, &self.block, true),
            mask: inline.mask || any(el, &self.mask, true),
            unmask_text: inline_unmask || any(el, &self.unmask_text, false),
            unmask_inputs: inline_unmask || any(el, &self.unmask_inputs, false),
            ignore: any(el, &self.ignore, true),
        }
    }

    /// The decision of `el` under a parent whose decision is `parent`.
    pub(crate) fn child(&self, parent: RuleDecision, el: &Element) -> RuleDecision {
        parent.child(self.own(el))
    }

    /// [`Rules::child`] for an element whose attributes were just read
    /// (the snapshot's `dom::read_element`): no crossing for its
    /// `data-reticent-*` attributes.
    pub(crate) fn child_read(
        &self,
        parent: RuleDecision,
        el: &Element,
        attributes: &[(String, String)],
    ) -> RuleDecision {
        parent.child(self.own_with(el, rule_attributes_of(attributes)))
    }

    /// The decision of `el`, computed afresh from its ancestors (or, during
    /// a pass, from the nearest ancestor decided in that pass).
    pub(crate) fn decide(&self, el: &Element) -> RuleDecision {
        if let Ok(memo) = self.memo.try_borrow() {
            if let Some(memo) = memo.as_ref() {
                return self.decide_remembering(el, memo);
            }
        }
        let mut chain = vec![el.clone()];
        let mut node: Node = el.clone().into();
        loop {
            if chain.len() > MAX_CHAIN {
                return fail_closed();
            }
            let Some(next) = up(&node) else { break };
            chain.push(next.clone());
            node = next.into();
        }
        chain
            .iter()
            .rev()
            .fold(RuleDecision::default(), |d, e| self.child(d, e))
    }

    /// [`Rules::decide`] during a pass: walks up to the nearest element
    /// decided in it, folds down from there and remembers every decision on
    /// the way. The same result as afresh, chain limit included.
    fn decide_remembering(&self, el: &Element, memo: &Map) -> RuleDecision {
        let mut chain: Vec<Element> = Vec::new();
        let mut base = Remembered {
            decision: RuleDecision::default(),
            chain: 0,
        };
        let mut next = Some(el.clone());
        while let Some(e) = next {
            if let Some(known) = memo.get(&e).as_f64().and_then(Remembered::unpack) {
                base = known;
                break;
            }
            if chain.len() + 1 > MAX_CHAIN {
                return fail_closed();
            }
            next = up(&e);
            chain.push(e);
        }
        if chain.len() + base.chain > MAX_CHAIN {
            return fail_closed();
        }
        let mut d = base.decision;
        // The chain of each element: the one above it, plus itself.
        for (length, e) in (base.chain + 1..).zip(chain.iter().rev()) {
            d = self.child(d, e);
            memo.set(
                e,
                &Remembered {
                    decision: d,
                    chain: length,
                }
                .pack()
                .into(),
            );
        }
        d
    }

    /// The scope of the children of `parent` (an element, a shadow root or a
    /// document), computed afresh.
    pub(crate) fn scope_of(&self, engine: &PrivacyEngine, parent: &Node) -> Scope {
        if let Some(root) = as_shadow_root(parent) {
            return self.scope_of(engine, &root.host()).shadow();
        }
        if let Some(el) = as_element(parent) {
            let d = self.decide(el);
            let facts = self.light_facts(el, d);
            return Scope {
                ctx: engine.text_context(&facts),
                rules: d,
            };
        }
        match as_document(parent).and_then(frame_of) {
            Some(frame) => Scope::document(self.decide(&frame)),
            None => Scope::ROOT,
        }
    }

    /// The scope of a document's children (a frame's rules apply inside).
    pub(crate) fn document_scope(&self, doc: &Document) -> Scope {
        match frame_of(doc) {
            Some(frame) => Scope::document(self.decide(&frame)),
            None => Scope::ROOT,
        }
    }

    /// Marks `el` as having been a password field.
    pub(crate) fn note_password(&self, el: &Element) {
        self.was_password.add(el);
    }

    /// Notes `el` if it is a password field now.
    pub(crate) fn note_if_password(&self, el: &Element) {
        // Called for every attribute change: read only what is needed, and
        // `type` only of an input.
        if !el.local_name().eq_ignore_ascii_case("input") {
            return;
        }
        if let Some(value) = el.get_attribute("type") {
            self.note_if_password_attributes(el, "input", &[("type".to_owned(), value)]);
        }
    }

    /// Notes `el` if it is a password field now, from its tag and attributes
    /// as already read (`dom.rs`): no further DOM read.
    pub(crate) fn note_if_password_attributes(
        &self,
        el: &Element,
        tag: &str,
        attributes: &[(String, String)],
    ) {
        if tag.eq_ignore_ascii_case("input")
            && attributes.iter().any(|(name, value)| {
                name.eq_ignore_ascii_case("type") && value.trim().eq_ignore_ascii_case("password")
            })
        {
            self.note_password(el);
        }
    }

    /// Whether `el` was a password field while recorded.
    pub(crate) fn was_password(&self, el: &Element) -> bool {
        self.was_password.has(el)
    }

    /// The facts the engine needs to scrub a value of `el` outside the
    /// snapshot (text, attribute and input changes): tag, `type`,
    /// `autocomplete` and the rule decision.
    pub(crate) fn light_facts(&self, el: &Element, d: RuleDecision) -> ElementFacts {
        // One crossing for tag, namespace, `type` and `autocomplete` (dom.rs).
        let read = read_light(el);
        let tag = read.local_name.to_ascii_lowercase();
        let attributes = read.attributes;
        let is_input = tag == "input";
        self.note_if_password_attributes(el, &tag, &attributes);
        ElementFacts {
            tag,
            attributes,
            is_svg: read.is_svg,
            blocked: d.blocked,
            text_unmasked: d.text_unmasked,
            input_unmasked: d.input_unmasked,
            // Only an input can have been a password field.
            was_password: is_input && self.was_password(el),
            ..ElementFacts::default()
        }
    }
}

/// Everything masked, blocked and ignored.
fn fail_closed() -> RuleDecision {
    RuleDecision {
        blocked: true,
        text_unmasked: false,
        input_unmasked: false,
        ignored: true,
    }
}

/// Whether any selector of `list` matches `el`; a throw counts as `on_error`.
fn any(el: &Element, list: &[String], on_error: bool) -> bool {
    list.iter().any(|sel| el.matches(sel).unwrap_or(on_error))
}

/// The next element up: the parent element, a shadow root's host, or the
/// `<iframe>` of a same-origin document.
fn up(node: &Node) -> Option<Element> {
    if let Some(p) = node.parent_element() {
        return Some(p);
    }
    let parent = node.parent_node()?;
    if let Some(root) = as_shadow_root(&parent) {
        return Some(root.host());
    }
    as_document(&parent).and_then(frame_of)
}

// Nodes of a same-origin iframe belong to another JS realm, where
// `instanceof` (what `dyn_ref` checks) fails: casts go by `nodeType`.

/// `node` as an element.
pub(crate) fn as_element(node: &Node) -> Option<&Element> {
    (node.node_type() == Node::ELEMENT_NODE).then(|| node.unchecked_ref::<Element>())
}

/// `el` as an HTML element of one of the `tags` (lower case), by namespace
/// and local name: element types of an iframe's realm fail `instanceof`.
pub(crate) fn as_html<'a, T: JsCast>(el: &'a Element, tags: &[&str]) -> Option<&'a T> {
    let html = el.namespace_uri().as_deref() == Some("http://www.w3.org/1999/xhtml");
    let name = el.local_name();
    (html && tags.iter().any(|t| name.eq_ignore_ascii_case(t))).then(|| el.unchecked_ref::<T>())
}

/// `node` as a document.
pub(crate) fn as_document(node: &Node) -> Option<&Document> {
    (node.node_type() == Node::DOCUMENT_NODE).then(|| node.unchecked_ref::<Document>())
}

/// `node` as a shadow root (a document fragment with a host).
pub(crate) fn as_shadow_root(node: &Node) -> Option<&ShadowRoot> {
    if node.node_type() != Node::DOCUMENT_FRAGMENT_NODE {
        return None;
    }
    let host = js_sys::Reflect::get(node, &wasm_bindgen::JsValue::from_str("host")).ok()?;
    (!host.is_undefined() && !host.is_null()).then(|| node.unchecked_ref::<ShadowRoot>())
}

/// The `<iframe>` (or `<frame>`) element showing `doc`, when the page may see it.
fn frame_of(doc: &Document) -> Option<Element> {
    doc.default_view()?.frame_element().ok().flatten()
}

/// Checks with the browser's own parser that every selector of `config`
/// parses, on a detached fragment (reads nothing from the page). Outside a
/// page (no `document`) only the core's checks apply.
pub(crate) fn validate_selectors(config: &PrivacyConfig) -> Result<(), CoreError> {
    let Some(doc) = web_sys::window().and_then(|w| w.document()) else {
        return Ok(());
    };
    let fragment = doc.create_document_fragment();
    for (name, list) in config.selector_lists() {
        for (i, sel) in list.iter().enumerate() {
            if fragment.query_selector(sel).is_err() {
                return Err(CoreError::new(
                    ErrorCode::InvalidOption,
                    format!("options.privacy.{name}[{i}]: invalid CSS selector {sel:?}"),
                ));
            }
        }
    }
    Ok(())
}
