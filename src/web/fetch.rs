//! [`Fetcher`] on `web-sys` `fetch`: one `AbortController` per request,
//! aborted when the request's future is dropped (stop, timeout).
//!
//! Per request, as little work as the browser allows: `fetch(url, init)`
//! with no `Request` object, and the body in one `arrayBuffer()` when the
//! (CORS-safelisted) `Content-Length` shows it fits under the cap —
//! streamed chunk by chunk only when the length is unknown or too big.
//!
//! Two fetchers: [`WebFetcher`] asks sites directly (so CORS decides what
//! the page may read; `probe_no_cors` tells a CORS wall from a dead host),
//! and [`ProxyFetcher`] asks the local proxy on the page's own origin, which
//! fetches server-side and reports the real URL and every redirect hop in
//! its response headers (the protocol is in `testsite/src/proxy.rs`).

use crate::env::{
    Body, FetchError, FetchRequest, Fetcher, Hop, Response as Fetched, ResponseHead, EXPOSED_RESPONSE_HEADERS,
    SAFELISTED_RESPONSE_HEADERS,
};
use futures::future::LocalBoxFuture;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Headers, ReadableStreamDefaultReader, RequestCache, RequestCredentials, RequestInit, RequestMode,
    RequestRedirect, Response, ResponseType,
};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch(url, init)` (window or worker alike): no `Request`
    /// object is built for it.
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> js_sys::Promise;

    /// A response's `Headers`, seen only through `get` below.
    type HeaderMap;

    /// `headers.get(name)` with the name already a JS string: `null`, or
    /// the value (web-sys's `get` takes `&str`, and so copies and decodes
    /// the name into JS on every call). It throws only for a name that is
    /// no header name, and ours are constants that are.
    #[wasm_bindgen(method, js_name = get)]
    fn get_by_js_name(this: &HeaderMap, name: &JsValue) -> JsValue;
}

thread_local! {
    /// The names of every response header the engine reads, as JS strings
    /// made once: a response is asked for each, and most are absent.
    static HEADER_NAMES: Vec<(&'static str, JsValue)> = SAFELISTED_RESPONSE_HEADERS
        .iter()
        .chain(EXPOSED_RESPONSE_HEADERS.iter())
        .map(|name| (*name, JsValue::from_str(name)))
        .collect();
}

/// Bodies whose `Content-Length` is at most this are read in one
/// `arrayBuffer()`. `Content-Length` counts the bytes on the wire, and a
/// compressed body decodes bigger (the `Content-Encoding` header is hidden
/// from a cross-origin page), so the bound keeps the worst case of reading
/// a body whole, before the cap can cut it, to a few hundred MB; above it
/// the stream is read and cut at the cap as it arrives.
const WHOLE_BODY_MAX: u64 = 256 * 1024;

/// Fetches with the browser's `fetch`.
pub struct WebFetcher;

impl Fetcher for WebFetcher {
    fn fetch(&self, request: FetchRequest) -> LocalBoxFuture<'static, Result<Fetched, FetchError>> {
        Box::pin(fetch(request))
    }

    fn probe_no_cors(&self, url: String) -> LocalBoxFuture<'static, bool> {
        Box::pin(probe_no_cors(url))
    }
}

/// `fetch(url, { mode: "no-cors" })`: a server that answers without CORS
/// headers gives an opaque response (no status, no body for the page); a
/// host that does not answer at all still rejects with the `TypeError`.
async fn probe_no_cors(url: String) -> bool {
    let Ok(controller) = AbortController::new() else { return false };
    let _guard = AbortOnDrop(Some(controller.clone()));
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_mode(RequestMode::NoCors);
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    init.set_signal(Some(&controller.signal()));
    match JsFuture::from(global_fetch(&url, &init)).await {
        Ok(value) => value.dyn_ref::<Response>().is_some_and(|r| r.type_() == ResponseType::Opaque),
        Err(_) => false,
    }
}

/// The local proxy on the page's own origin (`GET endpoint?url=…`), as
/// `config.json` announces it. Same-origin, so every header is readable.
pub struct ProxyFetcher {
    /// Absolute URL of the proxy endpoint (`http://127.0.0.1:8080/__proxy`).
    pub endpoint: String,
    /// The per-start secret the proxy wants in [`TOKEN_HEADER`].
    pub token: String,
}

