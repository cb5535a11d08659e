//! The impact scale and the classification scheme: editing the scale and its refusal while
//! assets use a level, the scheme's versions through draft, submission, approval and
//! rejection, who may change them, and the approval page of a version.

use custos_app::domain::assets::classification::ClassificationScheme;
use custos_app::domain::platform::{Role, TokenScope};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Client, TestApp};

pub const SCALE: &str = "/api/v1/orgs/acme/impact-scale";
pub const SCHEME: &str = "/api/v1/orgs/acme/classification-scheme";
pub const DRAFT: &str = "/api/v1/orgs/acme/classification-scheme/draft";

/// A valid impact scale body with `count` levels replacing `version`.
pub fn scale_body(count: usize, version: i64) -> Value {
    let levels: Vec<Value> = (1..=count)
        .map(|i| json!({ "label": format!("Impact {i}"), "description": format!("What impact {i} does.") }))
        .collect();
    json!({ "version": version, "levels": levels })
}

/// The levels of the built-in scheme as an API body sends them.
pub fn built_in_levels() -> Vec<Value> {
    ClassificationScheme::default_scheme()
        .levels
        .iter()
        .map(|level| serde_json::to_value(level).expect("level"))
        .collect()
}

/// A draft body: the built-in levels, the most sensitive one renamed `top_name`.
pub fn draft_body(revision: i64, top_name: &str) -> Value {
    let mut levels = built_in_levels();
    levels[3]["name"] = json!(top_name);
    json!({ "revision": revision, "levels": levels })
}

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

/// Saves and submits a draft whose top level is named `top_name`; returns the request's id.
async fn submit_draft(manager: &Client, top_name: &str) -> String {
    let revision = match manager.get_json(DRAFT).await {
        (StatusCode::OK, draft) => draft["revision"].as_i64().expect("revision"),
        _ => 0,
    };
    let (status, draft) = manager
        .send_json(Method::PUT, DRAFT, &draft_body(revision, top_name))
        .await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    let body = json!({ "version": draft["version"], "revision": draft["revision"], "note": "Please sign" });
    let (status, approval) = manager.post_json(&format!("{DRAFT}/submit"), &body).await;
    assert_eq!(status, StatusCode::CREATED, "{approval}");
    assert_eq!(approval["record_type"], "classification_scheme");
    assert_eq!(approval["record_version"], draft["version"]);
    approval["id"].as_str().expect("id").to_owned()
}

