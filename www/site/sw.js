// The virtual site: a service worker that answers every request to
// https://site.crawlscope.test with the generated test site (sitegen, the
// same Rust the native test server runs, compiled to wasm).
//
// The crawler does not know: it fetches the URLs with plain `fetch` as it
// would any site (they show in the Network panel, marked "from service
// worker"), robots.txt included. `xtask build` puts this file at the root of
// dist/, because a worker only controls pages at or below its own directory.
//
// A classic script, not a module: `importScripts` loads wasm-bindgen's
// `--target no-modules` glue, which defines the global `wasm_bindgen`.
//
// The worker keeps no settings (they travel in the URL, e.g.
// /s/pages=30;latency=300;seed=1/page/3). It keeps only counters in memory:
// how often each path was asked for (the `flaky` and `rate-limited` pages
// answer by that), and `/__stats`. The browser stops an idle worker after
// about 30 s and starts a fresh one on the next request; that resets the
// counters, which changes nothing but those two special pages' next answer.

'use strict';

importScripts('pkg-site/sitegen_worker.js');

/** The only origin this worker answers; every other request goes to the network untouched. */
const VIRTUAL_ORIGIN = 'https://site.crawlscope.test';

/**
 * Answers being produced at once per host, at most. A browser opens at most
 * 6 HTTP/1.1 connections per host, but synthesized responses never touch a
 * connection, so without this the virtual site would be faster than any real one.
 */
const PER_HOST_CAP = 6;

// ------------------------------------------------------------ the wasm site

/** The promise of the initialised module, made on first use and kept (null again if loading failed). */
let site = null;

function loadSite() {
  // `??=` starts loading once; every concurrent request awaits the same promise.
  site ??= wasm_bindgen({ module_or_path: new URL('pkg-site/sitegen_worker_bg.wasm', self.location.href) })
    .then(() => wasm_bindgen)
    .catch((error) => {
      site = null; // the next request tries again
      throw new Error(`cannot load pkg-site/sitegen_worker_bg.wasm: ${error?.message ?? error}`);
    });
  return site;
}

// ------------------------------------------------------------ counters

/** How many times each path+query was asked for so far (the `nth` sitegen answers by). */
const hits = new Map();
/** Answers being produced right now (holding a connection slot, sleeping out their latency). */
let inFlight = 0;
/** Answers completed so far (abandoned ones are not). */
let served = 0;

// ------------------------------------------------------------ giving up on an answer
//
// With a real server, a page that aborts a fetch closes the connection, and
// the server stops. A worker should hear the same through the request's
// signal, and the code below listens to it, but Chromium (156 at the time of
// writing) never fires it for an intercepted request: the worker would keep
// sleeping out the latency of a request nobody waits for, holding one of the
// host's slots. So a page also says, in a message, when it has given up on
// every request it made (see abandonRequests() in virtualsite.js), and the
// worker abandons that page's answers. An engine timeout of a single request
// still goes unseen in Chromium: that answer runs to its end, unread.

/** Per page (client id): the AbortControllers of the answers being produced for it. */
const answering = new Map();

/** A signal that fires when the page aborts this request or abandons all of its requests; and a cleanup. */
function abandonable(event) {
  const controller = new AbortController();
  controller.startedAt = Date.now(); // an 'abandon' message spares answers begun after it was sent
  const client = event.clientId;
  const mine = answering.get(client) ?? new Set();
  answering.set(client, mine.add(controller));
  const forward = () => controller.abort();
  event.request.signal.addEventListener('abort', forward, { once: true });
  if (event.request.signal.aborted) forward();
  const done = () => {
    event.request.signal.removeEventListener('abort', forward);
    mine.delete(controller);
    if (mine.size === 0 && answering.get(client) === mine) answering.delete(client);
  };
  return { signal: controller.signal, done };
}

// ------------------------------------------------------------ the connection cap

/** Per host: answers holding a slot, and the queue of those waiting for one (oldest first). */
const hosts = new Map();

/** Requests waiting for a slot, over every host. */
function queued() {
  let n = 0;
  for (const host of hosts.values()) n += host.waiting.length;
  return n;
}

/**
 * Wait for one of the host's PER_HOST_CAP slots; resolves with the function
 * that gives it back. Rejects with an AbortError if `signal` fires first, so
 * a request the page gave up on leaves the queue instead of taking a slot.
 */
function takeSlot(hostName, signal) {
  let host = hosts.get(hostName);
  if (!host) hosts.set(hostName, (host = { active: 0, waiting: [] }));
  const grant = () => {
    host.active += 1;
    let given = false;
    return () => {
      if (given) return; // idempotent: a double release must not free someone else's slot
      given = true;
      host.active -= 1;
      const next = host.waiting.shift();
      if (next) next();
    };
  };
  if (signal.aborted) return Promise.reject(abortError());
  if (host.active < PER_HOST_CAP) return Promise.resolve(grant());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      host.waiting = host.waiting.filter((w) => w !== wake);
      reject(abortError());
    };
    const wake = () => {
      signal.removeEventListener('abort', onAbort);
      resolve(grant());
    };
    host.waiting.push(wake);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Sleep `ms`, or reject with an AbortError as soon as `signal` fires. */
function sleep(ms, signal) {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(abortError());
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError());
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

const abortError = () => new DOMException('the page aborted the request', 'AbortError');

// ------------------------------------------------------------ responses

/** Statuses whose responses may not have a body (the Response constructor throws on one). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

/**
 * Headers every answer carries. The crawler's requests are cross-origin
 * (`mode: "cors"`). A response a worker makes skips the CORS check; Chromium
 * then hands it to the page as it is (type "basic", every header readable),
 * while the Fetch standard's reading filters it as a CORS response, hiding
 * headers neither safelisted nor exposed. Sending the native server's CORS
 * headers keeps Retry-After readable either way.
 */
