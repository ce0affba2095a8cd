//! A saved log's events read back from JSON, by hand.
//!
//! Events are written with serde's derive ([`RecordedLog::to_json`]) and
//! read here, field by field, from the parsed [`Value`]. Why not the derive
//! both ways: [`Event`] is an internally tagged enum (`"type": "fetchEnd"`)
//! flattened into its envelope, and serde reads such a shape by buffering
//! every event into its private `Content` tree and deserialising each
//! variant from that. That machinery, instantiated for every variant, was
//! ~120 KB of the wasm's code (45 KB of its gzip) for a path that runs only
//! when a learner opens a saved log. The derive stays as this reader's
//! oracle (`tests` below): both must read every event the same.
//!
//! The reading rules are serde's defaults: unknown fields are ignored; a
//! missing (or `null`) `Option` field is `None`; a missing `robots` or
//! `hops` is `false` or `[]` (present, it must be a boolean or a list).
//! Refused on purpose, though serde would take them: the shapes no
//! crawlscope ever writes (a variant given by its number, an enum as a
//! one-key object, a struct as an array). A message says which event and
//! which field is wrong.
//!
//! [`RecordedLog::to_json`]: crate::replay::RecordedLog::to_json

use crate::env::Hop;
use crate::event::{AwaitPoint, EndReason, Event, EventKind, FetchResult, Outcome, WakeCause};
use crate::extract::{FieldValue, Fields};
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// Every event of a log's `events` array; the error names the first bad one.
pub fn events(value: &Value) -> Result<Vec<Event>, String> {
    let Some(items) = value.as_array() else {
        return Err("`events` must be an array".into());
    };
    items.iter().enumerate().map(|(i, item)| event(item).map_err(|e| format!("event {i}: {e}"))).collect()
}

/// One event: its envelope (`seq`, `tMs`, `wallMs`) and its kind.
pub fn event(value: &Value) -> Result<Event, String> {
    let o = Obj::new(value, "an event")?;
    Ok(Event { seq: o.u64("seq")?, t_ms: o.f64("tMs")?, wall_ms: o.opt("wallMs", Obj::f64)?, kind: kind(&o)? })
}

