// End-to-end tests of the playground: a real page, real wasm, real HTTP
// against the generated test site, checked against the site's own list of
// pages (`/__expected`). Run through `cargo xtask test`.
const { test, expect } = require('@playwright/test');
const { variant, expectedPages, siteStats, rows, counter, openPlaygroundForEachTest } = require('./helpers');

openPlaygroundForEachTest();

test('crawl_finds_every_page_the_site_generator_lists', async ({ page }, testInfo) => {
  const knobs = 'pages=25;latency=5';
  await page.locator('#root').fill(variant(knobs));
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });

  const expected = await expectedPages(knobs);
  const found = await rows(page);
  expect(found.map((r) => r.url).sort()).toEqual(expected.map((p) => p.url).sort());
  for (const want of expected) {
    const row = found.find((r) => r.url === want.url);
    expect(row?.status, want.url).toBe(String(want.status));
  }
  for (const row of found.filter((r) => r.status === '200' && r.type.startsWith('text/html'))) {
    expect(row.links, row.url).toMatch(/^\d+\/\d+$/);
  }

  expect(await counter(page, 'queued')).toBe(0);
  expect(await counter(page, 'inflight')).toBe(0);
  expect((await counter(page, 'done')) + (await counter(page, 'httperror')) + (await counter(page, 'failed'))).toBe(found.length);
  await expect(page.locator('#error-banner')).toBeHidden();
  await page.screenshot({ path: testInfo.outputPath('crawl-done.png'), fullPage: true });
});

test('stop_mid_crawl_keeps_results_and_leaves_nothing_in_flight', async ({ page }, testInfo) => {
  await page.locator('#root').fill(variant('pages=200;latency=300'));
  await page.locator('#max-tasks').fill('4');
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('crawling');
  await expect
    .poll(async () => (await rows(page)).filter((r) => r.outcome === 'done').length, { timeout: 30_000 })
    .toBeGreaterThanOrEqual(3);

  await page.locator('#stop').click();
  await expect(page.locator('#crawl-state')).toHaveText('stopped');
  const found = await rows(page);
  expect(found.filter((r) => r.outcome === 'done').length).toBeGreaterThanOrEqual(3);
  expect(found.some((r) => r.outcome === 'not crawled (stopped)')).toBe(true);
  expect(await counter(page, 'inflight')).toBe(0);
  await expect(page.locator('#error-banner')).toBeHidden();

  // Stopping must cancel the fetches themselves, not just stop listening:
  // the server sees every request end, and no new one arrives afterwards.
  await expect.poll(async () => (await siteStats()).inFlight, { timeout: 3_000 }).toBe(0);
  const served = (await siteStats()).served;
  await page.waitForTimeout(1_000);
  expect((await siteStats()).served).toBe(served);
  await page.screenshot({ path: testInfo.outputPath('crawl-stopped.png'), fullPage: true });
});

test('bad_root_url_shows_a_message', async ({ page }) => {
  await page.locator('#root').fill('not a url');
  await page.locator('#crawl').click();
  await expect(page.locator('#root-error')).toBeVisible();
  await expect(page.locator('#root-error')).not.toHaveText(/^\s*$/);
  await expect(page.locator('#results tbody tr')).toHaveCount(0);
  await expect(page.locator('#error-banner')).toBeHidden();

  // The page still works: fixing the URL clears the message and crawls.
  await page.locator('#root').fill(variant('pages=3;latency=0'));
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  await expect(page.locator('#root-error')).toBeHidden();
});

test('js_api_crawl_returns_a_versioned_report', async ({ page }) => {
  const knobs = 'pages=10;latency=0';
  const root = variant(knobs);
  const report = await page.evaluate((root) => window.crawlscope.crawl({ roots: [root] }), root);
  expect(report.version).toBe(1);
  const expected = await expectedPages(knobs);
  expect(report.pages.map((p) => p.url).sort()).toEqual(expected.map((p) => p.url).sort());

  const rejection = await page.evaluate(
    (root) =>
      window.crawlscope.crawl({ roots: [root], bogus: 1 }).then(
        () => 'resolved',
        (error) => String(error?.message ?? error),
      ),
    root,
  );
  expect(rejection).not.toBe('resolved');
  expect(rejection).toContain('bogus');
});

test('ended_resolves_as_the_crawl_ends_without_reading_its_report', async ({ page }) => {
  const knobs = 'pages=12;latency=10';
  const root = variant(knobs);
  const seen = await page.evaluate(async (root) => {
    const handle = window.crawlscope.start({ roots: [root] }, { current: false });
    const before = handle.finished;
    const value = await handle.ended;
    return { before, value: value === undefined, finished: handle.finished, reportCalls: handle.reportCalls,
      pages: (await handle.done).pages.length };
  }, root);
  const pages = (await expectedPages(knobs)).length;
  expect(seen).toEqual({ before: false, value: true, finished: true, reportCalls: 0, pages });
});
