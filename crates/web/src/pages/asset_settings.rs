//! The pages of the impact scale and the classification scheme: what each level means, the
//! forms that change them, and the scheme's versions and their sign-off.

use askama::Template;
use axum::extract::{Form, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use custos_app::assets::{CurrentScheme, ImpactScaleSettings};
use custos_app::domain::ValidationErrors;
use custos_app::domain::assets::classification::{
    self, ClassificationLevel, ClassificationLevelInput, ClassificationScheme,
    ClassificationSchemeInput, SchemeVersion, SchemeVersionStatus,
};
use custos_app::domain::assets::impact::{self, ImpactLevelInput, ImpactScaleInput};
use custos_app::domain::context::FieldRule;
use custos_app::domain::platform::{Permission, RecordType};
use custos_app::{AppError, now};
use serde::Deserialize;

use super::{Area, Layout, form_version, see_other};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};

/// The asset settings in the shared page components: reached from the asset pages, so no
/// navigation entry of their own.
pub const AREA: Area = Area {
    nav: &[],
    notices: &[
        ("impact-scale-saved", "success", "Impact scale saved."),
        (
            "scheme-draft-saved",
            "success",
            "Draft saved. Submit it for approval when it is ready.",
        ),
        (
            "scheme-submitted",
            "success",
            "Sent for approval. The approvers will find it in their inbox.",
        ),
    ],
    field_labels: &[("levels", "Levels"), ("note", "Note to the approver")],
};

/// The rows of a form whose fields are named `levels[i].field`, up to `max` rows, each as
/// (field, value) pairs. Trailing rows whose `text_fields` are all blank are dropped: blank
/// rows are how a level is added or removed without JavaScript.
fn level_rows(
    pairs: &[(String, String)],
    max: usize,
    text_fields: &[&str],
) -> Vec<Vec<(String, String)>> {
    let mut rows: Vec<Vec<(String, String)>> = vec![Vec::new(); max];
    for (name, value) in pairs {
        let Some((index, field)) = name
            .strip_prefix("levels[")
            .and_then(|rest| rest.split_once("]."))
        else {
            continue;
        };
        if let Some(row) = index.parse::<usize>().ok().and_then(|i| rows.get_mut(i)) {
            row.push((field.to_owned(), value.clone()));
        }
    }
    let blank = |row: &Vec<(String, String)>| {
        row.iter()
            .all(|(field, value)| !text_fields.contains(&field.as_str()) || value.trim().is_empty())
    };
    while rows.last().is_some_and(blank) {
        rows.pop();
    }
    rows
}

fn field_of(row: &[(String, String)], field: &str) -> String {
    row.iter()
        .find(|(name, _)| name == field)
        .map(|(_, value)| value.clone())
        .unwrap_or_default()
}

/// The value of the single field `name` of a form read as pairs.
fn form_field<'a>(pairs: &'a [(String, String)], name: &str) -> &'a str {
    pairs
        .iter()
        .find(|(field, _)| field == name)
        .map_or("", |(_, value)| value.as_str())
}

/// "Level 2, label" for the field `levels[1].label`, as error summaries name it.
fn level_field_label(field: &str, labels: &[(&str, &str)]) -> String {
    let parsed = field
        .strip_prefix("levels[")
        .and_then(|rest| rest.split_once("]."))
        .and_then(|(index, name)| Some((index.parse::<usize>().ok()?, name)));
    match parsed {
        Some((index, name)) => {
            let label = labels
                .iter()
                .find(|(field, _)| *field == name)
                .map_or(name, |(_, label)| label);
            format!("Level {}, {}", index + 1, label.to_lowercase())
        }
        None => super::field_label(field).to_owned(),
    }
}

/// One row of a levels form: the level's fields as typed, by name.
pub struct LevelRow {
    pub index: usize,
    pub values: Vec<(String, String)>,
    /// A row beyond the levels the form was opened with: shown folded, as "add a level".
    pub extra: bool,
}

impl LevelRow {
    pub fn name(&self, field: &str) -> String {
        impact::level_field(self.index, field)
    }

    pub fn value(&self, field: &str) -> String {
        field_of(&self.values, field)
    }
}

fn rows_with_blanks(filled: Vec<Vec<(String, String)>>, max: usize) -> Vec<LevelRow> {
    let count = filled.len();
    (0..max)
        .map(|index| LevelRow {
            index,
            values: filled.get(index).cloned().unwrap_or_default(),
            extra: index >= count,
        })
        .collect()
}

// ---- Impact scale ----

const SCALE_FIELDS: [(&str, &str); 2] = [("label", "Label"), ("description", "What it means")];

#[derive(Template)]
#[template(path = "assets/impact_scale.html")]
struct ImpactScalePage {
    layout: Layout,
    settings: ImpactScaleSettings,
    rows: Vec<LevelRow>,
    /// The version the form replaces.
    version: i64,
    errors: ValidationErrors,
    can_manage: bool,
}

