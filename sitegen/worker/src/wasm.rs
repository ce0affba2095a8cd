//! The JavaScript face of the crate: two functions the service worker calls.
//!
//! Each returns a plain object, not a class instance: the worker reads a few
//! fields once and builds a `Response` from them, so there is nothing to free
//! and no handle to outlive the request.
//!
//! ```js
//! { status, contentType, location, retryAfter, dropConnection, latencyMs, body: Uint8Array }
//! ```
//! `location` and `retryAfter` are `null` when absent.

use js_sys::{Object, Reflect, Uint8Array};
use sitegen::Response;
use wasm_bindgen::prelude::*;

/// The answer to the `nth` request (from 0) for a path with its query,
/// e.g. `respond("/s/pages=30;seed=2/page/3", 0)`. Bad knobs give a 400.
#[wasm_bindgen(js_name = respond)]
pub fn respond(path_and_query: &str, nth: u32) -> JsValue {
    to_js(&crate::respond(path_and_query, u64::from(nth)))
}

/// `/__expected` for the site at `base` (e.g. `/s/pages=25;latency=5;seed=1/`)
/// with URLs on `origin`: a 200 JSON answer, or a 400 naming what is wrong
/// with `base`. Same object shape as [`respond`], so one code path serves both.
#[wasm_bindgen(js_name = expected)]
pub fn expected(base: &str, origin: &str) -> JsValue {
    to_js(&crate::expected(base, origin))
}

fn to_js(answer: &Response) -> JsValue {
    let object = Object::new();
    let set = |key: &str, value: JsValue| {
        // `Reflect.set` on a fresh ordinary object (no setters, not frozen,
        // not a proxy) always succeeds, so its `Result` carries nothing.
        let _ = Reflect::set(&object, &JsValue::from_str(key), &value);
    };
    set("status", JsValue::from(answer.status));
    set("contentType", JsValue::from_str(&answer.content_type));
    set("location", answer.location.as_deref().map_or(JsValue::NULL, JsValue::from_str));
    // Seconds and milliseconds fit an f64 exactly far beyond any knob's range.
    set("retryAfter", answer.retry_after.map_or(JsValue::NULL, |s| JsValue::from(s as f64)));
    set("dropConnection", JsValue::from_bool(answer.drop_connection));
    set("latencyMs", JsValue::from(answer.latency_ms as f64));
    // Copies the bytes out of wasm memory into a JS-owned buffer, so the
    // Response keeps them after this call's Rust `Vec` is freed.
    set("body", Uint8Array::from(answer.body.as_slice()).into());
    object.into()
}
