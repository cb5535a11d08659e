//! The registers of the ISMS as the cross-cutting harnesses see them. The tenancy harness and
//! the role matrix walk every route; what they need to know about a register (where it lives,
//! who may read and change it, a valid record) is declared here once, so a new register is
//! covered by adding one entry to [`REGISTERS`].

use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;

use custos_app::domain::platform::Permission;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::support::{Client, objective};

/// One register: its records live at `/api/v1/orgs/{org}/{segment}[/{id}]` and
/// `/orgs/{org}/{segment}[/{id}]`.
pub struct RegisterFixture {
    /// The path segment, the register's name in kebab-case plural.
    pub segment: &'static str,
    /// What a record's reference starts with, e.g. `OBJ-` for `OBJ-0001`.
    pub reference_prefix: &'static str,
    /// Who may list and read the records.
    pub view: Permission,
    /// Who may create, edit and delete them.
    pub manage: Permission,
    /// A valid API body creating a record titled `title`; with `version` added it edits one.
    pub api_body: fn(&str) -> Value,
    /// Creates a record titled `title` in organisation `org` as `client`, with whatever it
    /// depends on, and returns its id. Most registers post their `api_body`
    /// ([`post_api_body`]); one whose records need others first creates those too.
    pub create_as:
        for<'a> fn(&'static RegisterFixture, &'a Client, &'a str, &'a str) -> Created<'a>,
    /// A valid form creating a record titled `title` from the pages.
    pub form: fn(&str) -> Vec<(&'static str, String)>,
    /// Records go to senior management through `POST .../{id}/submit`.
    pub approvable: bool,
    /// The register is imported from a spreadsheet (`POST .../import`, the file as the body)
    /// and exported to one (`GET .../export`).
    pub spreadsheets: bool,
    /// The register's own API operations on one record besides reading, editing and
    /// deleting it; `{other}` in a path names a second record of the same register.
    pub record_operations: &'static [RecordOperation],
}

/// What a register's own operation needs: the register's view or manage permission, or
/// another.
pub enum Needs {
    View,
    Manage,
    Exactly(Permission),
}

/// An API operation of a register at `{list}{suffix}` (`/{id}/valuation`, `/bulk`).
pub struct RecordOperation {
    pub method: &'static str,
    pub suffix: &'static str,
    /// The permission it needs.
    pub needs: Needs,
    pub success: u16,
    /// Its request body, given the id of the round's record and its current version
    /// (`None`: no body).
    pub body: Option<fn(&str, i64) -> Value>,
}

impl RegisterFixture {
    /// Whether some operation names a second record (`{other}`).
    pub fn needs_other(&self) -> bool {
        self.record_operations
            .iter()
            .any(|operation| operation.suffix.contains("{other}"))
    }
}

/// The key under which the harnesses keep the second record of register `segment`.
pub fn other_key(segment: &str) -> String {
    format!("{segment}:other")
}

pub const REGISTERS: &[RegisterFixture] = &[
    RegisterFixture {
        segment: "objectives",
        reference_prefix: "OBJ-",
        view: Permission::ViewObjectives,
        manage: Permission::ManageObjectives,
        api_body: objective,
        create_as: post_api_body,
        form: objective_form,
        approvable: true,
        spreadsheets: false,
        record_operations: &[],
    },
    RegisterFixture {
        segment: "assets",
        reference_prefix: "AST-",
        view: Permission::ViewAssets,
        manage: Permission::ManageAssets,
        api_body: asset,
        create_as: post_api_body,
        form: asset_form,
        approvable: false,
        spreadsheets: true,
        record_operations: &[
            RecordOperation {
                method: "GET",
                suffix: "/{id}/valuation",
                needs: Needs::View,
                success: 200,
                body: None,
            },
            RecordOperation {
                method: "GET",
                suffix: "/{id}/supporters",
                needs: Needs::View,
                success: 200,
                body: None,
            },
            RecordOperation {
                method: "PUT",
                suffix: "/{id}/supports/{other}",
                needs: Needs::Manage,
                success: 204,
                body: None,
            },
            RecordOperation {
                method: "DELETE",
                suffix: "/{id}/supports/{other}",
                needs: Needs::Manage,
                success: 204,
                body: None,
            },
            RecordOperation {
                method: "POST",
                suffix: "/bulk",
                needs: Needs::Manage,
                success: 200,
                body: Some(|id, _| json!({ "ids": [id], "set": { "status": "planned" } })),
            },
            RecordOperation {
                method: "GET",
                suffix: "/figures",
                needs: Needs::View,
                success: 200,
                body: None,
            },
            RecordOperation {
                method: "GET",
                suffix: "/review-period",
                needs: Needs::View,
                success: 200,
                body: None,
            },
            RecordOperation {
                method: "PUT",
                suffix: "/review-period",
                needs: Needs::Exactly(Permission::ManageAssetSettings),
                success: 200,
                body: Some(|_, _| json!({ "months": 6 })),
            },
        ],
    },
    RegisterFixture {
        segment: "risks",
        reference_prefix: "RSK-",
        view: Permission::ViewRisks,
        manage: Permission::ManageRisks,
        api_body: risk,
        create_as: create_risk,
        form: risk_form,
        approvable: false,
        spreadsheets: false,
        record_operations: &[
            RecordOperation {
                method: "GET",
                suffix: "/heat-map",
                needs: Needs::View,
                success: 200,
                body: None,
            },
            RecordOperation {
                method: "GET",
                suffix: "/treatment",
                needs: Needs::View,
                success: 200,
                body: None,
            },
            RecordOperation {
                method: "GET",
                suffix: "/export",
                needs: Needs::View,
                success: 200,
                body: None,
            },
            RecordOperation {
                method: "GET",
                suffix: "/treatment-plan",
                needs: Needs::View,
                success: 200,
                body: None,
            },
            RecordOperation {
                method: "GET",
                suffix: "/trend",
                needs: Needs::View,
                success: 200,
                body: None,
            },
            RecordOperation {
                method: "GET",
                suffix: "/losses",
                needs: Needs::View,
                success: 200,
                body: None,
            },
            RecordOperation {
                method: "POST",
                suffix: "/{id}/actions",
                needs: Needs::Manage,
                success: 201,
                body: Some(|_, _| json!({ "title": "Probe action", "due_on": "2027-01-31" })),
            },
            RecordOperation {
                method: "PUT",
                suffix: "/{id}/target",
                needs: Needs::Manage,
                success: 200,
                body: Some(|_, version| json!({ "version": version, "target_level": 1 })),
            },
            RecordOperation {
                method: "POST",
                suffix: "/{id}/acceptance",
                needs: Needs::Exactly(Permission::SubmitForApproval),
                success: 201,
                body: Some(acceptance_body),
            },
            RecordOperation {
                method: "POST",
                suffix: "/rescore",
                needs: Needs::Exactly(Permission::ManageRiskMethod),
                success: 200,
                body: Some(|_, _| json!({})),
            },
        ],
    },
    RegisterFixture {
        segment: "controls",
        reference_prefix: "CTL-",
        view: Permission::ViewControls,
        manage: Permission::ManageControls,
        api_body: control,
        create_as: post_api_body,
        form: control_form,
        approvable: false,
        spreadsheets: false,
        record_operations: &[],
    },
    RegisterFixture {
        segment: "documents",
        reference_prefix: "DOC-",
        view: Permission::ViewDocuments,
        manage: Permission::ManageDocuments,
        api_body: document,
        create_as: create_document,
        form: document_form,
        approvable: false,
        spreadsheets: false,
        // The round's document has version 1 as a draft. Starting another version and retiring
        // the document need an approved one: they answer 409 to whoever may ask, which is
        // what the matrix checks (a 403 for the others).
        record_operations: &[
            // The round's version 1 is a draft: reading it needs the drafts' permission.
            RecordOperation {
                method: "GET",
                suffix: "/{id}/versions/{version}",
                needs: Needs::Exactly(Permission::ViewDocumentDrafts),
                success: 200,
                body: None,
            },
            RecordOperation {
                method: "PUT",
                suffix: "/{id}/versions/{version}",
                needs: Needs::Manage,
                success: 200,
                body: Some(
                    |_, version| json!({ "version": version, "body": "# Rules\n\nProbe text.", "change_note": "Probe" }),
                ),
            },
            RecordOperation {
                method: "PUT",
                suffix: "/{id}/versions/{version}/file",
                needs: Needs::Manage,
                success: 200,
                body: Some(|_, _| Value::String("Section,Rule\nBackups,Nightly\n".into())),
            },
            RecordOperation {
                method: "GET",
                suffix: "/{id}/versions/{version}/file",
                needs: Needs::Exactly(Permission::ViewDocumentDrafts),
                success: 200,
                body: None,
            },
            RecordOperation {
                method: "POST",
                suffix: "/{id}/versions",
                needs: Needs::Manage,
                success: 409,
                body: Some(|_, _| json!({})),
            },
            RecordOperation {
                method: "POST",
                suffix: "/{id}/retire",
                needs: Needs::Manage,
                success: 409,
                body: Some(|_, version| json!({ "version": version })),
            },
            RecordOperation {
                method: "POST",
                suffix: "/{id}/versions/{version}/submit",
                needs: Needs::Manage,
                success: 201,
                body: Some(|_, version| json!({ "version": version })),
            },
        ],
    },
    RegisterFixture {
        segment: "evidence",
        reference_prefix: "EVD-",
        view: Permission::ViewControls,
        manage: Permission::ManageControls,
        api_body: evidence,
        create_as: create_evidence,
        form: evidence_form,
        approvable: false,
        spreadsheets: false,
        // The file goes in (a CSV, as the body) before it comes out.
        record_operations: &[
            RecordOperation {
                method: "PUT",
                suffix: "/{id}/file",
                needs: Needs::Manage,
                success: 200,
                body: Some(|_, _| Value::String("date,result\n2026-09-30,restored\n".into())),
            },
            RecordOperation {
                method: "GET",
                suffix: "/{id}/file",
                needs: Needs::View,
                success: 200,
                body: None,
            },
        ],
    },
];

/// A valid API body for an evidence item titled `title`, attached to an Annex A control.
pub fn evidence(title: &str) -> Value {
    json!({
        "title": title,
        "collected_on": "2026-10-02",
        "effective_from": "2026-07-01",
        "effective_to": "2026-09-30",
        "requirements": ["iso27001-2022:A.8.13"],
    })
}

/// Creates an evidence item titled `title` with a file, so that every role allowed to read
/// evidence can download one.
fn create_evidence<'a>(
    register: &'static RegisterFixture,
    client: &'a Client,
    org: &'a str,
    title: &'a str,
) -> Created<'a> {
    Box::pin(async move {
        let (status, created) = client
            .post_json(&register.api_path(org), &evidence(title))
            .await;
        assert_eq!(status, StatusCode::CREATED, "create evidence: {created}");
        let id = created["id"].as_str().expect("id").to_owned();
        let file = format!("{}/{id}/file?name=restore.csv", register.api_path(org));
        let response = client
            .http
            .put(client.url(&file))
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body("date,result\n2026-09-30,restored\n")
            .send()
            .await
            .expect("upload");
        assert_eq!(response.status(), StatusCode::OK, "upload evidence");
        id
    })
}

