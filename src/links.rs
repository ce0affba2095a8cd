//! Link extraction: every link a browser would follow from a page, resolved
//! against `<base href>` when the page has one, fragments removed — the URL
//! a browser would navigate to.
//!
//! Followed: `<a href>`, `<area href>`, `<link rel=alternate|next|prev href>`,
//! `<frame src>`, `<iframe src>`. Recorded: `<link rel=canonical>`. With
//! `respectNofollow`, `rel=nofollow` and `<meta name=robots content=nofollow>`
//! are obeyed.
//!
//! Two steps. First the page is read into a [`Found`]: its first
//! `<base href>`, whether a robots meta tag says nofollow, and its link
//! elements in document order. [`LinkScanner`] does that with its own lexer
//! (`lex.rs`) and the tree builder's few rules that change which tags
//! count (`scan.rs`); a page it cannot answer for without the tree is read by
//! [`LinkParser`], scraper's full tree (`tree.rs`), which is also the oracle
//! the scanner is tested against (`tests.rs`). Then [`LinkCollector`]
//! resolves the elements against the base, one at a time. Both readers take
//! the document in chunks, so a huge page is read a slice at a time with the
//! browser's event loop running in between.

mod lex;
mod read;
mod scan;
#[cfg(test)]
mod tests;
pub mod tree;

pub use scan::LinkScanner;
pub use tree::{LinkParser, LINK_SELECTOR};

use crate::env::{parse_url, Idna, NoIdna};
use std::collections::HashSet;
use std::rc::Rc;
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

/// A page read for links, before anything is resolved (the base can come
/// after the links it applies to, and so can a robots meta tag).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Found {
    /// The `href` of the first `<base href>`, as written.
    pub base: Option<String>,
    /// A `<meta name=robots>` says `nofollow` (or `none`).
    pub meta_nofollow: bool,
    /// Link elements outside `<template>`, in document order.
    pub elements: Vec<LinkElement>,
}

/// One element that may carry a link.
#[derive(Clone, Debug, PartialEq)]
pub struct LinkElement {
    pub kind: LinkKind,
    /// `href` (`a`, `area`, `link`) or `src` (`frame`, `iframe`), entities decoded.
    pub target: String,
    pub rel: Option<String>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum LinkKind {
    /// `<a>` or `<area>`: followed.
    Anchor,
    /// `<link>`: followed for `alternate`, `next`, `prev`; `canonical` is recorded.
    Link,
    /// `<frame>` or `<iframe>`: followed.
    Frame,
}

/// Whether a `<meta name content>` pair is a robots tag saying nofollow.
pub(crate) fn robots_nofollow(name: &str, content: &str) -> bool {
    name.trim().eq_ignore_ascii_case("robots")
        && content.split(',').any(|t| matches!(t.trim().to_ascii_lowercase().as_str(), "nofollow" | "none"))
}

/// Whether a space-separated `rel` list contains `token` (ASCII case-insensitive).
fn has_token(list: &str, token: &str) -> bool {
    list.split_ascii_whitespace().any(|t| t.eq_ignore_ascii_case(token))
}

/// Resolves a page's link elements one at a time (so a caller can yield
/// between batches of a huge page).
pub struct LinkCollector {
    /// `<base href>` resolved against the page URL, else the page URL.
    base: Url,
    /// Skip links marked nofollow (the `respectNofollow` option).
    respect_nofollow: bool,
    /// The page's `<meta name=robots>` says nofollow (and we respect it).
    meta_nofollow: bool,
    /// URLs already in `out.links`, for O(1) deduplication.
    seen: HashSet<String>,
    /// Asked for the ASCII form of a host `url` cannot convert itself.
    idna: Rc<dyn Idna>,
    out: Extracted,
}

impl LinkCollector {
    pub fn new(found: &Found, page_url: &Url, respect_nofollow: bool, idna: Rc<dyn Idna>) -> Self {
        // The first <base href> wins, resolved against the document URL; an
        // unusable one is ignored, as browsers do.
        let base = found
            .base
            .as_deref()
            .and_then(|href| parse_url(&*idna, Some(page_url), href).ok())
            .filter(|u| matches!(u.scheme(), "http" | "https"))
            .unwrap_or_else(|| page_url.clone());
        let meta_nofollow = respect_nofollow && found.meta_nofollow;
        LinkCollector { base, respect_nofollow, meta_nofollow, seen: HashSet::new(), idna, out: Extracted::default() }
    }

    fn join(&self, href: &str) -> Result<Url, url::ParseError> {
        parse_url(&*self.idna, Some(&self.base), href)
    }

    /// Record the link of one element.
    pub fn add(&mut self, element: &LinkElement) {
        let rel = element.rel.as_deref().unwrap_or("");
        let follows = match element.kind {
            LinkKind::Anchor | LinkKind::Frame => true,
            LinkKind::Link if has_token(rel, "canonical") => {
                if self.out.canonical.is_none() {
                    self.out.canonical = self.join(&element.target).ok();
                }
                return;
            }
            LinkKind::Link => ["alternate", "next", "prev"].iter().any(|t| has_token(rel, t)),
        };
        if !follows {
            return;
        }
        if self.meta_nofollow || (self.respect_nofollow && has_token(rel, "nofollow")) {
            self.out.nofollow += 1;
            return;
        }
        match self.join(&element.target) {
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

/// Read a whole document: the scanner, or the tree when the scanner cannot tell.
pub fn found_in(html: &str) -> Found {
    let mut scanner = LinkScanner::new();
    if scanner.feed(html) {
        if let Some(found) = scanner.finish() {
            return found;
        }
    }
    tree::found_in(html)
}

/// Resolve everything a page was found to hold (international hosts
/// unconverted: see [`Idna`]).
pub fn resolve(found: &Found, page_url: &Url, respect_nofollow: bool) -> Extracted {
    resolve_with(found, page_url, respect_nofollow, Rc::new(NoIdna))
}

/// [`resolve`], international hosts converted by `idna`.
pub fn resolve_with(found: &Found, page_url: &Url, respect_nofollow: bool, idna: Rc<dyn Idna>) -> Extracted {
    let mut collector = LinkCollector::new(found, page_url, respect_nofollow, idna);
    for element in &found.elements {
        collector.add(element);
    }
    collector.finish()
}

/// Extract the links of a whole HTML document fetched from `page_url`.
pub fn extract(html: &str, page_url: &Url, respect_nofollow: bool) -> Extracted {
    resolve(&found_in(html), page_url, respect_nofollow)
}

/// The same through scraper's tree alone: the oracle.
pub fn extract_with_tree(html: &str, page_url: &Url, respect_nofollow: bool) -> Extracted {
    resolve(&tree::found_in(html), page_url, respect_nofollow)
}
