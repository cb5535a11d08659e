//! Protection applied to every response and every state-changing request: cross-origin
//! request refusal (the model of Go 1.25's CrossOriginProtection: `Sec-Fetch-Site`, then
//! `Origin` against the public origin or Host) and the security headers.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota};

use crate::{AppState, auth, error, header as value};

const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; style-src 'self'; \
     img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; connect-src 'self'";

pub async fn protect(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if !is_safe(request.method())
        && !is_api_bearer_request(&request, &state.config.base_path)
        && is_cross_origin(
            request.headers(),
            state.config.public_origin().as_deref(),
            arrival_scheme(&request, &state.config.trusted_proxies),
        )
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

/// API calls with a bearer token: browsers never attach one by themselves, so they cannot
/// be forged cross-site. Pages authenticate by cookie only and are never exempt.
fn is_api_bearer_request(request: &Request, base_path: &str) -> bool {
    let path = request.uri().path();
    let path = path.strip_prefix(base_path).unwrap_or(path);
    path.starts_with("/api/") && auth::bearer_token(request.headers()).is_some()
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The scheme a request reached us by: what a trusted reverse proxy says in
/// `X-Forwarded-Proto`, else plain HTTP (Custos itself does not terminate TLS).
fn arrival_scheme<'r>(request: &'r Request, trusted_proxies: &[IpAddr]) -> &'r str {
    let from_trusted_proxy = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|info| trusted_proxies.contains(&info.0.ip()));
    let forwarded = request
        .headers()
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .filter(|proto| matches!(*proto, "http" | "https"));
    match forwarded {
        Some(proto) if from_trusted_proxy => proto,
        _ => "http",
    }
}

/// True when the browser tells us the request comes from another origin. Requests without
/// either header come from non-browser clients, which cannot carry a victim's cookies. An
/// origin is scheme and host: a plain-HTTP page on Custos's own host name is another
/// origin than Custos served over HTTPS.
fn is_cross_origin(headers: &HeaderMap, public_origin: Option<&str>, arrival_scheme: &str) -> bool {
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
        .unwrap_or_default()
        .to_lowercase();
    // On the public host only the public origin's scheme is ours; reached by another name
    // (an address on the internal network), the scheme the request came in by.
    let public_host = public_origin
        .and_then(|o| o.split_once("://"))
        .map(|(_, h)| h);
    if public_host == Some(host.as_str()) {
        return true;
    }
    origin != format!("{arrival_scheme}://{host}")
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
        let is_cross_origin = |h: &HeaderMap, p| is_cross_origin(h, p, "http");
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
        let is_cross_origin = |h: &HeaderMap, p| is_cross_origin(h, p, "http");
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

    #[test]
    fn only_a_trusted_proxy_says_which_scheme_a_request_came_by() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let request = |peer: &str, proto: Option<&str>| {
            let mut builder = Request::builder().uri("/");
            if let Some(proto) = proto {
                builder = builder.header("x-forwarded-proto", proto);
            }
            let mut request = builder.body(axum::body::Body::empty()).expect("request");
            let peer: SocketAddr = peer.parse().expect("peer");
            request.extensions_mut().insert(ConnectInfo(peer));
            request
        };
        assert_eq!(
            arrival_scheme(&request("10.0.0.1:4000", Some("https")), &[proxy]),
            "https"
        );
        assert_eq!(
            arrival_scheme(&request("10.0.0.1:4000", None), &[proxy]),
            "http"
        );
        assert_eq!(
            arrival_scheme(&request("203.0.113.9:4000", Some("https")), &[proxy]),
            "http"
        );
        assert_eq!(
            arrival_scheme(&request("10.0.0.1:4000", Some("gopher")), &[proxy]),
            "http"
        );
    }

    #[test]
    fn the_scheme_is_part_of_the_origin() {
        let public = Some("https://isms.example.org");
        // A plain-HTTP page on the public host name is not Custos served over HTTPS.
        assert!(is_cross_origin(
            &headers(&[
                ("origin", "http://isms.example.org"),
                ("host", "isms.example.org")
            ]),
            public,
            "http"
        ));
        // Reached by an internal address, the scheme must be the one the request came by.
        assert!(is_cross_origin(
            &headers(&[
                ("origin", "https://10.0.0.5:8080"),
                ("host", "10.0.0.5:8080")
            ]),
            public,
            "http"
        ));
        assert!(!is_cross_origin(
            &headers(&[
                ("origin", "https://10.0.0.5:8080"),
                ("host", "10.0.0.5:8080")
            ]),
            public,
            "https"
        ));
    }
}

