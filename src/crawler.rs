//! The crawl engine: the seed crawler's algorithm on a single-threaded
//! executor.
//!
//! ```text
//!   roots ──put──▶ JoinableQueue ──get──▶ worker 0..maxTasks ──fetch──▶ Fetcher
//!                      ▲                        │ parse links (scraper)
//!                      └──── put new links ◀────┘ task_done (always, via a drop guard)
//!   supervisor: await join() or stop ─▶ cancel workers ─▶ Finished
//! ```
//!
//! Every task runs behind the [`Scheduler`]'s gate, and every `.await` on
//! the outside world goes through [`Scheduler::tagged`], so the log shows
//! each poll, where each task parks and who wakes it — and the crawl can be
//! paused and stepped one poll at a time.
//!
//! Every step is an [`EventKind`] in the log; the report is folded from it.
//! Nothing here panics or returns an error once the crawl has started:
//! whatever goes wrong with a page is recorded as that page's data.

use crate::env::{Env, FetchError, FetchRequest, FetchResponse};
use crate::event::{AwaitPoint, EndReason, Event, EventKind, FetchResult, Outcome, Recorder, TaskId};
use crate::links::{self, LinkCollector, LinkParser};
use crate::options::Options;
use crate::queue::JoinableQueue;
use crate::replay::RecordedLog;
use crate::report::Report;
use crate::sched::{ReadyTask, Scheduler, StepError};
use crate::scope::Scope;
use crate::signal::Signal;
use crate::tasks::{tasks_from_events, TaskDetail};
use crate::time::EngineClock;
use futures::future::{select, Either};
use std::cell::RefCell;
use std::collections::HashSet;
use std::future::Future;
use std::rc::Rc;
use url::Url;

/// Work a burst may do on the browser's thread before the tasks yield it
/// back (rendering and input must never wait behind the crawl for long).
const SLICE_MS: f64 = 8.0;
/// Pages are parsed this many bytes at a time, with a chance to yield between.
const PARSE_CHUNK: usize = 64 * 1024;
/// Links are resolved this many at a time, with a chance to yield between.
const LINK_BATCH: usize = 512;

/// A running (or finished) crawl. Cheap to clone; clones share the crawl.
#[derive(Clone)]
pub struct Crawl {
    shared: Rc<Shared>,
}

/// State every task of one crawl shares.
struct Shared {
    options: Options,
    env: Env,
    scope: Scope,
    /// Appends to the event log, the single source of truth.
    recorder: Rc<Recorder>,
    /// The gate every task runs behind: pause, step, cancel.
    sched: Rc<Scheduler>,
    /// The engine's timers' clock, frozen while paused.
    clock: Rc<EngineClock>,
    queue: JoinableQueue<Item>,
    /// Every URL ever enqueued or reached by a redirect: a URL is fetched at
    /// most once, however many pages link to it.
    seen: RefCell<HashSet<String>>,
    stop: Signal,
    finished: Signal,
}

/// A queued URL and where it came from.
#[derive(Clone, Debug)]
struct Item {
    url: Url,
    depth: u32,
    parent: Option<String>,
}

impl Shared {
    fn emit(&self, kind: EventKind) {
        self.recorder.emit(kind);
    }

    /// The supervisor's task id (workers are `0..max_tasks`).
    fn supervisor_id(&self) -> TaskId {
        self.options.max_tasks as TaskId
    }

    /// Enqueue `url` if it was never seen; returns whether it was new.
    fn enqueue(&self, item: Item) -> bool {
        if !self.seen.borrow_mut().insert(item.url.to_string()) {
            return false;
        }
        let (url, depth, parent) = (item.url.to_string(), item.depth, item.parent.clone());
        self.queue.put(item);
        self.emit(EventKind::QueuePut {
            url,
            depth,
            parent,
            len: self.queue.len(),
            unfinished: self.queue.unfinished(),
        });
        true
    }

    /// Drop every worker's future now; returns how many were still live.
    fn cancel_workers(&self) -> u32 {
        self.sched.cancel_all_except(self.supervisor_id())
    }
}

