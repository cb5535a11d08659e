//! One answer for bad input, on both backends: text that breaks the text rule (a NUL, other
//! control characters), unknown JSON fields, page sizes out of range and bodies over the
//! limit are refused with a clear message and change nothing, the same way on SQLite and
//! PostgreSQL, in the API and on the pages.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::on_both_backends;
use crate::support::{Client, PASSWORD, TestApp, objective};

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
        let invitation = json!({ "email": "new\u{0}@acme.example", "role": "staff" });
        refused(ada.http.post(ada.url("/api/v1/orgs/acme/invitations")).json(&invitation).send().await.expect("post"), "email", "invitation").await;
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
        let invitation = [("email", "n\u{0}ew@acme.example"), ("role", "staff")];
        refused_page(admin.post_form("/orgs/acme/invitations", &invitation).await, NUL_MESSAGE, "invited address").await;

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

on_both_backends! {
    async fn unknown_json_fields_are_refused_by_name(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        app.member("acme", "ada@acme.example", Role::Admin).await;
        let maya = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let ada = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let mut misspelt = objective("Misspelt");
        misspelt["colour"] = json!("red");
        let response = maya.http.post(maya.url("/api/v1/orgs/acme/objectives")).json(&misspelt).send().await.expect("post");
        let message = refused(response, "colour", "an unknown field on create").await;
        assert!(message.starts_with("Unknown field \"colour\". The fields are title, rationale,"), "{message}");

        let (_, created) = maya.post_json("/api/v1/orgs/acme/objectives", &objective("Known")).await;
        let id = created["id"].as_str().expect("id");
        let mut edit = objective("Edited");
        edit["version"] = json!(1);
        edit["tittle"] = json!("Typo");
        let response = maya.http.put(maya.url(&format!("/api/v1/orgs/acme/objectives/{id}"))).json(&edit).send().await.expect("put");
        let message = refused(response, "tittle", "an unknown field on edit").await;
        assert!(message.contains("version"), "the edit's own fields are listed: {message}");
        let submit = json!({ "version": 1, "approver": "me" });
        let response = maya.http.post(maya.url(&format!("/api/v1/orgs/acme/objectives/{id}/submit"))).json(&submit).send().await.expect("submit");
        refused(response, "approver", "an unknown field on submit").await;
        let invitation = json!({ "email": "new@acme.example", "role": "staff", "password": "mine" });
        let response = ada.http.post(ada.url("/api/v1/orgs/acme/invitations")).json(&invitation).send().await.expect("invite");
        refused(response, "password", "an unknown field on an invitation").await;

        // A missing field and a wrong type are named too.
        let response = maya.http.post(maya.url("/api/v1/orgs/acme/objectives")).json(&json!({ "title": "t" })).send().await.expect("post");
        assert_eq!(refused(response, "rationale", "a missing field").await, "This field is required.");
        let response = maya.http.post(maya.url("/api/v1/orgs/acme/objectives")).json(&json!({ "title": 5 })).send().await.expect("post");
        refused(response, "title", "a wrong type").await;

        let (_, listed) = maya.get_json("/api/v1/orgs/acme/objectives").await;
        assert_eq!(listed["total"], 1);
        assert_eq!(listed["items"][0]["title"], "Known");
        assert_eq!(listed["items"][0]["version"], 1);
        assert_eq!(ada.get_json("/api/v1/orgs/acme/members").await.1.as_array().map(Vec::len), Some(2));
    }
}

/// What a raw HTTP exchange answered: the status, the content type and the whole text.
pub(crate) struct RawAnswer {
    pub(crate) status: u16,
    pub(crate) content_type: String,
    pub(crate) text: String,
}

