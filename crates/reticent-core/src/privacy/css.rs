//! CSS sanitisation for `<style>` text, `style` attributes and CSSOM rules.

use super::mask::mask_text;

/// Neutralises what CSS can leak while keeping what the replay needs to lay
/// the page out:
/// - every `url(...)` becomes `url()` (an invalid resource per CSS Values:
///   nothing is fetched, no address is recorded), and so does a string given
///   to `@import`;
/// - quoted strings are masked, in attribute selectors (`[data-user="…"]`)
///   and in every declaration except the few properties whose strings are
///   names, not text ([`keeps_strings`]: font families, grid areas, font
///   feature tags). A denylist (`content`, `quotes`) would leak the others a
///   page can show: a custom property read by `content: var(--name)`,
///   `list-style-type: "…"`, `text-overflow: "…"`, an escaped property name,
///   and it would keep URLs given as strings (`image-set("…")`);
/// - comments are dropped.
///
/// An unterminated string or `url(` masks or drops the rest of the input:
/// fail closed.
pub fn sanitize_css(css: &str) -> String {
    let mut out = String::with_capacity(css.len());
    let b = css.as_bytes();
    let mut i = 0;
    // The text of the current prelude or declaration, to know the property name.
    let mut segment_start = 0;
    let mut bracket = 0usize;
    while i < b.len() {
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = css[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
                continue;
            }
            b'"' | b'\'' => {
                let end = string_end(b, i);
                let inner = &css[i + 1..end.min(b.len()).max(i + 1)];
                let segment = &css[segment_start..i];
                let masked = bracket > 0 || masks_strings(segment);
                out.push(c as char);
                if is_import(segment) {
                    // `@import "…"` names a resource: drop it like url().
                } else if masked || end >= b.len() {
                    out.push_str(&mask_text(inner));
                } else {
                    out.push_str(inner);
                }
                out.push(c as char);
                i = (end + 1).min(b.len());
                continue;
            }
            b'(' if ends_with_url(&out) => {
                // Skip to the matching `)`, honouring quotes.
                let mut j = i + 1;
                while j < b.len() && b[j] != b')' {
                    if b[j] == b'"' || b[j] == b'\'' {
                        j = string_end(b, j);
                    }
                    j += 1;
                }
                out.push_str("()");
                i = (j + 1).min(b.len());
                continue;
            }
            b'[' => bracket += 1,
            b']' => bracket = bracket.saturating_sub(1),
            b'{' | b'}' | b';' => {
                out.push(c as char);
                i += 1;
                segment_start = i;
                continue;
            }
            _ => {}
        }
        // Copy one UTF-8 character.
        let ch_len = utf8_len(c);
        out.push_str(&css[i..(i + ch_len).min(b.len())]);
        i += ch_len;
    }
    out
}

/// Longest property name [`sanitize_declaration`] accepts.
const MAX_PROPERTY_LEN: usize = 256;

/// Whether `name` is a plain CSS property name: standard (`border-top`,
/// `-webkit-x`) or custom (`--brand`), ASCII letters, digits, `-` and `_`
/// only. Anything else (escapes, non-ASCII, punctuation) is refused, so a
/// name can never carry a string or a URL.
pub fn is_plain_property(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= MAX_PROPERTY_LEN
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        && name.bytes().any(|b| b.is_ascii_alphabetic())
}

/// Sanitises one declaration of a CSSOM rule (`rule.style.setProperty`):
/// the value goes through [`sanitize_css`] *as a declaration of that
/// property*, so it is treated exactly as it would be inside the rule's text
/// (strings masked under `content` and `quotes`, `url()` emptied, comments
/// dropped). `None` when the property is not plain ([`is_plain_property`]):
/// nothing is recorded then (fail closed).
pub fn sanitize_declaration(property: &str, value: &str) -> Option<(String, String)> {
    if !is_plain_property(property) {
        return None;
    }
    let prefix = format!("{property}:");
    let sanitised = sanitize_css(&format!("{prefix}{value}"));
    // A plain name is copied verbatim, so the prefix survives; anything else
    // means the sanitiser read the input differently: record nothing.
    let value = sanitised.strip_prefix(&prefix)?;
    Some((property.to_owned(), value.to_owned()))
}

fn utf8_len(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}

/// Index of the closing quote of the string opening at `start` (or `len`).
fn string_end(b: &[u8], start: usize) -> usize {
    let q = b[start];
    let mut j = start + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            x if x == q => return j,
            _ => j += 1,
        }
    }
    b.len()
}

fn ends_with_url(out: &str) -> bool {
    let tail: String = out
        .chars()
        .rev()
        .take(3)
        .collect::<String>()
        .to_ascii_lowercase();
    tail == "lru"
}

fn property_name(segment: &str) -> Option<String> {
    segment
        .split_once(':')
        .map(|(p, _)| p.trim().to_ascii_lowercase())
}

fn masks_strings(segment: &str) -> bool {
    !keeps_strings(property_name(segment).as_deref())
}

