//! The risk method: drafts from the built-in templates, validation by field, submission,
//! approval and rejection, the import of a CISO Assistant risk matrix, who may change it, and
//! its pages.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Client, TestApp};

pub const METHOD: &str = "/api/v1/orgs/acme/risk-method";
pub const DRAFT: &str = "/api/v1/orgs/acme/risk-method/draft";

/// The built-in 5 × 5 method as the API returns it.
pub fn template(size: &str) -> Value {
    let method = custos_app::domain::risk::method::RiskMethod::template(
        custos_app::domain::risk::method::Template::parse(size).expect("template"),
    );
    serde_json::to_value(method).expect("method")
}

/// A draft body: the 5 × 5 template titled `title`, replacing `revision`.
pub fn draft_body(revision: i64, title: &str) -> Value {
    let mut method = template("5x5");
    method["title"] = json!(title);
    json!({ "revision": revision, "method": method })
}

/// A small CISO Assistant risk-matrix library (3 × 3), written for these tests.
pub const MATRIX_3X3: &str = "\
urn: urn:test:risk:library:matrix-3x3
ref_id: test-3x3
name: Test matrix 3x3
version: 1
objects:
  risk_matrix:
    - urn: urn:test:risk:matrix:3x3
      ref_id: test-3x3
      name: Plain 3x3
      probability:
        - { abbreviation: L, name: Seldom, description: Hardly ever, hexcolor: '#00ff00' }
        - { abbreviation: M, name: Sometimes, description: Now and then, hexcolor: '#ffff00' }
        - { abbreviation: H, name: Often, description: Every month, hexcolor: '#ff0000' }
      impact:
        - { abbreviation: L, name: Small, description: Barely felt, hexcolor: '#00ff00' }
        - { abbreviation: M, name: Medium, description: Felt by a team, hexcolor: '#ffff00' }
        - { abbreviation: H, name: Large, description: Felt by all, hexcolor: '#ff0000' }
      risk:
        - { abbreviation: L, name: Low, hexcolor: '#00FF00' }
        - { abbreviation: M, name: Medium, hexcolor: '#FFFF00' }
        - { abbreviation: H, name: High, hexcolor: '#FF0000' }
      grid:
        - [0, 0, 1]
        - [0, 1, 2]
        - [1, 2, 2]
";

async fn manager_and_approver(app: &TestApp) -> (Client, Client) {
    app.member("acme", "maya@acme.example", Role::IsmsManager)
        .await;
    app.member("acme", "arthur@acme.example", Role::Approver)
        .await;
    let manager = app
        .api("acme", "maya@acme.example", TokenScope::ReadWrite)
        .await;
    let approver = app
        .api("acme", "arthur@acme.example", TokenScope::ReadWrite)
        .await;
    (manager, approver)
}

