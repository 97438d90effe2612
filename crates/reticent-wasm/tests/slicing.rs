//! The first snapshot taken in slices (forced to a few nodes per slice with
//! the test hook): same result as the synchronous walk, changes made between
//! slices applied after it, structural changes restarting it, and nothing
//! left behind when consent is withdrawn meanwhile.

mod common;

use common::*;
use reticent_core::batch::Batch;
use reticent_core::event::EventData;
use reticent_core::node::SerializedNode;
use reticent_wasm::Recorder;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;
use web_sys::{ShadowRootInit, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

const PAGE: &str = r#"<section id="s"><h2>Title</h2><p id="para">CANARYSLICE text</p>
  <ul>LIST</ul><style>.a { color: red }</style><script>var x;</script>
  <svg viewBox="0 0 4 4"><path d="M0 0h4"/></svg><!-- note -->
  <input id="in" value="v"><div id="host">light</div><iframe id="frame"></iframe></section>"#;

fn fixture() -> Fixture {
    let list_items: String = (0..60).map(|i| format!("<li>item {i}</li>")).collect();
    let f = Fixture::new(&PAGE.replace("LIST", &list_items));
    let shadow = document()
        .get_element_by_id("host")
        .unwrap()
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    shadow.set_inner_html("<b>in the shadow</b><i>too</i>");
    f
}

/// A recorder that walks `nodes` nodes per slice, granted.
fn sliced(nodes: u32) -> Recorder {
    let mut r = Recorder::new(options("{}")).unwrap();
    r.set_slice_nodes_for_tests(nodes);
    // `grant` lifts the time budget: slices end by node count only.
    grant(&mut r).unwrap();
    r
}

/// Waits for the sliced snapshot to be buffered.
async fn completed(r: &mut Recorder) -> Batch {
    for _ in 0..2_000 {
        if r.pending_events() > 0 {
            return take(r);
        }
        settle().await;
    }
    panic!("the sliced snapshot never completed");
}

/// The structure of a tree without ids, to compare walks that numbered
/// nodes differently.
fn shape(node: &SerializedNode) -> String {
    let inner: String = children(node).iter().map(shape).collect();
    match node {
        SerializedNode::Element(e) => {
            let attrs: Vec<String> = e
                .attributes
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str()))
                .collect();
            format!(
                "<{} {} {}{}>{inner}</>",
                e.tag_name,
                attrs.join(" "),
                if e.is_shadow { "S" } else { "" },
                if e.is_shadow_host { "H" } else { "" }
            )
        }
        SerializedNode::Text(t) => format!("[{}]", t.text_content.as_str()),
        SerializedNode::Comment(c) => format!("<!{}>", c.text_content.as_str()),
        _ => inner,
    }
}

#[wasm_bindgen_test]
async fn a_sliced_snapshot_equals_the_synchronous_one() {
    let f = fixture();
    let mut sync = granted();
    let expected = take(&mut sync);
    drop(sync);

    let mut r = sliced(7);
    assert!(r.snapshot_pending(), "the wrapper is told to wait");
    assert_eq!(r.pending_events(), 0, "not complete after the first slice");
    assert_eq!(
        r.take_batch(None).unwrap(),
        None,
        "nothing before the snapshot"
    );
    let batch = completed(&mut r).await;
    assert!(!r.snapshot_pending(), "complete: the wrapper sends it");
    drop(f);
    assert!(!dump(&batch).contains("CANARY"));
    assert_eq!(snapshot(&batch), snapshot(&expected), "same ids, same tree");
    let kinds: Vec<u8> = batch.events.iter().map(|e| e.data.type_code()).collect();
    let expected_kinds: Vec<u8> = expected.events.iter().map(|e| e.data.type_code()).collect();
    assert_eq!(kinds, expected_kinds, "Meta, FullSnapshot, iframe attach");
}