impl ImpactScalePage {
    /// The first rows make the smallest scale and are required; the others may stay blank.
    fn rule(&self, row: &LevelRow, field: &str) -> FieldRule {
        FieldRule {
            required: row.index < impact::MIN_LEVELS,
            ..ImpactScaleInput::rule(field)
        }
    }

    fn error_summary(&self) -> Vec<(String, String, String)> {
        error_summary(&self.errors, &SCALE_FIELDS)
    }
}

fn error_summary(
    errors: &ValidationErrors,
    labels: &[(&str, &str)],
) -> Vec<(String, String, String)> {
    errors
        .fields
        .iter()
        .map(|e| {
            (
                e.field.clone(),
                level_field_label(&e.field, labels),
                e.message.clone(),
            )
        })
        .collect()
}

fn scale_rows(input: &ImpactScaleInput) -> Vec<LevelRow> {
    let filled = input
        .levels
        .iter()
        .map(|level| {
            vec![
                ("label".to_owned(), level.label.clone()),
                ("description".to_owned(), level.description.clone()),
            ]
        })
        .collect();
    rows_with_blanks(filled, impact::MAX_LEVELS)
}

async fn impact_scale_page(
    state: &AppState,
    page: &PageOrg,
    rows: Option<Vec<LevelRow>>,
    version: Option<i64>,
    errors: ValidationErrors,
    notice: Option<&str>,
) -> Result<ImpactScalePage, PageError> {
    let settings = state.app.impact_scale_settings(&page.ctx).await?;
    let layout = Layout::new(state, page, "Impact scale", "assets")
        .await?
        .with_flash(notice);
    let rows = rows.unwrap_or_else(|| scale_rows(&ImpactScaleInput::from(&settings.saved.scale)));
    Ok(ImpactScalePage {
        layout,
        version: version.unwrap_or(settings.saved.version),
        settings,
        rows,
        errors,
        can_manage: page.ctx.can(Permission::ManageAssetSettings),
    })
}

#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    pub notice: Option<String>,
}

pub async fn impact_scale(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let shown = impact_scale_page(
        &state,
        &page,
        None,
        None,
        ValidationErrors::new(),
        query.notice.as_deref(),
    )
    .await?;
    Ok(render(&shown))
}

pub async fn update_impact_scale(
    State(state): State<AppState>,
    page: PageOrg,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let version = form_version(form_field(&pairs, "version"))?;
    let filled = level_rows(&pairs, impact::MAX_LEVELS, &["label", "description"]);
    let input = ImpactScaleInput {
        levels: filled
            .iter()
            .map(|row| ImpactLevelInput {
                label: field_of(row, "label"),
                description: field_of(row, "description"),
            })
            .collect(),
    };
    let result = state
        .app
        .update_impact_scale(&page.ctx, version, &input, now())
        .await;
    let (status, errors, message) = match result {
        Ok(_) => {
            let href = format!(
                "{}/orgs/{}/assets/impact-scale?notice=impact-scale-saved",
                state.config.base_path,
                page.ctx.organisation().slug
            );
            return Ok(see_other(href));
        }
        Err(error) => super::refused_save(error)?,
    };
    let rows = rows_with_blanks(filled, impact::MAX_LEVELS);
    // After a conflict the form carries the current version, so saving again is a choice
    // made after reading the message.
    let version = message.is_none().then_some(version);
    let mut shown = impact_scale_page(&state, &page, Some(rows), version, errors, None).await?;
    if let Some(message) = message {
        shown.layout = shown.layout.with_error(message);
    }
    Ok((status, render(&shown)).into_response())
}

// ---- Classification scheme ----

const SCHEME_FIELDS: [(&str, &str); 11] = [
    ("rank", "Rank"),
    ("name", "Name"),
    ("colour", "Colour"),
    ("label", "Label"),
    ("criteria", "Criteria"),
    ("handling", "Handling"),
    ("storage", "Storage"),
    ("transfer_email", "Transfer by e-mail"),
    ("transfer_removable_media", "Transfer on removable media"),
    ("transfer_third_parties", "Transfer to third parties"),
    ("disposal", "Disposal"),
];

/// The fields whose text decides whether a row of the form holds a level (a colour picker
/// always sends a colour).
const SCHEME_TEXT_FIELDS: [&str; 10] = [
    "rank",
    "name",
    "label",
    "criteria",
    "handling",
    "storage",
    "transfer_email",
    "transfer_removable_media",
    "transfer_third_parties",
    "disposal",
];

type HistoryEntry = super::HistoryEntry<SchemeVersion>;

