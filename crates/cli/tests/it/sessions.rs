//! Sessions people can see and end: the idle timeout beside the absolute lifetime, the
//! sessions page, and what else ends sessions and revokes API tokens (docs/security.md,
//! "Sessions and tokens").

use custos_app::domain::platform::{Role, TokenScope};
use custos_app::platform::SessionClient;
use custos_app::{Administration, AppError, Settings};
use reqwest::StatusCode;
use serde_json::Value;
use sha2::Digest;
use time::Duration;

use crate::cli::{custos, custos_command, text};
use crate::on_both_backends;
use crate::support::{Client, PASSWORD, TempDir, TestApp, objective};

const FIREFOX: &str = "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0";
const SAFARI_ON_IPHONE: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) \
     AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1";

/// A browser that sends `user_agent`, logged in as `email`, and the secret of its cookie.
async fn log_in(app: &TestApp, email: &str, user_agent: &str) -> (Client, String) {
    let client = Client::anonymous_with_agent(app, user_agent);
    let response = client.login(email, PASSWORD).await;
    assert_eq!(
        response.status(),
        StatusCode::SEE_OTHER,
        "log-in as {email}"
    );
    let cookie = response.headers()["set-cookie"].to_str().expect("cookie");
    let secret = cookie
        .split(';')
        .next()
        .and_then(|pair| pair.split_once('='))
        .map(|(_, value)| value.to_owned())
        .expect("session secret");
    (client, secret)
}

/// What the database keeps of a session's secret.
fn id_hash(secret: &str) -> String {
    hex::encode(sha2::Sha256::digest(secret.as_bytes()))
}

/// A moment `seconds` ago, as a literal both backends read as a timestamp.
fn ago(seconds: i64) -> String {
    custos_store::timestamp::format(custos_app::now() - Duration::seconds(seconds))
}

async fn user_id(app: &TestApp, email: &str) -> String {
    app.app
        .find_user_by_email(email)
        .await
        .expect("user")
        .id
        .to_string()
}

async fn text_of(client: &Client, path: &str) -> String {
    let response = client.get(path).await;
    assert_eq!(response.status(), StatusCode::OK, "GET {path}");
    response.text().await.expect("body")
}

/// The public id of the session in the row of the sessions page that mentions `marker`
/// (a browser), from its "End session" form.
fn session_id_in_row(page: &str, marker: &str) -> Option<String> {
    page.split("<tr")
        .filter(|row| row.contains(marker))
        .find_map(|row| row.split("/account/sessions/").nth(1))
        .and_then(|rest| rest.split_once("/end\""))
        .map(|(id, _)| id.to_owned())
        .filter(|id| uuid::Uuid::parse_str(id).is_ok())
}

/// How many rows of `table` match `condition` (counted by a change that changes nothing).
async fn count(app: &TestApp, table: &str, column: &str, condition: &str) -> u64 {
    app.raw_sql(&format!(
        "UPDATE {table} SET {column} = {column} WHERE {condition}"
    ))
    .await
}

on_both_backends! {
    async fn a_session_unused_for_longer_than_the_idle_timeout_is_refused(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        // Neither session has been used since log-in, so neither is in the credential cache.
        let (idle, idle_secret) = log_in(&app, "maya@acme.example", FIREFOX).await;
        let (recent, recent_secret) = log_in(&app, "maya@acme.example", FIREFOX).await;
        let last_used = |secret: &str, at: &str| {
            format!("UPDATE sessions SET last_seen_at = '{at}' WHERE id_hash = '{}'", id_hash(secret))
        };
        assert_eq!(app.raw_sql(&last_used(&idle_secret, &ago(31 * 60))).await, 1);
        assert_eq!(app.raw_sql(&last_used(&recent_secret, &ago(29 * 60))).await, 1);

        assert_eq!(idle.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "unused for 31 minutes");
        let page = idle.get("/orgs/acme/objectives").await;
        assert_eq!(page.status(), StatusCode::SEE_OTHER, "back to the log-in page");
        assert!(page.headers()["location"].to_str().expect("location").starts_with("/login"));

        assert_eq!(recent.get_json("/api/v1/me").await.0, StatusCode::OK, "unused for 29 minutes");
        // Using it noted the use: it has another 30 minutes.
        let hash = id_hash(&recent_secret);
        let noted = format!("id_hash = '{hash}' AND last_seen_at > '{}'", ago(60));
        assert_eq!(count(&app, "sessions", "user_agent", &noted).await, 1, "last use noted");

        // The next log-in sweeps idle sessions away.
        log_in(&app, "maya@acme.example", FIREFOX).await;
        let gone = format!("id_hash = '{}'", id_hash(&idle_secret));
        assert_eq!(count(&app, "sessions", "user_agent", &gone).await, 0, "the idle session is deleted");
    }
}

