//! Platform: organisations, users, memberships, roles and the permission table. The table below
//! is the single source of who may do what; docs/roles.md is generated from it and a test keeps
//! the two equal.

use serde::Serialize;

use crate::validation::ValidationErrors;

crate::text_enum! {
    /// The role a user holds in one organisation.
    pub enum Role {
        Admin => "admin", "Administrator";
        IsmsManager => "isms_manager", "ISMS manager";
        Approver => "approver", "Approver (senior management)";
        Contributor => "contributor", "Contributor";
        Auditor => "auditor", "Auditor";
        Staff => "staff", "Staff member";
    }
}

impl Role {
    pub fn allows(self, permission: Permission) -> bool {
        permission.roles().contains(&self)
    }
}

/// Something a member may do in an organisation. Read permissions are the only ones a
/// read-scoped API token can exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    ViewObjectives,
    ManageObjectives,
    SubmitForApproval,
    ViewApprovals,
    DecideApprovals,
    ViewAuditLog,
    ManageOwnTokens,
    ViewMembers,
    ManageMembers,
    ViewAssets,
    ManageAssets,
    ManageAssetSettings,
    ViewRisks,
    ManageRisks,
    ManageRiskMethod,
    AcceptRisks,
    ViewFrameworks,
    ViewControls,
    ManageControls,
    ViewDocuments,
    ViewDocumentDrafts,
    ManageDocuments,
}

use Role::*;

/// The permission table: every permission with the roles that hold it.
/// Indexed by the permission's discriminant: one row per variant, in declaration order (a
/// unit test checks the order), so a lookup cannot miss.
const PERMISSION_TABLE: [(Permission, &[Role], &str); 22] = [
    (
        Permission::ViewObjectives,
        &[Admin, IsmsManager, Approver, Contributor, Auditor, Staff],
        "Read the ISMS objectives (objectives are communicated to everyone, ISO 27001 6.2).",
    ),
    (
        Permission::ManageObjectives,
        &[Admin, IsmsManager],
        "Create, edit and delete objectives.",
    ),
    (
        Permission::SubmitForApproval,
        &[Admin, IsmsManager],
        "Send a record to senior management for sign-off.",
    ),
    (
        Permission::ViewApprovals,
        &[Admin, IsmsManager, Approver, Auditor],
        "See approval requests and decisions.",
    ),
    (
        Permission::DecideApprovals,
        &[Approver],
        "Approve or reject a request addressed to the approver role.",
    ),
    (
        Permission::ViewAuditLog,
        &[Admin, IsmsManager, Approver, Auditor],
        "Read the audit trail of every change.",
    ),
    (
        Permission::ManageOwnTokens,
        &[Admin, IsmsManager, Approver, Contributor, Auditor, Staff],
        "Create and revoke one's own API tokens for this organisation.",
    ),
    (
        Permission::ViewMembers,
        &[Admin, Auditor],
        "See who belongs to the organisation and with which role (access reviews, ISO 27001 5.18).",
    ),
    (
        Permission::ManageMembers,
        &[Admin],
        "Invite people to the organisation, change their role, remove them.",
    ),
    (
        Permission::ViewAssets,
        &[Admin, IsmsManager, Approver, Contributor, Auditor],
        "Read the asset inventory (what is protected, where, and how valuable it is).",
    ),
    (
        Permission::ManageAssets,
        &[Admin, IsmsManager, Contributor],
        "Add, edit and retire assets.",
    ),
    (
        Permission::ManageAssetSettings,
        &[Admin, IsmsManager],
        "Change the impact scale, the assets' review period and draft versions of the classification scheme.",
    ),
    (
        Permission::ViewRisks,
        &[Admin, IsmsManager, Approver, Contributor, Auditor],
        "Read the risk method, the threat and vulnerability catalogues and the risk register.",
    ),
    (
        Permission::ManageRisks,
        &[Admin, IsmsManager, Contributor],
        "Identify, assess and treat risks; edit the threat and vulnerability catalogues.",
    ),
    (
        Permission::ManageRiskMethod,
        &[Admin, IsmsManager],
        "Draft versions of the risk method (scales, matrix, levels, appetite).",
    ),
    (
        Permission::AcceptRisks,
        &[IsmsManager, Approver],
        "Decide a request to accept a risk when the risk method names one's role for its level.",
    ),
    (
        Permission::ViewFrameworks,
        &[Admin, IsmsManager, Approver, Contributor, Auditor, Staff],
        "Read the framework libraries: requirements, their guidance and the mappings between frameworks.",
    ),
    (
        Permission::ViewControls,
        &[Admin, IsmsManager, Approver, Contributor, Auditor],
        "Read the applied controls, the coverage they give each framework and the Statement of Applicability.",
    ),
    (
        Permission::ManageControls,
        &[Admin, IsmsManager],
        "Record applied controls and what they satisfy and treat; draft versions of the Statement of Applicability.",
    ),
    (
        Permission::ViewDocuments,
        &[Admin, IsmsManager, Approver, Contributor, Auditor, Staff],
        "Read the documents and their approved versions (everyone must know the rules, ISO 27001 5.2, 7.3).",
    ),
    (
        Permission::ViewDocumentDrafts,
        &[Admin, IsmsManager, Approver, Auditor],
        "Read versions of documents being drafted or reviewed.",
    ),
    (
        Permission::ManageDocuments,
        &[Admin, IsmsManager],
        "Create documents and draft their versions.",
    ),
];

