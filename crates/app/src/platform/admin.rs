//! Administration of the instance from the command line: accounts, organisations, roles
//! granted by whoever runs Custos, tokens made for scripts, the demo, and proving the audit
//! trail. It is what whoever can reach the database may do, so it comes from the database URL
//! itself ([`Administration::connect`]); code that was only given an [`App`] (every request
//! handler) cannot reach these operations.

use std::ops::Deref;

use super::*;
use crate::Settings;

/// The command line's access to the instance. Derefs to the [`App`] it serves with.
#[derive(Clone)]
pub struct Administration {
    app: App,
}

impl Administration {
    /// Connects to the database at `database_url` with the rights of its owner.
    pub async fn connect(database_url: &str, settings: Settings) -> AppResult<Self> {
        Ok(Self {
            app: App::connect(database_url, settings).await?,
        })
    }

    /// The application, to serve requests with.
    pub fn app(&self) -> &App {
        &self.app
    }
}

impl Deref for Administration {
    type Target = App;

    fn deref(&self) -> &App {
        &self.app
    }
}

impl Administration {
    /// Applies migrations up to `version` only: for upgrade tests from an older schema.
    pub async fn migrate_up_to(&self, version: i64) -> AppResult<usize> {
        Ok(self.store.migrate_up_to(version).await?)
    }

    pub async fn user_count(&self) -> AppResult<i64> {
        let mut conn = self.store.reader().await?;
        Ok(store::count_users(&mut conn).await?)
    }

    pub async fn list_users(&self) -> AppResult<Vec<User>> {
        let mut conn = self.store.reader().await?;
        Ok(store::list_users(&mut conn).await?)
    }

    pub async fn list_organisations(&self) -> AppResult<Vec<Organisation>> {
        let mut conn = self.store.reader().await?;
        Ok(store::list_organisations(&mut conn).await?)
    }

    /// Creates a user from the command line (instance administration).
    pub async fn create_user(
        &self,
        email: &str,
        name: &str,
        password: &str,
        instance_admin: bool,
        now: OffsetDateTime,
    ) -> AppResult<User> {
        let mut errors = ValidationErrors::new();
        let email = Email::parse(email)
            .map_err(|e| errors.fields.extend(e.fields))
            .ok();
        let name = required_text(&mut errors, "name", name, 200, Lines::One);
        if let Err(e) = check_password_policy(password, "password") {
            errors.fields.extend(e.fields);
        }
        let email = match email {
            Some(email) if errors.is_empty() => email,
            _ => return Err(errors.into()),
        };
        let hash = secrets::hash_password(password.to_owned()).await?;
        let user = User {
            id: Uuid::now_v7(),
            email: email.as_str().to_owned(),
            name,
            disabled: false,
            instance_admin,
            must_change_password: false,
        };
        let mut tx = self.store.begin().await?;
        let insert = store::insert_user(
            &mut tx,
            &store::NewUser {
                id: user.id,
                email: &user.email,
                name: &user.name,
                password_hash: &hash,
                instance_admin,
                must_change_password: false,
            },
            now,
        )
        .await;
        if let Err(e) = insert {
            return Err(if e.is_unique_violation() {
                ValidationErrors::single("email", "A user with this e-mail address exists.").into()
            } else {
                e.into()
            });
        }
        let change = Change::created(RecordType::User, user.id, &UserSnapshot::from(&user))?;
        cli_event(&mut tx, None, change, now).await?;
        custos_store::commit(tx).await?;
        Ok(user)
    }

