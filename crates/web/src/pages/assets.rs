//! Asset pages: the inventory, and the form and the record through the shared register pages.

use askama::Template;
use axum::extract::{Form, Path, Query, RawForm, State};
use axum::http::StatusCode;
use axum::response::Response;
use custos_app::assets::{AssetValuation, MovedAsset};
use custos_app::domain::ValidationErrors;
use custos_app::domain::assets::bulk::AssetBulkInput;
use custos_app::domain::assets::classification::{ClassificationLevel, ClassificationScheme};
use custos_app::domain::assets::figures::{AssetFigures, Share};
use custos_app::domain::assets::impact::ImpactScale;
use custos_app::domain::assets::review::{ReviewPeriod, ReviewState};
use custos_app::domain::assets::{
    Asset, AssetDraft, AssetFilterParams, AssetInput, AssetStatus, AssetType, LinkedAsset,
};
use custos_app::domain::diff::{FieldChange, json_changes};
use custos_app::domain::fields::FieldRule;
use custos_app::domain::list::ListParams;
use custos_app::domain::platform::{AuditEvent, Permission};
use custos_app::{AppError, AppResult, Member, OrgContext, now};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::register::{FormState, Notices, RegisterPages, record_href, record_page_with_error};
use super::{Area, Layout, NavEntry, PageQuery, options, parse_id, refusal, see_other};
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
        (
            "asset-linked",
            "success",
            "Link added; the effective values follow it.",
        ),
        ("asset-unlinked", "success", "Link removed."),
        (
            "assets-changed",
            "success",
            "The selected assets were changed; each change is in its asset's history.",
        ),
        (
            "review-period-saved",
            "success",
            "Review period saved. Reviews already planned keep their dates.",
        ),
        (
            "assets-unchanged",
            "info",
            "The selected assets already had these values: nothing was changed.",
        ),
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
    /// The owners the bulk form offers.
    members: Vec<Member>,
    /// The list's query, for the bulk form to come back to.
    list_back: String,
    figures: AssetFigures,
    review_period: ReviewPeriod,
    scheme: ClassificationScheme,
    can_manage: bool,
    /// May change the review period (an asset setting).
    can_manage_settings: bool,
}

impl ListPage {
    fn levels(&self, asset: &Asset) -> String {
        impact_levels(asset)
    }

    fn classification_options(&self) -> Vec<(String, String)> {
        classification_options(&self.scheme)
    }

    /// "3 · Confidential" for an asset's classification rank.
    fn classification_name(&self, asset: &Asset) -> String {
        let level = asset
            .classification
            .and_then(|rank| u8::try_from(rank).ok())
            .and_then(|rank| self.scheme.level(rank));
        match (asset.classification, level) {
            (_, Some(level)) => level.name.clone(),
            (Some(rank), None) => rank.to_string(),
            (None, None) => String::new(),
        }
    }

    /// The inventory's figures as the page shows them: label and share.
    fn shares(&self) -> Vec<(String, String)> {
        let f = &self.figures;
        vec![
            ("With an owner".to_owned(), percent(&f.owned)),
            ("Classified".to_owned(), percent(&f.classified)),
            ("Valued (C, I and A)".to_owned(), percent(&f.valued)),
            (
                format!("Reviewed in the last {} months", self.review_period.months),
                percent(&f.reviewed_within_period),
            ),
        ]
    }
}

pub async fn list(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<PageQuery>,
    Query(params): Query<ListParams>,
    Query(filters): Query<AssetFilterParams>,
) -> Result<Response, PageError> {
    let request = filters.request(&params)?;
    if let Some(file) =
        super::asset_import::list_download(&state, &page.ctx, &query.format, &request).await?
    {
        return Ok(file);
    }
    let layout = Layout::new(&state, &page, "Assets", "assets")
        .await?
        .with_flash(query.notice.as_deref());
    list_page(&state, &page, layout, params, filters).await
}

