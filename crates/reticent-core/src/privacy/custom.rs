//! Site-defined detectors (`privacy.customDetectors`): identifiers of the
//! site's own (customer numbers, order references, internal codes) that the
//! built-in detectors cannot know, replaced by `[custom]` in every value a
//! site rule unmasked.
//!
//! A pattern is a tiny, linear syntax rather than a regular expression: the
//! matcher ships in the browser module (no regex engine), runs in bounded
//! time on hostile text, and a site cannot write a pattern that backtracks.
//! `#` is one digit, `@` one letter, `*` one letter or digit, `\x` the
//! character `x`, anything else itself (Latin, Greek and Cyrillic letters
//! compared case-insensitively, see [`fold`]).
//! A match must not continue a run of letters or digits on either side, so
//! `C-####` finds `C-1234` but not `C-12345` or `ABC-1234`.

use crate::error::{CoreError, ErrorCode};

/// The replacement of a custom match.
pub const CUSTOM_LABEL: &str = "[custom]";
/// Most patterns a site may set.
pub const MAX_PATTERNS: usize = 20;
/// Most elements in one pattern.
pub const MAX_PATTERN_LEN: usize = 64;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Elem {
    Digit,
    Letter,
    Alnum,
    Lit(char),
}

impl Elem {
    fn matches(self, c: char) -> bool {
        match self {
            Elem::Digit => c.is_ascii_digit(),
            Elem::Letter => c.is_alphabetic(),
            Elem::Alnum => c.is_alphanumeric(),
            Elem::Lit(l) => c == l || fold(c) == fold(l),
        }
    }
    /// Whether the element stands for a letter or digit (then a match may
    /// not be glued to another one on that side).
    fn is_word(self) -> bool {
        match self {
            Elem::Lit(l) => l.is_alphanumeric(),
            _ => true,
        }
    }
}

/// Compiled custom detectors.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CustomDetectors(Vec<Vec<Elem>>);

impl CustomDetectors {
    /// Compiles `patterns`; the error names the offending entry of
    /// `privacy.customDetectors`.
    pub fn compile(patterns: &[String]) -> Result<Self, CoreError> {
        if patterns.len() > MAX_PATTERNS {
            return Err(invalid(format!(
                "privacy.customDetectors: at most {MAX_PATTERNS} patterns, got {}",
                patterns.len()
            )));
        }
        let mut out = Vec::with_capacity(patterns.len());
        for (i, p) in patterns.iter().enumerate() {
            out.push(parse(p).map_err(|why| {
                invalid(format!("privacy.customDetectors[{i}]: {why}, got {p:?}"))
            })?);
        }
        Ok(CustomDetectors(out))
    }

    /// No pattern set.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Replaces every match by [`CUSTOM_LABEL`], leftmost first; returns the
    /// text and the number of replacements.
    pub fn scrub(&self, text: &str) -> (String, usize) {
        if self.0.is_empty() {
            return (text.to_owned(), 0);
        }
        let chars: Vec<char> = text.chars().collect();
        let mut out = String::with_capacity(text.len());
        let (mut i, mut count) = (0, 0);
        while i < chars.len() {
            match self.0.iter().find_map(|p| match_at(p, &chars, i)) {
                Some(len) => {
                    out.push_str(CUSTOM_LABEL);
                    count += 1;
                    i += len;
                }
                None => {
                    out.push(chars[i]);
                    i += 1;
                }
            }
        }
        (out, count)
    }
}

/// The length of a match of `p` starting at `i`, if any.
fn match_at(p: &[Elem], chars: &[char], i: usize) -> Option<usize> {
    let end = i.checked_add(p.len())?;
    let window = chars.get(i..end)?;
    if !p.iter().zip(window).all(|(e, &c)| e.matches(c)) {
        return None;
    }
    let glued_before = p[0].is_word() && i > 0 && chars[i - 1].is_alphanumeric();
    let glued_after =
        p[p.len() - 1].is_word() && chars.get(end).is_some_and(|c| c.is_alphanumeric());
    (!glued_before && !glued_after).then_some(p.len())
}

fn parse(p: &str) -> Result<Vec<Elem>, String> {
    let mut elems = Vec::new();
    let mut it = p.chars();
    while let Some(c) = it.next() {
        elems.push(match c {
            '#' => Elem::Digit,
            '@' => Elem::Letter,
            '*' => Elem::Alnum,
            '\\' => Elem::Lit(it.next().ok_or("a trailing \\ escapes nothing")?),
            c if c.is_control() => return Err("control characters are not allowed".into()),
            c => Elem::Lit(c),
        });
    }
    if elems.len() < 2 || elems.len() > MAX_PATTERN_LEN {
        return Err(format!("expected a pattern of 2 to {MAX_PATTERN_LEN} elements (# digit, @ letter, * letter or digit, \\x literal)"));
    }
    Ok(elems)
}

