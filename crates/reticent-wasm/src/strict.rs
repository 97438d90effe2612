//! Strict, path-naming reading of option objects, without serde.
//!
//! Why by hand: serde's derived visitors and serde-wasm-bindgen's error
//! messages (which format the offending number, pulling in float formatting)
//! were a large share of the WebAssembly module for an object of a dozen
//! keys. The reader works on any [`OptionValue`], so the same code reads a
//! JS value in the browser and a JSON value in native tests.
//!
//! Every error names the option: `options.privacy.mask[2]: invalid type:
//! number, expected a string`. Unknown keys are `UNKNOWN_OPTION`; wrong types
//! and unreadable values are `INVALID_OPTION`. Messages never echo a value the
//! site passed (only its type), except an unknown key's name, which the site
//! wrote as code.

use reticent_core::{CoreError, ErrorCode};

/// The root of every option path.
pub(crate) const ROOT: &str = "options";

/// The JavaScript types the reader tells apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// `undefined`
    Undefined,
    /// `null`
    Null,
    /// `true` / `false`
    Boolean,
    /// A number (or a bigint).
    Number,
    /// A string.
    String,
    /// An array (`Array.isArray`).
    Array,
    /// Any other object.
    Object,
    /// A function or a symbol.
    Other,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Undefined => "undefined",
            Kind::Null => "null",
            Kind::Boolean => "boolean",
            Kind::Number => "number",
            Kind::String => "string",
            Kind::Array => "array",
            Kind::Object => "object",
            Kind::Other => "function or symbol",
        }
    }
}

/// A read that threw (a getter or a proxy trap): the value cannot be trusted.
pub(crate) struct Unreadable;

/// The view of a value the reader needs. Reads return `Err(Unreadable)` when
/// the underlying access throws.
pub(crate) trait OptionValue: Sized {
    /// The value's type.
    fn kind(&self) -> Kind;
    /// Own enumerable string keys, in order (objects only).
    fn keys(&self) -> Result<Vec<String>, Unreadable>;
    /// The property `key` (objects only).
    fn get(&self, key: &str) -> Result<Self, Unreadable>;
    /// The length (arrays only).
    fn len(&self) -> Result<u32, Unreadable>;
    /// The item at `i` (arrays only).
    fn at(&self, i: u32) -> Result<Self, Unreadable>;
    /// The string, when the value is one.
    fn string(&self) -> Option<String>;
}

fn invalid(path: &str, message: &str) -> CoreError {
    CoreError::new(ErrorCode::InvalidOption, format!("{path}: {message}"))
}

fn wrong_type(path: &str, kind: Kind, expected: &str) -> CoreError {
    invalid(
        path,
        &format!("invalid type: {}, expected {expected}", kind.name()),
    )
}

fn unreadable(path: &str) -> CoreError {
    invalid(path, "could not be read (a getter or proxy threw)")
}

/// Reads the object at `path` key by key: `field(key, value)` reads a field
/// it declares and returns `Ok(false)` for a key it does not know, which is
/// refused as `UNKNOWN_OPTION` (`fields` lists the known ones for the
/// message). `null` and `undefined` read as no keys: the caller's defaults.
pub(crate) fn object<V: OptionValue>(
    value: &V,
    path: &str,
    fields: &[&str],
    mut field: impl FnMut(&str, V) -> Result<bool, CoreError>,
) -> Result<(), CoreError> {
    match value.kind() {
        Kind::Undefined | Kind::Null => return Ok(()),
        Kind::Object => {}
        other => return Err(wrong_type(path, other, "an object")),
    }
    let keys = value.keys().map_err(|_| unreadable(path))?;
    for key in keys {
        let v = value.get(&key).map_err(|_| unreadable(path))?;
        if !field(&key, v)? {
            return Err(CoreError::new(
                ErrorCode::UnknownOption,
                format!("{path}: unknown field `{key}`, {}", expected(fields)),
            ));
        }
    }
    Ok(())
}

/// serde's wording, which the messages kept: "expected `a`" or "expected one
/// of `a`, `b`".
fn expected(fields: &[&str]) -> String {
    let quoted: Vec<String> = fields.iter().map(|f| format!("`{f}`")).collect();
    match quoted.as_slice() {
        [one] => format!("expected {one}"),
        _ => format!("expected one of {}", quoted.join(", ")),
    }
}

