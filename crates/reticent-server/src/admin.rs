//! Store administration: `sessions`, `export`, `delete`, `purge`, `audit`.
//!
//! These open an existing database (never create one) and may run while the
//! collector writes to it.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;

use serde_json::json;

use reticent_core::batch::Batch;
use reticent_core::visit::for_each_str;

use crate::decode::{decode_on_big_stack, merged_events};
use crate::pii::{self, PiiTally, DETECTORS_AVAILABLE};
use crate::store::{
    now_ms, stored_limits, SessionSummary, SqliteStore, Store, StoreError, StoredBatch,
};
use crate::CliError;

fn open(db: &Path) -> Result<SqliteStore, CliError> {
    SqliteStore::open_existing(db).map_err(|e| CliError::input(format!("{}: {e}", db.display())))
}

fn store_err(e: StoreError) -> CliError {
    CliError::input(e.to_string())
}

fn decode_stored(b: &StoredBatch) -> Result<Batch, CliError> {
    decode_on_big_stack(b.data.clone(), stored_limits())
        .map_err(|e| CliError::input(b.undecodable(&e)))
}

fn write_out(text: &str) -> Result<(), CliError> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    out.write_all(text.as_bytes())
        .and_then(|()| out.flush())
        .map_err(|e| CliError::input(format!("cannot write output: {e}")))
}

/// `reticent sessions --db PATH [--json]`
pub fn sessions(db: &Path, as_json: bool) -> Result<(), CliError> {
    let list = open(db)?.list_sessions(None).map_err(store_err)?;
    if as_json {
        let rows: Vec<_> = list.iter().map(SessionSummary::to_json).collect();
        return write_out(&format!("{}\n", serde_json::Value::Array(rows)));
    }
    let mut text = format!(
        "{:<16} {:<36} {:<20} {:>9} {:>5} {:>7} {:>10}\n",
        "SITE", "SESSION", "START (UTC)", "DURATION", "PAGES", "BATCHES", "BYTES"
    );
    for s in &list {
        text.push_str(&format!(
            "{:<16} {:<36} {:<20} {:>9} {:>5} {:>7} {:>10}\n",
            s.site,
            s.session_id,
            utc(s.start_time),
            duration(s.end_time.saturating_sub(s.start_time)),
            s.pages,
            s.batches,
            s.bytes
        ));
    }
    text.push_str(&format!("{} session(s)\n", list.len()));
    write_out(&text)
}

/// `reticent export --db PATH --session ID [--site NAME]`: the session's
/// events as one rrweb JSON array, as `reticent decode` prints them.
pub fn export(db: &Path, session: &str, site: Option<&str>) -> Result<(), CliError> {
    let stored = open(db)?
        .session_batches(session, site)
        .map_err(store_err)?;
    if stored.is_empty() {
        return Err(CliError::input(format!(
            "no session {session:?} in {}",
            db.display()
        )));
    }
    let mut batches = stored
        .iter()
        .map(decode_stored)
        .collect::<Result<Vec<_>, _>>()?;
    batches.sort_by_key(|b| (b.start_time, b.sequence));
    let json = serde_json::to_string(&merged_events(batches))
        .map_err(|e| CliError::input(format!("cannot write JSON: {e}")))?;
    write_out(&format!("{json}\n"))
}

/// `reticent delete --db PATH --session ID [--site NAME]`: removes every batch
/// of the session and says what went. Exit 1 when nothing matched.
pub fn delete(db: &Path, session: &str, site: Option<&str>) -> Result<(), CliError> {
    let gone = open(db)?.delete_session(session, site).map_err(store_err)?;
    if gone.is_empty() {
        return Err(CliError::input(format!(
            "no session {session:?} in {}; nothing deleted",
            db.display()
        )));
    }
    let mut text = String::new();
    for d in &gone {
        text.push_str(&format!(
            "deleted session {} of site {}: {} batch(es), {} bytes\n",
            d.session_id, d.site, d.batches, d.bytes
        ));
    }
    write_out(&text)
}

