//! Behaviour of the test server over real sockets, with a minimal HTTP/1.1
//! client so the tests need no HTTP library.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use testsite::{spawn, Config, Running};

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// Starts a server on free ports; every test gets its own, so counters and
/// latencies of parallel tests never mix.
fn start(latency_ms: u64) -> Running {
    let config = Config { site_port: 0, playground_port: 0, latency_ms, ..Config::default() };
    spawn(config).expect("the test server starts on a free port")
}

fn host_of(base_url: &str) -> &str {
    base_url.trim_start_matches("http://").trim_end_matches('/')
}

fn send(base_url: &str, method: &str, path: &str) -> TcpStream {
    let mut stream = TcpStream::connect(host_of(base_url)).expect("the server accepts connections");
    let request = format!("{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", host_of(base_url));
    stream.write_all(request.as_bytes()).expect("the request is written");
    stream
}

fn read_reply(mut stream: TcpStream) -> Reply {
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("the reply is read");
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = raw.split_once("\r\n\r\n").expect("the reply has a header block");
    let mut lines = head.lines();
    let status_line = lines.next().unwrap_or_default();
    let status = status_line.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("a status code");
    let headers = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    Reply { status, headers, body: body.to_string() }
}

fn request(base_url: &str, method: &str, path: &str) -> Reply {
    read_reply(send(base_url, method, path))
}

fn get(base_url: &str, path: &str) -> Reply {
    request(base_url, "GET", path)
}

fn stats(base_url: &str) -> (u64, u64) {
    let reply = get(base_url, "/__stats");
    assert_eq!(reply.header("cache-control"), Some("no-store"));
    let json: serde_json::Value = serde_json::from_str(&reply.body).expect("stats are JSON");
    let field = |name: &str| json[name].as_u64().unwrap_or_else(|| panic!("{name} in {json}"));
    (field("inFlight"), field("served"))
}

