//! Storage through the real binary: durability across `kill -9`, retention,
//! `delete`, `sessions`, `audit`, and the collector's own scrub.

mod common;

use std::time::{Duration, Instant};

use common::*;

const DAY: u64 = 86_400_000;

fn sessions_json(db: &std::path::Path) -> serde_json::Value {
    let out = cli(&["sessions", "--db", db.to_str().unwrap(), "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// `reticent audit --json`, which must succeed.
fn audit_json(db: &std::path::Path) -> serde_json::Value {
    let out = cli(&["audit", "--db", db.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(0));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn export(db: &std::path::Path, session: &str) -> std::process::Output {
    cli(&["export", "--db", db.to_str().unwrap(), "--session", session])
}

#[test]
fn acknowledged_batches_survive_kill_9() {
    let dir = TempDir::new("kill9");
    let db = dir.db();
    let server = Server::start(&db, &[]);
    let t = now_ms();
    let n = 12u32;
    for seq in 0..n {
        let pv = if seq < 6 { "pv-a" } else { "pv-b" };
        let r = server.post(
            &batch("durable", pv, seq, t + u64::from(seq) * 100)
                .encode()
                .unwrap(),
        );
        assert_eq!(r.status, 201);
    }
    server.kill9();

    // Straight from the database the killed process left (WAL recovery).
    let out = export(&db, "durable");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let events: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let events = events.as_array().unwrap();
    assert_eq!(events.len(), 3 * n as usize);
    let times: Vec<u64> = events
        .iter()
        .map(|e| e["timestamp"].as_u64().unwrap())
        .collect();
    assert!(times.windows(2).all(|w| w[0] <= w[1]), "time order");

    // And a collector restarted on it keeps going.
    let server = Server::start(&db, &[]);
    assert_eq!(server.stored_batches(), u64::from(n));
    let again = batch("durable", "pv-a", 0, t).encode().unwrap();
    assert_eq!(server.post(&again).status, 200);
    drop(server);
    let s = sessions_json(&db);
    assert_eq!(s[0]["sessionId"], "durable");
    assert_eq!(s[0]["pages"], 2);
    assert_eq!(s[0]["batches"], n);
}

#[test]
fn retention_purges_old_sessions() {
    let dir = TempDir::new("retention");
    let db = dir.db();
    let server = Server::start(&db, &["--retention-days", "30"]);
    let now = now_ms();
    for (session, t) in [
        ("old", now - 60 * DAY),
        ("recent", now - 2 * DAY),
        ("new", now),
    ] {
        assert_eq!(
            server
                .post(&batch(session, "pv", 0, t).encode().unwrap())
                .status,
            201
        );
    }
    // A client clock in the future does not extend retention.
    assert_eq!(
        server
            .post(&batch("future", "pv", 0, now + 365 * DAY).encode().unwrap())
            .status,
        201
    );
    assert_eq!(sessions_json(&db).as_array().unwrap().len(), 4);
    server.kill9();

    // The purge at start-up.
    let server = Server::start(&db, &["--retention-days", "30"]);
    let ids: Vec<String> = sessions_json(&db)
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["sessionId"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(!ids.contains(&"old".to_owned()));
    assert!(export(&db, "old").status.code() == Some(1));
    drop(server);

    // The periodic purge, with a short retention: "recent" (2 days) goes at
    // start-up, "stale" (posted after start-up) at a later tick; "new" and
    // "future" (received now) stay.
    let server = Server::start(&db, &["--retention-days", "1", "--purge-interval", "1"]);
    assert_eq!(
        server
            .post(&batch("stale", "pv", 0, now - 3 * DAY).encode().unwrap())
            .status,
        201
    );
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let left: Vec<String> = sessions_json(&db)
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["sessionId"].as_str().unwrap().to_owned())
            .collect();
        assert!(!left.contains(&"recent".to_owned()), "{left:?}");
        if left.len() == 2 {
            assert!(left.contains(&"new".to_owned()) && left.contains(&"future".to_owned()));
            assert!(server.get("/v1/stats").json()["purgedSessions"].as_u64() >= Some(1));
            break;
        }
        assert!(Instant::now() < deadline, "not purged: {left:?}");
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(server);

    // The same from the command line.
    let out = cli(&[
        "purge",
        "--db",
        db.to_str().unwrap(),
        "--retention-days",
        "1",
    ]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("purged 0 session(s)"));
}

#[test]
fn delete_removes_a_session() {
    let dir = TempDir::new("delete");
    let db = dir.db();
    let server = Server::start(&db, &[]);
    let t = now_ms();
    for seq in 0..3 {
        assert_eq!(
            server
                .post(
                    &batch("subject", "pv", seq, t + u64::from(seq))
                        .encode()
                        .unwrap()
                )
                .status,
            201
        );
    }
    assert_eq!(
        server
            .post(&batch("other", "pv", 0, t).encode().unwrap())
            .status,
        201
    );
    // While the collector runs.
    let out = cli(&[
        "delete",
        "--db",
        db.to_str().unwrap(),
        "--session",
        "subject",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(
        said.contains("deleted session subject of site shop: 3 batch(es)"),
        "{said}"
    );
    assert_eq!(server.stored_batches(), 1);
    assert_eq!(export(&db, "subject").status.code(), Some(1));
    assert!(export(&db, "other").status.success());

    let out = cli(&[
        "delete",
        "--db",
        db.to_str().unwrap(),
        "--session",
        "subject",
    ]);
    assert_eq!(out.status.code(), Some(1));
    drop(server);
    // The deleted content is not left in the database file.
    let bytes = std::fs::read(&db).unwrap();
    assert!(!bytes.windows(7).any(|w| w == b"subject"));
    // A typo'd path is an error, not a new empty database.
    let missing = dir.0.join("nope.db");
    let out = cli(&["sessions", "--db", missing.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(!missing.exists());
}

#[test]
fn sessions_and_audit_report() {
    let dir = TempDir::new("report");
    let db = dir.db();
    let server = Server::start(&db, &[]);
    let t = now_ms();
    for (pv, seq) in [("pv-1", 0), ("pv-1", 1), ("pv-2", 0)] {
        let b = batch("visit", pv, seq, t + u64::from(seq) * 1000);
        assert_eq!(server.post(&b.encode().unwrap()).status, 201);
    }
    drop(server);
    let s = sessions_json(&db);
    let s = &s[0];
    assert_eq!(s["site"], "shop");
    assert_eq!(
        (s["pages"].as_u64(), s["batches"].as_u64()),
        (Some(2), Some(3))
    );
    assert!(s["bytes"].as_u64().unwrap() > 100);
    assert_eq!(s["durationMs"], 1002);
    let out = cli(&["sessions", "--db", db.to_str().unwrap()]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("visit") && table.contains("1 session(s)"),
        "{table}"
    );

    let a = audit_json(&db);
    assert_eq!(a["sessions"], 1);
    assert_eq!(a["batches"], 3);
    assert!(a["strings"].as_u64().unwrap() > 10);
    let out = cli(&["audit", "--db", db.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stdout).contains("site shop:"));
}

/// A buggy or forged recorder that leaves an email and a card number in
/// attribute values: the collector's scrub removes them before storing. (The
/// batch is made by the engine, then edited as a hostile client would.)
#[test]
fn collector_scrubs_what_the_recorder_missed() {
    let dir = TempDir::new("scrub");
    let db = dir.db();
    let server = Server::start(&db, &[]);
    let clean = batch_with_attrs(
        "leaky",
        "pv",
        0,
        now_ms(),
        &[("id", "ID"), ("class", "CLASS")],
    );
    let leaky = serde_json::to_string(&clean)
        .unwrap()
        .replace("\"ID\"", "\"jane.doe@example.com\"")
        .replace("\"CLASS\"", "\"card 4111 1111 1111 1111\"");
    assert!(leaky.contains("jane.doe@example.com") && leaky.contains("4111 1111 1111 1111"));
    let leaky: reticent_core::batch::Batch = serde_json::from_str(&leaky).unwrap();
    assert_eq!(server.post(&leaky.encode().unwrap()).status, 201);
    let stats = server.get("/v1/stats").json();
    assert_eq!(stats["scrubbed"]["shop"]["email"], 1, "{stats}");
    assert_eq!(stats["scrubbed"]["shop"]["card"], 1, "{stats}");
    drop(server);
    let out = export(&db, "leaky");
    assert!(out.status.success());
    let stored = String::from_utf8_lossy(&out.stdout);
    assert!(!stored.contains("jane.doe@example.com"), "{stored}");
    assert!(!stored.contains("4111"), "{stored}");
    // And the audit of what is stored finds nothing left.
    let a = audit_json(&db);
    assert_eq!(a["detectors"], true);
    assert_eq!(a["total"], serde_json::json!({}), "{a}");
}

/// Structural strings (tag and attribute names) are not `Scrubbed` values and
/// are stored as sent; `audit` is what finds personal data there.
#[test]
fn audit_finds_what_is_stored() {
    let dir = TempDir::new("audit");
    let db = dir.db();
    let server = Server::start(&db, &[]);
    let forged = serde_json::to_string(&batch("forged", "pv", 0, now_ms()))
        .unwrap()
        .replace("\"class\"", "\"jane.doe@example.com\"");
    let forged: reticent_core::batch::Batch = serde_json::from_str(&forged).unwrap();
    assert_eq!(server.post(&forged.encode().unwrap()).status, 201);
    drop(server);
    let a = audit_json(&db);
    assert_eq!(a["sites"]["shop"]["email"], 1, "{a}");
    let out = cli(&["audit", "--db", db.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("site shop: email 1"), "{text}");
}

/// The header's policy text is hashed and pinned, so the collector stores it
/// as sent (bounded, never re-scrubbed): `audit` scans it too. (A site that
/// pins its policies accepts only their exact texts; this one pins none.)
#[test]
fn audit_scans_the_policy_text() {
    let dir = TempDir::new("audit-policy");
    let db = dir.db();
    let server = Server::start(&db, &[]);
    let mut forged = batch("policy", "pv", 0, now_ms());
    forged.policy = "reticent-policy/1;contact=jane.doe@example.com".into();
    assert_eq!(server.post(&forged.encode().unwrap()).status, 201);
    drop(server);
    let a = audit_json(&db);
    assert_eq!(a["sites"]["shop"]["email"], 1, "{a}");
}
