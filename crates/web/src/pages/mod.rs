//! HTML pages. Each handler extracts the member and organisation, calls one app function
//! and renders a template; the layout (navigation, organisation switcher, user menu) is
//! built here once.

pub mod admin;
pub mod applied_controls;
pub mod asset_import;
pub mod asset_settings;
pub mod assets;
pub mod catalogues;
pub mod confirm;
pub mod context;
pub mod controls;
pub mod documents;
pub mod evidence;
pub mod governance;
pub mod invitations;
pub mod platform;
pub mod register;
pub mod risk;
pub mod risks;

use axum::extract::Path;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use custos_app::AppError;
use custos_app::domain::context::FieldRule;
use custos_app::domain::platform::{Organisation, Permission};
use uuid::Uuid;

use crate::AppState;
use crate::auth::PageOrg;
use crate::error::PageError;

pub struct NavItem {
    pub label: &'static str,
    pub href: String,
    pub current: bool,
    /// Things waiting for the member in this section, shown beside the label.
    pub waiting: u64,
}

pub struct Flash {
    /// `success`, `error` or `info`: the CSS class and the ARIA role follow from it.
    pub kind: &'static str,
    pub message: String,
}

/// What every page shows around its content.
pub struct Layout {
    pub base: String,
    pub title: String,
    /// Empty on pages shown to nobody in particular (an error before log-in): no user menu.
    pub user_name: String,
    pub org_slug: String,
    pub org_name: String,
    /// Shows the members link in the user menu.
    pub can_view_members: bool,
    /// Shows the instance's organisations in the user menu.
    pub instance_admin: bool,
    pub role_label: &'static str,
    pub other_orgs: Vec<Organisation>,
    pub nav: Vec<NavItem>,
    pub flash: Option<Flash>,
}

/// What an area declares for the shared page components, beside its own pages: its entries
/// in the navigation, the notices its pages redirect with, and the names of its form fields.
/// A new area adds its `AREA` to [`AREAS`]; nothing shared names its records.
pub struct Area {
    pub nav: &'static [NavEntry],
    /// Messages shown after a redirect, by the key of the `notice` query parameter, with
    /// their kind (`success`, `info`, `error`).
    pub notices: &'static [(&'static str, &'static str, &'static str)],
    /// The labels people see for the area's form fields, for error summaries.
    pub field_labels: &'static [(&'static str, &'static str)],
}

/// One entry of the navigation.
pub struct NavEntry {
    pub section: Section,
    /// Its place on the ISMS loop: entries are shown in this order.
    pub position: u16,
    pub label: &'static str,
    pub path: &'static str,
    /// Shown only to members whose role allows this.
    pub permission: Option<Permission>,
    /// Shows how many approval requests wait for the member.
    pub shows_waiting_approvals: bool,
}

/// Every area with pages.
pub const AREAS: [&Area; 13] = [
    &platform::AREA,
    &context::AREA,
    &assets::AREA,
    &asset_import::AREA,
    &asset_settings::AREA,
    &risk::AREA,
    &risks::AREA,
    &catalogues::AREA,
    &controls::AREA,
    &applied_controls::AREA,
    &documents::AREA,
    &evidence::AREA,
    &governance::AREA,
];

/// The section a page belongs to: the `section` of a navigation entry, so the entry is marked
/// current; `""` for pages outside the navigation (account, errors).
pub type Section = &'static str;

impl Layout {
    pub async fn new(
        state: &AppState,
        page: &PageOrg,
        title: impl Into<String>,
        section: Section,
    ) -> Result<Self, PageError> {
        Self::in_org(state, &page.principal, &page.ctx, title, section).await
    }

