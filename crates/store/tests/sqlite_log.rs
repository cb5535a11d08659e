//! SQLite's write-ahead log is copied back into the database file by the store's own
//! checkpointer, not by the commit that fills it: the writer's connections turn SQLite's
//! automatic checkpoint off, so if the checkpointer stopped working the log would grow without
//! end and these tests would fail.

use std::time::{Duration, Instant};

use custos_store::Store;
use uuid::Uuid;

/// Rows of about a kilobyte each: 20 MB, far past the 1,000 pages at which SQLite would copy
/// the log back by itself.
const ROWS: i64 = 20_000;

fn size_of(path: &std::path::Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

/// Waits until `done` holds, for at most 30 s: the checkpointer runs on its own thread.
fn eventually(mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < Duration::from_secs(30) {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    false
}

#[tokio::test]
async fn a_large_commit_reaches_the_database_file_without_the_writer_copying_it() {
    let path = std::env::temp_dir().join(format!("custos-log-{}.db", Uuid::new_v4().simple()));
    let store = Store::connect(&format!("sqlite://{}?mode=rwc", path.display()))
        .await
        .expect("connect");
    store.migrate().await.expect("migrate");
    let before = size_of(&path);

    let mut tx = store.begin().await.expect("begin");
    tx.execute_batch(&format!(
        "CREATE TABLE filler (body BLOB NOT NULL);
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {ROWS})
         INSERT INTO filler (body) SELECT randomblob(1000) FROM n;"
    ))
    .await
    .expect("write");
    tx.commit().await.expect("commit");

    // The log holds the rows first; the checkpointer then copies them into the file.
    let wal = path.with_extension("db-wal");
    assert!(
        size_of(&wal) > 20_000_000,
        "the rows went to the log first ({} bytes)",
        size_of(&wal)
    );
    assert!(
        eventually(|| size_of(&path) > before + 20_000_000),
        "the log was never copied back: the file stayed at {} bytes",
        size_of(&path)
    );

    // What was copied is what was written, for every reader.
    let mut reader = store.reader().await.expect("reader");
    let (count,): (i64,) = reader
        .fetch_one("SELECT COUNT(*) FROM filler", &[])
        .await
        .expect("count");
    assert_eq!(count, ROWS);
    drop(reader);
    store.close().await;
    let _ = std::fs::remove_file(&path);
    let _ = std::fs::remove_file(&wal);
    let _ = std::fs::remove_file(path.with_extension("db-shm"));
}
