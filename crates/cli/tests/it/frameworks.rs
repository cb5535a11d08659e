//! The framework libraries Custos ships: loaded when the database is set up, readable by
//! every member, upgraded in place when a newer version ships.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::StatusCode;
use serde_json::Value;

use custos_app::controls::library::{ImportOptions, MissingDependencies, WrittenLibrary};

use crate::on_both_backends;
use crate::support::TestApp;

const FRAMEWORKS: &str = "/api/v1/orgs/acme/frameworks";

fn summary<'a>(frameworks: &'a Value, id: &str) -> &'a Value {
    frameworks
        .as_array()
        .and_then(|all| all.iter().find(|f| f["id"] == id))
        .unwrap_or_else(|| panic!("{id} in {frameworks}"))
}

fn requirement<'a>(framework: &'a Value, id: &str) -> &'a Value {
    framework["requirements"]
        .as_array()
        .and_then(|all| all.iter().find(|r| r["id"] == id))
        .unwrap_or_else(|| panic!("{id} in {}", framework["id"]))
}

on_both_backends! {
    async fn the_shipped_frameworks_are_there_for_every_member_to_read(app) {
        app.member("acme", "stan@acme.example", Role::Staff).await;
        let staff = app.api("acme", "stan@acme.example", TokenScope::Read).await;
        let (status, frameworks) = staff.get_json(FRAMEWORKS).await;
        assert_eq!(status, StatusCode::OK, "{frameworks}");
        // Assessable: ISO/IEC 27001:2022's 31 clause requirements and 93 controls, SOC 2's 61
        // criteria, CSF 2.0's 106 subcategories, the 114 controls of 2013.
        for (id, assessable) in [("iso27001-2022", 124), ("soc2-2017", 61), ("nist-csf-2.0", 106), ("iso27001-2013", 114)] {
            let framework = summary(&frameworks, id);
            assert_eq!(framework["assessable"], assessable, "{framework}");
            assert_eq!((framework["origin"].as_str(), framework["withdrawn"].as_i64()), (Some("shipped"), Some(0)));
        }
        assert_eq!(summary(&frameworks, "iso27001-2022")["info"]["reference"], "ISO/IEC 27001:2022");

        let (status, iso) = staff.get_json(&format!("{FRAMEWORKS}/iso27001-2022")).await;
        assert_eq!(status, StatusCode::OK);
        let policies = requirement(&iso, "A.5.1");
        assert_eq!(policies["title"], "Policies for information security");
        assert_eq!(policies["parent"], "A.5");
        assert_eq!(policies["tags"], serde_json::json!(["annex-a", "organizational"]));
        assert!(!policies["guidance"].as_str().unwrap_or("").is_empty());
        assert_eq!(requirement(&iso, "A.5")["assessable"], false);
        assert_eq!(iso["attributes"].as_array().map(Vec::len), Some(5));
        let order: Vec<&str> = iso["requirements"].as_array().expect("list").iter().filter_map(|r| r["id"].as_str()).collect();
        let position = |id: &str| order.iter().position(|r| *r == id).unwrap_or_else(|| panic!("{id}"));
        assert!(position("4.1") < position("A.5.1") && position("A.5.1") < position("A.5.2") && position("A.5.37") < position("A.6.1"));

        // A.5.1 came from two 2013 controls and helps meet SOC 2 criteria.
        let (_, mappings) = staff.get_json(&format!("{FRAMEWORKS}/iso27001-2022/requirements/A.5.1/mappings")).await;
        let mappings = mappings.as_array().expect("list");
        let from_2013: Vec<&str> = mappings.iter().filter(|m| m["source_framework"] == "iso27001-2013").filter_map(|m| m["source"].as_str()).collect();
        assert_eq!(from_2013, ["A.5.1.1", "A.5.1.2"]);
        assert!(mappings.iter().any(|m| m["target_framework"] == "soc2-2017"), "{mappings:?}");
        let (_, sets) = staff.get_json("/api/v1/orgs/acme/mapping-sets").await;
        assert_eq!(sets.as_array().map(Vec::len), Some(2), "{sets}");

        assert_eq!(staff.get_json(&format!("{FRAMEWORKS}/no-such-framework")).await.0, StatusCode::NOT_FOUND);
        app.member("globex", "gina@globex.example", Role::Admin).await;
        let outsider = app.api("globex", "gina@globex.example", TokenScope::Read).await;
        assert_eq!(outsider.get_json(FRAMEWORKS).await.0, StatusCode::NOT_FOUND, "acme is not hers");
    }
}

