//! Native test harness: the generated site in memory, virtual time, and a
//! single-threaded executor — deterministic crawls with no network.
//!
//! [`SiteFetcher`] shows the engine only what browser `fetch` shows: it
//! follows redirects itself (at most 20 hops, like Chromium), reports the
//! final URL and the `redirected` flag, and passes only safelisted headers.
//! The same site answers on [`NO_CORS_ORIGIN`] without CORS headers, and
//! [`ProxyFetcher`] stands in for the local proxy.

#![allow(dead_code)] // each test file uses a different part of the harness

use crawlscope::env::{Body, Clock, Env, FetchError, FetchRequest, Fetcher, Hop, Response, ResponseHead, Spawner};
use crawlscope::{Crawl, Options, Report};
use futures::executor::{LocalPool, LocalSpawner};
use futures::future::LocalBoxFuture;
use futures::task::LocalSpawn;
use sitegen::{Site, SiteConfig};
use std::cell::{Cell, RefCell};
use std::collections::{BTreeMap, HashMap};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

/// The origin the in-memory site answers on.
pub const ORIGIN: &str = "http://127.0.0.1:8081";
/// The same site on an origin that sends no CORS headers: a browser
/// `fetch` of it fails with the opaque `TypeError`, a `no-cors` probe gets
/// an opaque answer, and the local proxy reads it like any other site.
pub const NO_CORS_ORIGIN: &str = "http://127.0.0.1:8082";

// ---------------------------------------------------------------- clock

/// Virtual time: nothing moves until the harness advances it to the next timer.
#[derive(Clone, Default)]
pub struct VirtualClock {
    inner: Rc<RefCell<ClockInner>>,
}

#[derive(Default)]
struct ClockInner {
    now: f64,
    next_id: u64,
    /// (deadline bits, id) → waker. Non-negative f64 bits sort like the values.
    timers: BTreeMap<(u64, u64), Waker>,
}

impl VirtualClock {
    pub fn now(&self) -> f64 {
        self.inner.borrow().now
    }

    /// Jump to the earliest timer and wake everything due. False: no timers.
    pub fn advance(&self) -> bool {
        let due = {
            let mut inner = self.inner.borrow_mut();
            let Some((&(bits, _), _)) = inner.timers.iter().next() else { return false };
            let deadline = f64::from_bits(bits);
            inner.now = inner.now.max(deadline);
            let later = inner.timers.split_off(&(bits + 1, 0));
            std::mem::replace(&mut inner.timers, later)
        };
        for waker in due.into_values() {
            waker.wake();
        }
        true
    }

    /// Move time to `t` (a real pause of that long), waking every timer due.
    pub fn advance_to(&self, t: f64) {
        let due = {
            let mut inner = self.inner.borrow_mut();
            inner.now = inner.now.max(t);
            let now = inner.now;
            let due: Vec<(u64, u64)> =
                inner.timers.keys().copied().filter(|(bits, _)| f64::from_bits(*bits) <= now).collect();
            due.into_iter().filter_map(|k| inner.timers.remove(&k)).collect::<Vec<Waker>>()
        };
        for waker in due {
            waker.wake();
        }
    }
}

impl Clock for VirtualClock {
    fn now_ms(&self) -> f64 {
        self.now()
    }

    fn sleep(&self, ms: f64) -> LocalBoxFuture<'static, ()> {
        let id = {
            let mut inner = self.inner.borrow_mut();
            inner.next_id += 1;
            inner.next_id
        };
        let deadline = self.now() + ms.max(0.0);
        Box::pin(Sleep { clock: self.clone(), deadline, id })
    }
}

struct Sleep {
    clock: VirtualClock,
    deadline: f64,
    id: u64,
}

impl Future for Sleep {
    type Output = ();
    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut inner = self.clock.inner.borrow_mut();
        if inner.now >= self.deadline {
            return Poll::Ready(());
        }
        inner.timers.insert((self.deadline.to_bits(), self.id), cx.waker().clone());
        Poll::Pending
    }
}

impl Drop for Sleep {
    fn drop(&mut self) {
        self.clock.inner.borrow_mut().timers.remove(&(self.deadline.to_bits(), self.id));
    }
}

// ---------------------------------------------------------------- fetcher

/// The generated site, answered in memory with the site's latency.
pub struct SiteFetcher {
    defaults: SiteConfig,
    clock: VirtualClock,
    /// Requests in flight now, and the most ever at once.
    pub in_flight: Cell<usize>,
    pub peak: Cell<usize>,
    /// Requests per requested URL (a redirect chain counts once).
    pub requests: RefCell<HashMap<String, usize>>,
    /// URLs whose connection drops (a network error) this many more times.
    pub drop_connection: RefCell<HashMap<String, usize>>,
    /// Requests per path, for the site's pages that answer by ordinal.
    hits: RefCell<HashMap<String, u64>>,
    /// Replaces the site's `/robots.txt` answer: (status, body).
    pub robots: RefCell<Option<(u16, String)>>,
    /// `no-cors` probes per URL.
    pub probes: RefCell<HashMap<String, usize>>,
    /// Requests that came through the local proxy.
    pub proxied: Cell<usize>,
}

