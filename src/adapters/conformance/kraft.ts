/**
 * KRaft quorum vectors: spec/kraft.qnt traces in the language-neutral vector form.
 *
 * Abstract node state: { role, epoch, votedId, leaderId, log: [{ epoch, value }], highWatermark } where value 0
 * is the LeaderChange control record a new leader appends and values ≥ 1 are client records; 0 stands for
 * "none" in votedId and leaderId (Kafka's -1). Messages: vote {epoch, lastEpoch, endOffset}; vote-response
 * {epoch, granted}; begin-epoch {epoch}; fetch {epoch, fetchOffset, lastFetchedEpoch}; fetch-response {epoch,
 * fetchOffset, highWatermark, and either records or divergingEpoch + divergingEndOffset}.
 *
 * The spec models KIP-595 without KIP-996's pre-vote round, which quorate's KRaft core always runs; replaying
 * these vectors on the core is therefore not part of the conformance tests yet (see spec/README.md).
 */
import { bool, int, itfGet, list, map, record, str, type ItfTrace, type ItfValue } from "./itf.js";
import { stableJson, VECTOR_FORMAT, type Vector, type VectorSource, type VectorStep } from "./vector.js";

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
  | { readonly type: "vote"; readonly from: number; readonly to: number; readonly epoch: number; readonly lastEpoch: number; readonly endOffset: number }
  | { readonly type: "vote-response"; readonly from: number; readonly to: number; readonly epoch: number; readonly granted: boolean }
  | { readonly type: "begin-epoch"; readonly from: number; readonly to: number; readonly epoch: number }
  | { readonly type: "fetch"; readonly from: number; readonly to: number; readonly epoch: number; readonly fetchOffset: number; readonly lastFetchedEpoch: number }
  | { readonly type: "fetch-response"; readonly from: number; readonly to: number; readonly epoch: number; readonly fetchOffset: number; readonly highWatermark: number; readonly records?: readonly KRaftRecordView[]; readonly divergingEpoch?: number; readonly divergingEndOffset?: number };

/** An input of a KRaft vector. */
export type KRaftVectorInput =
  | { readonly type: "timeout"; readonly node: number }
  /** The follower's fetch timer fires: it sends a Fetch to its leader. */
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
      return { type: kind, ...base, lastEpoch: int(m.lastEpoch, `${where}.lastEpoch`), endOffset: int(m.endOffset, `${where}.endOffset`) };
    case "vote-response":
      return { type: kind, ...base, granted: bool(m.granted, `${where}.granted`) };
    case "begin-epoch":
      return { type: kind, ...base };
    case "fetch":
      return { type: kind, ...base, fetchOffset: int(m.fetchOffset, `${where}.fetchOffset`), lastFetchedEpoch: int(m.lastFetchedEpoch, `${where}.lastFetchedEpoch`) };
    case "fetch-response": {
      const common = { type: kind, ...base, fetchOffset: int(m.fetchOffset, `${where}.fetchOffset`), highWatermark: int(m.hw, `${where}.hw`) } as const;
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
      votedId: int(at("votedId", n), `${w}.votedId`),
      leaderId: int(at("leaderId", n), `${w}.leaderId`),
      log: list(at("log", n), `${w}.log`).map((r, i) => recordView(r, `${w}.log[${i}]`)),
      highWatermark: int(at("hw", n), `${w}.hw`),
    };
  }
  return out;
}

function messagesOf(vars: Readonly<Record<string, ItfValue>>, where: string): KRaftMessageView[] {
  return list(vars.msgs, `${where}.msgs`).map((m, i) => kraftMessageFromSpec(m, `${where}.msgs[${i}]`));
}

/** Turns a spec trace (ITF from `quint run --mbt`) into a KRaft vector. */
export function kraftVectorFromItf(trace: ItfTrace, source: VectorSource): KRaftVector {
  const states = trace.states;
  const nodes = map(states[0]!.vars.epoch, "epoch").entries.map(([k]) => int(k, "node id")).sort((a, b) => a - b);
  const steps: VectorStep<KRaftVectorInput, KRaftMessageView, Record<string, KRaftNodeView>>[] = [];
  for (let k = 1; k < states.length; k++) {
    const prev = states[k - 1]!;
    const cur = states[k]!;
    const where = `${source.spec} state ${k}`;
    const action = cur.action ?? "";
    const p = cur.picks;
    let input: KRaftVectorInput;
    let consumed: KRaftMessageView | undefined;
    switch (action) {
      case "timeout":
      case "fetch":
      case "restart":
        input = { type: action, node: int(p.i, `${where} pick i`) };
        break;
      case "clientRequest":
        input = { type: "propose", node: int(p.i, `${where} pick i`), value: int(p.v, `${where} pick v`) };
        break;
      case "drop":
        consumed = kraftMessageFromSpec(p.m as ItfValue, `${where} pick m`);
        input = { type: "drop", message: consumed };
        break;
      case "handleVote":
      case "handleVoteResponse":
      case "handleBeginEpoch":
      case "handleFetch":
      case "handleFetchResponse":
        consumed = kraftMessageFromSpec(p.m as ItfValue, `${where} pick m`);
        input = { type: "deliver", node: consumed.to, message: consumed };
        break;
      default:
        throw new Error(`${where}: unknown action ${JSON.stringify(action)} (was the trace written with --mbt?)`);
    }
    const before = new Set(messagesOf(prev.vars, where).map(stableJson));
    if (consumed !== undefined) before.delete(stableJson(consumed));
    const inFlight = messagesOf(cur.vars, where);
    steps.push({ step: k, action, input, outputs: inFlight.filter((m) => !before.has(stableJson(m))), inFlight, state: kraftStateFromSpec(cur.vars, nodes, where) });
  }
  return { format: VECTOR_FORMAT, protocol: "kraft", source, nodes, initial: kraftStateFromSpec(states[0]!.vars, nodes, `${source.spec} state 0`), steps };
}
