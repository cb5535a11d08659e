//! Platform use cases: log-in and sessions, users, organisations and memberships, API
//! tokens, and the audit trail (reading it and proving its chains).

use custos_domain::ValidationErrors;
use custos_domain::list::{Listed, Page};
use custos_domain::platform::{
    AuditAction, AuditEvent, AuditFilter, Email, LOCKOUT_MINUTES, MAX_FAILED_LOGINS, Membership,
    Organisation, Permission, RecordType, Role, Slug, TokenScope, User, check_password_policy,
};
use custos_domain::validation::required_text;
use custos_store::audit::{self, NewEvent};
use custos_store::platform as store;
use custos_store::timestamp;
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub mod admin;
pub(crate) mod auth_cache;

use crate::secrets::{self, digest, random_secret};
use crate::{App, AppError, AppResult, Credential, OrgContext, Principal, snapshot};

/// A new log-in: the user and the session secret for the cookie.
pub struct NewSession {
    pub user: User,
    pub secret: String,
    pub expires_at: OffsetDateTime,
}

/// A newly created API token; `secret` is shown once and never stored.
#[derive(Debug, Serialize)]
pub struct NewToken {
    pub token: crate::ApiToken,
    pub secret: String,
}

/// What the audit trail stores of a user: never the password hash.
#[derive(Serialize)]
struct UserSnapshot<'a> {
    id: Uuid,
    email: &'a str,
    name: &'a str,
    disabled: bool,
    instance_admin: bool,
}

impl<'a> From<&'a User> for UserSnapshot<'a> {
    fn from(user: &'a User) -> Self {
        Self {
            id: user.id,
            email: &user.email,
            name: &user.name,
            disabled: user.disabled,
            instance_admin: user.instance_admin,
        }
    }
}

