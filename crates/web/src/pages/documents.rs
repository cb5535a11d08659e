//! Document pages: the register, the form and the document's page through the shared
//! register pages; a version's text, its editor, and the steps of its way to approval.

use askama::Template;
use axum::extract::{Form, FromRequest, Path, Query, State};
use axum::response::{IntoResponse, Response};
use custos_app::domain::ValidationErrors;
use custos_app::domain::fields::FieldRule;
use custos_app::domain::governance::documents::{
    Document, DocumentDraft, DocumentFilterParams, DocumentInput, DocumentKind, DocumentStatus,
    DocumentVersion, VersionInput,
};
use custos_app::domain::list::ListParams;
use custos_app::domain::platform::Permission;
use custos_app::governance::documents::{DocumentDetail, version_html};
use custos_app::{AppResult, Member, OrgContext, now};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::register::{FormState, Notices, RegisterPages, after_action, record_href};
use super::{
    Area, Layout, NavEntry, PageQuery, VersionForm, form_version, options, parse_id, refused_save,
};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};
use crate::list::{ListState, SortHeader};

pub const AREA: Area = Area {
    nav: &[NavEntry {
        section: "documents",
        position: 470,
        label: "Documents",
        path: "/documents",
        permission: Some(Permission::ViewDocuments),
        shows_waiting_approvals: false,
    }],
    notices: &[
        (
            "document-created",
            "success",
            "Document created, with a first draft.",
        ),
        ("document-saved", "success", "Changes saved."),
        ("document-deleted", "success", "Document deleted."),
        (
            "document-retired",
            "success",
            "Document retired: no version is in force now.",
        ),
        (
            "version-started",
            "success",
            "New draft started from the text in force.",
        ),
        ("version-saved", "success", "Draft saved."),
        (
            "version-submitted",
            "success",
            "Sent to senior management for approval.",
        ),
    ],
    // Labels are looked up across areas: those other registers share are theirs.
    field_labels: &[
        ("kind", "Kind"),
        ("purpose", "Purpose"),
        ("review_months", "Review every (months)"),
        ("security_policy", "Information security policy (5.2)"),
        ("body", "Text (Markdown)"),
        ("change_note", "What changed"),
    ],
};

#[derive(Template)]
#[template(path = "documents/list.html")]
struct ListPage {
    layout: Layout,
    documents: Vec<Document>,
    list: ListState,
    headers: Vec<SortHeader>,
    params: ListParams,
    filters: DocumentFilterParams,
    kinds: [DocumentKind; 4],
    statuses: [DocumentStatus; 3],
    today: time::Date,
    can_manage: bool,
}

pub async fn list(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<PageQuery>,
    Query(params): Query<ListParams>,
    Query(filters): Query<DocumentFilterParams>,
) -> Result<Response, PageError> {
    let ctx = &page.ctx;
    let request = filters.request(&params)?;
    let layout = Layout::new(&state, &page, "Documents", "documents")
        .await?
        .with_flash(query.notice.as_deref());
    let mut list = ListState::new(
        layout.org_href("/documents"),
        vec![
            ("q", params.q.clone()),
            ("kind", filters.kind.clone()),
            ("status", filters.status.clone()),
        ],
        request.sort.as_str(),
        request.direction,
        request.page,
    );
    let listed = state.app.list_documents(ctx, &request).await?;
    list.set_total(&listed);
    let headers = vec![
        list.header("number", "Ref."),
        list.header("title", "Title"),
        list.header("kind", "Kind"),
        list.header("status", "Status"),
        list.header("next_review_on", "Next review"),
    ];
    Ok(render(&ListPage {
        layout,
        documents: listed.items,
        list,
        headers,
        params,
        filters,
        kinds: DocumentKind::ALL,
        statuses: DocumentStatus::ALL,
        today: now().date(),
        can_manage: ctx.can(Permission::ManageDocuments),
    }))
}

/// The document form: its description and, on a new document, the text of its first draft.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DocumentPageInput {
    #[serde(flatten)]
    pub document: DocumentInput,
    #[serde(default)]
    pub body: String,
}

