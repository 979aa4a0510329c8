// The review page: step through a recording, select rows, save them as excluded.
// Everything comes from this server: /recordings.json, /image/..., POST /exclusions/<rec>.
"use strict";

const EXCLUDED = "rgba(214, 39, 40, 0.20)";
const SELECTED = "rgba(31, 119, 180, 0.25)";
const DROPPED = "#ff7f0e";
const $ = (id) => document.getElementById(id);
const fixed = (v, digits) => (v === null || v === undefined ? "-" : v.toFixed(digits));

let recordings = [], cameras = [];
let recIndex = 0, rec = null, index = 0;
let selStart = null, selEnd = null;   // selected row indices (inclusive), null: none
let dragFrom = null;                  // row index where a mouse drag on a plot began
let droppedAt = new Map();            // row index -> [reason, detail]

// Row indices [from, to] of a saved range of log line numbers (null where no row falls in it).
function rangeIndices(range) {
  let from = null, to = null;
  rec.lines.forEach((line, i) => {
    if (line >= range.first && line <= range.last) { if (from === null) from = i; to = i; }
  });
  return from === null ? null : [from, to];
}

function excludedBy(i) {
  return rec.ranges.find((r) => rec.lines[i] >= r.first && rec.lines[i] <= r.last) || null;
}

function selection() {
  if (selStart === null && selEnd === null) return null;
  const a = selStart ?? selEnd, b = selEnd ?? selStart;
  return [Math.min(a, b), Math.max(a, b)];
}

function drawPlots() {
  const n = rec.lines.length;
  const ranges = rec.ranges.map(rangeIndices).filter(Boolean).map(([from, to]) => ({ from, to, color: EXCLUDED }));
  const sel = selection();
  if (sel) ranges.push({ from: sel[0], to: sel[1], color: SELECTED });
  const ticks = rec.dropped.map(([i]) => ({ index: i, color: DROPPED }));
  const common = { count: n, ranges, ticks, marker: index };
  const steering = [{ values: rec.steering, color: "#1f77b4", label: "recorded" }];
  if (rec.model) steering.push({ values: rec.model, color: "#9467bd", label: "model" });
  drawPlot($("plot-steering"), { ...common, title: "steering", yMin: -1, yMax: 1, series: steering });
  drawPlot($("plot-throttle"), { ...common, title: "throttle", yMin: 0, yMax: 1,
    series: [{ values: rec.throttle, color: "#ff7f0e", label: "recorded" }] });
  drawPlot($("plot-speed"), { ...common, title: "speed (mph)", yMin: 0, yMax: 32,
    series: [{ values: rec.speed, color: "#2ca02c", label: "recorded" }] });
}

function showRow() {
  const n = rec.lines.length;
  cameras.forEach((camera, k) => {
    const img = $(`cam-${camera}`);
    if (rec.cameras[index][k]) {
      img.src = `/image/${recIndex}/${index}/${camera}`;
      img.classList.remove("missing");
    } else {
      img.removeAttribute("src");
      img.classList.add("missing");
    }
  });
  $("slider").value = index;
  $("position").textContent = `row ${index + 1} of ${n} (log line ${rec.lines[index]})`;
  $("v-steering").textContent = fixed(rec.steering[index], 3);
  $("v-throttle").textContent = fixed(rec.throttle[index], 2);
  $("v-speed").textContent = rec.speed[index] === null ? "-" : `${rec.speed[index].toFixed(1)} mph`;
  if (rec.model) $("v-model").textContent = fixed(rec.model[index], 3);
  const verdict = $("verdict"), excluded = excludedBy(index), dropped = droppedAt.get(index);
  if (excluded) {
    verdict.className = "excluded";
    verdict.textContent = `excluded (log rows ${excluded.first}-${excluded.last}${excluded.note ? ": " + excluded.note : ""})`;
  } else if (dropped) {
    verdict.className = "dropped";
    verdict.textContent = `dropped: ${dropped[0]} (${dropped[1]})`;
  } else {
    verdict.className = "usable";
    verdict.textContent = "usable";
  }
  const sel = selection();
  $("selection").textContent = sel
    ? `log rows ${rec.lines[sel[0]]}-${rec.lines[sel[1]]} (${sel[1] - sel[0] + 1} rows)` : "none";
  document.body.dataset.index = index;
  drawPlots();
}

function setIndex(i) {
  index = Math.min(Math.max(i, 0), rec.lines.length - 1);
  showRow();
}

function showRanges() {
  const body = $("ranges");
  body.replaceChildren();
  rec.ranges.forEach((range, k) => {
    const indices = rangeIndices(range);
    const row = body.insertRow();
    const jump = document.createElement("a");
    jump.className = "jump";
    jump.textContent = `${range.first}-${range.last}`;
    jump.addEventListener("click", () => indices && setIndex(indices[0]));
    row.insertCell().append(jump);
    row.insertCell().textContent = indices ? indices[1] - indices[0] + 1 : 0;
    row.insertCell().textContent = range.note;
    const remove = document.createElement("button");
    remove.textContent = "Remove";
    remove.addEventListener("click", () => save(rec.ranges.filter((_, j) => j !== k)));
    row.insertCell().append(remove);
  });
  if (!rec.ranges.length) body.insertRow().insertCell().textContent = "none yet";
}

