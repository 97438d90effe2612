//! The HTTP surface of the collector (axum).
//!
//! | route | |
//! |---|---|
//! | `POST /v1/batches` | one batch per request ([`post_batch`]) |
//! | `OPTIONS /v1/batches` | CORS preflight, for configured origins only |
//! | `GET /healthz` | liveness |
//! | `GET /v1/stats` | counters since start and store totals |
//!
//! Every refusal is `{"error": {"code": "...", "message": "..."}}` with a
//! clear status. `serve` merges the replay viewer's routes
//! ([`crate::viewer`]) and the demo site's ([`crate::demo`]) into [`router`];
//! the batch path does not know about them.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use http_body_util::BodyExt;
use serde_json::json;
use tokio::sync::Semaphore;

use reticent_core::batch::{DecodeLimits, CONTENT_TYPE};

use crate::config::Site;
use crate::ingest::{self, Refusal};
use crate::stats::Stats;
use crate::store::{now_ms, PutOutcome, Store};

/// The path batches are posted to.
pub const BATCH_PATH: &str = "/v1/batches";
/// The header carrying the site key.
pub const KEY_HEADER: &str = "x-reticent-key";
/// How long a client may take to send its body.
const BODY_TIMEOUT: Duration = Duration::from_secs(30);
/// How long browsers may cache a preflight answer (Chromium's cap).
const PREFLIGHT_MAX_AGE: &str = "7200";

/// Everything the handlers share.
pub struct App {
    /// Configured sites.
    pub sites: Vec<Site>,
    /// Every site's origins, for CORS answers.
    pub origins: BTreeSet<String>,
    /// Where batches go.
    pub store: Arc<dyn Store>,
    /// Decoder limits (`max_compressed` is the body cap).
    pub limits: DecodeLimits,
    /// Counters.
    pub stats: Stats,
    /// Bounds the batches being decoded at once (each may take up to about
    /// 13 × `max_decompressed` bytes of memory, see `docs/collector.md`).
    /// A slot is held by the decode itself, on its blocking thread, not by
    /// the request: a client that goes away cannot free it early.
    pub decode_slots: Arc<Semaphore>,
}

impl App {
    /// The handlers' state for `sites`.
    pub fn new(sites: Vec<Site>, store: Arc<dyn Store>, limits: DecodeLimits) -> Self {
        let origins = sites
            .iter()
            .flat_map(|s| s.origins.iter().cloned())
            .collect();
        let parallel = std::thread::available_parallelism().map_or(2, |n| n.get());
        App {
            sites,
            origins,
            store,
            limits,
            stats: Stats::new(now_ms()),
            decode_slots: Arc::new(Semaphore::new(parallel * 2)),
        }
    }

