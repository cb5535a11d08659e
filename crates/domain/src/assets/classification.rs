//! The classification scheme: the levels information is classified at, how to decide the
//! level, the label to mark it with, and how it is handled, stored, sent and disposed of at
//! each level. The scheme is versioned and approved; asset pages show the approved version.

use serde::{Deserialize, Serialize};

use crate::context::FieldRule;
use crate::validation::{Lines, ValidationErrors, required_text};

pub const MIN_LEVELS: usize = 2;
pub const MAX_LEVELS: usize = 8;
/// Assets store the rank of their level (`CLASSIFICATION_MAX`), so ranks stop there.
pub const MAX_RANK: u8 = super::inventory::CLASSIFICATION_MAX as u8;
pub const NAME_MAX: usize = 50;
pub const LABEL_MAX: usize = 100;
/// Criteria and every handling rule.
pub const RULE_MAX: usize = 2000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClassificationScheme {
    pub version: i64,
    /// Ordered by rank, least sensitive first.
    pub levels: Vec<ClassificationLevel>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClassificationLevel {
    /// Higher is more sensitive; unique within the scheme, gaps allowed so a level can be
    /// slotted in later.
    pub rank: u8,
    pub name: String,
    /// `#rrggbb`, lower case.
    pub colour: String,
    /// How to decide that information belongs at this level.
    pub criteria: String,
    /// The text to mark documents, files and media with.
    pub label: String,
    /// Who may see it and how to behave with it day to day.
    pub handling: String,
    pub storage: String,
    pub transfer_email: String,
    pub transfer_removable_media: String,
    pub transfer_third_parties: String,
    pub disposal: String,
}

/// A scheme's levels as a form or an API client sends them, before they are checked.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct ClassificationSchemeInput {
    #[serde(default)]
    pub levels: Vec<ClassificationLevelInput>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
pub struct ClassificationLevelInput {
    #[serde(default)]
    pub rank: String,
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub colour: String,
    #[serde(default)]
    pub criteria: String,
    #[serde(default)]
    pub label: String,
    #[serde(default)]
    pub handling: String,
    #[serde(default)]
    pub storage: String,
    #[serde(default)]
    pub transfer_email: String,
    #[serde(default)]
    pub transfer_removable_media: String,
    #[serde(default)]
    pub transfer_third_parties: String,
    #[serde(default)]
    pub disposal: String,
}

pub use super::impact::level_field;

impl ClassificationSchemeInput {
    /// What a form must ask of one field of a level.
    pub fn rule(field: &str) -> FieldRule {
        let max_chars = match field {
            "rank" | "colour" => None,
            "name" => Some(NAME_MAX),
            "label" => Some(LABEL_MAX),
            "criteria"
            | "handling"
            | "storage"
            | "transfer_email"
            | "transfer_removable_media"
            | "transfer_third_parties"
            | "disposal" => Some(RULE_MAX),
            _ => return FieldRule::default(),
        };
        FieldRule {
            required: true,
            max_chars,
        }
    }

    /// The checked scheme, numbered `version` by the caller, its levels ordered by rank.
    pub fn parse(&self, version: i64) -> Result<ClassificationScheme, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut levels: Vec<ClassificationLevel> = self
            .levels
            .iter()
            .enumerate()
            .map(|(index, level)| level.parse(&mut errors, index))
            .collect();
        let count = levels.len();
        if !(MIN_LEVELS..=MAX_LEVELS).contains(&count) {
            errors.add(
                "levels",
                format!(
                    "Use between {MIN_LEVELS} and {MAX_LEVELS} levels; this scheme has {count}."
                ),
            );
        }
        refuse_repeats(&mut errors, &levels, "rank", |level| {
            (level.rank != 0).then(|| level.rank.to_string())
        });
        refuse_repeats(&mut errors, &levels, "name", |level| {
            Some(level.name.to_lowercase()).filter(|name| !name.is_empty())
        });
        refuse_repeats(&mut errors, &levels, "label", |level| {
            Some(level.label.to_lowercase()).filter(|label| !label.is_empty())
        });
        if errors.is_empty() {
            levels.sort_by_key(|level| level.rank);
        }
        errors.into_result(ClassificationScheme { version, levels })
    }
}