#[derive(Template)]
#[template(path = "documents/form.html")]
struct FormPage {
    layout: Layout,
    editing: Option<DocumentDetail>,
    input: DocumentPageInput,
    version: i64,
    errors: ValidationErrors,
    action: String,
    members: Vec<Member>,
}

impl FormPage {
    fn rule(&self, field: &str) -> FieldRule {
        DocumentInput::rule(field)
    }

    fn body_rule(&self) -> FieldRule {
        VersionInput::rule("body")
    }

    fn owner_options(&self) -> Vec<(String, String)> {
        self.members
            .iter()
            .map(|m| (m.user_id.to_string(), m.name.clone()))
            .collect()
    }

    fn kind_options(&self) -> Vec<(String, String)> {
        options(&DocumentKind::ALL)
    }

    fn security_policy_checked(&self) -> bool {
        matches!(
            self.input.document.security_policy.as_str(),
            "on" | "true" | "1"
        )
    }
}

#[derive(Template)]
#[template(path = "documents/show.html")]
struct ShowPage {
    layout: Layout,
    detail: DocumentDetail,
    today: time::Date,
    can_manage: bool,
    can_view_audit: bool,
}

/// Document statuses for templates, which compare with constants.
pub const DRAFT: DocumentStatus = DocumentStatus::Draft;
pub const APPROVED: DocumentStatus = DocumentStatus::Approved;
pub const RETIRED: DocumentStatus = DocumentStatus::Retired;

impl ShowPage {
    fn document(&self) -> &Document {
        &self.detail.document
    }

    /// The number the next version will have.
    fn next_number(&self) -> i64 {
        self.detail.versions.first().map_or(1, |v| v.number + 1)
    }

    /// The text in force, as sanitised HTML.
    fn current_html(&self) -> Option<String> {
        self.detail.current().map(version_html)
    }
}

/// The documents register in the shared record pages.
pub struct DocumentPages;

impl RegisterPages for DocumentPages {
    type Record = DocumentDetail;
    type Input = DocumentPageInput;
    const PATH: &'static str = "/documents";
    const SECTION: &'static str = "documents";
    const NOUN: &'static str = "document";
    const MANAGE: Permission = Permission::ManageDocuments;
    const NOTICES: Notices = Notices {
        created: "document-created",
        saved: "document-saved",
        deleted: "document-deleted",
    };
    const DELETE_EXPLANATION: &'static str = "The document and its drafts disappear; a \
        document that was ever approved stays on record and is retired instead. The audit log \
        keeps a copy.";

    fn id(record: &DocumentDetail) -> Uuid {
        record.document.id
    }

    fn version(record: &DocumentDetail) -> i64 {
        record.document.version
    }

    fn name(record: &DocumentDetail) -> String {
        format!("{} {}", record.document.reference(), record.document.title)
    }

    fn reference(record: &DocumentDetail) -> String {
        record.document.reference()
    }

    fn input_of(record: &DocumentDetail) -> DocumentPageInput {
        DocumentPageInput {
            document: DocumentDraft::from(&record.document).to_input(),
            body: String::new(),
        }
    }

    fn new_input(ctx: &OrgContext) -> DocumentPageInput {
        DocumentPageInput {
            document: DocumentInput {
                owner_id: ctx.user().id.to_string(),
                review_months: "12".into(),
                ..DocumentInput::default()
            },
            body: String::new(),
        }
    }

    async fn find(state: &AppState, ctx: &OrgContext, id: Uuid) -> AppResult<DocumentDetail> {
        state.app.document(ctx, id).await
    }

    async fn create(
        state: &AppState,
        ctx: &OrgContext,
        input: &DocumentPageInput,
        now: OffsetDateTime,
    ) -> AppResult<DocumentDetail> {
        let text = VersionInput {
            body: input.body.clone(),
            change_note: "First version".into(),
        };
        let document = state
            .app
            .create_document(ctx, &input.document, &text, now)
            .await?;
        state.app.document(ctx, document.id).await
    }

    async fn update(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        input: &DocumentPageInput,
        now: OffsetDateTime,
    ) -> AppResult<DocumentDetail> {
        state
            .app
            .update_document(ctx, id, version, &input.document, now)
            .await?;
        state.app.document(ctx, id).await
    }