function showDropped() {
  const body = $("dropped"), byReason = new Map();
  body.replaceChildren();
  for (const [i, reason] of rec.dropped) {
    if (!byReason.has(reason)) byReason.set(reason, []);
    byReason.get(reason).push(i);
  }
  for (const [reason, rows] of byReason) {
    const row = body.insertRow();
    row.insertCell().textContent = reason;
    row.insertCell().textContent = rows.length;
    const jump = document.createElement("a");
    jump.className = "jump";
    jump.textContent = `log row ${rec.lines[rows[0]]}`;
    jump.addEventListener("click", () => setIndex(rows[0]));
    row.insertCell().append(jump);
  }
  if (!byReason.size) body.insertRow().insertCell().textContent = "none";
}

async function save(ranges) {
  const status = $("save-status");
  status.className = "";
  status.textContent = "saving...";
  try {
    const response = await fetch(`/exclusions/${recIndex}`, {
      // version: the marks this page loaded; the server refuses the save (409) if another page saved since
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ version: rec.version, ranges }),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(answer.error || response.statusText);
    rec.ranges = answer.ranges;
    rec.version = answer.version;
    const n = answer.ranges.length;
    status.textContent = `saved: ${n} range${n === 1 ? "" : "s"}, ${answer.rows} rows excluded`;
    document.body.dataset.saved = Number(document.body.dataset.saved || 0) + 1;
    showRanges();
    showRow();
  } catch (error) {
    status.className = "error";
    status.textContent = `not saved: ${error.message}`;
  }
}

function excludeSelection() {
  const sel = selection();
  if (!sel) {
    $("save-status").textContent = "select rows first: [ and ] or drag across a plot";
    return;
  }
  const range = { first: rec.lines[sel[0]], last: rec.lines[sel[1]], note: $("note").value.trim() };
  selStart = selEnd = null;
  $("note").value = "";
  save([...rec.ranges, range]);
}

function clearSelection() {
  selStart = selEnd = null;
  showRow();
}

function selectRecording(i) {
  recIndex = i;
  rec = recordings[i];
  droppedAt = new Map(rec.dropped.map(([row, reason, detail]) => [row, [reason, detail]]));
  $("slider").max = rec.lines.length - 1;
  $("exclusions-file").textContent = rec.exclusions_file;
  $("model-fact").hidden = !rec.model;
  selStart = selEnd = null;
  showRanges();
  showDropped();
  setIndex(0);
}

const STEPS = { ArrowLeft: -1, ArrowRight: 1, PageUp: -100, PageDown: 100 };

document.addEventListener("keydown", (event) => {
  if (!rec) return;
  const typing = event.target.tagName === "INPUT" && event.target.type === "text";
  if (typing) {
    if (event.key === "Enter") { event.preventDefault(); excludeSelection(); }
    return;
  }
  if (event.target.tagName === "SELECT") return;
  if (event.key in STEPS) setIndex(index + STEPS[event.key] * (event.shiftKey && Math.abs(STEPS[event.key]) === 1 ? 10 : 1));
  else if (event.key === "Home") setIndex(0);
  else if (event.key === "End") setIndex(rec.lines.length - 1);
  else if (event.key === "[") { selStart = index; selEnd = selEnd ?? index; showRow(); }
  else if (event.key === "]") { selEnd = index; selStart = selStart ?? index; showRow(); }
  else if (event.key === "x" || event.key === "Enter") excludeSelection();
  else if (event.key === "Escape") clearSelection();
  else return;
  event.preventDefault();
});

for (const id of ["plot-steering", "plot-throttle", "plot-speed"]) {
  const canvas = $(id);
  canvas.addEventListener("mousedown", (event) => {
    dragFrom = plotIndexAt(canvas, event, rec.lines.length);
    setIndex(dragFrom);
  });
  canvas.addEventListener("mousemove", (event) => {
    if (dragFrom === null || !(event.buttons & 1)) return;
    const at = plotIndexAt(canvas, event, rec.lines.length);
    if (at !== dragFrom) { selStart = dragFrom; selEnd = at; }
    setIndex(at);
  });
}
document.addEventListener("mouseup", () => { dragFrom = null; });
$("slider").addEventListener("input", () => setIndex(Number($("slider").value)));
$("recording").addEventListener("change", () => selectRecording(Number($("recording").value)));
$("exclude").addEventListener("click", excludeSelection);
$("clear").addEventListener("click", clearSelection);
window.addEventListener("resize", () => rec && drawPlots());

fetch("/recordings.json").then((response) => response.json()).then((data) => {
  recordings = data.recordings;
  cameras = data.cameras;
  recordings.forEach((r, i) => $("recording").add(new Option(r.name, i)));
  selectRecording(0);
  document.body.dataset.ready = "1";
});
