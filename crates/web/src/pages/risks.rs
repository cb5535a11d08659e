//! The risk register's pages: the register with its heat maps of inherent and residual risk
//! (drawn as SVG on the server, each cell a link to the risks in it), the form, and a risk's
//! page with its score history.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use custos_app::assets::RegisterFormat;
use custos_app::domain::ValidationErrors;
use custos_app::domain::controls::applied::ControlStatus;
use custos_app::domain::fields::FieldRule;
use custos_app::domain::list::ListParams;
use custos_app::domain::platform::Permission;
use custos_app::domain::risk::acceptance::{AcceptanceInput, RiskAcceptance};
use custos_app::domain::risk::catalogue::{Threat, Vulnerability};
use custos_app::domain::risk::method::RiskMethod;
use custos_app::domain::risk::quantitative::LossSummary;
use custos_app::domain::risk::register::ScoreRecord;
use custos_app::domain::risk::register::{
    AppetiteFilter, Risk, RiskFilterParams, RiskInput, RiskStatus, TreatmentOption,
};
use custos_app::domain::risk::treatment::{
    ActionInput, ActionStatus, RiskAction, Timeliness, timeliness,
};
use custos_app::domain::risk::trend::TrendPoint;
use custos_app::domain::versions::VersionStatus;
use custos_app::risk::method::MethodVersion;
use custos_app::risk::quantitative::LossReport;
use custos_app::risk::register::{HeatMap, RiskDetail, RiskRecord};
use custos_app::risk::treatment::TreatmentFigures;
use custos_app::{AppError, AppResult, Member, OrgContext, now};
use serde::Deserialize;
use time::OffsetDateTime;
use uuid::Uuid;

use super::register::{
    FormState, Notices, RegisterPages, after_action, record_href, record_page_with_error,
};
use super::{Area, Layout, NavEntry, PageQuery, VersionForm, form_version, options, parse_id};
use crate::AppState;
use crate::auth::PageOrg;
use crate::error::{PageError, render};
use crate::list::{ListState, SortHeader};

pub const AREA: Area = Area {
    nav: &[NavEntry {
        section: "risks",
        position: 400,
        label: "Risks",
        path: "/risks",
        permission: Some(Permission::ViewRisks),
        shows_waiting_approvals: false,
    }],
    notices: &[
        ("risk-created", "success", "Risk recorded."),
        ("risk-saved", "success", "Changes saved."),
        ("risk-deleted", "success", "Risk deleted."),
        (
            "action-added",
            "success",
            "Action added to the treatment plan.",
        ),
        ("action-saved", "success", "Action saved."),
        ("action-deleted", "success", "Action deleted."),
        (
            "acceptance-requested",
            "success",
            "Acceptance requested. The role the risk method names for this level will find it \
             in their approvals.",
        ),
        (
            "risks-moved",
            "success",
            "Every risk is now scored with the method in force; the old scores stay in each \
             risk's history.",
        ),
        (
            "risks-moved-some",
            "info",
            "Risks were moved to the method in force, except those whose estimates are off its \
             scales: open them and rate them again.",
        ),
    ],
    field_labels: &[
        ("title", "Title"),
        ("description", "Description"),
        ("threat_id", "Threat"),
        ("vulnerability_id", "Vulnerability"),
        ("owner_id", "Owner"),
        ("inherent_likelihood", "Inherent likelihood"),
        ("inherent_impact", "Inherent impact"),
        ("existing_controls", "Existing controls"),
        ("residual_likelihood", "Residual likelihood"),
        ("residual_impact", "Residual impact"),
        ("treatment", "Treatment"),
        ("status", "Status"),
        ("assets", "Affected assets"),
    ],
};

/// One cell of a heat map as drawn.
pub struct HeatCell {
    pub x: u32,
    pub y: u32,
    pub colour: String,
    pub count: i64,
    pub href: String,
    /// What a screen reader says of the cell.
    pub label: String,
}

/// A heat map ready for the template: its cells and axis labels.
pub struct DrawnHeatMap {
    pub title: &'static str,
    pub width: u32,
    pub height: u32,
    pub cells: Vec<HeatCell>,
    /// (y, name) of each likelihood row.
    pub rows: Vec<(u32, String)>,
    /// (x, name) of each impact column.
    pub columns: Vec<(u32, String)>,
}

