// The playground page: the form, the stepping controls, live counters and
// the results table.
//
// Rendering is the page's job, the crawl is the engine's: like the rustwasm
// game of life, JS owns the animation loop and reads state from wasm on each
// frame. Crawled text only ever reaches the DOM as text (see table.js).

import { load } from './crawlscope.js';
import { ResultsTable } from './table.js';
import { Controls } from './stepping.js';
import { readForm, clearErrors, showError, countSet, wireForm, parseRoots } from './options.js';
import { saveFile, fileName, reportCsv, MAX_REPORT_BYTES } from './export.js';
import { Picture } from './picture.js';
import { wireCopyEmbed, wireScenes } from './page-embed.js';
import { nativeSiteUrl } from './embed-config.js';
import { wireCorsNote } from './cors-note.js';

const $ = (id) => document.getElementById(id);
const rootInput = $('root');

const table = new ResultsTable(document.querySelector('#results tbody'));
let controls = null;
let picture = null;

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

/** Render the current crawl or replay once. */
function renderNow(view) {
  if (!view) return;
  table.render(view.report());
  if (view.kind === 'replay' || view.kind === 'report') {
    setState(view.kind);
  } else if (view.finished) {
    setState(view.report().endReason === 'stopped' ? 'stopped' : 'done');
  } else {
    setState(view.paused ? 'paused' : 'crawling');
  }
}

/**
 * Follow a crawl. The picture folds only the new events, every frame. The
 * table and counters need the whole Report (its cost grows with the crawl),
 * so they refresh at most every 100 ms and never take more than a fifth of
 * the main thread: after a render that took t ms, the next waits 5·t.
 */
function watch(view) {
  let nextAt = 0;
  const frame = (now) => {
    if (window.crawlscope.current !== view) return;
    picture.update();
    if (now >= nextAt || view.finished) {
      const started = performance.now();
      renderNow(view);
      controls.refresh();
      nextAt = now + Math.max(100, (performance.now() - started) * 5);
    }
    if (view.finished) {
      picture.update();
      controls.stopPlaying();
      controls.refresh();
      return;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** A crawl, replay or saved report became current (from the form, a loaded file or the console). */
function follow(view) {
  table.clear();
  picture.follow(view);
  renderNow(view);
  controls.refresh();
  if (view.kind === 'crawl') watch(view);
}

// ------------------------------------------------------------ controls

async function startFromForm(api) {
  clearErrors();
  try {
    const options = readForm();
    // The in-browser site answers only once its service worker controls this page.
    if (options.roots.some((root) => root.startsWith(`${api.virtualSite.origin}/`))) {
      $('crawl').disabled = true;
      try {
        await api.virtualSite.ready();
      } catch (e) {
        throw Object.assign(new Error(e.message ?? String(e)), { option: 'roots' });
      } finally {
        $('crawl').disabled = false;
      }
    }
    api.start(options);
  } catch (e) {
    showError(e); // next to the field the engine names, never the banner: a typo is not a crash
  }
}

/** Where scenes find the generated site: the local test site under `cargo xtask serve`, else the in-browser one. */
async function sceneSite(api, nativeSite) {
  if (nativeSite) return { base: nativeSite, label: '' };
  await api.virtualSite.ready();
  return { base: `${api.virtualSite.origin}/`, label: api.virtualSite.label };
}

// ------------------------------------------------------------ reports in and out

function exportReport(api, format) {
  const report = api.current?.report();
  if (!report) return;
  if (format === 'json') saveFile(fileName('report', 'json'), 'application/json', JSON.stringify(report, null, 1));
  else if (format === 'csv') saveFile(fileName('report', 'csv'), 'text/csv;charset=utf-8', reportCsv(report));
  else saveFile(fileName('report', 'txt'), 'text/plain;charset=utf-8', report.text);
}

/** Show a saved JSON report; a bad file gets a message next to the control and the page stays as it was. */
async function loadReport(api, file) {
  const say = (message) => { $('report-error').textContent = message; };
  say('');
  if (!file) return;
  try {
    if (file.size > MAX_REPORT_BYTES) throw new Error('larger than 64 MB');
    const current = api.current;
    if (current?.kind === 'crawl' && !current.finished) throw new Error('a crawl is running: stop it first');
    api.showReport(await file.text());
  } catch (e) {
    say(`Could not load ${file.name}: ${String(e.message ?? e).replace(/^showReport: /, '')}`);
  } finally {
    $('load-report').value = ''; // the same file can be chosen again
  }
}

function refreshReportButtons(api) {
  const none = !api.current;
  for (const id of ['export-json', 'export-csv', 'export-text']) $(id).disabled = none;
}

function showSiteLabel(api) {
  const roots = parseRoots(rootInput.value);
  const virtual = roots.some((root) => root.startsWith(`${api.virtualSite.origin}/`));
  $('site-label').textContent = virtual ? api.virtualSite.label : '';
}

async function main() {
  setState('loading');
  const [api, nativeSite] = await Promise.all([load(), nativeSiteUrl()]);
  window.crawlscope = api;
  if (!rootInput.value) rootInput.value = nativeSite ?? api.virtualSite.root({ pages: 30, latency: 100 });
  showSiteLabel(api);
  rootInput.addEventListener('input', () => showSiteLabel(api));
  wireCopyEmbed(api, nativeSite);
  wireScenes(api, () => sceneSite(api, nativeSite));
  picture = new Picture();
  if (new URLSearchParams(location.search).get('log') === '1') $('log-events').checked = true;
  controls = new Controls(api, () => {
    if (api.current?.kind === 'replay') renderNow(api.current);
    picture.update();
  });
  controls.onStep = (events) => picture.highlight(events);
  // For devtools and tests: the page's picture (the API itself is window.crawlscope).
  window.crawlscopePage = { picture };
  api.onCurrent(follow);
  api.onCurrent(() => refreshReportButtons(api));
  const form = $('crawl-form');
  wireForm(form).grow();
  wireCorsNote(api, form);
  countSet();
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const current = api.current;
    if (!current || current.kind === 'replay' || current.finished) startFromForm(api);
  });
  $('stop').addEventListener('click', () => { controls.stopPlaying(); api.current?.stop?.(); });
  for (const format of ['json', 'csv', 'text']) {
    $(`export-${format}`).addEventListener('click', () => exportReport(api, format));
  }
  $('load-report').addEventListener('change', (e) => loadReport(api, e.target.files?.[0]));
  refreshReportButtons(api);
  setState('idle');
  controls.refresh();
  await controls.openFromHash();
  window.dispatchEvent(new CustomEvent('crawlscope-ready', { detail: api }));
}

main().catch((e) => showBanner(`crawlscope failed to load: ${e.message ?? e}`));