const TINY: &str = r#"
library: framework
id: tiny
version: 1
framework:
  ref: Tiny 1
  name: A tiny framework
  edition: "1"
  publisher: Us
  licence: Ours.
requirements:
  - id: "1"
    title: Heading
    assessable: false
  - id: "1.1"
    parent: "1"
    title: First
    guidance: Do the first thing.
  - id: "1.2"
    parent: "1"
    title: Second
"#;

const TINY_TO_SOC: &str = r#"
library: mapping
id: tiny-to-soc2
version: 1
source: tiny
target: soc2-2017
mappings:
  - source: "1.1"
    target: CC6.1
    relationship: intersect
"#;

on_both_backends! {
    async fn an_imported_library_replaces_an_older_version_in_place_and_keeps_what_it_drops(app) {
        let imported = app.app.import_library(TINY, &ImportOptions::default(), custos_app::now()).await.expect("import");
        assert_eq!(imported.written, [WrittenLibrary { id: "tiny".into(), kind: "framework", version: 1, replaced: None }]);
        app.app.import_library(TINY_TO_SOC, &ImportOptions::default(), custos_app::now()).await.expect("mapping");
        // Version 2 renames 1.1 and drops 1.2.
        let second = TINY.replace("version: 1", "version: 2").replace("title: First", "title: First, renamed");
        let second = second.split("  - id: \"1.2\"").next().expect("cut").to_owned();
        let imported = app.app.import_library(&second, &ImportOptions::default(), custos_app::now()).await.expect("upgrade");
        assert_eq!((imported.written[0].version, imported.written[0].replaced), (2, Some(1)));

        let admin = admin_api(&app).await;
        let (_, tiny) = admin.get_json(&format!("{FRAMEWORKS}/tiny")).await;
        assert_eq!(requirement(&tiny, "1.1")["title"], "First, renamed");
        let dropped = requirement(&tiny, "1.2");
        assert_eq!((dropped["withdrawn"].as_bool(), dropped["title"].as_str()), (Some(true), Some("Second")), "kept, marked withdrawn");
        let (_, mappings) = admin.get_json(&format!("{FRAMEWORKS}/tiny/requirements/1.1/mappings")).await;
        assert_eq!(mappings[0]["target"], "CC6.1", "the mapping still stands: {mappings}");

        // The same version again, a mapping naming what is not there, a framework not loaded,
        // a broken file: each refused, saying why, nothing written.
        let again = app.app.import_library(&second, &ImportOptions::default(), custos_app::now()).await.expect_err("same version");
        assert!(again.to_string().contains("Version 2 of tiny is already loaded"), "{again}");
        let unknown = TINY_TO_SOC.replace("version: 1", "version: 2").replace("target: CC6.1", "target: CC6.99");
        let refused = app.app.import_library(&unknown, &ImportOptions::default(), custos_app::now()).await.expect_err("unknown id");
        assert!(refused.to_string().contains("CC6.99 is not in soc2-2017"), "{refused}");
        let missing = TINY_TO_SOC.replace("version: 1", "version: 3").replace("target: soc2-2017", "target: pci-dss-4");
        let refused = app.app.import_library(&missing, &ImportOptions::default(), custos_app::now()).await.expect_err("not loaded");
        assert!(refused.to_string().contains("pci-dss-4 is not loaded"), "{refused}");
        let broken = app.app.import_library("library: framework\nid: x\n", &ImportOptions::default(), custos_app::now()).await.expect_err("broken");
        assert!(!broken.to_string().is_empty());
        let (_, sets) = admin.get_json("/api/v1/orgs/acme/mapping-sets").await;
        assert_eq!(sets.as_array().map(Vec::len), Some(3), "the shipped two and tiny's: {sets}");

        // Each import is in the instance's audit trail.
        let imports = app.raw_count("SELECT COUNT(*) FROM audit_events WHERE record_type = 'library' AND org_id IS NULL").await;
        assert_eq!(imports, 3);
    }
}

on_both_backends! {
    async fn a_shipped_library_missing_from_the_database_is_loaded_at_the_next_start(app) {
        app.raw_sql("DELETE FROM requirement_mappings WHERE mapping_set_id = 'iso27001-2022-to-soc2-2017'").await;
        app.raw_sql("DELETE FROM mapping_sets WHERE id = 'iso27001-2022-to-soc2-2017'").await;
        app.raw_sql("UPDATE requirements SET title = 'Changed by hand' WHERE framework_id = 'soc2-2017' AND id = 'CC6.1'").await;
        app.app.migrate().await.expect("start again");
        let admin = admin_api(&app).await;
        let (_, sets) = admin.get_json("/api/v1/orgs/acme/mapping-sets").await;
        assert_eq!(sets.as_array().map(Vec::len), Some(2), "{sets}");
        // What is stored at the shipped version is left as it is.
        let (_, soc) = admin.get_json(&format!("{FRAMEWORKS}/soc2-2017")).await;
        assert_eq!(requirement(&soc, "CC6.1")["title"], "Changed by hand");
    }
}

