//! Site rules: the configuration that may unmask, mask, block or ignore
//! elements, the fields that no rule can unmask, and excluded pages.
//!
//! Selectors are matched by the binding (the core has no DOM); the core
//! validates their shape, decides what a match means (never-unmaskable
//! fields, precedence of inline attributes) and writes the canonical policy.

use crate::error::{CoreError, ErrorCode};

use super::ElementFacts;

/// Most entries in one rule list.
pub const MAX_RULES: usize = 100;
/// Longest selector, in bytes.
pub const MAX_SELECTOR_LEN: usize = 1024;
/// Longest `excludePages` pattern, in bytes.
pub const MAX_PATTERN_LEN: usize = 256;

/// Inline attribute: the element's subtree is replaced by a placeholder.
pub const ATTR_BLOCK: &str = "data-reticent-block";
/// Inline attribute: the element's subtree is masked (overrides an unmask
/// rule of an ancestor, and of the element itself).
pub const ATTR_MASK: &str = "data-reticent-mask";
/// Inline attribute: the element's text and form values are recorded in
/// clear (after the PII detectors), unless a nearer mask applies.
pub const ATTR_UNMASK: &str = "data-reticent-unmask";

/// `autocomplete` tokens of fields that are never unmasked.
const SECRET_AUTOCOMPLETE: &[&str] = &["one-time-code", "current-password", "new-password"];

/// What matched on one element itself: its selector rules and inline
/// `data-reticent-*` attributes. The binding fills it; a selector whose
/// matching threw counts as matched for `block`, `mask` and `ignore` and as
/// not matched for the unmask rules (fail closed).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct OwnRules {
    /// A `block` selector or `data-reticent-block`.
    pub block: bool,
    /// A `mask` selector or `data-reticent-mask`.
    pub mask: bool,
    /// An `unmaskText` selector or `data-reticent-unmask`.
    pub unmask_text: bool,
    /// An `unmaskInputs` selector or `data-reticent-unmask`.
    pub unmask_inputs: bool,
    /// An `ignore` selector.
    pub ignore: bool,
}

/// The rules in effect at one element, inherited from its ancestors.
///
/// Precedence: a blocked ancestor blocks everything below it; otherwise the
/// nearest element (itself first) with a mask or unmask rule decides, each
/// of text and form values separately; at the same element `block` > `mask`
/// > unmask. `ignore` applies to the element and everything below it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RuleDecision {
    /// Replaced by a placeholder (itself or an ancestor).
    pub blocked: bool,
    /// Text unmasked by the nearest rule.
    pub text_unmasked: bool,
    /// Form values unmasked by the nearest rule.
    pub input_unmasked: bool,
    /// Input events dropped.
    pub ignored: bool,
}

impl RuleDecision {
    /// The decision of a child whose own rules are `own`, under `self`.
    #[must_use]
    pub fn child(self, own: OwnRules) -> RuleDecision {
        let masked = own.block || own.mask;
        let pick = |unmask: bool, inherited: bool| {
            if masked {
                false
            } else if unmask {
                true
            } else {
                inherited
            }
        };
        let blocked = self.blocked || own.block;
        RuleDecision {
            blocked,
            text_unmasked: !blocked && pick(own.unmask_text, self.text_unmasked),
            input_unmasked: !blocked && pick(own.unmask_inputs, self.input_unmasked),
            ignored: self.ignored || own.ignore,
        }
    }
}

/// Checks one selector list (`privacy.<name>`): at most [`MAX_RULES`]
/// entries, each 1 to [`MAX_SELECTOR_LEN`] characters without control characters.
/// Whether the browser parses a selector is checked by the binding.
pub(crate) fn validate_selectors(name: &str, list: &[String]) -> Result<(), CoreError> {
    if list.len() > MAX_RULES {
        return Err(invalid(format!(
            "privacy.{name}: at most {MAX_RULES} selectors, got {}",
            list.len()
        )));
    }
    for (i, s) in list.iter().enumerate() {
        // Characters, as the JS side counts them (not bytes: a selector of
        // 700 accented letters passes there, so it must pass here too).
        let ok = !s.trim().is_empty()
            && s.chars().count() <= MAX_SELECTOR_LEN
            && !s.chars().any(char::is_control);
        if !ok {
            return Err(invalid(format!(
                "privacy.{name}[{i}]: expected a CSS selector of 1 to {MAX_SELECTOR_LEN} characters \
                 without control characters, got {s:?}"
            )));
        }
    }
    Ok(())
}

/// Checks the `excludePages` patterns: each starts with `/` and holds 1 to
/// [`MAX_PATTERN_LEN`] printable ASCII characters other than space, `?`, `#`.
pub(crate) fn validate_patterns(list: &[String]) -> Result<(), CoreError> {
    if list.len() > MAX_RULES {
        return Err(invalid(format!(
            "privacy.excludePages: at most {MAX_RULES} patterns, got {}",
            list.len()
        )));
    }
    for (i, p) in list.iter().enumerate() {
        let ok = p.starts_with('/')
            && p.len() <= MAX_PATTERN_LEN
            && p.bytes()
                .all(|b| b.is_ascii_graphic() && b != b'?' && b != b'#');
        if !ok {
            return Err(invalid(format!(
                "privacy.excludePages[{i}]: expected a path pattern starting with `/` of at most \
                 {MAX_PATTERN_LEN} printable ASCII characters (no space, `?` or `#`), got {p:?}"
            )));
        }
    }
    Ok(())
}