function baseHeaders(contentType) {
  return {
    'Content-Type': contentType,
    // Every crawl must reach the site: a cached page would skew the counts.
    'Cache-Control': 'no-store',
    'Access-Control-Allow-Origin': '*',
    'Access-Control-Expose-Headers': 'Retry-After',
  };
}

function text(status, message, extra = {}) {
  return new Response(message, { status, headers: { ...baseHeaders('text/plain; charset=utf-8'), ...extra } });
}

function json(value) {
  return new Response(JSON.stringify(value), { status: 200, headers: baseHeaders('application/json') });
}

/** A Response from the wasm's answer object ({status, contentType, location, retryAfter, body}). */
function toResponse(answer, request, url) {
  const headers = baseHeaders(answer.contentType);
  // sitegen gives an absolute path (or, for `away`, another host's URL);
  // fetch follows a Location relative to the request too, but an absolute
  // URL on the virtual origin is what a real server would send.
  if (answer.location != null) headers.Location = new URL(answer.location, url).href;
  if (answer.retryAfter != null) headers['Retry-After'] = String(answer.retryAfter);
  const body = request.method === 'HEAD' || NULL_BODY.has(answer.status) ? null : answer.body;
  return new Response(body, { status: answer.status, headers });
}

// ------------------------------------------------------------ answering

async function answer(event, url) {
  const request = event.request;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return text(405, 'the virtual site answers GET and HEAD', { Allow: 'GET, HEAD' });
  }
  // The two test endpoints, as on the native server (and, like there, not counted).
  if (url.pathname === '/__stats') return json({ inFlight, served, queued: queued() });
  const wasm = await loadSite();
  if (url.pathname === '/__expected') {
    return toResponse(wasm.expected(url.searchParams.get('base') ?? '/', VIRTUAL_ORIGIN), request, url);
  }

  const key = url.pathname + url.search;
  const nth = hits.get(key) ?? 0;
  hits.set(key, nth + 1);
  // Fires when the page gives up on the request: the answer then leaves the
  // queue, or gives back its slot and stops sleeping, at once.
  const { signal, done } = abandonable(event);
  try {
    const release = await takeSlot(url.host, signal);
    inFlight += 1;
    try {
      const site = wasm.respond(key, nth >>> 0);
      await sleep(site.latencyMs, signal);
      served += 1;
      // A network error, as when a server closes the connection without answering.
      if (site.dropConnection) return Response.error();
      return toResponse(site, request, url);
    } finally {
      inFlight -= 1;
      release();
    }
  } finally {
    done();
  }
}

/** `answer`, never rejecting: a network error for an abandoned request, a 500 saying what broke otherwise. */
function answerSafely(event, url) {
  return answer(event, url).catch((error) => {
    // The page gave up on this request: nobody reads the answer.
    if (error?.name === 'AbortError') return Response.error();
    // Never let an exception escape: the crawler would see a bare network
    // error. A 500 that says what broke is what a real server would send.
    return text(500, `the virtual site's service worker failed: ${error?.stack ?? error}`);
  });
}

self.addEventListener('fetch', (event) => {
  let url;
  try {
    url = new URL(event.request.url);
  } catch {
    return;
  }
  // Not calling respondWith lets the browser fetch it as if there were no worker.
  if (url.origin !== VIRTUAL_ORIGIN) return;
  event.respondWith(answerSafely(event, url));
});

// ------------------------------------------------------------ as a page's own worker
//
// Where no service worker is allowed (a cross-site iframe whose browser
// blocks third-party storage, a private window, a page outside our scope),
// virtualsite.js runs this same script as a dedicated Worker and asks for
// each answer by message; its fetch wrapper turns the reply into a Response.
// The fetch/install/activate listeners above then simply never fire.

/** Requests a page asked for by message, by id: aborted when the page aborts its fetch. */
const asked = new Map();

async function answerMessage({ id, url, method }) {
  const controller = new AbortController();
  asked.set(id, controller);
  try {
    const request = new Request(url, { method, signal: controller.signal });
    const response = await answerSafely({ request, clientId: 'page' }, new URL(url));
    if (response.type === 'error') return { id, error: 'network error' };
    const body = await response.arrayBuffer();
    return { id, status: response.status, headers: [...response.headers], body };
  } catch (error) {
    return { id, error: String(error?.message ?? error) };
  } finally {
    asked.delete(id);
  }
}

self.addEventListener('message', (event) => {
  const data = event.data;
  if (data?.type === 'abort') asked.get(data.id)?.abort();
  if (data?.type === 'fetch') {
    answerMessage(data).then((reply) => self.postMessage(reply, reply.body ? [reply.body] : []));
  }
});

// ------------------------------------------------------------ lifecycle

// Take over at once: a new worker replaces an old one without waiting for
// every tab to close, and loading the wasm now fails the install early (with
// a message in the registration) if pkg-site/ is missing.
self.addEventListener('install', (event) => {
  event.waitUntil(Promise.all([self.skipWaiting(), loadSite()]));
});

// Control the pages that are already open (the one that registered us
// included), so a first visit can crawl without a reload.
self.addEventListener('activate', (event) => {
  event.waitUntil(self.clients.claim());
});

self.addEventListener('message', (event) => {
  // A page that is still not controlled asks again (see ensureVirtualSite()).
  if (event.data === 'claim') event.waitUntil(self.clients.claim());
  // A page gave up on every request it made so far (its crawl was stopped).
  if (event.data?.type === 'abandon') {
    const before = Number(event.data.before);
    for (const controller of answering.get(event.source?.id) ?? []) {
      if (!(controller.startedAt >= before)) controller.abort();
    }
  }
});
