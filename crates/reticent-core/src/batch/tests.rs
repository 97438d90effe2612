//! Codec tests: round trips over arbitrary events, and the hostile-input checks.

use super::*;
use crate::event::*;
use crate::incremental::*;
use crate::node::*;
use crate::privacy::Scrubbed;
use crate::sorted_map::SortedMap;
use flate2::{write::GzEncoder, Compression};
use proptest::prelude::*;
use std::io::Write;

fn s() -> impl Strategy<Value = Scrubbed> {
    "\\PC{0,12}".prop_map(|v| Scrubbed::for_test(&v))
}

fn attributes() -> impl Strategy<Value = Attributes> {
    prop::collection::vec(("[a-z][a-z-]{0,8}", s()), 0..4).prop_map(|v| {
        let mut a = Attributes::default();
        for (k, val) in v {
            a.set(&k, val);
        }
        a
    })
}

fn node() -> impl Strategy<Value = SerializedNode> {
    let leaf = prop_oneof![
        (any::<u32>(), s(), any::<bool>())
            .prop_map(|(id, t, st)| SerializedNode::Text(TextNode::new(id, t, st))),
        (any::<u32>(), s()).prop_map(|(id, t)| SerializedNode::Comment(CommentNode::new(id, t))),
        any::<u32>().prop_map(|id| SerializedNode::Cdata(CdataNode::new(id))),
        (any::<u32>(), "[a-z]{1,5}").prop_map(|(id, n)| SerializedNode::DocumentType(
            DocumentTypeNode::new(id, &n, "", "")
        )),
    ];
    leaf.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            (
                "[a-z]{1,8}",
                attributes(),
                prop::collection::vec(inner.clone(), 0..4),
                any::<u32>(),
                any::<[bool; 4]>(),
                prop::option::of(any::<u32>())
            )
                .prop_map(|(tag, attrs, kids, id, f, root)| {
                    let mut e = ElementNode::new(tag, attrs, f[0], f[1]);
                    e.child_nodes = kids;
                    e.id = id;
                    e.is_shadow_host = f[2];
                    e.is_shadow = f[3];
                    e.root_id = root;
                    SerializedNode::Element(e)
                }),
            (
                any::<u32>(),
                prop::collection::vec(inner, 0..3),
                prop::option::of(Just("CSS1Compat"))
            )
                .prop_map(|(id, kids, m)| SerializedNode::Document(DocumentNode::new(id, kids, m))),
        ]
    })
}

