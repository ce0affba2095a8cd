// Reports out of the page (JSON, CSV, the seed-style text) and back in (a
// saved JSON report, or the JSON Lines an exported Scrapy spider writes,
// shown again without crawling).
//
// A loaded report is untrusted input: it is checked, then rebuilt field by
// field with the types the page expects, so a hand-edited or hostile file
// can neither break rendering nor smuggle anything but text into the DOM.

/** Larger files are refused before parsing (the log loader's limit too). */
export const MAX_REPORT_BYTES = 64 * 1024 * 1024;

/** Save text as a file the browser downloads. */
export function saveFile(name, type, text) {
  const a = document.createElement('a');
  a.href = URL.createObjectURL(new Blob([text], { type }));
  a.download = name;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/** `crawlscope-<kind>-2024-01-31T12-00-00-000Z.<ext>`: sortable, and valid on every file system. */
export const fileName = (kind, ext) => `crawlscope-${kind}-${new Date().toISOString().replace(/[:.]/g, '-')}.${ext}`;

// ------------------------------------------------------------ CSV

export const CSV_COLUMNS = ['url', 'aliases', 'status', 'contentType', 'encoding', 'size', 'truncated', 'links',
  'newLinks', 'depth', 'parent', 'tries', 'outcome', 'error'];

/**
 * One CSV field (RFC 4180). Text a spreadsheet would run as a formula
 * (= + - @, and tab / CR, which some strip first) gets a leading single
 * quote: the crawled site chooses content types and error texts can echo it.
 */
export function csvField(value) {
  let text = value == null ? '' : String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** The `extract` fields' names over all pages, in order of first appearance (a page lists them sorted). */
export function fieldNames(pages) {
  const names = new Set();
  for (const p of pages) for (const name of Object.keys(p.fields ?? {})) names.add(name);
  return [...names];
}

/** A field's value as text: a `[]` field's matches one per line (`sep`), no match an empty string. */
export function fieldText(value, sep = '\n') {
  if (Array.isArray(value)) return value.join(sep);
  return typeof value === 'string' ? value : '';
}

/**
 * One row per page, then a column per `extract` field (named by the field;
 * a `[]` field's matches one per line in its cell); CRLF line ends; a UTF-8
 * byte order mark so spreadsheets do not guess Latin-1.
 */
export function reportCsv(report) {
  const fields = fieldNames(report.pages);
  const lines = [[...CSV_COLUMNS, ...fields].map(csvField).join(',')];
  for (const p of report.pages) {
    const row = [p.url, p.aliases.join(' '), p.status, p.contentType, p.encoding, p.size, p.truncated,
      p.links.length, p.newLinks, p.depth, p.parent, p.tries, p.outcome, p.error,
      ...fields.map((name) => fieldText(Object.hasOwn(p.fields ?? {}, name) ? p.fields[name] : null))];
    lines.push(row.map(csvField).join(','));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

// ------------------------------------------------------------ loading

const str = (v) => (typeof v === 'string' ? v : null);
const num = (v) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const strings = (v) => (Array.isArray(v) ? v.filter((x) => typeof x === 'string') : []);
/** `extract` fields: a string, null or a list of strings per name; other values and keys are dropped. */
function fields(v) {
  const out = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === '__proto__') continue;
      if (typeof x === 'string' || x === null) out[k] = x;
      else if (Array.isArray(x)) out[k] = strings(x);
    }
  }
  return out;
}
/** An object of counts (counters, skips): other keys and values are dropped. */
function counts(v) {
  const out = {};
  if (v && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, n] of Object.entries(v)) if (num(n) != null && k !== '__proto__') out[k] = n;
  }
  return out;
}

function page(p, i) {
  if (!p || typeof p !== 'object' || Array.isArray(p)) throw new Error(`pages[${i}] is not an object`);
  if (typeof p.url !== 'string' || !p.url) throw new Error(`pages[${i}] has no url`);
  const found = fields(p.fields);
  return {
    url: p.url, aliases: strings(p.aliases), status: num(p.status), contentType: str(p.contentType),
    encoding: str(p.encoding), size: num(p.size), links: strings(p.links), newLinks: num(p.newLinks) ?? 0,
    error: str(p.error), tries: num(p.tries) ?? 0, depth: num(p.depth) ?? 0, parent: str(p.parent),
    startMs: num(p.startMs), endMs: num(p.endMs), outcome: str(p.outcome) ?? '', truncated: p.truncated === true,
    encodingNote: str(p.encodingNote), canonical: str(p.canonical), skips: counts(p.skips),
    redirects: (Array.isArray(p.redirects) ? p.redirects : [])
      .filter((h) => h && typeof h === 'object' && typeof h.url === 'string' && typeof h.to === 'string')
      .map((h) => ({ url: h.url, status: num(h.status), to: h.to })),
    // Only pages that have fields carry the key, as in the engine's own Report.
    ...(Object.keys(found).length ? { fields: found } : {}),
  };
}

