// The extract option in the page: a textarea in Options takes the named
// selectors as JSON, each field becomes a table column (and a CSV column, and
// a row of the node's detail), a replay of the log shows the same fields, and
// a bad selector is blamed on the field under the Options form.
const { test, expect } = require('@playwright/test');
const { variant, download, parseCsv, openPlaygroundForEachTest } = require('./helpers');

openPlaygroundForEachTest();

const done = (page) => expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
const EXTRACT = '{"title": "title", "h1": "h1", "links[]": "li a@href"}';

/** The table's field columns, and each row's field cells by URL. */
async function fieldTable(page) {
  const heads = await page.locator('#results thead th.c-field').allTextContents();
  const cells = await page.locator('#results tbody tr').evaluateAll((trs) =>
    Object.fromEntries(trs.map((tr) => [tr.dataset.url, [...tr.querySelectorAll('td.c-field')].map((td) => td.textContent)])));
  return { heads, cells };
}

async function crawlWithExtract(page, root) {
  await page.locator('#root').fill(root);
  await page.locator('#more-options summary').click();
  await page.locator('#opt-extract').fill(EXTRACT);
  await expect(page.locator('#options-set')).toHaveText('1 set');
  await page.locator('#crawl').click();
  await done(page);
}

test('a_crawl_with_extract_shows_a_column_per_field_in_the_table_the_detail_and_the_csv', async ({ page }) => {
  const root = variant('pages=8;latency=0');
  await crawlWithExtract(page, root);
  const sent = await page.evaluate(() => window.crawlscope.current.options.extract);
  expect(sent).toEqual(JSON.parse(EXTRACT));

  // A column per field (named without the [] suffix), filled from the report's fields.
  const report = await page.evaluate(() => window.crawlscope.current.report());
  const { heads, cells } = await fieldTable(page);
  expect(heads).toEqual(['h1', 'links', 'title']);
  const withFields = report.pages.filter((p) => p.fields);
  expect(withFields.length).toBeGreaterThan(5);
  for (const p of withFields) {
    expect(cells[p.url]).toEqual([p.fields.h1 ?? '', p.fields.links.join(' · '), p.fields.title ?? '']);
  }
  const page1 = `${root}page/1`;
  expect(cells[page1][2]).toBe('Page 1'); // the site titles /page/N "Page N"
  expect(report.pages.filter((p) => p.status !== 200).every((p) => !p.fields)).toBe(true);

  // The node's detail lists them too (Enter on a row opens it).
  await page.locator(`#results tbody tr[data-url="${page1}"]`).focus();
  await page.keyboard.press('Enter');
  await expect(page.locator('#task-detail')).toBeVisible();
  await expect(page.locator('#detail-page')).toContainText('extract.title');
  await expect(page.locator('#detail-page')).toContainText('Page 1');

  // The CSV has a column per field; a [] field's matches one per line in its cell.
  const csv = parseCsv((await download(page, '#export-csv')).text.replace(/^\uFEFF/, ''));
  const header = csv[0];
  expect(header.slice(-3)).toEqual(['h1', 'links', 'title']);
  const line = csv.find((r) => r[0] === page1);
  const want = report.pages.find((p) => p.url === page1).fields;
  expect(line.slice(-3)).toEqual([want.h1, want.links.join('\n'), want.title]);
  expect(want.links.length).toBeGreaterThan(1);
  const json = JSON.parse((await download(page, '#export-json')).text);
  expect(json.pages.find((p) => p.url === page1).fields).toEqual(want);
  await expect(page.locator('#error-banner')).toBeHidden();
});

test('a_replay_of_an_extract_crawl_shows_the_same_field_columns', async ({ page }) => {
  await crawlWithExtract(page, variant('pages=6;latency=0'));
  const live = await fieldTable(page);
  const log = await download(page, '#download-log');
  await page.reload();
  await page.waitForFunction(() => window.crawlscope !== undefined);
  await expect(page.locator('#crawl-state')).toHaveText('idle');
  await page.locator('#load-log').setInputFiles(log.path);
  await expect(page.locator('#crawl-state')).toHaveText('replay');
  const steps = Number(await page.locator('#replay-scrub').getAttribute('max'));
  await page.locator('#replay-scrub').fill(String(steps));
  await expect(page.locator('#replay-pos')).toHaveText(`step ${steps} / ${steps}`);
  await expect.poll(async () => (await fieldTable(page)).heads).toEqual(live.heads);
  await expect.poll(async () => (await fieldTable(page)).cells).toEqual(live.cells);
});

