// Drives the bench in headless Chromium and writes the raw samples as JSON;
// `cargo xtask bench` starts the servers, runs this, and prints the table
// (medians, min–max, ratios, verdicts) from that JSON.
//
// Env: BENCH_URL (the bench site: dist/ + bench/ + nolog/, with a trailing
// slash), SITE_URL (the test site), BENCH_OUT (where the JSON goes),
// BENCH_QUICK=1 for the short run CI can afford, BENCH_ONLY=zero,parse to run
// only those sections (keys as in `main` below; the others are listed as skipped).

const path = require('path');
const fs = require('fs');
const os = require('os');
const { createRequire } = require('module');

// Playwright comes from the e2e tests' node_modules (no browser download:
// it drives Debian's Chromium).
const e2e = createRequire(path.join(__dirname, '../../tests/e2e/package.json'));
const { chromium } = e2e('@playwright/test');

const { BENCH_URL, SITE_URL, BENCH_OUT } = process.env;
if (!BENCH_URL || !SITE_URL || !BENCH_OUT) throw new Error('BENCH_URL, SITE_URL and BENCH_OUT must be set (run `cargo xtask bench`)');
const quick = process.env.BENCH_QUICK === '1';
const only = process.env.BENCH_ONLY ? process.env.BENCH_ONLY.split(',').map((k) => k.trim()).filter(Boolean) : null;

// Sizes and run counts. `quick` proves every measurement works in about a
// minute; its figures are rougher (fewer samples, smaller crawls).
const plan = quick ? {
  warmUpMs: 1000,
  extract: [
    { label: '20 KB', bytes: 20_000, batch: 10, reps: 7, warmup: 2 },
    { label: '200 KB', bytes: 200_000, batch: 1, reps: 5, warmup: 1 },
    { label: '2 MB', bytes: 2_000_000, batch: 1, reps: 3, warmup: 1 },
  ],
  ideal: { pages: 50, latency: 100, tasks: [1, 6, 32], runs: 2 },
  zero: { pages: 300, maxTasks: 10, runs: 3 },
  parse: { pages: 500, bytes: 100_000, maxTasks: 6, runs: 2 },
  playground: { sizes: [5000, 20000], runs: 1, pauseAt: 10000 },
  memory: { pages: 1000, maxTasks: 10, runs: 1 },
} : {
  warmUpMs: 3000,
  extract: [
    { label: '20 KB', bytes: 20_000, batch: 10, reps: 30, warmup: 5 },
    { label: '200 KB', bytes: 200_000, batch: 1, reps: 20, warmup: 3 },
    { label: '2 MB', bytes: 2_000_000, batch: 1, reps: 9, warmup: 1 },
  ],
  ideal: { pages: 500, latency: 100, tasks: [1, 6, 32], runs: 3 },
  zero: { pages: 2000, maxTasks: 10, runs: 7 },
  parse: { pages: 500, bytes: 100_000, maxTasks: 6, runs: 5 },
  playground: { sizes: [5000, 20000], runs: 3, pauseAt: 10000 },
  memory: { pages: 5000, maxTasks: 10, runs: 3 },
};

const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--no-first-run',
  '--disable-sync', '--disable-quic', '--enable-precise-memory-info',
];

const variant = (knobs) => `${SITE_URL}s/${knobs}/`;

// Speed crawls try each URL once, as the peer does: with the default of 4
// tries the test site's deliberate 500 page alone adds ~2.8 s of backoff
// and retries, a policy cost that would swamp what is being compared.
const MAX_TRIES = 1;

const log = (message) => process.stderr.write(`    ${message}\n`);

/**
 * Runs `fn(page)` on a fresh page at `url`, then closes it. An uncaught
 * error in the page (an exception, a wasm panic) fails the run: a figure
 * from a broken page is no figure.
 */
async function onPage(browser, url, fn) {
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('crash', () => errors.push('the page crashed (its renderer process died)'));
  try {
    await page.goto(url);
    const result = await fn(page);
    if (errors.length) throw new Error(errors.join('; '));
    return result;
  } catch (e) {
    // A module that failed to load shows up as a timeout: say why.
    const why = errors.length ? `\n  page errors: ${errors.join('; ')}` : '';
    throw new Error(`${url}: ${e.message}${why}`, { cause: e });
  } finally {
    await page.close();
  }
}

/** `onPage` on the bench page with one of the two builds loaded. */
function onFreshPage(browser, build, fn) {
  return onPage(browser, `${BENCH_URL}bench/bench.html?build=${build}`, async (page) => {
    await page.waitForFunction(() => window.bench !== undefined, null, { timeout: 30_000 });
    return fn(page);
  });
}