    async fn in_org(
        state: &AppState,
        principal: &custos_app::Principal,
        ctx: &custos_app::OrgContext,
        title: impl Into<String>,
        section: Section,
    ) -> Result<Self, PageError> {
        let mut layout = Self::bare_user(state, principal, title).await?;
        let organisation = ctx.organisation();
        layout.other_orgs.retain(|o| o.id != organisation.id);
        layout.org_slug = organisation.slug.clone();
        layout.org_name = organisation.name.clone();
        layout.role_label = ctx.role().label();
        layout.can_view_members = ctx.can(Permission::ViewMembers);
        // The count in the navigation is the member's own inbox: requests their role decides.
        let waiting_for_me = state
            .app
            .my_pending_approvals(ctx, custos_app::domain::list::Page::new(Some(1), None))
            .await?
            .total;
        let mut entries: Vec<&NavEntry> = AREAS.iter().flat_map(|area| area.nav).collect();
        entries.sort_by_key(|entry| entry.position);
        layout.nav = entries
            .into_iter()
            .filter(|entry| entry.permission.is_none_or(|p| ctx.can(p)))
            .map(|entry| NavItem {
                label: entry.label,
                href: layout.org_href(entry.path),
                current: entry.section == section,
                waiting: if entry.shows_waiting_approvals {
                    waiting_for_me
                } else {
                    0
                },
            })
            .collect();
        Ok(layout)
    }

    /// The layout of pages outside any organisation (the account page): the header of the
    /// member's first organisation, so the navigation stays where it always is.
    pub async fn for_user(
        state: &AppState,
        principal: &custos_app::Principal,
        title: impl Into<String>,
    ) -> Result<Self, PageError> {
        let title = title.into();
        let first = state.app.memberships(principal).await?.into_iter().next();
        if let Some(first) = first
            && !principal.user.must_change_password
            && let Ok(ctx) = state
                .app
                .org_context(principal, &first.organisation.slug)
                .await
        {
            return Self::in_org(state, principal, &ctx, title, "").await;
        }
        Self::bare_user(state, principal, title).await
    }

    async fn bare_user(
        state: &AppState,
        principal: &custos_app::Principal,
        title: impl Into<String>,
    ) -> Result<Self, PageError> {
        let base = state.config.base_path.clone();
        let memberships = state.app.memberships(principal).await?;
        Ok(Self {
            other_orgs: memberships.into_iter().map(|m| m.organisation).collect(),
            user_name: principal.user.name.clone(),
            instance_admin: principal.user.instance_admin,
            ..Self::anonymous(base, title)
        })
    }

    /// The layout for someone not logged in: the brand, no menus.
    pub fn anonymous(base: String, title: impl Into<String>) -> Self {
        Self {
            title: title.into(),
            user_name: String::new(),
            org_slug: String::new(),
            org_name: String::new(),
            role_label: "",
            can_view_members: false,
            instance_admin: false,
            other_orgs: Vec::new(),
            nav: Vec::new(),
            flash: None,
            base,
        }
    }

    pub fn with_flash(mut self, notice: Option<&str>) -> Self {
        self.flash = notice
            .and_then(notice_message)
            .map(|(kind, message)| Flash {
                kind,
                message: message.into(),
            });
        self
    }

    pub fn with_error(mut self, message: impl Into<String>) -> Self {
        self.flash = Some(Flash {
            kind: "error",
            message: message.into(),
        });
        self
    }

    pub fn org_href(&self, path: &str) -> String {
        format!("{}/orgs/{}{path}", self.base, self.org_slug)
    }
}

/// A message shown after a redirect, named in the `notice` query parameter, with its kind.
/// Only the texts the areas declare can appear, so the parameter cannot inject anything.
fn notice_message(key: &str) -> Option<(&'static str, &'static str)> {
    AREAS
        .iter()
        .flat_map(|area| area.notices)
        .find(|(name, _, _)| *name == key)
        .map(|(_, kind, message)| (*kind, *message))
}

/// Ids in paths that are not UUIDs name nothing: they are answered like unknown ids.
pub fn parse_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw).map_err(|_| AppError::NotFound)
}

/// A refused action as a page reports it: 422 and the messages for invalid input, 409 and the
/// reason for a conflict; any other error goes to the error page.
pub fn refusal(error: AppError) -> Result<(StatusCode, String), PageError> {
    match error {
        AppError::Validation(errors) => Ok((StatusCode::UNPROCESSABLE_ENTITY, errors.sentences())),
        AppError::Conflict(message) => Ok((StatusCode::CONFLICT, message)),
        other => Err(other.into()),
    }
}

pub fn see_other(to: String) -> Response {
    (StatusCode::SEE_OTHER, [(header::LOCATION, to)]).into_response()
}

