//! What a learner reads must be true: crawl time that a pause does not
//! inflate, a crawl that can start paused, a log that tells each poll in
//! order (cause before effect, every fetch named), counters that agree with
//! the log — in virtual time against the in-memory site.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use crawlscope::event::{AwaitPoint, Event, EventKind, WakeCause};
use crawlscope::replay::{RecordedLog, Replay};
use crawlscope::sched::StepError;
use crawlscope::Crawl;
use sitegen::SiteConfig;
use support::{Sim, ORIGIN};

fn small() -> SiteConfig {
    SiteConfig { pages: 20, latency_ms: 100, ..SiteConfig::default() }
}

fn opts(tasks: usize, robots: bool) -> String {
    format!(r#"{{"roots":["{ORIGIN}/"],"maxTasks":{tasks},"robots":{robots}}}"#)
}

/// Step a paused crawl to its end (time moves only when nothing is ready).
fn step_to_end(sim: &mut Sim, crawl: &Crawl) {
    loop {
        sim.pool.run_until_stalled();
        if crawl.is_finished() {
            return;
        }
        match crawl.step(None) {
            Ok(_) => {}
            Err(StepError::NothingReady) => {
                assert!(sim.clock.advance() || crawl.skip_time().is_some(), "paused crawl is stuck")
            }
            Err(e) => panic!("{e}"),
        }
    }
}

#[test]
fn a_two_second_pause_adds_nothing_to_fetch_times_or_page_times() {
    let mut sim = Sim::new(small());
    let crawl = sim.start(&opts(1, true));
    sim.pool.run_until_stalled();
    sim.clock.advance(); // robots.txt answers at 100 ms; the root's fetch starts
    sim.pool.run_until_stalled();
    assert_eq!(sim.fetcher.in_flight.get(), 1, "the root's fetch is in flight");
    crawl.pause();
    sim.clock.advance_to(sim.clock.now() + 2000.0); // a 2 s pause; the answer arrives meanwhile
    sim.pool.run_until_stalled();
    assert!((crawl.paused_ms() - 2000.0).abs() < 1e-6, "paused {}", crawl.paused_ms());
    crawl.resume();
    let c = crawl.clone();
    sim.run_until(move || c.is_finished());

    let events = crawl.events_since(0);
    for e in &events {
        if let EventKind::FetchEnd { ms, url, .. } = &e.kind {
            assert!(*ms < 1000.0, "{url} took {ms} ms of crawl time (a redirect chain: a few hops of 100 ms)");
        }
    }
    let report = crawl.report();
    // (A page retried with backoff — /error — legitimately takes longer.)
    for page in report.pages.iter().filter(|p| p.tries == 1) {
        if let (Some(start), Some(end)) = (page.start_ms, page.end_ms) {
            assert!(end - start < 1000.0, "{} from {start} to {end}", page.url);
        }
    }
    let finished = events.last().expect("events");
    let wall = finished.wall_ms.expect("wall time is logged");
    assert!((report.paused_ms - 2000.0).abs() < 1e-6, "pausedMs {}", report.paused_ms);
    assert!((report.elapsed_ms + report.paused_ms - wall).abs() < 1e-6, "{report:?} wall {wall}");
    assert!((wall - sim.clock.now()).abs() < 1e-6, "the log's wall time is the real clock");
    // Crawl time never goes backwards, and never runs ahead of wall time.
    let mut last = 0.0;
    for e in &events {
        assert!(e.t_ms >= last && e.t_ms <= e.wall_ms.unwrap_or(f64::INFINITY) + 1e-6, "{e:?}");
        last = e.t_ms;
    }
}

#[test]
fn a_crawl_started_paused_polls_nothing_until_step_1_polls_the_first_worker() {
    let mut sim = Sim::new(small());
    let crawl = sim.start_paused(&opts(3, false));
    sim.pool.run_until_stalled();
    assert!(crawl.is_paused());
    assert_eq!(sim.fetcher.total_requests(), 0, "no request before the first step");
    let events = crawl.events_since(0);
    assert!(!events.iter().any(|e| matches!(e.kind, EventKind::PollStart { .. })), "no poll before a step");
    let ready: Vec<u32> = crawl.ready().iter().map(|r| r.task).collect();
    assert_eq!(ready, vec![0, 1, 2, 3], "every task waits for its first poll, spawn order");
    assert_eq!(crawl.step(None), Ok(0));
    let first_poll = crawl.events_since(0).into_iter().find_map(|e| match e.kind {
        EventKind::PollStart { task } => Some(task),
        _ => None,
    });
    assert_eq!(first_poll, Some(0));
    step_to_end(&mut sim, &crawl);
    assert_eq!(crawl.report().counters["done"], crawl.report().pages.len() as u64 - crawl.report().counters["skipped"]);
}

/// The queue's length as the log tells it: the `len` of the last put or get.
fn log_queue_len(events: &[Event]) -> u64 {
    events
        .iter()
        .rev()
        .find_map(|e| match e.kind {
            EventKind::QueuePut { len, .. } | EventKind::QueueGet { len, .. } => Some(len as u64),
            _ => None,
        })
        .unwrap_or(0)
}

#[test]
fn the_queued_counter_equals_the_logs_queue_length_at_every_step_of_a_replay() {
    for robots in [false, true] {
        let mut sim = Sim::new(small());
        let crawl = sim.start_paused(&opts(3, robots));
        step_to_end(&mut sim, &crawl);
        let mut replay = Replay::new(crawl.log());
        assert!(replay.steps() > 20);
        for step in 0..=replay.steps() {
            replay.seek(step);
            let report = replay.report();
            assert_eq!(report.counters["queued"], log_queue_len(replay.events()), "robots {robots}, step {step}");
        }
    }
}

#[test]
fn a_put_is_logged_before_the_wake_it_causes_and_task_done_before_join_wakes() {
    let mut sim = Sim::new(small());
    let (crawl, _) = sim.crawl(&opts(4, false));
    let events = crawl.events_since(0);
    let mut woken_gets = 0;
    for (i, e) in events.iter().enumerate() {
        if let EventKind::Wake { by: WakeCause::Task { .. }, at, .. } = e.kind {
            let before = &events[i - 1].kind;
            match at {
                AwaitPoint::QueueGet => {
                    woken_gets += 1;
                    assert!(matches!(before, EventKind::QueuePut { .. }), "wake after {before:?}");
                }
                AwaitPoint::Join => assert!(matches!(before, EventKind::TaskDone { .. }), "wake after {before:?}"),
                _ => {}
            }
        }
    }
    assert!(woken_gets > 0, "some put woke a parked worker");
}

#[test]
fn the_robots_txt_fetch_is_logged_and_is_not_a_page() {
    let mut sim = Sim::new(small());
    let (crawl, report) = sim.crawl(&opts(2, true));
    let events = crawl.events_since(0);
    let robots = format!("{ORIGIN}/robots.txt");
    let start = events
        .iter()
        .position(|e| matches!(&e.kind, EventKind::FetchStart { url, robots: true, .. } if *url == robots));
    let end =
        events.iter().position(|e| matches!(&e.kind, EventKind::FetchEnd { url, robots: true, .. } if *url == robots));
    let first_page = events.iter().position(|e| matches!(e.kind, EventKind::FetchStart { robots: false, .. }));
    assert!(start.is_some() && start < end && end < first_page, "{start:?} {end:?} {first_page:?}");
    assert!(!report.pages.iter().any(|p| p.url == robots), "robots.txt is not a page of the crawl");
}

#[test]
fn http_errors_are_counted_apart_from_success() {
    let mut sim = Sim::new(small());
    let (_, report) = sim.crawl(&format!(r#"{{"roots":["{ORIGIN}/"],"maxTasks":4,"maxTries":1}}"#));
    let errors = report.pages.iter().filter(|p| p.outcome == "done" && p.status.unwrap_or(0) >= 400).count() as u64;
    assert!(errors > 0, "the site has error pages");
    assert_eq!(report.counters["httpError"], errors);
}

#[test]
fn a_version_1_log_still_loads_and_replays() {
    let mut sim = Sim::new(small());
    let (crawl, report) = sim.crawl(&opts(2, false));
    // A version-1 log: no wall time, tMs was wall time.
    let mut value: serde_json::Value = serde_json::from_str(&crawl.log().to_json()).expect("json");
    value["version"] = 1.into();
    for e in value["events"].as_array_mut().expect("events") {
        e.as_object_mut().expect("object").remove("wallMs");
    }
    let log = RecordedLog::parse(&value.to_string()).expect("a version-1 log loads");
    let mut replay = Replay::new(log);
    replay.seek(usize::MAX);
    let replayed = replay.report();
    assert_eq!(replayed.pages, report.pages);
    assert_eq!(replayed.paused_ms, 0.0, "a version-1 log has no wall time");
}
