//! The SQL reports and KPIs need, run on both backends: text ordering, aggregates
//! (`COUNT(*) FILTER`, `SUM`, `AVG`), date arithmetic and monthly buckets. The PostgreSQL half
//! needs `CUSTOS_TEST_POSTGRES_URL` (scripts/test sets it) and says so loudly when it is unset.

use custos_domain::context::{
    ObjectiveCategory, ObjectiveDraft, ObjectiveFilter, ObjectiveSort, ObjectiveStatus,
};
use custos_domain::list::{ListRequest, Page, SortDirection};
use custos_domain::platform::Organisation;
use custos_store::{Store, context, platform, reports};
use time::macros::{date, datetime};
use uuid::Uuid;

async fn stores() -> Vec<(Store, String)> {
    let path = std::env::temp_dir().join(format!("custos-store-{}.db", Uuid::new_v4().simple()));
    let mut urls = vec![format!("sqlite://{}?mode=rwc", path.display())];
    match std::env::var("CUSTOS_TEST_POSTGRES_URL") {
        Ok(admin_url) => {
            let name = format!("custos_store_{}", Uuid::new_v4().simple());
            let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
                .await
                .expect("connect to the test PostgreSQL server");
            sqlx::Executor::execute(
                &mut admin,
                sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")),
            )
            .await
            .expect("create database");
            let (prefix, _) = admin_url.rsplit_once('/').expect("URL with a path");
            urls.push(format!("{prefix}/{name}"));
        }
        Err(_) if std::env::var("CUSTOS_TEST_REQUIRE_POSTGRES").is_ok() => {
            panic!("CUSTOS_TEST_REQUIRE_POSTGRES is set but CUSTOS_TEST_POSTGRES_URL is not")
        }
        Err(_) => {
            eprintln!("SKIPPED on PostgreSQL: set CUSTOS_TEST_POSTGRES_URL (scripts/test does)")
        }
    }
    let mut stores = Vec::new();
    for url in urls {
        let store = Store::connect(&url).await.expect("connect");
        store.migrate().await.expect("migrate");
        stores.push((store, url));
    }
    stores
}

/// Closes `store` and, on PostgreSQL, drops the test's database (SQLite files live in the
/// temporary directory).
async fn drop_database(store: Store, url: &str) {
    store.close().await;
    let (Some((_, name)), Ok(admin_url)) = (
        url.rsplit_once('/'),
        std::env::var("CUSTOS_TEST_POSTGRES_URL"),
    ) else {
        return;
    };
    if !url.starts_with("postgres") {
        return;
    }
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::Executor::execute(
        &mut admin,
        sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")),
    )
    .await
    .expect("drop the test database");
}

fn draft(title: &str, due: Option<time::Date>) -> ObjectiveDraft {
    ObjectiveDraft {
        title: title.into(),
        rationale: String::new(),
        description: String::new(),
        benefits: String::new(),
        category: ObjectiveCategory::Risk,
        target: "t".into(),
        target_value: None,
        target_unit: None,
        owner_id: None,
        due_date: due,
        status: None,
    }
}

/// An organisation with objectives created on the given days, each `(title, due, status)`.
async fn organisation_with(
    store: &Store,
    objectives: &[(
        &str,
        Option<time::Date>,
        ObjectiveStatus,
        time::OffsetDateTime,
    )],
) -> Uuid {
    let org = Organisation {
        id: Uuid::now_v7(),
        slug: format!("o{}", Uuid::new_v4().simple()),
        name: "Org".into(),
    };
    let mut tx = store.begin().await.expect("begin");
    platform::insert_organisation(&mut tx, &org, datetime!(2026-01-01 0:00 UTC))
        .await
        .expect("org");
    for (number, (title, due, status, created)) in objectives.iter().enumerate() {
        context::insert(
            &mut tx,
            org.id,
            Uuid::now_v7(),
            number as i64 + 1,
            &draft(title, *due),
            *status,
            *created,
        )
        .await
        .expect("objective");
    }
    tx.commit().await.expect("commit");
    org.id
}