/// One month's bar of the trend chart: its segments, lowest level at the bottom.
pub struct TrendBar {
    pub x: u32,
    pub label: String,
    /// (y, height, colour, what a screen reader says).
    pub segments: Vec<(u32, u32, String, String)>,
}

const BAR_WIDTH: u32 = 28;
const BAR_GAP: u32 = 14;
const TREND_HEIGHT: u32 = 140;

/// Draws the trend as stacked bars, one per month, scaled to the busiest month.
fn draw_trend(method: &RiskMethod, points: &[TrendPoint]) -> Vec<TrendBar> {
    let busiest = points
        .iter()
        .map(|p| p.counts.iter().sum::<i64>())
        .max()
        .unwrap_or(0)
        .max(1);
    points
        .iter()
        .enumerate()
        .map(|(i, point)| {
            let mut top = TREND_HEIGHT;
            let segments = point
                .counts
                .iter()
                .enumerate()
                .filter(|(_, count)| **count > 0)
                .map(|(level, &count)| {
                    let height = u32::try_from(count * i64::from(TREND_HEIGHT) / busiest)
                        .unwrap_or(0)
                        .max(2);
                    top = top.saturating_sub(height);
                    let level = method.levels.get(level);
                    let name = level.map_or("?", |l| l.name.as_str());
                    (
                        top,
                        height,
                        level.map_or_else(|| "#cccccc".to_owned(), |l| l.colour.clone()),
                        format!("{}: {count} at {name}", month_label(point.day)),
                    )
                })
                .collect();
            TrendBar {
                x: 30 + i as u32 * (BAR_WIDTH + BAR_GAP),
                label: month_label(point.day),
                segments,
            }
        })
        .collect()
}

fn month_label(day: time::Date) -> String {
    format!("{:.3} {}", day.month().to_string(), day.year() % 100)
}

const CELL: u32 = 56;
const LEFT: u32 = 110;
const BOTTOM: u32 = 40;

/// Draws `map`: most likely at the top, most severe at the right; each cell links to the
/// register filtered to it (`base` is the register's address).
fn draw(map: &HeatMap, residual: bool, base: &str) -> DrawnHeatMap {
    let method = &map.method.body;
    let rows = method.likelihood.len() as u32;
    let columns = method.impact.len() as u32;
    let kind = if residual { "residual" } else { "inherent" };
    let mut cells = Vec::new();
    for (l, row) in map.counts.iter().enumerate() {
        for (i, &count) in row.iter().enumerate() {
            let level = method
                .matrix
                .get(l)
                .and_then(|r| r.get(i))
                .and_then(|&cell| method.level(cell));
            let (likelihood, impact) = (l + 1, i + 1);
            cells.push(HeatCell {
                x: LEFT + i as u32 * CELL,
                y: (rows - 1 - l as u32) * CELL,
                colour: level.map_or_else(|| "#cccccc".to_owned(), |level| level.colour.clone()),
                count,
                href: format!("{base}?level_kind={kind}&likelihood={likelihood}&impact={impact}"),
                label: format!(
                    "{count} {} at likelihood {} and impact {}{}",
                    if count == 1 { "risk" } else { "risks" },
                    method.likelihood.get(l).map_or("", |s| s.name.as_str()),
                    method.impact.get(i).map_or("", |s| s.name.as_str()),
                    level.map_or_else(String::new, |level| format!(" ({})", level.name)),
                ),
            });
        }
    }
    DrawnHeatMap {
        title: if residual {
            "Residual risk"
        } else {
            "Inherent risk"
        },
        width: LEFT + columns * CELL,
        height: rows * CELL + BOTTOM,
        cells,
        rows: method
            .likelihood
            .iter()
            .enumerate()
            .map(|(l, s)| ((rows - 1 - l as u32) * CELL + CELL / 2 + 4, s.name.clone()))
            .collect(),
        columns: method
            .impact
            .iter()
            .enumerate()
            .map(|(i, s)| (LEFT + i as u32 * CELL + CELL / 2, s.name.clone()))
            .collect(),
    }
}

#[derive(Template)]
#[template(path = "risks/list.html")]
struct ListPage {
    layout: Layout,
    risks: Vec<Risk>,
    list: ListState,
    headers: Vec<SortHeader>,
    params: ListParams,
    filters: RiskFilterParams,
    method: Option<MethodVersion>,
    maps: Vec<DrawnHeatMap>,
    on_other_versions: i64,
    treatment: TreatmentFigures,
    trend: Vec<TrendBar>,
    members: Vec<Member>,
    can_manage: bool,
    can_manage_method: bool,
}

