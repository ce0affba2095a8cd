//! Per-task detail, folded from the event log — what tokio-console shows for
//! a task, plus who woke it and what it worked on.
//!
//! Times follow tokio-console: *running* is time inside polls, *queued* is
//! time from a wake to the next poll (the executor's queue, or the ready
//! list while paused), *waiting* is the rest (parked on an await point).

use crate::event::{AwaitPoint, Event, EventKind, TaskId, WakeCause};
use serde::Serialize;
use std::collections::BTreeMap;

/// Where a task stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub enum TaskState {
    /// Parked on an await point, nobody has woken it.
    Waiting,
    /// Woken, not yet polled (in the executor's queue or the ready list).
    Ready,
    /// Being polled right now.
    Running,
    /// Returned.
    Done,
    /// Dropped by cancellation.
    Cancelled,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct TaskDetail {
    pub task: TaskId,
    pub name: String,
    pub state: TaskState,
    /// The await point it is parked at (while waiting or ready).
    pub awaiting: Option<AwaitPoint>,
    pub polls: u32,
    pub wakes: u32,
    pub self_wakes: u32,
    /// Wakes by source: `task 3`, `network`, `timer`, `external`, `self`.
    pub woken_by: BTreeMap<String, u32>,
    pub last_woken_by: Option<WakeCause>,
    pub total_ms: f64,
    pub running_ms: f64,
    pub queued_ms: f64,
    pub waiting_ms: f64,
    /// The URL it is processing (workers), if any.
    pub url: Option<String>,
    /// URLs it has finished processing.
    pub pages: u32,
}

/// Name of a wake source, for `woken_by`.
pub fn cause_name(cause: &WakeCause) -> String {
    match cause {
        WakeCause::Task { task } => format!("task {task}"),
        WakeCause::SelfWake => "self".into(),
        WakeCause::Network => "network".into(),
        WakeCause::Timer => "timer".into(),
        WakeCause::External => "external".into(),
    }
}

/// A task's detail plus the timing state the fold needs.
struct Track {
    detail: TaskDetail,
    spawned_ms: f64,
    ended_ms: Option<f64>,
    poll_started: Option<f64>,
    /// Since when it has been ready (woken, unpolled).
    ready_since: Option<f64>,
    /// Woken while it was being polled: ready again as soon as the poll ends.
    rewoken: bool,
}

