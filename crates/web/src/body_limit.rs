//! One limit on request bodies and one answer when a body exceeds it. The limit is enforced
//! by whatever meets the body first: tower-http's layer refuses a declared length over it
//! before reading anything, and a chunked body that runs over fails in the extractor reading
//! it (the API's JSON, a page's form). Each of those says so in its own words (text/plain, or
//! a JSON rejection); [`answer_too_large`] gives every such answer the same form: 413 with an
//! RFC 9457 problem+json body on the API, an error page on the pages.

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;

/// The largest request body Custos reads. Forms and JSON records are a few kB; evidence
/// files have their own upload routes and [`UPLOAD_BODY_BYTES`].
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

/// The largest body of an evidence upload: the file and, from a page, the form around it.
pub const UPLOAD_BODY_BYTES: usize = custos_app::domain::files::FILE_MAX_BYTES + 64 * 1024;

/// The largest body accepted on `path`: uploads of files (`.../evidence/{id}/file`,
/// `.../documents/{id}/versions/{n}/file`) have their own limit.
pub fn limit_for(path: &str) -> usize {
    if path.ends_with("/file") && (path.contains("/evidence/") || path.contains("/documents/")) {
        UPLOAD_BODY_BYTES
    } else {
        MAX_BODY_BYTES
    }
}

fn detail(limit: usize) -> String {
    format!(
        "The request body is larger than the {} MB Custos accepts here; nothing was changed.",
        limit / (1024 * 1024)
    )
}

/// Marks a 413 already answered in Custos's own form.
#[derive(Clone, Copy)]
struct Answered;

/// The answer to a body over [`MAX_BODY_BYTES`]: problem+json for the API, a page for
/// people; `base` is the path prefix Custos is served under, for the page's links.
pub fn too_large(api: bool, base: &str, limit: usize) -> Response {
    let mut response = if api {
        crate::error::problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "urn:custos:problem:body-too-large",
            "Request body too large",
            &detail(limit),
        )
    } else {
        crate::error::plain_error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            base.to_owned(),
            "Request too large",
            &detail(limit),
        )
    };
    response.extensions_mut().insert(Answered);
    response
}

/// Middleware around the body limit: a 413 from below that is not yet in Custos's form is
/// replaced by [`too_large`].
pub async fn answer_too_large(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: Request,
    next: Next,
) -> Response {
    let api = is_api(request.uri().path(), &state.config.base_path);
    let limit = limit_for(request.uri().path());
    let response = next.run(request).await;
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE
        || response.extensions().get::<Answered>().is_some()
    {
        return response;
    }
    too_large(api, &state.config.base_path, limit)
}

/// Refuses a body whose declared length is over the route's limit ([`limit_for`]) before
/// anything is read; a chunked body running over fails in the extractor reading it, under
/// the same limit (the default one, raised on the upload routes).
pub async fn refuse_declared_too_large(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: Request,
    next: Next,
) -> Response {
    let path = request.uri().path();
    let limit = limit_for(path);
    let declared = request
        .headers()
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limit as u64) {
        return too_large(
            is_api(path, &state.config.base_path),
            &state.config.base_path,
            limit,
        );
    }
    next.run(request).await
}

fn is_api(path: &str, base: &str) -> bool {
    path.strip_prefix(base).unwrap_or(path).starts_with("/api/")
}
