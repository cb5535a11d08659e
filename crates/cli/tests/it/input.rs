//! One answer for bad input, on both backends: text that breaks the text rule (a NUL, other
//! control characters), unknown JSON fields, page sizes out of range and bodies over the
//! limit are refused with a clear message and change nothing, the same way on SQLite and
//! PostgreSQL, in the API and on the pages.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Client, PASSWORD, objective};

/// Asserts a 422 problem+json whose first field error names `field`; returns its message.
async fn refused(response: reqwest::Response, field: &str, what: &str) -> String {
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{what}"
    );
    assert_eq!(
        response.headers()["content-type"],
        "application/problem+json",
        "{what}"
    );
    let problem: Value = response.json().await.expect("problem");
    assert_eq!(problem["errors"][0]["field"], field, "{what}: {problem}");
    problem["errors"][0]["message"]
        .as_str()
        .expect("message")
        .to_owned()
}

/// Asserts a 422 page that says why.
async fn refused_page(response: reqwest::Response, says: &str, what: &str) {
    assert_eq!(
        response.status(),
        StatusCode::UNPROCESSABLE_ENTITY,
        "{what}"
    );
    let html = response.text().await.expect("page");
    assert!(
        html.contains(says),
        "{what}: the page says {says:?}\n{html}"
    );
}

async fn audit_total(client: &Client) -> u64 {
    let (_, events) = client
        .get_json("/api/v1/orgs/acme/audit-events?limit=1")
        .await;
    events["total"].as_u64().expect("total")
}

const NUL_MESSAGE: &str = "Remove the control character U+0000";

