//! How far a framework is covered by the organisation's applied controls: directly, where a
//! control names the requirement, and through the mapping sets, where an implemented control
//! satisfies a requirement of another framework that a mapping relates to this one.
//!
//! The rule (docs/controls.md): a mapping says how its source requirement relates to its
//! target. Meeting the source meets all of the target when they are equal or the source is a
//! superset; part of it when the source is a subset or they intersect. Read the other way,
//! meeting the target meets all of the source when they are equal or the source is a subset.
//! One step only: coverage reached through a mapping is not carried through a second one.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;
use uuid::Uuid;

use crate::controls::applied::{ControlStatus, RequirementRef};
use crate::controls::library::{Relationship, StoredMapping};

crate::text_enum! {
    /// Where a requirement stands, best first.
    pub enum CoverageState {
        Implemented => "implemented", "Implemented";
        Mapped => "mapped", "Covered through a mapping";
        Partial => "partial", "Partly covered through a mapping";
        InProgress => "in_progress", "Controls planned or in progress";
        Gap => "gap", "Not covered";
    }
}

/// An applied control satisfying a requirement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Satisfaction {
    #[serde(skip)]
    pub requirement: RequirementRef,
    pub control_id: Uuid,
    pub number: i64,
    pub title: String,
    pub status: ControlStatus,
}

/// A requirement of another framework whose implemented controls reach this one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct MappedCoverage {
    pub framework_id: String,
    pub requirement_id: String,
    /// Whether meeting it meets all of this requirement.
    pub full: bool,
}

/// One requirement's coverage.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct RequirementCoverage {
    pub id: String,
    pub title: String,
    pub state: CoverageState,
    /// The controls naming it, whatever their status.
    pub controls: Vec<Satisfaction>,
    /// The requirements elsewhere, met by implemented controls, that cover it.
    pub mapped: Vec<MappedCoverage>,
}

/// A framework's coverage: every assessable requirement, and the counts.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct FrameworkCoverage {
    pub framework_id: String,
    pub requirements: Vec<RequirementCoverage>,
    /// Requirements per state, in the states' order.
    pub counts: Vec<StateCount>,
}

/// How many requirements are in one state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StateCount {
    pub state: CoverageState,
    pub count: usize,
}

impl FrameworkCoverage {
    /// Requirements implemented directly or fully covered through a mapping.
    pub fn covered(&self) -> usize {
        self.count(CoverageState::Implemented) + self.count(CoverageState::Mapped)
    }

    pub fn count(&self, state: CoverageState) -> usize {
        self.counts
            .iter()
            .find(|c| c.state == state)
            .map_or(0, |c| c.count)
    }

    /// Covered requirements as a whole percentage of the assessable ones; `None` for a
    /// framework with none.
    pub fn percent(&self) -> Option<u32> {
        let total = self.requirements.len();
        (total > 0).then(|| u32::try_from(self.covered() * 100 / total).unwrap_or(100))
    }
}

/// Whether meeting one side of `relationship` meets all (`Some(true)`) or part
/// (`Some(false)`) of the other. `forward`: from the mapping's source to its target.
fn reach(relationship: Relationship, forward: bool) -> bool {
    match relationship {
        Relationship::Equal => true,
        Relationship::Superset => forward,
        Relationship::Subset => !forward,
        Relationship::Intersect => false,
    }
}

