// Stop time: Pause, Step, Play at a speed, Resume; the ready list; a summary
// of what each step did; record (download) and replay (load, scrub, step
// back and forth, #step=N and #trace=<url> in the URL).

import { setText } from '../dom.js';
import { saveFile, fileName } from '../api/export.js';
import { awaitLink, causeName, summarisePoll, openGlossary } from './words.js';

const $ = (id) => document.getElementById(id);

/** Steps per second at 1×. "max" steps every animation frame. */
const STEPS_PER_SECOND = 5;

// The words (await points, wake causes, a poll told) live in words.js; the
// picture's task detail uses them from here too.
export { awaitName, awaitText, awaitLink, causeName, describePoll, openGlossary } from './words.js';

/** The page's keyboard shortcuts, as the `?` overlay and the tooltips show them. */
export const SHORTCUTS = [
  ['Space', 'pause a running crawl; while paused, play (step on a timer) or stop playing'],
  ['→', 'step: poll one ready task once (a replay: one step forward)'],
  ['←', 'step back (a replay)'],
  ['Esc', 'stop playing'],
  ['?', 'show these shortcuts'],
];

/**
 * Whether the key belongs to the focused element: a control that handles
 * it itself (Space presses a button, arrows move a slider or a select, any
 * key types in a field). Page shortcuts then stay out of its way.
 */
function ownsKey(target, key) {
  if (!(target instanceof Element)) return false;
  if (target.closest('input, select, textarea, [contenteditable=""], [contenteditable="true"], dialog')) return true;
  if (key === ' ' || key === 'Enter') return Boolean(target.closest('button, summary, a[href], label, [role="button"], [tabindex]'));
  return false;
}

/** Task names from a task list. */
const namesOf = (tasks) => new Map(tasks.map((t) => [t.task, t.name]));

export class Controls {
  /** `api` is window.crawlscope; `onChange` re-renders the page after a step or seek. */
  constructor(api, onChange) {
    this.api = api;
    this.onChange = onChange;
    this.speed = 1;
    this.playTimer = null;
    this.error = $('step-error');
    $('pause').addEventListener('click', () => this.pause());
    $('resume').addEventListener('click', () => this.resume());
    $('step').addEventListener('click', () => this.step());
    $('play').addEventListener('click', () => this.togglePlay());
    $('speed').addEventListener('change', (e) => { this.speed = e.target.value; if (this.playTimer) this.play(); });
    $('replay-back').addEventListener('click', () => this.stepBack());
    $('replay-forward').addEventListener('click', () => this.step());
    $('replay-scrub').addEventListener('input', (e) => this.seek(Number(e.target.value)));
    $('download-log').addEventListener('click', () => this.download());
    $('load-log').addEventListener('change', (e) => this.loadFile(e.target.files?.[0]));
    $('shortcuts-button')?.addEventListener('click', () => this.showShortcuts());
    $('glossary-button')?.addEventListener('click', () => openGlossary('task'));
    document.addEventListener('keydown', (e) => this.key(e));
    // The ready list is updated in place (see renderReady): one listener for
    // every entry, so a click that spans a refresh still lands.
    $('ready-list').addEventListener('click', (e) => {
      const button = e.target.closest?.('button[data-step-task]');
      if (button && !button.disabled) this.step(Number(button.dataset.stepTask));
    });
    // "Crawl paused": the form starts the crawl (app.js), and the new crawl
    // is paused as it becomes current — before the executor polls any task.
    this.pauseNextCrawl = false;
    const crawlPaused = $('crawl-paused');
    if (crawlPaused) {
      crawlPaused.addEventListener('click', () => { this.pauseNextCrawl = true; });
      $('crawl')?.addEventListener('click', () => { this.pauseNextCrawl = false; });
      api.onCurrent?.((view) => {
        if (view.kind === 'crawl' && this.pauseNextCrawl && !view.paused) view.pause();
        this.pauseNextCrawl = false;
      });
    }
    /** The view whose step #step-info shows (it is cleared when that changes). */
    this.stepView = null;
    this.showStep(null);
  }

  get view() { return this.api.current; }

  /**
   * Task names of the current view. They are fixed once the tasks are
   * spawned (at the start), so they are folded from the log once per view,
   * not at every step: that fold grows with the log. Where the page folds
   * the log into a model anyway, `taskNames` (a function it sets) gives them.
   */
  names() {
    // The page's picture has folded them from the same log already: no second fold.
    const folded = this.taskNames?.();
    if (folded?.size) return folded;
    const view = this.view;
    if (this.namesCache?.view !== view || this.namesCache.names.size === 0) {
      this.namesCache = { view, names: namesOf(view?.tasks() ?? []) };
    }
    return this.namesCache.names;
  }

