//! `reticent decode` against good and hostile inputs, through the real binary.

use std::io::Write;
use std::process::{Command, Output, Stdio};

const FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../reticent-core/tests/fixtures/page-v2.batch"
);

fn decode_stdin(input: &[u8], args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_reticent"))
        .arg("decode")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The decoder may refuse early and close stdin; a broken pipe is fine.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

/// Asserts a clean refusal: non-zero exit, one stderr line naming `code`, no panic.
fn assert_refused(out: &Output, code: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "stderr: {err}");
    assert!(out.stdout.is_empty());
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "one line expected: {err}"
    );
    assert!(
        err.starts_with("reticent: <stdin>: ") && err.contains(code),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

fn gzip(raw: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(raw).unwrap();
    gz.finish().unwrap()
}

#[test]
fn decodes_the_fixture_to_rrweb_json() {
    let out = Command::new(env!("CARGO_BIN_EXE_reticent"))
        .args(["decode", FIXTURE])
        .output()
        .unwrap();
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
    assert_eq!(&types[..2], &[4, 2], "Meta then FullSnapshot");
    assert_eq!(events[1]["data"]["node"]["type"], 0);
}

#[test]
fn batches_mode_keeps_headers() {
    let out = decode_stdin(&std::fs::read(FIXTURE).unwrap(), &["--batches"]);
    let batches: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(batches[0]["version"], 2);
    assert_eq!(batches[0]["policyDigest"].as_str().unwrap().len(), 64);
}

#[test]
fn refuses_corrupt_input() {
    let mut bytes = std::fs::read(FIXTURE).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0x55;
    assert_refused(&decode_stdin(&bytes, &[]), "BAD_COMPRESSION");
    assert_refused(
        &decode_stdin(b"not a batch at all, just text", &[]),
        "BAD_COMPRESSION",
    );
}

#[test]
fn refuses_truncated_input() {
    let bytes = std::fs::read(FIXTURE).unwrap();
    assert_refused(
        &decode_stdin(&bytes[..bytes.len() * 2 / 3], &[]),
        "BAD_COMPRESSION",
    );
}

#[test]
fn refuses_oversized_input_and_bombs() {
    assert_refused(&decode_stdin(&vec![0x1f; (1 << 20) + 1], &[]), "TOO_LARGE");
    let bomb = gzip(&vec![0u8; 64 << 20]);
    assert!(bomb.len() < 1 << 20);
    assert_refused(&decode_stdin(&bomb, &[]), "TOO_LARGE");
}

#[test]
fn refuses_valid_gzip_of_a_wrong_payload() {
    assert_refused(
        &decode_stdin(&gzip(b"\x93\x01\x02\x03"), &[]),
        "BAD_PAYLOAD",
    );
    // A MessagePack map nested far deeper than any batch.
    let mut raw = vec![0x82, 0xa7];
    raw.extend_from_slice(b"version");
    raw.push(0x01);
    raw.extend_from_slice(b"\xa6events");
    raw.extend(std::iter::repeat_n(0x91, 100_000));
    raw.push(0xc0);
    assert_refused(&decode_stdin(&gzip(&raw), &[]), "BAD_PAYLOAD");
}

#[test]
fn bad_usage_exits_2() {
    let out = Command::new(env!("CARGO_BIN_EXE_reticent"))
        .args(["decode", "--nope"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = Command::new(env!("CARGO_BIN_EXE_reticent"))
        .arg("frobnicate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
}
