//! The task gate: every task of a crawl runs inside it, so the crawl can be
//! watched poll by poll and stopped in time.
//!
//! This is the chapter's `Task.step` made real on top of any executor
//! (`spawn_local` in the browser, a `LocalPool` in tests):
//!
//! * **Instrumented polls.** Each executor poll of a task is recorded as
//!   `pollStart` / `pollEnd`, with the await point the task is parked at.
//! * **Instrumented wakers.** Every `.await` on something outside the task
//!   goes through [`Scheduler::tagged`], which hands the inner future a waker
//!   of ours. When it fires we know which task was woken, at which await
//!   point, and by whom: the task being polled right now (task 3's
//!   `queue.put` woke task 5's `get`), or — when no task is running — the
//!   network or a timer.
//! * **The gate.** While paused, a woken task is not polled: it joins the
//!   *ready list*. [`Scheduler::step`] polls one ready task exactly once,
//!   synchronously; [`Scheduler::resume`] releases them all.
//! * **Cancellation.** [`Scheduler::cancel`] drops a task's future on the
//!   spot (aborting its fetch through the fetcher's drop guard).
//!
//! Borrow discipline: wakers can fire from inside another task's poll or
//! from a drop guard, so every path reachable from a waker uses short,
//! `try_`-borrows and never holds one while calling out.

use crate::event::{AwaitPoint, EventKind, Recorder, TaskId, WakeCause};
use crate::time::EngineClock;
use futures::future::LocalBoxFuture;
use serde::Serialize;
use std::cell::{Cell, RefCell};
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::{Rc, Weak};
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// One task and what the gate knows about it.
struct TaskCell {
    id: TaskId,
    /// The task's future until it returns or is cancelled.
    future: RefCell<Option<LocalBoxFuture<'static, ()>>>,
    /// Set by `cancel` when the future could not be dropped at once
    /// (it was running); the next poll drops it.
    cancelled: Cell<bool>,
    /// The executor's waker for this task, to hand a held task back to it.
    exec_waker: RefCell<Option<Waker>>,
    /// Where the task is parked (its last `.await` that returned Pending).
    awaiting: Cell<Option<AwaitPoint>>,
    /// What first woke it since its last poll (shown in the ready list).
    woken_by: Cell<Option<WakeCause>>,
    /// Whether it is in the ready list (woken while paused, not yet polled).
    held: Cell<bool>,
}

/// An entry of the ready list, as the JS API shows it.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReadyTask {
    pub task: TaskId,
    pub awaiting: Option<AwaitPoint>,
    pub woken_by: Option<WakeCause>,
}

/// Why `step` did nothing.
#[derive(Clone, Debug, PartialEq)]
pub enum StepError {
    NotPaused,
    NothingReady,
    NotReady(TaskId),
    /// Called from inside a poll of the same crawl.
    Busy,
}

impl std::fmt::Display for StepError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            StepError::NotPaused => write!(f, "step: the crawl is not paused (pause it first)"),
            StepError::NothingReady => write!(f, "step: no task is ready (the ready list is empty)"),
            StepError::NotReady(t) => write!(f, "step: task {t} is not in the ready list"),
            StepError::Busy => write!(f, "step: called from inside a task's poll"),
        }
    }
}

/// The gate and bookkeeping for all tasks of one crawl.
pub struct Scheduler {
    /// Key of this scheduler in the thread's registry (for wakers).
    id: u64,
    recorder: Rc<Recorder>,
    /// The engine's pausable clock: paused with the tasks.
    clock: Rc<EngineClock>,
    tasks: RefCell<Vec<Rc<TaskCell>>>,
    paused: Cell<bool>,
    /// Tasks woken while paused, oldest first.
    ready: RefCell<VecDeque<TaskId>>,
    /// The task being polled right now, if any: the waker of anything it
    /// wakes is credited to it.
    current: Cell<Option<TaskId>>,
    /// When the current burst of work on the browser's thread began (the
    /// last wake from outside every task: network, timer, a yield).
    slice_start: Cell<f64>,
}

thread_local! {
    /// Schedulers by id. Wakers must be `Send + Sync`, so they carry an id,
    /// not an `Rc`; they find their scheduler here (and simply forward the
    /// wake if it is gone, or if they were ever moved to another thread).
    static REGISTRY: RefCell<HashMap<u64, Weak<Scheduler>>> = RefCell::new(HashMap::new());
    static NEXT_ID: Cell<u64> = const { Cell::new(1) };
}

