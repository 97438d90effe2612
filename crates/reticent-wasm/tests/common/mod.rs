//! Helpers shared by the browser tests: fixtures in the live page, a recorder
//! with consent, and the decoded batch.
#![allow(dead_code)] // Each test binary uses a different subset.

use reticent_core::batch::{Batch, DecodeLimits};
use reticent_core::event::EventData;
use reticent_core::node::{ElementNode, SerializedNode};
use reticent_wasm::{Recorder, ReticentError};
use wasm_bindgen::JsValue;
use web_sys::{Document, Element};

pub fn document() -> Document {
    web_sys::window().unwrap().document().unwrap()
}

/// Options parsed from JSON text, as a page would pass them.
pub fn options(json: &str) -> JsValue {
    js_sys::JSON::parse(json).unwrap()
}

/// Grants consent with fixed ids. The first snapshot gets no time budget,
/// so it completes inside the call however loaded the machine is (slicing by
/// time has its own test, which calls `grant_consent` itself).
pub fn grant(r: &mut Recorder) -> Result<(), ReticentError> {
    r.set_slice_budget_ms_for_tests(f64::INFINITY);
    r.grant_consent(JsValue::from_str("s-1"), JsValue::from_str("pv-1"))
}

/// A recorder with default options and consent granted (see [`grant`]).
pub fn granted() -> Recorder {
    let mut r = Recorder::new(options("{}")).unwrap();
    grant(&mut r).unwrap();
    r
}

/// Takes and decodes the pending batch with the collector's default limits.
pub fn take(r: &mut Recorder) -> Batch {
    let bytes = r.take_batch(None).unwrap().expect("a batch");
    Batch::decode(&bytes, &DecodeLimits::default()).unwrap()
}

/// The snapshot's document node.
pub fn snapshot(batch: &Batch) -> &SerializedNode {
    batch
        .events
        .iter()
        .find_map(|e| match &e.data {
            EventData::FullSnapshot(d) => Some(&d.node),
            _ => None,
        })
        .expect("a FullSnapshot event")
}

/// Everything the batch says, in two renderings, for "never appears" checks.
pub fn dump(batch: &Batch) -> String {
    format!("{batch:?}\n{}", serde_json::to_string(batch).unwrap())
}

pub fn children(node: &SerializedNode) -> &[SerializedNode] {
    match node {
        SerializedNode::Document(d) => &d.child_nodes,
        SerializedNode::Element(e) => &e.child_nodes,
        _ => &[],
    }
}

/// First element (pre-order) matching `pred`.
pub fn find<'a>(
    node: &'a SerializedNode,
    pred: &dyn Fn(&ElementNode) -> bool,
) -> Option<&'a ElementNode> {
    if let SerializedNode::Element(e) = node {
        if pred(e) {
            return Some(e);
        }
    }
    children(node).iter().find_map(|c| find(c, pred))
}

/// The element whose `id` attribute is `id`.
pub fn by_id<'a>(node: &'a SerializedNode, id: &str) -> &'a ElementNode {
    find(node, &|e| {
        e.attributes.get("id").map(|v| v.as_str()) == Some(id)
    })
    .unwrap_or_else(|| panic!("no element #{id} in the snapshot"))
}

pub fn attr<'a>(e: &'a ElementNode, name: &str) -> Option<&'a str> {
    e.attributes.get(name).map(|v| v.as_str())
}

/// A `<div id="fixture">` in the page's body, removed on drop. The test
/// harness keeps its output in the body, so the body itself is never replaced.
pub struct Fixture(pub Element);

impl Fixture {
    pub fn new(html: &str) -> Self {
        let doc = document();
        // A test that failed did not drop its fixture (a panic aborts in
        // wasm): remove it, or every later test in this binary would see it
        // in its snapshot and fail too.
        while let Some(stale) = doc.get_element_by_id("fixture") {
            stale.remove();
        }
        let el = doc.create_element("div").unwrap();
        el.set_id("fixture");
        el.set_inner_html(html);
        doc.body().unwrap().append_child(&el).unwrap();
        Fixture(el)
    }
}

impl Drop for Fixture {
    fn drop(&mut self) {
        self.0.remove();
    }
}

/// Replaces the page address (same document) for the duration of a test.
pub struct Address(String);

impl Address {
    pub fn set(relative: &str) -> Self {
        let window = web_sys::window().unwrap();
        let old = window.location().href().unwrap();
        window
            .history()
            .unwrap()
            .replace_state_with_url(&JsValue::NULL, "", Some(relative))
            .unwrap();
        Address(old)
    }
}

impl Drop for Address {
    fn drop(&mut self) {
        let _ = web_sys::window()
            .unwrap()
            .history()
            .unwrap()
            .replace_state_with_url(&JsValue::NULL, "", Some(&self.0));
    }
}

/// Waits for a macrotask, so pending MutationObserver callbacks (microtasks)
/// have run.
pub async fn settle() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 0);
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// Waits `ms` milliseconds.
pub async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        let _ = web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms);
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
}

/// The incremental payloads of a batch, in order.
pub fn incrementals(batch: &Batch) -> Vec<&reticent_core::incremental::IncrementalData> {
    batch
        .events
        .iter()
        .filter_map(|e| match &e.data {
            EventData::Incremental(d) => Some(d),
            _ => None,
        })
        .collect()
}

/// The mutation payloads of a batch, in order.
pub fn mutations(batch: &Batch) -> Vec<&reticent_core::incremental::MutationData> {
    incrementals(batch)
        .into_iter()
        .filter_map(|d| match d {
            reticent_core::incremental::IncrementalData::Mutation(m) => Some(m),
            _ => None,
        })
        .collect()
}

/// Takes the pending batch, if any (`None` when nothing is buffered).
pub fn take_some(r: &mut Recorder) -> Option<Batch> {
    let bytes = r.take_batch(None).unwrap()?;
    Some(Batch::decode(&bytes, &DecodeLimits::default()).unwrap())
}

/// The id the recorder gave the element with `id` in the last snapshot of `batch`.
pub fn snapshot_id(batch: &Batch, id: &str) -> u32 {
    by_id(snapshot(batch), id).id
}
