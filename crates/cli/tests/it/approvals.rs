//! Senior-management sign-off: submit, decide, immutability, segregation of duties.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::on_both_backends;
use crate::support::{TestApp, objective};

/// An organisation with a manager and an approver, and one submitted objective.
async fn submitted(
    app: &TestApp,
) -> (
    crate::support::Client,
    crate::support::Client,
    String,
    String,
) {
    app.member("acme", "maya@acme.example", Role::IsmsManager)
        .await;
    app.member("acme", "arthur@acme.example", Role::Approver)
        .await;
    let manager = app
        .api("acme", "maya@acme.example", TokenScope::ReadWrite)
        .await;
    let approver = app
        .api("acme", "arthur@acme.example", TokenScope::ReadWrite)
        .await;
    let (_, created) = manager
        .post_json("/api/v1/orgs/acme/objectives", &objective("Sign me off"))
        .await;
    let id = created["id"].as_str().expect("id").to_owned();
    let (status, approval) = manager
        .post_json(
            &format!("/api/v1/orgs/acme/objectives/{id}/submit"),
            &json!({ "version": 1, "note": "Ready" }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{approval}");
    assert_eq!(approval["status"], "pending");
    assert_eq!(approval["decider_role"], "approver");
    assert_eq!(approval["record_version"], 2);
    (
        manager,
        approver,
        id,
        approval["id"].as_str().expect("id").to_owned(),
    )
}

on_both_backends! {
    async fn an_approver_approves_a_submitted_objective_once(app) {
        let (manager, approver, objective_id, approval_id) = submitted(&app).await;
        let (_, pending) = manager.get_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}")).await;
        assert_eq!(pending["status"], "pending_approval");

        let (_, inbox) = approver.get_json("/api/v1/orgs/acme/approvals?mine=true").await;
        assert_eq!(inbox["total"], 1);
        assert_eq!(inbox["items"][0]["id"], approval_id.as_str());
        assert_eq!(manager.get_json("/api/v1/orgs/acme/approvals?mine=true").await.1["total"], 0, "the manager decides nothing");

        let decision = format!("/api/v1/orgs/acme/approvals/{approval_id}/decision");
        let (status, problem) = manager.post_json(&decision, &json!({ "decision": "approve" })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "only approvers decide: {problem}");
        let (status, decided) = approver.post_json(&decision, &json!({ "decision": "approve", "comment": "Agreed" })).await;
        assert_eq!(status, StatusCode::OK, "{decided}");
        assert_eq!(decided["status"], "approved");
        assert_eq!(decided["decision_comment"], "Agreed");
        assert!(decided["decided_by"].is_string() && decided["decided_at"].is_string());
        let (_, approved) = manager.get_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}")).await;
        assert_eq!(approved["status"], "approved");

        // The decision is final.
        let (status, problem) = approver.post_json(&decision, &json!({ "decision": "reject", "comment": "Changed my mind" })).await;
        assert_eq!(status, StatusCode::CONFLICT);
        assert!(problem["detail"].as_str().expect("detail").contains("cannot be changed"));
        let (_, after) = approver.get_json(&format!("/api/v1/orgs/acme/approvals/{approval_id}")).await;
        assert_eq!(after["status"], "approved");
        assert_eq!(approver.get_json("/api/v1/orgs/acme/approvals?mine=true").await.1["total"], 0);
    }
}

