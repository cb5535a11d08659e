//! A record's input fields, declared once with [`record_fields!`]: each field's name, the
//! type it is checked into, the rule that checks it (a [`FieldKind`]) and its label. From that
//! one declaration come the raw input a form or the API fills in, the checked draft, `parse`
//! (every field's message at once), the rules forms show (required, longest text), the labels
//! the error summary uses, the way back from a draft to form text, and the values the store
//! writes, in declaration order.

use std::marker::PhantomData;

use time::Date;
use uuid::Uuid;

use crate::ValidationErrors;
use crate::text_enum::TextEnum;
use crate::validation::{Lines, optional_text, required_text};

/// What a form must ask of one input field, taken from the rule `parse` applies, so the
/// browser's checks and the server's cannot drift apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FieldRule {
    pub required: bool,
    /// Longest accepted text, in characters.
    pub max_chars: Option<usize>,
}

/// How one field is checked and written back as text.
pub trait FieldKind {
    type Value;
    /// The checked value, or `None` after adding to `errors` why not.
    fn parse(&self, errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<Self::Value>;
    /// The value as a form shows it; parsing it again gives the value back.
    fn text(&self, value: &Self::Value) -> String;
    fn rule(&self) -> FieldRule {
        FieldRule::default()
    }
}

/// The rule of a field whose kind checks into `V` (ties a generic kind to its field's type).
pub fn rule_of<V, K: FieldKind<Value = V>>(kind: &K) -> FieldRule {
    kind.rule()
}

/// Text through the one text rule ([`crate::validation::clean_text`]), trimmed.
pub struct Text {
    pub max: usize,
    pub lines: Lines,
    pub required: bool,
}

impl Text {
    pub const fn required(max: usize, lines: Lines) -> Self {
        Self {
            max,
            lines,
            required: true,
        }
    }

    pub const fn optional(max: usize, lines: Lines) -> Self {
        Self {
            max,
            lines,
            required: false,
        }
    }
}

impl FieldKind for Text {
    type Value = String;

    fn parse(&self, errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<String> {
        Some(if self.required {
            required_text(errors, field, raw, self.max, self.lines)
        } else {
            optional_text(errors, field, raw, self.max, self.lines)
        })
    }

    fn text(&self, value: &String) -> String {
        value.clone()
    }

    fn rule(&self) -> FieldRule {
        FieldRule {
            required: self.required,
            max_chars: Some(self.max),
        }
    }
}

/// Optional one-line text that is absent when empty (an external id, a unit).
pub struct MaybeText(pub usize);

impl FieldKind for MaybeText {
    type Value = Option<String>;

    fn parse(&self, errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<Self::Value> {
        let text = optional_text(errors, field, raw, self.0, Lines::One);
        Some((!text.is_empty()).then_some(text))
    }

    fn text(&self, value: &Self::Value) -> String {
        value.clone().unwrap_or_default()
    }

    fn rule(&self) -> FieldRule {
        FieldRule {
            required: false,
            max_chars: Some(self.0),
        }
    }
}

/// A value of a text enum that must be given: `missing` says so when it is not, unless a
/// `default` stands in.
pub struct Choice<E> {
    missing: &'static str,
    default: Option<E>,
}

impl<E> Choice<E> {
    pub const fn required(missing: &'static str) -> Self {
        Self {
            missing,
            default: None,
        }
    }

    /// `default` when the field is left empty.
    pub const fn or(default: E) -> Self {
        Self {
            missing: "",
            default: Some(default),
        }
    }
}

impl<E: TextEnum> FieldKind for Choice<E> {
    type Value = E;

