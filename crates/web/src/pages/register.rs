//! The pages every register shares, written once: the new and edit forms, create, update
//! (with its answer to a validation error and to a stale version), and delete with its
//! confirmation. A register implements [`RegisterPages`] (where its records live, how to find,
//! write and delete one, how to render its form and its record page) and routes to
//! `register::create::<AssetPages>` and the others.

use std::future::Future;

use axum::extract::{Form, Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use custos_app::domain::ValidationErrors;
use custos_app::domain::platform::Permission;
use custos_app::{AppError, AppResult, OrgContext, now};
use serde::Deserialize;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;
use uuid::Uuid;

use super::confirm::{self, ConfirmPage};
use super::{Layout, VersionForm, form_version, parse_id, see_other};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};

/// What the shared handlers need to know about one register's records.
pub trait RegisterPages: Sized + Send + Sync + 'static {
    type Record: Send + Sync + 'static;
    /// The raw fields of its form.
    type Input: DeserializeOwned + Send + Sync + 'static;

    /// Where its records live under the organisation, e.g. `/assets`.
    const PATH: &'static str;
    /// Its navigation section.
    const SECTION: &'static str;
    /// The record's name in running text: "asset".
    const NOUN: &'static str;
    /// Who may create, edit and delete.
    const MANAGE: Permission;
    /// The notice keys of its area shown after a create, a save and a delete.
    const NOTICES: Notices;
    /// What deleting a record does, for the confirmation page.
    const DELETE_EXPLANATION: &'static str;

    fn id(record: &Self::Record) -> Uuid;
    fn version(record: &Self::Record) -> i64;
    /// How people name a record: "AST-0001 Customer database".
    fn name(record: &Self::Record) -> String;
    /// Its reference alone, for the edit page's title: "AST-0001".
    fn reference(record: &Self::Record) -> String;
    /// The form as the record fills it.
    fn input_of(record: &Self::Record) -> Self::Input;
    /// The new-record form, with what a person usually wants pre-filled.
    fn new_input(ctx: &OrgContext) -> Self::Input;

    fn find(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
    ) -> impl Future<Output = AppResult<Self::Record>> + Send;
    fn create(
        state: &AppState,
        ctx: &OrgContext,
        input: &Self::Input,
        now: OffsetDateTime,
    ) -> impl Future<Output = AppResult<Self::Record>> + Send;
    fn update(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        input: &Self::Input,
        now: OffsetDateTime,
    ) -> impl Future<Output = AppResult<Self::Record>> + Send;
    fn delete(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        now: OffsetDateTime,
    ) -> impl Future<Output = AppResult<()>> + Send;

    /// Renders the form: `form` holds the layout, the record being edited, what was typed,
    /// the version it was typed over and the errors.
    fn render_form(
        state: &AppState,
        page: &PageOrg,
        form: FormState<Self>,
    ) -> impl Future<Output = Result<Response, PageError>> + Send;

    /// Renders the record's page, its layout already carrying any notice or error.
    fn render_record(
        state: &AppState,
        page: &PageOrg,
        layout: Layout,
        record: Self::Record,
    ) -> impl Future<Output = Result<Response, PageError>> + Send;
}

/// The notice keys a register's area declares for its three outcomes.
pub struct Notices {
    pub created: &'static str,
    pub saved: &'static str,
    pub deleted: &'static str,
}

/// What a register's form template shows.
pub struct FormState<R: RegisterPages> {
    pub layout: Layout,
    /// The record being edited; `None` on the new-record form.
    pub editing: Option<R::Record>,
    pub input: R::Input,
    /// The version the person started from (0 on a new record).
    pub version: i64,
    pub errors: ValidationErrors,
}

impl<R: RegisterPages> FormState<R> {
    /// Where the form posts.
    pub fn action(&self) -> String {
        match &self.editing {
            Some(record) => self.layout.org_href(&record_path::<R>(R::id(record))),
            None => self.layout.org_href(R::PATH),
        }
    }
}