/// Request header carrying the proxy's token. A custom header makes any
/// cross-origin use a preflighted request, which the proxy refuses.
pub const TOKEN_HEADER: &str = "x-crawlscope-proxy-token";

impl Fetcher for ProxyFetcher {
    fn fetch(&self, request: FetchRequest) -> LocalBoxFuture<'static, Result<Fetched, FetchError>> {
        Box::pin(fetch_via_proxy(self.endpoint.clone(), self.token.clone(), request))
    }
}

async fn fetch_via_proxy(endpoint: String, token: String, request: FetchRequest) -> Result<Fetched, FetchError> {
    let mut target = url::Url::parse(&endpoint).map_err(|e| FetchError::Proxy(format!("bad proxy endpoint: {e}")))?;
    target
        .query_pairs_mut()
        .append_pair("url", &request.url)
        .append_pair("maxRedirect", &request.max_redirect.to_string())
        .append_pair("maxBodyBytes", &request.max_body_bytes.to_string());
    let controller = AbortController::new().map_err(to_fetch_error)?;
    let guard = AbortOnDrop(Some(controller.clone()));
    let headers = Headers::new().map_err(to_fetch_error)?;
    headers.set(TOKEN_HEADER, &token).map_err(to_fetch_error)?;
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_mode(RequestMode::SameOrigin);
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    init.set_headers(&headers);
    init.set_redirect(RequestRedirect::Error);
    init.set_signal(Some(&controller.signal()));
    let response: Response =
        JsFuture::from(global_fetch(target.as_str(), &init)).await.map_err(to_fetch_error)?.unchecked_into();
    let header = |name: &str| response.headers().get(name).ok().flatten();
    if let Some(reason) = header("x-proxy-error") {
        return Err(FetchError::Proxy(reason));
    }
    let Some(final_url) = header("x-proxy-url") else {
        // Not the proxy's answer (a static host's 404 page, say).
        return Err(FetchError::Proxy(format!("{endpoint} answered {} without x-proxy-url", response.status())));
    };
    let hops = header("x-proxy-hops").map(|h| Hop::parse_list(&h)).unwrap_or_default();
    // The proxy answers 200 and puts the site's status here: a 3xx of its
    // own would make the browser follow the hop the proxy just reported.
    let status = header("x-proxy-status").and_then(|s| s.parse().ok()).unwrap_or_else(|| response.status());
    let headers = SAFELISTED_RESPONSE_HEADERS
        .iter()
        .chain(EXPOSED_RESPONSE_HEADERS.iter())
        .filter_map(|name| header(name).map(|v| (name.to_string(), v)))
        .collect();
    let head = ResponseHead { url: final_url, redirected: !hops.is_empty(), status, headers, hops };
    let truncated_upstream = header("x-proxy-truncated").is_some();
    let cap = request.max_body_bytes;
    let length = head.header("content-length").and_then(|l| l.trim().parse().ok());
    let body = Box::pin(async move {
        let mut guard = guard;
        let mut body = read_body(&response, cap, length).await?;
        body.truncated |= truncated_upstream;
        guard.disarm();
        Ok(body)
    });
    Ok(Fetched { head, body })
}

/// Aborts the request if dropped before [`AbortOnDrop::disarm`]: when the
/// engine drops a fetch future (timeout, stop), the browser cancels the
/// request instead of finishing it for nobody.
struct AbortOnDrop(Option<AbortController>);

impl AbortOnDrop {
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        if let Some(controller) = self.0.take() {
            controller.abort();
        }
    }
}

thread_local! {
    /// The two `init` objects every crawl request uses (redirects refused,
    /// followed), built once: only the abort signal changes per request.
    static INITS: [RequestInit; 2] = [false, true].map(|follow| {
        let init = RequestInit::new();
        init.set_method("GET");
        init.set_mode(RequestMode::Cors);
        // No cookies to other sites, no cached answers: the crawl sees the server.
        init.set_credentials(RequestCredentials::Omit);
        init.set_cache(RequestCache::NoStore);
        // `fetch` can follow (hiding every hop) or refuse redirects; nothing between.
        init.set_redirect(if follow { RequestRedirect::Follow } else { RequestRedirect::Error });
        init
    });
}

