//! The wire format: one batch is one MessagePack map, gzip-compressed.
//!
//! See `docs/wire-format.md` for the byte-level description. The decoder
//! treats its input as hostile: the compressed size is checked before anything
//! is read, decompression stops at a cap (a gzip bomb is refused, not
//! expanded), nesting depth is bounded, and trailing bytes are refused.

use std::io::Read;

use flate2::bufread::GzDecoder;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, ErrorCode};
use crate::event::Event;

use budget::{Budget, Metered};

mod budget;
mod encode;
mod gzip;
mod ids;
mod msgpack;

/// The format version this build writes (and the newest it reads).
///
/// Version 2 writes node ids as zigzag deltas (see `ids.rs`); version 1 wrote
/// them as they are. Both decode to the same [`Batch`], with absolute ids.
pub const FORMAT_VERSION: u16 = 2;

/// The oldest format version this build still reads (stored recordings and
/// pages that cached an older recorder).
pub const OLDEST_READABLE_VERSION: u16 = 1;

/// The HTTP content type of a batch POST.
pub const CONTENT_TYPE: &str = "application/vnd.reticent.batch+msgpack";

/// What identifies a batch and the rules it was recorded under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchHeader {
    /// Random session id (kept in `sessionStorage` by the page).
    pub session_id: String,
    /// Random id of the page view within the session.
    pub page_view_id: String,
    /// 0, 1, 2… per page view, so the collector can order and deduplicate.
    pub sequence: u32,
    /// Canonical description of the privacy policy in effect.
    pub policy: String,
    /// SHA-256 (hex) of `policy`.
    pub policy_digest: String,
    /// Losses since the previous batch, counted, never silent: batches the
    /// page's queue dropped plus events the flood guard discarded (see
    /// `docs/wire-format.md`).
    pub dropped: u32,
}

impl BatchHeader {
    /// A header with no dropped events and the given policy digest; the policy
    /// text is set by [`BatchHeader::with_policy`].
    pub fn new(session_id: &str, page_view_id: &str, sequence: u32, policy_digest: String) -> Self {
        BatchHeader {
            session_id: session_id.to_owned(),
            page_view_id: page_view_id.to_owned(),
            sequence,
            policy: String::new(),
            policy_digest,
            dropped: 0,
        }
    }

    /// Sets the policy description.
    pub fn with_policy(mut self, policy: String) -> Self {
        self.policy = policy;
        self
    }
}

/// One batch: its header, the time span of its events, and the events.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Batch {
    /// Format version ([`FORMAT_VERSION`]); always the first key.
    pub version: u16,
    /// Random session id.
    pub session_id: String,
    /// Random page-view id.
    pub page_view_id: String,
    /// Sequence number within the page view.
    pub sequence: u32,
    /// Timestamp of the first event (ms since the epoch).
    pub start_time: u64,
    /// Timestamp of the last event.
    pub end_time: u64,
    /// Canonical privacy policy description.
    pub policy: String,
    /// SHA-256 (hex) of the policy.
    pub policy_digest: String,
    /// Losses since the previous batch (see [`BatchHeader::dropped`]).
    pub dropped: u32,
    /// The events, in time order.
    pub events: Vec<Event>,
}

/// Limits the decoder enforces. The defaults suit the collector; build other
/// sizes with [`DecodeLimits::for_sizes`], which keeps the memory budget in
/// proportion.
#[derive(Clone, Copy, Debug)]
pub struct DecodeLimits {
    /// Largest compressed input accepted.
    pub max_compressed: usize,
    /// Largest decompressed MessagePack accepted.
    pub max_decompressed: usize,
    /// Most memory the decoded batch may take, as the decoder counts it while
    /// decoding: the slots its lists and maps reserve and the bytes of its
    /// strings (see `budget.rs`). Past it the batch is refused `TooLarge`
    /// before it is built. The byte cap alone does not bound memory: the two
    /// bytes of an attribute `"" → ""` take 48 once decoded.
    pub max_decoded: usize,
    /// Deepest MessagePack nesting accepted. The recorder caps DOM depth at
    /// [`MAX_DOM_DEPTH`], which needs about twice that plus a few levels.
    pub max_depth: usize,
}

