//! The browser layer against the real test site on another origin (so CORS
//! is real), in headless Chromium: `cargo xtask test` starts the site and
//! bakes its URL in at build time (wasm tests cannot read the environment).

#![cfg(target_arch = "wasm32")]

use crawlscope::env::{Clock, FetchError, FetchRequest, FetchResponse, Fetcher, SAFELISTED_RESPONSE_HEADERS};
use crawlscope::web::{browser_env, clock::WebClock, fetch::WebFetcher};
use crawlscope::{Crawl, Options};
use futures::future::{select, Either};
use serde_json::Value;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// The test site's URL (with a trailing slash), baked in by `cargo xtask test`.
const SITE: Option<&str> = option_env!("CRAWLSCOPE_TEST_SITE");

fn site(path: &str) -> String {
    let base = SITE.expect("build with CRAWLSCOPE_TEST_SITE=http://127.0.0.1:PORT/ (cargo xtask test does)");
    format!("{base}{path}")
}

async fn get(url: &str) -> FetchResponse {
    let response = match WebFetcher.fetch(FetchRequest::get(url)).await {
        Ok(response) => response,
        Err(e) => panic!("GET {url} failed: {e:?}"),
    };
    match response.body.await {
        Ok(body) => FetchResponse { head: response.head, body: body.bytes, truncated: body.truncated },
        Err(e) => panic!("reading the body of {url} failed: {e:?}"),
    }
}

async fn json(url: &str) -> Value {
    serde_json::from_slice(&get(url).await.body).expect("the test site answers JSON")
}

async fn in_flight() -> u64 {
    json(&site("__stats")).await["inFlight"].as_u64().expect("inFlight is a number")
}

/// Poll `check` every 50 ms for up to `ms`; true once it holds.
async fn eventually(ms: f64, mut check: impl AsyncFnMut() -> bool) -> bool {
    let started = WebClock.now_ms();
    while WebClock.now_ms() - started < ms {
        if check().await {
            return true;
        }
        WebClock.sleep(50.0).await;
    }
    check().await
}

#[wasm_bindgen_test]
async fn fetcher_reads_a_cross_origin_page() {
    let response = get(&site("s/latency=0/")).await;
    assert_eq!(response.head.status, 200);
    assert!(response.header("content-type").unwrap_or("").starts_with("text/html"));
    assert!(String::from_utf8_lossy(&response.body).contains("<a href="));
    assert!(!response.head.redirected);
}

#[wasm_bindgen_test]
async fn fetcher_follows_redirects_and_reports_only_the_final_url() {
    let response = get(&site("s/latency=0/old-a")).await;
    assert_eq!(response.head.status, 200);
    assert!(response.head.redirected);
    assert_eq!(response.head.url, site("s/latency=0/page/2"));
}

#[wasm_bindgen_test]
async fn fetcher_sees_only_safelisted_headers() {
    let response = get(&site("s/latency=0/")).await;
    assert!(response.head.headers.iter().all(|(name, _)| SAFELISTED_RESPONSE_HEADERS.contains(&name.as_str())));
    assert!(response.header("access-control-allow-origin").is_none());
}

#[wasm_bindgen_test]
async fn a_refused_connection_is_a_network_error() {
    // Port 9 (discard) is closed on a test machine: the browser's opaque TypeError.
    let result = WebFetcher.fetch(FetchRequest::get("http://127.0.0.1:9/")).await;
    assert!(matches!(result, Err(FetchError::Network(_))), "a refused connection must fail");
}

#[wasm_bindgen_test]
async fn dropping_a_fetch_aborts_it_on_the_server() {
    let slow = WebFetcher.fetch(FetchRequest::get(site("s/latency=10000/page/1")));
    let started = WebClock.now_ms();
    // Race the slow fetch against 400 ms, then drop it mid-flight.
    match select(slow, WebClock.sleep(400.0)).await {
        Either::Left(_) => panic!("a 10 s page cannot answer in 400 ms"),
        Either::Right(((), slow)) => {
            assert_eq!(in_flight().await, 1, "the slow request is being served");
            drop(slow);
        }
    }
    assert!(eventually(3000.0, async || in_flight().await == 0).await, "the server saw the abort");
    assert!(WebClock.now_ms() - started < 5000.0, "did not wait for the slow page");
}

