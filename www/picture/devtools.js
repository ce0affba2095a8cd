// The same tasks in the browser's devtools:
// - Performance panel: each fetch and parse as a named span on a track per
//   worker (User Timing `performance.measure` with the devtools
//   extensibility `detail`; Chrome shows them while recording). Each entry
//   is cleared from the buffer right after it is made, so a long crawl does
//   not grow it without bound — a recording has already captured it.
// - Opt-in console log (`?log=1` or the checkbox): one collapsed group per
//   URL with its events, printed when the URL's processing ends.

/**
 * An event's time on the real clock since the crawl started: the Performance
 * panel's timeline is real time, pauses included (`tMs` is crawl time).
 */
const wall = (e) => e.wallMs ?? e.tMs;

export class Devtools {
  /** `originMs`: the crawl's start on the performance.now() clock. */
  constructor(originMs, logToConsole) {
    this.origin = originMs;
    this.logToConsole = logToConsole;
    this.open = new Map(); // task → { kind, url, start }
    this.byUrl = new Map(); // url → events, for the console groups
  }

  apply(events) {
    for (const e of events) {
      if (this.logToConsole && e.url) {
        if (!this.byUrl.has(e.url)) this.byUrl.set(e.url, []);
        this.byUrl.get(e.url).push(e);
        if (e.type === 'pageEnd') this.printGroup(e.url, e.outcome);
      }
      switch (e.type) {
        case 'fetchStart': this.begin(e.task, 'fetch', e.url, wall(e)); break;
        case 'fetchEnd': this.begin(e.task, 'parse', e.url, wall(e)); break;
        case 'taskDone':
        case 'taskExited': this.begin(e.task, null, null, wall(e)); break;
        default: break;
      }
    }
  }

  /** Close the task's open span (as a measure) and open the next. */
  begin(task, kind, url, t) {
    const open = this.open.get(task);
    if (open) this.measure(task, open, t);
    if (kind) this.open.set(task, { kind, url, start: t }); else this.open.delete(task);
  }

  measure(task, span, end) {
    const name = `${span.kind} ${span.url}`;
    try {
      performance.measure(name, {
        start: this.origin + span.start,
        end: this.origin + Math.max(end, span.start),
        detail: {
          devtools: {
            dataType: 'track-entry',
            track: `worker ${task}`,
            trackGroup: 'crawlscope',
            color: span.kind === 'fetch' ? 'primary' : 'tertiary',
            tooltipText: name,
          },
        },
      });
      performance.clearMeasures(name);
    } catch {
      // Older browsers without measure options: the picture still works.
    }
  }

  printGroup(url, outcome) {
    const events = this.byUrl.get(url) ?? [];
    this.byUrl.delete(url);
    console.groupCollapsed(`crawlscope: ${url} — ${outcome}`);
    for (const e of events) console.log(`${e.tMs.toFixed(1)} ms`, e.type, e);
    console.groupEnd();
  }
}
