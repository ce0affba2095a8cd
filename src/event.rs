//! The typed event stream: everything the engine does, in order.
//!
//! This log is the single source of truth. The [`Report`](crate::report::Report)
//! is a fold over it (live, event by event, and again from a saved log — the
//! two must agree), and the page draws from it. Events are plain data with a
//! sequence number and two times since the crawl started: *crawl time*
//! (`tMs`, the engine's clock, which stands still while paused — every time
//! the page shows) and *wall time* (`wallMs`, the real clock, pauses
//! included — kept for whoever wants it). Their difference at any event is
//! the time spent paused so far.

use crate::env::Hop;
use crate::extract::Fields;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The log itself (storage, compaction, the live fold) lives in [`crate::log`].
pub use crate::log::{EventLog, Recorder};

/// Worker task number, `0..maxTasks`.
pub type TaskId = u32;

/// One thing that happened.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Event {
    /// Position in the log, from 0, without gaps.
    pub seq: u64,
    /// Milliseconds since the crawl started, on the engine's clock: crawl
    /// time, which stands still while the crawl is paused.
    pub t_ms: f64,
    /// Milliseconds since the crawl started on the real clock, pauses
    /// included. Absent in version-1 logs (whose `tMs` was wall time).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub wall_ms: Option<f64>,
    #[serde(flatten)]
    pub kind: EventKind,
}

impl Event {
    /// The task this event is about, if any.
    pub fn task(&self) -> Option<TaskId> {
        use EventKind::*;
        match &self.kind {
            TaskSpawned { task, .. }
            | PollStart { task }
            | PollEnd { task, .. }
            | Wake { task, .. }
            | TaskExited { task, .. }
            | Stepped { task }
            | QueueGet { task, .. }
            | FetchStart { task, .. }
            | FetchEnd { task, .. }
            | Redirected { task, .. }
            | LinksFound { task, .. }
            | FieldsFound { task, .. }
            | SlotWait { task, .. }
            | RetryScheduled { task, .. }
            | RobotsFetched { task, .. }
            | CorsProbed { task, .. }
            | TaskDone { task, .. } => Some(*task),
            _ => None,
        }
    }

    /// The URL this event is about, if any (a redirect is about both ends).
    pub fn is_about(&self, url: &str) -> bool {
        use EventKind::*;
        match &self.kind {
            QueuePut { url: u, .. }
            | QueueGet { url: u, .. }
            | FetchStart { url: u, .. }
            | FetchEnd { url: u, .. }
            | LinksFound { url: u, .. }
            | FieldsFound { url: u, .. }
            | SlotWait { url: u, .. }
            | RetryScheduled { url: u, .. }
            | PageEnd { url: u, .. }
            | CorsProbed { url: u, .. }
            | TaskDone { url: u, .. } => u == url,
            Redirected { from, to, .. } => from == url || to == url,
            _ => false,
        }
    }
}

/// How a page's processing ended. Every URL ever put on the queue gets
/// exactly one of these in a [`EventKind::PageEnd`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    /// A response arrived (any HTTP status) and was recorded.
    #[serde(rename = "done")]
    Done,
    /// No response after every try (network error, CORS refusal, timeout).
    #[serde(rename = "failed")]
    Failed,
    /// Redirected to a page already seen: recorded as one of its aliases.
    #[serde(rename = "alias")]
    Alias,
    /// Redirected out of scope: the target was fetched but is not followed.
    #[serde(rename = "skipped (redirect out of scope)")]
    OffScope,
    /// Redirected to a URL that `exclude` matches.
    #[serde(rename = "skipped (redirect excluded)")]
    RedirectExcluded,
    /// robots.txt disallows it (nothing was fetched).
    #[serde(rename = "skipped (robots.txt)")]
    Robots,
    /// The crawl was stopped before this URL was (completely) fetched.
    #[serde(rename = "not crawled (stopped)")]
    Stopped,
}

/// What a fetch attempt gave.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum FetchResult {
    Response {
        status: u16,
        final_url: String,
        redirected: bool,
        content_type: Option<String>,
        bytes: usize,
        /// Cut at `maxBodyBytes`.
        truncated: bool,
    },
    Error {
        error: String,
    },
}

/// Why the crawl ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EndReason {
    /// `queue.join()` resolved: every URL found was processed.
    Complete,
    /// `stop()` was called.
    Stopped,
    /// Every URL enqueued was processed, but `maxPages` kept links out.
    MaxPages,
    /// Every root failed (no response at all): nothing was crawled.
    RootsFailed,
}

/// Where a parked task is waiting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum AwaitPoint {
    /// `queue.get()`: an idle worker waiting for a URL.
    QueueGet,
    /// `queue.join()`: the supervisor waiting for every URL to be processed.
    Join,
    /// The supervisor waiting for a stop request (raced with `join`).
    Stop,
    /// `fetch`: waiting for the response head.
    Fetch,
    /// Reading the response body (`arrayBuffer()`).
    BodyRead,
    /// The engine's own timer (a timeout firing).
    Timer,
    /// Waiting for a connection slot to a host (`perHostConcurrency`).
    HostSlot,
    /// Giving the browser its event loop back for a moment (`setTimeout(0)`),
    /// so rendering and input never starve behind a burst of work.
    Yield,
}