impl Permission {
    pub const ALL: [Permission; 22] = [
        Permission::ViewObjectives,
        Permission::ManageObjectives,
        Permission::SubmitForApproval,
        Permission::ViewApprovals,
        Permission::DecideApprovals,
        Permission::ViewAuditLog,
        Permission::ManageOwnTokens,
        Permission::ViewMembers,
        Permission::ManageMembers,
        Permission::ViewAssets,
        Permission::ManageAssets,
        Permission::ManageAssetSettings,
        Permission::ViewRisks,
        Permission::ManageRisks,
        Permission::ManageRiskMethod,
        Permission::AcceptRisks,
        Permission::ViewFrameworks,
        Permission::ViewControls,
        Permission::ManageControls,
        Permission::ViewDocuments,
        Permission::ViewDocumentDrafts,
        Permission::ManageDocuments,
    ];

    fn entry(self) -> &'static (Permission, &'static [Role], &'static str) {
        &PERMISSION_TABLE[self as usize]
    }

    pub fn roles(self) -> &'static [Role] {
        self.entry().1
    }

    pub fn description(self) -> &'static str {
        self.entry().2
    }

    pub fn is_read(self) -> bool {
        matches!(
            self,
            Permission::ViewObjectives
                | Permission::ViewApprovals
                | Permission::ViewAuditLog
                | Permission::ViewMembers
                | Permission::ViewAssets
                | Permission::ViewRisks
                | Permission::ViewFrameworks
                | Permission::ViewControls
                | Permission::ViewDocuments
                | Permission::ViewDocumentDrafts
        )
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Permission::ViewObjectives => "view_objectives",
            Permission::ManageObjectives => "manage_objectives",
            Permission::SubmitForApproval => "submit_for_approval",
            Permission::ViewApprovals => "view_approvals",
            Permission::DecideApprovals => "decide_approvals",
            Permission::ViewAuditLog => "view_audit_log",
            Permission::ManageOwnTokens => "manage_own_tokens",
            Permission::ViewMembers => "view_members",
            Permission::ManageMembers => "manage_members",
            Permission::ViewAssets => "view_assets",
            Permission::ManageAssets => "manage_assets",
            Permission::ManageAssetSettings => "manage_asset_settings",
            Permission::ViewRisks => "view_risks",
            Permission::ManageRisks => "manage_risks",
            Permission::ManageRiskMethod => "manage_risk_method",
            Permission::AcceptRisks => "accept_risks",
            Permission::ViewFrameworks => "view_frameworks",
            Permission::ViewControls => "view_controls",
            Permission::ManageControls => "manage_controls",
            Permission::ViewDocuments => "view_documents",
            Permission::ViewDocumentDrafts => "view_document_drafts",
            Permission::ManageDocuments => "manage_documents",
        }
    }
}

