//! The embedded SQLite store.
//!
//! - WAL journal with `synchronous = FULL`: a commit is fsynced to the WAL
//!   before `put_batch` returns, so a batch acknowledged with a 2xx survives a
//!   crash or power loss.
//! - `secure_delete = ON` and a WAL checkpoint after deletions: deleted
//!   recordings are overwritten, not left in free pages or in the WAL.
//! - The database file is created readable by its owner only (Unix).
//! - One connection behind a mutex: writes are serialised anyway by SQLite,
//!   and other processes (`reticent sessions`, `delete`…) may use the file at
//!   the same time (WAL readers, a busy timeout for writers).

use std::path::Path;
use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{params, Connection, OpenFlags, OptionalExtension, TransactionBehavior};

use super::{
    Deleted, NewBatch, PutOutcome, SessionSummary, Store, StoreError, StoreStats, StoredBatch,
};

/// The schema version this build writes (`PRAGMA user_version`).
const SCHEMA_VERSION: i64 = 1;

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS sites (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS sessions (
    id            INTEGER PRIMARY KEY,
    site_id       INTEGER NOT NULL REFERENCES sites(id),
    session_id    TEXT NOT NULL,
    first_time    INTEGER NOT NULL,  -- earliest startTime, ms since the epoch
    last_time     INTEGER NOT NULL,  -- latest endTime
    last_activity INTEGER NOT NULL,  -- latest min(endTime, received_at): retention
    pages         INTEGER NOT NULL,  -- distinct page views
    batches       INTEGER NOT NULL,
    bytes         INTEGER NOT NULL,  -- stored (compressed) bytes
    UNIQUE (site_id, session_id)
);
CREATE INDEX IF NOT EXISTS sessions_by_activity ON sessions (last_activity);
CREATE TABLE IF NOT EXISTS batches (
    id             INTEGER PRIMARY KEY,
    session        INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
    page_view_id   TEXT NOT NULL,
    sequence       INTEGER NOT NULL,
    start_time     INTEGER NOT NULL,
    end_time       INTEGER NOT NULL,
    received_at    INTEGER NOT NULL,
    policy_digest  TEXT NOT NULL,
    content_sha256 BLOB NOT NULL,    -- of the batch as received (decompressed)
    events         INTEGER NOT NULL,
    dropped        INTEGER NOT NULL,
    scrubbed       INTEGER NOT NULL, -- strings replaced by the collector's scrub
    data           BLOB NOT NULL,    -- wire bytes after the collector's scrub
    UNIQUE (session, page_view_id, sequence)
);
";

/// A session about to be deleted: row id, site, session id, batches, bytes.
type DeleteRow = (i64, String, String, u32, u64);

/// The SQLite implementation of [`Store`].
pub struct SqliteStore {
    conn: Mutex<Connection>,
}

fn db(e: rusqlite::Error) -> StoreError {
    StoreError::Db(e.to_string())
}

/// SQLite integers are signed; times and sizes beyond `i64::MAX` are clamped.
fn int(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn uint(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl SqliteStore {
    /// Opens (creating if needed) the database the collector writes.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        create_private(path)?;
        let conn = Connection::open(path).map_err(db)?;
        Self::init(conn)
    }

    /// Opens an existing database (admin commands: a typo must not create one).
    pub fn open_existing(path: &Path) -> Result<Self, StoreError> {
        if !path.is_file() {
            return Err(StoreError::Db(format!("no database at {}", path.display())));
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .map_err(db)?;
        Self::init(conn)
    }

    /// A throw-away in-memory store (tests).
    #[cfg(test)]
    pub fn in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory().map_err(db)?)
    }

    fn init(conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(Duration::from_secs(10)).map_err(db)?;
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .map_err(db)?;
        if mode != "wal" && mode != "memory" {
            return Err(StoreError::Db(format!(
                "cannot switch the database to WAL mode (got {mode})"
            )));
        }
        conn.execute_batch(
            "PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA secure_delete = ON;",
        )
        .map_err(db)?;
        let version: i64 = conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(db)?;
        if version > SCHEMA_VERSION {
            return Err(StoreError::Db(format!(
                "the database has schema version {version}, written by a newer reticent \
                 (this build knows {SCHEMA_VERSION})"
            )));
        }
        if version < SCHEMA_VERSION {
            conn.execute_batch(&format!(
                "BEGIN IMMEDIATE; {SCHEMA} PRAGMA user_version = {SCHEMA_VERSION}; COMMIT;"
            ))
            .map_err(db)?;
        }
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        self.conn
            .lock()
            .map_err(|_| StoreError::Db("store lock poisoned by an earlier failure".into()))
    }

    /// Moves the WAL into the database and truncates it, so deleted pages do
    /// not linger in the WAL. Best effort: a concurrent reader may hold it.
    fn checkpoint(conn: &Connection) {
        let _ = conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |_| Ok(()));
    }

    /// Session rows matching an id (and a site).
    fn find_sessions(
        conn: &Connection,
        session_id: &str,
        site: Option<&str>,
    ) -> Result<Vec<(i64, String)>, StoreError> {
        let mut stmt = conn
            .prepare_cached(
                "SELECT s.id, t.name FROM sessions s JOIN sites t ON t.id = s.site_id
                 WHERE s.session_id = ?1 AND (?2 IS NULL OR t.name = ?2) ORDER BY t.name",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map(params![session_id, site], |r| Ok((r.get(0)?, r.get(1)?)))
            .map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    /// Deletes session rows (with their batches) inside `tx`.
    fn delete_rows(
        tx: &rusqlite::Transaction<'_>,
        rows: &[DeleteRow],
    ) -> Result<Vec<Deleted>, StoreError> {
        let mut out = Vec::with_capacity(rows.len());
        for (id, site, session_id, batches, bytes) in rows {
            tx.execute("DELETE FROM batches WHERE session = ?1", [id])
                .map_err(db)?;
            tx.execute("DELETE FROM sessions WHERE id = ?1", [id])
                .map_err(db)?;
            out.push(Deleted {
                site: site.clone(),
                session_id: session_id.clone(),
                batches: *batches,
                bytes: *bytes,
            });
        }
        Ok(out)
    }

    fn select_for_delete(
        tx: &rusqlite::Transaction<'_>,
        filter: &str,
        p: impl rusqlite::Params,
    ) -> Result<Vec<DeleteRow>, StoreError> {
        let sql = format!(
            "SELECT s.id, t.name, s.session_id, s.batches, s.bytes
             FROM sessions s JOIN sites t ON t.id = s.site_id WHERE {filter}
             ORDER BY t.name, s.session_id"
        );
        let mut stmt = tx.prepare(&sql).map_err(db)?;
        let rows = stmt
            .query_map(p, |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, uint(r.get(4)?)))
            })
            .map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }
}

