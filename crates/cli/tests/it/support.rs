//! The test harness: each test gets the real application on a random port over a fresh
//! database, a temporary SQLite file or a new PostgreSQL database, and talks HTTP to it.

use std::sync::atomic::{AtomicU64, Ordering};

use custos_app::domain::platform::{Role, TokenScope};
use custos_app::{Administration, Settings, now};
use reqwest::StatusCode;
use reqwest::header::{HeaderMap, HeaderValue};
use serde_json::{Value, json};

pub const PASSWORD: &str = "correct horse battery";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// Runs `$body` once on SQLite and once on PostgreSQL, as two tests.
#[macro_export]
macro_rules! on_both_backends {
    ($(#[$meta:meta])* async fn $name:ident($app:ident) $body:block) => {
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn run($app: $crate::support::TestApp) $body

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::support::TestApp::spawn($crate::support::Backend::Sqlite).await).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) = $crate::support::TestApp::spawn_postgres().await {
                    run(app).await;
                }
            }
        }
    };
}

pub struct TestApp {
    pub app: Administration,
    pub base_url: String,
    pub database_url: String,
    pub backend: Backend,
    /// Removed after the test, once the application is closed.
    database: Database,
    server: tokio::task::JoinHandle<()>,
}

/// Where a test's data lives: a temporary directory with the SQLite file, or a PostgreSQL
/// database; each is removed when dropped.
enum Database {
    Sqlite(TempDir),
    Postgres(PostgresDatabase),
}

impl Database {
    fn sqlite() -> Self {
        Self::Sqlite(TempDir::new())
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
        // Close the pool before the database goes, so no connection of it is left retrying
        // against a dropped database. The tests run on multi-threaded runtimes, where a drop
        // may block in place; elsewhere the drop of the database ends the connections.
        if let Database::Postgres(_) = self.database
            && let Ok(runtime) = tokio::runtime::Handle::try_current()
            && runtime.runtime_flavor() == tokio::runtime::RuntimeFlavor::MultiThread
        {
            let app = self.app.clone();
            tokio::task::block_in_place(|| {
                runtime.block_on(async {
                    let _ =
                        tokio::time::timeout(std::time::Duration::from_secs(5), app.close()).await;
                });
            });
        }
    }
}

/// A directory removed when dropped.
pub struct TempDir(pub std::path::PathBuf);

impl TempDir {
    pub fn new() -> Self {
        static COUNTER: AtomicU64 = AtomicU64::new(0);
        let path = std::env::temp_dir().join(format!(
            "custos-test-{}-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            uuid::Uuid::new_v4().simple()
        ));
        std::fs::create_dir_all(&path).expect("create temp dir");
        Self(path)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// A PostgreSQL database of the test server, dropped (with any connection still open to it)
/// when this value is dropped.
pub struct PostgresDatabase {
    pub url: String,
    name: String,
    admin_url: String,
}

impl Drop for PostgresDatabase {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        let admin_url = self.admin_url.clone();
        // A drop cannot await; run the statement on a runtime of its own, outside the test's.
        let dropped = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?
                .block_on(admin_execute(&admin_url, &sql))
        })
        .join();
        if let Ok(Err(error)) = dropped {
            loudly(&format!(
                "could not drop the test database {}: {error}",
                self.name
            ));
        }
    }
}

