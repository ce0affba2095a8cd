// The crawl form as an options object, and an option's error shown under
// its own field.
//
// The page does not validate: an empty field is simply not sent (the
// engine's default applies), anything else is sent as typed, and the engine
// — the one validator for the page and the JS API alike — throws an Error
// whose `option` names the field to blame.

const $ = (id) => document.getElementById(id);

/** The option fields of the Options disclosure: every element whose id is opt-<optionName>. */
const optionFields = () => [...document.querySelectorAll('#more-options [id^="opt-"]')]
  .filter((el) => ['INPUT', 'SELECT', 'TEXTAREA'].includes(el.tagName));

/** A word that could be meant as a start URL: a scheme, a dot (a domain or an IP), localhost or [IPv6]. */
const urlLike = (word) => /:\/\/|\./.test(word) || /^(localhost\b|\[)/i.test(word);

/**
 * Start URLs: one per line, and a line splits at spaces when every word on
 * it looks like a URL. Otherwise the line stays whole, so a stray space
 * ("not a url", "example.com /path") gets the engine's "not a valid URL"
 * instead of a crawl of the single-label hosts "not", "a" and "url".
 */
export function parseRoots(text) {
  return text.split(/[\r\n]+/).map((line) => line.trim()).filter(Boolean).flatMap((line) => {
    const words = line.split(/\s+/);
    return words.every(urlLike) ? words : [line];
  });
}

/**
 * A field's value as the engine wants it, or undefined for "not set".
 * Numbers that do not parse are sent as the text typed, so the engine's
 * message quotes what the user wrote ("must be a whole number …, got "1e"").
 */
function fieldValue(el) {
  if (el.type === 'checkbox') return el.checked === el.defaultChecked ? undefined : el.checked;
  const raw = el.value;
  if (raw.trim() === '') return undefined;
  if (el.tagName === 'SELECT') return raw === 'true' ? true : raw === 'false' ? false : raw;
  if (el.dataset.kind === 'int') {
    const text = raw.trim();
    return /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i.test(text) ? Number(text) : text;
  }
  if (el.dataset.kind === 'json') {
    // extract: an object as JSON. Text that is not JSON is sent as typed, and the engine's
    // message ("extract: must be an object of named CSS selectors …, got "…"") quotes it.
    try {
      return JSON.parse(raw);
    } catch {
      return raw;
    }
  }
  return raw; // exclude: a regex, taken verbatim (spaces may matter)
}

/** The options the form describes: roots, maxTasks and every option field that is set. */
export function readForm() {
  const options = { roots: parseRoots($('root').value), maxTasks: Number($('max-tasks').value) };
  for (const el of optionFields()) {
    const value = fieldValue(el);
    if (value !== undefined) options[el.id.slice('opt-'.length)] = value;
  }
  return options;
}

/** Show how many options differ from their defaults on the closed disclosure. */
export function countSet() {
  const n = optionFields().filter((el) => fieldValue(el) !== undefined).length;
  const badge = $('options-set');
  badge.textContent = n ? `${n} set` : '';
  badge.hidden = n === 0;
}

function setError(input, errorEl, message) {
  errorEl.textContent = message;
  input.setAttribute('aria-invalid', message ? 'true' : 'false');
}

export function clearErrors() {
  setError($('root'), $('root-error'), '');
  setError($('max-tasks'), $('max-tasks-error'), '');
  for (const el of optionFields()) {
    const errorEl = $(`${el.id}-error`);
    if (errorEl) setError(el, errorEl, '');
  }
  $('form-error').textContent = '';
}

/** Put an options Error next to the field it names (opening the disclosure if it is there). */
export function showError(error) {
  const message = String(error?.message ?? error);
  const option = String(error?.option ?? '');
  if (option === 'roots' || option.startsWith('roots[')) {
    setError($('root'), $('root-error'), message);
    $('root').focus();
    return;
  }
  if (option === 'maxTasks') {
    setError($('max-tasks'), $('max-tasks-error'), message);
    $('max-tasks').focus();
    return;
  }
  // `extract.h1` (a field of an object option) is shown under the option's own field.
  const field = option.split('.')[0];
  const input = $(`opt-${field}`);
  const errorEl = $(`opt-${field}-error`);
  if (input && errorEl) {
    $('more-options').open = true;
    setError(input, errorEl, message);
    input.focus();
    return;
  }
  // No field to blame (only a bug in this page could send an unknown option): still inline, under the form.
  $('form-error').textContent = message;
}

/** Wire the form's small behaviours: Enter submits from the roots box, the root box grows, the badge counts. */
export function wireForm(form) {
  const root = $('root');
  root.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      form.requestSubmit();
    }
  });
  const grow = () => { root.rows = Math.min(6, Math.max(1, root.value.split('\n').length)); };
  root.addEventListener('input', grow);
  form.addEventListener('input', countSet);
  form.addEventListener('change', countSet);
  return { grow };
}