/// Reads an array of strings at `path`; `undefined` is an empty list (an
/// absent option), anything else that is not an array is refused.
pub(crate) fn string_list<V: OptionValue>(value: &V, path: &str) -> Result<Vec<String>, CoreError> {
    match value.kind() {
        Kind::Undefined => return Ok(Vec::new()),
        Kind::Array => {}
        other => return Err(wrong_type(path, other, "an array of strings")),
    }
    let len = value.len().map_err(|_| unreadable(path))?;
    let mut out = Vec::with_capacity(len.min(128) as usize);
    for i in 0..len {
        let item = value
            .at(i)
            .map_err(|_| unreadable(&format!("{path}[{i}]")))?;
        match item.string() {
            Some(s) => out.push(s),
            None => return Err(wrong_type(&format!("{path}[{i}]"), item.kind(), "a string")),
        }
    }
    Ok(out)
}

/// A JavaScript value, read through `Reflect` and `Object.keys`; every read
/// that can run page code (getters, proxy traps) is caught.
mod js {
    use super::{Kind, OptionValue, Unreadable};
    use wasm_bindgen::prelude::*;

    #[wasm_bindgen]
    extern "C" {
        #[wasm_bindgen(js_namespace = Object, js_name = keys, catch)]
        fn object_keys(o: &JsValue) -> Result<js_sys::Array, JsValue>;
        // `Array.isArray` throws on a revoked proxy.
        #[wasm_bindgen(js_namespace = Array, js_name = isArray, catch)]
        fn is_array(v: &JsValue) -> Result<bool, JsValue>;
    }

    impl OptionValue for JsValue {
        fn kind(&self) -> Kind {
            if self.is_undefined() {
                Kind::Undefined
            } else if self.is_null() {
                Kind::Null
            } else if self.as_bool().is_some() {
                Kind::Boolean
            } else if self.as_f64().is_some() || self.is_bigint() {
                Kind::Number
            } else if self.is_string() {
                Kind::String
            } else if is_array(self).unwrap_or(false) {
                Kind::Array
            } else if self.is_object() && !self.is_function() {
                // A revoked proxy lands here too: reading its keys throws,
                // and it is refused as unreadable.
                Kind::Object
            } else {
                Kind::Other
            }
        }

        fn keys(&self) -> Result<Vec<String>, Unreadable> {
            let keys = object_keys(self).map_err(|_| Unreadable)?;
            // `Object.keys` gives strings only.
            Ok(keys.iter().filter_map(|k| k.as_string()).collect())
        }

        fn get(&self, key: &str) -> Result<JsValue, Unreadable> {
            js_sys::Reflect::get(self, &JsValue::from_str(key)).map_err(|_| Unreadable)
        }

        fn len(&self) -> Result<u32, Unreadable> {
            let len =
                js_sys::Reflect::get(self, &JsValue::from_str("length")).map_err(|_| Unreadable)?;
            // A real array's length is an integer below 2^32; a proxy could
            // claim anything else, and is then refused.
            match len.as_f64() {
                Some(n) if n >= 0.0 && n <= u32::MAX as f64 && n.fract() == 0.0 => Ok(n as u32),
                _ => Err(Unreadable),
            }
        }

        fn at(&self, i: u32) -> Result<JsValue, Unreadable> {
            js_sys::Reflect::get_u32(self, i).map_err(|_| Unreadable)
        }

        fn string(&self) -> Option<String> {
            self.as_string()
        }
    }
}

/// A JSON value standing in for a JS value in native tests.
#[cfg(test)]
mod json {
    use super::{Kind, OptionValue, Unreadable};
    use serde_json::Value;

    impl OptionValue for Value {
        fn kind(&self) -> Kind {
            match self {
                Value::Null => Kind::Null,
                Value::Bool(_) => Kind::Boolean,
                Value::Number(_) => Kind::Number,
                Value::String(_) => Kind::String,
                Value::Array(_) => Kind::Array,
                Value::Object(_) => Kind::Object,
            }
        }

        fn keys(&self) -> Result<Vec<String>, Unreadable> {
            Ok(self
                .as_object()
                .map(|o| o.keys().cloned().collect())
                .unwrap_or_default())
        }

        fn get(&self, key: &str) -> Result<Value, Unreadable> {
            Ok(self.get(key).cloned().unwrap_or(Value::Null))
        }

        fn len(&self) -> Result<u32, Unreadable> {
            Ok(self.as_array().map_or(0, |a| a.len() as u32))
        }

        fn at(&self, i: u32) -> Result<Value, Unreadable> {
            Ok(self.get(i as usize).cloned().unwrap_or(Value::Null))
        }

        fn string(&self) -> Option<String> {
            self.as_str().map(str::to_owned)
        }
    }
}
