//! The event log as a Trace Event Format file: the JSON that Perfetto's UI,
//! `chrome://tracing` and the DevTools Performance panel ("Load profile")
//! open, so a crawl can be read in the timeline tools people already use.
//!
//! What the file holds, on one process (`crawlscope`):
//!
//! * a track (a "thread") per task, named as the page's lanes name it
//!   (`worker 0` …, then `supervisor`), with a slice per poll named by what
//!   the poll did (`get() → fetch`, `response → parse → put() ×9 → task_done()`);
//! * a track per outside waker — `network`, `timer`, `outside (Stop,
//!   cancel)` — with a zero-length slice where each of its wakes happened;
//! * a flow arrow for every wake that was followed by a poll: from the
//!   waking task's poll (or the outside track) to the woken task's next poll.
//!   Each end sits exactly at the start of its slice, in the slices'
//!   category (`task`): DevTools binds a flow only to a slice with the same
//!   time, track and category (Perfetto and `chrome://tracing` take any
//!   enclosing slice);
//! * each fetch as an async slice (`fetch`, `robots.txt`) from request to
//!   response, on its own async track;
//! * each lint (see [`crate::lints`]) as an instant event on its task's track;
//! * the queue's length and unfinished count as a counter track.
//!
//! Times are the log's wall time (`wallMs`, pauses included, in µs), so a
//! Step's poll shows as long as it really ran; a version-1 log has only `tMs`.
//! The output is a pure function of the log: the same log, the same bytes.
//!
//! The JSON is written as text, event by event, rather than built as a
//! `serde_json::Value` tree, and per-task state lives in vectors rather than
//! maps: measured in the release wasm, the two cut this module's share of the
//! download (gzip) from about 25 KB to about 11 KB, lints included.

use crate::event::{AwaitPoint, Event, EventKind, TaskId, WakeCause};
use crate::lints::{LintFold, Slots};
use std::fmt::Write;

/// The one process every track belongs to.
const PID: u32 = 1;
/// The category of poll slices, of the outside wakers' slices and of the
/// arrows between them (one, so that DevTools binds the arrows).
const TASK: &str = "task";
/// Tracks of the wakers that are not tasks (task `n` is track `n + 1`).
const NETWORK: u64 = 1_000_001;
const TIMER: u64 = 1_000_002;
const OUTSIDE: u64 = 1_000_003;

/// A task's track id: 0 is avoided, some importers treat it as "no thread".
fn track(task: TaskId) -> u64 {
    u64::from(task) + 1
}

/// Milliseconds to the format's microseconds, to 0.1 µs (the log's clock is
/// `performance.now()`, coarser than that): short numbers, small files.
fn micros(ms: f64) -> f64 {
    n((ms * 10_000.0).round() / 10.0)
}

/// An event's time on the trace's clock: wall time, or `tMs` in an old log.
fn wall_us(event: &Event) -> f64 {
    micros(event.wall_ms.unwrap_or(event.t_ms))
}

/// A poll being built: when it started and what it has done so far.
struct OpenPoll {
    task: TaskId,
    ts: f64,
    step: usize,
    /// What it did, in order, consecutive repeats counted: `(put(), 9)`.
    actions: Vec<(&'static str, u32)>,
    /// The first URL the poll was about (args only).
    url: Option<String>,
}

impl OpenPoll {
    fn did(&mut self, action: &'static str) {
        match self.actions.last_mut() {
            Some((last, n)) if *last == action => *n += 1,
            _ => self.actions.push((action, 1)),
        }
    }

