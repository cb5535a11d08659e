//! The impact scale an organisation values confidentiality, integrity and availability on:
//! three to six levels, each saying in plain words what a breach at that level does to the
//! organisation. Assets store the level's number, so the words can be improved at any time.

use serde::{Deserialize, Serialize};

use crate::context::FieldRule;
use crate::validation::{Lines, ValidationErrors, required_text};

pub const MIN_LEVELS: usize = 3;
pub const MAX_LEVELS: usize = 6;
pub const LABEL_MAX: usize = 50;
pub const DESCRIPTION_MAX: usize = 1000;

/// The levels, lowest impact first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImpactScale {
    pub levels: Vec<ImpactLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ImpactLevel {
    /// 1 for the lowest impact, then 2, 3, ...: the number an asset's C, I or A stores.
    pub value: u8,
    pub label: String,
    /// What a breach at this level means for the organisation.
    pub description: String,
}

/// An organisation's impact scale with the number of times it was saved: version 0, and no
/// time, while the organisation uses the built-in scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SavedImpactScale {
    #[serde(flatten)]
    pub scale: ImpactScale,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339::option")]
    pub updated_at: Option<time::OffsetDateTime>,
}

impl SavedImpactScale {
    /// What an organisation that never saved a scale uses.
    pub fn built_in() -> Self {
        Self {
            scale: ImpactScale::default(),
            version: 0,
            updated_at: None,
        }
    }

    pub fn is_built_in(&self) -> bool {
        self.version == 0
    }
}

/// A scale as a person or an API client sends it, before it is checked: the levels in
/// order, lowest impact first. Their values follow from their positions.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct ImpactScaleInput {
    #[serde(default)]
    pub levels: Vec<ImpactLevelInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct ImpactLevelInput {
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub description: String,
}

/// The name a field of the level at `index` (0-based) has in validation errors:
/// `levels[2].label`.
pub fn level_field(index: usize, field: &str) -> String {
    format!("levels[{index}].{field}")
}

impl ImpactScaleInput {
    /// What a form must ask of one field of a level (`label`, `description`).
    pub fn rule(field: &str) -> FieldRule {
        let max_chars = match field {
            "label" => LABEL_MAX,
            "description" => DESCRIPTION_MAX,
            _ => return FieldRule::default(),
        };
        FieldRule {
            required: true,
            max_chars: Some(max_chars),
        }
    }

    pub fn parse(&self) -> Result<ImpactScale, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let levels = self
            .levels
            .iter()
            .enumerate()
            .map(|(index, level)| ImpactLevel {
                // More levels than a u8 holds are refused below by the count check.
                value: u8::try_from(index + 1).unwrap_or(u8::MAX),
                label: required_text(
                    &mut errors,
                    &level_field(index, "label"),
                    &level.label,
                    LABEL_MAX,
                    Lines::One,
                ),
                description: required_text(
                    &mut errors,
                    &level_field(index, "description"),
                    &level.description,
                    DESCRIPTION_MAX,
                    Lines::Many,
                ),
            })
            .collect::<Vec<_>>();
        let count = levels.len();
        if !(MIN_LEVELS..=MAX_LEVELS).contains(&count) {
            errors.add(
                "levels",
                format!(
                    "Use between {MIN_LEVELS} and {MAX_LEVELS} levels; this scale has {count}."
                ),
            );
        }
        let mut seen: Vec<String> = Vec::with_capacity(count);
        for (index, level) in levels.iter().enumerate() {
            let key = level.label.to_lowercase();
            if key.is_empty() {
                continue;
            }
            if seen.contains(&key) {
                errors.add(
                    &level_field(index, "label"),
                    format!(
                        "Another level is already called “{}”: give each level its own label.",
                        level.label
                    ),
                );
            }
            seen.push(key);
        }
        errors.into_result(ImpactScale { levels })
    }
}

impl From<&ImpactScale> for ImpactScaleInput {
    fn from(scale: &ImpactScale) -> Self {
        Self {
            levels: scale
                .levels
                .iter()
                .map(|level| ImpactLevelInput {
                    label: level.label.clone(),
                    description: level.description.clone(),
                })
                .collect(),
        }
    }
}

impl Default for ImpactScale {
    /// Four levels, for organisations that have not written their own.
    fn default() -> Self {
        let level = |value, label: &str, description: &str| ImpactLevel {
            value,
            label: label.to_owned(),
            description: description.to_owned(),
        };
        Self {
            levels: vec![
                level(
                    1,
                    "Negligible",
                    "Hardly anyone would notice. Nobody outside the organisation is affected, no \
                     law or contract is broken, and normal work puts things right within a day.",
                ),
                level(
                    2,
                    "Limited",
                    "An inconvenience the organisation absorbs. A few people or one team are \
                     held up, some work is redone, the cost fits within a team's budget, and \
                     no client or regulator has to be told.",
                ),
                level(
                    3,
                    "Serious",
                    "Real harm. Clients, staff or other people are affected, a contract or \
                     legal duty may be broken and have to be reported, and recovery takes \
                     weeks and money that has to be found outside the normal budget.",
                ),
                level(
                    4,
                    "Severe",
                    "A threat to the organisation itself. People suffer lasting harm, fines, \
                     claims or lost clients put its finances at risk, public trust is lost, \
                     or services stop for longer than the business can survive.",
                ),
            ],
        }
    }
}

