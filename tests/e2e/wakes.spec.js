// The wake view: who woke whom, as a reader uses it. The step scene shows
// the network waking the worker's fetch and join waking the supervisor; a
// paused crawl with several workers shows a put() waking a get(); a held
// click on an arrow lists its wakes, and "step N" opens that step in a
// replay (where the wake is first seen); the keyboard reaches every node's
// and every arrow's detail; the fold agrees with the whole log. Screenshots
// of the view go to artifacts/e2e/<test>/wakes-*.png.
const { test, expect } = require('@playwright/test');
const { variant, openPlaygroundForEachTest } = require('./helpers');

openPlaygroundForEachTest();

/** A click held ~100 ms, as a person clicks. */
async function heldClick(page, x, y) {
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.waitForTimeout(100);
  await page.mouse.up();
}

/** Open the wake view's tab, by a held click on it. */
async function openWakes(page) {
  const box = await page.locator('#tab-wakes').boundingBox();
  await heldClick(page, box.x + box.width / 2, box.y + box.height / 2);
  await expect(page.locator('#tab-wakes')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#wakes')).toBeVisible();
  await expect(page.locator('#graph')).toBeHidden();
}

/** Click the middle of an arrow of the wake view. */
async function clickEdge(page, key) {
  const at = await page.evaluate((k) => window.crawlscopePage.picture.wakes.edgePosition(k), key);
  expect(at).not.toBeNull();
  await page.locator('#wakes').scrollIntoViewIfNeeded();
  const box = await page.locator('#wakes').boundingBox();
  await heldClick(page, box.x + at.x, box.y + at.y);
}

/** Every wake of the current view's log, counted by `from>to` as the wake view names its arrows. */
const wakesInLog = (page) => page.evaluate(() => {
  const counts = {};
  for (const e of window.crawlscope.current.events()) {
    if (e.type !== 'wake') continue;
    const from = e.by.kind === 'task' ? `task:${e.by.task}` : e.by.kind === 'selfWake' ? `task:${e.task}` : e.by.kind;
    const key = `${from}>task:${e.task}`;
    counts[key] = (counts[key] ?? 0) + 1;
  }
  return counts;
});
const wakesDrawn = (page) => page.evaluate(() => Object.fromEntries(
  [...window.crawlscopePage.picture.wakeModel.edges.values()].map((e) => [e.key, e.count])));

test('the_step_scene_shows_the_network_waking_the_fetch_and_join_waking_the_supervisor', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.locator('#scene-select').selectOption('step');
  const scene = page.locator('#scene');
  await scene.getByRole('button', { name: 'Start' }).click();
  await openWakes(page);
  const step = scene.getByRole('button', { name: 'Step', exact: true });
  const edges = page.locator('#wake-edges');
  // The first wake of the worker is the network answering its fetch.
  for (let i = 0; i < 40 && !(await edges.textContent()).includes('network → worker 0'); i += 1) {
    await step.click();
    await page.waitForTimeout(150);
  }
  await expect(edges).toContainText('network → worker 0');
  await expect(page.locator('#wakes-latest')).toContainText('network woke worker 0, parked at');
  await expect(page.locator('#picture-summary')).toContainText('Paused:');
  // Its arrow's detail: the response head woke it at fetch(), the body's chunks at reading the body.
  await page.waitForTimeout(500); // the scene's timeline has taken in the network's wakes: the page holds still
  await clickEdge(page, 'network>task:0');
  await expect(page.locator('#wake-detail-title')).toHaveText(/^network woke worker 0: \d+ wakes?$/);
  await expect(page.locator('#wake-detail-note')).toContainText('fetch() 1');
  // Step to the end: task_done() of the last URL wakes the supervisor at queue.join().
  for (let i = 0; i < 200 && (await scene.locator('.sc-badge').textContent()) !== 'finished'; i += 1) {
    // Step once something is ready (or only a timer can go on): a reader waits for the network too.
    await page.waitForFunction(() => {
      const c = window.crawlscope.current;
      return c.finished || c.ready().length > 0 || c.task(0)?.task?.awaiting === 'timer' || c.task(0)?.task?.awaiting === 'yield';
    }, null, { timeout: 10_000 }).catch(() => {});
    await step.focus(); // the keyboard, as a reader stepping many times does
    await page.keyboard.press(' ');
  }
  await expect(scene.locator('.sc-badge')).toHaveText('finished');
  await expect(edges).toContainText('worker 0 → supervisor: 1 wake, mostly at queue.join()');
  expect(await wakesDrawn(page)).toEqual(await wakesInLog(page));
  // One worker: no put() can wake a get(), and the view says why.
  await expect(page.locator('#wakes-latest')).toContainText('With one worker no put() wakes a get()');
  await page.waitForTimeout(1000); // the last flash has faded
  await page.locator('#wakes').scrollIntoViewIfNeeded();
  await page.locator('.wakes-body').screenshot({ path: testInfo.outputPath('wakes-step-scene.png') });
});

