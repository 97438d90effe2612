//! Page methods the recorder must see called: `history.pushState` /
//! `replaceState` (SPA navigations), `CSSStyleSheet.prototype.insertRule` /
//! `deleteRule` / `replace` / `replaceSync` (CSSOM rule changes), `Element.prototype.attachShadow` (a
//! shadow root attached to a recorded host is observed from then on) and
//! `CSSStyleDeclaration.prototype.setProperty` / `removeProperty` on the
//! `style` of a CSSOM rule (rrweb's StyleDeclaration; the same methods on an
//! element's inline `style` are seen by the mutation observer as a `style`
//! attribute change, and ignored here).
//!
//! A method is replaced, only after consent, by a `Proxy` of the original
//! whose `apply` trap calls the original first (its result or exception goes
//! to the page unchanged) and then records the call (guarded: see guard.rs). Stopping deletes the
//! trap, which turns the proxy into a transparent forwarder for any reference
//! the page kept, and puts the original back if the property still holds our
//! proxy (a later patch by someone else is left alone). A `Proxy` needs no
//! `eval`, so this works under a strict CSP.

use std::cell::RefCell;
use std::rc::Weak;

use js_sys::{Array, Function, Object, Proxy, Reflect};
use reticent_core::incremental::{
    IncrementalData, StyleDeclarationData, StyleDeclarationRemove, StyleRuleAdd, StyleRuleRemove,
    StyleSheetRuleData,
};
use reticent_core::privacy::TextContext;
use reticent_core::CoreError;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CssStyleDeclaration, Element};

use crate::guard;
use crate::live::{with_live, Live, PatchHandle};

/// What a wrapped method records after the original ran.
pub(crate) type Hook = fn(&mut Live, &JsValue, &Array, &JsValue) -> Result<(), CoreError>;

/// The hook the apply trap calls after the original: `(this, args, result)`
/// (the trap itself is JS: see guard.rs).
pub(crate) type Trap = Closure<dyn FnMut(JsValue, Array, JsValue)>;

/// Which methods are wrapped: (global constructor name or `history`, whether
/// to patch its `prototype`, method, hook).
pub(crate) const PATCHES: &[(&str, &str, Hook)] = &[
    ("history", "pushState", navigated),
    ("history", "replaceState", navigated),
    ("CSSStyleSheet.prototype", "insertRule", rule_inserted),
    ("CSSStyleSheet.prototype", "deleteRule", rule_deleted),
    ("CSSStyleSheet.prototype", "replace", sheet_replaced),
    (
        "CSSStyleSheet.prototype",
        "replaceSync",
        sheet_replaced_sync,
    ),
    ("Element.prototype", "attachShadow", shadow_attached),
    (
        "CSSStyleDeclaration.prototype",
        "setProperty",
        declaration_set,
    ),
    (
        "CSSStyleDeclaration.prototype",
        "removeProperty",
        declaration_removed,
    ),
];

/// Property setters wrapped the same way: (prototype, property, hook).
/// `adoptedStyleSheets` of documents and shadow roots (rrweb patches the
/// same setters; an in-place change of the array, `push`, is not seen).
///
/// And the form value setters (`input.value = …`, `checked`, a select's
/// `value` and `selectedIndex`), as rrweb does: a value set by script
/// fires no `input` event, but is recorded like one the user typed (the
/// element is marked as changed; its Input event, masked by the engine, is
/// written on blur, change or the next flush).
pub(crate) const SETTERS: &[(&str, &str, Hook)] = &[
    ("Document.prototype", "adoptedStyleSheets", adopted_set),
    ("ShadowRoot.prototype", "adoptedStyleSheets", adopted_set),
    ("HTMLInputElement.prototype", "value", value_set),
    ("HTMLInputElement.prototype", "checked", value_set),
    ("HTMLTextAreaElement.prototype", "value", value_set),
    ("HTMLSelectElement.prototype", "value", value_set),
    ("HTMLSelectElement.prototype", "selectedIndex", value_set),
];

/// Deepest nesting of grouping rules followed to locate a rule.
const MAX_RULE_NESTING: usize = 64;

