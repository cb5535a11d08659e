//! The JSON API under `/api/v1`. Handlers are registered with utoipa-axum's `routes!`, so
//! the route table and the OpenAPI document cannot drift apart.

pub mod applied_controls;
pub mod asset_import;
pub mod asset_settings;
pub mod assets;
pub mod context;
pub mod controls;
pub mod documents;
pub mod evidence;
pub mod governance;
pub mod platform;
pub mod risk;
pub mod risks;
pub mod soa;

use axum::Json;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
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
        (name = "assets", description = "The asset inventory (ISO 27001 5.9), the impact scale assets are valued on and the classification scheme (ISO 27001 5.12, 5.13)"),
        (name = "risk", description = "The risk method (ISO 27001 6.1.2): likelihood and impact scales, risk levels, the matrix and the appetite, versioned and approved"),
        (name = "controls", description = "Framework libraries (ISO/IEC 27001:2022, SOC 2, NIST CSF 2.0, ...): requirement trees, guidance and the mappings between frameworks; the organisation's applied controls, the coverage they give each framework and the evidence behind them (files kept with their SHA-256, checked on download); the Statement of Applicability (ISO 27001 6.1.3), versioned and approved"),
        (name = "governance", description = "Approvals by senior management; documents and policies (ISO 27001 5.2, 7.5) with versions approved through them")
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
        .routes(routes!(assets::list_assets, assets::create_asset))
        .routes(routes!(asset_import::import_assets))
        .routes(routes!(asset_import::export_assets))
        .routes(routes!(
            assets::get_asset,
            assets::update_asset,
            assets::delete_asset
        ))
        .routes(routes!(assets::get_asset_valuation))
        .routes(routes!(assets::get_asset_supporters))
        .routes(routes!(assets::bulk_change_assets))
        .routes(routes!(
            assets::get_review_period,
            assets::put_review_period
        ))
        .routes(routes!(assets::get_asset_figures))
        .routes(routes!(assets::put_asset_link, assets::delete_asset_link))
        .routes(routes!(
            asset_settings::get_impact_scale,
            asset_settings::update_impact_scale
        ))
        .routes(routes!(asset_settings::get_classification_scheme))
        .routes(routes!(asset_settings::list_classification_scheme_versions))
        .routes(routes!(
            asset_settings::get_classification_draft,
            asset_settings::save_classification_draft
        ))
        .routes(routes!(asset_settings::submit_classification_draft))
        .routes(routes!(risk::get_risk_method))
        .routes(routes!(risk::get_risk_method_template))
        .routes(routes!(risk::list_risk_method_versions))
        .routes(routes!(risk::get_risk_method_version))
        .routes(routes!(
            risk::get_risk_method_draft,
            risk::save_risk_method_draft
        ))
        .routes(routes!(risk::import_risk_matrix))
        .routes(routes!(risk::submit_risk_method_draft))
        .routes(routes!(risks::list_risks, risks::create_risk))
        .routes(routes!(risks::risk_heat_map))
        .routes(routes!(risks::rescore_risks))
        .routes(routes!(risks::treatment_figures))
        .routes(routes!(risks::risk_losses))
        .routes(routes!(risks::risk_trend))
        .routes(routes!(risks::export_risks))
        .routes(routes!(risks::export_treatment_plan))
        .routes(routes!(risks::create_risk_action))
        .routes(routes!(
            risks::get_risk_action,
            risks::update_risk_action,
            risks::delete_risk_action
        ))
        .routes(routes!(risks::set_treatment_target))
        .routes(routes!(risks::request_risk_acceptance))
        .routes(routes!(
            risks::get_risk,
            risks::update_risk,
            risks::delete_risk
        ))
        .routes(routes!(risks::list_threats, risks::create_threat))
        .routes(routes!(
            risks::get_threat,
            risks::update_threat,
            risks::delete_threat
        ))
        .routes(routes!(
            risks::list_vulnerabilities,
            risks::create_vulnerability
        ))
        .routes(routes!(
            risks::get_vulnerability,
            risks::update_vulnerability,
            risks::delete_vulnerability
        ))
        .routes(routes!(
            applied_controls::list_controls,
            applied_controls::create_control
        ))
        .routes(routes!(
            applied_controls::get_control,
            applied_controls::update_control,
            applied_controls::delete_control
        ))
        .routes(routes!(evidence::list_evidence, evidence::create_evidence))
        .routes(routes!(
            evidence::get_evidence,
            evidence::update_evidence,
            evidence::delete_evidence
        ))
        .routes(routes!(
            evidence::get_evidence_file,
            evidence::put_evidence_file
        ))
        .routes(routes!(applied_controls::get_framework_coverage))
        .routes(routes!(applied_controls::list_coverage))
        .routes(routes!(controls::list_frameworks))
        .routes(routes!(controls::get_framework))
        .routes(routes!(controls::list_requirement_mappings))
        .routes(routes!(controls::list_mapping_sets))
        .routes(routes!(soa::get_soa))
        .routes(routes!(soa::get_soa_start))
        .routes(routes!(soa::list_soa_versions))
        .routes(routes!(soa::get_soa_version))
        .routes(routes!(soa::get_soa_draft, soa::save_soa_draft))
        .routes(routes!(soa::submit_soa_draft))
        .routes(routes!(soa::export_soa))
        .routes(routes!(
            documents::list_documents,
            documents::create_document
        ))
        .routes(routes!(
            documents::get_document,
            documents::update_document,
            documents::delete_document
        ))
        .routes(routes!(documents::retire_document))
        .routes(routes!(documents::start_document_version))
        .routes(routes!(
            documents::get_document_version,
            documents::update_document_version
        ))
        .routes(routes!(documents::submit_document_version))
        .routes(routes!(
            documents::get_document_file,
            documents::put_document_file
        ))
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

