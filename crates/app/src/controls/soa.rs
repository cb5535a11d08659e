//! The Statement of Applicability, versioned and approved by senior management through the
//! register kit ([`crate::versions`]), over the Annex A controls of the ISO/IEC 27001:2022
//! library Custos ships.

use std::collections::BTreeMap;

use custos_domain::controls::soa::{
    ImplementationStatus, SOA_FRAMEWORK, SOA_TAG, StatementOfApplicability,
};
use custos_domain::governance::Approval;
use custos_domain::platform::{Permission, RecordType};
use custos_domain::risk::register::reference;
use custos_domain::versions::Version;
use custos_domain::{FieldError, ValidationErrors};
use custos_store::Conn;
use custos_store::versions::{SOA, VersionTable};
use time::OffsetDateTime;

use crate::assets::RegisterFormat;
use crate::versions::VersionedBody;
use crate::{App, AppError, AppResult, OrgContext};

impl VersionedBody for StatementOfApplicability {
    const TYPE: RecordType = RecordType::Soa;
    const TABLE: VersionTable = SOA;
    const NAME: &'static str = "Statement of Applicability";
    const VIEW: Permission = Permission::ViewControls;

    fn content(&self) -> Vec<(&'static str, String)> {
        StatementOfApplicability::content(self)
    }
}

/// A version of the statement as stored.
pub type SoaVersion = Version<StatementOfApplicability>;

/// The Annex A controls the statement lists, in the library's order, with their titles.
async fn annex_a(conn: &mut Conn) -> AppResult<Vec<(String, String)>> {
    let framework = custos_store::frameworks::framework(conn, SOA_FRAMEWORK)
        .await?
        .ok_or_else(|| AppError::Internal(format!("the {SOA_FRAMEWORK} library is not loaded")))?;
    Ok(framework
        .requirements
        .into_iter()
        .filter(|r| !r.withdrawn && r.requirement.tags.iter().any(|t| t == SOA_TAG))
        .map(|r| (r.requirement.id, r.requirement.title))
        .collect())
}

/// The columns of the exported statement, in the order auditors read them.
pub const SOA_COLUMNS: [&str; 10] = [
    "identifier",
    "control",
    "applicable",
    "reasons",
    "justification",
    "risks",
    "implemented",
    "status",
    "status_reason",
    "references",
];

impl App {
    /// Version `version` of the statement (the one in force when `None`) as a CSV or XLSX
    /// file with [`SOA_COLUMNS`]; its file name names the version.
    pub async fn soa_file(
        &self,
        ctx: &OrgContext,
        version: Option<i64>,
        format: RegisterFormat,
    ) -> AppResult<(String, Vec<u8>)> {
        let soa = match version {
            Some(version) => self.soa_version(ctx, version).await?,
            None => self.soa(ctx).await?.ok_or(AppError::NotFound)?,
        };
        let yes_no = |yes: bool| if yes { "yes" } else { "no" }.to_owned();
        let rows = soa
            .body
            .entries
            .iter()
            .map(|e| {
                vec![
                    e.control.clone(),
                    e.title.clone(),
                    yes_no(e.applicable),
                    e.reasons
                        .iter()
                        .map(|r| r.label())
                        .collect::<Vec<_>>()
                        .join("; "),
                    e.justification.clone(),
                    e.risks.join(", "),
                    if e.applicable {
                        yes_no(e.status == ImplementationStatus::Implemented)
                    } else {
                        String::new()
                    },
                    e.status.label().to_owned(),
                    e.status_reason.clone(),
                    e.references.clone(),
                ]
            })
            .collect();
        let name = format!(
            "statement-of-applicability-v{}-{}.{}",
            soa.version,
            soa.status.as_str().replace('_', "-"),
            format.extension()
        );
        let sheet = "Statement of Applicability";
        Ok((
            name,
            crate::export::file(format, sheet, &SOA_COLUMNS, rows)?,
        ))
    }

    /// The statement in force: the newest approved version; `None` while none is approved.
    pub async fn soa(&self, ctx: &OrgContext) -> AppResult<Option<SoaVersion>> {
        self.version_in_force(ctx).await
    }

    /// The Statement of Applicability step of the journey, for members who may read it.
    pub(crate) async fn soa_step(
        &self,
        ctx: &OrgContext,
    ) -> AppResult<Option<custos_domain::journey::JourneyStep>> {
        if !ctx.can(Permission::ViewControls) {
            return Ok(None);
        }
        let mut conn = self.store.reader().await?;
        let in_force: Option<SoaVersion> = SOA.approved(&mut conn, ctx.org_id()).await?;
        let newest: Option<SoaVersion> = SOA.newest(&mut conn, ctx.org_id()).await?;
        let counts = in_force.map(|v| {
            let applicable = v.body.entries.iter().filter(|e| e.applicable);
            let implemented = applicable
                .clone()
                .filter(|e| e.status == ImplementationStatus::Implemented)
                .count();
            (applicable.count(), implemented)
        });
        Ok(Some(custos_domain::controls::soa::soa_step(
            counts,
            newest.is_some(),
        )))
    }

    /// Every version of the statement, newest first.
    pub async fn soa_versions(&self, ctx: &OrgContext) -> AppResult<Vec<SoaVersion>> {
        self.all_versions(ctx).await
    }

    pub async fn soa_version(&self, ctx: &OrgContext, version: i64) -> AppResult<SoaVersion> {
        self.one_version(ctx, version).await
    }

    /// The draft being edited, if there is one.
    pub async fn soa_draft(&self, ctx: &OrgContext) -> AppResult<Option<SoaVersion>> {
        self.version_draft(ctx).await
    }

