// Worker lanes: one row per worker task over time, with its fetch, parse,
// wait (for a connection slot) and backoff spans — so concurrency, and the
// browser's per-host connection cap, can be seen. Below them, the two
// numbers `queue.join()` waits on: the queue's length and the unfinished
// counter.

const COLORS = { wait: '#d9a21b', fetch: '#e0672b', parse: '#c23a6b', backoff: '#9aa5b1' };
const ROW = 14;
const LABEL = 74;
const CHART = 60;
/** Past this, the lanes show the last WINDOW ms instead of the whole crawl. */
const WINDOW = 30_000;

export class Lanes {
  constructor(canvas, model) {
    this.canvas = canvas;
    this.ctx = canvas.getContext('2d');
    this.model = model;
    this.drawnVersion = -1;
  }

  setModel(model) {
    this.model = model;
    this.drawnVersion = -1;
  }

  draw(force = false) {
    if (!force && this.drawnVersion === this.model.version) return;
    this.drawnVersion = this.model.version;
    const workers = [...this.model.tasks.entries()].filter(([, t]) => t.name.startsWith('worker'));
    const height = workers.length * ROW + CHART + 28;
    const ratio = window.devicePixelRatio || 1;
    this.canvas.style.height = `${height}px`;
    const width = this.canvas.getBoundingClientRect().width;
    // Resizing a canvas reallocates it: only when the size really changed.
    if (this.canvas.width !== Math.round(width * ratio)) this.canvas.width = Math.round(width * ratio);
    if (this.canvas.height !== Math.round(height * ratio)) this.canvas.height = Math.round(height * ratio);
    const { ctx } = this;
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const end = Math.max(this.model.lastT, 1);
    const start = Math.max(0, end - WINDOW);
    const plot = width - LABEL - 8;
    const x = (t) => LABEL + ((Math.min(Math.max(t, start), end) - start) / (end - start)) * plot;

    ctx.font = '11px system-ui, sans-serif';
    workers.forEach(([, task], i) => {
      const y = i * ROW + 4;
      ctx.fillStyle = i % 2 ? '#fafaf8' : '#f1f1ec';
      ctx.fillRect(LABEL, y, plot, ROW - 2);
      ctx.fillStyle = '#555';
      ctx.fillText(task.name, 4, y + ROW - 4);
      // Spans are in time order: walk back from the newest until they leave the window.
      for (let j = task.spans.length - 1; j >= 0; j -= 1) {
        const span = task.spans[j];
        const to = span.end ?? end;
        if (to < start) break;
        ctx.fillStyle = COLORS[span.kind] ?? '#999';
        ctx.fillRect(x(span.start), y + 1, Math.max(1, x(to) - x(span.start)), ROW - 4);
      }
    });

    // Queue length and unfinished counter (the two numbers join() waits on).
    const top = workers.length * ROW + 12;
    const points = this.model.queue.filter((p) => p.t >= start);
    let max = 1;
    for (const p of points) max = Math.max(max, p.unfinished);
    const y = (v) => top + CHART - (v / max) * CHART;
    ctx.fillStyle = '#555';
    ctx.fillText('queue', 4, top + 12);
    ctx.fillText('unfinished', 4, top + 26);
    for (const [key, color] of [['len', '#5f8fd0'], ['unfinished', '#b7410e']]) {
      ctx.strokeStyle = color;
      ctx.lineWidth = 1.5;
      ctx.beginPath();
      let last = null;
      for (const p of points) {
        const px = x(p.t);
        if (last == null) ctx.moveTo(px, y(p[key])); else { ctx.lineTo(px, y(last)); ctx.lineTo(px, y(p[key])); }
        last = p[key];
      }
      if (last != null) ctx.lineTo(x(end), y(last));
      ctx.stroke();
    }
    ctx.fillStyle = '#777';
    ctx.fillText(`${(start / 1000).toFixed(1)} s`, LABEL, height - 4);
    ctx.fillText(`${(end / 1000).toFixed(1)} s`, LABEL + plot - 40, height - 4);
  }
}
