//! The risk method's pages: the method in force with its matrix, its versions and their
//! sign-off, the draft form (scales, levels, matrix, appetite), the built-in templates and the
//! import of a CISO Assistant risk matrix.

use askama::Template;
use axum::extract::{Form, Multipart, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use custos_app::domain::ValidationErrors;
use custos_app::domain::platform::{Permission, RecordType, Role};
use custos_app::domain::risk::method::{
    self, ACCEPTING_ROLES, AreaImpact, ImpactArea, ImpactLevel, LikelihoodLevel, RiskLevel,
    RiskMethod, Template as MethodTemplate,
};
use custos_app::risk::method::MethodVersion;
use custos_app::{AppError, now};
use serde::Deserialize;

use super::{Area, Layout, NavEntry, form_version, see_other};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};

pub const AREA: Area = Area {
    nav: &[NavEntry {
        section: "risk",
        position: 350,
        label: "Risk method",
        path: "/risk/method",
        permission: Some(Permission::ViewRisks),
        shows_waiting_approvals: false,
    }],
    notices: &[
        (
            "method-draft-saved",
            "success",
            "Draft saved. Submit it for approval when it is ready.",
        ),
        (
            "method-submitted",
            "success",
            "Sent for approval. The approvers will find it in their inbox.",
        ),
    ],
    field_labels: &[
        ("title", "Title"),
        ("likelihood", "Likelihood scale"),
        ("impact", "Impact scale"),
        ("impact_areas", "Impact areas"),
        ("levels", "Risk levels"),
        ("matrix", "Matrix"),
        ("appetite", "Appetite"),
        ("currency", "Currency"),
        ("loss_appetite", "Loss appetite"),
        ("file", "File"),
        ("note", "Note to the approver"),
    ],
};

/// The largest risk-matrix library the upload form takes.
const LIBRARY_MAX_BYTES: usize = 1_000_000;

type HistoryEntry = super::HistoryEntry<MethodVersion>;

/// A cell of the matrix as drawn: its level's name and colour.
pub struct Cell {
    pub name: String,
    pub colour: String,
    pub within_appetite: bool,
}

#[derive(Template)]
#[template(path = "risk/method.html")]
struct MethodPage {
    layout: Layout,
    /// The version in force.
    current: Option<MethodVersion>,
    /// A version asked for by number, shown instead of the one in force.
    viewing: Option<MethodVersion>,
    history: Vec<HistoryEntry>,
    /// The newest version when it is open: a draft, or waiting for a decision.
    open: Option<HistoryEntry>,
    can_manage: bool,
    can_submit: bool,
    /// Notes from an import, to check before submitting.
    import_notes: Vec<String>,
}

impl MethodPage {
    fn shown(&self) -> Option<&MethodVersion> {
        self.viewing.as_ref().or(self.current.as_ref())
    }

    fn is_draft(&self, entry: &HistoryEntry) -> bool {
        entry.version.is_draft()
    }

    /// A draft can be started or replaced: nothing waits for a decision.
    fn can_start(&self) -> bool {
        self.can_manage
            && !self
                .open
                .as_ref()
                .is_some_and(|o| o.version.awaits_decision())
    }

    fn in_force(&self, version: &i64) -> bool {
        self.current.as_ref().is_some_and(|c| c.version == *version)
    }

    /// The name of the appetite's level in `method`.
    fn appetite_name(&self, method: &RiskMethod) -> String {
        method
            .level(method.appetite)
            .map_or_else(String::new, |level| level.name.clone())
    }

    fn templates(&self) -> Vec<(&'static str, &'static str)> {
        MethodTemplate::ALL
            .iter()
            .map(|t| (t.as_str(), t.label()))
            .collect()
    }
}

/// The matrix of `method`, most likely row first (as it is drawn), each row with its
/// likelihood name.
pub fn matrix_rows(method: &RiskMethod) -> Vec<(String, Vec<Cell>)> {
    method
        .matrix
        .iter()
        .enumerate()
        .rev()
        .map(|(l, row)| {
            let name = method
                .likelihood
                .get(l)
                .map_or_else(String::new, |level| level.name.clone());
            let cells = row
                .iter()
                .map(|&cell| {
                    let level = method.level(cell);
                    Cell {
                        name: level.map_or_else(String::new, |level| level.name.clone()),
                        colour: level.map_or_else(String::new, |level| level.colour.clone()),
                        within_appetite: method.within_appetite(cell),
                    }
                })
                .collect();
            (name, cells)
        })
        .collect()
}

