/**
 * KRaft quorum conformance: spec/kraft.qnt traces as vectors, and their replay on the KRaft core
 * (src/core/kraft).
 *
 * Abstraction function (core → spec), per voter:
 *   role = role(state) ("unattached" | "prospective" | "candidate" | "leader" | "follower" | "resigned");
 *   epoch = epoch(state); leaderId = leader(state) and votedId = votedId(state), with Kafka's -1 as 0;
 *   highWatermark = highWatermark(state); log = [entryAt(state, o) for o in 0..endOffset) as { epoch, value },
 *   value 0 for a LeaderChange record and the single data byte for a data record.
 * Messages: vote {epoch, preVote, lastEpoch, endOffset}; vote-response {epoch, preVote, granted, leaderId};
 *   begin-epoch {epoch}; fetch {epoch, fetchOffset, lastFetchedEpoch, highWatermark}; fetch-response {epoch, leaderId,
 *   fetchOffset, lastFetchedEpoch, highWatermark (-1: unknown), records | divergingEpoch + divergingEndOffset}.
 *   Error responses, BeginQuorumEpoch responses and directory ids are not modelled.
 *
 * Replay is per node, as for Raft: spec messages are made concrete and given to their destination; persist
 * outputs are stored and acknowledged (`persisted`) at once; a timeout is replayed as ticks until the node's
 * role or epoch changes; a follower's `fetch` as ticks until it sends one; a restart as `createKRaft` from what
 * was persisted. Leaders are never ticked (no check-quorum resignation, no parked-fetch expiry in the spec).
 */
import type * as KRaftApi from "../../core/kraft/index.js";
import * as realKRaft from "../../core/kraft/index.js";
import { bool, int, itfGet, list, map, record, str, type ItfTrace, type ItfValue } from "./itf.js";
import { compareFields, messageVectorSteps, stableJson, traceName, unknownAction, VECTOR_FORMAT, type Mismatch, type Vector, type VectorSource, type VectorStep } from "./vector.js";

/** An abstract record. */
export interface KRaftRecordView { readonly epoch: number; readonly value: number }

/** The abstract state of one KRaft voter. */
export interface KRaftNodeView {
  readonly role: string;
  readonly epoch: number;
  readonly votedId: number;
  readonly leaderId: number;
  readonly log: readonly KRaftRecordView[];
  readonly highWatermark: number;
}

/** An abstract KRaft message. */
export type KRaftMessageView =
  | { readonly type: "vote"; readonly from: number; readonly to: number; readonly epoch: number; readonly preVote: boolean; readonly lastEpoch: number; readonly endOffset: number }
  | { readonly type: "vote-response"; readonly from: number; readonly to: number; readonly epoch: number; readonly preVote: boolean; readonly granted: boolean; readonly leaderId: number }
  | { readonly type: "begin-epoch"; readonly from: number; readonly to: number; readonly epoch: number }
  | { readonly type: "fetch"; readonly from: number; readonly to: number; readonly epoch: number; readonly fetchOffset: number; readonly lastFetchedEpoch: number; readonly highWatermark: number }
  | { readonly type: "fetch-response"; readonly from: number; readonly to: number; readonly epoch: number; readonly leaderId: number; readonly fetchOffset: number; readonly lastFetchedEpoch: number; readonly highWatermark: number; readonly records?: readonly KRaftRecordView[]; readonly divergingEpoch?: number; readonly divergingEndOffset?: number };

/** An input of a KRaft vector. */
export type KRaftVectorInput =
  | { readonly type: "timeout"; readonly node: number }
  /** A follower with no Fetch outstanding (after a restart) sends one on its next tick. */
  | { readonly type: "fetch"; readonly node: number }
  | { readonly type: "propose"; readonly node: number; readonly value: number }
  | { readonly type: "deliver"; readonly node: number; readonly message: KRaftMessageView }
  | { readonly type: "drop"; readonly message: KRaftMessageView }
  | { readonly type: "restart"; readonly node: number };

