// The playground page: the form, the stepping controls, live counters and
// the results table.
//
// Rendering is the page's job, the crawl is the engine's: like the rustwasm
// game of life, JS owns the animation loop. Each frame folds only the new
// events of the log into the page's model (model.js); the picture, the
// table and the counters all read that model, so the page never asks for
// the whole-crawl Report while a crawl runs. Crawled text only ever reaches
// the DOM as text (see table.js).

import { load } from '../api/crawlscope.js';
import { ResultsTable, renderCounters } from './table.js';
import { Controls } from '../stepping/stepping.js';
import { LintsPanel } from '../stepping/lints.js';
import { readForm, clearErrors, showError, countSet, wireForm, parseRoots } from './options.js';
import { saveFile, fileName, reportCsv, MAX_REPORT_BYTES } from '../api/export.js';
import { Picture } from '../picture/picture.js';
import { wireCopyEmbed, wireScenes } from './page-embed.js';
import { nativeSiteUrl } from '../embed/embed-config.js';
import { wireCorsNote } from './cors-note.js';

const $ = (id) => document.getElementById(id);
const rootInput = $('root');

let table = null;
let controls = null;
let picture = null;

// ------------------------------------------------------------ errors

function showBanner(message) {
  const banner = $('error-banner');
  banner.textContent = message;
  banner.hidden = false;
  setState('error');
}

/**
 * Browser notices that are not failures of this page: a ResizeObserver
 * whose observations spill into the next frame reports "loop completed with
 * undelivered notifications" (or "loop limit exceeded") as an error event.
 * The banner is for crawlscope's own failures only.
 */
const BENIGN = /^ResizeObserver loop/;

// A Rust panic (a bug) ends the wasm instance; the hook in src/web/panic.rs calls this.
globalThis.crawlscopeOnPanic = (message) => showBanner(message);
window.addEventListener('error', (e) => {
  if (BENIGN.test(e.message ?? '')) return;
  showBanner(`Error: ${e.message}`);
});
window.addEventListener('unhandledrejection', (e) => showBanner(`Error: ${e.reason?.message ?? e.reason}`));

// ------------------------------------------------------------ state

function setState(state) {
  $('crawl-state').textContent = state;
  document.body.dataset.state = state;
  const running = state === 'crawling' || state === 'paused';
  $('crawl').disabled = running || state === 'loading';
  $('stop').disabled = !running;
}

/** The counters, the table and the state line, from the model (cost: what changed). */
function renderNow(view) {
  if (!view) return;
  renderCounters(picture.model);
  table.update();
  if (view.kind === 'replay' || view.kind === 'report') {
    setState(view.kind);
  } else if (view.finished) {
    setState(picture.model.endReason === 'stopped' ? 'stopped' : 'done');
  } else {
    setState(view.paused ? 'paused' : 'crawling');
  }
}

/**
 * A busy picture folds the new events a slice at a time, and no more slices in one task than fit in
 * FOLD_BUDGET_MS: the crawl's own tasks run in between. (One slice of 1,500 events took 9 ms as a
 * rule on this machine but up to 45–55 ms when a garbage collection fell inside it, a task of the
 * page's over 50 ms; slices of 500, about 3 ms each, keep such a task short.)
 */
const FOLD_SLICE = 500;
/** How long one task of a busy picture may go on folding, ms. */
const FOLD_BUDGET_MS = 6;
/** A busy update's drawing, whole, as a multiple of its script's (style, layout and paint come on top). */
const RENDER_FACTOR = 2;
/** The share of the thread a busy picture's drawing may take: the rest is the crawl's. */
const RENDER_SHARE = 1 / 30;
/** The longest a busy picture waits between two updates, ms: never stale for long, even on a slow machine. */
const BUSY_MAX_MS = 1000;

/**
 * Run `fn` in a task of its own right after the coming frame. Updating inside requestAnimationFrame
 * makes one task of the update's script and of the style, layout and paint it causes: in the first
 * second of a fast crawl (every frame, hundreds of new rows and nodes) that task ran to 60 ms. After
 * the frame, the script runs apart and the next frame paints what it changed.
 */