    fn parse(&self, errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<E> {
        match (raw.trim(), self.default) {
            ("", Some(default)) => Some(default),
            ("", None) => {
                errors.add(field, self.missing);
                None
            }
            _ => crate::list::enum_param(errors, field, raw),
        }
    }

    fn text(&self, value: &E) -> String {
        value.as_str().to_owned()
    }

    fn rule(&self) -> FieldRule {
        FieldRule {
            required: self.default.is_none(),
            max_chars: None,
        }
    }
}

/// A value of a text enum, or none when empty.
pub struct MaybeChoice<E>(PhantomData<E>);

impl<E> MaybeChoice<E> {
    pub const fn new() -> Self {
        Self(PhantomData)
    }
}

impl<E> Default for MaybeChoice<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: TextEnum> FieldKind for MaybeChoice<E> {
    type Value = Option<E>;

    fn parse(&self, errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<Self::Value> {
        match raw.trim() {
            "" => Some(None),
            _ => crate::list::enum_param(errors, field, raw).map(Some),
        }
    }

    fn text(&self, value: &Self::Value) -> String {
        value.map(|v| v.as_str().to_owned()).unwrap_or_default()
    }
}

/// A level from 1 to the given highest, or none.
pub struct Level(pub i64);

impl FieldKind for Level {
    type Value = Option<i64>;

    fn parse(&self, errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<Self::Value> {
        match raw.trim() {
            "" => Some(None),
            raw => match raw.parse::<i64>() {
                Ok(value) if (1..=self.0).contains(&value) => Some(Some(value)),
                _ => {
                    let highest = self.0;
                    errors.add(
                        field,
                        format!("Choose a level from 1 to {highest}, or none."),
                    );
                    None
                }
            },
        }
    }

    fn text(&self, value: &Self::Value) -> String {
        value.map(|v| v.to_string()).unwrap_or_default()
    }
}

/// A whole amount from 0 to `.0` (a cost in whole currency units), or none. Spaces and
/// thousands separators people type (`12 500`, `12,500`) are allowed.
pub struct Amount(pub i64);

impl FieldKind for Amount {
    type Value = Option<i64>;

    fn parse(&self, errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<Self::Value> {
        let digits: String = raw
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | ',' | '_' | '\u{a0}'))
            .collect();
        if digits.is_empty() {
            return Some(None);
        }
        match digits.parse::<i64>() {
            Ok(value) if (0..=self.0).contains(&value) => Some(Some(value)),
            _ => {
                errors.add(
                    field,
                    format!("Enter a whole amount from 0 to {}, or nothing.", self.0),
                );
                None
            }
        }
    }

    fn text(&self, value: &Self::Value) -> String {
        value.map(|v| v.to_string()).unwrap_or_default()
    }
}

/// A finite number, or none; `invalid` says what to type instead.
pub struct Number {
    pub invalid: &'static str,
}

impl FieldKind for Number {
    type Value = Option<f64>;

    fn parse(&self, errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<Self::Value> {
        match raw.trim() {
            "" => Some(None),
            raw => match raw.parse::<f64>() {
                Ok(value) if value.is_finite() => Some(Some(value)),
                _ => {
                    errors.add(field, self.invalid);
                    None
                }
            },
        }
    }

    fn text(&self, value: &Self::Value) -> String {
        value.map(|v| v.to_string()).unwrap_or_default()
    }
}

/// A member of the organisation chosen from a list (that they are one is the app's check),
/// or none.
pub struct Member;

impl FieldKind for Member {
    type Value = Option<Uuid>;

