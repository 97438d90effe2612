//! `reticent serve` through the real binary on 127.0.0.1: what is accepted,
//! what is refused (status, code, and nothing stored), CORS, duplicates.

mod common;

use common::*;
use reticent_core::batch::CONTENT_TYPE;

fn good(seq: u32) -> Vec<u8> {
    batch("sess-1", "pv-1", seq, now_ms()).encode().unwrap()
}

/// Asserts a refusal with `status` and `code`, and that the store did not grow.
fn assert_refused(server: &Server, resp: &Resp, status: u16, code: &str) {
    assert_eq!(
        resp.status,
        status,
        "{}",
        String::from_utf8_lossy(&resp.body)
    );
    assert_eq!(resp.code(), code);
    assert_eq!(resp.header("content-type"), Some("application/json"));
    assert_eq!(server.stored_batches(), 0, "nothing may be stored");
}

#[test]
fn stores_a_batch_and_exports_it() {
    let dir = TempDir::new("store");
    let server = Server::start(&dir.db(), &[]);
    let r = server.post(&good(0));
    assert_eq!(r.status, 201);
    let j = r.json();
    assert_eq!(j["status"], "stored");
    assert_eq!(j["sessionId"], "sess-1");
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(server.stored_batches(), 1);
    let stats = server.get("/v1/stats").json();
    assert_eq!(stats["accepted"], 1);
    assert_eq!(server.get("/healthz").status, 200);

    let out = cli(&[
        "export",
        "--db",
        dir.db().to_str().unwrap(),
        "--session",
        "sess-1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let types: Vec<u64> = events
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["type"].as_u64().unwrap())
        .collect();
    assert_eq!(types, [4, 2, 3]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains("secret") && !text.contains("Jane") && !text.contains("jane@"));
}

#[test]
fn wrong_or_missing_key_is_401() {
    let dir = TempDir::new("key");
    let server = Server::start(&dir.db(), &[]);
    let r = server.post_with(&good(0), &[("Origin", ORIGIN)]);
    assert_refused(&server, &r, 401, "BAD_KEY");
    let r = server.post_with(
        &good(0),
        &[
            ("X-Reticent-Key", "test-key-0123456788"),
            ("Origin", ORIGIN),
        ],
    );
    assert_refused(&server, &r, 401, "BAD_KEY");
    // The page can still read the status (its origin is a configured one).
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(server.get("/v1/stats").json()["rejected"]["BAD_KEY"], 2);
}

#[test]
fn wrong_origin_is_403() {
    let dir = TempDir::new("origin");
    let server = Server::start(&dir.db(), &[]);
    let r = server.post_with(
        &good(0),
        &[("X-Reticent-Key", KEY), ("Origin", "https://evil.example")],
    );
    assert_refused(&server, &r, 403, "ORIGIN_NOT_ALLOWED");
    assert_eq!(r.header("access-control-allow-origin"), None);
    // No Origin header: refused unless the site lists `none`.
    let r = server.post_with(&good(0), &[("X-Reticent-Key", KEY)]);
    assert_refused(&server, &r, 403, "ORIGIN_NOT_ALLOWED");
    let r = server.post_with(&good(0), &[("X-Reticent-Key", KEY), ("Origin", "null")]);
    assert_refused(&server, &r, 403, "ORIGIN_NOT_ALLOWED");
    drop(server);

    let dir = TempDir::new("origin-none");
    let site = format!("shop:{KEY}:{ORIGIN},none");
    let server = Server::start(&dir.db(), &["--site", &site]);
    let r = server.post_with(&good(0), &[("X-Reticent-Key", KEY)]);
    assert_eq!(r.status, 201);
}

#[test]
fn preflight_only_for_configured_origins() {
    let dir = TempDir::new("cors");
    let server = Server::start(&dir.db(), &[]);
    let pre = |origin: &str| {
        request(
            &server.addr,
            "OPTIONS",
            "/v1/batches",
            &[
                ("Origin", origin),
                ("Access-Control-Request-Method", "POST"),
                (
                    "Access-Control-Request-Headers",
                    "content-type,x-reticent-key",
                ),
            ],
            None,
        )
    };
    let r = pre(ORIGIN);
    assert_eq!(r.status, 204);
    assert_eq!(r.header("access-control-allow-origin"), Some(ORIGIN));
    assert_eq!(r.header("access-control-allow-methods"), Some("POST"));
    let allowed = r
        .header("access-control-allow-headers")
        .unwrap()
        .to_lowercase();
    assert!(allowed.contains("content-type") && allowed.contains("x-reticent-key"));
    assert!(r.header("access-control-max-age").is_some());
    assert_eq!(r.header("access-control-allow-credentials"), None);
    let r = pre("https://evil.example");
    assert_eq!(r.status, 403);
    assert_eq!(r.code(), "ORIGIN_NOT_ALLOWED");
    assert_eq!(r.header("access-control-allow-origin"), None);
}

#[test]
fn wrong_content_type_is_415() {
    let dir = TempDir::new("ctype");
    let server = Server::start(&dir.db(), &[]);
    for ct in ["application/json", "text/plain", "application/octet-stream"] {
        let r = request(
            &server.addr,
            "POST",
            "/v1/batches",
            &[
                ("X-Reticent-Key", KEY),
                ("Origin", ORIGIN),
                ("Content-Type", ct),
            ],
            Some(&good(0)),
        );
        assert_refused(&server, &r, 415, "UNSUPPORTED_MEDIA_TYPE");
    }
    let r = request(
        &server.addr,
        "POST",
        "/v1/batches",
        &[("X-Reticent-Key", KEY), ("Origin", ORIGIN)],
        Some(&good(0)),
    );
    assert_refused(&server, &r, 415, "UNSUPPORTED_MEDIA_TYPE");
}

#[test]
fn oversized_body_is_413() {
    let dir = TempDir::new("big");
    let server = Server::start(&dir.db(), &["--max-body", "65536"]);
    // Declared too large: refused before a byte of the body is read.
    let head = format!(
        "POST /v1/batches HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Reticent-Key: {KEY}\r\n\
         Origin: {ORIGIN}\r\nContent-Type: {CONTENT_TYPE}\r\nContent-Length: 2000000\r\n\r\n"
    );
    let r = exchange(&server.addr, head.as_bytes());
    assert_refused(&server, &r, 413, "TOO_LARGE");
    // Chunked (no length to check): cut off while reading.
    let mut raw = format!(
        "POST /v1/batches HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Reticent-Key: {KEY}\r\n\
         Origin: {ORIGIN}\r\nContent-Type: {CONTENT_TYPE}\r\nTransfer-Encoding: chunked\r\n\r\n"
    )
    .into_bytes();
    for _ in 0..17 {
        raw.extend_from_slice(format!("{:x}\r\n", 4096).as_bytes());
        raw.extend(std::iter::repeat_n(0x1f, 4096));
        raw.extend_from_slice(b"\r\n");
    }
    raw.extend_from_slice(b"0\r\n\r\n");
    let r = exchange(&server.addr, &raw);
    assert_refused(&server, &r, 413, "TOO_LARGE");
}

#[test]
fn gzip_bomb_is_413_and_not_expanded() {
    let dir = TempDir::new("bomb");
    let server = Server::start(&dir.db(), &[]);
    let bomb = gzip(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 1 << 20);
    let r = server.post(&bomb);
    assert_refused(&server, &r, 413, "TOO_LARGE");
}

#[test]
fn broken_compression_or_payload_is_400() {
    let dir = TempDir::new("broken");
    let server = Server::start(&dir.db(), &[]);
    let bytes = good(0);
    let r = server.post(&bytes[..bytes.len() * 2 / 3]);
    assert_refused(&server, &r, 400, "BAD_COMPRESSION");
    let r = server.post(b"definitely not gzip, just some text");
    assert_refused(&server, &r, 400, "BAD_COMPRESSION");

    // Valid gzip around a MessagePack batch cut in the middle.
    let raw = batch("sess-1", "pv-1", 0, now_ms()).to_msgpack();
    let r = server.post(&gzip(&raw[..raw.len() / 2]));
    assert_refused(&server, &r, 400, "BAD_PAYLOAD");

    // Nesting far deeper than any batch.
    let mut deep = vec![0x82, 0xa7];
    deep.extend_from_slice(b"version");
    deep.push(0x01);
    deep.extend_from_slice(b"\xa6events");
    deep.extend(std::iter::repeat_n(0x91, 100_000));
    deep.push(0xc0);
    let r = server.post(&gzip(&deep));
    assert_refused(&server, &r, 400, "BAD_PAYLOAD");

    // A version this build does not read.
    let mut newer = raw.clone();
    assert_eq!(&newer[1..9], b"\xa7version");
    newer[9] = reticent_core::batch::FORMAT_VERSION as u8 + 1;
    let r = server.post(&gzip(&newer));
    assert_refused(&server, &r, 400, "UNSUPPORTED_VERSION");
}

#[test]
fn unapproved_policy_is_422() {
    let dir = TempDir::new("policy");
    let engine = reticent_core::privacy::PrivacyEngine::default();
    let other = "ab".repeat(32);
    let site = format!("shop:{KEY}:{ORIGIN}:policy={other}");
    let server = Server::start(&dir.db(), &["--site", &site]);
    let r = server.post(&good(0));
    assert_refused(&server, &r, 422, "POLICY_NOT_APPROVED");
    let stats = server.get("/v1/stats").json();
    assert_eq!(stats["policyRefusals"]["shop"], 1);
    assert_eq!(stats["rejected"]["POLICY_NOT_APPROVED"], 1);
    drop(server);

    // Approved: accepted; a digest that does not match the policy text is not.
    let dir = TempDir::new("policy-ok");
    let site = format!(
        "shop:{KEY}:{ORIGIN}:policy={other},{}",
        engine.policy_digest()
    );
    let server = Server::start(&dir.db(), &["--site", &site]);
    let mut forged = batch("sess-1", "pv-1", 0, now_ms());
    forged.policy = "reticent-policy/1;text=raw".into();
    let r = server.post(&forged.encode().unwrap());
    assert_refused(&server, &r, 422, "POLICY_NOT_APPROVED");
    assert_eq!(server.post(&good(0)).status, 201);
}

#[test]
fn replays_are_idempotent_and_conflicts_409() {
    let dir = TempDir::new("replay");
    let server = Server::start(&dir.db(), &[]);
    let t = now_ms();
    let first = batch("sess-1", "pv-1", 0, t).encode().unwrap();
    assert_eq!(server.post(&first).status, 201);
    let again = server.post(&first);
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["status"], "duplicate");
    // Same content compressed differently is the same batch.
    let raw = batch("sess-1", "pv-1", 0, t).to_msgpack();
    assert_eq!(server.post(&gzip(&raw)).status, 200);
    assert_eq!(server.stored_batches(), 1);

    let other = batch("sess-1", "pv-1", 0, t + 5).encode().unwrap();
    let r = server.post(&other);
    assert_eq!(r.status, 409);
    assert_eq!(r.code(), "SEQUENCE_CONFLICT");
    assert_eq!(server.stored_batches(), 1);
    let stats = server.get("/v1/stats").json();
    assert_eq!(stats["duplicates"], 2);
    assert_eq!(stats["rejected"]["SEQUENCE_CONFLICT"], 1);
}

