//! Asset pages: the inventory, the form and the record.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use custos_app::domain::ValidationErrors;
use custos_app::domain::assets::{
    Asset, AssetFilterParams, AssetInput, AssetStatus, AssetType, CLASSIFICATION_MAX, IMPACT_MAX,
};
use custos_app::domain::list::ListParams;
use custos_app::domain::platform::Permission;
use custos_app::{AppError, Member, now};
use serde::Deserialize;
use uuid::Uuid;

use super::confirm::{self, ConfirmPage};
use super::{
    Area, Layout, NavEntry, PageQuery, VersionForm, form_version, options, parse_id, see_other,
};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};
use crate::list::{ListState, SortHeader};

/// The assets area in the shared page components.
pub const AREA: Area = Area {
    nav: &[NavEntry {
        section: "assets",
        position: 300,
        label: "Assets",
        path: "/assets",
        permission: Some(Permission::ViewAssets),
        shows_waiting_approvals: false,
    }],
    notices: &[
        ("asset-created", "success", "Asset added to the inventory."),
        ("asset-saved", "success", "Changes saved."),
        ("asset-deleted", "success", "Asset deleted."),
    ],
    field_labels: &[
        ("name", "Name"),
        ("asset_type", "Type"),
        ("owner_id", "Owner"),
        ("custodian_id", "Custodian"),
        ("location", "Location"),
        ("classification", "Classification"),
        ("confidentiality", "Confidentiality"),
        ("integrity", "Integrity"),
        ("availability", "Availability"),
        ("tags", "Tags"),
        ("external_id", "External id"),
        ("last_reviewed_on", "Last reviewed"),
        ("next_review_on", "Next review"),
    ],
};

/// "C 3 / I 2 / A –": an asset's impact levels in one cell.
fn impact_levels(asset: &Asset) -> String {
    let level = |value: Option<i64>| value.map_or_else(|| "–".to_owned(), |v| v.to_string());
    format!(
        "C {} / I {} / A {}",
        level(asset.confidentiality),
        level(asset.integrity),
        level(asset.availability)
    )
}

#[derive(Template)]
#[template(path = "assets/list.html")]
struct ListPage {
    layout: Layout,
    assets: Vec<Asset>,
    list: ListState,
    headers: Vec<SortHeader>,
    params: ListParams,
    filters: AssetFilterParams,
    types: [AssetType; 6],
    statuses: [AssetStatus; 3],
    can_manage: bool,
}

impl ListPage {
    fn levels(&self, asset: &Asset) -> String {
        impact_levels(asset)
    }
}

pub async fn list(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<PageQuery>,
    Query(params): Query<ListParams>,
    Query(filters): Query<AssetFilterParams>,
) -> Result<Response, PageError> {
    let ctx = &page.ctx;
    let request = filters.request(&params)?;
    if let Some(file) =
        super::asset_import::list_download(&state, ctx, &query.format, &request).await?
    {
        return Ok(file);
    }
    let layout = Layout::new(&state, &page, "Assets", "assets")
        .await?
        .with_flash(query.notice.as_deref());
    let mut list = ListState::new(
        layout.org_href("/assets"),
        vec![
            ("q", params.q.clone()),
            ("type", filters.asset_type.clone()),
            ("status", filters.status.clone()),
        ],
        request.sort.as_str(),
        request.direction,
        request.page,
    );
    let listed = state.app.list_assets(ctx, &request).await?;
    list.set_total(&listed);
    let headers = vec![
        list.header("number", "Ref."),
        list.header("name", "Name"),
        list.header("type", "Type"),
        list.header("classification", "Class."),
        list.header("status", "Status"),
        list.header("next_review_on", "Next review"),
    ];
    Ok(render(&ListPage {
        layout,
        assets: listed.items,
        list,
        headers,
        params,
        filters,
        types: AssetType::ALL,
        statuses: AssetStatus::ALL,
        can_manage: ctx.can(Permission::ManageAssets),
    }))
}

#[derive(Template)]
#[template(path = "assets/form.html")]
struct FormPage {
    layout: Layout,
    /// The asset being edited; `None` on the new-asset form.
    editing: Option<Asset>,
    input: AssetInput,
    version: i64,
    errors: ValidationErrors,
    members: Vec<Member>,
}

