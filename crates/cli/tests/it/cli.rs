//! The `custos` command line against a real database.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use reqwest::StatusCode;

use crate::on_both_backends;
use crate::support::{Client, objective};

/// The `custos` binary without any `CUSTOS_*` setting of the environment the tests run in.
pub(crate) fn custos_command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_custos"));
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("CUSTOS_") {
            command.env_remove(name);
        }
    }
    command
}

pub(crate) fn custos(database_url: &str, args: &[&str], stdin: Option<&str>) -> Output {
    let mut child = custos_command()
        .args(args)
        .arg("--database-url")
        .arg(database_url)
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run custos");
    if let Some(input) = stdin {
        child
            .stdin
            .take()
            .expect("stdin")
            .write_all(input.as_bytes())
            .expect("write stdin");
    }
    drop(child.stdin.take());
    child.wait_with_output().expect("wait")
}

pub(crate) fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

on_both_backends! {
    async fn the_command_line_creates_users_tokens_and_verifies_the_trail(app) {
        let db = app.database_url.clone();
        let created = custos(&db, &["user", "create", "--admin", "--email", "Ada@Acme.example", "--name", "Ada", "--org", "acme", "--org-name", "Acme Ltd", "--password-stdin"], Some("a long enough password\n"));
        assert!(created.status.success(), "{}", text(&created));
        assert!(text(&created).contains("Administrator of acme"));
        let duplicate = custos(&db, &["user", "create", "--email", "ada@acme.example", "--name", "Ada again"], None);
        assert!(!duplicate.status.success());
        assert!(text(&duplicate).contains("exists"), "{}", text(&duplicate));
        let weak = custos(&db, &["user", "create", "--email", "weak@acme.example", "--name", "Weak", "--password-stdin"], Some("short"));
        assert!(!weak.status.success() && text(&weak).contains("at least 12"));
        let generated = custos(&db, &["user", "create", "--email", "gen@acme.example", "--name", "Gen", "--org", "acme", "--role", "auditor"], None);
        assert!(generated.status.success(), "{}", text(&generated));
        assert!(text(&generated).contains("Password (shown once): "));

        let list = custos(&db, &["user", "list"], None);
        assert!(text(&list).contains("ada@acme.example\tAda\tactive\tinstance admin"), "{}", text(&list));

        let client = Client::anonymous(&app);
        assert_eq!(client.login("ada@acme.example", "a long enough password").await.status(), StatusCode::SEE_OTHER);

        let token = custos(&db, &["token", "create", "--org", "acme", "--email", "ada@acme.example", "--scope", "read-write", "--days", "7"], None);
        assert!(token.status.success(), "{}", text(&token));
        let secret = String::from_utf8_lossy(&token.stdout).trim().to_owned();
        let api = Client::with_token(&app, &secret);
        assert_eq!(api.post_json("/api/v1/orgs/acme/objectives", &objective("From a CLI token")).await.0, StatusCode::CREATED);
        let outsider = custos(&db, &["token", "create", "--org", "globex", "--email", "ada@acme.example"], None);
        assert!(!outsider.status.success());

        let verify = custos(&db, &["audit", "verify"], None);
        assert!(verify.status.success(), "{}", text(&verify));
        assert!(text(&verify).contains("verify") && text(&verify).contains("ok      chain acme ("), "{}", text(&verify));

        let reset = custos(&db, &["user", "reset-password", "--email", "ada@acme.example", "--password-stdin"], Some("another long password"));
        assert!(reset.status.success(), "{}", text(&reset));
        assert_eq!(client.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED, "a reset ends sessions");
        assert_eq!(client.login("ada@acme.example", "another long password").await.status(), StatusCode::SEE_OTHER);
        let disable = custos(&db, &["user", "disable", "--email", "ada@acme.example"], None);
        assert!(disable.status.success());
        assert_eq!(client.get_json("/api/v1/me").await.0, StatusCode::UNAUTHORIZED);

        app.raw_sql("UPDATE audit_events SET actor = 'mallory' WHERE seq = 2 AND chain <> 'instance'").await;
        let tampered = custos(&db, &["audit", "verify"], None);
        assert_eq!(tampered.status.code(), Some(1));
        assert!(text(&tampered).contains("BROKEN") && text(&tampered).contains("at event 2"), "{}", text(&tampered));
    }
}

#[test]
fn an_unknown_database_url_is_a_clear_error() {
    let output = custos("mysql://localhost/custos", &["user", "list"], None);
    assert!(!output.status.success());
    assert!(text(&output).contains("not supported"), "{}", text(&output));
}

on_both_backends! {
    async fn configuration_comes_from_a_file_the_environment_and_flags(app) {
        let dir = crate::support::TempDir::new();
        app.app.ensure_organisation("acme", "Acme Ltd", custos_app::now()).await.expect("org");
        let config = dir.0.join("custos.toml");
        std::fs::write(&config, format!("database_url = \"{}\"\n", app.database_url)).expect("write config");
        let from_file = custos_command().args(["--config", config.to_str().expect("path"), "org", "list"]).output().expect("run");
        assert!(from_file.status.success(), "{}", text(&from_file));
        assert!(String::from_utf8_lossy(&from_file.stdout).contains("acme\tAcme Ltd"));

        let from_env = custos_command().args(["org", "list"]).env("CUSTOS_DATABASE_URL", &app.database_url).output().expect("run");
        assert!(String::from_utf8_lossy(&from_env.stdout).contains("acme\tAcme Ltd"), "{}", text(&from_env));

        let secret_file = dir.0.join("database-url");
        std::fs::write(&secret_file, format!("{}\n", app.database_url)).expect("write secret");
        let from_secret = custos_command().args(["org", "list"]).env("CUSTOS_DATABASE_URL_FILE", &secret_file).output().expect("run");
        assert!(String::from_utf8_lossy(&from_secret.stdout).contains("acme\tAcme Ltd"), "{}", text(&from_secret));

        // Flags win over the environment, which wins over the file.
        let empty = dir.0.join("empty.db");
        let flag_wins = custos_command()
            .args(["--config", config.to_str().expect("path"), "org", "list", "--database-url", &format!("sqlite://{}?mode=rwc", empty.display())])
            .env("CUSTOS_DATABASE_URL", &app.database_url)
            .output()
            .expect("run");
        assert!(flag_wins.status.success(), "{}", text(&flag_wins));
        assert!(!String::from_utf8_lossy(&flag_wins.stdout).contains("acme"));

        let missing = custos_command().args(["--config", "/nonexistent/custos.toml", "org", "list"]).output().expect("run");
        assert_eq!(missing.status.code(), Some(2));
        assert!(text(&missing).contains("does not exist"));
    }
}

#[test]
fn the_log_written_to_a_file_carries_no_colour_codes() {
    let dir = crate::support::TempDir::new();
    let log_path = dir.0.join("custos.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let database = format!("sqlite://{}?mode=rwc", dir.0.join("custos.db").display());
    let status = custos_command()
        .args(["migrate", "--database-url", &database])
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log)
        .status()
        .expect("run custos");
    assert!(status.success());
    let written = std::fs::read_to_string(&log_path).expect("read log");
    assert!(
        written.contains("INFO"),
        "the migrations are logged: {written}"
    );
    assert!(
        !written.contains("\x1b["),
        "colour codes in a log file: {written:?}"
    );
}
