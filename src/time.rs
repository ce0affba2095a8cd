//! The engine's own clock: the environment's clock minus the time spent
//! paused. Timeouts (and later backoff and politeness delays) sleep on it,
//! so pausing a crawl freezes them: a fetch that was 200 ms from its
//! timeout is still 200 ms from it after any pause.
//!
//! It also keeps the time *read*: while a task is being polled (or a wake
//! from outside is recorded) the clock holds its latest reading, and every
//! event stamped in that stretch takes it instead of asking the
//! environment again. A crawl emits about twenty events per page, and a
//! `performance.now()` per event (two, with the wall time) was a measurable
//! share of a fast crawl. The held reading never goes stale for long:
//! every real read the engine makes anyway — the parse slice's check before
//! each chunk, a timer's deadline, a pause — refreshes it, and a poll that
//! yields ends there, so the next poll starts from a fresh reading.

use crate::env::Clock;
use futures::future::LocalBoxFuture;
use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::task::{Poll, Waker};

pub struct EngineClock {
    inner: Rc<dyn Clock>,
    /// Real time at which the current pause began.
    paused_at: Cell<Option<f64>>,
    /// Real time spent paused before the current pause.
    paused_total: Cell<f64>,
    /// Sleepers whose timers stand still while paused: their engine-time
    /// deadline, and how to wake them (on resume, or when a Step skips time).
    frozen: RefCell<Vec<(f64, Waker)>>,
    /// Whether a reading is being held (see [`EngineClock::hold_reading`]).
    holding: Cell<bool>,
    /// The held reading of the real clock: the latest one taken while
    /// holding, or `None` when none was needed yet (a poll that stamps
    /// nothing reads nothing).
    held: Cell<Option<f64>>,
}

impl EngineClock {
    pub fn new(inner: Rc<dyn Clock>) -> Rc<EngineClock> {
        Rc::new(EngineClock {
            inner,
            paused_at: Cell::new(None),
            paused_total: Cell::new(0.0),
            frozen: RefCell::new(Vec::new()),
            holding: Cell::new(false),
            held: Cell::new(None),
        })
    }

    /// Read the environment's clock. While a reading is held it becomes the
    /// held one, never earlier than the last (so stamps stay in order even
    /// on a clock that could step back).
    fn read(&self) -> f64 {
        let mut now = self.inner.now_ms();
        if self.holding.get() {
            now = self.held.get().map_or(now, |held| now.max(held));
            self.held.set(Some(now));
        }
        now
    }

    /// Engine time in ms, read fresh: stands still while paused.
    pub fn now_ms(&self) -> f64 {
        let real = self.paused_at.get().unwrap_or_else(|| self.read());
        real - self.paused_total.get()
    }

    /// The environment's clock, which never stops, read fresh.
    pub fn real_now_ms(&self) -> f64 {
        self.read()
    }

    /// Start holding readings: from now until [`EngineClock::release_reading`]
    /// every [`EngineClock::stamp`] shares one reading of the real clock
    /// (refreshed only by the fresh reads above). The scheduler holds one
    /// for each poll of a task. Returns `false` when a reading was already
    /// held (a nested call): then only the outer holder releases it.
    pub fn hold_reading(&self) -> bool {
        !self.holding.replace(true)
    }

    /// Read the clock now, so the held reading (if any) is up to date.
    pub fn refresh_reading(&self) {
        self.read();
    }

    /// Stop holding: the next stamp reads the clock again.
    pub fn release_reading(&self) {
        self.holding.set(false);
        self.held.set(None);
    }

    /// The times to stamp an event with: (engine time, real time), from
    /// one reading — the held one when there is one, else a fresh read.
    pub fn stamp(&self) -> (f64, f64) {
        let real = match self.held.get() {
            Some(held) => held,
            None => self.read(),
        };
        (self.paused_at.get().unwrap_or(real) - self.paused_total.get(), real)
    }

    /// Resolves after `ms` of real time, paused or not (for yielding).
    pub fn real_sleep(&self, ms: f64) -> LocalBoxFuture<'static, ()> {
        self.inner.sleep(ms)
    }

    pub fn pause(&self) {
        if self.paused_at.get().is_none() {
            self.paused_at.set(Some(self.read()));
        }
    }

    pub fn resume(&self) {
        if let Some(at) = self.paused_at.take() {
            self.paused_total.set(self.paused_total.get() + (self.read() - at));
        }
        let frozen = std::mem::take(&mut *self.frozen.borrow_mut());
        for (_, waker) in frozen {
            waker.wake();
        }
    }

    /// While paused: jump engine time to the earliest frozen timer and wake
    /// the sleepers now due. Returns the milliseconds skipped, or `None` when
    /// not paused or no timer is waiting.
    pub fn skip_to_next_timer(&self) -> Option<f64> {
        let paused_at = self.paused_at.get()?;
        let next = self.frozen.borrow().iter().map(|(d, _)| *d).fold(f64::INFINITY, f64::min);
        if !next.is_finite() {
            return None;
        }
        let skipped = (next - self.now_ms()).max(0.0);
        // Engine time while paused is paused_at - paused_total; make it `next`.
        self.paused_total.set(paused_at - next.max(self.now_ms()));
        let due: Vec<Waker> = {
            let mut frozen = self.frozen.borrow_mut();
            let now = self.now_ms();
            let (due, later): (Vec<_>, Vec<_>) = frozen.drain(..).partition(|(d, _)| *d <= now + 1e-3);
            *frozen = later;
            due.into_iter().map(|(_, w)| w).collect()
        };
        for waker in due {
            waker.wake();
        }
        Some(skipped)
    }

    /// Resolves once `ms` of engine time has passed.
    pub fn sleep(self: &Rc<Self>, ms: f64) -> LocalBoxFuture<'static, ()> {
        let clock = self.clone();
        Box::pin(async move {
            let deadline = clock.now_ms() + ms.max(0.0);
            loop {
                let remaining = deadline - clock.now_ms();
                // Not `<= 0.0`: after a pause, float rounding can leave a
                // remainder too small to move the clock, which would spin.
                if remaining < 1e-3 {
                    return;
                }
                if clock.paused_at.get().is_some() {
                    // Frozen until resume (or a Step skips time to us).
                    clock.frozen_until(deadline).await;
                    continue;
                }
                // Re-armed after every pause with what is left.
                clock.inner.sleep(remaining).await;
            }
        })
    }

    fn frozen_until(&self, deadline: f64) -> impl Future<Output = ()> + '_ {
        poll_fn(move |cx| {
            if self.paused_at.get().is_none() || self.now_ms() >= deadline - 1e-3 {
                return Poll::Ready(());
            }
            self.frozen.borrow_mut().push((deadline, cx.waker().clone()));
            Poll::Pending
        })
    }
}
