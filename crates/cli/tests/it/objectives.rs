//! Objectives through the API and the pages: create, read, list, edit, delete, validation,
//! version conflicts and CSV export.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Client, objective};

async fn audit_count(client: &Client) -> u64 {
    let (_, events) = client
        .get_json("/api/v1/orgs/acme/audit-events?limit=1")
        .await;
    events["total"].as_u64().expect("total")
}

on_both_backends! {
    async fn an_objective_goes_through_create_read_update_delete(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let (status, created) = api.post_json("/api/v1/orgs/acme/objectives", &objective("Keep the portal up")).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["reference"], "OBJ-0001");
        assert_eq!(created["status"], "draft");
        assert_eq!(created["version"], 1);
        assert_eq!(created["target_value"], 99.9);
        assert_eq!(created["due_date"], "2027-06-30");
        let id = created["id"].as_str().expect("id");

        let (status, fetched) = api.get_json(&format!("/api/v1/orgs/acme/objectives/{id}")).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(fetched, created);

        let mut change = objective("Keep the portal available");
        change["version"] = json!(1);
        change["status"] = json!("cancelled");
        let (status, updated) = api.send_json(Method::PUT, &format!("/api/v1/orgs/acme/objectives/{id}"), &change).await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!(updated["title"], "Keep the portal available");
        assert_eq!(updated["status"], "cancelled");
        assert_eq!(updated["version"], 2);

        let stale_delete = api.http.delete(api.url(&format!("/api/v1/orgs/acme/objectives/{id}?version=1"))).send().await.expect("delete");
        assert_eq!(stale_delete.status(), StatusCode::CONFLICT);
        let delete = api.http.delete(api.url(&format!("/api/v1/orgs/acme/objectives/{id}?version=2"))).send().await.expect("delete");
        assert_eq!(delete.status(), StatusCode::NO_CONTENT);
        assert_eq!(api.get_json(&format!("/api/v1/orgs/acme/objectives/{id}")).await.0, StatusCode::NOT_FOUND);

        let (_, events) = api.get_json(&format!("/api/v1/orgs/acme/audit-events?record_type=objective&record_id={id}")).await;
        let actions: Vec<&str> = events["items"].as_array().expect("items").iter().map(|e| e["action"].as_str().expect("action")).collect();
        assert_eq!(actions, ["delete", "update", "create"]);
        let delete_event = &events["items"][0];
        assert_eq!(delete_event["before"]["title"], "Keep the portal available");
        assert!(delete_event["after"].is_null());
        assert!(delete_event["actor"].as_str().expect("actor").contains("maya@acme.example"));
    }
}

