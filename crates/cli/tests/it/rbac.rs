//! The role matrix, generated from the permission table: for every organisation-scoped API
//! operation and every role, the call succeeds exactly when the role holds the permission.

use std::collections::BTreeMap;

use custos_app::domain::platform::{Permission, Role, TokenScope};
use reqwest::{Method, StatusCode};

use crate::on_both_backends;
use crate::registers::{
    DEPENDENTS, Operation, REGISTERS, dependent_of, kind_of_id, operation_body, other_key,
    register_of, with_body,
};
use crate::support::TestApp;

/// The platform's organisation-scoped API operations with the permission each needs and the
/// status of a successful call; the registers' operations come from their declarations in
/// registers.rs.
const PLATFORM_OPERATIONS: &[(&str, &str, Permission, u16)] = &[
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
        "GET",
        "/api/v1/orgs/{org}/members",
        Permission::ViewMembers,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/invitations",
        Permission::ManageMembers,
        200,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/invitations",
        Permission::ManageMembers,
        201,
    ),
    (
        "DELETE",
        "/api/v1/orgs/{org}/invitations/{id}",
        Permission::ManageMembers,
        204,
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
    (
        "GET",
        "/api/v1/orgs/{org}/impact-scale",
        Permission::ViewAssets,
        200,
    ),
    (
        "PUT",
        "/api/v1/orgs/{org}/impact-scale",
        Permission::ManageAssetSettings,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/classification-scheme",
        Permission::ViewAssets,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/classification-scheme/versions",
        Permission::ViewAssets,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/classification-scheme/draft",
        Permission::ViewAssets,
        200,
    ),
    (
        "PUT",
        "/api/v1/orgs/{org}/classification-scheme/draft",
        Permission::ManageAssetSettings,
        200,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/classification-scheme/draft/submit",
        Permission::SubmitForApproval,
        201,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/frameworks",
        Permission::ViewFrameworks,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/frameworks/{id}",
        Permission::ViewFrameworks,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/frameworks/{id}/requirements/{requirement}/mappings",
        Permission::ViewFrameworks,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/mapping-sets",
        Permission::ViewFrameworks,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/frameworks/{id}/coverage",
        Permission::ViewControls,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/coverage",
        Permission::ViewControls,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/threats",
        Permission::ViewRisks,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/vulnerabilities",
        Permission::ViewRisks,
        200,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/threats",
        Permission::ManageRisks,
        201,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/vulnerabilities",
        Permission::ManageRisks,
        201,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/risk-method",
        Permission::ViewRisks,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/risk-method/template",
        Permission::ViewRisks,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/risk-method/versions",
        Permission::ViewRisks,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/risk-method/versions/{version}",
        Permission::ViewRisks,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/risk-method/draft",
        Permission::ViewRisks,
        200,
    ),
    (
        "PUT",
        "/api/v1/orgs/{org}/risk-method/draft",
        Permission::ManageRiskMethod,
        200,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/risk-method/draft/import",
        Permission::ManageRiskMethod,
        200,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/risk-method/draft/submit",
        Permission::SubmitForApproval,
        201,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/soa",
        Permission::ViewControls,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/soa/start",
        Permission::ViewControls,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/soa/versions",
        Permission::ViewControls,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/soa/versions/{version}",
        Permission::ViewControls,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/soa/export",
        Permission::ViewControls,
        200,
    ),
    (
        "GET",
        "/api/v1/orgs/{org}/soa/draft",
        Permission::ViewControls,
        200,
    ),
    (
        "PUT",
        "/api/v1/orgs/{org}/soa/draft",
        Permission::ManageControls,
        200,
    ),
    (
        "POST",
        "/api/v1/orgs/{org}/soa/draft/submit",
        Permission::SubmitForApproval,
        201,
    ),
];

