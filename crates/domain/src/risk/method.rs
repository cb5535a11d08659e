//! The risk method: how an organisation rates the likelihood and the impact of a risk, which
//! risk level every (likelihood, impact) cell of its matrix stands for, what each level asks
//! for (a response, who may accept it, how often it is reviewed) and how much risk it takes
//! on without treatment (the appetite). A method is versioned and approved; every assessment
//! names the version it used, and [`RiskMethod::assess`] is the only scoring rule.

use serde::{Deserialize, Serialize};

use crate::platform::Role;
use crate::validation::{Lines, ValidationErrors, optional_text, required_text};

pub const MIN_SCALE_LEVELS: usize = 3;
pub const MAX_SCALE_LEVELS: usize = 6;
pub const MIN_RISK_LEVELS: usize = 2;
pub const MAX_RISK_LEVELS: usize = 6;
pub const NAME_MAX: usize = 50;
pub const DESCRIPTION_MAX: usize = 1000;
pub const FREQUENCY_MAX: usize = 100;
pub const RESPONSE_MAX: usize = 500;
/// Longest review interval a level may ask for: five years.
pub const MAX_REVIEW_MONTHS: u16 = 60;
/// A method's title, shown in its version list.
pub const TITLE_MAX: usize = 120;

crate::text_enum! {
    /// A kind of harm an impact scale can describe separately.
    pub enum ImpactArea {
        Financial => "financial", "Financial";
        Legal => "legal", "Legal and regulatory";
        Reputational => "reputational", "Reputational";
        Operational => "operational", "Operational";
        Confidentiality => "confidentiality", "Confidentiality";
        Integrity => "integrity", "Integrity";
        Availability => "availability", "Availability";
    }
}

/// One step of the likelihood scale, least likely first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LikelihoodLevel {
    pub name: String,
    pub description: String,
    /// How often, for methods that tie likelihood to a frequency ("once in 1 to 5 years");
    /// empty when they do not.
    #[serde(default)]
    pub frequency: String,
}

/// One step of the impact scale, least severe first, with what it means in each impact area
/// the method describes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImpactLevel {
    pub name: String,
    pub description: String,
    /// One entry per area of [`RiskMethod::impact_areas`], in that order.
    #[serde(default)]
    pub areas: Vec<AreaImpact>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AreaImpact {
    pub area: ImpactArea,
    pub description: String,
}

/// A risk level of the matrix, lowest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskLevel {
    pub name: String,
    /// `#rrggbb`, lower case.
    pub colour: String,
    /// What the organisation does about a risk at this level ("treat within 30 days").
    pub response: String,
    /// The role that may accept a residual risk at this level when it is above the appetite.
    pub acceptor: Role,
    /// How often a risk at this level is reviewed, in months.
    pub review_months: u16,
}

/// An organisation's risk method. Likelihood and impact values are 1-based positions on
/// their scales; risk levels are 0-based positions in `levels`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RiskMethod {
    pub title: String,
    pub likelihood: Vec<LikelihoodLevel>,
    pub impact: Vec<ImpactLevel>,
    /// The areas each impact level describes separately; empty for one description a level.
    #[serde(default)]
    pub impact_areas: Vec<ImpactArea>,
    pub levels: Vec<RiskLevel>,
    /// `matrix[l - 1][i - 1]` is the position in `levels` of likelihood `l` and impact `i`.
    pub matrix: Vec<Vec<u8>>,
    /// The position in `levels` of the highest level accepted without treatment.
    pub appetite: u8,
    /// ISO 4217 code of the currency losses are estimated in (`EUR`).
    pub currency: String,
    /// The annual loss the organisation accepts, in whole units of `currency`, for the
    /// quantitative option; `None` when it does not state one.
    #[serde(default)]
    pub loss_appetite: Option<u64>,
}

/// What [`RiskMethod::assess`] gives for a (likelihood, impact) pair.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Score {
    pub likelihood: u8,
    pub impact: u8,
    /// Position of the level in the method's `levels`.
    pub level: u8,
}

/// The built-in methods an organisation can start from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Template {
    ThreeByThree,
    FourByFour,
    FiveByFive,
}

