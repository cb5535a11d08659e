//! The organisation's risk method, versioned and approved by senior management through the
//! register kit ([`crate::versions`]). Until a version is approved, the built-in 5 × 5
//! template is shown and no risk can be scored.

use custos_domain::ValidationErrors;
use custos_domain::governance::Approval;
use custos_domain::platform::{Permission, RecordType};
use custos_domain::risk::method::{RiskMethod, Template};
use custos_domain::versions::Version;
use custos_store::Conn;
use custos_store::versions::{RISK_METHOD, VersionTable};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::versions::VersionedBody;
use crate::{App, AppResult, OrgContext};

impl VersionedBody for RiskMethod {
    const TYPE: RecordType = RecordType::RiskMethod;
    const TABLE: VersionTable = RISK_METHOD;
    const NAME: &'static str = "risk method";
    const VIEW: Permission = Permission::ViewRisks;

    fn content(&self) -> Vec<(&'static str, String)> {
        RiskMethod::content(self)
    }
}

/// A version of the risk method as stored.
pub type MethodVersion = Version<RiskMethod>;

/// The approved method risks are scored with, read on `conn`; `None` while no version is
/// approved.
pub(crate) async fn method_in(conn: &mut Conn, org_id: Uuid) -> AppResult<Option<MethodVersion>> {
    Ok(RISK_METHOD.approved(conn, org_id).await?)
}

impl App {
    /// The method in force: the newest approved version; `None` while none is approved.
    pub async fn risk_method(&self, ctx: &OrgContext) -> AppResult<Option<MethodVersion>> {
        self.version_in_force(ctx).await
    }

    /// Every version of the method, newest first.
    pub async fn risk_method_versions(&self, ctx: &OrgContext) -> AppResult<Vec<MethodVersion>> {
        self.all_versions(ctx).await
    }

    pub async fn risk_method_version(
        &self,
        ctx: &OrgContext,
        version: i64,
    ) -> AppResult<MethodVersion> {
        self.one_version(ctx, version).await
    }

    /// The draft being edited, if there is one.
    pub async fn risk_method_draft(&self, ctx: &OrgContext) -> AppResult<Option<MethodVersion>> {
        self.version_draft(ctx).await
    }

    /// What a new draft starts from: `template` when one is asked for, otherwise the newest
    /// version (so a rejected version is corrected rather than typed again), or the 5 × 5
    /// template when there is none.
    pub async fn risk_method_draft_start(
        &self,
        ctx: &OrgContext,
        template: Option<Template>,
    ) -> AppResult<RiskMethod> {
        ctx.require(Permission::ViewRisks)?;
        if let Some(template) = template {
            return Ok(RiskMethod::template(template));
        }
        let mut conn = self.store.reader().await?;
        let newest: Option<MethodVersion> = RISK_METHOD.newest(&mut conn, ctx.org_id()).await?;
        Ok(newest.map_or_else(
            || RiskMethod::template(Template::FiveByFive),
            |version| version.body,
        ))
    }

    /// Saves `method` as the draft (see [`App::save_version_draft`]).
    pub async fn save_risk_method_draft(
        &self,
        ctx: &OrgContext,
        expected_revision: i64,
        method: RiskMethod,
        now: OffsetDateTime,
    ) -> AppResult<MethodVersion> {
        ctx.require(Permission::ManageRiskMethod)?;
        let method = method.checked()?;
        self.save_version_draft(ctx, expected_revision, method, now)
            .await
    }

    /// Reads a CISO Assistant risk-matrix library into the draft; returns the draft and what
    /// the file did not say (responses, accepting roles, review intervals), to check before
    /// submitting.
    pub async fn import_risk_matrix(
        &self,
        ctx: &OrgContext,
        expected_revision: i64,
        yaml: &str,
        now: OffsetDateTime,
    ) -> AppResult<(MethodVersion, Vec<String>)> {
        ctx.require(Permission::ManageRiskMethod)?;
        let imported = custos_formats::ciso_assistant::risk_matrix(yaml)
            .map_err(|e| ValidationErrors::single("file", e.to_string()))?;
        let draft = self
            .save_version_draft(ctx, expected_revision, imported.method, now)
            .await?;
        Ok((draft, imported.notes))
    }

    /// Sends draft `version` of the method to senior management.
    pub async fn submit_risk_method_draft(
        &self,
        ctx: &OrgContext,
        version: i64,
        expected_revision: Option<i64>,
        note: &str,
        now: OffsetDateTime,
    ) -> AppResult<Approval> {
        ctx.require(Permission::ManageRiskMethod)?;
        self.submit_version_draft::<RiskMethod>(ctx, version, expected_revision, note, now)
            .await
    }
}