const CLI_ACTOR: &str = "custos command line";

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
        let secret = random_secret()?;
        let expires_at = now + self.settings.session_lifetime;
        store::insert_session(&mut tx, &digest(&secret), user_id, now, expires_at).await?;
        store::delete_expired_sessions(&mut tx, now).await?;
        custos_store::commit(tx).await?;
        Ok(NewSession {
            user: credentials.user,
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
        audit::append(
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

    /// Active members of the organisation, for owner pickers: every member may see who else
    /// belongs to their organisation.
    pub async fn members(&self, ctx: &OrgContext) -> AppResult<Vec<crate::Member>> {
        let mut conn = self.store.reader().await?;
        Ok(store::members_of(&mut conn, ctx.org_id()).await?)
    }

    /// Creates an API token for the member behind `ctx`.
    pub async fn create_token(
        &self,
        ctx: &OrgContext,
        name: &str,
        scope: TokenScope,
        lifetime_days: i64,
        now: OffsetDateTime,
    ) -> AppResult<NewToken> {
        ctx.require(Permission::ManageOwnTokens)?;
        if ctx.token_scope.is_some() {
            return Err(AppError::Forbidden(
                "API tokens cannot create API tokens.".into(),
            ));
        }
        self.insert_token(
            ctx.org_id(),
            &ctx.user,
            &ctx.actor_label(),
            name,
            scope,
            lifetime_days,
            now,
        )
        .await
    }

    #[expect(clippy::too_many_arguments)]
    async fn insert_token(
        &self,
        org_id: Uuid,
        user: &User,
        actor: &str,
        name: &str,
        scope: TokenScope,
        lifetime_days: i64,
        now: OffsetDateTime,
    ) -> AppResult<NewToken> {
        let mut errors = ValidationErrors::new();
        let name = required_text(&mut errors, "name", name, 100);
        if !(1..=366).contains(&lifetime_days) {
            errors.add("expires_in_days", "Choose between 1 and 366 days.");
        }
        errors.into_result(())?;
        let secret = format!("custos_{}", random_secret()?);
        let token = crate::ApiToken {
            id: Uuid::now_v7(),
            org_id,
            user_id: user.id,
            name,
            scope,
            expires_at: now + Duration::days(lifetime_days),
            revoked_at: None,
            last_used_at: None,
            created_at: now,
        };
        let mut tx = self.store.begin().await?;
        store::insert_api_token(&mut tx, &token, &digest(&secret)).await?;
        audit::append(
            &mut tx,
            NewEvent {
                org_id: Some(org_id),
                actor_id: Some(user.id),
                actor,
                action: AuditAction::Create,
                record_type: RecordType::ApiToken.as_str(),
                record_id: token.id.to_string(),
                before: None,
                after: Some(snapshot(&token)?),
                occurred_at: now,
            },
        )
        .await?;
        custos_store::commit(tx).await?;
        Ok(NewToken { token, secret })
    }

    pub async fn my_tokens(&self, ctx: &OrgContext) -> AppResult<Vec<crate::ApiToken>> {
        ctx.require(Permission::ManageOwnTokens)?;
        let mut conn = self.store.reader().await?;
        Ok(store::tokens_of(&mut conn, ctx.org_id(), ctx.user.id).await?)
    }

    pub async fn revoke_token(
        &self,
        ctx: &OrgContext,
        token_id: Uuid,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        ctx.require(Permission::ManageOwnTokens)?;
        let mut tx = self.store.begin().await?;
        if !store::revoke_token(&mut tx, ctx.org_id(), ctx.user.id, token_id, now).await? {
            return Err(AppError::NotFound);
        }
        audit::append(
            &mut tx,
            NewEvent {
                org_id: Some(ctx.org_id()),
                actor_id: Some(ctx.user.id),
                actor: &ctx.actor_label(),
                action: AuditAction::Update,
                record_type: RecordType::ApiToken.as_str(),
                record_id: token_id.to_string(),
                before: None,
                after: Some(serde_json::json!({ "revoked_at": timestamp::format(now) })),
                occurred_at: now,
            },
        )
        .await?;
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        Ok(())
    }

    /// The organisation's audit trail, newest first.
    pub async fn audit_events(
        &self,
        ctx: &OrgContext,
        filter: &AuditFilter,
        page: Page,
    ) -> AppResult<Listed<AuditEvent>> {
        ctx.require(Permission::ViewAuditLog)?;
        let mut conn = self.store.reader().await?;
        Ok(audit::list(&mut conn, ctx.org_id(), filter, page).await?)
    }
}

/// A change to one record, as the audit trail keeps it.
pub(crate) struct Change {
    action: AuditAction,
    record_type: RecordType,
    record_id: String,
    before: Option<serde_json::Value>,
    after: Option<serde_json::Value>,
}

impl Change {
    pub fn created<T: Serialize>(
        record_type: RecordType,
        record_id: impl ToString,
        after: &T,
    ) -> AppResult<Self> {
        Ok(Self {
            action: AuditAction::Create,
            record_type,
            record_id: record_id.to_string(),
            before: None,
            after: Some(snapshot(after)?),
        })
    }

    pub fn updated<B: Serialize, A: Serialize>(
        record_type: RecordType,
        record_id: impl ToString,
        before: &B,
        after: &A,
    ) -> AppResult<Self> {
        Ok(Self {
            action: AuditAction::Update,
            record_type,
            record_id: record_id.to_string(),
            before: Some(snapshot(before)?),
            after: Some(snapshot(after)?),
        })
    }

    pub fn deleted<T: Serialize>(
        record_type: RecordType,
        record_id: impl ToString,
        before: &T,
    ) -> AppResult<Self> {
        Ok(Self {
            action: AuditAction::Delete,
            record_type,
            record_id: record_id.to_string(),
            before: Some(snapshot(before)?),
            after: None,
        })
    }
}

async fn append_change(
    tx: &mut custos_store::Tx,
    org_id: Option<Uuid>,
    actor_id: Option<Uuid>,
    actor: &str,
    change: Change,
    now: OffsetDateTime,
) -> AppResult<()> {
    audit::append(
        tx,
        NewEvent {
            org_id,
            actor_id,
            actor,
            action: change.action,
            record_type: change.record_type.as_str(),
            record_id: change.record_id,
            before: change.before,
            after: change.after,
            occurred_at: now,
        },
    )
    .await?;
    Ok(())
}

/// The result of adding a member: a new account comes with a password shown once.
#[derive(Debug)]
pub struct AddedMember {
    pub user: User,
    pub role: Role,
    pub new_password: Option<String>,
}

fn membership_snapshot(user: &User, role: Role) -> serde_json::Value {
    serde_json::json!({ "user_id": user.id, "email": user.email, "name": user.name, "role": role })
}

impl App {
    /// The members of the organisation, for the administrators who manage them.
    pub async fn list_members(&self, ctx: &OrgContext) -> AppResult<Vec<crate::Member>> {
        ctx.require(Permission::ManageMembers)?;
        self.members(ctx).await
    }

    /// Adds a person to the organisation with `role`. Someone without an account gets one,
    /// with a generated password that is returned once for the administrator to pass on and
    /// that its owner must replace at first log-in. People who already have an account are
    /// added by instance administrators only.
    pub async fn add_member(
        &self,
        ctx: &OrgContext,
        email: &str,
        name: &str,
        role: Role,
        now: OffsetDateTime,
    ) -> AppResult<AddedMember> {
        ctx.require(Permission::ManageMembers)?;
        // Both fields are required whatever the address, so trying addresses one by one
        // creates (audited) accounts rather than silently telling which exist.
        let mut errors = ValidationErrors::new();
        let email = Email::parse(email)
            .map_err(|e| errors.fields.extend(e.fields))
            .ok();
        let name = required_text(&mut errors, "name", name, 200);
        let email = match email {
            Some(email) if errors.is_empty() => email,
            _ => return Err(errors.into()),
        };
        let existing = {
            let mut conn = self.store.reader().await?;
            store::find_user_by_email(&mut conn, email.as_str()).await?
        };
        let (user, new_password) = match existing {
            Some(user) => {
                check_can_attach(ctx, &user)?;
                (user, None)
            }
            None => {
                let user = User {
                    id: Uuid::now_v7(),
                    email: email.as_str().to_owned(),
                    name,
                    disabled: false,
                    instance_admin: false,
                    must_change_password: true,
                };
                (user, Some(random_secret()?))
            }
        };
        let hash = match &new_password {
            Some(password) => Some(secrets::hash_password(password.clone()).await?),
            None => None,
        };
        let mut tx = self.store.begin().await?;
        store::lock_organisation(&mut tx, ctx.org_id()).await?;
        if store::role_of(&mut tx, ctx.org_id(), user.id)
            .await?
            .is_some()
        {
            return Err(ValidationErrors::single(
                "email",
                "This person is already a member; change their role in the list.",
            )
            .into());
        }
        if let Some(hash) = &hash {
            let new = store::NewUser {
                id: user.id,
                email: &user.email,
                name: &user.name,
                password_hash: hash,
                instance_admin: false,
                must_change_password: true,
            };
            if let Err(e) = store::insert_user(&mut tx, &new, now).await {
                return Err(if e.is_unique_violation() {
                    AppError::Conflict(
                        "That account was created a moment ago; add the member again.".into(),
                    )
                } else {
                    e.into()
                });
            }
            let change = Change::created(RecordType::User, user.id, &UserSnapshot::from(&user))?;
            append_change(
                &mut tx,
                None,
                Some(ctx.user.id),
                &ctx.actor_label(),
                change,
                now,
            )
            .await?;
        }
        store::insert_membership(&mut tx, ctx.org_id(), user.id, role, now).await?;
        let record_id = format!("{}:{}", ctx.org_id(), user.id);
        let change = Change::created(
            RecordType::Membership,
            record_id,
            &membership_snapshot(&user, role),
        )?;
        record_change(&mut tx, ctx, change, now).await?;
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        Ok(AddedMember {
            user,
            role,
            new_password,
        })
    }

    /// Gives a member another role.
    pub async fn change_member_role(
        &self,
        ctx: &OrgContext,
        user_id: Uuid,
        role: Role,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        let mut tx = self
            .begin_membership_change(ctx, user_id, "change your own role")
            .await?;
        let before = store::role_of(&mut tx, ctx.org_id(), user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if before == role {
            return Ok(());
        }
        let user = store::find_user_by_id(&mut tx, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        store::upsert_membership(&mut tx, ctx.org_id(), user_id, role, now).await?;
        keep_an_administrator(&mut tx, ctx).await?;
        let record_id = format!("{}:{}", ctx.org_id(), user_id);
        let change = Change::updated(
            RecordType::Membership,
            record_id,
            &membership_snapshot(&user, before),
            &membership_snapshot(&user, role),
        )?;
        record_change(&mut tx, ctx, change, now).await?;
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        Ok(())
    }

    /// Removes a member and revokes their API tokens for the organisation.
    pub async fn remove_member(
        &self,
        ctx: &OrgContext,
        user_id: Uuid,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        let mut tx = self
            .begin_membership_change(ctx, user_id, "remove yourself")
            .await?;
        let role = store::role_of(&mut tx, ctx.org_id(), user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let user = store::find_user_by_id(&mut tx, user_id)
            .await?
            .ok_or(AppError::NotFound)?;
        store::delete_membership(&mut tx, ctx.org_id(), user_id).await?;
        keep_an_administrator(&mut tx, ctx).await?;
        for token_id in store::revoke_tokens_of(&mut tx, ctx.org_id(), user_id, now).await? {
            let revoked = serde_json::json!({ "revoked_at": timestamp::format(now), "reason": "member removed" });
            record_change(
                &mut tx,
                ctx,
                Change::updated(
                    RecordType::ApiToken,
                    token_id,
                    &serde_json::Value::Null,
                    &revoked,
                )?,
                now,
            )
            .await?;
        }
        let record_id = format!("{}:{}", ctx.org_id(), user_id);
        record_change(
            &mut tx,
            ctx,
            Change::deleted(
                RecordType::Membership,
                record_id,
                &membership_snapshot(&user, role),
            )?,
            now,
        )
        .await?;
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        Ok(())
    }

    /// Starts a change to someone else's membership: the organisation is locked so changes
    /// apply one at a time, and the actor must still be an administrator when it happens.
    async fn begin_membership_change(
        &self,
        ctx: &OrgContext,
        user_id: Uuid,
        refused: &str,
    ) -> AppResult<custos_store::Tx> {
        ctx.require(Permission::ManageMembers)?;
        if user_id == ctx.user.id {
            return Err(AppError::Forbidden(format!(
                "You cannot {refused}; ask another administrator."
            )));
        }
        let mut tx = self.store.begin().await?;
        store::lock_organisation(&mut tx, ctx.org_id()).await?;
        let actor_role = store::role_of(&mut tx, ctx.org_id(), ctx.user.id).await?;
        if !actor_role.is_some_and(|role| role.allows(Permission::ManageMembers)) {
            return Err(AppError::Forbidden(
                "Your role changed a moment ago; reload the page.".into(),
            ));
        }
        Ok(tx)
    }
}

/// Refuses a change that leaves the organisation without an administrator (two
/// administrators demoting each other at the same moment, say).
async fn keep_an_administrator(tx: &mut custos_store::Tx, ctx: &OrgContext) -> AppResult<()> {
    if store::count_role(tx, ctx.org_id(), Role::Admin).await? == 0 {
        return Err(AppError::Conflict(
            "The organisation needs at least one administrator.".into(),
        ));
    }
    Ok(())
}

/// Whether an existing account may join the organisation of `ctx`. Organisation
/// administrators could otherwise pull in people from other organisations; and an account
/// whose password its owner never chose is known to whoever created it.
fn check_can_attach(ctx: &OrgContext, user: &User) -> AppResult<()> {
    if !ctx.user.instance_admin {
        return Err(ValidationErrors::single(
            "email",
            "This person already has an account on this Custos instance; an instance \
             administrator can add them (custos user grant).",
        )
        .into());
    }
    check_owner_chose_password(user)
}

fn check_owner_chose_password(user: &User) -> AppResult<()> {
    if user.must_change_password {
        return Err(ValidationErrors::single(
            "email",
            "This account's owner has not yet replaced the password they were given; they must \
             log in and choose their own before joining another organisation.",
        )
        .into());
    }
    Ok(())
}

/// Records a change made from the command line.
async fn cli_event(
    tx: &mut custos_store::Tx,
    org_id: Option<Uuid>,
    change: Change,
    now: OffsetDateTime,
) -> AppResult<()> {
    append_change(tx, org_id, None, CLI_ACTOR, change, now).await
}

/// Records a change made by a member, in the caller's transaction.
pub(crate) async fn record_change(
    tx: &mut custos_store::Tx,
    ctx: &OrgContext,
    change: Change,
    now: OffsetDateTime,
) -> AppResult<()> {
    append_change(
        tx,
        Some(ctx.org_id()),
        Some(ctx.user.id),
        &ctx.actor_label(),
        change,
        now,
    )
    .await
}

/// A strong random password for accounts created without one.
pub fn generate_password() -> AppResult<String> {
    random_secret()
}
