/**
 * Draws a simulator trace (NDJSON lines) as a self-contained HTML page: one horizontal lane per node with time
 * flowing right, lane colour = role, messages as arrows coloured by kind (dropped ones end in a cross), faults
 * (partitions, crashes, link stalls) and elections as labelled bands, each protocol with its own legend. The
 * whole run is embedded; the page draws a time window of it on a canvas, with zoom, pan, an overview strip and
 * a filter per message kind. Pure: returns the HTML text (the page's script and styles are in `html-page.ts`).
 * @module
 */

import { PAGE_SCRIPT, PAGE_STYLE } from "./html-page.js";

/** The systems the diagram has legends for. */
export type DiagramSystem = "raft" | "zk" | "kraft";

/** Options of the diagram. */
export interface DiagramOptions {
  readonly title?: string;
  /** Which protocol's legend (role names, message kinds) to use (default raft). */
  readonly system?: DiagramSystem;
  /** What each node is, shown under its lane label (e.g. KRaft's controller, broker, combined). */
  readonly nodeKinds?: Readonly<Record<number, string>>;
  /** Violations to mark on the time axis. */
  readonly violations?: readonly { readonly t: number; readonly invariant: string; readonly detail: string; readonly node?: number }[];
  /** Messages embedded at most (default 300,000): the rest are left out, and the page says so. */
  readonly maxMessages?: number;
}

/** One entry of a legend: a name as it appears in traces, what the page calls it, its colour, and a hint. */
export interface LegendEntry {
  readonly name: string;
  readonly label: string;
  readonly colour: string;
  readonly hint: string;
}

/** A protocol's legend: lane colours by role, arrow colours by message kind. */
export interface ProtocolLegend {
  /** What the protocol calls its terms (KRaft: epoch). */
  readonly termName: string;
  readonly roles: readonly LegendEntry[];
  readonly messages: readonly LegendEntry[];
}

const e = (name: string, label: string, colour: string, hint: string): LegendEntry => ({ name, label, colour, hint });

const RAFT_ROLES: readonly LegendEntry[] = [
  e("follower", "follower", "#b0bec5", "follows the leader of its term"),
  e("pre-candidate", "pre-candidate", "#fdd835", "asking for pre-votes before standing (its term does not change yet)"),
  e("candidate", "candidate", "#fb8c00", "standing for election in a new term"),
  e("leader", "leader", "#2e7d32", "leader of its term"),
  e("learner", "learner", "#90caf9", "a non-voting member that receives the log"),
  e("down", "down", "#e53935", "crashed: not running until its restart"),
];

const RAFT_MESSAGES: readonly LegendEntry[] = [
  e("append", "append", "#1e88e5", "AppendEntries: log entries and the leader's commit index"),
  e("append-response", "append response", "#80cbc4", "a follower accepts (or rejects) entries"),
  e("heartbeat", "heartbeat", "#8d6e63", "the leader's heartbeat"),
  e("heartbeat-response", "heartbeat response", "#d7ccc8", "a follower's answer to a heartbeat"),
  e("pre-vote", "pre-vote", "#f9a825", "would you vote for me? (pre-vote, no term change)"),
  e("pre-vote-response", "pre-vote response", "#fff176", "a pre-vote granted or refused"),
  e("vote", "vote request", "#ef6c00", "RequestVote for a new term"),
  e("vote-response", "vote response", "#ffcc80", "a vote granted or refused"),
  e("snapshot", "snapshot", "#8e24aa", "InstallSnapshot: a chunk of the leader's snapshot"),
  e("snapshot-response", "snapshot response", "#ce93d8", "a snapshot chunk acknowledged"),
  e("timeout-now", "timeout-now", "#d81b60", "leadership transfer: stand for election now"),
];

