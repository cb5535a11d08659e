//! Configuration (defaults, then an optional TOML file, then `CUSTOS_*` environment
//! variables, then flags) and the `serve` command built on it.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::{Context, bail};
use clap::Args;
use custos_app::platform::checkpoints::{AuditKey, CheckpointSink, Checkpointer};
use custos_app::{Administration, Settings, now};
use figment::Figment;
use figment::providers::{Env, Format, Serialized, Toml};
use serde::{Deserialize, Serialize};

/// The longest wait between two audit checkpoints while serving: a week.
const MAX_CHECKPOINT_MINUTES: u64 = 7 * 24 * 60;

/// Options every command understands.
#[derive(Args, Serialize, Default)]
pub struct SharedArgs {
    /// A TOML configuration file.
    #[arg(long, global = true, env = "CUSTOS_CONFIG")]
    #[serde(skip)]
    pub config: Option<PathBuf>,
    /// Where Custos keeps its SQLite database and files (default ./data).
    #[arg(long, global = true, env = "CUSTOS_DATA_DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data_dir: Option<PathBuf>,
    /// sqlite://path or postgres://user:password@host/db (default: SQLite in the data directory).
    #[arg(
        long,
        global = true,
        env = "CUSTOS_DATABASE_URL",
        hide_env_values = true
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database_url: Option<String>,
    /// The file holding the instance key that signs audit checkpoints (default: audit.key in
    /// the data directory, created on first use).
    #[arg(long, global = true, env = "CUSTOS_AUDIT_KEY_FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_key_file: Option<PathBuf>,
    /// The file audit checkpoints are appended to (default: audit-checkpoints.jsonl in the
    /// data directory).
    #[arg(long, global = true, env = "CUSTOS_AUDIT_CHECKPOINT_FILE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_checkpoint_file: Option<PathBuf>,
    /// Where evidence files are kept: file:///a/directory, s3://bucket/prefix (the AWS_*
    /// variables give endpoint, region and credentials) or memory: (default: the evidence
    /// directory in the data directory). Instances sharing a database share this too.
    #[arg(long, global = true, env = "CUSTOS_EVIDENCE_STORE")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub evidence_store: Option<String>,
}

/// Options of `custos serve`.
#[derive(Args, Serialize, Default)]
pub struct ServeArgs {
    /// Address and port to listen on (default 127.0.0.1:8080; 0.0.0.0:8080 for every interface).
    #[arg(long, env = "CUSTOS_LISTEN")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub listen: Option<String>,
    /// The URL people use to reach Custos, e.g. https://isms.example.org/isms.
    #[arg(long, env = "CUSTOS_PUBLIC_URL")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub public_url: Option<String>,
    /// Path prefix when served under a sub-path behind a reverse proxy, e.g. /isms.
    #[arg(long, env = "CUSTOS_BASE_PATH")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_path: Option<String>,
    /// Mark cookies Secure: true or false (default: true when the public URL is https).
    #[arg(long, env = "CUSTOS_SECURE_COOKIES")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secure_cookies: Option<bool>,
    /// A reverse proxy whose X-Forwarded-For and X-Forwarded-Proto headers are believed
    /// (repeat for several; in the environment, CUSTOS_TRUSTED_PROXIES='["10.0.0.1",
    /// "10.0.0.2"]').
    #[arg(long = "trusted-proxy")]
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Minutes between audit checkpoints (default 15; 0 writes none while serving).
    #[arg(long, env = "CUSTOS_AUDIT_CHECKPOINT_MINUTES")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_checkpoint_minutes: Option<u64>,
    /// Print audit checkpoints on standard output too, for a log collector: true or false.
    #[arg(long, env = "CUSTOS_AUDIT_CHECKPOINT_STDOUT")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub audit_checkpoint_stdout: Option<bool>,
    /// How long a log-in lasts at most, in minutes, used or not (default 720: 12 hours).
    #[arg(long, env = "CUSTOS_SESSION_LIFETIME_MINUTES")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_lifetime_minutes: Option<i64>,
    /// How long a session may go unused before it ends, in minutes (default 30).
    #[arg(long, env = "CUSTOS_SESSION_IDLE_MINUTES")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session_idle_minutes: Option<i64>,
    /// Create the demo organisation "Acme Ltd" with a user for every role.
    #[arg(long)]
    #[serde(skip)]
    pub demo: bool,
}