    /// The slice's name: what it did, or where it parked when it did nothing
    /// that is logged (a parse slice that ran out of time, a response head).
    fn name(&self, awaiting: Option<AwaitPoint>, ready: bool) -> String {
        if self.actions.is_empty() {
            return match (ready, awaiting) {
                (true, _) => "poll → returned".into(),
                (_, Some(AwaitPoint::Yield)) => "parse (one slice)".into(),
                (_, Some(AwaitPoint::BodyRead)) => "response head".into(),
                _ => "poll".into(),
            };
        }
        const SHOWN: usize = 5;
        let mut parts: Vec<String> = self
            .actions
            .iter()
            .take(SHOWN)
            .map(|(a, n)| if *n > 1 { format!("{a} ×{n}") } else { (*a).to_string() })
            .collect();
        if self.actions.len() > SHOWN {
            parts.push("…".into());
        }
        parts.join(" → ")
    }
}

/// A wake waiting for the woken task's next poll, where its arrow ends.
struct PendingWake {
    id: u64,
    /// The track the arrow leaves, and the start of the slice it leaves.
    from: u64,
    ts: f64,
}

/// Counts a test (or a curious reader) can check the file against.
#[derive(Default)]
struct Tally {
    polls: u64,
    wakes: u64,
    flows: u64,
    fetches: u64,
    lints: u64,
}

/// The trace file being written: a JSON array of event objects.
struct Out {
    text: String,
    events: usize,
}

impl Out {
    /// Append one event; `fields` is the object's inside (`"ph":"X",…`).
    fn push(&mut self, fields: &str) {
        self.text.push_str(if self.events == 0 { "{" } else { ",\n{" });
        self.text.push_str(fields);
        self.text.push('}');
        self.events += 1;
    }
}

/// A JSON string literal (quotes and escapes included).
fn q(text: &str) -> String {
    serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into())
}

/// A JSON number (the log's times are finite; anything else is written as 0).
fn n(value: f64) -> f64 {
    if value.is_finite() {
        value
    } else {
        0.0
    }
}

/// An await point's name as the log spells it (`queueGet`, `fetch`, …).
fn point_name(point: AwaitPoint) -> String {
    serde_json::to_string(&point).unwrap_or_default()
}