    pub async fn find_user_by_email(&self, email: &str) -> AppResult<User> {
        let email = Email::parse(email)?;
        let mut conn = self.store.reader().await?;
        store::find_user_by_email(&mut conn, email.as_str())
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Disables (or re-enables) a user. Disabling ends their sessions and revokes their API
    /// tokens in every organisation, at once: enabling the account again brings back neither.
    pub async fn set_user_disabled(
        &self,
        email: &str,
        disabled: bool,
        now: OffsetDateTime,
    ) -> AppResult<User> {
        let before = self.find_user_by_email(email).await?;
        let after = User {
            disabled,
            ..before.clone()
        };
        let mut tx = self.store.begin().await?;
        store::set_user_disabled(&mut tx, before.id, disabled).await?;
        if disabled {
            store::delete_sessions_of(&mut tx, before.id, None).await?;
            super::auth::revoke_every_token(
                &mut tx,
                before.id,
                None,
                CLI_ACTOR,
                "account disabled",
                now,
            )
            .await?;
        }
        let change = Change::updated(
            RecordType::User,
            before.id,
            &UserSnapshot::from(&before),
            &UserSnapshot::from(&after),
        )?;
        cli_event(&mut tx, None, change, now).await?;
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        Ok(after)
    }

    /// Sets a new password from the command line and ends the user's sessions.
    pub async fn reset_password(
        &self,
        email: &str,
        password: &str,
        now: OffsetDateTime,
    ) -> AppResult<User> {
        let user = self.find_user_by_email(email).await?;
        check_password_policy(password, "password")?;
        let hash = secrets::hash_password(password.to_owned()).await?;
        let mut tx = self.store.begin().await?;
        // Whoever ran the command knows this password: its owner must replace it.
        store::set_password_hash(&mut tx, user.id, &hash, false, now).await?;
        store::delete_sessions_of(&mut tx, user.id, None).await?;
        let change = Change::updated(
            RecordType::User,
            user.id,
            &serde_json::Value::Null,
            &UserSnapshot::from(&user),
        )?;
        cli_event(&mut tx, None, change, now).await?;
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        Ok(user)
    }

    /// Creates an organisation, or returns the existing one with this slug. Its chain is
    /// rooted in the instance chain as from the web ([`App::create_organisation`]).
    pub async fn ensure_organisation(
        &self,
        slug: &str,
        name: &str,
        now: OffsetDateTime,
    ) -> AppResult<Organisation> {
        let slug = Slug::parse(slug)?;
        let mut errors = ValidationErrors::new();
        let name = required_text(&mut errors, "name", name, 200, Lines::One);
        errors.into_result(())?;
        let mut tx = self.store.begin().await?;
        if let Some(existing) = store::find_organisation_by_slug(&mut tx, slug.as_str()).await? {
            return Ok(existing);
        }
        let organisation =
            create_organisation_in(&mut tx, &slug, name, Founder::CommandLine, now).await?;
        custos_store::commit(tx).await?;
        Ok(organisation)
    }

    /// Gives a user a role in an organisation (replacing any previous role there).
    pub async fn grant_role(
        &self,
        slug: &str,
        email: &str,
        role: Role,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        let user = self.find_user_by_email(email).await?;
        let mut tx = self.store.begin().await?;
        let organisation = store::find_organisation_by_slug(&mut tx, slug)
            .await?
            .ok_or(AppError::NotFound)?;
        let previous = store::role_of(&mut tx, organisation.id, user.id).await?;
        if previous.is_none() {
            check_owner_chose_password(&user)?;
        }
        // Given by the instance's operator, not by a member: no granter to record.
        store::upsert_membership(&mut tx, organisation.id, user.id, role, None, now).await?;
        let membership = |role: Role| membership_snapshot(&user, role);
        let record_id = format!("{}:{}", organisation.id, user.id);
        let change = match previous {
            Some(before) => Change::updated(
                RecordType::Membership,
                record_id,
                &membership(before),
                &membership(role),
            )?,
            None => Change::created(RecordType::Membership, record_id, &membership(role))?,
        };
        cli_event(&mut tx, Some(organisation.id), change, now).await?;
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        Ok(())
    }

    /// The command line acting in organisation `slug` with an administrator's rights, for the
    /// use cases it runs on an organisation's records (importing and exporting registers).
    /// Its changes are recorded in the audit trail as the command line's, like the roles
    /// it grants.
    pub async fn command_line_context(&self, slug: &str) -> AppResult<OrgContext> {
        let mut conn = self.store.reader().await?;
        let organisation = store::find_organisation_by_slug(&mut conn, slug)
            .await?
            .ok_or_else(|| AppError::Conflict(format!("There is no organisation {slug}.")))?;
        Ok(OrgContext {
            organisation,
            user: User {
                id: Uuid::nil(),
                email: String::new(),
                name: CLI_ACTOR.to_owned(),
                disabled: false,
                instance_admin: true,
                must_change_password: false,
            },
            role: Role::Admin,
            token_scope: None,
            command_line: true,
        })
    }

    /// Creates an API token from the command line for a member of `slug`.
    pub async fn create_token_cli(
        &self,
        slug: &str,
        email: &str,
        name: &str,
        scope: TokenScope,
        lifetime_days: i64,
        now: OffsetDateTime,
    ) -> AppResult<NewToken> {
        let user = self.find_user_by_email(email).await?;
        let principal = Principal {
            user: user.clone(),
            credential: Credential::Cli,
        };
        let ctx = self
            .org_context(&principal, slug)
            .await
            .map_err(|e| match e {
                AppError::NotFound => {
                    AppError::Conflict(format!("{email} is not a member of {slug}"))
                }
                other => other,
            })?;
        ctx.require(Permission::ManageOwnTokens)?;
        self.insert_token(
            ctx.org_id(),
            &user,
            CLI_ACTOR,
            name,
            scope,
            lifetime_days,
            now,
        )
        .await
    }

    /// Recomputes every audit chain of the instance and checks that each organisation's chain
    /// is rooted in the instance chain.
    pub async fn verify_audit_chains(&self) -> AppResult<Vec<crate::ChainReport>> {
        self.verify_audit_from(&[]).await
    }

    /// As [`Self::verify_audit_chains`], recomputing each chain from a point verified before
    /// rather than from its first event.
    pub(crate) async fn verify_audit_from(
        &self,
        verified: &[ChainPoint],
    ) -> AppResult<Vec<crate::ChainReport>> {
        let anchors = audit_store::Anchors {
            checkpoints: &[],
            verified,
        };
        Ok(audit_store::verify(&self.store, anchors).await?.chains)
    }

    /// Verifies the audit trail and that it still holds every checkpoint whose signature
    /// verifies with one of `keys`.
    pub async fn verify_audit_trail(
        &self,
        checkpoints: &[super::checkpoints::ReadCheckpoint],
        keys: &[super::checkpoints::AuditPublicKey],
    ) -> AppResult<super::checkpoints::AuditVerification> {
        super::checkpoints::verify_trail(&self.store, checkpoints, keys).await
    }
}
