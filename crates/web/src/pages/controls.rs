//! The framework libraries' pages: the frameworks, one framework's requirement tree, and one
//! requirement with its guidance and how it maps to other frameworks.

use std::collections::HashMap;

use askama::Template;
use axum::Form;
use axum::extract::{Path, Query, State};
use axum::response::{IntoResponse, Response};
use custos_app::controls::soa::SoaVersion;
use custos_app::domain::ValidationErrors;
use custos_app::domain::controls::library::{
    FrameworkSummary, MappingSetSummary, StoredFramework, StoredMapping, StoredRequirement,
};
use custos_app::domain::controls::soa::{
    ImplementationStatus, InclusionReason, SoaEntry, StatementOfApplicability,
};
use custos_app::domain::platform::Permission;
use custos_app::now;

use super::{Area, Layout, NavEntry, PageQuery, form_version, see_other};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};

pub const AREA: Area = Area {
    nav: &[
        NavEntry {
            section: "soa",
            position: 490,
            label: "SoA",
            path: "/soa",
            permission: Some(Permission::ViewControls),
            shows_waiting_approvals: false,
        },
        NavEntry {
            section: "frameworks",
            position: 500,
            label: "Frameworks",
            path: "/frameworks",
            permission: Some(Permission::ViewFrameworks),
            shows_waiting_approvals: false,
        },
    ],
    notices: &[
        ("soa-saved", "success", "Draft saved."),
        (
            "soa-submitted",
            "success",
            "Sent to senior management for approval.",
        ),
    ],
    field_labels: &[],
};

#[derive(Template)]
#[template(path = "controls/frameworks.html")]
struct FrameworksPage {
    layout: Layout,
    frameworks: Vec<FrameworkSummary>,
    mapping_sets: Vec<MappingSetSummary>,
    /// Each framework's reference, by id, to name mapping sets by.
    references: HashMap<String, String>,
    /// Each framework's coverage by the organisation's controls, by id; empty for members
    /// who may not read controls.
    coverage: HashMap<String, String>,
}

impl FrameworksPage {
    fn coverage_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.coverage.get(id).map_or("–", String::as_str)
    }

    fn reference_of<'a>(&'a self, id: &'a str) -> &'a str {
        self.references.get(id).map_or(id, String::as_str)
    }
}

pub async fn frameworks(
    State(state): State<AppState>,
    page: PageOrg,
) -> Result<Response, PageError> {
    let frameworks = state.app.frameworks(&page.ctx).await?;
    let mapping_sets = state.app.mapping_sets(&page.ctx).await?;
    let references = frameworks
        .iter()
        .map(|f| (f.id.clone(), f.info.reference.clone()))
        .collect();
    let coverage = match page.ctx.can(Permission::ViewControls) {
        true => state
            .app
            .coverage_summaries(&page.ctx)
            .await?
            .into_iter()
            .map(|s| {
                let shown = s.percent.map_or_else(
                    || "–".to_owned(),
                    |p| format!("{p} % ({} of {})", s.covered, s.assessable),
                );
                (s.framework.id, shown)
            })
            .collect(),
        false => HashMap::new(),
    };
    let layout = Layout::new(&state, &page, "Frameworks", "frameworks").await?;
    Ok(render(&FrameworksPage {
        layout,
        frameworks,
        mapping_sets,
        references,
        coverage,
    }))
}

/// A requirement as the tree shows it: how deep it sits.
struct Row<'a> {
    requirement: &'a StoredRequirement,
    depth: usize,
}

#[derive(Template)]
#[template(path = "controls/framework.html")]
struct FrameworkPage {
    layout: Layout,
    framework: StoredFramework,
    can_view_controls: bool,
}

impl FrameworkPage {
    /// The requirements in reading order with their depth (a parent comes first).
    fn rows(&self) -> Vec<Row<'_>> {
        let mut depths: HashMap<&str, usize> = HashMap::new();
        self.framework
            .requirements
            .iter()
            .map(|requirement| {
                let depth = requirement
                    .requirement
                    .parent
                    .as_deref()
                    .and_then(|parent| depths.get(parent))
                    .map_or(0, |d| (d + 1).min(4));
                depths.insert(&requirement.requirement.id, depth);
                Row { requirement, depth }
            })
            .collect()
    }
}

pub async fn framework(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    let framework = state.app.framework(&page.ctx, &id).await?;
    let title = framework.summary.info.reference.clone();
    let layout = Layout::new(&state, &page, &title, "frameworks").await?;
    Ok(render(&FrameworkPage {
        layout,
        framework,
        can_view_controls: page.ctx.can(Permission::ViewControls),
    }))
}

