// The results table and the counters: the accessible, text view of a report.
// Crawled text (URLs, content types, errors) only reaches the DOM through
// textContent or a checked href, never as HTML.

const $ = (id) => document.getElementById(id);

const COUNTERS = { queued: 'count-queued', inFlight: 'count-inflight', done: 'count-done', failed: 'count-failed',
  waiting: 'count-waiting', skipped: 'count-skipped', notCrawled: 'count-notcrawled' };

/** Skip reasons (report.skips keys) in words, with what causes them. */
const SKIP_REASONS = {
  scope: ['out of scope', 'another host than the roots (see the strict option)'],
  exclude: ['excluded', 'the exclude pattern matches the URL'],
  duplicate: ['already seen', 'queued or crawled already (each URL is fetched once)'],
  depth: ['past depthLimit', 'deeper than depthLimit links from a root'],
  budget: ['past maxPages', 'found after maxPages URLs were enqueued'],
  nonHttp: ['not http(s)', 'mailto:, javascript:, data: and other schemes'],
  nofollow: ['nofollow', 'rel=nofollow or <meta name=robots content=nofollow>, with respectNofollow on'],
  invalid: ['invalid URL', 'an href that does not parse as a URL'],
  robots: ['robots.txt', 'disallowed by robots.txt (product token crawlscope, then *): never fetched'],
};

/** Own entries only: a loaded report's keys are untrusted ("constructor" must not find Object's). */
const lookup = (table, key) => (Object.hasOwn(table, key) ? table[key] : undefined);

const END_REASONS = { complete: 'complete, every URL found was crawled', stopped: 'stopped', maxPages: 'maxPages budget reached', rootsFailed: 'every root failed, so nothing was crawled' };

export function isWebUrl(text) {
  try { return ['http:', 'https:'].includes(new URL(text).protocol); } catch { return false; }
}

export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

function cell(tr, cls) {
  const td = document.createElement('td');
  td.className = cls;
  tr.append(td);
  return td;
}

function newRow(url) {
  const tr = document.createElement('tr');
  tr.dataset.url = url;
  const urlCell = cell(tr, 'c-url');
  if (isWebUrl(url)) {
    const a = document.createElement('a');
    a.href = url; // checked http(s) above: never a javascript: link
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.textContent = url;
    urlCell.append(a);
  } else {
    urlCell.textContent = url;
  }
  for (const cls of ['aliases', 'error', 'notes']) {
    const note = document.createElement('div');
    note.className = cls;
    urlCell.append(note);
  }
  for (const cls of ['c-status', 'c-type', 'c-enc', 'c-bytes num', 'c-links num', 'c-time num', 'c-outcome']) {
    cell(tr, cls);
  }
  return tr;
}

function renderRow(tr, page) {
  const [, status, type, enc, bytes, links, time, outcome] = tr.children;
  setText(status, page.status == null ? '' : String(page.status));
  setText(type, (page.contentType ?? '').split(';')[0]);
  setText(enc, page.encoding ?? '');
  enc.title = page.encodingNote ?? '';
  setText(bytes, page.size == null ? '' : `${page.size.toLocaleString('en')}${page.truncated ? ' (cut)' : ''}`);
  setText(links, page.links.length || page.newLinks ? `${page.newLinks}/${page.links.length}` : '');
  const ms = page.startMs != null && page.endMs != null ? page.endMs - page.startMs : null;
  setText(time, ms == null ? '' : `${Math.round(ms)} ms`);
  setText(outcome, page.outcome);
  setText(tr.querySelector('.aliases'), page.aliases.length ? `redirected here from ${page.aliases.join(', ')}` : '');
  setText(tr.querySelector('.error'), page.error ?? '');
  setText(tr.querySelector('.notes'), rowNotes(page));
  tr.dataset.outcome = page.outcome;
}

/** The small print under a URL: what the row's columns cannot say. */
function rowNotes(page) {
  const notes = [];
  if (page.truncated) notes.push('body cut at maxBodyBytes');
  if (page.encodingNote) notes.push(page.encodingNote);
  if (page.canonical && page.canonical !== page.url) notes.push(`canonical: ${page.canonical}`);
  if (page.redirects?.length) notes.push(`redirect hops: ${page.redirects.map((h) => `${h.url} ${h.status} → ${h.to}`).join(', ')}`);
  const skipped = skipList(page.skips ?? {}).map(([reason, n]) => `${n} ${lookup(SKIP_REASONS, reason)?.[0] ?? reason}`);
  if (skipped.length) notes.push(`links not followed: ${skipped.join(', ')}`);
  return notes.join(' · ');
}

/** Non-zero skip counts, largest first. */
function skipList(skips) {
  return Object.entries(skips).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** "Why not crawled": the report's skips by reason, one span per reason (data-reason is the report's key). */
function renderSkips(report) {
  const list = skipList(report.skips ?? {});
  const key = JSON.stringify([list, report.finished]);
  const el = $('skips');
  if (el.dataset.key === key) return; // unchanged: keep the DOM (and any text selection) as it is
  el.dataset.key = key;
  const parts = list.map(([reason, n]) => {
    const span = document.createElement('span');
    span.className = 'skip';
    span.dataset.reason = reason;
    const [words, why] = lookup(SKIP_REASONS, reason) ?? [reason, ''];
    const count = document.createElement('strong');
    count.textContent = String(n);
    span.append(count, ` ${words}`);
    span.title = why;
    return span;
  });
  const label = document.createElement('span');
  label.className = 'bar-label';
  label.textContent = 'Links not followed';
  el.replaceChildren(label, ...(parts.length ? parts : [document.createTextNode(report.finished ? 'none' : 'none yet')]));
}

/** Keeps a table body in line with successive reports, touching only what changed. */
export class ResultsTable {
  constructor(tbody) {
    this.tbody = tbody;
    this.rows = new Map();
  }

  clear() {
    this.tbody.replaceChildren();
    this.rows = new Map();
    $('skips').replaceChildren();
    delete $('skips').dataset.key;
  }

  render(report) {
    for (const [key, id] of Object.entries(COUNTERS)) setText($(id), String(report.counters[key] ?? 0));
    setText($('elapsed'), `${(report.elapsedMs / 1000).toFixed(1)} s`);
    const end = report.endReason;
    setText($('end-reason'), end ? `ended: ${lookup(END_REASONS, end) ?? end}` : '');
    renderSkips(report);
    const present = new Set();
    for (const page of report.pages) {
      present.add(page.url);
      let tr = this.rows.get(page.url);
      if (!tr) {
        tr = newRow(page.url);
        this.rows.set(page.url, tr);
        this.tbody.append(tr); // discovery order: new pages at the bottom
      }
      renderRow(tr, page);
    }
    // A requested URL that redirected is now listed under its target; when
    // replaying backwards, pages not yet found disappear.
    for (const [url, tr] of this.rows) {
      if (!present.has(url)) { tr.remove(); this.rows.delete(url); }
    }
  }
}