impl Template {
    pub const ALL: [Template; 3] = [
        Template::ThreeByThree,
        Template::FourByFour,
        Template::FiveByFive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Template::ThreeByThree => "3x3",
            Template::FourByFour => "4x4",
            Template::FiveByFive => "5x5",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == raw.trim())
    }

    pub fn label(self) -> &'static str {
        match self {
            Template::ThreeByThree => {
                "3 × 3: three levels of likelihood and impact, three risk levels"
            }
            Template::FourByFour => "4 × 4: four levels of likelihood and impact, four risk levels",
            Template::FiveByFive => "5 × 5: five levels of likelihood and impact, five risk levels",
        }
    }
}

impl RiskMethod {
    /// The risk level of likelihood `likelihood` and impact `impact` (1-based); `None` when
    /// either is off the scales.
    pub fn assess(&self, likelihood: u8, impact: u8) -> Option<Score> {
        let row = self.matrix.get(usize::from(likelihood).checked_sub(1)?)?;
        let level = *row.get(usize::from(impact).checked_sub(1)?)?;
        self.levels.get(usize::from(level))?;
        Some(Score {
            likelihood,
            impact,
            level,
        })
    }

    pub fn level(&self, position: u8) -> Option<&RiskLevel> {
        self.levels.get(usize::from(position))
    }

    /// Whether a risk at level `position` is within the appetite (accepted without
    /// treatment).
    pub fn within_appetite(&self, position: u8) -> bool {
        position <= self.appetite
    }