/// The permission table as Markdown, the body of docs/roles.md.
pub fn permission_table_markdown() -> String {
    let mut out = String::from("| permission | what it allows |");
    for role in Role::ALL {
        out.push_str(&format!(" {} |", role.as_str()));
    }
    out.push_str("\n|---|---|");
    for _ in Role::ALL {
        out.push_str("---|");
    }
    out.push('\n');
    for permission in Permission::ALL {
        out.push_str(&format!(
            "| `{}` | {} |",
            permission.as_str(),
            permission.description()
        ));
        for role in Role::ALL {
            out.push_str(if role.allows(permission) {
                " yes |"
            } else {
                " — |"
            });
        }
        out.push('\n');
    }
    out
}

crate::text_enum! {
    /// What an API token may do: `Read` tokens can only exercise read permissions.
    pub enum TokenScope {
        Read => "read", "Read only";
        ReadWrite => "read_write" | "read-write", "Read and write";
    }
}

impl TokenScope {
    pub fn allows(self, permission: Permission) -> bool {
        match self {
            TokenScope::Read => permission.is_read(),
            TokenScope::ReadWrite => true,
        }
    }
}

/// An organisation's URL name: lower-case letters, digits and inner hyphens, 2 to 40 long.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Slug(String);

impl Slug {
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let value = raw.trim();
        let valid_chars = value
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !(2..=40).contains(&value.len())
            || !valid_chars
            || value.starts_with('-')
            || value.ends_with('-')
        {
            return Err(ValidationErrors::single(
                "slug",
                "Use 2 to 40 lower-case letters, digits or inner hyphens.",
            ));
        }
        Ok(Self(value.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A syntactically plausible e-mail address, stored lower-cased so log-in ignores case.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Email(String);

impl Email {
    pub fn parse(raw: &str) -> Result<Self, ValidationErrors> {
        let value = crate::validation::clean_text(raw.trim(), crate::validation::Lines::One)
            .map_err(|message| ValidationErrors::single("email", message))?
            .to_lowercase();
        let plausible = match value.split_once('@') {
            Some((local, domain)) => {
                !local.is_empty()
                    && domain.contains('.')
                    && !domain.starts_with('.')
                    && !domain.ends_with('.')
                    && !domain.contains('@')
            }
            None => false,
        };
        if !plausible || value.len() > 254 || value.chars().any(char::is_whitespace) {
            return Err(ValidationErrors::single(
                "email",
                "Enter an e-mail address such as name@example.org.",
            ));
        }
        Ok(Self(value))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const MIN_PASSWORD_LENGTH: usize = 12;
pub const MAX_PASSWORD_LENGTH: usize = 256;

/// Password policy: length over composition rules (NIST SP 800-63B).
pub fn check_password_policy(password: &str, field: &str) -> Result<(), ValidationErrors> {
    let length = password.chars().count();
    if length < MIN_PASSWORD_LENGTH {
        return Err(ValidationErrors::single(
            field,
            format!("Use at least {MIN_PASSWORD_LENGTH} characters."),
        ));
    }
    if length > MAX_PASSWORD_LENGTH {
        return Err(ValidationErrors::single(
            field,
            format!("Use at most {MAX_PASSWORD_LENGTH} characters."),
        ));
    }
    Ok(())
}

/// After this many failed log-ins in a row an account is locked for `LOCKOUT_MINUTES`.
pub const MAX_FAILED_LOGINS: i64 = 5;
pub const LOCKOUT_MINUTES: i64 = 15;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_has_one_row_per_permission_in_declaration_order() {
        for (index, permission) in Permission::ALL.into_iter().enumerate() {
            assert_eq!(permission as usize, index);
            assert_eq!(PERMISSION_TABLE[index].0, permission);
        }
    }

    #[test]
    fn only_approvers_decide_and_staff_cannot_manage() {
        assert!(Role::Approver.allows(Permission::DecideApprovals));
        assert!(!Role::Admin.allows(Permission::DecideApprovals));
        assert!(!Role::Staff.allows(Permission::ManageObjectives));
        assert!(Role::Auditor.allows(Permission::ViewAuditLog));
    }

    #[test]
    fn auditors_read_the_members_list_but_do_not_change_it() {
        assert!(Role::Auditor.allows(Permission::ViewMembers));
        assert!(!Role::Auditor.allows(Permission::ManageMembers));
        assert!(TokenScope::Read.allows(Permission::ViewMembers));
        // Whoever manages members can see them.
        for role in Role::ALL {
            assert!(
                !role.allows(Permission::ManageMembers) || role.allows(Permission::ViewMembers)
            );
        }
    }

    #[test]
    fn read_tokens_only_read() {
        assert!(TokenScope::Read.allows(Permission::ViewObjectives));
        assert!(!TokenScope::Read.allows(Permission::ManageObjectives));
        assert!(TokenScope::ReadWrite.allows(Permission::ManageObjectives));
    }

    #[test]
    fn roles_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("root"), None);
    }

    #[test]
    fn slugs_and_emails_are_parsed_strictly() {
        assert!(Slug::parse("acme-ltd").is_ok());
        for bad in ["", "a", "-acme", "acme-", "Acme", "ac me", "acme/x"] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            Email::parse(" Alice@Example.ORG ").map(|e| e.as_str().to_owned()),
            Ok("alice@example.org".to_owned())
        );
        for bad in [
            "",
            "alice",
            "alice@",
            "@example.org",
            "a@b",
            "a b@c.org",
            "a@.org",
            "a\0b@x.example",
            "a\u{7f}@x.example",
        ] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn audit_filters_take_whole_days_and_known_actions() {
        let filter = AuditFilter::parse(" objective ", "", "update", "2026-11-01", "2026-11-30")
            .expect("valid");
        assert_eq!(filter.record_type.as_deref(), Some("objective"));
        assert_eq!(filter.action, Some(AuditAction::Update));
        assert_eq!(
            filter.until.map(|t| t.date().to_string()),
            Some("2026-12-01".into())
        );
        let errors = AuditFilter::parse("", "", "erase", "yesterday", "").expect_err("invalid");
        assert!(errors.for_field("action").is_some() && errors.for_field("from").is_some());
        let errors = AuditFilter::parse("a\0", "b\0", "", "", "").expect_err("control");
        assert!(
            errors.for_field("record_type").is_some() && errors.for_field("record_id").is_some()
        );
    }

    #[test]
    fn password_policy_counts_characters() {
        assert!(check_password_policy("short", "password").is_err());
        assert!(check_password_policy("correct horse battery", "password").is_ok());
        assert!(check_password_policy(&"x".repeat(300), "password").is_err());
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Organisation {
    pub id: uuid::Uuid,
    pub slug: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    pub id: uuid::Uuid,
    pub email: String,
    pub name: String,
    pub disabled: bool,
    pub instance_admin: bool,
    /// The password was set by someone else; its owner must replace it before going on.
    pub must_change_password: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Membership {
    pub organisation: Organisation,
    pub role: Role,
}

crate::text_enum! {
    /// What an audit event records: the kind of change (labels as people read them in the
    /// audit log).
    pub enum AuditAction {
        Create => "create", "Created";
        Update => "update", "Changed";
        Delete => "delete", "Deleted";
    }
}

crate::text_enum! {
    /// Every kind of record Custos keeps: the one name approvals, audit events and URLs use.
    /// A new register adds its record here, with its page and, if it needs sign-off, the
    /// role that decides.
    pub enum RecordType {
        Objective => "objective", "Objective";
        Approval => "approval", "Approval request";
        Membership => "membership", "Membership";
        ApiToken => "api_token", "API token";
        User => "user", "User account";
        Organisation => "organisation", "Organisation";
        Invitation => "invitation", "Invitation";
        Asset => "asset", "Asset";
        AssetLink => "asset_link", "Asset support link";
        ImpactScale => "impact_scale", "Impact scale";
        ClassificationScheme => "classification_scheme", "Classification scheme";
        RiskMethod => "risk_method", "Risk method";
        Threat => "threat", "Threat";
        Vulnerability => "vulnerability", "Vulnerability";
        Risk => "risk", "Risk";
        RiskAction => "risk_action", "Risk treatment action";
        RiskAcceptance => "risk_acceptance", "Risk acceptance";
        Library => "library", "Framework library";
        Soa => "soa", "Statement of Applicability";
        Control => "control", "Applied control";
        Document => "document", "Document";
        DocumentVersion => "document_version", "Document version";
        Evidence => "evidence", "Evidence";
    }
}

impl RecordType {
    /// The path of a record's page under its organisation (`objectives/{id}`), for records
    /// that have one.
    pub fn page_path(self, id: uuid::Uuid) -> Option<String> {
        let segment = match self {
            RecordType::Objective => "objectives",
            RecordType::Approval => "approvals",
            RecordType::Asset => "assets",
            RecordType::Risk => "risks",
            RecordType::Control => "controls",
            RecordType::Document => "documents",
            RecordType::Evidence => "evidence",
            // Shown on its document's page, which its snapshot names.
            RecordType::DocumentVersion => return None,
            // Shown on their risk's page, which their snapshot names.
            RecordType::RiskAction | RecordType::RiskAcceptance => return None,
            // One per organisation: the page names no record.
            RecordType::ImpactScale => return Some("assets/impact-scale".into()),
            RecordType::ClassificationScheme => return Some("assets/classification".into()),
            RecordType::RiskMethod => return Some("risk/method".into()),
            RecordType::Soa => return Some("soa".into()),
            RecordType::Threat => "threats",
            RecordType::Vulnerability => "vulnerabilities",
            RecordType::Membership
            | RecordType::ApiToken
            | RecordType::User
            | RecordType::Organisation
            | RecordType::Invitation
            | RecordType::AssetLink
            | RecordType::Library => return None,
        };
        Some(format!("{segment}/{id}"))
    }

    /// The role that decides requests to approve this kind of record; None for records that
    /// are never sent for approval.
    pub fn decider(self) -> Option<Role> {
        match self {
            RecordType::Objective
            | RecordType::ClassificationScheme
            | RecordType::RiskMethod
            | RecordType::Soa
            | RecordType::DocumentVersion => Some(Role::Approver),
            RecordType::Approval
            | RecordType::Membership
            | RecordType::ApiToken
            | RecordType::User
            | RecordType::Organisation
            | RecordType::Invitation
            | RecordType::Asset
            | RecordType::AssetLink
            | RecordType::ImpactScale
            | RecordType::Threat
            | RecordType::Vulnerability
            | RecordType::Risk
            | RecordType::RiskAction
            | RecordType::Control
            | RecordType::Document
            | RecordType::Evidence
            | RecordType::Library => None,
            // The risk method names the deciding role per level: see the acceptance itself.
            RecordType::RiskAcceptance => Some(Role::Approver),
        }
    }
}

/// The name of a stored record type, e.g. "API token" for `api_token` (events written by an
/// older Custos may name types that no longer exist: their name is derived from the text).
pub fn record_type_label(record_type: &str) -> String {
    RecordType::parse(record_type)
        .map(|t| t.label().to_owned())
        .unwrap_or_else(|| crate::diff::key_label(record_type))
}

impl AuditEvent {
    /// The record as people know it, read from the event's own snapshot (so a deleted record
    /// keeps its name): "OBJ-0003 Keep the portal available", "Maya Manager <maya@…>".
    /// Falls back to the record id when the snapshot names nothing.
    pub fn record_name(&self) -> String {
        let Some(snapshot) = self.after.as_ref().or(self.before.as_ref()) else {
            return self.record_id.clone();
        };
        let text = |key: &str| {
            snapshot
                .get(key)
                .and_then(serde_json::Value::as_str)
                .filter(|s| !s.is_empty())
        };
        let person = || match (text("name"), text("email")) {
            (Some(name), Some(email)) => Some(format!("{name} <{email}>")),
            (Some(name), None) => Some(name.to_owned()),
            (None, Some(email)) => Some(email.to_owned()),
            (None, None) => None,
        };
        let named = match self.record_type.as_str() {
            "objective" => {
                let number = snapshot.get("number").and_then(serde_json::Value::as_i64);
                match (number, text("title")) {
                    (Some(n), Some(title)) => {
                        Some(format!("{} {title}", crate::context::reference_of(n)))
                    }
                    (None, Some(title)) => Some(title.to_owned()),
                    _ => None,
                }
            }
            "approval" => text("record_title").map(|title| {
                match snapshot
                    .get("record_version")
                    .and_then(serde_json::Value::as_i64)
                {
                    Some(v) => format!("Sign-off of “{title}” (version {v})"),
                    None => format!("Sign-off of “{title}”"),
                }
            }),
            "membership" => person().map(|who| match text("role").and_then(Role::parse) {
                Some(role) => format!("{who} as {}", role.label()),
                None => who,
            }),
            "user" | "user_password" => person(),
            "classification_scheme" => snapshot
                .get("version")
                .and_then(serde_json::Value::as_i64)
                .map(|v| format!("Classification scheme, version {v}")),
            "impact_scale" => Some("Impact scale".to_owned()),
            "invitation" => text("email").map(|email| match text("role").and_then(Role::parse) {
                Some(role) => format!("{email} as {}", role.label()),
                None => email.to_owned(),
            }),
            _ => text("name").or(text("title")).map(str::to_owned),
        };
        named.unwrap_or_else(|| self.record_id.clone())
    }
}

/// One link of an organisation's append-only, hash-chained audit trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEvent {
    pub id: uuid::Uuid,
    pub seq: i64,
    pub actor_id: Option<uuid::Uuid>,
    pub actor: String,
    pub action: AuditAction,
    pub record_type: String,
    pub record_id: String,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    #[serde(with = "time::serde::rfc3339")]
    pub occurred_at: time::OffsetDateTime,
    pub hash: String,
}

#[cfg(test)]
mod audit_tests {
    use super::*;

    fn event(record_type: &str, after: serde_json::Value) -> AuditEvent {
        AuditEvent {
            id: uuid::Uuid::nil(),
            seq: 1,
            actor_id: None,
            actor: "x".into(),
            action: AuditAction::Create,
            record_type: record_type.into(),
            record_id: "raw-id".into(),
            before: None,
            after: Some(after),
            occurred_at: time::OffsetDateTime::UNIX_EPOCH,
            hash: String::new(),
        }
    }

    #[test]
    fn audited_records_are_named_from_their_snapshot() {
        let objective = event(
            "objective",
            serde_json::json!({ "number": 3, "title": "Keep it up" }),
        );
        assert_eq!(objective.record_name(), "OBJ-0003 Keep it up");
        let membership = event(
            "membership",
            serde_json::json!({ "name": "Sam", "email": "sam@x.example", "role": "staff" }),
        );
        assert_eq!(
            membership.record_name(),
            "Sam <sam@x.example> as Staff member"
        );
        assert_eq!(
            event("api_token", serde_json::json!({})).record_name(),
            "raw-id"
        );
        assert_eq!(record_type_label("api_token"), "API token");
        assert_eq!(record_type_label("user_password"), "User password");
    }
}

/// Filters of the audit log page and endpoint.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub record_type: Option<String>,
    pub record_id: Option<String>,
    pub action: Option<AuditAction>,
    pub actor_id: Option<uuid::Uuid>,
    pub from: Option<time::OffsetDateTime>,
    /// Exclusive upper bound.
    pub until: Option<time::OffsetDateTime>,
}

impl AuditFilter {
    /// Parses the filter as people type it: dates are whole UTC days, `until` included.
    pub fn parse(
        record_type: &str,
        record_id: &str,
        action: &str,
        from: &str,
        until: &str,
    ) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let mut day = |raw: &str, field: &str| match raw.trim() {
            "" => None,
            raw => match crate::context::parse_date(raw) {
                Some(date) => Some(date.midnight().assume_utc()),
                None => {
                    errors.add(field, "Enter a date as YYYY-MM-DD.");
                    None
                }
            },
        };
        let from = day(from, "from");
        let until = day(until, "until").map(|d| d + time::Duration::days(1));
        let action_parsed = AuditAction::parse(action.trim());
        if !action.trim().is_empty() && action_parsed.is_none() {
            errors.add("action", "Choose create, update or delete.");
        }
        let record_type = crate::validation::text_param(&mut errors, "record_type", record_type);
        let record_id = crate::validation::text_param(&mut errors, "record_id", record_id);
        errors.into_result(Self {
            record_type,
            record_id,
            action: action_parsed,
            actor_id: None,
            from,
            until,
        })
    }
}

/// A member as the organisation sees them: for owner pickers and lists.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Member {
    pub user_id: uuid::Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
}

/// Who gave a member their current role, and when: segregation of duties looks at both.
/// `granted_by` is None for roles given by an instance operator (the command line) or
/// before grants were recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RoleGrant {
    pub member: uuid::Uuid,
    pub member_name: String,
    pub role: Role,
    pub granted_by: Option<uuid::Uuid>,
    pub granted_by_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub granted_at: time::OffsetDateTime,
}

