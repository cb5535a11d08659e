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
