//! API tokens: made by their owner for one organisation, hashed, scoped, expiring, revocable.

use super::*;

/// A newly created API token; `secret` is shown once and never stored.
#[derive(Debug, Serialize)]
pub struct NewToken {
    pub token: crate::ApiToken,
    pub secret: String,
}

impl App {
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
    pub(crate) async fn insert_token(
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
        let name = required_text(&mut errors, "name", name, 100, Lines::One);
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
        audit_store::append(
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
        audit_store::append(
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
}
