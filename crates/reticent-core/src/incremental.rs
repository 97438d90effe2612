//! rrweb's incremental snapshot data (`incrementalData`): a map whose first
//! key is `source` (rrweb's `IncrementalSource`).

use serde::{Deserialize, Serialize};

use crate::node::SerializedNode;
use crate::privacy::Scrubbed;
use crate::wire::{deserialize_tag_first, is_false, Tag};

/// rrweb's `IncrementalSource` codes.
pub mod source {
    /// DOM mutations.
    pub const MUTATION: u8 = 0;
    /// Mouse positions.
    pub const MOUSE_MOVE: u8 = 1;
    /// Clicks, focus, touches.
    pub const MOUSE_INTERACTION: u8 = 2;
    /// Scroll of the window or an element.
    pub const SCROLL: u8 = 3;
    /// Viewport size.
    pub const VIEWPORT_RESIZE: u8 = 4;
    /// Form values.
    pub const INPUT: u8 = 5;
    /// Touch positions.
    pub const TOUCH_MOVE: u8 = 6;
    /// Media play/pause/seek.
    pub const MEDIA_INTERACTION: u8 = 7;
    /// CSSOM rule insertions and deletions.
    pub const STYLE_SHEET_RULE: u8 = 8;
    /// Canvas drawing (never recorded: canvases are blocked).
    pub const CANVAS_MUTATION: u8 = 9;
    /// Font loading.
    pub const FONT: u8 = 10;
    /// Console logs (never recorded).
    pub const LOG: u8 = 11;
    /// Drag positions.
    pub const DRAG: u8 = 12;
    /// Inline style declaration changes.
    pub const STYLE_DECLARATION: u8 = 13;
    /// Text selection.
    pub const SELECTION: u8 = 14;
    /// Constructed stylesheets adopted by a document or shadow root.
    pub const ADOPTED_STYLE_SHEET: u8 = 15;
    /// Custom element definitions.
    pub const CUSTOM_ELEMENT: u8 = 16;
}

/// rrweb's `MouseInteractions` codes.
pub mod mouse_interaction {
    /// mouseup
    pub const MOUSE_UP: u8 = 0;
    /// mousedown
    pub const MOUSE_DOWN: u8 = 1;
    /// click
    pub const CLICK: u8 = 2;
    /// contextmenu
    pub const CONTEXT_MENU: u8 = 3;
    /// dblclick
    pub const DBL_CLICK: u8 = 4;
    /// focus
    pub const FOCUS: u8 = 5;
    /// blur
    pub const BLUR: u8 = 6;
    /// touchstart
    pub const TOUCH_START: u8 = 7;
    /// touchend
    pub const TOUCH_END: u8 = 9;
    /// touchcancel
    pub const TOUCH_CANCEL: u8 = 10;
}

/// rrweb's `MediaInteractions` codes.
pub mod media_interaction {
    /// play
    pub const PLAY: u8 = 0;
    /// pause
    pub const PAUSE: u8 = 1;
    /// seeked
    pub const SEEKED: u8 = 2;
    /// volumechange
    pub const VOLUME_CHANGE: u8 = 3;
    /// ratechange
    pub const RATE_CHANGE: u8 = 4;
}

/// The data of an `IncrementalSnapshot` event.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum IncrementalData {
    /// `source: 0`
    Mutation(MutationData),
    /// `source: 1`
    MouseMove(MouseMoveData),
    /// `source: 2`
    MouseInteraction(MouseInteractionData),
    /// `source: 3`
    Scroll(ScrollData),
    /// `source: 4`
    ViewportResize(ViewportResizeData),
    /// `source: 5`
    Input(InputData),
    /// `source: 6`
    TouchMove(TouchMoveData),
    /// `source: 7`
    MediaInteraction(MediaInteractionData),
    /// `source: 8`
    StyleSheetRule(StyleSheetRuleData),
    /// `source: 13`
    StyleDeclaration(StyleDeclarationData),
    /// `source: 15`
    AdoptedStyleSheet(AdoptedStyleSheetData),
}

