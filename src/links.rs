//! Link extraction with `scraper` (html5ever, the same tokenizer rules as a
//! browser), resolved against `<base href>` when the page has one, fragments
//! removed — the URL a browser would navigate to.
//!
//! Followed: `<a href>`, `<area href>`, `<link rel=alternate|next|prev href>`,
//! `<frame src>`, `<iframe src>`. Recorded: `<link rel=canonical>`. With
//! `respectNofollow`, `rel=nofollow` and `<meta name=robots content=nofollow>`
//! are obeyed.
//!
//! The document is parsed with scripting **off**, as a crawler (which runs
//! no scripts) and the browser's `DOMParser` see it: `<noscript>` content is
//! markup, so its links count. Links inside `<template>` are inert content,
//! not part of the document, and are skipped (as `querySelectorAll` does).
//!
//! [`LinkParser`] takes the document in chunks, so a huge page can be parsed
//! a slice at a time with the browser's event loop running in between.

use html5ever::driver::{self, ParseOpts, Parser};
use html5ever::tendril::{StrTendril, TendrilSink};
use html5ever::tree_builder::TreeBuilderOpts;
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
    /// Links left out because of `rel=nofollow` or a robots meta tag.
    pub nofollow: usize,
    /// `<link rel=canonical href>`, resolved.
    pub canonical: Option<Url>,
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
        // Scripting off: <noscript> is parsed as markup, as DOMParser does.
        let opts = ParseOpts {
            tree_builder: TreeBuilderOpts { scripting_enabled: false, ..TreeBuilderOpts::default() },
            ..ParseOpts::default()
        };
        LinkParser { parser: driver::parse_document(HtmlTreeSink::new(Html::new_document()), opts) }
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

/// The elements whose links a crawl looks at (`link` is filtered by `rel`).
pub const LINK_SELECTOR: &str = "a[href], area[href], link[href], frame[src], iframe[src]";

/// [`LINK_SELECTOR`], parsed.
pub fn anchors() -> Selector {
    // A constant, valid CSS selector: parse cannot fail.
    Selector::parse(LINK_SELECTOR).expect("constant selector")
}

/// Whether a space-separated `rel` list contains `token` (ASCII case-insensitive).
fn has_token(list: &str, token: &str) -> bool {
    list.split_ascii_whitespace().any(|t| t.eq_ignore_ascii_case(token))
}

/// Collects a document's links one element at a time (so a caller can
/// yield between batches of a huge page).
pub struct LinkCollector {
    /// `<base href>` resolved against the page URL, else the page URL.
    base: Url,
    /// Skip links marked nofollow (the `respectNofollow` option).
    respect_nofollow: bool,
    /// The page's `<meta name=robots>` says nofollow (and we respect it).
    meta_nofollow: bool,
    /// URLs already in `out.links`, for O(1) deduplication.
    seen: HashSet<String>,
    out: Extracted,
}

impl LinkCollector {
    pub fn new(document: &Html, page_url: &Url, respect_nofollow: bool) -> Self {
        // Constant, valid CSS selectors: parse cannot fail.
        let base_sel = Selector::parse("base[href]").expect("constant selector");
        let meta_sel = Selector::parse("meta[name][content]").expect("constant selector");
        // The first <base href> wins, resolved against the document URL; an
        // unusable one is ignored, as browsers do.
        let base = document
            .select(&base_sel)
            .next()
            .and_then(|el| el.value().attr("href"))
            .and_then(|href| page_url.join(href).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .unwrap_or_else(|| page_url.clone());
        let meta_nofollow = respect_nofollow
            && document.select(&meta_sel).any(|el| {
                let name = el.value().attr("name").unwrap_or("");
                let content = el.value().attr("content").unwrap_or("");
                name.trim().eq_ignore_ascii_case("robots")
                    && content.split(',').any(|t| matches!(t.trim().to_ascii_lowercase().as_str(), "nofollow" | "none"))
            });
        LinkCollector { base, respect_nofollow, meta_nofollow, seen: HashSet::new(), out: Extracted::default() }
    }

    /// Record the link of one element matched by [`anchors`].
    pub fn add(&mut self, element: ElementRef<'_>) {
        let el = element.value();
        let in_template = element.ancestors().any(|n| n.value().as_element().is_some_and(|e| e.name() == "template"));
        if in_template {
            return; // inert template content, not part of the document
        }
        let rel = el.attr("rel").unwrap_or("");
        let (target, follows) = match el.name() {
            "a" | "area" => (el.attr("href"), true),
            "link" if has_token(rel, "canonical") => {
                if self.out.canonical.is_none() {
                    self.out.canonical = el.attr("href").and_then(|h| self.base.join(h).ok());
                }
                return;
            }
            "link" => (el.attr("href"), ["alternate", "next", "prev"].iter().any(|t| has_token(rel, t))),
            "frame" | "iframe" => (el.attr("src"), true),
            _ => (None, false),
        };
        let Some(target) = target.filter(|_| follows) else { return };
        if self.meta_nofollow || (self.respect_nofollow && has_token(rel, "nofollow")) {
            self.out.nofollow += 1;
            return;
        }
        match self.base.join(target) {
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
pub fn extract(html: &str, page_url: &Url, respect_nofollow: bool) -> Extracted {
    let mut parser = LinkParser::new();
    parser.feed(html);
    links_of(&parser.finish(), page_url, respect_nofollow)
}

/// All links of a parsed document, in one go.
pub fn links_of(document: &Html, page_url: &Url, respect_nofollow: bool) -> Extracted {
    let mut collector = LinkCollector::new(document, page_url, respect_nofollow);
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
        extract(html, &page(), true).links.into_iter().map(String::from).collect()
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
            true,
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
            assert_eq!(links_of(&parser.finish(), &page(), true), extract(html, &page(), true), "size {size}");
        }
    }

    #[test]
    fn areas_frames_and_link_relations_are_followed() {
        let html = r#"<link rel="stylesheet" href="s.css"><link rel="Next" href="n"><link rel="alternate" href="alt">
            <map><area href="ar"></map><iframe src="if"></iframe><a href="a">a</a>"#;
        assert_eq!(
            hrefs(html),
            vec!["http://h/dir/n", "http://h/dir/alt", "http://h/dir/ar", "http://h/dir/if", "http://h/dir/a"]
        );
    }

    #[test]
    fn canonical_is_recorded_not_followed() {
        let e = extract(r#"<link rel="canonical" href="/c#x"><a href="a">a</a>"#, &page(), true);
        assert_eq!(e.canonical.map(String::from).as_deref(), Some("http://h/c#x"));
        assert_eq!(e.links.len(), 1);
    }

    #[test]
    fn nofollow_is_honoured_when_asked() {
        let html = r#"<a href="x" rel="nofollow">x</a><a href="y">y</a>"#;
        assert_eq!(hrefs(html), vec!["http://h/dir/y"]);
        assert_eq!(extract(html, &page(), false).links.len(), 2);
        let meta = r#"<meta name="ROBOTS" content="noindex, nofollow"><a href="y">y</a>"#;
        let e = extract(meta, &page(), true);
        assert_eq!((e.links.len(), e.nofollow), (0, 1));
        assert_eq!(extract(meta, &page(), false).links.len(), 1);
    }

    #[test]
    fn noscript_links_count_and_template_links_do_not() {
        let html = r#"<noscript><a href="ns">ns</a></noscript><template><a href="t">t</a></template><a href="a">a</a>"#;
        assert_eq!(hrefs(html), vec!["http://h/dir/ns", "http://h/dir/a"]);
    }
}
