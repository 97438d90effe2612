//! Counters since the collector started, served at `GET /v1/stats`.

use std::collections::BTreeMap;
use std::sync::Mutex;

use serde_json::{json, Value};

use crate::pii::{PiiTally, DETECTORS_AVAILABLE};
use crate::store::StoreStats;

/// What the collector did since it started.
#[derive(Debug, Default)]
pub struct Stats {
    started_at: u64,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    accepted: u64,
    duplicates: u64,
    rejected: BTreeMap<&'static str, u64>,
    policy_refusals: BTreeMap<String, u64>,
    scrubbed: BTreeMap<String, PiiTally>,
    purged_sessions: u64,
}

impl Stats {
    /// Counters starting now.
    pub fn new(started_at: u64) -> Self {
        Stats {
            started_at,
            inner: Mutex::default(),
        }
    }

    fn with(&self, f: impl FnOnce(&mut Inner)) {
        // Counters are plain numbers: a poisoned lock still holds usable ones.
        let mut g = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut g)
    }

    /// A batch was stored; `scrubbed` is what the collector's scrub replaced.
    pub fn accepted(&self, site: &str, scrubbed: &PiiTally) {
        self.with(|i| {
            i.accepted += 1;
            if scrubbed.total() > 0 {
                i.scrubbed
                    .entry(site.to_owned())
                    .or_default()
                    .merge(scrubbed);
            }
        })
    }

    /// A batch was already stored with the same content.
    pub fn duplicate(&self) {
        self.with(|i| i.duplicates += 1)
    }

    /// A request was refused with `code`; `site` when the key was valid.
    pub fn rejected(&self, code: &'static str, site: Option<&str>) {
        self.with(|i| {
            *i.rejected.entry(code).or_default() += 1;
            if code == crate::ingest::POLICY_NOT_APPROVED {
                *i.policy_refusals
                    .entry(site.unwrap_or("").to_owned())
                    .or_default() += 1;
            }
        })
    }

    /// Sessions removed by a retention purge.
    pub fn purged(&self, sessions: u64) {
        self.with(|i| i.purged_sessions += sessions)
    }

    /// The JSON document of `/v1/stats`.
    pub fn to_json(&self, store: Option<StoreStats>) -> Value {
        let mut out = Value::Null;
        self.with(|i| {
            let scrubbed: BTreeMap<&str, &BTreeMap<String, u64>> =
                i.scrubbed.iter().map(|(s, t)| (s.as_str(), &t.0)).collect();
            out = json!({
                "startedAt": self.started_at,
                "accepted": i.accepted,
                "duplicates": i.duplicates,
                "rejected": i.rejected,
                "policyRefusals": i.policy_refusals,
                "scrubbed": scrubbed,
                "piiDetectors": DETECTORS_AVAILABLE,
                "purgedSessions": i.purged_sessions,
                "store": store,
            });
        });
        out
    }
}
