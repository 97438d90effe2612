//! The replay viewer, served by `reticent serve` under `/viewer/`.
//!
//! | route | |
//! |---|---|
//! | `GET /viewer/` | the session list (HTML) |
//! | `GET /viewer/sessions/{id}[?site=NAME]` | the replay page of one session (rrweb-player) |
//! | `GET /viewer/api/sessions` | the session list (JSON, as `reticent sessions --json`) |
//! | `GET /viewer/api/sessions/{id}/events[?site=NAME]` | the session's rrweb JSON (as `reticent export`) |
//! | `POST /viewer/login`, `POST /viewer/logout` | the login form; logging out |
//! | `GET /viewer/assets/{name}` | the viewer's static files and rrweb-player's dist files |
//!
//! Access needs the viewer token ([`auth`]): `Authorization: Bearer TOKEN`,
//! or the `HttpOnly`, `SameSite=Strict` cookie that the login form or a
//! `?token=` link sets. Without it the API answers 401 and the pages the
//! login form (also 401). Every answer carries a strict CSP
//! ([`assets::CSP`]), `X-Frame-Options: DENY` and `Referrer-Policy:
//! no-referrer`; pages and API answers are `Cache-Control: no-store`.
//!
//! Recordings are untrusted: pages render recorded values escaped, carry no
//! inline script, and rrweb-player replays into an iframe that rrweb creates
//! with `sandbox="allow-same-origin"` (no scripts); `replay.js` never enables
//! `UNSAFE_replayCanvas` (which would add `allow-scripts`).

mod assets;
mod auth;
mod pages;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::{Path, Request, State};
use axum::http::header::{self, HeaderMap, HeaderValue};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::json;

use reticent_core::batch::{gunzip, Batch};

use crate::config::{ViewerSettings, ViewerToken};
use crate::decode::merged_events;
use crate::store::{stored_limits, SessionSummary, Store, StoreError};
use crate::CliError;

use auth::load_or_create;
pub use auth::{check_token, token_file_for};

/// Largest login form body.
const MAX_FORM: usize = 8 * 1024;

/// The viewer's state.
pub struct Viewer {
    dir: PathBuf,
    auth: auth::Auth,
    store: Arc<dyn Store>,
    /// Exports decoding at once (each may hold up to [`MAX_EXPORT_BYTES`]
    /// inflated, and several times that decoded and as JSON).
    exports: Arc<tokio::sync::Semaphore>,
}

/// Largest session the viewer exports, in inflated (decompressed) batch
/// bytes: about 4 × that in memory while it is decoded and written as JSON.
/// A recorded session is far below (the bench's 10,000-element page makes a
/// 0.9 MB snapshot); a hostile one, built from small batches that inflate a
/// lot under the public site key, is refused instead of taking the
/// collector's memory. `reticent export` has no such limit.
pub const MAX_EXPORT_BYTES: usize = 64 << 20;

/// Exports decoding at once.
const EXPORTS_AT_ONCE: usize = 2;

/// Sessions the viewer lists, the most recently active: anyone with a
/// site's public key can create sessions, and a list of all of them could
/// grow past what a page (or the collector building it) should hold.
/// `reticent sessions` lists them all.
pub const MAX_LISTED: usize = 1000;

impl Viewer {
    /// A viewer of `store`, serving assets from `dir`, opened by `token`.
    pub fn new(dir: PathBuf, token: &str, store: Arc<dyn Store>) -> Self {
        Viewer {
            dir,
            auth: auth::Auth::new(token),
            store,
            exports: Arc::new(tokio::sync::Semaphore::new(EXPORTS_AT_ONCE)),
        }
    }

    /// The viewer's asset files that are missing (empty when it can run).
    pub fn missing_assets(&self) -> Vec<String> {
        assets::missing(&self.dir)
    }

    /// The 503 page when assets are missing.
    fn unavailable(&self) -> Option<Response> {
        let missing = self.missing_assets();
        if missing.is_empty() {
            return None;
        }
        Some(html(
            StatusCode::SERVICE_UNAVAILABLE,
            pages::assets_missing(&self.dir.display().to_string(), &missing),
        ))
    }

    /// Authentication of a page request: `None` lets it through; otherwise
    /// the answer (the login form, or the redirect that drops `?token=`
    /// from the address once its cookie is set).
    fn gate_page(&self, headers: &HeaderMap, uri: &Uri) -> Option<Response> {
        let params = query_params(uri.query().unwrap_or(""));
        let rest: Vec<(String, String)> = params
            .iter()
            .filter(|(k, _)| k != "token")
            .cloned()
            .collect();
        let here = with_query(uri.path(), &rest);
        if let Some((_, token)) = params.iter().find(|(k, _)| k == "token") {
            if self.auth.token_matches(token.as_bytes()) {
                let mut resp = redirect(&here);
                self.set_login_cookie(&mut resp);
                return Some(resp);
            }
            return Some(login_page(&here, Some("Wrong token.")));
        }
        if self.auth.authorized(headers) {
            return None;
        }
        Some(login_page(&here, None))
    }

