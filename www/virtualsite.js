// The virtual site, page side: a generated web site at the fake origin
// https://site.crawlscope.test, answered inside the browser by the service
// worker sw.js (the same site generator as the native test site, in wasm).
//
// A page that wants to crawl it calls `await ensureVirtualSite()` once; after
// that the page is *controlled* by the worker, and every fetch to the virtual
// origin — the crawler's own, unchanged — is answered by it. The site's
// knobs live in its URL: virtualRoot({ pages: 50, latency: 300 }).

/** The origin the worker answers. `.test` is reserved (RFC 2606): it never resolves for real. */
export const VIRTUAL_ORIGIN = 'https://site.crawlscope.test';

/** What the worker simulates that a real server and network would impose. */
export const SIMULATED = Object.freeze({ perHostCap: 6 });

/** A short caption for the picture, so nobody mistakes the timings for a real network's. */
export const LABEL = `virtual site: latency and a ${SIMULATED.perHostCap}-per-host connection cap are simulated by a service worker`;

/**
 * The worker script: sw.js sits at the root of the built site, one level
 * above this module (www/). Resolving against this module, not the page,
 * finds it whichever page imports us.
 */
const WORKER_URL = new URL('../sw.js', import.meta.url);
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
  return globalThis.navigator?.serviceWorker?.controller?.scriptURL === WORKER_URL.href;
}

/**
 * Tell the worker this page gave up on every request it has made. The
 * engine aborts its fetches when a crawl is stopped, but Chromium does not
 * pass that abort on to the worker answering them (see sw.js), which would
 * otherwise keep sleeping out their latency and holding connection slots.
 */
export function abandonRequests() {
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
  pending ??= takeControl().finally(() => { pending = null; });
  return pending;
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
