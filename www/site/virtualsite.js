// The virtual site, page side: a generated web site at the fake origin
// https://site.crawlscope.test, answered inside the browser by the service
// worker sw.js (the same site generator as the native test site, in wasm).
//
// A page that wants to crawl it calls `await ensureVirtualSite()` once; after
// that the page is *controlled* by the worker, and every fetch to the virtual
// origin — the crawler's own, unchanged — is answered by it. Where no
// service worker is allowed, the same script answers from a plain Worker
// behind a wrapped `fetch` (answerInPage). The site's knobs live in its URL:
// virtualRoot({ pages: 50, latency: 300 }).

/** The origin the worker answers. `.test` is reserved (RFC 2606): it never resolves for real. */
export const VIRTUAL_ORIGIN = 'https://site.crawlscope.test';

/** What the worker simulates that a real server and network would impose. */
export const SIMULATED = Object.freeze({ perHostCap: 6 });

/** A short caption for the picture, so nobody mistakes the timings for a real network's. */
export const LABEL = `virtual site: latency and a ${SIMULATED.perHostCap}-per-host connection cap are simulated by a service worker`;

/** Why the site is answered inside the page instead (null while a service worker answers it). */
let inPageReason = null;

/** The caption for the site as it is answered now. */
export function currentLabel() {
  if (inPageReason === null) return LABEL;
  return 'virtual site, answered inside this page (this browser allows no service worker here; the console says '
    + `why): its requests do not show in the Network panel; latency and a ${SIMULATED.perHostCap}-per-host `
    + 'connection cap are simulated';
}

/**
 * The worker script: sw.js sits at the root of the built site, one level
 * above this module (www/). Resolving against this module, not the page,
 * finds it whichever page imports us.
 */
const WORKER_URL = new URL('../../sw.js', import.meta.url);
/** The worker's scope: its own directory, the widest a worker may claim. */
const SCOPE = new URL('./', WORKER_URL);
/** How long to wait for the worker to install, activate and claim the page. */
const TIMEOUT_MS = 5_000;

const KNOB = /^\d+$/;

/**
 * The URL of a generated site: `https://site.crawlscope.test/s/pages=30;latency=100;seed=1/`.
 * Knobs are whole numbers (pages ≥ 1, latency in ms); `links` (per page) is sent only when given.
 */
export function virtualRoot({ pages = 30, latency = 100, seed = 1, links } = {}) {
  const knobs = { pages, latency, seed, ...(links === undefined ? {} : { links }) };
  for (const [name, value] of Object.entries(knobs)) {
    if (!KNOB.test(String(value))) throw new RangeError(`virtualRoot: ${name} must be a whole number, got ${value}`);
  }
  const text = Object.entries(knobs).map(([name, value]) => `${name}=${value}`).join(';');
  return `${VIRTUAL_ORIGIN}/s/${text}/`;
}

/**
 * Whether a URL (or a root as the crawler takes it, scheme optional) is on
 * the virtual origin. A root without `://` gets `https://`, as the engine adds.
 */
export function isVirtual(url) {
  const text = String(url ?? '').trim();
  try {
    return new URL(text.includes('://') ? text : `https://${text}`).origin === VIRTUAL_ORIGIN;
  } catch {
    return false; // not a URL at all: the engine will say so
  }
}

/** Whether this page is controlled by *our* worker right now (not merely by some worker). */
export function virtualSiteReady() {
  if (inPageReason !== null) return true;
  return globalThis.navigator?.serviceWorker?.controller?.scriptURL === WORKER_URL.href;
}

/**
 * Tell the worker this page gave up on every request it has made. The
 * engine aborts its fetches when a crawl is stopped, but Chromium does not
 * pass that abort on to the worker answering them (see sw.js), which would
 * otherwise keep sleeping out their latency and holding connection slots.
 */
