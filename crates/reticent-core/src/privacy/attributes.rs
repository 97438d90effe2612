//! The attribute allowlist.

use super::{mask::mask_text, PrivacyEngine};

/// What the site's rules unmasked on one element (after the
/// never-unmaskable rule).
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct Exposure {
    /// Text-like attribute values (`title`, `alt`, `aria-label`, …).
    pub(super) text: bool,
    /// The `value` attribute.
    pub(super) input: bool,
}

/// Attributes whose values only describe layout or structure and are kept as
/// they are. Everything else is masked (or, for the ones below, sanitised).
const LAYOUT_SAFE: &[&str] = &[
    "class",
    "id",
    "type",
    "role",
    "width",
    "height",
    "dir",
    "lang",
    "rel",
    "media",
    "for",
    "name",
    "colspan",
    "rowspan",
    "span",
    "tabindex",
    "hidden",
    "disabled",
    "readonly",
    "required",
    "multiple",
    "size",
    "cols",
    "rows",
    "maxlength",
    "minlength",
    "min",
    "max",
    "step",
    "method",
    "target",
    "charset",
    "align",
    "valign",
    "border",
    "cellpadding",
    "cellspacing",
    "scope",
    "open",
    "start",
    "reversed",
    "draggable",
    "contenteditable",
    "spellcheck",
    "autocomplete",
    "inputmode",
    "loading",
    "decoding",
    "crossorigin",
    "sizes",
    "slot",
    "part",
    "is",
    // SVG geometry and presentation.
    "viewbox",
    "xmlns",
    "xmlns:xlink",
    "d",
    "fill",
    "stroke",
    "stroke-width",
    "stroke-linecap",
    "stroke-linejoin",
    "fill-rule",
    "clip-rule",
    "transform",
    "points",
    "cx",
    "cy",
    "r",
    "rx",
    "ry",
    "x",
    "y",
    "x1",
    "x2",
    "y1",
    "y2",
    "opacity",
    "fill-opacity",
    "stroke-opacity",
    "preserveaspectratio",
    "version",
    "focusable",
    "offset",
    "stop-color",
    "gradientunits",
    "gradienttransform",
    "clip-path",
    "mask",
    "filter",
    "font-size",
    "font-weight",
    "text-anchor",
    "dominant-baseline",
    "display",
    "visibility",
];

/// Attributes holding a URL: sanitised (query, fragment, identifiers removed).
const URL_ATTRIBUTES: &[&str] = &[
    "href",
    "src",
    "action",
    "formaction",
    "poster",
    "cite",
    "xlink:href",
];

/// `true` for inline event handlers (`onclick`, …), which are never recorded.
pub fn is_event_handler(name: &str) -> bool {
    name.len() > 2 && name[..2].eq_ignore_ascii_case("on")
}

/// `true` for attributes holding a URL, which the binding resolves against the
/// document base before the engine sanitises them.
pub fn is_url_attribute(name: &str) -> bool {
    URL_ATTRIBUTES.iter().any(|u| u.eq_ignore_ascii_case(name))
}

/// The name an attribute is recorded under. An iframe's `src` becomes
/// rrweb's `rr_src`, which the replayer never loads: with `src`, the replay
/// frame would load the live page, unmasked, over the recorded document.
pub fn recorded_name<'a>(tag: &str, name: &'a str) -> &'a str {
    if tag.eq_ignore_ascii_case("iframe") && name.eq_ignore_ascii_case("src") {
        "rr_src"
    } else {
        name
    }
}

/// `true` when an attribute's value is recorded as is.
pub fn is_layout_safe(name: &str) -> bool {
    LAYOUT_SAFE.contains(&name)
}

/// The engine's attribute rule with nothing unmasked; `None` drops the attribute.
pub(super) fn scrub(engine: &PrivacyEngine, tag: &str, name: &str, value: &str) -> Option<String> {
    scrub_with(engine, tag, name, value, Exposure::default())
}

/// What a widget-state attribute (`aria-checked`, …) is recorded as.
const STATE_MASK: &str = "*";