    /// Checks every rule of a method and returns it with its texts trimmed and its colours
    /// in lower case. Field names follow the JSON shape: `likelihood[0].name`,
    /// `matrix[2][1]`.
    pub fn checked(mut self) -> Result<RiskMethod, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        self.title = required_text(&mut errors, "title", &self.title, TITLE_MAX, Lines::One);
        check_count(
            &mut errors,
            "likelihood",
            "likelihood levels",
            self.likelihood.len(),
            MIN_SCALE_LEVELS..=MAX_SCALE_LEVELS,
        );
        for (index, level) in self.likelihood.iter_mut().enumerate() {
            let field = |name: &str| format!("likelihood[{index}].{name}");
            level.name = required_text(
                &mut errors,
                &field("name"),
                &level.name,
                NAME_MAX,
                Lines::One,
            );
            level.description = required_text(
                &mut errors,
                &field("description"),
                &level.description,
                DESCRIPTION_MAX,
                Lines::Many,
            );
            level.frequency = optional_text(
                &mut errors,
                &field("frequency"),
                &level.frequency,
                FREQUENCY_MAX,
                Lines::One,
            );
        }
        refuse_repeats(
            &mut errors,
            "likelihood",
            self.likelihood.iter().map(|l| &l.name),
        );
        check_count(
            &mut errors,
            "impact",
            "impact levels",
            self.impact.len(),
            MIN_SCALE_LEVELS..=MAX_SCALE_LEVELS,
        );
        if let Some(repeated) = first_repeat(&self.impact_areas) {
            errors.add(
                "impact_areas",
                format!("{} is listed twice: name each area once.", repeated.label()),
            );
        }
        for (index, level) in self.impact.iter_mut().enumerate() {
            let field = |name: &str| format!("impact[{index}].{name}");
            level.name = required_text(
                &mut errors,
                &field("name"),
                &level.name,
                NAME_MAX,
                Lines::One,
            );
            level.description = required_text(
                &mut errors,
                &field("description"),
                &level.description,
                DESCRIPTION_MAX,
                Lines::Many,
            );
            let areas: Vec<ImpactArea> = level.areas.iter().map(|a| a.area).collect();
            if areas != self.impact_areas {
                errors.add(
                    &field("areas"),
                    "Describe this level in each impact area of the method, in the method's order.",
                );
            }
            for (area_index, area) in level.areas.iter_mut().enumerate() {
                area.description = required_text(
                    &mut errors,
                    &format!("impact[{index}].areas[{area_index}].description"),
                    &area.description,
                    DESCRIPTION_MAX,
                    Lines::Many,
                );
            }
        }
        refuse_repeats(&mut errors, "impact", self.impact.iter().map(|l| &l.name));
        check_count(
            &mut errors,
            "levels",
            "risk levels",
            self.levels.len(),
            MIN_RISK_LEVELS..=MAX_RISK_LEVELS,
        );
        for (index, level) in self.levels.iter_mut().enumerate() {
            let field = |name: &str| format!("levels[{index}].{name}");
            level.name = required_text(
                &mut errors,
                &field("name"),
                &level.name,
                NAME_MAX,
                Lines::One,
            );
            level.response = required_text(
                &mut errors,
                &field("response"),
                &level.response,
                RESPONSE_MAX,
                Lines::Many,
            );
            match crate::assets::classification::parse_colour(&level.colour) {
                Some(colour) => level.colour = colour,
                None => errors.add(
                    &field("colour"),
                    "Enter a colour as # and six hexadecimal digits, for example #b3261e.",
                ),
            }
            if !(1..=MAX_REVIEW_MONTHS).contains(&level.review_months) {
                errors.add(
                    &field("review_months"),
                    format!("Enter a whole number of months from 1 to {MAX_REVIEW_MONTHS}."),
                );
            }
            if !ACCEPTING_ROLES.contains(&level.acceptor) {
                errors.add(
                    &field("acceptor"),
                    format!(
                        "Choose who accepts risks at this level: {}.",
                        role_names(ACCEPTING_ROLES)
                    ),
                );
            }
        }
        refuse_repeats(&mut errors, "levels", self.levels.iter().map(|l| &l.name));
        self.check_matrix(&mut errors);
        if usize::from(self.appetite) >= self.levels.len() {
            errors.add(
                "appetite",
                "Choose one of the method's risk levels as the appetite.",
            );
        }
        self.currency = self.currency.trim().to_ascii_uppercase();
        if !(self.currency.len() == 3 && self.currency.bytes().all(|b| b.is_ascii_uppercase())) {
            errors.add(
                "currency",
                "Enter the currency as its three-letter ISO 4217 code, for example EUR.",
            );
        }
        errors.into_result(self)
    }

    /// Every cell names a level of the method, and a cell never stands for a lower level than
    /// a cell that is less likely or less severe: the matrix grows towards the top right, so
    /// raising an estimate can never lower a risk.
    fn check_matrix(&self, errors: &mut ValidationErrors) {
        let (rows, columns, levels) = (self.likelihood.len(), self.impact.len(), self.levels.len());
        if self.matrix.len() != rows || self.matrix.iter().any(|row| row.len() != columns) {
            errors.add(
                "matrix",
                format!(
                    "Give the matrix one row per likelihood level ({rows}) and one cell per \
                     impact level ({columns}) in each row."
                ),
            );
            return;
        }
        for (l, row) in self.matrix.iter().enumerate() {
            for (i, &cell) in row.iter().enumerate() {
                let field = format!("matrix[{l}][{i}]");
                if usize::from(cell) >= levels {
                    errors.add(
                        &field,
                        "Choose one of the method's risk levels for this cell.",
                    );
                    continue;
                }
                let below = l.checked_sub(1).map(|l| self.matrix[l][i]);
                let left = i.checked_sub(1).map(|i| row[i]);
                if below
                    .into_iter()
                    .chain(left)
                    .any(|neighbour| neighbour > cell)
                {
                    errors.add(
                        &field,
                        "A cell cannot be a lower level than a cell of lower likelihood or lower \
                         impact: raise this one or lower its neighbours.",
                    );
                }
            }
        }
    }

    /// A built-in method, meant to be edited to fit the organisation before it is approved.
    pub fn template(template: Template) -> RiskMethod {
        let (likelihood, impact, levels, matrix, appetite): (_, _, _, Vec<Vec<u8>>, u8) =
            match template {
                Template::ThreeByThree => (
                    vec![RARE, POSSIBLE, LIKELY],
                    vec![LIMITED, SERIOUS, SEVERE],
                    vec![LOW, MEDIUM, HIGH],
                    vec![vec![0, 0, 1], vec![0, 1, 2], vec![1, 2, 2]],
                    0,
                ),
                Template::FourByFour => (
                    vec![RARE, UNLIKELY, POSSIBLE, LIKELY],
                    vec![MINOR, LIMITED, SERIOUS, SEVERE],
                    vec![LOW, MEDIUM, HIGH, CRITICAL],
                    vec![
                        vec![0, 0, 1, 1],
                        vec![0, 1, 1, 2],
                        vec![1, 1, 2, 3],
                        vec![1, 2, 3, 3],
                    ],
                    1,
                ),
                Template::FiveByFive => (
                    vec![RARE, UNLIKELY, POSSIBLE, LIKELY, ALMOST_CERTAIN],
                    vec![NEGLIGIBLE, MINOR, LIMITED, SERIOUS, SEVERE],
                    vec![VERY_LOW, LOW, MEDIUM, HIGH, CRITICAL],
                    vec![
                        vec![0, 0, 1, 1, 2],
                        vec![0, 1, 1, 2, 3],
                        vec![1, 1, 2, 3, 3],
                        vec![1, 2, 3, 3, 4],
                        vec![2, 3, 3, 4, 4],
                    ],
                    1,
                ),
            };
        RiskMethod {
            title: format!("Risk method {}", template.as_str()),
            likelihood: likelihood.into_iter().map(likelihood_level).collect(),
            impact: impact.into_iter().map(impact_level).collect(),
            impact_areas: Vec::new(),
            levels: levels.into_iter().map(risk_level).collect(),
            matrix,
            appetite,
            currency: "EUR".into(),
            loss_appetite: None,
        }
    }

    /// What an approver signs: the scales, the levels, the matrix and the appetite written
    /// out, one entry each, so the comparison with the last approved version shows the part
    /// that changed.
    pub fn content(&self) -> Vec<(&'static str, String)> {
        let likelihood = self
            .likelihood
            .iter()
            .enumerate()
            .map(|(i, l)| {
                let frequency = if l.frequency.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", l.frequency)
                };
                format!("{}. {}{frequency}: {}", i + 1, l.name, l.description)
            })
            .collect::<Vec<_>>()
            .join("\n");
        let impact = self
            .impact
            .iter()
            .enumerate()
            .map(|(i, level)| {
                let mut text = format!("{}. {}: {}", i + 1, level.name, level.description);
                for area in &level.areas {
                    text.push_str(&format!("\n   {}: {}", area.area.label(), area.description));
                }
                text
            })
            .collect::<Vec<_>>()
            .join("\n");
        let levels = self
            .levels
            .iter()
            .map(|level| {
                format!(
                    "{} ({}): {} Accepted by: {}. Reviewed every {} months.",
                    level.name,
                    level.colour,
                    level.response,
                    level.acceptor.label(),
                    level.review_months
                )
            })
            .collect::<Vec<_>>()
            .join("\n");
        let matrix = self
            .matrix
            .iter()
            .enumerate()
            .rev()
            .map(|(l, row)| {
                let cells: Vec<&str> = row
                    .iter()
                    .map(|&cell| self.level(cell).map_or("?", |level| level.name.as_str()))
                    .collect();
                let name = self
                    .likelihood
                    .get(l)
                    .map_or("?", |level| level.name.as_str());
                format!("{name}: {}", cells.join(" | "))
            })
            .collect::<Vec<_>>()
            .join("\n");
        let appetite = self
            .level(self.appetite)
            .map_or_else(String::new, |level| level.name.clone());
        let loss_appetite = self.loss_appetite.map_or_else(
            || "none stated".to_owned(),
            |amount| format!("{amount} {} a year", self.currency),
        );
        vec![
            ("Title", self.title.clone()),
            ("Likelihood scale", likelihood),
            ("Impact scale", impact),
            ("Risk levels", levels),
            ("Matrix (likelihood by impact, most likely first)", matrix),
            ("Appetite", appetite),
            ("Currency", self.currency.clone()),
            ("Loss appetite", loss_appetite),
        ]
    }
}

