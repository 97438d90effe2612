//! A bounded load test (ignored by default; it measures, it does not assert
//! timing):
//!
//! ```sh
//! cargo test -p reticent-server --release --test load -- --ignored --nocapture
//! ```
//!
//! 50 concurrent sessions × 20 batches each against one collector; prints
//! batches/s and latency percentiles, and checks nothing was lost (the store
//! holds exactly what was acknowledged).

mod common;

use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use common::*;

const SESSIONS: usize = 50;
const BATCHES: u32 = 20;

#[test]
#[ignore = "load test: run with --ignored --nocapture"]
fn fifty_sessions_twenty_batches() {
    let dir = TempDir::new("load");
    let server = Server::start(&dir.db(), &[]);
    let t0 = now_ms();
    // Built before the clock starts: the recorder's cost is not the collector's.
    let bodies: Vec<Vec<Vec<u8>>> = (0..SESSIONS)
        .map(|s| {
            (0..BATCHES)
                .map(|seq| {
                    batch(&format!("load-{s}"), "pv", seq, t0 + u64::from(seq) * 10)
                        .encode()
                        .unwrap()
                })
                .collect()
        })
        .collect();
    let avg = bodies.iter().flatten().map(Vec::len).sum::<usize>() / (SESSIONS * BATCHES as usize);
    let barrier = Arc::new(Barrier::new(SESSIONS));
    let started = Instant::now();
    let handles: Vec<_> = bodies
        .into_iter()
        .map(|session| {
            let addr = server.addr.clone();
            let barrier = Arc::clone(&barrier);
            std::thread::spawn(move || {
                barrier.wait();
                let mut latencies = Vec::with_capacity(session.len());
                for body in session {
                    let t = Instant::now();
                    let r = request(
                        &addr,
                        "POST",
                        "/v1/batches",
                        &[
                            ("Content-Type", reticent_core::batch::CONTENT_TYPE),
                            ("X-Reticent-Key", KEY),
                            ("Origin", ORIGIN),
                        ],
                        Some(&body),
                    );
                    latencies.push(t.elapsed());
                    assert_eq!(r.status, 201, "{}", String::from_utf8_lossy(&r.body));
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let elapsed = started.elapsed();
    assert!(
        elapsed < Duration::from_secs(60),
        "bounded: took {elapsed:?}"
    );
    latencies.sort();
    let pct =
        |p: f64| latencies[((latencies.len() as f64 * p).ceil() as usize).min(latencies.len()) - 1];
    let total = latencies.len();
    let stored = server.stored_batches();
    println!(
        "load: {SESSIONS} sessions x {BATCHES} batches = {total} batches of ~{avg} bytes in {:.2} s: \
         {:.0} batches/s; latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms; stored {stored}",
        elapsed.as_secs_f64(),
        total as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        latencies[total - 1].as_secs_f64() * 1e3,
    );
    assert_eq!(stored, total as u64, "every acknowledged batch is stored");
}
