//! Applied control pages: the register, the form and the record through the shared register
//! pages, and a framework's coverage requirement by requirement.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::Response;
use custos_app::controls::applied::ControlRecord;
use custos_app::domain::ValidationErrors;
use custos_app::domain::controls::applied::{
    Control, ControlDraft, ControlFilterParams, ControlInput, ControlStatus,
};
use custos_app::domain::controls::coverage::{CoverageState, FrameworkCoverage};
use custos_app::domain::controls::soa::SOA_FRAMEWORK;
use custos_app::domain::fields::FieldRule;
use custos_app::domain::list::ListParams;
use custos_app::domain::platform::Permission;
use custos_app::{AppResult, Member, OrgContext};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::register::{FormState, Notices, RegisterPages};
use super::{Area, Layout, NavEntry, PageQuery, options};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};
use crate::list::{ListState, SortHeader};

pub const AREA: Area = Area {
    nav: &[NavEntry {
        section: "controls",
        position: 480,
        label: "Controls",
        path: "/controls",
        permission: Some(Permission::ViewControls),
        shows_waiting_approvals: false,
    }],
    notices: &[
        ("control-created", "success", "Control added."),
        ("control-saved", "success", "Changes saved."),
        ("control-deleted", "success", "Control deleted."),
    ],
    // Labels are looked up across areas: those other registers share (title, status, ...)
    // are theirs.
    field_labels: &[
        ("implemented_on", "Implementation date"),
        ("one_off_cost", "One-off cost"),
        ("recurring_cost", "Recurring cost a year"),
        ("effectiveness", "Effectiveness notes"),
        ("requirements", "Requirements satisfied"),
        ("risks", "Risks treated"),
    ],
};

#[derive(Template)]
#[template(path = "controls/applied_list.html")]
struct ListPage {
    layout: Layout,
    controls: Vec<Control>,
    list: ListState,
    headers: Vec<SortHeader>,
    params: ListParams,
    filters: ControlFilterParams,
    statuses: [ControlStatus; 4],
    can_manage: bool,
}

pub async fn list(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<PageQuery>,
    Query(params): Query<ListParams>,
    Query(filters): Query<ControlFilterParams>,
) -> Result<Response, PageError> {
    let ctx = &page.ctx;
    let request = filters.request(&params)?;
    let layout = Layout::new(&state, &page, "Controls", "controls")
        .await?
        .with_flash(query.notice.as_deref());
    let mut list = ListState::new(
        layout.org_href("/controls"),
        vec![
            ("q", params.q.clone()),
            ("status", filters.status.clone()),
            ("requirement", filters.requirement.clone()),
            ("owner_id", super::text_of(&filters.owner_id)),
            ("risk_id", super::text_of(&filters.risk_id)),
        ],
        request.sort.as_str(),
        request.direction,
        request.page,
    );
    let listed = state.app.list_controls(ctx, &request).await?;
    list.set_total(&listed);
    let headers = vec![
        list.header("number", "Ref."),
        list.header("title", "Title"),
        list.header("status", "Status"),
        list.header("implemented_on", "Implemented"),
    ];
    Ok(render(&ListPage {
        layout,
        controls: listed.items,
        list,
        headers,
        params,
        filters,
        statuses: ControlStatus::ALL,
        can_manage: ctx.can(Permission::ManageControls),
    }))
}

/// The control form's fields: the record's own, and its links typed as references.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct ControlPageInput {
    #[serde(flatten)]
    pub control: ControlInput,
    /// `A.5.1, soc2-2017:CC6.1`.
    #[serde(default)]
    pub requirements: String,
    /// `RSK-0001, RSK-0007`.
    #[serde(default)]
    pub risks: String,
}

#[derive(Template)]
#[template(path = "controls/applied_form.html")]
struct FormPage {
    layout: Layout,
    editing: Option<ControlRecord>,
    input: ControlPageInput,
    version: i64,
    errors: ValidationErrors,
    action: String,
    members: Vec<Member>,
}

impl FormPage {
    fn rule(&self, field: &str) -> FieldRule {
        ControlInput::rule(field)
    }

    fn owner_options(&self) -> Vec<(String, String)> {
        self.members
            .iter()
            .map(|m| (m.user_id.to_string(), m.name.clone()))
            .collect()
    }

    fn status_options(&self) -> Vec<(String, String)> {
        options(&ControlStatus::ALL)
    }
}

#[derive(Template)]
#[template(path = "controls/applied_show.html")]
struct ShowPage {
    layout: Layout,
    record: ControlRecord,
    can_manage: bool,
    can_view_risks: bool,
    can_view_audit: bool,
}

impl ShowPage {
    fn control(&self) -> &Control {
        &self.record.control
    }
}

/// The applied controls register in the shared record pages.
pub struct ControlPages;

impl RegisterPages for ControlPages {
    type Record = ControlRecord;
    type Input = ControlPageInput;
    const PATH: &'static str = "/controls";
    const SECTION: &'static str = "controls";
    const NOUN: &'static str = "control";
    const MANAGE: Permission = Permission::ManageControls;
    const NOTICES: Notices = Notices {
        created: "control-created",
        saved: "control-saved",
        deleted: "control-deleted",
    };
    const DELETE_EXPLANATION: &'static str = "The control disappears from the register, from the \
        coverage of every framework and from the risks it treats. The audit log keeps a copy of \
        it; approved Statements of Applicability keep what they said.";

