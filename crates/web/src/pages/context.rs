//! Objective pages: the register, the form, the record and its sign-off.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use custos_app::domain::ValidationErrors;
use custos_app::domain::context::{
    Objective, ObjectiveCategory, ObjectiveFilterParams, ObjectiveInput, ObjectiveStatus,
};
use custos_app::domain::fields::FieldRule;
use custos_app::domain::governance::Approval;
use custos_app::domain::list::{ListParams, Page};
use custos_app::domain::platform::{Permission, RecordType};
use custos_app::{AppResult, ApprovalFilter, Member, OrgContext, now};
use time::OffsetDateTime;
use uuid::Uuid;

use super::register::{FormState, Notices, RegisterPages, after_action, record_href};
use super::{Area, Layout, NavEntry, PageQuery, VersionForm, form_version, options, parse_id};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};
use crate::list::{ListState, SortHeader, csv_export};

/// The context area in the shared page components.
pub const AREA: Area = Area {
    nav: &[NavEntry {
        section: "objectives",
        position: 200,
        label: "Objectives",
        path: "/objectives",
        permission: Some(Permission::ViewObjectives),
        shows_waiting_approvals: false,
    }],
    notices: &[
        ("created", "success", "Objective created."),
        ("saved", "success", "Changes saved."),
        ("deleted", "success", "Objective deleted."),
        (
            "submitted",
            "success",
            "Sent for approval. The approvers will find it in their inbox.",
        ),
    ],
    field_labels: ObjectiveInput::FIELDS,
};

#[derive(Template)]
#[template(path = "objectives/list.html")]
struct ListPage {
    layout: Layout,
    objectives: Vec<Objective>,
    list: ListState,
    headers: Vec<SortHeader>,
    params: ListParams,
    filters: ObjectiveFilterParams,
    categories: [ObjectiveCategory; 7],
    statuses: [ObjectiveStatus; 7],
    can_manage: bool,
}

pub async fn list(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<PageQuery>,
    Query(params): Query<ListParams>,
    Query(filters): Query<ObjectiveFilterParams>,
) -> Result<Response, PageError> {
    let ctx = &page.ctx;
    // The same parsing as the API: a bad sort or filter is an error here too.
    let request = filters.request(&params)?;
    if query.format == "csv" {
        let export = state.app.export_objectives(ctx, request)?;
        let header = &Objective::CSV_HEADER;
        return Ok(csv_export("objectives.csv", header, export, Objective::csv_row).await?);
    }
    let layout = Layout::new(&state, &page, "Objectives", "objectives")
        .await?
        .with_flash(query.notice.as_deref());
    let mut list = ListState::new(
        layout.org_href("/objectives"),
        vec![
            ("q", params.q.clone()),
            ("category", filters.category.clone()),
            ("status", filters.status.clone()),
        ],
        request.sort.as_str(),
        request.direction,
        request.page,
    );
    let listed = state.app.list_objectives(ctx, &request).await?;
    list.set_total(&listed);
    let headers = vec![
        list.header("number", "Ref."),
        list.header("title", "Title"),
        list.header("category", "Category"),
        list.header("status", "Status"),
        list.header("due_date", "Due"),
    ];
    Ok(render(&ListPage {
        layout,
        objectives: listed.items,
        list,
        headers,
        params,
        filters,
        categories: ObjectiveCategory::ALL,
        statuses: ObjectiveStatus::ALL,
        can_manage: ctx.can(Permission::ManageObjectives),
    }))
}

#[derive(Template)]
#[template(path = "objectives/form.html")]
struct FormPage {
    layout: Layout,
    /// The objective being edited; `None` on the new-objective form.
    editing: Option<Objective>,
    input: ObjectiveInput,
    version: i64,
    errors: ValidationErrors,
    action: String,
    members: Vec<Member>,
    categories: [ObjectiveCategory; 7],
    statuses: Vec<ObjectiveStatus>,
}

impl FormPage {
    /// What the field must hold, from the domain's rules (required, longest text).
    fn rule(&self, field: &str) -> FieldRule {
        ObjectiveInput::rule(field)
    }

    fn category_options(&self) -> Vec<(String, String)> {
        options(&self.categories)
    }

    fn status_options(&self) -> Vec<(String, String)> {
        options(&self.statuses)
    }