/// Creates the database file with owner-only permissions before SQLite opens
/// it (SQLite gives its WAL and shared-memory files the same mode).
fn create_private(path: &Path) -> Result<(), StoreError> {
    if path.exists() {
        return Ok(());
    }
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    match opts.open(path) {
        Ok(_) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => Ok(()),
        Err(e) => Err(StoreError::Db(format!(
            "cannot create {}: {e}",
            path.display()
        ))),
    }
}

impl Store for SqliteStore {
    fn put_batch(&self, b: &NewBatch) -> Result<PutOutcome, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        tx.execute(
            "INSERT INTO sites (name) VALUES (?1) ON CONFLICT (name) DO NOTHING",
            [&b.site],
        )
        .map_err(db)?;
        let site_id: i64 = tx
            .query_row("SELECT id FROM sites WHERE name = ?1", [&b.site], |r| {
                r.get(0)
            })
            .map_err(db)?;
        let session: Option<i64> = tx
            .query_row(
                "SELECT id FROM sessions WHERE site_id = ?1 AND session_id = ?2",
                params![site_id, b.session_id],
                |r| r.get(0),
            )
            .optional()
            .map_err(db)?;
        let activity = int(b.end_time.min(b.received_at));
        let bytes = b.data.len() as i64;
        let session = match session {
            Some(id) => {
                let existing: Option<Vec<u8>> = tx
                    .query_row(
                        "SELECT content_sha256 FROM batches
                         WHERE session = ?1 AND page_view_id = ?2 AND sequence = ?3",
                        params![id, b.page_view_id, b.sequence],
                        |r| r.get(0),
                    )
                    .optional()
                    .map_err(db)?;
                if let Some(hash) = existing {
                    // Nothing to write: the transaction is rolled back on drop.
                    return Ok(if hash == b.content_sha256 {
                        PutOutcome::Duplicate
                    } else {
                        PutOutcome::Conflict
                    });
                }
                let known_page: bool = tx
                    .query_row(
                        "SELECT EXISTS (SELECT 1 FROM batches WHERE session = ?1 AND page_view_id = ?2)",
                        params![id, b.page_view_id],
                        |r| r.get(0),
                    )
                    .map_err(db)?;
                tx.execute(
                    "UPDATE sessions SET
                        first_time = min(first_time, ?2), last_time = max(last_time, ?3),
                        last_activity = max(last_activity, ?4), pages = pages + ?5,
                        batches = batches + 1, bytes = bytes + ?6
                     WHERE id = ?1",
                    params![
                        id,
                        int(b.start_time),
                        int(b.end_time),
                        activity,
                        i64::from(!known_page),
                        bytes
                    ],
                )
                .map_err(db)?;
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO sessions (site_id, session_id, first_time, last_time,
                        last_activity, pages, batches, bytes)
                     VALUES (?1, ?2, ?3, ?4, ?5, 1, 1, ?6)",
                    params![
                        site_id,
                        b.session_id,
                        int(b.start_time),
                        int(b.end_time),
                        activity,
                        bytes
                    ],
                )
                .map_err(db)?;
                tx.last_insert_rowid()
            }
        };
        tx.execute(
            "INSERT INTO batches (session, page_view_id, sequence, start_time, end_time,
                received_at, policy_digest, content_sha256, events, dropped, scrubbed, data)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
            params![
                session,
                b.page_view_id,
                b.sequence,
                int(b.start_time),
                int(b.end_time),
                int(b.received_at),
                b.policy_digest,
                &b.content_sha256[..],
                b.events,
                b.dropped,
                b.scrubbed,
                b.data
            ],
        )
        .map_err(db)?;
        tx.commit().map_err(db)?;
        Ok(PutOutcome::Stored)
    }

    fn list_sessions(&self, limit: Option<usize>) -> Result<Vec<SessionSummary>, StoreError> {
        let conn = self.lock()?;
        let mut stmt = conn
            .prepare(
                "SELECT t.name, s.session_id, s.first_time, s.last_time, s.last_activity,
                        s.pages, s.batches, s.bytes
                 FROM sessions s JOIN sites t ON t.id = s.site_id
                 ORDER BY s.last_activity DESC, t.name, s.session_id
                 LIMIT ?1",
            )
            .map_err(db)?;
        // SQLite reads a negative limit as none.
        let limit = limit.map_or(-1, |l| i64::try_from(l).unwrap_or(i64::MAX));
        let rows = stmt
            .query_map([limit], |r| {
                Ok(SessionSummary {
                    site: r.get(0)?,
                    session_id: r.get(1)?,
                    start_time: uint(r.get(2)?),
                    end_time: uint(r.get(3)?),
                    last_activity: uint(r.get(4)?),
                    pages: r.get(5)?,
                    batches: r.get(6)?,
                    bytes: uint(r.get(7)?),
                })
            })
            .map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    fn session_batches(
        &self,
        session_id: &str,
        site: Option<&str>,
    ) -> Result<Vec<StoredBatch>, StoreError> {
        let conn = self.lock()?;
        let found = Self::find_sessions(&conn, session_id, site)?;
        if found.len() > 1 {
            return Err(StoreError::Ambiguous(
                found.into_iter().map(|(_, s)| s).collect(),
            ));
        }
        let Some((id, site)) = found.into_iter().next() else {
            return Ok(Vec::new());
        };
        let mut stmt = conn
            .prepare_cached(
                "SELECT page_view_id, sequence, start_time, data FROM batches
                 WHERE session = ?1 ORDER BY start_time, sequence, page_view_id",
            )
            .map_err(db)?;
        let rows = stmt
            .query_map([id], |r| {
                Ok(StoredBatch {
                    site: site.clone(),
                    page_view_id: r.get(0)?,
                    sequence: r.get(1)?,
                    start_time: uint(r.get(2)?),
                    data: r.get(3)?,
                })
            })
            .map_err(db)?;
        rows.collect::<Result<_, _>>().map_err(db)
    }

    fn delete_session(
        &self,
        session_id: &str,
        site: Option<&str>,
    ) -> Result<Vec<Deleted>, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let rows = Self::select_for_delete(
            &tx,
            "s.session_id = ?1 AND (?2 IS NULL OR t.name = ?2)",
            params![session_id, site],
        )?;
        let out = Self::delete_rows(&tx, &rows)?;
        tx.commit().map_err(db)?;
        if !out.is_empty() {
            Self::checkpoint(&conn);
        }
        Ok(out)
    }

    fn purge_older_than(&self, cutoff_ms: u64) -> Result<Vec<Deleted>, StoreError> {
        let mut conn = self.lock()?;
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(db)?;
        let rows = Self::select_for_delete(&tx, "s.last_activity < ?1", [int(cutoff_ms)])?;
        let out = Self::delete_rows(&tx, &rows)?;
        tx.commit().map_err(db)?;
        if !out.is_empty() {
            Self::checkpoint(&conn);
        }
        Ok(out)
    }

    fn stats(&self) -> Result<StoreStats, StoreError> {
        let conn = self.lock()?;
        conn.query_row(
            "SELECT count(*), coalesce(sum(batches), 0), coalesce(sum(bytes), 0) FROM sessions",
            [],
            |r| {
                Ok(StoreStats {
                    sessions: uint(r.get(0)?),
                    batches: uint(r.get(1)?),
                    bytes: uint(r.get(2)?),
                })
            },
        )
        .map_err(db)
    }
}