async function extraction(browser) {
  return onFreshPage(browser, 'log', async (page) => {
    log('link extraction: warming up');
    await page.evaluate((ms) => window.bench.warmUp(ms), plan.warmUpMs);
    const out = [];
    for (const size of plan.extract) {
      log(`link extraction, ${size.label} page`);
      const r = await page.evaluate((s) => window.bench.extract(s), size);
      out.push({ label: size.label, ...r });
    }
    return out;
  });
}

/**
 * Crawls at 100 ms latency against the ideal. The peer runs the same crawl
 * right after the engine: where both miss the ideal by the same amount, the
 * gap is the browser's and the site's, not the engine's.
 */
async function idealCrawls(browser) {
  const { pages, latency, tasks, runs } = plan.ideal;
  const root = variant(`pages=${pages};latency=${latency}`);
  const out = tasks.map((maxTasks) => ({ maxTasks, latency, runs: [], peer: [] }));
  for (let run = 0; run < runs; run++) {
    for (const entry of out) {
      log(`crawl at ${latency} ms latency, maxTasks ${entry.maxTasks}: engine, peer (run ${run + 1}/${runs})`);
      const options = { root, maxTasks: entry.maxTasks, maxTries: MAX_TRIES };
      entry.runs.push(await onFreshPage(browser, 'log', (p) => p.evaluate((o) => window.bench.crawl(o), options)));
      entry.peer.push(await onFreshPage(browser, 'log', (p) => p.evaluate((o) => window.bench.peer(o), options)));
    }
  }
  return out;
}

/** Engine with log, without, and the JS peer, in rotating order each round. */
async function zeroLatency(browser) {
  const { pages, maxTasks, runs } = plan.zero;
  const root = variant(`pages=${pages};latency=0`);
  const out = { maxTasks, log: [], nolog: [], peer: [] };
  const kinds = ['log', 'nolog', 'peer'];
  for (let run = 0; run < runs; run++) {
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(k + run) % kinds.length];
      log(`crawl at 0 latency: ${kind} (round ${run + 1}/${runs})`);
      const build = kind === 'nolog' ? 'nolog' : 'log';
      const method = kind === 'peer' ? 'peer' : 'crawl';
      const r = await onFreshPage(browser, build, (p) =>
        p.evaluate(([m, o]) => window.bench[m](o), [method, { root, maxTasks, maxTries: MAX_TRIES }]));
      out[kind].push(r);
    }
  }
  return out;
}

/**
 * A parse-bound crawl: the test site with every page padded to ~100 KB of
 * documentation-like markup (`bytes=`), at 0 latency, so the time is what
 * each crawler spends reading and parsing. The engine crawls it twice, links
 * only and with a three-field `extract` (which builds scraper's tree for
 * every page), and the peer once; the three rotate which goes first, each in
 * a fresh page.
 */
async function parseBound(browser) {
  const { pages, bytes, maxTasks, runs } = plan.parse;
  const root = variant(`pages=${pages};bytes=${bytes};latency=0`);
  const extract = { title: 'title', h1: 'h1', description: 'meta[name=description]@content' };
  const out = { maxTasks, bytes, engine: [], peer: [], extract: [] };
  const kinds = ['engine', 'peer', 'extract'];
  for (let run = 0; run < runs; run++) {
    for (let k = 0; k < kinds.length; k++) {
      const kind = kinds[(k + run) % kinds.length];
      log(`parse-bound crawl (${pages} pages of ~${bytes} B @ 0 ms): ${kind} (run ${run + 1}/${runs})`);
      const method = kind === 'peer' ? 'peer' : 'crawl';
      const options = { root, maxTasks, maxTries: MAX_TRIES, ...(kind === 'extract' ? { extract } : {}) };
      out[kind].push(await onFreshPage(browser, 'log', (p) => p.evaluate(([m, o]) => window.bench[m](o), [method, options])));
    }
  }
  return out;
}

/**
 * In the page: record every long task and when the crawl started and ended on
 * screen; with `frames`, every frame too. Counting frames takes a
 * `requestAnimationFrame` loop, and that loop is not free: it makes Chromium
 * run a main frame on every vsync that the page alone would not ask for (a
 * trace of a 5,000-page crawl: 282 main frames in 5 s instead of 20, +0.5 s of
 * the main thread), a cost the background crawl under the same loop does not
 * pay. So frames are counted in a crawl of their own, and the time the ratio
 * pairs with the background crawl comes from a crawl without the loop.
 */
