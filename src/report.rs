//! The Report: a fold over the event log, never updated any other way.
//!
//! Pages are keyed by their final URL; a requested URL that redirected is
//! listed in its target's `aliases`. Counters are derived from the pages when
//! the report is built, so they always add up.

use crate::env::Hop;
use crate::event::{EndReason, Event, EventKind, FetchResult, Outcome};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

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
}

impl PageReport {
    fn queued(url: &str, depth: u32, parent: Option<String>) -> Self {
        PageReport {
            url: url.to_string(),
            aliases: Vec::new(),
            status: None,
            content_type: None,
            encoding: None,
            size: None,
            links: Vec::new(),
            new_links: 0,
            error: None,
            tries: 0,
            depth,
            parent,
            start_ms: None,
            end_ms: None,
            outcome: "queued".into(),
            truncated: false,
            encoding_note: None,
            canonical: None,
            skips: BTreeMap::new(),
            redirects: Vec::new(),
        }
    }
}

/// Outcome names as they appear in the report.
pub fn outcome_name(outcome: Outcome) -> String {
    // Serializing a unit enum variant to a JSON string cannot fail.
    serde_json::to_value(outcome).ok().and_then(|v| v.as_str().map(String::from)).unwrap_or_default()
}

/// Folds events into a report. The live crawl and a saved log use the same
/// code, so they cannot disagree.
#[derive(Clone, Debug, Default)]
pub struct ReportBuilder {
    pages: BTreeMap<String, PageReport>,
    /// Requested URL → final URL, for every redirect seen, so events that
    /// still name the requested URL land on the right page.
    moved: HashMap<String, String>,
    max_tasks: usize,
    last_t_ms: f64,
    /// Wall time minus crawl time at the last event that had both.
    paused_ms: f64,
    end: Option<(f64, EndReason)>,
    /// `no-cors` probes sent (requests too, though no page owns them).
    cors_probes: u64,
}

