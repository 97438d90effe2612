//! [`Encode`] for the batch and every type inside it, written to match the
//! serde attributes on those types field for field: same names, same order,
//! same skipped fields. `tests.rs` holds the two to the same bytes; a field
//! added to a type must be added here too, or those tests fail.

use super::msgpack::{write_map_len, write_str, Encode, Fields};
use super::Batch;
use crate::event::{CustomData, Event, EventData, FullSnapshotData, MetaData, Offset};
use crate::incremental::{
    AddedNode, AdoptedStyle, AdoptedStyleSheetData, AttributeMutation, IncrementalData, InputData,
    MediaInteractionData, MouseInteractionData, MouseMoveData, MutationData, Position, RemovedNode,
    ScrollData, StyleDeclarationData, StyleDeclarationRemove, StyleDeclarationSet, StyleRuleAdd,
    StyleRuleRemove, StyleSheetRuleData, TextMutation, TouchMoveData, ViewportResizeData,
};
use crate::node::{
    Attributes, CdataNode, CommentNode, DocumentNode, DocumentTypeNode, ElementNode,
    SerializedNode, TextNode,
};
use crate::privacy::Scrubbed;
use crate::wire::Tag;

impl Encode for Batch {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("version", &self.version)
            .field("sessionId", &self.session_id)
            .field("pageViewId", &self.page_view_id)
            .field("sequence", &self.sequence)
            .field("startTime", &self.start_time)
            .field("endTime", &self.end_time)
            .field("policy", &self.policy)
            .field("policyDigest", &self.policy_digest)
            .field("dropped", &self.dropped)
            .field("events", &self.events)
            .end();
    }
}

impl Encode for Event {
    fn encode(&self, out: &mut Vec<u8>) {
        let mut f = Fields::begin(out);
        f.field("type", &self.data.type_code());
        match &self.data {
            EventData::Meta(d) => f.field("data", d),
            EventData::FullSnapshot(d) => f.field("data", d),
            EventData::Incremental(d) => f.field("data", d),
            EventData::Custom(d) => f.field("data", d),
        };
        f.field("timestamp", &self.timestamp).end();
    }
}

impl<const N: u8> Encode for Tag<N> {
    fn encode(&self, out: &mut Vec<u8>) {
        N.encode(out);
    }
}

impl Encode for Scrubbed {
    fn encode(&self, out: &mut Vec<u8>) {
        write_str(out, self.as_str());
    }
}

impl Encode for MetaData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("href", &self.href)
            .field("width", &self.width)
            .field("height", &self.height)
            .end();
    }
}

impl Encode for FullSnapshotData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("node", &self.node)
            .field("initialOffset", &self.initial_offset)
            .end();
    }
}

impl Encode for Offset {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("top", &self.top)
            .field("left", &self.left)
            .end();
    }
}

impl Encode for CustomData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("tag", &self.tag)
            .field("payload", &self.payload)
            .end();
    }
}

// Nodes: `type` first, then the node's own fields, then `id`, `rootId` and
// `isShadow` (the shared tail of `node_struct!`).

/// Untagged: each node carries its own `type` field.
impl Encode for SerializedNode {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            SerializedNode::Document(n) => n.encode(out),
            SerializedNode::DocumentType(n) => n.encode(out),
            SerializedNode::Element(n) => n.encode(out),
            SerializedNode::Text(n) => n.encode(out),
            SerializedNode::Cdata(n) => n.encode(out),
            SerializedNode::Comment(n) => n.encode(out),
        }
    }
}

/// Writes the fields every node ends with, and closes the map.
fn node_tail(f: &mut Fields, id: u32, root_id: Option<u32>, is_shadow: bool) {
    f.field("id", &id)
        .some("rootId", &root_id)
        .flag("isShadow", is_shadow)
        .end();
}

impl Encode for DocumentNode {
    fn encode(&self, out: &mut Vec<u8>) {
        let mut f = Fields::begin(out);
        f.field("type", &self.kind)
            .field("childNodes", &self.child_nodes)
            .some("compatMode", &self.compat_mode);
        node_tail(&mut f, self.id, self.root_id, self.is_shadow);
    }
}

impl Encode for DocumentTypeNode {
    fn encode(&self, out: &mut Vec<u8>) {
        let mut f = Fields::begin(out);
        f.field("type", &self.kind)
            .field("name", &self.name)
            .field("publicId", &self.public_id)
            .field("systemId", &self.system_id);
        node_tail(&mut f, self.id, self.root_id, self.is_shadow);
    }
}

impl Encode for ElementNode {
    fn encode(&self, out: &mut Vec<u8>) {
        let mut f = Fields::begin(out);
        f.field("type", &self.kind)
            .field("tagName", &self.tag_name)
            .field("attributes", &self.attributes)
            .field("childNodes", &self.child_nodes)
            .flag("isSVG", self.is_svg)
            .flag("needBlock", self.need_block)
            .flag("isShadowHost", self.is_shadow_host);
        node_tail(&mut f, self.id, self.root_id, self.is_shadow);
    }
}

impl Encode for TextNode {
    fn encode(&self, out: &mut Vec<u8>) {
        let mut f = Fields::begin(out);
        f.field("type", &self.kind)
            .field("textContent", &self.text_content)
            .flag("isStyle", self.is_style);
        node_tail(&mut f, self.id, self.root_id, self.is_shadow);
    }
}

impl Encode for CdataNode {
    fn encode(&self, out: &mut Vec<u8>) {
        let mut f = Fields::begin(out);
        f.field("type", &self.kind)
            .field("textContent", &self.text_content);
        node_tail(&mut f, self.id, self.root_id, self.is_shadow);
    }
}