/// The roles that may be named as accepting a level: those who own the programme or sign for
/// the organisation (the roles holding `accept_risks`).
pub const ACCEPTING_ROLES: &[Role] = &[Role::IsmsManager, Role::Approver];

fn role_names(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|r| r.label())
        .collect::<Vec<_>>()
        .join(", ")
}

fn check_count(
    errors: &mut ValidationErrors,
    field: &str,
    what: &str,
    count: usize,
    allowed: std::ops::RangeInclusive<usize>,
) {
    if !allowed.contains(&count) {
        errors.add(
            field,
            format!(
                "Use between {} and {} {what}; this method has {count}.",
                allowed.start(),
                allowed.end()
            ),
        );
    }
}

/// Adds an error on every level whose name an earlier level of the same list already has.
fn refuse_repeats<'a>(
    errors: &mut ValidationErrors,
    list: &str,
    names: impl Iterator<Item = &'a String>,
) {
    let mut seen: Vec<String> = Vec::new();
    for (index, name) in names.enumerate() {
        let key = name.to_lowercase();
        if key.is_empty() {
            continue;
        }
        if seen.contains(&key) {
            errors.add(
                &format!("{list}[{index}].name"),
                "Another level already has this name: give each level its own.",
            );
        }
        seen.push(key);
    }
}

