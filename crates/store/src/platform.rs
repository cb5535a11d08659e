//! Platform records: organisations, users, memberships, sessions, API tokens and the
//! per-organisation reference counters.

use custos_domain::platform::{
    ApiToken, Invitation, Member, Membership, Organisation, Role, RoleGrant, TokenScope, User,
};
use custos_domain::sessions::Session;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::db::{Conn, FromRow, RowReader};
use crate::sql::Statement;
use crate::{StoreResult, params};

impl FromRow for Organisation {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Organisation {
            id: row.get()?,
            slug: row.get()?,
            name: row.get()?,
        })
    }
}

pub async fn insert_organisation(
    conn: &mut Conn,
    organisation: &Organisation,
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO organisations (id, slug, name, created_at) VALUES ($1, $2, $3, $4)",
        params![organisation.id, &organisation.slug, &organisation.name, now],
    )
    .await?;
    Ok(())
}

pub async fn find_organisation_by_slug(
    conn: &mut Conn,
    slug: &str,
) -> StoreResult<Option<Organisation>> {
    conn.fetch_optional(
        "SELECT id, slug, name FROM organisations WHERE slug = $1",
        params![slug],
    )
    .await
}

pub async fn list_organisations(conn: &mut Conn) -> StoreResult<Vec<Organisation>> {
    conn.fetch_all(
        "SELECT id, slug, name FROM organisations ORDER BY name, id",
        &[],
    )
    .await
}

/// The columns [`User`]'s mapping reads, in its order.
macro_rules! user_columns {
    ($prefix:literal) => {
        concat!(
            $prefix,
            "id, ",
            $prefix,
            "email, ",
            $prefix,
            "name, ",
            $prefix,
            "disabled, ",
            $prefix,
            "instance_admin, ",
            $prefix,
            "must_change_password"
        )
    };
}

impl FromRow for User {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(User {
            id: row.get()?,
            email: row.get()?,
            name: row.get()?,
            disabled: row.get()?,
            instance_admin: row.get()?,
            must_change_password: row.get()?,
        })
    }
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
    conn.execute(
        "INSERT INTO users (id, email, name, password_hash, instance_admin, must_change_password,
                            password_changed_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $7, $6, $6)",
        params![
            new.id,
            new.email,
            new.name,
            new.password_hash,
            new.instance_admin,
            now,
            new.must_change_password,
        ],
    )
    .await?;
    Ok(())
}

pub async fn find_user_by_id(conn: &mut Conn, id: Uuid) -> StoreResult<Option<User>> {
    conn.fetch_optional(
        concat!("SELECT ", user_columns!(""), " FROM users WHERE id = $1"),
        params![id],
    )
    .await
}

pub async fn find_user_by_email(conn: &mut Conn, email: &str) -> StoreResult<Option<User>> {
    conn.fetch_optional(
        concat!("SELECT ", user_columns!(""), " FROM users WHERE email = $1"),
        params![email],
    )
    .await
}

pub async fn list_users(conn: &mut Conn) -> StoreResult<Vec<User>> {
    conn.fetch_all(
        concat!("SELECT ", user_columns!(""), " FROM users ORDER BY email"),
        &[],
    )
    .await
}

pub async fn count_users(conn: &mut Conn) -> StoreResult<i64> {
    let (count,) = conn.fetch_one("SELECT COUNT(*) FROM users", &[]).await?;
    Ok(count)
}

/// What log-in needs to decide: the hash and the lockout state.
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    pub failed_logins: i64,
    pub locked_until: Option<OffsetDateTime>,
}

impl FromRow for Credentials {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Credentials {
            user: User::from_row(row)?,
            password_hash: row.get()?,
            failed_logins: row.get()?,
            locked_until: row.get()?,
        })
    }
}

pub async fn find_credentials(conn: &mut Conn, email: &str) -> StoreResult<Option<Credentials>> {
    conn.fetch_optional(
        concat!(
            "SELECT ",
            user_columns!(""),
            ", password_hash, failed_logins, locked_until FROM users WHERE email = $1"
        ),
        params![email],
    )
    .await
}