#[derive(Deserialize, Default)]
pub struct MethodQuery {
    pub notice: Option<String>,
    /// Show this version rather than the method in force.
    pub version: Option<String>,
}

pub async fn method(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<MethodQuery>,
) -> Result<Response, PageError> {
    let viewing = match query.version.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(raw) => {
            let number = raw.parse::<i64>().map_err(|_| AppError::NotFound)?;
            Some(state.app.risk_method_version(&page.ctx, number).await?)
        }
    };
    let shown = method_page(&state, &page, viewing, query.notice.as_deref()).await?;
    Ok(render(&shown))
}

async fn method_page(
    state: &AppState,
    page: &PageOrg,
    viewing: Option<MethodVersion>,
    notice: Option<&str>,
) -> Result<MethodPage, PageError> {
    let ctx = &page.ctx;
    let current = state.app.risk_method(ctx).await?;
    let versions = state.app.risk_method_versions(ctx).await?;
    let (open, history) = super::versions_with_sign_off(
        state,
        ctx,
        RecordType::RiskMethod,
        versions,
        |v| v.version,
        |v| v.is_draft() || v.awaits_decision(),
    )
    .await?;
    let title = match &viewing {
        Some(version) => format!("Risk method, version {}", version.version),
        None => "Risk method".to_owned(),
    };
    let layout = Layout::new(state, page, title, "risk")
        .await?
        .with_flash(notice);
    Ok(MethodPage {
        layout,
        current,
        viewing,
        history,
        open,
        can_manage: ctx.can(Permission::ManageRiskMethod),
        can_submit: ctx.can(Permission::ManageRiskMethod) && ctx.can(Permission::SubmitForApproval),
        import_notes: Vec::new(),
    })
}

/// The draft form's content: the method as text fields, with room for the largest scales.
pub struct MethodForm {
    pub title: String,
    pub currency: String,
    pub loss_appetite: String,
    pub appetite: String,
    pub areas: Vec<ImpactArea>,
    /// Name, description, frequency; `MAX_SCALE_LEVELS` rows.
    pub likelihood: Vec<[String; 3]>,
    /// Name, description and one description per area; `MAX_SCALE_LEVELS` rows.
    pub impact: Vec<(String, String, Vec<String>)>,
    /// Name, colour, response, acceptor, review months; `MAX_RISK_LEVELS` rows.
    pub levels: Vec<[String; 5]>,
    /// `cells[l][i]`: the level number (1-based) chosen for likelihood `l`, impact `i`.
    pub cells: Vec<Vec<String>>,
}

impl MethodForm {
    fn from_method(method: &RiskMethod) -> Self {
        let mut likelihood: Vec<[String; 3]> = method
            .likelihood
            .iter()
            .map(|l| [l.name.clone(), l.description.clone(), l.frequency.clone()])
            .collect();
        likelihood.resize_with(method::MAX_SCALE_LEVELS, Default::default);
        let mut impact: Vec<(String, String, Vec<String>)> = method
            .impact
            .iter()
            .map(|level| {
                let areas = method
                    .impact_areas
                    .iter()
                    .map(|area| {
                        level
                            .areas
                            .iter()
                            .find(|a| a.area == *area)
                            .map_or_else(String::new, |a| a.description.clone())
                    })
                    .collect();
                (level.name.clone(), level.description.clone(), areas)
            })
            .collect();
        impact.resize_with(method::MAX_SCALE_LEVELS, || {
            (
                String::new(),
                String::new(),
                vec![String::new(); method.impact_areas.len()],
            )
        });
        let mut levels: Vec<[String; 5]> = method
            .levels
            .iter()
            .map(|level| {
                [
                    level.name.clone(),
                    level.colour.clone(),
                    level.response.clone(),
                    level.acceptor.as_str().to_owned(),
                    level.review_months.to_string(),
                ]
            })
            .collect();
        levels.resize_with(method::MAX_RISK_LEVELS, Default::default);
        let mut cells: Vec<Vec<String>> = method
            .matrix
            .iter()
            .map(|row| row.iter().map(|cell| (cell + 1).to_string()).collect())
            .collect();
        for row in &mut cells {
            row.resize(method::MAX_SCALE_LEVELS, String::new());
        }
        cells.resize_with(method::MAX_SCALE_LEVELS, || {
            vec![String::new(); method::MAX_SCALE_LEVELS]
        });
        Self {
            title: method.title.clone(),
            currency: method.currency.clone(),
            loss_appetite: method
                .loss_appetite
                .map_or_else(String::new, |amount| amount.to_string()),
            appetite: (method.appetite + 1).to_string(),
            areas: method.impact_areas.clone(),
            likelihood,
            impact,
            levels,
            cells,
        }
    }

