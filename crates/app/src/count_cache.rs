//! How many rows a register's filter matched, kept a few seconds: counting a large register
//! on every page would cost more than the page. Any write to the organisation's records made
//! through this instance forgets its counts at once; other instances may show a total up to
//! [`CountCache::TTL`] old. Only totals are cached, never rows.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use uuid::Uuid;

/// (organisation, register and filter) -> (total, exact, when counted)
type Entries = HashMap<(Uuid, String), (u64, bool, Instant)>;

#[derive(Default)]
pub(crate) struct CountCache {
    entries: Mutex<Entries>,
}

const MAX_ENTRIES: usize = 10_000;

impl CountCache {
    pub(crate) const TTL: Duration = Duration::from_secs(5);

    pub(crate) fn get(&self, org_id: Uuid, key: &str) -> Option<(u64, bool)> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(&(org_id, key.to_owned()))
            .filter(|(_, _, counted)| counted.elapsed() < Self::TTL)
            .map(|(total, exact, _)| (*total, *exact))
    }

    pub(crate) fn remember(&self, org_id: Uuid, key: String, total: u64, exact: bool) {
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
            entries.insert((org_id, key), (total, exact, Instant::now()));
        }
    }

    /// The organisation's records changed: its counts are no longer known.
    pub(crate) fn forget(&self, org_id: Uuid) {
        if let Ok(mut entries) = self.entries.lock() {
            entries.retain(|(org, _), _| *org != org_id);
        }
    }
}
