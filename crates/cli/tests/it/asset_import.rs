//! Importing and exporting the asset register: a real-looking inventory with dependencies
//! through the API, the pages and the command line; re-imports that change nothing; broken
//! files that write nothing and name the row and column; XLSX round trips.

use custos_app::domain::platform::{Role, TokenScope};
use reqwest::StatusCode;
use serde_json::Value;

use crate::cli::{custos, text};
use crate::input::post_raw;
use crate::on_both_backends;
use crate::support::{Client, TestApp};

const HEADER: &str = "external_id,name,type,description,owner,custodian,location,classification,confidentiality,integrity,availability,status,tags,next_review_on,supports";

/// An inventory as an organisation would bring it from its CMDB: `count` assets in four
/// layers (sites host hardware, which runs software, which holds information), each
/// supporting one to three assets of the layer above, with owners by e-mail and by name,
/// classifications by name and by rank, and impact levels by number and by label.
fn inventory_csv(count: usize) -> String {
    let layers = [
        ("site", "Site"),
        ("hardware", "Server"),
        ("software", "Application"),
        ("information", "Records"),
    ];
    let per_layer = count / layers.len();
    let mut csv = format!("{HEADER}\n");
    for (layer, (asset_type, noun)) in layers.iter().enumerate() {
        for index in 0..per_layer {
            let id = format!("CMDB-{layer}-{index:04}");
            let supports = if layer + 1 < layers.len() {
                (0..1 + index % 3)
                    .map(|k| format!("CMDB-{}-{:04}", layer + 1, (index + k * 7) % per_layer))
                    .collect::<Vec<_>>()
                    .join("; ")
            } else {
                String::new()
            };
            let owner = match index % 3 {
                0 => "maya@acme.example",
                1 => "Olga Owner",
                _ => "",
            };
            let classification = ["Public", "internal", "3", "Restricted"][index % 4];
            let confidentiality = ["1", "2", "serious", "4"][(index + layer) % 4];
            let status = ["in_use", "In use", "planned"][index % 3];
            csv.push_str(&format!(
                "{id},\"{noun} {index}, {asset_type}\",{asset_type},\"What {noun} {index} is for\",{owner},,Room {layer},{classification},{confidentiality},2,,{status},\"{asset_type}, layer {layer}\",2027-0{}-15,{supports}\n",
                1 + index % 9
            ));
        }
    }
    csv
}