on_both_backends! {
    /// PostgreSQL cannot store a NUL in text, SQLite can: before the text rule the same input
    /// was a 500 on one backend and stored on the other. Now every door refuses it alike.
    async fn a_nul_character_is_refused_alike_wherever_text_enters(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("acme", "aaron@acme.example", Role::Approver).await;
        let maya = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let ada = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let aaron = app.api("acme", "aaron@acme.example", TokenScope::ReadWrite).await;
        let (_, created) = maya.post_json("/api/v1/orgs/acme/objectives", &objective("Before")).await;
        let id = created["id"].as_str().expect("id").to_owned();
        let (_, submitted) = maya.post_json(&format!("/api/v1/orgs/acme/objectives/{id}/submit"), &json!({ "version": 1 })).await;
        let approval = submitted["id"].as_str().expect("approval").to_owned();
        let events_before = audit_total(&maya).await;

        // Every text field of an objective, on create and on edit.
        for field in ["title", "rationale", "description", "benefits", "target", "target_unit"] {
            let mut body = objective("With a NUL");
            body[field] = json!("a\u{0}b");
            let response = maya.http.post(maya.url("/api/v1/orgs/acme/objectives")).json(&body).send().await.expect("post");
            let message = refused(response, field, &format!("create with a NUL in {field}")).await;
            assert!(message.starts_with(NUL_MESSAGE), "{message}");
            body["version"] = json!(2);
            let edit = maya.http.put(maya.url(&format!("/api/v1/orgs/acme/objectives/{id}"))).json(&body).send().await.expect("put");
            refused(edit, field, &format!("edit with a NUL in {field}")).await;
        }
        // Search, filters of lists and of the audit trail.
        for (path, field) in [
            ("/api/v1/orgs/acme/objectives?q=a%00b", "q"),
            ("/api/v1/orgs/acme/objectives?status=draft%00", "status"),
            ("/api/v1/orgs/acme/audit-events?record_type=objective%00", "record_type"),
            ("/api/v1/orgs/acme/audit-events?record_id=a%00b", "record_id"),
            ("/api/v1/orgs/acme/approvals?status=%00", "status"),
        ] {
            refused(maya.get(path).await, field, path).await;
        }
        // Members, notes and decisions.
        for (body, field) in [
            (json!({ "email": "new@acme.example", "name": "New\u{0}Person", "role": "staff" }), "name"),
            (json!({ "email": "new\u{0}@acme.example", "name": "New Person", "role": "staff" }), "email"),
        ] {
            refused(ada.http.post(ada.url("/api/v1/orgs/acme/members")).json(&body).send().await.expect("post"), field, "new member").await;
        }
        let (_, other) = maya.post_json("/api/v1/orgs/acme/objectives", &objective("To submit")).await;
        let other = other["id"].as_str().expect("id").to_owned();
        let note = maya.http.post(maya.url(&format!("/api/v1/orgs/acme/objectives/{other}/submit"))).json(&json!({ "version": 1, "note": "\u{0}" })).send().await.expect("submit");
        refused(note, "note", "submission note").await;
        let decision = json!({ "decision": "reject", "comment": "No\u{0}" });
        let decided = aaron.http.post(aaron.url(&format!("/api/v1/orgs/acme/approvals/{approval}/decision"))).json(&decision).send().await.expect("decide");
        refused(decided, "comment", "decision comment").await;

        // The pages give the same message beside the field.
        let browser = app.browser("maya@acme.example").await;
        let form = [("title", "a\u{0}b"), ("rationale", "r"), ("category", "risk"), ("target", "t")];
        refused_page(browser.post_form("/orgs/acme/objectives", &form).await, NUL_MESSAGE, "objective form").await;
        refused_page(browser.get("/orgs/acme/objectives?q=%00").await, NUL_MESSAGE, "objectives search").await;
        refused_page(browser.get("/orgs/acme/audit-log?record_id=%00").await, NUL_MESSAGE, "audit-log filter").await;
        let token = [("name", "ci\u{0}"), ("scope", "read"), ("expires_in_days", "30")];
        refused_page(browser.post_form("/orgs/acme/tokens", &token).await, NUL_MESSAGE, "token name").await;
        let admin = app.browser("ada@acme.example").await;
        let member = [("email", "new@acme.example"), ("name", "N\u{0}"), ("role", "staff")];
        refused_page(admin.post_form("/orgs/acme/members", &member).await, NUL_MESSAGE, "member name").await;

        // An organisation named with a NUL is no organisation: 404, not a failed query.
        assert_eq!(maya.get("/api/v1/orgs/ac%00me/objectives").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(browser.get("/orgs/ac%00me/objectives").await.status(), StatusCode::NOT_FOUND);

        // Log-in answers a NUL in the address like any address that has no account.
        let anonymous = Client::anonymous(&app);
        let login = anonymous.login("a\u{0}b@x.example", "x").await;
        assert_eq!(login.status(), StatusCode::UNAUTHORIZED);
        assert!(login.text().await.expect("page").contains("not correct"));
        let login = anonymous.login("maya@acme.example\u{0}", PASSWORD).await;
        assert_eq!(login.status(), StatusCode::UNAUTHORIZED);

        // Nothing was written.
        assert_eq!(audit_total(&maya).await, events_before + 1, "only the second objective");
        let (_, listed) = maya.get_json("/api/v1/orgs/acme/objectives").await;
        assert_eq!(listed["total"], 2);
        assert_eq!(listed["items"][0]["title"], "Before");
    }
}

on_both_backends! {
    /// Browsers send a textarea's lines with CRLF, API clients with LF: both are stored as
    /// LF, so the same text is the same whichever way it came. One-line fields refuse line
    /// breaks.
    async fn line_breaks_are_kept_in_explanations_and_refused_in_titles(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let maya = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let mut body = objective("Lines");
        body["rationale"] = json!("First line\r\nsecond line\twith a tab");
        let (status, created) = maya.post_json("/api/v1/orgs/acme/objectives", &body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["rationale"], "First line\nsecond line\twith a tab");
        let id = created["id"].as_str().expect("id");
        // Saving the same text from the form (CRLF) changes nothing: no new version.
        let browser = app.browser("maya@acme.example").await;
        let form = [("version", "1"), ("title", "Lines"), ("rationale", "First line\r\nsecond line\twith a tab"), ("category", "availability"), ("target", "99.9% monthly availability"), ("target_value", "99.9"), ("target_unit", "%"), ("due_date", "2027-06-30"), ("owner_id", ""), ("status", "draft")];
        assert_eq!(browser.post_form(&format!("/orgs/acme/objectives/{id}"), &form).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(maya.get_json(&format!("/api/v1/orgs/acme/objectives/{id}")).await.1["version"], 1);

        body["title"] = json!("Two\nlines");
        let response = maya.http.post(maya.url("/api/v1/orgs/acme/objectives")).json(&body).send().await.expect("post");
        let message = refused(response, "title", "a title over two lines").await;
        assert_eq!(message, "Use a single line here: remove the line break.");
        body["title"] = json!("Escape \u{1b}[2J");
        let response = maya.http.post(maya.url("/api/v1/orgs/acme/objectives")).json(&body).send().await.expect("post");
        assert!(refused(response, "title", "an escape sequence").await.contains("U+001B"));
    }
}

on_both_backends! {
    /// A client asking for 1,000 rows that silently got 200 would believe it had them all.
    async fn page_sizes_outside_one_to_two_hundred_are_refused_not_clamped(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let maya = app.api("acme", "maya@acme.example", TokenScope::Read).await;
        let message = "Use a page size from 1 to 200 (the default is 25).";
        for list in ["objectives", "audit-events", "approvals"] {
            for limit in [0, 201, 10_000] {
                let path = format!("/api/v1/orgs/acme/{list}?limit={limit}");
                assert_eq!(refused(maya.get(&path).await, "limit", &path).await, message);
            }
            for limit in [1, 200] {
                let path = format!("/api/v1/orgs/acme/{list}?limit={limit}");
                let (status, page) = maya.get_json(&path).await;
                assert_eq!(status, StatusCode::OK, "{path}: {page}");
                assert_eq!(page["limit"], limit, "{path}");
            }
        }
        let path = "/api/v1/orgs/acme/objectives?page=2&per_page=0";
        refused(maya.get(path).await, "per_page", path).await;
        let browser = app.browser("maya@acme.example").await;
        for query in ["limit=0", "limit=201", "page=1&per_page=500"] {
            let path = format!("/orgs/acme/objectives?{query}");
            refused_page(browser.get(&path).await, "Use a page size from 1 to 200", &path).await;
        }
        assert_eq!(browser.get("/orgs/acme/objectives?limit=200").await.status(), StatusCode::OK);
    }
}
