//! What happens to a fetched page: the redirect it may have been, then —
//! for a 200 HTML page — decoding, parsing in slices (the `extract` fields
//! too, for a crawl that asks for them), and deciding for each link whether
//! it is followed or skipped, and why.

use crate::decode::decode;
use crate::env::FetchResponse;
use crate::event::{EventKind, Outcome, TaskId};
use crate::extract::{self, Fields};
use crate::fetching::{behind_cors_wall, fetch_page, robots_allow, CORS_ERROR};
use crate::links::{self, LinkCollector, LinkParser, LinkScanner};
use crate::shared::{yield_if_due, Item, Shared};
use scraper::Html;
use std::collections::BTreeMap;
use url::Url;

/// Pages are parsed this many bytes at a time, with a chance to yield between.
const PARSE_CHUNK: usize = 64 * 1024;
/// Links are resolved this many at a time, with a chance to yield between.
const LINK_BATCH: usize = 512;

/// Robots, fetch (with tries), the redirect outcome, then the links.
pub(crate) async fn process(shared: &Shared, task: TaskId, item: &Item) -> (Outcome, Option<String>) {
    if !robots_allow(shared, task, &item.url).await {
        if behind_cors_wall(shared, &item.url) {
            // robots.txt was unreadable only because of CORS: say that.
            return (Outcome::Failed, Some(CORS_ERROR.into()));
        }
        return (Outcome::Robots, Some("disallowed by robots.txt".into()));
    }
    let response = match fetch_page(shared, task, &item.url).await {
        Ok(response) => response,
        Err(error) => return (Outcome::Failed, Some(error)),
    };

    // Through the local proxy a 3xx with hops already at `maxRedirect` is
    // the response that would have needed one hop more: the limit, exactly.
    if shared.options.proxy && (300..=399).contains(&response.head.status) {
        let limit = shared.options.max_redirect;
        if response.head.hops.len() as u32 >= limit {
            let mut chain: Vec<&str> = response.head.hops.iter().map(|h| h.url.as_str()).collect();
            chain.push(&response.head.url);
            let error = format!(
                "more than maxRedirect {limit}: {}, which redirects again ({})",
                chain.join(" → "),
                response.head.status
            );
            return (Outcome::Failed, Some(error));
        }
    }

    // fetch followed any redirects and hid the hops (the proxy lists them);
    // the final URL shows either way.
    let mut page_url = item.url.clone();
    if let Ok(mut final_url) = Url::parse(&response.head.url) {
        final_url.set_fragment(None);
        if final_url != item.url {
            let in_scope = shared.scope.allows(&final_url);
            let excluded = shared.options.exclude.as_ref().is_some_and(|e| e.regex.is_match(final_url.as_str()));
            let is_new = shared.seen.borrow_mut().insert(final_url.to_string());
            shared.emit(EventKind::Redirected {
                task,
                from: item.url.to_string(),
                to: final_url.to_string(),
                coalesced: !is_new,
                in_scope: in_scope && !excluded,
                hops: response.head.hops.clone(),
            });
            if !is_new {
                return (Outcome::Alias, None);
            }
            if !in_scope {
                let note =
                    format!("redirected out of scope to {final_url} (the browser already fetched it; not parsed)");
                return (Outcome::OffScope, Some(note));
            }
            if excluded {
                return (Outcome::RedirectExcluded, Some(format!("redirected to {final_url}, which exclude matches")));
            }
            page_url = final_url;
        }
    }

    if response.head.status == 200 && is_markup(response.header("content-type")) {
        parse_and_enqueue(shared, task, item, &page_url, &response).await;
    }
    (Outcome::Done, None)
}

/// Content types whose links the seed follows (HTML, XHTML, XML).
fn is_markup(content_type: Option<&str>) -> bool {
    let essence = content_type.unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    matches!(essence.as_str(), "text/html" | "application/xhtml+xml" | "application/xml" | "text/xml")
}

