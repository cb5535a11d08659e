//! Derived values: an asset is at least as valuable as what depends on it. A server that
//! supports a CRM application that supports the customer data is itself at least as
//! confidential as the customer data, so each asset's effective C, I and A are its own
//! values raised to those of everything it supports, directly or through other assets.
//!
//! Everything here is iterative (recursion would overflow the stack on a long chain of
//! dependencies) and close to linear in assets plus links: the ignored test
//! `a_million_assets_and_two_million_links` measures a million assets and two million
//! links.

use std::collections::{HashMap, VecDeque};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// An asset's own C, I and A impact levels, as valued by its owner; `None` = not valued.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AssetValues {
    pub id: Uuid,
    pub confidentiality: Option<u8>,
    pub integrity: Option<u8>,
    pub availability: Option<u8>,
}

/// "`supporter` supports `dependant`": the dependant depends on the supporter (a server
/// supports the CRM application), so the supporter takes on the dependant's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct SupportLink {
    pub supporter: Uuid,
    pub dependant: Uuid,
}

/// One effective value and where it came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema)]
pub struct EffectiveLevel {
    pub level: u8,
    /// The asset whose own value this is: the asset itself, or one that depends on it,
    /// directly or through others ("confidential because it supports the customer data").
    pub source: Uuid,
}

/// An asset's effective C, I and A; `None` where neither the asset nor anything depending
/// on it is valued.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize, utoipa::ToSchema,
)]
pub struct Effective {
    pub confidentiality: Option<EffectiveLevel>,
    pub integrity: Option<EffectiveLevel>,
    pub availability: Option<EffectiveLevel>,
}

impl Effective {
    fn from_dimensions(values: [Option<EffectiveLevel>; 3]) -> Self {
        let [confidentiality, integrity, availability] = values;
        Self {
            confidentiality,
            integrity,
            availability,
        }
    }

    fn dimensions(&self) -> [Option<EffectiveLevel>; 3] {
        [self.confidentiality, self.integrity, self.availability]
    }
}

/// The overall value of an asset: the highest of its effective C, I and A, so an asset is
/// as valuable as its most sensitive side (a public web page whose outage would stop sales
/// is valuable even though it is not confidential). `None` when nothing is valued.
pub fn overall(effective: &Effective) -> Option<u8> {
    effective
        .dimensions()
        .into_iter()
        .flatten()
        .map(|value| value.level)
        .max()
}

/// A link that would make an asset depend on itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("this link would make an asset depend on itself")]
pub struct CycleError {
    /// The loop the link would close, in support order and ending where it starts: the new
    /// link's supporter, its dependant, then each asset the previous one supports, back to
    /// the supporter. `[a, a]` for a link from an asset to itself.
    pub path: Vec<Uuid>,
}

impl CycleError {
    /// The loop in words, with assets named by `name`: "Server supports CRM, CRM supports
    /// Customer data and Customer data supports Server."
    pub fn explain(&self, name: impl Fn(Uuid) -> String) -> String {
        if let [only, again] = self.path[..]
            && only == again
        {
            return format!("{} cannot support itself.", name(only));
        }
        let steps: Vec<String> = self
            .path
            .windows(2)
            .map(|pair| format!("{} supports {}", name(pair[0]), name(pair[1])))
            .collect();
        match steps.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!(
                "This link would close a loop: {} and {last}. An asset cannot depend on \
                 itself, directly or through others.",
                rest.join(", ")
            ),
            _ => format!("This link would close a loop: {}.", steps.join(", ")),
        }
    }
}

/// Whether "`supporter` supports `dependant`" may be added to `existing`: refused when
/// it links an asset to itself or when `dependant` already supports `supporter`, directly
/// or through others. The path named is a shortest one.
pub fn check_new_link(
    existing: &[SupportLink],
    supporter: Uuid,
    dependant: Uuid,
) -> Result<(), CycleError> {
    if supporter == dependant {
        return Err(CycleError {
            path: vec![supporter, supporter],
        });
    }
    // A loop needs a way from the dependant back to the supporter, so the dependant must
    // support something and something must support the supporter. One pass settles the
    // usual case, a link to a new asset, without building the graph.
    let could_loop = existing.iter().any(|link| link.supporter == dependant)
        && existing.iter().any(|link| link.dependant == supporter);
    if !could_loop {
        return Ok(());
    }
    let graph = LinkGraph::new(existing, |link| (link.supporter, link.dependant));
    match graph.shortest_path(dependant, supporter) {
        Some(back) => {
            let mut path = Vec::with_capacity(back.len() + 1);
            path.push(supporter);
            path.extend(back);
            Err(CycleError { path })
        }
        None => Ok(()),
    }
}

