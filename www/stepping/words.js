// The chapter's words on screen: await points, wake causes and a poll told
// in the terms of the 500 Lines chapter (coroutine, future, event loop,
// queue.get(), put(), task_done(), join()), with the Rust term beside them
// where it teaches — and a glossary every await-point name links to.
// No internal identifier is shown alone: the log's names stay in the log.

/** Each await point: what a reader reads, and the glossary entry it opens. */
const AWAIT = {
  queueGet: ['queue.get()', 'waiting for a URL'],
  join: ['queue.join()', 'waiting until every URL is processed'],
  stop: ['the stop signal', 'waiting for Stop'],
  fetch: ['fetch()', 'waiting for the response'],
  bodyRead: ['reading the body', 'the response is arriving'],
  timer: ['a timer', 'a timeout, backoff or politeness delay'],
  hostSlot: ['a free connection', 'at most perHostConcurrency requests to one host'],
  yield: ['a turn of the event loop', 'the crawl gives the browser its thread back for a moment'],
};

/** An await point in plain words (`—` when there is none). */
export const awaitName = (point) => (point ? AWAIT[point]?.[0] ?? point : '—');

/** An await point with what it means: "queue.get() (waiting for a URL)". */
export const awaitText = (point) => (point && AWAIT[point] ? `${AWAIT[point][0]} (${AWAIT[point][1]})` : awaitName(point));

/** What woke a task, in words. No cause: it was just created and is waiting for its first poll. */
export function causeName(cause, names) {
  if (!cause) return 'nobody yet: just created, waiting for its first poll';
  if (cause.kind === 'task') return `${names.get(cause.task) ?? `task ${cause.task}`} (during its poll)`;
  return { selfWake: 'itself', network: 'the network (a response arrived)', timer: 'a timer that fired',
    external: 'outside every task (Stop, a cancellation)' }[cause.kind] ?? cause.kind;
}

/** The glossary: term id → [term, the Rust beside it, what it means]. */
export const GLOSSARY = [
  ['task', 'coroutine / task', 'a spawned future (Task in Rust)',
    'One worker of the crawl: a coroutine in the chapter, a task in Rust. It runs until it has to wait, then gives the thread back.'],
  ['future', 'future', 'impl Future, poll() → Poll::Pending',
    'A value that is not there yet: a response, a URL from the queue. Awaiting it parks the task until it is ready.'],
  ['poll', 'poll / step', 'Future::poll',
    'Running a task until its next await that is not ready. One Step here is one poll: the chapter\'s Task.step.'],
  ['eventLoop', 'event loop', 'the browser\'s event loop (spawn_local)',
    'What runs the tasks: it polls a task when something it waits for has happened. Here it is the browser\'s own loop.'],
  ['ready', 'ready list', 'the executor\'s run queue',
    'Tasks that were woken and wait to be polled. While paused they stay here until you Step or Resume.'],
  ['wake', 'wake', 'Waker::wake',
    'What makes a parked task ready again: a put() on the queue, a response from the network, a timer.'],
  ['queueGet', 'queue.get()', 'queue.get().await',
    'A worker asks the queue for a URL. When the queue is empty it parks here until a put() wakes it.'],
  ['put', 'put()', 'queue.put(url)',
    'Adds a URL to the queue and wakes one worker parked at queue.get().'],
  ['taskDone', 'task_done()', 'queue.task_done()',
    'A worker says it has finished a URL it took. When every URL put is done, join() returns.'],
  ['join', 'queue.join()', 'queue.join().await',
    'The supervisor waits here until every URL ever put on the queue is done; then it cancels the workers.'],
  ['fetch', 'fetch()', 'fetch(url).await',
    'A request to the site. The task parks until the response head arrives, then again while the body arrives.'],
  ['bodyRead', 'reading the body', 'response.array_buffer().await', 'The response has begun; its body is still arriving.'],
  ['timer', 'a timer', 'the engine\'s sleep().await',
    'A timeout, a backoff before a retry or a politeness delay. The crawl\'s clock stands still while paused.'],
  ['hostSlot', 'a free connection', 'a per-host semaphore',
    'At most perHostConcurrency requests go to one host at once; the others wait here for a free connection.'],
  ['yield', 'a turn of the event loop', 'setTimeout(0).await',
    'After a slice of work the crawl lets the browser paint and handle input, then goes on.'],
  ['stop', 'the stop signal', 'a signal raced with join()', 'The supervisor also waits for Stop, so a stopped crawl ends at once.'],
  ['crawlTime', 'crawl time', 'the engine\'s clock',
    'Every time shown runs on the crawl\'s own clock, which stands still while paused. The time spent paused is shown beside it.'],
];

