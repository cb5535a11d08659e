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
/// files will have their own upload route and limit.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

const DETAIL: &str =
    "The request body is larger than the 2 MB Custos accepts; nothing was changed.";

/// Marks a 413 already answered in Custos's own form.
#[derive(Clone, Copy)]
struct Answered;

/// The answer to a body over [`MAX_BODY_BYTES`]: problem+json for the API, a page for
/// people; `base` is the path prefix Custos is served under, for the page's links.
pub fn too_large(api: bool, base: &str) -> Response {
    let mut response = if api {
        crate::error::problem(
            StatusCode::PAYLOAD_TOO_LARGE,
            "urn:custos:problem:body-too-large",
            "Request body too large",
            DETAIL,
        )
    } else {
        crate::error::plain_error_page(
            StatusCode::PAYLOAD_TOO_LARGE,
            base.to_owned(),
            "Request too large",
            DETAIL,
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
    let response = next.run(request).await;
    if response.status() != StatusCode::PAYLOAD_TOO_LARGE
        || response.extensions().get::<Answered>().is_some()
    {
        return response;
    }
    too_large(api, &state.config.base_path)
}

fn is_api(path: &str, base: &str) -> bool {
    path.strip_prefix(base).unwrap_or(path).starts_with("/api/")
}