    fn set_login_cookie(&self, resp: &mut Response) {
        if let Ok(v) = HeaderValue::from_str(&self.auth.login_cookie()) {
            resp.headers_mut().insert(header::SET_COOKIE, v);
        }
    }
}

/// The viewer, ready to be merged into the collector's router.
pub struct Mounted {
    /// The viewer's routes.
    pub router: Router,
    token: String,
    generated_into: Option<PathBuf>,
    missing: Vec<String>,
    dir: PathBuf,
}

/// Resolves the token (reading or generating its file) and builds the routes.
pub fn mount(settings: &ViewerSettings, store: Arc<dyn Store>) -> Result<Mounted, CliError> {
    let (token, generated_into) = match &settings.token {
        ViewerToken::Given(t) => (t.clone(), None),
        ViewerToken::File(path) => {
            let (t, created) = load_or_create(path).map_err(CliError::input)?;
            (t, created.then(|| path.clone()))
        }
    };
    let viewer = Viewer::new(settings.dir.clone(), &token, store);
    let missing = viewer.missing_assets();
    Ok(Mounted {
        router: router(Arc::new(viewer)),
        token,
        generated_into,
        missing,
        dir: settings.dir.clone(),
    })
}

impl Mounted {
    /// Tells the operator (on stderr) where the viewer is and how to open it.
    pub fn announce(&self, addr: SocketAddr) {
        if let Some(p) = &self.generated_into {
            eprintln!(
                "reticent: viewer: generated a token into {} (mode 0600)",
                p.display()
            );
        }
        eprintln!(
            "reticent: viewer: http://{addr}/viewer/?token={}",
            self.token
        );
        if !self.missing.is_empty() {
            eprintln!(
                "reticent: viewer: assets missing in {} (run `npm ci --prefix {}`); its pages answer 503 until then",
                self.dir.display(),
                self.dir.display()
            );
        }
    }
}

/// The viewer's routes.
pub fn router(viewer: Arc<Viewer>) -> Router {
    Router::new()
        .route("/viewer", get(|| async { redirect("/viewer/") }))
        .route("/viewer/", get(list_page))
        .route("/viewer/sessions/{id}", get(replay_page))
        .route("/viewer/login", post(login))
        .route("/viewer/logout", post(logout))
        .route("/viewer/assets/{name}", get(asset))
        .route("/viewer/api/sessions", get(api_sessions))
        .route("/viewer/api/sessions/{id}/events", get(api_events))
        .with_state(viewer)
}

/// The viewer's security headers on the collector's answers under
/// `/viewer/` that no viewer route gives (404, 405), uncached.
pub fn harden_error(uri: &Uri, resp: &mut Response) {
    let path = uri.path();
    if path == "/viewer" || path.starts_with("/viewer/") {
        assets::harden(resp, "no-store");
    }
}

fn html(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    assets::harden(&mut resp, "no-store");
    resp
}

fn login_page(next: &str, error: Option<&str>) -> Response {
    html(StatusCode::UNAUTHORIZED, pages::login(next, error))
}

fn redirect(to: &str) -> Response {
    let mut resp = StatusCode::SEE_OTHER.into_response();
    if let Ok(v) = HeaderValue::from_str(to) {
        resp.headers_mut().insert(header::LOCATION, v);
    }
    assets::harden(&mut resp, "no-store");
    resp
}

fn api_json(status: StatusCode, body: Vec<u8>) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    assets::harden(&mut resp, "no-store");
    resp
}

fn api_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = json!({"error": {"code": code, "message": message}}).to_string();
    let mut resp = api_json(status, body.into_bytes());
    if status == StatusCode::UNAUTHORIZED {
        resp.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static("Bearer realm=\"reticent-viewer\""),
        );
    }
    resp
}

fn unauthorized() -> Response {
    api_error(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "the viewer API needs `Authorization: Bearer <viewer token>`",
    )
}

fn store_failed(e: &StoreError) -> Response {
    eprintln!("reticent: viewer: {e}");
    api_error(
        StatusCode::SERVICE_UNAVAILABLE,
        "STORAGE_UNAVAILABLE",
        "the database could not be read",
    )
}