fn first_repeat<T: PartialEq + Copy>(items: &[T]) -> Option<T> {
    items
        .iter()
        .enumerate()
        .find(|(i, item)| items[..*i].contains(item))
        .map(|(_, item)| *item)
}

// The built-in scales' steps, in our own words. Templates pick from them.
type Step = (&'static str, &'static str);
type Frequency = (&'static str, &'static str, &'static str);

const RARE: Frequency = (
    "Rare",
    "Not expected to happen; it would take an unusual combination of circumstances.",
    "less than once in 10 years",
);
const UNLIKELY: Frequency = (
    "Unlikely",
    "Could happen, but there is no sign that it is on its way.",
    "once in 3 to 10 years",
);
const POSSIBLE: Frequency = (
    "Possible",
    "Has happened here or to similar organisations and could happen again.",
    "once in 1 to 3 years",
);
const LIKELY: Frequency = (
    "Likely",
    "Expected to happen at some point in the coming year.",
    "once or a few times a year",
);
const ALMOST_CERTAIN: Frequency = (
    "Almost certain",
    "Happens regularly, or is happening now.",
    "monthly or more often",
);

const NEGLIGIBLE: Step = (
    "Negligible",
    "Barely noticed: dealt with in normal work, no one outside the team is affected.",
);
const MINOR: Step = (
    "Minor",
    "A short disruption or a small cost, absorbed within a team's budget and plans.",
);
const LIMITED: Step = (
    "Limited",
    "Noticeable harm: some customers or partners are affected, or a deadline slips.",
);
const SERIOUS: Step = (
    "Serious",
    "Lasting harm: lost customers, a notifiable breach, or a key service down for days.",
);
const SEVERE: Step = (
    "Severe",
    "Threatens the organisation's objectives, licence to operate or survival.",
);

type LevelStep = (&'static str, &'static str, &'static str, Role, u16);

const VERY_LOW: LevelStep = (
    "Very low",
    "#2e7d32",
    "Accept; look again at the next scheduled review.",
    Role::IsmsManager,
    24,
);
const LOW: LevelStep = (
    "Low",
    "#689f38",
    "Accept or treat when it is cheap to do so; review yearly.",
    Role::IsmsManager,
    12,
);
const MEDIUM: LevelStep = (
    "Medium",
    "#f9a825",
    "Treat within six months, or have the ISMS manager accept it with reasons.",
    Role::IsmsManager,
    6,
);
const HIGH: LevelStep = (
    "High",
    "#ef6c00",
    "Treat within three months; only senior management may accept it.",
    Role::Approver,
    3,
);
const CRITICAL: LevelStep = (
    "Critical",
    "#b71c1c",
    "Act now: treat or stop the activity; only senior management may accept it.",
    Role::Approver,
    1,
);

fn likelihood_level((name, description, frequency): Frequency) -> LikelihoodLevel {
    LikelihoodLevel {
        name: name.into(),
        description: description.into(),
        frequency: frequency.into(),
    }
}

fn impact_level((name, description): Step) -> ImpactLevel {
    ImpactLevel {
        name: name.into(),
        description: description.into(),
        areas: Vec::new(),
    }
}

fn risk_level((name, colour, response, acceptor, review_months): LevelStep) -> RiskLevel {
    RiskLevel {
        name: name.into(),
        colour: colour.into(),
        response: response.into(),
        acceptor,
        review_months,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field_errors(method: RiskMethod) -> Vec<String> {
        match method.checked() {
            Ok(_) => Vec::new(),
            Err(errors) => errors.fields.into_iter().map(|e| e.field).collect(),
        }
    }

    #[test]
    fn every_template_passes_its_own_rules() {
        for template in Template::ALL {
            let method = RiskMethod::template(template);
            assert_eq!(
                method.clone().checked(),
                Ok(method),
                "{}",
                template.as_str()
            );
        }
    }

    #[test]
    fn assessing_reads_the_cell_of_the_matrix_and_refuses_values_off_the_scales() {
        let method = RiskMethod::template(Template::FiveByFive);
        assert_eq!(method.assess(1, 1).map(|s| s.level), Some(0));
        assert_eq!(method.assess(5, 5).map(|s| s.level), Some(4));
        assert_eq!(method.assess(4, 2).map(|s| s.level), Some(2));
        assert_eq!(method.assess(2, 4).map(|s| s.level), Some(2));
        assert_eq!(method.assess(0, 3), None);
        assert_eq!(method.assess(6, 3), None);
        assert_eq!(method.assess(3, 6), None);
    }

    #[test]
    fn a_matrix_that_falls_as_an_estimate_rises_is_refused_at_the_cell() {
        let mut method = RiskMethod::template(Template::ThreeByThree);
        method.matrix[2][2] = 0;
        assert_eq!(field_errors(method), ["matrix[2][2]"]);
    }

    #[test]
    fn a_matrix_of_the_wrong_shape_or_naming_no_level_is_refused() {
        let mut method = RiskMethod::template(Template::ThreeByThree);
        method.matrix.pop();
        assert_eq!(field_errors(method), ["matrix"]);
        let mut method = RiskMethod::template(Template::ThreeByThree);
        method.matrix[2][2] = 3;
        assert_eq!(field_errors(method), ["matrix[2][2]"]);
    }

    #[test]
    fn scales_keep_three_to_six_levels_and_names_are_unique() {
        let mut method = RiskMethod::template(Template::ThreeByThree);
        method.likelihood.pop();
        method.matrix.pop();
        assert!(field_errors(method).contains(&"likelihood".to_owned()));
        let mut method = RiskMethod::template(Template::ThreeByThree);
        method.impact[1].name = " rare ".into();
        method.impact[0].name = "Rare".into();
        assert_eq!(field_errors(method), ["impact[1].name"]);
    }

    #[test]
    fn levels_need_a_colour_a_review_interval_an_accepting_role_and_an_appetite_among_them() {
        let mut method = RiskMethod::template(Template::ThreeByThree);
        method.levels[0].colour = "green".into();
        method.levels[1].review_months = 0;
        method.levels[2].acceptor = Role::Staff;
        method.appetite = 3;
        method.currency = "euro".into();
        assert_eq!(
            field_errors(method),
            [
                "levels[0].colour",
                "levels[1].review_months",
                "levels[2].acceptor",
                "appetite",
                "currency"
            ]
        );
    }

    #[test]
    fn impact_areas_are_described_on_every_level_in_the_method_order() {
        let mut method = RiskMethod::template(Template::ThreeByThree);
        method.impact_areas = vec![ImpactArea::Financial, ImpactArea::Legal];
        for level in &mut method.impact {
            level.areas = vec![
                AreaImpact {
                    area: ImpactArea::Financial,
                    description: "Up to a month's margin.".into(),
                },
                AreaImpact {
                    area: ImpactArea::Legal,
                    description: "A warning from a regulator.".into(),
                },
            ];
        }
        assert!(method.clone().checked().is_ok());
        method.impact[1].areas.reverse();
        method.impact[2].areas[0].description = " ".into();
        assert_eq!(
            field_errors(method),
            ["impact[1].areas", "impact[2].areas[0].description"]
        );
    }

    #[test]
    fn checking_trims_texts_and_writes_colours_and_currency_one_way() {
        let mut method = RiskMethod::template(Template::ThreeByThree);
        method.levels[0].colour = " #ABCDEF ".into();
        method.likelihood[0].name = "  Rare ".into();
        method.currency = " chf".into();
        let checked = method.checked().expect("valid");
        assert_eq!(checked.levels[0].colour, "#abcdef");
        assert_eq!(checked.likelihood[0].name, "Rare");
        assert_eq!(checked.currency, "CHF");
    }

    #[test]
    fn the_content_an_approver_signs_names_every_part() {
        let content = RiskMethod::template(Template::FourByFour).content();
        let names: Vec<&str> = content.iter().map(|(name, _)| *name).collect();
        assert_eq!(names.len(), 8);
        let matrix = &content[4].1;
        assert!(
            matrix.starts_with("Likely: Medium | High | Critical | Critical"),
            "{matrix}"
        );
        assert_eq!(content[5].1, "Medium");
    }
}
