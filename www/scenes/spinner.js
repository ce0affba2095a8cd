// Scene "spinner": the seed's spinner turns while `slow_function` waits,
// because asyncio hands the one thread to whatever is ready. Here the
// spinner is drawn by this page's one thread — by requestAnimationFrame, on
// purpose: a CSS animation runs on the compositor and would keep turning
// while the thread is blocked, hiding exactly what this scene shows — beside
// a crawl that includes a 2 MiB page. The engine parses in slices and yields
// between them (`parseSliceMs`, 8 ms), so the spinner keeps turning; with
// "blocking parse" the slice is 60 s, the parse never yields, and it freezes.

import { el, setText, ms, siteNote } from './dom.js';

/** A task over this long is a "long task" (the Long Tasks API's threshold). */
const LONG_TASK_MS = 50;
/** A slice so long that parsing, in effect, never yields. */
const BLOCKING_SLICE_MS = 60_000;
/**
 * How many 2 MiB pages arrive together. Their polls run back to back in one
 * turn of the event loop, so without slices the freeze is about this many
 * parses long — a few hundred ms, long enough to see (one is under 100 ms).
 */
const HUGE_PAGES = 5;
/** Frame gaps drawn in the meter (about 2 s at 60 Hz). */
const METER_FRAMES = 120;
const GLYPHS = '|/-\\';

const supportsLongTasks = () => typeof PerformanceObserver === 'function'
  && (PerformanceObserver.supportedEntryTypes ?? []).includes('longtask');

/** The longest poll of any task, from the event log: the engine's own share of the thread. */
function longestPoll(events) {
  const open = new Map();
  let longest = 0;
  for (const e of events) {
    if (e.type === 'pollStart') open.set(e.task, e.tMs);
    else if (e.type === 'pollEnd' && open.has(e.task)) {
      longest = Math.max(longest, e.tMs - open.get(e.task));
      open.delete(e.task);
    }
  }
  return longest;
}

