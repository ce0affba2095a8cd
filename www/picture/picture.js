// The picture: the task graph, the wake view (who woke whom), the worker
// lanes with the queue and join counter, the task detail panel, the graph's
// search box and legend, the devtools output and the text summary — all
// folded from the current view's event log (a live crawl, a replay, or a
// saved report) into one CrawlModel and one WakeModel.
//
// Per frame it folds only the new events, and the graph and lanes redraw
// only what changed. What needs the engine's whole log (a task's detail and
// events) is asked for only on a user's action: opening a node.

import { CrawlModel, STATES } from './model.js';
import { TaskGraph, SMALL } from './graph.js';
import { Lanes } from './lanes.js';
import { Devtools } from './devtools.js';
import { WakeModel } from './wakes-model.js';
import { WakeView } from './wakes.js';
import { PictureSummary } from './summary.js';
import { awaitName, causeName } from '../stepping/stepping.js';
import { isWebUrl } from '../dom.js';
import { fieldText } from '../api/export.js';

const $ = (id) => document.getElementById(id);

/** Events a step or the detail panel lists, at most. */
const DETAIL_EVENTS = 40;
/** Below this many events, an open detail follows its node live; past it, on request (it reads the whole log). */
const LIVE_DETAIL_EVENTS = 50_000;
/** How often a big crawl running freely is redrawn, ms. */
const BUSY_DRAW_MS = 100;

export class Picture {
  constructor() {
    this.model = new CrawlModel();
    this.wakeModel = new WakeModel();
    this.view = null;
    this.devtools = null;
    this.detailUrl = null;
    /** Whether events folded since the last render touched the open detail's page (it is then refreshed). */
    this.detailStale = false;
    this.drawnAt = 0;
    this.allStates = false;
    this.listeners = new Set();
    this.graph = new TaskGraph($('graph'), this.model, (url) => this.showDetail(url));
    this.lanes = new Lanes($('lanes'), this.model);
    // The wake view, where the page has one (the embed does not).
    this.wakes = $('wakes') ? new WakeView({ canvas: $('wakes'), edges: $('wake-edges'), latest: $('wakes-latest'),
      title: $('wake-detail-title'), note: $('wake-detail-note'), list: $('wake-detail-list') }, this.wakeModel) : null;
    this.summary = new PictureSummary($('picture-summary'));
    this.graph.onFocusNode = (url) => this.showDetail(url, false);
    this.renderLegend();
    $('detail-close').addEventListener('click', () => this.hideDetail());
    $('detail-refresh')?.addEventListener('click', () => this.showDetail(this.detailUrl, false));
    $('legend-all')?.addEventListener('click', () => {
      this.allStates = !this.allStates;
      $('legend-all').setAttribute('aria-pressed', String(this.allStates));
      $('legend-all').textContent = this.allStates ? 'only states present' : 'all states';
      this.renderLegend();
    });
    this.wireSearch();
    this.wireTabs();
  }

  /**
   * The graph and the wake view share the picture's place as two tabs (ARIA tabs: ←/→, Home, End move
   * between them). Both models fold every frame; only the tab shown is drawn.
   */
  wireTabs() {
    const tabs = [...document.querySelectorAll('#picture [role="tab"]')];
    this.showTab = () => {};
    if (!tabs.length) return;
    this.showTab = (id, focus = false) => {
      for (const tab of tabs) {
        const on = tab.id === id;
        tab.setAttribute('aria-selected', String(on));
        tab.tabIndex = on ? 0 : -1;
        $(tab.getAttribute('aria-controls')).hidden = !on;
        if (on && focus) tab.focus();
      }
      const wakes = id === 'tab-wakes';
      if (this.wakes) this.wakes.visible = wakes;
      // The legend is the graph's.
      for (const el of [$('legend'), $('legend-all')]) if (el) el.hidden = wakes;
      this.draw(true);
    };
    tabs.forEach((tab, i) => {
      tab.addEventListener('click', () => this.showTab(tab.id));
      tab.addEventListener('keydown', (e) => {
        const n = tabs.length;
        const to = { ArrowRight: (i + 1) % n, ArrowLeft: (i - 1 + n) % n, Home: 0, End: n - 1 }[e.key];
        if (to === undefined) return;
        e.preventDefault(); // the page's arrow shortcuts (step) stay out of the tabs
        this.showTab(tabs[to].id, true);
      });
    });
    this.showTab(tabs.find((t) => t.getAttribute('aria-selected') === 'true')?.id ?? tabs[0].id);
  }

