//! The demo organisation: "Acme Ltd" with a member for every role and a few objectives at
//! different stages and an approved classification scheme, so every screen has something to
//! show.

use custos_domain::assets::classification::{ClassificationScheme, ClassificationSchemeInput};
use custos_domain::context::ObjectiveInput;
use custos_domain::controls::applied::{ControlInput, requirement_list};
use custos_domain::controls::soa::SOA_FRAMEWORK;
use custos_domain::governance::documents::{DocumentInput, VersionInput};
use custos_domain::platform::Role;
use custos_domain::risk::acceptance::AcceptanceInput;
use custos_domain::risk::method::{RiskMethod, Template};
use custos_domain::risk::register::RiskInput;
use custos_domain::risk::treatment::ActionInput;
use time::{Duration, OffsetDateTime};

use crate::controls::applied::ControlLinks;
use crate::{AppResult, Credential, Principal};

pub const DEMO_PASSWORD: &str = "demo-password";
pub const DEMO_ORG_SLUG: &str = "acme";

/// The demo log-ins: e-mail and role.
pub const DEMO_USERS: [(&str, &str, Role); 6] = [
    ("admin@acme.example", "Ada Admin", Role::Admin),
    ("manager@acme.example", "Maya Manager", Role::IsmsManager),
    ("approver@acme.example", "Arthur Approver", Role::Approver),
    (
        "contributor@acme.example",
        "Cleo Contributor",
        Role::Contributor,
    ),
    ("auditor@acme.example", "Aud Itor", Role::Auditor),
    ("staff@acme.example", "Sam Staff", Role::Staff),
];

/// A consultant who also works for a second organisation, to show the switcher.
pub const DEMO_CONSULTANT: &str = "consultant@acme.example";

/// The administrator of the second organisation only: someone to probe Acme's data from.
pub const DEMO_OUTSIDER: &str = "admin@globex.example";

/// Every demo log-in with what it is for, as the start-up message and the log-in page list them.
pub fn demo_logins() -> Vec<(&'static str, &'static str)> {
    let mut logins: Vec<_> = DEMO_USERS
        .iter()
        .map(|(email, _, role)| (*email, role.label()))
        .collect();
    logins.push((
        DEMO_CONSULTANT,
        "Contributor in Acme, ISMS manager in Globex",
    ));
    logins.push((DEMO_OUTSIDER, "Administrator of Globex only"));
    logins
}

impl crate::Administration {
    /// Seeds the demo organisation unless it exists. Runs under the setup lock so that two
    /// instances started together seed once.
    pub async fn seed_demo(&self, now: OffsetDateTime) -> AppResult<bool> {
        let lock = self.store.setup_lock().await?;
        let result = self.seed_demo_holding_lock(now).await;
        lock.release().await?;
        result
    }

