//! The first snapshot in a real browser: structure, masking, blocking,
//! shadow roots and the depth cap.

mod common;

use common::*;
use reticent_core::batch::MAX_DOM_DEPTH;
use reticent_core::event::EventData;
use reticent_core::node::SerializedNode;
use reticent_core::privacy::INPUT_MASK;
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{HtmlInputElement, ShadowRootInit, ShadowRootMode};

wasm_bindgen_test_configure!(run_in_browser);

#[wasm_bindgen_test]
fn meta_comes_first_with_a_sanitised_address() {
    let _address = Address::set("/shop/cart?token=CANARYQUERY&page=2#CANARYFRAGMENT");
    let mut r = granted();
    let batch = take(&mut r);
    assert_eq!(batch.events.len(), 2);
    let EventData::Meta(meta) = &batch.events[0].data else {
        panic!("first event is not Meta: {:?}", batch.events[0]);
    };
    let href = meta.href.as_str();
    assert!(href.starts_with("http://"), "{href}");
    assert!(href.ends_with("/shop/cart"), "{href}");
    assert!(meta.width > 0 && meta.height > 0);
    assert!(matches!(batch.events[1].data, EventData::FullSnapshot(_)));
    assert_eq!(batch.events[0].timestamp, batch.events[1].timestamp);
    assert!(!dump(&batch).contains("CANARY"));
}

#[wasm_bindgen_test]
fn allowlisted_query_parameters_are_kept() {
    let _address = Address::set("/list?page=2&token=CANARYQUERY");
    let mut r = Recorder::new(options(r#"{"privacy":{"allowQueryParams":["page"]}}"#)).unwrap();
    grant(&mut r).unwrap();
    let batch = take(&mut r);
    let EventData::Meta(meta) = &batch.events[0].data else {
        panic!("first event is not Meta");
    };
    assert!(
        meta.href.as_str().ends_with("/list?page=2"),
        "{:?}",
        meta.href
    );
    assert!(batch.policy.contains("allowQueryParams=page"));
}

#[wasm_bindgen_test]
fn document_html_body_structure_with_fresh_ids() {
    let _f = Fixture::new(
        r#"<p id="para">hello</p><svg id="icon" viewBox="0 0 8 8"><path d="M0 0h8"/></svg>"#,
    );
    let mut r = granted();
    let batch = take(&mut r);
    let root = snapshot(&batch);
    let SerializedNode::Document(doc) = root else {
        panic!("snapshot root is not a document");
    };
    assert_eq!(doc.id, 1);
    assert_eq!(doc.compat_mode.as_deref(), Some("CSS1Compat"));
    assert!(
        matches!(&doc.child_nodes[0], SerializedNode::DocumentType(dt) if dt.name == "html"),
        "the harness page starts with <!DOCTYPE html>"
    );
    let html = doc
        .child_nodes
        .iter()
        .find_map(|n| match n {
            SerializedNode::Element(e) if e.tag_name == "html" => Some(e),
            _ => None,
        })
        .expect("<html> under the document");
    let body = html
        .child_nodes
        .iter()
        .find_map(|n| match n {
            SerializedNode::Element(e) if e.tag_name == "body" => Some(e),
            _ => None,
        })
        .expect("<body> under <html>");
    assert!(body.child_nodes.iter().any(|n| matches!(n,
        SerializedNode::Element(e) if attr(e, "id") == Some("fixture"))));
    let p = by_id(root, "para");
    assert!(
        matches!(&p.child_nodes[..], [SerializedNode::Text(t)] if t.text_content.as_str() == "*****")
    );

    let icon = by_id(root, "icon");
    assert!(icon.is_svg);
    assert!(
        matches!(&icon.child_nodes[..], [SerializedNode::Element(p)] if p.is_svg && p.tag_name == "path")
    );

    let mut ids = Vec::new();
    collect_ids(root, &mut ids);
    let count = ids.len();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), count, "ids are unique");
    assert_eq!(ids.first(), Some(&1));
}

fn collect_ids(node: &SerializedNode, out: &mut Vec<u32>) {
    out.push(node.id());
    for c in children(node) {
        collect_ids(c, out);
    }
}

