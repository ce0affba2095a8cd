// Lints and the trace export in a real browser: the spinner scene's blocking
// parse raises `long poll` and its sliced parse does not; the Lints list
// opens the step where a lint happened; Download trace gives a Trace Event
// Format file that DevTools' own trace importer (the Performance panel's
// model, served by this Chromium) parses into a track per task.
const net = require('node:net');
const os = require('node:os');
const { test, expect, chromium } = require('@playwright/test');
const { SITE_URL, variant, download, openPlaygroundForEachTest } = require('./helpers');

openPlaygroundForEachTest();

/** A click held ~100 ms, as a reader's. */
async function heldClick(page, locator) {
  await locator.scrollIntoViewIfNeeded();
  const box = await locator.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.waitForTimeout(100);
  await page.mouse.up();
}

/** Mount the spinner scene (as scenes.spec.js does) and run it once; resolves with its detail. */
async function spinnerRun(page, blocking) {
  return page.evaluate(async ({ site, blocking }) => {
    const { mountScene } = await import('./www/scenes/index.js');
    document.getElementById('scene-box')?.remove();
    const box = document.createElement('div');
    box.id = 'scene-box';
    box.style.cssText = 'width: 400px; margin: 8px;';
    document.body.prepend(box);
    const scene = await mountScene('spinner', box, {
      api: window.crawlscope,
      siteRoot: ({ pages, latency }) => `${site}s/pages=${pages};latency=${latency};seed=1/`,
      siteLabel: 'the test site',
      onStep: () => {},
      onDone: () => {},
      params: { blocking },
    });
    const detail = await scene.start();
    scene.destroy();
    return detail;
  }, { site: SITE_URL, blocking });
}

test('the_spinner_scenes_blocking_parse_raises_long_poll', async ({ page }) => {
  test.setTimeout(120_000);
  const blocking = await spinnerRun(page, true);
  console.log(`figure: spinner crawl, blocking parse: ${blocking.longPolls} long-poll lints, `
    + `longest poll ${Math.round(blocking.longestPollMs)} ms`);
  expect(blocking.blocking).toBe(true);
  expect(blocking.longPolls).toBeGreaterThanOrEqual(1);
  expect(blocking.longestPollMs).toBeGreaterThanOrEqual(50);
});

/**
 * `long poll` is about wall time: on a machine whose cores are shared with other work, the OS
 * deschedules the page in the middle of an 8 ms slice and stretches it past 50 ms (the page really
 * is stalled then, but not by the crawl). The sliced parse gets up to three runs and must manage one
 * without a long poll; when every run had one, the test is skipped if (and only if) the machine is
 * oversubscribed — its load average above its core count — and fails otherwise.
 */
test('the_spinner_scenes_sliced_parse_raises_no_long_poll', async ({ page }) => {
  test.setTimeout(240_000);
  const runs = [];
  while (runs.length < 3 && !runs.some((r) => r.longPolls === 0)) runs.push(await spinnerRun(page, false));
  const [load] = os.loadavg();
  const cores = os.cpus().length;
  console.log(`figure: spinner crawl, sliced parse, run by run: ${runs.map((r) => `${r.longPolls} long-poll lints `
    + `(longest poll ${Math.round(r.longestPollMs)} ms)`).join(', ')}; load average ${load.toFixed(1)} on ${cores} cores`);
  test.skip(runs.at(-1).longPolls > 0 && load > cores,
    `load average ${load.toFixed(1)} on ${cores} cores: the OS stretches 8 ms slices past 50 ms here`);
  expect(runs.at(-1).longPolls).toBe(0);
});