/// Replaces `owner[key]` by a recording proxy. `Ok(None)` when the page has
/// no such method or it cannot be replaced (nothing is recorded then).
pub(crate) fn install(
    owner: &str,
    key: &'static str,
    hook: Hook,
    weak: Weak<RefCell<Live>>,
) -> Result<Option<(PatchHandle, Trap)>, CoreError> {
    let Some(object) = resolve(owner) else {
        return Ok(None);
    };
    let name = JsValue::from_str(key);
    let Ok(original) = Reflect::get(&object, &name) else {
        return Ok(None);
    };
    let Some(original_fn) = original.dyn_ref::<Function>() else {
        return Ok(None);
    };
    let had_own = Object::has_own(&object, &name);
    let Some((proxy, handler, trap)) = recording_proxy(original_fn, key, hook, weak) else {
        return Ok(None);
    };
    if Reflect::set(&object, &name, &proxy) != Ok(true) {
        return Ok(None);
    }
    Ok(Some((
        PatchHandle {
            object,
            key,
            original,
            proxy: proxy.into(),
            handler,
            had_own,
            descriptor: None,
        },
        trap,
    )))
}

/// Replaces the setter of the accessor property `owner[key]` by a recording
/// proxy (the getter is kept). `Ok(None)` when there is no such setter or
/// the property cannot be redefined.
pub(crate) fn install_setter(
    owner: &str,
    key: &'static str,
    hook: Hook,
    weak: Weak<RefCell<Live>>,
) -> Result<Option<(PatchHandle, Trap)>, CoreError> {
    let Some(object) = resolve(owner) else {
        return Ok(None);
    };
    let name = JsValue::from_str(key);
    let descriptor = Object::get_own_property_descriptor(&object, &name);
    if !descriptor.is_object() {
        return Ok(None);
    }
    let descriptor: Object = descriptor.unchecked_into();
    let Ok(original) = Reflect::get(&descriptor, &JsValue::from_str("set")) else {
        return Ok(None);
    };
    let Some(original_fn) = original.dyn_ref::<Function>() else {
        return Ok(None);
    };
    let Some((proxy, handler, trap)) = recording_proxy(original_fn, key, hook, weak) else {
        return Ok(None);
    };
    let replaced = Object::assign(&Object::new(), &descriptor);
    if Reflect::set(&replaced, &JsValue::from_str("set"), &proxy) != Ok(true)
        || Reflect::define_property(&object, &name, &replaced) != Ok(true)
    {
        return Ok(None);
    }
    Ok(Some((
        PatchHandle {
            object,
            key,
            original,
            proxy: proxy.into(),
            handler,
            had_own: true,
            descriptor: Some(descriptor),
        },
        trap,
    )))
}

/// A `Proxy` of `original` whose `apply` trap calls it, then the hook.
fn recording_proxy(
    original_fn: &Function,
    key: &'static str,
    hook: Hook,
    weak: Weak<RefCell<Live>>,
) -> Option<(Proxy, Object, Trap)> {
    let trap: Trap = Closure::new(move |this: JsValue, args: Array, result: JsValue| {
        with_live(&weak, |live| {
            // Navigations are checked against excluded pages even while
            // the first snapshot is taken (`navigated` skips the Meta).
            if live.is_slicing() && !is_navigation(key) {
                return Ok(());
            }
            hook(live, &this, &args, &result)
        });
    });
    let apply = guard::trap(trap.as_ref().unchecked_ref());
    let handler = Object::new();
    let set = Reflect::set(&handler, &JsValue::from_str("apply"), &apply);
    if set != Ok(true) {
        return None;
    }
    let proxy = Proxy::new(original_fn, &handler);
    Some((proxy, handler, trap))
}

/// Whether the wrapped method changes the page address.
fn is_navigation(key: &str) -> bool {
    key == "pushState" || key == "replaceState"
}

/// `history` or `CSSStyleSheet.prototype` from the global object.
fn resolve(path: &str) -> Option<Object> {
    let mut v: JsValue = js_sys::global().into();
    for part in path.split('.') {
        v = Reflect::get(&v, &JsValue::from_str(part)).ok()?;
    }
    v.dyn_into::<Object>().ok()
}

fn navigated(live: &mut Live, _: &JsValue, _: &Array, _: &JsValue) -> Result<(), CoreError> {
    live.navigated()
}

/// The id of the recorded `<style>` or `<link>` element owning `sheet` (a
/// link's rules are inlined as `_cssText` when the page can read them, and
/// rrweb's replayer then builds it as a `<style>` with the same rules, so
/// rule indices match; a sheet the page cannot read cannot be changed).
fn style_owner(live: &Live, sheet: &JsValue) -> Option<u32> {
    let owner = Reflect::get(sheet, &JsValue::from_str("ownerNode")).ok()?;
    let el = owner.dyn_ref::<Element>()?;
    let name = el.local_name();
    if !(name.eq_ignore_ascii_case("style") || name.eq_ignore_ascii_case("link")) {
        return None;
    }
    live.mirror.id_of(el)
}