  say(message) { setText(this.error, message); }

  pause() {
    const view = this.view;
    if (view?.kind === 'crawl' && !view.finished) view.pause();
    this.refresh();
  }

  resume() {
    this.stopPlaying();
    if (this.view?.kind === 'crawl') this.view.resume();
    this.showStep(null); // running freely: no step to tell
    this.refresh();
  }

  /** One step: a poll of the oldest ready task (live), or one step forward (replay). */
  step(taskId) {
    const view = this.view;
    if (!view || view.kind === 'report') return false; // a loaded report has no steps
    this.say('');
    const before = view.eventCount;
    try {
      if (view.kind === 'replay') {
        if (view.position >= view.steps) return false;
        view.stepForward();
      } else {
        if (!view.paused) view.pause();
        if (view.ready().length === 0 && taskId == null) {
          // Nothing to poll: if only an engine timer can make progress, move the frozen clock to it.
          const skipped = view.skipTime();
          this.say(skipped == null
            ? 'Nothing is ready yet: the tasks wait for the network.'
            : `Nothing was ready: the engine's clock skipped ${Math.round(skipped)} ms to its next timer.`);
          this.refresh();
          return false;
        }
        view.step(taskId);
      }
    } catch (e) {
      this.say(String(e.message ?? e));
      return false;
    }
    this.showStep(view.events(before));
    this.refresh();
    return true;
  }

  stepBack() {
    const view = this.view;
    if (view?.kind !== 'replay') { this.say('Step back works on a replay: download the log, then load it.'); return; }
    this.seek(view.position - 1);
  }

  seek(n) {
    const view = this.view;
    if (view?.kind !== 'replay') return;
    view.seek(Math.max(0, n));
    const events = view.events();
    const lastPoll = events.findLastIndex((e) => e.type === 'pollStart');
    this.showStep(lastPoll >= 0 ? events.slice(lastPoll) : []);
    this.refresh();
    this.writeHash();
  }

  /**
   * Tell the last step in #step-info: a few lines in order, every event of
   * the poll folded in a <details>. `null` clears it (nothing stepped, or
   * the crawl runs freely again) with a hint instead.
   */
  showStep(events) {
    const list = $('step-info');
    if (!list) return;
    this.stepView = events ? this.view : null;
    if (events) this.onStep?.(events);
    const li = (text) => {
      const item = document.createElement('li');
      item.textContent = text;
      return item;
    };
    if (!events || events.length === 0) {
      list.dataset.empty = 'true';
      const hint = li(this.view?.kind === 'crawl' && !this.view.finished && !this.view.paused
        ? 'The crawl runs freely: Pause, then Step (→) to see one poll at a time.'
        : 'Nothing stepped yet: Pause, then Step (→) polls one task once and tells here what it did.');
      hint.className = 'hint';
      list.replaceChildren(hint);
      return;
    }
    list.dataset.empty = 'false';
    const { summary, details } = summarisePoll(events, this.names());
    const items = summary.map(li);
    if (details.length) {
      const more = document.createElement('details');
      const title = document.createElement('summary');
      title.textContent = `every event of this poll (${details.length})`;
      const all = document.createElement('ol');
      all.append(...details.map(li));
      more.append(title, all);
      const item = document.createElement('li');
      item.className = 'step-details';
      item.append(more);
      items.push(item);
    }
    list.replaceChildren(...items);
  }

  /** The `?` overlay: every shortcut (made once, in the stepping section). */
  showShortcuts() {
    let dialog = $('shortcuts');
    if (!dialog) {
      dialog = document.createElement('dialog');
      dialog.id = 'shortcuts';
      dialog.setAttribute('aria-label', 'Keyboard shortcuts');
      const title = document.createElement('h2');
      title.textContent = 'Keyboard shortcuts';
      const list = document.createElement('dl');
      for (const [key, what] of SHORTCUTS) {
        const dt = document.createElement('dt');
        const kbd = document.createElement('kbd');
        kbd.textContent = key;
        dt.append(kbd);
        const dd = document.createElement('dd');
        dd.textContent = what;
        list.append(dt, dd);
      }
      const note = document.createElement('p');
      note.textContent = 'They act when no button or field has the focus: Space on a focused button presses that button.';
      const form = document.createElement('form');
      form.method = 'dialog';
      const close = document.createElement('button');
      close.textContent = 'Close';
      form.append(close);
      dialog.append(title, list, note, form);
      (document.querySelector('section.stepping') ?? document.body).append(dialog);
    }
    if (!dialog.open) dialog.showModal();
  }

