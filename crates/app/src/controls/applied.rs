//! The organisation's applied controls: list, read, create, edit and delete them through the
//! register kit ([`crate::records`]), with the requirements they satisfy and the risks they
//! treat; and the coverage of each framework they give, directly and through mappings.

use std::collections::BTreeMap;

use custos_domain::ValidationErrors;
use custos_domain::controls::applied::{
    Control, ControlInput, ControlList, ControlStatus, MAX_LINKS, RequirementRef,
    SatisfiedRequirement, TreatedRisk, requirement_list,
};
use custos_domain::controls::coverage::{FrameworkCoverage, framework_coverage};
use custos_domain::controls::library::FrameworkSummary;
use custos_domain::controls::soa::{ImplementationStatus, SOA_FRAMEWORK, derived_status};
use custos_domain::list::Listed;
use custos_domain::platform::{AuditEvent, Permission, RecordType};
use custos_store::controls as store;
use custos_store::{Conn, StoreResult, Tx, frameworks, platform};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::records::{Cited, StoredRecord, Written, resolve_cited};
use crate::{App, AppError, AppResult, OrgContext};
use custos_store::numbered::Numbered;

/// An applied control with what it is linked to: what its page shows and its audit
/// snapshots hold.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ControlRecord {
    #[serde(flatten)]
    pub control: Control,
    pub requirements: Vec<SatisfiedRequirement>,
    pub risks: Vec<TreatedRisk>,
}

impl StoredRecord for ControlRecord {
    const TYPE: RecordType = RecordType::Control;

    fn id(&self) -> Uuid {
        self.control.id
    }

    fn version(&self) -> i64 {
        self.control.version
    }

    async fn find(conn: &mut Conn, org_id: Uuid, id: Uuid) -> StoreResult<Option<Self>> {
        let Some(control) = store::find(conn, org_id, id).await? else {
            return Ok(None);
        };
        let requirements = store::requirements_of(conn, org_id, id).await?;
        let risks = store::risks_of(conn, org_id, id).await?;
        Ok(Some(ControlRecord {
            control,
            requirements,
            risks,
        }))
    }
}

/// What an applied control is linked to, as given: the requirements it satisfies and the
/// risks it treats.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ControlLinks {
    pub requirements: Vec<RequirementRef>,
    pub risk_ids: Vec<Uuid>,
}

impl ControlLinks {
    /// Each link once, in a fixed order.
    fn deduped(&self) -> ControlLinks {
        ControlLinks {
            requirements: sorted(self.requirements.clone()),
            risk_ids: sorted(self.risk_ids.clone()),
        }
    }
}

/// A framework with how far the organisation's controls cover it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CoverageSummary {
    pub framework: FrameworkSummary,
    /// Requirements implemented directly or fully covered through a mapping.
    pub covered: usize,
    pub assessable: usize,
    pub percent: Option<u32>,
}

impl App {
    pub async fn list_controls(
        &self,
        ctx: &OrgContext,
        request: &ControlList,
    ) -> AppResult<Listed<Control>> {
        ctx.require(Permission::ViewControls)?;
        self.list_counted(ctx, "controls", &request.filter, async |conn, known| {
            store::list(conn, ctx.org_id(), request, known).await
        })
        .await
    }

