//! The trend of risk levels over time, from every risk's score history: how many open risks
//! stood at each level at the end of each month.

use std::collections::HashMap;

use serde::Serialize;
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One entry of a risk's score history, as the trend reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScoreEvent {
    pub risk_id: Uuid,
    pub at: OffsetDateTime,
    /// The current level (residual once rated, inherent before), from 0; `None` unrated.
    pub level: Option<i64>,
    /// False once the risk is closed or deleted.
    pub open: bool,
}

/// The open risks at each level on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrendPoint {
    pub day: Date,
    /// `counts[level]`: open risks at that level, from 0.
    pub counts: Vec<i64>,
    pub unrated: i64,
}

/// The last day of each of the `count` months up to `today`'s, oldest first; the current
/// month ends today.
pub fn month_ends(today: Date, count: usize) -> Vec<Date> {
    let mut ends = Vec::with_capacity(count);
    let mut end = today;
    for _ in 0..count {
        ends.push(end);
        // The day before the first of `end`'s month.
        end = end
            .replace_day(1)
            .ok()
            .and_then(|first| first.previous_day())
            .unwrap_or(end);
    }
    ends.reverse();
    ends
}

/// How many open risks stood at each of `levels` levels at the end of each day of `days`
/// (ascending). `events` are every score record, in the order they were recorded; a risk
/// counts at its latest record on or before the day.
pub fn level_trend(events: &[ScoreEvent], days: &[Date], levels: usize) -> Vec<TrendPoint> {
    let mut latest: HashMap<Uuid, (Option<i64>, bool)> = HashMap::new();
    let mut next = 0;
    days.iter()
        .map(|&day| {
            while let Some(event) = events.get(next).filter(|e| e.at.date() <= day) {
                latest.insert(event.risk_id, (event.level, event.open));
                next += 1;
            }
            let mut counts = vec![0; levels];
            let mut unrated = 0;
            for (level, open) in latest.values() {
                if !open {
                    continue;
                }
                match level
                    .and_then(|l| usize::try_from(l).ok())
                    .and_then(|l| counts.get_mut(l))
                {
                    Some(count) => *count += 1,
                    None => unrated += 1,
                }
            }
            TrendPoint {
                day,
                counts,
                unrated,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::{date, datetime};

    fn event(risk: u128, at: OffsetDateTime, level: Option<i64>, open: bool) -> ScoreEvent {
        ScoreEvent {
            risk_id: Uuid::from_u128(risk),
            at,
            level,
            open,
        }
    }

    #[test]
    fn month_ends_step_back_through_short_months_and_years() {
        assert_eq!(
            month_ends(date!(2026 - 03 - 15), 4),
            [
                date!(2025 - 12 - 31),
                date!(2026 - 01 - 31),
                date!(2026 - 02 - 28),
                date!(2026 - 03 - 15)
            ]
        );
    }

    #[test]
    fn each_risk_counts_once_at_its_latest_level_and_closed_ones_drop_out() {
        let events = [
            event(1, datetime!(2026-01-10 9:00 UTC), Some(4), true),
            event(2, datetime!(2026-01-20 9:00 UTC), None, true),
            event(1, datetime!(2026-02-05 9:00 UTC), Some(1), true),
            event(2, datetime!(2026-02-06 9:00 UTC), Some(2), true),
            event(3, datetime!(2026-02-07 9:00 UTC), Some(2), true),
            event(3, datetime!(2026-03-01 9:00 UTC), Some(2), false),
        ];
        let days = [
            date!(2025 - 12 - 31),
            date!(2026 - 01 - 31),
            date!(2026 - 02 - 28),
            date!(2026 - 03 - 31),
        ];
        let trend = level_trend(&events, &days, 5);
        let counts: Vec<(Vec<i64>, i64)> = trend
            .iter()
            .map(|p| (p.counts.clone(), p.unrated))
            .collect();
        assert_eq!(
            counts,
            [
                (vec![0, 0, 0, 0, 0], 0),
                (vec![0, 0, 0, 0, 1], 1),
                (vec![0, 1, 2, 0, 0], 0),
                (vec![0, 1, 1, 0, 0], 0),
            ]
        );
    }
}