    fn owner_options(&self) -> Vec<(String, String)> {
        self.members
            .iter()
            .map(|m| (m.user_id.to_string(), m.name.clone()))
            .collect()
    }
}

#[derive(Template)]
#[template(path = "objectives/show.html")]
struct ShowPage {
    layout: Layout,
    objective: Objective,
    approvals: Vec<Approval>,
    can_manage: bool,
    can_submit: bool,
    can_view_audit: bool,
}

/// The objectives register in the shared record pages.
pub struct ObjectivePages;

impl RegisterPages for ObjectivePages {
    type Record = Objective;
    type Input = ObjectiveInput;
    const PATH: &'static str = "/objectives";
    const SECTION: &'static str = "objectives";
    const NOUN: &'static str = "objective";
    const MANAGE: Permission = Permission::ManageObjectives;
    const NOTICES: Notices = Notices {
        created: "created",
        saved: "saved",
        deleted: "deleted",
    };
    const DELETE_EXPLANATION: &'static str = "The objective disappears from the register and any \
        request for its approval is withdrawn. The audit log keeps a copy of it.";

    fn id(objective: &Objective) -> Uuid {
        objective.id
    }

    fn version(objective: &Objective) -> i64 {
        objective.version
    }

    fn name(objective: &Objective) -> String {
        format!("{} {}", objective.reference(), objective.title)
    }

    fn reference(objective: &Objective) -> String {
        objective.reference()
    }

    fn input_of(objective: &Objective) -> ObjectiveInput {
        objective.draft().to_input()
    }

    fn new_input(ctx: &OrgContext) -> ObjectiveInput {
        ObjectiveInput {
            owner_id: ctx.user().id.to_string(),
            ..ObjectiveInput::default()
        }
    }

    async fn find(state: &AppState, ctx: &OrgContext, id: Uuid) -> AppResult<Objective> {
        state.app.objective(ctx, id).await
    }

    async fn create(
        state: &AppState,
        ctx: &OrgContext,
        input: &ObjectiveInput,
        now: OffsetDateTime,
    ) -> AppResult<Objective> {
        state.app.create_objective(ctx, input, now).await
    }

    async fn update(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        input: &ObjectiveInput,
        now: OffsetDateTime,
    ) -> AppResult<Objective> {
        state
            .app
            .update_objective(ctx, id, version, input, now)
            .await
    }

    async fn delete(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        state.app.delete_objective(ctx, id, version, now).await
    }

    async fn render_form(
        state: &AppState,
        page: &PageOrg,
        form: FormState<Self>,
    ) -> Result<Response, PageError> {
        let members = state.app.members(&page.ctx).await?;
        let statuses = form
            .editing
            .as_ref()
            .map_or(ObjectiveStatus::Draft, |o| o.status)
            .choosable_from()
            .collect();
        Ok(render(&FormPage {
            action: form.action(),
            layout: form.layout,
            editing: form.editing,
            input: form.input,
            version: form.version,
            errors: form.errors,
            members,
            categories: ObjectiveCategory::ALL,
            statuses,
        }))
    }

    async fn render_record(
        state: &AppState,
        page: &PageOrg,
        layout: Layout,
        objective: Objective,
    ) -> Result<Response, PageError> {
        let ctx = &page.ctx;
        let approvals = if ctx.can(Permission::ViewApprovals) {
            let filter = ApprovalFilter {
                record_type: Some(RecordType::Objective),
                record_id: Some(objective.id),
                ..ApprovalFilter::default()
            };
            state
                .app
                .list_approvals(ctx, &filter, Page::new(Some(20), None))
                .await?
                .items
        } else {
            Vec::new()
        };
        Ok(render(&ShowPage {
            can_manage: ctx.can(Permission::ManageObjectives),
            can_submit: ctx.can(Permission::SubmitForApproval)
                && objective.status.can_be_submitted(),
            can_view_audit: ctx.can(Permission::ViewAuditLog),
            layout,
            objective,
            approvals,
        }))
    }
}

pub async fn submit(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<VersionForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let version = form_version(&form.version)?;
    let result = state
        .app
        .submit_objective(&page.ctx, id, version, &form.note, now())
        .await;
    let done = record_href::<ObjectivePages>(&state, &page, id, "submitted");
    after_action::<ObjectivePages, _>(&state, &page, id, result, done).await
}
