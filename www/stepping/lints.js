// Lints beside the stepping controls: the engine's lints of the current
// crawl or replay (long poll, self-wakes, slow to poll, never woken) as a
// list whose entries open the step where each happened, a count per task
// for the picture's badges, and the Download trace button.
//
// The engine folds the lints (src/lints.rs); this side only asks for them
// when their count or the view changes, and puts them in the page as text.

import { setText } from '../dom.js';
import { saveFile, fileName } from '../api/export.js';

const $ = (id) => document.getElementById(id);

/** Entries shown at most: the rest are counted (a list past that teaches nothing more). */
const SHOWN = 200;

export class LintsPanel {
  /**
   * `api` is window.crawlscope; `controls` the stepping Controls (to open a step);
   * `onBadges(map)` gets task id → [lint titles] whenever they change.
   */
  constructor(api, controls, { onBadges } = {}) {
    this.api = api;
    this.controls = controls;
    this.onBadges = onBadges;
    this.signature = '';
    $('download-trace')?.addEventListener('click', () => this.downloadTrace());
    $('lint-list')?.addEventListener('click', (e) => {
      const button = e.target.closest?.('button[data-step]');
      if (button && !button.disabled) this.openStep(Number(button.dataset.step));
    });
  }

  /** Bring the list, the count and the badges in line with the current view (cheap when nothing changed). */
  refresh() {
    const view = this.api.current;
    const traceButton = $('download-trace');
    if (traceButton) traceButton.disabled = typeof view?.trace !== 'function';
    const count = view?.lintCount ?? 0;
    // A live crawl's steps open once it has ended: opening a replay makes it the current view, and a crawl
    // left behind paused or running could not be shown again.
    const open = view?.kind === 'replay' || (view?.kind === 'crawl' && view.finished);
    const signature = `${count}|${open}|${view?.kind === 'replay' ? view.position : ''}`;
    if (view === this.view && signature === this.signature) return;
    this.view = view;
    this.signature = signature;
    this.render(count ? view.lints() : [], open);
  }

  render(lints, open) {
    setText($('lint-count'), String(lints.length));
    $('lints')?.setAttribute('data-count', String(lints.length));
    const list = $('lint-list');
    if (!list) return;
    const items = lints.slice(0, SHOWN).map((lint) => {
      const li = document.createElement('li');
      li.dataset.kind = lint.kind;
      const kind = document.createElement('span');
      kind.className = 'lint-kind';
      kind.textContent = lint.title;
      const step = document.createElement('button');
      step.type = 'button';
      step.className = 'link';
      step.dataset.step = String(lint.step);
      step.textContent = `step ${lint.step}`;
      step.disabled = !open;
      step.title = open ? `Open step ${lint.step} in replay: the poll where this happened`
        : 'Once the crawl has ended (or is stopped), this opens the step in replay';
      const message = document.createElement('p');
      message.textContent = lint.message;
      li.append(kind, document.createTextNode(` ${lint.name} · `), step, message);
      return li;
    });
    if (lints.length > SHOWN) {
      const more = document.createElement('li');
      more.className = 'hint';
      more.textContent = `and ${lints.length - SHOWN} more (crawlscope.lints() lists them all)`;
      items.push(more);
    }
    if (!items.length) {
      const none = document.createElement('li');
      none.className = 'hint';
      none.textContent = 'No lint: no poll ran 50 ms or more, no task waited 50 ms to be polled or woke itself '
        + 'most of the time, and no task was left parked.';
      items.push(none);
    }
    list.replaceChildren(...items);
    const badges = new Map();
    for (const lint of lints) badges.set(lint.task, [...(badges.get(lint.task) ?? []), lint.title]);
    this.onBadges?.(badges);
  }

  /** A lint's step: seek there in a replay, or open the ended crawl's log in replay at it. */
  openStep(step) {
    const view = this.api.current;
    if (view?.kind === 'replay') this.controls.seek(step);
    else if (view?.log) this.controls.openLog(JSON.stringify(view.log()), step);
  }

  downloadTrace() {
    const view = this.api.current;
    if (typeof view?.trace !== 'function') return;
    saveFile(fileName('trace', 'json'), 'application/json', JSON.stringify(view.trace()));
  }
}