on_both_backends! {
    async fn a_rejection_needs_a_reason_and_sends_the_objective_back(app) {
        let (manager, approver, objective_id, approval_id) = submitted(&app).await;
        let decision = format!("/api/v1/orgs/acme/approvals/{approval_id}/decision");
        let (status, problem) = approver.post_json(&decision, &json!({ "decision": "reject" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(problem["errors"][0]["field"], "comment");
        let (status, _) = approver.post_json(&decision, &json!({ "decision": "perhaps" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(manager.get_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}")).await.1["status"], "pending_approval", "refused decisions change nothing");
        let (status, _) = approver.post_json(&decision, &json!({ "decision": "reject", "comment": "The target is not measurable" })).await;
        assert_eq!(status, StatusCode::OK);
        let (_, rejected) = manager.get_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}")).await;
        assert_eq!(rejected["status"], "rejected");
        // A rejected objective may be submitted again.
        let version = rejected["version"].as_i64().expect("version");
        let (status, _) = manager.post_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}/submit"), &json!({ "version": version })).await;
        assert_eq!(status, StatusCode::CREATED);
    }
}

on_both_backends! {
    async fn editing_a_submitted_objective_withdraws_the_request(app) {
        let (manager, approver, objective_id, approval_id) = submitted(&app).await;
        let mut change = objective("Sign me off, reworded");
        change["version"] = json!(2);
        let (status, edited) = manager.send_json(Method::PUT, &format!("/api/v1/orgs/acme/objectives/{objective_id}"), &change).await;
        assert_eq!(status, StatusCode::OK, "{edited}");
        assert_eq!(edited["status"], "draft");
        let (_, approval) = approver.get_json(&format!("/api/v1/orgs/acme/approvals/{approval_id}")).await;
        assert_eq!(approval["status"], "withdrawn");
        let (status, _) = approver.post_json(&format!("/api/v1/orgs/acme/approvals/{approval_id}/decision"), &json!({ "decision": "approve" })).await;
        assert_eq!(status, StatusCode::CONFLICT, "what was submitted is no longer the objective");
        // Submitting twice, or submitting a stale version, is refused.
        let (status, _) = manager.post_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}/submit"), &json!({ "version": 2 })).await;
        assert_eq!(status, StatusCode::CONFLICT);
        let (status, _) = manager.post_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}/submit"), &json!({ "version": 3 })).await;
        assert_eq!(status, StatusCode::CREATED);
        let (status, _) = manager.post_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}/submit"), &json!({ "version": 4 })).await;
        assert_eq!(status, StatusCode::CONFLICT, "already waiting for approval");
    }
}

on_both_backends! {
    async fn nobody_decides_on_their_own_request(app) {
        app.member("acme", "arthur@acme.example", Role::Approver).await;
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let manager = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let (_, created) = manager.post_json("/api/v1/orgs/acme/objectives", &objective("Self-approval")).await;
        let id = created["id"].as_str().expect("id");
        let (_, approval) = manager.post_json(&format!("/api/v1/orgs/acme/objectives/{id}/submit"), &json!({ "version": 1 })).await;
        // Maya is promoted to approver after submitting: she still may not decide her own request.
        app.member("acme", "maya@acme.example", Role::Approver).await;
        let (status, problem) = manager.post_json(&format!("/api/v1/orgs/acme/approvals/{}/decision", approval["id"].as_str().expect("id")), &json!({ "decision": "approve" })).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        assert!(problem["detail"].as_str().expect("detail").contains("own request"));
    }
}

on_both_backends! {
    async fn the_approval_pages_take_a_decision(app) {
        let (manager, _, objective_id, approval_id) = submitted(&app).await;
        let browser = app.browser("arthur@acme.example").await;
        let inbox = browser.get("/orgs/acme/approvals").await.text().await.expect("body");
        let csv = browser.get("/orgs/acme/approvals?status=pending&format=csv").await.text().await.expect("csv");
        assert_eq!(csv.lines().count(), 2, "header and the pending request: {csv}");
        assert!(csv.contains("Sign me off") && csv.contains("Waiting for approval"));
        assert!(inbox.contains("Waiting for approval from you") && inbox.contains("Sign me off"));
        let page = browser.get(&format!("/orgs/acme/approvals/{approval_id}")).await.text().await.expect("body");
        assert!(page.contains("value=\"approve\"") && page.contains("value=\"reject\""));
        let refused = browser.post_form(&format!("/orgs/acme/approvals/{approval_id}/decision"), &[("decision", "reject"), ("comment", ""), ("confirmed", "yes")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().await.expect("body").contains("Say why the request is rejected."));
        let approved = browser.post_form(&format!("/orgs/acme/approvals/{approval_id}/decision"), &[("decision", "approve"), ("comment", "Fine"), ("confirmed", "yes")]).await;
        assert_eq!(approved.status(), StatusCode::SEE_OTHER);
        assert_eq!(manager.get_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}")).await.1["status"], "approved");
        let again = browser.post_form(&format!("/orgs/acme/approvals/{approval_id}/decision"), &[("decision", "reject"), ("comment", "No"), ("confirmed", "yes")]).await;
        assert_eq!(again.status(), StatusCode::CONFLICT);
    }
}

on_both_backends! {
    async fn an_unticked_decision_on_the_page_is_refused_and_decides_nothing(app) {
        let (manager, _, objective_id, approval_id) = submitted(&app).await;
        let browser = app.browser("arthur@acme.example").await;
        let decision = format!("/orgs/acme/approvals/{approval_id}/decision");
        for (choice, comment) in [("approve", "Looks right"), ("reject", "Not measurable")] {
            let refused = browser.post_form(&decision, &[("decision", choice), ("comment", comment)]).await;
            assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY, "{choice} without the box ticked");
            let page = refused.text().await.expect("body");
            assert!(page.contains("The decision was not recorded"), "{page}");
            assert!(page.contains("Tick the box to confirm that you have read this version"), "{page}");
            assert!(page.contains("href=\"#confirmed\""), "the summary links to the box");
            assert!(page.contains("aria-invalid=\"true\" aria-describedby=\"confirmed-error\""), "the box is marked");
            assert!(page.contains(comment), "the comment typed is kept");
        }
        let (_, approval) = manager.get_json(&format!("/api/v1/orgs/acme/approvals/{approval_id}")).await;
        assert_eq!(approval["status"], "pending", "nothing decided");
        assert!(approval["decided_at"].is_null());
        let (_, objective) = manager.get_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}")).await;
        assert_eq!(objective["status"], "pending_approval");
        let ticked = browser.post_form(&decision, &[("decision", "approve"), ("comment", ""), ("confirmed", "yes")]).await;
        assert_eq!(ticked.status(), StatusCode::SEE_OTHER, "ticked, the same decision is recorded");
    }
}

