// The embed after Play: the crawler (wasm), the picture and the step
// controls, driven by the settings the facade parsed from the fragment.
//
// Imported only when the reader presses Play (or with autoplay=1), so the
// wasm and everything below stay off the wire until then.

import { load } from '../api/crawlscope.js';
import { Picture } from '../picture/picture.js';
import { Controls, describePoll } from '../stepping/stepping.js';
import { setText } from '../dom.js';
import { crawlOptions, siteVariant, nativeSiteUrl } from './embed-config.js';
import { mountScene } from '../scenes/index.js';

const $ = (id) => document.getElementById(id);

/** What the three counters the bar shows come from. */
const COUNTERS = { done: 'count-done', failed: 'count-failed', queued: 'count-queued', inFlight: 'count-inflight' };

/**
 * Where the generated site lives: inside this browser (a service worker
 * answers https://site.crawlscope.test/), or the local test site that
 * `cargo xtask serve` announces in config.json.
 */
async function siteBase(api, config) {
  if (config.site === 'native') {
    const url = await nativeSiteUrl();
    if (url === null) {
      throw new Error('site=native needs the test site of `cargo xtask serve`, and this host has none: use site=virtual');
    }
    return { base: url, label: '' };
  }
  await api.virtualSite.ready();
  return { base: `${api.virtualSite.origin}/`, label: api.virtualSite.label };
}

function setState(state) {
  setText($('crawl-state'), state);
  document.body.dataset.state = state;
}

/**
 * The bar's counters from the picture's model (folded from the log as it
 * arrives, like the full page's), never from a whole-crawl Report. `source`
 * is the model, or a Report for a replay's end state.
 */
function renderCounters(model, pausedMs = 0) {
  const counts = { done: model.counts.done, failed: model.counts.failed, queued: model.queueLen,
    inFlight: model.counts.inFlight };
  for (const [key, id] of Object.entries(COUNTERS)) setText($(id), String(counts[key] ?? 0));
  // Crawl time; the time spent paused beside it.
  setText($('elapsed'), `${(model.elapsedMs / 1000).toFixed(1)} s${pausedMs >= 50
    ? ` (+${(pausedMs / 1000).toFixed(1)} s paused)` : ''}`);
  setText($('end-reason'), model.endReason ? `ended: ${model.endReason}` : '');
}

/** The views the fragment hides. */
function applyView(view) {
  $('graph').closest('.picture-body').hidden = view === 'lanes';
  $('lanes').hidden = view === 'graph';
}

export async function run(config, ui) {
  const api = await load();
  window.crawlscope = api;
  applyView(config.view ?? 'both');
  const picture = new Picture();
  const controls = new Controls(api, () => picture.update());
  controls.taskNames = () => picture.model.names;
  window.crawlscopePage = { picture, controls };
  let steps = 0;
  controls.onStep = (events) => {
    picture.highlight(events);
    const names = controls.names();
    const poll = events.find((e) => e.type === 'pollStart');
    steps += 1;
    ui.tell('step', { step: steps, task: poll?.task ?? null, lines: describePoll(events, names) });
  };
  api.onCurrent((view) => picture.follow(view));
  $('embed-stop').addEventListener('click', () => { controls.stopPlaying(); api.current?.stop?.(); });
  if (config.speed) {
    controls.speed = config.speed;
    $('speed').value = config.speed;
  }

  if (config.trace) {
    setState('replay');
    // The fragment's trace= and step= are the keys the full page's #trace= link uses too.
    await controls.openFromHash();
    picture.update();
    renderCounters(picture.model);
    controls.refresh();
    return;
  }

  const site = config.root ? { base: null, label: '' } : await siteBase(api, config);
  setText($('site-label'), site.label ?? '');
  // A scene asks for the site it needs (bulk: 100 pages at its latency picker's value); the seed still applies.
  const siteRoot = (knobs = {}) => `${site.base}${siteVariant({ ...knobs, seed: config.seed ?? knobs.seed })}`;

  if (config.scene && config.scene !== 'crawler') {
    $('picture').hidden = true;
    document.body.dataset.scene = config.scene;
    const scene = await mountScene(config.scene, $('scene'), {
      api,
      siteRoot,
      siteLabel: site.label ?? '',
      onStep: (detail) => ui.tell('step', detail),
      onDone: (detail) => ui.tell('done', detail),
      // The fragment's latency starts the scene's latency control (the bulk scene offers a few values).
      params: config.latency === undefined ? {} : { latency: config.latency },
    });
    setState(config.scene);
    // Pressing Play (or autoplay) was the reader asking for the lesson to run.
    scene?.start();
    return;
  }

  const start = () => {
    const { options, notes } = crawlOptions(config, siteRoot({ pages: config.pages, latency: config.latency,
      seed: config.seed }));
    ui.say([...ui.notes.filter((n) => !notes.includes(n)), ...notes].map((n) => `Note: ${n}.`));
    steps = 0;
    let crawl;
    try {
      // paused=1: paused before any task's first poll, so step 1 is the first task's first poll.
      crawl = api.start(options, { paused: config.paused === '1' });
    } catch (e) {
      ui.say(`Cannot crawl: ${e.message ?? e}`);
      ui.tell('error', { message: String(e.message ?? e), option: e.option ?? null });
      setState('error');
      return;
    }
    if (config.speed) controls.play(); // stepping at a speed starts paused (play() pauses first)
    follow(crawl);
  };

  const follow = (crawl) => {
    $('embed-again').hidden = true;
    $('embed-stop').disabled = false;
    let nextAt = 0;
    const frame = (now) => {
      if (api.current !== crawl) return;
      picture.update();
      if (now >= nextAt || crawl.finished) {
        renderCounters(picture.model, crawl.pausedMs);
        controls.refresh();
        // Stepping on a timer is playing, though the engine is paused between steps.
        setState(crawl.finished ? (picture.model.endReason === 'stopped' ? 'stopped' : 'done')
          : controls.playTimer ? 'playing' : crawl.paused ? 'paused' : 'crawling');
        nextAt = now + 100;
      }
      if (!crawl.finished) { requestAnimationFrame(frame); return; }
      controls.stopPlaying();
      controls.refresh();
      $('embed-stop').disabled = true;
      $('embed-again').hidden = false;
    };
    requestAnimationFrame(frame);
    crawl.done.then((report) => {
      ui.tell('done', {
        scene: 'crawler', endReason: report.endReason, pages: report.pages.length, counters: report.counters,
        elapsedMs: report.elapsedMs,
      });
    });
  };

  $('embed-again').addEventListener('click', start);
  start();
}
