// What the worker lanes draw, folded from the event log a batch at a time:
// per task, its spans (fetching, parsing, waiting for a connection slot,
// backing off, parked at `queue.get()`, the supervisor parked at `join()`),
// and the two numbers `queue.join()` waits on over time.
//
// Small crawls are drawn span by span, exactly. A big one has far more spans
// than pixels, so every closed span also adds its time to fixed buckets
// (BUCKET_MS wide) per task and kind: drawing then costs per pixel, not per
// span, however long the crawl ran.

/** Width of a time bucket, ms. */
export const BUCKET_MS = 25;
/** Span kinds, in the order their coverage is kept. */
export const KINDS = ['idle', 'wait', 'fetch', 'parse', 'backoff', 'join'];
/** Raw queue points kept before the series is drawn from buckets only. */
const MAX_RAW_POINTS = 8000;

/** A growable Float32Array per kind: milliseconds of each kind in each bucket. */
class Coverage {
  constructor() {
    this.size = 0;
    this.data = KINDS.map(() => new Float32Array(256));
  }

  add(kind, start, end) {
    const k = KINDS.indexOf(kind);
    if (k < 0 || !(end > start)) return;
    const last = Math.floor(end / BUCKET_MS);
    this.grow(last + 1);
    const column = this.data[k];
    for (let b = Math.floor(start / BUCKET_MS); b <= last; b += 1) {
      const from = Math.max(start, b * BUCKET_MS);
      const to = Math.min(end, (b + 1) * BUCKET_MS);
      if (to > from) column[b] += to - from;
    }
  }

  grow(n) {
    if (n <= this.size) return;
    if (n > this.data[0].length) {
      let cap = this.data[0].length;
      while (cap < n) cap *= 2;
      this.data = this.data.map((old) => {
        const next = new Float32Array(cap);
        next.set(old);
        return next;
      });
    }
    this.size = n;
  }
}

export class LaneModel {
  constructor() {
    /** task id → { id, name, spans, open, coverage } in spawn order. */
    this.tasks = new Map();
    /** Spans closed so far, all tasks: past a few per pixel, lanes draw from the buckets. */
    this.closedSpans = 0;
    /** Queue points [{ t, len, unfinished }] while few; then only the buckets below. */
    this.points = [];
    this.rawPoints = true;
    /** Per bucket: the highest queue length and unfinished count seen in it (-1: none). */
    this.qMaxLen = new Float32Array(256).fill(-1);
    this.qMaxUnf = new Float32Array(256).fill(-1);
    this.qBuckets = 0;
    this.maxUnfinished = 1;
    this.len = 0;
    this.unfinished = 0;
    this.supervisor = null;
  }

  task(id) {
    let task = this.tasks.get(id);
    if (!task) {
      task = { id, name: `task ${id}`, spans: [], open: null, coverage: new Coverage() };
      this.tasks.set(id, task);
    }
    return task;
  }

  /** Close the task's open span at `t` and open one of `kind` (none when null). */
  span(id, kind, t) {
    const task = this.task(id);
    const open = task.open;
    if (open) {
      open.end = t;
      task.coverage.add(open.kind, open.start, t);
      this.closedSpans += 1;
    }
    task.open = kind ? { kind, start: t, end: null } : null;
    if (task.open) task.spans.push(task.open);
  }

  /** Open `kind` unless the task is already in it (a parked task is polled again without moving on). */
  park(id, kind, t) {
    if (this.task(id).open?.kind !== kind) this.span(id, kind, t);
  }

  queuePoint(t, len, unfinished) {
    this.len = len;
    this.unfinished = unfinished;
    this.maxUnfinished = Math.max(this.maxUnfinished, unfinished, len);
    if (this.rawPoints) {
      this.points.push({ t, len, unfinished });
      if (this.points.length > MAX_RAW_POINTS) {
        this.rawPoints = false;
        this.points = [];
      }
    }
    const b = Math.floor(t / BUCKET_MS);
    if (b >= this.qMaxLen.length) {
      let cap = this.qMaxLen.length;
      while (cap <= b) cap *= 2;
      const grow = (old) => { const next = new Float32Array(cap).fill(-1); next.set(old); return next; };
      this.qMaxLen = grow(this.qMaxLen);
      this.qMaxUnf = grow(this.qMaxUnf);
    }
    this.qMaxLen[b] = Math.max(this.qMaxLen[b], len);
    this.qMaxUnf[b] = Math.max(this.qMaxUnf[b], unfinished);
    this.qBuckets = Math.max(this.qBuckets, b + 1);
  }

  apply(e) {
    const t = e.tMs;
    switch (e.type) {
      case 'taskSpawned':
        this.task(e.task).name = e.name;
        if (e.name === 'supervisor') this.supervisor = e.task;
        break;
      case 'pollEnd':
        // Parked where the chapter's coroutines wait: a worker at queue.get(), the supervisor at join().
        if (!e.ready && e.awaiting === 'queueGet') this.park(e.task, 'idle', t);
        else if (!e.ready && e.awaiting === 'join') this.park(e.task, 'join', t);
        break;
      case 'queuePut': this.queuePoint(t, e.len, e.unfinished); break;
      case 'queueGet':
        this.span(e.task, null, t);
        this.queuePoint(t, e.len, e.unfinished);
        break;
      case 'slotWait': this.span(e.task, 'wait', t); break;
      case 'fetchStart': this.span(e.task, 'fetch', t); break;
      case 'fetchEnd': this.span(e.task, 'parse', t); break;
      case 'retryScheduled': this.span(e.task, 'backoff', t); break;
      case 'taskDone':
        this.span(e.task, null, t);
        this.queuePoint(t, this.len, e.unfinished);
        break;
      case 'taskExited': this.span(e.task, null, t); break;
      case 'joinResolved':
      case 'stopRequested':
        if (this.supervisor != null) this.span(this.supervisor, null, t);
        break;
      default: break;
    }
  }
}
