//! Typed errors. Each carries a stable [`ErrorCode`] that the binding turns
//! into the `code` of a JavaScript `ReticentError` and the server into an exit
//! status or an HTTP status.

use std::fmt;

/// Stable error codes, written as `SCREAMING_SNAKE_CASE` strings across the
/// JS boundary. Add codes, never rename them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// An option has the wrong type, range or form; the message names it.
    InvalidOption,
    /// An option that does not exist.
    UnknownOption,
    /// Input is not gzip, or the gzip stream is corrupt or truncated.
    BadCompression,
    /// Input is larger than allowed, compressed or once decompressed.
    TooLarge,
    /// The MessagePack value does not match the batch schema (or nests too deep).
    BadPayload,
    /// The batch declares a format version this build does not read.
    UnsupportedVersion,
    /// Encoding failed (should not happen; reported rather than panicking).
    Encode,
    /// The recorder was used in a state that does not allow the call.
    InvalidState,
    /// A browser API failed in a way the recorder could not recover from.
    Internal,
}

impl ErrorCode {
    /// The code as written in JS errors, JSON bodies and logs.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidOption => "INVALID_OPTION",
            ErrorCode::UnknownOption => "UNKNOWN_OPTION",
            ErrorCode::BadCompression => "BAD_COMPRESSION",
            ErrorCode::TooLarge => "TOO_LARGE",
            ErrorCode::BadPayload => "BAD_PAYLOAD",
            ErrorCode::UnsupportedVersion => "UNSUPPORTED_VERSION",
            ErrorCode::Encode => "ENCODE",
            ErrorCode::InvalidState => "INVALID_STATE",
            ErrorCode::Internal => "INTERNAL",
        }
    }
}

/// An error of the core with its code and a one-line message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CoreError {
    /// The stable code.
    pub code: ErrorCode,
    /// A one-line human message (names the option or the fault).
    pub message: String,
}

impl CoreError {
    /// A new error.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        CoreError {
            code,
            message: message.into(),
        }
    }
}

impl fmt::Display for CoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code.as_str(), self.message)
    }
}

impl std::error::Error for CoreError {}
