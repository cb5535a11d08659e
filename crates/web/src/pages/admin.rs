//! Administration of the instance from the web: its organisations, created by instance
//! administrators (the same use case as `custos org create`).

use askama::Template;
use axum::extract::{Form, Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use custos_app::controls::library::{ImportOptions, LibraryImport, MissingDependencies};
use custos_app::domain::ValidationErrors;
use custos_app::domain::controls::library::{FrameworkSummary, MappingSetSummary};
use custos_app::domain::fields::FieldRule;
use custos_app::domain::platform::{Invitation, Organisation};
use custos_app::platform::FirstAdministrator;
use custos_app::{AppError, Principal, now};
use serde::Deserialize;

use super::{Layout, see_other};
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageError, render};

#[derive(Template)]
#[template(path = "admin_organisations.html")]
struct OrganisationsPage {
    layout: Layout,
    organisations: Vec<Organisation>,
    form: OrganisationForm,
    errors: ValidationErrors,
    /// The organisation just created with the invitation of its administrator, whose link
    /// is shown this once.
    created: Option<(Organisation, Invitation, String)>,
}

impl OrganisationsPage {
    fn rule(&self, field: &str) -> FieldRule {
        match field {
            "name" => FieldRule {
                required: true,
                max_chars: Some(200),
            },
            "slug" => FieldRule {
                required: true,
                max_chars: Some(40),
            },
            "admin_email" => FieldRule {
                required: false,
                max_chars: Some(254),
            },
            _ => FieldRule::default(),
        }
    }

    fn invites(&self) -> bool {
        self.form.administrator == "invite"
    }
}

#[derive(Deserialize, Default)]
pub struct OrganisationForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
    /// `me` (the default) or `invite`.
    #[serde(default)]
    administrator: String,
    #[serde(default)]
    admin_email: String,
}

async fn organisations_page(
    state: &AppState,
    principal: &Principal,
    form: OrganisationForm,
    errors: ValidationErrors,
    created: Option<(Organisation, Invitation, String)>,
) -> Result<OrganisationsPage, PageError> {
    let organisations = state.app.all_organisations(principal).await?;
    let layout = Layout::for_user(state, principal, "Organisations of this instance").await?;
    Ok(OrganisationsPage {
        layout,
        organisations,
        form,
        errors,
        created,
    })
}

/// Instance administration asks for a password of one's own first, as organisation pages do.
fn must_choose_password(state: &AppState, user: &PageUser) -> Option<Response> {
    user.principal.user.must_change_password.then(|| {
        see_other(format!(
            "{}/account?notice=must-change",
            state.config.base_path
        ))
    })
}

/// `GET /admin/organisations`: every organisation, and the form to create one.
pub async fn organisations(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Response, PageError> {
    if let Some(redirect) = must_choose_password(&state, &user) {
        return Ok(redirect);
    }
    let page = organisations_page(
        &state,
        &user.principal,
        OrganisationForm::default(),
        Default::default(),
        None,
    )
    .await?;
    Ok(render(&page))
}

/// `POST /admin/organisations`: creates an organisation, administered by its founder or by
/// whoever accepts the invitation made with it.
pub async fn create_organisation(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<OrganisationForm>,
) -> Result<Response, PageError> {
    if let Some(redirect) = must_choose_password(&state, &user) {
        return Ok(redirect);
    }
    let first_administrator = match form.administrator.as_str() {
        "invite" => FirstAdministrator::Invite(&form.admin_email),
        "" | "me" => FirstAdministrator::Founder,
        _ => {
            let errors = ValidationErrors::single(
                "administrator",
                "Choose who administers the organisation.",
            );
            let page = organisations_page(&state, &user.principal, form, errors, None).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response());
        }
    };
    let result = state
        .app
        .create_organisation(
            &user.principal,
            &form.slug,
            &form.name,
            first_administrator,
            now(),
        )
        .await;
    match result {
        Ok(created) => match created.invitation {
            None => Ok(see_other(format!(
                "{}/orgs/{}/?notice=org-created",
                state.config.base_path, created.organisation.slug
            ))),
            Some(invited) => {
                let link = state.config.public_link(&invited.path());
                let shown = Some((created.organisation, invited.invitation, link));
                let page = organisations_page(
                    &state,
                    &user.principal,
                    OrganisationForm::default(),
                    Default::default(),
                    shown,
                )
                .await?;
                Ok(render(&page))
            }
        },
        Err(AppError::Validation(errors)) => {
            let page = organisations_page(&state, &user.principal, form, errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&page)).into_response())
        }
        Err(error) => Err(error.into()),
    }
}

