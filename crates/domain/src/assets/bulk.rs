//! Changing many assets at once from the inventory: the owner, the classification, the status
//! or the next review date of every selected asset. Each field left empty is left as it is;
//! [`CLEAR`] empties it.

use serde::Deserialize;
use time::Date;
use uuid::Uuid;

use super::inventory::{AssetDraft, AssetStatus, CLASSIFICATION_MAX};
use crate::ValidationErrors;
use crate::fields::{Day, FieldKind, Level, Member};
use crate::list::enum_param;

/// The value of a bulk field that empties it ("no owner", "not classified").
pub const CLEAR: &str = "none";

/// How many assets one bulk change may touch: more than a page of the inventory holds.
pub const BULK_MAX: usize = 500;

/// The bulk form as typed: each field empty (leave it), [`CLEAR`], or a new value.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct AssetBulkInput {
    #[serde(default)]
    pub owner_id: String,
    #[serde(default)]
    pub classification: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub next_review_on: String,
}

/// What a bulk change does to each asset: `None` leaves a field as it is.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct AssetBulkChange {
    pub owner_id: Option<Option<Uuid>>,
    pub classification: Option<Option<i64>>,
    pub status: Option<AssetStatus>,
    pub next_review_on: Option<Option<Date>>,
}

/// A field that may be cleared: `None` to leave it, `Some(None)` to empty it.
fn clearable<K: FieldKind<Value = Option<T>>, T>(
    kind: &K,
    errors: &mut ValidationErrors,
    field: &str,
    raw: &str,
) -> Option<Option<T>> {
    match raw.trim() {
        "" => None,
        CLEAR => Some(None),
        raw => kind.parse(errors, field, raw),
    }
}

impl AssetBulkInput {
    pub fn parse(&self) -> Result<AssetBulkChange, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let change = AssetBulkChange {
            owner_id: clearable(&Member, &mut errors, "owner_id", &self.owner_id),
            classification: clearable(
                &Level(CLASSIFICATION_MAX),
                &mut errors,
                "classification",
                &self.classification,
            ),
            status: enum_param(&mut errors, "status", &self.status),
            next_review_on: clearable(&Day, &mut errors, "next_review_on", &self.next_review_on),
        };
        if errors.is_empty() && change == AssetBulkChange::default() {
            errors.add("change", "Choose at least one thing to change.");
        }
        errors.into_result(change)
    }
}

impl AssetBulkChange {
    /// `draft` with the change made.
    pub fn apply(&self, mut draft: AssetDraft) -> AssetDraft {
        if let Some(owner) = self.owner_id {
            draft.owner_id = owner;
        }
        if let Some(classification) = self.classification {
            draft.classification = classification;
        }
        if let Some(status) = self.status {
            draft.status = status;
        }
        if let Some(due) = self.next_review_on {
            draft.next_review_on = due;
        }
        draft
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::assets::AssetInput;

    #[test]
    fn empty_fields_are_left_alone_and_none_clears() {
        let change = AssetBulkInput {
            owner_id: CLEAR.into(),
            classification: "3".into(),
            ..AssetBulkInput::default()
        }
        .parse()
        .expect("valid");
        let draft = AssetInput {
            name: "Laptop".into(),
            asset_type: "hardware".into(),
            owner_id: Uuid::nil().to_string(),
            classification: "1".into(),
            next_review_on: "2027-01-31".into(),
            ..AssetInput::default()
        }
        .parse()
        .expect("draft");
        let changed = change.apply(draft.clone());
        assert_eq!(changed.owner_id, None);
        assert_eq!(changed.classification, Some(3));
        assert_eq!(changed.next_review_on, draft.next_review_on);
        assert_eq!(changed.status, draft.status);
    }

    #[test]
    fn a_change_of_nothing_or_of_bad_values_is_refused_by_field() {
        let nothing = AssetBulkInput::default().parse().expect_err("nothing");
        assert!(nothing.for_field("change").is_some());
        let bad = AssetBulkInput {
            owner_id: "someone".into(),
            classification: "9".into(),
            status: "lost".into(),
            next_review_on: "soon".into(),
        }
        .parse()
        .expect_err("bad");
        for field in ["owner_id", "classification", "status", "next_review_on"] {
            assert!(bad.for_field(field).is_some(), "{field}");
        }
    }
}
