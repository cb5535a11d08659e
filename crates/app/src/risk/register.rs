//! The risk register: list, read, create, edit and delete risks, score them with the approved
//! risk method, move them to a new method version, and the figures heat maps are drawn from.
//! The write sequence comes from the register kit ([`crate::records`]); this module says what
//! is particular to risks: scores come from the method in force, every new score is kept in
//! the risk's history, and a risk's assets, threat and vulnerability are the organisation's.

use std::collections::HashMap;

use custos_domain::ValidationErrors;
use custos_domain::assets::LinkedAsset;
use custos_domain::list::Listed;
use custos_domain::platform::{AuditEvent, Permission, RecordType};
use custos_domain::risk::acceptance::RiskAcceptance;
use custos_domain::risk::method::RiskMethod;
use custos_domain::risk::register::ScoreRecord;
use custos_domain::risk::register::{
    Risk, RiskDraft, RiskInput, RiskList, RiskStatus, Scores, next_review, score,
};
use custos_domain::risk::suggest::{ImpactSuggestion, suggest_impact};
use custos_domain::risk::treatment::RiskAction;
use custos_domain::risk::trend::{ScoreEvent, TrendPoint, level_trend, month_ends};
use custos_store::risk::{self as store, Assessment, Rescored};
use custos_store::{Conn, StoreResult, Tx, platform};
use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::method::{MethodVersion, method_in};
use crate::export::{ExportedRecord, RegisterExport};
use crate::platform::Change;
use crate::records::{BackgroundAudit, Cited, StoredRecord, Written, resolve_cited};
use crate::{App, AppError, AppResult, OrgContext};
use custos_store::numbered::Numbered;

/// A risk with the assets it affects: what its page shows and its audit snapshots hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskRecord {
    #[serde(flatten)]
    pub risk: Risk,
    pub assets: Vec<LinkedAsset>,
}

impl StoredRecord for RiskRecord {
    const TYPE: RecordType = RecordType::Risk;

    fn id(&self) -> Uuid {
        self.risk.id
    }

    fn version(&self) -> i64 {
        self.risk.version
    }

    async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Self>> {
        let Some(risk) = store::find(conn, org_id, id).await? else {
            return Ok(None);
        };
        let assets = store::assets_of(conn, org_id, id)
            .await?
            .into_iter()
            .map(|(id, number, name)| LinkedAsset { id, number, name })
            .collect();
        Ok(Some(RiskRecord { risk, assets }))
    }
}

/// A risk's page: the risk, the method its levels are read with, its score history.
#[derive(Debug, Clone)]
pub struct RiskDetail {
    pub record: RiskRecord,
    /// The version the risk was scored with, when it was.
    pub method: Option<MethodVersion>,
    pub scores: Vec<ScoreRecord>,
    /// Its treatment plan's actions, by due date.
    pub actions: Vec<RiskAction>,
    /// The acceptances asked for it, newest first.
    pub acceptances: Vec<RiskAcceptance>,
    /// The impact its assets suggest on the method in force, for members who may read the
    /// asset inventory.
    pub suggested_impact: Option<ImpactSuggestion>,
}

/// What a heat map is drawn from: the method in force and how many open risks scored with it
/// sit in each cell.
#[derive(Debug, Clone)]
pub struct HeatMap {
    pub method: MethodVersion,
    /// `counts[l - 1][i - 1]`: risks at likelihood `l` and impact `i`.
    pub counts: Vec<Vec<i64>>,
    /// Risks scored with an older version: not on this map until moved to this version.
    pub on_other_versions: i64,
}

/// Risks moved to a new method version per batch of writes, their audit events made
/// meanwhile on another thread.
const WRITTEN_TOGETHER: usize = 1_000;

impl App {
    pub async fn list_risks(
        &self,
        ctx: &OrgContext,
        request: &RiskList,
    ) -> AppResult<Listed<Risk>> {
        ctx.require(Permission::ViewRisks)?;
        let appetite = {
            let mut conn = self.store.reader().await?;
            appetite_in(&mut conn, ctx.org_id()).await?
        };
        // The appetite filter reads the method in force: its version keys the count too.
        let key = (&request.filter, appetite);
        self.list_counted(ctx, "risks", &key, async |conn, known| {
            store::list(conn, ctx.org_id(), request, appetite, known).await
        })
        .await
    }