#[wasm_bindgen_test]
fn page_content_never_appears() {
    document().set_title("CANARYTITLE");
    let f = Fixture::new(
        r#"<p>CANARYTEXT and more</p>
           <div title="CANARYATTR" data-user="CANARYDATA" aria-label="CANARYARIA"></div>
           <a id="lnk" href="/some/path?secret=CANARYQ#CANARYFRAG">link</a>
           <input id="in" value="CANARYVALUE">
           <input id="pw" type="password" value="CANARYPASSWORD">
           <input id="box" type="checkbox" checked>
           <textarea id="ta">CANARYTEXTAREA</textarea>
           <select id="sel"><option value="CANARYOPTVAL">CANARYOPTION</option></select>
           <button id="btn" onclick="CANARYCLICK()">Go</button>
           <script id="scr">var CANARYSCRIPT = 1;</script>
           <noscript id="nos">CANARYNOSCRIPT</noscript>
           <style id="st">.x { color: red; background: url(/CANARYCSS.png) }</style>
           <!-- CANARYCOMMENT -->"#,
    );
    // The live value differs from the attribute: both must be masked.
    let input: HtmlInputElement = document()
        .get_element_by_id("in")
        .unwrap()
        .dyn_into()
        .unwrap();
    input.set_value("CANARYLIVE");
    let mut r = granted();
    let batch = take(&mut r);
    drop(f);
    let text = dump(&batch);
    assert!(!text.contains("CANARY"), "page content leaked: {text}");

    let root = snapshot(&batch);
    let lnk = by_id(root, "lnk");
    let href = attr(lnk, "href").unwrap();
    assert!(
        href.starts_with("http://") && href.ends_with("/some/path"),
        "{href}"
    );
    assert_eq!(attr(by_id(root, "in"), "value"), Some(INPUT_MASK));
    assert_eq!(attr(by_id(root, "pw"), "value"), Some(INPUT_MASK));
    assert_eq!(attr(by_id(root, "box"), "checked"), None);
    assert_eq!(attr(by_id(root, "btn"), "onclick"), None);
    assert!(by_id(root, "scr").child_nodes.is_empty());
    assert!(by_id(root, "nos").child_nodes.is_empty());
    let style = by_id(root, "st");
    let [SerializedNode::Text(css)] = &style.child_nodes[..] else {
        panic!("<style> has one text child: {style:?}");
    };
    assert!(css.is_style);
    assert!(css.text_content.as_str().contains("color"), "{css:?}");
    // A textarea's text is its default value: the constant mask, not its length.
    let [SerializedNode::Text(ta)] = &by_id(root, "ta").child_nodes[..] else {
        panic!("<textarea> has one text child");
    };
    assert_eq!(ta.text_content.as_str(), INPUT_MASK);
}

#[wasm_bindgen_test]
fn media_become_sized_placeholders() {
    let _f = Fixture::new(
        r#"<img id="pic" class="hero" src="/CANARYIMG.png" alt="CANARYALT"
                style="display:block;width:40px;height:30px">"#,
    );
    let mut r = granted();
    let batch = take(&mut r);
    assert!(!dump(&batch).contains("CANARY"));
    let root = snapshot(&batch);
    let img = find(root, &|e| {
        e.tag_name == "img" && attr(e, "class") == Some("hero")
    })
    .expect("the img placeholder");
    assert!(img.need_block);
    assert!(img.child_nodes.is_empty());
    assert_eq!(attr(img, "rr_width"), Some("40px"));
    assert_eq!(attr(img, "rr_height"), Some("30px"));
    assert_eq!(attr(img, "src"), None);
}