impl FormPage {
    fn rule(&self, field: &str) -> custos_app::domain::context::FieldRule {
        AssetInput::rule(field)
    }

    fn type_options(&self) -> Vec<(String, String)> {
        options(&AssetType::ALL)
    }

    fn status_options(&self) -> Vec<(String, String)> {
        options(&AssetStatus::ALL)
    }

    /// Classification ranks, up to the highest any scheme has.
    fn classification_options(&self) -> Vec<(String, String)> {
        level_options(CLASSIFICATION_MAX)
    }

    /// Impact levels, up to the highest any scale has.
    fn impact_options(&self) -> Vec<(String, String)> {
        level_options(IMPACT_MAX)
    }

    fn member_options(&self) -> Vec<(String, String)> {
        self.members
            .iter()
            .map(|m| (m.user_id.to_string(), m.name.clone()))
            .collect()
    }

    fn action(&self) -> String {
        match &self.editing {
            Some(a) => self.layout.org_href(&format!("/assets/{}", a.id)),
            None => self.layout.org_href("/assets"),
        }
    }
}

async fn form_page(
    state: &AppState,
    page: &PageOrg,
    editing: Option<Asset>,
    input: AssetInput,
    version: i64,
    errors: ValidationErrors,
) -> Result<FormPage, PageError> {
    let title = match &editing {
        Some(a) => format!("Edit {}", a.reference()),
        None => "New asset".into(),
    };
    let layout = Layout::new(state, page, title, "assets").await?;
    let members = state.app.members(&page.ctx).await?;
    Ok(FormPage {
        layout,
        editing,
        input,
        version,
        errors,
        members,
    })
}

fn level_options(highest: i64) -> Vec<(String, String)> {
    (1..=highest)
        .map(|level| (level.to_string(), level.to_string()))
        .collect()
}

fn input_of(a: &Asset) -> AssetInput {
    let text = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
    AssetInput {
        name: a.name.clone(),
        description: a.description.clone(),
        asset_type: a.asset_type.as_str().into(),
        owner_id: a.owner_id.map(|id| id.to_string()).unwrap_or_default(),
        custodian_id: a.custodian_id.map(|id| id.to_string()).unwrap_or_default(),
        location: a.location.clone(),
        classification: text(a.classification),
        confidentiality: text(a.confidentiality),
        integrity: text(a.integrity),
        availability: text(a.availability),
        status: a.status.as_str().into(),
        tags: a.tags.join(", "),
        external_id: a.external_id.clone().unwrap_or_default(),
        last_reviewed_on: a
            .last_reviewed_on
            .map(|d| d.to_string())
            .unwrap_or_default(),
        next_review_on: a.next_review_on.map(|d| d.to_string()).unwrap_or_default(),
    }
}

pub async fn new_form(State(state): State<AppState>, page: PageOrg) -> Result<Response, PageError> {
    page.ctx.require(Permission::ManageAssets)?;
    let input = AssetInput {
        owner_id: page.ctx.user().id.to_string(),
        status: AssetStatus::InUse.as_str().into(),
        ..AssetInput::default()
    };
    Ok(render(
        &form_page(&state, &page, None, input, 0, ValidationErrors::new()).await?,
    ))
}

/// The asset form: the fields, plus the version the editor started from.
#[derive(Deserialize)]
pub struct AssetForm {
    #[serde(flatten)]
    input: AssetInput,
    #[serde(default)]
    version: String,
}

fn asset_href(state: &AppState, page: &PageOrg, id: Uuid) -> String {
    format!(
        "{}/orgs/{}/assets/{id}",
        state.config.base_path,
        page.ctx.organisation().slug
    )
}

pub async fn create(
    State(state): State<AppState>,
    page: PageOrg,
    Form(form): Form<AssetForm>,
) -> Result<Response, PageError> {
    match state.app.create_asset(&page.ctx, &form.input, now()).await {
        Ok(asset) => Ok(see_other(format!(
            "{}?notice=asset-created",
            asset_href(&state, &page, asset.id)
        ))),
        Err(AppError::Validation(errors)) => {
            let form_page = form_page(&state, &page, None, form.input, 0, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&form_page)).into_response())
        }
        Err(error) => Err(PageError::from(error)),
    }
}

