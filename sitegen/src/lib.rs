//! The deterministic site crawlscope's tests crawl, and the oracle for it.
//!
//! One model of the site answers two questions, so they cannot drift apart:
//!
//! * [`Site::respond`] — what does the server send for this path? (used by the
//!   native test server in `testsite/` and by the engine's in-memory fetcher);
//! * [`Site::expected`] — which pages must a strict crawl from the index find,
//!   with which status, aliases and links? (used by every test as the expected
//!   result, so no test hand-types page counts).
//!
//! Each page is described once as a list of [`Link`]s: the `href` exactly as
//! it is written into the HTML, and the absolute target the site's author
//! knows it must resolve to. The HTML is rendered from `href`; the oracle walks
//! `target`. A crawler that resolves URLs wrongly therefore disagrees with the
//! oracle instead of agreeing with itself.
//!
//! The site has, on purpose: a chain of pages so every page is reachable, a
//! seeded sprinkle of extra links, a link cycle back to the index, two pages
//! redirecting to one target (301 and 302), a two-hop redirect chain (307 then
//! 308), a 404, a 500, a JSON resource whose text contains `href="…"` (must not
//! be parsed), an off-host link, `mailto:`/`javascript:` links, fragments, and
//! a page whose `<base href>` changes where its relative links point.
//!
//! Not linked from the index (so not in [`Site::expected`]), for crawls that
//! start there: `huge`, a 2 MiB page with thousands of links, and the pages
//! of [`special`] (hard cases: dropped connections, flaky 5xx, 429 with
//! `Retry-After`, charsets, a binary body, a redirect loop, a link trap,
//! robots.txt rules), all listed on `special/`.
//!
//! With the `bytes` knob every HTML page is padded ([`pad`]) to about that
//! size with documentation-like markup, for crawls that parse more than
//! they wait.

mod pad;
mod special;

pub use special::ROBOTS_TXT;

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt;

/// Knobs of a generated site. The same knobs always give the same site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SiteConfig {
    /// Number of `page/N` pages (N in 1..=pages); at least 1.
    pub pages: usize,
    /// Links per page (the chain link plus seeded extras).
    pub links_per_page: usize,
    /// Delay before every answer, so a crawl is watchable (the server applies it).
    pub latency_ms: u64,
    /// Seed of the extra links, so variants differ but stay reproducible.
    pub seed: u64,
    /// Pad every HTML page to about this many bytes with documentation-like
    /// markup (0: no padding). Padding adds no link a crawl could follow
    /// that the page does not already have, so [`Site::expected`] is the
    /// same with or without it: it makes a crawl parse-bound, not bigger.
    pub bytes: usize,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig { pages: 30, links_per_page: 4, latency_ms: 100, seed: 1, bytes: 0 }
    }
}

/// Upper bounds on the knobs: a typo must not make the server generate a
/// billion links per page.
const MAX_PAGES: usize = 1_000_000;
const MAX_LINKS: usize = 1_000;
const MAX_LATENCY_MS: u64 = 600_000;
const MAX_BYTES: u64 = 16 * 1024 * 1024;

impl SiteConfig {
    /// Apply knobs written as `pages=30;links=4;latency=0;seed=7;bytes=100000` (any
    /// subset, any order). Unknown keys and bad numbers are errors naming them.
    pub fn with_knobs(&self, knobs: &str) -> Result<SiteConfig, String> {
        let mut config = self.clone();
        for part in knobs.split(';').filter(|p| !p.is_empty()) {
            let (key, value) = part.split_once('=').ok_or_else(|| format!("site knob `{part}` is not key=value"))?;
            let number: u64 =
                value.parse().map_err(|_| format!("site knob `{key}` must be a whole number, got `{value}`"))?;
            match key {
                "pages" if (1..=MAX_PAGES as u64).contains(&number) => config.pages = number as usize,
                "links" if number <= MAX_LINKS as u64 => config.links_per_page = number as usize,
                "latency" if number <= MAX_LATENCY_MS => config.latency_ms = number,
                "seed" => config.seed = number,
                "bytes" if number <= MAX_BYTES => config.bytes = number as usize,
                "pages" | "links" | "latency" | "bytes" => {
                    return Err(format!("site knob `{key}={value}` is out of range"))
                }
                _ => return Err(format!("unknown site knob `{key}` (known: pages, links, latency, seed, bytes)")),
            }
        }
        Ok(config)
    }

