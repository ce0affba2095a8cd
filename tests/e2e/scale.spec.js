// The playground at scale: a 20,000-page crawl drawn live keeps every page,
// a small DOM and a page that answers (filter, search, pause); the picture
// stays readable; the page works at every width without a false error banner.
// Figures printed here come from headless Chromium without a GPU.
const { test, expect } = require('@playwright/test');
const { variant, expectedPages, siteStats, openPlaygroundForEachTest } = require('./helpers');

openPlaygroundForEachTest();

/** Sample, in the page, the most rows the table's DOM held and the longest gap between frames. */
const watchPage = (page) => page.evaluate(() => {
  window.scaleWatch = { maxRows: 0, frames: [] };
  let last = performance.now();
  const tick = (now) => {
    const w = window.scaleWatch;
    w.frames.push(now - last);
    last = now;
    w.maxRows = Math.max(w.maxRows, document.querySelectorAll('#results tbody tr').length);
    if (!w.stop) requestAnimationFrame(tick);
  };
  requestAnimationFrame(tick);
});

const model = (page, fn) => page.evaluate(fn);

test('a_20000_page_crawl_keeps_every_page_with_a_small_table_and_answers_pause_filter_and_search',
  async ({ page }, testInfo) => {
    test.setTimeout(900_000);
    const knobs = 'pages=20000;latency=0';
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.locator('#root').fill(variant(knobs));
    await page.locator('#max-tasks').fill('10');
    await watchPage(page);
    await page.locator('#crawl').click();

    // Pause mid-crawl: the state says so at once and the site serves nothing new.
    await expect.poll(() => model(page, () => window.crawlscopePage.picture.model.counts.done),
      { timeout: 600_000, intervals: [500] }).toBeGreaterThan(5000);
    const clicked = Date.now();
    await page.locator('#pause').click();
    await expect(page.locator('#crawl-state')).toHaveText('paused', { timeout: 2_000 });
    const pauseMs = Date.now() - clicked;
    await expect.poll(async () => (await siteStats()).inFlight, { timeout: 5_000 }).toBe(0);
    const served = (await siteStats()).served;
    await page.waitForTimeout(1_000);
    expect((await siteStats()).served).toBe(served);
    await page.locator('#resume').click();

    await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 800_000 });
    const watched = await page.evaluate(() => { window.scaleWatch.stop = true; return window.scaleWatch; });
    // The page's refreshes never asked for the whole-crawl Report while the crawl ran.
    expect(await page.evaluate(() => window.crawlscope.current.reportCalls)).toBe(0);

    const expected = await expectedPages(knobs);
    const report = await page.evaluate(() => window.crawlscope.current.report());
    expect(report.pages.map((p) => p.url).sort()).toEqual(expected.map((p) => p.url).sort());
    // The page's own fold agrees with the engine's Report on every page.
    const rows = await model(page, () => window.crawlscopePage.picture.model.rows.filter((r) => !r.gone)
      .map((r) => [r.url, r.status, r.outcome, r.links]));
    const byUrl = new Map(report.pages.map((p) => [p.url, [p.url, p.status, p.outcome, p.links.length]]));
    expect(rows.length).toBe(report.pages.length);
    for (const row of rows) expect(row).toEqual(byUrl.get(row[0]));
    expect(watched.maxRows).toBeLessThanOrEqual(300);
    expect(await page.locator('#results tbody tr').count()).toBeLessThanOrEqual(300);

    // Filtering by a URL fragment shows exactly the matching pages.
    const fragment = 'page/1234';
    await page.locator('#table-filter').fill(fragment);
    const matching = report.pages.filter((p) => p.url.includes(fragment) || p.aliases.some((a) => a.includes(fragment)));
    await expect.poll(() => model(page, () => window.crawlscopePage.table.shown.length)).toBe(matching.length);
    const shownUrls = await page.locator('#results tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.url));
    expect(shownUrls.sort()).toEqual(matching.map((p) => p.url).sort());
    await expect(page.locator('#results caption')).toContainText(`${matching.length} shown`);

    // The search box finds a deep URL, centres it and opens its detail.
    const deepest = report.pages.reduce((a, b) => (b.depth > a.depth ? b : a));
    await page.locator('#graph-search').fill(deepest.url);
    await page.locator('#graph-search').press('Enter');
    await expect(page.locator('#task-detail')).toBeVisible();
    await expect(page.locator('#detail-title')).toHaveText(deepest.url);
    const at = await page.evaluate((url) => window.crawlscopePage.picture.graph.screenPosition(url), deepest.url);
    const box = await page.locator('#graph').boundingBox();
    expect(Math.abs(at.x - box.width / 2)).toBeLessThan(2);

    // One full draw of the finished graph, fitted: what panning and zooming cost.
    await page.locator('#graph').dblclick();
    const draws = await page.evaluate(() => {
      const graph = window.crawlscopePage.picture.graph;
      const times = [];
      for (let i = 0; i < 15; i += 1) {
        const t = performance.now();
        graph.draw(true);
        times.push(performance.now() - t);
      }
      return { nodes: graph.count, mode: graph.mode, times: times.sort((a, b) => a - b) };
    });
    expect(draws.nodes).toBeGreaterThanOrEqual(20000);
    await page.locator('#picture').screenshot({ path: testInfo.outputPath('graph-20000.png') });
    const frames = watched.frames.slice(1).sort((a, b) => a - b);
    const p95 = frames[Math.floor(frames.length * 0.95)];
    console.log(`figure: 20,000-page crawl in the playground: ${(report.elapsedMs / 1000).toFixed(1)} s, `
      + `pause took effect in ${pauseMs} ms, frame p95 ${p95.toFixed(1)} ms over ${frames.length} frames, `
      + `most table rows in the DOM ${watched.maxRows}; full graph draw of ${draws.nodes} nodes (${draws.mode}) `
      + `median ${draws.times[7].toFixed(1)} ms; headless Chromium, no GPU`);
  });

