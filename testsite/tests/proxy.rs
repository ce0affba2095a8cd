//! The playground's local proxy over real sockets: every refusal it promises,
//! redirect chains hop by hop, the body cap, the timeout, and cookies that
//! never cross it. Plus the site without CORS headers it exists for.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use testsite::{spawn, Config, Running};

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn host_of(base_url: &str) -> &str {
    base_url.trim_start_matches("http://").trim_end_matches('/')
}

/// One HTTP/1.1 request with exactly the headers given (plus `Connection: close`).
fn request(base_url: &str, method: &str, path: &str, headers: &[(&str, &str)]) -> Reply {
    let mut stream = TcpStream::connect(host_of(base_url)).expect("the server accepts connections");
    let mut text = format!("{method} {path} HTTP/1.1\r\nConnection: close\r\n");
    for (name, value) in headers {
        text.push_str(&format!("{name}: {value}\r\n"));
    }
    text.push_str("\r\n");
    stream.write_all(text.as_bytes()).expect("the request is written");
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).expect("the reply is read");
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").expect("the reply has a header block");
    let head = String::from_utf8_lossy(&raw[..split]).into_owned();
    let mut body = raw[split + 4..].to_vec();
    let mut lines = head.lines();
    let status = lines.next().and_then(|l| l.split(' ').nth(1)).and_then(|s| s.parse().ok()).expect("a status");
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    if headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("transfer-encoding") && v == "chunked") {
        body = unchunk(&body);
    }
    Reply { status, headers, body }
}