async fn admin_api(app: &TestApp) -> crate::support::Client {
    app.member("acme", "ada@acme.example", Role::Admin).await;
    app.api("acme", "ada@acme.example", TokenScope::Read).await
}

on_both_backends! {
    async fn the_pages_show_the_frameworks_a_requirement_and_where_it_maps(app) {
        app.member("acme", "stan@acme.example", Role::Staff).await;
        let browser = app.browser("stan@acme.example").await;
        let list = browser.get("/orgs/acme/frameworks").await.text().await.expect("page");
        assert!(list.contains("ISO/IEC 27001:2022") && list.contains("NIST Cybersecurity Framework 2.0"), "{list}");
        assert!(list.contains("href=\"/orgs/acme/frameworks/iso27001-2022\""), "{list}");

        let iso = browser.get("/orgs/acme/frameworks/iso27001-2022").await.text().await.expect("page");
        assert!(iso.contains("Threat intelligence") && iso.contains("Control type"), "the controls and the attribute fields");
        assert!(iso.contains("href=\"/orgs/acme/frameworks/iso27001-2022/requirements/A.5.7\""));

        let response = browser.get("/orgs/acme/frameworks/iso27001-2022/requirements/A.5.1").await;
        assert_eq!(response.status(), StatusCode::OK);
        let page = response.text().await.expect("page");
        assert!(page.contains("Policies for information security") && page.contains("Guidance"), "{page}");
        assert!(page.contains("A.5.1.1") && page.contains("soc2-2017"), "where it came from and where it maps: {page}");

        for missing in ["/orgs/acme/frameworks/nope", "/orgs/acme/frameworks/iso27001-2022/requirements/A.9.9"] {
            assert_eq!(browser.get(missing).await.status(), StatusCode::NOT_FOUND, "{missing}");
        }
        // Markup in a library's text is shown as text.
        let hostile = TINY.replace("title: First", "title: \"<script>alert(1)</script>\"");
        app.app.import_library(&hostile, &ImportOptions::default(), custos_app::now()).await.expect("import");
        let tiny = browser.get("/orgs/acme/frameworks/tiny").await.text().await.expect("page");
        let shown = tiny.find("alert(1)").map(|at| tiny[at.saturating_sub(30)..at + 30].to_owned());
        assert!(!tiny.contains("<script>alert(1)</script>") && tiny.contains("&#60;script&#62;"), "escaped: {shown:?}");
    }
}

/// A file of the shared fixtures (`ciso-assistant/...`, `oscal/...`), read where it lies;
/// `None` (the test says why) when the folder is absent.
fn shared_fixture(path: &str) -> Option<String> {
    let path = format!(
        "{}/../../../shared/fixtures/{path}",
        env!("CARGO_MANIFEST_DIR")
    );
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(_) => {
            eprintln!(
                "SKIPPED: {path} is absent (the shared fixtures folder is not next to the repository)"
            );
            None
        }
    }
}