on_both_backends! {
    async fn invalid_input_is_answered_with_field_errors_and_writes_nothing(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let events_before = audit_count(&api).await;
        let bad = json!({ "title": " ", "rationale": "", "category": "fun", "target": "x", "target_value": 5, "due_date": "30/06/2027", "owner_id": "nobody" });
        let (status, problem) = api.post_json("/api/v1/orgs/acme/objectives", &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["status"], 422);
        assert_eq!(problem["type"], "urn:custos:problem:validation");
        let fields: Vec<&str> = problem["errors"].as_array().expect("errors").iter().map(|e| e["field"].as_str().expect("field")).collect();
        for field in ["title", "rationale", "category", "due_date", "owner_id"] {
            assert!(fields.contains(&field), "{field} in {fields:?}");
        }
        // Not JSON, wrong types and unknown owners are refused the same way.
        let raw = api.http.post(api.url("/api/v1/orgs/acme/objectives")).header("content-type", "application/json").body("{ not json").send().await.expect("post");
        assert_eq!(raw.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(raw.headers()["content-type"], "application/problem+json");
        let wrong_type = api.post_json("/api/v1/orgs/acme/objectives", &json!({ "title": 5 })).await;
        assert_eq!(wrong_type.0, StatusCode::UNPROCESSABLE_ENTITY);
        let mut stranger = objective("Owned by a stranger");
        stranger["owner_id"] = json!(uuid::Uuid::now_v7().to_string());
        let (status, problem) = api.post_json("/api/v1/orgs/acme/objectives", &stranger).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "owner_id");
        let mut workflow_status = objective("Approved by hand");
        workflow_status["status"] = json!("approved");
        assert_eq!(api.post_json("/api/v1/orgs/acme/objectives", &workflow_status).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        let bad_filter = api.get_json("/api/v1/orgs/acme/objectives?sort=password").await;
        assert_eq!(bad_filter.0, StatusCode::UNPROCESSABLE_ENTITY);

        let (_, listed) = api.get_json("/api/v1/orgs/acme/objectives").await;
        assert_eq!(listed["total"], 0);
        assert_eq!(audit_count(&api).await, events_before, "no audit event either");

        // The form shows the messages beside the fields and keeps what was typed.
        let browser = app.browser("maya@acme.example").await;
        let page = browser.post_form("/orgs/acme/objectives", &[("title", ""), ("rationale", "Typed text survives"), ("category", "risk"), ("target", "x"), ("target_value", "lots")]).await;
        assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = page.text().await.expect("body");
        assert!(body.contains("role=\"alert\"") && body.contains("This field is required.") && body.contains("Enter a number such as 95 or 99.9."));
        assert!(body.contains("Typed text survives"));
        assert_eq!(api.get_json("/api/v1/orgs/acme/objectives").await.1["total"], 0);
    }
}

on_both_backends! {
    async fn two_editors_cannot_silently_overwrite_each_other(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        app.member("acme", "max@acme.example", Role::Admin).await;
        let maya = app.browser("maya@acme.example").await;
        let max = app.browser("max@acme.example").await;
        let (_, created) = maya.post_json("/api/v1/orgs/acme/objectives", &objective("Shared objective")).await;
        let id = created["id"].as_str().expect("id");
        let form = |title: &'static str| vec![("version", "1"), ("title", title), ("rationale", "r"), ("category", "risk"), ("target", "t"), ("status", "draft")];
        // Both opened version 1; Maya saves first.
        let first = maya.post_form(&format!("/orgs/acme/objectives/{id}"), &form("Maya's title")).await;
        assert_eq!(first.status(), StatusCode::SEE_OTHER);
        let second = max.post_form(&format!("/orgs/acme/objectives/{id}"), &form("Max's title")).await;
        assert_eq!(second.status(), StatusCode::CONFLICT);
        let body = second.text().await.expect("body");
        assert!(body.contains("Someone else changed this objective"), "a clear message");
        assert!(body.contains("Max&#39;s title") || body.contains("Max&#x27;s title") || body.contains("Max's title"), "what Max typed is kept");
        let (_, current) = maya.get_json(&format!("/api/v1/orgs/acme/objectives/{id}")).await;
        assert_eq!(current["title"], "Maya's title");
        let mut stale = objective("Via the API");
        stale["version"] = json!(1);
        let (status, problem) = max.send_json(Method::PUT, &format!("/api/v1/orgs/acme/objectives/{id}"), &stale).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(problem["type"], "urn:custos:problem:conflict");
    }
}

on_both_backends! {
    async fn lists_search_filter_sort_paginate_and_export(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        for (i, category) in ["risk", "awareness", "risk", "compliance", "risk"].iter().enumerate() {
            let mut body = objective(&format!("Objective {i} about 100% coverage"));
            body["category"] = json!(category);
            assert_eq!(api.post_json("/api/v1/orgs/acme/objectives", &body).await.0, StatusCode::CREATED);
        }
        api.post_json("/api/v1/orgs/acme/objectives", &objective("=HYPERLINK(\"http://evil.example\")")).await;
        let (_, page) = api.get_json("/api/v1/orgs/acme/objectives?category=risk&limit=2&sort=title&dir=desc").await;
        assert_eq!(page["total"], 3);
        assert_eq!(page["limit"], 2);
        let titles: Vec<&str> = page["items"].as_array().expect("items").iter().map(|o| o["title"].as_str().expect("title")).collect();
        assert_eq!(titles, ["Objective 4 about 100% coverage", "Objective 2 about 100% coverage"]);
        let (_, second) = api.get_json("/api/v1/orgs/acme/objectives?category=risk&limit=2&offset=2&sort=title&dir=desc").await;
        assert_eq!(second["items"][0]["title"], "Objective 0 about 100% coverage");
        assert_eq!(second["total"], 3, "a partial last page still reports the total");
        let (_, beyond) = api.get_json("/api/v1/orgs/acme/objectives?category=risk&limit=2&offset=10").await;
        assert_eq!((beyond["items"].as_array().map(Vec::len), &beyond["total"]), (Some(0), &json!(3)));
        let (_, none) = api.get_json("/api/v1/orgs/acme/objectives?category=integrity").await;
        assert_eq!(none["total"], 0);
        // Search is case-insensitive, finds references, and treats % literally.
        assert_eq!(api.get_json("/api/v1/orgs/acme/objectives?q=OBJECTIVE%203").await.1["total"], 1);
        assert_eq!(api.get_json("/api/v1/orgs/acme/objectives?q=obj-0002").await.1["total"], 1);
        assert_eq!(api.get_json("/api/v1/orgs/acme/objectives?q=100%25").await.1["total"], 5);
        assert_eq!(api.get_json("/api/v1/orgs/acme/objectives?q=1%25").await.1["total"], 0);

        let browser = app.browser("maya@acme.example").await;
        let html = browser.get("/orgs/acme/objectives?category=risk&sort=title&dir=asc").await.text().await.expect("body");
        assert!(html.contains("3 objectives"));
        assert!(html.contains("aria-sort=\"ascending\""));
        let csv = browser.get("/orgs/acme/objectives?category=risk&sort=title&dir=asc&format=csv").await;
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let csv = csv.text().await.expect("csv");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 4, "header and the 3 filtered rows");
        assert!(lines[0].starts_with("reference,title,why"));
        assert!(lines[1].contains("Objective 0 about 100% coverage"));
        let everything = browser.get("/orgs/acme/objectives?format=csv").await.text().await.expect("csv");
        assert!(everything.contains("'=HYPERLINK"), "formulas are neutralised in exports");
    }
}

