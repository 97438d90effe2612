//! Interaction listeners: pointer, touch, scroll, viewport, form inputs,
//! media, page visibility and SPA navigations.
//!
//! Every listener is passive and registered in the capture phase on the
//! document or the window, so the page's own handlers can neither hide events
//! from it nor be slowed by it. The document's listeners (all but
//! `visibilitychange`) are also added to every attached same-origin iframe
//! document, so clicks, scrolls, inputs and the `load` of nested frames
//! inside frames are recorded too. Handlers only read event fields and the
//! mirror; an error stops the session (see [`crate::live::with_live`]).
//!
//! Timers are not needed: positions, throttled scrolls and resizes and pending
//! inputs are written when the next event comes late enough, and in any case
//! by the next `takeBatch` or `checkpoint`, which the JS wrapper calls on its
//! flush timer.

use js_sys::Reflect;
use reticent_core::event::{CustomData, EventData};
use reticent_core::incremental::{
    mouse_interaction as mi, IncrementalData, MediaInteractionData, MouseInteractionData,
};
use reticent_core::sorted_map::SortedMap;
use reticent_core::CoreError;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, Event, HtmlIFrameElement, HtmlMediaElement, MouseEvent, Node, TouchEvent};

use crate::live::Live;
use crate::page::Page;
use crate::rules::{as_document, as_element, as_html};

/// A handler run for one DOM event.
pub(crate) type Handler = fn(&mut Live, &Event) -> Result<(), CoreError>;

/// Where a listener is registered.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum On {
    Document,
    Window,
}

/// Every listener of a session.
pub(crate) const LISTENERS: &[(On, &str, Handler)] = &[
    (On::Document, "mousemove", mouse_move),
    (On::Document, "touchmove", touch_move),
    (On::Document, "mousedown", mouse_interaction),
    (On::Document, "mouseup", mouse_interaction),
    (On::Document, "click", mouse_interaction),
    (On::Document, "dblclick", mouse_interaction),
    (On::Document, "contextmenu", mouse_interaction),
    (On::Document, "focus", mouse_interaction),
    (On::Document, "blur", blur),
    (On::Document, "touchstart", touch_interaction),
    (On::Document, "touchend", touch_interaction),
    (On::Document, "scroll", scroll),
    (On::Window, "resize", resize),
    (On::Document, "input", input),
    (On::Document, "change", change),
    (On::Document, "play", media),
    (On::Document, "pause", media),
    (On::Document, "visibilitychange", visibility),
    (On::Window, "popstate", navigation),
    // `load` does not bubble, but the capture phase sees iframes load.
    (On::Document, "load", iframe_loaded),
    (On::Window, "hashchange", navigation),
];

// Listeners are also added to same-origin iframe documents, whose nodes and
// events belong to another JS realm, where `instanceof` (what `dyn_ref`
// checks) fails: casts there go by what the object has.

/// `v` as a node (of this realm or a frame's).
fn as_node(v: &JsValue) -> Option<Node> {
    if let Some(n) = v.dyn_ref::<Node>() {
        return Some(n.clone());
    }
    if !v.is_object() {
        return None;
    }
    let kind = Reflect::get(v, &JsValue::from_str("nodeType"))
        .ok()?
        .as_f64()?;
    (kind >= 1.0).then(|| v.clone().unchecked_into())
}

/// Whether `e` has a numeric `key` (an event of another realm).
fn has_number(e: &Event, key: &str) -> bool {
    Reflect::get(e, &JsValue::from_str(key)).is_ok_and(|v| v.as_f64().is_some())
}

/// `e` as a mouse event (of this realm or a frame's).
fn mouse_event(e: &Event) -> Option<&MouseEvent> {
    e.dyn_ref::<MouseEvent>()
        .or_else(|| has_number(e, "clientX").then(|| e.unchecked_ref::<MouseEvent>()))
}

