//! CSS sanitisation for `<style>` text, `style` attributes and CSSOM rules.

use super::mask::mask_text;

/// Neutralises what CSS can leak while keeping what the replay needs to lay
/// the page out:
/// - every `url(...)` becomes `url()` (an invalid resource per CSS Values:
///   nothing is fetched, no address is recorded), and so does a string given
///   to `@import`;
/// - quoted strings in `content` and `quotes` declarations (text a page shows
///   through CSS) and in attribute selectors (`[data-user="…"]`) are masked;
/// - comments are dropped.
///
/// Other strings (font family names, `@charset`) are kept. An unterminated
/// string or `url(` masks or drops the rest of the input: fail closed.
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
    matches!(
        property_name(segment).as_deref(),
        Some("content") | Some("quotes")
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
    fn keeps_non_ascii() {
        assert_eq!(
            sanitize_css("a::before{content:'é'}"),
            "a::before{content:'*'}"
        );
        assert_eq!(sanitize_css(".é{color:red}"), ".é{color:red}");
    }
}