on_both_backends! {
    async fn the_impact_scale_changes_but_never_drops_a_level_assets_use(app) {
        let (manager, _) = manager_and_approver(&app).await;
        let (status, scale) = manager.get_json(SCALE).await;
        assert_eq!(status, StatusCode::OK, "{scale}");
        assert_eq!((scale["version"].as_i64(), scale["built_in"].as_bool()), (Some(0), Some(true)));
        assert_eq!(scale["levels"].as_array().map(Vec::len), Some(4));
        assert_eq!(scale["levels"][3]["label"], "Severe");

        // Five levels of our own, sent back as GET shows them (values included).
        let mut five = scale_body(5, 0);
        five["levels"][0]["value"] = json!(1);
        let (status, saved) = manager.send_json(Method::PUT, SCALE, &five).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        assert_eq!((saved["version"].as_i64(), saved["built_in"].as_bool()), (Some(1), Some(false)));
        assert_eq!(saved["levels"][4], json!({ "value": 5, "label": "Impact 5", "description": "What impact 5 does." }));
        let (_, events) = manager.get_json("/api/v1/orgs/acme/audit-events?record_type=impact_scale").await;
        assert_eq!(events["total"], 1, "{events}");
        assert_eq!(events["items"][0]["action"], "update");
        assert_eq!(events["items"][0]["after"]["levels"][4]["label"], "Impact 5");
        assert_eq!(events["items"][0]["before"]["levels"][3]["label"], "Severe");

        // An asset valued at 4: three levels are refused, nothing changes.
        let asset = json!({ "name": "Payroll", "type": "information", "integrity": 4 });
        let (status, created) = manager.post_json("/api/v1/orgs/acme/assets", &asset).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let (status, problem) = manager.send_json(Method::PUT, SCALE, &scale_body(3, 1)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "levels");
        let message = problem["errors"][0]["message"].as_str().expect("message");
        assert!(message.starts_with("Assets are valued up to level 4 (Impact 4), so the scale needs at least 4 levels"), "{message}");
        let (_, scale) = manager.get_json(SCALE).await;
        assert_eq!((scale["version"].as_i64(), scale["highest_value_in_use"].as_i64()), (Some(1), Some(4)));
        assert_eq!(scale["levels"].as_array().map(Vec::len), Some(5));
        // Four levels keep every valuation: allowed.
        let (status, four) = manager.send_json(Method::PUT, SCALE, &scale_body(4, 1)).await;
        assert_eq!((status, four["version"].as_i64()), (StatusCode::OK, Some(2)), "{four}");

        // Bad input is refused with the field named, and a stale version with 409.
        let mut bad = scale_body(4, 2);
        bad["levels"][1]["label"] = json!("Impact 1");
        bad["levels"][2]["value"] = json!(7);
        let (status, problem) = manager.send_json(Method::PUT, SCALE, &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["errors"][0]["field"], "levels[2].value");
        bad["levels"][2]["value"] = json!(3);
        let (_, problem) = manager.send_json(Method::PUT, SCALE, &bad).await;
        assert_eq!(problem["errors"][0]["field"], "levels[1].label", "{problem}");
        let (status, _) = manager.send_json(Method::PUT, SCALE, &scale_body(2, 2)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = manager.send_json(Method::PUT, SCALE, &scale_body(4, 1)).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(manager.get_json(SCALE).await.1["version"], 2, "nothing changed");
        let (_, events) = manager.get_json("/api/v1/orgs/acme/audit-events?record_type=impact_scale").await;
        assert_eq!(events["total"], 2);

        // The page shows the scale and refuses the same change with the same words.
        let browser = app.browser("maya@acme.example").await;
        let page = browser.get("/orgs/acme/assets/impact-scale").await.text().await.expect("page");
        assert!(page.contains("Impact 4") && page.contains("What impact 4 does.") && page.contains("Assets are valued up to level 4."), "{page}");
        let refused = browser.post_form("/orgs/acme/assets/impact-scale", &[
            ("version", "2"),
            ("levels[0].label", "Low"), ("levels[0].description", "Little harm."),
            ("levels[1].label", "Mid"), ("levels[1].description", "Some harm."),
            ("levels[2].label", "High"), ("levels[2].description", "Much harm."),
            ("levels[3].label", ""), ("levels[3].description", ""),
        ]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = refused.text().await.expect("page");
        assert!(page.contains("The impact scale was not saved") && page.contains("Assets are valued up to level 4"), "{page}");
        let saved = browser.post_form("/orgs/acme/assets/impact-scale", &[
            ("version", "2"),
            ("levels[0].label", "Low"), ("levels[0].description", "Little harm."),
            ("levels[1].label", "Mid"), ("levels[1].description", "Some harm."),
            ("levels[2].label", "High"), ("levels[2].description", "Much harm."),
            ("levels[3].label", "Critical"), ("levels[3].description", "Existential harm."),
            ("levels[4].label", ""), ("levels[4].description", ""),
        ]).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        assert_eq!(manager.get_json(SCALE).await.1["levels"][3]["label"], "Critical");
    }
}

on_both_backends! {
    async fn a_scheme_draft_is_submitted_approved_and_becomes_the_scheme_in_force(app) {
        let (manager, approver) = manager_and_approver(&app).await;
        let (_, current) = manager.get_json(SCHEME).await;
        assert_eq!((current["approved"].as_bool(), current["version"].as_i64()), (Some(false), None), "{current}");
        assert_eq!(current["levels"][0]["name"], "Public");
        assert_eq!(manager.get_json(DRAFT).await.0, StatusCode::NOT_FOUND);

        // A draft is saved at its revision; a stale revision is refused.
        let (status, draft) = manager.send_json(Method::PUT, DRAFT, &draft_body(0, "Secret")).await;
        assert_eq!(status, StatusCode::OK, "{draft}");
        assert_eq!((draft["version"].as_i64(), draft["revision"].as_i64(), draft["status"].as_str()), (Some(1), Some(1), Some("draft")));
        let (status, draft) = manager.send_json(Method::PUT, DRAFT, &draft_body(1, "Top secret")).await;
        assert_eq!((status, draft["revision"].as_i64()), (StatusCode::OK, Some(2)), "{draft}");
        let (status, _) = manager.send_json(Method::PUT, DRAFT, &draft_body(1, "Lost update")).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = manager.send_json(Method::PUT, DRAFT, &draft_body(0, "Second draft")).await;
        assert_eq!(status, StatusCode::CONFLICT, "one draft at a time");
        // Bad levels are refused by field, and change nothing.
        let mut bad = draft_body(2, "Top secret");
        bad["levels"][1]["name"] = json!(" ");
        bad["levels"][2]["colour"] = json!("orange");
        let (status, problem) = manager.send_json(Method::PUT, DRAFT, &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let fields: Vec<&str> = problem["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
        assert_eq!(fields, ["levels[1].name", "levels[2].colour"]);
        assert_eq!(manager.get_json(DRAFT).await.1["revision"], 2);
        assert_eq!(manager.get_json(SCHEME).await.1["approved"], false, "a draft is not in force");

        let body = json!({ "version": 1, "revision": 2, "note": "First scheme" });
        let (status, approval) = manager.post_json(&format!("{DRAFT}/submit"), &body).await;
        assert_eq!(status, StatusCode::CREATED, "{approval}");
        assert_eq!(approval["record_title"], "Classification scheme, version 1");
        let approval_id = approval["id"].as_str().expect("id").to_owned();
        assert_eq!(manager.get_json(DRAFT).await.0, StatusCode::NOT_FOUND, "a submitted version is no draft");
        decide(&approver, &approval_id, "approve").await;
        let (_, current) = manager.get_json(SCHEME).await;
        assert_eq!((current["approved"].as_bool(), current["version"].as_i64()), (Some(true), Some(1)), "{current}");
        assert_eq!(current["levels"][3]["name"], "Top secret");
        assert!(current["approved_at"].is_string());

        // Version 2 is rejected: version 1 stays in force, and both stay in the history.
        let second = submit_draft(&manager, "Crown jewels").await;
        decide(&approver, &second, "reject").await;
        let (_, current) = manager.get_json(SCHEME).await;
        assert_eq!((current["version"].as_i64(), current["levels"][3]["name"].as_str()), (Some(1), Some("Top secret")));
        let (_, versions) = manager.get_json(&format!("{SCHEME}/versions")).await;
        assert_eq!(versions["total"], 2);
        let history: Vec<(i64, &str)> = versions["items"].as_array().expect("versions").iter()
            .map(|v| (v["version"].as_i64().expect("n"), v["status"].as_str().expect("s"))).collect();
        assert_eq!(history, [(2, "rejected"), (1, "approved")]);

        // Version 3 is approved and replaces version 1.
        let third = submit_draft(&manager, "Board only").await;
        decide(&approver, &third, "approve").await;
        let (_, current) = manager.get_json(SCHEME).await;
        assert_eq!((current["version"].as_i64(), current["levels"][3]["name"].as_str()), (Some(3), Some("Board only")));
        let (_, events) = manager.get_json("/api/v1/orgs/acme/audit-events?record_type=classification_scheme&limit=100").await;
        assert!(events["total"].as_i64().expect("total") >= 9, "every save, submission and decision is audited: {events}");
    }
}

on_both_backends! {
    async fn a_submitted_version_never_changes_and_blocks_new_drafts_until_decided(app) {
        let (manager, approver) = manager_and_approver(&app).await;
        let approval = submit_draft(&manager, "Secret").await;
        let (status, problem) = manager.send_json(Method::PUT, DRAFT, &draft_body(1, "Changed after submission")).await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        let (status, problem) = manager.send_json(Method::PUT, DRAFT, &draft_body(0, "A parallel draft")).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(problem["detail"].as_str().expect("detail").contains("Version 1 of the classification scheme is waiting for a decision"), "{problem}");
        let (status, _) = manager.post_json(&format!("{DRAFT}/submit"), &json!({ "version": 1 })).await;
        assert_eq!(status, StatusCode::CONFLICT, "submitted once");
        let (_, versions) = manager.get_json(&format!("{SCHEME}/versions")).await;
        assert_eq!(versions["items"][0]["levels"][3]["name"], "Secret");
        assert_eq!(versions["items"][0]["status"], "pending_approval");
        let stored = app.raw_count("SELECT COUNT(*) FROM classification_scheme_versions").await;
        assert_eq!(stored, 1);
        decide(&approver, &approval, "reject").await;
        // Rejected, it stays as it was; the next draft is a new version.
        let (status, draft) = manager.send_json(Method::PUT, DRAFT, &draft_body(0, "Secret, reworded")).await;
        assert_eq!((status, draft["version"].as_i64()), (StatusCode::OK, Some(2)), "{draft}");
        let (_, versions) = manager.get_json(&format!("{SCHEME}/versions")).await;
        assert_eq!((versions["items"][1]["status"].as_str(), versions["items"][1]["levels"][3]["name"].as_str()), (Some("rejected"), Some("Secret")));
        let (_, page) = manager.get_json(&format!("{SCHEME}/versions?limit=1&offset=1")).await;
        assert_eq!((page["total"].as_i64(), page["items"][0]["version"].as_i64()), (Some(2), Some(1)), "{page}");
        assert_eq!(manager.get_json(&format!("{SCHEME}/versions?limit=0")).await.0, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

on_both_backends! {
    async fn a_version_dropping_a_rank_assets_hold_cannot_be_submitted(app) {
        let (manager, _) = manager_and_approver(&app).await;
        let asset = json!({ "name": "Board minutes", "type": "information", "classification": 4 });
        let (status, created) = manager.post_json("/api/v1/orgs/acme/assets", &asset).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let mut levels = built_in_levels();
        levels.truncate(3);
        let (status, draft) = manager.send_json(Method::PUT, DRAFT, &json!({ "revision": 0, "levels": levels })).await;
        assert_eq!(status, StatusCode::OK, "a draft may be anything valid: {draft}");
        let (status, problem) = manager.post_json(&format!("{DRAFT}/submit"), &json!({ "version": 1 })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(problem["errors"][0]["message"].as_str().expect("message").starts_with("Assets are classified at rank 4"), "{problem}");
        assert_eq!(manager.get_json(DRAFT).await.1["status"], "draft", "still a draft");
    }
}

on_both_backends! {
    async fn a_version_is_not_put_in_force_over_assets_classified_while_it_waited(app) {
        let (manager, approver) = manager_and_approver(&app).await;
        let mut levels = built_in_levels();
        levels.truncate(3);
        manager.send_json(Method::PUT, DRAFT, &json!({ "revision": 0, "levels": levels })).await;
        let (status, approval) = manager.post_json(&format!("{DRAFT}/submit"), &json!({ "version": 1 })).await;
        assert_eq!(status, StatusCode::CREATED, "{approval}");
        let asset = json!({ "name": "Merger plans", "type": "information", "classification": 4 });
        assert_eq!(manager.post_json("/api/v1/orgs/acme/assets", &asset).await.0, StatusCode::CREATED);
        let decision = format!("/api/v1/orgs/acme/approvals/{}/decision", approval["id"].as_str().expect("id"));
        let (status, problem) = approver.post_json(&decision, &json!({ "decision": "approve" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(problem["errors"][0]["message"].as_str().expect("message").starts_with("Assets are classified at rank 4"), "{problem}");
        assert_eq!(manager.get_json(SCHEME).await.1["approved"], false, "nothing was approved");
        let (status, _) = approver.post_json(&decision, &json!({ "decision": "reject", "comment": "Keep Restricted" })).await;
        assert_eq!(status, StatusCode::OK, "rejecting stays possible");
    }
}

on_both_backends! {
    async fn only_members_allowed_to_manage_asset_settings_change_them(app) {
        manager_and_approver(&app).await;
        for (role, email) in [(Role::Contributor, "carl@acme.example"), (Role::Auditor, "aude@acme.example"), (Role::Approver, "arthur@acme.example")] {
            app.member("acme", email, role).await;
            let client = app.api("acme", email, TokenScope::ReadWrite).await;
            assert_eq!(client.get_json(SCALE).await.0, StatusCode::OK, "{role:?} reads the scale");
            assert_eq!(client.get_json(SCHEME).await.0, StatusCode::OK, "{role:?} reads the scheme");
            let (status, problem) = client.send_json(Method::PUT, SCALE, &scale_body(4, 0)).await;
            assert_eq!(status, StatusCode::FORBIDDEN, "{role:?}: {problem}");
            assert!(problem["detail"].as_str().expect("detail").contains("change the impact scale"));
            assert_eq!(client.send_json(Method::PUT, DRAFT, &draft_body(0, "Mine")).await.0, StatusCode::FORBIDDEN, "{role:?}");
            assert_eq!(client.post_json(&format!("{DRAFT}/submit"), &json!({ "version": 1 })).await.0, StatusCode::FORBIDDEN, "{role:?}");
            let browser = app.browser(email).await;
            let posted = browser.post_form("/orgs/acme/assets/impact-scale", &[("version", "0"), ("levels[0].label", "x")]).await;
            assert_eq!(posted.status(), StatusCode::FORBIDDEN, "{role:?}");
            assert_eq!(browser.get("/orgs/acme/assets/classification/draft").await.status(), StatusCode::FORBIDDEN, "{role:?}");
            let page = browser.get("/orgs/acme/assets/impact-scale").await.text().await.expect("page");
            assert!(!page.contains("Save impact scale"), "{role:?} sees no form");
        }
        app.member("acme", "sam@acme.example", Role::Staff).await;
        let staff = app.api("acme", "sam@acme.example", TokenScope::ReadWrite).await;
        assert_eq!(staff.get_json(SCALE).await.0, StatusCode::FORBIDDEN);
        assert_eq!(staff.get_json(SCHEME).await.0, StatusCode::FORBIDDEN);
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM impact_scales").await, 0);
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM classification_scheme_versions").await, 0);
    }
}

on_both_backends! {
    async fn the_pages_draft_and_submit_and_the_approval_page_shows_the_levels_signed(app) {
        let (_, approver) = manager_and_approver(&app).await;
        let browser = app.browser("maya@acme.example").await;
        let page = browser.get("/orgs/acme/assets/classification").await.text().await.expect("page");
        assert!(page.contains("Not yet approved by") && page.contains("Start a new draft"), "{page}");
        assert!(page.contains("CONFIDENTIAL") && page.contains("cross-cut shredder") && page.contains("fill=\"#b3261e\""), "levels, rules and colours");

        // The form starts from the built-in scheme; a blank name is refused by field.
        let form = browser.get("/orgs/acme/assets/classification/draft").await.text().await.expect("form");
        assert!(form.contains("name=\"levels[3].name\"") && form.contains("value=\"Restricted\"") && form.contains("name=\"revision\" value=\"0\""), "{form}");
        let mut fields: Vec<(String, String)> = vec![("revision".into(), "0".into())];
        for (index, level) in ClassificationScheme::default_scheme().levels.iter().enumerate() {
            let value = serde_json::to_value(level).expect("level");
            for (field, text) in value.as_object().expect("object") {
                let text = match text { Value::String(s) => s.clone(), other => other.to_string() };
                fields.push((format!("levels[{index}].{field}"), text));
            }
        }
        // An empty row, as the form sends for a level not added.
        fields.extend([("levels[4].name".into(), String::new()), ("levels[4].colour".into(), "#000000".into())]);
        let mut broken = fields.clone();
        for (name, value) in &mut broken {
            if name == "levels[1].name" { value.clear(); }
        }
        let as_refs = |fields: &[(String, String)]| -> Vec<(String, String)> { fields.to_vec() };
        let refused = browser.http.post(browser.url("/orgs/acme/assets/classification/draft")).form(&as_refs(&broken)).send().await.expect("post");
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = refused.text().await.expect("page");
        assert!(page.contains("The draft was not saved") && page.contains("href=\"#levels[1].name\"") && page.contains("Level 2, name: This field is required."), "{page}");
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM classification_scheme_versions").await, 0, "nothing saved");
        for (name, value) in &mut fields {
            if name == "levels[3].disposal" { *value = "Shred on site; keep the certificate.".into(); }
        }
        let saved = browser.http.post(browser.url("/orgs/acme/assets/classification/draft")).form(&fields).send().await.expect("post");
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let page = browser.get("/orgs/acme/assets/classification?notice=scheme-draft-saved").await.text().await.expect("page");
        assert!(page.contains("Draft saved.") && page.contains("Submit version 1 for approval"), "{page}");
        let submitted = browser.post_form("/orgs/acme/assets/classification/draft/submit", &[("version", "1"), ("revision", "1"), ("note", "Our first scheme")]).await;
        assert_eq!(submitted.status(), StatusCode::SEE_OTHER);

        let (_, inbox) = approver.get_json("/api/v1/orgs/acme/approvals?mine=true").await;
        let first = inbox["items"][0]["id"].as_str().expect("request").to_owned();
        decide(&approver, &first, "approve").await;

        // Version 2 rewords one rule: the approval page shows every level and that change.
        let manager = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let mut levels = built_in_levels();
        levels[3]["disposal"] = json!("Destroyed by a certified company, with a certificate.");
        let (status, draft) = manager.send_json(Method::PUT, DRAFT, &json!({ "revision": 0, "levels": levels })).await;
        assert_eq!(status, StatusCode::OK, "{draft}");
        let (_, approval) = manager.post_json(&format!("{DRAFT}/submit"), &json!({ "version": 2 })).await;
        let approval_id = approval["id"].as_str().expect("id");
        let approver_browser = app.browser("arthur@acme.example").await;
        let page = approver_browser.get(&format!("/orgs/acme/approvals/{approval_id}")).await.text().await.expect("page");
        assert!(page.contains("Classification scheme, version 2"), "{page}");
        for level in ["Level 1", "Level 2", "Level 3", "Level 4", "Public (rank 1, colour #2e7d32)", "Restricted (rank 4, colour #b3261e)", "Transfer on removable media:", "Destroyed by a certified company, with a certificate."] {
            assert!(page.contains(level), "the approval page shows {level}");
        }
        assert!(page.contains("Compared with version 1"), "{page}");
        assert!(page.contains("Shred on site; keep the certificate."), "the change shows what version 1 said");
        assert!(page.contains("href=\"/orgs/acme/assets/classification\""), "the request links to the scheme");
        let page = browser.get("/orgs/acme/assets/classification").await.text().await.expect("page");
        assert!(page.contains("Version 1, approved by senior management") && page.contains("waiting for a decision"), "{page}");
        let page = browser.get("/orgs/acme/assets/classification?version=2").await.text().await.expect("page");
        assert!(page.contains("Destroyed by a certified company") && page.contains("Waiting for approval"), "{page}");
        assert_eq!(browser.get("/orgs/acme/assets/classification?version=9").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(browser.get("/orgs/acme/assets/classification/draft").await.status(), StatusCode::CONFLICT, "no draft while a version waits");
    }
}

on_both_backends! {
    async fn asset_levels_must_be_on_the_organisations_scale_and_in_its_scheme(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        // The built-in scheme has four levels: rank 5 is none of them, and the message lists them.
        let body = json!({ "name": "Vault", "type": "site", "classification": 5 });
        let (status, problem) = api.post_json("/api/v1/orgs/acme/assets", &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(problem.to_string().contains("4 (Restricted)"), "{problem}");
        // A three-level scale: an impact of 4 is refused, 3 is kept.
        let (status, scale) = api.send_json(reqwest::Method::PUT, SCALE, &scale_body(3, 0)).await;
        assert_eq!(status, StatusCode::OK, "{scale}");
        let (status, problem) = api.post_json("/api/v1/orgs/acme/assets", &json!({ "name": "Vault", "type": "site", "integrity": 4 })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(problem.to_string().contains("integrity"), "{problem}");
        let (status, created) = api.post_json("/api/v1/orgs/acme/assets", &json!({ "name": "Vault", "type": "site", "integrity": 3, "classification": 4 })).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        // The form offers the scheme's levels by name and the scale's by label.
        let browser = app.browser("maya@acme.example").await;
        let form = browser.get("/orgs/acme/assets/new").await.text().await.expect("form");
        assert!(form.contains("4 · Restricted") && form.contains("3 · Impact 3") && !form.contains("4 · Impact 4"), "{form}");
        // Bulk changes are held to the scheme too.
        let id = created["id"].as_str().expect("id");
        let (status, _) = api.post_json("/api/v1/orgs/acme/assets/bulk", &json!({ "ids": [id], "set": { "classification": 7 } })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}
