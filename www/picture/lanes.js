// Worker lanes: one row per worker task over time, with its spans — parked
// at `queue.get()` (idle, waiting for a URL), waiting for a connection slot,
// fetching, parsing, backing off — and a row for the supervisor parked at
// `queue.join()`, so concurrency, the browser's per-host connection cap and
// the chapter's join can be seen. Below them, the two numbers `join()` waits
// on: the queue's length and the unfinished counter, with a scale.
//
// Cost per draw is bounded by the canvas, not the crawl: a small crawl is
// drawn span by span; past a couple of spans per pixel, each pixel column
// shows the kind that filled most of its time (see lanes-model.js).

import { BUCKET_MS, KINDS } from './lanes-model.js';
import { rgba } from './graph.js';

export const LANE_COLORS = {
  idle: '#dfe6ee', wait: '#d9a21b', fetch: '#e0672b', parse: '#c23a6b', backoff: '#9aa5b1', join: '#b9c7e8',
};
/** The same colours as little-endian RGBA words, in KINDS order, for the pixel rows of a long crawl. */
const KIND_WORDS = KINDS.map((kind) => rgba(LANE_COLORS[kind] ?? '#999999'));
const ROW_BACKGROUNDS = ['#f1f1ec', '#fafaf8'];
const ROW_WORDS = ROW_BACKGROUNDS.map(rgba);
const QUEUE_COLOR = '#3d6fb6';
const UNFINISHED_COLOR = '#b7410e';
const ROW = 14;
const LABEL = 78;
const CHART = 56;
const AXIS = 28; // the scale's labels, right of the chart
/** Past this, the lanes show the last WINDOW ms instead of the whole crawl. */
const WINDOW = 30_000;

