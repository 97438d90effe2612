//! The site's masking rules in a real browser: selectors and
//! `data-reticent-*` attributes, precedence, shadow roots, later changes,
//! fail-closed matching, never-unmaskable fields, `ignore`, `excludePages`.

mod common;

use common::*;
use reticent_core::incremental::IncrementalData;
use reticent_core::privacy::INPUT_MASK;
use reticent_wasm::Recorder;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{
    Event, EventInit, HtmlIFrameElement, HtmlInputElement, ShadowRootInit, ShadowRootMode,
};

wasm_bindgen_test_configure!(run_in_browser);

fn el(id: &str) -> web_sys::Element {
    document().get_element_by_id(id).unwrap()
}

fn plain(kind: &str) -> Event {
    let init = EventInit::new();
    init.set_bubbles(true);
    Event::new_with_event_init_dict(kind, &init).unwrap()
}

/// A recorder with `privacy` options (JSON), consent granted.
fn with_rules(privacy: &str) -> Recorder {
    let mut r = Recorder::new(options(&format!(r#"{{"privacy":{privacy}}}"#))).unwrap();
    grant(&mut r).unwrap();
    r
}

/// The text of the first text child of the element `#id` in the snapshot.
fn text_of(batch: &reticent_core::batch::Batch, id: &str) -> String {
    let e = by_id(snapshot(batch), id);
    e.child_nodes
        .iter()
        .find_map(|c| match c {
            reticent_core::node::SerializedNode::Text(t) => {
                Some(t.text_content.as_str().to_owned())
            }
            _ => None,
        })
        .unwrap_or_default()
}

#[wasm_bindgen_test]
fn selectors_unmask_text_and_inputs_and_detectors_still_apply() {
    let _f = Fixture::new(
        r#"<div class="open"><p id="a">Open ALPHA mail jean@example.com</p>
             <p id="b" class="closed">Closed BRAVO</p>
             <input id="q" class="field" value="CHARLIE" title="DELTA">
             <input id="pw" type="password" class="field" value="ECHO"></div>
           <p id="c">Elsewhere FOXTROT</p>"#,
    );
    let mut r =
        with_rules(r#"{"unmaskText":[".open"],"unmaskInputs":[".field"],"mask":[".closed"]}"#);
    let b = take(&mut r);
    assert_eq!(text_of(&b, "a"), "Open ALPHA mail [email]");
    assert_eq!(text_of(&b, "b"), "****** *****");
    assert_eq!(text_of(&b, "c"), "********* *******");
    let q = by_id(snapshot(&b), "q");
    assert_eq!(attr(q, "value"), Some("CHARLIE"));
    assert_eq!(attr(q, "title"), Some("DELTA"), "text rule of the ancestor");
    let pw = by_id(snapshot(&b), "pw");
    assert_eq!(attr(pw, "value"), Some(INPUT_MASK), "never unmaskable");
    let all = dump(&b);
    for hidden in ["BRAVO", "FOXTROT", "ECHO", "jean@"] {
        assert!(!all.contains(hidden), "{hidden} leaked");
    }
}

#[wasm_bindgen_test]
fn inline_attributes_block_over_mask_over_unmask_nearest_wins() {
    let _f = Fixture::new(
        r#"<div data-reticent-unmask>
             <p id="u">Visible ALPHA</p>
             <section data-reticent-mask><p id="m">Hidden BRAVO</p>
               <div data-reticent-unmask><p id="mu">Again CHARLIE</p></div></section>
             <p id="same" data-reticent-unmask data-reticent-mask>Same DELTA</p>
             <div id="blk" data-reticent-block data-reticent-unmask><p>Blocked ECHO</p></div>
           </div>"#,
    );
    let mut r = with_rules("{}");
    let b = take(&mut r);
    assert_eq!(text_of(&b, "u"), "Visible ALPHA");
    assert_eq!(text_of(&b, "m"), "****** *****");
    assert_eq!(text_of(&b, "mu"), "Again CHARLIE", "nearest ancestor wins");
    assert_eq!(text_of(&b, "same"), "**** *****", "mask beats unmask");
    // A placeholder keeps only its class and size.
    let blk = find(snapshot(&b), &|e| e.need_block && e.tag_name == "div").unwrap();
    assert!(blk.child_nodes.is_empty() && attr(blk, "rr_width").is_some());
    let all = dump(&b);
    assert!(!all.contains("BRAVO") && !all.contains("DELTA") && !all.contains("ECHO"));
}

#[wasm_bindgen_test]
async fn rules_cross_shadow_roots() {
    let _f = Fixture::new(r#"<div id="host" class="open"></div><div id="host2"></div>"#);
    let root = el("host")
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    root.set_inner_html(
        r#"<p id="in">Shadow ALPHA</p><p class="secret">Shadow BRAVO</p>
           <div class="wall"><span>Shadow CHARLIE</span></div>"#,
    );
    let root2 = el("host2")
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    root2.set_inner_html(r#"<p class="open">Inner DELTA</p><p>Inner ECHO</p>"#);
    let mut r = with_rules(r#"{"unmaskText":[".open"],"mask":[".secret"],"block":[".wall"]}"#);
    let b = take(&mut r);
    let all = dump(&b);
    assert!(
        all.contains("Shadow ALPHA"),
        "the host's rule applies inside"
    );
    assert!(
        all.contains("Inner DELTA"),
        "rules match inside shadow roots"
    );
    for hidden in ["BRAVO", "CHARLIE", "ECHO"] {
        assert!(!all.contains(hidden), "{hidden} leaked");
    }
    // Added later inside the shadow root: the same decision.
    let p = document().create_element("p").unwrap();
    p.set_text_content(Some("Late FOXTROT"));
    root.append_child(&p).unwrap();
    let q = document().create_element("p").unwrap();
    q.set_class_name("secret");
    q.set_text_content(Some("Late GOLF"));
    root.append_child(&q).unwrap();
    settle().await;
    let all = dump(&take(&mut r));
    assert!(all.contains("Late FOXTROT"));
    assert!(!all.contains("GOLF"));
}

#[wasm_bindgen_test]
async fn later_elements_and_text_changes_use_the_same_decision() {
    let _f = Fixture::new(
        r#"<div id="open" class="open"><p id="t">Start ALPHA</p></div><div id="shut"></div>"#,
    );
    let mut r = with_rules(r#"{"unmaskText":[".open"]}"#);
    let _ = take(&mut r);
    // Added under an unmasked element, and under a masked one.
    let p = document().create_element("p").unwrap();
    p.set_text_content(Some("Added BRAVO"));
    el("open").append_child(&p).unwrap();
    let s = document().create_element("p").unwrap();
    s.set_text_content(Some("Added CHARLIE"));
    el("shut").append_child(&s).unwrap();
    settle().await;
    let all = dump(&take(&mut r));
    assert!(all.contains("Added BRAVO"));
    assert!(!all.contains("CHARLIE"));
    // An element that starts matching later.
    el("shut").set_class_name("open");
    // A text change under an element masked later is masked.
    el("open").set_attribute("data-reticent-mask", "").unwrap();
    el("t")
        .first_child()
        .unwrap()
        .set_node_value(Some("Changed DELTA"));
    s.first_child()
        .unwrap()
        .set_node_value(Some("Changed ECHO"));
    settle().await;
    let all = dump(&take(&mut r));
    assert!(
        !all.contains("DELTA"),
        "mask added later applies to text changes"
    );
    assert!(
        all.contains("Changed ECHO"),
        "the now matching rule applies"
    );
}

#[wasm_bindgen_test]
fn invalid_selectors_are_refused_at_construction() {
    for (list, sel) in [("mask", "[["), ("unmaskText", "p:nope"), ("block", "a >")] {
        let o = options(&format!(r#"{{"privacy":{{"{list}":[".ok","{sel}"]}}}}"#));
        let err: JsValue = match Recorder::new(o) {
            Ok(_) => panic!("{list}: {sel} accepted"),
            Err(e) => e.into(),
        };
        let msg = String::from(err.unchecked_ref::<js_sys::Error>().message());
        assert!(msg.contains(&format!("privacy.{list}[1]")), "{msg}");
        let code = js_sys::Reflect::get(&err, &JsValue::from_str("code")).unwrap();
        assert_eq!(code.as_string().as_deref(), Some("INVALID_OPTION"));
    }
}

#[wasm_bindgen_test]
fn a_selector_that_throws_while_matching_fails_closed() {
    let _f = Fixture::new(r#"<p id="x" data-reticent-unmask>Text ALPHA</p>"#);
    // Unmask rules that throw unmask nothing; the inline attribute still does.
    let mut r = Recorder::new_unchecked_selectors_for_tests(options(
        r#"{"privacy":{"unmaskText":["[["],"mask":["p:nope("]}}"#,
    ))
    .unwrap();
    grant(&mut r).unwrap();
    let b = take(&mut r);
    assert_eq!(text_of(&b, "x"), "**** *****", "a throwing mask rule masks");
    assert!(!dump(&b).contains("ALPHA"));
    // A block rule that throws blocks (the whole page becomes a placeholder).
    let mut r =
        Recorder::new_unchecked_selectors_for_tests(options(r#"{"privacy":{"block":["[["]}}"#))
            .unwrap();
    grant(&mut r).unwrap();
    let b = take(&mut r);
    assert!(!dump(&b).contains("ALPHA"));
    assert!(find(snapshot(&b), &|e| e.tag_name == "html" && e.need_block).is_some());
}

#[wasm_bindgen_test]
fn password_fields_stay_masked_after_switching_type() {
    let _f = Fixture::new(
        r#"<div data-reticent-unmask><input id="pw" type="password"><input id="t" type="text">
           <input id="cc" autocomplete="cc-number"></div>"#,
    );
    let mut r = with_rules("{}");
    let first = take(&mut r);
    let pw_id = snapshot_id(&first, "pw");
    let t_id = snapshot_id(&first, "t");
    let cc_id = snapshot_id(&first, "cc");
    let pw: HtmlInputElement = el("pw").dyn_into().unwrap();
    pw.set_attribute("type", "text").unwrap();
    pw.set_value("SECRETALPHA");
    pw.dispatch_event(&plain("change")).unwrap();
    let t: HtmlInputElement = el("t").dyn_into().unwrap();
    t.set_value("PLAINBRAVO");
    t.dispatch_event(&plain("change")).unwrap();
    let cc: HtmlInputElement = el("cc").dyn_into().unwrap();
    cc.set_value("4111111111111111");
    cc.dispatch_event(&plain("change")).unwrap();
    let b = take(&mut r);
    let inputs: Vec<_> = incrementals(&b)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::Input(i) => Some((i.id, i.text.as_str().to_owned())),
            _ => None,
        })
        .collect();
    assert!(
        inputs.contains(&(pw_id, INPUT_MASK.to_owned())),
        "{inputs:?}"
    );
    assert!(
        inputs.contains(&(t_id, "PLAINBRAVO".to_owned())),
        "{inputs:?}"
    );
    assert!(
        inputs.contains(&(cc_id, INPUT_MASK.to_owned())),
        "{inputs:?}"
    );
    assert!(!dump(&b).contains("SECRETALPHA"));
}

#[wasm_bindgen_test]
async fn a_field_that_becomes_a_password_in_a_task_stays_masked() {
    let _f = Fixture::new(r#"<input id="f" type="text" data-reticent-unmask>"#);
    let mut r = with_rules("{}");
    let first = take(&mut r);
    let id = snapshot_id(&first, "f");
    // text → password → text within one task: only the old values tell.
    let f: HtmlInputElement = el("f").dyn_into().unwrap();
    f.set_attribute("type", "password").unwrap();
    f.set_attribute("type", "text").unwrap();
    settle().await;
    f.set_value("SECRETCHARLIE");
    f.dispatch_event(&plain("change")).unwrap();
    let b = take(&mut r);
    assert!(!dump(&b).contains("SECRETCHARLIE"));
    assert!(incrementals(&b).iter().any(
        |d| matches!(d, IncrementalData::Input(i) if i.id == id && i.text.as_str() == INPUT_MASK)
    ));
}

#[wasm_bindgen_test]
fn ignored_elements_send_no_input_events() {
    let _f = Fixture::new(r#"<div class="skip"><input id="i"></div><input id="j">"#);
    let mut r = with_rules(r#"{"ignore":[".skip"]}"#);
    let first = take(&mut r);
    let j_id = snapshot_id(&first, "j");
    for id in ["i", "j"] {
        let e: HtmlInputElement = el(id).dyn_into().unwrap();
        e.set_value("x");
        e.dispatch_event(&plain("change")).unwrap();
    }
    let b = take(&mut r);
    let ids: Vec<u32> = incrementals(&b)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::Input(i) => Some(i.id),
            _ => None,
        })
        .collect();
    assert_eq!(ids, vec![j_id]);
}

#[wasm_bindgen_test]
fn excluded_pages_record_nothing_and_navigation_into_one_stops() {
    let _f = Fixture::new(r#"<p>Page ALPHA</p>"#);
    {
        let _a = Address::set("/checkout/pay?card=1");
        let mut r = with_rules(r#"{"excludePages":["/checkout/*"]}"#);
        assert!(r.is_page_excluded().unwrap());
        assert!(r.excluded());
        assert_eq!(r.consent_state(), "granted");
        assert_eq!(r.pending_events(), 0);
        assert!(r.take_batch(None).unwrap().is_none());
    }
    let _a = Address::set("/shop");
    let mut r = with_rules(r#"{"excludePages":["/checkout/*"]}"#);
    assert!(!r.excluded());
    assert!(r.pending_events() > 0);
    let history = web_sys::window().unwrap().history().unwrap();
    history
        .push_state_with_url(&JsValue::NULL, "", Some("/checkout/pay"))
        .unwrap();
    assert!(r.excluded(), "the navigation stopped recording");
    assert_eq!(r.consent_state(), "granted", "not a failure");
    assert!(r.take_error().is_undefined());
    assert_eq!(r.mirror_size(), 0);
    assert!(
        r.take_batch(None).unwrap().is_none(),
        "the buffer was dropped"
    );
    // Leaving: a new page view once the page calls grantConsent again.
    history
        .replace_state_with_url(&JsValue::NULL, "", Some("/shop"))
        .unwrap();
    assert!(!r.is_page_excluded().unwrap());
    r.withdraw_consent();
    r.grant_consent(JsValue::from_str("s-1"), JsValue::from_str("pv-2"))
        .unwrap();
    assert!(!r.excluded());
    assert!(r.pending_events() > 0);
}

#[wasm_bindgen_test]
async fn a_navigation_the_recorder_did_not_see_into_an_excluded_page_stops_it() {
    let _f = Fixture::new(r#"<p id="p">Page ALPHA</p>"#);
    let _a = Address::set("/shop");
    // A router that kept the original `pushState` (or the Navigation API's
    // intercepted navigations): no wrapped method, no popstate.
    let history = web_sys::window().unwrap().history().unwrap();
    let original = js_sys::Reflect::get(&history, &"pushState".into()).unwrap();
    let unseen_push = || {
        original
            .unchecked_ref::<js_sys::Function>()
            .call3(
                &history,
                &JsValue::NULL,
                &"".into(),
                &"/checkout/pay".into(),
            )
            .unwrap();
    };
    let mut r = with_rules(r#"{"excludePages":["/checkout/*"]}"#);
    let _ = take(&mut r);
    unseen_push();
    assert!(!r.excluded(), "nothing saw it yet");
    // The next mutation callback checks the address first.
    el("p").set_text_content(Some("Checkout CANARYPAY"));
    settle().await;
    assert!(r.excluded(), "stopped before recording the page's changes");
    assert!(r.take_batch(None).unwrap().is_none());

    // With no DOM change, taking a batch checks it too.
    history
        .replace_state_with_url(&JsValue::NULL, "", Some("/shop"))
        .unwrap();
    r.withdraw_consent();
    r.grant_consent(JsValue::from_str("s-2"), JsValue::from_str("pv-3"))
        .unwrap();
    let _ = take(&mut r);
    unseen_push();
    assert!(r.take_batch(None).unwrap().is_none());
    assert!(r.excluded());
    history
        .replace_state_with_url(&JsValue::NULL, "", Some("/shop"))
        .unwrap();
}

#[wasm_bindgen_test]
async fn rules_apply_inside_same_origin_iframes() {
    let _f = Fixture::new(
        r#"<iframe id="fopen" data-reticent-unmask></iframe><iframe id="fplain"></iframe>"#,
    );
    settle().await;
    let doc = |id: &str| {
        el(id)
            .unchecked_ref::<HtmlIFrameElement>()
            .content_document()
            .expect("a same-origin document")
    };
    doc("fopen")
        .body()
        .unwrap()
        .set_inner_html(r#"<p>Framed ALPHA</p><p class="secret">Framed BRAVO</p>"#);
    doc("fplain")
        .body()
        .unwrap()
        .set_inner_html(r#"<p class="pub">Inner CHARLIE</p><p>Inner DELTA</p>"#);
    let mut r = with_rules(r#"{"mask":[".secret"],"unmaskText":[".pub"]}"#);
    let all = dump(&take(&mut r));
    assert!(
        all.contains("Framed ALPHA"),
        "the frame element's rule applies inside"
    );
    assert!(
        all.contains("Inner CHARLIE"),
        "selectors match inside the frame"
    );
    assert!(!all.contains("BRAVO") && !all.contains("DELTA"));
    // Added later inside the frame: the same decision.
    let p = doc("fopen").create_element("p").unwrap();
    p.set_text_content(Some("Late ECHO"));
    doc("fopen").body().unwrap().append_child(&p).unwrap();
    let q = doc("fplain").create_element("p").unwrap();
    q.set_text_content(Some("Late FOXTROT"));
    doc("fplain").body().unwrap().append_child(&q).unwrap();
    settle().await;
    let all = dump(&take(&mut r));
    assert!(all.contains("Late ECHO"), "{all}");
    assert!(!all.contains("FOXTROT"));
}

#[wasm_bindgen_test]
async fn decisions_are_remembered_within_one_callback_only() {
    // Decisions are remembered while one MutationObserver callback is
    // processed (rules.rs). Records of one callback are read against the page
    // as it is when the callback runs, whatever their order, and nothing
    // remembered carries over to the next callback.
    let _f = Fixture::new(
        r#"<div id="outer" class="open"><div id="mid"><p id="t">Start ALPHA</p>
             <span id="s" title="Title">x</span><div id="box"></div></div></div>"#,
    );
    let mut r = with_rules(r#"{"unmaskText":[".open"]}"#);
    let all = dump(&take(&mut r));
    assert!(all.contains("Start ALPHA"));
    let text = el("t").first_child().unwrap();
    let add = |words: &str| {
        let p = document().create_element("p").unwrap();
        p.set_text_content(Some(words));
        el("box").append_child(&p).unwrap();
    };

    // One callback: records before and after the ancestor's class changes.
    text.set_node_value(Some("Before BRAVO"));
    add("Early CHARLIE");
    el("s").set_attribute("title", "Early title KILO").unwrap();
    el("outer").set_class_name("closed");
    add("Late DELTA");
    text.set_node_value(Some("After ECHO"));
    el("s").set_attribute("title", "Late title LIMA").unwrap();
    settle().await;
    let all = dump(&take(&mut r));
    for hidden in ["BRAVO", "CHARLIE", "DELTA", "ECHO", "KILO", "LIMA"] {
        assert!(!all.contains(hidden), "{hidden} leaked");
    }

    // The next callback: unmasked again, so shown (not a remembered "masked").
    el("outer").set_class_name("open");
    text.set_node_value(Some("Again FOXTROT"));
    add("Again GOLF");
    el("s").set_attribute("title", "Again MIKE").unwrap();
    settle().await;
    let all = dump(&take(&mut r));
    for shown in ["Again FOXTROT", "Again GOLF", "Again MIKE"] {
        assert!(all.contains(shown), "{shown} missing: {all}");
    }

    // And masked again in the one after (not a remembered "unmasked").
    el("mid").set_attribute("data-reticent-mask", "").unwrap();
    text.set_node_value(Some("Masked HOTEL"));
    add("Masked INDIA");
    el("s").set_attribute("title", "Masked NOVEMBER").unwrap();
    settle().await;
    let all = dump(&take(&mut r));
    for hidden in ["HOTEL", "INDIA", "NOVEMBER"] {
        assert!(!all.contains(hidden), "{hidden} leaked");
    }
}
