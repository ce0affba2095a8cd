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
    // With a node's detail and an arrow's wakes open, and a replay's bar shown.
    await page.locator('#graph').focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.locator('#task-detail')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('#tab-wakes').click();
    await page.locator('#wake-edges button').first().click();
    await expect(page.locator('#wake-detail-list li').first()).toBeVisible();
    await page.locator('#wake-detail-list button[data-step]').first().click();
    await expect(page.locator('#crawl-state')).toHaveText('replay');
    expect(await axeViolations(page)).toEqual([]);
    // Mid-crawl, where rows are fetching, waiting or retrying and every colour of the table shows.
    const steps = Number(await page.locator('#replay-scrub').getAttribute('max'));
    for (const at of [Math.round(steps / 3), Math.round((2 * steps) / 3)]) {
      await page.locator('#replay-scrub').fill(String(at));
      await expect(page.locator('#replay-pos')).toHaveText(`step ${at} / ${steps}`);
      expect(await axeViolations(page)).toEqual([]);
    }
  });
});

test.describe('the playground, read without the pictures', () => {
  openPlaygroundForEachTest();

  test('the_summary_tells_each_step_and_the_pages_in_words', async ({ page }) => {
    await expect(page.locator('#picture-summary')).toHaveAttribute('aria-live', 'polite');
    await expect(page.locator('#graph')).toHaveAttribute('aria-describedby', 'picture-summary');
    await page.locator('#root').fill(variant('pages=12;latency=50'));
    await page.locator('#max-tasks').fill('2');
    await page.locator('#crawl-paused').click();
    await expect(page.locator('#crawl-state')).toHaveText('paused');
    await page.locator('#step').focus();
    await page.keyboard.press('Enter');
    await expect(page.locator('#picture-summary'))
      .toContainText(/^Paused: 0 pages done, \d+ in flight, 0 failed, \d+ queued\. Last step: (worker \d|supervisor) was polled/);
    await page.locator('#resume').click();
    await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
    const done = await page.locator('#count-done').textContent();
    // Throttled, not per event: the last word comes within a second of the end.
    await expect(page.locator('#picture-summary'))
      .toContainText(new RegExp(`^Finished \\(complete\\): ${done} pages done.*0 in flight, 0 failed, 0 queued\\.$`));
  });

  test('reduced_motion_outlines_the_latest_wakes_instead_of_flashing_them', async ({ page }) => {
    await page.emulateMedia({ reducedMotion: 'reduce' });
    await page.locator('#root').fill(variant('pages=12;latency=50'));
    await page.locator('#max-tasks').fill('2');
    await page.locator('#crawl-paused').click();
    const wakes = () => page.evaluate(() => {
      const view = window.crawlscopePage.picture.wakes;
      return { flashes: view.flashes.length, outlined: view.outlined.length, frame: view.frame, total: view.model.total };
    });
    await page.locator('#tab-wakes').click();
    for (let i = 0; i < 60 && (await wakes()).total === 0; i += 1) {
      await page.locator('#step').click();
      await page.waitForTimeout(80);
    }
    const state = await wakes();
    expect(state.total).toBeGreaterThan(0);
    expect(state).toMatchObject({ flashes: 0, frame: 0 }); // nothing moves, no animation frame is asked for
    expect(state.outlined).toBeGreaterThan(0); // what a flash says is outlined, and in words:
    await expect(page.locator('#wakes-latest')).toContainText(/^Latest wake: .* woke worker \d, parked at /);
    // With motion allowed, the same step flashes.
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    await page.locator('#resume').click();
    await expect.poll(async () => (await wakes()).flashes, { timeout: 10_000 }).toBeGreaterThan(0);
  });

  test('the_graph_walks_its_nodes_from_the_keyboard_to_their_detail', async ({ page }) => {
    const root = variant('pages=12;latency=20');
    await page.locator('#root').fill(root);
    await page.locator('#crawl-paused').click();
    await expect(page.locator('#crawl-state')).toHaveText('paused');
    await page.locator('#step').click();
    await page.locator('#graph').focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.locator('#task-detail')).toBeVisible();
    await expect(page.locator('#detail-title')).toHaveText(root);
    // The arrows belong to the focused graph: they walk it and do not step the crawl.
    const steps = await page.evaluate(() => window.crawlscope.events().filter((e) => e.type === 'stepped').length);
    await page.locator('#resume').click();
    await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
    await page.locator('#graph').focus();
    await page.keyboard.press('ArrowRight');
    await expect(page.locator('#detail-title')).not.toHaveText(root);
    const second = await page.locator('#detail-title').textContent();
    await page.keyboard.press('ArrowLeft');
    await expect(page.locator('#detail-title')).toHaveText(root);
    await page.keyboard.press('End');
    await expect(page.locator('#detail-title')).not.toHaveText(second);
    await expect(page.locator('#detail-page')).toContainText('outcome');
    expect(steps).toBe(1);
  });
});

test.describe('the embed', () => {
  test('axe_finds_no_violation_on_the_embed_before_and_after_play', async ({ page }) => {
    const errors = [];
    page.on('pageerror', (error) => errors.push(error.message));
    await page.goto(new URL('embed.html#site=native&pages=12&latency=20', PLAYGROUND_URL).href);
    await expect(page.locator('#play-embed')).toBeVisible();
    await expect(page.locator('#embed-message')).toBeHidden(); // every setting was understood
    expect(await axeViolations(page)).toEqual([]);
    await page.locator('#play-embed').click();
    await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
    await expect(page.locator('#picture-summary')).toContainText(/^Finished \(complete\): \d+ pages done/);
    expect(await axeViolations(page)).toEqual([]);
    expect(errors).toEqual([]);
  });
});