    fn parse(&self, errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<Self::Value> {
        match raw.trim() {
            "" => Some(None),
            raw => match Uuid::parse_str(raw) {
                Ok(id) => Some(Some(id)),
                Err(_) => {
                    errors.add(field, "Choose a member from the list.");
                    None
                }
            },
        }
    }

    fn text(&self, value: &Self::Value) -> String {
        value.map(|id| id.to_string()).unwrap_or_default()
    }
}

/// A record of the organisation chosen from a list (a threat of its catalogue, an asset), or
/// none; `.0` says what to choose when the text is no id. That the record exists in the
/// organisation is the app's check.
pub struct Pick(pub &'static str);

impl FieldKind for Pick {
    type Value = Option<Uuid>;

    fn parse(&self, errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<Self::Value> {
        match raw.trim() {
            "" => Some(None),
            raw => match Uuid::parse_str(raw) {
                Ok(id) => Some(Some(id)),
                Err(_) => {
                    errors.add(field, self.0);
                    None
                }
            },
        }
    }

    fn text(&self, value: &Self::Value) -> String {
        value.map(|id| id.to_string()).unwrap_or_default()
    }
}

/// A yes-or-no field: a ticked checkbox sends `on` (forms) or `true` (API clients); an
/// unticked one sends nothing.
pub struct Flag;

impl FieldKind for Flag {
    type Value = bool;

    fn parse(&self, errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<bool> {
        match raw.trim() {
            "" | "false" | "off" | "0" => Some(false),
            "on" | "true" | "1" => Some(true),
            _ => {
                errors.add(field, "Tick the box or leave it empty.");
                None
            }
        }
    }

    fn text(&self, value: &bool) -> String {
        if *value { "on".into() } else { String::new() }
    }
}

/// A calendar date written `YYYY-MM-DD`, or none.
pub struct Day;

impl FieldKind for Day {
    type Value = Option<Date>;

    fn parse(&self, errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<Self::Value> {
        match raw.trim() {
            "" => Some(None),
            raw => match crate::dates::parse_iso_date(raw) {
                Some(date) => Some(Some(date)),
                None => {
                    errors.add(field, "Enter a date as YYYY-MM-DD.");
                    None
                }
            },
        }
    }

    fn text(&self, value: &Self::Value) -> String {
        value.map(|d| d.to_string()).unwrap_or_default()
    }
}

/// Tags typed comma-separated: trimmed, empty ones dropped, duplicates (ignoring case) kept
/// once in the order given; each at most `each` characters, at most `count` of them.
pub struct Tags {
    pub each: usize,
    pub count: usize,
}

impl FieldKind for Tags {
    type Value = Vec<String>;

    fn parse(&self, errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<Vec<String>> {
        let mut kept: Vec<String> = Vec::new();
        for tag in raw.split(',') {
            let mut own = ValidationErrors::new();
            let tag = optional_text(&mut own, field, tag, self.each, Lines::One);
            if !own.is_empty() {
                errors.fields.extend(own.fields);
                return None;
            }
            if !tag.is_empty() && !kept.iter().any(|k| k.eq_ignore_ascii_case(&tag)) {
                kept.push(tag);
            }
        }
        if kept.len() > self.count {
            errors.add(field, format!("Use at most {} tags.", self.count));
            return None;
        }
        Some(kept)
    }

    fn text(&self, value: &Vec<String>) -> String {
        value.join(", ")
    }

    fn rule(&self) -> FieldRule {
        FieldRule {
            required: false,
            max_chars: Some(self.count * (self.each + 2)),
        }
    }
}

/// A checked field's value as the store binds it, so a register's statements take their
/// parameters from the declaration instead of naming each field again.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum StoredValue<'a> {
    Text(Option<&'a str>),
    Int(Option<i64>),
    Float(Option<f64>),
    Uuid(Option<Uuid>),
    Date(Option<Date>),
    /// A list the store keeps in one text column.
    List(&'a [String]),
    Bool(bool),
}

/// How a checked value is stored.
pub trait Stored {
    fn stored(&self) -> StoredValue<'_>;
}

impl Stored for String {
    fn stored(&self) -> StoredValue<'_> {
        StoredValue::Text(Some(self))
    }
}

impl Stored for Option<String> {
    fn stored(&self) -> StoredValue<'_> {
        StoredValue::Text(self.as_deref())
    }
}

impl Stored for Option<i64> {
    fn stored(&self) -> StoredValue<'_> {
        StoredValue::Int(*self)
    }
}

impl Stored for Option<f64> {
    fn stored(&self) -> StoredValue<'_> {
        StoredValue::Float(*self)
    }
}

impl Stored for Option<Uuid> {
    fn stored(&self) -> StoredValue<'_> {
        StoredValue::Uuid(*self)
    }
}

impl Stored for Option<Date> {
    fn stored(&self) -> StoredValue<'_> {
        StoredValue::Date(*self)
    }
}

impl Stored for bool {
    fn stored(&self) -> StoredValue<'_> {
        StoredValue::Bool(*self)
    }
}

impl Stored for Vec<String> {
    fn stored(&self) -> StoredValue<'_> {
        StoredValue::List(self)
    }
}

impl<E: TextEnum> Stored for E {
    fn stored(&self) -> StoredValue<'_> {
        StoredValue::Text(Some(self.as_str()))
    }
}

impl<E: TextEnum> Stored for Option<E> {
    fn stored(&self) -> StoredValue<'_> {
        StoredValue::Text(self.map(|v| v.as_str()))
    }
}

/// Declares a record's input fields:
///
/// ```ignore
/// record_fields! {
///     /// The fields a person types, as text, before they are checked.
///     pub struct AssetInput => AssetDraft, from Asset {
///         name: String = Text::required(NAME_MAX, Lines::One), "Name";
///         asset_type: AssetType = Choice::required("Choose what kind of asset this is."), "Type";
///         owner_id: Option<Uuid> = Member, "Owner";
///     }
/// }
/// ```
///
/// gives `AssetInput` (every field a `String`, missing ones empty), `AssetDraft` (the checked
/// types), `AssetInput::parse`, `AssetInput::rule(field)`, `AssetInput::FIELDS` (name and
/// label, in order), `AssetDraft::to_input`, `AssetDraft::stored_values` (in the same order)
/// and, with `from Asset`, `AssetDraft: From<&Asset>` and `AssetDraft::differs_from(&Asset)`.
/// `check = path;` after the fields names a function `fn(&Draft, &mut ValidationErrors)` for
/// rules across fields, run once every field has parsed.
#[macro_export]
macro_rules! record_fields {
    (@from [] $draft:ident { $($field:ident),+ }) => {};
    (@from [$record:ident] $draft:ident { $($field:ident),+ }) => {
        impl From<&$record> for $draft {
            fn from(record: &$record) -> Self {
                Self { $($field: record.$field.clone(),)+ }
            }
        }

        impl $draft {
            /// True when storing this draft would change `record`.
            pub fn differs_from(&self, record: &$record) -> bool {
                *self != Self::from(record)
            }
        }
    };
    (
        $(#[$input_meta:meta])*
        $vis:vis struct $input:ident => $draft:ident $(, from $record:ident)? {
            $(
                $(#[$field_meta:meta])*
                $field:ident: $ty:ty = $kind:expr, $label:literal;
            )+
        }
        $(check = $check:path;)?
    ) => {
        $(#[$input_meta])*
        #[derive(Debug, Clone, Default, ::serde::Deserialize)]
        $vis struct $input {
            $(
                #[serde(default)]
                pub $field: String,
            )+
        }

        #[doc = concat!("A checked [`", stringify!($input), "`], ready to store.")]
        #[derive(Debug, Clone, PartialEq, ::serde::Serialize)]
        $vis struct $draft {
            $(
                $(#[$field_meta])*
                pub $field: $ty,
            )+
        }

        impl $input {
            /// Every field's name and label, in declaration order.
            pub const FIELDS: &'static [(&'static str, &'static str)] =
                &[$((stringify!($field), $label)),+];

            /// What a form must ask of `field`.
            pub fn rule(field: &str) -> $crate::fields::FieldRule {
                match field {
                    $(stringify!($field) => $crate::fields::rule_of::<$ty, _>(&$kind),)+
                    _ => $crate::fields::FieldRule::default(),
                }
            }

            /// The checked draft, or every problem with it by field.
            pub fn parse(&self) -> Result<$draft, $crate::ValidationErrors> {
                #[allow(unused_mut)]
                let mut errors = $crate::ValidationErrors::new();
                $(
                    let $field: Option<$ty> = $crate::fields::FieldKind::parse(
                        &$kind, &mut errors, stringify!($field), &self.$field,
                    );
                )+
                match ($($field,)+) {
                    ($(Some($field),)+) if errors.is_empty() => {
                        let draft = $draft { $($field,)+ };
                        $($check(&draft, &mut errors);)?
                        errors.into_result(draft)
                    }
                    _ => Err(errors),
                }
            }
        }

        impl $draft {
            /// The draft as a form shows it.
            pub fn to_input(&self) -> $input {
                $input {
                    $($field: $crate::fields::FieldKind::text(&$kind, &self.$field),)+
                }
            }

            /// The fields' values as the store binds them, in declaration order.
            pub fn stored_values(&self) -> Vec<$crate::fields::StoredValue<'_>> {
                vec![$($crate::fields::Stored::stored(&self.$field)),+]
            }
        }

        $crate::record_fields!(@from [$($record)?] $draft { $($field),+ });
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    crate::text_enum! {
        enum Colour {
            Red => "red", "Red";
            Blue => "blue", "Blue";
        }
    }

    const NAME_MAX: usize = 10;

    crate::record_fields! {
        struct SampleInput => SampleDraft {
            name: String = Text::required(NAME_MAX, Lines::One), "Name";
            colour: Colour = Choice::or(Colour::Red), "Colour";
            shade: Option<Colour> = MaybeChoice::new(), "Shade";
            level: Option<i64> = Level(4), "Level";
            when: Option<Date> = Day, "When";
            tags: Vec<String> = Tags { each: 5, count: 2 }, "Tags";
            code: Option<String> = MaybeText(4), "Code";
        }
        check = shade_differs;
    }

    fn shade_differs(draft: &SampleDraft, errors: &mut ValidationErrors) {
        if draft.shade == Some(draft.colour) {
            errors.add("shade", "Choose a shade other than the colour.");
        }
    }

    #[test]
    fn every_field_is_checked_at_once_and_named() {
        let input = SampleInput {
            name: "far too long a name".into(),
            colour: "green".into(),
            level: "5".into(),
            when: "2027-02-30".into(),
            tags: "a, b, c".into(),
            code: "12345".into(),
            ..SampleInput::default()
        };
        let errors = input.parse().expect_err("invalid");
        for (field, _) in SampleInput::FIELDS {
            assert_eq!(
                errors.for_field(field).is_some(),
                *field != "shade",
                "{field}"
            );
        }
    }

    #[test]
    fn a_draft_goes_back_to_the_text_it_came_from() {
        let input = SampleInput {
            name: " Sky ".into(),
            shade: "blue".into(),
            level: "2".into(),
            when: "2027-02-28".into(),
            tags: "a, B, b".into(),
            ..SampleInput::default()
        };
        let draft = input.parse().expect("valid");
        assert_eq!(draft.colour, Colour::Red);
        assert_eq!(draft.tags, vec!["a".to_owned(), "B".to_owned()]);
        assert_eq!(draft.code, None);
        assert_eq!(draft.to_input().parse().expect("again"), draft);
        assert_eq!(draft.stored_values()[1], StoredValue::Text(Some("red")));
    }

    #[test]
    fn rules_across_fields_run_once_the_fields_parse() {
        let input = SampleInput {
            name: "Sky".into(),
            colour: "blue".into(),
            shade: "blue".into(),
            ..SampleInput::default()
        };
        let errors = input.parse().expect_err("same shade");
        assert!(errors.for_field("shade").is_some());
        assert_eq!(SampleInput::rule("name").max_chars, Some(NAME_MAX));
        assert!(!SampleInput::rule("colour").required);
    }
}