/// [`DecodeLimits::max_decoded`] per byte of `max_decompressed`. What the
/// recorder writes decodes to 2 to 5 bytes per byte at most: a large page's
/// snapshot 2.6, the golden fixture 2.1, its densest batch (20,000 scroll
/// events) 4.8 (`tests/decode_memory.rs`); each charged against 8 times the
/// *cap*, not its own size, so a real batch stays far below unless it is
/// itself near the cap. Batches of tiny items (up to 24 bytes per byte) are
/// stopped at 8, which is what they really allocate to within a half (the
/// instant a list moves to a buffer twice as large).
pub const DECODED_BYTES_PER_BYTE: usize = 8;

/// Stack (MiB) a thread should have to decode a batch at the default depth
/// limit: serde recurses once per nesting level. Measured at the depth limit:
/// under 0.5 MiB optimised, about 3 MiB unoptimised (2.4 before the decode
/// budget's pass-through layer). The collector decodes on threads of at least
/// this size, and the tests run there (`refuses_deep_nesting` reaches the limit).
/// 8, for a margin over the unoptimised figure (a thread's stack is committed
/// only as it is used).
pub const DECODE_STACK_MIB: usize = 8;

/// Deepest element nesting the recorder serialises; deeper subtrees are
/// replaced by a placeholder (see the capture code).
pub const MAX_DOM_DEPTH: usize = 200;

impl DecodeLimits {
    /// Limits for inputs of at most `max_compressed` bytes inflating to at
    /// most `max_decompressed`, with a memory budget of
    /// [`DECODED_BYTES_PER_BYTE`] × `max_decompressed` and the default depth.
    pub fn for_sizes(max_compressed: usize, max_decompressed: usize) -> Self {
        DecodeLimits {
            max_compressed,
            max_decompressed,
            max_decoded: max_decompressed.saturating_mul(DECODED_BYTES_PER_BYTE),
            max_depth: 2 * MAX_DOM_DEPTH + 16,
        }
    }
}

impl Default for DecodeLimits {
    fn default() -> Self {
        Self::for_sizes(1 << 20, 16 << 20)
    }
}

impl Batch {
    /// A batch of `events` (time-ordered) with `header`.
    pub fn new(header: BatchHeader, events: Vec<Event>) -> Self {
        let start_time = events.first().map_or(0, |e| e.timestamp);
        let end_time = events
            .iter()
            .map(|e| e.timestamp)
            .max()
            .unwrap_or(start_time);
        Batch {
            version: FORMAT_VERSION,
            session_id: header.session_id,
            page_view_id: header.page_view_id,
            sequence: header.sequence,
            start_time,
            end_time,
            policy: header.policy,
            policy_digest: header.policy_digest,
            dropped: header.dropped,
            events,
        }
    }

    /// MessagePack bytes (maps with field names), uncompressed, in the
    /// current format version whatever version the batch was decoded from.
    /// Copies the batch to rewrite its ids; [`Batch::into_msgpack`] does not.
    /// Cannot fail.
    pub fn to_msgpack(&self) -> Vec<u8> {
        self.clone().into_msgpack()
    }

    /// [`Batch::to_msgpack`] of a batch the caller no longer needs: its ids
    /// are rewritten in place (the recorder's path: no copy of a large
    /// snapshot).
    pub fn into_msgpack(self) -> Vec<u8> {
        let mut buf = Vec::with_capacity(4096);
        self.into_msgpack_in(&mut buf);
        buf
    }

