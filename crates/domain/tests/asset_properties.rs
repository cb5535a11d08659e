//! Property tests of asset valuation: effective values against simple reference searches on
//! small random registers (with and without loops), the loop check of new links, the set a
//! change affects, and the impact scale's change rule.

use std::collections::{HashMap, HashSet};

use custos_domain::assets::impact::{ImpactLevelInput, ImpactScale, ImpactScaleInput};
use custos_domain::assets::valuation::{
    AssetValues, Effective, EffectiveLevel, SupportLink, affected_by_change, check_new_link,
    effective_values, effective_values_given,
};
use proptest::prelude::*;
use uuid::Uuid;

/// A small register: assets with random ids (so that id order and input order differ) and
/// links between them, loops allowed unless `acyclic`.
#[derive(Debug, Clone)]
struct Register {
    assets: Vec<AssetValues>,
    links: Vec<SupportLink>,
}

fn level() -> impl Strategy<Value = Option<u8>> {
    prop_oneof![1 => Just(None), 3 => (1u8..=5).prop_map(Some)]
}

fn register(max_assets: usize, acyclic: bool) -> impl Strategy<Value = Register> {
    (1..=max_assets)
        .prop_flat_map(move |count| {
            (
                prop::collection::hash_set(any::<u128>(), count),
                prop::collection::vec((level(), level(), level()), count),
                prop::collection::vec((0..count, 0..count), 0..=count * 2),
            )
        })
        .prop_map(move |(ids, values, pairs)| {
            let ids: Vec<Uuid> = ids.into_iter().map(Uuid::from_u128).collect();
            let assets = ids
                .iter()
                .zip(values)
                .map(|(&id, (c, i, a))| AssetValues {
                    id,
                    confidentiality: c,
                    integrity: i,
                    availability: a,
                })
                .collect();
            let links = pairs
                .into_iter()
                .filter_map(|(a, b)| {
                    // In a register without loops every link runs from a lower position to
                    // a higher one; positions are unrelated to ids.
                    let (supporter, dependant) = if acyclic {
                        if a == b {
                            return None;
                        }
                        (a.min(b), a.max(b))
                    } else {
                        (a, b)
                    };
                    Some(SupportLink {
                        supporter: ids[supporter],
                        dependant: ids[dependant],
                    })
                })
                .collect();
            Register { assets, links }
        })
}

fn own(asset: &AssetValues) -> [Option<u8>; 3] {
    [asset.confidentiality, asset.integrity, asset.availability]
}

fn levels(effective: &Effective) -> [Option<u8>; 3] {
    [
        effective.confidentiality,
        effective.integrity,
        effective.availability,
    ]
    .map(|value| value.map(|value| value.level))
}

fn sources(effective: &Effective) -> [Option<EffectiveLevel>; 3] {
    [
        effective.confidentiality,
        effective.integrity,
        effective.availability,
    ]
}

/// Every asset reachable from `start` (included) along the links, or against them.
fn reachable(links: &[SupportLink], start: Uuid, forward: bool) -> HashSet<Uuid> {
    let mut seen = HashSet::from([start]);
    let mut stack = vec![start];
    while let Some(at) = stack.pop() {
        for link in links {
            let (from, to) = if forward {
                (link.supporter, link.dependant)
            } else {
                (link.dependant, link.supporter)
            };
            if from == at && seen.insert(to) {
                stack.push(to);
            }
        }
    }
    seen
}

/// The definition, searched naively: an asset's effective level is the highest own level
/// among itself and everything it supports, directly or not.
fn reference_levels(register: &Register) -> HashMap<Uuid, [Option<u8>; 3]> {
    let own_values: HashMap<Uuid, [Option<u8>; 3]> = register
        .assets
        .iter()
        .map(|asset| (asset.id, own(asset)))
        .collect();
    own_values
        .keys()
        .map(|&id| {
            let mut highest = [None; 3];
            for reached in reachable(&register.links, id, true) {
                for (highest, value) in highest.iter_mut().zip(own_values[&reached]) {
                    *highest = (*highest).max(value);
                }
            }
            (id, highest)
        })
        .collect()
}

