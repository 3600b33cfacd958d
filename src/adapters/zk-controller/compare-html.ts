/**
 * The `quorate compare --html` page: the table, then one log–log chart per scenario (time against partitions,
 * ZooKeeper mode and KRaft), inline SVG, no script, no external resource.
 * @module
 */
import type { CompareReport, CompareRow } from "./compare.js";

const METRICS: readonly { key: keyof Pick<CompareRow, "failoverMs" | "brokerFailureMs" | "controlledShutdownMs" | "loadMs">; title: string }[] = [
  { key: "failoverMs", title: "Controller failover (kill -9 of the active controller)" },
  { key: "brokerFailureMs", title: "Recovery from a broker failure (uncontrolled)" },
  { key: "controlledShutdownMs", title: "Controlled shutdown of a broker" },
  { key: "loadMs", title: "Cold start: metadata load" },
];

const COLORS = { zk: "#c2410c", kraft: "#1d4ed8" } as const;

/** The whole page. */
export function renderCompareHtml(report: CompareReport): string {
  const charts = METRICS.filter((m) => report.rows.some((r) => r[m.key] !== null)).map((m) => chart(report, m.key, m.title)).join("\n");
  const t = report.table;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>quorate compare: ZooKeeper mode vs KRaft</title>
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;color:#111;padding:0 1rem}
h1{font-size:1.5rem}table{border-collapse:collapse;margin:1rem 0;width:100%}
th,td{border:1px solid #ccc;padding:.3rem .6rem;text-align:right}th{background:#f3f4f6}td.l,th.l{text-align:left}
.zk{color:${COLORS.zk}}.kraft{color:${COLORS.kraft}}.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:1.5rem}
figure{margin:0}figcaption{font-weight:600;margin-bottom:.3rem}small{color:#555}
</style></head><body>
<h1>Kafka's coordination layer: <span class="zk">ZooKeeper mode</span> vs <span class="kraft">KRaft</span></h1>
<p>Simulated times (ms) on ${5} brokers, replication factor 3, measured by quorate's deterministic simulator with costs measured on this machine. Each figure's source is in the JSON output (<code>--json</code>).</p>
<table id="results"><thead><tr><th>partitions</th><th class="l">mode</th><th>failover</th><th>broker failure</th><th>controlled shutdown</th><th>metadata load</th><th>bytes / partition</th></tr></thead><tbody>
${report.rows.map((r) => `<tr class="${r.mode}"><td>${r.partitions.toLocaleString("en")}</td><td class="l">${r.mode === "zk" ? "ZooKeeper" : "KRaft"}</td>${[r.failoverMs, r.brokerFailureMs, r.controlledShutdownMs, r.loadMs].map((v) => `<td>${fmt(v)}</td>`).join("")}<td>${r.bytesPerPartition}</td></tr>`).join("\n")}
</tbody></table>
<table><tbody>
<tr><th class="l">largest partition count with failover under 30 s</th><td class="zk">${t.maxPartitionsFailoverUnder30s.zk.toLocaleString("en")}</td><td class="kraft">${escape(t.maxPartitionsFailoverUnder30s.kraft)}</td></tr>
<tr><th class="l">processes / systems to operate</th><td class="zk">${t.processes.zk} / ${t.systems.zk}</td><td class="kraft">${t.processes.kraft} / ${t.systems.kraft}</td></tr>
<tr><th class="l">messages per metadata change</th><td class="zk">${t.messagesPerMetadataChange.zk}</td><td class="kraft">${t.messagesPerMetadataChange.kraft}</td></tr>
<tr><th class="l">published, 2M partitions: controlled shutdown</th><td class="zk">${fmt(t.published2M.controlledShutdownMs.zk)}</td><td class="kraft">${fmt(t.published2M.controlledShutdownMs.kraft)}</td></tr>
<tr><th class="l">published, 2M partitions: uncontrolled-shutdown recovery</th><td class="zk">${fmt(t.published2M.uncontrolledRecoveryMs.zk)}</td><td class="kraft">${fmt(t.published2M.uncontrolledRecoveryMs.kraft)}</td></tr>
</tbody></table>
<div class="charts">
${charts}
</div>
<p><small>Both axes logarithmic. See docs/compare.md for the models, the constants and where quorate's figures differ from the published ones.</small></p>
</body></html>
`;
}

function fmt(v: number | null): string {
  if (v === null) return "–";
  return v >= 10_000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(v < 10 ? 2 : 0)} ms`;
}

function escape(s: string): string {
  return s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);
}

