//! Evidence pages: the register, the form and the item through the shared register pages;
//! uploading its file and downloading it (hashed again first).

use askama::Template;
use axum::extract::{FromRequest, Multipart, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use custos_app::controls::evidence::{EvidenceRecord, Upload};
use custos_app::domain::ValidationErrors;
use custos_app::domain::controls::evidence::{
    Evidence, EvidenceDraft, EvidenceFilterParams, EvidenceInput,
};
use custos_app::domain::fields::FieldRule;
use custos_app::domain::list::ListParams;
use custos_app::domain::platform::Permission;
use custos_app::{AppResult, OrgContext, now};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::register::{FormState, Notices, RegisterPages, record_href, record_page_with_error};
use super::{Area, Layout, NavEntry, PageQuery, parse_id, see_other};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};
use crate::list::{ListState, SortHeader};

pub const AREA: Area = Area {
    nav: &[NavEntry {
        section: "evidence",
        position: 485,
        label: "Evidence",
        path: "/evidence",
        permission: Some(Permission::ViewControls),
        shows_waiting_approvals: false,
    }],
    notices: &[
        ("evidence-created", "success", "Evidence recorded."),
        ("evidence-saved", "success", "Changes saved."),
        ("evidence-deleted", "success", "Evidence deleted."),
        (
            "evidence-file-saved",
            "success",
            "File kept, with its SHA-256.",
        ),
    ],
    // Labels are looked up across areas: those other registers share are theirs.
    field_labels: &[
        ("url", "Link"),
        ("collected_on", "Collected on"),
        ("effective_from", "Proves from"),
        ("effective_to", "Proves until"),
        ("expires_on", "Expires on"),
        ("controls", "Controls"),
        ("documents", "Documents"),
        ("file", "File"),
    ],
};

#[derive(Template)]
#[template(path = "evidence/list.html")]
struct ListPage {
    layout: Layout,
    items: Vec<Evidence>,
    list: ListState,
    headers: Vec<SortHeader>,
    params: ListParams,
    today: time::Date,
    can_manage: bool,
}

pub async fn list(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<PageQuery>,
    Query(params): Query<ListParams>,
    Query(filters): Query<EvidenceFilterParams>,
) -> Result<Response, PageError> {
    let ctx = &page.ctx;
    let request = filters.request(&params)?;
    let layout = Layout::new(&state, &page, "Evidence", "evidence")
        .await?
        .with_flash(query.notice.as_deref());
    let mut list = ListState::new(
        layout.org_href("/evidence"),
        vec![
            ("q", params.q.clone()),
            ("control_id", super::text_of(&filters.control_id)),
            ("document_id", super::text_of(&filters.document_id)),
            ("requirement", filters.requirement.clone()),
        ],
        request.sort.as_str(),
        request.direction,
        request.page,
    );
    let listed = state.app.list_evidence(ctx, &request).await?;
    list.set_total(&listed);
    let headers = vec![
        list.header("number", "Ref."),
        list.header("title", "Title"),
        list.header("collected_on", "Collected"),
        list.header("expires_on", "Expires"),
    ];
    Ok(render(&ListPage {
        layout,
        items: listed.items,
        list,
        headers,
        params,
        today: now().date(),
        can_manage: ctx.can(Permission::ManageControls),
    }))
}

/// The evidence form: its fields and what it is attached to, typed as references.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EvidencePageInput {
    #[serde(flatten)]
    pub evidence: EvidenceInput,
    /// `CTL-0001, CTL-0004`.
    #[serde(default)]
    pub controls: String,
    /// `A.8.13, soc2-2017:A1.2`.
    #[serde(default)]
    pub requirements: String,
    /// `DOC-0002`.
    #[serde(default)]
    pub documents: String,
}

#[derive(Template)]
#[template(path = "evidence/form.html")]
struct FormPage {
    layout: Layout,
    editing: Option<EvidenceRecord>,
    input: EvidencePageInput,
    version: i64,
    errors: ValidationErrors,
    action: String,
}

impl FormPage {
    fn rule(&self, field: &str) -> FieldRule {
        EvidenceInput::rule(field)
    }
}

