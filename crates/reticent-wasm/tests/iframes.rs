//! Same-origin iframes: their documents are attached with `isAttachIframe`
//! mutations (rrweb's recorder), observed, and forgotten when removed.

mod common;

use common::*;
use js_sys::Reflect;
use reticent_core::batch::Batch;
use reticent_core::incremental::{mouse_interaction as mi, IncrementalData, MutationData};
use reticent_core::node::SerializedNode;
use reticent_core::privacy::INPUT_MASK;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Document, Element, HtmlIFrameElement};

wasm_bindgen_test_configure!(run_in_browser);

fn el(id: &str) -> Element {
    document().get_element_by_id(id).unwrap()
}

fn frame_doc(id: &str) -> Document {
    el(id)
        .unchecked_ref::<HtmlIFrameElement>()
        .content_document()
        .expect("a same-origin document")
}

fn attaches(batch: &Batch) -> Vec<MutationData> {
    mutations(batch)
        .into_iter()
        .filter(|m| m.is_attach_iframe)
        .cloned()
        .collect()
}

/// Every node below `node` carries `root` as its `rootId`.
fn all_rooted(node: &SerializedNode, root: u32) -> bool {
    children(node).iter().all(|c| {
        let rid = match c {
            SerializedNode::Element(e) => e.root_id,
            SerializedNode::Text(t) => t.root_id,
            SerializedNode::DocumentType(d) => d.root_id,
            SerializedNode::Comment(c) => c.root_id,
            _ => None,
        };
        rid == Some(root) && all_rooted(c, root)
    })
}

