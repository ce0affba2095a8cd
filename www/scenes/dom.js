// DOM helpers shared by the scenes. Text only ever goes in as textContent
// (URLs and other crawled text included): nothing here parses HTML.

/**
 * `el('p', { class: 'x', text: 'hi', title: '…', dataset: { k: 'v' } }, ...children)`.
 * Other keys become attributes (`type`, `name`, `role`, `aria-*`, …).
 */
export function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value == null || value === false) continue;
    if (key === 'class') node.className = value;
    else if (key === 'text') node.textContent = String(value);
    else if (key === 'dataset') Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? '' : String(value));
  }
  node.append(...children.filter((c) => c != null && c !== false));
  return node;
}

/** Replace a node's content with `text`, as text. */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** Milliseconds for people: `840 ms`, `12.3 s`. */
export function ms(value) {
  if (value == null || !Number.isFinite(value)) return '—';
  return value < 10_000 ? `${Math.round(value)} ms` : `${(value / 1000).toFixed(1)} s`;
}

/** A URL as a path under `base` when it is one (`/page/3`), else the whole URL. */
export function shortUrl(url, base) {
  if (typeof url !== 'string') return '';
  return base && url.startsWith(base) ? `/${url.slice(base.length)}` : url;
}

/** The site line under a scene's title, or nothing. */
export function siteNote(label) {
  return label ? el('p', { class: 'sc-site', text: `Site: ${label}` }) : null;
}

/** A labelled <select> of numbers; `value` is chosen when it is one of them. */
export function numberSelect(name, label, values, value, format = String) {
  const select = el('select', { name });
  for (const v of values) select.append(el('option', { value: String(v), text: format(v) }));
  select.value = values.includes(value) ? String(value) : String(values[0]);
  return { select, label: el('label', { class: 'sc-control' }, el('span', { text: label }), select) };
}

/** A whole number from `params[key]` when it is one of `allowed`, else `fallback`. */
export function param(params, key, allowed, fallback) {
  const n = Number(params?.[key]);
  return allowed.includes(n) ? n : fallback;
}
