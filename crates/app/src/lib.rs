//! Custos use cases: the only door to the store for the web pages, the JSON API and the CLI.
//! Every organisation-scoped function takes an [`OrgContext`], which can only be obtained by
//! proving membership, and checks the permission it needs before touching data.

pub mod assets;
pub mod context;
pub mod controls;
mod count_cache;
pub mod demo;
mod expiring;
pub mod export;
pub mod files;
pub mod governance;
pub mod platform;
mod records;
pub mod risk;
mod secrets;
mod versions;

use custos_domain::ValidationErrors;
use custos_domain::platform::{Organisation, Permission, Role, TokenScope, User};
use custos_store::{Store, StoreError};
use time::OffsetDateTime;

pub use custos_domain as domain;
pub use custos_domain::governance::ApprovalFilter;
pub use custos_domain::platform::{ApiToken, Member, RoleGrant};
pub use custos_domain::platform::{BrokenLink, ChainReport};
/// A database URL with its password hidden, safe to print or log.
pub fn redact_url(url: &str) -> String {
    custos_store::redact_url(url)
}
pub use export::Export;
pub use platform::admin::Administration;

#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Also what a non-member sees for another organisation's records: absence and
    /// refusal look the same from outside.
    #[error("not found")]
    NotFound,
    #[error("{0}")]
    Forbidden(String),
    #[error("authentication required")]
    Unauthenticated,
    #[error("the e-mail address or password is not correct")]
    InvalidCredentials,
    #[error("too many failed log-ins; try again after {until}")]
    LockedOut { until: OffsetDateTime },
    #[error("{0}")]
    Validation(#[from] ValidationErrors),
    #[error("{0}")]
    Conflict(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("internal error: {0}")]
    Internal(String),
}

impl AppError {
    fn forbidden(permission: Permission) -> Self {
        // "Read the audit trail of every change." reads "... allow you to read the audit ...".
        let what = permission.description().trim_end_matches('.');
        let mut chars = what.chars();
        let what: String = match chars.next() {
            Some(first) => first.to_lowercase().chain(chars).collect(),
            None => String::new(),
        };
        AppError::Forbidden(format!("Your role does not allow you to {what}."))
    }
}

pub type AppResult<T> = Result<T, AppError>;

#[derive(Debug, Clone)]
pub struct Settings {
    /// How long a log-in lasts at most, used or not.
    pub session_lifetime: time::Duration,
    /// How long a session may go unused before it ends (kept to within a minute: see
    /// `custos_domain::sessions::LAST_SEEN_PRECISION`).
    pub session_idle_timeout: time::Duration,
    /// Where evidence files are kept: `file:///a/directory`, `s3://bucket/prefix` or `memory:`
    /// (the default, for tests and throw-away instances; the command line keeps them in the
    /// data directory).
    pub evidence_store: String,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            session_lifetime: time::Duration::hours(12),
            session_idle_timeout: time::Duration::minutes(30),
            evidence_store: "memory:".into(),
        }
    }
}

/// The application: the store and its settings. Cheap to clone.
#[derive(Clone)]
pub struct App {
    store: Store,
    files: custos_store::files::FileStore,
    settings: Settings,
    auth_cache: std::sync::Arc<platform::auth_cache::AuthCache>,
    count_cache: std::sync::Arc<count_cache::CountCache>,
    /// Log-in checks running at once on this instance (see `log_in`).
    login_checks: std::sync::Arc<tokio::sync::Semaphore>,
}

/// How many log-in attempts are checked at once on one instance: each costs a password hash
/// and up to two short writes, so a flood of guesses queues in memory, not on SQLite's
/// single writer ahead of real work.
pub const CONCURRENT_LOGIN_CHECKS: usize = 4;

impl App {
    pub async fn connect(database_url: &str, settings: Settings) -> AppResult<Self> {
        let store = Store::connect(database_url).await?;
        let files = custos_store::files::FileStore::from_url(&settings.evidence_store)?;
        Ok(Self {
            store,
            files,
            settings,
            auth_cache: std::sync::Arc::default(),
            count_cache: std::sync::Arc::default(),
            login_checks: std::sync::Arc::new(tokio::sync::Semaphore::new(CONCURRENT_LOGIN_CHECKS)),
        })
    }

    /// Where this instance keeps evidence files.
    pub(crate) fn files(&self) -> &custos_store::files::FileStore {
        &self.files
    }

    /// The settings this instance runs with (session lifetimes, ...).
    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// `sqlite` or `postgres`.
    pub fn backend_name(&self) -> &'static str {
        self.store.backend().as_str()
    }

    /// Applies pending migrations under the instance-wide setup lock.
    pub async fn migrate(&self) -> AppResult<usize> {
        let ran = self.store.migrate().await?;
        crate::risk::catalogues::give_missing_catalogues(&self.store, now()).await?;
        crate::controls::library::load_shipped_libraries(&self.store, now()).await?;
        Ok(ran)
    }

    pub async fn ready(&self) -> AppResult<()> {
        self.store.ping().await?;
        let version = self.store.schema_version().await?;
        if version != custos_store::migrate::latest_version() {
            return Err(AppError::Internal(format!(
                "schema version {version} is not the expected {}",
                custos_store::migrate::latest_version()
            )));
        }
        Ok(())
    }

    pub async fn close(&self) {
        self.store.close().await;
    }
}

