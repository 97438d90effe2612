//! The full snapshot: walks a document and builds rrweb's serialised tree.
//!
//! For each node the walk reads the raw facts (tag, attributes, form value,
//! size of media) and lets the core's [`PrivacyEngine`] decide what is
//! recorded; the walk itself only adds ids and structure. Rules of the walk:
//!
//! - Children are read with `firstChild` / `nextSibling`, one node at a time.
//! - URL attributes are resolved against `document.baseURI` before the engine
//!   sanitises them (an unparsable value is passed raw; the engine drops it).
//! - The text of a `<style>` is sanitised as CSS, all other text is masked;
//!   `<script>`, `<noscript>` and blocked media are never descended.
//! - Comments are kept, masked like text, so later mutations that refer to a
//!   comment sibling (framework markers) find it in the mirror.
//! - Open shadow roots: the host gets `isShadowHost`, and the root's children
//!   follow the host's own children, each with `isShadow` (rrweb's layout).
//!   Closed shadow roots are invisible to the page and so to the recorder.
//! - Elements nested deeper than [`MAX_DOM_DEPTH`] (counting shadow hosts) are
//!   blocked: the engine records a sized placeholder, the subtree is not read,
//!   the recursion stays bounded, and the batch decodes within the collector's
//!   depth limit.
//! - Same-origin iframes are recorded as empty elements; their documents are
//!   added by the capture issue that observes them.

use reticent_core::batch::MAX_DOM_DEPTH;
use reticent_core::node::{
    CdataNode, CommentNode, DocumentNode, DocumentTypeNode, ElementNode, SerializedNode, TextNode,
};
use reticent_core::privacy::{is_url_attribute, ElementFacts, PrivacyEngine, TextContext};
use reticent_core::CoreError;
use wasm_bindgen::JsCast;
use web_sys::{
    Document, DocumentType, Element, HtmlInputElement, HtmlSelectElement, HtmlTextAreaElement, Node,
};

use crate::mirror::Mirror;

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// Serialises `doc` with fresh ids from `mirror`.
pub(crate) fn document(
    doc: &Document,
    engine: &PrivacyEngine,
    mirror: &mut Mirror,
) -> Result<SerializedNode, CoreError> {
    let mut walk = Walk {
        engine,
        mirror,
        base: doc.base_uri().ok().flatten(),
    };
    let id = walk.mirror.assign(doc)?;
    let children = walk.children(doc, 0, TextContext::Body)?;
    let compat = doc.compat_mode();
    Ok(SerializedNode::Document(DocumentNode::new(
        id,
        children,
        Some(&compat),
    )))
}

struct Walk<'a> {
    engine: &'a PrivacyEngine,
    mirror: &'a mut Mirror,
    /// `document.baseURI`, for resolving URL attributes.
    base: Option<String>,
}

