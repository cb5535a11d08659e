//! The risk register: scoring with the approved method, the rules of a risk, its assets,
//! filters by level, appetite, asset and heat-map cell, the score history, and moving risks
//! to a new method version; the organisation's threat and vulnerability catalogues.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::risk_method::{DRAFT, template};
use crate::support::{Client, TestApp};

pub const RISKS: &str = "/api/v1/orgs/acme/risks";

/// Approves the built-in `size` method (`5x5`, `3x3`) as the next version.
pub async fn approve_method(app: &TestApp, manager: &Client, size: &str) {
    app.member("acme", "arthur@acme.example", Role::Approver)
        .await;
    let approver = app
        .api("acme", "arthur@acme.example", TokenScope::ReadWrite)
        .await;
    let revision = match manager.get_json(DRAFT).await {
        (StatusCode::OK, draft) => draft["revision"].as_i64().expect("revision"),
        _ => 0,
    };
    let body = json!({ "revision": revision, "method": template(size) });
    let (status, draft) = manager.send_json(Method::PUT, DRAFT, &body).await;
    assert_eq!(status, StatusCode::OK, "{draft}");
    let submit = json!({ "version": draft["version"] });
    let (status, approval) = manager.post_json(&format!("{DRAFT}/submit"), &submit).await;
    assert_eq!(status, StatusCode::CREATED, "{approval}");
    let decision = format!(
        "/api/v1/orgs/acme/approvals/{}/decision",
        approval["id"].as_str().expect("id")
    );
    let (status, decided) = approver
        .post_json(&decision, &json!({ "decision": "approve" }))
        .await;
    assert_eq!(status, StatusCode::OK, "{decided}");
}

async fn manager(app: &TestApp) -> Client {
    app.member("acme", "maya@acme.example", Role::IsmsManager)
        .await;
    app.api("acme", "maya@acme.example", TokenScope::ReadWrite)
        .await
}

fn fields(problem: &Value) -> Vec<&str> {
    problem["errors"]
        .as_array()
        .map(|e| e.iter().filter_map(|e| e["field"].as_str()).collect())
        .unwrap_or_default()
}

fn references(list: &Value) -> Vec<&str> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {list}"))
        .iter()
        .filter_map(|r| r["reference"].as_str())
        .collect()
}