/// Who is asking: a user, through a browser session or an API token.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    credential: Credential,
}

#[derive(Debug, Clone)]
enum Credential {
    Session {
        id_hash: String,
    },
    /// A token acts in one organisation; its membership there was read with the token.
    Token {
        membership: Option<custos_domain::platform::Membership>,
        scope: TokenScope,
    },
    /// The command line, run by whoever can read the database.
    Cli,
}

/// A member acting in one organisation. Only [`App::org_context`] makes one, after checking
/// membership, so holding it proves the organisation and role.
#[derive(Debug, Clone)]
pub struct OrgContext {
    organisation: Organisation,
    user: User,
    role: Role,
    token_scope: Option<TokenScope>,
    /// The command line acting with an administrator's rights ([`Administration::command_line_context`]):
    /// the audit trail names it, not a user.
    command_line: bool,
}

impl OrgContext {
    pub fn organisation(&self) -> &Organisation {
        &self.organisation
    }

    pub fn user(&self) -> &User {
        &self.user
    }

    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether the role (and the token's scope, for API tokens) grants `permission`.
    pub fn can(&self, permission: Permission) -> bool {
        self.role.allows(permission)
            && self
                .token_scope
                .is_none_or(|scope| scope.allows(permission))
    }

    pub fn require(&self, permission: Permission) -> AppResult<()> {
        if !self.role.allows(permission) {
            return Err(AppError::forbidden(permission));
        }
        if let Some(scope) = self.token_scope
            && !scope.allows(permission)
        {
            return Err(AppError::Forbidden(
                "This API token is read-only; create a read-write token to make changes.".into(),
            ));
        }
        Ok(())
    }

    fn org_id(&self) -> uuid::Uuid {
        self.organisation.id
    }

    fn actor_label(&self) -> String {
        format!("{} <{}>", self.user.name, self.user.email)
    }
}

impl App {
    /// The context of `principal` in the organisation `slug`. Non-members, and tokens made
    /// for another organisation, get `NotFound`.
    pub async fn org_context(&self, principal: &Principal, slug: &str) -> AppResult<OrgContext> {
        // A path segment that cannot be a slug names no organisation; checking it here also
        // keeps text that the database would refuse (a NUL) away from the query.
        if !custos_domain::platform::Slug::parse(slug).is_ok_and(|valid| valid.as_str() == slug) {
            return Err(AppError::NotFound);
        }
        let (membership, token_scope) = match &principal.credential {
            Credential::Token { membership, scope } => {
                let membership = membership
                    .as_ref()
                    .filter(|m| m.organisation.slug == slug)
                    .ok_or(AppError::NotFound)?;
                (membership.clone(), Some(*scope))
            }
            Credential::Session { id_hash } => {
                let membership = match self.auth_cache.membership(id_hash, slug) {
                    Some(cached) => cached,
                    None => {
                        let read = self.auth_cache.generation();
                        let mut conn = self.store.reader().await?;
                        let membership = custos_store::platform::find_membership(
                            &mut conn,
                            principal.user.id,
                            slug,
                        )
                        .await?;
                        self.auth_cache.remember_membership(
                            read,
                            id_hash,
                            slug,
                            membership.clone(),
                        );
                        membership
                    }
                };
                (membership.ok_or(AppError::NotFound)?, None)
            }
            Credential::Cli => {
                let mut conn = self.store.reader().await?;
                let membership =
                    custos_store::platform::find_membership(&mut conn, principal.user.id, slug)
                        .await?
                        .ok_or(AppError::NotFound)?;
                (membership, None)
            }
        };
        Ok(OrgContext {
            organisation: membership.organisation,
            user: principal.user.clone(),
            role: membership.role,
            token_scope,
            command_line: false,
        })
    }
}

impl App {
    /// Where the organisation stands on the ISMS loop: each area's step that the member may
    /// see, in the order of the loop. A new area adds its step here.
    pub async fn journey(
        &self,
        ctx: &OrgContext,
    ) -> AppResult<Vec<custos_domain::journey::JourneyStep>> {
        let mut steps: Vec<_> = [
            self.policy_step(ctx).await?,
            self.objectives_step(ctx).await?,
            self.soa_step(ctx).await?,
        ]
        .into_iter()
        .flatten()
        .collect();
        steps.sort_by_key(|step| step.position);
        Ok(steps)
    }
}

/// The record as JSON for the audit trail.
fn snapshot<T: serde::Serialize>(record: &T) -> AppResult<serde_json::Value> {
    serde_json::to_value(record).map_err(|e| AppError::Internal(format!("snapshot: {e}")))
}

/// The current time at the precision Custos stores.
pub fn now() -> OffsetDateTime {
    custos_store::timestamp::now()
}
