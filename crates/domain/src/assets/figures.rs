//! Figures about the asset register for KPIs: what share of the assets have an owner, a
//! classification, a valuation and a review within their period. The store counts; these
//! functions turn the counts into shares, so every page and metric rounds the same way.

use serde::Serialize;

use super::valuation::AssetValues;

/// Counts over the assets that are not retired (a retired asset needs no owner or review).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct AssetCounts {
    pub total: i64,
    pub owned: i64,
    pub classified: i64,
    /// Valued on all of C, I and A: see [`is_valued`].
    pub valued: i64,
    pub reviewed_within_period: i64,
}

/// `part` of `whole`, as counted. Counts come straight from the store (`COUNT(*)` is an
/// `i64`); a negative count is read as none, and a part counted larger than its whole
/// (rows changing between two counts) as the whole, so a share never leaves 0–100 %.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Share {
    pub part: u64,
    pub whole: u64,
}

impl Share {
    pub fn of(part: i64, whole: i64) -> Self {
        let whole = u64::try_from(whole).unwrap_or(0);
        let part = u64::try_from(part).unwrap_or(0).min(whole);
        Self { part, whole }
    }

    /// The share from 0.0 to 1.0; `None` when there is nothing to count, which a page shows
    /// as "no assets yet" rather than as 0 % or 100 %.
    pub fn ratio(&self) -> Option<f64> {
        (self.whole > 0).then(|| self.part as f64 / self.whole as f64)
    }

    /// Whole percent, rounded down: 100 only when every asset counts, so "100 % owned" is
    /// never shown while one asset still has no owner.
    pub fn percent(&self) -> Option<u8> {
        let whole = u128::from(self.whole);
        let percent = u128::from(self.part) * 100 / whole.max(1);
        (self.whole > 0).then(|| u8::try_from(percent).unwrap_or(100))
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AssetFigures {
    pub owned: Share,
    pub classified: Share,
    pub valued: Share,
    pub reviewed_within_period: Share,
}

pub fn asset_figures(counts: &AssetCounts) -> AssetFigures {
    let share = |part| Share::of(part, counts.total);
    AssetFigures {
        owned: share(counts.owned),
        classified: share(counts.classified),
        valued: share(counts.valued),
        reviewed_within_period: share(counts.reviewed_within_period),
    }
}

/// An asset counts as valued once its owner has judged all three of C, I and A: one
/// missing side means its effective values may understate it.
pub fn is_valued(values: &AssetValues) -> bool {
    values.confidentiality.is_some() && values.integrity.is_some() && values.availability.is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn shares_are_taken_of_the_total() {
        let figures = asset_figures(&AssetCounts {
            total: 8,
            owned: 8,
            classified: 6,
            valued: 2,
            reviewed_within_period: 0,
        });
        assert_eq!(figures.owned.percent(), Some(100));
        assert_eq!(figures.classified.percent(), Some(75));
        assert_eq!(figures.valued.ratio(), Some(0.25));
        assert_eq!(figures.reviewed_within_period.percent(), Some(0));
    }

    #[test]
    fn no_assets_gives_no_share_rather_than_zero_or_full() {
        let figures = asset_figures(&AssetCounts::default());
        assert_eq!(figures.owned, Share { part: 0, whole: 0 });
        assert_eq!(figures.owned.ratio(), None);
        assert_eq!(figures.owned.percent(), None);
    }

    #[test]
    fn percent_rounds_down_so_full_means_every_asset() {
        assert_eq!(Share::of(999, 1000).percent(), Some(99));
        assert_eq!(Share::of(1, 3).percent(), Some(33));
        assert_eq!(Share::of(2, 3).percent(), Some(66));
        assert_eq!(Share::of(1, 1000).percent(), Some(0));
        assert_eq!(Share::of(i64::MAX, i64::MAX).percent(), Some(100));
    }

    #[test]
    fn counts_out_of_range_are_clamped() {
        assert_eq!(
            Share::of(12, 10),
            Share {
                part: 10,
                whole: 10
            }
        );
        assert_eq!(Share::of(-3, 10), Share { part: 0, whole: 10 });
        assert_eq!(Share::of(3, -10), Share { part: 0, whole: 0 });
    }

    #[test]
    fn an_asset_is_valued_only_when_c_i_and_a_are_all_set() {
        let mut values = AssetValues {
            id: Uuid::nil(),
            confidentiality: Some(1),
            integrity: Some(2),
            availability: None,
        };
        assert!(!is_valued(&values));
        values.availability = Some(1);
        assert!(is_valued(&values));
    }
}
