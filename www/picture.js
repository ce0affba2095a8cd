// The picture: the task graph, the worker lanes with the queue and join
// counter, the task detail panel, and the devtools output — all folded from
// the current view's event log (a live crawl, a replay, or a saved report).

import { CrawlModel, STATES } from './model.js';
import { TaskGraph } from './graph.js';
import { Lanes } from './lanes.js';
import { Devtools } from './devtools.js';
import { awaitName, causeName } from './stepping.js';
import { isWebUrl } from './table.js';

const $ = (id) => document.getElementById(id);

/** Events a step or the detail panel lists, at most. */
const DETAIL_EVENTS = 40;

export class Picture {
  constructor() {
    this.model = new CrawlModel();
    this.view = null;
    this.devtools = null;
    this.detailUrl = null;
    this.graph = new TaskGraph($('graph'), this.model, (url) => this.showDetail(url));
    this.lanes = new Lanes($('lanes'), this.model);
    this.renderLegend();
    $('detail-close').addEventListener('click', () => this.hideDetail());
    window.addEventListener('resize', () => this.draw(true));
  }

  /** Whether events go to the console (`?log=1` or the checkbox). */
  logging() {
    return $('log-events').checked;
  }

  /** A new current view: start a fresh model (and devtools timeline for a live crawl). */
  follow(view) {
    this.view = view;
    this.model = view.kind === 'report' ? CrawlModel.fromReport(view.report()) : new CrawlModel();
    this.graph.setModel(this.model);
    this.lanes.setModel(this.model);
    this.devtools = view.kind === 'crawl' ? new Devtools(view.originMs, this.logging()) : null;
    this.hideDetail();
    this.update();
  }

  /** Fold the view's new events into the model, then redraw what changed. */
  update() {
    const view = this.view;
    if (!view || view.kind === 'report') {
      this.draw();
      return;
    }
    if (view.eventCount < this.model.seen) {
      // A replay moved back: fold again from the start.
      this.model = new CrawlModel();
      this.graph.setModel(this.model);
      this.lanes.setModel(this.model);
    }
    const events = view.events(this.model.seen);
    this.model.apply(events);
    if (this.devtools) {
      this.devtools.logToConsole = this.logging();
      this.devtools.apply(events);
    }
    const paused = view.kind === 'replay' || view.paused;
    this.model.markReady(paused ? view.ready() : []);
    this.draw();
    if (this.detailUrl) this.showDetail(this.detailUrl, false);
  }

  draw(force = false) {
    this.graph.draw(force);
    this.lanes.draw(force);
  }

  /** Ring the nodes a step touched. */
  highlight(events) {
    this.graph.highlight = new Set(events.map((e) => e.url ?? e.to).filter(Boolean));
    this.graph.draw(true);
  }

  renderLegend() {
    $('legend').replaceChildren(...Object.entries(STATES).map(([state, { color, label }]) => {
      const li = document.createElement('li');
      li.dataset.state = state;
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = color;
      li.append(swatch, document.createTextNode(label));
      return li;
    }));
  }

  hideDetail() {
    this.detailUrl = null;
    $('task-detail').hidden = true;
    this.graph.selected = null;
  }

  /** The detail of a page and the task that processed it (text only). */
  showDetail(url, scroll = true) {
    const view = this.view;
    if (!view) return;
    this.detailUrl = url;
    const panel = $('task-detail');
    panel.hidden = false;
    $('detail-title').textContent = url;
    const info = view.task(url);
    const page = info?.page ?? view.report().pages.find((p) => p.url === url || p.aliases.includes(url));
    const names = new Map(view.tasks().map((t) => [t.task, t.name]));
    const rows = [];
    if (page) {
      rows.push(['outcome', page.outcome], ['status', page.status ?? '—'], ['bytes', page.size ?? '—'],
        ['links new / total', `${page.newLinks} / ${page.links.length}`], ['tries', page.tries], ['depth', page.depth],
        ['found on', page.parent ?? '(a root)'], ['time', page.startMs != null && page.endMs != null
          ? `${Math.round(page.endMs - page.startMs)} ms` : '—']);
      if (page.aliases.length) rows.push(['redirected from', page.aliases.join(' ')]);
      if (page.error) rows.push(['error', page.error]);
    } else {
      rows.push(['outcome', 'alias (redirected)']);
    }
    fillList($('detail-page'), rows);

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
