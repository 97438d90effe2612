//! The module's callbacks as the browser and the page call them, guarded.
//!
//! The module is built with `panic = "abort"`: a panic is a trap, a
//! `RuntimeError` thrown out to whatever JS called in. The wrapper's own
//! calls catch it (it stops the recorder and reports once), but the browser
//! calls the mutation observer, the listeners and the slicer's timer itself,
//! and the page calls the wrapped methods (`history.pushState`, `insertRule`,
//! `input.value = …`): a throw there would reach the site's error handlers,
//! or break the page's own call. These JS wrappers catch it and note it;
//! the recorder then stops at the wrapper's next call ([`trapped`]) and
//! reports it once, as for any error in a page callback.

use js_sys::Function;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(inline_js = r#"
let trapped = false;
// One function with a kind (0 a callback, 1 a Proxy `apply` trap), and the
// others answering strings: wasm-bindgen 0.2.130 lists a snippet once per
// direct import in the import object, and the duplicate key fails the
// bundle's build (see dom.rs).
export function reticent_guard(kind, f) {
  if (kind === 1) {
    return function (target, thisArg, args) {
      // The page's call as without the recorder: its result or its throw.
      const result = Reflect.apply(target, thisArg, args);
      try {
        f(thisArg, args, result);
      } catch (_) {
        trapped = true;
      }
      return result;
    };
  }
  return function () {
    try {
      f.apply(this, arguments);
    } catch (_) {
      trapped = true;
    }
  };
}
export function reticent_trapped() {
  return trapped ? 'trapped' : undefined;
}
export function reticent_untrap() {
  trapped = false;
  return undefined;
}
"#)]
extern "C" {
    fn reticent_guard(kind: u32, f: &Function) -> Function;
    fn reticent_trapped() -> Option<String>;
    #[cfg(test)]
    fn reticent_untrap() -> Option<String>;
}

/// `f` (a callback returning nothing) in a function that never throws.
pub(crate) fn guard(f: &Function) -> Function {
    reticent_guard(0, f)
}

/// A `Proxy` `apply` trap: calls the target, then `hook(this, args, result)`
/// guarded, and returns the target's result (or lets its throw through).
pub(crate) fn trap(hook: &Function) -> Function {
    reticent_guard(1, hook)
}

/// Whether a guarded callback threw (the module trapped) in this page.
pub(crate) fn trapped() -> bool {
    reticent_trapped().is_some()
}

/// Forgets a trap (tests: they share one page).
#[cfg(test)]
pub(crate) fn untrap() {
    let _ = reticent_untrap();
}

#[cfg(test)]
mod tests {
    use js_sys::{Array, Function};
    use wasm_bindgen::JsValue;
    use wasm_bindgen_test::wasm_bindgen_test;

    use super::*;

    // Sync tests: the trap noted is forgotten before the next test runs.

    #[wasm_bindgen_test]
    fn a_throwing_callback_is_caught_and_noted() {
        let quiet = guard(&Function::new_no_args("this.calls = (this.calls || 0) + 1"));
        let that = js_sys::Object::new();
        assert!(quiet.call0(&that).is_ok());
        assert!(!trapped());
        let throwing = guard(&Function::new_no_args(
            "throw new WebAssembly.RuntimeError('unreachable')",
        ));
        assert!(
            throwing.call0(&JsValue::NULL).is_ok(),
            "nothing thrown to the caller"
        );
        assert!(trapped());
        untrap();
    }

    #[wasm_bindgen_test]
    fn the_trap_answers_the_targets_result_or_throw_whatever_the_hook_does() {
        let add = Function::new_with_args("a, b", "return a + b");
        let failing = Function::new_with_args("a", "throw new Error('page error ' + a)");
        let seen = Array::new();
        let hook = Function::new_with_args("seen", "return function (t, a, r) { seen.push(r); }")
            .call1(&JsValue::NULL, &seen)
            .unwrap();
        let apply = trap(hook.unchecked_ref());
        let args = Array::of2(&JsValue::from(2), &JsValue::from(3));
        let got = apply
            .call3(&JsValue::NULL, &add, &JsValue::NULL, &args)
            .unwrap();
        assert_eq!(got.as_f64(), Some(5.0));
        assert_eq!(seen.get(0).as_f64(), Some(5.0), "the hook saw the result");
        // The page's own error reaches the page; the hook is not called.
        let thrown = apply
            .call3(
                &JsValue::NULL,
                &failing,
                &JsValue::NULL,
                &Array::of1(&JsValue::from(1)),
            )
            .unwrap_err();
        assert!(format!("{thrown:?}").contains("page error 1"));
        assert_eq!(seen.length(), 1);
        assert!(!trapped());
        // A hook that throws: the result still reaches the page.
        let broken = trap(&Function::new_no_args(
            "throw new WebAssembly.RuntimeError('unreachable')",
        ));
        let got = broken
            .call3(&JsValue::NULL, &add, &JsValue::NULL, &args)
            .unwrap();
        assert_eq!(got.as_f64(), Some(5.0));
        assert!(trapped());
        untrap();
    }
}