/// The `type` tag and the fields that go with it.
fn kind(o: &Obj) -> Result<EventKind, String> {
    use EventKind::*;
    let tag = o.string("type")?;
    let task = || o.u32("task");
    let url = || o.string("url");
    Ok(match tag.as_str() {
        "crawlStarted" => CrawlStarted { roots: o.strings("roots")?, max_tasks: o.usize("maxTasks")? },
        "taskSpawned" => TaskSpawned { task: task()?, name: o.string("name")? },
        "pollStart" => PollStart { task: task()? },
        "pollEnd" => PollEnd { task: task()?, ready: o.bool("ready")?, awaiting: o.opt("awaiting", await_point)? },
        "wake" => Wake { task: task()?, by: wake_cause(o.get("by")?)?, at: await_point(o, "at")? },
        "taskExited" => TaskExited { task: task()?, cancelled: o.bool("cancelled")? },
        "paused" => Paused,
        "resumed" => Resumed,
        "timeSkipped" => TimeSkipped { ms: o.f64("ms")? },
        "stepped" => Stepped { task: task()? },
        "queuePut" => QueuePut {
            url: url()?,
            depth: o.u32("depth")?,
            parent: o.opt("parent", Obj::string)?,
            len: o.usize("len")?,
            unfinished: o.usize("unfinished")?,
        },
        "queueGet" => QueueGet { task: task()?, url: url()?, len: o.usize("len")?, unfinished: o.usize("unfinished")? },
        "fetchStart" => FetchStart {
            task: task()?,
            url: url()?,
            attempt: o.u32("attempt")?,
            robots: o.or_default("robots", Obj::bool)?,
        },
        "fetchEnd" => FetchEnd {
            task: task()?,
            url: url()?,
            attempt: o.u32("attempt")?,
            ms: o.f64("ms")?,
            result: fetch_result(o.get("result")?)?,
            robots: o.or_default("robots", Obj::bool)?,
        },
        "redirected" => Redirected {
            task: task()?,
            from: o.string("from")?,
            to: o.string("to")?,
            coalesced: o.bool("coalesced")?,
            in_scope: o.bool("inScope")?,
            hops: o.or_default("hops", hops)?,
        },
        "linksFound" => LinksFound {
            task: task()?,
            url: url()?,
            links: o.strings("links")?,
            new: o.usize("new")?,
            skipped: counts(o.get("skipped")?)?,
            encoding: o.string("encoding")?,
            encoding_note: o.opt("encodingNote", Obj::string)?,
            canonical: o.opt("canonical", Obj::string)?,
        },
        "fieldsFound" => FieldsFound { task: task()?, url: url()?, fields: fields(o.get("fields")?)? },
        "slotWait" => SlotWait { task: task()?, url: url()?, host: o.string("host")? },
        "retryScheduled" => RetryScheduled {
            task: task()?,
            url: url()?,
            attempt: o.u32("attempt")?,
            delay_ms: o.f64("delayMs")?,
            reason: o.string("reason")?,
        },
        "robotsFetched" => RobotsFetched {
            task: task()?,
            origin: o.string("origin")?,
            status: o.opt("status", Obj::u16)?,
            rules: o.string("rules")?,
            error: o.opt("error", Obj::string)?,
        },
        "corsProbed" => CorsProbed {
            task: task()?,
            url: url()?,
            origin: o.string("origin")?,
            opaque: o.bool("opaque")?,
            ms: o.f64("ms")?,
        },
        "pageEnd" => PageEnd { url: url()?, outcome: outcome(o)?, error: o.opt("error", Obj::string)? },
        "taskDone" => TaskDone { task: task()?, url: url()?, unfinished: o.usize("unfinished")? },
        "joinResolved" => JoinResolved,
        "stopRequested" => StopRequested,
        "workersCancelled" => WorkersCancelled { tasks: o.u32("tasks")? },
        "finished" => Finished { elapsed_ms: o.f64("elapsedMs")?, reason: end_reason(o)? },
        other => return Err(format!("unknown event type `{other}`")),
    })
}

fn await_point(o: &Obj, key: &str) -> Result<AwaitPoint, String> {
    use AwaitPoint::*;
    Ok(match o.string(key)?.as_str() {
        "queueGet" => QueueGet,
        "join" => Join,
        "stop" => Stop,
        "fetch" => Fetch,
        "bodyRead" => BodyRead,
        "timer" => Timer,
        "hostSlot" => HostSlot,
        "yield" => Yield,
        other => return Err(format!("`{key}`: unknown await point `{other}`")),
    })
}

fn wake_cause(value: &Value) -> Result<WakeCause, String> {
    let o = Obj::new(value, "`by`")?;
    Ok(match o.string("kind")?.as_str() {
        "task" => WakeCause::Task { task: o.u32("task")? },
        "selfWake" => WakeCause::SelfWake,
        "network" => WakeCause::Network,
        "timer" => WakeCause::Timer,
        "external" => WakeCause::External,
        other => return Err(format!("`by`: unknown wake cause `{other}`")),
    })
}

fn fetch_result(value: &Value) -> Result<FetchResult, String> {
    let o = Obj::new(value, "`result`")?;
    Ok(match o.string("kind")?.as_str() {
        "response" => FetchResult::Response {
            status: o.u16("status")?,
            final_url: o.string("finalUrl")?,
            redirected: o.bool("redirected")?,
            content_type: o.opt("contentType", Obj::string)?,
            bytes: o.usize("bytes")?,
            truncated: o.bool("truncated")?,
        },
        "error" => FetchResult::Error { error: o.string("error")? },
        other => return Err(format!("`result`: unknown kind `{other}`")),
    })
}