#[derive(Template)]
#[template(path = "assets/classification.html")]
struct ClassificationPage {
    layout: Layout,
    current: CurrentScheme,
    /// A version asked for by number, shown instead of the scheme in force.
    viewing: Option<SchemeVersion>,
    history: Vec<HistoryEntry>,
    /// The newest version when it is open: a draft, or waiting for a decision.
    open: Option<HistoryEntry>,
    can_manage: bool,
    can_submit: bool,
}

impl ClassificationPage {
    fn levels(&self) -> &[ClassificationLevel] {
        match &self.viewing {
            Some(version) => &version.levels,
            None => &self.current.scheme.levels,
        }
    }

    fn is_draft(&self, entry: &HistoryEntry) -> bool {
        entry.version.status == SchemeVersionStatus::Draft
    }
}

#[derive(Deserialize, Default)]
pub struct SchemeQuery {
    pub notice: Option<String>,
    /// Show this version rather than the scheme in force.
    pub version: Option<String>,
}

pub async fn classification(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<SchemeQuery>,
) -> Result<Response, PageError> {
    let viewing = match query.version.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => {
            let number = raw.parse::<i64>().map_err(|_| AppError::NotFound)?;
            Some(
                state
                    .app
                    .classification_scheme_version(&page.ctx, number)
                    .await?,
            )
        }
    };
    let shown = classification_page(&state, &page, viewing, query.notice.as_deref()).await?;
    Ok(render(&shown))
}

async fn classification_page(
    state: &AppState,
    page: &PageOrg,
    viewing: Option<SchemeVersion>,
    notice: Option<&str>,
) -> Result<ClassificationPage, PageError> {
    let ctx = &page.ctx;
    let current = state.app.classification_scheme(ctx).await?;
    let versions = state.app.classification_scheme_versions(ctx).await?;
    let (open, history) = super::versions_with_sign_off(
        state,
        ctx,
        RecordType::ClassificationScheme,
        versions,
        |v| v.version,
        |v| {
            matches!(
                v.status,
                SchemeVersionStatus::Draft | SchemeVersionStatus::PendingApproval
            )
        },
    )
    .await?;
    let title = match &viewing {
        Some(version) => format!("Classification scheme, version {}", version.version),
        None => "Classification scheme".to_owned(),
    };
    let layout = Layout::new(state, page, title, "assets")
        .await?
        .with_flash(notice);
    Ok(ClassificationPage {
        layout,
        current,
        viewing,
        history,
        open,
        can_manage: ctx.can(Permission::ManageAssetSettings),
        can_submit: ctx.can(Permission::ManageAssetSettings)
            && ctx.can(Permission::SubmitForApproval),
    })
}

#[derive(Template)]
#[template(path = "assets/classification_form.html")]
struct SchemeFormPage {
    layout: Layout,
    rows: Vec<LevelRow>,
    revision: i64,
    errors: ValidationErrors,
}

impl SchemeFormPage {
    /// The first rows make the smallest scheme and are required; the others may stay blank.
    fn rule(&self, row: &LevelRow, field: &str) -> FieldRule {
        FieldRule {
            required: row.index < classification::MIN_LEVELS,
            ..ClassificationSchemeInput::rule(field)
        }
    }

    fn error_summary(&self) -> Vec<(String, String, String)> {
        error_summary(&self.errors, &SCHEME_FIELDS)
    }
}

fn scheme_rows(scheme: &ClassificationScheme) -> Vec<LevelRow> {
    let filled = scheme
        .levels
        .iter()
        .map(|level| {
            let input = ClassificationLevelInput::from(level);
            vec![
                ("rank".to_owned(), input.rank),
                ("name".to_owned(), input.name),
                ("colour".to_owned(), input.colour),
                ("label".to_owned(), input.label),
                ("criteria".to_owned(), input.criteria),
                ("handling".to_owned(), input.handling),
                ("storage".to_owned(), input.storage),
                ("transfer_email".to_owned(), input.transfer_email),
                (
                    "transfer_removable_media".to_owned(),
                    input.transfer_removable_media,
                ),
                (
                    "transfer_third_parties".to_owned(),
                    input.transfer_third_parties,
                ),
                ("disposal".to_owned(), input.disposal),
            ]
        })
        .collect();
    rows_with_blanks(filled, classification::MAX_LEVELS)
}