    /// The path prefix that selects this variant on the test server.
    pub fn prefix(&self) -> String {
        let bytes = if self.bytes > 0 { format!(";bytes={}", self.bytes) } else { String::new() };
        format!(
            "/s/pages={};links={};latency={};seed={}{bytes}/",
            self.pages, self.links_per_page, self.latency_ms, self.seed
        )
    }
}

/// One HTTP answer of the site (latency is applied by whoever serves it).
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub content_type: String,
    /// Redirect target as an absolute path (`/…`), for 3xx answers.
    pub location: Option<String>,
    /// `Retry-After` in seconds (the server exposes it to the crawler).
    pub retry_after: Option<u64>,
    /// Close the connection instead of answering (a network error).
    pub drop_connection: bool,
    pub body: Vec<u8>,
    pub latency_ms: u64,
}

/// A page a crawl of the site must report: its final URL after redirects.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ExpectedPage {
    pub url: String,
    /// Requested URLs that redirected here, sorted.
    pub aliases: Vec<String>,
    pub status: u16,
    pub content_type: String,
    /// Absolute in-scope http(s) links, fragment removed, deduplicated, in
    /// order of first appearance. Empty unless the page is a 200 HTML page.
    pub links: Vec<String>,
}

/// One link on a page: how it is written, and where it must lead.
#[derive(Clone, Debug)]
pub(crate) struct Link {
    /// The `href` attribute as written (HTML-escaped when rendered).
    pub(crate) href: String,
    /// Where a correct resolver lands, fragment removed: an absolute path on
    /// this site, or `None` for links a strict crawl must not follow.
    pub(crate) target: Option<String>,
}

/// What a path of the site is.
pub(crate) enum Node {
    Html {
        status: u16,
        title: String,
        base: Option<String>,
        links: Vec<Link>,
    },
    Redirect {
        status: u16,
        to: String,
    },
    Json,
    /// Exact bytes and headers (the special pages).
    Raw {
        status: u16,
        content_type: String,
        body: Vec<u8>,
        retry_after: Option<u64>,
        latency_ms: Option<u64>,
    },
    /// The connection is closed without an answer.
    Dropped,
}

/// Size of the `huge` page, in bytes (about).
pub const HUGE_BYTES: usize = 2 * 1024 * 1024;

/// The host a strict crawl must never follow (`.invalid` never resolves).
pub const OFF_HOST: &str = "http://offsite.invalid/elsewhere";

/// A site mounted at a base path (`/` or a variant prefix from [`SiteConfig::prefix`]).
pub struct Site {
    pub config: SiteConfig,
    /// Absolute path every page of this site lives under; ends with `/`.
    pub base: String,
}

impl fmt::Debug for Site {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "Site({})", self.base)
    }
}

impl Site {
    /// A site mounted at `base` (a trailing `/` is added when missing).
    pub fn new(config: SiteConfig, base: &str) -> Site {
        let mut base = base.to_string();
        if !base.starts_with('/') {
            base.insert(0, '/');
        }
        if !base.ends_with('/') {
            base.push('/');
        }
        Site { config, base }
    }