on_both_backends! {
    async fn two_approvers_deciding_at_once_make_one_decision(app) {
        // Both approvers held the role before the request was made.
        app.member("acme", "beatrice@acme.example", Role::Approver).await;
        let (manager, approver, objective_id, approval_id) = submitted(&app).await;
        let second = app.api("acme", "beatrice@acme.example", TokenScope::ReadWrite).await;
        let decision = format!("/api/v1/orgs/acme/approvals/{approval_id}/decision");
        let approve = json!({ "decision": "approve" });
        let reject = json!({ "decision": "reject", "comment": "No" });
        let (first, other) = tokio::join!(approver.post_json(&decision, &approve), second.post_json(&decision, &reject));
        let mut statuses = [first.0, other.0];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::OK, StatusCode::CONFLICT]);
        let (_, objective) = manager.get_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}")).await;
        let (_, approval) = manager.get_json(&format!("/api/v1/orgs/acme/approvals/{approval_id}")).await;
        let expected = if approval["status"] == "approved" { "approved" } else { "rejected" };
        assert_eq!(objective["status"], expected, "the objective follows the one decision that was made");
        assert!(app.app.verify_audit_chains().await.expect("verify").iter().all(|r| r.broken.is_none()));
    }
}

on_both_backends! {
    async fn saving_an_unchanged_submitted_objective_keeps_its_request(app) {
        let (manager, approver, objective_id, approval_id) = submitted(&app).await;
        let browser = app.browser("maya@acme.example").await;
        let form = [("version", "2"), ("title", "Sign me off"), ("rationale", "Because the board asked for it"), ("category", "availability"), ("target", "99.9% monthly availability"), ("target_value", "99.9"), ("target_unit", "%"), ("due_date", "2027-06-30"), ("status", "pending_approval")];
        let saved = browser.post_form(&format!("/orgs/acme/objectives/{objective_id}"), &form).await;
        assert_eq!(saved.status(), StatusCode::SEE_OTHER);
        let (_, objective) = manager.get_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}")).await;
        assert_eq!(objective["version"], 2, "nothing changed, nothing saved");
        let (status, _) = approver.post_json(&format!("/api/v1/orgs/acme/approvals/{approval_id}/decision"), &json!({ "decision": "approve" })).await;
        assert_eq!(status, StatusCode::OK);
    }
}