fn invalid(message: String) -> CoreError {
    CoreError::new(ErrorCode::InvalidOption, message)
}

/// Whether no configuration may unmask this element's values: password and
/// hidden inputs, fields whose `autocomplete` names a payment card (`cc-…`),
/// a one-time code or a password, and fields that were passwords at any time
/// while recorded ([`ElementFacts::was_password`]).
pub fn never_unmaskable(facts: &ElementFacts) -> bool {
    if facts.was_password {
        return true;
    }
    let attr = |name: &str| {
        facts
            .attributes
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    };
    if facts.tag.eq_ignore_ascii_case("input") {
        let ty = attr("type").unwrap_or("").trim();
        if ty.eq_ignore_ascii_case("password") || ty.eq_ignore_ascii_case("hidden") {
            return true;
        }
    }
    attr("autocomplete").is_some_and(|v| {
        v.split_ascii_whitespace().any(|t| {
            let t = t.to_ascii_lowercase();
            t.starts_with("cc-") || SECRET_AUTOCOMPLETE.contains(&t.as_str())
        })
    })
}

/// Whether `path` (a sanitised URL path) matches `pattern`: the whole path
/// must match; `*` matches any run of characters, `/` included; every other
/// character matches itself (case-sensitive). Runs in O(|path| × |pattern|)
/// at worst (no backtracking beyond the last `*`).
pub fn path_matches(pattern: &str, path: &str) -> bool {
    let (p, s) = (pattern.as_bytes(), path.as_bytes());
    let (mut pi, mut si) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while si < s.len() {
        if pi < p.len() && p[pi] == b'*' {
            star = Some((pi, si));
            pi += 1;
        } else if pi < p.len() && p[pi] == s[si] {
            pi += 1;
            si += 1;
        } else if let Some((sp, ss)) = star {
            pi = sp + 1;
            si = ss + 1;
            star = Some((sp, ss + 1));
        } else {
            return false;
        }
    }
    while pi < p.len() && p[pi] == b'*' {
        pi += 1;
    }
    pi == p.len()
}

/// The path of a sanitised URL (`https://h/a/b` → `/a/b`, `/a` → `/a`).
pub(crate) fn path_of(sanitised: &str) -> &str {
    let rest = match sanitised.find("://") {
        Some(i) => &sanitised[i + 3..],
        None => return sanitised.split('?').next().unwrap_or(""),
    };
    let path = match rest.find('/') {
        Some(i) => &rest[i..],
        None => "/",
    };
    path.split('?').next().unwrap_or("/")
}

