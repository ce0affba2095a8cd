// The JS API over the wasm module: window.crawlscope.
//
// Data crosses the wasm boundary as JSON text, so what a caller gets back is
// plain objects that survive the crawl (and structuredClone, and devtools).

import init, { startCrawl, openReplay, traceFromLog, scrapySpider, panicForTesting } from '../../pkg/crawlscope.js';
import { normaliseReport } from './export.js';
import {
  VIRTUAL_ORIGIN, currentLabel, SIMULATED, virtualRoot, isVirtual, ensureVirtualSite, virtualSiteReady, trackVirtualCrawl,
} from '../site/virtualsite.js';

/** Pages per part when a report crosses from wasm (about 150 KB of JSON). */
const REPORT_PART = 250;

/** `events(from, max)`'s limit for the engine: none when `max` is absent, else a whole number ≥ 0. */
function eventLimit(max) {
  if (max == null || max === Infinity) return undefined;
  const n = Math.floor(Number(max));
  if (!(n >= 0)) throw new TypeError(`events(from, max): max must be a number ≥ 0, not ${max}`);
  return Math.min(n, 0xffffffff);
}

/**
 * A live crawl's Report, read in parts: everything but the pages, then the pages 250 at a
 * time, so wasm memory (which never shrinks) holds one part's text at a time, not the whole report's.
 * Synchronous, so no event can land between the parts.
 */
function readReport(handle) {
  const report = JSON.parse(handle.reportHeadJson());
  const count = handle.reportPageCount();
  for (let from = 0; from < count; from += REPORT_PART) {
    for (const page of JSON.parse(handle.reportPagesJson(from, REPORT_PART))) report.pages.push(page);
  }
  return report;
}

/** Wrap a wasm CrawlHandle into the documented handle object. */
function wrapCrawl(handle, options) {
  // The final Report is built (in wasm), serialised and parsed only if someone asks for it: for a
  // 20,000-page crawl that is most of a second, which a page that folds the log itself never needs.
  let done = null;
  let ended = null;
  const whenEnded = () => {
    ended ??= handle.done();
    return ended;
  };
  let reportCalls = 0;
  return {
    kind: 'crawl',
    options,
    /** Abort in-flight fetches and end the crawl; results so far are kept. */
    stop: () => handle.stop(),
    /** Hold every task at the gate; woken tasks wait in the ready list. */
    pause: () => handle.pause(),
    /** Release every held task, oldest first. */
    resume: () => handle.resume(),
    get paused() { return handle.isPaused(); },
    /** Time spent paused so far, in ms: crawl time (`tMs`, `elapsedMs`) + `pausedMs` = wall time. */
    get pausedMs() { return handle.pausedMs(); },
    /** While paused, poll one ready task (`taskId`, or the oldest) exactly once; returns its id. */
    step: (taskId) => handle.step(taskId == null ? undefined : taskId >>> 0),
    /**
     * While paused with nothing ready and nothing on the network: move the engine's frozen clock to its
     * next timer (a timeout, backoff or politeness delay). Returns the ms skipped, or null.
     */
    skipTime: () => handle.skipTime() ?? null,
    /** The ready list: tasks woken while paused, oldest first, with what woke them. */
    ready: () => JSON.parse(handle.readyJson()),
    /** Every task's detail (state, await point, polls, wakes, times). */
    tasks: () => JSON.parse(handle.tasksJson()),
    /** One task (by id) or page (by URL), with its events; null if unknown. */
    task: (idOrUrl) => JSON.parse(handle.inspectJson(String(idOrUrl))),
    /** The Report as of now: it visits every page, so the page itself never asks for it while a crawl runs. */
    report: () => {
      reportCalls += 1;
      return readReport(handle);
    },
    /** How many times `report()` was called (the page's tests check that its refreshes never do). */
    get reportCalls() { return reportCalls; },
    /** Events from position `from` on (the event log is the source of truth); at most `max` when given. */
    events: (from = 0, max) => JSON.parse(handle.eventsJson(from >>> 0, eventLimit(max))),
    get eventCount() { return handle.eventCount(); },
    /**
     * The crawl's start on the performance.now() clock. Event times are relative to it: `tMs` in crawl
     * time (it stands still while paused), `wallMs` in wall time (pauses included).
     */
    get originMs() { return handle.originMs(); },
    /** The recorded log (a versioned object; JSON.stringify it to save). */
    log: () => JSON.parse(handle.logJson()),
    /** Lints so far: long polls, self-wakes, slow to poll, never woken — each with its step and a sentence. */
    lints: () => JSON.parse(handle.lintsJson()),
    get lintCount() { return handle.lintCount(); },
    /** The log so far as a Trace Event Format object (Perfetto, chrome://tracing). */
    trace: () => JSON.parse(handle.traceJson()),
    /** Whether the crawl has ended. */
    get finished() { return handle.isFinished(); },
    /** A Promise of the final Report. */
    get done() {
      done ??= whenEnded().then(() => readReport(handle));
      return done;
    },
    /** A Promise that resolves (to undefined) as the crawl ends; unlike `done`, it reads no Report. */
    get ended() {
      return whenEnded();
    },
  };
}

