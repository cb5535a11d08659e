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
        let (status_db, database) = manager.post_json("/api/v1/orgs/acme/assets", &json!({ "name": "HR database", "type": "software", "confidentiality": 3, "availability": 4 })).await;
        assert_eq!(status_db, StatusCode::CREATED, "{database}");
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
        let (_, shown) = manager.get_json(&format!("{RISKS}/{}", high["id"].as_str().expect("id"))).await;
        assert_eq!(shown.get("suggested_impact"), None, "Payroll is not valued yet: {shown}");
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

        // The impact its assets suggest: the HR database's confidentiality 3 of the built-in
        // asset scale's 4 steps, on the method's 5 (3 × 5 / 4, rounded up).
        let (_, with_database) = manager.post_json(RISKS, &json!({ "title": "HR data leaks", "confidentiality": true, "asset_ids": [database["id"]] })).await;
        let (_, shown) = manager.get_json(&format!("{RISKS}/{}", with_database["id"].as_str().expect("id"))).await;
        assert_eq!(shown["suggested_impact"], 4, "{shown}");
        let page = app.browser("maya@acme.example").await.get(&format!("/orgs/acme/risks/{}", with_database["id"].as_str().expect("id"))).await.text().await.expect("page");
        assert!(page.contains("Impact its assets suggest: 4. Serious, from AST-0002&#39;s confidentiality") || page.contains("Impact its assets suggest: 4. Serious, from AST-0002&#x27;s confidentiality"), "{page}");
        let id = with_database["id"].as_str().expect("id");
        let gone = manager.http.delete(manager.url(&format!("{RISKS}/{id}?version=1"))).send().await.expect("delete");
        assert_eq!(gone.status(), StatusCode::NO_CONTENT);

        // Filters: level (from 1), appetite of the method in force (Low), asset, heat-map cell.
        let list = async |query: &str| manager.get_json(&format!("{RISKS}?{query}")).await;
        assert_eq!(references(&list("level=5").await.1), ["RSK-0002"]);
        assert_eq!(references(&list("appetite=above").await.1), ["RSK-0002"]);
        assert_eq!(references(&list("appetite=within").await.1), ["RSK-0003"]);
        assert_eq!(references(&list(&format!("asset_id={}", asset["id"].as_str().expect("id"))).await.1), ["RSK-0002"]);
        for sort in ["title", "level", "status", "next_review_on", "updated_at"] {
            let (status, sorted) = list(&format!("asset_id={}&sort={sort}&dir=desc", asset["id"].as_str().expect("id"))).await;
            assert_eq!((status, references(&sorted)), (StatusCode::OK, vec!["RSK-0002"]), "{sort}");
        }
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
        assert_eq!(stored, 6, "one score record per assessment, and the deleted risk's two");
        // This month's end: RSK-0001 unrated, RSK-0002 now Low (residual), RSK-0003 Very low.
        let (status, trend) = manager.get_json(&format!("{RISKS}/trend")).await;
        assert_eq!(status, StatusCode::OK, "{trend}");
        let months = trend["months"].as_array().expect("months");
        assert_eq!(months.len(), 12);
        assert_eq!((months[11]["counts"].clone(), months[11]["unrated"].as_i64()), (json!([1, 1, 0, 0, 0]), Some(1)), "{trend}");
        assert_eq!(months[10]["counts"], json!([0, 0, 0, 0, 0]), "nothing before this month");
        let page = app.browser("maya@acme.example").await.get("/orgs/acme/risks").await.text().await.expect("page");
        assert!(page.contains("Open risks by level") && page.contains("Inherent risk heat map"), "{page}");
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

