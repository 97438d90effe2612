//! The full snapshot: walks a document and builds rrweb's serialised tree.
//!
//! For each node the walk reads the raw facts (tag, attributes, form value,
//! size of media) and lets the core's [`PrivacyEngine`] decide what is
//! recorded; the walk itself only adds ids and structure. Rules of the walk:
//!
//! - Children are read with `firstChild` / `nextSibling`, one node at a time;
//!   the read of a node also tells its links (`dom::Links`), so the walk asks
//!   for a sibling, a child or a shadow root only when there is one.
//! - URL attributes are resolved against `document.baseURI` before the engine
//!   sanitises them (an unparsable value is passed raw; the engine drops it),
//!   except on placeholders, which keep no URL.
//! - The text of a `<style>` is sanitised as CSS, all other text is masked
//!   unless the site's rules unmask it (`rules.rs`: each element's decision
//!   follows from its parent's, carried down in a [`Scope`]; the engine then
//!   decides, never-unmaskable fields included); `<script>`, `<noscript>`,
//!   blocked media and elements a `block` rule matches are never descended.
//! - Comments are kept, masked like text, so later mutations that refer to a
//!   comment sibling (framework markers) find it in the mirror.
//! - Open shadow roots: the host gets `isShadowHost`, and the root's children
//!   follow the host's own children, each with `isShadow` (rrweb's layout).
//!   Closed shadow roots are invisible to the page and so to the recorder.
//! - Elements nested deeper than [`MAX_DOM_DEPTH`] (counting shadow hosts) are
//!   blocked: the engine records a sized placeholder, the subtree is not read,
//!   the recursion stays bounded, and the batch decodes within the collector's
//!   depth limit.
//! - Iframes are recorded as elements; the walk reports them, and the
//!   session attaches the document of each same-origin one in a separate
//!   `isAttachIframe` mutation ([`iframe_document`]), as rrweb's recorder
//!   does. The nodes of such a document carry its id as `rootId`.
//! - The same walk serialises the subtrees the mutation observer adds
//!   ([`subtree`]), so added nodes are scrubbed exactly like the snapshot's.
//!   The walk reports the open shadow roots it met, for the observer.

use reticent_core::batch::MAX_DOM_DEPTH;
use reticent_core::node::{
    CdataNode, CommentNode, DocumentNode, DocumentTypeNode, ElementNode, SerializedNode, TextNode,
};
use reticent_core::privacy::{
    is_url_attribute, ElementFacts, PrivacyEngine, RuleDecision, Scrubbed, TextContext,
};
use reticent_core::CoreError;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Document, DocumentType, Element, HtmlIFrameElement, HtmlInputElement, HtmlSelectElement,
    HtmlTextAreaElement, Node, ShadowRoot,
};

use crate::dom::{preceding_text, read_node, ElementRead, Links, NodeRead};
use crate::mirror::{Meta, Mirror};
use crate::rules::{as_html, Rules, Scope};

/// A serialised tree and the open shadow roots and iframes met on the way.
pub(crate) struct Serialized {
    pub(crate) node: SerializedNode,
    pub(crate) shadow_roots: Vec<ShadowRoot>,
    pub(crate) iframes: Vec<HtmlIFrameElement>,
}

/// Serialises `doc` with fresh ids from `mirror`.
pub(crate) fn document(
    doc: &Document,
    engine: &PrivacyEngine,
    rules: &Rules,
    mirror: &mut Mirror,
) -> Result<Serialized, CoreError> {
    let mut walk = Walk::new(engine, rules, mirror, doc);
    let id = walk.mirror.assign(doc)?;
    let children = walk.children(doc.first_child(), 0, Scope::ROOT)?;
    let compat = doc.compat_mode();
    let node = SerializedNode::Document(DocumentNode::new(id, children, Some(&compat)));
    Ok(walk.finish(node))
}

/// Serialises the document of a same-origin iframe with fresh ids; every
/// node below the document carries the document's id as `rootId`.
pub(crate) fn iframe_document(
    doc: &Document,
    engine: &PrivacyEngine,
    rules: &Rules,
    mirror: &mut Mirror,
) -> Result<Serialized, CoreError> {
    let mut walk = Walk::new(engine, rules, mirror, doc);
    let id = walk.mirror.assign(doc)?;
    walk.root_id = Some(id);
    let scope = rules.document_scope(doc);
    let children = walk.children(doc.first_child(), 0, scope)?;
    let compat = doc.compat_mode();
    let node = SerializedNode::Document(DocumentNode::new(id, children, Some(&compat)));
    Ok(walk.finish(node))
}