deserialize_tag_first!(IncrementalData, "source", {
    0 => Mutation(MutationData),
    1 => MouseMove(MouseMoveData),
    2 => MouseInteraction(MouseInteractionData),
    3 => Scroll(ScrollData),
    4 => ViewportResize(ViewportResizeData),
    5 => Input(InputData),
    6 => TouchMove(TouchMoveData),
    7 => MediaInteraction(MediaInteractionData),
    8 => StyleSheetRule(StyleSheetRuleData),
    13 => StyleDeclaration(StyleDeclarationData),
    15 => AdoptedStyleSheet(AdoptedStyleSheetData),
});

/// Declares a payload struct whose first field is its `source` tag.
macro_rules! source_struct {
    ($(#[$meta:meta])* $name:ident, $tag:literal { $($(#[$fmeta:meta])* $field:ident : $ty:ty),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
        #[serde(rename_all = "camelCase", deny_unknown_fields)]
        pub struct $name {
            #[serde(rename = "source", skip_deserializing)]
            pub(crate) source: Tag<$tag>,
            $($(#[$fmeta])* pub $field: $ty,)*
        }
    };
}

source_struct!(
    /// DOM changes of one task, in rrweb's order: texts, attributes, removes, adds.
    MutationData, 0 {
        /// Text node changes.
        texts: Vec<TextMutation>,
        /// Attribute changes.
        attributes: Vec<AttributeMutation>,
        /// Removed nodes.
        removes: Vec<RemovedNode>,
        /// Added nodes.
        adds: Vec<AddedNode>,
        /// Set when the adds attach an iframe's document.
        #[serde(default, skip_serializing_if = "is_false")]
        is_attach_iframe: bool,
    }
);

/// A changed text node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TextMutation {
    /// Node id.
    pub id: u32,
    /// New text (scrubbed); `None` when emptied.
    pub value: Option<Scrubbed>,
}

/// Attribute changes of one element.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeMutation {
    /// Element id.
    pub id: u32,
    /// Changed attributes; `None` means removed.
    pub attributes: ChangedAttributes,
}

/// Attribute name → new value (or `None` for removed), as a map.
pub type ChangedAttributes = crate::sorted_map::SortedMap<Option<Scrubbed>>;

/// A removed node.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RemovedNode {
    /// Parent id.
    pub parent_id: u32,
    /// Removed node id.
    pub id: u32,
    /// Removed from a shadow root.
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_shadow: bool,
}

/// An added node, placed before `next_id` (or last when `None`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AddedNode {
    /// Parent id.
    pub parent_id: u32,
    /// Next sibling id, or `None` for the last child.
    pub next_id: Option<u32>,
    /// The added subtree.
    pub node: SerializedNode,
}

/// Splits every add into one add per node, as rrweb's recorder writes them:
/// rrweb's replayer builds an added node *without* its children
/// (`skipChild`), so a subtree carried in one add would replay as its root
/// alone. Parents come before their children, and siblings last to first, so
/// every `nextId` names a node that is already in place when its add is
/// applied. (Attaching an iframe's document is the exception: the replayer
/// builds that one whole, so `is_attach_iframe` mutations keep their tree.)
pub fn flatten_adds(adds: Vec<AddedNode>) -> Vec<AddedNode> {
    let mut out = Vec::with_capacity(adds.len());
    for add in adds {
        push_flat(&mut out, add.parent_id, add.next_id, add.node);
    }
    out
}

/// Recursion is bounded by the recorder's depth cap (`MAX_DOM_DEPTH`).
fn push_flat(
    out: &mut Vec<AddedNode>,
    parent_id: u32,
    next_id: Option<u32>,
    mut node: SerializedNode,
) {
    let children = match &mut node {
        SerializedNode::Element(e) => std::mem::take(&mut e.child_nodes),
        SerializedNode::Document(d) => std::mem::take(&mut d.child_nodes),
        _ => Vec::new(),
    };
    let id = node.id();
    out.push(AddedNode {
        parent_id,
        next_id,
        node,
    });
    let mut next = None;
    for child in children.into_iter().rev() {
        let child_id = child.id();
        push_flat(out, id, next, child);
        next = Some(child_id);
    }
}

