//! Adopted (constructed) style sheets: AdoptedStyleSheet events after the
//! snapshot, when a shadow host is added and when the list is set; their
//! rules sanitised; rule changes of an adopted sheet named by its style id.

mod common;

use common::*;
use js_sys::{Array, Function, Object, Reflect};
use reticent_core::event::EventData;
use reticent_core::incremental::{AdoptedStyleSheetData, IncrementalData, StyleSheetRuleData};
use reticent_core::privacy::{PrivacyEngine, TextContext};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, ShadowRootInit, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

fn el(id: &str) -> Element {
    document().get_element_by_id(id).unwrap()
}

/// A constructed sheet holding `css`.
fn sheet(css: &str) -> JsValue {
    let ctor: Function = Reflect::get(&js_sys::global(), &"CSSStyleSheet".into())
        .unwrap()
        .dyn_into()
        .unwrap();
    let s = Reflect::construct(&ctor, &Array::new()).unwrap();
    call(&s, "replaceSync", &[css.into()]);
    s
}

fn call(target: &JsValue, method: &str, args: &[JsValue]) -> JsValue {
    let f: Function = Reflect::get(target, &method.into())
        .unwrap()
        .dyn_into()
        .unwrap();
    f.apply(target, &args.iter().collect::<Array>()).unwrap()
}

/// `target.adoptedStyleSheets = sheets`, as a page does.
fn adopt(target: &JsValue, sheets: &[&JsValue]) {
    let list: Array = sheets.iter().copied().collect();
    assert!(Reflect::set(target, &"adoptedStyleSheets".into(), &list).unwrap());
}

/// The CSS text of rule `i` of `sheet`, as the engine records it.
fn recorded_rule(sheet: &JsValue, i: u32) -> String {
    let rules = Reflect::get(sheet, &"cssRules".into()).unwrap();
    let rule = Reflect::get(&rules, &i.into()).unwrap();
    let css = Reflect::get(&rule, &"cssText".into())
        .unwrap()
        .as_string()
        .unwrap();
    PrivacyEngine::default()
        .text(&css, TextContext::Style)
        .as_str()
        .to_owned()
}

/// Clears the document's adopted sheets at the end of a test.
struct Unadopt;

impl Drop for Unadopt {
    fn drop(&mut self) {
        adopt(&document(), &[]);
    }
}

fn adopted(batch: &reticent_core::batch::Batch) -> Vec<AdoptedStyleSheetData> {
    incrementals(batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::AdoptedStyleSheet(a) => Some(a.clone()),
            _ => None,
        })
        .collect()
}

