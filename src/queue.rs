//! A joinable FIFO queue with asyncio's `join` / `task_done` semantics.
//!
//! Every `put` raises the *unfinished* counter; every `task_done` lowers it;
//! `join()` resolves once it is back at zero — that is, when every item ever
//! put has been fully processed, including the items processing put back.
//! That is how the seed crawler knows it is finished without counting pages.
//!
//! Single-threaded by design (`Rc<RefCell<…>>`): a borrow is never held
//! across an `.await` nor while waking another task, so a woken task polled
//! re-entrantly can never find the queue "already borrowed".

use std::cell::RefCell;
use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// Cheap to clone; all clones are the same queue.
pub struct JoinableQueue<T> {
    inner: Rc<RefCell<Inner<T>>>,
}

impl<T> Clone for JoinableQueue<T> {
    fn clone(&self) -> Self {
        JoinableQueue { inner: self.inner.clone() }
    }
}

struct Inner<T> {
    /// Items waiting for a getter, oldest first.
    items: VecDeque<T>,
    /// Items put but not yet matched by `task_done`; `join` waits for zero.
    unfinished: usize,
    /// Getters parked on an empty queue, oldest first, by getter id; `put`
    /// wakes exactly one (the oldest), as asyncio does.
    getters: VecDeque<(u64, Waker)>,
    /// Tasks parked in `join()`; all are woken when `unfinished` hits zero.
    joiners: Vec<Waker>,
    /// Source of getter ids, so a dropped getter can remove itself.
    next_getter: u64,
    /// Take the newest item first (depth-first) instead of the oldest.
    lifo: bool,
}

impl<T> Default for JoinableQueue<T> {
    fn default() -> Self {
        Self::new()
    }
}

impl<T> JoinableQueue<T> {
    pub fn new() -> Self {
        Self::with_lifo(false)
    }

    /// A queue whose `get` takes the newest item (`lifo`) or the oldest.
    pub fn with_lifo(lifo: bool) -> Self {
        JoinableQueue {
            inner: Rc::new(RefCell::new(Inner {
                items: VecDeque::new(),
                unfinished: 0,
                getters: VecDeque::new(),
                joiners: Vec::new(),
                next_getter: 0,
                lifo,
            })),
        }
    }

    /// Append an item and wake the oldest parked getter.
    pub fn put(&self, item: T) {
        let waker = {
            let mut inner = self.inner.borrow_mut();
            inner.items.push_back(item);
            inner.unfinished += 1;
            inner.getters.pop_front().map(|(_, w)| w)
        };
        // Wake after the borrow ends: the executor may poll the getter at once.
        if let Some(waker) = waker {
            waker.wake();
        }
    }

    /// Wait for an item. Cancel-safe: dropping the future loses no item.
    pub fn get(&self) -> Get<T> {
        let id = {
            let mut inner = self.inner.borrow_mut();
            inner.next_getter += 1;
            inner.next_getter
        };
        Get { queue: self.clone(), id }
    }

    /// Mark one earlier-gotten item as processed. Returns `false` (and
    /// changes nothing) when called more often than `put`, instead of
    /// underflowing: that would be a bug in the caller, not a reason to panic.
    pub fn task_done(&self) -> bool {
        let joiners = {
            let mut inner = self.inner.borrow_mut();
            if inner.unfinished == 0 {
                return false;
            }
            inner.unfinished -= 1;
            if inner.unfinished == 0 {
                std::mem::take(&mut inner.joiners)
            } else {
                Vec::new()
            }
        };
        for waker in joiners {
            waker.wake();
        }
        true
    }

    /// Resolves when every item put so far has had its `task_done`.
    pub fn join(&self) -> Join<T> {
        Join { queue: self.clone() }
    }

