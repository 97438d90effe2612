//! Walks every string of recorded events, for checks after the fact.
//!
//! The collector re-scrubs the page-derived strings of every batch it accepts
//! (defence in depth: a forged or buggy recorder may send what the engine would
//! have masked), and `reticent audit` scans stored recordings. Both need to
//! reach *every* string, in every channel: text nodes, comments, attribute
//! values, text and attribute mutations, input values, CSS, the page URL and
//! custom payloads. This module is the one place that knows where they are, so
//! a new channel added to the event model is added here once.
//!
//! The walks are iterative (no recursion per DOM level): they run on trees of
//! any depth the decoder accepted.
//!
//! ```
//! use reticent_core::event::{Event, EventData, MetaData};
//! use reticent_core::privacy::PrivacyEngine;
//! use reticent_core::visit::{for_each_str, StrKind};
//!
//! let engine = PrivacyEngine::default();
//! let events = vec![Event::new(1, EventData::Meta(MetaData {
//!     href: engine.url("https://shop.example/cart"), width: 800, height: 600,
//! }))];
//! let mut seen = Vec::new();
//! for_each_str(&events, |kind, s| seen.push((kind, s.to_owned())));
//! assert_eq!(seen, [(StrKind::Url, "https://shop.example/cart".to_owned())]);
//! ```

use crate::event::{Event, EventData};
use crate::incremental::IncrementalData;
use crate::node::SerializedNode;
use crate::privacy::Scrubbed;

/// Which kind of channel a string was found in (for counts and reports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum StrKind {
    /// A page URL (`Meta.href`).
    Url,
    /// Text content: text nodes, comments, CDATA, text mutations.
    Text,
    /// CSS: `<style>` text and inserted style rules.
    Css,
    /// An attribute value, in a snapshot or a mutation.
    Attribute,
    /// A form value (`Input.text`).
    Input,
    /// A value of a custom event's payload.
    Custom,
    /// A structural string that is not a [`Scrubbed`] value: tag and attribute
    /// names, doctype fields, `compatMode`, custom event tags and payload keys.
    /// Only [`for_each_str`] visits these; [`map_scrubbed`] cannot change them.
    Structure,
}

impl StrKind {
    /// A stable lower-case name, for reports.
    pub fn as_str(self) -> &'static str {
        match self {
            StrKind::Url => "url",
            StrKind::Text => "text",
            StrKind::Css => "css",
            StrKind::Attribute => "attribute",
            StrKind::Input => "input",
            StrKind::Custom => "custom",
            StrKind::Structure => "structure",
        }
    }
}