/// Sends a POST of `size` bytes of `content_type` to `path` over a plain TCP connection:
/// chunked, or, when `declared`, only announced with a Content-Length header (the server
/// must refuse it on the length alone). A chunked body is written in the background (the
/// server answers, and closes, before taking it all) while the answer is read to the end.
pub(crate) async fn post_raw(
    app: &TestApp,
    path: &str,
    headers: &[(&str, String)],
    content_type: &str,
    size: usize,
    declared: bool,
) -> RawAnswer {
    let address = app
        .base_url
        .trim_start_matches("http://")
        .split('/')
        .next()
        .expect("address")
        .to_owned();
    let stream = tokio::net::TcpStream::connect(&address)
        .await
        .expect("connect");
    let (mut reader, mut writer) = stream.into_split();
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {address}\r\nContent-Type: {content_type}\r\n\
         Origin: http://{address}\r\nConnection: close\r\n"
    );
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if declared {
        head.push_str(&format!("Content-Length: {size}\r\n\r\n"));
    } else {
        head.push_str("Transfer-Encoding: chunked\r\n\r\n");
    }
    let writing = tokio::spawn(async move {
        writer.write_all(head.as_bytes()).await?;
        if declared {
            // As curl does with `Expect: 100-continue`: the length alone must be refused.
            return std::io::Result::Ok(writer);
        }
        let chunk = vec![b'a'; 64 * 1024];
        let mut sent = 0;
        while sent < size {
            let part = &chunk[..chunk.len().min(size - sent)];
            writer
                .write_all(format!("{:x}\r\n", part.len()).as_bytes())
                .await?;
            writer.write_all(part).await?;
            writer.write_all(b"\r\n").await?;
            sent += part.len();
        }
        writer.write_all(b"0\r\n\r\n").await?;
        // Kept open until the answer is read: the server takes a closed write side for a
        // client that has gone away.
        std::io::Result::Ok(writer)
    });
    let mut raw = Vec::new();
    let read = tokio::time::timeout(
        std::time::Duration::from_secs(20),
        reader.read_to_end(&mut raw),
    )
    .await;
    // A reset after the answer arrived still leaves the answer in `raw`.
    assert!(read.is_ok(), "no answer within 20 s");
    writing.abort();
    let text = String::from_utf8_lossy(&raw).into_owned();
    let status = text
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let content_type = text
        .lines()
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-type")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    RawAnswer {
        status,
        content_type,
        text,
    }
}

on_both_backends! {
    /// Before: 413 text/plain with a Content-Length, 422 when chunked.
    async fn a_body_over_the_limit_is_answered_413_with_or_without_a_length(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let token = app.app.create_token_cli("acme", "maya@acme.example", "raw", TokenScope::ReadWrite, 30, custos_app::now()).await.expect("token");
        let bearer = [("Authorization", format!("Bearer {}", token.secret))];
        let three_mb = 3 * 1024 * 1024;
        for declared in [true, false] {
            let answer = post_raw(&app, "/api/v1/orgs/acme/objectives", &bearer, "application/json", three_mb, declared).await;
            let how = if declared { "with a length" } else { "chunked" };
            assert_eq!(answer.status, 413, "API {how}: {}", answer.text);
            assert_eq!(answer.content_type, "application/problem+json", "API {how}");
            assert!(answer.text.contains("urn:custos:problem:body-too-large"), "API {how}: {}", answer.text);
        }
        // The pages answer with a page, for a form of either kind.
        let login = Client::anonymous(&app).login("maya@acme.example", PASSWORD).await;
        let session = login.headers()["set-cookie"].to_str().expect("cookie").split(';').next().expect("pair").to_owned();
        let cookie = [("Cookie", session)];
        for declared in [true, false] {
            let answer = post_raw(&app, "/orgs/acme/objectives", &cookie, "application/x-www-form-urlencoded", three_mb, declared).await;
            let how = if declared { "with a length" } else { "chunked" };
            assert_eq!(answer.status, 413, "page {how}: {}", answer.text);
            assert!(answer.content_type.starts_with("text/html"), "page {how}: {}", answer.content_type);
            assert!(answer.text.contains("larger than the 2 MB Custos accepts"), "page {how}");
            assert!(answer.text.to_lowercase().contains("content-security-policy:"), "page {how}: security headers");
        }
        // Just under the limit is read (and refused for what it says, not for its size).
        let answer = post_raw(&app, "/api/v1/orgs/acme/objectives", &bearer, "application/json", 1024 * 1024, false).await;
        assert_eq!(answer.status, 422, "{}", answer.text);
        let maya = app.api("acme", "maya@acme.example", TokenScope::Read).await;
        assert_eq!(maya.get_json("/api/v1/orgs/acme/objectives").await.1["total"], 0);
    }
}

