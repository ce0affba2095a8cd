//! The browser's `TextDecoder` as the decoding backend of [`crate::decode`]:
//! the WHATWG encodings every browser ships, so the wasm need not carry
//! `encoding_rs`'s tables. Bound with a few `extern` lines rather than
//! web-sys features, because only three members are needed.

use wasm_bindgen::prelude::*;

use crate::decode::canonical_name;

#[wasm_bindgen]
extern "C" {
    type TextDecoder;

    /// `new TextDecoder(label, { fatal })`: throws a RangeError for an unknown label.
    #[wasm_bindgen(constructor, catch)]
    fn new(label: &str, options: &JsValue) -> Result<TextDecoder, JsValue>;

    /// The encoding's name, in lower case (`"shift_jis"`).
    #[wasm_bindgen(method, getter)]
    fn encoding(this: &TextDecoder) -> String;

    /// Decodes a view of wasm memory; with `fatal` it throws a TypeError on malformed input.
    #[wasm_bindgen(method, catch)]
    fn decode(this: &TextDecoder, input: &[u8]) -> Result<String, JsValue>;
}

fn decoder(label: &str, fatal: bool) -> Option<TextDecoder> {
    let options = js_sys::Object::new();
    // Setting a plain data property on a fresh object cannot fail.
    let _ = js_sys::Reflect::set(&options, &"fatal".into(), &fatal.into());
    TextDecoder::new(label, &options).ok()
}

/// The standard's name for `label`, or `None` when the browser does not know it.
pub fn for_label(label: &str) -> Option<&'static str> {
    canonical_name(&decoder(label, false)?.encoding())
}

/// Decode `body` as `name` (one of the standard's names), and whether any
/// bytes were malformed. A strict pass first tells malformed input apart;
/// only then a lenient pass replaces it with U+FFFD, as `encoding_rs` does.
pub fn decode(name: &str, body: &[u8]) -> (String, bool) {
    if let Some(text) = decoder(name, true).and_then(|d| d.decode(body).ok()) {
        return (text, false);
    }
    match decoder(name, false).and_then(|d| d.decode(body).ok()) {
        Some(text) => (text, true),
        // Only a browser without this encoding gets here: keep the bytes readable as UTF-8.
        None => (String::from_utf8_lossy(body).into_owned(), true),
    }
}