    async fn delete(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        state.app.delete_document(ctx, id, version, now).await
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
        detail: DocumentDetail,
    ) -> Result<Response, PageError> {
        let ctx = &page.ctx;
        Ok(render(&ShowPage {
            layout,
            detail,
            today: now().date(),
            can_manage: ctx.can(Permission::ManageDocuments),
            can_view_audit: ctx.can(Permission::ViewAuditLog),
        }))
    }
}

#[derive(Template)]
#[template(path = "documents/version.html")]
struct VersionPage {
    layout: Layout,
    document: Document,
    version: DocumentVersion,
    html: String,
    /// What was typed, when the editor is shown.
    input: VersionInput,
    /// The version's own version the editor saves over.
    edited_version: i64,
    errors: ValidationErrors,
    can_edit: bool,
    can_submit: bool,
}

impl VersionPage {
    fn rule(&self, field: &str) -> FieldRule {
        VersionInput::rule(field)
    }
}

/// The page of version `number` of a document, its editor filled with `typed` (or the
/// version's text).
async fn version_page(
    state: &AppState,
    page: &PageOrg,
    document_id: Uuid,
    number: i64,
    typed: Option<(VersionInput, i64)>,
    errors: ValidationErrors,
) -> Result<VersionPage, PageError> {
    let ctx = &page.ctx;
    let detail = state.app.document(ctx, document_id).await?;
    let version = state.app.document_version(ctx, document_id, number).await?;
    let title = format!(
        "{} {}, version {}",
        detail.document.reference(),
        detail.document.title,
        version.number
    );
    let layout = Layout::new(state, page, title, "documents").await?;
    let can_edit = ctx.can(Permission::ManageDocuments) && version.state.is_open();
    let (input, edited_version) = typed.unwrap_or_else(|| {
        (
            VersionInput {
                body: version.body.clone(),
                change_note: version.change_note.clone(),
            },
            version.version,
        )
    });
    Ok(VersionPage {
        html: version_html(&version),
        can_submit: can_edit && ctx.can(Permission::SubmitForApproval),
        layout,
        document: detail.document,
        version,
        input,
        edited_version,
        errors,
        can_edit,
    })
}

fn version_path(id: &str, number: &str) -> Result<(Uuid, i64), PageError> {
    let number = number
        .parse::<i64>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or(custos_app::AppError::NotFound)?;
    Ok((parse_id(id)?, number))
}

/// `GET /orgs/{org}/documents/{id}/versions/{number}`: the text, and its editor while open.
pub async fn version(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id, number)): Path<(String, String, String)>,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let (id, number) = version_path(&id, &number)?;
    let mut shown = version_page(&state, &page, id, number, None, ValidationErrors::new()).await?;
    shown.layout = shown.layout.with_flash(query.notice.as_deref());
    Ok(render(&shown))
}

#[derive(Deserialize)]
pub struct VersionTextForm {
    #[serde(flatten)]
    input: VersionInput,
    #[serde(default)]
    version: String,
}

/// `POST /orgs/{org}/documents/{id}/versions/{number}`: saves the text of an open version.
pub async fn save_version(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id, number)): Path<(String, String, String)>,
    Form(form): Form<VersionTextForm>,
) -> Result<Response, PageError> {
    let (id, number) = version_path(&id, &number)?;
    let expected = form_version(&form.version)?;
    let result = state
        .app
        .update_document_version(&page.ctx, id, number, expected, &form.input, now())
        .await;
    match result {
        Ok(_) => Ok(super::see_other(format!(
            "{}/orgs/{}/documents/{id}/versions/{number}?notice=version-saved",
            state.config.base_path,
            page.ctx.organisation().slug
        ))),
        Err(error) => {
            let (status, errors, message) = refused_save(error)?;
            let mut shown = version_page(
                &state,
                &page,
                id,
                number,
                Some((form.input, expected)),
                errors,
            )
            .await?;
            if let Some(message) = message {
                shown.layout = shown.layout.with_error(message);
            }
            Ok((status, render(&shown)).into_response())
        }
    }
}

