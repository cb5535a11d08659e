//! The Statement of Applicability: drafted over the 93 Annex A controls, every inclusion and
//! exclusion justified before it is sent, approved by senior management, exported as
//! auditors read it.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Client, TestApp};

const SOA: &str = "/api/v1/orgs/acme/soa";

/// The Annex A controls of the library Custos ships, with their titles.
fn annex_a() -> Vec<(String, String)> {
    let library = custos_formats::framework_library::framework(include_str!(
        "../../../../content/frameworks/iso27001-2022.yaml"
    ))
    .expect("the shipped library");
    library
        .requirements
        .into_iter()
        .filter(|r| r.assessable && r.tags.iter().any(|t| t == "annex-a"))
        .map(|r| (r.id, r.title))
        .collect()
}

/// A statement with every control applicable for good practice, justified with
/// `justification` (empty: not justified).
pub fn statement(justification: &str) -> Value {
    let entries: Vec<Value> = annex_a()
        .into_iter()
        .map(|(control, title)| {
            json!({
                "control": control, "title": title, "applicable": true,
                "reasons": if justification.is_empty() { json!([]) } else { json!(["good_practice"]) },
                "justification": justification, "risks": [], "status": "not_started", "references": ""
            })
        })
        .collect();
    json!({ "framework": "iso27001-2022", "entries": entries })
}

/// The body that saves the draft at `revision` (0 starts one).
pub fn draft_body(revision: i64, justification: &str) -> Value {
    json!({ "revision": revision, "statement": statement(justification) })
}

async fn manager(app: &TestApp) -> Client {
    app.member("acme", "maya@acme.example", Role::IsmsManager)
        .await;
    app.api("acme", "maya@acme.example", TokenScope::ReadWrite)
        .await
}

fn entry<'a>(statement: &'a Value, control: &str) -> &'a Value {
    statement["entries"]
        .as_array()
        .and_then(|entries| entries.iter().find(|e| e["control"] == control))
        .unwrap_or_else(|| panic!("{control}"))
}

