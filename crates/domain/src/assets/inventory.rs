//! The inventory of information assets (ISO 27001 5.9): what the organisation protects, who
//! answers for it, how it is classified and how much a breach of its confidentiality,
//! integrity or availability would hurt.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::context::FieldRule;
use crate::list::{ListParams, ListRequest, enum_param};
use crate::validation::{Lines, ValidationErrors, optional_text, required_text};

crate::text_enum! {
    /// What kind of thing an asset is.
    pub enum AssetType {
        Information => "information", "Information";
        Software => "software", "Software";
        Hardware => "hardware", "Hardware";
        Service => "service", "Service";
        People => "people", "People";
        Site => "site", "Site";
    }
}

crate::text_enum! {
    /// Where an asset is in its life.
    pub enum AssetStatus {
        Planned => "planned", "Planned";
        InUse => "in_use", "In use";
        Retired => "retired", "Retired";
    }
}

pub const NAME_MAX: usize = 200;
pub const DESCRIPTION_MAX: usize = 4000;
pub const LOCATION_MAX: usize = 200;
pub const EXTERNAL_ID_MAX: usize = 100;
pub const TAG_MAX: usize = 40;
pub const TAGS_MAX: usize = 20;
/// The highest impact level any scale has (scales have 3 to 6 levels).
pub const IMPACT_MAX: i64 = 6;
/// The highest classification rank any scheme has.
pub const CLASSIFICATION_MAX: i64 = 8;

/// The fields a person types, as text, before they are checked.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssetInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub asset_type: String,
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub custodian_id: String,
    #[serde(default)]
    pub location: String,
    #[serde(default)]
    pub classification: String,
    #[serde(default)]
    pub confidentiality: String,
    #[serde(default)]
    pub integrity: String,
    #[serde(default)]
    pub availability: String,
    #[serde(default)]
    pub status: String,
    /// Comma-separated.
    #[serde(default)]
    pub tags: String,
    #[serde(default)]
    pub external_id: String,
    #[serde(default)]
    pub last_reviewed_on: String,
    #[serde(default)]
    pub next_review_on: String,
}

/// A checked asset, ready to store.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AssetDraft {
    pub name: String,
    pub description: String,
    pub asset_type: AssetType,
    pub owner_id: Option<Uuid>,
    pub custodian_id: Option<Uuid>,
    pub location: String,
    /// The rank of its level in the organisation's classification scheme.
    pub classification: Option<i64>,
    /// Impact levels on the organisation's scale (1 = lowest).
    pub confidentiality: Option<i64>,
    pub integrity: Option<i64>,
    pub availability: Option<i64>,
    pub status: AssetStatus,
    pub tags: Vec<String>,
    pub external_id: Option<String>,
    pub last_reviewed_on: Option<Date>,
    pub next_review_on: Option<Date>,
}

impl AssetInput {
    /// What a form must ask of `field` (required, longest text).
    pub fn rule(field: &str) -> FieldRule {
        let rule = |required, max| FieldRule {
            required,
            max_chars: Some(max),
        };
        match field {
            "name" => rule(true, NAME_MAX),
            "description" => rule(false, DESCRIPTION_MAX),
            "location" => rule(false, LOCATION_MAX),
            "external_id" => rule(false, EXTERNAL_ID_MAX),
            "tags" => rule(false, TAGS_MAX * (TAG_MAX + 2)),
            "asset_type" => FieldRule {
                required: true,
                max_chars: None,
            },
            _ => FieldRule::default(),
        }
    }

