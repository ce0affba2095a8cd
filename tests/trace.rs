//! The trace export: a crawl's log as Trace Event Format JSON, checked for
//! what Perfetto and `chrome://tracing` need to draw it right — every flow
//! arrow has both ends, slices nest per track, one slice per poll — in
//! virtual time against the in-memory site.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use crawlscope::event::{Event, EventKind};
use crawlscope::lints::LintFold;
use crawlscope::trace;
use serde_json::Value;
use sitegen::SiteConfig;
use std::collections::{BTreeMap, BTreeSet};
use support::{Sim, ORIGIN};

fn site(pages: usize) -> SiteConfig {
    SiteConfig { pages, latency_ms: 100, ..SiteConfig::default() }
}

fn crawl_log(pages: usize, extra: &str) -> Vec<Event> {
    let mut sim = Sim::new(site(pages));
    let (crawl, _) = sim.crawl(&format!(r#"{{"roots":["{ORIGIN}/"],"maxTasks":4{extra}}}"#));
    crawl.events_since(0)
}

/// The trace of `events`, parsed back (it must be JSON).
fn trace_events(events: &[Event]) -> Value {
    serde_json::from_str(&trace::trace_events(events)).expect("the trace is JSON")
}

fn num(v: &Value, key: &str) -> f64 {
    v[key].as_f64().unwrap_or_else(|| panic!("{key} is a number in {v}"))
}

/// Every structural rule the importers rely on; returns the trace events.
fn check(events: &[Event], trace: &Value) -> Vec<Value> {
    let list = trace["traceEvents"].as_array().expect("traceEvents is an array").clone();
    assert_eq!(trace["displayTimeUnit"], "ms");
    for e in &list {
        let ph = e["ph"].as_str().expect("every event has a phase");
        assert!(["M", "X", "i", "s", "f", "b", "e", "C"].contains(&ph), "{e}");
        assert_eq!(e["pid"], 1, "{e}");
        if ph != "M" {
            let ts = num(e, "ts");
            assert!(ts.is_finite() && ts >= 0.0, "{e}");
            assert!(e["name"].is_string(), "{e}");
        }
    }
    let of = |ph: &'static str| list.iter().filter(move |e| e["ph"] == ph);
    // Poll slices: on a task's track (the outside wakers' tracks are numbered past a million).
    let is_poll = |e: &Value| e["ph"] == "X" && e["cat"] == "task" && e["tid"].as_u64().is_some_and(|t| t < 1_000_000);

    // One slice per poll.
    let polls = events.iter().filter(|e| matches!(e.kind, EventKind::PollStart { .. })).count();
    assert_eq!(list.iter().filter(|e| is_poll(e)).count(), polls);
    assert_eq!(trace["otherData"]["polls"], polls);

    // Slices nest per track: sorted by start (longest first), each lies inside
    // the enclosing open one or starts after it ends.
    let mut tracks: BTreeMap<u64, Vec<(f64, f64)>> = BTreeMap::new();
    for e in of("X") {
        let dur = num(e, "dur");
        assert!(dur >= 0.0, "{e}");
        tracks.entry(e["tid"].as_u64().expect("tid")).or_default().push((num(e, "ts"), num(e, "ts") + dur));
    }
    for (tid, slices) in &mut tracks {
        slices.sort_by(|a, b| a.0.total_cmp(&b.0).then(b.1.total_cmp(&a.1)));
        let mut stack: Vec<(f64, f64)> = Vec::new();
        for &(start, end) in slices.iter() {
            while stack.last().is_some_and(|top| top.1 <= start && !(top.0 == start && top.1 == start)) {
                stack.pop();
            }
            if let Some(top) = stack.last() {
                assert!(end <= top.1, "track {tid}: [{start}, {end}] overlaps [{}, {}]", top.0, top.1);
            }
            stack.push((start, end));
        }
    }
    // Polls of one task never overlap at all (a task is polled once at a time).
    for e in list.iter().filter(|e| is_poll(e)) {
        let (tid, ts, end) = (e["tid"].as_u64().unwrap_or(0), num(e, "ts"), num(e, "ts") + num(e, "dur"));
        let overlapping = list
            .iter()
            .filter(|o| is_poll(o) && o["tid"].as_u64() == Some(tid))
            .filter(|o| num(o, "ts") < end && ts < num(o, "ts") + num(o, "dur"))
            .count();
        assert!(overlapping <= 1, "{e}");
    }

    // Every flow start has exactly one end, later, at the start of a poll of
    // the woken task; it starts at the start of a slice of the waker's track,
    // in that slice's category (what DevTools needs to bind an arrow).
    let starts: BTreeMap<u64, &Value> = of("s").map(|e| (e["id"].as_u64().expect("flow id"), e)).collect();
    let ends: BTreeMap<u64, &Value> = of("f").map(|e| (e["id"].as_u64().expect("flow id"), e)).collect();
    assert_eq!(starts.len(), of("s").count(), "flow ids are unique");
    assert_eq!(ends.len(), of("f").count(), "flow ids are unique");
    assert_eq!(starts.keys().collect::<Vec<_>>(), ends.keys().collect::<Vec<_>>(), "every start has its end");
    let starts_a_slice = |end: &Value, poll: bool| {
        list.iter().any(|x| {
            x["ph"] == "X"
                && x["tid"] == end["tid"]
                && x["cat"] == end["cat"]
                && num(x, "ts") == num(end, "ts")
                && (!poll || is_poll(x))
        })
    };
    for (id, s) in &starts {
        let f = ends[id];
        assert_eq!(f["bp"], "e", "{f}");
        assert_eq!((&s["cat"], &s["name"]), (&f["cat"], &f["name"]), "one flow: {s} → {f}");
        assert!(num(s, "ts") <= num(f, "ts"), "{s} → {f}");
        assert!(starts_a_slice(s, false), "the arrow leaves the start of a slice: {s}");
        assert!(starts_a_slice(f, true), "the arrow lands on the start of a poll: {f}");
    }
    // An arrow for every wake that a poll of the woken task followed.
    let mut woken_then_polled = 0;
    let mut waiting: BTreeMap<u32, usize> = BTreeMap::new();
    for e in events {
        match e.kind {
            EventKind::Wake { task, .. } => *waiting.entry(task).or_default() += 1,
            EventKind::PollStart { task } => woken_then_polled += waiting.remove(&task).unwrap_or(0),
            EventKind::TaskExited { task, .. } => {
                waiting.remove(&task);
            }
            _ => {}
        }
    }
    assert_eq!(starts.len(), woken_then_polled);
    assert!(woken_then_polled > 0);

    // Fetches: async slices with both ends.
    let begins: BTreeSet<u64> = of("b").map(|e| e["id"].as_u64().expect("id")).collect();
    let finishes: BTreeSet<u64> = of("e").map(|e| e["id"].as_u64().expect("id")).collect();
    assert_eq!(begins, finishes);
    let fetches = events.iter().filter(|e| matches!(e.kind, EventKind::FetchStart { .. })).count();
    assert_eq!(begins.len(), fetches);

    // Lints as instant events on their task's track.
    assert_eq!(of("i").filter(|e| e["cat"] == "lint").count(), LintFold::of(events).len());

    // A named track per task, named as the lanes name it.
    let names: BTreeMap<u64, String> = of("M")
        .filter(|e| e["name"] == "thread_name")
        .map(|e| (e["tid"].as_u64().expect("tid"), e["args"]["name"].as_str().unwrap_or("").to_string()))
        .collect();
    for e in events {
        if let EventKind::TaskSpawned { task, name } = &e.kind {
            assert_eq!(names.get(&(u64::from(*task) + 1)), Some(name));
        }
    }
    list
}

#[test]
fn a_crawls_trace_has_a_slice_per_poll_an_arrow_per_wake_and_proper_nesting() {
    let events = crawl_log(30, r#","robots":true"#);
    let trace = trace_events(&events);
    let list = check(&events, &trace);
    // Names say what a poll did.
    let names: BTreeSet<&str> = list.iter().filter(|e| e["cat"] == "task").filter_map(|e| e["name"].as_str()).collect();
    assert!(names.iter().any(|n| n.starts_with("get() → fetch")), "{names:?}");
    assert!(names.iter().any(|n| n.contains("parse → put()")), "{names:?}");
    assert!(names.iter().any(|n| n.contains("join() returned")), "{names:?}");
    let tracks: BTreeSet<&str> =
        list.iter().filter(|e| e["name"] == "thread_name").filter_map(|e| e["args"]["name"].as_str()).collect();
    assert!(tracks.contains("network") && tracks.contains("supervisor") && tracks.contains("worker 3"), "{tracks:?}");
}

#[test]
fn stopped_stepped_and_linted_crawls_keep_every_rule() {
    // Stopped mid-crawl: fetches in flight are aborted, woken tasks cancelled.
    let mut sim = Sim::new(site(40));
    let crawl = sim.start(&format!(r#"{{"roots":["{ORIGIN}/"],"maxTasks":6}}"#));
    let c = crawl.clone();
    sim.run_until(move || c.report().counters["done"] >= 6);
    crawl.stop();
    let c = crawl.clone();
    sim.run_until(move || c.is_finished());
    let events = crawl.events_since(0);
    check(&events, &trace_events(&events));

    // Paused from the start and resumed after a while (pause events, held wakes).
    let mut sim = Sim::new(site(20));
    let crawl = sim.start_paused(&format!(r#"{{"roots":["{ORIGIN}/"],"maxTasks":3,"delayMs":10}}"#));
    sim.pool.run_until_stalled();
    let mut steps = 0;
    while steps < 8 {
        sim.pool.run_until_stalled();
        match crawl.step(None) {
            Ok(_) => steps += 1,
            // Nothing ready: the network answers in (virtual) time, or a Step skips to the next timer.
            Err(_) => assert!(sim.clock.advance() || crawl.skip_time().is_some(), "paused crawl is stuck"),
        }
    }
    crawl.resume();
    let c = crawl.clone();
    sim.run_until(move || c.is_finished());
    let events = crawl.events_since(0);
    let trace = trace_events(&events);
    let list = check(&events, &trace);
    assert!(list.iter().any(|e| e["name"] == "paused") && list.iter().any(|e| e["name"] == "resumed"));

    // A log with a lint: a long poll, its instant event on the task's track.
    let mut events = crawl_log(10, "");
    let i = events.iter().position(|e| matches!(e.kind, EventKind::PollEnd { task: 0, .. })).expect("a poll");
    for e in &mut events[i..] {
        e.t_ms += 120.0;
        e.wall_ms = e.wall_ms.map(|w| w + 120.0);
    }
    let trace = trace_events(&events);
    let list = check(&events, &trace);
    let lint = list.iter().find(|e| e["cat"] == "lint").expect("the long poll's instant event");
    assert_eq!(lint["name"], "long poll");
    assert_eq!(lint["tid"], 1, "on worker 0's track");
    assert!(lint["args"]["message"].as_str().unwrap_or("").contains("no painting"));
}

#[test]
fn the_same_log_gives_the_same_bytes_and_its_size_is_measured() {
    let a = trace::trace_events(&crawl_log(100, ""));
    let b = trace::trace_events(&crawl_log(100, ""));
    assert_eq!(a, b);
    let log = serde_json::to_string(&crawl_log(100, "")).expect("json");
    println!(
        "figure: trace of a 100-page crawl (4 workers, virtual time): {} bytes ({:.0} KB); its log's events: {} bytes",
        a.len(),
        a.len() as f64 / 1024.0,
        log.len()
    );
}