/// The version an asset-settings call must send, read as it stands: the impact scale's
/// version, the draft's revision (to save it) or its number (to submit it).
async fn asset_settings_version(manager: &crate::support::Client, template: &str) -> Option<i64> {
    let (path, field) = if template.ends_with("/impact-scale") {
        ("/api/v1/orgs/acme/impact-scale", "version")
    } else if template.ends_with("/classification-scheme/draft") {
        ("/api/v1/orgs/acme/classification-scheme/draft", "revision")
    } else if template.ends_with("/classification-scheme/draft/submit") {
        ("/api/v1/orgs/acme/classification-scheme/draft", "version")
    } else if template.ends_with("/risk-method/draft") || template.ends_with("/draft/import") {
        ("/api/v1/orgs/acme/risk-method/draft", "revision")
    } else if template.ends_with("/risk-method/draft/submit") {
        ("/api/v1/orgs/acme/risk-method/draft", "version")
    } else if template.ends_with("/soa/draft") {
        ("/api/v1/orgs/acme/soa/draft", "revision")
    } else if template.ends_with("/soa/draft/submit") {
        ("/api/v1/orgs/acme/soa/draft", "version")
    } else {
        return None;
    };
    let (_, current) = manager.get_json(path).await;
    Some(current[field].as_i64().unwrap_or(0))
}

/// Every organisation-scoped API operation: the registers' and the platform's, deletions
/// last so that each round's records exist for every other call.
fn operations() -> Vec<Operation> {
    // Dependents first: deleting their parent deletes them.
    let mut operations: Vec<Operation> = DEPENDENTS.iter().flat_map(|d| d.operations()).collect();
    operations.extend(REGISTERS.iter().flat_map(|r| r.operations()));
    operations.extend(
        PLATFORM_OPERATIONS
            .iter()
            .map(|&(method, path, permission, success)| Operation {
                method,
                path: path.to_owned(),
                permission,
                success,
            }),
    );
    operations.sort_by_key(|operation| operation.method == "DELETE");
    operations
}

#[test]
fn every_api_operation_is_in_the_role_matrix() {
    let operations = operations();
    for (method, path) in crate::tenancy::all_routes() {
        if !path.starts_with("/api/") || !path.contains("{org}") {
            continue;
        }
        assert!(
            operations
                .iter()
                .any(|o| o.method == method.as_str() && o.path == path),
            "{method} {path} has no row in the role matrix: declare its register in \
             registers.rs or add it to PLATFORM_OPERATIONS"
        );
    }
}

