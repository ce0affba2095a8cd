//! Pause, step one poll at a time, resume — and who woke whom — against the
//! in-memory site in virtual time.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use crawlscope::event::{AwaitPoint, Event, EventKind, WakeCause};
use crawlscope::sched::StepError;
use crawlscope::Crawl;
use sitegen::SiteConfig;
use support::{expected, options, Sim, ORIGIN};

fn small() -> SiteConfig {
    SiteConfig { pages: 20, latency_ms: 100, ..SiteConfig::default() }
}

/// Step the paused crawl one poll at a time until it finishes, advancing
/// virtual time only when no task is ready. Returns the number of steps.
fn step_to_end(sim: &mut Sim, crawl: &Crawl) -> usize {
    let mut steps = 0;
    loop {
        sim.pool.run_until_stalled();
        if crawl.is_finished() {
            return steps;
        }
        match crawl.step(None) {
            Ok(_) => steps += 1,
            // The network goes on while paused; the engine's timers only when skipped to.
            Err(StepError::NothingReady) => {
                assert!(sim.clock.advance() || crawl.skip_time().is_some(), "paused crawl is stuck")
            }
            Err(e) => panic!("{e}"),
        }
    }
}

fn kinds(crawl: &Crawl) -> Vec<EventKind> {
    crawl.events_since(0).into_iter().map(|e: Event| e.kind).collect()
}

#[test]
fn stepping_a_paused_crawl_to_the_end_finds_the_same_pages() {
    let mut sim = Sim::new(small());
    let crawl = sim.start(&options(4));
    crawl.pause();
    let steps = step_to_end(&mut sim, &crawl);
    assert!(steps > expected(&small()).len(), "at least one poll per page, got {steps}");
    let report = crawl.report();
    let got: Vec<_> = report.pages.iter().map(|p| (p.url.clone(), p.aliases.clone(), p.status)).collect();
    let want: Vec<_> = expected(&small()).into_iter().map(|p| (p.url, p.aliases, Some(p.status))).collect();
    assert_eq!(got, want);
}

#[test]
fn each_step_polls_exactly_one_task_once() {
    let mut sim = Sim::new(small());
    let crawl = sim.start(&options(3));
    crawl.pause();
    step_to_end(&mut sim, &crawl);
    let kinds = kinds(&crawl);
    let paused_at = kinds.iter().position(|k| *k == EventKind::Paused).expect("paused");
    // After the pause, every pollStart directly follows the stepped event of the same task.
    let mut stepped = None;
    let mut polls_after_pause = 0;
    for kind in &kinds[paused_at..] {
        match kind {
            EventKind::Stepped { task } => stepped = Some(*task),
            EventKind::PollStart { task } => {
                assert_eq!(stepped.take(), Some(*task), "a poll while paused without a step");
                polls_after_pause += 1;
            }
            EventKind::Resumed => break,
            _ => {}
        }
    }
    let steps = kinds[paused_at..].iter().filter(|k| matches!(k, EventKind::Stepped { .. })).count();
    assert_eq!(polls_after_pause, steps);
}

#[test]
fn no_fetch_starts_while_paused_and_finished_fetches_wait_in_the_ready_list() {
    let mut sim = Sim::new(small());
    let crawl = sim.start(&options(4));
    let c = crawl.clone();
    sim.run_until(move || c.report().counters["inFlight"] >= 3);
    crawl.pause();
    let requests = sim.fetcher.total_requests();
    let events = crawl.event_count();
    // Let the network finish everything in flight, and much more time pass.
    for _ in 0..50 {
        sim.pool.run_until_stalled();
        if !sim.clock.advance() {
            break;
        }
    }
    assert_eq!(sim.fetcher.total_requests(), requests, "no request while paused");
    let while_paused = crawl.events_since(events);
    assert!(while_paused.iter().all(|e| !matches!(e.kind, EventKind::PollStart { .. } | EventKind::FetchStart { .. })));
    let ready = crawl.ready();
    assert!(ready.len() >= 3, "the fetches that completed woke their tasks: {ready:?}");
    assert!(ready.iter().all(|r| r.woken_by == Some(WakeCause::Network) && r.awaiting == Some(AwaitPoint::Fetch)));
    crawl.resume();
    let c = crawl.clone();
    sim.run_until(move || c.is_finished());
    assert_eq!(crawl.report().pages.len(), expected(&small()).len());
}