  /** Be told when the model is replaced (the table follows the same model). */
  onModel(listener) {
    this.listeners.add(listener);
  }

  /** Whether events go to the console (`?log=1` or the checkbox). */
  logging() {
    return $('log-events')?.checked ?? false;
  }

  setModel(model) {
    this.model = model;
    this.graph.setModel(model);
    this.lanes.setModel(model);
    this.wakeModel = new WakeModel();
    this.wakes?.setModel(this.wakeModel);
    this.legendKey = null;
    for (const listener of this.listeners) listener(model);
  }

  /**
   * A new current view: start a fresh model (and devtools timeline for a live crawl). It is drawn at
   * once unless `draw` is false: a live crawl's first frame draws it, so the click that started the
   * crawl is not also the task that lays out and paints every canvas.
   */
  follow(view, { draw = true } = {}) {
    this.view = view;
    this.setModel(view.kind === 'report' ? CrawlModel.fromReport(view.report()) : new CrawlModel());
    this.devtools = view.kind === 'crawl' ? new Devtools(view.originMs, this.logging()) : null;
    this.summary.reset();
    this.hideDetail();
    if (draw) this.update();
  }

  /**
   * A big crawl running freely: it changes something every frame, and drawing it (or folding its
   * events) ten times a second is plenty to watch. Small crawls, a paused or stepped one and a
   * replay follow every frame.
   */
  get busy() {
    return this.runningFreely && this.model.order.length > SMALL;
  }

  /** A live crawl, neither paused nor ended. */
  get runningFreely() {
    const view = this.view;
    return view?.kind === 'crawl' && !view.paused && !view.finished;
  }

  /** How often a busy picture is brought up to date, ms. */
  static get BUSY_MS() { return BUSY_DRAW_MS; }

  /** Fold the view's new events into the model, then redraw what changed. */
  update() {
    this.fold();
    this.render();
  }

  /**
   * Fold up to `max` of the view's new events into the models (all of them by default). Returns
   * whether the models have caught up with the log: a busy crawl folds its backlog a slice per task,
   * so the crawl's own tasks run between the slices and no one task of the page's grows with it.
   */
  fold(max = Infinity) {
    const view = this.view;
    if (!view || view.kind === 'report') return true;
    const count = view.eventCount;
    if (count < this.model.seen) {
      // A replay moved back: fold again from the start.
      this.setModel(new CrawlModel());
    }
    if (count === this.model.seen) return true;
    const events = Number.isFinite(max) ? view.events(this.model.seen, max) : view.events(this.model.seen);
    this.model.apply(events);
    this.wakeModel.apply(events);
    // A paused crawl or a replay moves a step at a time: the summary tells the latest.
    if (view.kind === 'replay' || view.paused) {
      const start = events.findLastIndex((e) => e.type === 'pollStart');
      if (start >= 0) {
        const end = events.findIndex((e, i) => i > start && e.type === 'pollEnd');
        this.summary.step(events.slice(start, end < 0 ? events.length : end + 1), this.model.names);
      }
    }
    if (this.devtools) {
      this.devtools.logToConsole = this.logging();
      this.devtools.apply(events);
    }
    if (this.detailUrl && !this.detailStale) this.detailStale = events.some((e) => e.url === this.detailUrl);
    return this.model.seen >= count;
  }

