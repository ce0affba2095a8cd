// Who woke whom: one incremental fold over the event log's `wake` events,
// for the wake view (wakes.js). Like model.js it is fed a batch of new
// events at a time, so a frame costs what happened since the last one,
// never the crawl's size.
//
// A `wake` event says task B, parked at an await point, was woken `by` a
// cause: another task (during that task's poll: its `put` woke a `get`, its
// `task_done` woke `join`), the task itself, the network, a timer, or
// something outside every task (Stop). Here each cause becomes a node —
// one per task plus the sources `network`, `timer` (and `outside`, once it
// wakes anyone) — and each (waker, woken) pair an edge with its count and
// its latest wakes, each with the await point, the time, the URL involved
// and the replay step at which it can be seen.

/** Wakes kept per edge for its detail (the count goes on past it): memory stays bounded per edge. */
export const KEPT_PER_EDGE = 100;
/** Wakes of one batch the view flashes (a step makes a few; a busy frame, many: the latest are enough). */
const RECENT = 8;

/** The sources that are not tasks, in drawing order. `outside` appears only once it wakes someone. */
export const SOURCES = {
  network: { label: 'network', always: true },
  timer: { label: 'timer', always: true },
  external: { label: 'outside (Stop)', always: false },
};

/** The node key of a wake's cause (`by`) woken task `task`. */
export function causeKey(by, task) {
  switch (by?.kind) {
    case 'task': return `task:${by.task}`;
    case 'selfWake': return `task:${task}`;
    case 'network': case 'timer': case 'external': return by.kind;
    default: return 'external';
  }
}

export class WakeModel {
  constructor() {
    /** key → { key, label, kind: 'worker' | 'supervisor' | 'source', task, out, in } */
    this.nodes = new Map();
    /** `from>to` → { key, from, to, count, byAt: { point: n }, wakes: [record…] (the latest KEPT_PER_EDGE) } */
    this.edges = new Map();
    /** Wakes folded in all. */
    this.total = 0;
    /** The latest wake record (what the view says in words). */
    this.latest = null;
    /** Wakes of the latest batches, not yet taken by the view (at most RECENT). */
    this.recent = [];
    /** Edges and nodes added or changed since the view last took them. */
    this.changedEdges = new Set();
    this.nodesChanged = false;
    this.version = 0;
    this.seen = 0;
    // What the fold needs to name a wake's URL and its replay step.
    /** The task being polled now (a poll never nests: one thread), or null between polls. */
    this.polling = null;
    /** The URL of the latest `put` in the current poll: a put wakes a `get`. */
    this.lastPut = null;
    /** task → the URL it works on (from its `get`), and → the URL its latest request asked for. */
    this.taskUrl = new Map();
    this.fetchUrl = new Map();
    /** `pollStart`s so far: the replay's step n is the state after the n-th poll. */
    this.polls = 0;
    for (const [key, source] of Object.entries(SOURCES)) if (source.always) this.addSource(key);
  }

  addSource(key) {
    if (this.nodes.has(key)) return this.nodes.get(key);
    const node = { key, label: SOURCES[key]?.label ?? key, kind: 'source', task: null, out: 0, in: 0 };
    this.nodes.set(key, node);
    this.nodesChanged = true;
    return node;
  }

  addTask(task, name) {
    const key = `task:${task}`;
    let node = this.nodes.get(key);
    if (!node) {
      node = { key, label: `task ${task}`, kind: 'worker', task, out: 0, in: 0 };
      this.nodes.set(key, node);
    }
    if (name) {
      node.label = name;
      node.kind = name === 'supervisor' ? 'supervisor' : 'worker';
    }
    this.nodesChanged = true;
    return node;
  }

  /** Tasks in drawing order: the workers by id, then the supervisor. */
  tasks() {
    const all = [...this.nodes.values()].filter((n) => n.kind !== 'source');
    return [...all.filter((n) => n.kind === 'worker').sort((a, b) => a.task - b.task),
      ...all.filter((n) => n.kind === 'supervisor')];
  }

  sources() {
    return Object.keys(SOURCES).map((key) => this.nodes.get(key)).filter(Boolean);
  }

  /** Edges changed since the last call (new or counted again). */
  takeChangedEdges() {
    const changed = this.changedEdges;
    this.changedEdges = new Set();
    return changed;
  }

  /** The wakes of the latest batches, once (the view flashes them). */
  takeRecent() {
    const recent = this.recent;
    this.recent = [];
    return recent;
  }

  /** Fold a batch of events (in order). */
  apply(events) {
    const before = this.total;
    for (const e of events) this.applyOne(e);
    this.seen += events.length;
    if (this.total > before || this.nodesChanged) this.version += 1;
  }

  applyOne(e) {
    switch (e.type) {
      case 'taskSpawned': this.addTask(e.task, e.name); break;
      case 'pollStart':
        this.polls += 1;
        this.polling = e.task;
        this.lastPut = null;
        break;
      case 'pollEnd':
        this.polling = null;
        this.lastPut = null;
        break;
      case 'queuePut': this.lastPut = e.url; break;
      case 'queueGet': this.taskUrl.set(e.task, e.url); break;
      case 'fetchStart': this.fetchUrl.set(e.task, e.url); break;
      case 'taskDone': this.taskUrl.delete(e.task); break;
      case 'wake': this.wake(e); break;
      default: break;
    }
  }

  /** The URL a wake is about: the URL put (put → get), the URL finished (→ join), else the woken task's request. */
  urlOf(e, from) {
    const waker = e.by?.kind === 'task' ? e.by.task : null;
    if (waker != null && e.at === 'queueGet' && this.lastPut) return this.lastPut;
    if (waker != null && e.at === 'join') return this.taskUrl.get(waker) ?? null;
    if (from === 'network' || e.at === 'fetch' || e.at === 'bodyRead') return this.fetchUrl.get(e.task) ?? this.taskUrl.get(e.task) ?? null;
    return this.taskUrl.get(e.task) ?? this.fetchUrl.get(e.task) ?? null;
  }

  wake(e) {
    const from = causeKey(e.by, e.task);
    const to = `task:${e.task}`;
    if (SOURCES[from]) this.addSource(from);
    else if (!this.nodes.has(from)) this.addTask(Number(from.slice(5)));
    if (!this.nodes.has(to)) this.addTask(e.task);
    const key = `${from}>${to}`;
    let edge = this.edges.get(key);
    if (!edge) {
      edge = { key, from, to, count: 0, byAt: {}, wakes: [] };
      this.edges.set(key, edge);
    }
    // Seen in a replay at the step of the poll it happened in; a wake between polls (the network, a
    // timer) first shows with the next step.
    const step = this.polling != null ? this.polls : this.polls + (this.polls > 0 ? 1 : 0);
    const record = { seq: e.seq, tMs: e.tMs, from, to, at: e.at ?? null, url: this.urlOf(e, from), step };
    edge.count += 1;
    edge.byAt[record.at] = (edge.byAt[record.at] ?? 0) + 1;
    edge.wakes.push(record);
    if (edge.wakes.length > KEPT_PER_EDGE) edge.wakes.shift();
    this.nodes.get(from).out += 1;
    this.nodes.get(to).in += 1;
    this.changedEdges.add(edge);
    this.total += 1;
    this.latest = record;
    this.recent.push(record);
    if (this.recent.length > RECENT) this.recent.shift();
  }

  /** The await point that most of an edge's wakes were parked at. */
  static mainPoint(edge) {
    let best = null;
    for (const [point, n] of Object.entries(edge.byAt)) if (!best || n > edge.byAt[best]) best = point;
    return best;
  }
}