/// `POST /orgs/{org}/documents/{id}/versions/{number}/submit`: sends it for approval.
pub async fn submit_version(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id, number)): Path<(String, String, String)>,
    Form(form): Form<VersionForm>,
) -> Result<Response, PageError> {
    let (id, number) = version_path(&id, &number)?;
    let expected = form_version(&form.version)?;
    let result = state
        .app
        .submit_document_version(&page.ctx, id, number, expected, &form.note, now())
        .await;
    match result {
        Ok(_) => Ok(super::see_other(record_href::<DocumentPages>(
            &state,
            &page,
            id,
            "version-submitted",
        ))),
        Err(error) => {
            let (status, errors, message) = refused_save(error)?;
            let mut shown = version_page(&state, &page, id, number, None, errors.clone()).await?;
            let message = message.unwrap_or_else(|| errors.sentences());
            shown.layout = shown.layout.with_error(message);
            Ok((status, render(&shown)).into_response())
        }
    }
}

/// `POST /orgs/{org}/documents/{id}/versions`: starts the next version.
pub async fn start_version(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let result = state.app.start_document_version(&page.ctx, id, now()).await;
    let done = match &result {
        Ok(version) => format!(
            "{}/orgs/{}/documents/{id}/versions/{}?notice=version-started",
            state.config.base_path,
            page.ctx.organisation().slug,
            version.number
        ),
        Err(_) => String::new(),
    };
    after_action::<DocumentPages, _>(&state, &page, id, result, done).await
}

/// `POST /orgs/{org}/documents/{id}/retire`: withdraws the document.
pub async fn retire(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<VersionForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let version = form_version(&form.version)?;
    let result = state
        .app
        .retire_document(&page.ctx, id, version, now())
        .await;
    let done = record_href::<DocumentPages>(&state, &page, id, "document-retired");
    after_action::<DocumentPages, _>(&state, &page, id, result, done).await
}

/// `POST /orgs/{org}/documents/{id}/versions/{version}/file`: keeps the uploaded file of an
/// open version.
pub async fn upload_file(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id, number)): Path<(String, String, String)>,
    request: axum::extract::Request,
) -> Result<Response, PageError> {
    let (id, number) = version_path(&id, &number)?;
    state.app.may_upload_document_file(&page.ctx)?;
    // The version first: another organisation's id is not found whatever the body holds.
    state.app.document_version(&page.ctx, id, number).await?;
    let field = match axum::extract::Multipart::from_request(request, &state).await {
        Ok(multipart) => super::evidence::file_field(multipart).await,
        Err(rejection) => Err(rejection.body_text()),
    };
    let result = match field {
        Err(problem) => Err(ValidationErrors::single(
            "file",
            format!("The upload could not be read ({problem}); nothing was kept."),
        )
        .into()),
        Ok(None) => Err(ValidationErrors::single("file", "Choose a file to upload.").into()),
        Ok(Some((name, declared, bytes))) => {
            let upload = custos_app::files::Upload {
                name: &name,
                declared_type: &declared,
                bytes,
            };
            state
                .app
                .upload_document_file(&page.ctx, id, number, upload, now())
                .await
        }
    };
    match result {
        Ok(_) => Ok(super::see_other(format!(
            "{}/orgs/{}/documents/{id}/versions/{number}?notice=version-saved",
            state.config.base_path,
            page.ctx.organisation().slug
        ))),
        Err(error) => {
            let (status, errors, message) = refused_save(error)?;
            let mut shown = version_page(&state, &page, id, number, None, errors.clone()).await?;
            shown.layout = shown
                .layout
                .with_error(message.unwrap_or_else(|| errors.sentences()));
            Ok((status, render(&shown)).into_response())
        }
    }
}

/// `GET /orgs/{org}/documents/{id}/versions/{version}/file`: the file, once it hashes again.
pub async fn download_file(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id, number)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let (id, number) = version_path(&id, &number)?;
    let (file, bytes) = state.app.document_file(&page.ctx, id, number).await?;
    Ok(crate::api::evidence::file_response(&file, bytes))
}