/// `GET /viewer/`
async fn list_page(State(v): State<Arc<Viewer>>, headers: HeaderMap, uri: Uri) -> Response {
    if let Some(r) = v.unavailable().or_else(|| v.gate_page(&headers, &uri)) {
        return r;
    }
    let store = Arc::clone(&v.store);
    // One more than shown, to know whether there are more.
    match tokio::task::spawn_blocking(move || store.list_sessions(Some(MAX_LISTED + 1))).await {
        Ok(Ok(mut list)) => {
            let more = list.len() > MAX_LISTED;
            list.truncate(MAX_LISTED);
            html(StatusCode::OK, pages::session_list(&list, more))
        }
        Ok(Err(e)) => {
            eprintln!("reticent: viewer: {e}");
            html(
                StatusCode::SERVICE_UNAVAILABLE,
                "The database could not be read; see the collector's log.".into(),
            )
        }
        Err(_) => html(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Internal error (a bug: please report it).".into(),
        ),
    }
}

/// `GET /viewer/sessions/{id}`
async fn replay_page(
    State(v): State<Arc<Viewer>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if let Some(r) = v.unavailable().or_else(|| v.gate_page(&headers, &uri)) {
        return r;
    }
    let site = site_param(&uri);
    let mut events_url = format!("/viewer/api/sessions/{}/events", pages::url_encode(&id));
    if let Some(site) = &site {
        events_url.push_str(&format!("?site={}", pages::url_encode(site)));
    }
    html(
        StatusCode::OK,
        pages::replay(site.as_deref().unwrap_or("(any)"), &id, &events_url),
    )
}

/// `GET /viewer/assets/{name}`: no token needed (the login page uses the
/// style sheet, and these are public files).
async fn asset(State(v): State<Arc<Viewer>>, Path(name): Path<String>) -> Response {
    let Some(a) = assets::find(&name) else {
        return api_error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such asset");
    };
    let path = v.dir.join(a.path);
    let read = tokio::task::spawn_blocking(move || std::fs::read(path)).await;
    match read {
        Ok(Ok(bytes)) => {
            let mut resp = (StatusCode::OK, bytes).into_response();
            resp.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(a.content_type),
            );
            assets::harden(&mut resp, "no-cache");
            resp
        }
        _ => v.unavailable().unwrap_or_else(|| {
            api_error(
                StatusCode::SERVICE_UNAVAILABLE,
                "ASSETS_MISSING",
                "the viewer's assets could not be read",
            )
        }),
    }
}

/// `POST /viewer/login` with `token=…&next=…` (form-encoded).
async fn login(State(v): State<Arc<Viewer>>, req: Request) -> Response {
    if let Some(r) = cross_origin(req.headers()) {
        return r;
    }
    let body = match axum::body::to_bytes(req.into_body(), MAX_FORM).await {
        Ok(b) => b,
        Err(_) => return login_page("/viewer/", Some("The form could not be read.")),
    };
    let form = query_params(&String::from_utf8_lossy(&body));
    let get = |name: &str| {
        form.iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    };
    let next = safe_next(get("next").unwrap_or("/viewer/"));
    match get("token") {
        Some(t) if v.auth.token_matches(t.as_bytes()) => {
            let mut resp = redirect(next);
            v.set_login_cookie(&mut resp);
            resp
        }
        _ => login_page(next, Some("Wrong token.")),
    }
}

/// `POST /viewer/logout`
async fn logout(headers: HeaderMap) -> Response {
    if let Some(r) = cross_origin(&headers) {
        return r;
    }
    let mut resp = redirect("/viewer/");
    if let Ok(v) = HeaderValue::from_str(&auth::logout_cookie()) {
        resp.headers_mut().insert(header::SET_COOKIE, v);
    }
    resp
}

/// `GET /viewer/api/sessions`
async fn api_sessions(State(v): State<Arc<Viewer>>, headers: HeaderMap) -> Response {
    if !v.auth.authorized(&headers) {
        return unauthorized();
    }
    let store = Arc::clone(&v.store);
    match tokio::task::spawn_blocking(move || store.list_sessions(Some(MAX_LISTED))).await {
        Ok(Ok(list)) => {
            let rows: Vec<_> = list.iter().map(SessionSummary::to_json).collect();
            api_json(
                StatusCode::OK,
                serde_json::Value::Array(rows).to_string().into_bytes(),
            )
        }
        Ok(Err(e)) => store_failed(&e),
        Err(_) => internal(),
    }
}

fn internal() -> Response {
    api_error(
        StatusCode::INTERNAL_SERVER_ERROR,
        "INTERNAL",
        "internal error (a bug: please report it)",
    )
}

