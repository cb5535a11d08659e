//! Risk treatment and acceptance: the actions of a risk's treatment plan and its target
//! level, overdue actions, whether risks were treated within their timeframe, and requests to
//! accept a risk, decided through an approval by the role the risk method names for its level.

use custos_domain::ValidationErrors;
use custos_domain::fields::{FieldKind, Level};
use custos_domain::governance::{Approval, Decision};
use custos_domain::platform::{Permission, RecordType, Role};
use custos_domain::risk::acceptance::{AcceptanceInput, RiskAcceptance};
use custos_domain::risk::method::MAX_RISK_LEVELS;
use custos_domain::risk::register::RiskStatus;
use custos_domain::risk::treatment::{
    ActionInput, RiskAction, Timeliness, timeliness, treated_on_time_share,
};
use custos_domain::versions::VersionStatus;
use custos_store::risk::{self as store, NewAcceptance};
use custos_store::{Conn, StoreResult, Tx, platform};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use super::method::method_in;
use super::register::RiskRecord;
use crate::governance::submit_in;
use crate::platform::{Change, record_change};
use crate::records::{Approvable, StoredRecord, Written};
use crate::{App, AppError, AppResult, OrgContext};

impl StoredRecord for RiskAction {
    const TYPE: RecordType = RecordType::RiskAction;

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> i64 {
        self.version
    }

    async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Self>> {
        store::find_action(conn, org_id, id).await
    }
}

/// How the organisation's risks are treated against their timeframe.
#[derive(Debug, Clone, PartialEq)]
pub struct TreatmentFigures {
    pub on_time: usize,
    pub late: usize,
    pub in_progress: usize,
    /// On time / (on time + late); `None` while no treatment is finished or late.
    pub share_on_time: Option<f64>,
    pub overdue_actions: Vec<RiskAction>,
}

impl App {
    pub async fn risk_action(&self, ctx: &OrgContext, id: Uuid) -> AppResult<RiskAction> {
        ctx.require(Permission::ViewRisks)?;
        let mut conn = self.store.reader().await?;
        store::find_action(&mut conn, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// Adds an action to risk `risk_id`'s treatment plan.
    pub async fn add_risk_action(
        &self,
        ctx: &OrgContext,
        risk_id: Uuid,
        input: &ActionInput,
        now: OffsetDateTime,
    ) -> AppResult<RiskAction> {
        ctx.require(Permission::ManageRisks)?;
        let draft = input.parse()?.completed(now.date());
        self.create_record(ctx, now, async |tx: &mut Tx| {
            store::find(tx, ctx.org_id(), risk_id)
                .await?
                .ok_or(AppError::NotFound)?;
            check_owner(tx, ctx, draft.owner_id).await?;
            let id = Uuid::now_v7();
            store::insert_action(tx, ctx.org_id(), id, risk_id, &draft, now).await?;
            Ok(id)
        })
        .await
    }

    pub async fn update_risk_action(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        input: &ActionInput,
        now: OffsetDateTime,
    ) -> AppResult<RiskAction> {
        ctx.require(Permission::ManageRisks)?;
        let draft = input.parse()?.completed(now.date());
        self.edit_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &RiskAction| {
                if !draft.differs_from(before) {
                    return Ok(Written::Unchanged);
                }
                check_owner(tx, ctx, draft.owner_id).await?;
                let saved =
                    store::update_action(tx, ctx.org_id(), id, expected_version, &draft, now)
                        .await?;
                Ok(if saved {
                    Written::Saved
                } else {
                    Written::Stale
                })
            },
        )
        .await
    }

    pub async fn delete_risk_action(
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
            async |tx: &mut Tx, _: &RiskAction| {
                Ok(store::delete_action(tx, ctx.org_id(), id, expected_version).await?)
            },
        )
        .await
    }

