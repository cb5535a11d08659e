//! Support links between assets and the values they carry: a link that would close a loop is
//! refused naming the loop, and an asset takes on the value of what depends on it; through
//! the application, the API and the asset's page.

use custos_app::domain::assets::AssetInput;
use custos_app::domain::platform::{Role, TokenScope};
use custos_app::{AppError, now};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::on_both_backends;

fn asset(name: &str, confidentiality: &str) -> AssetInput {
    AssetInput {
        name: name.into(),
        asset_type: "information".into(),
        confidentiality: confidentiality.into(),
        ..AssetInput::default()
    }
}

on_both_backends! {
    async fn links_carry_value_to_supporting_assets_and_loops_are_refused(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let ctx = app.org_context("acme", "maya@acme.example").await;
        let data = app.app.create_asset(&ctx, &asset("Customer data", "4"), now()).await.expect("data");
        let crm = app.app.create_asset(&ctx, &asset("CRM", "2"), now()).await.expect("crm");
        let server = app.app.create_asset(&ctx, &asset("Server", ""), now()).await.expect("server");
        // The server supports the CRM, which supports the customer data.
        app.app.add_asset_link(&ctx, crm.id, "AST-0001", now()).await.expect("crm supports data");
        app.app.add_asset_link(&ctx, server.id, &crm.id.to_string(), now()).await.expect("server supports crm");

        let valued = app.app.asset_valuation(&ctx, server.id).await.expect("valuation");
        let confidentiality = valued.effective.confidentiality.expect("valued");
        assert_eq!((confidentiality.level, confidentiality.source), (4, data.id), "as confidential as the data");
        assert_eq!(valued.overall, Some(4));
        assert_eq!(valued.supports.iter().map(|a| a.id).collect::<Vec<_>>(), [crm.id]);
        assert_eq!(valued.sources.iter().map(|a| a.name.as_str()).collect::<Vec<_>>(), ["Customer data"]);

        // Closing the loop is refused, with the loop in words.
        match app.app.add_asset_link(&ctx, data.id, "ast-3", now()).await {
            Err(AppError::Validation(errors)) => {
                let message = errors.for_field("dependant").expect("dependant").to_owned();
                assert!(message.contains("AST-0003 Server supports AST-0002 CRM"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        match app.app.add_asset_link(&ctx, data.id, "AST-0099", now()).await {
            Err(AppError::Validation(errors)) => assert!(errors.for_field("dependant").is_some()),
            other => panic!("{other:?}"),
        }
        assert!(matches!(app.app.add_asset_link(&ctx, crm.id, "AST-0001", now()).await, Err(AppError::Conflict(_))));

        // Removing a link takes the value back; the audit trail holds both.
        app.app.remove_asset_link(&ctx, crm.id, data.id, now()).await.expect("unlink");
        let valued = app.app.asset_valuation(&ctx, server.id).await.expect("valuation");
        assert_eq!(valued.effective.confidentiality.map(|c| c.level), Some(2));
        assert!(matches!(app.app.remove_asset_link(&ctx, crm.id, data.id, now()).await, Err(AppError::NotFound)));

        // Another organisation's asset is not found, whichever way it is named.
        app.member("globex", "gus@globex.example", Role::Admin).await;
        let globex = app.org_context("globex", "gus@globex.example").await;
        let theirs = app.app.create_asset(&globex, &asset("Theirs", "1"), now()).await.expect("theirs");
        assert!(matches!(app.app.add_asset_link(&ctx, theirs.id, "AST-0001", now()).await, Err(AppError::NotFound)));
        assert!(app.app.add_asset_link(&ctx, data.id, &theirs.id.to_string(), now()).await.is_err());
        assert!(matches!(app.app.asset_valuation(&globex, server.id).await, Err(AppError::NotFound)));
    }
}

on_both_backends! {
    async fn the_asset_page_and_the_api_show_and_change_links_values_and_handling(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        app.member("acme", "sam@acme.example", Role::Auditor).await;
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let mut ids = Vec::new();
        for body in [
            json!({ "name": "Customer data", "type": "information", "confidentiality": 4, "classification": 3 }),
            json!({ "name": "CRM", "type": "software", "integrity": 2 }),
            json!({ "name": "Server", "type": "hardware" }),
        ] {
            let (status, created) = api.post_json("/api/v1/orgs/acme/assets", &body).await;
            assert_eq!(status, StatusCode::CREATED, "{created}");
            ids.push(created["id"].as_str().expect("id").to_owned());
        }
        let (data, crm, server) = (&ids[0], &ids[1], &ids[2]);

        // The API links the CRM under the data, idempotently, and values the CRM from it.
        let link = format!("/api/v1/orgs/acme/assets/{crm}/supports/{data}");
        for _ in 0..2 {
            let (status, body) = api.send_json(Method::PUT, &link, &json!(null)).await;
            assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
        }
        let (status, valued) = api.get_json(&format!("/api/v1/orgs/acme/assets/{crm}/valuation")).await;
        assert_eq!(status, StatusCode::OK, "{valued}");
        assert_eq!(valued["confidentiality"]["level"], 4);
        assert_eq!(valued["confidentiality"]["source_id"], data.as_str());
        assert_eq!(valued["integrity"]["source_id"], crm.as_str());
        assert_eq!(valued["overall"], 4);
        assert_eq!(valued["supports"][0]["reference"], "AST-0001");
        // The reverse link would close a loop: refused, named.
        let back = format!("/api/v1/orgs/acme/assets/{data}/supports/{crm}");
        let (status, problem) = api.send_json(Method::PUT, &back, &json!(null)).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert!(problem.to_string().contains("AST-0002 CRM"), "{problem}");

        // The page adds the server under the CRM, from the server's side ("depends on").
        let browser = app.browser("maya@acme.example").await;
        let page = format!("/orgs/acme/assets/{crm}");
        let added = browser.post_form(&format!("{page}/links"), &[("direction", "depends_on"), ("asset", "AST-0003")]).await;
        assert_eq!(added.status(), StatusCode::SEE_OTHER);
        let refused = browser.post_form(&format!("/orgs/acme/assets/{data}/links"), &[("direction", "supports"), ("asset", "ast-3")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().await.expect("page").contains("AST-0003 Server supports AST-0002 CRM"));
        let unknown = browser.post_form(&format!("{page}/links"), &[("direction", "supports"), ("asset", "AST-0099")]).await;
        assert_eq!(unknown.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // The data's value reaches the CRM and, through it, the server.
        let (status, moved) = api.get_json(&format!("/api/v1/orgs/acme/assets/{data}/supporters")).await;
        assert_eq!(status, StatusCode::OK, "{moved}");
        let references: Vec<&str> = moved.as_array().expect("list").iter().map(|m| m["reference"].as_str().expect("ref")).collect();
        assert_eq!(references, ["AST-0002", "AST-0003"]);
        assert_eq!(moved[1]["confidentiality"], 4);

        // The server's page: its value comes from the data through the CRM; the data's page
        // shows its handling rules and its history.
        let server_page = browser.get(&format!("/orgs/acme/assets/{server}")).await.text().await.expect("page");
        assert!(server_page.contains("AST-0001 Customer data</a>, which depends on it"), "{server_page}");
        assert!(server_page.contains("AST-0002 CRM"), "{server_page}");
        let data_page = browser.get(&format!("/orgs/acme/assets/{data}")).await.text().await.expect("page");
        for shown in ["Confidential", "CONFIDENTIAL", "collect printouts at once", "Disposal", "Created by", "No review planned", "2 supporting assets take value from this one"] {
            assert!(data_page.contains(shown), "{shown} missing from the asset page");
        }

        // Removing the link from the page takes the value back; an auditor may read, not change.
        let removed = browser.post_form(&format!("{page}/links/remove"), &[("direction", "supports"), ("other", data.as_str())]).await;
        assert_eq!(removed.status(), StatusCode::SEE_OTHER);
        let (_, valued) = api.get_json(&format!("/api/v1/orgs/acme/assets/{crm}/valuation")).await;
        assert_eq!(valued["confidentiality"], json!(null));
        let auditor = app.api("acme", "sam@acme.example", TokenScope::ReadWrite).await;
        let (status, _) = auditor.get_json(&format!("/api/v1/orgs/acme/assets/{crm}/valuation")).await;
        assert_eq!(status, StatusCode::OK);
        let (status, _) = auditor.send_json(Method::PUT, &link, &json!(null)).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let (status, _) = api.send_json(Method::DELETE, &format!("/api/v1/orgs/acme/assets/{server}/supports/{crm}"), &json!(null)).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
    }
}

on_both_backends! {
    async fn the_part_of_the_graph_read_values_every_asset_as_the_whole_graph_would(app) {
        use custos_app::domain::assets::valuation::{AssetValues, SupportLink, affected_by_change, effective_values};
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let ctx = app.org_context("acme", "maya@acme.example").await;
        // Fourteen assets in layers, linked from lower to higher numbers only (no loop), with
        // values and links spread by a fixed pseudo-random walk.
        let mut seed = 7u64;
        let mut next = |bound: u64| {
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            (seed >> 33) % bound
        };
        let mut assets = Vec::new();
        let mut values = Vec::new();
        for n in 0..14 {
            let level = |v: u64| if v == 0 { String::new() } else { v.to_string() };
            let (c, i, a) = (next(5), next(5), next(5));
            let input = AssetInput {
                name: format!("Asset {n}"),
                asset_type: "service".into(),
                confidentiality: level(c),
                integrity: level(i),
                availability: level(a),
                ..AssetInput::default()
            };
            let created = app.app.create_asset(&ctx, &input, now()).await.expect("asset");
            let value = |v: u64| (v > 0).then_some(v as u8);
            values.push(AssetValues { id: created.id, confidentiality: value(c), integrity: value(i), availability: value(a) });
            assets.push(created.id);
        }
        let mut links = Vec::new();
        for _ in 0..24 {
            let (from, to) = (next(14) as usize, next(14) as usize);
            if from < to && !links.iter().any(|l: &SupportLink| l.supporter == assets[from] && l.dependant == assets[to]) {
                app.app.add_asset_link(&ctx, assets[from], &assets[to].to_string(), now()).await.expect("link");
                links.push(SupportLink { supporter: assets[from], dependant: assets[to] });
            }
        }
        let whole = effective_values(&values, &links);
        for id in &assets {
            let valued = app.app.asset_valuation(&ctx, *id).await.expect("valuation");
            let expected = whole.get(id).copied().unwrap_or_default();
            assert_eq!(valued.effective, expected, "asset {id}");
            let mut moved: Vec<_> = app.app.assets_moved_by(&ctx, *id).await.expect("moved").into_iter().map(|m| {
                assert_eq!(m.effective, whole.get(&m.asset.id).copied().unwrap_or_default());
                m.asset.id
            }).collect();
            let mut affected: Vec<_> = affected_by_change(&links, *id).into_iter().filter(|a| a != id).collect();
            moved.sort();
            affected.sort();
            assert_eq!(moved, affected, "assets moved by {id}");
        }
    }
}
