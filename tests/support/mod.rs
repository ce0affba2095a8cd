//! Native test harness: the generated site in memory, virtual time, and a
//! single-threaded executor — deterministic crawls with no network.
//!
//! [`SiteFetcher`] shows the engine only what browser `fetch` shows: it
//! follows redirects itself (at most 20 hops, like Chromium), reports the
//! final URL and the `redirected` flag, and passes only safelisted headers.

#![allow(dead_code)] // each test file uses a different part of the harness

use crawlscope::env::{Body, Clock, Env, FetchError, FetchRequest, Fetcher, Response, ResponseHead, Spawner};
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

impl Fetcher for SharedFetcher {
    fn fetch(&self, request: FetchRequest) -> LocalBoxFuture<'static, Result<Response, FetchError>> {
        let me = self.0.clone();
        Box::pin(async move {
            me.in_flight.set(me.in_flight.get() + 1);
            me.peak.set(me.peak.get().max(me.in_flight.get()));
            let counted = Counted(me.clone());
            *me.requests.borrow_mut().entry(request.url.clone()).or_default() += 1;
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
            if failing {
                me.clock.sleep(1.0).await;
                return Err(FetchError::Network("Failed to fetch".into()));
            }
            let mut url = request.url.clone();
            for hop in 0..=20 {
                // Every http host serves the site (so redirects off the host
                // can be followed); only ORIGIN counts requests by its paths.
                let Some(path) = url.strip_prefix(ORIGIN).or_else(|| other_host_path(&url)) else {
                    return Err(FetchError::Network("Failed to fetch".into()));
                };
                let (site, rest) = match Site::route(path, &me.defaults) {
                    Ok(found) => found,
                    Err(_) => return Err(FetchError::Network("Failed to fetch".into())),
                };
                let nth = {
                    let mut hits = me.hits.borrow_mut();
                    let count = hits.entry(path.to_string()).or_insert(0);
                    *count += 1;
                    *count - 1
                };
                let mut response = site.respond_nth(&rest, nth);
                if path == "/robots.txt" {
                    if let Some((status, body)) = me.robots.borrow().clone() {
                        response.status = status;
                        response.body = body.into_bytes();
                    }
                }
                me.clock.sleep(response.latency_ms as f64).await;
                if response.drop_connection {
                    return Err(FetchError::Network("Failed to fetch".into()));
                }
                if let (300..=399, Some(location)) = (response.status, &response.location) {
                    if !request.follow_redirects {
                        // redirect: "error"
                        return Err(FetchError::Network("Failed to fetch".into()));
                    }
                    url = if location.starts_with('/') { format!("{ORIGIN}{location}") } else { location.clone() };
                    continue;
                }
                let length = response.body.len().to_string();
                let mut headers =
                    vec![("content-type".into(), response.content_type), ("content-length".into(), length)];
                // The test server lists Retry-After in Access-Control-Expose-Headers.
                if let Some(seconds) = response.retry_after {
                    headers.push(("retry-after".into(), seconds.to_string()));
                }
                let head = ResponseHead { url, redirected: hop > 0, status: response.status, headers };
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
            Err(FetchError::Network("Failed to fetch".into()))
        })
    }
}

/// The path of an http URL on a host other than ORIGIN.
fn other_host_path(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("http://")?;
    let slash = rest.find('/')?;
    Some(&rest[slash..])
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
        });
        Sim { pool: LocalPool::new(), clock, fetcher }
    }

    pub fn env(&self) -> Env {
        Env {
            fetcher: Rc::new(SharedFetcher(self.fetcher.clone())),
            clock: Rc::new(self.clock.clone()),
            spawner: Rc::new(PoolSpawner(self.pool.spawner())),
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
