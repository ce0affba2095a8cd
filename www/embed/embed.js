// The embed's click-to-load facade: everything embed.html runs before Play.
//
// A tutorial page may hold several embeds a reader never starts, so until
// Play this loads no wasm and none of the picture's code — only this file
// and embed-config.js. It reads the fragment, says what Play will do (or
// what is wrong with the settings: never a blank frame) and, on Play or with
// `autoplay=1`, imports embed-app.js, which brings in the crawler.

import { parseFragment, crawlOptions, SCENE_NAMES } from './embed-config.js';

const $ = (id) => document.getElementById(id);

/** Where the embed's events go: the page around the iframe (a <crawl-scope> element listens there). */
export function tell(type, detail) {
  if (window.parent !== window) window.parent.postMessage({ crawlscope: 1, type, detail }, '*');
}

/** A message above the embed. Settings problems are listed, and the embed still works with the rest. */
export function say(lines) {
  const box = $('embed-message');
  const list = [].concat(lines).filter(Boolean);
  box.replaceChildren(...list.map((line) => {
    const p = document.createElement('p');
    p.textContent = line;
    return p;
  }));
  box.hidden = list.length === 0;
}

const SCENE_TITLES = {
  crawler: 'the crawler',
  bulk: 'bulk requests: one after another, all at once, bounded',
  spinner: 'the spinner: does the event loop ever block?',
  step: 'how a task steps: poll, Pending, wake, poll',
};

function summary(config) {
  if (config.trace) {
    return `Replay a recorded crawl${config.step ? ` from step ${config.step}` : ''}: ${config.trace}`;
  }
  const scene = config.scene && config.scene !== 'crawler' ? `Scene — ${SCENE_TITLES[config.scene]}. ` : '';
  const where = config.root
    ? config.root.join(' ')
    : `a generated ${config.pages ?? 30}-page site (${config.latency ?? 300} ms per answer${
      config.site === 'native' ? ', the local test site' : ', served inside your browser'})`;
  const { options } = crawlOptions(config, '');
  const tasks = options.maxTasks ?? 10;
  const pace = config.speed ? `, stepped ${config.speed === 'max' ? 'at full speed' : `at ${config.speed}×`}` : '';
  const paused = config.paused === '1' ? ', starting paused (Step polls one task at a time)' : '';
  return scene || `Crawl ${where} with ${tasks} task${tasks === 1 ? '' : 's'}${pace}${paused}.`;
}

let started = false;

async function play(config, notes) {
  if (started) return;
  started = true;
  $('play-embed').disabled = true;
  $('play-embed').textContent = 'Loading…';
  try {
    const app = await import('./embed-app.js');
    $('facade').hidden = true;
    $('app').hidden = false;
    await app.run(config, { say, tell, notes });
  } catch (e) {
    const message = `crawlscope could not start: ${e.message ?? e}`;
    say(message);
    tell('error', { message });
    $('play-embed').disabled = false;
    $('play-embed').textContent = '▶ Try again';
    $('facade').hidden = false;
    started = false;
  }
}

function main() {
  const { config, errors } = parseFragment(location.hash);
  const { notes } = crawlOptions(config, '');
  if (config.scene && !SCENE_NAMES.includes(config.scene)) config.scene = 'crawler';
  say(errors.map((e) => `Setting ignored: ${e}`));
  if (errors.length) tell('error', { message: errors.join('; '), errors });
  $('facade-summary').textContent = summary(config);
  $('play-embed').addEventListener('click', () => play(config, notes));
  if (config.autoplay === '1') play(config, notes);
  // Another fragment (an author editing the tag, or <crawl-scope> changing an attribute): start over.
  window.addEventListener('hashchange', () => location.reload());
}

main();
