//! The hand-written encoder against rmp-serde: the same bytes for arbitrary
//! batches, and the same encodings at every length and integer boundary.

use super::msgpack::{
    write_array_len, write_map_len, write_sint, write_str, write_uint, Encode, Fields,
};
use super::tests::batch;
use super::Batch;
use proptest::prelude::*;
use serde::Serialize;

/// What serde writes for `v` through rmp-serde with field names, as the
/// encoder did before it was written by hand.
fn rmp_serde_bytes<T: Serialize>(v: &T) -> Vec<u8> {
    let mut buf = Vec::new();
    v.serialize(&mut rmp_serde::Serializer::new(&mut buf).with_struct_map())
        .unwrap();
    buf
}

fn encoded<T: Encode + ?Sized>(v: &T) -> Vec<u8> {
    let mut out = Vec::new();
    v.encode(&mut out);
    out
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn batches_encode_as_rmp_serde_does(b in batch()) {
        prop_assert_eq!(b.write_msgpack(), rmp_serde_bytes(&b));
    }

    #[test]
    fn integers_and_floats_encode_as_rmp_does(u in any::<u64>(), i in any::<i64>(), f in any::<f64>(), small in any::<i32>()) {
        let mut want = Vec::new();
        rmp::encode::write_uint(&mut want, u).unwrap();
        let mut got = Vec::new();
        write_uint(&mut got, u);
        prop_assert_eq!(&got, &want);

        want.clear();
        got.clear();
        rmp::encode::write_sint(&mut want, i).unwrap();
        write_sint(&mut got, i);
        prop_assert_eq!(&got, &want);

        prop_assert_eq!(encoded(&f), rmp_serde_bytes(&f));
        prop_assert_eq!(encoded(&small), rmp_serde_bytes(&small));
        prop_assert_eq!(encoded(&(u as u32)), rmp_serde_bytes(&(u as u32)));
    }
}

/// Every length at which an encoding changes form, for strings, arrays and maps.
#[test]
fn lengths_encode_as_rmp_does_at_every_boundary() {
    for len in [0, 1, 15, 16, 31, 32, 255, 256, 65_535, 65_536, 70_000] {
        let s = "x".repeat(len);
        let (mut got, mut want) = (Vec::new(), Vec::new());
        write_str(&mut got, &s);
        rmp::encode::write_str(&mut want, &s).unwrap();
        assert_eq!(got, want, "string of {len}");

        let (mut got, mut want) = (Vec::new(), Vec::new());
        write_array_len(&mut got, len);
        rmp::encode::write_array_len(&mut want, len as u32).unwrap();
        assert_eq!(got, want, "array of {len}");

        let (mut got, mut want) = (Vec::new(), Vec::new());
        write_map_len(&mut got, len);
        rmp::encode::write_map_len(&mut want, len as u32).unwrap();
        assert_eq!(got, want, "map of {len}");
    }
}

/// Integers at the edges of each encoding, both signs.
#[test]
fn integers_encode_as_rmp_does_at_every_boundary() {
    for edge in [0i64, 31, 32, 127, 128, 255, 256, 65_535, 65_536, 1 << 32] {
        for v in [edge - 1, edge, edge + 1, -edge - 1, -edge, -edge + 1] {
            let (mut got, mut want) = (Vec::new(), Vec::new());
            write_sint(&mut got, v);
            rmp::encode::write_sint(&mut want, v).unwrap();
            assert_eq!(got, want, "{v}");
        }
    }
    for v in [i64::MIN, i64::MAX] {
        let (mut got, mut want) = (Vec::new(), Vec::new());
        write_sint(&mut got, v);
        rmp::encode::write_sint(&mut want, v).unwrap();
        assert_eq!(got, want, "{v}");
    }
}

/// A batch of many events (array 16) with long strings (str 8 and 16).
#[test]
fn large_batches_encode_as_rmp_serde_does() {
    use super::BatchHeader;
    use crate::event::{CustomData, Event, EventData};
    use crate::privacy::Scrubbed;
    let events = (0..300u64)
        .map(|i| {
            let payload = [(
                "v".to_owned(),
                Scrubbed::for_test(&"é".repeat(i as usize * 40)),
            )];
            Event::new(
                1_700_000_000_000 + i,
                EventData::Custom(CustomData {
                    tag: "reticent.test".into(),
                    payload: payload.into_iter().collect(),
                }),
            )
        })
        .collect();
    let b = Batch::new(BatchHeader::new("s", "p", 70_000, "d".repeat(64)), events);
    assert_eq!(b.write_msgpack(), rmp_serde_bytes(&b));
}

/// A struct of more than 15 fields takes the map 16 header; none does today,
/// but the writer must not corrupt one that would.
#[test]
fn wide_structs_take_a_map_16_header() {
    for n in [15usize, 16, 40] {
        let names: Vec<String> = (0..n).map(|i| format!("f{i}")).collect();
        let mut got = vec![0xc0];
        let mut f = Fields::begin(&mut got);
        for (i, name) in names.iter().enumerate() {
            f.field(name, &(i as u32));
        }
        f.end();
        let mut want = vec![0xc0];
        rmp::encode::write_map_len(&mut want, n as u32).unwrap();
        for (i, name) in names.iter().enumerate() {
            rmp::encode::write_str(&mut want, name).unwrap();
            rmp::encode::write_uint(&mut want, i as u64).unwrap();
        }
        assert_eq!(got, want, "{n} fields");
    }
}
