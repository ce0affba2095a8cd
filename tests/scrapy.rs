//! The exported Scrapy spider against the real test site, beside the engine.
//!
//! For each mix of options, the spider crawls `testsite` with Scrapy and the
//! engine crawls the same site in memory (tests/support); the pages they
//! report must be the same: URLs, aliases, statuses and links (paths
//! compared, the origins differ). Then two scrapy-redis workers share one
//! frontier, and hostile option text must stay data.
//!
//! They need Scrapy, scrapy-redis and redis-server, so they are `#[ignore]`d
//! in `cargo test`; `cargo xtask test` installs those and runs them (layer
//! `scrapy`) with `--ignored`, passing:
//! `CRAWLSCOPE_TEST_SITE` (the running test site), `SCRAPY` (its `scrapy`
//! command), `REDIS_SERVER`, and `SCRAPY_OUT` (where the .jsonl files go;
//! the e2e spec loads one of them into the page).

#![cfg(not(target_arch = "wasm32"))]

mod support;

use crawlscope::export::scrapy::spider_from_json;
use serde_json::{json, Value};
use sitegen::SiteConfig;
use std::collections::{BTreeMap, BTreeSet};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use support::{Sim, ORIGIN};

const WHY: &str = "needs Scrapy and the test site: `cargo xtask test` runs it (layer scrapy)";

fn env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| panic!("{name} is unset: {WHY}"))
}

/// The test site's origin, without the trailing slash.
fn site() -> String {
    env("CRAWLSCOPE_TEST_SITE").trim_end_matches('/').to_string()
}

fn out_dir() -> PathBuf {
    let dir = PathBuf::from(env("SCRAPY_OUT"));
    std::fs::create_dir_all(&dir).expect("SCRAPY_OUT can be created");
    dir
}

/// A site variant small and quick enough for several crawls.
fn variant(pages: usize, latency_ms: u64) -> SiteConfig {
    SiteConfig { pages, latency_ms, ..SiteConfig::default() }
}

/// A page as both sides report it, with paths for URLs.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct Page {
    url: String,
    aliases: Vec<String>,
    status: Option<u64>,
    links: Vec<String>,
    outcome: String,
}

fn path(url: &str, origin: &str) -> String {
    url.strip_prefix(origin).unwrap_or(url).to_string()
}

/// The engine's Report for `options` (roots given as paths), in memory and virtual time.
fn engine_pages(config: &SiteConfig, options: &Value) -> BTreeMap<String, Page> {
    let mut sim = Sim::new(config.clone());
    let (_, report) = sim.crawl(&with_origin(options, ORIGIN).to_string());
    report
        .pages
        .iter()
        .map(|p| {
            let page = Page {
                url: path(&p.url, ORIGIN),
                aliases: p.aliases.iter().map(|a| path(a, ORIGIN)).collect(),
                status: p.status.map(u64::from),
                links: p.links.iter().map(|l| path(l, ORIGIN)).collect(),
                outcome: p.outcome.clone(),
            };
            (page.url.clone(), page)
        })
        .collect()
}

/// `options` with each root path put under `origin`.
fn with_origin(options: &Value, origin: &str) -> Value {
    let mut options = options.clone();
    if let Some(roots) = options["roots"].as_array_mut() {
        for root in roots {
            *root = json!(format!("{origin}{}", root.as_str().unwrap_or("")));
        }
    }
    options
}

/// The spider's items (a .jsonl text) as pages: alias lines merged into their page, as Load report does.
/// Panics if a page (not an alias line) appears twice.
fn spider_pages(jsonl: &str, origin: &str) -> BTreeMap<String, Page> {
    let mut pages: BTreeMap<String, Page> = BTreeMap::new();
    let mut aliases: Vec<(String, String)> = Vec::new();
    for line in jsonl.lines().filter(|l| !l.trim().is_empty()) {
        let item: Value = serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"));
        let url = path(item["url"].as_str().expect("every item has a url"), origin);
        let strings = |key: &str| -> Vec<String> {
            item[key].as_array().into_iter().flatten().filter_map(Value::as_str).map(|s| path(s, origin)).collect()
        };
        if item["outcome"] == "alias" {
            aliases.extend(strings("aliases").into_iter().map(|a| (url.clone(), a)));
            continue;
        }
        let page = Page {
            url: url.clone(),
            aliases: strings("aliases"),
            status: item["status"].as_u64(),
            links: strings("links"),
            outcome: item["outcome"].as_str().unwrap_or("").to_string(),
        };
        assert!(pages.insert(url.clone(), page).is_none(), "{url} was crawled twice");
    }
    for (url, alias) in aliases {
        let page = pages.get_mut(&url).unwrap_or_else(|| panic!("alias {alias} of {url}, which is no page"));
        page.aliases.push(alias);
    }
    for page in pages.values_mut() {
        page.aliases.sort();
    }
    pages
}