    pub async fn control(&self, ctx: &OrgContext, id: Uuid) -> AppResult<ControlRecord> {
        ctx.require(Permission::ViewControls)?;
        let mut conn = self.store.reader().await?;
        ControlRecord::find(&mut conn, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The latest changes to control `id`, newest first, for its page.
    pub async fn control_history(
        &self,
        ctx: &OrgContext,
        id: Uuid,
    ) -> AppResult<Listed<AuditEvent>> {
        ctx.require(Permission::ViewControls)?;
        self.record_history::<ControlRecord>(ctx, id).await
    }

    /// The links a form typed: requirements as `A.5.1, soc2-2017:CC6.1` (bare ids are ISO/IEC
    /// 27001:2022's) and risks as `RSK-0001, RSK-0002`.
    pub async fn control_links_from_text(
        &self,
        ctx: &OrgContext,
        requirements: &str,
        risks: &str,
    ) -> AppResult<ControlLinks> {
        ctx.require(Permission::ViewControls)?;
        let requirements = requirement_list(requirements, SOA_FRAMEWORK)?;
        let mut conn = self.store.reader().await?;
        let cited = Cited {
            register: Numbered::Risks,
            field: "risks",
            prefix: "RSK-",
            place: "the risk register",
            max: MAX_LINKS,
        };
        let risk_ids = resolve_cited(&mut conn, ctx.org_id(), &cited, risks).await?;
        Ok(ControlLinks {
            requirements,
            risk_ids,
        })
    }

    pub async fn create_control(
        &self,
        ctx: &OrgContext,
        input: &ControlInput,
        links: &ControlLinks,
        now: OffsetDateTime,
    ) -> AppResult<ControlRecord> {
        ctx.require(Permission::ManageControls)?;
        let draft = input.parse()?;
        let links = &links.deduped();
        self.create_record(ctx, now, async |tx: &mut Tx| {
            check_links(tx, ctx, &draft.owner_id, links, &[]).await?;
            let id = Uuid::now_v7();
            let number = platform::next_reference(tx, ctx.org_id(), "control").await?;
            store::insert(tx, ctx.org_id(), id, number, &draft, now).await?;
            store::set_requirements(tx, ctx.org_id(), id, &links.requirements).await?;
            store::set_risks(tx, ctx.org_id(), id, &links.risk_ids).await?;
            Ok(id)
        })
        .await
    }

    /// Saves an edit made to version `expected_version`, links included.
    pub async fn update_control(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        input: &ControlInput,
        links: &ControlLinks,
        now: OffsetDateTime,
    ) -> AppResult<ControlRecord> {
        ctx.require(Permission::ManageControls)?;
        let draft = input.parse()?;
        let links = &links.deduped();
        self.edit_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, before: &ControlRecord| {
                let linked: Vec<RequirementRef> = before
                    .requirements
                    .iter()
                    .map(|r| r.requirement.clone())
                    .collect();
                let same_requirements = sorted(linked.clone()) == links.requirements;
                let same_risks =
                    sorted(before.risks.iter().map(|r| r.id).collect()) == links.risk_ids;
                if !draft.differs_from(&before.control) && same_requirements && same_risks {
                    return Ok(Written::Unchanged);
                }
                check_links(tx, ctx, &draft.owner_id, links, &linked).await?;
                let saved = store::update(
                    tx,
                    ctx.org_id(),
                    id,
                    before.control.number,
                    expected_version,
                    &draft,
                    now,
                )
                .await?;
                if !saved {
                    return Ok(Written::Stale);
                }
                if !same_requirements {
                    store::set_requirements(tx, ctx.org_id(), id, &links.requirements).await?;
                }
                if !same_risks {
                    store::set_risks(tx, ctx.org_id(), id, &links.risk_ids).await?;
                }
                Ok(Written::Saved)
            },
        )
        .await
    }

    pub async fn delete_control(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        expected_version: i64,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        ctx.require(Permission::ManageControls)?;
        self.delete_record(
            ctx,
            id,
            expected_version,
            now,
            async |tx: &mut Tx, _: &ControlRecord| {
                Ok(store::delete(tx, ctx.org_id(), id, expected_version).await?)
            },
        )
        .await
    }

    /// The controls treating risk `risk_id`, as (id, reference, title, status), for the risk's
    /// page; empty for members who may not read controls.
    pub async fn controls_treating(
        &self,
        ctx: &OrgContext,
        risk_id: Uuid,
    ) -> AppResult<Vec<(Uuid, String, String, ControlStatus)>> {
        if !ctx.can(Permission::ViewControls) {
            return Ok(Vec::new());
        }
        let mut conn = self.store.reader().await?;
        let rows = store::controls_of_risk(&mut conn, ctx.org_id(), risk_id).await?;
        rows.into_iter()
            .map(|(id, number, title, status)| {
                let status = ControlStatus::parse(&status).ok_or_else(|| {
                    AppError::Internal(format!("control status {status:?} is not known"))
                })?;
                Ok((
                    id,
                    custos_domain::controls::applied::reference(number),
                    title,
                    status,
                ))
            })
            .collect()
    }

    /// How far the organisation's controls cover framework `framework_id`, requirement by
    /// requirement.
    pub async fn framework_coverage(
        &self,
        ctx: &OrgContext,
        framework_id: &str,
    ) -> AppResult<FrameworkCoverage> {
        ctx.require(Permission::ViewControls)?;
        let mut conn = self.store.reader().await?;
        let requirements = frameworks::assessable_requirements(&mut conn, framework_id).await?;
        if requirements.is_empty()
            && frameworks::framework(&mut conn, framework_id)
                .await?
                .is_none()
        {
            return Err(AppError::NotFound);
        }
        let satisfactions = store::satisfactions(&mut conn, ctx.org_id()).await?;
        let mappings = frameworks::mappings_touching(&mut conn, framework_id).await?;
        Ok(framework_coverage(
            framework_id,
            &requirements,
            &satisfactions,
            &mappings,
        ))
    }

    /// Every framework with its coverage figure, by reference.
    pub async fn coverage_summaries(&self, ctx: &OrgContext) -> AppResult<Vec<CoverageSummary>> {
        ctx.require(Permission::ViewControls)?;
        let mut conn = self.store.reader().await?;
        let summaries = frameworks::frameworks(&mut conn).await?;
        let satisfactions = store::satisfactions(&mut conn, ctx.org_id()).await?;
        let mut all = Vec::with_capacity(summaries.len());
        for framework in summaries {
            let requirements =
                frameworks::assessable_requirements(&mut conn, &framework.id).await?;
            let mappings = frameworks::mappings_touching(&mut conn, &framework.id).await?;
            let coverage =
                framework_coverage(&framework.id, &requirements, &satisfactions, &mappings);
            all.push(CoverageSummary {
                covered: coverage.covered(),
                assessable: coverage.requirements.len(),
                percent: coverage.percent(),
                framework,
            });
        }
        Ok(all)
    }

    /// How far each Annex A control is implemented, from the applied controls satisfying it
    /// directly: what the Statement of Applicability's derived statuses are.
    pub(crate) async fn annex_a_statuses(
        &self,
        conn: &mut Conn,
        ctx: &OrgContext,
    ) -> AppResult<BTreeMap<String, ImplementationStatus>> {
        let rows = store::statuses_by_requirement(conn, ctx.org_id(), SOA_FRAMEWORK).await?;
        let mut by_control: BTreeMap<String, Vec<ControlStatus>> = BTreeMap::new();
        for (requirement, status) in rows {
            let status = ControlStatus::parse(&status).ok_or_else(|| {
                AppError::Internal(format!("control status {status:?} is not known"))
            })?;
            by_control.entry(requirement).or_default().push(status);
        }
        Ok(by_control
            .into_iter()
            .map(|(control, statuses)| (control, derived_status(statuses)))
            .collect())
    }
}

fn sorted<T: Ord>(mut items: Vec<T>) -> Vec<T> {
    items.sort();
    items.dedup();
    items
}

/// The owner is a member; every requirement exists and is assessable (one already linked
/// may stay after its library withdrew it); every risk is the organisation's.
async fn check_links(
    tx: &mut Tx,
    ctx: &OrgContext,
    owner_id: &Option<Uuid>,
    links: &ControlLinks,
    already_linked: &[RequirementRef],
) -> AppResult<()> {
    let mut errors = ValidationErrors::new();
    if let Some(owner_id) = owner_id
        && !platform::is_member(tx, ctx.org_id(), *owner_id).await?
    {
        errors.add("owner_id", "Choose an owner from the list.");
    }
    if links.requirements.len() > MAX_LINKS {
        errors.add(
            "requirements",
            format!("Name at most {MAX_LINKS} requirements for one control."),
        );
    }
    let mut unknown = Vec::new();
    let mut headings = Vec::new();
    for requirement in links.requirements.iter().take(MAX_LINKS) {
        let found = frameworks::requirement_title(
            tx,
            &requirement.framework_id,
            &requirement.requirement_id,
        )
        .await?;
        match found {
            None => unknown.push(requirement.to_string()),
            Some((_, false)) if !already_linked.contains(requirement) => {
                headings.push(requirement.to_string());
            }
            Some(_) => {}
        }
    }
    if !unknown.is_empty() {
        errors.add(
            "requirements",
            format!(
                "No such requirement in the framework libraries: {}.",
                unknown.join(", ")
            ),
        );
    }
    if !headings.is_empty() {
        errors.add(
            "requirements",
            format!(
                "A heading or a withdrawn requirement cannot be satisfied: {}. Name the \
                 requirements under it.",
                headings.join(", ")
            ),
        );
    }
    if links.risk_ids.len() > MAX_LINKS {
        errors.add(
            "risks",
            format!("Name at most {MAX_LINKS} risks for one control."),
        );
    }
    for risk_id in links.risk_ids.iter().take(MAX_LINKS) {
        if !custos_store::numbered::exists(tx, ctx.org_id(), Numbered::Risks, *risk_id).await? {
            errors.add("risks", format!("No risk {risk_id} in the risk register."));
            break;
        }
    }
    errors.into_result(())?;
    Ok(())
}
