/**
 * Single-decree Paxos as Stateright's examples/paxos.rs models it (each client request starts a new ballot at
 * the server it reaches; self-sends are simulated). With 3 servers and 2 clients on an unordered
 * non-duplicating network Stateright counts 16,668 unique states.
 * @module
 */
import type { Hasher } from "../../../core/fingerprint.js";
import { majority, type RegisterMsg, type ServerProtocol, type ServerStep } from "./register.js";

/** (round, server id), ordered lexicographically. */
export type Ballot = readonly [round: number, id: number];
/** (request id, requester id, value). */
export type Proposal = readonly [req: number, requester: number, value: string];
type Accepted = readonly [Ballot, Proposal] | undefined;

/** Paxos messages between servers. */
export type PaxosMsg =
  | { readonly type: "prepare"; readonly ballot: Ballot }
  | { readonly type: "prepared"; readonly ballot: Ballot; readonly lastAccepted: Accepted }
  | { readonly type: "accept"; readonly ballot: Ballot; readonly proposal: Proposal }
  | { readonly type: "accepted"; readonly ballot: Ballot }
  | { readonly type: "decided"; readonly ballot: Ballot; readonly proposal: Proposal };

/** A Paxos server's state (immutable). */
export interface PaxosState {
  readonly ballot: Ballot;
  readonly proposal: Proposal | undefined;
  readonly prepares: ReadonlyMap<number, Accepted>;
  readonly accepts: ReadonlySet<number>;
  readonly accepted: Accepted;
  readonly decided: boolean;
}

const cmpBallot = (a: Ballot, b: Ballot): number => a[0] - b[0] || a[1] - b[1];
const cmpProposal = (a: Proposal, b: Proposal): number => a[0] - b[0] || a[1] - b[1] || (a[2] < b[2] ? -1 : a[2] > b[2] ? 1 : 0);
/** Rust's order on Option<(Ballot, Proposal)>: None first. */
const cmpAccepted = (a: Accepted, b: Accepted): number =>
  a === undefined ? (b === undefined ? 0 : -1) : b === undefined ? 1 : cmpBallot(a[0], b[0]) || cmpProposal(a[1], b[1]);

type Sends = [number, RegisterMsg<PaxosMsg>][];
const broadcast = (peers: readonly number[], msg: PaxosMsg): Sends => peers.map((p) => [p, { type: "internal", msg }]);

function hashBallot(h: Hasher, b: Ballot): void {
  h.int(b[0]).int(b[1]);
}
function hashProposal(h: Hasher, p: Proposal | undefined): void {
  if (p === undefined) h.int(0);
  else h.int(1).int(p[0]).int(p[1]).str(p[2]);
}
function hashAccepted(h: Hasher, a: Accepted): void {
  if (a === undefined) h.int(0);
  else {
    hashBallot(h.int(1), a[0]);
    hashProposal(h, a[1]);
  }
}

/** The Paxos server protocol. */
export const paxosServer: ServerProtocol<PaxosState, PaxosMsg> = {
  name: "paxos",
  start: () => ({ ballot: [0, 0], proposal: undefined, prepares: new Map(), accepts: new Set(), accepted: undefined, decided: false }),
  onMsg(id, peers, s, src, msg): ServerStep<PaxosState, PaxosMsg> {
    const quorum = majority(peers.length + 1);
    if (s.decided) {
      if (msg.type !== "get") return { sends: [] };
      return { sends: [[src, { type: "get-ok", req: msg.req, value: s.accepted![1][2] }]] };
    }
    if (msg.type === "put" && s.proposal === undefined) {
      const ballot: Ballot = [s.ballot[0] + 1, id];
      return {
        state: { ...s, proposal: [msg.req, src, msg.value], prepares: new Map([[id, s.accepted]]), accepts: new Set(), ballot },
        sends: broadcast(peers, { type: "prepare", ballot }),
      };
    }
    if (msg.type !== "internal") return { sends: [] };
    const m = msg.msg;
    switch (m.type) {
      case "prepare":
        if (cmpBallot(s.ballot, m.ballot) >= 0) return { sends: [] };
        return { state: { ...s, ballot: m.ballot }, sends: [[src, { type: "internal", msg: { type: "prepared", ballot: m.ballot, lastAccepted: s.accepted } }]] };
      case "prepared": {
        if (cmpBallot(m.ballot, s.ballot) !== 0) return { sends: [] };
        const prepares = new Map(s.prepares).set(src, m.lastAccepted);
        if (prepares.size !== quorum) return { state: { ...s, prepares }, sends: [] };
        let best: Accepted = undefined;
        for (const a of prepares.values()) if (cmpAccepted(a, best) > 0) best = a;
        const proposal = best === undefined ? s.proposal! : best[1];
        return {
          state: { ...s, prepares, proposal, accepted: [m.ballot, proposal], accepts: new Set([...s.accepts, id]) },
          sends: broadcast(peers, { type: "accept", ballot: m.ballot, proposal }),
        };
      }
      case "accept":
        if (cmpBallot(s.ballot, m.ballot) > 0) return { sends: [] };
        return { state: { ...s, ballot: m.ballot, accepted: [m.ballot, m.proposal] }, sends: [[src, { type: "internal", msg: { type: "accepted", ballot: m.ballot } }]] };
      case "accepted": {
        if (cmpBallot(m.ballot, s.ballot) !== 0) return { sends: [] };
        const accepts = new Set(s.accepts).add(src);
        if (accepts.size !== quorum) return { state: { ...s, accepts }, sends: [] };
        const proposal = s.proposal!;
        return {
          state: { ...s, accepts, decided: true },
          sends: [...broadcast(peers, { type: "decided", ballot: m.ballot, proposal }), [proposal[1], { type: "put-ok", req: proposal[0] }]],
        };
      }
      case "decided":
        return { state: { ...s, ballot: m.ballot, accepted: [m.ballot, m.proposal], decided: true }, sends: [] };
    }
  },
  hash(h, s) {
    hashBallot(h, s.ballot);
    hashProposal(h, s.proposal);
    const ids = [...s.prepares.keys()].sort((a, b) => a - b);
    h.int(ids.length);
    for (const i of ids) hashAccepted(h.int(i), s.prepares.get(i));
    const acc = [...s.accepts].sort((a, b) => a - b);
    h.int(acc.length);
    for (const i of acc) h.int(i);
    hashAccepted(h, s.accepted);
    h.bool(s.decided);
  },
  hashInternal(h, m) {
    switch (m.type) {
      case "prepare":
        hashBallot(h.int(1), m.ballot);
        break;
      case "prepared":
        hashBallot(h.int(2), m.ballot);
        hashAccepted(h, m.lastAccepted);
        break;
      case "accept":
        hashBallot(h.int(3), m.ballot);
        hashProposal(h, m.proposal);
        break;
      case "accepted":
        hashBallot(h.int(4), m.ballot);
        break;
      case "decided":
        hashBallot(h.int(5), m.ballot);
        hashProposal(h, m.proposal);
    }
  },
};