on_both_backends! {
    async fn risks_are_scored_with_the_approved_method_and_filtered_by_level_and_appetite(app) {
        let manager = manager(&app).await;
        let (_, threats) = manager.get_json("/api/v1/orgs/acme/threats").await;
        let threats = threats.as_array().expect("threats");
        assert!(threats.len() >= 40, "the shipped catalogue is given to the organisation");
        let phishing = threats.iter().find(|t| t["reference"] == "TH-HD-01").expect("TH-HD-01");
        let (_, vulnerabilities) = manager.get_json("/api/v1/orgs/acme/vulnerabilities").await;
        assert!(vulnerabilities.as_array().expect("vulnerabilities").len() >= 30);
        let weakness = &vulnerabilities[0];

        // Before a method is approved, a risk is recorded but not rated.
        let (status, unrated) = manager.post_json(RISKS, &json!({ "title": "Laptop stolen" })).await;
        assert_eq!(status, StatusCode::CREATED, "{unrated}");
        assert_eq!((unrated["reference"].as_str(), unrated["status"].as_str()), (Some("RSK-0001"), Some("identified")));
        let rated = json!({ "title": "Phished payroll", "inherent_likelihood": 4, "inherent_impact": 5, "status": "assessed" });
        let (status, problem) = manager.post_json(RISKS, &rated).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(fields(&problem), ["inherent_likelihood"]);

        approve_method(&app, &manager, "5x5").await;
        let (status, asset) = manager.post_json("/api/v1/orgs/acme/assets", &json!({ "name": "Payroll", "type": "information" })).await;
        assert_eq!(status, StatusCode::CREATED, "{asset}");
        let mut body = rated.clone();
        body["threat_id"] = phishing["id"].clone();
        body["vulnerability_id"] = weakness["id"].clone();
        body["confidentiality"] = json!(true);
        body["asset_ids"] = json!([asset["id"]]);
        let (status, high) = manager.post_json(RISKS, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{high}");
        assert_eq!((high["method_version"].as_i64(), high["inherent_level"].as_i64()), (Some(1), Some(4)));
        assert_eq!(high["threat_name"], phishing["name"]);
        assert_eq!(high["assets"][0]["reference"], "AST-0001");
        // The critical level is reviewed every month.
        let next = high["next_review_on"].as_str().expect("next review");
        assert!(next > custos_app::now().date().to_string().as_str(), "{next}");

        let low = json!({ "title": "Coffee on the keyboard", "inherent_likelihood": 2, "inherent_impact": 1, "status": "assessed", "integrity": true });
        let (status, low) = manager.post_json(RISKS, &low).await;
        assert_eq!((status, low["inherent_level"].as_i64()), (StatusCode::CREATED, Some(0)), "{low}");

        // Each broken rule is named; nothing is written.
        for (bad, field) in [
            (json!({ "title": "Off the scale", "inherent_likelihood": 6, "inherent_impact": 1, "status": "assessed" }), "inherent_likelihood"),
            (json!({ "title": "Half rated", "inherent_likelihood": 3, "status": "assessed" }), "inherent_impact"),
            (json!({ "title": "Accepted by hand", "inherent_likelihood": 1, "inherent_impact": 1, "status": "accepted" }), "status"),
            (json!({ "title": "Unknown threat", "threat_id": uuid::Uuid::now_v7() }), "threat_id"),
            (json!({ "title": "Foreign asset", "asset_ids": [uuid::Uuid::now_v7()] }), "asset_ids"),
            (json!({ "title": "Planned without option", "inherent_likelihood": 1, "inherent_impact": 1, "status": "treatment_planned" }), "treatment"),
        ] {
            let (status, problem) = manager.post_json(RISKS, &bad).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{bad}: {problem}");
            assert!(fields(&problem).contains(&field), "{bad}: {problem}");
        }
        assert_eq!(manager.get_json(RISKS).await.1["total"], 3);

        // Filters: level (from 1), appetite of the method in force (Low), asset, heat-map cell.
        let list = async |query: &str| manager.get_json(&format!("{RISKS}?{query}")).await;
        assert_eq!(references(&list("level=5").await.1), ["RSK-0002"]);
        assert_eq!(references(&list("appetite=above").await.1), ["RSK-0002"]);
        assert_eq!(references(&list("appetite=within").await.1), ["RSK-0003"]);
        assert_eq!(references(&list(&format!("asset_id={}", asset["id"].as_str().expect("id"))).await.1), ["RSK-0002"]);
        assert_eq!(references(&list("likelihood=4&impact=5&level_kind=inherent").await.1), ["RSK-0002"]);
        assert_eq!(references(&list("sort=level&dir=desc").await.1), ["RSK-0002", "RSK-0003", "RSK-0001"], "unrated last");
        assert_eq!(list("appetite=sideways").await.0, StatusCode::UNPROCESSABLE_ENTITY);

        let (status, map) = manager.get_json(&format!("{RISKS}/heat-map")).await;
        assert_eq!(status, StatusCode::OK, "{map}");
        assert_eq!((map["counts"][3][4].as_i64(), map["counts"][1][0].as_i64()), (Some(1), Some(1)));
        assert_eq!(map["levels"][4][4], 4);
        assert_eq!(manager.get_json(&format!("{RISKS}/heat-map?of=residual")).await.1["counts"][3][4], 0);

        // Treating it: residual scores and an option; the history keeps both assessments.
        let id = high["id"].as_str().expect("id");
        let mut update = body.clone();
        update["version"] = high["version"].clone();
        update["residual_likelihood"] = json!(2);
        update["residual_impact"] = json!(3);
        update["treatment"] = json!("modify");
        update["status"] = json!("in_treatment");
        update["existing_controls"] = json!("Phishing drills twice a year");
        let (status, treated) = manager.send_json(Method::PUT, &format!("{RISKS}/{id}"), &update).await;
        assert_eq!(status, StatusCode::OK, "{treated}");
        assert_eq!((treated["residual_level"].as_i64(), treated["version"].as_i64()), (Some(1), Some(2)));
        assert_eq!(references(&list("appetite=within").await.1), ["RSK-0002", "RSK-0003"], "residual Low is within the appetite");
        let (status, _) = manager.send_json(Method::PUT, &format!("{RISKS}/{id}"), &update).await;
        assert_eq!(status, StatusCode::CONFLICT, "a stale version");
        let stored = app.raw_count("SELECT COUNT(*) FROM risk_scores").await;
        assert_eq!(stored, 4, "one score record per assessment");
    }
}

on_both_backends! {
    async fn moving_to_a_new_method_version_rescores_risks_and_keeps_the_old_scores(app) {
        let manager = manager(&app).await;
        approve_method(&app, &manager, "5x5").await;
        let fits = json!({ "title": "Fits a 3x3", "inherent_likelihood": 2, "inherent_impact": 3, "status": "assessed" });
        let (_, fits) = manager.post_json(RISKS, &fits).await;
        let too_big = json!({ "title": "Needs a 5x5", "inherent_likelihood": 5, "inherent_impact": 5, "status": "assessed" });
        let (_, too_big) = manager.post_json(RISKS, &too_big).await;
        assert_eq!(fits["inherent_level"], 1, "{fits}");

        approve_method(&app, &manager, "3x3").await;
        let (status, map) = manager.get_json(&format!("{RISKS}/heat-map")).await;
        assert_eq!((status, map["on_other_versions"].as_i64()), (StatusCode::OK, Some(2)), "{map}");
        let (status, moved) = manager.post_json(&format!("{RISKS}/rescore"), &json!({})).await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        assert_eq!(moved["moved"], 1);
        assert_eq!(moved["left"][0]["reference"], too_big["reference"]);
        let (_, fits_now) = manager.get_json(&format!("{RISKS}/{}", fits["id"].as_str().expect("id"))).await;
        assert_eq!((fits_now["method_version"].as_i64(), fits_now["inherent_level"].as_i64()), (Some(2), Some(2)), "{fits_now}");
        let reasons = app.raw_count("SELECT COUNT(*) FROM risk_scores WHERE reason = 'method_changed'").await;
        assert_eq!(reasons, 1);
        let (_, events) = manager.get_json("/api/v1/orgs/acme/audit-events?record_type=risk").await;
        assert_eq!(events["total"], 3, "two creations and the move: {events}");
        // A contributor may rate risks but not move them.
        app.member("acme", "carl@acme.example", Role::Contributor).await;
        let carl = app.api("acme", "carl@acme.example", TokenScope::ReadWrite).await;
        assert_eq!(carl.post_json(&format!("{RISKS}/rescore"), &json!({})).await.0, StatusCode::FORBIDDEN);
        assert_eq!(carl.post_json(RISKS, &json!({ "title": "Carl's risk" })).await.0, StatusCode::CREATED);
        // Deleting keeps the end in the history.
        let id = fits["id"].as_str().expect("id");
        let response = manager.http.delete(manager.url(&format!("{RISKS}/{id}?version=2"))).send().await.expect("delete");
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM risk_scores WHERE reason = 'deleted'").await, 1);
    }
}
