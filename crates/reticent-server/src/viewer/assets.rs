//! The viewer's static files and the headers every viewer answer carries.
//!
//! Only the files listed in [`ASSETS`] are ever served (by name, from fixed
//! paths under the viewer directory), so no request path reaches the file
//! system.

use std::path::{Path, PathBuf};

use axum::http::header::{self, HeaderName, HeaderValue};
use axum::response::Response;

/// The viewer pages' Content-Security-Policy.
///
/// - `script-src 'self'`: the viewer's own files and rrweb-player's bundle,
///   never inline or recorded scripts (the replay frame inherits this policy
///   on top of its sandbox).
/// - `style-src 'self' 'unsafe-inline'`: rrweb rebuilds recorded `<style>`
///   elements and `style` attributes inside the replay frame, and
///   rrweb-player sets inline styles on its controls.
/// - `img-src 'self' data: blob:`: a recording never makes the viewer fetch
///   from the recorded site (or anywhere else).
/// - `form-action 'self'` (the login form) and `frame-ancestors 'none'` (the
///   CSP form of `X-Frame-Options: DENY`) are additions to the brief's list.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; frame-src 'self'; object-src 'none'; base-uri 'none'; \
    form-action 'self'; frame-ancestors 'none'";

/// One servable file: its name under `/viewer/assets/`, its path in the
/// viewer directory and its media type.
pub struct Asset {
    /// The URL name.
    pub name: &'static str,
    /// Relative to the viewer directory.
    pub path: &'static str,
    /// `Content-Type`.
    pub content_type: &'static str,
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// Every file the viewer serves.
pub const ASSETS: &[Asset] = &[
    Asset {
        name: "viewer.css",
        path: "static/viewer.css",
        content_type: CSS,
    },
    Asset {
        name: "replay.js",
        path: "static/replay.js",
        content_type: JS,
    },
    // rrweb-player's UMD bundle (defines `rrwebPlayer`; rrweb's replayer included).
    Asset {
        name: "rrweb-player.js",
        path: "node_modules/rrweb-player/dist/rrweb-player.umd.min.cjs",
        content_type: JS,
    },
    Asset {
        name: "rrweb-player.css",
        path: "node_modules/rrweb-player/dist/style.min.css",
        content_type: CSS,
    },
];

/// The asset called `name`.
pub fn find(name: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.name == name)
}

/// The assets missing from `dir` (as paths to show the operator).
pub fn missing(dir: &Path) -> Vec<String> {
    ASSETS
        .iter()
        .map(|a| dir.join(a.path))
        .filter(|p| !p.is_file())
        .map(|p: PathBuf| p.display().to_string())
        .collect()
}

/// Adds the viewer's security headers, with `cache` as `Cache-Control`.
pub fn harden(resp: &mut Response, cache: &'static str) {
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
}
