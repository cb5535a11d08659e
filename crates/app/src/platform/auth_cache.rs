//! Credentials checked against the database in the last few seconds, so that an
//! authenticated request costs only its own queries. Any change to sessions, passwords,
//! accounts, memberships or tokens made through this instance empties the cache at once;
//! other instances (several on one PostgreSQL) see the change when their entries expire,
//! after at most [`AuthCache::TTL`]. Keys are SHA-256 digests of the secrets, never the
//! secrets themselves.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use custos_domain::platform::Membership;

use crate::Principal;

/// Values by key, each with the moment it was checked.
type Entries<K, V> = Mutex<HashMap<K, (V, Instant)>>;

#[derive(Default)]
pub(crate) struct AuthCache {
    principals: Entries<String, Principal>,
    /// A session's membership in an organisation (None: not a member), by session and slug.
    memberships: Entries<(String, String), Option<Membership>>,
}

/// Beyond this many entries the cache starts again empty, so it cannot grow without bound.
const MAX_ENTRIES: usize = 10_000;

fn fresh<T: Clone>(entry: Option<&(T, Instant)>) -> Option<T> {
    entry
        .filter(|(_, stored)| stored.elapsed() < AuthCache::TTL)
        .map(|(value, _)| value.clone())
}

fn remember<K: Eq + std::hash::Hash, T>(map: &Entries<K, T>, key: K, value: T) {
    if let Ok(mut map) = map.lock() {
        if map.len() >= MAX_ENTRIES {
            map.clear();
        }
        map.insert(key, (value, Instant::now()));
    }
}

impl AuthCache {
    /// How long another instance may go on accepting a credential that was revoked, a role
    /// that was changed or an account that was disabled.
    pub(crate) const TTL: Duration = Duration::from_secs(5);

    pub(crate) fn principal(&self, digest: &str) -> Option<Principal> {
        fresh(self.principals.lock().ok()?.get(digest))
    }

    pub(crate) fn remember_principal(&self, digest: &str, principal: &Principal) {
        remember(&self.principals, digest.to_owned(), principal.clone());
    }

    pub(crate) fn membership(&self, session: &str, slug: &str) -> Option<Option<Membership>> {
        let map = self.memberships.lock().ok()?;
        fresh(map.get(&(session.to_owned(), slug.to_owned())))
    }

    pub(crate) fn remember_membership(
        &self,
        session: &str,
        slug: &str,
        membership: Option<Membership>,
    ) {
        remember(
            &self.memberships,
            (session.to_owned(), slug.to_owned()),
            membership,
        );
    }

    /// Something that decides who may do what changed: nothing cached is trusted any more.
    pub(crate) fn forget_all(&self) {
        if let Ok(mut map) = self.principals.lock() {
            map.clear();
        }
        if let Ok(mut map) = self.memberships.lock() {
            map.clear();
        }
    }
}