impl Crawl {
    /// Start a crawl: roots are enqueued and `max_tasks` workers spawned
    /// before this returns, so `report()` shows the roots at once.
    pub fn start(options: Options, env: Env) -> Crawl {
        let recorder = Recorder::new(env.clock.clone());
        let clock = EngineClock::new(env.clock.clone());
        let shared = Rc::new(Shared {
            scope: Scope::new(&options.roots, options.strict),
            sched: Scheduler::new(recorder.clone(), clock.clone()),
            recorder,
            clock,
            queue: JoinableQueue::new(),
            seen: RefCell::new(HashSet::new()),
            stop: Signal::new(),
            finished: Signal::new(),
            options,
            env,
        });
        let roots: Vec<String> = shared.options.roots.iter().map(Url::to_string).collect();
        shared.emit(EventKind::CrawlStarted { roots, max_tasks: shared.options.max_tasks });
        for root in shared.options.roots.clone() {
            shared.enqueue(Item { url: root, depth: 0, parent: None });
        }
        let spawner = shared.env.spawner.clone();
        for task in 0..shared.options.max_tasks as TaskId {
            shared.emit(EventKind::TaskSpawned { task, name: format!("worker {task}") });
            shared.sched.spawn(&*spawner, task, Box::pin(worker(shared.clone(), task)));
        }
        let supervisor = shared.supervisor_id();
        shared.emit(EventKind::TaskSpawned { task: supervisor, name: "supervisor".into() });
        shared.sched.spawn(&*spawner, supervisor, Box::pin(supervise(shared.clone())));
        Crawl { shared }
    }

    /// Stop now: in-flight fetches are aborted (their futures dropped), URLs
    /// not fetched are recorded as "not crawled (stopped)", everything found
    /// so far is kept. Does nothing once the crawl has finished.
    pub fn stop(&self) {
        let shared = &self.shared;
        if shared.finished.is_set() || shared.stop.is_set() {
            return;
        }
        shared.emit(EventKind::StopRequested);
        shared.stop.set();
        shared.cancel_workers();
        // A stopped crawl must end: let the supervisor through the gate.
        shared.sched.resume();
    }

    /// Hold every task at the gate: woken tasks wait in the ready list, no
    /// new fetch starts, the engine's timers stand still. Fetches already in
    /// flight complete in the browser but only wake their task.
    pub fn pause(&self) {
        if !self.shared.finished.is_set() {
            self.shared.sched.pause();
        }
    }

    /// Release every held task, oldest first.
    pub fn resume(&self) {
        self.shared.sched.resume();
    }

    pub fn is_paused(&self) -> bool {
        self.shared.sched.is_paused()
    }

    /// While paused: poll one ready task (`task`, or the oldest) exactly once.
    pub fn step(&self, task: Option<TaskId>) -> Result<TaskId, StepError> {
        self.shared.sched.step(task)
    }

    /// Tasks woken while paused, waiting to be polled (oldest first).
    pub fn ready(&self) -> Vec<ReadyTask> {
        self.shared.sched.ready()
    }

    /// The options this crawl runs with.
    pub fn options(&self) -> &Options {
        &self.shared.options
    }

    /// The report as of now.
    pub fn report(&self) -> Report {
        self.shared.recorder.log.report()
    }

    /// Events from position `from` on.
    pub fn events_since(&self, from: usize) -> Vec<Event> {
        self.shared.recorder.log.since(from)
    }

    /// Per-task detail as of now.
    pub fn tasks(&self) -> Vec<TaskDetail> {
        tasks_from_events(&self.events_since(0), self.shared.recorder.elapsed_ms())
    }

    /// The whole log so far, as a recorded log file.
    pub fn log(&self) -> RecordedLog {
        RecordedLog::new(self.shared.options.to_value(), self.events_since(0))
    }

    /// Number of events so far.
    pub fn event_count(&self) -> usize {
        self.shared.recorder.log.len()
    }

    pub fn is_finished(&self) -> bool {
        self.shared.finished.is_set()
    }

    /// Resolves with the final report when the crawl ends.
    pub fn finished(&self) -> impl Future<Output = Report> + 'static {
        let shared = self.shared.clone();
        async move {
            shared.finished.wait().await;
            shared.recorder.log.report()
        }
    }
}

