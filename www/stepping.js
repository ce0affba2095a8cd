// Stop time: Pause, Step, Play at a speed, Resume; the ready list; a summary
// of what each step did; record (download) and replay (load, scrub, step
// back and forth, #step=N and #trace=<url> in the URL).

import { setText } from './table.js';
import { saveFile, fileName } from './export.js';

const $ = (id) => document.getElementById(id);

/** Steps per second at 1×. "max" steps every animation frame. */
const STEPS_PER_SECOND = 5;

/** Human words for an await point / a wake cause. */
const AWAIT = { queueGet: 'queue.get()', join: 'queue.join()', stop: 'the stop signal', fetch: 'fetch (response head)',
  bodyRead: 'reading the body', timer: 'a timer' };
export const awaitName = (point) => (point ? AWAIT[point] ?? point : '—');
export function causeName(cause, names) {
  if (!cause) return 'spawned';
  if (cause.kind === 'task') return names.get(cause.task) ?? `task ${cause.task}`;
  return { selfWake: 'itself', network: 'the network', timer: 'a timer', external: 'outside (stop / cancel)' }[cause.kind]
    ?? cause.kind;
}

/** One line per notable event of a poll: what a Step shows. */
export function describePoll(events, names) {
  const lines = [];
  const name = (t) => names.get(t) ?? `task ${t}`;
  for (const e of events) {
    switch (e.type) {
      case 'pollStart': lines.push(`${name(e.task)} polled`); break;
      case 'queueGet': lines.push(`took ${e.url} off the queue (${e.len} left, ${e.unfinished} unfinished)`); break;
      case 'fetchStart': lines.push(`fetch ${e.url}${e.attempt > 1 ? ` (try ${e.attempt})` : ''}`); break;
      case 'fetchEnd': lines.push(e.result.kind === 'response'
        ? `response ${e.result.status}, ${e.result.bytes} bytes in ${Math.round(e.ms)} ms`
        : `fetch failed: ${e.result.error}`); break;
      case 'redirected': lines.push(`redirected to ${e.to}${e.coalesced ? ' (already seen: alias)' : ''}`); break;
      case 'linksFound': lines.push(`${e.links.length} links, ${e.new} new`); break;
      case 'queuePut': lines.push(`put ${e.url} (queue ${e.len}, unfinished ${e.unfinished})`); break;
      case 'wake': lines.push(`woke ${name(e.task)} at ${awaitName(e.at)}`); break;
      case 'taskDone': lines.push(`task_done (unfinished ${e.unfinished})`); break;
      case 'joinResolved': lines.push('queue.join() resolved: every URL processed'); break;
      case 'workersCancelled': lines.push(`cancelled ${e.tasks} workers`); break;
      case 'finished': lines.push(`crawl finished (${e.reason})`); break;
      case 'pollEnd': lines.push(e.ready ? 'returned: task finished' : `parked at ${awaitName(e.awaiting)}`); break;
      default: break;
    }
  }
  return lines;
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
    document.addEventListener('keydown', (e) => this.key(e));
  }

  get view() { return this.api.current; }

  /**
   * Task names by id. The page passes its model's (`names`, folded from the
   * log as it arrives); without one they come from `tasks()`, which folds
   * the whole log again: fine for a scene, too slow to do every refresh of
   * a big crawl.
   */
  taskNames() {
    return this.names?.() ?? namesOf(this.view?.tasks() ?? []);
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

  showStep(events) {
    this.onStep?.(events);
    const names = this.taskNames();
    const list = $('step-info');
    list.replaceChildren(...describePoll(events, names).map((line) => {
      const li = document.createElement('li');
      li.textContent = line;
      return li;
    }));
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
  }

  stopPlaying() {
    if (this.playTimer) {
      if (this.playKind === 'raf') cancelAnimationFrame(this.playTimer); else clearInterval(this.playTimer);
    }
    this.playTimer = null;
    $('play').setAttribute('aria-pressed', 'false');
  }

  key(e) {
    if (e.target.closest?.('input, select, textarea') || e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === ' ') {
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
    $('replay-bar').hidden = !replay;
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

  renderReady(ready, view) {
    // Task names cost a fold over the whole log: only when there is a list to show.
    const names = ready.length ? this.taskNames() : new Map();
    const body = $('ready-list');
    setText($('ready-count'), String(ready.length));
    body.replaceChildren(...ready.map((r) => {
      const li = document.createElement('li');
      li.dataset.task = String(r.task);
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      button.textContent = names.get(r.task) ?? `task ${r.task}`;
      button.title = 'Step this task';
      button.disabled = view?.kind !== 'crawl';
      button.addEventListener('click', () => this.step(r.task));
      const what = document.createElement('span');
      what.textContent = ` at ${awaitName(r.awaiting)}, woken by ${causeName(r.wokenBy, names)}`;
      li.append(button, what);
      return li;
    }));
  }
}