fn lookup(id: u64) -> Option<Rc<Scheduler>> {
    REGISTRY.try_with(|r| r.try_borrow().ok().and_then(|r| r.get(&id).and_then(Weak::upgrade))).ok().flatten()
}

impl Scheduler {
    pub fn new(recorder: Rc<Recorder>, clock: Rc<EngineClock>) -> Rc<Scheduler> {
        let id = NEXT_ID.with(|n| {
            let id = n.get();
            n.set(id + 1);
            id
        });
        let sched = Rc::new(Scheduler {
            id,
            recorder,
            clock,
            tasks: RefCell::new(Vec::new()),
            paused: Cell::new(false),
            ready: RefCell::new(VecDeque::new()),
            current: Cell::new(None),
            slice_start: Cell::new(f64::NEG_INFINITY),
        });
        REGISTRY.with(|r| r.borrow_mut().insert(id, Rc::downgrade(&sched)));
        sched
    }

    fn cell(&self, task: TaskId) -> Option<Rc<TaskCell>> {
        self.tasks.try_borrow().ok()?.iter().find(|c| c.id == task).cloned()
    }

    /// Spawn `future` as task `id` on `spawner`, behind the gate.
    pub fn spawn(self: &Rc<Self>, spawner: &dyn crate::env::Spawner, id: TaskId, future: LocalBoxFuture<'static, ()>) {
        let cell = Rc::new(TaskCell {
            id,
            future: RefCell::new(Some(future)),
            cancelled: Cell::new(false),
            exec_waker: RefCell::new(None),
            awaiting: Cell::new(None),
            woken_by: Cell::new(None),
            held: Cell::new(false),
        });
        self.tasks.borrow_mut().push(cell.clone());
        spawner.spawn(Box::pin(Gate { sched: Rc::downgrade(self), cell }));
    }

    /// Wrap an await on `future` so its wake-ups are attributed. `marks`:
    /// whether parking here sets the task's await point (a timeout raced
    /// against a fetch does not: the task is "in fetch").
    pub fn tagged<F: Future + Unpin>(self: &Rc<Self>, point: AwaitPoint, marks: bool, future: F) -> Tagged<F> {
        Tagged { sched: self.id, sched_rc: Rc::downgrade(self), point, marks, future }
    }

    /// Milliseconds of work since the browser last had its event loop.
    pub fn slice_ms(&self) -> f64 {
        self.clock.real_now_ms() - self.slice_start.get()
    }

    pub fn is_paused(&self) -> bool {
        self.paused.get()
    }

    /// Hold every task at the gate from now on, and freeze the engine's timers.
    pub fn pause(&self) {
        if self.paused.replace(true) {
            return;
        }
        self.clock.pause();
        self.recorder.emit(EventKind::Paused);
    }

    /// Release every held task (oldest first) and let time run again.
    pub fn resume(&self) {
        if !self.paused.replace(false) {
            return;
        }
        self.clock.resume();
        self.recorder.emit(EventKind::Resumed);
        let held: Vec<TaskId> = self.ready.borrow_mut().drain(..).collect();
        for task in held {
            if let Some(cell) = self.cell(task) {
                cell.held.set(false);
                let waker = cell.exec_waker.borrow().clone();
                if let Some(waker) = waker {
                    waker.wake(); // the executor polls it again, this time through the gate
                }
            }
        }
    }

    /// The ready list, oldest first.
    pub fn ready(&self) -> Vec<ReadyTask> {
        let ids: Vec<TaskId> = self.ready.borrow().iter().copied().collect();
        ids.into_iter()
            .filter_map(|id| self.cell(id))
            .map(|c| ReadyTask { task: c.id, awaiting: c.awaiting.get(), woken_by: c.woken_by.get() })
            .collect()
    }