fn outcome(o: &Obj) -> Result<Outcome, String> {
    use Outcome::*;
    Ok(match o.string("outcome")?.as_str() {
        "done" => Done,
        "failed" => Failed,
        "alias" => Alias,
        "skipped (redirect out of scope)" => OffScope,
        "skipped (redirect excluded)" => RedirectExcluded,
        "skipped (robots.txt)" => Robots,
        "not crawled (stopped)" => Stopped,
        other => return Err(format!("`outcome`: unknown outcome `{other}`")),
    })
}

fn end_reason(o: &Obj) -> Result<EndReason, String> {
    use EndReason::*;
    Ok(match o.string("reason")?.as_str() {
        "complete" => Complete,
        "stopped" => Stopped,
        "maxPages" => MaxPages,
        "rootsFailed" => RootsFailed,
        other => return Err(format!("`reason`: unknown end reason `{other}`")),
    })
}

fn hops(o: &Obj, key: &str) -> Result<Vec<Hop>, String> {
    let Some(items) = o.get(key)?.as_array() else {
        return Err(format!("`{key}` must be an array"));
    };
    items
        .iter()
        .map(|item| {
            let h = Obj::new(item, "a hop")?;
            Ok(Hop { url: h.string("url")?, status: h.u16("status")?, to: h.string("to")? })
        })
        .collect()
}

fn counts(value: &Value) -> Result<BTreeMap<String, usize>, String> {
    let o = Obj::new(value, "`skipped`")?;
    o.map.keys().map(|k| Ok((k.clone(), o.usize(k)?))).collect()
}

/// `extract`'s fields: a list of strings (a `[]` field), else a string or `null`.
fn fields(value: &Value) -> Result<Fields, String> {
    let o = Obj::new(value, "`fields`")?;
    o.map
        .iter()
        .map(|(name, v)| {
            let value = match v {
                Value::Null => FieldValue::First(None),
                Value::String(s) => FieldValue::First(Some(s.clone())),
                Value::Array(_) => FieldValue::All(o.strings(name)?),
                _ => return Err(format!("field `{name}` must be a string, null or a list of strings")),
            };
            Ok((name.clone(), value))
        })
        .collect()
}

/// A JSON object and typed reads of its fields, each error naming the field.
struct Obj<'a> {
    map: &'a Map<String, Value>,
}

impl<'a> Obj<'a> {
    /// `what` names the value in the message when it is not an object.
    fn new(value: &'a Value, what: &str) -> Result<Obj<'a>, String> {
        value.as_object().map(|map| Obj { map }).ok_or_else(|| format!("{what} must be an object"))
    }

    fn get(&self, key: &str) -> Result<&'a Value, String> {
        self.map.get(key).ok_or_else(|| format!("missing field `{key}`"))
    }

    /// `None` when the field is missing or `null`, else `read` of it.
    fn opt<T>(&self, key: &str, read: impl Fn(&Self, &str) -> Result<T, String>) -> Result<Option<T>, String> {
        match self.map.get(key) {
            None | Some(Value::Null) => Ok(None),
            Some(_) => read(self, key).map(Some),
        }
    }

    fn string(&self, key: &str) -> Result<String, String> {
        self.get(key)?.as_str().map(str::to_owned).ok_or_else(|| format!("`{key}` must be a string"))
    }

    fn strings(&self, key: &str) -> Result<Vec<String>, String> {
        let items = self.get(key)?.as_array().ok_or_else(|| format!("`{key}` must be a list of strings"))?;
        items
            .iter()
            .map(|v| v.as_str().map(str::to_owned).ok_or_else(|| format!("`{key}` must be a list of strings")))
            .collect()
    }

    fn bool(&self, key: &str) -> Result<bool, String> {
        self.get(key)?.as_bool().ok_or_else(|| format!("`{key}` must be true or false"))
    }

    /// `T::default()` when the field is missing (serde's `#[serde(default)]`:
    /// written only when not the default), else `read` of it, `null` refused.
    fn or_default<T: Default>(&self, key: &str, read: impl Fn(&Self, &str) -> Result<T, String>) -> Result<T, String> {
        match self.map.get(key) {
            None => Ok(T::default()),
            Some(_) => read(self, key),
        }
    }