test('a_30_page_crawl_draws_every_node_and_edge_as_before', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  const root = variant('pages=30;latency=20');
  await page.locator('#root').fill(root);
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  const graph = await page.evaluate(() => {
    const g = window.crawlscopePage.picture.graph;
    return { mode: g.mode, nodes: g.count, model: window.crawlscopePage.picture.model.order.length };
  });
  expect(graph.mode).toBe('vector');
  expect(graph.nodes).toBe(graph.model);
  await page.locator('#picture').screenshot({ path: testInfo.outputPath('graph-30.png') });
});

test('a_growing_big_graph_keeps_its_view_while_it_fits_and_is_fitted_exactly_at_the_end', async ({ page }) => {
  test.setTimeout(300_000);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.locator('#root').fill(variant('pages=4000;latency=0'));
  await page.locator('#max-tasks').fill('10');
  // After every draw: the view, the graph's extent and the canvas's size.
  await page.evaluate(() => {
    const g = window.crawlscopePage.picture.graph;
    const draw = g.draw.bind(g);
    window.graphDraws = [];
    g.draw = (force) => {
      draw(force);
      const { width, height } = g.cssSize();
      window.graphDraws.push({
        ...g.view, growing: g.growing, mode: g.mode, w: g.layout.width, h: g.layout.height, width, height,
      });
    };
  });
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 240_000 });
  const draws = await page.evaluate(() => window.graphDraws);
  const growing = draws.filter((d) => d.growing && d.mode === 'raster');
  expect(growing.length).toBeGreaterThan(5);
  let moves = 0;
  for (let i = 0; i < growing.length; i += 1) {
    const d = growing[i];
    // The whole graph is in the canvas, inside its margin, at every draw.
    expect(d.x + d.w * d.k).toBeLessThanOrEqual(d.width - 24 + 1e-6);
    expect(d.y + d.h * d.k).toBeLessThanOrEqual(d.height - 24 + 1e-6);
    const before = growing[i - 1];
    if (!before || (before.x === d.x && before.y === d.y && before.k === d.k)) continue;
    moves += 1;
    // The view moved: only because the graph no longer fitted the one before.
    const fitted = before.x + d.w * before.k <= d.width - 24 && before.y + d.h * before.k <= d.height - 24;
    const exact = Math.min((d.width - 48) / d.w, (d.height - 48) / d.h);
    expect(!fitted || before.k > exact || before.k < exact * 0.81).toBe(true);
  }
  console.log(`figure: 4,000-page crawl: ${growing.length} draws while growing, the view moved at ${moves}`);
  // Ended: fitted exactly, centred along the side that limits the zoom.
  const last = draws.at(-1);
  expect(last.growing).toBe(false);
  const k = Math.min((last.width - 48) / last.w, (last.height - 48) / last.h);
  expect(last.k).toBeCloseTo(k, 6);
  expect(Math.min(Math.abs(last.x - (last.width - last.w * k) / 2), Math.abs(last.y - (last.height - last.h * k) / 2)))
    .toBeLessThan(0.5);
});