fn incremental() -> impl Strategy<Value = IncrementalData> {
    let pos = (any::<i32>(), any::<i32>(), any::<u32>(), any::<i32>()).prop_map(
        |(x, y, id, time_offset)| Position {
            x,
            y,
            id,
            time_offset,
        },
    );
    prop_oneof![
        (
            prop::collection::vec((any::<u32>(), prop::option::of(s())), 0..3),
            prop::collection::vec((any::<u32>(), "[a-z]{1,6}", prop::option::of(s())), 0..3),
            prop::collection::vec((any::<u32>(), any::<u32>(), any::<bool>()), 0..3),
            prop::collection::vec((any::<u32>(), prop::option::of(any::<u32>()), node()), 0..3),
            any::<bool>(),
        )
            .prop_map(|(t, a, r, ad, iframe)| IncrementalData::Mutation(
                MutationData::with(|m| {
                    m.texts = t
                        .into_iter()
                        .map(|(id, value)| TextMutation { id, value })
                        .collect();
                    m.attributes = a
                        .into_iter()
                        .map(|(id, k, v)| AttributeMutation {
                            id,
                            attributes: SortedMap::from([(k, v)]),
                        })
                        .collect();
                    m.removes = r
                        .into_iter()
                        .map(|(parent_id, id, is_shadow)| RemovedNode {
                            parent_id,
                            id,
                            is_shadow,
                        })
                        .collect();
                    m.adds = ad
                        .into_iter()
                        .map(|(parent_id, next_id, node)| AddedNode {
                            parent_id,
                            next_id,
                            node,
                        })
                        .collect();
                    m.is_attach_iframe = iframe;
                })
            )),
        prop::collection::vec(pos.clone(), 0..5)
            .prop_map(|p| IncrementalData::MouseMove(MouseMoveData::with(|m| m.positions = p))),
        prop::collection::vec(pos, 0..5)
            .prop_map(|p| IncrementalData::TouchMove(TouchMoveData::with(|m| m.positions = p))),
        (
            0u8..11,
            any::<u32>(),
            prop::option::of(any::<i32>()),
            prop::option::of(0u8..3)
        )
            .prop_map(|(k, id, x, p)| {
                IncrementalData::MouseInteraction(MouseInteractionData::with(|m| {
                    m.kind = k;
                    m.id = id;
                    m.x = x;
                    m.y = x.map(|v| v.wrapping_neg());
                    m.pointer_type = p;
                }))
            }),
        (any::<u32>(), any::<i32>(), any::<i32>()).prop_map(|(id, x, y)| IncrementalData::Scroll(
            ScrollData::with(|d| {
                d.id = id;
                d.x = x;
                d.y = y;
            })
        )),
        (any::<u32>(), any::<u32>()).prop_map(|(w, h)| IncrementalData::ViewportResize(
            ViewportResizeData::with(|d| {
                d.width = w;
                d.height = h;
            })
        )),
        (
            any::<u32>(),
            s(),
            any::<bool>(),
            prop::option::of(any::<bool>())
        )
            .prop_map(|(id, t, c, u)| {
                IncrementalData::Input(InputData::with(|d| {
                    d.id = id;
                    d.text = t;
                    d.is_checked = c;
                    d.user_triggered = u;
                }))
            }),
        (0u8..5, any::<u32>(), prop::option::of(0.0f64..1e6)).prop_map(|(k, id, t)| {
            IncrementalData::MediaInteraction(MediaInteractionData::with(|d| {
                d.kind = k;
                d.id = id;
                d.current_time = t;
            }))
        }),
        (
            prop::option::of(any::<u32>()),
            prop::collection::vec((s(), prop::option::of(any::<u32>())), 0..3),
            prop::collection::vec(any::<u32>(), 0..3)
        )
            .prop_map(|(id, adds, removes)| IncrementalData::StyleSheetRule(
                StyleSheetRuleData::with(|d| {
                    d.id = id;
                    d.style_id = id.map(|i| i ^ 1);
                    d.replace_sync = adds.first().map(|(r, _)| r.clone());
                    d.adds = adds
                        .into_iter()
                        .map(|(rule, index)| StyleRuleAdd { rule, index })
                        .collect();
                    d.removes = removes
                        .into_iter()
                        .map(|index| StyleRuleRemove { index })
                        .collect();
                })
            )),
        (
            any::<u32>(),
            prop::collection::vec(any::<u32>(), 0..3),
            prop::collection::vec(
                (
                    any::<u32>(),
                    prop::collection::vec((s(), prop::option::of(any::<u32>())), 0..3)
                ),
                0..2
            )
        )
            .prop_map(
                |(id, style_ids, styles)| IncrementalData::AdoptedStyleSheet(
                    AdoptedStyleSheetData::with(|d| {
                        d.id = id;
                        d.style_ids = style_ids;
                        d.styles = styles
                            .into_iter()
                            .map(|(style_id, rules)| AdoptedStyle {
                                style_id,
                                rules: rules
                                    .into_iter()
                                    .map(|(rule, index)| StyleRuleAdd { rule, index })
                                    .collect(),
                            })
                            .collect();
                    })
                )
            ),
        (
            prop::option::of(any::<u32>()),
            prop::collection::vec(any::<u32>(), 1..3),
            prop::option::of((s(), s(), prop::option::of(s()))),
            prop::option::of(s())
        )
            .prop_map(
                |(id, index, set, remove)| IncrementalData::StyleDeclaration(
                    StyleDeclarationData::with(|d| {
                        d.id = id;
                        d.style_id = id.map(|i| i.wrapping_add(7));
                        d.index = index;
                        d.set = set.map(|(property, value, priority)| StyleDeclarationSet {
                            property,
                            value,
                            priority,
                        });
                        d.remove = remove.map(|property| StyleDeclarationRemove { property });
                    })
                )
            ),
    ]
}

fn event_data() -> impl Strategy<Value = EventData> {
    prop_oneof![
        (s(), any::<u32>(), any::<u32>()).prop_map(|(href, width, height)| EventData::Meta(
            MetaData {
                href,
                width,
                height
            }
        )),
        (node(), any::<i32>(), any::<i32>()).prop_map(|(node, top, left)| EventData::FullSnapshot(
            FullSnapshotData {
                node,
                initial_offset: Offset { top, left },
            }
        )),
        incremental().prop_map(EventData::Incremental),
        (
            "[a-z.]{1,12}",
            prop::collection::btree_map("[a-z]{1,6}", s(), 0..3)
        )
            .prop_map(|(tag, payload)| EventData::Custom(CustomData {
                tag,
                payload: payload.into_iter().collect(),
            })),
    ]
}

