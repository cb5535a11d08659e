//! Approval pages: the "Waiting for my approval" inbox, every request, and the decision form.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use custos_app::domain::ValidationErrors;
use custos_app::domain::governance::{Approval, ApprovalStatus};
use custos_app::domain::list::Page;
use custos_app::domain::platform::Permission;
use custos_app::governance::ApprovalReview;
use custos_app::{AppError, ApprovalFilter, now};
use serde::Deserialize;

use super::{Area, Layout, NavEntry, parse_id, see_other};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};

/// The governance area in the shared page components.
pub const AREA: Area = Area {
    nav: &[NavEntry {
        section: "approvals",
        position: 500,
        label: "Approvals",
        path: "/approvals",
        permission: Some(Permission::ViewApprovals),
        shows_waiting_approvals: true,
    }],
    notices: &[
        (
            "approved",
            "success",
            "Approved. The decision is recorded and cannot be changed.",
        ),
        (
            "rejected",
            "success",
            "Rejected. The decision is recorded and cannot be changed.",
        ),
    ],
    field_labels: &[("comment", "Comment"), ("confirmed", "Confirmation")],
};

#[derive(Deserialize, Default)]
pub struct ApprovalsQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    format: String,
    page: Option<u64>,
    notice: Option<String>,
}

/// The columns of the approvals export, in the order of [`approval_csv_row`].
const APPROVALS_CSV_HEADER: [&str; 11] = [
    "record_type",
    "record",
    "version",
    "status",
    "decided_by_role",
    "requested_by",
    "requested_at",
    "note",
    "decided_by",
    "decided_at",
    "comment",
];

fn approval_csv_row(a: Approval) -> Vec<String> {
    let when = |at: Option<time::OffsetDateTime>| {
        at.map(custos_app::domain::dates::rfc3339)
            .unwrap_or_default()
    };
    vec![
        a.record_type.as_str().into(),
        a.record_title,
        a.record_version.to_string(),
        a.status.label().into(),
        a.decider_role.label().into(),
        a.requested_by_name,
        when(Some(a.requested_at)),
        a.request_note,
        a.decided_by_name.unwrap_or_default(),
        when(a.decided_at),
        a.decision_comment.unwrap_or_default(),
    ]
}

#[derive(Template)]
#[template(path = "approvals/list.html")]
struct ListPage {
    layout: Layout,
    waiting_for_me: Vec<Approval>,
    approvals: Vec<Approval>,
    can_decide: bool,
    status: String,
    statuses: [ApprovalStatus; 4],
    list: crate::list::ListState,
}

pub async fn list(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<ApprovalsQuery>,
) -> Result<Response, PageError> {
    let ctx = &page.ctx;
    let filter = ApprovalFilter::with_status(&query.status)?;
    if query.format == "csv" {
        let export = state.app.export_approvals(ctx, filter)?;
        return Ok(crate::list::csv_export(
            "approvals.csv",
            &APPROVALS_CSV_HEADER,
            export,
            approval_csv_row,
        )
        .await?);
    }
    let layout = Layout::new(&state, &page, "Approvals", "approvals")
        .await?
        .with_flash(query.notice.as_deref());
    let waiting_for_me = state
        .app
        .my_pending_approvals(ctx, Page::new(Some(100), None))
        .await?
        .items;
    let mut list = crate::list::ListState::new(
        layout.org_href("/approvals"),
        vec![("status", query.status.clone())],
        "requested_at",
        custos_app::domain::list::SortDirection::Desc,
        Page::numbered(query.page.unwrap_or(1), 25),
    );
    let listed = state.app.list_approvals(ctx, &filter, list.page).await?;
    list.set_total(&listed);
    let approvals = listed.items;
    Ok(render(&ListPage {
        layout,
        waiting_for_me,
        approvals,
        can_decide: ctx.can(Permission::DecideApprovals),
        status: query.status,
        statuses: ApprovalStatus::ALL,
        list,
    }))
}

