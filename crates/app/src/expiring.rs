//! A map whose entries expire after a fixed time and which starts again empty beyond a size
//! limit: the caches of checked credentials and of list counts are both one.

use std::borrow::Borrow;
use std::collections::HashMap;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Beyond this many entries a map starts again empty, so it cannot grow without bound.
const MAX_ENTRIES: usize = 10_000;

pub(crate) struct ExpiringMap<K, V> {
    entries: Mutex<HashMap<K, (V, Instant)>>,
    ttl: Duration,
}

impl<K: Eq + Hash, V: Clone> ExpiringMap<K, V> {
    pub(crate) fn new(ttl: Duration) -> Self {
        Self {
            entries: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    /// The value stored under `key`, unless it is older than the map's time to live.
    pub(crate) fn get<Q: Eq + Hash + ?Sized>(&self, key: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(_, stored)| stored.elapsed() < self.ttl)
            .map(|(value, _)| value.clone())
    }

    pub(crate) fn insert(&self, key: K, value: V) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert(key, (value, Instant::now()));
        }
    }

    /// Keeps only the entries whose key passes `keep`.
    pub(crate) fn retain(&self, mut keep: impl FnMut(&K) -> bool) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|key, _| keep(key));
        }
    }

    pub(crate) fn clear(&self) {
        self.retain(|_| false);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_can_be_dropped_and_stay_bounded() {
        let short = ExpiringMap::new(Duration::from_millis(30));
        short.insert("a".to_owned(), 1);
        assert_eq!(short.get("a"), Some(1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(short.get("a"), None, "older than its time to live");

        let map = ExpiringMap::new(Duration::from_secs(60));
        map.insert("x".to_owned(), 1);
        map.insert("y".to_owned(), 2);
        map.retain(|key| key == "x");
        assert_eq!((map.get("x"), map.get("y")), (Some(1), None));
        for n in 0..=MAX_ENTRIES {
            map.insert(n.to_string(), n);
        }
        let len = map
            .entries
            .lock()
            .map(|entries| entries.len())
            .unwrap_or(usize::MAX);
        assert!(len <= MAX_ENTRIES, "{len} entries");
    }
}
