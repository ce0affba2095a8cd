//! The crawl engine against the in-memory generated site, in virtual time.
//! Expected pages always come from the site generator, never hand-typed.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use crawlscope::env::{Clock, Env};
use crawlscope::event::{EndReason, EventKind};
use crawlscope::report::ReportBuilder;
use crawlscope::{Crawl, Options};
use futures::future::LocalBoxFuture;
use sitegen::SiteConfig;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use support::{expected, options, Sim, VirtualClock, ORIGIN};

fn small() -> SiteConfig {
    SiteConfig { pages: 20, latency_ms: 100, ..SiteConfig::default() }
}

#[test]
fn crawl_finds_exactly_the_pages_the_site_generator_lists() {
    for max_tasks in [1, 2, 3, 6, 10, 32] {
        let mut sim = Sim::new(small());
        let (_, report) = sim.crawl(&options(max_tasks));
        let want = expected(&small());
        let got: Vec<_> = report.pages.iter().map(|p| (&p.url, &p.aliases, p.status, &p.links)).collect();
        let want: Vec<_> = want.iter().map(|p| (&p.url, &p.aliases, Some(p.status), &p.links)).collect();
        assert_eq!(got, want, "max_tasks={max_tasks}");
        assert!(report.finished);
        assert_eq!(report.end_reason, Some(EndReason::Complete));
        assert!(report.pages.iter().all(|p| p.outcome == "done"), "max_tasks={max_tasks}");
    }
}

#[test]
fn a_site_padded_to_30_kb_pages_is_crawled_exactly_as_the_oracle_says() {
    let padded = SiteConfig { bytes: 30_000, ..small() };
    let mut sim = Sim::new(padded.clone());
    let (_, report) = sim.crawl(&options(6));
    let got: Vec<_> = report.pages.iter().map(|p| (&p.url, &p.aliases, p.status, &p.links)).collect();
    let want = expected(&padded);
    let want: Vec<_> = want.iter().map(|p| (&p.url, &p.aliases, Some(p.status), &p.links)).collect();
    assert_eq!(got, want);
    let index = report.pages.iter().find(|p| p.url == format!("{ORIGIN}/")).expect("the index");
    assert!(index.size.is_some_and(|n| n >= 30_000), "the index is padded: {:?} bytes", index.size);
}

#[test]
fn link_cycle_fetches_every_url_once() {
    let mut sim = Sim::new(small());
    sim.crawl(&options(4));
    let requests = sim.fetcher.requests.borrow();
    let error_page = format!("{ORIGIN}/error");
    assert_eq!(requests[&error_page], 4, "a 500 is retried up to maxTries (4 by default)");
    assert!(requests.iter().filter(|(u, _)| **u != error_page).all(|(_, &n)| n == 1), "{requests:?}");
    assert!(requests.contains_key(&format!("{ORIGIN}/")), "the index is requested once though pages link back");
}

#[test]
fn redirect_join_parses_the_target_once() {
    let mut sim = Sim::new(small());
    let (crawl, report) = sim.crawl(&options(3));
    let target = format!("{ORIGIN}/page/2");
    let page = report.pages.iter().find(|p| p.url == target).expect("the redirect target is a page");
    assert_eq!(page.aliases, vec![format!("{ORIGIN}/old-a"), format!("{ORIGIN}/old-b")]);
    let parses = crawl
        .events_since(0)
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::LinksFound { url, .. } if *url == target))
        .count();
    assert_eq!(parses, 1, "each distinct final page is parsed once");
}

