// A learner's pass over the playground: the keyboard obeys the focused
// control, a click on a ready task steps it, times are crawl time, a crawl
// can start paused, the counters agree with the log, and the embed keeps
// every setting.
const { test, expect } = require('@playwright/test');
const { variant, siteStats, openPlaygroundForEachTest } = require('./helpers');

openPlaygroundForEachTest();

const current = (page, expr) => page.evaluate(`(() => { const c = window.crawlscope.current; return ${expr}; })()`);

test('space_on_each_focused_button_does_that_buttons_job', async ({ page }) => {
  await page.locator('#root').fill(variant('pages=40;latency=300'));
  await page.locator('#max-tasks').fill('2');
  // Crawl: Space presses it, so a crawl starts.
  await page.locator('#crawl').focus();
  await page.keyboard.press(' ');
  await expect(page.locator('#crawl-state')).toHaveText(/crawling|paused|done/);
  expect(await current(page, 'c?.kind')).toBe('crawl');
  expect(await current(page, 'c.paused')).toBe(false);

  // Resume: pause, then Space on the focused Resume resumes (and plays nothing).
  await page.locator('#pause').click();
  expect(await current(page, 'c.paused')).toBe(true);
  await page.locator('#resume').focus();
  await page.keyboard.press(' ');
  expect(await current(page, 'c.paused')).toBe(false);
  await expect(page.locator('#play')).toHaveAttribute('aria-pressed', 'false');

  // Download log: Space downloads the log and does not start playing.
  await page.locator('#pause').click();
  await page.locator('#download-log').focus();
  const [file] = await Promise.all([page.waitForEvent('download'), page.keyboard.press(' ')]);
  expect(file.suggestedFilename()).toMatch(/^crawlscope-log-.*\.json$/);
  await expect(page.locator('#play')).toHaveAttribute('aria-pressed', 'false');
  await expect(page.locator('#play-state')).toHaveText('paused');

  // With nothing focused, Space is the page's shortcut: while paused it plays, and the state says so.
  await page.locator('#download-log').blur();
  await page.keyboard.press(' ');
  await expect(page.locator('#play')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.locator('#play-state')).toContainText('playing');
  await expect(page.locator('#play')).toHaveText('Stop playing');
  await page.keyboard.press('Escape');
  await expect(page.locator('#play')).toHaveAttribute('aria-pressed', 'false');
  await page.locator('#stop').click();
  await expect(page.locator('#crawl-state')).toHaveText('stopped');

  // The step scene's Step: Space on it polls the worker once, and nothing plays in hiding.
  await page.locator('#scene-select').selectOption('step');
  const scene = page.locator('#scene');
  await scene.getByRole('button', { name: 'Start' }).click();
  await page.waitForFunction(() => window.crawlscope.current?.ready().some((r) => r.task === 0));
  await scene.getByRole('button', { name: 'Step', exact: true }).focus();
  await page.keyboard.press(' ');
  await expect(scene.locator('li[data-kind="poll"]')).toHaveCount(1);
  await page.waitForTimeout(1500);
  await expect(scene.locator('li[data-kind="poll"]')).toHaveCount(1); // no hidden auto-play
  await expect(scene.locator('.sc-badge')).toHaveText('paused');
  await expect(page.locator('#play')).toHaveAttribute('aria-pressed', 'false');
  await expect(scene.getByRole('button', { name: 'Restart' })).toBeVisible(); // Start says what it does now
});

test('a_120ms_click_or_enter_on_a_ready_entry_steps_exactly_that_task', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 900 }); // the whole ready list on screen, beside the picture
  await page.locator('#root').fill(variant('pages=60;latency=200'));
  await page.locator('#max-tasks').fill('4');
  await page.locator('#crawl').click();
  await expect.poll(() => page.evaluate(() => window.crawlscope.report().counters.done), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(2);
  await page.locator('#pause').click();
  // Two ready tasks at least, so "that task" is not simply the oldest.
  await expect.poll(() => page.locator('#ready-list li').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);

  const lastStepped = () => page.evaluate(() => window.crawlscope.events().filter((e) => e.type === 'stepped').at(-1)?.task);
  const entries = page.locator('#ready-list li button[data-step-task]');
  // A locator is looked up again at each use, and a wake landing while paused adds an entry at
  // the end: after reading the last entry's task, address that task's entry, not "the last".
  const entryOf = (task) => page.locator(`#ready-list li button[data-step-task="${task}"]`);
  const target = Number(await entries.last().getAttribute('data-step-task'));
  await entryOf(target).scrollIntoViewIfNeeded();
  const box = await entryOf(target).boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.waitForTimeout(120); // an ordinary click, across at least one refresh of the list
  await page.mouse.up();
  expect(await lastStepped()).toBe(target);
  await expect(page.locator('#step-info')).toContainText('was polled');

  await expect.poll(() => page.locator('#ready-list li').count(), { timeout: 10_000 }).toBeGreaterThanOrEqual(2);
  const other = Number(await entries.last().getAttribute('data-step-task'));
  const second = entryOf(other);
  await second.focus();
  await page.waitForTimeout(300); // focus survives refreshes
  await expect(second).toBeFocused();
  await page.keyboard.press('Enter');
  expect(await lastStepped()).toBe(other);
  await page.locator('#stop').click();
});