pub async fn password_hash(conn: &mut Conn, user_id: Uuid) -> StoreResult<Option<String>> {
    let row: Option<(String,)> = conn
        .fetch_optional(
            "SELECT password_hash FROM users WHERE id = $1",
            params![user_id],
        )
        .await?;
    Ok(row.map(|(hash,)| hash))
}

/// Counts a log-in attempt before its password is checked, in one conditional statement:
/// parallel guesses each take one place in the allowance, on any instance. Returns the
/// attempt's place, or None while the account is locked.
pub async fn count_login_attempt(
    conn: &mut Conn,
    user_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<Option<i64>> {
    let row: Option<(i64,)> = conn
        .fetch_optional(
            "UPDATE users SET failed_logins = failed_logins + 1
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)
             RETURNING failed_logins",
            params![user_id, now],
        )
        .await?;
    Ok(row.map(|(place,)| place))
}

/// Locks the account until `until` and starts counting failures anew.
pub async fn lock_account(
    conn: &mut Conn,
    user_id: Uuid,
    until: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE users SET failed_logins = 0, locked_until = $2 WHERE id = $1",
        params![user_id, until],
    )
    .await?;
    Ok(())
}

/// Forgets the counted attempts after a right password, unless the account was locked in
/// the meantime (by guesses running in parallel): false then, and the log-in is refused.
pub async fn clear_failed_logins_unless_locked(
    conn: &mut Conn,
    user_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let cleared = conn
        .execute(
            "UPDATE users SET failed_logins = 0, locked_until = NULL
             WHERE id = $1 AND (locked_until IS NULL OR locked_until <= $2)",
            params![user_id, now],
        )
        .await?;
    Ok(cleared == 1)
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
    conn.execute(
        "UPDATE users SET password_hash = $2, password_changed_at = $3, failed_logins = 0,
                locked_until = NULL, must_change_password = $4
         WHERE id = $1",
        params![user_id, hash, now, !chosen_by_owner],
    )
    .await?;
    Ok(())
}

pub async fn set_user_disabled(conn: &mut Conn, user_id: Uuid, disabled: bool) -> StoreResult<()> {
    conn.execute(
        "UPDATE users SET disabled = $2 WHERE id = $1",
        params![user_id, disabled],
    )
    .await?;
    Ok(())
}

/// Gives `user_id` `role` in the organisation, as a new membership or a changed one. The
/// grant (who, when) moves only when the role does.
pub async fn upsert_membership(
    conn: &mut Conn,
    org_id: Uuid,
    user_id: Uuid,
    role: Role,
    granted_by: Option<Uuid>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO memberships (org_id, user_id, role, created_at, granted_by, role_granted_at)
         VALUES ($1, $2, $3, $4, $5, $4)
         ON CONFLICT (org_id, user_id) DO UPDATE SET
             granted_by = CASE WHEN memberships.role = excluded.role
                 THEN memberships.granted_by ELSE excluded.granted_by END,
             role_granted_at = CASE WHEN memberships.role = excluded.role
                 THEN memberships.role_granted_at ELSE excluded.role_granted_at END,
             role = excluded.role",
        params![org_id, user_id, role.as_str(), now, granted_by],
    )
    .await?;
    Ok(())
}

impl FromRow for RoleGrant {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(RoleGrant {
            member: row.get()?,
            member_name: row.get()?,
            role: row.parsed(Role::parse)?,
            granted_by: row.get()?,
            granted_by_name: row.get()?,
            granted_at: row.get()?,
        })
    }
}

const ROLE_GRANT_COLUMNS: &str =
    "SELECT m.user_id, u.name, m.role, m.granted_by, g.name, m.role_granted_at
     FROM memberships m JOIN users u ON u.id = m.user_id LEFT JOIN users g ON g.id = m.granted_by";

/// Who gave a member their current role, and when.
pub async fn role_grant(
    conn: &mut Conn,
    org_id: Uuid,
    user_id: Uuid,
) -> StoreResult<Option<RoleGrant>> {
    conn.fetch_optional(
        &format!("{ROLE_GRANT_COLUMNS} WHERE m.org_id = $1 AND m.user_id = $2"),
        params![org_id, user_id],
    )
    .await
}

