//! Field-by-field differences between two versions of a record, as people read them: what an
//! approver must know changed since the last approved version, and what an audit event did.

use serde_json::Value;

/// One field that differs. An empty text is a field that was (or is) not filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldChange {
    pub label: String,
    pub before: String,
    pub after: String,
}

/// The fields of `after` whose value differs from the field of the same label in `before`,
/// in the order of `after`; fields only one side has count as empty on the other.
pub fn changed_fields(before: &[(&str, String)], after: &[(&str, String)]) -> Vec<FieldChange> {
    let value = |fields: &[(&str, String)], label: &str| {
        fields
            .iter()
            .find(|(l, _)| *l == label)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let mut labels: Vec<&str> = after.iter().map(|(l, _)| *l).collect();
    for (label, _) in before {
        if !labels.contains(label) {
            labels.push(label);
        }
    }
    labels
        .into_iter()
        .filter_map(|label| {
            let (was, is) = (value(before, label), value(after, label));
            (was != is).then(|| FieldChange {
                label: label.to_owned(),
                before: was,
                after: is,
            })
        })
        .collect()
}

/// The top-level fields of two JSON snapshots (either may be absent: a creation has no
/// before, a deletion no after) that differ, labelled from their keys ("target_value" reads
/// "Target value"). Nested values are shown as compact JSON.
pub fn json_changes(before: Option<&Value>, after: Option<&Value>) -> Vec<FieldChange> {
    let fields = |snapshot: Option<&Value>| -> Vec<(String, String)> {
        match snapshot {
            Some(Value::Object(map)) => map
                .iter()
                .map(|(key, value)| (key.clone(), display_json(value)))
                .collect(),
            Some(other) => vec![("value".to_owned(), display_json(other))],
            None => Vec::new(),
        }
    };
    let (before, after) = (fields(before), fields(after));
    let labelled = |fields: &[(String, String)]| -> Vec<(String, String)> {
        fields
            .iter()
            .map(|(k, v)| (key_label(k), v.clone()))
            .collect()
    };
    let (before, after) = (labelled(&before), labelled(&after));
    fn as_refs(fields: &[(String, String)]) -> Vec<(&str, String)> {
        fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.clone()))
            .collect()
    }
    // A deletion lists what the record held: its fields in the order of the before side.
    if after.is_empty() {
        return changed_fields(&as_refs(&after), &as_refs(&before))
            .into_iter()
            .map(|c| FieldChange {
                before: c.after,
                after: c.before,
                ..c
            })
            .collect();
    }
    changed_fields(&as_refs(&before), &as_refs(&after))
}

/// A JSON value as text: strings bare, null empty, anything else compact JSON.
pub fn display_json(value: &Value) -> String {
    match value {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// "target_value" -> "Target value".
pub fn key_label(key: &str) -> String {
    let spaced = key.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn only_fields_that_differ_are_listed_in_order() {
        let before = [("Title", "Old".to_owned()), ("Why", "Same".to_owned())];
        let after = [
            ("Title", "New".to_owned()),
            ("Why", "Same".to_owned()),
            ("Owner", "Maya".to_owned()),
        ];
        assert_eq!(
            changed_fields(&before, &after),
            vec![
                FieldChange {
                    label: "Title".into(),
                    before: "Old".into(),
                    after: "New".into()
                },
                FieldChange {
                    label: "Owner".into(),
                    before: String::new(),
                    after: "Maya".into()
                },
            ]
        );
        assert!(changed_fields(&after, &after).is_empty());
    }

    #[test]
    fn json_snapshots_diff_by_key_and_creations_and_deletions_list_every_field() {
        let before = json!({ "title": "A", "target_value": 99.9, "owner": null });
        let after = json!({ "title": "B", "target_value": 99.9, "owner": "Maya" });
        let changes = json_changes(Some(&before), Some(&after));
        let labels: Vec<&str> = changes.iter().map(|c| c.label.as_str()).collect();
        assert_eq!(labels, ["Owner", "Title"]);
        let created = json_changes(None, Some(&after));
        assert_eq!(created.len(), 3);
        assert!(created.iter().all(|c| c.before.is_empty()));
        let deleted = json_changes(Some(&before), None);
        assert_eq!(deleted.len(), 2, "null fields held nothing");
        assert!(deleted.iter().all(|c| c.after.is_empty()));
        assert_eq!(deleted[0].label, "Target value");
        assert_eq!(deleted[0].before, "99.9");
    }
}