test('a_bad_extract_selector_is_shown_under_the_extract_field', async ({ page }) => {
  await page.locator('#root').fill(variant('pages=3;latency=0'));
  await page.locator('#more-options summary').click();
  await page.locator('#opt-extract').fill('{"title": "title", "h1": "h1[["}');
  await page.locator('#crawl').click();
  await expect(page.locator('#opt-extract-error')).toContainText('extract.h1: `h1[[` is not a valid CSS selector');
  await expect(page.locator('#opt-extract')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#results tbody tr')).toHaveCount(0);
  await expect(page.locator('#crawl-state')).toHaveText('idle');

  // Text that is not JSON is sent as typed, and the engine says what it wants.
  await page.locator('#opt-extract').fill('{title: h1}');
  await page.locator('#crawl').click();
  await expect(page.locator('#opt-extract-error')).toContainText('extract: must be an object of named CSS selectors');
  await expect(page.locator('#opt-extract-error')).toContainText('{title: h1}');
  await expect(page.locator('#error-banner')).toBeHidden();

  // Fixed, it crawls, with no field column but the ones asked for.
  await page.locator('#opt-extract').fill('{"heading": "h1"}');
  await page.locator('#crawl').click();
  await done(page);
  await expect(page.locator('#opt-extract-error')).toBeHidden();
  await expect(page.locator('#results thead th.c-field')).toHaveText(['heading']);
});

test('fields_of_a_loaded_report_reach_the_table_as_text_only', async ({ page }) => {
  const hostile = '<img src=x onerror="window.pwned=1">';
  const shown = await page.evaluate((text) => window.crawlscope.showReport({
    version: 1,
    pages: [
      { url: 'https://example.com/a', outcome: 'done', status: 200,
        fields: { [text]: text, list: [text, 'two'], none: null, bad: 5, badList: [1, 'kept'] } },
      { url: 'https://example.com/b', outcome: 'done', status: 200 },
    ],
  }), hostile);
  // Values of the documented types are kept; anything else is dropped.
  expect(shown.pages[0].fields).toEqual({ [hostile]: hostile, list: [hostile, 'two'], none: null, badList: ['kept'] });
  expect(shown.pages[1].fields).toBeUndefined();
  await expect(page.locator('#crawl-state')).toHaveText('report');
  const { heads, cells } = await fieldTable(page);
  expect(heads).toEqual([hostile, 'list', 'none', 'badList']); // a page's order (the engine's pages list them sorted)
  expect(cells['https://example.com/a']).toEqual([hostile, `${hostile} · two`, '', 'kept']);
  expect(cells['https://example.com/b']).toEqual(['', '', '', '']);
  await expect(page.locator('#results img')).toHaveCount(0);
  expect(await page.evaluate(() => window.pwned)).toBeUndefined();
});

test('a_field_column_sorts_the_table_by_click_and_by_keyboard', async ({ page }) => {
  // A saved report with known values: the order to expect is plain to read.
  await page.evaluate(() => window.crawlscope.showReport({
    version: 1,
    pages: [
      { url: 'https://example.com/1', outcome: 'done', status: 200, fields: { title: 'banana' } },
      { url: 'https://example.com/2', outcome: 'done', status: 200, fields: { title: 'apple' } },
      { url: 'https://example.com/3', outcome: 'done', status: 200 },
      { url: 'https://example.com/4', outcome: 'done', status: 200, fields: { title: 'cherry' } },
    ],
  }));
  const titles = async () => (await fieldTable(page)).cells;
  const order = async () => page.locator('#results tbody tr').evaluateAll((trs) => trs.map((tr) => tr.dataset.url.slice(-1)));
  expect(Object.keys(await titles())).toHaveLength(4);
  const head = page.locator('#results thead th.c-field', { hasText: 'title' });

  // A click held as a person holds it.
  await head.hover();
  await page.mouse.down();
  await page.waitForTimeout(100);
  await page.mouse.up();
  await expect(head).toHaveAttribute('aria-sort', 'ascending');
  expect(await order()).toEqual(['3', '2', '1', '4']); // no title first, then apple, banana, cherry

  // The keyboard reaches the header and Enter turns the order around.
  await head.focus();
  await page.keyboard.press('Enter');
  await expect(head).toHaveAttribute('aria-sort', 'descending');
  expect(await order()).toEqual(['4', '1', '2', '3']);
  await expect(page.locator('#results thead th[data-sort="url"]')).toHaveAttribute('aria-sort', 'none');
});