/// Roles among `roles` granted since `since` to members other than `except`, newest first.
pub async fn role_grants_since(
    conn: &mut Conn,
    org_id: Uuid,
    roles: &[Role],
    since: OffsetDateTime,
    except: Uuid,
) -> StoreResult<Vec<RoleGrant>> {
    let mut statement = Statement::new(ROLE_GRANT_COLUMNS);
    statement
        .push(" WHERE m.org_id = ")
        .bind(org_id)
        .push(" AND m.role_granted_at >= ")
        .bind(since)
        .push(" AND m.user_id <> ")
        .bind(except)
        .push(" AND m.role IN (");
    for (index, role) in roles.iter().enumerate() {
        if index > 0 {
            statement.push(", ");
        }
        statement.bind(role.as_str());
    }
    statement.push(") ORDER BY m.role_granted_at DESC LIMIT 50");
    conn.fetch_all(&statement.sql, statement.params()).await
}

/// The role a user holds in an organisation, if any.
pub async fn role_of(conn: &mut Conn, org_id: Uuid, user_id: Uuid) -> StoreResult<Option<Role>> {
    let row: Option<(String,)> = conn
        .fetch_optional(
            "SELECT role FROM memberships WHERE org_id = $1 AND user_id = $2",
            params![org_id, user_id],
        )
        .await?;
    row.map(|(role,)| parse_role(&role)).transpose()
}

fn parse_role(raw: &str) -> StoreResult<Role> {
    Role::parse(raw).ok_or_else(|| crate::StoreError::Corrupt(format!("role {raw:?}")))
}

impl FromRow for Membership {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Membership {
            organisation: Organisation::from_row(row)?,
            role: row.parsed(Role::parse)?,
        })
    }
}

/// The user's role in the organisation with this slug, with the organisation.
pub async fn find_membership(
    conn: &mut Conn,
    user_id: Uuid,
    slug: &str,
) -> StoreResult<Option<Membership>> {
    conn.fetch_optional(
        "SELECT o.id, o.slug, o.name, m.role FROM memberships m
         JOIN organisations o ON o.id = m.org_id
         WHERE m.user_id = $1 AND o.slug = $2",
        params![user_id, slug],
    )
    .await
}

pub async fn memberships_of(conn: &mut Conn, user_id: Uuid) -> StoreResult<Vec<Membership>> {
    conn.fetch_all(
        "SELECT o.id, o.slug, o.name, m.role FROM memberships m
         JOIN organisations o ON o.id = m.org_id
         WHERE m.user_id = $1 ORDER BY o.name, o.id",
        params![user_id],
    )
    .await
}

impl FromRow for Member {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Member {
            user_id: row.get()?,
            name: row.get()?,
            email: row.get()?,
            role: row.parsed(Role::parse)?,
        })
    }
}

pub async fn members_of(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<Member>> {
    conn.fetch_all(
        "SELECT u.id, u.name, u.email, m.role FROM memberships m
         JOIN users u ON u.id = m.user_id
         WHERE m.org_id = $1 AND u.disabled = FALSE ORDER BY u.name, u.id",
        params![org_id],
    )
    .await
}

/// Adds a membership; a second membership of the same person fails as a unique violation.
pub async fn insert_membership(
    conn: &mut Conn,
    org_id: Uuid,
    user_id: Uuid,
    role: Role,
    granted_by: Option<Uuid>,
    now: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO memberships (org_id, user_id, role, created_at, granted_by, role_granted_at)
         VALUES ($1, $2, $3, $4, $5, $4)",
        params![org_id, user_id, role.as_str(), now, granted_by],
    )
    .await?;
    Ok(())
}

/// Serialises changes to an organisation's memberships: the no-op update takes the
/// organisation's row lock on PostgreSQL until commit (SQLite has one writer anyway).
pub async fn lock_organisation(conn: &mut Conn, org_id: Uuid) -> StoreResult<()> {
    conn.execute(
        "UPDATE organisations SET name = name WHERE id = $1",
        params![org_id],
    )
    .await?;
    Ok(())
}

/// Holds the organisation's row FOR SHARE until the transaction ends, so a change that
/// locks it ([`lock_organisation`]: the impact scale, the classification scheme) waits for
/// this write, which read them, to finish. SQLite has one writer: nothing to hold.
pub async fn share_organisation(conn: &mut Conn, org_id: Uuid) -> StoreResult<()> {
    if conn.backend() == crate::Backend::Postgres {
        conn.execute(
            "SELECT 1 FROM organisations WHERE id = $1 FOR SHARE",
            params![org_id],
        )
        .await?;
    }
    Ok(())
}