    /// The form as posted: fields named as the method's JSON (`likelihood[0].name`,
    /// `matrix[2][1]`). Rows left blank are dropped, so a scale shrinks by clearing its last
    /// rows; numbers that do not parse are reported with the method's other errors.
    fn from_pairs(pairs: &[(String, String)]) -> Self {
        let field = |name: &str| -> String {
            pairs
                .iter()
                .find(|(key, _)| key == name)
                .map_or_else(String::new, |(_, value)| value.clone())
        };
        let areas: Vec<ImpactArea> = ImpactArea::ALL
            .into_iter()
            .filter(|area| {
                pairs
                    .iter()
                    .any(|(k, v)| k == "impact_areas" && v == area.as_str())
            })
            .collect();
        let likelihood = (0..method::MAX_SCALE_LEVELS)
            .map(|i| {
                ["name", "description", "frequency"].map(|f| field(&format!("likelihood[{i}].{f}")))
            })
            .collect();
        let impact = (0..method::MAX_SCALE_LEVELS)
            .map(|i| {
                let descriptions = (0..areas.len())
                    .map(|a| field(&format!("impact[{i}].areas[{a}].description")))
                    .collect();
                (
                    field(&format!("impact[{i}].name")),
                    field(&format!("impact[{i}].description")),
                    descriptions,
                )
            })
            .collect();
        let levels = (0..method::MAX_RISK_LEVELS)
            .map(|i| {
                ["name", "colour", "response", "acceptor", "review_months"]
                    .map(|f| field(&format!("levels[{i}].{f}")))
            })
            .collect();
        let cells = (0..method::MAX_SCALE_LEVELS)
            .map(|l| {
                (0..method::MAX_SCALE_LEVELS)
                    .map(|i| field(&format!("matrix[{l}][{i}]")))
                    .collect()
            })
            .collect();
        Self {
            title: field("title"),
            currency: field("currency"),
            loss_appetite: field("loss_appetite"),
            appetite: field("appetite"),
            areas,
            likelihood,
            impact,
            levels,
            cells,
        }
    }