const afterFrame = (() => {
  const channel = new MessageChannel();
  const queue = [];
  channel.port1.onmessage = () => queue.shift()?.();
  return (fn) => requestAnimationFrame(() => {
    queue.push(fn);
    channel.port2.postMessage(null);
  });
})();

/**
 * Follow a crawl. Every frame the picture folds the new events; the
 * counters, the table window and the controls refresh every 100 ms. None of
 * it grows with the crawl.
 *
 * While the picture is busy (a big crawl running freely) it is brought up
 * to date at most ten times a second, on a timer instead of every frame: the
 * browser then paints ten frames a second, not sixty, and (without a GPU,
 * painting is the main thread's work) leaves the rest to the crawl. Each
 * update is split into tasks: the new events are folded a slice at a time,
 * then the picture, counters and table are drawn in a task of their own, so
 * the crawl's tasks run in between and no task of the page's grows with how
 * fast the crawl runs. Pause, a step or the end bring back every-frame
 * updates at once.
 */
function watch(view) {
  let nextAt = 0;
  const following = () => window.crawlscope.current === view;
  const end = () => {
    controls.stopPlaying();
    controls.refresh();
  };
  const tick = () => {
    if (!following()) return;
    if (picture.busy) {
      busyFold();
      return;
    }
    const now = performance.now();
    picture.update();
    if (now >= nextAt || view.finished) {
      controls.refresh(); // and through it the counters, the table and the state (see main)
      nextAt = now + 100;
    }
    if (view.finished) end();
    else afterFrame(tick);
  };

  // The timer of a busy picture waiting between two updates (0 while it folds, draws or follows frames).
  let waiting = 0;
  // The drawing's script per update, smoothed: one update with a garbage collection in it does not
  // hold the next one off for long.
  let cost = 0;
  const busyFold = () => {
    if (!following()) return;
    const t0 = performance.now();
    let caughtUp = picture.fold(FOLD_SLICE);
    while (!caughtUp && picture.busy && performance.now() - t0 < FOLD_BUDGET_MS) caughtUp = picture.fold(FOLD_SLICE);
    // Paused or ended meanwhile: catch up at once (a paused crawl is folded every frame again).
    setTimeout(caughtUp || !picture.busy ? busyRender : busyFold, 0);
  };
  const busyRender = () => {
    if (!following()) return;
    const t0 = performance.now();
    controls.refresh(); // and through it the picture, the counters, the table and the state (see main)
    const took = performance.now() - t0;
    cost = cost ? 0.7 * cost + 0.3 * took : took;
    if (view.finished) {
      end();
      return;
    }
    if (!picture.busy) {
      afterFrame(tick);
      return;
    }
    // At most RENDER_SHARE of the thread goes to drawing: more time between updates when one costs
    // more (a big crawl, a slow or loaded machine), but never more than BUSY_MAX_MS. `cost` is the
    // drawing's script (smoothed); the browser's style, layout and paint of it come after, off this clock, and
    // (without a GPU) measure about as much again in a trace: hence RENDER_FACTOR. Folding is not
    // counted: its work is per event, the same however the updates are spaced.
    const wait = Math.min(BUSY_MAX_MS, Math.max(Picture.BUSY_MS, (cost * RENDER_FACTOR) / RENDER_SHARE));
    waiting = setTimeout(() => {
      waiting = 0;
      busyFold();
    }, wait);
  };
  // The end is news at once: a busy picture waiting out its interval catches up now, not up to
  // BUSY_MAX_MS later (`ended` resolves without reading the Report the page does not need).
  view.ended?.then(() => {
    if (!waiting) return; // folding or drawing already, or following every frame: it sees the end itself
    clearTimeout(waiting);
    waiting = 0;
    busyFold();
  });
  afterFrame(tick);
}