/// The properties whose strings are kept: they name fonts, grid areas or
/// font feature tags, which the replay needs for layout and which a page
/// never shows as text. Everything else, including at-rule preludes and
/// unknown or escaped names, masks its strings.
fn keeps_strings(property: Option<&str>) -> bool {
    matches!(
        property,
        Some(
            "font-family"
                | "font"
                | "src"
                | "grid-template-areas"
                | "grid-template"
                | "grid"
                | "font-feature-settings"
                | "font-variation-settings"
        )
    )
}

fn is_import(segment: &str) -> bool {
    segment
        .trim_start()
        .to_ascii_lowercase()
        .starts_with("@import")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neutralises_urls() {
        assert_eq!(
            sanitize_css("a{background:url(https://t.test/p.png?u=jean) no-repeat}"),
            "a{background:url() no-repeat}"
        );
        assert_eq!(
            sanitize_css("b{background-image:URL( \"x).png\" )}"),
            "b{background-image:URL()}"
        );
        assert_eq!(
            sanitize_css("@import 'https://t.test/a.css';"),
            "@import '';"
        );
    }

    #[test]
    fn masks_content_strings_and_attribute_selectors() {
        assert_eq!(
            sanitize_css("p::after{content:\"Bonjour Jean\"}"),
            "p::after{content:\"******* ****\"}"
        );
        assert_eq!(
            sanitize_css("[data-user='jean'] {color:red}"),
            "[data-user='****'] {color:red}"
        );
        assert_eq!(
            sanitize_css("body{font-family:\"Open Sans\"}"),
            "body{font-family:\"Open Sans\"}"
        );
    }

    #[test]
    fn masks_strings_a_page_can_show_or_fetch_outside_content() {
        for (css, want) in [
            // A custom property shown through `content: var(--name)`.
            (
                ":root{--name:\"Jean Dupont\"}",
                ":root{--name:\"**** ******\"}",
            ),
            ("li{list-style-type:'Jean '}", "li{list-style-type:'**** '}"),
            ("p{text-overflow:\"Jean\"}", "p{text-overflow:\"****\"}"),
            // An escaped property name is not recognised: masked anyway.
            ("p::after{con\\74ent:'Jean'}", "p::after{con\\74ent:'****'}"),
            // A URL given as a string is neither recorded nor fetched.
            (
                "a{background-image:image-set(\"https://t.test/u/jean.png\" 1x)}",
                "a{background-image:image-set(\"*****://*.****/*/****.***\" 1x)}",
            ),
            ("@charset \"utf-8\";", "@charset \"***-*\";"),
        ] {
            assert_eq!(sanitize_css(css), want, "{css}");
        }
        // Names the layout needs are kept.
        for css in [
            "div{grid-template-areas:\"head head\" \"nav main\"}",
            "p{font:12px/1.2 \"Open Sans\", serif}",
            "@font-face{font-family:'X';src:local('Arial')}",
            "p{font-feature-settings:\"liga\" 0}",
        ] {
            assert_eq!(sanitize_css(css), css);
        }
        assert_eq!(
            sanitize_declaration("--name", "'Jean'"),
            Some(("--name".into(), "'****'".into()))
        );
    }

    #[test]
    fn drops_comments_and_fails_closed_on_unterminated_input() {
        assert_eq!(sanitize_css("a{/* jean */color:red}"), "a{color:red}");
        assert_eq!(
            sanitize_css("a{font-family:\"secret"),
            "a{font-family:\"******\""
        );
        assert_eq!(
            sanitize_css("a{background:url(secret"),
            "a{background:url()"
        );
    }

    #[test]
    fn declarations_are_sanitised_in_the_context_of_their_property() {
        assert_eq!(
            sanitize_declaration("border", "3px dashed #486581"),
            Some(("border".into(), "3px dashed #486581".into()))
        );
        assert_eq!(
            sanitize_declaration("content", "\"Bonjour Jean\""),
            Some(("content".into(), "\"******* ****\"".into()))
        );
        assert_eq!(
            sanitize_declaration("background", "url(https://t.test/?u=jean) red"),
            Some(("background".into(), "url() red".into()))
        );
        assert_eq!(
            sanitize_declaration("--brand", "#123 /* jean */"),
            Some(("--brand".into(), "#123 ".into()))
        );
        // A value cannot smuggle a second declaration past the masking.
        assert_eq!(
            sanitize_declaration("color", "red; content: 'jean'"),
            Some(("color".into(), "red; content: '****'".into()))
        );
        for bad in ["", "con\\74ent", "a:b", "x y", "é", "--", "'a'", "url(x)"] {
            assert_eq!(sanitize_declaration(bad, "red"), None, "{bad:?}");
        }
    }

    #[test]
    fn keeps_non_ascii() {
        assert_eq!(
            sanitize_css("a::before{content:'é'}"),
            "a::before{content:'*'}"
        );
        assert_eq!(sanitize_css(".é{color:red}"), ".é{color:red}");
    }
}