on_both_backends! {
    async fn invalid_edits_and_submissions_change_nothing(app) {
        let (manager, _, objective_id, approval_id) = submitted(&app).await;
        let events = "/api/v1/orgs/acme/audit-events?limit=1";
        let before = manager.get_json(events).await.1["total"].as_u64().expect("total");
        let mut bad = objective("");
        bad["version"] = json!(2);
        let (status, _) = manager.send_json(Method::PUT, &format!("/api/v1/orgs/acme/objectives/{objective_id}"), &bad).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (status, _) = manager.post_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}/submit"), &json!({ "version": "two" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        let (_, objective) = manager.get_json(&format!("/api/v1/orgs/acme/objectives/{objective_id}")).await;
        assert_eq!(objective["title"], "Sign me off");
        assert_eq!(objective["version"], 2);
        let (_, approval) = manager.get_json(&format!("/api/v1/orgs/acme/approvals/{approval_id}")).await;
        assert_eq!(approval["status"], "pending");
        assert_eq!(manager.get_json(events).await.1["total"].as_u64(), Some(before), "no audit event for refused changes");
    }
}

on_both_backends! {
    /// An unknown status filter is refused by the API and by the page alike, never dropped.
    async fn an_unknown_status_filter_is_refused_on_the_page_and_in_the_api(app) {
        app.member("acme", "ada@acme.example", Role::Approver).await;
        let api = app.api("acme", "ada@acme.example", TokenScope::Read).await;
        let (status, problem) = api.get_json("/api/v1/orgs/acme/approvals?status=done").await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let message = problem["errors"][0]["message"].as_str().expect("message").to_owned();
        assert!(message.contains("pending, approved, rejected or withdrawn"), "{message}");
        let browser = app.browser("ada@acme.example").await;
        for path in ["/orgs/acme/approvals?status=done", "/orgs/acme/approvals?status=done&format=csv"] {
            let page = browser.get(path).await;
            assert_eq!(page.status(), StatusCode::UNPROCESSABLE_ENTITY, "{path}");
            let html = page.text().await.expect("html");
            assert!(html.contains("pending, approved, rejected or withdrawn"), "{path}");
        }
        assert_eq!(api.get_json("/api/v1/orgs/acme/approvals?status=pending").await.0, StatusCode::OK);
    }
}

