// The wake view: who woke whom, drawn from the WakeModel (wakes-model.js).
// A node per task (the supervisor above, the workers in a row) and the
// sources below (the network, timers, outside); an arrow A → B for "A woke
// B", as thick as the log count of its wakes, coloured by the await point B
// was parked at. The wakes of the latest step or frame flash along their
// arrows (with `prefers-reduced-motion`, they are outlined instead and stay
// outlined until the next wake: nothing is said only by motion).
//
// Everything drawn is also text: the list of edges under the canvas (a
// button each: the keyboard path), the latest wake in words, and a detail
// panel with an edge's wakes (await point, time, URL, a button to that
// step in a replay). Arrow keys on the canvas move between its nodes and
// show each node's detail; Enter on an edge button shows the edge's.
//
// Cost: a draw visits the nodes and edges (bounded by the number of tasks,
// never the crawl's size) and only when the model changed or a flash runs;
// the edge list is updated in place for the edges that changed.

import { WakeModel } from './wakes-model.js';
import { awaitName } from '../stepping/words.js';
import { setText } from '../dom.js';

const $ = (id) => document.getElementById(id);

/** Each await point's colour: the chapter's loop reads at a glance (put → get, network → fetch, → join). */
export const POINT_COLORS = {
  queueGet: '#6b48b8', join: '#23744a', fetch: '#2f62a8', bodyRead: '#5b86c4', timer: '#8a6a50', yield: '#8a6a50',
  hostSlot: '#a8730a', stop: '#5b6570',
};
const OTHER_COLOR = '#5b6570';
const FLASH_MS = 900;
const DETAIL_MS = 1000; // an open detail follows new wakes at most this often
const R = 17; // a task node's radius
const TOP = 46; // the supervisor's row
const ROW = 84; // between rows of workers
const BOTTOM = 44; // the sources' row, from the bottom
const MIN_GAP = 70; // between workers in a row
const MIN_HEIGHT = 320; // the canvas's least height: as tall as its detail panel
const LABEL_AT = 0.6; // where along an arrow its count is drawn

const reducedMotion = () => globalThis.matchMedia?.('(prefers-reduced-motion: reduce)').matches ?? false;

/** "1 wake" / "3 wakes". */
const wakesText = (n) => `${n} wake${n === 1 ? '' : 's'}`;

