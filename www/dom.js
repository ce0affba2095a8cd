// Two DOM helpers every part of the page uses. Crawled text reaches the DOM
// only as text (`setText`), and only a checked http(s) URL becomes a link
// (`isWebUrl`): never a `javascript:` href, never HTML.

/** Set an element's text, touching the DOM only when it changes. */
export function setText(el, text) {
  if (!el || el.textContent === text) return;
  // Rewrite a lone text node in place: assigning textContent would remove it and insert a new one,
  // which the browser lays out (and styles) as a new node; a counter changes ten times a second.
  const only = el.firstChild;
  if (only && only === el.lastChild && only.nodeType === Node.TEXT_NODE) only.data = text;
  else el.textContent = text;
}

/** Whether `text` is an http(s) URL, so it may become a link. */
export function isWebUrl(text) {
  try { return ['http:', 'https:'].includes(new URL(text).protocol); } catch { return false; }
}
