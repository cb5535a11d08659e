//! Tenancy: a member of one organisation must find nothing of another. The probe list is
//! built from the route table of the pages and from the OpenAPI document, so a route added
//! later is probed without anyone remembering to; a route the harness cannot classify or
//! fill in fails the test.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::on_both_backends;
use crate::support::{Client, TestApp, objective};

/// Routes outside any organisation: they act on the caller alone or on nothing.
const NOT_ORGANISATION_SCOPED: &[&str] = &[
    "/",
    "/login",
    "/logout",
    "/account",
    "/account/password",
    "/static/{file}",
    "/healthz",
    "/readyz",
    "/api/v1/me",
    "/api/v1/openapi.json",
];

/// Every (method, path) the application serves: pages from their route table, the API from
/// its OpenAPI document.
pub fn all_routes() -> Vec<(Method, String)> {
    let mut routes: Vec<(Method, String)> = custos_web::page_routes()
        .into_iter()
        .map(|r| {
            (
                Method::from_bytes(r.method.as_str().as_bytes()).expect("method"),
                r.path.to_owned(),
            )
        })
        .collect();
    let document = serde_json::to_value(custos_web::openapi_document()).expect("openapi");
    for (path, item) in document["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("item").keys() {
            if let Ok(method) = Method::from_bytes(method.to_uppercase().as_bytes()) {
                routes.push((method, path.clone()));
            }
        }
    }
    routes
}

struct OrgA {
    member_id: String,
    objective_id: String,
    objective_title: String,
    approval_id: String,
    token_id: String,
}

async fn organisation_a(app: &TestApp) -> OrgA {
    app.member("acme", "maya@acme.example", Role::IsmsManager)
        .await;
    let api = app
        .api("acme", "maya@acme.example", TokenScope::ReadWrite)
        .await;
    let title = "Acme secret objective".to_owned();
    let (_, created) = api
        .post_json("/api/v1/orgs/acme/objectives", &objective(&title))
        .await;
    let objective_id = created["id"].as_str().expect("id").to_owned();
    let (_, approval) = api
        .post_json(
            &format!("/api/v1/orgs/acme/objectives/{objective_id}/submit"),
            &json!({ "version": 1 }),
        )
        .await;
    let token = app
        .app
        .create_token_cli(
            "acme",
            "maya@acme.example",
            "acme token",
            TokenScope::Read,
            30,
            custos_app::now(),
        )
        .await
        .expect("token");
    let member_id = app
        .app
        .find_user_by_email("maya@acme.example")
        .await
        .expect("maya")
        .id
        .to_string();
    OrgA {
        member_id,
        objective_id,
        objective_title: title,
        approval_id: approval["id"].as_str().expect("id").to_owned(),
        token_id: token.token.id.to_string(),
    }
}

/// `path` in organisation `org` with the id of A's record of the kind the path names.
fn fill(path: &str, org: &str, a: &OrgA) -> String {
    let mut filled = path.replace("{org}", org);
    if filled.contains("{id}") {
        let resource = filled
            .split("/{id}")
            .next()
            .and_then(|head| head.rsplit('/').next())
            .unwrap_or_default();
        let id = match resource {
            "objectives" => &a.objective_id,
            "approvals" => &a.approval_id,
            "tokens" => &a.token_id,
            "members" => &a.member_id,
            other => panic!(
                "route {path} escapes the tenancy harness: no record of kind {other:?} to probe with; add one to organisation_a()"
            ),
        };
        filled = filled.replace("{id}", id);
    }
    assert!(
        !filled.contains('{'),
        "route {path} has a path parameter the tenancy harness cannot fill"
    );
    filled
}

async fn probe(client: &Client, method: &Method, path: &str) -> StatusCode {
    let request = client.http.request(method.clone(), client.url(path));
    let request = if path.starts_with("/api/") {
        let mut body = objective("Written across organisations");
        body["version"] = json!(1);
        body["decision"] = json!("approve");
        body["role"] = json!("staff");
        body["email"] = json!("someone@globex.example");
        request.json(&body)
    } else {
        request.form(&[
            ("title", "Written across organisations"),
            ("rationale", "x"),
            ("category", "risk"),
            ("target", "x"),
            ("version", "1"),
            ("decision", "approve"),
            ("name", "t"),
            ("scope", "read"),
            ("expires_in_days", "5"),
            ("role", "staff"),
            ("email", "someone@globex.example"),
        ])
    };
    let request = if *method == Method::DELETE {
        request.query(&[("version", "1")])
    } else {
        request
    };
    request.send().await.expect("probe").status()
}