on_both_backends! {
    async fn a_statement_is_justified_control_by_control_approved_and_exported(app) {
        let manager = manager(&app).await;
        // Senior management, in its role before anything is sent to it.
        app.member("acme", "arthur@acme.example", Role::Approver).await;
        assert_eq!(manager.get_json(SOA).await.0, StatusCode::NOT_FOUND, "none approved yet");
        let (status, start) = manager.get_json(&format!("{SOA}/start")).await;
        assert_eq!(status, StatusCode::OK, "{start}");
        assert_eq!(start["entries"].as_array().map(Vec::len), Some(93));
        assert_eq!(entry(&start, "A.5.7")["title"], "Threat intelligence");

        // A draft with nothing justified saves, and cannot be sent.
        let (status, draft) = manager.send_json(reqwest::Method::PUT, &format!("{SOA}/draft"), &draft_body(0, "")).await;
        assert_eq!(status, StatusCode::OK, "{draft}");
        let submit = json!({ "version": draft["version"] });
        let (status, refused) = manager.post_json(&format!("{SOA}/draft/submit"), &submit).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(refused.to_string().contains("93 control(s)"), "{refused}");

        // Risks are named by reference, and must exist.
        let (_, risk) = manager.post_json("/api/v1/orgs/acme/risks", &json!({ "title": "Laptop stolen" })).await;
        let reference = risk["reference"].as_str().expect("reference").to_owned();
        let mut body = draft_body(draft["revision"].as_i64().expect("revision"), "Adopted as good practice.");
        let entries = body["statement"]["entries"].as_array_mut().expect("entries");
        let policies = entries.iter_mut().find(|e| e["control"] == "A.5.1").expect("A.5.1");
        policies["reasons"] = json!(["risk_treatment", "legal"]);
        policies["justification"] = json!("Treats the risk of lost laptops; the data protection law asks for it.");
        policies["risks"] = json!(["RSK-0999"]);
        policies["status"] = json!("implemented");
        // No applied control satisfies A.5.1 here: a status set by hand says why.
        policies["status_reason"] = json!("Board-approved policy set in force since January.");
        policies["references"] = json!("DOC-0001 Information security policy");
        let excluded = entries.iter_mut().find(|e| e["control"] == "A.7.5").expect("A.7.5");
        excluded["applicable"] = json!(false);
        excluded["reasons"] = json!([]);
        excluded["justification"] = json!("No premises of our own: the provider's certified data centre.");
        let (status, unknown) = manager.send_json(reqwest::Method::PUT, &format!("{SOA}/draft"), &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{unknown}");
        assert!(unknown.to_string().contains("RSK-0999"), "{unknown}");
        // Documents are cited by reference and must exist too.
        body["statement"]["entries"].as_array_mut().expect("entries").iter_mut()
            .find(|e| e["control"] == "A.5.1").expect("A.5.1")["risks"] = json!([reference.clone()]);
        let (status, unknown) = manager.send_json(reqwest::Method::PUT, &format!("{SOA}/draft"), &body).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{unknown}");
        assert!(unknown.to_string().contains("DOC-0001"), "{unknown}");
        let (status, policy) = manager.post_json("/api/v1/orgs/acme/documents", &json!({ "title": "Information security policy", "kind": "policy" })).await;
        assert_eq!(status, StatusCode::CREATED, "{policy}");
        body["statement"]["entries"].as_array_mut().expect("entries").iter_mut()
            .find(|e| e["control"] == "A.5.1").expect("A.5.1")["risks"] = json!([reference.to_lowercase()]);
        let (status, draft) = manager.send_json(reqwest::Method::PUT, &format!("{SOA}/draft"), &body).await;
        assert_eq!(status, StatusCode::OK, "{draft}");
        assert_eq!(entry(&draft["statement"], "A.5.1")["risks"], json!([reference]));

        // Contributors read it and cannot change it.
        app.member("acme", "carl@acme.example", Role::Contributor).await;
        let carl = app.api("acme", "carl@acme.example", TokenScope::ReadWrite).await;
        assert_eq!(carl.get_json(&format!("{SOA}/draft")).await.0, StatusCode::OK);
        let again = draft_body(draft["revision"].as_i64().expect("revision"), "Carl's");
        assert_eq!(carl.send_json(reqwest::Method::PUT, &format!("{SOA}/draft"), &again).await.0, StatusCode::FORBIDDEN);

        // Sent, approved, in force; the version no longer changes.
        let submit = json!({ "version": draft["version"], "revision": draft["revision"] });
        let (status, approval) = manager.post_json(&format!("{SOA}/draft/submit"), &submit).await;
        assert_eq!(status, StatusCode::CREATED, "{approval}");
        let approver = app.api("acme", "arthur@acme.example", TokenScope::ReadWrite).await;
        let decision = format!("/api/v1/orgs/acme/approvals/{}/decision", approval["id"].as_str().expect("id"));
        let (status, decided) = approver.post_json(&decision, &json!({ "decision": "approve" })).await;
        assert_eq!(status, StatusCode::OK, "{decided}");
        let (status, in_force) = manager.get_json(SOA).await;
        assert_eq!((status, in_force["version"].as_i64(), in_force["status"].as_str()), (StatusCode::OK, Some(1), Some("approved")));
        let page = app.browser("maya@acme.example").await.get("/orgs/acme/soa").await.text().await.expect("page");
        let link = format!("/orgs/acme/documents/{}", policy["id"].as_str().expect("id"));
        assert!(page.contains(&link), "the cited document is linked: {page}");

        // The file auditors read: one line per control, in the framework's order.
        let response = manager.http.get(manager.url(&format!("{SOA}/export?format=csv"))).send().await.expect("export");
        assert_eq!(response.status(), StatusCode::OK);
        let disposition = response.headers()[reqwest::header::CONTENT_DISPOSITION].to_str().expect("header").to_owned();
        assert!(disposition.contains("statement-of-applicability-v1-approved.csv"), "{disposition}");
        let csv = response.text().await.expect("csv");
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines[0], "identifier,control,applicable,reasons,justification,risks,implemented,status,status_reason,references");
        assert_eq!(lines.len(), 94, "a header and 93 controls");
        assert!(lines[1].starts_with("A.5.1,Policies for information security,yes,Treats a risk; Law or regulation,"), "{}", lines[1]);
        assert!(lines[1].contains(&format!(",{reference},yes,Implemented,Board-approved policy set in force since January.,DOC-0001 Information security policy")), "{}", lines[1]);
        let excluded = lines.iter().find(|l| l.starts_with("A.7.5,")).expect("A.7.5");
        assert!(excluded.contains(",no,,No premises of our own"), "{excluded}");
        let xlsx = manager.http.get(manager.url(&format!("{SOA}/export?format=xlsx&version=1"))).send().await.expect("xlsx");
        assert_eq!(xlsx.status(), StatusCode::OK);
        assert!(xlsx.bytes().await.expect("bytes").starts_with(b"PK"), "a workbook");
        assert_eq!(manager.get_json(&format!("{SOA}/export?format=pdf")).await.0, StatusCode::UNPROCESSABLE_ENTITY);

        // The page shows the statement in force; staff do not see it.
        let page = app.browser("maya@acme.example").await.get("/orgs/acme/soa").await.text().await.expect("page");
        assert!(page.contains("Version 1, approved") && page.contains("92 of 93 controls applicable"), "{page}");
        assert!(page.contains("No premises of our own") && page.contains("soa/export?format=xlsx"));
        app.member("acme", "stan@acme.example", Role::Staff).await;
        assert_eq!(app.browser("stan@acme.example").await.get("/orgs/acme/soa").await.status(), StatusCode::FORBIDDEN);
    }
}