/// Log-in attempts allowed per client address and minute, on each instance. The account
/// lockout (stored, so it spans instances) stops guessing one password; this stops one
/// address from trying many accounts.
pub const LOGIN_ATTEMPTS_PER_MINUTE: u32 = 20;

pub struct LoginThrottle {
    limiter: DefaultKeyedRateLimiter<IpAddr>,
}

impl LoginThrottle {
    pub fn new() -> Self {
        let per_minute = NonZeroU32::new(LOGIN_ATTEMPTS_PER_MINUTE).unwrap_or(NonZeroU32::MIN);
        Self {
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_minute(per_minute)),
        }
    }

    /// Counts an attempt; false when the address is over its allowance.
    pub fn allow(&self, client: IpAddr) -> bool {
        if self.limiter.len() > 100_000 {
            self.limiter.retain_recent();
        }
        self.limiter.check_key(&client).is_ok()
    }
}

/// The client's address: the peer, or, when the peer is a trusted proxy, the nearest address
/// in `X-Forwarded-For` that is not one of the trusted proxies.
pub struct ClientIp(pub IpAddr);

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
        Ok(ClientIp(client_ip(
            peer,
            &parts.headers,
            &state.config.trusted_proxies,
        )))
    }
}

fn client_ip(peer: IpAddr, headers: &HeaderMap, trusted: &[IpAddr]) -> IpAddr {
    if !trusted.contains(&peer) {
        return peer;
    }
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .filter_map(|hop| hop.trim().parse::<IpAddr>().ok())
        .rev()
        .find(|hop| !trusted.contains(hop))
        .unwrap_or(peer)
}

#[cfg(test)]
mod client_ip_tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn forwarded_addresses_count_only_behind_trusted_proxies() {
        let proxy: IpAddr = "10.0.0.1".parse().expect("ip");
        let client: IpAddr = "203.0.113.9".parse().expect("ip");
        let mut headers = HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("198.51.100.7, 203.0.113.9"),
        );
        assert_eq!(
            client_ip(proxy, &headers, &[proxy]),
            client,
            "the hop the proxy saw"
        );
        assert_eq!(
            client_ip(client, &headers, &[proxy]),
            client,
            "spoofed header ignored"
        );
        assert_eq!(client_ip(proxy, &HeaderMap::new(), &[proxy]), proxy);
    }

    #[test]
    fn the_throttle_refuses_after_the_allowance() {
        let throttle = LoginThrottle::new();
        let client: IpAddr = "203.0.113.9".parse().expect("ip");
        for _ in 0..LOGIN_ATTEMPTS_PER_MINUTE {
            assert!(throttle.allow(client));
        }
        assert!(!throttle.allow(client));
        assert!(
            throttle.allow("203.0.113.10".parse().expect("ip")),
            "other addresses unaffected"
        );
    }
}

/// `uri` with the secret of any invitation link in it (`/invitations/{secret}`, also
/// URL-encoded in a `next` parameter) replaced, so request logs never hold one.
pub fn without_secrets(uri: &str) -> String {
    let mut out = String::with_capacity(uri.len());
    let mut rest = uri;
    loop {
        let found = ["invitations/", "invitations%2F", "invitations%2f"]
            .iter()
            .filter_map(|marker| rest.find(marker).map(|at| (at, marker.len())))
            .min();
        let Some((at, marker_len)) = found else {
            out.push_str(rest);
            return out;
        };
        let (head, tail) = rest.split_at(at + marker_len);
        out.push_str(head);
        let secret_len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .unwrap_or(tail.len());
        // Secrets are 43 characters of URL-safe base64; record ids (UUIDs, 36) stay readable.
        if secret_len >= 40 {
            out.push_str("***");
        } else {
            out.push_str(&tail[..secret_len]);
        }
        rest = &tail[secret_len..];
    }
}

#[cfg(test)]
mod log_tests {
    use super::without_secrets;

    #[test]
    fn invitation_secrets_never_reach_the_request_log() {
        let secret = "Zm9vYmFyYmF6cXV4Zm9vYmFyYmF6cXV4Zm9vYmFyYmF";
        assert_eq!(
            without_secrets(&format!("/isms/invitations/{secret}/account")),
            "/isms/invitations/***/account"
        );
        assert_eq!(
            without_secrets(&format!("/login?next=%2Finvitations%2F{secret}")),
            "/login?next=%2Finvitations%2F***"
        );
        let revoke = "/orgs/acme/invitations/0190a000-0000-7000-8000-00000000000a/revoke";
        assert_eq!(without_secrets(revoke), revoke);
        assert_eq!(
            without_secrets("/orgs/acme/objectives"),
            "/orgs/acme/objectives"
        );
    }
}
