// The embed's settings: one URL fragment an author writes into an iframe tag,
// e.g. `embed.html#site=virtual&pages=30&latency=300&maxTasks=3&autoplay=1`.
//
// Parsed here, before Play, with no wasm loaded: the facade must be able to
// say "maxTasks must be a whole number from 1 to 256, got `lots`" without
// downloading the crawler. The custom element (crawl-scope.js) and the full
// page's "Copy embed code" write fragments with `toFragment`, so the three
// agree on every key. Crawl options the engine validates again when the crawl
// starts; its message then names the option too.

/** Highest maxPages an autoplaying embed crawls: a reader did not ask for a big crawl. */
export const AUTOPLAY_MAX_PAGES = 200;

export const SCENE_NAMES = ['crawler', 'bulk', 'spinner', 'step'];
export const VIEWS = ['both', 'graph', 'lanes'];
export const SPEEDS = ['0.25', '0.5', '1', '2', '4', 'max'];

const int = (min, max) => ({ kind: 'int', min, max });
const oneOf = (values) => ({ kind: 'oneOf', values });

/**
 * Every key the fragment understands. `crawl: true` keys go to the engine as
 * crawl options under the same name.
 */
export const KEYS = {
  root: { kind: 'urls', help: 'start URL(s), space-separated' },
  site: { ...oneOf(['virtual', 'native']), help: 'virtual: the in-browser site; native: the test site of cargo xtask serve' },
  pages: { ...int(1, 5000), help: 'pages of the generated site' },
  latency: { ...int(0, 10000), help: 'ms the generated site takes per answer' },
  seed: { ...int(0, 1_000_000), help: 'which links the generated site draws' },
  maxTasks: { ...int(1, 256), crawl: true },
  maxPages: { ...int(0, 100000), crawl: true },
  maxTries: { ...int(1, 20), crawl: true },
  depthLimit: { ...int(0, 1000), crawl: true },
  delayMs: { ...int(0, 60000), crawl: true },
  perHostConcurrency: { ...int(1, 256), crawl: true },
  order: { ...oneOf(['bfs', 'dfs']), crawl: true },
  extract: { kind: 'json', crawl: true, help: 'named CSS selectors as JSON, e.g. {"title":"title","h1":"h1"}: each page\'s fields show in its node\'s detail' },
  autoplay: { ...oneOf(['0', '1']), help: '1: start as soon as the embed loads' },
  paused: { ...oneOf(['0', '1']), help: '1: start the crawl paused, so step 1 is the first poll of the first task' },
  speed: { ...oneOf(SPEEDS), help: 'step the crawl at this speed (5 polls a second at 1×) instead of running it freely' },
  view: { ...oneOf(VIEWS), help: 'which pictures to show' },
  scene: { ...oneOf(SCENE_NAMES), help: 'a lesson instead of the plain crawl' },
  trace: { kind: 'url', help: 'a recorded log to replay instead of crawling' },
  step: { ...int(0, 100_000_000), help: 'open the trace at this step' },
};

/** Attribute names of the custom element for each key: maxTasks → max-tasks. */
export const attributeName = (key) => key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
export const keyOfAttribute = (attr) => attr.replace(/-([a-z])/g, (_, c) => c.toUpperCase());

function checkValue(key, raw, baseUrl) {
  const spec = KEYS[key];
  const value = raw.trim();
  switch (spec.kind) {
    case 'int': {
      const n = /^\d+$/.test(value) ? Number(value) : NaN;
      if (!(n >= spec.min && n <= spec.max)) {
        return { error: `${key} must be a whole number from ${spec.min} to ${spec.max}, got \`${raw}\`` };
      }
      return { value: n };
    }
    case 'oneOf':
      if (!spec.values.includes(value)) return { error: `${key} must be one of ${spec.values.join(', ')}, got \`${raw}\`` };
      return { value };
    case 'json': {
      // The shape only; the engine checks each selector when the crawl starts, naming the field.
      let parsed;
      try { parsed = JSON.parse(value); } catch { parsed = undefined; }
      const named = parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed)
        && Object.values(parsed).every((v) => typeof v === 'string');
      if (!named) return { error: `${key} must be a JSON object of named selectors such as {"title":"title"}, got \`${raw}\`` };
      return { value: parsed };
    }
    case 'url':
    case 'urls': {
      const words = value.split(/\s+/).filter(Boolean);
      if (words.length === 0) return { error: `${key} is empty` };
      const urls = [];
      for (const word of words) {
        let url;
        try { url = new URL(word, baseUrl); } catch { return { error: `${key}: \`${word}\` is not a URL` }; }
        if (url.protocol !== 'http:' && url.protocol !== 'https:') {
          return { error: `${key}: \`${word}\` is not an http(s) URL` };
        }
        urls.push(url.href);
      }
      return { value: spec.kind === 'url' ? (words.length === 1 ? urls[0] : undefined) : urls,
        error: spec.kind === 'url' && words.length > 1 ? `${key} takes one URL` : undefined };
    }
    default:
      return { error: `${key}: unknown kind` };
  }
}