on_both_backends! {
    async fn objective_pages_render_for_every_role(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let (_, created) = api.post_json("/api/v1/orgs/acme/objectives", &objective("<script>alert(1)</script>")).await;
        let id = created["id"].as_str().expect("id").to_owned();
        for role in Role::ALL {
            let email = format!("{}@acme.example", role.as_str().replace('_', "-"));
            app.member("acme", &email, role).await;
            let browser = app.browser(&email).await;
            for path in ["/orgs/acme/".to_owned(), "/orgs/acme/objectives".to_owned(), format!("/orgs/acme/objectives/{id}")] {
                let response = browser.get(&path).await;
                assert_eq!(response.status(), StatusCode::OK, "{role:?} {path}");
                let body = response.text().await.expect("body");
                assert!(!body.contains("<script>alert(1)</script>"), "output is escaped ({role:?} {path})");
            }
            let new_form = browser.get("/orgs/acme/objectives/new").await.status();
            let expected = if role.allows(custos_app::domain::platform::Permission::ManageObjectives) { StatusCode::OK } else { StatusCode::FORBIDDEN };
            assert_eq!(new_form, expected, "{role:?}");
        }
    }
}

on_both_backends! {
    /// A client walks the whole register with `after`, page by page, in number order, and
    /// every page still reports the total of the filter.
    async fn the_api_walks_a_register_with_keyset_pages(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        for i in 0..7 {
            assert_eq!(api.post_json("/api/v1/orgs/acme/objectives", &objective(&format!("Objective {i}"))).await.0, StatusCode::CREATED);
        }
        let mut seen = Vec::new();
        let mut path = String::from("/api/v1/orgs/acme/objectives?limit=3");
        loop {
            let (status, page) = api.get_json(&path).await;
            assert_eq!(status, StatusCode::OK, "{page}");
            assert_eq!(page["total"], 7);
            assert_eq!(page["total_exact"], true);
            seen.extend(page["items"].as_array().expect("items").iter().map(|o| o["reference"].as_str().expect("ref").to_owned()));
            match page["next_after"].as_i64() {
                Some(after) => path = format!("/api/v1/orgs/acme/objectives?limit=3&after={after}"),
                None => break,
            }
        }
        let expected: Vec<String> = (1..=7).map(|n| format!("OBJ-{n:04}")).collect();
        assert_eq!(seen, expected);

        let (_, backwards) = api.get_json("/api/v1/orgs/acme/objectives?limit=2&dir=desc&after=5").await;
        let refs: Vec<&str> = backwards["items"].as_array().expect("items").iter().map(|o| o["reference"].as_str().expect("ref")).collect();
        assert_eq!(refs, ["OBJ-0004", "OBJ-0003"]);

        for bad in ["after=2&sort=title", "after=2&offset=3", "after=two"] {
            let (status, problem) = api.get_json(&format!("/api/v1/orgs/acme/objectives?{bad}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
        }
    }
}

on_both_backends! {
    /// A list parameter the register does not know is refused, with the same message, by the
    /// API and by the page: never silently dropped.
    async fn bad_list_parameters_are_refused_on_the_page_and_in_the_api(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::Read).await;
        let browser = app.browser("maya@acme.example").await;
        for (query, field, says) in [
            ("sort=colour", "sort", "Unknown value \"colour\". Use number, title, category, status, due_date or updated_at."),
            ("status=done", "status", "Unknown value \"done\"."),
            ("category=luck", "category", "Unknown value \"luck\"."),
            ("dir=up", "dir", "Use asc or desc."),
        ] {
            let (status, problem) = api.get_json(&format!("/api/v1/orgs/acme/objectives?{query}")).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{query}: {problem}");
            assert_eq!(problem["errors"][0]["field"], field, "{query}");
            assert!(problem["errors"][0]["message"].as_str().expect("message").contains(says), "{query}: {problem}");
            let page = browser.get(&format!("/orgs/acme/objectives?{query}")).await;
            assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY, "{query}");
            let html = page.text().await.expect("html");
            let shown = ["\"", "&quot;", "&#34;", "&#x22;"]
                .iter()
                .any(|quote| html.contains(&says.replace('"', quote)));
            assert!(shown, "{query}: the page says why");
        }
        let (status, _) = api.get_json("/api/v1/orgs/acme/objectives?sort=title&dir=desc&status=draft").await;
        assert_eq!(status, StatusCode::OK);
    }
}

