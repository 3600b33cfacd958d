/**
 * Draws a simulator trace (NDJSON lines) as a self-contained HTML space-time diagram: one vertical lane per
 * node with time flowing down, lane colour = role, term labels at changes, messages as arrows (dropped ones
 * end in a cross), faults as marked horizontal rules. Pure: returns the HTML text.
 */

interface Rec {
  type: string;
  t: number;
  node?: number;
  nodes?: number[];
  role?: string;
  term?: number;
  ev?: string;
  from?: number;
  to?: number;
  id?: number;
  msg?: string;
  fault?: string;
  detail?: string;
  invariant?: string;
}

const ROLE_COLOURS: Record<string, string> = {
  follower: "#b0bec5",
  "pre-candidate": "#fff59d",
  candidate: "#ffb74d",
  leader: "#43a047",
  learner: "#90caf9",
  down: "#e53935",
};

const MSG_COLOURS: Record<string, string> = {
  append: "#1e88e5",
  "append-response": "#64b5f6",
  heartbeat: "#9e9e9e",
  "heartbeat-response": "#cfcfcf",
  vote: "#fb8c00",
  "vote-response": "#ffcc80",
  "pre-vote": "#fdd835",
  "pre-vote-response": "#fff176",
  snapshot: "#8e24aa",
  "snapshot-response": "#ce93d8",
  "timeout-now": "#d81b60",
};

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** Options of the diagram. */
export interface DiagramOptions {
  /** Draw at most this much simulated time (ms) from the start (default: 3,000). */
  readonly maxTime?: number;
  /** Pixels per simulated millisecond (default 1). */
  readonly scale?: number;
  readonly title?: string;
}

