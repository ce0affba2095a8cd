// The virtual site: the playground served by a plain static host under a
// sub-path, crawling the generated site its own service worker answers at
// https://site.crawlscope.test — no test server involved. Checked against
// the worker's own oracle (`/__expected`, the same sitegen code in wasm).
const path = require('node:path');
const { test, expect } = require('@playwright/test');
const { serveStatic } = require('./static-server');

const DIST = path.resolve(__dirname, '../../dist');
/** Deep, like a tutorial's page on a real host: every URL in dist/ must be relative. */
const PREFIX = '/tutorials/async/crawlscope/';
const ORIGIN = 'https://site.crawlscope.test';

let server;
test.beforeAll(async () => {
  server = await serveStatic(DIST, PREFIX);
});
test.afterAll(async () => {
  await server?.close();
});

let pageErrors;
test.beforeEach(async ({ page }) => {
  pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  await page.goto(`${server.url}index.html`);
  await page.waitForFunction(() => window.crawlscope !== undefined);
});
test.afterEach(async () => {
  expect(pageErrors).toEqual([]);
});

/** The worker's own answer for a path on the virtual origin, fetched from inside the page. */
function virtualJson(page, pathAndQuery) {
  return page.evaluate(async (url) => (await fetch(url, { cache: 'no-store' })).json(), `${ORIGIN}${pathAndQuery}`);
}

test('virtual_site_crawl_finds_every_page_the_worker_lists', async ({ page }) => {
  // A first visit: nothing controls the page until ready() has the worker claim it.
  expect(await page.evaluate(() => navigator.serviceWorker.controller)).toBeNull();
  await page.evaluate(() => crawlscope.virtualSite.ready());
  const worker = await page.evaluate(() => navigator.serviceWorker.controller?.scriptURL);
  expect(worker).toBe(`${server.url}sw.js`);

  const root = await page.evaluate(() => crawlscope.virtualSite.root({ pages: 25, latency: 5 }));
  expect(root).toBe(`${ORIGIN}/s/pages=25;latency=5;seed=1/`);
  const { report, events } = await page.evaluate(async (root) => {
    const crawl = crawlscope.start({ roots: [root] }); // robots: the default, on for this non-loopback host
    const report = await crawl.done;
    return { report, events: crawl.events() };
  }, root);
  const expected = await virtualJson(page, `/__expected?base=${encodeURIComponent('/s/pages=25;latency=5;seed=1/')}`);

  expect(report.endReason).toBe('complete');
  expect(report.pages.map((p) => p.url)).toEqual(expected.map((p) => p.url).sort());
  for (const want of expected) {
    const got = report.pages.find((p) => p.url === want.url);
    expect(got?.status, want.url).toBe(want.status);
    expect([...(got?.aliases ?? [])].sort(), want.url).toEqual(want.aliases);
    if (want.status === 200 && want.contentType.startsWith('text/html')) {
      expect(got.links, want.url).toEqual(want.links);
    }
  }
  // The redirects are real redirects: fetch followed them and showed the final URL.
  expect(report.pages.find((p) => p.url === `${root}page/2`)?.aliases).toEqual([`${root}old-a`, `${root}old-b`]);

  // robots.txt came from the virtual origin's own /robots.txt, through the worker.
  const robots = events.filter((e) => e.type === 'robotsFetched');
  expect(robots).toHaveLength(1);
  expect(robots[0]).toMatchObject({ origin: ORIGIN, status: 200, rules: 'rules' });
  expect(report.pages.every((p) => p.outcome === 'done')).toBe(true);

  await expect(page.locator('#error-banner')).toBeHidden();
  // Let the picture draw the finished crawl (it folds the events every frame).
  await page.waitForTimeout(500);
  // Playwright's outputDir (artifacts/e2e), at a fixed name so it is easy to find.
  await page.screenshot({ path: path.resolve(__dirname, '../../artifacts/e2e/virtual-site.png'), fullPage: true });
});

test('starting_a_virtual_crawl_before_ready_throws_a_clear_error', async ({ page }) => {
  // A fresh context: no worker registered, so nothing could answer the crawl.
  const error = await page.evaluate(() => {
    try {
      crawlscope.start({ roots: [crawlscope.virtualSite.root({ pages: 3 })] });
      return null;
    } catch (e) {
      return { message: e.message, option: e.option };
    }
  });
  expect(error?.option).toBe('roots');
  expect(error?.message).toMatch(/^roots: /);
  expect(error?.message).toContain('await crawlscope.virtualSite.ready()');
  expect(await page.evaluate(() => crawlscope.current)).toBeNull();

  // crawl() rejects with the same error instead of throwing.
  const rejected = await page.evaluate(() =>
    crawlscope.crawl({ roots: ['site.crawlscope.test/s/pages=3/'] }).then(() => null, (e) => e.option));
  expect(rejected).toBe('roots');
});

