// The JS API over the wasm module: window.crawlscope.
//
// Data crosses the wasm boundary as JSON text, so what a caller gets back is
// plain objects that survive the crawl (and structuredClone, and devtools).

import init, { startCrawl } from '../pkg/crawlscope.js';

/** Wrap a wasm CrawlHandle into the documented handle object. */
function wrap(handle) {
  const done = handle.done().then((json) => JSON.parse(json));
  return {
    /** Abort in-flight fetches and end the crawl; results so far are kept. */
    stop: () => handle.stop(),
    /** The Report as of now. */
    report: () => JSON.parse(handle.reportJson()),
    /** Events from position `from` on (the event log is the source of truth). */
    events: (from = 0) => JSON.parse(handle.eventsJson(from >>> 0)),
    /** Whether the crawl has ended. */
    get finished() { return handle.isFinished(); },
    /** A Promise of the final Report. */
    done,
  };
}

/** The API object; `options` is camelCase, all optional but `roots`. */
export const api = {
  version: 1,
  /** Start a crawl and return its handle; throws an Error naming a bad option. */
  start(options) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw Object.assign(new TypeError('options: expected an object like { roots: ["https://example.com/"] }'),
        { option: 'options' });
    }
    return wrap(startCrawl(JSON.stringify(options)));
  },
  /** Run a crawl to its end; resolves with the Report. */
  async crawl(options) {
    return this.start(options).done;
  },
};

/** Load the wasm module once and return the API. */
export async function load() {
  await init();
  return api;
}
