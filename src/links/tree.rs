//! The tree extractor: scraper builds the whole document (html5ever's
//! tokenizer *and* tree builder), and CSS selectors find the links. It is
//! slower than the scanner (`scan.rs`) but is the HTML standard's tree by
//! construction, so it is the oracle the scanner is tested against, and the
//! fallback for the few pages the scanner leaves to it.
//!
//! The document is parsed with scripting **off**, as a crawler (which runs
//! no scripts) and the browser's `DOMParser` see it: `<noscript>` content is
//! markup, so its links count. Links inside `<template>` are inert content,
//! not part of the document, and are skipped (as `querySelectorAll` does).

use super::read::Reading;
use super::{Found, LinkElement, LinkKind};
use html5ever::interface::TreeSink;
use html5ever::tree_builder::{TreeBuilder, TreeBuilderOpts};
use scraper::{Html, HtmlTreeSink, Selector};

/// An HTML document being parsed into a tree, fed a chunk at a time (see `read.rs`).
pub struct LinkParser {
    reading: Reading,
}

impl Default for LinkParser {
    fn default() -> Self {
        Self::new()
    }
}

impl LinkParser {
    pub fn new() -> Self {
        // Scripting off: <noscript> is parsed as markup, as DOMParser does.
        let opts = TreeBuilderOpts { scripting_enabled: false, ..TreeBuilderOpts::default() };
        let builder = TreeBuilder::new(HtmlTreeSink::new(Html::new_document()), opts);
        LinkParser { reading: Reading::new(builder) }
    }

    /// Parse the next piece of the document.
    pub fn feed(&mut self, chunk: &str) {
        self.reading.feed(chunk);
    }

    /// Finish the document.
    pub fn finish(self) -> Html {
        self.reading.end().sink.finish()
    }
}

/// The elements whose links a crawl looks at (`link` is filtered by `rel`).
pub const LINK_SELECTOR: &str = "a[href], area[href], link[href], frame[src], iframe[src]";

fn selector(css: &str) -> Selector {
    // Only called with the constant, valid selectors of this module: parse cannot fail.
    Selector::parse(css).expect("constant selector")
}

/// What a parsed document holds for links: the first `<base href>`, the
/// robots meta tags, and every link element outside `<template>`, in the
/// order scraper's `select` visits them.
pub fn found(document: &Html) -> Found {
    let base = document.select(&selector("base[href]")).next().and_then(|el| el.value().attr("href")).map(String::from);
    let meta_nofollow = document.select(&selector("meta[name][content]")).any(|el| {
        super::robots_nofollow(el.value().attr("name").unwrap_or(""), el.value().attr("content").unwrap_or(""))
    });
    let mut elements = Vec::new();
    for element in document.select(&selector(LINK_SELECTOR)) {
        let in_template = element.ancestors().any(|n| n.value().as_element().is_some_and(|e| e.name() == "template"));
        if in_template {
            continue; // inert template content, not part of the document
        }
        let el = element.value();
        let (kind, target) = match el.name() {
            "a" | "area" => (LinkKind::Anchor, el.attr("href")),
            "link" => (LinkKind::Link, el.attr("href")),
            "frame" | "iframe" => (LinkKind::Frame, el.attr("src")),
            _ => continue,
        };
        if let Some(target) = target {
            elements.push(LinkElement { kind, target: target.to_string(), rel: el.attr("rel").map(String::from) });
        }
    }
    Found { base, meta_nofollow, elements }
}

/// A whole document through the tree.
pub fn found_in(html: &str) -> Found {
    let mut parser = LinkParser::new();
    parser.feed(html);
    found(&parser.finish())
}