/** Every protocol's legend. */
export const LEGENDS: Readonly<Record<DiagramSystem, ProtocolLegend>> = {
  raft: { termName: "term", roles: RAFT_ROLES, messages: RAFT_MESSAGES },
  zk: {
    termName: "term",
    roles: RAFT_ROLES.filter((r) => r.name !== "learner"),
    messages: [
      ...RAFT_MESSAGES.filter((m) => m.name !== "timeout-now"),
      e("forward", "forward", "#00897b", "a follower forwards a client's write or session change to the leader"),
      e("touch", "session touch", "#6d4c41", "a follower reports its sessions' activity so the leader keeps them alive"),
      e("read-index", "read index", "#3949ab", "a follower asks the leader for a read index (linearizable read, sync)"),
      e("read-index-response", "read index response", "#9fa8da", "the leader's read index (−1: leadership not confirmed)"),
    ],
  },
  kraft: {
    termName: "epoch",
    roles: [
      e("follower", "voter (follower)", "#b0bec5", "a controller voter following the leader of its epoch"),
      e("pre-candidate", "prospective", "#fdd835", "a voter checking it could win before bumping the epoch (KIP-996)"),
      e("candidate", "candidate", "#fb8c00", "a voter standing for election in a new epoch"),
      e("leader", "leader (active controller)", "#2e7d32", "the quorum leader: the active controller"),
      e("learner", "broker (observer)", "#4fc3f7", "a broker: fetches the metadata log, never votes"),
      e("down", "down", "#e53935", "crashed: not running until its restart"),
    ],
    messages: [
      e("fetch", "Fetch", "#1e88e5", "a follower or observer fetches the metadata log from the leader"),
      e("fetch-response", "Fetch response", "#80cbc4", "records (or a diverging epoch) from the leader"),
      e("vote", "Vote", "#ef6c00", "a candidate asks for a vote in a new epoch"),
      e("vote-response", "Vote response", "#ffcc80", "a vote granted or refused"),
      e("begin-quorum-epoch", "BeginQuorumEpoch", "#2e7d32", "the new leader announces its epoch"),
      e("begin-quorum-epoch-response", "BeginQuorumEpoch response", "#a5d6a7", "a voter acknowledges the new leader"),
      e("end-quorum-epoch", "EndQuorumEpoch", "#c62828", "a resigning leader hands over"),
      e("end-quorum-epoch-response", "EndQuorumEpoch response", "#ef9a9a", "acknowledges the resignation"),
      e("fetch-snapshot", "FetchSnapshot", "#8e24aa", "fetch a chunk of the leader's snapshot"),
      e("fetch-snapshot-response", "FetchSnapshot response", "#ce93d8", "a snapshot chunk"),
      e("controller-request", "controller request", "#00897b", "a broker's RPC to the active controller (register, heartbeat)"),
      e("controller-response", "controller response", "#80deea", "the controller's answer (e.g. fenced, unfenced)"),
    ],
  },
};

/** Colours for message kinds a legend does not list, so that nothing is drawn black and unnamed. */
const SPARE_COLOURS = ["#6a1b9a", "#00838f", "#9e9d24", "#4e342e", "#ad1457", "#283593", "#558b2f", "#ff6f00"];

/** Fault kinds drawn as bands, with their colours. */
const FAULT_COLOURS: Readonly<Record<string, string>> = {
  partition: "#e53935",
  crash: "#6d4c41",
  stall: "#8e24aa",
  "heal-all": "#2e7d32",
  other: "#757575",
};

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
}

/** A fault as the page draws it: a band over `nodes` (all lanes when empty) from `t0` to `t1`. */
interface FaultBand {
  kind: string;
  t0: number;
  t1: number;
  nodes: number[];
  label: string;
}

/** The data the page script draws (lane indexes, not node ids; flat number arrays for the bulk). */
export interface DiagramData {
  readonly title: string;
  readonly system: DiagramSystem;
  /** What the protocol calls its terms. */
  readonly termName: string;
  readonly end: number;
  readonly nodes: readonly { readonly id: number; readonly label: string; readonly kind: string }[];
  readonly roles: readonly LegendEntry[];
  readonly kinds: readonly (LegendEntry & { readonly count: number })[];
  readonly faultColours: Readonly<Record<string, string>>;
  /** Role segments: lane, role index, term, from, to — five numbers each. */
  readonly seg: readonly number[];
  /** Messages by send time: kind index, from lane, to lane, sent, arrived (or dropped), flags (1 dropped, 2 duplicate), term — seven each. */
  readonly msg: readonly number[];
  readonly faults: readonly FaultBand[];
  /** Leadership: lane, term, from, to — four each. */
  readonly leaders: readonly number[];
  /** Elections (no leader at all until a new one): from, to, the winner's lane (−1: none by the end), its term. */
  readonly elections: readonly number[];
  readonly violations: readonly { readonly t: number; readonly label: string; readonly lane: number }[];
  /** Messages left out (beyond `maxMessages`). */
  readonly omitted: number;
}

const STALL = /held for (\d+) ms/;