/// Read a page for links a chunk at a time, so a huge page cannot block the
/// browser's thread: with the scanner's lexer alone, or — for the rare page that
/// needs it (`links::scan`) — from the start again with the full tree.
async fn read_links(shared: &Shared, text: &str) -> links::Found {
    let mut scanner = LinkScanner::new();
    let mut scanned = true;
    for chunk in links::chunks(text, PARSE_CHUNK) {
        yield_if_due(shared).await;
        if !scanner.feed(chunk) {
            scanned = false;
            break;
        }
    }
    if let Some(found) = scanned.then(|| scanner.finish()).flatten() {
        return found;
    }
    let document = read_tree(shared, text).await;
    links::tree::found(&document)
}

/// scraper's whole tree of a page, built a chunk at a time with a chance
/// to yield between chunks, like the scanner.
async fn read_tree(shared: &Shared, text: &str) -> Html {
    let mut parser = LinkParser::new();
    for chunk in links::chunks(text, PARSE_CHUNK) {
        yield_if_due(shared).await;
        parser.feed(chunk);
    }
    let document = parser.finish();
    yield_if_due(shared).await;
    document
}

/// A crawl with `extract` builds the tree once and reads both the fields
/// and the links from it (the tree is the scanner's oracle, so the links are
/// the same); each field's selector runs with a chance to yield before it.
async fn read_fields_and_links(shared: &Shared, text: &str) -> (Fields, links::Found) {
    let document = read_tree(shared, text).await;
    let mut fields = Fields::new();
    for field in &shared.options.extract {
        yield_if_due(shared).await;
        fields.insert(field.name.clone(), extract::value(&document, field));
    }
    yield_if_due(shared).await;
    (fields, links::tree::found(&document))
}

/// Decode, extract links in slices, keep the in-scope ones, enqueue the new
/// ones; every link not followed is counted by reason.
async fn parse_and_enqueue(shared: &Shared, task: TaskId, item: &Item, page_url: &Url, response: &FetchResponse) {
    let decoded = decode(&*shared.env.decoder, &response.body, response.header("content-type"));
    let found = if shared.options.extract.is_empty() {
        read_links(shared, &decoded.text).await
    } else {
        let (fields, found) = read_fields_and_links(shared, &decoded.text).await;
        shared.emit(EventKind::FieldsFound { task, url: page_url.to_string(), fields });
        found
    };
    let mut collector = LinkCollector::new(&found, page_url, shared.options.respect_nofollow, shared.env.idna.clone());
    for (i, element) in found.elements.iter().enumerate() {
        if i % LINK_BATCH == 0 {
            yield_if_due(shared).await;
        }
        collector.add(element);
    }
    let extracted = collector.finish();

    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let mut skip = |reason: &str, n: usize| {
        if n > 0 {
            *skipped.entry(reason.to_string()).or_default() += n;
        }
    };
    skip("nonHttp", extracted.non_http);
    skip("invalid", extracted.invalid);
    skip("nofollow", extracted.nofollow);
    let options = &shared.options;
    let mut in_scope = Vec::new();
    let mut fresh = Vec::new();
    for link in extracted.links {
        if !shared.scope.allows(&link) {
            skip("scope", 1);
            continue;
        }
        in_scope.push(link.to_string());
        if options.exclude.as_ref().is_some_and(|e| e.regex.is_match(link.as_str())) {
            skip("exclude", 1);
        } else if shared.seen.borrow().contains(link.as_str()) {
            skip("duplicate", 1);
        } else if options.depth_limit > 0 && item.depth + 1 > options.depth_limit {
            skip("depth", 1);
        } else {
            fresh.push(link);
        }
    }
    let room = shared.room();
    if fresh.len() > room {
        skip("budget", fresh.len() - room);
        fresh.truncate(room);
        shared.budget_hit.set(true);
    }
    shared.emit(EventKind::LinksFound {
        task,
        url: page_url.to_string(),
        links: in_scope,
        new: fresh.len(),
        skipped,
        encoding: decoded.encoding.to_string(),
        encoding_note: decoded.note,
        canonical: extracted.canonical.map(String::from),
    });
    for link in fresh {
        shared.enqueue(Item { url: link, depth: item.depth + 1, parent: Some(page_url.to_string()) });
    }
}
