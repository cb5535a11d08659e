//! Credentials checked against the database in the last few seconds, so that an
//! authenticated request costs only its own queries. Any change to sessions, passwords,
//! accounts, memberships or tokens made through this instance empties the cache at once;
//! other instances (several on one PostgreSQL) see the change when their entries expire,
//! after at most [`AuthCache::TTL`]. Keys are SHA-256 digests of the secrets, never the
//! secrets themselves.
//!
//! A request that read a credential or a membership from the database while a change was
//! being made would otherwise put what it read, already stale, back into the emptied cache.
//! So each read notes the cache's generation first ([`AuthCache::generation`]), and what it
//! read is remembered only if nothing was forgotten since.

use std::sync::Mutex;
use std::time::Duration;

use custos_domain::platform::Membership;

use crate::Principal;
use crate::expiring::ExpiringMap;

pub(crate) struct AuthCache {
    principals: ExpiringMap<String, Principal>,
    /// A session's membership in an organisation (None: not a member), by session and slug.
    memberships: ExpiringMap<(String, String), Option<Membership>>,
    /// How many times everything was forgotten. Held while remembering and while forgetting,
    /// so that nothing read before a change is stored after it.
    generation: Mutex<u64>,
}

/// The cache's state when a read from the database began; see [`AuthCache::generation`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Generation(u64);

impl Default for AuthCache {
    fn default() -> Self {
        Self {
            principals: ExpiringMap::new(Self::TTL),
            memberships: ExpiringMap::new(Self::TTL),
            generation: Mutex::new(0),
        }
    }
}

impl AuthCache {
    /// How long another instance may go on accepting a credential that was revoked, a role
    /// that was changed or an account that was disabled.
    pub(crate) const TTL: Duration = Duration::from_secs(5);

    /// Taken before reading a credential or a membership from the database, and handed back
    /// when remembering what was read.
    pub(crate) fn generation(&self) -> Generation {
        Generation(
            self.generation
                .lock()
                .map_or(u64::MAX, |generation| *generation),
        )
    }

    pub(crate) fn principal(&self, digest: &str) -> Option<Principal> {
        self.principals.get(digest)
    }

    pub(crate) fn remember_principal(&self, read: Generation, digest: &str, principal: &Principal) {
        self.if_current(read, || {
            self.principals.insert(digest.to_owned(), principal.clone());
        });
    }

    pub(crate) fn membership(&self, session: &str, slug: &str) -> Option<Option<Membership>> {
        self.memberships.get(&(session.to_owned(), slug.to_owned()))
    }

    pub(crate) fn remember_membership(
        &self,
        read: Generation,
        session: &str,
        slug: &str,
        membership: Option<Membership>,
    ) {
        self.if_current(read, || {
            self.memberships
                .insert((session.to_owned(), slug.to_owned()), membership);
        });
    }

    /// Something that decides who may do what changed: nothing cached is trusted any more,
    /// nor anything being read at this moment.
    pub(crate) fn forget_all(&self) {
        let mut generation = match self.generation.lock() {
            Ok(generation) => generation,
            Err(poisoned) => poisoned.into_inner(),
        };
        *generation = generation.wrapping_add(1);
        self.principals.clear();
        self.memberships.clear();
    }

    /// Runs `remember` only if nothing was forgotten since `read` was taken.
    fn if_current(&self, read: Generation, remember: impl FnOnce()) {
        if let Ok(generation) = self.generation.lock()
            && Generation(*generation) == read
        {
            remember();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use custos_domain::platform::{Organisation, Role};

    fn membership(role: Role) -> Option<Membership> {
        Some(Membership {
            organisation: Organisation {
                id: uuid::Uuid::nil(),
                slug: "acme".into(),
                name: "Acme".into(),
            },
            role,
        })
    }

    #[test]
    fn a_read_that_began_before_a_change_is_not_remembered_after_it() {
        let cache = AuthCache::default();
        // A request reads the member's role while an administrator changes it.
        let before_change = cache.generation();
        cache.forget_all();
        cache.remember_membership(before_change, "session", "acme", membership(Role::Admin));
        assert_eq!(
            cache.membership("session", "acme"),
            None,
            "the stale role must be read again"
        );
        // A read that began after the change is remembered.
        let after_change = cache.generation();
        cache.remember_membership(after_change, "session", "acme", membership(Role::Staff));
        assert_eq!(
            cache.membership("session", "acme"),
            Some(membership(Role::Staff))
        );
    }
}
