// One browser engine over W3C WebDriver, for the cross-browser scenarios.
//
// ENGINE picks chromium (ChromeDriver), firefox (geckodriver) or webkit
// (WebKitWebDriver + MiniBrowser, which needs an X display: DISPLAY). The
// driver is started here on a free port and stopped by its PID; selenium
// only talks to it (`usingServer`-style), so Selenium Manager never runs
// and nothing is downloaded. Driver paths come from the environment that
// `cargo xtask test` sets, with Debian's paths as defaults.
const { spawn } = require('node:child_process');
const net = require('node:net');
const { WebDriver, Capabilities } = require('selenium-webdriver');
const { Executor, HttpClient } = require('selenium-webdriver/http');

const ENGINE = process.env.ENGINE ?? 'chromium';

const CHROMIUM_ARGS = [
  '--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage',
  '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync', '--disable-quic',
];
const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';

/** Per engine: its driver, the flag giving the driver its port, and the session's capabilities. */
const ENGINES = {
  chromium: {
    driver: process.env.CHROMEDRIVER ?? '/usr/bin/chromedriver',
    port: (p) => [`--port=${p}`],
    capabilities: { browserName: 'chrome', 'goog:chromeOptions': { binary: '/usr/bin/chromium', args: CHROMIUM_ARGS } },
  },
  firefox: {
    driver: process.env.GECKODRIVER ?? 'geckodriver',
    port: (p) => ['--port', String(p)],
    capabilities: {
      browserName: 'firefox',
      'moz:firefoxOptions': { binary: process.env.FIREFOX ?? '/usr/bin/firefox-esr', args: ['-headless'] },
    },
  },
  webkit: {
    driver: process.env.WEBKITDRIVER ?? '/usr/bin/WebKitWebDriver',
    port: (p) => [`--port=${p}`],
    // MiniBrowser has no headless mode: it draws on DISPLAY (Xvfb in CI).
    capabilities: {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: process.env.MINIBROWSER ?? MINIBROWSER, args: ['--automation'] },
    },
  },
};

/** Without a display MiniBrowser never comes up and session creation hangs: never wait longer than this. */
const SESSION_TIMEOUT_MS = 30_000;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** Waits until the driver answers /status (it takes a moment to bind its port). */
async function driverReady(url, child) {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`the ${ENGINE} driver exited with ${child.exitCode}`);
    try {
      const response = await fetch(`${url}/status`);
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`the ${ENGINE} driver did not answer ${url}/status within 15 s`);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took over ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Starts the engine's driver and a browser session. Resolves to
 * { driver, name, version, quit }; `quit` ends the session and stops the
 * driver by its PID, whatever state they are in.
 */
async function openBrowser() {
  const engine = ENGINES[ENGINE];
  if (!engine) throw new Error(`ENGINE=${ENGINE}: expected one of ${Object.keys(ENGINES).join(', ')}`);
  if (ENGINE === 'webkit' && !process.env.DISPLAY) {
    throw new Error('ENGINE=webkit needs an X display (MiniBrowser has no headless mode): run under Xvfb');
  }
  const port = await freePort();
  const child = spawn(engine.driver, engine.port(port), { stdio: ['ignore', 'ignore', 'inherit'] });
  const stopDriver = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
  };
  process.once('exit', stopDriver);
  const url = `http://127.0.0.1:${port}`;
  let driver;
  try {
    await new Promise((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e) => reject(new Error(`cannot start ${engine.driver}: ${e.message}`)));
    });
    await driverReady(url, child);
    const executor = new Executor(new HttpClient(url));
    driver = await withTimeout(
      WebDriver.createSession(executor, new Capabilities(engine.capabilities)),
      SESSION_TIMEOUT_MS,
      `starting a ${ENGINE} session`,
    );
  } catch (error) {
    stopDriver();
    throw error;
  }
  const caps = await driver.getCapabilities();
  const name = caps.get('browserName');
  const version = caps.get('browserVersion');
  // The log names the engine and its version, once per test file.
  console.log(`# engine ${ENGINE}: ${name} ${version}`);
  await driver.manage().setTimeouts({ script: 30_000 });
  await driver.manage().window().setRect({ width: 1280, height: 900 }).catch(() => {});
  return {
    driver,
    name,
    version,
    quit: async () => {
      await withTimeout(driver.quit(), 15_000, 'ending the session').catch(() => {});
      stopDriver();
    },
  };
}

module.exports = { ENGINE, openBrowser };
