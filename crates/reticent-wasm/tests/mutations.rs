//! Live DOM changes in a real browser: one Mutation event per task with
//! rrweb's net-effect semantics, scrubbed by the same engine as the snapshot.

mod common;

use common::*;
use reticent_core::event::EventData;
use reticent_core::incremental::{AddedNode, MutationData};
use reticent_core::node::SerializedNode;
use reticent_core::privacy::{PrivacyEngine, TextContext, INPUT_MASK};
use reticent_wasm::Recorder;
use wasm_bindgen_test::*;
use web_sys::{Element, ShadowRootInit, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

fn el(id: &str) -> Element {
    document().get_element_by_id(id).unwrap()
}

fn new_el(tag: &str, id: &str, text: &str) -> Element {
    let e = document().create_element(tag).unwrap();
    if !id.is_empty() {
        e.set_id(id);
    }
    if !text.is_empty() {
        e.set_text_content(Some(text));
    }
    e
}

/// Grants, takes the first batch and returns the recorder with it.
fn start() -> (Recorder, reticent_core::batch::Batch) {
    let mut r = granted();
    let first = take(&mut r);
    (r, first)
}

/// All mutations of the next batch (empty if there is none).
async fn next_mutations(r: &mut Recorder) -> (Vec<MutationData>, String) {
    settle().await;
    match take_some(r) {
        Some(b) => (mutations(&b).into_iter().cloned().collect(), dump(&b)),
        None => (Vec::new(), String::new()),
    }
}

fn adds_under(ms: &[MutationData], parent: u32) -> Vec<&AddedNode> {
    ms.iter()
        .flat_map(|m| m.adds.iter())
        .filter(|a| a.parent_id == parent)
        .collect()
}

fn all_ids(node: &SerializedNode, out: &mut Vec<u32>) {
    out.push(node.id());
    for c in children(node) {
        all_ids(c, out);
    }
}

fn element(node: &SerializedNode) -> &reticent_core::node::ElementNode {
    match node {
        SerializedNode::Element(e) => e,
        other => panic!("not an element: {other:?}"),
    }
}

#[wasm_bindgen_test]
async fn an_added_subtree_comes_once_with_its_parent_and_next_sibling() {
    let _f = Fixture::new(r#"<div id="list"><p id="a">x</p><p id="c">y</p></div>"#);
    let (mut r, first) = start();
    let list = snapshot_id(&first, "list");
    let c = snapshot_id(&first, "c");
    let b = new_el("p", "b", "");
    b.append_child(&new_el("span", "inner", "CANARYADDED text"))
        .unwrap();
    el("list").insert_before(&b, Some(&el("c"))).unwrap();
    let (ms, text) = next_mutations(&mut r).await;
    assert_eq!(ms.len(), 1, "one Mutation event per task: {ms:?}");
    // rrweb's shape: one add per node (its replayer builds added nodes
    // without their children), parents first.
    let adds = adds_under(&ms, list);
    assert_eq!(adds.len(), 1, "{adds:?}");
    assert_eq!(adds[0].next_id, Some(c));
    let p = element(&adds[0].node);
    assert_eq!(attr(p, "id"), Some("b"));
    assert!(p.child_nodes.is_empty(), "children come as their own adds");
    let under_p = adds_under(&ms, p.id);
    assert_eq!(under_p.len(), 1, "{under_p:?}");
    let span = element(&under_p[0].node);
    assert_eq!(attr(span, "id"), Some("inner"));
    let under_span = adds_under(&ms, span.id);
    let [AddedNode {
        node: SerializedNode::Text(t),
        ..
    }] = &under_span[..]
    else {
        panic!("span text: {under_span:?}");
    };
    assert_eq!(t.text_content.as_str(), "*********** ****");
    let mut ids: Vec<u32> = ms
        .iter()
        .flat_map(|m| &m.adds)
        .map(|a| a.node.id())
        .collect();
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "no node is added twice");
    assert!(!text.contains("CANARY"), "{text}");
}

#[wasm_bindgen_test]
async fn a_removal_names_parent_and_node_and_shrinks_the_mirror() {
    let _f = Fixture::new(r#"<div id="list"><p id="a">x<b>y</b></p><p id="c">y</p></div>"#);
    let (mut r, first) = start();
    let list = snapshot_id(&first, "list");
    let a = snapshot_id(&first, "a");
    let before = r.mirror_size();
    el("a").remove();
    let (ms, _) = next_mutations(&mut r).await;
    let removes: Vec<_> = ms.iter().flat_map(|m| &m.removes).collect();
    assert!(
        removes
            .iter()
            .any(|x| x.parent_id == list && x.id == a && !x.is_shadow),
        "{removes:?}"
    );
    // <p>, its text, <b> and its text.
    assert_eq!(r.mirror_size(), before - 4);
}

#[wasm_bindgen_test]
async fn the_mirror_stays_flat_over_many_adds_and_removes() {
    let f = Fixture::new(r#"<div id="host"></div>"#);
    let (r, _) = start();
    let before = r.mirror_size();
    for round in 0..5 {
        for i in 0..50 {
            el("host")
                .append_child(&new_el("div", "", &format!("row {round} {i}")))
                .unwrap();
        }
        settle().await;
        assert_eq!(r.mirror_size(), before + 100, "50 divs and their texts");
        el("host").set_inner_html("");
        settle().await;
        assert_eq!(r.mirror_size(), before, "removed nodes are forgotten");
    }
    drop(f);
}

#[wasm_bindgen_test]
async fn text_changes_are_masked_and_style_text_is_sanitised() {
    let _f = Fixture::new(r#"<p id="a">hello</p><style id="st">.a { color: red }</style>"#);
    let (mut r, first) = start();
    let text_id = by_id(snapshot(&first), "a").child_nodes[0].id();
    let css_id = by_id(snapshot(&first), "st").child_nodes[0].id();
    el("a")
        .first_child()
        .unwrap()
        .set_node_value(Some("CANARYLATER words"));
    let css = ".b { color: blue; background: url(https://x.example/CANARYCSS.png) }";
    el("st").first_child().unwrap().set_node_value(Some(css));
    let (ms, text) = next_mutations(&mut r).await;
    assert!(!text.contains("CANARY"), "{text}");
    let texts: Vec<_> = ms.iter().flat_map(|m| &m.texts).collect();
    let value = |id: u32| {
        texts
            .iter()
            .find(|t| t.id == id)
            .and_then(|t| t.value.clone())
            .unwrap_or_else(|| panic!("no text change for {id}: {texts:?}"))
    };
    assert_eq!(value(text_id).as_str(), "*********** *****");
    let engine = PrivacyEngine::default();
    assert_eq!(value(css_id), engine.text(css, TextContext::Style));
    assert!(value(css_id).as_str().contains("color: blue"));

    // Emptied text is `None`.
    el("a").first_child().unwrap().set_node_value(Some(""));
    let (ms, _) = next_mutations(&mut r).await;
    let t = ms.iter().flat_map(|m| &m.texts).find(|t| t.id == text_id);
    assert_eq!(t.map(|t| t.value.clone()), Some(None));
}

#[wasm_bindgen_test]
async fn a_style_split_across_text_nodes_is_read_as_one_css() {
    // React renders `<style>{a}{name}{b}</style>` as three text children,
    // and the middle one sits inside the string the first one opens.
    let _f = Fixture::new(r#"<style id="st"></style>"#);
    let st = el("st");
    for part in [".u::after{content:\"", "CANARYNAME Jean", "\";color:red}"] {
        st.append_child(&document().create_text_node(part)).unwrap();
    }
    let (mut r, first) = start();
    assert!(!dump(&first).contains("CANARY"), "{}", dump(&first));
    let parts = &by_id(snapshot(&first), "st").child_nodes;
    assert_eq!(parts.len(), 3);
    let engine = PrivacyEngine::default();
    let middle = parts[1].id();
    let css = |node: &SerializedNode| match node {
        SerializedNode::Text(t) => t.text_content.as_str().to_owned(),
        other => panic!("not a text: {other:?}"),
    };
    assert_eq!(css(&parts[1]), "********** ****");
    // Alone, it would open a string and mask `color:red`.
    assert_eq!(
        css(&parts[2]),
        "\";color:red}",
        "the part after the string reads as CSS again"
    );
    assert_eq!(
        css(&parts[0]),
        engine
            .text(".u::after{content:\"", TextContext::Style)
            .as_str()
    );

    // A change of the middle part, and a part added inside the string.
    st.child_nodes()
        .item(1)
        .unwrap()
        .set_node_value(Some("CANARYLATER"));
    st.insert_before(
        &document().create_text_node("CANARYADDED"),
        st.last_child().as_ref(),
    )
    .unwrap();
    let (ms, text) = next_mutations(&mut r).await;
    assert!(!text.contains("CANARY"), "{text}");
    let changed = ms.iter().flat_map(|m| &m.texts).find(|t| t.id == middle);
    assert_eq!(
        changed.and_then(|t| t.value.as_ref()).map(|v| v.as_str()),
        Some("***********")
    );
}

#[wasm_bindgen_test]
async fn attribute_changes_go_through_the_engine() {
    let _f = Fixture::new(
        r#"<div id="d" data-x="1"></div><input id="in"><a id="lnk" href="/a">a</a>
           <img id="pic" src="/a.png">"#,
    );
    let (mut r, first) = start();
    let d = snapshot_id(&first, "d");
    let input = snapshot_id(&first, "in");
    let lnk = snapshot_id(&first, "lnk");
    let pic = find(snapshot(&first), &|e| e.tag_name == "img").unwrap().id;
    let div = el("d");
    div.set_attribute("class", "big card").unwrap();
    div.set_attribute("title", "CANARYTITLE").unwrap();
    div.remove_attribute("data-x").unwrap();
    div.set_attribute("onclick", "CANARYHANDLER()").unwrap();
    el("in").set_attribute("value", "CANARYVALUE").unwrap();
    el("lnk")
        .set_attribute("href", "/next?token=CANARYQUERY#CANARYFRAG")
        .unwrap();
    el("pic").set_attribute("src", "/CANARYSRC.png").unwrap();
    let (ms, text) = next_mutations(&mut r).await;
    assert!(!text.contains("CANARY"), "{text}");
    let attrs = |id: u32| {
        ms.iter()
            .flat_map(|m| &m.attributes)
            .find(|a| a.id == id)
            .map(|a| a.attributes.clone())
    };
    let a = attrs(d).expect("changes of #d");
    let get = |k: &str| a.get(k).cloned().map(|v| v.map(|s| s.as_str().to_owned()));
    assert_eq!(get("class"), Some(Some("big card".into())));
    assert_eq!(get("title"), Some(Some("***********".into())));
    assert_eq!(get("data-x"), Some(None), "a removed attribute is None");
    assert_eq!(
        get("onclick"),
        Some(None),
        "a dropped value is recorded as removed"
    );
    let v = attrs(input).expect("changes of #in");
    assert_eq!(
        v.get("value")
            .cloned()
            .flatten()
            .map(|s| s.as_str().to_owned()),
        Some(INPUT_MASK.to_owned())
    );
    let h = attrs(lnk).expect("changes of #lnk");
    let href = h.get("href").cloned().flatten().unwrap();
    assert!(href.as_str().ends_with("/next"), "{href:?}");
    assert_eq!(attrs(pic), None, "placeholders record no attribute changes");
}

#[wasm_bindgen_test]
async fn attribute_changes_come_once_per_element_in_id_order() {
    let _f = Fixture::new(r#"<p id="a"></p><p id="b"></p><p id="c"></p>"#);
    let (mut r, first) = start();
    let ids: Vec<u32> = ["a", "b", "c"]
        .iter()
        .map(|k| snapshot_id(&first, k))
        .collect();
    for (k, v) in [("c", "1"), ("a", "1"), ("c", "2"), ("b", "1"), ("a", "2")] {
        el(k).set_attribute("class", v).unwrap();
    }
    el("a").set_attribute("dir", "rtl").unwrap();
    let (ms, _) = next_mutations(&mut r).await;
    let changes: Vec<_> = ms.iter().flat_map(|m| &m.attributes).collect();
    assert_eq!(changes.iter().map(|a| a.id).collect::<Vec<_>>(), ids);
    let class = |i: usize| {
        changes[i]
            .attributes
            .get("class")
            .cloned()
            .flatten()
            .map(|s| s.as_str().to_owned())
    };
    let classes: Vec<_> = (0..3).map(class).collect();
    assert_eq!(
        classes,
        [Some("2".into()), Some("1".into()), Some("2".into())]
    );
    let names: Vec<&str> = changes[0].attributes.keys().map(String::as_str).collect();
    assert_eq!(names, ["class", "dir"]);
}

#[wasm_bindgen_test]
async fn added_then_removed_in_one_task_gives_nothing() {
    let _f = Fixture::new(r#"<div id="list"><p id="a">x</p></div>"#);
    let (mut r, first) = start();
    let list = snapshot_id(&first, "list");
    let before = r.mirror_size();
    let tmp = new_el("p", "tmp", "CANARYTRANSIENT");
    el("list").append_child(&tmp).unwrap();
    tmp.set_attribute("class", "x").unwrap();
    tmp.remove();
    let (ms, text) = next_mutations(&mut r).await;
    assert!(adds_under(&ms, list).is_empty(), "{ms:?}");
    assert!(ms
        .iter()
        .flat_map(|m| &m.removes)
        .all(|x| x.parent_id != list));
    assert!(!text.contains("CANARY"));
    assert_eq!(r.mirror_size(), before);
}

#[wasm_bindgen_test]
async fn a_move_is_a_removal_then_an_add_with_the_right_neighbours() {
    let _f = Fixture::new(
        r#"<div id="list"><p id="a">x</p><p id="b">y</p><p id="c">z</p></div><div id="other"></div>"#,
    );
    let (mut r, first) = start();
    let (list, other) = (snapshot_id(&first, "list"), snapshot_id(&first, "other"));
    let (a, c) = (snapshot_id(&first, "a"), snapshot_id(&first, "c"));
    // c moves to the front of the list, a moves to the other div.
    el("list").insert_before(&el("c"), Some(&el("a"))).unwrap();
    el("other").append_child(&el("a")).unwrap();
    let (ms, _) = next_mutations(&mut r).await;
    let removes: Vec<_> = ms.iter().flat_map(|m| &m.removes).collect();
    assert!(removes.iter().any(|x| x.parent_id == list && x.id == c));
    assert!(removes.iter().any(|x| x.parent_id == list && x.id == a));
    let in_list = adds_under(&ms, list);
    assert_eq!(in_list.len(), 1, "{in_list:?}");
    assert_eq!(attr(element(&in_list[0].node), "id"), Some("c"));
    let b = snapshot_id(&first, "b");
    assert_eq!(in_list[0].next_id, Some(b), "c goes before b (a has left)");
    let in_other = adds_under(&ms, other);
    assert_eq!(in_other.len(), 1);
    assert_eq!(attr(element(&in_other[0].node), "id"), Some("a"));
    assert_eq!(in_other[0].next_id, None);
    assert!(in_other[0].node.id() > c, "a moved node gets a fresh id");
}

#[wasm_bindgen_test]
async fn nested_adds_in_one_task_are_recorded_once() {
    let _f = Fixture::new(r#"<div id="list"></div>"#);
    let (mut r, first) = start();
    let list = snapshot_id(&first, "list");
    let outer = new_el("section", "outer", "");
    el("list").append_child(&outer).unwrap();
    let inner = new_el("div", "inner", "");
    outer.append_child(&inner).unwrap();
    inner
        .append_child(&document().create_text_node("deep"))
        .unwrap();
    let before = new_el("div", "first", "");
    el("list").insert_before(&before, Some(&outer)).unwrap();
    let (ms, _) = next_mutations(&mut r).await;
    let adds: Vec<_> = ms.iter().flat_map(|m| &m.adds).collect();
    let mut ids = Vec::new();
    for a in &adds {
        all_ids(&a.node, &mut ids);
    }
    let n = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), n, "no node is added twice: {adds:?}");
    let in_list = adds_under(&ms, list);
    assert_eq!(in_list.len(), 2, "{in_list:?}");
    // Replaying in order rebuilds [first, outer].
    assert_eq!(attr(element(&in_list[0].node), "id"), Some("outer"));
    assert_eq!(in_list[0].next_id, None);
    assert_eq!(attr(element(&in_list[1].node), "id"), Some("first"));
    assert_eq!(in_list[1].next_id, Some(in_list[0].node.id()));
    // The nested div and its text follow as their own adds.
    let under_outer = adds_under(&ms, in_list[0].node.id());
    assert_eq!(under_outer.len(), 1, "{under_outer:?}");
    assert_eq!(adds_under(&ms, under_outer[0].node.id()).len(), 1);
}

#[wasm_bindgen_test]
async fn script_and_blocked_subtrees_are_ignored() {
    let _f = Fixture::new(r#"<script id="scr">var a;</script><video id="vid"></video>"#);
    let (mut r, first) = start();
    let scr = snapshot_id(&first, "scr");
    let vid = find(snapshot(&first), &|e| e.tag_name == "video")
        .unwrap()
        .id;
    el("scr")
        .append_child(&document().create_text_node("var CANARYSCRIPT;"))
        .unwrap();
    el("vid")
        .append_child(&new_el("track", "", "CANARYTRACK"))
        .unwrap();
    let (ms, text) = next_mutations(&mut r).await;
    assert!(!text.contains("CANARY"), "{text}");
    assert!(adds_under(&ms, scr).is_empty());
    assert!(adds_under(&ms, vid).is_empty());
}

#[wasm_bindgen_test]
async fn shadow_root_changes_are_marked_and_new_roots_observed() {
    let _f = Fixture::new(r#"<div id="host"></div><div id="later"></div>"#);
    let shadow = el("host")
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    shadow.set_inner_html("<span>in</span>");
    let (mut r, first) = start();
    let host = snapshot_id(&first, "host");
    shadow
        .append_child(&new_el("b", "", "CANARYSHADOW"))
        .unwrap();
    let old = shadow.first_child().unwrap();
    shadow.remove_child(&old).unwrap();
    let (ms, text) = next_mutations(&mut r).await;
    assert!(!text.contains("CANARY"));
    let adds = adds_under(&ms, host);
    assert_eq!(adds.len(), 1, "{ms:?}");
    assert!(
        matches!(&adds[0].node, SerializedNode::Element(e) if e.is_shadow && e.tag_name == "b")
    );
    let removes: Vec<_> = ms.iter().flat_map(|m| &m.removes).collect();
    assert!(removes.iter().any(|x| x.parent_id == host && x.is_shadow));

    // A host added later: its root is observed too.
    let host2 = new_el("div", "host2", "");
    let shadow2 = host2
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    shadow2.set_inner_html("<i>a</i>");
    el("later").append_child(&host2).unwrap();
    let (ms, _) = next_mutations(&mut r).await;
    let later = snapshot_id(&first, "later");
    let added = adds_under(&ms, later);
    assert_eq!(added.len(), 1);
    let h2 = element(&added[0].node);
    assert!(h2.is_shadow_host);
    shadow2
        .append_child(&new_el("u", "", "CANARYSHADOW2"))
        .unwrap();
    let (ms, text) = next_mutations(&mut r).await;
    assert!(!text.contains("CANARY"));
    let adds = adds_under(&ms, h2.id);
    assert_eq!(adds.len(), 1, "{ms:?}");
    assert!(matches!(&adds[0].node, SerializedNode::Element(e) if e.is_shadow));
}

#[wasm_bindgen_test]
async fn a_flood_is_replaced_by_a_fresh_snapshot_and_counted() {
    let f = Fixture::new(r#"<div id="flood"></div>"#);
    let (mut r, _) = start();
    let host = el("flood");
    let frag = document().create_document_fragment();
    for i in 0..6_000 {
        frag.append_child(&new_el("i", "", &format!("{i}")))
            .unwrap();
    }
    // Something buffered before the flood is dropped with it.
    host.set_attribute("class", "before").unwrap();
    settle().await;
    host.append_child(&frag).unwrap();
    settle().await;
    let bytes = r.take_batch(Some(2)).unwrap().expect("a batch");
    let batch =
        reticent_core::batch::Batch::decode(&bytes, &reticent_core::batch::DecodeLimits::default())
            .unwrap();
    let kinds: Vec<u8> = batch.events.iter().map(|e| e.data.type_code()).collect();
    assert_eq!(
        kinds,
        vec![4, 2],
        "only a fresh Meta + FullSnapshot: {kinds:?}"
    );
    assert!(
        batch.dropped >= 2 + 2,
        "JS drops + the class change + the flood"
    );
    let flood = by_id(snapshot(&batch), "flood");
    assert_eq!(flood.child_nodes.len(), 6_000);
    assert!(matches!(batch.events[1].data, EventData::FullSnapshot(_)));
    drop(f);
}

#[wasm_bindgen_test]
async fn withdraw_stops_observing_and_regrant_starts_a_new_snapshot() {
    let _f = Fixture::new(r#"<div id="list"></div>"#);
    let (mut r, _) = start();
    r.withdraw_consent();
    el("list").append_child(&new_el("p", "", "after")).unwrap();
    settle().await;
    assert_eq!(r.pending_events(), 0);
    assert_eq!(r.mirror_size(), 0);
    assert_eq!(r.take_batch(None).unwrap(), None);
    grant(&mut r).unwrap();
    let batch = take(&mut r);
    let kinds: Vec<u8> = batch.events.iter().map(|e| e.data.type_code()).collect();
    assert_eq!(kinds, vec![4, 2]);
    let list = snapshot_id(&batch, "list");
    el("list").append_child(&new_el("p", "", "again")).unwrap();
    let (ms, _) = next_mutations(&mut r).await;
    assert_eq!(adds_under(&ms, list).len(), 1, "one observer, not two");
}

#[wasm_bindgen_test]
async fn dropping_the_recorder_detaches_the_observer() {
    let _f = Fixture::new(r#"<div id="list"></div>"#);
    let (r, _) = start();
    drop(r);
    // Would throw "closure invoked after being dropped" if still attached.
    el("list").append_child(&new_el("p", "", "x")).unwrap();
    settle().await;
}

/// Replays the mutations of `ms` on the children of `parent` (ids, starting
/// from `start`) as rrweb's replayer does, and returns the `id` attributes of
/// the resulting element children (known from `names`).
fn replay_children(start: &[SerializedNode], parent: u32, ms: &[MutationData]) -> Vec<String> {
    let mut names = std::collections::BTreeMap::new();
    let mut list: Vec<u32> = Vec::new();
    for c in start {
        if let SerializedNode::Element(e) = c {
            names.insert(e.id, attr(e, "id").unwrap_or("").to_owned());
        }
        list.push(c.id());
    }
    for m in ms {
        for r in &m.removes {
            if r.parent_id == parent {
                list.retain(|id| *id != r.id);
            }
        }
        for a in &m.adds {
            if a.parent_id != parent {
                continue;
            }
            if let SerializedNode::Element(e) = &a.node {
                names.insert(e.id, attr(e, "id").unwrap_or("").to_owned());
            }
            match a.next_id {
                Some(next) => {
                    let at = list
                        .iter()
                        .position(|id| *id == next)
                        .unwrap_or_else(|| panic!("nextId {next} not in the replayed list"));
                    list.insert(at, a.node.id());
                }
                None => list.push(a.node.id()),
            }
        }
    }
    list.iter()
        .filter_map(|id| names.get(id).cloned())
        .collect()
}

fn dom_children_ids(parent: &Element) -> Vec<String> {
    let kids = parent.children();
    (0..kids.length())
        .filter_map(|i| kids.item(i))
        .map(|e| e.id())
        .collect()
}

#[wasm_bindgen_test]
async fn random_inserts_moves_and_removals_replay_in_dom_order() {
    for seed in [12345, 1, 777, 4242, 99_991] {
        random_task_replays(seed).await;
    }
}

async fn random_task_replays(seed: u32) {
    let _f = Fixture::new(
        r#"<ul id="list"><li id="k0">a</li><li id="k1">b</li><li id="k2">c</li><li id="k3">d</li></ul>"#,
    );
    let (mut r, first) = start();
    let list_id = snapshot_id(&first, "list");
    let start_children = by_id(snapshot(&first), "list").child_nodes.clone();
    let list = el("list");
    let mut seed = seed;
    let mut rand = move |n: u32| {
        seed = seed.wrapping_mul(1_103_515_245).wrapping_add(12_345);
        (seed >> 16) % n.max(1)
    };
    for i in 0..300 {
        let kids = list.children();
        let len = kids.length();
        match rand(10) {
            0..=5 => {
                let li = new_el("li", &format!("n{i}"), "x");
                let at = rand(len + 1);
                list.insert_before(&li, kids.item(at).as_ref().map(|e| e as &web_sys::Node))
                    .unwrap();
            }
            6..=7 if len > 1 => {
                let from = kids.item(rand(len)).unwrap();
                let to = kids.item(rand(len));
                if to.as_ref() != Some(&from) {
                    list.insert_before(&from, to.as_ref().map(|e| e as &web_sys::Node))
                        .unwrap();
                }
            }
            _ if len > 0 => {
                kids.item(rand(len)).unwrap().remove();
            }
            _ => {}
        }
    }
    let (ms, _) = next_mutations(&mut r).await;
    assert_eq!(ms.len(), 1, "one task, one event");
    assert_eq!(
        replay_children(&start_children, list_id, &ms),
        dom_children_ids(&list),
        "seed {seed}"
    );
}

#[wasm_bindgen_test]
async fn large_appends_and_prepends_stay_fast_and_ordered() {
    let _f = Fixture::new(r#"<ul id="list"><li id="mid">m</li></ul>"#);
    let (mut r, first) = start();
    let list_id = snapshot_id(&first, "list");
    let start_children = by_id(snapshot(&first), "list").child_nodes.clone();
    let list = el("list");
    for i in 0..2_000 {
        list.append_child(&new_el("li", &format!("a{i}"), ""))
            .unwrap();
        let first_child = list.first_child();
        list.insert_before(&new_el("li", &format!("p{i}"), ""), first_child.as_ref())
            .unwrap();
    }
    let t0 = js_sys::Date::now();
    let (ms, _) = next_mutations(&mut r).await;
    let elapsed = js_sys::Date::now() - t0;
    assert!(elapsed < 3_000.0, "took {elapsed} ms");
    assert_eq!(
        replay_children(&start_children, list_id, &ms),
        dom_children_ids(&list)
    );
}

#[wasm_bindgen_test]
async fn a_shadow_root_attached_to_a_recorded_host_is_observed() {
    let _f = Fixture::new(r#"<div id="late-host"><span>light</span></div>"#);
    let (mut r, first) = start();
    let host = snapshot_id(&first, "late-host");
    let root = el("late-host")
        .attach_shadow(&web_sys::ShadowRootInit::new(web_sys::ShadowRootMode::Open))
        .unwrap();
    root.set_inner_html("<p id='in-shadow'>CANARYSHADOW</p>");
    let (ms, text) = next_mutations(&mut r).await;
    assert!(!text.contains("CANARY"), "{text}");
    let adds = adds_under(&ms, host);
    assert_eq!(adds.len(), 1, "{ms:?}");
    let p = element(&adds[0].node);
    assert_eq!(p.tag_name, "p");
    assert!(p.is_shadow, "a child of the shadow root");
    let p_id = p.id;
    // Later changes inside the root are observed too.
    root.first_element_child()
        .unwrap()
        .set_attribute("title", "CANARYTITLE")
        .unwrap();
    let (ms, text) = next_mutations(&mut r).await;
    assert!(!text.contains("CANARY"), "{text}");
    assert!(
        ms.iter()
            .flat_map(|m| m.attributes.iter())
            .any(|a| a.id == p_id && a.attributes.contains_key("title")),
        "{ms:?}"
    );
}
