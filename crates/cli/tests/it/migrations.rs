//! Migrations: idempotent, refuse edited or unknown migrations, and serialise instances that
//! start together.

use custos_app::{Administration, Settings};

use crate::on_both_backends;

on_both_backends! {
    async fn migrating_again_changes_nothing(app) {
        assert_eq!(app.app.migrate().await.expect("migrate"), 0);
        app.app.ready().await.expect("ready");
    }
}

on_both_backends! {
    async fn an_edited_migration_is_refused(app) {
        app.raw_sql("UPDATE custos_migrations SET checksum = 'edited' WHERE version = 1").await;
        let error = app.app.migrate().await.expect_err("refused");
        assert!(error.to_string().contains("changed after it was applied"), "{error}");
    }
}

on_both_backends! {
    async fn a_newer_schema_is_refused(app) {
        app.raw_sql("INSERT INTO custos_migrations (version, name, checksum, applied_at) VALUES (9999, 'future', 'x', '2030-01-01T00:00:00.000000Z')").await;
        let error = app.app.migrate().await.expect_err("refused");
        assert!(error.to_string().contains("newer than this Custos"), "{error}");
        assert!(app.app.ready().await.is_err(), "not ready on a schema it does not know");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn instances_starting_together_on_postgres_migrate_once() {
    let Some(database) = crate::support::fresh_postgres_database().await else {
        return;
    };
    let url = database.url.clone();
    let mut starts = Vec::new();
    for _ in 0..4 {
        let url = url.clone();
        starts.push(tokio::spawn(async move {
            let app = Administration::connect(&url, Settings::default())
                .await
                .expect("connect");
            let ran = app.migrate().await.expect("migrate");
            let seeded = app.seed_demo(custos_app::now()).await.expect("seed");
            (ran, seeded)
        }));
    }
    let mut migrations_run = 0;
    let mut seeds = 0;
    for start in starts {
        let (ran, seeded) = start.await.expect("task");
        migrations_run += ran;
        seeds += usize::from(seeded);
    }
    assert_eq!(
        migrations_run,
        custos_store::migrate::MIGRATIONS.len(),
        "each migration ran once"
    );
    assert_eq!(seeds, 1, "the demo was seeded once");
}

/// URLs of an empty SQLite file and, when the PostgreSQL half runs, an empty PostgreSQL
/// database, for upgrade tests; the second value keeps them until the test ends.
async fn empty_databases() -> (
    Vec<String>,
    (
        crate::support::TempDir,
        Option<crate::support::PostgresDatabase>,
    ),
) {
    let dir = crate::support::TempDir::new();
    let mut urls = vec![format!(
        "sqlite://{}?mode=rwc",
        dir.0.join("upgrade.db").display()
    )];
    let postgres = crate::support::fresh_postgres_database().await;
    if let Some(database) = &postgres {
        urls.push(database.url.clone());
    }
    (urls, (dir, postgres))
}

/// Upgrades from every earlier schema keep the data written under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_older_schema_upgrades_with_its_data() {
    let (urls, _keep) = empty_databases().await;
    for url in urls {
        let app = Administration::connect(&url, Settings::default())
            .await
            .expect("connect");
        // Schema 1: a user and an organisation written before `must_change_password` existed.
        assert_eq!(app.migrate_up_to(1).await.expect("migrate to 1"), 1);
        let too_new = app
            .ensure_organisation("acme", "Acme Ltd", custos_app::now())
            .await;
        assert!(too_new.is_err(), "schema 1 has no hash_version column");
        for row in schema_1_organisation() {
            assert_eq!(crate::support::raw_sql(&url, &row).await, 1, "{row}");
        }
        let too_new = app
            .create_user(
                "ada@acme.example",
                "Ada",
                "a long enough password",
                true,
                custos_app::now(),
            )
            .await;
        // The app of today cannot write a user into schema 1; write it the way schema 1 did.
        assert!(
            too_new.is_err(),
            "schema 1 has no must_change_password column"
        );
        let raw =
            "INSERT INTO users (id, email, name, password_hash, password_changed_at, created_at)
                   VALUES ('01a21f00-0000-7000-8000-000000000001', 'old@acme.example', 'Old', 'x',
                           '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z')";
        assert_eq!(crate::support::raw_sql(&url, raw).await, 1, "old user");

        assert_eq!(
            app.migrate().await.expect("upgrade"),
            custos_store::migrate::MIGRATIONS.len() - 1
        );
        app.ready().await.expect("ready after the upgrade");
        let old = app
            .find_user_by_email("old@acme.example")
            .await
            .expect("kept");
        assert!(
            !old.must_change_password,
            "existing accounts keep working as before"
        );
        assert_eq!(
            app.list_organisations().await.expect("orgs")[0].slug,
            "acme"
        );
        let reports = app.verify_audit_chains().await.expect("verify");
        assert!(
            reports.iter().all(|r| r.broken.is_none()),
            "{url}: the upgrade roots the organisation's chain: {reports:?}"
        );
    }
}

const ORG: &str = "0190a000-0000-7000-8000-00000000000a";
const ADA: &str = "0190a000-0000-7000-8000-0000000000ad";

/// The hash schemas 1 to 5 wrote for an audit event of `ORG`'s chain (hash version 1),
/// recomputed here independently of the store: SHA-256 of a JSON array of the stored fields,
/// the event id left out. Returns the INSERT as those schemas wrote it, and the hash.
fn version_1_event(
    seq: i64,
    prev_hash: &str,
    (actor_id, actor): (Option<&str>, &str),
    (record_type, record_id): (&str, &str),
    after: &str,
) -> (String, String) {
    use sha2::Digest;
    let occurred_at = format!("2026-0{seq}-01T10:00:00.123456Z");
    let canonical = serde_json::json!([
        ORG,
        seq,
        ORG,
        actor_id,
        actor,
        "create",
        record_type,
        record_id,
        null,
        after,
        occurred_at,
        prev_hash
    ]);
    let hash = hex::encode(sha2::Sha256::digest(canonical.to_string().as_bytes()));
    let actor_id = actor_id.map_or_else(|| "NULL".to_owned(), |id| format!("'{id}'"));
    let sql = format!(
        "INSERT INTO audit_events (id, chain, seq, org_id, actor_id, actor, action, record_type,
            record_id, before_json, after_json, occurred_at, prev_hash, hash)
         VALUES ('0190a000-0000-7000-8000-00000000e00{seq}', '{ORG}', {seq}, '{ORG}', {actor_id},
            '{actor}', 'create', '{record_type}', '{record_id}', NULL, '{after}',
            '{occurred_at}', '{prev_hash}', '{hash}')"
    );
    (sql, hash)
}

