//! Field-level validation errors shared by every area: the web layer turns them into a page
//! message next to each field or into the `errors` member of a problem+json body.

use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{} field(s) are not valid", .fields.len())]
pub struct ValidationErrors {
    pub fields: Vec<FieldError>,
}

impl ValidationErrors {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn single(field: &str, message: impl Into<String>) -> Self {
        let mut errors = Self::new();
        errors.add(field, message);
        errors
    }

    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.fields.push(FieldError {
            field: field.to_owned(),
            message: message.into(),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The message for one field, for templates that show it beside the input.
    pub fn for_field(&self, field: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|error| error.field == field)
            .map(|error| error.message.as_str())
    }

    /// `Ok(value)` when nothing was recorded, the collected errors otherwise.
    pub fn into_result<T>(self, value: T) -> Result<T, Self> {
        if self.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }
}

/// Trims `raw` and checks it is present and at most `max` characters long.
pub fn required_text(errors: &mut ValidationErrors, field: &str, raw: &str, max: usize) -> String {
    let value = raw.trim().to_owned();
    if value.is_empty() {
        errors.add(field, "This field is required.");
    } else if value.chars().count() > max {
        errors.add(field, format!("Use at most {max} characters."));
    }
    value
}

/// Trims `raw`; empty is allowed, longer than `max` is not.
pub fn optional_text(errors: &mut ValidationErrors, field: &str, raw: &str, max: usize) -> String {
    let value = raw.trim().to_owned();
    if value.chars().count() > max {
        errors.add(field, format!("Use at most {max} characters."));
    }
    value
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_trims_and_rejects_blank_and_long_values() {
        let mut errors = ValidationErrors::new();
        assert_eq!(required_text(&mut errors, "a", "  hello ", 10), "hello");
        assert!(errors.is_empty());
        required_text(&mut errors, "b", "   ", 10);
        required_text(&mut errors, "c", "0123456789x", 10);
        assert_eq!(errors.for_field("b"), Some("This field is required."));
        assert_eq!(errors.for_field("c"), Some("Use at most 10 characters."));
    }
}