/// An API token as its owner sees it; the secret itself is shown once and stored hashed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ApiToken {
    pub id: uuid::Uuid,
    pub org_id: uuid::Uuid,
    pub user_id: uuid::Uuid,
    pub name: String,
    pub scope: TokenScope,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
}

/// The first place a chain does not hold.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenLink {
    pub chain: String,
    pub seq: i64,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    pub chain: String,
    pub events: i64,
    pub broken: Option<BrokenLink>,
    /// The newest event of a chain that holds: what a checkpoint signs.
    pub head: Option<ChainPoint>,
}

/// One event of an audit chain, named by its sequence number and hash: the chain's state up
/// to and including that event.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChainPoint {
    pub chain: String,
    pub seq: i64,
    pub hash: String,
}

/// How long an invitation link stays valid.
pub const INVITATION_LIFETIME_DAYS: i64 = 7;

crate::text_enum! {
    /// Where an invitation stands. Accepted and revoked are final; an open invitation
    /// expires on its own.
    pub enum InvitationStatus {
        Pending => "pending", "Waiting for an answer";
        Expired => "expired", "Expired";
        Accepted => "accepted", "Accepted";
        Revoked => "revoked", "Revoked";
    }
}

/// An invitation to join an organisation with a role: a single-use, expiring link. Only the
/// SHA-256 of the link's secret is stored, and no account or membership exists until the
/// person it is addressed to accepts it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Invitation {
    pub id: uuid::Uuid,
    pub org_id: uuid::Uuid,
    /// Lower-cased, as [`Email`] keeps it.
    pub email: String,
    pub role: Role,
    pub invited_by: uuid::Uuid,
    pub invited_by_name: String,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: time::OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub accepted_at: Option<time::OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<time::OffsetDateTime>,
}

