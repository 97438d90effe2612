//! CSS sanitisation for `<style>` text, `style` attributes and CSSOM rules.

use super::mask::mask_text;

/// Neutralises what CSS can leak while keeping what the replay needs to lay
/// the page out:
/// - every `url(...)` becomes `url()` (an invalid resource per CSS Values:
///   nothing is fetched, no address is recorded), and so does a string given
///   to `@import`;
/// - quoted strings are masked in every declaration except the few
///   properties whose strings are names, not text ([`keeps_strings`]: font
///   families, grid areas, font feature tags). A denylist (`content`,
///   `quotes`) would leak the others a page can show: a custom property read
///   by `content: var(--name)`, `list-style-type: "…"`, `text-overflow:
///   "…"`, an escaped property name, and it would keep URLs given as strings
///   (`image-set("…")`);
/// - an attribute selector's value, quoted or not, is masked unless the
///   attribute's own values are recorded as they are (`attribute_selector`);
/// - comments are dropped.
///
/// An unterminated string or `url(` masks or drops the rest of the input:
/// fail closed.
pub fn sanitize_css(css: &str) -> String {
    sanitize_from(css, 0)
}

/// [`sanitize_css`] of `text`, read where `prefix` leaves off: a `<style>`'s
/// CSS is the concatenation of its text children, so one that starts inside
/// a string opened by an earlier sibling (`a{content:"`, then the visitor's
/// name, then `"}`: React renders `<style>{a}{name}{b}</style>` so) must be
/// masked as that string's text, not read as CSS code. Only `text`'s part of
/// the output is returned.
pub fn sanitize_css_after(prefix: &str, text: &str) -> String {
    if prefix.is_empty() {
        return sanitize_css(text);
    }
    sanitize_from(&format!("{prefix}{text}"), prefix.len())
}

