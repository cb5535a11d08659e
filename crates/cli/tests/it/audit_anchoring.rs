//! The audit trail anchored outside the database: organisation chains rooted in the instance
//! chain, signed checkpoints written to a file, and `custos audit verify --checkpoints`
//! catching what someone with write access to the database alone could otherwise hide.

use std::path::{Path, PathBuf};
use std::process::Output;

use custos_app::AppError;
use custos_app::domain::platform::{Role, TokenScope};
use custos_app::platform::checkpoints::{
    AuditKey, Checkpoint, CheckpointSink, Checkpointer, read_checkpoints,
};
use reqwest::StatusCode;

use crate::audit::{broken_links, with_history};
use crate::cli::{custos_command, text};
use crate::on_both_backends;
use crate::support::{PASSWORD, TempDir, TestApp, objective};

/// Runs `custos` on the test's database, with the audit key and the checkpoint file in `dir`.
fn custos(app: &TestApp, dir: &Path, args: &[&str]) -> Output {
    custos_command()
        .arg("--database-url")
        .arg(&app.database_url)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .env_remove("RUST_LOG")
        .output()
        .expect("run custos")
}

fn checkpoint_file(dir: &Path) -> PathBuf {
    dir.join("audit-checkpoints.jsonl")
}

/// Takes checkpoints of every chain into `dir`'s checkpoint file.
fn take_checkpoints(app: &TestApp, dir: &Path) {
    let taken = custos(app, dir, &["audit", "checkpoint"]);
    assert!(taken.status.success(), "{}", text(&taken));
}

fn verify_against(app: &TestApp, dir: &Path, checkpoints: &Path) -> Output {
    custos(
        app,
        dir,
        &[
            "audit",
            "verify",
            "--checkpoints",
            checkpoints.to_str().expect("path"),
        ],
    )
}

/// How many events `chain` holds, as verification counts them.
async fn events_in(app: &TestApp, chain: &str) -> i64 {
    app.app
        .verify_audit_chains()
        .await
        .expect("verify")
        .iter()
        .find(|r| r.chain == chain)
        .map_or(0, |r| r.events)
}

on_both_backends! {
    async fn a_chain_cut_back_with_its_head_rewound_fails_against_a_checkpoint(app) {
        let org = with_history(&app).await;
        let last = events_in(&app, &org).await;
        let dir = TempDir::new();
        take_checkpoints(&app, &dir.0);
        // The two newest events go, and the head is pointed at the event before them with
        // that event's stored hash: every link left in the database holds.
        let kept = last - 2;
        app.raw_sql(&format!("DELETE FROM audit_events WHERE chain = '{org}' AND seq > {kept}")).await;
        app.raw_sql(&format!(
            "UPDATE audit_chains SET last_seq = {kept},
                 last_hash = (SELECT hash FROM audit_events WHERE chain = '{org}' AND seq = {kept})
             WHERE chain = '{org}'"
        )).await;
        let alone = custos(&app, &dir.0, &["audit", "verify"]);
        assert!(alone.status.success(), "the database alone cannot show this: {}", text(&alone));

        let against = verify_against(&app, &dir.0, &checkpoint_file(&dir.0));
        assert_eq!(against.status.code(), Some(1), "{}", text(&against));
        let expected = format!(
            "BROKEN  chain acme ({org}) at event {last}: the database holds this chain only up to event {kept}, but the checkpoint records event {last}"
        );
        assert!(text(&against).contains(&expected), "{}", text(&against));
    }
}

on_both_backends! {
    async fn a_removed_organisation_chain_is_detected_by_its_root(app) {
        let org = with_history(&app).await;
        let last = events_in(&app, &org).await;
        let dir = TempDir::new();
        take_checkpoints(&app, &dir.0);
        app.raw_sql(&format!("DELETE FROM audit_events WHERE chain = '{org}'")).await;
        app.raw_sql(&format!("DELETE FROM audit_chains WHERE chain = '{org}'")).await;
        assert_eq!(
            broken_links(&app).await,
            [(org.clone(), 1, "organisation acme has no audit chain: its events and chain head are missing".to_owned())]
        );
        let alone = custos(&app, &dir.0, &["audit", "verify"]);
        assert_eq!(alone.status.code(), Some(1));
        assert!(text(&alone).contains(&format!("BROKEN  chain acme ({org}) at event 1: organisation acme has no audit chain")), "{}", text(&alone));

        let against = verify_against(&app, &dir.0, &checkpoint_file(&dir.0));
        assert_eq!(against.status.code(), Some(1));
        let expected = format!("BROKEN  chain acme ({org}) at event {last}: the chain is missing, but the checkpoint records it up to event {last}");
        assert!(text(&against).contains(&expected), "{}", text(&against));
    }
}