on_both_backends! {
    /// Last use is written at most once a minute, not on every request.
    async fn last_use_is_written_at_most_once_a_minute(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let (browser, secret) = log_in(&app, "maya@acme.example", FIREFOX).await;
        let hash = id_hash(&secret);
        let half_a_minute_ago = ago(30);
        app.raw_sql(&format!("UPDATE sessions SET last_seen_at = '{half_a_minute_ago}' WHERE id_hash = '{hash}'")).await;
        assert_eq!(browser.get_json("/api/v1/me").await.0, StatusCode::OK);
        let unchanged = format!("id_hash = '{hash}' AND last_seen_at = '{half_a_minute_ago}'");
        assert_eq!(count(&app, "sessions", "user_agent", &unchanged).await, 1, "no write within the minute");

        let two_minutes_ago = ago(120);
        app.raw_sql(&format!("UPDATE sessions SET last_seen_at = '{two_minutes_ago}' WHERE id_hash = '{hash}'")).await;
        // A second session: the first one's principal is cached for a few seconds.
        let (other, other_secret) = log_in(&app, "maya@acme.example", FIREFOX).await;
        let other_hash = id_hash(&other_secret);
        app.raw_sql(&format!("UPDATE sessions SET last_seen_at = '{two_minutes_ago}' WHERE id_hash = '{other_hash}'")).await;
        assert_eq!(other.get_json("/api/v1/me").await.0, StatusCode::OK);
        let moved = format!("id_hash = '{other_hash}' AND last_seen_at > '{}'", ago(60));
        assert_eq!(count(&app, "sessions", "user_agent", &moved).await, 1, "a minute later it is written");
    }
}

on_both_backends! {
    /// The idle timeout and the lifetime come from the settings.
    async fn the_idle_timeout_and_lifetime_of_the_settings_are_honoured(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let settings = Settings {
            session_lifetime: Duration::hours(1),
            session_idle_timeout: Duration::minutes(5),
            ..Settings::default()
        };
        let instance = Administration::connect(&app.database_url, settings).await.expect("instance");
        let client = SessionClient::default();
        let t0 = custos_app::now();
        let log_in = || instance.log_in("maya@acme.example", PASSWORD, &client, t0);
        let idle = log_in().await.expect("log in");
        assert!(matches!(
            instance.authenticate_session(&idle.secret, t0 + Duration::minutes(6)).await,
            Err(AppError::Unauthenticated)
        ), "unused for six minutes of five");
        let used = log_in().await.expect("log in");
        assert!(instance.authenticate_session(&used.secret, t0 + Duration::minutes(4)).await.is_ok());
        let expired = log_in().await.expect("log in");
        assert_eq!(expired.expires_at, t0 + Duration::hours(1));
        assert!(matches!(
            instance.authenticate_session(&expired.secret, t0 + Duration::hours(1)).await,
            Err(AppError::Unauthenticated)
        ), "past the lifetime, however recently used");
        instance.close().await;
    }
}