/// Wait for the queue to drain (or for stop), then cancel the workers.
async fn supervise(shared: Rc<Shared>) {
    // asyncio's `await q.join()`, raced against the stop button.
    let join = shared.sched.tagged(AwaitPoint::Join, true, shared.queue.join());
    let stop = shared.sched.tagged(AwaitPoint::Stop, false, shared.stop.wait());
    let _ = select(join, stop).await;
    let stopped = shared.stop.is_set();
    if !stopped {
        shared.emit(EventKind::JoinResolved);
    }
    // Workers are parked in `queue.get()` (or, after a stop, already gone).
    let tasks = shared.cancel_workers();
    shared.emit(EventKind::WorkersCancelled { tasks });
    for item in shared.queue.drain() {
        shared.emit(EventKind::PageEnd { url: item.url.to_string(), outcome: Outcome::Stopped, error: None });
        shared.queue.task_done();
    }
    let elapsed_ms = shared.recorder.elapsed_ms();
    let reason = if stopped { EndReason::Stopped } else { EndReason::Complete };
    shared.emit(EventKind::Finished { elapsed_ms, reason });
    shared.finished.set();
}

/// One worker: take a URL, process it, mark it done — forever, until cancelled.
async fn worker(shared: Rc<Shared>, task: TaskId) {
    loop {
        // Parks here while the queue is empty; `put` wakes exactly one worker.
        let item = shared.sched.tagged(AwaitPoint::QueueGet, true, shared.queue.get()).await;
        shared.emit(EventKind::QueueGet {
            task,
            url: item.url.to_string(),
            len: shared.queue.len(),
            unfinished: shared.queue.unfinished(),
        });
        let mut guard = InFlight { shared: shared.clone(), task, url: item.url.to_string(), ended: false };
        let (outcome, error) = process(&shared, task, &item).await;
        guard.end(outcome, error);
        // `guard` drops here: task_done. If the worker is cancelled at an
        // `.await` above instead, it drops there — task_done runs either way.
        drop(guard);
        yield_if_due(&shared).await;
    }
}

/// Guarantees the seed's missing invariant: `task_done` runs on every path
/// (success, failure, cancellation), so `join` always returns.
struct InFlight {
    shared: Rc<Shared>,
    task: TaskId,
    url: String,
    ended: bool,
}

impl InFlight {
    fn end(&mut self, outcome: Outcome, error: Option<String>) {
        self.ended = true;
        self.shared.emit(EventKind::PageEnd { url: self.url.clone(), outcome, error });
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        if !self.ended {
            // Dropped mid-fetch: the crawl was stopped.
            self.end(Outcome::Stopped, None);
        }
        self.shared.queue.task_done();
        let unfinished = self.shared.queue.unfinished();
        self.shared.emit(EventKind::TaskDone { task: self.task, url: self.url.clone(), unfinished });
    }
}

/// Fetch (with tries), follow the redirect outcome, parse links.
async fn process(shared: &Shared, task: TaskId, item: &Item) -> (Outcome, Option<String>) {
    let url = item.url.to_string();
    let mut attempt = 0;
    let response = loop {
        attempt += 1;
        shared.emit(EventKind::FetchStart { task, url: url.clone(), attempt });
        let started = shared.env.clock.now_ms();
        let result = fetch_with_timeout(shared, &url).await;
        let ms = shared.env.clock.now_ms() - started; // wall time, pauses included
        match result {
            Ok(response) => {
                let result = FetchResult::Response {
                    status: response.head.status,
                    final_url: response.head.url.clone(),
                    redirected: response.head.redirected,
                    content_type: response.header("content-type").map(String::from),
                    bytes: response.body.len(),
                };
                shared.emit(EventKind::FetchEnd { task, url: url.clone(), attempt, ms, result });
                break response;
            }
            Err(error) => {
                let result = FetchResult::Error { error: error.clone() };
                shared.emit(EventKind::FetchEnd { task, url: url.clone(), attempt, ms, result });
                if attempt >= shared.options.max_tries {
                    let noun = if attempt == 1 { "try" } else { "tries" };
                    return (Outcome::Failed, Some(format!("failed after {attempt} {noun}: {error}")));
                }
            }
        }
    };

    // fetch followed any redirects and hid the hops; only the final URL shows.
    let mut page_url = item.url.clone();
    if let Ok(mut final_url) = Url::parse(&response.head.url) {
        final_url.set_fragment(None);
        if final_url != item.url {
            let in_scope = shared.scope.allows(&final_url);
            let is_new = shared.seen.borrow_mut().insert(final_url.to_string());
            shared.emit(EventKind::Redirected {
                task,
                from: url.clone(),
                to: final_url.to_string(),
                coalesced: !is_new,
                in_scope,
            });
            if !is_new {
                return (Outcome::Alias, None);
            }
            if !in_scope {
                return (Outcome::OffScope, Some(format!("redirected out of scope to {final_url}")));
            }
            page_url = final_url;
        }
    }

    if response.head.status == 200 && is_markup(response.header("content-type")) {
        parse_and_enqueue(shared, task, item, &page_url, &response).await;
    }
    (Outcome::Done, None)
}

