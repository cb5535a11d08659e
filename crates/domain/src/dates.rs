//! How times are written for people and for machines.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, UtcOffset};

/// RFC 3339 in UTC, for APIs and exports.
pub fn rfc3339(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(&Rfc3339)
        .unwrap_or_default()
}

/// RFC 3339 in UTC written digit by digit, the same text as [`rfc3339`] (fraction without
/// trailing zeros, `Z`): every row of an API list carries two timestamps, and the general
/// formatter showed in its profile. For `#[serde(serialize_with = ...)]`.
pub fn serialize_rfc3339<S: serde::Serializer>(
    at: &OffsetDateTime,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    let at = at.to_offset(UtcOffset::UTC);
    let Some(mut text) = Ascii::calendar_date(at.date()) else {
        return serializer.serialize_str(&rfc3339(at));
    };
    let (hour, minute, second, nanos) = at.to_hms_nano();
    text.byte(b'T');
    text.number(u32::from(hour), 2);
    text.byte(b':');
    text.number(u32::from(minute), 2);
    text.byte(b':');
    text.number(u32::from(second), 2);
    if nanos != 0 {
        let (mut fraction, mut width) = (nanos, 9);
        while fraction.is_multiple_of(10) {
            fraction /= 10;
            width -= 1;
        }
        text.byte(b'.');
        text.number(fraction, width);
    }
    text.byte(b'Z');
    serializer.serialize_str(text.as_str())
}

/// An optional date as `YYYY-MM-DD` (or null), written like [`serialize_rfc3339`].
pub fn serialize_optional_iso_date<S: serde::Serializer>(
    date: &Option<time::Date>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match date {
        None => serializer.serialize_none(),
        Some(date) => match Ascii::calendar_date(*date) {
            Some(text) => serializer.serialize_str(text.as_str()),
            None => serializer.serialize_str(&date.to_string()),
        },
    }
}

/// A date as `YYYY-MM-DD`, written like [`serialize_rfc3339`].
pub fn serialize_iso_date<S: serde::Serializer>(
    date: &time::Date,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serialize_optional_iso_date(&Some(*date), serializer)
}

/// A stack buffer that API dates and times are written into, digit by digit.
struct Ascii {
    bytes: [u8; 32],
    len: usize,
}

impl Ascii {
    /// `YYYY-MM-DD`; None for years outside 0–9999, which the general formatter writes.
    fn calendar_date(date: time::Date) -> Option<Self> {
        let year = u32::try_from(date.year())
            .ok()
            .filter(|year| *year <= 9999)?;
        let mut text = Ascii {
            bytes: [0; 32],
            len: 0,
        };
        text.number(year, 4);
        text.byte(b'-');
        text.number(u32::from(u8::from(date.month())), 2);
        text.byte(b'-');
        text.number(u32::from(date.day()), 2);
        Some(text)
    }

    fn byte(&mut self, byte: u8) {
        if let Some(slot) = self.bytes.get_mut(self.len) {
            *slot = byte;
            self.len += 1;
        }
    }

    /// `value` in exactly `width` digits, zero-padded (higher digits are dropped).
    fn number(&mut self, value: u32, width: usize) {
        let mut digits = [b'0'; 10];
        let mut rest = value;
        for slot in digits[..width.min(10)].iter_mut().rev() {
            // A remainder of ten is below ten, so the cast cannot truncate.
            *slot = b'0' + (rest % 10) as u8;
            rest /= 10;
        }
        digits[..width.min(10)]
            .iter()
            .for_each(|digit| self.byte(*digit));
    }

    fn as_str(&self) -> &str {
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or_default()
    }
}

/// `YYYY-MM-DD` and nothing else (no sign, no extra digits), read digit by digit: forms,
/// the API and the database all write dates this way, and lists read one per row.
pub fn parse_iso_date(raw: &str) -> Option<time::Date> {
    let [y1, y2, y3, y4, b'-', m1, m2, b'-', d1, d2] = raw.as_bytes() else {
        return None;
    };
    let digit = |d: &u8| d.is_ascii_digit().then(|| i32::from(d - b'0'));
    let year = digit(y1)? * 1000 + digit(y2)? * 100 + digit(y3)? * 10 + digit(y4)?;
    let month = u8::try_from(digit(m1)? * 10 + digit(m2)?).ok()?;
    let day = u8::try_from(digit(d1)? * 10 + digit(d2)?).ok()?;
    time::Date::from_calendar_date(year, time::Month::try_from(month).ok()?, day).ok()
}

/// "2026-11-27 21:03 UTC", for pages.
pub fn display(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(format_description!(
            "[year]-[month]-[day] [hour]:[minute] UTC"
        ))
        .unwrap_or_default()
}

/// `date` moved by `months` (either way), on the same day of the month or the month's last.
pub fn months_from(date: time::Date, months: i32) -> time::Date {
    let months = i32::from(u8::from(date.month())) - 1 + months;
    let year = date.year() + months.div_euclid(12);
    let month = u8::try_from(months.rem_euclid(12) + 1)
        .ok()
        .and_then(|month| time::Month::try_from(month).ok())
        .unwrap_or(time::Month::January);
    let day = date.day().min(time::util::days_in_month(month, year));
    time::Date::from_calendar_date(year, month, day).unwrap_or(date)
}

#[cfg(test)]
mod tests {
    use time::macros::{date, datetime};

    #[test]
    fn iso_dates_are_exactly_ten_characters() {
        assert_eq!(
            super::parse_iso_date("2027-06-30"),
            Some(date!(2027 - 06 - 30))
        );
        for bad in [
            "2027-02-30",
            "2027-6-30",
            "+2027-06-30",
            "+0000-01-01",
            "2027/06/30",
            "",
        ] {
            assert_eq!(super::parse_iso_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_fast_rfc3339_writes_what_the_general_one_writes() {
        for at in [
            datetime!(2026-11-27 21:03:10.123456 UTC),
            datetime!(2026-11-27 21:03:10.1 UTC),
            datetime!(2026-01-02 03:04:05 UTC),
            datetime!(2026-11-27 23:03:10.000001 +02:00),
        ] {
            let mut fast = serde_json::Serializer::new(Vec::new());
            super::serialize_rfc3339(&at, &mut fast).expect("serialise");
            let fast = String::from_utf8(fast.into_inner()).expect("utf-8");
            assert_eq!(fast, format!("\"{}\"", super::rfc3339(at)));
        }
    }

    #[test]
    fn the_fast_date_writer_writes_what_date_display_writes() {
        for day in [
            Some(date!(2027 - 06 - 30)),
            Some(date!(0001 - 01 - 01)),
            Some(date!(9999 - 12 - 31)),
            None,
        ] {
            let mut fast = serde_json::Serializer::new(Vec::new());
            super::serialize_optional_iso_date(&day, &mut fast).expect("serialise");
            let fast = String::from_utf8(fast.into_inner()).expect("utf-8");
            let expected = day.map_or("null".to_string(), |day| format!("\"{day}\""));
            assert_eq!(fast, expected);
        }
    }
}
