//! A small MessagePack writer: infallible, into a `Vec<u8>`.
//!
//! Why not rmp-serde: serde's `Serialize` machinery, instantiated for every
//! event type together with its error paths, was the largest part of the
//! WebAssembly module (see "Where the bytes go" in `docs/benchmarks.md`). This
//! writer emits byte for byte what `rmp_serde` with `with_struct_map()` emits
//! for the same values (the smallest encoding of every integer and length,
//! every `f64` as a float 64, structs as maps keyed by field name), so the
//! decoders see no difference; `tests.rs` compares the two on arbitrary
//! batches. Decoding stays with serde.

use crate::sorted_map::SortedMap;

/// A value that writes itself as MessagePack.
pub(crate) trait Encode {
    /// Appends the value to `out`.
    fn encode(&self, out: &mut Vec<u8>);
}

/// Appends `v` in the smallest unsigned encoding (as `rmp::encode::write_uint`).
pub(crate) fn write_uint(out: &mut Vec<u8>, v: u64) {
    if v < 128 {
        out.push(v as u8);
    } else if v < 1 << 8 {
        out.extend_from_slice(&[0xcc, v as u8]);
    } else if v < 1 << 16 {
        out.push(0xcd);
        out.extend_from_slice(&(v as u16).to_be_bytes());
    } else if v < 1 << 32 {
        out.push(0xce);
        out.extend_from_slice(&(v as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// Appends `v` in the smallest encoding (as `rmp::encode::write_sint`):
/// non-negative values take the unsigned forms, negative ones the signed forms.
pub(crate) fn write_sint(out: &mut Vec<u8>, v: i64) {
    if v >= 0 {
        write_uint(out, v as u64);
    } else if v >= -32 {
        out.push(v as u8);
    } else if v >= i8::MIN.into() {
        out.extend_from_slice(&[0xd0, v as u8]);
    } else if v >= i16::MIN.into() {
        out.push(0xd1);
        out.extend_from_slice(&(v as i16).to_be_bytes());
    } else if v >= i32::MIN.into() {
        out.push(0xd2);
        out.extend_from_slice(&(v as i32).to_be_bytes());
    } else {
        out.push(0xd3);
        out.extend_from_slice(&v.to_be_bytes());
    }
}

/// Appends a length header: the fix form (`fix` | len) below `fix_max`, then
/// the 16-bit and 32-bit forms whose markers are `m16` and `m16 + 1`. Strings
/// also have an 8-bit form, written by [`write_str`].
fn write_len(out: &mut Vec<u8>, len: usize, fix: u8, fix_max: usize, m16: u8) {
    if len < fix_max {
        out.push(fix | len as u8);
    } else if len <= u16::MAX as usize {
        out.push(m16);
        out.extend_from_slice(&(len as u16).to_be_bytes());
    } else {
        // Lengths past u32 cannot occur: wasm32 memory is 4 GiB and the
        // collector caps a batch at 16 MiB.
        out.push(m16 + 1);
        out.extend_from_slice(&(len as u32).to_be_bytes());
    }
}

/// Appends a string (fixstr, str 8, str 16 or str 32).
pub(crate) fn write_str(out: &mut Vec<u8>, s: &str) {
    let len = s.len();
    if (32..256).contains(&len) {
        out.extend_from_slice(&[0xd9, len as u8]);
    } else {
        write_len(out, len, 0xa0, 32, 0xda);
    }
    out.extend_from_slice(s.as_bytes());
}

/// Appends an array header of `len` items.
pub(crate) fn write_array_len(out: &mut Vec<u8>, len: usize) {
    write_len(out, len, 0x90, 16, 0xdc);
}

/// Appends a map header of `len` entries.
pub(crate) fn write_map_len(out: &mut Vec<u8>, len: usize) {
    write_len(out, len, 0x80, 16, 0xde);
}

/// A struct written as a map of field names to values, as serde derives it.
/// The header is patched at [`Fields::end`] with the number of fields actually
/// written, so skipped optional fields can never leave it wrong.
pub(crate) struct Fields<'a> {
    out: &'a mut Vec<u8>,
    at: usize,
    count: usize,
}

impl<'a> Fields<'a> {
    /// Starts a struct at the end of `out`.
    pub(crate) fn begin(out: &'a mut Vec<u8>) -> Self {
        let at = out.len();
        out.push(0x80);
        Fields { out, at, count: 0 }
    }

    /// Writes a field.
    pub(crate) fn field<T: Encode + ?Sized>(&mut self, name: &str, value: &T) -> &mut Self {
        write_str(self.out, name);
        value.encode(self.out);
        self.count += 1;
        self
    }

    /// Writes an optional field when it is set
    /// (`skip_serializing_if = "Option::is_none"`).
    pub(crate) fn some<T: Encode>(&mut self, name: &str, value: &Option<T>) -> &mut Self {
        match value {
            Some(v) => self.field(name, v),
            None => self,
        }
    }

    /// Writes a flag when it is true (`skip_serializing_if = "is_false"`).
    pub(crate) fn flag(&mut self, name: &str, value: bool) -> &mut Self {
        if value {
            self.field(name, &true);
        }
        self
    }

    /// Writes a list when it is not empty (`skip_serializing_if = "Vec::is_empty"`).
    pub(crate) fn items<T: Encode>(&mut self, name: &str, value: &[T]) -> &mut Self {
        if !value.is_empty() {
            self.field(name, value);
        }
        self
    }

    /// Writes the map header now that the field count is known. Every struct
    /// of the event model has fewer than 16 fields (one header byte); the
    /// map 16 form is still handled rather than assumed away (with two
    /// inserts: `Vec::splice` costs more code than this whole writer), and no
    /// struct has anywhere near 65536 fields.
    pub(crate) fn end(&mut self) {
        if self.count < 16 {
            self.out[self.at] = 0x80 | self.count as u8;
        } else {
            let [hi, lo] = (self.count as u16).to_be_bytes();
            self.out[self.at] = 0xde;
            self.out.insert(self.at + 1, lo);
            self.out.insert(self.at + 1, hi);
        }
    }
}

impl Encode for u8 {
    fn encode(&self, out: &mut Vec<u8>) {
        write_uint(out, (*self).into());
    }
}

impl Encode for u16 {
    fn encode(&self, out: &mut Vec<u8>) {
        write_uint(out, (*self).into());
    }
}

impl Encode for u32 {
    fn encode(&self, out: &mut Vec<u8>) {
        write_uint(out, (*self).into());
    }
}

impl Encode for u64 {
    fn encode(&self, out: &mut Vec<u8>) {
        write_uint(out, *self);
    }
}

impl Encode for i32 {
    fn encode(&self, out: &mut Vec<u8>) {
        write_sint(out, (*self).into());
    }
}

impl Encode for bool {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(if *self { 0xc3 } else { 0xc2 });
    }
}

/// Always a float 64, as rmp-serde writes `f64` (no narrowing to float 32).
impl Encode for f64 {
    fn encode(&self, out: &mut Vec<u8>) {
        out.push(0xcb);
        out.extend_from_slice(&self.to_bits().to_be_bytes());
    }
}

impl Encode for str {
    fn encode(&self, out: &mut Vec<u8>) {
        write_str(out, self);
    }
}

impl Encode for String {
    fn encode(&self, out: &mut Vec<u8>) {
        write_str(out, self);
    }
}

/// `None` is nil, `Some(v)` is `v` (serde's data model for options).
impl<T: Encode> Encode for Option<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        match self {
            Some(v) => v.encode(out),
            None => out.push(0xc0),
        }
    }
}

impl<T: Encode> Encode for [T] {
    fn encode(&self, out: &mut Vec<u8>) {
        write_array_len(out, self.len());
        for v in self {
            v.encode(out);
        }
    }
}

impl<T: Encode> Encode for Vec<T> {
    fn encode(&self, out: &mut Vec<u8>) {
        self.as_slice().encode(out);
    }
}

impl<V: Encode> Encode for SortedMap<V> {
    fn encode(&self, out: &mut Vec<u8>) {
        write_map_len(out, self.len());
        for (k, v) in self {
            write_str(out, k);
            v.encode(out);
        }
    }
}