fn schema_2_event(seq: i64, prev_hash: &str, record_id: &str, after: &str) -> (String, String) {
    version_1_event(
        seq,
        prev_hash,
        (Some(ADA), "Ada <ada@acme.example>"),
        ("objective", record_id),
        after,
    )
}

/// An organisation as schema 1 created it from the command line: its row and the first event
/// of its chain, which no instance event named then.
fn schema_1_organisation() -> Vec<String> {
    let (event, hash) = version_1_event(
        1,
        &"0".repeat(64),
        (None, "custos command line"),
        ("organisation", ORG),
        &format!("{{\"id\":\"{ORG}\",\"name\":\"Acme Ltd\",\"slug\":\"acme\"}}"),
    );
    vec![
        format!(
            "INSERT INTO organisations (id, slug, name, created_at)
                 VALUES ('{ORG}', 'acme', 'Acme Ltd', '2026-01-01T00:00:00.000000Z')"
        ),
        event,
        format!(
            "INSERT INTO audit_chains (chain, last_seq, last_hash) VALUES ('{ORG}', 1, '{hash}')"
        ),
    ]
}

/// Rows as schema 2 stored them: ids and timestamps as text, flags as 0/1.
fn schema_2_rows() -> Vec<String> {
    let mut rows = vec![
        format!(
            "INSERT INTO organisations (id, slug, name, created_at)
                 VALUES ('{ORG}', 'acme', 'Acme Ltd', '2026-01-01T00:00:00.000000Z')"
        ),
        format!(
            "INSERT INTO users (id, email, name, password_hash, disabled, instance_admin,
                    failed_logins, password_changed_at, created_at, must_change_password)
                 VALUES ('{ADA}', 'ada@acme.example', 'Ada', 'x', 0, 1, 0,
                    '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', 0)"
        ),
        format!(
            "INSERT INTO memberships (org_id, user_id, role, created_at)
                 VALUES ('{ORG}', '{ADA}', 'isms_manager', '2026-01-01T00:00:00.000000Z')"
        ),
    ];
    let titles = [
        "zebra crossings audited",
        "Éclair supplier reviewed",
        "apple devices encrypted",
        "Äpfel",
    ];
    let mut prev_hash = "0".repeat(64);
    for (i, title) in titles.iter().enumerate() {
        let number = i + 1;
        let id = format!("0190a000-0000-7000-8000-00000000b00{number}");
        rows.push(format!(
            "INSERT INTO objectives (id, org_id, number, title, search_text, rationale, description,
                benefits, category, target, target_value, target_unit, owner_id, due_date, status,
                version, created_at, updated_at)
             VALUES ('{id}', '{ORG}', {number}, '{title}', 'obj-000{number} {title}', 'why', 'what',
                'gain', 'risk', 'all of them', 99.5, '%', '{ADA}', '2027-0{number}-15', 'draft', 1,
                '2026-0{number}-01T10:00:00.123456Z', '2026-0{number}-01T10:00:00.123456Z')"
        ));
        if number <= 3 {
            let (sql, hash) = schema_2_event(
                number as i64,
                &prev_hash,
                &id,
                &format!("{{\"title\":\"{title}\"}}"),
            );
            rows.push(sql);
            prev_hash = hash;
        }
    }
    rows.push(format!(
        "INSERT INTO audit_chains (chain, last_seq, last_hash) VALUES ('{ORG}', 3, '{prev_hash}')"
    ));
    rows
}

