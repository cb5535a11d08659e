//! Organisations are created from the command line or, by instance administrators, from the
//! web; organisation administrators cannot create them.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::StatusCode;

use crate::invitations::{join_as_new, link_path};
use crate::on_both_backends;

on_both_backends! {
    async fn instance_administrators_create_organisations_from_the_web(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.member("acme", "cleo@acme.example", Role::Admin).await;
        app.raw_sql("UPDATE users SET instance_admin = TRUE WHERE email = 'ada@acme.example'").await;
        let ada = app.browser("ada@acme.example").await;
        let list = ada.get("/admin/organisations").await;
        assert_eq!(list.status(), StatusCode::OK);
        assert!(list.text().await.expect("body").contains("Organisation acme"));
        assert!(ada.get("/orgs/acme/").await.text().await.expect("body").contains("Organisations of this instance"), "in the user menu");

        // Organisation administrators are not instance administrators.
        let cleo = app.browser("cleo@acme.example").await;
        assert_eq!(cleo.get("/admin/organisations").await.status(), StatusCode::FORBIDDEN);
        let refused = cleo.post_form("/admin/organisations", &[("name", "Sneaky"), ("slug", "sneaky"), ("administrator", "me")]).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert!(!cleo.get("/orgs/acme/").await.text().await.expect("body").contains("Organisations of this instance"));

        let invalid = ada.post_form("/admin/organisations", &[("name", ""), ("slug", "Not A Slug"), ("administrator", "invite"), ("admin_email", "nope")]).await;
        assert_eq!(invalid.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let body = invalid.text().await.expect("body");
        assert!(body.contains("This field is required.") && body.contains("Use 2 to 40 lower-case letters") && body.contains("Enter an e-mail address"), "{body}");
        let taken = ada.post_form("/admin/organisations", &[("name", "Acme again"), ("slug", "acme"), ("administrator", "me")]).await;
        assert_eq!(taken.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(taken.text().await.expect("body").contains("Another organisation has this short name"));
        let organisations = app.app.list_organisations().await.expect("list");
        assert_eq!(organisations.len(), 1, "nothing created by refused attempts");

        // The founder becomes its administrator...
        let created = ada.post_form("/admin/organisations", &[("name", "Initech"), ("slug", "initech"), ("administrator", "me")]).await;
        assert_eq!(created.status(), StatusCode::SEE_OTHER);
        assert_eq!(created.headers()["location"], "/orgs/initech/?notice=org-created");
        assert_eq!(ada.get("/orgs/initech/members").await.status(), StatusCode::OK);

        // ...or invites one, who is its administrator once they accept.
        let invited = ada.post_form("/admin/organisations", &[("name", "Umbrella"), ("slug", "umbrella"), ("administrator", "invite"), ("admin_email", "una@umbrella.example")]).await;
        assert_eq!(invited.status(), StatusCode::OK);
        let body = invited.text().await.expect("body");
        let link = body.split("id=\"invitation-link\" class=\"mono\">").nth(1).and_then(|rest| rest.split('<').next()).expect("link shown").to_owned();
        assert_eq!(ada.get("/orgs/umbrella/").await.status(), StatusCode::NOT_FOUND, "the founder is not a member");
        let (una, joined) = join_as_new(&app, &link_path(&link), "Una").await;
        assert_eq!(joined.status(), StatusCode::SEE_OTHER);
        assert_eq!(una.get("/orgs/umbrella/members").await.status(), StatusCode::OK, "an administrator");

        // Each creation is in the new organisation's audit trail, made by the founder.
        let una_token = app.api("umbrella", "una@umbrella.example", TokenScope::Read).await;
        let (_, events) = una_token.get_json("/api/v1/orgs/umbrella/audit-events?record_type=organisation").await;
        assert_eq!(events["total"], 1);
        assert_eq!(events["items"][0]["actor"], "ada@acme.example <ada@acme.example>");
        for report in app.app.verify_audit_chains().await.expect("verify") {
            assert!(report.broken.is_none(), "{report:?}");
        }
    }
}