fn index(v: &JsValue) -> Option<u32> {
    let f = v.as_f64()?;
    (f.is_finite() && f >= 0.0 && f <= f64::from(u32::MAX)).then_some(f as u32)
}

/// A recorded sheet: (owner node id, style id), one of them set.
type SheetRef = (Option<u32>, Option<u32>);

/// Which recorded sheet `sheet` is: a `<style>`'s or `<link>`'s (its node
/// id) or an adopted constructed sheet's (its style id).
fn sheet_ref(live: &Live, sheet: &JsValue) -> Option<SheetRef> {
    match style_owner(live, sheet) {
        Some(id) => Some((Some(id), None)),
        None => live.style_id(sheet).map(|s| (None, Some(s))),
    }
}

fn rule_inserted(
    live: &mut Live,
    sheet: &JsValue,
    args: &Array,
    result: &JsValue,
) -> Result<(), CoreError> {
    let Some((id, style_id)) = sheet_ref(live, sheet) else {
        return Ok(());
    };
    let Some(rule) = args.get(0).as_string() else {
        return Ok(());
    };
    let rule = live.engine.text(&rule, TextContext::Style);
    let bytes = 48 + rule.as_str().len();
    let add = StyleRuleAdd {
        rule,
        index: index(result),
    };
    live.push_incremental(
        IncrementalData::StyleSheetRule(StyleSheetRuleData::with(|d| {
            d.id = id;
            d.style_id = style_id;
            d.adds = vec![add];
        })),
        bytes,
    )
}

fn rule_deleted(
    live: &mut Live,
    sheet: &JsValue,
    args: &Array,
    _: &JsValue,
) -> Result<(), CoreError> {
    let (Some((id, style_id)), Some(index)) = (sheet_ref(live, sheet), index(&args.get(0))) else {
        return Ok(());
    };
    live.push_incremental(
        IncrementalData::StyleSheetRule(StyleSheetRuleData::with(|d| {
            d.id = id;
            d.style_id = style_id;
            d.removes = vec![StyleRuleRemove { index }];
        })),
        40,
    )
}

/// Which recorded sheet holds the rule whose `style` is `declaration` (see
/// [`sheet_ref`]), and the rule's position: its index in the sheet, then in
/// each enclosing grouping rule, outermost first (rrweb's
/// `getNestedCSSRulePositions`). `None` for an element's inline style (no
/// `parentRule`), a rule of a sheet that is not recorded, or a rule no
/// longer in its sheet.
fn rule_position(live: &Live, declaration: &JsValue) -> Option<(SheetRef, Vec<u32>)> {
    let get = |v: &JsValue, key: &str| {
        Reflect::get(v, &JsValue::from_str(key))
            .ok()
            .filter(JsValue::is_object)
    };
    let rule = get(declaration, "parentRule")?;
    let sheet = get(&rule, "parentStyleSheet")?;
    let id = sheet_ref(live, &sheet)?;
    let mut index = Vec::new();
    let mut current = rule;
    loop {
        if index.len() >= MAX_RULE_NESTING {
            return None;
        }
        let parent = get(&current, "parentRule");
        let list = get(parent.as_ref().unwrap_or(&sheet), "cssRules")?;
        let position = Array::from(&list).index_of(&current, 0);
        index.push(u32::try_from(position).ok()?);
        match parent {
            Some(p) => current = p,
            None => break,
        }
    }
    index.reverse();
    Some((id, index))
}

fn push_declaration(
    live: &mut Live,
    data: StyleDeclarationData,
    bytes: usize,
) -> Result<(), CoreError> {
    live.push_incremental(IncrementalData::StyleDeclaration(data), bytes)
}

