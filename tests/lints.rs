//! Lints, one case each, in virtual time: small task sets run behind the
//! crawl's own gate ([`Scheduler`]) on the harness's executor and clock, so
//! each case is built exactly (a poll that blocks the thread for 60 ms is a
//! poll during which the clock moves 60 ms) — and whole crawls, which must
//! raise none.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use crawlscope::env::Clock;
use crawlscope::event::{AwaitPoint, EndReason, Event, EventKind, Recorder, TaskId};
use crawlscope::lints::{Lint, LintFold, LintKind};
use crawlscope::replay::{RecordedLog, Replay};
use crawlscope::sched::{Scheduler, StepError};
use crawlscope::time::EngineClock;
use crawlscope::Crawl;
use futures::future::LocalBoxFuture;
use sitegen::SiteConfig;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll};
use support::{Sim, ORIGIN};

/// A crawl's gate without the crawl: tasks we write, behind the same
/// instrumented polls and wakers, logging to a recorder of our own.
struct Bench {
    sim: Sim,
    recorder: Rc<Recorder>,
    sched: Rc<Scheduler>,
}

impl Bench {
    fn new() -> Bench {
        let sim = Sim::new(SiteConfig::default());
        let clock = EngineClock::new(Rc::new(sim.clock.clone()));
        let recorder = Recorder::new(clock.clone());
        let sched = Scheduler::new(recorder.clone(), clock);
        Bench { sim, recorder, sched }
    }

    fn spawn(&self, task: TaskId, name: &str, future: LocalBoxFuture<'static, ()>) {
        self.recorder.emit(EventKind::TaskSpawned { task, name: name.into() });
        let env = self.sim.env();
        self.sched.spawn(&*env.spawner, task, future);
    }

    /// Run until nothing can run and no timer is left.
    fn run(&mut self) {
        loop {
            self.sim.pool.run_until_stalled();
            if !self.sim.clock.advance() {
                return;
            }
        }
    }

    fn events(&self) -> Vec<Event> {
        self.recorder.log.since(0)
    }

    fn lints(&self) -> Vec<Lint> {
        LintFold::of(&self.events())
    }
}

/// Returns `Pending` once after waking its own waker: a yield written by hand.
struct WakeMyself(bool);

impl Future for WakeMyself {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if std::mem::replace(&mut self.0, true) {
            return Poll::Ready(());
        }
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}

/// The replay step of event `seq`, as `Replay` counts steps: one per ended poll.
fn step_of(events: &[Event], seq: u64) -> usize {
    let ended = events[..seq as usize].iter().filter(|e| matches!(e.kind, EventKind::PollEnd { .. })).count();
    ended + 1
}

fn kinds(lints: &[Lint]) -> Vec<(LintKind, TaskId)> {
    lints.iter().map(|l| (l.kind, l.task)).collect()
}

#[test]
fn a_poll_that_blocks_the_thread_for_60_ms_is_a_long_poll_and_one_of_10_ms_is_not() {
    let mut bench = Bench::new();
    for (task, work) in [(0, 60.0), (1, 10.0)] {
        let clock = bench.sim.clock.clone();
        bench.spawn(
            task,
            &format!("worker {task}"),
            Box::pin(async move {
                // Parsing without yielding: the clock moves, nothing else runs.
                clock.advance_to(clock.now() + work);
            }),
        );
    }
    bench.run();
    let lints = bench.lints();
    assert_eq!(kinds(&lints), vec![(LintKind::LongPoll, 0)], "{lints:#?}");
    let lint = &lints[0];
    assert_eq!(lint.ms, Some(60.0));
    assert_eq!(lint.name, "worker 0");
    assert!(lint.message.starts_with("worker 0's poll ran 60 ms before it returned"), "{}", lint.message);
    assert!(lint.message.contains("no painting"), "it says why it matters: {}", lint.message);
    let events = bench.events();
    assert!(matches!(events[lint.seq as usize].kind, EventKind::PollEnd { task: 0, .. }));
    assert_eq!(lint.step, step_of(&events, lint.seq));
    assert_eq!(lint.step, 1, "worker 0's poll is the first step");
}

