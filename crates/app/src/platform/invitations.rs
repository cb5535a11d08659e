//! Invitations: how people join an organisation. An administrator invites an e-mail address
//! with a role and passes on the link; the person at that address accepts it, with the
//! account they have or with one they create then. The administrator's answer never depends
//! on whether the address has an account, and nothing but the invitation exists until it is
//! accepted.

use custos_domain::platform::{INVITATION_LIFETIME_DAYS, Invitation, invitation_path};

use super::*;

/// A new or renewed invitation and the secret of its link, which is returned this once:
/// only its SHA-256 is stored.
#[derive(Debug)]
pub struct NewInvitation {
    pub invitation: Invitation,
    pub secret: String,
}

impl NewInvitation {
    /// The link's path under Custos's base path (`/invitations/{secret}`).
    pub fn path(&self) -> String {
        invitation_path(&self.secret)
    }
}

/// An invitation as its link shows it to whoever opens it.
#[derive(Debug)]
pub struct InvitationLink {
    pub invitation: Invitation,
    pub organisation: Organisation,
    /// The invited address has an account: its owner logs in to accept. Told only to whoever
    /// holds the link, which is addressed to that person.
    pub account_exists: bool,
}

impl App {
    /// Invites `email` to the organisation with `role`. Inviting an address that already has
    /// an open invitation renews it: a new link (the old one stops working), the new role
    /// and a full lifetime again. Whether the address has an account is never looked at.
    pub async fn invite(
        &self,
        ctx: &OrgContext,
        email: &str,
        role: Role,
        now: OffsetDateTime,
    ) -> AppResult<NewInvitation> {
        ctx.require(Permission::ManageMembers)?;
        let email = Email::parse(email)?;
        let mut tx = self.store.begin().await?;
        store::lock_organisation(&mut tx, ctx.org_id()).await?;
        let actor_role = store::role_of(&mut tx, ctx.org_id(), ctx.user.id).await?;
        if !actor_role.is_some_and(|role| role.allows(Permission::ManageMembers)) {
            return Err(AppError::Forbidden(
                "Your role changed a moment ago; reload the page.".into(),
            ));
        }
        let invited = invite_in(
            &mut tx,
            ctx.org_id(),
            &ctx.user,
            &ctx.actor_label(),
            &email,
            role,
            now,
        )
        .await?;
        custos_store::commit(tx).await?;
        Ok(invited)
    }

    /// The organisation's open invitations, expired ones included (inviting again renews
    /// them), newest first.
    pub async fn invitations(&self, ctx: &OrgContext) -> AppResult<Vec<Invitation>> {
        ctx.require(Permission::ManageMembers)?;
        let mut conn = self.store.reader().await?;
        Ok(store::open_invitations(&mut conn, ctx.org_id()).await?)
    }

    /// One open invitation of the organisation.
    pub async fn open_invitation(&self, ctx: &OrgContext, id: Uuid) -> AppResult<Invitation> {
        ctx.require(Permission::ManageMembers)?;
        let mut conn = self.store.reader().await?;
        store::find_invitation(&mut conn, ctx.org_id(), id)
            .await?
            .filter(|i| i.accepted_at.is_none() && i.revoked_at.is_none())
            .ok_or(AppError::NotFound)
    }