/// The heading of an imported part that has no title of its own: its OSCAL name in words
/// (`assessment-objective` → "Assessment objective").
pub fn part_heading(name: &str) -> String {
    let words = name.replace(['-', '_'], " ");
    let mut chars = words.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[derive(Template)]
#[template(path = "controls/requirement.html")]
struct RequirementPage {
    layout: Layout,
    framework: FrameworkSummary,
    requirement: StoredRequirement,
    parent: Option<StoredRequirement>,
    mappings: Vec<StoredMapping>,
    can_view_controls: bool,
}

impl RequirementPage {
    /// The other end of a mapping, seen from this requirement: its framework, its id and
    /// how this requirement relates to it, in words.
    fn other_end(&self, mapping: &StoredMapping) -> (String, String, String) {
        let outgoing = mapping.source_framework == self.framework.id
            && mapping.source == self.requirement.requirement.id;
        let relation = mapping.relationship.label().to_lowercase();
        if outgoing {
            (
                mapping.target_framework.clone(),
                mapping.target.clone(),
                format!("this requirement is a {relation} of it"),
            )
        } else {
            (
                mapping.source_framework.clone(),
                mapping.source.clone(),
                format!("it is a {relation} of this requirement"),
            )
        }
    }

    fn strength(mapping: &StoredMapping) -> String {
        mapping
            .strength
            .map(|s| format!("{:.0} %", s * 100.0))
            .unwrap_or_default()
    }
}

pub async fn requirement(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id, requirement_id)): Path<(String, String, String)>,
) -> Result<Response, PageError> {
    let framework = state.app.framework(&page.ctx, &id).await?;
    let find = |wanted: &str| {
        framework
            .requirements
            .iter()
            .find(|r| r.requirement.id == wanted)
            .cloned()
    };
    let requirement = find(&requirement_id).ok_or(custos_app::AppError::NotFound)?;
    let parent = requirement.requirement.parent.as_deref().and_then(find);
    let mappings = state
        .app
        .requirement_mappings(&page.ctx, &id, &requirement_id)
        .await?;
    let title = format!(
        "{} {}",
        requirement.requirement.id, requirement.requirement.title
    );
    let layout = Layout::new(&state, &page, &title, "frameworks").await?;
    Ok(render(&RequirementPage {
        layout,
        framework: framework.summary,
        requirement,
        parent,
        mappings,
        can_view_controls: page.ctx.can(Permission::ViewControls),
    }))
}

#[derive(Template)]
#[template(path = "controls/soa.html")]
struct SoaPage {
    layout: Layout,
    /// The version in force, if any.
    in_force: Option<SoaVersion>,
    /// The draft or the version waiting for a decision, if any.
    open: Option<SoaVersion>,
    /// The documents the statement cites, by reference: id and title.
    documents: HashMap<String, (uuid::Uuid, String)>,
    can_manage: bool,
}

impl SoaPage {
    /// The documents `references` cites that the register holds: reference, id, title.
    fn cited(&self, references: &str) -> Vec<(String, uuid::Uuid, String)> {
        custos_app::domain::governance::documents::cited_numbers(references)
            .into_iter()
            .map(custos_app::domain::governance::documents::reference)
            .filter_map(|reference| {
                self.documents
                    .get(&reference)
                    .map(|(id, title)| (reference.clone(), *id, title.clone()))
            })
            .collect()
    }

    fn applicable(version: &SoaVersion) -> usize {
        version.body.entries.iter().filter(|e| e.applicable).count()
    }

    fn reasons(entry: &SoaEntry) -> String {
        entry
            .reasons
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// `GET /orgs/{org}/soa`: the statement in force, control by control, with its files, and
/// the version being drafted or decided.
pub async fn soa(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let in_force = state.app.soa(&page.ctx).await?;
    let open = state
        .app
        .soa_versions(&page.ctx)
        .await?
        .into_iter()
        .next()
        .filter(|v| v.is_draft() || v.awaits_decision());
    let layout = Layout::new(&state, &page, "Statement of Applicability", "soa")
        .await?
        .with_flash(query.notice.as_deref());
    let can_manage = page.ctx.can(Permission::ManageControls);
    let references: String = in_force
        .iter()
        .flat_map(|v| v.body.entries.iter())
        .map(|e| e.references.as_str())
        .collect::<Vec<_>>()
        .join(" ");
    let documents = state
        .app
        .documents_cited(&page.ctx, &references)
        .await?
        .into_iter()
        .map(|(reference, id, title)| (reference, (id, title)))
        .collect();
    Ok(render(&SoaPage {
        can_manage,
        layout,
        in_force,
        open,
        documents,
    }))
}

#[derive(Template)]
#[template(path = "controls/soa_form.html")]
struct SoaFormPage {
    layout: Layout,
    statement: StatementOfApplicability,
    /// The draft's revision the form saves over (0 starts a draft).
    revision: i64,
    errors: ValidationErrors,
    /// What the applied controls say of each Annex A control.
    derived: std::collections::BTreeMap<String, ImplementationStatus>,
}

impl SoaFormPage {
    /// How far the applied controls satisfying `control` say it is implemented.
    fn derived_of(&self, control: &str) -> &'static str {
        self.derived
            .get(control)
            .copied()
            .unwrap_or(ImplementationStatus::NotStarted)
            .label()
    }

    fn has_reason(entry: &SoaEntry, reason: &InclusionReason) -> bool {
        entry.reasons.contains(reason)
    }

    fn reasons() -> &'static [InclusionReason] {
        &InclusionReason::ALL
    }