#[derive(Template)]
#[template(path = "assets/show.html")]
struct ShowPage {
    layout: Layout,
    asset: Asset,
    can_manage: bool,
    can_view_audit: bool,
}

impl ShowPage {
    fn levels(&self) -> String {
        impact_levels(&self.asset)
    }
}

async fn show_page(
    state: &AppState,
    page: &PageOrg,
    asset: Asset,
    notice: Option<&str>,
    error: Option<String>,
) -> Result<Response, PageError> {
    let ctx = &page.ctx;
    let title = format!("{} {}", asset.reference(), asset.name);
    let mut layout = Layout::new(state, page, title, "assets")
        .await?
        .with_flash(notice);
    if let Some(message) = error.clone() {
        layout = layout.with_error(message);
    }
    let body = render(&ShowPage {
        layout,
        asset,
        can_manage: ctx.can(Permission::ManageAssets),
        can_view_audit: ctx.can(Permission::ViewAuditLog),
    });
    Ok(match error {
        Some(_) => (StatusCode::CONFLICT, body).into_response(),
        None => body,
    })
}

pub async fn show(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Query(query): Query<PageQuery>,
) -> Result<Response, PageError> {
    let asset = state.app.asset(&page.ctx, parse_id(&id)?).await?;
    show_page(&state, &page, asset, query.notice.as_deref(), None).await
}

pub async fn edit_form(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
) -> Result<Response, PageError> {
    page.ctx.require(Permission::ManageAssets)?;
    let asset = state.app.asset(&page.ctx, parse_id(&id)?).await?;
    let input = input_of(&asset);
    let version = asset.version;
    let errors = ValidationErrors::new();
    Ok(render(
        &form_page(&state, &page, Some(asset), input, version, errors).await?,
    ))
}

pub async fn update(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<AssetForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let version = form_version(&form.version)?;
    match state
        .app
        .update_asset(&page.ctx, id, version, &form.input, now())
        .await
    {
        Ok(asset) => Ok(see_other(format!(
            "{}?notice=asset-saved",
            asset_href(&state, &page, asset.id)
        ))),
        Err(AppError::Validation(errors)) => {
            let current = state.app.asset(&page.ctx, id).await?;
            let form_page =
                form_page(&state, &page, Some(current), form.input, version, errors).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&form_page)).into_response())
        }
        Err(AppError::Conflict(message)) => {
            // Keep what the person typed and carry the current version, so saving again is a
            // deliberate choice made after reading the message.
            let current = state.app.asset(&page.ctx, id).await?;
            let current_version = current.version;
            let errors = ValidationErrors::new();
            let mut form_page = form_page(
                &state,
                &page,
                Some(current),
                form.input,
                current_version,
                errors,
            )
            .await?;
            form_page.layout = form_page.layout.with_error(message);
            Ok((StatusCode::CONFLICT, render(&form_page)).into_response())
        }
        Err(error) => Err(PageError::from(error)),
    }
}

pub async fn delete(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<VersionForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let version = form_version(&form.version)?;
    if !confirm::given(&form.confirmed) {
        page.ctx.require(Permission::ManageAssets)?;
        let asset = state.app.asset(&page.ctx, id).await?;
        let name = format!("{} {}", asset.reference(), asset.name);
        let href = asset_href(&state, &page, id);
        let layout = Layout::new(&state, &page, "Delete", "assets").await?;
        return Ok(render(&ConfirmPage {
            layout,
            question: format!("Delete {name}?"),
            explanation: "The asset disappears from the inventory. The audit log keeps a copy \
                          of it."
                .into(),
            action: format!("{href}/delete"),
            fields: vec![("version", version.to_string())],
            button_label: "Delete asset",
            button_class: "danger",
            back_href: href,
            back_label: name,
        }));
    }
    match state.app.delete_asset(&page.ctx, id, version, now()).await {
        Ok(()) => Ok(see_other(format!(
            "{}/orgs/{}/assets?notice=asset-deleted",
            state.config.base_path,
            page.ctx.organisation().slug
        ))),
        Err(AppError::Conflict(message)) => {
            let asset = state.app.asset(&page.ctx, id).await?;
            show_page(&state, &page, asset, None, Some(message)).await
        }
        Err(error) => Err(PageError::from(error)),
    }
}
