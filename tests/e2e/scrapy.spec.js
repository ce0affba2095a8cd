// Beyond one tab: the form's crawl leaves the page as a Scrapy spider, and
// what the spider crawled comes back through Load report.
//
// The second test loads the JSON Lines a real Scrapy run wrote: `cargo xtask
// test` (layer scrapy) runs the spider against this test site first and
// passes the file in SCRAPY_JSONL. Without it (the e2e layer) that test is
// skipped, saying why.
const fs = require('node:fs');
const { test, expect } = require('@playwright/test');
const { SITE_URL, expectedPages, siteStats, openPlaygroundForEachTest } = require('./helpers');

openPlaygroundForEachTest();

/** A click held about 100 ms, as a person clicks. */
async function heldClick(page, selector) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  const box = await page.locator(selector).boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.waitForTimeout(100);
  await page.mouse.up();
}

test('export_scrapy_spider_writes_the_forms_crawl_as_python', async ({ page }) => {
  const root = `${SITE_URL}s/pages=12;latency=0/`;
  await page.locator('#root').fill(root);
  await page.locator('#more-options summary').click();
  await page.locator('#opt-depthLimit').fill('2');
  await page.locator('#opt-exclude').fill(`old-"'\\.x`);
  const [file] = await Promise.all([page.waitForEvent('download'), heldClick(page, '#export-scrapy')]);
  expect(file.suggestedFilename()).toBe('crawlscope_spider.py');
  const text = fs.readFileSync(await file.path(), 'utf8');
  expect(text).toMatch(/^# A Scrapy spider exported by crawlscope/);
  expect(text).toContain('scrapy runspider crawlscope_spider.py -o pages.jsonl');
  expect(text).toContain(`"roots": ["${root}"]`);
  expect(text).toContain('"depthLimit": 2');
  expect(text).toContain(String.raw`"exclude": "old-\"'\\.x"`); // the quote and the backslash escaped
  expect(text).toContain('"DEPTH_LIMIT": 2,');
  expect(text).toContain('"CONCURRENT_REQUESTS": 10,'); // the form's worker count

  // The same for a scrapy-redis spider, from the API.
  const redis = await page.evaluate(() => window.crawlscope.scrapySpider(
    { roots: ['http://127.0.0.1:8081/'] }, { redis: 'redis://127.0.0.1:6379/0' }));
  expect(redis).toContain('RedisSpider');

  // A bad option is blamed on its field, as for a crawl, and nothing is downloaded.
  await page.locator('#opt-depthLimit').fill('-3');
  let downloads = 0;
  page.on('download', () => { downloads += 1; });
  await page.locator('#export-scrapy').focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#opt-depthLimit-error')).toContainText('depthLimit: must be a whole number');
  await expect(page.locator('#opt-depthLimit')).toBeFocused();
  await page.waitForTimeout(300);
  expect(downloads).toBe(0);
  const error = await page.evaluate(() => {
    try { window.crawlscope.scrapySpider({ roots: ['http://a/'] }, { redis: 'http://not-redis/' }); return null; } catch (e) { return [e.option, e.message]; }
  });
  expect(error?.[0]).toBe('redis');
  await expect(page.locator('#error-banner')).toBeHidden();
});

test('a_spiders_jsonl_loads_like_a_saved_report', async ({ page }) => {
  const jsonl = process.env.SCRAPY_JSONL;
  test.skip(!jsonl, 'SCRAPY_JSONL is unset: the scrapy layer of `cargo xtask test` runs the spider and then this test');
  // The site variant the spider crawled, from its first item's URL.
  const first = JSON.parse(fs.readFileSync(jsonl, 'utf8').split('\n')[0]);
  const knobs = first.url.slice(SITE_URL.length).match(/^s\/([^/]+)\//)[1];
  const expected = await expectedPages(knobs);
  const served = (await siteStats()).served;

  await page.locator('#load-report').setInputFiles(jsonl);
  await expect(page.locator('#crawl-state')).toHaveText('report');
  await expect(page.locator('#report-error')).toBeEmpty();
  // Every page of the site once, its aliases merged from the spider's alias lines.
  const shown = await page.evaluate(() => window.crawlscope.report().pages
    .map(({ url, aliases, status, links }) => ({ url, aliases, status, links })));
  expect(shown).toEqual(expected.map(({ url, aliases, status, links }) => ({ url, aliases, status, links })));
  // On screen: the counters, and a redirect target's row names both URLs that redirected there.
  const httpErrors = expected.filter((p) => p.status >= 400).length;
  await expect(page.locator('#count-done')).toHaveText(String(expected.length - httpErrors));
  await expect(page.locator('#count-httperror')).toHaveText(String(httpErrors));
  const target = expected.find((p) => p.aliases.length === 2);
  await page.locator('#table-filter').fill(target.url.slice(SITE_URL.length));
  const row = page.locator('#results tbody tr', { hasText: target.aliases[0] });
  await expect(row.locator('.aliases')).toHaveText(`redirected here from ${target.aliases.join(', ')}`);
  // Loading crawls nothing.
  expect((await siteStats()).served).toBe(served);
  await expect(page.locator('#error-banner')).toBeHidden();
});
