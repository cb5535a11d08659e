//! Who is asking. The API accepts a bearer token or the session cookie; pages accept only
//! the session cookie and send visitors without one to the log-in page. Both then resolve the
//! `{org}` path segment into an `OrgContext` through the app, which checks membership.

use axum::extract::{FromRequestParts, RawPathParams};
use axum::http::request::Parts;
use axum::http::{HeaderMap, header};
use axum::response::{IntoResponse, Redirect, Response};
use custos_app::now;
use custos_app::{AppError, OrgContext, Principal};

use crate::AppState;
use crate::error::{ApiError, PageError};

pub const SESSION_COOKIE: &str = "custos_session";

pub fn session_secret(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_owned())
        .filter(|value| !value.is_empty())
}

pub fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

pub fn has_bearer(headers: &HeaderMap) -> bool {
    headers.contains_key(header::AUTHORIZATION)
}

async fn path_org(parts: &mut Parts, state: &AppState) -> Result<String, AppError> {
    let params = RawPathParams::from_request_parts(parts, state)
        .await
        .map_err(|_| AppError::NotFound)?;
    params
        .iter()
        .find(|(name, _)| *name == "org")
        .map(|(_, value)| value.to_owned())
        .ok_or(AppError::NotFound)
}

/// An authenticated API caller.
pub struct ApiUser(pub Principal);

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let now = now();
        let principal = if has_bearer(&parts.headers) {
            let token = bearer_token(&parts.headers).ok_or(AppError::Unauthenticated)?;
            state.app.authenticate_token(token, now).await?
        } else {
            let secret = session_secret(&parts.headers).ok_or(AppError::Unauthenticated)?;
            state.app.authenticate_session(&secret, now).await?
        };
        if principal.user.must_change_password {
            return Err(AppError::Forbidden(
                "Choose your own password in the web interface (Account) before using the API."
                    .into(),
            )
            .into());
        }
        Ok(ApiUser(principal))
    }
}

/// An API caller acting in the organisation of the `{org}` path segment.
pub struct ApiOrg(pub OrgContext);

impl FromRequestParts<AppState> for ApiOrg {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let ApiUser(principal) = ApiUser::from_request_parts(parts, state).await?;
        let slug = path_org(parts, state).await?;
        Ok(ApiOrg(state.app.org_context(&principal, &slug).await?))
    }
}

/// A logged-in browser user.
pub struct PageUser {
    pub principal: Principal,
}

/// Why a page request was not let in.
pub enum PageRejection {
    /// Sent elsewhere first: to log in, or to choose a password.
    Redirect(String),
    Error(PageError),
}

impl IntoResponse for PageRejection {
    fn into_response(self) -> Response {
        match self {
            PageRejection::Redirect(to) => Redirect::to(&to).into_response(),
            PageRejection::Error(error) => error.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for PageUser {
    type Rejection = PageRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let base = &state.config.base_path;
        let login = || {
            // The original URI: inside a nested router `parts.uri` has lost the base path.
            let uri = parts
                .extensions
                .get::<axum::extract::OriginalUri>()
                .map_or(&parts.uri, |original| &original.0);
            let next = uri
                .path_and_query()
                .map(|p| p.as_str().to_owned())
                .unwrap_or_default();
            let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
            PageRejection::Redirect(format!("{base}/login?{query}"))
        };
        let Some(secret) = session_secret(&parts.headers) else {
            return Err(login());
        };
        match state.app.authenticate_session(&secret, now()).await {
            Ok(principal) => Ok(PageUser { principal }),
            Err(AppError::Unauthenticated) => Err(login()),
            Err(error) => Err(PageRejection::Error(error.into())),
        }
    }
}

/// A logged-in browser user acting in the organisation of the `{org}` path segment.
pub struct PageOrg {
    pub principal: Principal,
    pub ctx: OrgContext,
}

impl FromRequestParts<AppState> for PageOrg {
    type Rejection = PageRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let PageUser { principal } = PageUser::from_request_parts(parts, state).await?;
        if principal.user.must_change_password {
            let base = &state.config.base_path;
            return Err(PageRejection::Redirect(format!(
                "{base}/account?notice=must-change"
            )));
        }
        let page_error = |error: AppError| PageRejection::Error(error.into());
        let slug = path_org(parts, state).await.map_err(page_error)?;
        let ctx = state
            .app
            .org_context(&principal, &slug)
            .await
            .map_err(page_error)?;
        Ok(PageOrg { principal, ctx })
    }
}

/// A browser visitor who may or may not be logged in (pages anyone with a link may open).
pub struct MaybeUser(pub Option<Principal>);

impl FromRequestParts<AppState> for MaybeUser {
    type Rejection = PageError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let Some(secret) = session_secret(&parts.headers) else {
            return Ok(MaybeUser(None));
        };
        match state.app.authenticate_session(&secret, now()).await {
            Ok(principal) => Ok(MaybeUser(Some(principal))),
            Err(AppError::Unauthenticated) => Ok(MaybeUser(None)),
            Err(error) => Err(error.into()),
        }
    }
}
