//! Property tests of the asset import's row checks: whatever a file holds, checking it never
//! panics and every error points at a row and column of the file; a file that checks out
//! plans each row once and no loop; and importing what was planned, then the same file
//! again, changes nothing.

use std::collections::{HashMap, HashSet};

use custos_domain::assets::Asset;
use custos_domain::assets::classification::ClassificationScheme;
use custos_domain::assets::impact::ImpactScale;
use custos_domain::assets::import::{
    ImportPlan, ImportSheet, Inventory, REGISTER_COLUMNS, RowAction, SheetColumn, SheetRow,
    plan_import,
};
use custos_domain::assets::review::ReviewPeriod;
use custos_domain::assets::valuation::{SupportLink, check_new_link};
use custos_domain::platform::{Member, Role};
use proptest::prelude::*;
use uuid::Uuid;

fn members() -> Vec<Member> {
    ["Maya Manager", "Olga Owner", "Olga Owner"]
        .iter()
        .enumerate()
        .map(|(index, name)| Member {
            user_id: Uuid::from_u128(1000 + index as u128),
            name: (*name).into(),
            email: format!("m{index}@acme.example"),
            role: Role::Contributor,
        })
        .collect()
}

/// Cell values that mean something to the import, and noise.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        2 => Just(String::new()),
        1 => prop::sample::select(vec![
            "information", "Software", "site", "spaceship", "In use", "planned", "retired",
            "m0@acme.example", "Olga Owner", "Maya Manager", "nobody", "Public", "confidential",
            "3", "9", "0", "-1", "serious", "2027-02-30", "2027-03-31", "AST-0001", "ast-2",
            "AST-", "X1", "X2; X3", "X1;X1", "a, b, a", "crm\u{0}", "line\nbreak", " ",
        ])
        .prop_map(str::to_owned),
        1 => "\\PC{0,12}",
        1 => "[XA-Z;, -]{0,8}",
    ]
}

fn letter(index: usize) -> String {
    char::from(b'A' + index as u8).to_string()
}