/// Adds an error to every level whose `key` an earlier level already has. `None` keys (a
/// value already refused) are skipped.
fn refuse_repeats(
    errors: &mut ValidationErrors,
    levels: &[ClassificationLevel],
    field: &str,
    key: impl Fn(&ClassificationLevel) -> Option<String>,
) {
    let mut seen = Vec::with_capacity(levels.len());
    for (index, level) in levels.iter().enumerate() {
        let Some(key) = key(level) else { continue };
        if seen.contains(&key) {
            errors.add(
                &level_field(index, field),
                format!("Another level already has this {field}: give each level its own."),
            );
        }
        seen.push(key);
    }
}

impl ClassificationLevelInput {
    fn parse(&self, errors: &mut ValidationErrors, index: usize) -> ClassificationLevel {
        let mut text = |field: &str, raw: &str, max: usize, lines: Lines| {
            required_text(errors, &level_field(index, field), raw, max, lines)
        };
        let name = text("name", &self.name, NAME_MAX, Lines::One);
        let label = text("label", &self.label, LABEL_MAX, Lines::One);
        let criteria = text("criteria", &self.criteria, RULE_MAX, Lines::Many);
        let handling = text("handling", &self.handling, RULE_MAX, Lines::Many);
        let storage = text("storage", &self.storage, RULE_MAX, Lines::Many);
        let transfer_email = text(
            "transfer_email",
            &self.transfer_email,
            RULE_MAX,
            Lines::Many,
        );
        let transfer_removable_media = text(
            "transfer_removable_media",
            &self.transfer_removable_media,
            RULE_MAX,
            Lines::Many,
        );
        let transfer_third_parties = text(
            "transfer_third_parties",
            &self.transfer_third_parties,
            RULE_MAX,
            Lines::Many,
        );
        let disposal = text("disposal", &self.disposal, RULE_MAX, Lines::Many);
        let rank = match self.rank.trim().parse::<u8>() {
            Ok(rank) if (1..=MAX_RANK).contains(&rank) => rank,
            _ => {
                errors.add(
                    &level_field(index, "rank"),
                    format!("Enter a whole number from 1 to {MAX_RANK}."),
                );
                0
            }
        };
        let colour = parse_colour(&self.colour).unwrap_or_else(|| {
            errors.add(
                &level_field(index, "colour"),
                "Enter a colour as # and six hexadecimal digits, for example #b3261e.",
            );
            String::new()
        });
        ClassificationLevel {
            rank,
            name,
            colour,
            criteria,
            label,
            handling,
            storage,
            transfer_email,
            transfer_removable_media,
            transfer_third_parties,
            disposal,
        }
    }
}

/// `#rrggbb` in lower case, from the same in any case with spaces around it.
pub fn parse_colour(raw: &str) -> Option<String> {
    let digits = raw.trim().strip_prefix('#')?;
    (digits.len() == 6 && digits.chars().all(|c| c.is_ascii_hexdigit()))
        .then(|| format!("#{}", digits.to_ascii_lowercase()))
}

impl From<&ClassificationLevel> for ClassificationLevelInput {
    fn from(level: &ClassificationLevel) -> Self {
        Self {
            rank: level.rank.to_string(),
            name: level.name.clone(),
            colour: level.colour.clone(),
            criteria: level.criteria.clone(),
            label: level.label.clone(),
            handling: level.handling.clone(),
            storage: level.storage.clone(),
            transfer_email: level.transfer_email.clone(),
            transfer_removable_media: level.transfer_removable_media.clone(),
            transfer_third_parties: level.transfer_third_parties.clone(),
            disposal: level.disposal.clone(),
        }
    }
}

impl From<&ClassificationScheme> for ClassificationSchemeInput {
    fn from(scheme: &ClassificationScheme) -> Self {
        Self {
            levels: scheme.levels.iter().map(Into::into).collect(),
        }
    }
}