/// The assets whose effective values may change when `changed`'s own values change: the
/// asset itself and every asset that supports it, directly or through others (value flows
/// from dependants to supporters, so nothing `changed` supports is touched). `changed`
/// comes first, then the others nearest first. After a link is added or removed, the
/// assets to recompute are those affected by a change of the link's supporter.
pub fn affected_by_change(links: &[SupportLink], changed: Uuid) -> Vec<Uuid> {
    if !links.iter().any(|link| link.dependant == changed) {
        return vec![changed];
    }
    let graph = LinkGraph::new(links, |link| (link.dependant, link.supporter));
    graph.reachable_from(changed)
}

/// Every asset's effective values over the whole register. Assets that appear only in
/// links count as not valued but still pass values on, and are in the result. An asset
/// listed twice keeps the higher of each of its values.
///
/// Links should never form a loop ([`check_new_link`] refuses them), but if some do,
/// every asset in the loop gets the highest value found around it.
pub fn effective_values(assets: &[AssetValues], links: &[SupportLink]) -> HashMap<Uuid, Effective> {
    effective_values_given(assets, links, &HashMap::new())
}

/// The effective values of `assets` alone, the effective values of any other asset their
/// links lead to being taken from `known`: after a change, the assets
/// [`affected_by_change`] names, the links out of them, and the stored values of the
/// assets those links reach give the same result as recomputing everything.
/// Links out of an asset that is in `known` and not in `assets` are ignored.
pub fn effective_values_given(
    assets: &[AssetValues],
    links: &[SupportLink],
    known: &HashMap<Uuid, Effective>,
) -> HashMap<Uuid, Effective> {
    Graph::build(assets, links, known).solve()
}

/// Assets numbered 0, 1, 2, ... in the order they are first met, so the walks below index
/// plain arrays instead of hashing an id at every step.
struct Numbering {
    ids: Vec<Uuid>,
    positions: HashMap<Uuid, u32, IdHasher>,
}

impl Numbering {
    fn with_capacity(capacity: usize) -> Self {
        Self {
            ids: Vec::with_capacity(capacity),
            positions: HashMap::with_capacity_and_hasher(capacity, IdHasher::default()),
        }
    }

    /// The number of `id`, and whether it was first met now.
    #[inline]
    fn number(&mut self, id: Uuid) -> (u32, bool) {
        // `get` before `insert`, not the entry API: with `entry` the processor stopped
        // overlapping the cache misses of successive look-ups, and this step, the bulk of
        // building a large graph, took several times longer.
        if let Some(&node) = self.positions.get(&id) {
            return (node, false);
        }
        let node = position(self.ids.len());
        self.positions.insert(id, node);
        self.ids.push(id);
        (node, true)
    }
}

/// For each asset, the assets one step away (compressed sparse rows: the steps of asset
/// `n` are `targets[first[n]..first[n + 1]]`).
struct Adjacency {
    first: Vec<u32>,
    targets: Vec<u32>,
}

impl Adjacency {
    fn new(count: usize, steps: impl Iterator<Item = (u32, u32)> + Clone) -> Self {
        let mut first = vec![0u32; count + 1];
        for (from, _) in steps.clone() {
            first[from as usize + 1] += 1;
        }
        for at in 0..count {
            first[at + 1] += first[at];
        }
        let mut filled = first.clone();
        let mut targets = vec![0u32; first[count] as usize];
        for (from, to) in steps {
            let slot = &mut filled[from as usize];
            targets[*slot as usize] = to;
            *slot += 1;
        }
        Self { first, targets }
    }

    fn of(&self, node: u32) -> &[u32] {
        &self.targets[self.first[node as usize] as usize..self.first[node as usize + 1] as usize]
    }
}

/// Links alone, followed one way, for the searches of [`check_new_link`] and
/// [`affected_by_change`].
struct LinkGraph {
    numbering: Numbering,
    steps: Adjacency,
}

impl LinkGraph {
    fn new(links: &[SupportLink], step: impl Fn(&SupportLink) -> (Uuid, Uuid)) -> Self {
        let mut numbering = Numbering::with_capacity(links.len());
        let pairs: Vec<(u32, u32)> = links
            .iter()
            .map(|link| {
                let (from, to) = step(link);
                (numbering.number(from).0, numbering.number(to).0)
            })
            .collect();
        let steps = Adjacency::new(numbering.ids.len(), pairs.iter().copied());
        Self { numbering, steps }
    }

