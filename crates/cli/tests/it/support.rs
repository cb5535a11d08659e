//! The test harness: each test gets the real application on a random port over a fresh
//! database, a temporary SQLite file or a new PostgreSQL database, and talks HTTP to it.

use std::sync::atomic::{AtomicU64, Ordering};

use custos_app::domain::platform::{Role, TokenScope};
use custos_app::{App, Settings, now};
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
    pub app: App,
    pub base_url: String,
    pub database_url: String,
    pub backend: Backend,
    /// Keeps the SQLite file alive for the test.
    _dir: Option<TempDir>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.server.abort();
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

/// The URL of a new, empty PostgreSQL database, or `None` (the test is skipped) when no
/// server is configured and none is required.
pub async fn fresh_postgres_database() -> Option<String> {
    let Ok(admin_url) = std::env::var("CUSTOS_TEST_POSTGRES_URL") else {
        if std::env::var("CUSTOS_TEST_REQUIRE_POSTGRES").is_ok() {
            panic!("CUSTOS_TEST_REQUIRE_POSTGRES is set but CUSTOS_TEST_POSTGRES_URL is not");
        }
        eprintln!("skipped on PostgreSQL: set CUSTOS_TEST_POSTGRES_URL (scripts/test does)");
        return None;
    };
    let name = format!("custos_test_{}", uuid::Uuid::new_v4().simple());
    let mut admin = <sqlx::PgConnection as sqlx::Connection>::connect(&admin_url)
        .await
        .expect("connect to the test PostgreSQL server");
    sqlx::Executor::execute(
        &mut admin,
        sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")),
    )
    .await
    .expect("create test database");
    let (prefix, _) = admin_url
        .rsplit_once('/')
        .expect("database URL with a path");
    Some(format!("{prefix}/{name}"))
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

impl TestApp {
    pub async fn spawn(backend: Backend) -> Self {
        match backend {
            Backend::Sqlite => {
                let dir = TempDir::new();
                let url = format!("sqlite://{}?mode=rwc", dir.0.join("custos.db").display());
                Self::start(backend, url, Some(dir), "").await
            }
            Backend::Postgres => Self::spawn_postgres()
                .await
                .expect("PostgreSQL is configured"),
        }
    }

    pub async fn spawn_postgres() -> Option<Self> {
        let url = fresh_postgres_database().await?;
        Some(Self::start(Backend::Postgres, url, None, "").await)
    }

    /// The application under a base path, as behind a reverse proxy at /isms/.
    pub async fn spawn_under(backend: Backend, base_path: &str) -> Option<Self> {
        match backend {
            Backend::Sqlite => {
                let dir = TempDir::new();
                let url = format!("sqlite://{}?mode=rwc", dir.0.join("custos.db").display());
                Some(Self::start(backend, url, Some(dir), base_path).await)
            }
            Backend::Postgres => {
                let url = fresh_postgres_database().await?;
                Some(Self::start(backend, url, None, base_path).await)
            }
        }
    }

    async fn start(
        backend: Backend,
        database_url: String,
        dir: Option<TempDir>,
        base_path: &str,
    ) -> Self {
        let app = App::connect(&database_url, Settings::default())
            .await
            .expect("connect");
        app.migrate().await.expect("migrate");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let address = listener.local_addr().expect("address");
        let base_url = format!("http://{address}{base_path}");
        let router = custos_web::router(
            app.clone(),
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
            _dir: dir,
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
        let mut headers = HeaderMap::new();
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
