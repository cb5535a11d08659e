//! Members of an organisation: given a role, removed; never leaving the organisation without
//! an administrator. People join by invitation (see `invitations`).

use super::*;

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

    /// Roles that decide (administrator, approver) given to others in the last 30 days,
    /// announced to the members who hold those roles: a second account made to sign off
    /// one's own work does not go unnoticed by the other deciders.
    pub async fn recent_decider_grants(
        &self,
        ctx: &OrgContext,
        now: OffsetDateTime,
    ) -> AppResult<Vec<crate::RoleGrant>> {
        const DECIDING: [Role; 2] = [Role::Admin, Role::Approver];
        if !DECIDING.contains(&ctx.role()) {
            return Ok(Vec::new());
        }
        let mut conn = self.store.reader().await?;
        let since = now - Duration::days(30);
        let me = ctx.user().id;
        Ok(store::role_grants_since(&mut conn, ctx.org_id(), &DECIDING, since, me).await?)
    }

    /// The members of the organisation and their roles, for the administrators who manage
    /// them and the auditors who review access (ISO 27001 5.18).
    pub async fn list_members(&self, ctx: &OrgContext) -> AppResult<Vec<crate::Member>> {
        ctx.require(Permission::ViewMembers)?;
        self.members(ctx).await
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
        store::upsert_membership(&mut tx, ctx.org_id(), user_id, role, Some(ctx.user.id), now)
            .await?;
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
