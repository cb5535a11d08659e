//! How many rows a register's filter matched, kept a few seconds: counting a large register
//! on every page would cost more than the page. Any write to the organisation's records made
//! through this instance forgets its counts at once; other instances may show a total up to
//! [`CountCache::TTL`] old. Only totals are cached, never rows.

use std::time::Duration;

use uuid::Uuid;

use crate::expiring::ExpiringMap;

/// (organisation, register and filter) -> (total, exact)
pub(crate) struct CountCache {
    counts: ExpiringMap<(Uuid, String), (u64, bool)>,
}

impl Default for CountCache {
    fn default() -> Self {
        Self {
            counts: ExpiringMap::new(Self::TTL),
        }
    }
}

impl CountCache {
    pub(crate) const TTL: Duration = Duration::from_secs(5);

    pub(crate) fn get(&self, org_id: Uuid, key: &str) -> Option<(u64, bool)> {
        self.counts.get(&(org_id, key.to_owned()))
    }

    pub(crate) fn remember(&self, org_id: Uuid, key: String, total: u64, exact: bool) {
        self.counts.insert((org_id, key), (total, exact));
    }

    /// The organisation's records changed: its counts are no longer known.
    pub(crate) fn forget(&self, org_id: Uuid) {
        self.counts.retain(|(org, _)| *org != org_id);
    }
}
