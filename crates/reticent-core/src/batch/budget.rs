//! The decode budget: how much memory a batch may take once decoded.
//!
//! The inflated MessagePack is capped (`max_decompressed`), but what it decodes
//! to is not proportional to its size. The two bytes `a0 a0` (an attribute
//! `"" → ""`) become two 24-byte `String`s in a list; a few bytes of event
//! become a 144-byte `Event`. 16 MiB of such items took about 800 MB before
//! this budget, and a batch refused later for its schema had reached 417 MB
//! first.
//!
//! So the decoder runs behind [`Metered`], a pass-through serde `Deserializer`
//! that charges a [`Budget`] for what decoding allocates, as it goes:
//!
//! - each array, and each map read as a collection (entry by entry,
//!   `next_entry`: what `SortedMap`, `Attributes` and serde's maps do), the
//!   slots its list reserves for its items: `size_of` the values they become,
//!   as many as a `Vec` holds room for (the length it is told, then doubling:
//!   see [`Items`]). A struct written as an array, which the recorder never
//!   does, is charged for its fields as well: an over-count only hostile
//!   input pays;
//! - nothing for a map read key by key (`next_key`, `next_value`): those are
//!   a struct's fields, derived or hand-written, inside their parent's slot,
//!   already charged; and a struct refuses unknown or repeated keys, so such
//!   a map cannot grow;
//! - each string and byte string, its length (its heap copy), except
//!   identifiers (struct keys, compared and dropped).
//!
//! What decoding allocates is then what was charged, within a half: while a
//! `Vec` moves to a buffer twice as large, both exist (and small strings cost
//! the allocator more than their length). The length a collection announces
//! is capped at [`PREALLOC_ITEMS`] before the visitor sees it, so a length
//! header cannot reserve memory its items never pay for. Past the budget the
//! decode stops at once, before the list grows, and `Batch::from_msgpack`
//! answers `TooLarge`.
//!
//! Wrapping serde is the cheapest place to count: the event model's derived
//! and hand-written `Deserialize` impls all go through it, so every collection
//! type (lists of nodes or of small integers, string maps, strings) is charged
//! without per-type code, and a type added later is charged too.

use core::cell::Cell;
use core::fmt;
use core::mem::size_of;

use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, VariantAccess, Visitor,
};

/// Largest length a collection may announce to the visitor building it
/// (serde's `Vec` reserves what it is told, up to 1 MiB per list). Longer
/// lists grow as their items arrive, each of which is charged.
const PREALLOC_ITEMS: usize = 16;

/// Bytes a decode may still charge.
pub(super) struct Budget {
    limit: usize,
    left: Cell<usize>,
    exceeded: Cell<bool>,
}

impl Budget {
    /// A budget of `limit` bytes.
    pub(super) fn new(limit: usize) -> Self {
        Budget {
            limit,
            left: Cell::new(limit),
            exceeded: Cell::new(false),
        }
    }

    /// Whether a charge went past the limit (the decode error it caused is
    /// then a size refusal, not a schema mismatch).
    pub(super) fn exceeded(&self) -> bool {
        self.exceeded.get()
    }

    /// Bytes charged so far.
    pub(super) fn spent(&self) -> usize {
        self.limit - self.left.get()
    }

    fn charge<E: de::Error>(&self, bytes: usize) -> Result<(), E> {
        match self.left.get().checked_sub(bytes) {
            Some(left) => {
                self.left.set(left);
                Ok(())
            }
            None => {
                self.exceeded.set(true);
                Err(E::custom("the decoded batch exceeds its memory budget"))
            }
        }
    }
}

/// A serde deserializer, visitor, seed or access that charges `budget` and
/// wraps whatever it hands on, so nested values are charged too.
pub(super) struct Metered<'b, T> {
    inner: T,
    budget: &'b Budget,
    /// Whether a string visited here is charged (not for identifiers).
    strings: bool,
}

