//! Log-in, sessions and API-token authentication, password changes, and the organisations
//! a user belongs to.

use super::*;

/// A new log-in: the user and the session secret for the cookie.
pub struct NewSession {
    pub user: User,
    pub secret: String,
    pub expires_at: OffsetDateTime,
}

/// How precisely "last used" is kept for API tokens.
const TOKEN_USE_GRANULARITY: Duration = Duration::minutes(10);

impl App {
    /// Checks a password and opens a new session. Repeated failures lock the account for a
    /// while; unknown addresses take as long to refuse as known ones.
    pub async fn log_in(
        &self,
        email: &str,
        password: &str,
        now: OffsetDateTime,
    ) -> AppResult<NewSession> {
        let email = Email::parse(email).map_err(|_| AppError::InvalidCredentials)?;
        let credentials = {
            let mut conn = self.store.reader().await?;
            store::find_credentials(&mut conn, email.as_str()).await?
        };
        let Some(credentials) = credentials else {
            secrets::verify_password(password.to_owned(), secrets::DUMMY_HASH.to_owned()).await?;
            return Err(AppError::InvalidCredentials);
        };
        // A locked account still pays for a password check, so its answer takes as long.
        let valid =
            secrets::verify_password(password.to_owned(), credentials.password_hash.clone())
                .await?;
        if let Some(until) = credentials.locked_until
            && until > now
        {
            return Err(AppError::LockedOut { until });
        }
        let user_id = credentials.user.id;
        let mut tx = self.store.begin().await?;
        if !valid {
            let failed = store::count_failed_login(&mut tx, user_id).await?;
            let locked_until =
                (failed >= MAX_FAILED_LOGINS).then(|| now + Duration::minutes(LOCKOUT_MINUTES));
            if let Some(until) = locked_until {
                store::lock_account(&mut tx, user_id, until).await?;
            }
            custos_store::commit(tx).await?;
            tracing::info!(user = %user_id, failures = failed, locked = locked_until.is_some(), "failed log-in");
            return Err(match locked_until {
                Some(until) => AppError::LockedOut { until },
                None => AppError::InvalidCredentials,
            });
        }
        if credentials.user.disabled {
            return Err(AppError::InvalidCredentials);
        }
        store::clear_failed_logins(&mut tx, user_id).await?;
        let session = self.open_session(&mut tx, &credentials.user, now).await?;
        custos_store::commit(tx).await?;
        Ok(session)
    }

    /// Opens a session for `user` in the caller's transaction (log-in, or an invitation
    /// accepted with a new account).
    pub(crate) async fn open_session(
        &self,
        tx: &mut custos_store::Tx,
        user: &User,
        now: OffsetDateTime,
    ) -> AppResult<NewSession> {
        let secret = random_secret()?;
        let expires_at = now + self.settings.session_lifetime;
        store::insert_session(tx, &digest(&secret), user.id, now, expires_at).await?;
        store::delete_expired_sessions(tx, now).await?;
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

    /// The user behind a session cookie, if the session is live.
    pub async fn authenticate_session(
        &self,
        secret: &str,
        now: OffsetDateTime,
    ) -> AppResult<Principal> {
        let id_hash = digest(secret);
        if let Some(principal) = self.auth_cache.principal(&id_hash) {
            return Ok(principal);
        }
        let mut conn = self.store.reader().await?;
        let user = store::session_user(&mut conn, &id_hash, now)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let principal = Principal {
            user,
            credential: Credential::Session {
                id_hash: id_hash.clone(),
            },
        };
        self.auth_cache.remember_principal(&id_hash, &principal);
        Ok(principal)
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
        self.auth_cache.remember_principal(&token_hash, &principal);
        Ok(principal)
    }

    /// Changes one's own password and ends every other session of the user.
    pub async fn change_password(
        &self,
        principal: &Principal,
        current: &str,
        new: &str,
        confirmation: &str,
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
