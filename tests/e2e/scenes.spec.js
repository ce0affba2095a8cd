// The scenes (www/scenes/): each is mounted into a container in the
// playground page, as a host page would mount it, run against the test site
// with small latencies, and checked for what it measured. Timing figures are
// printed; the assertions are on behaviour (request counts, orderings).
const path = require('node:path');
const { test, expect } = require('@playwright/test');
const { SITE_URL, siteStats, openPlaygroundForEachTest } = require('./helpers');

openPlaygroundForEachTest();

const shot = (name) => path.join(__dirname, '..', '..', 'artifacts', 'e2e', `scene-${name}.png`);

/**
 * Mount scene `name` into a fresh 400 px container (a small iframe's width).
 * The scene is `window.scene`; what it tells its host lands in `window.sceneLog`.
 */
async function mount(page, name, params = {}) {
  await page.evaluate(async ({ name, params, site }) => {
    const { mountScene } = await import('./www/scenes/index.js');
    const box = document.createElement('div');
    box.id = 'scene-box';
    box.style.cssText = 'width: 400px; margin: 8px;';
    document.body.prepend(box);
    window.sceneLog = { steps: [], done: [] };
    window.scene = await mountScene(name, box, {
      api: window.crawlscope,
      siteRoot: ({ pages, latency }) => `${site}s/pages=${pages};latency=${latency};seed=1/`,
      siteLabel: 'the test site',
      onStep: (detail) => window.sceneLog.steps.push(detail),
      onDone: (detail) => window.sceneLog.done.push(detail),
      params,
    });
  }, { name, params, site: SITE_URL });
  return page.locator('#scene-box');
}

test('crawler_is_the_page_itself_and_unknown_names_are_refused', async ({ page }) => {
  const answer = await page.evaluate(async () => {
    const { mountScene, SCENES } = await import('./www/scenes/index.js');
    const crawler = await mountScene('crawler', document.body, { api: window.crawlscope, siteRoot: () => '' });
    const error = await mountScene('nope', document.body, {}).then(() => null, (e) => e.message);
    return { names: Object.keys(SCENES), crawler, error };
  });
  expect(answer.names).toEqual(['crawler', 'bulk', 'spinner', 'step']);
  expect(answer.crawler).toBeNull();
  expect(answer.error).toContain('known: crawler, bulk, spinner, step');
});

test('bulk_makes_exactly_100_requests_per_way_and_sequential_is_slowest', async ({ page }) => {
  const latency = 20;
  const box = await mount(page, 'bulk', { latency, bound: 4 });
  const before = (await siteStats()).served;
  const runs = await page.evaluate(() => window.scene.start());
  expect((await siteStats()).served - before).toBe(300);

  expect(runs.map((r) => r.mode)).toEqual(['sequential', 'all', 'bounded']);
  expect(runs.every((r) => r.pages === 100)).toBe(true);
  expect(await page.evaluate(() => window.sceneLog.done.length)).toBe(3);
  const [sequential, all, bounded] = runs;
  expect(sequential.idealMs).toBe(100 * latency);
  expect(all.idealMs).toBe(Math.ceil(100 / 6) * latency);
  expect(bounded.idealMs).toBe(Math.ceil(100 / 4) * latency);
  expect(sequential.ms).toBeGreaterThanOrEqual(100 * latency);
  expect(sequential.ms).toBeGreaterThan(all.ms);
  for (const r of runs) {
    console.log(`figure: bulk ${r.mode} (maxTasks ${r.maxTasks}, latency ${latency} ms): ${Math.round(r.ms)} ms, `
      + `ideal ${r.idealMs} ms, ${(r.ms / r.idealMs).toFixed(2)}× ideal`);
  }
  await expect(box.locator('tbody td[data-col="pages"]')).toHaveText(['100/100', '100/100', '100/100']);
  await box.screenshot({ path: shot('bulk') });
});

test('spinner_blocking_parse_blocks_the_thread_and_slices_do_not', async ({ page }) => {
  const box = await mount(page, 'spinner', { blocking: false });
  const sliced = await page.evaluate(() => window.scene.start());
  await box.locator('input[name="blocking"]').check();
  const blocking = await page.evaluate(() => window.scene.start());

  for (const r of [sliced, blocking]) {
    console.log(`figure: spinner ${r.blocking ? 'blocking parse' : 'sliced parse (8 ms)'}: longest main-thread task `
      + `${Math.round(r.longestTaskMs)} ms (0 = none over 50 ms), max frame gap ${Math.round(r.maxFrameGapMs)} ms, `
      + `longest engine poll ${Math.round(r.longestPollMs)} ms, ${r.pages} pages in ${Math.round(r.ms)} ms`);
  }
  expect([sliced.blocking, blocking.blocking]).toEqual([false, true]);
  expect(sliced.pages).toBeGreaterThan(200); // 200 pages, the index's extras and the 2 MiB page
  expect(blocking.pages).toBe(sliced.pages);
  expect(typeof sliced.longestTaskMs).toBe('number');
  expect(blocking.longestTaskMs).toBeGreaterThan(50);
  expect(blocking.longestTaskMs).toBeGreaterThan(sliced.longestTaskMs);
  await expect(box.locator('.sc-verdict')).toContainText('blocked');
  await expect(box.locator('tbody tr')).toHaveCount(2);
  expect(await page.evaluate(() => window.sceneLog.done.length)).toBe(2);
  await box.screenshot({ path: shot('spinner') });
});

test('step_shows_each_poll_of_the_worker_and_what_woke_it', async ({ page }) => {
  const box = await mount(page, 'step');
  await page.evaluate(() => window.scene.start());
  const steps = 6;
  for (let i = 0; i < steps; i += 1) {
    // Paused: the worker is polled only by a Step, once it is ready (woken by what it awaited).
    await page.waitForFunction(() => window.crawlscope.current.ready().some((r) => r.task === 0), null,
      { timeout: 10_000 });
    await box.getByRole('button', { name: 'Step', exact: true }).click();
  }
  await expect(box.locator('li[data-kind="poll"]')).toHaveCount(steps);
  // Let the last fetch wake the worker, so the timeline ends on its wake.
  await expect(box.locator('li[data-kind="wake"]')).toHaveCount(steps, { timeout: 10_000 });

  const kinds = await box.locator('li[data-kind="poll"], li[data-kind="wake"]')
    .evaluateAll((lis) => lis.map((li) => li.dataset.kind));
  expect(kinds).toEqual(Array.from({ length: 2 * steps }, (_, i) => (i % 2 ? 'wake' : 'poll')));
  const causes = await box.locator('li[data-kind="wake"]').evaluateAll((lis) => lis.map((li) => li.dataset.cause));
  expect(causes).toContain('network');
  const pending = await box.locator('li[data-kind="poll"]').evaluateAll((lis) => lis.map((li) => li.dataset.awaiting));
  expect(pending[0]).toBe('fetch'); // poll #1 took the root off the queue and parked on its fetch
  const told = await page.evaluate(() => window.sceneLog.steps);
  expect(told.map((s) => s.poll)).toEqual([1, 2, 3, 4, 5, 6]);
  expect(told.every((s) => s.scene === 'step' && s.task === 0 && typeof s.awaiting === 'string')).toBe(true);
  expect(told[0].wokenBy).toBe('spawned');
  console.log(`figure: step — ${steps} polls of worker 0, parked at ${pending.join(', ')}; woken by ${causes.join(', ')}`);
  await box.screenshot({ path: shot('step') });
  await page.evaluate(() => window.scene.destroy());
  await expect(box.locator('.sc-scene')).toHaveCount(0);
});
