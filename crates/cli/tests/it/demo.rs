//! The demo organisation: every printed log-in works and sees what its role allows.

use reqwest::StatusCode;

use crate::on_both_backends;
use crate::support::Client;

on_both_backends! {
    async fn every_demo_log_in_works(app) {
        assert!(app.app.seed_demo(custos_app::now()).await.expect("seed"));
        assert!(!app.app.seed_demo(custos_app::now()).await.expect("seed again"), "seeding twice changes nothing");
        for (email, what) in custos_app::demo::demo_logins() {
            let client = Client::anonymous(&app);
            let login = client.login(email, custos_app::demo::DEMO_PASSWORD).await;
            assert_eq!(login.status(), StatusCode::SEE_OTHER, "{email} ({what})");
            let (_, me) = client.get_json("/api/v1/me").await;
            assert_eq!(me["email"], email);
            let in_acme = client.get("/orgs/acme/objectives").await.status();
            let expected = if email.ends_with("@globex.example") { StatusCode::NOT_FOUND } else { StatusCode::OK };
            assert_eq!(in_acme, expected, "{email} on Acme's objectives");
        }
        // The demo shows objectives at every stage and two requests waiting for the approver
        // (an objective and a risk acceptance).
        let approver = Client::anonymous(&app);
        approver.login("approver@acme.example", custos_app::demo::DEMO_PASSWORD).await;
        let (_, objectives) = approver.get_json("/api/v1/orgs/acme/objectives").await;
        assert_eq!(objectives["total"], 5);
        let (_, waiting) = approver.get_json("/api/v1/orgs/acme/approvals?mine=true").await;
        assert_eq!(waiting["total"], 2, "{waiting}");
        let (_, scheme) = approver.get_json("/api/v1/orgs/acme/classification-scheme").await;
        assert_eq!((scheme["approved"].as_bool(), scheme["version"].as_i64()), (Some(true), Some(1)), "{scheme}");
        // An approved risk method, rated risks on the heat map, an overdue action.
        let (_, method) = approver.get_json("/api/v1/orgs/acme/risk-method").await;
        assert_eq!((method["version"].as_i64(), method["status"].as_str()), (Some(1), Some("approved")), "{method}");
        let (_, risks) = approver.get_json("/api/v1/orgs/acme/risks").await;
        assert_eq!(risks["total"], 5);
        let (_, map) = approver.get_json("/api/v1/orgs/acme/risks/heat-map").await;
        let rated: i64 = map["counts"].as_array().expect("rows").iter().flat_map(|r| r.as_array().expect("cells").iter()).filter_map(|c| c.as_i64()).sum();
        assert_eq!(rated, 4, "{map}");
        let (_, treatment) = approver.get_json("/api/v1/orgs/acme/risks/treatment").await;
        assert_eq!(treatment["overdue_actions"].as_array().map(Vec::len), Some(1), "{treatment}");
    }
}