impl Walk<'_> {
    /// The children of `parent`, which sits at `depth` (0 for the document;
    /// for a shadow root, its host's depth).
    fn children(
        &mut self,
        parent: &Node,
        depth: usize,
        ctx: TextContext,
    ) -> Result<Vec<SerializedNode>, CoreError> {
        let mut out = Vec::new();
        let mut next = parent.first_child();
        while let Some(child) = next {
            if let Some(n) = self.node(&child, depth, ctx)? {
                out.push(n);
            }
            next = child.next_sibling();
        }
        Ok(out)
    }

    /// One node whose parent is at `depth`; `None` for node kinds rrweb does
    /// not record (processing instructions).
    fn node(
        &mut self,
        node: &Node,
        depth: usize,
        ctx: TextContext,
    ) -> Result<Option<SerializedNode>, CoreError> {
        let serialized = match node.node_type() {
            Node::ELEMENT_NODE => self.element(node.unchecked_ref::<Element>(), depth + 1)?,
            Node::TEXT_NODE => {
                let id = self.mirror.assign(node)?;
                let raw = node.node_value().unwrap_or_default();
                let text = self.engine.text(&raw, ctx);
                SerializedNode::Text(TextNode::new(id, text, ctx == TextContext::Style))
            }
            Node::CDATA_SECTION_NODE => {
                SerializedNode::Cdata(CdataNode::new(self.mirror.assign(node)?))
            }
            Node::COMMENT_NODE => {
                let id = self.mirror.assign(node)?;
                let raw = node.node_value().unwrap_or_default();
                SerializedNode::Comment(CommentNode::new(
                    id,
                    self.engine.text(&raw, TextContext::Body),
                ))
            }
            Node::DOCUMENT_TYPE_NODE => {
                let Some(dt) = node.dyn_ref::<DocumentType>() else {
                    return Ok(None);
                };
                let id = self.mirror.assign(node)?;
                SerializedNode::DocumentType(DocumentTypeNode::new(
                    id,
                    &dt.name(),
                    &dt.public_id(),
                    &dt.system_id(),
                ))
            }
            _ => return Ok(None),
        };
        Ok(Some(serialized))
    }

    /// An element at `depth` (`<html>` is 1), with its subtree.
    fn element(&mut self, el: &Element, depth: usize) -> Result<SerializedNode, CoreError> {
        let id = self.mirror.assign(el)?;
        // Fail closed beyond the depth cap: a placeholder, the subtree unread.
        let facts = self.facts(el, depth > MAX_DOM_DEPTH);
        let decision = self.engine.element(&facts);
        let mut node = decision.node;
        node.id = id;
        if decision.descend {
            let ctx = if node.tag_name == "style" {
                TextContext::Style
            } else {
                TextContext::Body
            };
            node.child_nodes = self.children(el, depth, ctx)?;
            if let Some(root) = el.shadow_root() {
                self.shadow(&mut node, &root, depth)?;
            }
        }
        Ok(SerializedNode::Element(node))
    }

    /// Appends an open shadow root's children to its host.
    fn shadow(
        &mut self,
        host: &mut ElementNode,
        root: &Node,
        depth: usize,
    ) -> Result<(), CoreError> {
        host.is_shadow_host = true;
        for mut child in self.children(root, depth, TextContext::Body)? {
            child.set_is_shadow();
            host.child_nodes.push(child);
        }
        Ok(())
    }

    /// Raw facts about `el` for the engine; `blocked` forces a placeholder.
    fn facts(&self, el: &Element, blocked: bool) -> ElementFacts {
        let tag = el.local_name().to_ascii_lowercase();
        let is_svg = el.namespace_uri().as_deref() == Some(SVG_NS);
        let attrs = el.attributes();
        let mut attributes = Vec::with_capacity(attrs.length() as usize);
        for i in 0..attrs.length() {
            let Some(attr) = attrs.item(i) else { continue };
            let name = attr.name();
            let mut value = attr.value();
            if is_url_attribute(&name) {
                value = self.resolve(value);
            }
            attributes.push((name, value));
        }
        let (value, checked) = form_state(el, &tag);
        let mut facts = ElementFacts {
            tag,
            attributes,
            is_svg,
            value,
            checked,
            blocked,
            ..ElementFacts::default()
        };
        // Only placeholders need a size, and measuring costs a layout.
        if self.engine.blocks(&facts) {
            let r = el.get_bounding_client_rect();
            (facts.width, facts.height) = (r.width(), r.height());
        }
        facts
    }

    /// `raw` resolved against the document base; unchanged when it is empty
    /// or cannot be resolved.
    fn resolve(&self, raw: String) -> String {
        let (Some(base), false) = (&self.base, raw.trim().is_empty()) else {
            return raw;
        };
        match web_sys::Url::new_with_base(&raw, base) {
            Ok(url) => url.href(),
            Err(_) => raw,
        }
    }
}

/// The live form value and checked state of `el` (HTML form controls only).
fn form_state(el: &Element, tag: &str) -> (Option<String>, Option<bool>) {
    match tag {
        "input" => match el.dyn_ref::<HtmlInputElement>() {
            Some(i) => {
                let checkable = matches!(i.type_().as_str(), "checkbox" | "radio");
                (Some(i.value()), checkable.then(|| i.checked()))
            }
            None => (None, None),
        },
        "textarea" => (el.dyn_ref::<HtmlTextAreaElement>().map(|t| t.value()), None),
        "select" => (el.dyn_ref::<HtmlSelectElement>().map(|s| s.value()), None),
        _ => (None, None),
    }
}