/** Renders trace lines as an HTML page. */
export function renderSpaceTime(lines: readonly string[], options: DiagramOptions = {}): string {
  const maxTime = options.maxTime ?? 3000;
  const scale = options.scale ?? 1;
  const records = lines.map((l) => JSON.parse(l) as Rec).filter((r) => r.t <= maxTime);
  const cluster = records.find((r) => r.type === "cluster");
  const nodes = cluster?.nodes ?? [...new Set(records.filter((r) => r.node !== undefined).map((r) => r.node!))].sort((a, b) => a - b);
  const laneW = 160;
  const left = 60;
  const top = 50;
  const x = (node: number): number => left + (nodes.indexOf(node) + 0.5) * laneW;
  const y = (t: number): number => top + t * scale;
  const end = Math.min(maxTime, records.length === 0 ? 0 : records[records.length - 1]!.t);
  const width = left + nodes.length * laneW + 220;
  const height = y(end) + 40;
  const svg: string[] = [];

  // Lanes: role segments.
  const current = new Map<number, { role: string; term: number; since: number }>();
  const segment = (node: number, role: string, from: number, to: number): void => {
    if (to <= from) return;
    svg.push(`<rect x="${x(node) - 5}" y="${y(from)}" width="10" height="${(to - from) * scale}" fill="${ROLE_COLOURS[role] ?? "#ccc"}"><title>node ${node}: ${esc(role)} ${from}–${to} ms</title></rect>`);
  };
  for (const r of records) {
    if (r.type === "state" && r.node !== undefined) {
      const c = current.get(r.node);
      if (c === undefined || c.role !== r.role || c.term !== r.term) {
        if (c !== undefined) segment(r.node, c.role, c.since, r.t);
        current.set(r.node, { role: r.role ?? "follower", term: r.term ?? 0, since: r.t });
        if (c === undefined || c.term !== r.term || r.role === "leader") {
          svg.push(`<text x="${x(r.node) + 8}" y="${y(r.t) + 4}" class="term">${r.role === "leader" ? "★ " : ""}t${r.term}</text>`);
        }
      }
    } else if (r.type === "crash" && r.node !== undefined) {
      const c = current.get(r.node);
      if (c !== undefined) segment(r.node, c.role, c.since, r.t);
      current.set(r.node, { role: "down", term: c?.term ?? 0, since: r.t });
      svg.push(`<text x="${x(r.node) - 7}" y="${y(r.t) + 5}" class="crash">✖</text>`);
    }
  }
  for (const [node, c] of current) segment(node, c.role, c.since, end);

  // Messages: pair send with deliver/drop by id.
  const sent = new Map<number, Rec>();
  let arrows = 0;
  for (const r of records) {
    if (r.type !== "msg" || r.id === undefined) continue;
    if (r.ev === "send") sent.set(r.id, r);
    else if ((r.ev === "deliver" || r.ev === "drop") && arrows < 5000) {
      const s = sent.get(r.id);
      if (s === undefined || r.from === undefined || r.to === undefined) continue;
      arrows++;
      const colour = MSG_COLOURS[r.msg ?? ""] ?? "#555";
      const x1 = x(r.from);
      const y1 = y(s.t);
      const x2 = x(r.to);
      const y2 = y(r.t);
      const tip = `${esc(r.msg ?? "")} t${r.term ?? "?"} ${r.from}→${r.to} sent ${s.t} ${r.ev === "drop" ? "DROPPED" : `delivered ${r.t}`}`;
      if (r.ev === "drop") {
        const mx = (x1 + x2) / 2;
        const my = (y1 + y2) / 2;
        svg.push(`<line x1="${x1}" y1="${y1}" x2="${mx}" y2="${my}" stroke="${colour}" stroke-dasharray="3,2"><title>${tip}</title></line><text x="${mx - 4}" y="${my + 4}" class="drop">×</text>`);
      } else {
        svg.push(`<line x1="${x1}" y1="${y1}" x2="${x2}" y2="${y2}" stroke="${colour}" marker-end="url(#arrow)"><title>${tip}</title></line>`);
      }
    }
  }

  // Faults and client completions.
  for (const r of records) {
    if (r.type === "fault" && r.fault !== "crash" && r.fault !== "restart") {
      svg.push(`<line x1="${left}" y1="${y(r.t)}" x2="${left + nodes.length * laneW}" y2="${y(r.t)}" class="fault"/><text x="${left + nodes.length * laneW + 6}" y="${y(r.t) + 4}" class="faulttext">${esc(r.fault ?? "")}${r.detail === undefined ? "" : ` ${esc(r.detail)}`}${r.nodes === undefined ? "" : ` [${r.nodes.join(",")}]`}</text>`);
    }
  }

  const header = nodes.map((n) => `<text x="${x(n)}" y="${top - 20}" text-anchor="middle" class="lane">node ${n}</text><line x1="${x(n)}" y1="${top}" x2="${x(n)}" y2="${y(end)}" stroke="#eee"/>`).join("");
  const legend = Object.entries(ROLE_COLOURS).map(([role, c]) => `<span style="background:${c}">&nbsp;${role}&nbsp;</span>`).join(" ");
  const messageLegend = Object.entries(MSG_COLOURS).map(([kind, c]) => `<span style="border-bottom:3px solid ${c}">${kind}</span>`).join(" ");
  return `<!doctype html>
<html><head><meta charset="utf-8"><title>${esc(options.title ?? "quorate simulation")}</title>
<style>body{font-family:sans-serif;margin:16px}.term{font-size:10px;fill:#333}.lane{font-weight:bold;font-size:13px}.crash{fill:#e53935;font-size:14px}.drop{fill:#e53935;font-size:12px}.fault{stroke:#e53935;stroke-dasharray:6,4}.faulttext{fill:#e53935;font-size:11px}line{stroke-width:1}</style></head>
<body><h1>${esc(options.title ?? "quorate simulation")}</h1>
<p>Time flows down (1 px = ${1 / scale} simulated ms, first ${maxTime} ms). Lanes: ${legend}. Arrows are messages (hover for details): ${messageLegend}; × marks a dropped message; ✖ a crash; dashed red rules faults.</p>
<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">
<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="5" markerHeight="5" orient="auto-start-reverse"><path d="M 0 0 L 10 5 L 0 10 z" fill="#555"/></marker></defs>
${header}
${svg.join("\n")}
</svg></body></html>
`;
}
