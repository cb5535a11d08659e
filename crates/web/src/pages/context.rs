//! Objective pages: the register, the form, the record and its sign-off.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use custos_app::domain::ValidationErrors;
use custos_app::domain::context::{
    Objective, ObjectiveCategory, ObjectiveFilterParams, ObjectiveInput, ObjectiveStatus,
};
use custos_app::domain::governance::Approval;
use custos_app::domain::list::{ListParams, Page};
use custos_app::domain::platform::{Permission, RecordType};
use custos_app::{AppError, ApprovalFilter, Member, now};
use serde::Deserialize;
use uuid::Uuid;

use super::confirm::{self, ConfirmPage};
use super::{
    Area, Layout, NavEntry, PageQuery, VersionForm, form_version, options, parse_id, see_other,
};
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
    field_labels: &[
        ("title", "Title"),
        ("rationale", "Why"),
        ("description", "What"),
        ("benefits", "Benefits"),
        ("category", "Category"),
        ("target", "Target"),
        ("target_value", "Target value"),
        ("target_unit", "Unit"),
        ("owner_id", "Owner"),
        ("due_date", "Due date"),
        ("status", "Status"),
    ],
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
    members: Vec<Member>,
    categories: [ObjectiveCategory; 7],
    statuses: Vec<ObjectiveStatus>,
}

impl FormPage {
    /// What the field must hold, from the domain's rules (required, longest text).
    fn rule(&self, field: &str) -> custos_app::domain::context::FieldRule {
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

    fn action(&self) -> String {
        match &self.editing {
            Some(o) => self.layout.org_href(&format!("/objectives/{}", o.id)),
            None => self.layout.org_href("/objectives"),
        }
    }
}

async fn form_page(
    state: &AppState,
    page: &PageOrg,
    editing: Option<Objective>,
    input: ObjectiveInput,
    version: i64,
    errors: ValidationErrors,
) -> Result<FormPage, PageError> {
    let title = match &editing {
        Some(o) => format!("Edit {}", o.reference()),
        None => "New objective".into(),
    };
    // Field errors are announced by the form's error summary alone, not by a flash as well.
    let layout = Layout::new(state, page, title, "objectives").await?;
    let members = state.app.members(&page.ctx).await?;
    let statuses: Vec<ObjectiveStatus> = editing
        .as_ref()
        .map(|o| o.status)
        .unwrap_or(ObjectiveStatus::Draft)
        .choosable_from()
        .collect();
    Ok(FormPage {
        layout,
        editing,
        input,
        version,
        errors,
        members,
        categories: ObjectiveCategory::ALL,
        statuses,
    })
}

fn input_of(o: &Objective) -> ObjectiveInput {
    ObjectiveInput {
        title: o.title.clone(),
        rationale: o.rationale.clone(),
        description: o.description.clone(),
        benefits: o.benefits.clone(),
        category: o.category.as_str().into(),
        target: o.target.clone(),
        target_value: o.target_value.map(|v| v.to_string()).unwrap_or_default(),
        target_unit: o.target_unit.clone().unwrap_or_default(),
        owner_id: o.owner_id.map(|id| id.to_string()).unwrap_or_default(),
        due_date: o.due_date.map(|d| d.to_string()).unwrap_or_default(),
        status: o.status.as_str().into(),
    }
}

pub async fn new_form(State(state): State<AppState>, page: PageOrg) -> Result<Response, PageError> {
    page.ctx.require(Permission::ManageObjectives)?;
    let input = ObjectiveInput {
        owner_id: page.ctx.user().id.to_string(),
        ..ObjectiveInput::default()
    };
    Ok(render(
        &form_page(&state, &page, None, input, 0, ValidationErrors::new()).await?,
    ))
}

/// The objective form: the fields, plus the version the editor started from.
#[derive(Deserialize)]
pub struct ObjectiveForm {
    #[serde(flatten)]
    input: ObjectiveInput,
    #[serde(default)]
    version: String,
}

pub async fn create(
    State(state): State<AppState>,
    page: PageOrg,
    Form(form): Form<ObjectiveForm>,
) -> Result<Response, PageError> {
    match state
        .app
        .create_objective(&page.ctx, &form.input, now())
        .await
    {
        Ok(objective) => Ok(see_other(format!(
            "{}?notice=created",
            objective_href(&state, &page, objective.id)
        ))),
        Err(AppError::Validation(errors)) => {
            let form_page = form_page(&state, &page, None, form.input, 0, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&form_page)).into_response())
        }
        Err(error) => Err(PageError::from(error)),
    }
}

