//! Storage of accepted batches: the [`Store`] trait and its SQLite
//! implementation ([`SqliteStore`]).
//!
//! A store keeps each batch as the wire bytes the collector re-encoded after
//! its own scrub, keyed by (site, session, page view, sequence). Writes are
//! idempotent: the same key with the same content is a duplicate, with other
//! content a conflict; neither changes what is stored.

mod sqlite;

pub use sqlite::SqliteStore;

use std::fmt;

use serde::Serialize;

use reticent_core::batch::{DecodeLimits, DECODED_BYTES_PER_BYTE};

/// Largest batch the store holds, compressed or inflated: what reading it
/// back accepts ([`stored_limits`]). The collector refuses to store a batch
/// that re-encodes to more (re-encoding can grow a batch: structs the decoder
/// read as arrays are written back as maps with field names), and
/// `--max-decompressed` cannot be set above it.
pub const MAX_STORED_BYTES: usize = 256 << 20;

/// Limits for reading back the store's own batches (`export`, `audit`, the
/// viewer): they were checked on the way in, under limits of at most
/// [`MAX_STORED_BYTES`], and what is stored fits them (see `ingest`), so
/// anything the collector accepted can be read back.
///
/// The memory budget covers what the batch was charged on the way in
/// ([`DECODED_BYTES_PER_BYTE`] × at most `MAX_STORED_BYTES`) plus what
/// re-encoding can add to the charge: strings the scrub lengthened, bounded by
/// the stored bytes themselves.
pub fn stored_limits() -> DecodeLimits {
    DecodeLimits {
        max_decoded: (DECODED_BYTES_PER_BYTE + 1) * MAX_STORED_BYTES,
        ..DecodeLimits::for_sizes(MAX_STORED_BYTES, MAX_STORED_BYTES)
    }
}

/// A batch ready to be stored (already decoded, checked and re-scrubbed).
#[derive(Clone, Debug)]
pub struct NewBatch {
    /// The site it was sent for.
    pub site: String,
    /// `sessionId`.
    pub session_id: String,
    /// `pageViewId`.
    pub page_view_id: String,
    /// `sequence`.
    pub sequence: u32,
    /// `startTime` (ms since the epoch).
    pub start_time: u64,
    /// `endTime`.
    pub end_time: u64,
    /// When the collector received it (ms since the epoch).
    pub received_at: u64,
    /// `policyDigest`.
    pub policy_digest: String,
    /// SHA-256 of the batch as received (its decompressed MessagePack): what
    /// tells a retry (same content) from a conflict (other content).
    pub content_sha256: [u8; 32],
    /// Number of events.
    pub events: u32,
    /// `dropped`.
    pub dropped: u32,
    /// Strings the collector's scrub replaced.
    pub scrubbed: u32,
    /// The stored wire bytes (gzip of MessagePack).
    pub data: Vec<u8>,
}

/// What [`Store::put_batch`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PutOutcome {
    /// Stored for the first time.
    Stored,
    /// Already stored with the same content; nothing changed.
    Duplicate,
    /// Already stored with other content; nothing changed.
    Conflict,
}

/// One stored session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SessionSummary {
    /// Site name.
    pub site: String,
    /// Session id.
    pub session_id: String,
    /// Earliest `startTime` (ms since the epoch).
    pub start_time: u64,
    /// Latest `endTime`.
    pub end_time: u64,
    /// Last activity used by retention: the latest `endTime`, but never later
    /// than when the batch arrived (a client clock cannot extend retention).
    pub last_activity: u64,
    /// Distinct page views.
    pub pages: u32,
    /// Stored batches.
    pub batches: u32,
    /// Stored bytes (compressed).
    pub bytes: u64,
}

impl SessionSummary {
    /// The JSON row of `reticent sessions --json` and of the viewer's session
    /// list: the fields above plus the derived `durationMs`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "site": self.site,
            "sessionId": self.session_id,
            "startTime": self.start_time,
            "endTime": self.end_time,
            "durationMs": self.end_time.saturating_sub(self.start_time),
            "lastActivity": self.last_activity,
            "pages": self.pages,
            "batches": self.batches,
            "bytes": self.bytes,
        })
    }
}