fn evidence_form(title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_owned()),
        ("url", "https://wiki.example/restore-tests".to_owned()),
        ("requirements", "A.8.13".to_owned()),
    ]
}

/// A valid API body for a document titled `title` (its first draft empty: the text changes
/// through the version, and the same body edits the document).
pub fn document(title: &str) -> Value {
    json!({
        "title": title,
        "kind": "procedure",
        "review_months": 12,
        "purpose": "How backups are taken and tested.",
    })
}

/// Creates a document titled `title` whose first draft has a file, so that every role allowed
/// to read drafts can download one.
fn create_document<'a>(
    register: &'static RegisterFixture,
    client: &'a Client,
    org: &'a str,
    title: &'a str,
) -> Created<'a> {
    Box::pin(async move {
        let (status, created) = client
            .post_json(&register.api_path(org), &document(title))
            .await;
        assert_eq!(status, StatusCode::CREATED, "create a document: {created}");
        let id = created["id"].as_str().expect("id").to_owned();
        let file = format!(
            "{}/{id}/versions/1/file?name=rules.csv",
            register.api_path(org)
        );
        let response = client
            .http
            .put(client.url(&file))
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body("Section,Rule\nBackups,Nightly\n")
            .send()
            .await
            .expect("upload");
        assert_eq!(
            response.status(),
            StatusCode::OK,
            "upload a document's file"
        );
        id
    })
}