impl SiteFetcher {
    pub fn total_requests(&self) -> usize {
        self.requests.borrow().values().sum()
    }
}

/// Decrements the in-flight count however the request ends — also when
/// the engine drops it (abort).
struct Counted(Rc<SiteFetcher>);

impl Drop for Counted {
    fn drop(&mut self) {
        self.0.in_flight.set(self.0.in_flight.get() - 1);
    }
}

#[derive(Clone)]
pub struct SharedFetcher(pub Rc<SiteFetcher>);

/// How a request reaches the site.
#[derive(Clone, Copy, PartialEq)]
enum Via {
    /// Browser `fetch` from the page: CORS applies, redirect hops are hidden.
    Browser,
    /// The local proxy: no CORS, every hop seen, `max_redirect` exact.
    Proxy,
}

impl Fetcher for SharedFetcher {
    fn fetch(&self, request: FetchRequest) -> LocalBoxFuture<'static, Result<Response, FetchError>> {
        Box::pin(serve(self.0.clone(), request, Via::Browser))
    }

    /// An opaque answer comes from any origin that answers at all; on the
    /// CORS-enabled origin a probe never happens (nothing fails there with
    /// a network error but dropped connections, which answer nothing).
    fn probe_no_cors(&self, url: String) -> LocalBoxFuture<'static, bool> {
        let me = self.0.clone();
        Box::pin(async move {
            *me.probes.borrow_mut().entry(url.clone()).or_default() += 1;
            me.clock.sleep(1.0).await;
            url.starts_with(NO_CORS_ORIGIN) && me.drop_connection.borrow().get(&url).is_none_or(|n| *n == 0)
        })
    }
}

/// The site as the local proxy fetches it (see `testsite/src/proxy.rs`).
#[derive(Clone)]
pub struct ProxyFetcher(pub Rc<SiteFetcher>);

impl Fetcher for ProxyFetcher {
    fn fetch(&self, request: FetchRequest) -> LocalBoxFuture<'static, Result<Response, FetchError>> {
        Box::pin(serve(self.0.clone(), request, Via::Proxy))
    }
}

async fn serve(me: Rc<SiteFetcher>, request: FetchRequest, via: Via) -> Result<Response, FetchError> {
    me.in_flight.set(me.in_flight.get() + 1);
    me.peak.set(me.peak.get().max(me.in_flight.get()));
    let counted = Counted(me.clone());
    *me.requests.borrow_mut().entry(request.url.clone()).or_default() += 1;
    if via == Via::Proxy {
        me.proxied.set(me.proxied.get() + 1);
    }
    let failing = {
        let mut drops = me.drop_connection.borrow_mut();
        match drops.get_mut(&request.url) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    };
    let network_error = || match via {
        Via::Browser => FetchError::Network("Failed to fetch".into()),
        Via::Proxy => FetchError::Proxy("upstream: connection closed before a response".into()),
    };
    if failing {
        me.clock.sleep(1.0).await;
        return Err(network_error());
    }
    let mut url = request.url.clone();
    let mut hops: Vec<Hop> = Vec::new();
    for hop in 0..=20 {
        let Some((origin, path)) = split_origin(&url) else {
            return Err(network_error());
        };
        let mut response = if let Some(n) = path.strip_prefix("/__hops/") {
            // testsite's redirect chain: /__hops/N → /__hops/N-1 → … → /__hops/0
            hops_page(n).ok_or_else(network_error)?
        } else {
            let (site, rest) = Site::route(path, &me.defaults).map_err(|_| network_error())?;
            let nth = {
                let mut hits = me.hits.borrow_mut();
                let count = hits.entry(path.to_string()).or_insert(0);
                *count += 1;
                *count - 1
            };
            site.respond_nth(&rest, nth)
        };
        if path == "/robots.txt" {
            if let Some((status, body)) = me.robots.borrow().clone() {
                response.status = status;
                response.body = body.into_bytes();
            }
        }
        me.clock.sleep(response.latency_ms as f64).await;
        if response.drop_connection {
            return Err(network_error());
        }
        if via == Via::Browser && origin == NO_CORS_ORIGIN {
            // The server answered, without Access-Control-Allow-Origin: the
            // browser shows the page nothing but the same TypeError.
            return Err(FetchError::Network("Failed to fetch".into()));
        }
        if let (300..=399, Some(location)) = (response.status, &response.location) {
            let next = if location.starts_with('/') { format!("{origin}{location}") } else { location.clone() };
            let stop_here = match via {
                Via::Browser if !request.follow_redirects => return Err(network_error()), // redirect: "error"
                Via::Browser => false,
                // The proxy hands back the response that needed one hop more.
                Via::Proxy => hops.len() as u32 >= request.max_redirect,
            };
            if !stop_here {
                hops.push(Hop { url: url.clone(), status: response.status, to: next.clone() });
                url = next;
                continue;
            }
        }
        let length = response.body.len().to_string();
        let mut headers = vec![("content-type".into(), response.content_type), ("content-length".into(), length)];
        // The test server lists Retry-After in Access-Control-Expose-Headers.
        if let Some(seconds) = response.retry_after {
            headers.push(("retry-after".into(), seconds.to_string()));
        }
        let hops = if via == Via::Proxy { hops } else { Vec::new() };
        let head = ResponseHead { url, redirected: hop > 0, status: response.status, headers, hops };
        let mut bytes = response.body;
        let cap = usize::try_from(request.max_body_bytes).unwrap_or(usize::MAX);
        let truncated = bytes.len() > cap;
        bytes.truncate(cap);
        // The request stays in flight until its body has been read.
        let body = Box::pin(async move {
            let _counted = counted;
            Ok(Body { bytes, truncated })
        });
        return Ok(Response { head, body });
    }
    // Chromium gives up after 20 hops with the same TypeError.
    Err(network_error())
}

