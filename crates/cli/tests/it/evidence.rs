//! Evidence: links and files attached to controls, requirements and documents; files checked
//! by content, kept with their SHA-256 and hashed again before every download, so a file
//! altered in the store is refused.

use custos_app::controls::evidence::Upload;
use custos_app::domain::controls::evidence::{EvidenceInput, EvidenceTargets};
use custos_app::domain::platform::{Role, TokenScope};
use custos_app::{Administration, Settings};
use reqwest::StatusCode;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::on_both_backends;

const EVIDENCE: &str = "/api/v1/orgs/acme/evidence";

/// A small PDF: what its signature says it is.
const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

on_both_backends! {
    async fn evidence_is_attached_uploaded_checked_and_downloaded(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        app.member("acme", "stan@acme.example", Role::Staff).await;
        let manager = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let (_, control) = manager.post_json("/api/v1/orgs/acme/controls", &json!({ "title": "Restore tests" })).await;
        let (_, document) = manager.post_json("/api/v1/orgs/acme/documents", &json!({ "title": "Backup procedure", "kind": "procedure" })).await;

        // Attached to a control, a requirement and a document; dates checked.
        let (status, created) = manager.post_json(EVIDENCE, &json!({
            "title": "Restore test, third quarter", "collected_on": "2026-10-02",
            "effective_from": "2026-07-01", "effective_to": "2026-09-30", "expires_on": "2027-10-01",
            "control_ids": [control["id"]], "requirements": ["iso27001-2022:A.8.13"],
            "document_ids": [document["id"]],
        })).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        assert_eq!(created["reference"], "EVD-0001");
        assert_eq!(created["requirements"], json!(["iso27001-2022:A.8.13"]));
        assert_eq!(created["file"], serde_json::Value::Null);
        for (body, field) in [
            (json!({ "title": "Bad", "url": "javascript:alert(1)" }), "url"),
            (json!({ "title": "Bad", "effective_from": "2026-09-30", "effective_to": "2026-07-01" }), "effective_to"),
            (json!({ "title": "Bad", "control_ids": [uuid::Uuid::now_v7().to_string()] }), "control_ids"),
            (json!({ "title": "Bad", "requirements": ["iso27001-2022:A.8"] }), "requirements"),
        ] {
            let (status, refused) = manager.post_json(EVIDENCE, &body).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{refused}");
            assert!(refused.to_string().contains(field), "{field}: {refused}");
        }
        let (_, by_control) = manager.get_json(&format!("{EVIDENCE}?control_id={}", control["id"].as_str().expect("id"))).await;
        assert_eq!(by_control["items"].as_array().map(Vec::len), Some(1));
        let (_, by_requirement) = manager.get_json(&format!("{EVIDENCE}?requirement=iso27001-2022:A.8.13")).await;
        assert_eq!(by_requirement["items"].as_array().map(Vec::len), Some(1));

        // A PDF goes in and comes back byte for byte, with its SHA-256.
        let id = created["id"].as_str().expect("id").to_owned();
        let file = format!("{EVIDENCE}/{id}/file");
        let put = |body: Vec<u8>, content_type: &'static str, name: &'static str| {
            manager.http.put(manager.url(&format!("{file}?name={name}"))).header("content-type", content_type).body(body).send()
        };
        let response = put(PDF.to_vec(), "application/pdf", "restore%20q3.pdf").await.expect("upload");
        assert_eq!(response.status(), StatusCode::OK);
        let uploaded: serde_json::Value = response.json().await.expect("json");
        let sha = hex::encode(Sha256::digest(PDF));
        assert_eq!(uploaded["file"], json!({ "name": "restore q3.pdf", "content_type": "application/pdf", "size": PDF.len(), "sha256": sha }));
        let response = manager.http.get(manager.url(&file)).send().await.expect("download");
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()["x-content-sha256"], sha.as_str());
        let disposition = response.headers()[reqwest::header::CONTENT_DISPOSITION].to_str().expect("header").to_owned();
        assert!(disposition.starts_with("attachment;") && disposition.contains("restore%20q3.pdf"), "{disposition}");
        assert_eq!(response.bytes().await.expect("bytes").as_ref(), PDF);

        // What the content is decides, not the name or the declared type; size has a limit.
        let response = put(PDF.to_vec(), "image/png", "shot.png").await.expect("upload");
        assert_eq!(response.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(response.text().await.expect("text").contains("its content is PDF"));
        let program = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00".to_vec();
        assert_eq!(put(program, "application/octet-stream", "tool.pdf").await.expect("upload").status(), StatusCode::UNPROCESSABLE_ENTITY);
        let huge = vec![b'a'; custos_app::domain::files::FILE_MAX_BYTES + 1];
        assert_eq!(put(huge, "text/plain", "big.txt").await.expect("upload").status(), StatusCode::PAYLOAD_TOO_LARGE);
        let (_, still) = manager.get_json(&format!("{EVIDENCE}/{id}")).await;
        assert_eq!(still["file"]["sha256"], sha.as_str(), "refused uploads changed nothing");

        // Staff neither read nor upload evidence.
        let staff = app.api("acme", "stan@acme.example", TokenScope::ReadWrite).await;
        assert_eq!(staff.get_json(&file).await.0, StatusCode::FORBIDDEN);

        // From the pages: the item, its file and the download.
        let browser = app.browser("maya@acme.example").await;
        let page = browser.get(&format!("/orgs/acme/evidence/{id}")).await.text().await.expect("page");
        assert!(page.contains(&sha) && page.contains("Restore tests") && page.contains("Backup procedure"), "{page}");
        let form = reqwest::multipart::Form::new().part("file", reqwest::multipart::Part::bytes(b"date,result\n2026-12-31,restored\n".to_vec()).file_name("q4.csv").mime_str("text/csv").expect("mime"));
        let response = browser.http.post(browser.url(&format!("/orgs/acme/evidence/{id}/file"))).multipart(form).send().await.expect("upload");
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        let downloaded = browser.get(&format!("/orgs/acme/evidence/{id}/file")).await;
        assert_eq!(downloaded.headers()[reqwest::header::CONTENT_TYPE], "text/csv");
    }
}

