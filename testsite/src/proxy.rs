//! The local proxy: `GET /__proxy?url=…` on the playground's own origin
//! fetches `url` server-side and hands the answer back to the page. The
//! page's request is same-origin, so CORS no longer decides what the crawler
//! may read, and because the proxy follows redirects itself it can report
//! every hop.
//!
//! A proxy that fetches any URL for whoever asks is a loaded gun, so every
//! request must pass, in this order (each refusal is a 4xx with a one-line
//! reason in the body and in `x-proxy-error`):
//!
//! 1. `Host` is the proxy's own loopback `address:port` (403): a page that
//!    rebinds its DNS name to 127.0.0.1 still sends its own name.
//! 2. No `OPTIONS` (403): a cross-origin page must preflight the token
//!    header, and the preflight is refused, so its request is never sent.
//! 3. Only `GET` and `HEAD` (405).
//! 4. `Sec-Fetch-Site`, when the browser sends it, is `same-origin` (403).
//! 5. `x-crawlscope-proxy-token` carries this start's random token (403): a
//!    simple (unpreflighted) request cannot carry a custom header.
//! 6. `url` is an absolute http(s) URL (400): no `file:`, `ftp:`, `data:`.
//!
//! Then: no cookie or credential goes upstream (nothing from the page's
//! request is forwarded), `Set-Cookie` and every other upstream header but
//! the CORS-safelisted ones and `Retry-After` are dropped, the body is cut at
//! `maxBodyBytes` (at most [`MAX_BODY_CEILING`]), the whole fetch has a
//! timeout, and at most [`MAX_UPSTREAM`] upstream fetches run at once.
//!
//! The answer is always `200` (a 3xx would make the browser follow it) with:
//! `x-proxy-status` (the site's status), `x-proxy-url` (the final URL),
//! `x-proxy-hops` (`STATUS URL -> URL` per hop, separated by ` | `), and
//! `x-proxy-truncated: 1` when the body was cut. The proxy follows at most
//! `maxRedirect` hops (default 20); when a chain is longer it returns the
//! 3xx that would have needed one more, so the crawler enforces the limit
//! exactly. Upstream failures are `502` (`504` for the timeout), again with
//! `x-proxy-error`.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::header::{ALLOW, HOST};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::Response;
use tokio::sync::Semaphore;

/// The most body bytes the proxy ever reads, whatever the page asks.
pub const MAX_BODY_CEILING: u64 = 64 * 1024 * 1024;
/// Upstream fetches at once; the rest wait their turn.
pub const MAX_UPSTREAM: usize = 8;
/// The request header that must carry the token.
pub const TOKEN_HEADER: &str = "x-crawlscope-proxy-token";
/// The most hops followed when the page does not say (Chromium's limit).
const DEFAULT_MAX_REDIRECT: u32 = 20;
const DEFAULT_MAX_BODY: u64 = 10 * 1024 * 1024;

/// Upstream response headers passed on: the CORS-safelisted ones (what a
/// page could read cross-origin anyway) and `Retry-After`, which the crawler
/// honours. `Set-Cookie` is never among them.
const PASSED_HEADERS: [&str; 7] =
    ["cache-control", "content-language", "content-type", "expires", "last-modified", "pragma", "retry-after"];

pub(crate) struct Proxy {
    /// This start's secret, announced to the page in `config.json`.
    pub(crate) token: String,
    /// `127.0.0.1:PORT`: the only `Host` the proxy answers.
    own_host: String,
    client: reqwest::Client,
    /// Bounds the upstream fetches in flight.
    permits: Semaphore,
    timeout: Duration,
}