impl<'b, T> Metered<'b, T> {
    /// Wraps `inner`.
    pub(super) fn new(inner: T, budget: &'b Budget) -> Self {
        Metered {
            inner,
            budget,
            strings: true,
        }
    }

    fn wrap<U>(&self, inner: U) -> Metered<'b, U> {
        Metered::new(inner, self.budget)
    }
}

/// `deserialize_*` methods that take only a visitor.
macro_rules! forward_deserialize {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Self::Error> {
            let visitor = self.wrap(visitor);
            self.inner.$method(visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Metered<'_, D> {
    type Error = D::Error;

    forward_deserialize!(
        deserialize_any deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32
        deserialize_i64 deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32
        deserialize_u64 deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char
        deserialize_str deserialize_string deserialize_bytes deserialize_byte_buf
        deserialize_option deserialize_unit deserialize_seq deserialize_map
        deserialize_ignored_any
    );

    /// A struct key is compared and dropped: its string is not charged.
    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, D::Error> {
        let mut visitor = self.wrap(visitor);
        visitor.strings = false;
        self.inner.deserialize_identifier(visitor)
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor);
        self.inner.deserialize_unit_struct(name, visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor);
        self.inner.deserialize_newtype_struct(name, visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor);
        self.inner.deserialize_tuple(len, visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        len: usize,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor);
        self.inner.deserialize_tuple_struct(name, len, visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor);
        self.inner.deserialize_struct(name, fields, visitor)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        let visitor = self.wrap(visitor);
        self.inner.deserialize_enum(name, variants, visitor)
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

/// `visit_*` methods of values that own no heap memory.
macro_rules! forward_visit {
    ($($method:ident($ty:ty))*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

/// `visit_*` methods of strings and byte strings: charged their length.
macro_rules! charged_visit {
    ($($method:ident($ty:ty))*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<V::Value, E> {
            if self.strings {
                self.budget.charge::<E>(v.len())?;
            }
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Metered<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visit!(
        visit_bool(bool) visit_i8(i8) visit_i16(i16) visit_i32(i32) visit_i64(i64)
        visit_i128(i128) visit_u8(u8) visit_u16(u16) visit_u32(u32) visit_u64(u64)
        visit_u128(u128) visit_f32(f32) visit_f64(f64) visit_char(char)
    );

    charged_visit!(
        visit_str(&str) visit_borrowed_str(&'de str) visit_string(String)
        visit_bytes(&[u8]) visit_borrowed_bytes(&'de [u8]) visit_byte_buf(Vec<u8>)
    );

    fn visit_none<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<V::Value, E> {
        self.inner.visit_unit()
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        let d = self.wrap(d);
        self.inner.visit_some(d)
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<V::Value, D::Error> {
        let d = self.wrap(d);
        self.inner.visit_newtype_struct(d)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<V::Value, A::Error> {
        let told = seq.size_hint();
        self.inner.visit_seq(Items::new(seq, told, self.budget))
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<V::Value, A::Error> {
        let told = map.size_hint();
        self.inner.visit_map(Items::new(map, told, self.budget))
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<V::Value, A::Error> {
        let data = self.wrap(data);
        self.inner.visit_enum(data)
    }
}

impl<'de, T: DeserializeSeed<'de>> DeserializeSeed<'de> for Metered<'_, T> {
    type Value = T::Value;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<T::Value, D::Error> {
        let d = self.wrap(d);
        self.inner.deserialize(d)
    }
}

/// An array or map being read, charged for the slots its items take in the
/// collection built from it, as a `Vec` reserves them: first the length it is
/// told (capped), then twice as many each time it is full. Charging what is
/// reserved rather than what is used keeps the charge close to the real
/// allocation (a list of a million and one items holds room for two million).
pub(super) struct Items<'b, A> {
    inner: A,
    budget: &'b Budget,
    /// The length announced to the visitor, which it may reserve at once.
    told: Option<usize>,
    /// Items read so far.
    len: usize,
    /// Slots charged so far.
    room: usize,
}

impl<'b, A> Items<'b, A> {
    /// Wraps `inner`, whose header announced `told` items.
    fn new(inner: A, told: Option<usize>, budget: &'b Budget) -> Self {
        Items {
            inner,
            budget,
            told: told.map(|n| n.min(PREALLOC_ITEMS)),
            len: 0,
            room: 0,
        }
    }

    fn wrap<U>(&self, inner: U) -> Metered<'b, U> {
        Metered::new(inner, self.budget)
    }

    /// Charges one more item of `size` bytes, once it has been read (a
    /// list's end costs nothing).
    fn add<E: de::Error>(&mut self, size: usize) -> Result<(), E> {
        if self.len == self.room {
            let room = match self.told {
                Some(n) if self.room == 0 && n > 0 => n,
                // `Vec`'s growth: double, and at least 4 (its smallest
                // allocation for items of this model's sizes).
                _ => (self.room * 2).max(4),
            };
            self.budget
                .charge::<E>((room - self.room).saturating_mul(size))?;
            self.room = room;
        }
        self.len += 1;
        Ok(())
    }
}

impl<'de, A: SeqAccess<'de>> SeqAccess<'de> for Items<'_, A> {
    type Error = A::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, A::Error> {
        let item = self.inner.next_element_seed(self.wrap(seed))?;
        if item.is_some() {
            self.add::<A::Error>(size_of::<T::Value>())?;
        }
        Ok(item)
    }

    fn size_hint(&self) -> Option<usize> {
        self.told
    }
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Items<'_, A> {
    type Error = A::Error;

    /// A struct's key: not charged (see the module documentation).
    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        self.inner.next_key_seed(self.wrap(seed))
    }

    /// A struct's field: not charged (see the module documentation).
    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.inner.next_value_seed(self.wrap(seed))
    }

    /// A collection's entry: charged its slot once it is there.
    fn next_entry_seed<K: DeserializeSeed<'de>, S: DeserializeSeed<'de>>(
        &mut self,
        key: K,
        value: S,
    ) -> Result<Option<(K::Value, S::Value)>, A::Error> {
        let entry = self
            .inner
            .next_entry_seed(self.wrap(key), self.wrap(value))?;
        if entry.is_some() {
            self.add::<A::Error>(size_of::<(K::Value, S::Value)>())?;
        }
        Ok(entry)
    }

    fn size_hint(&self) -> Option<usize> {
        self.told
    }
}

impl<'b, 'de, A: EnumAccess<'de>> EnumAccess<'de> for Metered<'b, A> {
    type Error = A::Error;
    type Variant = Metered<'b, A::Variant>;

    fn variant_seed<S: DeserializeSeed<'de>>(
        self,
        seed: S,
    ) -> Result<(S::Value, Self::Variant), A::Error> {
        let budget = self.budget;
        let (tag, variant) = self.inner.variant_seed(Metered::new(seed, budget))?;
        Ok((tag, Metered::new(variant, budget)))
    }
}

impl<'de, A: VariantAccess<'de>> VariantAccess<'de> for Metered<'_, A> {
    type Error = A::Error;

    fn unit_variant(self) -> Result<(), A::Error> {
        self.inner.unit_variant()
    }

    fn newtype_variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<S::Value, A::Error> {
        let seed = self.wrap(seed);
        self.inner.newtype_variant_seed(seed)
    }

    fn tuple_variant<V: Visitor<'de>>(self, len: usize, visitor: V) -> Result<V::Value, A::Error> {
        let visitor = self.wrap(visitor);
        self.inner.tuple_variant(len, visitor)
    }

    fn struct_variant<V: Visitor<'de>>(
        self,
        fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, A::Error> {
        let visitor = self.wrap(visitor);
        self.inner.struct_variant(fields, visitor)
    }
}
