//! Link extraction with `scraper` (html5ever, the same tokenizer rules as a
//! browser): `a[href]`, resolved against `<base href>` when the page has
//! one, fragments removed — the URL a browser would navigate to.

use scraper::{Html, Selector};
use url::Url;

/// What a page links to.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Extracted {
    /// Absolute http(s) URLs without fragment, deduplicated, in document order.
    pub links: Vec<Url>,
    /// `href`s with another scheme (`mailto:`, `javascript:`, …).
    pub non_http: usize,
    /// `href`s that do not resolve to a URL at all.
    pub invalid: usize,
}

/// Extract the links of an HTML document fetched from `page_url`.
pub fn extract(html: &str, page_url: &Url) -> Extracted {
    let document = Html::parse_document(html);
    // Both selectors are constant and valid CSS; parse cannot fail.
    let base_sel = Selector::parse("base[href]").expect("constant selector");
    let link_sel = Selector::parse("a[href]").expect("constant selector");
    // The first <base href> wins, resolved against the document URL; an
    // unusable one is ignored, as browsers do.
    let base = document
        .select(&base_sel)
        .next()
        .and_then(|el| el.value().attr("href"))
        .and_then(|href| page_url.join(href).ok())
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .unwrap_or_else(|| page_url.clone());
    let mut out = Extracted::default();
    for el in document.select(&link_sel) {
        let Some(href) = el.value().attr("href") else { continue };
        match base.join(href) {
            Ok(mut url) if matches!(url.scheme(), "http" | "https") => {
                url.set_fragment(None);
                if !out.links.contains(&url) {
                    out.links.push(url);
                }
            }
            Ok(_) => out.non_http += 1,
            Err(_) => out.invalid += 1,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page() -> Url {
        Url::parse("http://h/dir/page").expect("valid")
    }

    fn hrefs(html: &str) -> Vec<String> {
        extract(html, &page()).links.into_iter().map(String::from).collect()
    }

    #[test]
    fn relative_links_resolve_like_a_browser() {
        assert_eq!(
            hrefs(r#"<a href="a">1</a><a href="/b?x=1&amp;y=2">2</a><a href=" ../c ">3</a><a href=d#f>4</a>"#),
            vec!["http://h/dir/a", "http://h/b?x=1&y=2", "http://h/c", "http://h/dir/d"]
        );
    }

    #[test]
    fn base_href_is_honoured() {
        assert_eq!(hrefs(r#"<base href="/other/"><a href="x">x</a>"#), vec!["http://h/other/x"]);
    }

    #[test]
    fn non_http_links_are_counted_not_followed() {
        let e = extract(
            r#"<a href="mailto:a@b">m</a><a href="javascript:void(0)">j</a><a href="http://[x">bad</a>"#,
            &page(),
        );
        assert_eq!((e.links.len(), e.non_http, e.invalid), (0, 2, 1));
    }

    #[test]
    fn duplicates_and_fragments_collapse() {
        assert_eq!(
            hrefs(r##"<a href="#top">t</a><a href="page">p</a><a href="page#x">x</a>"##),
            vec!["http://h/dir/page"]
        );
    }

    #[test]
    fn hrefs_in_scripts_and_comments_are_not_links() {
        assert!(hrefs(r#"<script>var s = '<a href="x">';</script><!-- <a href="y"> -->"#).is_empty());
    }
}
