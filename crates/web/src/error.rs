//! Errors at the edge: every app error becomes either an RFC 9457 problem+json body (API) or
//! an HTML page with a clear message (pages). This is the only place that maps them.

use askama::Template;
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use custos_app::AppError;
use custos_app::domain::FieldError;
use serde::Serialize;

/// An RFC 9457 problem details body.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub problem_type: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// Field-level messages of a validation problem.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<FieldProblem>)]
    pub errors: Vec<FieldError>,
}

/// One invalid field and what is wrong with it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

fn status_of(error: &AppError) -> (StatusCode, &'static str, &'static str) {
    match error {
        AppError::NotFound => (StatusCode::NOT_FOUND, "not-found", "Not found"),
        AppError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden", "Not allowed"),
        AppError::Unauthenticated => (
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
            "Authentication required",
        ),
        AppError::InvalidCredentials => (
            StatusCode::UNAUTHORIZED,
            "invalid-credentials",
            "Log-in failed",
        ),
        // A locked account answers exactly like a wrong password: the difference would tell
        // an attacker which e-mail addresses have accounts.
        AppError::LockedOut { .. } => (
            StatusCode::UNAUTHORIZED,
            "invalid-credentials",
            "Log-in failed",
        ),
        AppError::Validation(_) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation",
            "Invalid input",
        ),
        AppError::Conflict(_) => (StatusCode::CONFLICT, "conflict", "Conflict"),
        AppError::Store(_) | AppError::Internal(_) => (
            StatusCode::INTERNAL_SERVER_ERROR,
            "internal",
            "Internal error",
        ),
    }
}

/// What people may read about an error: internal details stay in the log.
pub fn public_detail(error: &AppError) -> String {
    match error {
        AppError::Store(_) | AppError::Internal(_) => {
            "Something went wrong on our side; nothing was changed.".into()
        }
        AppError::NotFound => "There is no such record here.".into(),
        AppError::InvalidCredentials | AppError::LockedOut { .. } => format!(
            "The e-mail address or password is not correct. After {} failed attempts in a row \
             an account is locked for {} minutes.",
            custos_app::domain::platform::MAX_FAILED_LOGINS,
            custos_app::domain::platform::LOCKOUT_MINUTES
        ),
        AppError::Validation(_) => "Some fields are not valid; see the messages.".into(),
        other => other.to_string(),
    }
}

fn log(error: &AppError) {
    if matches!(error, AppError::Store(_) | AppError::Internal(_)) {
        tracing::error!(error = %error, "request failed");
    }
}

pub fn plain_problem(status: StatusCode, title: &str, detail: &str) -> Response {
    problem(status, "about:blank", title, detail)
}

/// A problem+json answer of `problem_type`, with no field errors.
pub fn problem(status: StatusCode, problem_type: &str, title: &str, detail: &str) -> Response {
    problem_response(Problem {
        problem_type: problem_type.into(),
        title: title.into(),
        status: status.as_u16(),
        detail: detail.into(),
        errors: Vec::new(),
    })
}

/// An error page for someone the answer cannot place (it is made before any route knows who
/// is asking): the brand and the message.
pub fn plain_error_page(status: StatusCode, base: String, title: &str, detail: &str) -> Response {
    let content = ErrorContent {
        title: "",
        detail: detail.into(),
        errors: Vec::new(),
    };
    render_error(
        status,
        crate::pages::Layout::anonymous(base, title),
        &content,
    )
}

fn problem_response(problem: Problem) -> Response {
    let status = StatusCode::from_u16(problem.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (
        status,
        [(header::CONTENT_TYPE, "application/problem+json")],
        Json(problem),
    )
        .into_response()
}

/// An error answered as problem+json.
#[derive(Debug)]
pub struct ApiError(pub AppError);

impl<E: Into<AppError>> From<E> for ApiError {
    fn from(error: E) -> Self {
        ApiError(error.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        log(&self.0);
        let (status, kind, title) = status_of(&self.0);
        let errors = match &self.0 {
            AppError::Validation(errors) => errors.fields.clone(),
            _ => Vec::new(),
        };
        let mut response = problem_response(Problem {
            problem_type: format!("urn:custos:problem:{kind}"),
            title: title.into(),
            status: status.as_u16(),
            detail: public_detail(&self.0),
            errors,
        });
        if status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                crate::header("Bearer realm=\"custos\""),
            );
        }
        response
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage<'a> {
    layout: crate::pages::Layout,
    detail: &'a str,
    errors: &'a [FieldError],
}

/// What an error page says, carried from the handler to [`error_pages`], which knows who is
/// asking and wraps it in their header and navigation.
#[derive(Debug, Clone)]
struct ErrorContent {
    title: &'static str,
    detail: String,
    errors: Vec<FieldError>,
}

/// An error answered as an HTML page. Handlers return it with `?`: the page routes'
/// middleware ([`error_pages`]) wraps it in the header and navigation of whoever asked.
#[derive(Debug)]
pub struct PageError {
    pub error: AppError,
}

impl From<AppError> for PageError {
    fn from(error: AppError) -> Self {
        Self { error }
    }
}

impl From<custos_app::domain::ValidationErrors> for PageError {
    fn from(errors: custos_app::domain::ValidationErrors) -> Self {
        Self {
            error: errors.into(),
        }
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        log(&self.error);
        let (status, _, title) = status_of(&self.error);
        let content = ErrorContent {
            title,
            detail: public_detail(&self.error),
            errors: match self.error {
                AppError::Validation(errors) => errors.fields,
                _ => Vec::new(),
            },
        };
        // Without the middleware (never in the real router) the page still says what happened.
        let layout = crate::pages::Layout::anonymous(String::new(), title);
        let mut response = render_error(status, layout, &content);
        response.extensions_mut().insert(content);
        response
    }
}

fn render_error(
    status: StatusCode,
    layout: crate::pages::Layout,
    content: &ErrorContent,
) -> Response {
    let page = ErrorPage {
        layout,
        detail: &content.detail,
        errors: &content.errors,
    };
    match page.render() {
        Ok(body) => (status, Html(body)).into_response(),
        Err(_) => (status, content.detail.clone()).into_response(),
    }
}

/// A page saying what went wrong in words of the handler's own, inside `layout`.
pub fn message_page(status: StatusCode, layout: crate::pages::Layout, detail: &str) -> Response {
    let content = ErrorContent {
        title: "",
        detail: detail.to_owned(),
        errors: Vec::new(),
    };
    render_error(status, layout, &content)
}

/// Middleware of the page routes: an error page keeps the header and navigation of the
/// person asking (their organisation when the path names one they belong to), so a refused
/// or missing page is not a dead end.
pub async fn error_pages(
    axum::extract::State(state): axum::extract::State<crate::AppState>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let headers = request.headers().clone();
    let path = request.uri().path().to_owned();
    let mut response = next.run(request).await;
    let Some(content) = response.extensions_mut().remove::<ErrorContent>() else {
        return response;
    };
    let layout = crate::pages::error_layout(&state, &headers, &path, content.title).await;
    let status = response.status();
    let mut page = render_error(status, layout, &content);
    for (name, value) in response.headers() {
        if name != header::CONTENT_TYPE && name != header::CONTENT_LENGTH {
            page.headers_mut().insert(name.clone(), value.clone());
        }
    }
    page
}

/// Renders a template, or answers 500 if the template fails.
pub fn render<T: Template>(template: &T) -> Response {
    match template.render() {
        Ok(body) => Html(body).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "template failed");
            (
                StatusCode::INTERNAL_SERVER_ERROR,
                "The page could not be shown.",
            )
                .into_response()
        }
    }
}
