/**
 * Raft conformance: spec/raft.qnt traces as vectors, and their replay on the Raft core (src/core/raft).
 *
 * Abstraction function (core → spec), per node:
 *   role   = role(state)                  ("follower" | "candidate" | "leader"; no pre-vote in the spec)
 *   term   = term(state);  vote = vote(state);  leader = leader(state);  commit = commitIndex(state)
 *   log    = [entryAt(state, n) for n in 1..lastIndex(state)] as { term, value }, where value is the entry's
 *            single data byte, and 0 for the empty entry a new leader appends.
 * Messages: vote {term, lastIndex, lastTerm}; vote-response {term, granted = !reject}; append {term, prevIndex,
 *   prevTerm, entries, commit}; append-response {term, success = !reject, index}. Append hints are not modelled.
 *
 * Replay is per node: each spec input goes to the core node it concerns, with the spec's message made concrete
 * (the inverse of the abstraction). The driver persists every `persist` output at once and answers `persisted`
 * and `applied` right away, so "crash" (restart) loses exactly the volatile state, as in the spec. A spec
 * timeout is replayed as ticks until the node campaigns. The messages the core sends are compared with the
 * spec's for the kinds whose content Raft fixes (vote, vote-response, append-response); the leader's appends
 * (when and how much to send: flow control, batching) are the implementation's choice and are not compared.
 */
import type * as RaftApi from "../../core/raft/index.js";
import * as realRaft from "../../core/raft/index.js";
import { bool, int, itfGet, list, map, record, str, type ItfTrace, type ItfValue } from "./itf.js";
import { compareFields, messageVectorSteps, stableJson, traceName, unknownAction, VECTOR_FORMAT, type Mismatch, type Vector, type VectorSource, type VectorStep } from "./vector.js";

/** An abstract log entry. */
export interface RaftEntryView { readonly term: number; readonly value: number }

/** The abstract state of one Raft node. */
export interface RaftNodeView {
  readonly role: string;
  readonly term: number;
  readonly vote: number;
  readonly leader: number;
  readonly log: readonly RaftEntryView[];
  readonly commit: number;
}

/** An abstract Raft message. */
export type RaftMessageView =
  | { readonly type: "vote"; readonly from: number; readonly to: number; readonly term: number; readonly lastIndex: number; readonly lastTerm: number }
  | { readonly type: "vote-response"; readonly from: number; readonly to: number; readonly term: number; readonly granted: boolean }
  | { readonly type: "append"; readonly from: number; readonly to: number; readonly term: number; readonly prevIndex: number; readonly prevTerm: number; readonly entries: readonly RaftEntryView[]; readonly commit: number }
  | { readonly type: "append-response"; readonly from: number; readonly to: number; readonly term: number; readonly success: boolean; readonly index: number };

/** An input of a Raft vector. */
export type RaftVectorInput =
  | { readonly type: "timeout"; readonly node: number }
  | { readonly type: "propose"; readonly node: number; readonly value: number }
  /** The leader (re)sends an append to `to`: a heartbeat or retry. The spec's choice of when; no state changes. */
  | { readonly type: "send-append"; readonly node: number; readonly to: number }
  | { readonly type: "deliver"; readonly node: number; readonly message: RaftMessageView }
  /** The network loses a message; no node sees anything. */
  | { readonly type: "drop"; readonly message: RaftMessageView }
  | { readonly type: "restart"; readonly node: number };

/** A Raft test vector. */
export type RaftVector = Vector<RaftVectorInput, RaftMessageView, Record<string, RaftNodeView>>;

/** Message kinds whose content an implementation must reproduce exactly. */
export const RAFT_COMPARED_KINDS: ReadonlySet<string> = new Set(["vote", "vote-response", "append-response"]);

// ---------------------------------------------------------------------------------------------------------
// Spec (ITF) → vector

function entryView(v: ItfValue, where: string): RaftEntryView {
  const r = record(v, where);
  return { term: int(r.term, `${where}.term`), value: int(r.value, `${where}.value`) };
}

