//! Log-in, sessions and API-token authentication, password changes, and the organisations
//! a user belongs to.

use custos_domain::sessions::{self, Session};

use super::*;

/// A new log-in: the user and the session secret for the cookie.
pub struct NewSession {
    pub user: User,
    pub secret: String,
    pub expires_at: OffsetDateTime,
}

/// Where a log-in comes from, kept with the session so that its owner can recognise it on
/// their sessions page.
#[derive(Debug, Clone, Default)]
pub struct SessionClient {
    /// The client's address (behind a trusted proxy, the address the proxy was asked by).
    pub address: Option<std::net::IpAddr>,
    /// The User-Agent header as the browser sent it; it is cleaned and shortened before it
    /// is stored (`custos_domain::sessions::clean_user_agent`).
    pub user_agent: String,
}

/// How precisely "last used" is kept for API tokens.
const TOKEN_USE_GRANULARITY: Duration = Duration::minutes(10);

impl App {
    /// Checks a password and opens a new session. Each attempt on an account is counted
    /// before its password is checked, so parallel guesses cannot outrun the lockout: only
    /// `MAX_FAILED_LOGINS` of them are ever checked before the lock, and a locked account
    /// refuses even the right password until the lock ends. Unknown addresses take as long
    /// to refuse as known ones.
    pub async fn log_in(
        &self,
        email: &str,
        password: &str,
        client: &SessionClient,
        now: OffsetDateTime,
    ) -> AppResult<NewSession> {
        let email = Email::parse(email).map_err(|_| AppError::InvalidCredentials)?;
        // A flood of attempts waits here, in memory, rather than on the database's writer.
        let _turn = self
            .login_checks
            .acquire()
            .await
            .map_err(|_| AppError::Internal("log-in checks are closed".into()))?;
        let credentials = {
            let mut conn = self.store.reader().await?;
            store::find_credentials(&mut conn, email.as_str()).await?
        };
        let Some(credentials) = credentials else {
            secrets::verify_password(password.to_owned(), secrets::DUMMY_HASH.to_owned()).await?;
            return Err(AppError::InvalidCredentials);
        };
        let user_id = credentials.user.id;
        let locked = AppError::LockedOut {
            until: now + Duration::minutes(LOCKOUT_MINUTES),
        };
        let place = {
            let mut tx = self.store.begin().await?;
            let place = store::count_login_attempt(&mut tx, user_id, now).await?;
            if place.is_some_and(|place| place > MAX_FAILED_LOGINS) {
                // Beyond the allowance while earlier guesses are still being checked.
                store::lock_account(&mut tx, user_id, now + Duration::minutes(LOCKOUT_MINUTES))
                    .await?;
            }
            custos_store::commit(tx).await?;
            place
        };
        // Locked or not, the answer pays for a password check, so it takes as long.
        let valid =
            secrets::verify_password(password.to_owned(), credentials.password_hash.clone())
                .await?;
        let Some(place) = place.filter(|place| *place <= MAX_FAILED_LOGINS) else {
            tracing::info!(user = %user_id, "log-in refused: account locked");
            return Err(locked);
        };
        let mut tx = self.store.begin().await?;
        if !valid {
            let lock = place >= MAX_FAILED_LOGINS;
            if lock {
                store::lock_account(&mut tx, user_id, now + Duration::minutes(LOCKOUT_MINUTES))
                    .await?;
            }
            custos_store::commit(tx).await?;
            tracing::info!(user = %user_id, failures = place, locked = lock, "failed log-in");
            return Err(if lock {
                locked
            } else {
                AppError::InvalidCredentials
            });
        }
        if !store::clear_failed_logins_unless_locked(&mut tx, user_id, now).await? {
            tracing::info!(user = %user_id, "right password refused: locked by parallel guesses");
            return Err(locked);
        }
        if credentials.user.disabled {
            return Err(AppError::InvalidCredentials);
        }
        let session = self
            .open_session(&mut tx, &credentials.user, client, now)
            .await?;
        custos_store::commit(tx).await?;
        Ok(session)
    }

