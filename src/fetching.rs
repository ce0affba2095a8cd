//! Fetching one URL the way a careful crawler does: robots.txt first, a
//! per-host connection slot and politeness delay, the engine's own timeout,
//! and retries with backoff. Every step is an event.
//!
//! When the browser's opaque `TypeError` comes back, the origin is probed
//! once with a `no-cors` request: an (opaque) answer means the server is
//! there and CORS is the wall, which no retry gets over ([`CORS_ERROR`]).
//! With `proxy: true` every request goes through the local proxy instead
//! (see [`Env::proxy`](crate::env::Env)), where CORS does not apply.

use crate::decode::decode;
use crate::env::{FetchError, FetchRequest, FetchResponse, Fetcher};
use crate::event::{AwaitPoint, EventKind, FetchResult, TaskId};
use crate::politeness::Slot;
use crate::retry::{backoff_ms, retry_after_ms, retryable_status};
use crate::robots::{self, Lookup, Rules};
use crate::shared::{CorsProbes, Probe, Shared};
use crate::signal::Signal;
use futures::future::{select, Either};
use std::rc::Rc;
use url::Url;

/// A page's error when its server answered without CORS headers: the
/// failure kind `cors` (see [`crate::text::failure_kind`]).
pub const CORS_ERROR: &str =
    "the server answered without Access-Control-Allow-Origin, so the browser hides its response from this page";

/// One failed try: its message, and whether it was the browser's opaque
/// network error (the one CORS hides behind).
struct TryFailed {
    message: String,
    network: bool,
}

/// Fetch `url` with up to `maxTries` tries. A response with a retryable
/// status that never got better is returned as it is (it *is* a response);
/// `Err` means no response at all, with the reason.
pub(crate) async fn fetch_page(shared: &Shared, task: TaskId, url: &Url) -> Result<FetchResponse, String> {
    let url_text = url.to_string();
    let host = url.host_str().unwrap_or("").to_string();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let result = {
            let _slot = take_slot(shared, task, &url_text, &host).await;
            timed_fetch(shared, task, &url_text, attempt, false).await
            // the slot is released here, before any backoff (or probe)
        };
        if matches!(&result, Err(TryFailed { network: true, .. })) && cors_is_the_wall(shared, task, url).await {
            // No retry can get a response the browser will not show.
            return Err(CORS_ERROR.to_string());
        }
        let result = result.map_err(|failed| failed.message);
        let retry = match &result {
            Ok(response) if retryable_status(response.head.status) => {
                let delay = retry_after_ms(response.header("retry-after"))
                    .unwrap_or_else(|| backoff_ms(shared.options.backoff_ms, attempt, &url_text));
                Some((delay, format!("HTTP {}", response.head.status)))
            }
            Ok(_) => None,
            Err(error) => Some((backoff_ms(shared.options.backoff_ms, attempt, &url_text), error.clone())),
        };
        match (result, retry) {
            (_, Some((delay_ms, reason))) if attempt < shared.options.max_tries => {
                shared.emit(EventKind::RetryScheduled { task, url: url_text.clone(), attempt, delay_ms, reason });
                // Backoff sleeps on the engine's clock: a pause freezes it.
                let pause = shared.clock.sleep(delay_ms);
                shared.sched.tagged(AwaitPoint::Timer, true, pause).await;
            }
            (Ok(response), _) => return Ok(response),
            (Err(error), _) => {
                let noun = if attempt == 1 { "try" } else { "tries" };
                return Err(format!("failed after {attempt} {noun}: {error}"));
            }
        }
    }
}

/// One try with its `FetchStart` / `FetchEnd`, timed in crawl time: a
/// pause while the request is in flight adds nothing to its `ms` (the
/// answer may have arrived during the pause; it is read when the task is
/// polled again, and the engine's clock stood still meanwhile).
async fn timed_fetch(
    shared: &Shared,
    task: TaskId,
    url: &str,
    attempt: u32,
    robots: bool,
) -> Result<FetchResponse, TryFailed> {
    shared.emit(EventKind::FetchStart { task, url: url.to_string(), attempt, robots });
    // Stamps, not fresh reads: the fetch starts in this poll, and it ends
    // in the poll its response wakes, whose reading is taken as it begins.
    let started = shared.clock.stamp().0;
    let result = fetch_with_timeout(shared, url).await;
    let ms = shared.clock.stamp().0 - started;
    shared.emit(EventKind::FetchEnd { task, url: url.to_string(), attempt, ms, result: describe(&result), robots });
    result
}