/** The abstract form of a spec message. */
export function raftMessageFromSpec(v: ItfValue, where: string): RaftMessageView {
  const m = record(v, where);
  const base = { from: int(m.src, `${where}.src`), to: int(m.dst, `${where}.dst`), term: int(m.term, `${where}.term`) };
  const kind = str(m.kind, `${where}.kind`);
  switch (kind) {
    case "vote":
      return { type: kind, ...base, lastIndex: int(m.lastIndex, `${where}.lastIndex`), lastTerm: int(m.lastTerm, `${where}.lastTerm`) };
    case "vote-response":
      return { type: kind, ...base, granted: bool(m.granted, `${where}.granted`) };
    case "append":
      return {
        type: kind, ...base, prevIndex: int(m.prevIndex, `${where}.prevIndex`), prevTerm: int(m.prevTerm, `${where}.prevTerm`),
        entries: list(m.entries, `${where}.entries`).map((e, i) => entryView(e, `${where}.entries[${i}]`)), commit: int(m.commit, `${where}.commit`),
      };
    case "append-response":
      return { type: kind, ...base, success: bool(m.success, `${where}.success`), index: int(m.index, `${where}.index`) };
    default:
      throw new Error(`${where}: unknown message kind ${kind}`);
  }
}

function nodesOf(trace: ItfTrace): number[] {
  const first = trace.states[0];
  if (first === undefined) throw new Error(`${trace.source}: empty trace`);
  return map(first.vars.currentTerm, "currentTerm").entries.map(([k]) => int(k, "node id")).sort((a, b) => a - b);
}

/** The abstract state of every node in one spec state. */
export function raftStateFromSpec(vars: Readonly<Record<string, ItfValue>>, nodes: readonly number[], where: string): Record<string, RaftNodeView> {
  const out: Record<string, RaftNodeView> = {};
  for (const n of nodes) {
    const w = `${where} node ${n}`;
    out[String(n)] = {
      role: str(itfGet(map(vars.role, `${w}.role`), n, `${w}.role`), `${w}.role`),
      term: int(itfGet(map(vars.currentTerm, `${w}.currentTerm`), n, `${w}.currentTerm`), `${w}.currentTerm`),
      vote: int(itfGet(map(vars.votedFor, `${w}.votedFor`), n, `${w}.votedFor`), `${w}.votedFor`),
      leader: int(itfGet(map(vars.leader, `${w}.leader`), n, `${w}.leader`), `${w}.leader`),
      log: list(itfGet(map(vars.log, `${w}.log`), n, `${w}.log`), `${w}.log`).map((e, i) => entryView(e, `${w}.log[${i}]`)),
      commit: int(itfGet(map(vars.commitIndex, `${w}.commitIndex`), n, `${w}.commitIndex`), `${w}.commitIndex`),
    };
  }
  return out;
}

function messagesOf(vars: Readonly<Record<string, ItfValue>>, where: string): RaftMessageView[] {
  return list(vars.msgs, `${where}.msgs`).map((m, i) => raftMessageFromSpec(m, `${where}.msgs[${i}]`));
}

/** The input a Raft spec action stands for, and the message it consumes. */
function raftInput(action: string, p: Readonly<Record<string, ItfValue>>, where: string): { input: RaftVectorInput; consumed?: RaftMessageView } {
  switch (action) {
    case "timeout":
      return { input: { type: "timeout", node: int(p.i, `${where} pick i`) } };
    case "clientRequest":
      return { input: { type: "propose", node: int(p.i, `${where} pick i`), value: int(p.v, `${where} pick v`) } };
    case "sendAppend":
      return { input: { type: "send-append", node: int(p.i, `${where} pick i`), to: int(p.j, `${where} pick j`) } };
    case "restart":
      return { input: { type: "restart", node: int(p.i, `${where} pick i`) } };
    case "drop": {
      const consumed = raftMessageFromSpec(p.m as ItfValue, `${where} pick m`);
      return { input: { type: "drop", message: consumed }, consumed };
    }
    case "handleVote":
    case "handleVoteResponse":
    case "handleAppend":
    case "handleAppendResponse": {
      const consumed = raftMessageFromSpec(p.m as ItfValue, `${where} pick m`);
      return { input: { type: "deliver", node: consumed.to, message: consumed }, consumed };
    }
    default:
      throw unknownAction(action, where);
  }
}

