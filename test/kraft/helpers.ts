// Helpers for single-node KRaft tests: build nodes from a persisted log, feed inputs, pick outputs.
import { createKRaft, step } from "../../src/core/kraft/index.js";
import type { Entry, Input, KRaftConfig, KRaftState, Message, Output, PersistedState, QuorumStateRecord } from "../../src/core/kraft/index.js";

export const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A log with the given epochs, one data record per epoch value, from offset `start`. */
export function logOf(epochs: number[], start = 0): Entry[] {
  return epochs.map((epoch, i) => ({ offset: start + i, epoch, kind: "data" as const, data: enc(`e${epoch}o${start + i}`) }));
}

export function qs(epoch: number, leaderId = -1, votedId = -1): QuorumStateRecord {
  return { epoch, leaderId, votedId, votedDirectoryId: votedId >= 0 ? `dir-${votedId}` : "" };
}

export function node(id: number, voters: number[], persisted?: PersistedState, extra: Partial<KRaftConfig> = {}): KRaftState {
  return createKRaft({ id, voters, seed: id, ...extra }, persisted);
}

export interface Run {
  state: KRaftState;
  outputs: Output[];
}

export function feed(state: KRaftState, ...inputs: Input[]): Run {
  const outputs: Output[] = [];
  let s = state;
  for (const i of inputs) {
    const r = step(s, i);
    s = r.state;
    outputs.push(...r.outputs);
  }
  return { state: s, outputs };
}

export function msg(state: KRaftState, message: Message): Run {
  return feed(state, { type: "message", message });
}

export function ticks(state: KRaftState, n: number): Run {
  return feed(state, ...Array.from({ length: n }, () => ({ type: "tick" as const })));
}

export function sent(outputs: Output[], type?: Message["type"]): Message[] {
  return outputs.flatMap((o) => (o.type === "send" && (type === undefined || o.message.type === type) ? [o.message] : []));
}

export function of<T extends Output["type"]>(outputs: Output[], type: T): Extract<Output, { type: T }>[] {
  return outputs.filter((o): o is Extract<Output, { type: T }> => o.type === type);
}

/** Tick until `pred` holds; returns the run. Fails after `max` ticks. */
export function tickUntil(state: KRaftState, pred: (s: KRaftState) => boolean, max = 500): Run & { ticks: number } {
  const outputs: Output[] = [];
  let s = state;
  for (let i = 0; i < max; i++) {
    if (pred(s)) return { state: s, outputs, ticks: i };
    const r = step(s, { type: "tick" });
    s = r.state;
    outputs.push(...r.outputs);
  }
  throw new Error("tickUntil: not reached");
}