test('a_hard_reloaded_page_is_claimed_again', async ({ page, context }) => {
  await page.evaluate(() => crawlscope.virtualSite.ready());
  // What Shift+Reload does: reload bypassing caches and service workers.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Page.reload', { ignoreCache: true });
  await page.waitForFunction(() => window.crawlscope !== undefined);
  expect(await page.evaluate(() => navigator.serviceWorker.controller)).toBeNull();
  // The worker is registered and active; ready() has it claim this page too.
  await page.evaluate(() => crawlscope.virtualSite.ready());
  const report = await page.evaluate(() =>
    crawlscope.crawl({ roots: [crawlscope.virtualSite.root({ pages: 3, latency: 0 })], maxTries: 1 }));
  expect(report.pages.find((p) => p.url.endsWith('/page/3'))?.status).toBe(200);
});

test('stop_leaves_nothing_in_flight_in_the_worker', async ({ page }) => {
  await page.evaluate(() => crawlscope.virtualSite.ready());
  // Slow enough that only an abandoned answer could end within the poll below.
  const root = await page.evaluate(() => crawlscope.virtualSite.root({ pages: 200, latency: 10_000 }));
  await page.evaluate((root) => { window.crawl = crawlscope.start({ roots: [root], maxTasks: 4 }); }, root);
  // robots.txt answered (the default site's 100 ms), the index page being answered (10 s).
  const started = ({ inFlight, served }) => inFlight > 0 && served > 0;
  await expect.poll(async () => started(await virtualJson(page, '/__stats')), { timeout: 5_000 }).toBe(true);
  const before = await virtualJson(page, '/__stats');

  const report = await page.evaluate(async () => { window.crawl.stop(); return window.crawl.done; });
  expect(report.endReason).toBe('stopped');
  await expect.poll(async () => (await virtualJson(page, '/__stats')).inFlight, { timeout: 2_000 }).toBe(0);
  const after = await virtualJson(page, '/__stats');
  expect(after.queued).toBe(0);
  expect(after.served, 'the abandoned answers were never completed').toBe(before.served);
});

test('abandoning_spares_answers_begun_after_the_message_was_sent', async ({ page }) => {
  await page.evaluate(() => crawlscope.virtualSite.ready());
  const result = await page.evaluate(async () => {
    // What a stop of an earlier crawl sends, overtaken by this crawl's first requests.
    const sent = Date.now();
    const crawl = crawlscope.start({
      roots: [crawlscope.virtualSite.root({ pages: 12, latency: 300, seed: 3 })], maxTasks: 6, maxTries: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 150)); // its first answers are being produced
    navigator.serviceWorker.controller.postMessage({ type: 'abandon', before: sent });
    const report = await crawl.done;
    return { failed: report.counters.failed, pages: report.pages.length, robots: report.skips.robots ?? 0 };
  });
  // An abandoned answer is a failed fetch (maxTries 1), or all pages skipped if it was robots.txt's.
  expect(result.failed).toBe(0);
  expect(result.robots).toBe(0);
  const expected = await virtualJson(page, `/__expected?base=${encodeURIComponent('/s/pages=12;latency=300;seed=3/')}`);
  expect(result.pages).toBe(expected.length);
});

test('the_worker_answers_like_a_server', async ({ page }) => {
  await page.evaluate(() => crawlscope.virtualSite.ready());
  const got = await page.evaluate(async (origin) => {
    const base = `${origin}/s/pages=5;latency=0/`;
    const get = async (url, init) => {
      try {
        const r = await fetch(url, { mode: 'cors', credentials: 'omit', cache: 'no-store', ...init });
        return { status: r.status, url: r.url, redirected: r.redirected, retryAfter: r.headers.get('retry-after'),
          type: r.headers.get('content-type'), text: await r.text() };
      } catch (e) {
        return { error: e.name };
      }
    };
    return {
      redirect: await get(`${base}chain`),
      refused: await get(`${base}old-a`, { redirect: 'error' }),
      limited: await get(`${origin}/s/latency=0/rate-limited`),
      dropped: await get(`${origin}/s/latency=0/drop`),
      badKnob: await get(`${origin}/s/pages=x/`),
      post: await get(base, { method: 'POST', body: 'x' }),
      robots: await get(`${origin}/robots.txt`),
    };
  }, ORIGIN);
  // A 307 then a 308: fetch follows both and shows only the final URL.
  expect(got.redirect).toMatchObject({ status: 200, redirected: true, url: `${ORIGIN}/s/pages=5;latency=0/page/5` });
  expect(got.refused).toEqual({ error: 'TypeError' });
  // A cross-origin page reads the exposed Retry-After of a synthesized answer.
  expect(got.limited).toMatchObject({ status: 429, retryAfter: '1' });
  expect(got.dropped).toEqual({ error: 'TypeError' });
  expect(got.badKnob).toMatchObject({ status: 400, type: 'text/plain; charset=utf-8' });
  expect(got.badKnob.text).toContain('pages');
  expect(got.post.status).toBe(405);
  expect(got.robots.text).toContain('User-agent: crawlscope');
});