/** Turns a spec trace (ITF from `quint run --mbt`) into a Raft vector. */
export function raftVectorFromItf(trace: ItfTrace, source: VectorSource): RaftVector {
  const nodes = nodesOf(trace);
  const steps = messageVectorSteps(trace, source, { messages: messagesOf, state: (vars, where) => raftStateFromSpec(vars, nodes, where), input: raftInput });
  return { format: VECTOR_FORMAT, protocol: "raft", source, nodes, initial: raftStateFromSpec(trace.states[0]!.vars, nodes, `${source.spec} state 0`), steps };
}

// ---------------------------------------------------------------------------------------------------------
// Replay on the core

/** The parts of the Raft core's public API the replay uses (a mutated copy of the core can stand in). */
export type RaftCore = Pick<typeof RaftApi, "createRaft" | "step" | "role" | "term" | "vote" | "leader" | "commitIndex" | "lastIndex" | "entryAt">;

const EMPTY = new Uint8Array(0);

function concreteEntry(e: RaftEntryView, index: number): RaftApi.Entry {
  return { term: e.term, index, kind: "normal", data: e.value === 0 ? EMPTY : Uint8Array.of(e.value) };
}

/** The inverse of the abstraction for messages: the core message a spec message stands for. */
export function concreteRaftMessage(m: RaftMessageView): RaftApi.Message {
  switch (m.type) {
    case "vote":
      return { type: "vote", from: m.from, to: m.to, term: m.term, lastIndex: m.lastIndex, lastTerm: m.lastTerm, transfer: false };
    case "vote-response":
      return { type: "vote-response", from: m.from, to: m.to, term: m.term, reject: !m.granted };
    case "append":
      return { type: "append", from: m.from, to: m.to, term: m.term, prevIndex: m.prevIndex, prevTerm: m.prevTerm, commit: m.commit, entries: m.entries.map((e, i) => concreteEntry(e, m.prevIndex + 1 + i)) };
    case "append-response":
      return { type: "append-response", from: m.from, to: m.to, term: m.term, reject: !m.success, index: m.index, hintIndex: 0, hintTerm: 0 };
  }
}

/** The abstraction of a core message, or undefined for kinds the spec does not model (heartbeats, snapshots). */
export function abstractRaftMessage(m: RaftApi.Message): RaftMessageView | undefined {
  switch (m.type) {
    case "vote":
      return { type: "vote", from: m.from, to: m.to, term: m.term, lastIndex: m.lastIndex, lastTerm: m.lastTerm };
    case "vote-response":
      return { type: "vote-response", from: m.from, to: m.to, term: m.term, granted: !m.reject };
    case "append":
      return { type: "append", from: m.from, to: m.to, term: m.term, prevIndex: m.prevIndex, prevTerm: m.prevTerm, commit: m.commit, entries: m.entries.map(abstractEntry) };
    case "append-response":
      return { type: "append-response", from: m.from, to: m.to, term: m.term, success: !m.reject, index: m.index };
    default:
      return undefined;
  }
}

function abstractEntry(e: RaftApi.Entry): RaftEntryView {
  return { term: e.term, value: e.data.byteLength === 0 ? 0 : e.data[0]! };
}

/** The abstraction function: a core node's state as the spec sees it. */
export function abstractRaftNode(core: RaftCore, s: RaftApi.RaftState): RaftNodeView {
  const log: RaftEntryView[] = [];
  const last = core.lastIndex(s);
  for (let n = 1; n <= last; n++) {
    const e = core.entryAt(s, n);
    log.push(e === undefined ? { term: -1, value: -1 } : abstractEntry(e));
  }
  return { role: core.role(s), term: core.term(s), vote: core.vote(s), leader: core.leader(s), log, commit: core.commitIndex(s) };
}

interface Node {
  state: RaftApi.RaftState;
  hardState: RaftApi.HardState;
  entries: RaftApi.Entry[];
}

/** How many ticks a timeout may take before the replay reports that the node never campaigned. */
const MAX_TICKS = 1000;

/** Replays a vector on a 3-node (or whatever the vector names) cluster of the core; returns the first step's
 * mismatches (later steps would only repeat the divergence), or [] when every step conforms. */