/// The inventory page under `layout` (which carries any notice or error).
async fn list_page(
    state: &AppState,
    page: &PageOrg,
    layout: Layout,
    params: ListParams,
    filters: AssetFilterParams,
) -> Result<Response, PageError> {
    let ctx = &page.ctx;
    let request = filters.request(&params)?;
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
    let list_back = list_query(&params, &filters);
    let figures = state.app.asset_figures(ctx, now().date()).await?;
    let review_period = state.app.asset_review_period(ctx).await?;
    let scheme = state.app.classification_scheme(ctx).await?.scheme;
    let can_manage = ctx.can(Permission::ManageAssets);
    let members = match can_manage {
        true => state.app.members(ctx).await?,
        false => Vec::new(),
    };
    Ok(render(&ListPage {
        layout,
        assets: listed.items,
        list,
        headers,
        params,
        filters,
        types: AssetType::ALL,
        statuses: AssetStatus::ALL,
        members,
        list_back,
        figures,
        review_period,
        scheme,
        can_manage,
        can_manage_settings: ctx.can(Permission::ManageAssetSettings),
    }))
}

/// "80 %" of a share, or a dash while there is nothing to count.
fn percent(share: &Share) -> String {
    share
        .percent()
        .map_or_else(|| "–".to_owned(), |percent| format!("{percent} %"))
}

#[derive(Deserialize)]
pub struct ReviewPeriodForm {
    #[serde(default)]
    months: String,
}

/// Changes the organisation's review period from the inventory page.
pub async fn set_review_period(
    State(state): State<AppState>,
    page: PageOrg,
    Form(form): Form<ReviewPeriodForm>,
) -> Result<Response, PageError> {
    let result = state
        .app
        .set_asset_review_period(&page.ctx, &form.months, now())
        .await;
    match result {
        Ok(_) => Ok(see_other(format!(
            "{}/orgs/{}/assets?notice=review-period-saved",
            state.config.base_path,
            page.ctx.organisation().slug
        ))),
        Err(error) => {
            let (params, filters) = (ListParams::default(), AssetFilterParams::default());
            list_refusing(&state, &page, refusal(error)?, params, filters).await
        }
    }
}

/// The inventory page telling why an action taken on it was refused.
async fn list_refusing(
    state: &AppState,
    page: &PageOrg,
    (status, message): (StatusCode, String),
    params: ListParams,
    filters: AssetFilterParams,
) -> Result<Response, PageError> {
    let layout = Layout::new(state, page, "Assets", "assets")
        .await?
        .with_error(message);
    let mut response = list_page(state, page, layout, params, filters).await?;
    *response.status_mut() = status;
    Ok(response)
}

/// The list's own parameters as a query string ending in `&` (or empty): re-encoded from
/// what was parsed, so nothing else a form carried reaches a redirect.
fn list_query(params: &ListParams, filters: &AssetFilterParams) -> String {
    let page = params
        .page
        .filter(|page| *page > 1)
        .map(|page| page.to_string());
    let pairs = [
        ("q", Some(params.q.as_str())),
        ("type", Some(filters.asset_type.as_str())),
        ("status", Some(filters.status.as_str())),
        ("sort", Some(filters.sort.as_str())),
        ("dir", Some(params.dir.as_str())),
        ("page", page.as_deref()),
    ];
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (key, value) in pairs {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            query.append_pair(key, value);
        }
    }
    let query = query.finish();
    if query.is_empty() {
        query
    } else {
        format!("{query}&")
    }
}