    /// Poll one ready task exactly once (`task`, or the oldest), now.
    pub fn step(&self, task: Option<TaskId>) -> Result<TaskId, StepError> {
        if !self.paused.get() {
            return Err(StepError::NotPaused);
        }
        if self.current.get().is_some() {
            return Err(StepError::Busy);
        }
        let id = {
            let mut ready = self.ready.borrow_mut();
            let index = match task {
                Some(t) => ready.iter().position(|&r| r == t).ok_or(StepError::NotReady(t))?,
                None if ready.is_empty() => return Err(StepError::NothingReady),
                None => 0,
            };
            ready.remove(index).ok_or(StepError::NothingReady)?
        };
        let cell = self.cell(id).ok_or(StepError::NotReady(id))?;
        cell.held.set(false);
        // A Step is called from its own turn of the event loop (a click, a
        // timer): a fresh burst, so the task gets a whole slice. Measured
        // from the wake instead, the time the task sat in the ready list
        // would count as work, and even a tiny page would yield at once.
        self.slice_start.set(self.clock.real_now_ms());
        self.recorder.trace(|| EventKind::Stepped { task: id });
        let waker = cell.exec_waker.borrow().clone();
        // Poll with the executor's own waker: whatever the task parks on
        // will wake it through the executor, and the gate catches it again.
        let waker = waker.unwrap_or_else(futures::task::noop_waker);
        let finished = self.poll_task(&cell, &mut Context::from_waker(&waker));
        if finished {
            waker.wake_by_ref(); // let the executor drop the empty shell
        }
        Ok(id)
    }

    /// Whether any task is parked on the network (its wake will come by
    /// itself, in real time).
    pub fn waiting_on_network(&self) -> bool {
        self.tasks.borrow().iter().any(|c| {
            matches!(c.awaiting.get(), Some(AwaitPoint::Fetch | AwaitPoint::BodyRead))
                && c.future.try_borrow().map(|f| f.is_some()).unwrap_or(false)
                && !c.held.get()
        })
    }

    /// While paused with nothing ready and nothing on the network: move the
    /// engine's frozen clock to its next timer (a timeout, a backoff, a
    /// politeness delay), so a Step can go on. Returns the ms skipped.
    pub fn skip_time(&self) -> Option<f64> {
        if !self.paused.get() || !self.ready.borrow().is_empty() || self.waiting_on_network() {
            return None;
        }
        let skipped = self.clock.skip_to_next_timer()?;
        self.recorder.emit(EventKind::TimeSkipped { ms: skipped });
        Some(skipped)
    }

    /// Drop the futures of every task but `keep` now (in spawn order);
    /// returns how many were still live.
    pub fn cancel_all_except(&self, keep: TaskId) -> u32 {
        let cells: Vec<Rc<TaskCell>> = self.tasks.borrow().clone();
        cells.iter().filter(|c| c.id != keep && self.cancel(c)).count() as u32
    }

    /// Drop one task's future now, or at its next poll if it is running.
    fn cancel(&self, cell: &TaskCell) -> bool {
        cell.cancelled.set(true);
        let taken = match cell.future.try_borrow_mut() {
            Ok(mut future) => future.take(),
            Err(_) => None, // running: the gate drops it when the poll returns
        };
        let was_live = taken.is_some();
        // Drop after the borrow ends: drop guards inside may wake others.
        drop(taken);
        if was_live {
            self.recorder.trace(|| EventKind::TaskExited { task: cell.id, cancelled: true });
        }
        if let Ok(mut ready) = self.ready.try_borrow_mut() {
            ready.retain(|&t| t != cell.id);
        }
        let waker = cell.exec_waker.borrow_mut().take();
        if let Some(waker) = waker {
            waker.wake();
        }
        was_live
    }

    /// Poll the task's future once with instrumentation. True when it finished.
    fn poll_task(&self, cell: &TaskCell, cx: &mut Context<'_>) -> bool {
        let Ok(mut slot) = cell.future.try_borrow_mut() else { return false };
        let Some(future) = slot.as_mut() else { return true };
        // One clock reading for the whole poll: every event it emits is
        // stamped with it (see `time.rs`). A poll never spans an `.await`
        // that parks — parking ends it — so a task that yields mid-parse
        // gets a fresh reading when it is polled again.
        let holds = self.clock.hold_reading();
        self.recorder.trace(|| EventKind::PollStart { task: cell.id });
        let outer = self.current.replace(Some(cell.id));
        cell.awaiting.set(None);
        cell.woken_by.set(None);
        let result = future.as_mut().poll(cx);
        self.current.set(outer);
        let ready = result.is_ready();
        if ready {
            *slot = None;
        }
        drop(slot);
        let awaiting = if ready { None } else { cell.awaiting.get() };
        self.recorder.trace(|| {
            // Read afresh: the poll's length is what the long-poll lint reads.
            self.clock.refresh_reading();
            EventKind::PollEnd { task: cell.id, ready, awaiting }
        });
        if ready {
            self.recorder.trace(|| EventKind::TaskExited { task: cell.id, cancelled: false });
        }
        if holds {
            self.clock.release_reading();
        }
        ready
    }