/** A KRaft test vector. */
export type KRaftVector = Vector<KRaftVectorInput, KRaftMessageView, Record<string, KRaftNodeView>>;

function recordView(v: ItfValue, where: string): KRaftRecordView {
  const r = record(v, where);
  return { epoch: int(r.epoch, `${where}.epoch`), value: int(r.value, `${where}.value`) };
}

/** The abstract form of a spec message. */
export function kraftMessageFromSpec(v: ItfValue, where: string): KRaftMessageView {
  const m = record(v, where);
  const base = { from: int(m.src, `${where}.src`), to: int(m.dst, `${where}.dst`), epoch: int(m.epoch, `${where}.epoch`) };
  const kind = str(m.kind, `${where}.kind`);
  switch (kind) {
    case "vote":
      return { type: kind, ...base, preVote: bool(m.preVote, `${where}.preVote`), lastEpoch: int(m.lastEpoch, `${where}.lastEpoch`), endOffset: int(m.endOffset, `${where}.endOffset`) };
    case "vote-response":
      return { type: kind, ...base, preVote: bool(m.preVote, `${where}.preVote`), granted: bool(m.granted, `${where}.granted`), leaderId: int(m.leaderId, `${where}.leaderId`) };
    case "begin-epoch":
      return { type: kind, ...base };
    case "fetch":
      return { type: kind, ...base, fetchOffset: int(m.fetchOffset, `${where}.fetchOffset`), lastFetchedEpoch: int(m.lastFetchedEpoch, `${where}.lastFetchedEpoch`), highWatermark: int(m.hw, `${where}.hw`) };
    case "fetch-response": {
      const common = {
        type: kind, ...base, leaderId: int(m.leaderId, `${where}.leaderId`), fetchOffset: int(m.fetchOffset, `${where}.fetchOffset`),
        lastFetchedEpoch: int(m.lastFetchedEpoch, `${where}.lastFetchedEpoch`), highWatermark: int(m.hw, `${where}.hw`),
      } as const;
      return bool(m.diverging, `${where}.diverging`)
        ? { ...common, divergingEpoch: int(m.divergingEpoch, `${where}.divergingEpoch`), divergingEndOffset: int(m.divergingEndOffset, `${where}.divergingEndOffset`) }
        : { ...common, records: list(m.records, `${where}.records`).map((r, i) => recordView(r, `${where}.records[${i}]`)) };
    }
    default:
      throw new Error(`${where}: unknown message kind ${kind}`);
  }
}

/** The abstract state of every voter in one spec state. */
export function kraftStateFromSpec(vars: Readonly<Record<string, ItfValue>>, nodes: readonly number[], where: string): Record<string, KRaftNodeView> {
  const out: Record<string, KRaftNodeView> = {};
  const at = (name: string, n: number): ItfValue => itfGet(map(vars[name], `${where}.${name}`), n, `${where}.${name}[${n}]`);
  for (const n of nodes) {
    const w = `${where} node ${n}`;
    out[String(n)] = {
      role: str(at("role", n), `${w}.role`),
      epoch: int(at("epoch", n), `${w}.epoch`),
      votedId: int(at("voted", n), `${w}.voted`),
      leaderId: int(at("leader", n), `${w}.leader`),
      log: list(at("log", n), `${w}.log`).map((r, i) => recordView(r, `${w}.log[${i}]`)),
      highWatermark: int(at("hw", n), `${w}.hw`),
    };
  }
  return out;
}

function messagesOf(vars: Readonly<Record<string, ItfValue>>, where: string): KRaftMessageView[] {
  return list(vars.msgs, `${where}.msgs`).map((m, i) => kraftMessageFromSpec(m, `${where}.msgs[${i}]`));
}

