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
mod custom;
mod detectors;
mod mask;
mod px;
mod rules;
mod url;

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::error::{CoreError, ErrorCode};
use crate::incremental::StyleDeclarationSet;
use crate::node::{Attributes, ElementNode};

pub use attributes::{is_event_handler, is_layout_safe, is_url_attribute, recorded_name};
pub use css::{is_plain_property, sanitize_css, sanitize_css_after, sanitize_declaration};
pub use custom::{CustomDetectors, CUSTOM_LABEL};
pub use detectors::{find_pii, scrub_pii, PiiCounts, PiiKind};
pub use mask::{mask_input_value, mask_text, INPUT_MASK};
pub use rules::{
    never_unmaskable, path_matches, OwnRules, RuleDecision, ATTR_BLOCK, ATTR_MASK, ATTR_UNMASK,
    MAX_PATTERN_LEN, MAX_RULES, MAX_SELECTOR_LEN,
};
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
///
/// Selector lists are matched by the binding against each element and its
/// ancestors (through shadow hosts and the frames of same-origin iframes);
/// the nearest element with a rule decides, and at the same element
/// `block` > `mask` > unmask. See `docs/privacy.md`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PrivacyConfig {
    /// Query parameters kept in recorded URLs (by exact name); every other
    /// parameter, and the fragment, is removed.
    #[serde(default)]
    pub allow_query_params: Vec<String>,
    /// CSS selectors of elements whose text (text nodes and non-layout
    /// attribute values) is recorded in clear, after the PII detectors.
    #[serde(default)]
    pub unmask_text: Vec<String>,
    /// CSS selectors of form fields (or their containers) whose values are
    /// recorded in clear, after the PII detectors; never-unmaskable fields
    /// ([`never_unmaskable`]) stay masked.
    #[serde(default)]
    pub unmask_inputs: Vec<String>,
    /// CSS selectors of elements masked even inside an unmasked subtree.
    #[serde(default)]
    pub mask: Vec<String>,
    /// CSS selectors of elements replaced by a same-size placeholder; their
    /// subtree is never read.
    #[serde(default)]
    pub block: Vec<String>,
    /// CSS selectors of elements whose input events are not recorded.
    #[serde(default)]
    pub ignore: Vec<String>,
    /// Path patterns of pages where nothing is recorded (see
    /// [`path_matches`]), matched against the sanitised path.
    #[serde(default)]
    pub exclude_pages: Vec<String>,
    /// The site's own identifiers to replace by `[custom]` in every value a
    /// rule unmasked, after the built-in PII detectors ([`CustomDetectors`]:
    /// `#` digit, `@` letter, `*` letter or digit, `\x` literal).
    #[serde(default)]
    pub custom_detectors: Vec<String>,
}

