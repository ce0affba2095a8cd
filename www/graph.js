// The task graph on a canvas: a node per URL, layered by depth (columns),
// edges from the page that found it, redirect edges dashed, coloured by
// state. Pan by dragging, zoom with the wheel, click a node for its detail.
// Drawing batches nodes by colour (one path per state), so 5,000 nodes
// cost a handful of canvas calls.

import { STATES } from './model.js';

const COLUMN_GAP = 90; // between depth layers
const SUB_WIDTH = 16; // between the sub-columns of a crowded layer
const ROW = 16; // between nodes in a column
const PER_COLUMN = 32; // nodes per sub-column before a layer wraps
const SIZE = 5; // node half-size

export class TaskGraph {
  constructor(canvas, model, onSelect) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.model = model;
    this.onSelect = onSelect;
    this.view = { x: 24, y: 24, k: 1 };
    this.fitted = false;
    this.selected = null;
    this.highlight = new Set();
    this.drawnVersion = -1;
    this.positions = new Map();
    /**
     * The canvas's CSS size, kept by a ResizeObserver: asking
     * getBoundingClientRect() every frame would force a layout each time the
     * page changed anything (the table, the counters) since the last frame.
     */
    this.size = null;
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => {
        this.size = null;
        this.draw(true);
      }).observe(canvas);
    }
    this.listen();
  }

  /** The canvas's CSS size: measured once per resize, not per frame. */
  cssSize() {
    if (!this.size) {
      const { width, height } = this.canvas.getBoundingClientRect();
      this.size = { width, height };
    }
    return this.size;
  }

  setModel(model) {
    this.model = model;
    this.selected = null;
    this.fitted = false;
    this.drawnVersion = -1;
  }

  /** Layered layout: column per depth, wrapped into sub-columns of PER_COLUMN. */
  layout() {
    // Positions depend only on the nodes (not their states): redo only when nodes were added.
    if (this.laidOut === this.model.order.length && this.laidOutModel === this.model) return;
    this.laidOut = this.model.order.length;
    this.laidOutModel = this.model;
    const byDepth = new Map();
    for (const n of this.model.order) {
      if (!byDepth.has(n.depth)) byDepth.set(n.depth, []);
      byDepth.get(n.depth).push(n);
    }
    const depths = [...byDepth.keys()].sort((a, b) => a - b);
    let x = 0;
    let rows = 1;
    this.positions = new Map();
    for (const d of depths) {
      const nodes = byDepth.get(d);
      rows = Math.max(rows, Math.min(nodes.length, PER_COLUMN));
      nodes.forEach((n, i) => {
        const sub = Math.floor(i / PER_COLUMN);
        this.positions.set(n.url, { x: x + sub * SUB_WIDTH, y: (i % PER_COLUMN) * ROW, n });
      });
      x += Math.ceil(nodes.length / PER_COLUMN) * SUB_WIDTH + COLUMN_GAP;
    }
    this.width = x;
    this.height = rows * ROW; // the tallest column: a small crawl is fitted to its own size
  }

  resize() {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = this.cssSize();
    if (this.canvas.width !== Math.round(width * ratio) || this.canvas.height !== Math.round(height * ratio)) {
      this.canvas.width = Math.round(width * ratio);
      this.canvas.height = Math.round(height * ratio);
      this.drawnVersion = -1;
    }
    return ratio;
  }

  /** Zoom to fit everything (until the user pans or zooms). */
  fit() {
    const { width, height } = this.cssSize();
    const w = Math.max(this.width, 1);
    const h = Math.max(this.height ?? 0, ROW);
    const k = Math.min(2, Math.max(0.05, Math.min((width - 48) / w, (height - 48) / h)));
    this.view = { x: 24, y: 24, k };
  }

  draw(force = false) {
    const ratio = this.resize();
    if (!force && this.drawnVersion === this.model.version) return;
    this.drawnVersion = this.model.version;
    this.layout();
    if (!this.fitted) this.fit();
    const { ctx } = this;
    const { x: ox, y: oy, k } = this.view;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
    const at = (p) => [ox + p.x * k, oy + p.y * k];

    // Edges from the page that found each node.
    ctx.strokeStyle = 'rgba(80, 90, 100, 0.25)';
    ctx.lineWidth = 1;
    ctx.beginPath();
    for (const [, p] of this.positions) {
      const parent = p.n.parent && this.positions.get(p.n.parent);
      if (!parent) continue;
      const [x1, y1] = at(parent);
      const [x2, y2] = at(p);
      ctx.moveTo(x1, y1);
      ctx.lineTo(x2, y2);
    }
    ctx.stroke();
    // Redirect edges, dashed.
    ctx.strokeStyle = STATES.alias.color;
    ctx.setLineDash([4, 3]);
    ctx.beginPath();
    for (const { from, to } of this.model.redirects) {
      const a = this.positions.get(from);
      const b = this.positions.get(to);
      if (!a || !b) continue;
      const [x1, y1] = at(a);
      const [x2, y2] = at(b);
      ctx.moveTo(x1, y1);
      ctx.lineTo(x2, y2);
    }
    ctx.stroke();
    ctx.setLineDash([]);

    // Nodes, one path per state.
    const s = Math.max(1.5, SIZE * Math.min(k, 1.5));
    for (const [state, { color }] of Object.entries(STATES)) {
      ctx.fillStyle = color;
      ctx.beginPath();
      for (const [, p] of this.positions) {
        if (this.model.drawState(p.n) !== state) continue;
        const [x, y] = at(p);
        ctx.rect(x - s, y - s, 2 * s, 2 * s);
      }
      ctx.fill();
    }
    // What the last step changed, and the selection.
    ctx.lineWidth = 2;
    for (const url of [...this.highlight, this.selected].filter(Boolean)) {
      const p = this.positions.get(url);
      if (!p) continue;
      const [x, y] = at(p);
      ctx.strokeStyle = url === this.selected ? '#111' : '#f2c14e';
      ctx.strokeRect(x - s - 3, y - s - 3, 2 * s + 6, 2 * s + 6);
    }
    // Labels once zoomed in enough to read them (visible nodes only).
    if (k >= 1.4) {
      ctx.fillStyle = '#333';
      ctx.font = '11px system-ui, sans-serif';
      const { width, height } = this.cssSize();
      for (const [, p] of this.positions) {
        const [x, y] = at(p);
        if (x < -50 || y < -10 || x > width || y > height) continue;
        ctx.fillText(shortName(p.n.url), x + s + 3, y + 4);
      }
    }
  }

  /** The node under a point (CSS pixels), if any. */
  hit(px, py) {
    const { x: ox, y: oy, k } = this.view;
    let best = null;
    let bestD = (SIZE + 4) ** 2;
    for (const [url, p] of this.positions) {
      const dx = ox + p.x * k - px;
      const dy = oy + p.y * k - py;
      const d = dx * dx + dy * dy;
      if (d < bestD) { best = url; bestD = d; }
    }
    return best;
  }

  /** Where a node is drawn (CSS pixels), for tests and the detail panel. */
  screenPosition(url) {
    const p = this.positions.get(url);
    if (!p) return null;
    return { x: this.view.x + p.x * this.view.k, y: this.view.y + p.y * this.view.k };
  }

  select(url) {
    this.selected = url;
    this.draw(true);
    this.onSelect?.(url);
  }

  listen() {
    const c = this.canvas;
    let drag = null;
    c.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY, vx: this.view.x, vy: this.view.y, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      if (!drag) return;
      const dx = e.clientX - drag.x;
      const dy = e.clientY - drag.y;
      if (Math.abs(dx) + Math.abs(dy) > 3) drag.moved = true;
      if (!drag.moved) return;
      this.fitted = true;
      this.view.x = drag.vx + dx;
      this.view.y = drag.vy + dy;
      this.draw(true);
    });
    c.addEventListener('pointerup', (e) => {
      const wasDrag = drag?.moved;
      drag = null;
      if (wasDrag) return;
      const r = c.getBoundingClientRect();
      const url = this.hit(e.clientX - r.left, e.clientY - r.top);
      if (url) this.select(url);
    });
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const r = c.getBoundingClientRect();
      const px = e.clientX - r.left;
      const py = e.clientY - r.top;
      const factor = Math.exp(-e.deltaY * 0.0015);
      const k = Math.min(8, Math.max(0.02, this.view.k * factor));
      // Zoom around the cursor.
      this.view.x = px - ((px - this.view.x) * k) / this.view.k;
      this.view.y = py - ((py - this.view.y) * k) / this.view.k;
      this.view.k = k;
      this.fitted = true;
      this.draw(true);
    }, { passive: false });
    c.addEventListener('dblclick', () => { this.fitted = false; this.draw(true); });
  }
}

/** The last path segment (or the host), for labels. */
function shortName(url) {
  try {
    const u = new URL(url);
    const parts = u.pathname.split('/').filter(Boolean);
    return parts.length ? decodeURIComponent(parts.at(-1)) : u.host;
  } catch {
    return url;
  }
}
