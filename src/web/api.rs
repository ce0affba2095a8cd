//! The `#[wasm_bindgen]` boundary. Data crosses as JSON text: options in,
//! reports, events and task details out. `www/crawlscope.js` wraps this into
//! the documented `window.crawlscope` API.

use crate::lints::LintFold;
use crate::options::Options;
use crate::replay::{RecordedLog, Replay};
use crate::tasks::inspect;
use crate::trace::trace_events;
use crate::Crawl;
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    super::panic::install();
}

/// A test hook: panics on purpose, so tests can check that a bug that
/// slips through becomes the page's error banner (the instance is dead
/// afterwards, as after any panic on stable wasm). Nothing else calls it.
#[wasm_bindgen(js_name = panicForTesting)]
pub fn panic_for_testing(message: &str) {
    panic!("{message}");
}

/// How many of a task's or page's events `task()` returns (the newest).
const INSPECT_EVENTS: usize = 200;

/// A JS `Error` with a message (and, for options, the option's name).
fn js_error(message: &str, option: Option<&str>) -> JsValue {
    let error = js_sys::Error::new(message);
    if let Some(option) = option {
        let _ = js_sys::Reflect::set(&error, &"option".into(), &option.into());
    }
    error.into()
}

/// Our types always serialise (string keys, finite or null numbers); the
/// fallback keeps that promise without a panic path.
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"serialisation failed: {e}\"}}"))
}

/// A crawl running in this page.
#[wasm_bindgen]
pub struct CrawlHandle {
    crawl: Crawl,
    /// The lints folded so far: each call folds only the events since the
    /// last one, so asking every refresh costs what is new, not the log.
    lints: RefCell<LintFold>,
}

/// Start a crawl. Options are the JS API's object as JSON; a bad option
/// throws an `Error` whose `option` property names it. `paused`: start
/// paused, before any task's first poll (step 1 is the first worker's first
/// poll). `proxy` is the local proxy `config.json` announced (`endpoint`,
/// `token`), if any: `proxy: true` without one is refused.
#[wasm_bindgen(js_name = startCrawl)]
pub fn start_crawl(
    options_json: &str,
    paused: Option<bool>,
    proxy: Option<String>,
    proxy_token: Option<String>,
) -> Result<CrawlHandle, JsValue> {
    let options = Options::from_json_with(options_json, &super::idna::WebIdna)
        .map_err(|e| js_error(&e.to_string(), Some(&e.option)))?;
    let mut env = super::browser_env();
    env.spawner = std::rc::Rc::new(super::WebSpawner { first_poll_in_own_task: paused != Some(true) });
    if let (Some(endpoint), Some(token)) = (proxy, proxy_token) {
        env.proxy = Some(std::rc::Rc::new(super::fetch::ProxyFetcher { endpoint, token }));
    }
    let crawl =
        Crawl::try_start(options, env, paused == Some(true)).map_err(|e| js_error(&e.to_string(), Some(&e.option)))?;
    Ok(CrawlHandle { crawl, lints: RefCell::new(LintFold::new()) })
}

/// A recorded log file's text as a Trace Event Format file (JSON text);
/// throws an `Error` saying what is wrong with a bad log.
#[wasm_bindgen(js_name = traceFromLog)]
pub fn trace_from_log(log_json: &str) -> Result<String, JsValue> {
    let log = RecordedLog::parse(log_json).map_err(|e| js_error(&e, None))?;
    Ok(trace_events(&log.events))
}

/// The Python source of a Scrapy spider for these options (the JS API's
/// object as JSON); with `redis` (`redis://host:port/db`), a scrapy-redis
/// spider whose workers share one frontier there. A bad option, or a bad
/// Redis URL, throws an `Error` whose `option` names it.
#[wasm_bindgen(js_name = scrapySpider)]
pub fn scrapy_spider(options_json: &str, redis: Option<String>) -> Result<String, JsValue> {
    // As `startCrawl` reads them: a root's international host converted by the browser.
    Options::from_json_with(options_json, &super::idna::WebIdna)
        .and_then(|options| crate::export::scrapy::spider(&options, redis.as_deref()))
        .map_err(|e| js_error(&e.to_string(), Some(&e.option)))
}

