//! The panic hook. On stable wasm a panic ends the instance, so the engine
//! is written not to panic; if a bug slips through anyway, the message goes
//! to the console and to the page's error banner.

use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// Install once, at module start.
pub fn install() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        let message = format!("crawlscope crashed (a bug, please report it): {info}");
        // The page registers `crawlscopeOnPanic`; call it if present.
        let global = js_sys::global();
        if let Ok(callback) = js_sys::Reflect::get(&global, &JsValue::from_str("crawlscopeOnPanic")) {
            if let Some(callback) = callback.dyn_ref::<js_sys::Function>() {
                let _ = callback.call1(&JsValue::NULL, &JsValue::from_str(&message));
            }
        }
    }));
}
