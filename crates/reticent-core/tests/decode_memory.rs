//! What decoding a batch costs in memory, measured by a counting allocator.
//!
//! The inflated bytes are capped (`max_decompressed`), but a batch of tiny
//! items decodes to far more than its size (an attribute `"" → ""` is 2 bytes
//! on the wire, 48 in memory): the decoder's budget (`max_decoded`) must stop
//! such a batch before it is built, while a large real page decodes well
//! within it. This file is its own test binary, so the allocator it installs
//! counts its own tests' allocations only, one test at a time.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::mem::size_of;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

mod common;

use reticent_core::batch::{Batch, BatchHeader, DecodeLimits, DECODE_STACK_MIB};
use reticent_core::event::{Event, EventData, FullSnapshotData, MetaData, Offset};
use reticent_core::incremental::{
    AttributeMutation, IncrementalData, MouseMoveData, MutationData, Position, ScrollData,
};
use reticent_core::node::{Attributes, DocumentNode, ElementNode, SerializedNode, TextNode};
use reticent_core::privacy::{PrivacyEngine, Scrubbed};
use reticent_core::sorted_map::SortedMap;
use reticent_core::ErrorCode;

struct Counting;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = System.alloc(layout);
        if !p.is_null() {
            let now = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        System.dealloc(p, layout);
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Held by each test: the counters are global, so tests measure one at a time.
static SERIAL: Mutex<()> = Mutex::new(());

/// Heap bytes `f` had allocated at its peak, above what was live before it.
fn peak_of<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = CURRENT.load(Ordering::Relaxed);
    PEAK.store(base, Ordering::Relaxed);
    let out = f();
    (out, PEAK.load(Ordering::Relaxed) - base)
}

/// The limits a collector would have if its `--max-decompressed` were exactly
/// this batch's size: the tightest configuration that accepts it.
fn tight(raw: &[u8]) -> DecodeLimits {
    DecodeLimits::for_sizes(raw.len(), raw.len())
}

fn header(engine: &PrivacyEngine) -> BatchHeader {
    BatchHeader::new("s", "p", 0, engine.policy_digest()).with_policy(engine.policy())
}

/// Node ids in creation order (the document is 1).
struct Ids(Cell<u32>);

impl Ids {
    fn next(&self) -> u32 {
        self.0.set(self.0.get() + 1);
        self.0.get()
    }
}

/// [`common::element`] numbered after its children (they are built first).
fn element(
    engine: &PrivacyEngine,
    ids: &Ids,
    tag: &str,
    attrs: &[(&str, &str)],
    kids: Vec<SerializedNode>,
) -> SerializedNode {
    common::element(engine, ids.next(), tag, attrs, kids)
}

fn text(engine: &PrivacyEngine, ids: &Ids, t: &str) -> SerializedNode {
    common::text(engine, ids.next(), t)
}

/// A page shaped like the benchmark's large page (`bench/lib/page.mjs`): a
/// grid of product cards and an order table, recorded through the privacy
/// engine, then a second of mouse moves.
fn large_page(engine: &PrivacyEngine) -> Batch {
    let id = &Ids(Cell::new(1));
    let mut grid = Vec::new();
    for i in 0..900 {
        let style = format!("border:1px solid #2d6a4f;padding:8px;border-radius:{i}px");
        let sku = format!("SKU-{}", 1000 + i);
        let body = vec![
            element(
                engine,
                id,
                "h3",
                &[("style", "color:#1d3557;margin:4px 0")],
                vec![text(engine, id, &format!("linen oak no. {i}"))],
            ),
            element(
                engine,
                id,
                "p",
                &[("class", "desc")],
                vec![
                    text(engine, id, "Hand-finished walnut with copper trim "),
                    element(
                        engine,
                        id,
                        "span",
                        &[("class", "tag")],
                        vec![text(engine, id, "tag 3")],
                    ),
                    element(engine, id, "em", &[], vec![text(engine, id, "new")]),
                ],
            ),
            element(
                engine,
                id,
                "ul",
                &[("class", "facts")],
                vec![
                    element(engine, id, "li", &[], vec![text(engine, id, "size 2")]),
                    element(engine, id, "li", &[], vec![text(engine, id, "colour 5")]),
                ],
            ),
        ];
        let card = vec![
            element(
                engine,
                id,
                "img",
                &[
                    ("src", "/img/product.svg"),
                    ("alt", "linen item"),
                    ("width", "120"),
                    ("height", "90"),
                ],
                vec![],
            ),
            element(engine, id, "div", &[("class", "body")], body),
            element(
                engine,
                id,
                "button",
                &[
                    ("type", "button"),
                    ("class", "add"),
                    ("aria-label", "Add to basket"),
                ],
                vec![text(engine, id, "Add")],
            ),
        ];
        grid.push(element(
            engine,
            id,
            "article",
            &[("class", "card c1"), ("data-sku", &sku), ("style", &style)],
            card,
        ));
    }
    let mut rows = Vec::new();
    for i in 0..600 {
        let cells = (0..6)
            .map(|c| {
                let t = text(engine, id, &format!("cell {c} of order {i}"));
                element(engine, id, "td", &[], vec![t])
            })
            .collect();
        rows.push(element(engine, id, "tr", &[("class", "odd")], cells));
    }
    let body = element(
        engine,
        id,
        "body",
        &[],
        vec![
            element(engine, id, "section", &[("id", "grid")], grid),
            element(engine, id, "table", &[("id", "orders")], rows),
        ],
    );
    let html = element(engine, id, "html", &[("lang", "en")], vec![body]);
    let doc = DocumentNode::new(1, vec![html], Some("CSS1Compat"));
    let t0 = 1_767_225_600_000;
    let moves = (0..50)
        .map(|i| {
            Event::new(
                t0 + 20 * i,
                EventData::Incremental(IncrementalData::MouseMove(MouseMoveData::with(|m| {
                    m.positions = (0..10)
                        .map(|k| Position {
                            x: 300 + k,
                            y: 400 - k,
                            id: 40,
                            time_offset: -10 * k,
                        })
                        .collect();
                }))),
            )
        })
        .collect::<Vec<_>>();
    let mut events = vec![
        Event::new(
            t0,
            EventData::Meta(MetaData {
                href: engine.url("https://shop.example/catalogue"),
                width: 1280,
                height: 800,
            }),
        ),
        Event::new(
            t0,
            EventData::FullSnapshot(FullSnapshotData {
                node: SerializedNode::Document(doc),
                initial_offset: Offset::default(),
            }),
        ),
    ];
    events.extend(moves);
    Batch::new(header(engine), events)
}

