//! The hard cases a crawler meets, one page each, all listed on `special/`
//! (which the index does not link, so ordinary crawls and the oracle are
//! unaffected). Pages whose answer depends on how often they were asked
//! take the request's ordinal `nth` (0 = first).

use crate::{escape, render, Link, Node, Site};

/// The test server's `/robots.txt`: other robots may fetch nothing; the
/// group for `crawlscope` (the product token crawlscope matches) keeps it out
/// of `private/`, except `private/open` (longest match wins).
pub const ROBOTS_TXT: &str = "# crawlscope's test site
User-agent: *
Disallow: /

User-agent: crawlscope
Disallow: /private/
Disallow: /*/private/
Allow: /private/open
Allow: /*/private/open
";

/// Special pages by path (relative to the site's base).
pub const PAGES: [&str; 15] = [
    "drop",
    "slow",
    "flaky",
    "rate-limited",
    "charset/latin1",
    "charset/meta-sjis",
    "charset/bom-utf16",
    "charset/unknown-label",
    "binary",
    "loop-a",
    "calendar/2024-01",
    "private/secret",
    "private/open",
    "nofollow",
    "away",
];

/// How long `slow` takes, whatever the site's latency.
pub const SLOW_MS: u64 = 3_000;
/// `flaky` answers 503 this many times before a 200.
pub const FLAKY_FAILURES: u64 = 2;

fn raw(status: u16, content_type: &str, body: Vec<u8>) -> Node {
    Node::Raw { status, content_type: content_type.into(), body, retry_after: None, latency_ms: None }
}

fn page(title: &str, links: &[Link]) -> Vec<u8> {
    render(title, None, links).into_bytes()
}

pub(crate) fn node(site: &Site, rest: &str, nth: u64) -> Option<Node> {
    let b = &site.base;
    let html = "text/html; charset=utf-8";
    let to = |href: &str, target: &str| Link { href: href.into(), target: Some(format!("{b}{target}")) };
    Some(match rest {
        "robots.txt" if b == "/" => raw(200, "text/plain; charset=utf-8", ROBOTS_TXT.as_bytes().to_vec()),
        "special/" => {
            let links: Vec<Link> = PAGES.iter().map(|p| to(&format!("{b}{p}"), p)).collect();
            raw(200, html, page("Hard cases", &links))
        }
        "drop" => Node::Dropped,
        "slow" => Node::Raw {
            status: 200,
            content_type: html.into(),
            body: page("A slow page", &[site.page_link(1)]),
            retry_after: None,
            latency_ms: Some(SLOW_MS),
        },
        "flaky" if nth < FLAKY_FAILURES => raw(503, html, page("Try again", &[])),
        "flaky" => raw(200, html, page("Flaky, but up now", &[site.page_link(1)])),
        "rate-limited" if nth == 0 => Node::Raw {
            status: 429,
            content_type: html.into(),
            body: page("Too many requests", &[]),
            retry_after: Some(1),
            latency_ms: None,
        },
        "rate-limited" => raw(200, html, page("Thanks for waiting", &[site.page_link(1)])),
        // é is one byte (0xE9) in Latin-1; decoded as UTF-8 it would be U+FFFD.
        "charset/latin1" => {
            let mut body = b"<!doctype html><title>Caf\xe9</title><a href=\"caf\xe9\">caf\xe9</a>".to_vec();
            body.extend_from_slice(b"<a href=\"../page/1\">1</a>");
            raw(200, "text/html; charset=iso-8859-1", body)
        }
        "charset/caf%C3%A9" => raw(200, html, page("Café", &[])),
        // あ is 0x82 0xA0 in Shift_JIS; only <meta charset> says so.
        "charset/meta-sjis" => {
            let body = b"<!doctype html><meta charset=\"shift_jis\"><title>\x82\xa0</title><a href=\"\x82\xa0\">x</a>"
                .to_vec();
            raw(200, "text/html", body)
        }
        "charset/%E3%81%82" => raw(200, html, page("あ", &[])),
        // A byte order mark beats every label.
        "charset/bom-utf16" => {
            let text = format!("<!doctype html><title>UTF-16</title><a href=\"{}page/2\">2</a>", escape(b));
            let mut body = vec![0xFF, 0xFE];
            body.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            raw(200, "text/html; charset=windows-1252", body)
        }
        "charset/unknown-label" => {
            raw(200, "text/html; charset=x-no-such-charset", page("Unknown label", &[site.page_link(3)]))
        }
        "binary" => {
            let mut state = 0x2545_F491_4F6C_DD1D_u64;
            let body = (0..4096)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    state as u8
                })
                .collect();
            raw(200, html, body)
        }
        // Off the host: out of scope for a crawl rooted at 127.0.0.1.
        "away" => Node::Redirect { status: 302, to: "http://localhost/elsewhere".into() },
        "loop-a" => Node::Redirect { status: 302, to: format!("{b}loop-b") },
        "loop-b" => Node::Redirect { status: 302, to: format!("{b}loop-a") },
        "private/secret" => raw(200, html, page("Disallowed by robots.txt", &[])),
        "private/open" => raw(200, html, page("Allowed by the longer Allow rule", &[])),
        "nofollow" => {
            let body = format!(
                "<!doctype html><title>nofollow</title><a rel=\"nofollow\" href=\"{b}page/4\">4</a><a href=\"{b}page/5\">5</a>"
            );
            raw(200, html, body.into_bytes())
        }
        _ => return calendar(site, rest),
    })
}

/// An endless calendar: every month links to the next and the previous.
fn calendar(site: &Site, rest: &str) -> Option<Node> {
    let month = rest.strip_prefix("calendar/")?;
    let (year, m) = month.split_once('-')?;
    let (year, m): (i32, u32) = (year.parse().ok()?, m.parse().ok()?);
    if !(1..=12).contains(&m) || month != format!("{year:04}-{m:02}") {
        return None;
    }
    let shift = |d: i32| {
        let index = year * 12 + m as i32 - 1 + d;
        format!("{:04}-{:02}", index.div_euclid(12), index.rem_euclid(12) + 1)
    };
    let b = &site.base;
    let links: Vec<Link> = [shift(-1), shift(1)]
        .iter()
        .map(|target| Link { href: format!("{b}calendar/{target}"), target: Some(format!("{b}calendar/{target}")) })
        .collect();
    Some(Node::Raw {
        status: 200,
        content_type: "text/html; charset=utf-8".into(),
        body: render(&format!("Calendar {month}"), None, &links).into_bytes(),
        retry_after: None,
        latency_ms: None,
    })
}
