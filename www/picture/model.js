// The page's model of a crawl: one incremental fold over the event log, in
// JS, fed a batch of new events at a time (`handle.events(from)`). The task
// graph, the lanes, the results table and the counters all read it, so none
// of them ever asks for the whole-crawl Report while a crawl runs: the cost
// of a frame depends on what changed since the last one, not on how big the
// crawl is. Like the Report on the Rust side (src/report.rs, whose rules the
// row fold below mirrors), nothing here is set any other way, so the
// picture, the table and a replay agree.
//
// What it keeps:
// - `nodes`: a node per URL (aliases included) for the graph, with its state;
// - `rows`: a row per final URL for the table, the Report's page fields;
// - `counts`: the counters, kept by moving a row between categories when its
//   outcome changes (never by counting all rows);
// - `lanes`: per task spans (fetch, parse, waiting…) plus the queue series;
// - change lists (`takeChangedNodes`, `takeChangedRows`) that the views
//   consume, so each view redraws only what changed.

import { LaneModel } from './lanes-model.js';

/** Node states, in drawing order, with their colours and labels. */
export const STATES = {
  queued: { color: '#9aa5b1', label: 'queued' },
  ready: { color: '#7c5cc4', label: 'ready (woken, waiting for a poll)' },
  waiting: { color: '#d9a21b', label: 'waiting for a connection slot' },
  fetching: { color: '#e0672b', label: 'fetching' },
  parsing: { color: '#c23a6b', label: 'parsing' },
  done: { color: '#2f8f5b', label: 'done' },
  httpError: { color: '#e8590c', label: 'done, HTTP error (4xx/5xx)' },
  alias: { color: '#5f8fd0', label: 'alias (redirected here)' },
  failed: { color: '#c62828', label: 'failed' },
  skipped: { color: '#8d6e63', label: 'skipped' },
  notCrawled: { color: '#cfd8dc', label: 'not crawled (stopped)' },
};

/** The graph state of a page outcome (the Report's `outcome` text). */
export function stateOfOutcome(outcome, status) {
  switch (outcome) {
    case 'done': return status != null && status >= 400 ? 'httpError' : 'done';
    case 'failed': return 'failed';
    case 'alias': return 'alias';
    case 'not crawled (stopped)': return 'notCrawled';
    case 'queued': return 'queued';
    case 'waiting': return 'waiting';
    case 'fetching': case 'retrying': return 'fetching';
    case 'taken': return 'queued';
    default: return String(outcome ?? '').startsWith('skipped') ? 'skipped' : 'queued';
  }
}

/**
 * The counter a row's outcome falls in (the Report's counters, with HTTP
 * errors apart from `done`: a 500 is an answer, not a success).
 */
export function categoryOf(row) {
  switch (row.outcome) {
    case 'queued': return 'queued';
    case 'waiting': return 'waiting';
    // Taken off the queue by a worker, not yet fetching (robots.txt, a connection slot): in its hands.
    case 'taken': case 'fetching': case 'retrying': return 'inFlight';
    case 'done': return row.status != null && row.status >= 400 ? 'httpError' : 'done';
    case 'failed': return 'failed';
    case 'not crawled (stopped)': return 'notCrawled';
    default: return row.outcome.startsWith('skipped') ? 'skipped' : 'inFlight';
  }
}

const COUNTERS = ['queued', 'waiting', 'inFlight', 'done', 'httpError', 'failed', 'notCrawled', 'skipped'];

/** A fresh row: the Report's PageReport fields, `links` as a count. */
function newRow(url, depth, parent, seq) {
  return {
    url, aliases: [], status: null, contentType: null, encoding: null, encodingNote: null, size: null,
    truncated: false, links: 0, newLinks: 0, canonical: null, skips: {}, redirects: [], error: null, tries: 0, depth,
    parent, fields: null,
    startMs: null, endMs: null, outcome: 'queued', order: seq, gone: false,
  };
}