    /// Withdraws an open invitation: its link stops working at once.
    pub async fn revoke_invitation(
        &self,
        ctx: &OrgContext,
        id: Uuid,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        ctx.require(Permission::ManageMembers)?;
        let mut tx = self.store.begin().await?;
        let before = store::find_invitation(&mut tx, ctx.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        if !store::revoke_invitation(&mut tx, ctx.org_id(), id, now).await? {
            return Err(AppError::NotFound);
        }
        let after = Invitation {
            revoked_at: Some(now),
            ..before.clone()
        };
        let change = Change::updated(RecordType::Invitation, id, &before, &after)?;
        record_change(&mut tx, ctx, change, now).await?;
        custos_store::commit(tx).await?;
        Ok(())
    }

    /// The invitation behind a link's secret, whatever its state; `NotFound` when the secret
    /// names none.
    pub async fn invitation_link(&self, secret: &str) -> AppResult<InvitationLink> {
        let mut conn = self.store.reader().await?;
        let (invitation, organisation) =
            store::find_invitation_by_secret(&mut conn, &digest(secret))
                .await?
                .ok_or(AppError::NotFound)?;
        let account_exists = store::find_user_by_email(&mut conn, &invitation.email)
            .await?
            .is_some();
        Ok(InvitationLink {
            invitation,
            organisation,
            account_exists,
        })
    }

    /// Accepts an invitation for someone without an account: the account (with the name and
    /// password they choose), the membership and a session are created together.
    pub async fn accept_invitation_with_new_account(
        &self,
        secret: &str,
        name: &str,
        password: &str,
        confirmation: &str,
        client: &SessionClient,
        now: OffsetDateTime,
    ) -> AppResult<(Organisation, NewSession)> {
        let link = self.invitation_link(secret).await?;
        still_open(&link, now)?;
        if link.account_exists {
            return Err(AppError::Conflict(format!(
                "{} already has an account: log in, then open the invitation again to accept it.",
                link.invitation.email
            )));
        }
        let mut errors = ValidationErrors::new();
        let name = required_text(&mut errors, "name", name, 200, Lines::One);
        if let Err(e) = check_password_policy(password, "password") {
            errors.fields.extend(e.fields);
        } else if password != confirmation {
            errors.add("confirm_password", "The two passwords differ.");
        }
        errors.into_result(())?;
        let hash = secrets::hash_password(password.to_owned()).await?;
        let user = User {
            id: Uuid::now_v7(),
            email: link.invitation.email.clone(),
            name,
            disabled: false,
            instance_admin: false,
            must_change_password: false,
        };
        let mut tx = self.store.begin().await?;
        let new = store::NewUser {
            id: user.id,
            email: &user.email,
            name: &user.name,
            password_hash: &hash,
            instance_admin: false,
            must_change_password: false,
        };
        if let Err(e) = store::insert_user(&mut tx, &new, now).await {
            return Err(if e.is_unique_violation() {
                AppError::Conflict(format!(
                    "An account for {} was created a moment ago: log in, then open the \
                     invitation again to accept it.",
                    user.email
                ))
            } else {
                e.into()
            });
        }
        // The new account acts for itself: it is the only one who knows its password.
        let label = format!("{} <{}>", user.name, user.email);
        let change = Change::created(RecordType::User, user.id, &UserSnapshot::from(&user))?;
        append_change(&mut tx, None, Some(user.id), &label, change, now).await?;
        join(&mut tx, &link, &user, now).await?;
        let session = self.open_session(&mut tx, &user, client, now).await?;
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        Ok((link.organisation, session))
    }

    /// Accepts an invitation for the logged-in user, whose address must be the invited one.
    pub async fn accept_invitation(
        &self,
        principal: &Principal,
        secret: &str,
        now: OffsetDateTime,
    ) -> AppResult<Organisation> {
        if !matches!(principal.credential, Credential::Session { .. }) {
            return Err(AppError::Forbidden(
                "Accept invitations in the web interface.".into(),
            ));
        }
        let link = self.invitation_link(secret).await?;
        still_open(&link, now)?;
        let user = &principal.user;
        if user.email != link.invitation.email {
            return Err(AppError::Forbidden(format!(
                "This invitation is for {}, and you are logged in as {}. Log out, then open the \
                 link again and log in as {}.",
                link.invitation.email, user.email, link.invitation.email
            )));
        }
        // Whoever set a password this account's owner has not replaced knows it, and could
        // otherwise accept in their name.
        if user.must_change_password {
            return Err(AppError::Forbidden(
                "Choose your own password on your account page first, then open the invitation \
                 again."
                    .into(),
            ));
        }
        let mut tx = self.store.begin().await?;
        join(&mut tx, &link, user, now).await?;
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        Ok(link.organisation)
    }
}

/// Refuses a link that no longer works, saying why.
fn still_open(link: &InvitationLink, now: OffsetDateTime) -> AppResult<()> {
    match link.invitation.refusal(now) {
        Some(refusal) => Err(AppError::Conflict(refusal.into())),
        None => Ok(()),
    }
}

/// Invites `email` to the organisation `org_id` in the caller's transaction, on behalf of
/// `inviter` (recorded as `actor`); renews the address's open invitation if it has one.
pub(crate) async fn invite_in(
    tx: &mut custos_store::Tx,
    org_id: Uuid,
    inviter: &User,
    actor: &str,
    email: &Email,
    role: Role,
    now: OffsetDateTime,
) -> AppResult<NewInvitation> {
    // Only this organisation's own members are looked up: its administrators see them anyway.
    if store::is_member_by_email(tx, org_id, email.as_str()).await? {
        return Err(ValidationErrors::single(
            "email",
            "This person is already a member; change their role in the list.",
        )
        .into());
    }
    let secret = random_secret()?;
    let secret_hash = digest(&secret);
    let expires_at = now + Duration::days(INVITATION_LIFETIME_DAYS);
    let invitation = match store::open_invitation_for(tx, org_id, email.as_str()).await? {
        Some(before) => {
            let after = Invitation {
                role,
                invited_by: inviter.id,
                invited_by_name: inviter.name.clone(),
                created_at: now,
                expires_at,
                ..before.clone()
            };
            store::renew_invitation(tx, &after, &secret_hash).await?;
            let change = Change::updated(RecordType::Invitation, after.id, &before, &after)?;
            append_change(tx, Some(org_id), Some(inviter.id), actor, change, now).await?;
            after
        }
        None => {
            let invitation = Invitation {
                id: Uuid::now_v7(),
                org_id,
                email: email.as_str().to_owned(),
                role,
                invited_by: inviter.id,
                invited_by_name: inviter.name.clone(),
                created_at: now,
                expires_at,
                accepted_at: None,
                revoked_at: None,
            };
            if let Err(e) = store::insert_invitation(tx, &invitation, &secret_hash).await {
                return Err(if e.is_unique_violation() {
                    AppError::Conflict(
                        "This address was invited a moment ago; invite it again to renew the \
                         link."
                            .into(),
                    )
                } else {
                    e.into()
                });
            }
            let change = Change::created(RecordType::Invitation, invitation.id, &invitation)?;
            append_change(tx, Some(org_id), Some(inviter.id), actor, change, now).await?;
            invitation
        }
    };
    // Once Custos sends e-mail, the message with the link is queued here, in this
    // transaction (a job row), so it goes out exactly when the invitation exists.
    Ok(NewInvitation { invitation, secret })
}

/// Makes `user` a member as the invitation says, in the caller's transaction: the invitation
/// is marked accepted by one conditional update (so it is used once), and the membership is
/// recorded as granted by whoever invited.
async fn join(
    tx: &mut custos_store::Tx,
    link: &InvitationLink,
    user: &User,
    now: OffsetDateTime,
) -> AppResult<()> {
    let invitation = &link.invitation;
    let org_id = invitation.org_id;
    store::lock_organisation(tx, org_id).await?;
    // An invitation is honoured while whoever sent it may still add members: removing an
    // administrator also voids what they sent.
    let inviter = store::find_user_by_id(tx, invitation.invited_by)
        .await?
        .ok_or(AppError::NotFound)?;
    let inviter_may = inviter.instance_admin
        || store::role_of(tx, org_id, inviter.id)
            .await?
            .is_some_and(|role| role.allows(Permission::ManageMembers));
    if !inviter_may || inviter.disabled {
        return Err(AppError::Conflict(format!(
            "This invitation is no longer valid: {} can no longer add members to {}. Ask one of \
             its administrators for a new invitation.",
            inviter.name, link.organisation.name
        )));
    }
    if store::role_of(tx, org_id, user.id).await?.is_some() {
        return Err(AppError::Conflict(format!(
            "You are already a member of {}.",
            link.organisation.name
        )));
    }
    if !store::accept_invitation(tx, invitation.id, user.id, now).await? {
        return Err(AppError::Conflict(
            "This invitation has just been used, withdrawn or has expired.".into(),
        ));
    }
    let accepted = Invitation {
        accepted_at: Some(now),
        ..invitation.clone()
    };
    let label = format!("{} <{}>", user.name, user.email);
    let change = Change::updated(RecordType::Invitation, invitation.id, invitation, &accepted)?;
    append_change(tx, Some(org_id), Some(user.id), &label, change, now).await?;
    // The inviter gave the role (segregation of duties: they may not decide their own
    // requests through it).
    store::insert_membership(
        tx,
        org_id,
        user.id,
        invitation.role,
        Some(invitation.invited_by),
        now,
    )
    .await?;
    let mut snapshot = membership_snapshot(user, invitation.role);
    snapshot["invitation_id"] = serde_json::json!(invitation.id);
    let inviter_label = format!("{} <{}>", inviter.name, inviter.email);
    let change = Change::created(
        RecordType::Membership,
        format!("{org_id}:{}", user.id),
        &snapshot,
    )?;
    // The role was the inviter's decision: they are the membership's creator.
    append_change(
        tx,
        Some(org_id),
        Some(inviter.id),
        &inviter_label,
        change,
        now,
    )
    .await?;
    Ok(())
}
