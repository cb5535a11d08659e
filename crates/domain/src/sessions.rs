//! Browser sessions as their owner sees them: when each began and was last used, from where
//! and in which browser, and the rules that end one for lack of use.

use time::{Duration, OffsetDateTime};

/// How precisely a session's last use is kept: it is written at most once per this period,
/// so an active session costs one small write a minute, not one per request.
pub const LAST_SEEN_PRECISION: Duration = Duration::minutes(1);

/// The longest User-Agent kept with a session, in characters; real ones are far shorter.
pub const MAX_USER_AGENT_CHARS: usize = 256;

/// A session of the user looking at their sessions. It carries a public id of its own, never
/// the cookie's secret nor its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub public_id: uuid::Uuid,
    pub created_at: OffsetDateTime,
    /// At most [`LAST_SEEN_PRECISION`] behind the last request of the session.
    pub last_seen_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    /// The client's address at log-in, as text; empty when it was not known.
    pub client_address: String,
    /// The browser's User-Agent at log-in, cleaned by [`clean_user_agent`].
    pub user_agent: String,
    /// The session the list was asked from.
    pub current: bool,
}

impl Session {
    /// A short description of the browser, e.g. "Firefox on Linux".
    pub fn browser(&self) -> String {
        describe_user_agent(&self.user_agent)
    }
}

/// Whether a session last used at `last_seen_at` is still live at `now` under
/// `idle_timeout`. The store asks the same of its rows (`last_seen_at > now - idle_timeout`).
pub fn within_idle_timeout(
    last_seen_at: OffsetDateTime,
    now: OffsetDateTime,
    idle_timeout: Duration,
) -> bool {
    last_seen_at > now - idle_timeout
}

/// Whether the stored last use is old enough to be written again (see
/// [`LAST_SEEN_PRECISION`]).
pub fn last_seen_is_stale(last_seen_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    now - last_seen_at >= LAST_SEEN_PRECISION
}

/// The User-Agent as it is kept: control characters removed, surrounding space trimmed, cut
/// to [`MAX_USER_AGENT_CHARS`] characters. Any input gives a value, never an error: the header
/// is the browser's, not the user's.
pub fn clean_user_agent(raw: &str) -> String {
    raw.chars()
        .filter(|c| !c.is_control())
        .take(MAX_USER_AGENT_CHARS)
        .collect::<String>()
        .trim()
        .to_owned()
}

/// A short, readable description of a User-Agent: the browser and the system it runs on, as
/// far as they can be told ("Firefox on Linux", "Chrome on Android", "curl"). It is a hint for
/// recognising one's own devices, not an identification: any client can send any header.
pub fn describe_user_agent(user_agent: &str) -> String {
    let ua = user_agent.trim();
    if ua.is_empty() {
        return "Unknown browser".to_owned();
    }
    // Order matters: Edge and Opera say "Chrome" too, Chrome says "Safari", and so on.
    const BROWSERS: &[(&str, &str)] = &[
        ("Edg/", "Edge"),
        ("EdgA/", "Edge"),
        ("EdgiOS/", "Edge"),
        ("OPR/", "Opera"),
        ("SamsungBrowser/", "Samsung Internet"),
        ("Firefox/", "Firefox"),
        ("FxiOS/", "Firefox"),
        ("HeadlessChrome/", "Headless Chrome"),
        ("Chromium/", "Chromium"),
        ("CriOS/", "Chrome"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
        ("Wget/", "Wget"),
        ("python-requests/", "Python requests"),
        ("reqwest/", "reqwest"),
    ];
    const SYSTEMS: &[(&str, &str)] = &[
        ("Android", "Android"),
        ("iPhone", "iOS"),
        ("iPad", "iPadOS"),
        ("CrOS", "ChromeOS"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Macintosh", "macOS"),
        ("Linux", "Linux"),
        ("FreeBSD", "FreeBSD"),
    ];
    let browser = BROWSERS
        .iter()
        .find(|(marker, _)| ua.contains(marker))
        .map(|(_, name)| *name);
    let system = SYSTEMS
        .iter()
        .find(|(marker, _)| ua.contains(marker))
        .map(|(_, name)| *name);
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser.to_owned(),
        (None, Some(system)) => format!("A browser on {system}"),
        (None, None) => "Unknown browser".to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn common_browsers_are_named_with_their_system() {
        let cases = [
            (
                "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0",
                "Firefox on Linux",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/131.0.0.0 Safari/537.36 Edg/131.0.0.0",
                "Edge on Windows",
            ),
            (
                "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, \
                 like Gecko) Version/18.1 Safari/605.1.15",
                "Safari on macOS",
            ),
            (
                "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) \
                 Chrome/131.0.0.0 Mobile Safari/537.36",
                "Chrome on Android",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 \
                 (KHTML, like Gecko) CriOS/131.0 Mobile/15E148 Safari/604.1",
                "Chrome on iOS",
            ),
            ("curl/8.11.0", "curl"),
            ("", "Unknown browser"),
            ("something else entirely", "Unknown browser"),
        ];
        for (ua, expected) in cases {
            assert_eq!(describe_user_agent(ua), expected, "{ua}");
        }
    }

    #[test]
    fn a_session_is_idle_once_the_timeout_has_passed_since_its_last_use() {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        let idle = Duration::minutes(30);
        assert!(within_idle_timeout(now - Duration::minutes(29), now, idle));
        assert!(!within_idle_timeout(now - Duration::minutes(30), now, idle));
        assert!(!within_idle_timeout(now - Duration::minutes(31), now, idle));
        assert!(!last_seen_is_stale(now - Duration::seconds(59), now));
        assert!(last_seen_is_stale(now - Duration::seconds(60), now));
    }

    proptest! {
        #[test]
        fn any_user_agent_is_kept_short_and_free_of_control_characters(raw in any::<String>()) {
            let kept = clean_user_agent(&raw);
            prop_assert!(kept.chars().count() <= MAX_USER_AGENT_CHARS);
            prop_assert!(!kept.chars().any(char::is_control));
            prop_assert!(!describe_user_agent(&kept).is_empty());
        }
    }
}