/** Extracts what the page draws from trace lines. Exported for tests. */
export function diagramData(lines: readonly string[], options: DiagramOptions = {}): DiagramData {
  const system = options.system ?? "raft";
  const legend = LEGENDS[system];
  const records: Rec[] = [];
  for (const l of lines) if (l.trim() !== "") records.push(JSON.parse(l) as Rec);
  const cluster = records.find((r) => r.type === "cluster");
  const ids = cluster?.nodes ?? [...new Set(records.filter((r) => r.node !== undefined).map((r) => r.node!))].sort((a, b) => a - b);
  const lane = new Map(ids.map((id, k) => [id, k] as const));
  const end = records.reduce((m, r) => Math.max(m, r.t), 0);
  const roleIndex = new Map(legend.roles.map((r, k) => [r.name, k] as const));
  const roles = [...legend.roles];
  const roleOf = (name: string): number => {
    let k = roleIndex.get(name);
    if (k === undefined) {
      k = roles.length;
      roles.push(e(name, name, SPARE_COLOURS[k % SPARE_COLOURS.length]!, "a role this legend does not describe"));
      roleIndex.set(name, k);
    }
    return k;
  };
  const kinds = legend.messages.map((m) => ({ ...m, count: 0 }));
  const kindIndex = new Map(kinds.map((m, k) => [m.name, k] as const));
  const kindOf = (name: string): number => {
    let k = kindIndex.get(name);
    if (k === undefined) {
      k = kinds.length;
      kinds.push({ ...e(name, name, SPARE_COLOURS[k % SPARE_COLOURS.length]!, "a message kind this legend does not describe"), count: 0 });
      kindIndex.set(name, k);
    }
    return k;
  };

  // Role segments and leadership, from state, crash and restart records.
  const seg: number[] = [];
  const leaders: number[] = [];
  const current = new Map<number, { role: number; term: number; since: number }>();
  const close = (node: number, at: number): void => {
    const c = current.get(node);
    if (c === undefined || at < c.since) return;
    if (at > c.since) seg.push(lane.get(node)!, c.role, c.term, c.since, at);
    if (roles[c.role]!.name === "leader") leaders.push(lane.get(node)!, c.term, c.since, at);
  };
  const sent = new Map<number, Rec>();
  const delivered = new Set<number>();
  const messages: number[][] = [];
  let omitted = 0;
  const maxMessages = options.maxMessages ?? 300_000;
  const faults: FaultBand[] = [];
  let partition: FaultBand | undefined;
  const crashed = new Map<number, FaultBand>();
  const nodeName = (id: number): string => `${options.nodeKinds?.[id] ?? "node"} ${id}`;
  for (const r of records) {
    if (r.type === "state" && r.node !== undefined && lane.has(r.node)) {
      const role = roleOf(r.role ?? "follower");
      const c = current.get(r.node);
      if (c === undefined || c.role !== role || c.term !== (r.term ?? 0)) {
        close(r.node, r.t);
        current.set(r.node, { role, term: r.term ?? 0, since: r.t });
      }
    } else if (r.type === "crash" && r.node !== undefined && lane.has(r.node)) {
      close(r.node, r.t);
      current.set(r.node, { role: roleOf("down"), term: current.get(r.node)?.term ?? 0, since: r.t });
    } else if (r.type === "msg" && r.id !== undefined && r.from !== undefined && r.to !== undefined && lane.has(r.from) && lane.has(r.to)) {
      if (r.ev === "send") sent.set(r.id, r);
      else if (r.ev === "deliver" || r.ev === "drop") {
        const s = sent.get(r.id);
        if (s === undefined) continue;
        if (messages.length >= maxMessages) {
          omitted++;
          continue;
        }
        const kind = kindOf(r.msg ?? "?");
        kinds[kind]!.count++;
        const dup = delivered.has(r.id) ? 2 : 0;
        if (r.ev === "deliver") delivered.add(r.id);
        messages.push([kind, lane.get(r.from)!, lane.get(r.to)!, s.t, r.t, (r.ev === "drop" ? 1 : 0) | dup, r.term ?? 0]);
      }
    } else if (r.type === "fault") {
      const f = r.fault ?? "fault";
      const nodes = (r.nodes ?? []).filter((id) => lane.has(id));
      if (f === "partition" || f === "heal" || f === "heal-all") {
        if (partition !== undefined) partition.t1 = r.t;
        partition = undefined;
      }
      if (f === "partition") {
        const rest = ids.filter((id) => !nodes.includes(id));
        partition = { kind: "partition", t0: r.t, t1: end, nodes: nodes.map((id) => lane.get(id)!), label: `partition ${r.detail ?? ""}: {${nodes.join(",")}} | {${rest.join(",")}}` };
        faults.push(partition);
      } else if (f === "crash") {
        for (const id of nodes) {
          const band = { kind: "crash", t0: r.t, t1: end, nodes: [lane.get(id)!], label: `crash of ${nodeName(id)}` };
          crashed.set(id, band);
          faults.push(band);
        }
      } else if (f === "restart") {
        for (const id of nodes) {
          const band = crashed.get(id);
          if (band !== undefined) band.t1 = r.t;
          crashed.delete(id);
        }
      } else if (f === "stall") {
        const ms = Number(STALL.exec(r.detail ?? "")?.[1] ?? 0);
        faults.push({ kind: "stall", t0: r.t, t1: Math.min(end, r.t + ms), nodes: nodes.map((id) => lane.get(id)!), label: `stall: ${nodes.map(nodeName).join(",")} ${r.detail ?? ""}` });
      } else if (f === "heal-all") {
        // The liveness phase ends every stall for what is sent from now on.
        for (const b of faults) if (b.kind === "stall" && b.t1 > r.t) b.t1 = r.t;
        faults.push({ kind: "heal-all", t0: r.t, t1: r.t, nodes: [], label: r.detail ?? "every fault healed" });
      } else if (f !== "heal") {
        faults.push({ kind: "other", t0: r.t, t1: r.t, nodes: nodes.map((id) => lane.get(id)!), label: `${f}${r.detail === undefined ? "" : ` ${r.detail}`}` });
      }
    }
  }
  for (const node of current.keys()) close(node, end);
  messages.sort((a, b) => a[3]! - b[3]!);
  const msg: number[] = [];
  for (const m of messages) msg.push(...m);

  return {
    title: options.title ?? "quorate simulation",
    system,
    termName: legend.termName,
    end,
    nodes: ids.map((id) => ({ id, label: `node ${id}`, kind: options.nodeKinds?.[id] ?? "" })),
    roles,
    kinds,
    faultColours: FAULT_COLOURS,
    seg,
    msg,
    faults,
    leaders,
    elections: elections(leaders, end),
    violations: (options.violations ?? []).map((v) => ({ t: v.t, label: `${v.invariant}: ${v.detail}`, lane: v.node === undefined ? -1 : (lane.get(v.node) ?? -1) })),
    omitted,
  };
}

