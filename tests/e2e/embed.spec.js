// The embed on a plain static host under a sub-path, with no native server:
// embed.html with fragment settings (good and bad), the click-to-load
// facade, a replayed trace, two <crawl-scope> elements on one page, and the
// full page's "Copy embed code".
const http = require('node:http');
const path = require('node:path');
const zlib = require('node:zlib');
const { test, expect } = require('@playwright/test');
const { serveStatic } = require('./static-server');

// xtask builds dist/ before the e2e layer; DIST_DIR points elsewhere to try a copy.
const DIST = process.env.DIST_DIR ?? path.resolve(__dirname, '../../dist');
const PREFIX = '/tutorials/async/crawlscope/';
const SHOTS = path.resolve(__dirname, '../../artifacts/e2e');

let server;
test.beforeAll(async () => { server = await serveStatic(DIST, PREFIX); });
test.afterAll(async () => { await server?.close(); });

let pageErrors;
test.beforeEach(async ({ page }) => {
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
});
test.afterEach(async () => { expect(pageErrors).toEqual([]); });

/** The pages the virtual site says a crawl of `knobs` must find (asked from a page it controls). */
async function virtualExpected(frame, knobs) {
  return frame.evaluate(async (base) => {
    const response = await fetch(`https://site.crawlscope.test/__expected?base=${encodeURIComponent(base)}`);
    return response.json();
  }, `/s/${knobs}/`);
}

test('the facade loads no wasm before Play, then Play crawls the in-browser site', async ({ page }) => {
  const before = [];
  let played = false;
  page.on('response', async (response) => {
    if (played || !response.url().startsWith(server.url)) return;
    const body = await response.body().catch(() => Buffer.alloc(0));
    before.push({ url: response.url().slice(server.url.length), gzip: zlib.gzipSync(body, { level: 9 }).length });
  });
  await page.goto(`${server.url}embed.html#site=virtual&pages=12&latency=20&maxTasks=3`);
  await expect(page.locator('#facade-summary')).toContainText('12-page site');
  await expect(page.locator('#play-embed')).toBeVisible();
  await page.waitForLoadState('networkidle');
  played = true;
  const names = before.map((r) => r.url);
  expect(names).toContain('embed.html');
  expect(names.filter((n) => n.endsWith('.wasm') || n.startsWith('pkg'))).toEqual([]);
  const gzip = before.reduce((sum, r) => sum + r.gzip, 0);
  console.log(`    before Play: ${names.length} files, ${gzip} bytes gzip -9 (${names.join(', ')})`);

  const elsewhere = [];
  page.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(server.url) && !url.startsWith('https://site.crawlscope.test/')) elsewhere.push(url);
  });
  await page.locator('#play-embed').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  expect(elsewhere).toEqual([]); // the static host and the in-browser site: no server of crawlscope's own
  const expected = await virtualExpected(page, 'pages=12;latency=20;seed=1');
  const report = await page.evaluate(() => window.crawlscope.report());
  expect(report.pages.map((p) => p.url).sort()).toEqual(expected.map((p) => p.url).sort());
  await expect(page.locator('#site-label')).toContainText('simulated');
  await page.screenshot({ path: path.join(SHOTS, 'embed-crawl.png') });
});

test('bad fragment settings are named in the embed, which still plays with the rest', async ({ page }) => {
  await page.goto(`${server.url}embed.html#maxTasks=lots&colour=red&view=graph&site=virtual&pages=5&latency=0`);
  const message = page.locator('#embed-message');
  await expect(message).toBeVisible();
  await expect(message).toContainText('maxTasks must be a whole number from 1 to 256, got `lots`');
  await expect(message).toContainText('unknown setting `colour`');
  await expect(page.locator('#play-embed')).toBeVisible();
  await page.screenshot({ path: path.join(SHOTS, 'embed-bad-settings.png') });
  await page.locator('#play-embed').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  await expect(page.locator('#lanes')).toBeHidden(); // view=graph applied
  await expect(page.locator('#graph')).toBeVisible();
});

test('extract= gives each page its fields in the embed, and a bad value or selector is named', async ({ page }) => {
  const extract = encodeURIComponent(JSON.stringify({ title: 'title', h1: 'h1' }));
  await page.goto(`${server.url}embed.html#site=virtual&pages=5&latency=0&autoplay=1&extract=${extract}`);
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  const report = await page.evaluate(() => window.crawlscope.report());
  const withFields = report.pages.filter((p) => p.fields);
  expect(withFields.length).toBeGreaterThan(0);
  for (const p of withFields) expect(Object.keys(p.fields).sort()).toEqual(['h1', 'title']);
  await expect(page.locator('#embed-message')).toBeHidden();

  // Not JSON: named before any wasm loads, and the embed still plays without it.
  await page.goto(`${server.url}embed.html#site=virtual&pages=5&latency=0&extract=title`);
  await expect(page.locator('#embed-message')).toContainText('extract must be a JSON object of named selectors');

  // JSON, but a selector the engine rejects: the message names the field.
  const bad = encodeURIComponent(JSON.stringify({ h1: 'h1[[' }));
  await page.goto(`${server.url}embed.html#site=virtual&pages=5&latency=0&autoplay=1&extract=${bad}`);
  await expect(page.locator('#embed-message')).toContainText('extract.h1');
});

