// The results table and the counters: the accessible, text view of a crawl.
//
// The table is virtual: its rows come from the page's model (model.js), and
// only the rows in view (plus a margin) are in the DOM, so a 20,000-page
// crawl costs the same per refresh as a 20-page one. Sorting and filtering
// are a user's action: they rebuild the list of shown rows once; while a
// crawl runs, new rows are placed into that list one by one.
//
// Crawled text (URLs, content types, errors) only reaches the DOM through
// textContent or a checked href, never as HTML.

import { categoryOf } from '../picture/model.js';
import { setText, isWebUrl } from '../dom.js';
import { fieldText } from '../api/export.js';

const $ = (id) => document.getElementById(id);

/** Page counters (ids) from the model's counts; `queued` is the log's queue length. */
const COUNTERS = { inFlight: 'count-inflight', done: 'count-done', httpError: 'count-httperror', failed: 'count-failed',
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

/**
 * Up to this many rows, all are in the DOM; past it, only those in view (about as many). More would
 * cost a fast crawl's first second: each refresh lays out and paints every row in the DOM, and at 200
 * that was 14 ms of layout and 20 ms of paint per refresh in a trace.
 */
const ALL_ROWS = 60;
/** Rows kept in the DOM above and below the ones in view. */
const OVERSCAN = 20;
/** Every row is this tall (two lines), so a row's position is its index times this. */
export const ROW_HEIGHT = 46;


/** Sort keys by column. */
const SORTS = {
  order: (r) => r.order,
  url: (r) => r.url,
  status: (r) => r.status ?? -1,
  type: (r) => r.contentType ?? '',
  bytes: (r) => r.size ?? -1,
  links: (r) => r.links,
  time: (r) => (r.startMs != null && r.endMs != null ? r.endMs - r.startMs : -1),
  outcome: (r) => r.outcome,
};

/** A field column's sort key: its value as the cell shows it (pages without the field sort first). */
const FIELD_SORT = 'field:';

/** The sort key of a column: a fixed one, or an `extract` field's (`field:<name>`). */
function sortKey(key) {
  if (key.startsWith(FIELD_SORT)) {
    const name = key.slice(FIELD_SORT.length);
    return (r) => (r.fields && Object.hasOwn(r.fields, name) ? fieldText(r.fields[name], ' · ') : '');
  }
  return lookup(SORTS, key) ?? SORTS.order;
}

/** Filters on the outcome select: a row's counter category. */
const OUTCOME_FILTERS = {
  all: () => true,
  done: (r) => categoryOf(r) === 'done',
  httpError: (r) => categoryOf(r) === 'httpError',
  failed: (r) => categoryOf(r) === 'failed',
  skipped: (r) => categoryOf(r) === 'skipped',
  notCrawled: (r) => categoryOf(r) === 'notCrawled',
  pending: (r) => ['queued', 'waiting', 'inFlight'].includes(categoryOf(r)),
};

function statusClass(status) {
  if (status == null) return 'none';
  return `${Math.floor(status / 100)}xx`;
}

function cell(tr, cls) {
  const td = document.createElement('td');
  td.className = cls;
  tr.append(td);
  return td;
}

/** The cells every row has after the URL's, and how many cells that makes in all. */
const FIXED_CLASSES = ['c-status', 'c-type', 'c-enc', 'c-bytes num', 'c-links num', 'c-time num', 'c-outcome'];
const FIXED_CELLS = 1 + FIXED_CLASSES.length;

function newRowElement() {
  const tr = document.createElement('tr');
  tr.tabIndex = -1;
  const urlCell = cell(tr, 'c-url');
  const line = document.createElement('div');
  line.className = 'line';
  urlCell.append(line);
  const small = document.createElement('div');
  small.className = 'small';
  for (const cls of ['aliases', 'error', 'notes']) {
    const note = document.createElement('span');
    note.className = cls;
    small.append(note);
  }
  urlCell.append(small);
  for (const cls of FIXED_CLASSES) cell(tr, cls);
  return tr;
}

/** The URL cell's link: re-made only when the row shows another URL. */
function renderUrl(line, url) {
  if (line.dataset.url === url) return;
  line.dataset.url = url;
  if (isWebUrl(url)) {
    const a = document.createElement('a');
    a.href = url; // checked http(s) above: never a javascript: link
    a.target = '_blank';
    a.rel = 'noopener noreferrer';
    a.tabIndex = -1;
    a.textContent = url;
    line.replaceChildren(a);
  } else {
    line.textContent = url;
  }
  line.title = url;
}

function renderRow(tr, page) {
  const [urlCell, status, type, enc, bytes, links, time, outcome] = tr.children;
  tr.dataset.url = page.url;
  renderUrl(urlCell.firstChild, page.url);
  setText(status, page.status == null ? '' : String(page.status));
  setText(type, (page.contentType ?? '').split(';')[0]);
  setText(enc, page.encoding ?? '');
  enc.title = page.encodingNote ?? '';
  setText(bytes, page.size == null ? '' : `${page.size.toLocaleString('en')}${page.truncated ? ' (cut)' : ''}`);
  setText(links, page.links || page.newLinks ? `${page.newLinks}/${page.links}` : '');
  const ms = page.startMs != null && page.endMs != null ? page.endMs - page.startMs : null;
  setText(time, ms == null ? '' : `${Math.round(ms)} ms`);
  setText(outcome, page.outcome);
  const aliases = page.aliases.length ? `redirected here from ${page.aliases.join(', ')}` : '';
  setText(tr.querySelector('.aliases'), aliases);
  setText(tr.querySelector('.error'), page.error ?? '');
  const notes = rowNotes(page);
  setText(tr.querySelector('.notes'), notes);
  urlCell.lastChild.title = [aliases, page.error, notes].filter(Boolean).join('\n');
  tr.dataset.outcome = page.outcome;
  tr.dataset.category = categoryOf(page);
  renderFields(tr, page);
}

// ------------------------------------------------------------ extract fields
// A crawl with the `extract` option gets a column per field after the fixed
// ones (the model lists their names as pages bring them). Values are crawled
// text: textContent only, one line in the cell, the whole value on hover.

/** The field names the table's columns show now (the fields' cells follow the fixed cells in each row). */
let fieldColumns = [];

/** Fill a row's field cells, adding or removing cells to match the columns (a pooled element may predate them). */
function renderFields(tr, page) {
  while (tr.children.length < FIXED_CELLS + fieldColumns.length) cell(tr, 'c-field');
  while (tr.children.length > FIXED_CELLS + fieldColumns.length) tr.lastChild.remove();
  fieldColumns.forEach((name, i) => {
    const td = tr.children[FIXED_CELLS + i];
    const fields = page.fields ?? {};
    const text = Object.hasOwn(fields, name) ? fieldText(fields[name], ' · ') : '';
    setText(td, text);
    td.title = Object.hasOwn(fields, name) ? fieldText(fields[name], '\n') : '';
  });
}

/** Make the header's field columns match the model's names; true when they changed (rows must be redrawn). */
function syncFieldColumns(table, names) {
  if (names.length === fieldColumns.length && names.every((n, i) => n === fieldColumns[i])) return false;
  fieldColumns = [...names];
  const head = table.querySelector('thead tr');
  for (const th of head.querySelectorAll('th.c-field')) th.remove();
  for (const name of fieldColumns) {
    const th = document.createElement('th');
    th.scope = 'col';
    th.className = 'c-field';
    th.textContent = name; // a field's name is the user's text: never HTML
    th.title = `extract field ${name}: click (or Enter) to sort by it`;
    th.dataset.sort = `${FIELD_SORT}${name}`;
    th.tabIndex = 0;
    th.setAttribute('aria-sort', 'none');
    head.append(th);
  }
  return true; // every row shown is rendered again, its cells made to match

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

/** An empty block that stands for rows outside the table's window. */
function spacer() {
  const div = document.createElement('div');
  div.className = 'table-spacer';
  div.setAttribute('aria-hidden', 'true');
  return div;
}

/** Set a spacer's height, touching the DOM only when it changes. */
function setHeight(el, px) {
  const height = `${px}px`;
  if (el.style.height !== height) el.style.height = height;
}

/** Non-zero skip counts, largest first. */
function skipList(skips) {
  return Object.entries(skips).filter(([, n]) => n > 0).sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
}

/** The reasons (and whether the crawl had ended) each skips list was last built for. */
const skipsShape = new WeakMap();

/** "Why not crawled": the skips by reason, one span per reason (data-reason is the report's key). */
function renderSkips(skips, finished) {
  const list = skipList(skips ?? {});
  const el = $('skips');
  // The same reasons in the same order: only their counts change (a crawl finds duplicates all the
  // time), so write those and keep the rest of the DOM, and any text selection in it, as it is.
  const shape = JSON.stringify([list.map(([reason]) => reason), finished]);
  if (skipsShape.get(el) === shape) {
    el.querySelectorAll('.skip strong').forEach((count, i) => setText(count, String(list[i][1])));
    return;
  }
  skipsShape.set(el, shape);
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
  el.replaceChildren(label, ...(parts.length ? parts : [document.createTextNode(finished ? 'none' : 'none yet')]));
}

/** The counters and the end reason, from the model (a handful of setText calls). */
export function renderCounters(model) {
  setText($('count-queued'), String(model.queueLen));
  for (const [key, id] of Object.entries(COUNTERS)) setText($(id), String(model.counts[key] ?? 0));
  setText($('elapsed'), `${(model.elapsedMs / 1000).toFixed(1)} s`);
  const end = model.endReason;
  setText($('end-reason'), end ? `ended: ${lookup(END_REASONS, end) ?? end}` : '');
  renderSkips(model.skips, model.finished);
}

/** The results table: a window of rows over the model's rows, sorted and filtered on request. */
export class ResultsTable {
  constructor(table, { onOpen } = {}) {
    this.table = table;
    this.tbody = table.querySelector('tbody');
    this.scroller = table.closest('.table-scroll');
    this.caption = table.querySelector('caption');
    // The rows outside the window are stood for by two empty blocks around the table, not by the
    // table's own margins: growing them as rows arrive then leaves the table's layout (and its
    // painted rows) untouched, where a change to the table's style would lay out and paint it again.
    this.above = spacer();
    this.below = spacer();
    if (this.scroller) this.table.before(this.above);
    if (this.scroller) this.table.after(this.below);
    this.onOpen = onOpen;
    this.filter = { text: '', status: 'all', outcome: 'all' };
    this.sort = { key: 'order', dir: 1 };
    /** The sort column's value of a row: looked up once per sort, not on every comparison. */
    this.sortValue = SORTS.order;
    this.model = null;
    this.shown = []; // rows passing the filter, in sort order
    this.elements = []; // pooled <tr>s
    this.focusIndex = 0; // the row that takes keyboard focus (roving tabindex)
    // The scroll position and the view's height are kept from events, never read while rendering:
    // a read after the counters' writes would force a layout on every refresh.
    this.scrollTop = 0;
    this.viewHeight = 600;
    this.scroller?.addEventListener('scroll', () => {
      this.scrollTop = this.scroller.scrollTop;
      this.renderWindow();
    }, { passive: true });
    if (this.scroller && typeof ResizeObserver === 'function') {
      new ResizeObserver((entries) => {
        const height = entries.at(-1)?.contentRect.height;
        if (height && height !== this.viewHeight) {
          this.viewHeight = height;
          requestAnimationFrame(() => this.renderWindow()); // never inside the observer's callback
        }
      }).observe(this.scroller);
    }
    this.tbody.addEventListener('keydown', (e) => this.key(e));
    this.tbody.addEventListener('focusin', (e) => {
      const tr = e.target.closest?.('tr');
      if (tr?.dataset.index) this.focusIndex = Number(tr.dataset.index);
    });
    this.tbody.addEventListener('dblclick', (e) => {
      const tr = e.target.closest?.('tr');
      if (tr?.dataset.url) this.onOpen?.(tr.dataset.url);
    });
    // On the header row, not on each cell: an `extract` crawl adds sortable columns as it runs.
    const head = table.querySelector('thead');
    head?.addEventListener('click', (e) => {
      const th = e.target.closest?.('th[data-sort]');
      if (th) this.sortBy(th.dataset.sort);
    });
    head?.addEventListener('keydown', (e) => {
      const th = e.target.closest?.('th[data-sort]');
      if (th && (e.key === 'Enter' || e.key === ' ')) { e.preventDefault(); this.sortBy(th.dataset.sort); }
    });
  }

  /** Show a (new) model's rows from scratch. */
  setModel(model) {
    this.model = model;
    model.takeRowChanges(); // everything is read below
    this.rebuild();
  }

  /** A user changed the filter or the sort: the one place that visits every row. */
  rebuild() {
    const rows = this.model ? this.model.rows.filter((r) => !r.gone && this.passes(r)) : [];
    if (this.sort.key !== 'order') this.sortRows(rows);
    this.shown = rows;
    this.focusIndex = Math.min(this.focusIndex, Math.max(0, rows.length - 1));
    this.renderWindow(true);
  }

  setFilter(filter) {
    this.filter = { ...this.filter, ...filter };
    this.rebuild();
  }

  sortBy(key) {
    this.sort = { key, dir: this.sort.key === key ? -this.sort.dir : 1 };
    this.sortValue = sortKey(key);
    this.markSort();
    this.rebuild();
  }

  /** Tell the headers (and a screen reader) which column the rows are sorted by. */
  markSort() {
    const { key, dir } = this.sort;
    for (const th of this.table.querySelectorAll('th[data-sort]')) {
      th.setAttribute('aria-sort', th.dataset.sort !== key ? 'none' : dir > 0 ? 'ascending' : 'descending');
    }
  }

  passes(row) {
    const { text, status, outcome } = this.filter;
    if (text && !row.url.toLowerCase().includes(text) && !row.aliases.some((a) => a.toLowerCase().includes(text))) {
      return false;
    }
    if (status !== 'all' && statusClass(row.status) !== status) return false;
    return (lookup(OUTCOME_FILTERS, outcome) ?? OUTCOME_FILTERS.all)(row);
  }

  compare(a, b) {
    const ka = this.sortValue(a);
    const kb = this.sortValue(b);
    const c = ka < kb ? -1 : ka > kb ? 1 : a.order - b.order;
    return c * this.sort.dir;
  }

  sortRows(rows) {
    rows.sort((a, b) => this.compare(a, b));
  }

  /** Where a row belongs in the sorted list (binary search). */
  insertionPoint(row) {
    let lo = 0;
    let hi = this.shown.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.compare(this.shown[mid], row) <= 0) lo = mid + 1; else hi = mid;
    }
    return lo;
  }

  /**
   * Fold the model's row changes since the last call: new rows join the
   * list (in place when sorted), changed rows move if their sort key or
   * filter verdict changed. Cost: the changes, not the table.
   */
  update() {
    if (!this.model) return;
    const { added, changed } = this.model.takeRowChanges();
    const sorted = this.sort.key !== 'order';
    const filtered = this.filter.text || this.filter.status !== 'all' || this.filter.outcome !== 'all';
    for (const row of added) changed.delete(row);
    // The lowest position whose row changed place: rows above it kept theirs, so a window that ends
    // above it only rewrites the changed rows it shows (a crawl appending rows below the view costs nothing).
    let touched = Infinity;
    const insert = (at, row) => {
      this.shown.splice(at, 0, row);
      touched = Math.min(touched, at);
    };
    if (sorted || filtered || [...changed].some((r) => r.gone)) {
      for (const row of changed) {
        const at = this.indexOfRow(row);
        const stays = !row.gone && this.passes(row);
        if (at >= 0 && (!stays || sorted)) {
          this.shown.splice(at, 1);
          touched = Math.min(touched, at);
        }
        if (stays && (at < 0 || sorted)) insert(sorted ? this.insertionPoint(row) : this.shown.length, row);
      }
    }
    for (const row of added) {
      if (row.gone || !this.passes(row)) continue;
      insert(sorted ? this.insertionPoint(row) : this.shown.length, row);
    }
    const moved = touched < this.last;
    this.renderWindow(moved, moved ? null : changed);
  }

  /** A row's index in the shown list, or -1: a binary search in discovery order, else a scan (a user's sort). */
  indexOfRow(row) {
    if (this.sort.key !== 'order' || this.sort.dir !== 1) return this.shown.indexOf(row);
    let lo = 0;
    let hi = this.shown.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (this.shown[mid].order < row.order) lo = mid + 1; else hi = mid;
    }
    return this.shown[lo] === row ? lo : -1;
  }

  /** Put the rows in view (and a margin) in the DOM; two spacers stand for the rest. */
  renderWindow(force = false, changed = null) {
    if (syncFieldColumns(this.table, this.model?.fieldNames ?? [])) {
      force = true;
      this.markSort(); // the field headers were made again
    }
    const total = this.shown.length;
    let first = 0;
    let last = total;
    if (total > ALL_ROWS && this.scroller) {
      const top = this.scrollTop;
      const height = this.viewHeight || 600;
      first = Math.max(0, Math.floor(top / ROW_HEIGHT) - OVERSCAN);
      last = Math.min(total, Math.ceil((top + height) / ROW_HEIGHT) + OVERSCAN);
    }
    const same = first === this.first && last === this.last;
    if (!force && same && !changed?.size) {
      this.renderMargins(first, last, total);
      return;
    }
    // The window only grew at its end (rows appended while all rows fit, or a taller view): the rows
    // it already showed keep their elements, and only the changed ones are written again.
    const kept = !force && first === this.first && last >= (this.last ?? Infinity) ? this.last : 0;
    this.first = first;
    this.last = last;
    const count = last - first;
    while (this.elements.length < count) this.elements.push(newRowElement());
    const elements = this.elements.slice(0, count);
    elements.forEach((tr, i) => {
      const index = first + i;
      if (index < kept && !changed?.has(this.shown[index])) return;
      renderRow(tr, this.shown[index]);
      tr.dataset.index = String(index);
      tr.setAttribute('aria-rowindex', String(index + 2)); // the header is row 1
      tr.tabIndex = index === this.focusIndex ? 0 : -1;
    });
    const shown = this.tbody.children.length;
    if (kept && shown === kept - first && shown < count) {
      this.tbody.append(...elements.slice(shown)); // the new rows at the end, nothing moved
    } else if (shown !== count || [...this.tbody.children].some((tr, i) => tr !== elements[i])) {
      const focused = this.tbody.contains(document.activeElement) ? document.activeElement : null;
      this.tbody.replaceChildren(...elements);
      if (focused && elements.includes(focused)) focused.focus({ preventScroll: true });
    }
    this.renderMargins(first, last, total);
  }

  /** The rows outside the window are stood for by the spacers above and below the table, so the scrollbar is true. */
  renderMargins(first, last, total) {
    setHeight(this.above, first * ROW_HEIGHT);
    setHeight(this.below, (total - last) * ROW_HEIGHT);
    this.table.setAttribute('aria-rowcount', String(total + 1));
    this.renderCaption();
  }

  renderCaption() {
    const all = this.model?.pageCount ?? 0;
    const shown = this.shown.length;
    const filtered = shown !== all;
    setText(this.caption, `${all.toLocaleString('en')} pages${filtered ? `, ${shown.toLocaleString('en')} shown` : ''}`
      + ' · ↑↓ move between rows, Enter opens a row\'s detail; click a column heading to sort');
  }

  /** Arrow keys move the focused row (the window follows); Enter opens it in the picture. */
  key(e) {
    const tr = e.target.closest?.('tr');
    if (!tr?.dataset.index) return;
    const index = Number(tr.dataset.index);
    const page = Math.max(1, Math.floor((this.scroller ? this.viewHeight : 400) / ROW_HEIGHT) - 1);
    const to = { ArrowDown: index + 1, ArrowUp: index - 1, PageDown: index + page, PageUp: index - page, Home: 0,
      End: this.shown.length - 1 }[e.key];
    if (e.key === 'Enter') {
      e.preventDefault();
      this.onOpen?.(tr.dataset.url);
      return;
    }
    if (to === undefined) return;
    e.preventDefault();
    this.focusRow(Math.max(0, Math.min(this.shown.length - 1, to)));
  }

  focusRow(index) {
    this.focusIndex = index;
    if (this.scroller && this.shown.length > ALL_ROWS) {
      const top = index * ROW_HEIGHT;
      const view = this.viewHeight;
      if (top < this.scrollTop) this.scroller.scrollTop = top;
      else if (top + ROW_HEIGHT > this.scrollTop + view) this.scroller.scrollTop = top + ROW_HEIGHT - view;
      this.scrollTop = this.scroller.scrollTop;
    }
    this.renderWindow(true);
    this.tbody.querySelector(`tr[data-index="${index}"]`)?.focus({ preventScroll: true });
  }

  clear() {
    this.model = null;
    this.shown = [];
    this.first = undefined; // no window shown: the next render writes every row it shows
    this.last = undefined;
    this.tbody.replaceChildren();
    setHeight(this.above, 0);
    setHeight(this.below, 0);
    $('skips').replaceChildren();
    skipsShape.delete($('skips'));
  }
}
