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
    let Ok(year) = u32::try_from(at.year()) else {
        return serializer.serialize_str(&rfc3339(at));
    };
    if year > 9999 {
        return serializer.serialize_str(&rfc3339(at));
    }
    let mut out = [0_u8; 30];
    let mut len = 0;
    let mut digits = |value: u32, width: u32| {
        for place in (0..width).rev() {
            // Each digit is below ten, so the cast cannot truncate.
            out[len] = b'0' + (value / 10_u32.pow(place) % 10) as u8;
            len += 1;
        }
    };
    digits(year, 4);
    digits(u32::from(u8::from(at.month())), 2);
    digits(u32::from(at.day()), 2);
    digits(u32::from(at.hour()), 2);
    digits(u32::from(at.minute()), 2);
    digits(u32::from(at.second()), 2);
    let mut nanos = at.nanosecond();
    let mut width = 9;
    if nanos != 0 {
        while nanos.is_multiple_of(10) {
            nanos /= 10;
            width -= 1;
        }
        digits(nanos, width);
    }
    // out: YYYYMMDDhhmmss[fraction]; the separators go in as the text is assembled.
    let mut text = String::with_capacity(32);
    for (index, byte) in out[..len].iter().enumerate() {
        match index {
            4 | 6 => text.push('-'),
            8 => text.push('T'),
            10 | 12 => text.push(':'),
            14 => text.push('.'),
            _ => {}
        }
        text.push(char::from(*byte));
    }
    text.push('Z');
    serializer.serialize_str(&text)
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
}
