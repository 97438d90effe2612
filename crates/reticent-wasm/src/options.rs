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
//! defaults.

use reticent_core::privacy::PrivacyConfig;
use reticent_core::{CoreError, ErrorCode};
use serde::{Deserialize, Deserializer};
use wasm_bindgen::JsValue;

use crate::strict;

/// Everything a site configures in code.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct RecorderOptions {
    /// Privacy rules (`privacy`), validated by the core.
    #[serde(default, deserialize_with = "privacy")]
    pub privacy: PrivacyConfig,
}

fn privacy<'de, D: Deserializer<'de>>(d: D) -> Result<PrivacyConfig, D::Error> {
    strict::object(d, "options.privacy")
}

impl RecorderOptions {
    /// Reads and validates the options object passed from JavaScript.
    pub fn from_js(value: JsValue) -> Result<Self, CoreError> {
        Self::from_deserializer(serde_wasm_bindgen::Deserializer::from(value))
    }

    /// Reads and validates options from any serde source (JS, or JSON in tests).
    pub fn from_deserializer<'de, D: Deserializer<'de>>(d: D) -> Result<Self, CoreError> {
        let options: RecorderOptions =
            strict::object(d, strict::ROOT).map_err(|e| classify(&strict::plain(&e)))?;
        options.privacy.validate()?;
        Ok(options)
    }
}

/// Turns a located deserialisation message into a typed error.
fn classify(msg: &str) -> CoreError {
    let message = if strict::is_located(msg) {
        msg.to_owned()
    } else {
        format!("{}: {msg}", strict::ROOT)
    };
    // Located messages are `path: serde message`; the path holds only
    // declared field names, so the first `": "` ends it.
    let body = message.split_once(": ").map_or("", |(_, b)| b);
    let code = if body.starts_with("unknown field") {
        ErrorCode::UnknownOption
    } else {
        ErrorCode::InvalidOption
    };
    CoreError::new(code, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(v: serde_json::Value) -> Result<RecorderOptions, CoreError> {
        RecorderOptions::from_deserializer(v)
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