async fn scheme_form_page(
    state: &AppState,
    page: &PageOrg,
    rows: Option<Vec<LevelRow>>,
    revision: Option<i64>,
    from_built_in: bool,
    errors: ValidationErrors,
) -> Result<SchemeFormPage, PageError> {
    let ctx = &page.ctx;
    ctx.require(Permission::ManageAssetSettings)?;
    let draft = state.app.classification_draft(ctx).await?;
    let (number, start) = match &draft {
        Some(draft) if !from_built_in => (draft.version, draft.scheme()),
        _ => {
            let newest = state.app.classification_scheme_versions(ctx).await?;
            if let Some(open) = newest
                .first()
                .filter(|v| v.status == SchemeVersionStatus::PendingApproval)
            {
                return Err(AppError::Conflict(format!(
                    "Version {} of the classification scheme is waiting for a decision by \
                     senior management. Once it is approved or rejected, a new draft can be \
                     started.",
                    open.version
                ))
                .into());
            }
            let number = match &draft {
                Some(draft) => draft.version,
                None => newest.first().map_or(1, |v| v.version + 1),
            };
            let start = state
                .app
                .classification_draft_start(ctx, from_built_in)
                .await?;
            (number, start)
        }
    };
    let title = match &draft {
        Some(_) => format!("Edit the draft of version {number}"),
        None => format!("New draft: version {number}"),
    };
    let layout = Layout::new(state, page, title, "assets").await?;
    Ok(SchemeFormPage {
        layout,
        revision: revision.unwrap_or_else(|| draft.as_ref().map_or(0, |d| d.revision)),
        rows: rows.unwrap_or_else(|| scheme_rows(&start)),
        errors,
    })
}

#[derive(Deserialize, Default)]
pub struct DraftQuery {
    /// `built-in` fills the form with the built-in scheme.
    #[serde(default)]
    pub from: String,
}

pub async fn edit_draft(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<DraftQuery>,
) -> Result<Response, PageError> {
    let from_built_in = query.from == "built-in";
    let form = scheme_form_page(
        &state,
        &page,
        None,
        None,
        from_built_in,
        ValidationErrors::new(),
    )
    .await?;
    Ok(render(&form))
}

fn classification_href(state: &AppState, page: &PageOrg, notice: &str) -> String {
    format!(
        "{}/orgs/{}/assets/classification?notice={notice}",
        state.config.base_path,
        page.ctx.organisation().slug
    )
}

pub async fn save_draft(
    State(state): State<AppState>,
    page: PageOrg,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let revision = form_version(form_field(&pairs, "revision"))?;
    let filled = level_rows(&pairs, classification::MAX_LEVELS, &SCHEME_TEXT_FIELDS);
    let input = ClassificationSchemeInput {
        levels: filled
            .iter()
            .map(|row| ClassificationLevelInput {
                rank: field_of(row, "rank"),
                name: field_of(row, "name"),
                colour: field_of(row, "colour"),
                criteria: field_of(row, "criteria"),
                label: field_of(row, "label"),
                handling: field_of(row, "handling"),
                storage: field_of(row, "storage"),
                transfer_email: field_of(row, "transfer_email"),
                transfer_removable_media: field_of(row, "transfer_removable_media"),
                transfer_third_parties: field_of(row, "transfer_third_parties"),
                disposal: field_of(row, "disposal"),
            })
            .collect(),
    };
    let result = state
        .app
        .save_classification_draft(&page.ctx, revision, &input, now())
        .await;
    let (status, errors, message) = match result {
        Ok(_) => {
            return Ok(see_other(classification_href(
                &state,
                &page,
                "scheme-draft-saved",
            )));
        }
        Err(error) => super::refused_save(error)?,
    };
    let rows = rows_with_blanks(filled, classification::MAX_LEVELS);
    // After a conflict the form carries the current revision, so saving again is a choice
    // made after reading the message.
    let revision = message.is_none().then_some(revision);
    let mut form = scheme_form_page(&state, &page, Some(rows), revision, false, errors).await?;
    if let Some(message) = message {
        form.layout = form.layout.with_error(message);
    }
    Ok((status, render(&form)).into_response())
}

#[derive(Deserialize)]
pub struct SubmitDraftForm {
    #[serde(default)]
    version: String,
    #[serde(default)]
    revision: String,
    #[serde(default)]
    note: String,
}

pub async fn submit_draft(
    State(state): State<AppState>,
    page: PageOrg,
    Form(form): Form<SubmitDraftForm>,
) -> Result<Response, PageError> {
    let version = form_version(&form.version)?;
    let revision = form_version(&form.revision)?;
    let result = state
        .app
        .submit_classification_draft(&page.ctx, version, Some(revision), &form.note, now())
        .await;
    let (status, message) = match result {
        Ok(_) => {
            return Ok(see_other(classification_href(
                &state,
                &page,
                "scheme-submitted",
            )));
        }
        Err(AppError::Conflict(message)) => (StatusCode::CONFLICT, message),
        Err(AppError::Validation(errors)) => {
            let message = errors
                .fields
                .iter()
                .map(|e| e.message.clone())
                .collect::<Vec<_>>()
                .join(" ");
            (StatusCode::UNPROCESSABLE_ENTITY, message)
        }
        Err(error) => return Err(error.into()),
    };
    let mut shown = classification_page(&state, &page, None, None).await?;
    shown.layout = shown.layout.with_error(message);
    Ok((status, render(&shown)).into_response())
}