/// Calls `f` on every string of `events`: every [`Scrubbed`] value and every
/// structural string ([`StrKind::Structure`]).
pub fn for_each_str<'a>(events: &'a [Event], mut f: impl FnMut(StrKind, &'a str)) {
    let mut stack: Vec<&'a SerializedNode> = Vec::new();
    for event in events {
        match &event.data {
            EventData::Meta(m) => f(StrKind::Url, m.href.as_str()),
            EventData::FullSnapshot(s) => stack.push(&s.node),
            EventData::Custom(c) => {
                f(StrKind::Structure, &c.tag);
                for (k, v) in &c.payload {
                    f(StrKind::Structure, k);
                    f(StrKind::Custom, v.as_str());
                }
            }
            EventData::Incremental(inc) => match inc {
                IncrementalData::Mutation(m) => {
                    for t in &m.texts {
                        if let Some(v) = &t.value {
                            f(StrKind::Text, v.as_str());
                        }
                    }
                    for a in &m.attributes {
                        for (name, value) in &a.attributes {
                            f(StrKind::Structure, name);
                            if let Some(v) = value {
                                f(StrKind::Attribute, v.as_str());
                            }
                        }
                    }
                    stack.extend(m.adds.iter().map(|a| &a.node));
                }
                IncrementalData::Input(i) => f(StrKind::Input, i.text.as_str()),
                IncrementalData::StyleSheetRule(r) => {
                    for add in &r.adds {
                        f(StrKind::Css, add.rule.as_str());
                    }
                    for css in r.replace.iter().chain(&r.replace_sync) {
                        f(StrKind::Css, css.as_str());
                    }
                }
                IncrementalData::AdoptedStyleSheet(a) => {
                    for rule in a.styles.iter().flat_map(|s| &s.rules) {
                        f(StrKind::Css, rule.rule.as_str());
                    }
                }
                IncrementalData::StyleDeclaration(d) => {
                    if let Some(set) = &d.set {
                        f(StrKind::Css, set.property.as_str());
                        f(StrKind::Css, set.value.as_str());
                        if let Some(p) = &set.priority {
                            f(StrKind::Css, p.as_str());
                        }
                    }
                    if let Some(remove) = &d.remove {
                        f(StrKind::Css, remove.property.as_str());
                    }
                }
                IncrementalData::MouseMove(_)
                | IncrementalData::MouseInteraction(_)
                | IncrementalData::Scroll(_)
                | IncrementalData::ViewportResize(_)
                | IncrementalData::TouchMove(_)
                | IncrementalData::MediaInteraction(_) => {}
            },
        }
        while let Some(node) = stack.pop() {
            match node {
                SerializedNode::Document(d) => {
                    if let Some(m) = &d.compat_mode {
                        f(StrKind::Structure, m);
                    }
                    stack.extend(d.child_nodes.iter());
                }
                SerializedNode::DocumentType(d) => {
                    for s in [&d.name, &d.public_id, &d.system_id] {
                        f(StrKind::Structure, s);
                    }
                }
                SerializedNode::Element(e) => {
                    f(StrKind::Structure, &e.tag_name);
                    for (name, value) in e.attributes.iter() {
                        f(StrKind::Structure, name);
                        f(StrKind::Attribute, value.as_str());
                    }
                    stack.extend(e.child_nodes.iter());
                }
                SerializedNode::Text(t) => {
                    let kind = if t.is_style {
                        StrKind::Css
                    } else {
                        StrKind::Text
                    };
                    f(kind, t.text_content.as_str());
                }
                SerializedNode::Cdata(c) => f(StrKind::Text, c.text_content.as_str()),
                SerializedNode::Comment(c) => f(StrKind::Text, c.text_content.as_str()),
            }
        }
    }
}

