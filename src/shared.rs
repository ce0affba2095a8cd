//! The context every task of one crawl shares: options, environment,
//! queue, the set of URLs seen, the per-host and per-origin state, and the
//! event recorder. It has a module of its own so the engine's parts depend
//! on it and not on each other: [`crate::crawler`] builds it and runs the
//! tasks, [`crate::fetching`] and [`crate::page`] work through it, and none
//! of those three imports another's internals to reach it.

use crate::env::Env;
use crate::event::{AwaitPoint, EventKind, Recorder, TaskId};
use crate::options::Options;
use crate::politeness::Politeness;
use crate::queue::JoinableQueue;
use crate::robots::RobotsCache;
use crate::sched::Scheduler;
use crate::scope::Scope;
use crate::signal::Signal;
use crate::time::EngineClock;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;
use url::Url;

/// State every task of one crawl shares.
pub(crate) struct Shared {
    pub(crate) options: Options,
    pub(crate) env: Env,
    pub(crate) scope: Scope,
    /// Appends to the event log, the single source of truth.
    pub(crate) recorder: Rc<Recorder>,
    /// The gate every task runs behind: pause, step, cancel.
    pub(crate) sched: Rc<Scheduler>,
    /// The engine's timers' clock, frozen while paused.
    pub(crate) clock: Rc<EngineClock>,
    pub(crate) queue: JoinableQueue<Item>,
    /// Every URL ever enqueued or reached by a redirect: a URL is fetched at
    /// most once, however many pages link to it.
    pub(crate) seen: RefCell<HashSet<String>>,
    /// Connection slots and delays per host.
    pub(crate) politeness: Rc<Politeness>,
    /// robots.txt per origin.
    pub(crate) robots: RobotsCache,
    /// Per origin: does it answer without CORS headers? (probed once each)
    pub(crate) cors: CorsProbes,
    /// Roots put on the queue, and how many of them ended `failed`: when
    /// every root failed the crawl ends with [`EndReason::RootsFailed`].
    pub(crate) roots: Cell<usize>,
    pub(crate) roots_failed: Cell<usize>,
    /// URLs put on the queue so far (the `maxPages` budget counts these).
    pub(crate) puts: Cell<u32>,
    /// Whether `maxPages` kept a link out: the crawl then says so when it ends.
    pub(crate) budget_hit: Cell<bool>,
    pub(crate) stop: Signal,
    pub(crate) finished: Signal,
}

/// A queued URL and where it came from.
#[derive(Clone, Debug)]
pub(crate) struct Item {
    pub(crate) url: Url,
    /// Links from a root (roots are 0).
    pub(crate) depth: u32,
    /// The page whose link enqueued it.
    pub(crate) parent: Option<String>,
}

impl Shared {
    pub(crate) fn emit(&self, kind: EventKind) {
        self.recorder.emit(kind);
    }

    /// How many more URLs `maxPages` lets in.
    pub(crate) fn room(&self) -> usize {
        match self.options.max_pages {
            0 => usize::MAX,
            max => max.saturating_sub(self.puts.get()) as usize,
        }
    }

    /// The supervisor's task id (workers are `0..max_tasks`).
    pub(crate) fn supervisor_id(&self) -> TaskId {
        self.options.max_tasks as TaskId
    }

    /// Enqueue `url` if it was never seen; returns whether it was new.
    pub(crate) fn enqueue(&self, item: Item) -> bool {
        if !self.seen.borrow_mut().insert(item.url.to_string()) {
            return false;
        }
        self.puts.set(self.puts.get() + 1);
        if item.depth == 0 {
            self.roots.set(self.roots.get() + 1);
        }
        // Logged before the put itself: `put` wakes a parked `get` at once,
        // and the log must tell the cause (this put) before its effect (the
        // wake). `len` and `unfinished` are as they will be after the put.
        self.emit(EventKind::QueuePut {
            url: item.url.to_string(),
            depth: item.depth,
            parent: item.parent.clone(),
            len: self.queue.len() + 1,
            unfinished: self.queue.unfinished() + 1,
        });
        self.queue.put(item);
        true
    }

    /// Drop every worker's future now; returns how many were still live.
    pub(crate) fn cancel_workers(&self) -> u32 {
        self.sched.cancel_all_except(self.supervisor_id())
    }
}

/// What a `no-cors` probe found out about an origin, once per origin.
#[derive(Default)]
pub(crate) struct CorsProbes {
    pub(crate) origins: RefCell<HashMap<String, Probe>>,
}

#[derive(Clone)]
pub(crate) enum Probe {
    /// A task is probing; others wait for its answer instead of probing too.
    Running(Signal),
    /// `true`: the server answered opaquely (CORS is the wall).
    Known(bool),
}

/// Give the browser its event loop back if this burst of work has run for
/// a whole slice (`parseSliceMs`, 8 ms by default: rendering and input must
/// never wait behind the crawl for long). `spawn_local` runs every ready task
/// inside one microtask checkpoint; without this, a fast site could keep the
/// page from painting. Parsing checks before each chunk and each batch of
/// links (`page.rs`), so a slice overruns by one chunk's work at most.
pub(crate) async fn yield_if_due(shared: &Shared) {
    if shared.sched.slice_ms() < f64::from(shared.options.parse_slice_ms) {
        return;
    }
    // A real-clock timer: yielding is about the browser, not the crawl's time.
    // In a browser this is the shared `setTimeout(0)` (`web/clock.rs`), which
    // browsers clamp to ≥ 4 ms once timers nest five deep. A `MessageChannel`
    // post has no clamp and `scheduler.yield()` resumes ahead of other tasks,
    // but neither crawled faster in headless Chromium (300 pages of 100 KB,
    // 6 tasks, alternating runs): a post tied with the timer, and
    // `scheduler.yield()` was a third slower, its continuations holding back
    // the fetch responses the other tasks wait on (the main thread sat idle
    // two to three times as long). Likely why the clamp costs little: each
    // network wake starts a new chain of timers.
    let pause = shared.clock.real_sleep(0.0);
    shared.sched.tagged(AwaitPoint::Yield, true, pause).await;
}