/// How many members hold `role` in the organisation.
pub async fn count_role(conn: &mut Conn, org_id: Uuid, role: Role) -> StoreResult<i64> {
    let (count,) = conn
        .fetch_one(
            "SELECT COUNT(*) FROM memberships WHERE org_id = $1 AND role = $2",
            params![org_id, role.as_str()],
        )
        .await?;
    Ok(count)
}

/// Removes a membership; false when there was none.
pub async fn delete_membership(conn: &mut Conn, org_id: Uuid, user_id: Uuid) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "DELETE FROM memberships WHERE org_id = $1 AND user_id = $2",
            params![org_id, user_id],
        )
        .await?;
    Ok(changed == 1)
}

/// Revokes every live token of a user in one organisation (they left it); returns their ids.
pub async fn revoke_tokens_of(
    conn: &mut Conn,
    org_id: Uuid,
    user_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<Vec<Uuid>> {
    let rows: Vec<(Uuid,)> = conn
        .fetch_all(
            "UPDATE api_tokens SET revoked_at = $3
             WHERE org_id = $1 AND user_id = $2 AND revoked_at IS NULL
             RETURNING id",
            params![org_id, user_id, now],
        )
        .await?;
    Ok(rows.into_iter().map(|(id,)| id).collect())
}

/// Revokes every live token of a user, in every organisation (their account was disabled, or
/// they chose to with a new password); returns each token's id and organisation.
pub async fn revoke_every_token_of(
    conn: &mut Conn,
    user_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<Vec<(Uuid, Uuid)>> {
    conn.fetch_all(
        "UPDATE api_tokens SET revoked_at = $2
         WHERE user_id = $1 AND revoked_at IS NULL
         RETURNING id, org_id",
        params![user_id, now],
    )
    .await
}

/// How many tokens of a user are live (not revoked, not expired), in every organisation.
pub async fn count_live_tokens_of(
    conn: &mut Conn,
    user_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<i64> {
    let (count,) = conn
        .fetch_one(
            "SELECT COUNT(*) FROM api_tokens
             WHERE user_id = $1 AND revoked_at IS NULL AND expires_at > $2",
            params![user_id, now],
        )
        .await?;
    Ok(count)
}

/// Whether someone with this e-mail address is a member of the organisation.
pub async fn is_member_by_email(conn: &mut Conn, org_id: Uuid, email: &str) -> StoreResult<bool> {
    let row: Option<(i64,)> = conn
        .fetch_optional(
            "SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
             WHERE m.org_id = $1 AND u.email = $2",
            params![org_id, email],
        )
        .await?;
    Ok(row.is_some())
}

pub async fn is_member(conn: &mut Conn, org_id: Uuid, user_id: Uuid) -> StoreResult<bool> {
    let row: Option<(i64,)> = conn
        .fetch_optional(
            "SELECT 1 FROM memberships WHERE org_id = $1 AND user_id = $2",
            params![org_id, user_id],
        )
        .await?;
    Ok(row.is_some())
}

/// A session about to begin: the hash of the cookie's secret (the secret itself is never
/// stored) and the public id its owner's sessions page names it by.
pub struct NewSession<'a> {
    pub id_hash: &'a str,
    pub public_id: Uuid,
    pub user_id: Uuid,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub client_address: &'a str,
    pub user_agent: &'a str,
}

pub async fn insert_session(conn: &mut Conn, new: &NewSession<'_>) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO sessions (id_hash, public_id, user_id, created_at, expires_at, last_seen_at,
                               client_address, user_agent)
         VALUES ($1, $2, $3, $4, $5, $4, $6, $7)",
        params![
            new.id_hash,
            new.public_id,
            new.user_id,
            new.created_at,
            new.expires_at,
            new.client_address,
            new.user_agent,
        ],
    )
    .await?;
    Ok(())
}