export function abandonRequests() {
  if (inPageReason !== null) return; // answered in the page: each aborted fetch already told the worker
  // `before`: only answers the worker began before now. A crawl started right
  // after this one ended may already have requests on the way, which the
  // message can overtake; they must not be abandoned with the old ones.
  globalThis.navigator?.serviceWorker?.controller?.postMessage({ type: 'abandon', before: Date.now() });
}

/** Crawls of the virtual site running in this page. */
let runningCrawls = 0;

/**
 * Follow a crawl of the virtual site (its `done` promise of the final
 * Report): once it is stopped (its fetches in flight were aborted) and no
 * other one runs here, abandon what the worker is still answering. A crawl
 * that ends by itself (complete, or its maxPages budget processed) has
 * nothing in flight.
 */
export function trackVirtualCrawl(done) {
  runningCrawls += 1;
  const ended = (report) => {
    runningCrawls -= 1;
    if (runningCrawls === 0 && (report === null || report.endReason === 'stopped')) abandonRequests();
  };
  done.then(ended, () => ended(null));
}

/** A normal reload: unlike Shift+Reload it goes through the service worker. */
export function reloadNormally() {
  location.reload();
}

/** One attempt at a time: concurrent callers share it; a failed one may be retried. */
let pending = null;

/**
 * Register the worker and resolve once it controls this page. Rejects with
 * an Error whose message says, for a person, why the virtual site cannot
 * work here and what to do; a hard-reload error also has `reload` (=
 * reloadNormally) for a button.
 */
export function ensureVirtualSite() {
  if (virtualSiteReady()) return Promise.resolve();
  // Whatever keeps the service worker out (see takeControl), the site still
  // works: answered inside the page, by the same script in a plain Worker.
  pending ??= takeControl()
    .catch((e) => answerInPage(String(e?.message ?? e)))
    .finally(() => { pending = null; });
  return pending;
}

// ------------------------------------------------------------ without a service worker

/** Statuses fetch follows (with a Location), and those whose Response has no body. */
const REDIRECTS = new Set([301, 302, 303, 307, 308]);
const NULL_BODY = new Set([101, 103, 204, 205, 304]);
const aborted = () => new DOMException('The user aborted a request.', 'AbortError');

/**
 * Answer the virtual origin in this page: sw.js runs as a dedicated Worker
 * (wasm and all), and `fetch` — which the crawler's web-sys binding looks up
 * on `window` at each call — is wrapped so requests to the virtual origin
 * are asked of that worker, redirects followed as fetch would, aborts passed
 * on. Everything else goes to the real fetch untouched.
 */
function answerInPage(reason) {
  const worker = new Worker(WORKER_URL.href);
  const waiting = new Map();
  let nextId = 0;
  worker.addEventListener('message', (event) => {
    const resolve = waiting.get(event.data?.id);
    if (resolve) {
      waiting.delete(event.data.id);
      resolve(event.data);
    }
  });
  const ask = (url, method, signal) => new Promise((resolve, reject) => {
    if (signal.aborted) return reject(aborted());
    nextId += 1;
    const id = nextId;
    const onAbort = () => {
      waiting.delete(id);
      worker.postMessage({ type: 'abort', id });
      reject(aborted());
    };
    signal.addEventListener('abort', onAbort, { once: true });
    waiting.set(id, (reply) => {
      signal.removeEventListener('abort', onAbort);
      resolve(reply);
    });
    worker.postMessage({ type: 'fetch', id, url, method });
  });
  const realFetch = globalThis.fetch;
  globalThis.fetch = async function fetch(input, init) {
    const request = new Request(input, init); // throws the TypeError fetch would for a bad input
    if (new URL(request.url).origin !== VIRTUAL_ORIGIN) return realFetch.call(globalThis, input, init);
    let url = request.url;
    for (let hops = 0; ; hops += 1) {
      const reply = await ask(url, request.method, request.signal);
      // What fetch itself rejects with for a network error.
      if (reply.error) throw new TypeError(`Failed to fetch (${reply.error})`);
      const headers = new Headers(reply.headers);
      const location = headers.get('location');
      if (REDIRECTS.has(reply.status) && location !== null) {
        if (request.redirect !== 'follow' || hops >= 20) throw new TypeError('Failed to fetch (redirect)');
        url = new URL(location, url).href;
        if (new URL(url).origin !== VIRTUAL_ORIGIN) {
          return realFetch.call(globalThis, url, { signal: request.signal, credentials: 'omit', cache: 'no-store' });
        }
        continue;
      }
      const body = request.method === 'HEAD' || NULL_BODY.has(reply.status) ? null : reply.body;
      const response = new Response(body, { status: reply.status, headers });
      // What a fetched Response says of itself; a constructed one has no URL.
      Object.defineProperties(response, { url: { value: url }, redirected: { value: hops > 0 } });
      return response;
    }
  };
  inPageReason = reason;
  console.info(`crawlscope: the virtual site is answered inside this page. ${reason}`);
}

