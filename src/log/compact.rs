//! Events as the log keeps them: URLs and repeated words as interned ids,
//! the frequent kinds (polls, wakes, queue moves, fetches) inline in a few
//! bytes, the rare ones boxed whole. [`compact`] and [`expand`] convert
//! losslessly, so what the page reads and what a saved log holds are the
//! same events the engine emitted.

use super::intern::{Id, Strings};
use crate::event::{AwaitPoint, EventKind, FetchResult, Outcome, TaskId, WakeCause};
use std::collections::BTreeMap;
use std::rc::Rc;

/// One event of the log, compact. Small on purpose: a crawl logs about
/// twenty per page, so every byte here is twenty bytes per page.
#[derive(Clone, Debug, PartialEq)]
pub enum Compact {
    PollStart {
        task: TaskId,
    },
    PollEnd {
        task: TaskId,
        ready: bool,
        awaiting: Option<AwaitPoint>,
    },
    Wake {
        task: TaskId,
        by: WakeCause,
        at: AwaitPoint,
    },
    Stepped {
        task: TaskId,
    },
    Paused,
    Resumed,
    JoinResolved,
    StopRequested,
    /// `parent` is [`NO_PARENT`] for a root (an `Option` would not fit the
    /// 20 bytes this enum takes in wasm); a put deeper than `u16::MAX` is
    /// kept whole, as [`Compact::Other`].
    QueuePut {
        url: Id,
        depth: u16,
        parent: Id,
        len: u32,
        unfinished: u32,
    },
    QueueGet {
        task: TaskId,
        url: Id,
        len: u32,
        unfinished: u32,
    },
    FetchStart {
        task: TaskId,
        url: Id,
        attempt: u32,
        robots: bool,
    },
    FetchEnd(Box<FetchEnd>),
    LinksFound(Box<Links>),
    PageEnd {
        url: Id,
        outcome: Outcome,
        error: Option<Box<str>>,
    },
    TaskDone {
        task: TaskId,
        url: Id,
        unfinished: u32,
    },
    /// Everything rare (crawl start, task spawns, redirects, robots.txt,
    /// retries, slot waits, CORS probes, the end) or large (an `extract`
    /// crawl's fields), kept as emitted.
    Other(Box<EventKind>),
}

/// A settled request.
#[derive(Clone, Debug, PartialEq)]
pub struct FetchEnd {
    pub task: TaskId,
    pub url: Id,
    pub attempt: u32,
    pub ms: f64,
    pub robots: bool,
    pub result: Fetched,
}

/// What the request gave.
#[derive(Clone, Debug, PartialEq)]
pub enum Fetched {
    Response {
        status: u16,
        final_url: Id,
        redirected: bool,
        /// A word id.
        content_type: Option<Id>,
        bytes: u64,
        truncated: bool,
    },
    Error(Box<str>),
}

/// A parsed page's links. `links` is shared with the report's record of
/// the page, so a link list is kept once however many folds read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Links {
    pub task: TaskId,
    pub url: Id,
    pub links: Rc<[Id]>,
    pub new: u32,
    /// (reason word id, count), in the order of the reasons' names.
    pub skipped: Box<[(Id, u32)]>,
    /// A word id.
    pub encoding: Id,
    pub encoding_note: Option<Box<str>>,
    pub canonical: Option<Id>,
}

/// A root's `parent` in [`Compact::QueuePut`].
pub const NO_PARENT: Id = Id::MAX;

/// Counts in the log are queue lengths: far below `u32::MAX` in any crawl
/// a browser can hold, and saturated rather than wrapped if ever not.
fn small(n: usize) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
}

