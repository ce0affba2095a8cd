// The playground page: the form, the stepping controls, live counters and
// the results table.
//
// Rendering is the page's job, the crawl is the engine's: like the rustwasm
// game of life, JS owns the animation loop and reads state from wasm on each
// frame. Crawled text only ever reaches the DOM as text (see table.js).

import { load } from './crawlscope.js';
import { ResultsTable } from './table.js';
import { Controls } from './stepping.js';

const $ = (id) => document.getElementById(id);
const rootInput = $('root');
const maxTasksInput = $('max-tasks');

const table = new ResultsTable(document.querySelector('#results tbody'));
let controls = null;

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
  const running = state === 'crawling' || state === 'paused';
  $('crawl').disabled = running || state === 'loading';
  $('stop').disabled = !running;
}

function fieldError(input, errorEl, message) {
  errorEl.textContent = message;
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
}

/** Render the current crawl or replay once. */
function renderNow(view) {
  if (!view) return;
  table.render(view.report());
  if (view.kind === 'replay') {
    setState('replay');
  } else if (view.finished) {
    setState(view.report().endReason === 'stopped' ? 'stopped' : 'done');
  } else {
    setState(view.paused ? 'paused' : 'crawling');
  }
}

/** Follow a crawl: one report read per frame, at most ~15 per second. */
function watch(view) {
  let last = 0;
  const frame = (now) => {
    if (window.crawlscope.current !== view) return;
    if (now - last > 66) {
      last = now;
      renderNow(view);
      controls.refresh();
    }
    if (view.finished) {
      renderNow(view);
      controls.stopPlaying();
      controls.refresh();
      return;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** A crawl or replay became current (from the form, a loaded log or the console). */
function follow(view) {
  table.clear();
  renderNow(view);
  controls.refresh();
  if (view.kind === 'crawl') watch(view);
}

// ------------------------------------------------------------ controls

function startFromForm(api) {
  fieldError(rootInput, $('root-error'), '');
  fieldError(maxTasksInput, $('max-tasks-error'), '');
  const root = rootInput.value.trim();
  const maxTasks = Number(maxTasksInput.value);
  try {
    api.start({ roots: [root], maxTasks });
  } catch (e) {
    const message = String(e.message ?? e);
    if (String(e.option ?? '').startsWith('roots')) fieldError(rootInput, $('root-error'), message);
    else if (e.option === 'maxTasks') fieldError(maxTasksInput, $('max-tasks-error'), message);
    else showBanner(message);
  }
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
  controls = new Controls(api, () => { if (api.current?.kind === 'replay') renderNow(api.current); });
  api.onCurrent(follow);
  $('crawl-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const current = api.current;
    if (!current || current.kind === 'replay' || current.finished) startFromForm(api);
  });
  $('stop').addEventListener('click', () => { controls.stopPlaying(); api.current?.stop?.(); });
  setState('idle');
  controls.refresh();
  await controls.openFromHash();
  window.dispatchEvent(new CustomEvent('crawlscope-ready', { detail: api }));
}

main().catch((e) => showBanner(`crawlscope failed to load: ${e.message ?? e}`));