/// `reticent purge --db PATH [--retention-days N]`: what the collector's
/// retention task does, for a cron job or a collector that is not running.
pub fn purge(db: &Path, days: u32) -> Result<(), CliError> {
    let cutoff = now_ms().saturating_sub(u64::from(days) * 86_400_000);
    let gone = open(db)?.purge_older_than(cutoff).map_err(store_err)?;
    let batches: u64 = gone.iter().map(|d| u64::from(d.batches)).sum();
    let bytes: u64 = gone.iter().map(|d| d.bytes).sum();
    write_out(&format!(
        "purged {} session(s), {batches} batch(es), {bytes} bytes: inactive for more than {days} days\n",
        gone.len()
    ))
}

/// `reticent audit --db PATH [--json]`: scans every stored string (the
/// events' and the header's policy text) for personal data and prints counts
/// per kind, per site. Exit 0 whatever it finds.
pub fn audit(db: &Path, as_json: bool) -> Result<(), CliError> {
    let store = open(db)?;
    let sessions = store.list_sessions(None).map_err(store_err)?;
    let mut per_site: BTreeMap<String, PiiTally> = BTreeMap::new();
    let mut total = PiiTally::default();
    let (mut batches, mut strings, mut undecodable) = (0u64, 0u64, 0u64);
    for s in &sessions {
        let site_tally = per_site.entry(s.site.clone()).or_default();
        for stored in store
            .session_batches(&s.session_id, Some(&s.site))
            .map_err(store_err)?
        {
            let Ok(batch) = decode_stored(&stored) else {
                undecodable += 1;
                continue;
            };
            batches += 1;
            // The policy text is stored as sent, not re-scrubbed (it is
            // hashed and pinned; see `ingest`): scanned here with the events.
            strings += 1;
            pii::find(&batch.policy, site_tally);
            for_each_str(&batch.events, |_, text| {
                strings += 1;
                pii::find(text, site_tally);
            });
        }
        total.merge(site_tally);
    }
    if as_json {
        let sites: BTreeMap<&str, &BTreeMap<String, u64>> =
            per_site.iter().map(|(k, v)| (k.as_str(), &v.0)).collect();
        let doc = json!({
            "detectors": DETECTORS_AVAILABLE,
            "sessions": sessions.len(),
            "batches": batches,
            "undecodable": undecodable,
            "strings": strings,
            "sites": sites,
            "total": total.0,
        });
        return write_out(&format!("{doc}\n"));
    }
    let mut text = format!(
        "audit: {} session(s), {batches} batch(es), {strings} string(s) scanned\n",
        sessions.len()
    );
    if !DETECTORS_AVAILABLE {
        text.push_str("audit: PII detectors are not in this build yet: nothing can be found\n");
    }
    if undecodable > 0 {
        text.push_str(&format!(
            "audit: {undecodable} stored batch(es) did not decode\n"
        ));
    }
    let line = |t: &PiiTally| {
        if t.0.is_empty() {
            "none found".to_owned()
        } else {
            t.0.iter()
                .map(|(k, n)| format!("{k} {n}"))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    for (site, tally) in &per_site {
        text.push_str(&format!("site {site}: {}\n", line(tally)));
    }
    text.push_str(&format!("total: {}\n", line(&total)));
    write_out(&text)
}

/// `YYYY-MM-DD HH:MM:SS` (UTC) of a time in ms since the epoch.
pub(crate) fn utc(ms: u64) -> String {
    let secs = ms / 1000;
    let (days, rem) = (secs / 86_400, secs % 86_400);
    // Howard Hinnant's civil-from-days.
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// `H:MM:SS` of a duration in ms.
pub(crate) fn duration(ms: u64) -> String {
    let s = ms / 1000;
    format!("{}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_times() {
        assert_eq!(utc(0), "1970-01-01 00:00:00");
        assert_eq!(utc(1_700_000_000_000), "2023-11-14 22:13:20");
        assert_eq!(utc(951_782_400_000), "2000-02-29 00:00:00");
        assert_eq!(duration(3_723_000), "1:02:03");
    }
}
