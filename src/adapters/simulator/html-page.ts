/**
 * The styles and the script of the simulator's HTML page (`renderSpaceTime` in `html.ts` embeds them with the
 * data). The page draws on canvases, not SVG: a 20,000-step run has ten thousand messages and a long one a
 * hundred thousand, which an SVG document turns into as many DOM nodes (slow to load, to zoom and to hover);
 * a canvas redraws only the time window shown, from flat arrays, in a few milliseconds. The script is plain
 * ES2020 with no dependency and no network access; after each drawing it publishes what it drew in
 * `window.quorateDiagram.lastDraw` (lanes, arrows per kind, fault bands, elections) for the browser tests.
 * @module
 */

/** The page's CSS. */
export const PAGE_STYLE = String.raw`
:root{--fg:#212121;--muted:#616161;--line:#e0e0e0}
*{box-sizing:border-box}
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--fg);margin:0;padding:12px 16px}
h1{font-size:20px;margin:0 0 4px}h2{font-size:15px;margin:12px 0 6px}
#summary{margin:0 0 8px;color:var(--muted)}
#controls{display:flex;flex-wrap:wrap;gap:8px 14px;align-items:center;margin:0 0 8px}
#controls input[type=number]{width:7em}
button{font:inherit;padding:2px 10px;border:1px solid #bdbdbd;border-radius:4px;background:#fafafa;cursor:pointer}
button:hover{background:#eeeeee}
.hint{color:var(--muted);font-size:12px}
canvas{display:block;width:100%;border:1px solid var(--line);border-radius:4px}
#overview{cursor:pointer;margin-bottom:6px}
#diagram{cursor:grab}
#diagram.dragging{cursor:grabbing}
#tooltip{position:fixed;pointer-events:none;background:rgba(33,33,33,.92);color:#fff;padding:4px 8px;border-radius:4px;font-size:12px;max-width:480px;display:none;z-index:10;white-space:pre-line}
#legends{display:grid;grid-template-columns:repeat(auto-fit,minmax(260px,1fr));gap:0 24px}
.legend{list-style:none;padding:0;margin:0;columns:2 220px}
.legend li{margin:2px 0;break-inside:avoid}
.legend label{cursor:pointer}
.legend li.none{opacity:.5}
.swatch{display:inline-block;width:14px;height:10px;border-radius:2px;margin-right:6px;vertical-align:middle}
.line{display:inline-block;width:22px;height:0;border-top:3px solid;margin-right:6px;vertical-align:middle}
.count{color:var(--muted);font-size:12px}
table{border-collapse:collapse;font-size:13px}
td,th{padding:2px 10px 2px 0;text-align:left;vertical-align:top}
tbody tr{cursor:pointer}tbody tr:hover{background:#f5f5f5}
td.num{text-align:right;font-variant-numeric:tabular-nums}
`;