    /// Sets the level risk `risk_id`'s treatment should bring it to (`raw`: a level counted
    /// from 1, or empty for none), at version `expected_version` of the risk.
    pub async fn set_treatment_target(
        &self,
        ctx: &OrgContext,
        risk_id: Uuid,
        expected_version: i64,
        raw: &str,
        now: OffsetDateTime,
    ) -> AppResult<RiskRecord> {
        ctx.require(Permission::ManageRisks)?;
        let mut errors = ValidationErrors::new();
        let target = Level(MAX_RISK_LEVELS as i64)
            .parse(&mut errors, "target_level", raw)
            .flatten()
            .map(|level| level - 1);
        errors.into_result(())?;
        self.edit_record(
            ctx,
            risk_id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &RiskRecord| {
                if before.risk.target_level == target {
                    return Ok(Written::Unchanged);
                }
                if let Some(target) = target {
                    let levels = method_in(tx, ctx.org_id())
                        .await?
                        .map_or(0, |method| method.body.levels.len());
                    if usize::try_from(target).is_ok_and(|t| t >= levels) {
                        return Err(ValidationErrors::single(
                            "target_level",
                            "Choose one of the risk method's levels.",
                        )
                        .into());
                    }
                }
                let saved = store::set_target_level(
                    tx,
                    ctx.org_id(),
                    risk_id,
                    expected_version,
                    target,
                    now,
                )
                .await?;
                Ok(if saved {
                    Written::Saved
                } else {
                    Written::Stale
                })
            },
        )
        .await
    }

    /// Where each risk's treatment stands on `today`, and the open actions past their due
    /// date.
    pub async fn treatment_figures(
        &self,
        ctx: &OrgContext,
        today: Date,
    ) -> AppResult<TreatmentFigures> {
        ctx.require(Permission::ViewRisks)?;
        let mut conn = self.store.reader().await?;
        let actions = store::all_actions(&mut conn, ctx.org_id()).await?;
        let overdue_actions = store::overdue_actions(&mut conn, ctx.org_id(), today).await?;
        let states: Vec<Timeliness> = actions
            .chunk_by(|a, b| a.risk_id == b.risk_id)
            .map(|plan| timeliness(plan, today))
            .collect();
        let count = |state: Timeliness| states.iter().filter(|s| **s == state).count();
        Ok(TreatmentFigures {
            on_time: count(Timeliness::OnTime),
            late: count(Timeliness::Late),
            in_progress: count(Timeliness::InProgress),
            share_on_time: treated_on_time_share(&states),
            overdue_actions,
        })
    }

    /// Asks for risk `risk_id`, as it stands at `risk_version`, to be accepted at its current
    /// level: the request goes to the role the risk method names for that level, and the risk
    /// becomes accepted when it is approved.
    pub async fn request_risk_acceptance(
        &self,
        ctx: &OrgContext,
        risk_id: Uuid,
        risk_version: i64,
        input: &AcceptanceInput,
        now: OffsetDateTime,
    ) -> AppResult<Approval> {
        ctx.require(Permission::ManageRisks)?;
        ctx.require(Permission::SubmitForApproval)?;
        let (justification, expires_on) = input.parse(now.date())?;
        let mut tx = self.store.begin().await?;
        let risk = store::find(&mut tx, ctx.org_id(), risk_id)
            .await?
            .ok_or(AppError::NotFound)?;
        if risk.version != risk_version {
            return Err(RiskRecord::changed_meanwhile());
        }
        let method = method_in(&mut tx, ctx.org_id()).await?;
        let (Some(method), Some(level)) = (method, risk.current_level()) else {
            return Err(AppError::Conflict(
                "Only a rated risk can be accepted: rate it with the approved risk method first."
                    .into(),
            ));
        };
        if risk.method_version != Some(method.version) {
            return Err(AppError::Conflict(format!(
                "This risk was rated with version {} of the risk method; move it to version {} \
                 (from the risk register) before asking for its acceptance.",
                risk.method_version.unwrap_or_default(),
                method.version
            )));
        }
        if matches!(risk.status, RiskStatus::Accepted | RiskStatus::Closed) {
            return Err(AppError::Conflict(format!(
                "This risk is {}: there is nothing to accept.",
                risk.status.label().to_lowercase()
            )));
        }
        let pending = store::acceptances(&mut tx, ctx.org_id(), risk_id).await?;
        if pending
            .iter()
            .any(|a| a.status == VersionStatus::PendingApproval)
        {
            return Err(AppError::Conflict(
                "An acceptance of this risk is already waiting for a decision.".into(),
            ));
        }
        let decider_role = u8::try_from(level)
            .ok()
            .and_then(|l| method.body.level(l))
            .map(|l| l.acceptor)
            .ok_or_else(|| AppError::Internal("a risk level the method does not have".into()))?;
        let id = Uuid::now_v7();
        let new = NewAcceptance {
            id,
            risk: &risk,
            level,
            decider_role,
            justification: &justification,
            expires_on,
        };
        store::insert_acceptance(&mut tx, ctx.org_id(), &new, now).await?;
        let created = RiskAcceptance::find(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        record_change(
            &mut tx,
            ctx,
            Change::created(RecordType::RiskAcceptance, id, &created)?,
            now,
        )
        .await?;
        let approval =
            submit_in::<RiskAcceptance>(&mut tx, ctx, id, 1, "", now, |_| Ok(())).await?;
        self.commit(ctx, tx).await?;
        Ok(approval)
    }
}

async fn check_owner(tx: &mut Tx, ctx: &OrgContext, owner: Option<Uuid>) -> AppResult<()> {
    if let Some(owner) = owner
        && !platform::is_member(tx, ctx.org_id(), owner).await?
    {
        return Err(ValidationErrors::single("owner_id", "Choose a member from the list.").into());
    }
    Ok(())
}

impl StoredRecord for RiskAcceptance {
    const TYPE: RecordType = RecordType::RiskAcceptance;

