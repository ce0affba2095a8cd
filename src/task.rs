//! Spawning a task that can be cancelled from outside, at once.
//!
//! `spawn_local` hands back no handle, and `futures::future::Abortable`
//! only drops its future the next time the executor polls it. A crawl that
//! is stopped must abort its in-flight fetches *now*, so the future lives in
//! a shared slot: [`CancelHandle::cancel`] takes it out and drops it on the
//! spot (running every drop guard inside it), then wakes the empty shell so
//! the executor forgets it.

use crate::env::Spawner;
use futures::future::LocalBoxFuture;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

struct Slot {
    /// The task's future until it finishes or is cancelled.
    future: RefCell<Option<LocalBoxFuture<'static, ()>>>,
    /// Set when `cancel` could not drop the future because it was running
    /// (cancel called from inside its own poll); the next poll drops it.
    cancelled: Cell<bool>,
    /// Last waker seen, to let the executor drop the shell after a cancel.
    waker: RefCell<Option<Waker>>,
}

/// Cancels one spawned task.
#[derive(Clone)]
pub struct CancelHandle {
    slot: Rc<Slot>,
}

/// Spawn `future` on `spawner`; the handle cancels it.
pub fn spawn_cancellable(spawner: &dyn Spawner, future: LocalBoxFuture<'static, ()>) -> CancelHandle {
    let slot =
        Rc::new(Slot { future: RefCell::new(Some(future)), cancelled: Cell::new(false), waker: RefCell::new(None) });
    spawner.spawn(Box::pin(Shell { slot: slot.clone() }));
    CancelHandle { slot }
}

impl CancelHandle {
    /// Drop the task's future now (or at its next poll if it is running).
    pub fn cancel(&self) {
        self.slot.cancelled.set(true);
        // Take the future out first and drop it after the borrow ends: its
        // drop guards may touch other shared state.
        let taken = match self.slot.future.try_borrow_mut() {
            Ok(mut future) => future.take(),
            Err(_) => None, // running right now: the shell drops it when it returns
        };
        drop(taken);
        let waker = self.slot.waker.borrow_mut().take();
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Whether the task has finished or been cancelled.
    pub fn is_finished(&self) -> bool {
        self.slot.future.try_borrow().map(|f| f.is_none()).unwrap_or(false)
    }
}

/// What the executor actually runs.
struct Shell {
    slot: Rc<Slot>,
}

impl Future for Shell {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.slot.cancelled.get() {
            let taken = self.slot.future.borrow_mut().take();
            drop(taken);
            return Poll::Ready(());
        }
        let mut slot = self.slot.future.borrow_mut();
        let Some(future) = slot.as_mut() else { return Poll::Ready(()) };
        match future.as_mut().poll(cx) {
            Poll::Ready(()) => {
                *slot = None;
                Poll::Ready(())
            }
            Poll::Pending => {
                drop(slot);
                if self.slot.cancelled.get() {
                    // Cancelled from inside its own poll.
                    let taken = self.slot.future.borrow_mut().take();
                    drop(taken);
                    return Poll::Ready(());
                }
                *self.slot.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}