const GLOSSARY_ID = 'glossary';

/** The glossary dialog, made once per document (the page and the embed alike). */
function glossaryDialog() {
  let dialog = document.getElementById(GLOSSARY_ID);
  if (dialog) return dialog;
  dialog = document.createElement('dialog');
  dialog.id = GLOSSARY_ID;
  dialog.className = 'glossary';
  dialog.setAttribute('aria-labelledby', 'glossary-title');
  const title = document.createElement('h2');
  title.id = 'glossary-title';
  title.textContent = 'The chapter\'s words';
  const list = document.createElement('dl');
  for (const [id, term, rust, meaning] of GLOSSARY) {
    const dt = document.createElement('dt');
    dt.id = `glossary-${id}`;
    dt.tabIndex = -1;
    dt.textContent = term;
    const code = document.createElement('code');
    code.textContent = rust;
    const dd = document.createElement('dd');
    dd.append(code, document.createTextNode(` — ${meaning}`));
    list.append(dt, dd);
  }
  const close = document.createElement('button');
  close.type = 'button';
  close.textContent = 'Close';
  close.addEventListener('click', () => dialog.close());
  const form = document.createElement('form');
  form.method = 'dialog';
  form.append(close);
  dialog.append(title, list, form);
  document.body.append(dialog);
  return dialog;
}

/** Open the glossary at a term (an await point or a GLOSSARY id). */
export function openGlossary(term) {
  const dialog = glossaryDialog();
  if (!dialog.open) dialog.showModal();
  const entry = document.getElementById(`glossary-${term}`);
  entry?.scrollIntoView({ block: 'nearest' });
  entry?.focus();
}

/** An await point's name as a link into the glossary (plain text for none). */
export function awaitLink(point) {
  if (!point || !AWAIT[point]) return document.createTextNode(awaitName(point));
  const button = document.createElement('button');
  button.type = 'button';
  button.className = 'link glossary-link';
  button.dataset.term = point;
  button.textContent = awaitName(point);
  button.title = `${AWAIT[point][1]} — what is this? (glossary)`;
  button.addEventListener('click', (e) => { e.stopPropagation(); openGlossary(point); });
  return button;
}

const short = (url) => {
  try {
    const u = new URL(url);
    return `${u.pathname}${u.search}` || '/';
  } catch { return url; }
};

/** One line per notable event of a poll, in the order they happened. */
export function describePoll(events, names) {
  return tellPoll(events, names).map((l) => l.text);
}

/**
 * A poll, told: `{ text, kind }` lines in order. `kind` groups lines a
 * summary can fold (`put`, `wake`).
 */