    pub async fn risk(&self, ctx: &OrgContext, id: Uuid) -> AppResult<RiskDetail> {
        ctx.require(Permission::ViewRisks)?;
        let mut conn = self.store.reader().await?;
        let record = RiskRecord::find(&mut conn, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        let method = match record.risk.method_version {
            Some(version) => {
                custos_store::versions::RISK_METHOD
                    .find(&mut conn, ctx.org_id(), version)
                    .await?
            }
            None => None,
        };
        let scores = store::score_history(&mut conn, ctx.org_id(), id).await?;
        let actions = store::actions(&mut conn, ctx.org_id(), id).await?;
        let acceptances = store::acceptances(&mut conn, ctx.org_id(), id).await?;
        let in_force = method_in(&mut conn, ctx.org_id()).await?;
        let asset_scale = crate::assets::scale_in(&mut conn, ctx.org_id()).await?;
        drop(conn);
        let suggested_impact = match in_force {
            Some(method) if ctx.can(Permission::ViewAssets) && !record.assets.is_empty() => {
                let mut valued = Vec::with_capacity(record.assets.len());
                for asset in &record.assets {
                    let valuation = self.asset_valuation(ctx, asset.id).await?;
                    valued.push((asset.id, valuation.effective));
                }
                let harms = [
                    record.risk.confidentiality,
                    record.risk.integrity,
                    record.risk.availability,
                ];
                let sizes = (asset_scale.levels.len(), method.body.impact.len());
                suggest_impact(
                    &valued,
                    harms,
                    u8::try_from(sizes.0).unwrap_or(u8::MAX),
                    u8::try_from(sizes.1).unwrap_or(u8::MAX),
                )
            }
            _ => None,
        };
        Ok(RiskDetail {
            record,
            method,
            scores,
            actions,
            acceptances,
            suggested_impact,
        })
    }

    /// The latest changes to risk `id`, newest first, for its page.
    pub async fn risk_history(&self, ctx: &OrgContext, id: Uuid) -> AppResult<Listed<AuditEvent>> {
        ctx.require(Permission::ViewRisks)?;
        self.record_history::<RiskRecord>(ctx, id).await
    }

    /// Records a risk; its likelihood and impact, when rated, are scored with the method in
    /// force on `now`'s date.
    pub async fn create_risk(
        &self,
        ctx: &OrgContext,
        input: &RiskInput,
        asset_ids: &[Uuid],
        now: OffsetDateTime,
    ) -> AppResult<RiskRecord> {
        ctx.require(Permission::ManageRisks)?;
        let draft = input.parse()?;
        refuse_workflow_status(&draft, None)?;
        self.create_record(ctx, now, async |tx: &mut Tx| {
            check_against_organisation(tx, ctx, &draft, asset_ids).await?;
            let assessment = assess(tx, ctx, &draft, None, now.date()).await?;
            let id = Uuid::now_v7();
            let number = platform::next_reference(tx, ctx.org_id(), "risk").await?;
            store::insert(tx, ctx.org_id(), id, number, &draft, assessment, now).await?;
            store::set_assets(tx, ctx.org_id(), id, asset_ids).await?;
            record_scores(tx, ctx, id, "assessed", now).await?;
            Ok(id)
        })
        .await
    }

    /// Saves an edit made to version `expected_version`. Changed estimates are scored with
    /// the method in force and start a new review interval.
    pub async fn update_risk(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        input: &RiskInput,
        asset_ids: &[Uuid],
        now: OffsetDateTime,
    ) -> AppResult<RiskRecord> {
        ctx.require(Permission::ManageRisks)?;
        let draft = input.parse()?;
        self.edit_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &RiskRecord| {
                refuse_workflow_status(&draft, Some(before.risk.status))?;
                let same_assets = {
                    let mut old: Vec<Uuid> = before.assets.iter().map(|a| a.id).collect();
                    let mut new = asset_ids.to_vec();
                    old.sort();
                    new.sort();
                    new.dedup();
                    old == new
                };
                if !draft.differs_from(&before.risk) && same_assets {
                    return Ok(Written::Unchanged);
                }
                check_against_organisation(tx, ctx, &draft, asset_ids).await?;
                let assessment = assess(tx, ctx, &draft, Some(&before.risk), now.date()).await?;
                let saved = store::update(
                    tx,
                    ctx.org_id(),
                    id,
                    before.risk.number,
                    expected_version,
                    &draft,
                    assessment,
                    now,
                )
                .await?;
                if !saved {
                    return Ok(Written::Stale);
                }
                store::set_assets(tx, ctx.org_id(), id, asset_ids).await?;
                let scored_differently = draft.inherent_likelihood
                    != before.risk.inherent_likelihood
                    || draft.inherent_impact != before.risk.inherent_impact
                    || draft.residual_likelihood != before.risk.residual_likelihood
                    || draft.residual_impact != before.risk.residual_impact
                    || draft.status != before.risk.status
                    || assessment.scores.map(|s| s.method_version) != before.risk.method_version;
                if scored_differently {
                    record_scores(tx, ctx, id, "assessed", now).await?;
                }
                Ok(Written::Saved)
            },
        )
        .await
    }

