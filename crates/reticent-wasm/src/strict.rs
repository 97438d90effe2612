//! Strict, path-naming deserialisation of option objects.
//!
//! Two things serde and serde-wasm-bindgen do not give on their own:
//!
//! - serde-wasm-bindgen's `deserialize_struct` reads only the fields a struct
//!   declares, so `deny_unknown_fields` never sees an unknown key. Objects are
//!   therefore read here with `deserialize_map` (every own key, via
//!   `Object.entries`) and handed to the derived `Deserialize` as a map.
//! - serde's messages do not say *where* the fault is. Every error that leaves
//!   an object read here starts with the dotted path of that object or field
//!   (`options.privacy.allowQueryParams: invalid type: …`), so the message
//!   names the option.

use std::fmt;
use std::marker::PhantomData;

use serde::de::value::MapAccessDeserializer;
use serde::de::{DeserializeSeed, Deserializer, Error, IntoDeserializer, MapAccess, Visitor};
use serde::Deserialize;

/// The root of every path, and the prefix that marks a message as located.
pub(crate) const ROOT: &str = "options";

/// Reads `T` from the object `d`, refusing unknown keys, with errors prefixed
/// by `path` (a dotted path starting with [`ROOT`]). `null`/`undefined` give
/// `T::default()`: an absent group of options.
pub(crate) fn object<'de, D, T>(d: D, path: &'static str) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de> + Default,
{
    d.deserialize_option(Nullable {
        path,
        _t: PhantomData,
    })
    .map_err(|e| locate(path, e))
}

struct Nullable<T> {
    path: &'static str,
    _t: PhantomData<T>,
}

impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for Nullable<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_none<E: Error>(self) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_unit<E: Error>(self) -> Result<T, E> {
        Ok(T::default())
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<T, D::Error> {
        d.deserialize_map(Strict {
            path: self.path,
            _t: PhantomData,
        })
    }
}

struct Strict<T> {
    path: &'static str,
    _t: PhantomData<T>,
}

impl<'de, T: Deserialize<'de>> Visitor<'de> for Strict<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
        T::deserialize(MapAccessDeserializer::new(Keyed {
            inner: map,
            path: self.path,
            key: String::new(),
        }))
    }
}

/// A map whose errors say which key they are about.
struct Keyed<A> {
    inner: A,
    path: &'static str,
    key: String,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Keyed<A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        let Some(key) = self.inner.next_key::<String>()? else {
            return Ok(None);
        };
        // An unknown key fails here, in the struct's field visitor.
        let value = seed.deserialize(key.as_str().into_deserializer())?;
        self.key = key;
        Ok(Some(value))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, A::Error> {
        self.inner.next_value_seed(seed).map_err(|e| {
            let msg = plain(&e);
            if is_located(&msg) {
                A::Error::custom(msg)
            } else {
                // The key is a field the struct declared (unknown keys failed
                // in `next_key_seed`), so the path holds no page-supplied text.
                A::Error::custom(format_args!("{}.{}: {msg}", self.path, self.key))
            }
        })
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

/// Prefixes an error with `path` unless it already names a deeper one.
fn locate<E: Error>(path: &str, e: E) -> E {
    let msg = plain(&e);
    if is_located(&msg) {
        E::custom(msg)
    } else {
        E::custom(format_args!("{path}: {msg}"))
    }
}

/// The message of an error. serde-wasm-bindgen's errors are JS `Error`s whose
/// `Display` is `String(error)`, i.e. `"Error: <message>"`; the prefix goes.
pub(crate) fn plain(e: &dyn fmt::Display) -> String {
    let s = e.to_string();
    match s.strip_prefix("Error: ") {
        Some(rest) => rest.to_owned(),
        None => s,
    }
}

/// Whether `msg` starts with a path this module wrote (`options…: `).
pub(crate) fn is_located(msg: &str) -> bool {
    match msg.split_once(": ") {
        Some((path, _)) => {
            path.split('.').next() == Some(ROOT)
                && path
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'.' || b == b'_')
        }
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn located_messages() {
        assert!(is_located("options: unknown field `foo`"));
        assert!(is_located("options.privacy.allowQueryParams: invalid type"));
        assert!(!is_located(
            "invalid type: integer `1`, expected a sequence"
        ));
        assert!(!is_located("optionsX: y"));
        assert!(!is_located("options"));
    }

    #[test]
    fn plain_strips_the_js_error_prefix() {
        assert_eq!(plain(&"Error: unknown field `a`"), "unknown field `a`");
        assert_eq!(plain(&"unknown field `a`"), "unknown field `a`");
    }
}