    /// Split a server path (with optional query) into the site it addresses
    /// and the rest: `/page/3` is the default site at `/`;
    /// `/s/pages=5;latency=0/page/3` is that variant at its prefix.
    pub fn route(path: &str, defaults: &SiteConfig) -> Result<(Site, String), String> {
        let path = path.split(['?', '#']).next().unwrap_or("");
        if let Some(variant) = path.strip_prefix("/s/") {
            let (knobs, rest) = variant.split_once('/').unwrap_or((variant, ""));
            let config = defaults.with_knobs(&percent_decode(knobs))?;
            let site = Site::new(config, &format!("/s/{knobs}/"));
            return Ok((site, rest.to_string()));
        }
        let rest = path.strip_prefix('/').unwrap_or(path);
        Ok((Site::new(defaults.clone(), "/"), rest.to_string()))
    }

    /// Answer a path relative to the base (no leading slash; `""` is the
    /// index). Anything the site does not have is a 404 page.
    pub fn respond(&self, rest: &str) -> Response {
        self.respond_nth(rest, 0)
    }

    /// Answer the `nth` request (from 0) for this path: a few special pages
    /// (flaky, rate-limited) answer differently on later tries.
    pub fn respond_nth(&self, rest: &str, nth: u64) -> Response {
        let latency_ms = self.config.latency_ms;
        let rest = rest.split(['?', '#']).next().unwrap_or("");
        let html = |status: u16, body: String| Response {
            status,
            content_type: "text/html; charset=utf-8".into(),
            location: None,
            retry_after: None,
            drop_connection: false,
            body: body.into_bytes(),
            latency_ms,
        };
        match self.node(rest, nth) {
            Some(Node::Redirect { status, to }) => Response {
                location: Some(to.clone()),
                ..html(status, format!("<!doctype html><title>Moved</title><a href=\"{}\">moved</a>", escape(&to)))
            },
            Some(Node::Json) => Response {
                content_type: "application/json".into(),
                ..html(200, format!(r#"{{"note":"not HTML; a crawler must not parse href=\"{}page/1\""}}"#, self.base))
            },
            Some(Node::Html { status, title, base, links }) => {
                let mut page = render(&title, base.as_deref(), &links);
                pad::pad(&mut page, &links, self.config.bytes);
                html(status, page)
            }
            Some(Node::Raw { status, content_type, body, retry_after, latency_ms: slow }) => Response {
                content_type,
                retry_after,
                body,
                latency_ms: slow.unwrap_or(latency_ms),
                ..html(status, String::new())
            },
            Some(Node::Dropped) => Response { drop_connection: true, ..html(200, String::new()) },
            None => html(404, render("Not found", None, &[])),
        }
    }

    /// Every page a strict crawl from the index must find, for a site served
    /// at `origin` (e.g. `http://127.0.0.1:8081`), sorted by URL.
    pub fn expected(&self, origin: &str) -> Vec<ExpectedPage> {
        let origin = origin.trim_end_matches('/');
        let abs = |path: &str| format!("{origin}{path}");
        let mut pages: BTreeMap<String, ExpectedPage> = BTreeMap::new();
        let mut aliases: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut queue: VecDeque<String> = VecDeque::new();
        seen.insert(self.base.clone());
        queue.push_back(self.base.clone());
        while let Some(requested) = queue.pop_front() {
            // Follow redirects the way a browser's fetch does: only the final
            // page is visible, requested URLs become its aliases.
            let mut path = requested.clone();
            let mut hops = 0;
            let node = loop {
                match self.node_at(&path, 0) {
                    Some(Node::Redirect { to, .. }) if hops < 20 => {
                        path = to;
                        hops += 1;
                    }
                    other => break other,
                }
            };
            if path != requested {
                aliases.entry(abs(&path)).or_default().insert(abs(&requested));
                if !seen.insert(path.clone()) {
                    continue; // coalesced into a page that is or will be there
                }
            }
            let (status, content_type, links) = match node {
                Some(Node::Html { status, links, .. }) => {
                    let mut out: Vec<String> = Vec::new();
                    for target in links.iter().filter_map(|l| l.target.as_ref()) {
                        let url = abs(target);
                        if status == 200 && !out.contains(&url) {
                            out.push(url);
                        }
                        if status == 200 && seen.insert(target.clone()) {
                            queue.push_back(target.clone());
                        }
                    }
                    (status, "text/html; charset=utf-8", out)
                }
                Some(Node::Json) => (200, "application/json", Vec::new()),
                Some(Node::Raw { .. } | Node::Dropped) => (200, "", Vec::new()), // never linked from the index
                Some(Node::Redirect { status, .. }) => (status, "text/html; charset=utf-8", Vec::new()),
                None => (404, "text/html; charset=utf-8", Vec::new()),
            };
            pages.insert(
                abs(&path),
                ExpectedPage { url: abs(&path), aliases: Vec::new(), status, content_type: content_type.into(), links },
            );
        }
        for (url, names) in aliases {
            if let Some(page) = pages.get_mut(&url) {
                page.aliases = names.into_iter().collect();
            }
        }
        pages.into_values().collect()
    }

    /// The node at an absolute path, if it is on this site.
    fn node_at(&self, path: &str, nth: u64) -> Option<Node> {
        self.node(path.strip_prefix(&self.base)?, nth)
    }

    /// The node at a path relative to the base, for its `nth` request.
    fn node(&self, rest: &str, nth: u64) -> Option<Node> {
        if let Some(node) = special::node(self, rest, nth) {
            return Some(node);
        }
        let b = &self.base;
        let last = self.config.pages;
        let target = 2.min(last);
        match rest {
            "" => Some(Node::Html {
                status: 200,
                title: "crawlscope test site".into(),
                base: None,
                links: self.index_links(),
            }),
            "old-a" => Some(Node::Redirect { status: 301, to: format!("{b}page/{target}") }),
            "old-b" => Some(Node::Redirect { status: 302, to: format!("{b}page/{target}") }),
            "chain" => Some(Node::Redirect { status: 307, to: format!("{b}chain-2") }),
            "chain-2" => Some(Node::Redirect { status: 308, to: format!("{b}page/{last}") }),
            "error" => Some(Node::Html {
                status: 500,
                title: "Server error".into(),
                base: None,
                links: vec![self.page_link(1)],
            }),
            "data.json" => Some(Node::Json),
            "huge" => {
                Some(Node::Html { status: 200, title: "A huge page".into(), base: None, links: self.huge_links() })
            }
            "based/" => Some(Node::Html {
                status: 200,
                title: "A page with <base href>".into(),
                base: Some(format!("{b}page/")),
                links: vec![
                    // Without <base>, "1" would resolve to {b}based/1, a 404.
                    Link { href: "1".into(), target: Some(format!("{b}page/1")) },
                    Link { href: format!("{last}#top"), target: Some(format!("{b}page/{last}")) },
                    Link { href: "../".into(), target: Some(b.clone()) },
                ],
            }),
            _ => {
                let n: usize = rest.strip_prefix("page/")?.parse().ok()?;
                if n == 0 || n > last || rest != format!("page/{n}") {
                    return None;
                }
                Some(Node::Html { status: 200, title: format!("Page {n}"), base: None, links: self.page_links(n) })
            }
        }
    }

    /// Enough links to make a page of about [`HUGE_BYTES`].
    fn huge_links(&self) -> Vec<Link> {
        let count = HUGE_BYTES / 44; // each rendered link line is about 44 bytes
        (0..count).map(|i| self.page_link(1 + i % self.config.pages)).collect()
    }

    pub(crate) fn page_link(&self, n: usize) -> Link {
        Link { href: format!("{}page/{n}", self.base), target: Some(format!("{}page/{n}", self.base)) }
    }

    fn index_links(&self) -> Vec<Link> {
        let b = &self.base;
        let same = |href: String, path: String| Link { href, target: Some(path) };
        vec![
            self.page_link(1),
            same(format!("{b}old-a"), format!("{b}old-a")),
            same(format!("{b}old-b"), format!("{b}old-b")),
            same(format!("{b}chain"), format!("{b}chain")),
            same(format!("{b}missing"), format!("{b}missing")),
            same(format!("{b}error"), format!("{b}error")),
            same(format!("{b}data.json"), format!("{b}data.json")),
            same("based/".into(), format!("{b}based/")),
            // A link to itself with a fragment: the cycle back to the index.
            same("#top".into(), b.clone()),
            Link { href: OFF_HOST.into(), target: None },
            Link { href: "mailto:crawler@example.invalid".into(), target: None },
            Link { href: "javascript:void(0)".into(), target: None },
        ]
    }

    /// The links of `page/n`: the chain link (written relative), seeded
    /// extras, and a cycle back to the index on every seventh page.
    fn page_links(&self, n: usize) -> Vec<Link> {
        let b = &self.base;
        let pages = self.config.pages;
        let mut links = Vec::new();
        if self.config.links_per_page == 0 {
            return links;
        }
        if n < pages {
            // Relative to /…/page/n, "n+1" resolves to /…/page/n+1.
            links.push(Link { href: format!("{}", n + 1), target: Some(format!("{b}page/{}", n + 1)) });
        } else {
            // The last page closes the cycle back to the index.
            links.push(Link { href: "../".into(), target: Some(b.clone()) });
        }
        let mut rng = SplitMix(self.config.seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
        for i in 1..self.config.links_per_page {
            let j = 1 + (rng.next() % pages as u64) as usize;
            let href = if i % 2 == 0 { format!("{b}page/{j}#s{i}") } else { format!("{b}page/{j}") };
            links.push(Link { href, target: Some(format!("{b}page/{j}")) });
        }
        if n.is_multiple_of(7) {
            links.push(Link { href: "../".into(), target: Some(b.clone()) });
        }
        links
    }
}

/// Render a page. Titles and hrefs are HTML-escaped so `&` in a URL is `&amp;`.
pub(crate) fn render(title: &str, base: Option<&str>, links: &[Link]) -> String {
    let mut html = String::from("<!doctype html>\n<html><head><meta charset=\"utf-8\">");
    html.push_str(&format!("<title>{}</title>", escape(title)));
    if let Some(base) = base {
        html.push_str(&format!("<base href=\"{}\">", escape(base)));
    }
    html.push_str(&format!("</head>\n<body><h1 id=\"top\">{}</h1>\n<ul>\n", escape(title)));
    for (i, link) in links.iter().enumerate() {
        html.push_str(&format!("<li><a href=\"{}\">link {i}</a></li>\n", escape(&link.href)));
    }
    html.push_str("</ul>\n</body></html>\n");
    html
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// Decode `%3B`-style escapes so a browser-encoded knob list still parses.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A tiny deterministic generator (SplitMix64): no dependency, same on every platform.
struct SplitMix(u64);

impl SplitMix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> Site {
        Site::new(SiteConfig { pages: 12, ..SiteConfig::default() }, "/")
    }

    #[test]
    fn every_page_is_reachable_from_the_index() {
        let expected = site().expected("http://h");
        for n in 1..=12 {
            assert!(expected.iter().any(|p| p.url == format!("http://h/page/{n}")), "page {n}");
        }
    }

    #[test]
    fn two_redirects_to_one_target_become_its_aliases() {
        let expected = site().expected("http://h");
        let two = expected.iter().find(|p| p.url == "http://h/page/2").expect("page 2 is expected");
        assert_eq!(two.aliases, vec!["http://h/old-a", "http://h/old-b"]);
        let last = expected.iter().find(|p| p.url == "http://h/page/12").expect("last page");
        assert_eq!(last.aliases, vec!["http://h/chain"], "chain-2 is only reached through chain");
    }

    #[test]
    fn errors_and_non_html_are_pages_without_links() {
        let expected = site().expected("http://h");
        let status = |u: &str| expected.iter().find(|p| p.url == u).map(|p| (p.status, p.links.len()));
        assert_eq!(status("http://h/missing"), Some((404, 0)));
        assert_eq!(status("http://h/error"), Some((500, 0)));
        assert_eq!(status("http://h/data.json"), Some((200, 0)));
    }

    #[test]
    fn off_host_and_non_http_links_are_never_expected() {
        for page in site().expected("http://h") {
            assert!(page.url.starts_with("http://h/"), "{}", page.url);
            assert!(page.links.iter().all(|l| l.starts_with("http://h/")), "{page:?}");
        }
    }

    #[test]
    fn base_href_changes_where_relative_links_point() {
        let body = String::from_utf8(site().respond("based/").body).expect("utf-8");
        assert!(body.contains("<base href=\"/page/\">"));
        assert!(site().respond("based/1").status == 404, "without <base> the link would be a 404");
    }

    #[test]
    fn variants_route_by_prefix_and_reject_bad_knobs() {
        let (s, rest) = Site::route("/s/pages=5;latency=0/page/3?x=1", &SiteConfig::default()).expect("valid");
        assert_eq!((s.config.pages, s.config.latency_ms, rest.as_str()), (5, 0, "page/3"));
        assert_eq!(s.base, "/s/pages=5;latency=0/");
        assert!(Site::route("/s/pages=x/", &SiteConfig::default()).unwrap_err().contains("pages"));
        assert!(Site::route("/s/colour=3/", &SiteConfig::default()).unwrap_err().contains("colour"));
        let (encoded, _) = Site::route("/s/pages=5%3Blatency=0/", &SiteConfig::default()).expect("encoded");
        assert_eq!(encoded.config.latency_ms, 0);
    }

    #[test]
    fn the_huge_page_is_huge_and_off_the_index() {
        let body = site().respond("huge").body;
        assert!(body.len() >= HUGE_BYTES * 9 / 10 && body.len() <= HUGE_BYTES * 2, "{}", body.len());
        assert!(site().expected("http://h").iter().all(|p| !p.url.ends_with("/huge")));
    }

    #[test]
    fn the_same_knobs_give_the_same_site() {
        let a = Site::new(SiteConfig::default(), "/").expected("http://h");
        let b = Site::new(SiteConfig::default(), "/").expected("http://h");
        assert_eq!(a, b);
        let c = Site::new(SiteConfig { seed: 2, ..SiteConfig::default() }, "/").expected("http://h");
        assert_ne!(a, c, "another seed links differently");
    }

    #[test]
    fn the_bytes_knob_pads_html_pages_and_changes_no_expected_link() {
        let (padded, _) = Site::route("/s/pages=12;bytes=20000/", &SiteConfig::default()).expect("valid");
        assert_eq!(padded.config.bytes, 20_000);
        assert_eq!(padded.config.prefix(), "/s/pages=12;links=4;latency=100;seed=1;bytes=20000/");
        for rest in ["", "page/3", "based/", "error"] {
            let body = String::from_utf8(padded.respond(rest).body).expect("utf-8");
            assert!((20_000..24_000).contains(&body.len()), "{rest}: {} bytes", body.len());
            assert!(body.ends_with("</body></html>\n") && body.contains("<table") && body.contains("<script>"));
        }
        let plain = Site::new(SiteConfig { pages: 12, ..SiteConfig::default() }, &padded.base);
        assert_eq!(padded.expected("http://h"), plain.expected("http://h"), "padding adds no followable link");
        assert!(Site::route("/s/bytes=99999999999/", &SiteConfig::default()).unwrap_err().contains("bytes"));
        assert_eq!(SiteConfig::default().prefix(), "/s/pages=30;links=4;latency=100;seed=1/", "no knob, no change");
    }
}
