//! The browser's `TextDecoder` as the engine's [`Decoder`] (see
//! [`crate::decode`]): the WHATWG encodings every browser ships, so the wasm
//! need not carry `encoding_rs`'s tables. UTF-8 never comes here: the engine
//! validates it in wasm memory, without a round trip through a JS string. Bound with a few `extern` lines rather than
//! web-sys features, because only three members are needed.

use wasm_bindgen::prelude::*;

use crate::decode::canonical_name;
use crate::env::Decoder;

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

/// `TextDecoder`, created per call (a decoder is cheap; other encodings than UTF-8 are rare).
pub struct WebDecoder;

impl Decoder for WebDecoder {
    /// The standard's name for `label`, or `None` when the browser does not know it.
    fn for_label(&self, label: &str) -> Option<&'static str> {
        canonical_name(&decoder(label, false)?.encoding())
    }

    /// Decode `body` as `name` (one of the standard's names), and whether any
    /// bytes were malformed. A strict pass first tells malformed input apart;
    /// only then a lenient pass replaces it with U+FFFD, as `encoding_rs` does.
    fn decode(&self, name: &'static str, body: &[u8]) -> (String, bool) {
        if let Some(text) = decoder(name, true).and_then(|d| d.decode(body).ok()) {
            return (text, false);
        }
        match decoder(name, false).and_then(|d| d.decode(body).ok()) {
            Some(text) => (text, true),
            // Only a browser without this encoding gets here: keep the bytes readable as UTF-8.
            None => (String::from_utf8_lossy(body).into_owned(), true),
        }
    }
}