impl ClassificationScheme {
    /// Checks a scheme that did not come through [`ClassificationSchemeInput::parse`] (one
    /// read back from storage or built in code) by the same rules.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        ClassificationSchemeInput::from(self)
            .parse(self.version)
            .map(drop)
    }

    pub fn level(&self, rank: u8) -> Option<&ClassificationLevel> {
        self.levels.iter().find(|level| level.rank == rank)
    }

    /// Why an asset cannot be classified at `rank` (no level of this scheme has it), naming
    /// the levels it has; `None` when it can.
    pub fn refuse_rank(&self, rank: i64) -> Option<String> {
        if u8::try_from(rank)
            .ok()
            .and_then(|rank| self.level(rank))
            .is_some()
        {
            return None;
        }
        let names: Vec<String> = self
            .levels
            .iter()
            .map(|level| format!("{} ({})", level.rank, level.name))
            .collect();
        Some(format!(
            "Choose a level of the classification scheme: {}.",
            names.join(", ")
        ))
    }

    /// The level an import file or a search names: by rank (`3`), name (`confidential`) or
    /// label (`CONFIDENTIAL`), in any case.
    pub fn find_level(&self, raw: &str) -> Option<&ClassificationLevel> {
        let raw = raw.trim();
        if let Ok(rank) = raw.parse::<u8>() {
            return self.level(rank);
        }
        let wanted = raw.to_lowercase();
        self.levels.iter().find(|level| {
            level.name.to_lowercase() == wanted || level.label.to_lowercase() == wanted
        })
    }

    /// The scheme an organisation starts from, as version 1: Public, Internal, Confidential
    /// and Restricted. Every text is meant to be edited to fit the organisation.
    pub fn default_scheme() -> Self {
        Self {
            version: 1,
            levels: vec![public(), internal(), confidential(), restricted()],
        }
    }
}

/// Where a version of the scheme stands: the statuses every versioned record shares.
pub use crate::versions::VersionStatus as SchemeVersionStatus;

/// One version of an organisation's classification scheme, as stored. Versions are
/// numbered 1, 2, 3, ...; at most one is open (a draft, or waiting for a decision) and it is
/// the newest. The approved version with the highest number is the scheme in force.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchemeVersion {
    /// The scheme's id, the same for all its versions: the organisation's own id, since an
    /// organisation has one scheme. Approvals and audit events name the scheme by it.
    pub scheme_id: uuid::Uuid,
    /// The version's number: what approvals and people call "version 2".
    pub version: i64,
    pub status: SchemeVersionStatus,
    /// Ordered by rank, least sensitive first.
    pub levels: Vec<ClassificationLevel>,
    /// Counts the saves of the draft, so two people editing it cannot overwrite each other.
    pub revision: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub submitted_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub decided_at: Option<time::OffsetDateTime>,
}

/// The names the approval page gives the levels of a version, by position.
const LEVEL_NAMES: [&str; MAX_LEVELS] = [
    "Level 1", "Level 2", "Level 3", "Level 4", "Level 5", "Level 6", "Level 7", "Level 8",
];

impl SchemeVersion {
    /// The scheme this version holds.
    pub fn scheme(&self) -> ClassificationScheme {
        ClassificationScheme {
            version: self.version,
            levels: self.levels.clone(),
        }
    }

    pub fn title(&self) -> String {
        format!("Classification scheme, version {}", self.version)
    }

    /// What an approver signs: one entry per level, least sensitive first, with every rule
    /// of the level written out, so the comparison with the last approved version shows a
    /// changed rule under its level.
    pub fn content(&self) -> Vec<(&'static str, String)> {
        self.levels
            .iter()
            .zip(LEVEL_NAMES)
            .map(|(level, name)| (name, level.summary()))
            .collect()
    }
}

impl ClassificationLevel {
    /// The level and all its rules as one text, a rule a line.
    pub fn summary(&self) -> String {
        format!(
            "{} (rank {}, colour {})\n\
             Criteria: {}\n\
             Label: {}\n\
             Handling: {}\n\
             Storage: {}\n\
             Transfer by e-mail: {}\n\
             Transfer on removable media: {}\n\
             Transfer to third parties: {}\n\
             Disposal: {}",
            self.name,
            self.rank,
            self.colour,
            self.criteria,
            self.label,
            self.handling,
            self.storage,
            self.transfer_email,
            self.transfer_removable_media,
            self.transfer_third_parties,
            self.disposal
        )
    }

