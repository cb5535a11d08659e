//! Property tests of the pure rules: objective status changes on create and edit (over all
//! transitions), the parsing of an
//! objective's target and due date, and page windows.

use custos_domain::context::{
    ObjectiveInput, ObjectiveStatus, UNIT_MAX, parse_date, status_after_edit, status_on_create,
};
use custos_domain::list::{MAX_PAGE_SIZE, Page};
use proptest::prelude::*;

fn status() -> impl Strategy<Value = ObjectiveStatus> {
    prop::sample::select(ObjectiveStatus::ALL.to_vec())
}

fn valid_input() -> ObjectiveInput {
    ObjectiveInput {
        title: "Keep customer portal available".into(),
        rationale: "Customers depend on it".into(),
        category: "availability".into(),
        target: "99.9% monthly uptime".into(),
        ..ObjectiveInput::default()
    }
}

/// Strings near what people type in a number field, and anything at all.
fn number_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ ]?[-+]?[0-9]{0,6}[.]?[0-9]{0,4}([eE][-+]?[0-9]{1,3})?[ ]?",
        "(?i)[ ]?[-+]?(nan|inf|infinity)",
        any::<String>(),
    ]
}

/// Strings near a date, and anything at all.
fn date_like() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ ]?[-+]?[0-9]{1,5}-[0-9]{1,2}-[0-9]{1,3}[ ]?",
        any::<String>(),
    ]
}

