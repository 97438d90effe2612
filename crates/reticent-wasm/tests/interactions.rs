//! Interaction listeners in a real browser, driven by synthetic events.

mod common;

use common::*;
use js_sys::{Function, Reflect};
use reticent_core::event::EventData;
use reticent_core::incremental::{mouse_interaction as mi, IncrementalData};
use reticent_core::privacy::{PrivacyEngine, TextContext, INPUT_MASK};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{
    CssStyleRule, CssStyleSheet, Element, Event, EventInit, HtmlElement, HtmlInputElement,
    HtmlStyleElement, MouseEvent, MouseEventInit,
};

wasm_bindgen_test_configure!(run_in_browser);

fn el(id: &str) -> Element {
    document().get_element_by_id(id).unwrap()
}

fn mouse(kind: &str, x: i32, y: i32) -> MouseEvent {
    let init = MouseEventInit::new();
    init.set_bubbles(true);
    init.set_client_x(x);
    init.set_client_y(y);
    MouseEvent::new_with_mouse_event_init_dict(kind, &init).unwrap()
}

fn plain(kind: &str, bubbles: bool) -> Event {
    let init = EventInit::new();
    init.set_bubbles(bubbles);
    Event::new_with_event_init_dict(kind, &init).unwrap()
}

#[wasm_bindgen_test]
fn a_click_records_target_and_position() {
    let _f = Fixture::new(r#"<button id="btn">Go</button>"#);
    let mut r = granted();
    let first = take(&mut r);
    let btn = snapshot_id(&first, "btn");
    el("btn")
        .dispatch_event(&mouse("mousedown", 10, 20))
        .unwrap();
    el("btn").dispatch_event(&mouse("mouseup", 10, 20)).unwrap();
    el("btn").dispatch_event(&mouse("click", 10, 20)).unwrap();
    el("btn")
        .dispatch_event(&mouse("dblclick", 11, 21))
        .unwrap();
    el("btn")
        .dispatch_event(&mouse("contextmenu", 12, 22))
        .unwrap();
    el("btn").dispatch_event(&plain("focus", false)).unwrap();
    let batch = take(&mut r);
    let got: Vec<_> = incrementals(&batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::MouseInteraction(m) if m.id == btn => Some((m.kind, m.x, m.y)),
            _ => None,
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (mi::MOUSE_DOWN, Some(10), Some(20)),
            (mi::MOUSE_UP, Some(10), Some(20)),
            (mi::CLICK, Some(10), Some(20)),
            (mi::DBL_CLICK, Some(11), Some(21)),
            (mi::CONTEXT_MENU, Some(12), Some(22)),
            (mi::FOCUS, None, None),
        ]
    );
}