    fn node(&self, id: Uuid) -> Option<u32> {
        self.numbering.positions.get(&id).copied()
    }

    /// `start` and every asset reachable from it, nearest first.
    fn reachable_from(&self, start: Uuid) -> Vec<Uuid> {
        let Some(start_node) = self.node(start) else {
            return vec![start];
        };
        let mut seen = vec![false; self.numbering.ids.len()];
        seen[start_node as usize] = true;
        let mut reached = vec![start_node];
        let mut next = 0;
        while let Some(&node) = reached.get(next) {
            next += 1;
            for &following in self.steps.of(node) {
                if !std::mem::replace(&mut seen[following as usize], true) {
                    reached.push(following);
                }
            }
        }
        reached
            .into_iter()
            .map(|node| self.numbering.ids[node as usize])
            .collect()
    }

    /// A shortest path from `start` to `goal`, both included.
    fn shortest_path(&self, start: Uuid, goal: Uuid) -> Option<Vec<Uuid>> {
        let (start, goal) = (self.node(start)?, self.node(goal)?);
        let mut reached_from = vec![UNSEEN; self.numbering.ids.len()];
        reached_from[start as usize] = start;
        let mut queue = VecDeque::from([start]);
        while let Some(node) = queue.pop_front() {
            if node == goal {
                let mut path = vec![goal];
                let mut at = goal;
                while at != start {
                    at = reached_from[at as usize];
                    path.push(at);
                }
                path.reverse();
                return Some(
                    path.into_iter()
                        .map(|node| self.numbering.ids[node as usize])
                        .collect(),
                );
            }
            for &following in self.steps.of(node) {
                if reached_from[following as usize] == UNSEEN {
                    reached_from[following as usize] = node;
                    queue.push_back(following);
                }
            }
        }
        None
    }
}

/// Marks beside the visit numbers of [`Graph::settle_loops`]: not reached yet, in the
/// component being settled, settled. `UNSEEN` also marks an asset a search has not reached.
const UNSEEN: u32 = u32::MAX;
const SETTLING: u32 = u32::MAX - 1;
const SETTLED: u32 = u32::MAX - 2;

/// The register as arrays: each asset's own values and its links.
struct Graph {
    /// The assets, then the sources of `given` values that are not assets of the graph.
    ids: Vec<Uuid>,
    /// How many of `ids` are assets of the graph.
    count: usize,
    own: Vec<[Option<u8>; 3]>,
    /// Assets whose effective values are given (`known`): not computed, not returned.
    given: Vec<bool>,
    given_values: Vec<(u32, Values)>,
    /// "supporter supports dependant" as numbers, without the links out of given assets.
    links: Vec<(u32, u32)>,
    /// For each asset, the assets that support it.
    supporters: Adjacency,
}

/// Effective values inside the walk, a third of the size of [`Effective`] so that more of
/// them stay in the cache: per dimension the level and the number of its source
/// (`NO_SOURCE` when there is no value).
#[derive(Clone, Copy)]
struct Values {
    sources: [u32; 3],
    levels: [u8; 3],
}

const NO_SOURCE: u32 = u32::MAX;

impl Values {
    const NONE: Self = Self {
        sources: [NO_SOURCE; 3],
        levels: [0; 3],
    };
}

impl Graph {
    fn build(
        assets: &[AssetValues],
        links: &[SupportLink],
        known: &HashMap<Uuid, Effective>,
    ) -> Self {
        let mut numbering = Numbering::with_capacity(assets.len());
        let mut own: Vec<[Option<u8>; 3]> = Vec::with_capacity(assets.len());
        for asset in assets {
            let values = [asset.confidentiality, asset.integrity, asset.availability];
            match numbering.number(asset.id) {
                (_, true) => own.push(values),
                (node, false) => {
                    // Listed twice: keep the higher of each value.
                    for (kept, given) in own[node as usize].iter_mut().zip(values) {
                        *kept = (*kept).max(given);
                    }
                }
            }
        }
        let listed = own.len();
        let pairs: Vec<(u32, u32)> = links
            .iter()
            .map(|link| {
                (
                    numbering.number(link.supporter).0,
                    numbering.number(link.dependant).0,
                )
            })
            .collect();
        let count = numbering.ids.len();
        own.resize(count, [None; 3]);
        let given: Vec<bool> = (0..count)
            .map(|node| {
                node >= listed && !known.is_empty() && known.contains_key(&numbering.ids[node])
            })
            .collect();
        let mut links = pairs;
        links.retain(|&(supporter, _)| !given[supporter as usize]);
        let supporters = Adjacency::new(
            count,
            links
                .iter()
                .map(|&(supporter, dependant)| (dependant, supporter)),
        );
        let mut given_values = Vec::new();
        for node in (0..count).filter(|&node| given[node]) {
            let mut values = Values::NONE;
            let effective = known[&numbering.ids[node]].dimensions();
            for (dimension, value) in effective.into_iter().enumerate() {
                if let Some(value) = value {
                    values.levels[dimension] = value.level;
                    values.sources[dimension] = numbering.number(value.source).0;
                }
            }
            given_values.push((position(node), values));
        }
        Self {
            ids: numbering.ids,
            count,
            own,
            given,
            given_values,
            links,
            supporters,
        }
    }

