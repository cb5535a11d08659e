//! How many rows a register's filter matched, kept a few seconds: counting a large register
//! on every page would cost more than the page. Any write to the organisation's records made
//! through this instance forgets its counts at once; other instances may show a total up to
//! [`CountCache::TTL`] old. Only totals are cached, never rows.
//!
//! A total is counted again before it expires, by one request alone: halfway through its
//! life the next request that reads it is told to count (and the others keep reading the
//! total they have). Without that, every request arriving as a total expired counted at
//! once: sixteen counts of a million-row register side by side, half a second each, every
//! five seconds (issue 7's benchmark). For the same reason a total nobody knows is counted
//! by one request at a time: the others wait for its turn to end ([`CountCache::turn`]) and
//! find the total counted.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use tokio::sync::OwnedMutexGuard;
use uuid::Uuid;

/// A bound on the totals kept, whatever the filters people try.
const MAX_ENTRIES: usize = 10_000;

/// A register's filter in an organisation: what a total counts.
type CountKey = (Uuid, String);

/// The turn to count one total, held while counting it.
type Turn = Arc<tokio::sync::Mutex<()>>;

/// A total and when it was counted; `recount_claimed` once a request has been told to count
/// it again. If that request fails, the total simply expires and the next request counts.
struct Counted {
    total: (u64, bool),
    counted_at: Instant,
    recount_claimed: bool,
}

/// (organisation, register and filter) -> (total, exact)
pub(crate) struct CountCache {
    counts: Mutex<HashMap<CountKey, Counted>>,
    /// Whose turn it is to count each total.
    turns: Mutex<HashMap<CountKey, Turn>>,
    ttl: Duration,
}

/// What the cache knows of a total.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CachedCount {
    /// Counted a moment ago: use it.
    Known((u64, bool)),
    /// Not known, or due to be counted again by this request (no other is told to).
    Count,
}

impl Default for CountCache {
    fn default() -> Self {
        Self::with_ttl(Self::TTL)
    }
}

impl CountCache {
    pub(crate) const TTL: Duration = Duration::from_secs(5);

    fn with_ttl(ttl: Duration) -> Self {
        Self {
            counts: Mutex::new(HashMap::new()),
            turns: Mutex::new(HashMap::new()),
            ttl,
        }
    }

    /// Waits until no other request is counting this total, and holds the turn until the
    /// guard is dropped (after [`CountCache::remember`]). Then [`CountCache::get_fresh`]: the
    /// request before may have counted it.
    pub(crate) async fn turn(&self, org_id: Uuid, key: &str) -> Option<OwnedMutexGuard<()>> {
        let turn = {
            let mut turns = self.turns.lock().ok()?;
            if turns.len() >= MAX_ENTRIES {
                // Turns in use live on in their holders; only the map forgets them.
                turns.clear();
            }
            Arc::clone(turns.entry((org_id, key.to_owned())).or_default())
        };
        Some(turn.lock_owned().await)
    }

    pub(crate) fn get(&self, org_id: Uuid, key: &str) -> CachedCount {
        let Ok(mut counts) = self.counts.lock() else {
            return CachedCount::Count;
        };
        let Some(counted) = counts.get_mut(&(org_id, key.to_owned())) else {
            return CachedCount::Count;
        };
        let age = counted.counted_at.elapsed();
        if age >= self.ttl {
            return CachedCount::Count;
        }
        if age >= self.ttl / 2 && !counted.recount_claimed {
            counted.recount_claimed = true;
            return CachedCount::Count;
        }
        CachedCount::Known(counted.total)
    }

    /// The total if it was counted in the first half of its life: what the request whose
    /// turn just ended counted, not the total a recount was due for.
    pub(crate) fn get_fresh(&self, org_id: Uuid, key: &str) -> CachedCount {
        let Ok(counts) = self.counts.lock() else {
            return CachedCount::Count;
        };
        match counts.get(&(org_id, key.to_owned())) {
            Some(counted) if counted.counted_at.elapsed() < self.ttl / 2 => {
                CachedCount::Known(counted.total)
            }
            _ => CachedCount::Count,
        }
    }

