//! What the readers of library files (CISO Assistant libraries, our own risk catalogues)
//! share: one error that names the place in the file, and reading YAML so that every
//! refusal carries that place.

use custos_domain::validation::ValidationErrors;
use serde::Deserialize;
use serde_saphyr::MessageFormatter;

/// Why a library file was refused, and where: the path of the offending value
/// (`objects.risk_matrix[0].grid[2]`, `threats[12] (TH-HD-13)`), the YAML line and column
/// where the parser knows them, or both.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{place}: {message}")]
pub struct LibraryError {
    pub place: String,
    pub message: String,
}

impl LibraryError {
    pub fn new(place: impl Into<String>, message: impl Into<String>) -> Self {
        LibraryError {
            place: place.into(),
            message: message.into(),
        }
    }
}

/// Reads one YAML document into `T`. A refusal names the path of the value (when the
/// parser got as far as a value) and its line and column.
pub(crate) fn from_yaml<'de, T: Deserialize<'de>>(yaml: &'de str) -> Result<T, LibraryError> {
    if yaml.trim().is_empty() {
        return Err(LibraryError::new("the file", "The file is empty."));
    }
    let mut options = serde_saphyr::Options::default();
    // The place is composed here; the parser's source excerpt would repeat it.
    options.with_snippet = false;
    let mut path = None;
    serde_saphyr::with_deserializer_from_str_with_options(yaml, options, |deserializer| {
        serde_path_to_error::deserialize(deserializer).map_err(|error| {
            path = Some(error.path().to_string());
            error.into_inner()
        })
    })
    .map_err(|error| parse_error(&error, path.as_deref()))
}

/// Longest path shown in a place, in characters.
const PATH_MAX: usize = 100;

/// A parser's refusal as a [`LibraryError`]: the path of the value (when the parser got as
/// far as one) and the line and column. Shared by the YAML readers and the OSCAL (JSON) one.
pub(crate) fn parse_error(error: &serde_saphyr::Error, path: Option<&str>) -> LibraryError {
    // `.` is the document itself and `?` a key not read yet: neither helps a reader.
    let path = path
        .map(|path| path.trim_end_matches(".?"))
        .filter(|path| !matches!(*path, "." | "?" | ""))
        .map(|path| {
            // Keys come from the file: hide their control characters. Deep nesting makes
            // paths no one reads to the end: cut them short.
            let mut shown: String = path
                .chars()
                .take(PATH_MAX)
                .map(|c| if c.is_control() { '?' } else { c })
                .collect();
            if path.chars().nth(PATH_MAX).is_some() {
                shown.push('…');
            }
            shown
        });
    let location = error
        .location()
        .map(|location| format!("line {}, column {}", location.line(), location.column()));
    let place = match (path, location) {
        (Some(path), Some(location)) => format!("{path} ({location})"),
        (Some(path), None) => path,
        (None, Some(location)) => location,
        (None, None) => "the file".to_owned(),
    };
    // The message can quote the file (an unknown key): keep its control characters out.
    let message: String = serde_saphyr::UserMessageFormatter
        .format_message(error.without_snippet())
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    LibraryError::new(place, message)
}

/// `threats[12] (TH-HD-13)`: the entry's position and id, its id cut short and its control
/// characters hidden, as it may be anything.
pub(crate) fn entry_place(list: &str, index: usize, id: &str) -> String {
    let id: String = id
        .trim()
        .chars()
        .take(24)
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("{list}[{index}] ({id})")
}

/// The first of `errors`, at `place`, naming the field.
pub(crate) fn refuse(place: &str, errors: ValidationErrors) -> Result<(), LibraryError> {
    match errors.fields.into_iter().next() {
        None => Ok(()),
        Some(error) => Err(LibraryError::new(
            place,
            format!(
                "{}: {}",
                crate::risk_catalogue::file_key(&error.field),
                error.message
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    #[expect(dead_code, reason = "read only to see whether it parses")]
    struct Sample {
        rows: Vec<Vec<u8>>,
    }

    #[test]
    fn a_value_of_the_wrong_type_is_named_by_path_line_and_column() {
        let error = from_yaml::<Sample>("rows:\n  - [1, 2]\n  - [3, 300]\n").expect_err("300");
        assert_eq!(error.place, "rows[1][1] (line 3, column 9)");
        assert!(error.message.contains("u8"), "{error}");
    }

    #[test]
    fn text_that_is_not_yaml_is_refused_at_its_line() {
        let error = from_yaml::<Sample>("rows: [[1, 2]\n").expect_err("unclosed");
        assert!(error.place.contains("line 1"), "{error}");
        let error = from_yaml::<Sample>("just some words").expect_err("a scalar");
        assert_eq!(error.place, "line 1, column 1");
        assert_eq!(
            from_yaml::<Sample>(" \n").expect_err("empty").to_string(),
            "the file: The file is empty."
        );
    }
}