#[derive(Template)]
#[template(path = "approvals/show.html")]
struct ShowPage {
    layout: Layout,
    approval: Approval,
    reference: String,
    content: Option<Vec<(&'static str, String)>>,
    last_approved: Option<Approval>,
    changes: Vec<custos_app::domain::diff::FieldChange>,
    record_href: String,
    can_decide: bool,
    /// Why this member, whose role decides, may not decide this request.
    decision_refusal: Option<&'static str>,
    comment: String,
    comment_max: usize,
    errors: ValidationErrors,
}

impl ShowPage {
    /// "OBJ-0003 Keep the portal available", as the record is cited everywhere.
    fn record_name(&self) -> String {
        if self.reference.is_empty() {
            self.approval.record_title.clone()
        } else {
            format!("{} {}", self.reference, self.approval.record_title)
        }
    }
}

async fn show_page(
    state: &AppState,
    page: &PageOrg,
    review: ApprovalReview,
    notice: Option<&str>,
    comment: String,
    errors: ValidationErrors,
    error: Option<String>,
) -> Result<ShowPage, PageError> {
    let ApprovalReview {
        approval,
        reference,
        content,
        last_approved,
        changes,
        decision_refusal,
    } = review;
    let mut layout = Layout::new(
        state,
        page,
        format!("Sign-off of {reference} {}", approval.record_title),
        "approvals",
    )
    .await?
    .with_flash(notice);
    if let Some(message) = error {
        layout = layout.with_error(message);
    }
    let record_href = approval
        .record_type
        .page_path(approval.record_id)
        .map(|path| layout.org_href(&format!("/{path}")))
        .unwrap_or_default();
    let ctx = &page.ctx;
    let can_decide = ctx.can(Permission::DecideApprovals)
        && approval.decidable_by(ctx.role(), ctx.user().id)
        && decision_refusal.is_none();
    Ok(ShowPage {
        layout,
        approval,
        reference,
        content,
        last_approved,
        changes,
        record_href,
        can_decide,
        decision_refusal,
        comment,
        comment_max: custos_app::domain::governance::COMMENT_MAX,
        errors,
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<ApprovalsQuery>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let approval = fetch(&state, &page, id).await?;
    Ok(render(
        &show_page(
            &state,
            &page,
            approval,
            query.notice.as_deref(),
            String::new(),
            ValidationErrors::new(),
            None,
        )
        .await?,
    ))
}

async fn fetch(
    state: &AppState,
    page: &PageOrg,
    id: uuid::Uuid,
) -> Result<ApprovalReview, PageError> {
    Ok(state.app.approval_review(&page.ctx, id).await?)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    comment: String,
    /// The ticked box "I have read version N above...": the page's form decides nothing
    /// without it. API clients confirm by calling the API.
    #[serde(default)]
    confirmed: String,
}

pub async fn decide(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<DecisionForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    if !super::confirm::given(&form.confirmed) {
        let errors = ValidationErrors::single(
            "confirmed",
            "Tick the box to confirm that you have read this version and that your decision \
             cannot be changed.",
        );
        let approval = fetch(&state, &page, id).await?;
        let mut show = show_page(&state, &page, approval, None, form.comment, errors, None).await?;
        if !show.can_decide {
            // No form to point at: the request is closed or not addressed to this member.
            show.layout = show.layout.with_error("Nothing was decided.");
        }
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&show)).into_response());
    }
    match state
        .app
        .decide_approval(&page.ctx, id, &form.decision, &form.comment, now())
        .await
    {
        Ok(decided) => {
            let notice = if decided.status == ApprovalStatus::Approved {
                "approved"
            } else {
                "rejected"
            };
            Ok(see_other(format!(
                "{}/orgs/{}/approvals/{id}?notice={notice}",
                state.config.base_path,
                page.ctx.organisation().slug
            )))
        }
        // Refused input, or a request decided or changed meanwhile: the page again, with why.
        Err(error @ (AppError::Validation(_) | AppError::Conflict(_))) => {
            // A refused input is announced by the form's error summary alone; a conflict,
            // which no field explains, by the message at the top.
            let (status, errors, message) = match error {
                AppError::Validation(errors) => (StatusCode::UNPROCESSABLE_ENTITY, errors, None),
                other => (
                    StatusCode::CONFLICT,
                    ValidationErrors::new(),
                    Some(other.to_string()),
                ),
            };
            let approval = fetch(&state, &page, id).await?;
            let show =
                show_page(&state, &page, approval, None, form.comment, errors, message).await?;
            Ok((status, render(&show)).into_response())
        }
        Err(error) => Err(PageError::from(error)),
    }
}
