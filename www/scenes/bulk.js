// Scene "bulk": the seed's 100 GET requests, done three ways by the same
// crawler. One worker task is the seed's for loop; 100 tasks is its
// `asyncio.wait` over 100 futures; N tasks taking URLs from one queue is its
// pool of N workers — without a thread. Each run is a real crawl whose roots
// are the site's 100 pages, with `maxPages: 100` (links found lead nowhere
// new) and `maxTries: 1`, so exactly 100 GETs happen.

import { el, setText, ms, siteNote, numberSelect, param } from './dom.js';

/** Requests per run. */
const REQUESTS = 100;
/** Chromium's limit of HTTP/1.1 connections to one host: requests over it queue inside the browser. */
const CONNECTION_CAP = 6;
const LATENCIES = [20, 50, 100, 300];
const BOUNDS = [2, 3, 4, 6, 10, 20];

/** The three ways. `options(bound)`: the engine options that make the way; `slots(bound)`: requests in flight at once. */
const MODES = [
  {
    mode: 'sequential', label: 'Sequential', how: () => 'maxTasks 1',
    options: () => ({ maxTasks: 1 }),
    slots: () => 1,
  },
  {
    mode: 'all', label: 'All at once', how: () => 'maxTasks 100',
    // The engine's own per-host cap lifted too: every request goes to the browser at once.
    options: () => ({ maxTasks: REQUESTS, perHostConcurrency: REQUESTS }),
    slots: () => CONNECTION_CAP,
  },
  {
    mode: 'bounded', label: 'Bounded', how: (bound) => `maxTasks ${bound}`,
    options: (bound) => ({ maxTasks: bound, perHostConcurrency: bound }),
    slots: (bound) => Math.min(bound, CONNECTION_CAP),
  },
];

/** The best a way can do: rounds of `slots` requests, each round one latency long. */
const idealMs = (slots, latency) => Math.ceil(REQUESTS / slots) * latency;