#[derive(Deserialize, Serialize)]
pub struct Config {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    pub listen: String,
    pub public_url: Option<String>,
    pub base_path: String,
    pub secure_cookies: Option<bool>,
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Log filter, e.g. "info" or "custos_web=debug" (also RUST_LOG).
    pub log: String,
    /// `text` or `json`.
    pub log_format: String,
    /// The instance key that signs audit checkpoints; None: audit.key in the data directory.
    pub audit_key_file: Option<PathBuf>,
    /// Where checkpoints are appended; None: audit-checkpoints.jsonl in the data directory.
    pub audit_checkpoint_file: Option<PathBuf>,
    /// Whether checkpoints are printed on standard output as well.
    pub audit_checkpoint_stdout: bool,
    /// Minutes between checkpoints while serving; 0 for none.
    pub audit_checkpoint_minutes: u64,
    /// How long a log-in lasts at most, in minutes.
    pub session_lifetime_minutes: i64,
    /// How long a session may go unused before it ends, in minutes.
    pub session_idle_minutes: i64,
    /// Where evidence files are kept; None: the evidence directory in the data directory.
    pub evidence_store: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Self {
            data_dir: PathBuf::from("data"),
            database_url: None,
            listen: "127.0.0.1:8080".into(),
            public_url: None,
            base_path: String::new(),
            secure_cookies: None,
            trusted_proxies: Vec::new(),
            log: "info".into(),
            log_format: "text".into(),
            audit_key_file: None,
            audit_checkpoint_file: None,
            audit_checkpoint_stdout: false,
            audit_checkpoint_minutes: 15,
            session_lifetime_minutes: Settings::default().session_lifetime.whole_minutes(),
            session_idle_minutes: Settings::default().session_idle_timeout.whole_minutes(),
            evidence_store: None,
        }
    }
}