export function mount(container, ctx) {
  let blocking = ctx.params.blocking === true;
  let handle = null;
  let run = null; // { started, maxGap, blocking } while a crawl runs
  let destroyed = false;
  let raf = 0;
  let lastFrame = null;
  const gaps = [];
  const longTasks = []; // { start, duration }, kept for the run in progress only
  let observer = null;
  if (supportsLongTasks()) {
    try {
      observer = new PerformanceObserver((list) => {
        if (!run) return;
        for (const entry of list.getEntries()) longTasks.push({ start: entry.startTime, duration: entry.duration });
      });
      observer.observe({ type: 'longtask' });
    } catch {
      observer = null; // listed but refused: judge by the frame gaps instead
    }
  }
  const canObserve = observer !== null;

  const wheel = el('div', { class: 'sc-wheel', 'aria-hidden': 'true' });
  const glyph = el('code', { class: 'sc-glyph', 'aria-hidden': 'true' });
  const meter = el('canvas', { class: 'sc-meter', width: 240, height: 48,
    'aria-label': 'frame gaps of the last two seconds; the line is 50 ms' });
  const toggle = el('input', { type: 'checkbox', name: 'blocking', role: 'switch', checked: blocking });
  const runButton = el('button', { type: 'button', class: 'sc-primary', text: 'Crawl' });
  const stopButton = el('button', { type: 'button', text: 'Stop', disabled: true });
  const status = el('p', { class: 'sc-status', 'aria-live': 'polite' });
  const figures = {
    task: el('dd', { text: '—' }), gap: el('dd', { text: '—' }), poll: el('dd', { text: '—' }),
  };
  const verdict = el('p', { class: 'sc-verdict', 'aria-live': 'polite' });
  const tbody = el('tbody');

  const root = el('section', { class: 'sc-scene sc-spinner', 'aria-label': 'The spinner' },
    el('h3', { text: 'The spinner' }),
    el('p', { class: 'sc-lede', text: 'The chapter\'s spinner turns while slow_function waits: asyncio gives the one '
      + 'thread to whatever is ready. This one is drawn every frame by this page\'s one thread (requestAnimationFrame, '
      + 'not a CSS animation, which runs on the compositor and would turn even while the thread is blocked), '
      + `beside a crawl of 200 pages and ${HUGE_PAGES} pages of 2 MiB that arrive together.` }),
    siteNote(ctx.siteLabel),
    el('div', { class: 'sc-stage' }, wheel, glyph, meter),
    el('div', { class: 'sc-controls' },
      el('label', { class: 'sc-switch' }, toggle, el('span', { text: 'Blocking parse: the whole page in one go, never giving the event loop back' })),
      runButton, stopButton),
    status,
    el('dl', { class: 'sc-figures' },
      el('dt', { text: 'Longest main-thread task' }), figures.task,
      el('dt', { text: 'Longest gap between frames' }), figures.gap,
      el('dt', { text: 'Longest engine poll' }), figures.poll),
    verdict,
    el('div', { class: 'sc-table-wrap' }, el('table', { class: 'sc-table' },
      el('thead', {}, el('tr', {}, ...[['parse'], ['pages'], ['task', 'longest main-thread task'],
        ['gap', 'longest gap between frames'], ['poll', 'longest engine poll']]
        .map(([h, title]) => el('th', { scope: 'col', text: h, title })))), tbody)),
    el('p', { class: 'sc-note', text: (canObserve
      ? 'Tasks are measured with the Long Tasks API, which reports only tasks over 50 ms. '
      : 'This browser has no Long Tasks API: the frame gaps tell instead. ')
      + 'The engine checks its slice before each 64 KB of a page and each 512 links, so with the default 8 ms a '
      + 'burst overruns by one chunk at most. The page around this scene draws too: its own work counts here.' }));
  container.append(root);

  toggle.addEventListener('change', () => { blocking = toggle.checked; });
  runButton.addEventListener('click', () => start().catch((e) => setText(status, `Error: ${e?.message ?? e}`)));
  stopButton.addEventListener('click', () => stop());
  // A hidden page gets no frames: that pause is not the thread's fault.
  const onVisibility = () => { lastFrame = null; };
  document.addEventListener('visibilitychange', onVisibility);

  /**
   * One frame: turn the spinner by the time that passed, and note the gap since the last frame.
   * A frame callback is a task on the page's one thread, queued behind whatever runs there: while
   * a poll of the crawler parses without yielding, no frame runs, and the gap is the time blocked.
   * (The engine's tasks are the other side of the same bargain: each `.await` that is not ready,
   * and each yield after a slice, hands the thread back so this callback can run.)
   */
  function frame(now) {
    if (lastFrame !== null) {
      const gap = now - lastFrame;
      gaps.push(gap);
      if (gaps.length > METER_FRAMES) gaps.shift();
      if (run) run.maxGap = Math.max(run.maxGap, gap);
    }
    lastFrame = now;
    wheel.style.transform = `rotate(${((now / 1000) * 270) % 360}deg)`;
    setText(glyph, `${GLYPHS[Math.floor(now / 100) % GLYPHS.length]} thinking!`);
    drawMeter();
    if (run) showFigures();
    raf = requestAnimationFrame(frame);
  }

  function drawMeter() {
    const g = meter.getContext('2d');
    if (!g) return;
    const { width, height } = meter;
    const full = 200; // ms at the top of the meter
    g.clearRect(0, 0, width, height);
    const w = width / METER_FRAMES;
    gaps.forEach((gap, i) => {
      const h = Math.min(height, (gap / full) * height);
      g.fillStyle = gap > LONG_TASK_MS ? '#b3261e' : '#2f7d4f';
      g.fillRect(i * w, height - h, Math.max(1, w - 0.5), h);
    });
    const y = height - (LONG_TASK_MS / full) * height;
    g.fillStyle = '#66707a';
    g.fillRect(0, y, width, 1);
  }

  /** The longest long task since `started` (0: none over 50 ms). */
  const longestTask = (started) =>
    Math.max(0, ...longTasks.filter((t) => t.start >= started).map((t) => t.duration));
  /** A longest-task figure in words. */
  const taskText = (value) => {
    if (!canObserve) return 'not reported';
    return value > 0 ? ms(value) : `none over ${LONG_TASK_MS} ms`;
  };

  function showFigures() {
    setText(figures.task, taskText(longestTask(run.started)));
    setText(figures.gap, ms(run.maxGap));
  }

  /** Crawl 200 pages and the 2 MiB page; resolves with the run's figures (null if it did not run). */
  async function start() {
    if (run || destroyed) return null;
    const base = ctx.siteRoot({ pages: 200, latency: 0 });
    // The huge page of a few tiny variants of the site: different URLs, so each is fetched and parsed,
    // and its links all lead to the variant's 1–5 pages, so the crawl stays about 200 pages.
    const huge = Array.from({ length: HUGE_PAGES }, (_, i) => `${ctx.siteRoot({ pages: i + 1, latency: 0 })}huge`);
    const options = { roots: [base, ...huge], maxTries: 1, robots: false, maxTasks: HUGE_PAGES + 5 };
    if (blocking) options.parseSliceMs = BLOCKING_SLICE_MS;
    longTasks.length = 0;
    try {
      // In the background: the page drawing this crawl would skew what the scene measures.
      handle = ctx.api.start(options, { current: false });
    } catch (e) {
      setText(status, `Could not start: ${e.message ?? e}`);
      return null;
    }
    run = { started: performance.now(), maxGap: 0, blocking };
    setText(status, blocking ? 'Crawling, parsing without yielding…' : 'Crawling, parsing in 8 ms slices…');
    setText(verdict, '');
    setButtons();
    const thisRun = run;
    let report;
    try {
      report = await handle.done;
      // Long-task entries arrive after their task: give them two frames and a moment.
      await new Promise((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(resolve, 100))));
    } finally {
      run = null;
      setButtons();
    }
    const events = handle?.events(0) ?? [];
    const lints = handle?.lints?.() ?? [];
    handle = null;
    return finishRun(thisRun, report, events, lints);
  }

  /** Show a finished run's figures and verdict; returns its detail (null when stopped). */
  function finishRun(thisRun, report, events, lints = []) {
    if (destroyed) return null;
    const longestTaskMs = canObserve ? longestTask(thisRun.started) : null;
    const longestPollMs = longestPoll(events);
    const pages = report.pages.filter((p) => p.outcome === 'done').length;
    const detail = { scene: 'spinner', blocking: thisRun.blocking, longestTaskMs, maxFrameGapMs: thisRun.maxGap,
      longestPollMs, pages, ms: report.elapsedMs,
      // The engine's own verdict: polls of 50 ms or more (the `long poll` lint).
      longPolls: lints.filter((l) => l.kind === 'longPoll').length };
    setText(figures.task, taskText(longestTaskMs));
    setText(figures.gap, ms(thisRun.maxGap));
    setText(figures.poll, ms(longestPollMs));
    const blocked = canObserve ? longestTaskMs > LONG_TASK_MS : thisRun.maxGap > LONG_TASK_MS;
    verdict.dataset.blocked = String(blocked);
    setText(verdict, blocked
      ? `The event loop was blocked: ${canObserve ? `a task ran ${ms(longestTaskMs)}` : `no frame for ${ms(thisRun.maxGap)}`}, `
        + 'and the spinner stood still meanwhile.'
      : `The event loop never blocked (no task over ${LONG_TASK_MS} ms).`);
    if (report.endReason === 'stopped') {
      setText(status, 'Stopped.');
      return null;
    }
    setText(status, `${pages} pages in ${ms(report.elapsedMs)}.`);
    const row = el('tr', { dataset: { blocking: String(thisRun.blocking) } },
      el('th', { scope: 'row', text: thisRun.blocking ? 'blocking' : 'sliced' }),
      ...[String(pages), canObserve && !longestTaskMs ? `< ${LONG_TASK_MS} ms` : taskText(longestTaskMs),
        ms(thisRun.maxGap), ms(longestPollMs)].map((t) => el('td', { class: 'sc-num', text: t })));
    tbody.append(row);
    while (tbody.rows.length > 6) tbody.firstElementChild.remove();
    ctx.onDone(detail);
    return detail;
  }

  function setButtons() {
    runButton.disabled = run !== null;
    stopButton.disabled = run === null;
    toggle.disabled = run !== null;
  }

  function stop() {
    handle?.stop();
  }

  function destroy() {
    destroyed = true;
    stop();
    cancelAnimationFrame(raf);
    observer?.disconnect();
    document.removeEventListener('visibilitychange', onVisibility);
    root.remove();
  }

  raf = requestAnimationFrame(frame);
  return { start, stop, destroy };
}
