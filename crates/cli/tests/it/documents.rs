//! Documents and policies: versions drafted, approved by senior management and then never
//! changed, replaced by newer ones, reviewed on their interval; Markdown shown cleaned; the
//! information security policy marked once.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::Client;

const DOCUMENTS: &str = "/api/v1/orgs/acme/documents";

async fn decide(approver: &Client, approval: &Value, decision: &str) {
    let path = format!(
        "/api/v1/orgs/acme/approvals/{}/decision",
        approval["id"].as_str().expect("approval id")
    );
    let body = json!({ "decision": decision, "comment": "Read it through." });
    let (status, decided) = approver.post_json(&path, &body).await;
    assert_eq!(status, StatusCode::OK, "{decided}");
}

on_both_backends! {
    async fn a_policy_is_drafted_approved_replaced_and_retired(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        app.member("acme", "arthur@acme.example", Role::Approver).await;
        app.member("acme", "stan@acme.example", Role::Staff).await;
        let manager = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let approver = app.api("acme", "arthur@acme.example", TokenScope::ReadWrite).await;
        let staff = app.api("acme", "stan@acme.example", TokenScope::Read).await;

        let (status, policy) = manager.post_json(DOCUMENTS, &json!({
            "title": "Information security policy", "kind": "policy", "review_months": 12,
            "security_policy": true,
            "body": "# Our commitment\n\nWe protect what customers entrust to us.\n\n<script>alert(1)</script>\n\n[x](javascript:alert(2))",
        })).await;
        assert_eq!(status, StatusCode::CREATED, "{policy}");
        assert_eq!((policy["reference"].as_str(), policy["status"].as_str()), (Some("DOC-0001"), Some("draft")));
        let id = policy["id"].as_str().expect("id").to_owned();
        let one = format!("{DOCUMENTS}/{id}");
        let draft = &policy["versions"][0];
        assert_eq!((draft["number"].as_i64(), draft["state"].as_str()), (Some(1), Some("draft")));
        let html = draft["html"].as_str().expect("html");
        assert!(html.contains("<h1>Our commitment</h1>"), "{html}");
        assert!(!html.contains("<script") && !html.contains("javascript:"), "{html}");

        // One information security policy, and it is a policy.
        let (status, refused) = manager.post_json(DOCUMENTS, &json!({ "title": "Second", "kind": "policy", "security_policy": true })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.to_string().contains("DOC-0001"), "{refused}");
        let (status, _) = manager.post_json(DOCUMENTS, &json!({ "title": "Odd", "kind": "procedure", "security_policy": true })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);

        // Staff see the document but not its draft.
        let (status, seen) = staff.get_json(&one).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(seen["versions"], json!([]));
        assert_eq!(staff.get_json(&format!("{one}/versions/1")).await.0, StatusCode::FORBIDDEN);

        // An empty draft cannot be sent; a saved one can; under review it no longer changes.
        let v1 = format!("{one}/versions/1");
        let (_, current) = manager.get_json(&v1).await;
        let (status, saved) = manager.send_json(Method::PUT, &v1, &json!({
            "version": current["version"], "body": "# Our commitment\n\nWe protect what customers entrust to us.",
            "change_note": "First issue",
        })).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        let (status, approval) = manager.post_json(&format!("{v1}/submit"), &json!({ "version": saved["version"] })).await;
        assert_eq!(status, StatusCode::CREATED, "{approval}");
        let (status, _) = manager.send_json(Method::PUT, &v1, &json!({ "version": saved["version"].as_i64().map(|v| v + 1), "body": "Changed" })).await;
        assert_eq!(status, StatusCode::CONFLICT);
        decide(&approver, &approval, "approve").await;

        let (_, approved) = manager.get_json(&one).await;
        let today = custos_app::now().date();
        assert_eq!((approved["status"].as_str(), approved["current_version"].as_i64()), (Some("approved"), Some(1)));
        assert_eq!(approved["approved_on"], today.to_string());
        let next = custos_app::domain::dates::months_from(today, 12);
        assert_eq!(approved["next_review_on"], next.to_string());
        let (_, read) = staff.get_json(&v1).await;
        assert_eq!(read["state"], "approved");

        // Version 2 starts from the text in force; approving it retires version 1.
        let (status, v2) = manager.post_json(&format!("{one}/versions"), &json!({})).await;
        assert_eq!(status, StatusCode::CREATED, "{v2}");
        assert_eq!((v2["number"].as_i64(), v2["body"].as_str()), (Some(2), saved["body"].as_str()));
        assert_eq!(manager.post_json(&format!("{one}/versions"), &json!({})).await.0, StatusCode::CONFLICT, "one open version");
        let v2_path = format!("{one}/versions/2");
        let (_, v2) = manager.send_json(Method::PUT, &v2_path, &json!({ "version": v2["version"], "body": "# Our commitment\n\nRevised after the audit.", "change_note": "Audit follow-up" })).await;
        let (_, approval) = manager.post_json(&format!("{v2_path}/submit"), &json!({ "version": v2["version"] })).await;
        decide(&approver, &approval, "reject").await;
        let (_, rejected) = manager.get_json(&v2_path).await;
        assert_eq!(rejected["state"], "rejected");
        let (status, redrafted) = manager.send_json(Method::PUT, &v2_path, &json!({ "version": rejected["version"], "body": "# Our commitment\n\nRevised after the audit, with scope.", "change_note": "Audit follow-up" })).await;
        assert_eq!((status, redrafted["state"].as_str()), (StatusCode::OK, Some("draft")));
        let (_, approval) = manager.post_json(&format!("{v2_path}/submit"), &json!({ "version": redrafted["version"] })).await;
        decide(&approver, &approval, "approve").await;
        let (_, after) = manager.get_json(&one).await;
        assert_eq!(after["current_version"], 2);
        let states: Vec<&str> = after["versions"].as_array().expect("versions").iter().filter_map(|v| v["state"].as_str()).collect();
        assert_eq!(states, ["approved", "retired"]);
        let (_, old) = manager.get_json(&v1).await;
        assert_eq!(old["body"], saved["body"], "an approved version never changes");
        let approval_v2 = approval.clone();

        // A version may carry a file (a signed PDF); approved, it no longer changes.
        let v2_file = format!("{v2_path}/file");
        let pdf = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n".to_vec();
        let response = manager.http.put(manager.url(&format!("{v2_file}?name=policy-v2.pdf"))).header("content-type", "application/pdf").body(pdf.clone()).send().await.expect("upload");
        assert_eq!(response.status(), StatusCode::CONFLICT, "approved: the file no longer changes");
        let (_, v3) = manager.post_json(&format!("{one}/versions"), &json!({})).await;
        let v3_file = format!("{one}/versions/{}/file", v3["number"]);
        let response = manager.http.put(manager.url(&format!("{v3_file}?name=policy-v3.pdf"))).header("content-type", "application/pdf").body(pdf.clone()).send().await.expect("upload");
        assert_eq!(response.status(), StatusCode::OK);
        let with_file: Value = response.json().await.expect("json");
        assert_eq!(with_file["file"]["name"], "policy-v3.pdf");
        let downloaded = manager.http.get(manager.url(&v3_file)).send().await.expect("download");
        assert_eq!(downloaded.bytes().await.expect("bytes").as_ref(), pdf.as_slice());
        assert_eq!(staff.get_json(&v3_file).await.0, StatusCode::FORBIDDEN, "a draft's file is a draft");
        let (status, _) = manager.send_json(Method::PUT, &format!("{one}/versions/{}", v3["number"]), &json!({ "version": with_file["version"], "body": "" })).await;
        assert_eq!(status, StatusCode::OK);
        let (status, approval) = manager.post_json(&format!("{one}/versions/{}/submit", v3["number"]), &json!({ "version": with_file["version"].as_i64().map(|v| v + 1) })).await;
        assert_eq!(status, StatusCode::CREATED, "a file alone is a document: {approval}");
        decide(&approver, &approval, "approve").await;
        assert_eq!(staff.http.get(staff.url(&v3_file)).send().await.expect("download").status(), StatusCode::OK);

        // Approved documents stay on record: deleting is refused, retiring is the way.
        let (status, _) = manager.send_json(Method::DELETE, &format!("{one}?version={}", after["version"]), &Value::Null).await;
        assert_eq!(status, StatusCode::CONFLICT);
        // A draft begun before retiring retires with the document: nothing brings it back.
        let (_, v4) = manager.post_json(&format!("{one}/versions"), &json!({})).await;
        let (_, after) = manager.get_json(&one).await;
        assert_eq!(after["current_version"], 3);
        let (status, retired) = manager.post_json(&format!("{one}/retire"), &json!({ "version": after["version"] })).await;
        let (_, v4_after) = manager.get_json(&format!("{one}/versions/{}", v4["number"])).await;
        assert_eq!(v4_after["state"], "retired", "{v4_after}");
        let (status_v4, _) = manager.post_json(&format!("{one}/versions/{}/submit", v4["number"]), &json!({ "version": v4_after["version"] })).await;
        assert_eq!(status_v4, StatusCode::CONFLICT);
        assert_eq!(status, StatusCode::OK, "{retired}");
        assert_eq!((retired["status"].as_str(), retired["current_version"].as_i64(), retired["next_review_on"].as_str()), (Some("retired"), None, None));
        assert_eq!(manager.post_json(&format!("{one}/versions"), &json!({})).await.0, StatusCode::CONFLICT);

        // The approver read the text on the request; every step is in the audit trail.
        let page = app.browser("arthur@acme.example").await
            .get(&format!("/orgs/acme/approvals/{}", approval_v2["id"].as_str().expect("id"))).await.text().await.expect("page");
        assert!(page.contains("Revised after the audit, with scope.") && page.contains("DOC-0001 v2"), "{page}");
        assert!(app.raw_count("SELECT COUNT(*) FROM audit_events WHERE record_type = 'document_version'").await >= 8);
    }
}