impl Config {
    pub fn load(shared: &SharedArgs, serve: Option<&ServeArgs>) -> anyhow::Result<Self> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(path) = &shared.config {
            if !path.exists() {
                bail!("the configuration file {} does not exist", path.display());
            }
            figment = figment.merge(Toml::file(path));
        }
        figment = figment
            .merge(Env::prefixed("CUSTOS_").ignore(&["config", "database_url_file"]))
            .merge(Serialized::globals(shared));
        if let Some(serve) = serve {
            figment = figment.merge(Serialized::globals(serve));
        }
        let mut config: Config = figment.extract().context("invalid configuration")?;
        if config.audit_checkpoint_minutes > MAX_CHECKPOINT_MINUTES {
            bail!(
                "audit_checkpoint_minutes must be from 0 (none) to {MAX_CHECKPOINT_MINUTES} (a week)"
            );
        }
        // Secrets may come from a file (container secrets) rather than the environment.
        if let Ok(path) = std::env::var("CUSTOS_DATABASE_URL_FILE")
            && shared.database_url.is_none()
        {
            let url =
                std::fs::read_to_string(&path).with_context(|| format!("cannot read {path}"))?;
            config.database_url = Some(url.trim().to_owned());
        }
        Ok(config)
    }

    /// The application settings: session lifetimes, checked to make sense together.
    pub fn settings(&self) -> anyhow::Result<Settings> {
        const MAX_LIFETIME_MINUTES: i64 = 30 * 24 * 60;
        let lifetime = self.session_lifetime_minutes;
        let idle = self.session_idle_minutes;
        if !(1..=MAX_LIFETIME_MINUTES).contains(&lifetime) {
            bail!(
                "session_lifetime_minutes must be between 1 and {MAX_LIFETIME_MINUTES} (30 days), not {lifetime}"
            );
        }
        if !(1..=lifetime).contains(&idle) {
            bail!(
                "session_idle_minutes must be between 1 and the session lifetime ({lifetime}), not {idle}"
            );
        }
        let evidence_store = match &self.evidence_store {
            Some(url) => url.clone(),
            None => format!("file://{}", self.data_dir.join("evidence").display()),
        };
        Ok(Settings {
            session_lifetime: time::Duration::minutes(lifetime),
            session_idle_timeout: time::Duration::minutes(idle),
            evidence_store,
        })
    }

    /// The configured database, or SQLite in the data directory (created if needed).
    pub fn database_url(&self) -> anyhow::Result<String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        create_private_dir(&self.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                self.data_dir.display()
            )
        })?;
        let path = self.data_dir.join("custos.db");
        Ok(format!("sqlite://{}?mode=rwc", path.display()))
    }

    /// The file of the key that signs audit checkpoints.
    pub fn audit_key_file(&self) -> PathBuf {
        self.audit_key_file
            .clone()
            .unwrap_or_else(|| self.data_dir.join("audit.key"))
    }

    /// Where checkpoints go; `stdout` adds standard output to what is configured.
    pub fn checkpoint_sink(&self, stdout: bool) -> CheckpointSink {
        CheckpointSink {
            file: Some(
                self.audit_checkpoint_file
                    .clone()
                    .unwrap_or_else(|| self.data_dir.join("audit-checkpoints.jsonl")),
            ),
            stdout: stdout || self.audit_checkpoint_stdout,
        }
    }

    /// The key that signs checkpoints, created in the data directory on first use. A key file
    /// configured elsewhere must exist: a mistyped path must not start a new key silently.
    pub fn open_or_create_audit_key(&self) -> anyhow::Result<AuditKey> {
        let path = self.audit_key_file();
        if self.audit_key_file.is_some() {
            return Ok(AuditKey::open(&path)?);
        }
        create_private_dir(&self.data_dir).with_context(|| {
            format!(
                "cannot create the data directory {}",
                self.data_dir.display()
            )
        })?;
        let (key, created) = AuditKey::open_or_create(&path)?;
        if created {
            tracing::info!(path = %path.display(), key_id = %key.public_key().key_id(), "created the audit checkpoint key");
        }
        Ok(key)
    }

    fn public_url(&self, listen: SocketAddr) -> String {
        match &self.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let host = if listen.ip().is_unspecified() {
                    "localhost".to_owned()
                } else {
                    listen.ip().to_string()
                };
                format!(
                    "http://{host}:{}{}",
                    listen.port(),
                    self.base_path.trim_end_matches('/')
                )
            }
        }
    }
}