/** The stretches with no leader at all, each ended by the leadership that follows (lane −1: none by the end). */
function elections(leaders: readonly number[], end: number): number[] {
  const spans: [number, number, number, number][] = [];
  for (let k = 0; k < leaders.length; k += 4) spans.push([leaders[k + 2]!, leaders[k + 3]!, leaders[k]!, leaders[k + 1]!]);
  spans.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  let covered = 0;
  for (const [t0, t1, laneIdx, term] of spans) {
    if (t0 > covered) out.push(covered, t0, laneIdx, term);
    covered = Math.max(covered, t1);
  }
  if (covered < end) out.push(covered, end, -1, 0);
  return out;
}

const esc = (s: string): string => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

/** JSON safe inside a `<script>` element. */
const scriptJson = (v: unknown): string => JSON.stringify(v).replace(/</g, "\\u003c").replace(/\u2028/g, "\\u2028").replace(/\u2029/g, "\\u2029");

/** Renders trace lines as an HTML page. */
export function renderSpaceTime(lines: readonly string[], options: DiagramOptions = {}): string {
  const data = diagramData(lines, options);
  const title = esc(data.title);
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${PAGE_STYLE}</style></head>
<body>
<header><h1>${title}</h1><p id="summary"></p></header>
<div id="controls">
  <button id="whole" title="show the whole run">whole run</button>
  <button id="zoom-out" title="zoom out (or scroll down over the diagram)">−</button>
  <button id="zoom-in" title="zoom in (or scroll up over the diagram)">+</button>
  <label>from <input id="from" type="number" min="0" step="1"> ms</label>
  <label>to <input id="to" type="number" min="0" step="1"> ms</label>
  <label><input id="show-drops" type="checkbox" checked> dropped messages</label>
  <span class="hint">drag to pan · scroll to zoom · click the overview to jump · hover for details</span>
</div>
<canvas id="overview" height="64" aria-label="overview of the whole run"></canvas>
<canvas id="diagram" aria-label="space-time diagram of the time window"></canvas>
<div id="tooltip" role="tooltip"></div>
<section id="legends">
  <div><h2>Lanes (role)</h2><ul id="legend-roles" class="legend"></ul></div>
  <div><h2>Messages <button id="kinds-all">all</button> <button id="kinds-none">none</button></h2><ul id="legend-messages" class="legend"></ul></div>
  <div><h2>Faults and elections</h2><ul id="legend-faults" class="legend"></ul></div>
</section>
<section><h2>Faults, elections and violations</h2><p class="hint">Click a row to show it.</p><table id="events"><thead><tr><th>from (ms)</th><th>to (ms)</th><th>what</th></tr></thead><tbody></tbody></table></section>
<script id="diagram-data" type="application/json">${scriptJson(data)}</script>
<script>${PAGE_SCRIPT}</script>
</body></html>
`;
}