impl Invitation {
    pub fn status(&self, now: time::OffsetDateTime) -> InvitationStatus {
        if self.accepted_at.is_some() {
            InvitationStatus::Accepted
        } else if self.revoked_at.is_some() {
            InvitationStatus::Revoked
        } else if now >= self.expires_at {
            InvitationStatus::Expired
        } else {
            InvitationStatus::Pending
        }
    }

    /// Why the link no longer works, in words for whoever holds it; None while it does.
    pub fn refusal(&self, now: time::OffsetDateTime) -> Option<&'static str> {
        match self.status(now) {
            InvitationStatus::Pending => None,
            InvitationStatus::Expired => Some(
                "This invitation has expired. Ask the administrator who invited you for a new one.",
            ),
            InvitationStatus::Accepted => {
                Some("This invitation has already been used. Log in to reach the organisation.")
            }
            InvitationStatus::Revoked => Some(
                "This invitation was withdrawn. Ask the administrator who invited you if you \
                 still need access.",
            ),
        }
    }
}

/// The path, under Custos's base path, of the page where the invitation with `secret` is
/// answered: the link an administrator passes on (and, once e-mail exists, Custos sends).
pub fn invitation_path(secret: &str) -> String {
    format!("/invitations/{secret}")
}

#[cfg(test)]
mod invitation_tests {
    use super::*;
    use time::macros::datetime;

