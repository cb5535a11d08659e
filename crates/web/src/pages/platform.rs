//! Log-in, log-out, the account page, the organisation home, API tokens and the audit log.

pub mod sessions;

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use custos_app::domain::context::ObjectiveStatus;
use custos_app::domain::diff::{FieldChange, json_changes};
use custos_app::domain::fields::FieldRule;
use custos_app::domain::governance::Approval;
use custos_app::domain::journey::JourneyStep;
use custos_app::domain::list::Page;
use custos_app::domain::platform::{
    AuditAction, AuditEvent, AuditFilter, Invitation, InvitationStatus, Membership, Permission,
    RecordType, Role, TokenScope, record_type_label,
};
use custos_app::platform::SessionClient;
use custos_app::{ApiToken, AppError, now};
use serde::Deserialize;

use super::confirm::{ConfirmForm, ConfirmPage};
use super::{Area, Layout, NavEntry, parse_id, see_other};
use crate::AppState;
use crate::auth::{PageOrg, PageUser, SESSION_COOKIE, session_secret};
use crate::error::{PageError, render};
use crate::list::{ListState, csv_export};
use crate::security::ClientIp;

/// The platform area in the shared page components: home first, the audit log last on the
/// loop (members and tokens live in the user menu).
pub const AREA: Area = Area {
    nav: &[
        NavEntry {
            section: "home",
            position: 0,
            label: "Home",
            path: "/",
            permission: None,
            shows_waiting_approvals: false,
        },
        NavEntry {
            section: "audit-log",
            position: 900,
            label: "Audit log",
            path: "/audit-log",
            permission: Some(Permission::ViewAuditLog),
            shows_waiting_approvals: false,
        },
    ],
    notices: &[
        (
            "password",
            "success",
            "Password changed. Your other sessions have been ended.",
        ),
        (
            "password-tokens",
            "success",
            "Password changed. Your other sessions have been ended and your API tokens revoked.",
        ),
        (
            "session-ended",
            "success",
            "Session ended; that browser must log in again.",
        ),
        (
            "sessions-ended",
            "success",
            "Your other sessions have been ended.",
        ),
        ("logged-out", "info", "You are logged out."),
        ("revoked", "success", "Token revoked."),
        ("role", "success", "Role changed."),
        (
            "removed",
            "success",
            "Member removed; their API tokens for this organisation are revoked.",
        ),
        ("joined", "success", "Welcome: you are now a member."),
        (
            "invitation-revoked",
            "success",
            "Invitation withdrawn: its link no longer works.",
        ),
        (
            "org-created",
            "success",
            "Organisation created; you are its administrator.",
        ),
        (
            "must-change",
            "error",
            "Choose your own password before going on: the one you were given is known to \
             whoever set it.",
        ),
    ],
    field_labels: &[
        ("email", "E-mail"),
        ("role", "Role"),
        ("name", "Name"),
        ("password", "Password"),
        ("confirm_password", "Password again"),
        ("slug", "Short name"),
        ("administrator", "First administrator"),
        ("admin_email", "Their e-mail"),
    ],
};

pub(super) fn session_cookie(state: &AppState, value: &str, max_age_seconds: i64) -> String {
    let path = if state.config.base_path.is_empty() {
        "/".to_owned()
    } else {
        state.config.base_path.clone()
    };
    let secure = if state.config.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    format!(
        "{SESSION_COOKIE}={value}; Path={path}; HttpOnly; SameSite=Lax; Max-Age={max_age_seconds}{secure}"
    )
}

/// `/`: the first organisation of the user, or the account page when they have none.
pub async fn start(State(state): State<AppState>, user: PageUser) -> Result<Response, PageError> {
    let memberships = state.app.memberships(&user.principal).await?;
    let base = &state.config.base_path;
    Ok(match memberships.first() {
        Some(first) => see_other(format!("{base}/orgs/{}/", first.organisation.slug)),
        None => see_other(format!("{base}/account")),
    })
}

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    base: String,
    email: String,
    next: String,
    error: Option<String>,
    /// "You are logged out." after logging out.
    info: Option<&'static str>,
    demo_logins: Vec<(&'static str, &'static str)>,
    demo_password: &'static str,
}