/// A JSON body. Whatever is wrong with it comes back as a 422 problem+json naming the field:
/// a syntax error, a field of the wrong type, a missing field, or a field the endpoint does
/// not take (request bodies refuse unknown fields, so a misspelt `tittle` is not silently
/// dropped). A body over the size limit is answered 413 ([`crate::body_limit`]).
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for ApiJson<T> {
    type Rejection = Response;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Self::Rejection> {
        let invalid = |field: &str, message: String| {
            ApiError(AppError::Validation(ValidationErrors::single(
                field, message,
            )))
            .into_response()
        };
        if !is_json(request.headers()) {
            return Err(invalid(
                "body",
                "Send the body as JSON, with Content-Type: application/json.".into(),
            ));
        }
        let bytes = match axum::body::Bytes::from_request(request, state).await {
            Ok(bytes) => bytes,
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                return Err(crate::body_limit::too_large(
                    true,
                    "",
                    crate::body_limit::MAX_BODY_BYTES,
                ));
            }
            Err(rejection) => return Err(invalid("body", rejection.body_text())),
        };
        let mut deserializer = serde_json::Deserializer::from_slice(&bytes);
        let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
            let (field, message) = json_problem(&error);
            invalid(&field, message)
        })?;
        // Text after the value ("{...} garbage") is a syntax error too.
        deserializer
            .end()
            .map_err(|error| invalid("body", not_json(&error)))?;
        Ok(ApiJson(value))
    }
}

/// `application/json`, or any `application/...+json` type, as axum's `Json` accepts.
fn is_json(headers: &axum::http::HeaderMap) -> bool {
    let Some(value) = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    else {
        return false;
    };
    let essence = value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json"
        || essence
            .strip_prefix("application/")
            .is_some_and(|subtype| subtype.ends_with("+json"))
}

