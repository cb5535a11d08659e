//! The risk register (ISO 27001 6.1.2, 8.2): each risk as a scenario (a threat exploiting a
//! vulnerability of some assets, harming their confidentiality, integrity or availability),
//! its owner, its inherent and residual likelihood and impact, the level the approved risk
//! method gives them, the treatment chosen and where the risk stands.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::fields::{Choice, FieldKind, Flag, Level, MaybeChoice, Member, Number, Pick, Text};
use crate::list::{ListParams, ListRequest, enum_param};
use crate::risk::method::{MAX_SCALE_LEVELS, RiskMethod, Score};
use crate::risk::quantitative::{LossEstimate, Range};
use crate::validation::{Lines, ValidationErrors};

crate::text_enum! {
    /// How a risk is treated (ISO/IEC 27005's four options).
    pub enum TreatmentOption {
        Modify => "modify", "Modify: reduce it with controls";
        Retain => "retain", "Retain: accept it as it is";
        Avoid => "avoid", "Avoid: stop the activity behind it";
        Share => "share", "Share: insure or contract it out";
    }
}

crate::text_enum! {
    /// Where a risk stands.
    pub enum RiskStatus {
        Identified => "identified", "Identified";
        Assessed => "assessed", "Assessed";
        TreatmentPlanned => "treatment_planned", "Treatment planned";
        InTreatment => "in_treatment", "In treatment";
        Accepted => "accepted", "Accepted";
        Closed => "closed", "Closed";
    }
}

impl RiskStatus {
    /// Only an approved acceptance puts a risk in `Accepted`; people cannot pick it.
    pub fn is_set_by_workflow(self) -> bool {
        self == Self::Accepted
    }

    /// Statuses a person may choose on a risk that is `self` now.
    pub fn choosable_from(self) -> impl Iterator<Item = RiskStatus> {
        Self::ALL
            .into_iter()
            .filter(move |s| *s == self || !s.is_set_by_workflow())
    }

    /// Statuses that say the risk has been assessed: they need inherent scores.
    fn needs_assessment(self) -> bool {
        !matches!(self, Self::Identified | Self::Closed)
    }
}

const RATE_INVALID: &str = "Enter how many times a year, such as 0.2 for once in five years.";
const LOSS_INVALID: &str = "Enter an amount in the method's currency, such as 25000.";

pub const TITLE_MAX: usize = 200;
pub const TEXT_MAX: usize = 4000;
/// Likelihood and impact values are positions on the method's scales.
pub const SCALE_MAX: i64 = MAX_SCALE_LEVELS as i64;

crate::record_fields! {
    /// The fields a person types, as text, before they are checked.
    pub struct RiskInput => RiskDraft, from Risk {
        title: String = Text::required(TITLE_MAX, Lines::One), "Title";
        description: String = Text::optional(TEXT_MAX, Lines::Many), "Description";
        threat_id: Option<Uuid> = Pick("Choose a threat from the catalogue."), "Threat";
        vulnerability_id: Option<Uuid> = Pick("Choose a vulnerability from the catalogue."), "Vulnerability";
        confidentiality: bool = Flag, "Confidentiality";
        integrity: bool = Flag, "Integrity";
        availability: bool = Flag, "Availability";
        owner_id: Option<Uuid> = Member, "Owner";
        inherent_likelihood: Option<i64> = Level(SCALE_MAX), "Inherent likelihood";
        inherent_impact: Option<i64> = Level(SCALE_MAX), "Inherent impact";
        existing_controls: String = Text::optional(TEXT_MAX, Lines::Many), "Existing controls";
        residual_likelihood: Option<i64> = Level(SCALE_MAX), "Residual likelihood";
        residual_impact: Option<i64> = Level(SCALE_MAX), "Residual impact";
        treatment: Option<TreatmentOption> = MaybeChoice::new(), "Treatment";
        status: RiskStatus = Choice::or(RiskStatus::Identified), "Status";
        /// The quantitative option: events a year and loss per event, each as a range.
        annual_rate_low: Option<f64> = Number { invalid: RATE_INVALID }, "Events a year, low";
        annual_rate_likely: Option<f64> = Number { invalid: RATE_INVALID }, "Events a year, most likely";
        annual_rate_high: Option<f64> = Number { invalid: RATE_INVALID }, "Events a year, high";
        single_loss_low: Option<f64> = Number { invalid: LOSS_INVALID }, "Loss per event, low";
        single_loss_likely: Option<f64> = Number { invalid: LOSS_INVALID }, "Loss per event, most likely";
        single_loss_high: Option<f64> = Number { invalid: LOSS_INVALID }, "Loss per event, high";
    }
    check = consistent;
}