/// Serialises `node`, a node added under a recorded parent whose element
/// depth is `parent_depth`, with fresh ids; `scope` follows from the parent
/// (`<style>` text is CSS, the site's rules of its ancestors); `root_id` is
/// the id of the iframe document the node lives in (`None` in the page's own
/// document). `None` for node kinds rrweb does not record.
pub(crate) fn subtree(
    node: &Node,
    parent_depth: u32,
    scope: Scope,
    root_id: Option<u32>,
    engine: &PrivacyEngine,
    rules: &Rules,
    mirror: &mut Mirror,
) -> Result<Option<Serialized>, CoreError> {
    let doc = node.owner_document();
    let mut walk = Walk {
        engine,
        rules,
        mirror,
        base: doc.as_ref().and_then(base_of),
        shadow_roots: Vec::new(),
        iframes: Vec::new(),
        root_id,
    };
    let depth = usize::try_from(parent_depth).unwrap_or(usize::MAX);
    let (serialized, _) = walk.node(node, depth, scope)?;
    Ok(serialized.map(|node| walk.finish(node)))
}

/// The facts-based attribute reading shared with the mutation observer:
/// URL attributes resolved against the document base.
pub(crate) fn resolve_attribute(el: &Element, name: &str, value: String) -> String {
    if !is_url_attribute(name) {
        return value;
    }
    let base = el.owner_document().as_ref().and_then(base_of);
    resolve(base.as_ref(), value)
}

/// The first step of serialising a node.
enum Start {
    /// A leaf, or an element whose children are not recorded.
    Done(Option<SerializedNode>),
    /// An element whose children (at `depth`, in `ctx`) remain to be walked,
    /// from `first`; then its open shadow root's, if `shadow` (`true` when
    /// it is not known).
    Open {
        node: ElementNode,
        el: Element,
        depth: usize,
        scope: Scope,
        first: Option<Node>,
        shadow: bool,
    },
}

struct Walk<'a> {
    engine: &'a PrivacyEngine,
    rules: &'a Rules,
    mirror: &'a mut Mirror,
    /// `document.baseURI`, for resolving URL attributes (a JS string, so it
    /// is not decoded again for every URL).
    base: Option<JsValue>,
    /// Open shadow roots met, for the mutation observer.
    shadow_roots: Vec<ShadowRoot>,
    /// Iframes met, whose documents the session attaches.
    iframes: Vec<HtmlIFrameElement>,
    /// The iframe document being walked (`rootId` of its nodes).
    root_id: Option<u32>,
}

impl<'a> Walk<'a> {
    fn new(
        engine: &'a PrivacyEngine,
        rules: &'a Rules,
        mirror: &'a mut Mirror,
        doc: &Document,
    ) -> Self {
        Walk {
            engine,
            rules,
            mirror,
            base: base_of(doc),
            shadow_roots: Vec::new(),
            iframes: Vec::new(),
            root_id: None,
        }
    }

    fn finish(self, node: SerializedNode) -> Serialized {
        Serialized {
            node,
            shadow_roots: self.shadow_roots,
            iframes: self.iframes,
        }
    }

    /// The children of a parent that sits at `depth` (0 for the document;
    /// for a shadow root, its host's depth), from its first child `first`.
    fn children(
        &mut self,
        first: Option<Node>,
        depth: usize,
        scope: Scope,
    ) -> Result<Vec<SerializedNode>, CoreError> {
        let mut out = Vec::new();
        let mut next = first;
        while let Some(child) = next {
            let (n, after) = self.node(&child, depth, scope)?;
            if let Some(n) = n {
                out.push(n);
            }
            next = after;
        }
        Ok(out)
    }

    /// One node whose parent is at `depth`, with its subtree (`None` for
    /// node kinds rrweb does not record: processing instructions), and its
    /// next sibling as read before the subtree was walked.
    fn node(
        &mut self,
        node: &Node,
        depth: usize,
        scope: Scope,
    ) -> Result<(Option<SerializedNode>, Option<Node>), CoreError> {
        let (start, next) = self.start(node, depth, scope)?;
        let serialized = match start {
            Start::Done(s) => s,
            Start::Open {
                mut node,
                el,
                depth,
                scope,
                first,
                shadow,
            } => {
                node.child_nodes = self.children(first, depth, scope)?;
                if let Some(root) = shadow.then(|| el.shadow_root()).flatten() {
                    self.shadow(&mut node, &root, depth, scope)?;
                    self.shadow_roots.push(root);
                }
                self.met_element(&el, &node.tag_name);
                Some(self.rooted(SerializedNode::Element(node)))
            }
        };
        Ok((serialized, next))
    }

