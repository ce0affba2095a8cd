//! The browser side: real implementations of the engine's [`Env`] traits
//! and the `#[wasm_bindgen]` boundary the page calls. Only this module uses
//! `web-sys`; it holds no crawl logic.
//!
//! [`Env`]: crate::env::Env

pub mod api;
pub mod bench;
pub mod charset;
pub mod clock;
pub mod fetch;
pub mod idna;
pub mod panic;

use crate::env::{Env, Spawner};
use futures::future::LocalBoxFuture;
use std::rc::Rc;

/// `wasm_bindgen_futures::spawn_local`: the task is polled from a
/// microtask whenever its waker fires, on the browser's one thread.
pub struct WebSpawner {
    /// Whether a task's first poll waits for a task of the event loop's
    /// own. `spawn_local` polls at once, in the microtasks that end the
    /// current task: for a crawl started by a click, every worker's first
    /// poll (and the wasm they compile on first use) would lengthen the
    /// click's task. Behind a `setTimeout(0)` each first poll is a task of
    /// its own, and the click only starts the crawl. A crawl started paused
    /// does not wait: its tasks' first polls only put them in the ready
    /// list, which a learner sees at once.
    pub first_poll_in_own_task: bool,
}

impl Spawner for WebSpawner {
    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        if !self.first_poll_in_own_task {
            wasm_bindgen_futures::spawn_local(task);
            return;
        }
        // The task is not polled before the timer fires; its gate (the
        // scheduler's instrumentation) sees nothing of the wait.
        let next_task = js_sys::Promise::new(&mut |resolve, _reject| {
            clock::set_timeout(&resolve, 0.0);
        });
        wasm_bindgen_futures::spawn_local(async move {
            // `Err` only if the promise rejects, which this one never does.
            let _ = wasm_bindgen_futures::JsFuture::from(next_task).await;
            task.await;
        });
    }
}

/// The browser environment: `fetch`, `performance.now`/`setTimeout`, `spawn_local`, `TextDecoder`, `URL`.
pub fn browser_env() -> Env {
    Env {
        fetcher: Rc::new(fetch::WebFetcher),
        clock: Rc::new(clock::WebClock),
        spawner: Rc::new(WebSpawner { first_poll_in_own_task: false }),
        decoder: Rc::new(charset::WebDecoder),
        idna: Rc::new(idna::WebIdna),
        proxy: None,
    }
}