#[test]
fn session_settings_that_make_no_sense_are_refused_at_start() {
    let dir = TempDir::new();
    let serve = |flag: &str, minutes: &str, env: Option<(&str, &str)>| {
        let mut command = custos_command();
        command.args([
            "serve",
            "--data-dir",
            dir.0.to_str().expect("path"),
            "--listen",
            "127.0.0.1:0",
        ]);
        if !flag.is_empty() {
            command.args([flag, minutes]);
        }
        if let Some((name, value)) = env {
            command.env(name, value);
        }
        command.output().expect("run custos")
    };
    let zero = serve("--session-idle-minutes", "0", None);
    assert!(!zero.status.success());
    assert!(
        text(&zero).contains("session_idle_minutes must be between 1 and the session lifetime"),
        "{}",
        text(&zero)
    );
    let longer = serve("", "", Some(("CUSTOS_SESSION_IDLE_MINUTES", "721")));
    assert!(!longer.status.success());
    assert!(
        text(&longer).contains("(720), not 721"),
        "{}",
        text(&longer)
    );
    let forever = serve("--session-lifetime-minutes", "99999999", None);
    assert!(!forever.status.success());
    assert!(
        text(&forever).contains("session_lifetime_minutes must be between 1 and 43200"),
        "{}",
        text(&forever)
    );
}