async function takeControl() {
  const here = globalThis.location?.href ?? 'an unknown address';
  // Service workers exist only in secure contexts: https, or http on
  // localhost / 127.0.0.1, where browsers make an exception for development.
  if (!globalThis.isSecureContext) {
    throw new Error(`The virtual site runs in a service worker, which needs a secure context: https or localhost; this page is at ${here}`);
  }
  const container = globalThis.navigator?.serviceWorker;
  if (!container) {
    throw new Error(`The virtual site runs in a service worker, and this browser offers none here (some private windows turn them off); this page is at ${here}`);
  }
  if (!here.startsWith(SCOPE.href)) {
    throw new Error(`The virtual site's service worker controls pages under ${SCOPE.href}; this page is at ${here}`);
  }

  let registration;
  try {
    // updateViaCache 'none': a rebuilt sw.js or pkg-site/ is picked up at once, never a stale copy.
    registration = await container.register(WORKER_URL.href, { scope: SCOPE.href, updateViaCache: 'none' });
  } catch (e) {
    throw new Error(`Could not start the virtual site's service worker (${WORKER_URL.href}): ${e?.message ?? e}`);
  }
  const worker = await activeWorker(registration);
  if (virtualSiteReady()) return;

  // The worker claims open pages when it activates; an already-active worker
  // (registered by an earlier visit) is asked to claim this one. Either way
  // the page hears `controllerchange` once it is controlled.
  const changed = new Promise((resolve) => container.addEventListener('controllerchange', resolve, { once: true }));
  worker.postMessage('claim');
  await Promise.race([changed, delay(TIMEOUT_MS)]);
  if (virtualSiteReady()) return;

  // Claimed and still not controlled: the page was loaded bypassing service
  // workers, which is what a hard reload (Shift+Reload, Ctrl+F5) does, and
  // such a page stays uncontrolled until it is loaded again.
  throw Object.assign(
    new Error('This page was loaded bypassing service workers (a hard reload, Shift+Reload, does that), so the virtual site cannot answer it. Reload the page normally to use it.'),
    { reload: reloadNormally },
  );
}

/** The registration's active worker, once there is one (installing → activating can take a moment). */
function activeWorker(registration) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(new Error(`The virtual site's service worker did not start within ${TIMEOUT_MS / 1000} s; try reloading the page`));
    }, TIMEOUT_MS);
    const settle = () => {
      if (!registration.active) return;
      clearTimeout(timer);
      resolve(registration.active);
    };
    const watch = (worker) => worker?.addEventListener('statechange', () => {
      if (worker.state === 'redundant' && !registration.active) {
        clearTimeout(timer);
        // Its install failed: sw.js could not load the site's wasm (pkg-site/ missing or broken).
        reject(new Error(`The virtual site's service worker failed to install: is ${new URL('pkg-site/', SCOPE).href} there? (cargo xtask build puts it next to sw.js)`));
      } else {
        settle();
      }
    });
    watch(registration.installing);
    watch(registration.waiting);
    registration.addEventListener('updatefound', () => watch(registration.installing));
    settle();
  });
}

const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
