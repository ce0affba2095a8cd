// A site without CORS headers, as most real sites are: a direct crawl says
// CORS is the wall (kind cors, once, with the way through) and does not call
// itself complete; the same crawl through the local proxy finds exactly the
// expected pages with their real URLs and every redirect hop; maxRedirect is
// exact through it; and no page of another origin can use the proxy.
const path = require('node:path');
const { test, expect } = require('@playwright/test');
const { PLAYGROUND_URL, SITE_URL, openPlaygroundForEachTest } = require('./helpers');
const { serveStatic } = require('./static-server');

const CORS_ERROR = 'the server answered without Access-Control-Allow-Origin, so the browser hides its response from this page';
const KNOBS = 'pages=8;latency=0';

/** config.json as the playground serves it: the no-CORS site and the proxy. */
async function playgroundConfig() {
  const response = await fetch(`${PLAYGROUND_URL}config.json`);
  expect(response.ok).toBe(true);
  return response.json();
}

async function expectedOn(origin, knobs) {
  const response = await fetch(`${origin}__expected?base=${encodeURIComponent(`/s/${knobs}/`)}`);
  expect(response.ok).toBe(true);
  return response.json();
}

/** A click held ~100 ms, as a person clicks. */
async function press(page, selector) {
  await page.locator(selector).scrollIntoViewIfNeeded();
  const box = await page.locator(selector).boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.waitForTimeout(100);
  await page.mouse.up();
}

const done = (page) => expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });

test.describe('the playground', () => {
  openPlaygroundForEachTest();

  test('a_direct_crawl_of_a_site_without_cors_headers_fails_with_kind_cors_and_says_why', async ({ page }) => {
    const { noCorsSiteUrl } = await playgroundConfig();
    const root = `${noCorsSiteUrl}s/${KNOBS}/`;
    await page.locator('#root').fill(root);
    await expect(page.locator('#cors-note')).toBeHidden();
    await press(page, '#crawl');
    await done(page);

    const report = await page.evaluate(() => window.crawlscope.current.report());
    expect(report.pages.map((p) => [p.url, p.outcome, p.error, p.tries])).toEqual([[root, 'failed', CORS_ERROR, 1]]);
    expect(report.counters.fail_cors).toBe(1);
    expect(report.counters.corsProbes).toBe(1);
    expect(report.endReason).toBe('rootsFailed');
    await expect(page.locator('#end-reason')).toHaveText('ended: every root failed, so nothing was crawled');
    await expect(page.locator('#end-reason')).not.toContainText('complete');

    const note = page.locator('#cors-note');
    await expect(note).toBeVisible();
    await expect(note).toContainText('CORS is the wall.');
    await expect(note).toContainText(`${noCorsSiteUrl.replace(/\/$/, '')} answered, but without an Access-Control-Allow-Origin header`);
    await expect(note).toContainText('crawl again through the local proxy');
    await expect(page.locator('#cors-note')).toHaveCount(1);
    await expect(page.locator('#results tbody tr .error')).toHaveText(CORS_ERROR);
  });

  test('the_same_crawl_through_the_proxy_finds_exactly_the_expected_pages_with_real_urls', async ({ page }) => {
    const { noCorsSiteUrl } = await playgroundConfig();
    const root = `${noCorsSiteUrl}s/${KNOBS}/`;
    await page.locator('#root').fill(root);
    await press(page, '#more-options summary');
    const proxy = page.locator('#opt-proxy');
    await expect(proxy).toBeVisible();
    await proxy.focus();
    await page.keyboard.press('Space');
    await expect(proxy).toBeChecked();
    await press(page, '#crawl');
    await done(page);

    const report = await page.evaluate(() => window.crawlscope.current.report());
    expect(await page.evaluate(() => window.crawlscope.current.options.proxy)).toBe(true);
    const expected = await expectedOn(noCorsSiteUrl, KNOBS);
    const got = report.pages.map((p) => ({ url: p.url, aliases: p.aliases, status: p.status, links: p.links }));
    const want = expected.map((p) => ({ url: p.url, aliases: p.aliases, status: p.status, links: p.links }));
    expect(got).toEqual(want);
    expect(report.endReason).toBe('complete');
    expect(JSON.stringify(report)).not.toContain('__proxy');
    expect(report.counters.corsProbes).toBe(0);

    // The two-hop chain, hop by hop, in the report and on the page.
    const target = report.pages.find((p) => p.aliases.includes(`${root}chain`));
    expect(target.redirects).toEqual([
      { url: `${root}chain`, status: 307, to: `${root}chain-2` },
      { url: `${root}chain-2`, status: 308, to: target.url },
    ]);
    await expect(page.locator(`#results tbody tr[data-url="${target.url}"] .notes`))
      .toContainText(`redirect hops: ${root}chain 307 → ${root}chain-2, ${root}chain-2 308 → ${target.url}`);
    await expect(page.locator('#cors-note')).toBeHidden();
  });

  test('the_note_s_button_crawls_again_through_the_proxy', async ({ page }) => {
    const { noCorsSiteUrl } = await playgroundConfig();
    await page.locator('#root').fill(`${noCorsSiteUrl}s/${KNOBS}/`);
    await press(page, '#crawl');
    await done(page);
    await press(page, '#cors-use-proxy');
    await expect(page.locator('#opt-proxy')).toBeChecked();
    await expect.poll(() => page.evaluate(() => window.crawlscope.current.options.proxy)).toBe(true);
    await done(page);
    const expected = await expectedOn(noCorsSiteUrl, KNOBS);
    expect(await page.evaluate(() => window.crawlscope.current.report().pages.length)).toBe(expected.length);
    await expect(page.locator('#cors-note')).toBeHidden();
  });

  test('max_redirect_2_stops_a_three_hop_chain_through_the_proxy', async ({ page }) => {
    const { noCorsSiteUrl } = await playgroundConfig();
    const hop = (n) => `${noCorsSiteUrl}__hops/${n}`;
    const crawl = (maxRedirect) => page.evaluate(
      ([root, limit]) => window.crawlscope.crawl({ roots: [root], proxy: true, maxRedirect: limit }),
      [hop(3), maxRedirect],
    );
    const stopped = await crawl(2);
    expect(stopped.pages.map((p) => [p.url, p.outcome, p.status])).toEqual([[hop(3), 'failed', 302]]);
    expect(stopped.pages[0].error).toBe(
      `more than maxRedirect 2: ${hop(3)} → ${hop(2)} → ${hop(1)}, which redirects again (302)`,
    );
    const followed = await crawl(3);
    expect(followed.pages.map((p) => [p.url, p.outcome, p.status, p.aliases])).toEqual([[hop(0), 'done', 200, [hop(3)]]]);
    expect(followed.pages[0].redirects.map((h) => [h.url, h.status, h.to])).toEqual([
      [hop(3), 302, hop(2)], [hop(2), 302, hop(1)], [hop(1), 302, hop(0)],
    ]);
  });
});