/// testsite's `/__hops/N`: a chain of N 302s ending on a small page.
fn hops_page(n: &str) -> Option<sitegen::Response> {
    let n: u32 = n.parse().ok()?;
    Some(sitegen::Response {
        status: if n == 0 { 200 } else { 302 },
        content_type: "text/html; charset=utf-8".into(),
        location: n.checked_sub(1).map(|m| format!("/__hops/{m}")),
        retry_after: None,
        drop_connection: false,
        body: b"<!doctype html><title>a hop</title>".to_vec(),
        latency_ms: 0,
    })
}

/// An http URL's origin and path (with query).
fn split_origin(url: &str) -> Option<(&str, &str)> {
    let rest = url.strip_prefix("http://")?;
    let slash = rest.find('/')?;
    let cut = "http://".len() + slash;
    Some((&url[..cut], &url[cut..]))
}

// ---------------------------------------------------------------- executor

struct PoolSpawner(LocalSpawner);

impl Spawner for PoolSpawner {
    fn spawn(&self, task: LocalBoxFuture<'static, ()>) {
        // Fails only once the pool is dropped, i.e. after the test is over.
        let _ = self.0.spawn_local_obj(task.into());
    }
}

/// A deterministic world: executor, clock and site.
pub struct Sim {
    pub pool: LocalPool,
    pub clock: VirtualClock,
    pub fetcher: Rc<SiteFetcher>,
}

impl Sim {
    /// A world whose site uses `defaults` at `/` and any `/s/…/` variant.
    pub fn new(defaults: SiteConfig) -> Sim {
        let clock = VirtualClock::default();
        let fetcher = Rc::new(SiteFetcher {
            defaults,
            clock: clock.clone(),
            in_flight: Cell::new(0),
            peak: Cell::new(0),
            requests: RefCell::new(HashMap::new()),
            drop_connection: RefCell::new(HashMap::new()),
            hits: RefCell::new(HashMap::new()),
            robots: RefCell::new(None),
            probes: RefCell::new(HashMap::new()),
            proxied: Cell::new(0),
        });
        Sim { pool: LocalPool::new(), clock, fetcher }
    }

    pub fn env(&self) -> Env {
        Env {
            fetcher: Rc::new(SharedFetcher(self.fetcher.clone())),
            clock: Rc::new(self.clock.clone()),
            spawner: Rc::new(PoolSpawner(self.pool.spawner())),
            decoder: Rc::new(crawlscope::decode::NativeDecoder),
            idna: Rc::new(crawlscope::env::NoIdna),
            proxy: Some(Rc::new(ProxyFetcher(self.fetcher.clone()))),
        }
    }

    /// Start a crawl with options given as JSON.
    pub fn start(&self, options: &str) -> Crawl {
        let options = Options::from_json(options).unwrap_or_else(|e| panic!("test options are valid: {e}"));
        Crawl::start(options, self.env())
    }

    /// Start a crawl paused before any task's first poll.
    pub fn start_paused(&self, options: &str) -> Crawl {
        let options = Options::from_json(options).unwrap_or_else(|e| panic!("test options are valid: {e}"));
        Crawl::start_paused(options, self.env())
    }

    /// Run tasks and advance virtual time until `until` holds. Panics (the
    /// test fails) when nothing can make progress: that would be a hang.
    pub fn run_until(&mut self, mut until: impl FnMut() -> bool) {
        loop {
            self.pool.run_until_stalled();
            if until() {
                return;
            }
            assert!(self.clock.advance(), "deadlock: no task can run and no timer is pending");
        }
    }

    /// Run a crawl to its end and return the final report.
    pub fn crawl(&mut self, options: &str) -> (Crawl, Report) {
        let crawl = self.start(options);
        let c = crawl.clone();
        self.run_until(move || c.is_finished());
        let report = crawl.report();
        (crawl, report)
    }
}

/// The default site's root URL and its expected pages.
pub fn expected(site: &SiteConfig) -> Vec<sitegen::ExpectedPage> {
    Site::new(site.clone(), "/").expected(ORIGIN)
}

/// Options JSON for a crawl of the site at `/` with `max_tasks` workers.
pub fn options(max_tasks: usize) -> String {
    format!(r#"{{"roots":["{ORIGIN}/"],"maxTasks":{max_tasks}}}"#)
}
