// The results table and the counters: the accessible, text view of a report.
// Crawled text (URLs, content types, errors) only reaches the DOM through
// textContent or a checked href, never as HTML.

const $ = (id) => document.getElementById(id);

const COUNTERS = { queued: 'count-queued', inFlight: 'count-inflight', done: 'count-done', failed: 'count-failed',
  notCrawled: 'count-notcrawled' };

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
  for (const cls of ['aliases', 'error']) {
    const note = document.createElement('div');
    note.className = cls;
    urlCell.append(note);
  }
  for (const cls of ['c-status', 'c-type', 'c-bytes num', 'c-links num', 'c-time num', 'c-outcome']) cell(tr, cls);
  return tr;
}

function renderRow(tr, page) {
  const [, status, type, bytes, links, time, outcome] = tr.children;
  setText(status, page.status == null ? '' : String(page.status));
  setText(type, (page.contentType ?? '').split(';')[0]);
  setText(bytes, page.size == null ? '' : page.size.toLocaleString('en'));
  setText(links, page.links.length || page.newLinks ? `${page.newLinks}/${page.links.length}` : '');
  const ms = page.startMs != null && page.endMs != null ? page.endMs - page.startMs : null;
  setText(time, ms == null ? '' : `${Math.round(ms)} ms`);
  setText(outcome, page.outcome);
  setText(tr.querySelector('.aliases'), page.aliases.length ? `redirected here from ${page.aliases.join(', ')}` : '');
  setText(tr.querySelector('.error'), page.error ?? '');
  tr.dataset.outcome = page.outcome;
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
  }

  render(report) {
    for (const [key, id] of Object.entries(COUNTERS)) setText($(id), String(report.counters[key] ?? 0));
    setText($('elapsed'), `${(report.elapsedMs / 1000).toFixed(1)} s`);
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