export class WakeView {
  /**
   * `els`: { canvas, edges (ul), latest (p), title (h3), note (p), list (ol) }.
   * `onGoToStep(n)` opens step n in a replay (null: this view has no replay to open).
   */
  constructor(els, model = new WakeModel()) {
    this.els = els;
    this.canvas = els.canvas;
    this.ctx = this.canvas.getContext('2d');
    this.onGoToStep = null;
    /** What can be replayed now: 'replay' | 'finished' | 'live' | 'none' (set by the picture). */
    this.stepMode = 'none';
    this.flashes = []; // { record, until }
    this.outlined = []; // reduced motion: the latest batch, outlined until the next
    this.selected = null; // { kind: 'edge' | 'node', key }
    this.focusIdx = -1; // keyboard: the focused node's index in drawing order
    this.width = 0;
    this.rows = -1;
    this.positions = new Map();
    this.edgeItems = new Map(); // edge key → <li>
    this.frame = 0;
    /** Whether the view is on screen (a tab may hide it): hidden, it folds its list and words but paints nothing. */
    this.visible = true;
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver((entries) => {
        const width = entries.at(-1)?.contentRect.width;
        if (width && width !== this.width) {
          this.width = width;
          requestAnimationFrame(() => this.draw(true));
        }
      }).observe(this.canvas);
    }
    this.listen();
    this.setModel(model);
  }

  setModel(model) {
    this.model = model;
    this.drawnVersion = -1;
    this.flashes = [];
    this.outlined = [];
    this.selected = null;
    this.focusIdx = -1;
    clearTimeout(this.refreshTimer);
    this.refreshTimer = 0;
    this.edgeItems.clear();
    this.els.edges.replaceChildren();
    this.showEmptyDetail();
    setText(this.els.latest, 'No wake yet.');
    this.draw(true);
  }

  /** Names for the words: a node key → its label. */
  label(key) {
    return this.model.nodes.get(key)?.label ?? key;
  }

  // ------------------------------------------------------------ layout

  /** Nodes in drawing order (the keyboard walks them in this order too): supervisor, workers, sources. */
  order() {
    const tasks = this.model.tasks();
    return [...tasks.filter((n) => n.kind === 'supervisor'), ...tasks.filter((n) => n.kind === 'worker'),
      ...this.model.sources()];
  }

  layout(width) {
    const workers = this.model.tasks().filter((n) => n.kind === 'worker');
    const perRow = Math.max(1, Math.floor((width - 110) / MIN_GAP));
    const rows = Math.max(1, Math.ceil(workers.length / perRow));
    const height = Math.max(MIN_HEIGHT, TOP + ROW * (rows + 1) + BOTTOM);
    const rowGap = (height - TOP - BOTTOM) / (rows + 1); // the rows share what room there is
    const pos = new Map();
    for (const n of this.model.tasks()) if (n.kind === 'supervisor') pos.set(n.key, { x: width / 2, y: TOP, r: R });
    workers.forEach((n, i) => {
      const row = Math.floor(i / perRow);
      const inRow = Math.min(perRow, workers.length - row * perRow);
      // Right of the row's name ("workers", drawn at the left).
      const gap = Math.min((width - 60) / (inRow + 1), 140);
      const x = 30 + width / 2 + (i % perRow - (inRow - 1) / 2) * gap;
      pos.set(n.key, { x, y: TOP + rowGap * (row + 1), r: workers.length > 24 ? R - 5 : R });
    });
    const sources = this.model.sources();
    sources.forEach((n, i) => {
      pos.set(n.key, { x: (width * (i + 1)) / (sources.length + 1), y: height - BOTTOM + 14, r: R, box: true });
    });
    return { pos, height, rows };
  }

  // ------------------------------------------------------------ drawing

  /** Fold what changed into the edge list, then draw (when the model changed, a flash runs, or `force`). */
  draw(force = false) {
    const changed = this.model.takeChangedEdges();
    if (changed.size) this.updateList(changed);
    const recent = this.model.takeRecent();
    if (recent.length) {
      if (reducedMotion()) {
        this.outlined = recent;
      } else {
        this.outlined = [];
        const until = performance.now() + FLASH_MS;
        this.flashes = recent.map((record, i) => ({ record, until: until + i * 40, latest: i === recent.length - 1 }));
      }
      this.sayLatest();
      if (this.selected) this.refreshDetail(recent);
    }
    if (!this.visible) {
      this.flashes = [];
      return;
    }
    const flashing = this.flashes.length > 0;
    if (!force && !flashing && this.drawnVersion === this.model.version) return;
    this.drawnVersion = this.model.version;
    this.paint();
    if (this.flashes.length && !this.frame) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.draw();
      });
    }
  }

  paint() {
    const width = this.width || this.canvas.getBoundingClientRect().width || 600;
    const { pos, height, rows } = this.layout(width);
    this.positions = pos;
    if (rows !== this.rows) {
      this.rows = rows;
      this.canvas.style.height = `${height}px`; // only when the rows change: a layout change
    }
    const ratio = window.devicePixelRatio || 1;
    if (this.canvas.width !== Math.round(width * ratio)) this.canvas.width = Math.round(width * ratio);
    if (this.canvas.height !== Math.round(height * ratio)) this.canvas.height = Math.round(height * ratio);
    const { ctx } = this;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    ctx.font = '12px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    ctx.textAlign = 'center';

    const now = performance.now();
    this.flashes = this.flashes.filter((f) => f.until > now);
    const hot = new Set([...this.outlined, ...this.flashes.map((f) => f.record)].map((r) => `${r.from}>${r.to}`));
    const selectedEdge = this.selected?.kind === 'edge' ? this.selected.key : null;
    const selectedNode = this.selected?.kind === 'node' ? this.selected.key : null;
    // Edges under the nodes: the quiet ones first, the outlined and the selected on top.
    const edges = [...this.model.edges.values()]
      .sort((a, b) => (hot.has(a.key) - hot.has(b.key)) || ((a.key === selectedEdge) - (b.key === selectedEdge)));
    const labels = [];
    for (const edge of edges) {
      const a = pos.get(edge.from);
      const b = pos.get(edge.to);
      if (!a || !b) continue;
      const color = POINT_COLORS[WakeModel.mainPoint(edge)] ?? OTHER_COLOR;
      const w = 1.5 + Math.min(6, Math.log2(edge.count));
      const touches = selectedNode && (edge.from === selectedNode || edge.to === selectedNode);
      if (hot.has(edge.key) || edge.key === selectedEdge || touches) {
        ctx.strokeStyle = edge.key === selectedEdge ? '#111' : '#f2c14e';
        ctx.lineWidth = w + 5;
        this.curve(a, b, edge);
        ctx.stroke();
      }
      ctx.strokeStyle = color;
      ctx.fillStyle = color;
      ctx.lineWidth = w;
      const tip = this.curve(a, b, edge);
      ctx.stroke();
      this.arrow(tip, w);
      labels.push({ at: tip.mid, text: String(edge.count), color });
    }
    // Flashes: a dot runs from the waker to the woken along the arrow.
    for (const f of this.flashes) {
      const a = pos.get(f.record.from);
      const b = pos.get(f.record.to);
      const edge = this.model.edges.get(`${f.record.from}>${f.record.to}`);
      if (!a || !b || !edge) continue;
      const t = Math.min(1, Math.max(0, 1 - (f.until - now) / FLASH_MS));
      const p = this.pointOn(a, b, edge, t);
      ctx.fillStyle = f.latest ? '#e0672b' : 'rgba(224, 103, 43, 0.55)';
      ctx.beginPath();
      ctx.arc(p.x, p.y, f.latest ? 6 : 4, 0, Math.PI * 2);
      ctx.fill();
    }
    // Counts on the arrows.
    ctx.font = 'bold 11px system-ui, sans-serif';
    for (const { at, text, color } of labels) {
      const w = ctx.measureText(text).width + 8;
      ctx.fillStyle = '#fff';
      ctx.fillRect(at.x - w / 2, at.y - 8, w, 16);
      ctx.strokeStyle = color;
      ctx.lineWidth = 1;
      ctx.strokeRect(at.x - w / 2, at.y - 8, w, 16);
      ctx.fillStyle = '#1d232a';
      ctx.fillText(text, at.x, at.y + 0.5);
    }
    // Nodes.
    ctx.font = '12px system-ui, sans-serif';
    const focused = this.order()[this.focusIdx]?.key;
    for (const n of this.order()) {
      const p = pos.get(n.key);
      if (!p) continue;
      ctx.beginPath();
      if (p.box) ctx.rect(p.x - 38, p.y - 13, 76, 26); else ctx.arc(p.x, p.y, p.r, 0, Math.PI * 2);
      ctx.fillStyle = n.kind === 'supervisor' ? '#e3eef0' : n.kind === 'source' ? '#f0f0ec' : '#eef2f7';
      ctx.fill();
      ctx.lineWidth = n.key === selectedNode || n.key === focused ? 3 : 1.5;
      ctx.strokeStyle = n.key === selectedNode || n.key === focused ? '#111' : '#5b6570';
      ctx.stroke();
      ctx.fillStyle = '#1d232a';
      if (p.box) ctx.fillText(n.label.replace(/ \(.*\)$/, ''), p.x, p.y + 0.5);
      else if (n.kind === 'supervisor') ctx.fillText('supervisor', p.x + p.r + 36, p.y + 0.5);
      else ctx.fillText(n.label.split(' ')[1] ?? n.label, p.x, p.y + 0.5);
    }
    // The workers' row(s), named once at the left.
    const first = this.model.tasks().find((n) => n.kind === 'worker');
    const p = first && pos.get(first.key);
    if (p) {
      ctx.textAlign = 'left';
      ctx.fillStyle = '#4f5861';
      ctx.fillText('workers', 8, p.y + 0.5);
    }
  }

  /** The control point of an edge's curve (A → B and B → A bend to opposite sides). */
  control(a, b) {
    const dx = b.x - a.x;
    const dy = b.y - a.y;
    const len = Math.hypot(dx, dy) || 1;
    // Within a row of workers the arcs rise with their length, so 0 → 1, 0 → 2 and 0 → 3 stay apart.
    const bend = Math.abs(dy) < 1 ? 0.3 * len + 12 : 0.16 * len + 10;
    return { x: (a.x + b.x) / 2 + (dy / len) * bend, y: (a.y + b.y) / 2 - (dx / len) * bend };
  }

  /** A point at `t` along an edge (self-wakes loop above their node). */
  pointOn(a, b, edge, t) {
    if (edge.from === edge.to) {
      const angle = Math.PI / 2 + t * Math.PI * 2;
      return { x: a.x - 14 + 14 * Math.cos(angle), y: a.y - a.r - 12 + 14 * Math.sin(angle) };
    }
    const c = this.control(a, b);
    const u = 1 - t;
    return { x: u * u * a.x + 2 * u * t * c.x + t * t * b.x, y: u * u * a.y + 2 * u * t * c.y + t * t * b.y };
  }

  /** Trace an edge's path; returns where its arrow goes and its middle (for the count). */
  curve(a, b, edge) {
    const { ctx } = this;
    ctx.beginPath();
    if (edge.from === edge.to) {
      ctx.arc(a.x - 14, a.y - a.r - 12, 14, 0, Math.PI * 2);
      return { x: a.x - 1, y: a.y - a.r - 2, dx: 0.2, dy: 1, mid: { x: a.x - 32, y: a.y - a.r - 18 } };
    }
    const c = this.control(a, b);
    // Stop at the woken node's edge, so the arrow's tip touches it.
    const dx = b.x - c.x;
    const dy = b.y - c.y;
    const len = Math.hypot(dx, dy) || 1;
    const reach = (b.box ? 15 : b.r) + 2;
    const end = { x: b.x - (dx / len) * reach, y: b.y - (dy / len) * reach };
    ctx.moveTo(a.x, a.y);
    ctx.quadraticCurveTo(c.x, c.y, end.x, end.y);
    // The count sits past the middle, nearer the woken: arrows from one source fan apart there.
    return { x: end.x, y: end.y, dx: dx / len, dy: dy / len, mid: this.pointOn(a, b, edge, LABEL_AT) };
  }

  arrow(tip, w) {
    const { ctx } = this;
    const size = 7 + w;
    const nx = -tip.dy;
    const ny = tip.dx;
    ctx.beginPath();
    ctx.moveTo(tip.x, tip.y);
    ctx.lineTo(tip.x - tip.dx * size + nx * size * 0.5, tip.y - tip.dy * size + ny * size * 0.5);
    ctx.lineTo(tip.x - tip.dx * size - nx * size * 0.5, tip.y - tip.dy * size - ny * size * 0.5);
    ctx.closePath();
    ctx.fill();
  }

  // ------------------------------------------------------------ words

  /** One wake in words: "worker 0 woke worker 2, parked at queue.get() (…/page/3), 412.0 ms". */
  wakeText(r, withStep = false) {
    const who = r.from === r.to ? `${this.label(r.to)} woke itself` : `${this.label(r.from)} woke ${this.label(r.to)}`;
    return `${who}, parked at ${awaitName(r.at)}${r.url ? ` (${r.url})` : ''}, at ${r.tMs.toFixed(1)} ms`
      + (withStep ? `, step ${r.step}` : '');
  }

  sayLatest() {
    const r = this.model.latest;
    const workers = this.model.tasks().filter((n) => n.kind === 'worker').length;
    const lone = workers === 1
      ? ' With one worker no put() wakes a get(): the worker takes its next URL itself. Crawl paused with more'
        + ' tasks to see put → get.' : '';
    setText(this.els.latest, r ? `Latest wake: ${this.wakeText(r, true)}. ${wakesText(this.model.total)} in all.${lone}`
      : 'No wake yet.');
  }

  /** The edge list: a button per edge, updated in place (focus survives), in the order edges appeared. */
  updateList(changed) {
    for (const edge of changed) {
      let li = this.edgeItems.get(edge.key);
      if (!li) {
        li = document.createElement('li');
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'link';
        button.dataset.edge = edge.key;
        const swatch = document.createElement('span');
        swatch.className = 'swatch';
        swatch.setAttribute('aria-hidden', 'true');
        li.append(swatch, button);
        this.els.edges.append(li);
        this.edgeItems.set(edge.key, li);
      }
      const point = WakeModel.mainPoint(edge);
      li.firstChild.style.background = POINT_COLORS[point] ?? OTHER_COLOR;
      const arrow = edge.from === edge.to ? `${this.label(edge.to)} → itself` : `${this.label(edge.from)} → ${this.label(edge.to)}`;
      setText(li.lastChild, `${arrow}: ${wakesText(edge.count)}, mostly at ${awaitName(point)}`);
    }
  }

  showEmptyDetail() {
    setText(this.els.title, 'Pick an arrow or a node');
    setText(this.els.note, 'Click an arrow (or a button in the list below) for its wakes; on the canvas, the arrow '
      + 'keys walk the nodes.');
    this.els.list.replaceChildren();
  }

  /**
   * Keep an open detail current when new wakes touch it: at most once a second (its title is in a live
   * region, and a busy crawl wakes its tasks hundreds of times a second), the last time always.
   */
  refreshDetail(recent) {
    const { kind, key } = this.selected;
    const touched = kind === 'edge'
      ? recent.some((r) => `${r.from}>${r.to}` === key)
      : recent.some((r) => r.from === key || r.to === key);
    if (!touched || this.refreshTimer) return;
    const wait = Math.max(0, (this.refreshedAt ?? -Infinity) + DETAIL_MS - performance.now());
    this.refreshTimer = setTimeout(() => {
      this.refreshTimer = 0;
      this.refreshedAt = performance.now();
      if (this.selected?.kind === kind && this.selected.key === key) this.select(kind, key, false);
    }, wait);
  }

  /** Show an edge's wakes, or a node's edges in and out; a button focused in the list keeps the focus. */
  select(kind, key, redraw = true) {
    this.selected = { kind, key };
    const buttons = () => [...this.els.list.querySelectorAll('button')];
    const focused = buttons().indexOf(document.activeElement);
    if (kind === 'edge') this.showEdge(this.model.edges.get(key));
    else this.showNode(this.model.nodes.get(key));
    if (focused >= 0) buttons()[Math.min(focused, buttons().length - 1)]?.focus();
    if (redraw) this.draw(true);
  }

  showEdge(edge) {
    if (!edge) return;
    const arrow = edge.from === edge.to ? `${this.label(edge.to)} woke itself` : `${this.label(edge.from)} woke ${this.label(edge.to)}`;
    setText(this.els.title, `${arrow}: ${wakesText(edge.count)}`);
    const points = Object.entries(edge.byAt).map(([p, n]) => `${awaitName(p === 'null' ? null : p)} ${n}`).join(', ');
    setText(this.els.note, `Parked at: ${points}.${edge.count > edge.wakes.length
      ? ` The latest ${edge.wakes.length} are listed.` : ''}`);
    const items = [...edge.wakes].reverse().map((r) => {
      const li = document.createElement('li');
      li.append(document.createTextNode(`${r.tMs.toFixed(1)} ms · at ${awaitName(r.at)} · `), this.stepButton(r.step));
      if (r.url) {
        const url = document.createElement('span');
        url.className = 'wake-url';
        url.textContent = r.url; // crawled text: as text only
        li.append(url);
      }
      return li;
    });
    this.els.list.replaceChildren(...items);
  }

  showNode(node) {
    if (!node) return;
    setText(this.els.title, `${node.label}: woken ${node.in} ${node.in === 1 ? 'time' : 'times'}, woke others ${node.out}`);
    setText(this.els.note, node.kind === 'source'
      ? 'A source outside every task: it wakes tasks, nothing wakes it.'
      : 'Each arrow into or out of it; pick one for its wakes.');
    const edges = [...this.model.edges.values()].filter((e) => e.from === node.key || e.to === node.key);
    this.els.list.replaceChildren(...edges.map((edge) => {
      const li = document.createElement('li');
      const button = document.createElement('button');
      button.type = 'button';
      button.className = 'link';
      const other = edge.from === node.key ? edge.to : edge.from;
      button.textContent = edge.from === edge.to ? `woke itself: ${wakesText(edge.count)}`
        : edge.to === node.key ? `woken by ${this.label(other)}: ${wakesText(edge.count)}`
          : `woke ${this.label(other)}: ${wakesText(edge.count)}`;
      button.addEventListener('click', () => this.select('edge', edge.key));
      li.append(button);
      return li;
    }));
  }

  /** "step N": opens that step in a replay (a live crawl can once it has ended). */
  stepButton(step) {
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'link';
    button.dataset.step = String(step);
    button.textContent = `step ${step}`;
    if (this.stepMode === 'replay' || this.stepMode === 'finished') {
      button.title = this.stepMode === 'replay' ? `Go to step ${step} of this replay` : `Replay this crawl at step ${step}`;
      button.addEventListener('click', () => this.onGoToStep?.(step));
    } else {
      button.disabled = true;
      button.title = 'A replay can go to this step once the crawl has ended';
    }
    return button;
  }

  // ------------------------------------------------------------ input

  /** The edge or node under a point (CSS px). */
  hit(px, py) {
    const order = this.order();
    for (const n of order) {
      const p = this.positions.get(n.key);
      if (!p) continue;
      const inside = p.box ? Math.abs(px - p.x) <= 38 && Math.abs(py - p.y) <= 13 : Math.hypot(px - p.x, py - p.y) <= p.r + 2;
      if (inside) return { kind: 'node', key: n.key };
    }
    let best = null;
    for (const edge of this.model.edges.values()) {
      const a = this.positions.get(edge.from);
      const b = this.positions.get(edge.to);
      if (!a || !b) continue;
      for (let i = 0; i <= 24; i += 1) {
        const p = this.pointOn(a, b, edge, i / 24);
        const d = Math.hypot(px - p.x, py - p.y);
        if (d <= 8 && (!best || d < best.d)) best = { d, key: edge.key };
      }
    }
    return best ? { kind: 'edge', key: best.key } : null;
  }

  /** Where an edge's middle is drawn (CSS px), for tests and a pointer. */
  edgePosition(key) {
    const edge = this.model.edges.get(key);
    const a = edge && this.positions.get(edge.from);
    const b = edge && this.positions.get(edge.to);
    return a && b ? this.pointOn(a, b, edge, LABEL_AT) : null;
  }

  listen() {
    const c = this.canvas;
    c.addEventListener('click', (e) => {
      const r = c.getBoundingClientRect();
      const hit = this.hit(e.clientX - r.left, e.clientY - r.top);
      if (hit) {
        this.focusIdx = hit.kind === 'node' ? this.order().findIndex((n) => n.key === hit.key) : this.focusIdx;
        this.select(hit.kind, hit.key);
      }
    });
    c.addEventListener('pointermove', (e) => {
      const r = c.getBoundingClientRect();
      const hit = this.hit(e.clientX - r.left, e.clientY - r.top);
      c.style.cursor = hit ? 'pointer' : '';
    });
    c.addEventListener('keydown', (e) => {
      const order = this.order();
      if (!order.length) return;
      let next = null;
      if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = (this.focusIdx + 1) % order.length;
      else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = (this.focusIdx - 1 + order.length) % order.length;
      else if (e.key === 'Home') next = 0;
      else if (e.key === 'End') next = order.length - 1;
      if (next == null) return;
      // The page's arrow shortcuts (step) stay out of a focused canvas: it uses them to move.
      e.preventDefault();
      this.focusIdx = next;
      this.select('node', order[next].key);
    });
    this.els.edges.addEventListener('click', (e) => {
      const button = e.target.closest?.('button[data-edge]');
      if (button) this.select('edge', button.dataset.edge);
    });
  }
}