function observePlayground(frames) {
  const w = { long: [], frames: [], clickAt: null, doneAt: null };
  window.benchWatch = w;
  if (PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
    w.observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) w.long.push(e.duration);
    });
    w.observer.observe({ type: 'longtask' });
  }
  document.getElementById('crawl').addEventListener('click', () => { w.clickAt = performance.now(); }, { capture: true });
  const state = document.getElementById('crawl-state');
  new MutationObserver(() => {
    if (state.textContent === 'done' && w.doneAt === null) w.doneAt = performance.now();
  }).observe(state, { childList: true, characterData: true, subtree: true });
  if (!frames) return;
  let last = performance.now();
  const frame = (now) => {
    w.frames.push(now - last);
    last = now;
    if (w.doneAt === null) requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** In the page: what the observers saw. */
function playgroundFigures() {
  const w = window.benchWatch;
  // Entries are delivered late, in a low-priority task: collect the rest now.
  for (const e of w.observer?.takeRecords() ?? []) w.long.push(e.duration);
  const frames = w.frames.slice(1).sort((a, b) => a - b); // the first delta predates the crawl
  const model = window.crawlscopePage.picture.model;
  return {
    pages: model.rows.filter((r) => !r.gone).length,
    // The bench's own pause (at `pauseAt` pages) is not the playground's cost: its wall time is left out.
    ms: w.doneAt - w.clickAt - (window.crawlscope.current.pausedMs ?? 0),
    crawlMs: model.elapsedMs,
    reportCalls: window.crawlscope.current.reportCalls,
    longestTask: Math.max(0, ...w.long),
    longTasks: w.long.length,
    frameP95: frames.length ? frames[Math.min(frames.length - 1, Math.floor(frames.length * 0.95))] : null,
    frames: frames.length,
  };
}

/**
 * In the page, mid-crawl: click Pause and time how long until it took
 * effect — the state reads `paused` and the engine holds its tasks — then
 * check that no fetch started after the pause, and resume.
 */
async function pauseFigures() {
  const state = document.getElementById('crawl-state');
  const crawl = window.crawlscope.current;
  const before = crawl.eventCount;
  const t0 = performance.now();
  document.getElementById('pause').click();
  while (!(state.textContent === 'paused' && crawl.paused)) await new Promise((r) => setTimeout(r, 1));
  const tookMs = performance.now() - t0;
  // Only the events since the click: reading the whole log here would be the bench's own long task.
  const from = before + crawl.events(before).findLastIndex((e) => e.type === 'paused');
  await new Promise((r) => setTimeout(r, 500));
  const fetchesAfter = crawl.events(from).filter((e) => e.type === 'fetchStart').length;
  document.getElementById('resume').click();
  return { tookMs, fetchesAfter, at: window.crawlscopePage.picture.model.counts.done };
}

/** In the page, after the crawl: one full draw of the fitted graph, several times. */
function graphDraws() {
  const graph = window.crawlscopePage.picture.graph;
  graph.fitted = false;
  const times = [];
  for (let i = 0; i < 15; i += 1) {
    const t = performance.now();
    graph.draw(true);
    times.push(performance.now() - t);
  }
  return { nodes: graph.count, mode: graph.mode, times };
}

/** The same build crawling in the background (`current: false`): nothing of it is drawn. */
async function backgroundCrawl(page, root) {
  await page.waitForFunction(() => document.getElementById('crawl-state')?.textContent === 'idle');
  return page.evaluate(async ({ r, tries }) => {
    const t0 = performance.now();
    const handle = window.crawlscope.start({ roots: [r], maxTasks: 10, maxTries: tries }, { current: false });
    const report = await handle.done;
    return { ms: performance.now() - t0, pages: report.pages.length };
  }, { r: root, tries: MAX_TRIES });
}

/** In a fresh page: the playground crawls `root` with its picture on screen (`frames`: and a frame counter). */
async function playgroundCrawl(page, root, pages, frames) {
  const { pauseAt } = plan.playground;
  await page.waitForFunction(() => document.getElementById('crawl-state')?.textContent === 'idle');
  await page.locator('#root').fill(root);
  await page.locator('#max-tasks').fill('10');
  await page.locator('#more-options summary').click();
  await page.locator('#opt-maxTries').fill(String(MAX_TRIES));
  await page.evaluate(observePlayground, frames);
  await page.locator('#crawl').click();
  let pause = null;
  if (!frames && pages > pauseAt) {
    await page.waitForFunction((n) => window.crawlscopePage.picture.model.counts.done >= n, pauseAt,
      { timeout: 1_800_000, polling: 100 });
    pause = await page.evaluate(pauseFigures);
  }
  await page.waitForFunction(() => document.getElementById('crawl-state').textContent === 'done', null,
    { timeout: 1_800_000, polling: 500 });
  const figures = await page.evaluate(playgroundFigures);
  if (frames) return figures;
  return { ...figures, pause, draws: await page.evaluate(graphDraws) };
}

/**
 * The playground itself, task graph on screen, against the same build
 * crawling in the background, in fresh pages, the order turning from run to
 * run: `page` (the playground as a user has it; at the size that reaches
 * `pauseAt` pages, Pause is clicked mid-crawl), `background`, and `frames`
 * (the playground again with a frame counter: see `observePlayground`).
 */
async function playground(browser) {
  const { sizes, runs } = plan.playground;
  const kinds = ['background', 'page', 'frames'];
  const out = [];
  for (const pages of sizes) {
    const entry = { pages, runs: [] };
    out.push(entry);
    const root = variant(`pages=${pages};latency=0`);
    for (let run = 0; run < runs; run++) {
      const result = {};
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[(k + run) % kinds.length];
        log(`playground, ${pages} pages @ 0 ms: ${kind} crawl (run ${run + 1}/${runs})`);
        result[kind] = await onPage(browser, BENCH_URL, async (page) => {
          await page.setViewportSize({ width: 1280, height: 800 });
          if (kind === 'background') return backgroundCrawl(page, root);
          return playgroundCrawl(page, root, pages, kind === 'frames');
        });
      }
      entry.runs.push(result);
    }
  }
  return out;
}