/// The user of a live session and when the session was last used. A session is live until it
/// expires and while it was used after `idle_since`; disabled users have none.
pub async fn session_user(
    conn: &mut Conn,
    id_hash: &str,
    now: OffsetDateTime,
    idle_since: OffsetDateTime,
) -> StoreResult<Option<(User, OffsetDateTime)>> {
    let row: Option<SessionUser> = conn
        .fetch_optional(
            concat!(
                "SELECT ",
                user_columns!("u."),
                ", s.last_seen_at FROM sessions s JOIN users u ON u.id = s.user_id
                  WHERE s.id_hash = $1 AND s.expires_at > $2 AND s.last_seen_at > $3
                    AND u.disabled = FALSE"
            ),
            params![id_hash, now, idle_since],
        )
        .await?;
    Ok(row.map(|row| (row.user, row.last_seen_at)))
}

struct SessionUser {
    user: User,
    last_seen_at: OffsetDateTime,
}

impl FromRow for SessionUser {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(SessionUser {
            user: User::from_row(row)?,
            last_seen_at: row.get()?,
        })
    }
}

/// Notes that a session was used at `now`, unless it was noted since `unless_since` (another
/// request, or another instance, did it already).
pub async fn touch_session(
    conn: &mut Conn,
    id_hash: &str,
    now: OffsetDateTime,
    unless_since: OffsetDateTime,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE sessions SET last_seen_at = $2 WHERE id_hash = $1 AND last_seen_at < $3",
        params![id_hash, now, unless_since],
    )
    .await?;
    Ok(())
}

/// A live session's user and that user's membership in the organisation `slug` (none if
/// they are not a member): what an organisation page needs, in one statement.
pub async fn session_user_in(
    conn: &mut Conn,
    id_hash: &str,
    slug: &str,
    now: OffsetDateTime,
    idle_since: OffsetDateTime,
) -> StoreResult<Option<(User, Option<Membership>)>> {
    let row: Option<SessionInOrg> = conn
        .fetch_optional(
            concat!(
                "SELECT ",
                user_columns!("u."),
                ", o.id, o.slug, o.name, m.role
                 FROM sessions s JOIN users u ON u.id = s.user_id
                 LEFT JOIN organisations o ON o.slug = $2
                 LEFT JOIN memberships m ON m.org_id = o.id AND m.user_id = u.id
                 WHERE s.id_hash = $1 AND s.expires_at > $3 AND s.last_seen_at > $4
                   AND u.disabled = FALSE"
            ),
            params![id_hash, slug, now, idle_since],
        )
        .await?;
    Ok(row.map(|row| (row.user, row.membership)))
}

struct SessionInOrg {
    user: User,
    membership: Option<Membership>,
}

impl FromRow for SessionInOrg {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        let user = User::from_row(row)?;
        let org_id: Option<Uuid> = row.get()?;
        let slug: Option<String> = row.get()?;
        let name: Option<String> = row.get()?;
        let role = row.parsed_opt(Role::parse)?;
        let membership = match (org_id, slug, name, role) {
            (Some(id), Some(slug), Some(name), Some(role)) => Some(Membership {
                organisation: Organisation { id, slug, name },
                role,
            }),
            _ => None,
        };
        Ok(SessionInOrg { user, membership })
    }
}

impl FromRow for Session {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Session {
            public_id: row.get()?,
            created_at: row.get()?,
            last_seen_at: row.get()?,
            expires_at: row.get()?,
            client_address: row.get()?,
            user_agent: row.get()?,
            current: row.get()?,
        })
    }
}

/// The live sessions of a user, the one asking (`current_id_hash`) first, then the most
/// recently used. Hashes stay in the database: a session is named by its public id.
pub async fn sessions_of(
    conn: &mut Conn,
    user_id: Uuid,
    current_id_hash: &str,
    now: OffsetDateTime,
    idle_since: OffsetDateTime,
) -> StoreResult<Vec<Session>> {
    conn.fetch_all(
        "SELECT public_id, created_at, last_seen_at, expires_at, client_address, user_agent,
                id_hash = $2
         FROM sessions
         WHERE user_id = $1 AND expires_at > $3 AND last_seen_at > $4
         ORDER BY id_hash = $2 DESC, last_seen_at DESC, created_at DESC",
        params![user_id, current_id_hash, now, idle_since],
    )
    .await
}

pub async fn delete_session(conn: &mut Conn, id_hash: &str) -> StoreResult<()> {
    conn.execute("DELETE FROM sessions WHERE id_hash = $1", params![id_hash])
        .await?;
    Ok(())
}

