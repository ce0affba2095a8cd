//! robots.txt, per RFC 9309, with Google's matcher (the `robotstxt` crate):
//! the longest matching rule wins and `Allow` beats `Disallow` on a tie.
//!
//! The browser sets the User-Agent header and a page cannot change it, so
//! crawlscope matches groups against its own product token, `crawlscope`,
//! then `*`. Per origin, the file is fetched once; its status decides:
//! 2xx = its rules, 4xx = allow everything, 5xx or unreachable = disallow
//! everything (a robots.txt the browser may not read because it lacks CORS
//! headers is unreachable too). On by default for every host but loopback.
//!
//! The crate's parser and group selection are used as they are; its
//! wildcard matcher is not — in 0.3.0 a `*` that must span several path
//! segments (`/*/private/` against `/s/x/private/a`) never matches — so the
//! match strategy here is Google's longest-match rule over a correct matcher.

use crate::signal::Signal;
use robotstxt::matcher::{RobotsMatchStrategy, RobotsMatcher};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use url::{Host, Url};

/// The product token robots.txt groups are matched against.
pub const PRODUCT_TOKEN: &str = "crawlscope";

/// What one origin's robots.txt allows.
#[derive(Clone, Debug, PartialEq)]
pub enum Rules {
    AllowAll,
    DisallowAll,
    /// The file's text, matched per URL.
    Text(String),
}

impl Rules {
    /// From the outcome of fetching robots.txt: a status and its text, or none.
    pub fn from_response(status: Option<u16>, text: String) -> Rules {
        match status {
            Some(200..=299) => Rules::Text(text),
            Some(400..=499) => Rules::AllowAll,
            _ => Rules::DisallowAll,
        }
    }

    pub fn allows(&self, url: &Url) -> bool {
        match self {
            Rules::AllowAll => true,
            Rules::DisallowAll => false,
            Rules::Text(text) => {
                RobotsMatcher::<LongestMatch>::default().one_agent_allowed_by_robots(text, PRODUCT_TOKEN, url.as_str())
            }
        }
    }

    pub fn name(&self) -> &'static str {
        match self {
            Rules::AllowAll => "allowAll",
            Rules::DisallowAll => "disallowAll",
            Rules::Text(_) => "rules",
        }
    }
}

/// Google's strategy: a matching rule's priority is its length, so the
/// longest match wins (and `Allow` wins a tie, in the crate's matcher).
#[derive(Default)]
struct LongestMatch;

impl RobotsMatchStrategy for LongestMatch {
    fn match_allow(&self, path: &str, pattern: &str) -> i32 {
        if wildcard_match(path, pattern) {
            pattern.len() as i32
        } else {
            -1
        }
    }

    fn match_disallow(&self, path: &str, pattern: &str) -> i32 {
        if wildcard_match(path, pattern) {
            pattern.len() as i32
        } else {
            -1
        }
    }
}

/// RFC 9309 pattern match, anchored at the start of `path`: `*` matches any
/// sequence (slashes included), a final `$` anchors the end. Tracks the set
/// of path positions the pattern so far can end at: O(path × pattern), never
/// exponential, whatever a site writes.
fn wildcard_match(path: &str, pattern: &str) -> bool {
    let (path, pattern) = (path.as_bytes(), pattern.as_bytes());
    let mut live = vec![false; path.len() + 1];
    live[0] = true;
    for (i, &c) in pattern.iter().enumerate() {
        if c == b'$' && i + 1 == pattern.len() {
            return live[path.len()];
        }
        if c == b'*' {
            let Some(first) = live.iter().position(|&l| l) else { return false };
            live[first..].iter_mut().for_each(|l| *l = true);
            continue;
        }
        let mut next = vec![false; path.len() + 1];
        let mut any = false;
        for j in 0..path.len() {
            if live[j] && path[j] == c {
                next[j + 1] = true;
                any = true;
            }
        }
        if !any {
            return false;
        }
        live = next;
    }
    true
}

/// Whether robots.txt is obeyed for `url` under the `robots` option.
pub fn applies(option: Option<bool>, url: &Url) -> bool {
    option.unwrap_or_else(|| !is_loopback(url))
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d == "localhost" || d.ends_with(".localhost"),
        None => false,
    }
}

