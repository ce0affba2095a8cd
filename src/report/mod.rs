//! The Report: a fold over the event log, never updated any other way.
//!
//! Pages are keyed by their final URL; a requested URL that redirected is
//! listed in its target's `aliases`. Counters are derived from the pages when
//! the report is built, so they always add up.
//!
//! This module holds the Report's shape (what the JS API returns) and the
//! counters; [`builder`] is the fold, which keeps pages compactly (interned
//! URLs) and writes the Report, or its JSON, when asked.

pub mod builder;

pub use builder::ReportBuilder;

use crate::env::Hop;
use crate::event::{EndReason, Outcome};
use crate::extract::Fields;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Format version of [`Report`]; bump on any incompatible change.
pub const REPORT_VERSION: u32 = 1;

/// What a crawl found, as the JS API returns it (camelCase JSON).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    pub version: u32,
    /// Sorted by URL.
    pub pages: Vec<PageReport>,
    pub counters: BTreeMap<String, u64>,
    /// Crawl time: how long the crawl has run (or ran), pauses excluded.
    pub elapsed_ms: f64,
    /// Time spent paused, beside it: `elapsedMs + pausedMs` is the wall
    /// time. 0 for a version-1 log, which did not record wall time.
    pub paused_ms: f64,
    pub max_tasks: usize,
    /// Whether the crawl has ended, and why.
    pub finished: bool,
    pub end_reason: Option<EndReason>,
    /// Links not followed, by reason, over all pages (see [`PageReport::skips`]).
    pub skips: BTreeMap<String, u64>,
    /// The seed crawler's text report (one line per URL, `Finished …`,
    /// sorted counters, `Todo:`, `Done:`).
    pub text: String,
}

/// One page: a final URL and everything known about it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageReport {
    /// The final URL (after redirects).
    pub url: String,
    /// Requested URLs that redirected here.
    pub aliases: Vec<String>,
    pub status: Option<u16>,
    pub content_type: Option<String>,
    /// Charset the body was decoded with (HTML pages only).
    pub encoding: Option<String>,
    /// Body bytes received.
    pub size: Option<u64>,
    /// Absolute in-scope URLs found on the page, in document order.
    pub links: Vec<String>,
    /// How many of `links` were new to the crawl (enqueued from here).
    pub new_links: usize,
    pub error: Option<String>,
    pub tries: u32,
    pub depth: u32,
    /// The page whose link first enqueued this one (`None` for roots).
    pub parent: Option<String>,
    /// Crawl time of its first request (pauses excluded, like every time here).
    pub start_ms: Option<f64>,
    /// Crawl time of its last response (or failure).
    pub end_ms: Option<f64>,
    /// `queued` (on the queue), `taken` (off the queue, held by a worker
    /// that is not fetching yet: checking robots.txt, a politeness delay),
    /// `waiting` (for a connection slot), `fetching`, `retrying`,
    /// or a terminal outcome (`done`, `failed`, `skipped (…)`, …).
    pub outcome: String,
    /// The body was cut at `maxBodyBytes`.
    pub truncated: bool,
    /// Why the encoding is not the obvious one (an unknown label, …).
    pub encoding_note: Option<String>,
    /// `<link rel=canonical>`, resolved.
    pub canonical: Option<String>,
    /// Links on this page not followed, by reason.
    pub skips: BTreeMap<String, u64>,
    /// Every redirect hop that led here, in order, when they could be seen
    /// (through the local proxy; browser `fetch` hides them).
    #[serde(default)]
    pub redirects: Vec<Hop>,
    /// The `extract` option's fields (HTML pages of a crawl with `extract`
    /// only; left out of the JSON when empty, so other reports are unchanged).
    #[serde(default, skip_serializing_if = "Fields::is_empty")]
    pub fields: Fields,
}

/// Outcome names as they appear in the report.
pub fn outcome_name(outcome: Outcome) -> String {
    // Serializing a unit enum variant to a JSON string cannot fail.
    serde_json::to_value(outcome).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// Live counters plus the seed report's counters, derived from the pages:
/// every key starts at 0, then [`count_page`] adds each page.
fn zero_counters() -> BTreeMap<String, u64> {
    // `queued` is exactly the queue's length in the log (the `len` of the
    // last `queuePut` / `queueGet`): a URL a worker has taken is `taken`.
    // `httpError`: done pages whose status is 400 or more (also in `done`).
    let keys = ["queued", "taken", "waiting", "inFlight", "done", "httpError", "failed", "notCrawled", "skipped"];
    keys.into_iter().chain(["redirect", "pages"]).map(|k| (k.to_string(), 0)).collect()
}

/// Add one page to the counters.
fn count_page(c: &mut BTreeMap<String, u64>, page: &PageReport) {
    let mut add = |key: &str, n: u64| *c.entry(key.to_string()).or_default() += n;
    {
        add("pages", 1);
        add("redirect", page.aliases.len() as u64);
        let size = page.size.unwrap_or(0);
        match page.outcome.as_str() {
            "queued" => add("queued", 1),
            "taken" => add("taken", 1),
            "waiting" => add("waiting", 1),
            "fetching" | "retrying" => add("inFlight", 1),
            "failed" => {
                add("failed", 1);
                add("fail", 1);
                add(&format!("fail_{}", crate::text::failure_kind(page.error.as_deref().unwrap_or(""))), 1);
            }
            "not crawled (stopped)" => add("notCrawled", 1),
            "done" => {
                add("done", 1);
                let status = page.status.unwrap_or(0);
                add(&format!("status_{status}"), 1);
                let html = page.content_type.as_deref().is_some_and(|t| t.starts_with("text/html"));
                if status >= 400 {
                    add("httpError", 1);
                }
                let kind = if status >= 400 {
                    "error"
                } else if html {
                    "html"
                } else {
                    "other"
                };
                add(kind, 1);
                add(&format!("{kind}Bytes"), size);
            }
            _ => add("skipped", 1),
        }
    }
}