    /// Serialises `node` itself (children excluded): leaves are done, an
    /// element whose children are recorded is `Open` for the caller to fill.
    /// Also answers `node`'s next sibling.
    fn start(
        &mut self,
        node: &Node,
        depth: usize,
        scope: Scope,
    ) -> Result<(Start, Option<Node>), CoreError> {
        // Kind, contents and links in one crossing (see dom.rs).
        let (read, mut links) = read_node(node);
        let next = match links.as_mut() {
            Some(links) => links.next.take(),
            None => node.next_sibling(),
        };
        Ok((self.start_read(node, read, links, depth, scope)?, next))
    }

    /// [`Walk::start`] once `node` is read.
    fn start_read(
        &mut self,
        node: &Node,
        read: NodeRead,
        links: Option<Links>,
        depth: usize,
        scope: Scope,
    ) -> Result<Start, CoreError> {
        let ctx = scope.ctx;
        let serialized = match read {
            NodeRead::Element(read) => {
                let el = node.unchecked_ref::<Element>();
                let (node, child_scope) = self.element(el, read, depth + 1, scope)?;
                return Ok(match child_scope {
                    Some(scope) => {
                        // Unknown links: ask the DOM, and look for a shadow root.
                        let (first, shadow) = match links {
                            Some(links) => (links.first, links.shadow),
                            None => (el.first_child(), true),
                        };
                        Start::Open {
                            node,
                            el: el.clone(),
                            depth: depth + 1,
                            scope,
                            first,
                            shadow,
                        }
                    }
                    None => Start::Done(Some(self.rooted(SerializedNode::Element(node)))),
                });
            }
            NodeRead::Text(raw) => {
                let id = self.mirror.assign_with(node, leaf_meta(depth))?;
                let text = text_in(self.engine, node, &raw, ctx);
                SerializedNode::Text(TextNode::new(id, text, ctx == TextContext::Style))
            }
            NodeRead::Other(Node::CDATA_SECTION_NODE) => SerializedNode::Cdata(CdataNode::new(
                self.mirror.assign_with(node, leaf_meta(depth))?,
            )),
            NodeRead::Comment(raw) => {
                let id = self.mirror.assign_with(node, leaf_meta(depth))?;
                SerializedNode::Comment(CommentNode::new(
                    id,
                    self.engine.text(&raw, TextContext::Body),
                ))
            }
            NodeRead::Other(Node::DOCUMENT_TYPE_NODE) => {
                let Some(dt) = node.dyn_ref::<DocumentType>() else {
                    return Ok(Start::Done(None));
                };
                let id = self.mirror.assign_with(node, leaf_meta(depth))?;
                SerializedNode::DocumentType(DocumentTypeNode::new(
                    id,
                    &dt.name(),
                    &dt.public_id(),
                    &dt.system_id(),
                ))
            }
            _ => return Ok(Start::Done(None)),
        };
        Ok(Start::Done(Some(self.rooted(serialized))))
    }

    /// `node` with the walk's `rootId`, if any.
    fn rooted(&self, mut node: SerializedNode) -> SerializedNode {
        if let Some(root) = self.root_id {
            set_root_id(&mut node, root);
        }
        node
    }

    /// Notes an element whose children were walked (iframes are attached
    /// later). `tag`: its recorded tag name (lower case), so that only
    /// elements named `iframe` cost a type check across the boundary.
    fn met_element(&mut self, el: &Element, tag: &str) {
        if tag != "iframe" {
            return;
        }
        if let Some(iframe) = el.dyn_ref::<HtmlIFrameElement>() {
            self.iframes.push(iframe.clone());
        }
    }

