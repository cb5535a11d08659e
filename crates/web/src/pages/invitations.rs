//! Invitations: administrators invite from the members page and pass the link on; whoever
//! opens the link accepts it, with their own account or with one they create there.

use askama::Template;
use axum::extract::{Form, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use custos_app::domain::ValidationErrors;
use custos_app::domain::platform::{Role, invitation_path};
use custos_app::platform::InvitationLink;
use custos_app::{AppError, Principal, now};
use serde::Deserialize;

use super::confirm::{ConfirmForm, ConfirmPage};
use super::platform::{InviteForm, members_page, session_cookie};
use super::{Layout, parse_id, see_other};
use crate::AppState;
use crate::auth::{MaybeUser, PageOrg, session_secret};
use crate::error::{PageError, message_page, render};

/// `POST /orgs/{org}/invitations`: invites someone and shows the link once.
pub async fn invite(
    State(state): State<AppState>,
    page: PageOrg,
    Form(form): Form<InviteForm>,
) -> Result<Response, PageError> {
    let Some(role) = Role::parse(&form.role) else {
        let errors = ValidationErrors::single("role", "Choose a role.");
        let members_page = members_page(&state, &page, form, errors, None, None).await?;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&members_page)).into_response());
    };
    match state.app.invite(&page.ctx, &form.email, role, now()).await {
        Ok(invited) => {
            let link = state.config.public_link(&invited.path());
            let members_page = members_page(
                &state,
                &page,
                InviteForm::default(),
                Default::default(),
                Some((invited.invitation, link)),
                None,
            )
            .await?;
            Ok(render(&members_page))
        }
        Err(AppError::Validation(errors)) => {
            let members_page = members_page(&state, &page, form, errors, None, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, render(&members_page)).into_response())
        }
        Err(error) => Err(PageError::from(error)),
    }
}

/// `POST /orgs/{org}/invitations/{id}/revoke`: asks first, then withdraws the invitation.
pub async fn revoke(
    State(state): State<AppState>,
    page: PageOrg,
    Path((_, id)): Path<(String, String)>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    if !form.given() {
        let invitation = state.app.open_invitation(&page.ctx, id).await?;
        let layout = Layout::new(&state, &page, "Revoke invitation", "members").await?;
        let members_href = layout.org_href("/members");
        return Ok(render(&ConfirmPage {
            question: format!("Withdraw the invitation of {}?", invitation.email),
            explanation: format!(
                "The link sent to {} stops working at once. You can invite them again later.",
                invitation.email
            ),
            action: layout.org_href(&format!("/invitations/{id}/revoke")),
            fields: Vec::new(),
            button_label: "Revoke invitation".into(),
            button_class: "danger",
            back_label: "Members".into(),
            back_href: members_href,
            layout,
        }));
    }
    state.app.revoke_invitation(&page.ctx, id, now()).await?;
    Ok(see_other(format!(
        "{}/orgs/{}/members?notice=invitation-revoked",
        state.config.base_path,
        page.ctx.organisation().slug
    )))
}

/// What the invitation page offers whoever opened the link.
enum Offer {
    /// No account for the address yet: choose a name and a password.
    NewAccount,
    /// The address has an account: log in first (with `next` back here).
    LogInFirst { login_href: String },
    /// Logged in with the invited address: one button.
    Accept,
    /// The link no longer works, or not for this visitor: why, in words.
    Refused { message: String },
}

#[derive(Template)]
#[template(path = "invitation.html")]
struct InvitationPage {
    layout: Layout,
    secret: String,
    link: InvitationLink,
    offer: Offer,
    /// The name typed before a refused attempt.
    typed_name: String,
    errors: ValidationErrors,
}

impl InvitationPage {
    fn rule(&self, field: &str) -> custos_app::domain::fields::FieldRule {
        let required = |max| custos_app::domain::fields::FieldRule {
            required: true,
            max_chars: Some(max),
        };
        match field {
            "name" => required(200),
            "password" | "confirm_password" => {
                required(custos_app::domain::platform::MAX_PASSWORD_LENGTH)
            }
            _ => Default::default(),
        }
    }

    fn action(&self, step: &str) -> String {
        format!(
            "{}{}/{step}",
            self.layout.base,
            invitation_path(&self.secret)
        )
    }

    fn password_hint(&self) -> String {
        format!(
            "At least {} characters; a few unrelated words make a good password.",
            custos_app::domain::platform::MIN_PASSWORD_LENGTH
        )
    }
}

/// The layout for the visitor: their own header when logged in, the bare brand otherwise.
async fn visitor_layout(
    state: &AppState,
    visitor: Option<&Principal>,
    title: String,
) -> Result<Layout, PageError> {
    match visitor {
        Some(principal) => Layout::for_user(state, principal, title).await,
        None => Ok(Layout::anonymous(state.config.base_path.clone(), title)),
    }
}

/// What to offer `visitor` for this link, and the status that goes with it.
fn offer_for(
    state: &AppState,
    secret: &str,
    link: &InvitationLink,
    visitor: Option<&Principal>,
) -> (StatusCode, Offer) {
    let invitation = &link.invitation;
    if let Some(refusal) = invitation.refusal(now()) {
        return (
            StatusCode::GONE,
            Offer::Refused {
                message: refusal.into(),
            },
        );
    }
    match visitor {
        Some(principal) if principal.user.email != invitation.email => (
            StatusCode::FORBIDDEN,
            Offer::Refused {
                message: format!(
                    "This invitation is for {}, and you are logged in as {}. Log out, then open \
                     the link again.",
                    invitation.email, principal.user.email
                ),
            },
        ),
        Some(_) => (StatusCode::OK, Offer::Accept),
        None if link.account_exists => {
            let next = format!("{}{}", state.config.base_path, invitation_path(secret));
            let query = serde_urlencoded::to_string([("next", next)]).unwrap_or_default();
            let login_href = format!("{}/login?{query}", state.config.base_path);
            (StatusCode::OK, Offer::LogInFirst { login_href })
        }
        None => (StatusCode::OK, Offer::NewAccount),
    }
}

