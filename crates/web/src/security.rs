//! Protection applied to every response and every state-changing request: cross-origin
//! request refusal (the model of Go 1.25's CrossOriginProtection: `Sec-Fetch-Site`, then
//! `Origin` against the public origin or Host) and the security headers.

use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::{AppState, auth, error, header as value};

const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'";

pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !is_safe(request.method())
        && !auth::has_bearer(request.headers())
        && is_cross_origin(request.headers(), state.config.public_origin().as_deref())
    {
        tracing::warn!(method = %request.method(), path = %request.uri().path(), "refused a cross-origin request");
        return error::plain_problem(
            StatusCode::FORBIDDEN,
            "Cross-origin request refused",
            "This change was sent from another site; Custos only accepts changes made on its own pages.",
        )
        .into_response();
    }
    let is_static = request.uri().path().contains("/static/");
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        value(CONTENT_SECURITY_POLICY),
    );
    headers.insert(header::X_FRAME_OPTIONS, value("DENY"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, value("nosniff"));
    headers.insert(header::REFERRER_POLICY, value("same-origin"));
    headers.insert("cross-origin-opener-policy", value("same-origin"));
    headers.insert(
        "permissions-policy",
        value("camera=(), microphone=(), geolocation=()"),
    );
    if !is_static && !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, value("no-store"));
    }
    response
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// True when the browser tells us the request comes from another origin. Requests without
/// either header come from non-browser clients, which cannot carry a victim's cookies.
fn is_cross_origin(headers: &HeaderMap, public_origin: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let origin = origin.to_lowercase();
    if public_origin == Some(origin.as_str()) {
        return false;
    }
    let host = headers
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let origin_host = origin.split_once("://").map(|(_, host)| host);
    origin_host != Some(host.to_lowercase().as_str())
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, val) in pairs {
            map.insert(*name, HeaderValue::from_static(val));
        }
        map
    }

    #[test]
    fn fetch_metadata_decides_when_present() {
        let public = Some("https://isms.example.org");
        assert!(!is_cross_origin(
            &headers(&[("sec-fetch-site", "same-origin")]),
            public
        ));
        assert!(!is_cross_origin(
            &headers(&[("sec-fetch-site", "none")]),
            public
        ));
        assert!(is_cross_origin(
            &headers(&[("sec-fetch-site", "same-site")]),
            public
        ));
        assert!(is_cross_origin(
            &headers(&[("sec-fetch-site", "cross-site")]),
            public
        ));
    }

    #[test]
    fn origin_must_match_the_public_origin_or_host() {
        let public = Some("https://isms.example.org");
        assert!(!is_cross_origin(
            &headers(&[("origin", "https://isms.example.org")]),
            public
        ));
        assert!(!is_cross_origin(
            &headers(&[
                ("origin", "http://10.0.0.5:8080"),
                ("host", "10.0.0.5:8080")
            ]),
            public
        ));
        assert!(is_cross_origin(
            &headers(&[
                ("origin", "https://evil.example"),
                ("host", "isms.example.org")
            ]),
            public
        ));
        assert!(!is_cross_origin(&headers(&[]), public));
    }
}