    /// An element at `depth` (`<html>` is 1) under a parent whose scope is
    /// `parent`, without its children, and the scope of its children when
    /// they are recorded.
    fn element(
        &mut self,
        el: &Element,
        read: ElementRead,
        depth: usize,
        parent: Scope,
    ) -> Result<(ElementNode, Option<Scope>), CoreError> {
        // The tag, namespace and attributes as read (see dom.rs) also give
        // the element's `data-reticent-*` rules.
        let rules = self.rules.child_read(parent.rules, el, &read.attributes);
        // Fail closed beyond the depth cap: a placeholder, the subtree unread.
        let facts = self.facts(el, read, depth > MAX_DOM_DEPTH, rules);
        let decision = self.engine.element(&facts);
        let mut node = decision.node;
        let meta = Meta {
            depth: u32::try_from(depth).unwrap_or(u32::MAX),
            leaf: !decision.descend,
            placeholder: node.need_block,
        };
        // Assigned once its meta is known (one write; the same id as before
        // reading it: nothing above assigns ids).
        node.id = self.mirror.assign_with(el, meta)?;
        let scope = decision.descend.then(|| Scope {
            ctx: self.engine.text_context(&facts),
            rules,
        });
        Ok((node, scope))
    }

    /// Appends an open shadow root's children to its host, whose children
    /// have `scope`.
    fn shadow(
        &mut self,
        host: &mut ElementNode,
        root: &Node,
        depth: usize,
        scope: Scope,
    ) -> Result<(), CoreError> {
        host.is_shadow_host = true;
        for mut child in self.children(root.first_child(), depth, scope.shadow())? {
            child.set_is_shadow();
            host.child_nodes.push(child);
        }
        Ok(())
    }

    /// Raw facts about `el` for the engine, from what `read_element` read of
    /// it, with the site's `rules` for it; `blocked` forces a placeholder.
    fn facts(
        &self,
        el: &Element,
        read: ElementRead,
        blocked: bool,
        rules: RuleDecision,
    ) -> ElementFacts {
        // In place: an HTML element's local name is lower case already.
        let mut tag = read.local_name;
        tag.make_ascii_lowercase();
        let is_svg = read.is_svg;
        let attributes = read.attributes;
        let is_input = tag == "input";
        self.rules
            .note_if_password_attributes(el, &tag, &attributes);
        let (value, checked) = form_state(el, &tag);
        let mut facts = ElementFacts {
            tag,
            attributes,
            is_svg,
            value,
            checked,
            blocked: blocked || rules.blocked,
            text_unmasked: rules.text_unmasked,
            input_unmasked: rules.input_unmasked,
            // Only an input can have been a password field.
            was_password: is_input && self.rules.was_password(el),
            ..ElementFacts::default()
        };
        if !is_svg_or_blocked(&facts) {
            facts.css_text = match facts.tag.as_str() {
                "link" => link_css(el),
                "style" => inserted_css(el),
                _ => None,
            };
        }
        // Only placeholders need a size, and measuring costs a layout. A
        // placeholder keeps no URL, so only other elements resolve theirs
        // (a crossing and a parse each: 400 product images on the bench page).
        if self.engine.blocks(&facts) {
            let r = el.get_bounding_client_rect();
            (facts.width, facts.height) = (r.width(), r.height());
        } else {
            for (name, value) in &mut facts.attributes {
                if is_url_attribute(name) {
                    *value = self.resolve(std::mem::take(value));
                }
            }
        }
        facts
    }

    /// `raw` resolved against the document base.
    fn resolve(&self, raw: String) -> String {
        resolve(self.base.as_ref(), raw)
    }
}

fn is_svg_or_blocked(facts: &ElementFacts) -> bool {
    facts.is_svg || facts.blocked
}

/// The rules of a `<link rel=stylesheet>` as CSS text, when the page itself
/// may read them (same origin, loaded): reading a cross-origin sheet's rules
/// throws, and then nothing is recorded but the (sanitised) address. The tag
/// was checked by the caller; `unchecked_ref` because `instanceof` fails for
/// elements of same-origin iframes.
fn link_css(el: &Element) -> Option<String> {
    let link = el.unchecked_ref::<web_sys::HtmlLinkElement>();
    let rel = link.rel();
    if !rel
        .split_ascii_whitespace()
        .any(|r| r.eq_ignore_ascii_case("stylesheet"))
    {
        return None;
    }
    sheet_css(link.sheet()?.unchecked_into())
}

/// The rules of a `<style>` whose text is empty but whose sheet has rules:
/// they were inserted by script (CSS-in-JS), so the text children would
/// replay an empty sheet. A `<style>` with text keeps it (its later CSSOM
/// changes are recorded as StyleSheetRule events).
fn inserted_css(el: &Element) -> Option<String> {
    if !el.text_content().unwrap_or_default().trim().is_empty() {
        return None;
    }
    let style = el.unchecked_ref::<web_sys::HtmlStyleElement>();
    sheet_css(style.sheet()?.unchecked_into())
}

