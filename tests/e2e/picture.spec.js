// The picture: the task graph draws as a crawl runs, a node's detail opens
// on click, Play steps on a timer, the devtools Performance entries exist
// per worker, and frame times with 1,000 and 5,000 nodes are measured and
// printed (headless Chromium without a GPU: figures, not timed asserts).
const { test, expect } = require('@playwright/test');
const { variant, openPlaygroundForEachTest } = require('./helpers');

openPlaygroundForEachTest();

/** Non-background pixels on the graph canvas. */
const inkOnGraph = (page) => page.evaluate(() => {
  const canvas = document.getElementById('graph');
  const data = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
  let ink = 0;
  for (let i = 3; i < data.length; i += 4) if (data[i] > 0) ink += 1;
  return ink;
});

test('the_graph_draws_as_the_crawl_runs_and_a_click_shows_a_node', async ({ page }, testInfo) => {
  const root = variant('pages=40;latency=60');
  await page.locator('#root').fill(root);
  await page.locator('#max-tasks').fill('3');
  await page.locator('#crawl').click();
  await expect.poll(() => inkOnGraph(page), { timeout: 10_000 }).toBeGreaterThan(0);
  const early = await inkOnGraph(page);
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  expect(await inkOnGraph(page)).toBeGreaterThan(early);
  await page.screenshot({ path: testInfo.outputPath('graph-done.png'), fullPage: true });

  const at = await page.evaluate((url) => window.crawlscopePage.picture.graph.screenPosition(url), root);
  const box = await page.locator('#graph').boundingBox();
  await page.mouse.click(box.x + at.x, box.y + at.y);
  await expect(page.locator('#task-detail')).toBeVisible();
  await expect(page.locator('#detail-title')).toHaveText(root);
  await expect(page.locator('#detail-page')).toContainText('done');
  await expect(page.locator('#detail-task-title')).toContainText('worker');
  await expect(page.locator('#detail-events li')).not.toHaveCount(0);
  await page.screenshot({ path: testInfo.outputPath('task-detail.png'), fullPage: true });
});

test('play_steps_on_a_timer_and_space_toggles_it', async ({ page }) => {
  await page.locator('#root').fill(variant('pages=30;latency=100'));
  await page.locator('#crawl').click();
  await page.keyboard.press('Space'); // pause
  await expect(page.locator('#crawl-state')).toHaveText('paused');
  const stepped = () => page.evaluate(() => window.crawlscope.events().filter((e) => e.type === 'stepped').length);
  await page.locator('#speed').selectOption('max');
  await page.keyboard.press('Space'); // play
  await expect(page.locator('#play')).toHaveAttribute('aria-pressed', 'true');
  await expect.poll(stepped, { timeout: 15_000 }).toBeGreaterThan(5);
  await page.keyboard.press('Space'); // stop playing (still paused)
  await expect(page.locator('#play')).toHaveAttribute('aria-pressed', 'false');
  const after = await stepped();
  await page.waitForTimeout(500);
  expect(await stepped()).toBe(after);
  await page.locator('#resume').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
});

test('performance_entries_exist_on_a_track_per_worker', async ({ page }) => {
  await page.evaluate(() => {
    window.measuredTracks = new Set();
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries()) {
        const track = entry.detail?.devtools?.track;
        if (track) window.measuredTracks.add(track);
      }
    }).observe({ type: 'measure' });
  });
  await page.locator('#root').fill(variant('pages=20;latency=30'));
  await page.locator('#max-tasks').fill('3');
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  const tracks = await page.evaluate(() => [...window.measuredTracks].sort());
  expect(tracks).toEqual(['worker 0', 'worker 1', 'worker 2']);
  // The buffer does not grow with the crawl: each entry is cleared once made.
  expect(await page.evaluate(() => performance.getEntriesByType('measure').length)).toBe(0);
});

// The 20,000-page case is in scale.spec.js.
for (const pages of [1000]) {
  test(`frame_times_with_${pages}_nodes`, async ({ page }) => {
    test.setTimeout(180_000);
    await page.locator('#root').fill(variant(`pages=${pages};latency=0;links=2`));
    await page.locator('#max-tasks').fill('6');
    await page.evaluate(() => {
      window.frames = [];
      let last = performance.now();
      const tick = (now) => { window.frames.push(now - last); last = now; if (!window.stopFrames) requestAnimationFrame(tick); };
      requestAnimationFrame(tick);
    });
    await page.locator('#crawl').click();
    await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 170_000 });
    const crawl = await page.evaluate(() => { window.stopFrames = true; return window.frames.slice(); });
    // Redrawing the finished graph: what panning and zooming cost.
    const redraw = await page.evaluate(() => {
      const graph = window.crawlscopePage.picture.graph;
      const times = [];
      for (let i = 0; i < 20; i += 1) {
        const t = performance.now();
        graph.draw(true);
        times.push(performance.now() - t);
      }
      return { nodes: graph.count, times };
    });
    expect(redraw.nodes).toBeGreaterThanOrEqual(pages);
    const p = (list, q) => [...list].sort((a, b) => a - b)[Math.floor((list.length - 1) * q)];
    console.log(`figure: ${redraw.nodes} nodes — frame time during the crawl p50 ${p(crawl, 0.5).toFixed(1)} ms, ` +
      `p95 ${p(crawl, 0.95).toFixed(1)} ms (${crawl.length} frames); full redraw p50 ${p(redraw.times, 0.5).toFixed(1)} ms ` +
      `(≈${Math.round(1000 / Math.max(p(redraw.times, 0.5), 1000 / 60))} fps cap); headless Chromium, no GPU`);
  });
}