/** The input a KRaft spec action stands for, and the message it consumes. */
function kraftInput(action: string, p: Readonly<Record<string, ItfValue>>, where: string): { input: KRaftVectorInput; consumed?: KRaftMessageView } {
  switch (action) {
    case "timeout":
    case "fetch":
    case "restart":
      return { input: { type: action, node: int(p.i, `${where} pick i`) } };
    case "clientRequest":
      return { input: { type: "propose", node: int(p.i, `${where} pick i`), value: int(p.v, `${where} pick v`) } };
    case "drop": {
      const consumed = kraftMessageFromSpec(p.m as ItfValue, `${where} pick m`);
      return { input: { type: "drop", message: consumed }, consumed };
    }
    case "handleVote":
    case "handleVoteResponse":
    case "handleBeginEpoch":
    case "handleFetch":
    case "handleFetchResponse": {
      const consumed = kraftMessageFromSpec(p.m as ItfValue, `${where} pick m`);
      return { input: { type: "deliver", node: consumed.to, message: consumed }, consumed };
    }
    default:
      throw unknownAction(action, where);
  }
}

/** Turns a spec trace (ITF from `quint run --mbt`) into a KRaft vector. */
export function kraftVectorFromItf(trace: ItfTrace, source: VectorSource): KRaftVector {
  const nodes = map(trace.states[0]!.vars.epoch, "epoch").entries.map(([k]) => int(k, "node id")).sort((a, b) => a - b);
  const steps = messageVectorSteps(trace, source, { messages: messagesOf, state: (vars, where) => kraftStateFromSpec(vars, nodes, where), input: kraftInput });
  return { format: VECTOR_FORMAT, protocol: "kraft", source, nodes, initial: kraftStateFromSpec(trace.states[0]!.vars, nodes, `${source.spec} state 0`), steps };
}

// ---------------------------------------------------------------------------------------------------------
// Replay on the core

/** The parts of the KRaft core's public API the replay uses (a mutated copy of the core can stand in). */
export type KRaftCore = Pick<typeof KRaftApi, "createKRaft" | "step" | "role" | "epoch" | "leader" | "votedId" | "highWatermark" | "endOffset" | "entryAt">;

const none = (id: number): number => (id <= 0 ? -1 : id);
const dir = (id: number): string => `dir-${id}`;

function concreteRecord(r: KRaftRecordView, offset: number, leaderOf: ReadonlyMap<number, number>, voters: readonly number[]): KRaftApi.Entry {
  if (r.value === 0) {
    return { offset, epoch: r.epoch, kind: "leader-change", leaderId: leaderOf.get(r.epoch) ?? 0, voters: [...voters], grantingVoters: [] };
  }
  return { offset, epoch: r.epoch, kind: "data", data: Uint8Array.of(r.value) };
}

/** The inverse of the abstraction for messages: the core message a spec message stands for. */
export function concreteKRaftMessage(m: KRaftMessageView, leaderOf: ReadonlyMap<number, number>, voters: readonly number[]): KRaftApi.Message {
  switch (m.type) {
    case "vote":
      return { type: "vote", from: m.from, to: m.to, epoch: m.epoch, preVote: m.preVote, candidateDirectoryId: dir(m.from), voterDirectoryId: "", lastEpoch: m.lastEpoch, lastEndOffset: m.endOffset };
    case "vote-response":
      return { type: "vote-response", from: m.from, to: m.to, error: "none", epoch: m.epoch, leaderId: none(m.leaderId), preVote: m.preVote, granted: m.granted };
    case "begin-epoch":
      return { type: "begin-quorum-epoch", from: m.from, to: m.to, epoch: m.epoch, leaderId: m.from, voterDirectoryId: "" };
    case "fetch":
      return { type: "fetch", from: m.from, to: m.to, epoch: m.epoch, replicaDirectoryId: dir(m.from), fetchOffset: m.fetchOffset, lastFetchedEpoch: m.lastFetchedEpoch, highWatermark: m.highWatermark };
    case "fetch-response":
      return {
        type: "fetch-response", from: m.from, to: m.to, error: "none", epoch: m.epoch, leaderId: none(m.leaderId), highWatermark: m.highWatermark,
        fetchOffset: m.fetchOffset, lastFetchedEpoch: m.lastFetchedEpoch,
        records: (m.records ?? []).map((r, k) => concreteRecord(r, m.fetchOffset + k, leaderOf, voters)),
        ...(m.divergingEpoch !== undefined ? { divergingEpoch: { epoch: m.divergingEpoch, endOffset: m.divergingEndOffset ?? 0 } } : {}),
      };
  }
}