/// Ends one session of a user by its public id, unless it is the one given (the session
/// asking, which logs out instead); false when there was no such session.
pub async fn delete_session_of(
    conn: &mut Conn,
    user_id: Uuid,
    public_id: Uuid,
    except_id_hash: &str,
) -> StoreResult<bool> {
    let deleted = conn
        .execute(
            "DELETE FROM sessions WHERE user_id = $1 AND public_id = $2 AND id_hash <> $3",
            params![user_id, public_id, except_id_hash],
        )
        .await?;
    Ok(deleted == 1)
}

/// Ends every session of a user, except the one given (the session that changed the password).
pub async fn delete_sessions_of(
    conn: &mut Conn,
    user_id: Uuid,
    except_id_hash: Option<&str>,
) -> StoreResult<u64> {
    conn.execute(
        "DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2",
        params![user_id, except_id_hash.unwrap_or("")],
    )
    .await
}

/// Removes sessions that expired or went unused since `idle_since`.
pub async fn delete_expired_sessions(
    conn: &mut Conn,
    now: OffsetDateTime,
    idle_since: OffsetDateTime,
) -> StoreResult<u64> {
    conn.execute(
        "DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2",
        params![now, idle_since],
    )
    .await
}

/// The columns [`ApiToken`]'s mapping reads, in its order.
macro_rules! token_columns {
    ($prefix:literal) => {
        concat!(
            $prefix,
            "id, ",
            $prefix,
            "org_id, ",
            $prefix,
            "user_id, ",
            $prefix,
            "name, ",
            $prefix,
            "scope, ",
            $prefix,
            "expires_at, ",
            $prefix,
            "revoked_at, ",
            $prefix,
            "last_used_at, ",
            $prefix,
            "created_at"
        )
    };
}

impl FromRow for ApiToken {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(ApiToken {
            id: row.get()?,
            org_id: row.get()?,
            user_id: row.get()?,
            name: row.get()?,
            scope: row.parsed(TokenScope::parse)?,
            expires_at: row.get()?,
            revoked_at: row.get()?,
            last_used_at: row.get()?,
            created_at: row.get()?,
        })
    }
}

pub async fn insert_api_token(
    conn: &mut Conn,
    token: &ApiToken,
    token_hash: &str,
) -> StoreResult<()> {
    conn.execute(
        concat!(
            "INSERT INTO api_tokens (",
            token_columns!(""),
            ", token_hash) VALUES ($1, $2, $3, $4, $5, $6, NULL, NULL, $7, $8)"
        ),
        params![
            token.id,
            token.org_id,
            token.user_id,
            &token.name,
            token.scope.as_str(),
            token.expires_at,
            token.created_at,
            token_hash,
        ],
    )
    .await?;
    Ok(())
}

/// A live token with its user and that user's membership in the token's organisation.
pub struct LiveToken {
    pub token: ApiToken,
    pub user: User,
    /// None when the user has left the token's organisation.
    pub membership: Option<Membership>,
}

impl FromRow for LiveToken {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        let token = ApiToken::from_row(row)?;
        let user = User::from_row(row)?;
        let slug: String = row.get()?;
        let name: String = row.get()?;
        let membership = row.parsed_opt(Role::parse)?.map(|role| Membership {
            organisation: Organisation {
                id: token.org_id,
                slug,
                name,
            },
            role,
        });
        Ok(LiveToken {
            token,
            user,
            membership,
        })
    }
}

/// A live token (not revoked, not expired), its enabled user, and that user's membership in
/// the token's organisation (none if they have left it): all an API request needs, in one
/// statement.
pub async fn find_live_token(
    conn: &mut Conn,
    token_hash: &str,
    now: OffsetDateTime,
) -> StoreResult<Option<LiveToken>> {
    conn.fetch_optional(
        concat!(
            "SELECT ",
            token_columns!("t."),
            ", ",
            user_columns!("u."),
            ", o.slug, o.name, m.role
             FROM api_tokens t
             JOIN users u ON u.id = t.user_id
             JOIN organisations o ON o.id = t.org_id
             LEFT JOIN memberships m ON m.org_id = t.org_id AND m.user_id = t.user_id
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND t.expires_at > $2
               AND u.disabled = FALSE"
        ),
        params![token_hash, now],
    )
    .await
}

