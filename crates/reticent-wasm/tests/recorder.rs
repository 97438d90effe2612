//! The exported API in a real browser: consent, batches, errors.

mod common;

use common::*;
use reticent_core::batch::{is_valid_id, FORMAT_VERSION};
use reticent_core::privacy::{PrivacyConfig, PrivacyEngine};
use reticent_wasm::{Recorder, ReticentError};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The error as JavaScript sees it: checks name, code and message.
fn assert_js_error(err: ReticentError, code: &str, message_contains: &str) {
    let js = JsValue::from(err);
    let e = js.dyn_ref::<js_sys::Error>().expect("a real Error");
    assert_eq!(String::from(e.name()), "ReticentError");
    let message = String::from(e.message());
    assert!(message.contains(message_contains), "{message}");
    let got = js_sys::Reflect::get(&js, &JsValue::from_str("code")).unwrap();
    assert_eq!(got.as_string().as_deref(), Some(code), "{message}");
}

#[wasm_bindgen_test]
fn nothing_before_consent() {
    let mut r = Recorder::new(options("{}")).unwrap();
    assert_eq!(r.consent_state(), "unknown");
    assert_eq!(r.pending_events(), 0);
    assert_eq!(r.take_batch(None).unwrap(), None);
}

#[wasm_bindgen_test]
fn undefined_and_null_options_mean_defaults() {
    assert!(Recorder::new(JsValue::UNDEFINED).is_ok());
    assert!(Recorder::new(JsValue::NULL).is_ok());
    assert!(Recorder::new(options(r#"{"privacy":null}"#)).is_ok());
}

#[wasm_bindgen_test]
fn grant_buffers_meta_and_snapshot_then_take_empties() {
    let mut r = granted();
    assert_eq!(r.consent_state(), "granted");
    assert_eq!(r.pending_events(), 2);
    let batch = take(&mut r);
    assert_eq!(batch.version, FORMAT_VERSION);
    assert_eq!(batch.session_id, "s-1");
    assert_eq!(batch.page_view_id, "pv-1");
    assert_eq!(batch.sequence, 0);
    let engine = PrivacyEngine::new(PrivacyConfig::default()).unwrap();
    assert_eq!(batch.policy, engine.policy());
    assert_eq!(batch.policy_digest, engine.policy_digest());
    assert_eq!(batch.start_time, batch.events[0].timestamp);
    assert_eq!(r.pending_events(), 0);
    assert_eq!(r.take_batch(None).unwrap(), None);
}

#[wasm_bindgen_test]
fn granting_again_is_a_no_op() {
    let mut r = granted();
    let _ = take(&mut r);
    // Even with ids that would be refused: nothing happens while granted.
    r.grant_consent(JsValue::from_str(""), JsValue::from_str("pv-2"))
        .unwrap();
    grant(&mut r).unwrap();
    assert_eq!(r.pending_events(), 0);
    assert_eq!(r.take_batch(None).unwrap(), None);
}

#[wasm_bindgen_test]
fn withdraw_drops_the_buffer_and_regrant_starts_over() {
    let mut r = granted();
    assert_eq!(r.pending_events(), 2);
    r.withdraw_consent();
    assert_eq!(r.consent_state(), "denied");
    assert_eq!(r.pending_events(), 0);
    assert_eq!(r.take_batch(None).unwrap(), None);

    r.grant_consent(JsValue::from_str("s-2"), JsValue::from_str("pv-9"))
        .unwrap();
    let batch = take(&mut r);
    assert_eq!(batch.session_id, "s-2");
    assert_eq!(batch.page_view_id, "pv-9");
    assert_eq!(batch.sequence, 0);
    assert_eq!(
        snapshot(&batch).id(),
        1,
        "a new session numbers nodes from 1"
    );
}

#[wasm_bindgen_test]
fn withdraw_before_anything_never_throws() {
    let mut r = Recorder::new(options("{}")).unwrap();
    r.withdraw_consent();
    r.withdraw_consent();
    assert_eq!(r.consent_state(), "denied");
    assert_eq!(r.take_batch(None).unwrap(), None);
}

#[wasm_bindgen_test]
fn bad_ids_are_refused_and_consent_stays_closed() {
    let mut r = Recorder::new(options("{}")).unwrap();
    let err = r
        .grant_consent(JsValue::from_str("has space"), JsValue::from_str("pv-1"))
        .unwrap_err();
    assert!(!is_valid_id("has space"));
    assert_js_error(err, "INVALID_OPTION", "sessionId");
    let err = r
        .grant_consent(JsValue::from_str("s-1"), JsValue::from_f64(5.0))
        .unwrap_err();
    assert_js_error(err, "INVALID_OPTION", "pageViewId");
    let err = r
        .grant_consent(JsValue::UNDEFINED, JsValue::from_str("pv-1"))
        .unwrap_err();
    assert_js_error(err, "INVALID_OPTION", "sessionId");
    assert_eq!(r.consent_state(), "unknown");
    assert_eq!(r.take_batch(None).unwrap(), None);
}

#[wasm_bindgen_test]
fn unknown_options_throw_unknown_option() {
    let Err(err) = Recorder::new(options(r#"{"foo":1}"#)) else {
        panic!("accepted an unknown option");
    };
    assert_js_error(err, "UNKNOWN_OPTION", "options: unknown field `foo`");
    let Err(err) = Recorder::new(options(r#"{"privacy":{"maskAllText":false}}"#)) else {
        panic!("accepted an unknown privacy option");
    };
    assert_js_error(
        err,
        "UNKNOWN_OPTION",
        "options.privacy: unknown field `maskAllText`",
    );
}

#[wasm_bindgen_test]
fn invalid_options_throw_invalid_option() {
    let Err(err) = Recorder::new(options(r#"{"privacy":{"allowQueryParams":[""]}}"#)) else {
        panic!("accepted an empty parameter name");
    };
    assert_js_error(err, "INVALID_OPTION", "privacy.allowQueryParams[0]");
    let Err(err) = Recorder::new(options(r#"{"privacy":{"allowQueryParams":"page"}}"#)) else {
        panic!("accepted a string for a list");
    };
    assert_js_error(err, "INVALID_OPTION", "options.privacy.allowQueryParams: ");
    let Err(err) = Recorder::new(options(r#"{"privacy":{"allowQueryParams":[1]}}"#)) else {
        panic!("accepted a number for a name");
    };
    assert_js_error(
        err,
        "INVALID_OPTION",
        "options.privacy.allowQueryParams[0]: invalid type: number",
    );
    let Err(err) = Recorder::new(JsValue::from_f64(3.0)) else {
        panic!("accepted a number as options");
    };
    assert_js_error(err, "INVALID_OPTION", "options: ");
}

/// Runs `body` as a JS function and returns its result: values JSON cannot
/// express (undefined, getters, proxies).
fn js_value(body: &str) -> JsValue {
    js_sys::Function::new_no_args(body)
        .call0(&JsValue::NULL)
        .unwrap()
}

#[wasm_bindgen_test]
fn options_beyond_json_are_read_strictly() {
    // `undefined` means absent, for the options, `privacy` and a list.
    for body in [
        "return undefined",
        "return { privacy: undefined }",
        "return { privacy: { mask: undefined } }",
    ] {
        assert!(Recorder::new(js_value(body)).is_ok(), "{body}");
    }
    let cases = [
        (
            "return { privacy: { get mask() { throw new Error('no') } } }",
            "options.privacy: could not be read",
        ),
        (
            "return { privacy: new Proxy({}, { ownKeys() { throw new Error('no') } }) }",
            "options.privacy: could not be read",
        ),
        (
            "const p = Proxy.revocable({}, {}); p.revoke(); return { privacy: p.proxy }",
            "options.privacy: could not be read",
        ),
        (
            "return { privacy: { block: ['.a', { toString() { return '.b' } }] } }",
            "options.privacy.block[1]: invalid type: object, expected a string",
        ),
        (
            "return { privacy: () => ({}) }",
            "options.privacy: invalid type: function or symbol, expected an object",
        ),
        (
            "return { privacy: { mask: null } }",
            "options.privacy.mask: invalid type: null",
        ),
    ];
    for (body, message) in cases {
        let Err(err) = Recorder::new(js_value(body)) else {
            panic!("accepted {body}");
        };
        assert_js_error(err, "INVALID_OPTION", message);
    }
}

#[wasm_bindgen_test]
fn dropped_count_reaches_the_header() {
    let mut r = granted();
    let bytes = r.take_batch(Some(7)).unwrap().expect("a batch");
    let batch = reticent_core::batch::Batch::decode(&bytes, &Default::default()).unwrap();
    assert_eq!(batch.dropped, 7);
}

#[wasm_bindgen_test]
fn checkpoint_buffers_a_fresh_snapshot_only_with_consent() {
    let mut r = Recorder::new(options("{}")).unwrap();
    r.checkpoint().unwrap();
    assert_eq!(r.pending_events(), 0, "nothing before consent");
    grant(&mut r).unwrap();
    let first = take(&mut r);
    r.checkpoint().unwrap();
    let second = take(&mut r);
    assert_eq!(second.sequence, first.sequence + 1);
    let kinds: Vec<u8> = second.events.iter().map(|e| e.data.type_code()).collect();
    assert_eq!(kinds, vec![4, 2], "Meta then FullSnapshot");
    r.withdraw_consent();
    r.checkpoint().unwrap();
    assert_eq!(r.pending_events(), 0, "nothing after withdrawal");
}
