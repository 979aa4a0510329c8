// The live dashboard: polls /status.json ten times a second and fetches /frame.jpg
// only when a new frame was driven. Nothing else is fetched. A frame the server
// refuses (429: too many) keeps the last one on screen.
"use strict";

const PERIOD_MS = 100;   // 10 Hz: status, and at most one frame, per tick
const HISTORY = 300;     // samples kept: 30 s
// Pre-filled with gaps, so the newest sample is always at the right edge and the plots scroll left.
const series = { steering: [], throttle: [], speed: [] };
for (const values of Object.values(series)) values.push(...new Array(HISTORY).fill(null));
let lastFrame = 0;       // frame number of the last status
let loading = false;     // a frame request is in flight
let shown = 0;           // frames shown on this page
let samples = 0;         // samples with data pushed to the plots (tests read it)

const $ = (id) => document.getElementById(id);
const fixed = (v, digits) => (v === null || v === undefined ? "-" : v.toFixed(digits));

function push(name, value) {
  const values = series[name];
  values.push(value);
  values.shift();
}

function draw() {
  const common = { count: HISTORY, ranges: [], ticks: [], marker: null };
  drawPlot($("plot-steering"), { ...common, title: "steering", yMin: -1, yMax: 1,
    series: [{ values: series.steering, color: "#1f77b4", label: "sent" }] });
  drawPlot($("plot-throttle"), { ...common, title: "throttle", yMin: -1, yMax: 1,
    series: [{ values: series.throttle, color: "#ff7f0e", label: "sent" }] });
  drawPlot($("plot-speed"), { ...common, title: "speed (mph)", yMin: 0, yMax: 30,
    series: [{ values: series.speed, color: "#2ca02c", label: "measured" }] });
}

function show(status) {
  const fresh = status.frame !== lastFrame && status.frame > 0;
  push("steering", fresh ? status.steering : null);
  push("throttle", fresh ? status.throttle : null);
  push("speed", fresh ? status.speed : null);
  if (fresh) samples += 1;
  lastFrame = status.frame;
  document.body.dataset.samples = samples;
  $("steering").textContent = fixed(status.steering, 3);
  const bar = $("steering-bar"), s = status.steering || 0;
  bar.style.left = `${50 + Math.min(s, 0) * 50}%`;
  bar.style.width = `${Math.abs(s) * 50}%`;
  $("throttle").textContent = fixed(status.throttle, 3);
  $("speed").textContent = status.speed === null ? "-" : `${status.speed.toFixed(1)} mph`;
  $("latency").textContent = `${status.p50_ms.toFixed(2)} / ${status.p99_ms.toFixed(2)} ms`;
  $("frames").textContent = status.frames;
  $("bad").textContent = status.bad_frames;
  $("manual").textContent = status.manual_frames;
  const rec = status.recording;
  $("recording").textContent = rec ? `${rec.rows} rows` : "not recording";
  $("recording-line").textContent = rec ? `recording to ${rec.folder}` : "";
  const badge = $("connection");
  badge.className = fresh ? "badge live" : "badge";
  badge.textContent = fresh ? "driving" : (status.frames ? "idle" : "waiting for the simulator");
  if (fresh && !loading) loadFrame(status.frame);
}

async function loadFrame(number) {
  loading = true;
  try {
    const response = await fetch(`/frame.jpg?n=${number}`, { cache: "no-store" });
    if (!response.ok) return;  // 429 or no frame yet: a later tick asks again
    const img = $("frame"), url = URL.createObjectURL(await response.blob());
    img.addEventListener("load", () => URL.revokeObjectURL(url), { once: true });
    img.src = url;
    shown += 1;
    document.body.dataset.shownFrame = number;
    $("shown").textContent = shown;
  } catch (error) {
    // the server went away: the status poll says so
  } finally {
    loading = false;
  }
}

async function tick() {
  const started = performance.now();
  try {
    const response = await fetch("/status.json", { cache: "no-store" });
    show(await response.json());
  } catch (error) {
    const badge = $("connection");
    badge.className = "badge off";
    badge.textContent = "server unreachable";
  }
  draw();
  setTimeout(tick, Math.max(0, PERIOD_MS - (performance.now() - started)));
}

window.addEventListener("resize", draw);
tick();
