// Types of window.crawlscope, the JS API over the crawler (www/crawlscope.js).
// Everything crosses the wasm boundary as JSON, so these are plain objects.

export interface CrawlOptions {
  /** Start URLs (required). */
  roots: string[];
  maxTasks?: number;
  maxTries?: number;
  timeoutMs?: number;
  strict?: boolean;
  /** 0 refuses every redirect; anything else lets the browser follow up to 20 hops. */
  maxRedirect?: number;
  /** A regex-lite pattern searched in the whole URL. */
  exclude?: string;
  depthLimit?: number;
  maxPages?: number;
  order?: 'bfs' | 'dfs';
  respectNofollow?: boolean;
  perHostConcurrency?: number;
  delayMs?: number;
  /** Obey robots.txt; unset: on for every host but loopback ones. */
  robots?: boolean;
  maxBodyBytes?: number;
  backoffMs?: number;
  /** How long parsing runs before it yields to the event loop. */
  parseSliceMs?: number;
  /**
   * Send every request (robots.txt included) through the local proxy the page's server announces
   * (`crawlscope.proxy`): sites without CORS headers become crawlable, redirect hops are seen, and
   * `maxRedirect` holds exactly. Throws an Error naming `proxy` when none is announced.
   */
  proxy?: boolean;
  /**
   * Named CSS selectors: every HTML page gets `fields` with one value per name. `selector@attr`
   * takes that attribute, else the element's text (whitespace collapsed); a name ending in `[]`
   * takes every match (the field is named without the suffix). A bad selector throws an Error
   * whose `option` is `extract.<name>`.
   */
  extract?: Record<string, string>;
}

/** A page's `extract` fields: a first-match field's text or null (no match), a `[]` field's matches. */
export type Fields = Record<string, string | null | string[]>;

/** One redirect hop, as the local proxy sees it: `url` answered `status` and pointed to `to`. */
export interface RedirectHop {
  url: string;
  status: number;
  to: string;
}

/** Thrown by start() for a bad option: `option` names it (`roots[1]`, `maxTasks`, …). */
export interface OptionsError extends Error {
  option: string;
}

export interface PageReport {
  url: string;
  aliases: string[];
  status: number | null;
  contentType: string | null;
  encoding: string | null;
  size: number | null;
  links: string[];
  newLinks: number;
  error: string | null;
  tries: number;
  depth: number;
  parent: string | null;
  startMs: number | null;
  endMs: number | null;
  outcome: string;
  truncated: boolean;
  encodingNote: string | null;
  canonical: string | null;
  skips: Record<string, number>;
  /** Every redirect hop that led here, when they could be seen (through the local proxy). */
  redirects: RedirectHop[];
  /** The `extract` option's fields: only on the HTML pages of a crawl with `extract`. */
  fields?: Fields;
}

export interface Report {
  version: number;
  pages: PageReport[];
  counters: Record<'queued' | 'taken' | 'inFlight' | 'done' | 'httpError' | 'failed' | 'waiting' | 'skipped' |
    'notCrawled', number> & Record<string, number>;
  /** Crawl time (pauses excluded). */
  elapsedMs: number;
  /** Time spent paused: elapsedMs + pausedMs = wall time. */
  pausedMs: number;
  maxTasks: number;
  finished: boolean;
  endReason: 'complete' | 'stopped' | 'maxPages' | 'rootsFailed' | null;
  skips: Record<string, number>;
  /** The seed crawler's text report. */
  text: string;
}

/** One event of the log (see the README for every `type`). */
export interface CrawlEvent {
  type: string;
  /** Crawl time since the start (stands still while paused). */
  tMs: number;
  /** Wall time since the start (pauses included); absent in version-1 logs. */
  wallMs?: number;
  task?: number;
  url?: string;
  [field: string]: unknown;
}

export interface WakeCause {
  kind: 'task' | 'selfWake' | 'network' | 'timer' | 'external';
  task?: number;
}

export interface ReadyTask {
  task: number;
  awaiting: string | null;
  wokenBy: WakeCause | null;
}

export interface TaskDetail {
  task: number;
  name: string;
  state: string;
  awaiting: string | null;
  polls: number;
  wakes: number;
  wokenBy: Record<string, number>;
  lastWokenBy: WakeCause | null;
  totalMs: number;
  runningMs: number;
  queuedMs: number;
  waitingMs: number;
  pages: number;
  [field: string]: unknown;
}

/**
 * A lint: something the event log shows went wrong on the event loop, with the step (one poll) where it
 * happened and a sentence in the chapter's words.
 */
export interface Lint {
  kind: 'longPoll' | 'selfWakes' | 'slowToPoll' | 'neverWoken';
  /** `kind` in words: `long poll`, `self-wakes`, `slow to poll`, `never woken`. */
  title: 'long poll' | 'self-wakes' | 'slow to poll' | 'never woken';
  task: number;
  /** The task's name, as the lanes show it (`worker 2`, `supervisor`). */
  name: string;
  /** The event it was raised at (its position in the log). */
  seq: number;
  /** The replay step that shows it: `crawlscope.replay(log).seek(step)`. */
  step: number;
  /** Crawl time of that event. */
  tMs: number;
  /** The poll's length (long poll) or the wait (slow to poll), ms; null for the others. */
  ms: number | null;
  message: string;
}