/// What reading a session's events can end in.
enum EventsError {
    NotFound,
    Store(StoreError),
    Undecodable(String),
    /// Inflated bytes past the limit.
    TooLarge(usize),
}

/// The rrweb events of session `id` as JSON (what `reticent export`
/// prints), refused once its batches inflate past `limit` bytes (checked
/// batch by batch, before each is decoded).
fn session_events(
    store: &dyn Store,
    id: &str,
    site: Option<&str>,
    limit: usize,
) -> Result<Vec<u8>, EventsError> {
    let stored = store
        .session_batches(id, site)
        .map_err(EventsError::Store)?;
    if stored.is_empty() {
        return Err(EventsError::NotFound);
    }
    let limits = stored_limits();
    let mut inflated = 0usize;
    let mut batches = Vec::with_capacity(stored.len());
    for b in &stored {
        let undecodable = |e: reticent_core::CoreError| EventsError::Undecodable(b.undecodable(&e));
        let raw = gunzip(&b.data, &limits).map_err(undecodable)?;
        inflated = inflated.saturating_add(raw.len());
        if inflated > limit {
            return Err(EventsError::TooLarge(limit));
        }
        batches.push(Batch::from_msgpack(&raw, &limits).map_err(undecodable)?);
    }
    batches.sort_by_key(|b| (b.start_time, b.sequence));
    serde_json::to_vec(&merged_events(batches))
        .map_err(|e| EventsError::Undecodable(format!("cannot write JSON: {e}")))
}

/// `GET /viewer/api/sessions/{id}/events`: what `reticent export` prints.
async fn api_events(
    State(v): State<Arc<Viewer>>,
    Path(id): Path<String>,
    headers: HeaderMap,
    uri: Uri,
) -> Response {
    if !v.auth.authorized(&headers) {
        return unauthorized();
    }
    let site = site_param(&uri);
    let store = Arc::clone(&v.store);
    // A few at once: the permit is held until the decode ends, even when
    // the client went away (the blocking thread cannot be cancelled).
    let Ok(permit) = Arc::clone(&v.exports).acquire_owned().await else {
        return internal();
    };
    // The blocking pool's threads have the decoder's stack (see serve.rs).
    let work = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        session_events(store.as_ref(), &id, site.as_deref(), MAX_EXPORT_BYTES)
    })
    .await;
    match work {
        Ok(Ok(body)) => api_json(StatusCode::OK, body),
        Ok(Err(EventsError::NotFound)) => {
            api_error(StatusCode::NOT_FOUND, "NOT_FOUND", "no such session")
        }
        Ok(Err(EventsError::Store(StoreError::Ambiguous(sites)))) => api_error(
            StatusCode::CONFLICT,
            "AMBIGUOUS_SESSION",
            &format!(
                "the session id exists under several sites ({}); add ?site=NAME",
                sites.join(", ")
            ),
        ),
        Ok(Err(EventsError::Store(e))) => store_failed(&e),
        Ok(Err(EventsError::TooLarge(limit))) => api_error(
            StatusCode::PAYLOAD_TOO_LARGE,
            "TOO_LARGE",
            &format!(
                "the session's batches inflate past the viewer's limit of {} MiB; \
                 `reticent export` reads it",
                limit >> 20
            ),
        ),
        Ok(Err(EventsError::Undecodable(m))) => {
            eprintln!("reticent: viewer: {m}");
            api_error(StatusCode::INTERNAL_SERVER_ERROR, "INTERNAL", &m)
        }
        Err(_) => internal(),
    }
}

/// Refuses a form post sent from another origin (the cookie is
/// `SameSite=Strict` already; this also covers the login form itself).
fn cross_origin(headers: &HeaderMap) -> Option<Response> {
    let origin = headers.get(header::ORIGIN)?.to_str().ok();
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let same = match (origin, host) {
        (Some(o), Some(h)) => o
            .split_once("://")
            .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(h)),
        _ => false,
    };
    (!same).then(|| {
        html(
            StatusCode::FORBIDDEN,
            "Cross-origin form posts are refused.".into(),
        )
    })
}

/// `next` only ever points inside the viewer (no open redirect).
fn safe_next(next: &str) -> &str {
    // No `.` or `..` segment (`/viewer/../v1/stats` is `/v1/stats` to the
    // browser), nor one spelt with `%2e`.
    let path = next.split(['?', '#']).next().unwrap_or_default();
    let dots = path.split('/').any(|seg| {
        let seg = seg.to_ascii_lowercase().replace("%2e", ".");
        seg == "." || seg == ".."
    });
    let ok = next.starts_with("/viewer/")
        && !dots
        && !next.contains("//")
        && !next.contains('\\')
        && next.bytes().all(|b| (0x21..0x7f).contains(&b));
    if ok {
        next
    } else {
        "/viewer/"
    }
}

