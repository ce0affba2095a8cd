// The canvases' text alternative: one sentence about the crawl as it is
// now — pages done, in flight, failed, queued, and what the last step did —
// in a polite live region the canvases point at (aria-describedby). A
// screen reader hears it without the graph; everyone can read it.
//
// Throttled, never per event: the text is rebuilt at most every
// SUMMARY_MS (with a trailing update, so the last state is always told),
// from numbers the model already keeps — its cost does not grow with the
// crawl.

import { summarisePoll } from '../stepping/words.js';
import { setText } from '../dom.js';

/** At most one new sentence this often, ms: a live region that changes faster is noise. */
export const SUMMARY_MS = 1000;
/** A step told in at most this many characters. */
const STEP_CHARS = 220;

export class PictureSummary {
  constructor(el) {
    this.el = el;
    this.lastStep = '';
    this.timer = 0;
    this.saidAt = -Infinity;
    this.pending = null;
  }

  /** Forget the last step (a new view). */
  reset() {
    this.lastStep = '';
  }

  /** A poll's events (pollStart … pollEnd): the last step, in a few words. */
  step(events, names) {
    const { summary } = summarisePoll(events, names);
    let text = summary.join('; ');
    if (text.length > STEP_CHARS) text = `${text.slice(0, STEP_CHARS - 1)}…`;
    this.lastStep = text;
  }

  /** Ask for the sentence to be brought up to date (now, or once SUMMARY_MS has passed since the last). */
  update(model, view) {
    if (!this.el) return;
    this.pending = { model, view };
    if (this.timer) return;
    const wait = Math.max(0, this.saidAt + SUMMARY_MS - performance.now());
    if (wait === 0) this.say();
    else this.timer = setTimeout(() => { this.timer = 0; this.say(); }, wait);
  }

  say() {
    const { model, view } = this.pending ?? {};
    this.pending = null;
    if (!model) return;
    this.saidAt = performance.now();
    setText(this.el, sentence(model, view, this.lastStep));
  }
}

/** "Crawling: 12 pages done, 3 in flight, 0 failed, 5 queued. Last step: worker 0 was polled; …" */
export function sentence(model, view, lastStep) {
  const c = model.counts;
  let state = 'No crawl yet';
  if (view?.kind === 'replay') state = `Replay at step ${view.position} of ${view.steps}`;
  else if (view?.kind === 'report') state = 'A saved report';
  else if (view?.kind === 'crawl') state = view.finished ? `Finished (${model.endReason ?? 'ended'})` : view.paused ? 'Paused' : 'Crawling';
  if (!view) return 'No crawl yet: the task graph is empty.';
  const errors = c.httpError ? ` (and ${c.httpError} answered with an HTTP error)` : '';
  const pages = `${c.done} ${c.done === 1 ? 'page' : 'pages'} done${errors}, ${c.inFlight} in flight, ${c.failed} failed, `
    + `${model.queueLen} queued`;
  return `${state}: ${pages}.${lastStep ? ` Last step: ${lastStep}.` : ''}`;
}
