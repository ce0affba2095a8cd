//! crawlscope: the 500 Lines asyncio crawler, in Rust, on the browser's
//! event loop — with every task visible.
//!
//! # A tour of the crate
//!
//! The crawl engine is plain Rust with no `web-sys` in it, so it runs and is
//! tested natively, on a single-threaded executor with virtual time. The
//! browser side is a thin layer that plugs real `fetch`, a real clock and
//! `spawn_local` into it, and a `#[wasm_bindgen]` boundary for the page.
//!
//! * [`options`] — the crawl options, validated; errors name the option.
//! * [`env`] — what the engine needs from outside: [`env::Fetcher`],
//!   [`env::Clock`], [`env::Spawner`], [`env::Decoder`], [`env::Idna`].
//!   The fetcher shows only what browser `fetch` shows (final URL,
//!   `redirected`, status, safelisted headers, body).
//! * [`queue`] — a joinable queue with asyncio's `join` / `task_done`.
//! * [`signal`] — a set-once flag many tasks can await (stop, finished).
//! * [`sched`] — the gate every task runs behind: instrumented polls and
//!   wakers (who woke whom), pause, step one poll, cancel at once.
//! * [`time`] — the engine's clock, which stands still while paused.
//! * [`scope`] — which hosts a crawl may visit (strict / lenient, as the seed).
//! * [`links`] — link extraction with `scraper`, `<base href>` honoured.
//! * [`extract`] — the `extract` option: named CSS selectors giving each
//!   HTML page its `fields`, on scraper's tree (built only for such crawls).
//! * [`event`] — the typed event log, the single source of truth.
//! * [`log`] — how the log is kept: each URL once (interned ids), events
//!   compact (20 bytes in wasm) in chunks that never move, expanded back to
//!   [`event::Event`]s exactly as emitted when read; a saved log's events
//!   read back from JSON by hand ([`log::json`]).
//! * [`report`] — the Report, folded from the event log in id space, and
//!   written (or sent to JS in parts) one page at a time; [`text`] is its
//!   seed-style text form.
//! * [`tasks`] — per-task detail (state, polls, wakes, times), folded too.
//! * [`replay`] — the log as a file, and an exact replay of it, step by step.
//! * [`lints`] — long polls, self-wakes, slow-to-poll and never-woken tasks,
//!   folded from the log, each told in the chapter's words; [`trace`] is the
//!   log as a Trace Event Format file (Perfetto, `chrome://tracing`).
//! * [`crawler`] — the engine: workers, supervisor, stop, the queue budget;
//!   [`shared`] is the context its tasks share.
//! * [`fetching`] — one URL, carefully: robots.txt, a per-host slot
//!   ([`politeness`]), the engine's timeout, retries with backoff ([`retry`]).
//! * [`page`] — a fetched page: redirect outcome, decoding ([`decode`]:
//!   UTF-8 in place, other encodings through the environment's decoder:
//!   `encoding_rs` natively, the browser's `TextDecoder` in wasm), links
//!   parsed in slices, each link followed or skipped for a reason.
//! * [`robots`] — robots.txt per origin (RFC 9309).
//! * [`export`] — the crawl handed to other crawlers: a Scrapy spider, alone
//!   or sharing one frontier in Redis (scrapy-redis).
//! * `web` (wasm32 only) — `web-sys` fetch with one `AbortController` per
//!   request, `setTimeout` clock, `spawn_local`, `TextDecoder`, `URL` for
//!   international domain names, the JS API and panic banner.
//!
//! # Errors
//!
//! One policy: a *caller's* mistake (bad options) is a `Result::Err` whose
//! message names what is wrong; everything that goes wrong *during* a crawl
//! (network errors, timeouts, odd pages) is recorded as data in the event
//! log and the report, never returned as an error, and never a panic. On
//! stable wasm a panic ends the instance, so nothing may panic on any input;
//! the panic hook in `web` turns a bug that slips through into a banner.

pub mod crawler;
pub mod decode;
pub mod env;
pub mod event;
pub mod export;
pub mod extract;
pub mod fetching;
pub mod links;
pub mod lints;
pub mod log;
pub mod options;
pub mod page;
pub mod politeness;
pub mod queue;
pub mod replay;
pub mod report;
pub mod retry;
pub mod robots;
pub mod sched;
pub mod scope;
pub mod shared;
pub mod signal;
pub mod tasks;
pub mod text;
pub mod time;
pub mod trace;

#[cfg(target_arch = "wasm32")]
pub mod web;

pub use crawler::Crawl;
pub use options::{Options, OptionsError};
pub use report::Report;