/// Applies the bulk form of the inventory to the assets ticked in it, and comes back to the
/// same page of the list.
pub async fn bulk_change(
    State(state): State<AppState>,
    page: PageOrg,
    RawForm(body): RawForm,
) -> Result<Response, PageError> {
    let mut ids = Vec::new();
    let mut input = AssetBulkInput::default();
    let mut back = String::new();
    let mut bad_id = false;
    for (key, value) in form_urlencoded::parse(&body) {
        match key.as_ref() {
            "ids" => match Uuid::parse_str(&value) {
                Ok(id) => ids.push(id),
                Err(_) => bad_id = true,
            },
            "owner_id" => input.owner_id = value.into_owned(),
            "classification" => input.classification = value.into_owned(),
            "status" => input.status = value.into_owned(),
            "next_review_on" => input.next_review_on = value.into_owned(),
            "back" => back = value.into_owned(),
            _ => {}
        }
    }
    // Only the list's own parameters come back, re-encoded: `back` never leaves the list.
    let (params, filters): (ListParams, AssetFilterParams) = (
        serde_urlencoded::from_str(&back).unwrap_or_default(),
        serde_urlencoded::from_str(&back).unwrap_or_default(),
    );
    // A malformed id names no asset, like one of another organisation.
    let result = match bad_id {
        true => Err(AppError::NotFound),
        false => {
            state
                .app
                .bulk_change_assets(&page.ctx, &ids, &input, now())
                .await
        }
    };
    match result {
        Ok(changed) => {
            let notice = match changed.len() {
                0 => "assets-unchanged",
                _ => "assets-changed",
            };
            let query = list_query(&params, &filters);
            Ok(see_other(format!(
                "{}/orgs/{}/assets?{query}notice={notice}",
                state.config.base_path,
                page.ctx.organisation().slug
            )))
        }
        Err(error) => list_refusing(&state, &page, refusal(error)?, params, filters).await,
    }
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
    scale: ImpactScale,
    scheme: ClassificationScheme,
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
        classification_options(&self.scheme)
    }

    /// Impact levels, up to the highest any scale has.
    fn impact_options(&self) -> Vec<(String, String)> {
        self.scale
            .levels
            .iter()
            .map(|level| {
                (
                    level.value.to_string(),
                    format!("{} · {}", level.value, level.label),
                )
            })
            .collect()
    }

    fn member_options(&self) -> Vec<(String, String)> {
        self.members
            .iter()
            .map(|m| (m.user_id.to_string(), m.name.clone()))
            .collect()
    }
}

/// The levels of the scheme in force, "3 · Confidential", for the form and the bulk form.
fn classification_options(scheme: &ClassificationScheme) -> Vec<(String, String)> {
    scheme
        .levels
        .iter()
        .map(|level| {
            (
                level.rank.to_string(),
                format!("{} · {}", level.rank, level.name),
            )
        })
        .collect()
}

#[derive(Template)]
#[template(path = "assets/show.html")]
struct ShowPage {
    layout: Layout,
    asset: Asset,
    /// Its level in the classification scheme, with the handling rules.
    level: Option<ClassificationLevel>,
    /// Whether the scheme shown is the organisation's approved one (not the built-in default).
    scheme_approved: bool,
    values: Vec<ValueRow>,
    /// The highest of the effective C, I and A.
    overall: String,
    valuation: AssetValuation,
    /// The assets supporting it, directly or through others: their values follow its own.
    moved: Vec<MovedAsset>,
    review: ReviewState,
    history: Vec<HistoryRow>,
    can_manage: bool,
    can_view_audit: bool,
    can_view_risks: bool,
}

/// One of C, I and A on the asset's page: its own level, the level it takes from what
/// depends on it, and the asset that level comes from when it is another.
struct ValueRow {
    dimension: &'static str,
    own: String,
    effective: String,
    source: Option<LinkedAsset>,
}

/// "3 · High": an impact level and its label on the scale.
fn impact_label(scale: &ImpactScale, value: Option<u8>) -> String {
    match value {
        None => String::new(),
        Some(value) => match scale.level(value) {
            Some(level) => format!("{value} · {}", level.label),
            None => value.to_string(),
        },
    }
}

fn value_rows(asset: &Asset, valuation: &AssetValuation, scale: &ImpactScale) -> Vec<ValueRow> {
    let own = |value: Option<i64>| value.and_then(|v| u8::try_from(v).ok());
    let effective = &valuation.effective;
    [
        (
            "Confidentiality",
            asset.confidentiality,
            effective.confidentiality,
        ),
        ("Integrity", asset.integrity, effective.integrity),
        ("Availability", asset.availability, effective.availability),
    ]
    .into_iter()
    .map(|(dimension, own_value, effective)| ValueRow {
        dimension,
        own: impact_label(scale, own(own_value)),
        effective: impact_label(scale, effective.map(|e| e.level)),
        source: effective
            .filter(|e| e.source != asset.id)
            .and_then(|e| valuation.sources.iter().find(|s| s.id == e.source).cloned()),
    })
    .collect()
}

