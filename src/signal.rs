//! A one-shot, many-waiter flag: set once, every waiter resumes.
//! Used for "stop was requested" and "the crawl has finished".

use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

#[derive(Clone, Default)]
pub struct Signal {
    inner: Rc<RefCell<(bool, Vec<Waker>)>>,
}

impl Signal {
    pub fn new() -> Self {
        Self::default()
    }

    /// Set the flag and wake every waiter (after releasing the borrow).
    pub fn set(&self) {
        let wakers = {
            let mut inner = self.inner.borrow_mut();
            inner.0 = true;
            std::mem::take(&mut inner.1)
        };
        for waker in wakers {
            waker.wake();
        }
    }

    pub fn is_set(&self) -> bool {
        self.inner.borrow().0
    }

    /// Resolves once the flag is set.
    pub fn wait(&self) -> Wait {
        Wait { signal: self.clone() }
    }
}

pub struct Wait {
    signal: Signal,
}

impl Future for Wait {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = self.signal.inner.borrow_mut();
        if inner.0 {
            return Poll::Ready(());
        }
        if !inner.1.iter().any(|w| w.will_wake(cx.waker())) {
            inner.1.push(cx.waker().clone());
        }
        Poll::Pending
    }
}
