//! What a list request asks for: search text, filters, sort and page. Every list in the UI and
//! the API is read through this one shape so pagination and sorting behave the same everywhere.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

pub const DEFAULT_PAGE_SIZE: u32 = 25;
pub const MAX_PAGE_SIZE: u32 = 200;

crate::text_enum! {
    /// Which way a list is sorted.
    pub enum SortDirection {
        Asc => "asc", "Ascending";
        Desc => "desc", "Descending";
    }
}

impl SortDirection {
    pub fn flipped(self) -> Self {
        match self {
            Self::Asc => Self::Desc,
            Self::Desc => Self::Asc,
        }
    }
}

/// A page window. `limit` is always within 1..=MAX_PAGE_SIZE. A page either skips `offset`
/// rows or, for clients walking a whole register, starts after the row numbered `after`
/// (keyset pagination: as fast on the last page as on the first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Page {
    pub limit: u32,
    pub offset: u64,
    pub after: Option<i64>,
}

impl Page {
    pub fn new(limit: Option<u32>, offset: Option<u64>) -> Self {
        Self {
            limit: limit.unwrap_or(DEFAULT_PAGE_SIZE).clamp(1, MAX_PAGE_SIZE),
            offset: offset.unwrap_or(0),
            after: None,
        }
    }

    /// The rows after the one numbered `after`, in the register's number order.
    pub fn after(limit: Option<u32>, after: i64) -> Self {
        Self {
            after: Some(after),
            ..Self::new(limit, None)
        }
    }

    /// Page numbers start at 1, as people count them.
    pub fn numbered(number: u64, limit: u32) -> Self {
        let limit = limit.clamp(1, MAX_PAGE_SIZE);
        Self {
            limit,
            offset: number.saturating_sub(1).saturating_mul(u64::from(limit)),
            after: None,
        }
    }

    pub fn number(&self) -> u64 {
        self.offset / u64::from(self.limit) + 1
    }

    pub fn page_count(&self, total: u64) -> u64 {
        total.div_ceil(u64::from(self.limit)).max(1)
    }

    /// Every row, for exports: exports are bounded by this instead of a page.
    pub fn everything() -> Self {
        Self {
            limit: u32::MAX,
            offset: 0,
            after: None,
        }
    }
}

/// One page of rows and the number of rows matching the filter. Counting stops at a limit
/// (the store's), so on a very large register `total` may be a lower bound: then
/// `total_exact` is false and the list says "more than {total}".
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Listed<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub total_exact: bool,
}

impl<T> Listed<T> {
    pub fn exact(items: Vec<T>, total: u64) -> Self {
        Self {
            items,
            total,
            total_exact: true,
        }
    }

    /// More than `total` rows match; counting stopped there.
    pub fn at_least(items: Vec<T>, total: u64) -> Self {
        Self {
            items,
            total,
            total_exact: false,
        }
    }
}

/// The key text columns sort by, the same on every backend: lower case, accents removed
/// (compatibility decomposition, combining marks dropped), then compared byte by byte
/// (SQLite's BINARY, PostgreSQL's "C" collation). So "Éclair" sorts with "eclair", between
/// "eagle" and "zebra", whatever the database's locale.
pub fn sort_key(text: &str) -> String {
    text.nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sort_keys_ignore_case_and_accents() {
        assert_eq!(sort_key("Éclair Ǆ ﬁ"), "eclair dz fi");
        let mut titles = ["zebra", "Éclair", "eagle", "Apple", "äpfel"];
        titles.sort_by_key(|t| sort_key(t));
        assert_eq!(titles, ["äpfel", "Apple", "eagle", "Éclair", "zebra"]);
    }

    #[test]
    fn page_limits_are_clamped_and_numbers_start_at_one() {
        assert_eq!(Page::new(Some(0), None).limit, 1);
        assert_eq!(Page::new(Some(10_000), None).limit, MAX_PAGE_SIZE);
        let page = Page::numbered(3, 20);
        assert_eq!(page.offset, 40);
        assert_eq!(page.number(), 3);
        assert_eq!(Page::numbered(0, 20).offset, 0);
        assert_eq!(Page::numbered(u64::MAX, 200).offset, u64::MAX);
        assert_eq!(page.page_count(41), 3);
        assert_eq!(page.page_count(0), 1);
    }
}