/// Likelihood and impact come in pairs; residual scores follow inherent ones; an assessed
/// risk has its inherent scores; a planned or running treatment names its option.
fn consistent(draft: &RiskDraft, errors: &mut ValidationErrors) {
    let pair =
        |errors: &mut ValidationErrors, which: &str, l: Option<i64>, i: Option<i64>| match (l, i) {
            (Some(_), None) => errors.add(
                &format!("{which}_impact"),
                "Rate the impact too: a likelihood alone gives no level.",
            ),
            (None, Some(_)) => errors.add(
                &format!("{which}_likelihood"),
                "Rate the likelihood too: an impact alone gives no level.",
            ),
            _ => {}
        };
    pair(
        errors,
        "inherent",
        draft.inherent_likelihood,
        draft.inherent_impact,
    );
    pair(
        errors,
        "residual",
        draft.residual_likelihood,
        draft.residual_impact,
    );
    if draft.residual_likelihood.is_some() && draft.inherent_likelihood.is_none() {
        errors.add(
            "inherent_likelihood",
            "Rate the inherent risk before the residual risk.",
        );
    }
    if draft.status.needs_assessment() && draft.inherent_likelihood.is_none() {
        errors.add(
            "status",
            format!(
                "A risk that is {} has been assessed: rate its inherent likelihood and impact.",
                draft.status.label().to_lowercase()
            ),
        );
    }
    if matches!(
        draft.status,
        RiskStatus::TreatmentPlanned | RiskStatus::InTreatment
    ) && draft.treatment.is_none()
    {
        errors.add("treatment", "Choose how the risk is treated.");
    }
    let given = draft.loss_values().iter().filter(|v| v.is_some()).count();
    if given != 0 && given != 6 {
        errors.add(
            "annual_rate_low",
            "Give all six figures of the quantitative estimate, or none.",
        );
    } else if let Some(estimate) = draft.loss_estimate()
        && let Err(problems) = estimate.check()
    {
        for problem in problems.fields {
            // `annual_rate.low` in the estimate is the `annual_rate_low` field here.
            let field = problem
                .field
                .replace('.', "_")
                .replace("most_likely", "likely");
            errors.add(&field, problem.message);
        }
    }
}

impl RiskDraft {
    fn loss_values(&self) -> [Option<f64>; 6] {
        [
            self.annual_rate_low,
            self.annual_rate_likely,
            self.annual_rate_high,
            self.single_loss_low,
            self.single_loss_likely,
            self.single_loss_high,
        ]
    }

    /// The quantitative estimate, when all six figures are given.
    pub fn loss_estimate(&self) -> Option<LossEstimate> {
        loss_estimate(self.loss_values())
    }
}

fn loss_estimate(values: [Option<f64>; 6]) -> Option<LossEstimate> {
    let [al, am, ah, sl, sm, sh] = values;
    Some(LossEstimate {
        annual_rate: Range {
            low: al?,
            most_likely: am?,
            high: ah?,
        },
        single_loss: Range {
            low: sl?,
            most_likely: sm?,
            high: sh?,
        },
    })
}

/// How people cite risk number `number`: `RSK-0001`.
pub fn reference(number: i64) -> String {
    format!("RSK-{number:04}")
}

/// A risk's scores under one method version: what [`RiskMethod::assess`] gave its inherent
/// and residual estimates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scores {
    pub method_version: i64,
    pub inherent: Option<Score>,
    pub residual: Option<Score>,
}

impl Scores {
    /// The level that speaks for the risk now: the residual one once it is rated.
    pub fn current(&self) -> Option<Score> {
        self.residual.or(self.inherent)
    }
}

