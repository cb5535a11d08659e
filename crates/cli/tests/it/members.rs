//! Administrators manage who belongs to the organisation (people join by invitation: see
//! invitations.rs).

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::on_both_backends;

on_both_backends! {
    async fn administrators_change_and_remove_members(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("acme", "cleo@globex.example", Role::Contributor).await;
        app.member("globex", "cleo@globex.example", Role::Staff).await;
        let admin = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let cleo = app.app.find_user_by_email("cleo@globex.example").await.expect("cleo").id;

        // People join by invitation only: the old way of adding them is gone.
        let (status, _) = admin.post_json("/api/v1/orgs/acme/members", &json!({ "email": "new@acme.example", "name": "New", "role": "staff" })).await;
        assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED);
        let (_, members) = admin.get_json("/api/v1/orgs/acme/members").await;
        assert_eq!(members.as_array().map(Vec::len), Some(2));

        let (status, _) = admin.send_json(Method::PUT, &format!("/api/v1/orgs/acme/members/{cleo}"), &json!({ "role": "isms_manager" })).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let cleo_token = app.api("acme", "cleo@globex.example", TokenScope::ReadWrite).await;
        assert_eq!(cleo_token.post_json("/api/v1/orgs/acme/objectives", &crate::support::objective("By Cleo")).await.0, StatusCode::CREATED);

        // Removing a member ends their access here, token included, and nowhere else.
        let removed = admin.http.delete(admin.url(&format!("/api/v1/orgs/acme/members/{cleo}"))).send().await.expect("delete");
        assert_eq!(removed.status(), StatusCode::NO_CONTENT);
        assert_eq!(cleo_token.get_json("/api/v1/orgs/acme/objectives").await.0, StatusCode::UNAUTHORIZED);
        let cleo_browser = app.browser("cleo@globex.example").await;
        assert_eq!(cleo_browser.get("/orgs/acme/objectives").await.status(), StatusCode::NOT_FOUND);
        assert_eq!(cleo_browser.get("/orgs/globex/objectives").await.status(), StatusCode::OK);

        // Every change is in the organisation's audit trail, with the role before and after.
        let (_, events) = admin.get_json("/api/v1/orgs/acme/audit-events?record_type=membership&limit=20").await;
        let actions: Vec<&str> = events["items"].as_array().expect("items").iter().map(|e| e["action"].as_str().expect("action")).collect();
        assert_eq!(&actions[..3], ["delete", "update", "create"]);
        assert_eq!(events["items"][1]["before"]["role"], "contributor");
        assert_eq!(events["items"][1]["after"]["role"], "isms_manager");
    }
}