proptest! {
    #[test]
    fn an_edit_never_sets_a_status_only_the_workflow_sets(
        current in status(),
        requested in prop::option::of(status()),
        content_changed in any::<bool>(),
    ) {
        match status_after_edit(current, requested, content_changed) {
            Ok(after) => {
                // Always one of the statuses the rest of the system knows by name.
                prop_assert_eq!(ObjectiveStatus::parse(after.as_str()), Some(after));
                if after.is_set_by_workflow() || after.is_approved_or_beyond() {
                    // Approved or beyond: only where an approval already took the record,
                    // with its substance untouched.
                    prop_assert!(current.is_approved_or_beyond() || current.is_set_by_workflow());
                    prop_assert!(!content_changed);
                }
                if after.is_set_by_workflow() {
                    prop_assert_eq!(after, current);
                }
            }
            Err(errors) => {
                let asked = requested.expect("only a requested status is refused");
                prop_assert!(asked != current);
                prop_assert!(asked.is_set_by_workflow() || asked.is_approved_or_beyond());
                prop_assert!(errors.for_field("status").is_some());
            }
        }
    }

    #[test]
    fn asking_for_another_workflow_status_is_always_refused(
        current in status(),
        requested in status(),
        content_changed in any::<bool>(),
    ) {
        prop_assume!(requested != current && requested.is_set_by_workflow());
        prop_assert!(status_after_edit(current, Some(requested), content_changed).is_err());
    }

    #[test]
    fn draft_and_cancelled_can_always_be_chosen(
        current in status(),
        requested in prop::sample::select(vec![ObjectiveStatus::Draft, ObjectiveStatus::Cancelled]),
        content_changed in any::<bool>(),
    ) {
        prop_assume!(requested != current);
        prop_assert_eq!(status_after_edit(current, Some(requested), content_changed), Ok(requested));
    }

    #[test]
    fn an_outcome_follows_only_an_unchanged_approval(
        current in status(),
        outcome in prop::sample::select(vec![ObjectiveStatus::Achieved, ObjectiveStatus::NotAchieved]),
        content_changed in any::<bool>(),
    ) {
        prop_assume!(outcome != current);
        let allowed = current.is_approved_or_beyond() && !content_changed;
        prop_assert_eq!(status_after_edit(current, Some(outcome), content_changed).is_ok(), allowed);
    }

    #[test]
    fn a_new_objective_is_never_approved_or_beyond(requested in prop::option::of(status())) {
        if let Ok(status) = status_on_create(requested) {
            prop_assert!(!status.is_set_by_workflow() && !status.is_approved_or_beyond());
        }
    }

    #[test]
    fn the_form_offers_exactly_the_statuses_an_edit_accepts(current in status()) {
        for requested in ObjectiveStatus::ALL {
            let offered = current.choosable_from().any(|s| s == requested);
            let accepted = requested == current || status_after_edit(current, Some(requested), false).is_ok();
            prop_assert_eq!(offered, accepted, "{:?} -> {:?}", current, requested);
        }
    }

    #[test]
    fn changing_what_was_submitted_or_signed_off_returns_it_to_draft(
        current in status(),
        repeat_status in any::<bool>(),
    ) {
        prop_assume!(current.is_set_by_workflow() || current.is_approved_or_beyond());
        // Leaving the status alone or sending the same one back is the same request.
        let requested = repeat_status.then_some(current);
        prop_assert_eq!(status_after_edit(current, requested, true), Ok(ObjectiveStatus::Draft));
    }

    #[test]
    fn an_edit_that_changes_nothing_keeps_the_status(
        current in status(),
        repeat_status in any::<bool>(),
    ) {
        let requested = repeat_status.then_some(current);
        prop_assert_eq!(status_after_edit(current, requested, false), Ok(current));
    }

    #[test]
    fn a_second_identical_edit_changes_nothing_more(
        current in status(),
        requested in prop::option::of(status()),
        content_changed in any::<bool>(),
    ) {
        if let Ok(after) = status_after_edit(current, requested, content_changed) {
            prop_assert_eq!(status_after_edit(after, Some(after), false), Ok(after));
        }
    }

    #[test]
    fn status_names_round_trip_and_unknown_names_are_refused(raw in any::<String>()) {
        match ObjectiveStatus::parse(&raw) {
            Some(status) => prop_assert_eq!(status.as_str(), raw.as_str()),
            None => prop_assert!(ObjectiveStatus::ALL.iter().all(|s| s.as_str() != raw)),
        }
    }

    #[test]
    fn any_target_value_and_unit_parse_without_panic_to_a_finite_number(
        value in number_like(),
        unit in any::<String>(),
    ) {
        let input = ObjectiveInput {
            target_value: value.clone(),
            target_unit: unit.clone(),
            ..valid_input()
        };
        match input.parse() {
            Ok(draft) => {
                match draft.target_value {
                    Some(parsed) => {
                        prop_assert!(parsed.is_finite());
                        prop_assert_eq!(Some(parsed), value.trim().parse::<f64>().ok());
                    }
                    None => prop_assert!(value.trim().is_empty()),
                }
                match draft.target_unit {
                    Some(parsed) => {
                        prop_assert_eq!(parsed.as_str(), unit.trim());
                        prop_assert!(!parsed.is_empty() && parsed.chars().count() <= UNIT_MAX);
                        prop_assert!(draft.target_value.is_some(), "a unit needs a value");
                    }
                    None => prop_assert!(unit.trim().is_empty()),
                }
            }
            Err(errors) => {
                let value_refused = errors.for_field("target_value").is_some();
                let unit_refused = errors.for_field("target_unit").is_some();
                prop_assert!(value_refused || unit_refused, "{:?}", errors);
                let target_fields = ["target_value", "target_unit"];
                prop_assert!(errors.fields.iter().all(|e| target_fields.contains(&e.field.as_str())));
            }
        }
    }

    #[test]
    fn every_finite_target_value_round_trips(value in any::<f64>(), unit in "[%a-z/ ]{0,30}") {
        prop_assume!(value.is_finite());
        let input = ObjectiveInput {
            target_value: value.to_string(),
            target_unit: unit.clone(),
            ..valid_input()
        };
        let draft = input.parse().expect("a finite number is a valid target");
        prop_assert_eq!(draft.target_value, Some(value));
        let unit = unit.trim();
        prop_assert_eq!(draft.target_unit.as_deref(), (!unit.is_empty()).then_some(unit));
    }

    #[test]
    fn any_date_text_parses_without_panic_and_round_trips(raw in date_like()) {
        if let Some(date) = parse_date(&raw) {
            prop_assert_eq!(date.to_string(), raw.as_str(), "only YYYY-MM-DD is accepted");
        }
        let input = ObjectiveInput { due_date: raw.clone(), ..valid_input() };
        match input.parse() {
            Ok(draft) => prop_assert_eq!(draft.due_date, parse_date(raw.trim())),
            Err(errors) => {
                prop_assert!(errors.for_field("due_date").is_some());
                prop_assert_eq!(parse_date(raw.trim()), None);
            }
        }
    }

    #[test]
    fn every_calendar_date_round_trips(day in 0i32..3_652_059) {
        // Every day of the years 0001 to 9999, counted from 0001-01-01.
        let date = time::Date::from_julian_day(1_721_426 + day).expect("in range");
        prop_assert_eq!(parse_date(&date.to_string()), Some(date));
    }

    #[test]
    fn page_windows_stay_within_bounds(limit in any::<Option<u32>>(), offset in any::<Option<u64>>()) {
        let page = Page::new(limit, offset);
        prop_assert!((1..=MAX_PAGE_SIZE).contains(&page.limit));
        prop_assert_eq!(page.offset, offset.unwrap_or(0));
    }

    #[test]
    fn numbered_pages_know_their_number(number in 1u64..1_000_000, limit in any::<u32>()) {
        let page = Page::numbered(number, limit);
        prop_assert!((1..=MAX_PAGE_SIZE).contains(&page.limit));
        prop_assert_eq!(page.number(), number);
        prop_assert_eq!(page.offset % u64::from(page.limit), 0);
    }

    #[test]
    fn the_page_count_covers_every_row(total in any::<u64>(), limit in 1u32..=MAX_PAGE_SIZE) {
        let page = Page::new(Some(limit), None);
        let pages = page.page_count(total);
        prop_assert!(pages >= 1);
        prop_assert!(u128::from(pages) * u128::from(limit) >= u128::from(total));
        prop_assert!(total == 0 || u128::from(pages - 1) * u128::from(limit) < u128::from(total));
    }
}