// ------------------------------------------------------------ a Scrapy spider's JSON Lines

/** One item per line? The text of `scrapy runspider … -o pages.jsonl`. Null when it does not look like it. */
function jsonLines(text) {
  const lines = text.split(/\r?\n/);
  const first = lines.find((line) => line.trim() !== '');
  if (lines.length < 2 || !first?.trim().startsWith('{')) return null;
  const items = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      items.push([i + 1, JSON.parse(line)]);
    } catch (e) {
      throw new Error(`line ${i + 1} is not JSON (${e.message})`);
    }
  });
  return reportFromItems(items);
}

/**
 * The spider's items ([line, item] pairs) as a Report: one page per URL, sorted. A line
 * `{ url, aliases, outcome: "alias" }` says a requested URL redirected to a page already found:
 * its aliases join that page's (the page may be in another worker's file).
 */
function reportFromItems(items) {
  const pages = new Map();
  const aliasLines = [];
  for (const [line, item] of items) {
    if (!item || typeof item !== 'object' || Array.isArray(item)) throw new Error(`line ${line} is not an object`);
    if (typeof item.url !== 'string' || !item.url) throw new Error(`line ${line} has no url`);
    if (item.outcome === 'alias') aliasLines.push(item);
    else if (pages.has(item.url)) pages.get(item.url).aliases.push(...strings(item.aliases));
    else pages.set(item.url, { ...item, aliases: strings(item.aliases) });
  }
  for (const item of aliasLines) {
    if (!pages.has(item.url)) pages.set(item.url, { url: item.url, aliases: [], outcome: 'redirect target (not in this file)' });
    pages.get(item.url).aliases.push(...strings(item.aliases));
  }
  const sorted = [...pages.values()].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
  const skips = {};
  for (const page of sorted) {
    page.aliases = [...new Set(page.aliases)].sort();
    for (const [reason, n] of Object.entries(counts(page.skips))) skips[reason] = (skips[reason] ?? 0) + n;
  }
  return { version: 1, pages: sorted, skips, finished: true, endReason: null, text: '' };
}

/**
 * A saved report (object, JSON text, or a Scrapy spider's JSON Lines) checked
 * and rebuilt with the documented fields; throws an Error that says what is wrong.
 */
export function normaliseReport(input) {
  let value = input;
  if (typeof input === 'string') {
    if (input.length > MAX_REPORT_BYTES) throw new Error('larger than 64 MB');
    try {
      value = JSON.parse(input);
    } catch (e) {
      value = jsonLines(input);
      if (value === null) throw new Error(`not JSON (${e.message})`);
    }
    // A spider's file with a single page is one JSON object: a page, not a report.
    if (value && typeof value === 'object' && !Array.isArray(value) && typeof value.url === 'string'
      && value.version === undefined) value = reportFromItems([[1, value]]);
  }
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new Error('not a crawlscope report (expected a JSON object)');
  if (value.format === 'crawlscope-log') throw new Error('this is a crawl log, not a report: open it with Load log…');
  if (value.version !== 1) {
    throw new Error(value.version === undefined || !Array.isArray(value.pages)
      ? 'not a crawlscope report (no "version": 1)'
      : `report version ${JSON.stringify(value.version)} is not supported (this page reads version 1)`);
  }
  if (!Array.isArray(value.pages)) throw new Error('not a crawlscope report (no "pages" array)');
  const endReason = str(value.endReason);
  return {
    version: 1,
    pages: value.pages.map(page),
    counters: counts(value.counters),
    elapsedMs: num(value.elapsedMs) ?? 0,
    pausedMs: num(value.pausedMs) ?? 0,
    maxTasks: num(value.maxTasks) ?? 0,
    finished: value.finished === true,
    endReason,
    skips: counts(value.skips),
    text: str(value.text) ?? '',
  };
}
