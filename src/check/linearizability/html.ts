/**
 * `--html`: one self-contained page (inline CSS, SVG drawn by inline JS, no network) showing, per partition,
 * the history as bars per process on a compressed time axis, the (longest partial) linearization as numbered
 * points joined in order, the op where every search got stuck, and the model state after every step.
 */
import type { CheckResult, Model } from "./types.js";

/** Options of `renderHtml`. */
export interface HtmlOptions {
  readonly title?: string;
  /** Partitions drawn at most (failing ones first; default 20). */
  readonly maxPartitions?: number;
  /** Ops drawn per partition at most (default 3000). */
  readonly maxOps?: number;
}

interface HtmlOp {
  readonly i: number;
  readonly p: string;
  readonly c: number;
  readonly r: number | null;
  readonly d: string;
  readonly line: number | null;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

/** Renders the result as an HTML document. */
export function renderHtml<S, I, O>(result: CheckResult<S, I, O>, model: Model<S, I, O>, options: HtmlOptions = {}): string {
  const maxOps = options.maxOps ?? 3000;
  const order = result.partitions
    .map((p, i) => ({ p, i }))
    .sort((a, b) => Number(b.p.verdict === "not-linearizable") - Number(a.p.verdict === "not-linearizable") || a.i - b.i)
    .filter(({ p }) => !(p.reason ?? "").startsWith("not checked"))
    .slice(0, options.maxPartitions ?? 20);
  const partitions = order.map(({ p, i }) => {
    const truncated = p.history.length > maxOps;
    const ops: HtmlOp[] = p.history.slice(0, maxOps).map((op, k) => ({
      i: p.originalIndex[k]!,
      p: String(op.process),
      c: op.call,
      r: op.return === Infinity ? null : op.return,
      d: model.describeOperation(op.input, op.output),
      line: op.line ?? null,
    }));
    const steps = (p.linearization ?? p.failure?.longestPrefix ?? [])
      .filter((s) => s.op < maxOps)
      .map((s) => ({ op: s.op, state: model.describeState(s.stateAfter) }));
    return {
      index: i + 1,
      verdict: p.verdict,
      reason: p.reason ?? null,
      initial: model.describeState(p.initialState),
      stuck: p.failure && p.failure.stuckOp < maxOps ? p.failure.stuckOp : -1,
      complete: p.linearization !== undefined,
      truncated,
      ops,
      steps,
    };
  });
  const data = JSON.stringify({ verdict: result.verdict, model: result.model, ms: result.ms, count: result.partitions.length, partitions }).replace(/</g, "\\u003c");
  const title = escapeHtml(options.title ?? "history");
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>quorate check: ${title}</title>
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2330;background:#fbfbfd}
h1{font-size:20px;margin:0 0 4px} h2{font-size:16px;margin:28px 0 6px}
.verdict{display:inline-block;padding:2px 10px;border-radius:12px;font-weight:600;color:#fff}
.linearizable{background:#2f8f4e}.not-linearizable{background:#c2372f}.unknown{background:#8a6d1c}
.legend span{display:inline-block;margin-right:14px}.sw{display:inline-block;width:14px;height:10px;border-radius:2px;margin-right:4px;vertical-align:middle}
.wrap{overflow-x:auto;border:1px solid #dde;background:#fff;border-radius:6px}
svg text{font:11px ui-monospace,monospace} .proc{font-weight:600;fill:#556}
.bar{stroke-width:1} .bar:hover,.bar.hl{stroke:#000;stroke-width:2}
summary{cursor:pointer;margin-top:8px;color:#556}
table{border-collapse:collapse;margin-top:8px;font:12px ui-monospace,monospace} td,th{padding:2px 10px;border-bottom:1px solid #eee;text-align:left}
tr:hover,tr.hl{background:#fff3c4} .stuckrow{background:#fde2e0}
#tip{position:fixed;pointer-events:none;background:#1d2330;color:#fff;padding:6px 8px;border-radius:4px;font:12px ui-monospace,monospace;display:none;max-width:520px;white-space:pre-wrap}
.note{color:#556;max-width:900px}
</style></head><body>
<h1>quorate check — ${title}</h1>
<div id="summary"></div>
<p class="note">Each row is a process; each bar an operation from its call to its return (time axis compressed to the order of events). Ops whose outcome is unknown fade out to the right: they may take effect at any point after their call, or never. Numbered dots are linearization points in order, joined by the line; hover a bar or a row for the model state after that step.</p>
<div class="legend"><span><i class="sw" style="background:#7cc48f"></i>linearized</span><span><i class="sw" style="background:#d7dbe6"></i>not linearized</span><span><i class="sw" style="background:#e5534b"></i>where every search got stuck</span><span><i class="sw" style="background:linear-gradient(90deg,#d7dbe6,#fff)"></i>outcome unknown</span></div>
<div id="parts"></div><div id="tip"></div>
<script>
const DATA = ${data};
const NS = "http://www.w3.org/2000/svg";
const tip = document.getElementById("tip");
function el(tag, attrs, parent, text) { const e = document.createElementNS(NS, tag); for (const k in attrs) e.setAttribute(k, attrs[k]); if (text !== undefined) e.textContent = text; if (parent) parent.appendChild(e); return e; }
function h(tag, html, parent) { const e = document.createElement(tag); e.innerHTML = html; parent.appendChild(e); return e; }
function esc(s) { return String(s).replace(/[&<>]/g, c => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;" })[c]); }
function showTip(ev, text) { tip.textContent = text; tip.style.display = "block"; tip.style.left = (ev.clientX + 14) + "px"; tip.style.top = (ev.clientY + 10) + "px"; }
function hideTip() { tip.style.display = "none"; }
document.getElementById("summary").innerHTML = '<span class="verdict ' + DATA.verdict + '">' + DATA.verdict + '</span> model <b>' + esc(DATA.model) + '</b>, ' + DATA.count + ' partition(s), ' + DATA.ms.toFixed(1) + ' ms';
for (const part of DATA.partitions) {
  const root = document.getElementById("parts");
  h("h2", "Partition " + part.index + " of " + DATA.count + ' — <span class="verdict ' + part.verdict + '">' + part.verdict + "</span>" + (part.reason ? " " + esc(part.reason) : "") + (part.truncated ? " (first ops only)" : ""), root);
  const stepOf = new Map(part.steps.map((s, k) => [s.op, k]));
  if (part.stuck >= 0) { const o = part.ops[part.stuck]; h("p", "Every search got stuck at <b>op #" + o.i + "</b> (process " + esc(o.p) + (o.line !== null ? ", line " + o.line : "") + "): <b>" + esc(o.d) + "</b>. No order of the earlier ops accepted by the model can include it before it returned. The longest linearizable prefix found (" + part.steps.length + " steps) is drawn below; after it the model state is <b>" + esc(part.steps.length > 0 ? part.steps[part.steps.length - 1].state : part.initial) + "</b>. The chart opens scrolled to the stuck op (red).", root); }
  // Compressed time: every distinct call/return time gets a column.
  const times = [...new Set(part.ops.flatMap(o => o.r === null ? [o.c] : [o.c, o.r]))].sort((a, b) => a - b);
  const col = new Map(times.map((t, k) => [t, k]));
  const procs = [...new Set(part.ops.map(o => o.p))].sort((a, b) => (Number(a) - Number(b)) || (a < b ? -1 : a > b ? 1 : 0));
  const row = new Map(procs.map((p, k) => [p, k]));
  const W = 30, RH = 30, LEFT = 70, TOP = 14;
  const width = LEFT + (times.length + 12) * W, height = TOP + procs.length * RH + 20;
  const wrap = document.createElement("div"); wrap.className = "wrap"; root.appendChild(wrap);
  const svg = el("svg", { width, height }, wrap);
  const defs = el("defs", {}, svg);
  const grad = el("linearGradient", { id: "fade" + part.index }, defs);
  el("stop", { offset: "0", "stop-color": "#d7dbe6" }, grad); el("stop", { offset: "1", "stop-color": "#fff" }, grad);
  const gradG = el("linearGradient", { id: "fadeg" + part.index }, defs);
  el("stop", { offset: "0", "stop-color": "#7cc48f" }, gradG); el("stop", { offset: "1", "stop-color": "#fff" }, gradG);
  procs.forEach((p, k) => el("line", { x1: LEFT, x2: width, y1: TOP + k * RH + RH - 2, y2: TOP + k * RH + RH - 2, stroke: "#f0f0f4" }, svg));
  const xOf = t => LEFT + col.get(t) * W + W / 2;
  const bars = [];
  part.ops.forEach((o, k) => {
    const x1 = xOf(o.c), x2 = o.r === null ? width - 4 : xOf(o.r), y = TOP + row.get(o.p) * RH + 4;
    const linearized = stepOf.has(k);
    const fill = k === part.stuck ? "#e5534b" : o.r === null ? "url(#" + (linearized ? "fadeg" : "fade") + part.index + ")" : linearized ? "#7cc48f" : "#d7dbe6";
    const g = el("g", {}, svg);
    const rect = el("rect", { x: x1, y, width: Math.max(4, x2 - x1), height: RH - 10, rx: 3, fill, stroke: "#8890a6", class: "bar" }, g);
    const s = stepOf.get(k);
    // A linearized op's numbered dot sits at the left of its bar: its label starts after the dot.
    const textX = x1 + (s !== undefined ? 15 : 4), room = x2 - textX - 4;
    const label = o.d.length * 6.6 <= room ? o.d : o.d.slice(0, Math.max(0, Math.floor((room - 6) / 6.6))) + "…";
    if (room > 12) el("text", { x: textX, y: y + 14 }, g, label);
    const text = "op #" + o.i + (o.line !== null ? " (line " + o.line + ")" : "") + "\\nprocess " + o.p + "\\n" + o.d + "\\ncall " + o.c + ", return " + (o.r === null ? "never (unknown outcome)" : o.r) + (s !== undefined ? "\\nlinearized as step " + (s + 1) + "; state after: " + part.steps[s].state : "\\nnot linearized") + (k === part.stuck ? "\\nEVERY SEARCH GOT STUCK HERE" : "");
    g.addEventListener("mousemove", ev => showTip(ev, text)); g.addEventListener("mouseleave", hideTip);
    bars.push(rect);
  });
  // Linearization points: within each op's interval, non-decreasing in step order.
  let last = -Infinity; const pts = [];
  part.steps.forEach((s, k) => { const o = part.ops[s.op]; const lo = xOf(o.c), hi = o.r === null ? width - 8 : xOf(o.r); const x = Math.min(Math.max(lo + 4, last + 6), Math.max(lo + 4, hi - 2)); last = x; pts.push([x, TOP + row.get(o.p) * RH + RH / 2 - 1, k, s]); });
  if (pts.length > 1) el("polyline", { points: pts.map(p => p[0] + "," + p[1]).join(" "), fill: "none", stroke: "#2f5fb3", "stroke-width": 1.5, "stroke-opacity": 0.7 }, svg);
  for (const [x, y, k, s] of pts) { const c = el("circle", { cx: x, cy: y, r: 7, fill: "#2f5fb3" }, svg); el("text", { x, y: y + 4, "text-anchor": "middle", fill: "#fff", style: "font-size:9px" }, svg, String(k + 1)); c.addEventListener("mousemove", ev => showTip(ev, "step " + (k + 1) + ": " + part.ops[s.op].d + "\\nstate after: " + s.state)); c.addEventListener("mouseleave", hideTip); }
  if (part.stuck >= 0) {
    // The stuck op's full description, beside its bar, however narrow the bar is.
    const o = part.ops[part.stuck], y = TOP + row.get(o.p) * RH + 4;
    el("text", { x: (o.r === null ? width - 4 : xOf(o.r)) + 6, y: y + 14, fill: "#c2372f", style: "font-weight:700" }, svg, "✗ " + o.d);
  }
  // Process names stay in view while the chart scrolls sideways.
  const lanes = el("g", {}, svg);
  el("rect", { x: 0, y: 0, width: LEFT - 6, height, fill: "#fff" }, lanes);
  procs.forEach((p, k) => el("text", { x: 6, y: TOP + k * RH + 19, class: "proc" }, lanes, "p " + p));
  wrap.addEventListener("scroll", () => lanes.setAttribute("transform", "translate(" + wrap.scrollLeft + ",0)"));
  if (part.stuck >= 0) { wrap.scrollLeft = Math.max(0, xOf(part.ops[part.stuck].c) - wrap.clientWidth / 2); lanes.setAttribute("transform", "translate(" + wrap.scrollLeft + ",0)"); }
  // The steps with the model state after each.
  // Folded for a linearizable partition (it can run to thousands of rows), open where the search got stuck.
  const details = document.createElement("details"); details.open = part.verdict !== "linearizable"; root.appendChild(details);
  const summary = document.createElement("summary"); summary.textContent = (part.stuck >= 0 ? "Longest linearizable prefix: " : "Linearization: ") + part.steps.length + " steps, with the model state after each"; details.appendChild(summary);
  const table = document.createElement("table"); details.appendChild(table);
  table.innerHTML = "<tr><th>step</th><th>op</th><th>process</th><th>operation</th><th>state after</th></tr><tr><td>0</td><td></td><td></td><td><i>initial state</i></td><td>" + esc(part.initial) + "</td></tr>";
  part.steps.forEach((s, k) => { const o = part.ops[s.op]; const tr = document.createElement("tr"); tr.innerHTML = "<td>" + (k + 1) + "</td><td>#" + o.i + "</td><td>" + esc(o.p) + "</td><td>" + esc(o.d) + "</td><td>" + esc(s.state) + "</td>"; tr.addEventListener("mouseenter", () => bars[s.op].classList.add("hl")); tr.addEventListener("mouseleave", () => bars[s.op].classList.remove("hl")); table.appendChild(tr); });
  if (part.stuck >= 0) { const o = part.ops[part.stuck]; const tr = document.createElement("tr"); tr.className = "stuckrow"; tr.innerHTML = "<td>✗</td><td>#" + o.i + "</td><td>" + esc(o.p) + "</td><td>" + esc(o.d) + "</td><td>cannot be linearized next</td>"; table.appendChild(tr); }
}
</script></body></html>
`;
}