  togglePlay() {
    if (this.playTimer) this.stopPlaying(); else this.play();
    this.refresh();
  }

  play() {
    this.stopPlaying();
    const view = this.view;
    if (!view || view.kind === 'report' || (view.kind === 'crawl' && view.finished)) return;
    if (view.kind === 'crawl' && !view.paused) view.pause();
    const tick = () => {
      const current = this.view;
      if (current !== view || (view.kind === 'crawl' && view.finished) ||
          (view.kind === 'replay' && view.position >= view.steps)) {
        this.stopPlaying();
        this.refresh();
        return;
      }
      // Nothing ready: wait for the network, or let the engine's clock reach its next timer.
      if (view.kind === 'crawl' && view.ready().length === 0) {
        view.skipTime();
        return;
      }
      this.step();
    };
    if (this.speed === 'max') {
      const frame = () => { if (!this.playTimer) return; tick(); this.playTimer = requestAnimationFrame(frame); };
      this.playTimer = requestAnimationFrame(frame);
      this.playKind = 'raf';
    } else {
      this.playTimer = setInterval(tick, 1000 / (STEPS_PER_SECOND * Number(this.speed)));
      this.playKind = 'interval';
    }
    $('play').setAttribute('aria-pressed', 'true');
    this.showPlayState();
  }

  stopPlaying() {
    if (this.playTimer) {
      if (this.playKind === 'raf') cancelAnimationFrame(this.playTimer); else clearInterval(this.playTimer);
    }
    this.playTimer = null;
    $('play').setAttribute('aria-pressed', 'false');
    this.showPlayState();
  }

  /** The play state, always in words: running, paused, playing at a speed, finished. */
  showPlayState() {
    const badge = $('play-state');
    if (!badge) return;
    const view = this.view;
    let state = 'idle';
    if (view?.kind === 'replay') state = this.playTimer ? `replaying at ${this.speed}×` : `replay, step ${view.position}`;
    else if (view?.kind === 'crawl') {
      if (view.finished) state = 'finished';
      else if (this.playTimer) state = `playing: a step every ${this.speed === 'max' ? 'frame' : `${Math.round(1000 / (STEPS_PER_SECOND * Number(this.speed)))} ms`}`;
      else state = view.paused ? 'paused' : 'running';
    } else if (view?.kind === 'report') state = 'a saved report';
    setText(badge, state);
    badge.dataset.state = state.split(/[ :,]/)[0];
  }

  key(e) {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (ownsKey(e.target, e.key)) return;
    // A scene has its own buttons and tells its own state: a page shortcut
    // stepping or playing its crawl behind its back would make it untruthful.
    const scene = document.body.dataset.scene;
    if (scene && scene !== 'crawler' && e.key !== '?') return;
    if (e.key === '?') {
      e.preventDefault();
      this.showShortcuts();
    } else if (e.key === 'Escape' && this.playTimer) {
      this.stopPlaying();
      this.refresh();
    } else if (e.key === ' ') {
      e.preventDefault();
      const view = this.view;
      if (view?.kind === 'crawl' && !view.paused && !view.finished) this.pause();
      else this.togglePlay();
    } else if (e.key === 'ArrowRight') {
      e.preventDefault();
      this.step();
    } else if (e.key === 'ArrowLeft') {
      e.preventDefault();
      this.stepBack();
    }
  }

  download() {
    const view = this.view;
    if (!view?.log) return; // a loaded report has no log
    saveFile(fileName('log', 'json'), 'application/json', JSON.stringify(view.log()));
  }

  async loadFile(file) {
    if (!file) return;
    this.openLog(await file.text());
    $('load-log').value = '';
  }

  /**
   * Go to step `n` in a replay: of the replay shown, or of the current crawl once it has ended (its log
   * opens as a replay). Returns whether it went.
   */
  goToStep(n) {
    const view = this.view;
    if (view?.kind === 'replay') {
      this.stopPlaying();
      this.seek(n);
      return true;
    }
    if (view?.kind === 'crawl' && view.finished) return this.openLog(JSON.stringify(view.log()), n);
    this.say('A replay can go to a step once the crawl has ended.');
    return false;
  }