fn describe(result: &Result<FetchResponse, TryFailed>) -> FetchResult {
    match result {
        Ok(response) => FetchResult::Response {
            status: response.head.status,
            final_url: response.head.url.clone(),
            redirected: response.head.redirected,
            content_type: response.header("content-type").map(String::from),
            bytes: response.body.len(),
            truncated: response.truncated,
        },
        Err(failed) => FetchResult::Error { error: failed.message.clone() },
    }
}

/// After a network error on `url`: is its origin a server that answers
/// without CORS headers? The first task to ask probes with a `no-cors`
/// request (a request like any other: it takes a host slot, waits out the
/// politeness delay, obeys the timeout and is an event); later ones reuse
/// the answer. Through the proxy CORS does not apply, so never.
async fn cors_is_the_wall(shared: &Shared, task: TaskId, url: &Url) -> bool {
    if shared.options.proxy {
        return false;
    }
    let origin = url.origin().ascii_serialization();
    loop {
        // The borrow ends with this statement: never held across an await.
        let known = shared.cors.origins.borrow().get(&origin).cloned();
        match known {
            Some(Probe::Known(opaque)) => return opaque,
            Some(Probe::Running(signal)) => {
                shared.sched.tagged(AwaitPoint::Fetch, true, signal.wait()).await;
            }
            None => break,
        }
    }
    let signal = Signal::new();
    shared.cors.origins.borrow_mut().insert(origin.clone(), Probe::Running(signal.clone()));
    // If this task is cancelled mid-probe, waiters must not hang: the guard
    // settles the origin as "unknown" (false) unless the probe finished.
    let mut settle = Settle { probes: &shared.cors, origin: origin.clone(), signal, opaque: false };
    let url_text = url.to_string();
    let host = url.host_str().unwrap_or("").to_string();
    let _slot = take_slot(shared, task, &url_text, &host).await;
    let started = shared.env.clock.now_ms();
    let probe = shared.env.fetcher.probe_no_cors(url_text.clone());
    let probe = shared.sched.tagged(AwaitPoint::Fetch, true, probe);
    let timeout = shared.clock.sleep(f64::from(shared.options.timeout_ms));
    let timeout = shared.sched.tagged(AwaitPoint::Timer, false, timeout);
    let opaque = match select(probe, timeout).await {
        Either::Left((opaque, _timer)) => opaque,
        Either::Right(((), _probe)) => false,
    };
    let ms = shared.env.clock.now_ms() - started;
    shared.emit(EventKind::CorsProbed { task, url: url_text, origin, opaque, ms });
    settle.opaque = opaque;
    opaque
}

/// Whether a probe already found `url`'s origin behind a CORS wall.
pub(crate) fn behind_cors_wall(shared: &Shared, url: &Url) -> bool {
    let origin = url.origin().ascii_serialization();
    matches!(shared.cors.origins.borrow().get(&origin), Some(Probe::Known(true)))
}

/// Records a probe's answer and wakes the tasks waiting for it, however
/// the probing task ends (finished, or dropped by a stop).
struct Settle<'a> {
    probes: &'a CorsProbes,
    origin: String,
    signal: Signal,
    opaque: bool,
}

impl Drop for Settle<'_> {
    fn drop(&mut self) {
        self.probes.origins.borrow_mut().insert(self.origin.clone(), Probe::Known(self.opaque));
        self.signal.set();
    }
}

/// Wait for a connection slot to `host` (visibly), then for the politeness delay.
async fn take_slot(shared: &Shared, task: TaskId, url: &str, host: &str) -> Slot {
    if shared.politeness.must_wait(host) {
        shared.emit(EventKind::SlotWait { task, url: url.to_string(), host: host.to_string() });
    }
    let slot = Box::pin(shared.politeness.acquire(host));
    let slot = shared.sched.tagged(AwaitPoint::HostSlot, true, slot).await;
    let wait = shared.politeness.reserve_start(host, shared.clock.now_ms());
    if wait > 0.0 {
        let pause = shared.clock.sleep(wait);
        shared.sched.tagged(AwaitPoint::Timer, true, pause).await;
    }
    slot
}

/// The browser's opaque network failure, explained once.
const TYPE_ERROR: &str = "network error (TypeError: a refused or dropped connection, a DNS failure, a CORS refusal, \
     a redirect loop or — with maxRedirect 0 — any redirect; the browser does not say which)";

