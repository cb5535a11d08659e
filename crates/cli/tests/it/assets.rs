//! The asset inventory through the API and the pages: create, read, edit, delete, its rules
//! (members as owners, one asset per external id, versions), its list and its CSV.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::on_both_backends;

on_both_backends! {
    async fn an_asset_goes_through_create_read_update_delete_with_its_rules(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        app.member("globex", "gus@globex.example", Role::Admin).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let (_, me) = api.get_json("/api/v1/me").await;
        let maya = me["id"].as_str().or_else(|| me["user"]["id"].as_str()).expect("my id").to_owned();
        let body = json!({
            "name": "Customer database", "type": "information", "owner_id": maya,
            "confidentiality": 3, "integrity": 2, "classification": 3,
            "tags": ["crm", "Customers", "crm"], "external_id": "CMDB-1", "next_review_on": "2027-03-31"
        });
        let (status, created) = api.post_json("/api/v1/orgs/acme/assets", &body).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["reference"], "AST-0001");
        assert_eq!(created["status"], "in_use");
        assert_eq!(created["tags"], json!(["crm", "Customers"]));
        assert_eq!(created["owner_name"], "maya@acme.example");
        assert_eq!(created["next_review_on"], "2027-03-31");
        let id = created["id"].as_str().expect("id").to_owned();

        // One asset per external id; owners are members; levels are on the scale.
        let (status, problem) = api.post_json("/api/v1/orgs/acme/assets", &json!({ "name": "Copy", "type": "software", "external_id": "CMDB-1" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(problem.to_string().contains("external_id"));
        let (_, gus) = app.api("globex", "gus@globex.example", TokenScope::Read).await.get_json("/api/v1/me").await;
        let gus = gus["id"].as_str().or_else(|| gus["user"]["id"].as_str()).expect("gus").to_owned();
        let (status, problem) = api.post_json("/api/v1/orgs/acme/assets", &json!({ "name": "Theirs", "type": "site", "owner_id": gus })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let (status, _) = api.post_json("/api/v1/orgs/acme/assets", &json!({ "name": "Too much", "type": "site", "availability": 7 })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = api.post_json("/api/v1/orgs/acme/assets", &json!({ "name": "Versioned", "type": "site", "version": 1 })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a create carries no version");

        // Edits need the current version; an unchanged edit keeps it.
        let url = format!("/api/v1/orgs/acme/assets/{id}");
        let mut edit = body.clone();
        edit["version"] = json!(1);
        let (status, same) = api.send_json(Method::PUT, &url, &edit).await;
        assert_eq!((status, same["version"].as_i64()), (StatusCode::OK, Some(1)), "{same}");
        edit["status"] = json!("retired");
        let (status, retired) = api.send_json(Method::PUT, &url, &edit).await;
        assert_eq!((status, retired["version"].as_i64()), (StatusCode::OK, Some(2)), "{retired}");
        let (status, _) = api.send_json(Method::PUT, &url, &edit).await;
        assert_eq!(status, StatusCode::CONFLICT, "version 1 is stale");

        // Staff do not read the inventory; another organisation does not see it.
        app.member("acme", "sam@acme.example", Role::Staff).await;
        let sam = app.api("acme", "sam@acme.example", TokenScope::Read).await;
        assert_eq!(sam.get_json("/api/v1/orgs/acme/assets").await.0, StatusCode::FORBIDDEN);

        let delete = api.http.delete(api.url(&format!("{url}?version=2"))).send().await.expect("delete");
        assert_eq!(delete.status(), StatusCode::NO_CONTENT);
        assert_eq!(api.get_json(&url).await.0, StatusCode::NOT_FOUND);
        let (_, events) = api.get_json(&format!("/api/v1/orgs/acme/audit-events?record_type=asset&record_id={id}")).await;
        let actions: Vec<&str> = events["items"].as_array().expect("items").iter().map(|e| e["action"].as_str().expect("action")).collect();
        assert_eq!(actions, ["delete", "update", "create"]);
    }
}

on_both_backends! {
    async fn the_inventory_filters_sorts_searches_and_exports(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        for (name, kind, status, tag) in [
            ("Édith's laptop", "hardware", "in_use", "endpoint"),
            ("CRM", "software", "in_use", "crm"),
            ("customer data", "information", "planned", "crm"),
            ("Old server", "hardware", "retired", "legacy"),
        ] {
            let body = json!({ "name": name, "type": kind, "status": status, "tags": [tag] });
            assert_eq!(api.post_json("/api/v1/orgs/acme/assets", &body).await.0, StatusCode::CREATED);
        }
        let names = |listed: &serde_json::Value| -> Vec<String> {
            listed["items"].as_array().expect("items").iter().map(|a| a["name"].as_str().expect("name").to_owned()).collect()
        };
        let (_, by_name) = api.get_json("/api/v1/orgs/acme/assets?sort=name").await;
        assert_eq!(names(&by_name), ["CRM", "customer data", "Édith's laptop", "Old server"]);
        let (_, hardware) = api.get_json("/api/v1/orgs/acme/assets?type=hardware&status=in_use").await;
        assert_eq!(names(&hardware), ["Édith's laptop"]);
        let (_, tagged) = api.get_json("/api/v1/orgs/acme/assets?q=crm").await;
        assert_eq!(tagged["total"], 2, "the search reads tags: {tagged}");
        let (status, problem) = api.get_json("/api/v1/orgs/acme/assets?type=spaceship").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

        let browser = app.browser("maya@acme.example").await;
        let page = browser.get("/orgs/acme/assets?type=hardware").await;
        assert_eq!(page.status(), StatusCode::OK);
        let html = page.text().await.expect("page");
        assert!(html.contains("Old server") && !html.contains("CRM"), "the page filters alike");
        let csv = browser.get("/orgs/acme/assets?format=csv&sort=name").await.text().await.expect("csv");
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].starts_with("reference,external_id,name,type"), "{csv}");
        assert_eq!(lines.len(), 5, "{csv}");
        assert!(lines[1].contains("CRM") && lines[1].contains(",software,"), "{csv}");
        let bad = browser.post_form("/orgs/acme/assets", &[("name", "No type"), ("asset_type", "")]).await;
        assert_eq!(bad.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.text().await.expect("form").contains("Choose what kind of asset this is."));
    }
}

on_both_backends! {
    async fn many_assets_change_at_once_all_or_nothing_each_with_its_audit_event(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        app.member("acme", "olga@acme.example", Role::Contributor).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let (_, olga) = app.api("acme", "olga@acme.example", TokenScope::Read).await.get_json("/api/v1/me").await;
        let olga = olga["id"].as_str().or_else(|| olga["user"]["id"].as_str()).expect("olga").to_owned();
        let mut ids = Vec::new();
        for (name, classification) in [("Laptop", 2), ("Phone", 2), ("Badge", 1)] {
            let body = json!({ "name": name, "type": "hardware", "classification": classification });
            let (status, created) = api.post_json("/api/v1/orgs/acme/assets", &body).await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            ids.push(created["id"].as_str().expect("id").to_owned());
        }
        let events = |body: serde_json::Value| body["total"].as_u64().expect("total");
        let (_, before) = api.get_json("/api/v1/orgs/acme/audit-events?record_type=asset").await;

        // Olga owns the laptop and the phone, which are unclassified at once.
        let change = json!({ "ids": [ids[0], ids[1]], "set": { "owner_id": olga, "classification": null } });
        let (status, result) = api.post_json("/api/v1/orgs/acme/assets/bulk", &change).await;
        assert_eq!(status, StatusCode::OK, "{result}");
        assert_eq!(result["changed"].as_array().expect("changed").len(), 2);
        let (_, laptop) = api.get_json(&format!("/api/v1/orgs/acme/assets/{}", ids[0])).await;
        assert_eq!((laptop["owner_id"].as_str(), laptop["classification"].clone(), laptop["version"].as_i64()), (Some(olga.as_str()), json!(null), Some(2)));
        let (_, after) = api.get_json("/api/v1/orgs/acme/audit-events?record_type=asset").await;
        assert_eq!(events(after.clone()) - events(before), 2, "one audit event per changed asset");
        // Asking again changes nothing and writes nothing.
        let (status, result) = api.post_json("/api/v1/orgs/acme/assets/bulk", &change).await;
        assert_eq!((status, result["changed"].as_array().map(Vec::len)), (StatusCode::OK, Some(0)));

        // One unknown asset, or a bad value, and nothing changes at all.
        let elsewhere = uuid::Uuid::now_v7().to_string();
        let retire = |ids: Vec<&str>| json!({ "ids": ids, "set": { "status": "retired" } });
        let (status, _) = api.post_json("/api/v1/orgs/acme/assets/bulk", &retire(vec![&ids[2], &elsewhere])).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, problem) = api.post_json("/api/v1/orgs/acme/assets/bulk", &json!({ "ids": [ids[2]], "set": { "status": "lost" } })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let (status, problem) = api.post_json("/api/v1/orgs/acme/assets/bulk", &json!({ "ids": [ids[2]], "set": {} })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let (_, badge) = api.get_json(&format!("/api/v1/orgs/acme/assets/{}", ids[2])).await;
        assert_eq!((badge["status"].as_str(), badge["version"].as_i64()), (Some("in_use"), Some(1)));
        let (_, unchanged) = api.get_json("/api/v1/orgs/acme/audit-events?record_type=asset").await;
        assert_eq!(events(unchanged), events(after));

        // The inventory's bulk form does the same, and comes back to the list it was on.
        let browser = app.browser("maya@acme.example").await;
        let form = [("ids", ids[1].as_str()), ("ids", ids[2].as_str()), ("status", "retired"), ("back", "type=hardware&evil=1")];
        let response = browser.post_form("/orgs/acme/assets/bulk", &form).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let location = response.headers()["location"].to_str().expect("location").to_owned();
        assert_eq!(location, "/orgs/acme/assets?type=hardware&notice=assets-changed");
        let (_, retired) = api.get_json("/api/v1/orgs/acme/assets?status=retired").await;
        assert_eq!(retired["total"], 2);
        let refused = browser.post_form("/orgs/acme/assets/bulk", &[("ids", ids[0].as_str()), ("next_review_on", "tomorrow")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().await.expect("page").contains("Enter a date as YYYY-MM-DD."));
    }
}

on_both_backends! {
    async fn the_inventory_figures_and_the_review_period_follow_the_assets(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        app.member("acme", "sam@acme.example", Role::Auditor).await;
        app.member("acme", "cora@acme.example", Role::Contributor).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let (_, me) = api.get_json("/api/v1/me").await;
        let maya = me["id"].as_str().or_else(|| me["user"]["id"].as_str()).expect("my id").to_owned();
        let (status, empty) = api.get_json("/api/v1/orgs/acme/assets/figures").await;
        assert_eq!(status, StatusCode::OK, "{empty}");
        assert_eq!(empty["owned"]["whole"], 0);

        // A quarterly review: an asset reviewed without a next date is next due in three months.
        let (status, period) = api.send_json(Method::PUT, "/api/v1/orgs/acme/assets/review-period", &json!({ "months": 3 })).await;
        assert_eq!((status, period["months"].as_u64()), (StatusCode::OK, Some(3)));
        let (status, _) = api.send_json(Method::PUT, "/api/v1/orgs/acme/assets/review-period", &json!({ "months": 61 })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let today = custos_app::now().date();
        let recent = (today - time::Duration::days(20)).to_string();
        let bodies = [
            json!({ "name": "Reviewed, owned, valued", "type": "information", "owner_id": maya, "classification": 2,
                    "confidentiality": 2, "integrity": 2, "availability": 2, "last_reviewed_on": recent }),
            json!({ "name": "Owned, reviewed long ago", "type": "software", "owner_id": maya, "last_reviewed_on": "2020-01-31" }),
            json!({ "name": "Nothing yet", "type": "site" }),
            json!({ "name": "Retired, not counted", "type": "site", "status": "retired" }),
        ];
        let mut created = Vec::new();
        for body in bodies {
            let (status, asset) = api.post_json("/api/v1/orgs/acme/assets", &body).await;
            assert_eq!(status, StatusCode::CREATED, "{asset}");
            created.push(asset);
        }
        assert_eq!(created[1]["next_review_on"], "2020-04-30", "three months after the last review, on a day April has");
        let (_, figures) = api.get_json("/api/v1/orgs/acme/assets/figures").await;
        for (share, part) in [("owned", 2), ("classified", 1), ("valued", 1), ("reviewed_within_period", 1)] {
            assert_eq!((figures[share]["part"].as_u64(), figures[share]["whole"].as_u64()), (Some(part), Some(3)), "{share}: {figures}");
        }

        // Auditors read the figures and the period, and cannot change it; the change is audited.
        let auditor = app.api("acme", "sam@acme.example", TokenScope::ReadWrite).await;
        assert_eq!(auditor.get_json("/api/v1/orgs/acme/assets/figures").await.0, StatusCode::OK);
        let (status, _) = auditor.send_json(Method::PUT, "/api/v1/orgs/acme/assets/review-period", &json!({ "months": 6 })).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        // The period is an asset setting: a contributor edits assets but not it.
        let contributor = app.api("acme", "cora@acme.example", TokenScope::ReadWrite).await;
        let (status, _) = contributor.send_json(Method::PUT, "/api/v1/orgs/acme/assets/review-period", &json!({ "months": 6 })).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let contributor_page = app.browser("cora@acme.example").await.get("/orgs/acme/assets").await.text().await.expect("page");
        assert!(!contributor_page.contains("review-months"), "no form for a contributor");
        let (_, events) = api.get_json("/api/v1/orgs/acme/audit-events?record_type=organisation").await;
        assert!(events.to_string().contains("asset_review_months"), "{events}");

        // The inventory page shows the figures and changes the period.
        let browser = app.browser("maya@acme.example").await;
        let page = browser.get("/orgs/acme/assets").await.text().await.expect("page");
        assert!(page.contains("66 %") && page.contains("Reviewed in the last 3 months"), "{page}");
        assert!(page.contains("review-months"), "the form for the ISMS manager");
        let saved = browser.post_form("/orgs/acme/assets/review-period", &[("months", "12")]).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let refused = browser.post_form("/orgs/acme/assets/review-period", &[("months", "0")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().await.expect("page").contains("from 1 to 60"));
    }
}