async fn import(
    client: &Client,
    csv: impl Into<reqwest::Body>,
    dry_run: bool,
) -> (StatusCode, Value) {
    let mut url = client.url("/api/v1/orgs/acme/assets/import");
    if dry_run {
        url.push_str("?dry_run=true");
    }
    let response = client
        .http
        .post(url)
        .header(reqwest::header::CONTENT_TYPE, "text/csv")
        .body(csv)
        .send()
        .await
        .expect("import");
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn total_assets(client: &Client) -> i64 {
    let (_, listed) = client.get_json("/api/v1/orgs/acme/assets?limit=1").await;
    listed["total"].as_i64().expect("total")
}

async fn audit_count(app: &TestApp) -> i64 {
    app.raw_count("SELECT COUNT(*) FROM audit_events WHERE record_type IN ('asset', 'asset_link')")
        .await
}

async fn manager(app: &TestApp) -> Client {
    app.member("acme", "maya@acme.example", Role::IsmsManager)
        .await;
    app.member("acme", "olga@acme.example", Role::Contributor)
        .await;
    // Members are named after their e-mail address in these tests; Olga has a real name.
    app.raw_sql("UPDATE users SET name = 'Olga Owner' WHERE email = 'olga@acme.example'")
        .await;
    app.api("acme", "maya@acme.example", TokenScope::ReadWrite)
        .await
}

/// The one error of a refused file, as (row, column, header, message).
fn only_error(problem: &Value) -> (i64, String, String, String) {
    let errors = problem["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{problem:#}");
    let error = &errors[0];
    (
        error["row"].as_i64().unwrap_or(0),
        error["column"].as_str().unwrap_or_default().to_owned(),
        error["header"].as_str().unwrap_or_default().to_owned(),
        error["message"].as_str().unwrap_or_default().to_owned(),
    )
}

on_both_backends! {
    async fn an_inventory_of_hundreds_of_assets_with_dependencies_imports_once_and_re_imports_unchanged(app) {
        let api = manager(&app).await;
        let csv = inventory_csv(400);

        let (status, preview) = import(&api, csv.clone(), true).await;
        assert_eq!(status, StatusCode::OK, "{preview:#}");
        assert_eq!((preview["applied"].as_bool(), preview["created"].as_u64()), (Some(false), Some(400)));
        assert_eq!(preview["rows"][0]["action"], "create");
        assert_eq!(total_assets(&api).await, 0, "a dry run writes nothing");
        assert_eq!(audit_count(&app).await, 0);

        let (status, imported) = import(&api, csv.clone(), false).await;
        assert_eq!(status, StatusCode::OK, "{imported:#}");
        assert_eq!(imported["created"], 400);
        let links = imported["links_added"].as_i64().expect("links");
        // One to three links from each asset of the three lower layers: 34×1 + 33×2 + 33×3 each.
        assert_eq!(links, 3 * 199);
        assert_eq!(imported["rows"][0]["reference"], "AST-0001");
        assert_eq!(total_assets(&api).await, 400);
        assert_eq!(audit_count(&app).await, 400 + links, "one audit event per asset and per link");
        // Appended together, the events still form an unbroken chain.
        for chain in app.app.verify_audit_chains().await.expect("verify") {
            assert!(chain.broken.is_none(), "{chain:?}");
        }

        // What the file said is what is stored: owners by name, levels by name or label.
        let (_, found) = api.get_json("/api/v1/orgs/acme/assets?q=cmdb-0-0001").await;
        let asset = &found["items"][0];
        assert_eq!(asset["name"], "Site 1, site");
        assert_eq!(asset["owner_name"], "Olga Owner");
        assert_eq!(asset["classification"], 2);
        assert_eq!(asset["tags"], serde_json::json!(["site", "layer 0"]));
        let (_, found) = api.get_json("/api/v1/orgs/acme/assets?q=cmdb-1-0002").await;
        assert_eq!(found["items"][0]["confidentiality"], 4);
        let (_, found) = api.get_json("/api/v1/orgs/acme/assets?q=cmdb-0-0002").await;
        assert_eq!(found["items"][0]["confidentiality"], 3, "\"serious\" is level 3 of the default scale");
        assert_eq!(found["items"][0]["status"], "planned");
        let valuation = app.raw_count("SELECT COUNT(*) FROM asset_links").await;
        assert_eq!(valuation, links);

        // The same file again changes nothing: no new version, no audit event.
        let (status, again) = import(&api, csv.clone(), false).await;
        assert_eq!(status, StatusCode::OK, "{again:#}");
        assert_eq!((again["created"].as_i64(), again["updated"].as_i64(), again["unchanged"].as_i64()), (Some(0), Some(0), Some(400)));
        assert_eq!((again["links_added"].as_i64(), again["links_removed"].as_i64()), (Some(0), Some(0)));
        assert_eq!(audit_count(&app).await, 400 + links);
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM assets WHERE version > 1").await, 0);

        // The export, CSV or XLSX, re-imports unchanged.
        for format in ["csv", "xlsx"] {
            let exported = api.get(&format!("/api/v1/orgs/acme/assets/export?format={format}")).await;
            assert_eq!(exported.status(), StatusCode::OK);
            let bytes = exported.bytes().await.expect("export").to_vec();
            let (status, round_trip) = import(&api, bytes, false).await;
            assert_eq!(status, StatusCode::OK, "{format}: {round_trip:#}");
            assert_eq!(round_trip["unchanged"], 400, "{format}");
            assert_eq!(round_trip["links_added"].as_i64().unwrap_or(0) + round_trip["links_removed"].as_i64().unwrap_or(0), 0, "{format}");
        }
        assert_eq!(audit_count(&app).await, 400 + links);

        // A changed cell is an update of that asset alone, audited once.
        let changed = csv.replacen("Room 0,Public", "Room 9,Public", 1);
        let (status, updated) = import(&api, changed, false).await;
        assert_eq!(status, StatusCode::OK, "{updated:#}");
        assert_eq!((updated["updated"].as_i64(), updated["unchanged"].as_i64()), (Some(1), Some(399)));
        assert_eq!(audit_count(&app).await, 400 + links + 1);
        // The import audits new assets as it made them, without reading them back: the
        // update's "before", read from the store, is exactly the creation's "after".
        let same = app
            .raw_count(
                "SELECT COUNT(*) FROM audit_events c JOIN audit_events u ON u.record_id = c.record_id \
                 WHERE c.record_type = 'asset' AND c.action = 'create' AND u.action = 'update' \
                 AND c.after_json = u.before_json",
            )
            .await;
        assert_eq!(same, 1, "the snapshot of a new asset is the stored asset");
        // So is the snapshot of a changed one: a second change's "before" is the first's "after".
        let changed_again = csv.replacen("Room 0,Public", "Room 8,Public", 1);
        let (status, _) = import(&api, changed_again, false).await;
        assert_eq!(status, StatusCode::OK);
        let same = app
            .raw_count(
                "SELECT COUNT(*) FROM audit_events first JOIN audit_events second \
                 ON second.record_id = first.record_id AND second.seq > first.seq \
                 WHERE first.record_type = 'asset' AND first.action = 'update' \
                 AND second.action = 'update' AND first.after_json = second.before_json",
            )
            .await;
        assert_eq!(same, 1, "the snapshot of a changed asset is the stored asset");
        assert_eq!(app.raw_count("SELECT MAX(version) FROM assets").await, 3);
    }
}

on_both_backends! {
    async fn import_with_one_bad_row_writes_nothing_and_names_its_row_and_column(app) {
        let api = manager(&app).await;
        let mut lines: Vec<String> = inventory_csv(40).lines().map(str::to_owned).collect();
        // Row 31 of the spreadsheet (the header is row 1): an owner who is not a member.
        lines[30] = lines[30].replacen(",maya@acme.example,", ",mallory@evil.example,", 1);
        assert!(lines[30].contains("mallory"), "the fixture row has an owner to replace");
        let (status, problem) = import(&api, lines.join("\n"), false).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem:#}");
        assert_eq!(problem["type"], "urn:custos:problem:import-refused");
        let (row, column, header, message) = only_error(&problem);
        assert_eq!((row, column.as_str(), header.as_str()), (31, "E", "owner"));
        assert!(message.contains("mallory@evil.example") && message.contains("not a member"), "{message}");
        assert_eq!(problem["errors"][0]["position"], "row 31, column E (owner)");
        assert_eq!(total_assets(&api).await, 0, "all or nothing");
        assert_eq!(audit_count(&app).await, 0);
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM asset_links").await, 0);
    }
}

on_both_backends! {
    async fn unknown_people_levels_duplicates_and_dependencies_are_each_refused_with_their_cell(app) {
        let api = manager(&app).await;
        let refused = async |csv: &str| {
            let (status, problem) = import(&api, csv.to_owned(), true).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{csv}: {problem:#}");
            only_error(&problem)
        };
        let (row, column, _, message) = refused("external_id,name,type,custodian\nA,Laptop,hardware,nobody\n").await;
        assert_eq!((row, column.as_str()), (2, "D"));
        assert!(message.contains("\"nobody\" is not a member"), "{message}");

        let (row, column, _, message) = refused("external_id,name,type,classification\nA,Laptop,hardware,Top secret\n").await;
        assert_eq!((row, column.as_str()), (2, "D"));
        assert!(message.contains("Public (1), Internal (2), Confidential (3), Restricted (4)"), "{message}");

        // Ranks and levels are those of the scheme in force and the organisation's scale.
        let (_, column, _, message) = refused("external_id,name,type,classification\nA,Laptop,hardware,7\n").await;
        assert_eq!(column, "D");
        assert!(message.contains("\"7\" is not a level of the classification scheme"), "{message}");
        let (_, column, _, message) = refused("external_id,name,type,availability\nA,Laptop,hardware,5\n").await;
        assert_eq!(column, "D");
        assert!(message.contains("impact levels"), "{message}");
        let (row, column, _, message) = refused("external_id,name,type,integrity\nA,Laptop,hardware,catastrophic\n").await;
        assert_eq!((row, column.as_str()), (2, "D"));
        assert!(message.contains("impact levels"), "{message}");

        let (row, column, _, message) = refused("name,type,next_review_on\nLaptop,hardware,31/12/2027\n").await;
        assert_eq!((row, column.as_str()), (2, "C"));
        assert!(message.contains("YYYY-MM-DD"), "{message}");

        let (row, column, _, message) = refused("external_id,name,type\nA,Laptop,hardware\nB,Phone,hardware\nA,Tablet,hardware\n").await;
        assert_eq!((row, column.as_str()), (4, "A"), "the second row with the id");
        assert!(message.contains("Row 2 has this external id too"), "{message}");

        let (row, column, _, message) = refused("external_id,name,type,supports\nA,Laptop,hardware,B; GHOST-1\nB,Mail,service,\n").await;
        assert_eq!((row, column.as_str()), (2, "D"));
        assert!(message.contains("\"GHOST-1\" is neither"), "{message}");

        let (row, column, header, message) = refused("external_id,name,type,colour\nA,Laptop,hardware,red\n").await;
        assert_eq!((row, column.as_str(), header.as_str()), (1, "D", "colour"), "an unknown column is refused, not ignored");
        assert!(message.contains("not a column"), "{message}");

        let (_, _, _, message) = refused("reference,name,type\nAST-0042,Laptop,hardware\n").await;
        assert!(message.contains("No asset of this inventory is AST-0042"), "{message}");

        let (status, problem) = import(&api, "external_id,name,type\n", true).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(problem["errors"][0]["message"].as_str().unwrap_or_default().contains("no rows"), "{problem:#}");
        let (status, problem) = import(&api, vec![0xD0, 0xCF, 0x11, 0xE0, 0, 0], true).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(problem["errors"][0]["message"].as_str().unwrap_or_default().contains(".xls"), "{problem:#}");
        assert_eq!(total_assets(&api).await, 0);
    }
}

on_both_backends! {
    async fn a_dependency_loop_through_the_file_and_the_inventory_is_refused_and_explained(app) {
        let api = manager(&app).await;
        let (status, _) = import(&api, "external_id,name,type,supports\nSRV,Server,hardware,APP\nAPP,CRM,software,\n", false).await;
        assert_eq!(status, StatusCode::OK);
        // The CRM now supports the data, which would support the server: a loop.
        let csv = "external_id,name,type,supports\nAPP,CRM,software,DATA\nDATA,Customer data,information,SRV\n";
        let (status, problem) = import(&api, csv, false).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem:#}");
        let (row, column, _, message) = only_error(&problem);
        assert_eq!(column, "D");
        assert!(row == 2 || row == 3, "{row}");
        assert!(message.contains("loop") && message.contains("AST-0001 Server") && message.contains("AST-0002 CRM"), "{message}");
        assert!(message.contains("row 3 (Customer data)"), "a new asset is named by its row: {message}");
        assert_eq!(total_assets(&api).await, 2);
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM asset_links").await, 1);
    }
}

on_both_backends! {
    async fn the_api_refuses_a_file_over_the_body_limit_with_413(app) {
        manager(&app).await;
        let token = app.app.create_token_cli("acme", "maya@acme.example", "raw", TokenScope::ReadWrite, 30, custos_app::now()).await.expect("token");
        let bearer = [("Authorization", format!("Bearer {}", token.secret))];
        // Over a raw connection: the server answers before taking the whole body.
        for declared in [true, false] {
            let answer = post_raw(&app, "/api/v1/orgs/acme/assets/import?dry_run=true", &bearer, "text/csv", 3 * 1024 * 1024, declared).await;
            assert_eq!(answer.status, 413, "{}", answer.text);
            assert_eq!(answer.content_type, "application/problem+json");
            assert!(answer.text.contains("urn:custos:problem:body-too-large"), "{}", answer.text);
        }
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM assets").await, 0);
        app.member("acme", "sam@acme.example", Role::Staff).await;
        let staff = app.api("acme", "sam@acme.example", TokenScope::ReadWrite).await;
        let (status, _) = import(&staff, "name,type\nLaptop,hardware\n", true).await;
        assert_eq!(status, StatusCode::FORBIDDEN);
    }
}

/// A `multipart/form-data` body with one file field, as a browser sends an upload.
fn upload(file_name: &str, bytes: &[u8]) -> (String, Vec<u8>) {
    let boundary = "----custos-test-boundary";
    let mut body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\nContent-Type: text/csv\r\n\r\n"
    )
    .into_bytes();
    body.extend_from_slice(bytes);
    body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={boundary}"), body)
}

/// The hidden fields of the preview's confirmation form.
fn confirmation_fields(page: &str) -> Vec<(String, String)> {
    let form = page
        .split("action=\"/orgs/acme/assets/import/confirm\"")
        .nth(1)
        .and_then(|rest| rest.split("</form>").next())
        .expect("a confirmation form");
    form.split("<input type=\"hidden\" ")
        .skip(1)
        .map(|input| {
            let attribute = |name: &str| {
                input
                    .split(&format!("{name}=\""))
                    .nth(1)
                    .and_then(|rest| rest.split('"').next())
                    .unwrap_or_default()
                    .replace("&#x2e;", ".")
                    .replace("&#46;", ".")
            };
            (attribute("name"), attribute("value"))
        })
        .collect()
}

on_both_backends! {
    async fn the_import_page_previews_shows_errors_by_row_and_imports_only_when_confirmed(app) {
        manager(&app).await;
        let browser = app.browser("maya@acme.example").await;
        let page = browser.get("/orgs/acme/assets/import").await;
        assert_eq!(page.status(), StatusCode::OK);
        let page = page.text().await.expect("page");
        assert!(page.contains("enctype=\"multipart/form-data\"") && page.contains("format=xlsx"));
        let list = browser.get("/orgs/acme/assets").await.text().await.expect("list");
        assert!(list.contains("/orgs/acme/assets/import"), "the list links to the import");

        let send = async |bytes: &[u8]| {
            let (content_type, body) = upload("inventory.csv", bytes);
            browser
                .http
                .post(browser.url("/orgs/acme/assets/import"))
                .header(reqwest::header::CONTENT_TYPE, content_type)
                .body(body)
                .send()
                .await
                .expect("upload")
        };
        let bad = "external_id,name,type,owner\nA,Laptop,hardware,\nB,Phone,telephone,\n";
        let answer = send(bad.as_bytes()).await;
        assert_eq!(answer.status(), StatusCode::UNPROCESSABLE_ENTITY);
        let shown = answer.text().await.expect("errors");
        assert!(shown.contains("nothing was imported"), "{shown}");
        assert!(shown.contains("<td class=\"ref\">3</td>") && shown.contains("C (type)") && shown.contains("telephone"), "{shown}");
        assert!(!shown.contains("/assets/import/confirm"), "nothing to confirm");

        let good = "external_id,name,type,owner,supports\nA,Laptop,hardware,maya@acme.example,B\nB,Phone,hardware,,\n";
        let answer = send(good.as_bytes()).await;
        assert_eq!(answer.status(), StatusCode::OK);
        let preview = answer.text().await.expect("preview");
        assert!(preview.contains("2 new assets") && preview.contains("Import 2 rows"), "{preview}");
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM assets").await, 0, "a preview writes nothing");
        let fields = confirmation_fields(&preview);
        let form: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let done = browser.post_form("/orgs/acme/assets/import/confirm", &form).await;
        assert_eq!(done.status(), StatusCode::SEE_OTHER);
        let location = done.headers()[reqwest::header::LOCATION].to_str().expect("location").to_owned();
        assert!(location.ends_with("/orgs/acme/assets?notice=assets-imported"), "{location}");
        let list = browser.get(&location).await.text().await.expect("list");
        assert!(list.contains("Laptop") && list.contains("Phone") && list.contains("its assets are in the inventory"), "{list}");

        // Confirming again changes nothing; a confirmation is checked again, and one whose
        // file does not check out is refused.
        let again = browser.post_form("/orgs/acme/assets/import/confirm", &form).await;
        assert_eq!(again.status(), StatusCode::SEE_OTHER);
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM assets").await, 2);
        let stale = browser.post_form("/orgs/acme/assets/import/confirm", &[("file", "bm90IGEgZmlsZQ"), ("file_name", "x.csv")]).await;
        assert_eq!(stale.status(), StatusCode::UNPROCESSABLE_ENTITY);

        // The templates: the header and one example row, which imports.
        let template = browser.get("/orgs/acme/assets/import/template?format=csv").await;
        assert_eq!(template.status(), StatusCode::OK);
        let template = template.text().await.expect("template");
        let header = template.lines().next().expect("header").trim_start_matches('\u{feff}').to_owned();
        assert!(header.starts_with("reference,external_id,name,type") && header.ends_with(",supports"), "{header}");
        // The template imports as it is: its example rows are valid and support each other.
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        let (status, report) = import(&api, template.clone(), true).await;
        assert_eq!(status, StatusCode::OK, "{report:#}");
        assert_eq!((report["created"].as_i64(), report["links_added"].as_i64()), (Some(2), Some(1)));
        let xlsx = browser.get("/orgs/acme/assets/import/template?format=xlsx").await;
        assert!(xlsx.headers()[reqwest::header::CONTENT_TYPE].to_str().unwrap_or_default().contains("spreadsheetml"));
        assert!(xlsx.bytes().await.expect("xlsx").starts_with(b"PK"));
        let list_xlsx = browser.get("/orgs/acme/assets?format=xlsx").await;
        assert_eq!(list_xlsx.status(), StatusCode::OK);
        assert!(list_xlsx.bytes().await.expect("xlsx").starts_with(b"PK"));

        // Staff may not import.
        app.member("acme", "sam@acme.example", Role::Staff).await;
        let staff = app.browser("sam@acme.example").await;
        assert_eq!(staff.get("/orgs/acme/assets/import").await.status(), StatusCode::FORBIDDEN);
        assert_eq!(staff.get("/orgs/acme/assets/import/template").await.status(), StatusCode::FORBIDDEN);
    }
}

on_both_backends! {
    async fn the_command_line_imports_and_exports_assets_as_the_command_line(app) {
        manager(&app).await;
        let db = app.database_url.clone();
        let dir = crate::support::TempDir::new();
        let file = dir.0.join("inventory.csv");
        std::fs::write(&file, inventory_csv(100)).expect("write");
        let file = file.to_string_lossy().into_owned();

        let dry = custos(&db, &["import", "assets", "--org", "acme", "--dry-run", &file], None);
        assert!(dry.status.success(), "{}", text(&dry));
        assert!(text(&dry).contains("Dry run, nothing written") && text(&dry).contains("100 created"), "{}", text(&dry));
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM assets").await, 0);

        let imported = custos(&db, &["import", "assets", "--org", "acme", &file], None);
        assert!(imported.status.success(), "{}", text(&imported));
        assert!(text(&imported).contains("100 created"), "{}", text(&imported));
        let actors = app.raw_count("SELECT COUNT(*) FROM audit_events WHERE record_type = 'asset' AND actor = 'custos command line' AND actor_id IS NULL").await;
        assert_eq!(actors, 100, "the audit trail names the command line");

        for format in ["csv", "xlsx"] {
            let exported = dir.0.join(format!("export.{format}"));
            let exported = exported.to_string_lossy().into_owned();
            let export = custos(&db, &["export", "assets", "--org", "acme", "--format", format, "--output", &exported], None);
            assert!(export.status.success(), "{}", text(&export));
            let again = custos(&db, &["import", "assets", "--org", "acme", &exported], None);
            assert!(text(&again).contains("0 created, 0 updated, 100 unchanged; 0 support link(s) added, 0 removed"), "{format}: {}", text(&again));
        }
        let stdout = custos(&db, &["export", "assets", "--org", "acme"], None);
        let csv = String::from_utf8_lossy(&stdout.stdout).into_owned();
        assert_eq!(csv.lines().count(), 101, "header and one line per asset");

        let bad = dir.0.join("bad.csv");
        std::fs::write(&bad, "external_id,name,type\nX,,hardware\n").expect("write");
        let refused = custos(&db, &["import", "assets", "--org", "acme", &bad.to_string_lossy()], None);
        assert!(!refused.status.success());
        assert!(text(&refused).contains("row 2, column B (name)") && text(&refused).contains("nothing was imported"), "{}", text(&refused));
        let unknown = custos(&db, &["import", "assets", "--org", "nowhere", &file], None);
        assert!(!unknown.status.success());
        assert!(text(&unknown).contains("no organisation nowhere"), "{}", text(&unknown));
        assert_eq!(app.raw_count("SELECT COUNT(*) FROM assets").await, 100);
    }
}