#[tokio::test]
async fn titles_sort_the_same_on_both_backends_whatever_their_case_and_accents() {
    let created = datetime!(2026-03-01 9:00 UTC);
    let titles = [
        "zèbre",
        "Zebra",
        "éclair",
        "Eagle",
        "apple",
        "Äpfel",
        "_underscore",
        "10 items",
        "2 items",
    ];
    for (store, url) in stores().await {
        let rows: Vec<_> = titles
            .iter()
            .map(|t| (*t, None, ObjectiveStatus::Draft, created))
            .collect();
        let org = organisation_with(&store, &rows).await;
        let mut conn = store.reader().await.expect("conn");
        let request = ListRequest {
            filter: ObjectiveFilter::default(),
            sort: ObjectiveSort::Title,
            direction: SortDirection::Asc,
            page: Page::new(None, None),
        };
        let listed = context::list(&mut conn, org, &request, None)
            .await
            .expect("list");
        let sorted: Vec<&str> = listed.items.iter().map(|o| o.title.as_str()).collect();
        assert_eq!(
            sorted,
            [
                "10 items",
                "2 items",
                "_underscore",
                "Äpfel",
                "apple",
                "Eagle",
                "éclair",
                "Zebra",
                "zèbre"
            ],
            "{url}"
        );
        drop(conn);
        drop_database(store, &url).await;
    }
}

#[tokio::test]
async fn counts_sums_averages_and_date_arithmetic_agree_on_both_backends() {
    let today = date!(2026 - 11 - 28);
    let objectives = [
        (
            "late by ten days",
            Some(date!(2026 - 11 - 18)),
            ObjectiveStatus::Draft,
            datetime!(2026-01-05 8:00 UTC),
        ),
        (
            "late by twenty days",
            Some(date!(2026 - 11 - 08)),
            ObjectiveStatus::Approved,
            datetime!(2026-01-31 23:59 UTC),
        ),
        (
            "late but achieved",
            Some(date!(2026 - 10 - 01)),
            ObjectiveStatus::Achieved,
            datetime!(2026-02-01 0:00 UTC),
        ),
        (
            "due later",
            Some(date!(2027 - 01 - 01)),
            ObjectiveStatus::Approved,
            datetime!(2026-03-15 12:00 UTC),
        ),
        (
            "no due date",
            None,
            ObjectiveStatus::Draft,
            datetime!(2026-03-16 12:00 UTC),
        ),
    ];
    for (store, url) in stores().await {
        let org = organisation_with(&store, &objectives).await;
        let mut conn = store.reader().await.expect("conn");
        let summary = reports::objective_summary(&mut conn, org, today)
            .await
            .expect("summary");
        assert_eq!(
            summary,
            reports::ObjectiveSummary {
                total: 5,
                approved: 2,
                overdue: 2,
                mean_days_overdue: Some(15.0),
                versions_written: 5,
            },
            "{url}"
        );
        let months = reports::objectives_created_per_month(&mut conn, org)
            .await
            .expect("months");
        assert_eq!(
            months,
            [
                ("2026-01".to_owned(), 2),
                ("2026-02".to_owned(), 1),
                ("2026-03".to_owned(), 2)
            ],
            "{url}"
        );
        let empty = organisation_with(&store, &[]).await;
        let summary = reports::objective_summary(&mut conn, empty, today)
            .await
            .expect("empty summary");
        assert_eq!(
            (
                summary.total,
                summary.mean_days_overdue,
                summary.versions_written
            ),
            (0, None, 0),
            "{url}"
        );
        drop(conn);
        drop_database(store, &url).await;
    }
}

/// The asset statements take their parameters from the field declaration: an asset whose
/// every field holds a value no other field could hold reads back as it was written, so a
/// column named out of the declaration's order cannot go unnoticed.
#[tokio::test]
async fn every_asset_field_reads_back_from_the_column_it_was_written_to() {
    use custos_domain::assets::{AssetDraft, AssetStatus, AssetType};
    use custos_store::assets;
    let now = datetime!(2026-03-01 9:00 UTC);
    for (store, url) in stores().await {
        let org = organisation_with(&store, &[]).await;
        let mut tx = store.begin().await.expect("begin");
        let mut people = Vec::new();
        for who in ["owner", "custodian"] {
            let id = Uuid::now_v7();
            let email = format!("{who}-{}@example.org", id.simple());
            let user = platform::NewUser {
                id,
                email: &email,
                name: who,
                password_hash: "x",
                instance_admin: false,
                must_change_password: false,
            };
            platform::insert_user(&mut tx, &user, now)
                .await
                .expect("user");
            people.push(id);
        }
        let draft = AssetDraft {
            name: "Name".into(),
            description: "Description".into(),
            asset_type: AssetType::Service,
            owner_id: Some(people[0]),
            custodian_id: Some(people[1]),
            location: "Location".into(),
            classification: Some(2),
            confidentiality: Some(3),
            integrity: Some(4),
            availability: Some(5),
            status: AssetStatus::Planned,
            tags: vec!["one".into(), "two".into()],
            external_id: Some("EXT-1".into()),
            last_reviewed_on: Some(date!(2026 - 01 - 02)),
            next_review_on: Some(date!(2027 - 03 - 04)),
        };
        let id = Uuid::now_v7();
        assets::insert(&mut tx, org, id, 1, &draft, now)
            .await
            .expect("insert");
        let written = assets::find(&mut tx, org, id).await.expect("find");
        let written = written.expect("the asset");
        assert_eq!(AssetDraft::from(&written), draft, "{url}");
        assert_eq!(written.owner_name.as_deref(), Some("owner"), "{url}");
        let changed = AssetDraft {
            name: "Other".into(),
            confidentiality: None,
            availability: Some(1),
            tags: Vec::new(),
            ..draft
        };
        assert!(
            assets::update(&mut tx, org, id, 1, 1, &changed, now)
                .await
                .expect("update")
        );
        let updated = assets::find(&mut tx, org, id).await.expect("find");
        assert_eq!(AssetDraft::from(&updated.expect("asset")), changed, "{url}");
        tx.commit().await.expect("commit");
        drop_database(store, &url).await;
    }
}