fn document_form(title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_owned()),
        ("kind", "standard".to_owned()),
        ("body", "Passwords have at least 14 characters.".to_owned()),
    ]
}

/// A valid API body for an applied control titled `title`, implemented, satisfying an
/// Annex A control and a SOC 2 criterion.
pub fn control(title: &str) -> Value {
    json!({
        "title": title,
        "status": "implemented",
        "implemented_on": "2026-02-01",
        "one_off_cost": 4000,
        "requirements": ["iso27001-2022:A.8.13", "soc2-2017:A1.2"],
    })
}

fn control_form(title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_owned()),
        ("status", "planned".to_owned()),
        ("requirements", "A.8.13, soc2-2017:A1.2".to_owned()),
    ]
}

/// A valid API body for a risk titled `title`, rated 2 by 2 (so that its acceptance can be
/// asked for): the organisation needs an approved risk method of at least 2 by 2.
pub fn risk(title: &str) -> Value {
    json!({
        "title": title,
        "confidentiality": true,
        "inherent_likelihood": 2,
        "inherent_impact": 2,
        "status": "assessed",
    })
}

/// Creates a risk titled `title`: rated when the organisation has an approved risk method,
/// unrated otherwise.
fn create_risk<'a>(
    register: &'static RegisterFixture,
    client: &'a Client,
    org: &'a str,
    title: &'a str,
) -> Created<'a> {
    Box::pin(async move {
        let method = client
            .get_json(&format!("/api/v1/orgs/{org}/risk-method"))
            .await
            .0;
        let mut body = risk(title);
        if method != StatusCode::OK {
            body = json!({ "title": title, "confidentiality": true });
        }
        let (status, created) = client.post_json(&register.api_path(org), &body).await;
        assert_eq!(status, StatusCode::CREATED, "create a risk: {created}");
        created["id"].as_str().expect("id").to_owned()
    })
}