/// A register's posted form: its fields, plus the version the editor started from.
#[derive(Deserialize)]
pub struct RecordForm<I> {
    #[serde(flatten)]
    input: I,
    #[serde(default)]
    version: String,
}

fn record_path<R: RegisterPages>(id: Uuid) -> String {
    format!("{}/{id}", R::PATH)
}

/// The record's page, showing `notice`.
pub fn record_href<R: RegisterPages>(
    state: &AppState,
    page: &PageOrg,
    id: Uuid,
    notice: &str,
) -> String {
    format!(
        "{}/orgs/{}{}?notice={notice}",
        state.config.base_path,
        page.ctx.organisation().slug,
        record_path::<R>(id)
    )
}

async fn form<R: RegisterPages>(
    state: &AppState,
    page: &PageOrg,
    status: StatusCode,
    form: FormStateParts<R>,
) -> Result<Response, PageError> {
    let title = match &form.editing {
        Some(record) => format!("Edit {}", R::reference(record)),
        None => format!("New {}", R::NOUN),
    };
    let mut layout = Layout::new(state, page, title, R::SECTION).await?;
    if let Some(message) = form.error {
        layout = layout.with_error(message);
    }
    let state_of_form = FormState {
        layout,
        editing: form.editing,
        input: form.input,
        version: form.version,
        errors: form.errors,
    };
    let mut response = R::render_form(state, page, state_of_form).await?;
    *response.status_mut() = status;
    Ok(response)
}

/// A form to render, before its layout exists.
struct FormStateParts<R: RegisterPages> {
    editing: Option<R::Record>,
    input: R::Input,
    version: i64,
    errors: ValidationErrors,
    error: Option<String>,
}

pub async fn new_form<R: RegisterPages>(
    State(state): State<AppState>,
    page: PageOrg,
) -> Result<Response, PageError> {
    page.ctx.require(R::MANAGE)?;
    let parts = FormStateParts::<R> {
        editing: None,
        input: R::new_input(&page.ctx),
        version: 0,
        errors: ValidationErrors::new(),
        error: None,
    };
    form(&state, &page, StatusCode::OK, parts).await
}

pub async fn edit_form<R: RegisterPages>(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    page.ctx.require(R::MANAGE)?;
    let record = R::find(&state, &page.ctx, parse_id(&id)?).await?;
    let parts = FormStateParts::<R> {
        input: R::input_of(&record),
        version: R::version(&record),
        editing: Some(record),
        errors: ValidationErrors::new(),
        error: None,
    };
    form(&state, &page, StatusCode::OK, parts).await
}

pub async fn create<R: RegisterPages>(
    State(state): State<AppState>,
    page: PageOrg,
    Form(posted): Form<RecordForm<R::Input>>,
) -> Result<Response, PageError> {
    match R::create(&state, &page.ctx, &posted.input, now()).await {
        Ok(record) => Ok(see_other(record_href::<R>(
            &state,
            &page,
            R::id(&record),
            R::NOTICES.created,
        ))),
        Err(AppError::Validation(errors)) => {
            let parts = FormStateParts::<R> {
                editing: None,
                input: posted.input,
                version: 0,
                errors,
                error: None,
            };
            form(&state, &page, StatusCode::UNPROCESSABLE_ENTITY, parts).await
        }
        Err(error) => Err(PageError::from(error)),
    }
}

pub async fn update<R: RegisterPages>(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(posted): Form<RecordForm<R::Input>>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let version = form_version(&posted.version)?;
    let outcome = R::update(&state, &page.ctx, id, version, &posted.input, now()).await;
    let (status, errors, error) = match outcome {
        Ok(record) => {
            return Ok(see_other(record_href::<R>(
                &state,
                &page,
                R::id(&record),
                R::NOTICES.saved,
            )));
        }
        Err(error) => super::refused_save(error)?,
    };
    let current = R::find(&state, &page.ctx, id).await?;
    // After a conflict the form keeps what the person typed and carries the current version,
    // so saving again is a deliberate choice made after reading the message.
    let version = match error {
        Some(_) => R::version(&current),
        None => version,
    };
    let parts = FormStateParts::<R> {
        editing: Some(current),
        input: posted.input,
        version,
        errors,
        error,
    };
    form(&state, &page, status, parts).await
}

