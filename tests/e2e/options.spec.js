// The Options form, the report's new data in the page, export and loading a
// saved report: every crawl option is reachable from the page, a bad one is
// blamed on its field, and a report leaves and re-enters the page intact.
const { test, expect } = require('@playwright/test');
const { SITE_URL, variant, siteStats, rows, counter, download, parseCsv, openPlaygroundForEachTest } = require('./helpers');

openPlaygroundForEachTest();

const done = (page) => expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 30_000 });
const skipCount = async (page, reason) =>
  Number(await page.locator(`#skips [data-reason="${reason}"] strong`).textContent());

test('options_from_the_form_reach_the_crawl', async ({ page }) => {
  await page.locator('#root').fill(variant('pages=30;latency=0'));
  await page.locator('#more-options summary').click();
  await page.locator('#opt-maxPages').fill('5');
  await page.locator('#opt-depthLimit').fill('1');
  await page.locator('#opt-exclude').fill('old-');
  await expect(page.locator('#options-set')).toHaveText('3 set');
  await page.locator('#crawl').click();
  await done(page);

  // Only what was set is sent: every other option keeps the engine's default.
  const sent = await page.evaluate(() => window.crawlscope.current.options);
  expect(sent).toEqual({ roots: [variant('pages=30;latency=0')], maxTasks: 10, maxPages: 5, depthLimit: 1, exclude: 'old-' });

  const found = await rows(page);
  expect(found.length).toBeGreaterThan(1);
  expect(found.length).toBeLessThanOrEqual(5); // maxPages counts enqueued URLs; redirects only merge rows
  expect(found.filter((r) => r.url.includes('old-'))).toEqual([]);
  const report = await page.evaluate(() => window.crawlscope.current.report());
  expect(Math.max(...report.pages.map((p) => p.depth))).toBe(1);
  expect((await counter(page, 'done')) + (await counter(page, 'httperror')) + (await counter(page, 'failed'))).toBe(found.length);

  await expect(page.locator('#end-reason')).toHaveText('ended: maxPages budget reached');
  expect(await skipCount(page, 'exclude')).toBe(2); // old-a and old-b, linked from the root
  expect(await skipCount(page, 'budget')).toBeGreaterThan(0);
  expect(await skipCount(page, 'depth')).toBeGreaterThan(0);
  expect(await skipCount(page, 'nonHttp')).toBeGreaterThan(0); // mailto: and javascript:
  await expect(page.locator('#fetch-note')).toContainText('TypeError');
  await expect(page.locator('#error-banner')).toBeHidden();
});

test('several_roots_separated_by_white_space_are_all_crawled', async ({ page }) => {
  const a = variant('pages=3;latency=0');
  const b = variant('pages=4;latency=0');
  await page.locator('#root').fill(`${a}\n  ${b} `);
  await page.locator('#crawl').click();
  await done(page);
  const sent = await page.evaluate(() => window.crawlscope.current.options.roots);
  expect(sent).toEqual([a, b]);
  const urls = (await rows(page)).map((r) => r.url);
  expect(urls).toContain(a);
  expect(urls).toContain(b);

  // A line splits at spaces only when every word looks like a URL: a stray space is an error, not three hosts.
  const parsed = await page.evaluate(async () => {
    const { parseRoots } = await import('./www/page/options.js');
    return ['not a url', 'a.example b.example\n\nlocalhost:8080/', 'example.com /path'].map(parseRoots);
  });
  expect(parsed).toEqual([['not a url'], ['a.example', 'b.example', 'localhost:8080/'], ['example.com /path']]);
});

test('a_bad_option_is_shown_next_to_its_field', async ({ page }) => {
  await page.locator('#root').fill(variant('pages=3;latency=0'));
  await page.locator('#more-options summary').click();
  await page.locator('#opt-exclude').fill('(');
  await page.locator('#crawl').click();
  await expect(page.locator('#opt-exclude-error')).toContainText('exclude');
  await expect(page.locator('#opt-exclude')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.locator('#results tbody tr')).toHaveCount(0);
  await expect(page.locator('#crawl-state')).toHaveText('idle');

  // A number field passes on what was typed, and the engine's message quotes it.
  await page.locator('#opt-exclude').fill('');
  await page.locator('#opt-maxTries').fill('lots');
  await page.locator('#crawl').click();
  await expect(page.locator('#opt-exclude-error')).toBeHidden();
  await expect(page.locator('#opt-maxTries-error')).toContainText('maxTries');
  await expect(page.locator('#opt-maxTries-error')).toContainText('lots');

  // A bad second root is blamed on the root box, by its index.
  await page.locator('#opt-maxTries').fill('');
  await page.locator('#root').fill(`${variant('pages=3;latency=0')} ftp://example.com/`);
  await page.locator('#crawl').click();
  await expect(page.locator('#root-error')).toContainText('roots[1]');
  await expect(page.locator('#opt-maxTries-error')).toBeHidden();
  await expect(page.locator('#error-banner')).toBeHidden();

  // Fixed, it crawls.
  await page.locator('#root').fill(variant('pages=3;latency=0'));
  await page.locator('#crawl').click();
  await done(page);
  await expect(page.locator('#root-error')).toBeHidden();
});

