//! Record and replay: a saved log rebuilds the live crawl exactly, and bad
//! logs are refused with a clear message.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use crawlscope::event::EventKind;
use crawlscope::replay::{RecordedLog, Replay, MAX_LOG_BYTES};
use crawlscope::tasks::TaskState;
use sitegen::SiteConfig;
use support::{options, Sim};

fn small() -> SiteConfig {
    SiteConfig { pages: 12, latency_ms: 100, ..SiteConfig::default() }
}

fn recorded() -> (crawlscope::Crawl, String) {
    let mut sim = Sim::new(small());
    let (crawl, _) = sim.crawl(&options(3));
    let json = crawl.log().to_json();
    (crawl, json)
}

#[test]
fn replaying_a_log_rebuilds_the_live_report_exactly() {
    let (crawl, json) = recorded();
    let mut replay = Replay::new(RecordedLog::parse(&json).expect("our own log parses"));
    replay.seek(usize::MAX);
    assert_eq!(replay.position(), replay.steps());
    let live = serde_json::to_string(&crawl.report()).expect("serialises");
    let replayed = serde_json::to_string(&replay.report()).expect("serialises");
    assert_eq!(replayed, live);
    assert_eq!(replay.log().options["maxTasks"], 3);
}

#[test]
fn stepping_back_and_forth_and_seeking_agree() {
    let (_, json) = recorded();
    let mut replay = Replay::new(RecordedLog::parse(&json).expect("parses"));
    assert_eq!(replay.position(), 0);
    assert_eq!(replay.polled_task(), None, "step 0 is before the first poll");
    assert!(replay.report().pages.iter().all(|p| p.outcome == "queued"), "only the root, queued");
    replay.seek(20);
    let at_20 = replay.report();
    replay.step_forward();
    replay.step_forward();
    replay.step_back();
    replay.step_back();
    assert_eq!(replay.position(), 20);
    assert_eq!(replay.report(), at_20);
    assert!(replay.polled_task().is_some());
    // Every step adds exactly one poll.
    let polls = |r: &Replay| r.tasks().iter().map(|t| t.polls).sum::<u32>();
    let before = polls(&replay);
    replay.step_forward();
    assert_eq!(polls(&replay), before + 1);
    replay.step_back();
    assert_eq!(replay.step_back(), 19);
}

#[test]
fn task_detail_accounts_for_every_millisecond() {
    let (crawl, _) = recorded();
    let tasks = crawl.tasks();
    assert_eq!(tasks.len(), 4, "three workers and the supervisor");
    for task in &tasks {
        let sum = task.running_ms + task.queued_ms + task.waiting_ms;
        assert!((sum - task.total_ms).abs() < 1e-6, "{task:?}");
        assert!(task.polls >= 1 && task.wakes >= 1, "{task:?}");
        assert!(matches!(task.state, TaskState::Done | TaskState::Cancelled), "{task:?}");
    }
    let workers_pages: u32 = tasks.iter().filter(|t| t.name.starts_with("worker")).map(|t| t.pages).sum();
    let puts = crawl.events_since(0).iter().filter(|e| matches!(e.kind, EventKind::QueuePut { .. })).count();
    assert_eq!(workers_pages as usize, puts, "every URL put on the queue was processed by one worker");
    let supervisor = tasks.iter().find(|t| t.name == "supervisor").expect("supervisor");
    assert_eq!(supervisor.state, TaskState::Done, "it returned; the workers were cancelled");
}

#[test]
fn bad_logs_are_refused_with_a_reason() {
    let (_, json) = recorded();
    let err = |text: &str| RecordedLog::parse(text).unwrap_err();
    assert!(err("{").contains("invalid JSON"));
    assert!(err("[]").contains("format"));
    assert!(err(r#"{"format":"crawlscope-log","version":99,"options":{},"events":[]}"#).contains("newer"));
    assert!(err(r#"{"format":"crawlscope-log","version":"1","options":{},"events":[]}"#).contains("version"));
    let gap = json.replacen("\"seq\":3,", "\"seq\":4,", 1);
    assert!(err(&gap).contains("seq"), "a missing event is detected");
    let bad_kind = json.replacen("\"type\":\"pollStart\"", "\"type\":\"explode\"", 1);
    assert!(err(&bad_kind).contains("not a valid crawlscope log"));
    let huge = " ".repeat(MAX_LOG_BYTES + 1);
    assert!(err(&huge).contains("limit"));
    let empty = RecordedLog::parse(r#"{"format":"crawlscope-log","version":1,"options":{},"events":[]}"#)
        .expect("empty is valid");
    let replay = Replay::new(empty);
    assert_eq!((replay.steps(), replay.report().pages.len()), (0, 0));
}