    fn f64(&self, key: &str) -> Result<f64, String> {
        self.get(key)?.as_f64().ok_or_else(|| format!("`{key}` must be a number"))
    }

    fn u64(&self, key: &str) -> Result<u64, String> {
        self.get(key)?.as_u64().ok_or_else(|| format!("`{key}` must be a whole number ≥ 0"))
    }

    fn u32(&self, key: &str) -> Result<u32, String> {
        u32::try_from(self.u64(key)?).map_err(|_| format!("`{key}` is too large"))
    }

    fn u16(&self, key: &str) -> Result<u16, String> {
        u16::try_from(self.u64(key)?).map_err(|_| format!("`{key}` is too large"))
    }

    fn usize(&self, key: &str) -> Result<usize, String> {
        usize::try_from(self.u64(key)?).map_err(|_| format!("`{key}` is too large"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    /// One event of every kind, with optional fields both set and unset.
    fn every_kind() -> Vec<EventKind> {
        use EventKind::*;
        let skipped = BTreeMap::from([("scope".to_string(), 2), ("duplicate".to_string(), 5)]);
        let fields = Fields::from([
            ("title".to_string(), FieldValue::First(Some("Hi".into()))),
            ("h1".to_string(), FieldValue::First(None)),
            ("nav".to_string(), FieldValue::All(vec!["/a".into(), "/b".into()])),
            ("none".to_string(), FieldValue::All(vec![])),
        ]);
        let response = FetchResult::Response {
            status: 200,
            final_url: "http://a/x".into(),
            redirected: true,
            content_type: Some("text/html".into()),
            bytes: 1234,
            truncated: false,
        };
        let mut kinds = vec![
            CrawlStarted { roots: vec!["http://a/".into()], max_tasks: 3 },
            TaskSpawned { task: 0, name: "worker 0".into() },
            PollStart { task: 1 },
            PollEnd { task: 1, ready: false, awaiting: Some(AwaitPoint::HostSlot) },
            PollEnd { task: 1, ready: true, awaiting: None },
            TaskExited { task: 2, cancelled: true },
            Paused,
            Resumed,
            TimeSkipped { ms: 12.5 },
            Stepped { task: 0 },
            QueuePut { url: "http://a/".into(), depth: 0, parent: None, len: 1, unfinished: 1 },
            QueuePut { url: "http://a/b".into(), depth: 1, parent: Some("http://a/".into()), len: 2, unfinished: 3 },
            QueueGet { task: 0, url: "http://a/".into(), len: 0, unfinished: 1 },
            FetchStart { task: 0, url: "http://a/robots.txt".into(), attempt: 1, robots: true },
            FetchStart { task: 0, url: "http://a/".into(), attempt: 2, robots: false },
            FetchEnd { task: 0, url: "http://a/".into(), attempt: 1, ms: 3.25, result: response, robots: false },
            FetchEnd {
                task: 0,
                url: "http://a/robots.txt".into(),
                attempt: 1,
                ms: 0.1,
                result: FetchResult::Error { error: "network error".into() },
                robots: true,
            },
            Redirected {
                task: 0,
                from: "http://a/r".into(),
                to: "http://a/x".into(),
                coalesced: false,
                in_scope: true,
                hops: vec![],
            },
            Redirected {
                task: 1,
                from: "http://a/r".into(),
                to: "http://b/".into(),
                coalesced: true,
                in_scope: false,
                hops: vec![Hop { url: "http://a/r".into(), status: 301, to: "http://b/".into() }],
            },
            LinksFound {
                task: 0,
                url: "http://a/".into(),
                links: vec!["http://a/b".into()],
                new: 1,
                skipped,
                encoding: "UTF-8".into(),
                encoding_note: Some("malformed bytes".into()),
                canonical: Some("http://a/".into()),
            },
            LinksFound {
                task: 0,
                url: "http://a/c".into(),
                links: vec![],
                new: 0,
                skipped: BTreeMap::new(),
                encoding: "windows-1252".into(),
                encoding_note: None,
                canonical: None,
            },
            FieldsFound { task: 0, url: "http://a/".into(), fields },
            SlotWait { task: 2, url: "http://a/s".into(), host: "a".into() },
            RetryScheduled {
                task: 2,
                url: "http://a/s".into(),
                attempt: 1,
                delay_ms: 250.0,
                reason: "status 503".into(),
            },
            RobotsFetched {
                task: 0,
                origin: "http://a".into(),
                status: Some(404),
                rules: "allowAll".into(),
                error: None,
            },
            RobotsFetched {
                task: 0,
                origin: "http://b".into(),
                status: None,
                rules: "allowAll".into(),
                error: Some("x".into()),
            },
            CorsProbed { task: 1, url: "http://c/".into(), origin: "http://c".into(), opaque: true, ms: 4.0 },
            TaskDone { task: 0, url: "http://a/".into(), unfinished: 0 },
            JoinResolved,
            StopRequested,
            WorkersCancelled { tasks: 3 },
        ];
        for by in [
            WakeCause::Task { task: 4 },
            WakeCause::SelfWake,
            WakeCause::Network,
            WakeCause::Timer,
            WakeCause::External,
        ] {
            kinds.push(Wake { task: 1, by, at: AwaitPoint::Fetch });
        }
        for at in [
            AwaitPoint::QueueGet,
            AwaitPoint::Join,
            AwaitPoint::Stop,
            AwaitPoint::BodyRead,
            AwaitPoint::Timer,
            AwaitPoint::Yield,
        ] {
            kinds.push(Wake { task: 1, by: WakeCause::Network, at });
        }
        for outcome in [
            Outcome::Done,
            Outcome::Failed,
            Outcome::Alias,
            Outcome::OffScope,
            Outcome::RedirectExcluded,
            Outcome::Robots,
            Outcome::Stopped,
        ] {
            kinds.push(PageEnd { url: "http://a/".into(), outcome, error: Some("e".into()) });
        }
        kinds.push(PageEnd { url: "http://a/".into(), outcome: Outcome::Done, error: None });
        for reason in [EndReason::Complete, EndReason::Stopped, EndReason::MaxPages, EndReason::RootsFailed] {
            kinds.push(Finished { elapsed_ms: 99.0, reason });
        }
        kinds
    }

    /// Each kind's number. No wildcard: a new kind of event does not
    /// compile until it is numbered here, and then the test below fails
    /// until [`every_kind`] (and so the reader) has it.
    fn ordinal(kind: &EventKind) -> usize {
        use EventKind::*;
        match kind {
            CrawlStarted { .. } => 0,
            TaskSpawned { .. } => 1,
            PollStart { .. } => 2,
            PollEnd { .. } => 3,
            Wake { .. } => 4,
            TaskExited { .. } => 5,
            Paused => 6,
            Resumed => 7,
            TimeSkipped { .. } => 8,
            Stepped { .. } => 9,
            QueuePut { .. } => 10,
            QueueGet { .. } => 11,
            FetchStart { .. } => 12,
            FetchEnd { .. } => 13,
            Redirected { .. } => 14,
            LinksFound { .. } => 15,
            FieldsFound { .. } => 16,
            SlotWait { .. } => 17,
            RetryScheduled { .. } => 18,
            RobotsFetched { .. } => 19,
            CorsProbed { .. } => 20,
            PageEnd { .. } => 21,
            TaskDone { .. } => 22,
            JoinResolved => 23,
            StopRequested => 24,
            WorkersCancelled { .. } => 25,
            Finished { .. } => 26,
        }
    }

    #[test]
    fn every_kind_lists_every_kind_of_event() {
        let listed: std::collections::BTreeSet<usize> = every_kind().iter().map(ordinal).collect();
        assert_eq!(listed, (0..=26).collect(), "every kind of event is read back in the test below");
    }

    fn serde_reads(value: &Value) -> Result<Event, serde_json::Error> {
        serde_json::from_value(value.clone())
    }

    #[test]
    fn every_kind_of_event_reads_back_as_written_and_as_serde_reads_it() {
        for (i, kind) in every_kind().into_iter().enumerate() {
            let wall_ms = if i % 2 == 0 { Some(i as f64 * 1.5) } else { None };
            let written = Event { seq: i as u64, t_ms: i as f64 + 0.125, wall_ms, kind };
            let value = serde_json::to_value(&written).expect("an event serialises");
            assert_eq!(event(&value).as_ref(), Ok(&written), "{value}");
            assert_eq!(serde_reads(&value).ok().as_ref(), Some(&written), "the oracle agrees: {value}");
        }
    }

    #[test]
    fn absent_optional_fields_and_unknown_fields_read_as_serde_reads_them() {
        let cases = [
            json!({"seq": 0, "tMs": 1, "type": "pollEnd", "task": 0, "ready": true, "extra": [1]}),
            json!({"seq": 0, "tMs": 1, "wallMs": null, "type": "queuePut", "url": "u", "depth": 0, "len": 1, "unfinished": 1}),
            json!({"seq": 0, "tMs": 1, "type": "fetchStart", "task": 0, "url": "u", "attempt": 1}),
            json!({"seq": 0, "tMs": 1, "type": "redirected", "task": 0, "from": "a", "to": "b", "coalesced": false, "inScope": true}),
        ];
        for value in cases {
            assert_eq!(event(&value).ok(), serde_reads(&value).ok(), "{value}");
            assert!(event(&value).is_ok(), "{value}");
        }
    }

    #[test]
    fn a_malformed_event_is_refused_as_serde_refuses_it_with_the_field_named() {
        let cases = [
            (json!([]), "must be an object"),
            (json!({"seq": 0, "tMs": 1, "type": "explode"}), "unknown event type `explode`"),
            (json!({"seq": -1, "tMs": 1, "type": "paused"}), "`seq`"),
            (json!({"seq": 0, "type": "paused"}), "missing field `tMs`"),
            (json!({"seq": 0, "tMs": "1", "type": "paused"}), "`tMs` must be a number"),
            (json!({"seq": 0, "tMs": 1, "type": "pollStart", "task": 4294967296u64}), "`task` is too large"),
            (json!({"seq": 0, "tMs": 1, "type": "pollEnd", "task": 0, "ready": true, "awaiting": "nap"}), "`awaiting`"),
            (json!({"seq": 0, "tMs": 1, "type": "wake", "task": 0, "by": {"kind": "ghost"}, "at": "fetch"}), "`by`"),
            (json!({"seq": 0, "tMs": 1, "type": "pageEnd", "url": "u", "outcome": "lost"}), "`outcome`"),
            (
                json!({"seq": 0, "tMs": 1, "type": "fieldsFound", "task": 0, "url": "u", "fields": {"a": 1}}),
                "field `a`",
            ),
            (
                json!({"seq": 0, "tMs": 1, "type": "fetchEnd", "task": 0, "url": "u", "attempt": 1, "ms": 1,
                    "result": {"kind": "response", "status": 70000}}),
                "`status` is too large",
            ),
            (
                json!({"seq": 0, "tMs": 1, "type": "fetchStart", "task": 0, "url": "u", "attempt": 1, "robots": null}),
                "`robots` must be true or false",
            ),
            (
                json!({"seq": 0, "tMs": 1, "type": "redirected", "task": 0, "from": "a", "to": "b",
                    "coalesced": false, "inScope": true, "hops": null}),
                "`hops` must be an array",
            ),
        ];
        for (value, message) in cases {
            let err = event(&value).expect_err("refused");
            assert!(err.contains(message), "{err:?} should say {message:?}");
            assert!(serde_reads(&value).is_err(), "the oracle refuses it too: {value}");
        }
        assert_eq!(events(&json!({})).unwrap_err(), "`events` must be an array");
        let second = events(&json!([{"seq": 0, "tMs": 0, "type": "paused"}, {"seq": 1, "type": "paused"}]));
        assert_eq!(second.unwrap_err(), "event 1: missing field `tMs`");
    }
}