/// `c` lowercased in the scripts most sites write in: Basic Latin, Latin-1,
/// Latin Extended-A, Greek and Cyrillic (U+0000–U+017F, U+0370–U+04FF);
/// any other character as it is. Not `char::to_lowercase`: its Unicode
/// tables made up 8 KiB of the gzip'd browser module, for this one use.
fn fold(c: char) -> char {
    let u = u32::from(c);
    let even = u % 2 == 0;
    let lower = match u {
        0x41..=0x5A | 0xC0..=0xD6 | 0xD8..=0xDE | 0x391..=0x3A1 | 0x3A3..=0x3AB | 0x410..=0x42F => {
            u + 0x20
        }
        0x100..=0x12F | 0x132..=0x137 | 0x14A..=0x177 | 0x370..=0x373 | 0x3D8..=0x3EF => {
            u + u32::from(even)
        }
        0x460..=0x481 | 0x48A..=0x4BF | 0x4D0..=0x4FF => u + u32::from(even),
        0x139..=0x148 | 0x179..=0x17E | 0x4C1..=0x4CE => u + u32::from(!even),
        0x178 => 0xFF,
        0x386 => 0x3AC,
        0x388..=0x38A => u + 0x25,
        0x38C => 0x3CC,
        0x38E..=0x38F => u + 0x3F,
        0x376 | 0x3F7 | 0x3FA => u + 1,
        0x37F => 0x3F3,
        0x3CF => 0x3D7,
        0x3F4 => 0x3B8,
        0x3F9 => 0x3F2,
        0x3FD..=0x3FF => u - 0x82,
        0x400..=0x40F => u + 0x50,
        0x4C0 => 0x4CF,
        _ => u,
    };
    char::from_u32(lower).unwrap_or(c)
}

fn invalid(message: String) -> CoreError {
    CoreError::new(ErrorCode::InvalidOption, message)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fold_lowercases_like_std_in_its_ranges_and_nowhere_else() {
        let mut bad = Vec::new();
        for u in 0..0x3_0000u32 {
            let Some(c) = char::from_u32(u) else { continue };
            let mut std = c.to_lowercase();
            let expected = match (std.next(), std.next()) {
                (Some(l), None) if u < 0x180 || (0x370..0x500).contains(&u) => l,
                _ => c,
            };
            if fold(c) != expected {
                bad.push(format!(
                    "U+{u:04X}->U+{:04X} (got U+{:04X})",
                    u32::from(expected),
                    u32::from(fold(c))
                ));
            }
        }
        assert!(bad.is_empty(), "{}", bad.join(" "));
    }

    #[test]
    fn literals_match_across_case_in_those_scripts() {
        let c = d(&["ÉTÉ-##", "ДОМ-##", "ΣΩ-##"]);
        assert_eq!(c.scrub("été-12 дом-34 σω-56").1, 3);
        // Outside them, a literal matches itself only (here Armenian).
        assert_eq!(d(&["Ա-##"]).scrub("ա-12 Ա-12").1, 1);
    }

    fn d(p: &[&str]) -> CustomDetectors {
        CustomDetectors::compile(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    #[test]
    fn finds_site_identifiers_in_sentences() {
        let c = d(&["C-####", "ORD@@######"]);
        assert_eq!(
            c.scrub("Client C-1234, order ORDfr001122."),
            ("Client [custom], order [custom].".into(), 2)
        );
        assert_eq!(
            c.scrub("client c-9876").0,
            "client [custom]",
            "letters compare case-insensitively"
        );
    }

    #[test]
    fn respects_word_boundaries() {
        let c = d(&["C-####"]);
        assert_eq!(c.scrub("C-12345 ABC-1234 C-123").1, 0);
        assert_eq!(c.scrub("(C-1234)").0, "([custom])");
    }

    #[test]
    fn escapes_and_literal_symbols() {
        let c = d(&["\\#####"]);
        assert_eq!(c.scrub("ticket #1234 done").0, "ticket [custom] done");
        assert_eq!(d(&["*-*"]).scrub("a-b x-yz").0, "[custom] x-yz");
    }

    #[test]
    fn validation_names_the_entry() {
        let bad = |p: &[&str], needle: &str| {
            let e = CustomDetectors::compile(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidOption);
            assert!(e.message.contains(needle), "{}", e.message);
        };
        bad(&["#"], "customDetectors[0]");
        bad(&["ok##", "abc\\"], "customDetectors[1]");
        bad(&["a\u{7}b"], "control");
        bad(&[&"#".repeat(65)], "customDetectors[0]");
        bad(&vec!["##"; 21], "at most 20");
    }

    #[test]
    fn the_engine_applies_them_after_the_pii_detectors_to_unmasked_text_only() {
        use crate::privacy::{PrivacyConfig, PrivacyEngine, TextContext};
        let config = PrivacyConfig {
            custom_detectors: vec!["C-####".into()],
            ..Default::default()
        };
        let e = PrivacyEngine::new(config).unwrap();
        let raw = "Client C-1234, jean@example.fr";
        assert_eq!(
            e.text(raw, TextContext::Unmasked).as_str(),
            "Client [custom], [email]"
        );
        assert_eq!(
            e.text(raw, TextContext::Body).as_str(),
            "****** *-****, ****@*******.**"
        );
        assert!(e.policy().contains("customDetectors="), "{}", e.policy());
        assert_ne!(e.policy_digest(), PrivacyEngine::default().policy_digest());
    }

    proptest! {
        #[test]
        fn never_panics_and_replaces_every_planted_id(noise in "[a-z ,.]{0,40}", n in 1000u32..9999) {
            let c = d(&["C-####"]);
            let text = format!("{noise} C-{n} {noise}");
            let (out, count) = c.scrub(&text);
            prop_assert!(count >= 1);
            prop_assert!(!out.contains(&n.to_string()));
        }

        #[test]
        fn arbitrary_text_is_safe(s in "\\PC{0,200}") {
            let c = d(&["##", "@*@", "\\#*"]);
            let (out, _) = c.scrub(&s);
            prop_assert_eq!(c.scrub(&out).1, 0, "idempotent: {:?}", out);
        }
    }
}