/// Writes a line to the terminal even when the test harness captures the test's output (it
/// captures only `print!` and `eprint!`), so a skipped half of the suite cannot go unseen.
fn loudly(line: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The test server, or `None` (the test is skipped, and says so) when no server is configured
/// and none is required.
fn postgres_admin_url() -> Option<String> {
    let Ok(admin_url) = std::env::var("CUSTOS_TEST_POSTGRES_URL") else {
        if std::env::var("CUSTOS_TEST_REQUIRE_POSTGRES").is_ok() {
            panic!("CUSTOS_TEST_REQUIRE_POSTGRES is set but CUSTOS_TEST_POSTGRES_URL is not");
        }
        let thread = std::thread::current();
        loudly(&format!(
            "SKIPPED on PostgreSQL: {}: set CUSTOS_TEST_POSTGRES_URL (scripts/test does)",
            thread.name().unwrap_or("a test")
        ));
        return None;
    };
    Some(admin_url)
}

async fn admin_execute(admin_url: &str, sql: &str) -> Result<(), String> {
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(admin_url)
        .await
        .map_err(|e| format!("connect to the test PostgreSQL server: {e}"))?;
    sqlx::Executor::execute(&mut admin, sqlx::AssertSqlSafe(sql.to_owned()))
        .await
        .map_err(|e| format!("{sql}: {e}"))?;
    let _ = sqlx::Connection::close(admin).await;
    Ok(())
}

fn unix_seconds() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// Test databases are named `custos_test_<unix seconds>_<random>`; templates
/// `custos_template_<unix seconds>_<pid>_<random>`.
fn database_name(prefix: &str) -> String {
    format!(
        "{prefix}_{}_{}",
        unix_seconds(),
        &uuid::Uuid::new_v4().simple().to_string()[..12]
    )
}

/// The URL of database `name` on the server of `admin_url`.
fn url_of(admin_url: &str, name: &str) -> String {
    let (prefix, _) = admin_url
        .rsplit_once('/')
        .expect("database URL with a path");
    format!("{prefix}/{name}")
}

async fn create_database(admin_url: &str, name: &str, template: Option<&str>) -> PostgresDatabase {
    let sql = match template {
        Some(template) => format!("CREATE DATABASE {name} TEMPLATE {template}"),
        None => format!("CREATE DATABASE {name}"),
    };
    admin_execute(admin_url, &sql)
        .await
        .expect("create test database");
    PostgresDatabase {
        url: url_of(admin_url, name),
        name: name.to_owned(),
        admin_url: admin_url.to_owned(),
    }
}

/// A new, empty PostgreSQL database (dropped with the returned value), or `None` when the
/// PostgreSQL half of the suite does not run. For tests of migrations themselves.
pub async fn fresh_postgres_database() -> Option<PostgresDatabase> {
    let admin_url = postgres_admin_url()?;
    Some(create_database(&admin_url, &database_name("custos_test"), None).await)
}

/// A migrated PostgreSQL database cloned from this process's template (`CREATE DATABASE ...
/// TEMPLATE`, far cheaper than migrating each time), or `None` when PostgreSQL does not run.
pub async fn migrated_postgres_database() -> Option<PostgresDatabase> {
    static TEMPLATE: tokio::sync::OnceCell<String> = tokio::sync::OnceCell::const_new();
    let admin_url = postgres_admin_url()?;
    let template = TEMPLATE.get_or_init(|| migrated_template(&admin_url)).await;
    Some(create_database(&admin_url, &database_name("custos_test"), Some(template)).await)
}

/// Creates and migrates this process's template. Its name carries the pid, so test processes
/// running at once on one server never share one. The process holds an advisory lock named
/// after its template until it exits, so a template whose lock is free was left by a process
/// that ended: those are dropped first, as are test databases a killed run left a day ago.
async fn migrated_template(admin_url: &str) -> String {
    static OWNER: std::sync::OnceLock<std::sync::Mutex<sqlx::PgConnection>> =
        std::sync::OnceLock::new();
    let name = database_name(&format!("custos_template_{}", std::process::id()));
    let mut owner = <sqlx::PgConnection as sqlx::Connection>::connect(admin_url)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::query("SELECT pg_advisory_lock(hashtext($1))")
        .bind(&name)
        .execute(&mut owner)
        .await
        .expect("lock the template's name");
    sweep_abandoned_databases(&mut owner, &name).await;
    admin_execute(admin_url, &format!("CREATE DATABASE {name}"))
        .await
        .expect("create the template database");
    let app = Administration::connect(&url_of(admin_url, &name), Settings::default())
        .await
        .expect("connect to the template");
    app.migrate().await.expect("migrate the template");
    // CREATE DATABASE ... TEMPLATE refuses a template anyone is connected to.
    app.close().await;
    // Never closed: the server releases the lock when the process ends.
    let _ = OWNER.set(std::sync::Mutex::new(owner));
    name
}

async fn sweep_abandoned_databases(admin: &mut sqlx::PgConnection, own_template: &str) {
    let names: Vec<String> = sqlx::query_scalar(
        "SELECT datname FROM pg_database WHERE datname LIKE 'custos\\_test\\_%' \
         OR datname LIKE 'custos\\_template\\_%'",
    )
    .fetch_all(&mut *admin)
    .await
    .unwrap_or_default();
    let day_ago = unix_seconds().saturating_sub(24 * 60 * 60);
    for name in names {
        let abandoned = if name.starts_with("custos_template_") {
            name != own_template
                && sqlx::query_scalar("SELECT pg_try_advisory_lock(hashtext($1))")
                    .bind(&name)
                    .fetch_one(&mut *admin)
                    .await
                    .unwrap_or(false)
        } else {
            name.split('_')
                .find_map(|part| part.parse::<u64>().ok().filter(|s| *s > 1_000_000_000))
                .is_some_and(|created| created < day_ago)
        };
        if abandoned {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::Executor::execute(&mut *admin, sqlx::AssertSqlSafe(sql)).await;
            let _ = sqlx::query("SELECT pg_advisory_unlock(hashtext($1))")
                .bind(&name)
                .execute(&mut *admin)
                .await;
        }
    }
}

/// Runs `sql` on the database at `url` outside Custos (as someone with access to the
/// database would); returns how many rows it changed.
pub async fn raw_sql(url: &str, sql: &str) -> u64 {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split_once('?').map_or(path, |(path, _)| path);
        let conn = rusqlite::Connection::open(path).expect("raw connect");
        conn.busy_timeout(std::time::Duration::from_secs(5))
            .expect("busy timeout");
        return conn.execute(sql, []).expect("raw sql") as u64;
    }
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .expect("raw connect");
    sqlx::Executor::execute(&mut conn, sqlx::AssertSqlSafe(sql.to_owned()))
        .await
        .expect("raw sql")
        .rows_affected()
}