    /// The method the form describes, or every error in it (the method's own rules included).
    fn to_method(&self) -> Result<RiskMethod, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let filled = |texts: &[&String]| texts.iter().any(|t| !t.trim().is_empty());
        let likelihood: Vec<LikelihoodLevel> = self
            .likelihood
            .iter()
            .filter(|[n, d, f]| filled(&[n, d, f]))
            .map(|[name, description, frequency]| LikelihoodLevel {
                name: name.clone(),
                description: description.clone(),
                frequency: frequency.clone(),
            })
            .collect();
        let impact: Vec<ImpactLevel> = self
            .impact
            .iter()
            .filter(|(n, d, areas)| filled(&[n, d]) || areas.iter().any(|a| !a.trim().is_empty()))
            .map(|(name, description, areas)| ImpactLevel {
                name: name.clone(),
                description: description.clone(),
                areas: self
                    .areas
                    .iter()
                    .zip(areas)
                    .map(|(area, text)| AreaImpact {
                        area: *area,
                        description: text.clone(),
                    })
                    .collect(),
            })
            .collect();
        let mut levels = Vec::new();
        for (index, [name, colour, response, acceptor, months]) in self.levels.iter().enumerate() {
            // A colour input always sends a colour (black when untouched): it does not make
            // a row filled.
            if !filled(&[name, response, months]) {
                continue;
            }
            let acceptor = Role::parse(acceptor).unwrap_or_else(|| {
                errors.add(
                    &format!("levels[{index}].acceptor"),
                    "Choose who accepts risks at this level.",
                );
                Role::IsmsManager
            });
            let review_months = months.trim().parse::<u16>().unwrap_or_else(|_| {
                errors.add(
                    &format!("levels[{index}].review_months"),
                    format!(
                        "Enter a whole number of months from 1 to {}.",
                        method::MAX_REVIEW_MONTHS
                    ),
                );
                1
            });
            levels.push(RiskLevel {
                name: name.clone(),
                colour: colour.clone(),
                response: response.clone(),
                acceptor,
                review_months,
            });
        }
        let mut matrix = Vec::with_capacity(likelihood.len());
        for l in 0..likelihood.len() {
            let mut row = Vec::with_capacity(impact.len());
            for i in 0..impact.len() {
                let raw = self
                    .cells
                    .get(l)
                    .and_then(|r| r.get(i))
                    .map_or("", String::as_str);
                match raw.trim().parse::<u8>() {
                    Ok(number) if number >= 1 => row.push(number - 1),
                    _ => {
                        errors.add(
                            &format!("matrix[{l}][{i}]"),
                            "Choose a risk level for this cell.",
                        );
                        row.push(0);
                    }
                }
            }
            matrix.push(row);
        }
        let appetite = match self.appetite.trim().parse::<u8>() {
            Ok(number) if number >= 1 => number - 1,
            _ => {
                errors.add(
                    "appetite",
                    "Choose the highest level accepted without treatment.",
                );
                0
            }
        };
        let loss_appetite = match self.loss_appetite.trim() {
            "" => None,
            raw => match raw.replace([',', ' ', '_'], "").parse::<u64>() {
                Ok(amount) => Some(amount),
                Err(_) => {
                    errors.add(
                        "loss_appetite",
                        "Enter a whole amount such as 250000, or leave it empty.",
                    );
                    None
                }
            },
        };
        let method = RiskMethod {
            title: self.title.clone(),
            likelihood,
            impact,
            impact_areas: self.areas.clone(),
            levels,
            matrix,
            appetite,
            currency: self.currency.clone(),
            loss_appetite,
        };
        match method.checked() {
            Ok(method) if errors.is_empty() => Ok(method),
            Ok(_) => Err(errors),
            Err(more) => {
                errors.fields.extend(more.fields);
                Err(errors)
            }
        }
    }
}

#[derive(Template)]
#[template(path = "risk/method_form.html")]
struct MethodFormPage {
    layout: Layout,
    form: MethodForm,
    revision: i64,
    errors: ValidationErrors,
}

impl MethodFormPage {
    fn error(&self, field: &str) -> Option<&str> {
        self.errors.for_field(field)
    }

    fn error_summary(&self) -> Vec<(String, String)> {
        self.errors
            .fields
            .iter()
            .map(|e| (e.field.clone(), e.message.clone()))
            .collect()
    }

    fn area_checked(&self, area: &ImpactArea) -> bool {
        self.form.areas.contains(area)
    }

    fn all_areas(&self) -> [ImpactArea; 7] {
        ImpactArea::ALL
    }

    fn roles(&self) -> Vec<(String, String)> {
        ACCEPTING_ROLES
            .iter()
            .map(|role| (role.as_str().to_owned(), role.label().to_owned()))
            .collect()
    }

    /// Level numbers a matrix cell or the appetite can name, with the names the form holds.
    fn level_options(&self) -> Vec<(String, String)> {
        self.form
            .levels
            .iter()
            .enumerate()
            .map(|(i, level)| {
                let name = if level[0].trim().is_empty() {
                    format!("Level {}", i + 1)
                } else {
                    format!("{}. {}", i + 1, level[0].trim())
                };
                ((i + 1).to_string(), name)
            })
            .collect()
    }

