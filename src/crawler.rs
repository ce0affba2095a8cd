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

use crate::env::Env;
use crate::event::{AwaitPoint, EndReason, Event, EventKind, Outcome, Recorder, TaskId};
use crate::options::{Options, OptionsError, Order};
use crate::page::process;
use crate::politeness::Politeness;
use crate::queue::JoinableQueue;
use crate::replay::RecordedLog;
use crate::report::Report;
use crate::robots::RobotsCache;
use crate::sched::{ReadyTask, Scheduler, StepError};
use crate::scope::Scope;
use crate::shared::{CorsProbes, Item, Shared};
use crate::signal::Signal;
use crate::tasks::{tasks_from_events, TaskDetail};
use crate::time::EngineClock;
use futures::future::select;
use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::future::Future;
use std::rc::Rc;
use url::Url;

/// A running (or finished) crawl. Cheap to clone; clones share the crawl.
#[derive(Clone)]
pub struct Crawl {
    shared: Rc<Shared>,
}

impl Crawl {
    /// Start a crawl, after checking that `env` has what `options` ask for:
    /// `proxy: true` needs the local proxy ([`Env::proxy`]). The error
    /// names the option. `paused`: as [`Crawl::start_paused`].
    pub fn try_start(options: Options, env: Env, paused: bool) -> Result<Crawl, OptionsError> {
        if options.proxy && env.proxy.is_none() {
            return Err(OptionsError {
                option: "proxy".into(),
                message: "no local proxy is announced: the page's own server (`cargo xtask serve`, or \
                          `testsite --dist`) provides one in config.json; a static host has none"
                    .into(),
            });
        }
        Ok(Crawl::start_with(options, env, paused))
    }

    /// Start a crawl (unchecked: with `proxy: true` and no proxy, every
    /// request fails and says why; [`Crawl::try_start`] refuses instead): roots are enqueued and `max_tasks` workers spawned
    /// before this returns, so `report()` shows the roots at once.
    pub fn start(options: Options, env: Env) -> Crawl {
        Crawl::start_with(options, env, false)
    }

    /// Start a crawl that is paused before any task's first poll: every
    /// task waits in the ready list, so step 1 is the first poll of the
    /// first worker — a learner sees the crawl from its very beginning.
    pub fn start_paused(options: Options, env: Env) -> Crawl {
        Crawl::start_with(options, env, true)
    }

    fn start_with(options: Options, env: Env, paused: bool) -> Crawl {
        let clock = EngineClock::new(env.clock.clone());
        let recorder = Recorder::new(clock.clone());
        let shared = Rc::new(Shared {
            scope: Scope::new(&options.roots, options.strict),
            sched: Scheduler::new(recorder.clone(), clock.clone()),
            recorder,
            clock,
            queue: JoinableQueue::with_lifo(options.order == Order::Dfs),
            seen: RefCell::new(HashSet::new()),
            politeness: Politeness::new(options.per_host_concurrency, options.delay_ms),
            robots: RobotsCache::default(),
            cors: CorsProbes::default(),
            roots: Cell::new(0),
            roots_failed: Cell::new(0),
            puts: Cell::new(0),
            budget_hit: Cell::new(false),
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
        if paused {
            // Before the spawns: the executor's first poll of each task
            // then finds the gate closed and puts it in the ready list.
            shared.sched.pause();
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

    /// While paused with nothing ready and nothing on the network, move the
    /// engine's frozen clock to its next timer; returns the ms skipped.
    pub fn skip_time(&self) -> Option<f64> {
        self.shared.sched.skip_time()
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

    /// The report as of now, as JSON: the same text as serialising
    /// [`report`](Self::report), written one page at a time.
    pub fn report_json(&self) -> String {
        self.shared.recorder.log.report_json()
    }

    /// The report as of now in parts, for a reader that takes a big one
    /// piece by piece: everything but the pages (`pages: []`), how many
    /// pages there are, and pages `from..from + count` (sorted by URL).
    pub fn report_head_json(&self) -> String {
        self.shared.recorder.log.report_head_json()
    }

    pub fn report_page_count(&self) -> usize {
        self.shared.recorder.log.report_page_count()
    }

    pub fn report_pages_json(&self, from: usize, count: usize) -> String {
        self.shared.recorder.log.report_pages_json(from, count)
    }

    /// Events from position `from` on.
    pub fn events_since(&self, from: usize) -> Vec<Event> {
        self.shared.recorder.log.since(from)
    }

    /// At most `max` events from position `from` on.
    pub fn events_range(&self, from: usize, max: usize) -> Vec<Event> {
        self.shared.recorder.log.range(from, max)
    }

    /// Per-task detail as of now.
    pub fn tasks(&self) -> Vec<TaskDetail> {
        tasks_from_events(&self.events_since(0), self.shared.recorder.elapsed_ms())
    }

    /// The whole log so far, as a recorded log file.
    pub fn log(&self) -> RecordedLog {
        RecordedLog::new(self.shared.options.to_value(), self.events_since(0))
    }

    /// Time spent paused so far (the crawl's wall time minus its crawl time).
    pub fn paused_ms(&self) -> f64 {
        self.shared.recorder.paused_ms()
    }

    /// The crawl's start on the environment's clock (`performance.now()` in
    /// a browser): event times (`tMs` crawl time, `wallMs` wall time) are
    /// relative to it.
    pub fn origin_ms(&self) -> f64 {
        self.shared.recorder.log.origin_ms()
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

    /// Resolves once the crawl has ended (the report is then final: read
    /// it with [`report_json`](Self::report_json) or in parts).
    pub fn ended(&self) -> impl Future<Output = ()> + 'static {
        let shared = self.shared.clone();
        async move { shared.finished.wait().await }
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
    let all_roots_failed = shared.roots.get() > 0 && shared.roots_failed.get() == shared.roots.get();
    let reason = match (stopped, all_roots_failed, shared.budget_hit.get()) {
        (true, _, _) => EndReason::Stopped,
        (false, true, _) => EndReason::RootsFailed,
        (false, false, true) => EndReason::MaxPages,
        (false, false, false) => EndReason::Complete,
    };
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
        if item.depth == 0 && outcome == Outcome::Failed {
            shared.roots_failed.set(shared.roots_failed.get() + 1);
        }
        guard.end(outcome, error);
        // `guard` drops here: task_done. If the worker is cancelled at an
        // `.await` above instead, it drops there — task_done runs either way.
        // No yield here: taking the next URL and starting its fetch is cheap,
        // and delaying it by a turn of the event loop would slow every page.
        // Parsing, the heavy part, checks the time slice before each chunk.
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
        // Logged before `task_done` itself, which may wake the supervisor's
        // `join()`: cause before effect, as with `put`.
        let unfinished = self.shared.queue.unfinished().saturating_sub(1);
        self.shared.emit(EventKind::TaskDone { task: self.task, url: self.url.clone(), unfinished });
        self.shared.queue.task_done();
    }
}
