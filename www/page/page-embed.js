// The full page's links to the embed: "Copy embed code" for the current
// settings, and the scene selector (the same scenes embed.html#scene= shows).

import { KEYS, toFragment, iframeTag, siteVariant, SCENE_HEIGHTS } from '../embed/embed-config.js';
import { readForm } from './options.js';
import { mountScene } from '../scenes/index.js';

const $ = (id) => document.getElementById(id);

/** `…/s/pages=30;latency=300;seed=1/` at the end of a generated site's root, as knobs. */
function siteKnobs(root, base) {
  if (!base || !root.startsWith(base)) return null;
  const match = /^s\/pages=(\d+);latency=(\d+);seed=(\d+)\/$/.exec(root.slice(base.length));
  if (match) return { pages: Number(match[1]), latency: Number(match[2]), seed: Number(match[3]) };
  return root === base ? {} : null;
}

/**
 * The embed settings the page's form describes. A root on the in-browser or
 * the local test site becomes `site=` with its knobs (an embed elsewhere
 * finds its own copy of the site); any other root is passed as it is.
 */
export function embedConfig(api, nativeSite) {
  const options = readForm();
  const config = {};
  for (const [key, spec] of Object.entries(KEYS)) {
    if (spec.crawl && options[key] !== undefined) config[key] = options[key];
  }
  const roots = options.roots ?? [];
  const virtual = roots.length === 1 ? siteKnobs(roots[0], `${api.virtualSite.origin}/`) : null;
  const native = roots.length === 1 && !virtual ? siteKnobs(roots[0], nativeSite) : null;
  if (virtual) Object.assign(config, { site: 'virtual' }, virtual);
  else if (native) Object.assign(config, { site: 'native' }, native);
  else if (roots.length) config.root = roots;
  const scene = $('scene-select').value;
  if (scene !== 'crawler') config.scene = scene;
  // How the reader steps: the speed Play uses, and whether the crawl starts paused.
  const speed = $('speed')?.value;
  if (speed && speed !== '1') config.speed = speed;
  const current = api.current;
  if (scene === 'crawler' && current?.kind === 'crawl' && !current.finished && current.paused) config.paused = '1';
  return config;
}

export function wireCopyEmbed(api, nativeSite) {
  const status = $('copy-embed-status');
  $('copy-embed').addEventListener('click', async () => {
    const config = embedConfig(api, nativeSite);
    const height = SCENE_HEIGHTS[config.scene ?? 'crawler'];
    const tag = iframeTag(new URL('embed.html', document.baseURI).href, toFragment(config), { height });
    const box = $('embed-code');
    box.value = tag;
    box.hidden = false;
    try {
      await navigator.clipboard.writeText(tag);
      status.textContent = 'Copied.';
    } catch {
      // No clipboard (an insecure context, or permission refused): the tag is selected for Ctrl+C.
      box.select();
      status.textContent = 'Select and copy the tag below.';
    }
  });
}

/** The scene selector: the crawler is the page itself; other scenes mount above the picture. */
export function wireScenes(api, siteBase) {
  let current = null;
  const select = $('scene-select');
  select.addEventListener('change', async () => {
    current?.destroy();
    current = null;
    $('scene').replaceChildren();
    const name = select.value;
    document.body.dataset.scene = name;
    if (name === 'crawler') return;
    try {
      const { base, label } = await siteBase();
      current = await mountScene(name, $('scene'), {
        api,
        siteRoot: (knobs) => `${base}${siteVariant(knobs)}`,
        siteLabel: label,
        onStep: () => {},
        onDone: () => {},
      });
    } catch (e) {
      const p = document.createElement('p');
      p.className = 'field-error';
      p.textContent = `The scene cannot start: ${e.message ?? e}`;
      $('scene').replaceChildren(p);
    }
  });
}