    async fn seed_demo_holding_lock(&self, now: OffsetDateTime) -> AppResult<bool> {
        if self
            .list_organisations()
            .await?
            .iter()
            .any(|o| o.slug == DEMO_ORG_SLUG)
        {
            return Ok(false);
        }
        // The people joined a week before the objectives were written: a decider's role
        // must predate the requests they decide (segregation of duties).
        let set_up = now - time::Duration::days(7);
        self.ensure_organisation(DEMO_ORG_SLUG, "Acme Ltd", set_up)
            .await?;
        self.ensure_organisation("globex", "Globex Corporation", set_up)
            .await?;
        for (email, name, role) in DEMO_USERS {
            self.create_user(email, name, DEMO_PASSWORD, role == Role::Admin, set_up)
                .await?;
            self.grant_role(DEMO_ORG_SLUG, email, role, set_up).await?;
        }
        self.create_user(
            DEMO_CONSULTANT,
            "Connie Consultant",
            DEMO_PASSWORD,
            false,
            set_up,
        )
        .await?;
        self.grant_role(DEMO_ORG_SLUG, DEMO_CONSULTANT, Role::Contributor, set_up)
            .await?;
        self.grant_role("globex", DEMO_CONSULTANT, Role::IsmsManager, set_up)
            .await?;
        self.create_user(DEMO_OUTSIDER, "Gus Globex", DEMO_PASSWORD, false, set_up)
            .await?;
        self.grant_role("globex", DEMO_OUTSIDER, Role::Admin, set_up)
            .await?;

        let manager = self.find_user_by_email("manager@acme.example").await?;
        let approver = self.find_user_by_email("approver@acme.example").await?;
        let as_manager = self
            .org_context(
                &Principal {
                    user: manager.clone(),
                    credential: Credential::Cli,
                },
                DEMO_ORG_SLUG,
            )
            .await?;
        let as_approver = self
            .org_context(
                &Principal {
                    user: approver,
                    credential: Credential::Cli,
                },
                DEMO_ORG_SLUG,
            )
            .await?;
        let owner = manager.id.to_string();
        let objectives = [
            (
                "Keep the customer portal available",
                "Customers place and track orders through the portal; every hour of outage costs sales and trust.",
                "Measure monthly availability of the portal and fix the causes of each outage.",
                "Fewer lost orders; evidence of availability for enterprise customers.",
                "availability",
                "At least 99.9% monthly availability",
                "99.9",
                "%",
                "2027-06-30",
            ),
            (
                "Every employee completes security awareness training",
                "Most incidents we saw last year started with a phishing e-mail.",
                "Run induction and yearly refresher training with a short assessment.",
                "Staff recognise and report phishing; competence evidence for clause 7.2.",
                "awareness",
                "95% of staff trained and passed within the last 12 months",
                "95",
                "%",
                "2027-03-31",
            ),
            (
                "Treat every high risk within 90 days",
                "The board wants exposure above appetite to be short-lived.",
                "Agree a treatment plan for each high risk and follow it to completion.",
                "Lower residual risk; a visible, managed backlog.",
                "risk",
                "All high risks treated within 90 days of identification",
                "90",
                "days",
                "2027-12-31",
            ),
            (
                "Achieve ISO/IEC 27001 certification",
                "Two large prospects require certification in their tenders.",
                "Implement the ISMS, run an internal audit and a management review, then pass stage 1 and 2.",
                "Access to regulated customers; a structured security programme.",
                "business_alignment",
                "Certificate issued by an accredited body",
                "",
                "",
                "2027-09-30",
            ),
            (
                "Report personal-data breaches on time",
                "GDPR requires notifying the authority within 72 hours.",
                "Define the breach procedure and rehearse it twice a year.",
                "No fines for late notification; practised responders.",
                "compliance",
                "100% of notifiable breaches reported within 72 hours",
                "100",
                "%",
                "",
            ),
        ];
        let mut created = Vec::new();
        for (title, why, what, benefits, category, target, value, unit, due) in objectives {
            let input = ObjectiveInput {
                title: title.into(),
                rationale: why.into(),
                description: what.into(),
                benefits: benefits.into(),
                category: category.into(),
                target: target.into(),
                target_value: value.into(),
                target_unit: unit.into(),
                owner_id: owner.clone(),
                due_date: due.into(),
                status: String::new(),
            };
            created.push(self.create_objective(&as_manager, &input, now).await?);
        }
        // One approved, one waiting for the approver, the rest drafts.
        let approved = self
            .submit_objective(
                &as_manager,
                created[0].id,
                created[0].version,
                "Agreed with the operations lead.",
                now,
            )
            .await?;
        self.decide_approval(
            &as_approver,
            approved.id,
            "approve",
            "Good target; report monthly.",
            now,
        )
        .await?;
        self.submit_objective(
            &as_manager,
            created[1].id,
            created[1].version,
            "Ready for sign-off.",
            now,
        )
        .await?;
        // The built-in classification scheme, approved as version 1, so the tour shows a
        // scheme in force and its sign-off.
        let scheme = ClassificationSchemeInput::from(&ClassificationScheme::default_scheme());
        let draft = self
            .save_classification_draft(&as_manager, 0, &scheme, now)
            .await?;
        let request = self
            .submit_classification_draft(
                &as_manager,
                draft.version,
                Some(draft.revision),
                "The scheme we start from; we will adapt it after the first asset review.",
                now,
            )
            .await?;
        self.decide_approval(
            &as_approver,
            request.id,
            "approve",
            "Agreed. Review it within a year.",
            now,
        )
        .await?;
        let risks = self
            .seed_demo_risks(&as_manager, &as_approver, &owner, now)
            .await?;
        self.seed_demo_controls(&as_manager, &owner, &risks, now)
            .await?;
        self.seed_demo_documents(&as_manager, &as_approver, &owner, now)
            .await?;
        Ok(true)
    }