impl LoginPage {
    fn new(state: &AppState, email: String, next: String, error: Option<String>) -> Self {
        let demo_logins = if state.config.show_demo_logins {
            custos_app::demo::demo_logins()
        } else {
            Vec::new()
        };
        Self {
            base: state.config.base_path.clone(),
            email,
            next,
            error,
            info: None,
            demo_logins,
            demo_password: custos_app::demo::DEMO_PASSWORD,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    notice: String,
}

pub async fn login_form(State(state): State<AppState>, Query(query): Query<NextQuery>) -> Response {
    let mut page = LoginPage::new(&state, String::new(), query.next, None);
    if query.notice == "logged-out" {
        page.info = Some("You are logged out.");
    }
    render(&page)
}

#[derive(Deserialize)]
pub struct LoginForm {
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

/// Only paths inside Custos are followed after log-in, never another site: a path under the
/// base path, without a second leading slash, backslashes, whitespace or control characters
/// (browsers drop tabs and newlines, turning `/\t/evil.example` into `//evil.example`).
fn safe_next(state: &AppState, next: &str) -> String {
    let base = &state.config.base_path;
    let inside = next
        .strip_prefix(base.as_str())
        .is_some_and(|rest| rest.starts_with('/') && !rest.starts_with("//"))
        && !next.contains("://")
        && !next
            .chars()
            .any(|c| c == '\\' || c.is_whitespace() || c.is_control());
    if inside {
        next.to_owned()
    } else {
        format!("{base}/")
    }
}

/// Where a new session is opened from, as the sessions page shows it.
pub(crate) fn session_client(address: std::net::IpAddr, headers: &HeaderMap) -> SessionClient {
    SessionClient {
        // Unspecified when the server was not told the peer (never when serving).
        address: Some(address).filter(|address| !address.is_unspecified()),
        user_agent: headers
            .get(header::USER_AGENT)
            .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
            .unwrap_or_default(),
    }
}

pub async fn log_in(
    State(state): State<AppState>,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    if !state.login_throttle.allow(client) {
        tracing::warn!(%client, "log-in attempts throttled");
        let message = "Too many log-in attempts from your network. Wait a minute, then try again.";
        let page = LoginPage::new(&state, form.email, form.next, Some(message.into()));
        return (StatusCode::TOO_MANY_REQUESTS, render(&page)).into_response();
    }
    let client = session_client(client, &headers);
    match state
        .app
        .log_in(&form.email, &form.password, &client, now())
        .await
    {
        Ok(session) => {
            // A fresh session id at every log-in; the one the browser had is ended.
            if let Some(old) = session_secret(&headers)
                && let Err(e) = state.app.log_out(&old).await
            {
                tracing::warn!(error = %e, "could not end the previous session");
            }
            let max_age = (session.expires_at - now()).whole_seconds();
            let cookie = session_cookie(&state, &session.secret, max_age);
            let to = if session.user.must_change_password {
                format!("{}/account?notice=must-change", state.config.base_path)
            } else {
                safe_next(&state, &form.next)
            };
            let mut response = see_other(to);
            if let Ok(value) = cookie.parse() {
                response.headers_mut().insert(header::SET_COOKIE, value);
            }
            response
        }
        Err(error @ (AppError::InvalidCredentials | AppError::LockedOut { .. })) => {
            let message = crate::error::public_detail(&error);
            let page = LoginPage::new(&state, form.email, form.next, Some(message));
            (StatusCode::UNAUTHORIZED, render(&page)).into_response()
        }
        Err(error) => PageError::from(error).into_response(),
    }
}

pub async fn log_out(State(state): State<AppState>, headers: HeaderMap) -> Response {
    if let Some(secret) = session_secret(&headers)
        && let Err(e) = state.app.log_out(&secret).await
    {
        tracing::warn!(error = %e, "could not end the session");
    }
    let mut response = see_other(format!(
        "{}/login?notice=logged-out",
        state.config.base_path
    ));
    if let Ok(value) = session_cookie(&state, "", 0).parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

#[derive(Template)]
#[template(path = "account.html")]
struct AccountPage {
    layout: Layout,
    email: String,
    memberships: Vec<Membership>,
    errors: custos_app::domain::ValidationErrors,
    /// The "also revoke my API tokens" box of the password form: ticked unless unticked.
    revoke_tokens: bool,
    live_tokens: i64,
}

impl AccountPage {
    async fn new(
        state: &AppState,
        user: &PageUser,
        layout: Layout,
        errors: custos_app::domain::ValidationErrors,
        revoke_tokens: bool,
    ) -> Result<Self, PageError> {
        let memberships = state.app.memberships(&user.principal).await?;
        let live_tokens = state
            .app
            .my_live_token_count(&user.principal, now())
            .await?;
        Ok(Self {
            layout,
            email: user.principal.user.email.clone(),
            memberships,
            errors,
            revoke_tokens,
            live_tokens,
        })
    }
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    notice: Option<String>,
}

pub async fn account(
    State(state): State<AppState>,
    user: PageUser,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let layout = Layout::for_user(&state, &user.principal, "Your account")
        .await?
        .with_flash(query.notice.as_deref());
    let page = AccountPage::new(&state, &user, layout, Default::default(), true).await?;
    Ok(render(&page))
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current_password: String,
    #[serde(default)]
    new_password: String,
    #[serde(default)]
    confirm_password: String,
    /// A checkbox: present ("yes") when ticked, absent when not.
    #[serde(default)]
    revoke_tokens: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response, PageError> {
    let revoke_tokens = form.revoke_tokens == "yes";
    let result = state
        .app
        .change_password(
            &user.principal,
            &form.current_password,
            &form.new_password,
            &form.confirm_password,
            revoke_tokens,
            now(),
        )
        .await;
    match result {
        Ok(()) => Ok(see_other(format!(
            "{}/account?notice={}",
            state.config.base_path,
            if revoke_tokens {
                "password-tokens"
            } else {
                "password"
            }
        ))),
        Err(AppError::Validation(errors)) => {
            let layout = Layout::for_user(&state, &user.principal, "Your account")
                .await?
                .with_error("The password was not changed.");
            let page = AccountPage::new(&state, &user, layout, errors, revoke_tokens).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(error) => Err(PageError::from(error)),
    }
}

#[derive(Template)]
#[template(path = "home.html")]
struct HomePage {
    layout: Layout,
    objective_counts: Vec<(ObjectiveStatus, i64)>,
    objective_total: i64,
    journey: Vec<JourneyStep>,
    waiting_for_me: Vec<Approval>,
    decider_grants: Vec<custos_app::RoleGrant>,
    can_view_objectives: bool,
}

pub async fn home(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let layout = Layout::new(&state, &page, page.ctx.organisation().name.clone(), "home")
        .await?
        .with_flash(query.notice.as_deref());
    let ctx = &page.ctx;
    let can_view_objectives = ctx.can(Permission::ViewObjectives);
    let objective_counts = if can_view_objectives {
        state.app.objective_counts(ctx).await?
    } else {
        Vec::new()
    };
    let waiting_for_me = state
        .app
        .my_pending_approvals(ctx, Page::new(Some(10), None))
        .await?
        .items;
    let objective_total = objective_counts.iter().map(|(_, n)| n).sum();
    let journey = state.app.journey(ctx).await?;
    let decider_grants = state.app.recent_decider_grants(ctx, now()).await?;
    Ok(render(&HomePage {
        layout,
        objective_counts,
        objective_total,
        journey,
        waiting_for_me,
        decider_grants,
        can_view_objectives,
    }))
}

#[derive(Template)]
#[template(path = "tokens.html")]
struct TokensPage {
    layout: Layout,
    tokens: Vec<ApiToken>,
    new_secret: Option<String>,
    errors: custos_app::domain::ValidationErrors,
    name: String,
}

async fn tokens_page(
    state: &AppState,
    page: &PageOrg,
    new_secret: Option<String>,
    errors: custos_app::domain::ValidationErrors,
    name: String,
    notice: Option<&str>,
) -> Result<TokensPage, PageError> {
    let layout = Layout::new(state, page, "API tokens", "tokens")
        .await?
        .with_flash(notice);
    let tokens = state.app.my_tokens(&page.ctx).await?;
    Ok(TokensPage {
        layout,
        tokens,
        new_secret,
        errors,
        name,
    })
}

pub async fn tokens(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    Ok(render(
        &tokens_page(
            &state,
            &page,
            None,
            Default::default(),
            String::new(),
            query.notice.as_deref(),
        )
        .await?,
    ))
}

#[derive(Deserialize)]
pub struct TokenForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    scope: String,
    #[serde(default)]
    expires_in_days: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    page: PageOrg,
    Form(form): Form<TokenForm>,
) -> Result<Response, PageError> {
    let scope = TokenScope::parse(&form.scope).unwrap_or(TokenScope::Read);
    let days = form.expires_in_days.trim().parse::<i64>().unwrap_or(0);
    match state
        .app
        .create_token(&page.ctx, &form.name, scope, days, now())
        .await
    {
        Ok(created) => Ok(render(
            &tokens_page(
                &state,
                &page,
                Some(created.secret),
                Default::default(),
                String::new(),
                None,
            )
            .await?,
        )),
        Err(AppError::Validation(errors)) => {
            let page = tokens_page(&state, &page, None, errors, form.name, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(error) => Err(PageError::from(error)),
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    page: PageOrg,
    axum::extract::Path((_, id)): axum::extract::Path<(String, String)>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    if !form.given() {
        let token = state
            .app
            .my_tokens(&page.ctx)
            .await?
            .into_iter()
            .find(|t| t.id == id)
            .ok_or_else(|| PageError::from(AppError::NotFound))?;
        let layout = Layout::new(&state, &page, "Revoke token", "tokens").await?;
        let tokens_href = layout.org_href("/tokens");
        return Ok(render(&ConfirmPage {
            question: format!("Revoke the token \u{201c}{}\u{201d}?", token.name),
            explanation: "Scripts and systems using it are refused from now on. A revoked token \
                          cannot be used again: create a new one if they still need access."
                .into(),
            action: format!("{tokens_href}/{id}/revoke"),
            fields: Vec::new(),
            button_label: "Revoke token".into(),
            button_class: "danger",
            back_label: "API tokens".into(),
            back_href: tokens_href,
            layout,
        }));
    }
    state.app.revoke_token(&page.ctx, id, now()).await?;
    Ok(see_other(format!(
        "{}/orgs/{}/tokens?notice=revoked",
        state.config.base_path,
        page.ctx.organisation().slug
    )))
}

#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    record_type: String,
    #[serde(default)]
    record_id: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    until: String,
    page: Option<u64>,
    #[serde(default)]
    format: String,
}

/// One audit event as the log shows it: the record by name and link, the change by field.
struct AuditRow {
    event: AuditEvent,
    record_type: String,
    record_name: String,
    record_href: Option<String>,
    changes: Vec<FieldChange>,
}

impl AuditRow {
    fn new(event: AuditEvent, layout: &Layout) -> Self {
        // Records that have a page of their own; a deleted one answers "not found" there,
        // which is what it is now.
        let record_href = RecordType::parse(&event.record_type)
            .filter(|_| event.action != AuditAction::Delete)
            .zip(uuid::Uuid::parse_str(&event.record_id).ok())
            .and_then(|(record_type, id)| record_type.page_path(id))
            .map(|path| layout.org_href(&format!("/{path}")));
        Self {
            record_type: record_type_label(&event.record_type),
            record_name: event.record_name(),
            changes: json_changes(event.before.as_ref(), event.after.as_ref()),
            record_href,
            event,
        }
    }
}

/// The columns of the audit-log export, in the order of [`audit_csv_row`].
const AUDIT_CSV_HEADER: [&str; 9] = [
    "seq",
    "occurred_at",
    "actor",
    "action",
    "record_type",
    "record_id",
    "before",
    "after",
    "hash",
];

fn audit_csv_row(e: AuditEvent) -> Vec<String> {
    vec![
        e.seq.to_string(),
        custos_app::domain::dates::rfc3339(e.occurred_at),
        e.actor,
        e.action.as_str().into(),
        e.record_type,
        e.record_id,
        e.before.map(|v| v.to_string()).unwrap_or_default(),
        e.after.map(|v| v.to_string()).unwrap_or_default(),
        e.hash,
    ]
}

#[derive(Template)]
#[template(path = "audit_log.html")]
struct AuditLogPage {
    layout: Layout,
    rows: Vec<AuditRow>,
    list: ListState,
    query: AuditQuery,
    actions: [AuditAction; 3],
    record_types: [RecordType; RecordType::ALL.len()],
    /// The record the log is narrowed to, by name, when it is.
    filtered_record: Option<String>,
}

pub async fn audit_log(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<AuditQuery>,
) -> Result<Response, PageError> {
    let filter = AuditFilter::parse(
        &query.record_type,
        &query.record_id,
        &query.action,
        &query.from,
        &query.until,
    )?;
    if query.format == "csv" {
        let export = state.app.export_audit_events(&page.ctx, filter)?;
        let header = &AUDIT_CSV_HEADER;
        return Ok(csv_export("audit-log.csv", header, export, audit_csv_row).await?);
    }
    let layout = Layout::new(&state, &page, "Audit log", "audit-log").await?;
    let mut list = ListState::new(
        layout.org_href("/audit-log"),
        vec![
            ("record_type", query.record_type.clone()),
            ("record_id", query.record_id.clone()),
            ("action", query.action.clone()),
            ("from", query.from.clone()),
            ("until", query.until.clone()),
        ],
        "seq",
        custos_app::domain::list::SortDirection::Desc,
        Page::numbered(query.page.unwrap_or(1), 50),
    );
    let events = state
        .app
        .audit_events(&page.ctx, &filter, list.page)
        .await?;
    list.set_total(&events);
    let rows: Vec<AuditRow> = events
        .items
        .into_iter()
        .map(|e| AuditRow::new(e, &layout))
        .collect();
    let filtered_record = (!query.record_id.is_empty()).then(|| {
        rows.first()
            .map(|row| format!("{} {}", row.record_type, row.record_name))
            .unwrap_or_else(|| "this record".to_owned())
    });
    Ok(render(&AuditLogPage {
        layout,
        rows,
        list,
        query,
        actions: AuditAction::ALL,
        record_types: RecordType::ALL,
        filtered_record,
    }))
}

#[derive(Template)]
#[template(path = "members.html")]
pub(super) struct MembersPage {
    pub layout: Layout,
    /// Administrators change the list; auditors only read it (access reviews).
    pub can_manage: bool,
    pub members: Vec<custos_app::Member>,
    pub invitations: Vec<Invitation>,
    pub roles: [Role; 6],
    pub me: uuid::Uuid,
    pub form: InviteForm,
    pub errors: custos_app::domain::ValidationErrors,
    /// The invitation just made and its link, shown this once.
    pub invited: Option<(Invitation, String)>,
    pub now: time::OffsetDateTime,
}

impl MembersPage {
    fn rule(&self, field: &str) -> FieldRule {
        match field {
            "email" => FieldRule {
                required: true,
                max_chars: Some(254),
            },
            "role" => FieldRule {
                required: true,
                max_chars: None,
            },
            _ => FieldRule::default(),
        }
    }

    fn role_options(&self) -> Vec<(String, String)> {
        super::options(&self.roles)
    }

    fn expired(&self, invitation: &Invitation) -> bool {
        invitation.status(self.now) == InvitationStatus::Expired
    }
}

#[derive(Deserialize)]
pub struct InviteForm {
    #[serde(default)]
    pub email: String,
    #[serde(default)]
    pub role: String,
}

impl Default for InviteForm {
    /// An empty form offers the least privileged role, never the first in the list.
    fn default() -> Self {
        Self {
            email: String::new(),
            role: Role::Staff.as_str().to_owned(),
        }
    }
}

pub(super) async fn members_page(
    state: &AppState,
    page: &PageOrg,
    form: InviteForm,
    errors: custos_app::domain::ValidationErrors,
    invited: Option<(Invitation, String)>,
    notice: Option<&str>,
) -> Result<MembersPage, PageError> {
    let layout = Layout::new(state, page, "Members", "members")
        .await?
        .with_flash(notice);
    let members = state.app.list_members(&page.ctx).await?;
    let can_manage = page.ctx.can(Permission::ManageMembers);
    let invitations = if can_manage {
        state.app.invitations(&page.ctx).await?
    } else {
        Vec::new()
    };
    Ok(MembersPage {
        layout,
        can_manage,
        members,
        invitations,
        roles: Role::ALL,
        me: page.ctx.user().id,
        form,
        errors,
        invited,
        now: now(),
    })
}

pub async fn members(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let members_page = members_page(
        &state,
        &page,
        InviteForm::default(),
        Default::default(),
        None,
        query.notice.as_deref(),
    )
    .await?;
    Ok(render(&members_page))
}

#[derive(Deserialize)]
pub struct RoleForm {
    #[serde(default)]
    role: String,
}

pub async fn change_member_role(
    State(state): State<AppState>,
    page: PageOrg,
    axum::extract::Path((_, id)): axum::extract::Path<(String, String)>,
    Form(form): Form<RoleForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let role = Role::parse(&form.role)
        .ok_or_else(|| custos_app::domain::ValidationErrors::single("role", "Choose a role."))?;
    let result = state
        .app
        .change_member_role(&page.ctx, id, role, now())
        .await;
    after_member_change(&state, &page, result, "role")
}

pub async fn remove_member(
    State(state): State<AppState>,
    page: PageOrg,
    axum::extract::Path((_, id)): axum::extract::Path<(String, String)>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    if !form.given() {
        // Only those who may remove are asked to confirm; the rest are told no at once.
        page.ctx.require(Permission::ManageMembers)?;
        let member = state
            .app
            .list_members(&page.ctx)
            .await?
            .into_iter()
            .find(|m| m.user_id == id)
            .ok_or_else(|| PageError::from(AppError::NotFound))?;
        let layout = Layout::new(&state, &page, "Remove member", "members").await?;
        let members_href = layout.org_href("/members");
        let org_name = layout.org_name.clone();
        return Ok(render(&ConfirmPage {
            question: format!("Remove {} from {org_name}?", member.name),
            explanation: format!(
                "{} ({}) loses access to {org_name} at once, and their API tokens here are \
                 revoked. Their account stays; the audit log records the removal.",
                member.name, member.email
            ),
            action: format!("{members_href}/{id}/remove"),
            fields: Vec::new(),
            button_label: "Remove member".into(),
            button_class: "danger",
            back_label: "Members".into(),
            back_href: members_href,
            layout,
        }));
    }
    let result = state.app.remove_member(&page.ctx, id, now()).await;
    after_member_change(&state, &page, result, "removed")
}

/// Back to the members page with a notice when the change worked.
fn after_member_change(
    state: &AppState,
    page: &PageOrg,
    result: Result<(), AppError>,
    notice: &str,
) -> Result<Response, PageError> {
    result?;
    Ok(see_other(format!(
        "{}/orgs/{}/members?notice={notice}",
        state.config.base_path,
        page.ctx.organisation().slug
    )))
}