export class CrawlModel {
  constructor() {
    /** url → { url, depth, parent, state, task, aliasOf, ready, idx } (graph nodes, aliases included). */
    this.nodes = new Map();
    /** Nodes in discovery order. */
    this.order = [];
    /** Redirect edges: requested → final. */
    this.redirects = [];
    /** final url → row (the table); a requested URL that redirected points at its target's row. */
    this.rowsByUrl = new Map();
    /** Rows in discovery order (rows folded into another by a redirect are marked `gone`). */
    this.rows = [];
    /** Counters by category, kept as rows change. */
    this.counts = Object.fromEntries(COUNTERS.map((k) => [k, 0]));
    /** Links not followed, by reason, over all pages. */
    this.skips = {};
    /** The queue's length and unfinished counter after the latest put / get / task_done (exact). */
    this.queueLen = 0;
    this.unfinished = 0;
    /** How many nodes are drawn in each state (the legend shows only those present). */
    this.stateCounts = Object.fromEntries(Object.keys(STATES).map((k) => [k, 0]));
    /** task id → name (`worker 3`, `supervisor`). */
    this.names = new Map();
    /** task id → the URL it works on (for the ready marks and the detail panel). */
    this.taskUrl = new Map();
    this.lanes = new LaneModel();
    this.seen = 0; // events folded so far
    this.lastT = 0;
    this.elapsedMs = 0;
    this.endReason = null;
    this.finished = false;
    /** The first origin a `no-cors` probe found answering without CORS headers ({ origin }), or null. */
    this.corsWall = null;
    this.version = 0; // bumped on every change, so views redraw only when needed
    this.changedNodes = [];
    this.changedRows = new Set();
    this.newRows = [];
    this.readyNodes = new Set();
    /** Rows folded into another by a redirect (they stay in `rows`, marked `gone`). */
    this.goneRows = 0;
    /** The `extract` fields' names, in order of first appearance (the table's extra columns). */
    this.fieldNames = [];
  }

  /** Note the names of a page's `extract` fields (a crawl has a handful: the list stays tiny). */
  noteFields(fields) {
    for (const name of Object.keys(fields ?? {})) if (!this.fieldNames.includes(name)) this.fieldNames.push(name);
  }

  /** Rows the table lists. */
  get pageCount() {
    return this.rows.length - this.goneRows;
  }

  node(url) {
    return this.nodes.get(url);
  }

  /** The row of a URL (a redirected URL's row is its target's: later events that name it land there). */
  row(url) {
    return this.rowsByUrl.get(url);
  }

  /** Nodes changed since the last call (state, ready mark, or new). */
  takeChangedNodes() {
    const list = this.changedNodes;
    this.changedNodes = [];
    return list;
  }

  /** Rows added and rows changed since the last call. */
  takeRowChanges() {
    const added = this.newRows;
    const changed = this.changedRows;
    this.newRows = [];
    this.changedRows = new Set();
    return { added, changed };
  }

  addNode(url, depth, parent) {
    const existing = this.nodes.get(url);
    if (existing) return existing;
    const node = { url, depth, parent, state: 'queued', order: this.order.length, task: null, aliasOf: null,
      ready: false, idx: -1 };
    this.nodes.set(url, node);
    this.order.push(node);
    this.stateCounts.queued += 1;
    this.changedNodes.push(node);
    return node;
  }

  setNodeState(node, state) {
    if (!node || node.state === state) return;
    this.stateCounts[node.state] -= 1;
    this.stateCounts[state] = (this.stateCounts[state] ?? 0) + 1;
    node.state = state;
    this.changedNodes.push(node);
  }

  /** Set a node's state unless it became an alias (a redirect already settled it). */
  setState(url, state) {
    const n = this.node(url);
    if (n && n.state !== 'alias') this.setNodeState(n, state);
  }

  // ------------------------------------------------------------ rows

  addRow(row) {
    this.rowsByUrl.set(row.url, row);
    this.rows.push(row);
    this.newRows.push(row);
    this.counts[categoryOf(row)] += 1;
  }

  /** Change a row through `fn`, keeping the counters and the change list in step. */
  updateRow(row, fn) {
    if (!row) return;
    const before = categoryOf(row);
    fn(row);
    const after = categoryOf(row);
    if (before !== after) {
      this.counts[before] -= 1;
      this.counts[after] += 1;
    }
    this.changedRows.add(row);
  }

