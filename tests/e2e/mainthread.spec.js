// The crawl shares the page's one thread: it must hand the event loop back
// often, or rendering and input starve. Figures here come from headless
// Chromium without a GPU; the assertion is on behaviour (slicing), not time.
const { test, expect } = require('@playwright/test');
const { variant, openPlaygroundForEachTest } = require('./helpers');

openPlaygroundForEachTest();

test('a_huge_page_is_parsed_in_slices_with_the_event_loop_running_between', async ({ page }) => {
  await page.evaluate(() => {
    window.longTasks = [];
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) window.longTasks.push(entry.duration);
    }).observe({ type: 'longtask' });
  });
  await page.locator('#root').fill(`${variant('pages=5;latency=0')}huge`);
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });

  const yields = await page.evaluate(() =>
    window.crawlscope.events().filter((e) => e.type === 'pollEnd' && e.awaiting === 'yield').length);
  expect(yields).toBeGreaterThanOrEqual(2);
  const hugeRow = page.locator('#results tbody tr', { hasText: '/huge' });
  await expect(hugeRow.locator('.c-outcome')).toHaveText('done');
  const longest = Math.max(0, ...(await page.evaluate(() => window.longTasks)));
  console.log(`figure: longest main-thread task while crawling a 2 MiB page: ${Math.round(longest)} ms ` +
    `(${yields} yields; headless Chromium, no GPU)`);
});