/// Notes when a token was used, at most once per `granularity`, so the tokens page can show
/// stale tokens without a write on every request.
pub async fn touch_token(
    conn: &mut Conn,
    token_id: Uuid,
    now: OffsetDateTime,
    granularity: time::Duration,
) -> StoreResult<()> {
    conn.execute(
        "UPDATE api_tokens SET last_used_at = $2
         WHERE id = $1 AND (last_used_at IS NULL OR last_used_at < $3)",
        params![token_id, now, now - granularity],
    )
    .await?;
    Ok(())
}

pub async fn tokens_of(conn: &mut Conn, org_id: Uuid, user_id: Uuid) -> StoreResult<Vec<ApiToken>> {
    conn.fetch_all(
        concat!(
            "SELECT ",
            token_columns!(""),
            " FROM api_tokens WHERE org_id = $1 AND user_id = $2 ORDER BY created_at DESC"
        ),
        params![org_id, user_id],
    )
    .await
}

/// Revokes one of the user's own tokens in the organisation; false when there is none.
pub async fn revoke_token(
    conn: &mut Conn,
    org_id: Uuid,
    user_id: Uuid,
    token_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE api_tokens SET revoked_at = $4
             WHERE id = $1 AND org_id = $2 AND user_id = $3 AND revoked_at IS NULL",
            params![token_id, org_id, user_id, now],
        )
        .await?;
    Ok(changed > 0)
}

/// The next number of a per-organisation reference (`OBJ-0001`, `RISK-0042`). The upsert
/// takes a row lock on PostgreSQL, so two transactions never get the same number.
pub async fn next_reference(conn: &mut Conn, org_id: Uuid, kind: &str) -> StoreResult<i64> {
    reserve_references(conn, org_id, kind, 1).await
}

/// Reserves the next `count` numbers of `kind` at once, for a use case that creates many
/// records (an import); returns the first. The counter row moves once, not once per record.
pub async fn reserve_references(
    conn: &mut Conn,
    org_id: Uuid,
    kind: &str,
    count: i64,
) -> StoreResult<i64> {
    let (last,): (i64,) = conn
        .fetch_one(
            "INSERT INTO reference_counters (org_id, kind, last_value) VALUES ($1, $2, $3)
             ON CONFLICT (org_id, kind) DO UPDATE SET last_value = reference_counters.last_value + $3
             RETURNING last_value",
            params![org_id, kind, count],
        )
        .await?;
    Ok(last - count + 1)
}

/// The columns [`Invitation`]'s mapping reads, in its order, from `invitations i` joined
/// with the user who invited as `u`.
macro_rules! invitation_columns {
    () => {
        "i.id, i.org_id, i.email, i.role, i.invited_by, u.name, i.created_at, i.expires_at, \
         i.accepted_at, i.revoked_at"
    };
}

impl FromRow for Invitation {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(Invitation {
            id: row.get()?,
            org_id: row.get()?,
            email: row.get()?,
            role: row.parsed(Role::parse)?,
            invited_by: row.get()?,
            invited_by_name: row.get()?,
            created_at: row.get()?,
            expires_at: row.get()?,
            accepted_at: row.get()?,
            revoked_at: row.get()?,
        })
    }
}

/// Stores a new invitation; only the SHA-256 of its secret is kept. A second open invitation
/// of one address in one organisation fails as a unique violation.
pub async fn insert_invitation(
    conn: &mut Conn,
    invitation: &Invitation,
    secret_hash: &str,
) -> StoreResult<()> {
    conn.execute(
        "INSERT INTO invitations (id, org_id, email, role, secret_hash, invited_by, created_at,
                                  expires_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        params![
            invitation.id,
            invitation.org_id,
            &invitation.email,
            invitation.role.as_str(),
            secret_hash,
            invitation.invited_by,
            invitation.created_at,
            invitation.expires_at,
        ],
    )
    .await?;
    Ok(())
}