/// Schema 3 moves PostgreSQL to native column types and adds title sort keys: the data of
/// schema 2 must come through whole, sort the same on both backends, and its audit trail must
/// still verify (and still catch tampering).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_2_data_survives_native_types_and_still_verifies() {
    use custos_app::domain::context::{ObjectiveFilter, ObjectiveSort};
    use custos_app::domain::list::{ListRequest, Page, SortDirection};
    use custos_app::domain::platform::{Role, TokenScope};

    let (urls, _keep) = empty_databases().await;
    for url in urls {
        let app = Administration::connect(&url, Settings::default())
            .await
            .expect("connect");
        assert_eq!(app.migrate_up_to(2).await.expect("schema 2"), 2);
        for row in schema_2_rows() {
            assert_eq!(crate::support::raw_sql(&url, &row).await, 1, "{row}");
        }
        app.migrate().await.expect("upgrade to the newest schema");
        app.ready().await.expect("ready");

        let reports = app.verify_audit_chains().await.expect("verify");
        assert!(
            reports.iter().all(|r| r.broken.is_none()),
            "{url}: {reports:?}"
        );
        let events = |chain: &str| {
            reports
                .iter()
                .find(|r| r.chain == chain)
                .map_or(0, |r| r.events)
        };
        assert_eq!(events(ORG), 3, "{url}: the events of schema 2 are kept");
        assert_eq!(
            events("instance"),
            1,
            "{url}: the upgrade roots the organisation's chain in the instance chain"
        );

        let ada = app
            .find_user_by_email("ada@acme.example")
            .await
            .expect("ada");
        assert!(ada.instance_admin && !ada.disabled && !ada.must_change_password);

        let now = custos_app::now();
        app.create_user(
            "reader@acme.example",
            "Reader",
            "a long enough password",
            false,
            now,
        )
        .await
        .expect("reader");
        app.grant_role("acme", "reader@acme.example", Role::Auditor, now)
            .await
            .expect("role");
        let token = app
            .create_token_cli("acme", "reader@acme.example", "t", TokenScope::Read, 1, now)
            .await
            .expect("token");
        let principal = app
            .authenticate_token(&token.secret, now)
            .await
            .expect("principal");
        let ctx = app.org_context(&principal, "acme").await.expect("context");
        let listed = app
            .list_objectives(
                &ctx,
                &ListRequest {
                    filter: ObjectiveFilter::default(),
                    sort: ObjectiveSort::Title,
                    direction: SortDirection::Asc,
                    page: Page::new(None, None),
                },
            )
            .await
            .expect("objectives");
        let titles: Vec<&str> = listed.items.iter().map(|o| o.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "Äpfel",
                "apple devices encrypted",
                "Éclair supplier reviewed",
                "zebra crossings audited"
            ],
            "{url}: titles sort by their key, case and accents aside"
        );
        let first = &listed.items[1];
        assert_eq!(
            first.due_date.map(|d| d.to_string()).as_deref(),
            Some("2027-03-15")
        );
        assert_eq!(first.target_value, Some(99.5));
        assert_eq!(first.owner_name.as_deref(), Some("Ada"));
        assert_eq!(
            first.created_at.to_string(),
            "2026-03-01 10:00:00.123456 +00:00:00"
        );

        // Events of both hash versions in one chain: schema 2's, then those written above.
        let reports = app.verify_audit_chains().await.expect("verify");
        assert!(
            reports.iter().all(|r| r.broken.is_none()),
            "{url}: {reports:?}"
        );
        assert!(events(ORG) < reports.iter().find(|r| r.chain == ORG).expect("org").events);

        crate::support::raw_sql(
            &url,
            &format!("UPDATE audit_events SET actor = 'mallory' WHERE chain = '{ORG}' AND seq = 2"),
        )
        .await;
        let reports = app.verify_audit_chains().await.expect("verify");
        let broken = reports
            .iter()
            .find_map(|r| r.broken.clone())
            .expect("tampering found");
        assert_eq!(broken.seq, 2, "{url}");
        app.close().await;
    }
}

