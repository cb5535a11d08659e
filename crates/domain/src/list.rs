//! What a list request asks for: search text, filters, sort and page. Every list in the UI and
//! the API is read through this one shape so pagination and sorting behave the same everywhere.

use serde::Serialize;
use unicode_normalization::UnicodeNormalization;

use crate::text_enum::TextEnum;
use crate::validation::ValidationErrors;
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
    /// A window chosen by Custos itself (a home-page box of 10, a count of 1); sizes outside
    /// 1..=MAX_PAGE_SIZE are brought within it. What a client asks for goes through
    /// [`Page::requested`] instead, which refuses them.
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

    /// The window a client asked for with `limit` and `offset`: a limit outside
    /// 1..=MAX_PAGE_SIZE is refused, never clamped (a client asking for 1,000 rows that
    /// silently got 200 would believe it had them all).
    pub fn requested(limit: Option<u32>, offset: Option<u64>) -> Result<Self, ValidationErrors> {
        let mut errors = ValidationErrors::new();
        let limit = page_size(&mut errors, "limit", limit);
        errors.into_result(Self::new(limit, offset))
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

    #[test]
    fn limits_a_client_asks_for_are_refused_outside_one_to_two_hundred() {
        for refused in [0, MAX_PAGE_SIZE + 1, u32::MAX] {
            let errors = Page::requested(Some(refused), None).expect_err("refused");
            assert_eq!(
                errors.for_field("limit"),
                Some("Use a page size from 1 to 200 (the default is 25).")
            );
        }
        assert_eq!(
            Page::requested(None, Some(5)).map(|p| (p.limit, p.offset)),
            Ok((25, 5))
        );
        assert_eq!(Page::requested(Some(200), None).map(|p| p.limit), Ok(200));
        let params = |limit, per_page| ListParams {
            limit,
            per_page,
            page: per_page.map(|_| 2),
            ..ListParams::default()
        };
        let number = SortDirection::Asc;
        let request = |p: ListParams| {
            p.request((), "", number, number, ValidationErrors::new())
                .map(|r| r.page.limit)
        };
        assert_eq!(request(params(Some(1), None)), Ok(1));
        assert_eq!(request(params(None, Some(200))), Ok(200));
        let errors = request(params(Some(0), None)).expect_err("limit=0");
        assert!(errors.for_field("limit").is_some());
        let errors = request(params(None, Some(201))).expect_err("per_page=201");
        assert!(errors.for_field("per_page").is_some());
    }

    #[test]
    fn search_and_enum_parameters_follow_the_text_rule_without_echoing_it() {
        let params = ListParams {
            q: "a\0b".into(),
            dir: "asc\u{1b}".into(),
            ..ListParams::default()
        };
        let mut errors = ValidationErrors::new();
        assert_eq!(params.search(&mut errors), None);
        let asc = SortDirection::Asc;
        let errors = params
            .request((), "", asc, asc, errors)
            .expect_err("refused");
        for field in ["q", "dir"] {
            let message = errors.for_field(field).expect(field);
            assert!(
                message.starts_with("Remove the control character"),
                "{message}"
            );
        }
    }
}

/// The parameters every list takes, as a query string carries them: the same for the API and
/// the pages, parsed with the same strictness (an unknown sort is an error everywhere, never
/// silently dropped). A register adds its own filter parameters and `sort` beside these.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Text searched in the reference and title.
    #[serde(default)]
    pub q: String,
    #[serde(default)]
    #[param(value_type = Option<SortDirection>)]
    pub dir: String,
    /// Rows per page, 1 to 200 (default 25).
    pub limit: Option<u32>,
    /// Rows to skip.
    pub offset: Option<u64>,
    /// Keyset pagination: the `number` of the last row received (`next_after` of the
    /// previous page); walks the register in number order, as fast on the last page as on
    /// the first. Not combined with `offset`.
    pub after: Option<i64>,
    /// Pages: the page number, from 1 (instead of `offset`).
    pub page: Option<u64>,
    /// Pages: rows per page (instead of `limit`).
    pub per_page: Option<u32>,
}

/// A checked list request: what to show, in which order, which window.
#[derive(Debug, Clone, PartialEq)]
pub struct ListRequest<F, S> {
    pub filter: F,
    pub sort: S,
    pub direction: SortDirection,
    pub page: Page,
}

/// A page size a client asked for, checked: `None` when absent or refused (and then
/// `errors` says why, naming `field`).
pub fn page_size(
    errors: &mut ValidationErrors,
    field: &str,
    requested: Option<u32>,
) -> Option<u32> {
    let size = requested?;
    if (1..=MAX_PAGE_SIZE).contains(&size) {
        Some(size)
    } else {
        errors.add(
            field,
            format!(
                "Use a page size from 1 to {MAX_PAGE_SIZE} (the default is {DEFAULT_PAGE_SIZE})."
            ),
        );
        None
    }
}

impl ListParams {
    /// The search text, if any, checked by the text rule every input follows.
    pub fn search(&self, errors: &mut ValidationErrors) -> Option<String> {
        crate::validation::text_param(errors, "q", &self.q)
    }

    /// Checks the register's `sort`, the direction and the window, and pairs them with
    /// `filter`. `keyset_sort` is the sort `after` walks by (the register's number); other
    /// sorts refuse `after`.
    pub fn request<F, S: TextEnum + PartialEq>(
        &self,
        filter: F,
        sort: &str,
        default_sort: S,
        keyset_sort: S,
        mut errors: ValidationErrors,
    ) -> Result<ListRequest<F, S>, ValidationErrors> {
        let sort = enum_param(&mut errors, "sort", sort).unwrap_or(default_sort);
        let direction = enum_param(&mut errors, "dir", &self.dir).unwrap_or(SortDirection::Asc);
        let limit = page_size(&mut errors, "limit", self.limit);
        let per_page = page_size(&mut errors, "per_page", self.per_page);
        let page = match (self.after, self.offset, self.page) {
            (Some(_), Some(_), _) | (Some(_), _, Some(_)) => {
                errors.add("after", "Use either after or offset (or page), not both.");
                Page::new(limit, None)
            }
            (Some(_), None, None) if sort != keyset_sort => {
                errors.add(
                    "after",
                    format!(
                        "after walks the register by {}: sort by it.",
                        keyset_sort.as_str()
                    ),
                );
                Page::new(limit, None)
            }
            (Some(after), None, None) => Page::after(limit, after),
            (None, _, Some(number)) => {
                Page::numbered(number, per_page.or(limit).unwrap_or(DEFAULT_PAGE_SIZE))
            }
            (None, offset, None) => Page::new(limit.or(per_page), offset),
        };
        errors.into_result(ListRequest {
            filter,
            sort,
            direction,
            page,
        })
    }
}

/// A filter or sort parameter naming a value of a text enum: empty means "not given"; an
/// unknown name is an error that lists the known ones.
pub fn enum_param<T: TextEnum>(errors: &mut ValidationErrors, field: &str, raw: &str) -> Option<T> {
    // The text rule first, so a refused value is never echoed back in the message.
    let raw = crate::validation::text_param(errors, field, raw)?;
    let raw = raw.as_str();
    let parsed = T::parse(raw);
    if parsed.is_none() {
        errors.add(field, format!("Unknown value \"{raw}\". {}", T::expected()));
    }
    parsed
}