/// Offers every [`Scrubbed`] value of `events` to `f`; where `f` returns a
/// replacement, the value is replaced. Returns how many were replaced.
///
/// `f` can only return a `Scrubbed`, which only the privacy engine constructs:
/// this walk moves values, it cannot invent them.
pub fn map_scrubbed(
    events: &mut [Event],
    mut f: impl FnMut(StrKind, &Scrubbed) -> Option<Scrubbed>,
) -> usize {
    let mut replaced = 0usize;
    let mut apply = |kind: StrKind, s: &mut Scrubbed| {
        if let Some(new) = f(kind, s) {
            *s = new;
            replaced += 1;
        }
    };
    let mut stack: Vec<&mut SerializedNode> = Vec::new();
    for event in events.iter_mut() {
        match &mut event.data {
            EventData::Meta(m) => apply(StrKind::Url, &mut m.href),
            EventData::FullSnapshot(s) => stack.push(&mut s.node),
            EventData::Custom(c) => {
                for v in c.payload.values_mut() {
                    apply(StrKind::Custom, v);
                }
            }
            EventData::Incremental(inc) => match inc {
                IncrementalData::Mutation(m) => {
                    for t in &mut m.texts {
                        if let Some(v) = &mut t.value {
                            apply(StrKind::Text, v);
                        }
                    }
                    for a in &mut m.attributes {
                        for v in a.attributes.values_mut().flatten() {
                            apply(StrKind::Attribute, v);
                        }
                    }
                    stack.extend(m.adds.iter_mut().map(|a| &mut a.node));
                }
                IncrementalData::Input(i) => apply(StrKind::Input, &mut i.text),
                IncrementalData::StyleSheetRule(r) => {
                    for add in &mut r.adds {
                        apply(StrKind::Css, &mut add.rule);
                    }
                    for css in r.replace.iter_mut().chain(r.replace_sync.iter_mut()) {
                        apply(StrKind::Css, css);
                    }
                }
                IncrementalData::AdoptedStyleSheet(a) => {
                    for rule in a.styles.iter_mut().flat_map(|s| &mut s.rules) {
                        apply(StrKind::Css, &mut rule.rule);
                    }
                }
                IncrementalData::StyleDeclaration(d) => {
                    if let Some(set) = &mut d.set {
                        apply(StrKind::Css, &mut set.property);
                        apply(StrKind::Css, &mut set.value);
                        if let Some(p) = &mut set.priority {
                            apply(StrKind::Css, p);
                        }
                    }
                    if let Some(remove) = &mut d.remove {
                        apply(StrKind::Css, &mut remove.property);
                    }
                }
                IncrementalData::MouseMove(_)
                | IncrementalData::MouseInteraction(_)
                | IncrementalData::Scroll(_)
                | IncrementalData::ViewportResize(_)
                | IncrementalData::TouchMove(_)
                | IncrementalData::MediaInteraction(_) => {}
            },
        }
        while let Some(node) = stack.pop() {
            match node {
                SerializedNode::Document(d) => stack.extend(d.child_nodes.iter_mut()),
                SerializedNode::DocumentType(_) => {}
                SerializedNode::Element(e) => {
                    // In place, value by value rather than by name: a
                    // repeated attribute name (possible on the wire) is
                    // visited too, and nothing is copied (a copy of a hostile
                    // list of attributes doubled its memory).
                    for value in e.attributes.values_mut() {
                        apply(StrKind::Attribute, value);
                    }
                    stack.extend(e.child_nodes.iter_mut());
                }
                SerializedNode::Text(t) => {
                    let kind = if t.is_style {
                        StrKind::Css
                    } else {
                        StrKind::Text
                    };
                    apply(kind, &mut t.text_content);
                }
                SerializedNode::Cdata(c) => apply(StrKind::Text, &mut c.text_content),
                SerializedNode::Comment(c) => apply(StrKind::Text, &mut c.text_content),
            }
        }
    }
    replaced
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use crate::event::{CustomData, FullSnapshotData, MetaData, Offset};
    use crate::incremental::{
        AddedNode, AdoptedStyle, AdoptedStyleSheetData, AttributeMutation, InputData, MutationData,
        StyleDeclarationData, StyleDeclarationRemove, StyleDeclarationSet, StyleRuleAdd,
        StyleSheetRuleData, TextMutation,
    };
    use crate::node::{Attributes, DocumentNode, DocumentTypeNode, ElementNode, TextNode};

    fn s(v: &str) -> Scrubbed {
        Scrubbed::for_test(v)
    }

    fn element(tag: &str, attrs: &[(&str, &str)], children: Vec<SerializedNode>) -> SerializedNode {
        let mut a = Attributes::default();
        for (n, v) in attrs {
            a.push(n, s(v));
        }
        let mut e = ElementNode::new(tag.into(), a, false, false);
        e.child_nodes = children;
        SerializedNode::Element(e)
    }

    /// One string in every channel, each holding the word `X`.
    fn every_channel() -> Vec<Event> {
        let mut deep = SerializedNode::Text(TextNode::new(9, s("deep X"), false));
        for _ in 0..1_000 {
            deep = element("div", &[], vec![deep]);
        }
        let doc = DocumentNode::new(
            1,
            vec![
                SerializedNode::DocumentType(DocumentTypeNode::new(2, "html", "", "")),
                element(
                    "p",
                    &[("title", "attr X"), ("title", "dup X")],
                    vec![
                        SerializedNode::Text(TextNode::new(3, s("text X"), false)),
                        SerializedNode::Text(TextNode::new(4, s("css X"), true)),
                        deep,
                    ],
                ),
            ],
            None,
        );
        let mut changed = crate::incremental::ChangedAttributes::new();
        changed.insert("alt".into(), Some(s("mut attr X")));
        changed.insert("gone".into(), None);
        let mutation = MutationData::with(|m| {
            m.texts = vec![TextMutation {
                id: 3,
                value: Some(s("mut text X")),
            }];
            m.attributes = vec![AttributeMutation {
                id: 5,
                attributes: changed,
            }];
            m.adds = vec![AddedNode {
                parent_id: 1,
                next_id: None,
                node: element("span", &[("aria-label", "added X")], vec![]),
            }];
        });
        let mut payload = crate::sorted_map::SortedMap::new();
        payload.insert("k".into(), s("custom X"));
        vec![
            Event::new(
                1,
                EventData::Meta(MetaData {
                    href: s("https://a.example/X"),
                    width: 1,
                    height: 1,
                }),
            ),
            Event::new(
                2,
                EventData::FullSnapshot(FullSnapshotData {
                    node: SerializedNode::Document(doc),
                    initial_offset: Offset::default(),
                }),
            ),
            Event::new(
                3,
                EventData::Incremental(IncrementalData::Mutation(mutation)),
            ),
            Event::new(
                4,
                EventData::Incremental(IncrementalData::Input(InputData::with(|i| {
                    i.text = s("input X")
                }))),
            ),
            Event::new(
                5,
                EventData::Incremental(IncrementalData::StyleSheetRule(StyleSheetRuleData::with(
                    |r| {
                        r.adds = vec![StyleRuleAdd {
                            rule: s("rule X"),
                            index: None,
                        }];
                        r.replace = Some(s("replace X"));
                        r.replace_sync = Some(s("replaceSync X"));
                    },
                ))),
            ),
            Event::new(
                6,
                EventData::Incremental(IncrementalData::StyleDeclaration(
                    StyleDeclarationData::with(|d| {
                        d.set = Some(StyleDeclarationSet {
                            property: s("--prop-X"),
                            value: s("decl X"),
                            priority: Some(s("prio X")),
                        });
                        d.remove = Some(StyleDeclarationRemove {
                            property: s("removed-X"),
                        });
                    }),
                )),
            ),
            Event::new(
                7,
                EventData::Incremental(IncrementalData::AdoptedStyleSheet(
                    AdoptedStyleSheetData::with(|a| {
                        a.style_ids = vec![1];
                        a.styles = vec![AdoptedStyle {
                            style_id: 1,
                            rules: vec![StyleRuleAdd {
                                rule: s("adopted X"),
                                index: Some(0),
                            }],
                        }];
                    }),
                )),
            ),
            Event::new(
                8,
                EventData::Custom(CustomData {
                    tag: "reticent.test".into(),
                    payload,
                }),
            ),
        ]
    }

    #[test]
    fn visits_every_channel() {
        let events = every_channel();
        let mut found: Vec<(StrKind, String)> = Vec::new();
        for_each_str(&events, |k, v| {
            if v.contains('X') {
                found.push((k, v.to_owned()))
            }
        });
        found.sort();
        let expected = [
            (StrKind::Url, "https://a.example/X"),
            (StrKind::Text, "deep X"),
            (StrKind::Text, "mut text X"),
            (StrKind::Text, "text X"),
            (StrKind::Css, "--prop-X"),
            (StrKind::Css, "adopted X"),
            (StrKind::Css, "css X"),
            (StrKind::Css, "decl X"),
            (StrKind::Css, "prio X"),
            (StrKind::Css, "removed-X"),
            (StrKind::Css, "replace X"),
            (StrKind::Css, "replaceSync X"),
            (StrKind::Css, "rule X"),
            (StrKind::Attribute, "added X"),
            (StrKind::Attribute, "attr X"),
            (StrKind::Attribute, "dup X"),
            (StrKind::Attribute, "mut attr X"),
            (StrKind::Input, "input X"),
            (StrKind::Custom, "custom X"),
        ];
        let expected: Vec<(StrKind, String)> =
            expected.iter().map(|(k, v)| (*k, v.to_string())).collect();
        assert_eq!(found, expected);
        let mut structure = Vec::new();
        for_each_str(&events, |k, v| {
            if k == StrKind::Structure {
                structure.push(v.to_owned())
            }
        });
        for name in [
            "html",
            "p",
            "span",
            "title",
            "alt",
            "gone",
            "reticent.test",
            "k",
        ] {
            assert!(structure.iter().any(|v| v == name), "{name}");
        }
    }

    #[test]
    fn map_replaces_every_scrubbed_value() {
        let mut events = every_channel();
        let n = map_scrubbed(&mut events, |_, v| {
            v.as_str()
                .contains('X')
                .then(|| s(&v.as_str().replace('X', "_")))
        });
        assert_eq!(n, 19);
        let mut left = 0;
        for_each_str(&events, |k, v| {
            if k != StrKind::Structure && v.contains('X') {
                left += 1;
            }
        });
        assert_eq!(left, 0);
        // Attribute order (and the repeated name) is kept.
        if let EventData::FullSnapshot(f) = &events[1].data {
            if let SerializedNode::Document(d) = &f.node {
                if let SerializedNode::Element(p) = &d.child_nodes[1] {
                    let attrs: Vec<_> = p.attributes.iter().map(|(n, v)| (n, v.as_str())).collect();
                    assert_eq!(attrs, [("title", "attr _"), ("title", "dup _")]);
                    return;
                }
            }
        }
        panic!("snapshot shape changed");
    }
}
