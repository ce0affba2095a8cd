//! The engine's own clock: the environment's clock minus the time spent
//! paused. Timeouts (and later backoff and politeness delays) sleep on it,
//! so pausing a crawl freezes them: a fetch that was 200 ms from its
//! timeout is still 200 ms from it after any pause.

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
}

impl EngineClock {
    pub fn new(inner: Rc<dyn Clock>) -> Rc<EngineClock> {
        Rc::new(EngineClock {
            inner,
            paused_at: Cell::new(None),
            paused_total: Cell::new(0.0),
            frozen: RefCell::new(Vec::new()),
        })
    }

    /// Engine time in ms: stands still while paused.
    pub fn now_ms(&self) -> f64 {
        let real = self.paused_at.get().unwrap_or_else(|| self.inner.now_ms());
        real - self.paused_total.get()
    }

    /// The environment's clock, which never stops.
    pub fn real_now_ms(&self) -> f64 {
        self.inner.now_ms()
    }

    /// Resolves after `ms` of real time, paused or not (for yielding).
    pub fn real_sleep(&self, ms: f64) -> LocalBoxFuture<'static, ()> {
        self.inner.sleep(ms)
    }

    pub fn pause(&self) {
        if self.paused_at.get().is_none() {
            self.paused_at.set(Some(self.inner.now_ms()));
        }
    }

    pub fn resume(&self) {
        if let Some(at) = self.paused_at.take() {
            self.paused_total.set(self.paused_total.get() + (self.inner.now_ms() - at));
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