/// Where a button on a record's page leads: to `done` when the action worked, back to the
/// record with the reason (409) when it conflicted with another change, to an error page
/// otherwise.
pub async fn after_action<R: RegisterPages, T>(
    state: &AppState,
    page: &PageOrg,
    id: Uuid,
    result: AppResult<T>,
    done: String,
) -> Result<Response, PageError> {
    match result {
        Ok(_) => Ok(see_other(done)),
        Err(AppError::Conflict(message)) => {
            let record = R::find(state, &page.ctx, id).await?;
            record_with_conflict::<R>(state, page, record, message).await
        }
        Err(error) => Err(PageError::from(error)),
    }
}

/// The record's page with `message` as an error, answering 409.
async fn record_with_conflict<R: RegisterPages>(
    state: &AppState,
    page: &PageOrg,
    record: R::Record,
    message: String,
) -> Result<Response, PageError> {
    record_with_error::<R>(state, page, record, message, StatusCode::CONFLICT).await
}

async fn record_with_error<R: RegisterPages>(
    state: &AppState,
    page: &PageOrg,
    record: R::Record,
    message: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let title = R::name(&record);
    let layout = Layout::new(state, page, title, R::SECTION)
        .await?
        .with_error(message);
    let mut response = R::render_record(state, page, layout, record).await?;
    *response.status_mut() = status;
    Ok(response)
}

/// Record `id`'s page with `message` as an error and `status`: where an action taken on
/// the record's page (a link, a comment) was refused.
pub async fn record_page_with_error<R: RegisterPages>(
    state: &AppState,
    page: &PageOrg,
    id: Uuid,
    message: String,
    status: StatusCode,
) -> Result<Response, PageError> {
    let record = R::find(state, &page.ctx, id).await?;
    record_with_error::<R>(state, page, record, message, status).await
}

pub async fn delete<R: RegisterPages>(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(posted): Form<VersionForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let version = form_version(&posted.version)?;
    if !confirm::given(&posted.confirmed) {
        page.ctx.require(R::MANAGE)?;
        let record = R::find(&state, &page.ctx, id).await?;
        let name = R::name(&record);
        let layout = Layout::new(&state, &page, "Delete", R::SECTION).await?;
        let href = layout.org_href(&record_path::<R>(id));
        return Ok(render(&ConfirmPage {
            layout,
            question: format!("Delete {name}?"),
            explanation: R::DELETE_EXPLANATION.into(),
            action: format!("{href}/delete"),
            fields: vec![("version", version.to_string())],
            button_label: format!("Delete {}", R::NOUN).into(),
            button_class: "danger",
            back_href: href,
            back_label: name,
        }));
    }
    let result = R::delete(&state, &page.ctx, id, version, now()).await;
    let done = format!(
        "{}/orgs/{}{}?notice={}",
        state.config.base_path,
        page.ctx.organisation().slug,
        R::PATH,
        R::NOTICES.deleted
    );
    after_action::<R, _>(&state, &page, id, result, done).await
}

pub async fn show<R: RegisterPages>(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    axum::extract::Query(query): axum::extract::Query<super::PageQuery>,
) -> Result<Response, PageError> {
    let record = R::find(&state, &page.ctx, parse_id(&id)?).await?;
    let layout = Layout::new(&state, &page, R::name(&record), R::SECTION)
        .await?
        .with_flash(query.notice.as_deref());
    R::render_record(&state, &page, layout, record).await
}