on_both_backends! {
    async fn members_of_another_organisation_get_404_on_every_route(app) {
        let a = organisation_a(&app).await;
        app.member("globex", "bob@globex.example", Role::Admin).await;
        let bob_browser = app.browser("bob@globex.example").await;
        let bob_token = app.api("globex", "bob@globex.example", TokenScope::ReadWrite).await;
        let mut probed = 0;
        for (method, path) in all_routes() {
            if NOT_ORGANISATION_SCOPED.contains(&path.as_str()) {
                continue;
            }
            assert!(path.contains("/orgs/{org}"), "route {method} {path} is neither organisation-scoped nor listed as outside organisations: classify it in the tenancy harness");
            // Pages are reached with the session; the API with the session and with a token.
            let clients: &[(&str, &Client)] = if path.starts_with("/api/") {
                &[("session", &bob_browser), ("token", &bob_token)]
            } else {
                &[("session", &bob_browser)]
            };
            // In A's organisation every route must answer 404.
            let target = fill(&path, "acme", &a);
            for (credential, client) in clients {
                assert_eq!(probe(client, &method, &target).await, StatusCode::NOT_FOUND, "{credential} of another organisation: {method} {target}");
            }
            probed += 1;
            // In Bob's own organisation (his admin role passes the permission checks, so the
            // probe reaches the queries), one of A's ids must look exactly like an id that
            // exists nowhere.
            if path.contains("{id}") {
                let foreign = fill(&path, "globex", &a);
                let nowhere = path.replace("{org}", "globex").replace("{id}", &uuid::Uuid::now_v7().to_string());
                for (credential, client) in clients {
                    let answer = probe(client, &method, &foreign).await;
                    assert!(!answer.is_success() && !answer.is_redirection(), "{credential}: {method} {foreign} answered {answer}");
                    assert_eq!(answer, probe(client, &method, &nowhere).await, "{method} {foreign} tells A's record from a missing one");
                }
                probed += 1;
            }
        }
        assert!(probed >= 30, "only {probed} probes");

        // Nothing of A changed, and A's records are intact.
        let maya = app.api("acme", "maya@acme.example", TokenScope::Read).await;
        let (status, objective) = maya.get_json(&format!("/api/v1/orgs/acme/objectives/{}", a.objective_id)).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(objective["status"], "pending_approval");
        assert_eq!(objective["version"], 2);
        assert_eq!(maya.get_json("/api/v1/orgs/acme/objectives").await.1["total"], 1);
        let (_, approval) = maya.get_json(&format!("/api/v1/orgs/acme/approvals/{}", a.approval_id)).await;
        assert_eq!(approval["status"], "pending");

        // A token of A used on B's organisation finds nothing either.
        assert_eq!(maya.get_json("/api/v1/orgs/globex/objectives").await.0, StatusCode::NOT_FOUND);
    }
}

on_both_backends! {
    async fn lists_of_one_organisation_never_show_another_organisations_records(app) {
        let a = organisation_a(&app).await;
        app.member("globex", "bob@globex.example", Role::Admin).await;
        let bob = app.browser("bob@globex.example").await;
        bob.post_json("/api/v1/orgs/globex/objectives", &objective("Globex own objective")).await;
        for path in [
            "/api/v1/orgs/globex/objectives",
            "/api/v1/orgs/globex/objectives?q=acme",
            "/api/v1/orgs/globex/approvals",
            "/api/v1/orgs/globex/audit-events?limit=200",
            "/orgs/globex/objectives",
            "/orgs/globex/objectives?format=csv",
            "/orgs/globex/approvals",
            "/orgs/globex/audit-log",
            "/orgs/globex/audit-log?format=csv",
            "/orgs/globex/tokens",
            "/orgs/globex/",
            "/api/v1/me",
    "/api/v1/openapi.json",
            "/account",
        ] {
            let response = bob.get(path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let body = response.text().await.expect("body");
            for secret in [&a.objective_title, &a.objective_id, &a.approval_id, &a.token_id, &"maya@acme.example".to_owned()] {
                assert!(!body.contains(secret.as_str()), "{path} shows {secret} of another organisation");
            }
        }
        let (_, globex) = bob.get_json("/api/v1/orgs/globex/objectives").await;
        assert_eq!(globex["total"], 1);
        assert_eq!(globex["items"][0]["reference"], "OBJ-0001", "references are numbered per organisation");
    }
}

#[test]
fn every_route_is_classified() {
    for (method, path) in all_routes() {
        assert!(
            NOT_ORGANISATION_SCOPED.contains(&path.as_str()) || path.contains("/orgs/{org}"),
            "{method} {path} escapes the tenancy harness"
        );
    }
}
