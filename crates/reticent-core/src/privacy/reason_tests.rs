//! The trigger reason: free text from site code, scrubbed and capped.

use super::*;
use proptest::prelude::*;

fn engine(custom: &[&str]) -> PrivacyEngine {
    PrivacyEngine::new(PrivacyConfig {
        custom_detectors: custom.iter().map(|s| (*s).to_owned()).collect(),
        ..PrivacyConfig::default()
    })
    .unwrap()
}

#[test]
fn a_plain_label_passes() {
    assert_eq!(
        engine(&[]).trigger_reason("checkout-failed").as_str(),
        "checkout-failed"
    );
    assert_eq!(engine(&[]).trigger_reason("").as_str(), "");
}

#[test]
fn pii_is_replaced_by_the_detectors() {
    let r = engine(&[])
        .trigger_reason("payment failed for jane.doe@example.com card 4111 1111 1111 1111");
    assert!(!r.as_str().contains("jane.doe"), "{}", r.as_str());
    assert!(!r.as_str().contains("4111"), "{}", r.as_str());
    assert!(
        r.as_str().starts_with("payment failed for "),
        "{}",
        r.as_str()
    );
}

#[test]
fn the_site_custom_detectors_apply() {
    let r = engine(&["ORD-######"]).trigger_reason("refund ORD-123456");
    assert_eq!(r.as_str(), format!("refund {CUSTOM_LABEL}"));
}

#[test]
fn control_characters_become_spaces() {
    assert_eq!(engine(&[]).trigger_reason("a\nb\u{0}c").as_str(), "a b c");
}

#[test]
fn long_reasons_are_cut_and_huge_ones_not_read() {
    let e = engine(&[]);
    let long = "word ".repeat(100);
    assert_eq!(
        e.trigger_reason(&long).as_str().chars().count(),
        MAX_REASON_CHARS
    );
    let huge = format!(
        "{} jane.doe@example.com",
        "x".repeat(MAX_REASON_INPUT_CHARS)
    );
    assert_eq!(e.trigger_reason(&huge).as_str(), REASON_TOO_LONG);
}

#[test]
fn a_cut_through_a_digit_run_is_scrubbed_again() {
    // 30 digits are no card, but the 16 the cut keeps are a Luhn-valid one.
    let e = engine(&[]);
    let raw = format!(
        "{}411111111111111100000000000000",
        "y".repeat(MAX_REASON_CHARS - 16)
    );
    let r = e.trigger_reason(&raw);
    assert!(!r.as_str().contains("4111111111111111"), "{}", r.as_str());
}

proptest! {
    #[test]
    fn never_longer_than_the_cap_and_free_of_detected_pii(raw in "\\PC{0,400}") {
        let e = engine(&[]);
        let r = e.trigger_reason(&raw);
        prop_assert!(r.as_str().chars().count() <= MAX_REASON_CHARS.max(REASON_TOO_LONG.len()));
        prop_assert!(find_pii(r.as_str()).is_empty(), "{:?}", r.as_str());
    }
}