/** A crawl, replay or saved report became current (from the form, a loaded file or the console). */
function follow(view) {
  table.clear();
  if (view.kind === 'crawl') {
    // A crawl's picture, counters and controls come up in watch's first frame, a few ms later: the
    // click (or call) that started it then only starts it, and its first polls run at once, instead
    // of one long task that also folds, draws and lays out the page.
    picture.follow(view, { draw: false });
    watch(view);
    return;
  }
  picture.follow(view);
  controls.refresh();
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
    // The picture is what a crawl is for: bring it into view (a no-op where it already is), in the
    // next frame, where the layout it needs is done anyway, rather than forcing one in this click.
    requestAnimationFrame(() => $('picture').scrollIntoView({ block: 'nearest' }));
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

/** The form's options as a Scrapy spider file; a bad option is shown under its field, as for a crawl. */
function exportSpider(api) {
  clearErrors();
  try {
    saveFile('crawlscope_spider.py', 'text/x-python;charset=utf-8', api.scrapySpider(readForm()));
  } catch (e) {
    showError(e);
  }
}

/** Show a saved JSON report (or a spider's JSON Lines); a bad file gets a message next to the control and the page stays as it was. */
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

/** The table's filter box and selects: each change is a user's action, the one time every row is visited. */
function wireTableFilters() {
  const text = $('table-filter');
  let timer = 0;
  text.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => table.setFilter({ text: text.value.trim().toLowerCase() }), 120);
  });
  $('table-status').addEventListener('change', (e) => table.setFilter({ status: e.target.value }));
  $('table-outcome').addEventListener('change', (e) => table.setFilter({ outcome: e.target.value }));
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
  table = new ResultsTable($('results'), { onOpen: (url) => picture.reveal(url) });
  picture.onModel((model) => table.setModel(model));
  wireTableFilters();
  if (new URLSearchParams(location.search).get('log') === '1') $('log-events').checked = true;
  // After every control's action (pause, step, seek…) and every refresh: the picture, then the text, at once.
  let lints = null;
  controls = new Controls(api, () => {
    picture.update();
    renderNow(api.current);
    lints?.refresh();
  });
  lints = new LintsPanel(api, controls, { onBadges: (badges) => picture.setLintBadges(badges) });
  lints.refresh();
  controls.onStep = (events) => picture.highlight(events);
  controls.taskNames = () => picture.model.names;
  if (picture.wakes) picture.wakes.onGoToStep = (n) => controls.goToStep(n); // a wake's "step N
  // For devtools and tests: the page's picture (the API itself is window.crawlscope).
  window.crawlscopePage = { picture, table };
  api.onCurrent(follow);
  api.onCurrent(() => refreshReportButtons(api));
  const form = $('crawl-form');
  wireForm(form).grow();
  wireCorsNote(api, form, picture);
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
  $('export-scrapy').addEventListener('click', () => exportSpider(api));
  $('load-report').addEventListener('change', (e) => loadReport(api, e.target.files?.[0]));
  refreshReportButtons(api);
  setState('idle');
  controls.refresh();
  await controls.openFromHash();
  window.dispatchEvent(new CustomEvent('crawlscope-ready', { detail: api }));
  setTimeout(() => warmEngine(api), 0); // right after loading, before a reader can press Crawl
}

/**
 * The browser compiles the engine's wasm a function at a time, on its first call: a page's first
 * crawl paid about 12 ms of it inside the click that started it. Starting a crawl that never runs
 * (paused, stopped at once: no fetch, nothing on screen) as the page finishes loading compiles that
 * path beforehand. Nothing depends on it: a failure here is only a cold first click.
 */
function warmEngine(api) {
  try {
    api.start({ roots: ['https://warm-up.invalid/'], maxPages: 1 }, { current: false, paused: true }).stop();
  } catch (e) {
    console.debug('crawlscope: engine warm-up skipped:', e);
  }
}

main().catch((e) => showBanner(`crawlscope failed to load: ${e.message ?? e}`));
