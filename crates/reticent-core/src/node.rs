//! rrweb's serialised DOM nodes (`serializedNodeWithId` in rrweb-snapshot).
//!
//! Each node is a map whose first key is `type` (rrweb's `NodeType`), then the
//! node's fields, then `id`. Strings that come from the page are [`Scrubbed`].

use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::privacy::Scrubbed;
use crate::wire::{deserialize_tag_first, is_false, Tag};

/// rrweb's `NodeType` codes.
pub mod node_type {
    /// `NodeType.Document`
    pub const DOCUMENT: u8 = 0;
    /// `NodeType.DocumentType`
    pub const DOCUMENT_TYPE: u8 = 1;
    /// `NodeType.Element`
    pub const ELEMENT: u8 = 2;
    /// `NodeType.Text`
    pub const TEXT: u8 = 3;
    /// `NodeType.CDATA`
    pub const CDATA: u8 = 4;
    /// `NodeType.Comment`
    pub const COMMENT: u8 = 5;
}

/// A serialised node with its id.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum SerializedNode {
    /// A document (the page, or a same-origin iframe's document).
    Document(DocumentNode),
    /// `<!DOCTYPE …>`
    DocumentType(DocumentTypeNode),
    /// An element.
    Element(ElementNode),
    /// A text node.
    Text(TextNode),
    /// A CDATA section (content never recorded).
    Cdata(CdataNode),
    /// A comment.
    Comment(CommentNode),
}

deserialize_tag_first!(SerializedNode, "type", {
    0 => Document(DocumentNode),
    1 => DocumentType(DocumentTypeNode),
    2 => Element(ElementNode),
    3 => Text(TextNode),
    4 => Cdata(CdataNode),
    5 => Comment(CommentNode),
});

impl SerializedNode {
    /// Marks the node as a direct child of a shadow root.
    pub fn set_is_shadow(&mut self) {
        match self {
            SerializedNode::Document(n) => n.is_shadow = true,
            SerializedNode::DocumentType(n) => n.is_shadow = true,
            SerializedNode::Element(n) => n.is_shadow = true,
            SerializedNode::Text(n) => n.is_shadow = true,
            SerializedNode::Cdata(n) => n.is_shadow = true,
            SerializedNode::Comment(n) => n.is_shadow = true,
        }
    }

    /// The node's id and, for nodes that have them, its children (for walks
    /// that rewrite ids in place).
    pub fn id_and_children_mut(&mut self) -> (&mut u32, Option<&mut Vec<SerializedNode>>) {
        match self {
            SerializedNode::Document(n) => (&mut n.id, Some(&mut n.child_nodes)),
            SerializedNode::DocumentType(n) => (&mut n.id, None),
            SerializedNode::Element(n) => (&mut n.id, Some(&mut n.child_nodes)),
            SerializedNode::Text(n) => (&mut n.id, None),
            SerializedNode::Cdata(n) => (&mut n.id, None),
            SerializedNode::Comment(n) => (&mut n.id, None),
        }
    }

    /// The node's id.
    pub fn id(&self) -> u32 {
        match self {
            SerializedNode::Document(n) => n.id,
            SerializedNode::DocumentType(n) => n.id,
            SerializedNode::Element(n) => n.id,
            SerializedNode::Text(n) => n.id,
            SerializedNode::Cdata(n) => n.id,
            SerializedNode::Comment(n) => n.id,
        }
    }
}

