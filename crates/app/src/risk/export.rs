//! The risk register and the risk treatment plan as files an auditor reads (CSV or XLSX):
//! levels by name as the method version that scored them calls them, assets by reference.

use std::collections::HashMap;

use custos_domain::assets::AssetReference;
use custos_domain::platform::Permission;
use custos_domain::risk::method::RiskMethod;
use custos_domain::risk::register::{Risk, RiskList};
use custos_domain::risk::treatment::RiskAction;
use custos_domain::versions::VersionStatus;
use custos_store::risk as store;
use custos_store::versions::RISK_METHOD;
use time::Date;
use uuid::Uuid;

use crate::assets::RegisterFormat;
use crate::export::Export;
use crate::{App, AppResult, OrgContext};

/// The columns of the risk register export.
pub const REGISTER_COLUMNS: [&str; 22] = [
    "reference",
    "title",
    "description",
    "threat",
    "vulnerability",
    "assets",
    "harms",
    "owner",
    "method_version",
    "inherent_likelihood",
    "inherent_impact",
    "inherent_level",
    "existing_controls",
    "residual_likelihood",
    "residual_impact",
    "residual_level",
    "within_appetite",
    "treatment",
    "target_level",
    "status",
    "next_review_on",
    "updated_at",
];

/// The columns of the treatment plan export.
pub const TREATMENT_COLUMNS: [&str; 13] = [
    "risk",
    "risk_title",
    "current_level",
    "target_level",
    "treatment",
    "action",
    "owner",
    "due_on",
    "status",
    "cost",
    "currency",
    "completed_on",
    "overdue",
];

/// The approved method versions, by number: a risk's levels are named by the version that
/// scored it.
struct Methods(HashMap<i64, RiskMethod>);

impl Methods {
    fn level(&self, version: Option<i64>, position: Option<i64>) -> String {
        let name = version
            .and_then(|v| self.0.get(&v))
            .zip(position.and_then(|p| u8::try_from(p).ok()))
            .and_then(|(method, p)| method.level(p))
            .map(|level| level.name.clone());
        match (name, position) {
            (Some(name), _) => name,
            (None, Some(position)) => (position + 1).to_string(),
            (None, None) => String::new(),
        }
    }

    fn within_appetite(&self, risk: &Risk) -> String {
        let method = risk.method_version.and_then(|v| self.0.get(&v));
        match (
            method,
            risk.current_level().and_then(|l| u8::try_from(l).ok()),
        ) {
            (Some(method), Some(level)) => if method.within_appetite(level) {
                "yes"
            } else {
                "no"
            }
            .into(),
            _ => String::new(),
        }
    }

    fn currency(&self, version: Option<i64>) -> String {
        version
            .and_then(|v| self.0.get(&v))
            .map_or_else(String::new, |m| m.currency.clone())
    }
}

fn text(value: Option<impl ToString>) -> String {
    value.map(|v| v.to_string()).unwrap_or_default()
}

fn register_row(risk: Risk, methods: &Methods, assets: &HashMap<Uuid, Vec<String>>) -> Vec<String> {
    let harms = [
        (risk.confidentiality, "C"),
        (risk.integrity, "I"),
        (risk.availability, "A"),
    ]
    .iter()
    .filter(|(on, _)| *on)
    .map(|(_, letter)| *letter)
    .collect::<Vec<_>>()
    .join("");
    vec![
        risk.reference(),
        risk.title.clone(),
        risk.description.clone(),
        text(risk.threat_name.clone()),
        text(risk.vulnerability_name.clone()),
        assets
            .get(&risk.id)
            .map(|a| a.join(", "))
            .unwrap_or_default(),
        harms,
        text(risk.owner_name.clone()),
        text(risk.method_version),
        text(risk.inherent_likelihood),
        text(risk.inherent_impact),
        methods.level(risk.method_version, risk.inherent_level),
        risk.existing_controls.clone(),
        text(risk.residual_likelihood),
        text(risk.residual_impact),
        methods.level(risk.method_version, risk.residual_level),
        methods.within_appetite(&risk),
        text(risk.treatment.map(|t| t.as_str())),
        methods.level(risk.method_version, risk.target_level),
        risk.status.as_str().to_owned(),
        text(risk.next_review_on),
        custos_domain::dates::rfc3339(risk.updated_at),
    ]
}

fn treatment_row(risk: &Risk, action: RiskAction, methods: &Methods, today: Date) -> Vec<String> {
    vec![
        risk.reference(),
        risk.title.clone(),
        methods.level(risk.method_version, risk.current_level()),
        methods.level(risk.method_version, risk.target_level),
        text(risk.treatment.map(|t| t.as_str())),
        action.title.clone(),
        text(action.owner_name.clone()),
        text(action.due_on),
        action.status.as_str().to_owned(),
        text(action.cost),
        methods.currency(risk.method_version),
        text(action.completed_on),
        if action.is_overdue(today) {
            "yes"
        } else {
            "no"
        }
        .into(),
    ]
}

impl App {
    async fn approved_methods(&self, ctx: &OrgContext) -> AppResult<Methods> {
        let mut conn = self.store.reader().await?;
        let versions: Vec<custos_domain::versions::Version<RiskMethod>> =
            RISK_METHOD.all(&mut conn, ctx.org_id()).await?;
        Ok(Methods(
            versions
                .into_iter()
                .filter(|v| v.status == VersionStatus::Approved)
                .map(|v| (v.version, v.body))
                .collect(),
        ))
    }

    /// The risks `request` selects as a CSV or XLSX file ([`REGISTER_COLUMNS`]).
    pub async fn risk_register_file(
        &self,
        ctx: &OrgContext,
        request: RiskList,
        format: RegisterFormat,
    ) -> AppResult<Vec<u8>> {
        ctx.require(Permission::ViewRisks)?;
        let methods = self.approved_methods(ctx).await?;
        let mut assets: HashMap<Uuid, Vec<String>> = HashMap::new();
        {
            let mut conn = self.store.reader().await?;
            for (risk, number) in store::asset_numbers_by_risk(&mut conn, ctx.org_id()).await? {
                assets
                    .entry(risk)
                    .or_default()
                    .push(AssetReference(number).to_string());
            }
        }
        let mut export = self.export_risks(ctx, request)?;
        let mut rows = Vec::new();
        loop {
            let page = export.next_page().await?;
            if page.is_empty() {
                break;
            }
            rows.extend(page.into_iter().map(|r| register_row(r, &methods, &assets)));
        }
        crate::export::file(format, "Risk register", &REGISTER_COLUMNS, rows)
    }

    /// Every treatment action with its risk as a CSV or XLSX file ([`TREATMENT_COLUMNS`]),
    /// overdue as of `today`.
    pub async fn treatment_plan_file(
        &self,
        ctx: &OrgContext,
        format: RegisterFormat,
        today: Date,
    ) -> AppResult<Vec<u8>> {
        ctx.require(Permission::ViewRisks)?;
        let methods = self.approved_methods(ctx).await?;
        let mut conn = self.store.reader().await?;
        let plan = store::treatment_plan(&mut conn, ctx.org_id()).await?;
        let rows = plan
            .into_iter()
            .map(|(risk, action)| treatment_row(&risk, action, &methods, today))
            .collect();
        crate::export::file(format, "Risk treatment plan", &TREATMENT_COLUMNS, rows)
    }
}