    /// A tagged waker fired for `task` parked at `point`.
    fn record_wake(&self, task: Option<TaskId>, point: AwaitPoint) {
        let Some(task) = task else { return };
        let Some(cell) = self.cell(task) else { return };
        if cell.future.try_borrow().map(|f| f.is_none()).unwrap_or(false) {
            return; // finished or cancelled: nobody to wake
        }
        // Outside a poll, the slice's start and the wake's stamp share one
        // reading too (inside one, the poll's reading is already held).
        let holds = self.clock.hold_reading();
        let by = match self.current.get() {
            Some(current) if current == task => WakeCause::SelfWake,
            Some(current) => WakeCause::Task { task: current },
            None => {
                // Outside every task: a fresh turn of the browser's event loop.
                self.slice_start.set(self.clock.real_now_ms());
                match point {
                    AwaitPoint::Fetch | AwaitPoint::BodyRead => WakeCause::Network,
                    AwaitPoint::Timer | AwaitPoint::Yield => WakeCause::Timer,
                    _ => WakeCause::External,
                }
            }
        };
        if cell.woken_by.get().is_none() {
            cell.woken_by.set(Some(by)); // the wake that made it ready, not later ones
        }
        self.recorder.trace(|| EventKind::Wake { task, by, at: point });
        if holds {
            self.clock.release_reading();
        }
    }

    /// Set the await point of the task being polled.
    fn park_at(&self, point: AwaitPoint) {
        if let Some(cell) = self.current.get().and_then(|t| self.cell(t)) {
            cell.awaiting.set(Some(point));
        }
    }
}

impl Drop for Scheduler {
    fn drop(&mut self) {
        let id = self.id;
        let _ = REGISTRY.try_with(|r| r.try_borrow_mut().map(|mut r| r.remove(&id)));
    }
}

/// What the executor runs for each task: the gate in front of its future.
struct Gate {
    sched: Weak<Scheduler>,
    cell: Rc<TaskCell>,
}

impl Future for Gate {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let cell = &self.cell;
        let Some(sched) = self.sched.upgrade() else { return Poll::Ready(()) };
        if cell.cancelled.get() {
            let taken = cell.future.try_borrow_mut().ok().and_then(|mut f| f.take());
            drop(taken);
            return Poll::Ready(());
        }
        if cell.future.try_borrow().map(|f| f.is_none()).unwrap_or(false) {
            return Poll::Ready(());
        }
        *cell.exec_waker.borrow_mut() = Some(cx.waker().clone());
        if sched.paused.get() {
            // Woken while paused: wait in the ready list for a Step or Resume.
            if !cell.held.replace(true) {
                sched.ready.borrow_mut().push_back(cell.id);
            }
            return Poll::Pending;
        }
        if sched.poll_task(cell, cx) {
            return Poll::Ready(());
        }
        if cell.cancelled.get() {
            // Cancelled from inside its own poll.
            let taken = cell.future.try_borrow_mut().ok().and_then(|mut f| f.take());
            drop(taken);
            return Poll::Ready(());
        }
        Poll::Pending
    }
}

/// A future whose wake-ups are attributed (see [`Scheduler::tagged`]).
pub struct Tagged<F> {
    sched: u64,
    sched_rc: Weak<Scheduler>,
    point: AwaitPoint,
    marks: bool,
    future: F,
}

impl<F: Future + Unpin> Future for Tagged<F> {
    type Output = F::Output;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
        let this = &mut *self;
        let sched = this.sched_rc.upgrade();
        let task = sched.as_ref().and_then(|s| s.current.get());
        let waker =
            Waker::from(Arc::new(TagWaker { sched: this.sched, task, point: this.point, inner: cx.waker().clone() }));
        let result = Pin::new(&mut this.future).poll(&mut Context::from_waker(&waker));
        if result.is_pending() && this.marks {
            if let Some(sched) = sched {
                sched.park_at(this.point);
            }
        }
        result
    }
}

/// The waker handed to a tagged future: records the wake, then forwards it.
/// `Send + Sync` as wakers must be; it reaches its scheduler by id.
struct TagWaker {
    sched: u64,
    task: Option<TaskId>,
    point: AwaitPoint,
    inner: Waker,
}

impl Wake for TagWaker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(sched) = lookup(self.sched) {
            sched.record_wake(self.task, self.point);
        }
        self.inner.wake_by_ref();
    }
}