#[wasm_bindgen_test]
fn open_shadow_roots_are_recorded_after_light_children() {
    let f = Fixture::new(r#"<div id="host">light</div>"#);
    let host = document().get_element_by_id("host").unwrap();
    let shadow = host
        .attach_shadow(&ShadowRootInit::new(ShadowRootMode::Open))
        .unwrap();
    shadow.set_inner_html(r#"<span id="inside">CANARYSHADOW</span>tail"#);
    let mut r = granted();
    let batch = take(&mut r);
    drop(f);
    assert!(!dump(&batch).contains("CANARY"));
    let root = snapshot(&batch);
    let host = by_id(root, "host");
    assert!(host.is_shadow_host);
    let [SerializedNode::Text(light), SerializedNode::Element(span), SerializedNode::Text(tail)] =
        &host.child_nodes[..]
    else {
        panic!("host children: {:?}", host.child_nodes);
    };
    assert!(!light.is_shadow);
    assert!(span.is_shadow && tail.is_shadow);
    assert_eq!(attr(span, "id"), Some("inside"));
    assert_eq!(span.child_nodes.len(), 1);
}

#[wasm_bindgen_test]
fn deep_nesting_is_capped_without_crashing() {
    let f = Fixture::new("");
    let doc = document();
    let mut parent: web_sys::Element = f.0.clone();
    for _ in 0..400 {
        let div = doc.create_element("div").unwrap();
        div.set_class_name("deep");
        parent.append_child(&div).unwrap();
        parent = div;
    }
    parent.set_text_content(Some("CANARYDEEP"));
    let mut r = granted();
    // `take` decodes with the collector's default depth limit.
    let batch = take(&mut r);
    drop(f);
    let root = snapshot(&batch);
    let (depth, deepest) = deepest_element(root, 0).expect("elements");
    assert_eq!(depth, MAX_DOM_DEPTH + 1);
    assert!(deepest.need_block);
    assert!(deepest.child_nodes.is_empty());
    assert_eq!(attr(deepest, "class"), Some("deep"));
    assert!(attr(deepest, "rr_width").is_some_and(|w| w.ends_with("px")));
    assert!(!dump(&batch).contains("CANARY"));
}

/// The deepest element and its element depth (`<html>` is 1).
fn deepest_element(
    node: &SerializedNode,
    depth: usize,
) -> Option<(usize, &reticent_core::node::ElementNode)> {
    let (depth, here) = match node {
        SerializedNode::Element(e) => (depth + 1, Some((depth + 1, e))),
        _ => (depth, None),
    };
    children(node)
        .iter()
        .filter_map(|c| deepest_element(c, depth))
        .max_by_key(|(d, _)| *d)
        .or(here)
}

use reticent_wasm::Recorder;

/// A same-origin stylesheet (a blob: URL) whose rules the page can read.
fn blob_stylesheet(css: &str) -> web_sys::Element {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(css));
    let ctor: js_sys::Function = js_sys::Reflect::get(&js_sys::global(), &"Blob".into())
        .unwrap()
        .unchecked_into();
    let blob = js_sys::Reflect::construct(&ctor, &js_sys::Array::of1(&parts)).unwrap();
    let url = js_sys::Reflect::get(&js_sys::global(), &"URL".into()).unwrap();
    let create: js_sys::Function = js_sys::Reflect::get(&url, &"createObjectURL".into())
        .unwrap()
        .unchecked_into();
    let href = create.call1(&url, &blob).unwrap().as_string().unwrap();
    let link = document().create_element("link").unwrap();
    link.set_attribute("rel", "stylesheet").unwrap();
    link.set_attribute("href", &href).unwrap();
    link
}

#[wasm_bindgen_test]
async fn linked_stylesheets_are_inlined_sanitised() {
    let link = blob_stylesheet(
        ".linked-rule { color: rgb(1, 2, 3); background: url(/CANARYLINKURL.png) }\n\
         .linked-rule::after { content: \"CANARYLINKCONTENT\" }",
    );
    document().body().unwrap().append_child(&link).unwrap();
    // Wait for the sheet to load (a blob: URL loads within a few tasks).
    for _ in 0..100 {
        if js_sys::Reflect::get(&link, &"sheet".into())
            .map(|s| !s.is_null())
            .unwrap_or(false)
        {
            break;
        }
        sleep(10).await;
    }
    let mut r = granted();
    let batch = take(&mut r);
    link.remove();
    assert!(!dump(&batch).contains("CANARY"), "{}", dump(&batch));
    let root = snapshot(&batch);
    let node = find(root, &|e| {
        e.tag_name == "link" && attr(e, "_cssText").is_some()
    })
    .expect("the link carries its rules");
    let css = attr(node, "_cssText").unwrap();
    assert!(
        css.contains(".linked-rule") && css.contains("rgb(1, 2, 3)"),
        "{css}"
    );
    assert!(css.contains("url()"), "{css}");
}

#[wasm_bindgen_test]
async fn cssom_changes_of_a_linked_sheet_name_the_link() {
    use reticent_core::incremental::IncrementalData;
    let link = blob_stylesheet(".l1 { color: red }\n.l2 { color: blue }");
    document().body().unwrap().append_child(&link).unwrap();
    for _ in 0..100 {
        if js_sys::Reflect::get(&link, &"sheet".into())
            .map(|s| !s.is_null())
            .unwrap_or(false)
        {
            break;
        }
        sleep(10).await;
    }
    let mut r = granted();
    let first = take(&mut r);
    let id = find(snapshot(&first), &|e| {
        e.tag_name == "link" && attr(e, "_cssText").is_some_and(|c| c.contains(".l1"))
    })
    .expect("the link carries its rules")
    .id;
    let sheet: web_sys::CssStyleSheet = js_sys::Reflect::get(&link, &"sheet".into())
        .unwrap()
        .unchecked_into();
    sheet
        .insert_rule_with_index(".l3 { background: url(https://x.example/CANARYL3) }", 2)
        .unwrap();
    let rule = sheet.css_rules().unwrap().item(0).unwrap();
    rule.unchecked_ref::<web_sys::CssStyleRule>()
        .style()
        .set_property("color", "green")
        .unwrap();
    let batch = take(&mut r);
    link.remove();
    assert!(!dump(&batch).contains("CANARY"), "{}", dump(&batch));
    let owners: Vec<_> = incrementals(&batch)
        .into_iter()
        .filter_map(|d| match d {
            IncrementalData::StyleSheetRule(s) => Some(("rule", s.id)),
            IncrementalData::StyleDeclaration(s) => Some(("declaration", s.id)),
            _ => None,
        })
        .collect();
    assert_eq!(owners, vec![("rule", Some(id)), ("declaration", Some(id))]);
}

#[wasm_bindgen_test]
fn rules_inserted_into_an_empty_style_are_recorded() {
    // What CSS-in-JS libraries do in production: an empty <style>, rules via insertRule.
    let style = document().create_element("style").unwrap();
    document().body().unwrap().append_child(&style).unwrap();
    let sheet: web_sys::CssStyleSheet = style
        .unchecked_ref::<web_sys::HtmlStyleElement>()
        .sheet()
        .unwrap()
        .unchecked_into();
    sheet
        .insert_rule(".css-in-js-1 { color: rgb(4, 5, 6) }")
        .unwrap();
    sheet
        .insert_rule(".css-in-js-1::before { content: \"CANARYCSSINJS\" }")
        .unwrap();
    let mut r = granted();
    let batch = take(&mut r);
    style.remove();
    assert!(!dump(&batch).contains("CANARY"));
    let root = snapshot(&batch);
    let node = find(root, &|e| {
        e.tag_name == "style" && attr(e, "_cssText").is_some()
    })
    .expect("the style carries its inserted rules");
    let css = attr(node, "_cssText").unwrap();
    assert!(
        css.contains(".css-in-js-1") && css.contains("rgb(4, 5, 6)"),
        "{css}"
    );
}

#[wasm_bindgen_test]
fn an_attribute_holding_nul_is_read_the_slow_way_with_the_same_result() {
    // The one-crossing read packs attributes with NUL separators; a NUL in a
    // value makes it fall back to reading attribute by attribute.
    let _f = Fixture::new(r#"<a id="plain" class="c" href="/x">a</a><a id="nul" href="/x">b</a>"#);
    document()
        .get_element_by_id("nul")
        .unwrap()
        .set_attribute("class", "c\0d")
        .unwrap();
    let mut r = granted();
    let batch = take(&mut r);
    let root = snapshot(&batch);
    let plain = by_id(root, "plain");
    let nul = by_id(root, "nul");
    assert_eq!(attr(nul, "href"), attr(plain, "href"));
    assert!(attr(nul, "href").is_some_and(|h| h.starts_with("http") && h.ends_with("/x")));
    assert_eq!(attr(nul, "class"), Some("c\0d"));
}

#[wasm_bindgen_test]
fn two_attributes_of_one_qualified_name_are_both_read() {
    // The one-crossing read reads values by name; two attributes sharing a
    // qualified name (in two namespaces) make it fall back to the slow way.
    let _f = Fixture::new(
        r#"<i id="one" data-x="alpha"></i><i id="two" data-x="beta"></i><i id="dup"></i>"#,
    );
    let dup = document().get_element_by_id("dup").unwrap();
    dup.set_attribute_ns(Some("urn:a"), "data-x", "alpha")
        .unwrap();
    dup.set_attribute_ns(Some("urn:b"), "data-x", "beta")
        .unwrap();
    let mut r = granted();
    let batch = take(&mut r);
    let root = snapshot(&batch);
    let values = |id: &str| -> Vec<String> {
        by_id(root, id)
            .attributes
            .iter()
            .filter(|(n, _)| *n == "data-x")
            .map(|(_, v)| v.as_str().to_owned())
            .collect()
    };
    let mut expected = values("one");
    expected.extend(values("two"));
    assert_eq!(expected.len(), 2);
    assert_eq!(values("dup"), expected);
}
