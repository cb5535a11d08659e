//! Markdown as documents are written, rendered to HTML that is safe to put in a page: the
//! rendering keeps raw HTML as the author typed it, then the sanitiser keeps only harmless
//! elements and attributes (no scripts, no event handlers, no `javascript:` links, no
//! styles), whatever the text held.

use pulldown_cmark::{Options, Parser, html};

/// `markdown` as sanitised HTML.
pub fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut rendered = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut rendered, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer nofollow"))
        .clean(&rendered)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = to_safe_html(
            "# Access\n\nStaff **must** use MFA.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
        );
        assert!(html.contains("<h1>Access</h1>"), "{html}");
        assert!(html.contains("<strong>must</strong>"), "{html}");
        assert!(html.contains("<td>1</td>"), "{html}");
    }

    #[test]
    fn nothing_active_survives() {
        let html = to_safe_html(
            "<script>alert(1)</script>\n\n<img src=x onerror=alert(2)>\n\n\
             [click](javascript:alert(3)) <a href=\"https://example.org\" onclick=\"x()\">ok</a>\n\n\
             <iframe src=\"https://evil.example\"></iframe><style>body{}</style>",
        );
        for bad in [
            "<script",
            "onerror",
            "javascript:",
            "onclick",
            "<iframe",
            "<style",
        ] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(html.contains("href=\"https://example.org\""), "{html}");
        assert!(
            html.contains("rel=\"noopener noreferrer nofollow\""),
            "{html}"
        );
    }
}