#[wasm_bindgen_test]
async fn elements_the_one_crossing_read_fails_on_are_walked_the_same() {
    // A page can make the one-crossing read throw (here an own
    // `getAttributeNames` that throws). The walk then reads such an element
    // property by property and asks the DOM for its next sibling, its first
    // child and its shadow root, which the failed read did not report: the
    // same tree, walked at once or in slices.
    let f = fixture();
    let mut plain = granted();
    let expected = take(&mut plain);
    drop(plain);
    js_sys::Function::new_no_args(
        "for (const id of ['s', 'para', 'host']) \
           document.getElementById(id).getAttributeNames = () => { throw new Error('hostile'); };",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    let mut sync = granted();
    let at_once = take(&mut sync);
    drop(sync);
    let mut r = sliced(3);
    let in_slices = completed(&mut r).await;
    drop(r);
    drop(f);
    assert_eq!(snapshot(&at_once), snapshot(&expected), "at once");
    assert_eq!(snapshot(&in_slices), snapshot(&expected), "in slices");
    assert!(
        shape(snapshot(&expected)).contains("<b  S>"),
        "the shadow root was read"
    );
}

#[wasm_bindgen_test]
async fn text_and_attribute_changes_between_slices_follow_the_snapshot() {
    let f = fixture();
    let mut r = sliced(5);
    let html = document().document_element().unwrap();
    // <html> was walked in the first slice; the paragraph was not.
    html.set_attribute("class", "sliced").unwrap();
    html.set_attribute("title", "CANARYATTR").unwrap();
    let para = document().get_element_by_id("para").unwrap();
    para.first_child()
        .unwrap()
        .set_node_value(Some("CANARYCHANGED words"));
    let batch = completed(&mut r).await;
    html.remove_attribute("class").unwrap();
    html.remove_attribute("title").unwrap();
    drop(f);
    assert!(!dump(&batch).contains("CANARY"), "{}", dump(&batch));
    assert!(matches!(batch.events[0].data, EventData::Meta(_)));
    assert!(matches!(batch.events[1].data, EventData::FullSnapshot(_)));
    let root = snapshot(&batch);
    let html_id = children(root)
        .iter()
        .find_map(|n| match n {
            SerializedNode::Element(e) if e.tag_name == "html" => Some(e.id),
            _ => None,
        })
        .unwrap();
    let ms = mutations(&batch);
    let attrs = ms
        .iter()
        .flat_map(|m| &m.attributes)
        .find(|a| a.id == html_id)
        .expect("the <html> change, applied after the snapshot");
    assert_eq!(
        attrs
            .attributes
            .get("class")
            .cloned()
            .flatten()
            .map(|v| v.as_str().to_owned()),
        Some("sliced".to_owned())
    );
    let p = by_id(root, "para");
    let [SerializedNode::Text(t)] = &p.child_nodes[..] else {
        panic!("{p:?}");
    };
    assert_eq!(
        t.text_content.as_str(),
        "************* *****",
        "walked after the change"
    );
}

#[wasm_bindgen_test]
async fn a_rule_starting_to_match_an_element_the_walk_is_inside_restarts_it() {
    let f = fixture();
    let mut r = Recorder::new(options(r#"{"privacy":{"unmaskText":[".show"]}}"#)).unwrap();
    r.set_slice_nodes_for_tests(5);
    grant(&mut r).unwrap();
    // <html> was entered in the first slice, with its rules as they were;
    // the paragraph was not walked yet.
    let html = document().document_element().unwrap();
    html.set_attribute("class", "show").unwrap();
    let batch = completed(&mut r).await;
    html.remove_attribute("class").unwrap();
    drop(f);
    let p = by_id(snapshot(&batch), "para");
    let [SerializedNode::Text(t)] = &p.child_nodes[..] else {
        panic!("{p:?}");
    };
    assert_eq!(
        t.text_content.as_str(),
        "CANARYSLICE text",
        "walked under the rule that now matches <html>"
    );
}

#[wasm_bindgen_test]
async fn structural_changes_restart_the_walk() {
    let f = fixture();
    let mut r = sliced(5);
    let added = document().create_element("article").unwrap();
    added.set_id("added-meanwhile");
    document()
        .get_element_by_id("s")
        .unwrap()
        .append_child(&added)
        .unwrap();
    document().get_element_by_id("para").unwrap().remove();
    let batch = completed(&mut r).await;
    let mut sync = granted();
    let expected = take(&mut sync);
    drop(sync);
    drop(f);
    let root = snapshot(&batch);
    assert!(root.id() > 1, "the walk restarted with fresh ids");
    by_id(root, "added-meanwhile");
    assert!(find(root, &|e| attr(e, "id") == Some("para")).is_none());
    assert_eq!(shape(root), shape(snapshot(&expected)));
}

#[wasm_bindgen_test]
async fn withdrawing_while_slicing_leaves_nothing_behind() {
    let f = fixture();
    let mut r = sliced(5);
    r.withdraw_consent();
    // A pending slice would throw "closure invoked after being dropped".
    sleep(30).await;
    document()
        .get_element_by_id("s")
        .unwrap()
        .set_attribute("class", "x")
        .unwrap();
    settle().await;
    assert_eq!(r.pending_events(), 0);
    assert_eq!(r.take_batch(None).unwrap(), None);
    assert!(r.take_error().is_undefined());
    drop(r);
    sleep(30).await;
    drop(f);
}

#[wasm_bindgen_test]
async fn a_checkpoint_while_slicing_restarts_the_walk_once() {
    let f = fixture();
    let mut r = sliced(5);
    r.checkpoint().unwrap();
    assert!(
        r.snapshot_pending(),
        "the checkpoint is walked in slices too"
    );
    let batch = completed(&mut r).await;
    let kinds: Vec<u8> = batch.events.iter().map(|e| e.data.type_code()).collect();
    assert_eq!(&kinds[..2], &[4, 2]);
    sleep(50).await;
    let later = take_some(&mut r);
    let snapshots = later.as_ref().map_or(0, |b| {
        b.events
            .iter()
            .filter(|e| matches!(e.data, EventData::FullSnapshot(_)))
            .count()
    });
    assert_eq!(snapshots, 0, "the slicer stopped");
    drop(f);
}

#[wasm_bindgen_test]
async fn a_checkpoint_mid_session_is_sliced_like_the_first_snapshot() {
    let f = fixture();
    let mut r = sliced(5);
    let first = completed(&mut r).await;
    r.checkpoint().unwrap();
    assert!(
        r.snapshot_pending(),
        "a large page is not walked in one task"
    );
    assert_eq!(r.take_batch(None).unwrap(), None, "nothing until complete");
    let batch = completed(&mut r).await;
    assert!(!r.snapshot_pending());
    drop(f);
    let kinds: Vec<u8> = batch.events.iter().map(|e| e.data.type_code()).collect();
    assert_eq!(&kinds[..2], &[4, 2], "Meta, then the full snapshot");
    assert_eq!(shape(snapshot(&batch)), shape(snapshot(&first)));
}

#[wasm_bindgen_test]
async fn a_page_that_keeps_changing_gets_a_synchronous_snapshot() {
    let f = fixture();
    let mut r = sliced(5);
    let section = document().get_element_by_id("s").unwrap();
    for i in 0..8 {
        let p = document().create_element("p").unwrap();
        p.set_id(&format!("tick{i}"));
        section.append_child(&p).unwrap();
        settle().await;
    }
    assert!(
        r.pending_events() > 0,
        "fell back to a synchronous snapshot"
    );
    let batch = take(&mut r);
    let mut sync = granted();
    let expected = take(&mut sync);
    drop(sync);
    drop(f);
    let root = snapshot(&batch);
    let snapshots = batch
        .events
        .iter()
        .filter(|e| matches!(e.data, EventData::FullSnapshot(_)))
        .count();
    assert_eq!(snapshots, 1);
    // Ticks after the snapshot arrive as mutations; the final tree matches.
    let ticks_in_snapshot = (0..8)
        .filter(|i| find(root, &|e| attr(e, "id") == Some(&format!("tick{i}"))).is_some())
        .count();
    let ticks_added = mutations(&batch)
        .iter()
        .flat_map(|m| &m.adds)
        .filter(|a| matches!(&a.node, SerializedNode::Element(e) if attr(e, "id").is_some_and(|v| v.starts_with("tick"))))
        .count();
    assert_eq!(ticks_in_snapshot + ticks_added, 8);
    assert!(find(snapshot(&expected), &|e| attr(e, "id") == Some("tick7")).is_some());
}

#[wasm_bindgen_test]
async fn a_large_page_is_sliced_by_time() {
    let rows: String = (0..20_000).map(|i| format!("<i>{i}</i>")).collect();
    let f = Fixture::new(&rows);
    let mut r = Recorder::new(options("{}")).unwrap();
    r.grant_consent(JsValue::from_str("s-1"), JsValue::from_str("pv-1"))
        .unwrap();
    // The default 30 ms budget cannot cover 20,000 nodes: the walk goes on
    // in later slices. (How long a slice takes is a benchmark figure, not
    // something a test asserts.)
    assert_eq!(r.pending_events(), 0, "not complete after the first slice");
    let batch = completed(&mut r).await;
    drop(f);
    let fixture = by_id(snapshot(&batch), "fixture");
    assert_eq!(fixture.child_nodes.len(), 20_000);
}

/// A long run of siblings walked a few nodes per slice: the walk resumes
/// where it stopped, ids follow the synchronous walk, and the ids of nodes
/// already serialised are in the mirror at the end of every slice
/// (interactions between slices look them up).
#[wasm_bindgen_test]
async fn long_sibling_runs_are_walked_across_slices() {
    let items: String = (0..300)
        .map(|i| match i % 3 {
            0 => format!("<b>b{i}</b>"),
            1 => format!("t{i} "),
            _ => format!("<!--c{i}-->"),
        })
        .collect();
    let f = Fixture::new(&format!(r#"<div id="long">{items}</div>"#));
    let mut sync = granted();
    let expected = take(&mut sync);
    let expected_size = sync.mirror_size();
    drop(sync);

    let mut r = sliced(7);
    let first_slice = r.mirror_size();
    assert!(
        first_slice > 1 && first_slice < expected_size,
        "after one slice the mirror holds what it serialised: {first_slice} of {expected_size}"
    );
    let batch = completed(&mut r).await;
    assert_eq!(snapshot(&batch), snapshot(&expected), "same ids, same tree");
    let long = by_id(snapshot(&batch), "long");
    assert_eq!(long.child_nodes.len(), 300);
    assert_eq!(r.mirror_size(), expected_size, "every node has its id");
    drop(f);
}
