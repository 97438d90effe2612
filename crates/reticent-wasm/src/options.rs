//! The options object of `new Recorder(options)`.
//!
//! ```ts
//! new Recorder({
//!   privacy: {
//!     // Query parameters kept in recorded URLs, by exact name (1–64 characters
//!     // of letters, digits, `- _ . [ ]`). Every other parameter and the
//!     // fragment are removed. Default: none.
//!     allowQueryParams: ["page"],
//!     // CSS selectors (at most 100 per list, each 1–1024 characters, parsed
//!     // by the browser on a detached fragment; a selector that does not
//!     // parse is `INVALID_OPTION`). The nearest element with a rule decides;
//!     // at the same element block > mask > unmask (docs/privacy.md).
//!     unmaskText: [".product-title"],  // text in clear, after PII detectors
//!     unmaskInputs: ["#search"],       // form values in clear, after detectors
//!     mask: [".customer"],             // masked even inside unmasked parts
//!     block: [".chat-widget"],         // same-size placeholder, never read
//!     ignore: [".otp"],                // input events dropped
//!     // Path patterns (`/` first, `*` = any characters) matched against the
//!     // sanitised path: nothing is recorded on these pages.
//!     excludePages: ["/checkout/*"],
//!     // The site's identifiers, replaced by `[custom]` in unmasked values
//!     // (`#` digit, `@` letter, `*` letter or digit, `\x` literal).
//!     customDetectors: ["C-####"],
//!   },
//! });
//! ```
//!
//! Unknown keys are refused at every level (`UNKNOWN_OPTION`); wrong types and
//! invalid values are `INVALID_OPTION`. Messages name the option. An absent,
//! `null` or `undefined` object (the whole options, or `privacy`) means its
//! defaults; an absent or `undefined` list is empty, a `null` one is refused.
//! A getter or proxy that throws while the options are read is
//! `INVALID_OPTION`. Read by hand, not by serde (see `strict.rs`).

use reticent_core::privacy::PrivacyConfig;
use reticent_core::CoreError;
use wasm_bindgen::JsValue;

use crate::strict::{self, OptionValue};

/// Everything a site configures in code.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RecorderOptions {
    /// Privacy rules (`privacy`), validated by the core.
    pub privacy: PrivacyConfig,
}

/// The keys of `options.privacy`, as in `PrivacyConfig`'s camelCase names.
const PRIVACY_KEYS: [&str; 8] = [
    "allowQueryParams",
    "unmaskText",
    "unmaskInputs",
    "mask",
    "block",
    "ignore",
    "excludePages",
    "customDetectors",
];

impl RecorderOptions {
    /// Reads and validates the options object passed from JavaScript.
    pub fn from_js(value: JsValue) -> Result<Self, CoreError> {
        Self::read(&value)
    }

    /// Reads and validates options from any [`OptionValue`] (JS, or JSON in
    /// tests).
    pub(crate) fn read<V: OptionValue>(value: &V) -> Result<Self, CoreError> {
        let mut options = RecorderOptions::default();
        strict::object(value, strict::ROOT, &["privacy"], |key, v| {
            match key {
                "privacy" => options.privacy = read_privacy(&v)?,
                _ => return Ok(false),
            }
            Ok(true)
        })?;
        options.privacy.validate()?;
        Ok(options)
    }
}