    /// What a new draft starts from: the newest version (so a rejected statement is corrected
    /// rather than typed again), or every Annex A control applicable and not started.
    pub async fn soa_draft_start(&self, ctx: &OrgContext) -> AppResult<StatementOfApplicability> {
        ctx.require(Permission::ViewControls)?;
        let mut conn = self.store.reader().await?;
        let controls = annex_a(&mut conn).await?;
        let newest: Option<SoaVersion> = SOA.newest(&mut conn, ctx.org_id()).await?;
        let derived = self.annex_a_statuses(&mut conn, ctx).await?;
        let mut start = match newest {
            // Controls the library gained since are added; the check puts them in order.
            Some(version) => {
                let mut body = version.body;
                let known: std::collections::BTreeSet<String> =
                    body.entries.iter().map(|e| e.control.clone()).collect();
                let fresh = StatementOfApplicability::start(&controls);
                body.entries.extend(
                    fresh
                        .entries
                        .into_iter()
                        .filter(|e| !known.contains(&e.control)),
                );
                body.entries
                    .retain(|e| controls.iter().any(|(id, _)| *id == e.control));
                body.checked(&controls)
                    .unwrap_or(StatementOfApplicability::start(&controls))
            }
            None => StatementOfApplicability::start(&controls),
        };
        start.derive_statuses(&derived);
        Ok(start)
    }

    /// How far each Annex A control is implemented according to the applied controls
    /// satisfying it, by control id (those no control satisfies are absent: not started).
    pub async fn soa_derived_statuses(
        &self,
        ctx: &OrgContext,
    ) -> AppResult<BTreeMap<String, ImplementationStatus>> {
        ctx.require(Permission::ViewControls)?;
        let mut conn = self.store.reader().await?;
        self.annex_a_statuses(&mut conn, ctx).await
    }

    /// Saves `statement` as the draft (see [`App::save_version_draft`]): every Annex A
    /// control once, the risks it names among the organisation's.
    pub async fn save_soa_draft(
        &self,
        ctx: &OrgContext,
        expected_revision: i64,
        statement: StatementOfApplicability,
        now: OffsetDateTime,
    ) -> AppResult<SoaVersion> {
        ctx.require(Permission::ManageControls)?;
        let mut conn = self.store.reader().await?;
        let controls = annex_a(&mut conn).await?;
        let mut statement = statement.checked(&controls)?;
        statement.derive_statuses(&self.annex_a_statuses(&mut conn, ctx).await?);
        let wanted: Vec<i64> = statement.risk_numbers().into_iter().collect();
        let existing =
            custos_store::risk::existing_numbers(&mut conn, ctx.org_id(), &wanted).await?;
        let cited: Vec<i64> = statement
            .entries
            .iter()
            .flat_map(|e| custos_domain::governance::documents::cited_numbers(&e.references))
            .collect::<std::collections::BTreeSet<i64>>()
            .into_iter()
            .collect();
        let documents =
            custos_store::documents::by_numbers(&mut conn, ctx.org_id(), &cited).await?;
        drop(conn);
        let unknown_documents: Vec<String> = cited
            .iter()
            .filter(|n| !documents.iter().any(|(number, _, _)| number == *n))
            .map(|n| custos_domain::governance::documents::reference(*n))
            .collect();
        let unknown: Vec<String> = wanted
            .iter()
            .filter(|n| !existing.contains(n))
            .map(|n| reference(*n))
            .collect();
        let mut errors = ValidationErrors::new();
        if !unknown.is_empty() {
            errors.add(
                "risks",
                format!("No such risk in the register: {}.", unknown.join(", ")),
            );
        }
        if !unknown_documents.is_empty() {
            errors.add(
                "references",
                format!(
                    "No such document in the register: {}.",
                    unknown_documents.join(", ")
                ),
            );
        }
        errors.into_result(())?;
        self.save_version_draft(ctx, expected_revision, statement, now)
            .await
    }

    /// Sends draft `version` of the statement to senior management, once every control's
    /// inclusion or exclusion is justified. Statuses derived from the applied controls are
    /// brought up to date first (a new revision of the draft), so the version approved says
    /// what the controls said when it was sent.
    pub async fn submit_soa_draft(
        &self,
        ctx: &OrgContext,
        version: i64,
        expected_revision: Option<i64>,
        note: &str,
        now: OffsetDateTime,
    ) -> AppResult<Approval> {
        ctx.require(Permission::ManageControls)?;
        let mut draft = self.soa_version(ctx, version).await?;
        let current = expected_revision.is_none_or(|expected| expected == draft.revision);
        if current && draft.is_draft() {
            let mut body = draft.body.clone();
            let derived = {
                let mut conn = self.store.reader().await?;
                self.annex_a_statuses(&mut conn, ctx).await?
            };
            body.derive_statuses(&derived);
            if body != draft.body {
                draft = self
                    .save_version_draft(ctx, draft.revision, body, now)
                    .await?;
            }
        }
        let expected_revision = if current {
            Some(draft.revision)
        } else {
            expected_revision
        };
        let unjustified = draft.body.unjustified();
        if !unjustified.is_empty() {
            let shown: Vec<&str> = unjustified.iter().take(10).copied().collect();
            return Err(ValidationErrors {
                fields: vec![FieldError {
                    field: "entries".into(),
                    message: format!(
                        "Justify the inclusion (with its reasons) or the exclusion of every \
                         control before sending the statement: {} control(s) are not, such as {}.",
                        unjustified.len(),
                        shown.join(", ")
                    ),
                }],
            }
            .into());
        }
        self.submit_version_draft::<StatementOfApplicability>(
            ctx,
            version,
            expected_revision,
            note,
            now,
        )
        .await
    }
}