on_both_backends! {
    async fn ciso_assistant_libraries_import_once_their_dependencies_are_loaded(app) {
        let (Some(nist), Some(iso), Some(mapping)) = (
            shared_fixture("ciso-assistant/nist-csf-2.0.yaml"),
            shared_fixture("ciso-assistant/iso27001-2022.yaml"),
            shared_fixture("ciso-assistant/mapping-nist-csf-2.0-to-iso27001-2022.yaml"),
        ) else {
            return;
        };
        let now = custos_app::now();
        let skip = ImportOptions { missing: MissingDependencies::Skip, ..ImportOptions::default() };
        // The ISO/IEC 27001 library needs a library of policies that is not there: named,
        // and nothing written.
        let refused = app.app.import_library(&iso, &ImportOptions::default(), now).await.expect_err("missing dependency");
        assert!(refused.to_string().contains("needs the library urn:intuitem:risk:library:doc-pol, which is not loaded"), "{refused}");
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM frameworks WHERE id LIKE 'intuitem.%'").await, 0);
        // The mapping needs both frameworks.
        let refused = app.app.import_library(&mapping, &ImportOptions::default(), now).await.expect_err("frameworks missing");
        assert!(refused.to_string().contains("urn:intuitem:risk:library:nist-csf-2.0"), "{refused}");

        let refused = app.app.import_library(&nist, &ImportOptions::default(), now).await.expect_err("doc-pol again");
        assert!(refused.to_string().contains("doc-pol"), "{refused}");
        let imported = app.app.import_library(&nist, &skip, now).await.expect("NIST CSF 2.0");
        assert_eq!(imported.skipped_dependencies, ["urn:intuitem:risk:library:doc-pol"]);
        assert_eq!((imported.written[0].id.as_str(), imported.written[0].kind), ("intuitem.nist-csf-2.0", "framework"));
        let admin = admin_api(&app).await;
        let (_, csf) = admin.get_json(&format!("{FRAMEWORKS}/intuitem.nist-csf-2.0")).await;
        let govern = requirement(&csf, "GV.OC-01");
        assert_eq!((govern["parent"].as_str(), govern["assessable"].as_bool()), (Some("GV.OC"), Some(true)), "{govern}");
        assert!(csf["summary"]["info"]["licence"].as_str().unwrap_or("").contains("urn:intuitem:risk:library:nist-csf-2.0"));

        // Imported without the policies library too, both frameworks are in and the mapping
        // between them imports, requirement by requirement, with nothing skipped.
        app.app.import_library(&iso, &skip, now).await.expect("ISO/IEC 27001:2022");
        let imported = app.app.import_library(&mapping, &ImportOptions::default(), now).await.expect("mapping");
        let ids: Vec<&str> = imported.written.iter().map(|w| w.id.as_str()).collect();
        assert_eq!(ids, ["intuitem.nist-csf-2.0-to-iso27001-2022", "intuitem.nist-csf-2.0-to-iso27001-2022-revert"]);
        assert!(imported.skipped_dependencies.is_empty());
        let (_, relations) = admin.get_json(&format!("{FRAMEWORKS}/intuitem.nist-csf-2.0/requirements/GV.OC-01/mappings")).await;
        let targets: Vec<&str> = relations.as_array().expect("list").iter().filter_map(|m| m["target"].as_str()).collect();
        assert!(targets.contains(&"4.1"), "{relations}");
        // Our own ISO/IEC 27001:2022 library is untouched by the import of theirs.
        let (_, ours) = admin.get_json(&format!("{FRAMEWORKS}/iso27001-2022")).await;
        assert_eq!(ours["summary"]["origin"], "shipped");
    }
}

on_both_backends! {
    async fn an_oscal_catalog_imports_and_a_profile_selects_from_it(app) {
        let (Some(catalog), Some(profile)) = (
            shared_fixture("oscal/NIST_SP-800-53_rev5_LOW-baseline-resolved-profile_catalog.json"),
            shared_fixture("oscal/NIST_SP-800-53_rev5_LOW-baseline_profile.json"),
        ) else {
            return;
        };
        let now = custos_app::now();
        let named = |id: &str, catalog: Option<&str>| ImportOptions {
            library_id: Some(id.to_owned()),
            catalog: catalog.map(str::to_owned),
            ..ImportOptions::default()
        };
        let refused = app.app.import_library(&catalog, &ImportOptions::default(), now).await.expect_err("no id");
        assert!(matches!(refused, custos_app::AppError::Validation(_)), "{refused}");
        app.app.import_library(&catalog, &named("nist-800-53-low", None), now).await.expect("catalog");
        let admin = admin_api(&app).await;
        let (_, frameworks) = admin.get_json(FRAMEWORKS).await;
        assert_eq!(summary(&frameworks, "nist-800-53-low")["assessable"], 149);
        let (_, nist) = admin.get_json(&format!("{FRAMEWORKS}/nist-800-53-low")).await;
        let ac1 = requirement(&nist, "AC-1");
        assert_eq!(ac1["title"], "Policy and Procedures");
        assert!(ac1["parts"].as_array().is_some_and(|parts| parts.iter().any(|p| p["name"] == "statement")), "{ac1}");
        assert!(ac1["params"].as_array().is_some_and(|params| !params.is_empty()), "{ac1}");

        // A control's page shows its statement, guidance and parameters as imported.
        app.member("acme", "stan@acme.example", Role::Staff).await;
        let page = app.browser("stan@acme.example").await.get("/orgs/acme/frameworks/nist-800-53-low/requirements/AC-1").await.text().await.expect("page");
        assert!(page.contains("<h2>Statement</h2>") && page.contains("Parameters") && page.contains("organization-defined personnel or roles"), "{page}");

        // The profile selects the same 149 from the catalog loaded; without the catalog, it says so.
        let refused = app.app.import_library(&profile, &named("nist-low-profile", None), now).await.expect_err("catalog needed");
        assert!(refused.to_string().contains("import the catalog"), "{refused}");
        let imported = app.app.import_library(&profile, &named("nist-low-profile", Some("nist-800-53-low")), now).await.expect("profile");
        assert_eq!(imported.written[0].id, "nist-low-profile");
        let (_, frameworks) = admin.get_json(FRAMEWORKS).await;
        assert_eq!(summary(&frameworks, "nist-low-profile")["assessable"], 149);
        // A profile selecting what the catalog lacks is refused, naming it.
        let narrowed = profile.replacen("\"ac-1\"", "\"zz-99\"", 1);
        let refused = app.app.import_library(&narrowed, &named("nist-narrow", Some("nist-800-53-low")), now).await.expect_err("unknown");
        assert!(refused.to_string().contains("zz-99"), "{refused}");
    }
}

