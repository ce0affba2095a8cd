//! Exports for `cargo xtask bench` (see `xtask/bench/`). They live in the
//! build that ships, so the bench measures exactly what visitors load; they
//! add no code path of their own, only a door onto existing ones.

use crate::links;
use crate::web::idna::WebIdna;
use url::Url;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The links the engine extracts from `html` fetched from `page_url`, as a
/// JSON array of URLs in document order (read and resolved as a crawl does,
/// international hosts by the browser's `URL`; nofollow ignored), so the
/// bench can compare them with `DOMParser`'s and time it.
/// Throws when `page_url` is not an absolute URL.
#[wasm_bindgen(js_name = benchExtractLinks)]
pub fn bench_extract_links(html: &str, page_url: &str) -> Result<String, JsValue> {
    let page_url = Url::parse(page_url).map_err(|e| js_sys::Error::new(&format!("page URL {page_url:?}: {e}")))?;
    let extracted = links::resolve_with(&links::found_in(html), &page_url, false, std::rc::Rc::new(WebIdna));
    let urls: Vec<&str> = extracted.links.iter().map(Url::as_str).collect();
    serde_json::to_string(&urls).map_err(|e| js_sys::Error::new(&format!("serialising links: {e}")).into())
}

/// Bytes of this module's linear memory. It grows and never shrinks, so
/// this is the high-water mark of everything the engine has held.
#[wasm_bindgen(js_name = benchWasmMemoryBytes)]
pub fn bench_wasm_memory_bytes() -> f64 {
    // `wasm_bindgen::memory()` is this module's `WebAssembly.Memory`; the
    // checked cast keeps a surprise from becoming a panic.
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|memory| memory.buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64)
        .unwrap_or(f64::NAN)
}