/**
 * Heap and wasm memory held by one finished crawl whose handle is kept, with
 * the event log and without it (alternately), so the log's share shows.
 */
async function memory(browser) {
  const { pages, maxTasks, runs } = plan.memory;
  const root = variant(`pages=${pages};latency=0`);
  const out = { log: [], nolog: [] };
  for (let run = 0; run < runs; run++) {
    for (const build of run % 2 === 0 ? ['log', 'nolog'] : ['nolog', 'log']) {
      log(`memory: crawl of ${pages} pages kept, ${build} build (run ${run + 1}/${runs})`);
      out[build].push(await onFreshPage(browser, build, async (page) => {
        const cdp = await page.context().newCDPSession(page);
        const settled = async () => {
          await cdp.send('HeapProfiler.collectGarbage');
          return page.evaluate(() => window.bench.memory());
        };
        const before = await settled();
        const crawl = await page.evaluate((o) => window.bench.keep(o), { root, maxTasks });
        const after = await settled();
        const logBytes = await page.evaluate(() => window.bench.logBytes());
        await cdp.detach();
        return { ...crawl, before, after, logBytes };
      }));
    }
  }
  return out;
}

async function main() {
  // Other work on this machine skews every figure: sample how busy it is.
  const load = [os.loadavg()[0]];
  const sampler = setInterval(() => load.push(os.loadavg()[0]), 5000);
  const machine = {
    chromium: 'unknown',
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    sectionLoad: {},
  };
  const results = { quick, machine, plan, maxTries: MAX_TRIES, failed: {}, skipped: [] };
  fs.mkdirSync(path.dirname(BENCH_OUT), { recursive: true });

  // Each section stands alone, in its own browser: one that breaks is
  // reported as such, the others still count, and the results are saved
  // after every section.
  const section = async (key, name, fn) => {
    if (only && !only.includes(key)) {
      results.skipped.push(key);
      fs.writeFileSync(BENCH_OUT, JSON.stringify(results, null, 1));
      return;
    }
    const from = load.length;
    let browser;
    try {
      browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
      machine.chromium = browser.version();
      results[key] = await fn(browser);
    } catch (e) {
      log(`FAILED: ${name}: ${e.message}`);
      results.failed[key] = e.message.split('\n')[0];
    } finally {
      await browser?.close().catch(() => {});
    }
    load.push(os.loadavg()[0]);
    // The highest load seen during the section, so a skewed one shows.
    machine.sectionLoad[name] = Math.max(...load.slice(Math.max(0, from - 1)));
    machine.load = { min: Math.min(...load), max: Math.max(...load) };
    fs.writeFileSync(BENCH_OUT, JSON.stringify(results, null, 1));
  };
  try {
    await section('extraction', '1', extraction);
    await section('ideal', '2', idealCrawls);
    await section('zero', '2–3', zeroLatency);
    await section('parse', '2c', parseBound);
    await section('playground', '4', playground);
    await section('memory', '5', async (b) => ({ pages: plan.memory.pages, ...(await memory(b)) }));
  } finally {
    clearInterval(sampler);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