function chart(report: CompareReport, key: (typeof METRICS)[number]["key"], title: string): string {
  const W = 500, H = 300, L = 60, R = 15, TOP = 15, BOT = 40;
  const pts = report.rows.filter((r) => r[key] !== null && r[key]! > 0);
  if (pts.length === 0) return "";
  const xs = pts.map((r) => r.partitions);
  const ys = pts.map((r) => r[key]!);
  const x0 = Math.floor(Math.log10(Math.min(...xs))), x1 = Math.max(x0 + 1, Math.ceil(Math.log10(Math.max(...xs))));
  const y0 = Math.floor(Math.log10(Math.min(...ys))), y1 = Math.max(y0 + 1, Math.ceil(Math.log10(Math.max(...ys))));
  const px = (v: number): number => L + ((Math.log10(v) - x0) / (x1 - x0)) * (W - L - R);
  const py = (v: number): number => TOP + (1 - (Math.log10(v) - y0) / (y1 - y0)) * (H - TOP - BOT);
  const grid: string[] = [];
  for (let e = x0; e <= x1; e++) grid.push(`<line x1="${px(10 ** e)}" y1="${TOP}" x2="${px(10 ** e)}" y2="${H - BOT}" stroke="#e5e7eb"/><text x="${px(10 ** e)}" y="${H - BOT + 16}" text-anchor="middle" font-size="11">${label(10 ** e)}</text>`);
  for (let e = y0; e <= y1; e++) grid.push(`<line x1="${L}" y1="${py(10 ** e)}" x2="${W - R}" y2="${py(10 ** e)}" stroke="#e5e7eb"/><text x="${L - 6}" y="${py(10 ** e) + 4}" text-anchor="end" font-size="11">${label(10 ** e)} ms</text>`);
  const series = (["zk", "kraft"] as const).map((mode) => {
    const s = pts.filter((r) => r.mode === mode);
    const d = s.map((r, i) => `${i === 0 ? "M" : "L"}${px(r.partitions).toFixed(1)},${py(r[key]!).toFixed(1)}`).join(" ");
    const dots = s.map((r) => `<circle cx="${px(r.partitions).toFixed(1)}" cy="${py(r[key]!).toFixed(1)}" r="3.5" fill="${COLORS[mode]}"><title>${mode} ${r.partitions}: ${fmt(r[key])}</title></circle>`).join("");
    return `<path d="${d}" fill="none" stroke="${COLORS[mode]}" stroke-width="2" class="series-${mode}"/>${dots}`;
  });
  return `<figure><figcaption>${title}</figcaption><svg viewBox="0 0 ${W} ${H}" width="100%" role="img" aria-label="${title}">
${grid.join("")}
<text x="${(L + W - R) / 2}" y="${H - 6}" text-anchor="middle" font-size="12">partitions</text>
${series.join("\n")}
<rect x="${L + 10}" y="${TOP + 4}" width="12" height="4" fill="${COLORS.zk}"/><text x="${L + 26}" y="${TOP + 10}" font-size="12">ZooKeeper mode</text>
<rect x="${L + 130}" y="${TOP + 4}" width="12" height="4" fill="${COLORS.kraft}"/><text x="${L + 146}" y="${TOP + 10}" font-size="12">KRaft</text>
</svg></figure>`;
}

function label(v: number): string {
  return v >= 1e6 ? `${v / 1e6}M` : v >= 1e3 ? `${v / 1e3}k` : String(v);
}
