//! [`Clock`] on `performance.now()` and **one** shared `setTimeout`.
//!
//! Every fetch races a timeout (15 s by default) that almost never fires:
//! a `setTimeout` and a `clearTimeout` per fetch were a measurable share of
//! a fast crawl. Instead, pending sleeps wait in one ordered map and a
//! single JS timer is armed for the earliest of them. A sleep dropped before
//! its time only leaves the map; the armed timer stays (when it fires with
//! nothing due it re-arms for whatever is earliest then), so the common case
//! — a fetch finishing long before its timeout — costs no call into JS.

use crate::env::Clock;
use futures::future::LocalBoxFuture;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
    #[wasm_bindgen(js_name = setTimeout)]
    pub(super) fn set_timeout(callback: &js_sys::Function, ms: f64) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

pub struct WebClock;

impl Clock for WebClock {
    fn now_ms(&self) -> f64 {
        performance_now()
    }

    fn sleep(&self, ms: f64) -> LocalBoxFuture<'static, ()> {
        let state = Rc::new(TimerState { fired: Cell::new(false), waker: RefCell::new(None) });
        let key = TIMERS.with(|timers| timers.add(performance_now() + ms.max(0.0), state.clone()));
        Box::pin(Timer { state, key })
    }
}

/// A pending sleep's key: its deadline (as ordered bits: deadlines are
/// never negative, so the bits sort like the numbers) and a tie-breaker.
type Key = (u64, u64);

thread_local! {
    /// The browser has one thread; so has the timer table.
    static TIMERS: Timers = Timers::new();
}

struct Timers {
    pending: RefCell<BTreeMap<Key, Rc<TimerState>>>,
    next_id: Cell<u64>,
    /// The armed `setTimeout`: its deadline and handle.
    armed: RefCell<Option<(f64, JsValue)>>,
    /// The one callback every arming uses (created once, never dropped).
    callback: Closure<dyn FnMut()>,
}

impl Timers {
    fn new() -> Timers {
        Timers {
            pending: RefCell::new(BTreeMap::new()),
            next_id: Cell::new(0),
            armed: RefCell::new(None),
            callback: Closure::new(|| TIMERS.with(Timers::fire)),
        }
    }

    fn add(&self, deadline: f64, state: Rc<TimerState>) -> Key {
        let id = self.next_id.get();
        self.next_id.set(id + 1);
        let key = (deadline.max(0.0).to_bits(), id);
        self.pending.borrow_mut().insert(key, state);
        let earlier = self.armed.borrow().as_ref().is_none_or(|(armed, _)| deadline < *armed);
        if earlier {
            self.arm(deadline);
        }
        key
    }

    fn remove(&self, key: &Key) {
        self.pending.borrow_mut().remove(key);
    }

    /// (Re-)arm the one JS timer for `deadline`.
    fn arm(&self, deadline: f64) {
        if let Some((_, id)) = self.armed.borrow_mut().take() {
            clear_timeout(&id);
        }
        let id = set_timeout(self.callback.as_ref().unchecked_ref(), (deadline - performance_now()).max(0.0));
        *self.armed.borrow_mut() = Some((deadline, id));
    }

    /// The JS timer fired: wake every sleep that is due, arm for the next.
    fn fire(&self) {
        *self.armed.borrow_mut() = None;
        // Half a millisecond of slack: a timer may fire a hair before its
        // deadline on a coarsened clock, and waiting a whole turn more for
        // that would only cost another timer.
        let now = performance_now() + 0.5;
        let mut due = Vec::new();
        {
            let mut pending = self.pending.borrow_mut();
            while let Some(entry) = pending.first_entry() {
                if f64::from_bits(entry.key().0) > now {
                    break;
                }
                due.push(entry.remove());
            }
        }
        // The borrow is over before any waker runs.
        for state in due {
            state.fired.set(true);
            let waker = state.waker.borrow_mut().take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
        let next = self.pending.borrow().keys().next().map(|(bits, _)| f64::from_bits(*bits));
        if let Some(deadline) = next {
            self.arm(deadline);
        }
    }
}

struct TimerState {
    fired: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

struct Timer {
    state: Rc<TimerState>,
    key: Key,
}

impl Future for Timer {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if self.state.fired.get() {
            return Poll::Ready(());
        }
        *self.state.waker.borrow_mut() = Some(cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Timer {
    fn drop(&mut self) {
        if !self.state.fired.get() {
            // Leaves the table; the armed JS timer, if it was this one's,
            // fires later with nothing due and re-arms for the next.
            TIMERS.with(|timers| timers.remove(&self.key));
        }
    }
}
