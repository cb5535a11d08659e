//! People join an organisation by invitation: the administrator's answer never tells whether
//! an address has an account, nothing exists before the invitation is accepted, and a link
//! works once, until it expires or is revoked.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::on_both_backends;
use crate::support::{Client, TestApp};

const NEW_PASSWORD: &str = "nina's own passphrase";

/// The path of an invitation link (`/invitations/{secret}`), from its full URL.
pub fn link_path(link: &str) -> String {
    let at = link.find("/invitations/").expect("an invitation link");
    link[at..].to_owned()
}

/// Invites `email` to `slug` as `role` through the API as `admin`; returns the answer.
async fn invite(admin: &Client, slug: &str, email: &str, role: &str) -> Value {
    let (status, invited) = admin
        .post_json(
            &format!("/api/v1/orgs/{slug}/invitations"),
            &json!({ "email": email, "role": role }),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{invited}");
    invited
}

/// The number of rows in `table`, read outside Custos.
async fn count(app: &TestApp, table: &str) -> i64 {
    app.raw_count(&format!("SELECT COUNT(*) FROM {table}"))
        .await
}

/// Creates the account of someone new through an invitation link, as they would in a browser.
pub async fn join_as_new(app: &TestApp, path: &str, name: &str) -> (Client, reqwest::Response) {
    let nina = Client::anonymous(app);
    let response = nina
        .post_form(
            &format!("{path}/account"),
            &[
                ("name", name),
                ("password", NEW_PASSWORD),
                ("confirm_password", NEW_PASSWORD),
            ],
        )
        .await;
    (nina, response)
}

on_both_backends! {
    async fn the_answer_is_the_same_whether_or_not_the_address_has_an_account(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("globex", "cleo@globex.example", Role::Staff).await;
        let admin = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let users = count(&app, "users").await;
        let memberships = count(&app, "memberships").await;

        let existing = invite(&admin, "acme", "Cleo@Globex.example", "contributor").await;
        let unknown = invite(&admin, "acme", "nobody-yet@acme.example", "contributor").await;
        let keys = |v: &Value| v.as_object().expect("object").keys().cloned().collect::<Vec<_>>();
        assert_eq!(keys(&existing), keys(&unknown), "the same answer: {existing} / {unknown}");
        for (answer, email) in [(&existing, "cleo@globex.example"), (&unknown, "nobody-yet@acme.example")] {
            assert_eq!(answer["email"], email);
            assert_eq!(answer["status"], "pending");
            assert_eq!(answer["role"], "contributor");
            assert!(answer["link"].as_str().expect("link").starts_with(&format!("{}/invitations/", app.base_url)));
        }
        // Only the SHA-256 of the secret is stored.
        let secret = link_path(unknown["link"].as_str().expect("link")).replace("/invitations/", "");
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(secret.as_bytes()));
        let stored = |value: &str| format!("SELECT COUNT(*) FROM invitations WHERE secret_hash = '{value}' OR email = '{value}'");
        assert_eq!(app.raw_count(&stored(&secret)).await, 0, "the secret itself is not stored");
        assert_eq!(app.raw_count(&stored(&digest)).await, 1, "its digest is");
        // The members page answers alike too: the same message, but for the address and link.
        let browser = app.browser("ada@acme.example").await;
        let mut answers = Vec::new();
        for email in ["cleo@globex.example", "nobody-yet@acme.example"] {
            let page = browser.post_form("/orgs/acme/invitations", &[("email", email), ("role", "staff")]).await;
            assert_eq!(page.status(), StatusCode::OK);
            let body = page.text().await.expect("body");
            let answer = body.split("<div class=\"flash flash-success\" role=\"status\">").nth(1).and_then(|rest| rest.split("</div>").next()).expect("the answer").to_owned();
            let link = answer.split("id=\"invitation-link\" class=\"mono\">").nth(1).and_then(|rest| rest.split('<').next()).expect("the link is shown").to_owned();
            let answer = answer.replace(email, "ADDRESS").replace(&link, "LINK");
            answers.push(answer.chars().filter(|c| !c.is_ascii_digit()).collect::<String>());
        }
        assert_eq!(answers[0], answers[1], "the page tells nothing of the accounts");

        assert_eq!(count(&app, "users").await, users, "no account is created");
        assert_eq!(count(&app, "memberships").await, memberships, "nobody joins before accepting");
        assert!(app.app.find_user_by_email("nobody-yet@acme.example").await.is_err());
        let (_, members) = admin.get_json("/api/v1/orgs/acme/members").await;
        assert_eq!(members.as_array().map(Vec::len), Some(1));
        let (_, invitations) = admin.get_json("/api/v1/orgs/acme/invitations").await;
        assert_eq!(invitations.as_array().map(Vec::len), Some(2), "one invitation per address: {invitations}");
    }
}