/** A Trace Event Format file (the JSON object form), as Perfetto and chrome://tracing open it. */
export interface TraceFile {
  traceEvents: Array<{ ph: string; name: string; pid: number; tid?: number; ts?: number; dur?: number;
    cat?: string; id?: number; args?: Record<string, unknown>; [field: string]: unknown }>;
  displayTimeUnit: 'ms';
  otherData: { producer: 'crawlscope'; polls: number; wakes: number; flows: number; fetches: number; lints: number;
    [field: string]: unknown };
}

interface View {
  report(): Report;
  /** Lints so far (a replay: up to the current step). */
  lints(): Lint[];
  readonly lintCount: number;
  tasks(): TaskDetail[];
  task(idOrUrl: number | string): unknown;
  ready(): ReadyTask[];
  /** Events from position `from` on; at most `max` when given (a reader far behind catches up in slices). */
  events(from?: number, max?: number): CrawlEvent[];
  readonly eventCount: number;
  readonly finished: boolean;
}

export interface CrawlHandle extends View {
  kind: 'crawl';
  options: CrawlOptions;
  stop(): void;
  pause(): void;
  resume(): void;
  readonly paused: boolean;
  /** Time spent paused so far (ms): crawl time + pausedMs = wall time. */
  readonly pausedMs: number;
  /** How many times report() was called (it visits every page; the playground folds events instead). */
  readonly reportCalls: number;
  /** While paused, poll one ready task once; returns its id. */
  step(taskId?: number): number;
  /** Move a frozen clock to the next engine timer; the ms skipped or null. */
  skipTime(): number | null;
  readonly originMs: number;
  /** The recorded log (a versioned object; JSON.stringify it to save). */
  log(): object;
  /** The log so far as a Trace Event Format file. */
  trace(): TraceFile;
  done: Promise<Report>;
  /** Resolves (to undefined) as the crawl ends, without reading its Report: for a page that folds the log itself. */
  ended: Promise<void>;
}

export interface ReplayHandle extends View {
  kind: 'replay';
  seek(step: number): number;
  stepForward(): number;
  stepBack(): number;
  readonly position: number;
  readonly steps: number;
  readonly polledTask: number | null;
  log(): object;
  /** The whole log as a Trace Event Format file. */
  trace(): TraceFile;
}

export interface ReportView extends View {
  kind: 'report';
}

export type CurrentView = CrawlHandle | ReplayHandle | ReportView;

export interface VirtualSite {
  /** `https://site.crawlscope.test`: answered by the playground's service worker. */
  origin: string;
  /** The generated site's URL for these knobs. */
  root(knobs?: { pages?: number; latency?: number; seed?: number; links?: number }): string;
  /**
   * Register the service worker and wait until it controls this page; where no service worker is
   * allowed, answer the site inside the page instead (see `label`).
   */
  ready(): Promise<unknown>;
  /** What the picture says about a virtual crawl (simulated latency and connection cap). */
  label: string;
  /** What the worker simulates that a real network would impose. */
  simulated: { perHostCap: number };
  /** Whether a URL (or a root without a scheme) is on the virtual site. */
  isVirtual(url: string): boolean;
}

export interface CrawlscopeApi {
  version: 1;
  current: CurrentView | null;
  /** `{ current: false }`: a background crawl that does not become `current` (the page does not draw it). */
  start(options: CrawlOptions, settings?: { current?: boolean; paused?: boolean }): CrawlHandle;
  crawl(options: CrawlOptions): Promise<Report>;
  replay(log: object | string): ReplayHandle;
  /** A recorded log as a Trace Event Format file; throws an Error saying what is wrong with a bad log. */
  traceEvents(log: object | string): TraceFile;
  /** The current view's lints. */
  lints(): Lint[];
  /** A saved Report (object or JSON text), or the JSON Lines an exported Scrapy spider writes. */
  showReport(report: object | string): Report;
  /**
   * The Python source of a Scrapy spider for these options (`scrapy runspider <file> -o pages.jsonl`);
   * with `redis` (`redis://host:port/db`) a scrapy-redis spider whose workers share one frontier.
   * Throws an OptionsError naming a bad option (or `redis`).
   */
  scrapySpider(options: CrawlOptions, settings?: { redis?: string }): string;
  pause(): void;
  resume(): void;
  step(taskId?: number): number | undefined;
  ready(): ReadyTask[];
  tasks(): TaskDetail[];
  task(idOrUrl: number | string): unknown;
  /** Events from position `from` on; at most `max` when given (a reader far behind catches up in slices). */
  events(from?: number, max?: number): CrawlEvent[];
  report(): Report | null;
  stop(): void;
  onCurrent(listener: (view: CurrentView) => void): () => boolean;
  virtualSite: VirtualSite;
  /** The local proxy config.json announced (`cargo xtask serve`), or null: `proxy: true` needs one. */
  readonly proxy: { endpoint: string } | null;
  panicForTesting(message?: string): never;
}

declare global {
  interface Window {
    crawlscope: CrawlscopeApi;
  }
  interface WindowEventMap {
    'crawlscope-ready': CustomEvent<CrawlscopeApi>;
  }
}