    /// The 5 × 5 method approved as version 1, a handful of rated risks from the catalogues,
    /// a treatment plan with one overdue action, and an acceptance waiting for the approver:
    /// enough for the tour's heat maps, trend, treatment figures and inbox.
    async fn seed_demo_risks(
        &self,
        as_manager: &crate::OrgContext,
        as_approver: &crate::OrgContext,
        owner: &str,
        now: OffsetDateTime,
    ) -> AppResult<Vec<uuid::Uuid>> {
        let mut method = RiskMethod::template(Template::FiveByFive);
        method.loss_appetite = Some(250_000);
        let draft = self
            .save_risk_method_draft(as_manager, 0, method, now)
            .await?;
        let request = self
            .submit_risk_method_draft(as_manager, draft.version, Some(draft.revision), "", now)
            .await?;
        self.decide_approval(as_approver, request.id, "approve", "Agreed.", now)
            .await?;
        let threats = self.threats(as_manager).await?;
        let threat = |reference: &str| {
            threats
                .iter()
                .find(|t| t.reference == reference)
                .map_or_else(String::new, |t| t.id.to_string())
        };
        let risks: [DemoRisk; 5] = [
            (
                "Ransomware encrypts the file servers",
                "TH-HD-02",
                3,
                5,
                Some((2, 4)),
                "in_treatment",
                "modify",
                ["0.1", "0.3", "0.6", "80000", "250000", "900000"],
            ),
            (
                "Staff credentials phished for the mail service",
                "TH-HD-01",
                4,
                3,
                Some((3, 2)),
                "treatment_planned",
                "modify",
                ["1", "2", "6", "2000", "8000", "40000"],
            ),
            (
                "Laptop with customer data lost on a trip",
                "",
                4,
                3,
                None,
                "assessed",
                "",
                ["0.5", "1", "3", "1000", "5000", "60000"],
            ),
            (
                "Cloud provider region outage stops the portal",
                "",
                2,
                4,
                None,
                "assessed",
                "",
                ["", "", "", "", "", ""],
            ),
            (
                "Office flood damages the server room",
                "",
                1,
                4,
                None,
                "identified",
                "",
                ["", "", "", "", "", ""],
            ),
        ];
        let mut created = Vec::new();
        for (title, threat_ref, l, i, residual, status, treatment, estimate) in risks {
            let rated = status != "identified";
            let input = RiskInput {
                title: title.into(),
                threat_id: threat(threat_ref),
                confidentiality: "on".into(),
                availability: "on".into(),
                owner_id: owner.to_owned(),
                inherent_likelihood: if rated { l.to_string() } else { String::new() },
                inherent_impact: if rated { i.to_string() } else { String::new() },
                residual_likelihood: residual.map(|r| r.0.to_string()).unwrap_or_default(),
                residual_impact: residual.map(|r| r.1.to_string()).unwrap_or_default(),
                treatment: treatment.into(),
                status: status.into(),
                annual_rate_low: estimate[0].into(),
                annual_rate_likely: estimate[1].into(),
                annual_rate_high: estimate[2].into(),
                single_loss_low: estimate[3].into(),
                single_loss_likely: estimate[4].into(),
                single_loss_high: estimate[5].into(),
                ..RiskInput::default()
            };
            created.push(self.create_risk(as_manager, &input, &[], now).await?);
        }
        let today = now.date();
        for (title, due, status) in [
            (
                "Offline, tested backups of the file servers",
                today + Duration::days(30),
                "in_progress",
            ),
            (
                "Block macros in documents from the internet",
                today - Duration::days(10),
                "planned",
            ),
        ] {
            let action = ActionInput {
                title: title.into(),
                owner_id: owner.to_owned(),
                due_on: due.to_string(),
                status: status.into(),
                cost: "4000".into(),
                ..ActionInput::default()
            };
            self.add_risk_action(as_manager, created[0].risk.id, &action, now)
                .await?;
        }
        let acceptance = AcceptanceInput {
            justification: "Laptops are encrypted and access is revoked within the hour; more \
                            would cost more than the exposure."
                .into(),
            expires_on: (today + Duration::days(365)).to_string(),
        };
        let laptop = &created[2].risk;
        self.request_risk_acceptance(as_manager, laptop.id, laptop.version, &acceptance, now)
            .await?;
        Ok(created.iter().map(|r| r.risk.id).collect())
    }