/// How a record's attachments read on its page and in its form.
struct Attached {
    controls: Vec<(Uuid, String, String)>,
    requirements: Vec<String>,
    documents: Vec<(Uuid, String, String)>,
}

#[derive(Template)]
#[template(path = "evidence/show.html")]
struct ShowPage {
    layout: Layout,
    record: EvidenceRecord,
    attached: Attached,
    today: time::Date,
    can_manage: bool,
    can_view_audit: bool,
}

impl ShowPage {
    fn evidence(&self) -> &Evidence {
        &self.record.evidence
    }
}

/// The references and titles of what `record` is attached to.
async fn attached(
    state: &AppState,
    ctx: &OrgContext,
    record: &EvidenceRecord,
) -> AppResult<Attached> {
    let mut controls = Vec::new();
    for id in &record.targets.controls {
        let control = state.app.control(ctx, *id).await?.control;
        controls.push((control.id, control.reference(), control.title));
    }
    let mut documents = Vec::new();
    if ctx.can(Permission::ViewDocuments) {
        for id in &record.targets.documents {
            let document = state.app.document(ctx, *id).await?.document;
            documents.push((document.id, document.reference(), document.title));
        }
    }
    Ok(Attached {
        controls,
        requirements: record
            .targets
            .requirements
            .iter()
            .map(|r| r.to_string())
            .collect(),
        documents,
    })
}

/// The evidence register in the shared record pages.
pub struct EvidencePages;

impl RegisterPages for EvidencePages {
    type Record = EvidenceRecord;
    type Input = EvidencePageInput;
    const PATH: &'static str = "/evidence";
    const SECTION: &'static str = "evidence";
    const NOUN: &'static str = "evidence";
    const MANAGE: Permission = Permission::ManageControls;
    const NOTICES: Notices = Notices {
        created: "evidence-created",
        saved: "evidence-saved",
        deleted: "evidence-deleted",
    };
    const DELETE_EXPLANATION: &'static str = "The evidence disappears from the register and \
        from what it was attached to. The audit log keeps a copy of it, with its file's SHA-256.";

    fn id(record: &EvidenceRecord) -> Uuid {
        record.evidence.id
    }

    fn version(record: &EvidenceRecord) -> i64 {
        record.evidence.version
    }

    fn name(record: &EvidenceRecord) -> String {
        format!("{} {}", record.evidence.reference(), record.evidence.title)
    }

    fn reference(record: &EvidenceRecord) -> String {
        record.evidence.reference()
    }

    fn input_of(record: &EvidenceRecord) -> EvidencePageInput {
        // References are filled by the edit form from the record's page; ids are not typed.
        EvidencePageInput {
            evidence: EvidenceDraft::from(&record.evidence).to_input(),
            controls: String::new(),
            requirements: record
                .targets
                .requirements
                .iter()
                .map(|r| r.to_string())
                .collect::<Vec<_>>()
                .join(", "),
            documents: String::new(),
        }
    }

    fn new_input(_ctx: &OrgContext) -> EvidencePageInput {
        EvidencePageInput {
            evidence: EvidenceInput {
                collected_on: now().date().to_string(),
                ..EvidenceInput::default()
            },
            ..EvidencePageInput::default()
        }
    }

    async fn find(state: &AppState, ctx: &OrgContext, id: Uuid) -> AppResult<EvidenceRecord> {
        state.app.evidence(ctx, id).await
    }

    async fn create(
        state: &AppState,
        ctx: &OrgContext,
        input: &EvidencePageInput,
        now: OffsetDateTime,
    ) -> AppResult<EvidenceRecord> {
        let targets = state
            .app
            .evidence_targets_from_text(ctx, &input.controls, &input.requirements, &input.documents)
            .await?;
        state
            .app
            .create_evidence(ctx, &input.evidence, targets, now)
            .await
    }

    async fn update(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        input: &EvidencePageInput,
        now: OffsetDateTime,
    ) -> AppResult<EvidenceRecord> {
        let targets = state
            .app
            .evidence_targets_from_text(ctx, &input.controls, &input.requirements, &input.documents)
            .await?;
        state
            .app
            .update_evidence(ctx, id, version, &input.evidence, targets, now)
            .await
    }

    async fn delete(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        state.app.delete_evidence(ctx, id, version, now).await
    }

