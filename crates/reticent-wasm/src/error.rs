//! Errors as they reach JavaScript: a real `Error` named `ReticentError`
//! whose `code` property is the core's stable [`ErrorCode`] string.

use std::fmt;

use reticent_core::{CoreError, ErrorCode};
use wasm_bindgen::JsValue;

/// The error every exported method throws: a [`CoreError`] that becomes a JS
/// `Error` with `name = "ReticentError"`, the core message as `message`, and
/// `code` set to [`ErrorCode::as_str`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReticentError(CoreError);

impl ReticentError {
    /// A new error with `code` and a one-line message.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ReticentError(CoreError::new(code, message))
    }

    /// The stable code.
    pub fn code(&self) -> ErrorCode {
        self.0.code
    }

    /// The human message (names the option or the fault).
    pub fn message(&self) -> &str {
        &self.0.message
    }
}

impl From<CoreError> for ReticentError {
    fn from(e: CoreError) -> Self {
        ReticentError(e)
    }
}

impl fmt::Display for ReticentError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for ReticentError {}

impl From<ReticentError> for JsValue {
    fn from(e: ReticentError) -> JsValue {
        let err = js_sys::Error::new(&e.0.message);
        err.set_name("ReticentError");
        // Setting a property on a fresh ordinary object cannot fail; if it
        // somehow did, the error still carries its name and message.
        let _ = js_sys::Reflect::set(
            &err,
            &JsValue::from_str("code"),
            &JsValue::from_str(e.0.code.as_str()),
        );
        err.into()
    }
}