#[test]
fn a_task_woken_while_another_blocks_the_thread_is_slow_to_poll() {
    let mut bench = Bench::new();
    for task in [0, 1] {
        let clock = bench.sim.clock.clone();
        let sched = bench.sched.clone();
        bench.spawn(
            task,
            &format!("worker {task}"),
            Box::pin(async move {
                // Both timers fire at t = 10; whichever is polled first works
                // 60 ms without yielding, and the other, ready, waits for it.
                sched.tagged(AwaitPoint::Timer, true, clock.sleep(10.0)).await;
                clock.advance_to(clock.now() + 60.0);
            }),
        );
    }
    bench.run();
    let lints = bench.lints();
    let long: Vec<_> = lints.iter().filter(|l| l.kind == LintKind::LongPoll).collect();
    let slow: Vec<_> = lints.iter().filter(|l| l.kind == LintKind::SlowToPoll).collect();
    assert_eq!(long.len(), 2, "both polls after the wake ran 60 ms: {lints:#?}");
    assert_eq!(slow.len(), 1, "only the second waited: {lints:#?}");
    let slow = slow[0];
    assert_eq!(slow.ms, Some(60.0));
    assert_eq!(slow.t_ms, 70.0, "raised at its poll, 60 ms after the wake at 10 ms");
    assert!(
        slow.message.contains("parked at a timer (a timeout, backoff or politeness delay), was woken by a timer that fired and waited 60 ms"),
        "{}",
        slow.message
    );
    let events = bench.events();
    assert!(matches!(events[slow.seq as usize].kind, EventKind::PollStart { task } if task == slow.task));
    assert_eq!(slow.step, step_of(&events, slow.seq));
}

#[test]
fn a_task_that_mostly_wakes_itself_has_self_wakes_and_one_woken_by_timers_does_not() {
    let mut bench = Bench::new();
    let sched = bench.sched.clone();
    bench.spawn(
        0,
        "worker 0",
        Box::pin(async move {
            for _ in 0..6 {
                sched.tagged(AwaitPoint::Yield, true, WakeMyself(false)).await;
            }
        }),
    );
    let (sched, clock) = (bench.sched.clone(), bench.sim.clock.clone());
    bench.spawn(
        1,
        "worker 1",
        Box::pin(async move {
            for _ in 0..6 {
                sched.tagged(AwaitPoint::Yield, true, clock.sleep(1.0)).await;
            }
        }),
    );
    bench.run();
    let lints = bench.lints();
    assert_eq!(kinds(&lints), vec![(LintKind::SelfWakes, 0)], "said once, for worker 0 only: {lints:#?}");
    let lint = &lints[0];
    assert!(lint.message.starts_with("worker 0 woke itself 4 of the 4 times"), "{}", lint.message);
    assert!(lint.message.contains("yield loop"), "{}", lint.message);
    let events = bench.events();
    let timer_wakes = events
        .iter()
        .filter(|e| matches!(e.kind, EventKind::Wake { task: 1, by: crawlscope::event::WakeCause::Timer, .. }))
        .count();
    assert_eq!(timer_wakes, 6, "worker 1 was woken as often, by timers");
    assert!(matches!(events[lint.seq as usize].kind, EventKind::Wake { task: 0, .. }));
    assert_eq!(lint.step, step_of(&events, lint.seq));
}

#[test]
fn a_task_parked_when_the_crawl_ends_is_never_woken() {
    let mut bench = Bench::new();
    let sched = bench.sched.clone();
    bench.spawn(
        0,
        "worker 0",
        Box::pin(async move {
            // A future that returns Pending and never arranges a wake: a lost waker.
            sched.tagged(AwaitPoint::QueueGet, true, futures::future::pending::<()>()).await;
        }),
    );
    let recorder = bench.recorder.clone();
    bench.spawn(
        1,
        "supervisor",
        Box::pin(async move {
            recorder.emit(EventKind::Finished { elapsed_ms: 0.0, reason: EndReason::Complete });
        }),
    );
    bench.run();
    let lints = bench.lints();
    assert_eq!(kinds(&lints), vec![(LintKind::NeverWoken, 0)], "{lints:#?}");
    let lint = &lints[0];
    assert!(
        lint.message.starts_with("worker 0 is still parked at queue.get() (waiting for a URL)"),
        "{}",
        lint.message
    );
    let events = bench.events();
    assert!(matches!(events[lint.seq as usize].kind, EventKind::Finished { .. }));
    assert_eq!(lint.step, 2, "raised inside the supervisor's poll, the second step");
}

