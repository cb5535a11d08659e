//! The OpenAPI document: served, describing every API route, and reviewed: the served
//! document is snapshotted, so any change to the API shows up as a diff of
//! `snapshots/*openapi.snap` in review. After an intended change, accept it with
//! `INSTA_UPDATE=always cargo test -p custos --test it api_docs` and read the diff; a plain
//! run (CI included) never writes a snapshot and fails on any difference
//! (`.config/insta.yaml`).

use reqwest::StatusCode;

use crate::on_both_backends;
use crate::support::Client;

on_both_backends! {
    async fn the_openapi_document_is_served_and_complete(app) {
        let client = Client::anonymous(&app);
        let (status, document) = client.get_json("/api/v1/openapi.json").await;
        assert_eq!(status, StatusCode::OK);
        assert!(document["openapi"].as_str().expect("version").starts_with("3.1"));
        insta::assert_json_snapshot!("openapi", document);
        let paths = document["paths"].as_object().expect("paths");
        for path in [
            "/api/v1/me",
            "/api/v1/orgs/{org}/objectives",
            "/api/v1/orgs/{org}/objectives/{id}",
            "/api/v1/orgs/{org}/objectives/{id}/submit",
            "/api/v1/orgs/{org}/approvals",
            "/api/v1/orgs/{org}/approvals/{id}/decision",
            "/api/v1/orgs/{org}/audit-events",
            "/healthz",
            "/readyz",
        ] {
            assert!(paths.contains_key(path), "{path} is documented");
        }
        for (path, item) in paths {
            for (method, operation) in item.as_object().expect("item") {
                assert!(operation["responses"].as_object().is_some_and(|r| !r.is_empty()), "{method} {path} documents its responses");
            }
        }
        let schemes = document["components"]["securitySchemes"].as_object().expect("schemes");
        assert!(schemes.contains_key("bearer") && schemes.contains_key("session"));
        assert!(document["components"]["schemas"]["Problem"].is_object());
    }
}

on_both_backends! {
    async fn health_and_readiness_answer_without_authentication(app) {
        let client = Client::anonymous(&app);
        assert_eq!(client.get("/healthz").await.status(), StatusCode::OK);
        assert_eq!(client.get("/readyz").await.status(), StatusCode::OK);
        let (status, problem) = client.get_json("/api/v1/no-such-endpoint").await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(problem["status"], 404);
    }
}
