//! Per-host politeness: at most `perHostConcurrency` requests in flight to
//! one host, and `delayMs` between the starts of two requests to it.
//!
//! A task over the cap waits here — visibly: it is *waiting for a connection
//! slot*, not downloading. (The browser has its own cap, 6 HTTP/1.1
//! connections per host; past it, requests queue inside the browser where
//! no page can see them, which is why the default here is 6.)

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::future::{poll_fn, Future};
use std::rc::Rc;
use std::task::{Poll, Waker};

pub struct Politeness {
    per_host: usize,
    delay_ms: f64,
    hosts: RefCell<HashMap<String, Host>>,
    next_ticket: std::cell::Cell<u64>,
}

#[derive(Default)]
struct Host {
    in_flight: usize,
    /// Engine time before which no new request may start.
    next_start: f64,
    /// Waiting tickets, first come first served.
    line: VecDeque<(u64, Option<Waker>)>,
}

/// Holds one of a host's slots; releasing it lets the next in line go.
pub struct Slot {
    politeness: Rc<Politeness>,
    host: String,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let waker = {
            let Ok(mut hosts) = self.politeness.hosts.try_borrow_mut() else { return };
            let Some(host) = hosts.get_mut(&self.host) else { return };
            host.in_flight = host.in_flight.saturating_sub(1);
            host.line.front_mut().and_then(|(_, w)| w.take())
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

/// Removes a ticket from the line if the wait is abandoned (cancelled task).
struct Ticket {
    politeness: Rc<Politeness>,
    host: String,
    id: u64,
    done: bool,
}

impl Drop for Ticket {
    fn drop(&mut self) {
        if self.done {
            return;
        }
        let waker = {
            let Ok(mut hosts) = self.politeness.hosts.try_borrow_mut() else { return };
            let Some(host) = hosts.get_mut(&self.host) else { return };
            host.line.retain(|(id, _)| *id != self.id);
            let free = host.in_flight < self.politeness.per_host;
            if free {
                host.line.front_mut().and_then(|(_, w)| w.take())
            } else {
                None
            }
        };
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

impl Politeness {
    pub fn new(per_host: usize, delay_ms: u32) -> Rc<Politeness> {
        Rc::new(Politeness {
            per_host: per_host.max(1),
            delay_ms: f64::from(delay_ms),
            hosts: RefCell::new(HashMap::new()),
            next_ticket: std::cell::Cell::new(0),
        })
    }

    /// Whether a request to `host` would have to wait for a slot now.
    pub fn must_wait(&self, host: &str) -> bool {
        self.hosts.borrow().get(host).is_some_and(|h| h.in_flight >= self.per_host || !h.line.is_empty())
    }

    /// Wait for a slot to `host` (first come, first served), then for the
    /// politeness delay. The returned guard frees the slot when dropped.
    pub fn acquire(self: &Rc<Self>, host: &str) -> impl Future<Output = Slot> + 'static {
        let me = self.clone();
        let host = host.to_string();
        async move {
            let id = me.next_ticket.get();
            me.next_ticket.set(id + 1);
            me.hosts.borrow_mut().entry(host.clone()).or_default().line.push_back((id, None));
            let mut ticket = Ticket { politeness: me.clone(), host: host.clone(), id, done: false };
            poll_fn(|cx| {
                let mut hosts = me.hosts.borrow_mut();
                let entry = hosts.entry(host.clone()).or_default();
                let first = entry.line.front().is_some_and(|(t, _)| *t == id);
                if first && entry.in_flight < me.per_host {
                    entry.line.pop_front();
                    entry.in_flight += 1;
                    return Poll::Ready(());
                }
                if let Some((_, waker)) = entry.line.iter_mut().find(|(t, _)| *t == id) {
                    *waker = Some(cx.waker().clone());
                }
                Poll::Pending
            })
            .await;
            ticket.done = true;
            // The slot is ours; if the next in line can also go, let it.
            let next = {
                let mut hosts = me.hosts.borrow_mut();
                let entry = hosts.entry(host.clone()).or_default();
                if entry.in_flight < me.per_host {
                    entry.line.front_mut().and_then(|(_, w)| w.take())
                } else {
                    None
                }
            };
            if let Some(waker) = next {
                waker.wake();
            }
            Slot { politeness: me, host }
        }
    }

    /// Reserve the next start time for `host` at or after `now` (engine
    /// time); returns how long to wait before starting.
    pub fn reserve_start(&self, host: &str, now: f64) -> f64 {
        if self.delay_ms <= 0.0 {
            return 0.0;
        }
        let mut hosts = self.hosts.borrow_mut();
        let entry = hosts.entry(host.to_string()).or_default();
        let start = entry.next_start.max(now);
        entry.next_start = start + self.delay_ms;
        start - now
    }
}
