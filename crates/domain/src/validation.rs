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

    /// Every message in one text, for a page that shows them as one notice.
    pub fn sentences(&self) -> String {
        let messages: Vec<&str> = self.fields.iter().map(|e| e.message.as_str()).collect();
        messages.join(" ")
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

/// How a text field is laid out: one line (a title, a name, a search) or several (an
/// explanation, a note, a comment).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lines {
    One,
    Many,
}

/// Longest search text or text filter, in characters.
pub const PARAM_MAX: usize = 200;

/// The one rule for text that enters Custos, whatever the door (form, JSON body, query
/// string, command line): no control characters except tab, and line breaks only in
/// multi-line fields. PostgreSQL cannot store NUL in text at all while SQLite can, so
/// without this rule the same input was stored by one backend and a 500 on the other; the
/// other control characters (escape, backspace, bell, the C1 range) have no business in an
/// ISMS record and can hide text from the people who read it. Line breaks of a multi-line
/// field come back as LF: browsers send a textarea's lines with CRLF, API clients with LF,
/// and the same text must compare equal whichever way it came (an edit that changes nothing
/// must not send an approved record back to draft).
pub fn clean_text(raw: &str, lines: Lines) -> Result<std::borrow::Cow<'_, str>, String> {
    let refused = raw
        .chars()
        .find(|&c| c.is_control() && !(c == '\t' || (lines == Lines::Many && is_line_break(c))));
    match refused {
        Some('\n' | '\r') => Err("Use a single line here: remove the line break.".into()),
        Some(c) => Err(format!(
            "Remove the control character U+{:04X}: text here may contain tabs{} but no other \
             control characters.",
            u32::from(c),
            if lines == Lines::Many {
                " and line breaks"
            } else {
                ""
            }
        )),
        None if lines == Lines::Many && raw.contains('\r') => {
            Ok(raw.replace("\r\n", "\n").replace('\r', "\n").into())
        }
        None => Ok(raw.into()),
    }
}

fn is_line_break(c: char) -> bool {
    c == '\n' || c == '\r'
}

/// The checked text of one field, trimmed, with `errors` told what is wrong with it.
fn checked_text(
    errors: &mut ValidationErrors,
    field: &str,
    raw: &str,
    max: usize,
    lines: Lines,
    required: bool,
) -> String {
    let value = match clean_text(raw.trim(), lines) {
        Ok(value) => value.into_owned(),
        Err(message) => {
            errors.add(field, message);
            return String::new();
        }
    };
    if required && value.is_empty() {
        errors.add(field, "This field is required.");
    } else if value.chars().count() > max {
        errors.add(field, format!("Use at most {max} characters."));
    }
    value
}

/// Trims `raw` and checks it is present, follows [`clean_text`] and is at most `max`
/// characters long.
pub fn required_text(
    errors: &mut ValidationErrors,
    field: &str,
    raw: &str,
    max: usize,
    lines: Lines,
) -> String {
    checked_text(errors, field, raw, max, lines, true)
}

/// Trims `raw`; empty is allowed, text that breaks [`clean_text`] or is longer than `max`
/// is not.
pub fn optional_text(
    errors: &mut ValidationErrors,
    field: &str,
    raw: &str,
    max: usize,
    lines: Lines,
) -> String {
    checked_text(errors, field, raw, max, lines, false)
}

/// A search text or text filter from a query string: trimmed, one line, at most
/// [`PARAM_MAX`] characters; `None` when empty or refused (and then `errors` says why).
pub fn text_param(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<String> {
    let mut own = ValidationErrors::new();
    let value = optional_text(&mut own, field, raw, PARAM_MAX, Lines::One);
    let refused = !own.is_empty();
    errors.fields.extend(own.fields);
    Some(value).filter(|v| !refused && !v.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_text_trims_and_rejects_blank_and_long_values() {
        let mut errors = ValidationErrors::new();
        assert_eq!(
            required_text(&mut errors, "a", "  hello ", 10, Lines::One),
            "hello"
        );
        assert!(errors.is_empty());
        required_text(&mut errors, "b", "   ", 10, Lines::One);
        required_text(&mut errors, "c", "0123456789x", 10, Lines::One);
        assert_eq!(errors.for_field("b"), Some("This field is required."));
        assert_eq!(errors.for_field("c"), Some("Use at most 10 characters."));
    }

    #[test]
    fn control_characters_are_refused_except_tabs_and_line_breaks_where_lines_are_allowed() {
        for bad in [
            "a\0b",
            "\u{1b}[31mred",
            "bell\u{7}",
            "del\u{7f}",
            "c1\u{85}",
        ] {
            for lines in [Lines::One, Lines::Many] {
                let message = clean_text(bad, lines).expect_err(bad);
                assert!(
                    message.starts_with("Remove the control character U+"),
                    "{message}"
                );
            }
        }
        assert_eq!(
            clean_text("a\0b", Lines::One).expect_err("nul"),
            "Remove the control character U+0000: text here may contain tabs but no other \
             control characters."
        );
        assert_eq!(
            clean_text("tab\there", Lines::One).as_deref(),
            Ok("tab\there")
        );
        for line_break in ["one\ntwo", "one\r\ntwo", "one\rtwo"] {
            assert_eq!(
                clean_text(line_break, Lines::One).expect_err(line_break),
                "Use a single line here: remove the line break."
            );
            assert_eq!(
                clean_text(line_break, Lines::Many).as_deref(),
                Ok("one\ntwo")
            );
        }
        assert_eq!(
            clean_text("Überprüfung ✓", Lines::One).as_deref(),
            Ok("Überprüfung ✓")
        );
    }

    #[test]
    fn a_refused_field_is_reported_once_and_stores_nothing() {
        let mut errors = ValidationErrors::new();
        assert_eq!(
            required_text(&mut errors, "title", "a\0b", 10, Lines::One),
            ""
        );
        assert_eq!(errors.fields.len(), 1, "{errors:?}");
        assert_eq!(text_param(&mut errors, "q", "x\0"), None);
        assert_eq!(
            text_param(&mut errors, "q2", " portal "),
            Some("portal".into())
        );
        assert_eq!(
            text_param(&mut errors, "q3", &"x".repeat(PARAM_MAX + 1)),
            None
        );
        let fields: Vec<&str> = errors.fields.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["title", "q", "q3"]);
    }
}
