//! Platform use cases: log-in and sessions, users, organisations and memberships, API
//! tokens, and the audit trail (reading it and proving its chains).

use custos_domain::ValidationErrors;
use custos_domain::list::{Listed, Page};
use custos_domain::platform::{
    AuditAction, AuditEvent, AuditFilter, ChainPoint, Email, LOCKOUT_MINUTES, MAX_FAILED_LOGINS,
    Membership, Organisation, Permission, RecordType, Role, Slug, TokenScope, User,
    check_password_policy,
};
use custos_domain::validation::{Lines, required_text};
use custos_store::audit::{self as audit_store, NewEvent};
use custos_store::platform as store;
use custos_store::timestamp;
use serde::Serialize;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

pub mod admin;
mod audit;
mod auth;
pub(crate) mod auth_cache;
pub mod checkpoints;
mod invitations;
mod members;
mod organisations;
mod tokens;

pub(crate) use audit::{
    Change, EventAuthor, append_change, cli_event, record_change, record_changes,
};
pub use auth::{NewSession, SessionClient};
pub use invitations::{InvitationLink, NewInvitation};
pub(crate) use members::{check_owner_chose_password, membership_snapshot};
pub use organisations::{CreatedOrganisation, FirstAdministrator};
pub(crate) use organisations::{
    Founder, create_organisation_in, require_instance_administrator, user_label,
};
pub use tokens::NewToken;

use crate::secrets::{self, digest, random_secret};
use crate::{App, AppError, AppResult, Credential, OrgContext, Principal, snapshot};

/// What the audit trail stores of a user: never the password hash.
#[derive(Serialize)]
struct UserSnapshot<'a> {
    id: Uuid,
    email: &'a str,
    name: &'a str,
    disabled: bool,
    instance_admin: bool,
}

impl<'a> From<&'a User> for UserSnapshot<'a> {
    fn from(user: &'a User) -> Self {
        Self {
            id: user.id,
            email: &user.email,
            name: &user.name,
            disabled: user.disabled,
            instance_admin: user.instance_admin,
        }
    }
}

const CLI_ACTOR: &str = "custos command line";

/// A strong random password for accounts created without one.
pub fn generate_password() -> AppResult<String> {
    random_secret()
}