    /// The level's handling rules, each with the name a page gives it.
    pub fn rules(&self) -> [(&'static str, &str); 6] {
        [
            ("Handling", &self.handling),
            ("Storage", &self.storage),
            ("Transfer by e-mail", &self.transfer_email),
            (
                "Transfer on removable media",
                &self.transfer_removable_media,
            ),
            ("Transfer to third parties", &self.transfer_third_parties),
            ("Disposal", &self.disposal),
        ]
    }
}

/// Refuses a scheme that would leave assets classified at a rank it does not have:
/// `ranks_in_use` are the ranks assets hold. Assets store the rank, so a version may rename
/// or reword a level freely, but dropping or renumbering one in use would leave those
/// assets pointing at nothing.
pub fn check_ranks_in_use(
    scheme: &ClassificationScheme,
    ranks_in_use: &[i64],
) -> Result<(), ValidationErrors> {
    let mut missing: Vec<String> = ranks_in_use
        .iter()
        .filter(|rank| {
            !scheme
                .levels
                .iter()
                .any(|level| i64::from(level.rank) == **rank)
        })
        .map(ToString::to_string)
        .collect();
    missing.dedup();
    let message = match missing.as_slice() {
        [one] => format!(
            "Assets are classified at rank {one}, which this scheme does not have. Keep a \
             level at rank {one}, or reclassify those assets first."
        ),
        [rest @ .., last] => format!(
            "Assets are classified at ranks {} and {last}, which this scheme does not have. \
             Keep a level at each of these ranks, or reclassify those assets first.",
            rest.join(", ")
        ),
        [] => return Ok(()),
    };
    Err(ValidationErrors::single("levels", message))
}

fn public() -> ClassificationLevel {
    ClassificationLevel {
        rank: 1,
        name: "Public".into(),
        colour: "#2e7d32".into(),
        criteria: "Information the organisation has published or has agreed anyone may see: \
                   the website, brochures, published prices, job adverts, press releases. If \
                   a stranger reading it would harm or embarrass nobody, it is public."
            .into(),
        label: "PUBLIC".into(),
        handling: "Anyone may read it. Before passing it on, check it is the current approved \
                   version; only its owner changes what has been published."
            .into(),
        storage: "Anywhere the organisation works, including shared drives and the public \
                  website. Keep the master copy where its changes are tracked."
            .into(),
        transfer_email: "May be sent to anyone, inside or outside the organisation, without \
                         encryption."
            .into(),
        transfer_removable_media: "May be copied to memory sticks, disks and other media \
                                   without encryption."
            .into(),
        transfer_third_parties: "May be given to anyone; no agreement is needed.".into(),
        disposal: "Paper may go in the ordinary recycling bin. Files may be deleted the normal \
                   way."
            .into(),
    }
}

fn internal() -> ClassificationLevel {
    ClassificationLevel {
        rank: 2,
        name: "Internal".into(),
        colour: "#1f5fa8".into(),
        criteria: "Everyday working information meant for staff and contractors, whose leak \
                   would be awkward rather than harmful: procedures, the staff directory, \
                   project plans, meeting notes without personal or commercial detail. \
                   Information is internal unless it meets a higher level."
            .into(),
        label: "INTERNAL".into(),
        handling: "Share with staff and with contractors who work under the organisation's \
                   rules. Do not post it on public websites or social media, and lock your \
                   screen when you leave your desk."
            .into(),
        storage: "On systems and shared drives the organisation manages, open to staff only. \
                  Paper stays in the office and is not left in meeting rooms or at the \
                  printer."
            .into(),
        transfer_email: "May be e-mailed to staff and to contractors who need it. Send it \
                         outside the organisation only for a clear business reason, never to \
                         personal mailboxes."
            .into(),
        transfer_removable_media: "Only on encrypted devices issued by the organisation, and \
                                   only when a shared drive or link will not do."
            .into(),
        transfer_third_parties: "Only to suppliers, partners or clients who need it for their \
                                 work with us and are bound by a contract or confidentiality \
                                 terms."
            .into(),
        disposal: "Paper goes in the office's confidential-waste bins or a shredder, never in a \
                   public bin. Files are deleted and the recycle bin emptied."
            .into(),
    }
}

fn confidential() -> ClassificationLevel {
    ClassificationLevel {
        rank: 3,
        name: "Confidential".into(),
        colour: "#c77700".into(),
        criteria: "Information whose disclosure would harm the organisation, its clients or \
                   individuals: personal data about customers or staff, contracts and prices \
                   agreed with clients, unpublished financial results, source code, security \
                   test reports, and anything a client has entrusted to us."
            .into(),
        label: "CONFIDENTIAL".into(),
        handling: "Only people who need it for their work, as the owner decides. Do not read \
                   or discuss it where others can see or hear, collect printouts at once, and \
                   clear your desk when you leave it."
            .into(),
        storage: "Only in approved systems where access is limited to named people or \
                  groups; laptops and phones holding it are encrypted. Paper is locked in a \
                  drawer or cabinet when nobody is using it."
            .into(),
        transfer_email: "Encrypt the message, or send a link to an approved sharing service \
                         that only the recipients can open. Check every address before \
                         sending, and never forward it to a personal mailbox."
            .into(),
        transfer_removable_media: "Only with the owner's agreement, on an encrypted device \
                                   issued by the organisation; delete the copy as soon as it \
                                   has served its purpose."
            .into(),
        transfer_third_parties: "Only when the owner agrees and a signed contract or \
                                 non-disclosure agreement covers it; personal data also needs \
                                 a data processing agreement."
            .into(),
        disposal: "Paper must be shredded with a cross-cut shredder, or put in locked \
                   confidential-waste bins emptied by a certified disposal company. Delete \
                   files securely; storage devices are wiped or destroyed before they leave \
                   the organisation."
            .into(),
    }
}

fn restricted() -> ClassificationLevel {
    ClassificationLevel {
        rank: 4,
        name: "Restricted".into(),
        colour: "#b3261e".into(),
        criteria: "The most sensitive information, whose disclosure could do severe harm: \
                   health and other special-category personal data, encryption keys and \
                   administrator passwords, plans for mergers or acquisitions, and details of \
                   security incidents under investigation. Only people the owner names may \
                   see it."
            .into(),
        label: "RESTRICTED".into(),
        handling: "Only the people the owner has named, and a record is kept of who has \
                   access. Print only when the owner allows it, and never work on it in public \
                   places or on shared computers."
            .into(),
        storage: "Only in dedicated encrypted storage that needs multi-factor sign-in and logs \
                  every access; keys and passwords live in the approved vault. Paper is kept \
                  in a safe or a cabinet whose key only named people hold."
            .into(),
        transfer_email: "Never by ordinary e-mail. Use the approved end-to-end encrypted \
                         exchange, and send any password or key by a different channel."
            .into(),
        transfer_removable_media: "Not allowed, unless the owner approves in writing; then \
                                   only on a hardware-encrypted device whose handover is \
                                   recorded and which is wiped when it comes back."
            .into(),
        transfer_third_parties: "Only with the written approval of the owner and of senior \
                                 management, under a signed agreement and through an \
                                 encrypted channel; record what was sent, to whom and when."
            .into(),
        disposal: "Paper must be cross-cut shredded on site by the person holding it, or \
                   destroyed by a certified company that issues a certificate of \
                   destruction. Storage devices are physically destroyed and the destruction \
                   is recorded."
            .into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn level_input(rank: &str, name: &str) -> ClassificationLevelInput {
        let text = format!("Rule for {name}.");
        ClassificationLevelInput {
            rank: rank.into(),
            name: name.into(),
            colour: "#123ABC".into(),
            criteria: text.clone(),
            label: name.to_uppercase(),
            handling: text.clone(),
            storage: text.clone(),
            transfer_email: text.clone(),
            transfer_removable_media: text.clone(),
            transfer_third_parties: text.clone(),
            disposal: text,
        }
    }

    fn scheme_input(levels: &[(&str, &str)]) -> ClassificationSchemeInput {
        ClassificationSchemeInput {
            levels: levels
                .iter()
                .map(|(rank, name)| level_input(rank, name))
                .collect(),
        }
    }

    #[test]
    fn the_default_scheme_is_valid_and_ranks_public_to_restricted() {
        let scheme = ClassificationScheme::default_scheme();
        assert_eq!(scheme.validate(), Ok(()));
        let names: Vec<&str> = scheme.levels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Public", "Internal", "Confidential", "Restricted"]);
        assert_eq!(
            ClassificationSchemeInput::from(&scheme).parse(1),
            Ok(scheme)
        );
    }

    #[test]
    fn the_default_scheme_says_how_paper_is_disposed_of_at_each_level() {
        let scheme = ClassificationScheme::default_scheme();
        let disposal = |rank| scheme.level(rank).expect("level").disposal.as_str();
        assert!(disposal(1).contains("recycling bin"));
        assert!(disposal(3).contains("cross-cut shredder"));
        assert!(disposal(4).contains("certificate of destruction"));
    }

    #[test]
    fn parse_orders_levels_by_rank_and_normalises_colours() {
        let scheme = scheme_input(&[("6", "Secret"), ("2", "Open"), ("4", "Staff")])
            .parse(3)
            .expect("valid");
        let ranks: Vec<u8> = scheme.levels.iter().map(|l| l.rank).collect();
        assert_eq!(ranks, [2, 4, 6]);
        assert_eq!(scheme.version, 3);
        assert_eq!(scheme.levels[0].colour, "#123abc");
    }

    #[test]
    fn a_scheme_needs_two_to_eight_levels() {
        for count in [0usize, 1, 9] {
            let levels: Vec<(String, String)> = (1..=count)
                .map(|i| (i.to_string(), format!("Level {i}")))
                .collect();
            let levels: Vec<(&str, &str)> = levels
                .iter()
                .map(|(r, n)| (r.as_str(), n.as_str()))
                .collect();
            let errors = scheme_input(&levels).parse(1).expect_err("refused");
            assert_eq!(
                errors.for_field("levels"),
                Some(format!("Use between 2 and 8 levels; this scheme has {count}.").as_str())
            );
        }
    }

    #[test]
    fn names_labels_and_ranks_must_be_unique() {
        let mut raw = scheme_input(&[("1", "Open"), ("1", "open"), ("3", "Secret")]);
        raw.levels[2].label = "open".into();
        let errors = raw.parse(1).expect_err("refused");
        let fields: Vec<&str> = errors.fields.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "levels[1].rank",
                "levels[1].name",
                "levels[1].label",
                "levels[2].label"
            ]
        );
        assert_eq!(
            errors.for_field("levels[1].name"),
            Some("Another level already has this name: give each level its own.")
        );
    }