function abstractRecord(e: KRaftApi.Entry): KRaftRecordView {
  return { epoch: e.epoch, value: e.kind === "leader-change" ? 0 : e.kind === "data" ? (e.data[0] ?? 0) : -1 };
}

/** The abstraction of a core message, or undefined for kinds the spec does not model. */
export function abstractKRaftMessage(m: KRaftApi.Message): KRaftMessageView | undefined {
  const zero = (id: number): number => (id < 0 ? 0 : id);
  switch (m.type) {
    case "vote":
      return { type: "vote", from: m.from, to: m.to, epoch: m.epoch, preVote: m.preVote, lastEpoch: m.lastEpoch, endOffset: m.lastEndOffset };
    case "vote-response":
      return m.error !== "none" ? undefined : { type: "vote-response", from: m.from, to: m.to, epoch: m.epoch, preVote: m.preVote, granted: m.granted, leaderId: zero(m.leaderId) };
    case "begin-quorum-epoch":
      return { type: "begin-epoch", from: m.from, to: m.to, epoch: m.epoch };
    case "fetch":
      return { type: "fetch", from: m.from, to: m.to, epoch: m.epoch, fetchOffset: m.fetchOffset, lastFetchedEpoch: m.lastFetchedEpoch, highWatermark: m.highWatermark ?? -1 };
    case "fetch-response": {
      if (m.error !== "none") return undefined;
      const common = { type: "fetch-response", from: m.from, to: m.to, epoch: m.epoch, leaderId: zero(m.leaderId), fetchOffset: m.fetchOffset, lastFetchedEpoch: m.lastFetchedEpoch, highWatermark: m.highWatermark } as const;
      return m.divergingEpoch !== undefined
        ? { ...common, divergingEpoch: m.divergingEpoch.epoch, divergingEndOffset: m.divergingEpoch.endOffset }
        : { ...common, records: m.records.map(abstractRecord) };
    }
    default:
      return undefined;
  }
}

/** The abstraction function: a core voter's state as the spec sees it. */
export function abstractKRaftNode(core: KRaftCore, s: KRaftApi.KRaftState): KRaftNodeView {
  const log: KRaftRecordView[] = [];
  const end = core.endOffset(s);
  for (let o = 0; o < end; o++) {
    const e = core.entryAt(s, o);
    log.push(e === undefined ? { epoch: -1, value: -1 } : abstractRecord(e));
  }
  const zero = (id: number): number => (id < 0 ? 0 : id);
  return { role: core.role(s), epoch: core.epoch(s), votedId: zero(core.votedId(s)), leaderId: zero(core.leader(s)), log, highWatermark: core.highWatermark(s) };
}

interface KNode {
  state: KRaftApi.KRaftState;
  quorumState: KRaftApi.QuorumStateRecord;
  entries: KRaftApi.Entry[];
}

const MAX_TICKS = 10_000;