/// Longest policy text a batch may carry (`privacy` rules longer than that
/// are refused at init; collectors refuse a batch carrying a longer one).
/// The default policy is about 100 bytes, and a hundred rules of a hundred
/// characters about 10 KiB.
pub const MAX_POLICY_BYTES: usize = 64 << 10;

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
        for (name, list) in self.selector_lists() {
            rules::validate_selectors(name, list)?;
        }
        CustomDetectors::compile(&self.custom_detectors)?;
        rules::validate_patterns(&self.exclude_pages)?;
        // Every batch carries the policy text, and collectors refuse one
        // longer than this: refused here, at init(), rather than every batch.
        let len = self.policy().len();
        if len > MAX_POLICY_BYTES {
            return Err(CoreError::new(
                ErrorCode::InvalidOption,
                format!(
                    "privacy: the rules make a policy text of {len} bytes, more than the \
                     {MAX_POLICY_BYTES} a batch may carry (fewer or shorter selectors, patterns \
                     or detectors)"
                ),
            ));
        }
        Ok(())
    }

    /// Every selector list with its option name, in a fixed order.
    pub fn selector_lists(&self) -> [(&'static str, &[String]); 5] {
        [
            ("unmaskText", &self.unmask_text),
            ("unmaskInputs", &self.unmask_inputs),
            ("mask", &self.mask),
            ("block", &self.block),
            ("ignore", &self.ignore),
        ]
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
    /// Style sheet rules read from the CSSOM, for a `<link rel=stylesheet>`
    /// the page can read (same origin, loaded) or a `<style>` whose rules
    /// were inserted by script (`insertRule`, as CSS-in-JS libraries do) and
    /// so are not in its text. The engine records them, sanitised, as
    /// rrweb's `_cssText`: the replay is styled without fetching anything.
    pub css_text: Option<String>,
    /// The binding decided to block this element (it sits deeper than the
    /// depth cap, or a `block` rule or `data-reticent-block` matched it or
    /// an ancestor). Blocked elements become a placeholder of `width` ×
    /// `height` whose subtree is never read.
    pub blocked: bool,
    /// The site's rules unmask this element's text (`unmaskText`,
    /// `data-reticent-unmask`, nearest rule wins): its text children and
    /// non-layout attribute values are recorded after the PII detectors.
    pub text_unmasked: bool,
    /// The site's rules unmask this element's form value (`unmaskInputs`,
    /// `data-reticent-unmask`), unless [`never_unmaskable`] says otherwise.
    pub input_unmasked: bool,
    /// The element was a password field at some point while recorded (its
    /// `type` changed): it stays never-unmaskable.
    pub was_password: bool,
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
    /// Text that a site rule unmasked (text of an unmasked element, or the
    /// default value of an unmasked `<textarea>`): recorded after the PII
    /// detectors ([`scrub_pii`]).
    Unmasked,
}

/// Longest trigger reason recorded, in characters (after scrubbing).
pub const MAX_REASON_CHARS: usize = 200;

/// Longest trigger reason read, in characters: a longer one is replaced by
/// [`REASON_TOO_LONG`] without being scrubbed or recorded.
pub const MAX_REASON_INPUT_CHARS: usize = 2000;

/// What is recorded instead of a trigger reason over [`MAX_REASON_INPUT_CHARS`].
pub const REASON_TOO_LONG: &str = "[reason too long]";

/// Tags that are replaced by a same-size placeholder by default.
const BLOCKED_MEDIA: &[&str] = &[
    "img", "picture", "video", "audio", "canvas", "embed", "object", "source", "track", "image",
];

/// The privacy engine with its effective configuration.
#[derive(Clone, Debug, Default)]
pub struct PrivacyEngine {
    config: PrivacyConfig,
    custom: CustomDetectors,
}

impl PrivacyEngine {
    /// Builds an engine after validating `config`.
    pub fn new(config: PrivacyConfig) -> Result<Self, CoreError> {
        config.validate()?;
        let custom = CustomDetectors::compile(&config.custom_detectors)?;
        Ok(Self { config, custom })
    }

    /// Scrubs a text node.
    pub fn text(&self, raw: &str, ctx: TextContext) -> Scrubbed {
        match ctx {
            TextContext::Body => Scrubbed(mask_text(raw)),
            TextContext::Style => Scrubbed(sanitize_css(raw)),
            TextContext::Script => Scrubbed::empty(),
            TextContext::FormValue => self.input_value(raw),
            TextContext::Unmasked => self.unmasked(raw),
        }
    }

    /// The text of a `<style>`'s text child whose earlier text siblings hold
    /// `prefix` (their data, in order): the CSS is their concatenation, so
    /// the text is read where they leave off ([`sanitize_css_after`]).
    pub fn style_text_after(&self, prefix: &str, raw: &str) -> Scrubbed {
        Scrubbed(sanitize_css_after(prefix, raw))
    }

    /// A value a site rule unmasked: recorded after the PII detectors.
    fn unmasked(&self, raw: &str) -> Scrubbed {
        Scrubbed(self.exposed(raw))
    }

    /// The one path of every value recorded in clear (text, attribute or
    /// form value a rule unmasked): built-in PII detectors, then the site's
    /// custom detectors.
    pub(crate) fn exposed(&self, raw: &str) -> String {
        let (text, _) = scrub_pii(raw);
        if self.custom.is_empty() {
            text
        } else {
            self.custom.scrub(&text).0
        }
    }

    /// Whether the text of `facts` may be recorded in clear.
    pub fn text_exposed(&self, facts: &ElementFacts) -> bool {
        facts.text_unmasked && !facts.blocked && !never_unmaskable(facts)
    }

    /// Whether the form value of `facts` may be recorded in clear.
    pub fn input_exposed(&self, facts: &ElementFacts) -> bool {
        facts.input_unmasked && !facts.blocked && !never_unmaskable(facts)
    }

    /// The context of the text children of the element `facts` describes.
    pub fn text_context(&self, facts: &ElementFacts) -> TextContext {
        match ascii_lowercase(&facts.tag).as_ref() {
            "style" => TextContext::Style,
            "script" | "noscript" => TextContext::Script,
            "textarea" if self.input_exposed(facts) => TextContext::Unmasked,
            "textarea" => TextContext::FormValue,
            _ if self.text_exposed(facts) => TextContext::Unmasked,
            _ => TextContext::Body,
        }
    }

    /// Scrubs the live form value of the element `facts` describes (input
    /// events): the constant mask, or the value after the PII detectors
    /// when a rule unmasked it.
    pub fn form_value(&self, facts: &ElementFacts, raw: &str) -> Scrubbed {
        if self.input_exposed(facts) {
            self.unmasked(raw)
        } else {
            self.input_value(raw)
        }
    }

    /// Scrubs one attribute value of the element `facts` describes, taking
    /// its unmask decisions into account; `None` drops the attribute.
    pub fn element_attribute(
        &self,
        facts: &ElementFacts,
        name: &str,
        value: &str,
    ) -> Option<Scrubbed> {
        let tag = ascii_lowercase(&facts.tag);
        attributes::scrub_with(self, &tag, name, value, self.exposure(facts)).map(Scrubbed)
    }

    /// What the site's rules unmask of the element `facts` describes.
    fn exposure(&self, facts: &ElementFacts) -> attributes::Exposure {
        attributes::Exposure {
            text: self.text_exposed(facts),
            input: self.input_exposed(facts),
        }
    }

    /// Whether nothing may be recorded on the page at `raw_url`: its
    /// sanitised path matches an `excludePages` pattern.
    pub fn excludes_page(&self, raw_url: &str) -> bool {
        if self.config.exclude_pages.is_empty() {
            return false;
        }
        let sanitised = sanitize_url(raw_url, &[]);
        let path = rules::path_of(&sanitised);
        self.config
            .exclude_pages
            .iter()
            .any(|p| path_matches(p, path))
    }

    /// The effective configuration.
    pub fn config(&self) -> &PrivacyConfig {
        &self.config
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

    /// Scrubs the reason a site gave `recorder.trigger(reason)` (or the
    /// error name of an automatic trigger): free text from site code, which
    /// may hold anything. Fails closed: an input over
    /// [`MAX_REASON_INPUT_CHARS`] is not read at all ([`REASON_TOO_LONG`]);
    /// otherwise the built-in PII detectors and the site's custom detectors
    /// run over the whole text, control characters become spaces, and only
    /// then is the result cut to [`MAX_REASON_CHARS`] and scrubbed again
    /// (a cut can turn part of a longer run into a match).
    pub fn trigger_reason(&self, raw: &str) -> Scrubbed {
        if raw.chars().count() > MAX_REASON_INPUT_CHARS {
            return Scrubbed(REASON_TOO_LONG.to_owned());
        }
        let cleaned: String = raw
            .chars()
            .map(|c| if c.is_control() { ' ' } else { c })
            .collect();
        let scrubbed = self.exposed(&cleaned);
        let cut: String = scrubbed.chars().take(MAX_REASON_CHARS).collect();
        // The cut can make a new match (the first digits of a longer run):
        // the detectors run again over what is kept.
        Scrubbed(self.exposed(&cut))
    }

    /// A declaration set on a CSSOM rule (`rule.style.setProperty`): the
    /// property, its value sanitised as CSS in the context of that property
    /// ([`sanitize_declaration`]) and the priority (`important` or nothing).
    /// `None` for a property name that is not plain CSS: not recorded.
    pub fn css_declaration(
        &self,
        property: &str,
        value: &str,
        priority: &str,
    ) -> Option<StyleDeclarationSet> {
        let (property, value) = sanitize_declaration(property, value)?;
        Some(StyleDeclarationSet {
            property: Scrubbed(property),
            value: Scrubbed(value),
            priority: priority
                .trim()
                .eq_ignore_ascii_case("important")
                .then(|| Scrubbed("important".to_owned())),
        })
    }

    /// A property name of a CSSOM rule (`rule.style.removeProperty`); `None`
    /// when it is not plain CSS ([`is_plain_property`]): not recorded.
    pub fn css_property(&self, property: &str) -> Option<Scrubbed> {
        is_plain_property(property).then(|| Scrubbed(property.to_owned()))
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
            attrs.push("rr_width", Scrubbed(px::css_px(facts.width)));
            attrs.push("rr_height", Scrubbed(px::css_px(facts.height)));
            return ElementDecision {
                node: ElementNode::new(tag, attrs, facts.is_svg, true),
                descend: false,
            };
        }
        // Rules match lower-case names, but names are recorded as written:
        // SVG's `viewBox` must stay camel-cased to render in the replay.
        // (`element_attribute` for each, with the exposure worked out once.)
        let exposure = self.exposure(facts);
        for (name, value) in &facts.attributes {
            if let Some(v) = attributes::scrub_with(self, &tag, name, value, exposure) {
                attrs.push(recorded_name(&tag, name), Scrubbed(v));
            }
        }
        // Only the binding's CSSOM read sets this (a page attribute named
        // `_cssText` is masked like any unknown attribute).
        if let (Some(css), "link" | "style") = (&facts.css_text, tag.as_str()) {
            attrs.set("_cssText", Scrubbed(sanitize_css(css)));
        }
        // The live form value overrides the `value` attribute.
        if let Some(v) = &facts.value {
            attrs.set("value", self.form_value(facts, v));
        }
        // Checked state reveals a choice (a health question, a consent box):
        // not recorded, even in an unmasked field (docs/privacy.md).
        let _ = facts.checked;
        let script = tag == "script" || tag == "noscript";
        ElementDecision {
            node: ElementNode::new(tag, attrs, facts.is_svg, false),
            descend: !script,
        }
    }

    /// The canonical description of the effective policy, carried in every batch.
    pub fn policy(&self) -> String {
        self.config.policy()
    }

    /// SHA-256 (hex) of [`PrivacyEngine::policy`]: what a collector pins.
    pub fn policy_digest(&self) -> String {
        let digest = Sha256::digest(self.policy().as_bytes());
        digest.iter().map(|b| format!("{b:02x}")).collect()
    }
}

impl PrivacyConfig {
    /// The policy text of this configuration (see [`PrivacyEngine::policy`]).
    fn policy(&self) -> String {
        let mut params = self.allow_query_params.clone();
        params.sort();
        params.dedup();
        let mut out = format!(
            "reticent-policy/1;text=mask;inputs=mask;media=block;attributes=allowlist;\
             urls=strip;allowQueryParams={}",
            params.join(",")
        );
        // Site rules, only when set (the default policy text is unchanged).
        for (name, list) in self.selector_lists().into_iter().chain([
            ("excludePages", self.exclude_pages.as_slice()),
            ("customDetectors", self.custom_detectors.as_slice()),
        ]) {
            if let Some(field) = rules::policy_field(name, list) {
                out.push(';');
                out.push_str(&field);
            }
        }
        out
    }
}

/// `s` in ASCII lower case, copied only when it has an upper-case letter:
/// tag and attribute names are compared lower case for every element, and
/// the parser has already lowered almost all of them.
pub(crate) fn ascii_lowercase(s: &str) -> Cow<'_, str> {
    if s.bytes().any(|b| b.is_ascii_uppercase()) {
        Cow::Owned(s.to_ascii_lowercase())
    } else {
        Cow::Borrowed(s)
    }
}