    #[test]
    fn ranks_and_colours_are_checked() {
        let mut raw = scheme_input(&[("0", "Open"), ("9", "Staff"), ("x", "Secret")]);
        raw.levels[0].colour = "123abc".into();
        raw.levels[1].colour = "#12345g".into();
        raw.levels[2].colour = " #ABCDEF ".into();
        let errors = raw.parse(1).expect_err("refused");
        for index in 0..3 {
            assert_eq!(
                errors.for_field(&level_field(index, "rank")),
                Some("Enter a whole number from 1 to 8.")
            );
        }
        assert!(errors.for_field("levels[0].colour").is_some());
        assert!(errors.for_field("levels[1].colour").is_some());
        assert_eq!(errors.for_field("levels[2].colour"), None);
        assert_eq!(parse_colour(" #ABCDEF "), Some("#abcdef".into()));
        assert_eq!(parse_colour("#abcdef0"), None);
        assert_eq!(parse_colour("#ab"), None);
    }

    #[test]
    fn every_text_is_required_and_only_rules_may_span_lines() {
        let mut raw = scheme_input(&[("1", "Open"), ("2", "Staff")]);
        raw.levels[0] = ClassificationLevelInput {
            rank: "1".into(),
            colour: "#000000".into(),
            ..ClassificationLevelInput::default()
        };
        let errors = raw.parse(1).expect_err("refused");
        for field in [
            "name",
            "criteria",
            "label",
            "handling",
            "storage",
            "transfer_email",
            "transfer_removable_media",
            "transfer_third_parties",
            "disposal",
        ] {
            assert_eq!(
                errors.for_field(&level_field(0, field)),
                Some("This field is required."),
                "{field}"
            );
            assert!(ClassificationSchemeInput::rule(field).required, "{field}");
        }
        let mut raw = scheme_input(&[("1", "Open"), ("2", "Staff")]);
        raw.levels[1].label = "TWO\nLINES".into();
        raw.levels[1].disposal = "Shred it.\r\nThen recycle.".into();
        raw.levels[1].criteria = "x".repeat(RULE_MAX + 1);
        let errors = raw.parse(1).expect_err("refused");
        assert!(errors.for_field("levels[1].label").is_some());
        assert_eq!(errors.for_field("levels[1].disposal"), None);
        assert_eq!(
            errors.for_field("levels[1].criteria"),
            Some("Use at most 2000 characters.")
        );
    }