impl Encode for CommentNode {
    fn encode(&self, out: &mut Vec<u8>) {
        let mut f = Fields::begin(out);
        f.field("type", &self.kind)
            .field("textContent", &self.text_content);
        node_tail(&mut f, self.id, self.root_id, self.is_shadow);
    }
}

/// A map of names to values, in document order.
impl Encode for Attributes {
    fn encode(&self, out: &mut Vec<u8>) {
        write_map_len(out, self.len());
        for (name, value) in self.iter() {
            write_str(out, name);
            value.encode(out);
        }
    }
}

// Incremental data: `source` first, then the payload's fields.

/// Untagged: each payload carries its own `source` field.
impl Encode for IncrementalData {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            IncrementalData::Mutation(d) => d.encode(out),
            IncrementalData::MouseMove(d) => d.encode(out),
            IncrementalData::MouseInteraction(d) => d.encode(out),
            IncrementalData::Scroll(d) => d.encode(out),
            IncrementalData::ViewportResize(d) => d.encode(out),
            IncrementalData::Input(d) => d.encode(out),
            IncrementalData::TouchMove(d) => d.encode(out),
            IncrementalData::MediaInteraction(d) => d.encode(out),
            IncrementalData::StyleSheetRule(d) => d.encode(out),
            IncrementalData::StyleDeclaration(d) => d.encode(out),
            IncrementalData::AdoptedStyleSheet(d) => d.encode(out),
        }
    }
}

impl Encode for MutationData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("source", &self.source)
            .field("texts", &self.texts)
            .field("attributes", &self.attributes)
            .field("removes", &self.removes)
            .field("adds", &self.adds)
            .flag("isAttachIframe", self.is_attach_iframe)
            .end();
    }
}

impl Encode for TextMutation {
    fn encode(&self, out: &mut Vec<u8>) {
        // `value` is written even when `None` (nil): rrweb reads null as "emptied".
        Fields::begin(out)
            .field("id", &self.id)
            .field("value", &self.value)
            .end();
    }
}

impl Encode for AttributeMutation {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("id", &self.id)
            .field("attributes", &self.attributes)
            .end();
    }
}

impl Encode for RemovedNode {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("parentId", &self.parent_id)
            .field("id", &self.id)
            .flag("isShadow", self.is_shadow)
            .end();
    }
}

impl Encode for AddedNode {
    fn encode(&self, out: &mut Vec<u8>) {
        // `nextId` is written even when `None` (nil: the last child).
        Fields::begin(out)
            .field("parentId", &self.parent_id)
            .field("nextId", &self.next_id)
            .field("node", &self.node)
            .end();
    }
}

impl Encode for MouseMoveData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("source", &self.source)
            .field("positions", &self.positions)
            .end();
    }
}

impl Encode for TouchMoveData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("source", &self.source)
            .field("positions", &self.positions)
            .end();
    }
}

impl Encode for Position {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("x", &self.x)
            .field("y", &self.y)
            .field("id", &self.id)
            .field("timeOffset", &self.time_offset)
            .end();
    }
}

impl Encode for MouseInteractionData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("source", &self.source)
            .field("type", &self.kind)
            .field("id", &self.id)
            .some("x", &self.x)
            .some("y", &self.y)
            .some("pointerType", &self.pointer_type)
            .end();
    }
}

impl Encode for ScrollData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("source", &self.source)
            .field("id", &self.id)
            .field("x", &self.x)
            .field("y", &self.y)
            .end();
    }
}

impl Encode for ViewportResizeData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("source", &self.source)
            .field("width", &self.width)
            .field("height", &self.height)
            .end();
    }
}

impl Encode for InputData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("source", &self.source)
            .field("id", &self.id)
            .field("text", &self.text)
            .field("isChecked", &self.is_checked)
            .some("userTriggered", &self.user_triggered)
            .end();
    }
}

impl Encode for MediaInteractionData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("source", &self.source)
            .field("type", &self.kind)
            .field("id", &self.id)
            .some("currentTime", &self.current_time)
            .end();
    }
}

impl Encode for StyleSheetRuleData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("source", &self.source)
            .some("id", &self.id)
            .some("styleId", &self.style_id)
            .items("adds", &self.adds)
            .items("removes", &self.removes)
            .some("replace", &self.replace)
            .some("replaceSync", &self.replace_sync)
            .end();
    }
}

impl Encode for StyleRuleAdd {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("rule", &self.rule)
            .some("index", &self.index)
            .end();
    }
}

impl Encode for StyleRuleRemove {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out).field("index", &self.index).end();
    }
}

impl Encode for StyleDeclarationData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("source", &self.source)
            .some("id", &self.id)
            .some("styleId", &self.style_id)
            .field("index", &self.index)
            .some("set", &self.set)
            .some("remove", &self.remove)
            .end();
    }
}

impl Encode for StyleDeclarationSet {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("property", &self.property)
            .field("value", &self.value)
            .some("priority", &self.priority)
            .end();
    }
}

impl Encode for StyleDeclarationRemove {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out).field("property", &self.property).end();
    }
}

impl Encode for AdoptedStyleSheetData {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("source", &self.source)
            .field("id", &self.id)
            .field("styleIds", &self.style_ids)
            .items("styles", &self.styles)
            .end();
    }
}

impl Encode for AdoptedStyle {
    fn encode(&self, out: &mut Vec<u8>) {
        Fields::begin(out)
            .field("styleId", &self.style_id)
            .field("rules", &self.rules)
            .end();
    }
}
