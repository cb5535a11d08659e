//! Risk treatment (ISO 27001 6.1.3, 8.3): the actions of a risk's treatment plan, which are
//! overdue, and whether a risk was treated within its timeframe.

use serde::{Deserialize, Serialize};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

use crate::fields::{Amount, Choice, Day, Member, Text};
use crate::validation::{Lines, ValidationErrors};

crate::text_enum! {
    /// Where a treatment action stands.
    pub enum ActionStatus {
        Planned => "planned", "Planned";
        InProgress => "in_progress", "In progress";
        Done => "done", "Done";
        Cancelled => "cancelled", "Cancelled";
    }
}

impl ActionStatus {
    /// Still to be done.
    pub fn is_open(self) -> bool {
        matches!(self, Self::Planned | Self::InProgress)
    }
}

pub const TITLE_MAX: usize = 200;
/// The largest cost one action may carry, in whole currency units.
pub const COST_MAX: i64 = 1_000_000_000_000;

crate::record_fields! {
    /// The fields of a treatment action as a person types them.
    pub struct ActionInput => ActionDraft, from RiskAction {
        title: String = Text::required(TITLE_MAX, Lines::One), "Action";
        owner_id: Option<Uuid> = Member, "Owner";
        due_on: Option<Date> = Day, "Due date";
        status: ActionStatus = Choice::or(ActionStatus::Planned), "Status";
        cost: Option<i64> = Amount(COST_MAX), "Cost";
        completed_on: Option<Date> = Day, "Completed on";
    }
    check = completion_follows_status;
}

/// Only a done action has a completion date, and it is not before the action could start.
fn completion_follows_status(draft: &ActionDraft, errors: &mut ValidationErrors) {
    if draft.completed_on.is_some() && draft.status != ActionStatus::Done {
        errors.add(
            "completed_on",
            "Only a done action has a completion date: clear it, or mark the action done.",
        );
    }
}

/// An action of a risk's treatment plan, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RiskAction {
    pub id: Uuid,
    pub risk_id: Uuid,
    pub title: String,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub due_on: Option<Date>,
    pub status: ActionStatus,
    pub cost: Option<i64>,
    pub completed_on: Option<Date>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: OffsetDateTime,
}

impl RiskAction {
    /// Still open after its due date.
    pub fn is_overdue(&self, today: Date) -> bool {
        self.status.is_open() && self.due_on.is_some_and(|due| due < today)
    }

    /// Done by its due date (an action without one cannot be late).
    fn done_on_time(&self) -> bool {
        self.status == ActionStatus::Done
            && match (self.completed_on, self.due_on) {
                (Some(done), Some(due)) => done <= due,
                _ => true,
            }
    }
}

impl ActionDraft {
    /// The draft as stored on `today`: a done action without a completion date was completed
    /// today.
    pub fn completed(mut self, today: Date) -> Self {
        if self.status == ActionStatus::Done && self.completed_on.is_none() {
            self.completed_on = Some(today);
        }
        self
    }
}

/// How a risk's treatment went against its timeframe (the due dates of its actions).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Timeliness {
    /// No action planned.
    NoPlan,
    /// Actions remain, none past its due date.
    InProgress,
    /// Every action was done (or cancelled) and each done one by its due date.
    OnTime,
    /// An action was done after its due date, or is still open past it.
    Late,
}

impl Timeliness {
    pub fn label(self) -> &'static str {
        match self {
            Self::NoPlan => "No treatment plan",
            Self::InProgress => "In progress",
            Self::OnTime => "Treated within its timeframe",
            Self::Late => "Late",
        }
    }
}

/// Where a risk's treatment stands on `today`, from its actions.
pub fn timeliness(actions: &[RiskAction], today: Date) -> Timeliness {
    let counted: Vec<&RiskAction> = actions
        .iter()
        .filter(|a| a.status != ActionStatus::Cancelled)
        .collect();
    if counted.is_empty() {
        return Timeliness::NoPlan;
    }
    let late = counted
        .iter()
        .any(|a| a.is_overdue(today) || (a.status == ActionStatus::Done && !a.done_on_time()));
    if late {
        Timeliness::Late
    } else if counted.iter().any(|a| a.status.is_open()) {
        Timeliness::InProgress
    } else {
        Timeliness::OnTime
    }
}