    /// Opens a session for `user` in the caller's transaction (log-in, or an invitation
    /// accepted with a new account), noting where it was opened from.
    pub(crate) async fn open_session(
        &self,
        tx: &mut custos_store::Tx,
        user: &User,
        client: &SessionClient,
        now: OffsetDateTime,
    ) -> AppResult<NewSession> {
        let secret = random_secret()?;
        let expires_at = now + self.settings.session_lifetime;
        let id_hash = digest(&secret);
        let client_address = client.address.map(|a| a.to_string()).unwrap_or_default();
        let user_agent = sessions::clean_user_agent(&client.user_agent);
        store::insert_session(
            tx,
            &store::NewSession {
                id_hash: &id_hash,
                // Random, so one session's id tells nothing of another's.
                public_id: Uuid::new_v4(),
                user_id: user.id,
                created_at: now,
                expires_at,
                client_address: &client_address,
                user_agent: &user_agent,
            },
        )
        .await?;
        store::delete_expired_sessions(tx, now, self.idle_since(now)).await?;
        Ok(NewSession {
            user: user.clone(),
            secret,
            expires_at,
        })
    }

    pub async fn log_out(&self, session_secret: &str) -> AppResult<()> {
        let mut tx = self.store.begin().await?;
        store::delete_session(&mut tx, &digest(session_secret)).await?;
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        Ok(())
    }

    /// The user behind a session cookie, if the session is live: not past its lifetime, and
    /// used within the idle timeout. Its last use is noted at most once a minute
    /// ([`sessions::LAST_SEEN_PRECISION`]); a session found in the credential cache was
    /// checked at most [`AuthCache::TTL`](super::auth_cache::AuthCache::TTL) ago.
    pub async fn authenticate_session(
        &self,
        secret: &str,
        now: OffsetDateTime,
    ) -> AppResult<Principal> {
        let id_hash = digest(secret);
        if let Some(principal) = self.auth_cache.principal(&id_hash) {
            return Ok(principal);
        }
        let read = self.auth_cache.generation();
        let (user, last_seen_at) = {
            let mut conn = self.store.reader().await?;
            store::session_user(&mut conn, &id_hash, now, self.idle_since(now))
                .await?
                .ok_or(AppError::Unauthenticated)?
        };
        if sessions::last_seen_is_stale(last_seen_at, now) {
            let mut tx = self.store.begin().await?;
            let unless_since = now - sessions::LAST_SEEN_PRECISION;
            store::touch_session(&mut tx, &id_hash, now, unless_since).await?;
            custos_store::commit(tx).await?;
        }
        let principal = Principal {
            user,
            credential: Credential::Session {
                id_hash: id_hash.clone(),
            },
        };
        self.auth_cache
            .remember_principal(read, &id_hash, &principal);
        Ok(principal)
    }

    /// Sessions used last before this moment have ended for lack of use.
    fn idle_since(&self, now: OffsetDateTime) -> OffsetDateTime {
        now - self.settings.session_idle_timeout
    }

    /// The live sessions of the user asking, theirs only, the one asking first.
    pub async fn my_sessions(
        &self,
        principal: &Principal,
        now: OffsetDateTime,
    ) -> AppResult<Vec<Session>> {
        let id_hash = own_session(principal)?;
        let mut conn = self.store.reader().await?;
        Ok(store::sessions_of(
            &mut conn,
            principal.user.id,
            id_hash,
            now,
            self.idle_since(now),
        )
        .await?)
    }

    /// Ends another session of the user asking, named by its public id. Sessions of other
    /// users, and the session asking (which logs out instead), are not found.
    pub async fn end_session(&self, principal: &Principal, public_id: Uuid) -> AppResult<()> {
        let id_hash = own_session(principal)?;
        let mut tx = self.store.begin().await?;
        if !store::delete_session_of(&mut tx, principal.user.id, public_id, id_hash).await? {
            return Err(AppError::NotFound);
        }
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        tracing::info!(user = %principal.user.id, session = %public_id, "session ended by its owner");
        Ok(())
    }

    /// Ends every session of the user asking but the one asking; returns how many ended.
    pub async fn end_other_sessions(&self, principal: &Principal) -> AppResult<u64> {
        let id_hash = own_session(principal)?;
        let mut tx = self.store.begin().await?;
        let ended = store::delete_sessions_of(&mut tx, principal.user.id, Some(id_hash)).await?;
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        tracing::info!(user = %principal.user.id, ended, "other sessions ended by their owner");
        Ok(ended)
    }

    /// How many API tokens of the user asking are live, in all their organisations: what a
    /// password change would revoke if asked to.
    pub async fn my_live_token_count(
        &self,
        principal: &Principal,
        now: OffsetDateTime,
    ) -> AppResult<i64> {
        let mut conn = self.store.reader().await?;
        Ok(store::count_live_tokens_of(&mut conn, principal.user.id, now).await?)
    }