impl ListPage {
    fn percent(&self, share: &f64) -> String {
        format!("{:.0} %", share * 100.0)
    }

    fn xlsx_href(&self) -> String {
        self.list.csv_href().replace("format=csv", "format=xlsx")
    }

    fn is_owner(&self, member: &Member) -> bool {
        self.filters.owner_id == Some(member.user_id)
    }

    fn statuses(&self) -> Vec<(String, String)> {
        options(&RiskStatus::ALL)
    }

    fn appetites(&self) -> Vec<(String, String)> {
        options(&AppetiteFilter::ALL)
    }

    /// The levels of the method in force, numbered from 1, for the level filter.
    fn levels(&self) -> Vec<(String, String)> {
        self.method.as_ref().map_or_else(Vec::new, |method| {
            method
                .body
                .levels
                .iter()
                .enumerate()
                .map(|(i, level)| ((i + 1).to_string(), level.name.clone()))
                .collect()
        })
    }

    fn level_name(&self, risk: &Risk) -> String {
        level_name(
            self.method.as_ref(),
            risk.method_version,
            risk.current_level(),
        )
    }

    fn level_colour(&self, risk: &Risk) -> String {
        level_of(
            self.method.as_ref(),
            risk.method_version,
            risk.current_level(),
        )
        .map_or_else(String::new, |level| level.colour.clone())
    }

    fn filtered(&self) -> bool {
        !(self.params.q.is_empty()
            && self.filters.status.is_empty()
            && self.filters.level.is_empty()
            && self.filters.appetite.is_empty()
            && self.filters.likelihood.is_empty()
            && self.filters.impact.is_empty()
            && self.filters.owner_id.is_none()
            && self.filters.asset_id.is_none())
    }
}

/// The level at `position` of `method` when the risk was scored with it.
fn level_of(
    method: Option<&MethodVersion>,
    scored_with: Option<i64>,
    position: Option<i64>,
) -> Option<&custos_app::domain::risk::method::RiskLevel> {
    let method = method.filter(|m| Some(m.version) == scored_with)?;
    method.body.level(u8::try_from(position?).ok()?)
}

fn level_name(
    method: Option<&MethodVersion>,
    scored_with: Option<i64>,
    position: Option<i64>,
) -> String {
    match (level_of(method, scored_with, position), position) {
        (Some(level), _) => level.name.clone(),
        // Scored with another version than the one shown: its number.
        (None, Some(position)) => format!("level {}", position + 1),
        (None, None) => "Not rated".into(),
    }
}

/// How many months the register's trend chart shows.
pub const TREND_MONTHS: usize = 12;

pub async fn list(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<PageQuery>,
    Query(params): Query<ListParams>,
    Query(filters): Query<RiskFilterParams>,
) -> Result<Response, PageError> {
    let ctx = &page.ctx;
    // The same parsing as the API: a bad sort or filter is an error here too.
    let request = filters.request(&params)?;
    if let Some(format) = RegisterFormat::parse(&query.format) {
        let bytes = state.app.risk_register_file(ctx, request, format).await?;
        return Ok(super::download(
            &format!("risks.{}", format.extension()),
            format,
            bytes,
        ));
    }
    let layout = Layout::new(&state, &page, "Risks", "risks")
        .await?
        .with_flash(query.notice.as_deref());
    let mut list = ListState::new(
        layout.org_href("/risks"),
        vec![
            ("q", params.q.clone()),
            ("status", filters.status.clone()),
            ("level", filters.level.clone()),
            ("level_kind", filters.level_kind.clone()),
            ("likelihood", filters.likelihood.clone()),
            ("impact", filters.impact.clone()),
            ("appetite", filters.appetite.clone()),
            (
                "owner_id",
                filters
                    .owner_id
                    .map(|id| id.to_string())
                    .unwrap_or_default(),
            ),
            (
                "asset_id",
                filters
                    .asset_id
                    .map(|id| id.to_string())
                    .unwrap_or_default(),
            ),
        ],
        request.sort.as_str(),
        request.direction,
        request.page,
    );
    let listed = state.app.list_risks(ctx, &request).await?;
    list.set_total(&listed);
    let headers = vec![
        list.header("number", "Ref."),
        list.header("title", "Title"),
        list.header("level", "Level"),
        list.header("status", "Status"),
        list.header("next_review_on", "Next review"),
    ];
    let base = layout.org_href("/risks");
    let mut maps = Vec::new();
    let mut method = None;
    let mut on_other_versions = 0;
    for residual in [false, true] {
        if let Some(map) = state.app.risk_heat_map(ctx, residual).await? {
            maps.push(draw(&map, residual, &base));
            on_other_versions = map.on_other_versions;
            method = Some(map.method);
        }
    }
    let treatment = state.app.treatment_figures(ctx, now().date()).await?;
    let trend = state
        .app
        .risk_trend(ctx, now().date(), TREND_MONTHS)
        .await?
        .map_or_else(Vec::new, |(method, points)| {
            draw_trend(&method.body, &points)
        });
    Ok(render(&ListPage {
        layout,
        risks: listed.items,
        list,
        headers,
        params,
        filters,
        method,
        maps,
        on_other_versions,
        treatment,
        trend,
        members: state.app.members(ctx).await?,
        can_manage: ctx.can(Permission::ManageRisks),
        can_manage_method: ctx.can(Permission::ManageRiskMethod),
    }))
}

