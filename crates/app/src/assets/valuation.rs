//! Support links between assets and the values they carry: an asset is at least as valuable
//! as what depends on it. The rules are the domain's (`domain::assets::valuation`); this
//! module loads the organisation's graph, refuses links that would close a loop, and says
//! where each effective value comes from.

use custos_domain::ValidationErrors;
use std::collections::HashMap;

use custos_domain::assets::valuation::{
    AssetValues, Effective, SupportLink, check_new_link, effective_values, overall,
};
use custos_domain::assets::{Asset, LinkedAsset};
use custos_domain::platform::{Permission, RecordType};
use custos_store::Tx;
use custos_store::assets::{self as store, GraphAsset, SubGraph};
use serde::Serialize;
use time::OffsetDateTime;
use uuid::Uuid;

use crate::platform::{Change, record_change};
use crate::{App, AppError, AppResult, OrgContext};

/// An asset's place in the support graph and the values it takes from it.
#[derive(Debug, Clone)]
pub struct AssetValuation {
    /// The assets it supports: they depend on it.
    pub supports: Vec<LinkedAsset>,
    /// The assets it depends on.
    pub supported_by: Vec<LinkedAsset>,
    pub effective: Effective,
    /// The highest of its effective C, I and A.
    pub overall: Option<u8>,
    /// The assets its effective values come from, other than itself, by reference and name.
    pub sources: Vec<LinkedAsset>,
}

#[derive(Serialize)]
struct LinkSnapshot {
    supporting_id: Uuid,
    supporting: String,
    dependant_id: Uuid,
    dependant: String,
}

impl LinkSnapshot {
    fn of(supporting: &Asset, dependant: &Asset) -> Self {
        Self {
            supporting_id: supporting.id,
            supporting: format!("{} {}", supporting.reference(), supporting.name),
            dependant_id: dependant.id,
            dependant: format!("{} {}", dependant.reference(), dependant.name),
        }
    }

    fn record_id(&self) -> String {
        format!("{}:{}", self.supporting_id, self.dependant_id)
    }
}

/// The audit trail's change for a link added (`created`) or removed by something other than
/// the link form (an import).
pub(crate) fn link_change(
    created: bool,
    supporting: &Asset,
    dependant: &Asset,
) -> AppResult<Change> {
    let snapshot = LinkSnapshot::of(supporting, dependant);
    if created {
        Change::created(RecordType::AssetLink, snapshot.record_id(), &snapshot)
    } else {
        Change::deleted(RecordType::AssetLink, snapshot.record_id(), &snapshot)
    }
}

/// A part of the graph's links in the domain's shape.
fn support_links(graph: &SubGraph) -> Vec<SupportLink> {
    graph
        .links
        .iter()
        .map(|&(supporter, dependant)| SupportLink {
            supporter,
            dependant,
        })
        .collect()
}

/// The effective values of every asset of a part of the graph.
fn value(graph: &SubGraph) -> HashMap<Uuid, Effective> {
    let values: Vec<AssetValues> = graph
        .assets
        .iter()
        .map(|asset| AssetValues {
            id: asset.id,
            confidentiality: level(asset.confidentiality),
            integrity: level(asset.integrity),
            availability: level(asset.availability),
        })
        .collect();
    effective_values(&values, &support_links(graph))
}

fn linked(asset: &GraphAsset) -> LinkedAsset {
    LinkedAsset {
        id: asset.id,
        number: asset.number,
        name: asset.name.clone(),
    }
}

/// An asset whose effective values a change to another asset can move, with its values now.
#[derive(Debug, Clone)]
pub struct MovedAsset {
    pub asset: LinkedAsset,
    pub effective: Effective,
    pub overall: Option<u8>,
}

async fn find_asset(tx: &mut Tx, ctx: &OrgContext, id: Uuid) -> AppResult<Asset> {
    store::find(tx, ctx.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)
}

/// An impact level as the domain's valuation reads it (levels are 1 to 6).
fn level(value: Option<i64>) -> Option<u8> {
    value.and_then(|v| u8::try_from(v).ok())
}

