//! Property tests of risk scoring: the level is a pure function of (method version, inputs),
//! it never falls as an estimate rises in any method the rules accept, it survives the JSON
//! the store keeps a method in, and the register's scoring agrees with the method's.

use custos_domain::risk::method::{RiskMethod, Template};
use custos_domain::risk::register::{RiskInput, score};
use proptest::prelude::*;

fn template() -> impl Strategy<Value = RiskMethod> {
    prop_oneof![
        Just(RiskMethod::template(Template::ThreeByThree)),
        Just(RiskMethod::template(Template::FourByFour)),
        Just(RiskMethod::template(Template::FiveByFive)),
    ]
}

/// A method of random size whose matrix is any monotone grid over random levels: built by
/// letting each cell be at least its neighbours below and to the left.
fn monotone_method() -> impl Strategy<Value = RiskMethod> {
    (3usize..=6, 3usize..=6, 2usize..=6)
        .prop_flat_map(|(rows, columns, levels)| {
            let steps = proptest::collection::vec(0u8..=1, rows * columns);
            (Just((rows, columns, levels)), steps, 0..levels)
        })
        .prop_map(|((rows, columns, levels), steps, appetite)| {
            let mut method = RiskMethod::template(Template::FiveByFive);
            method.likelihood.truncate(rows.min(5));
            while method.likelihood.len() < rows {
                let mut extra = method.likelihood[0].clone();
                extra.name = format!("Extra likelihood {}", method.likelihood.len());
                method.likelihood.push(extra);
            }
            method.impact.truncate(columns.min(5));
            while method.impact.len() < columns {
                let mut extra = method.impact[0].clone();
                extra.name = format!("Extra impact {}", method.impact.len());
                method.impact.push(extra);
            }
            method.levels.truncate(levels.min(5));
            while method.levels.len() < levels {
                let mut extra = method.levels[0].clone();
                extra.name = format!("Extra level {}", method.levels.len());
                method.levels.push(extra);
            }
            let top = u8::try_from(levels - 1).unwrap_or(0);
            let mut matrix = vec![vec![0u8; columns]; rows];
            for l in 0..rows {
                for i in 0..columns {
                    let below = if l > 0 { matrix[l - 1][i] } else { 0 };
                    let left = if i > 0 { matrix[l][i - 1] } else { 0 };
                    matrix[l][i] = (below.max(left) + steps[l * columns + i]).min(top);
                }
            }
            method.matrix = matrix;
            method.appetite = u8::try_from(appetite).unwrap_or(0);
            method
        })
}

proptest! {
    #[test]
    fn a_level_never_falls_as_likelihood_or_impact_rises(method in monotone_method()) {
        let method = method.checked().expect("a monotone method passes the rules");
        let (rows, columns) = (method.likelihood.len() as u8, method.impact.len() as u8);
        for l in 1..=rows {
            for i in 1..=columns {
                let here = method.assess(l, i).expect("on the scales").level;
                if l < rows {
                    prop_assert!(method.assess(l + 1, i).expect("above").level >= here);
                }
                if i < columns {
                    prop_assert!(method.assess(l, i + 1).expect("right").level >= here);
                }
            }
        }
        prop_assert_eq!(method.assess(0, 1), None);
        prop_assert_eq!(method.assess(rows + 1, 1), None);
    }

    #[test]
    fn scoring_is_a_pure_function_of_the_method_and_the_estimates(
        method in template(),
        version in 1i64..50,
        (l, i, rl, ri) in (1u8..=5, 1u8..=5, 1u8..=5, 1u8..=5),
    ) {
        let size = method.likelihood.len() as u8;
        let input = RiskInput {
            title: "A risk".into(),
            inherent_likelihood: l.to_string(),
            inherent_impact: i.to_string(),
            residual_likelihood: rl.to_string(),
            residual_impact: ri.to_string(),
            status: "assessed".into(),
            ..RiskInput::default()
        };
        let draft = input.parse().expect("valid");
        // As the store keeps it: JSON, read back.
        let stored: RiskMethod =
            serde_json::from_str(&serde_json::to_string(&method).expect("json")).expect("read");
        let first = score(&method, version, &draft);
        let again = score(&stored, version, &draft);
        prop_assert_eq!(&first, &again);
        match first {
            Ok(scores) => {
                prop_assert!(l <= size && i <= size && rl <= size && ri <= size);
                prop_assert_eq!(scores.method_version, version);
                prop_assert_eq!(scores.inherent, method.assess(l, i));
                prop_assert_eq!(scores.residual, method.assess(rl, ri));
                prop_assert_eq!(scores.current(), method.assess(rl, ri));
            }
            Err(_) => prop_assert!(l > size || i > size || rl > size || ri > size),
        }
    }
}