fn site_param(uri: &Uri) -> Option<String> {
    query_params(uri.query().unwrap_or(""))
        .into_iter()
        .find(|(k, _)| k == "site")
        .map(|(_, v)| v)
}

/// `path?k=v&…` with values re-encoded.
fn with_query(path: &str, params: &[(String, String)]) -> String {
    if params.is_empty() {
        return path.to_owned();
    }
    let q: Vec<String> = params
        .iter()
        .map(|(k, v)| format!("{}={}", pages::url_encode(k), pages::url_encode(v)))
        .collect();
    format!("{path}?{}", q.join("&"))
}

/// Parses `application/x-www-form-urlencoded` (a query string or a form body).
fn query_params(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|pair| {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            (form_decode(k), form_decode(v))
        })
        .collect()
}

fn form_decode(s: &str) -> String {
    let hex = |b: u8| char::from(b).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' => match (
                bytes.get(i + 1).copied().and_then(hex),
                bytes.get(i + 2).copied().and_then(hex),
            ) {
                (Some(hi), Some(lo)) => {
                    out.push(hi << 4 | lo);
                    i += 2;
                }
                _ => out.push(b'%'),
            },
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_and_queries() {
        assert_eq!(
            query_params("token=a%2Bb+c&next=%2Fviewer%2Fx&bad=%zz%4"),
            [
                ("token".to_owned(), "a+b c".to_owned()),
                ("next".to_owned(), "/viewer/x".to_owned()),
                ("bad".to_owned(), "%zz%4".to_owned()),
            ]
        );
        assert_eq!(
            with_query("/viewer/sessions/a", &[("site".into(), "s 1".into())]),
            "/viewer/sessions/a?site=s%201"
        );
    }

    /// A session is exported whole up to the limit, in inflated bytes, and
    /// refused past it, before the batch that passes it is decoded.
    #[test]
    fn an_export_stops_at_its_limit() {
        use crate::store::{NewBatch, SqliteStore};

        let store = SqliteStore::in_memory().unwrap();
        let data = crate::ingest::tests::body("https://a.example/");
        let inflated = gunzip(&data, &stored_limits()).unwrap().len();
        for sequence in 0..3u32 {
            let batch = NewBatch {
                site: "shop".into(),
                session_id: "s".into(),
                page_view_id: "p".into(),
                sequence,
                start_time: 1_000,
                end_time: 1_010,
                received_at: 1_020,
                policy_digest: "d".repeat(64),
                content_sha256: [sequence as u8; 32],
                events: 1,
                dropped: 0,
                scrubbed: 0,
                data: data.clone(),
            };
            store.put_batch(&batch).unwrap();
        }
        let Ok(json) = session_events(&store, "s", None, 3 * inflated) else {
            panic!("refused at its own size");
        };
        let events: Vec<serde_json::Value> = serde_json::from_slice(&json).unwrap();
        assert_eq!(events.len(), 3);
        assert!(matches!(
            session_events(&store, "s", None, 3 * inflated - 1),
            Err(EventsError::TooLarge(_))
        ));
        assert!(matches!(
            session_events(&store, "nope", None, usize::MAX),
            Err(EventsError::NotFound)
        ));
    }

    #[test]
    fn next_stays_in_the_viewer() {
        assert_eq!(
            safe_next("/viewer/sessions/x?site=a"),
            "/viewer/sessions/x?site=a"
        );
        for bad in [
            "https://evil.example/",
            "//evil.example/viewer/",
            "/viewer//evil",
            "/viewer/\\evil",
            "/other",
            "/viewer/a b",
            "/viewer/../v1/stats",
            "/viewer/%2e%2E/v1/stats",
            "/viewer/sessions/./x",
        ] {
            assert_eq!(safe_next(bad), "/viewer/", "{bad}");
        }
    }

    #[test]
    fn cross_origin_posts() {
        let h = |origin: Option<&str>| {
            let mut h = HeaderMap::new();
            h.insert(header::HOST, HeaderValue::from_static("127.0.0.1:8787"));
            if let Some(o) = origin {
                h.insert(header::ORIGIN, HeaderValue::from_str(o).unwrap());
            }
            h
        };
        assert!(cross_origin(&h(None)).is_none());
        assert!(cross_origin(&h(Some("http://127.0.0.1:8787"))).is_none());
        assert!(cross_origin(&h(Some("http://evil.example"))).is_some());
        assert!(cross_origin(&h(Some("null"))).is_some());
    }
}