impl App {
    /// Records that asset `supporting` supports asset `dependant` (given by id or by its
    /// reference, `AST-0007`): the dependant depends on it. A link that would make an asset
    /// depend on itself is refused, naming the loop.
    pub async fn add_asset_link(
        &self,
        ctx: &OrgContext,
        supporting: Uuid,
        dependant: &str,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        self.link_assets(ctx, supporting, dependant, LinkEnd::Dependant, now)
            .await?
            .then_some(())
            .ok_or_else(|| AppError::Conflict("These assets are linked already.".into()))
    }

    /// Makes sure asset `supporting` supports asset `dependant` (both by id): the API's
    /// idempotent form of [`App::add_asset_link`], where a link already there is success.
    pub async fn put_asset_link(
        &self,
        ctx: &OrgContext,
        supporting: Uuid,
        dependant: Uuid,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        let dependant = dependant.to_string();
        self.link_assets(ctx, supporting, &dependant, LinkEnd::Dependant, now)
            .await
            .map(|_| ())
    }

    /// Records that asset `dependant` depends on asset `supporting` (given by id or by its
    /// reference): the same link as [`App::add_asset_link`], named from the other end.
    pub async fn add_asset_dependency(
        &self,
        ctx: &OrgContext,
        dependant: Uuid,
        supporting: &str,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        self.link_assets(ctx, dependant, supporting, LinkEnd::Supporter, now)
            .await?
            .then_some(())
            .ok_or_else(|| AppError::Conflict("These assets are linked already.".into()))
    }

    /// Links asset `this` with the asset `other` names, `other` being the link's `end`;
    /// false when they were linked that way already (nothing is written then).
    async fn link_assets(
        &self,
        ctx: &OrgContext,
        this: Uuid,
        other: &str,
        end: LinkEnd,
        now: OffsetDateTime,
    ) -> AppResult<bool> {
        ctx.require(Permission::ManageAssets)?;
        let mut tx = self.store.begin().await?;
        let this = find_asset(&mut tx, ctx, this).await?;
        let field = end.field();
        let other = match parse_asset(other) {
            Some(AssetName::Id(id)) => store::find(&mut tx, ctx.org_id(), id).await?,
            Some(AssetName::Number(number)) => {
                store::find_by_number(&mut tx, ctx.org_id(), number).await?
            }
            None => None,
        }
        .ok_or_else(|| {
            ValidationErrors::single(
                field,
                "No asset has this reference; write it as shown in the inventory, e.g. AST-0007.",
            )
        })?;
        let (supporter, dependant) = match end {
            LinkEnd::Dependant => (this, other),
            LinkEnd::Supporter => (other, this),
        };
        // A loop would need a way from the dependant back up to the supporter: only the links
        // above the dependant can hold one.
        let above = store::graph_valuing(&mut tx, ctx.org_id(), dependant.id).await?;
        let links = support_links(&above);
        if let Err(cycle) = check_new_link(&links, supporter.id, dependant.id) {
            let mut named = Vec::with_capacity(cycle.path.len());
            for id in &cycle.path {
                let asset = find_asset(&mut tx, ctx, *id).await?;
                named.push((asset.id, format!("{} {}", asset.reference(), asset.name)));
            }
            let explanation = cycle.explain(|id| {
                named
                    .iter()
                    .find(|(known, _)| *known == id)
                    .map(|(_, name)| name.clone())
                    .unwrap_or_else(|| id.to_string())
            });
            return Err(ValidationErrors::single(field, explanation).into());
        }
        if !store::insert_link(&mut tx, ctx.org_id(), supporter.id, dependant.id, now).await? {
            return Ok(false);
        }
        let snapshot = LinkSnapshot::of(&supporter, &dependant);
        let change = Change::created(RecordType::AssetLink, snapshot.record_id(), &snapshot)?;
        record_change(&mut tx, ctx, change, now).await?;
        self.commit(ctx, tx).await?;
        Ok(true)
    }

