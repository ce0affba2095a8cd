// Shared by the end-to-end specs: the servers xtask started, the test site's
// oracle and counters, and a page opened and ready.
const { test, expect } = require('@playwright/test');

const PLAYGROUND_URL = process.env.PLAYGROUND_URL;
const SITE_URL = process.env.SITE_URL; // with a trailing slash
if (!PLAYGROUND_URL || !SITE_URL) {
  throw new Error('PLAYGROUND_URL and SITE_URL are unset: run these tests with `cargo xtask test`');
}

/** Absolute URL of a site variant, e.g. variant('pages=25;latency=5'). */
const variant = (knobs) => `${SITE_URL}s/${knobs}/`;

/** The pages a crawl of the variant must report, from the test site itself. */
async function expectedPages(knobs) {
  const base = encodeURIComponent(`/s/${knobs}/`);
  const response = await fetch(`${SITE_URL}__expected?base=${base}`);
  expect(response.ok).toBe(true);
  return response.json();
}

/** The test site's request counters: requests being answered, and answered so far. */
async function siteStats() {
  const response = await fetch(`${SITE_URL}__stats`);
  return response.json();
}

/** The results table as plain data, one entry per row. */
function rows(page) {
  return page.locator('#results tbody tr').evaluateAll((trs) =>
    trs.map((tr) => {
      const cell = (name) => (tr.querySelector(`.c-${name}`)?.textContent ?? '').trim();
      return {
        url: tr.dataset.url, status: cell('status'), type: cell('type'), encoding: cell('enc'), links: cell('links'),
        outcome: cell('outcome'),
      };
    }),
  );
}

/** Click a control that downloads a file; its suggested name, its path on disk and its text. */
async function download(page, selector) {
  const [file] = await Promise.all([page.waitForEvent('download'), page.locator(selector).click()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), path, text: require('node:fs').readFileSync(path, 'utf8') };
}

async function counter(page, name) {
  return Number((await page.locator(`#count-${name}`).textContent()).trim());
}

/**
 * Every test opens the playground fresh and fails on any uncaught page error
 * (an exception or a wasm panic), even if its own assertions hold.
 */
function openPlaygroundForEachTest() {
  let pageErrors;
  test.beforeEach(async ({ page }) => {
    pageErrors = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));
    await page.goto(PLAYGROUND_URL);
    await page.waitForFunction(() => window.crawlscope !== undefined);
    // The root field starts at the site from config.json; waiting for it also
    // keeps that late default from overwriting what a test types.
    await expect(page.locator('#root')).toHaveValue(SITE_URL);
    await expect(page.locator('#crawl-state')).toHaveText('idle');
  });
  test.afterEach(async () => {
    expect(pageErrors).toEqual([]);
  });
}

/** A small RFC 4180 reader (quoted cells may hold commas and line feeds): enough to check CSV downloads. */
function parseCsv(text) {
  const out = [[]];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 1; } else if (c === '"') quoted = false; else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { out.at(-1).push(field); field = ''; }
    else if (c === '\n') { out.at(-1).push(field); field = ''; out.push([]); }
    else if (c !== '\r') field += c;
  }
  if (field || out.at(-1).length) out.at(-1).push(field); else out.pop();
  return out;
}

module.exports = {
  PLAYGROUND_URL, SITE_URL, variant, expectedPages, siteStats, rows, counter, download, parseCsv,
  openPlaygroundForEachTest,
};