source_struct!(
    /// Sampled mouse positions.
    MouseMoveData, 1 {
        /// Positions with their offsets from the event's timestamp.
        positions: Vec<Position>,
    }
);

source_struct!(
    /// Sampled touch positions.
    TouchMoveData, 6 {
        /// Positions with their offsets from the event's timestamp.
        positions: Vec<Position>,
    }
);

/// A pointer position.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Position {
    /// X in CSS pixels.
    pub x: i32,
    /// Y in CSS pixels.
    pub y: i32,
    /// Target node id.
    pub id: u32,
    /// Milliseconds relative to the event's timestamp (≤ 0).
    pub time_offset: i32,
}

source_struct!(
    /// A click, focus, touch… on a node.
    MouseInteractionData, 2 {
        /// rrweb `MouseInteractions` code.
        #[serde(rename = "type")]
        kind: u8,
        /// Target node id.
        id: u32,
        /// X in CSS pixels.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        x: Option<i32>,
        /// Y in CSS pixels.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        y: Option<i32>,
        /// rrweb `PointerTypes` code (0 mouse, 1 pen, 2 touch).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        pointer_type: Option<u8>,
    }
);

source_struct!(
    /// Scroll position of the document (its id) or an element.
    ScrollData, 3 {
        /// Node id.
        id: u32,
        /// Horizontal offset.
        x: i32,
        /// Vertical offset.
        y: i32,
    }
);

source_struct!(
    /// Viewport size.
    ViewportResizeData, 4 {
        /// Width in CSS pixels.
        width: u32,
        /// Height in CSS pixels.
        height: u32,
    }
);

source_struct!(
    /// A form value change (masked by the privacy engine).
    InputData, 5 {
        /// Element id.
        id: u32,
        /// The value, scrubbed.
        text: Scrubbed,
        /// Checked state (always `false` while inputs are masked).
        is_checked: bool,
        /// The change came from the user rather than from script.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        user_triggered: Option<bool>,
    }
);

source_struct!(
    /// Media play/pause/seek.
    MediaInteractionData, 7 {
        /// rrweb `MediaInteractions` code.
        #[serde(rename = "type")]
        kind: u8,
        /// Element id.
        id: u32,
        /// Playback position in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        current_time: Option<f64>,
    }
);

source_struct!(
    /// CSSOM rule changes on a `<style>` element's sheet (`id`) or on an
    /// adopted constructed sheet (`styleId`).
    StyleSheetRuleData, 8 {
        /// Owner node id.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u32>,
        /// Id of the constructed sheet (see [`AdoptedStyleSheetData`]).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        style_id: Option<u32>,
        /// Inserted rules.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        adds: Vec<StyleRuleAdd>,
        /// Deleted rules.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        removes: Vec<StyleRuleRemove>,
        /// All rules replaced by this CSS (`replace`, constructed sheets).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replace: Option<Scrubbed>,
        /// All rules replaced by this CSS (`replaceSync`, constructed sheets).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        replace_sync: Option<Scrubbed>,
    }
);

/// An inserted CSS rule (sanitised CSS).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleRuleAdd {
    /// The rule text.
    pub rule: Scrubbed,
    /// Insertion index.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub index: Option<u32>,
}

/// A deleted CSS rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleRuleRemove {
    /// Deletion index.
    pub index: u32,
}

source_struct!(
    /// A declaration of a CSSOM style rule set or removed through the rule's
    /// `style` (`rule.style.setProperty` / `removeProperty`).
    StyleDeclarationData, 13 {
        /// Owner node id (the `<style>` or `<link>` whose sheet holds the rule).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        id: Option<u32>,
        /// Or the id of the adopted constructed sheet holding it.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        style_id: Option<u32>,
        /// Position of the rule: its index in the sheet, then in each
        /// enclosing grouping rule (`@media`, `@supports`, …), outermost first.
        index: Vec<u32>,
        /// The declaration set.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        set: Option<StyleDeclarationSet>,
        /// The declaration removed.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        remove: Option<StyleDeclarationRemove>,
    }
);