impl Drop for SqliteStore {
    fn drop(&mut self) {
        // Leave a compact database and no WAL behind on a clean shutdown.
        if let Ok(conn) = self.conn.lock() {
            Self::checkpoint(&conn);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn batch(session: &str, pv: &str, seq: u32, t: u64, content: u8) -> NewBatch {
        NewBatch {
            site: "shop".into(),
            session_id: session.into(),
            page_view_id: pv.into(),
            sequence: seq,
            start_time: t,
            end_time: t + 10,
            received_at: t + 20,
            policy_digest: "d".repeat(64),
            content_sha256: [content; 32],
            events: 3,
            dropped: 0,
            scrubbed: 0,
            data: vec![content; 100],
        }
    }

    #[test]
    fn put_is_idempotent_and_detects_conflicts() {
        let s = SqliteStore::in_memory().unwrap();
        assert_eq!(
            s.put_batch(&batch("s1", "p1", 0, 1000, 1)).unwrap(),
            PutOutcome::Stored
        );
        assert_eq!(
            s.put_batch(&batch("s1", "p1", 0, 1000, 1)).unwrap(),
            PutOutcome::Duplicate
        );
        assert_eq!(
            s.put_batch(&batch("s1", "p1", 0, 1000, 2)).unwrap(),
            PutOutcome::Conflict
        );
        assert_eq!(
            s.put_batch(&batch("s1", "p1", 1, 2000, 3)).unwrap(),
            PutOutcome::Stored
        );
        assert_eq!(
            s.put_batch(&batch("s1", "p2", 0, 500, 4)).unwrap(),
            PutOutcome::Stored
        );
        let sessions = s.list_sessions(None).unwrap();
        assert_eq!(sessions.len(), 1);
        let x = &sessions[0];
        assert_eq!((x.pages, x.batches, x.bytes), (2, 3, 300));
        assert_eq!(
            (x.start_time, x.end_time, x.last_activity),
            (500, 2010, 2010)
        );
        let order: Vec<_> = s
            .session_batches("s1", None)
            .unwrap()
            .into_iter()
            .map(|b| (b.page_view_id, b.sequence))
            .collect();
        assert_eq!(
            order,
            [("p2".into(), 0), ("p1".into(), 0), ("p1".into(), 1)]
        );
        assert_eq!(s.stats().unwrap().batches, 3);
    }

    #[test]
    fn client_clock_cannot_extend_retention() {
        let s = SqliteStore::in_memory().unwrap();
        let mut b = batch("future", "p", 0, 10_000_000, 1);
        b.received_at = 1000;
        s.put_batch(&b).unwrap();
        s.put_batch(&batch("old", "p", 0, 100, 1)).unwrap();
        assert_eq!(s.list_sessions(None).unwrap()[0].last_activity, 1000);
        // A limit keeps the most recently active.
        let first: Vec<_> = s.list_sessions(Some(1)).unwrap();
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].session_id, "future");
        assert_eq!(s.list_sessions(Some(5)).unwrap().len(), 2);
        let gone = s.purge_older_than(2000).unwrap();
        assert_eq!(gone.len(), 2);
        assert_eq!(s.stats().unwrap(), StoreStats::default());
    }

    #[test]
    fn delete_and_ambiguity() {
        let s = SqliteStore::in_memory().unwrap();
        s.put_batch(&batch("s1", "p", 0, 1, 1)).unwrap();
        let mut other = batch("s1", "p", 0, 1, 1);
        other.site = "blog".into();
        s.put_batch(&other).unwrap();
        assert_eq!(
            s.session_batches("s1", None).unwrap_err(),
            StoreError::Ambiguous(vec!["blog".into(), "shop".into()])
        );
        assert_eq!(s.session_batches("s1", Some("blog")).unwrap().len(), 1);
        let d = s.delete_session("s1", Some("shop")).unwrap();
        assert_eq!(d.len(), 1);
        assert_eq!((d[0].batches, d[0].bytes), (1, 100));
        assert!(s.delete_session("s1", Some("shop")).unwrap().is_empty());
        assert_eq!(s.session_batches("s1", None).unwrap().len(), 1);
        assert!(s.delete_session("nope", None).unwrap().is_empty());
    }
}