fn objective_href(state: &AppState, page: &PageOrg, id: Uuid) -> String {
    format!(
        "{}/orgs/{}/objectives/{id}",
        state.config.base_path,
        page.ctx.organisation().slug
    )
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

pub async fn show(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let objective = state.app.objective(&page.ctx, id).await?;
    show_page(&state, &page, objective, query.notice.as_deref(), None).await
}

async fn show_page(
    state: &AppState,
    page: &PageOrg,
    objective: Objective,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let ctx = &page.ctx;
    let mut layout = Layout::new(
        state,
        page,
        format!("{} {}", objective.reference(), objective.title),
        "objectives",
    )
    .await?
    .with_flash(notice);
    if let Some(message) = error.clone() {
        layout = layout.with_error(message);
    }
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
    let body = render(&ShowPage {
        can_manage: ctx.can(Permission::ManageObjectives),
        can_submit: ctx.can(Permission::SubmitForApproval) && objective.status.can_be_submitted(),
        can_view_audit: ctx.can(Permission::ViewAuditLog),
        layout,
        objective,
        approvals,
    });
    Ok(match error {
        Some(_) => (StatusCode::CONFLICT, body).into_response(),
        None => body,
    })
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    page.ctx.require(Permission::ManageObjectives)?;
    let id = parse_id(&id)?;
    let objective = state.app.objective(&page.ctx, id).await?;
    let input = input_of(&objective);
    let version = objective.version;
    Ok(render(
        &form_page(
            &state,
            &page,
            Some(objective),
            input,
            version,
            ValidationErrors::new(),
        )
        .await?,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<ObjectiveForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let version = form_version(&form.version)?;
    match state
        .app
        .update_objective(&page.ctx, id, version, &form.input, now())
        .await
    {
        Ok(objective) => Ok(see_other(format!(
            "{}?notice=saved",
            objective_href(&state, &page, objective.id)
        ))),
        Err(AppError::Validation(errors)) => {
            let current = state.app.objective(&page.ctx, id).await?;
            let form_page =
                form_page(&state, &page, Some(current), form.input, version, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&form_page)).into_response())
        }
        Err(AppError::Conflict(message)) => {
            // Keep what the person typed and carry the current version, so saving again is a
            // deliberate choice made after reading the message.
            let current = state.app.objective(&page.ctx, id).await?;
            let current_version = current.version;
            let mut form_page = form_page(
                &state,
                &page,
                Some(current),
                form.input,
                current_version,
                ValidationErrors::new(),
            )
            .await?;
            form_page.layout = form_page.layout.with_error(message);
            Ok((StatusCode::CONFLICT, render(&form_page)).into_response())
        }
        Err(error) => Err(PageError::from(error)),
    }
}

/// Where a button on the objective page leads: to `done` when the action worked, back to the
/// objective with the reason when it conflicted with another change, to an error page otherwise.
async fn after_action<T>(
    state: &AppState,
    page: &PageOrg,
    id: Uuid,
    result: Result<T, AppError>,
    done: String,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => Ok(see_other(done)),
        Err(AppError::Conflict(message)) => {
            let objective = state.app.objective(&page.ctx, id).await?;
            show_page(state, page, objective, None, Some(message)).await
        }
        Err(error) => Err(PageError::from(error)),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<VersionForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let version = form_version(&form.version)?;
    if !confirm::given(&form.confirmed) {
        page.ctx.require(Permission::ManageObjectives)?;
        let objective = state.app.objective(&page.ctx, id).await?;
        let name = format!("{} {}", objective.reference(), objective.title);
        let href = objective_href(&state, &page, id);
        let layout = Layout::new(&state, &page, "Delete", "objectives").await?;
        return Ok(render(&ConfirmPage {
            layout,
            question: format!("Delete {name}?"),
            explanation: "The objective disappears from the register and any request for its \
                          approval is withdrawn. The audit log keeps a copy of it."
                .into(),
            action: format!("{href}/delete"),
            fields: vec![("version", version.to_string())],
            button_label: "Delete objective",
            button_class: "danger",
            back_href: href,
            back_label: name,
        }));
    }
    let result = state
        .app
        .delete_objective(&page.ctx, id, version, now())
        .await;
    let done = format!(
        "{}/orgs/{}/objectives?notice=deleted",
        state.config.base_path,
        page.ctx.organisation().slug
    );
    after_action(&state, &page, id, result, done).await
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
    let done = format!("{}?notice=submitted", objective_href(&state, &page, id));
    after_action(&state, &page, id, result, done).await
}