#[wasm_bindgen]
impl CrawlHandle {
    /// Abort in-flight fetches and end the crawl, keeping every result.
    pub fn stop(&self) {
        self.crawl.stop();
    }

    pub fn pause(&self) {
        self.crawl.pause();
    }

    pub fn resume(&self) {
        self.crawl.resume();
    }

    #[wasm_bindgen(js_name = isPaused)]
    pub fn is_paused(&self) -> bool {
        self.crawl.is_paused()
    }

    /// Time spent paused so far, in ms (wall time minus crawl time).
    #[wasm_bindgen(js_name = pausedMs)]
    pub fn paused_ms(&self) -> f64 {
        self.crawl.paused_ms()
    }

    /// Poll one ready task once; returns its id. Throws when it cannot.
    pub fn step(&self, task: Option<u32>) -> Result<u32, JsValue> {
        self.crawl.step(task).map_err(|e| js_error(&e.to_string(), None))
    }

    #[wasm_bindgen(js_name = readyJson)]
    pub fn ready_json(&self) -> String {
        to_json(&self.crawl.ready())
    }

    /// While paused with nothing ready and nothing on the network: move the
    /// engine's frozen clock to its next timer; the ms skipped, or undefined.
    #[wasm_bindgen(js_name = skipTime)]
    pub fn skip_time(&self) -> Option<f64> {
        self.crawl.skip_time()
    }

    #[wasm_bindgen(js_name = tasksJson)]
    pub fn tasks_json(&self) -> String {
        to_json(&self.crawl.tasks())
    }

    /// A task (by id) or a page (by URL) with its events; `null` if unknown.
    #[wasm_bindgen(js_name = inspectJson)]
    pub fn inspect_json(&self, key: &str) -> String {
        let events = self.crawl.events_since(0);
        let now = events.last().map_or(0.0, |e| e.t_ms);
        to_json(&inspect(&events, now, &self.crawl.report().pages, key, INSPECT_EVENTS))
    }

    /// The report as of now, as JSON.
    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self) -> String {
        self.crawl.report_json()
    }

    /// The report as of now without its pages (`pages: []`): a big report
    /// crosses in parts, so wasm memory never holds all of its text at once.
    #[wasm_bindgen(js_name = reportHeadJson)]
    pub fn report_head_json(&self) -> String {
        self.crawl.report_head_json()
    }

    #[wasm_bindgen(js_name = reportPageCount)]
    pub fn report_page_count(&self) -> u32 {
        self.crawl.report_page_count() as u32
    }

    /// Pages `from..from + count` of the report (sorted by URL), as a JSON array.
    #[wasm_bindgen(js_name = reportPagesJson)]
    pub fn report_pages_json(&self, from: u32, count: u32) -> String {
        self.crawl.report_pages_json(from as usize, count as usize)
    }

    /// Events from position `from` on, as a JSON array: at most `max` of them when given.
    #[wasm_bindgen(js_name = eventsJson)]
    pub fn events_json(&self, from: u32, max: Option<u32>) -> String {
        let max = max.map_or(usize::MAX, |m| m as usize);
        to_json(&self.crawl.events_range(from as usize, max))
    }

    #[wasm_bindgen(js_name = eventCount)]
    pub fn event_count(&self) -> u32 {
        self.crawl.event_count() as u32
    }

    /// The crawl's start on the `performance.now()` clock (event times are relative to it).
    #[wasm_bindgen(js_name = originMs)]
    pub fn origin_ms(&self) -> f64 {
        self.crawl.origin_ms()
    }

    /// The recorded log file (JSON) of this crawl so far.
    #[wasm_bindgen(js_name = logJson)]
    pub fn log_json(&self) -> String {
        self.crawl.log().to_json()
    }

    #[wasm_bindgen(js_name = isFinished)]
    pub fn is_finished(&self) -> bool {
        self.crawl.is_finished()
    }

    /// Fold the events logged since the last call into the lints.
    fn catch_up(&self) {
        // Read the log before borrowing the fold: nothing here calls into JS
        // or a task, and each borrow ends with its statement.
        let from = self.lints.borrow().applied();
        let new = self.crawl.events_since(from);
        self.lints.borrow_mut().apply_all(&new);
    }

    /// The lints so far, as a JSON array (see `crate::lints`).
    #[wasm_bindgen(js_name = lintsJson)]
    pub fn lints_json(&self) -> String {
        self.catch_up();
        to_json(&self.lints.borrow().lints())
    }

    /// How many lints so far (cheap: the page asks every refresh).
    #[wasm_bindgen(js_name = lintCount)]
    pub fn lint_count(&self) -> u32 {
        self.catch_up();
        self.lints.borrow().lints().len() as u32
    }

    /// The log so far as a Trace Event Format file (JSON text).
    #[wasm_bindgen(js_name = traceJson)]
    pub fn trace_json(&self) -> String {
        trace_events(&self.crawl.events_since(0))
    }

    /// A Promise that resolves (to undefined) once the crawl has ended;
    /// the final report is then read in parts, as `reportHeadJson` says.
    pub fn done(&self) -> js_sys::Promise {
        let ended = self.crawl.ended();
        wasm_bindgen_futures::future_to_promise(async move {
            ended.await;
            Ok(JsValue::UNDEFINED)
        })
    }
}