/// A request to accept the risk at `version`, for a year.
fn acceptance_body(_: &str, version: i64) -> Value {
    let expires_on = custos_app::now().date() + time::Duration::days(365);
    json!({
        "version": version,
        "justification": "Cheaper to bear than to treat.",
        "expires_on": expires_on.to_string(),
    })
}

/// Records outside the registers' shape (numbered, listed a page at a time): a risk's treatment
/// actions, the threat and vulnerability catalogues. Each is read, changed and deleted at
/// `/api/v1/orgs/{org}/{segment}/{id}`.
pub struct DependentFixture {
    pub segment: &'static str,
    pub view: Permission,
    pub manage: Permission,
    /// Creates one in `org` as `client`, given the ids of the registers' records made
    /// before it (a treatment action needs its risk); returns its id.
    pub create: for<'a> fn(&'a Client, &'a str, &'a BTreeMap<String, String>) -> Created<'a>,
    /// A valid body changing one at `version`.
    pub edit_body: fn(i64) -> Value,
}

pub const DEPENDENTS: &[DependentFixture] = &[
    DependentFixture {
        segment: "risk-actions",
        view: Permission::ViewRisks,
        manage: Permission::ManageRisks,
        create: create_risk_action,
        edit_body: |version| json!({ "version": version, "title": "Edited action", "status": "in_progress" }),
    },
    DependentFixture {
        segment: "threats",
        view: Permission::ViewRisks,
        manage: Permission::ManageRisks,
        create: |client, org, _| {
            post_for_id(client, format!("/api/v1/orgs/{org}/threats"), threat())
        },
        edit_body: |version| {
            let mut body = threat();
            body["version"] = json!(version);
            body
        },
    },
    DependentFixture {
        segment: "vulnerabilities",
        view: Permission::ViewRisks,
        manage: Permission::ManageRisks,
        create: |client, org, _| {
            post_for_id(
                client,
                format!("/api/v1/orgs/{org}/vulnerabilities"),
                vulnerability(),
            )
        },
        edit_body: |version| {
            let mut body = vulnerability();
            body["version"] = json!(version);
            body
        },
    },
];