on_both_backends! {
    async fn approved_and_later_statuses_come_only_through_an_approval(app) {
        let (manager, approver, objective_id, approval_id) = submitted(&app).await;
        let url = format!("/api/v1/orgs/acme/objectives/{objective_id}");
        // A new objective cannot start approved or achieved.
        for status in ["approved", "achieved", "not_achieved", "pending_approval"] {
            let mut body = objective("Skip the sign-off");
            body["status"] = json!(status);
            let (code, problem) = manager.post_json("/api/v1/orgs/acme/objectives", &body).await;
            assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{status}: {problem}");
            assert!(problem.to_string().contains("status"), "{problem}");
        }
        // A draft cannot be edited straight to achieved.
        let (_, draft) = manager.post_json("/api/v1/orgs/acme/objectives", &objective("Still a draft")).await;
        let mut body = objective("Still a draft");
        body["version"] = draft["version"].clone();
        body["status"] = json!("achieved");
        let (code, problem) = manager
            .send_json(Method::PUT, &format!("/api/v1/orgs/acme/objectives/{}", draft["id"].as_str().expect("id")), &body)
            .await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");

        // Once approved, and unchanged, the outcome may be recorded.
        let decision = format!("/api/v1/orgs/acme/approvals/{approval_id}/decision");
        let (code, _) = approver.post_json(&decision, &json!({ "decision": "approve" })).await;
        assert_eq!(code, StatusCode::OK);
        let (_, approved) = manager.get_json(&url).await;
        // Changing the content while claiming the outcome is refused: the change is unapproved.
        let mut changed = objective("Sign me off, differently");
        changed["version"] = approved["version"].clone();
        changed["status"] = json!("achieved");
        let (code, problem) = manager.send_json(Method::PUT, &url, &changed).await;
        assert_eq!(code, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        let mut achieved = objective("Sign me off");
        achieved["version"] = approved["version"].clone();
        achieved["status"] = json!("achieved");
        let (code, done) = manager.send_json(Method::PUT, &url, &achieved).await;
        assert_eq!(code, StatusCode::OK, "{done}");
        assert_eq!(done["status"], "achieved");
    }
}

/// The id of a member, from the members list.
async fn member_id(admin: &crate::support::Client, email: &str) -> String {
    let (_, members) = admin.get_json("/api/v1/orgs/acme/members").await;
    members
        .as_array()
        .or_else(|| members["items"].as_array())
        .expect("members")
        .iter()
        .find(|m| m["email"] == email)
        .and_then(|m| m["user_id"].as_str())
        .expect("member")
        .to_owned()
}

on_both_backends! {
    async fn a_requester_cannot_sign_off_through_a_role_they_gave_or_gave_late(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("acme", "sock@acme.example", Role::Contributor).await;
        app.member("acme", "late@acme.example", Role::Contributor).await;
        app.member("acme", "arthur@acme.example", Role::Approver).await;
        let admin = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        // Before asking, the administrator makes a second account an approver.
        let sock_id = member_id(&admin, "sock@acme.example").await;
        let (status, _) = admin.send_json(Method::PUT, &format!("/api/v1/orgs/acme/members/{sock_id}"), &json!({ "role": "approver" })).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, created) = admin.post_json("/api/v1/orgs/acme/objectives", &objective("Mine to sign")).await;
        let id = created["id"].as_str().expect("id");
        let (status, approval) = admin.post_json(&format!("/api/v1/orgs/acme/objectives/{id}/submit"), &json!({ "version": 1 })).await;
        assert_eq!(status, StatusCode::CREATED, "{approval}");
        let decision = format!("/api/v1/orgs/acme/approvals/{}/decision", approval["id"].as_str().expect("id"));

        let sock = app.api("acme", "sock@acme.example", TokenScope::ReadWrite).await;
        let (status, problem) = sock.post_json(&decision, &json!({ "decision": "approve" })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
        assert!(problem["detail"].as_str().expect("detail").contains("person who made this request"), "{problem}");

        // A role given after the request, even by someone else, does not decide it.
        app.app.grant_role("acme", "late@acme.example", Role::Approver, custos_app::now()).await.expect("grant");
        let late = app.api("acme", "late@acme.example", TokenScope::ReadWrite).await;
        let (status, problem) = late.post_json(&decision, &json!({ "decision": "approve" })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
        assert!(problem["detail"].as_str().expect("detail").contains("after this request"), "{problem}");

        // The other approvers see who was made an approver, and by whom.
        let arthur_home = app.browser("arthur@acme.example").await.get("/orgs/acme").await.text().await.expect("home");
        assert!(arthur_home.contains("sock@acme.example became approver (senior management), given by ada@acme.example"), "{arthur_home}");

        // An approver whose role predates the request, given by someone else, decides; the
        // decision shows who had given them the role, and when.
        let arthur = app.api("acme", "arthur@acme.example", TokenScope::ReadWrite).await;
        let (status, decided) = arthur.post_json(&decision, &json!({ "decision": "approve" })).await;
        assert_eq!(status, StatusCode::OK, "{decided}");
        assert!(decided["decider_role_granted_at"].is_string(), "{decided}");
        assert!(decided["decider_role_granted_by"].is_null(), "given from the command line: {decided}");
        assert!(decided["decided_at"].as_str() > decided["decider_role_granted_at"].as_str());
    }
}

on_both_backends! {
    /// The API refuses such accounts altogether; the page and the decision rule refuse too.
    async fn an_account_on_an_administrators_password_cannot_decide(app) {
        let (_, _, _, approval_id) = submitted(&app).await;
        // The approver's account is reset to a password an administrator chose.
        app.app.reset_password("arthur@acme.example", "an administrator's choice 1", custos_app::now()).await.expect("reset");
        let approver = app.api("acme", "arthur@acme.example", TokenScope::ReadWrite).await;
        let (status, problem) = approver.post_json(&format!("/api/v1/orgs/acme/approvals/{approval_id}/decision"), &json!({ "decision": "approve" })).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{problem}");
        assert!(problem["detail"].as_str().expect("detail").contains("own password"), "{problem}");
    }
}