    pub fn parse(&self) -> Result<AssetDraft, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let name = required_text(&mut errors, "name", &self.name, NAME_MAX, Lines::One);
        let description = optional_text(
            &mut errors,
            "description",
            &self.description,
            DESCRIPTION_MAX,
            Lines::Many,
        );
        let location = optional_text(
            &mut errors,
            "location",
            &self.location,
            LOCATION_MAX,
            Lines::One,
        );
        let asset_type = match self.asset_type.trim() {
            "" => {
                errors.add("asset_type", "Choose what kind of asset this is.");
                None
            }
            _ => enum_param(&mut errors, "asset_type", &self.asset_type),
        };
        let status = match self.status.trim() {
            "" => Some(AssetStatus::InUse),
            _ => enum_param(&mut errors, "status", &self.status),
        };
        let owner_id = member_id(&mut errors, "owner_id", &self.owner_id);
        let custodian_id = member_id(&mut errors, "custodian_id", &self.custodian_id);
        let classification = level(
            &mut errors,
            "classification",
            &self.classification,
            CLASSIFICATION_MAX,
        );
        let confidentiality = level(
            &mut errors,
            "confidentiality",
            &self.confidentiality,
            IMPACT_MAX,
        );
        let integrity = level(&mut errors, "integrity", &self.integrity, IMPACT_MAX);
        let availability = level(&mut errors, "availability", &self.availability, IMPACT_MAX);
        let tags = tags(&mut errors, &self.tags);
        let external_id = optional_text(
            &mut errors,
            "external_id",
            &self.external_id,
            EXTERNAL_ID_MAX,
            Lines::One,
        );
        let last_reviewed_on = date(&mut errors, "last_reviewed_on", &self.last_reviewed_on);
        let next_review_on = date(&mut errors, "next_review_on", &self.next_review_on);
        match (asset_type, status, errors.is_empty()) {
            (Some(asset_type), Some(status), true) => Ok(AssetDraft {
                name,
                description,
                asset_type,
                owner_id,
                custodian_id,
                location,
                classification,
                confidentiality,
                integrity,
                availability,
                status,
                tags,
                external_id: (!external_id.is_empty()).then_some(external_id),
                last_reviewed_on,
                next_review_on,
            }),
            _ => Err(errors),
        }
    }
}

fn member_id(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<Uuid> {
    match raw.trim() {
        "" => None,
        raw => Uuid::parse_str(raw)
            .map_err(|_| errors.add(field, "Choose a member from the list."))
            .ok(),
    }
}

/// A level from 1 to `max`, or none.
fn level(errors: &mut ValidationErrors, field: &str, raw: &str, max: i64) -> Option<i64> {
    match raw.trim() {
        "" => None,
        raw => match raw.parse::<i64>() {
            Ok(value) if (1..=max).contains(&value) => Some(value),
            _ => {
                errors.add(field, format!("Choose a level from 1 to {max}, or none."));
                None
            }
        },
    }
}

fn date(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<Date> {
    match raw.trim() {
        "" => None,
        raw => match crate::dates::parse_iso_date(raw) {
            Some(date) => Some(date),
            None => {
                errors.add(field, "Enter a date as YYYY-MM-DD.");
                None
            }
        },
    }
}

/// Tags as typed, comma-separated: trimmed, empty ones dropped, duplicates (ignoring case)
/// kept once, in the order given.
fn tags(errors: &mut ValidationErrors, raw: &str) -> Vec<String> {
    let mut kept: Vec<String> = Vec::new();
    for tag in raw.split(',') {
        let mut own = ValidationErrors::new();
        let tag = optional_text(&mut own, "tags", tag, TAG_MAX, Lines::One);
        if !own.is_empty() {
            errors.fields.extend(own.fields);
            return Vec::new();
        }
        if !tag.is_empty() && !kept.iter().any(|k| k.eq_ignore_ascii_case(&tag)) {
            kept.push(tag);
        }
    }
    if kept.len() > TAGS_MAX {
        errors.add("tags", format!("Use at most {TAGS_MAX} tags."));
    }
    kept
}

/// How people cite asset number `number`: `AST-0001`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssetReference(pub i64);

impl std::fmt::Display for AssetReference {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "AST-{:04}", self.0)
    }
}

