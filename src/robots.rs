//! robots.txt, per RFC 9309, with Google's matcher (the `robotstxt` crate):
//! the longest matching rule wins and `Allow` beats `Disallow` on a tie.
//!
//! The browser sets the User-Agent header and a page cannot change it, so
//! crawlscope matches groups against its own product token, `crawlscope`,
//! then `*`. Per origin, the file is fetched once; its status decides:
//! 2xx = its rules, 4xx = allow everything, 5xx or unreachable = disallow
//! everything (a robots.txt the browser may not read because it lacks CORS
//! headers is unreachable too). On by default for every host but loopback.

use crate::signal::Signal;
use robotstxt::DefaultMatcher;
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
                DefaultMatcher::default().one_agent_allowed_by_robots(text, PRODUCT_TOKEN, url.as_str())
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
}
