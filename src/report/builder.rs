//! The fold from events to the Report. The live crawl and a saved log use
//! the same code, so they cannot disagree.
//!
//! It keeps one compact record per page, naming URLs by their interned ids
//! (the strings live once, in [`Strings`]), and writes [`PageReport`]s only
//! when a report is asked for — one page at a time for the JSON, so a
//! finished crawl's report costs its text, not a second copy of every page.

use super::{count_page, outcome_name, zero_counters, PageReport, Report, REPORT_VERSION};
use crate::env::Hop;
use crate::event::{EndReason, Event, EventKind, Outcome};
use crate::extract::Fields;
use crate::log::chunks::Chunked;
use crate::log::compact::{compact, Compact, Fetched, NO_PARENT};
use crate::log::intern::{Id, Strings};
use crate::text::{alias_line, SeedText, TextSize};
use serde::{Serialize, Serializer};
use std::cell::RefCell;
use std::collections::{BTreeMap, HashMap};
use std::rc::Rc;

/// Folds events into a report.
#[derive(Clone, Debug, Default)]
pub struct ReportBuilder {
    /// The crawl's URLs and repeated words, each once; records and the
    /// event log name them by id.
    strings: Strings,
    /// One record per page ever queued, in order of first sight; `None` once
    /// a redirect folded it into another page.
    records: Chunked<Option<Record>, 256>,
    /// Final URL → its record's position in `records`.
    slot: HashMap<Id, u32>,
    /// Requested URL → final URL, for every redirect seen, so events that
    /// still name the requested URL land on the right page.
    moved: HashMap<Id, Id>,
    max_tasks: usize,
    last_t_ms: f64,
    /// Wall time minus crawl time at the last event that had both.
    paused_ms: f64,
    end: Option<(f64, EndReason)>,
    /// `no-cors` probes sent (requests too, though no page owns them).
    cors_probes: u64,
    /// Record positions sorted by final URL, as of the last event (see
    /// [`order`](Self::order)); cleared by every event.
    order: RefCell<Option<Rc<[u32]>>>,
}

/// Where a page is; the strings are written only when a report is built.
#[derive(Clone, Copy, Debug, PartialEq)]
enum State {
    Queued,
    Taken,
    Waiting,
    Fetching,
    Retrying,
    Ended(Outcome),
}

impl State {
    fn name(self) -> String {
        match self {
            State::Queued => "queued".into(),
            State::Taken => "taken".into(),
            State::Waiting => "waiting".into(),
            State::Fetching => "fetching".into(),
            State::Retrying => "retrying".into(),
            State::Ended(outcome) => outcome_name(outcome),
        }
    }
}

/// A [`PageReport`] with ids for strings (see it for each field's meaning).
#[derive(Clone, Debug)]
struct Record {
    url: Id,
    aliases: Vec<Id>,
    status: Option<u16>,
    /// Word ids.
    content_type: Option<Id>,
    encoding: Option<Id>,
    size: Option<u64>,
    /// Shared with the log's `linksFound` event.
    links: Option<Rc<[Id]>>,
    new_links: u32,
    error: Option<Box<str>>,
    tries: u32,
    depth: u32,
    parent: Option<Id>,
    /// NaN for none (half the room of an `Option<f64>`).
    start_ms: f64,
    end_ms: f64,
    state: State,
    truncated: bool,
    encoding_note: Option<Box<str>>,
    canonical: Option<Id>,
    /// (reason word id, count), in the order of the reasons' names.
    skips: Box<[(Id, u32)]>,
    redirects: Vec<Hop>,
    /// Boxed: one pointer for the pages of crawls without `extract`.
    fields: Option<Box<Fields>>,
}

impl Record {
    fn queued(url: Id, depth: u32, parent: Option<Id>) -> Self {
        Record {
            url,
            aliases: Vec::new(),
            status: None,
            content_type: None,
            encoding: None,
            size: None,
            links: None,
            new_links: 0,
            error: None,
            tries: 0,
            depth,
            parent,
            start_ms: f64::NAN,
            end_ms: f64::NAN,
            state: State::Queued,
            truncated: false,
            encoding_note: None,
            canonical: None,
            skips: Box::default(),
            redirects: Vec::new(),
            fields: None,
        }
    }
}

fn time(ms: f64) -> Option<f64> {
    (!ms.is_nan()).then_some(ms)
}

