//! Where an asset stands with its periodic review (ISO 27001 5.9 asks for an inventory that
//! is kept up to date): reviews come due on their date, and a review due within
//! [`DUE_SOON_DAYS`] is announced before it is late.

use time::{Date, Duration};

use crate::ValidationErrors;

/// How far ahead a coming review is flagged.
pub const DUE_SOON_DAYS: i64 = 30;

/// How often an organisation reviews its assets, in months (1 to 60; 12 unless it says).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct ReviewPeriod {
    pub months: u8,
}

impl Default for ReviewPeriod {
    fn default() -> Self {
        Self { months: 12 }
    }
}

impl ReviewPeriod {
    pub const LONGEST: u8 = 60;

    /// A period as typed: whole months from 1 to 60.
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        raw.trim()
            .parse::<i64>()
            .ok()
            .and_then(Self::of_months)
            .ok_or_else(|| {
                ValidationErrors::single(
                    "months",
                    format!("Enter a number of months from 1 to {}.", Self::LONGEST),
                )
            })
    }

    /// The period of `months`, when it is one (1 to 60): as the store keeps it.
    pub fn of_months(months: i64) -> Option<Self> {
        u8::try_from(months)
            .ok()
            .filter(|months| (1..=Self::LONGEST).contains(months))
            .map(|months| Self { months })
    }

    /// The day a review done on `last` is next due: the same day of the month, `months`
    /// later (the month's last day when it is shorter).
    pub fn next_review(&self, last: Date) -> Date {
        crate::dates::months_from(last, i32::from(self.months))
    }

    /// The earliest last review that still counts as within the period on `today`.
    pub fn oldest_current_review(&self, today: Date) -> Date {
        crate::dates::months_from(today, -i32::from(self.months))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReviewState {
    /// No review date is set.
    Unplanned,
    Planned(Date),
    DueSoon(Date),
    Overdue(Date),
}

impl ReviewState {
    pub fn of(next_review_on: Option<Date>, today: Date) -> Self {
        match next_review_on {
            None => Self::Unplanned,
            Some(due) if due < today => Self::Overdue(due),
            Some(due) if due <= today + Duration::days(DUE_SOON_DAYS) => Self::DueSoon(due),
            Some(due) => Self::Planned(due),
        }
    }

    /// The CSS kind of its badge: a late review is an error, a coming one a warning.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Unplanned | Self::DueSoon(_) => "warning",
            Self::Planned(_) => "ok",
            Self::Overdue(_) => "error",
        }
    }

    /// The state in a sentence.
    pub fn describe(&self) -> String {
        match self {
            Self::Unplanned => "No review planned".into(),
            Self::Planned(due) => format!("Next review on {due}"),
            Self::DueSoon(due) => format!("Review due on {due}"),
            Self::Overdue(due) => format!("Review overdue since {due}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_review_falls_due_a_period_after_the_last_one_on_a_day_the_month_has() {
        let yearly = ReviewPeriod::default();
        assert_eq!(
            yearly.next_review(date!(2026 - 03 - 15)),
            date!(2027 - 03 - 15)
        );
        let quarterly = ReviewPeriod::parse(" 3 ").expect("3");
        assert_eq!(
            quarterly.next_review(date!(2026 - 11 - 30)),
            date!(2027 - 02 - 28)
        );
        assert_eq!(
            quarterly.next_review(date!(2027 - 11 - 30)),
            date!(2028 - 02 - 29)
        );
        assert_eq!(
            yearly.oldest_current_review(date!(2026 - 11 - 28)),
            date!(2025 - 11 - 28)
        );
        assert_eq!(
            quarterly.oldest_current_review(date!(2026 - 02 - 28)),
            date!(2025 - 11 - 28)
        );
        assert_eq!(
            quarterly.oldest_current_review(date!(2026 - 05 - 31)),
            date!(2026 - 02 - 28)
        );
        for refused in ["0", "61", "twelve", ""] {
            assert!(ReviewPeriod::parse(refused).is_err(), "{refused}");
        }
    }

    #[test]
    fn a_review_is_late_after_its_day_and_flagged_within_thirty_days() {
        let today = date!(2026 - 11 - 28);
        assert_eq!(ReviewState::of(None, today), ReviewState::Unplanned);
        assert_eq!(
            ReviewState::of(Some(today), today),
            ReviewState::DueSoon(today)
        );
        let yesterday = date!(2026 - 11 - 27);
        assert_eq!(
            ReviewState::of(Some(yesterday), today),
            ReviewState::Overdue(yesterday)
        );
        let in_thirty = date!(2026 - 12 - 28);
        assert_eq!(
            ReviewState::of(Some(in_thirty), today),
            ReviewState::DueSoon(in_thirty)
        );
        let in_31 = date!(2026 - 12 - 29);
        assert_eq!(
            ReviewState::of(Some(in_31), today),
            ReviewState::Planned(in_31)
        );
    }
}