/// Write the spider for `options` (roots as paths on the test site) and run it; returns the .jsonl text.
fn run_spider(name: &str, options: &Value) -> String {
    let source = spider_from_json(&with_origin(options, &site()).to_string(), None).expect("valid options");
    let dir = out_dir();
    let file = dir.join(format!("{name}.py"));
    let jsonl = dir.join(format!("{name}.jsonl"));
    std::fs::write(&file, source).expect("the spider is written");
    let _ = std::fs::remove_file(&jsonl);
    let status = Command::new(env("SCRAPY"))
        .arg("runspider")
        .arg(&file)
        .arg("-o")
        .arg(&jsonl)
        .args(["-L", "WARNING"])
        .current_dir(&dir)
        .status()
        .expect("scrapy starts");
    assert!(status.success(), "scrapy runspider {name}.py failed: {status}");
    std::fs::read_to_string(&jsonl).expect("the spider wrote its items")
}

/// Crawl with both and compare; returns the number of pages.
fn parity(name: &str, config: &SiteConfig, extra: Value) -> usize {
    let mut options = json!({ "roots": [config.prefix()] });
    for (k, v) in extra.as_object().expect("an object of options") {
        options[k] = v.clone();
    }
    let started = Instant::now();
    let spider = spider_pages(&run_spider(name, &options), &site());
    let took = started.elapsed();
    let engine = engine_pages(config, &options);
    let urls = |pages: &BTreeMap<String, Page>| pages.keys().cloned().collect::<BTreeSet<_>>();
    assert_eq!(urls(&spider), urls(&engine), "{name}: the same page set");
    for (url, page) in &engine {
        assert_eq!(&spider[url], page, "{name}: {url}");
    }
    println!("parity {name}: {} pages, the same in the spider and the engine (Scrapy took {took:.1?})", engine.len());
    engine.len()
}

#[test]
#[ignore = "needs Scrapy and the test site: `cargo xtask test` runs it (layer scrapy)"]
fn the_spider_finds_what_the_site_lists_as_expected() {
    let config = variant(25, 5);
    let options = json!({ "roots": [config.prefix()], "maxTasks": 4 });
    let jsonl = run_spider("expected", &options);
    // Load report in the page reads this very file (tests/e2e/scrapy.spec.js).
    std::fs::write(out_dir().join("pages.jsonl"), &jsonl).expect("written");
    let spider = spider_pages(&jsonl, &site());
    let url = format!("{}/__expected?base={}", site(), config.prefix());
    let expected: Value = serde_json::from_str(&http_get(&url)).expect("/__expected is JSON");
    let expected: BTreeMap<String, Page> = expected
        .as_array()
        .expect("an array")
        .iter()
        .map(|p| {
            let list = |k: &str| -> Vec<String> {
                p[k].as_array().into_iter().flatten().filter_map(Value::as_str).map(|s| path(s, &site())).collect()
            };
            let page = Page {
                url: path(p["url"].as_str().unwrap_or(""), &site()),
                aliases: list("aliases"),
                status: p["status"].as_u64(),
                links: list("links"),
                outcome: "done".into(),
            };
            (page.url.clone(), page)
        })
        .collect();
    assert_eq!(spider, expected);
    println!("/__expected: {} pages, the spider found them all", expected.len());
}

#[test]
#[ignore = "needs Scrapy and the test site: `cargo xtask test` runs it (layer scrapy)"]
fn the_spider_reports_the_engines_pages_for_each_option_mix() {
    let config = variant(25, 5);
    let all = parity("strict", &config, json!({ "maxTasks": 4 }));
    let lenient = parity("lenient-exclude", &config, json!({ "strict": false, "exclude": "page/1[0-9]$|old-b" }));
    assert!(lenient < all, "exclude left pages out");
    let shallow = parity("depth", &config, json!({ "depthLimit": 2 }));
    assert!(shallow < all, "depthLimit left pages out");
    // With a budget, which pages get in depends on the order: one request at a time makes it the same.
    // maxPages counts URLs enqueued: a redirect to a page already found adds an alias, not a page.
    let budget = parity("budget", &config, json!({ "maxPages": 12, "maxTasks": 1 }));
    assert!(budget < all && budget <= 12, "maxPages left pages out");
    assert_eq!(parity("dfs", &config, json!({ "order": "dfs", "maxTasks": 3 })), all);
    let dfs_budget = parity("dfs-budget", &config, json!({ "order": "dfs", "maxPages": 9, "maxTasks": 1 }));
    assert!(dfs_budget <= 9);
}

