//! Golden fixtures: the wire format must not drift silently.
//!
//! `tests/fixtures/page-v2.batch` was produced by `page_batch()` below through
//! the public API (see `tests/fixtures/README.md`). The test checks that
//! 1. decoding the committed file gives exactly `page.json` (rrweb JSON), and
//! 2. the committed file's MessagePack is byte-identical to what the current
//!    encoder writes for the same events (the gzip layer may differ between
//!    compressor versions, so it is not compared byte by byte).
//!
//! Regenerate after an intended format change (and bump FORMAT_VERSION):
//! `RETICENT_BLESS=1 cargo test -p reticent-core --test golden`.

mod common;
use common::{element, text};
use reticent_core::batch::{gunzip, Batch, BatchHeader, DecodeLimits};
use reticent_core::event::{Event, EventData, FullSnapshotData, MetaData, Offset};
use reticent_core::incremental::*;
use reticent_core::node::*;
use reticent_core::privacy::{PrivacyConfig, PrivacyEngine, TextContext};
use reticent_core::sorted_map::SortedMap;
use std::path::PathBuf;

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A small shop page with a form, recorded under the default policy plus one
/// allowlisted query parameter.
fn page_batch() -> Batch {
    let e = PrivacyEngine::new(PrivacyConfig {
        allow_query_params: vec!["page".into()],
        ..Default::default()
    })
    .unwrap();
    let t0 = 1_767_225_600_000; // 2026-01-01T00:00:00Z
    let style = SerializedNode::Text(TextNode::new(
        6,
        e.text(
            "body{font-family:\"Inter\";background:url(/bg.png)} .x::after{content:'Jean'}",
            TextContext::Style,
        ),
        true,
    ));
    let head = element(
        &e,
        4,
        "head",
        &[],
        vec![element(&e, 5, "style", &[], vec![style])],
    );
    let form = element(
        &e,
        10,
        "form",
        &[
            ("action", "https://shop.example/login?next=/account"),
            ("method", "post"),
        ],
        vec![
            element(
                &e,
                11,
                "input",
                &[
                    ("type", "email"),
                    ("name", "email"),
                    ("placeholder", "jean@example.fr"),
                    ("value", "jean@example.fr"),
                ],
                vec![],
            ),
            element(
                &e,
                12,
                "input",
                &[("type", "password"), ("name", "pw"), ("value", "hunter2")],
                vec![],
            ),
            element(
                &e,
                13,
                "button",
                &[("type", "submit"), ("onclick", "track()")],
                vec![text(&e, 14, "Sign in")],
            ),
        ],
    );
    let body = element(
        &e,
        7,
        "body",
        &[("class", "shop"), ("data-user", "42")],
        vec![
            element(
                &e,
                8,
                "h1",
                &[("title", "Welcome back Jean")],
                vec![text(&e, 9, "Hello Jean Dupont")],
            ),
            form,
            element(
                &e,
                15,
                "img",
                &[
                    ("src", "https://cdn.example/u/42.jpg"),
                    ("alt", "Jean's avatar"),
                    ("class", "avatar"),
                ],
                vec![],
            ),
            element(
                &e,
                16,
                "script",
                &[("src", "/app.js")],
                vec![text(&e, 17, "var secret = 1")],
            ),
        ],
    );
    let html = element(&e, 3, "html", &[("lang", "fr")], vec![head, body]);
    let doc = DocumentNode::new(
        1,
        vec![
            SerializedNode::DocumentType(DocumentTypeNode::new(2, "html", "", "")),
            html,
        ],
        Some("CSS1Compat"),
    );

    let events = vec![
        Event::new(
            t0,
            EventData::Meta(MetaData {
                href: e.url("https://shop.example/account/123456?page=2&token=abc#top"),
                width: 1280,
                height: 720,
            }),
        ),
        Event::new(
            t0,
            EventData::FullSnapshot(FullSnapshotData {
                node: SerializedNode::Document(doc),
                initial_offset: Offset { top: 0, left: 0 },
            }),
        ),
        Event::new(
            t0 + 40,
            EventData::Incremental(IncrementalData::Mutation(MutationData::with(|m| {
                m.texts = vec![TextMutation {
                    id: 9,
                    value: Some(e.text("Bonjour Jean", TextContext::Body)),
                }];
                m.attributes = vec![AttributeMutation {
                    id: 8,
                    attributes: SortedMap::from([
                        ("class".to_string(), e.attribute("h1", "class", "big")),
                        ("title".to_string(), e.attribute("h1", "title", "Jean")),
                    ]),
                }];
                m.removes = vec![RemovedNode {
                    parent_id: 7,
                    id: 15,
                    is_shadow: false,
                }];
                m.adds = vec![AddedNode {
                    parent_id: 7,
                    next_id: Some(16),
                    node: element(&e, 18, "p", &[], vec![text(&e, 19, "Order #4521 shipped")]),
                }];
            }))),
        ),
        Event::new(
            t0 + 100,
            EventData::Incremental(IncrementalData::MouseMove(MouseMoveData::with(|m| {
                m.positions = vec![
                    Position {
                        x: 10,
                        y: 20,
                        id: 7,
                        time_offset: -50,
                    },
                    Position {
                        x: 12,
                        y: 24,
                        id: 7,
                        time_offset: 0,
                    },
                ];
            }))),
        ),
        Event::new(
            t0 + 120,
            EventData::Incremental(IncrementalData::MouseInteraction(
                MouseInteractionData::with(|m| {
                    m.kind = mouse_interaction::CLICK;
                    m.id = 11;
                    m.x = Some(100);
                    m.y = Some(200);
                    m.pointer_type = Some(0);
                }),
            )),
        ),
        Event::new(
            t0 + 900,
            EventData::Incremental(IncrementalData::Input(InputData::with(|d| {
                d.id = 11;
                d.text = e.input_value("jean@example.fr");
                d.is_checked = false;
                d.user_triggered = Some(true);
            }))),
        ),
        Event::new(
            t0 + 950,
            EventData::Incremental(IncrementalData::Scroll(ScrollData::with(|d| {
                d.id = 1;
                d.x = 0;
                d.y = 300;
            }))),
        ),
        Event::new(
            t0 + 990,
            EventData::Incremental(IncrementalData::ViewportResize(ViewportResizeData::with(
                |d| {
                    d.width = 1024;
                    d.height = 700;
                },
            ))),
        ),
    ];
    let header = BatchHeader::new("Vw3kZ9_q-Jd2mB7xT1cLpA", "pv-0001", 0, e.policy_digest())
        .with_policy(e.policy());
    Batch::new(header, events)
}