test('a_page_on_another_origin_cannot_use_the_proxy', async ({ page }) => {
  const { proxy, noCorsSiteUrl } = await playgroundConfig();
  const endpoint = `${PLAYGROUND_URL}${proxy.endpoint}?url=${encodeURIComponent(noCorsSiteUrl)}`;
  // A page of the test site's origin (same host, another port: same-site, not same-origin).
  await page.goto(`${SITE_URL}page/1`);
  const attempts = await page.evaluate(async ([url, header, token]) => {
    const attempt = async (init) => {
      try {
        const response = await fetch(url, init);
        return { type: response.type, status: response.status, body: await response.text() };
      } catch (e) {
        return { error: e.name };
      }
    };
    return {
      withToken: await attempt({ headers: { [header]: token } }), // preflighted: the preflight is refused
      cors: await attempt({}), // a simple request: refused, and unreadable without CORS headers
      noCors: await attempt({ mode: 'no-cors' }), // opaque: nothing readable
    };
  }, [endpoint, proxy.header, proxy.token]);
  expect(attempts.withToken).toEqual({ error: 'TypeError' });
  expect(attempts.cors).toEqual({ error: 'TypeError' });
  expect(attempts.noCors).toEqual({ type: 'opaque', status: 0, body: '' });
});

test('proxy_true_on_a_static_host_is_an_error_naming_the_option', async ({ page }) => {
  const server = await serveStatic(path.resolve(__dirname, '../../dist'), '/static/');
  try {
    await page.goto(`${server.url}index.html`);
    await page.waitForFunction(() => window.crawlscope !== undefined);
    expect(await page.evaluate(() => window.crawlscope.proxy)).toBeNull();
    await expect(page.locator('#opt-proxy')).toBeHidden();
    const error = await page.evaluate(() => {
      try {
        window.crawlscope.start({ roots: ['http://127.0.0.1:9/'], proxy: true });
        return null;
      } catch (e) {
        return { message: e.message, option: e.option };
      }
    });
    expect(error.option).toBe('proxy');
    expect(error.message).toMatch(/^proxy: no local proxy is announced/);
  } finally {
    await server.close();
  }
});