/// The effective values by repeating "own raised to what it supports" until nothing
/// changes, with the same choice of source: the higher level, then the smaller source id,
/// and the asset itself when its own value is as high.
fn naive_fixpoint(register: &Register) -> HashMap<Uuid, Effective> {
    let own_values: HashMap<Uuid, [Option<u8>; 3]> = register
        .assets
        .iter()
        .map(|asset| (asset.id, own(asset)))
        .collect();
    let mut current: HashMap<Uuid, [Option<EffectiveLevel>; 3]> =
        own_values.keys().map(|&id| (id, [None; 3])).collect();
    loop {
        let mut next = HashMap::new();
        for (&id, values) in &own_values {
            let mut best: [Option<EffectiveLevel>; 3] = [None; 3];
            for link in register.links.iter().filter(|link| link.supporter == id) {
                for (best, offered) in best.iter_mut().zip(current[&link.dependant]) {
                    let wins = match (offered, *best) {
                        (None, _) => false,
                        (Some(_), None) => true,
                        (Some(o), Some(b)) => {
                            o.level > b.level || (o.level == b.level && o.source < b.source)
                        }
                    };
                    if wins {
                        *best = offered;
                    }
                }
            }
            for (best, own) in best.iter_mut().zip(values) {
                if let Some(level) = *own
                    && best.is_none_or(|best| level >= best.level)
                {
                    *best = Some(EffectiveLevel { level, source: id });
                }
            }
            next.insert(id, best);
        }
        if next == current {
            break;
        }
        current = next;
    }
    current
        .into_iter()
        .map(|(id, [confidentiality, integrity, availability])| {
            (
                id,
                Effective {
                    confidentiality,
                    integrity,
                    availability,
                },
            )
        })
        .collect()
}