/// Runs a query returning one integer (a count) on the database at `url`, outside Custos.
pub async fn raw_count(url: &str, sql: &str) -> i64 {
    if let Some(path) = url.strip_prefix("sqlite://") {
        let path = path.split_once('?').map_or(path, |(path, _)| path);
        let conn = rusqlite::Connection::open(path).expect("raw connect");
        return conn
            .query_row(sql, [], |row| row.get(0))
            .expect("raw count");
    }
    let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(url)
        .await
        .expect("raw connect");
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql.to_owned()))
        .fetch_one(&mut conn)
        .await
        .expect("raw count")
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => Self::start(backend, Database::sqlite(), "").await,
            Backend::Postgres => Self::spawn_postgres()
                .await
                .expect("PostgreSQL is configured"),
        }
    }

    pub async fn spawn_postgres() -> Option<Self> {
        let database = migrated_postgres_database().await?;
        Some(Self::start(Backend::Postgres, Database::Postgres(database), "").await)
    }

    /// The application under a base path, as behind a reverse proxy at /isms/.
    pub async fn spawn_under(backend: Backend, base_path: &str) -> Option<Self> {
        match backend {
            Backend::Sqlite => Some(Self::start(backend, Database::sqlite(), base_path).await),
            Backend::Postgres => {
                let database = migrated_postgres_database().await?;
                Some(Self::start(backend, Database::Postgres(database), base_path).await)
            }
        }
    }

    async fn start(backend: Backend, database: Database, base_path: &str) -> Self {
        let database_url = match &database {
            Database::Sqlite(dir) => {
                format!("sqlite://{}?mode=rwc", dir.0.join("custos.db").display())
            }
            Database::Postgres(database) => database.url.clone(),
        };
        let app = Administration::connect(&database_url, Settings::default())
            .await
            .expect("connect");
        // A clone of the PostgreSQL template is migrated already; this checks it is current.
        app.migrate().await.expect("migrate");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let base_url = format!("http://{address}{base_path}");
        let router = custos_web::router(
            app.app().clone(),
            custos_web::WebConfig {
                public_url: base_url.clone(),
                base_path: base_path.to_owned(),
                secure_cookies: false,
                show_demo_logins: false,
                trusted_proxies: Vec::new(),
            },
        );
        let server = tokio::spawn(async move {
            axum::serve(
                listener,
                router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .await
            .expect("serve");
        });
        TestApp {
            app,
            base_url,
            database_url,
            backend,
            database,
            server,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    /// A raw connection to the database, for tests that tamper with it.
    pub async fn raw_sql(&self, sql: &str) -> u64 {
        raw_sql(&self.database_url, sql).await
    }

    /// A count read from the database outside Custos.
    pub async fn raw_count(&self, sql: &str) -> i64 {
        raw_count(&self.database_url, sql).await
    }

    /// The organisation context of `email` in `slug`, as a request with a read-write
    /// token builds it: for tests that call the application directly.
    pub async fn org_context(&self, slug: &str, email: &str) -> custos_app::OrgContext {
        let token = self
            .app
            .create_token_cli(slug, email, "test", TokenScope::ReadWrite, 1, now())
            .await
            .expect("token");
        let principal = self
            .app
            .authenticate_token(&token.secret, now())
            .await
            .expect("principal");
        self.app
            .org_context(&principal, slug)
            .await
            .expect("context")
    }

    /// A user with `role` in organisation `slug` (created if needed).
    pub async fn member(&self, slug: &str, email: &str, role: Role) {
        self.app
            .ensure_organisation(slug, &format!("Organisation {slug}"), now())
            .await
            .expect("organisation");
        if self.app.find_user_by_email(email).await.is_err() {
            self.app
                .create_user(email, email, PASSWORD, false, now())
                .await
                .expect("user");
        }
        self.app
            .grant_role(slug, email, role, now())
            .await
            .expect("role");
    }

    /// A browser-like client logged in as `email`: it sends the Origin header as a browser
    /// would, so state-changing form posts pass the cross-origin check.
    pub async fn browser(&self, email: &str) -> Client {
        let client = Client::new(self, true);
        let response = client.login(email, PASSWORD).await;
        assert_eq!(
            response.status(),
            StatusCode::SEE_OTHER,
            "log-in as {email}"
        );
        client
    }

    /// A client authenticated with a new API token of `email` in `slug`.
    pub async fn api(&self, slug: &str, email: &str, scope: TokenScope) -> Client {
        let token = self
            .app
            .create_token_cli(slug, email, "test", scope, 30, now())
            .await
            .expect("token");
        Client::with_token(self, &token.secret)
    }
}

/// An HTTP client bound to one test application.
pub struct Client {
    pub http: reqwest::Client,
    base_url: String,
}

impl Client {
    fn new(app: &TestApp, send_origin: bool) -> Self {
        Self::with_agent(app, send_origin, None)
    }

    /// A browser-like client, not logged in, that sends `user_agent` as its User-Agent.
    pub fn anonymous_with_agent(app: &TestApp, user_agent: &str) -> Self {
        Self::with_agent(app, true, Some(user_agent))
    }

    fn with_agent(app: &TestApp, send_origin: bool, user_agent: Option<&str>) -> Self {
        let mut headers = HeaderMap::new();
        if let Some(user_agent) = user_agent {
            headers.insert(
                "user-agent",
                HeaderValue::from_str(user_agent).expect("user agent"),
            );
        }
        if send_origin {
            let origin = app
                .base_url
                .split('/')
                .take(3)
                .collect::<Vec<_>>()
                .join("/");
            headers.insert("origin", HeaderValue::from_str(&origin).expect("origin"));
        }
        let http = reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client");
        Self {
            http,
            base_url: app.base_url.clone(),
        }
    }

    pub fn anonymous(app: &TestApp) -> Self {
        Self::new(app, true)
    }

    pub fn with_token(app: &TestApp, token: &str) -> Self {
        let mut headers = HeaderMap::new();
        headers.insert(
            "authorization",
            HeaderValue::from_str(&format!("Bearer {token}")).expect("header"),
        );
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .default_headers(headers)
            .build()
            .expect("client");
        Self {
            http,
            base_url: app.base_url.clone(),
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn login(&self, email: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url("/login"))
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .expect("login request")
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.url(path)).send().await.expect("GET")
    }

    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let response = self.get(path).await;
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        body: &Value,
    ) -> (StatusCode, Value) {
        let response = self
            .http
            .request(method, self.url(path))
            .json(body)
            .send()
            .await
            .expect("request");
        let status = response.status();
        (status, response.json().await.unwrap_or(Value::Null))
    }

    pub async fn post_json(&self, path: &str, body: &Value) -> (StatusCode, Value) {
        self.send_json(reqwest::Method::POST, path, body).await
    }

    pub async fn post_form(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(self.url(path))
            .form(form)
            .send()
            .await
            .expect("POST form")
    }

    /// Posts a destructive action's form the way a browser without JavaScript does: the first
    /// POST must answer with the confirmation page, whose own form is then submitted.
    pub async fn post_form_confirming(
        &self,
        path: &str,
        form: &[(&str, &str)],
    ) -> reqwest::Response {
        let asked = self.post_form(path, form).await;
        assert_eq!(
            asked.status(),
            StatusCode::OK,
            "POST {path} should ask first"
        );
        let page = asked.text().await.expect("confirmation page");
        let Some((action, fields)) = confirmation_form(&page) else {
            panic!("POST {path} answered no confirmation page:\n{page}");
        };
        let url = reqwest::Url::parse(&self.base_url)
            .and_then(|base| base.join(&action))
            .expect("the confirmation form's action");
        self.http
            .post(url)
            .form(&fields)
            .send()
            .await
            .expect("POST confirmation")
    }
}

/// The action and the fields of the form on a confirmation page (templates/confirm.html).
pub fn confirmation_form(page: &str) -> Option<(String, Vec<(String, String)>)> {
    let form = page
        .split("<section class=\"card confirm\">")
        .nth(1)?
        .split("</form>")
        .next()?;
    let action = attribute(form.split("<form").nth(1)?, "action")?;
    let fields = form
        .split("<input")
        .skip(1)
        .filter(|input| attribute(input, "type").as_deref() == Some("hidden"))
        .map(|input| Some((attribute(input, "name")?, attribute(input, "value")?)))
        .collect::<Option<Vec<_>>>()?;
    Some((action, fields))
}

/// The value of attribute `name` in the tag that `tag` starts, as the browser reads it.
fn attribute(tag: &str, name: &str) -> Option<String> {
    let tag = tag.split('>').next()?;
    let raw = tag
        .split(&format!(" {name}=\""))
        .nth(1)?
        .split('"')
        .next()?;
    let mut value = raw.to_owned();
    for (entity, text) in [
        ("&#34;", "\""),
        ("&quot;", "\""),
        ("&#39;", "'"),
        ("&#x27;", "'"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&amp;", "&"),
    ] {
        value = value.replace(entity, text);
    }
    Some(value)
}

/// A valid objective body for the API.
pub fn objective(title: &str) -> Value {
    json!({
        "title": title,
        "rationale": "Because the board asked for it",
        "category": "availability",
        "target": "99.9% monthly availability",
        "target_value": 99.9,
        "target_unit": "%",
        "due_date": "2027-06-30"
    })
}
