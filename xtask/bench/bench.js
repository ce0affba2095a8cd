// The bench page: everything timed in the browser happens here, driven by
// run.js through `window.bench`. Each crawl measurement gets a fresh page
// load, so no run inherits the previous one's heap or wasm memory.

import { makePage, domLinks, PAGE_URL } from './pages.js';
import { peerCrawl } from './peer-crawler.js';

// The shipped build (dist/ copied alongside), or the one without event log.
const build = new URLSearchParams(location.search).get('build') === 'nolog' ? '../nolog' : '..';
const wasm = await import(`${build}/pkg/crawlscope.js`);
const { load } = await import(`${build}/www/api/crawlscope.js`);
const api = await load(); // runs the module's init(); `wasm` shares that instance

const utf8 = new TextEncoder();

function engineLinks(html) {
  return JSON.parse(wasm.benchExtractLinks(html, PAGE_URL));
}

/** The first few differences between two link lists, for a MISMATCH line. */
function differences(engine, dom) {
  const inEngine = new Set(engine);
  const inDom = new Set(dom);
  const onlyEngine = engine.filter((u) => !inDom.has(u)).slice(0, 5);
  const onlyDom = dom.filter((u) => !inEngine.has(u)).slice(0, 5);
  const firstOrderDiff = engine.findIndex((u, i) => u !== dom[i]);
  return { onlyEngine, onlyDom, firstOrderDiff, engineCount: engine.length, domCount: dom.length };
}

/** Milliseconds per parse of `html`, timed over `batch` parses (the clock is coarse). */
function time(fn, html, batch) {
  const t0 = performance.now();
  for (let i = 0; i < batch; i++) fn(html);
  return (performance.now() - t0) / batch;
}

window.bench = {
  build: build === '..' ? 'log' : 'nolog',

  /**
   * Run both extractors for `ms` before any sample: Chromium first runs wasm
   * (and JS) on a baseline compiler and tiers hot code up in the
   * background, so the first ~100 ms run at a quarter of full speed.
   */
  warmUp(ms) {
    const html = makePage(200_000, 1);
    const t0 = performance.now();
    while (performance.now() - t0 < ms) { engineLinks(html); domLinks(html, PAGE_URL); }
  },

  /**
   * Link extraction on one generated page: first prove both extractors
   * find the same links, then time them alternately, `reps` samples each.
   */
  extract({ bytes, batch, reps, warmup }) {
    const html = makePage(bytes);
    const size = utf8.encode(html).length;
    const engine = engineLinks(html);
    const dom = domLinks(html, PAGE_URL);
    const same = engine.length === dom.length && engine.every((u, i) => u === dom[i]);
    if (!same) return { size, links: dom.length, mismatch: differences(engine, dom) };

    const domFn = (h) => domLinks(h, PAGE_URL);
    for (let i = 0; i < warmup; i++) { time(engineLinks, html, batch); time(domFn, html, batch); }
    const engineMs = [];
    const domMs = [];
    for (let i = 0; i < reps; i++) {
      // Alternate who goes first, so neither always runs on the other's garbage.
      if (i % 2 === 0) { engineMs.push(time(engineLinks, html, batch)); domMs.push(time(domFn, html, batch)); }
      else { domMs.push(time(domFn, html, batch)); engineMs.push(time(engineLinks, html, batch)); }
    }
    return { size, links: dom.length, engineMs, domMs };
  },

  /**
   * One crawl to its end with the engine; wall time from start() to the
   * final report, and the longest task meanwhile (nothing renders on this
   * page, so that task is the engine's own).
   */
  async crawl({ root, maxTasks, maxTries, extract }) {
    const long = [];
    const observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) long.push(e.duration); });
    observer.observe({ type: 'longtask' });
    const t0 = performance.now();
    const report = await api.start({ roots: [root], maxTasks, maxTries, ...(extract ? { extract } : {}) }).done;
    const ms = performance.now() - t0;
    // Entries are delivered late, in a low-priority task: collect the rest now.
    for (const e of observer.takeRecords()) long.push(e.duration);
    observer.disconnect();
    // Pages that got `extract` fields: proof that a crawl with extract did extract.
    const withFields = report.pages.filter((p) => p.fields).length;
    return { ms, pages: report.pages.length, failed: report.counters.failed ?? 0, longestTask: Math.max(0, ...long),
      withFields };
  },

  /** The same crawl by the plain-JS peer. */
  async peer({ root, maxTasks }) {
    const t0 = performance.now();
    const { pages } = await peerCrawl({ root, maxTasks });
    return { ms: performance.now() - t0, pages };
  },

  /** JS heap (precise with --enable-precise-memory-info) and wasm memory, in bytes. */
  memory() {
    return { jsHeap: performance.memory.usedJSHeapSize, wasm: wasm.benchWasmMemoryBytes() };
  },

  /** A crawl whose handle stays alive (as the playground keeps it), for memory. */
  async keep({ root, maxTasks }) {
    window.kept = api.start({ roots: [root], maxTasks });
    const report = await window.kept.done;
    return { pages: report.pages.length, failed: report.counters.failed ?? 0 };
  },

  /** JSON bytes of the kept crawl's recorded log (none without the event log). */
  logBytes() {
    return build === '..' ? utf8.encode(JSON.stringify(window.kept.log())).length : null;
  },
};

document.getElementById('state').textContent = 'ready';