async fn decide(approver: &Client, approval_id: &str, decision: &str) {
    let (status, decided) = approver
        .post_json(
            &format!("/api/v1/orgs/acme/approvals/{approval_id}/decision"),
            &json!({ "decision": decision, "comment": "Reasoned decision" }),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
}

/// Saves and submits a draft titled `title`; returns the request's id.
async fn submit_draft(manager: &Client, title: &str) -> String {
    let revision = match manager.get_json(DRAFT).await {
        (StatusCode::OK, draft) => draft["revision"].as_i64().expect("revision"),
        _ => 0,
    };
    let (status, draft) = manager
        .send_json(Method::PUT, DRAFT, &draft_body(revision, title))
        .await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    let body = json!({ "version": draft["version"], "revision": draft["revision"] });
    let (status, approval) = manager.post_json(&format!("{DRAFT}/submit"), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{approval}");
    assert_eq!(approval["record_type"], "risk_method");
    approval["id"].as_str().expect("id").to_owned()
}

fn pairs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

fn error_fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|errors| errors.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

on_both_backends! {
    async fn a_method_draft_is_checked_submitted_approved_and_put_in_force(app) {
        let (manager, approver) = manager_and_approver(&app).await;
        assert_eq!(manager.get_json(METHOD).await.0, StatusCode::NOT_FOUND, "no method before one is approved");
        let (status, three) = manager.get_json(&format!("{METHOD}/template?name=3x3")).await;
        assert_eq!((status, three["levels"].as_array().map(Vec::len)), (StatusCode::OK, Some(3)), "{three}");
        assert_eq!(manager.get_json(&format!("{METHOD}/template?name=7x7")).await.0, StatusCode::UNPROCESSABLE_ENTITY);

        let (status, draft) = manager.send_json(Method::PUT, DRAFT, &draft_body(0, "Our method")).await;
        assert_eq!(status, StatusCode::OK, "{draft}");
        assert_eq!((draft["version"].as_i64(), draft["revision"].as_i64(), draft["status"].as_str()), (Some(1), Some(1), Some("draft")));
        assert_eq!(draft["method"]["matrix"][4][4], 4);
        let (status, _) = manager.send_json(Method::PUT, DRAFT, &draft_body(0, "A parallel draft")).await;
        assert_eq!(status, StatusCode::CONFLICT, "one draft at a time");

        // Each broken rule is named by its field, and nothing changes.
        let mut bad = draft_body(1, "Our method");
        bad["method"]["matrix"][4][4] = json!(0);
        bad["method"]["levels"][0]["colour"] = json!("green");
        bad["method"]["levels"][1]["acceptor"] = json!("staff");
        bad["method"]["appetite"] = json!(9);
        let (status, problem) = manager.send_json(Method::PUT, DRAFT, &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(error_fields(&problem), ["levels[0].colour", "levels[1].acceptor", "matrix[4][4]", "appetite"]);
        let mut unknown = draft_body(1, "Our method");
        unknown["method"]["levels"][0]["colour_name"] = json!("green");
        assert_eq!(manager.send_json(Method::PUT, DRAFT, &unknown).await.0, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(manager.get_json(DRAFT).await.1["revision"], 1, "nothing was saved");

        let (status, draft) = manager.send_json(Method::PUT, DRAFT, &draft_body(1, "Our method, reworded")).await;
        assert_eq!((status, draft["revision"].as_i64()), (StatusCode::OK, Some(2)), "{draft}");
        assert_eq!(manager.send_json(Method::PUT, DRAFT, &draft_body(1, "Lost update")).await.0, StatusCode::CONFLICT);

        let (status, approval) = manager.post_json(&format!("{DRAFT}/submit"), &json!({ "version": 1, "revision": 2 })).await;
        assert_eq!(status, StatusCode::CREATED, "{approval}");
        assert_eq!(approval["record_title"], "Risk method, version 1");
        let approval_id = approval["id"].as_str().expect("id").to_owned();
        assert_eq!(manager.send_json(Method::PUT, DRAFT, &draft_body(0, "While waiting")).await.0, StatusCode::CONFLICT);
        let approval_page = app.browser("arthur@acme.example").await
            .get(&format!("/orgs/acme/approvals/{approval_id}")).await.text().await.expect("page");
        assert!(approval_page.contains("Matrix (likelihood by impact") && approval_page.contains("Almost certain: Medium | High | High | Critical | Critical"),
            "the approver reads the method they sign: {approval_page}");
        decide(&approver, &approval_id, "approve").await;
        let (status, current) = manager.get_json(METHOD).await;
        assert_eq!(status, StatusCode::OK, "{current}");
        assert_eq!((current["version"].as_i64(), current["status"].as_str()), (Some(1), Some("approved")));
        assert_eq!(current["method"]["title"], "Our method, reworded");

        // Version 2 is rejected: version 1 stays in force; both stay in the history.
        let second = submit_draft(&manager, "Second thoughts").await;
        decide(&approver, &second, "reject").await;
        assert_eq!(manager.get_json(METHOD).await.1["version"], 1);
        let (_, versions) = manager.get_json(&format!("{METHOD}/versions")).await;
        let history: Vec<(i64, &str)> = versions["items"].as_array().expect("versions").iter()
            .map(|v| (v["version"].as_i64().expect("n"), v["status"].as_str().expect("s"))).collect();
        assert_eq!(history, [(2, "rejected"), (1, "approved")]);
        let (status, old) = manager.get_json(&format!("{METHOD}/versions/2")).await;
        assert_eq!((status, old["method"]["title"].as_str()), (StatusCode::OK, Some("Second thoughts")));
        assert_eq!(manager.get_json(&format!("{METHOD}/versions/9")).await.0, StatusCode::NOT_FOUND);
        let (_, events) = manager.get_json("/api/v1/orgs/acme/audit-events?record_type=risk_method&limit=100").await;
        assert!(events["total"].as_i64().expect("total") >= 7, "every save, submission and decision is audited: {events}");
    }
}

on_both_backends! {
    async fn a_ciso_assistant_risk_matrix_is_imported_into_the_draft(app) {
        let (manager, _) = manager_and_approver(&app).await;
        let import = |revision: i64, yaml: &str| {
            manager.http
                .post(manager.url(&format!("{DRAFT}/import?revision={revision}")))
                .header(reqwest::header::CONTENT_TYPE, "application/yaml")
                .body(yaml.to_owned())
                .send()
        };
        let refused = import(0, "objects:\n  risk_matrix: []\n").await.expect("import");
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let problem: Value = refused.json().await.expect("problem");
        assert_eq!(problem["errors"][0]["field"], "file", "{problem}");
        assert_eq!(manager.get_json(DRAFT).await.0, StatusCode::NOT_FOUND, "a refused file writes nothing");

        let imported = import(0, MATRIX_3X3).await.expect("import");
        assert_eq!(imported.status(), StatusCode::OK);
        let imported: Value = imported.json().await.expect("body");
        let method = &imported["draft"]["method"];
        assert_eq!(method["title"], "Plain 3x3");
        assert_eq!(method["likelihood"][2]["name"], "Often");
        assert_eq!(method["matrix"], json!([[0, 0, 1], [0, 1, 2], [1, 2, 2]]));
        assert_eq!(method["levels"][2]["colour"], "#ff0000");
        assert!(!imported["notes"].as_array().expect("notes").is_empty(), "what the file did not say is listed: {imported}");

        // The real CISO Assistant library, read where it lies.
        let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/ciso-assistant/critical_risk_matrix_5x5.yaml");
        match std::fs::read_to_string(fixture) {
            Ok(yaml) => {
                let revision = imported["draft"]["revision"].as_i64().expect("revision");
                let response = import(revision, &yaml).await.expect("import");
                assert_eq!(response.status(), StatusCode::OK);
                let body: Value = response.json().await.expect("body");
                assert_eq!(body["draft"]["method"]["likelihood"].as_array().map(Vec::len), Some(5), "{body}");
                assert_eq!(body["draft"]["method"]["matrix"][4], json!([2, 2, 3, 4, 4]));
                assert_eq!(body["draft"]["version"], 1, "the same draft, replaced");
            }
            Err(error) => eprintln!("skipped the CISO Assistant fixture: {fixture} cannot be read ({error})"),
        }
    }
}

on_both_backends! {
    async fn only_members_allowed_to_manage_the_risk_method_change_it(app) {
        manager_and_approver(&app).await;
        for (role, email) in [(Role::Contributor, "carl@acme.example"), (Role::Auditor, "aude@acme.example"), (Role::Approver, "arthur@acme.example")] {
            app.member("acme", email, role).await;
            let client = app.api("acme", email, TokenScope::ReadWrite).await;
            assert_eq!(client.get_json(&format!("{METHOD}/versions")).await.0, StatusCode::OK, "{role:?} reads the method");
            let (status, _) = client.send_json(Method::PUT, DRAFT, &draft_body(0, "Not mine to write")).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} may not draft the method");
        }
        app.member("acme", "sam@acme.example", Role::Staff).await;
        let staff = app.api("acme", "sam@acme.example", TokenScope::ReadWrite).await;
        assert_eq!(staff.get_json(&format!("{METHOD}/versions")).await.0, StatusCode::FORBIDDEN);
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM risk_method_versions").await, 0);
    }
}

on_both_backends! {
    async fn the_method_pages_show_the_matrix_and_save_a_draft_from_a_form(app) {
        let (manager, approver) = manager_and_approver(&app).await;
        let browser = app.browser("maya@acme.example").await;
        let page = browser.get("/orgs/acme/risk/method").await.text().await.expect("page");
        assert!(page.contains("No risk method approved yet"), "{page}");
        let form = browser.get("/orgs/acme/risk/method/draft?template=3x3").await;
        assert_eq!(form.status(), StatusCode::OK);
        let form = form.text().await.expect("form");
        assert!(form.contains("name=\"matrix[2][2]\"") && form.contains("value=\"Likely\""), "{form}");

        let mut fields: Vec<(String, String)> = vec![
            ("revision".into(), "0".into()), ("title".into(), "Paper method".into()),
            ("currency".into(), "eur".into()), ("loss_appetite".into(), "250 000".into()), ("appetite".into(), "1".into()),
        ];
        for (i, name) in ["Rare", "Possible", "Likely"].iter().enumerate() {
            fields.push((format!("likelihood[{i}].name"), (*name).into()));
            fields.push((format!("likelihood[{i}].description"), format!("{name}, in our words.")));
        }
        for (i, name) in ["Limited", "Serious", "Severe"].iter().enumerate() {
            fields.push((format!("impact[{i}].name"), (*name).into()));
            fields.push((format!("impact[{i}].description"), format!("{name} harm.")));
        }
        for (i, (name, colour)) in [("Low", "#00aa00"), ("Medium", "#ffaa00"), ("High", "#aa0000")].iter().enumerate() {
            fields.push((format!("levels[{i}].name"), (*name).into()));
            fields.push((format!("levels[{i}].colour"), (*colour).into()));
            fields.push((format!("levels[{i}].response"), format!("What to do at {name}.")));
            fields.push((format!("levels[{i}].acceptor"), "approver".into()));
            fields.push((format!("levels[{i}].review_months"), "6".into()));
        }
        // A blank level row as a browser sends it: a colour input always has a colour.
        fields.push(("levels[3].colour".into(), "#000000".into()));
        fields.push(("levels[3].acceptor".into(), "isms_manager".into()));
        let grid = [["1", "1", "2"], ["1", "2", "3"], ["2", "3", "3"]];
        for (l, row) in grid.iter().enumerate() {
            for (i, cell) in row.iter().enumerate() {
                fields.push((format!("matrix[{l}][{i}]"), (*cell).into()));
            }
        }

        // A cell lower than its neighbour below is refused on the page, by field.
        let mut broken = fields.clone();
        broken.retain(|(k, _)| k != "matrix[2][2]");
        broken.push(("matrix[2][2]".into(), "1".into()));
        let refused = browser.post_form("/orgs/acme/risk/method/draft", &pairs(&broken)).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = refused.text().await.expect("page");
        assert!(page.contains("The draft was not saved") && page.contains("href=\"#matrix[2][2]\""), "{page}");
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM risk_method_versions").await, 0);

        let saved = browser.post_form("/orgs/acme/risk/method/draft", &pairs(&fields)).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let (_, draft) = manager.get_json(DRAFT).await;
        assert_eq!(draft["method"]["matrix"], json!([[0, 0, 1], [0, 1, 2], [1, 2, 2]]), "{draft}");
        assert_eq!((draft["method"]["currency"].as_str(), draft["method"]["loss_appetite"].as_i64()), (Some("EUR"), Some(250_000)));

        let submitted = browser.post_form("/orgs/acme/risk/method/draft/submit", &[("version", "1"), ("revision", "1"), ("note", "")]).await;
        assert_eq!(submitted.status(), StatusCode::SEE_OTHER);
        let (_, waiting) = approver.get_json("/api/v1/orgs/acme/approvals?mine=true").await;
        decide(&approver, waiting["items"][0]["id"].as_str().expect("id"), "approve").await;
        let page = browser.get("/orgs/acme/risk/method").await.text().await.expect("page");
        assert!(page.contains("Version 1, approved") && page.contains("background-color: #aa0000"), "{page}");
    }
}