impl ImpactScale {
    /// The level with this value.
    pub fn level(&self, value: u8) -> Option<&ImpactLevel> {
        self.levels.iter().find(|level| level.value == value)
    }

    /// The value of the highest level.
    pub fn highest(&self) -> u8 {
        self.levels.last().map_or(0, |level| level.value)
    }

    /// Why `value` is no level of this scale; `None` when it is one.
    pub fn refuse_value(&self, value: i64) -> Option<String> {
        let highest = self.highest();
        (value > i64::from(highest)).then(|| {
            format!("Choose a level from 1 to {highest}, the organisation's impact scale.")
        })
    }

    /// Reads a C, I or A value as an import file or a form gives it: empty for "not
    /// valued", the level's number (`3`) or its label in any case (`serious`).
    pub fn read_value(&self, raw: &str) -> Result<Option<u8>, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Ok(None);
        }
        let found = match raw.parse::<u8>() {
            Ok(value) => self.level(value),
            Err(_) => {
                let wanted = raw.to_lowercase();
                self.levels
                    .iter()
                    .find(|level| level.label.to_lowercase() == wanted)
            }
        };
        found.map(|level| Some(level.value)).ok_or_else(|| {
            let known: Vec<String> = self
                .levels
                .iter()
                .map(|level| format!("{} ({})", level.value, level.label))
                .collect();
            format!("Use one of the impact levels: {}.", known.join(", "))
        })
    }

    /// Checks a scale that did not come through [`ImpactScaleInput::parse`] (one read back
    /// from storage or built in code): the same rules, and values numbered 1, 2, 3, ... in
    /// order.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        ImpactScaleInput::from(self).parse()?;
        let numbered_in_order = self
            .levels
            .iter()
            .enumerate()
            .all(|(index, level)| usize::from(level.value) == index + 1);
        if numbered_in_order {
            Ok(())
        } else {
            Err(ValidationErrors::single(
                "levels",
                "Number the levels 1, 2, 3, ... from the lowest impact up.",
            ))
        }
    }

    /// Whether this scale may be replaced by `new` while assets are valued on it, the
    /// highest value any C, I or A holds being `highest_value_in_use`.
    ///
    /// Assets store the number of a level, never its label, so new labels and descriptions
    /// and extra levels at the top leave every stored valuation pointing at the level it
    /// pointed at. Removing levels that are in use would leave valuations pointing at
    /// nothing, and mapping them onto the remaining levels is a judgement only the asset
    /// owners can make: the change is refused, and the message says which valuations must
    /// be lowered first. Nothing is ever rewritten here.
    pub fn change_allowed(
        &self,
        new: &ImpactScale,
        highest_value_in_use: Option<u8>,
    ) -> Result<(), ValidationErrors> {
        new.validate()?;
        let kept = new.levels.len();
        match highest_value_in_use {
            Some(highest) if usize::from(highest) > kept => {
                let name = self
                    .level(highest)
                    .map(|level| format!(" ({})", level.label))
                    .unwrap_or_default();
                Err(ValidationErrors::single(
                    "levels",
                    format!(
                        "Assets are valued up to level {highest}{name}, so the scale needs at \
                         least {highest} levels; the new one has {kept}. Lower the valuations \
                         above level {kept} first, or keep {highest} levels."
                    ),
                ))
            }
            _ => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(labels: &[&str]) -> ImpactScaleInput {
        ImpactScaleInput {
            levels: labels
                .iter()
                .map(|label| ImpactLevelInput {
                    label: (*label).to_owned(),
                    description: format!("What {label} means."),
                })
                .collect(),
        }
    }

    fn scale(labels: &[&str]) -> ImpactScale {
        input(labels).parse().expect("valid scale")
    }

    #[test]
    fn the_default_scale_has_four_valid_levels_numbered_from_one() {
        let scale = ImpactScale::default();
        assert_eq!(scale.validate(), Ok(()));
        let values: Vec<u8> = scale.levels.iter().map(|level| level.value).collect();
        assert_eq!(values, [1, 2, 3, 4]);
        assert_eq!(scale.highest(), 4);
        assert_eq!(ImpactScaleInput::from(&scale).parse(), Ok(scale));
    }

    #[test]
    fn parse_numbers_levels_by_position_and_trims_their_text() {
        let mut raw = input(&["Low", "Medium", "High"]);
        raw.levels[1].label = "  Medium ".into();
        raw.levels[2].description = "Line one\r\nline two".into();
        let scale = raw.parse().expect("valid");
        assert_eq!(scale.levels[1].value, 2);
        assert_eq!(scale.levels[1].label, "Medium");
        assert_eq!(scale.levels[2].description, "Line one\nline two");
    }

    #[test]
    fn a_scale_needs_three_to_six_levels() {
        for count in [0, 1, 2, 7, 300] {
            let labels: Vec<String> = (0..count).map(|i| format!("Level {i}")).collect();
            let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
            let errors = input(&labels).parse().expect_err("refused");
            let message = errors.for_field("levels").expect("count message");
            assert!(
                message.contains(&format!("this scale has {count}")),
                "{message}"
            );
        }
        for count in 3..=6 {
            let labels: Vec<String> = (0..count).map(|i| format!("Level {i}")).collect();
            let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
            assert!(input(&labels).parse().is_ok(), "{count}");
        }
    }

    #[test]
    fn labels_are_required_unique_whatever_their_case_and_single_line() {
        let errors = input(&["Low", "", "low", "Mid\nHigh"])
            .parse()
            .expect_err("refused");
        assert_eq!(
            errors.for_field("levels[1].label"),
            Some("This field is required.")
        );
        assert_eq!(
            errors.for_field("levels[2].label"),
            Some("Another level is already called “low”: give each level its own label.")
        );
        assert_eq!(
            errors.for_field("levels[3].label"),
            Some("Use a single line here: remove the line break.")
        );
        assert_eq!(errors.for_field("levels[0].label"), None);
    }

    #[test]
    fn descriptions_are_required_and_limited_in_length() {
        let mut raw = input(&["Low", "Mid", "High"]);
        raw.levels[0].description = " ".into();
        raw.levels[2].description = "x".repeat(DESCRIPTION_MAX + 1);
        let errors = raw.parse().expect_err("refused");
        assert_eq!(
            errors.for_field("levels[0].description"),
            Some("This field is required.")
        );
        assert_eq!(
            errors.for_field("levels[2].description"),
            Some("Use at most 1000 characters.")
        );
        assert_eq!(
            ImpactScaleInput::rule("label"),
            FieldRule {
                required: true,
                max_chars: Some(LABEL_MAX)
            }
        );
        assert_eq!(ImpactScaleInput::rule("colour"), FieldRule::default());
    }

    #[test]
    fn validate_refuses_levels_numbered_out_of_order() {
        let mut scale = scale(&["Low", "Mid", "High"]);
        scale.levels.swap(0, 1);
        let errors = scale.validate().expect_err("refused");
        assert!(errors.for_field("levels").is_some());
    }

    #[test]
    fn read_value_takes_a_number_or_a_label_and_names_the_levels_otherwise() {
        let scale = ImpactScale::default();
        assert_eq!(scale.read_value(""), Ok(None));
        assert_eq!(scale.read_value(" 3 "), Ok(Some(3)));
        assert_eq!(scale.read_value("severe"), Ok(Some(4)));
        assert_eq!(
            scale.read_value("5"),
            Err(
                "Use one of the impact levels: 1 (Negligible), 2 (Limited), 3 (Serious), \
                 4 (Severe)."
                    .into()
            )
        );
        assert!(scale.read_value("0").is_err());
        assert!(scale.read_value("high").is_err());
    }

    #[test]
    fn relabelling_or_adding_levels_is_allowed_while_levels_are_in_use() {
        let current = ImpactScale::default();
        let renamed = scale(&["Tiny", "Small", "Big", "Huge"]);
        assert_eq!(current.change_allowed(&renamed, Some(4)), Ok(()));
        let longer = scale(&["1", "2", "3", "4", "5", "6"]);
        assert_eq!(current.change_allowed(&longer, Some(4)), Ok(()));
    }

    #[test]
    fn removing_a_level_in_use_is_refused_with_the_level_named() {
        let current = ImpactScale::default();
        let shorter = scale(&["Low", "Mid", "High"]);
        let errors = current
            .change_allowed(&shorter, Some(4))
            .expect_err("refused");
        assert_eq!(
            errors.for_field("levels"),
            Some(
                "Assets are valued up to level 4 (Severe), so the scale needs at least 4 \
                 levels; the new one has 3. Lower the valuations above level 3 first, or keep \
                 4 levels."
            )
        );
        assert_eq!(current.change_allowed(&shorter, Some(3)), Ok(()));
        assert_eq!(current.change_allowed(&shorter, None), Ok(()));
    }

    #[test]
    fn an_invalid_new_scale_is_refused_before_its_use_is_considered() {
        let current = ImpactScale::default();
        let mut broken = scale(&["Low", "Mid", "High"]);
        broken.levels[1].label = "Low".into();
        let errors = current.change_allowed(&broken, None).expect_err("refused");
        assert!(errors.for_field("levels[1].label").is_some());
    }
}