/// The fetcher this crawl uses: the browser's, or the local proxy.
fn fetcher(shared: &Shared) -> Option<&Rc<dyn Fetcher>> {
    if shared.options.proxy {
        shared.env.proxy.as_ref()
    } else {
        Some(&shared.env.fetcher)
    }
}

/// The start of a page's error when the local proxy could not fetch it
/// (the failure kind `proxy`).
pub const PROXY_ERROR: &str = "the local proxy could not fetch it";

/// One try, raced against the engine's own timer. When the timer wins,
/// the fetch future is dropped, which aborts the request.
async fn fetch_with_timeout(shared: &Shared, url: &str) -> Result<FetchResponse, TryFailed> {
    let request = FetchRequest {
        url: url.to_string(),
        follow_redirects: shared.options.max_redirect > 0,
        max_body_bytes: shared.options.max_body_bytes,
        max_redirect: shared.options.max_redirect,
    };
    let Some(fetcher) = fetcher(shared) else {
        // `Crawl::try_start` refuses this; a crawl started anyway says why.
        let message = "proxy: no local proxy was given to this crawl".to_string();
        return Err(TryFailed { message, network: false });
    };
    let attempt = async {
        // Two awaits, as in a browser: the response head, then the body.
        let response = fetcher.fetch(request);
        let response = shared.sched.tagged(AwaitPoint::Fetch, true, response).await?;
        let body = shared.sched.tagged(AwaitPoint::BodyRead, true, response.body).await?;
        Ok::<_, FetchError>(FetchResponse { head: response.head, body: body.bytes, truncated: body.truncated })
    };
    // The timeout sleeps on the engine's clock, so a pause freezes it.
    let timeout = shared.clock.sleep(f64::from(shared.options.timeout_ms));
    let timeout = shared.sched.tagged(AwaitPoint::Timer, false, timeout);
    let failed = |message: String| Err(TryFailed { message, network: false });
    match select(Box::pin(attempt), timeout).await {
        Either::Left((Ok(response), _timer)) => Ok(response),
        Either::Left((Err(FetchError::Network(message)), _)) => {
            Err(TryFailed { message: format!("{TYPE_ERROR}: {message}"), network: true })
        }
        Either::Left((Err(FetchError::Aborted), _)) => failed("aborted".into()),
        Either::Left((Err(FetchError::Proxy(reason)), _)) => failed(format!("{PROXY_ERROR}: {reason}")),
        Either::Right(((), _attempt)) => failed(format!("timed out after {} ms", shared.options.timeout_ms)),
    }
}

/// Whether robots.txt lets us fetch `url` (fetching the file once per origin).
pub(crate) async fn robots_allow(shared: &Shared, task: TaskId, url: &Url) -> bool {
    if !robots::applies(shared.options.robots, url) {
        return true;
    }
    let origin = url.origin().ascii_serialization();
    loop {
        match shared.robots.lookup(&origin) {
            Lookup::Ready(rules) => return rules.allows(url),
            Lookup::Fetch => break,
            Lookup::Wait(signal) => {
                // Another task is fetching this origin's robots.txt.
                shared.sched.tagged(AwaitPoint::Fetch, true, signal.wait()).await;
            }
        }
    }
    let robots_url = format!("{origin}/robots.txt");
    let host = url.host_str().unwrap_or("").to_string();
    let result = {
        let _slot = take_slot(shared, task, &robots_url, &host).await;
        timed_fetch(shared, task, &robots_url, 1, true).await
    };
    // A robots.txt behind a CORS wall reads as unreachable (disallow all);
    // the probe lets the page say why instead (see `behind_cors_wall`).
    if matches!(&result, Err(TryFailed { network: true, .. })) {
        if let Ok(parsed) = Url::parse(&robots_url) {
            cors_is_the_wall(shared, task, &parsed).await;
        }
    }
    let result = result.map_err(|failed| failed.message);
    let (status, text, error) = match result {
        Ok(response) => {
            let text = decode(&*shared.env.decoder, &response.body, response.header("content-type")).text;
            (Some(response.head.status), text, None)
        }
        Err(error) => (None, String::new(), Some(error)),
    };
    let rules = Rules::from_response(status, text);
    shared.emit(EventKind::RobotsFetched { task, origin: origin.clone(), status, rules: rules.name().into(), error });
    shared.robots.set(&origin, rules).allows(url)
}