/// The trace of `events` (a whole log): the format's JSON object, as text.
pub fn trace_events(events: &[Event]) -> String {
    let mut out = Out { text: String::with_capacity(events.len() * 120 + 256), events: 0 };
    out.text.push_str("{\"traceEvents\":[\n");
    let mut tally = Tally::default();
    let mut names: Slots<String> = Slots::default();
    let mut open: Slots<OpenPoll> = Slots::default();
    // The poll that is running now: events without a task belong to it.
    let mut current: Option<TaskId> = None;
    let mut pending: Slots<Vec<PendingWake>> = Slots::default();
    // Fetches in flight: (task, url, attempt, robots) and their async slice id (at most one per task).
    let mut fetching: Vec<(TaskId, String, u32, bool, u64)> = Vec::new();
    let mut next_id: u64 = 1;
    let mut sources_used: [bool; 3] = [false; 3];
    let mut polls_ended: usize = 0;
    let mut queue_len: usize = 0;

    for event in events {
        let ts = wall_us(event);
        // Actions of the poll running now (the event's own task, or the current poll).
        let owner = event.task().filter(|t| open.get(*t).is_some()).or(current);
        let mut did = |action: &'static str, url: Option<&str>| {
            if let Some(poll) = owner.and_then(|t| open.get_mut(t)) {
                poll.did(action);
                if poll.url.is_none() {
                    poll.url = url.map(str::to_string);
                }
            }
        };
        match &event.kind {
            EventKind::TaskSpawned { task, name } => {
                names.insert(*task, name.clone());
                let sort = if name == "supervisor" { 100_000 } else { u64::from(*task) };
                track_meta(&mut out, track(*task), name, sort);
            }
            EventKind::PollStart { task } => {
                // Arrows end here: every wake since this task's last poll.
                for wake in pending.remove(*task).unwrap_or_default() {
                    out.push(&format!(
                        "\"ph\":\"s\",\"name\":\"wake\",\"cat\":\"{TASK}\",\"id\":{},\"pid\":{PID},\"tid\":{},\"ts\":{}",
                        wake.id, wake.from, wake.ts
                    ));
                    out.push(&format!(
                        "\"ph\":\"f\",\"bp\":\"e\",\"name\":\"wake\",\"cat\":\"{TASK}\",\"id\":{},\"pid\":{PID},\"tid\":{},\"ts\":{ts}",
                        wake.id,
                        track(*task)
                    ));
                    tally.flows += 1;
                }
                open.insert(*task, OpenPoll { task: *task, ts, step: polls_ended + 1, actions: Vec::new(), url: None });
                current = Some(*task);
            }
            EventKind::PollEnd { task, ready, awaiting } => {
                if let Some(poll) = open.remove(*task) {
                    let mut args = format!("\"step\":{},\"ready\":{ready}", poll.step);
                    if let Some(point) = awaiting {
                        let _ = write!(args, ",\"awaiting\":{}", point_name(*point));
                    }
                    if let Some(url) = &poll.url {
                        let _ = write!(args, ",\"url\":{}", q(url));
                    }
                    out.push(&format!(
                        "\"ph\":\"X\",\"cat\":\"{TASK}\",\"name\":{},\"pid\":{PID},\"tid\":{},\"ts\":{},\"dur\":{},\"args\":{{{args}}}",
                        q(&poll.name(*awaiting, *ready)),
                        track(poll.task),
                        poll.ts,
                        duration(poll.ts, ts)
                    ));
                    tally.polls += 1;
                }
                polls_ended += 1;
                if current == Some(*task) {
                    current = None;
                }
            }
            EventKind::Wake { task, by, at } => {
                tally.wakes += 1;
                let woken = names.get(*task).cloned().unwrap_or_else(|| format!("task {task}"));
                // The arrow leaves the start of the waking poll (or of the outside waker's slice).
                let poll_start = |t: TaskId| open.get(t).map_or(ts, |p| p.ts);
                let (from, from_ts) = match by {
                    WakeCause::Task { task: waker } => (track(*waker), poll_start(*waker)),
                    WakeCause::SelfWake => (track(*task), poll_start(*task)),
                    outside => {
                        let (tid, what, slot) = match outside {
                            WakeCause::Network => (NETWORK, "response", 0),
                            WakeCause::Timer => (TIMER, "timer fired", 1),
                            _ => (OUTSIDE, "Stop / cancel", 2),
                        };
                        sources_used[slot] = true;
                        out.push(&format!(
                            "\"ph\":\"X\",\"cat\":\"{TASK}\",\"name\":{},\"pid\":{PID},\"tid\":{tid},\"ts\":{ts},\"dur\":0,\"args\":{{\"woke\":{},\"at\":{}}}",
                            q(&format!("{what} → {woken}")),
                            q(&woken),
                            point_name(*at)
                        ));
                        (tid, ts)
                    }
                };
                let id = next_id;
                next_id += 1;
                let wake = PendingWake { id, from, ts: from_ts };
                match pending.get_mut(*task) {
                    Some(list) => list.push(wake),
                    None => pending.insert(*task, vec![wake]),
                }
            }
            EventKind::TaskExited { task, .. } => {
                // Woken, then cancelled or returned: no poll for an arrow to end at.
                pending.remove(*task);
            }
            EventKind::QueueGet { url, len, unfinished, .. } => {
                did("get()", Some(url));
                queue_len = *len;
                counter(&mut out, ts, *len, *unfinished);
            }
            EventKind::QueuePut { url, len, unfinished, .. } => {
                did("put()", Some(url));
                queue_len = *len;
                counter(&mut out, ts, *len, *unfinished);
            }
            EventKind::TaskDone { url, unfinished, .. } => {
                did("task_done()", Some(url));
                counter(&mut out, ts, queue_len, *unfinished);
            }
            EventKind::SlotWait { url, .. } => did("wait for a connection", Some(url)),
            EventKind::FetchStart { task, url, attempt, robots } => {
                did(if *robots { "fetch robots.txt" } else { "fetch" }, Some(url));
                let id = next_id;
                next_id += 1;
                fetching.push((*task, url.clone(), *attempt, *robots, id));
                out.push(&format!(
                    "\"ph\":\"b\",\"cat\":\"fetch\",\"name\":\"{}\",\"id\":{id},\"pid\":{PID},\"tid\":{},\"ts\":{ts},\"args\":{{\"url\":{},\"attempt\":{attempt}}}",
                    fetch_name(*robots),
                    track(*task),
                    q(url)
                ));
                tally.fetches += 1;
            }
            EventKind::FetchEnd { task, url, attempt, robots, result, ms } => {
                did(if *robots { "robots.txt" } else { "response" }, Some(url));
                let found =
                    fetching.iter().position(|f| f.0 == *task && f.1 == *url && f.2 == *attempt && f.3 == *robots);
                if let Some((_, _, _, _, id)) = found.map(|i| fetching.remove(i)) {
                    let result = serde_json::to_string(result).unwrap_or_else(|_| "null".into());
                    out.push(&format!(
                        "\"ph\":\"e\",\"cat\":\"fetch\",\"name\":\"{}\",\"id\":{id},\"pid\":{PID},\"tid\":{},\"ts\":{ts},\"args\":{{\"result\":{result},\"ms\":{}}}",
                        fetch_name(*robots),
                        track(*task),
                        n(*ms)
                    ));
                }
            }
            EventKind::RetryScheduled { url, .. } => did("retry later", Some(url)),
            EventKind::Redirected { from, .. } => did("redirect", Some(from)),
            EventKind::LinksFound { url, .. } => did("parse", Some(url)),
            EventKind::JoinResolved => did("join() returned", None),
            EventKind::WorkersCancelled { .. } => did("cancel workers", None),
            EventKind::Finished { .. } => did("finish", None),
            EventKind::Paused | EventKind::Resumed | EventKind::StopRequested => {
                let name = match &event.kind {
                    EventKind::Paused => "paused",
                    EventKind::Resumed => "resumed",
                    _ => "stop requested",
                };
                out.push(&format!(
                    "\"ph\":\"i\",\"s\":\"g\",\"cat\":\"crawl\",\"name\":\"{name}\",\"pid\":{PID},\"tid\":{OUTSIDE},\"ts\":{ts}"
                ));
                sources_used[2] = true;
            }
            _ => {}
        }
    }

    // A log cut short (a crawl still running, stopped mid-fetch): close what is open at its last moment.
    let end = events.last().map_or(0.0, wall_us);
    for (task, _, _, robots, id) in fetching {
        out.push(&format!(
            "\"ph\":\"e\",\"cat\":\"fetch\",\"name\":\"{}\",\"id\":{id},\"pid\":{PID},\"tid\":{},\"ts\":{end},\"args\":{{\"unfinished\":true}}",
            fetch_name(robots),
            track(task)
        ));
    }
    for poll in open.into_values() {
        out.push(&format!(
            "\"ph\":\"X\",\"cat\":\"{TASK}\",\"name\":\"poll (still running)\",\"pid\":{PID},\"tid\":{},\"ts\":{},\"dur\":{},\"args\":{{\"step\":{}}}",
            track(poll.task),
            poll.ts,
            duration(poll.ts, end),
            poll.step
        ));
        tally.polls += 1;
    }

    for lint in LintFold::of(events) {
        let ts = usize::try_from(lint.seq).ok().and_then(|i| events.get(i)).map_or(end, wall_us);
        out.push(&format!(
            "\"ph\":\"i\",\"s\":\"t\",\"cat\":\"lint\",\"name\":\"{}\",\"pid\":{PID},\"tid\":{},\"ts\":{ts},\"args\":{{\"message\":{},\"step\":{}}}",
            lint.title,
            track(lint.task),
            q(&lint.message),
            lint.step
        ));
        tally.lints += 1;
    }

    out.push(&format!("\"ph\":\"M\",\"name\":\"process_name\",\"pid\":{PID},\"args\":{{\"name\":\"crawlscope\"}}"));
    for (used, (tid, name)) in
        sources_used.iter().zip([(NETWORK, "network"), (TIMER, "timer"), (OUTSIDE, "outside (Stop, cancel)")])
    {
        if *used {
            track_meta(&mut out, tid, name, tid);
        }
    }

    let Tally { polls, wakes, flows, fetches, lints } = tally;
    let _ = write!(
        out.text,
        "\n],\"displayTimeUnit\":\"ms\",\"otherData\":{{\"producer\":\"crawlscope\",\
         \"clock\":\"wall time since the crawl started (pauses included)\",\"polls\":{polls},\"wakes\":{wakes},\
         \"flows\":{flows},\"fetches\":{fetches},\"lints\":{lints}}}}}"
    );
    out.text
}

/// A slice's length from its two (rounded) ends, so it never pokes out of its parent.
fn duration(from: f64, to: f64) -> f64 {
    ((to - from) * 10.0).round() / 10.0
}

fn fetch_name(robots: bool) -> &'static str {
    if robots {
        "robots.txt"
    } else {
        "fetch"
    }
}

/// A track's name and its place in the list (`ph: "M"` metadata events).
fn track_meta(out: &mut Out, tid: u64, name: &str, sort: u64) {
    out.push(&format!(
        "\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":{PID},\"tid\":{tid},\"args\":{{\"name\":{}}}",
        q(name)
    ));
    out.push(&format!(
        "\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":{PID},\"tid\":{tid},\"args\":{{\"sort_index\":{sort}}}"
    ));
}

/// The queue's counter track: what `queue.join()` waits on.
fn counter(out: &mut Out, ts: f64, len: usize, unfinished: usize) {
    out.push(&format!(
        "\"ph\":\"C\",\"name\":\"queue\",\"pid\":{PID},\"ts\":{ts},\"args\":{{\"length\":{len},\"unfinished\":{unfinished}}}"
    ));
}