test('autoplay caps maxPages and a speed steps the crawl through its polls', async ({ page }) => {
  await page.goto(`${server.url}embed.html#site=virtual&pages=300&latency=0&autoplay=1&speed=max&maxTasks=2`);
  await expect(page.locator('#embed-message')).toContainText('autoplay crawls at most 200 pages');
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 60_000 });
  const report = await page.evaluate(() => window.crawlscope.report());
  expect(report.endReason).toBe('maxPages');
  expect(report.pages.length).toBeLessThanOrEqual(200);
  const steps = await page.locator('#step-info li').count();
  expect(steps).toBeGreaterThan(0); // the last step's summary is shown
});

test('a recorded log replays from trace= at step=', async ({ page, browser }) => {
  await page.goto(`${server.url}embed.html#site=virtual&pages=6&latency=0&autoplay=1`);
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  const log = await page.evaluate(() => JSON.stringify(window.crawlscope.current.log()));
  // A fresh context, with no service worker in the way of routing: the log is "hosted" beside the embed.
  const context = await browser.newContext();
  try {
    const replay = await context.newPage();
    replay.on('pageerror', (error) => pageErrors.push(error.message));
    await replay.route(`${server.url}logs/demo.json`, (route) =>
      route.fulfill({ status: 200, contentType: 'application/json', body: log }));
    await replay.goto(`${server.url}embed.html#trace=logs/demo.json&step=5`);
    await expect(replay.locator('#facade-summary')).toContainText('Replay a recorded crawl from step 5');
    await replay.locator('#play-embed').click();
    await expect(replay.locator('#replay-pos')).toHaveText(/^step 5 \/ \d+$/);
    await replay.locator('#replay-forward').click();
    await expect(replay.locator('#replay-pos')).toHaveText(/^step 6 \//);
    await replay.screenshot({ path: path.join(SHOTS, 'embed-replay.png') });
  } finally {
    await context.close();
  }
});

test('two <crawl-scope> elements on one page crawl independently and their events bubble', async ({ page }) => {
  const tag = (attrs) => `<crawl-scope ${attrs}></crawl-scope>`;
  const html = `<!doctype html><meta charset="utf-8"><title>A tutorial</title>
    <script type="module" src="crawlscope/www/embed/crawl-scope.js"></script>
    <article><h1>Async crawling</h1>
      ${tag('id="a" site="virtual" pages="6" latency="10" max-tasks="2" autoplay height="360"')}
      ${tag('id="b" site="virtual" pages="9" latency="10" max-tasks="1" autoplay speed="max" height="360"')}
    </article>
    <script>
      window.seen = { done: [], steps: {} };
      document.addEventListener('crawlscope-done', (e) => window.seen.done.push({ id: e.target.id, pages: e.detail.pages }));
      document.addEventListener('crawlscope-step', (e) => { window.seen.steps[e.target.id] = (window.seen.steps[e.target.id] ?? 0) + 1; });
    </script>`;
  const host = new URL('../tutorial.html', server.url).href; // same host, another path: a blog beside the embed
  await page.route(host, (route) => route.fulfill({ status: 200, contentType: 'text/html', body: html }));
  await page.goto(host);
  await page.waitForFunction(() => window.seen.done.length === 2, null, { timeout: 60_000 });
  const seen = await page.evaluate(() => window.seen);
  const frames = page.frames().filter((f) => f.url().includes('embed.html'));
  expect(frames.length).toBe(2);
  const a = await virtualExpected(frames[0], 'pages=6;latency=10;seed=1');
  const b = await virtualExpected(frames[0], 'pages=9;latency=10;seed=1');
  const byId = Object.fromEntries(seen.done.map((d) => [d.id, d.pages]));
  expect(byId).toEqual({ a: a.length, b: b.length });
  expect(seen.steps.b).toBeGreaterThan(0); // b was stepped (speed=max): each poll came out as an event
  expect(seen.steps.a ?? 0).toBe(0); // a ran freely: no steps
  const iframe = await page.evaluate(() => document.getElementById('a').iframeTag);
  expect(iframe).toContain('embed.html#site=virtual&amp;pages=6&amp;latency=10&amp;maxTasks=2&amp;autoplay=1');
  console.log(`    <crawl-scope id="a"> as an iframe: ${iframe}`);
  await page.screenshot({ path: path.join(SHOTS, 'embed-two-elements.png'), fullPage: true });
});

test('the full page on a static host defaults to the in-browser site and copies an embed tag', async ({ page }) => {
  await page.goto(`${server.url}index.html`);
  await page.waitForFunction(() => window.crawlscope !== undefined);
  await expect(page.locator('#root')).toHaveValue('https://site.crawlscope.test/s/pages=30;latency=100;seed=1/');
  await page.locator('#max-tasks').fill('3');
  await page.locator('#scene-select').selectOption('bulk');
  await page.locator('#copy-embed').click();
  const code = page.locator('#embed-code');
  await expect(code).toBeVisible();
  const tag = await code.inputValue();
  expect(tag).toBe(`<iframe src="${server.url}embed.html#site=virtual&amp;pages=30&amp;latency=100&amp;seed=1&amp;`
    + 'maxTasks=3&amp;scene=bulk" title="crawlscope: a web crawler\'s tasks on the event loop" width="100%" '
    + 'height="660" style="border:0" loading="lazy"></iframe>'); // the bulk scene's height
  console.log(`    copied: ${tag}`);
  const src = /src="([^"]+)"/.exec(tag)[1].replace(/&amp;/g, '&');
  await page.goto(src);
  await expect(page.locator('#facade-summary')).toContainText('Scene — bulk requests');
  await expect(page.locator('#embed-message')).toBeHidden();

  // An extract set in Options travels in the copied tag as JSON, and the embed reads it back.
  await page.goto(`${server.url}index.html`);
  await page.waitForFunction(() => window.crawlscope !== undefined);
  await page.locator('#more-options summary').click();
  await page.locator('#opt-extract').fill('{"title": "title"}');
  await page.locator('#copy-embed').click();
  const withExtract = /src="([^"]+)"/.exec(await code.inputValue())[1].replace(/&amp;/g, '&');
  expect(new URLSearchParams(new URL(withExtract).hash.slice(1)).get('extract')).toBe('{"title":"title"}');
  await page.goto(withExtract);
  await expect(page.locator('#embed-message')).toBeHidden();
});

