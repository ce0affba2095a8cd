// The step scene's timeline: one worker task's polls and wakes, folded from
// the crawl's event log. A poll is `pollStart` … `pollEnd` of the worker
// (with what happened in between); a wake is the first `wake` of the worker
// after it parked — what made it ready. The supervisor's polls are side notes.

import { el, shortUrl } from './dom.js';
import { awaitName } from '../stepping/stepping.js';

/** Where a task parks, in words: the page's names, and two it does not have. */
export const parkText = (point) => ({ yield: 'yield (setTimeout 0: the page gets a turn)',
  hostSlot: 'a connection slot' }[point] ?? awaitName(point));

/** What woke a task, in words (`cause` is a ready entry's `wokenBy` or a wake event's `by`). */
export function causeText(cause, names) {
  if (!cause) return 'nothing yet (just created: its first poll)';
  if (cause.kind === 'task') return names.get(cause.task) ?? `task ${cause.task}`;
  return { network: 'the network', timer: 'a timer', selfWake: 'itself', external: 'outside (stop / cancel)' }[cause.kind]
    ?? String(cause.kind);
}

/** A cause as a short key: `network`, `timer`, `task 1`, `spawned`. */
export const causeKey = (cause) =>
  (!cause ? 'spawned' : cause.kind === 'task' ? `task ${cause.task}` : String(cause.kind));

/** What a poll did when it has no event of its own: it went on from where it was parked. */
const WENT_ON = { bodyRead: 'read more of the body', yield: 'parsed a slice of the page', fetch: 'fetch went on',
  hostSlot: 'got a connection slot', timer: 'the timer fired' };

export class Timeline {
  /** `list`: the <ol> the lines go in. */
  constructor(list) {
    this.list = list;
    this.reset(null, new Map(), '');
  }

  /** Start afresh for task `worker`; `names` by task id; URLs under `base` are shown as paths. */
  reset(worker, names, base) {
    Object.assign(this, { worker, names, base, polls: 0, inPoll: null, parkedAt: null, woken: true, other: null,
      stopped: false });
    this.list.replaceChildren();
  }

  line(kind, ...parts) {
    const li = el('li', { class: `sc-${kind}`, dataset: { kind } }, ...parts);
    this.list.append(li);
    // Follow the newest line inside the list only (scrollIntoView would scroll a host page too).
    this.list.scrollTop = this.list.scrollHeight;
    return li;
  }

  name(task) {
    return this.names.get(task) ?? `task ${task}`;
  }

  /** Fold events (in log order) into lines. */
  fold(events) {
    for (const e of events) this.foldOne(e);
  }

  foldOne(e) {
    const mine = e.task === this.worker;
    if (e.type === 'pollStart' && mine) {
      this.polls += 1;
      this.inPoll = { did: [], puts: 0, wakes: [] };
    } else if (e.type === 'pollEnd' && mine && this.inPoll) {
      this.endPoll(e);
    } else if (e.type === 'wake' && mine) {
      // Woken during its own poll: shown after the poll's line.
      if (this.inPoll) this.inPoll.wakes.push(e); else this.wake(e);
    } else if (e.type === 'pollStart') {
      this.other = { task: e.task, did: [] };
    } else if (e.type === 'pollEnd' && this.other && e.task === this.other.task) {
      const { did, exit } = this.other;
      this.line('aside', `${this.name(e.task)} polled: ${did.length ? did.join(' · ') : `parked at ${parkText(e.awaiting)}`}`);
      if (exit) this.line('end', exit);
      this.other = null;
    } else if (e.type === 'stopRequested') {
      this.stopped = true;
    } else if (e.type === 'taskExited' && mine) {
      let exit = 'the task returned';
      if (e.cancelled) {
        exit = this.stopped ? 'cancelled: the crawl was stopped (its future dropped where it was parked)'
          : 'cancelled by the supervisor once queue.join() returned (w.cancel() in the chapter)';
      }
      // Cancelled during the supervisor's poll: shown after that poll's line.
      if (this.other) this.other.exit = exit; else this.line('end', exit);
    } else if (this.inPoll && mine) {
      const did = describe(e, this.base);
      // task_done() is what woke join(): its wake is recorded first, but it reads better after.
      if (e.type === 'taskDone' && this.inPoll.did.at(-1)?.startsWith('woke')) this.inPoll.did.splice(-1, 0, did);
      else if (did) this.inPoll.did.push(did);
    } else if (this.inPoll) {
      // What the worker's poll did to others: its put woke a getter, its task_done woke join().
      if (e.type === 'wake') this.inPoll.did.push(`woke ${this.name(e.task)}`);
      else if (e.type === 'queuePut') this.inPoll.puts += 1;
    } else if (this.other) {
      if (e.type === 'joinResolved') this.other.did.push('queue.join() returned');
      else if (e.type === 'workersCancelled') this.other.did.push(`cancelled ${e.tasks} worker`);
      else if (e.type === 'finished') this.other.did.push('crawl finished');
    }
  }

  /** The worker's poll ended: "poll #n → did X → Pending at Y", then any wake that came during it. */
  endPoll(e) {
    const end = e.ready ? 'returned: the task is done' : `Pending at ${parkText(e.awaiting)}`;
    const li = this.line('poll', el('strong', { text: `poll #${this.polls}` }), ' → ',
      el('span', { class: 'sc-did', text: this.didText(this.inPoll) }), ' → ', el('span', { class: 'sc-pending', text: end }));
    li.dataset.awaiting = e.awaiting ?? '';
    const { wakes } = this.inPoll;
    this.inPoll = null;
    this.parkedAt = e.awaiting ?? null;
    this.woken = false;
    for (const w of wakes) this.wake(w);
  }

  /** What a poll did, in a line. */
  didText(poll) {
    const did = [...poll.did];
    // The puts come right after the links are found: keep them together, counted.
    if (poll.puts) {
      const at = did.findIndex((d) => d.startsWith('parsed'));
      did.splice(at < 0 ? did.length : at + 1, 0, `put ${poll.puts} on the queue`);
    }
    return did.length ? did.join(' · ') : WENT_ON[this.parkedAt] ?? 'went on';
  }

  /** The first wake after a park: what made the task ready (later ones change nothing). */
  wake(e) {
    if (this.woken) return;
    this.woken = true;
    this.line('wake', `woken by ${causeText(e.by, this.names)} at ${parkText(e.at)}`).dataset.cause = causeKey(e.by);
  }
}

/** One of the worker's own events, in a few words (null: not worth a word). */
function describe(e, base) {
  switch (e.type) {
    case 'queueGet': return `took ${shortUrl(e.url, base)} off the queue`;
    case 'slotWait': return 'waits for a connection slot';
    case 'fetchStart': return `GET ${shortUrl(e.url, base)}`;
    case 'fetchEnd': return e.result?.kind === 'response'
      ? `response ${e.result.status}, ${e.result.bytes} bytes` : 'fetch failed';
    case 'redirected': return `redirected to ${shortUrl(e.to, base)}`;
    case 'linksFound': return `parsed: ${e.links.length} links, ${e.new} new`;
    case 'retryScheduled': return `retry in ${Math.round(e.delayMs)} ms`;
    case 'taskDone': return 'task_done()';
    default: return null;
  }
}