fn read_privacy<V: OptionValue>(value: &V) -> Result<PrivacyConfig, CoreError> {
    const PATH: &str = "options.privacy";
    let mut c = PrivacyConfig::default();
    strict::object(value, PATH, &PRIVACY_KEYS, |key, v| {
        let list = match key {
            "allowQueryParams" => &mut c.allow_query_params,
            "unmaskText" => &mut c.unmask_text,
            "unmaskInputs" => &mut c.unmask_inputs,
            "mask" => &mut c.mask,
            "block" => &mut c.block,
            "ignore" => &mut c.ignore,
            "excludePages" => &mut c.exclude_pages,
            "customDetectors" => &mut c.custom_detectors,
            _ => return Ok(false),
        };
        *list = strict::string_list(&v, &format!("{PATH}.{key}"))?;
        Ok(true)
    })?;
    Ok(c)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reticent_core::ErrorCode;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> Result<RecorderOptions, CoreError> {
        RecorderOptions::read(&v)
    }

    #[test]
    fn defaults() {
        assert_eq!(parse(json!({})).unwrap(), RecorderOptions::default());
        assert_eq!(parse(json!(null)).unwrap(), RecorderOptions::default());
        assert_eq!(
            parse(json!({ "privacy": null })).unwrap(),
            RecorderOptions::default()
        );
        let o = parse(json!({ "privacy": { "allowQueryParams": ["page", "q"] } })).unwrap();
        assert_eq!(o.privacy.allow_query_params, ["page", "q"]);
    }

    #[test]
    fn unknown_keys_are_named_at_every_level() {
        let e = parse(json!({ "foo": 1 })).unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownOption);
        assert!(e.message.starts_with("options: unknown field `foo`"), "{e}");

        let e = parse(json!({ "privacy": { "maskAll": false } })).unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownOption);
        assert!(
            e.message
                .starts_with("options.privacy: unknown field `maskAll`"),
            "{e}"
        );
    }

    #[test]
    fn wrong_types_name_the_field() {
        let e = parse(json!({ "privacy": { "allowQueryParams": 1 } })).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOption);
        assert!(
            e.message
                .starts_with("options.privacy.allowQueryParams: invalid type"),
            "{e}"
        );

        let e = parse(json!({ "privacy": 5 })).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOption);
        assert!(
            e.message.starts_with("options.privacy: invalid type"),
            "{e}"
        );

        let e = parse(json!("yes")).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOption);
        assert!(e.message.starts_with("options: invalid type"), "{e}");
    }

    #[test]
    fn the_reader_knows_every_privacy_option() {
        // serde's names for PrivacyConfig's fields: a field added to the core
        // must be read here too.
        let v = serde_json::to_value(PrivacyConfig::default()).unwrap();
        let mut names: Vec<&str> = v.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        let mut ours = PRIVACY_KEYS.to_vec();
        names.sort_unstable();
        ours.sort_unstable();
        assert_eq!(names, ours);
        for key in PRIVACY_KEYS {
            let valid = match key {
                "excludePages" => "/ok/*",
                "customDetectors" => "OK-##",
                _ => "ok",
            };
            let o = parse(json!({ "privacy": { key: [valid] } })).unwrap();
            let mut read = serde_json::to_value(&o.privacy).unwrap();
            assert_eq!(read[key], json!([valid]), "{key} read into its field");
            read[key] = json!([]);
            assert_eq!(
                read,
                serde_json::to_value(PrivacyConfig::default()).unwrap()
            );
        }
    }

    #[test]
    fn wrong_items_and_nulls_name_the_entry() {
        let e = parse(json!({ "privacy": { "mask": [".a", 1] } })).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOption);
        assert!(
            e.message
                .starts_with("options.privacy.mask[1]: invalid type: number, expected a string"),
            "{e}"
        );
        let e = parse(json!({ "privacy": { "ignore": null } })).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOption);
        assert!(
            e.message
                .starts_with("options.privacy.ignore: invalid type: null"),
            "{e}"
        );
        let e = parse(json!([])).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOption);
        assert!(e.message.starts_with("options: invalid type: array"), "{e}");
    }

    #[test]
    fn unknown_keys_list_the_known_ones() {
        let e = parse(json!({ "privacy": {}, "x": 1 })).unwrap_err();
        assert_eq!(e.message, "options: unknown field `x`, expected `privacy`");
        let e = parse(json!({ "privacy": { "masks": [] } })).unwrap_err();
        assert!(
            e.message.ends_with("expected one of `allowQueryParams`, `unmaskText`, `unmaskInputs`, `mask`, `block`, `ignore`, `excludePages`, `customDetectors`"),
            "{e}"
        );
    }

    #[test]
    fn a_value_that_looks_like_a_message_is_not_an_unknown_key() {
        let e = parse(json!({ "privacy": "unknown field" })).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOption, "{e}");
    }

    #[test]
    fn custom_detectors_parse_and_are_validated() {
        let o = parse(json!({ "privacy": { "customDetectors": ["C-####"] } })).unwrap();
        assert_eq!(o.privacy.custom_detectors, ["C-####"]);
        let e = parse(json!({ "privacy": { "customDetectors": ["ok##", "x\\"] } })).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOption);
        assert!(e.message.contains("privacy.customDetectors[1]"), "{e}");
    }

    #[test]
    fn rule_lists_parse_and_are_validated() {
        let o = parse(json!({ "privacy": {
            "unmaskText": [".a"], "unmaskInputs": ["#b"], "mask": ["c"],
            "block": ["d"], "ignore": ["e"], "excludePages": ["/x/*"]
        } }))
        .unwrap();
        assert_eq!(o.privacy.unmask_text, [".a"]);
        assert_eq!(o.privacy.exclude_pages, ["/x/*"]);
        let e = parse(json!({ "privacy": { "mask": [".a", ""] } })).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOption);
        assert!(e.message.contains("privacy.mask[1]"), "{e}");
        let e = parse(json!({ "privacy": { "excludePages": ["checkout"] } })).unwrap_err();
        assert!(e.message.contains("privacy.excludePages[0]"), "{e}");
        let e = parse(json!({ "privacy": { "block": "d" } })).unwrap_err();
        assert!(
            e.message.starts_with("options.privacy.block: invalid type"),
            "{e}"
        );
    }

    #[test]
    fn core_validation_applies() {
        let e = parse(json!({ "privacy": { "allowQueryParams": [""] } })).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidOption);
        assert!(e.message.contains("privacy.allowQueryParams[0]"), "{e}");
    }
}