impl Serialize for AssetReference {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// A stored asset. It reads back from its audit-trail snapshot, like every record.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Asset {
    pub id: Uuid,
    /// Per-organisation number shown as `AST-0001`.
    pub number: i64,
    pub name: String,
    pub description: String,
    pub asset_type: AssetType,
    pub owner_id: Option<Uuid>,
    pub owner_name: Option<String>,
    pub custodian_id: Option<Uuid>,
    pub custodian_name: Option<String>,
    pub location: String,
    pub classification: Option<i64>,
    pub confidentiality: Option<i64>,
    pub integrity: Option<i64>,
    pub availability: Option<i64>,
    pub status: AssetStatus,
    pub tags: Vec<String>,
    pub external_id: Option<String>,
    pub last_reviewed_on: Option<Date>,
    pub next_review_on: Option<Date>,
    pub version: i64,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub updated_at: time::OffsetDateTime,
}

impl Asset {
    pub fn reference(&self) -> String {
        AssetReference(self.number).to_string()
    }

    /// True when `draft` would change anything stored.
    pub fn differs_from(&self, draft: &AssetDraft) -> bool {
        self.name != draft.name
            || self.description != draft.description
            || self.asset_type != draft.asset_type
            || self.owner_id != draft.owner_id
            || self.custodian_id != draft.custodian_id
            || self.location != draft.location
            || self.classification != draft.classification
            || self.confidentiality != draft.confidentiality
            || self.integrity != draft.integrity
            || self.availability != draft.availability
            || self.status != draft.status
            || self.tags != draft.tags
            || self.external_id != draft.external_id
            || self.last_reviewed_on != draft.last_reviewed_on
            || self.next_review_on != draft.next_review_on
    }

    /// The columns of the register's CSV export, in the order of [`Asset::csv_row`]; the
    /// import reads the same names.
    pub const CSV_HEADER: [&'static str; 17] = [
        "reference",
        "external_id",
        "name",
        "type",
        "description",
        "owner",
        "custodian",
        "location",
        "classification",
        "confidentiality",
        "integrity",
        "availability",
        "status",
        "tags",
        "last_reviewed_on",
        "next_review_on",
        "updated_at",
    ];

    pub fn csv_row(self) -> Vec<String> {
        let level = |value: Option<i64>| value.map(|v| v.to_string()).unwrap_or_default();
        let day = |value: Option<Date>| value.map(|d| d.to_string()).unwrap_or_default();
        vec![
            self.reference(),
            self.external_id.unwrap_or_default(),
            self.name,
            self.asset_type.as_str().into(),
            self.description,
            self.owner_name.unwrap_or_default(),
            self.custodian_name.unwrap_or_default(),
            self.location,
            level(self.classification),
            level(self.confidentiality),
            level(self.integrity),
            level(self.availability),
            self.status.as_str().into(),
            self.tags.join(", "),
            day(self.last_reviewed_on),
            day(self.next_review_on),
            crate::dates::rfc3339(self.updated_at),
        ]
    }
}

/// A neighbour of an asset in the support graph, as its page lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LinkedAsset {
    pub id: Uuid,
    pub number: i64,
    pub name: String,
}

crate::text_enum! {
    /// Columns an asset list may be sorted by.
    pub enum AssetSort {
        Number => "number" | "reference", "Reference";
        Name => "name", "Name";
        Type => "type", "Type";
        Classification => "classification", "Classification";
        Status => "status", "Status";
        NextReview => "next_review_on", "Next review";
        UpdatedAt => "updated_at", "Last changed";
    }
}

/// What an asset list is filtered by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssetFilter {
    pub search: Option<String>,
    pub asset_type: Option<AssetType>,
    pub status: Option<AssetStatus>,
    pub owner_id: Option<Uuid>,
    pub classification: Option<i64>,
}

/// A checked request for a page of the asset inventory.
pub type AssetList = ListRequest<AssetFilter, AssetSort>;

/// The filters of the asset inventory as a query string carries them, for the API and the
/// pages alike.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssetFilterParams {
    #[serde(default, rename = "type")]
    #[param(rename = "type", value_type = Option<AssetType>)]
    pub asset_type: String,
    #[serde(default)]
    #[param(value_type = Option<AssetStatus>)]
    pub status: String,
    pub owner_id: Option<Uuid>,
    /// The rank of a classification level.
    #[serde(default)]
    #[param(value_type = Option<i64>)]
    pub classification: String,
    #[serde(default)]
    #[param(value_type = Option<AssetSort>)]
    pub sort: String,
}

