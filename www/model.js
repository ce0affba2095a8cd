// The picture's model: a fold over the event log, in JS, kept up to date a
// batch of events at a time. Like the Report on the Rust side, nothing here
// is set any other way, so the picture, the table and a replay agree.

/** Node states, in drawing order, with their colours and labels. */
export const STATES = {
  queued: { color: '#9aa5b1', label: 'queued' },
  ready: { color: '#7c5cc4', label: 'ready (woken, waiting for a poll)' },
  waiting: { color: '#d9a21b', label: 'waiting for a connection slot' },
  fetching: { color: '#e0672b', label: 'fetching' },
  parsing: { color: '#c23a6b', label: 'parsing' },
  done: { color: '#2f8f5b', label: 'done' },
  alias: { color: '#5f8fd0', label: 'alias (redirected here)' },
  failed: { color: '#c62828', label: 'failed' },
  skipped: { color: '#8d6e63', label: 'skipped' },
  notCrawled: { color: '#cfd8dc', label: 'not crawled (stopped)' },
};

const TERMINAL = {
  done: 'done',
  failed: 'failed',
  alias: 'alias',
  'not crawled (stopped)': 'notCrawled',
};

export class CrawlModel {
  constructor() {
    /** url → { url, depth, parent, state, order, task, aliasOf } */
    this.nodes = new Map();
    /** Nodes in discovery order (layout uses it). */
    this.order = [];
    /** Redirect edges: requested → final. */
    this.redirects = [];
    /** task → { name, spans: [{ kind, url, start, end }], current } for the lanes. */
    this.tasks = new Map();
    /** [{ t, len, unfinished }] after every put / get / task_done. */
    this.queue = [];
    this.seen = 0; // events folded so far
    this.lastT = 0;
    this.finished = false;
    this.version = 0; // bumped on every change, so views redraw only when needed
  }

  node(url) {
    return this.nodes.get(url);
  }

  addNode(url, depth, parent) {
    if (this.nodes.has(url)) return this.nodes.get(url);
    const node = { url, depth, parent, state: 'queued', order: this.order.length, task: null, aliasOf: null };
    this.nodes.set(url, node);
    this.order.push(node);
    return node;
  }

  task(id) {
    if (!this.tasks.has(id)) this.tasks.set(id, { name: `task ${id}`, spans: [], open: null });
    return this.tasks.get(id);
  }

  /** Start a lane span for a task, closing the previous one. */
  span(id, kind, url, t) {
    const task = this.task(id);
    if (task.open) task.open.end = t;
    task.open = kind ? { kind, url, start: t, end: null } : null;
    if (task.open) task.spans.push(task.open);
  }

  /** Fold a batch of events (in order). */
  apply(events) {
    for (const e of events) this.applyOne(e);
    this.seen += events.length;
    if (events.length) this.version += 1;
  }

  applyOne(e) {
    this.lastT = e.tMs;
    switch (e.type) {
      case 'taskSpawned': this.task(e.task).name = e.name; break;
      case 'queuePut':
        this.addNode(e.url, e.depth, e.parent);
        this.queue.push({ t: e.tMs, len: e.len, unfinished: e.unfinished });
        break;
      case 'queueGet': {
        const n = this.node(e.url);
        if (n) n.task = e.task;
        this.queue.push({ t: e.tMs, len: e.len, unfinished: e.unfinished });
        break;
      }
      case 'slotWait': this.setState(e.url, 'waiting'); this.span(e.task, 'wait', e.url, e.tMs); break;
      case 'fetchStart': this.setState(e.url, 'fetching'); this.span(e.task, 'fetch', e.url, e.tMs); break;
      case 'fetchEnd': this.setState(e.url, 'parsing'); this.span(e.task, 'parse', e.url, e.tMs); break;
      case 'retryScheduled': this.setState(e.url, 'waiting'); this.span(e.task, 'backoff', e.url, e.tMs); break;
      case 'redirected': {
        // The requested URL becomes an alias node pointing at the final page.
        this.redirects.push({ from: e.from, to: e.to });
        const from = this.node(e.from);
        const to = this.addNode(e.to, from?.depth ?? 0, from?.parent ?? null);
        if (from) {
          from.aliasOf = e.to;
          from.state = 'alias';
        }
        if (!e.coalesced) {
          to.state = 'parsing'; // this response is the final page's
          to.task = from?.task ?? null;
        }
        break;
      }
      case 'pageEnd': {
        const state = TERMINAL[e.outcome] ?? (e.outcome.startsWith('skipped') ? 'skipped' : 'done');
        const n = this.node(e.url);
        if (n && n.state !== 'alias') n.state = state;
        if (n?.aliasOf && state !== 'alias') {
          const target = this.node(n.aliasOf);
          if (target && !['done', 'failed'].includes(target.state)) target.state = state;
        }
        break;
      }
      case 'taskDone':
        this.span(e.task, null, null, e.tMs);
        this.queue.push({ t: e.tMs, len: this.queue.at(-1)?.len ?? 0, unfinished: e.unfinished });
        break;
      case 'taskExited': this.span(e.task, null, null, e.tMs); break;
      case 'finished': this.finished = true; break;
      default: break;
    }
  }

  setState(url, state) {
    const n = this.node(url);
    if (n && n.state !== 'alias') n.state = state;
  }

  /** A saved report has no events: build the nodes from its pages instead. */
  static fromReport(report) {
    const model = new CrawlModel();
    const pages = [...report.pages].sort((a, b) => a.depth - b.depth || (a.startMs ?? 0) - (b.startMs ?? 0));
    for (const page of pages) {
      const node = model.addNode(page.url, page.depth, page.parent);
      node.state = TERMINAL[page.outcome] ?? (page.outcome.startsWith('skipped') ? 'skipped' : page.outcome);
      if (!STATES[node.state]) node.state = 'queued';
      for (const alias of page.aliases) {
        const a = model.addNode(alias, page.depth, page.parent);
        a.state = 'alias';
        a.aliasOf = page.url;
        model.redirects.push({ from: alias, to: page.url });
      }
    }
    model.finished = true;
    model.version += 1;
    return model;
  }

  /** Mark the URLs whose tasks sit in the ready list (live, while paused). */
  markReady(ready) {
    const tasks = new Set(ready.map((r) => r.task));
    const settled = new Set(['done', 'failed', 'skipped', 'alias', 'notCrawled']);
    let changed = false;
    for (const n of this.order) {
      const ready = n.task != null && tasks.has(n.task) && !settled.has(n.state);
      if (Boolean(n.ready) !== ready) { n.ready = ready; changed = true; }
    }
    if (changed) this.version += 1; // redraw only when something changed
  }

  /** The state a node is drawn in (ready overrides while paused). */
  drawState(n) {
    return n.ready ? 'ready' : n.state;
  }
}
