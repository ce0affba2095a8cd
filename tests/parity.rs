//! Everything the seed crawler does, its known defects fixed, and the
//! controls real crawlers add — each against the in-memory site (with its
//! hard-case pages) in virtual time.

#![cfg(not(target_arch = "wasm32"))]

mod support;

use crawlscope::event::{EndReason, EventKind};
use crawlscope::report::{PageReport, Report};
use crawlscope::Crawl;
use sitegen::SiteConfig;
use support::{expected, Sim, ORIGIN};

fn site() -> SiteConfig {
    SiteConfig { pages: 20, latency_ms: 100, ..SiteConfig::default() }
}

/// Crawl with extra options (JSON members after `roots`).
fn crawl(root_path: &str, extra: &str) -> (Sim, Crawl, Report) {
    let mut sim = Sim::new(site());
    let comma = if extra.is_empty() { "" } else { "," };
    let (crawl, report) = sim.crawl(&format!(r#"{{"roots":["{ORIGIN}{root_path}"]{comma}{extra}}}"#));
    (sim, crawl, report)
}

fn page<'a>(report: &'a Report, path: &str) -> &'a PageReport {
    let url = format!("{ORIGIN}{path}");
    report.pages.iter().find(|p| p.url == url).unwrap_or_else(|| panic!("no page {url} in {:#?}", report.pages))
}

fn count(crawl: &Crawl, f: impl Fn(&EventKind) -> bool) -> usize {
    crawl.events_since(0).iter().filter(|e| f(&e.kind)).count()
}

// ------------------------------------------------------------ order, depth, budget