/// Writes `count` audit events of organisation `slug` straight into the database, after the
/// events it has (they are not chained: this is about reading, not proving, the trail).
async fn bulk_audit_events(app: &TestApp, slug: &str, count: u32) {
    let org = format!("(SELECT id FROM organisations WHERE slug = '{slug}')");
    let (series, id, chain, stamp) = match app.backend {
        crate::support::Backend::Sqlite => (
            format!(
                "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) SELECT n FROM s)"
            ),
            "printf('00000000-0000-7000-9000-%012d', n)",
            org.clone(),
            "printf('2026-01-01T00:00:%02d.000000Z', n % 60)",
        ),
        crate::support::Backend::Postgres => (
            format!("generate_series(1, {count}) AS n"),
            "('00000000-0000-7000-9000-' || lpad(n::text, 12, '0'))::uuid",
            format!("{org}::text"),
            "now()",
        ),
    };
    let written = app
        .raw_sql(&format!(
            "INSERT INTO audit_events (id, chain, seq, org_id, actor_id, actor, action, record_type,
                record_id, before_json, after_json, occurred_at, prev_hash, hash)
             SELECT {id}, {chain}, 1000 + n, {org}, NULL, '=1+1 \"bulk\", the importer',
                CASE WHEN n % 3 = 0 THEN 'update' ELSE 'create' END, 'objective', 'bulk-' || n,
                NULL, '{{\"n\":' || n || ',\"note\":\"=1+1, with a comma\"}}', {stamp}, 'x', 'h' || n
             FROM {series}"
        ))
        .await;
    assert_eq!(written, u64::from(count));
}

/// The audit log as its export should be: read from the API a page at a time and written
/// with the CSV writer whole, as the export was built before it streamed.
async fn audit_csv_from_the_api(client: &Client, filter: &str) -> Vec<u8> {
    let mut rows = Vec::new();
    loop {
        let path = format!(
            "/api/v1/orgs/acme/audit-events?limit=200&offset={}{filter}",
            rows.len()
        );
        let (status, page) = client.get_json(&path).await;
        assert_eq!(status, StatusCode::OK, "{page}");
        let items = page["items"].as_array().expect("items");
        let text = |value: &Value| match value {
            Value::Null => String::new(),
            Value::String(text) => text.clone(),
            other => other.to_string(),
        };
        rows.extend(items.iter().map(|e| {
            [
                "seq",
                "occurred_at",
                "actor",
                "action",
                "record_type",
                "record_id",
                "before",
                "after",
                "hash",
            ]
            .iter()
            .map(|key| text(&e[*key]))
            .collect::<Vec<String>>()
        }));
        if items.len() < 200 {
            break;
        }
    }
    custos_formats::csv::write(
        &[
            "seq",
            "occurred_at",
            "actor",
            "action",
            "record_type",
            "record_id",
            "before",
            "after",
            "hash",
        ],
        rows,
    )
    .expect("csv")
}