impl ReportBuilder {
    /// Rebuild a report from a whole log.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Report {
        let mut builder = ReportBuilder::default();
        for event in events {
            builder.apply(event);
        }
        builder.build()
    }

    fn page(&mut self, url: &str) -> Option<&mut PageReport> {
        let key = self.moved.get(url).map(String::as_str).unwrap_or(url);
        self.pages.get_mut(key)
    }

    /// Apply one event.
    pub fn apply(&mut self, event: &Event) {
        self.last_t_ms = event.t_ms;
        if let Some(wall) = event.wall_ms {
            self.paused_ms = (wall - event.t_ms).max(0.0);
        }
        let t = event.t_ms;
        match &event.kind {
            EventKind::CrawlStarted { max_tasks, .. } => self.max_tasks = *max_tasks,
            // robots.txt is not a page of the crawl (even if a page links to it).
            EventKind::FetchStart { robots: true, .. } | EventKind::FetchEnd { robots: true, .. } => {}
            EventKind::QueueGet { url, .. } => {
                if let Some(page) = self.page(url) {
                    page.outcome = "taken".into();
                }
            }
            EventKind::QueuePut { url, depth, parent, .. } => {
                self.pages.insert(url.clone(), PageReport::queued(url, *depth, parent.clone()));
            }
            EventKind::FetchStart { url, attempt, .. } => {
                if let Some(page) = self.page(url) {
                    page.outcome = "fetching".into();
                    page.tries = *attempt;
                    page.start_ms.get_or_insert(t);
                }
            }
            EventKind::FetchEnd { url, result, .. } => {
                if let Some(page) = self.page(url) {
                    page.end_ms = Some(t);
                    match result {
                        FetchResult::Response { status, content_type, bytes, truncated, .. } => {
                            page.status = Some(*status);
                            page.content_type = content_type.clone();
                            page.size = Some(*bytes as u64);
                            page.truncated = *truncated;
                            page.error = None;
                        }
                        FetchResult::Error { error } => page.error = Some(error.clone()),
                    }
                }
            }
            EventKind::Redirected { from, to, coalesced, hops, .. } => self.redirect(from, to, *coalesced, hops),
            EventKind::CorsProbed { .. } => self.cors_probes += 1,
            EventKind::LinksFound { url, links, new, skipped, encoding, encoding_note, canonical, .. } => {
                if let Some(page) = self.page(url) {
                    page.links = links.clone();
                    page.new_links = *new;
                    page.encoding = Some(encoding.clone());
                    page.encoding_note = encoding_note.clone();
                    page.canonical = canonical.clone();
                    page.skips = skipped.iter().map(|(k, v)| (k.clone(), *v as u64)).collect();
                }
            }
            EventKind::SlotWait { url, .. } => {
                if let Some(page) = self.page(url) {
                    page.outcome = "waiting".into();
                }
            }
            EventKind::RetryScheduled { url, .. } => {
                if let Some(page) = self.page(url) {
                    page.outcome = "retrying".into();
                }
            }
            EventKind::PageEnd { url, outcome, error } => {
                if *outcome == Outcome::Alias {
                    return; // the alias is already listed on its target
                }
                if let Some(page) = self.page(url) {
                    page.outcome = outcome_name(*outcome);
                    if error.is_some() {
                        page.error = error.clone();
                    }
                }
            }
            EventKind::Finished { elapsed_ms, reason } => self.end = Some((*elapsed_ms, *reason)),
            EventKind::TaskSpawned { .. }
            | EventKind::RobotsFetched { .. }
            | EventKind::PollStart { .. }
            | EventKind::PollEnd { .. }
            | EventKind::Wake { .. }
            | EventKind::TaskExited { .. }
            | EventKind::Paused
            | EventKind::Resumed
            | EventKind::TimeSkipped { .. }
            | EventKind::Stepped { .. }
            | EventKind::TaskDone { .. }
            | EventKind::JoinResolved
            | EventKind::StopRequested
            | EventKind::WorkersCancelled { .. } => {}
        }
    }

    /// `from` was fetched and answered from `to`.
    fn redirect(&mut self, from: &str, to: &str, coalesced: bool, hops: &[Hop]) {
        let Some(mut record) = self.pages.remove(from) else { return };
        self.moved.insert(from.to_string(), to.to_string());
        if coalesced {
            // `to` is already a page (queued, in flight or done): keep it,
            // and list `from` among its aliases.
            let target = self.pages.entry(to.to_string()).or_insert_with(|| {
                let mut placeholder = record.clone();
                placeholder.url = to.to_string();
                placeholder.redirects.clear();
                placeholder
            });
            target.aliases.push(from.to_string());
            target.redirects.extend_from_slice(hops);
        } else {
            record.redirects.extend_from_slice(hops);
            record.url = to.to_string();
            record.aliases.push(from.to_string());
            self.pages.insert(to.to_string(), record);
        }
    }

    /// The report as of the last applied event.
    pub fn build(&self) -> Report {
        let mut pages: Vec<PageReport> = self.pages.values().cloned().collect();
        for page in &mut pages {
            page.aliases.sort();
        }
        let (elapsed_ms, end_reason) = match self.end {
            Some((ms, reason)) => (ms, Some(reason)),
            None => (self.last_t_ms, None),
        };
        let mut counters = counters(&pages);
        counters.insert("corsProbes".into(), self.cors_probes);
        let mut skips: BTreeMap<String, u64> = BTreeMap::new();
        for page in &pages {
            for (reason, n) in &page.skips {
                *skips.entry(reason.clone()).or_default() += n;
            }
            if page.outcome == "skipped (robots.txt)" {
                *skips.entry("robots".into()).or_default() += 1;
            }
        }
        let text = crate::text::seed_text(&pages, &counters, elapsed_ms, self.max_tasks);
        Report {
            version: REPORT_VERSION,
            counters,
            pages,
            elapsed_ms,
            paused_ms: self.paused_ms,
            max_tasks: self.max_tasks,
            finished: self.end.is_some(),
            end_reason,
            skips,
            text,
        }
    }
}

/// Live counters plus the seed report's counters, derived from the pages.
fn counters(pages: &[PageReport]) -> BTreeMap<String, u64> {
    let mut c: BTreeMap<String, u64> = BTreeMap::new();
    let mut add = |key: &str, n: u64| *c.entry(key.to_string()).or_default() += n;
    // `queued` is exactly the queue's length in the log (the `len` of the
    // last `queuePut` / `queueGet`): a URL a worker has taken is `taken`.
    // `httpError`: done pages whose status is 400 or more (also in `done`).
    let keys = ["queued", "taken", "waiting", "inFlight", "done", "httpError", "failed", "notCrawled", "skipped"];
    for key in keys.into_iter().chain(["redirect", "pages"]) {
        add(key, 0);
    }
    for page in pages {
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
    c
}