function tellPoll(events, names) {
  const lines = [];
  const name = (t) => names.get(t) ?? `task ${t}`;
  let e;
  const add = (text, kind = 'line') => lines.push({ text, kind, e });
  for (e of events) {
    switch (e.type) {
      case 'pollStart': add(`${name(e.task)} was polled (runs until an await that is not ready)`, 'poll'); break;
      case 'queueGet': add(`queue.get() returned ${e.url} (queue now ${e.len}, unfinished ${e.unfinished})`); break;
      case 'slotWait': add(`waits for a free connection to ${e.host}`); break;
      case 'fetchStart': add(e.robots
        ? `fetch ${e.url} — robots.txt: may this site be crawled?`
        : `fetch ${e.url}${e.attempt > 1 ? ` (try ${e.attempt})` : ''}`, 'fetch'); break;
      case 'fetchEnd': add(e.result.kind === 'response'
        ? `${e.robots ? 'robots.txt' : 'response'} ${e.result.status}, ${e.result.bytes} bytes in ${Math.round(e.ms)} ms`
        : `fetch of ${short(e.url)} failed: ${e.result.error}`); break;
      case 'robotsFetched': add(`robots.txt of ${e.origin}: ${{ allowAll: 'everything allowed',
        disallowAll: 'nothing allowed', rules: 'some paths disallowed' }[e.rules] ?? e.rules}`); break;
      case 'retryScheduled': add(`${e.reason}: try again in ${Math.round(e.delayMs)} ms`); break;
      case 'redirected': add(`redirected to ${e.to}${e.coalesced ? ' (already seen: recorded as an alias)' : ''}`); break;
      case 'linksFound': add(`found ${e.links.length} links, ${e.new} new`, 'links'); break;
      case 'queuePut': add(`put(${e.url}) on the queue (queue now ${e.len}, unfinished ${e.unfinished})`, 'put'); break;
      case 'wake': add(`woke ${name(e.task)}, parked at ${awaitName(e.at)}`, 'wake'); break;
      case 'pageEnd': if (e.outcome !== 'done') add(`${short(e.url)}: ${e.outcome}`); break;
      case 'taskDone': add(`task_done() for ${short(e.url)} (unfinished ${e.unfinished})`); break;
      case 'joinResolved': add('queue.join() returned: every URL is processed'); break;
      case 'workersCancelled': add(`cancelled ${e.tasks} workers`); break;
      case 'finished': add(`the crawl finished (${e.reason === 'maxPages' ? 'the maxPages budget was reached' : e.reason})`); break;
      case 'timeSkipped': add(`nothing was ready: the crawl's clock skipped ${Math.round(e.ms)} ms to its next timer`); break;
      case 'pollEnd': add(e.ready ? 'returned: the task is finished'
        : `gave the thread back: parked at ${awaitText(e.awaiting)}`, 'park'); break;
      default: break;
    }
  }
  return lines;
}

/**
 * Folds a run of puts and the wakes they caused (put, wake, put, wake, put…)
 * into one line: "put() 9 URLs on the queue (queue now 6, unfinished 12) →
 * woke worker 1, worker 2 (parked at queue.get())".
 */
function fold(lines, names) {
  const out = [];
  for (let i = 0; i < lines.length;) {
    const queueing = (l) => l.kind === 'put' || l.kind === 'wake';
    let j = i;
    while (j < lines.length && queueing(lines[j])) j += 1;
    const run = lines.slice(i, j);
    const puts = run.filter((l) => l.kind === 'put');
    if (run.length > 2 && puts.length > 0) {
      const last = puts.at(-1).e;
      const woken = run.filter((l) => l.kind === 'wake');
      const wakes = woken.length
        ? ` → woke ${woken.map((l) => names.get(l.e.task) ?? `task ${l.e.task}`).join(', ')}`
          + ` (parked at ${[...new Set(woken.map((l) => awaitName(l.e.at)))].join(', ')})` : '';
      out.push(`put() ${puts.length} URL${puts.length === 1 ? '' : 's'} on the queue (queue now ${last.len}, `
        + `unfinished ${last.unfinished})${wakes}`);
      i = j;
    } else if (run.length) {
      out.push(...run.map((l) => l.text));
      i = j;
    } else {
      out.push(lines[i].text);
      i += 1;
    }
  }
  // "found 24 links, 9 new" and the puts it led to read as one line.
  for (let k = 0; k + 1 < out.length; k += 1) {
    if (/^found \d+ links, \d+ new$/.test(out[k]) && out[k + 1].startsWith('put() ')) {
      out.splice(k, 2, `${out[k]} → ${out[k + 1]}`);
    }
  }
  return out;
}

/** A poll in a few lines (`summary`) and every line (`details`); details are empty when the summary says it all. */
export function summarisePoll(events, names) {
  const lines = tellPoll(events, names);
  const all = lines.map((l) => l.text);
  const summary = fold(lines, names);
  return { summary, details: summary.length < all.length ? all : [] };
}