/// One element with `n` attributes `"" → ""`: 2 bytes each on the wire.
fn empty_attributes(engine: &PrivacyEngine, n: usize) -> Batch {
    let mut attrs = Attributes::default();
    for _ in 0..n {
        attrs.push("", Scrubbed::empty());
    }
    let mut el = ElementNode::new("div".into(), attrs, false, false);
    el.id = 2;
    let doc = DocumentNode::new(1, vec![SerializedNode::Element(el)], None);
    let snapshot = Event::new(
        1,
        EventData::FullSnapshot(FullSnapshotData {
            node: SerializedNode::Document(doc),
            initial_offset: Offset::default(),
        }),
    );
    Batch::new(header(engine), vec![snapshot])
}

/// The recorder's largest batch of events (20,000: `MAX_INCREMENTAL_EVENTS`
/// in the binding) of the smallest kind, scrolls: many 144-byte `Event`s for
/// few bytes each, the densest real batch.
fn scrolls(engine: &PrivacyEngine) -> Batch {
    let t0 = 1_767_225_600_000;
    let events = (0..20_000)
        .map(|i| {
            Event::new(
                t0 + i,
                EventData::Incremental(IncrementalData::Scroll(ScrollData::with(|d| {
                    d.id = 1;
                    d.y = (i % 5_000) as i32;
                }))),
            )
        })
        .collect();
    Batch::new(header(engine), events)
}

/// A snapshot of `depth` nested elements whose every `childNodes` header
/// claims 2³² − 1 children (one follows): serde's lists reserve what they are
/// told, up to 1 MiB each, so this reserved 1 MiB per level before the decode
/// failed at the second child.
fn claims_huge_lists(engine: &PrivacyEngine, depth: u32) -> Vec<u8> {
    let mut node = SerializedNode::Text(TextNode::new(depth + 2, Scrubbed::empty(), false));
    for i in 0..depth {
        let mut el = ElementNode::new("div".into(), Attributes::default(), false, false);
        el.id = depth + 1 - i;
        el.child_nodes = vec![node];
        node = SerializedNode::Element(el);
    }
    let doc = DocumentNode::new(1, vec![node], None);
    let snapshot = Event::new(
        1,
        EventData::FullSnapshot(FullSnapshotData {
            node: SerializedNode::Document(doc),
            initial_offset: Offset::default(),
        }),
    );
    let raw = Batch::new(header(engine), vec![snapshot]).to_msgpack();
    let one_child = b"\xaachildNodes\x91";
    let (mut out, mut rest) = (Vec::new(), &raw[..]);
    while !rest.is_empty() {
        if rest.starts_with(one_child) {
            out.extend_from_slice(b"\xaachildNodes\xdd\xff\xff\xff\xff");
            rest = &rest[one_child.len()..];
        } else {
            out.push(rest[0]);
            rest = &rest[1..];
        }
    }
    out
}

/// Runs `f` on a thread with the stack the decoder is specified for.
fn on_decode_stack<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(DECODE_STACK_MIB << 20)
        .spawn(f)
        .unwrap()
        .join()
        .unwrap()
}