/** Wrap a wasm ReplayHandle. */
function wrapReplay(handle) {
  const tasks = () => JSON.parse(handle.tasksJson());
  return {
    kind: 'replay',
    /** Go to step `n` (one step = one task poll); returns the step reached. */
    seek: (n) => handle.seek(Number(n)),
    stepForward: () => handle.stepForward(),
    stepBack: () => handle.stepBack(),
    get position() { return handle.position(); },
    get steps() { return handle.steps(); },
    /** The task polled by the current step (null at step 0). */
    get polledTask() { return handle.polledTask() ?? null; },
    report: () => JSON.parse(handle.reportJson()),
    tasks,
    task: (idOrUrl) => JSON.parse(handle.inspectJson(String(idOrUrl))),
    /** Tasks that were woken and not yet polled at this step. */
    ready: () => tasks().filter((t) => t.state === 'ready')
      .map((t) => ({ task: t.task, awaiting: t.awaiting, wokenBy: t.lastWokenBy })),
    events: (from = 0, max) => JSON.parse(handle.eventsJson(from >>> 0, eventLimit(max))),
    get eventCount() { return handle.eventCount(); },
    log: () => JSON.parse(handle.logJson()),
    /** Lints raised up to the current step. */
    lints: () => JSON.parse(handle.lintsJson()),
    get lintCount() { return handle.lintCount(); },
    /** The whole log as a Trace Event Format object. */
    trace: () => JSON.parse(handle.traceJson()),
    get finished() { return true; },
  };
}

/** A saved Report shown again: a view with the report and nothing live behind it. */
function wrapReport(report) {
  return {
    kind: 'report',
    report: () => structuredClone(report),
    tasks: () => [],
    task: () => null,
    ready: () => [],
    events: () => [],
    get eventCount() { return 0; },
    lints: () => [],
    get lintCount() { return 0; },
    get finished() { return true; },
  };
}

/**
 * A root on the virtual site is answered only once its service worker
 * controls this page; before that the fetch would go to the real network and
 * fail as an unreachable host. Say so up front, naming the fix. Returns
 * whether the crawl is of the virtual site.
 */
function requireVirtualSite(roots) {
  const root = Array.isArray(roots) ? roots.find(isVirtual) : undefined;
  if (root === undefined || virtualSiteReady()) return root !== undefined;
  throw Object.assign(
    new Error(`roots: ${root} is on the virtual site, which a service worker answers, and it does not control this page yet: await crawlscope.virtualSite.ready() first`),
    { option: 'roots' },
  );
}

/**
 * The local proxy the page's own server announces in config.json
 * (`cargo xtask serve`, `testsite --dist`): `{ endpoint, token }`, or null on
 * a static host. Read once by load(); the token is for this origin only
 * (config.json has no CORS headers, so no other page can read it).
 */
let announcedProxy = null;

async function readProxy() {
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (!response.ok) return null;
    const proxy = (await response.json())?.proxy;
    if (typeof proxy?.endpoint !== 'string' || typeof proxy?.token !== 'string') return null;
    return { endpoint: new URL(proxy.endpoint, response.url).href, token: proxy.token };
  } catch {
    return null; // no config: a static host
  }
}

/** Listeners told when a crawl or replay becomes the current one. */
const listeners = new Set();

