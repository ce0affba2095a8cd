//! [`Fetcher`] on `web-sys` `fetch`: one `AbortController` per request,
//! aborted when the request's future is dropped (stop, timeout).

use crate::env::{
    Body, FetchError, FetchRequest, Fetcher, Response as Fetched, ResponseHead, EXPOSED_RESPONSE_HEADERS,
    SAFELISTED_RESPONSE_HEADERS,
};
use futures::future::LocalBoxFuture;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, ReadableStreamDefaultReader, Request, RequestCache, RequestCredentials, RequestInit, RequestMode,
    RequestRedirect, Response,
};

#[wasm_bindgen]
extern "C" {
    /// The global `fetch` (window or worker alike).
    #[wasm_bindgen(js_name = fetch)]
    fn global_fetch(input: &Request) -> js_sys::Promise;
}

/// Fetches with the browser's `fetch`.
pub struct WebFetcher;

impl Fetcher for WebFetcher {
    fn fetch(&self, request: FetchRequest) -> LocalBoxFuture<'static, Result<Fetched, FetchError>> {
        Box::pin(fetch(request))
    }
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

async fn fetch(request: FetchRequest) -> Result<Fetched, FetchError> {
    let controller = AbortController::new().map_err(to_fetch_error)?;
    let guard = AbortOnDrop(Some(controller.clone()));
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_mode(RequestMode::Cors);
    // No cookies to other sites, no cached answers: the crawl sees the server.
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    // `fetch` can follow (hiding every hop) or refuse redirects; nothing between.
    init.set_redirect(if request.follow_redirects { RequestRedirect::Follow } else { RequestRedirect::Error });
    init.set_signal(Some(&controller.signal()));
    let js_request = Request::new_with_str_and_init(&request.url, &init).map_err(to_fetch_error)?;
    // An await point: this task is parked until the browser settles the
    // promise, then woken through wasm-bindgen-futures' microtask queue.
    let response: Response = JsFuture::from(global_fetch(&js_request)).await.map_err(to_fetch_error)?.unchecked_into();
    let headers = SAFELISTED_RESPONSE_HEADERS
        .iter()
        .chain(EXPOSED_RESPONSE_HEADERS.iter())
        .filter_map(|name| response.headers().get(name).ok().flatten().map(|v| (name.to_string(), v)))
        .collect();
    let head =
        ResponseHead { url: response.url(), redirected: response.redirected(), status: response.status(), headers };
    // The abort guard moves into the body future: dropping it still aborts.
    let cap = request.max_body_bytes;
    let body = Box::pin(async move {
        let mut guard = guard;
        let body = read_body(&response, cap).await?;
        guard.disarm();
        Ok(body)
    });
    Ok(Fetched { head, body })
}

/// Read the body stream chunk by chunk, stopping (and cancelling the
/// stream) once `cap` bytes have arrived.
async fn read_body(response: &Response, cap: u64) -> Result<Body, FetchError> {
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
