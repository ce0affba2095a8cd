// The task graph on a canvas: a node per URL, layered by depth (columns),
// coloured by state. Pan by dragging, zoom with the wheel, double-click to
// fit, click a node for its detail. From the keyboard: the canvas takes the
// focus, the arrow keys walk the nodes in discovery order (Home, End) and
// open each one's detail, panning to it when it is off screen.
//
// It stays readable and cheap from 20 pages to 20,000:
// - Layout is incremental: a node's place is its depth layer and its index
//   in it, so adding one never moves the others (only a layer growing a new
//   sub-column shifts the layers right of it). Past SMALL nodes the number
//   of rows per sub-column is chosen so the graph fills the canvas's shape.
// - Small crawls, or a zoomed-in view, are drawn as vectors, culled to what
//   is on screen, with labels once they can be read. Zoomed out over a big
//   crawl, nodes are pixels in an ImageData: only the nodes that changed
//   since the last frame are repainted, so a frame costs what changed plus
//   one putImageData of the canvas, whatever the crawl's size.
// - Edges only where they inform: every edge of a small crawl; for a big
//   one, the selected node's path from its root and its links, and the
//   hovered node's path.

import { STATES } from './model.js';

const COLUMN_GAP = 90; // between depth layers
const SUB_WIDTH = 16; // between the sub-columns of a crowded layer
const ROW = 16; // between nodes in a column
const MIN_ROWS = 32; // nodes per sub-column for small crawls
const SIZE = 5; // node half-size at zoom 1
/** Up to this many nodes, every edge is drawn and nodes are vectors, as a small crawl deserves. */
export const SMALL = 600;
/** Below this many CSS pixels between rows, a big crawl is drawn as a raster. */
const RASTER_CELL = 7;
/** A growing big crawl's view is fitted at this share of the exact zoom, to leave room to grow into. */
const GROW_ROOM = 0.9;

/** `#rrggbb` as a little-endian RGBA word for an ImageData's Uint32Array. */
export function rgba(hex) {
  const n = parseInt(hex.slice(1), 16);
  return ((255 << 24) | ((n & 0xff) << 16) | (n & 0xff00) | ((n >> 16) & 0xff)) >>> 0;
}
const PIXEL = Object.fromEntries(Object.entries(STATES).map(([state, { color }]) => [state, rgba(color)]));

/** Where nodes go: depth layers side by side, each wrapped into sub-columns of `rows`. */
class Layout {
  constructor() {
    this.layers = []; // depth → nodes, in discovery order
    this.rows = MIN_ROWS;
    this.offsets = []; // depth → x of the layer's first sub-column
    this.width = 0;
    this.height = ROW;
    this.count = 0;
    this.reflowedAt = 0; // node count when `rows` was last chosen
    this.version = 0; // bumped whenever an already placed node moves
  }

  add(node) {
    const depth = Number.isInteger(node.depth) && node.depth >= 0 ? node.depth : 0;
    let layer = this.layers[depth];
    const newLayer = !layer;
    if (!layer) {
      layer = [];
      this.layers[depth] = layer;
    }
    node.layer = depth;
    node.idx = layer.length;
    layer.push(node);
    this.count += 1;
    // A new layer, or a layer starting a new sub-column, pushes the layers right of it.
    if (newLayer || layer.length % this.rows === 1) this.place(depth);
    if (layer.length <= this.rows) this.height = Math.max(this.height, layer.length * ROW);
  }

  /** Recompute the layers' x offsets; a move of any layer right of `from` that has nodes is a relayout. */
  place(from = 0) {
    let x = 0;
    let moved = false;
    for (let d = 0; d < this.layers.length; d += 1) {
      const layer = this.layers[d];
      if (!layer) continue;
      if (d > from && this.offsets[d] !== x) moved = true;
      this.offsets[d] = x;
      x += Math.ceil(layer.length / this.rows) * SUB_WIDTH + COLUMN_GAP;
    }
    this.width = Math.max(SUB_WIDTH, x - COLUMN_GAP);
    if (moved) this.version += 1;
  }