/** Replays a vector on a cluster of the KRaft core; returns the first diverging step's mismatches, or []. */
export function replayKRaftVector(v: KRaftVector, core: KRaftCore = realKRaft): Mismatch[] {
  const trace = traceName(v.source);
  const config = (id: number): KRaftApi.KRaftConfig => ({ id, voters: [...v.nodes], seed: id });
  const nodes = new Map<number, KNode>();
  for (const id of v.nodes) nodes.set(id, { state: core.createKRaft(config(id)), quorumState: { epoch: 0, leaderId: -1, votedId: -1, votedDirectoryId: "" }, entries: [] });
  // The leader of each epoch, for the LeaderChange records the replay makes concrete.
  const leaderOf = new Map<number, number>();
  const learnLeaders = (state: Record<string, KRaftNodeView>): void => {
    for (const n of Object.values(state)) if (n.role === "leader") leaderOf.set(n.epoch, n.leaderId);
  };

  const drive = (n: KNode, input: KRaftApi.Input, sent: KRaftApi.Message[]): void => {
    const queue: KRaftApi.Input[] = [input];
    while (queue.length > 0) {
      const r = core.step(n.state, queue.shift()!);
      n.state = r.state;
      for (const o of r.outputs) {
        if (o.type === "persist") {
          if (o.quorumState !== undefined) n.quorumState = o.quorumState;
          if (o.truncateTo !== undefined) n.entries.length = Math.min(n.entries.length, o.truncateTo);
          if (o.entries !== undefined) for (const e of o.entries) { n.entries.length = e.offset; n.entries.push(e); }
          const end = n.entries.length;
          queue.push({ type: "persisted", endOffset: end, epoch: end === 0 ? 0 : n.entries[end - 1]!.epoch });
        } else if (o.type === "send") sent.push(o.message);
      }
    }
  };
  const check = (step: number, action: string, expected: Record<string, KRaftNodeView>, out: Mismatch[]): void => {
    for (const id of v.nodes) {
      const want = expected[String(id)];
      if (want !== undefined) compareFields(want as unknown as Record<string, unknown>, abstractKRaftNode(core, nodes.get(id)!.state) as unknown as Record<string, unknown>, `node ${id} `, { trace, step, action }, out);
    }
  };

  const first: Mismatch[] = [];
  check(0, "init", v.initial, first);
  if (first.length > 0) return first;
  for (const s of v.steps) {
    const out: Mismatch[] = [];
    const at = { trace, step: s.step, action: s.action };
    let sent: KRaftApi.Message[] = [];
    const inp = s.input;
    switch (inp.type) {
      case "timeout": {
        // Tick until the role or epoch changes; only the last tick's messages belong to the timeout.
        const n = nodes.get(inp.node)!;
        const role0 = core.role(n.state);
        const epoch0 = core.epoch(n.state);
        let ticks = 0;
        while (core.role(n.state) === role0 && core.epoch(n.state) === epoch0 && ticks++ < MAX_TICKS) {
          sent = [];
          drive(n, { type: "tick" }, sent);
        }
        if (ticks > MAX_TICKS) out.push({ ...at, variable: `node ${inp.node} role (unchanged after ${MAX_TICKS} ticks)`, expected: s.state[String(inp.node)]?.role, actual: role0 });
        break;
      }
      case "fetch": {
        const n = nodes.get(inp.node)!;
        let ticks = 0;
        while (!sent.some((m) => m.type === "fetch") && ticks++ < MAX_TICKS) drive(n, { type: "tick" }, sent);
        break;
      }
      case "propose":
        drive(nodes.get(inp.node)!, { type: "append", records: [Uint8Array.of(inp.value)] }, sent);
        break;
      case "deliver":
        drive(nodes.get(inp.node)!, { type: "message", message: concreteKRaftMessage(inp.message, leaderOf, v.nodes) }, sent);
        break;
      case "restart": {
        const n = nodes.get(inp.node)!;
        n.state = core.createKRaft(config(inp.node), { quorumState: n.quorumState, entries: [...n.entries] });
        break;
      }
      case "drop":
        break;
    }
    learnLeaders(s.state);
    check(s.step, s.action, s.state, out);
    const coreSent = sent.map(abstractKRaftMessage).filter((m): m is KRaftMessageView => m !== undefined);
    const coreKeys = new Set(coreSent.map(stableJson));
    const allowed = new Set([...s.outputs, ...(s.inFlight ?? [])].map(stableJson));
    for (const m of s.outputs) {
      if (!coreKeys.has(stableJson(m))) out.push({ ...at, variable: `sent ${m.type} ${m.from}→${m.to}`, expected: m, actual: coreSent.filter((c) => c.type === m.type && c.to === m.to) });
    }
    for (const m of coreSent) {
      if (!allowed.has(stableJson(m))) out.push({ ...at, variable: `sent ${m.type} ${m.from}→${m.to} (not in the spec)`, expected: null, actual: m });
    }
    if (out.length > 0) return out;
  }
  return [];
}