/// Creates the data directory, or narrows an existing one, to be readable by its owner only:
/// it holds the database with the password hashes.
fn create_private_dir(path: &std::path::Path) -> std::io::Result<()> {
    std::fs::create_dir_all(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

pub fn init_logging(config: &Config, serving: bool) {
    use tracing_subscriber::EnvFilter;
    // Commands other than serve print their own results; keep their log quiet.
    let default = if serving { config.log.as_str() } else { "warn" };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    // Colour only for a person at a terminal: escape codes would litter a log file.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr);
    if config.log_format == "json" {
        builder.json().init();
    } else {
        builder.init();
    }
}

pub async fn serve(config: Config, demo: bool) -> anyhow::Result<()> {
    let started = Instant::now();
    // Take the port first: a busy port is reported before any work is done. Connections that
    // arrive meanwhile wait in the backlog until the database is ready.
    let listener = tokio::net::TcpListener::bind(&config.listen)
        .await
        .with_context(|| format!("cannot listen on {}", config.listen))?;
    let settings = config.settings()?;
    let url = config.database_url()?;
    let app = Administration::connect(&url, settings)
        .await
        .with_context(|| format!("cannot open the database {}", custos_app::redact_url(&url)))?;
    let applied = app.migrate().await.context("cannot migrate the database")?;
    if demo {
        app.seed_demo(now())
            .await
            .map_err(|e| anyhow::anyhow!("cannot create the demo data: {e}"))?;
    }
    let address = listener.local_addr()?;
    let public_url = config.public_url(address);
    let web = custos_web::WebConfig {
        secure_cookies: config
            .secure_cookies
            .unwrap_or(public_url.starts_with("https://")),
        public_url: public_url.clone(),
        base_path: config.base_path.clone(),
        show_demo_logins: demo,
        trusted_proxies: config.trusted_proxies.clone(),
    };
    let checkpoints = if config.audit_checkpoint_minutes > 0 {
        let key = config
            .open_or_create_audit_key()
            .context("cannot use the audit checkpoint key")?;
        let sink = config.checkpoint_sink(false);
        Some((Checkpointer::new(key, sink.clone()), sink))
    } else {
        None
    };
    // Requests get the application only, never the administration.
    let router = custos_web::router(app.app().clone(), web);

    println!("Custos is running at {public_url}/");
    println!(
        "  database: {} ({}; {applied} migration(s) applied)",
        custos_app::redact_url(&url),
        app.backend_name()
    );
    if demo {
        println!(
            "  demo log-ins (password \"{}\"):",
            custos_app::demo::DEMO_PASSWORD
        );
        for (email, what) in custos_app::demo::demo_logins() {
            println!("    {email:<28} {what}");
        }
    } else if app.user_count().await.map_err(|e| anyhow::anyhow!("{e}"))? == 0 {
        println!();
        println!("  No users yet. Create the first administrator with:");
        println!(
            "    custos user create --admin --email you@example.org --name \"Your Name\" --org acme --org-name \"Acme Ltd\""
        );
        println!("  (or start with --demo to explore a sample organisation)");
    }
    match checkpoints {
        Some((checkpointer, sink)) => {
            println!(
                "  audit checkpoints: every {} min to {}{} (key {})",
                config.audit_checkpoint_minutes,
                sink.file
                    .as_deref()
                    .map_or_else(String::new, |path| path.display().to_string()),
                if sink.stdout {
                    " and standard output"
                } else {
                    ""
                },
                checkpointer.key().public_key().key_id()
            );
            let every = std::time::Duration::from_secs(config.audit_checkpoint_minutes * 60);
            tokio::spawn(checkpoint_on_schedule(app.clone(), checkpointer, every));
        }
        None => println!("  audit checkpoints: off (audit_checkpoint_minutes = 0)"),
    }
    tracing::info!(elapsed_ms = started.elapsed().as_millis() as u64, %address, "ready");

    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
    .context("the server stopped")?;
    app.close().await;
    Ok(())
}

/// Signs the audit chains shortly after start and then every `every`, for as long as the
/// server runs. A
/// failure is logged and retried at the next tick; a broken chain is logged and not signed.
async fn checkpoint_on_schedule(
    app: Administration,
    mut checkpointer: Checkpointer,
    every: std::time::Duration,
) {
    // The first run recomputes every chain; it waits until the server has started answering
    // rather than competing with start-up for the processor and the database.
    let first = tokio::time::Instant::now() + std::time::Duration::from_secs(2);
    let mut ticks = tokio::time::interval_at(first, every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        match checkpointer.run(&app, now()).await {
            Ok(run) => {
                for broken in &run.broken {
                    tracing::error!(
                        chain = %broken.chain,
                        seq = broken.seq,
                        reason = %broken.reason,
                        "an audit chain does not verify; it was not checkpointed"
                    );
                }
                tracing::info!(
                    written = run.written.len(),
                    unchanged = run.unchanged,
                    broken = run.broken.len(),
                    "audit checkpoints"
                );
            }
            Err(e) => tracing::warn!(error = %e, "audit checkpoints could not be written"),
        }
    }
}

async fn shutdown_signal() {
    let interrupt = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = interrupt => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