    /// Settles every asset after everything it supports: first by peeling off the assets
    /// whose dependants are all settled, starting with those that support nothing (Kahn's
    /// order: each link is followed once, and the look-ups of one asset's supporters are
    /// independent, so the processor overlaps their cache misses). What is left supports a
    /// loop or is in one; [`Graph::settle_loops`] finishes it.
    fn solve(&self) -> HashMap<Uuid, Effective> {
        let count = self.count;
        let mut result: Vec<Values> = vec![Values::NONE; count];
        let mut unsettled_dependants = vec![0u32; count];
        for &(supporter, _) in &self.links {
            unsettled_dependants[supporter as usize] += 1;
        }
        let mut settled: Vec<u32> = (0..position(count))
            .filter(|&node| unsettled_dependants[node as usize] == 0)
            .collect();
        for &(node, values) in &self.given_values {
            result[node as usize] = values;
        }
        let mut next = 0;
        while let Some(&node) = settled.get(next) {
            next += 1;
            if !self.given[node as usize] {
                result[node as usize] = self.with_own(node, result[node as usize]);
            }
            let values = result[node as usize];
            for &supporter in self.supporters.of(node) {
                self.offer_all(&mut result[supporter as usize], values);
                let waiting = &mut unsettled_dependants[supporter as usize];
                *waiting -= 1;
                if *waiting == 0 {
                    settled.push(supporter);
                }
            }
        }
        if settled.len() < count {
            self.settle_loops(&settled, &mut result);
        }

        let mut effective = HashMap::with_capacity(count);
        for (node, values) in result.into_iter().enumerate() {
            if !self.given[node] {
                let dimension = |at: usize| {
                    (values.sources[at] != NO_SOURCE).then(|| EffectiveLevel {
                        level: values.levels[at],
                        source: self.ids[values.sources[at] as usize],
                    })
                };
                let values = [dimension(0), dimension(1), dimension(2)];
                effective.insert(self.ids[node], Effective::from_dimensions(values));
            }
        }
        effective
    }

    /// Tarjan's strongly connected components over the assets not `settled` yet, with
    /// explicit stacks. A component is complete only after every component it reaches, so
    /// each is settled after everything it supports; a component of several assets is a
    /// loop and shares one value.
    fn settle_loops(&self, settled: &[u32], result: &mut [Values]) {
        let count = self.count;
        let supported = Adjacency::new(count, self.links.iter().copied());
        // When each asset was first reached, or one of the marks.
        let mut order = vec![UNSEEN; count];
        for &node in settled {
            order[node as usize] = SETTLED;
        }
        // The earliest asset still open that each asset on the path reaches.
        let mut low = vec![0u32; count];
        // Assets reached whose component is not complete yet.
        let mut open: Vec<u32> = Vec::new();
        // The walk: each asset on it with the position of the next link to follow.
        let mut path: Vec<(u32, usize, usize)> = Vec::new();
        let mut members: Vec<u32> = Vec::new();
        let mut visited = 0u32;

        for root in 0..position(count) {
            if order[root as usize] != UNSEEN {
                continue;
            }
            let mut entering = Some(root);
            loop {
                if let Some(node) = entering.take() {
                    order[node as usize] = visited;
                    low[node as usize] = visited;
                    visited += 1;
                    open.push(node);
                    let links = supported.first[node as usize] as usize
                        ..supported.first[node as usize + 1] as usize;
                    path.push((node, links.start, links.end));
                }
                let Some(&mut (node, ref mut next, end)) = path.last_mut() else {
                    break;
                };
                if *next < end {
                    let dependant = supported.targets[*next];
                    *next += 1;
                    match order[dependant as usize] {
                        UNSEEN => entering = Some(dependant),
                        SETTLED => {}
                        // Still open: on the loop being walked.
                        reached => low[node as usize] = low[node as usize].min(reached),
                    }
                    continue;
                }
                path.pop();
                let node_low = low[node as usize];
                if let Some(&(parent, _, _)) = path.last() {
                    low[parent as usize] = low[parent as usize].min(node_low);
                }
                if node_low == order[node as usize] {
                    members.clear();
                    while let Some(member) = open.pop() {
                        order[member as usize] = SETTLING;
                        members.push(member);
                        if member == node {
                            break;
                        }
                    }
                    self.settle(&supported, &members, &order, result);
                    for &member in &members {
                        order[member as usize] = SETTLED;
                    }
                }
            }
        }
    }

