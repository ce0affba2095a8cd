// Playwright drives Debian's Chromium (no browser download: the machines
// reach only package registries). `cargo xtask test` starts the servers and
// passes their URLs in PLAYGROUND_URL and SITE_URL, so there is no webServer.
const { defineConfig } = require('@playwright/test');

module.exports = defineConfig({
  testDir: '.',
  testMatch: '*.spec.js',
  // One worker: the machines have two cores, and the tests read the test
  // site's shared request counters.
  workers: 1,
  retries: 0,
  forbidOnly: !!process.env.CI,
  timeout: 60_000,
  expect: { timeout: 15_000 },
  // Screenshots and failure traces; xtask reads the JSON report to count tests.
  outputDir: '../../artifacts/e2e',
  reporter: [['list'], ['json', { outputFile: '../../artifacts/e2e-report.json' }]],
  use: {
    baseURL: process.env.PLAYGROUND_URL,
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
  },
  projects: [
    {
      name: 'chromium',
      use: {
        browserName: 'chromium',
        launchOptions: {
          executablePath: '/usr/bin/chromium',
          args: [
            '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
            '--disable-background-networking', '--disable-component-update',
            '--no-first-run', '--disable-sync', '--disable-quic',
          ],
        },
      },
    },
  ],
});