/// Who woke a task.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum WakeCause {
    /// Another task, during its poll (e.g. its `queue.put` woke a `get`).
    Task { task: TaskId },
    /// The task woke itself during its own poll.
    SelfWake,
    /// A network event: a fetch or its body settled.
    Network,
    /// A timer fired.
    Timer,
    /// Something outside every task: the stop button, a cancellation.
    External,
}

/// The kinds of event.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "camelCase", rename_all_fields = "camelCase")]
pub enum EventKind {
    CrawlStarted {
        roots: Vec<String>,
        max_tasks: usize,
    },
    /// `name`: `worker N` or `supervisor`.
    TaskSpawned {
        task: TaskId,
        name: String,
    },
    /// The executor (or a Step) started polling a task.
    PollStart {
        task: TaskId,
    },
    /// The poll returned: `ready` if the task finished, else where it parked.
    PollEnd {
        task: TaskId,
        ready: bool,
        awaiting: Option<AwaitPoint>,
    },
    /// A waker fired: `task`, parked at `at`, was woken `by`.
    Wake {
        task: TaskId,
        by: WakeCause,
        at: AwaitPoint,
    },
    /// A task's future ended: returned, or dropped by cancellation.
    TaskExited {
        task: TaskId,
        cancelled: bool,
    },
    Paused,
    Resumed,
    /// While paused, nothing could run until an engine timer fired: a Step
    /// moved the engine's frozen clock forward by `ms` to that timer.
    TimeSkipped {
        ms: f64,
    },
    /// A Step was granted to this (ready) task; its poll follows.
    Stepped {
        task: TaskId,
    },
    /// A URL went on the queue; `len` and `unfinished` are after the put.
    QueuePut {
        url: String,
        depth: u32,
        parent: Option<String>,
        len: usize,
        unfinished: usize,
    },
    /// A worker took a URL off the queue.
    QueueGet {
        task: TaskId,
        url: String,
        len: usize,
        unfinished: usize,
    },
    /// A request goes out. `robots`: it is an origin's robots.txt, fetched
    /// before that origin's first page (not a page of the crawl).
    FetchStart {
        task: TaskId,
        url: String,
        attempt: u32,
        #[serde(default, skip_serializing_if = "is_false")]
        robots: bool,
    },
    /// A request settled. `ms`: how long it took in crawl time (a pause
    /// while it was in flight adds nothing).
    FetchEnd {
        task: TaskId,
        url: String,
        attempt: u32,
        ms: f64,
        result: FetchResult,
        #[serde(default, skip_serializing_if = "is_false")]
        robots: bool,
    },
    /// The response came from another URL than requested. `coalesced`: that
    /// URL was already seen, so this one becomes its alias and is not parsed.
    Redirected {
        task: TaskId,
        from: String,
        to: String,
        coalesced: bool,
        in_scope: bool,
        /// Each hop on the way, when the fetcher saw them (the local proxy
        /// does; browser `fetch` hides them). Absent in older logs.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        hops: Vec<Hop>,
    },
    /// Links of a parsed page: in-scope ones (`links`), how many were new,
    /// and how many were left out and why.
    LinksFound {
        task: TaskId,
        url: String,
        links: Vec<String>,
        new: usize,
        /// Links not followed, by reason: `scope`, `exclude`, `duplicate`,
        /// `depth`, `budget`, `nonHttp`, `nofollow`, `invalid`.
        skipped: BTreeMap<String, usize>,
        /// The WHATWG name of the encoding the page was decoded with.
        encoding: String,
        /// Why not the obvious encoding (an unknown label, malformed bytes).
        encoding_note: Option<String>,
        /// `<link rel=canonical>`, resolved.
        canonical: Option<String>,
    },
    /// The `extract` option's fields of a parsed page, just before its
    /// `linksFound` (only crawls with `extract` log it). Absent in older logs.
    FieldsFound {
        task: TaskId,
        url: String,
        fields: Fields,
    },
    /// The task must wait for a connection slot to `host` (not downloading yet).
    SlotWait {
        task: TaskId,
        url: String,
        host: String,
    },
    /// A try failed (or got a retryable status); the next comes after `delay_ms`.
    RetryScheduled {
        task: TaskId,
        url: String,
        attempt: u32,
        delay_ms: f64,
        reason: String,
    },
    /// An origin's robots.txt was fetched: `status` (none if unreachable)
    /// decided `rules`: `allowAll`, `disallowAll` or `rules`.
    RobotsFetched {
        task: TaskId,
        origin: String,
        status: Option<u16>,
        rules: String,
        error: Option<String>,
    },
    /// After a network error, `url` was asked again in `no-cors` mode (once
    /// per origin): `opaque` means the server answered and the browser hid
    /// the answer for want of CORS headers.
    CorsProbed {
        task: TaskId,
        url: String,
        origin: String,
        opaque: bool,
        ms: f64,
    },
    /// The terminal record of a queued URL (see [`Outcome`]).
    PageEnd {
        url: String,
        outcome: Outcome,
        error: Option<String>,
    },
    /// `queue.task_done()` ran for the URL the worker had taken.
    TaskDone {
        task: TaskId,
        url: String,
        unfinished: usize,
    },
    JoinResolved,
    StopRequested,
    WorkersCancelled {
        tasks: u32,
    },
    Finished {
        elapsed_ms: f64,
        reason: EndReason,
    },
}

fn is_false(b: &bool) -> bool {
    !*b
}