impl AssetFilterParams {
    /// The checked request, or every problem with it by parameter name.
    pub fn request(&self, list: &ListParams) -> Result<AssetList, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let filter = AssetFilter {
            search: list.search(&mut errors),
            asset_type: enum_param(&mut errors, "type", &self.asset_type),
            status: enum_param(&mut errors, "status", &self.status),
            owner_id: self.owner_id,
            classification: level(
                &mut errors,
                "classification",
                &self.classification,
                CLASSIFICATION_MAX,
            ),
        };
        let number = AssetSort::Number;
        list.request(filter, &self.sort, number, number, errors)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> AssetInput {
        AssetInput {
            name: "Customer database".into(),
            asset_type: "information".into(),
            confidentiality: "3".into(),
            tags: "crm, Customers, crm,  ".into(),
            next_review_on: "2027-03-31".into(),
            ..AssetInput::default()
        }
    }

    #[test]
    fn a_valid_asset_is_in_use_unless_told_otherwise_and_keeps_each_tag_once() {
        let draft = valid().parse().expect("valid");
        assert_eq!(draft.status, AssetStatus::InUse);
        assert_eq!(draft.asset_type, AssetType::Information);
        assert_eq!(draft.confidentiality, Some(3));
        assert_eq!(draft.integrity, None);
        assert_eq!(draft.tags, vec!["crm".to_owned(), "Customers".to_owned()]);
        assert_eq!(draft.external_id, None);
    }

    #[test]
    fn every_bad_field_is_named() {
        let input = AssetInput {
            name: " ".into(),
            asset_type: "spaceship".into(),
            owner_id: "nobody".into(),
            classification: "9".into(),
            confidentiality: "0".into(),
            integrity: "high".into(),
            availability: "7".into(),
            status: "lost".into(),
            next_review_on: "31/03/2027".into(),
            ..AssetInput::default()
        };
        let errors = input.parse().expect_err("invalid");
        for field in [
            "name",
            "asset_type",
            "owner_id",
            "classification",
            "confidentiality",
            "integrity",
            "availability",
            "status",
            "next_review_on",
        ] {
            assert!(errors.for_field(field).is_some(), "{field}");
        }
    }

    #[test]
    fn control_characters_are_refused_in_tags_and_line_breaks_in_the_name() {
        let tagged = AssetInput {
            tags: "ok, bad\u{0}".into(),
            ..valid()
        };
        assert!(tagged.parse().expect_err("nul").for_field("tags").is_some());
        let named = AssetInput {
            name: "two\nlines".into(),
            ..valid()
        };
        assert!(
            named
                .parse()
                .expect_err("lines")
                .for_field("name")
                .is_some()
        );
    }

    #[test]
    fn the_csv_row_has_a_cell_per_header() {
        let draft = valid().parse().expect("valid");
        let asset = Asset {
            id: Uuid::nil(),
            number: 7,
            name: draft.name,
            description: draft.description,
            asset_type: draft.asset_type,
            owner_id: None,
            owner_name: None,
            custodian_id: None,
            custodian_name: None,
            location: draft.location,
            classification: draft.classification,
            confidentiality: draft.confidentiality,
            integrity: draft.integrity,
            availability: draft.availability,
            status: draft.status,
            tags: draft.tags,
            external_id: draft.external_id,
            last_reviewed_on: draft.last_reviewed_on,
            next_review_on: draft.next_review_on,
            version: 1,
            created_at: time::OffsetDateTime::UNIX_EPOCH,
            updated_at: time::OffsetDateTime::UNIX_EPOCH,
        };
        assert_eq!(asset.reference(), "AST-0007");
        let row = asset.csv_row();
        assert_eq!(row.len(), Asset::CSV_HEADER.len());
        assert_eq!(row[13], "crm, Customers");
    }
}
