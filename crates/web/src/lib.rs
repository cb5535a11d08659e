//! Custos web: HTML pages and the JSON API over the same `app` functions. A request is
//! authenticated, resolved to an organisation and role (`OrgContext`), handed to one app
//! function, and rendered as a page or as JSON.

mod api;
mod auth;
mod body_limit;
mod error;
mod list;
mod pages;
mod routes;
mod security;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::http::{HeaderName, HeaderValue};
use custos_app::App;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::sensitive_headers::SetSensitiveHeadersLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

pub use api::openapi_document;
pub use routes::{RouteEntry, page_routes};
pub use security::LOGIN_ATTEMPTS_PER_MINUTE;

/// How Custos is reached from the outside.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// The URL people use, e.g. `https://isms.example.org/isms`: its origin is the one
    /// state-changing requests must come from.
    pub public_url: String,
    /// The path prefix Custos is served under behind a reverse proxy: "" or "/isms".
    pub base_path: String,
    /// Mark cookies `Secure` (on whenever Custos is reached over HTTPS).
    pub secure_cookies: bool,
    /// Show the demo log-ins on the log-in page (only when started with `--demo`).
    pub show_demo_logins: bool,
    /// Reverse proxies whose `X-Forwarded-For` header names the real client; from anyone
    /// else the header is ignored.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl WebConfig {
    /// Normalises the base path to "" or "/segment[/segment]" without a trailing slash.
    pub fn normalised(mut self) -> Self {
        let trimmed = self.base_path.trim().trim_matches('/');
        self.base_path = if trimmed.is_empty() {
            String::new()
        } else {
            format!("/{trimmed}")
        };
        self
    }

    /// The full URL of `path` (a path under the base path), as people outside reach it: for
    /// links that are passed on, such as invitations.
    pub(crate) fn public_link(&self, path: &str) -> String {
        format!("{}{path}", self.public_url.trim().trim_end_matches('/'))
    }

    fn public_origin(&self) -> Option<String> {
        let url = self.public_url.trim();
        let scheme_end = url.find("://")?;
        let rest = &url[scheme_end + 3..];
        let host_end = rest.find('/').unwrap_or(rest.len());
        Some(format!("{}://{}", &url[..scheme_end], &rest[..host_end]).to_lowercase())
    }
}

#[derive(Clone)]
pub(crate) struct AppState {
    pub app: App,
    pub config: Arc<WebConfig>,
    pub login_throttle: Arc<security::LoginThrottle>,
}

/// The whole HTTP service: pages, API, static assets and the protection layers. Serve it
/// with `into_make_service_with_connect_info::<SocketAddr>()`: log-in throttling needs the
/// client address.
pub fn router(app: App, config: WebConfig) -> Router {
    let config = Arc::new(config.normalised());
    let state = AppState {
        app,
        config: config.clone(),
        login_throttle: Arc::new(security::LoginThrottle::new()),
    };
    let inner = routes::build(state.clone());
    let request_id = HeaderName::from_static("x-request-id");
    let routed = if config.base_path.is_empty() {
        inner
    } else {
        let base = config.base_path.clone();
        // A nested router answers "/isms" but not "/isms/", where log-in and the brand link
        // send people: serve the start page there too.
        let start = Router::new()
            .route(
                &format!("{}/", config.base_path),
                axum::routing::get(pages::platform::start),
            )
            .with_state(state.clone());
        Router::new()
            .route(
                "/",
                axum::routing::get(move || async move {
                    axum::response::Redirect::to(&format!("{base}/"))
                }),
            )
            .route("/favicon.ico", axum::routing::get(pages::favicon))
            .merge(start)
            .nest(&config.base_path, inner)
    };
    // Inside out: the body limit, the one form of its answer, then the protections (so a
    // refused body's answer carries the security headers too).
    routed
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            body_limit::refuse_declared_too_large,
        ))
        .layer(axum::extract::DefaultBodyLimit::max(
            body_limit::MAX_BODY_BYTES,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            body_limit::answer_too_large,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            security::protect,
        ))
        .layer(TimeoutLayer::with_status_code(
            axum::http::StatusCode::REQUEST_TIMEOUT,
            Duration::from_secs(30),
        ))
        .layer(
            TraceLayer::new_for_http().make_span_with(|request: &axum::extract::Request| {
                // The URI without invitation secrets, which travel in paths and `next`.
                tracing::debug_span!(
                    "request",
                    method = %request.method(),
                    uri = %security::without_secrets(&request.uri().to_string()),
                    version = ?request.version(),
                )
            }),
        )
        .layer(SetSensitiveHeadersLayer::new([
            axum::http::header::AUTHORIZATION,
            axum::http::header::COOKIE,
            axum::http::header::SET_COOKIE,
        ]))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        .layer(CatchPanicLayer::custom(|_| {
            error::plain_problem(
                axum::http::StatusCode::INTERNAL_SERVER_ERROR,
                "Internal error",
                "Something went wrong on our side; nothing was changed.",
            )
        }))
}

pub(crate) fn header(value: &'static str) -> HeaderValue {
    HeaderValue::from_static(value)
}