#[tokio::test]
async fn many_rows_insert_in_batches_with_their_types_nulls_and_returning() {
    use custos_store::db::{Param, ROWS_PER_STATEMENT, RowsInsert};
    const PROBE: RowsInsert = RowsInsert {
        table: "batch_probe",
        columns: &["id", "n", "t", "at", "d", "b", "f"],
        tail: "ON CONFLICT DO NOTHING RETURNING id, n",
    };
    for (store, url) in stores().await {
        let mut tx = store.begin().await.expect("begin");
        let table = if url.starts_with("postgres") {
            "CREATE TABLE batch_probe (id uuid PRIMARY KEY, n bigint, t text, at timestamptz, \
             d date, b boolean, f double precision)"
        } else {
            "CREATE TABLE batch_probe (id TEXT PRIMARY KEY, n INTEGER, t TEXT, at TEXT, d TEXT, \
             b INTEGER, f REAL)"
        };
        tx.execute_batch(table).await.expect("table");
        // More rows than one PostgreSQL statement takes, every other one with nulls.
        let count = ROWS_PER_STATEMENT * 2 + 7;
        let ids: Vec<Uuid> = (0..count).map(|_| Uuid::now_v7()).collect();
        let row = |index: usize| -> Vec<Param<'static>> {
            let n = index as i64;
            let full = index.is_multiple_of(2);
            vec![
                ids[index].into(),
                Param::Int(full.then_some(n)),
                Param::Text(full.then(|| format!("row {n}, with \"quotes\"\tand a tab").into())),
                Param::Time(full.then_some(datetime!(2026-11-28 10:00:00.123456 UTC))),
                Param::Date(full.then_some(date!(2026 - 02 - 28))),
                Param::Bool(full.then_some(n % 4 == 0)),
                Param::Float(full.then_some(n as f64 / 2.0)),
            ]
        };
        let returned: Vec<(Uuid, Option<i64>)> = tx
            .insert_rows(&PROBE, (0..count).map(row).collect())
            .await
            .expect("insert");
        assert_eq!(returned.len(), count, "{url}");
        // Rows that exist already are skipped by the tail, and not returned.
        let again: Vec<(Uuid, Option<i64>)> = tx
            .insert_rows(&PROBE, vec![row(0), row(1)])
            .await
            .expect("insert again");
        assert!(again.is_empty(), "{url}");
        let stored: (i64, i64, String, time::OffsetDateTime, time::Date) = tx
            .fetch_one(
                "SELECT COUNT(*), CAST(SUM(n) AS BIGINT), MAX(t), MAX(at), MIN(d) FROM batch_probe",
                &[],
            )
            .await
            .expect("read back");
        let evens = (0..count as i64).filter(|n| n % 2 == 0);
        assert_eq!(stored.0, count as i64, "{url}");
        assert_eq!(stored.1, evens.sum::<i64>(), "{url}");
        assert!(stored.2.contains("\"quotes\"\tand a tab"), "{url}");
        assert_eq!(stored.3, datetime!(2026-11-28 10:00:00.123456 UTC), "{url}");
        assert_eq!(stored.4, date!(2026 - 02 - 28), "{url}");
        let nulls: (i64,) = tx
            .fetch_one(
                "SELECT COUNT(*) FROM batch_probe WHERE n IS NULL AND t IS NULL AND b IS NULL",
                &[],
            )
            .await
            .expect("nulls");
        assert_eq!(nulls.0, (count / 2) as i64, "{url}");
        // A column whose rows disagree on its type is refused on PostgreSQL, which sends it as
        // one array; SQLite binds each row as it comes.
        if url.starts_with("postgres") {
            let mut mixed = row(2);
            mixed[0] = Uuid::now_v7().into();
            mixed[1] = "two".into();
            let refused = tx
                .insert_rows::<(Uuid, Option<i64>)>(&PROBE, vec![row(4), mixed])
                .await;
            assert!(refused.is_err(), "{url}");
        }
        drop(tx);
        drop_database(store, &url).await;
    }
}

