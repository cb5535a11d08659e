//! The role matrix, generated from the permission table: for every organisation-scoped API
//! operation and every role, the call succeeds exactly when the role holds the permission.

use custos_app::domain::platform::{Permission, Role, TokenScope};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::on_both_backends;
use crate::support::{TestApp, objective};

/// Each organisation-scoped API operation with the permission it needs and the status of
/// a successful call.
const OPERATIONS: &[(&str, &str, Permission, u16)] = &[
    (
        "GET",
        "/api/v1/orgs/{org}/objectives",
        Permission::ViewObjectives,
        200,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/objectives",
        Permission::ManageObjectives,
        201,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/objectives/{id}",
        Permission::ViewObjectives,
        200,
    ),
    (
        "PUT",
        "/api/v1/orgs/{org}/objectives/{id}",
        Permission::ManageObjectives,
        200,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/objectives/{id}/submit",
        Permission::SubmitForApproval,
        201,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/approvals",
        Permission::ViewApprovals,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/approvals/{id}",
        Permission::ViewApprovals,
        200,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/approvals/{id}/decision",
        Permission::DecideApprovals,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/audit-events",
        Permission::ViewAuditLog,
        200,
    ),
    (
        "DELETE",
        "/api/v1/orgs/{org}/objectives/{id}",
        Permission::ManageObjectives,
        204,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/members",
        Permission::ManageMembers,
        200,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/members",
        Permission::ManageMembers,
        201,
    ),
    (
        "PUT",
        "/api/v1/orgs/{org}/members/{id}",
        Permission::ManageMembers,
        204,
    ),
    (
        "DELETE",
        "/api/v1/orgs/{org}/members/{id}",
        Permission::ManageMembers,
        204,
    ),
];

#[test]
fn every_api_operation_is_in_the_role_matrix() {
    for (method, path) in crate::tenancy::all_routes() {
        if !path.starts_with("/api/") || !path.contains("{org}") {
            continue;
        }
        assert!(
            OPERATIONS
                .iter()
                .any(|(m, p, _, _)| *m == method.as_str() && *p == path),
            "{method} {path} has no row in the role matrix"
        );
    }
}

/// A draft objective, a pending request (from someone else) and a member to change, for
/// one probe round.
async fn fixtures(app: &TestApp, round: &str) -> (String, String, String) {
    let target = format!("target-{round}@acme.example");
    app.member("acme", &target, Role::Staff).await;
    let target_id = app
        .app
        .find_user_by_email(&target)
        .await
        .expect("target")
        .id
        .to_string();
    let manager = app
        .api(
            "acme",
            "fixture-manager@acme.example",
            TokenScope::ReadWrite,
        )
        .await;
    let (_, draft) = manager
        .post_json(
            "/api/v1/orgs/acme/objectives",
            &objective("Draft for the matrix"),
        )
        .await;
    let (_, other) = manager
        .post_json(
            "/api/v1/orgs/acme/objectives",
            &objective("Submitted for the matrix"),
        )
        .await;
    let other_id = other["id"].as_str().expect("id");
    let (_, approval) = manager
        .post_json(
            &format!("/api/v1/orgs/acme/objectives/{other_id}/submit"),
            &json!({ "version": 1 }),
        )
        .await;
    (
        draft["id"].as_str().expect("id").to_owned(),
        approval["id"].as_str().expect("id").to_owned(),
        target_id,
    )
}

on_both_backends! {
    async fn each_role_can_do_exactly_what_the_permission_table_says(app) {
        app.member("acme", "fixture-manager@acme.example", Role::IsmsManager).await;
        for role in Role::ALL {
            let email = format!("{}@acme.example", role.as_str().replace('_', "-"));
            app.member("acme", &email, role).await;
            let client = app.api("acme", &email, TokenScope::ReadWrite).await;
            let manager = app.api("acme", "fixture-manager@acme.example", TokenScope::Read).await;
            let (objective_id, approval_id, member_id) = fixtures(&app, role.as_str()).await;
            for (method, template, permission, success) in OPERATIONS {
                let id = if template.contains("/approvals/") {
                    &approval_id
                } else if template.contains("/members/") {
                    &member_id
                } else {
                    &objective_id
                };
                let path = template.replace("{org}", "acme").replace("{id}", id);
                // Earlier calls of this round may have moved the objective on a version.
                let (_, current) = manager.get_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}")).await;
                let version = current["version"].as_i64().unwrap_or(1);
                let mut body = objective("Matrix probe");
                body["version"] = json!(version);
                body["decision"] = json!("approve");
                body["email"] = json!(format!("new-{}@acme.example", role.as_str()));
                body["name"] = json!("New Person");
                body["role"] = json!("contributor");
                let request = client
                    .http
                    .request(Method::from_bytes(method.as_bytes()).expect("method"), client.url(&path))
                    .query(&[("version", version)])
                    .json(&body);
                let status = request.send().await.expect("request").status();
                if role.allows(*permission) {
                    assert_eq!(status.as_u16(), *success, "{role:?} may {method} {template}");
                } else {
                    assert_eq!(status, StatusCode::FORBIDDEN, "{role:?} may not {method} {template}");
                }
            }
        }
    }
}

#[test]
fn docs_roles_md_matches_the_permission_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/roles.md");
    let document = std::fs::read_to_string(path).expect("docs/roles.md");
    let table = custos_app::domain::platform::permission_table_markdown();
    assert!(
        document.contains(&table),
        "docs/roles.md is out of date; paste this table into it:\n\n{table}"
    );
}

on_both_backends! {
    async fn pages_apply_the_same_permissions_as_the_api(app) {
        for role in Role::ALL {
            let email = format!("{}@acme.example", role.as_str().replace('_', "-"));
            app.member("acme", &email, role).await;
            let browser = app.browser(&email).await;
            let created = browser
                .post_form("/orgs/acme/objectives", &[("title", "From a page"), ("rationale", "r"), ("category", "risk"), ("target", "t")])
                .await
                .status();
            let expected = if role.allows(Permission::ManageObjectives) { StatusCode::SEE_OTHER } else { StatusCode::FORBIDDEN };
            assert_eq!(created, expected, "{role:?} creating from the form");
            for (path, permission) in [("/orgs/acme/audit-log", Permission::ViewAuditLog), ("/orgs/acme/approvals", Permission::ViewApprovals), ("/orgs/acme/tokens", Permission::ManageOwnTokens), ("/orgs/acme/members", Permission::ManageMembers)] {
                let status = browser.get(path).await.status();
                let expected = if role.allows(permission) { StatusCode::OK } else { StatusCode::FORBIDDEN };
                assert_eq!(status, expected, "{role:?} {path}");
            }
        }
    }
}
