//! [`Fetcher`] on `web-sys` `fetch`: one `AbortController` per request,
//! aborted when the request's future is dropped (stop, timeout).

use crate::env::{FetchError, FetchRequest, Fetcher, Response as Fetched, ResponseHead, SAFELISTED_RESPONSE_HEADERS};
use futures::future::LocalBoxFuture;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{
    AbortController, Request, RequestCache, RequestCredentials, RequestInit, RequestMode, RequestRedirect, Response,
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
        Box::pin(fetch(request.url))
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

async fn fetch(url: String) -> Result<Fetched, FetchError> {
    let controller = AbortController::new().map_err(to_fetch_error)?;
    let guard = AbortOnDrop(Some(controller.clone()));
    let init = RequestInit::new();
    init.set_method("GET");
    init.set_mode(RequestMode::Cors);
    // No cookies to other sites, no cached answers: the crawl sees the server.
    init.set_credentials(RequestCredentials::Omit);
    init.set_cache(RequestCache::NoStore);
    init.set_redirect(RequestRedirect::Follow);
    init.set_signal(Some(&controller.signal()));
    let request = Request::new_with_str_and_init(&url, &init).map_err(to_fetch_error)?;
    // An await point: this task is parked until the browser settles the
    // promise, then woken through wasm-bindgen-futures' microtask queue.
    let response: Response = JsFuture::from(global_fetch(&request)).await.map_err(to_fetch_error)?.unchecked_into();
    let headers = SAFELISTED_RESPONSE_HEADERS
        .iter()
        .filter_map(|name| response.headers().get(name).ok().flatten().map(|v| (name.to_string(), v)))
        .collect();
    let head =
        ResponseHead { url: response.url(), redirected: response.redirected(), status: response.status(), headers };
    // The abort guard moves into the body future: dropping it still aborts.
    let body = Box::pin(async move {
        let mut guard = guard;
        let buffer = JsFuture::from(response.array_buffer().map_err(to_fetch_error)?).await.map_err(to_fetch_error)?;
        guard.disarm();
        Ok(js_sys::Uint8Array::new(&buffer).to_vec())
    });
    Ok(Fetched { head, body })
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