/// A recorded log opened for replay: no network, just the log.
#[wasm_bindgen]
pub struct ReplayHandle {
    replay: Replay,
}

/// Open a log file's text for replay; throws an `Error` saying what is wrong.
#[wasm_bindgen(js_name = openReplay)]
pub fn open_replay(log_json: &str) -> Result<ReplayHandle, JsValue> {
    let log = RecordedLog::parse(log_json).map_err(|e| js_error(&e, None))?;
    Ok(ReplayHandle { replay: Replay::new(log) })
}

#[wasm_bindgen]
impl ReplayHandle {
    /// Go to step `n` (clamped); returns the step reached.
    pub fn seek(&mut self, n: f64) -> u32 {
        let n = if n.is_finite() && n > 0.0 { n as usize } else { 0 };
        self.replay.seek(n) as u32
    }

    #[wasm_bindgen(js_name = stepForward)]
    pub fn step_forward(&mut self) -> u32 {
        self.replay.step_forward() as u32
    }

    #[wasm_bindgen(js_name = stepBack)]
    pub fn step_back(&mut self) -> u32 {
        self.replay.step_back() as u32
    }

    pub fn position(&self) -> u32 {
        self.replay.position() as u32
    }

    pub fn steps(&self) -> u32 {
        self.replay.steps() as u32
    }

    /// The task polled by the current step, if any.
    #[wasm_bindgen(js_name = polledTask)]
    pub fn polled_task(&self) -> Option<u32> {
        self.replay.polled_task()
    }

    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self) -> String {
        to_json(&self.replay.report())
    }

    #[wasm_bindgen(js_name = tasksJson)]
    pub fn tasks_json(&self) -> String {
        to_json(&self.replay.tasks())
    }

    #[wasm_bindgen(js_name = inspectJson)]
    pub fn inspect_json(&self, key: &str) -> String {
        let events = self.replay.events();
        let now = events.last().map_or(0.0, |e| e.t_ms);
        to_json(&inspect(events, now, &self.replay.report().pages, key, INSPECT_EVENTS))
    }

    /// Events of the current state from position `from` on: at most `max` of them when given.
    #[wasm_bindgen(js_name = eventsJson)]
    pub fn events_json(&self, from: u32, max: Option<u32>) -> String {
        let events = self.replay.events().get(from as usize..).unwrap_or_default();
        let max = max.map_or(events.len(), |m| (m as usize).min(events.len()));
        to_json(&events.get(..max).unwrap_or_default())
    }

    #[wasm_bindgen(js_name = eventCount)]
    pub fn event_count(&self) -> u32 {
        self.replay.events().len() as u32
    }

    #[wasm_bindgen(js_name = logJson)]
    pub fn log_json(&self) -> String {
        self.replay.log().to_json()
    }

    /// The lints raised up to the current step, as a JSON array.
    #[wasm_bindgen(js_name = lintsJson)]
    pub fn lints_json(&self) -> String {
        to_json(&self.replay.lints())
    }

    #[wasm_bindgen(js_name = lintCount)]
    pub fn lint_count(&self) -> u32 {
        self.replay.lint_count() as u32
    }

    /// The whole log as a Trace Event Format file (JSON text).
    #[wasm_bindgen(js_name = traceJson)]
    pub fn trace_json(&self) -> String {
        trace_events(&self.replay.log().events)
    }
}
