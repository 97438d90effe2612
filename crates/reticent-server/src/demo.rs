//! `--demo-dir DIR`: serves a static demo site under `/demo/` and the
//! recorder's script-tag build at `/reticent.js`, on the collector's own
//! origin (so the site posts its batches to `/v1/batches` same-origin).
//!
//! Request paths are checked segment by segment (no `..`, no hidden files,
//! no percent-escapes) and the file found must resolve inside `DIR`.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::extract::State;
use axum::http::header::{self, HeaderValue};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use crate::config::DemoSettings;

/// The demo routes.
pub fn router(settings: DemoSettings) -> Router {
    Router::new()
        .route("/demo", get(|| async { redirect("/demo/") }))
        .route("/demo/", get(file))
        .route("/demo/{*path}", get(file))
        .route("/reticent.js", get(script))
        .with_state(Arc::new(settings))
}

fn redirect(to: &'static str) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "not found",
    )
        .into_response()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "webp" => "image/webp",
        "ico" => "image/x-icon",
        "json" => "application/json",
        "wasm" => "application/wasm",
        "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// The file of the site a URL path names, if it is safe to serve.
fn resolve(dir: &Path, rel: &str) -> Option<PathBuf> {
    let mut path = dir.to_path_buf();
    for seg in rel.split('/').filter(|s| !s.is_empty()) {
        let ok = !seg.starts_with('.')
            && seg
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !ok {
            return None;
        }
        path.push(seg);
    }
    if path.is_dir() {
        path.push("index.html");
    }
    // Symbolic links must not lead out of the site.
    let real = path.canonicalize().ok()?;
    let root = dir.canonicalize().ok()?;
    (real.starts_with(&root) && real.is_file()).then_some(real)
}

async fn send(path: PathBuf) -> Response {
    let ct = content_type(&path);
    match tokio::task::spawn_blocking(move || std::fs::read(path)).await {
        Ok(Ok(bytes)) => {
            let mut resp = (StatusCode::OK, bytes).into_response();
            let h = resp.headers_mut();
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
            h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
            h.insert(
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            );
            resp
        }
        _ => not_found(),
    }
}

/// `GET /demo/…`
async fn file(State(s): State<Arc<DemoSettings>>, uri: Uri) -> Response {
    let rel = uri.path().strip_prefix("/demo").unwrap_or("");
    match resolve(&s.dir, rel) {
        Some(p) => send(p).await,
        None => not_found(),
    }
}

/// `GET /reticent.js`
async fn script(State(s): State<Arc<DemoSettings>>) -> Response {
    if !s.script.is_file() {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!(
                "{} is missing: build the JS package (cd js && npm run build)",
                s.script.display()
            ),
        )
            .into_response();
    }
    send(s.script.clone()).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_stay_inside_the_site() {
        let dir = std::env::temp_dir().join(format!("reticent-demo-test-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(dir.join("index.html"), "home").unwrap();
        std::fs::write(dir.join("sub/page.html"), "page").unwrap();
        std::fs::write(dir.join(".secret"), "no").unwrap();
        assert!(resolve(&dir, "/").unwrap().ends_with("index.html"));
        assert!(resolve(&dir, "/sub/page.html").is_some());
        for bad in [
            "/../etc/passwd",
            "/.secret",
            "/sub/%2e%2e/x",
            "/nope.html",
            "/sub",
        ] {
            assert!(resolve(&dir, bad).is_none(), "{bad}");
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