/// Extract links, keep the in-scope ones, enqueue the new ones.
async fn parse_and_enqueue(shared: &Shared, task: TaskId, item: &Item, page_url: &Url, response: &FetchResponse) {
    let text = String::from_utf8_lossy(&response.body);
    // A chunk at a time, so a huge page cannot block the browser's thread.
    let mut parser = LinkParser::new();
    for chunk in links::chunks(&text, PARSE_CHUNK) {
        yield_if_due(shared).await;
        parser.feed(chunk);
    }
    let document = parser.finish();
    let anchors = links::anchors();
    let mut collector = LinkCollector::new(&document, page_url, false);
    for (i, element) in document.select(&anchors).enumerate() {
        if i % LINK_BATCH == 0 {
            yield_if_due(shared).await;
        }
        collector.add(element);
    }
    let extracted = collector.finish();
    let (in_scope, off_scope): (Vec<Url>, Vec<Url>) =
        extracted.links.into_iter().partition(|link| shared.scope.allows(link));
    let fresh: Vec<Url> = in_scope.iter().filter(|l| !shared.seen.borrow().contains(l.as_str())).cloned().collect();
    shared.emit(EventKind::LinksFound {
        task,
        url: page_url.to_string(),
        links: in_scope.iter().map(Url::to_string).collect(),
        new: fresh.len(),
        off_scope: off_scope.len(),
        non_http: extracted.non_http + extracted.invalid,
    });
    for link in fresh {
        shared.enqueue(Item { url: link, depth: item.depth + 1, parent: Some(page_url.to_string()) });
    }
}

/// Give the browser its event loop back if this burst of work has run for
/// a whole slice. `spawn_local` runs every ready task inside one microtask
/// checkpoint; without this, a fast site could keep the page from painting.
async fn yield_if_due(shared: &Shared) {
    if shared.sched.slice_ms() < SLICE_MS {
        return;
    }
    // A real-clock timer: yielding is about the browser, not the crawl's time.
    let pause = shared.clock.real_sleep(0.0);
    shared.sched.tagged(AwaitPoint::Yield, true, pause).await;
}

/// Content types whose links the seed follows (HTML, XHTML, XML).
fn is_markup(content_type: Option<&str>) -> bool {
    let essence = content_type.unwrap_or("").split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    matches!(essence.as_str(), "text/html" | "application/xhtml+xml" | "application/xml" | "text/xml")
}

/// One attempt, raced against the engine's own timer. When the timer wins,
/// the fetch future is dropped, which aborts the request.
async fn fetch_with_timeout(shared: &Shared, url: &str) -> Result<FetchResponse, String> {
    let attempt = async {
        // Two awaits, as in a browser: the response head, then the body.
        let response = shared.env.fetcher.fetch(FetchRequest { url: url.to_string() });
        let response = shared.sched.tagged(AwaitPoint::Fetch, true, response).await?;
        let body = shared.sched.tagged(AwaitPoint::BodyRead, true, response.body).await?;
        Ok::<_, FetchError>(FetchResponse { head: response.head, body })
    };
    // The timeout sleeps on the engine's clock, so a pause freezes it.
    let timeout = shared.clock.sleep(f64::from(shared.options.timeout_ms));
    let timeout = shared.sched.tagged(AwaitPoint::Timer, false, timeout);
    match select(Box::pin(attempt), timeout).await {
        Either::Left((Ok(response), _timer)) => Ok(response),
        Either::Left((Err(FetchError::Network(message)), _)) => Err(format!("network error (TypeError: {message})")),
        Either::Left((Err(FetchError::Aborted), _)) => Err("aborted".into()),
        Either::Right(((), _attempt)) => Err(format!("timed out after {} ms", shared.options.timeout_ms)),
    }
}
