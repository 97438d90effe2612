//! Helpers for the collector tests: a temp dir, the real `reticent serve`
//! on 127.0.0.1 with a free port, a tiny HTTP/1.1 client, and batches built
//! with reticent_core (hostile bytes are built by the tests themselves).
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use reticent_core::batch::{Batch, BatchHeader, CONTENT_TYPE};
use reticent_core::event::{Event, EventData, FullSnapshotData, MetaData, Offset};
use reticent_core::incremental::{IncrementalData, InputData};
use reticent_core::node::{DocumentNode, SerializedNode, TextNode};
use reticent_core::privacy::{ElementFacts, PrivacyEngine, TextContext};

pub const BIN: &str = env!("CARGO_BIN_EXE_reticent");
pub const KEY: &str = "test-key-0123456789";
pub const ORIGIN: &str = "https://shop.example";

/// A directory removed when dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> Self {
        static N: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let p = std::env::temp_dir().join(format!(
            "reticent-test-{tag}-{}-{}-{nanos}",
            std::process::id(),
            N.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&p).unwrap();
        TempDir(p)
    }
    pub fn db(&self) -> PathBuf {
        self.0.join("reticent.db")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A running `reticent serve`, killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub addr: String,
    pub db: PathBuf,
}

impl Server {
    /// `reticent serve --listen 127.0.0.1:0 --db DB --site shop:KEY:ORIGIN` plus `extra`.
    pub fn start(db: &Path, extra: &[&str]) -> Server {
        let site = format!("shop:{KEY}:{ORIGIN}");
        let mut args = vec!["serve", "--listen", "127.0.0.1:0", "--db"];
        let db_s = db.to_str().unwrap().to_owned();
        args.push(&db_s);
        if !extra.contains(&"--site") {
            args.extend(["--site", &site]);
        }
        args.extend(extra);
        Self::start_args(db, &args)
    }

    pub fn start_args(db: &Path, args: &[&str]) -> Server {
        let mut child = Command::new(BIN)
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let addr = line
            .trim()
            .strip_prefix("listening on http://")
            .unwrap_or_else(|| panic!("unexpected first line {line:?}"))
            .to_owned();
        Server {
            child,
            addr,
            db: db.to_owned(),
        }
    }

    pub fn post(&self, body: &[u8]) -> Resp {
        self.post_with(body, &[("X-Reticent-Key", KEY), ("Origin", ORIGIN)])
    }

    pub fn post_with(&self, body: &[u8], headers: &[(&str, &str)]) -> Resp {
        let mut h = vec![("Content-Type", CONTENT_TYPE)];
        h.extend_from_slice(headers);
        request(&self.addr, "POST", "/v1/batches", &h, Some(body))
    }

    pub fn get(&self, path: &str) -> Resp {
        request(&self.addr, "GET", path, &[], None)
    }

    /// Batches the store holds, as `/v1/stats` reports them.
    pub fn stored_batches(&self) -> u64 {
        self.get("/v1/stats").json()["store"]["batches"]
            .as_u64()
            .unwrap()
    }

    /// SIGKILL: no shutdown code runs.
    pub fn kill9(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
    }

    /// SIGTERM, then waits for the exit status.
    pub fn terminate(mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success());
        let deadline = std::time::Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no exit after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An HTTP response.
#[derive(Debug)]
pub struct Resp {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
    /// The `code` of an error body `{"error": {"code", "message"}}`.
    pub fn code(&self) -> String {
        let j = self.json();
        assert!(j["error"]["message"].is_string(), "{j}");
        j["error"]["code"].as_str().unwrap().to_owned()
    }
}

/// One HTTP/1.1 request on a new connection (`Connection: close`).
pub fn request(
    addr: &str,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Resp {
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n");
    for (n, v) in headers {
        head.push_str(&format!("{n}: {v}\r\n"));
    }
    if let Some(b) = body {
        head.push_str(&format!("Content-Length: {}\r\n", b.len()));
    }
    head.push_str("\r\n");
    let mut raw = head.into_bytes();
    raw.extend_from_slice(body.unwrap_or_default());
    exchange(addr, &raw)
}

/// Writes raw bytes, reads the whole response. A server may answer and
/// close before reading everything: write errors are ignored.
pub fn exchange(addr: &str, raw: &[u8]) -> Resp {
    let mut s = TcpStream::connect(addr).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
    let _ = s.write_all(raw);
    let mut buf = Vec::new();
    let _ = s.read_to_end(&mut buf);
    parse_response(&buf)
}

pub fn parse_response(buf: &[u8]) -> Resp {
    let end = buf
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or_else(|| panic!("no response head in {:?}", String::from_utf8_lossy(buf)));
    let head = std::str::from_utf8(&buf[..end]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
        .collect();
    assert!(
        !headers
            .iter()
            .any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v.contains("chunked")),
        "chunked responses are not expected"
    );
    Resp {
        status,
        headers,
        body: buf[end + 4..].to_vec(),
    }
}

/// Runs `reticent ARGS…`.
pub fn cli(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

pub fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64
}

/// A small page-view batch made the way the recorder makes them: a Meta
/// event, a full snapshot, an input, through the privacy engine. Timestamps
/// run from `t0`.
pub fn batch(session: &str, page_view: &str, sequence: u32, t0: u64) -> Batch {
    batch_with_attrs(session, page_view, sequence, t0, &[("class", "price")])
}

/// As [`batch`], with these attributes on the `<p>` (layout-safe ones are
/// recorded as they are).
pub fn batch_with_attrs(
    session: &str,
    page_view: &str,
    sequence: u32,
    t0: u64,
    attrs: &[(&str, &str)],
) -> Batch {
    let engine = PrivacyEngine::default();
    let header = BatchHeader::new(session, page_view, sequence, engine.policy_digest())
        .with_policy(engine.policy());
    let mut p = engine
        .element(&ElementFacts {
            tag: "p".into(),
            attributes: attrs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        })
        .node;
    p.id = 3;
    p.child_nodes = vec![SerializedNode::Text(TextNode::new(
        4,
        engine.text(
            &format!("Hello Jane, order {sequence} of {page_view}"),
            TextContext::Body,
        ),
        false,
    ))];
    let doc = DocumentNode::new(1, vec![SerializedNode::Element(p)], Some("CSS1Compat"));
    let events = vec![
        Event::new(
            t0,
            EventData::Meta(MetaData {
                href: engine.url("https://shop.example/cart?token=secret"),
                width: 1280,
                height: 720,
            }),
        ),
        Event::new(
            t0 + 1,
            EventData::FullSnapshot(FullSnapshotData {
                node: SerializedNode::Document(doc),
                initial_offset: Offset::default(),
            }),
        ),
        Event::new(
            t0 + 2,
            EventData::Incremental(IncrementalData::Input(InputData::with(|i| {
                i.id = 3;
                i.text = engine.input_value("jane@example.com");
            }))),
        ),
    ];
    Batch::new(header, events)
}

pub fn gzip(raw: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    gz.write_all(raw).unwrap();
    gz.finish().unwrap()
}
