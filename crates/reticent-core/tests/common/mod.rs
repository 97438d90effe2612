//! Nodes built through the privacy engine, as the recorder builds them, for
//! the integration tests' batches.

use reticent_core::node::{SerializedNode, TextNode};
use reticent_core::privacy::{ElementFacts, PrivacyEngine, TextContext};

/// Element `tag` with `attrs` (120 × 80 px) and, unless the engine blocks
/// it, `kids`.
pub fn element(
    engine: &PrivacyEngine,
    id: u32,
    tag: &str,
    attrs: &[(&str, &str)],
    kids: Vec<SerializedNode>,
) -> SerializedNode {
    let facts = ElementFacts {
        tag: tag.into(),
        attributes: attrs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        width: 120.0,
        height: 80.0,
        ..Default::default()
    };
    let mut d = engine.element(&facts);
    d.node.id = id;
    if d.descend {
        d.node.child_nodes = kids;
    }
    SerializedNode::Element(d.node)
}

/// A body text node.
pub fn text(engine: &PrivacyEngine, id: u32, t: &str) -> SerializedNode {
    SerializedNode::Text(TextNode::new(id, engine.text(t, TextContext::Body), false))
}