/// A unique catalogue reference, so that every probe's entry can be written.
fn unique_reference(prefix: &str) -> String {
    let id = uuid::Uuid::now_v7().simple().to_string();
    format!("{prefix}-{}", &id[id.len() - 10..])
}

/// A valid body for a threat of the organisation's own.
pub fn threat() -> Value {
    json!({
        "reference": unique_reference("TH-OWN"),
        "group": "supplier",
        "name": "Courier loses the backup tapes",
        "description": "The tapes go missing between the site and the vault.",
        "confidentiality": true,
        "availability": true,
    })
}

/// A valid body for a vulnerability of the organisation's own.
pub fn vulnerability() -> Value {
    json!({
        "reference": unique_reference("VU-OWN"),
        "category": "process",
        "name": "Tapes leave the site unencrypted",
        "description": "Nothing requires encrypting tapes before they are handed over.",
    })
}

/// Posts `body` to `path` as `client`, expecting 201, and returns the new record's id.
fn post_for_id(client: &Client, path: String, body: Value) -> Created<'_> {
    Box::pin(async move {
        let (status, created) = client.post_json(&path, &body).await;
        assert_eq!(status, StatusCode::CREATED, "POST {path}: {created}");
        created["id"].as_str().expect("id").to_owned()
    })
}

fn create_risk_action<'a>(
    client: &'a Client,
    org: &'a str,
    ids: &'a BTreeMap<String, String>,
) -> Created<'a> {
    Box::pin(async move {
        let risk_id = &ids["risks"];
        let path = format!("/api/v1/orgs/{org}/risks/{risk_id}/actions");
        let body =
            json!({ "title": "Replace the old firewall", "due_on": "2027-03-31", "cost": 12000 });
        let (status, created) = client.post_json(&path, &body).await;
        assert_eq!(status, StatusCode::CREATED, "create an action: {created}");
        created["id"].as_str().expect("id").to_owned()
    })
}

impl DependentFixture {
    pub fn operations(&self) -> Vec<Operation> {
        let one = format!("/api/v1/orgs/{{org}}/{}/{{id}}", self.segment);
        vec![
            Operation {
                method: "GET",
                path: one.clone(),
                permission: self.view,
                success: 200,
            },
            Operation {
                method: "PUT",
                path: one.clone(),
                permission: self.manage,
                success: 200,
            },
            Operation {
                method: "DELETE",
                path: one,
                permission: self.manage,
                success: 204,
            },
        ]
    }
}

/// The dependent kind a route belongs to, if any.
pub fn dependent_of(path: &str) -> Option<&'static DependentFixture> {
    DEPENDENTS
        .iter()
        .find(|dependent| path.split('/').any(|segment| segment == dependent.segment))
}

fn risk_form(title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_owned()),
        ("confidentiality", "on".to_owned()),
    ]
}

/// A valid API body for an asset named `name`.
pub fn asset(name: &str) -> Value {
    json!({ "name": name, "type": "information", "confidentiality": 3, "tags": ["crm"] })
}

fn asset_form(name: &str) -> Vec<(&'static str, String)> {
    vec![
        ("name", name.to_owned()),
        ("asset_type", "information".to_owned()),
    ]
}

/// The id of a record being created.
pub type Created<'a> = Pin<Box<dyn Future<Output = String> + Send + 'a>>;

/// Creates a record by posting the register's `api_body` to its list.
pub fn post_api_body<'a>(
    register: &'static RegisterFixture,
    client: &'a Client,
    org: &'a str,
    title: &'a str,
) -> Created<'a> {
    Box::pin(async move {
        let (status, created) = client
            .post_json(&register.api_path(org), &(register.api_body)(title))
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "create in {}: {created}",
            register.segment
        );
        created["id"].as_str().expect("id").to_owned()
    })
}

