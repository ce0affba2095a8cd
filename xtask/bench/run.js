// Drives the bench in headless Chromium and writes the raw samples as JSON;
// `cargo xtask bench` starts the servers, runs this, and prints the table
// (medians, min–max, ratios, verdicts) from that JSON.
//
// Env: BENCH_URL (the bench site: dist/ + bench/ + nolog/, with a trailing
// slash), SITE_URL (the test site), BENCH_OUT (where the JSON goes),
// BENCH_QUICK=1 for the short run CI can afford.

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
  mainThread: { pages: 500, runs: 1 },
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
  mainThread: { pages: 5000, runs: 3 },
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

/** In the page: record every long task and every frame until the crawl is done. */
function observeMainThread() {
  window.benchLong = [];
  window.benchFrames = [];
  window.benchObserver = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) window.benchLong.push(e.duration);
  });
  window.benchObserver.observe({ type: 'longtask' });
  let last = performance.now();
  const frame = (now) => {
    window.benchFrames.push(now - last);
    last = now;
    if (document.getElementById('crawl-state').textContent !== 'done') requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
}

/** In the page: what the observers saw. */
function mainThreadFigures() {
  // Entries are delivered late, in a low-priority task: collect the rest now.
  for (const e of window.benchObserver.takeRecords()) window.benchLong.push(e.duration);
  const frames = window.benchFrames.slice(1).sort((a, b) => a - b); // the first delta predates the crawl
  const report = window.crawlscope.current.report();
  return {
    pages: report.pages.length,
    ms: report.elapsedMs,
    longestTask: Math.max(0, ...window.benchLong),
    longTasks: window.benchLong.length,
    frameP95: frames[Math.min(frames.length - 1, Math.floor(frames.length * 0.95))] ?? null,
    frames: frames.length,
  };
}

/** The playground itself crawling, task graph on screen, with long tasks and frames observed. */
async function mainThread(browser) {
  const { pages, runs } = plan.mainThread;
  const out = [];
  for (let run = 0; run < runs; run++) {
    log(`main thread: playground crawl of ${pages} pages (run ${run + 1}/${runs})`);
    out.push(await onPage(browser, BENCH_URL, async (page) => {
      // 'idle' comes after config.json prefilled the root field, so our value sticks.
      await page.waitForFunction(() => document.getElementById('crawl-state')?.textContent === 'idle');
      await page.locator('#root').fill(variant(`pages=${pages};latency=0`));
      // The picture is what must stay smooth: have the task graph on screen.
      await page.locator('#graph').scrollIntoViewIfNeeded();
      await page.evaluate(observeMainThread);
      await page.locator('#crawl').click();
      await page.waitForFunction(() => document.getElementById('crawl-state').textContent === 'done', null,
        { timeout: 1_800_000, polling: 500 });
      return page.evaluate(mainThreadFigures);
    }));
  }
  return { runs: out };
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
  const results = { quick, machine, plan, maxTries: MAX_TRIES, failed: {} };
  fs.mkdirSync(path.dirname(BENCH_OUT), { recursive: true });

  // Each section stands alone, in its own browser: one that breaks is
  // reported as such, the others still count, and the results are saved
  // after every section.
  const section = async (key, name, fn) => {
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
    await section('mainThread', '4', async (b) => ({ pages: plan.mainThread.pages, ...(await mainThread(b)) }));
    await section('memory', '5', async (b) => ({ pages: plan.memory.pages, ...(await memory(b)) }));
  } finally {
    clearInterval(sampler);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
