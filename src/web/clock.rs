//! [`Clock`] on `performance.now()` and `setTimeout`, cancelled on drop.

use crate::env::Clock;
use futures::future::LocalBoxFuture;
use std::cell::{Cell, RefCell};
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
    fn set_timeout(callback: &js_sys::Function, ms: f64) -> JsValue;
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
        let fired = state.clone();
        let callback = Closure::<dyn FnMut()>::new(move || {
            fired.fired.set(true);
            let waker = fired.waker.borrow_mut().take();
            if let Some(waker) = waker {
                waker.wake();
            }
        });
        let id = set_timeout(callback.as_ref().unchecked_ref(), ms.max(0.0));
        Box::pin(Timer { state, id, _callback: callback })
    }
}

struct TimerState {
    fired: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

struct Timer {
    state: Rc<TimerState>,
    /// `setTimeout`'s handle, for `clearTimeout` on drop.
    id: JsValue,
    /// Kept alive until the timer fires or is cleared.
    _callback: Closure<dyn FnMut()>,
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
            clear_timeout(&self.id);
        }
    }
}