/// Sanitises `css` and returns the output of its part from byte `from` on
/// (a character boundary). The part before is read for its state only.
fn sanitize_from(css: &str, from: usize) -> String {
    let mut out = String::with_capacity(css.len());
    let b = css.as_bytes();
    let mut i = 0;
    // Where the output of `css[from..]` starts in `out`, once reached.
    let mut mark = (from == 0).then_some(0);
    // The text of the current prelude or declaration, to know the property name.
    let mut segment_start = 0;
    let mut bracket = 0usize;
    while i < b.len() {
        if mark.is_none() && i >= from {
            mark = Some(out.len());
        }
        let c = b[i];
        match c {
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = css[i + 2..].find("*/").map_or(b.len(), |e| i + 2 + e + 2);
                continue;
            }
            b'"' | b'\'' => {
                let end = string_end(b, i);
                // Not closed: the input ends, or a newline ends it as a bad
                // string (the browser then reads what follows as code, and
                // so does the sanitiser). Its text is masked whatever the
                // property, and no quote is added: CSS closes a string at
                // the end of the input, and a `<style>`'s next text child
                // may close it (see `sanitize_css_after`).
                let closed = b.get(end) == Some(&c);
                let inner = &css[i + 1..end.min(b.len()).max(i + 1)];
                let segment = &css[segment_start..i];
                let masked = bracket > 0 || masks_strings(segment) || !closed;
                out.push(c as char);
                if is_import(segment) {
                    // `@import "…"` names a resource: drop it like url().
                } else if mark.is_none() && i + 1 + inner.len() >= from {
                    // The string goes on past `from`: its two parts are
                    // written apart, and the second one is masked whatever
                    // the property (the part before `from` decided nothing
                    // the text may rely on).
                    let (before, after) = inner.split_at(from - (i + 1));
                    out.push_str(&if masked {
                        mask_text(before)
                    } else {
                        before.to_owned()
                    });
                    mark = Some(out.len());
                    out.push_str(&mask_text(after));
                } else if masked {
                    out.push_str(&mask_text(inner));
                } else {
                    out.push_str(inner);
                }
                if closed {
                    out.push(c as char);
                    i = end + 1;
                } else {
                    // The newline, if any, is read as code.
                    i = end;
                }
                continue;
            }
            // An escaped function name (`\75 rl(`, `u\72l(`) may be url():
            // its arguments are dropped too.
            b'(' if ends_with_url(&out) || ends_with_escape(&out) => {
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
            // An attribute selector: its value is recorded as the attribute's
            // own values are (see `attribute_selector`).
            b'[' => {
                let whole = attribute_selector(css, i).or_else(|| odd_attribute_selector(css, i));
                if let Some((sanitized, after)) = whole {
                    // Not when `from` falls inside it (its two parts would
                    // have to be written apart): the bracket rule below
                    // masks its strings.
                    if mark.is_some() || after <= from {
                        out.push_str(&sanitized);
                        i = after;
                        continue;
                    }
                }
                // Something else in brackets (grid line names `[a b]`): its
                // strings are masked.
                bracket += 1;
            }
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
    match mark {
        Some(0) => out,
        Some(at) => out.split_off(at),
        // `from` lay inside a comment or a `url(…)` that ran to the end.
        None => String::new(),
    }
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

/// Index of the closing quote of the string opening at `start`, of the
/// unescaped newline that ends it as a bad string (CSS Syntax: newline, CR,
/// form feed), or `len`.
fn string_end(b: &[u8], start: usize) -> usize {
    let q = b[start];
    let mut j = start + 1;
    while j < b.len() {
        match b[j] {
            b'\\' => j += 2,
            b'\n' | b'\r' | 0x0C => return j,
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

/// Whether the identifier `out` ends with holds a backslash escape (looked
/// for among its last 16 characters, spaces included: an escape's hex digits
/// may end with one).
fn ends_with_escape(out: &str) -> bool {
    out.chars()
        .rev()
        .take(16)
        .take_while(|&c| {
            c.is_alphanumeric() || matches!(c, '-' | '_' | '\\' | ' ') || !c.is_ascii()
        })
        .any(|c| c == '\\')
}

fn property_name(segment: &str) -> Option<String> {
    segment
        .split_once(':')
        .map(|(p, _)| p.trim().to_ascii_lowercase())
}

/// The attribute selector that starts at `css[at]` (`[`), sanitised, and
/// where it ends; `None` when it is not a plain one: `[name]`, or
/// `[name OP value flag?]` with an optional namespace, `OP` one of `=`,
/// `~=`, `|=`, `^=`, `$=`, `*=`, the value quoted or an identifier, nothing
/// escaped.
///
/// Its value is kept when the attribute's values are recorded as they are
/// ([`super::is_layout_safe`]: `input[type="text"]`, `[dir=rtl]`), which is
/// what the replay's layout needs; any other value is masked (as a quoted
/// string: a masked identifier would no longer be one, and the browser would
/// drop the whole rule), like the attribute's values in the recorded DOM, so
/// a selector cannot tell what the page's attributes hold.
fn attribute_selector(css: &str, at: usize) -> Option<(String, usize)> {
    let b = css.as_bytes();
    let ws = |mut j: usize| {
        while b.get(j).is_some_and(u8::is_ascii_whitespace) {
            j += 1;
        }
        j
    };
    let ident = |mut j: usize| {
        while b
            .get(j)
            .is_some_and(|c| c.is_ascii_alphanumeric() || *c == b'-' || *c == b'_')
        {
            j += 1;
        }
        j
    };
    let mut j = ws(at + 1);
    // An optional namespace: `ns|`, `*|` or `|` (not `|=`).
    let ns_end = if b.get(j) == Some(&b'*') {
        j + 1
    } else {
        ident(j)
    };
    if b.get(ns_end) == Some(&b'|') && b.get(ns_end + 1) != Some(&b'=') {
        j = ns_end + 1;
    }
    let name_start = j;
    j = ident(j);
    let name = &css[name_start..j];
    if name.is_empty() {
        return None;
    }
    j = ws(j);
    if b.get(j) == Some(&b']') {
        return Some((css[at..=j].to_owned(), j + 1));
    }
    match b.get(j)? {
        b'=' => j += 1,
        b'~' | b'|' | b'^' | b'$' | b'*' if b.get(j + 1) == Some(&b'=') => j += 2,
        _ => return None,
    }
    j = ws(j);
    let value_start = j;
    // The value, and its quote (`"` for an identifier once masked).
    let (value, quote) = match *b.get(j)? {
        q @ (b'"' | b'\'') => {
            let end = string_end(b, j);
            if b.get(end) != Some(&q) {
                return None;
            }
            j = end + 1;
            (&css[value_start + 1..end], q)
        }
        _ => {
            j = ident(j);
            if j == value_start {
                return None;
            }
            (&css[value_start..j], b'"')
        }
    };
    if value.contains('\\') {
        return None;
    }
    let value_end = j;
    j = ws(j);
    // An optional flag: `i` or `s`.
    if b.get(j).is_some_and(u8::is_ascii_alphabetic) {
        j = ws(ident(j));
    }
    if b.get(j) != Some(&b']') {
        return None;
    }
    let mut out = String::with_capacity(j + 1 - at);
    out.push_str(&css[at..value_start]);
    if super::is_layout_safe(&name.to_ascii_lowercase()) {
        out.push_str(&css[value_start..value_end]);
    } else {
        out.push(quote as char);
        out.push_str(&mask_text(value));
        out.push(quote as char);
    }
    out.push_str(&css[value_end..=j]);
    Some((out, j + 1))
}

/// An attribute selector [`attribute_selector`] cannot read (an escape, an
/// odd token: `[data-x=je\61 n]`), told by an `=` outside strings before its
/// `]`: all of it is masked, fail closed (the replay's browser then drops
/// the rule, which matched masked values anyway). `None` without a `]` or an
/// `=` (grid line names `[a b]`).
fn odd_attribute_selector(css: &str, at: usize) -> Option<(String, usize)> {
    let b = css.as_bytes();
    let mut j = at + 1;
    let mut operator = false;
    while *b.get(j)? != b']' {
        match b[j] {
            b'"' | b'\'' => j = string_end(b, j),
            b'=' => operator = true,
            b'\\' => j += 1,
            _ => {}
        }
        j += 1;
    }
    operator.then(|| (format!("[{}]", mask_text(&css[at + 1..j])), j + 1))
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
    fn a_text_continuing_a_string_is_masked_as_its_text() {
        // `<style>{a}{name}{b}</style>`: three text children, one CSS.
        let a = ".u::after{content:\"";
        let name = "Jean Dupont";
        let b = "\"}";
        assert_eq!(sanitize_css_after("", a), sanitize_css(a));
        // Unterminated here: the next text child closes it.
        assert_eq!(sanitize_css_after(a, name), "**** ******");
        assert_eq!(sanitize_css_after(&format!("{a}{name}"), b), "\"}");
        // Even where a string alone would be kept (font names): the prefix's
        // reading does not carry over to the text.
        assert_eq!(
            sanitize_css_after("b{font-family:\"Open ", "Jean\"}"),
            "****\"}"
        );
        // The text starts at the closing quote: the quote is its own.
        assert_eq!(
            sanitize_css_after("p::after{content:\"x", "\";color:red}"),
            "\";color:red}"
        );
    }

    #[test]
    fn attribute_selector_values_are_kept_as_the_attributes_own_values() {
        // Attributes recorded as they are: their values are kept, quoted or
        // not, with any operator, namespace or flag.
        for css in [
            "input[type=text],[hidden]{color:red}",
            "input[type=\"text\"],a[rel~='nofollow' i],[ lang |= \"en\" ]{color:red}",
            "[*|dir=rtl],[svg|class^=\"icon\"],[width=\"100\"],[ID='main']{}",
        ] {
            assert_eq!(sanitize_css(css), css);
        }
        // Any other attribute's value is masked, quoted (a masked identifier
        // would not be one), as the attribute's values are in the DOM.
        for (css, want) in [
            ("a[href^=\"/u/jean\"]{}", "a[href^=\"/*/****\"]{}"),
            ("[data-user=jean],a{}", "[data-user=\"****\"],a{}"),
            ("[data-user='Jean D.' i]{}", "[data-user='**** *.' i]{}"),
            ("[aria-label$=\"Jean\"]{}", "[aria-label$=\"****\"]{}"),
            ("[data-x=\"\"]{}", "[data-x=\"\"]{}"),
        ] {
            assert_eq!(sanitize_css(css), want, "{css}");
        }
        // Not a plain attribute selector: masked whole (fail closed), or,
        // without an operator or a `]`, its strings are.
        for (css, want) in [
            ("[data-x=\"a\\62 \"]{}", "[****-*=\"*\\** \"]{}"),
            ("[data-x=je\\61 n],a{}", "[****-*=**\\** *],a{}"),
            ("[type=\"text\" \"x\"]{}", "[****=\"****\" \"*\"]{}"),
            ("[data-x=\"text", "[data-x=\"****"),
            (
                "a{grid-template-columns:[full-start] 1fr [end]}",
                "a{grid-template-columns:[full-start] 1fr [end]}",
            ),
        ] {
            assert_eq!(sanitize_css(css), want, "{css}");
        }
    }

    /// The bracket of a selector that a `<style>`'s later text child reads
    /// on from: strings in it are masked (fail closed), the rest as usual.
    #[test]
    fn an_attribute_selector_split_between_text_children_masks_its_strings() {
        assert_eq!(
            sanitize_css_after("input[type=", "\"text\"]{}"),
            "\"****\"]{}"
        );
        assert_eq!(
            sanitize_css_after("a{}", "[type=\"text\"]{}"),
            "[type=\"text\"]{}"
        );
    }

    #[test]
    fn escaped_url_functions_are_emptied() {
        for css in [
            "a{background:\\75 rl(https://t.test/?u=jean)}",
            "a{background:u\\72l(https://t.test/?u=jean)}",
            "a{background:\\000075rl(https://t.test/?u=jean)}",
        ] {
            let out = sanitize_css(css);
            assert!(
                !out.contains("jean") && out.ends_with("()}"),
                "{css} -> {out}"
            );
        }
        assert_eq!(
            sanitize_css("a{width:calc(1px + 2%)}"),
            "a{width:calc(1px + 2%)}"
        );
    }

    #[test]
    fn a_text_after_complete_rules_reads_as_alone() {
        // Emotion and others append one complete rule per text node.
        for (prefix, text) in [
            (".a{color:red}", ".b{content:\"Jean\"}"),
            ("", "p{background:url(https://t.test/?u=jean)}"),
            (".a{}/* c */", "[data-user='jean']{color:red}"),
        ] {
            assert_eq!(sanitize_css_after(prefix, text), sanitize_css(text));
        }
    }

    #[test]
    fn a_text_inside_a_comment_or_url_of_the_prefix_is_not_recorded() {
        assert_eq!(sanitize_css_after("a{}/* ", "Jean */b{}"), "b{}");
        assert_eq!(
            sanitize_css_after("a{background:url(", "https://t.test/?u=jean)}"),
            "}"
        );
        assert_eq!(sanitize_css_after("a{}/* open", " jean"), "");
    }

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
            sanitize_css("[data-user='Jean D.'] {color:red}"),
            "[data-user='**** *.'] {color:red}"
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
            "a{font-family:\"******"
        );
        // A newline ends a string as a bad string: the browser reads what
        // follows as code, and so must the sanitiser (it used to keep the
        // "font name" up to the next quote and copy `Jean` as code).
        assert_eq!(
            sanitize_css("b{font-family:\"a\n}p::after{content:\"Jean\"}"),
            "b{font-family:\"*\n}p::after{content:\"****\"}"
        );
        assert_eq!(
            sanitize_css("b{font-family:\"Open\\\nSans\"}"),
            "b{font-family:\"Open\\\nSans\"}",
            "an escaped newline continues the string"
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