on_both_backends! {
    async fn a_file_altered_in_the_store_is_not_served(app) {
        app.member("acme", "maya@acme.example", Role::IsmsManager).await;
        let directory = tempfile::tempdir().expect("directory");
        let settings = Settings {
            evidence_store: format!("file://{}", directory.path().display()),
            ..Settings::default()
        };
        let instance = Administration::connect(&app.database_url, settings).await.expect("instance");
        let ctx = app.org_context("acme", "maya@acme.example").await;
        let now = custos_app::now();
        let input = EvidenceInput { title: "Access review export".into(), ..EvidenceInput::default() };
        let created = instance.create_evidence(&ctx, &input, EvidenceTargets::default(), now).await.expect("created");
        let upload = Upload { name: "review.txt", declared_type: "text/plain", bytes: b"alice: kept\nbob: removed\n".to_vec() };
        let record = instance.upload_evidence_file(&ctx, created.evidence.id, upload, now).await.expect("uploaded");
        let sha = record.evidence.file.expect("file").sha256;
        let (_, bytes) = instance.evidence_file(&ctx, created.evidence.id).await.expect("read back");
        assert_eq!(bytes, b"alice: kept\nbob: removed\n");

        // Someone with access to the storage changes the file.
        let stored = directory.path().join("evidence").join(ctx.organisation().id.to_string()).join(&sha);
        assert!(stored.exists(), "kept under its hash: {}", stored.display());
        std::fs::write(&stored, b"alice: kept\nbob: kept\n").expect("tamper");
        let refused = instance.evidence_file(&ctx, created.evidence.id).await.expect_err("altered");
        assert!(refused.to_string().contains("no longer matches the SHA-256"), "{refused}");
        std::fs::remove_file(&stored).expect("remove");
        let missing = instance.evidence_file(&ctx, created.evidence.id).await.expect_err("missing");
        assert!(missing.to_string().contains("missing"), "{missing}");
    }
}