    pub(crate) fn remember(&self, org_id: Uuid, key: String, total: u64, exact: bool) {
        if let Ok(mut counts) = self.counts.lock() {
            if counts.len() >= MAX_ENTRIES {
                counts.clear();
            }
            counts.insert(
                (org_id, key),
                Counted {
                    total: (total, exact),
                    counted_at: Instant::now(),
                    recount_claimed: false,
                },
            );
        }
    }

    /// The organisation's records changed: its counts are no longer known.
    pub(crate) fn forget(&self, org_id: Uuid) {
        if let Ok(mut counts) = self.counts.lock() {
            counts.retain(|(org, _), _| *org != org_id);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_total_is_recounted_by_one_request_before_it_expires_and_forgotten_on_writes() {
        let cache = CountCache::with_ttl(Duration::from_millis(200));
        let (org, other) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(
            cache.get(org, "assets"),
            CachedCount::Count,
            "never counted"
        );
        cache.remember(org, "assets".into(), 42, true);
        cache.remember(other, "assets".into(), 7, true);
        assert_eq!(cache.get(org, "assets"), CachedCount::Known((42, true)));

        // Halfway through its life one request is told to count; the others keep the total.
        std::thread::sleep(Duration::from_millis(110));
        assert_eq!(cache.get(org, "assets"), CachedCount::Count);
        // The request told to count finds no fresh total once it has its turn.
        assert_eq!(cache.get_fresh(org, "assets"), CachedCount::Count);
        for _ in 0..5 {
            assert_eq!(cache.get(org, "assets"), CachedCount::Known((42, true)));
        }
        cache.remember(org, "assets".into(), 43, true);
        assert_eq!(cache.get(org, "assets"), CachedCount::Known((43, true)));

        // Never read in its second half, a total expires.
        std::thread::sleep(Duration::from_millis(210));
        assert_eq!(cache.get(org, "assets"), CachedCount::Count);

        // A write forgets the organisation's totals at once, and only its own.
        cache.remember(org, "assets".into(), 44, true);
        cache.remember(other, "assets".into(), 8, true);
        cache.forget(org);
        assert_eq!(cache.get(org, "assets"), CachedCount::Count);
        assert_eq!(cache.get(other, "assets"), CachedCount::Known((8, true)));
    }

    #[test]
    fn a_total_whose_recount_never_came_back_expires_and_is_counted_again() {
        let cache = CountCache::with_ttl(Duration::from_millis(400));
        let org = Uuid::now_v7();
        cache.remember(org, "assets".into(), 1, true);
        std::thread::sleep(Duration::from_millis(210));
        assert_eq!(cache.get(org, "assets"), CachedCount::Count, "claimed");
        assert_eq!(cache.get(org, "assets"), CachedCount::Known((1, true)));
        // The request told to count failed: the others keep the total until it expires.
        std::thread::sleep(Duration::from_millis(200));
        assert_eq!(cache.get(org, "assets"), CachedCount::Count);
    }

    #[tokio::test]
    async fn requests_that_find_no_total_count_it_one_at_a_time() {
        let cache = Arc::new(CountCache::default());
        let org = Uuid::now_v7();
        let counted = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let requests: Vec<_> = (0..16)
            .map(|_| {
                let (cache, counted) = (Arc::clone(&cache), Arc::clone(&counted));
                tokio::spawn(async move {
                    if let CachedCount::Known(total) = cache.get(org, "assets") {
                        return total;
                    }
                    let _turn = cache.turn(org, "assets").await;
                    if let CachedCount::Known(total) = cache.get_fresh(org, "assets") {
                        return total;
                    }
                    counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    cache.remember(org, "assets".into(), 42, true);
                    (42, true)
                })
            })
            .collect();
        for request in requests {
            assert_eq!(request.await.ok(), Some((42, true)));
        }
        assert_eq!(counted.load(std::sync::atomic::Ordering::SeqCst), 1);
    }

    #[test]
    fn the_cache_stays_bounded() {
        let cache = CountCache::default();
        let org = Uuid::now_v7();
        for n in 0..=MAX_ENTRIES {
            cache.remember(org, n.to_string(), 1, true);
        }
        let len = cache.counts.lock().map(|c| c.len()).unwrap_or(usize::MAX);
        assert!(len <= MAX_ENTRIES, "{len}");
    }
}