/// Every rule of `sheet` as CSS text; `None` when the page may not read them
/// or there are none.
fn sheet_css(sheet: web_sys::CssStyleSheet) -> Option<String> {
    let rules = sheet.css_rules().ok()?;
    let mut css = String::new();
    for i in 0..rules.length() {
        if let Some(rule) = rules.item(i) {
            css.push_str(&rule.css_text());
            css.push('\n');
        }
    }
    (!css.is_empty()).then_some(css)
}

/// `doc.baseURI` as a JS string.
fn base_of(doc: &Document) -> Option<JsValue> {
    doc.base_uri().ok().flatten().map(|b| JsValue::from_str(&b))
}

/// `raw` resolved against `base`; unchanged when it is empty or cannot be
/// resolved.
fn resolve(base: Option<&JsValue>, raw: String) -> String {
    let (Some(base), false) = (base, raw.trim().is_empty()) else {
        return raw;
    };
    crate::dom::resolve_url(&raw, base).unwrap_or(raw)
}

/// Sets `rootId` on a node of an iframe document.
fn set_root_id(node: &mut SerializedNode, root: u32) {
    let slot = match node {
        SerializedNode::Document(n) => &mut n.root_id,
        SerializedNode::DocumentType(n) => &mut n.root_id,
        SerializedNode::Element(n) => &mut n.root_id,
        SerializedNode::Text(n) => &mut n.root_id,
        SerializedNode::Cdata(n) => &mut n.root_id,
        SerializedNode::Comment(n) => &mut n.root_id,
    };
    *slot = Some(root);
}

/// What is recorded of text node `node`'s `raw` data in context `ctx`, for
/// the snapshot and text changes alike. A `<style>`'s text child is read
/// where its earlier text siblings leave off (its CSS is their
/// concatenation: see [`PrivacyEngine::style_text_after`]); if they cannot
/// be read, it is masked as text (fail closed).
pub(crate) fn text_in(
    engine: &PrivacyEngine,
    node: &Node,
    raw: &str,
    ctx: TextContext,
) -> Scrubbed {
    if ctx != TextContext::Style {
        return engine.text(raw, ctx);
    }
    match preceding_text(node) {
        Some(prefix) => engine.style_text_after(&prefix, raw),
        None => engine.text(raw, TextContext::Body),
    }
}

/// Mirror meta of a node that has no recorded children, under a parent at `depth`.
fn leaf_meta(depth: usize) -> Meta {
    Meta {
        depth: u32::try_from(depth).unwrap_or(u32::MAX),
        leaf: true,
        placeholder: false,
    }
}

/// The live form value and checked state of `el` (HTML form controls only).
fn form_state(el: &Element, tag: &str) -> (Option<String>, Option<bool>) {
    match tag {
        "input" => match as_html::<HtmlInputElement>(el, &["input"]) {
            Some(i) => {
                let checkable = matches!(i.type_().as_str(), "checkbox" | "radio");
                (Some(i.value()), checkable.then(|| i.checked()))
            }
            None => (None, None),
        },
        "textarea" => (
            as_html::<HtmlTextAreaElement>(el, &["textarea"]).map(|t| t.value()),
            None,
        ),
        "select" => (
            as_html::<HtmlSelectElement>(el, &["select"]).map(|s| s.value()),
            None,
        ),
        _ => (None, None),
    }
}

/// A full snapshot of the page's document taken in slices: the same walk as
/// [`document`], with an explicit stack instead of recursion so it can stop
/// after a time budget and resume from a timer.
///
/// Resuming is only valid while the document's structure has not changed:
/// the session restarts the walk when a `childList` record arrives between
/// slices (see `Live::step`). Open shadow roots met are reported at once, so
/// changes inside them are observed from then on.
pub(crate) struct SlicedWalk {
    base: Option<JsValue>,
    stack: Vec<Frame>,
    shadow_roots: Vec<ShadowRoot>,
    iframes: Vec<HtmlIFrameElement>,
    compat: String,
    doc_id: u32,
    done: Option<Vec<SerializedNode>>,
}

/// A parent whose children are being walked.
struct Frame {
    /// The element under construction (`None` for the document).
    node: Option<ElementNode>,
    el: Option<Element>,
    /// The next child to visit.
    cursor: Option<Node>,
    /// Children serialised so far (the document's, for the bottom frame).
    children: Vec<SerializedNode>,
    depth: usize,
    scope: Scope,
    /// Walking the host's shadow root (children get `isShadow`).
    in_shadow: bool,
    /// The element may have an open shadow root (its read says so, or could
    /// not tell).
    shadow: bool,
    /// This element is itself a shadow root child.
    is_shadow: bool,
}

