//! The node mirror: which id each recorded DOM node has.
//!
//! Ids live in a JS `WeakMap` keyed by the node, so the mirror never keeps a
//! removed node alive. A mirror belongs to one recording session: withdrawing
//! consent drops it, and the next session numbers nodes from 1 again.

use js_sys::{Object, WeakMap};
use reticent_core::{CoreError, ErrorCode};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::Node;

/// Node ↔ id map of one session.
pub(crate) struct Mirror {
    ids: WeakMap,
    next_id: u32,
}

impl Mirror {
    /// An empty mirror; the first id handed out is 1.
    pub(crate) fn new() -> Self {
        Mirror {
            ids: WeakMap::new(),
            next_id: 1,
        }
    }

    /// The id of `node`, if it has been recorded.
    // Used by the browser tests now and by the mutation observer (a later issue).
    #[allow(dead_code)]
    pub(crate) fn id_of(&self, node: &Node) -> Option<u32> {
        let v = self.ids.get(node.unchecked_ref::<Object>()).as_f64()?;
        // Ids are written by `assign` only, so this is always a u32.
        Some(v as u32)
    }

    /// Gives `node` a fresh id (replacing any earlier one) and returns it.
    pub(crate) fn assign(&mut self, node: &Node) -> Result<u32, CoreError> {
        let id = self.next_id;
        self.next_id = id
            .checked_add(1)
            .ok_or_else(|| CoreError::new(ErrorCode::Internal, "node id space exhausted"))?;
        self.ids
            .set(node.unchecked_ref::<Object>(), &JsValue::from(id));
        Ok(id)
    }
}

#[cfg(all(test, target_arch = "wasm32"))]
mod tests {
    use super::Mirror;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    #[wasm_bindgen_test]
    fn assigns_increasing_ids_and_remembers_them() {
        let doc = web_sys::window().unwrap().document().unwrap();
        let a = doc.create_element("div").unwrap();
        let b = doc.create_element("span").unwrap();
        let mut m = Mirror::new();
        assert_eq!(m.id_of(&a), None);
        assert_eq!(m.assign(&a).unwrap(), 1);
        assert_eq!(m.assign(&b).unwrap(), 2);
        assert_eq!(m.id_of(&a), Some(1));
        assert_eq!(m.id_of(&b), Some(2));
        assert_eq!(m.assign(&a).unwrap(), 3, "assign always gives a fresh id");
        assert_eq!(m.id_of(&a), Some(3));
        assert_eq!(Mirror::new().id_of(&a), None, "mirrors share nothing");
    }
}