#[test]
fn decoding_stays_within_a_multiple_of_the_inflated_size() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let engine = PrivacyEngine::default();
    let per_byte = |peak: usize, raw: &[u8]| peak as f64 / raw.len() as f64;

    // A real page: about 24k nodes, 1.3 MB of MessagePack. It decodes even
    // with the tightest limits that admit it (`--max-decompressed` = its
    // size) and a budget of 3 bytes per byte, not 8: real pages are far
    // within the bound. At the default limits (16 MiB, a budget of 128 MiB)
    // it takes under a thirtieth of it.
    let page = large_page(&engine);
    let raw = page.to_msgpack();
    let nodes = serde_json::to_string(&page.events)
        .unwrap()
        .matches("\"id\":")
        .count();
    assert!(nodes > 18_000, "{nodes} nodes");
    assert!(raw.len() > 900_000, "{} bytes", raw.len());
    let three = DecodeLimits {
        max_decoded: 3 * raw.len(),
        ..tight(&raw)
    };
    assert!(30 * three.max_decoded < DecodeLimits::default().max_decoded);
    let (decoded, peak) = peak_of(|| Batch::from_msgpack(&raw, &three));
    assert_eq!(decoded.unwrap(), page);
    eprintln!(
        "large page: {nodes} nodes, {} bytes, decoded at a peak of {peak} bytes ({:.1} per byte)",
        raw.len(),
        per_byte(peak, &raw)
    );

    // The densest real batch decodes within the tightest limits.
    let dense = scrolls(&engine);
    let raw = dense.to_msgpack();
    let (decoded, peak) = peak_of(|| Batch::from_msgpack(&raw, &tight(&raw)));
    assert_eq!(decoded.unwrap(), dense);
    eprintln!(
        "20,000 scrolls: {} bytes, decoded at a peak of {peak} bytes ({:.1} per byte)",
        raw.len(),
        per_byte(peak, &raw)
    );

    // The auditor's batch: 1 MiB of `"" → ""` attributes. Without the budget
    // it decoded to about 50 bytes per byte (a `Vec` growing included).
    let bomb = empty_attributes(&engine, 512 * 1024).to_msgpack();
    let limits = tight(&bomb);
    let (refused, peak) = peak_of(|| Batch::from_msgpack(&bomb, &limits));
    let err = refused.unwrap_err();
    assert_eq!(err.code, ErrorCode::TooLarge, "{}", err.message);
    eprintln!(
        "tiny attributes: {} bytes, refused at a peak of {peak} bytes ({:.1} per byte)",
        bomb.len(),
        per_byte(peak, &bomb)
    );
    // The budget, plus the half of it a `Vec` holds twice while it moves to
    // a larger buffer, plus slack.
    assert!(
        peak <= limits.max_decoded * 3 / 2 + (1 << 20),
        "peak {peak} bytes for a budget of {}",
        limits.max_decoded
    );

    // Length headers cannot reserve what their items never pay for.
    let claims = claims_huge_lists(&engine, 150);
    let (refused, peak) =
        peak_of(|| on_decode_stack(move || Batch::from_msgpack(&claims, &DecodeLimits::default())));
    assert_eq!(refused.unwrap_err().code, ErrorCode::BadPayload);
    assert!(peak < 4 << 20, "{peak} bytes reserved for lists never sent");
}

/// Building a decoded map and re-scrubbing a decoded batch copy nothing:
/// `SortedMap` sorted and deduplicated its entries into a second list, and
/// the re-scrub rebuilt every element's attributes, each a full copy.
#[test]
fn decoded_collections_are_not_copied() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let engine = PrivacyEngine::default();
    const N: usize = 100_000;
    let slots = N * size_of::<(String, Option<Scrubbed>)>();

    let changes: SortedMap<Option<Scrubbed>> = (0..N).map(|i| (format!("{i:06}"), None)).collect();
    let mutation = MutationData::with(|m| {
        m.attributes = vec![AttributeMutation {
            id: 2,
            attributes: changes,
        }]
    });
    let changed = Batch::new(
        header(&engine),
        vec![Event::new(
            1,
            EventData::Incremental(IncrementalData::Mutation(mutation)),
        )],
    );
    let raw = changed.to_msgpack();
    let (decoded, peak) = peak_of(|| Batch::from_msgpack(&raw, &DecodeLimits::default()));
    assert_eq!(decoded.unwrap(), changed);
    // The entries' list at its largest (a power-of-two capacity, and for an
    // instant the half-size one it grew from), and the keys' bytes. A copy of
    // the entries (or a sort's scratch list) would add `slots` more.
    let list = N.next_power_of_two() * size_of::<(String, Option<Scrubbed>)>();
    assert!(
        peak < list * 3 / 2 + 7 * N + (256 << 10),
        "{peak} bytes to decode {slots} bytes of entries"
    );

    let mut events = empty_attributes(&engine, N).events;
    let (replaced, peak) =
        peak_of(|| reticent_core::visit::map_scrubbed(&mut events, |_, v| Some(v.clone())));
    assert_eq!(replaced, N);
    assert!(peak < 1 << 20, "{peak} bytes to re-scrub {N} attributes");
}