export function replayRaftVector(v: RaftVector, core: RaftCore = realRaft): Mismatch[] {
  const trace = traceName(v.source);
  const config = (id: number): RaftApi.RaftConfig => ({ id, voters: [...v.nodes], electionTick: 10, heartbeatTick: 1, seed: id });
  const nodes = new Map<number, Node>();
  for (const id of v.nodes) nodes.set(id, { state: core.createRaft(config(id)), hardState: { term: 0, vote: 0, commit: 0 }, entries: [] });

  /** Feeds one input, performs persist at once, answers persisted/applied, and returns the messages sent. */
  const drive = (n: Node, input: RaftApi.Input, sent: RaftApi.Message[]): void => {
    const queue: RaftApi.Input[] = [input];
    while (queue.length > 0) {
      const r = core.step(n.state, queue.shift()!);
      n.state = r.state;
      for (const o of r.outputs) {
        if (o.type === "persist") {
          if (o.truncateFrom !== undefined) n.entries.length = Math.max(0, o.truncateFrom - 1);
          if (o.entries !== undefined) for (const e of o.entries) { n.entries.length = e.index - 1; n.entries.push(e); }
          if (o.hardState !== undefined) n.hardState = o.hardState;
          const last = n.entries.length;
          queue.push({ type: "persisted", index: last, term: last === 0 ? 0 : n.entries[last - 1]!.term });
        } else if (o.type === "send") sent.push(o.message);
        else if (o.type === "apply" && o.entries.length > 0) queue.push({ type: "applied", index: o.entries[o.entries.length - 1]!.index });
      }
    }
  };

  const check = (step: number, action: string, expected: Record<string, RaftNodeView>, out: Mismatch[]): void => {
    for (const id of v.nodes) {
      const want = expected[String(id)];
      if (want === undefined) continue;
      compareFields(want as unknown as Record<string, unknown>, abstractRaftNode(core, nodes.get(id)!.state) as unknown as Record<string, unknown>, `node ${id} `, { trace, step, action }, out);
    }
  };

  const initial: Mismatch[] = [];
  check(0, "init", v.initial, initial);
  if (initial.length > 0) return initial;

  for (const s of v.steps) {
    const out: Mismatch[] = [];
    const at = { trace, step: s.step, action: s.action };
    const sent: RaftApi.Message[] = [];
    const inp = s.input;
    switch (inp.type) {
      case "timeout": {
        const n = nodes.get(inp.node)!;
        const term0 = core.term(n.state);
        let ticks = 0;
        while (core.term(n.state) === term0 && ticks++ < MAX_TICKS) drive(n, { type: "tick" }, sent);
        if (core.term(n.state) === term0) out.push({ ...at, variable: `node ${inp.node} term (no campaign after ${MAX_TICKS} ticks)`, expected: term0 + 1, actual: term0 });
        break;
      }
      case "propose":
        drive(nodes.get(inp.node)!, { type: "propose", data: Uint8Array.of(inp.value) }, sent);
        break;
      case "deliver":
        drive(nodes.get(inp.node)!, { type: "message", message: concreteRaftMessage(inp.message) }, sent);
        break;
      case "restart": {
        const n = nodes.get(inp.node)!;
        n.state = core.createRaft(config(inp.node), { hardState: n.hardState, entries: [...n.entries] });
        break;
      }
      case "send-append":
      case "drop":
        break; // The network's business (and the leader's schedule): no node input.
    }
    check(s.step, s.action, s.state, out);
    // Messages: every compared message the spec sent must be sent by the core; every compared message the core
    // sent must be one the spec sent or still has in flight (the spec's network is a set).
    const coreSent = sent.map(abstractRaftMessage).filter((m): m is RaftMessageView => m !== undefined && RAFT_COMPARED_KINDS.has(m.type));
    const coreKeys = new Set(coreSent.map(stableJson));
    const allowed = new Set([...s.outputs, ...(s.inFlight ?? [])].map(stableJson));
    for (const m of s.outputs) {
      if (RAFT_COMPARED_KINDS.has(m.type) && !coreKeys.has(stableJson(m))) {
        out.push({ ...at, variable: `sent ${m.type} ${m.from}→${m.to}`, expected: m, actual: coreSent.filter((c) => c.type === m.type && c.to === m.to) });
      }
    }
    for (const m of coreSent) {
      if (!allowed.has(stableJson(m))) out.push({ ...at, variable: `sent ${m.type} ${m.from}→${m.to} (not in the spec)`, expected: null, actual: m });
    }
    if (out.length > 0) return out;
  }
  return [];
}
