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
pub mod panic;

use crate::env::{Env, Spawner};
use futures::future::LocalBoxFuture;
use std::rc::Rc;

/// `wasm_bindgen_futures::spawn_local`: the task is polled from a
/// microtask whenever its waker fires, on the browser's one thread.
pub struct WebSpawner;

impl Spawner for WebSpawner {
    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        wasm_bindgen_futures::spawn_local(task);
    }
}

/// The browser environment: `fetch`, `performance.now`/`setTimeout`, `spawn_local`, `TextDecoder`.
pub fn browser_env() -> Env {
    Env {
        fetcher: Rc::new(fetch::WebFetcher),
        clock: Rc::new(clock::WebClock),
        spawner: Rc::new(WebSpawner),
        decoder: Rc::new(charset::WebDecoder),
        proxy: None,
    }
}
