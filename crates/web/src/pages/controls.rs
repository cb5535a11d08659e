//! The framework libraries' pages: the frameworks, one framework's requirement tree, and one
//! requirement with its guidance and how it maps to other frameworks.

use std::collections::HashMap;

use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use custos_app::controls::soa::SoaVersion;
use custos_app::domain::controls::library::{
    FrameworkSummary, MappingSetSummary, StoredFramework, StoredMapping, StoredRequirement,
};
use custos_app::domain::controls::soa::SoaEntry;
use custos_app::domain::platform::Permission;

use super::{Area, Layout, NavEntry};
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
    notices: &[],
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
}

impl FrameworksPage {
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
    let layout = Layout::new(&state, &page, "Frameworks", "frameworks").await?;
    Ok(render(&FrameworksPage {
        layout,
        frameworks,
        mapping_sets,
        references,
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
    Ok(render(&FrameworkPage { layout, framework }))
}

#[derive(Template)]
#[template(path = "controls/requirement.html")]
struct RequirementPage {
    layout: Layout,
    framework: FrameworkSummary,
    requirement: StoredRequirement,
    parent: Option<StoredRequirement>,
    mappings: Vec<StoredMapping>,
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
}

impl SoaPage {
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
pub async fn soa(State(state): State<AppState>, page: PageOrg) -> Result<Response, PageError> {
    let in_force = state.app.soa(&page.ctx).await?;
    let open = state
        .app
        .soa_versions(&page.ctx)
        .await?
        .into_iter()
        .next()
        .filter(|v| v.is_draft() || v.awaits_decision());
    let layout = Layout::new(&state, &page, "Statement of Applicability", "soa").await?;
    Ok(render(&SoaPage {
        layout,
        in_force,
        open,
    }))
}
