//! The `extract` option end to end: a crawl of the generated site gives
//! each HTML page its named fields, in the Report and in the log, and a
//! replay of the log gives the same fields. Expected values come from the
//! site generator's pages, never hand-typed.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use crawlscope::event::EventKind;
use crawlscope::extract::FieldValue;
use crawlscope::replay::{RecordedLog, Replay};
use crawlscope::Options;
use sitegen::{Site, SiteConfig};
use support::{Sim, ORIGIN};

fn small() -> SiteConfig {
    SiteConfig { pages: 20, latency_ms: 100, ..SiteConfig::default() }
}

const EXTRACT: &str =
    r#"{"title":"title","h1":"h1","description":"meta[name=description]@content","hrefs[]":"li a@href"}"#;

fn with_extract(extract: &str) -> String {
    format!(r#"{{"roots":["{ORIGIN}/"],"maxTasks":4,"extract":{extract}}}"#)
}

/// The body the site serves at `url` (of the default site at `/`).
fn body(config: &SiteConfig, url: &str) -> String {
    let rest = url.strip_prefix(&format!("{ORIGIN}/")).expect("a URL of the site");
    String::from_utf8_lossy(&Site::new(config.clone(), "/").respond(rest).body).into_owned()
}

fn first(value: Option<&FieldValue>) -> Option<&str> {
    match value {
        Some(FieldValue::First(text)) => text.as_deref(),
        other => panic!("a first-match field, got {other:?}"),
    }
}

#[test]
fn extract_gives_each_html_page_its_named_fields() {
    let mut sim = Sim::new(small());
    let (_, report) = sim.crawl(&with_extract(EXTRACT));
    let html: Vec<_> = report
        .pages
        .iter()
        .filter(|p| p.status == Some(200) && p.content_type.as_deref().is_some_and(|t| t.starts_with("text/html")))
        .collect();
    assert!(html.len() >= 15, "most of the site is HTML: {}", html.len());
    for page in &html {
        let fields = &page.fields;
        assert_eq!(fields.keys().collect::<Vec<_>>(), ["description", "h1", "hrefs", "title"], "{}", page.url);
        if let Some(n) = page.url.strip_prefix(&format!("{ORIGIN}/page/")) {
            let title = format!("Page {n}");
            assert_eq!(first(fields.get("title")), Some(title.as_str()), "{}", page.url);
        }
        assert_eq!(first(fields.get("h1")), first(fields.get("title")), "the site's h1 repeats its title");
        assert_eq!(first(fields.get("description")), None, "the site has no description: null");
        // Every `<li><a href>` of the served body, in order, as written.
        let served = body(&small(), &page.url);
        let want: Vec<String> = served
            .split("<li><a href=\"")
            .skip(1)
            .map(|rest| rest.split('"').next().unwrap_or("").replace("&amp;", "&"))
            .collect();
        assert_eq!(fields.get("hrefs"), Some(&FieldValue::All(want)), "{}", page.url);
    }
}

#[test]
fn pages_that_are_not_html_or_failed_have_no_fields() {
    let mut sim = Sim::new(small());
    let (_, report) = sim.crawl(&with_extract(EXTRACT));
    let others: Vec<_> = report.pages.iter().filter(|p| p.status != Some(200) || p.outcome != "done").collect();
    assert!(!others.is_empty(), "the site has error pages");
    for page in others {
        assert!(page.fields.is_empty(), "{} ({:?}, {}) has no fields", page.url, page.status, page.outcome);
    }
    let not_html = report.pages.iter().filter(|p| p.content_type.as_deref().is_some_and(|t| !t.contains("html")));
    for page in not_html {
        assert!(page.fields.is_empty(), "{} is not HTML", page.url);
    }
}

#[test]
fn a_crawl_without_extract_logs_no_fields_and_its_report_json_has_no_fields_key() {
    let mut sim = Sim::new(small());
    let (crawl, report) = sim.crawl(&support::options(4));
    assert!(report.pages.iter().all(|p| p.fields.is_empty()));
    assert!(!crawl.events_since(0).iter().any(|e| matches!(e.kind, EventKind::FieldsFound { .. })));
    assert!(!serde_json::to_string(&report).expect("serialises").contains("\"fields\""));
}

#[test]
fn an_extract_crawl_finds_the_same_links_as_a_crawl_without_it() {
    // Its links come from scraper's tree (built for the fields) rather than
    // the scanner: padded pages hold the markup that tells them apart.
    let padded = SiteConfig { bytes: 30_000, ..small() };
    let links = |options: &str| {
        let mut sim = Sim::new(padded.clone());
        let (_, report) = sim.crawl(options);
        report
            .pages
            .iter()
            .map(|p| (p.url.clone(), p.links.clone(), p.canonical.clone(), p.skips.clone()))
            .collect::<Vec<_>>()
    };
    let plain = links(&support::options(4));
    let extracted = links(&with_extract(r#"{"title":"title","toc[]":"nav a.toc-link@href"}"#));
    assert_eq!(extracted, plain);
}

#[test]
fn a_bad_extract_selector_is_rejected_naming_the_field() {
    let e = Options::from_json(&with_extract(r#"{"title":"title","h1":"h1[["}"#)).unwrap_err();
    assert_eq!(e.option, "extract.h1");
    assert!(e.to_string().starts_with("extract.h1: `h1[[` is not a valid CSS selector"), "{e}");
    let e = Options::from_json(&with_extract(r#"{"d":"meta@"}"#)).unwrap_err();
    assert_eq!(e.option, "extract.d");
    let e = Options::from_json(&with_extract(r#"{"n":5}"#)).unwrap_err();
    assert_eq!(e.option, "extract.n");
    let e = Options::from_json(&with_extract(r#"{"":"h1"}"#)).unwrap_err();
    assert_eq!(e.option, "extract.");
}

#[test]
fn the_fields_travel_in_the_log_and_a_replay_shows_the_same_fields() {
    let mut sim = Sim::new(small());
    let (crawl, live) = sim.crawl(&with_extract(EXTRACT));
    let logged = crawl.events_since(0).iter().filter(|e| matches!(e.kind, EventKind::FieldsFound { .. })).count();
    assert_eq!(logged, live.pages.iter().filter(|p| !p.fields.is_empty()).count(), "one event per page with fields");
    let json = crawl.log().to_json();
    let log = RecordedLog::parse(&json).expect("our own log parses");
    assert_eq!(log.options["extract"]["hrefs[]"], "li a@href", "the option is written back as given");
    let mut replay = Replay::new(log);
    replay.seek(usize::MAX);
    let replayed = replay.report();
    assert_eq!(serde_json::to_string(&replayed).expect("json"), serde_json::to_string(&live).expect("json"));
    let fields = |r: &crawlscope::Report| r.pages.iter().map(|p| p.fields.clone()).collect::<Vec<_>>();
    assert_eq!(fields(&replayed), fields(&live));
    assert!(fields(&live).iter().any(|f| !f.is_empty()));
}