    fn invitation() -> Invitation {
        Invitation {
            id: uuid::Uuid::nil(),
            org_id: uuid::Uuid::nil(),
            email: "nina@acme.example".into(),
            role: Role::Staff,
            invited_by: uuid::Uuid::nil(),
            invited_by_name: "Ada".into(),
            created_at: datetime!(2026-11-01 10:00 UTC),
            expires_at: datetime!(2026-11-08 10:00 UTC),
            accepted_at: None,
            revoked_at: None,
        }
    }

    #[test]
    fn an_open_invitation_expires_and_final_states_stay_final() {
        let open = invitation();
        assert_eq!(
            open.status(datetime!(2026-11-08 09:59 UTC)),
            InvitationStatus::Pending
        );
        assert!(open.refusal(datetime!(2026-11-08 09:59 UTC)).is_none());
        assert_eq!(
            open.status(datetime!(2026-11-08 10:00 UTC)),
            InvitationStatus::Expired
        );
        let accepted = Invitation {
            accepted_at: Some(datetime!(2026-11-02 10:00 UTC)),
            ..invitation()
        };
        assert_eq!(
            accepted.status(datetime!(2026-12-01 00:00 UTC)),
            InvitationStatus::Accepted
        );
        let revoked = Invitation {
            revoked_at: Some(datetime!(2026-11-02 10:00 UTC)),
            ..invitation()
        };
        assert_eq!(
            revoked.status(datetime!(2026-11-03 00:00 UTC)),
            InvitationStatus::Revoked
        );
        assert!(revoked.refusal(datetime!(2026-11-03 00:00 UTC)).is_some());
    }

    #[test]
    fn invitations_are_named_by_address_and_role_in_the_audit_log() {
        let event = AuditEvent {
            id: uuid::Uuid::nil(),
            seq: 1,
            actor_id: None,
            actor: "x".into(),
            action: AuditAction::Create,
            record_type: "invitation".into(),
            record_id: "raw-id".into(),
            before: None,
            after: Some(serde_json::json!({ "email": "nina@acme.example", "role": "auditor" })),
            occurred_at: time::OffsetDateTime::UNIX_EPOCH,
            hash: String::new(),
        };
        assert_eq!(event.record_name(), "nina@acme.example as Auditor");
    }
}
