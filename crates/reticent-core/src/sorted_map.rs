//! A small string-keyed map kept as a sorted list.
//!
//! The wire's two string-keyed maps (an attribute mutation's changes, a custom
//! event's payload) hold a handful of entries. As `BTreeMap`s they brought
//! the tree's insert, search and rebalancing code into the WebAssembly module
//! for nothing else (about 6 KB before `wasm-opt`). A sorted `Vec` keeps the
//! same order, so the same bytes on the wire, with a binary search.

use core::fmt;
use core::marker::PhantomData;
use core::ops::Index;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// String keys to `V`, iterated in key order (as a `BTreeMap<String, V>`).
#[derive(Clone, Debug, PartialEq)]
pub struct SortedMap<V>(Vec<(String, V)>);

impl<V> Default for SortedMap<V> {
    fn default() -> Self {
        SortedMap(Vec::new())
    }
}

impl<V> SortedMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    fn find(&self, key: &str) -> Result<usize, usize> {
        self.0.binary_search_by(|(k, _)| k.as_str().cmp(key))
    }

    /// Sets `key` to `value`; returns the value it replaced.
    pub fn insert(&mut self, key: String, value: V) -> Option<V> {
        match self.find(&key) {
            Ok(i) => Some(core::mem::replace(&mut self.0[i].1, value)),
            Err(i) => {
                self.0.insert(i, (key, value));
                None
            }
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: &str) -> Option<&V> {
        self.find(key).ok().map(|i| &self.0[i].1)
    }

    /// Whether `key` has a value.
    pub fn contains_key(&self, key: &str) -> bool {
        self.find(key).is_ok()
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// No entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &V)> {
        self.into_iter()
    }

    /// Keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &String> {
        self.0.iter().map(|(k, _)| k)
    }

    /// Values in key order, mutable.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.0.iter_mut().map(|(_, v)| v)
    }

    /// Builds a map from entries in any order; of two equal keys the later
    /// entry wins, as with repeated `insert`s. Sorting keeps this O(n log n)
    /// on untrusted input (inserting one by one would be O(n²)). Entries
    /// already in order, as every encoder writes them, are taken as they are;
    /// others are sorted and deduplicated in place. A decoded map is never
    /// copied: a hostile one full of repeated keys was copied whole here.
    fn from_entries(mut entries: Vec<(String, V)>) -> Self {
        if entries.windows(2).all(|w| w[0].0 < w[1].0) {
            return SortedMap(entries);
        }
        // Stable: equal keys keep their input order, so the last is last.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        // `dedup_by` keeps the first of a run and passes each later entry as
        // `later`: moving it into the kept slot makes the last one win.
        entries.dedup_by(|later, kept| {
            let same = later.0 == kept.0;
            if same {
                core::mem::swap(later, kept);
            }
            same
        });
        SortedMap(entries)
    }
}