on_both_backends! {
    /// Counting stops at 10,000 rows, which the API and the page both say; a count is kept
    /// a few seconds but a write in the organisation shows in the next list at once.
    async fn a_large_register_is_counted_to_ten_thousand_and_counts_follow_writes(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        for i in 0..3 {
            assert_eq!(api.post_json("/api/v1/orgs/acme/objectives", &objective(&format!("Objective {i}"))).await.0, StatusCode::CREATED);
        }
        let (_, page) = api.get_json("/api/v1/orgs/acme/objectives?limit=2").await;
        assert_eq!((page["total"].as_u64(), page["total_exact"].as_bool()), (Some(3), Some(true)));
        api.post_json("/api/v1/orgs/acme/objectives", &objective("One more")).await;
        let (_, page) = api.get_json("/api/v1/orgs/acme/objectives?limit=2").await;
        assert_eq!(page["total"], 4, "the write forgot the cached count");

        app.member("globex", "gus@globex.example", Role::IsmsManager).await;
        let rows = match app.backend {
            crate::support::Backend::Sqlite => "printf('00000000-0000-7000-8000-%012d', n)",
            crate::support::Backend::Postgres => "('00000000-0000-7000-8000-' || lpad(n::text, 12, '0'))::uuid",
        };
        let (series, stamp) = match app.backend {
            crate::support::Backend::Sqlite => (
                "(WITH RECURSIVE s(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM s WHERE n < 10005) SELECT n FROM s)",
                "'2026-01-01T00:00:00.000000Z'",
            ),
            crate::support::Backend::Postgres => ("generate_series(1, 10005) AS n", "now()"),
        };
        let written = app.raw_sql(&format!(
            "INSERT INTO objectives (id, org_id, number, title, title_key, search_text, rationale, description,
                benefits, category, target, status, version, created_at, updated_at)
             SELECT {rows}, (SELECT id FROM organisations WHERE slug = 'globex'), n, 'Bulk ' || n,
                'bulk ' || n, 'obj-' || n, 'r', '', '', 'risk', 't', 'draft', 1, {stamp}, {stamp}
             FROM {series}"
        )).await;
        assert_eq!(written, 10_005);
        let gus = app.api("globex", "gus@globex.example", TokenScope::Read).await;
        let (_, page) = gus.get_json("/api/v1/orgs/globex/objectives?limit=50").await;
        assert_eq!((page["total"].as_u64(), page["total_exact"].as_bool()), (Some(10_000), Some(false)));
        let (_, last) = gus.get_json("/api/v1/orgs/globex/objectives?limit=50&offset=9990").await;
        assert_eq!(last["items"].as_array().map(Vec::len), Some(15), "rows past the count are still served");
        let html = app.browser("gus@globex.example").await.get("/orgs/globex/objectives").await.text().await.expect("html");
        assert!(html.contains("More than 10000 objectives"), "the page says the count stopped");
    }
}
