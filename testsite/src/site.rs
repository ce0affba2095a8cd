//! The site origin: every path is answered by [`sitegen`], after sleeping out
//! the page's latency, plus two endpoints tests use to check a crawl:
//!
//! - `GET /__stats` → `{"inFlight":N,"served":N}`: requests being answered
//!   right now and answered so far (the endpoints themselves are not counted).
//!   Tests use it to prove a stopped crawl leaves nothing running.
//! - `GET /__expected?base=/s/…/` → the pages a crawl of that site must find,
//!   as seen from the origin the request was sent to.
//! - `GET /__hops/N` → a chain of N `302`s (`/__hops/N-1`, …) ending on a
//!   small page at `/__hops/0`: for redirect limits (`maxRedirect`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::sync::Mutex;
use std::time::Duration;

use axum::body::Body;
use axum::extract::State;
use axum::http::header::{
    ACCESS_CONTROL_ALLOW_HEADERS, ACCESS_CONTROL_ALLOW_METHODS, ACCESS_CONTROL_ALLOW_ORIGIN,
    ACCESS_CONTROL_EXPOSE_HEADERS, ACCESS_CONTROL_MAX_AGE, ALLOW, CACHE_CONTROL, CONTENT_TYPE, HOST, LOCATION,
    RETRY_AFTER,
};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri};
use axum::middleware::map_response;
use axum::response::Response;
use axum::Router;
use sitegen::{Site, SiteConfig};

use crate::Config;

/// Shared by every request of one server.
pub(crate) struct App {
    defaults: SiteConfig,
    /// Stands in for the origin when a request has no `Host` header.
    local_addr: SocketAddr,
    in_flight: AtomicUsize,
    served: AtomicU64,
    /// Requests so far per path (with query), for the pages that answer
    /// differently on later tries (`flaky`, `rate-limited`).
    hits: Mutex<HashMap<String, u64>>,
}

impl App {
    pub(crate) fn new(config: &Config, local_addr: SocketAddr) -> Arc<App> {
        let defaults = SiteConfig { pages: config.pages, latency_ms: config.latency_ms, ..SiteConfig::default() };
        Arc::new(App {
            defaults,
            local_addr,
            in_flight: AtomicUsize::new(0),
            served: AtomicU64::new(0),
            hits: Mutex::new(HashMap::new()),
        })
    }
}

/// The site's router; `cors: false` serves it as most real sites are
/// served, without any CORS header, so a page on another origin gets only
/// the browser's opaque `TypeError` (and a `no-cors` probe an opaque answer).
pub(crate) fn router(app: Arc<App>, cors: bool) -> Router {
    // One handler for every path and method: the site owns the whole URL space,
    // and routing by hand keeps OPTIONS, 404s and endpoints on the same path
    // through `allow_any_origin`.
    let router = Router::new().fallback(handle).with_state(app);
    if cors {
        router.layer(map_response(allow_any_origin))
    } else {
        router
    }
}

/// Counts a request as in flight for as long as its handler future lives.
///
/// Decrementing in `Drop` means a request whose client went away (the crawler
/// aborted its fetch, so the server dropped the handler mid-sleep) stops
/// counting too, not just one that completed.
struct InFlight<'a>(&'a AtomicUsize);