    /// Items waiting to be taken.
    pub fn len(&self) -> usize {
        self.inner.borrow().items.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Items put and not yet `task_done` (the number `join` waits on).
    pub fn unfinished(&self) -> usize {
        self.inner.borrow().unfinished
    }

    /// Take every waiting item out (used when a crawl is stopped, to record
    /// them as not crawled). Their `task_done` is the caller's business.
    pub fn drain(&self) -> Vec<T> {
        self.inner.borrow_mut().items.drain(..).collect()
    }
}

/// Future of [`JoinableQueue::get`].
pub struct Get<T> {
    queue: JoinableQueue<T>,
    id: u64,
}

impl<T> Future for Get<T> {
    type Output = T;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<T> {
        let mut inner = self.queue.inner.borrow_mut();
        let item = if inner.lifo { inner.items.pop_back() } else { inner.items.pop_front() };
        if let Some(item) = item {
            inner.getters.retain(|(id, _)| *id != self.id);
            return Poll::Ready(item);
        }
        // Park (or refresh our waker): `put` will wake us when an item comes.
        match inner.getters.iter_mut().find(|(id, _)| *id == self.id) {
            Some((_, waker)) => waker.clone_from(cx.waker()),
            None => inner.getters.push_back((self.id, cx.waker().clone())),
        }
        Poll::Pending
    }
}

impl<T> Drop for Get<T> {
    fn drop(&mut self) {
        // A getter can be woken by `put` and then dropped before it is polled
        // (its task was cancelled). Pass that wake-up on, or the item would
        // sit in the queue while another getter sleeps.
        let next = {
            let Ok(mut inner) = self.queue.inner.try_borrow_mut() else { return };
            let was_parked = inner.getters.iter().any(|(id, _)| *id == self.id);
            inner.getters.retain(|(id, _)| *id != self.id);
            if !was_parked && !inner.items.is_empty() {
                inner.getters.pop_front().map(|(_, w)| w)
            } else {
                None
            }
        };
        if let Some(waker) = next {
            waker.wake();
        }
    }
}

/// Future of [`JoinableQueue::join`].
pub struct Join<T> {
    queue: JoinableQueue<T>,
}

impl<T> Future for Join<T> {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = self.queue.inner.borrow_mut();
        if inner.unfinished == 0 {
            return Poll::Ready(());
        }
        inner.joiners.push(cx.waker().clone());
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use futures::executor::LocalPool;
    use futures::task::LocalSpawnExt;
    use std::cell::Cell;

    #[test]
    fn join_waits_for_every_task_done() {
        let queue = JoinableQueue::new();
        queue.put(1);
        queue.put(2);
        let joined = Rc::new(Cell::new(false));
        let mut pool = LocalPool::new();
        let (q, j) = (queue.clone(), joined.clone());
        pool.spawner()
            .spawn_local(async move {
                q.join().await;
                j.set(true)
            })
            .expect("pool is alive");
        pool.run_until_stalled();
        assert!(!joined.get());
        let q = queue.clone();
        pool.spawner()
            .spawn_local(async move {
                let a = q.get().await;
                let b = q.get().await;
                assert_eq!((a, b), (1, 2), "FIFO");
                q.task_done();
                q.task_done();
            })
            .expect("pool is alive");
        pool.run_until_stalled();
        assert!(joined.get());
    }

    #[test]
    fn task_done_more_often_than_put_is_refused_not_a_panic() {
        let queue: JoinableQueue<()> = JoinableQueue::new();
        assert!(!queue.task_done());
        assert_eq!(queue.unfinished(), 0);
    }

    #[test]
    fn a_dropped_woken_getter_passes_the_item_on() {
        let queue = JoinableQueue::new();
        let mut pool = LocalPool::new();
        let got = Rc::new(Cell::new(None));
        // Getter 1 parks first, then getter 2.
        let mut first = Box::pin(queue.get());
        let waker = futures::task::noop_waker();
        assert!(first.as_mut().poll(&mut Context::from_waker(&waker)).is_pending());
        let (q, g) = (queue.clone(), got.clone());
        pool.spawner().spawn_local(async move { g.set(Some(q.get().await)) }).expect("pool is alive");
        pool.run_until_stalled();
        queue.put(7); // wakes getter 1 (noop waker)...
        drop(first); // ...which is cancelled before it runs
        pool.run_until_stalled();
        assert_eq!(got.get(), Some(7));
    }
}