#[wasm_bindgen_test]
fn typing_gives_one_masked_input_event_on_change() {
    let _f = Fixture::new(r#"<input id="in"><textarea id="ta"></textarea>"#);
    let mut r = granted();
    let first = take(&mut r);
    let id = snapshot_id(&first, "in");
    let input: HtmlInputElement = el("in").dyn_into().unwrap();
    for v in ["C", "CA", "CANARYTYPED"] {
        input.set_value(v);
        input.dispatch_event(&plain("input", true)).unwrap();
    }
    input.dispatch_event(&plain("change", true)).unwrap();
    // A textarea typed into but not changed: flushed by takeBatch.
    let ta = el("ta");
    ta.unchecked_ref::<web_sys::HtmlTextAreaElement>()
        .set_value("CANARYAREA");
    ta.dispatch_event(&plain("input", true)).unwrap();
    assert_eq!(r.pending_events(), 2, "one written, one pending");
    let batch = take(&mut r);
    assert!(!dump(&batch).contains("CANARY"));
    let inputs: Vec<_> = incrementals(&batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::Input(i) => Some(i.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(inputs.len(), 2, "{inputs:?}");
    assert_eq!(inputs[0].id, id);
    assert_eq!(inputs[0].text.as_str(), INPUT_MASK);
    assert!(!inputs[0].is_checked);
    assert_eq!(
        inputs[0].user_triggered,
        Some(false),
        "synthetic events are not trusted"
    );
    assert_eq!(inputs[1].id, snapshot_id(&first, "ta"));
    assert_eq!(inputs[1].text.as_str(), INPUT_MASK);
}

#[wasm_bindgen_test]
fn choices_and_blocked_fields_give_no_input_event() {
    let _f = Fixture::new(
        r#"<input id="r1" type="radio" name="g"><input id="r2" type="radio" name="g">
           <input id="cb" type="checkbox"><input id="blk" data-reticent-block>
           <input id="txt">"#,
    );
    let mut r = granted();
    let first = take(&mut r);
    let r2: HtmlInputElement = el("r2").dyn_into().unwrap();
    r2.set_checked(true);
    r2.dispatch_event(&plain("change", true)).unwrap();
    el("cb").dispatch_event(&plain("change", true)).unwrap();
    let blocked: HtmlInputElement = el("blk").dyn_into().unwrap();
    blocked.set_value("CANARYBLOCKED");
    blocked.dispatch_event(&plain("input", true)).unwrap();
    el("txt").dispatch_event(&plain("change", true)).unwrap();
    let batch = take(&mut r);
    let ids: Vec<u32> = incrementals(&batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::Input(i) => Some(i.id),
            _ => None,
        })
        .collect();
    assert_eq!(ids, vec![snapshot_id(&first, "txt")]);
}

#[wasm_bindgen_test]
fn an_editable_value_is_in_clear_only_if_nothing_inside_is_masked() {
    // Unmasked editable elements; inside the first, a masked span.
    let _f = Fixture::new(
        r#"<div id="ed" contenteditable data-reticent-unmask>Hi <span data-reticent-mask>CANARYMASKED</span></div>
           <div id="ok" contenteditable data-reticent-unmask>Plain <b>bold</b></div>"#,
    );
    let mut r = granted();
    let first = take(&mut r);
    for id in ["ed", "ok"] {
        el(id).dispatch_event(&plain("input", true)).unwrap();
    }
    let batch = take(&mut r);
    assert!(!dump(&batch).contains("CANARY"), "{}", dump(&batch));
    let text_of = |id: u32| {
        incrementals(&batch)
            .into_iter()
            .find_map(|d| match d {
                IncrementalData::Input(i) if i.id == id => Some(i.text.as_str().to_owned()),
                _ => None,
            })
            .unwrap_or_else(|| panic!("no input event for {id}"))
    };
    assert_eq!(text_of(snapshot_id(&first, "ed")), INPUT_MASK);
    assert_eq!(text_of(snapshot_id(&first, "ok")), "Plain bold");
}

/// `Object.getOwnPropertyDescriptor(HTMLInputElement.prototype, "value").set`.
fn input_value_setter() -> JsValue {
    let proto = Reflect::get(&js_sys::global(), &"HTMLInputElement".into())
        .and_then(|c| Reflect::get(&c, &"prototype".into()))
        .unwrap();
    let d = js_sys::Object::get_own_property_descriptor(
        proto.unchecked_ref::<js_sys::Object>(),
        &"value".into(),
    );
    Reflect::get(&d, &"set".into()).unwrap()
}

#[wasm_bindgen_test]
fn values_set_by_script_are_recorded_masked_like_typed_ones() {
    let _f = Fixture::new(
        r#"<input id="sv"><input id="cb" type="checkbox" value="CANARYBOX"><textarea id="sta"></textarea>
        <select id="sel"><option>a</option><option>CANARYOPT</option></select>
        <select id="sel2"><option>a</option><option>CANARYTWO</option></select>
        <input id="ign" class="skip">"#,
    );
    let original = input_value_setter();
    let mut r =
        reticent_wasm::Recorder::new(options(r#"{"privacy":{"ignore":[".skip"]}}"#)).unwrap();
    grant(&mut r).unwrap();
    let first = take(&mut r);
    el("sv")
        .unchecked_ref::<HtmlInputElement>()
        .set_value("CANARYSET");
    el("cb")
        .unchecked_ref::<HtmlInputElement>()
        .set_checked(true);
    el("sta")
        .unchecked_ref::<web_sys::HtmlTextAreaElement>()
        .set_value("CANARYAREA");
    el("sel")
        .unchecked_ref::<web_sys::HtmlSelectElement>()
        .set_selected_index(1);
    el("sel2")
        .unchecked_ref::<web_sys::HtmlSelectElement>()
        .set_value("CANARYTWO");
    el("ign")
        .unchecked_ref::<HtmlInputElement>()
        .set_value("CANARYIGNORED");
    // Set twice: still one pending Input per element.
    el("sv")
        .unchecked_ref::<HtmlInputElement>()
        .set_value("CANARYSET2");
    assert_eq!(r.pending_events(), 5);
    let batch = take(&mut r);
    assert!(!dump(&batch).contains("CANARY"), "{}", dump(&batch));
    let inputs: Vec<_> = incrementals(&batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::Input(i) => Some(i.clone()),
            _ => None,
        })
        .collect();
    let mut ids: Vec<u32> = inputs.iter().map(|i| i.id).collect();
    ids.sort_unstable();
    // Not the checkbox: its event alone would tell it was ticked.
    let mut expected: Vec<u32> = ["sv", "sta", "sel", "sel2"]
        .iter()
        .map(|id| snapshot_id(&first, id))
        .collect();
    expected.sort_unstable();
    assert_eq!(ids, expected, "{inputs:?}");
    for i in &inputs {
        assert_eq!(i.text.as_str(), INPUT_MASK, "{i:?}");
        assert!(!i.is_checked, "checked state is never recorded");
        assert_eq!(i.user_triggered, Some(false), "set by script");
    }

    // Stopping puts the original setter back; a value set then is not recorded.
    assert!(input_value_setter() != original);
    r.withdraw_consent();
    assert!(
        input_value_setter() == original,
        "the original setter is back"
    );
    el("sv")
        .unchecked_ref::<HtmlInputElement>()
        .set_value("after");
    assert_eq!(r.pending_events(), 0);
}

#[wasm_bindgen_test]
fn blur_flushes_a_pending_input() {
    let _f = Fixture::new(r#"<input id="in">"#);
    let mut r = granted();
    let _ = take(&mut r);
    let input: HtmlInputElement = el("in").dyn_into().unwrap();
    input.set_value("x");
    input.dispatch_event(&plain("input", true)).unwrap();
    input.dispatch_event(&plain("blur", false)).unwrap();
    let batch = take(&mut r);
    let kinds: Vec<_> = incrementals(&batch)
        .into_iter()
        .map(|d| match d {
            IncrementalData::Input(_) => "input",
            IncrementalData::MouseInteraction(m) if m.kind == mi::BLUR => "blur",
            _ => "other",
        })
        .filter(|k| *k != "other")
        .collect();
    assert_eq!(kinds, vec!["input", "blur"]);
}

#[wasm_bindgen_test]
async fn mouse_moves_are_sampled_and_flushed_as_one_event() {
    let _f = Fixture::new(r#"<div id="pad" style="width:50px;height:50px"></div>"#);
    let mut r = granted();
    let first = take(&mut r);
    let pad = snapshot_id(&first, "pad");
    for i in 0..5 {
        el("pad").dispatch_event(&mouse("mousemove", i, i)).unwrap();
    }
    sleep(60).await;
    el("pad")
        .dispatch_event(&mouse("mousemove", 40, 41))
        .unwrap();
    let batch = take(&mut r);
    let moves: Vec<_> = incrementals(&batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::MouseMove(m) => Some(m.positions.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(moves.len(), 1, "{moves:?}");
    let p = &moves[0];
    assert_eq!(p.len(), 2, "one position per 50 ms: {p:?}");
    assert_eq!(
        (p[0].x, p[0].y, p[0].id),
        (4, 4, pad),
        "the latest of the window"
    );
    assert_eq!((p[1].x, p[1].y), (40, 41));
    assert!(p[0].time_offset <= -50 && p[1].time_offset <= 0, "{p:?}");
}

#[wasm_bindgen_test]
fn scrolls_record_the_target_and_offsets() {
    let _f = Fixture::new(
        r#"<div id="box" style="height:20px;overflow:auto"><div style="height:200px"></div></div>"#,
    );
    let mut r = granted();
    let first = take(&mut r);
    let id = snapshot_id(&first, "box");
    el("box").set_scroll_top(30);
    el("box").dispatch_event(&plain("scroll", false)).unwrap();
    el("box").set_scroll_top(60);
    el("box").dispatch_event(&plain("scroll", false)).unwrap();
    let batch = take(&mut r);
    let scrolls: Vec<_> = incrementals(&batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::Scroll(s) if s.id == id => Some(s.y),
            _ => None,
        })
        .collect();
    assert_eq!(scrolls, vec![30, 60], "throttled, the last one flushed");
}

#[wasm_bindgen_test]
fn scrolls_of_several_targets_are_throttled_each_on_its_own() {
    let _f = Fixture::new(
        r#"<div id="a" style="height:20px;overflow:auto"><div style="height:200px"></div></div>
           <div id="b" style="height:20px;overflow:auto"><div style="height:200px"></div></div>"#,
    );
    let mut r = granted();
    let first = take(&mut r);
    let (a, b) = (snapshot_id(&first, "a"), snapshot_id(&first, "b"));
    for (target, y) in [("a", 30), ("b", 10), ("a", 60), ("b", 20), ("a", 70)] {
        el(target).set_scroll_top(y);
        el(target).dispatch_event(&plain("scroll", false)).unwrap();
    }
    let batch = take(&mut r);
    let ys = |id: u32| -> Vec<i32> {
        incrementals(&batch)
            .into_iter()
            .filter_map(|d| match d {
                IncrementalData::Scroll(s) if s.id == id => Some(s.y),
                _ => None,
            })
            .collect()
    };
    assert_eq!(
        ys(a),
        vec![30, 70],
        "a: the first, then its latest throttled position"
    );
    assert_eq!(ys(b), vec![10, 20], "b: the same, apart from a");
}

/// (timestamp, y) of the Scroll events of `id`, and every event's timestamp, in batch order.
fn scroll_times(batch: &reticent_core::batch::Batch, id: u32) -> (Vec<(u64, i32)>, Vec<u64>) {
    let scrolls = batch
        .events
        .iter()
        .filter_map(|e| match &e.data {
            EventData::Incremental(IncrementalData::Scroll(s)) if s.id == id => {
                Some((e.timestamp, s.y))
            }
            _ => None,
        })
        .collect();
    (scrolls, batch.events.iter().map(|e| e.timestamp).collect())
}

/// Waits for two animation frames: the browser's own `scroll` events for a
/// changed scroll position fire with the next rendering update.
async fn frames() {
    for _ in 0..2 {
        let promise = js_sys::Promise::new(&mut |resolve, _| {
            let _ = web_sys::window().unwrap().request_animation_frame(&resolve);
        });
        wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    }
}

#[wasm_bindgen_test]
async fn a_throttled_scroll_keeps_the_time_it_happened() {
    let _f = Fixture::new(
        r#"<div id="roll" style="height:20px;overflow:auto"><div style="height:400px"></div></div><button id="after">x</button>"#,
    );
    let mut r = granted();
    let first = take(&mut r);
    let id = snapshot_id(&first, "roll");
    let scroll_to = |y: i32| {
        el("roll").set_scroll_top(y);
        el("roll").dispatch_event(&plain("scroll", false)).unwrap();
    };
    // A gesture: the first scroll is recorded, the next one is throttled
    // (and so is the browser's own scroll event, a frame later).
    scroll_to(30);
    scroll_to(60);
    frames().await;
    let gesture_end = js_sys::Date::now() as u64;
    // Later events and the flush come at least 150 ms after the gesture ended.
    sleep(150).await;
    el("after").dispatch_event(&mouse("click", 1, 1)).unwrap();
    let batch = take(&mut r);
    let (scrolls, times) = scroll_times(&batch, id);
    assert_eq!(scrolls.first().map(|s| s.1), Some(30), "{scrolls:?}");
    assert_eq!(scrolls.last().map(|s| s.1), Some(60), "{scrolls:?}");
    assert!(
        scrolls.iter().all(|s| s.0 <= gesture_end),
        "every scroll is stamped when it happened, not at the flush: {scrolls:?} > {gesture_end}"
    );
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "time order: {times:?}"
    );
    assert_eq!(
        (batch.start_time, batch.end_time),
        (times[0], times[times.len() - 1])
    );

    // A throttled scroll followed, after the throttle, by another scroll of
    // the same target: both are kept, each at its own time.
    scroll_to(90);
    scroll_to(120);
    frames().await;
    let second_end = js_sys::Date::now() as u64;
    sleep(150).await;
    scroll_to(150);
    let batch = take(&mut r);
    let (scrolls, times) = scroll_times(&batch, id);
    let ys: Vec<i32> = scrolls.iter().map(|s| s.1).collect();
    let trailing = scrolls
        .iter()
        .find(|s| s.1 == 120)
        .unwrap_or_else(|| panic!("the throttled position is not lost: {ys:?}"));
    assert!(trailing.0 <= second_end, "{scrolls:?} > {second_end}");
    assert_eq!(ys.last(), Some(&150));
    assert!(
        times.windows(2).all(|w| w[0] <= w[1]),
        "time order: {times:?}"
    );
}

#[wasm_bindgen_test]
fn visibility_and_navigation_are_recorded_scrubbed() {
    let _address = Address::set("/start");
    let mut r = granted();
    let _ = take(&mut r);
    document()
        .dispatch_event(&plain("visibilitychange", false))
        .unwrap();
    web_sys::window()
        .unwrap()
        .history()
        .unwrap()
        .push_state_with_url(
            &JsValue::NULL,
            "",
            Some("/spa/page?token=CANARYPUSH#CANARYHASH"),
        )
        .unwrap();
    web_sys::window()
        .unwrap()
        .dispatch_event(&plain("popstate", false))
        .unwrap();
    let batch = take(&mut r);
    assert!(!dump(&batch).contains("CANARY"));
    let custom = batch
        .events
        .iter()
        .find_map(|e| match &e.data {
            EventData::Custom(c) => Some(c.clone()),
            _ => None,
        })
        .expect("a visibility event");
    assert_eq!(custom.tag, "reticent.visibility");
    assert_eq!(custom.payload["state"].as_str(), "visible");
    let metas: Vec<_> = batch
        .events
        .iter()
        .filter_map(|e| match &e.data {
            EventData::Meta(m) => Some(m.href.as_str().to_owned()),
            _ => None,
        })
        .collect();
    assert_eq!(metas.len(), 2, "pushState and popstate: {metas:?}");
    assert!(metas.iter().all(|h| h.ends_with("/spa/page")), "{metas:?}");
}

#[wasm_bindgen_test]
fn css_rule_changes_are_sanitised_and_patches_removed_on_withdraw() {
    let _f = Fixture::new(r#"<style id="st">.a { color: red }</style>"#);
    let proto = Reflect::get(&js_sys::global(), &"CSSStyleSheet".into())
        .and_then(|c| Reflect::get(&c, &"prototype".into()))
        .unwrap();
    let original_insert: Function = Reflect::get(&proto, &"insertRule".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    let history = web_sys::window().unwrap().history().unwrap();
    assert!(!js_sys::Object::has_own(&history, &"pushState".into()));

    let mut r = granted();
    let first = take(&mut r);
    let id = snapshot_id(&first, "st");
    let sheet: CssStyleSheet = el("st")
        .unchecked_ref::<HtmlStyleElement>()
        .sheet()
        .unwrap()
        .dyn_into()
        .unwrap();
    let rule = ".b { background: url(https://x.example/CANARYRULE.png) }";
    assert_eq!(sheet.insert_rule_with_index(rule, 1).unwrap(), 1);
    sheet.delete_rule(0).unwrap();
    // The page still sees the original's exceptions.
    assert!(sheet.insert_rule_with_index(".x {}", 99).is_err());
    let batch = take(&mut r);
    assert!(!dump(&batch).contains("CANARY"));
    let rules: Vec<_> = incrementals(&batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::StyleSheetRule(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(rules.len(), 2, "{rules:?}");
    assert_eq!(rules[0].id, Some(id));
    assert_eq!(
        rules[0].adds[0].rule,
        PrivacyEngine::default().text(rule, TextContext::Style)
    );
    assert_eq!(rules[0].adds[0].index, Some(1));
    assert_eq!(rules[1].removes[0].index, 0);

    r.withdraw_consent();
    let now: Function = Reflect::get(&proto, &"insertRule".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(now == original_insert, "insertRule restored");
    assert!(!js_sys::Object::has_own(&history, &"pushState".into()));
    sheet.insert_rule_with_index(".c{}", 0).unwrap();
    assert_eq!(r.pending_events(), 0);
}

#[wasm_bindgen_test]
async fn rule_declaration_edits_are_recorded_sanitised_with_nested_positions() {
    let _f = Fixture::new(
        r#"<style id="decl">.a { color: red } @media all { .b { color: blue } }</style><div id="plain"></div>"#,
    );
    let proto = Reflect::get(&js_sys::global(), &"CSSStyleDeclaration".into())
        .and_then(|c| Reflect::get(&c, &"prototype".into()))
        .unwrap();
    let original_set: Function = Reflect::get(&proto, &"setProperty".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    let mut r = granted();
    let first = take(&mut r);
    let id = snapshot_id(&first, "decl");
    let sheet: CssStyleSheet = el("decl")
        .unchecked_ref::<HtmlStyleElement>()
        .sheet()
        .unwrap()
        .dyn_into()
        .unwrap();
    let rules = sheet.css_rules().unwrap();
    let a: CssStyleRule = rules.item(0).unwrap().dyn_into().unwrap();
    let media = rules.item(1).unwrap();
    let inner: CssStyleRule = Reflect::get(&media, &"cssRules".into())
        .unwrap()
        .unchecked_into::<web_sys::CssRuleList>()
        .item(0)
        .unwrap()
        .dyn_into()
        .unwrap();
    a.style()
        .set_property_with_priority("border", "3px dashed red", "important")
        .unwrap();
    a.style()
        .set_property("background", "url(https://x.example/CANARYURL.png) blue")
        .unwrap();
    inner
        .style()
        .set_property("content", "\"CANARYTEXT\"")
        .unwrap();
    inner.style().remove_property("color").unwrap();
    // Not rule declarations: an element's inline style (a `style` attribute
    // change for the observer), a name that is not plain CSS.
    el("plain")
        .unchecked_ref::<HtmlElement>()
        .style()
        .set_property("color", "green")
        .unwrap();
    a.style().set_property("x y", "1").unwrap();
    // The page still sees the original's exceptions (computed styles are read-only).
    let computed = web_sys::window()
        .unwrap()
        .get_computed_style(&el("plain"))
        .unwrap()
        .unwrap();
    assert!(computed.set_property("color", "red").is_err());
    settle().await;

    let batch = take(&mut r);
    assert!(!dump(&batch).contains("CANARY"), "{}", dump(&batch));
    let decls: Vec<_> = incrementals(&batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::StyleDeclaration(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(decls.len(), 4, "{decls:?}");
    assert!(decls.iter().all(|d| d.id == Some(id)));
    let set = |i: usize| decls[i].set.clone().expect("a set");
    assert_eq!(decls[0].index, vec![0]);
    assert_eq!(set(0).property.as_str(), "border");
    assert_eq!(set(0).value.as_str(), "3px dashed red");
    assert_eq!(
        set(0).priority.map(|p| p.as_str().to_owned()).as_deref(),
        Some("important")
    );
    assert_eq!(decls[1].index, vec![0]);
    assert_eq!(set(1).property.as_str(), "background");
    assert!(
        set(1).value.as_str().contains("url()"),
        "{:?}",
        set(1).value
    );
    assert_eq!(set(1).priority, None);
    assert_eq!(decls[2].index, vec![1, 0], "the rule inside @media");
    assert_eq!(
        set(2).value.as_str(),
        "\"**********\"",
        "content strings are masked"
    );
    assert_eq!(decls[3].index, vec![1, 0]);
    assert_eq!(
        decls[3].remove.as_ref().map(|d| d.property.as_str()),
        Some("color")
    );
    assert!(decls[3].set.is_none());
    let inline = mutations(&batch)
        .iter()
        .flat_map(|m| m.attributes.iter())
        .any(|a| a.attributes.contains_key("style"));
    assert!(inline, "the inline style change is an attribute mutation");

    r.withdraw_consent();
    let now: Function = Reflect::get(&proto, &"setProperty".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(now == original_set, "setProperty restored");
    a.style().set_property("color", "blue").unwrap();
    assert_eq!(r.pending_events(), 0);
}

#[wasm_bindgen_test]
fn media_play_and_pause_are_recorded() {
    let _f = Fixture::new(r#"<video id="vid"></video>"#);
    let mut r = granted();
    let first = take(&mut r);
    let id = find(snapshot(&first), &|e| e.tag_name == "video")
        .unwrap()
        .id;
    el("vid").dispatch_event(&plain("play", false)).unwrap();
    el("vid").dispatch_event(&plain("pause", false)).unwrap();
    let batch = take(&mut r);
    let got: Vec<_> = incrementals(&batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::MediaInteraction(m) if m.id == id => Some(m.kind),
            _ => None,
        })
        .collect();
    assert_eq!(got, vec![0, 1]);
}

#[wasm_bindgen_test]
fn after_withdraw_nothing_is_listened_and_regrant_listens_once() {
    let _f = Fixture::new(r#"<button id="btn">Go</button>"#);
    let mut r = granted();
    let _ = take(&mut r);
    r.withdraw_consent();
    el("btn").dispatch_event(&mouse("click", 1, 2)).unwrap();
    document()
        .dispatch_event(&plain("visibilitychange", false))
        .unwrap();
    assert_eq!(r.pending_events(), 0);
    assert_eq!(r.take_batch(None).unwrap(), None);
    grant(&mut r).unwrap();
    let first = take(&mut r);
    let btn = snapshot_id(&first, "btn");
    el("btn").dispatch_event(&mouse("click", 1, 2)).unwrap();
    let batch = take(&mut r);
    let clicks = incrementals(&batch)
        .into_iter()
        .filter(|d| matches!(d, IncrementalData::MouseInteraction(m) if m.id == btn))
        .count();
    assert_eq!(clicks, 1, "listeners are registered once");
    assert!(r.take_error().is_undefined());
}

#[wasm_bindgen_test]
fn dropping_the_recorder_removes_listeners() {
    let _f = Fixture::new(r#"<button id="btn">Go</button>"#);
    let r = granted();
    drop(r);
    // Would throw "closure invoked after being dropped" if still attached.
    el("btn").dispatch_event(&mouse("click", 1, 2)).unwrap();
    web_sys::window()
        .unwrap()
        .dispatch_event(&plain("resize", false))
        .unwrap();
}

#[wasm_bindgen_test]
fn touches_and_viewport_resizes_are_recorded() {
    let _f = Fixture::new(r#"<div id="pad">x</div>"#);
    let mut r = granted();
    let first = take(&mut r);
    let pad = snapshot_id(&first, "pad");
    let init = web_sys::TouchEventInit::new();
    init.set_bubbles(true);
    let touch = web_sys::TouchEvent::new_with_event_init_dict("touchstart", &init).unwrap();
    el("pad").dispatch_event(&touch).unwrap();
    let touch = web_sys::TouchEvent::new_with_event_init_dict("touchend", &init).unwrap();
    el("pad").dispatch_event(&touch).unwrap();
    let window = web_sys::window().unwrap();
    window.dispatch_event(&plain("resize", false)).unwrap();
    window.dispatch_event(&plain("resize", false)).unwrap();
    let batch = take(&mut r);
    let touches: Vec<_> = incrementals(&batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::MouseInteraction(m) if m.id == pad => Some((m.kind, m.pointer_type)),
            _ => None,
        })
        .collect();
    assert_eq!(
        touches,
        vec![(mi::TOUCH_START, Some(2)), (mi::TOUCH_END, Some(2))]
    );
    let sizes: Vec<_> = incrementals(&batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::ViewportResize(v) => Some((v.width, v.height)),
            _ => None,
        })
        .collect();
    assert_eq!(sizes.len(), 2, "throttled, the last one flushed: {sizes:?}");
    assert!(sizes.iter().all(|(w, h)| *w > 0 && *h > 0));
}