#[test]
fn timers_are_frozen_while_paused() {
    let slow = SiteConfig { latency_ms: 60_000, ..small() };
    let mut sim = Sim::new(slow);
    let crawl = sim.start(&format!(r#"{{"roots":["{ORIGIN}/"],"timeoutMs":1000,"maxTries":1,"maxTasks":1}}"#));
    sim.pool.run_until_stalled(); // the fetch starts at t=0
    assert_eq!(sim.fetcher.in_flight.get(), 1);
    crawl.pause();
    sim.clock.advance(); // the real 1 s timer fires at t=1000, but engine time stands still
    sim.pool.run_until_stalled();
    assert_eq!(sim.clock.now(), 1000.0);
    assert!(!crawl.is_finished(), "no timeout while paused");
    assert_eq!(crawl.ready()[0].woken_by, Some(WakeCause::Timer), "the timer only woke its task");
    let paused_for = sim.clock.now();
    crawl.resume();
    let c = crawl.clone();
    sim.run_until(move || c.is_finished());
    let page = &crawl.report().pages[0];
    assert!(page.error.as_deref().unwrap_or("").contains("timed out"), "{page:?}");
    // In crawl time the timeout fired after exactly its second...
    assert_eq!(page.end_ms, Some(1000.0), "{page:?}");
    // ...and in wall time, a full second after the resume.
    let end =
        crawl.events_since(0).into_iter().find(|e| matches!(e.kind, EventKind::FetchEnd { .. })).expect("fetchEnd");
    let wall = end.wall_ms.unwrap_or(0.0);
    assert!(wall >= paused_for + 1000.0 - 1e-6, "the timeout waited its full second after resume: {wall}");
}

#[test]
fn who_woke_whom() {
    let mut sim = Sim::new(small());
    let (crawl, _) = sim.crawl(&options(2));
    let wakes: Vec<(u32, WakeCause, AwaitPoint)> = kinds(&crawl)
        .into_iter()
        .filter_map(|k| match k {
            EventKind::Wake { task, by, at } => Some((task, by, at)),
            _ => None,
        })
        .collect();
    // Worker 0 takes the root; its fetch completes: the network wakes it.
    assert_eq!(wakes[0], (0, WakeCause::Network, AwaitPoint::Fetch));
    // Parsing the root, worker 0's queue.put wakes worker 1's get.
    assert_eq!(wakes[1], (1, WakeCause::Task { task: 0 }, AwaitPoint::QueueGet));
    // The supervisor (task 2) is woken at join by the worker whose task_done emptied the queue.
    let last = wakes.iter().rev().find(|w| w.0 == 2).expect("the supervisor was woken");
    assert!(matches!(last, (2, WakeCause::Task { task: 0 | 1 }, AwaitPoint::Join)), "{last:?}");
}

#[test]
fn stop_while_paused_still_ends_the_crawl() {
    let mut sim = Sim::new(small());
    let crawl = sim.start(&options(3));
    crawl.pause();
    sim.pool.run_until_stalled();
    crawl.step(None).expect("a spawned task is ready");
    crawl.stop();
    let c = crawl.clone();
    sim.run_until(move || c.is_finished());
    assert!(!crawl.is_paused());
    assert_eq!(sim.fetcher.in_flight.get(), 0);
}

#[test]
fn step_explains_why_it_cannot() {
    let mut sim = Sim::new(small());
    let crawl = sim.start(&options(1));
    assert_eq!(crawl.step(None), Err(StepError::NotPaused));
    crawl.pause();
    sim.pool.run_until_stalled();
    assert_eq!(crawl.step(Some(77)), Err(StepError::NotReady(77)));
    let ready: Vec<u32> = crawl.ready().iter().map(|r| r.task).collect();
    assert_eq!(ready, vec![0, 1], "worker 0 and the supervisor wait to be polled for the first time");
    assert_eq!(crawl.step(Some(1)), Ok(1), "any ready task can be picked");
    assert_eq!(crawl.step(None), Ok(0));
    assert_eq!(crawl.step(None), Err(StepError::NothingReady));
}