on_both_backends! {
    async fn the_sessions_page_lists_ones_own_sessions_and_ends_one_or_all_others(app) {
        app.member("acme", "maya@acme.example", Role::Staff).await;
        app.member("acme", "olga@acme.example", Role::Staff).await;
        let (laptop, laptop_secret) = log_in(&app, "maya@acme.example", FIREFOX).await;
        let (phone, phone_secret) = log_in(&app, "maya@acme.example", SAFARI_ON_IPHONE).await;
        let (odd, _) = log_in(&app, "maya@acme.example", "<script>alert(1)</script> Odd/1.0").await;
        let (olga_one, _) = log_in(&app, "olga@acme.example", FIREFOX).await;
        let (olga_two, _) = log_in(&app, "olga@acme.example", SAFARI_ON_IPHONE).await;
        let token = app.api("acme", "maya@acme.example", TokenScope::Read).await;

        let account = text_of(&laptop, "/account").await;
        assert!(account.contains("href=\"/account/sessions\""), "the account page leads to the sessions");
        let page = text_of(&laptop, "/account/sessions").await;
        assert!(page.contains("Firefox on Linux") && page.contains("Safari on iOS"), "{page}");
        assert!(page.contains("127.0.0.1"), "the address at log-in");
        assert!(page.contains("30 minutes") && page.contains("12 hours"), "the page states the timeouts");
        assert_eq!(page.matches(">This session<").count(), 1);
        assert!(!page.contains("<script>alert(1)"), "the User-Agent is escaped: {page}");
        assert!(page.contains("&#60;script&#62;alert(1)") || page.contains("&lt;script&gt;alert(1)"), "{page}");
        for secret in [&laptop_secret, &phone_secret] {
            assert!(!page.contains(secret.as_str()), "a session secret on the page");
            assert!(!page.contains(&id_hash(secret)), "a session hash on the page");
        }
        assert!(!page.contains("olga"), "only one's own sessions");
        let phone_id = session_id_in_row(&page, "Safari on iOS").expect("the phone's session");
        // The row of this session has no "End session": it logs out instead.
        assert!(session_id_in_row(&page, ">This session<").is_none());
        let laptop_id = session_id_in_row(&text_of(&phone, "/account/sessions").await, "Firefox on Linux").expect("the laptop's session");
        let olga_id = session_id_in_row(&text_of(&olga_two, "/account/sessions").await, "Firefox on Linux").expect("olga's session");

        // Another user's session and one's own are not found.
        for id in [&olga_id, &laptop_id] {
            let refused = laptop.post_form(&format!("/account/sessions/{id}/end"), &[("confirmed", "yes")]).await;
            assert_eq!(refused.status(), StatusCode::NOT_FOUND, "{id}");
        }
        let unknown = laptop.post_form(&format!("/account/sessions/{}/end", uuid::Uuid::new_v4()), &[]).await;
        assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
        assert_eq!(laptop.post_form("/account/sessions/not-an-id/end", &[]).await.status(), StatusCode::NOT_FOUND);
        assert_eq!(olga_one.get_json("/api/v1/me").await.0, StatusCode::OK, "olga's session goes on");

        // "End session" asks first, without JavaScript, naming the session; then ends it.
        let asked = laptop.post_form(&format!("/account/sessions/{phone_id}/end"), &[]).await;
        assert_eq!(asked.status(), StatusCode::OK);
        assert!(asked.text().await.expect("body").contains("End the session of Safari on iOS from 127.0.0.1?"));
        assert_eq!(phone.get_json("/api/v1/me").await.0, StatusCode::OK, "asking ends nothing");
        let ended = laptop.post_form_confirming(&format!("/account/sessions/{phone_id}/end"), &[]).await;
        assert_eq!(ended.status(), StatusCode::SEE_OTHER);
        assert_eq!(ended.headers()["location"], "/account/sessions?notice=session-ended");
        assert_eq!(phone.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "the phone is logged out");
        assert_eq!(odd.get_json("/api/v1/me").await.0, StatusCode::OK, "the others go on");
        assert_eq!(laptop.get_json("/api/v1/me").await.0, StatusCode::OK);
        let page = text_of(&laptop, "/account/sessions?notice=session-ended").await;
        assert!(page.contains("Session ended") && !page.contains("Safari on iOS"), "{page}");

        // "End all other sessions" asks first; then every other session of Maya ends.
        let ended = laptop.post_form_confirming("/account/sessions/end-others", &[]).await;
        assert_eq!(ended.status(), StatusCode::SEE_OTHER);
        assert_eq!(odd.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(laptop.get_json("/api/v1/me").await.0, StatusCode::OK, "this session stays");
        assert_eq!(token.get_json("/api/v1/me").await.0, StatusCode::OK, "API tokens are not sessions");
        for olga in [&olga_one, &olga_two] {
            assert_eq!(olga.get_json("/api/v1/me").await.0, StatusCode::OK, "another user's sessions stay");
        }
        let page = text_of(&laptop, "/account/sessions").await;
        assert!(page.contains("You are not logged in anywhere else."), "{page}");
    }
}

on_both_backends! {
    /// Sessions are a browser's business: an API token can neither list nor end them.
    async fn api_tokens_cannot_reach_the_sessions_pages(app) {
        app.member("acme", "maya@acme.example", Role::Staff).await;
        let token = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let listed = token.get("/account/sessions").await;
        assert_eq!(listed.status(), StatusCode::SEE_OTHER, "pages take the session cookie only");
        let ended = token.post_form("/account/sessions/end-others", &[("confirmed", "yes")]).await;
        assert_eq!(ended.status(), StatusCode::SEE_OTHER);
        assert!(ended.headers()["location"].to_str().expect("location").starts_with("/login"));
    }
}

on_both_backends! {
    /// A member's role, and their membership, are checked again on the next request of each
    /// of their sessions after an administrator changes them on this instance.
    async fn a_role_change_or_removal_reaches_every_live_session_of_the_member(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("acme", "olga@acme.example", Role::IsmsManager).await;
        let (laptop, _) = log_in(&app, "olga@acme.example", FIREFOX).await;
        let (phone, _) = log_in(&app, "olga@acme.example", SAFARI_ON_IPHONE).await;
        for session in [&laptop, &phone] {
            // Each session's role in acme is now in the credential cache.
            assert_eq!(session.get("/orgs/acme/objectives/new").await.status(), StatusCode::OK);
            assert!(text_of(session, "/orgs/acme/").await.contains("ISMS manager in"));
        }
        let admin = app.browser("ada@acme.example").await;
        let olga = user_id(&app, "olga@acme.example").await;
        let changed = admin.post_form(&format!("/orgs/acme/members/{olga}/role"), &[("role", "staff")]).await;
        assert_eq!(changed.status(), StatusCode::SEE_OTHER);
        for session in [&laptop, &phone] {
            assert_eq!(session.get("/orgs/acme/objectives/new").await.status(), StatusCode::FORBIDDEN, "the new role at once");
            let (status, _) = session.post_json("/api/v1/orgs/acme/objectives", &objective("As staff")).await;
            assert_eq!(status, StatusCode::FORBIDDEN);
            assert!(text_of(session, "/orgs/acme/").await.contains("Staff member in"));
        }
        let removed = admin.post_form_confirming(&format!("/orgs/acme/members/{olga}/remove"), &[]).await;
        assert_eq!(removed.status(), StatusCode::SEE_OTHER);
        for session in [&laptop, &phone] {
            assert_eq!(session.get("/orgs/acme/").await.status(), StatusCode::NOT_FOUND, "no access at once");
            assert_eq!(session.get_json("/api/v1/orgs/acme/objectives").await.0, StatusCode::NOT_FOUND);
            assert_eq!(session.get_json("/api/v1/me").await.0, StatusCode::OK, "the account itself goes on");
        }
    }
}

on_both_backends! {
    /// Another instance on the same database changes a role: this instance, which cached the
    /// old one a moment ago, applies the new one within the credential cache's bound (5 s).
    async fn a_role_changed_on_another_instance_reaches_live_sessions_within_five_seconds(app) {
        app.member("acme", "olga@acme.example", Role::IsmsManager).await;
        let (laptop, _) = log_in(&app, "olga@acme.example", FIREFOX).await;
        assert_eq!(laptop.get("/orgs/acme/objectives/new").await.status(), StatusCode::OK);
        let other = Administration::connect(&app.database_url, Settings::default()).await.expect("second instance");
        other.grant_role("acme", "olga@acme.example", Role::Staff, custos_app::now()).await.expect("role");
        tokio::time::sleep(std::time::Duration::from_millis(5_100)).await;
        assert_eq!(laptop.get("/orgs/acme/objectives/new").await.status(), StatusCode::FORBIDDEN);
        other.close().await;
    }
}

on_both_backends! {
    async fn disabling_a_user_ends_their_sessions_and_revokes_their_tokens_for_good(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        app.member("globex", "maya@acme.example", Role::Staff).await;
        app.member("acme", "olga@acme.example", Role::Auditor).await;
        let (laptop, _) = log_in(&app, "maya@acme.example", FIREFOX).await;
        let (phone, _) = log_in(&app, "maya@acme.example", SAFARI_ON_IPHONE).await;
        let acme_token = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let globex_token = app.api("globex", "maya@acme.example", TokenScope::Read).await;
        let olga_token = app.api("acme", "olga@acme.example", TokenScope::Read).await;
        let olga_session = app.browser("olga@acme.example").await;
        for client in [&laptop, &phone, &acme_token, &globex_token] {
            assert_eq!(client.get_json("/api/v1/me").await.0, StatusCode::OK);
        }
        let maya = user_id(&app, "maya@acme.example").await;

        // The command line disables users through the same app function.
        let disabled = custos(&app.database_url, &["user", "disable", "--email", "maya@acme.example"], None);
        assert!(disabled.status.success(), "{}", text(&disabled));
        assert!(text(&disabled).contains("API tokens are revoked"), "{}", text(&disabled));
        let of_maya = format!("user_id = '{maya}'");
        assert_eq!(count(&app, "sessions", "user_agent", &of_maya).await, 0, "every session ended");
        let live = format!("user_id = '{maya}' AND revoked_at IS NULL");
        assert_eq!(count(&app, "api_tokens", "name", &live).await, 0, "every token revoked");
        let revoked = format!("user_id = '{maya}' AND revoked_at IS NOT NULL");
        assert_eq!(count(&app, "api_tokens", "name", &revoked).await, 2, "in both organisations");

        // Enabled again (here, on the serving instance, which forgets its cache at once):
        // the sessions and tokens stay ended; a new log-in works.
        app.app.set_user_disabled("maya@acme.example", false, custos_app::now()).await.expect("enable");
        for client in [&laptop, &phone, &acme_token, &globex_token] {
            assert_eq!(client.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
        }
        log_in(&app, "maya@acme.example", FIREFOX).await;
        assert_eq!(olga_token.get_json("/api/v1/me").await.0, StatusCode::OK, "other users' tokens stay");
        assert_eq!(olga_session.get_json("/api/v1/me").await.0, StatusCode::OK, "other users' sessions stay");

        // Each revocation is in its organisation's audit trail, and the trails still verify.
        let (status, events) = olga_token.get_json("/api/v1/orgs/acme/audit-events?record_type=api_token").await;
        assert_eq!(status, StatusCode::OK, "{events}");
        let reasons: Vec<&Value> = events["items"].as_array().expect("events").iter()
            .filter_map(|event| event["after"].get("reason")).collect();
        assert_eq!(reasons, [&Value::from("account disabled")], "{events}");
        let reports = app.app.verify_audit_chains().await.expect("verify");
        assert!(reports.iter().all(|report| report.broken.is_none()), "{reports:?}");
    }
}

on_both_backends! {
    async fn a_password_change_revokes_api_tokens_only_when_asked(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        app.member("globex", "maya@acme.example", Role::Staff).await;
        let (laptop, _) = log_in(&app, "maya@acme.example", FIREFOX).await;
        let acme = app.api("acme", "maya@acme.example", TokenScope::Read).await;
        let globex = app.api("globex", "maya@acme.example", TokenScope::Read).await;

        // The password form offers it, ticked, and says how many tokens it would revoke.
        let account = text_of(&laptop, "/account").await;
        assert!(account.contains("name=\"revoke_tokens\" type=\"checkbox\" value=\"yes\" checked"), "{account}");
        assert!(account.contains("2 active tokens, in all organisations"), "{account}");

        // A refused change revokes nothing, and keeps the box as it was sent.
        let refused = laptop.post_form("/account/password", &[
            ("current_password", "not my password"), ("new_password", "a brand new passphrase"),
            ("confirm_password", "a brand new passphrase"), ("revoke_tokens", "yes"),
        ]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().await.expect("body").contains("value=\"yes\" checked"));
        assert_eq!(acme.get_json("/api/v1/me").await.0, StatusCode::OK);

        // Unticked (a browser sends no field): the tokens keep working.
        let kept = laptop.post_form("/account/password", &[
            ("current_password", PASSWORD), ("new_password", "a brand new passphrase"),
            ("confirm_password", "a brand new passphrase"),
        ]).await;
        assert_eq!(kept.status(), StatusCode::SEE_OTHER);
        assert_eq!(kept.headers()["location"], "/account?notice=password");
        for token in [&acme, &globex] {
            assert_eq!(token.get_json("/api/v1/me").await.0, StatusCode::OK, "tokens kept");
        }

        // Ticked: every token of the user, in every organisation, is revoked.
        let revoked = laptop.post_form("/account/password", &[
            ("current_password", "a brand new passphrase"), ("new_password", "another new passphrase"),
            ("confirm_password", "another new passphrase"), ("revoke_tokens", "yes"),
        ]).await;
        assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
        assert_eq!(revoked.headers()["location"], "/account?notice=password-tokens");
        for token in [&acme, &globex] {
            assert_eq!(token.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "tokens revoked");
        }
        assert_eq!(laptop.get_json("/api/v1/me").await.0, StatusCode::OK, "the session that changed it stays");
        let page = text_of(&laptop, "/account?notice=password-tokens").await;
        assert!(page.contains("your API tokens revoked") && page.contains("0 active tokens"), "{page}");
        let reports = app.app.verify_audit_chains().await.expect("verify");
        assert!(reports.iter().all(|report| report.broken.is_none()), "{reports:?}");
    }
}