    #[test]
    fn find_level_accepts_rank_name_or_label_in_any_case() {
        let scheme = ClassificationScheme::default_scheme();
        let found = |raw| scheme.find_level(raw).map(|level| level.rank);
        assert_eq!(found("3"), Some(3));
        assert_eq!(found(" internal "), Some(2));
        assert_eq!(found("RESTRICTED"), Some(4));
        assert_eq!(found("Secret"), None);
        assert_eq!(found("9"), None);
        assert_eq!(found(""), None);
    }

    fn version_of(scheme: ClassificationScheme) -> SchemeVersion {
        let at = time::OffsetDateTime::UNIX_EPOCH;
        SchemeVersion {
            scheme_id: uuid::Uuid::nil(),
            version: scheme.version,
            status: SchemeVersionStatus::Draft,
            levels: scheme.levels,
            revision: 1,
            created_at: at,
            updated_at: at,
            submitted_at: None,
            decided_at: None,
        }
    }

    #[test]
    fn a_version_is_signed_level_by_level_with_every_rule() {
        let version = version_of(ClassificationScheme::default_scheme());
        let content = version.content();
        let names: Vec<&str> = content.iter().map(|(name, _)| *name).collect();
        assert_eq!(names, ["Level 1", "Level 2", "Level 3", "Level 4"]);
        let confidential = &content[2].1;
        assert!(confidential.starts_with("Confidential (rank 3, colour #c77700)\n"));
        for rule in [
            "Criteria: ",
            "Label: CONFIDENTIAL",
            "Handling: ",
            "Storage: ",
            "Transfer by e-mail: ",
            "Transfer on removable media: ",
            "Transfer to third parties: ",
            "Disposal: Paper must be shredded",
        ] {
            assert!(confidential.contains(rule), "{rule}");
        }
        assert_eq!(version.title(), "Classification scheme, version 1");
        assert_eq!(version.scheme(), ClassificationScheme::default_scheme());
    }

