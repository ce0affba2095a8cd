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
    /// Sleepers waiting for the pause to end.
    resume_wakers: RefCell<Vec<Waker>>,
}

impl EngineClock {
    pub fn new(inner: Rc<dyn Clock>) -> Rc<EngineClock> {
        Rc::new(EngineClock {
            inner,
            paused_at: Cell::new(None),
            paused_total: Cell::new(0.0),
            resume_wakers: RefCell::new(Vec::new()),
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
        let wakers = std::mem::take(&mut *self.resume_wakers.borrow_mut());
        for waker in wakers {
            waker.wake();
        }
    }

    /// Resolves once `ms` of engine time has passed.
    pub fn sleep(self: &Rc<Self>, ms: f64) -> LocalBoxFuture<'static, ()> {
        let clock = self.clone();
        Box::pin(async move {
            let deadline = clock.now_ms() + ms.max(0.0);
            loop {
                if clock.paused_at.get().is_some() {
                    clock.resumed().await;
                    continue;
                }
                let remaining = deadline - clock.now_ms();
                if remaining <= 0.0 {
                    return;
                }
                // Re-armed after every pause with what is left.
                clock.inner.sleep(remaining).await;
            }
        })
    }

    fn resumed(&self) -> impl Future<Output = ()> + '_ {
        poll_fn(move |cx| {
            if self.paused_at.get().is_none() {
                return Poll::Ready(());
            }
            self.resume_wakers.borrow_mut().push(cx.waker().clone());
            Poll::Pending
        })
    }
}
