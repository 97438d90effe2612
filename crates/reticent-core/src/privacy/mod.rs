//! The privacy engine: the one path every recorded string goes through.
//!
//! The binding hands the engine *raw facts* about a node (its tag, attribute
//! values, text, flags) and gets back what may be recorded. Every string that
//! ends up in an event is a [`Scrubbed`], and only this module can construct
//! one, so a raw value cannot reach the encoder by accident: the types forbid it.
//!
//! Defaults fail closed: all text and every input value are masked, media are
//! blocked, only layout-safe attributes keep their values, URLs lose their query
//! string and fragment. See `docs/privacy.md` for the threat model.

mod attributes;
mod css;
mod detectors;
mod mask;
mod url;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{CoreError, ErrorCode};
use crate::node::{Attributes, ElementNode};

pub use attributes::{is_event_handler, is_layout_safe, is_url_attribute};
pub use css::sanitize_css;
pub use detectors::{find_pii, scrub_pii, PiiCounts, PiiKind};
pub use mask::{mask_input_value, mask_text, INPUT_MASK};
pub use url::sanitize_url;

/// A string that has passed the privacy engine and may be recorded.
///
/// Only the engine constructs one; decoding a batch (on the collector side)
/// reads them back from the wire, which holds nothing but scrubbed values.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Scrubbed(String);

impl Scrubbed {
    /// An empty value (carries nothing).
    pub fn empty() -> Self {
        Scrubbed(String::new())
    }
    /// The recorded text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A second pass of the PII detectors over a recorded value (the
    /// collector's defence in depth): the cleaned value and what was replaced,
    /// or `None` when the detectors found nothing.
    pub fn rescrub(&self) -> Option<(Scrubbed, PiiCounts)> {
        let (text, counts) = scrub_pii(&self.0);
        (!counts.is_empty()).then_some((Scrubbed(text), counts))
    }
}

/// Privacy options a site sets in code (`privacy` in `init(options)`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrivacyConfig {
    /// Query parameters kept in recorded URLs (by exact name); every other
    /// parameter, and the fragment, is removed.
    #[serde(default)]
    pub allow_query_params: Vec<String>,
}

impl PrivacyConfig {
    /// Checks the configuration; the error names the offending option.
    pub fn validate(&self) -> Result<(), CoreError> {
        for (i, p) in self.allow_query_params.iter().enumerate() {
            let ok = !p.is_empty()
                && p.len() <= 64
                && p.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.[]".contains(&b));
            if !ok {
                return Err(CoreError::new(
                    ErrorCode::InvalidOption,
                    format!(
                        "privacy.allowQueryParams[{i}]: expected a parameter name of 1 to 64 characters \
                         (letters, digits, - _ . [ ]), got {p:?}"
                    ),
                ));
            }
        }
        Ok(())
    }
}

/// What the binding knows about an element before it is serialised.
#[derive(Clone, Debug, Default)]
pub struct ElementFacts {
    /// Lower-case tag name (`div`, `input`, `svg:image` as `image` with `is_svg`).
    pub tag: String,
    /// Attributes as the page has them. For URL attributes the binding passes
    /// the value resolved against the document base (absolute).
    pub attributes: Vec<(String, String)>,
    /// Element lives in the SVG namespace.
    pub is_svg: bool,
    /// The element's current form value (`input`, `textarea`, `select`), if any.
    pub value: Option<String>,
    /// The element's checked state (checkbox, radio), if any.
    pub checked: Option<bool>,
    /// Rendered size in CSS pixels, used for placeholders of blocked elements.
    pub width: f64,
    /// Rendered height in CSS pixels.
    pub height: f64,
    /// The binding decided to block this element (it sits deeper than the
    /// depth cap; later: a `block` rule matched). Blocked elements become a
    /// placeholder of `width` × `height` whose subtree is never read.
    pub blocked: bool,
}

/// The engine's decision for one element.
#[derive(Clone, Debug)]
pub struct ElementDecision {
    /// The element as it may be recorded, without children.
    pub node: ElementNode,
    /// Whether the children may be visited (false for blocked elements and `<script>`).
    pub descend: bool,
}

/// Where a text node sits, which decides how it is scrubbed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextContext {
    /// Ordinary text content.
    Body,
    /// The text of a `<style>` element: CSS, sanitised rather than masked.
    Style,
    /// The text of a `<script>` or `<noscript>`: never recorded.
    Script,
    /// The text of a `<textarea>`, which is its default form value: masked
    /// like every form value, to a constant that hides its length.
    FormValue,
}

/// Tags that are replaced by a same-size placeholder by default.
const BLOCKED_MEDIA: &[&str] = &[
    "img", "picture", "video", "audio", "canvas", "embed", "object", "source", "track", "image",
];

/// The privacy engine with its effective configuration.
#[derive(Clone, Debug, Default)]
pub struct PrivacyEngine {
    config: PrivacyConfig,
}

impl PrivacyEngine {
    /// Builds an engine after validating `config`.
    pub fn new(config: PrivacyConfig) -> Result<Self, CoreError> {
        config.validate()?;
        Ok(Self { config })
    }