/// The risk form's fields: the record's own and the affected assets, typed as references.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct RiskPageInput {
    #[serde(flatten)]
    pub risk: RiskInput,
    /// `AST-0001, AST-0007`.
    #[serde(default)]
    pub assets: String,
}

#[derive(Template)]
#[template(path = "risks/form.html")]
struct FormPage {
    layout: Layout,
    editing: Option<RiskRecord>,
    input: RiskPageInput,
    version: i64,
    errors: ValidationErrors,
    action: String,
    members: Vec<Member>,
    threats: Vec<Threat>,
    vulnerabilities: Vec<Vulnerability>,
    method: Option<MethodVersion>,
    statuses: Vec<RiskStatus>,
}

impl FormPage {
    fn rule(&self, field: &str) -> FieldRule {
        RiskInput::rule(field)
    }

    fn owner_options(&self) -> Vec<(String, String)> {
        self.members
            .iter()
            .map(|m| (m.user_id.to_string(), m.name.clone()))
            .collect()
    }

    fn threat_options(&self) -> Vec<(String, String)> {
        self.threats
            .iter()
            .map(|t| (t.id.to_string(), format!("{} {}", t.reference, t.name)))
            .collect()
    }

    fn vulnerability_options(&self) -> Vec<(String, String)> {
        self.vulnerabilities
            .iter()
            .map(|v| (v.id.to_string(), format!("{} {}", v.reference, v.name)))
            .collect()
    }

    fn likelihood_options(&self) -> Vec<(String, String)> {
        scale_options(self.method.as_ref().map(|m| &m.body), true)
    }

    fn impact_options(&self) -> Vec<(String, String)> {
        scale_options(self.method.as_ref().map(|m| &m.body), false)
    }

    fn treatment_options(&self) -> Vec<(String, String)> {
        options(&TreatmentOption::ALL)
    }

    fn status_options(&self) -> Vec<(String, String)> {
        options(&self.statuses)
    }

    fn has_estimate(&self) -> bool {
        let r = &self.input.risk;
        [
            &r.annual_rate_low,
            &r.annual_rate_likely,
            &r.annual_rate_high,
            &r.single_loss_low,
            &r.single_loss_likely,
            &r.single_loss_high,
        ]
        .iter()
        .any(|v| !v.trim().is_empty())
    }

    fn checked(&self, field: &str) -> bool {
        let value = match field {
            "confidentiality" => &self.input.risk.confidentiality,
            "integrity" => &self.input.risk.integrity,
            _ => &self.input.risk.availability,
        };
        matches!(value.as_str(), "on" | "true" | "1")
    }
}

/// A scale's steps as select options: position and name.
fn scale_options(method: Option<&RiskMethod>, likelihood: bool) -> Vec<(String, String)> {
    let Some(method) = method else {
        return Vec::new();
    };
    let names: Vec<&str> = if likelihood {
        method.likelihood.iter().map(|l| l.name.as_str()).collect()
    } else {
        method.impact.iter().map(|l| l.name.as_str()).collect()
    };
    names
        .iter()
        .enumerate()
        .map(|(i, name)| ((i + 1).to_string(), format!("{}. {name}", i + 1)))
        .collect()
}

