//! The decode budget charges every kind of collection, and its overrun is a
//! size refusal. (What that means in bytes actually allocated is measured in
//! `tests/decode_memory.rs`, with a counting allocator.)

use core::mem::size_of;

use super::*;
use crate::event::*;
use crate::incremental::*;
use crate::node::*;
use crate::privacy::Scrubbed;
use crate::sorted_map::SortedMap;

const N: usize = 20_000;

fn header() -> BatchHeader {
    BatchHeader::new("sess", "pv", 0, "0".repeat(64))
}

fn snapshot_of(node: SerializedNode) -> Event {
    let doc = DocumentNode::new(1, vec![node], None);
    Event::new(
        1,
        EventData::FullSnapshot(FullSnapshotData {
            node: SerializedNode::Document(doc),
            initial_offset: Offset::default(),
        }),
    )
}

fn incremental(data: IncrementalData) -> Event {
    Event::new(1, EventData::Incremental(data))
}

/// Bytes charged for `raw`, decoded without a budget to speak of.
fn charged(raw: &[u8]) -> usize {
    let limits = DecodeLimits {
        max_decoded: usize::MAX,
        ..DecodeLimits::for_sizes(raw.len(), raw.len())
    };
    Batch::from_msgpack_metered(raw, &limits).unwrap().1
}

/// `raw` with a budget one byte short of its charge: refused for its size.
fn refused_one_byte_short(raw: &[u8]) -> CoreError {
    let limits = DecodeLimits {
        max_decoded: charged(raw) - 1,
        ..DecodeLimits::for_sizes(raw.len(), raw.len())
    };
    Batch::from_msgpack(raw, &limits).unwrap_err()
}

/// Each case: a batch holding `N` items of one collection, and the slot one
/// item takes in memory.
fn cases() -> Vec<(&'static str, Vec<u8>, usize)> {
    let mut attrs = Attributes::default();
    for _ in 0..N {
        attrs.push("", Scrubbed::empty());
    }
    let mut element = ElementNode::new("div".into(), attrs, false, false);
    element.id = 2;
    let attributes = Batch::new(
        header(),
        vec![snapshot_of(SerializedNode::Element(element))],
    );

    let changes: SortedMap<Option<Scrubbed>> = (0..N).map(|i| (format!("{i}"), None)).collect();
    let mutation = MutationData::with(|m| {
        m.attributes = vec![AttributeMutation {
            id: 2,
            attributes: changes,
        }]
    });
    let changed = Batch::new(
        header(),
        vec![incremental(IncrementalData::Mutation(mutation))],
    );

    let adopted = AdoptedStyleSheetData::with(|a| {
        a.id = 1;
        a.style_ids = vec![1; N];
    });
    let small_ints = Batch::new(
        header(),
        vec![incremental(IncrementalData::AdoptedStyleSheet(adopted))],
    );

    let scroll = || incremental(IncrementalData::Scroll(ScrollData::with(|d| d.id = 1)));
    let events = Batch::new(header(), (0..N).map(|_| scroll()).collect());

    let text = TextNode::new(2, Scrubbed::for_test(&"x".repeat(N)), false);
    let string = Batch::new(header(), vec![snapshot_of(SerializedNode::Text(text))]);

    vec![
        (
            "attributes",
            attributes.to_msgpack(),
            size_of::<(String, Scrubbed)>(),
        ),
        (
            "attribute changes",
            changed.to_msgpack(),
            size_of::<(String, Option<Scrubbed>)>(),
        ),
        ("small integers", small_ints.to_msgpack(), size_of::<u32>()),
        ("events", events.to_msgpack(), size_of::<Event>()),
        ("a string", string.to_msgpack(), 1),
    ]
}

#[test]
fn every_collection_is_charged_its_slots() {
    for (what, raw, slot) in cases() {
        let spent = charged(&raw);
        assert!(
            spent >= N * slot,
            "{what}: {spent} bytes charged for {N} items of {slot}"
        );
        let err = refused_one_byte_short(&raw);
        assert_eq!(err.code, ErrorCode::TooLarge, "{what}: {}", err.message);
        assert!(err.message.contains("once decoded"), "{}", err.message);
    }
}

#[test]
fn the_default_budget_is_proportional_to_the_inflated_size() {
    let limits = DecodeLimits::for_sizes(1 << 20, 4 << 20);
    assert_eq!(limits.max_decoded, DECODED_BYTES_PER_BYTE * (4 << 20));
    let default = DecodeLimits::default();
    assert_eq!(
        default.max_decoded,
        DECODED_BYTES_PER_BYTE * default.max_decompressed
    );
}

/// Structs written as arrays (accepted, never written by the recorder) are
/// charged per field on top of their slot: hostile input cannot make a list
/// of structs cheaper than its slots by choosing that form.
#[test]
fn structs_written_as_arrays_are_charged_too() {
    let removes = MutationData::with(|m| {
        m.removes = vec![
            RemovedNode {
                parent_id: 0,
                id: 0,
                is_shadow: false,
            };
            N
        ]
    });
    let as_maps = Batch::new(
        header(),
        vec![incremental(IncrementalData::Mutation(removes))],
    )
    .to_msgpack();
    // Ids are written as deltas: all zero here, so every remove is the same
    // 15 bytes `{"parentId": 0, "id": 0}`, rewritten as `[0, 0]`.
    let map = b"\x82\xa8parentId\x00\xa2id\x00";
    let mut as_arrays = Vec::with_capacity(as_maps.len());
    let mut rest = &as_maps[..];
    while !rest.is_empty() {
        if rest.starts_with(map) {
            as_arrays.extend_from_slice(b"\x92\x00\x00");
            rest = &rest[map.len()..];
        } else {
            as_arrays.push(rest[0]);
            rest = &rest[1..];
        }
    }
    assert_eq!(as_maps.len() - as_arrays.len(), N * (map.len() - 3));
    let limits = DecodeLimits::default();
    assert_eq!(
        Batch::from_msgpack(&as_arrays, &limits).unwrap(),
        Batch::from_msgpack(&as_maps, &limits).unwrap()
    );
    assert!(charged(&as_arrays) >= N * size_of::<RemovedNode>());
    assert!(charged(&as_arrays) >= charged(&as_maps));
}