on_both_backends! {
    async fn a_chain_started_afresh_is_not_the_rooted_one(app) {
        let org = with_history(&app).await;
        app.raw_sql(&format!("DELETE FROM audit_events WHERE chain = '{org}'")).await;
        app.raw_sql(&format!("DELETE FROM audit_chains WHERE chain = '{org}'")).await;
        // The next change opens a new chain: every link of it holds, but its first event is
        // not the one the instance chain recorded when the organisation was created.
        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        assert_eq!(api.post_json("/api/v1/orgs/acme/objectives", &objective("After")).await.0, StatusCode::CREATED);
        let broken = broken_links(&app).await;
        assert_eq!(broken.len(), 1, "{broken:?}");
        assert_eq!((broken[0].0.as_str(), broken[0].1), (org.as_str(), 1));
        assert!(broken[0].2.starts_with("event 1 is not the first event that instance event"), "{broken:?}");
    }
}

on_both_backends! {
    async fn an_emptied_audit_trail_is_detected(app) {
        let org = with_history(&app).await;
        let instance_events = events_in(&app, "instance").await;
        let dir = TempDir::new();
        take_checkpoints(&app, &dir.0);
        app.raw_sql("DELETE FROM audit_events").await;
        app.raw_sql("DELETE FROM audit_chains").await;
        // The organisation is still there: its missing chain shows without any checkpoint.
        assert_eq!(
            broken_links(&app).await,
            [(org.clone(), 1, "organisation acme has no audit chain: its events and chain head are missing".to_owned())]
        );
        let against = verify_against(&app, &dir.0, &checkpoint_file(&dir.0));
        assert_eq!(against.status.code(), Some(1));
        let expected = format!("BROKEN  chain instance at event {instance_events}: the chain is missing, but the checkpoint records it up to event {instance_events}");
        assert!(text(&against).contains(&expected), "{}", text(&against));
    }
}

on_both_backends! {
    async fn a_chain_head_with_another_hash_is_named_so(app) {
        let org = with_history(&app).await;
        let last = events_in(&app, &org).await;
        app.raw_sql(&format!(
            "UPDATE audit_chains SET last_hash = (SELECT hash FROM audit_events WHERE chain = '{org}' AND seq = 1)
             WHERE chain = '{org}'"
        )).await;
        assert_eq!(
            broken_links(&app).await,
            [(org, last, format!("the chain head's hash does not match event {last}"))]
        );
    }
}

on_both_backends! {
    async fn an_event_given_another_id_is_detected(app) {
        let org = with_history(&app).await;
        let changed = app.raw_sql(&format!(
            "UPDATE audit_events SET id = '0190a000-0000-7000-8000-0000000000ff' WHERE chain = '{org}' AND seq = 2"
        )).await;
        assert_eq!(changed, 1);
        let broken = broken_links(&app).await;
        assert_eq!(broken.len(), 1, "{broken:?}");
        assert_eq!((broken[0].0.as_str(), broken[0].1), (org.as_str(), 2));
        assert!(broken[0].2.contains("altered"), "{broken:?}");
    }
}