/// The field a JSON error is about, and what to tell the client: an unknown field by its
/// name (with the fields the endpoint takes), a missing one by its name, a bad value by its
/// path; syntax errors are about the body.
fn json_problem(error: &serde_path_to_error::Error<serde_json::Error>) -> (String, String) {
    let inner = error.inner();
    if inner.classify() != serde_json::error::Category::Data {
        return ("body".into(), not_json(inner));
    }
    let location = format!(" at line {} column {}", inner.line(), inner.column());
    let text = inner.to_string();
    let text = text.strip_suffix(&location).unwrap_or(&text);
    let path = error.path().to_string();
    let within = |name: &str| match path.as_str() {
        "." => name.to_owned(),
        parent => format!("{parent}.{name}"),
    };
    // serde's own wording: "unknown field `x`, expected `a`", "... expected `a` or `b`",
    // "... expected one of `a`, `b`, `c`", "... there are no fields"; "missing field `x`".
    if let Some((name, rest)) = text.strip_prefix("unknown field ").and_then(backquoted) {
        let expected = rest.trim_start_matches(", ").replace('`', "");
        let message = match expected
            .strip_prefix("expected one of ")
            .or(expected.strip_prefix("expected "))
        {
            Some(field) if !field.contains([',', ' ']) => {
                format!("Unknown field \"{name}\". The only field is {field}.")
            }
            Some(fields) => format!(
                "Unknown field \"{name}\". The fields are {}.",
                fields.replace(" or ", ", ")
            ),
            None => format!("Unknown field \"{name}\"; this endpoint takes no fields."),
        };
        // serde_path_to_error's path already ends at the unknown field.
        let field = if path == "." { name.to_owned() } else { path };
        return (field, message);
    }
    if let Some((name, _)) = text.strip_prefix("missing field ").and_then(backquoted) {
        return (within(name), "This field is required.".into());
    }
    let field = if path == "." { "body".to_owned() } else { path };
    (field, format!("Invalid value: {text}."))
}

/// "`name` rest" as ("name", " rest").
fn backquoted(text: &str) -> Option<(&str, &str)> {
    text.strip_prefix('`')?.split_once('`')
}

fn not_json(error: &serde_json::Error) -> String {
    format!("The body is not valid JSON: {error}.")
}

#[cfg(test)]
mod json_tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[expect(dead_code, reason = "only deserialised")]
    struct Body {
        title: String,
        version: i64,
    }

    fn problem(json: &str) -> (String, String) {
        let mut deserializer = serde_json::Deserializer::from_str(json);
        let error =
            serde_path_to_error::deserialize::<_, Body>(&mut deserializer).expect_err("invalid");
        json_problem(&error)
    }

    #[test]
    fn json_errors_name_the_field() {
        assert_eq!(
            problem(r#"{"title": "t", "version": 1, "colour": "red"}"#),
            (
                "colour".into(),
                "Unknown field \"colour\". The fields are title, version.".into()
            )
        );
        assert_eq!(
            problem(r#"{"title": "t"}"#),
            ("version".into(), "This field is required.".into())
        );
        #[derive(Debug, serde::Deserialize)]
        #[serde(deny_unknown_fields)]
        #[expect(dead_code, reason = "only deserialised")]
        struct Role {
            role: String,
        }
        let mut deserializer = serde_json::Deserializer::from_str(r#"{"role": "x", "rank": 1}"#);
        let error =
            serde_path_to_error::deserialize::<_, Role>(&mut deserializer).expect_err("rank");
        assert_eq!(
            json_problem(&error).1,
            "Unknown field \"rank\". The only field is role."
        );
        let (field, message) = problem(r#"{"title": 5, "version": 1}"#);
        assert_eq!(field, "title");
        assert!(
            message.starts_with("Invalid value: invalid type: integer `5`"),
            "{message}"
        );
        let (field, message) = problem("{ not json");
        assert_eq!(field, "body");
        assert!(
            message.starts_with("The body is not valid JSON"),
            "{message}"
        );
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

/// The version a deletion is made to: a stale version is refused with 409.
#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct VersionQuery {
    /// The version being deleted: a stale version is refused with 409.
    pub version: i64,
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
    /// The `page` of `items`, a list read whole (the versions of a record: a handful a year).
    pub fn window(items: Vec<T>, page: custos_app::domain::list::Page) -> Self {
        let total = items.len() as u64;
        let window = items
            .into_iter()
            .skip(usize::try_from(page.offset).unwrap_or(usize::MAX))
            .take(page.limit as usize)
            .collect();
        Self::new(
            custos_app::domain::list::Listed::exact(window, total),
            page,
            |_: &T| None,
        )
    }

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