/// Scores `draft` with version `method_version` of `method`, or says which estimate is off the
/// method's scales.
pub fn score(
    method: &RiskMethod,
    method_version: i64,
    draft: &RiskDraft,
) -> Result<Scores, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let mut pair = |which: &str, likelihood: Option<i64>, impact: Option<i64>| {
        let (Some(l), Some(i)) = (likelihood, impact) else {
            return None;
        };
        let on_scale = |field: &str, value: i64, size: usize, errors: &mut ValidationErrors| {
            let fits = u8::try_from(value)
                .ok()
                .filter(|v| (1..=size).contains(&usize::from(*v)));
            if fits.is_none() {
                errors.add(
                    &format!("{which}_{field}"),
                    format!("The risk method's {field} scale goes from 1 to {size}."),
                );
            }
            fits
        };
        let l = on_scale("likelihood", l, method.likelihood.len(), &mut errors);
        let i = on_scale("impact", i, method.impact.len(), &mut errors);
        method.assess(l?, i?)
    };
    let inherent = pair("inherent", draft.inherent_likelihood, draft.inherent_impact);
    let residual = pair("residual", draft.residual_likelihood, draft.residual_impact);
    errors.into_result(Scores {
        method_version,
        inherent,
        residual,
    })
}

/// When a risk at `level` of `method`, scored on `today`, is next reviewed.
pub fn next_review(method: &RiskMethod, level: u8, today: Date) -> Option<Date> {
    let months = method.level(level)?.review_months;
    Some(crate::dates::months_from(today, i32::from(months)))
}

/// A stored risk. It reads back from its audit-trail snapshot, like every record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Risk {
    pub id: Uuid,
    /// Per-organisation number shown as `RSK-0001`.
    pub number: i64,
    pub title: String,
    pub description: String,
    pub threat_id: Option<Uuid>,
    pub threat_name: Option<String>,
    pub vulnerability_id: Option<Uuid>,
    pub vulnerability_name: Option<String>,
    pub confidentiality: bool,
    pub integrity: bool,
    pub availability: bool,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    /// The method version the levels below were given by; `None` while unrated.
    pub method_version: Option<i64>,
    pub inherent_likelihood: Option<i64>,
    pub inherent_impact: Option<i64>,
    /// Position of the inherent level in the method's levels.
    pub inherent_level: Option<i64>,
    pub existing_controls: String,
    pub residual_likelihood: Option<i64>,
    pub residual_impact: Option<i64>,
    pub residual_level: Option<i64>,
    pub treatment: Option<TreatmentOption>,
    pub status: RiskStatus,
    pub annual_rate_low: Option<f64>,
    pub annual_rate_likely: Option<f64>,
    pub annual_rate_high: Option<f64>,
    pub single_loss_low: Option<f64>,
    pub single_loss_likely: Option<f64>,
    pub single_loss_high: Option<f64>,
    /// The treatment plan's target: the level the treatment should bring it to.
    pub target_level: Option<i64>,
    pub next_review_on: Option<Date>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl Risk {
    pub fn reference(&self) -> String {
        reference(self.number)
    }

    /// The quantitative estimate, when all six figures are given.
    pub fn loss_estimate(&self) -> Option<LossEstimate> {
        loss_estimate([
            self.annual_rate_low,
            self.annual_rate_likely,
            self.annual_rate_high,
            self.single_loss_low,
            self.single_loss_likely,
            self.single_loss_high,
        ])
    }

    /// The level that speaks for the risk now: residual once rated, inherent before.
    pub fn current_level(&self) -> Option<i64> {
        self.residual_level.or(self.inherent_level)
    }

    /// The risk as the store keeps it once `scores` (under another method version) are
    /// written over it at `now`: its next version, estimates and review date unchanged.
    pub fn rescored(&self, scores: &Scores, now: OffsetDateTime) -> Risk {
        let level = |score: Option<Score>| score.map(|s| i64::from(s.level));
        Risk {
            method_version: Some(scores.method_version),
            inherent_level: level(scores.inherent),
            residual_level: level(scores.residual),
            version: self.version + 1,
            updated_at: now,
            ..self.clone()
        }
    }
}