/// The share of risks treated within their timeframe: on time / (on time + late), among
/// risks whose treatment is finished or late. `None` when no treatment is.
pub fn treated_on_time_share(states: &[Timeliness]) -> Option<f64> {
    let on_time = states.iter().filter(|s| **s == Timeliness::OnTime).count();
    let late = states.iter().filter(|s| **s == Timeliness::Late).count();
    let decided = on_time + late;
    (decided > 0).then(|| on_time as f64 / decided as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    fn action(status: ActionStatus, due: Option<Date>, done: Option<Date>) -> RiskAction {
        RiskAction {
            id: Uuid::nil(),
            risk_id: Uuid::nil(),
            title: "Patch the firewall".into(),
            owner_id: None,
            owner_name: None,
            due_on: due,
            status,
            cost: None,
            completed_on: done,
            version: 1,
            created_at: OffsetDateTime::UNIX_EPOCH,
            updated_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    const TODAY: Date = date!(2026 - 11 - 28);

    #[test]
    fn timeliness_follows_the_due_dates_of_the_actions() {
        use ActionStatus::*;
        let due = Some(date!(2026 - 11 - 20));
        assert_eq!(timeliness(&[], TODAY), Timeliness::NoPlan);
        assert_eq!(
            timeliness(&[action(Cancelled, due, None)], TODAY),
            Timeliness::NoPlan
        );
        let on_time = action(Done, due, Some(date!(2026 - 11 - 19)));
        assert_eq!(
            timeliness(std::slice::from_ref(&on_time), TODAY),
            Timeliness::OnTime
        );
        let late_done = action(Done, due, Some(date!(2026 - 11 - 21)));
        assert_eq!(
            timeliness(&[on_time.clone(), late_done], TODAY),
            Timeliness::Late
        );
        let overdue = action(InProgress, due, None);
        assert!(overdue.is_overdue(TODAY));
        assert_eq!(
            timeliness(&[on_time.clone(), overdue], TODAY),
            Timeliness::Late
        );
        let coming = action(Planned, Some(date!(2026 - 12 - 31)), None);
        assert!(!coming.is_overdue(TODAY));
        assert_eq!(
            timeliness(&[on_time, coming], TODAY),
            Timeliness::InProgress
        );
    }

    #[test]
    fn the_share_counts_only_finished_or_late_treatments() {
        use Timeliness::*;
        assert_eq!(treated_on_time_share(&[NoPlan, InProgress]), None);
        assert_eq!(
            treated_on_time_share(&[OnTime, OnTime, Late, InProgress]),
            Some(2.0 / 3.0)
        );
    }

    #[test]
    fn an_action_is_checked_and_a_done_one_is_completed_today() {
        let input = ActionInput {
            title: "Enable MFA".into(),
            status: "done".into(),
            cost: "12 500".into(),
            ..ActionInput::default()
        };
        let draft = input.parse().expect("valid").completed(TODAY);
        assert_eq!(
            (draft.cost, draft.completed_on),
            (Some(12_500), Some(TODAY))
        );
        let input = ActionInput {
            title: " ".into(),
            status: "planned".into(),
            cost: "-3".into(),
            completed_on: "2026-11-01".into(),
            ..ActionInput::default()
        };
        let errors = input.parse().expect_err("invalid");
        for field in ["title", "cost"] {
            assert!(errors.for_field(field).is_some(), "{field}");
        }
        let input = ActionInput {
            title: "Enable MFA".into(),
            status: "planned".into(),
            completed_on: "2026-11-01".into(),
            ..ActionInput::default()
        };
        assert!(
            input
                .parse()
                .expect_err("not done")
                .for_field("completed_on")
                .is_some()
        );
    }
}