  /** Open a log for replay; a bad one gives a message, never a broken page. */
  openLog(text, step = 0) {
    this.stopPlaying();
    this.say('');
    try {
      this.api.replay(text);
    } catch (e) {
      this.say(`Could not open the log: ${e.message ?? e}`);
      return false;
    }
    this.seek(step);
    return true;
  }

  /** `#trace=<url>` loads a log, `#step=N` opens it at step N. */
  async openFromHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    const trace = params.get('trace');
    if (!trace) return;
    const step = Number(params.get('step') ?? 0);
    try {
      const response = await fetch(trace);
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.openLog(await response.text(), Number.isFinite(step) ? step : 0);
    } catch (e) {
      this.say(`Could not load the trace ${trace}: ${e.message ?? e}`);
    }
  }

  writeHash() {
    const params = new URLSearchParams(location.hash.slice(1));
    if (!params.get('trace') || this.view?.kind !== 'replay') return;
    params.set('step', String(this.view.position));
    history.replaceState(null, '', `#${params.toString()}`);
  }

  /** Bring buttons, the ready list and the replay bar in line with the current view. */
  refresh() {
    const view = this.view;
    const live = view?.kind === 'crawl' && !view.finished;
    const replay = view?.kind === 'replay';
    const paused = live && view.paused;
    $('pause').disabled = !live || paused;
    $('resume').disabled = !paused;
    $('step').disabled = !(paused || replay);
    $('play').disabled = !(live || replay);
    $('download-log').disabled = view?.kind !== 'crawl';
    const crawlPaused = $('crawl-paused');
    if (crawlPaused) crawlPaused.disabled = live || document.body.dataset.state === 'loading';
    // Last step is never stale: a step of another view, or of a crawl that runs freely again, is cleared.
    if (this.stepView && (this.stepView !== view || (live && !paused))) this.showStep(null);
    this.showPlayState();
    if ($('replay-bar').hidden !== !replay) $('replay-bar').hidden = !replay; // a write restyles it, even unchanged
    setText($('play'), this.playTimer ? 'Stop playing' : 'Play');
    document.body.dataset.paused = paused ? 'true' : 'false';
    if (replay) {
      const scrub = $('replay-scrub');
      scrub.max = String(view.steps);
      scrub.value = String(view.position);
      setText($('replay-pos'), `step ${view.position} / ${view.steps}`);
      $('replay-back').disabled = view.position === 0;
      $('replay-forward').disabled = view.position >= view.steps;
    }
    this.renderReady(view && (paused || replay) ? view.ready() : [], view);
    this.onChange?.();
  }

  /**
   * The ready list, updated in place and keyed by task id: an entry that
   * stays is the same element, so a click held across a refresh and the
   * keyboard focus survive; only entries that left or arrived change.
   */
  renderReady(ready, view) {
    // Task names cost a fold over the whole log: only when there is a list to show.
    const names = ready.length ? this.names() : new Map();
    const body = $('ready-list');
    setText($('ready-count'), String(ready.length));
    const live = view?.kind === 'crawl';
    const keep = new Set(ready.map((r) => String(r.task)));
    for (const li of [...body.children]) if (!keep.has(li.dataset.task)) li.remove();
    let before = body.firstElementChild;
    for (const r of ready) {
      const key = String(r.task);
      let li = body.querySelector(`:scope > li[data-task="${key}"]`);
      if (!li) {
        li = document.createElement('li');
        li.dataset.task = key;
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'link';
        button.dataset.stepTask = key;
        const what = document.createElement('span');
        li.append(button, what);
      }
      if (li !== before) body.insertBefore(li, before);
      before = li.nextElementSibling;
      const [button, what] = li.children;
      const name = names.get(r.task) ?? `task ${r.task}`;
      setText(button, name);
      button.title = live ? `Step ${name}: poll it once (Enter)` : 'A replay steps in log order';
      button.disabled = !live;
      // Rebuilt only when it says something else, so a focused glossary link stays too.
      const sig = `${r.awaiting ?? ''}|${JSON.stringify(r.wokenBy ?? null)}`;
      if (what.dataset.sig !== sig) {
        what.dataset.sig = sig;
        const parts = r.awaiting
          ? [' — ready to go on after ', awaitLink(r.awaiting), `; woken by ${causeName(r.wokenBy, names)}`]
          : [' — not started yet: ready for its first poll'];
        what.replaceChildren(...parts.map((p) => (typeof p === 'string' ? document.createTextNode(p) : p)));
      }
    }
  }
}