on_both_backends! {
    async fn the_command_line_imports_a_library_and_says_why_it_refuses_one(app) {
        use crate::cli::{custos, text};
        let imported = custos(&app.database_url, &["library", "import", "-"], Some(TINY));
        assert!(imported.status.success(), "{}", text(&imported));
        assert!(text(&imported).contains("framework tiny version 1 imported"), "{}", text(&imported));
        let again = custos(&app.database_url, &["library", "import", "-"], Some(TINY));
        assert!(!again.status.success());
        assert!(text(&again).contains("Version 1 of tiny is already loaded"), "{}", text(&again));
        let broken = custos(&app.database_url, &["library", "import", "-"], Some("library: framework\nid: Bad Id\n"));
        assert!(!broken.status.success());
        assert!(text(&broken).contains("line 2, column 1: missing field `version`"), "{}", text(&broken));
        let actors = app.raw_count("SELECT COUNT(*) FROM audit_events WHERE record_type = 'library' AND actor = 'custos command line'").await;
        assert_eq!(actors, 1);
    }
}

/// A `multipart/form-data` body with the library file and the form's other fields.
fn library_upload(file: &str, fields: &[(&str, &str)]) -> (String, Vec<u8>) {
    let boundary = "----custos-library-boundary";
    let mut body = String::new();
    for (name, value) in fields {
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
        ));
    }
    body.push_str(&format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"library.yaml\"\r\nContent-Type: application/yaml\r\n\r\n{file}\r\n--{boundary}--\r\n"
    ));
    (
        format!("multipart/form-data; boundary={boundary}"),
        body.into_bytes(),
    )
}

on_both_backends! {
    async fn instance_administrators_import_libraries_from_the_web(app) {
        app.member("acme", "ada@acme.example", Role::Admin).await;
        app.raw_sql("UPDATE users SET instance_admin = TRUE WHERE email = 'ada@acme.example'").await;
        let ada = app.browser("ada@acme.example").await;
        let page = ada.get("/admin/libraries").await.text().await.expect("page");
        assert!(page.contains("iso27001-2022") && page.contains("enctype=\"multipart/form-data\""), "{page}");
        let send = async |client: &crate::support::Client, file: &str, fields: &[(&str, &str)]| {
            let (content_type, body) = library_upload(file, fields);
            client.http.post(client.url("/admin/libraries"))
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body)
                .send()
                .await
                .expect("upload")
        };
        let imported = send(&ada, TINY, &[]).await;
        assert_eq!(imported.status(), StatusCode::OK);
        assert!(imported.text().await.expect("page").contains("tiny</span> version 1 imported"));
        let again = send(&ada, TINY, &[]).await;
        assert_eq!(again.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(again.text().await.expect("page").contains("Version 1 of tiny is already loaded"));
        let broken = send(&ada, "library: framework\nid: x\n", &[]).await;
        assert_eq!(broken.status(), StatusCode::UNPROCESSABLE_ENTITY);
        assert!(broken.text().await.expect("page").contains("missing field"));
        // The audit trail names the administrator.
        let by_ada = app.raw_count("SELECT COUNT(*) FROM audit_events WHERE record_type = 'library' AND actor_id IS NOT NULL AND org_id IS NULL").await;
        assert_eq!(by_ada, 1);

        // An organisation's administrator is not the instance's.
        app.member("acme", "cleo@acme.example", Role::Admin).await;
        let cleo = app.browser("cleo@acme.example").await;
        assert_eq!(cleo.get("/admin/libraries").await.status(), StatusCode::FORBIDDEN);
        let refused = send(&cleo, &TINY.replace("id: tiny", "id: sneaky"), &[]).await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM frameworks WHERE id = 'sneaky'").await, 0);
    }
}