  /** Choose rows per sub-column so the layout's shape matches `aspect` (width / height). */
  reflow(aspect) {
    if (this.count <= SMALL || this.count < this.reflowedAt * 1.3) return false;
    this.reflowedAt = this.count;
    const sizes = this.layers.filter(Boolean).map((l) => l.length);
    const gaps = (sizes.length - 1) * COLUMN_GAP;
    const tallest = Math.max(...sizes);
    const ratio = (r) => (sizes.reduce((w, n) => w + Math.ceil(n / r) * SUB_WIDTH, 0) + gaps)
      / (Math.min(r, tallest) * ROW);
    let lo = MIN_ROWS;
    let hi = Math.max(MIN_ROWS, tallest);
    while (lo < hi) { // the fewest rows whose layout is no wider than the canvas's shape
      const mid = (lo + hi) >> 1;
      if (ratio(mid) <= aspect) hi = mid; else lo = mid + 1;
    }
    if (lo === this.rows) return false;
    this.rows = lo;
    this.height = Math.min(lo, tallest) * ROW;
    this.place(-1);
    this.version += 1;
    return true;
  }

  /** A node's position in layout units. */
  pos(node) {
    const sub = Math.floor(node.idx / this.rows);
    return { x: this.offsets[node.layer] + sub * SUB_WIDTH, y: (node.idx % this.rows) * ROW };
  }

  /** The node nearest a layout point, if one is within `reach` layout units. */
  near(wx, wy, reach) {
    const row = Math.round(wy / ROW);
    if (row < 0 || row >= this.rows) return null;
    for (let d = 0; d < this.layers.length; d += 1) {
      const layer = this.layers[d];
      if (!layer) continue;
      const sub = Math.round((wx - this.offsets[d]) / SUB_WIDTH);
      const node = sub >= 0 ? layer[sub * this.rows + row] : undefined;
      if (!node) continue;
      const p = this.pos(node);
      if (Math.hypot(p.x - wx, p.y - wy) <= reach) return node;
    }
    return null;
  }

  /**
   * Visit every node inside a layout rectangle (what a view shows), without visiting the rest, with
   * its layout position: `visit(node, x, y)`. A 20,000-node draw calls it for each node in view, so
   * nothing is allocated per node.
   */
  eachInRect(x0, y0, x1, y1, visit) {
    const rows = this.rows;
    const r0 = Math.max(0, Math.floor(y0 / ROW));
    const r1 = Math.min(rows - 1, Math.ceil(y1 / ROW));
    for (let d = 0; d < this.layers.length; d += 1) {
      const layer = this.layers[d];
      if (!layer) continue;
      const offset = this.offsets[d];
      const subs = Math.ceil(layer.length / rows);
      const s0 = Math.max(0, Math.floor((x0 - offset) / SUB_WIDTH));
      const s1 = Math.min(subs - 1, Math.ceil((x1 - offset) / SUB_WIDTH));
      for (let s = s0; s <= s1; s += 1) {
        const x = offset + s * SUB_WIDTH;
        for (let r = r0; r <= r1; r += 1) {
          const node = layer[s * rows + r];
          if (node) visit(node, x, r * ROW);
        }
      }
    }
  }

  /** The nodes inside a layout rectangle, as a list. */
  inRect(x0, y0, x1, y1) {
    const nodes = [];
    this.eachInRect(x0, y0, x1, y1, (node) => nodes.push(node));
    return nodes;
  }
}

