//! The sessions page of the account: where the user is logged in, and ending sessions they
//! do not want or do not recognise. Only their own sessions, named by public ids: the page
//! never holds a session's secret or its hash.

use askama::Template;
use axum::extract::{Form, Path, Query, State};
use axum::response::Response;
use custos_app::domain::sessions::Session;
use custos_app::{AppError, now};

use super::NoticeQuery;
use crate::AppState;
use crate::auth::PageUser;
use crate::error::{PageError, render};
use crate::pages::confirm::{ConfirmForm, ConfirmPage};
use crate::pages::{Layout, parse_id, see_other};

const TITLE: &str = "Sessions";

#[derive(Template)]
#[template(path = "sessions.html")]
struct SessionsPage {
    layout: Layout,
    sessions: Vec<Session>,
    /// "30 minutes", "12 hours": the settings, as the explanation states them.
    idle_timeout: String,
    lifetime: String,
}

impl SessionsPage {
    fn others(&self) -> usize {
        self.sessions.iter().filter(|s| !s.current).count()
    }
}

/// "30 minutes", "12 hours", "1 day": a duration of the settings in words.
fn in_words(duration: time::Duration) -> String {
    let minutes = duration.whole_minutes();
    let (count, unit) = if minutes % (24 * 60) == 0 && minutes > 0 {
        (minutes / (24 * 60), "day")
    } else if minutes % 60 == 0 && minutes > 0 {
        (minutes / 60, "hour")
    } else {
        (minutes, "minute")
    };
    let plural = if count == 1 { "" } else { "s" };
    format!("{count} {unit}{plural}")
}

/// `/account/sessions`: the user's live sessions, this one first.
pub async fn list(
    State(state): State<AppState>,
    user: PageUser,
    Query(query): Query<NoticeQuery>,
) -> Result<Response, PageError> {
    let layout = Layout::for_user(&state, &user.principal, TITLE)
        .await?
        .with_flash(query.notice.as_deref());
    let sessions = state.app.my_sessions(&user.principal, now()).await?;
    let settings = state.app.settings();
    Ok(render(&SessionsPage {
        layout,
        sessions,
        idle_timeout: in_words(settings.session_idle_timeout),
        lifetime: in_words(settings.session_lifetime),
    }))
}

fn sessions_href(state: &AppState) -> String {
    format!("{}/account/sessions", state.config.base_path)
}

/// `POST /account/sessions/{id}/end`: ends another session of the user, after asking.
pub async fn end(
    State(state): State<AppState>,
    user: PageUser,
    Path(id): Path<String>,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    let id = parse_id(&id)?;
    if !form.given() {
        let session = state
            .app
            .my_sessions(&user.principal, now())
            .await?
            .into_iter()
            .find(|s| s.public_id == id && !s.current)
            .ok_or_else(|| PageError::from(AppError::NotFound))?;
        let layout = Layout::for_user(&state, &user.principal, "End session").await?;
        let back_href = sessions_href(&state);
        let from = if session.client_address.is_empty() {
            String::new()
        } else {
            format!(" from {}", session.client_address)
        };
        return Ok(render(&ConfirmPage {
            question: format!("End the session of {}{from}?", session.browser()),
            explanation: format!(
                "It began {} and was last used {}. That browser is logged out at once and \
                 must log in again to go on.",
                crate::pages::when(session.created_at),
                crate::pages::when(session.last_seen_at),
            ),
            action: format!("{back_href}/{id}/end"),
            fields: Vec::new(),
            button_label: "End session".into(),
            button_class: "danger",
            back_label: TITLE.into(),
            back_href,
            layout,
        }));
    }
    state.app.end_session(&user.principal, id).await?;
    Ok(see_other(format!(
        "{}?notice=session-ended",
        sessions_href(&state)
    )))
}

/// `POST /account/sessions/end-others`: ends every session of the user but this one, after
/// asking.
pub async fn end_others(
    State(state): State<AppState>,
    user: PageUser,
    Form(form): Form<ConfirmForm>,
) -> Result<Response, PageError> {
    if !form.given() {
        let others = state
            .app
            .my_sessions(&user.principal, now())
            .await?
            .iter()
            .filter(|s| !s.current)
            .count();
        let layout = Layout::for_user(&state, &user.principal, "End other sessions").await?;
        let back_href = sessions_href(&state);
        let count = match others {
            1 => "1 other session".to_owned(),
            n => format!("{n} other sessions"),
        };
        return Ok(render(&ConfirmPage {
            question: "End all your other sessions?".into(),
            explanation: format!(
                "Every browser where you are logged in, except this one, is logged out at once \
                 ({count} now). API tokens are not affected."
            ),
            action: format!("{back_href}/end-others"),
            fields: Vec::new(),
            button_label: "End other sessions".into(),
            button_class: "danger",
            back_label: TITLE.into(),
            back_href,
            layout,
        }));
    }
    state.app.end_other_sessions(&user.principal).await?;
    Ok(see_other(format!(
        "{}?notice=sessions-ended",
        sessions_href(&state)
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_words() {
        assert_eq!(in_words(time::Duration::minutes(30)), "30 minutes");
        assert_eq!(in_words(time::Duration::minutes(1)), "1 minute");
        assert_eq!(in_words(time::Duration::hours(12)), "12 hours");
        assert_eq!(in_words(time::Duration::hours(24)), "1 day");
        assert_eq!(in_words(time::Duration::minutes(90)), "90 minutes");
    }
}
