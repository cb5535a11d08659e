//! The list component shared by every register page: the current filter, sort links,
//! pagination and the CSV export of the filtered rows.

use custos_app::domain::list::{Page, SortDirection};

/// A sortable column header.
pub struct SortHeader {
    pub label: &'static str,
    pub href: String,
    /// `ascending`, `descending` or `none`, for the `aria-sort` attribute.
    pub aria_sort: &'static str,
}

pub struct PageLink {
    pub label: String,
    pub href: Option<String>,
    pub current: bool,
}

/// Where a list stands: path, filter parameters, sort and page, and how many rows match.
pub struct ListState {
    path: String,
    filters: Vec<(&'static str, String)>,
    pub sort: String,
    pub direction: SortDirection,
    pub page: Page,
    pub total: u64,
    /// False when counting stopped at the store's limit: `total` is then a lower bound.
    pub total_exact: bool,
}

impl ListState {
    pub fn new(
        path: String,
        filters: Vec<(&'static str, String)>,
        sort: &str,
        direction: SortDirection,
        page: Page,
    ) -> Self {
        Self {
            path,
            filters: filters.into_iter().filter(|(_, v)| !v.is_empty()).collect(),
            sort: sort.to_owned(),
            direction,
            page,
            total: 0,
            total_exact: true,
        }
    }

    /// Takes the count of a listed page.
    pub fn set_total<T>(&mut self, listed: &custos_app::domain::list::Listed<T>) {
        self.total = listed.total;
        self.total_exact = listed.total_exact;
    }

    /// "1 objective", "12 objectives", or "More than 10000 objectives" when counting stopped.
    pub fn counted(&self, one: &str, many: &str) -> String {
        match (self.total_exact, self.total) {
            (false, total) => format!("More than {total} {many}"),
            (true, 1) => format!("1 {one}"),
            (true, total) => format!("{total} {many}"),
        }
    }

    fn href(
        &self,
        sort: &str,
        direction: SortDirection,
        page: u64,
        extra: &[(&str, &str)],
    ) -> String {
        let mut pairs: Vec<(&str, String)> =
            self.filters.iter().map(|(k, v)| (*k, v.clone())).collect();
        pairs.push(("sort", sort.to_owned()));
        pairs.push(("dir", direction.as_str().to_owned()));
        if page > 1 {
            pairs.push(("page", page.to_string()));
        }
        for (k, v) in extra {
            pairs.push((k, (*v).to_owned()));
        }
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("{}?{query}", self.path)
    }

    pub fn header(&self, key: &str, label: &'static str) -> SortHeader {
        let active = self.sort == key;
        let direction = if active {
            self.direction.flipped()
        } else {
            SortDirection::Asc
        };
        SortHeader {
            label,
            href: self.href(key, direction, 1, &[]),
            aria_sort: match (active, self.direction) {
                (false, _) => "none",
                (true, SortDirection::Asc) => "ascending",
                (true, SortDirection::Desc) => "descending",
            },
        }
    }

    pub fn csv_href(&self) -> String {
        self.href(&self.sort, self.direction, 1, &[("format", "csv")])
    }

    pub fn page_count(&self) -> u64 {
        let counted = self.page.page_count(self.total);
        // Counting stopped before the end: there is always a next page to offer.
        if self.total_exact {
            counted
        } else {
            counted.max(self.page.number().saturating_add(1))
        }
    }

    /// Previous, a window of page numbers around the current one, next.
    pub fn pages(&self) -> Vec<PageLink> {
        let current = self.page.number();
        let last = self.page_count();
        let link = |n: u64| self.href(&self.sort, self.direction, n, &[]);
        let mut links = vec![PageLink {
            label: "Previous".into(),
            href: (current > 1).then(|| link(current - 1)),
            current: false,
        }];
        let first_shown = current.saturating_sub(3).max(1);
        let last_shown = current.saturating_add(3).min(last);
        for n in first_shown..=last_shown {
            links.push(PageLink {
                label: n.to_string(),
                href: Some(link(n)),
                current: n == current,
            });
        }
        links.push(PageLink {
            label: "Next".into(),
            href: (current < last).then(|| link(current.saturating_add(1))),
            current: false,
        });
        links
    }
}

/// An export as a CSV download, streamed: the header and the first page are written as soon
/// as they are read, and each further page is read only when the client has taken the one
/// before, so at most one page of rows is in memory whatever the size of the export. The
/// first page is read before answering, so a failure there is still an ordinary error page;
/// a failure later ends the download abruptly (and is logged), never with a silently short
/// file.
pub async fn csv_export<E: custos_app::Export>(
    filename: &str,
    header: &[&str],
    mut export: E,
    row: fn(E::Row) -> Vec<String>,
) -> Result<axum::response::Response, custos_app::AppError> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let csv_failed =
        |e: custos_formats::csv::CsvError| custos_app::AppError::Internal(e.to_string());
    let first = export.next_page().await?;
    let mut opening = custos_formats::csv::header_line(header).map_err(csv_failed)?;
    let more = !first.is_empty();
    opening
        .extend(custos_formats::csv::rows_lines(first.into_iter().map(row)).map_err(csv_failed)?);
    let opening = futures_util::stream::iter([Ok::<_, std::io::Error>(opening)]);
    let rest = futures_util::stream::unfold((export, more), move |(mut export, more)| async move {
        if !more {
            return None;
        }
        let lines = match export.next_page().await {
            Ok(rows) if rows.is_empty() => return None,
            Ok(rows) => custos_formats::csv::rows_lines(rows.into_iter().map(row))
                .map_err(|e| custos_app::AppError::Internal(e.to_string())),
            Err(e) => Err(e),
        };
        match lines {
            Ok(lines) => Some((Ok(lines), (export, true))),
            Err(e) => {
                tracing::error!(error = %e, "export failed part way");
                Some((
                    Err(std::io::Error::other("the export failed")),
                    (export, false),
                ))
            }
        }
    });
    let body = axum::body::Body::from_stream(futures_util::StreamExt::chain(opening, rest));
    Ok((
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        body,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_count_that_stopped_says_so_and_pages_go_on() {
        let mut list = ListState::new(
            "/orgs/acme/objectives".into(),
            Vec::new(),
            "number",
            SortDirection::Asc,
            Page::numbered(400, 25),
        );
        list.set_total(&custos_app::domain::list::Listed::<()>::at_least(
            Vec::new(),
            10_000,
        ));
        assert_eq!(
            list.counted("objective", "objectives"),
            "More than 10000 objectives"
        );
        assert_eq!(
            list.page_count(),
            401,
            "page 400 of a stopped count still has a next page"
        );
        let next = list.pages().pop().expect("next");
        assert!(next.href.is_some(), "Next links on");
        list.set_total(&custos_app::domain::list::Listed::<()>::exact(
            Vec::new(),
            1,
        ));
        assert_eq!(list.counted("objective", "objectives"), "1 objective");
        assert_eq!(list.page_count(), 1);
    }

    #[test]
    fn sort_links_keep_filters_and_flip_direction() {
        let list = ListState::new(
            "/orgs/acme/objectives".into(),
            vec![("q", "portal".into()), ("status", String::new())],
            "title",
            SortDirection::Asc,
            Page::numbered(2, 25),
        );
        let header = list.header("title", "Title");
        assert_eq!(header.aria_sort, "ascending");
        assert_eq!(
            header.href,
            "/orgs/acme/objectives?q=portal&sort=title&dir=desc"
        );
        assert_eq!(list.header("status", "Status").aria_sort, "none");
        assert!(list.csv_href().ends_with("&format=csv"));
    }
}