on_both_backends! {
    async fn the_pages_show_the_text_cleaned_and_walk_a_draft_to_approval(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let browser = app.browser("maya@acme.example").await;
        let response = browser.post_form("/orgs/acme/documents", &[
            ("title", "Acceptable use"), ("kind", "policy"), ("review_months", "24"),
            ("body", "Use **company** devices.\n\n<img src=x onerror=alert(1)>"),
        ]).await;
        let status = response.status();
        let location = response.headers().get(reqwest::header::LOCATION).cloned();
        let text = response.text().await.unwrap_or_default();
        assert_eq!(status, StatusCode::SEE_OTHER, "{}", text.split("<main").nth(1).unwrap_or(&text));
        let response = location;
        let location = response.expect("location").to_str().expect("location").to_owned();
        let id = location.rsplit('/').next().and_then(|last| last.split('?').next()).expect("id").to_owned();
        let page = browser.get(&format!("/orgs/acme/documents/{id}/versions/1")).await.text().await.expect("page");
        assert!(page.contains("<strong>company</strong>"), "{page}");
        // The text area holds what was typed, escaped; the rendered text keeps no handler.
        assert!(page.contains("<img src=\"x\">") && !page.contains("onerror=\""), "{page}");

        // A bad review interval is refused on the form, nothing written.
        let response = browser.post_form("/orgs/acme/documents", &[("title", "Bad"), ("kind", "policy"), ("review_months", "99")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM documents").await, 1);

        // Saving the draft and sending it from its page.
        let (_, version) = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await
            .get_json(&format!("{DOCUMENTS}/{id}/versions/1")).await;
        assert!(version["version"].is_i64(), "{version}");
        let saved = browser.post_form(&format!("/orgs/acme/documents/{id}/versions/1"), &[
            ("version", &version["version"].to_string()), ("body", "Use company devices only."), ("change_note", "Plain words"),
        ]).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let sent = browser.post_form(&format!("/orgs/acme/documents/{id}/versions/1/submit"), &[
            ("version", &(version["version"].as_i64().expect("version") + 1).to_string()), ("note", ""),
        ]).await;
        assert_eq!(sent.status(), StatusCode::SEE_OTHER);
        let page = browser.get(&format!("/orgs/acme/documents/{id}")).await.text().await.expect("page");
        assert!(page.contains("In review"), "{page}");
    }
}

on_both_backends! {
    async fn the_home_page_shows_where_the_policy_and_the_statement_stand(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        app.member("acme", "arthur@acme.example", Role::Approver).await;
        let manager = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let approver = app.api("acme", "arthur@acme.example", TokenScope::ReadWrite).await;
        let browser = app.browser("maya@acme.example").await;
        let home = || async { browser.get("/orgs/acme").await.text().await.expect("home") };
        let page = home().await;
        assert!(page.contains("Information security policy (5.2)") && page.contains("None marked yet"), "{page}");
        assert!(page.contains("Statement of Applicability (6.1.3)"), "{page}");

        let (_, policy) = manager.post_json(DOCUMENTS, &json!({
            "title": "Information security policy", "kind": "policy", "security_policy": true,
            "review_months": 12, "body": "We protect what is entrusted to us.",
        })).await;
        assert!(home().await.contains("DOC-0001 is draft"));
        let id = policy["id"].as_str().expect("id");
        let version = policy["versions"][0]["version"].clone();
        let (_, approval) = manager.post_json(&format!("{DOCUMENTS}/{id}/versions/1/submit"), &json!({ "version": version })).await;
        decide(&approver, &approval, "approve").await;
        let page = home().await;
        assert!(page.contains("DOC-0001 approved, version 1"), "{page}");
        let step = page.split("Information security policy (5.2)").next().and_then(|before| before.rsplit("<li class=\"").next()).unwrap_or_default();
        assert!(step.starts_with("done"), "{step}");
    }
}
