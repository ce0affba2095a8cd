//! Lints: what the event log says went wrong on the event loop, each with a
//! sentence that teaches why it matters.
//!
//! tokio-console shows warnings beside its tasks ("this task has woken
//! itself more than half the time"); these are the same idea, computed from
//! our log and told in the chapter's words:
//!
//! * **long poll** — one poll ran ≥ [`LONG_POLL_MS`] of real time. A poll
//!   runs until the task reaches an `.await` that is not ready; until then
//!   nothing else on the page runs, painting and input included (the spinner
//!   scene's blocking parse).
//! * **self-wakes** — more than half of a task's wakes (at least
//!   [`SELF_WAKES_MIN`]) were its own: a yield loop that spins the event loop.
//! * **slow to poll** — a task waited ≥ [`SLOW_TO_POLL_MS`] of crawl time
//!   between its wake and its poll: it was ready, the thread was busy.
//! * **never woken** — a task is parked where nothing can wake it any more: the
//!   crawl ended around it, or every live task waits on another task (a lost
//!   waker, a deadlock).
//!
//! [`LintFold`] is one incremental fold over events, like the Report: the
//! live handle feeds it only the new events, a replay folds its whole log
//! once. A lint depends only on the events up to the one it is raised at,
//! so the lints of a prefix of the log are the whole log's lints up to that
//! event: a replay at step N shows exactly those. The fold reads events
//! through their public types only and keeps no URL.

use crate::event::{AwaitPoint, Event, EventKind, TaskId, WakeCause};
use serde::Serialize;

/// A poll at least this long (real time, ms) is a long poll: 50 ms is the
/// browser's own long-task threshold (the Long Tasks API).
pub const LONG_POLL_MS: f64 = 50.0;
/// Waiting at least this long (crawl time, ms) between a wake and the poll
/// it asked for is slow to poll: the same 50 ms, seen from the waiting task.
pub const SLOW_TO_POLL_MS: f64 = 50.0;
/// Self-wakes are judged once a task has been woken at least this often:
/// one wake out of one is not a pattern.
pub const SELF_WAKES_MIN: u32 = 4;

/// The kinds of lint.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum LintKind {
    LongPoll,
    SelfWakes,
    SlowToPoll,
    NeverWoken,
}

impl LintKind {
    /// The lint's name as the page shows it.
    pub fn title(self) -> &'static str {
        match self {
            LintKind::LongPoll => "long poll",
            LintKind::SelfWakes => "self-wakes",
            LintKind::SlowToPoll => "slow to poll",
            LintKind::NeverWoken => "never woken",
        }
    }
}

/// One lint: what, which task, where in the log, and why it matters.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Lint {
    pub kind: LintKind,
    /// `kind` in words: `long poll`, `self-wakes`, `slow to poll`, `never woken`.
    pub title: &'static str,
    pub task: TaskId,
    /// The task's name (`worker 2`, `supervisor`), as the lanes show it.
    pub name: String,
    /// The event it was raised at (its position in the log).
    pub seq: u64,
    /// The replay step that event belongs to: `replay(log).seek(step)` shows it.
    pub step: usize,
    /// Crawl time of that event.
    pub t_ms: f64,
    /// The measure behind it: the poll's length, the wait, or `None`.
    pub ms: Option<f64>,
    /// One sentence (or two) in the chapter's words: what happened and why it matters.
    pub message: String,
}

/// Where a task stands, as far as lints care.
#[derive(Clone, Copy, Debug, PartialEq)]
enum State {
    /// Parked on an await point, not woken since.
    Waiting,
    /// Woken (or just spawned), not yet polled.
    Ready,
    Running,
    /// Returned or cancelled: nothing to lint any more.
    Gone,
}

/// One task as the fold follows it.
struct Track {
    name: String,
    state: State,
    awaiting: Option<AwaitPoint>,
    /// Real time its current poll started (long poll is about the thread).
    poll_started_wall: f64,
    /// Crawl time (minus time skipped) of the wake that made it ready, with
    /// who woke it and where: slow to poll measures from here. `None` for a
    /// new task (its first poll was never asked for by a wake).
    woken: Option<(f64, WakeCause, AwaitPoint)>,
    /// Woken during its own poll: ready again as soon as the poll ends.
    rewoken: Option<(WakeCause, AwaitPoint)>,
    wakes: u32,
    self_wakes: u32,
    /// Self-wakes and never-woken are said once per task.
    self_wakes_said: bool,
    never_woken_said: bool,
}