    #[test]
    fn every_possible_level_has_a_name_on_the_approval_page() {
        let levels: Vec<(String, String)> = (1..=MAX_LEVELS)
            .map(|i| (i.to_string(), format!("Level {i}")))
            .collect();
        let levels: Vec<(&str, &str)> = levels
            .iter()
            .map(|(r, n)| (r.as_str(), n.as_str()))
            .collect();
        let scheme = scheme_input(&levels).parse(2).expect("valid");
        assert_eq!(version_of(scheme).content().len(), MAX_LEVELS);
    }

    #[test]
    fn a_scheme_must_keep_the_ranks_assets_are_classified_at() {
        let scheme = ClassificationScheme::default_scheme();
        assert_eq!(check_ranks_in_use(&scheme, &[]), Ok(()));
        assert_eq!(check_ranks_in_use(&scheme, &[1, 4]), Ok(()));
        let errors = check_ranks_in_use(&scheme, &[2, 5]).expect_err("refused");
        assert_eq!(
            errors.for_field("levels"),
            Some(
                "Assets are classified at rank 5, which this scheme does not have. Keep a \
                 level at rank 5, or reclassify those assets first."
            )
        );
        let errors = check_ranks_in_use(&scheme, &[6, 7, 9]).expect_err("refused");
        assert!(
            errors
                .for_field("levels")
                .is_some_and(|m| m.starts_with("Assets are classified at ranks 6, 7 and 9,"))
        );
    }
}