    pub async fn delete_risk(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        ctx.require(Permission::ManageRisks)?;
        self.delete_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &RiskRecord| {
                // The history keeps the risk leaving the register, so trends stay true.
                let mut gone = before.risk.clone();
                gone.status = RiskStatus::Closed;
                store::record_scores(tx, ctx.org_id(), &gone, "deleted", now).await?;
                Ok(store::delete(tx, ctx.org_id(), id, expected_version).await?)
            },
        )
        .await
    }

    /// Moves every risk scored with an older method version to the version in force: the
    /// same likelihood and impact, the level the new matrix gives them, a new entry in each
    /// risk's history. Risks whose estimates are off the new scales are left as they are and
    /// returned, to be re-rated by hand. Returns (moved, left).
    pub async fn move_risks_to_method(
        &self,
        ctx: &OrgContext,
        now: OffsetDateTime,
    ) -> AppResult<(usize, Vec<Risk>)> {
        ctx.require(Permission::ManageRiskMethod)?;
        let org_id = ctx.org_id();
        let mut tx = self.store.begin().await?;
        let method = method_in(&mut tx, org_id).await?.ok_or_else(|| {
            AppError::Conflict(
                "No risk method is approved yet: there is nothing to move to.".into(),
            )
        })?;
        let risks = store::risks_on_other_versions(&mut tx, org_id, method.version).await?;
        let mut assets: HashMap<Uuid, Vec<LinkedAsset>> = HashMap::new();
        if !risks.is_empty() {
            for (risk, id, number, name) in store::linked_assets_by_risk(&mut tx, org_id).await? {
                assets
                    .entry(risk)
                    .or_default()
                    .push(LinkedAsset { id, number, name });
            }
        }
        let mut moved = Vec::new();
        let mut left = Vec::new();
        for risk in risks {
            match score(&method.body, method.version, &RiskDraft::from(&risk)) {
                Ok(scores) => moved.push((risk.rescored(&scores, now), risk)),
                Err(_) => left.push(risk),
            }
        }
        if moved.is_empty() {
            return Ok((0, left));
        }
        let count = moved.len();
        let rescored: Vec<Rescored> = moved
            .iter()
            .map(|(after, before)| Rescored {
                id: after.id,
                expected_version: before.version,
                method_version: method.version,
                inherent_level: after.inherent_level,
                residual_level: after.residual_level,
                current_level: after.current_level(),
            })
            .collect();
        let after: Vec<Risk> = moved.iter().map(|(after, _)| after.clone()).collect();
        let changes = moved.into_iter().map(move |(after, before)| {
            let id = after.id;
            let linked = assets.remove(&id).unwrap_or_default();
            let before = RiskRecord {
                risk: before,
                assets: linked.clone(),
            };
            let after = RiskRecord {
                risk: after,
                assets: linked,
            };
            Change::updated(RecordType::Risk, id, &before, &after)
        });
        let mut audit = BackgroundAudit::start(&mut tx, ctx, count, changes, now).await?;
        for (rescored, after) in rescored
            .chunks(WRITTEN_TOGETHER)
            .zip(after.chunks(WRITTEN_TOGETHER))
        {
            let written = store::rescore_all(&mut tx, org_id, rescored, now).await?;
            if written.len() != rescored.len() {
                return Err(RiskRecord::changed_meanwhile());
            }
            store::record_scores_all(&mut tx, org_id, after, "method_changed", now).await?;
            audit.append_ready(&mut tx).await?;
        }
        audit.finish(&mut tx).await?;
        self.commit(ctx, tx).await?;
        Ok((count, left))
    }

    /// How many open risks stood at each level of the method in force at the end of each of
    /// the last `months` months (the current one ending `today`), from the score history.
    /// Levels are positions: a risk scored with an older version counts at its position
    /// there. `None` while no method is approved.
    pub async fn risk_trend(
        &self,
        ctx: &OrgContext,
        today: Date,
        months: usize,
    ) -> AppResult<Option<(MethodVersion, Vec<TrendPoint>)>> {
        ctx.require(Permission::ViewRisks)?;
        let mut conn = self.store.reader().await?;
        let Some(method) = method_in(&mut conn, ctx.org_id()).await? else {
            return Ok(None);
        };
        let days = month_ends(today, months);
        let start = days
            .first()
            .and_then(|d| d.replace_day(1).ok())
            .unwrap_or(today)
            .midnight()
            .assume_utc();
        let mut records = store::score_records_before(&mut conn, ctx.org_id(), start).await?;
        records.sort_by_key(|(_, at, ..)| *at);
        records.extend(store::score_records_since(&mut conn, ctx.org_id(), start).await?);
        let events: Vec<ScoreEvent> = records
            .into_iter()
            .map(|(risk_id, at, level, status, reason)| ScoreEvent {
                risk_id,
                at,
                level,
                open: status != RiskStatus::Closed.as_str() && reason != "deleted",
            })
            .collect();
        let trend = level_trend(&events, &days, method.body.levels.len());
        Ok(Some((method, trend)))
    }

    /// The assets a list of references names (`AST-0001, AST-0007`, or the bare numbers), as
    /// a form types them; refused on field `assets`, naming what is not in the inventory.
    pub async fn resolve_asset_references(
        &self,
        ctx: &OrgContext,
        text: &str,
    ) -> AppResult<Vec<Uuid>> {
        ctx.require(Permission::ViewRisks)?;
        let mut conn = self.store.reader().await?;
        let assets = Cited {
            register: Numbered::Assets,
            field: "assets",
            prefix: "AST-",
            place: "the asset inventory",
            max: MAX_ASSETS,
        };
        resolve_cited(&mut conn, ctx.org_id(), &assets, text).await
    }

    /// The heat map of inherent (`residual` false) or residual risk under the method in
    /// force; `None` while no method is approved.
    pub async fn risk_heat_map(
        &self,
        ctx: &OrgContext,
        residual: bool,
    ) -> AppResult<Option<HeatMap>> {
        ctx.require(Permission::ViewRisks)?;
        let mut conn = self.store.reader().await?;
        let Some(method) = method_in(&mut conn, ctx.org_id()).await? else {
            return Ok(None);
        };
        let rows = store::cell_counts(&mut conn, ctx.org_id(), method.version, residual).await?;
        let mut counts = vec![vec![0; method.body.impact.len()]; method.body.likelihood.len()];
        for (likelihood, impact, count) in rows {
            let cell = usize::try_from(likelihood - 1)
                .ok()
                .zip(usize::try_from(impact - 1).ok())
                .and_then(|(l, i)| counts.get_mut(l).and_then(|row| row.get_mut(i)));
            if let Some(cell) = cell {
                *cell = count;
            }
        }
        let on_other_versions =
            store::count_on_other_versions(&mut conn, ctx.org_id(), method.version).await?;
        Ok(Some(HeatMap {
            method,
            counts,
            on_other_versions,
        }))
    }
}