async fn fetch(request: FetchRequest) -> Result<Fetched, FetchError> {
    let controller = AbortController::new().map_err(to_fetch_error)?;
    let guard = AbortOnDrop(Some(controller.clone()));
    let promise = INITS.with(|inits| {
        let init = &inits[usize::from(request.follow_redirects)];
        init.set_signal(Some(&controller.signal()));
        // `fetch` reads `init` now, so the next request may reuse it.
        global_fetch(&request.url, init)
    });
    // An await point: this task is parked until the browser settles the
    // promise, then woken through wasm-bindgen-futures' microtask queue.
    let response: Response = JsFuture::from(promise).await.map_err(to_fetch_error)?.unchecked_into();
    let js_headers: HeaderMap = response.headers().unchecked_into();
    let headers = HEADER_NAMES.with(|names| {
        names
            .iter()
            .filter_map(|(name, js_name)| js_headers.get_by_js_name(js_name).as_string().map(|v| (name.to_string(), v)))
            .collect()
    });
    let head = ResponseHead {
        url: response.url(),
        redirected: response.redirected(),
        status: response.status(),
        headers,
        hops: Vec::new(),
    };
    // The abort guard moves into the body future: dropping it still aborts.
    let cap = request.max_body_bytes;
    let length = head.header("content-length").and_then(|l| l.trim().parse().ok());
    let body = Box::pin(async move {
        let mut guard = guard;
        let body = read_body(&response, cap, length).await?;
        guard.disarm();
        Ok(body)
    });
    Ok(Fetched { head, body })
}

/// Read the body: whole, in one `arrayBuffer()`, when its announced
/// `length` fits under both `cap` and [`WHOLE_BODY_MAX`]; else the stream,
/// chunk by chunk, stopping (and cancelling it) once `cap` bytes have arrived.
async fn read_body(response: &Response, cap: u64, length: Option<u64>) -> Result<Body, FetchError> {
    if length.is_some_and(|n| n <= cap.min(WHOLE_BODY_MAX)) {
        let promise = response.array_buffer().map_err(to_fetch_error)?;
        let buffer = JsFuture::from(promise).await.map_err(to_fetch_error)?;
        let mut bytes = js_sys::Uint8Array::new(&buffer).to_vec();
        // A compressed body can decode past its Content-Length: the cap still holds.
        let cap = usize::try_from(cap).unwrap_or(usize::MAX);
        let truncated = bytes.len() > cap;
        bytes.truncate(cap);
        return Ok(Body { bytes, truncated });
    }
    let Some(stream) = response.body() else { return Ok(Body::default()) };
    let reader: ReadableStreamDefaultReader = stream.get_reader().unchecked_into();
    let mut bytes: Vec<u8> = Vec::new();
    let cap = usize::try_from(cap).unwrap_or(usize::MAX);
    loop {
        let chunk = JsFuture::from(reader.read()).await.map_err(to_fetch_error)?;
        let done = js_sys::Reflect::get(&chunk, &"done".into()).map(|d| d.is_truthy()).unwrap_or(true);
        if done {
            return Ok(Body { bytes, truncated: false });
        }
        let value = js_sys::Reflect::get(&chunk, &"value".into()).map_err(to_fetch_error)?;
        let array = js_sys::Uint8Array::new(&value);
        let room = cap - bytes.len();
        if array.length() as usize > room {
            let start = bytes.len();
            bytes.resize(cap, 0);
            array.subarray(0, room as u32).copy_to(&mut bytes[start..]);
            // Enough: tell the browser to stop downloading.
            let _ = reader.cancel();
            return Ok(Body { bytes, truncated: true });
        }
        let start = bytes.len();
        bytes.resize(start + array.length() as usize, 0);
        array.copy_to(&mut bytes[start..]);
    }
}

/// `AbortError` means we aborted; anything else is the browser's opaque
/// network `TypeError` (CORS refusal, DNS, refused connection, redirect loop).
fn to_fetch_error(value: JsValue) -> FetchError {
    if let Some(exception) = value.dyn_ref::<web_sys::DomException>() {
        if exception.name() == "AbortError" {
            return FetchError::Aborted;
        }
        return FetchError::Network(exception.message());
    }
    if let Some(error) = value.dyn_ref::<js_sys::Error>() {
        if error.name() == "AbortError" {
            return FetchError::Aborted;
        }
        return FetchError::Network(String::from(error.message()));
    }
    FetchError::Network(value.as_string().unwrap_or_else(|| "unknown error".into()))
}