test('a_paused_crawl_shows_a_put_waking_a_get_and_its_step_opens_in_a_replay', async ({ page }) => {
  test.setTimeout(90_000);
  await page.locator('#root').fill(variant('pages=20;latency=80'));
  await page.locator('#max-tasks').fill('3');
  await page.locator('#crawl-paused').click();
  await expect(page.locator('#crawl-state')).toHaveText('paused');
  await openWakes(page);
  // Step (→) until a worker's put() has woken another worker parked at queue.get().
  const putWake = () => page.evaluate(() => [...window.crawlscopePage.picture.wakeModel.edges.values()]
    .find((e) => e.byAt.queueGet && e.from !== e.to)?.key ?? null);
  let key = null;
  for (let i = 0; i < 200 && !key; i += 1) {
    await page.locator('#step').click();
    await page.waitForTimeout(60);
    key = await putWake();
  }
  expect(key).not.toBeNull();
  // Each step flashes its wakes (motion allowed here).
  expect(await page.evaluate(() => window.crawlscopePage.picture.wakes.flashes.length)).toBeGreaterThan(0);
  // The step is told in words: the arrow, and what the step did.
  await expect(page.locator('#wake-edges')).toContainText(/worker \d → worker \d: 1 wake, mostly at queue\.get\(\)/);
  await expect(page.locator('#picture-summary')).toContainText(/Paused: .*Last step: worker \d was polled.*woke worker \d/);

  await clickEdge(page, key);
  await expect(page.locator('#wake-detail-title')).toContainText(/worker \d woke worker \d: \d+ wakes?/);
  const first = page.locator('#wake-detail-list li').last(); // the list is newest first
  await expect(first).toContainText('at queue.get()');
  await expect(first).toContainText('http'); // the URL put
  const stepButton = first.locator('button[data-step]');
  await expect(stepButton).toBeDisabled(); // live: a replay can go there once the crawl ends
  const n = Number(await stepButton.getAttribute('data-step'));
  const seq = await page.evaluate((k) => window.crawlscopePage.picture.wakeModel.edges.get(k).wakes[0].seq, key);

  await page.locator('#resume').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  await clickEdge(page, key);
  const button = page.locator('#wake-detail-list li').last().locator('button[data-step]');
  await expect(button).toBeEnabled();
  await button.click();
  await expect(page.locator('#crawl-state')).toHaveText('replay');
  await expect(page.locator('#replay-pos')).toHaveText(new RegExp(`^step ${n} / \\d+$`));
  // The replay's wake view is folded up to that step: the arrow is there, with that wake on it.
  await openWakes(page);
  await expect(page.locator('#wake-edges')).toContainText(/worker \d → worker \d: \d+ wakes?, mostly at queue\.get\(\)/);
  expect(await page.evaluate((k) => window.crawlscopePage.picture.wakeModel.edges.get(k)?.wakes.at(-1).step, key))
    .toBeLessThanOrEqual(n);
  // That step is where the wake is first seen.
  const seen = (at) => page.evaluate(([s, step]) => {
    window.crawlscope.current.seek(step);
    return window.crawlscope.current.events().some((e) => e.seq === s);
  }, [seq, at]);
  expect(await seen(n)).toBe(true);
  expect(await seen(n - 1)).toBe(false);
});

test('the_keyboard_reaches_each_node_and_arrow_of_the_wake_view', async ({ page }) => {
  await page.locator('#root').fill(variant('pages=12;latency=20'));
  await page.locator('#max-tasks').fill('2');
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  // The tabs: ← and → move between the task graph and the wake view.
  await page.locator('#tab-graph').focus();
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#tab-wakes')).toBeFocused();
  await expect(page.locator('#tab-wakes')).toHaveAttribute('aria-selected', 'true');
  await expect(page.locator('#wakes-panel')).toBeVisible();
  await page.keyboard.press('Tab');
  await expect(page.locator('#wakes')).toBeFocused();
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#wake-detail-title')).toHaveText(/^supervisor: woken 1 time, woke others 0$/);
  await page.keyboard.press('ArrowRight');
  await expect(page.locator('#wake-detail-title')).toHaveText(/^worker 0: woken \d+ times, woke others \d+$/);
  // From a node's detail to an arrow's wakes, by Tab and Enter.
  const byNetwork = page.locator('#wake-detail-list button', { hasText: 'woken by network' });
  await byNetwork.focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#wake-detail-title')).toHaveText(/^network woke worker 0: \d+ wakes$/);
  await expect(page.locator('#wake-detail-list li').first()).toContainText(/ms · at (fetch\(\)|reading the body) · step \d+http/);
  // The list under the canvas is the same arrows as buttons.
  await page.locator('#wake-edges button', { hasText: 'worker 0 → supervisor' }).or(
    page.locator('#wake-edges button', { hasText: 'worker 1 → supervisor' })).first().focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#wake-detail-title')).toContainText('woke supervisor: 1 wake');
  await expect(page.locator('#wake-detail-list li')).toContainText('at queue.join()');
});

test('a_30_page_crawl_draws_every_wake_of_its_log', async ({ page }, testInfo) => {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.locator('#root').fill(variant('pages=30;latency=60'));
  await page.locator('#max-tasks').fill('4');
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
  // Folded while hidden behind its tab: it agrees with the log when opened.
  expect(await wakesDrawn(page)).toEqual(await wakesInLog(page));
  await openWakes(page);
  for (let w = 0; w < 4; w += 1) await expect(page.locator('#wake-edges')).toContainText(`network → worker ${w}`);
  await expect(page.locator('#wake-edges')).toContainText('→ supervisor: 1 wake, mostly at queue.join()');
  // A put() that woke a get(): its wakes name the URL put.
  const put = await page.evaluate(() => [...window.crawlscopePage.picture.wakeModel.edges.values()]
    .find((e) => e.byAt.queueGet && e.from !== e.to).key);
  await page.waitForTimeout(1000);
  await clickEdge(page, put);
  await expect(page.locator('#wake-detail-list li').first()).toContainText(/at queue\.get\(\) · step \d+http/);
  await page.locator('.wakes-body').screenshot({ path: testInfo.outputPath('wakes-30-pages.png') });
});