on_both_backends! {
    /// The export is read from the store a page at a time and written out as it goes (no
    /// Content-Length: the server did not build the file first); over several pages it is
    /// byte for byte the file the whole log would make, formulas neutralised.
    async fn the_audit_log_export_streams_every_event_page_by_page(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        api.post_json("/api/v1/orgs/acme/objectives", &objective("Written through the API")).await;
        let small = audit_csv_from_the_api(&api, "").await;
        let browser = app.browser("maya@acme.example").await;
        let response = browser.get("/orgs/acme/audit-log?format=csv").await;
        assert_eq!(response.bytes().await.expect("csv").as_ref(), small.as_slice(), "a small export is unchanged");

        let count = 2 * custos_app::export::EXPORT_PAGE_SIZE + 123;
        bulk_audit_events(&app, "acme", count).await;
        let response = browser.get("/orgs/acme/audit-log?format=csv").await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
        assert_eq!(response.content_length(), None, "streamed, not built whole first");
        let streamed = response.bytes().await.expect("csv");
        let expected = audit_csv_from_the_api(&api, "").await;
        assert_eq!(String::from_utf8_lossy(&streamed), String::from_utf8_lossy(&expected));
        let text = String::from_utf8(streamed.to_vec()).expect("utf-8");
        assert!(text.contains(",\"'=1+1 \"\"bulk\"\", the importer\","), "formulas neutralised: {}", &text[..400]);
        let seqs: Vec<i64> = text.lines().skip(1).map(|line| line.split(',').next().expect("seq").parse().expect("number")).collect();
        assert!(seqs.len() as u32 > count, "every event: {}", seqs.len());
        assert!(seqs.windows(2).all(|pair| pair[0] > pair[1]), "newest first, none twice");

        // A filter applies to every page.
        let filter = "&action=create&record_type=objective";
        let filtered = browser.get(&format!("/orgs/acme/audit-log?format=csv{filter}")).await.bytes().await.expect("csv");
        let expected = audit_csv_from_the_api(&api, filter).await;
        assert_eq!(filtered.as_ref(), expected.as_slice());
        let lines = filtered.iter().filter(|b| **b == b'\n').count() as u32;
        assert!(lines > custos_app::export::EXPORT_PAGE_SIZE + 1, "more than a page: {lines}");

        // Only those who may read the trail get it.
        app.member("acme", "sam@acme.example", Role::Staff).await;
        let sam = app.browser("sam@acme.example").await;
        assert_eq!(sam.get("/orgs/acme/audit-log?format=csv").await.status(), StatusCode::FORBIDDEN);
    }
}

on_both_backends! {
    /// Objectives export page by page too: in number order after the last number read, in
    /// other orders by offset, each row once.
    async fn the_objectives_export_pages_through_a_large_register(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let count: u32 = custos_app::export::EXPORT_PAGE_SIZE * 2 + 7;
        let rows = match app.backend {
            crate::support::Backend::Sqlite => "printf('00000000-0000-7000-8000-%012d', n)",
            crate::support::Backend::Postgres => "('00000000-0000-7000-8000-' || lpad(n::text, 12, '0'))::uuid",
        };
        let (series, stamp) = match app.backend {
            crate::support::Backend::Sqlite => (
                format!("(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < {count}) SELECT n FROM s)"),
                "'2026-01-01T00:00:00.000000Z'",
            ),
            crate::support::Backend::Postgres => (format!("generate_series(1, {count}) AS n"), "now()"),
        };
        let written = app.raw_sql(&format!(
            "INSERT INTO objectives (id, org_id, number, title, title_key, search_text, rationale, description,
                benefits, category, target, status, version, created_at, updated_at)
             SELECT {rows}, (SELECT id FROM organisations WHERE slug = 'acme'), n, 'Bulk ' || (n % 97),
                'bulk ' || (n % 97), 'obj-' || n, 'r', '', '', 'risk', 't', 'draft', 1, {stamp}, {stamp}
             FROM {series}"
        )).await;
        assert_eq!(written, u64::from(count));
        let browser = app.browser("maya@acme.example").await;
        for (query, numbers_ascend) in [("sort=number", true), ("sort=title&dir=desc", false)] {
            let response = browser.get(&format!("/orgs/acme/objectives?format=csv&{query}")).await;
            assert_eq!(response.content_length(), None, "{query}: streamed");
            let csv = response.text().await.expect("csv");
            let references: Vec<&str> = csv.lines().skip(1).map(|line| line.split(',').next().expect("reference")).collect();
            assert_eq!(references.len() as u32, count, "{query}");
            let mut unique = references.clone();
            unique.sort_unstable();
            unique.dedup();
            assert_eq!(unique.len(), references.len(), "{query}: each row once");
            if numbers_ascend {
                assert!(references.windows(2).all(|pair| pair[0] < pair[1]), "{query}");
            } else {
                let titles: Vec<u32> = csv.lines().skip(1).map(|line| line.split(',').nth(1).expect("title").trim_start_matches("Bulk ").parse().expect("n")).collect();
                let keys: Vec<String> = titles.iter().map(|n| format!("bulk {n}")).collect();
                assert!(keys.windows(2).all(|pair| pair[0] >= pair[1]), "{query}: title order");
            }
        }
    }
}

