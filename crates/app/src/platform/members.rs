//! Members of an organisation: added (with an account when they have none), given a role,
//! removed; never leaving the organisation without an administrator.

use super::*;

/// The result of adding a member: a new account comes with a password shown once.
#[derive(Debug)]
pub struct AddedMember {
    pub user: User,
    pub role: Role,
    pub new_password: Option<String>,
}

pub(crate) fn membership_snapshot(user: &User, role: Role) -> serde_json::Value {
    serde_json::json!({ "user_id": user.id, "email": user.email, "name": user.name, "role": role })
}

impl App {
    /// Active members of the organisation, for owner pickers: every member may see who else
    /// belongs to their organisation.
    pub async fn members(&self, ctx: &OrgContext) -> AppResult<Vec<crate::Member>> {
        let mut conn = self.store.reader().await?;
        Ok(store::members_of(&mut conn, ctx.org_id()).await?)
    }

    /// The members of the organisation and their roles, for the administrators who manage
    /// them and the auditors who review access (ISO 27001 5.18).
    pub async fn list_members(&self, ctx: &OrgContext) -> AppResult<Vec<crate::Member>> {
        ctx.require(Permission::ViewMembers)?;
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
        let name = required_text(&mut errors, "name", name, 200, Lines::One);
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
pub(crate) async fn keep_an_administrator(
    tx: &mut custos_store::Tx,
    ctx: &OrgContext,
) -> AppResult<()> {
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
pub(crate) fn check_can_attach(ctx: &OrgContext, user: &User) -> AppResult<()> {
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

pub(crate) fn check_owner_chose_password(user: &User) -> AppResult<()> {
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