  /** `from` was answered from `to`: ReportBuilder::redirect, in JS. */
  redirectRow(from, to, coalesced, seq, hops = []) {
    const record = this.rowsByUrl.get(from);
    if (!record || record.url !== from) return;
    if (coalesced) {
      let target = this.rowsByUrl.get(to);
      if (!target || target.url !== to) {
        target = { ...record, url: to, aliases: [...record.aliases], skips: { ...record.skips }, redirects: [],
          gone: false, order: seq };
        this.addRow(target);
      }
      this.updateRow(target, (r) => {
        r.aliases.push(from);
        r.redirects.push(...hops); // hop by hop, when the local proxy saw them
      });
      this.counts[categoryOf(record)] -= 1;
      record.gone = true;
      this.goneRows += 1;
      this.changedRows.add(record);
      this.rowsByUrl.set(from, target);
    } else {
      this.updateRow(record, (r) => {
        r.redirects.push(...hops);
        r.url = to;
        r.aliases.push(from);
      });
      this.rowsByUrl.set(to, record);
      // `from` keeps pointing at the record: later events that name it land there.
    }
  }

  // ------------------------------------------------------------ the fold

  /** Fold a batch of events (in order). */
  apply(events) {
    for (const e of events) this.applyOne(e);
    this.seen += events.length;
    if (events.length) this.version += 1;
  }

  applyOne(e) {
    const t = e.tMs;
    this.lastT = t;
    if (!this.finished) this.elapsedMs = t;
    this.lanes.apply(e);
    switch (e.type) {
      case 'taskSpawned': this.names.set(e.task, e.name); break;
      case 'queuePut': {
        this.addNode(e.url, e.depth, e.parent);
        this.addRow(newRow(e.url, e.depth, e.parent ?? null, e.seq));
        this.queueLen = e.len;
        this.unfinished = e.unfinished;
        break;
      }
      case 'queueGet': {
        const n = this.node(e.url);
        if (n) n.task = e.task;
        this.taskUrl.set(e.task, e.url);
        this.queueLen = e.len;
        this.unfinished = e.unfinished;
        break;
      }
      case 'slotWait':
        this.setState(e.url, 'waiting');
        this.updateRow(this.row(e.url), (r) => { r.outcome = 'waiting'; });
        break;
      case 'fetchStart':
        this.setState(e.url, 'fetching');
        this.updateRow(this.row(e.url), (r) => {
          r.outcome = 'fetching';
          r.tries = e.attempt;
          r.startMs ??= t;
        });
        break;
      case 'fetchEnd':
        this.setState(e.url, 'parsing');
        this.updateRow(this.row(e.url), (r) => {
          r.endMs = t;
          const res = e.result ?? {};
          if (res.kind === 'response') {
            Object.assign(r, { status: res.status, contentType: res.contentType ?? null, size: res.bytes,
              truncated: Boolean(res.truncated), error: null });
          } else {
            r.error = res.error ?? 'error';
          }
        });
        break;
      case 'retryScheduled':
        this.setState(e.url, 'waiting');
        this.updateRow(this.row(e.url), (r) => { r.outcome = 'retrying'; });
        break;
      case 'redirected': {
        // The requested URL becomes an alias node pointing at the final page.
        this.redirects.push({ from: e.from, to: e.to });
        const from = this.node(e.from);
        const to = this.addNode(e.to, from?.depth ?? 0, from?.parent ?? null);
        if (from) {
          from.aliasOf = e.to;
          this.setNodeState(from, 'alias');
        }
        if (!e.coalesced) {
          this.setNodeState(to, 'parsing'); // this response is the final page's
          to.task = from?.task ?? null;
          if (to.task != null) this.taskUrl.set(to.task, e.to);
        }
        this.redirectRow(e.from, e.to, e.coalesced, e.seq, e.hops ?? []);
        break;
      }
      case 'linksFound':
        this.updateRow(this.row(e.url), (r) => {
          r.links = e.links?.length ?? 0;
          r.newLinks = e.new;
          r.encoding = e.encoding ?? null;
          r.encodingNote = e.encodingNote ?? null;
          r.canonical = e.canonical ?? null;
          r.skips = { ...(e.skipped ?? {}) };
        });
        for (const [reason, n] of Object.entries(e.skipped ?? {})) this.skips[reason] = (this.skips[reason] ?? 0) + n;
        break;
      case 'fieldsFound':
        this.noteFields(e.fields);
        this.updateRow(this.row(e.url), (r) => { r.fields = { ...(e.fields ?? {}) }; });
        break;
      case 'pageEnd': this.pageEnd(e); break;
      case 'taskDone':
        this.unfinished = e.unfinished; // task_done lowers the counter join() waits on, not the queue
        this.taskUrl.delete(e.task);
        break;
      case 'corsProbed':
        // The first origin that answered without CORS headers (the page offers the proxy for it).
        if (e.opaque && !this.corsWall) this.corsWall = { origin: e.origin };
        break;
      case 'finished':
        this.finished = true;
        this.elapsedMs = e.elapsedMs;
        this.endReason = e.reason;
        break;
      default: break;
    }
  }