#[tokio::test]
async fn a_write_holding_its_organisation_makes_a_settings_change_wait_for_it() {
    for (store, url) in stores().await {
        if !url.starts_with("postgres") {
            // SQLite has one writer: the second transaction could not even begin.
            drop_database(store, &url).await;
            continue;
        }
        let org = organisation_with(&store, &[]).await;
        let mut writer = store.begin().await.expect("begin the asset write");
        platform::share_organisation(&mut writer, org)
            .await
            .expect("share");
        // Another asset write shares the row too.
        let mut other_writer = store.begin().await.expect("begin another write");
        platform::share_organisation(&mut other_writer, org)
            .await
            .expect("share twice");
        other_writer.commit().await.expect("commit");

        let mut change = store.begin().await.expect("begin the settings change");
        change
            .execute_batch("SET LOCAL lock_timeout = '200ms'")
            .await
            .expect("timeout");
        let waited = platform::lock_organisation(&mut change, org).await;
        assert!(waited.is_err(), "the change must wait for the write: {url}");
        drop(change);

        writer.commit().await.expect("commit the write");
        let mut change = store.begin().await.expect("begin again");
        platform::lock_organisation(&mut change, org)
            .await
            .expect("nothing to wait for once the write ended");
        change.commit().await.expect("commit");
        drop_database(store, &url).await;
    }
}

#[tokio::test]
async fn a_scheme_draft_is_submitted_only_as_it_stood_at_the_revision_read() {
    use custos_domain::assets::classification::ClassificationScheme;
    use custos_store::asset_settings;
    let now = datetime!(2026-11-28 12:00 UTC);
    for (store, url) in stores().await {
        let org = organisation_with(&store, &[]).await;
        let levels = ClassificationScheme::default_scheme().levels;
        let mut tx = store.begin().await.expect("begin");
        asset_settings::insert_draft(&mut tx, org, 2, &levels, now)
            .await
            .expect("draft");
        assert!(
            asset_settings::update_draft(&mut tx, org, 2, 1, &levels, now)
                .await
                .expect("save"),
            "{url}"
        );
        // Revision 1 was read before someone saved revision 2: not sent.
        assert!(
            !asset_settings::submit_draft(&mut tx, org, 2, 1, now)
                .await
                .expect("stale"),
            "{url}"
        );
        assert!(
            asset_settings::submit_draft(&mut tx, org, 2, 2, now)
                .await
                .expect("current"),
            "{url}"
        );
        // Once sent it is no draft any more.
        assert!(
            !asset_settings::submit_draft(&mut tx, org, 2, 2, now)
                .await
                .expect("again"),
            "{url}"
        );
        tx.commit().await.expect("commit");
        drop_database(store, &url).await;
    }
}

#[tokio::test]
async fn assets_are_written_over_many_at_once_only_at_the_version_read() {
    use custos_domain::assets::AssetInput;
    use custos_store::assets::{self, AssetChange};
    let now = datetime!(2026-11-28 12:00 UTC);
    let draft = |name: &str| {
        AssetInput {
            name: name.into(),
            asset_type: "software".into(),
            ..AssetInput::default()
        }
        .parse()
        .expect("draft")
    };
    for (store, url) in stores().await {
        let org = organisation_with(&store, &[]).await;
        let (first, second) = (Uuid::now_v7(), Uuid::now_v7());
        let mut tx = store.begin().await.expect("begin");
        for (id, number) in [(first, 1), (second, 2)] {
            assets::insert(&mut tx, org, id, number, &draft("Before"), now)
                .await
                .expect("asset");
        }
        let after = draft("After");
        let change = |id, number, expected_version| AssetChange {
            id,
            number,
            expected_version,
            draft: &after,
        };
        // The second was read at a version that has moved on: only the first is written.
        let written = assets::update_all(
            &mut tx,
            org,
            &[change(first, 1, 1), change(second, 2, 7)],
            now,
        )
        .await
        .expect("update");
        assert_eq!(written, vec![first], "{url}");
        let stored = assets::find(&mut tx, org, first)
            .await
            .expect("find")
            .expect("first");
        assert_eq!(
            (stored.name.as_str(), stored.version),
            ("After", 2),
            "{url}"
        );
        let untouched = assets::find(&mut tx, org, second)
            .await
            .expect("find")
            .expect("second");
        assert_eq!(
            (untouched.name.as_str(), untouched.version),
            ("Before", 1),
            "{url}"
        );
        drop(tx);
        drop_database(store, &url).await;
    }
}
