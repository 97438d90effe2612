//! The replay viewer of `reticent serve` (`/viewer/…`): token, cookie, API,
//! security headers, missing assets. The browser side (rrweb-player, the
//! sandboxed frame) is tested end to end in tests/e2e/demo.test.mjs.

mod common;

use common::*;

const TOKEN: &str = "viewer-token-0123456789abcdef";

/// A viewer directory with the files the viewer serves (content irrelevant).
fn viewer_dir(tmp: &TempDir) -> String {
    let dir = tmp.0.join("viewer");
    let dist = dir.join("node_modules/rrweb-player/dist");
    std::fs::create_dir_all(&dist).unwrap();
    std::fs::create_dir_all(dir.join("static")).unwrap();
    std::fs::write(dist.join("rrweb-player.umd.min.cjs"), "/* player */").unwrap();
    std::fs::write(dist.join("style.min.css"), "/* css */").unwrap();
    std::fs::write(dir.join("static/replay.js"), "/* replay */").unwrap();
    std::fs::write(dir.join("static/viewer.css"), "/* viewer */").unwrap();
    dir.to_str().unwrap().to_owned()
}

/// `reticent serve` with the viewer on, its token [`TOKEN`], its assets in `tmp`.
fn viewer_server(tmp: &TempDir) -> Server {
    let dir = viewer_dir(tmp);
    Server::start(
        &tmp.db(),
        &["--viewer-token", TOKEN, "--viewer-dir", dir.as_str()],
    )
}

fn bearer() -> String {
    format!("Bearer {TOKEN}")
}

fn get_with(server: &Server, path: &str, headers: &[(&str, &str)]) -> Resp {
    request(&server.addr, "GET", path, headers, None)
}

fn assert_hardened(r: &Resp) {
    let csp = r.header("content-security-policy").expect("no CSP");
    assert!(csp.contains("script-src 'self';"), "{csp}");
    assert!(csp.contains("object-src 'none'"), "{csp}");
    assert!(csp.contains("base-uri 'none'"), "{csp}");
    assert_eq!(r.header("x-frame-options"), Some("DENY"));
    assert_eq!(r.header("referrer-policy"), Some("no-referrer"));
}

#[test]
fn api_needs_the_token_and_serves_rrweb_json() {
    let tmp = TempDir::new("viewer-api");
    let server = viewer_server(&tmp);
    let t = now_ms() - 10_000;
    assert_eq!(
        server
            .post(&batch("sess-v", "pv-1", 0, t).encode().unwrap())
            .status,
        201
    );
    assert_eq!(
        server
            .post(&batch("sess-v", "pv-2", 0, t + 2_000).encode().unwrap())
            .status,
        201
    );

    for (path, auth) in [
        ("/viewer/api/sessions", None),
        ("/viewer/api/sessions/sess-v/events", None),
        (
            "/viewer/api/sessions/sess-v/events",
            Some("Bearer wrong-token-000000"),
        ),
        ("/viewer/api/sessions/sess-v/events", Some("Basic abc")),
    ] {
        let headers: Vec<(&str, &str)> = auth.map(|a| ("Authorization", a)).into_iter().collect();
        let r = get_with(&server, path, &headers);
        assert_eq!(r.status, 401, "{path} {auth:?}");
        assert_eq!(r.code(), "UNAUTHORIZED");
        assert!(r.header("www-authenticate").is_some());
        assert_hardened(&r);
    }

    let auth = bearer();
    let list = get_with(
        &server,
        "/viewer/api/sessions",
        &[("Authorization", auth.as_str())],
    );
    assert_eq!(list.status, 200);
    assert_eq!(list.header("cache-control"), Some("no-store"));
    let list = list.json();
    assert_eq!(list[0]["sessionId"], "sess-v");
    assert_eq!(list[0]["site"], "shop");
    assert_eq!(list[0]["pages"], 2);

    let events = get_with(
        &server,
        "/viewer/api/sessions/sess-v/events?site=shop",
        &[("Authorization", auth.as_str())],
    );
    assert_eq!(events.status, 200);
    assert_eq!(events.header("cache-control"), Some("no-store"));
    let events = events.json();
    let types: Vec<u64> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_u64().unwrap())
        .collect();
    assert_eq!(types.iter().filter(|&&t| t == 4).count(), 2, "{types:?}");
    assert!(types.contains(&2), "{types:?}");
    // The same JSON as `reticent export`.
    let out = cli(&[
        "export",
        "--db",
        tmp.db().to_str().unwrap(),
        "--session",
        "sess-v",
    ]);
    assert!(out.status.success());
    let exported: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(exported, events);

    let missing = get_with(
        &server,
        "/viewer/api/sessions/nope/events",
        &[("Authorization", auth.as_str())],
    );
    assert_eq!(missing.status, 404);
    assert_eq!(missing.code(), "NOT_FOUND");
}