/// Per-task state, indexed by task id. Ids are dense and small (`0..=maxTasks`,
/// at most 257), so a vector serves better than a map — in time and in wasm
/// size. Ids from [`Slots::MAX`] on (only a hand-made log has them) are ignored.
pub(crate) struct Slots<T>(Vec<Option<T>>);

impl<T> Default for Slots<T> {
    fn default() -> Self {
        Slots(Vec::new())
    }
}

impl<T> Slots<T> {
    pub(crate) const MAX: usize = 4096;

    pub(crate) fn get(&self, id: TaskId) -> Option<&T> {
        self.0.get(id as usize)?.as_ref()
    }

    pub(crate) fn get_mut(&mut self, id: TaskId) -> Option<&mut T> {
        self.0.get_mut(id as usize)?.as_mut()
    }

    pub(crate) fn insert(&mut self, id: TaskId, value: T) {
        let i = id as usize;
        if i < Self::MAX {
            if self.0.len() <= i {
                self.0.resize_with(i + 1, || None);
            }
            self.0[i] = Some(value);
        }
    }

    pub(crate) fn remove(&mut self, id: TaskId) -> Option<T> {
        self.0.get_mut(id as usize)?.take()
    }

    /// Every task's state with its id, in id order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (TaskId, &T)> {
        self.0.iter().enumerate().filter_map(|(i, t)| Some((i as TaskId, t.as_ref()?)))
    }

    pub(crate) fn into_values(self) -> impl Iterator<Item = T> {
        self.0.into_iter().flatten()
    }
}

/// The lints of a log, folded one event at a time.
#[derive(Default)]
pub struct LintFold {
    /// Events applied so far: a live handle folds only what is new.
    applied: usize,
    /// Polls ended so far: an event inside poll N belongs to replay step N.
    polls_ended: usize,
    tasks: Slots<Track>,
    /// Crawl time a Step skipped forward while paused (`timeSkipped`): no
    /// task waited through it, so slow to poll leaves it out.
    skipped_ms: f64,
    lints: Vec<Lint>,
}

/// Await points only another task can wake: if every live task is parked on
/// one, nothing will ever run again. (The network, timers and yields wake by
/// themselves; Stop is the reader's button.)
fn only_a_task_wakes(point: Option<AwaitPoint>) -> bool {
    matches!(point, Some(AwaitPoint::QueueGet | AwaitPoint::Join | AwaitPoint::HostSlot))
}

/// An await point in the chapter's words, as `awaitText` in `www/stepping/words.js` says it.
fn await_words(point: Option<AwaitPoint>) -> &'static str {
    match point {
        Some(AwaitPoint::QueueGet) => "queue.get() (waiting for a URL)",
        Some(AwaitPoint::Join) => "queue.join() (waiting until every URL is processed)",
        Some(AwaitPoint::Stop) => "the stop signal (waiting for Stop)",
        Some(AwaitPoint::Fetch) => "fetch() (waiting for the response)",
        Some(AwaitPoint::BodyRead) => "reading the body (the response is arriving)",
        Some(AwaitPoint::Timer) => "a timer (a timeout, backoff or politeness delay)",
        Some(AwaitPoint::HostSlot) => "a free connection (at most perHostConcurrency requests to one host)",
        Some(AwaitPoint::Yield) => {
            "a turn of the event loop (the crawl gives the browser its thread back for a moment)"
        }
        None => "an await point",
    }
}

/// Who woke a task, in the chapter's words.
fn cause_words(cause: WakeCause, names: &Slots<Track>) -> String {
    match cause {
        WakeCause::Task { task } => match names.get(task) {
            Some(t) => format!("{} (during its poll)", t.name),
            None => format!("task {task} (during its poll)"),
        },
        WakeCause::SelfWake => "itself".into(),
        WakeCause::Network => "the network (a response arrived)".into(),
        WakeCause::Timer => "a timer that fired".into(),
        WakeCause::External => "outside every task (Stop, a cancellation)".into(),
    }
}