#[derive(Template)]
#[template(path = "risks/show.html")]
struct ShowPage {
    layout: Layout,
    detail: RiskDetail,
    /// The method in force, for the target level and the currency.
    in_force: Option<MethodVersion>,
    today: time::Date,
    /// The applied controls treating it: id, reference, title and status.
    controls: Vec<(Uuid, String, String, ControlStatus)>,
    can_manage: bool,
    can_request_acceptance: bool,
    can_view_audit: bool,
}

impl ShowPage {
    fn risk(&self) -> &Risk {
        &self.detail.record.risk
    }

    fn inherent(&self) -> String {
        let risk = self.risk();
        level_name(
            self.detail.method.as_ref(),
            risk.method_version,
            risk.inherent_level,
        )
    }

    fn residual(&self) -> String {
        let risk = self.risk();
        level_name(
            self.detail.method.as_ref(),
            risk.method_version,
            risk.residual_level,
        )
    }

    fn estimate(&self, likelihood: &Option<i64>, impact: &Option<i64>) -> String {
        let (likelihood, impact) = (*likelihood, *impact);
        let method = self.detail.method.as_ref().map(|m| &m.body);
        let name = |steps: Vec<&str>, value: Option<i64>| {
            let value = value?;
            let step = usize::try_from(value - 1)
                .ok()
                .and_then(|i| steps.get(i).copied());
            Some(step.map_or_else(|| value.to_string(), |s| format!("{value}. {s}")))
        };
        let likelihood = name(
            method.map_or_else(Vec::new, |m| {
                m.likelihood.iter().map(|l| l.name.as_str()).collect()
            }),
            likelihood,
        );
        let impact = name(
            method.map_or_else(Vec::new, |m| {
                m.impact.iter().map(|l| l.name.as_str()).collect()
            }),
            impact,
        );
        match (likelihood, impact) {
            (Some(l), Some(i)) => format!("likelihood {l}, impact {i}"),
            _ => "Not rated".into(),
        }
    }

    fn properties(&self) -> String {
        let risk = self.risk();
        let names: Vec<&str> = [
            (risk.confidentiality, "Confidentiality"),
            (risk.integrity, "Integrity"),
            (risk.availability, "Availability"),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, name)| *name)
        .collect();
        names.join(", ")
    }

    fn timeliness_label(&self) -> &'static str {
        let state = timeliness(&self.detail.actions, self.today);
        if state == Timeliness::NoPlan {
            "No action planned yet."
        } else {
            state.label()
        }
    }

    fn is_overdue(&self, action: &RiskAction) -> bool {
        action.is_overdue(self.today)
    }

    fn expired(&self, acceptance: &RiskAcceptance) -> bool {
        acceptance.status == VersionStatus::Approved && acceptance.expires_on < self.today
    }

    fn currency(&self) -> String {
        self.in_force
            .as_ref()
            .map_or_else(|| "EUR".to_owned(), |m| m.body.currency.clone())
    }

    fn action_statuses(&self) -> Vec<(String, String)> {
        options(&ActionStatus::ALL)
    }

    /// The levels of the method in force, numbered from 1, for the target level.
    fn levels(&self) -> Vec<(String, String)> {
        self.in_force.as_ref().map_or_else(Vec::new, |method| {
            method
                .body
                .levels
                .iter()
                .enumerate()
                .map(|(i, level)| ((i + 1).to_string(), level.name.clone()))
                .collect()
        })
    }

    fn is_target(&self, value: &str) -> bool {
        self.risk()
            .target_level
            .is_some_and(|target| (target + 1).to_string() == value)
    }

    fn target_name(&self) -> Option<String> {
        let target = self.risk().target_level?;
        Some(level_name(
            self.in_force.as_ref(),
            self.in_force.as_ref().map(|m| m.version),
            Some(target),
        ))
    }

    /// "4. Serious, from AST-0001's confidentiality (3 of 4 on the asset scale)".
    fn suggestion(&self) -> Option<String> {
        let s = self.detail.suggested_impact?;
        let step = self
            .in_force
            .as_ref()
            .and_then(|m| m.body.impact.get(usize::from(s.impact).checked_sub(1)?))
            .map_or_else(String::new, |step| format!(". {}", step.name));
        let asset = self
            .detail
            .record
            .assets
            .iter()
            .find(|a| a.id == s.asset_id)
            .map_or_else(String::new, |a| a.reference());
        Some(format!(
            "{}{step}, from {asset}'s {} ({} of {} on the asset impact scale)",
            s.impact, s.property, s.asset_value, s.asset_scale
        ))
    }

    fn estimate_text(&self) -> String {
        match self.risk().loss_estimate() {
            Some(e) => format!(
                "{} to {} events a year (most likely {}), {} to {} {} per event (most likely {})",
                e.annual_rate.low,
                e.annual_rate.high,
                e.annual_rate.most_likely,
                e.single_loss.low,
                e.single_loss.high,
                self.currency(),
                e.single_loss.most_likely
            ),
            None => "None".into(),
        }
    }

    fn history_level(&self, record: &ScoreRecord) -> String {
        let position = record.residual_level.or(record.inherent_level);
        match position {
            Some(position) => format!(
                "level {} (method version {})",
                position + 1,
                record.method_version.unwrap_or_default()
            ),
            None => "not rated".into(),
        }
    }
}

