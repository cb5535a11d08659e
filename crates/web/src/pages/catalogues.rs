//! The threat and vulnerability catalogues' pages: the lists, each entry's page and form,
//! through the shared record pages.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use custos_app::domain::ValidationErrors;
use custos_app::domain::fields::FieldRule;
use custos_app::domain::platform::Permission;
use custos_app::domain::risk::catalogue::{
    Threat, ThreatDraft, ThreatGroup, ThreatInput, Vulnerability, VulnerabilityCategory,
    VulnerabilityDraft, VulnerabilityInput,
};
use custos_app::{AppResult, OrgContext};
use time::OffsetDateTime;
use uuid::Uuid;

use super::register::{FormState, Notices, RegisterPages};
use super::{Area, Layout, PageQuery, options};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};

/// Reached from the risk register: no navigation entry of their own.
pub const AREA: Area = Area {
    nav: &[],
    notices: &[
        ("entry-created", "success", "Added to the catalogue."),
        ("entry-saved", "success", "Changes saved."),
        ("entry-deleted", "success", "Removed from the catalogue."),
    ],
    field_labels: &[
        ("reference", "Reference"),
        ("group", "Group"),
        ("category", "Category"),
        ("name", "Name"),
        ("description", "Description"),
        ("confidentiality", "What it can harm"),
    ],
};

/// "Confidentiality, availability".
pub fn harms(threat: &Threat) -> String {
    [
        (threat.confidentiality, "Confidentiality"),
        (threat.integrity, "Integrity"),
        (threat.availability, "Availability"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, name)| *name)
    .collect::<Vec<_>>()
    .join(", ")
}

#[derive(Template)]
#[template(path = "catalogues/threats.html")]
struct ThreatsPage {
    layout: Layout,
    threats: Vec<Threat>,
    can_manage: bool,
}

pub async fn threats(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let threats = state.app.threats(&page.ctx).await?;
    let layout = Layout::new(&state, &page, "Threat catalogue", "risks")
        .await?
        .with_flash(query.notice.as_deref());
    Ok(render(&ThreatsPage {
        layout,
        threats,
        can_manage: page.ctx.can(Permission::ManageRisks),
    }))
}

#[derive(Template)]
#[template(path = "catalogues/vulnerabilities.html")]
struct VulnerabilitiesPage {
    layout: Layout,
    vulnerabilities: Vec<Vulnerability>,
    can_manage: bool,
}

pub async fn vulnerabilities(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let vulnerabilities = state.app.vulnerabilities(&page.ctx).await?;
    let layout = Layout::new(&state, &page, "Vulnerability catalogue", "risks")
        .await?
        .with_flash(query.notice.as_deref());
    Ok(render(&VulnerabilitiesPage {
        layout,
        vulnerabilities,
        can_manage: page.ctx.can(Permission::ManageRisks),
    }))
}

/// An entry's page, for either catalogue.
#[derive(Template)]
#[template(path = "catalogues/entry.html")]
struct EntryPage {
    layout: Layout,
    list_path: &'static str,
    list_label: &'static str,
    id: Uuid,
    reference: String,
    name: String,
    details: Vec<(&'static str, String)>,
    library_version: Option<i64>,
    version: i64,
    can_manage: bool,
}

const NOTICES: Notices = Notices {
    created: "entry-created",
    saved: "entry-saved",
    deleted: "entry-deleted",
};

#[derive(Template)]
#[template(path = "catalogues/threat_form.html")]
struct ThreatForm {
    layout: Layout,
    input: ThreatInput,
    version: i64,
    errors: ValidationErrors,
    action: String,
}

impl ThreatForm {
    fn rule(&self, field: &str) -> FieldRule {
        ThreatInput::rule(field)
    }

    fn group_options(&self) -> Vec<(String, String)> {
        options(&ThreatGroup::ALL)
    }

    fn ticked(&self, value: &str) -> bool {
        matches!(value, "on" | "true" | "1")
    }
}

/// The threat catalogue in the shared record pages.
pub struct ThreatPages;

impl RegisterPages for ThreatPages {
    type Record = Threat;
    type Input = ThreatInput;
    const PATH: &'static str = "/threats";
    const SECTION: &'static str = "risks";
    const NOUN: &'static str = "threat";
    const MANAGE: Permission = Permission::ManageRisks;
    const NOTICES: Notices = NOTICES;
    const DELETE_EXPLANATION: &'static str = "The threat leaves the organisation's catalogue. \
        A threat that risks name cannot be deleted; the audit log keeps a copy.";

    fn id(threat: &Threat) -> Uuid {
        threat.id
    }

    fn version(threat: &Threat) -> i64 {
        threat.version
    }

    fn name(threat: &Threat) -> String {
        format!("{} {}", threat.reference, threat.name)
    }

    fn reference(threat: &Threat) -> String {
        threat.reference.clone()
    }

    fn input_of(threat: &Threat) -> ThreatInput {
        ThreatDraft::from(threat).to_input()
    }

    fn new_input(_: &OrgContext) -> ThreatInput {
        ThreatInput::default()
    }

    async fn find(state: &AppState, ctx: &OrgContext, id: Uuid) -> AppResult<Threat> {
        state.app.threat(ctx, id).await
    }