test('the_lints_list_names_each_lint_and_opens_its_step_in_replay', async ({ page }, testInfo) => {
  test.setTimeout(90_000);
  // One 2 MiB page parsed without yielding: a long poll, on the page's own crawl.
  await page.evaluate(async (site) => {
    const handle = window.crawlscope.start({ roots: [`${site}s/pages=3;latency=0;seed=1/huge`], maxTasks: 2,
      robots: false, maxTries: 1, parseSliceMs: 60000 });
    await handle.done;
  }, SITE_URL);
  await expect(page.locator('#crawl-state')).toHaveText('done');
  const lints = await page.evaluate(() => window.crawlscope.current.lints());
  const long = lints.find((l) => l.kind === 'longPoll');
  expect(long, JSON.stringify(lints)).toBeTruthy();
  expect(long.ms).toBeGreaterThanOrEqual(50);

  const panel = page.locator('#lints');
  await expect(panel.locator('summary .badge')).toHaveText(String(lints.length));
  await panel.locator('summary').focus();
  await page.keyboard.press('Enter'); // a details element opens from the keyboard
  const entry = panel.locator('#lint-list li[data-kind="longPoll"]').first();
  await expect(entry).toContainText('long poll');
  await expect(entry).toContainText(long.name);
  await expect(entry.locator('p')).toContainText('nothing else on the page could run');
  // The task's lane and its detail carry the lint too.
  expect(await page.evaluate((t) => window.crawlscopePage.picture.lanes.badges.get(t), long.task)).toContain('long poll');
  await page.screenshot({ path: testInfo.outputPath('lints-list.png'), fullPage: true });

  await heldClick(page, entry.locator('button[data-step]'));
  await expect(page.locator('#crawl-state')).toHaveText('replay');
  const at = await page.evaluate(() => ({ position: window.crawlscope.current.position,
    polled: window.crawlscope.current.polledTask, lints: window.crawlscope.current.lints() }));
  expect(at.position).toBe(long.step);
  expect(at.polled).toBe(long.task);
  expect(at.lints.at(-1)).toEqual(long);
  await expect(page.locator('#replay-pos')).toContainText(`step ${long.step} /`);
  await expect(page.locator('#step-info')).toContainText(long.name);
  // One step back, the lint is not raised yet: the list follows the replay.
  await page.locator('#replay-back').click();
  await expect(panel.locator('#lint-list li[data-kind="longPoll"]')).toHaveCount(
    lints.filter((l) => l.kind === 'longPoll' && l.step < long.step).length);
});

/** A free TCP port on loopback, for a second browser's DevTools server. */
function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

