//! `reticent serve`'s connection limits, through the real binary on
//! 127.0.0.1: the header timeout (slow headers, idle keep-alive
//! connections) and the cap on connections served at once.

mod common;

use std::io::{ErrorKind, Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use common::*;

/// Reads until the server closes the connection (or 30 s pass): how long
/// it took, and what came.
fn until_closed(s: &mut TcpStream) -> (Duration, Vec<u8>) {
    s.set_read_timeout(Some(Duration::from_secs(30))).unwrap();
    let t = Instant::now();
    let mut buf = Vec::new();
    // A reset (the server closed with bytes unread) ends it as well as EOF.
    let _ = s.read_to_end(&mut buf);
    (t.elapsed(), buf)
}

#[test]
fn headers_sent_a_byte_at_a_time_are_cut_at_the_header_timeout() {
    let dir = TempDir::new("slow-headers");
    let server = Server::start(&dir.db(), &["--header-timeout", "1"]);
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: ")
        .unwrap();
    // A byte every 200 ms for 12 s: the header block never ends.
    let mut trickle = s.try_clone().unwrap();
    let writer = std::thread::spawn(move || {
        for _ in 0..60 {
            std::thread::sleep(Duration::from_millis(200));
            if trickle.write_all(b"a").is_err() {
                return;
            }
        }
    });
    let (took, got) = until_closed(&mut s);
    // Closed by the timeout (1 s from the connection's start), not at once.
    assert!(
        (Duration::from_millis(700)..Duration::from_secs(5)).contains(&took),
        "closed after {took:?}"
    );
    assert!(!got.starts_with(b"HTTP/1.1 200"), "answered: {got:?}");
    drop(s);
    writer.join().unwrap();
}

#[test]
fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let dir = TempDir::new("idle");
    let server = Server::start(&dir.db(), &["--header-timeout", "1"]);
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
    let (took, got) = until_closed(&mut s);
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    assert!(
        (Duration::from_millis(700)..Duration::from_secs(5)).contains(&took),
        "closed after {took:?}"
    );
}

#[test]
fn connections_beyond_the_cap_wait_until_one_ends() {
    let dir = TempDir::new("cap");
    let server = Server::start(
        &dir.db(),
        &["--max-connections", "1", "--header-timeout", "30"],
    );
    // The one connection served, sending nothing.
    let holder = TcpStream::connect(&server.addr).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let mut waiting = TcpStream::connect(&server.addr).unwrap();
    waiting
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .unwrap();
    waiting
        .set_read_timeout(Some(Duration::from_millis(700)))
        .unwrap();
    let mut byte = [0u8; 1];
    let early = waiting.read(&mut byte);
    assert!(
        matches!(&early, Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)),
        "served beyond the cap: {early:?}"
    );
    drop(holder);
    let (took, got) = until_closed(&mut waiting);
    assert!(
        got.starts_with(b"HTTP/1.1 200"),
        "{:?}",
        String::from_utf8_lossy(&got)
    );
    assert!(took < Duration::from_secs(5), "took {took:?}");
}

#[test]
fn limits_out_of_range_are_usage_errors_naming_the_flag() {
    let dir = TempDir::new("limits");
    let db = dir.db();
    let site = format!("shop:{KEY}:{ORIGIN}");
    for (flag, value) in [
        ("--header-timeout", "0"),
        ("--header-timeout", "301"),
        ("--max-connections", "0"),
    ] {
        let out = cli(&[
            "serve",
            "--db",
            db.to_str().unwrap(),
            "--site",
            &site,
            flag,
            value,
        ]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(flag),
            "{flag} {value}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