/// A declaration set on a CSSOM rule (sanitised CSS).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleDeclarationSet {
    /// The property name.
    pub property: Scrubbed,
    /// Its value, sanitised as CSS in the context of the property.
    pub value: Scrubbed,
    /// `important`, or absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub priority: Option<Scrubbed>,
}

/// A declaration removed from a CSSOM rule.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StyleDeclarationRemove {
    /// The property name.
    pub property: Scrubbed,
}

source_struct!(
    /// The constructed style sheets a document or a shadow root adopts
    /// (`adoptedStyleSheets`), in order. Sheets are numbered per full
    /// snapshot; a sheet's rules are sent with the first event naming it.
    AdoptedStyleSheetData, 15 {
        /// The document's id, or the shadow root's host's.
        id: u32,
        /// The adopted sheets, in order.
        style_ids: Vec<u32>,
        /// The sheets not sent since the last full snapshot, with their rules.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        styles: Vec<AdoptedStyle>,
    }
);

/// A constructed style sheet and its rules (sanitised CSS).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AdoptedStyle {
    /// The sheet's id.
    pub style_id: u32,
    /// Its rules, each with its index.
    pub rules: Vec<StyleRuleAdd>,
}

macro_rules! constructors {
    ($($name:ident),*) => {$(
        impl $name {
            /// Builds the payload (the `source` tag is implied by the type).
            pub fn with(f: impl FnOnce(&mut Self)) -> Self {
                let mut v = Self::default();
                f(&mut v);
                v
            }
        }
    )*};
}
constructors!(
    MutationData,
    MouseMoveData,
    TouchMoveData,
    MouseInteractionData,
    ScrollData,
    ViewportResizeData,
    InputData,
    MediaInteractionData,
    StyleSheetRuleData,
    StyleDeclarationData,
    AdoptedStyleSheetData
);

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::{Attributes, ElementNode, TextNode};
    use crate::privacy::Scrubbed;

    fn el(id: u32, kids: Vec<SerializedNode>) -> SerializedNode {
        let mut e = ElementNode::new("div".into(), Attributes::default(), false, false);
        e.id = id;
        e.child_nodes = kids;
        SerializedNode::Element(e)
    }

    fn text(id: u32) -> SerializedNode {
        SerializedNode::Text(TextNode::new(id, Scrubbed::empty(), false))
    }

    #[test]
    fn one_add_per_node_parents_first_siblings_last_to_first() {
        // 10 > [11 > [12], 13, 14] added to 1 before 5.
        let tree = el(10, vec![el(11, vec![text(12)]), text(13), text(14)]);
        let flat = flatten_adds(vec![AddedNode {
            parent_id: 1,
            next_id: Some(5),
            node: tree,
        }]);
        let shape: Vec<(u32, u32, Option<u32>)> = flat
            .iter()
            .map(|a| (a.node.id(), a.parent_id, a.next_id))
            .collect();
        assert_eq!(
            shape,
            vec![
                (10, 1, Some(5)),
                (14, 10, None),
                (13, 10, Some(14)),
                (11, 10, Some(13)),
                (12, 11, None)
            ]
        );
        for a in &flat {
            if let SerializedNode::Element(e) = &a.node {
                assert!(e.child_nodes.is_empty(), "no add carries children");
            }
        }
    }

    #[test]
    fn every_next_id_is_placed_before_it_is_referenced() {
        let tree = el(
            20,
            (21..40)
                .map(|i| {
                    if i % 3 == 0 {
                        el(i * 10, vec![text(i * 10 + 1)])
                    } else {
                        text(i)
                    }
                })
                .collect(),
        );
        let flat = flatten_adds(vec![AddedNode {
            parent_id: 1,
            next_id: None,
            node: tree,
        }]);
        let mut placed = std::collections::HashSet::from([1u32]);
        for a in &flat {
            assert!(
                placed.contains(&a.parent_id),
                "parent {} placed first",
                a.parent_id
            );
            if let Some(n) = a.next_id {
                assert!(placed.contains(&n), "next {n} placed first");
            }
            placed.insert(a.node.id());
        }
    }
}