  pageEnd(e) {
    const row = this.row(e.url);
    const n = this.node(e.url);
    if (e.outcome === 'alias') {
      if (n) this.setNodeState(n, 'alias');
      return; // the alias is already listed on its target
    }
    const state = stateOfOutcome(e.outcome, row?.status);
    if (n && n.state !== 'alias') this.setNodeState(n, state);
    if (n?.aliasOf) {
      const target = this.node(n.aliasOf);
      if (target && !['done', 'failed', 'httpError'].includes(target.state)) this.setNodeState(target, state);
    }
    if (e.outcome === 'skipped (robots.txt)') this.skips.robots = (this.skips.robots ?? 0) + 1;
    this.updateRow(row, (r) => {
      r.outcome = e.outcome;
      if (e.error != null) r.error = e.error;
    });
  }

  // ------------------------------------------------------------ other sources

  /** A saved report has no events: build the nodes and rows from its pages instead. */
  static fromReport(report) {
    const model = new CrawlModel();
    const pages = [...report.pages].sort((a, b) => a.depth - b.depth || (a.startMs ?? 0) - (b.startMs ?? 0));
    pages.forEach((page, i) => {
      const node = model.addNode(page.url, page.depth, page.parent);
      model.setNodeState(node, stateOfOutcome(page.outcome, page.status));
      for (const alias of page.aliases) {
        const a = model.addNode(alias, page.depth, page.parent);
        model.setNodeState(a, 'alias');
        a.aliasOf = page.url;
        model.redirects.push({ from: alias, to: page.url });
      }
      const row = { ...newRow(page.url, page.depth, page.parent, i), ...page, links: page.links.length, order: i,
        redirects: page.redirects ?? [], gone: false };
      model.addRow(row);
      model.noteFields(page.fields);
      for (const alias of page.aliases) model.rowsByUrl.set(alias, row);
    });
    model.skips = { ...report.skips };
    model.elapsedMs = report.elapsedMs;
    model.endReason = report.endReason;
    model.finished = true;
    model.version += 1;
    return model;
  }

  /** Mark the nodes whose tasks sit in the ready list (live, while paused): only those nodes are touched. */
  markReady(ready) {
    const now = new Set();
    for (const r of ready) {
      const url = this.taskUrl.get(r.task);
      const n = url && this.node(url);
      if (n && !['done', 'failed', 'skipped', 'alias', 'notCrawled', 'httpError'].includes(n.state)) now.add(n);
    }
    let changed = false;
    for (const n of this.readyNodes) {
      if (!now.has(n)) { n.ready = false; this.changedNodes.push(n); changed = true; }
    }
    for (const n of now) {
      if (!n.ready) { n.ready = true; this.changedNodes.push(n); changed = true; }
    }
    this.readyNodes = now;
    if (changed) this.version += 1; // redraw only when something changed
  }

  /** The state a node is drawn in (ready overrides while paused). */
  drawState(n) {
    return n.ready ? 'ready' : n.state;
  }
}
