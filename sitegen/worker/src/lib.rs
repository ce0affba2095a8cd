//! The generated test site, answered from inside the browser.
//!
//! The playground's service worker (`www/sw.js`) intercepts every request to
//! the fake origin `https://site.crawlscope.test` and asks this crate, compiled
//! to wasm, what to answer. It is the same [`sitegen`] model the native test
//! server (`testsite/`) serves, so the site a crawl sees in the browser and
//! the one the native tests see cannot drift apart.
//!
//! The worker keeps no settings: a site's knobs travel in its URL
//! (`/s/pages=30;latency=300;seed=1/page/3`), parsed by [`Site::route`]
//! exactly as the native server parses them.
//!
//! Split in two, so the logic is tested natively:
//!
//! * this file — plain Rust: [`respond`] maps a path (with query) to an
//!   answer, [`expected`] is the `/__expected` oracle as JSON ([`json`]);
//! * `wasm` (wasm32 only) — a thin `#[wasm_bindgen]` layer turning those
//!   answers into plain JavaScript objects.
//!
//! What stays in JavaScript is what needs the browser: the per-path request
//! count (`nth`), sleeping out the latency, the connection cap, `/__stats`.

mod json;

#[cfg(target_arch = "wasm32")]
mod wasm;

use sitegen::{Response, Site, SiteConfig};

/// The answer to the `nth` request (0 = the first) for `path_and_query`,
/// e.g. `/s/pages=30;latency=300;seed=1/page/3?x=1`.
///
/// Knobs the site does not know or cannot take are a `400 Bad Request` whose
/// text names them, as on the native server.
pub fn respond(path_and_query: &str, nth: u64) -> Response {
    // The native server's defaults are `SiteConfig::default()` unless it is
    // started with other flags; the worker has no flags, so one set of defaults.
    match Site::route(path_and_query, &SiteConfig::default()) {
        Ok((site, rest)) => site.respond_nth(&rest, nth),
        Err(message) => text(400, &message),
    }
}

/// `/__expected?base=…`: the pages a strict crawl of the site at `base` must
/// report, with URLs on `origin` (no trailing slash needed), as the JSON
/// array the native server sends: `[{url, aliases, status, contentType, links}]`.
///
/// A `base` that is not a site's base path (`/`, `/s/pages=5/`) is a 400.
pub fn expected(base: &str, origin: &str) -> Response {
    let site = match Site::route(base, &SiteConfig::default()) {
        Ok((site, rest)) if rest.is_empty() => site,
        Ok(_) => return text(400, &format!("base must be a site's base path like / or /s/pages=5/, not {base}")),
        Err(message) => return text(400, &message),
    };
    let body = json::expected_pages(&site.expected(origin));
    Response { content_type: "application/json".into(), ..text(200, &body) }
}

/// A plain-text answer with no latency (errors are not part of the site).
fn text(status: u16, message: &str) -> Response {
    Response {
        status,
        content_type: "text/plain; charset=utf-8".into(),
        location: None,
        retry_after: None,
        drop_connection: false,
        body: message.as_bytes().to_vec(),
        latency_ms: 0,
    }
}

#[cfg(test)]
mod tests;
