//! Record and replay: a crawl's event log as a downloadable JSON file, and
//! an exact replay of it with no network — forward, back, or to step N.
//!
//! A *step* is one task poll, the unit of live stepping: step 0 is the state
//! before the first poll, step N the state right after the N-th poll ended.
//! Because the Report and the task details are folds over the log, the
//! state at any step is the fold of the log's prefix, and replaying a whole
//! log rebuilds exactly the live crawl's final state.
//!
//! Loaded logs are untrusted input: size-capped, version-checked and
//! validated, with a message that says what is wrong.

use crate::event::{Event, EventKind, TaskId};
use crate::lints::{Lint, LintFold};
use crate::report::{Report, ReportBuilder};
use crate::tasks::{tasks_from_events, TaskDetail};
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Identifies a crawlscope log file.
pub const LOG_FORMAT: &str = "crawlscope-log";
/// The newest log version this build reads and the one it writes.
/// Version 2: `tMs` is crawl time (pauses excluded) and each event also has
/// `wallMs`, the real time; robots.txt fetches have `fetchStart`/`fetchEnd`
/// (`robots: true`); a `put` is logged before the wake it causes. Version 1
/// (`tMs` was wall time, no `wallMs`) still loads and replays.
pub const LOG_VERSION: u64 = 2;
/// Larger logs are refused before parsing.
pub const MAX_LOG_BYTES: usize = 64 * 1024 * 1024;

/// The file format.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedLog {
    pub format: String,
    pub version: u64,
    /// The crawl's options, as given to the JS API.
    pub options: Value,
    pub events: Vec<Event>,
}

impl RecordedLog {
    pub fn new(options: Value, events: Vec<Event>) -> Self {
        RecordedLog { format: LOG_FORMAT.into(), version: LOG_VERSION, options, events }
    }

    /// Parse and validate a log file's text.
    pub fn parse(text: &str) -> Result<RecordedLog, String> {
        if text.len() > MAX_LOG_BYTES {
            return Err(format!(
                "this log is {:.1} MB; the limit is {} MB",
                text.len() as f64 / 1e6,
                MAX_LOG_BYTES / (1024 * 1024)
            ));
        }
        let value: Value =
            serde_json::from_str(text).map_err(|e| format!("not a crawlscope log: invalid JSON ({e})"))?;
        let format = value.get("format").and_then(Value::as_str);
        if format != Some(LOG_FORMAT) {
            return Err(format!("not a crawlscope log: `format` must be \"{LOG_FORMAT}\""));
        }
        match value.get("version").and_then(Value::as_u64) {
            Some(v) if v > LOG_VERSION => {
                return Err(format!(
                    "this log has version {v}, newer than this crawlscope reads ({LOG_VERSION}); open it with a newer crawlscope"
                ))
            }
            Some(v) if v >= 1 => {}
            _ => return Err("not a crawlscope log: `version` must be a whole number ≥ 1".into()),
        }
        let invalid = |e: String| format!("not a valid crawlscope log: {e}");
        let (Some(version), Some(options), Some(events)) =
            (value.get("version").and_then(Value::as_u64), value.get("options"), value.get("events"))
        else {
            return Err(invalid("it needs `options` and `events`".into()));
        };
        // Read by hand, not with serde's derive: see `crate::log::json`.
        let events = crate::log::json::events(events).map_err(invalid)?;
        let log = RecordedLog { format: LOG_FORMAT.into(), version, options: options.clone(), events };
        log.validate()?;
        Ok(log)
    }

    fn validate(&self) -> Result<(), String> {
        let mut last_t = f64::NEG_INFINITY;
        for (i, event) in self.events.iter().enumerate() {
            if event.seq != i as u64 {
                return Err(format!("event {i} has seq {} (the log must be complete and in order)", event.seq));
            }
            if !event.t_ms.is_finite() || event.t_ms < last_t {
                return Err(format!("event {i} has a time that is not finite or goes backwards"));
            }
            last_t = event.t_ms;
        }
        Ok(())
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_else(|e| format!("{{\"error\":\"serialisation failed: {e}\"}}"))
    }
}

/// A loaded log and a position in it.
pub struct Replay {
    log: RecordedLog,
    /// `bounds[n]`: how many events make up the state at step `n`.
    bounds: Vec<usize>,
    /// The current step.
    position: usize,
    /// The whole log's lints, folded once on first use: a lint depends only
    /// on the events up to its own, so a step's lints are a prefix of these.
    lints: std::cell::OnceCell<Vec<Lint>>,
}

impl Replay {
    /// Open a log at step 0.
    pub fn new(log: RecordedLog) -> Replay {
        let first_poll = log.events.iter().position(|e| matches!(e.kind, EventKind::PollStart { .. }));
        let mut bounds = vec![first_poll.unwrap_or(log.events.len())];
        for (i, event) in log.events.iter().enumerate() {
            if matches!(event.kind, EventKind::PollEnd { .. }) {
                bounds.push(i + 1);
            }
        }
        // Whatever follows the last poll (the final events) belongs to the last step.
        if let Some(last) = bounds.last_mut() {
            if first_poll.is_some() {
                *last = log.events.len();
            }
        }
        Replay { log, bounds, position: 0, lints: std::cell::OnceCell::new() }
    }

    /// Number of steps (polls) in the log.
    pub fn steps(&self) -> usize {
        self.bounds.len() - 1
    }

    pub fn position(&self) -> usize {
        self.position
    }

    /// Go to step `n` (clamped to the log); returns the step reached.
    pub fn seek(&mut self, n: usize) -> usize {
        self.position = n.min(self.steps());
        self.position
    }

    pub fn step_forward(&mut self) -> usize {
        self.seek(self.position + 1)
    }

    pub fn step_back(&mut self) -> usize {
        self.seek(self.position.saturating_sub(1))
    }

    /// The events that make up the current state.
    pub fn events(&self) -> &[Event] {
        &self.log.events[..self.bounds[self.position]]
    }

    /// The task polled at the current step, if any.
    pub fn polled_task(&self) -> Option<TaskId> {
        self.events().iter().rev().find_map(|e| match e.kind {
            EventKind::PollStart { task } => Some(task),
            _ => None,
        })
    }

    pub fn report(&self) -> Report {
        ReportBuilder::from_events(self.events())
    }

    pub fn tasks(&self) -> Vec<TaskDetail> {
        let now = self.events().last().map_or(0.0, |e| e.t_ms);
        tasks_from_events(self.events(), now)
    }

    /// The lints raised up to the current step (see [`crate::lints`]).
    pub fn lints(&self) -> Vec<Lint> {
        self.lints_shown().to_vec()
    }

    /// How many lints are raised up to the current step.
    pub fn lint_count(&self) -> usize {
        self.lints_shown().len()
    }

    fn lints_shown(&self) -> &[Lint] {
        let shown = self.events().len() as u64;
        let all = self.lints.get_or_init(|| LintFold::of(&self.log.events));
        // Lints are raised in log order: the shown ones are a prefix.
        &all[..all.partition_point(|l| l.seq < shown)]
    }

    pub fn log(&self) -> &RecordedLog {
        &self.log
    }
}