    /// The matrix rows most likely first, as drawn, with their position.
    fn matrix_order(&self) -> Vec<usize> {
        (0..method::MAX_SCALE_LEVELS).rev().collect()
    }

    fn scale_positions(&self) -> Vec<usize> {
        (0..method::MAX_SCALE_LEVELS).collect()
    }

    fn likelihood_name(&self, l: &usize) -> String {
        let name = self.form.likelihood[*l][0].trim();
        if name.is_empty() {
            format!("Likelihood {}", l + 1)
        } else {
            name.to_owned()
        }
    }

    fn impact_name(&self, i: &usize) -> String {
        let name = self.form.impact[*i].0.trim();
        if name.is_empty() {
            format!("Impact {}", i + 1)
        } else {
            name.to_owned()
        }
    }

    /// Impact row `i`'s name (0) or description (1).
    fn impact_text(&self, i: &usize, part: usize) -> &str {
        let (name, description, _) = &self.form.impact[*i];
        if part == 0 { name } else { description }
    }

    fn area_text(&self, i: &usize, a: &usize) -> &str {
        self.form.impact[*i].2.get(*a).map_or("", String::as_str)
    }

    fn acceptor_of(&self, i: &usize) -> String {
        self.form.levels[*i][3].clone()
    }

    /// Whether matrix cell (`l`, `i`) holds level number `value`.
    fn cell_is(&self, l: &usize, i: &usize, value: &str) -> bool {
        self.form.cells[*l][*i] == value
    }
}

async fn method_form_page(
    state: &AppState,
    page: &PageOrg,
    form: Option<MethodForm>,
    revision: Option<i64>,
    template: Option<MethodTemplate>,
    errors: ValidationErrors,
) -> Result<MethodFormPage, PageError> {
    let ctx = &page.ctx;
    ctx.require(Permission::ManageRiskMethod)?;
    let draft = state.app.risk_method_draft(ctx).await?;
    let versions = state.app.risk_method_versions(ctx).await?;
    if let Some(pending) = versions.first().filter(|v| v.awaits_decision()) {
        return Err(AppError::Conflict(format!(
            "Version {} of the risk method is waiting for a decision by senior management. \
             Once it is approved or rejected, a new draft can be started.",
            pending.version
        ))
        .into());
    }
    let number = match &draft {
        Some(draft) => draft.version,
        None => versions.first().map_or(1, |v| v.version + 1),
    };
    let form = match form {
        Some(form) => form,
        None => match (&draft, template) {
            (Some(draft), None) => MethodForm::from_method(&draft.body),
            _ => MethodForm::from_method(&state.app.risk_method_draft_start(ctx, template).await?),
        },
    };
    let title = match &draft {
        Some(_) => format!("Edit the draft of version {number}"),
        None => format!("New draft: version {number}"),
    };
    let layout = Layout::new(state, page, title, "risk").await?;
    Ok(MethodFormPage {
        layout,
        revision: revision.unwrap_or_else(|| draft.as_ref().map_or(0, |d| d.revision)),
        form,
        errors,
    })
}

#[derive(Deserialize, Default)]
pub struct DraftQuery {
    /// `3x3`, `4x4` or `5x5` fills the form with that template.
    #[serde(default)]
    pub template: String,
}

pub async fn edit_draft(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<DraftQuery>,
) -> Result<Response, PageError> {
    let template = match query.template.trim() {
        "" => None,
        raw => Some(MethodTemplate::parse(raw).ok_or(AppError::NotFound)?),
    };
    let form =
        method_form_page(&state, &page, None, None, template, ValidationErrors::new()).await?;
    Ok(render(&form))
}

fn method_href(state: &AppState, page: &PageOrg, notice: &str) -> String {
    format!(
        "{}/orgs/{}/risk/method?notice={notice}",
        state.config.base_path,
        page.ctx.organisation().slug
    )
}