#[wasm_bindgen_test]
async fn engine_timeout_aborts_the_request_and_counts_as_a_try() {
    let options = format!(r#"{{"roots":["{}"],"timeoutMs":300,"maxTries":1}}"#, site("s/latency=10000/page/2"));
    let crawl = Crawl::start(Options::from_json(&options).expect("valid options"), browser_env());
    let report = crawl.finished().await;
    let page = &report.pages[0];
    assert_eq!((page.outcome.as_str(), page.tries), ("failed", 1));
    assert!(page.error.as_deref().unwrap_or("").contains("timed out after 300 ms"), "{page:?}");
    assert!(eventually(3000.0, async || in_flight().await == 0).await, "the timed-out request was aborted");
}

#[wasm_bindgen_test]
async fn crawl_in_the_browser_finds_the_pages_the_generator_lists() {
    let base = "s/pages=15;latency=0/";
    let options = format!(r#"{{"roots":["{}"],"maxTasks":4}}"#, site(base));
    let report = Crawl::start(Options::from_json(&options).expect("valid options"), browser_env()).finished().await;
    let expected = json(&site(&format!("__expected?base=/{base}"))).await;
    let expected = expected.as_array().expect("an array of pages");
    let want: Vec<(String, u64)> = expected
        .iter()
        .map(|p| (p["url"].as_str().unwrap_or("").to_string(), p["status"].as_u64().unwrap_or(0)))
        .collect();
    let got: Vec<(String, u64)> = report.pages.iter().map(|p| (p.url.clone(), p.status.unwrap_or(0) as u64)).collect();
    assert_eq!(got, want);
    assert!(report.pages.iter().all(|p| p.outcome == "done"));
}

/// Crawl a site variant in the browser with extra options; the final report.
async fn browser_crawl(base: &str, extra: &str) -> (crawlscope::Report, Vec<crawlscope::event::Event>) {
    let options = format!(r#"{{"roots":["{}"]{extra}}}"#, site(base));
    let crawl = Crawl::start(Options::from_json(&options).expect("valid options"), browser_env());
    let report = crawl.clone().finished().await;
    (report, crawl.events_since(0))
}

/// The most fetches in flight at once, from the event log.
fn peak_in_flight(events: &[crawlscope::event::Event]) -> usize {
    use crawlscope::event::EventKind;
    let (mut now, mut peak) = (0usize, 0usize);
    for event in events {
        match event.kind {
            EventKind::FetchStart { .. } => {
                now += 1;
                peak = peak.max(now);
            }
            EventKind::FetchEnd { .. } => now = now.saturating_sub(1),
            _ => {}
        }
    }
    peak
}

#[wasm_bindgen_test]
async fn every_max_tasks_finds_the_generated_pages_in_the_browser() {
    let base = "s/pages=25;latency=20/";
    let expected = json(&site(&format!("__expected?base=/{base}"))).await;
    let want: Vec<&str> = expected.as_array().expect("pages").iter().filter_map(|p| p["url"].as_str()).collect();
    for max_tasks in [1, 6, 32] {
        let started = WebClock.now_ms();
        let (report, events) =
            browser_crawl(base, &format!(r#","maxTasks":{max_tasks},"perHostConcurrency":32"#)).await;
        let got: Vec<&str> = report.pages.iter().map(|p| p.url.as_str()).collect();
        assert_eq!(got, want, "maxTasks {max_tasks}");
        let peak = peak_in_flight(&events);
        assert!(peak <= max_tasks, "peak {peak} > maxTasks {max_tasks}");
        console_log(&format!(
            "figure: maxTasks {max_tasks}: {} pages at 20 ms latency in {:.0} ms, peak {peak} fetches in flight",
            report.pages.len(),
            WebClock.now_ms() - started
        ));
    }
}

#[wasm_bindgen_test]
async fn a_body_stream_is_cut_at_max_body_bytes() {
    let (report, _) = browser_crawl("s/latency=0/huge", r#","maxBodyBytes":5000,"maxPages":1"#).await;
    let page = &report.pages[0];
    assert_eq!((page.size, page.truncated), (Some(5000), true));
    assert!(page.links.len() > 10, "the part that arrived was parsed");
}

#[wasm_bindgen_test]
async fn an_exposed_retry_after_is_read_and_honoured() {
    let base = format!("s/latency=0;seed={}/rate-limited", WebClock.now_ms() as u64);
    let (report, events) = browser_crawl(&base, r#","maxPages":1,"backoffMs":5"#).await;
    assert_eq!(report.pages[0].status, Some(200));
    let delay = events.iter().find_map(|e| match &e.kind {
        crawlscope::event::EventKind::RetryScheduled { delay_ms, .. } => Some(*delay_ms),
        _ => None,
    });
    assert_eq!(delay, Some(1000.0), "Retry-After: 1 is visible because the site exposes it");
}

#[wasm_bindgen_test]
async fn a_dropped_connection_and_a_redirect_loop_are_the_same_type_error() {
    let (report, _) = browser_crawl("s/latency=0/special/", r#","depthLimit":1,"maxTries":1"#).await;
    for path in ["drop", "loop-a"] {
        let url = site(&format!("s/latency=0/{path}"));
        let page = report.pages.iter().find(|p| p.url == url).unwrap_or_else(|| panic!("{url} is a page"));
        assert_eq!(page.outcome, "failed", "{path}");
        assert!(page.error.as_deref().unwrap_or("").contains("TypeError"), "{path}: {:?}", page.error);
    }
    let latin1 = report.pages.iter().find(|p| p.url.ends_with("/charset/latin1")).expect("latin1 page");
    assert_eq!(latin1.encoding.as_deref(), Some("windows-1252"));
    assert!(latin1.links.iter().any(|l| l.ends_with("/charset/caf%C3%A9")), "{:?}", latin1.links);
    let page = |path: &str| report.pages.iter().find(|p| p.url.ends_with(path)).unwrap_or_else(|| panic!("{path}"));
    let sjis = page("/charset/meta-sjis");
    assert_eq!(sjis.encoding.as_deref(), Some("Shift_JIS"));
    assert!(sjis.links.iter().any(|l| l.ends_with("/charset/%E3%81%82")), "{:?}", sjis.links);
    assert_eq!(page("/charset/bom-utf16").encoding.as_deref(), Some("UTF-16LE"));
    assert_eq!(page("/charset/unknown-label").encoding.as_deref(), Some("UTF-8"));
}

fn console_log(message: &str) {
    web_sys_console_log(message);
}

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = log)]
    fn web_sys_console_log(message: &str);
}

/// The browser decodes with its own `TextDecoder` (src/web/charset.rs); these
/// are the native backend's cases (src/decode.rs), which must come out the same.
#[wasm_bindgen_test]
fn text_decoder_agrees_with_the_native_backend() {
    use crawlscope::env::Decoder;
    use crawlscope::web::charset::WebDecoder;
    fn decode(body: &[u8], content_type: Option<&str>) -> crawlscope::decode::Decoded {
        crawlscope::decode::decode(&WebDecoder, body, content_type)
    }
    let d = decode("héllo".as_bytes(), Some("text/html"));
    assert_eq!((d.text.as_str(), d.encoding, d.note), ("héllo", "UTF-8", None));
    let d = decode(b"<meta charset=utf-8>caf\xe9", Some("text/html; charset=ISO-8859-1"));
    assert_eq!((d.encoding, d.text.ends_with("café")), ("windows-1252", true));
    let d =
        decode(b"<!doctype html><META http-equiv=content-type content=\"text/html; charset=Shift_JIS\">\x82\xa0", None);
    assert_eq!((d.encoding, d.text.ends_with('あ')), ("Shift_JIS", true));
    let mut body = vec![0xFF, 0xFE];
    body.extend("<a>".encode_utf16().flat_map(u16::to_le_bytes));
    let d = decode(&body, Some("text/html; charset=windows-1252"));
    assert_eq!((d.encoding, d.text.as_str()), ("UTF-16LE", "<a>"));
    let d = decode(b"ok", Some("text/html; charset=x-no-such-charset"));
    assert_eq!(d.encoding, "UTF-8");
    assert!(d.note.as_deref().unwrap_or("").contains("x-no-such-charset"), "{:?}", d.note);
    let d = decode(b"<p>hi", Some("text/html; charset=ISO-2022-KR"));
    assert_eq!((d.encoding, d.text.as_str()), ("replacement", "\u{FFFD}"));
    let d = decode(b"ok \xff\xfe\xfd", Some("text/html; charset=utf-8"));
    assert_eq!(d.note.as_deref(), Some("malformed UTF-8 bytes replaced; decoded as UTF-8"));
    assert!(d.text.starts_with("ok \u{FFFD}"));
    // UTF-8 is decoded in wasm, not by TextDecoder: both must replace the same way.
    for bytes in [&b"ok \xff\xfe\xfd"[..], b"\xEF\xBB\xBFa\xe2\x82", b"a\xf0\x9f\x98\x80b\xc3"] {
        let ours = decode(bytes, Some("text/html; charset=utf-8")).text;
        assert_eq!(WebDecoder.decode("UTF-8", bytes).0, ours, "{bytes:?}");
    }
    for name in crawlscope::decode::NAMES {
        if name != "replacement" {
            let d = decode(b"a", Some(&format!("text/html; charset={}", name.to_ascii_lowercase())));
            assert_eq!(d.encoding, name, "every standard label is known to TextDecoder under the standard's name");
        }
    }
}

/// Every engine sleep shares one JS timer (src/web/clock.rs): sleeps armed
/// out of order all wake, none early, and one dropped before its time (as a
/// fetch's timeout is, nearly always) leaves the others' timer working.
#[wasm_bindgen_test]
async fn one_shared_timer_wakes_every_sleep_and_never_early() {
    use std::cell::RefCell;
    use std::rc::Rc;
    let woken: Rc<RefCell<Vec<u32>>> = Rc::default();
    let dropped = WebClock.sleep(5.0);
    drop(dropped);
    let started = WebClock.now_ms();
    let sleeps = [40u32, 10, 25, 0, 10].map(|ms| {
        let woken = woken.clone();
        async move {
            WebClock.sleep(f64::from(ms)).await;
            let late = WebClock.now_ms() - started;
            assert!(late >= f64::from(ms) - 1.0, "a {ms} ms sleep woke after {late} ms");
            woken.borrow_mut().push(ms);
        }
    });
    futures::future::join_all(sleeps).await;
    // (join_all polls in its own order, so the pushes need not be in deadline order.)
    let mut woken = woken.borrow().clone();
    woken.sort_unstable();
    assert_eq!(woken, [0, 10, 10, 25, 40]);
}

/// How many `pollStart` events a crawl started from the page has recorded.
fn polls(handle: &crawlscope::web::api::CrawlHandle) -> usize {
    let events: Vec<Value> = serde_json::from_str(&handle.events_json(0, None)).expect("events are JSON");
    events.iter().filter(|e| e["type"] == "pollStart").count()
}

/// A crawl started from the page (a click's handler) polls none of its
/// tasks inside the task that started it: `spawn_local` alone would poll
/// every worker in that task's microtasks, lengthening the click. Each
/// first poll waits for a task of its own. A crawl started paused fills its
/// ready list at once: a learner's step 1 is there before anything else.
#[wasm_bindgen_test]
async fn a_page_crawl_polls_nothing_in_the_task_that_started_it() {
    use crawlscope::web::api::start_crawl;
    let options = format!(r#"{{"roots":["{}"],"maxTasks":3}}"#, site("s/pages=5;latency=0/"));
    // Let this task's microtasks run (the ones `spawn_local` polls in), and no timer.
    let microtasks = || wasm_bindgen_futures::JsFuture::from(js_sys::Promise::resolve(&JsValue::UNDEFINED));

    let running = start_crawl(&options, None, None, None).expect("valid options");
    for _ in 0..3 {
        let _ = microtasks().await;
    }
    assert_eq!(polls(&running), 0, "a task was polled in the task that started the crawl");
    assert!(eventually(2_000.0, async || polls(&running) > 0).await, "the crawl's tasks were never polled");
    running.stop();

    let paused = start_crawl(&options, Some(true), None, None).expect("valid options");
    let _ = microtasks().await;
    let ready: Vec<Value> = serde_json::from_str(&paused.ready_json()).expect("the ready list is JSON");
    assert_eq!(ready.len(), 4, "every worker and the supervisor wait in the ready list: {ready:?}");
    paused.stop();
}

#[wasm_bindgen_test]
fn the_browsers_url_converts_international_hosts_for_the_engine() {
    use crawlscope::env::{parse_url, Idna};
    use crawlscope::web::idna::WebIdna;
    // The wasm has no IDNA tables (env::Idna): the browser's `URL` maps and punycodes.
    assert_eq!(WebIdna.to_ascii("http://Bücher.example/a", None).as_deref(), Some("http://xn--bcher-kva.example/a"));
    let base = url::Url::parse("https://a.example/dir/").expect("valid");
    let link = parse_url(&WebIdna, Some(&base), "//bücher.example/x").map(String::from);
    assert_eq!(link.as_deref(), Ok("https://xn--bcher-kva.example/x"), "resolved against the base");
    assert_eq!(WebIdna.to_ascii("http://[x", None), None, "no URL at all");
    let options = Options::from_json_with(r#"{"roots":["bücher.example"]}"#, &WebIdna).expect("a root converts");
    assert_eq!(options.roots[0].as_str(), "https://xn--bcher-kva.example/");
}