    /// Removes the link "`supporting` supports `dependant`".
    pub async fn remove_asset_link(
        &self,
        ctx: &OrgContext,
        supporting: Uuid,
        dependant: Uuid,
        now: OffsetDateTime,
    ) -> AppResult<()> {
        ctx.require(Permission::ManageAssets)?;
        let mut tx = self.store.begin().await?;
        let supporter = find_asset(&mut tx, ctx, supporting).await?;
        let dependant = find_asset(&mut tx, ctx, dependant).await?;
        if !store::delete_link(&mut tx, ctx.org_id(), supporter.id, dependant.id).await? {
            return Err(AppError::NotFound);
        }
        let snapshot = LinkSnapshot::of(&supporter, &dependant);
        let change = Change::deleted(RecordType::AssetLink, snapshot.record_id(), &snapshot)?;
        record_change(&mut tx, ctx, change, now).await?;
        self.commit(ctx, tx).await
    }

    /// Where asset `id` stands in the support graph, and its effective values with where
    /// each comes from. Only the part of the graph above it is read: the assets that depend
    /// on it, directly or through others.
    pub async fn asset_valuation(&self, ctx: &OrgContext, id: Uuid) -> AppResult<AssetValuation> {
        ctx.require(Permission::ViewAssets)?;
        let mut conn = self.store.reader().await?;
        if store::find(&mut conn, ctx.org_id(), id).await?.is_none() {
            return Err(AppError::NotFound);
        }
        let (supports, supported_by) = store::neighbours(&mut conn, ctx.org_id(), id).await?;
        let graph = store::graph_valuing(&mut conn, ctx.org_id(), id).await?;
        let effective = value(&graph).remove(&id).unwrap_or_default();
        let mut sources: Vec<Uuid> = Vec::new();
        for level in [
            effective.confidentiality,
            effective.integrity,
            effective.availability,
        ]
        .into_iter()
        .flatten()
        {
            if level.source != id && !sources.contains(&level.source) {
                sources.push(level.source);
            }
        }
        let mut sources: Vec<LinkedAsset> = graph
            .assets
            .iter()
            .filter(|asset| sources.contains(&asset.id))
            .map(linked)
            .collect();
        sources.sort_by_key(|asset| asset.number);
        Ok(AssetValuation {
            supports,
            supported_by,
            overall: overall(&effective),
            effective,
            sources,
        })
    }

    /// The assets whose effective values a change to asset `id`'s own values moves: the
    /// assets supporting it, directly or through others, each with its effective values as
    /// they stand. Only the part of the graph around them is read.
    pub async fn assets_moved_by(&self, ctx: &OrgContext, id: Uuid) -> AppResult<Vec<MovedAsset>> {
        ctx.require(Permission::ViewAssets)?;
        let mut conn = self.store.reader().await?;
        if store::find(&mut conn, ctx.org_id(), id).await?.is_none() {
            return Err(AppError::NotFound);
        }
        let graph = store::graph_moved_by(&mut conn, ctx.org_id(), id).await?;
        let mut effective = value(&graph);
        let mut moved: Vec<LinkedAsset> = graph
            .assets
            .iter()
            .filter(|asset| asset.moved && asset.id != id)
            .map(linked)
            .collect();
        moved.sort_by_key(|asset| asset.number);
        Ok(moved
            .into_iter()
            .map(|asset| {
                let effective = effective.remove(&asset.id).unwrap_or_default();
                MovedAsset {
                    overall: overall(&effective),
                    effective,
                    asset,
                }
            })
            .collect())
    }
}

/// Which end of a support link the asset named by text is.
#[derive(Clone, Copy)]
enum LinkEnd {
    Supporter,
    Dependant,
}

impl LinkEnd {
    /// The field a message about the named asset belongs to.
    fn field(self) -> &'static str {
        match self {
            Self::Supporter => "supporting",
            Self::Dependant => "dependant",
        }
    }
}

enum AssetName {
    Id(Uuid),
    Number(i64),
}

/// An asset named by its id or by its reference (`AST-0007`, `ast-7`, or `7`).
fn parse_asset(raw: &str) -> Option<AssetName> {
    let raw = raw.trim();
    if let Ok(id) = Uuid::parse_str(raw) {
        return Some(AssetName::Id(id));
    }
    let digits = raw
        .get(..4)
        .filter(|prefix| prefix.eq_ignore_ascii_case("ast-"))
        .map_or(raw, |_| &raw[4..]);
    digits
        .parse::<i64>()
        .ok()
        .filter(|n| *n > 0)
        .map(AssetName::Number)
}
