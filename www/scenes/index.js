// Scenes: the seeds' lessons, each a small self-contained view that a page
// (or an embed) mounts into a container element. Every scene drives real
// crawls through the JS API (`window.crawlscope`) against a site the host
// page chooses, so the figures it shows are measured, not illustrated.
//
//   const scene = await mountScene('bulk', element, ctx);
//   await scene.start();   // run it (what "run" means is up to the scene)
//   scene.stop();          // stop the crawl in progress, keep what was shown
//   scene.destroy();       // stop, and remove the scene and its listeners
//
// `ctx` = {
//   api,               // window.crawlscope
//   siteRoot(knobs),   // base URL of a site variant, e.g. siteRoot({ pages: 100, latency: 300 })
//   siteLabel,         // what to call that site in the text ('' for nothing)
//   onStep(detail),    // optional: told after every step (the step scene)
//   onDone(detail),    // optional: told after every finished run
//   params,            // optional: initial control values, e.g. { latency: 20, bound: 4, blocking: true }
// }

/** The scenes, in the order a page lists them. Plain data: safe to serialise. */
export const SCENES = {
  crawler: {
    title: 'The crawler',
    description: 'The whole crawl: a node per URL, a lane per worker task, every poll and wake in the log.',
  },
  bulk: {
    title: '100 requests, three ways',
    description: 'The same 100 GETs one after another, all at once, and with a bound: measured against the ideal.',
  },
  spinner: {
    title: 'The spinner',
    description: 'A spinner drawn by the page\'s one thread keeps turning while a 2 MiB page is parsed — unless parsing never yields.',
  },
  step: {
    title: 'How a task steps',
    description: 'One worker task, poll by poll: Pending at an await point, woken by the network, polled again.',
  },
};

/**
 * The modules behind the scenes. Literal specifiers, so bundlers and the
 * size check can follow them; loaded only when a scene is mounted.
 */
const MODULES = {
  bulk: () => import('./bulk.js'),
  spinner: () => import('./spinner.js'),
  step: () => import('./step.js'),
};

/** Resolves once the scenes' stylesheet is in the document (linked once, by whoever comes first). */
function ensureStyles(doc) {
  const href = new URL('./scenes.css', import.meta.url).href;
  const existing = [...doc.querySelectorAll('link[rel="stylesheet"]')].find((l) => l.href === href);
  if (existing) {
    // Already linked by the page: `sheet` is set once it has loaded.
    if (existing.sheet) return Promise.resolve();
    return new Promise((resolve) => {
      existing.addEventListener('load', resolve, { once: true });
      existing.addEventListener('error', resolve, { once: true });
    });
  }
  const link = doc.createElement('link');
  link.rel = 'stylesheet';
  link.href = href;
  // A missing stylesheet leaves the scene unstyled but working: resolve on error too.
  const loaded = new Promise((resolve) => {
    link.addEventListener('load', resolve, { once: true });
    link.addEventListener('error', resolve, { once: true });
  });
  doc.head.append(link);
  return loaded;
}

/**
 * Mount scene `name` into `container`. Returns `{ start, stop, destroy }`, or
 * null for `crawler`, which is the page's own picture (nothing to mount).
 * Throws an Error listing the known names for an unknown one.
 */
export async function mountScene(name, container, ctx = {}) {
  if (typeof name !== 'string' || !Object.hasOwn(SCENES, name)) {
    throw new Error(`mountScene: unknown scene ${JSON.stringify(String(name))} (known: ${Object.keys(SCENES).join(', ')})`);
  }
  if (name === 'crawler') return null;
  if (!(container instanceof Element)) throw new TypeError('mountScene: container must be a DOM element');
  if (!ctx.api || typeof ctx.api.start !== 'function') {
    throw new TypeError('mountScene: ctx.api must be the crawlscope API (window.crawlscope)');
  }
  if (typeof ctx.siteRoot !== 'function') {
    throw new TypeError('mountScene: ctx.siteRoot(knobs) must return a site base URL');
  }
  const [module] = await Promise.all([MODULES[name](), ensureStyles(container.ownerDocument)]);
  const scene = module.mount(container, {
    api: ctx.api,
    siteRoot: ctx.siteRoot,
    siteLabel: typeof ctx.siteLabel === 'string' ? ctx.siteLabel : '',
    // The host's callbacks must not break a scene: their errors are reported, not thrown into it.
    onStep: guard(ctx.onStep, 'onStep'),
    onDone: guard(ctx.onDone, 'onDone'),
    params: ctx.params && typeof ctx.params === 'object' ? ctx.params : {},
  });
  return { start: () => scene.start(), stop: () => scene.stop(), destroy: () => scene.destroy() };
}

/** A host callback, or nothing; an exception in it goes to the console. */
function guard(callback, label) {
  if (typeof callback !== 'function') return () => {};
  return (detail) => {
    try {
      callback(detail);
    } catch (e) {
      console.error(`scene ${label} callback failed:`, e);
    }
  };
}