/// Polls until `done` holds, for at most `limit`.
fn eventually(limit: Duration, mut done: impl FnMut() -> bool) -> bool {
    let start = Instant::now();
    while start.elapsed() < limit {
        if done() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    done()
}

#[test]
fn every_response_allows_any_origin() {
    let server = start(0);
    let url = &server.site_url;
    let replies = [
        get(url, "/"),
        get(url, "/no/such/page"),
        get(url, "/s/no-such-knob=1/"),
        get(url, "/__stats"),
        get(url, "/__expected"),
        request(url, "OPTIONS", "/"),
        request(url, "POST", "/"),
    ];
    for reply in replies {
        assert_eq!(reply.header("access-control-allow-origin"), Some("*"), "status {}", reply.status);
        assert_eq!(reply.header("timing-allow-origin"), Some("*"), "status {}", reply.status);
        assert_eq!(reply.header("access-control-expose-headers"), Some("Retry-After"));
    }
}

#[test]
fn index_is_an_html_page() {
    let server = start(0);
    let reply = get(&server.site_url, "/");
    assert_eq!(reply.status, 200);
    assert!(reply.header("content-type").unwrap_or_default().starts_with("text/html"));
    assert!(reply.body.contains("href"), "the index links somewhere: {}", reply.body);
}

#[test]
fn unknown_path_is_404() {
    let server = start(0);
    assert_eq!(get(&server.site_url, "/definitely/not/a/page").status, 404);
}

#[test]
fn bad_variant_prefix_is_400_with_the_reason() {
    let server = start(0);
    let reply = get(&server.site_url, "/s/no-such-knob=1/");
    assert_eq!(reply.status, 400);
    assert!(reply.header("content-type").unwrap_or_default().starts_with("text/plain"));
    assert!(!reply.body.trim().is_empty());
}

#[test]
fn preflight_is_answered_without_touching_the_site() {
    let server = start(0);
    let reply = request(&server.site_url, "OPTIONS", "/page/1");
    assert_eq!(reply.status, 204);
    assert!(reply.header("access-control-allow-methods").unwrap_or_default().contains("GET"));
    assert_eq!(stats(&server.site_url), (0, 0));
}

#[test]
fn stats_count_served_and_in_flight() {
    let server = start(400);
    let url = server.site_url.clone();
    assert_eq!(stats(&url), (0, 0));

    let pending = send(&url, "GET", "/");
    assert!(eventually(Duration::from_secs(2), || stats(&url) == (1, 0)), "one request in flight");
    assert_eq!(read_reply(pending).status, 200);
    // The counter may lag the reply by a moment: it drops after the body is handed over.
    assert!(eventually(Duration::from_secs(2), || stats(&url) == (0, 1)), "one request served");
}

#[test]
fn aborted_request_is_no_longer_in_flight() {
    let server = start(10_000);
    let url = server.site_url.clone();
    let pending = send(&url, "GET", "/");
    assert!(eventually(Duration::from_secs(2), || stats(&url).0 == 1), "the request is in flight");
    drop(pending);
    assert!(
        eventually(Duration::from_secs(3), || stats(&url) == (0, 0)),
        "closing the connection cancels the request long before its 10 s latency: {:?}",
        stats(&url)
    );
}

#[test]
fn variants_set_their_own_latency() {
    let server = start(5_000);
    let started = Instant::now();
    assert_eq!(get(&server.site_url, "/s/latency=0/").status, 200);
    assert!(started.elapsed() < Duration::from_secs(2), "the variant's latency=0 wins");
}

#[test]
fn expected_pages_are_served_with_their_listed_status() {
    let server = start(0);
    let url = &server.site_url;
    let reply = get(url, "/__expected?base=/s/pages=8;latency=0/");
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(reply.header("content-type"), Some("application/json"));
    let pages: serde_json::Value = serde_json::from_str(&reply.body).expect("expected pages are JSON");
    let pages = pages.as_array().expect("a JSON array");
    assert!(!pages.is_empty());

    let origin = url.trim_end_matches('/');
    for page in pages {
        for field in ["url", "aliases", "status", "contentType", "links"] {
            assert!(page.get(field).is_some(), "{field} in {page}");
        }
        let page_url = page["url"].as_str().expect("url is a string");
        let path = page_url.strip_prefix(origin).unwrap_or_else(|| panic!("{page_url} is on {origin}"));
        assert_eq!(Some(u64::from(get(url, path).status)), page["status"].as_u64(), "{page_url}");
    }
}

#[test]
fn expected_rejects_a_base_that_is_not_a_site() {
    let server = start(0);
    let reply = get(&server.site_url, "/__expected?base=/s/no-such-knob=1/");
    assert_eq!(reply.status, 400);
}

#[test]
fn playground_serves_dist_and_points_at_the_site() {
    let dist = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("playground-dist");
    std::fs::create_dir_all(dist.join("pkg")).expect("a scratch dist/ can be made");
    std::fs::write(dist.join("index.html"), "<!doctype html><title>t</title>").expect("write index.html");
    std::fs::write(dist.join("pkg/crawlscope_bg.wasm"), b"\0asm\x01\0\0\0").expect("write a wasm file");

    let config = Config { site_port: 0, playground_port: 0, dist: Some(dist), ..Config::default() };
    let server = spawn(config).expect("the server starts");
    let playground = server.playground_url.clone().expect("a playground URL when dist is given");

    let index = get(&playground, "/");
    assert_eq!(index.status, 200);
    assert!(index.header("content-type").unwrap_or_default().starts_with("text/html"));
    let wasm = get(&playground, "/pkg/crawlscope_bg.wasm");
    assert_eq!(wasm.header("content-type"), Some("application/wasm"));
    assert_eq!(wasm.header("cache-control"), Some("no-store"));

    let config = get(&playground, "/config.json");
    let config: serde_json::Value = serde_json::from_str(&config.body).expect("config.json is JSON");
    assert_eq!(config["siteUrl"].as_str(), Some(server.site_url.as_str()));
}

#[test]
fn missing_dist_is_a_clear_error() {
    let config = Config { site_port: 0, playground_port: 0, dist: Some("/no/such/dist".into()), ..Config::default() };
    let error = spawn(config).expect_err("a missing dist/ cannot be served");
    assert!(error.to_string().contains("/no/such/dist"), "{error}");
}
