// A picture everyone can read: axe-core finds no violation on the playground
// and the embed, before and after a crawl; the canvas's text alternative
// tells the crawl as it goes and what a step did; reduced motion stops the
// animations and keeps what they said; the graph has a keyboard path to a
// node's detail.
const { test, expect } = require('@playwright/test');
const { PLAYGROUND_URL, variant, openPlaygroundForEachTest } = require('./helpers');

const AXE = require.resolve('axe-core/axe.min.js');

/** Every axe violation on the page, in short (rule, impact, the first elements it names). */
async function axeViolations(page) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => `${n.target.join(' ')}: ${n.failureSummary}`),
  }));
}

test.describe('the playground', () => {
  openPlaygroundForEachTest();

  test('axe_finds_no_violation_before_and_after_a_crawl', async ({ page }) => {
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('#root').fill(variant('pages=30;latency=20'));
    await page.locator('#crawl').click();
    await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
    expect(await axeViolations(page)).toEqual([]);
  });
});

test.describe('the embed', () => {
  test('axe_finds_no_violation_on_the_embed_before_and_after_play', async ({ page }) => {
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(new URL('embed.html#site=native;pages=12;latency=20', PLAYGROUND_URL).href);
    await expect(page.locator('#play-embed')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('#play-embed').click();
    await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