on_both_backends! {
    async fn an_altered_or_foreign_checkpoint_is_refused(app) {
        let org = with_history(&app).await;
        let dir = TempDir::new();
        take_checkpoints(&app, &dir.0);
        let lines = std::fs::read_to_string(checkpoint_file(&dir.0)).expect("checkpoints");
        let org_line = lines.lines().position(|l| l.contains(&org)).expect("a checkpoint of acme") + 1;

        // An earlier time on a genuine line: the signature no longer covers what it says.
        let altered = dir.0.join("altered.jsonl");
        std::fs::write(&altered, lines.replace("\"at\":\"2", "\"at\":\"1")).expect("write");
        let refused = verify_against(&app, &dir.0, &altered);
        assert_eq!(refused.status.code(), Some(1));
        let expected = format!("BROKEN  chain acme ({org}) at event");
        assert!(text(&refused).contains(&expected), "{}", text(&refused));
        assert!(text(&refused).contains(&format!("the checkpoint on line {org_line}: its signature does not verify")), "{}", text(&refused));

        // Checkpoints signed by another key are not the instance's.
        let other = TempDir::new();
        take_checkpoints(&app, &other.0);
        let foreign = verify_against(&app, &dir.0, &checkpoint_file(&other.0));
        assert_eq!(foreign.status.code(), Some(1));
        assert!(text(&foreign).contains("which is not a trusted key"), "{}", text(&foreign));

        // An auditor holding only the public key verifies them, with no key file at all.
        let public = custos(&app, &other.0, &["audit", "public-key"]);
        let public = String::from_utf8_lossy(&public.stdout).trim().to_owned();
        let auditor = TempDir::new();
        let with_public = custos(&app, &auditor.0, &["audit", "verify", "--checkpoints", checkpoint_file(&other.0).to_str().expect("path"), "--public-key", &public]);
        assert!(with_public.status.success(), "{}", text(&with_public));
        assert!(text(&with_public).contains("The database holds all 2 checkpoint(s)."), "{}", text(&with_public));
        assert!(!auditor.0.join("audit.key").exists(), "verifying never creates a key");
        let no_key = verify_against(&app, &auditor.0, &checkpoint_file(&other.0));
        assert_eq!(no_key.status.code(), Some(1));
        assert!(text(&no_key).contains("pass --public-key"), "{}", text(&no_key));

        let garbled = dir.0.join("garbled.jsonl");
        std::fs::write(&garbled, format!("{lines}not a checkpoint\n")).expect("write");
        let unreadable = verify_against(&app, &dir.0, &garbled);
        assert_eq!(unreadable.status.code(), Some(1));
        assert!(text(&unreadable).contains(&format!("line {} of", lines.lines().count() + 1)) && text(&unreadable).contains("is not a checkpoint"), "{}", text(&unreadable));
        let bad_key = custos(&app, &dir.0, &["audit", "verify", "--checkpoints", checkpoint_file(&dir.0).to_str().expect("path"), "--public-key", "abc"]);
        assert_eq!(bad_key.status.code(), Some(1));
        assert!(text(&bad_key).contains("64 hexadecimal characters"), "{}", text(&bad_key));
    }
}

on_both_backends! {
    async fn a_chain_that_does_not_verify_is_never_signed(app) {
        let org = with_history(&app).await;
        app.raw_sql(&format!("UPDATE audit_events SET actor = 'mallory' WHERE chain = '{org}' AND seq = 2")).await;
        let dir = TempDir::new();
        let taken = custos(&app, &dir.0, &["audit", "checkpoint", "--stdout"]);
        assert_eq!(taken.status.code(), Some(1), "{}", text(&taken));
        assert!(text(&taken).contains(&format!("NOT SIGNED  chain {org} at event 2")), "{}", text(&taken));
        let written = std::fs::read_to_string(checkpoint_file(&dir.0)).expect("checkpoints");
        assert_eq!(written.lines().count(), 1, "the instance chain only: {written}");
        assert!(!written.contains(&org));
        // Standard output carries the same lines, for a log collector.
        let printed = String::from_utf8_lossy(&taken.stdout);
        assert_eq!(printed, written);
        assert!(Checkpoint::parse_line(printed.trim()).is_ok());
    }
}

on_both_backends! {
    async fn the_key_is_private_to_its_owner_and_never_printed(app) {
        with_history(&app).await;
        let dir = TempDir::new();
        let outputs = [
            custos(&app, &dir.0, &["audit", "checkpoint", "--stdout"]),
            custos(&app, &dir.0, &["audit", "public-key"]),
            verify_against(&app, &dir.0, &checkpoint_file(&dir.0)),
        ];
        let key = dir.0.join("audit.key");
        let secret = std::fs::read_to_string(&key).expect("key file").trim().to_owned();
        assert_eq!(secret.len(), 64);
        for output in &outputs {
            assert!(output.status.success(), "{}", text(output));
            assert!(!text(output).contains(&secret), "the key was printed: {}", text(output));
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).expect("metadata").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        // A configured key file must exist: a mistyped path never starts a new key.
        let missing = custos(&app, &dir.0, &["audit", "checkpoint", "--audit-key-file", "/nonexistent/audit.key"]);
        assert_eq!(missing.status.code(), Some(1));
        assert!(text(&missing).contains("cannot read /nonexistent/audit.key"), "{}", text(&missing));
        std::fs::write(&key, "not a key\n").expect("write");
        let broken = custos(&app, &dir.0, &["audit", "checkpoint"]);
        assert_eq!(broken.status.code(), Some(1));
        assert!(text(&broken).contains("is not an audit key"), "{}", text(&broken));
    }
}