/// One row of a risk's score history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScoreRecord {
    pub recorded_at: OffsetDateTime,
    pub reason: String,
    pub method_version: Option<i64>,
    pub inherent_level: Option<i64>,
    pub residual_level: Option<i64>,
    pub status: String,
}

crate::text_enum! {
    /// Columns a risk list may be sorted by.
    pub enum RiskSort {
        Number => "number" | "reference", "Reference";
        Title => "title", "Title";
        Level => "level", "Current level";
        Status => "status", "Status";
        NextReview => "next_review_on", "Next review";
        UpdatedAt => "updated_at", "Last changed";
    }
}

crate::text_enum! {
    /// A risk's place against the appetite of the method in force.
    pub enum AppetiteFilter {
        Above => "above", "Above the appetite";
        Within => "within", "Within the appetite";
    }
}

crate::text_enum! {
    /// Which of a risk's levels a filter by level reads.
    #[derive(Default)]
    pub enum LevelKind {
        #[default]
        Current => "current", "Current";
        Inherent => "inherent", "Inherent";
        Residual => "residual", "Residual";
    }
}

/// What a risk list is filtered by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiskFilter {
    pub search: Option<String>,
    pub status: Option<RiskStatus>,
    pub owner_id: Option<Uuid>,
    pub asset_id: Option<Uuid>,
    /// A level position, read from `level_kind`.
    pub level: Option<i64>,
    pub level_kind: LevelKind,
    /// A heat map cell: (likelihood, impact) of `level_kind`'s estimate.
    pub likelihood: Option<i64>,
    pub impact: Option<i64>,
    pub appetite: Option<AppetiteFilter>,
}

/// A checked request for a page of the risk register.
pub type RiskList = ListRequest<RiskFilter, RiskSort>;

/// The filters of the risk register as a query string carries them, for the API and the
/// pages alike.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RiskFilterParams {
    #[serde(default)]
    #[param(value_type = Option<RiskStatus>)]
    pub status: String,
    pub owner_id: Option<Uuid>,
    /// Risks that affect this asset.
    pub asset_id: Option<Uuid>,
    /// A risk level by its position in the method (1 = lowest).
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    pub level: String,
    /// Which level `level`, `likelihood` and `impact` read: current (default), inherent or
    /// residual.
    #[serde(default)]
    #[param(value_type = Option<LevelKind>)]
    pub level_kind: String,
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    pub likelihood: String,
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    pub impact: String,
    /// Above or within the appetite of the method in force.
    #[serde(default)]
    #[param(value_type = Option<AppetiteFilter>)]
    pub appetite: String,
    #[serde(default)]
    #[param(value_type = Option<RiskSort>)]
    pub sort: String,
}

