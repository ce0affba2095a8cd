//! The `#[wasm_bindgen]` boundary. Data crosses as JSON text: options in,
//! report and events out. `www/crawlscope.js` wraps this into the
//! documented `window.crawlscope` API.

use crate::options::Options;
use crate::Crawl;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(start)]
pub fn start() {
    super::panic::install();
}

/// A crawl running in this page.
#[wasm_bindgen]
pub struct CrawlHandle {
    crawl: Crawl,
}

/// Start a crawl. Options are the JS API's object as JSON; a bad option
/// throws an `Error` whose `option` property names it.
#[wasm_bindgen(js_name = startCrawl)]
pub fn start_crawl(options_json: &str) -> Result<CrawlHandle, JsValue> {
    let options = Options::from_json(options_json).map_err(|e| {
        let error = js_sys::Error::new(&e.to_string());
        let _ = js_sys::Reflect::set(&error, &"option".into(), &e.option.as_str().into());
        JsValue::from(error)
    })?;
    Ok(CrawlHandle { crawl: Crawl::start(options, super::browser_env()) })
}

#[wasm_bindgen]
impl CrawlHandle {
    /// Abort in-flight fetches and end the crawl, keeping every result.
    pub fn stop(&self) {
        self.crawl.stop();
    }

    /// The report as of now, as JSON.
    #[wasm_bindgen(js_name = reportJson)]
    pub fn report_json(&self) -> String {
        to_json(&self.crawl.report())
    }

    /// Events from position `from` on, as a JSON array.
    #[wasm_bindgen(js_name = eventsJson)]
    pub fn events_json(&self, from: u32) -> String {
        to_json(&self.crawl.events_since(from as usize))
    }

    #[wasm_bindgen(js_name = isFinished)]
    pub fn is_finished(&self) -> bool {
        self.crawl.is_finished()
    }

    /// A Promise of the final report's JSON.
    pub fn done(&self) -> js_sys::Promise {
        let finished = self.crawl.finished();
        wasm_bindgen_futures::future_to_promise(async move { Ok(JsValue::from_str(&to_json(&finished.await))) })
    }
}

/// Our types always serialise (string keys, finite or null numbers); the
/// fallback keeps that promise without a panic path.
fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"serialisation failed: {e}\"}}"))
}
