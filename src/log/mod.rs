//! The event log kept small: the engine emits [`EventKind`]s with owned
//! strings; the log interns every URL and repeated word once
//! ([`intern`]), stores each event in a few bytes ([`compact`]) in chunks
//! that never move ([`chunks`]), and folds the Report as each event
//! arrives. Readers get the events back exactly as emitted ([`EventLog::since`]);
//! a saved log's events are read back from JSON by [`json`].
//!
//! Why: a crawl logs about twenty events per page, most of them naming a
//! URL. Kept as emitted, the log of a 20,000-page crawl held that URL
//! twenty times over, and a browser tab paid for it.

pub mod chunks;
pub mod compact;
pub mod intern;
pub mod json;

use crate::event::{Event, EventKind};
use crate::report::ReportBuilder;
use crate::time::EngineClock;
use chunks::Chunked;
use compact::Compact;
use std::cell::RefCell;
use std::rc::Rc;

/// Stamps events with crawl time (the engine's clock) and wall time (the
/// environment's clock), and appends them.
pub struct Recorder {
    pub log: EventLog,
    clock: Rc<EngineClock>,
}

impl Recorder {
    pub fn new(clock: Rc<EngineClock>) -> Rc<Recorder> {
        Rc::new(Recorder { log: EventLog::new(clock.now_ms()), clock })
    }

    /// Append `kind`, stamped from one clock reading: the one held for the
    /// poll being run, when there is one ([`EngineClock::stamp`]).
    pub fn emit(&self, kind: EventKind) {
        let (t_ms, wall_ms) = self.clock.stamp();
        self.log.emit_at(t_ms, Some(wall_ms), kind);
    }

    /// Emit an instrumentation event (polls, wakes, steps): built and kept
    /// only with the `event-log` feature; the Report never needs them.
    #[inline]
    pub fn trace(&self, kind: impl FnOnce() -> EventKind) {
        #[cfg(feature = "event-log")]
        self.emit(kind());
        #[cfg(not(feature = "event-log"))]
        let _ = kind;
    }

    /// Crawl time since the crawl started (pauses excluded).
    pub fn elapsed_ms(&self) -> f64 {
        self.clock.now_ms() - self.log.origin_ms()
    }

    /// Time spent paused so far (wall time minus crawl time).
    pub fn paused_ms(&self) -> f64 {
        (self.clock.real_now_ms() - self.clock.now_ms()).max(0.0)
    }
}

/// The log of one crawl, with the report folded in as events arrive.
pub struct EventLog {
    inner: RefCell<LogInner>,
}

/// One kept event: its two times and its compact body (its position in
/// the log is its sequence number).
#[derive(Debug)]
struct Stored {
    stamp: Stamp,
    kind: Compact,
}

/// An event's two times in 12 bytes instead of 24: crawl time, and wall
/// time as the time paused so far (wall minus crawl time: 0 unless the
/// crawl was paused), an `f32` exact to well under a millisecond for any
/// pause a person makes. The wall time is rounded this way *before* the
/// report folds the event, so the live report, [`EventLog::since`] and a
/// saved log's replay all see the very same numbers.
#[derive(Clone, Copy, Debug)]
struct Stamp {
    t_ms: f64,
    /// NaN for none (a version-1 log has no wall time).
    paused: f32,
}

#[cfg_attr(not(feature = "event-log"), allow(dead_code))]
impl Stamp {
    fn new(t_ms: f64, wall_ms: Option<f64>) -> Stamp {
        Stamp { t_ms, paused: wall_ms.map_or(f32::NAN, |w| (w - t_ms) as f32) }
    }

    /// (crawl time, wall time) as stored.
    fn times(self) -> (f64, Option<f64>) {
        (self.t_ms, (!self.paused.is_nan()).then(|| self.t_ms + f64::from(self.paused)))
    }
}

struct LogInner {
    /// Every event, in order (empty without the `event-log` feature).
    events: Chunked<Stored>,
    /// Events emitted, kept or not.
    count: u64,
    /// Kept up to date by applying each event once, so `report()` is cheap.
    /// It owns the crawl's interned strings, which the log's events name.
    report: ReportBuilder,
    /// Clock reading at crawl start; event times are relative to it.
    origin_ms: f64,
}

impl EventLog {
    pub fn new(origin_ms: f64) -> Self {
        EventLog {
            inner: RefCell::new(LogInner {
                events: Chunked::default(),
                count: 0,
                report: ReportBuilder::default(),
                origin_ms,
            }),
        }
    }

    /// Append an event stamped with the clock reading `now_ms` (and no wall time).
    pub fn emit(&self, now_ms: f64, kind: EventKind) {
        self.emit_at(now_ms, None, kind);
    }

    /// Append an event stamped with the crawl-time reading `now_ms` and the
    /// real clock's reading `wall_ms` (both on the same origin).
    pub fn emit_at(&self, now_ms: f64, wall_ms: Option<f64>, kind: EventKind) {
        let mut inner = self.inner.borrow_mut();
        let origin = inner.origin_ms;
        let (t_ms, wall_ms) = (now_ms - origin, wall_ms.map(|w| w - origin));
        inner.count += 1;
        let kind = compact::compact(kind, inner.report.strings_mut());
        // Without the `event-log` feature the report is all that is kept.
        #[cfg(not(feature = "event-log"))]
        inner.report.apply(t_ms, wall_ms, &kind);
        #[cfg(feature = "event-log")]
        {
            let stamp = Stamp::new(t_ms, wall_ms);
            let (t_ms, wall_ms) = stamp.times();
            inner.report.apply(t_ms, wall_ms, &kind);
            inner.events.push(Stored { stamp, kind });
        }
    }

    /// Events from position `from` on (empty when `from` is past the end).
    pub fn since(&self, from: usize) -> Vec<Event> {
        self.range(from, usize::MAX)
    }

    /// At most `max` events from position `from` on: a reader that is far behind (the page after a
    /// busy second) catches up a slice at a time instead of in one long task.
    pub fn range(&self, from: usize, max: usize) -> Vec<Event> {
        let inner = self.inner.borrow();
        let strings = inner.report.strings();
        inner
            .events
            .iter_from(from)
            .zip(from..)
            .take(max)
            .map(|(stored, seq)| {
                let (t_ms, wall_ms) = stored.stamp.times();
                Event { seq: seq as u64, t_ms, wall_ms, kind: compact::expand(&stored.kind, strings) }
            })
            .collect()
    }

    /// Events emitted so far.
    pub fn len(&self) -> usize {
        self.inner.borrow().count as usize
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Clock reading at crawl start.
    pub fn origin_ms(&self) -> f64 {
        self.inner.borrow().origin_ms
    }

    /// The report as of the last event.
    pub fn report(&self) -> crate::report::Report {
        self.inner.borrow().report.build()
    }

    /// The report as of the last event, as JSON, written straight from the
    /// fold: no copy of every page is built first.
    pub fn report_json(&self) -> String {
        self.inner.borrow().report.to_json()
    }

    /// The report in parts (see [`ReportBuilder::head_json`]): everything
    /// but the pages, the number of pages, and pages `from..from + count`.
    pub fn report_head_json(&self) -> String {
        self.inner.borrow().report.head_json()
    }

    pub fn report_page_count(&self) -> usize {
        self.inner.borrow().report.page_count()
    }

    pub fn report_pages_json(&self, from: usize, count: usize) -> String {
        self.inner.borrow().report.pages_json(from, count)
    }
}
