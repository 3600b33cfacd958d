/**
 * The linearizable register of Stateright's examples/linearizable-register.rs: Attiya, Bar-Noy and Dolev's
 * algorithm ("ABD"), a quorum query phase then a quorum record phase for both reads and writes. With 2 servers
 * and 2 clients Stateright counts 544 unique states.
 * @module
 */
import type { Hasher } from "../../../core/fingerprint.js";
import { majority, type RegisterMsg, type ServerProtocol } from "./register.js";

/** (logical clock, server id), ordered lexicographically. */
export type Seq = readonly [clock: number, id: number];

/** ABD messages between servers. */
export type AbdMsg =
  | { readonly type: "query"; readonly req: number }
  | { readonly type: "ack-query"; readonly req: number; readonly seq: Seq; readonly value: string }
  | { readonly type: "record"; readonly req: number; readonly seq: Seq; readonly value: string }
  | { readonly type: "ack-record"; readonly req: number };

/** The request a server coordinates. */
export type AbdPhase =
  | { readonly phase: 1; readonly req: number; readonly requester: number; readonly write: string | undefined; readonly responses: ReadonlyMap<number, readonly [Seq, string]> }
  | { readonly phase: 2; readonly req: number; readonly requester: number; readonly read: string | undefined; readonly acks: ReadonlySet<number> };

/** An ABD server's state (immutable). */
export interface AbdState {
  readonly seq: Seq;
  readonly value: string;
  readonly phase: AbdPhase | undefined;
}

const cmpSeq = (a: Seq, b: Seq): number => a[0] - b[0] || a[1] - b[1];

/** The ABD server protocol. */
export const abdServer: ServerProtocol<AbdState, AbdMsg> = {
  name: "linearizable-register",
  start: (id) => ({ seq: [0, id], value: "\0", phase: undefined }),
  onMsg(id, peers, s, src, msg) {
    const quorum = majority(peers.length + 1);
    const internal = (m: AbdMsg): RegisterMsg<AbdMsg> => ({ type: "internal", msg: m });
    if ((msg.type === "put" || msg.type === "get") && s.phase === undefined) {
      const phase: AbdPhase = { phase: 1, req: msg.req, requester: src, write: msg.type === "put" ? msg.value : undefined, responses: new Map([[id, [s.seq, s.value]]]) };
      return { state: { ...s, phase }, sends: peers.map((p) => [p, internal({ type: "query", req: msg.req })] as const) };
    }
    if (msg.type !== "internal") return { sends: [] };
    const m = msg.msg;
    const p = s.phase;
    switch (m.type) {
      case "query":
        return { sends: [[src, internal({ type: "ack-query", req: m.req, seq: s.seq, value: s.value })]] };
      case "ack-query": {
        if (p?.phase !== 1 || p.req !== m.req) return { sends: [] };
        const responses = new Map(p.responses).set(src, [m.seq, m.value]);
        if (responses.size !== quorum) return { state: { ...s, phase: { ...p, responses } }, sends: [] };
        let [seq, value] = [...responses.values()].reduce((a, b) => (cmpSeq(b[0], a[0]) >= 0 ? b : a));
        let read: string | undefined;
        if (p.write !== undefined) {
          seq = [seq[0] + 1, id];
          value = p.write;
        } else {
          read = value;
        }
        const newer = cmpSeq(seq, s.seq) > 0;
        return {
          state: { seq: newer ? seq : s.seq, value: newer ? value : s.value, phase: { phase: 2, req: p.req, requester: p.requester, read, acks: new Set([id]) } },
          sends: peers.map((q) => [q, internal({ type: "record", req: p.req, seq, value })] as const),
        };
      }
      case "record": {
        const sends = [[src, internal({ type: "ack-record", req: m.req })] as const];
        return cmpSeq(m.seq, s.seq) > 0 ? { state: { ...s, seq: m.seq, value: m.value }, sends } : { sends };
      }
      case "ack-record": {
        if (p?.phase !== 2 || p.req !== m.req || p.acks.has(src)) return { sends: [] };
        const acks = new Set(p.acks).add(src);
        if (acks.size !== quorum) return { state: { ...s, phase: { ...p, acks } }, sends: [] };
        const reply: RegisterMsg<AbdMsg> = p.read !== undefined ? { type: "get-ok", req: p.req, value: p.read } : { type: "put-ok", req: p.req };
        return { state: { ...s, phase: undefined }, sends: [[p.requester, reply]] };
      }
    }
  },
  hash(h, s) {
    h.int(s.seq[0]).int(s.seq[1]).str(s.value);
    const p = s.phase;
    if (p === undefined) h.int(0);
    else if (p.phase === 1) {
      h.int(1).int(p.req).int(p.requester).str(p.write ?? "").bool(p.write === undefined);
      const ids = [...p.responses.keys()].sort((a, b) => a - b);
      h.int(ids.length);
      for (const i of ids) {
        const [seq, v] = p.responses.get(i)!;
        h.int(i).int(seq[0]).int(seq[1]).str(v);
      }
    } else {
      h.int(2).int(p.req).int(p.requester).str(p.read ?? "").bool(p.read === undefined);
      const acks = [...p.acks].sort((a, b) => a - b);
      h.int(acks.length);
      for (const i of acks) h.int(i);
    }
  },
  hashInternal(h, m) {
    h.str(m.type).int(m.req);
    if (m.type === "ack-query" || m.type === "record") h.int(m.seq[0]).int(m.seq[1]).str(m.value);
  },
};
