//! Fetching one URL the way a careful crawler does: robots.txt first, a
//! per-host connection slot and politeness delay, the engine's own timeout,
//! and retries with backoff. Every step is an event.

use crate::crawler::Shared;
use crate::decode::decode;
use crate::env::{FetchError, FetchRequest, FetchResponse};
use crate::event::{AwaitPoint, EventKind, FetchResult, TaskId};
use crate::politeness::Slot;
use crate::retry::{backoff_ms, retry_after_ms, retryable_status};
use crate::robots::{self, Lookup, Rules};
use futures::future::{select, Either};
use url::Url;

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

            // the slot is released here, before any backoff
        };
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
) -> Result<FetchResponse, String> {
    shared.emit(EventKind::FetchStart { task, url: url.to_string(), attempt, robots });
    let started = shared.clock.now_ms();
    let result = fetch_with_timeout(shared, url).await;
    let ms = shared.clock.now_ms() - started;
    shared.emit(EventKind::FetchEnd { task, url: url.to_string(), attempt, ms, result: describe(&result), robots });
    result
}

fn describe(result: &Result<FetchResponse, String>) -> FetchResult {
    match result {
        Ok(response) => FetchResult::Response {
            status: response.head.status,
            final_url: response.head.url.clone(),
            redirected: response.head.redirected,
            content_type: response.header("content-type").map(String::from),
            bytes: response.body.len(),
            truncated: response.truncated,
        },
        Err(error) => FetchResult::Error { error: error.clone() },
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

/// One try, raced against the engine's own timer. When the timer wins,
/// the fetch future is dropped, which aborts the request.
async fn fetch_with_timeout(shared: &Shared, url: &str) -> Result<FetchResponse, String> {
    let request = FetchRequest {
        url: url.to_string(),
        follow_redirects: shared.options.max_redirect > 0,
        max_body_bytes: shared.options.max_body_bytes,
    };
    let attempt = async {
        // Two awaits, as in a browser: the response head, then the body.
        let response = shared.env.fetcher.fetch(request);
        let response = shared.sched.tagged(AwaitPoint::Fetch, true, response).await?;
        let body = shared.sched.tagged(AwaitPoint::BodyRead, true, response.body).await?;
        Ok::<_, FetchError>(FetchResponse { head: response.head, body: body.bytes, truncated: body.truncated })
    };
    // The timeout sleeps on the engine's clock, so a pause freezes it.
    let timeout = shared.clock.sleep(f64::from(shared.options.timeout_ms));
    let timeout = shared.sched.tagged(AwaitPoint::Timer, false, timeout);
    match select(Box::pin(attempt), timeout).await {
        Either::Left((Ok(response), _timer)) => Ok(response),
        Either::Left((Err(FetchError::Network(message)), _)) => Err(format!("{TYPE_ERROR}: {message}")),
        Either::Left((Err(FetchError::Aborted), _)) => Err("aborted".into()),
        Either::Right(((), _attempt)) => Err(format!("timed out after {} ms", shared.options.timeout_ms)),
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
    let (status, text, error) = match result {
        Ok(response) => {
            let text = decode(&response.body, response.header("content-type")).text;
            (Some(response.head.status), text, None)
        }
        Err(error) => (None, String::new(), Some(error)),
    };
    let rules = Rules::from_response(status, text);
    shared.emit(EventKind::RobotsFetched { task, origin: origin.clone(), status, rules: rules.name().into(), error });
    shared.robots.set(&origin, rules).allows(url)
}