impl RiskFilterParams {
    /// The checked request, or every problem with it by parameter name.
    pub fn request(&self, list: &ListParams) -> Result<RiskList, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let position = |errors: &mut ValidationErrors, name: &str, raw: &str| {
            Level(SCALE_MAX).parse(errors, name, raw).flatten()
        };
        let filter = RiskFilter {
            search: list.search(&mut errors),
            status: enum_param(&mut errors, "status", &self.status),
            owner_id: self.owner_id,
            asset_id: self.asset_id,
            // Stored levels are positions from 0; people count from 1.
            level: position(&mut errors, "level", &self.level).map(|level| level - 1),
            level_kind: enum_param(&mut errors, "level_kind", &self.level_kind).unwrap_or_default(),
            likelihood: position(&mut errors, "likelihood", &self.likelihood),
            impact: position(&mut errors, "impact", &self.impact),
            appetite: enum_param(&mut errors, "appetite", &self.appetite),
        };
        let number = RiskSort::Number;
        list.request(filter, &self.sort, number, number, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::risk::method::Template;

    fn valid() -> RiskInput {
        RiskInput {
            title: "Ransomware encrypts the file server".into(),
            confidentiality: "on".into(),
            availability: "true".into(),
            inherent_likelihood: "4".into(),
            inherent_impact: "5".into(),
            status: "assessed".into(),
            ..RiskInput::default()
        }
    }

    #[test]
    fn a_valid_risk_reads_its_flags_and_scores() {
        let draft = valid().parse().expect("valid");
        assert!(draft.confidentiality && !draft.integrity && draft.availability);
        assert_eq!(
            (draft.inherent_likelihood, draft.inherent_impact),
            (Some(4), Some(5))
        );
        assert_eq!(draft.to_input().parse().expect("again"), draft);
    }

    #[test]
    fn estimates_come_in_pairs_and_in_order() {
        let input = RiskInput {
            inherent_impact: String::new(),
            residual_likelihood: "2".into(),
            ..valid()
        };
        let errors = input.parse().expect_err("half pairs");
        for field in ["inherent_impact", "residual_impact"] {
            assert!(errors.for_field(field).is_some(), "{field}: {errors:?}");
        }
        let input = RiskInput {
            inherent_likelihood: String::new(),
            inherent_impact: String::new(),
            residual_likelihood: "2".into(),
            residual_impact: "2".into(),
            status: "identified".into(),
            ..valid()
        };
        let errors = input.parse().expect_err("residual first");
        assert!(errors.for_field("inherent_likelihood").is_some());
    }

    #[test]
    fn an_assessed_risk_needs_scores_and_a_planned_treatment_its_option() {
        let input = RiskInput {
            inherent_likelihood: String::new(),
            inherent_impact: String::new(),
            ..valid()
        };
        assert!(
            input
                .parse()
                .expect_err("unrated")
                .for_field("status")
                .is_some()
        );
        let input = RiskInput {
            status: "treatment_planned".into(),
            ..valid()
        };
        assert!(
            input
                .parse()
                .expect_err("no option")
                .for_field("treatment")
                .is_some()
        );
    }

    #[test]
    fn scoring_reads_the_matrix_and_refuses_values_off_the_method_scales() {
        let method = RiskMethod::template(Template::FiveByFive);
        let draft = RiskInput {
            residual_likelihood: "2".into(),
            residual_impact: "3".into(),
            ..valid()
        }
        .parse()
        .expect("valid");
        let scores = score(&method, 3, &draft).expect("on the scales");
        assert_eq!(scores.inherent.map(|s| s.level), Some(4));
        assert_eq!(scores.residual.map(|s| s.level), Some(1));
        assert_eq!(scores.current().map(|s| s.level), Some(1));
        assert_eq!(scores.method_version, 3);
        let three = RiskMethod::template(Template::ThreeByThree);
        let errors = score(&three, 1, &draft).expect_err("off the 3x3 scales");
        let fields: Vec<&str> = errors.fields.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["inherent_likelihood", "inherent_impact"]);
    }

    #[test]
    fn the_next_review_follows_the_level_review_interval() {
        let method = RiskMethod::template(Template::FiveByFive);
        let today = time::macros::date!(2026 - 11 - 28);
        assert_eq!(
            next_review(&method, 4, today),
            Some(time::macros::date!(2026 - 12 - 28))
        );
        assert_eq!(
            next_review(&method, 0, today),
            Some(time::macros::date!(2028 - 11 - 28))
        );
        assert_eq!(next_review(&method, 9, today), None);
    }

    #[test]
    fn the_accepted_status_is_set_only_by_an_acceptance() {
        assert!(
            !RiskStatus::Identified
                .choosable_from()
                .any(|s| s == RiskStatus::Accepted)
        );
        assert!(
            RiskStatus::Accepted
                .choosable_from()
                .any(|s| s == RiskStatus::Accepted)
        );
    }

    #[test]
    fn list_parameters_are_checked_by_name() {
        let params = RiskFilterParams {
            status: "lost".into(),
            level: "9".into(),
            appetite: "below".into(),
            ..RiskFilterParams::default()
        };
        let errors = params.request(&ListParams::default()).expect_err("invalid");
        for field in ["status", "level", "appetite"] {
            assert!(errors.for_field(field).is_some(), "{field}");
        }
        let params = RiskFilterParams {
            level: "2".into(),
            level_kind: "residual".into(),
            ..RiskFilterParams::default()
        };
        let request = params.request(&ListParams::default()).expect("valid");
        assert_eq!(
            (request.filter.level, request.filter.level_kind),
            (Some(1), LevelKind::Residual)
        );
    }
}
