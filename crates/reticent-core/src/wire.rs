//! Serde helpers for rrweb's "discriminant inside the object" shapes.
//!
//! rrweb objects carry their kind as an integer field (`type` or `source`) next
//! to the payload fields. Serde's internally tagged enums only take string tags,
//! so each payload struct carries a [`Tag`] field (a constant written as an
//! integer) and the enums are serialised untagged: derived code then knows every
//! map's exact length, which rmp-serde needs to avoid buffering nested maps.
//!
//! Reading requires the tag to be the *first* key: the concrete payload type is
//! then known before its fields arrive and nothing is buffered. Our encoder
//! always writes it first (it is the first field of every payload struct).

use core::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A constant discriminant, written as the integer `N`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Tag<const N: u8>;

impl<const N: u8> Serialize for Tag<N> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(N)
    }
}

impl<'de, const N: u8> Deserialize<'de> for Tag<N> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u8::deserialize(d)?;
        if v == N {
            Ok(Tag)
        } else {
            Err(de::Error::custom(format_args!(
                "expected tag {N}, found {v}"
            )))
        }
    }
}

/// Reads the leading `tag_key` entry of a map and returns its value.
pub(crate) fn read_tag<'de, A: MapAccess<'de>>(
    map: &mut A,
    tag_key: &'static str,
) -> Result<u8, A::Error> {
    match map.next_key_seed(KeyIs(tag_key))? {
        Some(()) => map.next_value::<u8>(),
        None => Err(de::Error::missing_field(tag_key)),
    }
}

/// A map key that must be this one; read as an identifier, so it is compared
/// without being copied (every node and incremental event starts with one).
struct KeyIs(&'static str);

impl<'de> DeserializeSeed<'de> for KeyIs {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_identifier(self)
    }
}

impl<'de> Visitor<'de> for KeyIs {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "`{}` as the first key", self.0)
    }

    fn visit_str<E: de::Error>(self, k: &str) -> Result<(), E> {
        if k == self.0 {
            Ok(())
        } else {
            Err(E::custom(format_args!(
                "expected `{}` as the first key, found `{k}`",
                self.0
            )))
        }
    }
}

/// Deserialises the rest of a map (after the tag) as `T`.
pub(crate) fn rest<'de, A: MapAccess<'de>, T: Deserialize<'de>>(map: A) -> Result<T, A::Error> {
    T::deserialize(de::value::MapAccessDeserializer::new(map))
}

/// Implements `Deserialize` for an untagged-serialised enum whose variants are
/// told apart by a leading integer field.
macro_rules! deserialize_tag_first {
    ($enum:ident, $key:literal, { $($code:literal => $variant:ident($ty:ty)),* $(,)? }) => {
        impl<'de> serde::Deserialize<'de> for $enum {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct V;
                impl<'de> serde::de::Visitor<'de> for V {
                    type Value = $enum;
                    fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                        write!(f, "a map whose first key is `{}`", $key)
                    }
                    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<$enum, A::Error> {
                        match $crate::wire::read_tag(&mut map, $key)? {
                            $($code => $crate::wire::rest::<A, $ty>(map).map($enum::$variant),)*
                            other => Err(serde::de::Error::custom(format_args!(
                                "unsupported {} {}", $key, other
                            ))),
                        }
                    }
                }
                d.deserialize_map(V)
            }
        }
    };
}
pub(crate) use deserialize_tag_first;

/// `skip_serializing_if` helper.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}
