//! The JSON API under `/api/v1`. Handlers are registered with utoipa-axum's `routes!`, so
//! the route table and the OpenAPI document cannot drift apart.

pub mod context;
pub mod governance;
pub mod platform;

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::response::{IntoResponse, Response};
use custos_app::AppError;
use custos_app::domain::ValidationErrors;
use serde::de::DeserializeOwned;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::AppState;
use crate::error::ApiError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Custos API",
        description = "The ISMS of one or more organisations. Organisation records live under /api/v1/orgs/{org}/. \
                       Authenticate with `Authorization: Bearer <token>` (create a token in the web interface or \
                       with `custos token create`) or with the session cookie of the web interface. Errors are \
                       RFC 9457 problem+json documents.",
        license(name = "Apache-2.0")
    ),
    modifiers(&Security),
    security(("bearer" = []), ("session" = [])),
    tags(
        (name = "platform", description = "Health, identity, members and invitations, and the audit trail. \
            People join an organisation by invitation: administrators create one here and pass its link on; \
            the person accepts it in the web interface."),
        (name = "context", description = "Objectives (ISO 27001 6.2)"),
        (name = "governance", description = "Approvals by senior management")
    )
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(
                crate::auth::SESSION_COOKIE,
            ))),
        );
    }
}

pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(ApiDoc::openapi())
        .routes(routes!(platform::healthz))
        .routes(routes!(platform::readyz))
        .routes(routes!(platform::me))
        .routes(routes!(platform::list_audit_events))
        .routes(routes!(platform::list_members))
        .routes(routes!(
            platform::list_invitations,
            platform::create_invitation
        ))
        .routes(routes!(platform::revoke_invitation))
        .routes(routes!(
            platform::change_member_role,
            platform::remove_member
        ))
        .routes(routes!(context::list_objectives, context::create_objective))
        .routes(routes!(
            context::get_objective,
            context::update_objective,
            context::delete_objective
        ))
        .routes(routes!(context::submit_objective))
        .routes(routes!(governance::list_approvals))
        .routes(routes!(governance::get_approval))
        .routes(routes!(governance::decide_approval))
}

/// The OpenAPI 3.1 document of the API.
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    router().split_for_parts().1
}

pub async fn serve_openapi(State(state): State<AppState>) -> Response {
    let mut document = openapi_document();
    let base = &state.config.base_path;
    if !base.is_empty() {
        document.servers = Some(vec![utoipa::openapi::Server::new(base.clone())]);
    }
    Json(document).into_response()
}

/// A JSON body whose syntax errors come back as problem+json with the reason.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        match Json::<T>::from_request(request, state).await {
            Ok(Json(value)) => Ok(ApiJson(value)),
            Err(rejection) => Err(ApiError(AppError::Validation(ValidationErrors::single(
                "body",
                rejection.body_text(),
            )))),
        }
    }
}

/// Query parameters whose errors come back as problem+json.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> axum::extract::FromRequestParts<S> for ApiQuery<T> {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        match axum::extract::Query::<T>::from_request_parts(parts, state).await {
            Ok(axum::extract::Query(value)) => Ok(ApiQuery(value)),
            Err(rejection) => Err(ApiError(AppError::Validation(ValidationErrors::single(
                "query",
                rejection.body_text(),
            )))),
        }
    }
}

/// Ids in paths that are not UUIDs name nothing.
pub fn parse_id(raw: &str) -> Result<uuid::Uuid, ApiError> {
    crate::pages::parse_id(raw).map_err(ApiError)
}

/// A page of results and how many match in total.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct ListPage<T: serde::Serialize> {
    pub items: Vec<T>,
    /// Rows matching the filter; counting stops at 10,000 (then `total_exact` is false).
    pub total: u64,
    pub total_exact: bool,
    pub limit: u32,
    pub offset: u64,
    /// For walking a whole register: pass it as `after` to get the next page (absent on the
    /// last page, and on lists that do not offer it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_after: Option<i64>,
}

impl<T: serde::Serialize> ListPage<T> {
    /// The page of `listed`, its items made into their API views; `walk_key` gives the key
    /// a client passes as `after` to continue (None on lists or sorts that cannot walk).
    pub fn new<R>(
        listed: custos_app::domain::list::Listed<R>,
        page: custos_app::domain::list::Page,
        walk_key: impl Fn(&R) -> Option<i64>,
    ) -> Self
    where
        T: From<R>,
    {
        let full = listed.items.len() == page.limit as usize;
        let next_after = listed.items.last().filter(|_| full).and_then(walk_key);
        Self {
            total: listed.total,
            total_exact: listed.total_exact,
            limit: page.limit,
            offset: page.offset,
            next_after,
            items: listed.items.into_iter().map(T::from).collect(),
        }
    }
}

impl<T: serde::Serialize> axum::response::IntoResponse for ListPage<T> {
    /// Serialised into a buffer sized for the page: growing axum's 128-byte buffer copied a
    /// 50-row page several times over (docs/performance.md).
    fn into_response(self) -> axum::response::Response {
        let mut body = Vec::with_capacity(256 + self.items.len() * 768);
        match serde_json::to_writer(&mut body, &self) {
            Ok(()) => (
                [(
                    axum::http::header::CONTENT_TYPE,
                    axum::http::HeaderValue::from_static("application/json"),
                )],
                body,
            )
                .into_response(),
            Err(e) => ApiError(AppError::Internal(format!("response: {e}"))).into_response(),
        }
    }
}