/// One change in the asset's history.
struct HistoryRow {
    event: AuditEvent,
    changes: Vec<FieldChange>,
}

/// The link forms of the asset page: which end the named asset is, and the asset (by
/// reference when adding, by id when removing).
#[derive(Deserialize)]
pub struct LinkForm {
    #[serde(default)]
    direction: String,
    #[serde(default)]
    asset: String,
    #[serde(default)]
    other: String,
}

/// "supports": the named asset depends on this one; "depends_on": it supports this one.
fn this_supports(direction: &str) -> Result<bool, AppError> {
    match direction {
        "supports" => Ok(true),
        "depends_on" => Ok(false),
        _ => Err(ValidationErrors::single("direction", "Choose supports or depends on.").into()),
    }
}

/// Adds a support link from the asset's page.
pub async fn add_link(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<LinkForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let (ctx, now) = (&page.ctx, now());
    // The asset is looked up before the form is read, so another organisation's id is
    // not found whatever the form holds.
    state.app.asset(ctx, id).await?;
    let result = match this_supports(&form.direction) {
        Ok(true) => state.app.add_asset_link(ctx, id, &form.asset, now).await,
        Ok(false) => {
            state
                .app
                .add_asset_dependency(ctx, id, &form.asset, now)
                .await
        }
        Err(error) => Err(error),
    };
    after_link_change(&state, &page, id, result, "asset-linked").await
}

/// Removes a support link from the asset's page.
pub async fn remove_link(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<LinkForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    state.app.asset(&page.ctx, id).await?;
    let other = parse_id(&form.other)?;
    let (supporting, dependant) = match this_supports(&form.direction)? {
        true => (id, other),
        false => (other, id),
    };
    let result = state
        .app
        .remove_asset_link(&page.ctx, supporting, dependant, now())
        .await;
    after_link_change(&state, &page, id, result, "asset-unlinked").await
}

/// Back to the asset's page: with `notice` when the change was made, with the reason when
/// it was refused.
async fn after_link_change(
    state: &AppState,
    page: &PageOrg,
    id: Uuid,
    result: AppResult<()>,
    notice: &str,
) -> Result<Response, PageError> {
    match result {
        Ok(()) => Ok(see_other(record_href::<AssetPages>(
            state, page, id, notice,
        ))),
        Err(error) => {
            let (status, message) = refusal(error)?;
            record_page_with_error::<AssetPages>(state, page, id, message, status).await
        }
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
        let scale = state.app.impact_scale(&page.ctx).await?;
        let scheme = state.app.classification_scheme(&page.ctx).await?.scheme;
        Ok(render(&FormPage {
            scale,
            scheme,
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
        state: &AppState,
        page: &PageOrg,
        layout: Layout,
        asset: Asset,
    ) -> Result<Response, PageError> {
        let ctx = &page.ctx;
        let valuation = state.app.asset_valuation(ctx, asset.id).await?;
        let moved = state.app.assets_moved_by(ctx, asset.id).await?;
        let history = state.app.asset_history(ctx, asset.id).await?.items;
        let scale = state.app.impact_scale(ctx).await?;
        let current = state.app.classification_scheme(ctx).await?;
        let (scheme, scheme_approved) = (current.scheme, current.approved);
        let level = asset
            .classification
            .and_then(|rank| u8::try_from(rank).ok())
            .and_then(|rank| scheme.level(rank).cloned());
        Ok(render(&ShowPage {
            values: value_rows(&asset, &valuation, &scale),
            overall: impact_label(&scale, valuation.overall),
            review: ReviewState::of(asset.next_review_on, now().date()),
            history: history
                .into_iter()
                .map(|event| HistoryRow {
                    changes: json_changes(event.before.as_ref(), event.after.as_ref()),
                    event,
                })
                .collect(),
            level,
            scheme_approved,
            valuation,
            moved,
            layout,
            asset,
            can_manage: ctx.can(Permission::ManageAssets),
            can_view_audit: ctx.can(Permission::ViewAuditLog),
            can_view_risks: ctx.can(Permission::ViewRisks),
        }))
    }
}