export function mount(container, ctx) {
  let latency = param(ctx.params, 'latency', LATENCIES, 100);
  // Below the connection cap by default: above it the browser queues the
  // requests itself and a bound gains nothing, so the lesson would not show.
  let bound = param(ctx.params, 'bound', BOUNDS, 4);
  /** mode → { ms, idealMs, pages, failed, state: 'running' | 'done' | 'stopped' } */
  const results = new Map();
  let handle = null; // the crawl running now, if any
  let running = null; // the mode running now
  let cancelled = false; // Stop (or destroy) ends a "Run all" too
  let destroyed = false;
  let ticker = 0;

  const latencyPick = numberSelect('latency', 'Latency', LATENCIES, latency, (v) => `${v} ms`);
  const boundPick = numberSelect('bound', 'Bound', BOUNDS, bound, (v) => `${v} tasks`);
  const runAllButton = el('button', { type: 'button', class: 'sc-primary', text: 'Run all' });
  const stopButton = el('button', { type: 'button', text: 'Stop', disabled: true });
  const status = el('p', { class: 'sc-status', 'aria-live': 'polite' });
  const bars = el('div', { class: 'sc-bars' });
  const tbody = el('tbody');
  const rows = new Map(); // mode → { bar, ideal, figure, cells…, run }
  for (const m of MODES) {
    const bar = el('div', { class: 'sc-bar' });
    const ideal = el('div', { class: 'sc-ideal', title: 'ideal' });
    const figure = el('span', { class: 'sc-figure' });
    const how = el('small');
    const run = el('button', { type: 'button', class: 'sc-small', text: 'Run', 'aria-label': `Run ${m.label}` });
    run.addEventListener('click', () => { cancelled = false; report(runMode(m)); });
    bars.append(el('div', { class: 'sc-bar-row', dataset: { mode: m.mode } },
      el('span', { class: 'sc-bar-label' }, el('span', { text: m.label }), how),
      el('div', { class: 'sc-track' }, bar, ideal), figure, run));
    const cell = (col) => el('td', { class: 'sc-num', dataset: { col } });
    const cells = { measured: cell('measured'), ideal: cell('ideal'), ratio: cell('ratio'), pages: cell('pages') };
    tbody.append(el('tr', { dataset: { mode: m.mode } }, el('th', { scope: 'row', text: m.label }),
      cells.measured, cells.ideal, cells.ratio, cells.pages));
    rows.set(m.mode, { bar, ideal, figure, how, cells, run });
  }

  const root = el('section', { class: 'sc-scene sc-bulk', 'aria-label': '100 requests, three ways' },
    el('h3', { text: '100 requests, three ways' }),
    el('p', { class: 'sc-lede', text: 'The same 100 GETs of one site (its pages /page/1 … /page/100), each a real '
      + 'crawl: one worker task after another (the chapter\'s plain for loop over the URLs), 100 tasks at once (asyncio.wait over 100 '
      + 'futures), and a pool of N tasks sharing one queue (like a thread pool, without threads).' }),
    siteNote(ctx.siteLabel),
    el('div', { class: 'sc-controls' }, latencyPick.label, boundPick.label, runAllButton, stopButton),
    status, bars,
    el('p', { class: 'sc-legend' }, el('span', { class: 'sc-legend-bar' }), ' measured ',
      el('span', { class: 'sc-legend-ideal' }), ' ideal'),
    el('div', { class: 'sc-table-wrap' }, el('table', { class: 'sc-table' },
      el('thead', {}, el('tr', {}, ...[['way'], ['measured'], ['ideal'], ['×', 'measured ÷ ideal'], ['pages']]
        .map(([h, title]) => el('th', { scope: 'col', text: h, title })))), tbody)),
    el('p', { class: 'sc-note', text: `Ideal: one latency per round of requests in flight together. One after `
      + `another: ${REQUESTS} × latency. Chromium opens at most ${CONNECTION_CAP} HTTP/1.1 connections to one host `
      + `and queues the rest, so "all at once" is really ${CONNECTION_CAP} at a time: ⌈${REQUESTS} / `
      + `${CONNECTION_CAP}⌉ × latency; a bound N gives ⌈${REQUESTS} / min(N, ${CONNECTION_CAP})⌉ × latency, so a `
      + `bound over ${CONNECTION_CAP} gains nothing here. (The in-browser site's service worker imitates this cap.)` }));
  container.append(root);

  latencyPick.select.addEventListener('change', () => {
    latency = Number(latencyPick.select.value);
    // Times at another latency are not comparable: start the table afresh.
    for (const [mode, r] of results) if (r.state !== 'running') results.delete(mode);
    render();
  });
  boundPick.select.addEventListener('change', () => {
    bound = Number(boundPick.select.value);
    if (results.get('bounded')?.state !== 'running') results.delete('bounded');
    render();
  });
  runAllButton.addEventListener('click', () => report(start()));
  stopButton.addEventListener('click', () => stop());

  /** A run started from a button: its failure is shown, never an unhandled rejection. */
  function report(promise) {
    promise.catch((e) => setText(status, `Error: ${e?.message ?? e}`));
  }

  /** Run one way to its end; resolves with its result (null when it did not run or was stopped). */
  async function runMode(m) {
    if (running || destroyed) return null;
    const knobs = { latency, bound };
    const base = ctx.siteRoot({ pages: REQUESTS, latency: knobs.latency });
    const roots = Array.from({ length: REQUESTS }, (_, i) => `${base}page/${i + 1}`);
    const ideal = idealMs(m.slots(knobs.bound), knobs.latency);
    // robots off: a robots.txt request would be a 101st GET.
    const options = { roots, maxPages: REQUESTS, maxTries: 1, robots: false, ...m.options(knobs.bound) };
    try {
      // In the background: the page drawing this crawl would skew what the scene measures.
      handle = ctx.api.start(options, { current: false });
    } catch (e) {
      setText(status, `Could not start: ${e.message ?? e}`);
      return null;
    }
    running = m.mode;
    const started = performance.now();
    results.set(m.mode, { ms: 0, idealMs: ideal, pages: 0, failed: 0, state: 'running', maxTasks: options.maxTasks });
    setText(status, `${m.label}: ${REQUESTS} GETs with ${m.how(knobs.bound)}…`);
    render();
    // While it runs, the bar grows with the clock and the pages count up.
    ticker = setInterval(() => {
      const r = results.get(m.mode);
      if (!r || r.state !== 'running' || !handle) return;
      r.ms = performance.now() - started;
      r.pages = handle.report().counters.done ?? 0;
      render();
    }, 200);
    let final;
    try {
      final = await handle.done;
    } finally {
      clearInterval(ticker);
      handle = null;
      running = null;
    }
    const done = final.pages.filter((p) => p.outcome === 'done').length;
    const stopped = final.endReason === 'stopped';
    const failed = final.pages.filter((p) => p.outcome === 'failed').length;
    const result = { ms: final.elapsedMs, idealMs: ideal, pages: done, failed,
      state: stopped ? 'stopped' : 'done', maxTasks: options.maxTasks };
    if (!destroyed) {
      results.set(m.mode, result);
      setText(status, stopped ? `${m.label}: stopped.` : `${m.label}: ${done} pages in ${ms(result.ms)} `
        + `(ideal ${ms(ideal)}).`);
      render();
    }
    if (stopped) return null;
    const detail = { scene: 'bulk', mode: m.mode, ms: result.ms, idealMs: ideal, pages: done, latency: knobs.latency,
      maxTasks: options.maxTasks };
    ctx.onDone(detail);
    return detail;
  }

  /** Run all three ways, one at a time; resolves with their results. */
  async function start() {
    if (running || destroyed) return [];
    cancelled = false;
    const out = [];
    for (const m of MODES) {
      if (cancelled || destroyed) break;
      const detail = await runMode(m);
      if (!detail) break;
      out.push(detail);
    }
    if (!destroyed && out.length === MODES.length) setText(status, 'All three done.');
    return out;
  }

  function stop() {
    cancelled = true;
    handle?.stop();
  }

  function render() {
    const busy = running !== null;
    runAllButton.disabled = busy;
    stopButton.disabled = !busy;
    latencyPick.select.disabled = busy;
    boundPick.select.disabled = busy;
    // One scale for every bar: the longest of the measured times and the ideals.
    const ideals = MODES.map((m) => results.get(m.mode)?.idealMs ?? idealMs(m.slots(bound), latency));
    const scale = Math.max(1, ...ideals, ...[...results.values()].map((r) => r.ms));
    MODES.forEach((m, i) => {
      const row = rows.get(m.mode);
      const r = results.get(m.mode);
      const ideal = ideals[i];
      row.run.disabled = busy;
      row.bar.style.width = `${r ? (100 * r.ms) / scale : 0}%`;
      row.bar.dataset.state = r?.state ?? 'idle';
      row.ideal.style.left = `${(100 * ideal) / scale}%`;
      row.ideal.title = `ideal ${ms(ideal)}`;
      setText(row.figure, r ? ms(r.ms) : '');
      setText(row.how, m.how(r?.maxTasks ?? bound));
      setText(row.cells.measured, r ? ms(r.ms) : '—');
      setText(row.cells.ideal, ms(ideal));
      setText(row.cells.ratio, r?.state === 'done' ? `${(r.ms / ideal).toFixed(2)}×` : '—');
      setText(row.cells.pages, r ? `${r.pages}/${REQUESTS}${r.failed ? ` (${r.failed} failed)` : ''}` : '—');
    });
  }

  function destroy() {
    destroyed = true;
    stop();
    clearInterval(ticker);
    root.remove();
  }

  render();
  return { start, stop, destroy };
}