fn objective_form(title: &str) -> Vec<(&'static str, String)> {
    vec![
        ("title", title.to_owned()),
        ("rationale", "Because the board asked for it".to_owned()),
        ("category", "risk".to_owned()),
        ("target", "Every quarter".to_owned()),
    ]
}

/// An organisation-scoped API operation, the permission it needs and the status of a
/// successful call.
#[derive(Debug, Clone)]
pub struct Operation {
    pub method: &'static str,
    pub path: String,
    pub permission: Permission,
    pub success: u16,
}

impl RegisterFixture {
    pub fn api_path(&self, org: &str) -> String {
        format!("/api/v1/orgs/{org}/{}", self.segment)
    }

    pub fn page_path(&self, org: &str) -> String {
        format!("/orgs/{org}/{}", self.segment)
    }

    /// Creates a record through the API as `client` and returns its id.
    pub async fn create(&'static self, client: &Client, org: &str, title: &str) -> String {
        (self.create_as)(self, client, org, title).await
    }

    /// Submits record `id` at `version` for approval as `client`; returns the request's id.
    pub async fn submit(&self, client: &Client, org: &str, id: &str, version: i64) -> String {
        let path = format!("{}/{id}/submit", self.api_path(org));
        let (status, approval) = client
            .post_json(&path, &json!({ "version": version }))
            .await;
        assert_eq!(
            status,
            StatusCode::CREATED,
            "submit in {}: {approval}",
            self.segment
        );
        approval["id"].as_str().expect("id").to_owned()
    }

    /// The register's API operations, in an order one record can go through: read, edit,
    /// submit, and delete last.
    pub fn operations(&self) -> Vec<Operation> {
        let list = format!("/api/v1/orgs/{{org}}/{}", self.segment);
        let one = format!("{list}/{{id}}");
        let operation = |method, path: &str, permission, success| Operation {
            method,
            path: path.to_owned(),
            permission,
            success,
        };
        let mut operations = vec![
            operation("GET", &list, self.view, 200),
            operation("POST", &list, self.manage, 201),
            operation("GET", &one, self.view, 200),
            operation("PUT", &one, self.manage, 200),
        ];
        if self.spreadsheets {
            operations.push(operation("GET", &format!("{list}/export"), self.view, 200));
            operations.push(operation(
                "POST",
                &format!("{list}/import"),
                self.manage,
                200,
            ));
        }
        if self.approvable {
            let submit = format!("{one}/submit");
            operations.push(operation(
                "POST",
                &submit,
                Permission::SubmitForApproval,
                201,
            ));
        }
        // The record's own operations come before its deletion, which must be the last.
        for extra in self.record_operations {
            let permission = match extra.needs {
                Needs::View => self.view,
                Needs::Manage => self.manage,
                Needs::Exactly(permission) => permission,
            };
            let path = format!("{list}{}", extra.suffix);
            operations.push(operation(extra.method, &path, permission, extra.success));
        }
        operations.push(operation("DELETE", &one, self.manage, 204));
        operations
    }

    /// Whether `path` (a route template or a filled path) is one of this register's.
    pub fn owns(&self, path: &str) -> bool {
        path.split('/').any(|segment| segment == self.segment)
    }
}

