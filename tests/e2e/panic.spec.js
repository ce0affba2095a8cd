// On stable wasm a panic ends the module instance. The engine is written not
// to panic; if a bug slips through, the page must say so, not go blank.
const { test, expect } = require('@playwright/test');
const { variant, openPlaygroundForEachTest } = require('./helpers');

openPlaygroundForEachTest();

test('a_panic_becomes_an_error_banner_and_the_results_stay', async ({ page }) => {
  await page.locator('#root').fill(variant('pages=5;latency=0'));
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  const rows = await page.locator('#results tbody tr').count();
  expect(rows).toBeGreaterThan(3);

  const thrown = await page.evaluate(() => {
    try {
      window.crawlscope.panicForTesting('deliberate test panic');
      return null;
    } catch (error) {
      return String(error);
    }
  });
  expect(thrown).not.toBeNull(); // the trap reaches the caller as an exception
  await expect(page.locator('#error-banner')).toBeVisible();
  await expect(page.locator('#error-banner')).toContainText('deliberate test panic');
  await expect(page.locator('#crawl-state')).toHaveText('error');
  // What was already on the page stays readable.
  await expect(page.locator('#results tbody tr')).toHaveCount(rows);
});
