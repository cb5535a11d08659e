//! Platform records: organisations, users, memberships, sessions, API tokens and the
//! per-organisation reference counters.

use custos_domain::platform::{Membership, Organisation, Role, TokenScope, User};
use sqlx::AssertSqlSafe;
use sqlx::Row;
use sqlx::any::AnyRow;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{Conn, StoreError, StoreResult, sql, timestamp};

fn organisation(row: &AnyRow) -> StoreResult<Organisation> {
    Ok(Organisation {
        id: sql::uuid(row, "id")?,
        slug: sql::text(row, "slug")?,
        name: sql::text(row, "name")?,
    })
}

pub async fn insert_organisation(
    conn: &mut Conn,
    organisation: &Organisation,
    now: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query("INSERT INTO organisations (id, slug, name, created_at) VALUES ($1, $2, $3, $4)")
        .bind(organisation.id.to_string())
        .bind(&organisation.slug)
        .bind(&organisation.name)
        .bind(timestamp::format(now))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn find_organisation_by_slug(
    conn: &mut Conn,
    slug: &str,
) -> StoreResult<Option<Organisation>> {
    sqlx::query("SELECT id, slug, name FROM organisations WHERE slug = $1")
        .bind(slug)
        .fetch_optional(&mut *conn)
        .await?
        .as_ref()
        .map(organisation)
        .transpose()
}

pub async fn list_organisations(conn: &mut Conn) -> StoreResult<Vec<Organisation>> {
    sqlx::query("SELECT id, slug, name FROM organisations ORDER BY name, id")
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(organisation)
        .collect()
}

const USER_COLUMNS: &str = "id, email, name, disabled, instance_admin, must_change_password";

fn user(row: &AnyRow) -> StoreResult<User> {
    Ok(User {
        id: sql::uuid(row, "id")?,
        email: sql::text(row, "email")?,
        name: sql::text(row, "name")?,
        disabled: sql::flag(row, "disabled")?,
        instance_admin: sql::flag(row, "instance_admin")?,
        must_change_password: sql::flag(row, "must_change_password")?,
    })
}

pub struct NewUser<'a> {
    pub id: Uuid,
    pub email: &'a str,
    pub name: &'a str,
    pub password_hash: &'a str,
    pub instance_admin: bool,
    pub must_change_password: bool,
}

pub async fn insert_user(
    conn: &mut Conn,
    new: &NewUser<'_>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO users (id, email, name, password_hash, instance_admin, must_change_password,
                            password_changed_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $7, $6, $6)",
    )
    .bind(new.id.to_string())
    .bind(new.email)
    .bind(new.name)
    .bind(new.password_hash)
    .bind(i64::from(new.instance_admin))
    .bind(timestamp::format(now))
    .bind(i64::from(new.must_change_password))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn find_user_by_id(conn: &mut Conn, id: Uuid) -> StoreResult<Option<User>> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE id = $1"
    )))
    .bind(id.to_string())
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(user)
    .transpose()
}

pub async fn find_user_by_email(conn: &mut Conn, email: &str) -> StoreResult<Option<User>> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users WHERE email = $1"
    )))
    .bind(email)
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(user)
    .transpose()
}

pub async fn list_users(conn: &mut Conn) -> StoreResult<Vec<User>> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS} FROM users ORDER BY email"
    )))
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(user)
    .collect()
}

pub async fn count_users(conn: &mut Conn) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM users")
        .fetch_one(&mut *conn)
        .await?;
    sql::int(&row, "n")
}

/// What log-in needs to decide: the hash and the lockout state.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<OffsetDateTime>,
}

pub async fn find_credentials(conn: &mut Conn, email: &str) -> StoreResult<Option<Credentials>> {
    let Some(row) = sqlx::query(AssertSqlSafe(format!(
        "SELECT {USER_COLUMNS}, password_hash, failed_logins, locked_until FROM users WHERE email = $1"
    )))
    .bind(email)
    .fetch_optional(&mut *conn)
    .await?
    else {
        return Ok(None);
    };
    Ok(Some(Credentials {
        user: user(&row)?,
        password_hash: sql::text(&row, "password_hash")?,
        failed_logins: sql::int(&row, "failed_logins")?,
        locked_until: sql::opt_time(&row, "locked_until")?,
    }))
}

