//! A site without CORS headers: the engine says CORS is the wall (once per
//! origin, without retrying), a crawl whose every root failed says so, and
//! the local proxy crawls the same site with real URLs and every redirect
//! hop, `maxRedirect` exact. Expected pages come from the site generator.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use crawlscope::env::Hop;
use crawlscope::event::{EndReason, EventKind};
use crawlscope::fetching::CORS_ERROR;
use crawlscope::report::ReportBuilder;
use crawlscope::{Crawl, Options};
use sitegen::{Site, SiteConfig};
use support::{Sim, NO_CORS_ORIGIN, ORIGIN};

fn small() -> SiteConfig {
    SiteConfig { pages: 12, latency_ms: 50, ..SiteConfig::default() }
}

#[test]
fn a_server_without_cors_headers_fails_with_kind_cors_after_one_probe_and_no_retries() {
    let mut sim = Sim::new(small());
    let roots = format!(r#"{{"roots":["{NO_CORS_ORIGIN}/","{NO_CORS_ORIGIN}/page/3"],"maxTasks":2}}"#);
    let (crawl, report) = sim.crawl(&roots);
    assert_eq!(report.pages.len(), 2);
    for page in &report.pages {
        assert_eq!((page.outcome.as_str(), page.tries), ("failed", 1), "{}: not retried maxTries times", page.url);
        assert_eq!(page.error.as_deref(), Some(CORS_ERROR));
    }
    assert_eq!(report.counters["fail_cors"], 2);
    assert_eq!(report.counters.get("fail_TypeError"), None);
    let probes: usize = sim.fetcher.probes.borrow().values().sum();
    assert_eq!(probes, 1, "one probe for the origin, however many of its URLs fail");
    assert_eq!(report.counters["corsProbes"], 1);
    let probed = crawl
        .events_since(0)
        .iter()
        .filter(|e| matches!(&e.kind, EventKind::CorsProbed { opaque: true, origin, .. } if origin == NO_CORS_ORIGIN))
        .count();
    assert_eq!(probed, 1);
    assert_eq!(sim.fetcher.total_requests(), 2, "one try per URL");
}

#[test]
fn a_robots_txt_behind_the_cors_wall_fails_the_page_with_kind_cors_not_as_disallowed() {
    let mut sim = Sim::new(small());
    let (_, report) = sim.crawl(&format!(r#"{{"roots":["{NO_CORS_ORIGIN}/"],"robots":true}}"#));
    let root = &report.pages[0];
    assert_eq!((root.outcome.as_str(), root.error.as_deref()), ("failed", Some(CORS_ERROR)));
    assert_eq!(report.counters["fail_cors"], 1);
    assert_eq!(sim.fetcher.probes.borrow().get(&format!("{NO_CORS_ORIGIN}/robots.txt")), Some(&1));
    let requests = sim.fetcher.requests.borrow();
    assert_eq!(requests.get(&format!("{NO_CORS_ORIGIN}/robots.txt")), Some(&1));
    assert_eq!(requests.get(&format!("{NO_CORS_ORIGIN}/")), None, "unreadable robots.txt: nothing else is fetched");
}

#[test]
fn a_crawl_whose_every_root_failed_ends_with_roots_failed() {
    let mut sim = Sim::new(small());
    let (_, report) = sim.crawl(&format!(r#"{{"roots":["{NO_CORS_ORIGIN}/"]}}"#));
    assert_eq!(report.end_reason, Some(EndReason::RootsFailed));

    // A host that does not answer at all: the probe gets nothing either, so
    // the failure is a plain network error, retried as before.
    let mut sim = Sim::new(small());
    let page = format!("{ORIGIN}/page/1");
    sim.fetcher.drop_connection.borrow_mut().insert(page.clone(), 100);
    let (_, report) = sim.crawl(&format!(r#"{{"roots":["{page}"],"maxTries":3,"backoffMs":10}}"#));
    assert_eq!(report.end_reason, Some(EndReason::RootsFailed));
    assert_eq!((report.pages[0].tries, report.counters["fail_TypeError"]), (3, 1));
    assert_eq!(report.counters["corsProbes"], 1, "probed once, answered nothing");

    // One root failing is not the whole crawl failing.
    let mut sim = Sim::new(small());
    let roots = format!(r#"{{"roots":["{NO_CORS_ORIGIN}/","{ORIGIN}/page/12"]}}"#);
    let (_, report) = sim.crawl(&roots);
    assert_eq!(report.end_reason, Some(EndReason::Complete));
}

#[test]
fn through_the_proxy_the_no_cors_site_is_crawled_with_real_urls() {
    let mut sim = Sim::new(small());
    let (crawl, report) = sim.crawl(&format!(r#"{{"roots":["{NO_CORS_ORIGIN}/"],"maxTasks":3,"proxy":true}}"#));
    let want = Site::new(small(), "/").expected(NO_CORS_ORIGIN);
    let got: Vec<_> = report.pages.iter().map(|p| (&p.url, &p.aliases, p.status, &p.links)).collect();
    let want: Vec<_> = want.iter().map(|p| (&p.url, &p.aliases, Some(p.status), &p.links)).collect();
    assert_eq!(got, want);
    assert_eq!(report.end_reason, Some(EndReason::Complete));
    assert_eq!(report.counters["corsProbes"], 0);
    assert_eq!(sim.fetcher.proxied.get(), sim.fetcher.total_requests(), "every request went through the proxy");
    // The two-hop chain is listed hop by hop on its target.
    let last = format!("{NO_CORS_ORIGIN}/page/12");
    let target = report.pages.iter().find(|p| p.url == last).expect("the chain's target");
    let hops = vec![
        Hop { url: format!("{NO_CORS_ORIGIN}/chain"), status: 307, to: format!("{NO_CORS_ORIGIN}/chain-2") },
        Hop { url: format!("{NO_CORS_ORIGIN}/chain-2"), status: 308, to: last.clone() },
    ];
    assert_eq!(target.redirects, hops);
    let events = crawl.events_since(0);
    let logged = events.iter().find_map(|e| match &e.kind {
        EventKind::Redirected { from, hops, .. } if from.ends_with("/chain") => Some(hops.clone()),
        _ => None,
    });
    assert_eq!(logged, Some(hops));
    // The saved log folds into the same report.
    let json = serde_json::to_string(&events).expect("events serialise");
    let back: Vec<crawlscope::event::Event> = serde_json::from_str(&json).expect("and parse back");
    assert_eq!(ReportBuilder::from_events(&back), report);
}

#[test]
fn robots_txt_goes_through_the_proxy_too() {
    let mut sim = Sim::new(small());
    *sim.fetcher.robots.borrow_mut() = Some((200, "User-agent: *\nDisallow: /page/\n".into()));
    let (_, report) = sim.crawl(&format!(r#"{{"roots":["{NO_CORS_ORIGIN}/"],"proxy":true,"robots":true}}"#));
    assert!(sim.fetcher.requests.borrow().contains_key(&format!("{NO_CORS_ORIGIN}/robots.txt")));
    assert_eq!(sim.fetcher.proxied.get(), sim.fetcher.total_requests());
    assert!(report.pages.iter().any(|p| p.outcome == "skipped (robots.txt)"), "the rules were read");
}

#[test]
fn max_redirect_is_exact_through_the_proxy() {
    let chain = format!("{NO_CORS_ORIGIN}/__hops/3");
    for (limit, ok) in [(1, false), (2, false), (3, true), (19, true)] {
        let mut sim = Sim::new(small());
        let json = format!(r#"{{"roots":["{chain}"],"proxy":true,"maxRedirect":{limit}}}"#);
        let (_, report) = sim.crawl(&json);
        let page = &report.pages[0];
        if ok {
            assert_eq!((page.url.as_str(), page.status), (format!("{NO_CORS_ORIGIN}/__hops/0").as_str(), Some(200)));
            assert_eq!(page.redirects.len(), 3, "limit {limit}");
        } else {
            assert_eq!((page.outcome.as_str(), page.tries), ("failed", 1), "limit {limit}");
            let error = page.error.as_deref().unwrap_or("");
            assert!(error.starts_with(&format!("more than maxRedirect {limit}: {chain} → ")), "{error}");
            assert_eq!(report.end_reason, Some(EndReason::RootsFailed));
        }
    }
}

#[test]
fn proxy_true_without_a_proxy_is_refused_naming_the_option() {
    let sim = Sim::new(small());
    let options = Options::from_json(&format!(r#"{{"roots":["{ORIGIN}/"],"proxy":true}}"#)).expect("valid");
    let env = crawlscope::env::Env { proxy: None, ..sim.env() };
    let error = Crawl::try_start(options, env, false).err().expect("refused");
    assert_eq!(error.option, "proxy");
    assert!(error.to_string().starts_with("proxy: no local proxy is announced"), "{error}");
}

#[test]
fn hop_lists_parse_as_the_proxy_writes_them() {
    let text = "301 http://a/x;y=1 -> http://a/b,c | 302 http://a/b,c -> http://b/";
    let hops = Hop::parse_list(text);
    assert_eq!(hops.len(), 2);
    assert_eq!((hops[0].status, hops[0].to.as_str()), (301, "http://a/b,c"));
    assert_eq!(hops[1].url, "http://a/b,c");
    assert!(Hop::parse_list("nonsense").is_empty());
    assert!(Hop::parse_list("").is_empty());
}

#[test]
fn logs_saved_before_hops_and_probes_still_load() {
    let old = r#"[{"seq":0,"tMs":0,"type":"crawlStarted","roots":["http://h/a"],"maxTasks":1},
        {"seq":1,"tMs":0,"type":"queuePut","url":"http://h/a","depth":0,"parent":null,"len":1,"unfinished":1},
        {"seq":2,"tMs":1,"type":"redirected","task":0,"from":"http://h/a","to":"http://h/b","coalesced":false,"inScope":true},
        {"seq":3,"tMs":2,"type":"finished","elapsedMs":2,"reason":"complete"}]"#;
    let events: Vec<crawlscope::event::Event> = serde_json::from_str(old).expect("an old log parses");
    let report = ReportBuilder::from_events(&events);
    assert_eq!((report.pages[0].url.as_str(), report.pages[0].redirects.len()), ("http://h/b", 0));
    assert_eq!(report.counters["corsProbes"], 0);
    // A hop-less redirect is written as before (no `hops` field).
    let json = serde_json::to_string(&events[2]).expect("serialises");
    assert!(!json.contains("hops"), "{json}");
}