#[test]
fn pages_log_in_with_a_cookie() {
    let tmp = TempDir::new("viewer-pages");
    let server = viewer_server(&tmp);
    // Ids are URL-safe (the decoder checks); escaping of hostile values is unit-tested in
    // src/viewer/pages.rs.
    let r = server.post(
        &batch("sess-p_1", "pv-1", 0, now_ms() - 1_000)
            .encode()
            .unwrap(),
    );
    assert_eq!(r.status, 201);

    // No token: the login form, 401, hardened.
    let r = server.get("/viewer/");
    assert_eq!(r.status, 401);
    assert_hardened(&r);
    assert!(String::from_utf8_lossy(&r.body).contains("action=\"/viewer/login\""));

    // A wrong ?token=: still the form, no cookie.
    let r = server.get("/viewer/?token=wrong-token-0000000000");
    assert_eq!(r.status, 401);
    assert!(r.header("set-cookie").is_none());

    // ?token= once: a cookie, and a redirect that drops the token.
    let r = server.get(&format!("/viewer/sessions/s1?site=shop&token={TOKEN}"));
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/viewer/sessions/s1?site=shop"));
    let set = r.header("set-cookie").unwrap().to_owned();
    for attr in ["HttpOnly", "SameSite=Strict", "Path=/viewer"] {
        assert!(set.contains(attr), "{set}");
    }
    assert!(!set.contains(TOKEN), "the cookie carries the token: {set}");
    let cookie = set.split(';').next().unwrap().to_owned();

    let r = get_with(&server, "/viewer/", &[("Cookie", cookie.as_str())]);
    assert_eq!(r.status, 200);
    assert_hardened(&r);
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let html = String::from_utf8_lossy(&r.body).into_owned();
    assert!(
        html.contains("href=\"/viewer/sessions/sess-p_1?site=shop\""),
        "{html}"
    );

    // The cookie opens the API too (the replay page fetches with it).
    let r = get_with(
        &server,
        "/viewer/api/sessions",
        &[("Cookie", cookie.as_str())],
    );
    assert_eq!(r.status, 200);

    // The replay page loads rrweb-player and replay.js, and no inline script.
    let r = get_with(
        &server,
        "/viewer/sessions/sess-p_1?site=shop",
        &[("Cookie", cookie.as_str())],
    );
    assert_eq!(r.status, 200);
    let html = String::from_utf8_lossy(&r.body).into_owned();
    assert!(html.contains("src=\"/viewer/assets/rrweb-player.js\""));
    assert!(html.contains("data-events-url=\"/viewer/api/sessions/sess-p_1/events?site=shop\""));
    assert!(!html.contains("<script>"));

    // The login form: right token → cookie and redirect inside the viewer only.
    let form = format!("token={TOKEN}&next=https%3A%2F%2Fevil.example%2F");
    let r = request(
        &server.addr,
        "POST",
        "/viewer/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(form.as_bytes()),
    );
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/viewer/"));
    assert!(r.header("set-cookie").is_some());
    let r = request(
        &server.addr,
        "POST",
        "/viewer/login",
        &[("Content-Type", "application/x-www-form-urlencoded")],
        Some(b"token=nope"),
    );
    assert_eq!(r.status, 401);
    assert!(r.header("set-cookie").is_none());
    // From another origin: refused.
    let r = request(
        &server.addr,
        "POST",
        "/viewer/login",
        &[("Origin", "https://evil.example")],
        Some(form.as_bytes()),
    );
    assert_eq!(r.status, 403);

    // Assets need no token; unknown ones are 404.
    let r = server.get("/viewer/assets/rrweb-player.js");
    assert_eq!(r.status, 200);
    assert!(r
        .header("content-type")
        .unwrap()
        .starts_with("text/javascript"));
    assert_eq!(server.get("/viewer/assets/..%2FCargo.toml").status, 404);
}