impl SlicedWalk {
    /// Starts a walk of `doc` (assigns the document's id).
    pub(crate) fn new(doc: &Document, mirror: &mut Mirror) -> Result<Self, CoreError> {
        let doc_id = mirror.assign(doc)?;
        Ok(SlicedWalk {
            base: base_of(doc),
            stack: vec![Frame {
                node: None,
                el: None,
                cursor: doc.first_child(),
                children: Vec::new(),
                depth: 0,
                scope: Scope::ROOT,
                in_shadow: false,
                shadow: false,
                is_shadow: false,
            }],
            shadow_roots: Vec::new(),
            iframes: Vec::new(),
            compat: doc.compat_mode(),
            doc_id,
            done: None,
        })
    }

    /// Whether the walk is inside `node` (one of its open elements).
    pub(crate) fn is_open(&self, node: &Node) -> bool {
        let node: &JsValue = node.as_ref();
        self.stack.iter().any(|f| {
            f.el.as_ref()
                .is_some_and(|e| AsRef::<JsValue>::as_ref(e) == node)
        })
    }

    /// Walks up to `budget` nodes; `true` once the document is complete.
    /// Shadow roots met in this slice are appended to `new_roots`.
    pub(crate) fn step(
        &mut self,
        engine: &PrivacyEngine,
        rules: &Rules,
        mirror: &mut Mirror,
        budget: u32,
        new_roots: &mut Vec<ShadowRoot>,
    ) -> Result<bool, CoreError> {
        let mut walk = Walk {
            engine,
            rules,
            mirror,
            base: self.base.clone(),
            shadow_roots: Vec::new(),
            iframes: Vec::new(),
            root_id: None,
        };
        let mut visited = 0u32;
        while self.done.is_none() && visited < budget {
            visited += 1;
            let Some(top) = self.stack.last_mut() else {
                break;
            };
            if let Some(child) = top.cursor.take() {
                let (depth, scope, in_shadow) = (top.depth, top.scope, top.in_shadow);
                let (start, next) = walk.start(&child, depth, scope)?;
                top.cursor = next;
                match start {
                    Start::Done(Some(mut n)) => {
                        if in_shadow {
                            n.set_is_shadow();
                        }
                        top.children.push(n);
                    }
                    Start::Done(None) => {}
                    Start::Open {
                        node,
                        el,
                        depth,
                        scope,
                        first,
                        shadow,
                    } => {
                        self.stack.push(Frame {
                            node: Some(node),
                            el: Some(el),
                            cursor: first,
                            children: Vec::new(),
                            depth,
                            scope,
                            in_shadow: false,
                            shadow,
                            is_shadow: in_shadow,
                        });
                    }
                }
                continue;
            }
            // Light children done: the open shadow root's children follow.
            if !top.in_shadow && top.shadow {
                if let Some(root) = top.el.as_ref().and_then(Element::shadow_root) {
                    top.in_shadow = true;
                    top.scope = top.scope.shadow();
                    top.cursor = root.first_child();
                    if let Some(n) = top.node.as_mut() {
                        n.is_shadow_host = true;
                    }
                    new_roots.push(root.clone());
                    self.shadow_roots.push(root);
                    continue;
                }
            }
            let Some(frame) = self.stack.pop() else {
                break;
            };
            match (frame.node, frame.el) {
                (Some(mut node), Some(el)) => {
                    node.child_nodes = frame.children;
                    walk.met_element(&el, &node.tag_name);
                    let mut n = SerializedNode::Element(node);
                    if frame.is_shadow {
                        n.set_is_shadow();
                    }
                    match self.stack.last_mut() {
                        Some(parent) => parent.children.push(n),
                        None => self.done = Some(vec![n]),
                    }
                }
                // The document frame: the walk is complete.
                _ => self.done = Some(frame.children),
            }
        }
        self.iframes.append(&mut walk.iframes);
        Ok(self.done.is_some())
    }

    /// The finished document, once [`SlicedWalk::step`] returned `true`.
    pub(crate) fn finish(self) -> Option<Serialized> {
        let children = self.done?;
        Some(Serialized {
            node: SerializedNode::Document(DocumentNode::new(
                self.doc_id,
                children,
                Some(&self.compat),
            )),
            shadow_roots: self.shadow_roots,
            iframes: self.iframes,
        })
    }
}
