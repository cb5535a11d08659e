//! Organisations come into being from the command line (`custos org create`) or, by instance
//! administrators, from the web; either way through [`create_organisation_in`], so what
//! creating one records is written once: its first event, and the instance event that roots
//! its audit chain in the instance chain.

use super::invitations::{NewInvitation, invite_in};
use super::*;

/// Who creates an organisation.
pub(crate) enum Founder<'a> {
    CommandLine,
    /// An instance administrator, in the web interface.
    InstanceAdministrator(&'a User),
}

/// Who administers a new organisation from the start.
#[derive(Debug, Clone, Copy)]
pub enum FirstAdministrator<'a> {
    /// The instance administrator creating it.
    Founder,
    /// Whoever accepts an invitation sent to this address, with the administrator role.
    Invite(&'a str),
}

/// A new organisation and, when its first administrator was invited, the invitation.
#[derive(Debug)]
pub struct CreatedOrganisation {
    pub organisation: Organisation,
    pub invitation: Option<NewInvitation>,
}

/// Creates the organisation `slug` in the caller's transaction and records its creation:
/// the one place an organisation is made, from the command line and from the web.
pub(crate) async fn create_organisation_in(
    tx: &mut custos_store::Tx,
    slug: &Slug,
    name: String,
    founder: Founder<'_>,
    now: OffsetDateTime,
) -> AppResult<Organisation> {
    let organisation = Organisation {
        id: Uuid::now_v7(),
        slug: slug.as_str().to_owned(),
        name,
    };
    if let Err(e) = store::insert_organisation(tx, &organisation, now).await {
        return Err(if e.is_unique_violation() {
            slug_taken()
        } else {
            e.into()
        });
    }
    // The event that opens the organisation's chain, and the instance event that roots that
    // chain, so a chain removed or replaced later is detected (docs/security.md).
    let (actor_id, actor) = match founder {
        Founder::CommandLine => (None, CLI_ACTOR.to_owned()),
        Founder::InstanceAdministrator(user) => (Some(user.id), user_label(user)),
    };
    let genesis = audit_store::append(
        tx,
        NewEvent {
            org_id: Some(organisation.id),
            actor_id,
            actor: &actor,
            action: AuditAction::Create,
            record_type: RecordType::Organisation.as_str(),
            record_id: organisation.id.to_string(),
            before: None,
            after: Some(snapshot(&organisation)?),
            occurred_at: now,
        },
    )
    .await?;
    audit_store::root_chain(
        tx,
        &audit_store::RootedOrganisation {
            id: organisation.id,
            slug: &organisation.slug,
            name: &organisation.name,
        },
        &genesis,
        actor_id,
        &actor,
        None,
        now,
    )
    .await?;
    crate::risk::catalogues::give_catalogues(tx, organisation.id, now).await?;
    Ok(organisation)
}

fn slug_taken() -> AppError {
    ValidationErrors::single(
        "slug",
        "Another organisation has this short name; choose another.",
    )
    .into()
}

pub(crate) fn user_label(user: &User) -> String {
    format!("{} <{}>", user.name, user.email)
}

/// Instance administration from the web: only instance administrators, in a browser session,
/// with a password they chose themselves.
pub(crate) fn require_instance_administrator(principal: &Principal) -> AppResult<()> {
    if !principal.user.instance_admin || !matches!(principal.credential, Credential::Session { .. })
    {
        return Err(AppError::Forbidden(
            "Only instance administrators can do this: it concerns every organisation of this instance.".into(),
        ));
    }
    if principal.user.must_change_password {
        return Err(AppError::Forbidden(
            "Choose your own password on your account page first.".into(),
        ));
    }
    Ok(())
}

impl App {
    /// Every organisation of the instance, for its administrators.
    pub async fn all_organisations(&self, principal: &Principal) -> AppResult<Vec<Organisation>> {
        require_instance_administrator(principal)?;
        let mut conn = self.store.reader().await?;
        Ok(store::list_organisations(&mut conn).await?)
    }

    /// Creates an organisation from the web (instance administrators only). Its first
    /// administrator is the founder, or whoever accepts the invitation made with it, in the
    /// same transaction.
    pub async fn create_organisation(
        &self,
        principal: &Principal,
        slug: &str,
        name: &str,
        first_administrator: FirstAdministrator<'_>,
        now: OffsetDateTime,
    ) -> AppResult<CreatedOrganisation> {
        require_instance_administrator(principal)?;
        let mut errors = ValidationErrors::new();
        let name = required_text(&mut errors, "name", name, 200, Lines::One);
        let slug = Slug::parse(slug)
            .map_err(|e| errors.fields.extend(e.fields))
            .ok();
        let invitee = match first_administrator {
            FirstAdministrator::Founder => None,
            FirstAdministrator::Invite(raw) => match Email::parse(raw) {
                Ok(email) => Some(email),
                Err(e) => {
                    for field in e.fields {
                        errors.add("admin_email", field.message);
                    }
                    None
                }
            },
        };
        let slug = match slug {
            Some(slug) if errors.is_empty() => slug,
            _ => return Err(errors.into()),
        };
        let founder = &principal.user;
        let mut tx = self.store.begin().await?;
        if store::find_organisation_by_slug(&mut tx, slug.as_str())
            .await?
            .is_some()
        {
            return Err(slug_taken());
        }
        let organisation = create_organisation_in(
            &mut tx,
            &slug,
            name,
            Founder::InstanceAdministrator(founder),
            now,
        )
        .await?;
        let invitation = match invitee {
            Some(email) => Some(
                invite_in(
                    &mut tx,
                    organisation.id,
                    founder,
                    &user_label(founder),
                    &email,
                    Role::Admin,
                    now,
                )
                .await?,
            ),
            None => {
                store::insert_membership(
                    &mut tx,
                    organisation.id,
                    founder.id,
                    Role::Admin,
                    Some(founder.id),
                    now,
                )
                .await?;
                let change = Change::created(
                    RecordType::Membership,
                    format!("{}:{}", organisation.id, founder.id),
                    &membership_snapshot(founder, Role::Admin),
                )?;
                append_change(
                    &mut tx,
                    Some(organisation.id),
                    Some(founder.id),
                    &user_label(founder),
                    change,
                    now,
                )
                .await?;
                None
            }
        };
        custos_store::commit(tx).await?;
        self.auth_cache.forget_all();
        Ok(CreatedOrganisation {
            organisation,
            invitation,
        })
    }
}