/// One origin's entry: set when known; the signal fires when it becomes known.
type Entry = (Signal, Option<Rc<Rules>>);

/// robots.txt per origin: fetched once, shared by every task.
#[derive(Default)]
pub struct RobotsCache {
    origins: RefCell<HashMap<String, Entry>>,
}

/// What a task should do about an origin's robots.txt.
pub enum Lookup {
    /// Known.
    Ready(Rc<Rules>),
    /// Another task is fetching it: wait for this signal, then look again.
    Wait(Signal),
    /// Nobody has it: the caller fetches it and calls [`RobotsCache::set`].
    Fetch,
}

impl RobotsCache {
    pub fn lookup(&self, origin: &str) -> Lookup {
        let mut origins = self.origins.borrow_mut();
        match origins.get(origin) {
            Some((_, Some(rules))) => Lookup::Ready(rules.clone()),
            Some((signal, None)) => Lookup::Wait(signal.clone()),
            None => {
                origins.insert(origin.to_string(), (Signal::new(), None));
                Lookup::Fetch
            }
        }
    }

    pub fn set(&self, origin: &str, rules: Rules) -> Rc<Rules> {
        let rules = Rc::new(rules);
        let signal = {
            let mut origins = self.origins.borrow_mut();
            let entry = origins.entry(origin.to_string()).or_insert_with(|| (Signal::new(), None));
            entry.1 = Some(rules.clone());
            entry.0.clone()
        };
        signal.set(); // after the borrow: waiters may run at once
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URLs are valid")
    }

    const FILE: &str =
        "User-agent: *\nDisallow: /\n\nUser-agent: crawlscope\nDisallow: /private/\nAllow: /private/open\n";

    #[test]
    fn our_group_is_chosen_and_the_longest_match_wins() {
        let rules = Rules::Text(FILE.into());
        assert!(rules.allows(&url("http://h/page/1")), "the * group does not apply to crawlscope");
        assert!(!rules.allows(&url("http://h/private/secret")));
        assert!(rules.allows(&url("http://h/private/open")), "the longer Allow wins");
    }

    #[test]
    fn status_decides_when_there_are_no_rules() {
        assert_eq!(Rules::from_response(Some(404), String::new()), Rules::AllowAll);
        assert_eq!(Rules::from_response(Some(503), String::new()), Rules::DisallowAll);
        assert_eq!(Rules::from_response(None, String::new()), Rules::DisallowAll, "unreachable (or CORS) = disallow");
    }

    #[test]
    fn on_by_default_except_for_loopback() {
        assert!(applies(None, &url("https://example.com/")));
        assert!(!applies(None, &url("http://127.0.0.1:8081/")));
        assert!(!applies(None, &url("http://localhost/")));
        assert!(applies(Some(true), &url("http://127.0.0.1/")));
    }

    #[test]
    fn odd_files_never_panic() {
        let odd = ["", "\u{0}\u{ffff}", "User-agent: crawlscope\nDisallow: /é*$$", "Allow:\nDisallow", "\r\r\n\n*"];
        for text in odd {
            let rules = Rules::Text(text.into());
            let _ = rules.allows(&url("http://h/%C3%A9?q=1"));
        }
    }

    #[test]
    fn wildcards_span_several_segments_and_dollar_anchors() {
        assert!(wildcard_match("/s/x/private/secret", "/*/private/"));
        assert!(wildcard_match("/google/robotstxt/tree/master", "/*/*/tree/master$"));
        assert!(!wildcard_match("/google/robotstxt/tree/master/abc", "/*/*/tree/master$"));
        assert!(!wildcard_match("/google/robotstxt/tree/abc", "/*/*/tree/master"));
        assert!(wildcard_match("/abc", "/") && !wildcard_match("/", "/abc"));
        assert!(wildcard_match("/a$b", "/a$b"), "a $ not at the end is literal");
        let rules = Rules::Text(FILE.replace("/private/", "/*/private/"));
        assert!(!rules.allows(&url("http://h/s/latency=0/private/secret")));
    }
}