impl ExportedRecord for Risk {
    type Filter = custos_domain::risk::register::RiskFilter;
    type Sort = custos_domain::risk::register::RiskSort;
    const BY_NUMBER: Self::Sort = custos_domain::risk::register::RiskSort::Number;

    fn number(&self) -> i64 {
        self.number
    }

    async fn rows(conn: &mut Conn, org_id: Uuid, request: &RiskList) -> StoreResult<Vec<Self>> {
        let appetite = appetite_in(conn, org_id).await?;
        store::rows(conn, org_id, request, appetite).await
    }
}

impl App {
    /// The risks `request` selects, in its order, read a page at a time for an export.
    pub fn export_risks(
        &self,
        ctx: &OrgContext,
        request: RiskList,
    ) -> AppResult<RegisterExport<Risk>> {
        ctx.require(Permission::ViewRisks)?;
        Ok(RegisterExport::new(self, ctx.org_id(), request))
    }
}

/// The position of the appetite's level and the version of the method in force.
async fn appetite_in(conn: &mut Conn, org_id: Uuid) -> StoreResult<Option<(i64, i64)>> {
    let method: Option<MethodVersion> = custos_store::versions::RISK_METHOD
        .approved(conn, org_id)
        .await?;
    Ok(method.map(|method| (i64::from(method.body.appetite), method.version)))
}