/// The open (neither accepted nor revoked, possibly expired) invitation of `email` in the
/// organisation.
pub async fn open_invitation_for(
    conn: &mut Conn,
    org_id: Uuid,
    email: &str,
) -> StoreResult<Option<Invitation>> {
    conn.fetch_optional(
        concat!(
            "SELECT ",
            invitation_columns!(),
            " FROM invitations i JOIN users u ON u.id = i.invited_by
              WHERE i.org_id = $1 AND i.email = $2 AND i.accepted_at IS NULL
                AND i.revoked_at IS NULL"
        ),
        params![org_id, email],
    )
    .await
}

/// Gives an open invitation a new secret, role, inviter and lifetime: inviting someone again
/// replaces the link they were sent before.
pub async fn renew_invitation(
    conn: &mut Conn,
    invitation: &Invitation,
    secret_hash: &str,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE invitations SET secret_hash = $3, role = $4, invited_by = $5, created_at = $6,
                    expires_at = $7
             WHERE id = $1 AND org_id = $2 AND accepted_at IS NULL AND revoked_at IS NULL",
            params![
                invitation.id,
                invitation.org_id,
                secret_hash,
                invitation.role.as_str(),
                invitation.invited_by,
                invitation.created_at,
                invitation.expires_at,
            ],
        )
        .await?;
    Ok(changed == 1)
}

/// The organisation's open invitations (expired ones included), newest first.
pub async fn open_invitations(conn: &mut Conn, org_id: Uuid) -> StoreResult<Vec<Invitation>> {
    conn.fetch_all(
        concat!(
            "SELECT ",
            invitation_columns!(),
            " FROM invitations i JOIN users u ON u.id = i.invited_by
              WHERE i.org_id = $1 AND i.accepted_at IS NULL AND i.revoked_at IS NULL
              ORDER BY i.created_at DESC, i.id"
        ),
        params![org_id],
    )
    .await
}

/// One invitation of the organisation, whatever its state.
pub async fn find_invitation(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
) -> StoreResult<Option<Invitation>> {
    conn.fetch_optional(
        concat!(
            "SELECT ",
            invitation_columns!(),
            " FROM invitations i JOIN users u ON u.id = i.invited_by
              WHERE i.org_id = $1 AND i.id = $2"
        ),
        params![org_id, id],
    )
    .await
}

/// The invitation a link's secret names, with its organisation.
pub async fn find_invitation_by_secret(
    conn: &mut Conn,
    secret_hash: &str,
) -> StoreResult<Option<(Invitation, Organisation)>> {
    let row: Option<InvitationInOrg> = conn
        .fetch_optional(
            concat!(
                "SELECT ",
                invitation_columns!(),
                ", o.id, o.slug, o.name
                 FROM invitations i JOIN users u ON u.id = i.invited_by
                 JOIN organisations o ON o.id = i.org_id
                 WHERE i.secret_hash = $1"
            ),
            params![secret_hash],
        )
        .await?;
    Ok(row.map(|row| (row.invitation, row.organisation)))
}

struct InvitationInOrg {
    invitation: Invitation,
    organisation: Organisation,
}

impl FromRow for InvitationInOrg {
    fn from_row(row: &mut RowReader<'_>) -> StoreResult<Self> {
        Ok(InvitationInOrg {
            invitation: Invitation::from_row(row)?,
            organisation: Organisation::from_row(row)?,
        })
    }
}

/// Marks an open, unexpired invitation accepted by `user_id`; false when it is no longer
/// open. One conditional statement, so of two people accepting at once only one can.
pub async fn accept_invitation(
    conn: &mut Conn,
    id: Uuid,
    user_id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE invitations SET accepted_at = $3, accepted_by = $2
             WHERE id = $1 AND accepted_at IS NULL AND revoked_at IS NULL AND expires_at > $3",
            params![id, user_id, now],
        )
        .await?;
    Ok(changed == 1)
}

/// Revokes an open invitation of the organisation; false when there is none.
pub async fn revoke_invitation(
    conn: &mut Conn,
    org_id: Uuid,
    id: Uuid,
    now: OffsetDateTime,
) -> StoreResult<bool> {
    let changed = conn
        .execute(
            "UPDATE invitations SET revoked_at = $3
             WHERE id = $2 AND org_id = $1 AND accepted_at IS NULL AND revoked_at IS NULL",
            params![org_id, id, now],
        )
        .await?;
    Ok(changed == 1)
}