test('after_a_2s_pause_at_100ms_latency_no_fetch_takes_over_1s_and_elapsed_plus_paused_is_wall', async ({ page }) => {
  await page.locator('#root').fill(variant('pages=30;latency=100'));
  await page.locator('#max-tasks').fill('3');
  await page.locator('#crawl').click();
  await expect.poll(() => page.evaluate(() => window.crawlscope.report().counters.done), { timeout: 30_000 })
    .toBeGreaterThanOrEqual(3);
  await page.locator('#pause').click();
  await page.waitForTimeout(2000);
  await page.locator('#resume').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  const { report, fetchMs, wall } = await page.evaluate(() => {
    const c = window.crawlscope.current;
    const events = c.events();
    const finished = events.at(-1);
    return {
      report: c.report(),
      // One request each (a redirect chain is several requests behind one fetch).
      fetchMs: events.filter((e) => e.type === 'fetchEnd' && !e.result.redirected).map((e) => e.ms),
      wall: finished.wallMs,
    };
  });
  // A fetch in flight during the pause took 2 s and more on the wall clock; in crawl time it takes what
  // the site took. (The margin: on a loaded 2-core machine, fetches of this 100 ms site measured up to
  // 800 ms without any pause.)
  expect(Math.max(...fetchMs)).toBeLessThan(1000 + (process.env.CI ? 500 : 1000));
  for (const p of report.pages.filter((p) => p.tries === 1 && p.startMs != null)) {
    expect(p.endMs - p.startMs, p.url).toBeLessThan(1000);
  }
  expect(report.pausedMs).toBeGreaterThanOrEqual(1900);
  expect(Math.abs(report.elapsedMs + report.pausedMs - wall)).toBeLessThan(1);
  console.log(`figure: crawl time ${Math.round(report.elapsedMs)} ms + paused ${Math.round(report.pausedMs)} ms `
    + `= wall ${Math.round(wall)} ms; longest fetch ${Math.round(Math.max(...fetchMs))} ms`);
});

test('a_crawl_started_paused_shows_step_1_as_the_first_tasks_first_poll', async ({ page }) => {
  await page.locator('#root').fill(variant('pages=20;latency=50'));
  await page.locator('#max-tasks').fill('3');
  const served = (await siteStats()).served;
  await page.locator('#crawl-paused').click();
  await expect(page.locator('#crawl-state')).toHaveText('paused');
  await expect(page.locator('#play-state')).toHaveText('paused');
  await page.waitForTimeout(500);
  expect((await siteStats()).served).toBe(served); // nothing ran
  expect(await page.evaluate(() => window.crawlscope.events().some((e) => e.type === 'pollStart'))).toBe(false);
  await page.locator('#step').click();
  const polls = await page.evaluate(() => window.crawlscope.events().filter((e) => e.type === 'pollStart'));
  expect(polls.map((e) => e.task)).toEqual([0]);
  await expect(page.locator('#step-info li').first()).toHaveText(/^worker 0 was polled/);
  // Resume: the last step no longer describes the present.
  await page.locator('#resume').click();
  await expect(page.locator('#step-info')).not.toContainText('worker 0 was polled');
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
});

test('the_queued_counter_equals_the_logs_queue_length_at_every_step_of_a_replay', async ({ page }) => {
  const mismatches = await page.evaluate(async (root) => {
    const api = window.crawlscope;
    // robots: true, so workers hold URLs off the queue while robots.txt is fetched.
    const crawl = api.start({ roots: [root], maxTasks: 3, robots: true });
    await crawl.done;
    const replay = api.replay(crawl.log());
    const bad = [];
    for (let step = 0; step <= replay.steps; step += 1) {
      replay.seek(step);
      const last = replay.events().findLast((e) => e.type === 'queuePut' || e.type === 'queueGet');
      const queued = replay.report().counters.queued;
      if (queued !== (last?.len ?? 0)) bad.push({ step, queued, len: last?.len });
    }
    return { bad, steps: replay.steps };
  }, variant('pages=20;latency=10'));
  expect(mismatches.steps).toBeGreaterThan(20);
  expect(mismatches.bad).toEqual([]);
});

test('copy_embed_code_round_trips_every_fragment_key_the_page_knows', async ({ page }) => {
  await page.locator('#root').fill(variant('pages=40;latency=200;seed=3'));
  await page.locator('#max-tasks').fill('3');
  await page.locator('#speed').selectOption('2');
  await page.locator('#crawl-paused').click();
  await expect(page.locator('#crawl-state')).toHaveText('paused');
  await page.locator('#copy-embed').click();
  const tag = await page.locator('#embed-code').inputValue();
  const src = /src="([^"]+)"/.exec(tag)[1].replace(/&amp;/g, '&');
  const fragment = Object.fromEntries(new URLSearchParams(new URL(src).hash.slice(1)));
  expect(fragment).toEqual({ site: 'native', pages: '40', latency: '200', seed: '3', maxTasks: '3', speed: '2', paused: '1' });
  const height = Number(/height="(\d+)"/.exec(tag)[1]);
  expect(height).toBeGreaterThan(520);
  await page.locator('#stop').click();

  // And the embed reads them back: the crawl starts paused, stepped at 2× once played.
  await page.goto(src.replace(/#.*/, `#${new URL(src).hash.slice(1)}&autoplay=1`));
  await page.waitForFunction(() => window.crawlscope?.current?.kind === 'crawl');
  await expect(page.locator('#speed')).toHaveValue('2');
  const first = await page.evaluate(() => window.crawlscope.current.events().find((e) => e.type === 'pollStart' || e.type === 'paused')?.type);
  expect(first).toBe('paused'); // paused before any poll
  await expect(page.locator('#crawl-state')).toHaveText('playing');
});