fn title_of(link: &InvitationLink) -> String {
    format!("Invitation to {}", link.organisation.name)
}

/// A link whose secret names no invitation: the same page, saying so.
async fn unknown_link(
    state: &AppState,
    visitor: Option<&Principal>,
) -> Result<Response, PageError> {
    let layout = visitor_layout(state, visitor, "Invitation not found".into()).await?;
    Ok(message_page(
        StatusCode::NOT_FOUND,
        layout,
        "This invitation link is not valid. Check that you copied the whole link, or ask for a \
         new invitation.",
    ))
}

/// `GET /invitations/{secret}`: who invites whom to what, and how to accept.
pub async fn show(
    State(state): State<AppState>,
    MaybeUser(visitor): MaybeUser,
    Path(secret): Path<String>,
) -> Result<Response, PageError> {
    let link = match state.app.invitation_link(&secret).await {
        Ok(link) => link,
        Err(AppError::NotFound) => return unknown_link(&state, visitor.as_ref()).await,
        Err(error) => return Err(error.into()),
    };
    let (status, offer) = offer_for(&state, &secret, &link, visitor.as_ref());
    let layout = visitor_layout(&state, visitor.as_ref(), title_of(&link)).await?;
    let page = InvitationPage {
        layout,
        secret,
        link,
        offer,
        typed_name: String::new(),
        errors: Default::default(),
    };
    Ok((status, render(&page)).into_response())
}

/// The invitation page again after a refused answer: the form with its errors, or why the
/// link no longer works.
async fn refused(
    state: &AppState,
    visitor: Option<&Principal>,
    secret: String,
    name: String,
    error: AppError,
) -> Result<Response, PageError> {
    let link = match state.app.invitation_link(&secret).await {
        Ok(link) => link,
        Err(AppError::NotFound) => return unknown_link(state, visitor).await,
        Err(error) => return Err(error.into()),
    };
    let (status, offer, errors) = match error {
        AppError::Validation(errors) => {
            let (_, offer) = offer_for(state, &secret, &link, visitor);
            (StatusCode::UNPROCESSABLE_ENTITY, offer, errors)
        }
        AppError::Conflict(message) => (
            StatusCode::CONFLICT,
            Offer::Refused { message },
            Default::default(),
        ),
        AppError::Forbidden(message) => (
            StatusCode::FORBIDDEN,
            Offer::Refused { message },
            Default::default(),
        ),
        other => return Err(other.into()),
    };
    let layout = visitor_layout(state, visitor, title_of(&link)).await?;
    let page = InvitationPage {
        layout,
        secret,
        link,
        offer,
        typed_name: name,
        errors,
    };
    Ok((status, render(&page)).into_response())
}

#[derive(Deserialize)]
pub struct NewAccountForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    confirm_password: String,
}

/// `POST /invitations/{secret}/account`: someone new creates their account and joins, and is
/// logged in.
pub async fn create_account(
    State(state): State<AppState>,
    MaybeUser(visitor): MaybeUser,
    crate::security::ClientIp(address): crate::security::ClientIp,
    headers: HeaderMap,
    Path(secret): Path<String>,
    Form(form): Form<NewAccountForm>,
) -> Result<Response, PageError> {
    if visitor.is_some() {
        // Logged in: the page offers joining with this account, or says why not.
        return show(State(state), MaybeUser(visitor), Path(secret)).await;
    }
    let result = state
        .app
        .accept_invitation_with_new_account(
            &secret,
            &form.name,
            &form.password,
            &form.confirm_password,
            &super::platform::session_client(address, &headers),
            now(),
        )
        .await;
    let (organisation, session) = match result {
        Ok(joined) => joined,
        Err(error) => return refused(&state, None, secret, form.name, error).await,
    };
    // A stale cookie of an ended session is replaced; ending it again is harmless.
    if let Some(old) = session_secret(&headers)
        && let Err(e) = state.app.log_out(&old).await
    {
        tracing::warn!(error = %e, "could not end the previous session");
    }
    let max_age = (session.expires_at - now()).whole_seconds();
    let cookie = session_cookie(&state, &session.secret, max_age);
    let mut response = see_other(format!(
        "{}/orgs/{}/?notice=joined",
        state.config.base_path, organisation.slug
    ));
    if let Ok(value) = cookie.parse() {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    Ok(response)
}

/// `POST /invitations/{secret}/accept`: the logged-in person joins with their account.
pub async fn accept(
    State(state): State<AppState>,
    MaybeUser(visitor): MaybeUser,
    Path(secret): Path<String>,
) -> Result<Response, PageError> {
    let Some(principal) = visitor else {
        // Logged out meanwhile: the page says how to go on.
        return show(State(state), MaybeUser(None), Path(secret)).await;
    };
    match state
        .app
        .accept_invitation(&principal, &secret, now())
        .await
    {
        Ok(organisation) => Ok(see_other(format!(
            "{}/orgs/{}/?notice=joined",
            state.config.base_path, organisation.slug
        ))),
        Err(error) => refused(&state, Some(&principal), secret, String::new(), error).await,
    }
}
