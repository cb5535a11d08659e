//! The audit trail: events for every change, hash chains per organisation, and detection of
//! any altered, removed or re-ordered event.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::StatusCode;

use crate::on_both_backends;
use crate::support::{TestApp, objective};

pub(crate) async fn broken_links(app: &TestApp) -> Vec<(String, i64, String)> {
    app.app
        .verify_audit_chains()
        .await
        .expect("verify")
        .into_iter()
        .filter_map(|report| report.broken.map(|b| (b.chain, b.seq, b.reason)))
        .collect()
}

/// An organisation with a handful of audited changes; returns its id.
pub(crate) async fn with_history(app: &TestApp) -> String {
    app.member("acme", "maya@acme.example", Role::IsmsManager)
        .await;
    let api = app
        .api("acme", "maya@acme.example", TokenScope::ReadWrite)
        .await;
    for title in ["One", "Two", "Three"] {
        assert_eq!(
            api.post_json("/api/v1/orgs/acme/objectives", &objective(title))
                .await
                .0,
            StatusCode::CREATED
        );
    }
    let (_, me) = api.get_json("/api/v1/me").await;
    assert_eq!(me["memberships"][0]["organisation"], "acme");
    app.app.list_organisations().await.expect("orgs")[0]
        .id
        .to_string()
}

on_both_backends! {
    async fn an_untouched_trail_verifies(app) {
        with_history(&app).await;
        assert!(broken_links(&app).await.is_empty());
        let reports = app.app.verify_audit_chains().await.expect("verify");
        assert!(reports.iter().any(|r| r.events >= 5), "organisation, membership, token and three objectives are recorded");
    }
}

on_both_backends! {
    async fn an_altered_event_is_detected_at_its_link(app) {
        let org = with_history(&app).await;
        let changed = app.raw_sql(&format!(
            "UPDATE audit_events SET after_json = REPLACE(after_json, 'Two', 'Deux') WHERE chain = '{org}' AND after_json LIKE '%\"Two\"%'"
        )).await;
        assert_eq!(changed, 1);
        let broken = broken_links(&app).await;
        assert_eq!(broken.len(), 1, "{broken:?}");
        assert_eq!(broken[0].0, org);
        assert!(broken[0].2.contains("altered"), "{broken:?}");
        let seq = broken[0].1;
        // The named link is the event that was changed.
        let (_, events) = app.api("acme", "maya@acme.example", TokenScope::Read).await.get_json("/api/v1/orgs/acme/audit-events?record_type=objective").await;
        let altered = events["items"].as_array().expect("items").iter().find(|e| e["after"]["title"] == "Deux").expect("altered event");
        assert_eq!(altered["seq"], seq);
    }
}

on_both_backends! {
    async fn a_deleted_event_is_detected(app) {
        let org = with_history(&app).await;
        assert_eq!(app.raw_sql(&format!("DELETE FROM audit_events WHERE chain = '{org}' AND seq = 2")).await, 1);
        let broken = broken_links(&app).await;
        assert_eq!(broken.len(), 1);
        assert_eq!(broken[0].1, 2);
        assert!(broken[0].2.contains("missing"), "{broken:?}");
    }
}

on_both_backends! {
    async fn deleting_the_newest_event_is_detected_too(app) {
        let org = with_history(&app).await;
        assert_eq!(app.raw_sql(&format!("DELETE FROM audit_events WHERE chain = '{org}' AND seq = (SELECT MAX(seq) FROM audit_events WHERE chain = '{org}')")).await, 1);
        let broken = broken_links(&app).await;
        assert_eq!(broken.len(), 1);
        assert!(broken[0].2.contains("chain head"), "{broken:?}");
    }
}

on_both_backends! {
    async fn a_removed_event_with_the_rest_renumbered_breaks_the_link(app) {
        let org = with_history(&app).await;
        // Remove event 2 and close the gap: sequence numbers are contiguous again, but event 3
        // (now numbered 2) still names the removed event as its predecessor.
        app.raw_sql(&format!("DELETE FROM audit_events WHERE chain = '{org}' AND seq = 2")).await;
        app.raw_sql(&format!("UPDATE audit_events SET seq = seq - 1 WHERE chain = '{org}' AND seq > 2")).await;
        app.raw_sql(&format!("UPDATE audit_chains SET last_seq = last_seq - 1 WHERE chain = '{org}'")).await;
        let broken = broken_links(&app).await;
        assert_eq!(broken.len(), 1, "{broken:?}");
        assert_eq!(broken[0].1, 2);
        assert!(broken[0].2.contains("previous-hash"), "{broken:?}");
    }
}