/// Decode a chunked body (hyper chunks bodies of unknown length).
fn unchunk(mut raw: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    while let Some(end) = raw.windows(2).position(|w| w == b"\r\n") {
        let size = usize::from_str_radix(String::from_utf8_lossy(&raw[..end]).trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.extend_from_slice(&raw[end + 2..end + 2 + size]);
        raw = &raw[end + 2 + size + 2..];
    }
    out
}

/// The server, with a scratch dist/ so the playground (and its proxy) run.
struct Proxied {
    server: Running,
    playground: String,
    token: String,
}

fn start(proxy_timeout_ms: u64) -> Proxied {
    let dist = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("proxy-dist");
    std::fs::create_dir_all(&dist).expect("a scratch dist/ can be made");
    std::fs::write(dist.join("index.html"), "<!doctype html><title>t</title>").expect("write index.html");
    let config = Config {
        site_port: 0,
        playground_port: 0,
        latency_ms: 0,
        proxy_timeout_ms,
        dist: Some(dist),
        ..Config::default()
    };
    let server = spawn(config).expect("the server starts");
    let playground = server.playground_url.clone().expect("a playground");
    let config = request(&playground, "GET", "/config.json", &[("Host", host_of(&playground))]);
    let config: serde_json::Value = serde_json::from_slice(&config.body).expect("config.json is JSON");
    assert_eq!(config["proxy"]["endpoint"], "__proxy");
    assert_eq!(config["proxy"]["header"], "x-crawlscope-proxy-token");
    assert_eq!(config["noCorsSiteUrl"].as_str(), Some(server.no_cors_site_url.as_str()));
    let token = config["proxy"]["token"].as_str().expect("a token").to_string();
    assert!(token.len() >= 32, "a long random token: {token}");
    Proxied { server, playground, token }
}

impl Proxied {
    /// `GET /__proxy?url=…&extra` as a same-origin page of the playground sends it.
    fn get(&self, target: &str, extra: &str) -> Reply {
        self.send("GET", target, extra, &[])
    }

    fn send(&self, method: &str, target: &str, extra: &str, more: &[(&str, &str)]) -> Reply {
        let path = format!("/__proxy?url={}{extra}", encode(target));
        let mut headers = vec![
            ("Host", host_of(&self.playground)),
            ("x-crawlscope-proxy-token", self.token.as_str()),
            ("Sec-Fetch-Site", "same-origin"),
        ];
        for (name, value) in more {
            headers.retain(|(n, _)| !n.eq_ignore_ascii_case(name));
            if !value.is_empty() {
                headers.push((name, value));
            }
        }
        request(&self.playground, method, &path, &headers)
    }
}

fn encode(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A refusal: the status, and a one-line reason in the body and `x-proxy-error`.
fn assert_refused(reply: &Reply, status: u16, reason: &str) {
    assert_eq!(reply.status, status, "{}", reply.text());
    assert_eq!(reply.text().trim_end().lines().count(), 1, "one line: {}", reply.text());
    assert!(reply.text().contains(reason), "{reason} in {}", reply.text());
    assert_eq!(reply.header("x-proxy-error"), Some(reply.text().trim_end()));
}

#[test]
fn a_same_origin_request_with_the_token_is_proxied() {
    let p = start(5_000);
    let reply = p.get(&p.server.no_cors_site_url, "");
    assert_eq!(reply.status, 200, "{}", reply.text());
    assert_eq!(reply.header("x-proxy-status"), Some("200"));
    assert_eq!(reply.header("x-proxy-url"), Some(p.server.no_cors_site_url.as_str()));
    assert!(reply.header("content-type").unwrap_or_default().starts_with("text/html"));
    assert!(reply.text().contains("href"), "the site's index: {}", reply.text());
    assert_eq!(reply.header("x-proxy-hops"), None, "no redirect, no hops");
    // HEAD too.
    assert_eq!(p.send("HEAD", &p.server.no_cors_site_url, "", &[]).header("x-proxy-status"), Some("200"));
}

#[test]
fn a_missing_or_wrong_token_is_refused() {
    let p = start(5_000);
    let site = p.server.site_url.clone();
    assert_refused(&p.send("GET", &site, "", &[("x-crawlscope-proxy-token", "")]), 403, "missing");
    assert_refused(&p.send("GET", &site, "", &[("x-crawlscope-proxy-token", "00")]), 403, "wrong");
    let almost = format!("{}0", &p.token[..p.token.len() - 1]);
    let almost = if almost == p.token { format!("{}1", &p.token[..p.token.len() - 1]) } else { almost };
    assert_refused(&p.send("GET", &site, "", &[("x-crawlscope-proxy-token", &almost)]), 403, "wrong");
}

#[test]
fn a_foreign_host_header_is_refused() {
    let p = start(5_000);
    let site = p.server.site_url.clone();
    for host in ["evil.example:80", "localhost", "127.0.0.1"] {
        assert_refused(&p.send("GET", &site, "", &[("Host", host)]), 403, "Host");
    }
}

#[test]
fn only_same_origin_pages_may_use_it() {
    let p = start(5_000);
    let site = p.server.site_url.clone();
    for fetch_site in ["cross-site", "same-site", "none"] {
        assert_refused(&p.send("GET", &site, "", &[("Sec-Fetch-Site", fetch_site)]), 403, "Sec-Fetch-Site");
    }
    // A client that sends no Sec-Fetch-Site (not a browser) still needs the token.
    assert_eq!(p.send("GET", &site, "", &[("Sec-Fetch-Site", "")]).status, 200);
    // A cross-origin page's preflight for the token header is refused.
    assert_refused(&p.send("OPTIONS", &site, "", &[]), 403, "cross-origin");
}

#[test]
fn only_get_and_head_are_answered() {
    let p = start(5_000);
    for method in ["POST", "PUT", "DELETE"] {
        let reply = p.send(method, &p.server.site_url, "", &[]);
        assert_refused(&reply, 405, "GET and HEAD");
        assert_eq!(reply.header("allow"), Some("GET, HEAD"));
    }
}

#[test]
fn only_http_and_https_targets_are_fetched() {
    let p = start(5_000);
    for target in ["file:///etc/passwd", "ftp://127.0.0.1/", "data:text/html,hi", "javascript:alert(1)"] {
        assert_refused(&p.get(target, ""), 400, "only http and https");
    }
    assert_refused(&p.get("not a url", ""), 400, "not an absolute URL");
    let reply = request(
        &p.playground,
        "GET",
        "/__proxy",
        &[("Host", host_of(&p.playground)), ("x-crawlscope-proxy-token", &p.token)],
    );
    assert_refused(&reply, 400, "give the URL");
}

#[test]
fn a_three_hop_redirect_comes_back_with_its_chain() {
    let p = start(5_000);
    let site = p.server.no_cors_site_url.clone();
    let hop = |n: u32| format!("{site}__hops/{n}");
    let reply = p.get(&hop(3), "");
    assert_eq!(reply.header("x-proxy-status"), Some("200"));
    assert_eq!(reply.header("x-proxy-url"), Some(hop(0).as_str()));
    let chain = format!("302 {} -> {} | 302 {} -> {} | 302 {} -> {}", hop(3), hop(2), hop(2), hop(1), hop(1), hop(0));
    assert_eq!(reply.header("x-proxy-hops"), Some(chain.as_str()));
    assert_eq!(reply.header("location"), None, "the page's fetch must not follow anything itself");

    // maxRedirect 2: two hops followed, and the third 302 handed back as it came.
    let reply = p.get(&hop(3), "&maxRedirect=2");
    assert_eq!(reply.status, 200);
    assert_eq!(reply.header("x-proxy-status"), Some("302"));
    assert_eq!(reply.header("x-proxy-url"), Some(hop(1).as_str()));
    let chain = format!("302 {} -> {} | 302 {} -> {}", hop(3), hop(2), hop(2), hop(1));
    assert_eq!(reply.header("x-proxy-hops"), Some(chain.as_str()));
    let reply = p.get(&hop(3), "&maxRedirect=0");
    assert_eq!((reply.header("x-proxy-status"), reply.header("x-proxy-hops")), (Some("302"), None));
    assert_refused(&p.get(&hop(3), "&maxRedirect=21"), 400, "maxRedirect");
}

#[test]
fn the_body_is_cut_at_max_body_bytes() {
    let p = start(5_000);
    let huge = format!("{}huge", p.server.no_cors_site_url);
    let reply = p.get(&huge, "&maxBodyBytes=1000");
    assert_eq!(reply.header("x-proxy-status"), Some("200"));
    assert_eq!((reply.body.len(), reply.header("x-proxy-truncated")), (1000, Some("1")));
    let whole = p.get(&huge, "");
    assert!(whole.body.len() > 1_000_000, "the 2 MiB page whole: {}", whole.body.len());
    assert_eq!(whole.header("x-proxy-truncated"), None);
    assert_refused(&p.get(&huge, "&maxBodyBytes=0"), 400, "maxBodyBytes");
}

#[test]
fn a_slow_upstream_times_out() {
    let p = start(300);
    let started = Instant::now();
    let reply = p.get(&format!("{}s/latency=10000/", p.server.site_url), "");
    assert_refused(&reply, 504, "timed out after 300 ms");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
}

#[test]
fn an_unreachable_upstream_is_a_502_with_the_reason() {
    let p = start(5_000);
    // A port that was free a moment ago: nothing listens there now.
    let port = TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("a free port").port();
    let reply = p.get(&format!("http://127.0.0.1:{port}/"), "");
    assert_eq!(reply.status, 502, "{}", reply.text());
    assert!(reply.text().starts_with("upstream:"), "{}", reply.text());
}

#[test]
fn cookies_never_cross_the_proxy() {
    let p = start(5_000);
    // An upstream that sets a cookie and records the request it got.
    let upstream = TcpListener::bind("127.0.0.1:0").expect("an upstream port");
    let url = format!("http://{}/", upstream.local_addr().expect("its address"));
    let seen = std::thread::spawn(move || {
        let (mut stream, _) = upstream.accept().expect("the proxy connects");
        let mut buffer = [0u8; 4096];
        let n = stream.read(&mut buffer).unwrap_or(0);
        let reply = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nSet-Cookie: session=secret; Path=/\r\n\
                     Set-Cookie: other=1\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok";
        let _ = stream.write_all(reply.as_bytes());
        String::from_utf8_lossy(&buffer[..n]).to_lowercase()
    });
    let reply = p.send("GET", &url, "", &[("Cookie", "playground=mine"), ("Authorization", "Basic dXNlcjpwYXNz")]);
    assert_eq!((reply.status, reply.text().as_str()), (200, "ok"));
    assert!(reply.headers.iter().all(|(n, _)| !n.eq_ignore_ascii_case("set-cookie")), "{:?}", reply.headers);
    let upstream_saw = seen.join().expect("the upstream thread ends");
    assert!(upstream_saw.starts_with("get / http/1.1"), "{upstream_saw}");
    for leaked in ["cookie", "authorization", "x-crawlscope-proxy-token", "sec-fetch-site"] {
        assert!(!upstream_saw.contains(leaked), "{leaked} reached upstream: {upstream_saw}");
    }
}

#[test]
fn the_site_without_cors_headers_is_the_same_site() {
    let p = start(5_000);
    let (with, without) = (&p.server.site_url, &p.server.no_cors_site_url);
    for path in ["/", "/page/1", "/no/such/page", "/__stats"] {
        let a = request(with, "GET", path, &[("Host", host_of(with))]);
        let b = request(without, "GET", path, &[("Host", host_of(without))]);
        assert_eq!(a.status, b.status, "{path}");
        assert_eq!(a.header("access-control-allow-origin"), Some("*"));
        assert_eq!(b.header("access-control-allow-origin"), None, "{path} has no CORS header");
    }
    let expected = request(without, "GET", "/__expected", &[("Host", host_of(without))]);
    let pages: serde_json::Value = serde_json::from_slice(&expected.body).expect("JSON");
    let first = pages[0]["url"].as_str().unwrap_or_default();
    assert!(first.starts_with(without.trim_end_matches('/')), "the oracle names the no-CORS origin: {first}");
}