  /** Bring what is on screen in line with the models: the canvases (when they changed), legend, summary, detail. */
  render() {
    const view = this.view;
    if (!view || view.kind === 'report') {
      this.draw();
      this.summary.update(this.model, view);
      return;
    }
    if (this.wakes) {
      this.wakes.stepMode = view.kind === 'replay' ? 'replay' : view.finished ? 'finished' : 'live';
    }
    if (view.kind !== 'replay' && !view.paused) this.summary.reset(); // running freely: no step to tell
    if (view.kind === 'replay' || view.paused) this.model.markReady(view.ready());
    else if (this.model.readyNodes.size) this.model.markReady([]);
    const growing = this.busy;
    if (this.graph.growing !== growing) { // running freely or not: the fitted view changes (see TaskGraph.fit)
      this.graph.growing = growing;
      this.graph.dirty = true;
    }
    // A big crawl running freely changes something every frame; drawing it ten times a second is
    // plenty to watch, and leaves the thread (and, without a GPU, the painting) to the crawl.
    // Small crawls, a paused or stepped one and a replay are drawn at once.
    const now = performance.now();
    // (A little early rather than a tick late: the busy loop's timer runs every BUSY_DRAW_MS.)
    if (!this.busy || now - this.drawnAt >= BUSY_DRAW_MS - 20) {
      this.draw();
      this.drawnAt = now;
    }
    this.renderLegend();
    this.summary.update(this.model, view);
    if (this.detailStale) {
      this.detailStale = false;
      this.refreshDetail();
    }
  }

  draw(force = false) {
    this.graph.draw(force);
    this.wakes?.draw(force);
    this.lanes.draw(force);
  }

  /** Ring the nodes a step touched. */
  highlight(events) {
    this.graph.highlight = new Set(events.map((e) => e.url ?? e.to).filter(Boolean));
    this.graph.draw(true);
  }

  /** The legend lists the states present in the picture (or all of them, on request). */
  renderLegend() {
    const present = Object.keys(STATES).filter((s) => this.allStates || this.model.stateCounts[s] > 0
      || (s === 'ready' && this.model.readyNodes.size > 0));
    const key = present.join(' ');
    if (key === this.legendKey) return;
    this.legendKey = key;
    $('legend').replaceChildren(...present.map((state) => {
      const li = document.createElement('li');
      li.dataset.state = state;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = STATES[state].color;
      li.append(swatch, document.createTextNode(STATES[state].label));
      return li;
    }));
  }

  // ------------------------------------------------------------ search