    /// The values of one component (its members marked `SETTLING`), everything it supports
    /// outside it being settled already.
    fn settle(&self, supported: &Adjacency, members: &[u32], order: &[u32], result: &mut [Values]) {
        let mut best = Values::NONE;
        for &member in members {
            // Between members of a loop valued alike, the smaller id, as between dependants.
            for (dimension, own) in self.own[member as usize].into_iter().enumerate() {
                if let Some(level) = own {
                    self.offer(&mut best, dimension, level, member);
                }
            }
            for &dependant in supported.of(member) {
                if order[dependant as usize] != SETTLING {
                    self.offer_all(&mut best, result[dependant as usize]);
                }
            }
        }
        for &member in members {
            result[member as usize] = self.with_own(member, best);
        }
    }

    /// `inherited` raised by the asset's own values. An asset valued as high as what it
    /// supports explains its value itself.
    fn with_own(&self, node: u32, inherited: Values) -> Values {
        let mut values = inherited;
        for (dimension, own) in self.own[node as usize].into_iter().enumerate() {
            if let Some(level) = own
                && (values.sources[dimension] == NO_SOURCE || level >= values.levels[dimension])
            {
                values.levels[dimension] = level;
                values.sources[dimension] = node;
            }
        }
        values
    }

    fn offer_all(&self, best: &mut Values, offered: Values) {
        for dimension in 0..3 {
            if offered.sources[dimension] != NO_SOURCE {
                let (level, source) = (offered.levels[dimension], offered.sources[dimension]);
                self.offer(best, dimension, level, source);
            }
        }
    }

    /// Takes `level` from `source` for `dimension` if it beats the best so far: a higher
    /// level, or the same level from a smaller source id, so the result does not depend on
    /// the order of the input.
    fn offer(&self, best: &mut Values, dimension: usize, level: u8, source: u32) {
        let current = best.sources[dimension];
        let wins = current == NO_SOURCE
            || level > best.levels[dimension]
            || (level == best.levels[dimension]
                && source != current
                && self.ids[source as usize] < self.ids[current as usize]);
        if wins {
            best.levels[dimension] = level;
            best.sources[dimension] = source;
        }
    }
}

/// Hashes asset ids for [`Numbering`]: foldhash is several times faster than the standard
/// hasher on 16-byte keys and seeds itself per map, so ids cannot be chosen to collide; only
/// the speed depends on it, never a result.
type IdHasher = foldhash::fast::RandomState;