/** The API object; `options` is camelCase, all optional but `roots`. */
export const api = {
  version: 1,
  /** The most recent crawl or replay (what pause/step/... below act on). */
  current: null,
  /**
   * Start a crawl and return its handle; throws an Error naming a bad option.
   * With `{ current: false }` the crawl runs in the background: it does not
   * become `current`, so the page does not draw it (a scene that measures
   * the main thread must not measure the page's drawing of its own crawl).
   * With `{ paused: true }` it starts paused, before any task's first poll:
   * step 1 is the first worker's first poll.
   */
  start(options, { current = true, paused = false } = {}) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw Object.assign(new TypeError('options: expected an object like { roots: ["https://example.com/"] }'),
        { option: 'options' });
    }
    const virtual = requireVirtualSite(options.roots);
    // With `proxy: true` and no proxy announced the engine throws an Error naming `proxy`.
    const handle = wrapCrawl(startCrawl(JSON.stringify(options), paused === true, announcedProxy?.endpoint,
      announcedProxy?.token), options);
    if (virtual) trackVirtualCrawl(handle.done);
    if (current) this.setCurrent(handle);
    return handle;
  },
  /** Run a crawl to its end; resolves with the Report. */
  async crawl(options) {
    return this.start(options).done;
  },
  /**
   * The crawl as a Scrapy spider: the Python source of one self-contained file for
   * `scrapy runspider <file> -o pages.jsonl` (its items load back with showReport / Load report).
   * With `{ redis: "redis://host:port/db" }` a scrapy-redis spider instead: any number of workers
   * share one frontier there. A bad option throws the same Error, naming it, as start() does.
   */
  scrapySpider(options, { redis } = {}) {
    if (options === null || typeof options !== 'object' || Array.isArray(options)) {
      throw Object.assign(new TypeError('options: expected an object like { roots: ["https://example.com/"] }'),
        { option: 'options' });
    }
    if (redis != null && typeof redis !== 'string') {
      throw Object.assign(new TypeError(`redis: expected a URL such as "redis://127.0.0.1:6379/0", got ${typeof redis}`),
        { option: 'redis' });
    }
    return scrapySpider(JSON.stringify(options), redis ?? undefined);
  },
  /** Open a recorded log (object or JSON text) for replay; throws an Error saying what is wrong. */
  replay(log) {
    const text = typeof log === 'string' ? log : JSON.stringify(log);
    if (typeof text !== 'string') throw new TypeError('replay: expected a crawlscope log (object or JSON text)');
    const handle = wrapReplay(openReplay(text));
    this.setCurrent(handle);
    return handle;
  },
  /**
   * A recorded log (object or JSON text) as a Trace Event Format object, for Perfetto's UI,
   * chrome://tracing or the DevTools Performance panel. Throws an Error saying what is wrong.
   */
  traceEvents(log) {
    const text = typeof log === 'string' ? log : JSON.stringify(log);
    if (typeof text !== 'string') throw new TypeError('traceEvents: expected a crawlscope log (object or JSON text)');
    return JSON.parse(traceFromLog(text));
  },
  /**
   * Show a saved Report (object or JSON text) without crawling; returns the
   * report as shown. Throws an Error saying what is wrong with a bad one.
   */
  showReport(report) {
    let clean;
    try {
      clean = normaliseReport(report);
    } catch (e) {
      throw new Error(`showReport: ${e.message}`);
    }
    this.setCurrent(wrapReport(clean));
    return structuredClone(clean);
  },
  // Devtools shortcuts: act on the current crawl.
  pause() { return this.current?.pause?.(); },
  resume() { return this.current?.resume?.(); },
  step(taskId) { return this.current?.kind === 'replay' ? this.current.stepForward() : this.current?.step(taskId); },
  ready() { return this.current?.ready() ?? []; },
  tasks() { return this.current?.tasks() ?? []; },
  task(idOrUrl) { return this.current?.task(idOrUrl) ?? null; },
  events(from = 0, max) { return this.current?.events(from, max) ?? []; },
  report() { return this.current?.report() ?? null; },
  lints() { return this.current?.lints?.() ?? []; },
  stop() { return this.current?.stop?.(); },
  /**
   * The virtual site: a generated site at `origin` answered by a service
   * worker in this browser. `root({ pages, latency, seed, links })` is a
   * site's URL; `await ready()` once before crawling it (it explains, in its
   * Error, when this page cannot have the worker); `label` captions the picture.
   */
  virtualSite: {
    origin: VIRTUAL_ORIGIN,
    root: virtualRoot,
    ready: ensureVirtualSite,
    /** How the site is answered now (a service worker, or this page when none is allowed). */
    get label() { return currentLabel(); },
    simulated: SIMULATED,
    isVirtual,
  },
  /** The local proxy this page's server announced (`{ endpoint }`), or null: `proxy: true` needs one. */
  get proxy() { return announcedProxy ? { endpoint: announcedProxy.endpoint } : null; },
  /** Test hook: make the wasm module panic on purpose (the page then shows its error banner). */
  panicForTesting(message = 'panic requested by a test') { panicForTesting(String(message)); },
  setCurrent(handle) {
    this.current = handle;
    for (const listener of listeners) listener(handle);
  },
  /** Be told when a crawl or replay starts (the page uses this to follow API-started crawls). */
  onCurrent(listener) { listeners.add(listener); return () => listeners.delete(listener); },
};

/** Load the wasm module once and return the API. */
export async function load() {
  [, announcedProxy] = await Promise.all([init(), readProxy()]);
  return api;
}