/// Flags rrweb puts on nodes inside shadow roots and iframes.
macro_rules! node_struct {
    ($(#[$meta:meta])* $name:ident, $tag:literal { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $name {
            #[serde(rename = "type", skip_deserializing)]
            pub(crate) kind: Tag<$tag>,
            $($(#[$fmeta])* pub $field: $ty,)*
            /// The node's id in the recording.
            pub id: u32,
            /// The id of the document this node belongs to, for iframe contents.
            #[serde(default, skip_serializing_if = "Option::is_none")]
            pub root_id: Option<u32>,
            /// Direct child of a shadow root.
            #[serde(default, skip_serializing_if = "is_false")]
            pub is_shadow: bool,
        }
    };
}

node_struct!(
    /// rrweb `documentNode`.
    DocumentNode, 0 {
        /// Children (doctype, `<html>`).
        child_nodes: Vec<SerializedNode>,
        /// `document.compatMode`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        compat_mode: Option<String>,
    }
);

node_struct!(
    /// rrweb `documentTypeNode`.
    DocumentTypeNode, 1 {
        /// Doctype name (`html`).
        name: String,
        /// Public id.
        public_id: String,
        /// System id.
        system_id: String,
    }
);

node_struct!(
    /// rrweb `elementNode`.
    ElementNode, 2 {
        /// Lower-case tag name.
        tag_name: String,
        /// Attributes, already scrubbed.
        attributes: Attributes,
        /// Children.
        child_nodes: Vec<SerializedNode>,
        /// SVG namespace.
        #[serde(default, rename = "isSVG", skip_serializing_if = "is_false")]
        is_svg: bool,
        /// Replaced by a placeholder of `rr_width` × `rr_height`.
        #[serde(default, skip_serializing_if = "is_false")]
        need_block: bool,
        /// Hosts an open shadow root (its children then include the root's nodes).
        #[serde(default, skip_serializing_if = "is_false")]
        is_shadow_host: bool,
    }
);

node_struct!(
    /// rrweb `textNode`.
    TextNode, 3 {
        /// The text, masked (or sanitised CSS when `is_style`).
        text_content: Scrubbed,
        /// The text of a `<style>` element.
        #[serde(default, skip_serializing_if = "is_false")]
        is_style: bool,
    }
);

node_struct!(
    /// rrweb `cdataNode`: its content is never recorded.
    CdataNode, 4 {
        /// Always empty.
        text_content: Scrubbed,
    }
);

node_struct!(
    /// rrweb `commentNode`.
    CommentNode, 5 {
        /// The comment, masked.
        text_content: Scrubbed,
    }
);

impl ElementNode {
    /// A new element without children and with id 0 (the binding sets the id).
    pub fn new(tag_name: String, attributes: Attributes, is_svg: bool, need_block: bool) -> Self {
        ElementNode {
            tag_name,
            attributes,
            is_svg,
            need_block,
            ..Default::default()
        }
    }
}

impl DocumentTypeNode {
    /// A doctype node; its three strings are public structure, not content.
    pub fn new(id: u32, name: &str, public_id: &str, system_id: &str) -> Self {
        let keep = |s: &str| s.chars().filter(|c| !c.is_control()).take(256).collect();
        DocumentTypeNode {
            name: keep(name),
            public_id: keep(public_id),
            system_id: keep(system_id),
            id,
            ..Default::default()
        }
    }
}

impl DocumentNode {
    /// A document node with the given children.
    pub fn new(id: u32, child_nodes: Vec<SerializedNode>, compat_mode: Option<&str>) -> Self {
        let compat_mode = compat_mode
            .filter(|m| matches!(*m, "CSS1Compat" | "BackCompat"))
            .map(str::to_owned);
        DocumentNode {
            child_nodes,
            compat_mode,
            id,
            ..Default::default()
        }
    }
}

impl TextNode {
    /// A text node (text already scrubbed by the engine).
    pub fn new(id: u32, text_content: Scrubbed, is_style: bool) -> Self {
        TextNode {
            text_content,
            is_style,
            id,
            ..Default::default()
        }
    }
}

impl CdataNode {
    /// A CDATA node.
    pub fn new(id: u32) -> Self {
        CdataNode {
            id,
            ..Default::default()
        }
    }
}

impl CommentNode {
    /// A comment node (text already scrubbed by the engine).
    pub fn new(id: u32, text_content: Scrubbed) -> Self {
        CommentNode {
            text_content,
            id,
            ..Default::default()
        }
    }
}

/// An element's attributes in document order, written as a map.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Attributes(Vec<(String, Scrubbed)>);

impl Attributes {
    /// Appends an attribute.
    pub fn push(&mut self, name: &str, value: Scrubbed) {
        self.0.push((name.to_owned(), value));
    }
    /// Sets an attribute, replacing an existing one of that name.
    pub fn set(&mut self, name: &str, value: Scrubbed) {
        match self.0.iter_mut().find(|(n, _)| n == name) {
            Some((_, v)) => *v = value,
            None => self.push(name, value),
        }
    }
    /// Looks an attribute up.
    pub fn get(&self, name: &str) -> Option<&Scrubbed> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| v)
    }
    /// Iterates in order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &Scrubbed)> {
        self.0.iter().map(|(n, v)| (n.as_str(), v))
    }
    /// Every value in order, repeated names included, to change in place.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Scrubbed> {
        self.0.iter_mut().map(|(_, v)| v)
    }
    /// Number of attributes.
    pub fn len(&self) -> usize {
        self.0.len()
    }
    /// No attributes.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Attributes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de> Deserialize<'de> for Attributes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = Attributes;
            fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                f.write_str("a map of attribute names to strings")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Attributes, A::Error> {
                let mut v = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
                while let Some((k, val)) = map.next_entry::<String, Scrubbed>()? {
                    v.push((k, val));
                }
                Ok(Attributes(v))
            }
        }
        d.deserialize_map(V)
    }
}