on_both_backends! {
    async fn moving_thousands_of_risks_writes_each_with_its_history_and_an_unbroken_audit_chain(app) {
        let manager = manager(&app).await;
        approve_method(&app, &manager, "5x5").await;
        let first = json!({ "title": "Copied", "inherent_likelihood": 4, "inherent_impact": 5, "residual_likelihood": 2, "residual_impact": 2, "status": "assessed" });
        let (_, first) = manager.post_json(RISKS, &first).await;
        // 2,500 copies written by SQL: the move then writes and audits them over several
        // batches, its events made on another thread meanwhile.
        let copies = 2_500;
        let values: Vec<String> = (1..=copies).map(|n| format!("({n}, '{}')", uuid::Uuid::now_v7())).collect();
        let id = if app.database_url.starts_with("postgres") { "CAST(ids.id AS uuid)" } else { "ids.id" };
        let columns = "org_id, title, title_key, search_text, description, confidentiality, integrity, availability, \
            method_version, inherent_likelihood, inherent_impact, inherent_level, existing_controls, residual_likelihood, \
            residual_impact, residual_level, current_level, status, version, created_at, updated_at";
        app.raw_sql(&format!(
            "WITH ids(n, id) AS (VALUES {}) INSERT INTO risks (id, number, {columns}) \
             SELECT {id}, r.number + ids.n, {} FROM risks r, ids WHERE r.id = '{}'",
            values.join(", "),
            columns.split(", ").map(|c| format!("r.{}", c.trim())).collect::<Vec<_>>().join(", "),
            first["id"].as_str().expect("id"),
        )).await;

        approve_method(&app, &manager, "5x5").await;
        let (status, moved) = manager.post_json(&format!("{RISKS}/rescore"), &json!({})).await;
        assert_eq!((status, moved["moved"].as_i64()), (StatusCode::OK, Some(copies + 1)), "{moved}");
        // The same template again: the same levels, now given by version 2.
        let on_two = app.raw_count(&format!(
            "SELECT COUNT(*) FROM risks WHERE method_version = 2 AND version = 2 AND inherent_level = {} AND residual_level = {}",
            first["inherent_level"], first["residual_level"]
        )).await;
        assert_eq!(on_two, copies + 1, "every risk moved, at the levels the matrix gives");
        let history = app.raw_count("SELECT COUNT(*) FROM risk_scores WHERE reason = 'method_changed' AND method_version = 2").await;
        assert_eq!(history, copies + 1);
        let events = app.raw_count("SELECT COUNT(*) FROM audit_events WHERE record_type = 'risk' AND action = 'update'").await;
        assert_eq!(events, copies + 1, "one audit event per risk moved");
        let distinct = app.raw_count("SELECT COUNT(DISTINCT record_id) FROM audit_events WHERE record_type = 'risk' AND action = 'update'").await;
        assert_eq!(distinct, copies + 1);
        for chain in app.app.verify_audit_chains().await.expect("verify") {
            assert!(chain.broken.is_none(), "{chain:?}");
        }
        // The last event describes the last risk as it now stands.
        let (_, events) = manager.get_json("/api/v1/orgs/acme/audit-events?record_type=risk&limit=1").await;
        let event = &events["items"][0];
        assert_eq!((event["before"]["method_version"].as_i64(), event["after"]["method_version"].as_i64()), (Some(1), Some(2)), "{event}");
        assert_eq!(event["after"]["version"], 2, "{event}");
    }
}