/// `rule.style.setProperty(property, …)`: the declaration as the rule now
/// holds it (value and priority read back, as the browser parsed them; an
/// invalid call that changed nothing records the unchanged declaration).
fn declaration_set(
    live: &mut Live,
    declaration: &JsValue,
    args: &Array,
    _: &JsValue,
) -> Result<(), CoreError> {
    let Some(property) = args.get(0).as_string() else {
        return Ok(());
    };
    let Some(((id, style_id), index)) = rule_position(live, declaration) else {
        return Ok(());
    };
    let style = declaration.unchecked_ref::<CssStyleDeclaration>();
    let value = style.get_property_value(&property).unwrap_or_default();
    let priority = style.get_property_priority(&property);
    let Some(set) = live.engine.css_declaration(&property, &value, &priority) else {
        return Ok(());
    };
    let bytes = 64 + set.property.as_str().len() + set.value.as_str().len();
    push_declaration(
        live,
        StyleDeclarationData::with(|d| {
            d.id = id;
            d.style_id = style_id;
            d.index = index;
            d.set = Some(set);
        }),
        bytes,
    )
}

/// `rule.style.removeProperty(property)`.
fn declaration_removed(
    live: &mut Live,
    declaration: &JsValue,
    args: &Array,
    _: &JsValue,
) -> Result<(), CoreError> {
    let Some(property) = args.get(0).as_string() else {
        return Ok(());
    };
    let Some(((id, style_id), index)) = rule_position(live, declaration) else {
        return Ok(());
    };
    let Some(property) = live.engine.css_property(&property) else {
        return Ok(());
    };
    let bytes = 48 + property.as_str().len();
    push_declaration(
        live,
        StyleDeclarationData::with(|d| {
            d.id = id;
            d.style_id = style_id;
            d.index = index;
            d.remove = Some(StyleDeclarationRemove { property });
        }),
        bytes,
    )
}

/// `document.adoptedStyleSheets = …` or `shadowRoot.adoptedStyleSheets = …`:
/// the list as it now is.
fn adopted_set(live: &mut Live, target: &JsValue, _: &Array, _: &JsValue) -> Result<(), CoreError> {
    if !target.is_object() {
        return Ok(());
    }
    live.adopted(target.unchecked_ref::<web_sys::Node>(), true, true)
}

/// A form value set by script: the element has a pending Input event, not
/// user-triggered (unless the user changed it too since the last write).
fn value_set(live: &mut Live, target: &JsValue, _: &Array, _: &JsValue) -> Result<(), CoreError> {
    let Some(el) = target.dyn_ref::<Element>() else {
        return Ok(());
    };
    let Some(id) = live.mirror.id_of(el) else {
        return Ok(());
    };
    // `ignore` rules drop the element's input events.
    if live.rules.decide(el).ignored {
        return Ok(());
    }
    live.input_pending(id, el.clone(), false);
    Ok(())
}

/// `host.attachShadow(…)` on a recorded host whose content is recorded: the
/// new (open) root is observed, so what is put in it is recorded as adds
/// with `isShadow` (the replayer attaches a shadow root to the host on the
/// first such add). A host not recorded yet is serialised with its root when
/// its add is processed; closed roots stay invisible, as in the snapshot.
fn shadow_attached(
    live: &mut Live,
    host: &JsValue,
    _: &Array,
    _: &JsValue,
) -> Result<(), CoreError> {
    let Some(el) = host.dyn_ref::<Element>() else {
        return Ok(());
    };
    if !live.mirror.entry(el).is_some_and(|e| !e.meta.leaf) {
        return Ok(());
    }
    let Some(root) = el.shadow_root() else {
        return Ok(());
    };
    live.observe(&root)
}

/// `sheet.replace(css)` / `replaceSync(css)` on an adopted constructed sheet
/// (the only sheets that allow them): every rule replaced, the CSS sanitised.
fn sheet_replaced(
    live: &mut Live,
    sheet: &JsValue,
    args: &Array,
    _: &JsValue,
) -> Result<(), CoreError> {
    replaced(live, sheet, args, false)
}

fn sheet_replaced_sync(
    live: &mut Live,
    sheet: &JsValue,
    args: &Array,
    _: &JsValue,
) -> Result<(), CoreError> {
    replaced(live, sheet, args, true)
}

fn replaced(live: &mut Live, sheet: &JsValue, args: &Array, sync: bool) -> Result<(), CoreError> {
    let (Some(style_id), Some(css)) = (live.style_id(sheet), args.get(0).as_string()) else {
        return Ok(());
    };
    let css = live.engine.text(&css, TextContext::Style);
    let bytes = 48 + css.as_str().len();
    live.push_incremental(
        IncrementalData::StyleSheetRule(StyleSheetRuleData::with(|d| {
            d.style_id = Some(style_id);
            if sync {
                d.replace_sync = Some(css);
            } else {
                d.replace = Some(css);
            }
        })),
        bytes,
    )
}