impl LintFold {
    pub fn new() -> LintFold {
        LintFold::default()
    }

    /// The lints of `events` (a whole log, or a prefix of one).
    pub fn of(events: &[Event]) -> Vec<Lint> {
        let mut fold = LintFold::new();
        fold.apply_all(events);
        fold.lints
    }

    /// How many events were applied: the next to apply is `events_since(applied)`.
    pub fn applied(&self) -> usize {
        self.applied
    }

    /// The lints so far, in log order.
    pub fn lints(&self) -> &[Lint] {
        &self.lints
    }

    pub fn apply_all(&mut self, events: &[Event]) {
        for event in events {
            self.apply(event);
        }
    }

    /// Fold one event in. Events must come in log order, each once.
    pub fn apply(&mut self, event: &Event) {
        self.applied += 1;
        // Crawl time, less what Steps skipped: the time a ready task really waited.
        let t = event.t_ms - self.skipped_ms;
        // Real time (version-1 logs had only `tMs`, which was real time then).
        let wall = event.wall_ms.unwrap_or(event.t_ms);
        match &event.kind {
            EventKind::TaskSpawned { task, name } => {
                self.tasks.insert(
                    *task,
                    Track {
                        name: name.clone(),
                        state: State::Ready,
                        awaiting: None,
                        poll_started_wall: wall,
                        woken: None,
                        rewoken: None,
                        wakes: 0,
                        self_wakes: 0,
                        self_wakes_said: false,
                        never_woken_said: false,
                    },
                );
            }
            EventKind::TimeSkipped { ms } if ms.is_finite() && *ms > 0.0 => self.skipped_ms += ms,
            EventKind::Wake { task, by, at } => self.wake(event, *task, *by, *at, t),
            EventKind::PollStart { task } => self.poll_start(event, *task, t, wall),
            EventKind::PollEnd { task, ready, awaiting } => {
                self.poll_end(event, *task, *ready, *awaiting, t, wall);
                self.check_stall(event);
                self.polls_ended += 1;
            }
            EventKind::TaskExited { task, .. } => {
                if let Some(track) = self.tasks.get_mut(*task) {
                    track.state = State::Gone;
                }
            }
            EventKind::Finished { .. } => self.check_left_behind(event),
            _ => {}
        }
    }

    /// Raise a lint at `event` (which lies inside poll `polls_ended + 1`).
    fn raise(&mut self, event: &Event, kind: LintKind, task: TaskId, ms: Option<f64>, message: String) {
        let name = self.tasks.get(task).map_or_else(|| format!("task {task}"), |t| t.name.clone());
        self.lints.push(Lint {
            kind,
            title: kind.title(),
            task,
            name,
            seq: event.seq,
            step: self.polls_ended + 1,
            t_ms: event.t_ms,
            ms,
            message,
        });
    }

    fn wake(&mut self, event: &Event, task: TaskId, by: WakeCause, at: AwaitPoint, t: f64) {
        let Some(track) = self.tasks.get_mut(task) else { return };
        track.wakes = track.wakes.saturating_add(1);
        if by == WakeCause::SelfWake {
            track.self_wakes = track.self_wakes.saturating_add(1);
        }
        match track.state {
            State::Waiting => {
                track.state = State::Ready;
                track.woken = Some((t, by, at));
            }
            State::Running => track.rewoken = Some((by, at)),
            State::Ready | State::Gone => {}
        }
        let (wakes, own) = (track.wakes, track.self_wakes);
        if !track.self_wakes_said && wakes >= SELF_WAKES_MIN && u64::from(own) * 2 > u64::from(wakes) {
            track.self_wakes_said = true;
            let name = track.name.clone();
            let message = format!(
                "{name} woke itself {own} of the {wakes} times it was woken. A task that wakes its own waker \
                 and returns Pending is a yield loop: it goes straight back on the ready list, so the event \
                 loop keeps polling it instead of letting it wait until a put(), the network or a timer \
                 has something for it."
            );
            self.raise(event, LintKind::SelfWakes, task, None, message);
        }
    }

