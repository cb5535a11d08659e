//! Organisations: created by instance administrators, from the command line or the web, each
//! with an audit chain rooted in the instance chain, so that a chain removed or replaced later
//! is detected (docs/security.md, "Audit trail").

use super::*;

/// What [`App::insert_organisation`] found or made.
pub(crate) enum Founded {
    Created(Organisation),
    Existing(Organisation),
}

impl App {
    /// Creates an organisation on behalf of an instance administrator: the way in for the web.
    /// The command line's is `Administration::ensure_organisation`; both root the new chain.
    pub async fn create_organisation(
        &self,
        by: &Principal,
        slug: &str,
        name: &str,
        now: OffsetDateTime,
    ) -> AppResult<Organisation> {
        if !by.user.instance_admin {
            return Err(AppError::Forbidden(
                "Only instance administrators can create organisations.".into(),
            ));
        }
        let actor = format!("{} <{}>", by.user.name, by.user.email);
        match self
            .insert_organisation(slug, name, Some(by.user.id), &actor, now)
            .await?
        {
            Founded::Created(organisation) => Ok(organisation),
            Founded::Existing(_) => Err(slug_taken()),
        }
    }

    /// Creates an organisation unless one has this slug, in one transaction with the event
    /// that opens its chain and the instance event that roots that chain.
    pub(crate) async fn insert_organisation(
        &self,
        slug: &str,
        name: &str,
        actor_id: Option<Uuid>,
        actor: &str,
        now: OffsetDateTime,
    ) -> AppResult<Founded> {
        let slug = Slug::parse(slug)?;
        let mut errors = ValidationErrors::new();
        let name = required_text(&mut errors, "name", name, 200);
        errors.into_result(())?;
        let mut tx = self.store.begin().await?;
        if let Some(existing) = store::find_organisation_by_slug(&mut tx, slug.as_str()).await? {
            return Ok(Founded::Existing(existing));
        }
        let organisation = Organisation {
            id: Uuid::now_v7(),
            slug: slug.as_str().to_owned(),
            name,
        };
        if let Err(e) = store::insert_organisation(&mut tx, &organisation, now).await {
            return Err(if e.is_unique_violation() {
                slug_taken()
            } else {
                e.into()
            });
        }
        let genesis = audit_store::append(
            &mut tx,
            NewEvent {
                org_id: Some(organisation.id),
                actor_id,
                actor,
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
            &mut tx,
            &audit_store::RootedOrganisation {
                id: organisation.id,
                slug: &organisation.slug,
                name: &organisation.name,
            },
            &genesis,
            actor_id,
            actor,
            None,
            now,
        )
        .await?;
        custos_store::commit(tx).await?;
        Ok(Founded::Created(organisation))
    }
}

fn slug_taken() -> AppError {
    ValidationErrors::single("slug", "An organisation with this short name exists.").into()
}