    async fn create(
        state: &AppState,
        ctx: &OrgContext,
        input: &ThreatInput,
        now: OffsetDateTime,
    ) -> AppResult<Threat> {
        state.app.create_threat(ctx, input, now).await
    }

    async fn update(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        input: &ThreatInput,
        now: OffsetDateTime,
    ) -> AppResult<Threat> {
        state.app.update_threat(ctx, id, version, input, now).await
    }

    async fn delete(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        state.app.delete_threat(ctx, id, version, now).await
    }

    async fn render_form(
        _: &AppState,
        _: &PageOrg,
        form: FormState<Self>,
    ) -> Result<Response, PageError> {
        Ok(render(&ThreatForm {
            action: form.action(),
            layout: form.layout,
            input: form.input,
            version: form.version,
            errors: form.errors,
        }))
    }

    async fn render_record(
        _: &AppState,
        page: &PageOrg,
        layout: Layout,
        threat: Threat,
    ) -> Result<Response, PageError> {
        Ok(render(&EntryPage {
            layout,
            list_path: "/threats",
            list_label: "Threats",
            details: vec![
                ("Group", threat.group.label().to_owned()),
                ("Description", threat.description.clone()),
                ("Can harm", harms(&threat)),
            ],
            id: threat.id,
            reference: threat.reference,
            name: threat.name,
            library_version: threat.library_version,
            version: threat.version,
            can_manage: page.ctx.can(Permission::ManageRisks),
        }))
    }
}

#[derive(Template)]
#[template(path = "catalogues/vulnerability_form.html")]
struct VulnerabilityForm {
    layout: Layout,
    input: VulnerabilityInput,
    version: i64,
    errors: ValidationErrors,
    action: String,
}

impl VulnerabilityForm {
    fn rule(&self, field: &str) -> FieldRule {
        VulnerabilityInput::rule(field)
    }

    fn category_options(&self) -> Vec<(String, String)> {
        options(&VulnerabilityCategory::ALL)
    }
}

/// The vulnerability catalogue in the shared record pages.
pub struct VulnerabilityPages;

impl RegisterPages for VulnerabilityPages {
    type Record = Vulnerability;
    type Input = VulnerabilityInput;
    const PATH: &'static str = "/vulnerabilities";
    const SECTION: &'static str = "risks";
    const NOUN: &'static str = "vulnerability";
    const MANAGE: Permission = Permission::ManageRisks;
    const NOTICES: Notices = NOTICES;
    const DELETE_EXPLANATION: &'static str = "The vulnerability leaves the organisation's \
        catalogue. One that risks name cannot be deleted; the audit log keeps a copy.";

    fn id(vulnerability: &Vulnerability) -> Uuid {
        vulnerability.id
    }

    fn version(vulnerability: &Vulnerability) -> i64 {
        vulnerability.version
    }

    fn name(vulnerability: &Vulnerability) -> String {
        format!("{} {}", vulnerability.reference, vulnerability.name)
    }

    fn reference(vulnerability: &Vulnerability) -> String {
        vulnerability.reference.clone()
    }

    fn input_of(vulnerability: &Vulnerability) -> VulnerabilityInput {
        VulnerabilityDraft::from(vulnerability).to_input()
    }

    fn new_input(_: &OrgContext) -> VulnerabilityInput {
        VulnerabilityInput::default()
    }

    async fn find(state: &AppState, ctx: &OrgContext, id: Uuid) -> AppResult<Vulnerability> {
        state.app.vulnerability(ctx, id).await
    }

    async fn create(
        state: &AppState,
        ctx: &OrgContext,
        input: &VulnerabilityInput,
        now: OffsetDateTime,
    ) -> AppResult<Vulnerability> {
        state.app.create_vulnerability(ctx, input, now).await
    }

    async fn update(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        input: &VulnerabilityInput,
        now: OffsetDateTime,
    ) -> AppResult<Vulnerability> {
        state
            .app
            .update_vulnerability(ctx, id, version, input, now)
            .await
    }

    async fn delete(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        state.app.delete_vulnerability(ctx, id, version, now).await
    }

    async fn render_form(
        _: &AppState,
        _: &PageOrg,
        form: FormState<Self>,
    ) -> Result<Response, PageError> {
        Ok(render(&VulnerabilityForm {
            action: form.action(),
            layout: form.layout,
            input: form.input,
            version: form.version,
            errors: form.errors,
        }))
    }

    async fn render_record(
        _: &AppState,
        page: &PageOrg,
        layout: Layout,
        vulnerability: Vulnerability,
    ) -> Result<Response, PageError> {
        Ok(render(&EntryPage {
            layout,
            list_path: "/vulnerabilities",
            list_label: "Vulnerabilities",
            details: vec![
                ("Category", vulnerability.category.label().to_owned()),
                ("Description", vulnerability.description.clone()),
            ],
            id: vulnerability.id,
            reference: vulnerability.reference,
            name: vulnerability.name,
            library_version: vulnerability.library_version,
            version: vulnerability.version,
            can_manage: page.ctx.can(Permission::ManageRisks),
        }))
    }
}
