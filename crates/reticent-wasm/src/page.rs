//! What the recorder reads from the window itself (not the DOM tree): the page
//! address, the viewport size and the scroll offset.

use reticent_core::{CoreError, ErrorCode};
use wasm_bindgen::JsValue;
use web_sys::{Document, Window};

/// The window and its document, once consent allows reading them.
pub(crate) struct Page {
    pub(crate) window: Window,
    pub(crate) document: Document,
}

impl Page {
    /// The current window; fails (rather than panics) outside a page, e.g. in
    /// a worker.
    pub(crate) fn current() -> Result<Self, CoreError> {
        let window = web_sys::window().ok_or_else(|| internal("no `window`: not in a page"))?;
        let document = window
            .document()
            .ok_or_else(|| internal("no `document` in this window"))?;
        Ok(Page { window, document })
    }

    /// `location.href`, raw (the caller sanitises it).
    pub(crate) fn href(&self) -> Result<String, CoreError> {
        self.window
            .location()
            .href()
            .map_err(|e| internal(&format!("reading location.href failed: {}", describe(&e))))
    }

    /// `innerWidth` × `innerHeight` in CSS pixels.
    pub(crate) fn viewport(&self) -> (u32, u32) {
        let px = |v: Result<JsValue, JsValue>| v.ok().and_then(|v| v.as_f64()).map_or(0, to_u32);
        (
            px(self.window.inner_width()),
            px(self.window.inner_height()),
        )
    }

    /// `(scrollX, scrollY)` in CSS pixels.
    pub(crate) fn scroll(&self) -> (i32, i32) {
        let px = |v: Result<f64, JsValue>| v.ok().map_or(0, to_i32);
        (px(self.window.scroll_x()), px(self.window.scroll_y()))
    }
}

pub(crate) fn internal(msg: &str) -> CoreError {
    CoreError::new(ErrorCode::Internal, msg)
}

/// A one-line description of a thrown JS value (its `message` when it has one).
pub(crate) fn describe(v: &JsValue) -> String {
    js_sys::Reflect::get(v, &JsValue::from_str("message"))
        .ok()
        .and_then(|m| m.as_string())
        .unwrap_or_else(|| "unknown error".to_owned())
}

/// Rounds a pixel value into `u32`; NaN and negatives give 0.
fn to_u32(v: f64) -> u32 {
    // `as` saturates and maps NaN to 0.
    v.round() as u32
}

/// Rounds a pixel value into `i32`; NaN gives 0.
fn to_i32(v: f64) -> i32 {
    v.round() as i32
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pixel_conversions_saturate() {
        assert_eq!(to_u32(1279.6), 1280);
        assert_eq!(to_u32(-3.0), 0);
        assert_eq!(to_u32(f64::NAN), 0);
        assert_eq!(to_u32(f64::INFINITY), u32::MAX);
        assert_eq!(to_i32(-12.4), -12);
        assert_eq!(to_i32(f64::NAN), 0);
        assert_eq!(to_i32(1e12), i32::MAX);
    }
}