    /// The user behind a bearer token, if the token is live.
    pub async fn authenticate_token(
        &self,
        secret: &str,
        now: OffsetDateTime,
    ) -> AppResult<Principal> {
        let token_hash = digest(secret);
        if let Some(principal) = self.auth_cache.principal(&token_hash) {
            return Ok(principal);
        }
        let read = self.auth_cache.generation();
        let store::LiveToken {
            token,
            user,
            membership,
        } = {
            let mut conn = self.store.reader().await?;
            store::find_live_token(&mut conn, &token_hash, now)
                .await?
                .ok_or(AppError::Unauthenticated)?
        };
        if token
            .last_used_at
            .is_none_or(|used| now - used > TOKEN_USE_GRANULARITY)
        {
            let mut tx = self.store.begin().await?;
            store::touch_token(&mut tx, token.id, now, TOKEN_USE_GRANULARITY).await?;
            custos_store::commit(tx).await?;
        }
        let principal = Principal {
            user,
            credential: Credential::Token {
                membership,
                scope: token.scope,
            },
        };
        self.auth_cache
            .remember_principal(read, &token_hash, &principal);
        Ok(principal)
    }

    /// Changes one's own password and ends every other session of the user. With
    /// `revoke_tokens`, every API token of the user, in every organisation, is revoked too:
    /// someone who knew the old password could have made one (the password page offers it,
    /// ticked; docs/security.md, "Sessions and tokens").
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: &str,
        new: &str,
        confirmation: &str,
        revoke_tokens: bool,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        let Credential::Session { id_hash } = &principal.credential else {
            return Err(AppError::Forbidden(
                "Change passwords in the web interface.".into(),
            ));
        };
        let stored = {
            let mut conn = self.store.reader().await?;
            store::password_hash(&mut conn, principal.user.id)
                .await?
                .ok_or(AppError::Unauthenticated)?
        };
        if !secrets::verify_password(current.to_owned(), stored).await? {
            return Err(ValidationErrors::single(
                "current_password",
                "This is not your current password.",
            )
            .into());
        }
        check_password_policy(new, "new_password")?;
        if new != confirmation {
            return Err(ValidationErrors::single(
                "confirm_password",
                "The two new passwords differ.",
            )
            .into());
        }
        let hash = secrets::hash_password(new.to_owned()).await?;
        let mut tx = self.store.begin().await?;
        store::set_password_hash(&mut tx, principal.user.id, &hash, true, now).await?;
        store::delete_sessions_of(&mut tx, principal.user.id, Some(id_hash)).await?;
        if revoke_tokens {
            let actor = format!("{} <{}>", principal.user.name, principal.user.email);
            revoke_every_token(
                &mut tx,
                principal.user.id,
                Some(principal.user.id),
                &actor,
                "password changed",
                now,
            )
            .await?;
        }
        let user = UserSnapshot::from(&principal.user);
        audit_store::append(
            &mut tx,
            NewEvent {
                org_id: None,
                actor_id: Some(principal.user.id),
                actor: &principal.user.email,
                action: AuditAction::Update,
                // The user record: the event's snapshot is the account, whose password changed.
                record_type: RecordType::User.as_str(),
                record_id: principal.user.id.to_string(),
                before: None,
                after: Some(snapshot(&user)?),
                occurred_at: now,
            },
        )
        .await?;
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        Ok(())
    }

    /// The organisations of the user asking, with their role in each.
    pub async fn memberships(&self, principal: &Principal) -> AppResult<Vec<Membership>> {
        let mut conn = self.store.reader().await?;
        Ok(store::memberships_of(&mut conn, principal.user.id).await?)
    }
}

/// The session of a principal that came with a session cookie; API tokens have no sessions
/// page and cannot end sessions.
fn own_session(principal: &Principal) -> AppResult<&str> {
    match &principal.credential {
        Credential::Session { id_hash } => Ok(id_hash),
        _ => Err(AppError::Forbidden(
            "Sessions are seen and ended in the web interface.".into(),
        )),
    }
}

/// Revokes every live API token of a user, each recorded in its organisation's audit trail
/// with `reason`.
pub(super) async fn revoke_every_token(
    tx: &mut custos_store::Tx,
    user_id: Uuid,
    actor_id: Option<Uuid>,
    actor: &str,
    reason: &str,
    now: OffsetDateTime,
) -> AppResult<usize> {
    let revoked = store::revoke_every_token_of(tx, user_id, now).await?;
    for (token_id, org_id) in &revoked {
        let after = serde_json::json!({ "revoked_at": timestamp::format(now), "reason": reason });
        let change = Change::updated(
            RecordType::ApiToken,
            token_id,
            &serde_json::Value::Null,
            &after,
        )?;
        append_change(tx, Some(*org_id), actor_id, actor, change, now).await?;
    }
    Ok(revoked.len())
}
