// Stop time in a real browser: pause a live crawl, step it one poll at a
// time, and replay a recorded log (load, seek, step back, #trace/#step).
const { test, expect } = require('@playwright/test');
const { PLAYGROUND_URL, variant, siteStats, openPlaygroundForEachTest } = require('./helpers');

openPlaygroundForEachTest();

/** Number of events of the given type in the current crawl's log, from `from` on. */
const countEvents = (page, type, from = 0) =>
  page.evaluate(({ type, from }) => window.crawlscope.events(from).filter((e) => e.type === type).length, { type, from });

test('paused_crawl_starts_no_request_and_each_step_is_one_poll', async ({ page }, testInfo) => {
  await page.locator('#root').fill(variant('pages=60;latency=300'));
  await page.locator('#max-tasks').fill('4');
  await page.locator('#crawl').click();
  await expect.poll(() => page.evaluate(() => window.crawlscope.report().counters.done), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(2);

  await page.locator('#pause').click();
  await expect(page.locator('#crawl-state')).toHaveText('paused');
  // Fetches already in flight complete in the browser; nothing new starts.
  await expect.poll(async () => (await siteStats()).inFlight, { timeout: 3_000 }).toBe(0);
  const served = (await siteStats()).served;
  await page.waitForTimeout(1_000);
  expect((await siteStats()).served).toBe(served);
  // Their tasks were woken by the network and wait in the ready list.
  await expect(page.locator('#ready-list li')).not.toHaveCount(0);
  const ready = await page.evaluate(() => window.crawlscope.ready());
  expect(ready.every((r) => r.wokenBy?.kind === 'network')).toBe(true);

  const before = await page.evaluate(() => window.crawlscope.current.eventCount);
  const steps = 5;
  for (let i = 0; i < steps; i += 1) {
    if (i % 2) await page.keyboard.press('ArrowRight'); else await page.locator('#step').click();
  }
  expect(await countEvents(page, 'pollStart', before)).toBe(steps);
  expect(await countEvents(page, 'stepped', before)).toBe(steps);
  await expect(page.locator('#step-info li').first()).toContainText('polled');
  await page.screenshot({ path: testInfo.outputPath('paused-step.png'), fullPage: true });

  await page.locator('#resume').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 60_000 });
  await expect(page.locator('#error-banner')).toBeHidden();
});

test('a_recorded_log_replays_to_the_same_report_and_seeks', async ({ page }, testInfo) => {
  await page.locator('#root').fill(variant('pages=15;latency=20'));
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  const live = await page.evaluate(() => JSON.stringify(window.crawlscope.report()));

  const download = page.waitForEvent('download');
  await page.locator('#download-log').click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^crawlscope-log-.*\.json$/);
  const logText = require('fs').readFileSync(await file.path(), 'utf8');
  expect(JSON.parse(logText).version).toBe(2);

  await page.locator('#load-log').setInputFiles({ name: 'log.json', mimeType: 'application/json', buffer: Buffer.from(logText) });
  await expect(page.locator('#crawl-state')).toHaveText('replay');
  await expect(page.locator('#replay-bar')).toBeVisible();
  const steps = await page.evaluate(() => window.crawlscope.current.steps);
  expect(steps).toBeGreaterThan(20);
  await expect(page.locator('#replay-pos')).toHaveText(`step 0 / ${steps}`);

  // Jump to the end: the replayed report is the live one, exactly.
  await page.evaluate((n) => window.crawlscope.current.seek(n), steps);
  expect(await page.evaluate(() => JSON.stringify(window.crawlscope.current.report()))).toBe(live);

  // Scrub to the middle, then step back with the keyboard.
  const middle = Math.floor(steps / 2);
  await page.locator('#replay-scrub').fill(String(middle));
  await expect(page.locator('#replay-pos')).toHaveText(`step ${middle} / ${steps}`);
  await page.keyboard.press('ArrowLeft');
  await expect(page.locator('#replay-pos')).toHaveText(`step ${middle - 1} / ${steps}`);
  expect(await page.evaluate(() => window.crawlscope.current.position)).toBe(middle - 1);
  await page.screenshot({ path: testInfo.outputPath('replay.png'), fullPage: true });
});

test('a_trace_in_the_url_opens_at_the_given_step', async ({ page }) => {
  await page.locator('#root').fill(variant('pages=8;latency=0'));
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  const log = await page.evaluate(() => JSON.stringify(window.crawlscope.current.log()));
  await page.route('**/trace-under-test.json', (route) => route.fulfill({ contentType: 'application/json', body: log }));

  await page.goto(`${PLAYGROUND_URL}#trace=trace-under-test.json&step=7`);
  await page.reload();
  await expect(page.locator('#crawl-state')).toHaveText('replay');
  await expect(page.locator('#replay-pos')).toHaveText(/^step 7 \//);
  expect(await page.evaluate(() => window.crawlscope.current.polledTask)).not.toBeNull();
});

test('a_bad_log_gives_a_message_not_a_broken_page', async ({ page }) => {
  const newer = JSON.stringify({ format: 'crawlscope-log', version: 99, options: {}, events: [] });
  await page.locator('#load-log').setInputFiles({ name: 'newer.json', mimeType: 'application/json', buffer: Buffer.from(newer) });
  await expect(page.locator('#step-error')).toContainText('newer');
  await page.locator('#load-log').setInputFiles({ name: 'junk.json', mimeType: 'application/json', buffer: Buffer.from('{nope') });
  await expect(page.locator('#step-error')).toContainText('invalid JSON');
  await expect(page.locator('#crawl-state')).toHaveText('idle');
  await expect(page.locator('#error-banner')).toBeHidden();
});