    /// The site whose key this is. Every key is compared in full, so the time
    /// taken does not tell how much of a guess was right.
    fn site_for_key(&self, key: &[u8]) -> Option<usize> {
        let mut found = None;
        for (i, site) in self.sites.iter().enumerate() {
            if constant_time_eq(site.key.as_bytes(), key) {
                found = Some(i);
            }
        }
        found
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The collector's routes.
pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(BATCH_PATH, post(post_batch).options(preflight))
        .route("/healthz", get(healthz))
        .route("/v1/stats", get(stats))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .with_state(app)
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response {
    let mut resp = (status, body.to_string()).into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

fn refusal_response(r: &Refusal) -> Response {
    let status = StatusCode::from_u16(r.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    json_response(
        status,
        json!({"error": {"code": r.code, "message": r.message}}),
    )
}

/// The request's `Origin`, normalised the way configured origins are.
fn request_origin(headers: &HeaderMap) -> Option<Result<String, ()>> {
    headers
        .get(header::ORIGIN)
        .map(|v| v.to_str().map(str::to_ascii_lowercase).map_err(|_| ()))
}

/// `Access-Control-Allow-Origin` for a configured origin, so the page can read
/// the status (and retry or give up). Never for others; never credentials.
fn add_cors(resp: &mut Response, origin: Option<&str>) {
    let h = resp.headers_mut();
    h.insert(header::VARY, HeaderValue::from_static("Origin"));
    if let Some(v) = origin.and_then(|o| HeaderValue::from_str(o).ok()) {
        h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, v);
        h.insert(
            header::ACCESS_CONTROL_EXPOSE_HEADERS,
            HeaderValue::from_static("Retry-After"),
        );
    }
}

/// `POST /v1/batches`: checks in the order key (401), origin (403), content
/// type (415), size (413), then decodes off the async runtime.
async fn post_batch(State(app): State<Arc<App>>, req: Request) -> Response {
    let (parts, body) = req.into_parts();
    let origin = request_origin(&parts.headers);
    let cors = match &origin {
        Some(Ok(o)) if app.origins.contains(o) => Some(o.as_str()),
        _ => None,
    };
    let (site, result) = accept(&app, &parts.headers, origin.as_ref(), body).await;
    let mut resp = match result {
        Ok(done) => {
            let (status, label) = match done.outcome {
                PutOutcome::Stored => {
                    app.stats
                        .accepted(&app.sites[site.unwrap_or(0)].name, &done.scrubbed);
                    (StatusCode::CREATED, "stored")
                }
                _ => {
                    app.stats.duplicate();
                    (StatusCode::OK, "duplicate")
                }
            };
            json_response(
                status,
                json!({
                    "status": label,
                    "sessionId": done.session_id,
                    "pageViewId": done.page_view_id,
                    "sequence": done.sequence,
                }),
            )
        }
        Err(r) => {
            let site_name = site.map(|i| app.sites[i].name.as_str());
            app.stats.rejected(r.code, site_name);
            if r.status >= 500 {
                eprintln!("reticent: {} {}: {}", r.status, r.code, r.message);
            }
            let mut resp = refusal_response(&r);
            if r.status == 503 {
                // The recorder's transport honours Retry-After.
                resp.headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
            }
            resp
        }
    };
    add_cors(&mut resp, cors);
    resp
}

/// The checks and the work of [`post_batch`]; returns the site index once the
/// key is known, for the counters.
async fn accept(
    app: &Arc<App>,
    headers: &HeaderMap,
    origin: Option<&Result<String, ()>>,
    body: Body,
) -> (Option<usize>, Result<ingest::Ingested, Refusal>) {
    let key = headers.get(HeaderName::from_static(KEY_HEADER));
    let Some(idx) = key.and_then(|k| app.site_for_key(k.as_bytes())) else {
        let msg = if key.is_none() {
            "missing X-Reticent-Key header"
        } else {
            "unknown site key"
        };
        return (None, Err(Refusal::new(401, ingest::BAD_KEY, msg)));
    };
    let site = &app.sites[idx];
    let origin_ok = match origin {
        None => site.allow_no_origin,
        Some(Ok(o)) => site.origins.contains(o),
        Some(Err(())) => false,
    };
    if !origin_ok {
        let msg = if origin.is_none() {
            "requests without an Origin header are not accepted for this site"
        } else {
            "this origin may not send batches for this site"
        };
        return (
            Some(idx),
            Err(Refusal::new(403, ingest::ORIGIN_NOT_ALLOWED, msg)),
        );
    }
    let result = async {
        check_content_type(headers)?;
        let max = app.limits.max_compressed;
        if let Some(len) = headers
            .get(header::CONTENT_LENGTH)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
        {
            if len > max as u64 {
                return Err(too_large(max));
            }
        }
        let bytes = match tokio::time::timeout(BODY_TIMEOUT, read_capped(body, max)).await {
            Ok(r) => r?,
            Err(_) => {
                return Err(Refusal::new(
                    408,
                    ingest::TIMEOUT,
                    "the request body did not arrive in time",
                ))
            }
        };
        let slot = Arc::clone(&app.decode_slots)
            .acquire_owned()
            .await
            .map_err(|_| Refusal::new(503, ingest::INTERNAL, "the collector is stopping"))?;
        let app2 = Arc::clone(app);
        tokio::task::spawn_blocking(move || {
            // Moved here, the slot lives as long as the decode. If the client
            // goes away, this request's future is dropped, but a blocking
            // thread cannot be cancelled: held by the future, the slot was
            // freed while the decode went on, and more decodes than slots ran.
            let _slot = slot;
            ingest::ingest(
                &app2.sites[idx],
                &bytes,
                &app2.limits,
                &*app2.store,
                now_ms(),
            )
        })
        .await
        .unwrap_or_else(|_| {
            Err(Refusal::new(
                500,
                ingest::INTERNAL,
                "the batch could not be processed (a bug: please report it)",
            ))
        })
    }
    .await;
    (Some(idx), result)
}

fn too_large(max: usize) -> Refusal {
    Refusal::new(
        413,
        reticent_core::ErrorCode::TooLarge.as_str(),
        format!("the request body is larger than {max} bytes"),
    )
}

/// The media type must be the batch type (parameters are ignored).
fn check_content_type(headers: &HeaderMap) -> Result<(), Refusal> {
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let media = ct.split(';').next().unwrap_or("").trim();
    if media.eq_ignore_ascii_case(CONTENT_TYPE) {
        Ok(())
    } else {
        Err(Refusal::new(
            415,
            ingest::UNSUPPORTED_MEDIA_TYPE,
            format!("Content-Type must be {CONTENT_TYPE}"),
        ))
    }
}

/// Reads the body but never more than `max` bytes (chunked bodies have no
/// length to check in advance).
async fn read_capped(mut body: Body, max: usize) -> Result<Vec<u8>, Refusal> {
    let mut buf = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| {
            Refusal::new(
                400,
                ingest::BAD_REQUEST,
                format!("the request body could not be read: {e}"),
            )
        })?;
        if let Ok(data) = frame.into_data() {
            if buf.len() + data.len() > max {
                return Err(too_large(max));
            }
            buf.extend_from_slice(&data);
        }
    }
    Ok(buf)
}

/// `OPTIONS /v1/batches`: answered for configured origins only.
async fn preflight(State(app): State<Arc<App>>, headers: HeaderMap) -> Response {
    let origin = match request_origin(&headers) {
        Some(Ok(o)) if app.origins.contains(&o) => o,
        _ => {
            app.stats.rejected(ingest::ORIGIN_NOT_ALLOWED, None);
            let mut resp = refusal_response(&Refusal::new(
                403,
                ingest::ORIGIN_NOT_ALLOWED,
                "this origin may not send batches",
            ));
            add_cors(&mut resp, None);
            return resp;
        }
    };
    let mut resp = StatusCode::NO_CONTENT.into_response();
    add_cors(&mut resp, Some(&origin));
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("POST"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("Content-Type, X-Reticent-Key"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static(PREFLIGHT_MAX_AGE),
    );
    resp
}

async fn healthz() -> Response {
    json_response(StatusCode::OK, json!({"status": "ok"}))
}

async fn stats(State(app): State<Arc<App>>) -> Response {
    let store = Arc::clone(&app.store);
    let totals = tokio::task::spawn_blocking(move || store.stats())
        .await
        .ok()
        .and_then(Result::ok);
    json_response(StatusCode::OK, app.stats.to_json(totals))
}

// Under the viewer's path, both carry the viewer's headers, as its own answers.

async fn not_found(uri: Uri) -> Response {
    let mut resp = refusal_response(&Refusal::new(404, ingest::NOT_FOUND, "no such endpoint"));
    crate::viewer::harden_error(&uri, &mut resp);
    resp
}

/// `405` with the JSON error body; `serve.rs` sets it on every route once
/// all routers are merged (a merged router's routes would not have it).
pub async fn method_not_allowed(uri: Uri) -> Response {
    let mut resp = refusal_response(&Refusal::new(
        405,
        ingest::METHOD_NOT_ALLOWED,
        "this endpoint does not take that method",
    ));
    crate::viewer::harden_error(&uri, &mut resp);
    resp
}

#[cfg(test)]
mod tests {
    use std::sync::mpsc::channel;
    use std::sync::Mutex;

    use super::*;
    use crate::store::{NewBatch, WriteOnly};

    fn post(key: &str) -> Request {
        let body = crate::ingest::tests::body("https://a.example/");
        Request::builder()
            .method("POST")
            .uri(BATCH_PATH)
            .header(header::CONTENT_TYPE, CONTENT_TYPE)
            .header(KEY_HEADER, key)
            .body(Body::from(body))
            .unwrap()
    }

    /// A client that goes away mid-decode does not free the decode's slot:
    /// the decode goes on on its blocking thread, and keeps the slot until it
    /// ends.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_decode_keeps_its_slot_after_the_client_leaves() {
        let (entered_tx, entered) = channel();
        let (release, release_rx) = channel();
        // Writes wait for a go-ahead, saying when one has begun.
        let release_rx = Mutex::new(release_rx);
        let store = Arc::new(WriteOnly(move |_: &NewBatch| {
            let _ = entered_tx.send(());
            let released = release_rx
                .lock()
                .unwrap()
                .recv_timeout(Duration::from_secs(30));
            assert!(released.is_ok(), "never released");
            Ok(PutOutcome::Stored)
        }));
        let site = Site {
            name: "shop".into(),
            key: "k".repeat(8),
            origins: vec![],
            allow_no_origin: true,
            approved_policies: vec![],
        };
        let app = Arc::new(App::new(vec![site], store, DecodeLimits::default()));
        let slots = app.decode_slots.available_permits();

        let request = tokio::spawn(post_batch(State(Arc::clone(&app)), post(&"k".repeat(8))));
        let reached = tokio::task::spawn_blocking(move || {
            entered.recv_timeout(Duration::from_secs(30)).is_ok()
        });
        assert!(reached.await.unwrap(), "the batch never reached the store");
        assert_eq!(app.decode_slots.available_permits(), slots - 1);

        // The client goes away: hyper drops the request's future, as here.
        request.abort();
        assert!(request.await.unwrap_err().is_cancelled());
        assert_eq!(
            app.decode_slots.available_permits(),
            slots - 1,
            "the slot was freed while its decode still runs"
        );

        // Once the decode ends, its slot is free.
        release.send(()).unwrap();
        let freed = async {
            while app.decode_slots.available_permits() != slots {
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        };
        assert!(
            tokio::time::timeout(Duration::from_secs(30), freed)
                .await
                .is_ok(),
            "the slot was never freed"
        );
    }
}