/// `e` as a touch event (of this realm or a frame's).
fn touch_event(e: &Event) -> Option<&TouchEvent> {
    e.dyn_ref::<TouchEvent>().or_else(|| {
        Reflect::get(e, &JsValue::from_str("changedTouches"))
            .is_ok_and(|v| v.is_object())
            .then(|| e.unchecked_ref::<TouchEvent>())
    })
}

/// The node the event really happened on: the first entry of its composed
/// path (inside open shadow roots), else its target.
fn target_node(e: &Event) -> Option<Node> {
    let path = e.composed_path();
    if let Some(n) = as_node(&path.get(0)) {
        return Some(n);
    }
    as_node(&e.target()?.into())
}

/// The target and its id, when the mirror knows it.
fn target(live: &Live, e: &Event) -> Option<(Node, u32)> {
    let n = target_node(e)?;
    let id = live.mirror.id_of(&n)?;
    Some((n, id))
}

fn mouse_move(live: &mut Live, e: &Event) -> Result<(), CoreError> {
    let (Some(m), Some((_, id))) = (mouse_event(e), target(live, e)) else {
        return Ok(());
    };
    live.position(false, m.client_x(), m.client_y(), id)
}

fn touch_move(live: &mut Live, e: &Event) -> Result<(), CoreError> {
    let (Some(t), Some((_, id))) = (touch_event(e), target(live, e)) else {
        return Ok(());
    };
    let Some(touch) = t.touches().get(0) else {
        return Ok(());
    };
    live.position(true, touch.client_x(), touch.client_y(), id)
}

fn interaction_code(kind: &str) -> Option<u8> {
    Some(match kind {
        "mouseup" => mi::MOUSE_UP,
        "mousedown" => mi::MOUSE_DOWN,
        "click" => mi::CLICK,
        "contextmenu" => mi::CONTEXT_MENU,
        "dblclick" => mi::DBL_CLICK,
        "focus" => mi::FOCUS,
        "blur" => mi::BLUR,
        "touchstart" => mi::TOUCH_START,
        "touchend" => mi::TOUCH_END,
        "touchcancel" => mi::TOUCH_CANCEL,
        _ => return None,
    })
}

fn push_interaction(
    live: &mut Live,
    kind: u8,
    id: u32,
    xy: Option<(i32, i32)>,
    pointer: Option<u8>,
) -> Result<(), CoreError> {
    live.push_incremental(
        IncrementalData::MouseInteraction(MouseInteractionData::with(|d| {
            d.kind = kind;
            d.id = id;
            d.x = xy.map(|p| p.0);
            d.y = xy.map(|p| p.1);
            d.pointer_type = pointer;
        })),
        40,
    )
}

fn mouse_interaction(live: &mut Live, e: &Event) -> Result<(), CoreError> {
    let (Some(kind), Some((_, id))) = (interaction_code(&e.type_()), target(live, e)) else {
        return Ok(());
    };
    match mouse_event(e) {
        Some(m) => push_interaction(live, kind, id, Some((m.client_x(), m.client_y())), Some(0)),
        None => push_interaction(live, kind, id, None, None),
    }
}

fn blur(live: &mut Live, e: &Event) -> Result<(), CoreError> {
    if let Some((_, id)) = target(live, e) {
        live.flush_input(id)?;
    }
    mouse_interaction(live, e)
}

fn touch_interaction(live: &mut Live, e: &Event) -> Result<(), CoreError> {
    let (Some(kind), Some(t), Some((_, id))) = (
        interaction_code(&e.type_()),
        touch_event(e),
        target(live, e),
    ) else {
        return Ok(());
    };
    let xy = t
        .changed_touches()
        .get(0)
        .map(|touch| (touch.client_x(), touch.client_y()));
    push_interaction(live, kind, id, xy, Some(2))
}

fn scroll(live: &mut Live, e: &Event) -> Result<(), CoreError> {
    let Some((n, id)) = target(live, e) else {
        return Ok(());
    };
    let page = Page::current()?;
    let (x, y) = if let Some(doc) = as_document(&n) {
        if *doc == page.document {
            page.scroll()
        } else {
            // A frame's document: its own window's offsets.
            let Some(view) = doc.default_view() else {
                return Ok(());
            };
            let px = |v: Result<f64, JsValue>| v.ok().map_or(0, |v| v.round() as i32);
            (px(view.scroll_x()), px(view.scroll_y()))
        }
    } else if let Some(el) = as_element(&n) {
        (el.scroll_left(), el.scroll_top())
    } else {
        return Ok(());
    };
    live.scroll(id, x, y)
}

