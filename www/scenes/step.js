// Scene "step": one worker task's life, poll by poll — the chapter's
// `Task.step`, live. A crawl with one worker is started and paused at once:
// from then on a woken task is not polled but waits in the ready list, and
// each Step polls it exactly once. The timeline is folded from the crawl's
// event log (see step-timeline.js), so it shows what the engine did, not
// what this page guesses.

import { el, setText, siteNote } from './dom.js';
import { Timeline, parkText, causeKey } from './step-timeline.js';

/** Auto steps this often: slow enough to read, fast enough to watch. */
const AUTO_MS = 600;
/** How often new events (wakes from the network) are picked up between steps. */
const WATCH_MS = 150;

/** The chapter's Python beside the Rust it became. */
const MAPPING = [
  ['Future::poll returns Poll::Pending', 'the generator yields a Future in Task.step'],
  ['the Waker the future keeps (cx.waker().clone())', 'Future.add_done_callback(self.step)'],
  ['waker.wake()', 'Future.set_result() calling its callbacks'],
  ['the executor\'s ready queue (here: the ready list)', 'the event loop calling step again'],
  ['.await', 'yield from'],
];

export function mount(container, ctx) {
  let handle = null;
  let worker = null; // the worker's task id
  let cursor = 0; // events folded so far
  let auto = 0;
  let watch = 0;
  let destroyed = false;
  let restarts = 0;

  const startButton = el('button', { type: 'button', class: 'sc-primary', text: 'Start' });
  const stepButton = el('button', { type: 'button', text: 'Step', disabled: true });
  const autoButton = el('button', { type: 'button', text: 'Auto-step', 'aria-pressed': 'false', disabled: true,
    title: `Step every ${AUTO_MS} ms until you stop it` });
  /** Paused or auto-stepping, always in words (a badge beside the buttons). */
  const badge = el('span', { class: 'sc-badge', 'aria-live': 'polite', text: 'not started' });
  const status = el('p', { class: 'sc-status', 'aria-live': 'polite' });
  const list = el('ol', { class: 'sc-timeline', 'aria-label': 'the worker task, poll by poll' });
  const earlier = el('button', { type: 'button', class: 'link sc-earlier', text: 'Show earlier lines', 'aria-expanded': 'false' });
  earlier.addEventListener('click', () => {
    const all = list.classList.toggle('sc-all');
    earlier.setAttribute('aria-expanded', String(all));
    setText(earlier, all ? 'Show only the latest lines' : 'Show earlier lines');
  });
  const timeline = new Timeline(list);
  const mapping = el('dl', { class: 'sc-mapping' });
  for (const [rust, python] of MAPPING) {
    mapping.append(el('dt', {}, el('code', { text: rust })), el('dd', {}, '↔ ', el('code', { text: python })));
  }

  const root = el('section', { class: 'sc-scene sc-step', 'aria-label': 'How a task steps' },
    el('h3', { text: 'How a task steps' }),
    el('p', { class: 'sc-lede', text: 'A crawl with one worker task, paused from the start. Each Step polls the worker '
      + 'once: it runs until an .await that is not ready, returns Pending, and waits — until what it awaits wakes it '
      + 'and it is ready to be polled again.' }),
    siteNote(ctx.siteLabel),
    el('div', { class: 'sc-controls' }, startButton, stepButton, autoButton, badge),
    status,
    el('div', { class: 'sc-columns' }, el('div', { class: 'sc-timeline-wrap' }, list, earlier),
      el('aside', { class: 'sc-side' }, el('h4', { text: 'Rust ↔ the chapter' }), mapping)));
  container.append(root);

  startButton.addEventListener('click', () => start().catch((e) => setText(status, `Error: ${e?.message ?? e}`)));
  stepButton.addEventListener('click', () => step());
  autoButton.addEventListener('click', () => setAuto(!auto));

  /** Start a fresh crawl, paused before any task ran. Resolves once it is paused. */
  async function start() {
    if (destroyed) return;
    stop();
    const base = ctx.siteRoot({ pages: 5, latency: 300 });
    try {
      // robots off and one try: every poll is about pages, and nothing waits on a backoff.
      // Started paused: the tasks are spawned, but the executor has not
      // polled them yet, so each waits in the ready list for a Step.
      handle = ctx.api.start({ roots: [base], maxTasks: 1, maxTries: 1, robots: false }, { paused: true });
    } catch (e) {
      setText(status, `Could not start: ${e.message ?? e}`);
      return;
    }
    restarts += 1;
    const tasks = handle.tasks();
    worker = tasks.find((t) => t.name.startsWith('worker'))?.task ?? 0;
    cursor = 0;
    timeline.reset(worker, new Map(tasks.map((t) => [t.task, t.name])), base);
    timeline.line('spawn', el('strong', { text: `${timeline.name(worker)} spawned` }),
      ' — ready for its first poll (Task(self.work()) in the chapter).');
    setText(status, restarts > 1 ? 'Restarted with a new crawl. Step polls the worker once.'
      : 'Paused. Step polls the worker once.');
    watch = setInterval(fold, WATCH_MS);
    buttons();
  }

  /** One Step (see stepOnce); a failure is shown, never thrown into a click handler or a timer. */
  function step() {
    try {
      return stepOnce();
    } catch (e) {
      // Someone else resumed or stepped this crawl (it is the page's current one too): say so, do not break.
      setText(status, String(e?.message ?? e));
      setAuto(false);
      return false;
    }
  }

  /**
   * Poll the worker once if it is ready. The supervisor (parked at
   * queue.join()) is polled first when it is ready, as a side note. Nothing
   * ready but a fetch in flight: wait for the network. Only an engine timer
   * pending: skip the frozen clock to it. Returns whether the worker was polled.
   */
  function stepOnce() {
    if (!handle || handle.finished) {
      setAuto(false);
      return false;
    }
    if (!handle.paused) handle.pause();
    let ready = handle.ready();
    const other = ready.find((r) => r.task !== worker);
    if (other && !ready.some((r) => r.task === worker)) {
      handle.step(other.task);
      fold();
      ready = handle.ready();
    }
    const mine = ready.find((r) => r.task === worker);
    if (!mine) {
      const skipped = handle.finished ? null : handle.skipTime();
      setText(status, handle.finished ? 'The crawl has finished.'
        : skipped != null ? `Nothing was ready: the engine's clock skipped ${Math.round(skipped)} ms to its next timer.`
          : 'Nothing is ready: the worker waits for the network.');
      fold();
      return false;
    }
    handle.step(worker);
    fold();
    const awaiting = handle.tasks().find((t) => t.task === worker)?.awaiting ?? null;
    setText(status, `Poll #${timeline.polls}: Pending at ${parkText(awaiting)}.`);
    ctx.onStep({ scene: 'step', poll: timeline.polls, task: worker, awaiting, wokenBy: causeKey(mine.wokenBy) });
    return true;
  }

  /** Fold the events since the last fold into the timeline. */
  function fold() {
    if (!handle) return;
    const events = handle.events(cursor);
    cursor += events.length;
    timeline.fold(events);
    if (handle.finished) {
      clearInterval(watch);
      setAuto(false);
    }
    buttons();
  }

  function setAuto(on) {
    clearInterval(auto);
    auto = 0;
    if (on && handle && !handle.finished) {
      auto = setInterval(step, AUTO_MS);
      step();
    }
    autoButton.setAttribute('aria-pressed', String(Boolean(auto)));
    buttons();
  }

  function buttons() {
    const live = Boolean(handle) && !handle.finished;
    stepButton.disabled = !live;
    autoButton.disabled = !live;
    setText(autoButton, auto ? 'Stop auto-step' : 'Auto-step');
    setText(startButton, handle ? 'Restart' : 'Start');
    earlier.hidden = list.children.length <= 8; // the latest 8 lines always show (scenes.css)
    startButton.title = handle ? 'Start over with a new crawl (this one is stopped)' : 'Start a crawl with one worker, paused';
    const state = !handle ? 'not started' : handle.finished ? 'finished'
      : auto ? `auto-stepping every ${AUTO_MS} ms` : handle.paused ? 'paused' : 'running (resumed outside this scene)';
    setText(badge, state);
    badge.dataset.state = state.split(' ')[0];
  }

  /** Stop the crawl (it ends at once; the timeline stays). */
  function stop() {
    setAuto(false);
    clearInterval(watch);
    if (handle && !handle.finished) handle.stop();
    fold();
  }

  function destroy() {
    destroyed = true;
    stop();
    handle = null;
    root.remove();
  }

  buttons();
  return { start, stop, destroy };
}
