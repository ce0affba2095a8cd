//! Link extraction with `scraper` (html5ever, the same tokenizer rules as a
//! browser): `a[href]`, resolved against `<base href>` when the page has
//! one, fragments removed — the URL a browser would navigate to.
//!
//! [`LinkParser`] takes the document in chunks, so a huge page can be parsed
//! a slice at a time with the browser's event loop running in between.

use html5ever::driver::{self, ParseOpts, Parser};
use html5ever::tendril::{StrTendril, TendrilSink};
use scraper::{ElementRef, Html, HtmlTreeSink, Selector};
use std::collections::HashSet;
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

/// An HTML document being parsed, fed a chunk at a time.
pub struct LinkParser {
    parser: Parser<HtmlTreeSink>,
}

impl Default for LinkParser {
    fn default() -> Self {
        Self::new()
    }
}

impl LinkParser {
    pub fn new() -> Self {
        LinkParser { parser: driver::parse_document(HtmlTreeSink::new(Html::new_document()), ParseOpts::default()) }
    }

    /// Parse the next piece of the document.
    pub fn feed(&mut self, chunk: &str) {
        self.parser.process(StrTendril::from_slice(chunk));
    }

    /// Finish the document.
    pub fn finish(self) -> Html {
        self.parser.finish()
    }
}

/// The elements whose links a crawl follows.
pub fn anchors() -> Selector {
    // A constant, valid CSS selector: parse cannot fail.
    Selector::parse("a[href]").expect("constant selector")
}

/// Collects a document's links one element at a time (so a caller can
/// yield between batches of a huge page).
pub struct LinkCollector {
    /// `<base href>` resolved against the page URL, else the page URL.
    base: Url,
    /// URLs already in `out.links`, for O(1) deduplication.
    seen: HashSet<String>,
    out: Extracted,
}

impl LinkCollector {
    pub fn new(document: &Html, page_url: &Url) -> Self {
        // A constant, valid CSS selector: parse cannot fail.
        let base_sel = Selector::parse("base[href]").expect("constant selector");
        // The first <base href> wins, resolved against the document URL; an
        // unusable one is ignored, as browsers do.
        let base = document
            .select(&base_sel)
            .next()
            .and_then(|el| el.value().attr("href"))
            .and_then(|href| page_url.join(href).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .unwrap_or_else(|| page_url.clone());
        LinkCollector { base, seen: HashSet::new(), out: Extracted::default() }
    }

    /// Record the link of one element matched by [`anchors`].
    pub fn add(&mut self, element: ElementRef<'_>) {
        let Some(href) = element.value().attr("href") else { return };
        match self.base.join(href) {
            Ok(mut url) if matches!(url.scheme(), "http" | "https") => {
                url.set_fragment(None);
                if self.seen.insert(url.as_str().to_owned()) {
                    self.out.links.push(url);
                }
            }
            Ok(_) => self.out.non_http += 1,
            Err(_) => self.out.invalid += 1,
        }
    }

    pub fn finish(self) -> Extracted {
        self.out
    }
}

/// Split `text` into pieces of about `size` bytes, on character boundaries.
pub fn chunks(text: &str, size: usize) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let mut end = size.max(1).min(rest.len());
        while !rest.is_char_boundary(end) {
            end += 1; // at most 3 steps: UTF-8 sequences are ≤ 4 bytes
        }
        let (head, tail) = rest.split_at(end);
        rest = tail;
        Some(head)
    })
}

/// Extract the links of a whole HTML document fetched from `page_url`.
pub fn extract(html: &str, page_url: &Url) -> Extracted {
    let mut parser = LinkParser::new();
    parser.feed(html);
    links_of(&parser.finish(), page_url)
}

/// All links of a parsed document, in one go.
pub fn links_of(document: &Html, page_url: &Url) -> Extracted {
    let mut collector = LinkCollector::new(document, page_url);
    for element in document.select(&anchors()) {
        collector.add(element);
    }
    collector.finish()
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

    #[test]
    fn a_document_fed_in_tiny_chunks_parses_the_same() {
        let html = r#"<base href="/b/"><p>é<a href="x">x</a><!-- <a href="no"> --><a href='y?a=1&amp;b=2'>y</a>"#;
        for size in [1, 2, 3, 7, 1000] {
            let mut parser = LinkParser::new();
            let pieces: Vec<&str> = chunks(html, size).collect();
            assert_eq!(pieces.concat(), html, "chunks cover the text exactly");
            for piece in pieces {
                parser.feed(piece);
            }
            assert_eq!(links_of(&parser.finish(), &page()), extract(html, &page()), "size {size}");
        }
    }
}
