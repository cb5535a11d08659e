//! OSCAL files are uploaded by anyone: no bytes, and no edit of a valid catalog, may panic
//! the reader (a stand-in for the fuzz target until `crates/formats/fuzz` exists).

use custos_formats::oscal::{catalog, profile};
use proptest::prelude::*;

/// A catalog with groups, an enhancement, parameters, insertions and a withdrawn control.
const SMALL: &str = r##"{"catalog": {"uuid": "u", "metadata": {"title": "Tiny", "version": "1",
 "parties": [{"uuid": "p", "name": "Us"}], "responsible-parties": [{"role-id": "creator", "party-uuids": ["p"]}]},
 "groups": [{"id": "tc", "title": "Tiny Controls", "groups": [{"id": "tc.s", "title": "Sub"}],
  "controls": [{"id": "tc-1", "title": "Policy",
   "params": [{"id": "tc-1_prm_1", "label": "who"}, {"id": "tc-1_prm_2", "select": {"choice": ["a", "{{ insert: param, tc-1_prm_1 }}"]}}],
   "props": [{"name": "label", "value": "TC-1"}, {"name": "sort-id", "value": "tc-01"}, {"name": "x", "value": "y"}],
   "parts": [{"id": "s", "name": "statement", "prose": "Tell {{ insert: param, tc-1_prm_1 }}.",
     "parts": [{"id": "s.a", "name": "item", "props": [{"name": "label", "value": "a."}], "prose": "{{ insert: param, tc-1_prm_2 }}"}]},
    {"id": "g", "name": "guidance", "prose": "Do it."}],
   "controls": [{"id": "tc-1.1", "title": "More", "props": [{"name": "label", "value": "TC-1(1)"}]},
    {"id": "tc-1.2", "title": "Gone", "props": [{"name": "status", "value": "withdrawn"}]}]}]}]}}"##;

/// The shared basic catalog when it is beside the repository, else [`SMALL`].
fn seed() -> Vec<u8> {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/fixtures/oscal/basic-catalog.json");
    std::fs::read(path).unwrap_or_else(|_| SMALL.as_bytes().to_vec())
}

#[test]
fn the_oscal_seeds_read() {
    assert!(catalog(SMALL.as_bytes(), "tiny").is_ok());
    assert!(catalog(&seed(), "seed").is_ok());
}

proptest! {
    #[test]
    fn arbitrary_bytes_never_panic_the_oscal_readers(bytes in prop::collection::vec(any::<u8>(), 0..2_000)) {
        let _ = catalog(&bytes, "x");
        let _ = profile(&bytes);
    }

    #[test]
    fn arbitrary_text_never_panics_the_oscal_readers(text in any::<String>()) {
        let _ = catalog(text.as_bytes(), "x");
        let _ = profile(text.as_bytes());
    }

    #[test]
    fn arbitrary_edits_of_an_oscal_catalog_never_panic(
        edits in prop::collection::vec(
            (any::<prop::sample::Index>(), 0usize..24, prop::collection::vec(any::<u8>(), 0..8)),
            1..6,
        ),
        json_like in "[\\[\\]{}:,\" \n\\\\a-z0-9{}-]{0,12}",
        small in any::<bool>(),
    ) {
        let mut bytes = if small { SMALL.as_bytes().to_vec() } else { seed() };
        for (round, (at, cut, insert)) in edits.into_iter().enumerate() {
            let start = at.index(bytes.len() + 1);
            let end = (start + cut).min(bytes.len());
            // Half the edits insert JSON punctuation, which reaches deeper into the reader
            // than random bytes do.
            let insert = if round % 2 == 0 { insert } else { json_like.as_bytes().to_vec() };
            bytes.splice(start..end, insert);
        }
        let _ = catalog(&bytes, "x");
    }
}
