//! Migrations: idempotent, refuse edited or unknown migrations, and serialise instances that
//! start together.

use custos_app::{App, Settings};

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
            let app = App::connect(&url, Settings::default())
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

/// Upgrades from every earlier schema keep the data written under it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_older_schema_upgrades_with_its_data() {
    let dir = crate::support::TempDir::new();
    let mut urls = vec![format!(
        "sqlite://{}?mode=rwc",
        dir.0.join("upgrade.db").display()
    )];
    let postgres = crate::support::fresh_postgres_database().await;
    if let Some(database) = &postgres {
        urls.push(database.url.clone());
    }
    for url in urls {
        let app = App::connect(&url, Settings::default())
            .await
            .expect("connect");
        // Schema 1: a user and an organisation written before `must_change_password` existed.
        assert_eq!(app.migrate_up_to(1).await.expect("migrate to 1"), 1);
        app.ensure_organisation("acme", "Acme Ltd", custos_app::now())
            .await
            .expect("org");
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
        sqlx::any::install_default_drivers();
        let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&url)
            .await
            .expect("raw");
        sqlx::Executor::execute(&mut conn, raw)
            .await
            .expect("old user");

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
    }
}
