//! Where an asset stands with its periodic review (ISO 27001 5.9 asks for an inventory that
//! is kept up to date): reviews come due on their date, and a review due within
//! [`DUE_SOON_DAYS`] is announced before it is late.

use time::{Date, Duration};

/// How far ahead a coming review is flagged.
pub const DUE_SOON_DAYS: i64 = 30;

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