/** The page's script: reads the embedded data, builds the legends, draws and handles zoom, pan and filters. */
export const PAGE_SCRIPT = String.raw`
(function () {
  "use strict";
  var D = JSON.parse(document.getElementById("diagram-data").textContent);
  var N = D.nodes.length, MSG = 7, SEG = 5;
  var TERM = D.termName;
  var msgCount = D.msg.length / MSG;
  var maxDelay = 0;
  for (var i = 0; i < msgCount; i++) maxDelay = Math.max(maxDelay, D.msg[i * MSG + 4] - D.msg[i * MSG + 3]);
  var enabled = D.kinds.map(function () { return true; });
  var showDrops = true;
  var end = Math.max(D.end, 1);
  var view = { t0: 0, t1: end };
  var GUTTER = 128, PAD_R = 16, AXIS_H = 22, ROW_H = 18, FAULT_ROWS = 4, LEAD_H = 22;
  var main = document.getElementById("diagram"), over = document.getElementById("overview");
  var tip = document.getElementById("tooltip");
  var api = { lastDraw: null, data: D };
  window.quorateDiagram = api;

  function fmt(t) { return (Math.round(t * 10) / 10).toLocaleString("en-US") + " ms"; }
  function laneName(k) { return D.nodes[k].kind ? D.nodes[k].kind + " " + D.nodes[k].id : D.nodes[k].label; }
  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    for (var a in attrs) e.setAttribute(a, attrs[a]);
    if (text !== undefined) e.textContent = text;
    return e;
  }

  // ---- summary and legends ----
  var drops = 0;
  for (var m = 0; m < msgCount; m++) if (D.msg[m * MSG + 5] & 1) drops++;
  var faultCount = {};
  D.faults.forEach(function (f) { faultCount[f.kind] = (faultCount[f.kind] || 0) + 1; });
  document.getElementById("summary").textContent = N + " nodes, " + fmt(D.end) + " simulated, " + msgCount.toLocaleString("en-US") +
    " messages (" + drops.toLocaleString("en-US") + " dropped), " + (D.leaders.length / 4) + " leaderships, " +
    (D.elections.length / 4) + " stretches without a leader, " + D.faults.length + " faults" +
    (D.violations.length ? ", " + D.violations.length + " VIOLATION(S)" : "") +
    (D.omitted ? " — " + D.omitted.toLocaleString("en-US") + " messages beyond the page's limit are not drawn" : "");

  var roleList = document.getElementById("legend-roles");
  D.roles.forEach(function (r) {
    var li = el("li", { "data-role": r.name, title: r.hint });
    li.appendChild(el("span", { "class": "swatch", style: "background:" + r.colour }));
    li.appendChild(document.createTextNode(r.label));
    roleList.appendChild(li);
  });
  var kindList = document.getElementById("legend-messages");
  var boxes = [];
  D.kinds.forEach(function (k, idx) {
    var li = el("li", { "data-kind": k.name, title: k.hint + (k.count ? "" : " (none in this run)"), "class": k.count ? "" : "none" });
    var label = el("label");
    var box = el("input", { type: "checkbox", "data-kind": k.name });
    box.checked = true;
    box.addEventListener("change", function () { enabled[idx] = box.checked; draw(); });
    boxes.push(box);
    label.appendChild(box);
    label.appendChild(el("span", { "class": "line", style: "border-color:" + k.colour }));
    label.appendChild(document.createTextNode(k.label + " "));
    label.appendChild(el("span", { "class": "count" }, "(" + k.count.toLocaleString("en-US") + ")"));
    li.appendChild(label);
    kindList.appendChild(li);
  });
  function setAll(on) { boxes.forEach(function (b, idx) { b.checked = on; enabled[idx] = on; }); draw(); }
  document.getElementById("kinds-all").addEventListener("click", function () { setAll(true); });
  document.getElementById("kinds-none").addEventListener("click", function () { setAll(false); });
  var faultList = document.getElementById("legend-faults");
  [["partition", "partition: the listed side is cut off (tinted lanes)"], ["crash", "crash until restart"],
   ["stall", "link stall: a node's messages held back"], ["heal-all", "liveness phase: every fault healed"],
   ["election", "no leader: an election in progress"], ["leader", "a leader's term"]].forEach(function (f) {
    var colour = f[0] === "election" ? "#ffb74d" : f[0] === "leader" ? "#2e7d32" : D.faultColours[f[0]];
    var li = el("li", { "data-fault": f[0] });
    li.appendChild(el("span", { "class": "swatch", style: "background:" + colour }));
    li.appendChild(document.createTextNode(f[1] + (faultCount[f[0]] ? " (" + faultCount[f[0]] + ")" : "")));
    faultList.appendChild(li);
  });

  // The table of faults, elections and violations: every label in full, each row a link to its time.
  var rows = [];
  D.faults.forEach(function (f) { rows.push([f.t0, f.t1, f.label]); });
  for (var q = 0; q < D.elections.length; q += 4) {
    var w = D.elections[q + 2];
    rows.push([D.elections[q], D.elections[q + 1], w < 0 ? "no leader until the end" : "election: " + laneName(w) + " leads " + TERM + " " + D.elections[q + 3]]);
  }
  D.violations.forEach(function (v) { rows.push([v.t, v.t, "VIOLATION " + v.label]); });
  rows.sort(function (a, b) { return a[0] - b[0]; });
  var tbody = document.querySelector("#events tbody");
  rows.forEach(function (r) {
    var tr = el("tr");
    tr.appendChild(el("td", { "class": "num" }, String(r[0])));
    tr.appendChild(el("td", { "class": "num" }, String(r[1])));
    tr.appendChild(el("td", {}, r[2]));
    tr.addEventListener("click", function () {
      var pad = Math.max(50, (r[1] - r[0]) * 0.3);
      setView(r[0] - pad, r[1] + pad);
      main.scrollIntoView({ block: "nearest" });
    });
    tbody.appendChild(tr);
  });

  // ---- geometry ----
  var size = { w: 800, laneH: 48 };
  function top() { return AXIS_H + FAULT_ROWS * ROW_H + 6 + LEAD_H + 8; }
  function laneY(k) { return top() + (k + 0.5) * size.laneH; }
  function xOf(t) { return GUTTER + (t - view.t0) / (view.t1 - view.t0) * (size.w - GUTTER - PAD_R); }
  function tOf(x) { return view.t0 + (x - GUTTER) / (size.w - GUTTER - PAD_R) * (view.t1 - view.t0); }
  function fitCanvas(canvas, h) {
    var ratio = window.devicePixelRatio || 1;
    var w = canvas.clientWidth;
    canvas.style.height = h + "px";
    canvas.width = Math.round(w * ratio);
    canvas.height = Math.round(h * ratio);
    var ctx = canvas.getContext("2d");
    ctx.setTransform(ratio, 0, 0, ratio, 0, 0);
    return { ctx: ctx, w: w };
  }
  function niceStep(span, px) {
    var raw = span / Math.max(1, px / 90), p = Math.pow(10, Math.floor(Math.log10(raw)));
    var s = [1, 2, 5, 10].map(function (k) { return k * p; }).find(function (k) { return k >= raw; });
    return s || 10 * p;
  }
  function setView(t0, t1) {
    var span = Math.max(5, Math.min(end, t1 - t0));
    t0 = Math.max(0, Math.min(end - span, t0));
    view = { t0: t0, t1: t0 + span };
    draw();
  }
  api.setView = setView;

  // ---- main diagram ----
  var faultHits = [], leadHits = [];
  function draw() {
    document.getElementById("from").value = String(Math.round(view.t0));
    document.getElementById("to").value = String(Math.round(view.t1));
    size.laneH = Math.max(34, Math.min(72, Math.floor((window.innerHeight * 0.62 - top()) / Math.max(1, N))));
    var f = fitCanvas(main, top() + N * size.laneH + 8);
    size.w = f.w;
    var ctx = f.ctx, W = size.w, plotR = W - PAD_R;
    var report = { lanes: N, arrows: {}, drops: 0, faultBands: {}, faultLabels: 0, leaders: 0, elections: 0, violations: 0, window: [view.t0, view.t1] };
    ctx.clearRect(0, 0, W, top() + N * size.laneH + 8);
    ctx.font = "12px system-ui, sans-serif";
    ctx.textBaseline = "middle";
    // Time axis and grid.
    var step = niceStep(view.t1 - view.t0, plotR - GUTTER);
    ctx.strokeStyle = "#eeeeee"; ctx.fillStyle = "#616161"; ctx.lineWidth = 1;
    for (var t = Math.ceil(view.t0 / step) * step; t <= view.t1; t += step) {
      var x = Math.round(xOf(t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, AXIS_H - 4); ctx.lineTo(x, top() + N * size.laneH); ctx.stroke();
      ctx.fillText(fmt(t), x + 3, AXIS_H / 2);
    }
    ctx.save();
    ctx.beginPath(); ctx.rect(GUTTER, 0, plotR - GUTTER, top() + N * size.laneH + 8); ctx.clip();
    // Fault bands: tints over the lanes, bars with labels in the fault track (labels never cut: a label that
    // does not fit any row is left to the tooltip and the table below).
    faultHits = [];
    var rowEnd = [], rowBar = [];
    for (var r0 = 0; r0 < FAULT_ROWS; r0++) { rowEnd.push(-Infinity); rowBar.push(-Infinity); }
    D.faults.forEach(function (b) {
      if (b.t1 < view.t0 || b.t0 > view.t1) return;
      report.faultBands[b.kind] = (report.faultBands[b.kind] || 0) + 1;
      var colour = D.faultColours[b.kind] || D.faultColours.other;
      var x0 = xOf(b.t0), x1 = Math.max(xOf(b.t1), x0 + 2);
      ctx.globalAlpha = b.kind === "partition" ? 0.05 : 0.12;
      ctx.fillStyle = colour;
      if (b.kind === "heal-all") {
        ctx.globalAlpha = 0.9; ctx.fillRect(x0 - 1, AXIS_H, 2, top() + N * size.laneH - AXIS_H);
      } else {
        if (b.kind === "partition" || b.nodes.length === 0) ctx.fillRect(x0, top(), x1 - x0, N * size.laneH);
        ctx.globalAlpha = b.kind === "partition" ? 0.16 : 0.22;
        b.nodes.forEach(function (k) { ctx.fillRect(x0, top() + k * size.laneH, x1 - x0, size.laneH); });
      }
      ctx.globalAlpha = 1;
      // In the fault track: a bar along the bottom of a row, its label above the bar's start; a row takes a
      // band only where neither its bar nor its label meets the previous one (else the bar goes unlabelled into
      // the emptiest row, and its label is in the tooltip and the table).
      var width = ctx.measureText(b.label).width + 12;
      // The label starts at the band, or earlier when the band is near the right edge (never off the canvas).
      var lx = Math.max(GUTTER + 2, Math.min(Math.max(x0, GUTTER) + 2, plotR - width + 10));
      var row = -1;
      for (var r = 0; r < FAULT_ROWS; r++) if (rowEnd[r] < Math.min(lx, Math.max(x0, GUTTER))) { row = r; break; }
      var labelled = row >= 0;
      if (!labelled) for (r = 0; r < FAULT_ROWS; r++) if (row < 0 || rowBar[r] < rowBar[row]) row = r;
      var y = AXIS_H + row * ROW_H;
      ctx.fillStyle = colour;
      ctx.fillRect(x0, y + ROW_H - 5, x1 - x0, 4);
      rowBar[row] = Math.max(rowBar[row], x1);
      if (labelled) {
        ctx.fillText(b.label, lx, y + ROW_H / 2 - 2);
        rowEnd[row] = Math.max(x1, lx + width);
        report.faultLabels++;
      }
      faultHits.push({ x0: x0, x1: Math.max(x1, labelled ? lx + width : x1), y0: y, y1: y + ROW_H, text: b.label + "\n" + fmt(b.t0) + " – " + fmt(b.t1) });
    });
    // Leadership and elections.
    leadHits = [];
    var ly = AXIS_H + FAULT_ROWS * ROW_H + 6;
    for (var e = 0; e < D.elections.length; e += 4) {
      var et0 = D.elections[e], et1 = D.elections[e + 1];
      if (et1 < view.t0 || et0 > view.t1) continue;
      report.elections++;
      var ex0 = xOf(et0), ex1 = Math.max(xOf(et1), ex0 + 2);
      ctx.fillStyle = "#ffb74d"; ctx.fillRect(ex0, ly, ex1 - ex0, LEAD_H);
      var win = D.elections[e + 2];
      var etext = win < 0 ? "no leader" : "election → " + laneName(win) + ", " + TERM + " " + D.elections[e + 3];
      if (ctx.measureText(etext).width + 6 < ex1 - ex0) { ctx.fillStyle = "#4e342e"; ctx.fillText(etext, Math.max(ex0, GUTTER) + 3, ly + LEAD_H / 2); }
      leadHits.push({ x0: ex0, x1: ex1, text: etext + " (" + fmt(et1 - et0) + " without a leader)\n" + fmt(et0) + " – " + fmt(et1) });
    }
    for (var l = 0; l < D.leaders.length; l += 4) {
      var lt0 = D.leaders[l + 2], lt1 = D.leaders[l + 3];
      if (lt1 < view.t0 || lt0 > view.t1) continue;
      report.leaders++;
      var lx0 = xOf(lt0), lx1 = Math.max(xOf(lt1), lx0 + 1);
      ctx.fillStyle = D.leaders[l + 1] % 2 ? "#2e7d32" : "#43a047";
      ctx.fillRect(lx0, ly + 2, lx1 - lx0, LEAD_H - 4);
      var ltext = "★ " + laneName(D.leaders[l]) + " · " + TERM + " " + D.leaders[l + 1];
      if (ctx.measureText(ltext).width + 6 < lx1 - Math.max(lx0, GUTTER)) { ctx.fillStyle = "#fff"; ctx.fillText(ltext, Math.max(lx0, GUTTER) + 3, ly + LEAD_H / 2); }
      leadHits.push({ x0: lx0, x1: lx1, text: ltext + "\n" + fmt(lt0) + " – " + fmt(lt1) });
    }
    // Lanes: role segments.
    for (var s = 0; s < D.seg.length; s += SEG) {
      var st0 = D.seg[s + 3], st1 = D.seg[s + 4];
      if (st1 < view.t0 || st0 > view.t1) continue;
      var k = D.seg[s];
      ctx.fillStyle = D.roles[D.seg[s + 1]].colour;
      ctx.fillRect(xOf(st0), laneY(k) - 5, Math.max(1, xOf(st1) - xOf(st0)), 10);
    }
    // Messages, one path per kind; arrowheads and drop crosses when few enough to read.
    var from = lowerBound(view.t0 - maxDelay - 1);
    var visible = [];
    for (var i = from; i < msgCount; i++) {
      var o = i * MSG;
      if (D.msg[o + 3] > view.t1) break;
      if (D.msg[o + 4] < view.t0 || !enabled[D.msg[o]]) continue;
      if ((D.msg[o + 5] & 1) && !showDrops) continue;
      visible.push(o);
    }
    var detail = visible.length < 4000;
    // Dense windows fade the arrows so that their density shows instead of a solid block.
    ctx.globalAlpha = Math.max(0.18, Math.min(1, 2500 / Math.max(1, visible.length)));
    var byKind = {};
    visible.forEach(function (o) { (byKind[D.msg[o]] = byKind[D.msg[o]] || []).push(o); });
    ctx.lineWidth = detail ? 1.2 : 0.8;
    Object.keys(byKind).forEach(function (kk) {
      var list = byKind[kk], kind = D.kinds[kk];
      report.arrows[kind.name] = list.length;
      ctx.strokeStyle = kind.colour; ctx.fillStyle = kind.colour;
      ctx.beginPath();
      list.forEach(function (o) {
        var x1 = xOf(D.msg[o + 3]), y1 = laneY(D.msg[o + 1]), x2 = xOf(D.msg[o + 4]), y2 = laneY(D.msg[o + 2]);
        if (D.msg[o + 5] & 1) {
          // Dropped: a stub toward the receiver that ends in a cross where it was lost.
          report.drops++;
          var mx = x2 === x1 ? x1 + (x2 - x1 + 12) : x2, my = x2 === x1 ? y1 + (y2 - y1) * 0.3 : y1 + (y2 - y1) * 0.5;
          ctx.moveTo(x1, y1); ctx.lineTo(mx, my);
          ctx.moveTo(mx - 3, my - 3); ctx.lineTo(mx + 3, my + 3); ctx.moveTo(mx + 3, my - 3); ctx.lineTo(mx - 3, my + 3);
        } else {
          ctx.moveTo(x1, y1); ctx.lineTo(x2, y2);
        }
      });
      ctx.stroke();
      if (detail) {
        ctx.beginPath();
        list.forEach(function (o) {
          if (D.msg[o + 5] & 1) return;
          var x1 = xOf(D.msg[o + 3]), y1 = laneY(D.msg[o + 1]), x2 = xOf(D.msg[o + 4]), y2 = laneY(D.msg[o + 2]);
          var a = Math.atan2(y2 - y1, x2 - x1), h = 6;
          ctx.moveTo(x2, y2);
          ctx.lineTo(x2 - h * Math.cos(a - 0.45), y2 - h * Math.sin(a - 0.45));
          ctx.lineTo(x2 - h * Math.cos(a + 0.45), y2 - h * Math.sin(a + 0.45));
          ctx.closePath();
        });
        ctx.fill();
      }
    });
    ctx.globalAlpha = 1;
    // Violations.
    D.violations.forEach(function (v) {
      if (v.t < view.t0 || v.t > view.t1) return;
      report.violations++;
      var vx = xOf(v.t);
      ctx.fillStyle = "#b71c1c"; ctx.fillRect(vx - 1, AXIS_H, 2, top() + N * size.laneH);
      ctx.fillText("✖ " + v.label, vx + 4, top() - 4);
    });
    ctx.restore();
    // Lane labels (drawn last, over nothing: the gutter is outside the clip).
    ctx.fillStyle = "#ffffff"; ctx.fillRect(0, top() - 2, GUTTER - 4, N * size.laneH + 4);
    for (var n = 0; n < N; n++) {
      var yy = laneY(n);
      ctx.strokeStyle = "#f0f0f0"; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.moveTo(GUTTER, Math.round(yy) + 0.5); ctx.lineTo(plotR, Math.round(yy) + 0.5); ctx.stroke();
      ctx.fillStyle = "#212121"; ctx.font = "bold 13px system-ui, sans-serif";
      ctx.fillText(D.nodes[n].label, 8, D.nodes[n].kind ? yy - 7 : yy);
      if (D.nodes[n].kind) { ctx.font = "12px system-ui, sans-serif"; ctx.fillStyle = "#616161"; ctx.fillText(D.nodes[n].kind, 8, yy + 8); }
    }
    ctx.font = "12px system-ui, sans-serif"; ctx.fillStyle = "#616161";
    ctx.fillText("faults", 8, AXIS_H + ROW_H);
    ctx.fillText("leader", 8, ly + LEAD_H / 2);
    api.visible = visible;
    api.lastDraw = report;
    main.dataset.drawn = JSON.stringify(report);
    drawOverview();
  }

  function lowerBound(t) {
    var lo = 0, hi = msgCount;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (D.msg[mid * MSG + 3] < t) lo = mid + 1; else hi = mid; }
    return lo;
  }

  // ---- overview: the whole run, with the window shown ----
  function drawOverview() {
    var f = fitCanvas(over, 64), ctx = f.ctx, W = f.w;
    var x = function (t) { return GUTTER + t / end * (W - GUTTER - PAD_R); };
    ctx.clearRect(0, 0, W, 64);
    ctx.font = "11px system-ui, sans-serif"; ctx.textBaseline = "middle"; ctx.fillStyle = "#616161";
    ctx.fillText("whole run", 8, 14); ctx.fillText(fmt(D.end), 8, 44);
    // Message density (sends per pixel column).
    var cols = Math.max(1, Math.floor(W - GUTTER - PAD_R)), bins = new Array(cols).fill(0), peak = 1;
    for (var i = 0; i < msgCount; i++) { var b = Math.min(cols - 1, Math.floor(D.msg[i * MSG + 3] / end * cols)); bins[b]++; if (bins[b] > peak) peak = bins[b]; }
    ctx.fillStyle = "#90a4ae";
    for (var c = 0; c < cols; c++) if (bins[c]) { var h = 26 * bins[c] / peak; ctx.fillRect(GUTTER + c, 62 - h, 1, h); }
    D.faults.forEach(function (fb) {
      ctx.fillStyle = D.faultColours[fb.kind] || D.faultColours.other;
      var row = fb.kind === "partition" ? 0 : fb.kind === "crash" ? 1 : 2;
      ctx.fillRect(x(fb.t0), 4 + row * 6, Math.max(2, x(fb.t1) - x(fb.t0)), 5);
    });
    for (var l = 0; l < D.leaders.length; l += 4) { ctx.fillStyle = "#43a047"; ctx.fillRect(x(D.leaders[l + 2]), 24, Math.max(1, x(D.leaders[l + 3]) - x(D.leaders[l + 2])), 5); }
    for (var e = 0; e < D.elections.length; e += 4) { ctx.fillStyle = "#ffb74d"; ctx.fillRect(x(D.elections[e]), 24, Math.max(1, x(D.elections[e + 1]) - x(D.elections[e])), 5); }
    ctx.strokeStyle = "#1565c0"; ctx.lineWidth = 2; ctx.fillStyle = "rgba(21,101,192,0.10)";
    var bx0 = x(view.t0), bx1 = Math.max(x(view.t1), bx0 + 3);
    ctx.fillRect(bx0, 1, bx1 - bx0, 62); ctx.strokeRect(bx0, 1, bx1 - bx0, 62);
  }

  // ---- interaction ----
  main.addEventListener("wheel", function (ev) {
    ev.preventDefault();
    var rect = main.getBoundingClientRect(), at = tOf(ev.clientX - rect.left);
    var k = Math.exp(ev.deltaY * 0.0015);
    setView(at - (at - view.t0) * k, at + (view.t1 - at) * k);
  }, { passive: false });
  var drag = null;
  main.addEventListener("mousedown", function (ev) { drag = { x: ev.clientX, t0: view.t0, t1: view.t1 }; main.classList.add("dragging"); });
  window.addEventListener("mouseup", function () { drag = null; main.classList.remove("dragging"); overDrag = false; });
  window.addEventListener("mousemove", function (ev) {
    if (drag) {
      var dt = (ev.clientX - drag.x) / (size.w - GUTTER - PAD_R) * (drag.t1 - drag.t0);
      setView(drag.t0 - dt, drag.t1 - dt);
    }
    if (overDrag) jumpTo(ev);
  });
  main.addEventListener("dblclick", function (ev) {
    var rect = main.getBoundingClientRect(), at = tOf(ev.clientX - rect.left), span = (view.t1 - view.t0) / 2;
    setView(at - span / 2, at + span / 2);
  });
  main.addEventListener("mousemove", function (ev) {
    if (drag) { tip.style.display = "none"; return; }
    var rect = main.getBoundingClientRect(), px = ev.clientX - rect.left, py = ev.clientY - rect.top;
    var text = hit(px, py);
    if (!text) { tip.style.display = "none"; return; }
    tip.textContent = text;
    tip.style.display = "block";
    tip.style.left = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8) + "px";
    tip.style.top = (ev.clientY + 14) + "px";
  });
  main.addEventListener("mouseleave", function () { tip.style.display = "none"; });
  function hit(px, py) {
    var ly = AXIS_H + FAULT_ROWS * ROW_H + 6;
    if (py >= ly && py <= ly + LEAD_H) {
      for (var a = 0; a < leadHits.length; a++) if (px >= leadHits[a].x0 && px <= leadHits[a].x1) return leadHits[a].text;
      return null;
    }
    if (py < ly) {
      for (var b = faultHits.length - 1; b >= 0; b--) { var f = faultHits[b]; if (px >= f.x0 && px <= f.x1 && py >= f.y0 && py <= f.y1) return f.text; }
      return null;
    }
    var best = null, bestD = 5;
    (api.visible || []).forEach(function (o) {
      var x1 = xOf(D.msg[o + 3]), y1 = laneY(D.msg[o + 1]), x2 = xOf(D.msg[o + 4]), y2 = laneY(D.msg[o + 2]);
      var dx = x2 - x1, dy = y2 - y1, len = dx * dx + dy * dy;
      var u = len === 0 ? 0 : Math.max(0, Math.min(1, ((px - x1) * dx + (py - y1) * dy) / len));
      var d = Math.hypot(px - (x1 + u * dx), py - (y1 + u * dy));
      if (d < bestD) { bestD = d; best = o; }
    });
    if (best !== null) {
      var o = best, kind = D.kinds[D.msg[o]];
      var fate = D.msg[o + 5] & 1 ? "dropped at " + fmt(D.msg[o + 4]) : "delivered at " + fmt(D.msg[o + 4]) + " (" + fmt(D.msg[o + 4] - D.msg[o + 3]) + " later)";
      return kind.label + (D.msg[o + 6] ? " · " + TERM + " " + D.msg[o + 6] : "") + (D.msg[o + 5] & 2 ? " · duplicate" : "") + "\n" +
        laneName(D.msg[o + 1]) + " → " + laneName(D.msg[o + 2]) + "\nsent at " + fmt(D.msg[o + 3]) + ", " + fate;
    }
    var lane = Math.floor((py - top()) / size.laneH), t = tOf(px);
    if (lane < 0 || lane >= N) return null;
    for (var s = 0; s < D.seg.length; s += SEG) {
      if (D.seg[s] === lane && D.seg[s + 3] <= t && t <= D.seg[s + 4]) {
        return laneName(lane) + ": " + D.roles[D.seg[s + 1]].label + ", " + TERM + " " + D.seg[s + 2] + "\n" + fmt(D.seg[s + 3]) + " – " + fmt(D.seg[s + 4]);
      }
    }
    return null;
  }
  var overDrag = false;
  function jumpTo(ev) {
    var rect = over.getBoundingClientRect();
    var t = (ev.clientX - rect.left - GUTTER) / (rect.width - GUTTER - PAD_R) * end, span = view.t1 - view.t0;
    setView(t - span / 2, t + span / 2);
  }
  over.addEventListener("mousedown", function (ev) { overDrag = true; jumpTo(ev); });
  function zoom(k) { var mid = (view.t0 + view.t1) / 2, span = (view.t1 - view.t0) * k; setView(mid - span / 2, mid + span / 2); }
  document.getElementById("zoom-in").addEventListener("click", function () { zoom(0.5); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(2); });
  document.getElementById("whole").addEventListener("click", function () { setView(0, end); });
  function fromInputs() {
    var a = Number(document.getElementById("from").value), b = Number(document.getElementById("to").value);
    if (isFinite(a) && isFinite(b) && b > a) setView(a, b);
  }
  document.getElementById("from").addEventListener("change", fromInputs);
  document.getElementById("to").addEventListener("change", fromInputs);
  document.getElementById("show-drops").addEventListener("change", function (ev) { showDrops = ev.target.checked; draw(); });
  var pending = false;
  window.addEventListener("resize", function () { if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; draw(); }); } });
  draw();
})();
`;
