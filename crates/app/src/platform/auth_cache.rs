//! Credentials checked against the database in the last few seconds, so that an
//! authenticated request costs only its own queries. Any change to sessions, passwords,
//! accounts, memberships or tokens made through this instance empties the cache at once;
//! other instances (several on one PostgreSQL) see the change when their entries expire,
//! after at most [`AuthCache::TTL`]. Keys are SHA-256 digests of the secrets, never the
//! secrets themselves.

use std::time::Duration;

use custos_domain::platform::Membership;

use crate::Principal;
use crate::expiring::ExpiringMap;

pub(crate) struct AuthCache {
    principals: ExpiringMap<String, Principal>,
    /// A session's membership in an organisation (None: not a member), by session and slug.
    memberships: ExpiringMap<(String, String), Option<Membership>>,
}

impl Default for AuthCache {
    fn default() -> Self {
        Self {
            principals: ExpiringMap::new(Self::TTL),
            memberships: ExpiringMap::new(Self::TTL),
        }
    }
}

impl AuthCache {
    /// How long another instance may go on accepting a credential that was revoked, a role
    /// that was changed or an account that was disabled.
    pub(crate) const TTL: Duration = Duration::from_secs(5);

    pub(crate) fn principal(&self, digest: &str) -> Option<Principal> {
        self.principals.get(digest)
    }

    pub(crate) fn remember_principal(&self, digest: &str, principal: &Principal) {
        self.principals.insert(digest.to_owned(), principal.clone());
    }

    pub(crate) fn membership(&self, session: &str, slug: &str) -> Option<Option<Membership>> {
        self.memberships.get(&(session.to_owned(), slug.to_owned()))
    }

    pub(crate) fn remember_membership(
        &self,
        session: &str,
        slug: &str,
        membership: Option<Membership>,
    ) {
        self.memberships
            .insert((session.to_owned(), slug.to_owned()), membership);
    }

    /// Something that decides who may do what changed: nothing cached is trusted any more.
    pub(crate) fn forget_all(&self) {
        self.principals.clear();
        self.memberships.clear();
    }
}