on_both_backends! {
    async fn someone_new_creates_their_account_when_accepting_and_everything_is_audited(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        let ada = app.app.find_user_by_email("ada@acme.example").await.expect("ada").id.to_string();
        let admin = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let invited = invite(&admin, "acme", "nina@acme.example", "auditor").await;
        let path = link_path(invited["link"].as_str().expect("link"));

        let visitor = Client::anonymous(&app);
        let page = visitor.get(&path).await;
        assert_eq!(page.status(), StatusCode::OK);
        let body = page.text().await.expect("body");
        assert!(body.contains("Create your account") && body.contains("nina@acme.example") && body.contains("Auditor"), "{body}");

        // Bad input is refused field by field and creates nothing.
        let refused = visitor.post_form(&format!("{path}/account"), &[("name", ""), ("password", "short"), ("confirm_password", "short")]).await;
        assert_eq!(refused.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = refused.text().await.expect("body");
        assert!(body.contains("This field is required.") && body.contains("Use at least 12 characters."), "{body}");
        let mismatch = visitor.post_form(&format!("{path}/account"), &[("name", "Nina"), ("password", NEW_PASSWORD), ("confirm_password", "something else entirely")]).await;
        assert_eq!(mismatch.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(mismatch.text().await.expect("body").contains("The two passwords differ."));
        let valid = visitor.post_form(&format!("{path}/account"), &[("name", "Nina"), ("password", NEW_PASSWORD), ("confirm_password", NEW_PASSWORD)]).await;
        assert_eq!(valid.status(), StatusCode::SEE_OTHER, "the valid form goes through");
        assert_eq!(valid.headers()["location"], "/orgs/acme/?notice=joined");

        // The new account is logged in, a member with the invited role, and chose its password.
        assert_eq!(visitor.get("/orgs/acme/").await.status(), StatusCode::OK);
        let (_, me) = visitor.get_json("/api/v1/me").await;
        assert_eq!(me["memberships"][0]["role"], "auditor");
        assert_eq!(me["name"], "Nina");
        assert_eq!(Client::anonymous(&app).login("nina@acme.example", NEW_PASSWORD).await.status(), StatusCode::SEE_OTHER);
        let nina = app.app.find_user_by_email("nina@acme.example").await.expect("nina");
        assert!(!nina.must_change_password);

        let (_, events) = admin.get_json("/api/v1/orgs/acme/audit-events?limit=10").await;
        let events = events["items"].as_array().expect("items").clone();
        let membership = events.iter().find(|e| e["record_type"] == "membership").expect("membership event");
        assert_eq!(membership["action"], "create");
        assert_eq!(membership["actor_id"].as_str(), Some(ada.as_str()), "the inviter created the membership");
        assert_eq!(membership["after"]["invitation_id"], invited["id"]);
        let invitation_events: Vec<&str> = events.iter().filter(|e| e["record_type"] == "invitation").map(|e| e["action"].as_str().expect("action")).collect();
        assert_eq!(invitation_events, ["update", "create"], "created, then accepted");
        let accepted = events.iter().find(|e| e["record_type"] == "invitation" && e["action"] == "update").expect("accepted");
        assert_eq!(accepted["actor_id"].as_str(), Some(nina.id.to_string().as_str()));
        assert!(accepted["after"]["accepted_at"].is_string());
        assert!(!events.iter().any(|e| e.to_string().contains(&path.replace("/invitations/", ""))), "no secret in the audit trail");
        // The account itself is an instance event, and every chain still verifies.
        let user_events = app.raw_count(&format!("SELECT COUNT(*) FROM audit_events WHERE record_type = 'user' AND org_id IS NULL AND record_id = '{}'", nina.id)).await;
        assert_eq!(user_events, 1);
        for report in app.app.verify_audit_chains().await.expect("verify") {
            assert!(report.broken.is_none(), "{report:?}");
        }
    }
}

on_both_backends! {
    async fn an_invitation_link_works_once(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        let admin = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let invited = invite(&admin, "acme", "nina@acme.example", "staff").await;
        let path = link_path(invited["link"].as_str().expect("link"));
        let (_, joined) = join_as_new(&app, &path, "Nina").await;
        assert_eq!(joined.status(), StatusCode::SEE_OTHER);
        let users = count(&app, "users").await;

        let again = Client::anonymous(&app).get(&path).await;
        assert_eq!(again.status(), StatusCode::GONE);
        assert!(again.text().await.expect("body").contains("already been used"));
        let (_, second) = join_as_new(&app, &path, "Someone else").await;
        assert_eq!(second.status(), StatusCode::CONFLICT);
        assert_eq!(count(&app, "users").await, users, "no second account");
        let (_, invitations) = admin.get_json("/api/v1/orgs/acme/invitations").await;
        assert_eq!(invitations, json!([]), "an accepted invitation is no longer open");
        // Inviting a member again is refused: they are in the list already.
        let (status, problem) = admin.post_json("/api/v1/orgs/acme/invitations", &json!({ "email": "nina@acme.example", "role": "staff" })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(problem["errors"][0]["message"].as_str().expect("message").contains("already a member"));
    }
}

on_both_backends! {
    async fn two_people_accepting_one_link_at_once_make_one_account(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        let admin = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let invited = invite(&admin, "acme", "nina@acme.example", "staff").await;
        let path = link_path(invited["link"].as_str().expect("link"));
        let (first, second) = tokio::join!(join_as_new(&app, &path, "Nina One"), join_as_new(&app, &path, "Nina Two"));
        let mut statuses = [first.1.status(), second.1.status()];
        statuses.sort();
        assert_eq!(statuses, [StatusCode::SEE_OTHER, StatusCode::CONFLICT]);
        let (_, members) = admin.get_json("/api/v1/orgs/acme/members").await;
        assert_eq!(members.as_array().map(Vec::len), Some(2));
    }
}

on_both_backends! {
    async fn an_expired_invitation_is_refused_and_inviting_again_renews_it(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        let admin = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let invited = invite(&admin, "acme", "nina@acme.example", "staff").await;
        let old_path = link_path(invited["link"].as_str().expect("link"));
        assert_eq!(app.raw_sql("UPDATE invitations SET expires_at = created_at").await, 1);

        let page = Client::anonymous(&app).get(&old_path).await;
        assert_eq!(page.status(), StatusCode::GONE);
        assert!(page.text().await.expect("body").contains("This invitation has expired."));
        let (_, refused) = join_as_new(&app, &old_path, "Nina").await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        assert!(refused.text().await.expect("body").contains("expired"));
        assert!(app.app.find_user_by_email("nina@acme.example").await.is_err(), "nothing created");
        let (_, listed) = admin.get_json("/api/v1/orgs/acme/invitations").await;
        assert_eq!(listed[0]["status"], "expired");
        let page = app.browser("ada@acme.example").await.get("/orgs/acme/members").await.text().await.expect("body");
        assert!(page.contains("Expired"), "the members page says so");

        // Inviting again renews the one invitation with a new link; the old one is dead.
        let renewed = invite(&admin, "acme", "nina@acme.example", "contributor").await;
        assert_eq!(renewed["id"], invited["id"], "the same invitation, renewed");
        assert_eq!(renewed["status"], "pending");
        let (_, listed) = admin.get_json("/api/v1/orgs/acme/invitations").await;
        assert_eq!(listed.as_array().map(Vec::len), Some(1), "no duplicate: {listed}");
        assert_eq!(listed[0]["role"], "contributor");
        assert_eq!(Client::anonymous(&app).get(&old_path).await.status(), StatusCode::NOT_FOUND);
        let (nina, joined) = join_as_new(&app, &link_path(renewed["link"].as_str().expect("link")), "Nina").await;
        assert_eq!(joined.status(), StatusCode::SEE_OTHER);
        assert_eq!(nina.get_json("/api/v1/me").await.1["memberships"][0]["role"], "contributor");
        let (_, events) = admin.get_json("/api/v1/orgs/acme/audit-events?record_type=invitation").await;
        let actions: Vec<&str> = events["items"].as_array().expect("items").iter().map(|e| e["action"].as_str().expect("action")).collect();
        assert_eq!(actions, ["update", "update", "create"], "created, renewed, accepted");
    }
}

on_both_backends! {
    async fn a_revoked_invitation_is_refused(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        let admin = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let by_api = invite(&admin, "acme", "nina@acme.example", "staff").await;
        let path = link_path(by_api["link"].as_str().expect("link"));
        let id = by_api["id"].as_str().expect("id");
        let revoked = admin.http.delete(admin.url(&format!("/api/v1/orgs/acme/invitations/{id}"))).send().await.expect("delete");
        assert_eq!(revoked.status(), StatusCode::NO_CONTENT);
        let again = admin.http.delete(admin.url(&format!("/api/v1/orgs/acme/invitations/{id}"))).send().await.expect("delete");
        assert_eq!(again.status(), StatusCode::NOT_FOUND, "revoked once");
        let page = Client::anonymous(&app).get(&path).await;
        assert_eq!(page.status(), StatusCode::GONE);
        assert!(page.text().await.expect("body").contains("withdrawn"));
        let (_, refused) = join_as_new(&app, &path, "Nina").await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        assert!(app.app.find_user_by_email("nina@acme.example").await.is_err());

        // From the members page: asked first, then revoked.
        let browser = app.browser("ada@acme.example").await;
        let by_page = invite(&admin, "acme", "otto@acme.example", "staff").await;
        let revoke = format!("/orgs/acme/invitations/{}/revoke", by_page["id"].as_str().expect("id"));
        let asked = browser.post_form(&revoke, &[]).await;
        assert_eq!(asked.status(), StatusCode::OK);
        assert!(asked.text().await.expect("body").contains("Withdraw the invitation of otto@acme.example?"));
        assert_eq!(admin.get_json("/api/v1/orgs/acme/invitations").await.1.as_array().map(Vec::len), Some(1), "not yet");
        let done = browser.post_form_confirming(&revoke, &[]).await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        assert_eq!(done.headers()["location"], "/orgs/acme/members?notice=invitation-revoked");
        assert_eq!(admin.get_json("/api/v1/orgs/acme/invitations").await.1, json!([]));
        let gone = Client::anonymous(&app).get(&link_path(by_page["link"].as_str().expect("link"))).await;
        assert_eq!(gone.status(), StatusCode::GONE);
        assert_eq!(Client::anonymous(&app).get("/invitations/not-a-secret-at-all").await.status(), StatusCode::NOT_FOUND);
    }
}

on_both_backends! {
    async fn an_existing_user_accepts_from_their_own_account_and_nobody_else_can(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("acme", "bob@acme.example", Role::Staff).await;
        app.member("globex", "cleo@globex.example", Role::Staff).await;
        let admin = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let invited = invite(&admin, "acme", "cleo@globex.example", "contributor").await;
        let path = link_path(invited["link"].as_str().expect("link"));

        // Not logged in: log in first, and come back here.
        let page = Client::anonymous(&app).get(&path).await;
        assert_eq!(page.status(), StatusCode::OK);
        let body = page.text().await.expect("body");
        assert!(body.contains("Log in to accept"), "{body}");
        // The secret is URL-safe base64: only the slashes are encoded.
        let next = path.replace('/', "%2F");
        assert!(body.contains(&format!("/login?next={next}")), "the log-in leads back: {body}");
        let (_, refused) = join_as_new(&app, &path, "Not Cleo").await;
        assert_eq!(refused.status(), StatusCode::CONFLICT, "no second account for the address");

        // Someone else's session cannot accept it.
        let bob = app.browser("bob@acme.example").await;
        let shown = bob.get(&path).await;
        assert_eq!(shown.status(), StatusCode::FORBIDDEN);
        assert!(shown.text().await.expect("body").contains("This invitation is for cleo@globex.example, and you are logged in as bob@acme.example."));
        let accepted = bob.post_form(&format!("{path}/accept"), &[]).await;
        assert_eq!(accepted.status(), StatusCode::FORBIDDEN);
        assert_eq!(bob.post_form(&format!("{path}/account"), &[("name", "x"), ("password", NEW_PASSWORD), ("confirm_password", NEW_PASSWORD)]).await.status(), StatusCode::FORBIDDEN);
        let cleo = app.app.find_user_by_email("cleo@globex.example").await.expect("cleo");
        let (_, members) = admin.get_json("/api/v1/orgs/acme/members").await;
        assert!(!members.to_string().contains("cleo@globex.example"));
        // Accepting is web-only: a logged-out POST leads back to the page.
        let anonymous = Client::anonymous(&app).post_form(&format!("{path}/accept"), &[]).await;
        assert_eq!(anonymous.status(), StatusCode::OK);
        assert!(anonymous.text().await.expect("body").contains("Log in to accept"));

        // Cleo, logged in, accepts with one button.
        let browser = app.browser("cleo@globex.example").await;
        let body = browser.get(&path).await.text().await.expect("body");
        assert!(body.contains("Join Organisation acme"), "{body}");
        let joined = browser.post_form(&format!("{path}/accept"), &[]).await;
        assert_eq!(joined.status(), StatusCode::SEE_OTHER);
        assert_eq!(joined.headers()["location"], "/orgs/acme/?notice=joined");
        assert_eq!(browser.get("/orgs/acme/objectives").await.status(), StatusCode::OK);
        assert_eq!(browser.get("/orgs/globex/objectives").await.status(), StatusCode::OK, "still in globex");
        let (_, members) = admin.get_json("/api/v1/orgs/acme/members").await;
        let cleo_row = members.as_array().expect("members").iter().find(|m| m["user_id"] == cleo.id.to_string()).cloned().expect("cleo is a member");
        assert_eq!(cleo_row["role"], "contributor");
        assert_eq!(browser.post_form(&format!("{path}/accept"), &[]).await.status(), StatusCode::CONFLICT, "used once");
    }
}

on_both_backends! {
    async fn an_account_whose_password_someone_else_set_accepts_only_after_choosing_its_own(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("globex", "cleo@globex.example", Role::Staff).await;
        let admin = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let invited = invite(&admin, "acme", "cleo@globex.example", "contributor").await;
        let path = link_path(invited["link"].as_str().expect("link"));
        // Whoever reset the password knows it: its owner must replace it before going on.
        let reset = "a password an operator set";
        app.app.reset_password("cleo@globex.example", reset, custos_app::now()).await.expect("reset");
        let cleo = Client::anonymous(&app);
        let login = cleo.login("cleo@globex.example", reset).await;
        assert_eq!(login.headers()["location"], "/account?notice=must-change");
        assert_eq!(cleo.get("/orgs/globex/objectives").await.headers()["location"], "/account?notice=must-change");
        assert_eq!(cleo.get_json("/api/v1/me").await.0, StatusCode::FORBIDDEN);
        let refused = cleo.post_form(&format!("{path}/accept"), &[]).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert!(refused.text().await.expect("body").contains("Choose your own password"));

        let changed = cleo
            .post_form("/account/password", &[("current_password", reset), ("new_password", NEW_PASSWORD), ("confirm_password", NEW_PASSWORD)])
            .await;
        assert_eq!(changed.status(), StatusCode::SEE_OTHER);
        assert_eq!(cleo.post_form(&format!("{path}/accept"), &[]).await.status(), StatusCode::SEE_OTHER);
        assert_eq!(cleo.get("/orgs/acme/").await.status(), StatusCode::OK);
    }
}

on_both_backends! {
    async fn invitations_of_someone_who_can_no_longer_add_members_are_void(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("acme", "bob@acme.example", Role::Admin).await;
        let ada = app.api("acme", "ada@acme.example", TokenScope::ReadWrite).await;
        let invited = invite(&ada, "acme", "nina@acme.example", "admin").await;
        let ada_id = app.app.find_user_by_email("ada@acme.example").await.expect("ada").id;
        let bob = app.api("acme", "bob@acme.example", TokenScope::ReadWrite).await;
        let (status, _) = bob.send_json(reqwest::Method::PUT, &format!("/api/v1/orgs/acme/members/{ada_id}"), &json!({ "role": "staff" })).await;
        assert_eq!(status, StatusCode::NO_CONTENT);
        let (_, refused) = join_as_new(&app, &link_path(invited["link"].as_str().expect("link")), "Nina").await;
        assert_eq!(refused.status(), StatusCode::CONFLICT);
        assert!(refused.text().await.expect("body").contains("can no longer add members"));
        assert!(app.app.find_user_by_email("nina@acme.example").await.is_err(), "nothing created");
    }
}

on_both_backends! {
    async fn the_members_page_invites_and_shows_the_link_once(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        let browser = app.browser("ada@acme.example").await;
        let page = browser.post_form("/orgs/acme/invitations", &[("email", "Sam@Acme.example"), ("role", "staff")]).await;
        assert_eq!(page.status(), StatusCode::OK);
        let body = page.text().await.expect("body");
        let link = body.split("id=\"invitation-link\" class=\"mono\">").nth(1).and_then(|rest| rest.split('<').next()).expect("link shown").to_owned();
        assert!(link.starts_with(&format!("{}/invitations/", app.base_url)), "{link}");
        assert!(body.contains("sam@acme.example is invited as Staff member"), "{body}");
        let listing = browser.get("/orgs/acme/members").await.text().await.expect("body");
        assert!(listing.contains("sam@acme.example") && listing.contains("Revoke") && !listing.contains(&link), "listed, link not shown again");
        let form = listing.split("action=\"/orgs/acme/invitations\"").nth(1).expect("the invitation form");
        assert!(form.contains("<option value=\"staff\" selected>"), "the least privileged role is offered first: {form}");

        for (form, field) in [
            ([("email", "not an address"), ("role", "staff")], "Enter an e-mail address"),
            ([("email", "x@acme.example"), ("role", "root")], "Choose a role."),
            ([("email", "ada@acme.example"), ("role", "staff")], "already a member"),
        ] {
            let invalid = browser.post_form("/orgs/acme/invitations", &form).await;
            assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
            let body = invalid.text().await.expect("body");
            assert!(body.contains(field) && body.contains("Nobody was invited"), "{body}");
        }

        let (nina, joined) = join_as_new(&app, &link_path(&link), "Sam Staff").await;
        assert_eq!(joined.status(), StatusCode::SEE_OTHER);
        let home = nina.get("/orgs/acme/?notice=joined").await.text().await.expect("body");
        assert!(home.contains("Welcome: you are now a member."));
        let listing = browser.get("/orgs/acme/members").await.text().await.expect("body");
        assert!(listing.contains("Sam Staff") && listing.contains("No invitation is waiting"), "{listing}");
    }
}