export class Lanes {
  constructor(canvas, model) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.model = model;
    this.drawnVersion = -1;
    this.rows = -1;
    /** CSS width, kept by a ResizeObserver (no layout read per draw); the observer only schedules a draw. */
    this.width = canvas.getBoundingClientRect().width;
    if (typeof ResizeObserver === 'function') {
      new ResizeObserver((entries) => {
        const width = entries.at(-1)?.contentRect.width;
        if (width && width !== this.width) {
          this.width = width;
          requestAnimationFrame(() => this.draw(true));
        }
      }).observe(canvas);
    }
  }

  setModel(model) {
    this.model = model;
    this.drawnVersion = -1;
  }

  /** Rows in order: the workers, then the supervisor. */
  lanes() {
    const all = [...this.model.lanes.tasks.values()];
    return [...all.filter((t) => t.name.startsWith('worker')), ...all.filter((t) => t.name === 'supervisor')];
  }

  draw(force = false) {
    if (!force && this.drawnVersion === this.model.version) return;
    this.drawnVersion = this.model.version;
    const lanes = this.lanes();
    const height = Math.max(lanes.length, 1) * ROW + CHART + 34;
    if (this.rows !== lanes.length) {
      // Only when the number of lanes changes: a layout change, never inside the observer's callback.
      this.rows = lanes.length;
      this.canvas.style.height = `${height}px`;
    }
    const width = this.width || 600;
    const ratio = window.devicePixelRatio || 1;
    // Resizing a canvas reallocates it: only when the size really changed.
    if (this.canvas.width !== Math.round(width * ratio)) this.canvas.width = Math.round(width * ratio);
    if (this.canvas.height !== Math.round(height * ratio)) this.canvas.height = Math.round(height * ratio);
    const { ctx } = this;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const end = Math.max(this.model.lastT, 1);
    const start = Math.max(0, end - WINDOW);
    const plot = Math.max(10, width - LABEL - AXIS - 8);
    const x = (t) => LABEL + ((Math.min(Math.max(t, start), end) - start) / (end - start)) * plot;
    const model = this.model.lanes;
    // Spans expected in the window, from the crawl's average rate: past two a pixel, draw from buckets.
    const exact = (model.closedSpans / end) * (end - start) < plot * 2;

    ctx.font = '11px system-ui, sans-serif';
    // Many spans a pixel: every row's backgrounds and bars as pixels, in one putImageData.
    if (!exact) this.pixelRows(lanes, start, end, plot, ratio);
    lanes.forEach((task, i) => {
      const y = i * ROW + 4;
      if (exact) {
        ctx.fillStyle = ROW_BACKGROUNDS[i % 2];
        ctx.fillRect(LABEL, y, plot, ROW - 2);
      }
      ctx.fillStyle = '#555';
      ctx.fillText(task.name, 4, y + ROW - 4);
      // A task with lints gets a badge after its name: how many (the list says what).
      const lints = this.badges?.get(task.id)?.length;
      if (lints) {
        ctx.fillStyle = '#b3261e';
        ctx.fillText(`⚠${lints}`, 8 + ctx.measureText(task.name).width, y + ROW - 4);
      }
      if (exact) {
        // Spans are in time order: walk back from the newest until they leave the window.
        for (let j = task.spans.length - 1; j >= 0; j -= 1) {
          const span = task.spans[j];
          const to = span.end ?? end;
          if (to < start) break;
          this.bar(x(span.start), x(to), y, span.kind);
        }
      } else if (task.open) {
        this.bar(x(task.open.start), x(end), y, task.open.kind);
      }
    });

    this.chart(lanes.length * ROW + 10, start, end, plot, x);
    ctx.fillStyle = '#555';
    ctx.fillText(`${(start / 1000).toFixed(1)} s`, LABEL, height - 4);
    const endLabel = `${(end / 1000).toFixed(1)} s crawl time`;
    ctx.fillText(endLabel, LABEL + plot - ctx.measureText(endLabel).width, height - 4);
  }

  bar(x0, x1, y, kind) {
    this.ctx.fillStyle = LANE_COLORS[kind] ?? '#999';
    this.ctx.fillRect(x0, y + 1, Math.max(1, x1 - x0), ROW - 4);
  }

  /**
   * The rows of a long crawl from their buckets, as pixels: each pixel column of a row takes the
   * kind that covered most of its time (none under a fifth). Thousands of runs a row would be
   * thousands of fillRect calls; here they are one ImageData of the rows' area, put once.
   */
  pixelRows(lanes, start, end, plot, ratio) {
    const width = Math.max(1, Math.round(plot * ratio));
    const height = Math.max(1, Math.round((lanes.length * ROW + 4) * ratio));
    if (!this.rowsImage || this.rowsImage.width !== width || this.rowsImage.height !== height) {
      this.rowsImage = this.ctx.createImageData(width, height);
      this.rowsWords = new Uint32Array(this.rowsImage.data.buffer);
    }
    const words = this.rowsWords;
    words.fill(0);
    const kinds = new Int8Array(width); // a row's kind per device column (-1: none)
    const msPerPx = (end - start) / width;
    lanes.forEach((task, i) => {
      const { coverage } = task;
      for (let px = 0; px < width; px += 1) {
        const t0 = start + px * msPerPx;
        const b0 = Math.floor(t0 / BUCKET_MS);
        const b1 = Math.min(coverage.size - 1, Math.floor((t0 + msPerPx) / BUCKET_MS));
        let best = -1;
        let bestMs = msPerPx * 0.2; // less than a fifth of the pixel's time covered: leave it empty
        for (let k = 0; k < KINDS.length; k += 1) {
          let ms = 0;
          const column = coverage.data[k];
          for (let b = b0; b <= b1; b += 1) ms += column[b];
          if (ms > bestMs) { best = k; bestMs = ms; }
        }
        kinds[px] = best;
      }
      // The row's background, then its bar (a pixel in from the top, three from the bottom).
      const y = i * ROW + 4;
      const rowTop = Math.round(y * ratio);
      const rowBottom = Math.min(height, Math.round((y + ROW - 2) * ratio));
      const barTop = Math.round((y + 1) * ratio);
      const barBottom = Math.min(height, Math.round((y + ROW - 3) * ratio));
      for (let yy = rowTop; yy < rowBottom; yy += 1) {
        const row = yy * width;
        if (yy < barTop || yy >= barBottom) {
          words.fill(ROW_WORDS[i % 2], row, row + width);
          continue;
        }
        for (let px = 0; px < width; px += 1) words[row + px] = kinds[px] < 0 ? ROW_WORDS[i % 2] : KIND_WORDS[kinds[px]];
      }
    });
    this.ctx.putImageData(this.rowsImage, Math.round(LABEL * ratio), 0);
  }

  /** The queue length and unfinished counter over the window, with a scale and a legend. */
  chart(top, start, end, plot, x) {
    const { ctx } = this;
    const model = this.model.lanes;
    const series = model.rawPoints ? this.rawSeries(start) : this.bucketSeries(start, end, plot);
    let max = 1;
    for (const p of series) max = Math.max(max, p.unfinished, p.len);
    const y = (v) => top + CHART - (v / max) * CHART;
    // Scale: 0 and the window's highest value, right of the plot.
    ctx.strokeStyle = '#ccc';
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(LABEL, y(0) + 0.5);
    ctx.lineTo(LABEL + plot, y(0) + 0.5);
    ctx.moveTo(LABEL, y(max) + 0.5);
    ctx.lineTo(LABEL + plot, y(max) + 0.5);
    ctx.stroke();
    ctx.fillStyle = '#555';
    ctx.fillText(String(max), LABEL + plot + 4, y(max) + 8);
    ctx.fillText('0', LABEL + plot + 4, y(0));
    // Legend on the left, in the lines' colours, with the exact values now.
    ctx.fillStyle = QUEUE_COLOR;
    ctx.fillText(`queue ${model.len}`, 4, top + 14);
    ctx.fillStyle = UNFINISHED_COLOR;
    ctx.fillText(`unfinished ${model.unfinished}`, 4, top + 28);
    ctx.fillStyle = '#777';
    ctx.fillText('join() waits', 4, top + 42);
    ctx.fillText('for 0', 4, top + 54);
    for (const [key, color] of [['len', QUEUE_COLOR], ['unfinished', UNFINISHED_COLOR]]) {
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let last = null;
      for (const p of series) {
        const px = x(p.t);
        if (last == null) ctx.moveTo(px, y(p[key])); else { ctx.lineTo(px, y(last)); ctx.lineTo(px, y(p[key])); }
        last = p[key];
      }
      if (last != null) ctx.lineTo(x(end), y(last));
      ctx.stroke();
    }
  }

  /** Every point in the window (few: a small crawl), plus the last one before it. */
  rawSeries(start) {
    const points = this.model.lanes.points;
    let lo = 0;
    let hi = points.length;
    while (lo < hi) { // the first point at or after `start`
      const mid = (lo + hi) >> 1;
      if (points[mid].t < start) lo = mid + 1; else hi = mid;
    }
    return points.slice(Math.max(0, lo - 1));
  }

  /** One point per pixel column: the highest values its buckets saw. */
  bucketSeries(start, end, plot) {
    const model = this.model.lanes;
    const msPerPx = (end - start) / plot;
    const series = [];
    let last = null;
    for (let px = 0; px < plot; px += 1) {
      const t0 = start + px * msPerPx;
      const b0 = Math.floor(t0 / BUCKET_MS);
      const b1 = Math.min(model.qBuckets - 1, Math.floor((t0 + msPerPx) / BUCKET_MS));
      let len = -1;
      let unfinished = -1;
      for (let b = b0; b <= b1; b += 1) {
        len = Math.max(len, model.qMaxLen[b]);
        unfinished = Math.max(unfinished, model.qMaxUnf[b]);
      }
      if (len < 0 && unfinished < 0) continue;
      last = { t: t0, len: Math.max(len, 0), unfinished: Math.max(unfinished, 0) };
      series.push(last);
    }
    if (last) series.push({ t: end, len: model.len, unfinished: model.unfinished });
    return series;
  }
}