#[derive(Template)]
#[template(path = "admin_libraries.html")]
struct LibrariesPage {
    layout: Layout,
    frameworks: Vec<FrameworkSummary>,
    mapping_sets: Vec<MappingSetSummary>,
    /// What the last upload did, or why it was refused.
    outcome: Option<Result<LibraryImport, String>>,
}

async fn libraries_page(
    state: &AppState,
    principal: &Principal,
    outcome: Option<Result<LibraryImport, String>>,
) -> Result<LibrariesPage, PageError> {
    let (frameworks, mapping_sets) = state.app.libraries(principal).await?;
    let layout = Layout::for_user(state, principal, "Framework libraries").await?;
    Ok(LibrariesPage {
        layout,
        frameworks,
        mapping_sets,
        outcome,
    })
}

/// `GET /admin/libraries`: the libraries loaded, and the form to import one.
pub async fn libraries(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Response, PageError> {
    if let Some(redirect) = must_choose_password(&state, &user) {
        return Ok(redirect);
    }
    Ok(render(
        &libraries_page(&state, &user.principal, None).await?,
    ))
}

/// Library files are text; the largest seen (an OSCAL catalog of every SP 800-53 control)
/// is about 10 MB.
const LIBRARY_MAX_BYTES: usize = 16 * 1024 * 1024;

/// `POST /admin/libraries`: imports the uploaded library file (Custos's format, CISO
/// Assistant's or OSCAL's) as `custos library import` does.
pub async fn import_library(
    State(state): State<AppState>,
    user: PageUser,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    if let Some(redirect) = must_choose_password(&state, &user) {
        return Ok(redirect);
    }
    let mut file = Vec::new();
    let mut options = ImportOptions::default();
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        format!("The upload could not be read ({e}); choose the file again.")
    };
    let mut refusal = None;
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(field)) => field,
            Ok(None) => break,
            Err(e) => {
                refusal = Some(unreadable(e));
                break;
            }
        };
        let name = field.name().unwrap_or_default().to_owned();
        let bytes = match field.bytes().await {
            Ok(bytes) => bytes,
            Err(e) => {
                refusal = Some(unreadable(e));
                break;
            }
        };
        let text = || String::from_utf8_lossy(&bytes).trim().to_owned();
        match name.as_str() {
            "file" => file = bytes.to_vec(),
            "id" if !text().is_empty() => options.library_id = Some(text()),
            "catalog" if !text().is_empty() => options.catalog = Some(text()),
            "skip_missing_dependencies" => options.missing = MissingDependencies::Skip,
            _ => {}
        }
    }
    let outcome = match refusal {
        Some(message) => Err(message),
        None if file.is_empty() => Err("Choose a library file to import.".to_owned()),
        None if file.len() > LIBRARY_MAX_BYTES => Err(format!(
            "The file is {} MB; this page takes library files up to {} MB.",
            file.len() / 1_000_000,
            LIBRARY_MAX_BYTES / 1_000_000
        )),
        None => match String::from_utf8(file) {
            Err(_) => Err("The file is not text (UTF-8): it is not a library file.".to_owned()),
            Ok(text) => {
                let imported = state
                    .app
                    .import_library_as(&user.principal, &text, &options, now())
                    .await;
                match imported {
                    Ok(imported) => Ok(imported),
                    Err(AppError::Validation(errors)) => Err(errors
                        .fields
                        .into_iter()
                        .map(|e| e.message)
                        .collect::<Vec<_>>()
                        .join(" ")),
                    Err(AppError::Conflict(message)) => Err(message),
                    Err(other) => return Err(other.into()),
                }
            }
        },
    };
    let status = if outcome.is_ok() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let page = libraries_page(&state, &user.principal, Some(outcome)).await?;
    Ok((status, render(&page)).into_response())
}