on_both_backends! {
    /// Access reviews (ISO 27001 5.18) need the auditor to see who has which role; only
    /// administrators change it.
    async fn auditors_read_the_members_list_but_cannot_change_it(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("acme", "audrey@acme.example", Role::Auditor).await;
        app.member("acme", "sam@acme.example", Role::Staff).await;
        let sam_id = app.app.find_user_by_email("sam@acme.example").await.expect("sam").id;
        for scope in [TokenScope::Read, TokenScope::ReadWrite] {
            let audrey = app.api("acme", "audrey@acme.example", scope).await;
            let (status, members) = audrey.get_json("/api/v1/orgs/acme/members").await;
            assert_eq!(status, StatusCode::OK, "{scope:?}: {members}");
            let roles: Vec<(&str, &str)> = members.as_array().expect("members").iter()
                .map(|m| (m["email"].as_str().expect("email"), m["role"].as_str().expect("role")))
                .collect();
            assert!(roles.contains(&("sam@acme.example", "staff")), "{roles:?}");
            assert_eq!(roles.len(), 3);
        }
        let audrey = app.api("acme", "audrey@acme.example", TokenScope::ReadWrite).await;
        let invite = json!({ "email": "new@acme.example", "role": "admin" });
        assert_eq!(audrey.post_json("/api/v1/orgs/acme/invitations", &invite).await.0, StatusCode::FORBIDDEN);
        let promote = json!({ "role": "admin" });
        assert_eq!(audrey.send_json(Method::PUT, &format!("/api/v1/orgs/acme/members/{sam_id}"), &promote).await.0, StatusCode::FORBIDDEN);
        let remove = audrey.http.delete(audrey.url(&format!("/api/v1/orgs/acme/members/{sam_id}"))).send().await.expect("delete");
        assert_eq!(remove.status(), StatusCode::FORBIDDEN);

        // The page lists the members without the forms that change them.
        let browser = app.browser("audrey@acme.example").await;
        let page = browser.get("/orgs/acme/members").await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.expect("page");
        assert!(html.contains("sam@acme.example") && html.contains("Staff member"));
        assert!(!html.contains("Invite someone") && !html.contains("Change role") && !html.contains("/remove"), "read only");
        assert!(html.contains("/orgs/acme/members\">Members of"), "the user menu links to it");
        let form = [("email", "new@acme.example"), ("role", "admin")];
        assert_eq!(browser.post_form("/orgs/acme/invitations", &form).await.status(), StatusCode::FORBIDDEN);
        let sam_path = format!("/orgs/acme/members/{sam_id}");
        assert_eq!(browser.post_form(&format!("{sam_path}/role"), &[("role", "admin")]).await.status(), StatusCode::FORBIDDEN);
        assert_eq!(browser.post_form(&format!("{sam_path}/remove"), &[]).await.status(), StatusCode::FORBIDDEN, "not even asked to confirm");
        assert_eq!(browser.post_form(&format!("{sam_path}/remove"), &[("confirmed", "yes")]).await.status(), StatusCode::FORBIDDEN);

        let ada = app.api("acme", "ada@acme.example", TokenScope::Read).await;
        let (_, members) = ada.get_json("/api/v1/orgs/acme/members").await;
        assert!(members.as_array().expect("members").iter().any(|m| m["email"] == "sam@acme.example" && m["role"] == "staff"), "nothing changed");
        // Other roles still do not see the list.
        let sam = app.api("acme", "sam@acme.example", TokenScope::Read).await;
        assert_eq!(sam.get_json("/api/v1/orgs/acme/members").await.0, StatusCode::FORBIDDEN);
    }
}