    /// The information security policy, approved, and a procedure still in draft.
    async fn seed_demo_documents(
        &self,
        as_manager: &crate::OrgContext,
        as_approver: &crate::OrgContext,
        owner: &str,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        let policy = DocumentInput {
            title: "Information security policy".into(),
            kind: "policy".into(),
            purpose: "The commitments of the management board, for everyone at Acme.".into(),
            owner_id: owner.to_owned(),
            review_months: "12".into(),
            security_policy: "on".into(),
        };
        let text = VersionInput {
            body: DEMO_POLICY.into(),
            change_note: "First issue".into(),
        };
        let created = self
            .create_document(as_manager, &policy, &text, now)
            .await?;
        let version = self.document_version(as_manager, created.id, 1).await?;
        let request = self
            .submit_document_version(as_manager, created.id, 1, version.version, "", now)
            .await?;
        self.decide_approval(
            as_approver,
            request.id,
            "approve",
            "Agreed by the board.",
            now,
        )
        .await?;
        let procedure = DocumentInput {
            title: "Backup and restore procedure".into(),
            kind: "procedure".into(),
            owner_id: owner.to_owned(),
            review_months: "12".into(),
            ..DocumentInput::default()
        };
        let text = VersionInput {
            body: "# Backups\n\nEvery night, encrypted, to the second site. Restores are tested \
                   every quarter and the result is recorded."
                .into(),
            change_note: "First draft".into(),
        };
        self.create_document(as_manager, &procedure, &text, now)
            .await?;
        Ok(())
    }

    /// A few applied controls meeting Annex A controls (and through the mappings, SOC 2
    /// criteria), treating the demo risks: enough for the coverage views and the statuses the
    /// Statement of Applicability derives.
    async fn seed_demo_controls(
        &self,
        as_manager: &crate::OrgContext,
        owner: &str,
        risks: &[uuid::Uuid],
        now: OffsetDateTime,
    ) -> AppResult<()> {
        let controls: [DemoControl; 5] = [
            (
                "Nightly encrypted backups, restore tested every quarter",
                "implemented",
                "2026-02-01",
                &["A.8.13", "soc2-2017:A1.2"],
                &[0],
            ),
            (
                "Multi-factor sign-in for every account",
                "implemented",
                "2026-03-15",
                &["A.8.5", "A.5.17"],
                &[1],
            ),
            (
                "Full-disk encryption on laptops",
                "in_progress",
                "",
                &["A.8.1", "A.8.24"],
                &[2],
            ),
            (
                "Phishing awareness sessions for all staff",
                "planned",
                "",
                &["A.6.3"],
                &[1],
            ),
            (
                "Capacity dashboards with alerts",
                "implemented",
                "2026-01-10",
                &["A.8.6"],
                &[3],
            ),
        ];
        for (title, status, implemented_on, requirements, treats) in controls {
            let input = ControlInput {
                title: title.into(),
                owner_id: owner.to_owned(),
                status: status.into(),
                implemented_on: implemented_on.into(),
                ..ControlInput::default()
            };
            let links = ControlLinks {
                requirements: requirement_list(&requirements.join(", "), SOA_FRAMEWORK)?,
                risk_ids: treats
                    .iter()
                    .filter_map(|i| risks.get(*i).copied())
                    .collect(),
            };
            self.create_control(as_manager, &input, &links, now).await?;
        }
        Ok(())
    }
}

const DEMO_POLICY: &str = "\
# Information security policy

Acme protects the information customers, staff and partners entrust to it, and the services
that depend on it.

## What we commit to

- Information is classified, and handled according to its class.
- Access is given for a need, reviewed every quarter and removed on the day someone leaves.
- Risks are assessed with the approved risk method and treated within their timeframe.
- Incidents are reported at once, to security@acme.example, by anyone who sees one.
- Everyone completes awareness training when they join and every year after.

## Who does what

The ISMS manager runs the ISMS and reports to the management board every quarter. Every
asset, risk and control has an owner who keeps it current.

This policy is reviewed every year and whenever the business changes.
";

/// A demo control: title, status, implementation date, the requirements it satisfies (bare ids
/// are ISO/IEC 27001:2022's) and the demo risks it treats, by position.
type DemoControl<'a> = (&'a str, &'a str, &'a str, &'a [&'a str], &'a [usize]);

/// A demo risk: title, threat reference, inherent likelihood and impact, residual estimates,
/// status, treatment option, and the quantitative estimate (rates then losses, low to high).
type DemoRisk<'a> = (
    &'a str,
    &'a str,
    u8,
    u8,
    Option<(u8, u8)>,
    &'a str,
    &'a str,
    [&'a str; 6],
);