export class TaskGraph {
  constructor(canvas, model, onSelect) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.onSelect = onSelect;
    this.view = { x: 24, y: 24, k: 1 };
    this.selected = null;
    this.hovered = null;
    /** The selected page's links (from its detail), drawn as edges from it. */
    this.links = [];
    this.highlight = new Set();
    /** The node the keyboard is on (its index in the model's discovery order), and who hears of it. */
    this.focusIdx = -1;
    this.onFocusNode = null;
    /**
     * The canvas's CSS size, kept by a ResizeObserver: asking
     * getBoundingClientRect() every frame would force a layout each time the
     * page changed anything since the last frame. The observer only records
     * the size and asks for a draw on the next frame: drawing inside its
     * callback could resize things and loop.
     */
    this.size = null;
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver(() => {
        this.size = null;
        this.dirty = true;
        requestAnimationFrame(() => this.draw());
      }).observe(canvas);
    }
    this.setModel(model);
    this.listen();
  }

  setModel(model) {
    this.model = model;
    this.layout = new Layout();
    this.selected = null;
    this.links = [];
    this.focusIdx = -1;
    this.fitted = false; // until the user pans or zooms, the view fits the graph
    this.growing = false; // a big crawl running freely: the fitted view leaves it room (see fit)
    this.dirty = true;
    this.raster = null;
  }

  /** The canvas's CSS size: measured once per resize, not per frame. */
  cssSize() {
    if (!this.size) {
      const { width, height } = this.canvas.getBoundingClientRect();
      this.size = { width: Math.max(width, 1), height: Math.max(height, 1) };
    }
    return this.size;
  }

  /** Nodes on the graph. */
  get count() {
    return this.layout.count;
  }

  resize() {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = this.cssSize();
    if (this.canvas.width !== Math.round(width * ratio) || this.canvas.height !== Math.round(height * ratio)) {
      this.canvas.width = Math.round(width * ratio);
      this.canvas.height = Math.round(height * ratio);
      this.dirty = true;
    }
    return ratio;
  }

  /**
   * Zoom to fit everything, centred (until the user pans or zooms).
   *
   * While a big crawl grows (`growing`, set by the picture), the view stays put as long as the graph
   * still fits in it without leaving much of the canvas empty: a raster draw then repaints only the
   * nodes that changed, where a view refitted to every new sub-column (a pixel's move) repaints
   * them all. When the graph outgrows the view it is fitted again with GROW_ROOM to spare, and
   * exactly once the crawl stops growing.
   */
  fit() {
    const { width, height } = this.cssSize();
    const w = Math.max(this.layout.width, 1);
    const h = Math.max(this.layout.height, ROW);
    const exact = Math.min(2, Math.max(0.02, Math.min((width - 48) / w, (height - 48) / h)));
    const x0 = Math.max(24, (width - w * exact) / 2);
    const y0 = Math.max(24, (height - h * exact) / 2);
    if (!this.growing || this.layout.count <= SMALL) {
      this.view = { x: x0, y: y0, k: exact };
      return;
    }
    const { x, y, k } = this.view;
    const fits = k <= exact && x + w * k <= width - 24 && y + h * k <= height - 24;
    if (fits && k >= exact * GROW_ROOM * GROW_ROOM) return;
    // Where the exact fit would start, a little smaller: the graph grows right and down into the room.
    this.view = { x: x0, y: y0, k: exact * GROW_ROOM };
  }

  /** Place new nodes; true when something is to be redrawn. */
  fold() {
    const changed = this.model.takeChangedNodes();
    for (const node of changed) if (node.idx < 0 || node.layer === undefined) this.layout.add(node);
    const { width, height } = this.cssSize();
    if (this.layout.reflow(width / height)) this.dirty = true;
    if (changed.length) this.pending = (this.pending ?? []).concat(changed);
    return changed.length > 0;
  }

  /** Draw what changed since the last draw (everything when `force`). */
  draw(force = false) {
    const ratio = this.resize();
    const changed = this.fold();
    if (!force && !changed && !this.dirty) return;
    if (!this.fitted) this.fit();
    const pending = this.pending ?? [];
    this.pending = [];
    const { width, height } = this.cssSize();
    const { k } = this.view;
    const vector = this.layout.count <= SMALL || ROW * k >= RASTER_CELL;
    this.mode = vector ? 'vector' : 'raster';
    const { ctx } = this;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    if (vector) {
      ctx.clearRect(0, 0, width, height);
      this.raster = null;
      this.drawVectors(width, height);
    } else {
      this.drawRaster(ratio, force || this.dirty ? null : pending);
    }
    this.drawEdges();
    this.drawMarks();
    this.dirty = false;
  }

  /** Screen position (CSS px) of a node. */
  at(node) {
    const p = this.layout.pos(node);
    return [this.view.x + p.x * this.view.k, this.view.y + p.y * this.view.k];
  }

  /** The layout rectangle the canvas shows, with a margin. */
  visibleRect(width, height, margin = 20) {
    const { x, y, k } = this.view;
    return [(-x - margin) / k, (-y - margin) / k, (width - x + margin) / k, (height - y + margin) / k];
  }

  drawVectors(width, height) {
    const { ctx, model } = this;
    const k = this.view.k;
    const visible = this.layout.inRect(...this.visibleRect(width, height));
    if (this.layout.count <= SMALL) {
      // A small crawl: every edge from the page that found each node, and the redirects, dashed.
      ctx.strokeStyle = 'rgba(80, 90, 100, 0.25)';
      ctx.lineWidth = 1;
      ctx.beginPath();
      for (const n of model.order) {
        const parent = n.parent && model.node(n.parent);
        if (!parent || parent.idx < 0 || n.idx < 0) continue;
        const [x1, y1] = this.at(parent);
        const [x2, y2] = this.at(n);
        ctx.moveTo(x1, y1);
        ctx.lineTo(x2, y2);
      }
      ctx.stroke();
      ctx.strokeStyle = STATES.alias.color;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      for (const { from, to } of model.redirects) {
        const a = model.node(from);
        const b = model.node(to);
        if (!a || !b || a.idx < 0 || b.idx < 0) continue;
        ctx.moveTo(...this.at(a));
        ctx.lineTo(...this.at(b));
      }
      ctx.stroke();
      ctx.setLineDash([]);
    }
    // Nodes, one path per state.
    const s = Math.max(1.5, SIZE * Math.min(k, 1.5));
    const byState = new Map();
    for (const n of visible) {
      const state = model.drawState(n);
      if (!byState.has(state)) byState.set(state, []);
      byState.get(state).push(n);
    }
    for (const [state, nodes] of byState) {
      ctx.fillStyle = STATES[state]?.color ?? '#999';
      ctx.beginPath();
      for (const n of nodes) {
        const [x, y] = this.at(n);
        ctx.rect(x - s, y - s, 2 * s, 2 * s);
      }
      ctx.fill();
    }
    // Labels once zoomed in enough to read them (visible nodes only).
    if (k >= 1.4) {
      ctx.fillStyle = '#333';
      ctx.font = '11px system-ui, sans-serif';
      for (const n of visible) {
        const [x, y] = this.at(n);
        ctx.fillText(shortName(n.url), x + s + 3, y + 4);
      }
    }
  }

  /**
   * Nodes as pixels. With `changed` (the nodes that changed since the last
   * frame) and the same view, only those are repainted; otherwise all.
   */
  drawRaster(ratio, changed) {
    const { width: cw, height: ch } = this.canvas;
    const key = `${cw}x${ch} ${this.view.x} ${this.view.y} ${this.view.k} ${this.layout.version} ${this.layout.rows}`;
    const repaintAll = !this.raster || this.raster.key !== key || changed === null;
    if (repaintAll) {
      if (!this.raster || this.raster.image.width !== cw || this.raster.image.height !== ch) {
        const image = this.ctx.createImageData(cw, ch);
        this.raster = { image, words: new Uint32Array(image.data.buffer) };
      }
      this.raster.key = key;
      this.raster.words.fill(0);
    }
    const { words } = this.raster;
    const cell = ROW * this.view.k * ratio;
    const s = Math.max(1, Math.floor(cell * 0.7));
    const half = Math.floor(s / 2);
    // Layout units to device pixels, as `at` does it, without a pair allocated per node.
    const { x: vx, y: vy, k } = this.view;
    const { model } = this;
    const paint = (n, px, py) => {
      const x0 = Math.round((vx + px * k) * ratio) - half;
      const y0 = Math.round((vy + py * k) * ratio) - half;
      if (x0 + s <= 0 || y0 + s <= 0 || x0 >= cw || y0 >= ch) return;
      const color = PIXEL[model.drawState(n)] ?? PIXEL.queued;
      if (s === 1) { // one pixel (in the canvas: checked above), as most nodes of a big crawl fitted to it
        words[y0 * cw + x0] = color;
        return;
      }
      const left = Math.max(0, x0);
      const right = Math.min(cw, x0 + s);
      for (let yy = Math.max(0, y0); yy < Math.min(ch, y0 + s); yy += 1) words.fill(color, yy * cw + left, yy * cw + right);
    };
    if (repaintAll) {
      const { width, height } = this.cssSize();
      this.layout.eachInRect(...this.visibleRect(width, height), paint);
    } else {
      const { layout } = this;
      for (const n of changed) {
        if (n.idx < 0) continue;
        const { x, y } = layout.pos(n);
        paint(n, x, y);
      }
    }
    this.ctx.putImageData(this.raster.image, 0, 0);
  }

  /** The path from a node back to its root, following the page that first found each. */
  pathToRoot(node) {
    const path = [];
    const seen = new Set();
    for (let n = node; n && !seen.has(n); n = n.parent ? this.model.node(n.parent) : null) {
      seen.add(n);
      path.push(n);
    }
    return path;
  }

  /** Edges that inform on a big crawl: the selected node's path and links, the hovered node's path. */
  drawEdges() {
    const { ctx, model } = this;
    const stroke = (nodes, color, width) => {
      if (nodes.length < 2) return;
      ctx.strokeStyle = color;
      ctx.lineWidth = width;
      ctx.beginPath();
      ctx.moveTo(...this.at(nodes[0]));
      for (const n of nodes.slice(1)) ctx.lineTo(...this.at(n));
      ctx.stroke();
    };
    const selected = this.selected && model.node(this.selected);
    if (selected && selected.idx >= 0) {
      ctx.strokeStyle = 'rgba(30, 90, 160, 0.45)';
      ctx.lineWidth = 1;
      ctx.beginPath();
      const [x0, y0] = this.at(selected);
      for (const url of this.links) {
        const n = model.node(url);
        if (!n || n.idx < 0 || n === selected) continue;
        ctx.moveTo(x0, y0);
        ctx.lineTo(...this.at(n));
      }
      ctx.stroke();
      stroke(this.pathToRoot(selected), '#111', 2);
    }
    const hovered = this.hovered && model.node(this.hovered);
    if (hovered && hovered !== selected && this.layout.count > SMALL) stroke(this.pathToRoot(hovered), '#555', 1.5);
  }

  /** What the last step changed (rings), and the selection. */
  drawMarks() {
    const { ctx, model } = this;
    const s = Math.max(2, SIZE * Math.min(this.view.k, 1.5));
    ctx.lineWidth = 2;
    for (const url of [...this.highlight, this.selected].filter(Boolean)) {
      const n = model.node(url);
      if (!n || n.idx < 0) continue;
      const [x, y] = this.at(n);
      ctx.strokeStyle = url === this.selected ? '#111' : '#f2c14e';
      ctx.strokeRect(x - s - 3, y - s - 3, 2 * s + 6, 2 * s + 6);
    }
  }

  /** The node under a point (CSS pixels), if any. */
  hit(px, py) {
    const { x, y, k } = this.view;
    const reach = Math.max(SIZE + 4, (ROW * k) / 2) / k;
    return this.layout.near((px - x) / k, (py - y) / k, reach)?.url ?? null;
  }

  /** Where a node is drawn (CSS pixels), for tests and the detail panel. */
  screenPosition(url) {
    const n = this.model.node(url);
    if (!n || n.idx < 0) return null;
    const [x, y] = this.at(n);
    return { x, y };
  }

  select(url) {
    this.selected = url;
    this.links = [];
    this.draw(true);
    this.onSelect?.(url);
  }

  /** Centre a node, zoomed in far enough to read its label, and select it. */
  centreOn(url) {
    this.fold();
    const n = this.model.node(url);
    if (!n || n.idx < 0) return false;
    // Select first: opening the detail beside the canvas narrows it, and the centre is the new one.
    this.select(url);
    this.size = null; // measured again, after that layout change (a user's action: one layout read)
    const { width, height } = this.cssSize();
    const p = this.layout.pos(n);
    const k = Math.max(this.view.k, 1.6);
    this.view = { x: width / 2 - p.x * k, y: height / 2 - p.y * k, k };
    this.fitted = true;
    this.draw(true);
    return true;
  }

  listen() {
    const c = this.canvas;
    let drag = null;
    c.addEventListener('pointerdown', (e) => {
      drag = { x: e.clientX, y: e.clientY, vx: this.view.x, vy: this.view.y, moved: false };
      c.setPointerCapture(e.pointerId);
    });
    c.addEventListener('pointermove', (e) => {
      if (!drag) {
        const r = c.getBoundingClientRect();
        const url = this.hit(e.clientX - r.left, e.clientY - r.top);
        if (url !== this.hovered) {
          this.hovered = url;
          c.title = url ?? '';
          if (this.layout.count > SMALL) this.draw(true);
        }
        return;
      }
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
    c.addEventListener('keydown', (e) => this.key(e));
  }

  /** Arrow keys walk the nodes (and open each one's detail); the page's arrow shortcuts stay out of it. */
  key(e) {
    const order = this.model.order;
    if (!order.length || e.ctrlKey || e.metaKey || e.altKey) return;
    let next = null;
    if (e.key === 'ArrowRight' || e.key === 'ArrowDown') next = Math.min(order.length - 1, this.focusIdx + 1);
    else if (e.key === 'ArrowLeft' || e.key === 'ArrowUp') next = Math.max(0, this.focusIdx - 1);
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = order.length - 1;
    else if ((e.key === 'Enter' || e.key === ' ') && this.focusIdx >= 0) next = this.focusIdx;
    if (next == null) return;
    e.preventDefault();
    this.fold();
    this.focusIdx = next;
    const node = order[next];
    if (node.idx < 0) return;
    const [x, y] = this.at(node);
    const { width, height } = this.cssSize();
    if (x < 8 || y < 8 || x > width - 8 || y > height - 8) {
      // Off screen: bring it to the middle, at the same zoom.
      const p = this.layout.pos(node);
      this.view = { x: width / 2 - p.x * this.view.k, y: height / 2 - p.y * this.view.k, k: this.view.k };
      this.fitted = true;
    }
    this.selected = node.url;
    this.links = [];
    this.onFocusNode?.(node.url);
    this.draw(true);
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