fn resize(live: &mut Live, _: &Event) -> Result<(), CoreError> {
    let (w, h) = Page::current()?.viewport();
    live.resize(w, h)
}

/// The form element an `input`/`change` event is about, with its id.
fn form_target(live: &Live, e: &Event) -> Option<(Element, u32)> {
    let (n, id) = target(live, e)?;
    let el = as_element(&n)?.clone();
    let tag = el.local_name().to_ascii_lowercase();
    let editable = Reflect::get(&el, &JsValue::from_str("isContentEditable"))
        .is_ok_and(|v| v.as_bool() == Some(true));
    if !(matches!(tag.as_str(), "input" | "textarea" | "select") || editable) {
        return None;
    }
    // `ignore` rules drop the element's input events.
    (!live.rules.decide(&el).ignored).then_some((el, id))
}

fn input(live: &mut Live, e: &Event) -> Result<(), CoreError> {
    if let Some((el, id)) = form_target(live, e) {
        live.input_pending(id, el, e.is_trusted());
    }
    Ok(())
}

fn change(live: &mut Live, e: &Event) -> Result<(), CoreError> {
    let Some((el, id)) = form_target(live, e) else {
        return Ok(());
    };
    live.input_pending(id, el, e.is_trusted());
    live.flush_input(id)
}

fn media(live: &mut Live, e: &Event) -> Result<(), CoreError> {
    use reticent_core::incremental::media_interaction as mk;
    let Some((n, id)) = target(live, e) else {
        return Ok(());
    };
    let Some(m) =
        as_element(&n).and_then(|el| as_html::<HtmlMediaElement>(el, &["video", "audio"]))
    else {
        return Ok(());
    };
    let kind = if e.type_() == "play" {
        mk::PLAY
    } else {
        mk::PAUSE
    };
    let time = m.current_time();
    live.push_incremental(
        IncrementalData::MediaInteraction(MediaInteractionData::with(|d| {
            d.kind = kind;
            d.id = id;
            d.current_time = time.is_finite().then_some(time);
        })),
        40,
    )
}

fn visibility(live: &mut Live, _: &Event) -> Result<(), CoreError> {
    let page = Page::current()?;
    let state = Reflect::get(&page.document, &JsValue::from_str("visibilityState"))
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default();
    let mut payload = SortedMap::new();
    payload.insert("state".to_owned(), live.engine.label(&state));
    live.push(EventData::Custom(CustomData {
        tag: "reticent.visibility".to_owned(),
        payload,
    }))
}

/// A recorded iframe (re)loaded: attach its new document.
fn iframe_loaded(live: &mut Live, e: &Event) -> Result<(), CoreError> {
    // Seen on the page's document and on every attached frame's document,
    // so a nested frame that (re)loads is attached again too.
    let Some(node) = e.target().and_then(|t| as_node(&t.into())) else {
        return Ok(());
    };
    let Some(iframe) =
        as_element(&node).and_then(|el| as_html::<HtmlIFrameElement>(el, &["iframe"]))
    else {
        return Ok(());
    };
    live.attach_iframes(vec![iframe.clone()], true)
}

fn navigation(live: &mut Live, _: &Event) -> Result<(), CoreError> {
    live.navigated()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listened_interaction_has_a_code() {
        for (_, kind, _) in LISTENERS {
            let needs_code = matches!(
                *kind,
                "mousedown"
                    | "mouseup"
                    | "click"
                    | "dblclick"
                    | "contextmenu"
                    | "focus"
                    | "blur"
                    | "touchstart"
                    | "touchend"
            );
            assert_eq!(interaction_code(kind).is_some(), needs_code, "{kind}");
        }
    }
}