/// Fold `events` into one detail per task, timed as of `now_ms`.
pub fn tasks_from_events(events: &[Event], now_ms: f64) -> Vec<TaskDetail> {
    let mut tracks: BTreeMap<TaskId, Track> = BTreeMap::new();
    for event in events {
        let t = event.t_ms;
        match &event.kind {
            EventKind::TaskSpawned { task, name } => {
                let detail = TaskDetail {
                    task: *task,
                    name: name.clone(),
                    state: TaskState::Ready, // a new task is ready for its first poll
                    awaiting: None,
                    polls: 0,
                    wakes: 0,
                    self_wakes: 0,
                    woken_by: BTreeMap::new(),
                    last_woken_by: None,
                    total_ms: 0.0,
                    running_ms: 0.0,
                    queued_ms: 0.0,
                    waiting_ms: 0.0,
                    url: None,
                    pages: 0,
                };
                tracks.insert(
                    *task,
                    Track {
                        detail,
                        spawned_ms: t,
                        ended_ms: None,
                        poll_started: None,
                        ready_since: Some(t),
                        rewoken: false,
                    },
                );
            }
            EventKind::Wake { task, by, .. } => {
                if let Some(tr) = tracks.get_mut(task) {
                    let d = &mut tr.detail;
                    d.wakes += 1;
                    if *by == WakeCause::SelfWake {
                        d.self_wakes += 1;
                    }
                    *d.woken_by.entry(cause_name(by)).or_default() += 1;
                    d.last_woken_by = Some(*by);
                    match d.state {
                        TaskState::Waiting => {
                            d.state = TaskState::Ready;
                            tr.ready_since = Some(t);
                        }
                        TaskState::Running => tr.rewoken = true,
                        _ => {}
                    }
                }
            }
            EventKind::PollStart { task } => {
                if let Some(tr) = tracks.get_mut(task) {
                    if let Some(since) = tr.ready_since.take() {
                        tr.detail.queued_ms += t - since;
                    }
                    tr.detail.state = TaskState::Running;
                    tr.detail.polls += 1;
                    tr.poll_started = Some(t);
                }
            }
            EventKind::PollEnd { task, ready, awaiting } => {
                if let Some(tr) = tracks.get_mut(task) {
                    if let Some(start) = tr.poll_started.take() {
                        tr.detail.running_ms += t - start;
                    }
                    // A wake during its own poll makes it ready again at once.
                    let woke_itself = std::mem::take(&mut tr.rewoken);
                    tr.detail.awaiting = *awaiting;
                    tr.detail.state = match (*ready, woke_itself) {
                        (true, _) => TaskState::Done,
                        (false, true) => TaskState::Ready,
                        (false, false) => TaskState::Waiting,
                    };
                    if woke_itself {
                        tr.ready_since = Some(t);
                    }
                }
            }
            EventKind::TaskExited { task, cancelled } => {
                if let Some(tr) = tracks.get_mut(task) {
                    tr.ended_ms = Some(t);
                    tr.ready_since = None;
                    tr.detail.state = if *cancelled { TaskState::Cancelled } else { TaskState::Done };
                    tr.detail.url = None;
                }
            }
            EventKind::QueueGet { task, url, .. } => {
                if let Some(tr) = tracks.get_mut(task) {
                    tr.detail.url = Some(url.clone());
                }
            }
            EventKind::TaskDone { task, .. } => {
                if let Some(tr) = tracks.get_mut(task) {
                    tr.detail.url = None;
                    tr.detail.pages += 1;
                }
            }
            _ => {}
        }
    }
    tracks
        .into_values()
        .map(|mut tr| {
            let end = tr.ended_ms.unwrap_or(now_ms);
            if let Some(start) = tr.poll_started {
                tr.detail.running_ms += end - start; // polled right now
            }
            if let Some(since) = tr.ready_since {
                tr.detail.queued_ms += end - since;
            }
            let d = &mut tr.detail;
            d.total_ms = (end - tr.spawned_ms).max(0.0);
            d.waiting_ms = (d.total_ms - d.running_ms - d.queued_ms).max(0.0);
            tr.detail
        })
        .collect()
}

/// What `task(idOrUrl)` shows: a task's detail and its events, or a page's
/// record, the task that processed it and its events (the last `limit`).
pub fn inspect(
    events: &[Event],
    now_ms: f64,
    pages: &[crate::report::PageReport],
    key: &str,
    limit: usize,
) -> Option<serde_json::Value> {
    fn tail(mut list: Vec<&Event>, limit: usize) -> Vec<&Event> {
        let skip = list.len().saturating_sub(limit);
        list.drain(..skip);
        list
    }
    if let Ok(id) = key.trim().parse::<TaskId>() {
        let detail = tasks_from_events(events, now_ms).into_iter().find(|t| t.task == id)?;
        let own = tail(events.iter().filter(|e| e.task() == Some(id)).collect(), limit);
        return Some(serde_json::json!({ "task": detail, "events": own }));
    }
    let page = pages.iter().find(|p| p.url == key || p.aliases.iter().any(|a| a == key))?;
    let about = tail(
        events.iter().filter(|e| e.is_about(&page.url) || page.aliases.iter().any(|a| e.is_about(a))).collect(),
        limit,
    );
    let processed_by = about.iter().find_map(|e| match e.kind {
        EventKind::QueueGet { task, .. } => Some(task),
        _ => None,
    });
    Some(serde_json::json!({ "page": page, "processedBy": processed_by, "events": about }))
}