/// Escapes a policy value: every byte outside `[A-Za-z0-9._~*/:\[\]()>+-]`
/// becomes `%XX`, so `,`, `;` and `=` never appear inside a value.
pub(crate) fn escape(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"._~*/:[]()>+-".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `name=v1,v2` of a list, sorted, deduplicated and escaped; `None` when empty.
pub(crate) fn policy_field(name: &str, list: &[String]) -> Option<String> {
    if list.is_empty() {
        return None;
    }
    let mut v: Vec<String> = list.iter().map(|s| escape(s)).collect();
    v.sort();
    v.dedup();
    Some(format!("{name}={}", v.join(",")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(attrs: &[(&str, &str)]) -> ElementFacts {
        ElementFacts::for_test("input", attrs)
    }

    #[test]
    fn secrets_are_never_unmaskable() {
        assert!(never_unmaskable(&input(&[("type", "password")])));
        assert!(never_unmaskable(&input(&[("TYPE", " Password ")])));
        assert!(never_unmaskable(&input(&[("type", "hidden")])));
        assert!(never_unmaskable(&input(&[("autocomplete", "cc-number")])));
        assert!(never_unmaskable(&input(&[(
            "autocomplete",
            "section-pay billing CC-CSC"
        )])));
        assert!(never_unmaskable(&input(&[(
            "autocomplete",
            "one-time-code"
        )])));
        assert!(never_unmaskable(&input(&[(
            "autocomplete",
            "current-password"
        )])));
        assert!(never_unmaskable(&input(&[(
            "autocomplete",
            "new-password"
        )])));
        let mut switched = input(&[("type", "text")]);
        switched.was_password = true;
        assert!(never_unmaskable(&switched));
        let mut textarea = input(&[("autocomplete", "cc-name")]);
        textarea.tag = "textarea".into();
        assert!(never_unmaskable(&textarea));

        assert!(!never_unmaskable(&input(&[("type", "text")])));
        assert!(!never_unmaskable(&input(&[("type", "search")])));
        assert!(!never_unmaskable(&input(&[("autocomplete", "email")])));
        assert!(!never_unmaskable(&input(&[("autocomplete", "acc-x")])));
        let div = ElementFacts {
            tag: "div".into(),
            attributes: vec![("type".into(), "password".into())],
            ..Default::default()
        };
        assert!(!never_unmaskable(&div), "type only counts on inputs");
    }

    #[test]
    fn precedence_block_mask_unmask_nearest_wins() {
        let root = RuleDecision::default();
        let unmask = OwnRules {
            unmask_text: true,
            unmask_inputs: true,
            ..Default::default()
        };
        let mask = OwnRules {
            mask: true,
            ..Default::default()
        };
        let block = OwnRules {
            block: true,
            ..Default::default()
        };
        let none = OwnRules::default();
        // Unmasked subtree, inherited by descendants without rules.
        let u = root.child(unmask);
        assert!(u.text_unmasked && u.input_unmasked);
        assert_eq!(u.child(none), u);
        // The nearest rule wins: mask inside unmask, unmask inside mask.
        let m = u.child(mask);
        assert!(!m.text_unmasked && !m.input_unmasked);
        assert!(m.child(unmask).text_unmasked);
        // Same element: mask and block beat unmask.
        let both = OwnRules {
            mask: true,
            ..unmask
        };
        assert!(!root.child(both).text_unmasked);
        let b = root.child(OwnRules {
            block: true,
            ..unmask
        });
        assert!(b.blocked && !b.text_unmasked);
        // A blocked ancestor blocks everything below, unmask or not.
        let deep = root.child(block).child(unmask);
        assert!(deep.blocked && !deep.text_unmasked && !deep.input_unmasked);
        // Text and inputs are decided separately.
        let t = root.child(OwnRules {
            unmask_text: true,
            ..Default::default()
        });
        assert!(t.text_unmasked && !t.input_unmasked);
        let i = t.child(OwnRules {
            unmask_inputs: true,
            ..Default::default()
        });
        assert!(i.text_unmasked && i.input_unmasked);
        // Ignore is inherited and independent.
        let ig = root
            .child(OwnRules {
                ignore: true,
                ..Default::default()
            })
            .child(unmask);
        assert!(ig.ignored && ig.input_unmasked);
    }

    #[test]
    fn globs_match_whole_paths() {
        assert!(path_matches("/checkout", "/checkout"));
        assert!(!path_matches("/checkout", "/checkout/pay"));
        assert!(!path_matches("/checkout", "/checkou"));
        assert!(path_matches("/checkout/*", "/checkout/pay/1"));
        assert!(!path_matches("/checkout/*", "/checkout"));
        assert!(path_matches("/checkout*", "/checkout"));
        assert!(path_matches("/account/:id/*", "/account/:id/billing"));
        assert!(path_matches("*/settings", "/fr/user/settings"));
        assert!(path_matches("/a*b*c", "/axxbyyc"));
        assert!(!path_matches("/a*b*c", "/axxbyy"));
        assert!(path_matches("/*", "/"));
        assert!(!path_matches("/Checkout", "/checkout"), "case-sensitive");
    }

    #[test]
    fn paths_of_sanitised_urls() {
        assert_eq!(path_of("https://x.test/a/b"), "/a/b");
        assert_eq!(path_of("https://x.test"), "/");
        assert_eq!(path_of("https://x.test/a?page=2"), "/a");
        assert_eq!(path_of("/rel"), "/rel");
    }

    #[test]
    fn validation_names_the_entry() {
        assert!(validate_selectors("mask", &[".a".into(), "#b > c".into()]).is_ok());
        let e = validate_selectors("mask", &[".a".into(), " ".into()]).unwrap_err();
        assert!(e.message.starts_with("privacy.mask[1]"), "{e}");
        let e = validate_selectors("block", &["a\nb".into()]).unwrap_err();
        assert!(e.message.starts_with("privacy.block[0]"), "{e}");
        // Counted in characters, as the JS side does.
        let accented = "é".repeat(MAX_SELECTOR_LEN);
        assert!(validate_selectors("mask", std::slice::from_ref(&accented)).is_ok());
        assert!(validate_selectors("mask", &[format!("{accented}é")]).is_err());
        let long = "a".repeat(MAX_SELECTOR_LEN + 1);
        assert!(validate_selectors("ignore", &[long]).is_err());
        let many = vec![".a".to_owned(); MAX_RULES + 1];
        assert!(validate_selectors("unmaskText", &many).is_err());

        assert!(validate_patterns(&["/checkout/*".into(), "/a".into()]).is_ok());
        for bad in ["checkout", "/a b", "/a?x", "/a#b", "", "/é"] {
            let e = validate_patterns(&["/ok".into(), bad.into()]).unwrap_err();
            assert!(e.message.starts_with("privacy.excludePages[1]"), "{e}");
        }
    }

    #[test]
    fn policy_values_are_escaped_and_sorted() {
        assert_eq!(escape("a,b;c=d e"), "a%2Cb%3Bc%3Dd%20e");
        assert_eq!(escape("#x > .y"), "%23x%20>%20.y");
        assert_eq!(
            policy_field("mask", &["b".into(), "a".into(), "b".into()]).as_deref(),
            Some("mask=a,b")
        );
        assert_eq!(policy_field("mask", &[]), None);
    }
}
