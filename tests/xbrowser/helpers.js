// Shared by the cross-browser scenarios: the servers `cargo xtask test`
// started (PLAYGROUND_URL, SITE_URL), the test site's oracle and counters,
// and small WebDriver helpers that read the page by its stable element ids.
const assert = require('node:assert/strict');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { By } = require('selenium-webdriver');
const { ENGINE } = require('./engine');

const PLAYGROUND_URL = process.env.PLAYGROUND_URL;
const SITE_URL = process.env.SITE_URL; // with a trailing slash
if (!PLAYGROUND_URL || !SITE_URL) {
  throw new Error('PLAYGROUND_URL and SITE_URL are unset: run these tests with `cargo xtask test`');
}
const ARTIFACTS = path.resolve(__dirname, '../../artifacts/xbrowser');

/** Absolute URL of a site variant, e.g. variant('pages=25;latency=5'). */
const variant = (knobs) => `${SITE_URL}s/${knobs}/`;

/** The pages a crawl of the variant must report, from the test site itself. */
async function expectedPages(knobs) {
  const response = await fetch(`${SITE_URL}__expected?base=${encodeURIComponent(`/s/${knobs}/`)}`);
  assert.ok(response.ok);
  return response.json();
}

/** The test site's request counters: requests being answered, and answered so far. */
async function siteStats() {
  return (await fetch(`${SITE_URL}__stats`)).json();
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `read` until `ok(value)`; fails naming `what` and the last value seen. */
async function until(read, ok, what, timeout = 15_000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await read();
    if (ok(last)) return last;
    if (Date.now() > deadline) assert.fail(`${what}: still ${JSON.stringify(last)} after ${timeout / 1000} s`);
    await sleep(100);
  }
}

const js = (driver, script, ...args) => driver.executeScript(script, ...args);

/** An element's trimmed text as the reader sees it ('' when it is missing). */
const text = (driver, id) => js(driver, 'return (document.getElementById(arguments[0])?.textContent ?? "").trim()', id);

/** Whether an element is shown as Playwright means it: present, with a non-empty box, not visibility:hidden. */
const shown = (driver, id) => js(driver, `const e = document.getElementById(arguments[0]);
  if (!e) return false;
  const box = e.getBoundingClientRect();
  return box.width > 0 && box.height > 0 && getComputedStyle(e).visibility !== 'hidden';`, id);

/** Waits for #crawl-state to read `state`. */
const state = (driver, want, timeout = 30_000) =>
  until(() => text(driver, 'crawl-state'), (s) => s === want, `#crawl-state waiting for "${want}"`, timeout);

/** Replaces a field's value by typing, as a reader would. */
async function fill(driver, id, value) {
  const field = await driver.findElement(By.id(id));
  await field.clear();
  if (value !== '') await field.sendKeys(value);
}

const click = async (driver, id) => (await driver.findElement(By.id(id))).click();

/** Gives a file input a file with `body`, through the driver's own upload (as a reader picking a file). */
async function chooseFile(driver, id, name, body) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'xbrowser-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, body);
  await (await driver.findElement(By.id(id))).sendKeys(file);
}

/** The results table as plain data, one entry per row. */
const rows = (driver) => js(driver, `return [...document.querySelectorAll('#results tbody tr')].map((tr) => {
  const cell = (name) => (tr.querySelector('.c-' + name)?.textContent ?? '').trim();
  return { url: tr.dataset.url, status: cell('status'), outcome: cell('outcome') };
});`);

const counter = async (driver, name) => Number(await text(driver, `count-${name}`));

/** Opens the playground fresh and waits until it is ready for a crawl. */
async function openPlayground(driver) {
  await driver.get(PLAYGROUND_URL);
  await until(() => js(driver, 'return window.crawlscope !== undefined'), Boolean, 'window.crawlscope');
  // The root field starts at the site from config.json; waiting for it also
  // keeps that late default from overwriting what a test types.
  await until(() => js(driver, 'return document.getElementById("root").value'), (v) => v === SITE_URL, '#root default');
  await state(driver, 'idle');
}

/** No uncaught error reached the page's banner (WebDriver classic has no page-error event). */
async function noErrorBanner(driver) {
  assert.equal(await shown(driver, 'error-banner'), false, `error banner: ${await text(driver, 'error-banner')}`);
}

/** Saves a screenshot under artifacts/xbrowser/<engine>-<name>.png. */
async function screenshot(driver, name) {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  fs.writeFileSync(path.join(ARTIFACTS, `${ENGINE}-${name}.png`), await driver.takeScreenshot(), 'base64');
}

module.exports = {
  ENGINE, PLAYGROUND_URL, SITE_URL, variant, expectedPages, siteStats, sleep, until, js, text, shown, state, fill,
  click, chooseFile, rows, counter, openPlayground, noErrorBanner, screenshot,
};