#[test]
#[ignore = "needs Scrapy and the test site: `cargo xtask test` runs it (layer scrapy)"]
fn hostile_option_text_stays_data() {
    let config = variant(12, 5);
    // Quotes of every kind, backslashes, newlines, a line separator, non-ASCII, and code after a newline.
    let exclude = "'''|\"\"\"|\\\\|\n|\u{2028}|é|\\)\"; import os; os._exit(3) #\n|/page/1$";
    let root_query = "?q='\"\"\"\\&x=\u{2028}é";
    let options = json!({ "roots": [format!("{}{root_query}", config.prefix())], "exclude": exclude });
    let compared = parity("hostile", &config, options.clone());
    assert!(compared > 1, "the crawl went past its root");
    // The spider holds the text exactly as given (the root as the engine normalised it).
    let source = spider_from_json(&with_origin(&options, &site()).to_string(), None).expect("valid");
    let file = out_dir().join("hostile-check.py");
    std::fs::write(&file, source).expect("written");
    let python = PathBuf::from(env("SCRAPY")).with_file_name("python");
    let read_back = Command::new(python)
        .args(["-c", "import json, runpy, sys; print(json.dumps(runpy.run_path(sys.argv[1])['CRAWL']))"])
        .arg(&file)
        .output()
        .expect("python starts");
    assert!(read_back.status.success(), "{}", String::from_utf8_lossy(&read_back.stderr));
    let crawl: Value = serde_json::from_slice(&read_back.stdout).expect("CRAWL as JSON");
    assert_eq!(crawl["exclude"], json!(exclude));
    let root = crawlscope::Options::from_json(&with_origin(&options, &site()).to_string()).expect("valid").roots;
    assert_eq!(crawl["roots"], json!([root[0].as_str()]));
}

/// A free TCP port on 127.0.0.1 (free when asked; the server binds it right after).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map(|a| a.port()).expect("a free port")
}

/// A child process killed (by its own PID) when dropped.
struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
#[ignore = "needs Scrapy and the test site: `cargo xtask test` runs it (layer scrapy)"]
fn two_redis_workers_share_one_frontier() {
    let port = free_port();
    let dir = out_dir().join("redis");
    std::fs::create_dir_all(&dir).expect("created");
    let _redis = Killed(
        Command::new(env("REDIS_SERVER"))
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .current_dir(&dir)
            .stdout(Stdio::null())
            .spawn()
            .expect("redis-server starts"),
    );
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "redis-server did not listen on {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
    // Slow enough pages that the crawl outlasts a worker's start (seconds, on a busy machine).
    let config = variant(40, 500);
    let options = json!({ "roots": [format!("{}{}", site(), config.prefix())], "maxTasks": 2 });
    let source = spider_from_json(&options.to_string(), Some(&format!("redis://127.0.0.1:{port}/0"))).expect("valid");
    let file = dir.join("spider.py");
    std::fs::write(&file, source).expect("written");
    let started = Instant::now();
    let workers: Vec<(Child, PathBuf)> = (0..2)
        .map(|i| {
            let jsonl = dir.join(format!("worker-{i}.jsonl"));
            let _ = std::fs::remove_file(&jsonl);
            let child = Command::new(env("SCRAPY"))
                .arg("runspider")
                .arg(&file)
                .arg("-o")
                .arg(&jsonl)
                .args(["-L", "WARNING", "-s", "MAX_IDLE_TIME_BEFORE_CLOSE=6"])
                .current_dir(&dir)
                .spawn()
                .expect("scrapy starts");
            (child, jsonl)
        })
        .collect();
    let mut texts = Vec::new();
    for (mut child, jsonl) in workers {
        let status = child.wait().expect("the worker ends");
        assert!(status.success(), "a worker failed: {status}");
        texts.push(std::fs::read_to_string(&jsonl).unwrap_or_default());
    }
    let counts: Vec<usize> =
        texts.iter().map(|t| t.lines().filter(|l| !l.contains(r#""outcome": "alias""#)).count()).collect();
    // spider_pages panics on a page crawled twice: across both workers' files too.
    let union = spider_pages(&texts.concat(), &site());
    let expected = engine_pages(&config, &json!({ "roots": [config.prefix()] }));
    assert_eq!(union.keys().collect::<Vec<_>>(), expected.keys().collect::<Vec<_>>());
    assert_eq!(union, expected);
    println!(
        "redis: {} pages in all, {:?} per worker, no URL twice, {:.1?} with both workers",
        union.len(),
        counts,
        started.elapsed()
    );
}

/// A GET with a plain TCP request: the test site answers HTTP/1.1 on loopback.
fn http_get(url: &str) -> String {
    use std::io::{Read, Write};
    let rest = url.strip_prefix("http://").expect("an http URL");
    let (host, path) = rest.split_once('/').map(|(h, p)| (h, format!("/{p}"))).unwrap_or((rest, "/".into()));
    let mut stream = std::net::TcpStream::connect(host).expect("the test site listens");
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").expect("sent");
    let mut answer = String::new();
    stream.read_to_string(&mut answer).expect("read");
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        return dechunk(body);
    }
    body.to_string()
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let n = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if n == 0 {
            break;
        }
        out.push_str(&rest[..n]);
        body = rest[n..].trim_start_matches("\r\n");
    }
    out
}
