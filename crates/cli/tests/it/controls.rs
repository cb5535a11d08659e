//! Applied controls: the requirements of any framework they satisfy, the risks they treat,
//! the coverage they give each framework directly and through the mappings, and the
//! Statement of Applicability's statuses derived from them.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Client, TestApp};

const CONTROLS: &str = "/api/v1/orgs/acme/controls";

async fn manager(app: &TestApp) -> Client {
    app.member("acme", "maya@acme.example", Role::IsmsManager)
        .await;
    app.api("acme", "maya@acme.example", TokenScope::ReadWrite)
        .await
}

async fn create(client: &Client, body: Value) -> Value {
    let (status, created) = client.post_json(CONTROLS, &body).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    created
}

fn requirement<'a>(coverage: &'a Value, id: &str) -> &'a Value {
    coverage["requirements"]
        .as_array()
        .and_then(|all| all.iter().find(|r| r["id"] == id))
        .unwrap_or_else(|| panic!("{id} in {}", coverage["framework_id"]))
}

fn count(coverage: &Value, state: &str) -> i64 {
    coverage["counts"]
        .as_array()
        .and_then(|all| all.iter().find(|c| c["state"] == state))
        .and_then(|c| c["count"].as_i64())
        .unwrap_or_else(|| panic!("{state}"))
}