impl Proxy {
    /// A proxy for the playground listening on `addr` (which must be a
    /// loopback address: the caller checks), with a fresh random token.
    pub(crate) fn new(addr: SocketAddr, timeout: Duration) -> std::io::Result<Arc<Proxy>> {
        let mut bytes = [0u8; 24];
        getrandom::fill(&mut bytes).map_err(|e| std::io::Error::other(format!("no random token: {e}")))?;
        let token = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let client = reqwest::Client::builder()
            // The proxy follows hops itself, to see and count each one.
            .redirect(reqwest::redirect::Policy::none())
            .pool_max_idle_per_host(MAX_UPSTREAM)
            .user_agent("crawlscope-proxy")
            .build()
            .map_err(|e| std::io::Error::other(format!("no HTTP client: {e}")))?;
        Ok(Arc::new(Proxy {
            token,
            own_host: addr.to_string(),
            client,
            permits: Semaphore::new(MAX_UPSTREAM),
            timeout,
        }))
    }
}

/// A refusal or failure: `status`, with the reason in the body and header.
fn refuse(status: StatusCode, reason: &str) -> Response {
    let mut response = Response::new(Body::from(format!("{reason}\n")));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(axum::http::header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    // A reason names URLs, which are ASCII once parsed; anything else is replaced.
    let value = HeaderValue::from_str(reason).unwrap_or_else(|_| HeaderValue::from_static("refused"));
    headers.insert(HeaderName::from_static("x-proxy-error"), value);
    response
}

pub(crate) async fn handle(
    State(proxy): State<Arc<Proxy>>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    if header(HOST.as_str()) != Some(proxy.own_host.as_str()) {
        return refuse(StatusCode::FORBIDDEN, &format!("the Host header must be {}", proxy.own_host));
    }
    if method == Method::OPTIONS {
        return refuse(StatusCode::FORBIDDEN, "cross-origin requests are refused (no preflight is granted)");
    }
    if method != Method::GET && method != Method::HEAD {
        let mut response = refuse(StatusCode::METHOD_NOT_ALLOWED, "the proxy answers GET and HEAD only");
        response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    if let Some(site) = header("sec-fetch-site") {
        if site != "same-origin" {
            return refuse(
                StatusCode::FORBIDDEN,
                &format!("Sec-Fetch-Site is {site}: only same-origin pages may use it"),
            );
        }
    }
    match header(TOKEN_HEADER) {
        Some(token) if same_secret(token, &proxy.token) => {}
        Some(_) => return refuse(StatusCode::FORBIDDEN, &format!("wrong {TOKEN_HEADER}")),
        None => return refuse(StatusCode::FORBIDDEN, &format!("missing {TOKEN_HEADER} (config.json announces it)")),
    }
    let params: Vec<(String, String)> =
        form_urlencoded::parse(query.as_deref().unwrap_or("").as_bytes()).into_owned().collect();
    let param = |name: &str| params.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let Some(target) = param("url") else {
        return refuse(StatusCode::BAD_REQUEST, "give the URL to fetch: /__proxy?url=https://…");
    };
    let url = match check_target(target) {
        Ok(url) => url,
        Err(reason) => return refuse(StatusCode::BAD_REQUEST, &reason),
    };
    let max_redirect = match param("maxRedirect").map(str::parse::<u32>) {
        None => DEFAULT_MAX_REDIRECT,
        Some(Ok(n)) if n <= DEFAULT_MAX_REDIRECT => n,
        Some(_) => return refuse(StatusCode::BAD_REQUEST, "maxRedirect must be a whole number from 0 to 20"),
    };
    let max_body = match param("maxBodyBytes").map(str::parse::<u64>) {
        None => DEFAULT_MAX_BODY,
        Some(Ok(n)) if n >= 1 => n.min(MAX_BODY_CEILING),
        Some(_) => return refuse(StatusCode::BAD_REQUEST, "maxBodyBytes must be a whole number from 1"),
    };

    // Wait for an upstream slot; the semaphore is never closed.
    let Ok(_permit) = proxy.permits.acquire().await else {
        return refuse(StatusCode::SERVICE_UNAVAILABLE, "the proxy is shutting down");
    };
    let head_only = method == Method::HEAD;
    match tokio::time::timeout(proxy.timeout, fetch(&proxy.client, url, max_redirect, max_body, head_only)).await {
        Ok(Ok(fetched)) => answer(fetched),
        Ok(Err(reason)) => refuse(StatusCode::BAD_GATEWAY, &reason),
        Err(_) => {
            refuse(StatusCode::GATEWAY_TIMEOUT, &format!("upstream timed out after {} ms", proxy.timeout.as_millis()))
        }
    }
}

/// Compares every byte, so the time taken does not tell how much matched.
fn same_secret(given: &str, token: &str) -> bool {
    given.len() == token.len() && given.bytes().zip(token.bytes()).fold(0u8, |acc, (a, b)| acc | (a ^ b)) == 0
}

/// An absolute http(s) URL, or why not.
fn check_target(text: &str) -> Result<reqwest::Url, String> {
    let url = reqwest::Url::parse(text).map_err(|e| format!("not an absolute URL ({e}): {text}"))?;
    match url.scheme() {
        "http" | "https" => Ok(url),
        other => Err(format!("only http and https URLs are fetched, not {other}:")),
    }
}

/// What came back from upstream, hop by hop.
struct Fetched {
    url: reqwest::Url,
    status: u16,
    /// (url, status, to) per redirect followed.
    hops: Vec<(String, u16, String)>,
    headers: Vec<(&'static str, HeaderValue)>,
    body: Vec<u8>,
    truncated: bool,
}

async fn fetch(
    client: &reqwest::Client,
    mut url: reqwest::Url,
    max_redirect: u32,
    max_body: u64,
    head_only: bool,
) -> Result<Fetched, String> {
    let mut hops = Vec::new();
    loop {
        let request = if head_only { client.head(url.clone()) } else { client.get(url.clone()) };
        // Nothing of the page's request goes along: no cookies, no auth.
        let mut response = request.send().await.map_err(|e| format!("upstream: {}", error_chain(&e)))?;
        let status = response.status().as_u16();
        let location = response.headers().get(reqwest::header::LOCATION).and_then(|v| v.to_str().ok());
        if let (true, Some(location)) = (response.status().is_redirection(), location) {
            if hops.len() as u32 >= max_redirect {
                // The answer that needed one hop more: the crawler reports the limit.
            } else {
                let next = url.join(location).map_err(|e| format!("{url} redirects to a bad URL ({e})"))?;
                if !matches!(next.scheme(), "http" | "https") {
                    return Err(format!("{url} redirects to a non-http(s) URL: {}", next.scheme()));
                }
                hops.push((url.to_string(), status, next.to_string()));
                url = next;
                continue;
            }
        }
        let headers =
            PASSED_HEADERS.iter().filter_map(|name| Some((*name, response.headers().get(*name)?.clone()))).collect();
        let mut body = Vec::new();
        let mut truncated = false;
        let cap = usize::try_from(max_body).unwrap_or(usize::MAX);
        while let Some(chunk) = response.chunk().await.map_err(|e| format!("upstream body: {}", error_chain(&e)))? {
            let room = cap - body.len();
            if chunk.len() > room {
                body.extend_from_slice(&chunk[..room]);
                truncated = true;
                break; // dropping the response closes the upstream connection
            }
            body.extend_from_slice(&chunk);
        }
        return Ok(Fetched { url, status, hops, headers, body, truncated });
    }
}

/// reqwest's error and its causes, on one line ("error sending request: connection refused").
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

fn answer(fetched: Fetched) -> Response {
    let mut response = Response::new(Body::from(fetched.body));
    let headers = response.headers_mut();
    for (name, value) in fetched.headers {
        headers.insert(name, value);
    }
    let mut set = |name: &'static str, value: String| {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    };
    set("x-proxy-url", fetched.url.to_string());
    set("x-proxy-status", fetched.status.to_string());
    if !fetched.hops.is_empty() {
        let hops: Vec<String> =
            fetched.hops.iter().map(|(url, status, to)| format!("{status} {url} -> {to}")).collect();
        set("x-proxy-hops", hops.join(" | "));
    }
    if fetched.truncated {
        set("x-proxy-truncated", "1".into());
    }
    // Never cached, and inert if ever opened as a page of this origin.
    set("cache-control", "no-store".into());
    set("content-security-policy", "sandbox".into());
    set("x-content-type-options", "nosniff".into());
    response
}