#[test]
fn unknown_routes_and_methods_get_json_errors() {
    let dir = TempDir::new("routes");
    let server = Server::start(&dir.db(), &[]);
    let r = server.get("/nope");
    assert_eq!((r.status, r.code().as_str()), (404, "NOT_FOUND"));
    let r = server.get("/v1/batches");
    assert_eq!((r.status, r.code().as_str()), (405, "METHOD_NOT_ALLOWED"));
}

#[test]
fn public_listen_needs_allow_public() {
    let dir = TempDir::new("public");
    let db = dir.db();
    let site = format!("shop:{KEY}:{ORIGIN}");
    let out = cli(&[
        "serve",
        "--listen",
        "0.0.0.0:0",
        "--db",
        db.to_str().unwrap(),
        "--site",
        &site,
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--allow-public"));
    let out = cli(&["serve", "--db", db.to_str().unwrap(), "--site", "bad"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn config_file_defines_sites() {
    let dir = TempDir::new("config");
    let cfg = dir.0.join("reticent.json");
    std::fs::write(
        &cfg,
        format!(
            r#"{{"retentionDays": 7, "sites": [{{"name": "shop", "key": "{KEY}",
                "origins": ["https://Shop.example/"], "allowNoOrigin": false}}]}}"#
        ),
    )
    .unwrap();
    let server = Server::start_args(
        &dir.db(),
        &[
            "serve",
            "--config",
            cfg.to_str().unwrap(),
            "--listen",
            "127.0.0.1:0",
            "--db",
            dir.db().to_str().unwrap(),
        ],
    );
    assert_eq!(server.post(&good(0)).status, 201);
    drop(server);
    std::fs::write(&cfg, r#"{"sites": [], "nope": 1}"#).unwrap();
    let out = cli(&["serve", "--config", cfg.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nope"));
}

#[test]
fn sigterm_stops_cleanly() {
    let dir = TempDir::new("term");
    let server = Server::start(&dir.db(), &[]);
    assert_eq!(server.post(&good(0)).status, 201);
    let status = server.terminate();
    assert!(status.success(), "{status:?}");
    // Clean shutdown checkpoints the WAL away.
    let wal = dir.0.join("reticent.db-wal");
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);
}