/// The risk register in the shared record pages.
pub struct RiskPages;

impl RegisterPages for RiskPages {
    type Record = RiskRecord;
    type Input = RiskPageInput;
    const PATH: &'static str = "/risks";
    const SECTION: &'static str = "risks";
    const NOUN: &'static str = "risk";
    const MANAGE: Permission = Permission::ManageRisks;
    const NOTICES: Notices = Notices {
        created: "risk-created",
        saved: "risk-saved",
        deleted: "risk-deleted",
    };
    const DELETE_EXPLANATION: &'static str = "The risk disappears from the register and its heat \
        maps. The audit log keeps a copy of it, and its score history records that it left.";

    fn id(record: &RiskRecord) -> Uuid {
        record.risk.id
    }

    fn version(record: &RiskRecord) -> i64 {
        record.risk.version
    }

    fn name(record: &RiskRecord) -> String {
        format!("{} {}", record.risk.reference(), record.risk.title)
    }

    fn reference(record: &RiskRecord) -> String {
        record.risk.reference()
    }

    fn input_of(record: &RiskRecord) -> RiskPageInput {
        let draft = custos_app::domain::risk::register::RiskDraft::from(&record.risk);
        RiskPageInput {
            risk: draft.to_input(),
            assets: record
                .assets
                .iter()
                .map(|a| a.reference())
                .collect::<Vec<_>>()
                .join(", "),
        }
    }

    fn new_input(ctx: &OrgContext) -> RiskPageInput {
        RiskPageInput {
            risk: RiskInput {
                owner_id: ctx.user().id.to_string(),
                ..RiskInput::default()
            },
            assets: String::new(),
        }
    }

    async fn find(state: &AppState, ctx: &OrgContext, id: Uuid) -> AppResult<RiskRecord> {
        Ok(state.app.risk(ctx, id).await?.record)
    }

    async fn create(
        state: &AppState,
        ctx: &OrgContext,
        input: &RiskPageInput,
        now: OffsetDateTime,
    ) -> AppResult<RiskRecord> {
        let assets = state
            .app
            .resolve_asset_references(ctx, &input.assets)
            .await?;
        state.app.create_risk(ctx, &input.risk, &assets, now).await
    }

    async fn update(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        input: &RiskPageInput,
        now: OffsetDateTime,
    ) -> AppResult<RiskRecord> {
        let assets = state
            .app
            .resolve_asset_references(ctx, &input.assets)
            .await?;
        state
            .app
            .update_risk(ctx, id, version, &input.risk, &assets, now)
            .await
    }

    async fn delete(
        state: &AppState,
        ctx: &OrgContext,
        id: Uuid,
        version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        state.app.delete_risk(ctx, id, version, now).await
    }

    async fn render_form(
        state: &AppState,
        page: &PageOrg,
        form: FormState<Self>,
    ) -> Result<Response, PageError> {
        let ctx = &page.ctx;
        let members = state.app.members(ctx).await?;
        let threats = state.app.threats(ctx).await?;
        let vulnerabilities = state.app.vulnerabilities(ctx).await?;
        let method = state.app.risk_method(ctx).await?;
        let statuses = form
            .editing
            .as_ref()
            .map_or(RiskStatus::Identified, |r| r.risk.status)
            .choosable_from()
            .collect();
        Ok(render(&FormPage {
            action: form.action(),
            layout: form.layout,
            editing: form.editing,
            input: form.input,
            version: form.version,
            errors: form.errors,
            members,
            threats,
            vulnerabilities,
            method,
            statuses,
        }))
    }

