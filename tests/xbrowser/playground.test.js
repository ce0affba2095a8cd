// The playground's core flows in one engine (ENGINE): a crawl matched
// against the site's own list, a stop that leaves nothing in flight, a bad
// option next to its field, a loaded report shown as text only.
const assert = require('node:assert/strict');
const { describe, it, before, after, beforeEach, afterEach } = require('node:test');
const { openBrowser } = require('./engine');
const {
  variant, expectedPages, siteStats, sleep, until, js, text, shown, state, fill, click, chooseFile, rows, counter,
  openPlayground, noErrorBanner, screenshot,
} = require('./helpers');

describe('playground', () => {
  let browser;
  let d;
  before(async () => { browser = await openBrowser(); d = browser.driver; });
  after(async () => { await browser?.quit(); });
  beforeEach(async () => { await openPlayground(d); });
  afterEach(async () => { await noErrorBanner(d); });

  it('crawl_finds_every_page_the_site_generator_lists', async () => {
    const knobs = 'pages=25;latency=5';
    await fill(d, 'root', variant(knobs));
    await click(d, 'crawl');
    await state(d, 'done');
    const expected = await expectedPages(knobs);
    const found = await rows(d);
    assert.deepEqual(found.map((r) => r.url).sort(), expected.map((p) => p.url).sort());
    for (const want of expected) {
      assert.equal(found.find((r) => r.url === want.url)?.status, String(want.status), want.url);
    }
    assert.equal(await counter(d, 'inflight'), 0);
    assert.equal((await counter(d, 'done')) + (await counter(d, 'httperror')) + (await counter(d, 'failed')), found.length);
    await screenshot(d, 'crawl');
  });

  it('stop_mid_crawl_keeps_results_and_leaves_nothing_in_flight', async () => {
    await fill(d, 'root', variant('pages=200;latency=300'));
    await fill(d, 'max-tasks', '4');
    await click(d, 'crawl');
    await until(() => js(d, 'return window.crawlscope.report().counters.done'), (n) => n >= 3, 'pages done');
    await click(d, 'stop');
    await state(d, 'stopped');
    const found = await rows(d);
    assert.ok(found.filter((r) => r.outcome === 'done').length >= 3);
    assert.ok(found.some((r) => r.outcome === 'not crawled (stopped)'));
    assert.equal(await counter(d, 'inflight'), 0);
    // Stopping cancels the fetches themselves: the server sees every request end, and no new one.
    await until(async () => (await siteStats()).inFlight, (n) => n === 0, 'requests in flight at the site', 3_000);
    const served = (await siteStats()).served;
    await sleep(1_000);
    assert.equal((await siteStats()).served, served);
  });

  it('a_bad_option_is_shown_next_to_its_field', async () => {
    await fill(d, 'root', variant('pages=3;latency=0'));
    await js(d, 'document.getElementById("more-options").open = true');
    await fill(d, 'opt-exclude', '(');
    await click(d, 'crawl');
    await until(() => text(d, 'opt-exclude-error'), (t) => t.includes('exclude'), '#opt-exclude-error');
    assert.equal(await shown(d, 'opt-exclude-error'), true);
    assert.equal(await (await d.findElement({ id: 'opt-exclude' })).getAttribute('aria-invalid'), 'true');
    assert.equal((await rows(d)).length, 0);
    assert.equal(await text(d, 'crawl-state'), 'idle');

    await fill(d, 'opt-exclude', '');
    await click(d, 'crawl');
    await state(d, 'done');
    assert.equal(await shown(d, 'opt-exclude-error'), false);
  });

  it('a_loaded_report_reaches_the_page_as_text_only', async () => {
    const hostile = {
      version: 1,
      pages: [
        { url: 'javascript:alert(1)', outcome: 'done', error: '<img src=x onerror="window.pwned=1">' },
        { url: 'https://example.com/<b>x</b>', aliases: ['data:text/html,<script>window.pwned=1</script>'],
          outcome: '<i>done</i>', contentType: '<svg onload="window.pwned=1">', links: 'not an array' },
      ],
      skips: { '<img src=x onerror="window.pwned=1">': 3 },
      endReason: '<b>stopped</b>',
    };
    await chooseFile(d, 'load-report', 'hostile.json', JSON.stringify(hostile));
    await state(d, 'report');
    assert.equal((await rows(d)).length, 2);
    const markup = await js(d, `return document.querySelectorAll(
      '#results img, #results svg, #results b, #results i, #results script, #skips img').length`);
    assert.equal(markup, 0);
    assert.match(await text(d, 'results'), /<img src=x onerror="window.pwned=1">/);
    const hrefs = await js(d, 'return [...document.querySelectorAll("#results a")].map((a) => a.href)');
    assert.deepEqual(hrefs, ['https://example.com/%3Cb%3Ex%3C/b%3E']);
    assert.equal(await text(d, 'report-error'), '');
    assert.equal(await js(d, 'return window.pwned'), null);
  });
});
