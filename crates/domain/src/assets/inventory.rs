//! The inventory of information assets (ISO 27001 5.9): what the organisation protects, who
//! answers for it, how it is classified and how much a breach of its confidentiality,
//! integrity or availability would hurt.

use serde::{Deserialize, Serialize};
use time::Date;
use uuid::Uuid;

use crate::fields::{Choice, Day, FieldKind, Level, MaybeText, Member, Tags, Text};
use crate::list::{ListParams, ListRequest, enum_param};
use crate::validation::{Lines, ValidationErrors};

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

crate::record_fields! {
    /// The fields a person types, as text, before they are checked.
    pub struct AssetInput => AssetDraft, from Asset {
        name: String = Text::required(NAME_MAX, Lines::One), "Name";
        description: String = Text::optional(DESCRIPTION_MAX, Lines::Many), "Description";
        asset_type: AssetType = Choice::required("Choose what kind of asset this is."), "Type";
        owner_id: Option<Uuid> = Member, "Owner";
        custodian_id: Option<Uuid> = Member, "Custodian";
        location: String = Text::optional(LOCATION_MAX, Lines::One), "Location";
        /// The rank of its level in the organisation's classification scheme.
        classification: Option<i64> = Level(CLASSIFICATION_MAX), "Classification";
        /// Impact levels on the organisation's scale (1 = lowest).
        confidentiality: Option<i64> = Level(IMPACT_MAX), "Confidentiality";
        integrity: Option<i64> = Level(IMPACT_MAX), "Integrity";
        availability: Option<i64> = Level(IMPACT_MAX), "Availability";
        status: AssetStatus = Choice::or(AssetStatus::InUse), "Status";
        tags: Vec<String> = Tags { each: TAG_MAX, count: TAGS_MAX }, "Tags";
        external_id: Option<String> = MaybeText(EXTERNAL_ID_MAX), "External id";
        last_reviewed_on: Option<Date> = Day, "Last reviewed";
        next_review_on: Option<Date> = Day, "Next review";
    }
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
    /// The asset as the store keeps it once `draft` is inserted as asset `number`, at
    /// version 1, at `now` (to the store's precision): what a use case inserting thousands
    /// at once (an import) audits without reading each back. `member_name` names the owner
    /// and the custodian.
    pub fn inserted(
        id: Uuid,
        number: i64,
        draft: &AssetDraft,
        member_name: impl Fn(Uuid) -> Option<String>,
        now: time::OffsetDateTime,
    ) -> Self {
        let draft = draft.clone();
        Self {
            id,
            number,
            owner_name: draft.owner_id.and_then(&member_name),
            custodian_name: draft.custodian_id.and_then(&member_name),
            name: draft.name,
            description: draft.description,
            asset_type: draft.asset_type,
            owner_id: draft.owner_id,
            custodian_id: draft.custodian_id,
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
            created_at: now,
            updated_at: now,
        }
    }

    /// The asset as the store keeps it once `draft` is written over it at `now`: its next
    /// version (see [`Asset::inserted`]).
    pub fn updated(
        &self,
        draft: &AssetDraft,
        member_name: impl Fn(Uuid) -> Option<String>,
        now: time::OffsetDateTime,
    ) -> Self {
        Self {
            version: self.version + 1,
            created_at: self.created_at,
            ..Self::inserted(self.id, self.number, draft, member_name, now)
        }
    }

    pub fn reference(&self) -> String {
        AssetReference(self.number).to_string()
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

impl AssetDraft {
    /// Its C, I and A by field name.
    pub fn values(&self) -> [(&'static str, Option<i64>); 3] {
        [
            ("confidentiality", self.confidentiality),
            ("integrity", self.integrity),
            ("availability", self.availability),
        ]
    }
}

impl LinkedAsset {
    pub fn reference(&self) -> String {
        AssetReference(self.number).to_string()
    }
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
            classification: Level(CLASSIFICATION_MAX)
                .parse(&mut errors, "classification", &self.classification)
                .flatten(),
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
        let asset = Asset::inserted(
            Uuid::nil(),
            7,
            &draft,
            |_| None,
            time::OffsetDateTime::UNIX_EPOCH,
        );
        assert_eq!(asset.reference(), "AST-0007");
        let row = asset.csv_row();
        assert_eq!(row.len(), Asset::CSV_HEADER.len());
        assert_eq!(row[13], "crm, Customers");
    }
}