    async fn render_record(
        state: &AppState,
        page: &PageOrg,
        layout: Layout,
        record: RiskRecord,
    ) -> Result<Response, PageError> {
        let ctx = &page.ctx;
        let detail = state.app.risk(ctx, record.risk.id).await?;
        let in_force = state.app.risk_method(ctx).await?;
        let risk = &detail.record.risk;
        let waiting = detail
            .acceptances
            .iter()
            .any(|a| a.status == VersionStatus::PendingApproval);
        let can_request_acceptance = ctx.can(Permission::ManageRisks)
            && ctx.can(Permission::SubmitForApproval)
            && risk.current_level().is_some()
            && !matches!(risk.status, RiskStatus::Accepted | RiskStatus::Closed)
            && !waiting;
        let controls = state.app.controls_treating(ctx, record.risk.id).await?;
        Ok(render(&ShowPage {
            layout,
            detail,
            in_force,
            today: now().date(),
            controls,
            can_manage: ctx.can(Permission::ManageRisks),
            can_request_acceptance,
            can_view_audit: ctx.can(Permission::ViewAuditLog),
        }))
    }
}

/// Moves every risk scored with an older method version to the version in force; those whose
/// estimates are off the new scales stay behind, counted on the register's page.
pub async fn rescore(State(state): State<AppState>, page: PageOrg) -> Result<Response, PageError> {
    let (_, left) = state.app.move_risks_to_method(&page.ctx, now()).await?;
    let notice = if left.is_empty() {
        "risks-moved"
    } else {
        "risks-moved-some"
    };
    let href = format!(
        "{}/orgs/{}/risks?notice={notice}",
        state.config.base_path,
        page.ctx.organisation().slug
    );
    Ok(super::see_other(href))
}

/// After an action on a risk's page: back to the page with `notice`, or the page with what
/// went wrong (a refused value 422, a conflict 409).
async fn after_risk_action<T>(
    state: &AppState,
    page: &PageOrg,
    risk_id: Uuid,
    result: AppResult<T>,
    notice: &str,
) -> Result<Response, PageError> {
    match result {
        Err(AppError::Validation(errors)) => {
            record_page_with_error::<RiskPages>(
                state,
                page,
                risk_id,
                errors.sentences(),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await
        }
        result => {
            let done = record_href::<RiskPages>(state, page, risk_id, notice);
            after_action::<RiskPages, T>(state, page, risk_id, result, done).await
        }
    }
}

#[derive(Deserialize)]
pub struct ActionForm {
    #[serde(flatten)]
    input: ActionInput,
    #[serde(default)]
    version: String,
}

pub async fn add_action(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let risk_id = parse_id(&id)?;
    let result = state
        .app
        .add_risk_action(&page.ctx, risk_id, &form.input, now())
        .await;
    after_risk_action(&state, &page, risk_id, result, "action-added").await
}

pub async fn update_action(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<ActionForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let version = form_version(&form.version)?;
    let action = state.app.risk_action(&page.ctx, id).await?;
    let result = state
        .app
        .update_risk_action(&page.ctx, id, version, &form.input, now())
        .await;
    after_risk_action(&state, &page, action.risk_id, result, "action-saved").await
}

pub async fn delete_action(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<VersionForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    let version = form_version(&form.version)?;
    let action = state.app.risk_action(&page.ctx, id).await?;
    if !super::confirm::given(&form.confirmed) {
        page.ctx.require(Permission::ManageRisks)?;
        let layout = Layout::new(&state, &page, "Delete", "risks").await?;
        let back_href = layout.org_href(&format!("/risks/{}", action.risk_id));
        let action_href = layout.org_href(&format!("/risk-actions/{id}/delete"));
        return Ok(render(&super::confirm::ConfirmPage {
            layout,
            question: format!("Delete the action “{}”?", action.title),
            explanation: "The action leaves the risk's treatment plan. The audit log keeps a \
                          copy of it."
                .into(),
            action: action_href,
            fields: vec![("version", version.to_string())],
            button_label: "Delete action".into(),
            button_class: "danger",
            back_href,
            back_label: "the risk".into(),
        }));
    }
    let result = state
        .app
        .delete_risk_action(&page.ctx, id, version, now())
        .await;
    after_risk_action(&state, &page, action.risk_id, result, "action-deleted").await
}

#[derive(Deserialize)]
pub struct TargetForm {
    #[serde(default)]
    target_level: String,
    #[serde(default)]
    version: String,
}

pub async fn set_target(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<TargetForm>,
) -> Result<Response, PageError> {
    let risk_id = parse_id(&id)?;
    let version = form_version(&form.version)?;
    let result = state
        .app
        .set_treatment_target(&page.ctx, risk_id, version, &form.target_level, now())
        .await;
    after_risk_action(&state, &page, risk_id, result, "risk-saved").await
}

#[derive(Deserialize)]
pub struct AcceptanceForm {
    #[serde(flatten)]
    input: AcceptanceInput,
    #[serde(default)]
    version: String,
}

pub async fn request_acceptance(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<AcceptanceForm>,
) -> Result<Response, PageError> {
    let risk_id = parse_id(&id)?;
    let version = form_version(&form.version)?;
    let result = state
        .app
        .request_risk_acceptance(&page.ctx, risk_id, version, &form.input, now())
        .await;
    after_risk_action(&state, &page, risk_id, result, "acceptance-requested").await
}

#[derive(Template)]
#[template(path = "risks/losses.html")]
struct LossesPage {
    layout: Layout,
    report: LossReport,
    /// The curve as an SVG polyline's points, and the axis labels (x, loss) and (y, share).
    points: String,
    x_labels: Vec<(f64, String)>,
    appetite_x: Option<f64>,
}

impl LossesPage {
    fn summary(&self, risk: &Risk) -> Option<LossSummary> {
        self.report.simulation.risk(risk.id).copied()
    }

    fn total(&self) -> LossSummary {
        *self.report.simulation.total()
    }

    fn money(&self, amount: &f64) -> String {
        format!(
            "{} {}",
            thousands(amount.round() as i64),
            self.report.currency
        )
    }

    fn percent(&self, share: &f64) -> String {
        format!("{:.1} %", share * 100.0)
    }
}

/// `1234567` as `1 234 567`.
fn thousands(value: i64) -> String {
    let digits = value.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(c);
    }
    if value < 0 { format!("-{out}") } else { out }
}