    /// [`Batch::into_msgpack`] into `buf`, which is cleared first: a caller
    /// that encodes batch after batch keeps one buffer and its capacity.
    /// The bytes are what serde with `rmp_serde`'s `with_struct_map()` writes
    /// for the same value, by a hand-written encoder that keeps serde's
    /// serialiser out of the WebAssembly module (see `msgpack.rs`).
    pub fn into_msgpack_in(mut self, buf: &mut Vec<u8>) {
        self.version = FORMAT_VERSION;
        ids::to_wire(&mut self.events);
        buf.clear();
        msgpack::Encode::encode(&self, buf);
    }

    /// The batch as it is (ids already in wire form), for the tests that
    /// hold the encoder to `rmp_serde`.
    #[cfg(all(test, not(target_arch = "wasm32")))]
    fn write_msgpack(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        msgpack::Encode::encode(self, &mut buf);
        buf
    }

    /// The wire bytes: gzip (RFC 1952) of the MessagePack value.
    pub fn encode(&self) -> Result<Vec<u8>, CoreError> {
        self.encode_with_level(DEFAULT_GZIP_LEVEL)
    }

    /// [`Batch::encode`] with an explicit gzip level (0–9).
    pub fn encode_with_level(&self, level: u32) -> Result<Vec<u8>, CoreError> {
        gzip_with_level(&self.to_msgpack(), level)
    }

    /// Decodes untrusted wire bytes.
    pub fn decode(bytes: &[u8], limits: &DecodeLimits) -> Result<Batch, CoreError> {
        let raw = gunzip(bytes, limits)?;
        Self::from_msgpack(&raw, limits)
    }

    /// Decodes an uncompressed MessagePack batch (untrusted).
    pub fn from_msgpack(raw: &[u8], limits: &DecodeLimits) -> Result<Batch, CoreError> {
        Self::from_msgpack_metered(raw, limits).map(|(batch, _)| batch)
    }

    /// [`Batch::from_msgpack`], with the memory the decoder charged for it.
    fn from_msgpack_metered(
        raw: &[u8],
        limits: &DecodeLimits,
    ) -> Result<(Batch, usize), CoreError> {
        let version = peek_version(raw)?;
        if !(OLDEST_READABLE_VERSION..=FORMAT_VERSION).contains(&version) {
            return Err(CoreError::new(
                ErrorCode::UnsupportedVersion,
                format!("batch format version {version} is not supported (this build reads {OLDEST_READABLE_VERSION} to {FORMAT_VERSION})"),
            ));
        }
        let mut rest = raw;
        let mut de = rmp_serde::Deserializer::new(&mut rest);
        de.set_max_depth(limits.max_depth);
        let budget = Budget::new(limits.max_decoded);
        let decoded = Batch::deserialize(Metered::new(&mut de, &budget));
        if budget.exceeded() {
            // Whatever error the overrun surfaced as (serde may reword it).
            return Err(CoreError::new(
                ErrorCode::TooLarge,
                format!(
                    "batch would take more than {} bytes once decoded (too many small items for its size; refused before allocating it)",
                    limits.max_decoded
                ),
            ));
        }
        let mut batch = decoded.map_err(|e| {
            CoreError::new(
                ErrorCode::BadPayload,
                format!("batch does not match the schema: {e}"),
            )
        })?;
        if !rest.is_empty() {
            return Err(CoreError::new(
                ErrorCode::BadPayload,
                format!("{} trailing bytes after the batch", rest.len()),
            ));
        }
        if batch.version >= 2 {
            ids::from_wire(&mut batch.events);
        }
        batch.check()?;
        Ok((batch, budget.spent()))
    }

    /// Checks what the types cannot: id shapes and the time span.
    fn check(&self) -> Result<(), CoreError> {
        let bad = |m: String| Err(CoreError::new(ErrorCode::BadPayload, m));
        for (name, id) in [
            ("sessionId", &self.session_id),
            ("pageViewId", &self.page_view_id),
        ] {
            if !is_valid_id(id) {
                return bad(format!(
                    "{name} must be 1 to 64 characters of [A-Za-z0-9_-]"
                ));
            }
        }
        if self.start_time > self.end_time {
            return bad("startTime is after endTime".into());
        }
        if let Some(e) = self
            .events
            .iter()
            .find(|e| e.timestamp < self.start_time || e.timestamp > self.end_time)
        {
            return bad(format!(
                "event timestamp {} outside the batch time span",
                e.timestamp
            ));
        }
        Ok(())
    }
}