on_both_backends! {
    async fn a_control_names_the_requirements_it_satisfies_and_the_risks_it_treats(app) {
        let manager = manager(&app).await;
        let (_, risk) = manager.post_json("/api/v1/orgs/acme/risks", &json!({ "title": "Laptop stolen" })).await;
        let risk_id = risk["id"].as_str().expect("risk id").to_owned();
        let created = create(&manager, json!({
            "title": "Full-disk encryption on every laptop",
            "status": "in_progress",
            "one_off_cost": 2500,
            "recurring_cost": 600,
            "requirements": ["iso27001-2022:A.8.1", "soc2-2017:CC6.7", "iso27001-2022:A.8.1"],
            "risk_ids": [risk_id],
        })).await;
        assert_eq!(created["reference"], "CTL-0001");
        let linked: Vec<(&str, &str)> = created["requirements"].as_array().expect("list").iter()
            .map(|r| (r["framework_id"].as_str().unwrap_or(""), r["requirement_id"].as_str().unwrap_or(""))).collect();
        assert_eq!(linked, [("iso27001-2022", "A.8.1"), ("soc2-2017", "CC6.7")], "each once");
        assert_eq!(created["risks"][0]["reference"], risk["reference"]);

        // What does not exist, a heading and a bad reference are refused by name; nothing is written.
        for (requirements, expected) in [
            (json!(["iso27001-2022:A.99.1"]), "iso27001-2022:A.99.1"),
            (json!(["iso27001-2022:A.5"]), "heading"),
            (json!(["A.5.1"]), "framework:id"),
            (json!(["no-such-framework:X.1"]), "no-such-framework:X.1"),
        ] {
            let (status, refused) = manager.post_json(CONTROLS, &json!({ "title": "Bad", "requirements": requirements })).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
            assert!(refused.to_string().contains(expected), "{expected}: {refused}");
        }
        let (status, refused) = manager.post_json(CONTROLS, &json!({ "title": "Done", "status": "implemented" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert!(refused.to_string().contains("implemented_on"), "{refused}");
        let (status, refused) = manager.post_json(CONTROLS, &json!({ "title": "Other", "risk_ids": [uuid::Uuid::now_v7().to_string()] })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM controls").await, 1);

        // Filters: by requirement and by risk.
        create(&manager, json!({ "title": "Access reviews", "requirements": ["iso27001-2022:A.5.18"] })).await;
        let (_, by_requirement) = manager.get_json(&format!("{CONTROLS}?requirement=soc2-2017:CC6.7")).await;
        assert_eq!(by_requirement["items"].as_array().map(Vec::len), Some(1), "{by_requirement}");
        let (_, by_risk) = manager.get_json(&format!("{CONTROLS}?risk_id={risk_id}")).await;
        assert_eq!(by_risk["items"][0]["reference"], "CTL-0001");
        let (status, _) = manager.get_json(&format!("{CONTROLS}?requirement=A.5.1")).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        create(&manager, json!({ "title": "Clean desk rounds", "status": "implemented", "implemented_on": "2026-04-01" })).await;
        for dir in ["asc", "desc"] {
            let (_, sorted) = manager.get_json(&format!("{CONTROLS}?sort=implemented_on&dir={dir}")).await;
            let dates: Vec<&Value> = sorted["items"].as_array().expect("items").iter().map(|c| &c["implemented_on"]).collect();
            assert_eq!((dates[0].as_str(), dates.last().map(|d| d.is_null())), (Some("2026-04-01"), Some(true)), "undated last, {dir}");
        }

        // Implemented, with its date; the links change with it; the audit trail has both.
        let id = created["id"].as_str().expect("id");
        let (status, updated) = manager.send_json(reqwest::Method::PUT, &format!("{CONTROLS}/{id}"), &json!({
            "version": created["version"], "title": "Full-disk encryption on every laptop",
            "status": "implemented", "implemented_on": "2026-06-30",
            "requirements": ["iso27001-2022:A.8.1"], "risk_ids": [risk_id],
        })).await;
        assert_eq!(status, StatusCode::OK, "{updated}");
        assert_eq!((updated["status"].as_str(), updated["implemented_on"].as_str()), (Some("implemented"), Some("2026-06-30")));
        assert_eq!(updated["requirements"].as_array().map(Vec::len), Some(1));
        let (status, _) = manager.send_json(reqwest::Method::PUT, &format!("{CONTROLS}/{id}"), &json!({
            "version": created["version"], "title": "Stale",
        })).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert_eq!(app.raw_count(&format!("SELECT COUNT(*) FROM audit_events WHERE record_type = 'control' AND record_id = '{id}'")).await, 2);

        // The risk's page names the control treating it; deleting the risk unlinks it.
        let browser = app.browser("maya@acme.example").await;
        let page = browser.get(&format!("/orgs/acme/risks/{risk_id}")).await.text().await.expect("page");
        assert!(page.contains("CTL-0001") && page.contains("Full-disk encryption"), "{page}");
        let (status, _) = manager.send_json(reqwest::Method::DELETE, &format!("/api/v1/orgs/acme/risks/{risk_id}?version={}", risk["version"]), &Value::Null).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, after) = manager.get_json(&format!("{CONTROLS}/{id}")).await;
        assert_eq!(after["risks"], json!([]));

        // From the pages: requirements typed as references, bare ids in ISO/IEC 27001:2022.
        let response = browser.post_form("/orgs/acme/controls", &[
            ("title", "Security awareness sessions"), ("status", "planned"),
            ("requirements", "A.6.3; nist-csf-2.0:PR.AT-01"), ("risks", ""),
        ]).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let (_, listed) = manager.get_json(&format!("{CONTROLS}?requirement=nist-csf-2.0:PR.AT-01")).await;
        assert_eq!(listed["items"][0]["title"], "Security awareness sessions");
        // Forms name linked records by reference; one that is not there is named back, on
        // every register's form alike, and nothing is written.
        for (path, form, expected) in [
            ("/orgs/acme/controls", vec![("title", "Linked"), ("risks", "RSK-0099, rsk-0099, 98")], "Not in the risk register: RSK-0099, RSK-0098."),
            ("/orgs/acme/risks", vec![("title", "Linked"), ("assets", "AST-0042")], "Not in the asset inventory: AST-0042."),
            ("/orgs/acme/evidence", vec![("title", "Linked"), ("controls", "CTL-0001, CTL-0077"), ("documents", "DOC-0009")], "Not in the controls register: CTL-0077."),
        ] {
            let response = browser.post_form(path, &form).await;
            assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            let page = response.text().await.expect("page");
            assert!(page.contains(expected), "{path}: {page}");
        }
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM evidence").await, 0);
        let response = browser.post_form("/orgs/acme/controls", &[("title", "Typo"), ("requirements", "A.5.1, RSK-0001")]).await;
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let page = response.text().await.expect("page");
        assert!(page.contains("RSK-0001") && page.contains("Requirements satisfied"), "{page}");
    }
}

on_both_backends! {
    async fn an_implemented_control_covers_its_requirements_and_those_mapped_to_them(app) {
        let manager = manager(&app).await;
        let coverage = |id: &str| format!("/api/v1/orgs/acme/frameworks/{id}/coverage");
        let (status, before) = manager.get_json(&coverage("soc2-2017")).await;
        assert_eq!(status, StatusCode::OK, "{before}");
        assert_eq!(count(&before, "gap"), 61);

        // A.8.6 equals SOC 2's A1.1; A.8.5 overlaps CC6.1; 2013's A.9.4.2 equals A.8.5.
        create(&manager, json!({
            "title": "Capacity dashboards with alerts", "status": "implemented", "implemented_on": "2026-01-10",
            "requirements": ["iso27001-2022:A.8.6"],
        })).await;
        create(&manager, json!({
            "title": "Multi-factor sign-in", "status": "implemented", "implemented_on": "2026-03-01",
            "requirements": ["iso27001-2022:A.8.5"],
        })).await;
        create(&manager, json!({
            "title": "Quarterly access review", "status": "planned",
            "requirements": ["soc2-2017:CC6.2"],
        })).await;
        let (_, soc2) = manager.get_json(&coverage("soc2-2017")).await;
        let capacity = requirement(&soc2, "A1.1");
        assert_eq!(capacity["state"], "mapped", "{capacity}");
        assert_eq!(capacity["mapped"][0], json!({ "framework_id": "iso27001-2022", "requirement_id": "A.8.6", "full": true }));
        assert_eq!(requirement(&soc2, "CC6.1")["state"], "partial");
        assert_eq!(requirement(&soc2, "CC6.2")["state"], "in_progress");
        assert_eq!(requirement(&soc2, "CC6.2")["controls"][0]["status"], "planned");
        assert_eq!(count(&soc2, "mapped"), 1);

        let (_, iso) = manager.get_json(&coverage("iso27001-2022")).await;
        assert_eq!(requirement(&iso, "A.8.5")["state"], "implemented");
        assert_eq!(count(&iso, "implemented"), 2);
        let (_, old) = manager.get_json(&coverage("iso27001-2013")).await;
        assert_eq!(requirement(&old, "A.9.4.2")["state"], "mapped", "read backwards: 2013 -> 2022 equal");

        // The summary of every framework, and the pages.
        let (_, summary) = manager.get_json("/api/v1/orgs/acme/coverage").await;
        let soc2_line = summary.as_array().expect("list").iter().find(|s| s["framework"]["id"] == "soc2-2017").expect("soc2");
        assert_eq!((soc2_line["covered"].as_i64(), soc2_line["assessable"].as_i64(), soc2_line["percent"].as_i64()), (Some(1), Some(61), Some(1)));
        let browser = app.browser("maya@acme.example").await;
        let page = browser.get("/orgs/acme/frameworks/soc2-2017/coverage?state=mapped").await.text().await.expect("page");
        assert!(page.contains("A1.1") && page.contains("A.8.6") && !page.contains("CC6.2"), "{page}");
        let page = browser.get("/orgs/acme/frameworks").await.text().await.expect("page");
        assert!(page.contains("1 % (1 of 61)"), "{page}");
        assert_eq!(browser.get("/orgs/acme/frameworks/soc2-2017/coverage?state=done").await.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(manager.get_json(&coverage("no-such-framework")).await.0, StatusCode::NOT_FOUND);

        // Staff read the libraries but not the organisation's controls.
        app.member("acme", "stan@acme.example", Role::Staff).await;
        let staff = app.api("acme", "stan@acme.example", TokenScope::Read).await;
        assert_eq!(staff.get_json(&coverage("soc2-2017")).await.0, StatusCode::FORBIDDEN);
    }
}

on_both_backends! {
    async fn the_statement_of_applicability_takes_its_statuses_from_the_controls(app) {
        let manager = manager(&app).await;
        let soa = "/api/v1/orgs/acme/soa";
        create(&manager, json!({
            "title": "Policy set", "status": "implemented", "implemented_on": "2026-01-15",
            "requirements": ["iso27001-2022:A.5.1"],
        })).await;
        create(&manager, json!({ "title": "Roles charter", "status": "implemented", "implemented_on": "2026-01-15", "requirements": ["iso27001-2022:A.5.2"] })).await;
        create(&manager, json!({ "title": "Roles in contracts", "status": "planned", "requirements": ["iso27001-2022:A.5.2"] })).await;
        create(&manager, json!({ "title": "Management briefings", "status": "implemented", "implemented_on": "2026-02-01", "requirements": ["iso27001-2022:A.5.4"] })).await;
        let (_, start) = manager.get_json(&format!("{soa}/start")).await;
        let status_of = |statement: &Value, control: &str| {
            statement["entries"].as_array().and_then(|e| e.iter().find(|e| e["control"] == control)).map(|e| e["status"].clone()).expect("entry")
        };
        assert_eq!(status_of(&start, "A.5.1"), "implemented");
        assert_eq!(status_of(&start, "A.5.2"), "partial");
        assert_eq!(status_of(&start, "A.5.3"), "not_started");

        // A status typed without a reason follows the controls; with one, it stands.
        let mut statement = crate::soa::statement("Adopted as good practice.");
        for entry in statement["entries"].as_array_mut().expect("entries") {
            match entry["control"].as_str() {
                Some("A.5.1") => entry["status"] = json!("not_started"),
                // Excluded as the form sends it: the status the controls gave, CR LF lines.
                Some("A.5.4") => {
                    entry["applicable"] = json!(false);
                    entry["reasons"] = json!([]);
                    entry["status"] = json!("implemented");
                    entry["justification"] = json!("Board members brief themselves.\r\nNo staff report to them.");
                }
                Some("A.5.3") => {
                    entry["status"] = json!("implemented");
                    entry["status_reason"] = json!("The parent company runs it; its audit report shows it.");
                }
                _ => {}
            }
        }
        let (status, draft) = manager.send_json(reqwest::Method::PUT, &format!("{soa}/draft"), &json!({ "revision": 0, "statement": statement })).await;
        assert_eq!(status, StatusCode::OK, "{draft}");
        assert_eq!(status_of(&draft["statement"], "A.5.1"), "implemented");
        assert_eq!(status_of(&draft["statement"], "A.5.3"), "implemented");
        assert_eq!(status_of(&draft["statement"], "A.5.4"), "not_started", "excluded");

        // Controls move on before the draft is sent: the version sent says what they say then.
        let (_, planned) = manager.get_json(&format!("{CONTROLS}?q=Roles%20in%20contracts")).await;
        let planned = &planned["items"][0];
        let (status, _) = manager.send_json(reqwest::Method::PUT, &format!("{CONTROLS}/{}", planned["id"].as_str().expect("id")), &json!({
            "version": planned["version"], "title": "Roles in contracts", "status": "implemented",
            "implemented_on": "2026-05-01", "requirements": ["iso27001-2022:A.5.2"],
        })).await;
        assert_eq!(status, StatusCode::OK);
        let submit = json!({ "version": draft["version"], "revision": draft["revision"] });
        let (status, approval) = manager.post_json(&format!("{soa}/draft/submit"), &submit).await;
        assert_eq!(status, StatusCode::CREATED, "{approval}");
        let (_, sent) = manager.get_json(&format!("{soa}/versions/{}", draft["version"])).await;
        assert_eq!(status_of(&sent["statement"], "A.5.2"), "implemented", "{sent}");
        assert!(sent["revision"].as_i64() > draft["revision"].as_i64());

        let response = manager.http.get(manager.url(&format!("{soa}/export?format=csv&version={}", draft["version"]))).send().await.expect("export");
        let csv = response.text().await.expect("csv");
        let a53 = csv.lines().find(|l| l.starts_with("A.5.3,")).expect("A.5.3");
        assert!(a53.contains("Implemented,The parent company runs it"), "{a53}");
    }
}