proptest! {
    #[test]
    fn effective_values_are_the_highest_own_values_reachable(register in register(12, false)) {
        let effective = effective_values(&register.assets, &register.links);
        let expected = reference_levels(&register);
        prop_assert_eq!(effective.len(), expected.len());
        for (id, expected) in expected {
            prop_assert_eq!(levels(&effective[&id]), expected, "{}", id);
        }
    }

    #[test]
    fn every_source_holds_the_value_and_is_the_asset_or_one_it_supports(
        register in register(12, false),
    ) {
        let effective = effective_values(&register.assets, &register.links);
        let own_values: HashMap<Uuid, [Option<u8>; 3]> =
            register.assets.iter().map(|asset| (asset.id, own(asset))).collect();
        for (id, values) in &effective {
            let reach = reachable(&register.links, *id, true);
            for (dimension, value) in sources(values).into_iter().enumerate() {
                if let Some(value) = value {
                    prop_assert!(reach.contains(&value.source));
                    prop_assert_eq!(own_values[&value.source][dimension], Some(value.level));
                    // An asset valued as high as its effective value is its own source.
                    if own_values[id][dimension] == Some(value.level) {
                        prop_assert_eq!(value.source, *id);
                    }
                }
            }
        }
    }

    #[test]
    fn effective_values_never_fall_below_own_values(register in register(12, false)) {
        let effective = effective_values(&register.assets, &register.links);
        for asset in &register.assets {
            for (effective, own) in levels(&effective[&asset.id]).into_iter().zip(own(asset)) {
                prop_assert!(effective >= own);
            }
        }
    }

    #[test]
    fn without_links_effective_values_are_the_own_values(register in register(12, false)) {
        let effective = effective_values(&register.assets, &[]);
        for asset in &register.assets {
            prop_assert_eq!(levels(&effective[&asset.id]), own(asset));
            for value in sources(&effective[&asset.id]).into_iter().flatten() {
                prop_assert_eq!(value.source, asset.id);
            }
        }
    }

    #[test]
    fn raising_an_own_value_never_lowers_an_effective_value(
        register in register(12, false),
        pick in any::<prop::sample::Index>(),
        dimension in 0usize..3,
        raise_to in 1u8..=6,
    ) {
        let before = effective_values(&register.assets, &register.links);
        let mut raised = register.assets.clone();
        let asset = &mut raised[pick.index(register.assets.len())];
        let value = match dimension {
            0 => &mut asset.confidentiality,
            1 => &mut asset.integrity,
            _ => &mut asset.availability,
        };
        *value = (*value).max(Some(raise_to));
        let after = effective_values(&raised, &register.links);
        for (id, before) in &before {
            for (after, before) in levels(&after[id]).into_iter().zip(levels(before)) {
                prop_assert!(after >= before, "{id}");
            }
        }
    }

    #[test]
    fn shuffling_assets_and_links_gives_the_same_result(
        (register, assets, links) in register(12, false).prop_flat_map(|register| {
            let assets = Just(register.assets.clone()).prop_shuffle();
            let links = Just(register.links.clone()).prop_shuffle();
            (Just(register), assets, links)
        }),
    ) {
        prop_assert_eq!(
            effective_values(&register.assets, &register.links),
            effective_values(&assets, &links)
        );
    }

    #[test]
    fn on_registers_without_loops_the_result_is_the_naive_fixpoint(
        register in register(12, true),
    ) {
        prop_assert_eq!(
            effective_values(&register.assets, &register.links),
            naive_fixpoint(&register)
        );
    }

    #[test]
    fn larger_registers_with_loops_terminate_with_the_reference_levels(
        register in register(120, false),
    ) {
        let effective = effective_values(&register.assets, &register.links);
        let expected = reference_levels(&register);
        for (id, expected) in expected {
            prop_assert_eq!(levels(&effective[&id]), expected);
        }
    }

    #[test]
    fn a_link_is_refused_exactly_when_it_would_close_a_loop(
        register in register(10, true),
        from in any::<prop::sample::Index>(),
        to in any::<prop::sample::Index>(),
    ) {
        let from = register.assets[from.index(register.assets.len())].id;
        let to = register.assets[to.index(register.assets.len())].id;
        let would_loop = from == to || reachable(&register.links, to, true).contains(&from);
        match check_new_link(&register.links, from, to) {
            Ok(()) => prop_assert!(!would_loop),
            Err(error) => {
                prop_assert!(would_loop);
                let path = &error.path;
                prop_assert_eq!(path.first(), Some(&from));
                prop_assert_eq!(path.last(), Some(&from));
                prop_assert_eq!(path[1], to);
                // Every later step is an existing link, and no asset comes twice.
                for step in path[1..].windows(2) {
                    let link = SupportLink { supporter: step[0], dependant: step[1] };
                    prop_assert!(register.links.contains(&link));
                }
                let distinct: HashSet<&Uuid> = path[1..].iter().collect();
                prop_assert_eq!(distinct.len(), path.len() - 1);
            }
        }
    }

    #[test]
    fn a_change_affects_the_asset_and_everything_that_supports_it(
        register in register(12, false),
        pick in any::<prop::sample::Index>(),
    ) {
        let changed = register.assets[pick.index(register.assets.len())].id;
        let affected = affected_by_change(&register.links, changed);
        prop_assert_eq!(affected.first(), Some(&changed));
        let as_set: HashSet<Uuid> = affected.iter().copied().collect();
        prop_assert_eq!(as_set.len(), affected.len());
        prop_assert_eq!(as_set, reachable(&register.links, changed, false));
    }

    #[test]
    fn recomputing_only_the_affected_assets_matches_recomputing_everything(
        register in register(12, false),
        pick in any::<prop::sample::Index>(),
        new_values in (level(), level(), level()),
    ) {
        let before = effective_values(&register.assets, &register.links);
        let mut changed_assets = register.assets.clone();
        let changed = &mut changed_assets[pick.index(register.assets.len())];
        (changed.confidentiality, changed.integrity, changed.availability) = new_values;
        let changed = changed.id;
        let after = effective_values(&changed_assets, &register.links);

        let affected: HashSet<Uuid> =
            affected_by_change(&register.links, changed).into_iter().collect();
        let assets: Vec<AssetValues> = changed_assets
            .iter()
            .filter(|asset| affected.contains(&asset.id))
            .copied()
            .collect();
        let links: Vec<SupportLink> = register
            .links
            .iter()
            .filter(|link| affected.contains(&link.supporter))
            .copied()
            .collect();
        let known: HashMap<Uuid, Effective> = before
            .iter()
            .filter(|(id, _)| !affected.contains(id))
            .map(|(id, values)| (*id, *values))
            .collect();
        let recomputed = effective_values_given(&assets, &links, &known);
        prop_assert_eq!(recomputed.len(), affected.len());
        for (id, values) in &after {
            match recomputed.get(id) {
                Some(recomputed) => prop_assert_eq!(recomputed, values),
                // Outside the affected set nothing moved.
                None => prop_assert_eq!(&before[id], values),
            }
        }
    }

    #[test]
    fn a_scale_change_is_refused_exactly_when_a_level_in_use_would_disappear(
        new_count in 3usize..=6,
        highest_in_use in prop::option::of(1u8..=6),
    ) {
        let new = ImpactScaleInput {
            levels: (1..=new_count)
                .map(|value| ImpactLevelInput {
                    label: format!("Level {value}"),
                    description: "What it means.".into(),
                })
                .collect(),
        }
        .parse()
        .expect("valid scale");
        let refused = ImpactScale::default().change_allowed(&new, highest_in_use).is_err();
        prop_assert_eq!(refused, highest_in_use.is_some_and(|h| usize::from(h) > new_count));
    }
}