/**
 * Parse a fragment (`#a=1&b=2` or `a=1&b=2`). Returns `{ config, errors }`:
 * every bad or unknown key is an error naming it; the good ones still apply,
 * so the embed shows the message beside a working (default) playground rather
 * than a blank frame. `baseUrl` resolves relative `trace` and `root` URLs.
 */
export function parseFragment(hash, baseUrl = globalThis.location?.href) {
  const config = {};
  const errors = [];
  const params = new URLSearchParams(String(hash ?? '').replace(/^#/, ''));
  for (const [key, raw] of params) {
    if (!Object.hasOwn(KEYS, key)) {
      errors.push(`unknown setting \`${key}\` (known: ${Object.keys(KEYS).join(', ')})`);
      continue;
    }
    const { value, error } = checkValue(key, raw, baseUrl);
    if (error) errors.push(error);
    else config[key] = value;
  }
  if (config.root && config.site) errors.push('root and site both say where to crawl: give one of them');
  if (config.step !== undefined && !config.trace) errors.push('step needs a trace to open');
  if (config.trace && config.scene && config.scene !== 'crawler') errors.push('a trace replays the crawler scene only');
  return { config, errors };
}

/** The fragment for a config (keys in KEYS order, so the same settings give the same tag). */
export function toFragment(config) {
  const params = new URLSearchParams();
  for (const key of Object.keys(KEYS)) {
    const value = config[key];
    if (value === undefined || value === null || value === '') continue;
    let text = String(value);
    if (Array.isArray(value)) text = value.join(' ');
    else if (typeof value === 'object') text = JSON.stringify(value);
    params.set(key, text);
  }
  return params.toString();
}

/**
 * The engine options a config asks for, given the generated site's URL when
 * no root is set. Autoplay caps maxPages; `notes` says so.
 */
export function crawlOptions(config, siteRoot) {
  const options = { roots: config.root ?? [siteRoot] };
  for (const [key, spec] of Object.entries(KEYS)) {
    if (spec.crawl && config[key] !== undefined) options[key] = config[key];
  }
  const notes = [];
  if (config.autoplay === '1' && !(options.maxPages > 0 && options.maxPages <= AUTOPLAY_MAX_PAGES)) {
    options.maxPages = AUTOPLAY_MAX_PAGES;
    // Said only when it can matter: a generated site has its pages plus a few special URLs.
    const couldExceed = config.root || config.maxPages > AUTOPLAY_MAX_PAGES || (config.pages ?? 30) + 10 > AUTOPLAY_MAX_PAGES;
    if (couldExceed) notes.push(`autoplay crawls at most ${AUTOPLAY_MAX_PAGES} pages`);
  }
  return { options, notes };
}

/** The generated site's knobs as the path the native and the virtual site both route: `s/pages=30;latency=300;seed=1/`. */
export function siteVariant({ pages = 30, latency = 300, seed = 1 } = {}) {
  return `s/pages=${pages};latency=${latency};seed=${seed}/`;
}

/**
 * The iframe height each scene needs to show everything without scrolling
 * inside the frame, in px (checked at 720 px wide by tests/e2e/embed.spec.js).
 */
export const SCENE_HEIGHTS = { crawler: 640, bulk: 660, spinner: 620, step: 720 };

/** An iframe tag for a fragment, with the embed's absolute URL. Attribute values are escaped. */
export function iframeTag(embedUrl, fragment, { height = 520 } = {}) {
  const src = `${embedUrl}${fragment ? `#${fragment}` : ''}`;
  const attr = (s) => String(s).replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<iframe src="${attr(src)}" title="crawlscope: a web crawler's tasks on the event loop" `
    + `width="100%" height="${Number(height) || 520}" style="border:0" loading="lazy"></iframe>`;
}

/**
 * The native test site's URL, which `cargo xtask serve` announces in
 * config.json beside the page; null on a plain static host, which has none.
 */
export async function nativeSiteUrl() {
  try {
    const response = await fetch('config.json', { cache: 'no-store' });
    if (!response.ok) return null;
    const config = await response.json();
    return typeof config.siteUrl === 'string' ? config.siteUrl : null;
  } catch {
    return null; // no config: a static host
  }
}