const CURVE_WIDTH: f64 = 560.0;
const CURVE_HEIGHT: f64 = 220.0;

pub async fn losses(State(state): State<AppState>, page: PageOrg) -> Result<Response, PageError> {
    let report = state.app.risk_losses(&page.ctx).await?;
    let curve = report.simulation.curve();
    let largest = curve.last().map_or(0.0, |p| p.loss).max(1.0);
    let scale_x = |loss: f64| 40.0 + loss / largest * (CURVE_WIDTH - 60.0);
    let scale_y = |share: f64| 10.0 + (1.0 - share) * (CURVE_HEIGHT - 40.0);
    let points = curve
        .iter()
        .map(|p| format!("{:.1},{:.1}", scale_x(p.loss), scale_y(p.probability)))
        .collect::<Vec<_>>()
        .join(" ");
    let x_labels = (0..=4)
        .map(|i| {
            let loss = largest * f64::from(i) / 4.0;
            (scale_x(loss), thousands(loss.round() as i64))
        })
        .collect();
    let appetite_x = report
        .appetite
        .map(|(amount, _)| scale_x((amount as f64).min(largest)));
    let layout = Layout::new(&state, &page, "Annualised loss", "risks").await?;
    Ok(render(&LossesPage {
        layout,
        report,
        points,
        x_labels,
        appetite_x,
    }))
}

#[derive(Deserialize, Default)]
pub struct FormatQuery {
    #[serde(default)]
    format: String,
}

/// The treatment plan of every risk as a CSV or XLSX file.
pub async fn treatment_plan(
    State(state): State<AppState>,
    page: PageOrg,
    Query(query): Query<FormatQuery>,
) -> Result<Response, PageError> {
    let format = RegisterFormat::parse(&query.format).unwrap_or(RegisterFormat::Csv);
    let bytes = state
        .app
        .treatment_plan_file(&page.ctx, format, now().date())
        .await?;
    let name = format!("risk-treatment-plan.{}", format.extension());
    Ok(super::download(&name, format, bytes))
}
