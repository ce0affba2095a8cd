// CORS, explained where a user meets it. Most sites send no CORS headers,
// so a page cannot read them: the engine tells that apart from a dead host
// (a `no-cors` probe per origin, the failure kind `cors`), and this module
// says once per crawl what it means and the way through: the local proxy
// (when the page's server announces one) or the site's own CORS headers.
//
// It also shows the "through the local proxy" option only where a proxy is
// announced. The note is built with textContent only: it names the origin
// the crawl probed, which is crawled data.

const $ = (id) => document.getElementById(id);

/** How often a running crawl's new events are looked through. */
const POLL_MS = 250;

/** The note's element, made once, after the end reason (or at the end of <main>). */
function noteElement() {
  let note = $('cors-note');
  if (note) return note;
  note = document.createElement('div');
  note.id = 'cors-note';
  note.className = 'cors-note';
  note.setAttribute('role', 'status');
  note.hidden = true;
  const anchor = $('end-reason')?.closest('section') ?? document.querySelector('main') ?? document.body;
  anchor.after(note);
  return note;
}

/** The explanation for `origin`, with a button that takes the way through when there is one. */
function fill(note, origin, proxyAvailable, useProxy) {
  note.replaceChildren();
  const title = document.createElement('strong');
  title.textContent = 'CORS is the wall. ';
  const what = document.createElement('span');
  what.textContent = `${origin} answered, but without an Access-Control-Allow-Origin header, so the browser `
    + 'hides its response from this page; no retry can change that, and most sites send no such header. ';
  const way = document.createElement('span');
  way.textContent = proxyAvailable
    ? 'The way through: crawl again through the local proxy (this page\'s own server fetches each URL for it), '
      + 'or have the site send Access-Control-Allow-Origin itself.'
    : 'The way through: serve this page with `cargo xtask serve`, whose local proxy fetches each URL for it, '
      + 'or have the site send Access-Control-Allow-Origin itself.';
  note.append(title, what, way);
  if (proxyAvailable) {
    const button = document.createElement('button');
    button.type = 'button';
    button.id = 'cors-use-proxy';
    button.className = 'secondary';
    button.textContent = 'Crawl through the local proxy';
    button.addEventListener('click', useProxy);
    note.append(' ', button);
  }
  note.hidden = false;
}

/**
 * Wire the note and the proxy checkbox to the API. `form` is the crawl form:
 * the button ticks the option and submits it; `picture` is the page's
 * picture, whose model has folded the crawl's log.
 */
export function wireCorsNote(api, form, picture) {
  const checkbox = $('opt-proxy');
  if (checkbox && api.proxy) checkbox.closest('label').hidden = false;
  const note = noteElement();
  const useProxy = () => {
    if (!checkbox) return;
    checkbox.checked = true;
    checkbox.dispatchEvent(new Event('change', { bubbles: true }));
    const current = api.current;
    if (!current || current.finished) form.requestSubmit();
  };
  let timer = null;
  api.onCurrent((view) => {
    clearInterval(timer);
    note.hidden = true; // once per crawl: a new crawl starts without it
    if (view?.kind !== 'crawl') return;
    // The picture's model folds the log (its first opaque `corsProbed`): reading the events
    // again here would parse every event twice.
    const look = () => {
      if (api.current !== view) return clearInterval(timer);
      const wall = picture.model.corsWall;
      if (wall) fill(note, wall.origin, api.proxy !== null, useProxy);
      if (wall || view.finished) clearInterval(timer);
    };
    timer = setInterval(look, POLL_MS);
  });
}
