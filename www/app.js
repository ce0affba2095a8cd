// The playground page: a form, live counters and a live results table.
//
// Rendering is the page's job, the crawl is the engine's: like the rustwasm
// game of life, JS owns the animation loop and reads state from wasm on each
// frame. Crawled text (URLs, content types, errors) only ever reaches the
// DOM through textContent or a checked href, never as HTML.

import { load } from './crawlscope.js';

const $ = (id) => document.getElementById(id);
const form = $('crawl-form');
const rootInput = $('root');
const maxTasksInput = $('max-tasks');
const crawlButton = $('crawl');
const stopButton = $('stop');
const tbody = document.querySelector('#results tbody');

/** The running crawl's handle, if any. */
let current = null;
/** Table rows by page URL, so a frame only touches what changed. */
let rows = new Map();

// ------------------------------------------------------------ errors

function showBanner(message) {
  const banner = $('error-banner');
  banner.textContent = message;
  banner.hidden = false;
  setState('error');
}

// A Rust panic (a bug) ends the wasm instance; the hook in src/web/panic.rs calls this.
globalThis.crawlscopeOnPanic = (message) => showBanner(message);
window.addEventListener('error', (e) => showBanner(`Error: ${e.message}`));
window.addEventListener('unhandledrejection', (e) => showBanner(`Error: ${e.reason?.message ?? e.reason}`));

// ------------------------------------------------------------ state

function setState(state) {
  $('crawl-state').textContent = state;
  document.body.dataset.state = state;
  const running = state === 'crawling';
  crawlButton.disabled = running || state === 'loading';
  stopButton.disabled = !running;
}

function fieldError(input, errorEl, message) {
  errorEl.textContent = message;
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
}

// ------------------------------------------------------------ rendering

const COUNTERS = { queued: 'count-queued', inFlight: 'count-inflight', done: 'count-done', failed: 'count-failed',
  notCrawled: 'count-notcrawled' };

function isWebUrl(text) {
  try { return ['http:', 'https:'].includes(new URL(text).protocol); } catch { return false; }
}

function cell(tr, cls) {
  const td = document.createElement('td');
  td.className = cls;
  tr.append(td);
  return td;
}

function newRow(url) {
  const tr = document.createElement('tr');
  tr.dataset.url = url;
  const urlCell = cell(tr, 'c-url');
  if (isWebUrl(url)) {
    const a = document.createElement('a');
    a.href = url; // checked http(s) above: never a javascript: link
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = url;
    urlCell.append(a);
  } else {
    urlCell.textContent = url;
  }
  for (const cls of ['aliases', 'error']) {
    const note = document.createElement('div');
    note.className = cls;
    urlCell.append(note);
  }
  for (const cls of ['c-status', 'c-type', 'c-bytes num', 'c-links num', 'c-time num', 'c-outcome']) cell(tr, cls);
  return tr;
}

function setText(el, text) {
  if (el.textContent !== text) el.textContent = text;
}

function renderRow(tr, page) {
  const [, status, type, bytes, links, time, outcome] = tr.children;
  setText(status, page.status == null ? '' : String(page.status));
  setText(type, (page.contentType ?? '').split(';')[0]);
  setText(bytes, page.size == null ? '' : page.size.toLocaleString('en'));
  setText(links, page.links.length || page.newLinks ? `${page.newLinks}/${page.links.length}` : '');
  const ms = page.startMs != null && page.endMs != null ? page.endMs - page.startMs : null;
  setText(time, ms == null ? '' : `${Math.round(ms)} ms`);
  setText(outcome, page.outcome);
  setText(tr.querySelector('.aliases'), page.aliases.length ? `redirected here from ${page.aliases.join(', ')}` : '');
  setText(tr.querySelector('.error'), page.error ?? '');
  tr.dataset.outcome = page.outcome;
}

/** Bring counters and table in line with a report. */
function render(report) {
  for (const [key, id] of Object.entries(COUNTERS)) setText($(id), String(report.counters[key] ?? 0));
  setText($('elapsed'), `${(report.elapsedMs / 1000).toFixed(1)} s`);
  const present = new Set();
  for (const page of report.pages) {
    present.add(page.url);
    let tr = rows.get(page.url);
    if (!tr) {
      tr = newRow(page.url);
      rows.set(page.url, tr);
      tbody.append(tr); // discovery order: new pages at the bottom
    }
    renderRow(tr, page);
  }
  // A requested URL that redirected is now listed under its target.
  for (const [url, tr] of rows) {
    if (!present.has(url)) { tr.remove(); rows.delete(url); }
  }
}

/** The animation loop: one report read per frame, at most ~15 per second. */
function watch(handle) {
  let last = 0;
  const frame = (now) => {
    if (current !== handle) return;
    if (now - last > 66) {
      last = now;
      render(handle.report());
    }
    if (handle.finished) {
      const report = handle.report();
      render(report);
      setState(report.endReason === 'stopped' ? 'stopped' : 'done');
      current = null;
      return;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

// ------------------------------------------------------------ controls

function startFromForm(api) {
  fieldError(rootInput, $('root-error'), '');
  fieldError(maxTasksInput, $('max-tasks-error'), '');
  const root = rootInput.value.trim();
  const maxTasks = Number(maxTasksInput.value);
  let handle;
  try {
    handle = api.start({ roots: [root], maxTasks });
  } catch (e) {
    const message = String(e.message ?? e);
    if (String(e.option ?? '').startsWith('roots')) fieldError(rootInput, $('root-error'), message);
    else if (e.option === 'maxTasks') fieldError(maxTasksInput, $('max-tasks-error'), message);
    else showBanner(message);
    return;
  }
  tbody.replaceChildren();
  rows = new Map();
  current = handle;
  setState('crawling');
  render(handle.report());
  watch(handle);
}

async function defaultRoot() {
  // `cargo xtask serve` answers config.json with the test site's URL; a
  // plain static host has none, and the field stays empty.
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (!response.ok) return;
    const config = await response.json();
    if (typeof config.siteUrl === 'string' && !rootInput.value) rootInput.value = config.siteUrl;
  } catch { /* no config: nothing to prefill */ }
}

async function main() {
  setState('loading');
  const [api] = await Promise.all([load(), defaultRoot()]);
  window.crawlscope = api;
  form.addEventListener('submit', (e) => { e.preventDefault(); if (!current) startFromForm(api); });
  stopButton.addEventListener('click', () => current?.stop());
  setState('idle');
  window.dispatchEvent(new CustomEvent('crawlscope-ready', { detail: api }));
}

main().catch((e) => showBanner(`crawlscope failed to load: ${e.message ?? e}`));