#[test]
fn every_order_and_max_tasks_find_the_same_pages() {
    let want: Vec<String> = expected(&site()).into_iter().map(|p| p.url).collect();
    for order in ["bfs", "dfs"] {
        for max_tasks in [1, 2, 3, 5, 8, 13, 21, 32] {
            let (_, _, report) = crawl("/", &format!(r#""order":"{order}","maxTasks":{max_tasks}"#));
            let got: Vec<String> = report.pages.iter().map(|p| p.url.clone()).collect();
            assert_eq!(got, want, "order {order}, maxTasks {max_tasks}");
        }
    }
}

#[test]
fn depth_first_goes_deep_before_wide() {
    let (_, bfs, _) = crawl("/", r#""maxTasks":1"#);
    let (_, dfs, _) = crawl("/", r#""maxTasks":1,"order":"dfs""#);
    let max_depth_of_first_ten = |c: &Crawl| {
        let report = c.report();
        c.events_since(0)
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::FetchStart { url, .. } => report.pages.iter().find(|p| &p.url == url).map(|p| p.depth),
                _ => None,
            })
            .take(10)
            .max()
    };
    assert!(max_depth_of_first_ten(&dfs) > max_depth_of_first_ten(&bfs));
}

#[test]
fn depth_limit_bounds_the_link_trap() {
    let (_, _, report) = crawl("/calendar/2024-01", r#""depthLimit":5"#);
    assert!(report.finished);
    // Each month links to the one before and after: depth d reaches 2d+1 months.
    assert_eq!(report.pages.len(), 11);
    assert!(report.pages.iter().all(|p| p.depth <= 5));
    assert!(report.skips["depth"] > 0);
}

#[test]
fn max_pages_is_a_budget_and_the_crawl_says_why_it_ended() {
    let (_, crawl, report) = crawl("/", r#""maxPages":7"#);
    assert_eq!(count(&crawl, |k| matches!(k, EventKind::QueuePut { .. })), 7);
    assert_eq!(report.end_reason, Some(EndReason::MaxPages));
    assert!(report.skips["budget"] > 0);
}

// ------------------------------------------------------------ scope and exclude

#[test]
fn exclude_skips_matching_links_and_is_rechecked_after_a_redirect() {
    let (sim, _, report) = crawl("/", r#""exclude":"/page/2$""#);
    assert!(report.skips["exclude"] >= 1);
    let requested = sim.fetcher.requests.borrow();
    assert!(!requested.contains_key(&format!("{ORIGIN}/page/2")), "never requested directly");
    // old-a redirects to page/2: fetched by the browser, then refused.
    assert_eq!(page(&report, "/page/2").outcome, "skipped (redirect excluded)");
}

#[test]
fn a_redirect_off_the_host_is_not_followed() {
    let (_, _, report) = crawl("/away", "");
    let away = &report.pages[0];
    assert_eq!(away.url, "http://localhost/elsewhere");
    assert_eq!(away.outcome, "skipped (redirect out of scope)");
    assert!(away.error.as_deref().unwrap_or("").contains("already fetched"));
}

#[test]
fn max_redirect_zero_refuses_every_redirect() {
    let (_, _, report) = crawl("/old-a", r#""maxRedirect":0,"maxTries":1"#);
    let p = page(&report, "/old-a");
    assert_eq!(p.outcome, "failed");
    assert!(p.error.as_deref().unwrap_or("").contains("TypeError"));
}

#[test]
fn redirect_cycle_is_one_network_failure_kind() {
    let (_, _, report) = crawl("/loop-a", r#""maxTries":2,"backoffMs":10"#);
    let p = page(&report, "/loop-a");
    assert_eq!((p.outcome.as_str(), p.tries), ("failed", 2));
    assert_eq!(report.counters["fail_TypeError"], 1);
}

// ------------------------------------------------------------ retries

#[test]
fn flaky_5xx_is_retried_with_growing_backoff() {
    let (_, crawl, report) = crawl("/s/seed=11/flaky", r#""backoffMs":400"#);
    let p = page(&report, "/s/seed=11/flaky");
    assert_eq!((p.status, p.tries, p.outcome.as_str()), (Some(200), 3, "done"));
    let delays: Vec<f64> = crawl
        .events_since(0)
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::RetryScheduled { delay_ms, url, .. } if url.ends_with("/flaky") => Some(*delay_ms),
            _ => None,
        })
        .collect();
    assert_eq!(delays.len(), 2, "not immediate, as the seed's retries were");
    assert!((200.0..400.0).contains(&delays[0]) && (400.0..800.0).contains(&delays[1]), "{delays:?}");
}

#[test]
fn retry_after_is_honoured() {
    let (_, crawl, report) = crawl("/s/seed=12/rate-limited", r#""backoffMs":5"#);
    assert_eq!(page(&report, "/s/seed=12/rate-limited").status, Some(200));
    let delay = crawl.events_since(0).iter().find_map(|e| match &e.kind {
        EventKind::RetryScheduled { delay_ms, reason, .. } => Some((*delay_ms, reason.clone())),
        _ => None,
    });
    assert_eq!(delay, Some((1000.0, "HTTP 429".to_string())));
}

#[test]
fn a_dropped_connection_fails_after_max_tries() {
    let (sim, _, report) = crawl("/drop", r#""maxTries":3,"backoffMs":1"#);
    let p = page(&report, "/drop");
    assert_eq!(p.outcome, "failed");
    assert!(p.error.as_deref().unwrap_or("").starts_with("failed after 3 tries"));
    assert_eq!(sim.fetcher.requests.borrow()[&format!("{ORIGIN}/drop")], 3);
}

#[test]
fn the_last_retryable_response_is_kept_as_a_response() {
    let (_, _, report) = crawl("/error", r#""maxTries":2,"backoffMs":1,"maxPages":1"#);
    let p = page(&report, "/error");
    assert_eq!((p.status, p.tries, p.outcome.as_str()), (Some(500), 2, "done"));
}

// ------------------------------------------------------------ content

#[test]
fn charsets_are_decoded_from_the_bytes() {
    let (_, _, report) = crawl("/special/", r#""depthLimit":1"#);
    let latin1 = page(&report, "/charset/latin1");
    assert_eq!(latin1.encoding.as_deref(), Some("windows-1252"));
    assert!(latin1.links.contains(&format!("{ORIGIN}/charset/caf%C3%A9")), "{:?}", latin1.links);
    let sjis = page(&report, "/charset/meta-sjis");
    assert_eq!(sjis.encoding.as_deref(), Some("Shift_JIS"));
    assert!(sjis.links.contains(&format!("{ORIGIN}/charset/%E3%81%82")), "{:?}", sjis.links);
    let bom = page(&report, "/charset/bom-utf16");
    assert_eq!(bom.encoding.as_deref(), Some("UTF-16LE"));
    assert_eq!(bom.links, vec![format!("{ORIGIN}/page/2")]);
    let unknown = page(&report, "/charset/unknown-label");
    assert_eq!(unknown.encoding.as_deref(), Some("UTF-8"));
    assert!(unknown.encoding_note.as_deref().unwrap_or("").contains("x-no-such-charset"));
}

#[test]
fn a_binary_body_served_as_html_is_data_not_a_crash() {
    let (_, _, report) = crawl("/binary", "");
    let p = page(&report, "/binary");
    assert_eq!((p.outcome.as_str(), p.size), ("done", Some(4096)));
    assert!(p.encoding_note.is_some(), "malformed bytes are noted");
}

#[test]
fn max_body_bytes_caps_a_response() {
    let (_, _, report) = crawl("/huge", r#""maxBodyBytes":1000,"maxPages":1"#);
    let p = page(&report, "/huge");
    assert_eq!((p.size, p.truncated), (Some(1000), true));
}

#[test]
fn non_html_is_not_parsed_and_xml_is() {
    let (_, _, report) = crawl("/", "");
    assert_eq!(page(&report, "/data.json").links.len(), 0);
    assert_eq!(page(&report, "/data.json").content_type.as_deref(), Some("application/json"));
}

#[test]
fn nofollow_is_honoured_only_when_asked() {
    let (_, _, off) = crawl("/nofollow", r#""depthLimit":1"#);
    assert_eq!(off.pages.len(), 3);
    let (_, _, on) = crawl("/nofollow", r#""depthLimit":1,"respectNofollow":true"#);
    assert_eq!(on.pages.len(), 2);
    assert_eq!(on.skips["nofollow"], 1);
}

// ------------------------------------------------------------ robots.txt

#[test]
fn robots_txt_is_obeyed_with_longest_match() {
    let (sim, crawl, report) = crawl("/special/", r#""robots":true,"depthLimit":1"#);
    assert_eq!(page(&report, "/private/secret").outcome, "skipped (robots.txt)");
    assert_eq!(page(&report, "/private/open").outcome, "done");
    assert_eq!(count(&crawl, |k| matches!(k, EventKind::RobotsFetched { .. })), 1, "once per origin");
    assert_eq!(sim.fetcher.requests.borrow().get(&format!("{ORIGIN}/private/secret")), None);
    assert_eq!(report.skips["robots"], 1);
}

#[test]
fn robots_txt_5xx_disallows_and_4xx_allows_everything() {
    for (status, outcome) in [(503, "skipped (robots.txt)"), (404, "done")] {
        let mut sim = Sim::new(site());
        *sim.fetcher.robots.borrow_mut() = Some((status, "Disallow: /".into()));
        let (_, report) =
            sim.crawl(&format!(r#"{{"roots":["{ORIGIN}/page/3"],"robots":true,"depthLimit":0,"maxPages":1}}"#));
        assert_eq!(report.pages[0].outcome, outcome, "robots.txt status {status}");
    }
}

#[test]
fn robots_is_off_by_default_for_loopback() {
    let (sim, _, _) = crawl("/", "");
    assert!(!sim.fetcher.requests.borrow().contains_key(&format!("{ORIGIN}/robots.txt")));
}

// ------------------------------------------------------------ politeness

#[test]
fn tasks_behind_the_per_host_cap_wait_visibly() {
    let (sim, crawl, _) = crawl("/", r#""maxTasks":6,"perHostConcurrency":2"#);
    assert_eq!(sim.fetcher.peak.get(), 2);
    assert!(count(&crawl, |k| matches!(k, EventKind::SlotWait { .. })) > 0);
}

#[test]
fn delay_ms_spaces_the_requests_to_one_host() {
    let (_, crawl, _) = crawl("/", r#""maxTasks":4,"delayMs":250"#);
    let starts: Vec<f64> = crawl
        .events_since(0)
        .iter()
        .filter_map(|e| matches!(e.kind, EventKind::FetchStart { .. }).then_some(e.t_ms))
        .collect();
    assert!(starts.windows(2).all(|w| w[1] - w[0] >= 250.0 - 1e-6), "{starts:?}");
}

// ------------------------------------------------------------ the report

#[test]
fn every_enqueued_url_ends_in_exactly_one_terminal_record_on_the_hard_cases() {
    let (_, crawl, report) = crawl("/special/", r#""robots":true,"depthLimit":2,"maxTries":2,"backoffMs":5"#);
    let puts = count(&crawl, |k| matches!(k, EventKind::QueuePut { .. }));
    assert_eq!(puts, count(&crawl, |k| matches!(k, EventKind::PageEnd { .. })));
    assert_eq!(puts, count(&crawl, |k| matches!(k, EventKind::TaskDone { .. })));
    assert!(report.pages.iter().all(|p| !matches!(p.outcome.as_str(), "queued" | "waiting" | "fetching" | "retrying")));
    let c = &report.counters;
    let terminal = c["done"] + c["failed"] + c["notCrawled"] + c["skipped"];
    assert_eq!(terminal, c["pages"], "the counters add up");
}

#[test]
fn the_seed_text_report_has_the_seed_layout() {
    let (_, _, report) = crawl("/", r#""maxTasks":3"#);
    let lines: Vec<&str> = report.text.lines().collect();
    let finished = lines.iter().position(|l| l.starts_with("Finished ")).expect("a Finished line");
    let urls = finished;
    assert!(lines[finished].contains(&format!("Finished {urls} urls in ")), "{}", lines[finished]);
    assert!(lines[finished].contains("(max_tasks=3)") && lines[finished].ends_with("urls/sec/task)"));
    let mut sorted = lines[..finished].to_vec();
    sorted.sort();
    assert_eq!(sorted, lines[..finished].to_vec(), "one line per URL, sorted");
    assert!(lines.iter().any(|l| l.trim_start().ends_with(" html")));
    assert!(lines.iter().any(|l| l.ends_with(&format!("redirect {ORIGIN}/page/2"))));
    assert_eq!(lines[lines.len() - 2], "Todo: 0");
    assert_eq!(lines[lines.len() - 1], format!("Done: {urls}"));
}