    async fn render_form(
        state: &AppState,
        page: &PageOrg,
        mut form: FormState<Self>,
    ) -> Result<Response, PageError> {
        // An edit form starts with the references of what the item is attached to.
        if let Some(record) = &form.editing
            && form.input.controls.is_empty()
            && form.input.documents.is_empty()
            && form.errors.is_empty()
        {
            let attached = attached(state, &page.ctx, record).await?;
            let refs = |items: &[(Uuid, String, String)]| {
                items
                    .iter()
                    .map(|(_, reference, _)| reference.clone())
                    .collect::<Vec<_>>()
                    .join(", ")
            };
            form.input.controls = refs(&attached.controls);
            form.input.documents = refs(&attached.documents);
        }
        Ok(render(&FormPage {
            action: form.action(),
            layout: form.layout,
            editing: form.editing,
            input: form.input,
            version: form.version,
            errors: form.errors,
        }))
    }

    async fn render_record(
        state: &AppState,
        page: &PageOrg,
        layout: Layout,
        record: EvidenceRecord,
    ) -> Result<Response, PageError> {
        let ctx = &page.ctx;
        let attached = attached(state, ctx, &record).await?;
        Ok(render(&ShowPage {
            layout,
            record,
            attached,
            today: now().date(),
            can_manage: ctx.can(Permission::ManageControls),
            can_view_audit: ctx.can(Permission::ViewAuditLog),
        }))
    }
}

/// `POST /orgs/{org}/evidence/{id}/file`: keeps the uploaded file.
pub async fn upload(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    request: axum::extract::Request,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    state.app.may_upload_evidence(&page.ctx)?;
    // The item first: another organisation's id is not found whatever the body holds.
    state.app.evidence(&page.ctx, id).await?;
    let multipart = match Multipart::from_request(request, &state).await {
        Ok(multipart) => multipart,
        Err(rejection) => {
            let message = format!(
                "Send the file as a form upload ({}).",
                rejection.body_text()
            );
            return record_page_with_error::<EvidencePages>(
                &state,
                &page,
                id,
                message,
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };
    let result = match file_field(multipart).await {
        Err(problem) => Err(ValidationErrors::single(
            "file",
            format!("The upload could not be read ({problem}); nothing was kept."),
        )
        .into()),
        Ok(None) => Err(ValidationErrors::single("file", "Choose a file to upload.").into()),
        Ok(Some((name, declared, bytes))) => {
            let upload = Upload {
                name: &name,
                declared_type: &declared,
                bytes,
            };
            state
                .app
                .upload_evidence_file(&page.ctx, id, upload, now())
                .await
        }
    };
    match result {
        Ok(_) => Ok(see_other(record_href::<EvidencePages>(
            &state,
            &page,
            id,
            "evidence-file-saved",
        ))),
        Err(error) => {
            let (status, message) = super::refusal(error)?;
            record_page_with_error::<EvidencePages>(&state, &page, id, message, status).await
        }
    }
}

/// `GET /orgs/{org}/evidence/{id}/file`: the file, once it hashes again to its record.
pub async fn download(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    match state.app.evidence_file(&page.ctx, id).await {
        Ok((file, bytes)) => Ok(crate::api::evidence::file_response(&file, bytes)),
        Err(custos_app::AppError::Conflict(message)) => {
            record_page_with_error::<EvidencePages>(
                &state,
                &page,
                id,
                message,
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(error) => Err(error.into()),
    }
}

/// The `file` field of a form upload: its name, its declared type and its bytes; `None`
/// when the form has none, the reason when it cannot be read.
pub(super) async fn file_field(
    mut multipart: Multipart,
) -> Result<Option<(String, String, Vec<u8>)>, String> {
    let mut file = None;
    loop {
        match multipart.next_field().await {
            Ok(Some(field)) if field.name() == Some("file") => {
                let name = field.file_name().unwrap_or_default().to_owned();
                let declared = field.content_type().unwrap_or_default().to_owned();
                let bytes = field.bytes().await.map_err(|e| e.body_text())?;
                file = Some((name, declared, bytes.to_vec()));
            }
            Ok(Some(_)) => {}
            Ok(None) => return Ok(file),
            Err(e) => return Err(e.body_text()),
        }
    }
}
