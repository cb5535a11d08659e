//! Log-in, sessions, lockout, password change, tokens, and the protections around them.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::StatusCode;
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Client, PASSWORD, objective};

on_both_backends! {
    async fn log_in_opens_a_session_and_log_out_ends_it(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let client = Client::anonymous(&app);
        assert_eq!(client.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
        let response = client.login("Maya@Acme.example", PASSWORD).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let cookie = response.headers().get("set-cookie").expect("cookie").to_str().expect("text").to_owned();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"), "{cookie}");
        let (status, me) = client.get_json("/api/v1/me").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(me["email"], "maya@acme.example");
        assert_eq!(me["memberships"][0]["organisation"], "acme");
        assert_eq!(me["memberships"][0]["role"], "isms_manager");
        let response = client.http.post(client.url("/logout")).send().await.expect("logout");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(client.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    }
}

on_both_backends! {
    async fn logging_in_again_rotates_the_session_id(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let client = Client::anonymous(&app);
        let first = client.login("maya@acme.example", PASSWORD).await;
        let first_cookie = first.headers()["set-cookie"].to_str().expect("text").split(';').next().expect("pair").to_owned();
        let second = client.login("maya@acme.example", PASSWORD).await;
        let second_cookie = second.headers()["set-cookie"].to_str().expect("text").split(';').next().expect("pair").to_owned();
        assert_ne!(first_cookie, second_cookie);
        // The earlier session id no longer works.
        let replay = reqwest::Client::new().get(app.url("/api/v1/me")).header("cookie", &first_cookie).send().await.expect("get");
        assert_eq!(replay.status(), StatusCode::UNAUTHORIZED);
        let current = reqwest::Client::new().get(app.url("/api/v1/me")).header("cookie", &second_cookie).send().await.expect("get");
        assert_eq!(current.status(), StatusCode::OK);
    }
}

on_both_backends! {
    async fn a_wrong_password_is_refused_and_repeated_failures_lock_the_account(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let client = Client::anonymous(&app);
        let unknown = client.login("nobody@acme.example", PASSWORD).await;
        assert_eq!(unknown.status(), StatusCode::UNAUTHORIZED);
        let unknown_page = unknown.text().await.expect("body");
        assert!(unknown_page.contains("not correct"));
        for attempt in 1..=5 {
            let response = client.login("maya@acme.example", "wrong password!").await;
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
        }
        // Even the right password is refused while the lock lasts, with the very page an
        // unknown address gets, so the lock does not reveal that the account exists.
        let locked = client.login("maya@acme.example", PASSWORD).await;
        assert_eq!(locked.status(), StatusCode::UNAUTHORIZED);
        let locked_page = locked.text().await.expect("body").replace("maya@acme.example", "nobody@acme.example");
        assert_eq!(locked_page, unknown_page);
        // The lock is stored, not kept in memory: any instance sees it.
        assert_eq!(app.raw_sql("UPDATE users SET locked_until = NULL WHERE email = 'maya@acme.example' AND locked_until IS NOT NULL").await, 1);
        assert_eq!(client.login("maya@acme.example", PASSWORD).await.status(), StatusCode::SEE_OTHER);
    }
}

on_both_backends! {
    async fn concurrent_wrong_guesses_all_count(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let attempts = (0..5).map(|_| {
            let client = Client::anonymous(&app);
            async move { client.login("maya@acme.example", "wrong password!").await.status() }
        });
        for status in futures_join_all(attempts).await {
            assert_eq!(status, StatusCode::UNAUTHORIZED);
        }
        assert_eq!(app.raw_sql("UPDATE users SET name = name WHERE email = 'maya@acme.example' AND locked_until IS NOT NULL").await, 1, "five parallel failures lock the account");
    }
}

on_both_backends! {
    async fn parallel_guesses_on_two_instances_cannot_outrun_the_lock(app) {
        use custos_app::{AppError, Settings};
        use custos_app::domain::platform::MAX_FAILED_LOGINS;
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        // A second instance on the same database: its own caches and its own log-in queue.
        let other = custos_app::Administration::connect(&app.database_url, Settings::default())
            .await
            .expect("second instance");
        let instances = [app.app.app().clone(), other.app().clone()];
        // Spawned in order: on the first instance the right password comes after eight
        // wrong ones, while seven more arrive on the second.
        let mut attempts = Vec::new();
        for (index, instance) in instances.iter().cycle().take(15).enumerate() {
            let instance = instance.clone();
            attempts.push(tokio::spawn(async move {
                (index, instance.log_in("maya@acme.example", "wrong password!", &Default::default(), custos_app::now()).await.err())
            }));
        }
        let first = instances[0].clone();
        let right = tokio::spawn(async move { first.log_in("maya@acme.example", PASSWORD, &Default::default(), custos_app::now()).await });
        let mut refused_as_wrong = 0;
        for attempt in attempts {
            match attempt.await.expect("attempt") {
                (_, Some(AppError::InvalidCredentials)) => refused_as_wrong += 1,
                (_, Some(AppError::LockedOut { .. })) => {}
                (index, other) => panic!("attempt {index}: {other:?}"),
            }
        }
        // Only the allowance was ever checked; every other guess met the lock.
        assert!(refused_as_wrong < MAX_FAILED_LOGINS, "{refused_as_wrong} guesses were checked and refused as wrong");
        assert!(matches!(right.await.expect("right"), Err(AppError::LockedOut { .. })), "the right password is refused while locked");
        assert!(matches!(other.log_in("maya@acme.example", PASSWORD, &Default::default(), custos_app::now()).await, Err(AppError::LockedOut { .. })));
        other.close().await;
    }
}

on_both_backends! {
    async fn one_address_cannot_try_log_ins_without_limit(app) {
        let client = Client::anonymous(&app);
        // The allowance refills over the minute, so a slow machine may squeeze in an extra
        // attempt or two; what matters is that the full allowance passes and then it stops.
        let mut allowed = 0;
        let mut throttled = None;
        for attempt in 1..=60 {
            let response = client.login(&format!("user{attempt}@acme.example"), "some password").await;
            if response.status() == StatusCode::TOO_MANY_REQUESTS {
                throttled = Some(response);
                break;
            }
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "attempt {attempt}");
            allowed += 1;
        }
        assert!(allowed >= custos_web::LOGIN_ATTEMPTS_PER_MINUTE, "only {allowed} attempts passed");
        let throttled = throttled.expect("attempts beyond the allowance are refused");
        assert!(throttled.text().await.expect("body").contains("Too many log-in attempts"));
    }
}

/// Runs futures concurrently on the test runtime.
pub async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl IntoIterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let handles: Vec<_> = futures.into_iter().map(tokio::spawn).collect();
    let mut outputs = Vec::new();
    for handle in handles {
        outputs.push(handle.await.expect("task"));
    }
    outputs
}