impl<'a, V> IntoIterator for &'a SortedMap<V> {
    type Item = (&'a String, &'a V);
    type IntoIter = core::iter::Map<
        core::slice::Iter<'a, (String, V)>,
        fn(&'a (String, V)) -> (&'a String, &'a V),
    >;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<V, const N: usize> From<[(String, V); N]> for SortedMap<V> {
    fn from(entries: [(String, V); N]) -> Self {
        Self::from_entries(Vec::from(entries))
    }
}

impl<V> FromIterator<(String, V)> for SortedMap<V> {
    fn from_iter<I: IntoIterator<Item = (String, V)>>(iter: I) -> Self {
        Self::from_entries(iter.into_iter().collect())
    }
}

impl<V> Index<&str> for SortedMap<V> {
    type Output = V;

    /// The value of `key`; panics when there is none, as `BTreeMap` does.
    fn index(&self, key: &str) -> &V {
        self.get(key).expect("no entry for this key")
    }
}

impl<V: Serialize> Serialize for SortedMap<V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}

impl<'de, V: Deserialize<'de>> Deserialize<'de> for SortedMap<V> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Entries<V>(PhantomData<V>);
        impl<'de, V: Deserialize<'de>> Visitor<'de> for Entries<V> {
            type Value = SortedMap<V>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a map with string keys")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<SortedMap<V>, A::Error> {
                // The size hint comes from the input: bounded, not trusted.
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
                while let Some(entry) = map.next_entry::<String, V>()? {
                    entries.push(entry);
                }
                Ok(SortedMap::from_entries(entries))
            }
        }
        d.deserialize_map(Entries(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::SortedMap;
    use std::collections::BTreeMap;

    /// Keys with shared prefixes, case, non-ASCII and the empty key, in an
    /// order that is not sorted, with repeats.
    const KEYS: [&str; 12] = [
        "src", "alt", "Src", "", "data-x", "src", "é", "data-", "zz", "a", "alt", "ß",
    ];

    #[test]
    fn inserts_behave_as_a_btreemap() {
        let mut ours = SortedMap::new();
        let mut theirs = BTreeMap::new();
        for (i, k) in KEYS.iter().enumerate() {
            assert_eq!(
                ours.insert(k.to_string(), i),
                theirs.insert(k.to_string(), i),
                "{k}"
            );
            assert_eq!(ours.len(), theirs.len());
        }
        let a: Vec<_> = ours.iter().collect();
        let b: Vec<_> = theirs.iter().collect();
        assert_eq!(a, b);
        assert!(ours.keys().eq(theirs.keys()));
        for k in KEYS.iter().chain(&["absent", "sr", "srcs"]) {
            assert_eq!(ours.get(k), theirs.get(*k), "{k}");
            assert_eq!(ours.contains_key(k), theirs.contains_key(*k), "{k}");
        }
        assert_eq!(ours["alt"], 10);
    }

    #[test]
    fn built_from_entries_the_last_of_equal_keys_wins() {
        let entries = KEYS.iter().enumerate().map(|(i, k)| (k.to_string(), i));
        let ours: SortedMap<usize> = entries.clone().collect();
        let theirs: BTreeMap<String, usize> = entries.collect();
        let a: Vec<_> = ours.iter().collect();
        let b: Vec<_> = theirs.iter().collect();
        assert_eq!(a, b);
        let from = SortedMap::from([
            ("b".to_string(), 1),
            ("a".to_string(), 2),
            ("b".to_string(), 3),
        ]);
        assert_eq!(
            from.iter().collect::<Vec<_>>(),
            [(&"a".to_string(), &2), (&"b".to_string(), &3)]
        );
    }

    #[test]
    fn values_mut_reaches_every_value() {
        let mut m: SortedMap<u32> = KEYS.iter().map(|k| (k.to_string(), 1)).collect();
        for v in m.values_mut() {
            *v += 1;
        }
        assert!(m.iter().all(|(_, v)| *v == 2));
        assert!(!m.is_empty());
        assert!(SortedMap::<u32>::new().is_empty());
    }

    #[test]
    fn serde_reads_and_writes_what_a_btreemap_does() {
        let theirs: BTreeMap<String, Option<String>> = KEYS
            .iter()
            .map(|k| (k.to_string(), Some(k.repeat(2))))
            .collect();
        let ours: SortedMap<Option<String>> = KEYS
            .iter()
            .map(|k| (k.to_string(), Some(k.repeat(2))))
            .collect();
        assert_eq!(
            rmp_serde::to_vec(&ours).unwrap(),
            rmp_serde::to_vec(&theirs).unwrap()
        );
        assert_eq!(
            serde_json::to_string(&ours).unwrap(),
            serde_json::to_string(&theirs).unwrap()
        );
        // Unsorted input with a repeated key, as an untrusted batch may hold.
        let json = r#"{"z":"1","a":null,"z":"2","m":"3"}"#;
        let ours: SortedMap<Option<String>> = serde_json::from_str(json).unwrap();
        let theirs: BTreeMap<String, Option<String>> = serde_json::from_str(json).unwrap();
        assert_eq!(
            ours.iter().collect::<Vec<_>>(),
            theirs.iter().collect::<Vec<_>>()
        );
        assert!(serde_json::from_str::<SortedMap<String>>("[1]").is_err());
    }

    #[test]
    #[should_panic(expected = "no entry")]
    fn indexing_a_missing_key_panics() {
        let m: SortedMap<u32> = SortedMap::new();
        let _ = m["x"];
    }
}