impl<'a> InFlight<'a> {
    fn enter(counter: &'a AtomicUsize) -> InFlight<'a> {
        counter.fetch_add(1, Ordering::SeqCst);
        InFlight(counter)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

async fn handle(State(app): State<Arc<App>>, method: Method, headers: HeaderMap, uri: Uri) -> Response {
    match uri.path() {
        "/__stats" => return stats(&app),
        "/__expected" => return expected(&app, &headers, uri.query()),
        _ => {}
    }
    if method == Method::OPTIONS {
        return preflight();
    }
    if method != Method::GET && method != Method::HEAD {
        let mut response = text(StatusCode::METHOD_NOT_ALLOWED, "the test site answers GET and HEAD");
        response.headers_mut().insert(ALLOW, HeaderValue::from_static("GET, HEAD, OPTIONS"));
        return response;
    }

    if let Some(n) = uri.path().strip_prefix("/__hops/") {
        return hops(n);
    }
    let _in_flight = InFlight::enter(&app.in_flight);
    let path = uri.path_and_query().map(|p| p.as_str()).unwrap_or("/");
    let (site, rest) = match Site::route(path, &app.defaults) {
        Ok(routed) => routed,
        Err(message) => return text(StatusCode::BAD_REQUEST, &message),
    };
    let nth = {
        // A poisoned lock only means another request panicked mid-count; the map is still usable.
        let mut hits = app.hits.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        let count = hits.entry(path.to_string()).or_insert(0);
        *count += 1;
        *count - 1
    };
    let answer = site.respond_nth(&rest, nth);
    tokio::time::sleep(Duration::from_millis(answer.latency_ms)).await;
    app.served.fetch_add(1, Ordering::SeqCst);
    if answer.drop_connection {
        // A body that fails before its first byte: hyper closes the
        // connection, and the browser sees a network error.
        let failing = futures_util::stream::once(async {
            Err::<axum::body::Bytes, std::io::Error>(std::io::Error::other("connection dropped on purpose"))
        });
        return Response::new(Body::from_stream(failing));
    }

    let mut builder = Response::builder()
        .status(answer.status)
        .header(CONTENT_TYPE, answer.content_type)
        // Every crawl must reach the server: cached pages would skew the
        // served count and the timings the playground shows.
        .header(CACHE_CONTROL, "no-store");
    if let Some(location) = answer.location {
        builder = builder.header(LOCATION, location);
    }
    if let Some(seconds) = answer.retry_after {
        builder = builder.header(RETRY_AFTER, seconds.to_string());
    }
    builder.body(Body::from(answer.body)).unwrap_or_else(|e| {
        text(StatusCode::INTERNAL_SERVER_ERROR, &format!("sitegen produced an invalid response: {e}"))
    })
}

fn hops(n: &str) -> Response {
    match n.parse::<u32>() {
        Ok(0) => {
            let mut response = text(StatusCode::OK, "");
            *response.body_mut() = Body::from("<!doctype html><title>the end of the chain</title>");
            response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
            response
        }
        Ok(n) => {
            let mut response = empty(StatusCode::FOUND);
            let location = HeaderValue::from_str(&format!("/__hops/{}", n - 1));
            // A number formats to ASCII digits: always a valid header value.
            if let Ok(location) = location {
                response.headers_mut().insert(LOCATION, location);
            }
            response
        }
        Err(_) => text(StatusCode::NOT_FOUND, "/__hops/N takes a whole number of hops"),
    }
}

fn stats(app: &App) -> Response {
    let body = serde_json::json!({
        "inFlight": app.in_flight.load(Ordering::SeqCst),
        "served": app.served.load(Ordering::SeqCst),
    });
    json(body)
}

fn expected(app: &App, headers: &HeaderMap, query: Option<&str>) -> Response {
    let base = form_urlencoded::parse(query.unwrap_or("").as_bytes())
        .find(|(key, _)| key == "base")
        .map(|(_, value)| value.into_owned())
        .unwrap_or_else(|| "/".to_string());
    let site = match Site::route(&base, &app.defaults) {
        Ok((site, rest)) if rest.is_empty() => site,
        Ok(_) => {
            let message = format!("base must be a site's base path like / or /s/pages=5/, not {base}");
            return text(StatusCode::BAD_REQUEST, &message);
        }
        Err(message) => return text(StatusCode::BAD_REQUEST, &message),
    };
    // The oracle's URLs must match what the crawler saw, and the crawler
    // reached us through whatever host name the test used.
    let host = headers
        .get(HOST)
        .and_then(|h| h.to_str().ok())
        .map(str::to_string)
        .unwrap_or_else(|| app.local_addr.to_string());
    let pages: Vec<serde_json::Value> = site
        .expected(&format!("http://{host}"))
        .into_iter()
        .map(|page| {
            serde_json::json!({
                "url": page.url,
                "aliases": page.aliases,
                "status": page.status,
                "contentType": page.content_type,
                "links": page.links,
            })
        })
        .collect();
    json(serde_json::Value::Array(pages))
}

fn preflight() -> Response {
    let mut response = empty(StatusCode::NO_CONTENT);
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_METHODS, HeaderValue::from_static("GET, HEAD, OPTIONS"));
    headers.insert(ACCESS_CONTROL_ALLOW_HEADERS, HeaderValue::from_static("*"));
    headers.insert(ACCESS_CONTROL_MAX_AGE, HeaderValue::from_static("600"));
    response
}

/// The crawler runs on another origin: without these the browser would hide
/// every response (CORS) and its timing details (Resource Timing) from it.
async fn allow_any_origin(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    headers.insert(HeaderName::from_static("timing-allow-origin"), HeaderValue::from_static("*"));
    headers.insert(ACCESS_CONTROL_EXPOSE_HEADERS, HeaderValue::from_static("Retry-After"));
    response
}

fn json(value: serde_json::Value) -> Response {
    let mut response = Response::new(Body::from(value.to_string()));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

fn text(status: StatusCode, message: &str) -> Response {
    let mut response = Response::new(Body::from(message.to_string()));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    response
}

fn empty(status: StatusCode) -> Response {
    let mut response = Response::new(Body::empty());
    *response.status_mut() = status;
    response
}