pub async fn save_draft(
    State(state): State<AppState>,
    page: PageOrg,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    let revision = form_version(
        pairs
            .iter()
            .find(|(key, _)| key == "revision")
            .map_or("", |(_, value)| value.as_str()),
    )?;
    let form = MethodForm::from_pairs(&pairs);
    let result = match form.to_method() {
        Ok(method) => {
            state
                .app
                .save_risk_method_draft(&page.ctx, revision, method, now())
                .await
        }
        Err(errors) => {
            page.ctx.require(Permission::ManageRiskMethod)?;
            Err(AppError::Validation(errors))
        }
    };
    let (status, errors, message) = match result {
        Ok(_) => return Ok(see_other(method_href(&state, &page, "method-draft-saved"))),
        Err(error) => super::refused_save(error)?,
    };
    // After a conflict the form carries the current revision, so saving again is a choice
    // made after reading the message.
    let revision = message.is_none().then_some(revision);
    let mut shown = method_form_page(&state, &page, Some(form), revision, None, errors).await?;
    if let Some(message) = message {
        shown.layout = shown.layout.with_error(message);
    }
    Ok((status, render(&shown)).into_response())
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
        .submit_risk_method_draft(&page.ctx, version, Some(revision), &form.note, now())
        .await;
    let (status, message) = match result {
        Ok(_) => return Ok(see_other(method_href(&state, &page, "method-submitted"))),
        Err(AppError::Conflict(message)) => (StatusCode::CONFLICT, message),
        Err(AppError::Validation(errors)) => (StatusCode::UNPROCESSABLE_ENTITY, errors.sentences()),
        Err(error) => return Err(error.into()),
    };
    let mut shown = method_page(&state, &page, None, None).await?;
    shown.layout = shown.layout.with_error(message);
    Ok((status, render(&shown)).into_response())
}

/// Reads an uploaded CISO Assistant risk matrix into the draft and shows the method page with
/// what the file did not say.
pub async fn import_matrix(
    State(state): State<AppState>,
    page: PageOrg,
    multipart: Multipart,
) -> Result<Response, PageError> {
    page.ctx.require(Permission::ManageRiskMethod)?;
    let (revision, file) = match uploaded_library(multipart).await {
        Ok(upload) => upload,
        Err(message) => return failed_import(&state, &page, message).await,
    };
    let Ok(yaml) = String::from_utf8(file) else {
        let message = "The file is not UTF-8 text: choose the library's YAML file.".to_owned();
        return failed_import(&state, &page, message).await;
    };
    match state
        .app
        .import_risk_matrix(&page.ctx, revision, &yaml, now())
        .await
    {
        Ok((_, notes)) => {
            let mut shown = method_page(&state, &page, None, Some("method-draft-saved")).await?;
            shown.import_notes = notes;
            Ok(render(&shown))
        }
        Err(AppError::Validation(errors)) => failed_import(&state, &page, errors.sentences()).await,
        Err(AppError::Conflict(message)) => failed_import(&state, &page, message).await,
        Err(error) => Err(error.into()),
    }
}

async fn failed_import(
    state: &AppState,
    page: &PageOrg,
    message: String,
) -> Result<Response, PageError> {
    let mut shown = method_page(state, page, None, None).await?;
    shown.layout = shown
        .layout
        .with_error(format!("The risk matrix was not imported. {message}"));
    Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&shown)).into_response())
}

/// The draft revision and the file an upload form sent, or what to tell the person.
async fn uploaded_library(mut multipart: Multipart) -> Result<(i64, Vec<u8>), String> {
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        format!("The upload could not be read ({e}); choose the file again.")
    };
    let mut revision = 0;
    let mut file = None;
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name() {
            Some("revision") => {
                let text = field.text().await.map_err(unreadable)?;
                revision = text
                    .trim()
                    .parse()
                    .map_err(|_| "The form was damaged: reload the page.".to_owned())?;
            }
            Some("file") => {
                let bytes = field.bytes().await.map_err(unreadable)?;
                if bytes.len() > LIBRARY_MAX_BYTES {
                    return Err(format!(
                        "The file is {} kB; a risk matrix library is a few kB. Choose the \
                         risk-matrix YAML file.",
                        bytes.len() / 1000
                    ));
                }
                file = Some(bytes.to_vec());
            }
            _ => {}
        }
    }
    match file {
        Some(bytes) if !bytes.is_empty() => Ok((revision, bytes)),
        _ => Err("Choose a CISO Assistant risk-matrix file (YAML) to import.".into()),
    }
}
