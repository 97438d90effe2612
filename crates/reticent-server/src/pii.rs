//! The collector's second look for personal data (defence in depth).
//!
//! The recorder masks in the page; the collector does not trust that. Every
//! [`Scrubbed`] string of an accepted batch goes through the core's detectors
//! ([`reticent_core::privacy::scrub_pii`]) before the batch is stored, and
//! `reticent audit` runs [`reticent_core::privacy::find_pii`] over stored
//! ones. Counts are kept per kind of personal data (`email`, `card`…).

use std::collections::BTreeMap;

use reticent_core::privacy::{find_pii, PiiCounts, PiiKind, Scrubbed};
use reticent_core::visit::StrKind;

/// Whether real detectors are wired in (reported by `/v1/stats` and `audit`).
pub const DETECTORS_AVAILABLE: bool = true;

/// Occurrences found or replaced, per kind of personal data.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PiiTally(pub BTreeMap<String, u64>);

impl PiiTally {
    /// Adds `n` occurrences of `kind`.
    pub fn add(&mut self, kind: &str, n: u64) {
        if n > 0 {
            *self.0.entry(kind.to_owned()).or_default() += n;
        }
    }
    /// Adds another tally.
    pub fn merge(&mut self, other: &PiiTally) {
        for (k, n) in &other.0 {
            self.add(k, *n);
        }
    }
    /// Adds the core's counts.
    fn add_counts(&mut self, counts: &PiiCounts) {
        for kind in PiiKind::ALL {
            self.add(kind.label(), u64::from(counts.get(kind)));
        }
    }
    /// Total occurrences.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }
}

/// Re-scrubs one recorded string: `Some(replacement)` when it held personal
/// data, counted in `tally`.
pub fn rescrub(_kind: StrKind, value: &Scrubbed, tally: &mut PiiTally) -> Option<Scrubbed> {
    let (clean, counts) = value.rescrub()?;
    tally.add_counts(&counts);
    Some(clean)
}

/// Counts personal data in one string into `tally`, without changing it.
pub fn find(value: &str, tally: &mut PiiTally) {
    for (_, kind) in find_pii(value) {
        tally.add(kind.label(), 1);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::de::value::{Error as ValueError, StringDeserializer};
    use serde::Deserialize;

    /// A value as the collector receives it: read from the wire.
    fn rewrap(text: String) -> Scrubbed {
        Scrubbed::deserialize(StringDeserializer::<ValueError>::new(text)).unwrap()
    }

    #[test]
    fn rescrub_replaces_and_counts() {
        let mut tally = PiiTally::default();
        let v = rewrap("write to jane.doe@example.com".into());
        let out = rescrub(StrKind::Text, &v, &mut tally).expect("an email is found");
        assert!(!out.as_str().contains("jane.doe"), "{}", out.as_str());
        assert_eq!(tally.0.get("email"), Some(&1));
        assert!(rescrub(StrKind::Text, &rewrap("nothing here".into()), &mut tally).is_none());
        let mut found = PiiTally::default();
        find("card 4111 1111 1111 1111, mail a@b.example", &mut found);
        assert_eq!(found.total(), 2, "{found:?}");
    }
}