    fn poll_start(&mut self, event: &Event, task: TaskId, t: f64, wall: f64) {
        let Some(track) = self.tasks.get_mut(task) else { return };
        track.state = State::Running;
        track.poll_started_wall = wall;
        let Some((since, by, at)) = track.woken.take() else { return };
        let waited = t - since;
        if waited >= SLOW_TO_POLL_MS {
            let name = track.name.clone();
            let message = format!(
                "{name}, parked at {}, was woken by {} and waited {} ms before it was polled. It was ready, \
                 but the event loop was busy: one task's poll runs to its next await before any other \
                 task runs, so a long poll, or many tasks ready at once, keeps woken tasks waiting.",
                await_words(Some(at)),
                cause_words(by, &self.tasks),
                waited.round()
            );
            self.raise(event, LintKind::SlowToPoll, task, Some(waited), message);
        }
    }

    fn poll_end(&mut self, event: &Event, task: TaskId, ready: bool, awaiting: Option<AwaitPoint>, t: f64, wall: f64) {
        let Some(track) = self.tasks.get_mut(task) else { return };
        let ran = wall - track.poll_started_wall;
        let rewoken = track.rewoken.take();
        track.awaiting = awaiting;
        track.state = match (ready, rewoken) {
            (true, _) => State::Gone,
            (false, Some((by, at))) => {
                track.woken = Some((t, by, at));
                State::Ready
            }
            (false, None) => State::Waiting,
        };
        if ran >= LONG_POLL_MS {
            let name = track.name.clone();
            let ended = if ready {
                "before it returned".to_string()
            } else {
                format!("before it reached an await that was not ready, {}", await_words(awaiting))
            };
            let message = format!(
                "{name}'s poll ran {} ms {ended}. For that long nothing else on the page could run: no other \
                 task, no painting, no input. A task should give the thread back (await) every few ms; \
                 parsing does so every parseSliceMs.",
                ran.round()
            );
            self.raise(event, LintKind::LongPoll, task, Some(ran), message);
        }
    }

    /// After a poll: if every live task is parked where only another task
    /// could wake it, none ever will: each of them is never woken.
    fn check_stall(&mut self, event: &Event) {
        let stalled = {
            let mut live = self.tasks.iter().map(|(_, t)| t).filter(|t| t.state != State::Gone).peekable();
            live.peek().is_some() && live.all(|t| t.state == State::Waiting && only_a_task_wakes(t.awaiting))
        };
        if !stalled {
            return;
        }
        let stuck = self.parked_unsaid();
        for (task, at) in stuck {
            let message = format!(
                "{} is parked at {} and every other task is parked too, each waiting for another task: \
                 nothing can wake it any more. A waker was lost (a future returned Pending without \
                 arranging its wake), so the crawl will never finish by itself.",
                self.name(task),
                await_words(at)
            );
            self.say_never_woken(event, task, message);
        }
    }

    /// Tasks parked now that have not had their `never woken` lint yet.
    fn parked_unsaid(&self) -> Vec<(TaskId, Option<AwaitPoint>)> {
        self.tasks
            .iter()
            .filter(|(_, t)| t.state == State::Waiting && !t.never_woken_said)
            .map(|(id, t)| (id, t.awaiting))
            .collect()
    }

    /// At the end of a crawl: a task still parked will never be polled again.
    fn check_left_behind(&mut self, event: &Event) {
        let stuck = self.parked_unsaid();
        for (task, at) in stuck {
            let message = format!(
                "{} is still parked at {} and the crawl has ended: nothing will wake it any more. Its waker \
                 was lost, or nobody cancelled it; a finished crawl cancels every worker it no longer needs.",
                self.name(task),
                await_words(at)
            );
            self.say_never_woken(event, task, message);
        }
    }

    fn say_never_woken(&mut self, event: &Event, task: TaskId, message: String) {
        if let Some(track) = self.tasks.get_mut(task) {
            track.never_woken_said = true;
        }
        self.raise(event, LintKind::NeverWoken, task, None, message);
    }

    fn name(&self, task: TaskId) -> String {
        self.tasks.get(task).map_or_else(|| format!("task {task}"), |t| t.name.clone())
    }
}