on_both_backends! {
    async fn changing_the_password_ends_the_other_sessions(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let laptop = app.browser("maya@acme.example").await;
        let phone = app.browser("maya@acme.example").await;
        let wrong = laptop
            .post_form("/account/password", &[("current_password", "not it at all"), ("new_password", "a brand new passphrase"), ("confirm_password", "a brand new passphrase")])
            .await;
        assert_eq!(wrong.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(phone.get_json("/api/v1/me").await.0, StatusCode::OK, "a refused change ends nothing");
        let short = laptop
            .post_form("/account/password", &[("current_password", PASSWORD), ("new_password", "short"), ("confirm_password", "short")])
            .await;
        assert_eq!(short.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(short.text().await.expect("body").contains("at least 12 characters"));
        let changed = laptop
            .post_form("/account/password", &[("current_password", PASSWORD), ("new_password", "a brand new passphrase"), ("confirm_password", "a brand new passphrase")])
            .await;
        assert_eq!(changed.status(), StatusCode::SEE_OTHER);
        assert_eq!(laptop.get_json("/api/v1/me").await.0, StatusCode::OK, "the session that changed it stays");
        assert_eq!(phone.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "other sessions end");
        let fresh = Client::anonymous(&app);
        assert_eq!(fresh.login("maya@acme.example", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
        assert_eq!(fresh.login("maya@acme.example", "a brand new passphrase").await.status(), StatusCode::SEE_OTHER);
    }
}

on_both_backends! {
    async fn a_disabled_user_cannot_log_in_and_loses_their_sessions(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let session = app.browser("maya@acme.example").await;
        let token = app.api("acme", "maya@acme.example", TokenScope::Read).await;
        app.app.set_user_disabled("maya@acme.example", true, custos_app::now()).await.expect("disable");
        assert_eq!(session.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(token.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
        assert_eq!(Client::anonymous(&app).login("maya@acme.example", PASSWORD).await.status(), StatusCode::UNAUTHORIZED);
    }
}

on_both_backends! {
    async fn read_tokens_read_and_cannot_write(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let read = app.api("acme", "maya@acme.example", TokenScope::Read).await;
        assert_eq!(read.get_json("/api/v1/orgs/acme/objectives").await.0, StatusCode::OK);
        let (status, problem) = read.post_json("/api/v1/orgs/acme/objectives", &objective("Nope")).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(problem["detail"].as_str().expect("detail").contains("read-only"));
        let write = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        assert_eq!(write.post_json("/api/v1/orgs/acme/objectives", &objective("Yes")).await.0, StatusCode::CREATED);
        let bogus = Client::with_token(&app, "custos_not-a-real-token");
        let (status, problem) = bogus.get_json("/api/v1/orgs/acme/objectives").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(problem["status"], 401);
    }
}

on_both_backends! {
    async fn expired_and_revoked_tokens_are_refused(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let created = app.app.create_token_cli("acme", "maya@acme.example", "ci", TokenScope::Read, 1, custos_app::now()).await.expect("token");
        let client = Client::with_token(&app, &created.secret);
        app.raw_sql(&format!("UPDATE api_tokens SET expires_at = '2000-01-01T00:00:00.000000Z' WHERE id = '{}'", created.token.id)).await;
        assert_eq!(client.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);

        let second = app.app.create_token_cli("acme", "maya@acme.example", "ci", TokenScope::Read, 1, custos_app::now()).await.expect("token");
        let client = Client::with_token(&app, &second.secret);
        let browser = app.browser("maya@acme.example").await;
        let revoke = browser.post_form_confirming(&format!("/orgs/acme/tokens/{}/revoke", second.token.id), &[]).await;
        assert_eq!(revoke.status(), StatusCode::SEE_OTHER);
        assert_eq!(client.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    }
}

on_both_backends! {
    async fn revoking_a_token_from_the_page_asks_first_and_changes_nothing_until_confirmed(app) {
        app.member("acme", "maya@acme.example", Role::Staff).await;
        let created = app.app.create_token_cli("acme", "maya@acme.example", "SIEM push", TokenScope::Read, 30, custos_app::now()).await.expect("token");
        let client = Client::with_token(&app, &created.secret);
        let browser = app.browser("maya@acme.example").await;
        let revoke = format!("/orgs/acme/tokens/{}/revoke", created.token.id);

        let asked = browser.post_form(&revoke, &[]).await;
        assert_eq!(asked.status(), StatusCode::OK, "a page without JavaScript asks first");
        let page = asked.text().await.expect("body");
        assert!(page.contains("Revoke the token \u{201c}SIEM push\u{201d}?"), "the question names the token: {page}");
        let (action, fields) = crate::support::confirmation_form(&page).expect("a confirmation form");
        assert!(action.ends_with(&revoke), "confirming posts the same action: {action}");
        assert_eq!(fields, [("confirmed".to_owned(), "yes".to_owned())]);
        assert_eq!(client.get_json("/api/v1/me").await.0, StatusCode::OK, "the token still works");
        assert!(browser.get("/orgs/acme/tokens").await.text().await.expect("body").contains("Active"));

        let nothing = format!("/orgs/acme/tokens/{}/revoke", uuid::Uuid::now_v7());
        assert_eq!(browser.post_form(&nothing, &[]).await.status(), StatusCode::NOT_FOUND, "no token to ask about");

        let revoked = browser.post_form(&action, &[("confirmed", "yes")]).await;
        assert_eq!(revoked.status(), StatusCode::SEE_OTHER);
        assert_eq!(client.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
    }
}

on_both_backends! {
    async fn tokens_are_created_on_the_tokens_page_and_shown_once(app) {
        app.member("acme", "maya@acme.example", Role::Staff).await;
        let browser = app.browser("maya@acme.example").await;
        let page = browser.post_form("/orgs/acme/tokens", &[("name", "SIEM push"), ("scope", "read"), ("expires_in_days", "30")]).await;
        assert_eq!(page.status(), StatusCode::OK);
        let body = page.text().await.expect("body");
        let secret = body.split("id=\"new-token\" class=\"mono\">").nth(1).and_then(|rest| rest.split('<').next()).expect("token shown");
        assert!(secret.starts_with("custos_"));
        let client = Client::with_token(&app, secret);
        assert_eq!(client.get_json("/api/v1/orgs/acme/objectives").await.0, StatusCode::OK);
        let listing = browser.get("/orgs/acme/tokens").await.text().await.expect("body");
        assert!(!listing.contains(">Never<"), "the token's use is noted");
        assert!(listing.contains("SIEM push") && !listing.contains(secret), "the secret is never shown again");
        let invalid = browser.post_form("/orgs/acme/tokens", &[("name", ""), ("scope", "read"), ("expires_in_days", "999")]).await;
        assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
    }
}

on_both_backends! {
    async fn cross_origin_form_posts_are_refused_and_change_nothing(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let browser = app.browser("maya@acme.example").await;
        let form = [("title", "Planted by another site"), ("rationale", "x"), ("category", "risk"), ("target", "x")];
        for (header, value) in [("origin", "https://evil.example"), ("sec-fetch-site", "cross-site"), ("sec-fetch-site", "same-site")] {
            let response = browser.http.post(browser.url("/orgs/acme/objectives")).header(header, value).form(&form).send().await.expect("post");
            assert_eq!(response.status(), StatusCode::FORBIDDEN, "{header}: {value}");
            assert_eq!(response.headers()["content-type"], "application/problem+json");
        }
        // Credentials a browser attaches by itself (Basic auth to a proxy) do not exempt a page.
        let basic = browser.http.post(browser.url("/orgs/acme/objectives")).header("origin", "https://evil.example").header("authorization", "Basic dXNlcjpwYXNz").form(&form).send().await.expect("post");
        assert_eq!(basic.status(), StatusCode::FORBIDDEN);
        let (_, listed) = browser.get_json("/api/v1/orgs/acme/objectives").await;
        assert_eq!(listed["total"], 0, "nothing was written");
        // A bearer token cannot be attached cross-site by a browser: API calls with one pass.
        let token = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let api = token.http.post(token.url("/api/v1/orgs/acme/objectives")).header("origin", "https://automation.example").json(&objective("Pushed by a script")).send().await.expect("post");
        assert_eq!(api.status(), StatusCode::CREATED);
        let same_origin = browser.http.post(browser.url("/orgs/acme/objectives")).header("sec-fetch-site", "same-origin").form(&form).send().await.expect("post");
        assert_eq!(same_origin.status(), StatusCode::SEE_OTHER);
    }
}

on_both_backends! {
    async fn every_response_carries_the_security_headers(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let browser = app.browser("maya@acme.example").await;
        for path in ["/login", "/orgs/acme/objectives", "/api/v1/orgs/acme/objectives", "/no-such-page"] {
            let response = browser.get(path).await;
            let headers = response.headers();
            let csp = headers["content-security-policy"].to_str().expect("csp");
            assert!(csp.contains("default-src 'none'") && csp.contains("script-src 'self'") && csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
            assert!(!csp.contains("unsafe-inline"), "{path}");
            assert_eq!(headers["x-frame-options"], "DENY", "{path}");
            assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
            assert_eq!(headers["referrer-policy"], "same-origin", "{path}");
        }
        let page = browser.get("/orgs/acme/objectives").await.text().await.expect("body");
        assert!(!page.contains("<script>"), "no inline script");
    }
}

on_both_backends! {
    async fn pages_send_visitors_without_a_session_to_log_in(app) {
        let client = Client::anonymous(&app);
        let response = client.get("/orgs/acme/objectives?q=x").await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().expect("location");
        assert!(location.starts_with("/login?next="), "{location}");
        // After log-in the user returns where they were going, never to another site.
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let back = client.http.post(client.url("/login")).form(&[("email", "maya@acme.example"), ("password", PASSWORD), ("next", "/orgs/acme/objectives")]).send().await.expect("login");
        assert_eq!(back.headers()["location"], "/orgs/acme/objectives");
        for next in ["//evil.example/", "/\t/evil.example", "/\\evil.example", "https://evil.example/", "/%0d%0a"] {
            let away = client.http.post(client.url("/login")).form(&[("email", "maya@acme.example"), ("password", PASSWORD), ("next", next)]).send().await.expect("login");
            let location = away.headers()["location"].to_str().expect("location");
            assert!(location == "/" || location == "/%0d%0a", "{next:?} led to {location:?}");
        }
    }
}

on_both_backends! {
    async fn custos_works_under_a_sub_path(app) {
        // `app` is unused here: the test needs an instance mounted under /isms.
        let backend = app.backend;
        drop(app);
        let Some(app) = crate::support::TestApp::spawn_under(backend, "/isms").await else { return };
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let client = Client::anonymous(&app);
        let redirect = client.get("/orgs/acme/objectives").await;
        let location = redirect.headers()["location"].to_str().expect("location").to_owned();
        assert_eq!(location, "/isms/login?next=%2Fisms%2Forgs%2Facme%2Fobjectives");
        let login = client.login("maya@acme.example", PASSWORD).await;
        assert_eq!(login.headers()["location"], "/isms/");
        let back = client.http.post(client.url("/login")).form(&[("email", "maya@acme.example"), ("password", PASSWORD), ("next", "/isms/orgs/acme/objectives")]).send().await.expect("login");
        assert_eq!(back.headers()["location"], "/isms/orgs/acme/objectives");
        assert!(login.headers()["set-cookie"].to_str().expect("cookie").contains("Path=/isms"));
        let home = client.get("/orgs/acme/").await;
        assert_eq!(home.status(), StatusCode::OK);
        let body = home.text().await.expect("body");
        assert!(body.contains("href=\"/isms/static/app.css") && body.contains("href=\"/isms/orgs/acme/objectives\""));
        assert_eq!(client.get("/static/app.css").await.status(), StatusCode::OK);
        let created = client.post_json("/api/v1/orgs/acme/objectives", &objective("Under a sub-path")).await;
        assert_eq!(created.0, StatusCode::CREATED);
        let (_, document) = client.get_json("/api/v1/openapi.json").await;
        assert_eq!(document["servers"][0]["url"], "/isms");
    }
}

on_both_backends! {
    /// Another instance (here: SQL run outside this one) revokes a token and disables an
    /// account: this instance, which checked both a moment ago, refuses them within the
    /// documented bound of the credential cache (5 seconds).
    async fn changes_made_elsewhere_are_honoured_within_five_seconds(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        app.member("acme", "olga@acme.example", Role::Auditor).await;
        let created = app.app.create_token_cli("acme", "maya@acme.example", "ci", TokenScope::Read, 1, custos_app::now()).await.expect("token");
        let token = Client::with_token(&app, &created.secret);
        let browser = app.browser("olga@acme.example").await;
        assert_eq!(token.get_json("/api/v1/me").await.0, StatusCode::OK);
        assert_eq!(browser.get("/orgs/acme/objectives").await.status(), StatusCode::OK);
        app.raw_sql(&format!("UPDATE api_tokens SET revoked_at = '2026-01-01T00:00:00.000000Z' WHERE id = '{}'", created.token.id)).await;
        app.raw_sql("UPDATE users SET disabled = TRUE WHERE email = 'olga@acme.example'").await;
        tokio::time::sleep(std::time::Duration::from_millis(5_100)).await;
        assert_eq!(token.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
        assert_ne!(browser.get("/orgs/acme/objectives").await.status(), StatusCode::OK);
    }
}

on_both_backends! {
    /// On the instance that makes a change, the cache forgets at once.
    async fn changes_made_here_are_honoured_at_once(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("acme", "olga@acme.example", Role::IsmsManager).await;
        let olga = app.browser("olga@acme.example").await;
        assert_eq!(olga.get("/orgs/acme/objectives").await.status(), StatusCode::OK);
        let created = app.app.create_token_cli("acme", "olga@acme.example", "ci", TokenScope::ReadWrite, 1, custos_app::now()).await.expect("token");
        let token = Client::with_token(&app, &created.secret);
        assert_eq!(token.post_json("/api/v1/orgs/acme/objectives", &objective("Before")).await.0, StatusCode::CREATED);
        let admin = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let (status, body) = admin.get_json("/api/v1/orgs/acme/members").await;
        assert_eq!(status, StatusCode::OK);
        let olga_id = body.as_array().expect("members").iter()
            .find(|m| m["email"] == "olga@acme.example").expect("olga")["user_id"].as_str().expect("id").to_owned();
        let members = format!("/api/v1/orgs/acme/members/{olga_id}");
        let (status, _) = admin.send_json(reqwest::Method::PUT, &members, &json!({ "role": "staff" })).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(token.post_json("/api/v1/orgs/acme/objectives", &objective("After")).await.0, StatusCode::FORBIDDEN);
        let (status, _) = admin.send_json(reqwest::Method::DELETE, &members, &json!({})).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        assert_eq!(olga.get("/orgs/acme/objectives").await.status(), StatusCode::NOT_FOUND);
    }
}
