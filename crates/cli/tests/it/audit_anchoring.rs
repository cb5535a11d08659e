//! The audit trail anchored outside the database: organisation chains rooted in the instance
//! chain, so that a chain removed or replaced is detected.

use custos_app::AppError;
use custos_app::domain::platform::{Role, TokenScope};
use reqwest::StatusCode;

use crate::audit::{broken_links, with_history};
use crate::on_both_backends;
use crate::support::{PASSWORD, TestApp, objective};

/// How many events `chain` holds, as verification counts them.
async fn events_in(app: &TestApp, chain: &str) -> i64 {
    app.app
        .verify_audit_chains()
        .await
        .expect("verify")
        .iter()
        .find(|r| r.chain == chain)
        .map_or(0, |r| r.events)
}

on_both_backends! {
    async fn a_removed_organisation_chain_is_detected_by_its_root(app) {
        let org = with_history(&app).await;
        app.raw_sql(&format!("DELETE FROM audit_events WHERE chain = '{org}'")).await;
        app.raw_sql(&format!("DELETE FROM audit_chains WHERE chain = '{org}'")).await;
        assert_eq!(
            broken_links(&app).await,
            [(org.clone(), 1, "organisation acme has no audit chain: its events and chain head are missing".to_owned())]
        );
    }
}

on_both_backends! {
    async fn a_chain_started_afresh_is_not_the_rooted_one(app) {
        let org = with_history(&app).await;
        app.raw_sql(&format!("DELETE FROM audit_events WHERE chain = '{org}'")).await;
        app.raw_sql(&format!("DELETE FROM audit_chains WHERE chain = '{org}'")).await;
        // The next change opens a new chain: every link of it holds, but its first event is
        // not the one the instance chain recorded when the organisation was created.
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        assert_eq!(api.post_json("/api/v1/orgs/acme/objectives", &objective("After")).await.0, StatusCode::CREATED);
        let broken = broken_links(&app).await;
        assert_eq!(broken.len(), 1, "{broken:?}");
        assert_eq!((broken[0].0.as_str(), broken[0].1), (org.as_str(), 1));
        assert!(broken[0].2.starts_with("event 1 is not the first event that instance event"), "{broken:?}");
    }
}

on_both_backends! {
    async fn an_emptied_audit_trail_is_detected(app) {
        let org = with_history(&app).await;
        app.raw_sql("DELETE FROM audit_events").await;
        app.raw_sql("DELETE FROM audit_chains").await;
        // The organisation is still there: its missing chain shows without any checkpoint.
        assert_eq!(
            broken_links(&app).await,
            [(org.clone(), 1, "organisation acme has no audit chain: its events and chain head are missing".to_owned())]
        );
    }
}

on_both_backends! {
    async fn a_chain_head_with_another_hash_is_named_so(app) {
        let org = with_history(&app).await;
        let last = events_in(&app, &org).await;
        app.raw_sql(&format!(
            "UPDATE audit_chains SET last_hash = (SELECT hash FROM audit_events WHERE chain = '{org}' AND seq = 1)
             WHERE chain = '{org}'"
        )).await;
        assert_eq!(
            broken_links(&app).await,
            [(org, last, format!("the chain head's hash does not match event {last}"))]
        );
    }
}

on_both_backends! {
    async fn an_event_given_another_id_is_detected(app) {
        let org = with_history(&app).await;
        let changed = app.raw_sql(&format!(
            "UPDATE audit_events SET id = '0190a000-0000-7000-8000-0000000000ff' WHERE chain = '{org}' AND seq = 2"
        )).await;
        assert_eq!(changed, 1);
        let broken = broken_links(&app).await;
        assert_eq!(broken.len(), 1, "{broken:?}");
        assert_eq!((broken[0].0.as_str(), broken[0].1), (org.as_str(), 2));
        assert!(broken[0].2.contains("altered"), "{broken:?}");
    }
}

on_both_backends! {
    async fn organisations_created_by_an_instance_administrator_are_rooted(app) {
        with_history(&app).await;
        let now = custos_app::now();
        app.app.create_user("root@acme.example", "Root", PASSWORD, true, now).await.expect("admin");
        app.app.grant_role("acme", "root@acme.example", Role::Admin, now).await.expect("role");
        let principal = |email: &'static str| {
            let app = &app;
            async move {
                let token = app.app.create_token_cli("acme", email, "t", TokenScope::ReadWrite, 1, now).await.expect("token");
                app.app.authenticate_token(&token.secret, now).await.expect("principal")
            }
        };
        let admin = principal("root@acme.example").await;
        let globex = app.app.create_organisation(&admin, "globex", "Globex", now).await.expect("created");
        assert!(matches!(
            app.app.create_organisation(&admin, "globex", "Globex again", now).await,
            Err(AppError::Validation(_))
        ));
        let manager = principal("maya@acme.example").await;
        assert!(matches!(
            app.app.create_organisation(&manager, "initech", "Initech", now).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(broken_links(&app).await.is_empty());
        assert_eq!(events_in(&app, &globex.id.to_string()).await, 1);
        // Its first event is what the instance chain names: replacing it is detected.
        app.raw_sql(&format!("UPDATE audit_events SET actor = 'mallory' WHERE chain = '{}'", globex.id)).await;
        assert_eq!(broken_links(&app).await.len(), 1);
    }
}