const APP_CSS: &str = include_str!("../../static/app.css");
const APP_JS: &str = include_str!("../../static/app.js");
/// Our own icon, drawn for Custos (a shield); browsers also ask for it as `/favicon.ico`.
const FAVICON_SVG: &str = include_str!("../../static/favicon.svg");

pub async fn static_file(Path(file): Path<String>) -> Response {
    let (content_type, body) = match file.as_str() {
        "app.css" => ("text/css; charset=utf-8", APP_CSS),
        "app.js" => ("text/javascript; charset=utf-8", APP_JS),
        "favicon.svg" => ("image/svg+xml", FAVICON_SVG),
        _ => return StatusCode::NOT_FOUND.into_response(),
    };
    (
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        body,
    )
        .into_response()
}

/// The icon at `/favicon.ico`, where browsers look for it when a page names none.
pub async fn favicon() -> Response {
    (
        [
            (header::CONTENT_TYPE, "image/svg+xml"),
            (header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        FAVICON_SVG,
    )
        .into_response()
}

pub async fn not_found(uri: axum::http::Uri) -> Response {
    if uri.path() == "/favicon.ico" {
        return favicon().await;
    }
    if uri.path().contains("/api/") {
        return crate::error::ApiError(AppError::NotFound).into_response();
    }
    PageError::from(AppError::NotFound).into_response()
}

/// Anything that is a point in time, however many references deep templates hand it over.
pub trait Moment {
    fn moment(&self) -> time::OffsetDateTime;
}

impl Moment for time::OffsetDateTime {
    fn moment(&self) -> time::OffsetDateTime {
        *self
    }
}

impl<T: Moment + ?Sized> Moment for &T {
    fn moment(&self) -> time::OffsetDateTime {
        (**self).moment()
    }
}

/// A time as pages show it.
/// How a form's page answers a refused save: the field errors with 422, or a conflict's
/// message with 409 and no field errors (the form keeps what was typed either way); any other
/// error is the error page.
pub fn refused_save(
    error: AppError,
) -> Result<
    (
        StatusCode,
        custos_app::domain::ValidationErrors,
        Option<String>,
    ),
    PageError,
> {
    match error {
        AppError::Validation(errors) => Ok((StatusCode::UNPROCESSABLE_ENTITY, errors, None)),
        AppError::Conflict(message) => Ok((
            StatusCode::CONFLICT,
            custos_app::domain::ValidationErrors::new(),
            Some(message),
        )),
        error => Err(error.into()),
    }
}

/// A register file to download (CSV or XLSX) as `file_name`.
pub fn download(
    file_name: &str,
    format: custos_app::assets::RegisterFormat,
    bytes: Vec<u8>,
) -> Response {
    (
        [
            (header::CONTENT_TYPE, format.content_type().to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file_name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// A version's place in the history of a versioned record (the classification scheme, the
/// risk method), with its sign-off if the member may see it.
pub struct HistoryEntry<V> {
    pub version: V,
    pub approval: Option<custos_app::domain::governance::Approval>,
}

/// The organisation's versioned record of type `record_type` as its page shows it: its
/// `versions` (newest first), each with the request that decided it when the member may see
/// approvals, and the newest split off when it is still open (a draft or waiting).
pub async fn versions_with_sign_off<V>(
    state: &AppState,
    ctx: &custos_app::OrgContext,
    record_type: custos_app::domain::platform::RecordType,
    versions: Vec<V>,
    number: fn(&V) -> i64,
    is_open: fn(&V) -> bool,
) -> Result<(Option<HistoryEntry<V>>, Vec<HistoryEntry<V>>), AppError> {
    let approvals = if ctx.can(Permission::ViewApprovals) {
        let filter = custos_app::ApprovalFilter {
            record_type: Some(record_type),
            record_id: Some(ctx.organisation().id),
            ..custos_app::ApprovalFilter::default()
        };
        state
            .app
            .list_approvals(ctx, &filter, custos_app::domain::list::Page::everything())
            .await?
            .items
    } else {
        Vec::new()
    };
    let mut history: Vec<HistoryEntry<V>> = versions
        .into_iter()
        .map(|version| {
            // The newest request for a version is the one that decided it.
            let approval = approvals
                .iter()
                .filter(|a| a.record_version == number(&version))
                .max_by_key(|a| a.requested_at)
                .cloned();
            HistoryEntry { version, approval }
        })
        .collect();
    let open = match history.first() {
        Some(newest) if is_open(&newest.version) => Some(history.remove(0)),
        _ => None,
    };
    Ok((open, history))
}

/// What a form asks of a required field of at most `max_chars` characters, for fields that
/// are not declared with `record_fields!` (the rows of a scale).
pub fn required_rule(max_chars: usize) -> FieldRule {
    FieldRule {
        required: true,
        max_chars: Some(max_chars),
    }
}

/// The same for a field that may stay empty.
pub fn optional_rule(max_chars: usize) -> FieldRule {
    FieldRule {
        required: false,
        max_chars: Some(max_chars),
    }
}

pub fn when(at: impl Moment) -> String {
    custos_app::domain::dates::display(at.moment())
}

/// How many days an invitation link works.
pub fn invitation_days() -> i64 {
    custos_app::domain::platform::INVITATION_LIFETIME_DAYS
}

/// An optional value as text; nothing is the empty text, which templates show as "Not set"
/// through the one `value` macro (templates/macros.html).
pub fn text_of<T: std::fmt::Display>(value: &Option<T>) -> String {
    value.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// The (value, label) pairs of a choice among text-enum values, for the `select` form macro.
pub fn options<T: custos_app::domain::text_enum::TextEnum>(values: &[T]) -> Vec<(String, String)> {
    values
        .iter()
        .map(|v| (v.as_str().to_owned(), v.label().to_owned()))
        .collect()
}

/// The label people see for a form field, for error summaries: as its area declares it.
pub fn field_label(name: &str) -> &str {
    AREAS
        .iter()
        .flat_map(|area| area.field_labels)
        .find(|(field, _)| *field == name)
        .map_or(name, |(_, label)| label)
}

/// The layout of an error page for whoever asked: the organisation header when they are a
/// member of the organisation in `path`, their own header when logged in, the bare brand
/// otherwise. It never fails: an error page must always show.
pub async fn error_layout(
    state: &AppState,
    headers: &axum::http::HeaderMap,
    path: &str,
    title: &str,
) -> Layout {
    let base = state.config.base_path.clone();
    let Some(secret) = crate::auth::session_secret(headers) else {
        return Layout::anonymous(base, title);
    };
    let Ok(principal) = state
        .app
        .authenticate_session(&secret, custos_app::now())
        .await
    else {
        return Layout::anonymous(base, title);
    };
    let inner = path.strip_prefix(base.as_str()).unwrap_or(path);
    let slug = inner
        .strip_prefix("/orgs/")
        .and_then(|rest| rest.split('/').next())
        .filter(|slug| !slug.is_empty());
    if let Some(slug) = slug
        && !principal.user.must_change_password
        && let Ok(ctx) = state.app.org_context(&principal, slug).await
        && let Ok(layout) = Layout::in_org(state, &principal, &ctx, title, "").await
    {
        return layout;
    }
    match Layout::for_user(state, &principal, title).await {
        Ok(layout) => layout,
        Err(_) => Layout::anonymous(base, title),
    }
}

/// What a register page's query string carries besides a list's parameters.
#[derive(serde::Deserialize, Default)]
pub struct PageQuery {
    /// `csv` exports the filtered rows.
    #[serde(default)]
    pub format: String,
    pub notice: Option<String>,
}

/// A button on a record's page that acts on the version shown: delete (confirmed first)
/// or submit for approval (with a note).
#[derive(serde::Deserialize)]
pub struct VersionForm {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub note: String,
    /// "yes" once the person has confirmed deleting (see `confirm`).
    #[serde(default)]
    pub confirmed: String,
}

/// The version a form was started from, as its hidden field carries it.
pub fn form_version(raw: &str) -> Result<i64, AppError> {
    raw.trim().parse().map_err(|_| {
        custos_app::domain::ValidationErrors::single(
            "version",
            "The form is incomplete; reload the page.",
        )
        .into()
    })
}