on_both_backends! {
    async fn a_risk_is_accepted_only_through_an_approval_by_the_role_its_level_names(app) {
        let manager = manager(&app).await;
        approve_method(&app, &manager, "5x5").await;
        let approver = app.api("acme", "arthur@acme.example", TokenScope::ReadWrite).await;
        app.member("acme", "ivan@acme.example", Role::IsmsManager).await;
        let ivan = app.api("acme", "ivan@acme.example", TokenScope::ReadWrite).await;
        let next_year = (custos_app::now().date() + time::Duration::days(365)).to_string();
        let ask = |risk: &Value, reasons: &str| json!({ "version": risk["version"], "justification": reasons, "expires_on": next_year });

        // Critical (4 by 5): the 5x5 method has senior management accept it.
        let (_, critical) = manager.post_json(RISKS, &json!({ "title": "Data centre floods", "inherent_likelihood": 4, "inherent_impact": 5, "status": "assessed" })).await;
        let path = format!("{RISKS}/{}/acceptance", critical["id"].as_str().expect("id"));
        let (status, problem) = manager.post_json(&path, &json!({ "version": critical["version"], "justification": " ", "expires_on": "2020-01-01" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(fields(&problem), ["justification", "expires_on"]);
        let (status, request) = manager.post_json(&path, &ask(&critical, "Moving out next year.")).await;
        assert_eq!(status, StatusCode::CREATED, "{request}");
        assert_eq!((request["record_type"].as_str(), request["decider_role"].as_str()), (Some("risk_acceptance"), Some("approver")));
        assert_eq!(manager.post_json(&path, &ask(&critical, "Again")).await.0, StatusCode::CONFLICT, "one request at a time");
        let decision = format!("/api/v1/orgs/acme/approvals/{}/decision", request["id"].as_str().expect("id"));
        assert_eq!(ivan.post_json(&decision, &json!({ "decision": "approve" })).await.0, StatusCode::FORBIDDEN, "addressed to the approver role");
        let page = app.browser("arthur@acme.example").await.get(&format!("/orgs/acme/approvals/{}", request["id"].as_str().expect("id"))).await.text().await.expect("page");
        assert!(page.contains("Moving out next year.") && page.contains("Critical"), "the approver reads what is accepted: {page}");
        let (status, decided) = approver.post_json(&decision, &json!({ "decision": "approve", "comment": "Until the move" })).await;
        assert_eq!(status, StatusCode::OK, "{decided}");
        let (_, accepted) = manager.get_json(&format!("{RISKS}/{}", critical["id"].as_str().expect("id"))).await;
        assert_eq!((accepted["status"].as_str(), accepted["version"].as_i64()), (Some("accepted"), Some(2)), "{accepted}");
        assert_eq!(accepted["acceptances"][0]["status"], "approved");
        assert_eq!(accepted["acceptances"][0]["level_name"], "Critical");
        assert_eq!(accepted["acceptances"][0]["expires_on"], next_year.as_str());

        // Medium (3 by 3): the ISMS manager role accepts it, but never its own request.
        let (_, medium) = manager.post_json(RISKS, &json!({ "title": "Visitor badges reused", "inherent_likelihood": 3, "inherent_impact": 3, "status": "assessed" })).await;
        let path = format!("{RISKS}/{}/acceptance", medium["id"].as_str().expect("id"));
        let (status, request) = manager.post_json(&path, &ask(&medium, "Reception checks faces.")).await;
        assert_eq!((status, request["decider_role"].as_str()), (StatusCode::CREATED, Some("isms_manager")), "{request}");
        let decision = format!("/api/v1/orgs/acme/approvals/{}/decision", request["id"].as_str().expect("id"));
        assert_eq!(approver.post_json(&decision, &json!({ "decision": "approve" })).await.0, StatusCode::FORBIDDEN, "addressed to the ISMS manager role");
        assert_eq!(manager.post_json(&decision, &json!({ "decision": "approve" })).await.0, StatusCode::FORBIDDEN, "not one's own request");
        // The risk is rated again while the request waits: it is not accepted on the old rating.
        let mut changed = json!({ "title": "Visitor badges reused", "inherent_likelihood": 3, "inherent_impact": 4, "status": "assessed" });
        changed["version"] = medium["version"].clone();
        let (status, _) = manager.send_json(Method::PUT, &format!("{RISKS}/{}", medium["id"].as_str().expect("id")), &changed).await;
        assert_eq!(status, StatusCode::OK);
        let (status, problem) = ivan.post_json(&decision, &json!({ "decision": "approve" })).await;
        assert_eq!(status, StatusCode::CONFLICT, "{problem}");
        assert_eq!(ivan.post_json(&decision, &json!({ "decision": "reject", "comment": "Rated again" })).await.0, StatusCode::OK);
        let (_, medium) = manager.get_json(&format!("{RISKS}/{}", medium["id"].as_str().expect("id"))).await;
        assert_eq!((medium["status"].as_str(), medium["acceptances"][0]["status"].as_str()), (Some("assessed"), Some("rejected")));
        // Contributors keep risks but do not send them for sign-off.
        app.member("acme", "carl@acme.example", Role::Contributor).await;
        let carl = app.api("acme", "carl@acme.example", TokenScope::ReadWrite).await;
        assert_eq!(carl.post_json(&path, &ask(&medium, "Mine")).await.0, StatusCode::FORBIDDEN);
    }
}

on_both_backends! {
    async fn treatment_actions_show_what_is_overdue_and_what_was_treated_on_time(app) {
        let manager = manager(&app).await;
        approve_method(&app, &manager, "5x5").await;
        let today = custos_app::now().date();
        let (_, risk) = manager.post_json(RISKS, &json!({ "title": "Old firewall", "inherent_likelihood": 4, "inherent_impact": 4, "status": "treatment_planned", "treatment": "modify" })).await;
        let id = risk["id"].as_str().expect("id");
        let actions = format!("{RISKS}/{id}/actions");
        let yesterday = (today - time::Duration::days(1)).to_string();
        let (status, late) = manager.post_json(&actions, &json!({ "title": "Order the new firewall", "due_on": yesterday, "cost": 18000 })).await;
        assert_eq!(status, StatusCode::CREATED, "{late}");
        let (status, problem) = manager.post_json(&actions, &json!({ "title": "", "cost": -1 })).await;
        assert_eq!((status, fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["title", "cost"]));
        let (_, figures) = manager.get_json(&format!("{RISKS}/treatment")).await;
        assert_eq!((figures["late"].as_i64(), figures["overdue_actions"][0]["title"].as_str()), (Some(1), Some("Order the new firewall")), "{figures}");
        assert_eq!(figures["share_on_time"], 0.0, "an open action past its date makes the treatment late");

        // Done today, after its due date: the treatment was late.
        let one = format!("/api/v1/orgs/acme/risk-actions/{}", late["id"].as_str().expect("id"));
        let (status, done) = manager.send_json(Method::PUT, &one, &json!({ "version": 1, "title": "Order the new firewall", "due_on": yesterday, "status": "done", "cost": 18000 })).await;
        assert_eq!(status, StatusCode::OK, "{done}");
        assert_eq!(done["completed_on"], today.to_string().as_str());
        assert_eq!(manager.send_json(Method::PUT, &one, &json!({ "version": 1, "title": "Stale" })).await.0, StatusCode::CONFLICT);
        let (_, second) = manager.post_json(RISKS, &json!({ "title": "No backups tested", "inherent_likelihood": 3, "inherent_impact": 4, "status": "in_treatment", "treatment": "modify" })).await;
        let next_month = (today + time::Duration::days(30)).to_string();
        let path = format!("{RISKS}/{}/actions", second["id"].as_str().expect("id"));
        let (_, quick) = manager.post_json(&path, &json!({ "title": "Restore test", "due_on": next_month, "status": "done" })).await;
        assert_eq!(quick["status"], "done", "{quick}");
        let (_, figures) = manager.get_json(&format!("{RISKS}/treatment")).await;
        assert_eq!((figures["on_time"].as_i64(), figures["late"].as_i64(), figures["share_on_time"].as_f64()), (Some(1), Some(1), Some(0.5)), "{figures}");
        assert_eq!(figures["overdue_actions"].as_array().map(Vec::len), Some(0));

        // The plan's target level, counted from 1.
        let (status, targeted) = manager.send_json(Method::PUT, &format!("{RISKS}/{id}/target"), &json!({ "version": risk["version"], "target_level": 2 })).await;
        assert_eq!((status, targeted["target_level"].as_i64()), (StatusCode::OK, Some(1)), "{targeted}");
        let (status, _) = manager.send_json(Method::PUT, &format!("{RISKS}/{id}/target"), &json!({ "version": targeted["version"], "target_level": 9 })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, shown) = manager.get_json(&format!("{RISKS}/{id}")).await;
        assert_eq!(shown["actions"][0]["cost"], 18000);
        let page = app.browser("maya@acme.example").await.get(&format!("/orgs/acme/risks/{id}")).await.text().await.expect("page");
        assert!(page.contains("Order the new firewall") && page.contains("Late"), "{page}");
        let response = manager.http.delete(manager.url(&format!("{one}?version=2"))).send().await.expect("delete");
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
}

on_both_backends! {
    async fn the_quantitative_option_simulates_annual_losses_and_compares_them_with_the_appetite(app) {
        let manager = manager(&app).await;
        let estimate = |rate: f64, loss: f64| json!({
            "annual_rate_low": rate, "annual_rate_likely": rate, "annual_rate_high": rate,
            "single_loss_low": loss, "single_loss_likely": loss, "single_loss_high": loss,
        });
        let mut body = estimate(1.0, 1000.0);
        body["title"] = json!("Laptop theft");
        let (status, risk) = manager.post_json(RISKS, &body).await;
        assert_eq!(status, StatusCode::CREATED, "{risk}");
        let mut bad = estimate(1.0, 1000.0);
        bad["title"] = json!("Backwards");
        bad["single_loss_low"] = json!(5000.0);
        let (status, problem) = manager.post_json(RISKS, &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(fields(&problem).contains(&"single_loss_likely"), "{problem}");
        let mut partial = json!({ "title": "Half", "annual_rate_low": 1.0 });
        partial["annual_rate_high"] = json!(2.0);
        assert_eq!(manager.post_json(RISKS, &partial).await.0, StatusCode::UNPROCESSABLE_ENTITY);

        let (status, losses) = manager.get_json(&format!("{RISKS}/losses")).await;
        assert_eq!(status, StatusCode::OK, "{losses}");
        assert_eq!(losses["trials"], 10_000);
        assert_eq!(losses["risks"][0]["reference"], risk["reference"]);
        // A fixed rate of one event a year at 1000 each: a Poisson(1) count of 1000s.
        let loss = &losses["risks"][0]["loss"];
        assert_eq!((loss["p10"].as_f64(), loss["p50"].as_f64(), loss["p90"].as_f64()), (Some(0.0), Some(1000.0), Some(2000.0)), "{loss}");
        let mean = loss["mean"].as_f64().expect("mean");
        assert!((mean - 1000.0).abs() < 50.0, "{mean}");
        assert_eq!(losses["loss_appetite"], Value::Null);
        let again = manager.get_json(&format!("{RISKS}/losses")).await.1;
        assert_eq!(again, losses, "the same estimates give the same figures");

        // With a loss appetite in the method, the chance of exceeding it.
        let mut method = crate::risk_method::template("5x5");
        method["loss_appetite"] = json!(1500);
        app.member("acme", "arthur@acme.example", Role::Approver).await;
        let approver = app.api("acme", "arthur@acme.example", TokenScope::ReadWrite).await;
        let (_, draft) = manager.send_json(Method::PUT, DRAFT, &json!({ "revision": 0, "method": method })).await;
        let (_, approval) = manager.post_json(&format!("{DRAFT}/submit"), &json!({ "version": draft["version"] })).await;
        let decision = format!("/api/v1/orgs/acme/approvals/{}/decision", approval["id"].as_str().expect("id"));
        assert_eq!(approver.post_json(&decision, &json!({ "decision": "approve" })).await.0, StatusCode::OK);
        let (_, losses) = manager.get_json(&format!("{RISKS}/losses")).await;
        let above = losses["probability_above_appetite"].as_f64().expect("probability");
        // P(N >= 2) for Poisson(1) = 1 - 2/e ≈ 0.264.
        assert!((above - 0.264).abs() < 0.02, "{above}");
        let page = app.browser("maya@acme.example").await.get("/orgs/acme/risks/losses").await.text().await.expect("page");
        assert!(page.contains("Laptop theft") && page.contains("<svg"), "{page}");
    }
}

on_both_backends! {
    async fn each_organisation_edits_its_own_catalogues(app) {
        let manager = manager(&app).await;
        let threats = "/api/v1/orgs/acme/threats";
        let own = json!({ "reference": "TH-OWN-01", "group": "supplier", "name": "Courier loses tapes", "description": "Tapes vanish in transit.", "availability": true });
        let (status, threat) = manager.post_json(threats, &own).await;
        assert_eq!((status, threat["library_version"].clone()), (StatusCode::CREATED, Value::Null), "{threat}");
        let (status, problem) = manager.post_json(threats, &own).await;
        assert_eq!((status, fields(&problem)), (StatusCode::UNPROCESSABLE_ENTITY, vec!["reference"]), "{problem}");
        let (status, problem) = manager.post_json(threats, &json!({ "reference": "TH-OWN-02", "group": "aliens", "name": "", "description": "x" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(fields(&problem), ["group", "name"], "{problem}");
        let (_, problem) = manager.post_json(threats, &json!({ "reference": "TH-OWN-02", "group": "legal", "name": "Harmless", "description": "x" })).await;
        assert_eq!(fields(&problem), ["confidentiality"], "a threat harms something: {problem}");

        // A shipped entry is edited like any other; one that a risk names cannot be deleted.
        let (_, all) = manager.get_json(threats).await;
        let shipped = all.as_array().expect("threats").iter().find(|t| t["reference"] == "TH-TF-01").expect("TH-TF-01").clone();
        let mut edited = json!({ "version": shipped["version"], "reference": "TH-TF-01", "group": "technical-failure", "name": "Disk failure in the NAS", "description": shipped["description"], "availability": true, "integrity": true });
        let path = format!("{threats}/{}", shipped["id"].as_str().expect("id"));
        let (status, saved) = manager.send_json(Method::PUT, &path, &edited).await;
        assert_eq!((status, saved["name"].as_str()), (StatusCode::OK, Some("Disk failure in the NAS")), "{saved}");
        edited["version"] = json!(1);
        assert_eq!(manager.send_json(Method::PUT, &path, &edited).await.0, StatusCode::CONFLICT);
        let (_, risk) = manager.post_json(RISKS, &json!({ "title": "NAS dies", "threat_id": shipped["id"] })).await;
        assert_eq!(risk["threat_name"], "Disk failure in the NAS");
        let delete = |path: String, version: i64| manager.http.delete(manager.url(&format!("{path}?version={version}"))).send();
        assert_eq!(delete(path.clone(), 2).await.expect("delete").status(), StatusCode::CONFLICT, "a risk names it");
        let own_path = format!("{threats}/{}", threat["id"].as_str().expect("id"));
        assert_eq!(delete(own_path.clone(), 1).await.expect("delete").status(), StatusCode::NO_CONTENT);
        assert_eq!(manager.get_json(&own_path).await.0, StatusCode::NOT_FOUND);

        // Another organisation keeps its own copy, untouched.
        app.member("globex", "bob@globex.example", Role::IsmsManager).await;
        let bob = app.api("globex", "bob@globex.example", TokenScope::ReadWrite).await;
        let (_, theirs) = bob.get_json("/api/v1/orgs/globex/threats").await;
        let theirs = theirs.as_array().expect("threats").iter().find(|t| t["reference"] == "TH-TF-01").expect("TH-TF-01").clone();
        assert_ne!(theirs["name"], "Disk failure in the NAS");
        let page = app.browser("maya@acme.example").await.get("/orgs/acme/threats").await.text().await.expect("page");
        assert!(page.contains("Disk failure in the NAS") && page.contains("TH-HD-01"), "{page}");
        let page = app.browser("maya@acme.example").await.get("/orgs/acme/vulnerabilities").await.text().await.expect("page");
        assert!(page.contains("VU-TE-01"), "{page}");
    }
}

/// Approves the CISO Assistant 3 × 3 matrix of the risk-method tests, imported afresh.
async fn approve_imported_matrix(app: &TestApp, manager: &Client) {
    app.member("acme", "arthur@acme.example", Role::Approver)
        .await;
    let approver = app
        .api("acme", "arthur@acme.example", TokenScope::ReadWrite)
        .await;
    let imported = manager
        .http
        .post(manager.url(&format!("{DRAFT}/import?revision=0")))
        .header(reqwest::header::CONTENT_TYPE, "application/yaml")
        .body(crate::risk_method::MATRIX_3X3)
        .send()
        .await
        .expect("import");
    assert_eq!(imported.status(), StatusCode::OK);
    let imported: Value = imported.json().await.expect("body");
    let submit = json!({ "version": imported["draft"]["version"] });
    let (_, approval) = manager.post_json(&format!("{DRAFT}/submit"), &submit).await;
    let decision = format!(
        "/api/v1/orgs/acme/approvals/{}/decision",
        approval["id"].as_str().expect("id")
    );
    assert_eq!(
        approver
            .post_json(&decision, &json!({ "decision": "approve" }))
            .await
            .0,
        StatusCode::OK
    );
}

on_both_backends! {
    async fn the_same_estimates_give_the_same_levels_on_every_backend_and_every_reimport(app) {
        let manager = manager(&app).await;
        approve_method(&app, &manager, "5x5").await;
        let method = custos_app::domain::risk::method::RiskMethod::template(
            custos_app::domain::risk::method::Template::FiveByFive,
        );
        // A fixed pseudo-random walk over the first three steps of the scales (so that every
        // risk fits the 3 × 3 method later), the same on both backends.
        let mut seed: u64 = 0x2700_1c05;
        let mut next = move || {
            seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
            u8::try_from(seed >> 61).unwrap_or(0) % 3 + 1
        };
        let mut created = Vec::new();
        for n in 0..30 {
            let (l, i, rl, ri) = (next(), next(), next(), next());
            let body = json!({ "title": format!("Scenario {n}"), "inherent_likelihood": l, "inherent_impact": i,
                "residual_likelihood": rl, "residual_impact": ri, "status": "assessed" });
            let (status, risk) = manager.post_json(RISKS, &body).await;
            assert_eq!(status, StatusCode::CREATED, "{risk}");
            let expected = (method.assess(l, i).map(|s| i64::from(s.level)), method.assess(rl, ri).map(|s| i64::from(s.level)));
            assert_eq!((risk["inherent_level"].as_i64(), risk["residual_level"].as_i64()), expected, "{body}");
            created.push(risk["id"].as_str().expect("id").to_owned());
        }
        // Moved to a 3 × 3 method imported from a file, then to the same file imported again:
        // the second move changes nothing.
        let levels = async || {
            let mut levels = Vec::new();
            for id in &created {
                let (_, risk) = manager.get_json(&format!("{RISKS}/{id}")).await;
                levels.push((risk["method_version"].as_i64(), risk["inherent_level"].as_i64(), risk["residual_level"].as_i64()));
            }
            levels
        };
        approve_imported_matrix(&app, &manager).await;
        manager.post_json(&format!("{RISKS}/rescore"), &json!({})).await;
        let first = levels().await;
        assert!(first.iter().all(|(version, ..)| *version == Some(2)), "all moved: {first:?}");
        let first: Vec<_> = first.into_iter().map(|(_, i, r)| (i, r)).collect();
        approve_imported_matrix(&app, &manager).await;
        let (_, moved) = manager.post_json(&format!("{RISKS}/rescore"), &json!({})).await;
        let second = levels().await;
        assert!(second.iter().all(|(version, ..)| *version == Some(3)), "all moved again: {second:?}");
        let second: Vec<_> = second.into_iter().map(|(_, i, r)| (i, r)).collect();
        assert_eq!(first, second, "{moved}");
    }
}

on_both_backends! {
    async fn the_register_and_the_treatment_plan_export_as_an_auditor_reads_them(app) {
        let manager = manager(&app).await;
        approve_method(&app, &manager, "5x5").await;
        let (_, asset) = manager.post_json("/api/v1/orgs/acme/assets", &json!({ "name": "Payroll", "type": "information" })).await;
        let body = json!({ "title": "Payroll, leaked", "inherent_likelihood": 4, "inherent_impact": 5,
            "residual_likelihood": 1, "residual_impact": 2, "status": "in_treatment", "treatment": "modify",
            "asset_ids": [asset["id"]], "confidentiality": true });
        let (_, risk) = manager.post_json(RISKS, &body).await;
        manager.post_json(RISKS, &json!({ "title": "Unrated one" })).await;
        let yesterday = (custos_app::now().date() - time::Duration::days(1)).to_string();
        let action = json!({ "title": "Encrypt the payroll share", "due_on": yesterday, "cost": 5000 });
        let (status, _) = manager.post_json(&format!("{RISKS}/{}/actions", risk["id"].as_str().expect("id")), &action).await;
        assert_eq!(status, StatusCode::CREATED);

        let csv = manager.get(&format!("{RISKS}/export?format=csv&status=in_treatment")).await;
        assert_eq!(csv.headers()["content-type"], "text/csv; charset=utf-8");
        let csv = csv.text().await.expect("csv");
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with("reference,title,description,threat,vulnerability,assets,harms,owner,method_version"), "{csv}");
        assert_eq!(lines.len(), 2, "the filter applies: {csv}");
        assert!(lines[1].starts_with("RSK-0001,\"Payroll, leaked\",,,,AST-0001,C,,1,4,5,Critical,,1,2,Very low,yes,modify,"), "{csv}");
        let xlsx = manager.get(&format!("{RISKS}/export?format=xlsx")).await;
        assert_eq!(xlsx.status(), StatusCode::OK);
        assert!(xlsx.bytes().await.expect("xlsx").starts_with(b"PK"), "a workbook is a zip");
        assert_eq!(manager.get(&format!("{RISKS}/export?format=pdf")).await.status(), StatusCode::UNPROCESSABLE_ENTITY);

        let plan = manager.get(&format!("{RISKS}/treatment-plan")).await.text().await.expect("plan");
        let plan: Vec<&str> = plan.lines().collect();
        assert_eq!(plan[0], "risk,risk_title,current_level,target_level,treatment,action,owner,due_on,status,cost,currency,completed_on,overdue");
        assert_eq!(plan[1], format!("RSK-0001,\"Payroll, leaked\",Very low,,modify,Encrypt the payroll share,,{yesterday},planned,5000,EUR,,yes"));
        let page = app.browser("maya@acme.example").await.get("/orgs/acme/risks?format=csv").await.text().await.expect("page csv");
        assert_eq!(page.lines().count(), 3, "the page exports the same file: {page}");

        let db = app.database_url.clone();
        let out = crate::cli::custos(&db, &["export", "risks", "--org", "acme"], None);
        assert!(out.status.success(), "{}", crate::cli::text(&out));
        assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 3);
        let dir = crate::support::TempDir::new();
        let file = dir.0.join("plan.xlsx").to_string_lossy().into_owned();
        let out = crate::cli::custos(&db, &["export", "risk-treatment", "--org", "acme", "--format", "xlsx", "--output", &file], None);
        assert!(out.status.success(), "{}", crate::cli::text(&out));
        assert!(std::fs::read(&file).expect("written").starts_with(b"PK"));
    }
}

on_both_backends! {
    async fn the_risk_pages_add_change_and_delete_actions_set_the_target_and_move_risks(app) {
        let manager = manager(&app).await;
        approve_method(&app, &manager, "5x5").await;
        let (_, risk) = manager.post_json(RISKS, &json!({ "title": "Backups untested", "inherent_likelihood": 3, "inherent_impact": 4, "status": "assessed" })).await;
        let id = risk["id"].as_str().expect("id").to_owned();
        let browser = app.browser("maya@acme.example").await;

        // An action added from the risk's page; a blank one is refused with the page.
        let added = browser.post_form(&format!("/orgs/acme/risks/{id}/actions"), &[("title", "Restore test"), ("due_on", "2027-02-01"), ("cost", "1 500")]).await;
        assert_eq!(added.status(), StatusCode::SEE_OTHER);
        let refused = browser.post_form(&format!("/orgs/acme/risks/{id}/actions"), &[("title", " ")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().await.expect("page").contains("This field is required."));
        let (_, shown) = manager.get_json(&format!("{RISKS}/{id}")).await;
        let action = shown["actions"][0].clone();
        assert_eq!((action["cost"].as_i64(), shown["actions"].as_array().map(Vec::len)), (Some(1500), Some(1)), "{shown}");
        let action_id = action["id"].as_str().expect("id");

        // Its status changed from the page's table, then deleted after confirming.
        let changed = browser.post_form(&format!("/orgs/acme/risk-actions/{action_id}"), &[
            ("version", "1"), ("title", "Restore test"), ("due_on", "2027-02-01"), ("cost", "1500"), ("status", "in_progress"),
        ]).await;
        assert_eq!(changed.status(), StatusCode::SEE_OTHER);
        assert_eq!(manager.get_json(&format!("/api/v1/orgs/acme/risk-actions/{action_id}")).await.1["status"], "in_progress");
        let gone = browser.post_form_confirming(&format!("/orgs/acme/risk-actions/{action_id}/delete"), &[("version", "2")]).await;
        assert_eq!(gone.status(), StatusCode::SEE_OTHER);
        assert_eq!(manager.get_json(&format!("/api/v1/orgs/acme/risk-actions/{action_id}")).await.0, StatusCode::NOT_FOUND);

        // The target level from the page (counted from 1), a stale version answered 409.
        let target = browser.post_form(&format!("/orgs/acme/risks/{id}/target"), &[("version", "1"), ("target_level", "2")]).await;
        assert_eq!(target.status(), StatusCode::SEE_OTHER);
        assert_eq!(manager.get_json(&format!("{RISKS}/{id}")).await.1["target_level"], 1);
        let stale = browser.post_form(&format!("/orgs/acme/risks/{id}/target"), &[("version", "1"), ("target_level", "3")]).await;
        assert_eq!(stale.status(), StatusCode::CONFLICT);

        // After a new version, the register's button moves the risk to it.
        approve_method(&app, &manager, "4x4").await;
        let page = browser.get("/orgs/acme/risks").await.text().await.expect("page");
        assert!(page.contains("Move them to version 2"), "{page}");
        let moved = browser.post_form("/orgs/acme/risks/rescore", &[]).await;
        assert_eq!(moved.status(), StatusCode::SEE_OTHER);
        assert_eq!(manager.get_json(&format!("{RISKS}/{id}")).await.1["method_version"], 2);

        // A threat of the organisation's own, from the catalogue's form.
        let created = browser.post_form("/orgs/acme/threats", &[
            ("reference", "TH-OWN-07"), ("group", "legal"), ("name", "Licence audit by a vendor"),
            ("description", "A vendor audits our licences and bills the gap."), ("availability", "on"),
        ]).await;
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        let (_, threats) = manager.get_json("/api/v1/orgs/acme/threats").await;
        assert!(threats.as_array().expect("threats").iter().any(|t| t["reference"] == "TH-OWN-07" && t["availability"] == true));
    }
}
