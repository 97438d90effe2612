//! Rendered sizes as CSS pixel text (`rr_width`, `rr_height` of blocked
//! elements).
//!
//! Written with integers because formatting an `f64` (`Display`) costs about
//! 14 KiB of WebAssembly, more than the rest of the privacy engine's text
//! handling. For every size up to [`MAX_PX`] the text is what
//! `format!("{}px", rounded)` wrote before (the tests compare the two).

/// Sizes above this are clamped: no element is a billion pixels wide, and
/// below it hundredths of a pixel stay exact in an `f64`.
const MAX_PX: f64 = 1e9;

/// `v` rounded to hundredths of a pixel, without trailing zeros: `12.5px`,
/// `300px`. A size that is not finite and positive is `0px`.
pub(super) fn css_px(v: f64) -> String {
    let cents = if v.is_finite() && v > 0.0 {
        // In 0..=1e11 after the clamp: the cast is exact.
        (v.min(MAX_PX) * 100.0).round() as u64
    } else {
        0
    };
    let (whole, frac) = (cents / 100, cents % 100);
    if frac == 0 {
        format!("{whole}px")
    } else if frac % 10 == 0 {
        format!("{whole}.{}px", frac / 10)
    } else {
        format!("{whole}.{frac:02}px")
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What the engine wrote before: the size rounded to hundredths, then
    /// formatted by `f64`'s `Display`.
    fn by_display(v: f64) -> String {
        let rounded = if v.is_finite() && v > 0.0 {
            (v * 100.0).round() / 100.0
        } else {
            0.0
        };
        format!("{rounded}px")
    }

    #[test]
    fn examples_and_edges() {
        assert_eq!(css_px(300.0), "300px");
        assert_eq!(css_px(12.5), "12.5px");
        assert_eq!(css_px(0.125), "0.13px");
        assert_eq!(css_px(99.999), "100px");
        assert_eq!(css_px(0.004), "0px");
        for v in [0.0, -0.0, -5.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
            assert_eq!(css_px(v), "0px", "{v}");
        }
        assert_eq!(css_px(1e300), "1000000000px");
    }

    proptest! {
        #[test]
        fn same_text_as_display(v in 0.0f64..MAX_PX, small in 0.0f64..2000.0, cents in 0u64..10_000_000) {
            prop_assert_eq!(css_px(v), by_display(v));
            prop_assert_eq!(css_px(small), by_display(small));
            let exact = cents as f64 / 100.0;
            prop_assert_eq!(css_px(exact), by_display(exact));
        }
    }
}