on_both_backends! {
    async fn administrators_cannot_change_or_remove_themselves(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        let ada = app.app.find_user_by_email("ada@acme.example").await.expect("ada").id;
        let admin = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let (status, _) = admin.send_json(Method::PUT, &format!("/api/v1/orgs/acme/members/{ada}"), &json!({ "role": "staff" })).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
        let removed = admin.http.delete(admin.url(&format!("/api/v1/orgs/acme/members/{ada}"))).send().await.expect("delete");
        assert_eq!(removed.status(), StatusCode::FORBIDDEN);
        let (status, _) = admin.send_json(Method::PUT, &format!("/api/v1/orgs/acme/members/{}", uuid::Uuid::now_v7()), &json!({ "role": "staff" })).await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let (status, _) = admin.send_json(Method::PUT, &format!("/api/v1/orgs/acme/members/{ada}"), &json!({ "role": "superuser" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    }
}

on_both_backends! {
    async fn the_members_page_changes_roles_and_removes_members(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("acme", "sam@acme.example", Role::Staff).await;
        let browser = app.browser("ada@acme.example").await;
        let sam = app.app.find_user_by_email("sam@acme.example").await.expect("sam").id;
        let changed = browser.post_form(&format!("/orgs/acme/members/{sam}/role"), &[("role", "auditor")]).await;
        assert_eq!(changed.status(), StatusCode::SEE_OTHER);
        let removed = browser.post_form_confirming(&format!("/orgs/acme/members/{sam}/remove"), &[]).await;
        assert_eq!(removed.status(), StatusCode::SEE_OTHER);
        assert!(!browser.get("/orgs/acme/members").await.text().await.expect("body").contains("sam@acme.example"));
    }
}

on_both_backends! {
    async fn removing_a_member_from_the_page_asks_first_and_changes_nothing_until_confirmed(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("acme", "sam@acme.example", Role::Staff).await;
        let sam_token = app.api("acme", "sam@acme.example", TokenScope::Read).await;
        let sam = app.app.find_user_by_email("sam@acme.example").await.expect("sam").id;
        let browser = app.browser("ada@acme.example").await;
        let remove = format!("/orgs/acme/members/{sam}/remove");

        let asked = browser.post_form(&remove, &[]).await;
        assert_eq!(asked.status(), StatusCode::OK, "a page without JavaScript asks first");
        let page = asked.text().await.expect("body");
        assert!(page.contains("Remove sam@acme.example from"), "the question names the member: {page}");
        let (action, fields) = crate::support::confirmation_form(&page).expect("a confirmation form");
        assert!(action.ends_with(&remove), "confirming posts the same action: {action}");
        assert_eq!(fields, [("confirmed".to_owned(), "yes".to_owned())]);
        assert!(page.contains("href=\"/orgs/acme/members\">Cancel</a>"), "cancel leads back to the members");

        assert!(browser.get("/orgs/acme/members").await.text().await.expect("body").contains("sam@acme.example"), "still a member");
        assert_eq!(sam_token.get_json("/api/v1/orgs/acme/objectives").await.0, StatusCode::OK, "their token still works");
        let (_, events) = app.api("acme", "ada@acme.example", TokenScope::Read).await
            .get_json("/api/v1/orgs/acme/audit-events?record_type=membership&action=delete").await;
        assert_eq!(events["total"], 0, "nothing recorded");

        let nobody = format!("/orgs/acme/members/{}/remove", uuid::Uuid::now_v7());
        assert_eq!(browser.post_form(&nobody, &[]).await.status(), StatusCode::NOT_FOUND, "nobody to ask about");

        let removed = browser.post_form(&action, &[("confirmed", "yes")]).await;
        assert_eq!(removed.status(), StatusCode::SEE_OTHER);
        assert_eq!(sam_token.get_json("/api/v1/orgs/acme/objectives").await.0, StatusCode::UNAUTHORIZED);
    }
}

on_both_backends! {
    async fn two_administrators_removing_each_other_leave_one(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("acme", "bob@acme.example", Role::Admin).await;
        let ada = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let bob = app.api("acme", "bob@acme.example", TokenScope::ReadWrite).await;
        let ada_id = app.app.find_user_by_email("ada@acme.example").await.expect("ada").id;
        let bob_id = app.app.find_user_by_email("bob@acme.example").await.expect("bob").id;
        let demote = json!({ "role": "staff" });
        let (bob_path, ada_path) = (format!("/api/v1/orgs/acme/members/{bob_id}"), format!("/api/v1/orgs/acme/members/{ada_id}"));
        let (first, second) = tokio::join!(ada.send_json(Method::PUT, &bob_path, &demote), bob.send_json(Method::PUT, &ada_path, &demote));
        let mut statuses = [first.0, second.0];
        statuses.sort();
        assert_eq!(statuses[0], StatusCode::NO_CONTENT, "one demotion happens");
        assert_ne!(statuses[1], StatusCode::NO_CONTENT, "the other is refused");
        let admins = app.raw_sql("UPDATE memberships SET role = role WHERE role = 'admin'").await;
        assert_eq!(admins, 1, "exactly one administrator is left");
    }
}

on_both_backends! {
    async fn removing_a_member_records_the_revoked_tokens(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("acme", "sam@acme.example", Role::Staff).await;
        let sam_token = app.api("acme", "sam@acme.example", TokenScope::Read).await;
        let sam = app.app.find_user_by_email("sam@acme.example").await.expect("sam").id;
        let admin = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let removed = admin.http.delete(admin.url(&format!("/api/v1/orgs/acme/members/{sam}"))).send().await.expect("delete");
        assert_eq!(removed.status(), StatusCode::NO_CONTENT);
        assert_eq!(sam_token.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);
        let (_, events) = admin.get_json("/api/v1/orgs/acme/audit-events?record_type=api_token&action=update").await;
        assert_eq!(events["total"], 1);
        assert_eq!(events["items"][0]["after"]["reason"], "member removed");
    }
}