#[test]
fn page_fixture_matches_encoder_and_rrweb_json() {
    let batch = page_batch();
    let (bin, json) = (fixture("page-v2.batch"), fixture("page.json"));
    if std::env::var_os("RETICENT_BLESS").is_some() {
        std::fs::write(&bin, batch.encode_with_level(9).unwrap()).unwrap();
        let mut j = serde_json::to_string_pretty(&batch.events).unwrap();
        j.push('\n');
        std::fs::write(&json, j).unwrap();
    }
    let committed = std::fs::read(&bin).expect("fixture missing: run with RETICENT_BLESS=1");
    let decoded = Batch::decode(&committed, &DecodeLimits::default()).unwrap();
    let as_json: serde_json::Value = serde_json::to_value(&decoded.events).unwrap();
    let expected: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(
        as_json, expected,
        "decoded fixture differs from its rrweb JSON"
    );
    assert_eq!(
        decoded, batch,
        "the encoder's events differ from the committed fixture"
    );
    let raw = gunzip(&committed, &DecodeLimits::default()).unwrap();
    assert_eq!(
        raw,
        batch.to_msgpack(),
        "MessagePack layout changed: bump FORMAT_VERSION and re-bless"
    );
    // The hand-written encoder writes what serde through rmp-serde writes for
    // the same value (the batch as on the wire: ids in their delta form, read
    // back without `from_msgpack`'s restoring step).
    let wire: Batch = rmp_serde::from_slice(&raw).unwrap();
    let mut by_serde = Vec::new();
    serde::Serialize::serialize(
        &wire,
        &mut rmp_serde::Serializer::new(&mut by_serde).with_struct_map(),
    )
    .unwrap();
    assert_eq!(raw, by_serde, "the encoder differs from rmp-serde");
}

/// Recordings stored before version 2 (absolute ids) still decode, to the
/// same events.
#[test]
fn version_1_fixture_still_decodes() {
    let committed = std::fs::read(fixture("page-v1.batch")).unwrap();
    let decoded = Batch::decode(&committed, &DecodeLimits::default()).unwrap();
    assert_eq!(decoded.version, 1);
    assert_eq!(decoded.events, page_batch().events);
}

#[test]
fn fixture_holds_no_raw_page_content() {
    let json = std::fs::read_to_string(fixture("page.json")).unwrap();
    for canary in [
        "Jean",
        "Dupont",
        "hunter2",
        "jean@example",
        "token",
        "abc",
        "123456",
        "42.jpg",
        "track()",
        "secret",
        "bg.png",
        "4521",
        "Bonjour",
    ] {
        assert!(!json.contains(canary), "fixture leaks {canary:?}");
    }
    // Layout survives: tags, classes, allowlisted query parameter.
    for kept in [
        "\"tagName\": \"form\"",
        "\"class\": \"shop\"",
        "?page=2",
        "\"needBlock\": true",
        "Inter",
    ] {
        assert!(json.contains(kept), "fixture lost {kept:?}");
    }
}

#[test]
fn rrweb_codes_match_rrweb_types() {
    // Numbers from @rrweb/types 2.2.2 (dist/types.js).
    use reticent_core::event::event_type;
    assert_eq!(
        (
            event_type::FULL_SNAPSHOT,
            event_type::INCREMENTAL_SNAPSHOT,
            event_type::META,
            event_type::CUSTOM
        ),
        (2, 3, 4, 5)
    );
    assert_eq!(
        (
            source::MUTATION,
            source::MOUSE_MOVE,
            source::MOUSE_INTERACTION,
            source::SCROLL,
            source::VIEWPORT_RESIZE,
            source::INPUT
        ),
        (0, 1, 2, 3, 4, 5)
    );
    assert_eq!(
        (
            source::TOUCH_MOVE,
            source::MEDIA_INTERACTION,
            source::STYLE_SHEET_RULE,
            source::SELECTION,
            source::ADOPTED_STYLE_SHEET
        ),
        (6, 7, 8, 14, 15)
    );
    assert_eq!(
        (
            node_type::DOCUMENT,
            node_type::DOCUMENT_TYPE,
            node_type::ELEMENT,
            node_type::TEXT,
            node_type::CDATA,
            node_type::COMMENT
        ),
        (0, 1, 2, 3, 4, 5)
    );
    assert_eq!(
        (
            mouse_interaction::CLICK,
            mouse_interaction::DBL_CLICK,
            mouse_interaction::FOCUS,
            mouse_interaction::TOUCH_END
        ),
        (2, 4, 5, 9)
    );
}
