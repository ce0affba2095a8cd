// Two DOM helpers every part of the page uses. Crawled text reaches the DOM
// only as text (`setText`), and only a checked http(s) URL becomes a link
// (`isWebUrl`): never a `javascript:` href, never HTML.

/** Set an element's text, touching the DOM only when it changes. */
export function setText(el, text) {
  if (el && el.textContent !== text) el.textContent = text;
}

/** Whether `text` is an http(s) URL, so it may become a link. */
export function isWebUrl(text) {
  try { return ['http:', 'https:'].includes(new URL(text).protocol); } catch { return false; }
}