#[cfg(test)]
impl ElementFacts {
    /// Test facts: a tag and its attributes, nothing else.
    pub(crate) fn for_test(tag: &str, attrs: &[(&str, &str)]) -> Self {
        ElementFacts {
            tag: tag.into(),
            attributes: attrs
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
            ..Default::default()
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
impl Scrubbed {
    /// Test-only constructor, for building arbitrary events in property tests.
    pub(crate) fn for_test(s: &str) -> Self {
        Scrubbed(s.to_owned())
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod reason_tests;

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

#[cfg(test)]
mod rule_tests {
    use super::*;

    fn facts(tag: &str, attrs: &[(&str, &str)]) -> ElementFacts {
        ElementFacts::for_test(tag, attrs)
    }

    /// Names are compared lower case whatever their case as given (an XHTML
    /// document or `setAttributeNS` can keep upper-case letters).
    #[test]
    fn upper_case_tags_and_names_follow_the_lower_case_rules() {
        let e = PrivacyEngine::default();
        let a = facts(
            "A",
            &[
                ("ONCLICK", "steal()"),
                ("HREF", "https://shop.example/o/1?token=abc"),
                ("Title", "Jean"),
            ],
        );
        let d = e.element(&a);
        let attrs = &d.node.attributes;
        assert_eq!(attrs.get("ONCLICK"), None);
        assert_eq!(
            attrs.get("HREF").map(Scrubbed::as_str),
            Some("https://shop.example/o/1")
        );
        assert_eq!(attrs.get("Title").map(Scrubbed::as_str), Some("****"));
        assert_eq!(e.text_context(&facts("STYLE", &[])), TextContext::Style);
        assert_eq!(
            e.text_context(&facts("TextArea", &[])),
            TextContext::FormValue
        );
        assert!(!e.element(&facts("SCRIPT", &[])).descend);
    }

    #[test]
    fn unmasked_text_still_goes_through_the_detectors() {
        let e = PrivacyEngine::default();
        let mut p = facts("p", &[("title", "Mail jean@x.fr"), ("class", "c")]);
        assert_eq!(e.text_context(&p), TextContext::Body);
        p.text_unmasked = true;
        assert_eq!(e.text_context(&p), TextContext::Unmasked);
        let t = e.text(
            "Hello jean@example.com, card 4111 1111 1111 1111.",
            TextContext::Unmasked,
        );
        assert_eq!(t.as_str(), "Hello [email], card [card].");
        let d = e.element(&p);
        assert_eq!(
            d.node.attributes.get("title").map(Scrubbed::as_str),
            Some("Mail [email]")
        );
        // Blocked wins over an unmask decision.
        p.blocked = true;
        assert_eq!(e.text_context(&p), TextContext::Body);
    }

    #[test]
    fn unmasked_inputs_record_their_values_unless_never_unmaskable() {
        let e = PrivacyEngine::default();
        let mut i = facts("input", &[("type", "text"), ("value", "Paris")]);
        i.value = Some("Lyon".into());
        assert_eq!(e.form_value(&i, "Lyon").as_str(), INPUT_MASK);
        i.input_unmasked = true;
        assert_eq!(e.form_value(&i, "Lyon").as_str(), "Lyon");
        assert_eq!(e.form_value(&i, "a@b.fr").as_str(), "[email]");
        let d = e.element(&i);
        assert_eq!(
            d.node.attributes.get("value").map(Scrubbed::as_str),
            Some("Lyon")
        );
        // Text unmasking alone does not unmask the value.
        let mut t = facts("input", &[("type", "text"), ("placeholder", "Ville")]);
        t.text_unmasked = true;
        assert_eq!(e.form_value(&t, "Lyon").as_str(), INPUT_MASK);
        assert_eq!(
            e.element(&t)
                .node
                .attributes
                .get("placeholder")
                .map(Scrubbed::as_str),
            Some("Ville")
        );
        for attrs in [
            &[("type", "password")][..],
            &[("type", "hidden")],
            &[("type", "text"), ("autocomplete", "cc-number")],
            &[("autocomplete", "one-time-code")],
        ] {
            let mut s = facts("input", attrs);
            s.input_unmasked = true;
            s.text_unmasked = true;
            s.value = Some("hunter2".into());
            assert_eq!(
                e.form_value(&s, "hunter2").as_str(),
                INPUT_MASK,
                "{attrs:?}"
            );
            let d = e.element(&s);
            assert_eq!(
                d.node.attributes.get("value").map(Scrubbed::as_str),
                Some(INPUT_MASK)
            );
        }
        let mut switched = facts("input", &[("type", "text")]);
        switched.input_unmasked = true;
        switched.was_password = true;
        assert_eq!(e.form_value(&switched, "hunter2").as_str(), INPUT_MASK);
        let mut ta = facts("textarea", &[("autocomplete", "cc-name")]);
        ta.input_unmasked = true;
        assert_eq!(e.text_context(&ta), TextContext::FormValue);
        ta.attributes.clear();
        assert_eq!(e.text_context(&ta), TextContext::Unmasked);
    }

    #[test]
    fn excluded_pages_match_the_sanitised_path() {
        let e = PrivacyEngine::new(PrivacyConfig {
            exclude_pages: vec!["/checkout/*".into(), "/account/:id".into()],
            ..Default::default()
        })
        .unwrap();
        assert!(e.excludes_page("https://shop.test/checkout/pay?card=1#x"));
        assert!(e.excludes_page("https://shop.test/account/12345678"));
        assert!(!e.excludes_page("https://shop.test/checkout"));
        assert!(!e.excludes_page("https://shop.test/?next=/checkout/pay"));
        assert!(!PrivacyEngine::default().excludes_page("https://shop.test/checkout/pay"));
    }

    #[test]
    fn rules_whose_policy_a_batch_cannot_carry_are_refused() {
        let selectors = |n: usize, len: usize| -> Vec<String> {
            (0..n)
                .map(|i| format!(".c{i}{}", "x".repeat(len)))
                .collect()
        };
        // 100 selectors of ~1 KB: a policy of ~100 KB.
        let e = PrivacyEngine::new(PrivacyConfig {
            mask: selectors(100, 1000),
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOption);
        assert!(e.message.starts_with("privacy: "), "{}", e.message);
        // Half of that fits.
        let fits = PrivacyEngine::new(PrivacyConfig {
            mask: selectors(50, 1000),
            ..Default::default()
        })
        .unwrap();
        assert!(fits.policy().len() <= MAX_POLICY_BYTES);
    }

    #[test]
    fn policy_carries_the_full_configuration() {
        let default = PrivacyEngine::default().policy();
        assert_eq!(
            default,
            "reticent-policy/1;text=mask;inputs=mask;media=block;attributes=allowlist;\
             urls=strip;allowQueryParams="
        );
        let a = PrivacyEngine::new(PrivacyConfig {
            unmask_text: vec![".b".into(), "#a, .c".into()],
            mask: vec!["[data-x=\"1\"]".into()],
            exclude_pages: vec!["/pay/*".into()],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(
            a.policy(),
            format!(
                "{default};unmaskText=%23a%2C%20.c,.b;mask=[data-x%3D%221%22];excludePages=/pay/*"
            )
        );
        // Order and duplicates do not matter; any rule changes the digest.
        let b = PrivacyEngine::new(PrivacyConfig {
            unmask_text: vec!["#a, .c".into(), ".b".into(), ".b".into()],
            mask: vec!["[data-x=\"1\"]".into()],
            exclude_pages: vec!["/pay/*".into()],
            ..Default::default()
        })
        .unwrap();
        assert_eq!(a.policy_digest(), b.policy_digest());
        let c = PrivacyEngine::new(PrivacyConfig {
            unmask_inputs: vec![".b".into()],
            ..Default::default()
        })
        .unwrap();
        let d = PrivacyEngine::new(PrivacyConfig {
            unmask_text: vec![".b".into()],
            ..Default::default()
        })
        .unwrap();
        assert_ne!(c.policy_digest(), d.policy_digest());
        assert_ne!(c.policy_digest(), PrivacyEngine::default().policy_digest());
    }
}
