//! Support links between assets and the values they carry, through the application: a link
//! that would close a loop is refused naming the loop, and an asset takes on the value of
//! what depends on it. (The API and pages for links come next; the rules are here.)

use custos_app::domain::assets::AssetInput;
use custos_app::domain::platform::Role;
use custos_app::{AppError, now};

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