    fn id(record: &ControlRecord) -> Uuid {
        record.control.id
    }

    fn version(record: &ControlRecord) -> i64 {
        record.control.version
    }

    fn name(record: &ControlRecord) -> String {
        format!("{} {}", record.control.reference(), record.control.title)
    }

    fn reference(record: &ControlRecord) -> String {
        record.control.reference()
    }

    fn input_of(record: &ControlRecord) -> ControlPageInput {
        ControlPageInput {
            control: ControlDraft::from(&record.control).to_input(),
            requirements: record
                .requirements
                .iter()
                .map(|r| match r.requirement.framework_id.as_str() {
                    SOA_FRAMEWORK => r.requirement.requirement_id.clone(),
                    _ => r.requirement.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", "),
            risks: record
                .risks
                .iter()
                .map(|r| r.reference())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    fn new_input(ctx: &OrgContext) -> ControlPageInput {
        ControlPageInput {
            control: ControlInput {
                owner_id: ctx.user().id.to_string(),
                ..ControlInput::default()
            },
            ..ControlPageInput::default()
        }
    }

    async fn find(state: &AppState, ctx: &OrgContext, id: Uuid) -> AppResult<ControlRecord> {
        state.app.control(ctx, id).await
    }

    async fn create(
        state: &AppState,
        ctx: &OrgContext,
        input: &ControlPageInput,
        now: OffsetDateTime,
    ) -> AppResult<ControlRecord> {
        let links = state
            .app
            .control_links_from_text(ctx, &input.requirements, &input.risks)
            .await?;
        state
            .app
            .create_control(ctx, &input.control, &links, now)
            .await
    }

    async fn update(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        input: &ControlPageInput,
        now: OffsetDateTime,
    ) -> AppResult<ControlRecord> {
        let links = state
            .app
            .control_links_from_text(ctx, &input.requirements, &input.risks)
            .await?;
        state
            .app
            .update_control(ctx, id, version, &input.control, &links, now)
            .await
    }

    async fn delete(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        state.app.delete_control(ctx, id, version, now).await
    }

    async fn render_form(
        state: &AppState,
        page: &PageOrg,
        form: FormState<Self>,
    ) -> Result<Response, PageError> {
        let members = state.app.members(&page.ctx).await?;
        Ok(render(&FormPage {
            action: form.action(),
            layout: form.layout,
            editing: form.editing,
            input: form.input,
            version: form.version,
            errors: form.errors,
            members,
        }))
    }

    async fn render_record(
        _state: &AppState,
        page: &PageOrg,
        layout: Layout,
        record: ControlRecord,
    ) -> Result<Response, PageError> {
        let ctx = &page.ctx;
        Ok(render(&ShowPage {
            layout,
            record,
            can_manage: ctx.can(Permission::ManageControls),
            can_view_risks: ctx.can(Permission::ViewRisks),
            can_view_audit: ctx.can(Permission::ViewAuditLog),
        }))
    }
}

#[derive(Template)]
#[template(path = "controls/coverage.html")]
struct CoveragePage {
    layout: Layout,
    framework_name: String,
    framework_id: String,
    coverage: FrameworkCoverage,
    /// The state the list is narrowed to, if any.
    only: Option<CoverageState>,
}

impl CoveragePage {
    fn states(&self) -> [CoverageState; 5] {
        CoverageState::ALL
    }

    fn shown(&self, state: &CoverageState) -> bool {
        self.only.is_none_or(|only| only == *state)
    }

    fn percent(&self) -> String {
        self.coverage
            .percent()
            .map_or_else(|| "–".to_owned(), |p| format!("{p} %"))
    }
}

#[derive(Deserialize)]
pub struct CoverageQuery {
    #[serde(default)]
    state: String,
}

/// `GET /orgs/{org}/frameworks/{id}/coverage`: every assessable requirement with the
/// controls covering it, directly or through a mapping.
pub async fn coverage(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<CoverageQuery>,
) -> Result<Response, PageError> {
    let only = match query.state.as_str() {
        "" => None,
        text => Some(CoverageState::parse(text).ok_or_else(|| {
            ValidationErrors::single("state", "Choose one of the coverage states listed.")
        })?),
    };
    let coverage = state.app.framework_coverage(&page.ctx, &id).await?;
    let framework = state.app.framework(&page.ctx, &id).await?;
    let title = format!("Coverage of {}", framework.summary.info.reference);
    let layout = Layout::new(&state, &page, title, "frameworks").await?;
    Ok(render(&CoveragePage {
        layout,
        framework_name: framework.summary.info.name,
        framework_id: id,
        coverage,
        only,
    }))
}

/// `CTL-0001`, for templates that hold a control's number only.
pub fn control_reference(number: &i64) -> String {
    custos_app::domain::controls::applied::reference(*number)
}