impl ReportBuilder {
    /// Rebuild a report from a whole log.
    pub fn from_events<'a>(events: impl IntoIterator<Item = &'a Event>) -> Report {
        let mut builder = ReportBuilder::default();
        for event in events {
            let kind = compact(event.kind.clone(), &mut builder.strings);
            builder.apply(event.t_ms, event.wall_ms, &kind);
        }
        builder.build()
    }

    /// The interned strings the fold (and a log sharing them) names by id.
    pub fn strings(&self) -> &Strings {
        &self.strings
    }

    pub fn strings_mut(&mut self) -> &mut Strings {
        &mut self.strings
    }

    fn page(&mut self, url: Id) -> Option<&mut Record> {
        let key = self.moved.get(&url).copied().unwrap_or(url);
        let at = *self.slot.get(&key)?;
        self.records.get_mut(at as usize)?.as_mut()
    }

    /// Apply one event (compacted with this builder's strings), stamped
    /// with crawl time `t_ms` and wall time `wall_ms`.
    pub fn apply(&mut self, t_ms: f64, wall_ms: Option<f64>, event: &Compact) {
        self.last_t_ms = t_ms;
        if self.order.get_mut().is_some() {
            *self.order.get_mut() = None;
        }
        if let Some(wall) = wall_ms {
            self.paused_ms = (wall - t_ms).max(0.0);
        }
        let t = t_ms;
        match event {
            Compact::QueueGet { url, .. } => {
                if let Some(page) = self.page(*url) {
                    page.state = State::Taken;
                }
            }
            Compact::QueuePut { url, depth, parent, .. } => {
                let parent = (*parent != NO_PARENT).then_some(*parent);
                self.put(Record::queued(*url, u32::from(*depth), parent));
            }
            // robots.txt is not a page of the crawl (even if a page links to it).
            Compact::FetchStart { robots: true, .. } => {}
            Compact::FetchEnd(end) if end.robots => {}
            Compact::FetchStart { url, attempt, .. } => {
                if let Some(page) = self.page(*url) {
                    page.state = State::Fetching;
                    page.tries = *attempt;
                    if page.start_ms.is_nan() {
                        page.start_ms = t;
                    }
                }
            }
            Compact::FetchEnd(end) => {
                if let Some(page) = self.page(end.url) {
                    page.end_ms = t;
                    match &end.result {
                        Fetched::Response { status, content_type, bytes, truncated, .. } => {
                            page.status = Some(*status);
                            page.content_type = *content_type;
                            page.size = Some(*bytes);
                            page.truncated = *truncated;
                            page.error = None;
                        }
                        Fetched::Error(error) => page.error = Some(error.clone()),
                    }
                }
            }
            Compact::LinksFound(found) => {
                if let Some(page) = self.page(found.url) {
                    page.links = Some(found.links.clone());
                    page.new_links = found.new;
                    page.encoding = Some(found.encoding);
                    page.encoding_note = found.encoding_note.clone();
                    page.canonical = found.canonical;
                    page.skips = found.skipped.clone();
                }
            }
            Compact::PageEnd { url, outcome, error } => {
                if *outcome == Outcome::Alias {
                    return; // the alias is already listed on its target
                }
                if let Some(page) = self.page(*url) {
                    page.state = State::Ended(*outcome);
                    if error.is_some() {
                        page.error = error.clone();
                    }
                }
            }
            Compact::Other(kind) => self.apply_rare(kind),
            Compact::PollStart { .. }
            | Compact::PollEnd { .. }
            | Compact::Wake { .. }
            | Compact::Stepped { .. }
            | Compact::Paused
            | Compact::Resumed
            | Compact::JoinResolved
            | Compact::StopRequested
            | Compact::TaskDone { .. } => {}
        }
    }

    /// A page put on the queue (again, if a log says so: it starts over).
    fn put(&mut self, record: Record) {
        match self.slot.get(&record.url) {
            Some(&at) => {
                if let Some(old) = self.records.get_mut(at as usize) {
                    *old = Some(record);
                }
            }
            None => {
                let at = u32::try_from(self.records.len()).unwrap_or(u32::MAX);
                self.slot.insert(record.url, at);
                self.records.push(Some(record));
            }
        }
    }

    /// The rare events, kept whole (see [`Compact::Other`]).
    fn apply_rare(&mut self, kind: &EventKind) {
        match kind {
            EventKind::QueuePut { url, depth, parent, .. } => {
                let parent = parent.as_deref().map(|p| self.strings.urls.intern(p));
                let url = self.strings.urls.intern(url);
                self.put(Record::queued(url, *depth, parent));
            }
            EventKind::CrawlStarted { max_tasks, .. } => self.max_tasks = *max_tasks,
            EventKind::Redirected { from, to, coalesced, hops, .. } => {
                let (from, to) = (self.strings.urls.intern(from), self.strings.urls.intern(to));
                self.redirect(from, to, *coalesced, hops);
            }
            EventKind::CorsProbed { .. } => self.cors_probes += 1,
            EventKind::FieldsFound { url, fields, .. } => {
                if let Some(id) = self.strings.urls.get(url) {
                    if let Some(page) = self.page(id) {
                        page.fields = Some(Box::new(fields.clone()));
                    }
                }
            }
            EventKind::SlotWait { url, .. } => {
                if let Some(id) = self.strings.urls.get(url) {
                    if let Some(page) = self.page(id) {
                        page.state = State::Waiting;
                    }
                }
            }
            EventKind::RetryScheduled { url, .. } => {
                if let Some(id) = self.strings.urls.get(url) {
                    if let Some(page) = self.page(id) {
                        page.state = State::Retrying;
                    }
                }
            }
            EventKind::Finished { elapsed_ms, reason } => self.end = Some((*elapsed_ms, *reason)),
            _ => {}
        }
    }

    /// `from` was fetched and answered from `to`.
    fn redirect(&mut self, from: Id, to: Id, coalesced: bool, hops: &[Hop]) {
        let Some(at) = self.slot.remove(&from) else { return };
        let Some(mut record) = self.records.get_mut(at as usize).and_then(Option::take) else { return };
        self.moved.insert(from, to);
        if coalesced {
            // `to` is already a page (queued, in flight or done): keep it,
            // and list `from` among its aliases.
            if let Some(target) = self.page(to) {
                target.aliases.push(from);
                target.redirects.extend_from_slice(hops);
                return;
            }
            record.url = to;
            record.redirects.clear();
        } else {
            record.url = to;
        }
        record.aliases.push(from);
        record.redirects.extend_from_slice(hops);
        if let Some(&old) = self.slot.get(&to) {
            // Overwritten, as a map keyed by final URL would.
            if let Some(slot) = self.records.get_mut(old as usize) {
                *slot = None;
            }
        }
        if let Some(slot) = self.records.get_mut(at as usize) {
            *slot = Some(record);
        }
        self.slot.insert(to, at);
    }

    /// Record positions, sorted by final URL.
    /// Kept until the next event: a report read in parts sorts once.
    fn order(&self) -> Rc<[u32]> {
        if let Some(order) = self.order.borrow().as_ref() {
            return order.clone();
        }
        let mut order: Vec<(&str, u32)> =
            self.slot.iter().map(|(&url, &at)| (self.strings.urls.text(url), at)).collect();
        order.sort_unstable();
        let order: Rc<[u32]> = order.into_iter().map(|(_, at)| at).collect();
        *self.order.borrow_mut() = Some(order.clone());
        order
    }

    /// The page at position `at`, written out.
    fn page_report(&self, at: u32) -> Option<PageReport> {
        let record = self.records.get(at as usize)?.as_ref()?;
        let url = |id: Id| self.strings.urls.text(id).to_string();
        let word = |id: Id| self.strings.words.text(id).to_string();
        let mut aliases: Vec<String> = record.aliases.iter().map(|&a| url(a)).collect();
        aliases.sort();
        Some(PageReport {
            url: url(record.url),
            aliases,
            status: record.status,
            content_type: record.content_type.map(word),
            encoding: record.encoding.map(word),
            size: record.size,
            links: record.links.iter().flat_map(|l| l.iter()).map(|&l| url(l)).collect(),
            new_links: record.new_links as usize,
            error: record.error.as_deref().map(String::from),
            tries: record.tries,
            depth: record.depth,
            parent: record.parent.map(url),
            start_ms: time(record.start_ms),
            end_ms: time(record.end_ms),
            outcome: record.state.name(),
            truncated: record.truncated,
            encoding_note: record.encoding_note.as_deref().map(String::from),
            canonical: record.canonical.map(url),
            skips: record.skips.iter().map(|&(reason, n)| (word(reason), u64::from(n))).collect(),
            redirects: record.redirects.clone(),
            fields: record.fields.as_deref().cloned().unwrap_or_default(),
        })
    }

    /// Everything of the report but its pages: counters, skips and the
    /// seed text need every page once, written one at a time.
    fn summary(&self, order: &[u32]) -> Summary {
        let mut counters = zero_counters();
        let mut skips: BTreeMap<String, u64> = BTreeMap::new();
        // The seed text is written twice: to learn its size, then into a
        // `String` of exactly that size (see `exact_json`).
        let mut size = SeedText::new(TextSize::default(), self.alias_lines());
        for page in order.iter().filter_map(|&at| self.page_report(at)) {
            count_page(&mut counters, &page);
            for (reason, n) in &page.skips {
                *skips.entry(reason.clone()).or_default() += n;
            }
            if page.outcome == "skipped (robots.txt)" {
                *skips.entry("robots".into()).or_default() += 1;
            }
            size.add(&page);
        }
        counters.insert("corsProbes".into(), self.cors_probes);
        let (elapsed_ms, end_reason) = match self.end {
            Some((ms, reason)) => (ms, Some(reason)),
            None => (self.last_t_ms, None),
        };
        let size = size.finish(&counters, elapsed_ms, self.max_tasks).0;
        let mut text = SeedText::new(String::with_capacity(size), self.alias_lines());
        for page in order.iter().filter_map(|&at| self.page_report(at)) {
            text.add(&page);
        }
        let text = text.finish(&counters, elapsed_ms, self.max_tasks);
        Summary { counters, skips, elapsed_ms, end_reason, text }
    }

    /// The seed text's line for every alias.
    fn alias_lines(&self) -> Vec<String> {
        let urls = &self.strings.urls;
        let records = self.slot.values().filter_map(|&at| self.records.get(at as usize)?.as_ref());
        records
            .flat_map(|r| r.aliases.iter().map(move |&alias| alias_line(urls.text(alias), urls.text(r.url))))
            .collect()
    }

    /// The report as of the last applied event.
    pub fn build(&self) -> Report {
        let order = self.order();
        let Summary { counters, skips, elapsed_ms, end_reason, text } = self.summary(&order);
        Report {
            version: REPORT_VERSION,
            pages: order.iter().filter_map(|&at| self.page_report(at)).collect(),
            counters,
            elapsed_ms,
            paused_ms: self.paused_ms,
            max_tasks: self.max_tasks,
            finished: self.end.is_some(),
            end_reason,
            skips,
            text,
        }
    }

    /// The report as of the last applied event, as JSON: the same text as
    /// serialising [`build`](Self::build)'s Report, with each page written
    /// out only while it is serialised.
    pub fn to_json(&self) -> String {
        let order = self.order();
        self.json_with_pages(&order)
    }

    /// The report's JSON with an empty `pages` list: with
    /// [`pages_json`](Self::pages_json) a reader takes a big report in
    /// parts, and wasm memory never holds more than one part's text.
    pub fn head_json(&self) -> String {
        self.json_with_pages(&[])
    }

    /// How many pages the report has.
    pub fn page_count(&self) -> usize {
        self.order().len()
    }

    /// Pages `from..from + count` of the report (in its order, by URL), as
    /// a JSON array; empty past the end.
    pub fn pages_json(&self, from: usize, count: usize) -> String {
        let order = self.order();
        let part = order.get(from..from.saturating_add(count).min(order.len())).unwrap_or_default();
        exact_json(&Pages { builder: self, order: part })
    }

    fn json_with_pages(&self, pages: &[u32]) -> String {
        let summary = self.summary(&self.order());
        exact_json(&ReportJson {
            version: REPORT_VERSION,
            pages: Pages { builder: self, order: pages },
            counters: &summary.counters,
            elapsed_ms: summary.elapsed_ms,
            paused_ms: self.paused_ms,
            max_tasks: self.max_tasks,
            finished: self.end.is_some(),
            end_reason: summary.end_reason,
            skips: &summary.skips,
            text: &summary.text,
        })
    }
}