/// For one probe round: a record of every register, a pending request (from someone else)
/// and a member to change, by the kind of record a route's `{id}` names.
async fn fixtures(app: &TestApp, round: &str) -> BTreeMap<String, String> {
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
    let admin = app
        .api("acme", "fixture-admin@acme.example", TokenScope::ReadWrite)
        .await;
    let (status, invitation) = admin
        .post_json(
            "/api/v1/orgs/acme/invitations",
            &serde_json::json!({ "email": format!("invitee-{round}@acme.example"), "role": "staff" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    let invitation_id = invitation["id"].as_str().expect("id").to_owned();
    let mut ids = BTreeMap::from([
        ("members".to_owned(), target_id),
        ("invitations".to_owned(), invitation_id),
    ]);
    ids.extend(
        crate::registers::SHARED_RECORDS
            .iter()
            .map(|(kind, id)| ((*kind).to_owned(), (*id).to_owned())),
    );
    // A risk method is approved first, so that the round's risk is rated.
    open_drafts(app, &manager).await;
    for register in REGISTERS {
        let draft = register
            .create(&manager, "acme", "Draft for the matrix")
            .await;
        ids.insert(register.segment.to_owned(), draft);
        if register.needs_other() {
            let other = register
                .create(&manager, "acme", "Second record for the matrix")
                .await;
            ids.insert(other_key(register.segment), other);
        }
        if register.approvable && !ids.contains_key("approvals") {
            let other = register
                .create(&manager, "acme", "Submitted for the matrix")
                .await;
            let approval = register.submit(&manager, "acme", &other, 1).await;
            ids.insert("approvals".to_owned(), approval);
        }
    }
    for dependent in DEPENDENTS {
        let id = (dependent.create)(&manager, "acme", &ids).await;
        ids.insert(dependent.segment.to_owned(), id);
    }
    ids
}

/// Each round finds a draft of the classification scheme, the risk method and the Statement of
/// Applicability to read, save and submit: the versions the previous round submitted are
/// decided (the first risk method and statement approved, so that their version 1 exists to
/// read), and new drafts are started.
async fn open_drafts(app: &TestApp, manager: &crate::support::Client) {
    let approver = app
        .api(
            "acme",
            "fixture-approver@acme.example",
            TokenScope::ReadWrite,
        )
        .await;
    let (_, pending) = approver
        .get_json("/api/v1/orgs/acme/approvals?mine=true&limit=100")
        .await;
    for request in pending["items"].as_array().into_iter().flatten() {
        let decision = if request["record_type"] == "classification_scheme" {
            serde_json::json!({ "decision": "reject", "comment": "Next round" })
        } else if request["record_type"] == "risk_method" || request["record_type"] == "soa" {
            serde_json::json!({ "decision": "approve", "comment": "Next round" })
        } else {
            continue;
        };
        let path = format!(
            "/api/v1/orgs/acme/approvals/{}/decision",
            request["id"].as_str().expect("id")
        );
        let (status, _) = approver.post_json(&path, &decision).await;
        assert_eq!(status, StatusCode::OK);
    }
    let draft = "/api/v1/orgs/acme/classification-scheme/draft";
    if manager.get_json(draft).await.0 == StatusCode::NOT_FOUND {
        let body = crate::asset_settings::draft_body(0, "Fixture");
        let (status, saved) = manager.send_json(Method::PUT, draft, &body).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
    }
    // The risk method and the Statement of Applicability: version 1 approved straight away,
    // so that reading the version in force and version 1 succeed in every round.
    let method = |revision| crate::risk_method::draft_body(revision, "Fixture");
    open_versioned(manager, &approver, "/api/v1/orgs/acme/risk-method", &method).await;
    let statement = |revision| crate::soa::draft_body(revision, "Fixture");
    open_versioned(manager, &approver, "/api/v1/orgs/acme/soa", &statement).await;
}

/// A versioned record at `in_force` (`.../risk-method`) with version 1 approved and a draft
/// open; `body` is the draft's body at a revision.
async fn open_versioned(
    manager: &crate::support::Client,
    approver: &crate::support::Client,
    in_force: &str,
    body: &dyn Fn(i64) -> serde_json::Value,
) {
    let draft = format!("{in_force}/draft");
    if manager.get_json(in_force).await.0 == StatusCode::NOT_FOUND
        && manager.get_json(&draft).await.0 == StatusCode::NOT_FOUND
    {
        let (status, saved) = manager.send_json(Method::PUT, &draft, &body(0)).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
        let submit = serde_json::json!({ "version": saved["version"] });
        let (status, approval) = manager.post_json(&format!("{draft}/submit"), &submit).await;
        assert_eq!(status, StatusCode::CREATED, "{approval}");
        let path = format!(
            "/api/v1/orgs/acme/approvals/{}/decision",
            approval["id"].as_str().expect("id")
        );
        let approve = serde_json::json!({ "decision": "approve" });
        assert_eq!(approver.post_json(&path, &approve).await.0, StatusCode::OK);
    }
    if manager.get_json(&draft).await.0 == StatusCode::NOT_FOUND {
        let (status, saved) = manager.send_json(Method::PUT, &draft, &body(0)).await;
        assert_eq!(status, StatusCode::OK, "{saved}");
    }
}

on_both_backends! {
    async fn each_role_can_do_exactly_what_the_permission_table_says(app) {
        app.member("acme", "fixture-manager@acme.example", Role::IsmsManager).await;
        app.member("acme", "fixture-admin@acme.example", Role::Admin).await;
        app.member("acme", "fixture-approver@acme.example", Role::Approver).await;
        for role in Role::ALL {
            let email = format!("{}@acme.example", role.as_str().replace('_', "-"));
            app.member("acme", &email, role).await;
            let client = app.api("acme", &email, TokenScope::ReadWrite).await;
            let manager = app.api("acme", "fixture-manager@acme.example", TokenScope::Read).await;
            let ids = fixtures(&app, role.as_str()).await;
            for Operation { method, path: template, permission, success } in operations() {
                // Version 1 of a versioned record exists from the first round on.
                let mut path = crate::registers::fill_shared(&template.replace("{org}", "acme").replace("{version}", "1"));
                if template.contains("{id}") {
                    let kind = kind_of_id(&template);
                    let id = ids.get(kind).unwrap_or_else(|| panic!("no {kind} for {template}"));
                    path = path.replace("{id}", id);
                }
                if let Some(register) = register_of(&template).filter(|_| template.contains("{other}")) {
                    path = path.replace("{other}", &ids[&other_key(register.segment)]);
                }
                let register = register_of(&template);
                // Earlier calls of this round may have moved the record on a version.
                let mut version = 1;
                if let Some(current) = asset_settings_version(&manager, &template).await {
                    version = current;
                } else if template.contains("/documents/{id}/versions/{version}") {
                    // A document version's own version, not its document's.
                    let version_path = path.trim_end_matches("/submit").trim_end_matches("/file");
                    let (_, current) = manager.get_json(version_path).await;
                    version = current["version"].as_i64().unwrap_or(1);
                } else if dependent_of(&template).is_some() {
                    let (_, current) = manager.get_json(&path).await;
                    version = current["version"].as_i64().unwrap_or(1);
                } else if let Some(register) = register {
                    let one = format!("{}/{}", register.api_path("acme"), ids[register.segment]);
                    let (_, current) = manager.get_json(&one).await;
                    version = current["version"].as_i64().unwrap_or(1);
                }
                let email = format!("new-{}@acme.example", role.as_str());
                let mut request = client
                    .http
                    .request(Method::from_bytes(method.as_bytes()).expect("m"), client.url(&path));
                if method == "DELETE" {
                    request = request.query(&[("version", version)]);
                }
                if template.ends_with("/draft/import") {
                    request = request.query(&[("revision", version)]);
                }
                if template.ends_with("/risk-method/template") {
                    request = request.query(&[("name", "4x4")]);
                }
                let record = register.map_or("", |r| ids[r.segment].as_str());
                if let Some(body) = operation_body(method, &template, "Matrix probe", version, &email, record) {
                    request = with_body(request, &body);
                }
                let status = request.send().await.expect("request").status();
                if role.allows(permission) {
                    assert_eq!(status.as_u16(), success, "{role:?} may {method} {template}");
                } else {
                    let refused = format!("{role:?} may not {method} {template}");
                    assert_eq!(status, StatusCode::FORBIDDEN, "{refused}");
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
            let mut pages = Vec::new();
            for register in REGISTERS {
                let form = (register.form)("From a page");
                let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
                let created = browser.post_form(&register.page_path("acme"), &form).await.status();
                let expected = if role.allows(register.manage) {
                    StatusCode::SEE_OTHER
                } else {
                    StatusCode::FORBIDDEN
                };
                let what = format!("{role:?} creating from the {} form", register.segment);
                assert_eq!(created, expected, "{what}");
                pages.push((register.page_path("acme"), register.view));
            }
            let email_to_invite = format!("page-invitee-{}@acme.example", role.as_str());
            let invited = browser
                .post_form("/orgs/acme/invitations", &[("email", email_to_invite.as_str()), ("role", "staff")])
                .await
                .status();
            let expected = if role.allows(Permission::ManageMembers) {
                StatusCode::OK
            } else {
                StatusCode::FORBIDDEN
            };
            assert_eq!(invited, expected, "{role:?} inviting from the members page");
            pages.extend([
                ("/orgs/acme/audit-log", Permission::ViewAuditLog),
                ("/orgs/acme/approvals", Permission::ViewApprovals),
                ("/orgs/acme/tokens", Permission::ManageOwnTokens),
                ("/orgs/acme/members", Permission::ViewMembers),
                ("/orgs/acme/assets/import", Permission::ManageAssets),
                ("/orgs/acme/assets/impact-scale", Permission::ViewAssets),
                ("/orgs/acme/assets/classification", Permission::ViewAssets),
                ("/orgs/acme/assets/classification/draft", Permission::ManageAssetSettings),
            ].map(|(path, permission)| (path.to_owned(), permission)));
            for (path, permission) in pages {
                let status = browser.get(&path).await.status();
                let expected = if role.allows(permission) {
                    StatusCode::OK
                } else {
                    StatusCode::FORBIDDEN
                };
                assert_eq!(status, expected, "{role:?} {path}");
            }
        }
    }
}