test('the_report_downloads_as_json_csv_and_text', async ({ page }) => {
  const root = variant('pages=10;latency=0');
  await page.locator('#root').fill(root);
  await page.locator('#crawl').click();
  await done(page);
  const shown = await rows(page);

  const json = await download(page, '#export-json');
  expect(json.name).toMatch(/^crawlscope-report-.*\.json$/);
  const report = JSON.parse(json.text);
  expect(report.version).toBe(1);
  expect(report.pages.map((p) => p.url).sort()).toEqual(shown.map((r) => r.url).sort());

  const csv = await download(page, '#export-csv');
  expect(csv.name).toMatch(/^crawlscope-report-.*\.csv$/);
  const table = parseCsv(csv.text.replace(/^\uFEFF/, ''));
  expect(table[0]).toEqual(['url', 'aliases', 'status', 'contentType', 'encoding', 'size', 'truncated', 'links',
    'newLinks', 'depth', 'parent', 'tries', 'outcome', 'error']);
  expect(table.length - 1).toBe(shown.length);
  const rootRow = table.find((r) => r[0] === root);
  const rootPage = report.pages.find((p) => p.url === root);
  expect(rootRow).toEqual([root, '', '200', rootPage.contentType, 'UTF-8', String(rootPage.size), 'false',
    String(rootPage.links.length), String(rootPage.newLinks), '0', '', '1', 'done', '']);
  const redirected = report.pages.find((p) => p.aliases.length > 1);
  expect(table.find((r) => r[0] === redirected.url)[1]).toBe(redirected.aliases.join(' '));

  // Quoting and the spreadsheet formula guard, on the exporter itself.
  const fields = await page.evaluate(async () => {
    const { csvField } = await import('./www/api/export.js');
    return ['=HYPERLINK("x")', '+1', '-1', '@SUM(A1)', 'a,b', 'say "hi"', 'two\nlines', 'plain'].map(csvField);
  });
  expect(fields).toEqual([`"'=HYPERLINK(""x"")"`, "'+1", "'-1", "'@SUM(A1)", '"a,b"', '"say ""hi"""', '"two\nlines"',
    'plain']);

  const text = await download(page, '#export-text');
  expect(text.name).toMatch(/^crawlscope-report-.*\.txt$/);
  expect(text.text).toMatch(/^Finished \d+ urls in /m);
  expect(text.text).toContain(`${root} 200 `);
});

test('a_saved_report_is_shown_again_without_crawling', async ({ page }) => {
  await page.locator('#root').fill(variant('pages=10;latency=0'));
  await page.locator('#crawl').click();
  await done(page);
  const shown = await rows(page);
  const skips = await page.locator('#skips').textContent();
  const saved = await download(page, '#export-json');

  await page.reload();
  await page.waitForFunction(() => window.crawlscope !== undefined);
  await expect(page.locator('#crawl-state')).toHaveText('idle');
  const served = (await siteStats()).served;

  await page.locator('#load-report').setInputFiles(saved.path);
  await expect(page.locator('#crawl-state')).toHaveText('report');
  const byUrl = (a, b) => a.url.localeCompare(b.url);
  expect((await rows(page)).sort(byUrl)).toEqual(shown.sort(byUrl)); // a report lists pages by URL
  await expect(page.locator('#skips')).toHaveText(skips);
  await expect(page.locator('#end-reason')).toHaveText(/ended: complete/);
  await expect(page.locator('#report-error')).toBeHidden();
  // The report round-trips: exported again, it is the same report.
  expect(JSON.parse((await download(page, '#export-json')).text)).toEqual(JSON.parse(saved.text));
  expect((await siteStats()).served).toBe(served);

  // Bad files: a message next to the control, the page as it was, no banner.
  for (const [name, body, says] of [
    ['notjson.json', 'this is not json', 'not JSON'],
    ['v2.json', '{"version":2,"pages":[]}', 'version 2'],
    ['nopages.json', '{"version":1}', 'pages'],
    ['array.json', '[1,2]', 'not a crawlscope report'],
  ]) {
    await page.locator('#load-report').setInputFiles({ name, mimeType: 'application/json', buffer: Buffer.from(body) });
    await expect(page.locator('#report-error')).toContainText(name);
    await expect(page.locator('#report-error')).toContainText(says);
    await expect(page.locator('#results tbody tr')).toHaveCount(shown.length);
  }
  await expect(page.locator('#error-banner')).toBeHidden();
  expect((await siteStats()).served).toBe(served);
});