/// The JSON body an API call of `method` on route `template` takes, for a record at
/// `version`: exactly the fields the operation reads, since request bodies refuse any other.
/// A register's record is titled `title`; a new member gets `email`. `None` for calls
/// without a body. A route this does not know fails the test: declare its body here.
pub fn operation_body(
    method: &str,
    template: &str,
    title: &str,
    version: i64,
    email: &str,
    record: &str,
) -> Option<Value> {
    if matches!(method, "GET" | "DELETE") {
        return None;
    }
    let own = register_of(template).and_then(|register| {
        register.record_operations.iter().find(|operation| {
            operation.method == method
                && template.ends_with(&format!("/{}{}", register.segment, operation.suffix))
        })
    });
    if let Some(operation) = own {
        return operation.body.map(|body| body(record, version));
    }
    if let Some(dependent) = dependent_of(template)
        && method == "PUT"
    {
        return Some((dependent.edit_body)(version));
    }
    let last = template.rsplit('/').next().unwrap_or_default();
    let register = register_of(template);
    Some(match (method, last, register) {
        ("POST", "decision", _) => json!({ "decision": "approve" }),
        ("POST", "submit", Some(_)) => json!({ "version": version }),
        // A spreadsheet, sent as text (see `with_body`): one new record titled `title`.
        ("POST", "import", Some(register)) if register.spreadsheets => {
            Value::String(format!("name,type\n\"{title}\",information\n"))
        }
        ("POST", _, Some(register)) if last == register.segment => (register.api_body)(title),
        ("PUT", "{id}", Some(register)) => {
            let mut body = (register.api_body)(title);
            body["version"] = json!(version);
            body
        }
        ("PUT", "impact-scale", None) => crate::asset_settings::scale_body(4, version),
        // For the risk method's draft, `version` is the draft's revision (0 starts one).
        ("PUT", "draft", None) if template.contains("/risk-method/") => {
            crate::risk_method::draft_body(version, "Probe")
        }
        ("POST", "submit", None) if template.contains("/risk-method/") => {
            json!({ "version": version })
        }
        // A CISO Assistant risk matrix, sent as text (see `with_body`).
        ("POST", "import", None) if template.contains("/risk-method/") => {
            Value::String(crate::risk_method::MATRIX_3X3.to_owned())
        }
        // For the statement's draft, `version` is the draft's revision (0 starts one).
        ("PUT", "draft", None) if template.contains("/soa/") => {
            crate::soa::draft_body(version, "Probe")
        }
        ("POST", "submit", None) if template.contains("/soa/") => json!({ "version": version }),
        // For the scheme's draft, `version` is the draft's revision (0 starts one).
        ("PUT", "draft", None) => crate::asset_settings::draft_body(version, "Probe"),
        ("POST", "submit", None) if template.contains("/classification-scheme/") => {
            json!({ "version": version })
        }
        ("POST", "invitations", None) => json!({ "email": email, "role": "contributor" }),
        ("POST", "threats", None) => threat(),
        ("POST", "vulnerabilities", None) => vulnerability(),
        ("PUT", "{id}", None) if template.contains("/members/") => json!({ "role": "contributor" }),
        _ => {
            panic!("no request body is known for {method} {template}: declare it in operation_body")
        }
    })
}

/// `request` with the body [`operation_body`] gave: JSON, or a spreadsheet file given as a
/// JSON string, sent as CSV.
pub fn with_body(request: reqwest::RequestBuilder, body: &Value) -> reqwest::RequestBuilder {
    match body {
        Value::String(file) => request
            .header(reqwest::header::CONTENT_TYPE, "text/csv")
            .body(file.clone()),
        json => request.json(json),
    }
}

/// The register a route belongs to, if any.
pub fn register_of(path: &str) -> Option<&'static RegisterFixture> {
    REGISTERS.iter().find(|register| register.owns(path))
}

/// Records every organisation reads and none owns (the framework libraries), by the path
/// segment before their `{id}`: what the harnesses probe their routes with.
pub const SHARED_RECORDS: &[(&str, &str)] = &[("frameworks", "iso27001-2022")];

/// Whether a route's `{id}` names a shared record.
pub fn is_shared(path: &str) -> bool {
    path.contains("{id}")
        && SHARED_RECORDS
            .iter()
            .any(|(kind, _)| *kind == kind_of_id(path))
}

/// Fills the path parameters of shared records that are not an `{id}`: the requirement of
/// a framework.
pub fn fill_shared(path: &str) -> String {
    path.replace("{requirement}", "A.5.1")
}

/// The kind of record a route's `{id}` names: the path segment just before it.
pub fn kind_of_id(path: &str) -> &str {
    path.split("/{id}")
        .next()
        .and_then(|head| head.rsplit('/').next())
        .unwrap_or_default()
}