/// The engine's attribute rule; `None` drops the attribute. Unmasked values
/// go through the PII detectors; URLs, CSS and dropped attributes are
/// handled the same whatever the exposure.
pub(super) fn scrub_with(
    engine: &PrivacyEngine,
    tag: &str,
    name: &str,
    value: &str,
    exposure: Exposure,
) -> Option<String> {
    let name = super::ascii_lowercase(name);
    let name = name.as_ref();
    if is_event_handler(name) {
        return None;
    }
    match name {
        // Content that would be rendered or executed in the replay.
        "srcdoc" | "srcset" | "imagesrcset" | "integrity" | "nonce" | "ping" => None,
        // The live value is handled by the engine (always masked); the
        // `checked`/`selected` defaults reveal a choice.
        "value" if exposure.input => Some(engine.exposed(value)),
        "value" => Some(engine.input_value(value).as_str().to_owned()),
        "checked" | "selected" => None,
        // The same choice in custom widgets (ARIA checkboxes, radios,
        // options; Radix's `data-state`): one constant whatever the value,
        // as `mask_text` would keep `true` and `false` apart by length.
        "aria-checked" | "aria-selected" | "aria-pressed" | "data-state" => {
            Some(STATE_MASK.to_owned())
        }
        "style" => Some(super::sanitize_css(value)),
        n if is_url_attribute(n) => Some(engine.url(value).as_str().to_owned()),
        // `<meta content>` and `<input type=…>` names stay structural only when safe.
        "type"
            if tag == "input"
                || tag == "button"
                || tag == "script"
                || tag == "link"
                || tag == "style" =>
        {
            Some(value.to_ascii_lowercase())
        }
        n if is_layout_safe(n) => Some(value.to_owned()),
        _ if exposure.text => Some(engine.exposed(value)),
        _ => Some(mask_text(value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn a(tag: &str, name: &str, value: &str) -> Option<String> {
        scrub(&PrivacyEngine::default(), tag, name, value)
    }

    #[test]
    fn widget_states_are_one_constant_whatever_the_choice() {
        for name in [
            "aria-checked",
            "aria-selected",
            "aria-pressed",
            "data-state",
        ] {
            let got: Vec<_> = ["true", "false", "mixed", "checked", "unchecked"]
                .iter()
                .map(|v| a("div", name, v))
                .collect();
            assert!(
                got.iter().all(|g| g.as_deref() == Some(STATE_MASK)),
                "{name}: {got:?}"
            );
        }
    }

    #[test]
    fn allowlist_and_masking() {
        assert_eq!(a("div", "class", "card big").as_deref(), Some("card big"));
        assert_eq!(a("input", "placeholder", "Jean").as_deref(), Some("****"));
        assert_eq!(
            a("img", "alt", "Photo of Jean").as_deref(),
            Some("***** ** ****")
        );
        assert_eq!(a("div", "aria-label", "Jean").as_deref(), Some("****"));
        assert_eq!(a("div", "data-email", "j@x.fr").as_deref(), Some("*@*.**"));
        assert_eq!(a("div", "title", "Secret").as_deref(), Some("******"));
        assert_eq!(a("input", "value", "hunter2").as_deref(), Some("********"));
    }

    #[test]
    fn drops_handlers_and_active_content() {
        assert_eq!(a("div", "onclick", "steal()"), None);
        assert_eq!(a("div", "ONMOUSEOVER", "steal()"), None);
        assert_eq!(a("iframe", "srcdoc", "<p>secret</p>"), None);
        assert_eq!(a("input", "checked", ""), None);
    }

    #[test]
    fn engine_keeps_attribute_case_and_blocks_on_request() {
        use crate::privacy::{ElementFacts, PrivacyEngine};
        let e = PrivacyEngine::default();
        let svg = ElementFacts {
            tag: "svg".into(),
            attributes: vec![
                ("viewBox".into(), "0 0 10 10".into()),
                ("ARIA-LABEL".into(), "Jean".into()),
            ],
            is_svg: true,
            ..Default::default()
        };
        let d = e.element(&svg);
        assert_eq!(
            d.node.attributes.get("viewBox").map(|v| v.as_str()),
            Some("0 0 10 10")
        );
        assert_eq!(
            d.node.attributes.get("ARIA-LABEL").map(|v| v.as_str()),
            Some("****")
        );
        let deep = ElementFacts {
            tag: "div".into(),
            blocked: true,
            width: 30.0,
            height: 12.5,
            ..Default::default()
        };
        assert!(e.blocks(&deep));
        let d = e.element(&deep);
        assert!(d.node.need_block && !d.descend);
        assert_eq!(
            d.node.attributes.get("rr_height").map(|v| v.as_str()),
            Some("12.5px")
        );
    }

    #[test]
    fn linked_stylesheet_rules_become_sanitised_css_text() {
        use crate::privacy::{ElementFacts, PrivacyEngine};
        let e = PrivacyEngine::default();
        let link = ElementFacts {
            tag: "link".into(),
            attributes: vec![("rel".into(), "stylesheet".into())],
            css_text: Some(
                "body { background: url(/me.png) }\n.x::after { content: \"Jean\" }".into(),
            ),
            ..Default::default()
        };
        let css = e
            .element(&link)
            .node
            .attributes
            .get("_cssText")
            .map(|v| v.as_str().to_owned());
        assert_eq!(
            css.as_deref(),
            Some("body { background: url() }\n.x::after { content: \"****\" }")
        );
        // A page's own `_cssText` attribute is not trusted as CSS.
        let div = ElementFacts {
            tag: "div".into(),
            attributes: vec![("_cssText".into(), "Jean Dupont".into())],
            ..Default::default()
        };
        let v = e
            .element(&div)
            .node
            .attributes
            .get("_cssText")
            .map(|v| v.as_str().to_owned());
        assert_eq!(v.as_deref(), Some("**** ******"));
    }

    #[test]
    fn an_iframe_address_is_never_loadable_in_the_replay() {
        use crate::privacy::{ElementFacts, PrivacyEngine};
        let f = ElementFacts {
            tag: "iframe".into(),
            attributes: vec![("src".into(), "https://x.test/chat?user=jean".into())],
            ..Default::default()
        };
        let node = PrivacyEngine::default().element(&f).node;
        assert_eq!(node.attributes.get("src"), None);
        assert_eq!(
            node.attributes.get("rr_src").map(|v| v.as_str()),
            Some("https://x.test/chat")
        );
        assert_eq!(recorded_name("img", "src"), "src");
    }

    #[test]
    fn sanitises_urls_and_css() {
        assert_eq!(
            a("a", "href", "https://x.test/p?email=a@b.c#top").as_deref(),
            Some("https://x.test/p")
        );
        assert_eq!(a("a", "href", "javascript:alert(1)").as_deref(), Some(""));
        assert_eq!(
            a("div", "style", "background:url(/me.png)").as_deref(),
            Some("background:url()")
        );
    }
}