fn sheet_of(keys: &[&'static str], rows: Vec<Vec<String>>) -> ImportSheet {
    ImportSheet {
        columns: keys
            .iter()
            .enumerate()
            .map(|(index, key)| SheetColumn {
                key,
                letter: letter(index),
                header: (*key).to_owned(),
            })
            .collect(),
        rows: rows
            .into_iter()
            .enumerate()
            .map(|(index, values)| SheetRow {
                number: index + 2,
                values,
            })
            .collect(),
    }
}

/// Any subset of the register's columns, in any order, and rows of any cells.
fn any_sheet() -> impl Strategy<Value = ImportSheet> {
    (
        prop::sample::subsequence(REGISTER_COLUMNS.to_vec(), 0..=REGISTER_COLUMNS.len())
            .prop_shuffle(),
        0usize..12,
    )
        .prop_flat_map(|(keys, rows)| {
            let width = keys.len();
            (
                Just(keys),
                prop::collection::vec(prop::collection::vec(cell(), width), rows),
            )
        })
        .prop_map(|(keys, rows)| sheet_of(&keys, rows))
}

/// A stored inventory: a few assets, some with external ids, and links between them.
struct World {
    assets: Vec<Asset>,
    links: Vec<SupportLink>,
    members: Vec<Member>,
    scheme: ClassificationScheme,
    scale: ImpactScale,
    period: ReviewPeriod,
    next_id: u128,
}

impl World {
    fn new() -> Self {
        Self {
            assets: Vec::new(),
            links: Vec::new(),
            members: members(),
            scheme: ClassificationScheme::default_scheme(),
            scale: ImpactScale::default(),
            period: ReviewPeriod::default(),
            next_id: 1,
        }
    }

    fn plan(&mut self, sheet: &ImportSheet) -> ImportPlan {
        let inventory = Inventory {
            assets: &self.assets,
            links: &self.links,
            members: &self.members,
            classification: &self.scheme,
            impact: &self.scale,
            review_period: &self.period,
        };
        let next_id = &mut self.next_id;
        plan_import(sheet, &inventory, || {
            *next_id += 1;
            Uuid::from_u128(*next_id)
        })
    }

    /// Stores what `plan` says, as the app would.
    fn apply(&mut self, plan: &ImportPlan) {
        for row in &plan.rows {
            let draft = row.draft.clone();
            let stored = self.assets.iter_mut().find(|a| a.id == row.id);
            let (number, version) = match (row.action, stored) {
                (RowAction::Unchanged { .. }, _) => continue,
                (RowAction::Update { number, version }, Some(_)) => (number, version + 1),
                _ => (self.assets.len() as i64 + 1, 1),
            };
            self.assets.retain(|a| a.id != row.id);
            let mut asset = Asset::inserted(
                row.id,
                number,
                &draft,
                |_| None,
                time::OffsetDateTime::UNIX_EPOCH,
            );
            asset.version = version;
            self.assets.push(asset);
        }
        self.links.retain(|l| {
            !plan
                .links_removed
                .iter()
                .any(|r| r.supporter == l.supporter && r.dependant == l.dependant)
        });
        self.links
            .extend(plan.links_added.iter().map(|l| SupportLink {
                supporter: l.supporter,
                dependant: l.dependant,
            }));
    }
}

/// Rows that all carry an external id (`X0`, `X1`, ...), supporting each other at random:
/// files that can be imported again and again.
fn identified_sheet() -> impl Strategy<Value = ImportSheet> {
    (1usize..10).prop_flat_map(|count| {
        prop::collection::vec(
            (
                prop::sample::select(vec!["information", "software", "hardware", "site"]),
                prop::sample::select(vec!["", "Maya Manager", "m1@acme.example"]),
                prop::sample::select(vec!["", "Public", "4", "confidential"]),
                prop::sample::select(vec!["", "1", "serious"]),
                prop::collection::vec(0..count, 0..3),
            ),
            count,
        )
        .prop_map(move |rows| {
            let rows = rows
                .into_iter()
                .enumerate()
                .map(|(index, (kind, owner, class, level, supports))| {
                    // Only later rows: the file itself never closes a loop.
                    let supports: Vec<String> = supports
                        .into_iter()
                        .filter(|target| *target > index)
                        .map(|target| format!("X{target}"))
                        .collect();
                    vec![
                        format!("X{index}"),
                        format!("Asset {index}"),
                        kind.to_owned(),
                        owner.to_owned(),
                        class.to_owned(),
                        level.to_owned(),
                        supports.join("; "),
                    ]
                })
                .collect();
            sheet_of(
                &[
                    "external_id",
                    "name",
                    "type",
                    "owner",
                    "classification",
                    "availability",
                    "supports",
                ],
                rows,
            )
        })
    })
}

fn has_loop(links: &[SupportLink]) -> bool {
    links.iter().enumerate().any(|(index, link)| {
        let others: Vec<SupportLink> = links
            .iter()
            .enumerate()
            .filter(|(other, _)| *other != index)
            .map(|(_, l)| *l)
            .collect();
        check_new_link(&others, link.supporter, link.dependant).is_err()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn any_file_is_checked_without_panicking_and_errors_point_into_it(sheet in any_sheet()) {
        let mut world = World::new();
        let plan = world.plan(&sheet);
        let rows: HashSet<usize> = sheet.rows.iter().map(|r| r.number).collect();
        let letters: HashSet<&str> = sheet.columns.iter().map(|c| c.letter.as_str()).collect();
        for error in &plan.errors {
            prop_assert!(!error.message.is_empty());
            if let Some(row) = error.row {
                prop_assert!(rows.contains(&row), "{error}");
            }
            if let Some(column) = &error.column {
                prop_assert!(letters.contains(column.as_str()), "{error}");
            }
        }
        if plan.errors.is_empty() {
            prop_assert_eq!(plan.rows.len(), sheet.rows.len());
            let ids: HashSet<Uuid> = plan.rows.iter().map(|r| r.id).collect();
            prop_assert_eq!(ids.len(), plan.rows.len(), "one asset per row");
        } else {
            prop_assert!(plan.rows.is_empty() && plan.links_added.is_empty());
        }
    }

    #[test]
    fn an_imported_file_imports_again_unchanged_and_never_closes_a_loop(
        first in identified_sheet(),
        second in identified_sheet(),
    ) {
        let mut world = World::new();
        for sheet in [&first, &second] {
            let plan = world.plan(sheet);
            prop_assert!(plan.errors.is_empty(), "{:?}", plan.errors);
            world.apply(&plan);
            prop_assert!(!has_loop(&world.links));
            let again = world.plan(sheet);
            prop_assert!(again.errors.is_empty(), "{:?}", again.errors);
            prop_assert!(again.changes_nothing(), "{again:?}");
        }
        // The second file updated the first's assets by external id; nothing doubled.
        let external_ids: HashMap<&str, usize> = world
            .assets
            .iter()
            .filter_map(|a| a.external_id.as_deref())
            .fold(HashMap::new(), |mut seen, id| {
                *seen.entry(id).or_default() += 1;
                seen
            });
        prop_assert!(external_ids.values().all(|count| *count == 1));
        prop_assert_eq!(world.assets.len(), first.rows.len().max(second.rows.len()));
    }
}