async fn with_frame_content(html: &str) -> (Fixture, Document) {
    let f = Fixture::new(r#"<iframe id="frame"></iframe>"#);
    settle().await;
    let doc = frame_doc("frame");
    doc.body().unwrap().set_inner_html(html);
    (f, doc)
}

#[wasm_bindgen_test]
async fn an_existing_iframe_document_is_attached_after_the_snapshot() {
    let (_f, _doc) = with_frame_content(r#"<p id="inner">CANARYFRAME words</p>"#).await;
    let mut r = granted();
    let batch = take(&mut r);
    assert!(!dump(&batch).contains("CANARY"), "{}", dump(&batch));
    let kinds: Vec<u8> = batch.events.iter().map(|e| e.data.type_code()).collect();
    assert_eq!(&kinds[..2], &[4, 2], "Meta, FullSnapshot, then the attach");
    let frame = snapshot_id(&batch, "frame");
    let att = attaches(&batch);
    assert_eq!(att.len(), 1, "{att:?}");
    let add = &att[0].adds[0];
    assert_eq!(add.parent_id, frame);
    assert_eq!(add.next_id, None);
    let SerializedNode::Document(d) = &add.node else {
        panic!("attached node is not a document: {:?}", add.node);
    };
    assert_eq!(d.root_id, None);
    assert!(all_rooted(&add.node, d.id), "{:?}", add.node);
    let p = by_id(&add.node, "inner");
    assert!(
        matches!(&p.child_nodes[..], [SerializedNode::Text(t)] if t.text_content.as_str() == "*********** *****")
    );
}

#[wasm_bindgen_test]
async fn changes_inside_an_iframe_are_observed_with_its_root_id() {
    let (_f, doc) = with_frame_content(r#"<div id="box"></div>"#).await;
    let mut r = granted();
    let first = take(&mut r);
    let att = attaches(&first);
    let root = att[0].adds[0].node.id();
    let box_id = by_id(&att[0].adds[0].node, "box").id;
    let p = doc.create_element("p").unwrap();
    p.set_text_content(Some("CANARYLATER"));
    doc.get_element_by_id("box")
        .unwrap()
        .append_child(&p)
        .unwrap();
    settle().await;
    let batch = take(&mut r);
    assert!(!dump(&batch).contains("CANARY"));
    let adds: Vec<_> = mutations(&batch)
        .into_iter()
        .flat_map(|m| m.adds.iter())
        .filter(|a| a.parent_id == box_id)
        .cloned()
        .collect();
    assert_eq!(adds.len(), 1, "{adds:?}");
    assert!(matches!(&adds[0].node, SerializedNode::Element(e) if e.root_id == Some(root)));
    assert!(all_rooted(&adds[0].node, root));
}

#[wasm_bindgen_test]
async fn an_iframe_added_later_is_attached_after_its_add_and_on_load() {
    let _f = Fixture::new(r#"<div id="slot"></div>"#);
    let mut r = granted();
    let first = take(&mut r);
    let slot = snapshot_id(&first, "slot");
    let iframe = document().create_element("iframe").unwrap();
    iframe.set_id("late");
    iframe
        .set_attribute("srcdoc", "<p id='sd'>CANARYSRCDOC text</p>")
        .unwrap();
    el("slot").append_child(&iframe).unwrap();
    // Wait for the srcdoc document to load.
    let mut loaded = false;
    for _ in 0..100 {
        sleep(20).await;
        let ready = iframe
            .unchecked_ref::<HtmlIFrameElement>()
            .content_document()
            .and_then(|d| d.get_element_by_id("sd"))
            .is_some();
        if ready {
            loaded = true;
            break;
        }
    }
    assert!(loaded, "srcdoc never loaded");
    settle().await;
    let batch = take(&mut r);
    let text = dump(&batch);
    assert!(!text.contains("CANARY"), "{text}");
    let ms = mutations(&batch);
    let add_pos = ms
        .iter()
        .position(|m| m.adds.iter().any(|a| a.parent_id == slot))
        .expect("the iframe's add");
    let frame_id = ms[add_pos]
        .adds
        .iter()
        .find(|a| a.parent_id == slot)
        .unwrap()
        .node
        .id();
    let att: Vec<_> = ms
        .iter()
        .enumerate()
        .filter(|(_, m)| m.is_attach_iframe && m.adds[0].parent_id == frame_id)
        .collect();
    assert!(!att.is_empty(), "attached: {ms:?}");
    assert!(
        att.iter().all(|(i, _)| *i > add_pos),
        "attach follows the add"
    );
    let last = &att.last().unwrap().1.adds[0].node;
    assert!(find(last, &|e| e.attributes.get("id").map(|v| v.as_str())
        == Some("sd"))
    .is_some());
}

#[wasm_bindgen_test]
async fn sandboxed_iframes_stay_empty_and_removed_iframes_are_forgotten() {
    let f = Fixture::new(
        r#"<iframe id="sealed" sandbox srcdoc="<p>CANARYSEALED</p>"></iframe><iframe id="frame"></iframe>"#,
    );
    settle().await;
    frame_doc("frame")
        .body()
        .unwrap()
        .set_inner_html("<p>a</p><p>b</p>");
    let mut r = granted();
    let first = take(&mut r);
    let sealed = snapshot_id(&first, "sealed");
    let att = attaches(&first);
    assert!(att.iter().all(|m| m.adds[0].parent_id != sealed));
    assert!(!dump(&first).contains("CANARY"));
    let before = r.mirror_size();
    el("frame").remove();
    settle().await;
    // The iframe element and its whole document (doc, html, head, body, 2 p, 2 texts).
    assert!(
        r.mirror_size() <= before - 9,
        "{} vs {before}",
        r.mirror_size()
    );
    drop(f);
}

/// The id of the element `#id` in the last attach of the frame `frame` in `batch`.
fn attached_id(batch: &Batch, frame: u32, id: &str) -> Option<u32> {
    attaches(batch)
        .iter()
        .rev()
        .find(|m| m.adds[0].parent_id == frame)
        .map(|m| by_id(&m.adds[0].node, id).id)
}

/// `(id, style)` of every `style` change in `batch`.
fn style_changes(batch: &Batch) -> Vec<(u32, Option<String>)> {
    mutations(batch)
        .iter()
        .flat_map(|m| m.attributes.iter())
        .filter_map(|a| {
            a.attributes
                .get("style")
                .map(|v| (a.id, v.as_ref().map(|v| v.as_str().to_owned())))
        })
        .collect()
}

#[wasm_bindgen_test]
async fn a_load_of_an_attached_document_keeps_its_ids_and_its_changes() {
    let (_f, doc) = with_frame_content(r#"<div id="m" style="width:40%"></div>"#).await;
    let mut r = granted();
    let first = take(&mut r);
    let frame = snapshot_id(&first, "frame");
    let m = attached_id(&first, frame, "m").expect("attached");
    // What happens when the snapshot meets a frame whose document is still
    // loading: `load` comes after the attach, for the same document.
    el("frame")
        .dispatch_event(&web_sys::Event::new("load").unwrap())
        .unwrap();
    doc.get_element_by_id("m")
        .unwrap()
        .set_attribute("style", "width:85%")
        .unwrap();
    settle().await;
    let batch = take(&mut r);
    assert!(
        attaches(&batch).is_empty(),
        "attached again: {:?}",
        attaches(&batch)
    );
    assert_eq!(
        style_changes(&batch),
        vec![(m, Some("width:85%".to_owned()))]
    );
}

#[wasm_bindgen_test]
async fn a_frame_that_navigates_after_the_snapshot_is_attached_again_and_observed() {
    let f = Fixture::new(r#"<iframe id="nav"></iframe>"#);
    settle().await;
    let mut r = granted();
    let first = take(&mut r);
    let frame = snapshot_id(&first, "nav");
    assert!(
        attaches(&first)
            .iter()
            .any(|m| m.adds[0].parent_id == frame),
        "the initial about:blank document is attached"
    );
    let old_doc = frame_doc("nav");
    el("nav")
        .set_attribute("srcdoc", "<div id='m' style='width:40%'>x</div>")
        .unwrap();
    let mut loaded = None;
    for _ in 0..100 {
        sleep(20).await;
        let d = frame_doc("nav");
        if d != old_doc && d.get_element_by_id("m").is_some() && d.ready_state() == "complete" {
            loaded = Some(d);
            break;
        }
    }
    let doc = loaded.expect("srcdoc never loaded");
    settle().await;
    let batch = take(&mut r);
    let m = attached_id(&batch, frame, "m").expect("the new document is attached");
    doc.get_element_by_id("m")
        .unwrap()
        .set_attribute("style", "width:85%")
        .unwrap();
    settle().await;
    let batch = take(&mut r);
    assert_eq!(
        style_changes(&batch),
        vec![(m, Some("width:85%".to_owned()))]
    );
    drop(f);
}

/// An event built by the frame's own constructor `ctor` (another JS realm).
fn frame_event(doc: &Document, ctor: &str, kind: &str, init: &[(&str, JsValue)]) -> web_sys::Event {
    let win: JsValue = doc.default_view().unwrap().into();
    let ctor: js_sys::Function = Reflect::get(&win, &ctor.into()).unwrap().unchecked_into();
    let dict = js_sys::Object::new();
    for (k, v) in init {
        Reflect::set(&dict, &(*k).into(), v).unwrap();
    }
    Reflect::construct(&ctor, &js_sys::Array::of2(&kind.into(), &dict))
        .unwrap()
        .unchecked_into()
}

#[wasm_bindgen_test]
async fn interactions_inside_a_frame_are_recorded() {
    let (_f, doc) = with_frame_content(
        r#"<input id="fin"><button id="fbtn">b</button>
        <div id="fbox" style="height:20px;overflow:auto"><div style="height:200px"></div></div>"#,
    )
    .await;
    doc.get_element_by_id("fin")
        .unwrap()
        .unchecked_ref::<web_sys::HtmlInputElement>()
        .set_value("CANARYBEFORE");
    let mut r = granted();
    let first = take(&mut r);
    assert!(!dump(&first).contains("CANARY"));
    let node = &attaches(&first)[0].adds[0].node;
    assert_eq!(
        attr(by_id(node, "fin"), "value"),
        Some(INPUT_MASK),
        "the live value of a frame's input, masked"
    );
    let (fin, fbtn, fbox) = (
        by_id(node, "fin").id,
        by_id(node, "fbtn").id,
        by_id(node, "fbox").id,
    );
    let get = |id: &str| doc.get_element_by_id(id).unwrap();
    let bubbles = [("bubbles", JsValue::TRUE)];
    get("fbtn")
        .dispatch_event(&frame_event(
            &doc,
            "MouseEvent",
            "click",
            &[
                ("bubbles", JsValue::TRUE),
                ("clientX", 5.into()),
                ("clientY", 6.into()),
            ],
        ))
        .unwrap();
    get("fin")
        .unchecked_ref::<web_sys::HtmlInputElement>()
        .set_value("CANARYFRAME");
    get("fin")
        .dispatch_event(&frame_event(&doc, "Event", "input", &bubbles))
        .unwrap();
    get("fin")
        .dispatch_event(&frame_event(&doc, "Event", "change", &bubbles))
        .unwrap();
    get("fbox").set_scroll_top(30);
    get("fbox")
        .dispatch_event(&frame_event(&doc, "Event", "scroll", &[]))
        .unwrap();
    let batch = take(&mut r);
    assert!(!dump(&batch).contains("CANARY"), "{}", dump(&batch));
    let ds = incrementals(&batch);
    assert!(
        ds.iter()
            .any(|d| matches!(d, IncrementalData::MouseInteraction(m)
            if m.id == fbtn && m.kind == mi::CLICK && (m.x, m.y) == (Some(5), Some(6)))),
        "click: {ds:?}"
    );
    assert!(
        ds.iter().any(|d| matches!(d, IncrementalData::Input(i)
            if i.id == fin && i.text.as_str() == INPUT_MASK)),
        "input: {ds:?}"
    );
    assert!(
        ds.iter()
            .any(|d| matches!(d, IncrementalData::Scroll(s) if s.id == fbox && s.y == 30)),
        "scroll: {ds:?}"
    );
}

#[wasm_bindgen_test]
async fn a_nested_frame_that_loads_a_new_document_is_attached_again() {
    let (_f, doc) = with_frame_content(r#"<iframe id="inner"></iframe>"#).await;
    settle().await;
    let mut r = granted();
    let first = take(&mut r);
    let inner_id = by_id(&attaches(&first)[0].adds[0].node, "inner").id;
    let inner = doc.get_element_by_id("inner").unwrap();
    let content = || {
        inner
            .unchecked_ref::<HtmlIFrameElement>()
            .content_document()
            .unwrap()
    };
    let old = content();
    inner.set_attribute("srcdoc", "<p id='deep'>x</p>").unwrap();
    let mut loaded = false;
    for _ in 0..100 {
        sleep(20).await;
        let d = content();
        if d != old && d.get_element_by_id("deep").is_some() && d.ready_state() == "complete" {
            loaded = true;
            break;
        }
    }
    assert!(loaded, "srcdoc never loaded");
    settle().await;
    let batch = take(&mut r);
    let att = attaches(&batch);
    let again = att
        .iter()
        .find(|m| m.adds[0].parent_id == inner_id)
        .unwrap_or_else(|| panic!("the nested frame's new document is attached: {att:?}"));
    by_id(&again.adds[0].node, "deep");
}
