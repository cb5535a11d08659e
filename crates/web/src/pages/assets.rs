//! Asset pages: the inventory, and the form and the record through the shared register pages.

use askama::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use custos_app::domain::ValidationErrors;
use custos_app::domain::assets::{
    Asset, AssetDraft, AssetFilterParams, AssetInput, AssetStatus, AssetType, CLASSIFICATION_MAX,
    IMPACT_MAX,
};
use custos_app::domain::fields::FieldRule;
use custos_app::domain::list::ListParams;
use custos_app::domain::platform::Permission;
use custos_app::{AppResult, Member, OrgContext};
use time::OffsetDateTime;
use uuid::Uuid;

use super::register::{FormState, Notices, RegisterPages};
use super::{Area, Layout, NavEntry, PageQuery, options};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};
use crate::list::{ListState, SortHeader, csv_export};

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
    field_labels: AssetInput::FIELDS,
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
    if query.format == "csv" {
        let export = state.app.export_assets(ctx, request)?;
        return Ok(csv_export("assets.csv", &Asset::CSV_HEADER, export, Asset::csv_row).await?);
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
    editing: Option<Asset>,
    input: AssetInput,
    version: i64,
    errors: ValidationErrors,
    action: String,
    members: Vec<Member>,
}

impl FormPage {
    fn rule(&self, field: &str) -> FieldRule {
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
}

fn level_options(highest: i64) -> Vec<(String, String)> {
    (1..=highest)
        .map(|level| (level.to_string(), level.to_string()))
        .collect()
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

/// The asset register in the shared record pages.
pub struct AssetPages;

impl RegisterPages for AssetPages {
    type Record = Asset;
    type Input = AssetInput;
    const PATH: &'static str = "/assets";
    const SECTION: &'static str = "assets";
    const NOUN: &'static str = "asset";
    const MANAGE: Permission = Permission::ManageAssets;
    const NOTICES: Notices = Notices {
        created: "asset-created",
        saved: "asset-saved",
        deleted: "asset-deleted",
    };
    const DELETE_EXPLANATION: &'static str =
        "The asset disappears from the inventory. The audit log keeps a copy of it.";

    fn id(asset: &Asset) -> Uuid {
        asset.id
    }

    fn version(asset: &Asset) -> i64 {
        asset.version
    }

    fn name(asset: &Asset) -> String {
        format!("{} {}", asset.reference(), asset.name)
    }

    fn reference(asset: &Asset) -> String {
        asset.reference()
    }

    fn input_of(asset: &Asset) -> AssetInput {
        AssetDraft::from(asset).to_input()
    }

    fn new_input(ctx: &OrgContext) -> AssetInput {
        AssetInput {
            owner_id: ctx.user().id.to_string(),
            status: AssetStatus::InUse.as_str().into(),
            ..AssetInput::default()
        }
    }

    async fn find(state: &AppState, ctx: &OrgContext, id: Uuid) -> AppResult<Asset> {
        state.app.asset(ctx, id).await
    }

    async fn create(
        state: &AppState,
        ctx: &OrgContext,
        input: &AssetInput,
        now: OffsetDateTime,
    ) -> AppResult<Asset> {
        state.app.create_asset(ctx, input, now).await
    }

    async fn update(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        input: &AssetInput,
        now: OffsetDateTime,
    ) -> AppResult<Asset> {
        state.app.update_asset(ctx, id, version, input, now).await
    }

    async fn delete(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        state.app.delete_asset(ctx, id, version, now).await
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
        asset: Asset,
    ) -> Result<Response, PageError> {
        Ok(render(&ShowPage {
            layout,
            asset,
            can_manage: page.ctx.can(Permission::ManageAssets),
            can_view_audit: page.ctx.can(Permission::ViewAuditLog),
        }))
    }
}