/// Schema 7 gives sessions a public id, a last use and where they came from: sessions open
/// before the upgrade keep working, get an id of their own, and count as last used when they
/// began (so one idle for longer than the timeout ends).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sessions_open_before_schema_7_keep_working_with_a_public_id() {
    use sha2::Digest;

    let (urls, _keep) = empty_databases().await;
    for url in urls {
        let app = Administration::connect(&url, Settings::default())
            .await
            .expect("connect");
        app.migrate_up_to(6).await.expect("schema 6");
        let user = format!(
            "INSERT INTO users (id, email, name, password_hash, disabled, instance_admin,
                    failed_logins, password_changed_at, created_at, must_change_password)
                 VALUES ('{ADA}', 'ada@acme.example', 'Ada', 'x', FALSE, FALSE, 0,
                    '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z', FALSE)"
        );
        assert_eq!(crate::support::raw_sql(&url, &user).await, 1, "{user}");
        let now = custos_app::now();
        let at =
            |minutes: i64| custos_store::timestamp::format(now + time::Duration::minutes(minutes));
        for (secret, began) in [("recent-secret", -5), ("idle-secret", -45)] {
            let hash = hex::encode(sha2::Sha256::digest(secret.as_bytes()));
            let sql = format!(
                "INSERT INTO sessions (id_hash, user_id, created_at, expires_at)
                 VALUES ('{hash}', '{ADA}', '{}', '{}')",
                at(began),
                at(600)
            );
            assert_eq!(crate::support::raw_sql(&url, &sql).await, 1, "{sql}");
        }
        app.migrate().await.expect("upgrade to the newest schema");
        app.ready().await.expect("ready");
        let backfilled = crate::support::raw_sql(
            &url,
            "UPDATE sessions SET user_agent = user_agent
             WHERE last_seen_at = created_at AND client_address = '' AND user_agent = ''",
        )
        .await;
        assert_eq!(backfilled, 2, "{url}: last used when they began");

        let principal = app
            .authenticate_session("recent-secret", now)
            .await
            .expect("the recent session goes on");
        assert_eq!(principal.user.email, "ada@acme.example");
        assert!(
            app.authenticate_session("idle-secret", now).await.is_err(),
            "{url}: a session unused for 45 minutes has ended"
        );
        let sessions = app.my_sessions(&principal, now).await.expect("sessions");
        assert_eq!(sessions.len(), 1, "{url}: {sessions:?}");
        let session = &sessions[0];
        assert!(session.current);
        assert_eq!(session.public_id.get_version_num(), 4, "{url}: a random id");
        assert_eq!(
            session.last_seen_at, now,
            "{url}: its use just now is noted"
        );
        assert_eq!(session.browser(), "Unknown browser");
        app.close().await;
    }
}