#[test]
fn tasks_that_each_wait_for_another_task_are_never_woken_even_before_the_end() {
    let mut bench = Bench::new();
    for (task, name, point) in [(0, "worker 0", AwaitPoint::QueueGet), (1, "supervisor", AwaitPoint::Join)] {
        let sched = bench.sched.clone();
        bench.spawn(
            task,
            name,
            Box::pin(async move {
                sched.tagged(point, true, futures::future::pending::<()>()).await;
            }),
        );
    }
    bench.run();
    let lints = bench.lints();
    assert_eq!(kinds(&lints), vec![(LintKind::NeverWoken, 0), (LintKind::NeverWoken, 1)], "{lints:#?}");
    assert!(lints[1].message.contains("queue.join()"), "{}", lints[1].message);
    assert!(lints[1].message.contains("will never finish by itself"), "{}", lints[1].message);
    assert_eq!(lints[0].seq, lints[1].seq, "both at the poll after which nothing could run");
}

// ------------------------------------------------------------ whole crawls

fn site() -> SiteConfig {
    SiteConfig { pages: 40, latency_ms: 100, ..SiteConfig::default() }
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
fn normal_crawls_raise_no_lint_and_never_never_woken() {
    let configs = [
        r#""maxTasks":1"#,
        r#""maxTasks":4"#,
        r#""maxTasks":12,"perHostConcurrency":1"#,
        r#""maxTasks":3,"delayMs":50,"robots":true"#,
        r#""maxTasks":5,"maxPages":7"#,
        r#""maxTasks":2,"order":"dfs","maxTries":2,"backoffMs":20"#,
        r#""maxTasks":6,"parseSliceMs":1"#,
    ];
    for config in configs {
        let mut sim = Sim::new(site());
        let (crawl, report) = sim.crawl(&format!(r#"{{"roots":["{ORIGIN}/"],{config}}}"#));
        assert!(report.finished);
        let lints = LintFold::of(&crawl.events_since(0));
        assert!(lints.is_empty(), "{config}: {lints:#?}");
    }
    // Stepped one poll at a time, with time skipped to each timer.
    let mut sim = Sim::new(site());
    let crawl = sim.start_paused(&format!(r#"{{"roots":["{ORIGIN}/"],"maxTasks":3,"delayMs":30}}"#));
    step_to_end(&mut sim, &crawl);
    assert_eq!(LintFold::of(&crawl.events_since(0)), vec![]);
    // Stopped in the middle: the workers are cancelled, not left behind.
    let mut sim = Sim::new(site());
    let crawl = sim.start(&format!(r#"{{"roots":["{ORIGIN}/"],"maxTasks":4}}"#));
    let c = crawl.clone();
    sim.run_until(move || c.report().counters["done"] >= 5);
    crawl.stop();
    let c = crawl.clone();
    sim.run_until(move || c.is_finished());
    assert_eq!(LintFold::of(&crawl.events_since(0)), vec![]);
}

#[test]
fn lints_folded_live_in_pieces_equal_the_replay_of_the_log_at_every_step() {
    let mut bench = Bench::new();
    let (sched, clock) = (bench.sched.clone(), bench.sim.clock.clone());
    bench.spawn(
        0,
        "worker 0",
        Box::pin(async move {
            for _ in 0..5 {
                sched.tagged(AwaitPoint::Yield, true, WakeMyself(false)).await;
            }
            sched.tagged(AwaitPoint::Timer, true, clock.sleep(5.0)).await;
            clock.advance_to(clock.now() + 80.0);
        }),
    );
    bench.run();
    let events = bench.events();
    // Live: the handle folds whatever is new each time it is asked.
    let mut live = LintFold::new();
    for chunk in events.chunks(3) {
        live.apply_all(chunk);
    }
    assert_eq!(live.applied(), events.len());
    let all = LintFold::of(&events);
    assert_eq!(live.lints(), &all[..]);
    assert_eq!(kinds(&all), vec![(LintKind::SelfWakes, 0), (LintKind::LongPoll, 0)]);

    let mut replay = Replay::new(RecordedLog::new(serde_json::json!({}), events.clone()));
    assert_eq!(replay.lints(), vec![], "step 0: nothing has run");
    for step in 0..=replay.steps() {
        replay.seek(step);
        let shown = replay.events().len();
        let want: Vec<Lint> = all.iter().filter(|l| (l.seq as usize) < shown).cloned().collect();
        assert_eq!(replay.lints(), want, "step {step}");
        assert!(replay.lints().iter().all(|l| l.step <= step), "a lint links to a step already shown");
    }
    assert_eq!(replay.lints(), all);
}