on_both_backends! {
    async fn the_statement_is_drafted_and_sent_from_its_page(app) {
        let _manager = manager(&app).await;
        app.member("acme", "arthur@acme.example", Role::Approver).await;
        let browser = app.browser("maya@acme.example").await;
        let form = browser.get("/orgs/acme/soa/draft").await.text().await.expect("form");
        assert!(form.contains("name=\"justification:A.5.1\"") && form.contains("name=\"revision\" value=\"0\""), "a new draft");

        // Sent with nothing justified: saved, refused, every control named on its row.
        let unjustified = [("revision", "0".to_owned()), ("send", "yes".to_owned())];
        let refused = browser.post_form("/orgs/acme/soa/draft", &unjustified.iter().map(|(k, v)| (*k, v.as_str())).collect::<Vec<_>>()).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = refused.text().await.expect("page");
        assert!(page.contains("93 control(s) are not"), "{page}");
        assert!(page.contains("name=\"revision\" value=\"1\""), "the saved draft's revision, to save again");

        let mut fields: Vec<(String, String)> = vec![("revision".into(), "1".into()), ("send".into(), "yes".into())];
        for (control, _) in annex_a() {
            fields.push((format!("applicable:{control}"), "yes".into()));
            fields.push((format!("reasons:{control}"), "good_practice".into()));
            fields.push((format!("reasons:{control}"), "business_need".into()));
            fields.push((format!("justification:{control}"), format!("Needed for {control}.")));
            fields.push((format!("status:{control}"), "planned".into()));
        }
        let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let sent = browser.post_form("/orgs/acme/soa/draft", &fields).await;
        assert_eq!(sent.status(), StatusCode::SEE_OTHER);
        assert!(sent.headers()[reqwest::header::LOCATION].to_str().expect("location").ends_with("/orgs/acme/soa?notice=soa-submitted"));
        let (_, draft) = app.api("acme", "maya@acme.example", TokenScope::Read).await.get_json("/api/v1/orgs/acme/soa/versions/1").await;
        assert_eq!(draft["status"], "pending_approval", "{draft}");
        assert_eq!(entry(&draft["statement"], "A.8.28")["reasons"], json!(["business_need", "good_practice"]));
        let page = browser.get("/orgs/acme/soa?notice=soa-submitted").await.text().await.expect("page");
        assert!(page.contains("Sent to senior management for approval.") && page.contains("Open the draft"), "{page}");
    }
}