/// Positions are `u32` to halve the memory of the arrays, below the marks of
/// [`Graph::settle_loops`]; four billion assets is beyond any register.
fn position(index: usize) -> u32 {
    u32::try_from(index)
        .ok()
        .filter(|&position| position < SETTLED)
        .expect("fewer than 4 billion assets")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(n)
    }

    fn asset(n: u128, c: Option<u8>, i: Option<u8>, a: Option<u8>) -> AssetValues {
        AssetValues {
            id: id(n),
            confidentiality: c,
            integrity: i,
            availability: a,
        }
    }

    fn link(supporter: u128, dependant: u128) -> SupportLink {
        SupportLink {
            supporter: id(supporter),
            dependant: id(dependant),
        }
    }

    fn level(level: u8, source: u128) -> Option<EffectiveLevel> {
        Some(EffectiveLevel {
            level,
            source: id(source),
        })
    }

    const SERVER: u128 = 1;
    const CRM: u128 = 2;
    const CUSTOMER_DATA: u128 = 3;

    #[test]
    fn a_server_takes_on_the_confidentiality_of_the_data_its_application_holds() {
        let assets = [
            asset(SERVER, Some(1), Some(2), Some(4)),
            asset(CRM, Some(2), Some(2), Some(3)),
            asset(CUSTOMER_DATA, Some(3), Some(3), Some(2)),
        ];
        let links = [link(SERVER, CRM), link(CRM, CUSTOMER_DATA)];
        let effective = effective_values(&assets, &links);
        let server = effective[&id(SERVER)];
        assert_eq!(server.confidentiality, level(3, CUSTOMER_DATA));
        assert_eq!(server.integrity, level(3, CUSTOMER_DATA));
        assert_eq!(server.availability, level(4, SERVER));
        let crm = effective[&id(CRM)];
        assert_eq!(crm.confidentiality, level(3, CUSTOMER_DATA));
        assert_eq!(crm.availability, level(3, CRM));
        // What an asset supports never takes on the asset's own value.
        let data = effective[&id(CUSTOMER_DATA)];
        assert_eq!(data.availability, level(2, CUSTOMER_DATA));
        assert_eq!(overall(&server), Some(4));
        assert_eq!(overall(&data), Some(3));
    }

    #[test]
    fn an_asset_valued_as_high_as_its_dependant_is_its_own_source() {
        let assets = [asset(1, Some(3), None, None), asset(2, Some(3), None, None)];
        let effective = effective_values(&assets, &[link(2, 1)]);
        assert_eq!(effective[&id(2)].confidentiality, level(3, 2));
    }

    #[test]
    fn between_equal_dependants_the_smaller_id_is_the_source_whatever_the_order() {
        let assets = [
            asset(1, None, None, None),
            asset(7, Some(2), None, None),
            asset(5, Some(2), None, None),
        ];
        for links in [[link(1, 7), link(1, 5)], [link(1, 5), link(1, 7)]] {
            let effective = effective_values(&assets, &links);
            assert_eq!(effective[&id(1)].confidentiality, level(2, 5));
        }
    }

    #[test]
    fn nothing_valued_gives_no_effective_value_and_no_overall_value() {
        let effective = effective_values(&[asset(1, None, None, None)], &[]);
        assert_eq!(effective[&id(1)], Effective::default());
        assert_eq!(overall(&effective[&id(1)]), None);
        let partly = effective_values(&[asset(1, None, Some(2), None)], &[]);
        assert_eq!(overall(&partly[&id(1)]), Some(2));
    }

    #[test]
    fn assets_known_only_from_links_pass_values_on() {
        let assets = [asset(1, None, None, None), asset(3, None, None, Some(4))];
        let effective = effective_values(&assets, &[link(1, 2), link(2, 3)]);
        assert_eq!(effective[&id(1)].availability, level(4, 3));
        assert_eq!(effective[&id(2)].availability, level(4, 3));
        assert_eq!(effective.len(), 3);
    }

    #[test]
    fn an_asset_listed_twice_keeps_the_higher_of_each_value() {
        let assets = [
            asset(1, Some(3), None, Some(1)),
            asset(1, Some(1), Some(2), None),
        ];
        let effective = effective_values(&assets, &[]);
        assert_eq!(effective.len(), 1);
        let values = effective[&id(1)];
        assert_eq!(values.confidentiality, level(3, 1));
        assert_eq!(values.integrity, level(2, 1));
        assert_eq!(values.availability, level(1, 1));
    }

    #[test]
    fn every_asset_in_a_loop_gets_the_highest_value_around_it() {
        let assets = [
            asset(1, Some(1), None, None),
            asset(2, Some(2), None, None),
            asset(3, Some(1), None, None),
            asset(4, Some(4), None, None),
            asset(5, None, None, None),
        ];
        // 1 → 2 → 3 → 1 is a loop; 3 also supports 4; 5 supports the loop.
        let links = [link(1, 2), link(2, 3), link(3, 1), link(3, 4), link(5, 1)];
        let effective = effective_values(&assets, &links);
        for member in [1, 2, 3, 5] {
            assert_eq!(
                effective[&id(member)].confidentiality,
                level(4, 4),
                "{member}"
            );
        }
        assert_eq!(effective[&id(4)].confidentiality, level(4, 4));
        let without_the_way_out = effective_values(&assets, &links[..3]);
        assert_eq!(without_the_way_out[&id(1)].confidentiality, level(2, 2));
        assert_eq!(without_the_way_out[&id(2)].confidentiality, level(2, 2));
        assert_eq!(without_the_way_out[&id(3)].confidentiality, level(2, 2));
    }

    #[test]
    fn a_self_link_changes_nothing() {
        let assets = [asset(1, Some(2), None, None)];
        let effective = effective_values(&assets, &[link(1, 1)]);
        assert_eq!(effective[&id(1)].confidentiality, level(2, 1));
    }

    #[test]
    fn known_values_stand_in_for_assets_not_recomputed() {
        let known = HashMap::from([(
            id(CUSTOMER_DATA),
            Effective {
                confidentiality: level(4, 99),
                ..Effective::default()
            },
        )]);
        let assets = [
            asset(SERVER, Some(1), None, None),
            asset(CRM, None, None, None),
        ];
        // The link out of the customer data is ignored: its value is known.
        let links = [
            link(SERVER, CRM),
            link(CRM, CUSTOMER_DATA),
            link(CUSTOMER_DATA, 50),
        ];
        let effective = effective_values_given(&assets, &links, &known);
        assert_eq!(effective.len(), 3, "{effective:?}");
        assert!(!effective.contains_key(&id(CUSTOMER_DATA)));
        assert_eq!(effective[&id(SERVER)].confidentiality, level(4, 99));
        assert_eq!(effective[&id(CRM)].confidentiality, level(4, 99));
    }

    #[test]
    fn an_asset_in_known_and_in_assets_is_recomputed() {
        let known = HashMap::from([(
            id(1),
            Effective {
                confidentiality: level(4, 1),
                ..Effective::default()
            },
        )]);
        let effective = effective_values_given(&[asset(1, Some(2), None, None)], &[], &known);
        assert_eq!(effective[&id(1)].confidentiality, level(2, 1));
    }

    #[test]
    fn a_link_to_itself_is_refused() {
        let error = check_new_link(&[], id(1), id(1)).expect_err("refused");
        assert_eq!(error.path, [id(1), id(1)]);
        assert_eq!(
            error.explain(|_| "CRM".into()),
            "CRM cannot support itself."
        );
    }

    #[test]
    fn a_link_closing_a_loop_is_refused_and_the_loop_named_in_order() {
        let names = |asset: Uuid| match asset.as_u128() {
            SERVER => "Server".to_owned(),
            CRM => "CRM".to_owned(),
            CUSTOMER_DATA => "Customer data".to_owned(),
            other => other.to_string(),
        };
        let links = [link(SERVER, CRM), link(CRM, CUSTOMER_DATA), link(8, 9)];
        let error = check_new_link(&links, id(CUSTOMER_DATA), id(SERVER)).expect_err("loop");
        assert_eq!(
            error.path,
            [id(CUSTOMER_DATA), id(SERVER), id(CRM), id(CUSTOMER_DATA)]
        );
        assert_eq!(
            error.explain(names),
            "This link would close a loop: Customer data supports Server, Server supports CRM \
             and CRM supports Customer data. An asset cannot depend on itself, directly or \
             through others."
        );
        let error = check_new_link(&links, id(CRM), id(SERVER)).expect_err("loop");
        assert_eq!(error.path, [id(CRM), id(SERVER), id(CRM)]);
        assert_eq!(
            error.explain(names),
            "This link would close a loop: CRM supports Server and Server supports CRM. An \
             asset cannot depend on itself, directly or through others."
        );
    }

    #[test]
    fn links_that_close_no_loop_are_allowed() {
        let links = [link(SERVER, CRM), link(CRM, CUSTOMER_DATA)];
        assert_eq!(
            check_new_link(&links, id(SERVER), id(CUSTOMER_DATA)),
            Ok(())
        );
        assert_eq!(check_new_link(&links, id(SERVER), id(CRM)), Ok(()));
        assert_eq!(check_new_link(&links, id(4), id(SERVER)), Ok(()));
        assert_eq!(check_new_link(&links, id(CUSTOMER_DATA), id(4)), Ok(()));
    }

    #[test]
    fn a_change_affects_the_asset_and_what_supports_it_not_what_it_supports() {
        let links = [
            link(SERVER, CRM),
            link(CRM, CUSTOMER_DATA),
            link(10, SERVER),
            link(11, CRM),
            link(11, SERVER),
        ];
        assert_eq!(
            affected_by_change(&links, id(CRM)),
            [id(CRM), id(SERVER), id(11), id(10)]
        );
        assert_eq!(affected_by_change(&links, id(10)), [id(10)]);
        assert_eq!(affected_by_change(&[], id(5)), [id(5)]);
    }

    #[test]
    fn a_chain_of_a_hundred_thousand_assets_needs_no_deep_stack() {
        let length = 100_000u128;
        let assets: Vec<AssetValues> = (0..length).map(|n| asset(n, None, None, None)).collect();
        let mut assets = assets;
        assets[length as usize - 1].integrity = Some(3);
        let links: Vec<SupportLink> = (1..length).map(|n| link(n - 1, n)).collect();
        let effective = effective_values(&assets, &links);
        assert_eq!(effective[&id(0)].integrity, level(3, length - 1));
        assert_eq!(
            affected_by_change(&links, id(length - 1)).len(),
            length as usize
        );
        let error = check_new_link(&links, id(length - 1), id(0)).expect_err("loop");
        assert_eq!(error.path.len(), length as usize + 1);
        // The same chain closed into one loop.
        let mut looped = links.clone();
        looped.push(link(length - 1, 0));
        let effective = effective_values(&assets, &looped);
        assert_eq!(effective[&id(length / 2)].integrity, level(3, length - 1));
    }

    /// A small, seeded generator: the same register on every run.
    struct SplitMix(u64);

    impl SplitMix {
        fn next(&mut self) -> u64 {
            self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut z = self.0;
            z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            z ^ (z >> 31)
        }

        fn below(&mut self, bound: u64) -> u64 {
            self.next() % bound
        }
    }

    /// A million assets and two million links, the scale issue 7 asks for. Not a timed
    /// test: run it in release and read the figures.
    /// `cargo test -p custos-domain --release --lib -- --ignored --nocapture million`
    #[test]
    #[ignore = "benchmark: run in release with --ignored --nocapture"]
    fn a_million_assets_and_two_million_links() {
        let mut random = SplitMix(7);
        let count = 1_000_000usize;
        let ids: Vec<Uuid> = (0..count)
            .map(|_| Uuid::from_u64_pair(random.next(), random.next()))
            .collect();
        let value = |random: &mut SplitMix| match random.below(5) {
            0 => None,
            level => Some(level as u8),
        };
        let assets: Vec<AssetValues> = ids
            .iter()
            .map(|&id| AssetValues {
                id,
                confidentiality: value(&mut random),
                integrity: value(&mut random),
                availability: value(&mut random),
            })
            .collect();
        // Links from an earlier asset to a later one: a random graph with no loop.
        let links: Vec<SupportLink> = (0..2 * count + count / 100)
            .filter_map(|_| {
                let a = random.below(count as u64) as usize;
                let b = random.below(count as u64) as usize;
                (a != b).then(|| SupportLink {
                    supporter: ids[a.min(b)],
                    dependant: ids[a.max(b)],
                })
            })
            .take(2 * count)
            .collect();

        // Three runs: on a shared machine the fastest says most about the code.
        let mut runs = Vec::new();
        let mut effective = HashMap::new();
        for _ in 0..3 {
            drop(std::mem::take(&mut effective));
            let started = std::time::Instant::now();
            effective = effective_values(&assets, &links);
            runs.push(started.elapsed());
        }
        assert_eq!(effective.len(), count);

        // The last asset supports nothing and has the most assets supporting it.
        let changed = ids[count - 1];
        let started = std::time::Instant::now();
        let affected = affected_by_change(&links, changed);
        let affected_time = started.elapsed();

        // What the app does after that change: recompute the affected assets alone, from
        // the links out of them and the stored values of the other assets those reach.
        let affected_set: std::collections::HashSet<Uuid> = affected.iter().copied().collect();
        let affected_assets: Vec<AssetValues> = assets
            .iter()
            .filter(|asset| affected_set.contains(&asset.id))
            .copied()
            .collect();
        let affected_links: Vec<SupportLink> = links
            .iter()
            .filter(|link| affected_set.contains(&link.supporter))
            .copied()
            .collect();
        let known: HashMap<Uuid, Effective> = affected_links
            .iter()
            .filter(|link| !affected_set.contains(&link.dependant))
            .map(|link| (link.dependant, effective[&link.dependant]))
            .collect();
        let started = std::time::Instant::now();
        let recomputed = effective_values_given(&affected_assets, &affected_links, &known);
        let recompute_time = started.elapsed();
        assert_eq!(recomputed.len(), affected.len());

        let started = std::time::Instant::now();
        let check = check_new_link(&links, ids[count - 1], ids[0]);
        let check_time = started.elapsed();

        println!(
            "effective_values: {} assets, {} links in {runs:?}\n\
             affected_by_change: {} assets in {affected_time:?}\n\
             effective_values_given for those: {} links, {} known, in {recompute_time:?}\n\
             check_new_link ({}) in {check_time:?}",
            assets.len(),
            links.len(),
            affected.len(),
            affected_links.len(),
            known.len(),
            if check.is_ok() { "allowed" } else { "refused" },
        );
    }
}