    fn id(&self) -> Uuid {
        self.id
    }

    fn version(&self) -> i64 {
        self.version
    }

    async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Self>> {
        store::find_acceptance(conn, org_id, id).await
    }
}

impl Approvable for RiskAcceptance {
    const DECIDE: Permission = Permission::AcceptRisks;

    fn check_submittable(&self) -> AppResult<()> {
        if self.status == VersionStatus::Draft {
            return Ok(());
        }
        Err(AppError::Conflict(
            "This acceptance has been sent already.".into(),
        ))
    }

    fn decider(&self) -> Option<Role> {
        Some(self.decider_role)
    }

    fn awaits_decision(&self) -> bool {
        self.status == VersionStatus::PendingApproval
    }

    fn title(&self) -> String {
        RiskAcceptance::title(self)
    }

    fn reference(&self) -> String {
        self.risk_reference.clone()
    }

    fn content(&self) -> Vec<(&'static str, String)> {
        RiskAcceptance::content(self)
    }

    async fn mark_submitted(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let (from, to) = (VersionStatus::Draft, VersionStatus::PendingApproval);
        store::set_acceptance_status(tx, org_id, record.id, record.version, from, to, now).await
    }

    /// The risk must still be as it was when its acceptance was asked for: a risk rated again
    /// meanwhile is not accepted on the old rating (rejecting stays possible).
    async fn check_decidable(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        decision: Decision,
    ) -> AppResult<()> {
        if decision == Decision::Approve {
            let risk = store::find(tx, org_id, record.risk_id)
                .await?
                .ok_or(AppError::NotFound)?;
            if risk.version != record.risk_version {
                return Err(AppError::Conflict(format!(
                    "{} changed after its acceptance was asked for; reject this request and ask \
                     again for the risk as it now stands.",
                    record.risk_reference
                )));
            }
        }
        Ok(())
    }

    async fn mark_decided(
        tx: &mut Tx,
        org_id: Uuid,
        record: &Self,
        decision: Decision,
        now: OffsetDateTime,
    ) -> StoreResult<bool> {
        let outcome = match decision {
            Decision::Approve => VersionStatus::Approved,
            Decision::Reject => VersionStatus::Rejected,
        };
        let from = VersionStatus::PendingApproval;
        store::set_acceptance_status(tx, org_id, record.id, record.version, from, outcome, now)
            .await
    }

    /// An approved acceptance makes its risk accepted.
    async fn after_decision(
        tx: &mut Tx,
        ctx: &OrgContext,
        record: &Self,
        decision: Decision,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        if decision != Decision::Approve {
            return Ok(());
        }
        let org_id = ctx.org_id();
        let before = RiskRecord::find(tx, org_id, record.risk_id)
            .await?
            .ok_or(AppError::NotFound)?;
        let accepted = RiskStatus::Accepted;
        if !store::set_status(
            tx,
            org_id,
            record.risk_id,
            before.risk.version,
            accepted,
            now,
        )
        .await?
        {
            return Err(RiskRecord::changed_meanwhile());
        }
        let after = RiskRecord::find(tx, org_id, record.risk_id)
            .await?
            .ok_or(AppError::NotFound)?;
        store::record_scores(tx, org_id, &after.risk, "assessed", now).await?;
        let change = Change::updated(RecordType::Risk, record.risk_id, &before, &after)?;
        record_change(tx, ctx, change, now).await
    }
}