fn rule_changes(batch: &reticent_core::batch::Batch) -> Vec<StyleSheetRuleData> {
    incrementals(batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::StyleSheetRule(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

fn setter() -> JsValue {
    let proto = Reflect::get(&js_sys::global(), &"Document".into())
        .and_then(|c| Reflect::get(&c, &"prototype".into()))
        .unwrap();
    let d = Object::get_own_property_descriptor(
        proto.unchecked_ref::<Object>(),
        &"adoptedStyleSheets".into(),
    );
    Reflect::get(&d, &"set".into()).unwrap()
}

#[wasm_bindgen_test]
async fn adopted_sheets_are_recorded_sanitised_after_the_snapshot_and_when_set() {
    let _f = Fixture::new(r#"<div id="host"></div><div id="later"></div>"#);
    let _u = Unadopt;
    let original_setter = setter();
    let root = el("host")
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    root.set_inner_html("<p class='x'>in</p>");
    let a = sheet(".x { color: red; background: url(https://x.example/CANARYA.png) }");
    let b = sheet("p::after { content: 'CANARYB' }");
    adopt(&document(), &[&a]);
    adopt(&root, &[&a, &b]);

    let mut r = granted();
    let first = take(&mut r);
    assert!(!dump(&first).contains("CANARY"), "{}", dump(&first));
    let doc_id = snapshot(&first).id();
    let host_id = snapshot_id(&first, "host");
    let snapshot_at = first
        .events
        .iter()
        .position(|e| matches!(e.data, EventData::FullSnapshot(_)))
        .unwrap();
    let first_adopted = first
        .events
        .iter()
        .position(|e| {
            matches!(
                e.data,
                EventData::Incremental(IncrementalData::AdoptedStyleSheet(_))
            )
        })
        .expect("adopted sheets recorded");
    assert!(first_adopted > snapshot_at, "after the snapshot");
    let ev = adopted(&first);
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert_eq!(ev[0].id, doc_id);
    assert_eq!(ev[0].style_ids.len(), 1);
    let sa = ev[0].style_ids[0];
    assert_eq!(ev[0].styles.len(), 1);
    assert_eq!(ev[0].styles[0].style_id, sa);
    let rules: Vec<_> = ev[0].styles[0]
        .rules
        .iter()
        .map(|r| (r.rule.as_str().to_owned(), r.index))
        .collect();
    assert_eq!(rules, vec![(recorded_rule(&a, 0), Some(0))]);
    assert!(rules[0].0.contains("url()"));
    assert_eq!(ev[1].id, host_id);
    assert_eq!(ev[1].style_ids.len(), 2);
    assert_eq!(
        ev[1].style_ids[0], sa,
        "a sheet already sent is named by its id"
    );
    let sb = ev[1].style_ids[1];
    assert_ne!(sa, sb);
    assert_eq!(ev[1].styles.len(), 1, "only the new sheet's rules");
    assert_eq!(ev[1].styles[0].style_id, sb);
    assert_eq!(ev[1].styles[0].rules[0].rule.as_str(), recorded_rule(&b, 0));

    // Set later: a new sheet comes with its rules, a known one by its id; rule
    // changes of adopted sheets name them by style id.
    let c = sheet(".z { color: blue }");
    adopt(&document(), &[&c, &a]);
    let c_rule = recorded_rule(&c, 0);
    call(&c, "insertRule", &[".w { color: green }".into(), 1.into()]);
    call(&a, "deleteRule", &[0.into()]);
    // A declaration of a rule of an adopted sheet names the sheet too.
    let rule = Reflect::get(&Reflect::get(&c, &"cssRules".into()).unwrap(), &0.into()).unwrap();
    rule.unchecked_ref::<web_sys::CssStyleRule>()
        .style()
        .set_property("border", "1px solid red")
        .unwrap();
    // A shadow host added later, its root adopting a known sheet.
    let host2 = document().create_element("div").unwrap();
    let root2 = host2
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    adopt(&root2, &[&b]);
    el("later").append_child(&host2).unwrap();
    settle().await;
    let batch = take(&mut r);
    let ev = adopted(&batch);
    assert_eq!(ev.len(), 2, "{ev:?}");
    assert_eq!(ev[0].id, doc_id);
    assert_eq!(ev[0].style_ids.len(), 2);
    let sc = ev[0].style_ids[0];
    assert_eq!(ev[0].style_ids[1], sa);
    assert_eq!(ev[0].styles.len(), 1);
    assert_eq!(ev[0].styles[0].style_id, sc);
    assert_eq!(ev[0].styles[0].rules[0].rule.as_str(), c_rule);
    let added_host = mutations(&batch)
        .iter()
        .flat_map(|m| m.adds.iter())
        .find(|add| add.parent_id == snapshot_id(&first, "later"))
        .expect("the host's add")
        .node
        .id();
    assert_eq!(ev[1].id, added_host);
    assert_eq!(ev[1].style_ids, vec![sb]);
    assert!(ev[1].styles.is_empty());
    let changes = rule_changes(&batch);
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!((changes[0].id, changes[0].style_id), (None, Some(sc)));
    assert_eq!(changes[0].adds[0].index, Some(1));
    assert_eq!((changes[1].id, changes[1].style_id), (None, Some(sa)));
    assert_eq!(changes[1].removes[0].index, 0);
    let decls: Vec<_> = incrementals(&batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::StyleDeclaration(s) => Some(s.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(decls.len(), 1, "{decls:?}");
    assert_eq!((decls[0].id, decls[0].style_id), (None, Some(sc)));
    assert_eq!(decls[0].index, vec![0]);

    // Every rule replaced (constructed sheets only), sanitised.
    call(
        &c,
        "replaceSync",
        &[".q { background: url(https://x.example/CANARYSYNC) }".into()],
    );
    let _ = call(&a, "replace", &[".r { color: red }".into()]);
    let batch = take(&mut r);
    assert!(!dump(&batch).contains("CANARY"), "{}", dump(&batch));
    let changes = rule_changes(&batch);
    assert_eq!(changes.len(), 2, "{changes:?}");
    assert_eq!(changes[0].style_id, Some(sc));
    assert_eq!(
        changes[0].replace_sync.as_ref().map(|c| c.as_str()),
        Some(".q { background: url() }")
    );
    assert_eq!(changes[1].style_id, Some(sa));
    assert_eq!(
        changes[1].replace.as_ref().map(|c| c.as_str()),
        Some(".r { color: red }")
    );

    // Cleared.
    adopt(&document(), &[]);
    let batch = take(&mut r);
    let ev = adopted(&batch);
    assert_eq!(ev.len(), 1);
    assert_eq!((ev[0].id, ev[0].style_ids.len()), (doc_id, 0));

    r.withdraw_consent();
    assert!(setter() == original_setter, "the setter is restored");
    adopt(&document(), &[&a]);
    assert_eq!(r.pending_events(), 0);
}

#[wasm_bindgen_test]
async fn a_blocked_host_records_neither_adopted_sheets_nor_shadow_content() {
    let _f = Fixture::new(
        r#"<div id="blocked" data-reticent-block></div><div id="late" data-reticent-block></div>"#,
    );
    let root = el("blocked")
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    let mut r = granted();
    let _ = take(&mut r);
    adopt(&root, &[&sheet(".x { color: red }")]);
    // Attached after the snapshot to a blocked host: not observed either.
    let late = el("late")
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    late.set_inner_html("<p>CANARYBLOCKED</p>");
    adopt(&late, &[&sheet(".y { color: blue }")]);
    settle().await;
    if let Some(batch) = take_some(&mut r) {
        assert!(adopted(&batch).is_empty(), "{:?}", adopted(&batch));
        assert!(!dump(&batch).contains("CANARY"));
        assert!(mutations(&batch).iter().all(|m| m.adds.is_empty()));
    }
}