    /// Scrubs a text node.
    pub fn text(&self, raw: &str, ctx: TextContext) -> Scrubbed {
        match ctx {
            TextContext::Body => Scrubbed(mask_text(raw)),
            TextContext::Style => Scrubbed(sanitize_css(raw)),
            TextContext::Script => Scrubbed::empty(),
            TextContext::FormValue => self.input_value(raw),
        }
    }

    /// Scrubs a form value (inputs, textareas, selects): never its length.
    pub fn input_value(&self, raw: &str) -> Scrubbed {
        Scrubbed(mask_input_value(raw).to_owned())
    }

    /// Sanitises a URL (page address, referrer, link): query and fragment
    /// removed unless allowlisted, id-like path segments replaced.
    pub fn url(&self, raw: &str) -> Scrubbed {
        Scrubbed(sanitize_url(raw, &self.config.allow_query_params))
    }

    /// Scrubs the document title.
    pub fn title(&self, raw: &str) -> Scrubbed {
        Scrubbed(mask_text(raw))
    }

    /// Scrubs a state word the binding reads from the browser (e.g.
    /// `document.visibilityState`): a fixed allowlist of known words passes as
    /// is, anything else is masked like text.
    pub fn label(&self, raw: &str) -> Scrubbed {
        const KNOWN: &[&str] = &["visible", "hidden", "prerender"];
        if KNOWN.contains(&raw) {
            Scrubbed(raw.to_owned())
        } else {
            Scrubbed(mask_text(raw))
        }
    }

    /// Scrubs one attribute value; `None` means the attribute is dropped.
    pub fn attribute(&self, tag: &str, name: &str, value: &str) -> Option<Scrubbed> {
        attributes::scrub(self, tag, name, value).map(Scrubbed)
    }

    /// Whether `facts` will be replaced by a placeholder, so the binding knows
    /// to measure the element (reading its size costs a layout).
    pub fn blocks(&self, facts: &ElementFacts) -> bool {
        facts.blocked
            || BLOCKED_MEDIA
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&facts.tag))
    }

    /// Decides how an element is recorded.
    pub fn element(&self, facts: &ElementFacts) -> ElementDecision {
        let tag = facts.tag.to_ascii_lowercase();
        let mut attrs = Attributes::default();
        if self.blocks(facts) {
            // Same-size placeholder, as rrweb's replayer expects for `needBlock`.
            if let Some((_, class)) = facts.attributes.iter().find(|(n, _)| n == "class") {
                attrs.push("class", Scrubbed(class.clone()));
            }
            attrs.push("rr_width", Scrubbed(format!("{}px", px(facts.width))));
            attrs.push("rr_height", Scrubbed(format!("{}px", px(facts.height))));
            return ElementDecision {
                node: ElementNode::new(tag, attrs, facts.is_svg, true),
                descend: false,
            };
        }
        // Rules match lower-case names, but names are recorded as written:
        // SVG's `viewBox` must stay camel-cased to render in the replay.
        for (name, value) in &facts.attributes {
            if let Some(v) = self.attribute(&tag, name, value) {
                attrs.push(name, v);
            }
        }
        // The live form value overrides the `value` attribute, always masked.
        if let Some(v) = &facts.value {
            attrs.set("value", self.input_value(v));
        }
        // Checked state reveals a choice (a health question, a consent box):
        // recorded only once a site explicitly unmasks the input (privacy issue).
        let _ = facts.checked;
        let script = tag == "script" || tag == "noscript";
        ElementDecision {
            node: ElementNode::new(tag, attrs, facts.is_svg, false),
            descend: !script,
        }
    }

    /// The canonical description of the effective policy, carried in every batch.
    pub fn policy(&self) -> String {
        let mut params = self.config.allow_query_params.clone();
        params.sort();
        params.dedup();
        format!(
            "reticent-policy/1;text=mask;inputs=mask;media=block;attributes=allowlist;\
             urls=strip;allowQueryParams={}",
            params.join(",")
        )
    }

    /// SHA-256 (hex) of [`PrivacyEngine::policy`]: what a collector pins.
    pub fn policy_digest(&self) -> String {
        let digest = Sha256::digest(self.policy().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn px(v: f64) -> f64 {
    if v.is_finite() && v > 0.0 {
        (v * 100.0).round() / 100.0
    } else {
        0.0
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
impl Scrubbed {
    /// Test-only constructor, for building arbitrary events in property tests.
    pub(crate) fn for_test(s: &str) -> Self {
        Scrubbed(s.to_owned())
    }
}

#[cfg(test)]
mod label_tests {
    use super::PrivacyEngine;

    #[test]
    fn labels_pass_known_words_only() {
        let e = PrivacyEngine::default();
        assert_eq!(e.label("visible").as_str(), "visible");
        assert_eq!(e.label("hidden").as_str(), "hidden");
        assert_eq!(e.label("Jean").as_str(), "****");
    }
}