test('download_trace_gives_a_trace_event_file_that_devtools_imports', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  await page.locator('#root').fill(variant('pages=100;latency=20'));
  await page.locator('#max-tasks').fill('4');
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 60_000 });
  const polls = await page.evaluate(() => window.crawlscope.events().filter((e) => e.type === 'pollStart').length);
  // A normal crawl leaves no task parked where nothing can wake it.
  const lints = await page.evaluate(() => window.crawlscope.lints());
  expect(lints.filter((l) => l.kind === 'neverWoken')).toEqual([]);
  const [file] = await Promise.all([page.waitForEvent('download'), heldClick(page, page.locator('#download-trace'))]);
  expect(file.suggestedFilename()).toMatch(/^crawlscope-trace-.*\.json$/);
  const text = require('node:fs').readFileSync(await file.path(), 'utf8');
  const trace = JSON.parse(text);
  const pages = await page.evaluate(() => window.crawlscope.report().pages.length);
  const logBytes = await page.evaluate(() => JSON.stringify(window.crawlscope.current.log()).length);
  console.log(`figure: trace of a ${pages}-page crawl in Chromium (4 workers, latency 20 ms): ${text.length} bytes, `
    + `${Math.round((text.length / pages) * 100 / 1024)} KB per 100 pages, ${trace.traceEvents.length} trace events; `
    + `its log: ${logBytes} bytes`);

  // The schema the viewers rely on.
  const events = trace.traceEvents;
  const isPoll = (e) => e.ph === 'X' && e.cat === 'task' && e.tid < 1_000_000;
  expect(events.filter(isPoll).length).toBe(polls);
  expect(trace.otherData.polls).toBe(polls);
  const starts = events.filter((e) => e.ph === 's').map((e) => e.id).sort((a, b) => a - b);
  const ends = events.filter((e) => e.ph === 'f').map((e) => e.id).sort((a, b) => a - b);
  expect(starts).toEqual(ends);
  expect(starts.length).toBe(trace.otherData.flows);
  expect(new Set(starts).size).toBe(starts.length);
  const threads = events.filter((e) => e.name === 'thread_name').map((e) => e.args.name);
  expect(threads).toEqual(expect.arrayContaining(['worker 0', 'worker 3', 'supervisor', 'network']));
  // The same log through the API gives the same file.
  const again = await page.evaluate(() => window.crawlscope.traceEvents(window.crawlscope.current.log()));
  expect(JSON.stringify(again)).toBe(text);
  // A bad log is refused with a message, not a broken file.
  const refused = await page.evaluate(() => { try { window.crawlscope.traceEvents('{"x":1}'); return null; } catch (e) { return e.message; } });
  expect(refused).toContain('not a crawlscope log');

  // The round trip: DevTools' trace model, as this Chromium serves it to its own DevTools.
  const port = await freePort();
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync', `--remote-debugging-port=${port}`],
  });
  try {
    const devtools = await browser.newPage();
    await devtools.goto(`http://127.0.0.1:${port}/devtools/inspector.html`);
    const parsed = await devtools.evaluate(async (traceEvents) => {
      const Trace = await import('/devtools/models/trace/trace.js');
      const model = Trace.TraceModel.Model.createWithAllHandlers();
      await model.parse(traceEvents, { metadata: {}, isFreshRecording: false });
      const { data } = model.parsedTrace(0);
      const threads = [...data.Renderer.processes.values()].flatMap((p) => [...p.threads.values()]);
      return {
        threads: threads.map((t) => ({ name: t.name, slices: t.entries.filter((e) => e.ph === 'X').length })),
        flows: data.Flows.flows.length,
        range: data.Meta.traceBounds.range,
      };
    }, events);
    // DevTools keeps an arrow only when its two ends have different timestamps; performance.now() ticks
    // in 100 µs steps here, and a woken task is often polled in the very tick of its wake.
    const startTs = new Map(events.filter((e) => e.ph === 's').map((e) => [e.id, e.ts]));
    const sameTick = events.filter((e) => e.ph === 'f' && startTs.get(e.id) === e.ts).length;
    console.log(`figure: DevTools' trace model read ${parsed.threads.length} tracks and ${parsed.flows} of `
      + `${starts.length} wake arrows; ${sameTick} have both ends in one performance.now() tick`);
    const workers = parsed.threads.filter((t) => /^worker \d+$/.test(t.name));
    expect(workers).toHaveLength(4);
    const supervisor = parsed.threads.find((t) => t.name === 'supervisor');
    expect(supervisor).toBeTruthy();
    expect([...workers, supervisor].reduce((n, t) => n + t.slices, 0)).toBe(polls);
    expect(parsed.flows).toBeGreaterThan(0);
    expect(parsed.flows).toBeLessThanOrEqual(starts.length);
    expect(parsed.range).toBeGreaterThan(0);
  } finally {
    await browser.close();
  }
  await page.screenshot({ path: testInfo.outputPath('download-trace.png') });
});

test('download_trace_works_on_a_replay_and_is_off_for_a_saved_report', async ({ page }) => {
  await page.locator('#root').fill(variant('pages=10;latency=5'));
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  const log = await download(page, '#download-log');
  await page.locator('#load-log').setInputFiles({ name: 'log.json', mimeType: 'application/json', buffer: Buffer.from(log.text) });
  await expect(page.locator('#crawl-state')).toHaveText('replay');
  await expect(page.locator('#download-trace')).toBeEnabled();
  const trace = JSON.parse((await download(page, '#download-trace')).text);
  const polls = JSON.parse(log.text).events.filter((e) => e.type === 'pollStart').length;
  expect(trace.otherData.polls).toBe(polls);
  const report = await page.evaluate(() => JSON.stringify(window.crawlscope.current.report()));
  await page.evaluate((r) => window.crawlscope.showReport(r), report);
  await expect(page.locator('#download-trace')).toBeDisabled();
});