on_both_backends! {
    async fn a_forged_chain_head_is_detected(app) {
        let org = with_history(&app).await;
        app.raw_sql(&format!("UPDATE audit_chains SET last_hash = 'forged' WHERE chain = '{org}'")).await;
        let broken = broken_links(&app).await;
        assert_eq!(broken.len(), 1);
        assert!(broken[0].2.contains("chain head"), "{broken:?}");
    }
}

on_both_backends! {
    async fn concurrent_changes_append_one_unbroken_chain(app) {
        with_history(&app).await;
        let api = std::sync::Arc::new(app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await);
        let writes = (0..12).map(|i| {
            let api = api.clone();
            async move { api.post_json("/api/v1/orgs/acme/objectives", &objective(&format!("Parallel {i}"))).await.0 }
        });
        // Verify while the writers run: a snapshot never mistakes a fresh append for a break.
        let verifier = {
            let app = app.app.clone();
            tokio::spawn(async move {
                for _ in 0..5 {
                    let reports = app.verify_audit_chains().await.expect("verify");
                    assert!(reports.iter().all(|r| r.broken.is_none()), "{reports:?}");
                }
            })
        };
        for status in crate::auth::futures_join_all(writes).await {
            assert_eq!(status, StatusCode::CREATED);
        }
        verifier.await.expect("verifier");
        assert!(broken_links(&app).await.is_empty());
        let (_, listed) = api.get_json("/api/v1/orgs/acme/objectives?limit=200").await;
        let mut references: Vec<&str> = listed["items"].as_array().expect("items").iter().map(|o| o["reference"].as_str().expect("ref")).collect();
        references.sort_unstable();
        references.dedup();
        assert_eq!(references.len(), 15, "every objective got its own reference");
    }
}

on_both_backends! {
    async fn the_audit_log_page_and_endpoint_filter_events(app) {
        with_history(&app).await;
        app.member("acme", "audrey@acme.example", Role::Auditor).await;
        app.member("acme", "sam@acme.example", Role::Staff).await;
        let auditor = app.api("acme", "audrey@acme.example", TokenScope::Read).await;
        let (status, all) = auditor.get_json("/api/v1/orgs/acme/audit-events").await;
        assert_eq!(status, StatusCode::OK);
        let (_, creates) = auditor.get_json("/api/v1/orgs/acme/audit-events?record_type=objective&action=create").await;
        assert_eq!(creates["total"], 3);
        assert!(all["total"].as_u64().expect("total") > 3);
        let newest_first: Vec<i64> = all["items"].as_array().expect("items").iter().map(|e| e["seq"].as_i64().expect("seq")).collect();
        assert!(newest_first.windows(2).all(|w| w[0] > w[1]));
        assert_eq!(auditor.get_json("/api/v1/orgs/acme/audit-events?from=2000-01-01&until=2000-12-31").await.1["total"], 0);
        assert_eq!(auditor.get_json("/api/v1/orgs/acme/audit-events?from=yesterday").await.0, StatusCode::UNPROCESSABLE_ENTITY);
        let staff = app.api("acme", "sam@acme.example", TokenScope::Read).await;
        assert_eq!(staff.get_json("/api/v1/orgs/acme/audit-events").await.0, StatusCode::FORBIDDEN);

        let browser = app.browser("audrey@acme.example").await;
        let page = browser.get("/orgs/acme/audit-log?record_type=objective&action=create").await.text().await.expect("body");
        assert!(page.contains("3 events") && page.contains("Three"));
        let (_, one) = auditor.get_json("/api/v1/orgs/acme/objectives?q=Two").await;
        let two = one["items"][0]["id"].as_str().expect("id");
        let history = browser.get(&format!("/orgs/acme/audit-log?record_type=objective&record_id={two}")).await.text().await.expect("body");
        assert!(history.contains("1 event ·"), "one record's history");
        let csv = browser.get("/orgs/acme/audit-log?record_type=objective&format=csv").await.text().await.expect("csv");
        assert_eq!(csv.lines().count(), 4);
    }
}