test('a_loaded_report_reaches_the_page_as_text_only', async ({ page }) => {
  const hostile = {
    version: 1,
    pages: [
      { url: 'javascript:alert(1)', outcome: 'done', error: '<img src=x onerror="window.pwned=1">' },
      { url: 'https://example.com/<b>x</b>', aliases: ['data:text/html,<script>window.pwned=1</script>'],
        outcome: '<i>done</i>', contentType: '<svg onload="window.pwned=1">', links: 'not an array' },
    ],
    skips: { '<img src=x onerror="window.pwned=1">': 3, constructor: 1, toString: 2 },
    endReason: '<b>stopped</b>',
  };
  const shown = await page.evaluate((r) => window.crawlscope.showReport(r).pages.length, hostile);
  expect(shown).toBe(2);
  await expect(page.locator('#crawl-state')).toHaveText('report');
  await expect(page.locator('#results tbody tr')).toHaveCount(2);
  await expect(page.locator('#results img, #results svg, #results b, #results i, #results script, #skips img')).toHaveCount(0);
  await expect(page.locator('#results tbody tr').first()).toContainText('<img src=x onerror="window.pwned=1">');
  // Only http(s) URLs become links.
  const hrefs = await page.locator('#results a').evaluateAll((as) => as.map((a) => a.href));
  expect(hrefs).toEqual(['https://example.com/%3Cb%3Ex%3C/b%3E']);
  await expect(page.locator('#end-reason')).toHaveText('ended: <b>stopped</b>');
  await expect(page.locator('#skips [data-reason="constructor"]')).toHaveText('1 constructor');
  expect(await page.evaluate(() => window.pwned)).toBeUndefined();

  const rejected = await page.evaluate(() => {
    try { window.crawlscope.showReport({ version: 1, pages: [{ status: 200 }] }); return null; } catch (e) { return e.message; }
  });
  expect(rejected).toBe('showReport: pages[0] has no url');
});

test('a_crawl_of_the_hard_cases_ends_with_every_case_recorded', async ({ page }) => {
  // The hard cases under a variant: robots.txt's `Disallow: /*/private/` must match across segments.
  const base = `${SITE_URL}s/latency=0/`;
  const root = `${base}special/`;
  await page.locator('#root').fill(root);
  await page.locator('#more-options summary').click();
  await page.locator('#opt-depthLimit').fill('1');
  await page.locator('#opt-maxTries').fill('2');
  await page.locator('#opt-backoffMs').fill('50');
  await page.locator('#opt-robots').selectOption('true');
  await page.locator('#crawl').click();
  await expect(page.locator('#crawl-state')).toHaveText('done', { timeout: 45_000 });

  const found = await rows(page);
  const row = (path) => found.find((r) => r.url === `${base}${path}`);
  expect(row('charset/latin1')?.encoding).toBe('windows-1252');
  expect(row('binary')?.outcome).toBe('done');
  expect(row('drop')?.outcome).toBe('failed');
  expect(row('private/secret')?.outcome).toBe('skipped (robots.txt)');
  expect(row('private/open')?.outcome).toBe('done');
  expect(await skipCount(page, 'robots')).toBe(1);
  expect(await skipCount(page, 'depth')).toBeGreaterThan(0); // the endless calendar stops at depthLimit
  await expect(page.locator(`#results tr[data-url="${base}drop"] .error`)).toContainText('TypeError');
  await expect(page.locator('#end-reason')).toHaveText(/ended: complete/);
  await expect(page.locator('#error-banner')).toBeHidden();
});