#[test]
fn missing_assets_answer_503_with_the_fix() {
    let tmp = TempDir::new("viewer-missing");
    let empty = tmp.0.join("no-viewer-here");
    let server = Server::start(
        &tmp.db(),
        &[
            "--viewer-token",
            TOKEN,
            "--viewer-dir",
            empty.to_str().unwrap(),
        ],
    );
    let r = server.get("/viewer/");
    assert_eq!(r.status, 503);
    assert!(String::from_utf8_lossy(&r.body).contains("npm ci --prefix"));
    assert_eq!(server.get("/viewer/assets/rrweb-player.js").status, 503);
    // The API does not need the assets.
    let auth = bearer();
    let r = get_with(
        &server,
        "/viewer/api/sessions",
        &[("Authorization", auth.as_str())],
    );
    assert_eq!(r.status, 200);
}

#[test]
fn token_is_generated_once_next_to_the_database() {
    let tmp = TempDir::new("viewer-token");
    let file = tmp.0.join("reticent.db.viewer-token");
    let first = Server::start(&tmp.db(), &[]);
    let token = std::fs::read_to_string(&file).unwrap().trim().to_owned();
    assert_eq!(token.len(), 64);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let auth = format!("Bearer {token}");
    let r = get_with(
        &first,
        "/viewer/api/sessions",
        &[("Authorization", auth.as_str())],
    );
    assert_eq!(r.status, 200);
    drop(first);
    // A restart keeps it.
    let second = Server::start(&tmp.db(), &[]);
    assert_eq!(std::fs::read_to_string(&file).unwrap().trim(), token);
    let r = get_with(
        &second,
        "/viewer/api/sessions",
        &[("Authorization", auth.as_str())],
    );
    assert_eq!(r.status, 200);
    // --no-viewer: no viewer routes at all.
    drop(second);
    let third = Server::start(&tmp.db(), &["--no-viewer"]);
    assert_eq!(third.get("/viewer/").status, 404);
    // A bad --viewer-token is a usage error.
    let out = cli(&[
        "serve",
        "--db",
        tmp.db().to_str().unwrap(),
        "--site",
        "s:abcdefgh:https://a.example",
        "--viewer-token",
        "short",
    ]);
    assert_eq!(out.status.code(), Some(2));
}

/// What the viewer's routes do not answer themselves (an unknown path under
/// `/viewer/`, a method a route does not take) has its headers and the JSON
/// error body too.
#[test]
fn errors_under_the_viewer_are_hardened_json() {
    let tmp = TempDir::new("viewer-errors");
    let server = viewer_server(&tmp);
    let r = get_with(&server, "/viewer/api/nope", &[]);
    assert_eq!((r.status, r.code().as_str()), (404, "NOT_FOUND"));
    assert_hardened(&r);
    for (method, path) in [("DELETE", "/viewer/"), ("GET", "/viewer/login")] {
        let r = request(&server.addr, method, path, &[], None);
        assert_eq!(
            (r.status, r.code().as_str()),
            (405, "METHOD_NOT_ALLOWED"),
            "{method} {path}"
        );
        assert_hardened(&r);
    }
    // The collector's own routes keep their JSON 405 (and no viewer headers).
    let r = server.get("/v1/batches");
    assert_eq!((r.status, r.code().as_str()), (405, "METHOD_NOT_ALLOWED"));
    assert_eq!(r.header("x-frame-options"), None);
}