  wireSearch() {
    const input = $('graph-search');
    if (!input) return;
    const status = $('graph-search-status');
    let matches = [];
    let at = -1;
    let query = null;
    const find = (next) => {
      const text = input.value.trim().toLowerCase();
      if (!text) {
        status.textContent = '';
        return;
      }
      if (text !== query) {
        // A user's action: the one place that looks at every node.
        query = text;
        matches = this.model.order.filter((n) => n.url.toLowerCase().includes(text));
        // A whole URL typed (or pasted) finds that page first, not a longer one containing it
        // (`/page/1142` is in `/page/11428`); the rest keep their discovery order.
        const exact = matches.findIndex((n) => n.url.toLowerCase() === text);
        if (exact > 0) matches.unshift(...matches.splice(exact, 1));
        at = -1;
      }
      if (!matches.length) {
        status.textContent = 'no URL matches';
        return;
      }
      at = next ? (at + 1) % matches.length : Math.max(at, 0);
      status.textContent = `${at + 1} of ${matches.length}`;
      this.graph.centreOn(matches[at].url);
    };
    input.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') {
        e.preventDefault();
        find(true);
      } else if (e.key === 'Escape') {
        input.value = '';
        status.textContent = '';
      }
    });
    $('graph-search-go')?.addEventListener('click', () => find(true));
  }

  /** Lints per task (task id → titles): a badge on its lane and a row in its detail. */
  setLintBadges(badges) {
    this.lintBadges = badges;
    this.lanes.badges = badges;
    this.lanes.draw(true);
  }

  /** Find a URL (for the table's Enter and for tests): centre it and open its detail. */
  reveal(url) {
    this.showTab('tab-graph');
    return this.graph.centreOn(url);
  }

  // ------------------------------------------------------------ detail

  hideDetail() {
    this.detailUrl = null;
    this.detailStale = false;
    $('task-detail').hidden = true;
    this.graph.selected = null;
    this.graph.links = [];
  }

  /** Live refresh of an open detail, for a crawl small enough to read its whole log often. */
  refreshDetail() {
    const small = (this.view?.eventCount ?? 0) < LIVE_DETAIL_EVENTS;
    if (small) this.showDetail(this.detailUrl, false);
    else this.fillPage(this.model.row(this.detailUrl));
    const refresh = $('detail-refresh');
    if (refresh) refresh.hidden = small;
  }

  /** The page's own part of the detail, from the model's row (cheap). */
  fillPage(page) {
    const rows = [];
    if (page) {
      rows.push(['outcome', page.outcome], ['status', page.status ?? '—'], ['bytes', page.size ?? '—'],
        ['links new / total', `${page.newLinks} / ${page.links}`], ['tries', page.tries], ['depth', page.depth],
        ['found on', page.parent ?? '(a root)'], ['time', page.startMs != null && page.endMs != null
          ? `${Math.round(page.endMs - page.startMs)} ms` : '—']);
      if (page.aliases.length) rows.push(['redirected from', page.aliases.join(' ')]);
      if (page.error) rows.push(['error', page.error]);
      // extract fields: crawled text, shown as text only (a `[]` field's matches separated by ·)
      for (const [name, value] of Object.entries(page.fields ?? {})) {
        rows.push([`extract.${name}`, fieldText(value, ' · ') || '(no match)']);
      }
    } else {
      rows.push(['outcome', 'alias (redirected)']);
    }
    fillList($('detail-page'), rows);
  }

  /** The detail of a page and the task that processed it (text only). */
  showDetail(url, scroll = true) {
    const view = this.view;
    if (!view || !url) return;
    this.detailUrl = url;
    const panel = $('task-detail');
    panel.hidden = false;
    $('detail-title').textContent = url;
    const row = this.model.row(url);
    this.fillPage(row);
    const info = view.task(url); // reads the engine's log: on a user's action, or live for a small crawl
    const names = this.model.names;
    this.graph.links = this.model.order.length > SMALL ? info?.page?.links ?? [] : [];
    const taskId = info?.processedBy;
    const task = taskId != null ? view.task(taskId)?.task : null;
    $('detail-task-title').textContent = task ? `Task: ${task.name}` : 'Task';
    fillList($('detail-task'), task ? [
      ['state', task.state], ['await point', awaitName(task.awaiting)], ['polls', task.polls],
      ['wakes', `${task.wakes} (${Object.entries(task.wokenBy).map(([k, v]) => `${k}: ${v}`).join(', ') || '—'})`],
      ['last woken by', causeName(task.lastWokenBy, names)],
      ['total / running / queued / waiting', [task.totalMs, task.runningMs, task.queuedMs, task.waitingMs]
        .map((ms) => `${Math.round(ms)} ms`).join(' / ')],
      ['pages done', task.pages],
      ...(this.lintBadges?.has(taskId) ? [['lints', lintWords(this.lintBadges.get(taskId))]] : []),
    ] : [['task', view.kind === 'report' ? 'a saved report has no task detail' : 'not processed yet']]);

    const events = (info?.events ?? []).slice(-DETAIL_EVENTS);
    $('detail-events').replaceChildren(...events.map((e) => {
      const li = document.createElement('li');
      li.textContent = `${e.tMs.toFixed(1)} ms · ${e.type}${e.task != null ? ` · ${names.get(e.task) ?? `task ${e.task}`}` : ''}`;
      return li;
    }));
    this.graph.selected = url;
    this.graph.draw(true);
    if (scroll) panel.scrollTop = 0;
  }
}

/** A task's lint titles in a few words: "long poll ×2, slow to poll". */
function lintWords(titles) {
  const counts = new Map();
  for (const t of titles) counts.set(t, (counts.get(t) ?? 0) + 1);
  return [...counts].map(([t, n]) => (n > 1 ? `${t} ×${n}` : t)).join(', ');
}

function fillList(dl, rows) {
  dl.replaceChildren(...rows.flatMap(([term, value]) => {
    const dt = document.createElement('dt');
    dt.textContent = term;
    const dd = document.createElement('dd');
    const text = String(value);
    if (term === 'found on' && isWebUrl(text)) {
      const a = document.createElement('a');
      a.href = text; // checked http(s): never a javascript: link
      a.textContent = text;
      a.target = '_blank';
      a.rel = 'noopener noreferrer';
      dd.append(a);
    } else {
      dd.textContent = text;
    }
    return [dt, dd];
  }));
}