#[test]
fn max_tasks_and_per_host_concurrency_bound_peak_concurrency() {
    for (max_tasks, per_host) in [(1, 6), (4, 6), (8, 6), (8, 3), (16, 12)] {
        let wide = SiteConfig { pages: 60, links_per_page: 10, ..small() };
        let mut sim = Sim::new(wide);
        let (_, report) =
            sim.crawl(&format!(r#"{{"roots":["{ORIGIN}/"],"maxTasks":{max_tasks},"perHostConcurrency":{per_host}}}"#));
        let peak = sim.fetcher.peak.get();
        assert_eq!(peak, max_tasks.min(per_host), "the wide site keeps every slot busy ({max_tasks}, {per_host})");
        assert_eq!(report.pages.len(), expected(&SiteConfig { pages: 60, links_per_page: 10, ..small() }).len());
    }
}

#[test]
fn max_tries_records_failure_after_the_last_try() {
    let mut sim = Sim::new(small());
    let page = format!("{ORIGIN}/page/1");
    sim.fetcher.drop_connection.borrow_mut().insert(page.clone(), 100);
    let (_, report) = sim.crawl(&format!(r#"{{"roots":["{page}"],"maxTries":1}}"#));
    let record = &report.pages[0];
    assert_eq!((record.outcome.as_str(), record.tries), ("failed", 1));
    let error = record.error.as_deref().unwrap_or("");
    assert!(error.starts_with("failed after 1 try"), "{error}");
    assert_eq!(report.counters["failed"], 1);
}

#[test]
fn a_dropped_connection_is_retried_until_it_works() {
    let mut sim = Sim::new(small());
    let page = format!("{ORIGIN}/page/{}", small().pages);
    sim.fetcher.drop_connection.borrow_mut().insert(page.clone(), 2);
    let (_, report) = sim.crawl(&format!(r#"{{"roots":["{page}"],"maxTries":3}}"#));
    let record = report.pages.iter().find(|p| p.url == page).expect("root is recorded");
    assert_eq!((record.outcome.as_str(), record.tries, record.status), ("done", 3, Some(200)));
}

#[test]
fn timeout_counts_as_a_try_and_aborts_the_request() {
    let slow = SiteConfig { latency_ms: 60_000, ..small() };
    let mut sim = Sim::new(slow);
    let (_, report) = sim.crawl(&format!(r#"{{"roots":["{ORIGIN}/"],"timeoutMs":1000,"maxTries":2}}"#));
    let root = &report.pages[0];
    assert_eq!((root.outcome.as_str(), root.tries), ("failed", 2));
    assert!(root.error.as_deref().unwrap_or("").contains("timed out after 1000 ms"), "{root:?}");
    assert_eq!(sim.fetcher.in_flight.get(), 0, "the timed-out request was dropped (aborted)");
    assert!(sim.clock.now() < 60_000.0, "nothing waited for the slow server");
}

#[test]
fn stop_keeps_results_and_marks_the_rest_not_crawled() {
    let mut sim = Sim::new(SiteConfig { pages: 200, ..small() });
    let crawl = sim.start(&options(4));
    let c = crawl.clone();
    sim.run_until(move || c.report().counters["done"] >= 5);
    let done_before: Vec<String> =
        crawl.report().pages.iter().filter(|p| p.outcome == "done").map(|p| p.url.clone()).collect();
    crawl.stop();
    let c = crawl.clone();
    sim.run_until(move || c.is_finished());
    let report = crawl.report();
    assert_eq!(report.end_reason, Some(EndReason::Stopped));
    assert_eq!(sim.fetcher.in_flight.get(), 0, "in-flight fetches were aborted");
    for url in &done_before {
        let page = report.pages.iter().find(|p| &p.url == url).expect("kept");
        assert_eq!(page.outcome, "done");
    }
    let not_crawled = report.pages.iter().filter(|p| p.outcome == "not crawled (stopped)").count();
    assert!(not_crawled > 0);
    assert_eq!(report.counters["failed"], 0, "stopping is not a failure");
    assert!(report.pages.iter().all(|p| p.outcome != "queued" && p.outcome != "fetching"), "every page ends");
    let served = sim.fetcher.total_requests();
    sim.run_until(|| true);
    assert!(!sim.clock.advance() || sim.fetcher.total_requests() == served, "nothing is fetched after stop");
}

#[test]
fn stop_before_any_task_ran_records_the_roots_as_not_crawled() {
    let mut sim = Sim::new(small());
    let crawl = sim.start(&options(2));
    crawl.stop();
    let c = crawl.clone();
    sim.run_until(move || c.is_finished());
    let report = crawl.report();
    assert_eq!(report.pages.len(), 1);
    assert_eq!(report.pages[0].outcome, "not crawled (stopped)");
    assert_eq!(sim.fetcher.total_requests(), 0);
}

#[test]
fn every_put_has_a_task_done_and_every_task_ends() {
    let mut sim = Sim::new(small());
    let (crawl, report) = sim.crawl(&options(5));
    let events = crawl.events_since(0);
    let count = |f: fn(&EventKind) -> bool| events.iter().filter(|e| f(&e.kind)).count();
    let puts = count(|k| matches!(k, EventKind::QueuePut { .. }));
    assert_eq!(puts, count(|k| matches!(k, EventKind::TaskDone { .. })));
    assert_eq!(puts, count(|k| matches!(k, EventKind::PageEnd { .. })), "one terminal record per URL");
    let spawned = count(|k| matches!(k, EventKind::TaskSpawned { .. }));
    assert_eq!(spawned, 5 + 1, "five workers and the supervisor");
    assert_eq!(count(|k| matches!(k, EventKind::TaskExited { .. })), spawned, "every spawned task ends");
    assert_eq!(count(|k| matches!(k, EventKind::WorkersCancelled { tasks: 5 })), 1);
    assert_eq!(count(|k| matches!(k, EventKind::JoinResolved)), 1);
    let seqs: Vec<u64> = events.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (0..events.len() as u64).collect::<Vec<_>>());
    // A put is a page, or an alias of one; a redirect to a new URL turns
    // its put into the target's page without a put of its own.
    let pages = report.counters["pages"] as usize;
    let aliases = report.counters["redirect"] as usize;
    let moved = count(|k| matches!(k, EventKind::Redirected { coalesced: false, .. }));
    assert_eq!(puts, pages + aliases - moved);
}

#[test]
fn the_log_read_in_slices_is_the_whole_log() {
    // A reader far behind (the page after a busy second) catches up a slice at a time.
    let mut sim = Sim::new(small());
    let (crawl, _) = sim.crawl(&options(3));
    let whole = serde_json::to_string(&crawl.events_since(0)).expect("events serialise");
    let mut sliced = Vec::new();
    let mut from = 0;
    loop {
        let slice = crawl.events_range(from, 7);
        assert!(slice.len() <= 7, "never more than asked for");
        if slice.is_empty() {
            break;
        }
        from += slice.len();
        sliced.extend(slice);
    }
    assert_eq!(from, crawl.event_count());
    assert_eq!(serde_json::to_string(&sliced).expect("events serialise"), whole);
    assert!(crawl.events_range(crawl.event_count() + 5, 7).is_empty(), "past the end: nothing");
    assert!(crawl.events_range(0, 0).is_empty());
}

#[test]
fn report_is_a_fold_of_the_event_log() {
    let mut sim = Sim::new(small());
    let (crawl, report) = sim.crawl(&options(3));
    assert_eq!(ReportBuilder::from_events(&crawl.events_since(0)), report);
    let json = serde_json::to_string(&crawl.events_since(0)).expect("events serialise");
    let back: Vec<crawlscope::event::Event> = serde_json::from_str(&json).expect("and parse back");
    assert_eq!(ReportBuilder::from_events(&back), report);
}

#[test]
fn the_reports_json_is_the_report_serialised_and_the_log_gives_back_what_was_emitted() {
    // The log keeps events compact (interned URLs) and writes the report's
    // JSON one page at a time: neither may change a byte of what readers get.
    let mut sim = Sim::new(small());
    let (crawl, report) = sim.crawl(&options(3));
    assert!(
        report.counters["redirect"] > 0 && report.counters["httpError"] > 0,
        "the small site has redirects and an HTTP error: {:?}",
        report.counters
    );
    assert_eq!(crawl.report_json(), serde_json::to_string(&report).expect("a report serialises"));
    let events = crawl.events_since(0);
    let reparsed: Vec<crawlscope::event::Event> =
        serde_json::from_str(&serde_json::to_string(&events).expect("serialises")).expect("parses");
    assert_eq!(reparsed, events);
    let tail = crawl.events_since(events.len() - 3);
    assert_eq!(tail, events[events.len() - 3..].to_vec(), "reading from the middle starts at the right event");
    assert!(crawl.events_since(events.len() + 5).is_empty());
}

#[test]
fn prohibited_host_and_non_http_links_are_not_followed() {
    let mut sim = Sim::new(small());
    let (crawl, _) = sim.crawl(&options(3));
    assert!(sim.fetcher.requests.borrow().keys().all(|u| u.starts_with(ORIGIN)));
    let index = format!("{ORIGIN}/");
    let skipped = crawl.events_since(0).iter().find_map(|e| match &e.kind {
        EventKind::LinksFound { url, skipped, .. } if *url == index => {
            Some((skipped.get("scope").copied(), skipped.get("nonHttp").copied()))
        }
        _ => None,
    });
    assert_eq!(skipped, Some((Some(1), Some(2))), "one off-host link, mailto: and javascript:");
}

#[test]
fn non_html_and_error_pages_are_not_parsed() {
    let mut sim = Sim::new(small());
    let (_, report) = sim.crawl(&options(3));
    let find = |path: &str| report.pages.iter().find(|p| p.url == format!("{ORIGIN}{path}")).expect(path);
    assert_eq!(find("/data.json").links.len(), 0, "JSON mentions href= but is not HTML");
    assert_eq!(find("/missing").status, Some(404));
    assert_eq!(find("/error").status, Some(500));
    assert_eq!(report.counters["error"], 2);
}

#[test]
fn deep_root_with_a_fragment_and_several_roots() {
    let mut sim = Sim::new(small());
    let roots = format!(r#"{{"roots":["{ORIGIN}/page/19#frag","{ORIGIN}/page/19","{ORIGIN}/based/"],"maxTasks":2}}"#);
    let (_, report) = sim.crawl(&roots);
    let all = expected(&small());
    assert_eq!(report.pages.len(), all.len(), "from these roots the whole site is reachable too");
    let root = report.pages.iter().find(|p| p.url.ends_with("/page/19")).expect("deep root");
    assert_eq!((root.depth, root.parent.as_deref()), (0, None));
    assert_eq!(
        sim.fetcher.requests.borrow()[&format!("{ORIGIN}/page/19")],
        1,
        "fragment removed, duplicate root dropped"
    );
}

#[test]
fn parents_and_depths_describe_a_spanning_tree() {
    let mut sim = Sim::new(small());
    let (_, report) = sim.crawl(&options(1));
    for page in &report.pages {
        match &page.parent {
            None => assert_eq!(page.depth, 0, "{}", page.url),
            Some(parent) => {
                let p = report.pages.iter().find(|q| &q.url == parent).expect("parent is a page");
                assert_eq!(page.depth, p.depth + 1, "{}", page.url);
            }
        }
    }
}

/// Virtual time that also moves 1 ms each time it is read, as real time does
/// while the engine works on a page, and counts the zero-length sleeps: the
/// engine's yields to the event loop (`setTimeout(0)` in a browser).
struct BusyClock {
    inner: VirtualClock,
    reads: Cell<u32>,
    /// The clock's reading at each yield.
    yields: RefCell<Vec<f64>>,
}

impl Clock for BusyClock {
    fn now_ms(&self) -> f64 {
        self.reads.set(self.reads.get() + 1);
        self.inner.now() + f64::from(self.reads.get())
    }

    fn sleep(&self, ms: f64) -> LocalBoxFuture<'static, ()> {
        if ms == 0.0 {
            self.yields.borrow_mut().push(self.inner.now() + f64::from(self.reads.get()));
        }
        self.inner.sleep(ms)
    }
}

/// Crawl the 2 MiB page alone with `extra` options; how many times parsing yielded.
fn yields_parsing_huge(extra: &str) -> usize {
    crawl_huge(extra).1.len()
}

/// Crawl the 2 MiB page alone with `extra` options: the crawl, and the clock's reading at each yield.
fn crawl_huge(extra: &str) -> (Crawl, Vec<f64>) {
    let mut sim = Sim::new(small());
    let clock = Rc::new(BusyClock { inner: sim.clock.clone(), reads: Cell::new(0), yields: RefCell::default() });
    let env = Env { clock: clock.clone(), ..sim.env() };
    let json = format!(r#"{{"roots":["{ORIGIN}/huge"],"maxPages":1{extra}}}"#);
    let options = Options::from_json(&json).unwrap_or_else(|e| panic!("test options are valid: {e}"));
    let crawl = Crawl::start(options, env);
    let c = crawl.clone();
    sim.run_until(move || c.is_finished());
    assert_eq!(crawl.report().pages[0].outcome, "done");
    let yields = clock.yields.take();
    (crawl, yields)
}

#[test]
fn parse_slice_ms_decides_how_often_parsing_yields() {
    let sliced = yields_parsing_huge("");
    assert!(sliced >= 10, "the default 8 ms slice yields between the chunks of a 2 MiB page ({sliced} yields)");
    assert_eq!(yields_parsing_huge(r#","parseSliceMs":60000"#), 0, "a 60 s slice never yields");
    let e = Options::from_json(&format!(r#"{{"roots":["{ORIGIN}/"],"parseSliceMs":0}}"#)).unwrap_err();
    assert_eq!(e.option, "parseSliceMs");
}

/// Run one task behind a scheduler on `clock`: it emits three events, parks
/// (as a yield between parse slices does in a browser: virtual time's
/// zero-length sleep never parks, so a 5 ms one), and emits three more.
/// Returns the log.
fn three_events_a_park_and_three_more(sim: &mut Sim, clock: Rc<BusyClock>) -> Vec<crawlscope::event::Event> {
    use crawlscope::event::{AwaitPoint, Recorder};
    use crawlscope::sched::Scheduler;
    use crawlscope::time::EngineClock;
    let engine = EngineClock::new(clock.clone());
    let recorder = Recorder::new(engine.clone());
    let sched = Scheduler::new(recorder.clone(), engine.clone());
    let (rec, s, c) = (recorder.clone(), sched.clone(), clock.clone());
    let done = Rc::new(Cell::new(false));
    let finished = done.clone();
    let task = async move {
        for _ in 0..2 {
            let before = c.reads.get();
            for _ in 0..3 {
                rec.emit(EventKind::StopRequested);
            }
            assert!(c.reads.get() - before <= 1, "three events in one poll read the clock at most once");
            s.tagged(AwaitPoint::Timer, true, engine.sleep(5.0)).await;
        }
        finished.set(true);
    };
    sched.spawn(&*sim.env().spawner, 0, Box::pin(task));
    sim.run_until(move || done.get());
    recorder.log.since(0)
}

#[test]
fn events_emitted_in_one_poll_share_one_clock_read() {
    let mut sim = Sim::new(small());
    // Time moves 1 ms per read here, so two events with one time were
    // stamped from one read.
    let clock = Rc::new(BusyClock { inner: sim.clock.clone(), reads: Cell::new(0), yields: RefCell::new(Vec::new()) });
    let events = three_events_a_park_and_three_more(&mut sim, clock.clone());
    let stops: Vec<f64> =
        events.iter().filter(|e| matches!(e.kind, EventKind::StopRequested)).map(|e| e.t_ms).collect();
    assert_eq!(stops.len(), 6);
    assert!(stops[..3].iter().all(|&t| t == stops[0]), "the first poll's events share one time: {stops:?}");
    assert!(stops[3..].iter().all(|&t| t == stops[3]), "the second poll's events share one time: {stops:?}");
    assert!(stops[3] >= stops[0] + 5.0, "the poll after the park read the clock afresh: {stops:?}");
    for pair in events.windows(2) {
        assert!(pair[1].t_ms >= pair[0].t_ms, "event times never go back: {:?} then {:?}", pair[0], pair[1]);
    }
}

#[test]
fn a_crawl_reads_the_clock_less_than_once_per_event_and_its_times_never_go_back() {
    let mut sim = Sim::new(small());
    let clock = Rc::new(BusyClock { inner: sim.clock.clone(), reads: Cell::new(0), yields: RefCell::new(Vec::new()) });
    let env = Env { clock: clock.clone(), ..sim.env() };
    let crawl = Crawl::start(Options::from_json(&options(3)).expect("test options are valid"), env);
    let c = crawl.clone();
    sim.run_until(move || c.is_finished());
    assert_eq!(crawl.report().pages.len(), expected(&small()).len());
    let events = crawl.events_since(0);
    let reads = clock.reads.get() as usize;
    // Read per event (twice: crawl and wall time), this was over 2 per event.
    assert!(reads < events.len(), "{reads} clock reads for {} events", events.len());
    for pair in events.windows(2) {
        assert!(pair[1].t_ms >= pair[0].t_ms, "crawl time never goes back: {:?} then {:?}", pair[0], pair[1]);
        let wall = |e: &crawlscope::event::Event| e.wall_ms.expect("a live crawl records wall time");
        assert!(wall(&pair[1]) >= wall(&pair[0]), "wall time never goes back: {:?} then {:?}", pair[0], pair[1]);
    }
}

#[test]
fn an_extract_crawl_builds_its_tree_in_slices_too() {
    // With `extract` the page is read by scraper's tree builder, not the scanner. Its yields
    // are those before the page's `fieldsFound` (resolving the links, after it, yields too).
    let fields = r#","extract":{"title":"title","hrefs[]":"a@href"}"#;
    let yields_before_fields = |extra: &str| {
        let (crawl, yields) = crawl_huge(extra);
        let events = crawl.events_since(0);
        let fields = events.iter().find(|e| matches!(e.kind, EventKind::FieldsFound { .. })).expect("fields");
        // No pause: crawl time is the clock's reading since the origin.
        yields.iter().filter(|&&t| t < crawl.origin_ms() + fields.t_ms).count()
    };
    let sliced = yields_before_fields(fields);
    assert!(sliced >= 10, "the default slice yields while the 2 MiB page's tree is built ({sliced} yields)");
    assert_eq!(yields_before_fields(&format!(r#","parseSliceMs":60000{fields}"#)), 0, "a 60 s slice never yields");
}

#[test]
fn a_report_read_in_parts_is_the_whole_report() {
    let mut sim = Sim::new(small());
    let (crawl, report) = sim.crawl(&options(3));
    let mut whole: serde_json::Value = serde_json::from_str(&crawl.report_head_json()).expect("the head parses");
    assert_eq!(whole["pages"], serde_json::json!([]));
    let count = crawl.report_page_count();
    assert_eq!(count, report.pages.len());
    let mut pages = Vec::new();
    for from in (0..count + 7).step_by(7) {
        let part: Vec<serde_json::Value> = serde_json::from_str(&crawl.report_pages_json(from, 7)).expect("parses");
        assert_eq!(part.len(), count.saturating_sub(from).min(7), "part from {from}");
        pages.extend(part);
    }
    whole["pages"] = serde_json::Value::Array(pages);
    assert_eq!(whole, serde_json::to_value(&report).expect("serialises"));
}