pub(super) fn batch() -> impl Strategy<Value = Batch> {
    (
        "[A-Za-z0-9_-]{1,64}",
        "[A-Za-z0-9_-]{1,64}",
        any::<u32>(),
        any::<u32>(),
        0u64..(1 << 50),
        prop::collection::vec((0u64..100_000, event_data()), 0..6),
    )
        .prop_map(|(sid, pv, seq, dropped, t0, evs)| {
            let mut t = t0;
            let events = evs
                .into_iter()
                .map(|(dt, data)| {
                    t += dt;
                    Event::new(t, data)
                })
                .collect();
            let mut h = BatchHeader::new(&sid, &pv, seq, "d".repeat(64)).with_policy("p".into());
            h.dropped = dropped;
            Batch::new(h, events)
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn encode_decode_is_identity(b in batch()) {
        let bytes = b.encode().unwrap();
        let back = Batch::decode(&bytes, &DecodeLimits::default()).unwrap();
        prop_assert_eq!(back, b);
    }

    /// The page may compress apart (in a worker): the two steps give the very same bytes.
    #[test]
    fn gzip_of_msgpack_is_encode(b in batch()) {
        let apart = super::gzip(&b.to_msgpack()).unwrap();
        prop_assert_eq!(&apart, &b.encode().unwrap());
        prop_assert_eq!(Batch::decode(&apart, &DecodeLimits::default()).unwrap(), b);
    }

    #[test]
    fn decoder_never_panics_on_garbage(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = Batch::decode(&bytes, &DecodeLimits::default());
        let _ = Batch::from_msgpack(&bytes, &DecodeLimits::default());
    }

    #[test]
    fn decoder_never_panics_on_mutated_batches(b in batch(), flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..4)) {
        let mut raw = b.to_msgpack();
        for (i, v) in flips {
            let i = i.index(raw.len());
            raw[i] ^= v | 1;
        }
        let _ = Batch::from_msgpack(&raw, &DecodeLimits::default());
    }
}

fn sample() -> Batch {
    let meta = Event::new(
        10,
        EventData::Meta(MetaData {
            href: Scrubbed::for_test("https://x.test/"),
            width: 800,
            height: 600,
        }),
    );
    Batch::new(
        BatchHeader::new("sess", "pv", 0, "0".repeat(64)),
        vec![meta],
    )
}

fn gzip(raw: &[u8]) -> Vec<u8> {
    let mut gz = GzEncoder::new(Vec::new(), Compression::new(6));
    gz.write_all(raw).unwrap();
    gz.finish().unwrap()
}

fn code(r: Result<Batch, CoreError>) -> ErrorCode {
    r.expect_err("decoding should fail").code
}

#[test]
fn refuses_oversized_input_before_reading() {
    let limits = DecodeLimits {
        max_compressed: 100,
        ..DecodeLimits::default()
    };
    assert_eq!(
        code(Batch::decode(&[0x1f; 101], &limits)),
        ErrorCode::TooLarge
    );
}

#[test]
fn refuses_a_gzip_bomb_without_expanding_it() {
    let bomb = gzip(&vec![0u8; 64 << 20]);
    assert!(
        bomb.len() < 1 << 20,
        "the bomb itself is small: {}",
        bomb.len()
    );
    let err = Batch::decode(&bomb, &DecodeLimits::default()).unwrap_err();
    assert_eq!(err.code, ErrorCode::TooLarge);
    assert!(err.message.contains("bomb"), "{}", err.message);
}

#[test]
fn refuses_non_gzip_truncated_and_trailing_data() {
    let good = sample().encode().unwrap();
    assert_eq!(
        code(Batch::decode(
            b"{\"json\": true, \"padding\": 1}",
            &DecodeLimits::default()
        )),
        ErrorCode::BadCompression
    );
    assert_eq!(
        code(Batch::decode(
            &good[..good.len() - 5],
            &DecodeLimits::default()
        )),
        ErrorCode::BadCompression
    );
    let mut two = good.clone();
    two.extend_from_slice(&good);
    assert_eq!(
        code(Batch::decode(&two, &DecodeLimits::default())),
        ErrorCode::BadCompression
    );
    let mut bad_crc = good.clone();
    let n = bad_crc.len();
    bad_crc[n - 6] ^= 0xff;
    assert_eq!(
        code(Batch::decode(&bad_crc, &DecodeLimits::default())),
        ErrorCode::BadCompression
    );
}

#[test]
fn refuses_other_versions_with_a_clear_code() {
    let mut raw = sample().to_msgpack();
    // `version` is the first entry: map header, fixstr "version", then the value.
    assert_eq!(&raw[1..9], b"\xa7version");
    for version in [0u8, FORMAT_VERSION as u8 + 1] {
        raw[9] = version;
        let err = Batch::from_msgpack(&raw, &DecodeLimits::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::UnsupportedVersion);
        assert!(
            err.message.contains(&format!("version {version}")),
            "{}",
            err.message
        );
    }
}

/// A page whose snapshot ids run 100, 101, 102, 103 (document order) and a
/// mutation that adds two nodes under 103 and removes 40 from 7.
fn ids_sample() -> Batch {
    let mut body = ElementNode::new("body".into(), Attributes::default(), false, false);
    body.id = 102;
    body.child_nodes = vec![SerializedNode::Text(TextNode::new(
        103,
        Scrubbed::for_test("**"),
        false,
    ))];
    let mut html = ElementNode::new("html".into(), Attributes::default(), false, false);
    html.id = 101;
    html.child_nodes = vec![SerializedNode::Element(body)];
    let doc = DocumentNode::new(100, vec![SerializedNode::Element(html)], None);
    let snapshot = Event::new(
        10,
        EventData::FullSnapshot(FullSnapshotData {
            node: SerializedNode::Document(doc),
            initial_offset: Offset::default(),
        }),
    );
    let added = |id| SerializedNode::Comment(CommentNode::new(id, Scrubbed::for_test("")));
    let mutation = Event::new(
        11,
        EventData::Incremental(IncrementalData::Mutation(MutationData::with(|m| {
            m.removes = vec![RemovedNode {
                parent_id: 7,
                id: 40,
                is_shadow: false,
            }];
            m.adds = vec![
                AddedNode {
                    parent_id: 102,
                    next_id: None,
                    node: added(104),
                },
                AddedNode {
                    parent_id: 102,
                    next_id: Some(104),
                    node: added(105),
                },
            ];
        }))),
    );
    Batch::new(
        BatchHeader::new("sess", "pv", 0, "0".repeat(64)),
        vec![snapshot, mutation],
    )
}

/// Every `id`/`parentId`/`nextId` of a decoded MessagePack value (within one
/// map in key order, not the order written: `serde_json` sorts keys).
fn wire_ids(v: &serde_json::Value, out: &mut Vec<i64>) {
    match v {
        serde_json::Value::Object(m) => {
            for (k, x) in m {
                if matches!(k.as_str(), "id" | "parentId" | "nextId") {
                    if let Some(n) = x.as_i64() {
                        out.push(n);
                    }
                }
                wire_ids(x, out);
            }
        }
        serde_json::Value::Array(a) => a.iter().for_each(|x| wire_ids(x, out)),
        _ => {}
    }
}

#[test]
fn node_ids_are_written_as_zigzag_deltas() {
    let raw = ids_sample().to_msgpack();
    let value: serde_json::Value = rmp_serde::from_slice(&raw).unwrap();
    assert_eq!(value["version"], 2);
    let mut snapshot = Vec::new();
    wire_ids(&value["events"][0], &mut snapshot);
    // 100 from 0, then +1 three times (zigzag(+1) = 2).
    snapshot.sort_unstable();
    assert_eq!(snapshot, [2, 2, 2, 200]);
    let m = &value["events"][1]["data"];
    let (mut removes, mut adds) = (Vec::new(), Vec::new());
    wire_ids(&m["removes"], &mut removes);
    wire_ids(&m["adds"], &mut adds);
    // Node chain: removed 40 (from 0), added 104 (+64), 105 (+1).
    // Link chain: parentId 7 (from 0), parentId 102 (+95), parentId 102 (0),
    // nextId 104 (+2).
    removes.sort_unstable();
    assert_eq!(removes, [14, 80], "removes: parentId, id");
    let mut adds_sorted = adds.clone();
    adds_sorted.sort_unstable();
    assert_eq!(adds_sorted, [0, 2, 4, 128, 190], "wire ids {adds:?}");
    assert_eq!(
        Batch::from_msgpack(&raw, &DecodeLimits::default()).unwrap(),
        ids_sample()
    );
}

#[test]
fn version_1_batches_with_absolute_ids_still_decode() {
    let mut v1 = ids_sample();
    v1.version = 1;
    let raw = v1.write_msgpack();
    let back = Batch::from_msgpack(&raw, &DecodeLimits::default()).unwrap();
    assert_eq!(back.version, 1);
    assert_eq!(back.events, ids_sample().events);
    // Written again, it is a version-2 batch that decodes to the same events.
    let again = Batch::from_msgpack(&back.to_msgpack(), &DecodeLimits::default()).unwrap();
    assert_eq!(again.version, FORMAT_VERSION);
    assert_eq!(again.events, ids_sample().events);
}

#[test]
fn a_reused_buffer_holds_only_the_new_batch() {
    let mut buf = b"the previous batch, longer than nothing".to_vec();
    let capacity = buf.capacity();
    ids_sample().into_msgpack_in(&mut buf);
    assert_eq!(buf, ids_sample().into_msgpack());
    // A smaller batch into the same buffer: cleared, not appended to.
    let mut small = ids_sample();
    small.events.truncate(1);
    let want = small.clone().into_msgpack();
    assert!(want.len() < buf.len());
    small.into_msgpack_in(&mut buf);
    assert_eq!(buf, want);
    assert!(buf.capacity() >= capacity);
}

/// Runs `f` on a thread with `mib` MiB of stack and returns its result.
fn with_stack<T: Send + 'static>(mib: usize, f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(mib << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

fn nested_batch(levels: u32) -> Vec<u8> {
    let mut n = SerializedNode::Text(TextNode::new(0, Scrubbed::for_test(""), false));
    for i in 0..levels {
        let mut e = ElementNode::new("div".into(), Attributes::default(), false, false);
        e.id = i + 1;
        e.child_nodes = vec![n];
        n = SerializedNode::Element(e);
    }
    let ev = Event::new(
        1,
        EventData::FullSnapshot(FullSnapshotData {
            node: n,
            initial_offset: Offset::default(),
        }),
    );
    Batch::new(BatchHeader::new("s", "p", 0, String::new()), vec![ev]).to_msgpack()
}

#[test]
fn refuses_deep_nesting() {
    with_stack(DECODE_STACK_MIB, || {
        // A valid batch whose snapshot nests elements deeper than the limit.
        let raw = nested_batch(400);
        let err = Batch::from_msgpack(&raw, &DecodeLimits::default()).unwrap_err();
        assert_eq!(err.code, ErrorCode::BadPayload);
        assert!(err.message.contains("depth"), "{}", err.message);
        // The deepest snapshot the recorder produces decodes within the default limits.
        let raw = nested_batch(MAX_DOM_DEPTH as u32);
        Batch::from_msgpack(&raw, &DecodeLimits::default()).unwrap();
    });
}

#[test]
fn refuses_schema_violations() {
    let limits = DecodeLimits::default();
    let mut b = sample();
    b.session_id = "has space".into();
    assert_eq!(
        code(Batch::from_msgpack(&b.to_msgpack(), &limits)),
        ErrorCode::BadPayload
    );
    let mut b = sample();
    b.start_time = 11;
    b.end_time = 11;
    assert_eq!(
        code(Batch::from_msgpack(&b.to_msgpack(), &limits)),
        ErrorCode::BadPayload
    );
    let mut raw = sample().to_msgpack();
    raw.push(0xc0);
    assert_eq!(
        code(Batch::from_msgpack(&raw, &limits)),
        ErrorCode::BadPayload
    );
    // An unknown event type.
    let mut b = sample();
    b.events[0].data = EventData::Custom(CustomData {
        tag: "x".into(),
        payload: SortedMap::new(),
    });
    let raw = b.to_msgpack();
    let pos = raw.windows(5).position(|w| w == b"\xa4type").unwrap() + 5;
    let mut raw2 = raw.clone();
    raw2[pos] = 9;
    let err = Batch::from_msgpack(&raw2, &limits).unwrap_err();
    assert!(
        err.message.contains("unsupported event type 9"),
        "{}",
        err.message
    );
}