/// `Accepted` is reached only through an approved acceptance: refused from a form unless the
/// risk is already there.
fn refuse_workflow_status(draft: &RiskDraft, now: Option<RiskStatus>) -> AppResult<()> {
    if draft.status.is_set_by_workflow() && now != Some(draft.status) {
        return Err(ValidationErrors::single(
            "status",
            "A risk becomes accepted only when its acceptance is approved: request an acceptance \
             from the risk's page.",
        )
        .into());
    }
    Ok(())
}

/// The owner is a member; the threat, the vulnerability and the assets are the
/// organisation's own.
async fn check_against_organisation(
    tx: &mut Tx,
    ctx: &OrgContext,
    draft: &RiskDraft,
    asset_ids: &[Uuid],
) -> AppResult<()> {
    let org_id = ctx.org_id();
    let mut errors = ValidationErrors::new();
    if let Some(owner) = draft.owner_id
        && !platform::is_member(tx, org_id, owner).await?
    {
        errors.add("owner_id", "Choose a member from the list.");
    }
    if let Some(threat) = draft.threat_id
        && !store::threat_exists(tx, org_id, threat).await?
    {
        errors.add("threat_id", "Choose a threat from the catalogue.");
    }
    if let Some(vulnerability) = draft.vulnerability_id
        && !store::vulnerability_exists(tx, org_id, vulnerability).await?
    {
        errors.add(
            "vulnerability_id",
            "Choose a vulnerability from the catalogue.",
        );
    }
    if asset_ids.len() > MAX_ASSETS {
        errors.add(
            "asset_ids",
            format!("Link at most {MAX_ASSETS} assets to one risk."),
        );
    } else {
        for asset_id in asset_ids {
            if custos_store::assets::find(tx, org_id, *asset_id)
                .await?
                .is_none()
            {
                errors.add("asset_ids", "Choose assets from the inventory.");
                break;
            }
        }
    }
    errors.into_result(()).map_err(Into::into)
}

/// The most assets one risk may name.
pub const MAX_ASSETS: usize = 200;

/// The scores of `draft` under the method in force, and when the risk is next reviewed:
/// unchanged estimates keep the review date `before` had.
async fn assess(
    tx: &mut Tx,
    ctx: &OrgContext,
    draft: &RiskDraft,
    before: Option<&Risk>,
    today: Date,
) -> AppResult<Assessment> {
    if draft.inherent_likelihood.is_none() {
        return Ok(Assessment {
            scores: None,
            next_review_on: None,
        });
    }
    let method = method_in(tx, ctx.org_id()).await?.ok_or_else(|| {
        ValidationErrors::single(
            "inherent_likelihood",
            "No risk method is approved yet: risks are rated once senior management has \
             approved one. Save the risk without a rating for now.",
        )
    })?;
    let scores: Scores = score(&method.body, method.version, draft)?;
    let unchanged = before.is_some_and(|risk| {
        risk.method_version == Some(method.version)
            && risk.inherent_likelihood == draft.inherent_likelihood
            && risk.inherent_impact == draft.inherent_impact
            && risk.residual_likelihood == draft.residual_likelihood
            && risk.residual_impact == draft.residual_impact
    });
    let next_review_on = match before {
        Some(risk) if unchanged => risk.next_review_on,
        _ => review_after(&method.body, &scores, today),
    };
    Ok(Assessment {
        scores: Some(scores),
        next_review_on,
    })
}

fn review_after(method: &RiskMethod, scores: &Scores, today: Date) -> Option<Date> {
    scores
        .current()
        .and_then(|score| next_review(method, score.level, today))
}

/// Keeps the risk's scores as stored now in its history.
async fn record_scores(
    tx: &mut Tx,
    ctx: &OrgContext,
    id: Uuid,
    reason: &str,
    now: OffsetDateTime,
) -> AppResult<()> {
    let risk = store::find(tx, ctx.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    store::record_scores(tx, ctx.org_id(), &risk, reason, now).await?;
    Ok(())
}