on_both_backends! {
    async fn a_checkpointer_signs_only_chains_that_moved(app) {
        let org = with_history(&app).await;
        let dir = TempDir::new();
        let file = dir.0.join("checkpoints.jsonl");
        let (key, created) = AuditKey::open_or_create(&dir.0.join("audit.key")).expect("key");
        assert!(created);
        let public = key.public_key().clone();
        let mut checkpointer = Checkpointer::new(key, CheckpointSink { file: Some(file.clone()), stdout: false });
        let first = checkpointer.run(&app.app, custos_app::now()).await.expect("run");
        assert_eq!((first.written.len(), first.unchanged), (2, 0));
        let second = checkpointer.run(&app.app, custos_app::now()).await.expect("run");
        assert_eq!((second.written.len(), second.unchanged), (0, 2));

        let api = app.api("acme", "maya@acme.example", TokenScope::ReadWrite).await;
        assert_eq!(api.post_json("/api/v1/orgs/acme/objectives", &objective("Four")).await.0, StatusCode::CREATED);
        let third = checkpointer.run(&app.app, custos_app::now()).await.expect("run");
        assert_eq!(third.written.len(), 1);
        assert_eq!(third.written[0].chain, org);
        assert_eq!(third.written[0].seq, events_in(&app, &org).await);

        let read = read_checkpoints(&file).expect("read");
        assert_eq!(read.len(), 3);
        let verification = app.app.verify_audit_trail(&read, &[public]).await.expect("verify");
        assert!(verification.holds(), "{verification:?}");

        // The newest event goes: the next run finds the chain short of what it signed.
        app.raw_sql(&format!("DELETE FROM audit_events WHERE chain = '{org}' AND seq = (SELECT MAX(seq) FROM audit_events WHERE chain = '{org}')")).await;
        let fourth = checkpointer.run(&app.app, custos_app::now()).await.expect("run");
        assert!(fourth.written.is_empty());
        assert_eq!(fourth.broken.len(), 1, "{fourth:?}");
        assert_eq!(fourth.broken[0].chain, org);
    }
}

on_both_backends! {
    async fn organisations_created_by_an_instance_administrator_are_rooted(app) {
        with_history(&app).await;
        let now = custos_app::now();
        app.app.create_user("root@acme.example", "Root", PASSWORD, true, now).await.expect("admin");
        app.app.grant_role("acme", "root@acme.example", Role::Admin, now).await.expect("role");
        // Organisations are created from a browser session (instance administration).
        let principal = |email: &'static str| {
            let app = &app;
            async move {
                let session = app.app.log_in(email, PASSWORD, &Default::default(), now).await.expect("log-in");
                app.app.authenticate_session(&session.secret, now).await.expect("principal")
            }
        };
        let founder = custos_app::platform::FirstAdministrator::Founder;
        let admin = principal("root@acme.example").await;
        let globex = app.app.create_organisation(&admin, "globex", "Globex", founder, now).await.expect("created").organisation;
        assert!(matches!(
            app.app.create_organisation(&admin, "globex", "Globex again", founder, now).await,
            Err(AppError::Validation(_))
        ));
        let manager = principal("maya@acme.example").await;
        assert!(matches!(
            app.app.create_organisation(&manager, "initech", "Initech", founder, now).await,
            Err(AppError::Forbidden(_))
        ));
        assert!(broken_links(&app).await.is_empty());
        // Its first event, then the founder's membership.
        assert_eq!(events_in(&app, &globex.id.to_string()).await, 2);
        // Its first event is what the instance chain names: replacing it is detected.
        app.raw_sql(&format!("UPDATE audit_events SET actor = 'mallory' WHERE chain = '{}'", globex.id)).await;
        assert_eq!(broken_links(&app).await.len(), 1);
    }
}

on_both_backends! {
    async fn serving_writes_checkpoints_from_the_start(app) {
        with_history(&app).await;
        let dir = TempDir::new();
        let mut server = custos_command()
            .args(["serve", "--listen", "127.0.0.1:0", "--audit-checkpoint-minutes", "60"])
            .arg("--database-url")
            .arg(&app.database_url)
            .arg("--data-dir")
            .arg(&dir.0)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("serve");
        let file = checkpoint_file(&dir.0);
        let mut lines = 0;
        for _ in 0..100 {
            lines = std::fs::read_to_string(&file).map_or(0, |text| text.lines().count());
            if lines >= 2 {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(200)).await;
        }
        let _ = server.kill();
        let _ = server.wait();
        assert_eq!(lines, 2, "one checkpoint of each chain when the server starts");
        let verified = verify_against(&app, &dir.0, &file);
        assert!(verified.status.success(), "{}", text(&verified));
    }
}

#[test]
fn a_checkpoint_interval_beyond_a_week_is_refused() {
    let dir = TempDir::new();
    let output = custos_command()
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--audit-checkpoint-minutes",
            "18446744073709551615",
        ])
        .arg("--data-dir")
        .arg(&dir.0)
        .output()
        .expect("run custos");
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(
        text(&output).contains("audit_checkpoint_minutes must be from 0 (none) to 10080"),
        "{}",
        text(&output)
    );
}
