// Stopped time in one engine (ENGINE): pause a live crawl, step it one poll
// per step, resume; load a recorded log and seek through it.
const assert = require('node:assert/strict');
const { describe, it, before, after, beforeEach, afterEach } = require('node:test');
const { Key } = require('selenium-webdriver');
const { openBrowser } = require('./engine');
const {
  variant, siteStats, sleep, until, js, text, state, fill, click, chooseFile, openPlayground, noErrorBanner,
} = require('./helpers');

describe('stepping', () => {
  let browser;
  let d;
  before(async () => { browser = await openBrowser(); d = browser.driver; });
  after(async () => { await browser?.quit(); });
  beforeEach(async () => { await openPlayground(d); });
  afterEach(async () => { await noErrorBanner(d); });

  it('paused_crawl_starts_no_request_and_each_step_is_one_poll', async () => {
    await fill(d, 'root', variant('pages=30;latency=200'));
    await fill(d, 'max-tasks', '4');
    await click(d, 'crawl');
    await until(() => js(d, 'return window.crawlscope.report().counters.done'), (n) => n >= 2, 'pages done');
    await click(d, 'pause');
    await state(d, 'paused');
    // The engine starts no fetch once paused (its own log says so)...
    const fetchesAfterPause = () => js(d, `const events = window.crawlscope.events();
      const paused = events.findLastIndex((e) => e.type === 'paused');
      return paused < 0 ? -1 : events.slice(paused).filter((e) => e.type === 'fetchStart').length;`);
    assert.equal(await fetchesAfterPause(), 0);
    // ...and the site sees nothing new. Fetches started before the pause complete in the browser, and
    // one may still be on its way to the site (WebKit's network process can hold it a moment): the
    // count is taken once it has stood still for 300 ms.
    await until(async () => (await siteStats()).inFlight, (n) => n === 0, 'requests in flight at the site', 3_000);
    let served = (await siteStats()).served;
    await until(async () => {
      await sleep(300);
      const now = (await siteStats()).served;
      const still = now === served;
      served = now;
      return still;
    }, (still) => still, 'the site\'s served count standing still', 5_000);
    await sleep(1_000);
    assert.equal((await siteStats()).served, served);
    assert.equal(await fetchesAfterPause(), 0);
    await until(() => js(d, 'return window.crawlscope.ready().length'), (n) => n > 0, 'ready tasks');

    const before = await js(d, 'return window.crawlscope.current.eventCount');
    const steps = 4;
    for (let i = 0; i < steps; i += 1) await click(d, 'step');
    const count = (type) => js(d, 'return window.crawlscope.events(arguments[0]).filter((e) => e.type === arguments[1]).length',
      before, type);
    assert.equal(await count('pollStart'), steps);
    assert.equal(await count('stepped'), steps);

    await click(d, 'resume');
    await state(d, 'done', 60_000);
  });

  it('a_recorded_log_replays_to_the_same_report_and_seeks', async () => {
    await fill(d, 'root', variant('pages=15;latency=20'));
    await click(d, 'crawl');
    await state(d, 'done');
    const live = await js(d, 'return JSON.stringify(window.crawlscope.report())');
    const log = await js(d, 'return JSON.stringify(window.crawlscope.current.log())');

    await chooseFile(d, 'load-log', 'log.json', log);
    await state(d, 'replay');
    const steps = await js(d, 'return window.crawlscope.current.steps');
    assert.ok(steps > 20, `${steps} steps`);
    assert.equal(await text(d, 'replay-pos'), `step 0 / ${steps}`);

    // Jump to the end: the replayed report is the live one, exactly.
    await js(d, 'window.crawlscope.current.seek(arguments[0])', steps);
    assert.equal(await js(d, 'return JSON.stringify(window.crawlscope.current.report())'), live);

    // The scrub bar to the middle (as dragging it does: a value and an input event), then a step back by keyboard.
    const middle = Math.floor(steps / 2);
    await js(d, `const scrub = document.getElementById('replay-scrub');
      scrub.value = String(arguments[0]); scrub.dispatchEvent(new Event('input', { bubbles: true }));`, middle);
    await until(() => text(d, 'replay-pos'), (t) => t === `step ${middle} / ${steps}`, '#replay-pos after scrubbing');
    // The page's shortcut, with the focus back on the page (keys typed into a field are the field's).
    await js(d, 'document.activeElement?.blur()');
    await d.actions().sendKeys(Key.ARROW_LEFT).perform();
    await until(() => text(d, 'replay-pos'), (t) => t === `step ${middle - 1} / ${steps}`, '#replay-pos after ArrowLeft');
    assert.equal(await js(d, 'return window.crawlscope.current.position'), middle - 1);
  });
});
