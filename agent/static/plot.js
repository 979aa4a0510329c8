// Line plots on a <canvas> in plain JavaScript (no library, nothing fetched):
// a frame with y grid lines, one or more series, shaded ranges, ticks and a marker.
// Used by the dashboard (scrolling plots) and the review page (a whole recording).
"use strict";

const PLOT_FONT = "12px system-ui, sans-serif";
const PLOT_MARGIN = { left: 44, right: 10, top: 22, bottom: 16 };

// Size the canvas' pixels to its CSS box (sharp on high-DPI screens); returns [ctx, width, height].
function plotContext(canvas) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (canvas.width !== Math.round(width * ratio) || canvas.height !== Math.round(height * ratio)) {
    canvas.width = Math.round(width * ratio);
    canvas.height = Math.round(height * ratio);
  }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
  ctx.clearRect(0, 0, width, height);
  return [ctx, width, height];
}

// opts: {title, yMin, yMax, count (x positions 0..count-1),
//        series: [{values: [number|null], color, label}],
//        ranges: [{from, to, color}], ticks: [{index, color}], marker: index or null}
function drawPlot(canvas, opts) {
  const [ctx, width, height] = plotContext(canvas);
  const m = PLOT_MARGIN, w = width - m.left - m.right, h = height - m.top - m.bottom;
  const count = Math.max(opts.count, 2);
  const x = (i) => m.left + (w * i) / (count - 1);
  const y = (v) => m.top + h * (1 - (Math.min(Math.max(v, opts.yMin), opts.yMax) - opts.yMin) / (opts.yMax - opts.yMin));
  ctx.font = PLOT_FONT;
  ctx.textBaseline = "middle";
  for (const range of opts.ranges || []) {
    ctx.fillStyle = range.color;
    ctx.fillRect(x(range.from) - 1, m.top, Math.max(x(range.to) - x(range.from) + 2, 2), h);
  }
  for (const tick of opts.ticks || []) {
    ctx.fillStyle = tick.color;
    ctx.fillRect(x(tick.index) - 0.5, m.top + h + 3, 1.5, 7);  // below the axis, clear of the lines
  }
  ctx.strokeStyle = "#d0d4da";
  ctx.fillStyle = "#555";
  ctx.lineWidth = 1;
  const steps = 4;
  for (let k = 0; k <= steps; k++) {
    const v = opts.yMin + ((opts.yMax - opts.yMin) * k) / steps;
    ctx.beginPath();
    ctx.moveTo(m.left, Math.round(y(v)) + 0.5);
    ctx.lineTo(m.left + w, Math.round(y(v)) + 0.5);
    ctx.stroke();
    ctx.textAlign = "right";
    ctx.fillText(Number(v.toFixed(2)).toString(), m.left - 6, y(v));
  }
  ctx.textAlign = "left";
  let labelX = m.left;
  ctx.fillStyle = "#222";
  ctx.fillText(opts.title, labelX, m.top / 2);
  labelX += ctx.measureText(opts.title).width + 14;
  for (const s of opts.series) {
    ctx.strokeStyle = s.color;
    ctx.lineWidth = 1.6;
    ctx.beginPath();
    let drawing = false;
    s.values.forEach((v, i) => {
      if (v === null || v === undefined || !Number.isFinite(v)) { drawing = false; return; }
      if (drawing) ctx.lineTo(x(i), y(v)); else ctx.moveTo(x(i), y(v));
      drawing = true;
    });
    ctx.stroke();
    if (s.label) {
      ctx.fillStyle = s.color;
      ctx.fillRect(labelX, m.top / 2 - 1.5, 14, 3);
      ctx.fillText(s.label, labelX + 18, m.top / 2);
      labelX += ctx.measureText(s.label).width + 32;
    }
  }
  if (opts.marker !== null && opts.marker !== undefined) {
    ctx.strokeStyle = "#d62728";
    ctx.lineWidth = 1.5;
    ctx.beginPath();
    ctx.moveTo(x(opts.marker), m.top);
    ctx.lineTo(x(opts.marker), m.top + h);
    ctx.stroke();
  }
}

// The x index (0..count-1) under a mouse event on a plot drawn with `count` positions.
function plotIndexAt(canvas, event, count) {
  const rect = canvas.getBoundingClientRect();
  const w = rect.width - PLOT_MARGIN.left - PLOT_MARGIN.right;
  const i = Math.round(((event.clientX - rect.left - PLOT_MARGIN.left) / w) * (Math.max(count, 2) - 1));
  return Math.min(Math.max(i, 0), count - 1);
}