/// `value` as JSON, written twice: once to count its bytes, then into a
/// buffer of exactly that size. A growing `String` doubles, holding old and
/// new copies at once, and wasm memory keeps that high-water mark for good.
fn exact_json(value: &impl Serialize) -> String {
    let mut count = ByteCount(0);
    let mut out = Vec::new();
    // Plain data (strings, numbers, maps with string keys) always
    // serialises, and into memory nothing fails: the fallback is never reached.
    let written = serde_json::to_writer(&mut count, value).and_then(|()| {
        out.reserve_exact(count.0);
        serde_json::to_writer(&mut out, value)
    });
    match written.map(|()| String::from_utf8(out)) {
        Ok(Ok(text)) => text,
        _ => r#"{"error":"the report could not be written"}"#.to_string(),
    }
}

/// A writer that only counts what it is given.
struct ByteCount(usize);

impl std::io::Write for ByteCount {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0 += buf.len();
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

struct Summary {
    counters: BTreeMap<String, u64>,
    skips: BTreeMap<String, u64>,
    elapsed_ms: f64,
    end_reason: Option<EndReason>,
    text: String,
}

/// [`Report`]'s fields, in its order, borrowing what is already built.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ReportJson<'a> {
    version: u32,
    pages: Pages<'a>,
    counters: &'a BTreeMap<String, u64>,
    elapsed_ms: f64,
    paused_ms: f64,
    max_tasks: usize,
    finished: bool,
    end_reason: Option<EndReason>,
    skips: &'a BTreeMap<String, u64>,
    text: &'a str,
}

/// The pages, written out one at a time as they are serialised.
struct Pages<'a> {
    builder: &'a ReportBuilder,
    order: &'a [u32],
}

impl Serialize for Pages<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.order.iter().filter_map(|&at| self.builder.page_report(at)))
    }
}
