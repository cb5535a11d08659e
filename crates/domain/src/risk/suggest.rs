//! The impact a risk's assets suggest: the highest effective value, among the properties the
//! risk harms, of the assets it affects, carried from the asset impact scale onto the risk
//! method's impact scale.

use serde::Serialize;
use uuid::Uuid;

use crate::assets::valuation::Effective;

/// What the assets suggest, and why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ImpactSuggestion {
    /// A step of the method's impact scale, from 1.
    pub impact: u8,
    /// The asset the value comes from (the one affected, not where its value came from).
    pub asset_id: Uuid,
    /// `confidentiality`, `integrity` or `availability`.
    pub property: &'static str,
    /// Its effective value on the asset impact scale, from 1, and that scale's size.
    pub asset_value: u8,
    pub asset_scale: u8,
}

/// The suggestion for a risk harming `harms` (confidentiality, integrity, availability; all
/// three when it names none) of the assets `assets`, valued on an asset scale of
/// `asset_scale` steps, for a method impact scale of `impact_scale` steps. The highest value
/// wins (ties go to the first asset and property); it is carried across proportionally,
/// rounding up, so the top of one scale is the top of the other. `None` when nothing is
/// valued.
pub fn suggest_impact(
    assets: &[(Uuid, Effective)],
    harms: [bool; 3],
    asset_scale: u8,
    impact_scale: u8,
) -> Option<ImpactSuggestion> {
    if asset_scale == 0 || impact_scale == 0 {
        return None;
    }
    let harms = if harms.iter().any(|h| *h) {
        harms
    } else {
        [true; 3]
    };
    let mut best: Option<(u8, Uuid, &'static str)> = None;
    for (asset_id, effective) in assets {
        let values = [
            ("confidentiality", effective.confidentiality),
            ("integrity", effective.integrity),
            ("availability", effective.availability),
        ];
        for ((property, value), harmed) in values.into_iter().zip(harms) {
            let Some(value) = value.filter(|_| harmed) else {
                continue;
            };
            if best.is_none_or(|(level, ..)| value.level > level) {
                best = Some((value.level, *asset_id, property));
            }
        }
    }
    let (value, asset_id, property) = best?;
    let value = value.min(asset_scale);
    let carried = (u16::from(value) * u16::from(impact_scale)).div_ceil(u16::from(asset_scale));
    Some(ImpactSuggestion {
        impact: u8::try_from(carried.clamp(1, u16::from(impact_scale))).unwrap_or(impact_scale),
        asset_id,
        property,
        asset_value: value,
        asset_scale,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::valuation::EffectiveLevel;

    fn valued(c: Option<u8>, i: Option<u8>, a: Option<u8>) -> Effective {
        let level = |value: Option<u8>| {
            value.map(|level| EffectiveLevel {
                level,
                source: Uuid::nil(),
            })
        };
        Effective {
            confidentiality: level(c),
            integrity: level(i),
            availability: level(a),
        }
    }

    #[test]
    fn the_highest_harmed_value_is_carried_onto_the_method_scale() {
        let (a, b) = (Uuid::from_u128(1), Uuid::from_u128(2));
        let assets = [
            (a, valued(Some(2), Some(4), None)),
            (b, valued(Some(3), None, Some(1))),
        ];
        // Only confidentiality harmed: b's 3 of 4 on a 5-step scale is 4 (3 × 5 / 4, up).
        let only_c = suggest_impact(&assets, [true, false, false], 4, 5).expect("valued");
        assert_eq!(
            (only_c.impact, only_c.asset_id, only_c.property),
            (4, b, "confidentiality")
        );
        // Nothing named: every property counts, and a's integrity 4 is the top.
        let any = suggest_impact(&assets, [false; 3], 4, 5).expect("valued");
        assert_eq!(
            (any.impact, any.asset_id, any.property),
            (5, a, "integrity")
        );
        // The bottom of one scale is the bottom of the other.
        let low = suggest_impact(
            &[(a, valued(Some(1), None, None))],
            [true, false, false],
            4,
            3,
        );
        assert_eq!(low.map(|s| s.impact), Some(1));
        assert_eq!(
            suggest_impact(&assets, [false, false, true], 4, 5).map(|s| s.impact),
            Some(2)
        );
        assert_eq!(
            suggest_impact(&[(a, valued(None, None, None))], [true; 3], 4, 5),
            None
        );
        assert_eq!(suggest_impact(&[], [true; 3], 4, 5), None);
    }
}