    fn statuses() -> &'static [ImplementationStatus] {
        &ImplementationStatus::ALL
    }

    /// The messages about one control's fields.
    fn errors_of(&self, control: &str) -> Vec<String> {
        let prefix = format!("entries.{control}.");
        self.errors
            .fields
            .iter()
            .filter(|e| e.field.starts_with(&prefix))
            .map(|e| e.message.clone())
            .collect()
    }
}

async fn soa_form_page(
    state: &AppState,
    page: &PageOrg,
    statement: Option<StatementOfApplicability>,
    revision: Option<i64>,
    errors: ValidationErrors,
) -> Result<SoaFormPage, PageError> {
    page.ctx.require(Permission::ManageControls)?;
    let draft = state.app.soa_draft(&page.ctx).await?;
    let current = draft.as_ref().map_or(0, |d| d.revision);
    let statement = match (statement, draft) {
        (Some(statement), _) => statement,
        (None, Some(draft)) => draft.body,
        (None, None) => state.app.soa_draft_start(&page.ctx).await?,
    };
    let derived = state.app.soa_derived_statuses(&page.ctx).await?;
    let layout = Layout::new(state, page, "Statement of Applicability: draft", "soa").await?;
    Ok(SoaFormPage {
        layout,
        statement,
        revision: revision.unwrap_or(current),
        errors,
        derived,
    })
}

/// `GET /orgs/{org}/soa/draft`: the draft, or a new one, control by control.
pub async fn soa_form(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let mut form = soa_form_page(&state, &page, None, None, ValidationErrors::new()).await?;
    form.layout = form.layout.with_flash(query.notice.as_deref());
    Ok(render(&form))
}

/// The statement a submitted form describes, over the controls of `start` in their order.
fn statement_of(
    pairs: &[(String, String)],
    start: StatementOfApplicability,
) -> StatementOfApplicability {
    let values = |name: &str, control: &str| {
        let key = format!("{name}:{control}");
        pairs
            .iter()
            .filter(move |(k, _)| *k == key)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    let first = |name: &str, control: &str| {
        values(name, control)
            .first()
            .map_or(String::new(), |v| (*v).to_owned())
    };
    let entries = start
        .entries
        .into_iter()
        .map(|entry| {
            let control = entry.control.clone();
            SoaEntry {
                applicable: first("applicable", &control) != "no",
                reasons: values("reasons", &control)
                    .into_iter()
                    .filter_map(InclusionReason::parse)
                    .collect(),
                justification: first("justification", &control),
                risks: first("risks", &control)
                    .split([',', ' ', ';'])
                    .map(str::trim)
                    .filter(|r| !r.is_empty())
                    .map(str::to_owned)
                    .collect(),
                status: ImplementationStatus::parse(&first("status", &control))
                    .unwrap_or(ImplementationStatus::NotStarted),
                status_reason: first("status_reason", &control),
                references: first("references", &control),
                ..entry
            }
        })
        .collect();
    StatementOfApplicability {
        framework: start.framework,
        entries,
    }
}

/// `POST /orgs/{org}/soa/draft`: saves the draft and, when asked, sends it for approval.
pub async fn save_soa(
    State(state): State<AppState>,
    page: PageOrg,
    Form(pairs): Form<Vec<(String, String)>>,
) -> Result<Response, PageError> {
    page.ctx.require(Permission::ManageControls)?;
    let field = |name: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == name)
            .map_or("", |(_, value)| value.as_str())
    };
    let revision = form_version(field("revision"))?;
    let send = field("send") == "yes";
    let start = state.app.soa_draft_start(&page.ctx).await?;
    let statement = statement_of(&pairs, start);
    let saved = state
        .app
        .save_soa_draft(&page.ctx, revision, statement.clone(), now())
        .await;
    let result = match saved {
        Ok(draft) if send => state
            .app
            .submit_soa_draft(&page.ctx, draft.version, Some(draft.revision), "", now())
            .await
            .map(|_| "soa-submitted")
            .map_err(|e| (e, Some(draft.revision))),
        Ok(_) => Ok("soa-saved"),
        Err(e) => Err((e, None)),
    };
    let (error, saved_revision) = match result {
        Ok(notice) => {
            let path = if notice == "soa-submitted" {
                "/soa"
            } else {
                "/soa/draft"
            };
            return Ok(see_other(format!(
                "{}/orgs/{}{path}?notice={notice}",
                state.config.base_path,
                page.ctx.organisation().slug
            )));
        }
        Err(failure) => failure,
    };
    let (status, errors, message) = super::refused_save(error)?;
    // After a conflict the form carries the current revision, so saving again is a choice
    // made after reading the message.
    let revision = match (&message, saved_revision) {
        (Some(_), _) => None,
        (None, Some(saved)) => Some(saved),
        (None, None) => Some(revision),
    };
    let mut shown = soa_form_page(&state, &page, Some(statement), revision, errors).await?;
    if let Some(message) = message {
        shown.layout = shown.layout.with_error(message);
    }
    Ok((status, render(&shown)).into_response())
}