pub async fn password_hash(conn: &mut Conn, user_id: Uuid) -> StoreResult<Option<String>> {
    let row = sqlx::query("SELECT password_hash FROM users WHERE id = $1")
        .bind(user_id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(|r| sql::text(r, "password_hash"))
        .transpose()
}

/// Counts one more failed log-in and returns the new count. One statement, so concurrent
/// wrong guesses cannot overwrite each other's count.
pub async fn count_failed_login(conn: &mut Conn, user_id: Uuid) -> StoreResult<i64> {
    let row = sqlx::query(
        "UPDATE users SET failed_logins = failed_logins + 1 WHERE id = $1 RETURNING failed_logins",
    )
    .bind(user_id.to_string())
    .fetch_one(&mut *conn)
    .await?;
    sql::int(&row, "failed_logins")
}

/// Locks the account until `until` and starts counting failures anew.
pub async fn lock_account(
    conn: &mut Conn,
    user_id: Uuid,
    until: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = $2 WHERE id = $1")
        .bind(user_id.to_string())
        .bind(timestamp::format(until))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn clear_failed_logins(conn: &mut Conn, user_id: Uuid) -> StoreResult<()> {
    sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = $1")
        .bind(user_id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Stores a new password. `chosen_by_owner` is false when someone else set it (a reset from
/// the command line): the owner must then replace it at the next log-in.
pub async fn set_password_hash(
    conn: &mut Conn,
    user_id: Uuid,
    hash: &str,
    chosen_by_owner: bool,
    now: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE users SET password_hash = $2, password_changed_at = $3, failed_logins = 0, locked_until = NULL,
                must_change_password = $4
         WHERE id = $1",
    )
    .bind(user_id.to_string())
    .bind(hash)
    .bind(timestamp::format(now))
    .bind(i64::from(!chosen_by_owner))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn set_user_disabled(conn: &mut Conn, user_id: Uuid, disabled: bool) -> StoreResult<()> {
    sqlx::query("UPDATE users SET disabled = $2 WHERE id = $1")
        .bind(user_id.to_string())
        .bind(i64::from(disabled))
        .execute(&mut *conn)
        .await?;
    Ok(())
}

pub async fn upsert_membership(
    conn: &mut Conn,
    org_id: Uuid,
    user_id: Uuid,
    role: Role,
    now: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)
         ON CONFLICT (org_id, user_id) DO UPDATE SET role = excluded.role",
    )
    .bind(org_id.to_string())
    .bind(user_id.to_string())
    .bind(role.as_str())
    .bind(timestamp::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The role a user holds in an organisation, if any.
pub async fn role_of(conn: &mut Conn, org_id: Uuid, user_id: Uuid) -> StoreResult<Option<Role>> {
    let row = sqlx::query("SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org_id.to_string())
        .bind(user_id.to_string())
        .fetch_optional(&mut *conn)
        .await?;
    row.as_ref()
        .map(|r| sql::parsed(r, "role", Role::parse))
        .transpose()
}

/// The user's role in the organisation with this slug, with the organisation.
pub async fn find_membership(
    conn: &mut Conn,
    user_id: Uuid,
    slug: &str,
) -> StoreResult<Option<Membership>> {
    let row = sqlx::query(
        "SELECT o.id, o.slug, o.name, m.role FROM memberships m
         JOIN organisations o ON o.id = m.org_id
         WHERE m.user_id = $1 AND o.slug = $2",
    )
    .bind(user_id.to_string())
    .bind(slug)
    .fetch_optional(&mut *conn)
    .await?;
    row.as_ref().map(membership).transpose()
}

fn membership(row: &AnyRow) -> StoreResult<Membership> {
    Ok(Membership {
        organisation: organisation(row)?,
        role: sql::parsed(row, "role", Role::parse)?,
    })
}

pub async fn memberships_of(conn: &mut Conn, user_id: Uuid) -> StoreResult<Vec<Membership>> {
    sqlx::query(
        "SELECT o.id, o.slug, o.name, m.role FROM memberships m
         JOIN organisations o ON o.id = m.org_id
         WHERE m.user_id = $1 ORDER BY o.name, o.id",
    )
    .bind(user_id.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(membership)
    .collect()
}

/// A member as the organisation sees them: for owner pickers and lists.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Member {
    pub user_id: Uuid,
    pub name: String,
    pub email: String,
    pub role: Role,
}

pub async fn members_of(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<Member>> {
    sqlx::query(
        "SELECT u.id, u.name, u.email, m.role FROM memberships m
         JOIN users u ON u.id = m.user_id
         WHERE m.org_id = $1 AND u.disabled = 0 ORDER BY u.name, u.id",
    )
    .bind(org_id.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(|row| {
        Ok(Member {
            user_id: sql::uuid(row, "id")?,
            name: sql::text(row, "name")?,
            email: sql::text(row, "email")?,
            role: sql::parsed(row, "role", Role::parse)?,
        })
    })
    .collect()
}

/// Adds a membership; a second membership of the same person fails as a unique violation.
pub async fn insert_membership(
    conn: &mut Conn,
    org_id: Uuid,
    user_id: Uuid,
    role: Role,
    now: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO memberships (org_id, user_id, role, created_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(org_id.to_string())
    .bind(user_id.to_string())
    .bind(role.as_str())
    .bind(timestamp::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Serialises changes to an organisation's memberships: the no-op update takes the
/// organisation's row lock on PostgreSQL until commit (SQLite has one writer anyway).
pub async fn lock_organisation(conn: &mut Conn, org_id: Uuid) -> StoreResult<()> {
    sqlx::query("UPDATE organisations SET name = name WHERE id = $1")
        .bind(org_id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// How many members hold `role` in the organisation.
pub async fn count_role(conn: &mut Conn, org_id: Uuid, role: Role) -> StoreResult<i64> {
    let row = sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE org_id = $1 AND role = $2")
        .bind(org_id.to_string())
        .bind(role.as_str())
        .fetch_one(&mut *conn)
        .await?;
    sql::int(&row, "n")
}

/// Removes a membership; false when there was none.
pub async fn delete_membership(conn: &mut Conn, org_id: Uuid, user_id: Uuid) -> StoreResult<bool> {
    let result = sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
        .bind(org_id.to_string())
        .bind(user_id.to_string())
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected() == 1)
}

/// Revokes every live token of a user in one organisation (they left it); returns their ids.
pub async fn revoke_tokens_of(
    conn: &mut Conn,
    org_id: Uuid,
    user_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<Vec<Uuid>> {
    let rows = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $3 WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL
         RETURNING id",
    )
    .bind(org_id.to_string())
    .bind(user_id.to_string())
    .bind(timestamp::format(now))
    .fetch_all(&mut *conn)
    .await?;
    rows.iter().map(|row| sql::uuid(row, "id")).collect()
}

pub async fn is_member(conn: &mut Conn, org_id: Uuid, user_id: Uuid) -> StoreResult<bool> {
    let row =
        sqlx::query("SELECT COUNT(*) AS n FROM memberships WHERE org_id = $1 AND user_id = $2")
            .bind(org_id.to_string())
            .bind(user_id.to_string())
            .fetch_one(&mut *conn)
            .await?;
    Ok(sql::int(&row, "n")? > 0)
}

pub async fn insert_session(
    conn: &mut Conn,
    id_hash: &str,
    user_id: Uuid,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> StoreResult<()> {
    sqlx::query(
        "INSERT INTO sessions (id_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(id_hash)
    .bind(user_id.to_string())
    .bind(timestamp::format(now))
    .bind(timestamp::format(expires_at))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The user of a live session; disabled users have none.
pub async fn session_user(
    conn: &mut Conn,
    id_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<User>> {
    sqlx::query(
        "SELECT u.id, u.email, u.name, u.disabled, u.instance_admin, u.must_change_password FROM sessions s
         JOIN users u ON u.id = s.user_id
         WHERE s.id_hash = $1 AND s.expires_at > $2 AND u.disabled = 0",
    )
    .bind(id_hash)
    .bind(timestamp::format(now))
    .fetch_optional(&mut *conn)
    .await?
    .as_ref()
    .map(user)
    .transpose()
}

pub async fn delete_session(conn: &mut Conn, id_hash: &str) -> StoreResult<()> {
    sqlx::query("DELETE FROM sessions WHERE id_hash = $1")
        .bind(id_hash)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

/// Ends every session of a user, except the one given (the session that changed the password).
pub async fn delete_sessions_of(
    conn: &mut Conn,
    user_id: Uuid,
    except_id_hash: Option<&str>,
) -> StoreResult<u64> {
    let result = sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
        .bind(user_id.to_string())
        .bind(except_id_hash.unwrap_or(""))
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected())
}

pub async fn delete_expired_sessions(conn: &mut Conn, now: OffsetDateTime) -> StoreResult<u64> {
    let result = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
        .bind(timestamp::format(now))
        .execute(&mut *conn)
        .await?;
    Ok(result.rows_affected())
}

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ApiToken {
    pub id: Uuid,
    pub org_id: Uuid,
    pub user_id: Uuid,
    pub name: String,
    pub scope: TokenScope,
    #[serde(with = "time::serde::rfc3339")]
    pub expires_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    pub revoked_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    pub last_used_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339")]
    pub created_at: OffsetDateTime,
}

fn api_token(row: &AnyRow) -> StoreResult<ApiToken> {
    Ok(ApiToken {
        id: sql::uuid(row, "id")?,
        org_id: sql::uuid(row, "org_id")?,
        user_id: sql::uuid(row, "user_id")?,
        name: sql::text(row, "name")?,
        scope: sql::parsed(row, "scope", TokenScope::parse)?,
        expires_at: sql::time(row, "expires_at")?,
        revoked_at: sql::opt_time(row, "revoked_at")?,
        last_used_at: sql::opt_time(row, "last_used_at")?,
        created_at: sql::time(row, "created_at")?,
    })
}

const TOKEN_COLUMNS: &str =
    "id, org_id, user_id, name, scope, expires_at, revoked_at, last_used_at, created_at";

pub async fn insert_api_token(
    conn: &mut Conn,
    token: &ApiToken,
    token_hash: &str,
) -> StoreResult<()> {
    sqlx::query(AssertSqlSafe(format!(
        "INSERT INTO api_tokens ({TOKEN_COLUMNS}, token_hash) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7, $8)"
    )))
    .bind(token.id.to_string())
    .bind(token.org_id.to_string())
    .bind(token.user_id.to_string())
    .bind(&token.name)
    .bind(token.scope.as_str())
    .bind(timestamp::format(token.expires_at))
    .bind(timestamp::format(token.created_at))
    .bind(token_hash)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// A live token (not revoked, not expired), its enabled user, and that user's membership in
/// the token's organisation (none if they have left it): all an API request needs, in one
/// statement.
pub async fn find_live_token(
    conn: &mut Conn,
    token_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<(ApiToken, User, Option<Membership>)>> {
    let row = sqlx::query(
        "SELECT t.id, t.org_id, t.user_id, t.name, t.scope, t.expires_at, t.revoked_at, t.last_used_at,
                t.created_at, u.email, u.name AS user_name, u.disabled, u.instance_admin, u.must_change_password,
                o.slug AS org_slug, o.name AS org_name, m.role
         FROM api_tokens t
         JOIN users u ON u.id = t.user_id
         JOIN organisations o ON o.id = t.org_id
         LEFT JOIN memberships m ON m.org_id = t.org_id AND m.user_id = t.user_id
         WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2 AND u.disabled = 0",
    )
    .bind(token_hash)
    .bind(timestamp::format(now))
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else { return Ok(None) };
    let token = api_token(&row)?;
    let user = User {
        id: token.user_id,
        email: sql::text(&row, "email")?,
        name: sql::text(&row, "user_name")?,
        disabled: sql::flag(&row, "disabled")?,
        instance_admin: sql::flag(&row, "instance_admin")?,
        must_change_password: sql::flag(&row, "must_change_password")?,
    };
    let membership = match sql::opt_text(&row, "role")? {
        None => None,
        Some(role) => Some(Membership {
            organisation: Organisation {
                id: token.org_id,
                slug: sql::text(&row, "org_slug")?,
                name: sql::text(&row, "org_name")?,
            },
            role: Role::parse(&role)
                .ok_or_else(|| StoreError::Corrupt(format!("role {role:?}")))?,
        }),
    };
    Ok(Some((token, user, membership)))
}

/// Notes when a token was used, at most once per `granularity`, so the tokens page can show
/// stale tokens without a write on every request.
pub async fn touch_token(
    conn: &mut Conn,
    token_id: Uuid,
    now: OffsetDateTime,
    granularity: time::Duration,
) -> StoreResult<()> {
    sqlx::query(
        "UPDATE api_tokens SET last_used_at = $2
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)",
    )
    .bind(token_id.to_string())
    .bind(timestamp::format(now))
    .bind(timestamp::format(now - granularity))
    .execute(&mut *conn)
    .await?;
    Ok(())
}

pub async fn tokens_of(conn: &mut Conn, org_id: Uuid, user_id: Uuid) -> StoreResult<Vec<ApiToken>> {
    sqlx::query(AssertSqlSafe(format!(
        "SELECT {TOKEN_COLUMNS} FROM api_tokens WHERE org_id = $1 AND user_id = $2 ORDER BY created_at DESC"
    )))
    .bind(org_id.to_string())
    .bind(user_id.to_string())
    .fetch_all(&mut *conn)
    .await?
    .iter()
    .map(api_token)
    .collect()
}

/// Revokes one of the user's own tokens in the organisation; false when there is none.
pub async fn revoke_token(
    conn: &mut Conn,
    org_id: Uuid,
    user_id: Uuid,
    token_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let result = sqlx::query(
        "UPDATE api_tokens SET revoked_at = $4
         WHERE id = $1 AND org_id = $2 AND user_id = $3 AND revoked_at IS NULL",
    )
    .bind(token_id.to_string())
    .bind(org_id.to_string())
    .bind(user_id.to_string())
    .bind(timestamp::format(now))
    .execute(&mut *conn)
    .await?;
    Ok(result.rows_affected() > 0)
}

/// The next number of a per-organisation reference (`OBJ-0001`, `RISK-0042`). The update
/// takes a row lock on PostgreSQL, so two transactions never get the same number.
pub async fn next_reference(conn: &mut Conn, org_id: Uuid, kind: &str) -> StoreResult<i64> {
    sqlx::query(
        "INSERT INTO reference_counters (org_id, kind, last_value) VALUES ($1, $2, 0)
         ON CONFLICT (org_id, kind) DO NOTHING",
    )
    .bind(org_id.to_string())
    .bind(kind)
    .execute(&mut *conn)
    .await?;
    let row = sqlx::query(
        "UPDATE reference_counters SET last_value = last_value + 1
         WHERE org_id = $1 AND kind = $2 RETURNING last_value",
    )
    .bind(org_id.to_string())
    .bind(kind)
    .fetch_one(&mut *conn)
    .await?;
    let value: i64 = row.try_get("last_value").map_err(StoreError::from)?;
    Ok(value)
}
