//! Tenancy: a member of one organisation must find nothing of another. The probe list is
//! built from the route table of the pages and from the OpenAPI document, so a route added
//! later is probed without anyone remembering to; a route the harness cannot classify or
//! fill in fails the test. Each id-bearing route is also probed in the caller's own
//! organisation with an id of another organisation's record, by every role: the answer must
//! match that for an id that exists nowhere, and must be the store's 404 for some role, so a
//! permission guard that stops every probe cannot make the test pass without a lookup.

use std::collections::{BTreeMap, BTreeSet};

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::{Method, StatusCode};
use serde_json::Value;

use crate::on_both_backends;
use crate::registers::{
    DEPENDENTS, REGISTERS, RegisterFixture, kind_of_id, operation_body, other_key, register_of,
    with_body,
};
use crate::support::{Client, TestApp};

/// Routes outside any organisation: they act on the caller alone or on nothing.
const NOT_ORGANISATION_SCOPED: &[&str] = &[
    "/",
    "/login",
    "/logout",
    "/account",
    "/account/password",
    "/account/sessions",
    "/account/sessions/end-others",
    "/account/sessions/{id}/end",
    "/static/{file}",
    "/healthz",
    "/readyz",
    "/api/v1/me",
    "/api/v1/openapi.json",
    // An invitation is found by its link's secret alone, and names its organisation itself.
    "/invitations/{secret}",
    "/invitations/{secret}/account",
    "/invitations/{secret}/accept",
    // Instance administration: every organisation of the instance.
    "/admin/organisations",
    "/admin/libraries",
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

/// Organisation A ("acme"): one record of every register, a pending approval request, an API
/// token and a member, each as probes will name it.
struct OrgA {
    /// The id of A's record of each kind a route's `{id}` can name (`objectives`,
    /// `approvals`, `tokens`, `members`, ...).
    ids: BTreeMap<String, String>,
    /// Each register's record as its owner read it once set up, to prove nothing changed.
    records: Vec<(&'static RegisterFixture, String, Value)>,
    /// What A's pages and exports would show: titles, ids, the owner's e-mail.
    secrets: Vec<String>,
}

async fn organisation_a(app: &TestApp) -> OrgA {
    app.member("acme", "maya@acme.example", Role::IsmsManager)
        .await;
    let api = app
        .api("acme", "maya@acme.example", TokenScope::ReadWrite)
        .await;
    let mut ids: BTreeMap<String, String> = crate::registers::SHARED_RECORDS
        .iter()
        .map(|(kind, id)| ((*kind).to_owned(), (*id).to_owned()))
        .collect();
    let mut records = Vec::new();
    let mut secrets = vec!["maya@acme.example".to_owned()];
    // An approved risk method, so that A's risk is rated like a real one.
    crate::risks::approve_method(app, &api, "3x3").await;
    for register in REGISTERS {
        let title = format!("Acme secret {}", register.segment);
        let id = register.create(&api, "acme", &title).await;
        if register.needs_other() {
            let other_title = format!("Acme second secret {}", register.segment);
            let other = register.create(&api, "acme", &other_title).await;
            secrets.extend([other_title, other.clone()]);
            ids.insert(other_key(register.segment), other);
        }
        if register.approvable {
            let approval = register.submit(&api, "acme", &id, 1).await;
            secrets.push(approval.clone());
            ids.insert("approvals".to_owned(), approval);
        }
        let (_, record) = api
            .get_json(&format!("{}/{id}", register.api_path("acme")))
            .await;
        if register.approvable {
            assert_eq!(record["status"], "pending_approval", "{record}");
            assert_eq!(record["version"], 2, "{record}");
        }
        secrets.extend([title, id.clone()]);
        ids.insert(register.segment.to_owned(), id.clone());
        records.push((register, id, record));
    }
    for dependent in DEPENDENTS {
        let id = (dependent.create)(&api, "acme", &ids).await;
        secrets.push(id.clone());
        ids.insert(dependent.segment.to_owned(), id);
    }
    // Read again: a parent's record shows its dependents.
    for (register, id, record) in &mut records {
        *record = api
            .get_json(&format!("{}/{id}", register.api_path("acme")))
            .await
            .1;
    }
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
    secrets.push(token.token.id.to_string());
    ids.insert("tokens".to_owned(), token.token.id.to_string());
    let member_id = app
        .app
        .find_user_by_email("maya@acme.example")
        .await
        .expect("maya")
        .id
        .to_string();
    ids.insert("members".to_owned(), member_id);
    app.member("acme", "ada@acme.example", Role::Admin).await;
    let admin = app
        .api("acme", "ada@acme.example", TokenScope::ReadWrite)
        .await;
    let (status, invitation) = admin
        .post_json(
            "/api/v1/orgs/acme/invitations",
            &serde_json::json!({ "email": "acme-invitee@acme.example", "role": "staff" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invitation}");
    let invitation_id = invitation["id"].as_str().expect("id").to_owned();
    secrets.extend([
        "acme-invitee@acme.example".to_owned(),
        invitation_id.clone(),
        invitation["link"].as_str().expect("link").to_owned(),
    ]);
    ids.insert("invitations".to_owned(), invitation_id);
    OrgA {
        ids,
        records,
        secrets,
    }
}

/// `path` in organisation `org` with the id of A's record of the kind the path names.
fn fill(path: &str, org: &str, a: &OrgA) -> String {
    // Versions are numbered per organisation: A's version 1 is probed under B's name.
    let mut filled =
        crate::registers::fill_shared(&path.replace("{org}", org).replace("{version}", "1"));
    if filled.contains("{id}") {
        let kind = kind_of_id(path);
        let Some(id) = a.ids.get(kind) else {
            panic!(
                "route {path} escapes the tenancy harness: no record of kind {kind:?} to probe \
                 with; declare its register in registers.rs (or add the record to organisation_a)"
            );
        };
        filled = filled.replace("{id}", id);
    }
    if let Some(register) = register_of(path).filter(|_| filled.contains("{other}")) {
        let Some(other) = a.ids.get(&other_key(register.segment)) else {
            panic!("route {path} names a second record its register does not declare");
        };
        filled = filled.replace("{other}", other);
    }
    assert!(
        !filled.contains('{'),
        "route {path} has a path parameter the tenancy harness cannot fill"
    );
    filled
}

/// A request that would succeed if the route let it through: for the API, the body the
/// operation takes (`template` is the route, `path` it filled in); for pages, the register's
/// valid form (when the route is a register's) and every field the platform's forms read.
async fn probe(client: &Client, method: &Method, template: &str, path: &str) -> StatusCode {
    let request = client.http.request(method.clone(), client.url(path));
    let title = "Written across organisations";
    let register = register_of(path);
    let request = if path.starts_with("/api/") {
        let email = "someone@globex.example";
        // A record named in a body (a bulk change) is one that exists nowhere.
        let record = uuid::Uuid::now_v7().to_string();
        match operation_body(method.as_str(), template, title, 1, email, &record) {
            Some(body) => with_body(request, &body),
            None => request,
        }
    } else {
        let mut form: Vec<(&str, String)> = register.map(|r| (r.form)(title)).unwrap_or_default();
        for (field, value) in [
            ("version", "1"),
            ("decision", "approve"),
            ("name", "t"),
            ("scope", "read"),
            ("expires_in_days", "5"),
            ("role", "staff"),
            ("email", "someone@globex.example"),
            // The link forms of an asset's page.
            ("direction", "supports"),
            ("asset", "AST-0001"),
            ("other", "00000000-0000-7000-8000-000000000000"),
            // Past the confirmation page of destructive actions, to the action itself.
            ("confirmed", "yes"),
        ] {
            // A register's own field (an asset's `name`) is not sent twice.
            if !form.iter().any(|(own, _)| *own == field) {
                form.push((field, value.to_owned()));
            }
        }
        request.form(&form)
    };
    let request = if *method == Method::DELETE {
        request.query(&[("version", "1")])
    } else {
        request
    };
    request.send().await.expect("probe").status()
}

/// Members of organisation B ("globex") in every role, each with a session and a read-write
/// token: whatever a route requires, one of them holds it, so the foreign-id probe gets past
/// the permission checks and reaches the store.
struct Insiders(Vec<(Role, Client, Client)>);

impl Insiders {
    async fn of_globex(app: &TestApp) -> Self {
        let mut insiders = Vec::new();
        for role in Role::ALL {
            let email = format!("{}-insider@globex.example", role.as_str());
            app.member("globex", &email, role).await;
            let session = app.browser(&email).await;
            let token = app.api("globex", &email, TokenScope::ReadWrite).await;
            insiders.push((role, session, token));
        }
        Self(insiders)
    }

    /// The credentials that reach `path`: sessions for pages, sessions and tokens for the API.
    fn credentials(&self, path: &str) -> Vec<(&'static str, Role, &Client)> {
        let mut credentials = Vec::new();
        for (role, session, token) in &self.0 {
            credentials.push(("session", *role, session));
            if path.starts_with("/api/") {
                credentials.push(("token", *role, token));
            }
        }
        credentials
    }
}

/// Probes `path` in B's own organisation with one of A's ids and with an id that exists
/// nowhere: each credential must get the same refusal for both, and for each kind of
/// credential some role must get past the guards to the store's not-found answer (404).
async fn probe_foreign_id(insiders: &Insiders, a: &OrgA, method: &Method, path: &str) {
    let foreign = fill(path, "globex", a);
    let nowhere = path
        .replace("{org}", "globex")
        .replace("{id}", &uuid::Uuid::now_v7().to_string())
        .replace("{other}", &uuid::Uuid::now_v7().to_string())
        .replace("{version}", "1");
    let mut reached_store: BTreeSet<&str> = BTreeSet::new();
    let mut kinds: BTreeSet<&str> = BTreeSet::new();
    for (kind, role, client) in insiders.credentials(path) {
        kinds.insert(kind);
        let answer = probe(client, method, path, &foreign).await;
        let who = format!("{kind} of a {} of globex", role.as_str());
        assert!(
            !answer.is_success() && !answer.is_redirection(),
            "{who}: {method} {foreign} answered {answer}"
        );
        let missing = probe(client, method, path, &nowhere).await;
        assert_eq!(
            answer, missing,
            "{who}: {method} {foreign} tells A's record from a missing one"
        );
        if answer == StatusCode::NOT_FOUND {
            reached_store.insert(kind);
        }
    }
    for kind in kinds {
        assert!(
            reached_store.contains(kind),
            "{method} {path}: every {kind} was stopped before the store (a guard's 401/403 or a \
             validation error, never the not-found 404), so the foreign-id probe proved nothing; \
             make the probe's request one that some role may send"
        );
    }
}

on_both_backends! {
    async fn members_of_another_organisation_get_404_on_every_route(app) {
        let a = organisation_a(&app).await;
        app.member("globex", "bob@globex.example", Role::Admin).await;
        let bob_browser = app.browser("bob@globex.example").await;
        let bob_token = app.api("globex", "bob@globex.example", TokenScope::ReadWrite).await;
        let insiders = Insiders::of_globex(&app).await;
        let mut probed = 0;
        for (method, path) in all_routes() {
            if NOT_ORGANISATION_SCOPED.contains(&path.as_str()) {
                continue;
            }
            assert!(
                path.contains("/orgs/{org}"),
                "route {method} {path} is neither organisation-scoped nor listed as outside \
                 organisations: classify it in the tenancy harness"
            );
            // Pages are reached with the session; the API with the session and with a token.
            let clients: &[(&str, &Client)] = if path.starts_with("/api/") {
                &[("session", &bob_browser), ("token", &bob_token)]
            } else {
                &[("session", &bob_browser)]
            };
            // In A's organisation every route must answer 404.
            let target = fill(&path, "acme", &a);
            for (credential, client) in clients {
                let answer = probe(client, &method, &path, &target).await;
                let context = format!("{credential} of another organisation: {method} {target}");
                assert_eq!(answer, StatusCode::NOT_FOUND, "{context}");
            }
            probed += 1;
            // In B's own organisation, one of A's ids must look exactly like an id that exists
            // nowhere, to a role allowed to use the route. A shared record (a framework) is
            // B's to read as much as A's: the 404 above is what keeps it from A's outsiders.
            if path.contains("{id}") && !crate::registers::is_shared(&path) {
                probe_foreign_id(&insiders, &a, &method, &path).await;
                probed += 1;
            }
        }
        assert!(probed >= 30, "only {probed} probes");

        // Nothing of A changed, and A's records are intact.
        let maya = app.api("acme", "maya@acme.example", TokenScope::Read).await;
        for (register, id, before) in &a.records {
            let one = format!("{}/{id}", register.api_path("acme"));
            let (status, record) = maya.get_json(&one).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(&record, before, "A's record changed");
            let created = 1 + usize::from(register.needs_other());
            assert_eq!(maya.get_json(&register.api_path("acme")).await.1["total"], created);
            // A token of A used on B's organisation finds nothing either.
            let (status, _) = maya.get_json(&register.api_path("globex")).await;
            assert_eq!(status, StatusCode::NOT_FOUND);
        }
        let approval = format!("/api/v1/orgs/acme/approvals/{}", a.ids["approvals"]);
        let (_, approval) = maya.get_json(&approval).await;
        assert_eq!(approval["status"], "pending");
    }
}

on_both_backends! {
    async fn lists_of_one_organisation_never_show_another_organisations_records(app) {
        let a = organisation_a(&app).await;
        app.member("globex", "bob@globex.example", Role::Admin).await;
        let bob = app.browser("bob@globex.example").await;
        let mut paths = Vec::new();
        for register in REGISTERS {
            register.create(&bob, "globex", &format!("Globex own {}", register.segment)).await;
            let (api, page) = (register.api_path("globex"), register.page_path("globex"));
            paths.extend([api.clone(), format!("{api}?q=acme"), page.clone()]);
            paths.push(format!("{page}?format=csv"));
            if register.spreadsheets {
                paths.push(format!("{api}/export"));
            }
        }
        paths.extend([
            "/api/v1/orgs/globex/approvals",
            "/api/v1/orgs/globex/audit-events?limit=200",
            "/orgs/globex/approvals",
            "/orgs/globex/audit-log",
            "/orgs/globex/audit-log?format=csv",
            "/orgs/globex/tokens",
            "/orgs/globex/members",
            "/api/v1/orgs/globex/members",
            "/api/v1/orgs/globex/invitations",
            "/orgs/globex/",
            "/api/v1/me",
            "/api/v1/openapi.json",
            "/account",
        ].map(str::to_owned));
        for path in &paths {
            let response = bob.get(path).await;
            assert_eq!(response.status(), StatusCode::OK, "{path}");
            let body = response.text().await.expect("body");
            for secret in &a.secrets {
                let leak = format!("{path} shows {secret} of another organisation");
                assert!(!body.contains(secret.as_str()), "{leak}");
            }
        }
        for register in REGISTERS {
            let (_, globex) = bob.get_json(&register.api_path("globex")).await;
            assert_eq!(globex["total"], 1);
            let first = format!("{}0001", register.reference_prefix);
            let per_organisation = "references are numbered per organisation";
            assert_eq!(globex["items"][0]["reference"], first.as_str(), "{per_organisation}");
        }
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
