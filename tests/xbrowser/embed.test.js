// The embed in one engine (ENGINE): in a blog's frame on the in-browser site
// (answered by its service worker), on the native test site, and as
// <crawl-scope> elements whose events bubble to the page.
const assert = require('node:assert/strict');
const { describe, it, before, after, afterEach } = require('node:test');
const { By } = require('selenium-webdriver');
const { openBrowser } = require('./engine');
const { startHost, PREFIX } = require('./host');
const { PLAYGROUND_URL, SITE_URL, expectedPages, until, js, text, state, noErrorBanner } = require('./helpers');

/** The pages the in-browser site says a crawl of `knobs` must find (asked from a page it controls). */
const virtualExpected = (d, knobs) => d.executeAsyncScript(`const done = arguments[arguments.length - 1];
  fetch('https://site.crawlscope.test/__expected?base=' + encodeURIComponent(arguments[0]))
    .then((r) => r.json()).then(done, (e) => done(String(e)));`, `/s/${knobs}/`);

const urls = (pages) => pages.map((p) => p.url).sort();

describe('embed', () => {
  let browser;
  let d;
  let host;
  before(async () => {
    host = await startHost();
    browser = await openBrowser();
    d = browser.driver;
  });
  after(async () => {
    await browser?.quit();
    await host?.close();
  });
  afterEach(async () => { await d.switchTo().defaultContent(); });

  it('an_embed_in_a_frame_crawls_the_in_browser_site_its_service_worker_answers', async () => {
    const post = host.page('/post.html', `<!doctype html><meta charset="utf-8"><title>A blog</title>
      <h1>Crawling, async</h1>
      <iframe id="embed" src="${PREFIX}embed.html#site=virtual&pages=8&latency=10&autoplay=1" width="900" height="520"
        style="border:0"></iframe>`);
    await d.get(post);
    await d.switchTo().frame(await d.findElement(By.id('embed')));
    await state(d, 'done');
    assert.match(await text(d, 'site-label'), /simulated by a service worker/);
    assert.equal(await js(d, 'return navigator.serviceWorker.controller !== null'), true);
    const report = await js(d, 'return window.crawlscope.report()');
    assert.deepEqual(urls(report.pages), urls(await virtualExpected(d, 'pages=8;latency=10;seed=1')));
    assert.equal(report.counters.failed, 0);
    await noErrorBanner(d);
  });

  it('site_native_in_the_embed_crawls_the_test_site', async () => {
    await d.get(`${PLAYGROUND_URL}embed.html#site=native&pages=7&latency=5&autoplay=1`);
    await state(d, 'done');
    const report = await js(d, 'return window.crawlscope.report()');
    assert.ok(report.pages.every((p) => p.url.startsWith(SITE_URL)), report.pages[0]?.url);
    assert.deepEqual(urls(report.pages), urls(await expectedPages('pages=7;latency=5;seed=1')));
    await noErrorBanner(d);
  });

  it('crawl_scope_elements_crawl_independently_and_their_events_bubble', async () => {
    const tag = (attrs) => `<crawl-scope ${attrs}></crawl-scope>`;
    const tutorial = host.page('/tutorial.html', `<!doctype html><meta charset="utf-8"><title>A tutorial</title>
      <script type="module" src="${PREFIX}www/embed/crawl-scope.js"></script>
      <article><h1>Async crawling</h1>
        ${tag('id="a" site="virtual" pages="5" latency="10" max-tasks="2" autoplay height="360"')}
        ${tag('id="b" site="virtual" pages="3" latency="10" max-tasks="1" autoplay speed="max" height="360"')}
      </article>
      <script>
        window.seen = { done: [], steps: {} };
        document.addEventListener('crawlscope-done', (e) => window.seen.done.push({ id: e.target.id, pages: e.detail.pages }));
        document.addEventListener('crawlscope-step', (e) => { window.seen.steps[e.target.id] = (window.seen.steps[e.target.id] ?? 0) + 1; });
      </script>`);
    await d.get(tutorial);
    // b plays at speed=max: one poll per animation frame. WebKitGTK on Xvfb (software
    // rendering) draws the embed's frames at about one a second, so b is kept small.
    const seen = await until(() => js(d, 'return window.seen'), (s) => s?.done.length === 2, 'two crawlscope-done events',
      90_000);
    const frame = await d.findElement(By.id('a')).then((a) => js(d, 'return arguments[0].shadowRoot.querySelector("iframe")', a));
    await d.switchTo().frame(frame);
    const a = await virtualExpected(d, 'pages=5;latency=10;seed=1');
    const b = await virtualExpected(d, 'pages=3;latency=10;seed=1');
    await d.switchTo().defaultContent();
    assert.deepEqual(Object.fromEntries(seen.done.map((e) => [e.id, e.pages])), { a: a.length, b: b.length });
    assert.ok(seen.steps.b > 0, 'b was stepped (speed=max): each poll came out as an event');
    assert.equal(seen.steps.a ?? 0, 0, 'a ran freely: no steps');
  });

  it('the_spinner_scene_says_in_words_how_this_browser_measures_main_thread_blocking', async () => {
    await d.get(`${host.embed}#scene=spinner&autoplay=1`);
    await until(() => js(d, 'return document.querySelectorAll("#scene tbody tr").length'), (n) => n === 1,
      'the spinner scene\'s result row', 60_000);
    assert.notEqual(await js(d, 'return document.querySelector("#scene .sc-verdict").textContent.trim()'), '');
    // Only Chromium has the Long Tasks API; elsewhere the scene says so instead of showing nothing.
    const longTasks = await js(d, `return typeof PerformanceObserver === 'function'
      && (PerformanceObserver.supportedEntryTypes ?? []).includes('longtask')`);
    const says = await text(d, 'scene');
    if (longTasks) assert.match(says, /measured with the Long Tasks API/);
    else assert.match(says, /This browser has no Long Tasks API: the frame gaps tell instead/);
    await noErrorBanner(d);
  });
});