/// The coverage of framework `framework_id`, whose assessable requirements are
/// `requirements` (id and title, in reading order), by `satisfactions` (every link of an
/// applied control to a requirement of any framework) and `mappings` (every relation of a
/// mapping set with the framework on either side).
pub fn framework_coverage(
    framework_id: &str,
    requirements: &[(String, String)],
    satisfactions: &[Satisfaction],
    mappings: &[StoredMapping],
) -> FrameworkCoverage {
    let implemented: BTreeSet<&RequirementRef> = satisfactions
        .iter()
        .filter(|s| s.status == ControlStatus::Implemented)
        .map(|s| &s.requirement)
        .collect();
    let mut direct: BTreeMap<&str, Vec<Satisfaction>> = BTreeMap::new();
    for satisfaction in satisfactions
        .iter()
        .filter(|s| s.requirement.framework_id == framework_id)
    {
        direct
            .entry(satisfaction.requirement.requirement_id.as_str())
            .or_default()
            .push(satisfaction.clone());
    }
    let mut through: BTreeMap<&str, BTreeMap<(String, String), bool>> = BTreeMap::new();
    for mapping in mappings {
        let sides = [
            (
                &mapping.target_framework,
                &mapping.target,
                &mapping.source_framework,
                &mapping.source,
                true,
            ),
            (
                &mapping.source_framework,
                &mapping.source,
                &mapping.target_framework,
                &mapping.target,
                false,
            ),
        ];
        for (here_framework, here, there_framework, there, forward) in sides {
            if here_framework != framework_id || there_framework == framework_id {
                continue;
            }
            let met = RequirementRef {
                framework_id: there_framework.clone(),
                requirement_id: there.clone(),
            };
            if !implemented.contains(&met) {
                continue;
            }
            let full = through
                .entry(here.as_str())
                .or_default()
                .entry((there_framework.clone(), there.clone()))
                .or_insert(false);
            *full |= reach(mapping.relationship, forward);
        }
    }
    let mut counts: BTreeMap<CoverageState, usize> = BTreeMap::new();
    let requirements: Vec<RequirementCoverage> = requirements
        .iter()
        .map(|(id, title)| {
            let mut controls = direct.remove(id.as_str()).unwrap_or_default();
            controls.sort_by_key(|c| c.number);
            let mapped: Vec<MappedCoverage> = through
                .remove(id.as_str())
                .unwrap_or_default()
                .into_iter()
                .map(|((framework_id, requirement_id), full)| MappedCoverage {
                    framework_id,
                    requirement_id,
                    full,
                })
                .collect();
            let state = if controls
                .iter()
                .any(|c| c.status == ControlStatus::Implemented)
            {
                CoverageState::Implemented
            } else if mapped.iter().any(|m| m.full) {
                CoverageState::Mapped
            } else if !mapped.is_empty() {
                CoverageState::Partial
            } else if controls
                .iter()
                .any(|c| matches!(c.status, ControlStatus::Planned | ControlStatus::InProgress))
            {
                CoverageState::InProgress
            } else {
                CoverageState::Gap
            };
            *counts.entry(state).or_default() += 1;
            RequirementCoverage {
                id: id.clone(),
                title: title.clone(),
                state,
                controls,
                mapped,
            }
        })
        .collect();
    FrameworkCoverage {
        framework_id: framework_id.to_owned(),
        requirements,
        counts: CoverageState::ALL
            .into_iter()
            .map(|state| StateCount {
                state,
                count: counts.get(&state).copied().unwrap_or(0),
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn satisfaction(framework: &str, id: &str, number: i64, status: ControlStatus) -> Satisfaction {
        Satisfaction {
            requirement: RequirementRef {
                framework_id: framework.into(),
                requirement_id: id.into(),
            },
            control_id: Uuid::from_u128(number as u128),
            number,
            title: format!("Control {number}"),
            status,
        }
    }

    fn mapping(source: &str, target: &str, relationship: Relationship) -> StoredMapping {
        StoredMapping {
            set_id: "iso-to-soc2".into(),
            source_framework: "iso".into(),
            target_framework: "soc2".into(),
            source: source.into(),
            target: target.into(),
            relationship,
            strength: None,
            note: String::new(),
        }
    }

    fn requirements(ids: &[&str]) -> Vec<(String, String)> {
        ids.iter()
            .map(|id| (id.to_string(), format!("Title of {id}")))
            .collect()
    }

    #[test]
    fn an_implemented_control_covers_the_requirements_mapped_to_its_own() {
        let satisfactions = [
            satisfaction("iso", "A.8.5", 1, ControlStatus::Implemented),
            satisfaction("iso", "A.5.15", 2, ControlStatus::InProgress),
            satisfaction("soc2", "CC7.2", 3, ControlStatus::Planned),
        ];
        let mappings = [
            mapping("A.8.5", "CC6.1", Relationship::Superset),
            mapping("A.8.5", "CC6.2", Relationship::Intersect),
            mapping("A.5.15", "CC6.3", Relationship::Equal),
        ];
        let soc2 = framework_coverage(
            "soc2",
            &requirements(&["CC6.1", "CC6.2", "CC6.3", "CC7.2", "CC9.9"]),
            &satisfactions,
            &mappings,
        );
        let states: Vec<CoverageState> = soc2.requirements.iter().map(|r| r.state).collect();
        assert_eq!(
            states,
            [
                CoverageState::Mapped,
                CoverageState::Partial,
                CoverageState::Gap,
                CoverageState::InProgress,
                CoverageState::Gap,
            ]
        );
        assert_eq!(soc2.requirements[0].mapped[0].requirement_id, "A.8.5");
        assert_eq!((soc2.covered(), soc2.percent()), (1, Some(20)));
        assert_eq!(soc2.count(CoverageState::Gap), 2);
    }

    #[test]
    fn a_mapping_read_backwards_inverts_subset_and_superset() {
        let satisfactions = [
            satisfaction("soc2", "CC6.1", 1, ControlStatus::Implemented),
            satisfaction("soc2", "CC6.2", 2, ControlStatus::Implemented),
        ];
        let mappings = [
            // A.5.1 is part of CC6.1: meeting CC6.1 meets all of A.5.1.
            mapping("A.5.1", "CC6.1", Relationship::Subset),
            // A.5.2 is more than CC6.2: meeting CC6.2 meets only part of it.
            mapping("A.5.2", "CC6.2", Relationship::Superset),
        ];
        let iso = framework_coverage(
            "iso",
            &requirements(&["A.5.1", "A.5.2"]),
            &satisfactions,
            &mappings,
        );
        assert_eq!(iso.requirements[0].state, CoverageState::Mapped);
        assert_eq!(iso.requirements[1].state, CoverageState::Partial);
    }

    #[test]
    fn only_implemented_controls_reach_through_mappings_and_direct_work_comes_first() {
        let satisfactions = [
            satisfaction("iso", "A.8.5", 1, ControlStatus::Planned),
            satisfaction("soc2", "CC6.1", 2, ControlStatus::Implemented),
            satisfaction("soc2", "CC6.1", 3, ControlStatus::NotApplicable),
        ];
        let mappings = [mapping("A.8.5", "CC6.1", Relationship::Equal)];
        let soc2 = framework_coverage("soc2", &requirements(&["CC6.1"]), &satisfactions, &mappings);
        assert_eq!(soc2.requirements[0].state, CoverageState::Implemented);
        assert!(soc2.requirements[0].mapped.is_empty());
        assert_eq!(soc2.requirements[0].controls.len(), 2);
        let iso = framework_coverage("iso", &requirements(&["A.8.5"]), &satisfactions, &mappings);
        assert_eq!(iso.requirements[0].state, CoverageState::Mapped);
        assert_eq!(iso.percent(), Some(100));
        assert_eq!(framework_coverage("iso", &[], &[], &[]).percent(), None);
    }
}