/// One stored batch, as read back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredBatch {
    /// Site name.
    pub site: String,
    /// `pageViewId`.
    pub page_view_id: String,
    /// `sequence`.
    pub sequence: u32,
    /// `startTime`.
    pub start_time: u64,
    /// The wire bytes.
    pub data: Vec<u8>,
}

impl StoredBatch {
    /// What to say when this batch does not decode (`e`): the viewer and the
    /// admin commands say it alike.
    pub fn undecodable(&self, e: &reticent_core::CoreError) -> String {
        format!(
            "stored batch {}#{} does not decode: {} {}",
            self.page_view_id,
            self.sequence,
            e.code.as_str(),
            e.message
        )
    }
}

/// A session removed by [`Store::delete_session`] or [`Store::purge_older_than`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Deleted {
    /// Site name.
    pub site: String,
    /// Session id.
    pub session_id: String,
    /// Batches removed.
    pub batches: u32,
    /// Bytes removed.
    pub bytes: u64,
}

/// Totals of a store.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoreStats {
    /// Stored sessions.
    pub sessions: u64,
    /// Stored batches.
    pub batches: u64,
    /// Stored bytes (compressed).
    pub bytes: u64,
}

/// A storage failure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreError {
    /// The session id exists under several sites; the caller must name one.
    Ambiguous(Vec<String>),
    /// The database failed (I/O, corruption, a newer schema).
    Db(String),
}

impl fmt::Display for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            StoreError::Ambiguous(sites) => write!(
                f,
                "the session id exists under several sites ({}); pass --site",
                sites.join(", ")
            ),
            StoreError::Db(m) => write!(f, "database error: {m}"),
        }
    }
}

impl std::error::Error for StoreError {}

/// Where accepted batches live. Every method is a complete transaction: when
/// it returns `Ok`, the change is durable.
pub trait Store: Send + Sync {
    /// Stores a batch unless its (site, session, page view, sequence) is
    /// already there; see [`PutOutcome`].
    fn put_batch(&self, batch: &NewBatch) -> Result<PutOutcome, StoreError>;
    /// The sessions, most recent activity first: all of them, or the first
    /// `limit`.
    fn list_sessions(&self, limit: Option<usize>) -> Result<Vec<SessionSummary>, StoreError>;
    /// The batches of a session, by start time then sequence. `site` narrows
    /// the lookup; without it an id found under several sites is
    /// [`StoreError::Ambiguous`]. Unknown sessions give an empty list.
    fn session_batches(
        &self,
        session_id: &str,
        site: Option<&str>,
    ) -> Result<Vec<StoredBatch>, StoreError>;
    /// Deletes a session (every site's, unless `site` is given) and reports
    /// what went; empty when nothing matched.
    fn delete_session(
        &self,
        session_id: &str,
        site: Option<&str>,
    ) -> Result<Vec<Deleted>, StoreError>;
    /// Deletes every session whose last activity is before `cutoff_ms`.
    fn purge_older_than(&self, cutoff_ms: u64) -> Result<Vec<Deleted>, StoreError>;
    /// Totals.
    fn stats(&self) -> Result<StoreStats, StoreError>;
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// A store that only takes writes, each answered by its function (tests of
/// the ingest path: a full disk, a write that waits); nothing reads it.
#[cfg(test)]
pub(crate) struct WriteOnly<F>(pub(crate) F);

#[cfg(test)]
impl<F> Store for WriteOnly<F>
where
    F: Fn(&NewBatch) -> Result<PutOutcome, StoreError> + Send + Sync,
{
    fn put_batch(&self, batch: &NewBatch) -> Result<PutOutcome, StoreError> {
        (self.0)(batch)
    }
    fn list_sessions(&self, _: Option<usize>) -> Result<Vec<SessionSummary>, StoreError> {
        unimplemented!("a write-only test store")
    }
    fn session_batches(&self, _: &str, _: Option<&str>) -> Result<Vec<StoredBatch>, StoreError> {
        unimplemented!("a write-only test store")
    }
    fn delete_session(&self, _: &str, _: Option<&str>) -> Result<Vec<Deleted>, StoreError> {
        unimplemented!("a write-only test store")
    }
    fn purge_older_than(&self, _: u64) -> Result<Vec<Deleted>, StoreError> {
        unimplemented!("a write-only test store")
    }
    fn stats(&self) -> Result<StoreStats, StoreError> {
        unimplemented!("a write-only test store")
    }
}