/// The wire bytes of a batch already encoded by [`Batch::to_msgpack`]:
/// `gzip(&batch.to_msgpack())` is byte for byte `batch.encode()`. The page
/// runs this step apart (in a Web Worker when it can), so it takes the
/// MessagePack bytes rather than a [`Batch`].
pub fn gzip(raw: &[u8]) -> Result<Vec<u8>, CoreError> {
    gzip_with_level(raw, DEFAULT_GZIP_LEVEL)
}

/// The gzip level of [`Batch::encode`] and [`gzip`].
pub const DEFAULT_GZIP_LEVEL: u32 = 6;

/// The smallest output (the compression worker's level: off the main thread,
/// the extra time costs the page nothing and saves about 14 % of the bytes).
/// The worker's script passes it as `BEST_LEVEL` (js/src/worker/compress-worker.ts).
pub const BEST_GZIP_LEVEL: u32 = 9;

/// [`gzip`] with an explicit level (0–9; above 9 is 9).
pub fn gzip_with_level(raw: &[u8], level: u32) -> Result<Vec<u8>, CoreError> {
    gzip::gzip(raw, level)
}

/// Session and page-view ids: short, random, URL-safe.
pub fn is_valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Decompresses one gzip member within `limits`.
pub fn gunzip(bytes: &[u8], limits: &DecodeLimits) -> Result<Vec<u8>, CoreError> {
    if bytes.len() > limits.max_compressed {
        return Err(CoreError::new(
            ErrorCode::TooLarge,
            format!(
                "compressed batch is {} bytes, the limit is {}",
                bytes.len(),
                limits.max_compressed
            ),
        ));
    }
    if bytes.len() < 18 || bytes[0] != 0x1f || bytes[1] != 0x8b {
        return Err(CoreError::new(
            ErrorCode::BadCompression,
            "input is not gzip (RFC 1952)",
        ));
    }
    let mut dec = GzDecoder::new(bytes);
    let mut out = Vec::with_capacity((bytes.len() * 4).min(limits.max_decompressed));
    let cap = limits.max_decompressed as u64 + 1;
    (&mut dec).take(cap).read_to_end(&mut out).map_err(|e| {
        CoreError::new(
            ErrorCode::BadCompression,
            format!("corrupt or truncated gzip: {e}"),
        )
    })?;
    if out.len() > limits.max_decompressed {
        return Err(CoreError::new(
            ErrorCode::TooLarge,
            format!(
                "batch expands beyond {} bytes (decompression bomb refused)",
                limits.max_decompressed
            ),
        ));
    }
    if !dec.into_inner().is_empty() {
        return Err(CoreError::new(
            ErrorCode::BadCompression,
            "trailing data after the gzip member (one batch per request)",
        ));
    }
    Ok(out)
}

/// Reads the `version` entry that leads every batch map, so a batch of another
/// version gets a clear error instead of a schema mismatch.
fn peek_version(raw: &[u8]) -> Result<u16, CoreError> {
    let bad = || {
        CoreError::new(
            ErrorCode::BadPayload,
            "batch must be a MessagePack map starting with `version`",
        )
    };
    let mut rd = raw;
    rmp::decode::read_map_len(&mut rd).map_err(|_| bad())?;
    let mut key = [0u8; 16];
    let k = rmp::decode::read_str(&mut rd, &mut key).map_err(|_| bad())?;
    if k != "version" {
        return Err(bad());
    }
    rmp::decode::read_int(&mut rd).map_err(|_| bad())
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod encode_tests;

#[cfg(all(test, not(target_arch = "wasm32")))]
mod budget_tests;