test('the_search_box_finds_a_whole_url_before_longer_urls_that_contain_it', async ({ page }) => {
  const root = variant('pages=30;latency=0');
  await page.locator('#root').fill(root);
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  // `page/1` is inside `page/10` … `page/19`, discovered before it or not: the whole URL wins.
  const url = `${root}page/1`;
  const longer = await page.evaluate((u) => window.crawlscopePage.picture.model.order
    .filter((n) => n.url !== u && n.url.includes(u)).length, url);
  expect(longer).toBeGreaterThan(0);
  await page.locator('#graph-search').fill(url);
  await page.locator('#graph-search').press('Enter');
  await expect(page.locator('#detail-title')).toHaveText(url);
  await expect(page.locator('#graph-search-status')).toHaveText(`1 of ${longer + 1}`);
  // Enter again goes on to the longer ones.
  await page.locator('#graph-search').press('Enter');
  await expect(page.locator('#detail-title')).not.toHaveText(url);
});

test('an_http_500_page_is_its_own_state_and_not_counted_as_done', async ({ page }) => {
  const root = variant('pages=5;latency=0');
  await page.locator('#root').fill(root);
  await page.locator('#more-options summary').click();
  await page.locator('#opt-maxTries').fill('1');
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  const state = await page.evaluate((url) => window.crawlscopePage.picture.model.node(url)?.state, `${root}error`);
  expect(state).toBe('httpError');
  await expect(page.locator(`#results tr[data-url="${root}error"]`)).toHaveAttribute('data-category', 'httpError');
  const report = await page.evaluate(() => window.crawlscope.current.report());
  const errors = report.pages.filter((p) => p.outcome === 'done' && p.status >= 400).length;
  const ok = report.pages.filter((p) => p.outcome === 'done' && p.status < 400).length;
  expect(errors).toBeGreaterThanOrEqual(2); // the 500 and the 404
  await expect(page.locator('#count-httperror')).toHaveText(String(errors));
  await expect(page.locator('#count-done')).toHaveText(String(ok));
  await expect(page.locator('#legend [data-state="httpError"]')).toBeVisible();
  await expect(page.locator('#legend [data-state="notCrawled"]')).toHaveCount(0); // only the states present
});

test('the_page_works_at_every_width_and_while_resized_without_a_false_error_banner', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.locator('#root').fill(variant('pages=300;latency=20'));
  await page.locator('#crawl').click();
  // At 1280×800 the graph, the lanes, the counters and the step controls are on screen together.
  for (const selector of ['#graph', '#lanes', '#count-done', '#step', '#pause']) {
    const box = await page.locator(selector).boundingBox();
    expect(box, selector).not.toBeNull();
    expect(box.y, selector).toBeGreaterThanOrEqual(0);
    expect(box.y + Math.min(box.height, 40), selector).toBeLessThanOrEqual(800);
    expect(box.x + box.width, selector).toBeLessThanOrEqual(1280);
  }
  for (const [width, height] of [[1024, 768], [800, 600], [600, 900], [390, 844], [1440, 900], [1280, 800]]) {
    // Resize in steps, as a dragged window edge does.
    const from = page.viewportSize();
    for (let i = 1; i <= 4; i += 1) {
      await page.setViewportSize({ width: Math.round(from.width + ((width - from.width) * i) / 4),
        height: Math.round(from.height + ((height - from.height) * i) / 4) });
      await page.waitForTimeout(30);
    }
    await page.waitForTimeout(200);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow, `${width}×${height}: page wider than the screen`).toBeLessThanOrEqual(0);
    await expect(page.locator('#error-banner')).toBeHidden();
    if (width === 390) await page.screenshot({ path: testInfo.outputPath('phone-390.png'), fullPage: false });
  }
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 60_000 });
  await expect(page.locator('#error-banner')).toBeHidden();
});