/// The compact form of `kind`, interning its strings into `strings`.
pub fn compact(kind: EventKind, strings: &mut Strings) -> Compact {
    use EventKind as K;
    match kind {
        K::PollStart { task } => Compact::PollStart { task },
        K::PollEnd { task, ready, awaiting } => Compact::PollEnd { task, ready, awaiting },
        K::Wake { task, by, at } => Compact::Wake { task, by, at },
        K::Stepped { task } => Compact::Stepped { task },
        K::Paused => Compact::Paused,
        K::Resumed => Compact::Resumed,
        K::JoinResolved => Compact::JoinResolved,
        K::StopRequested => Compact::StopRequested,
        K::QueuePut { url, depth, parent, len, unfinished } => match u16::try_from(depth) {
            Ok(depth) => Compact::QueuePut {
                url: strings.urls.intern(&url),
                depth,
                parent: parent.map_or(NO_PARENT, |p| strings.urls.intern(&p)),
                len: small(len),
                unfinished: small(unfinished),
            },
            Err(_) => Compact::Other(Box::new(K::QueuePut { url, depth, parent, len, unfinished })),
        },
        K::QueueGet { task, url, len, unfinished } => {
            Compact::QueueGet { task, url: strings.urls.intern(&url), len: small(len), unfinished: small(unfinished) }
        }
        K::FetchStart { task, url, attempt, robots } => {
            Compact::FetchStart { task, url: strings.urls.intern(&url), attempt, robots }
        }
        K::FetchEnd { task, url, attempt, ms, result, robots } => {
            let result = match result {
                FetchResult::Response { status, final_url, redirected, content_type, bytes, truncated } => {
                    Fetched::Response {
                        status,
                        final_url: strings.urls.intern(&final_url),
                        redirected,
                        content_type: content_type.map(|t| strings.words.intern(&t)),
                        bytes: bytes as u64,
                        truncated,
                    }
                }
                FetchResult::Error { error } => Fetched::Error(error.into()),
            };
            Compact::FetchEnd(Box::new(FetchEnd { task, url: strings.urls.intern(&url), attempt, ms, robots, result }))
        }
        K::LinksFound { task, url, links, new, skipped, encoding, encoding_note, canonical } => {
            Compact::LinksFound(Box::new(Links {
                task,
                url: strings.urls.intern(&url),
                links: links.iter().map(|l| strings.urls.intern(l)).collect(),
                new: small(new),
                skipped: skipped.iter().map(|(reason, n)| (strings.words.intern(reason), small(*n))).collect(),
                encoding: strings.words.intern(&encoding),
                encoding_note: encoding_note.map(String::into_boxed_str),
                canonical: canonical.map(|c| strings.urls.intern(&c)),
            }))
        }
        K::PageEnd { url, outcome, error } => {
            Compact::PageEnd { url: strings.urls.intern(&url), outcome, error: error.map(String::into_boxed_str) }
        }
        K::TaskDone { task, url, unfinished } => {
            Compact::TaskDone { task, url: strings.urls.intern(&url), unfinished: small(unfinished) }
        }
        other => Compact::Other(Box::new(other)),
    }
}

/// The event `compact` was made from.
pub fn expand(event: &Compact, strings: &Strings) -> EventKind {
    use EventKind as K;
    let url = |id: Id| strings.urls.text(id).to_string();
    let word = |id: Id| strings.words.text(id).to_string();
    match event {
        Compact::PollStart { task } => K::PollStart { task: *task },
        Compact::PollEnd { task, ready, awaiting } => K::PollEnd { task: *task, ready: *ready, awaiting: *awaiting },
        Compact::Wake { task, by, at } => K::Wake { task: *task, by: *by, at: *at },
        Compact::Stepped { task } => K::Stepped { task: *task },
        Compact::Paused => K::Paused,
        Compact::Resumed => K::Resumed,
        Compact::JoinResolved => K::JoinResolved,
        Compact::StopRequested => K::StopRequested,
        Compact::QueuePut { url: u, depth, parent, len, unfinished } => K::QueuePut {
            url: url(*u),
            depth: u32::from(*depth),
            parent: (*parent != NO_PARENT).then(|| url(*parent)),
            len: *len as usize,
            unfinished: *unfinished as usize,
        },
        Compact::QueueGet { task, url: u, len, unfinished } => {
            K::QueueGet { task: *task, url: url(*u), len: *len as usize, unfinished: *unfinished as usize }
        }
        Compact::FetchStart { task, url: u, attempt, robots } => {
            K::FetchStart { task: *task, url: url(*u), attempt: *attempt, robots: *robots }
        }
        Compact::FetchEnd(end) => K::FetchEnd {
            task: end.task,
            url: url(end.url),
            attempt: end.attempt,
            ms: end.ms,
            robots: end.robots,
            result: match &end.result {
                Fetched::Response { status, final_url, redirected, content_type, bytes, truncated } => {
                    FetchResult::Response {
                        status: *status,
                        final_url: url(*final_url),
                        redirected: *redirected,
                        content_type: content_type.map(word),
                        bytes: usize::try_from(*bytes).unwrap_or(usize::MAX),
                        truncated: *truncated,
                    }
                }
                Fetched::Error(error) => FetchResult::Error { error: error.to_string() },
            },
        },
        Compact::LinksFound(found) => K::LinksFound {
            task: found.task,
            url: url(found.url),
            links: found.links.iter().map(|&l| url(l)).collect(),
            new: found.new as usize,
            skipped: found.skipped.iter().map(|&(reason, n)| (word(reason), n as usize)).collect::<BTreeMap<_, _>>(),
            encoding: word(found.encoding),
            encoding_note: found.encoding_note.as_deref().map(String::from),
            canonical: found.canonical.map(url),
        },
        Compact::PageEnd { url: u, outcome, error } => {
            K::PageEnd { url: url(*u), outcome: *outcome, error: error.as_deref().map(String::from) }
        }
        Compact::TaskDone { task, url: u, unfinished } => {
            K::TaskDone { task: *task, url: url(*u), unfinished: *unfinished as usize }
        }
        Compact::Other(kind) => (**kind).clone(),
    }
}

// The point of this enum is its size: keep it at 20 bytes in wasm32 (five
// words), or every event of every crawl grows.
#[cfg(target_pointer_width = "32")]
const _: () = assert!(std::mem::size_of::<Compact>() <= 20);
