//! Masking of text and form values.

/// The glyph that replaces every character that is not whitespace or common
/// punctuation. It is not a letter or a digit, so a masked string can never
/// contain a run of letters or digits of its input.
pub const GLYPH: char = '*';

/// What every non-empty form value becomes: a fixed width, so the mask reveals
/// neither the length of what was typed nor the rhythm of typing.
pub const INPUT_MASK: &str = "********";

/// Masks text while keeping its layout: each character becomes [`GLYPH`]
/// except whitespace and ASCII punctuation (kept so lines still wrap and
/// sentences keep their shape). Letters, digits and symbols of any script are
/// replaced.
pub fn mask_text(raw: &str) -> String {
    // Every character maps to itself or to the one-byte GLYPH: the output is
    // never longer than the input, so one allocation holds it.
    let mut out = String::with_capacity(raw.len());
    for c in raw.chars() {
        out.push(
            if c.is_whitespace() || (c.is_ascii_punctuation() && !is_glyph_like(c)) {
                c
            } else {
                GLYPH
            },
        );
    }
    out
}

/// `*` in the input is itself replaced, so outputs stay uniform.
fn is_glyph_like(c: char) -> bool {
    c == GLYPH
}

/// Masks a form value: empty stays empty (an empty field looks empty in the
/// replay), anything else becomes [`INPUT_MASK`].
pub fn mask_input_value(raw: &str) -> &'static str {
    if raw.is_empty() {
        ""
    } else {
        INPUT_MASK
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn keeps_layout_but_not_content() {
        assert_eq!(mask_text("Jean Dupont, 42 ans."), "**** ******, ** ***.");
        assert_eq!(mask_text("Zoë\tcafé\n"), "***\t****\n");
        assert_eq!(mask_text("東京 🙂"), "** *");
    }

    #[test]
    fn input_mask_hides_length() {
        assert_eq!(
            mask_input_value("a"),
            mask_input_value("a very long secret value")
        );
        assert_eq!(mask_input_value(""), "");
    }

    /// Maximal runs of letters or digits of `s`.
    fn runs(s: &str) -> Vec<String> {
        s.split(|c: char| !c.is_alphanumeric())
            .filter(|r| !r.is_empty())
            .map(str::to_owned)
            .collect()
    }

    proptest! {
        #[test]
        fn masked_text_contains_no_run_of_the_input(s in "\\PC{0,80}") {
            let out = mask_text(&s);
            prop_assert!(runs(&out).is_empty(), "output has letters or digits: {out:?}");
            for r in runs(&s) {
                prop_assert!(!out.contains(&r));
            }
        }

        #[test]
        fn masked_text_keeps_char_count_and_whitespace(s in "\\PC{0,80}") {
            let out = mask_text(&s);
            prop_assert_eq!(out.chars().count(), s.chars().count());
            for (a, b) in s.chars().zip(out.chars()) {
                prop_assert_eq!(a.is_whitespace(), b.is_whitespace());
            }
        }

        #[test]
        fn input_mask_is_constant(s in "\\PC{1,200}") {
            prop_assert_eq!(mask_input_value(&s), INPUT_MASK);
        }
    }
}