test('site=native crawls the test site where cargo xtask serve announces one, and says so where not', async ({ page }) => {
  await page.goto(`${server.url}embed.html#site=native&autoplay=1`);
  await expect(page.locator('#embed-message')).toContainText('site=native needs the test site of `cargo xtask serve`');
  await expect(page.locator('#play-embed')).toBeVisible(); // the facade is back, with the message

  // The playground that xtask serves has config.json naming its test site.
  await page.goto(`${process.env.PLAYGROUND_URL}embed.html#site=native&pages=7&latency=5&autoplay=1`);
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  const report = await page.evaluate(() => window.crawlscope.report());
  expect(report.pages[0].url.startsWith(process.env.SITE_URL ?? '')).toBe(true);
  expect(report.pages.some((p) => p.url.endsWith('/s/pages=7;latency=5;seed=1/page/7'))).toBe(true);
});

test('an embed in a cross-site frame with no service worker answers the site inside the page', async ({ page }) => {
  // A tutorial on another site (localhost vs 127.0.0.1). This browser context refuses third-party
  // storage, as private windows and some browsers do, so the frame may not register a service worker.
  const embed = `${server.url}embed.html#site=virtual&pages=8&latency=10&autoplay=1`;
  const blog = http.createServer((request, response) => {
    response.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    response.end(`<!doctype html><title>A blog</title><h1>Crawling, async</h1>
      <iframe id="embed" src="${embed}" width="900" height="520" style="border:0"></iframe>`);
  });
  await new Promise((resolve) => blog.listen(0, '127.0.0.1', resolve));
  try {
    await page.goto(`http://localhost:${blog.address().port}/post.html`);
    const frame = page.frameLocator('#embed');
    await expect(frame.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
    await expect(frame.locator('#site-label')).toContainText('answered inside this page');
    const inside = page.frames().find((f) => f.url().startsWith(server.url));
    const report = await inside.evaluate(() => window.crawlscope.report());
    const expected = await virtualExpected(inside, 'pages=8;latency=10;seed=1');
    expect(report.pages.map((p) => p.url).sort()).toEqual(expected.map((p) => p.url).sort());
    expect(report.counters.failed).toBe(0);
    const aliases = report.pages.flatMap((p) => p.aliases).sort();
    expect(aliases).toEqual(expected.flatMap((p) => p.aliases).sort()); // redirects followed by the page's own fetch
    await page.screenshot({ path: path.join(SHOTS, 'embed-cross-site.png') });
  } finally {
    blog.close();
  }
});

test.describe('each scene in the embed, on the in-browser site', () => {
  test.use({ viewport: { width: 820, height: 640 } }); // about what a tutorial column gives an iframe

  test('bulk: three ways of 100 GETs, each timed against its ideal', async ({ page }) => {
    await page.goto(`${server.url}embed.html#scene=bulk&latency=20&autoplay=1`);
    await expect(page.locator('#scene td[data-col="pages"]')).toHaveText(['100/100', '100/100', '100/100'],
      { timeout: 60_000 });
    await expect(page.locator('#picture')).toBeHidden();
    await page.screenshot({ path: path.join(SHOTS, 'embed-scene-bulk.png') });
  });

  test('spinner: a crawl with the 2 MiB page beside a main-thread spinner', async ({ page }) => {
    await page.goto(`${server.url}embed.html#scene=spinner&autoplay=1`);
    await expect(page.locator('#scene tbody tr')).toHaveCount(1, { timeout: 60_000 });
    await expect(page.locator('#scene .sc-verdict')).not.toBeEmpty();
    await page.screenshot({ path: path.join(SHOTS, 'embed-scene-spinner.png') });
  });

  test('step: one worker polled step by step, parked and woken', async ({ page }) => {
    await page.goto(`${server.url}embed.html#scene=step&autoplay=1`);
    for (let i = 0; i < 4; i += 1) {
      await page.waitForFunction(() => window.crawlscope?.current?.ready().some((r) => r.task === 0), null,
        { timeout: 15_000 });
      await page.locator('#scene').getByRole('button', { name: 'Step', exact: true }).click();
    }
    await expect(page.locator('#scene li[data-kind="poll"]')).toHaveCount(4);
    await expect(page.locator('#scene li[data-kind="wake"]').first()).toBeVisible();
    await page.screenshot({ path: path.join(SHOTS, 'embed-scene-step.png') });
  });
});

/** Elements that scroll inside the embed (a scroll area in the frame's own scroll area). */
const innerScrollers = (page) => page.evaluate(() => [...document.querySelectorAll('body *')].filter((el) => {
  const style = getComputedStyle(el);
  const scrolls = (o) => o === 'auto' || o === 'scroll';
  return (scrolls(style.overflowY) && el.scrollHeight > el.clientHeight + 1)
    || (scrolls(style.overflowX) && el.scrollWidth > el.clientWidth + 1);
}).map((el) => `${el.tagName.toLowerCase()}${el.id ? `#${el.id}` : ''}.${[...el.classList].join('.')}`));

/** Let the step scene take a few steps, so its timeline has lines. */
async function stepThreeTimes(page) {
  for (let i = 0; i < 3; i += 1) {
    await page.waitForFunction(() => window.crawlscope?.current?.ready().some((r) => r.task === 0), null,
      { timeout: 15_000 });
    await page.locator('#scene').getByRole('button', { name: 'Step', exact: true }).click();
  }
}

test.describe('each scene fits its frame', () => {
  for (const scene of ['crawler', 'bulk', 'spinner', 'step']) {
    test(`no inner scrollbar at 720x520 and the copied height holds it all: ${scene}`, async ({ page }, testInfo) => {
      await page.setViewportSize({ width: 720, height: 520 });
      const fragment = scene === 'crawler' ? 'site=virtual&pages=20&latency=20&autoplay=1'
        : `scene=${scene}&latency=20&autoplay=1`;
      await page.goto(`${server.url}embed.html#${fragment}`);
      await expect(page.locator('#app')).toBeVisible({ timeout: 30_000 });
      if (scene === 'step') await stepThreeTimes(page);
      else await page.waitForTimeout(1500);
      expect(await innerScrollers(page)).toEqual([]);
      if (scene === 'step') await page.screenshot({ path: testInfo.outputPath('step-720x520.png') });
      const heights = await page.evaluate(async () => (await import('./www/embed/embed-config.js')).SCENE_HEIGHTS);
      await page.setViewportSize({ width: 720, height: heights[scene] });
      const overflow = await page.evaluate(() => document.scrollingElement.scrollHeight - innerHeight);
      console.log(`figure: ${scene} at 720 px wide needs ${heights[scene] + overflow} px; the copied tag gives ${heights[scene]}`);
      expect(overflow).toBeLessThanOrEqual(0);
    });
  }

  test('the step scene at 390x844 has one scroll area: the page', async ({ page }, testInfo) => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${server.url}embed.html#scene=step&latency=20&autoplay=1`);
    await expect(page.locator('#app')).toBeVisible({ timeout: 30_000 });
    await stepThreeTimes(page);
    expect(await innerScrollers(page)).toEqual([]);
    await page.screenshot({ path: testInfo.outputPath('step-390x844.png'), fullPage: true });
  });
});
