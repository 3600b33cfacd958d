/**
 * The Raft safety invariants (`RAFT_INVARIANTS` of src/check/invariants) as predicates over one explored state
 * of the whole system, or over one transition, plus each node's own state invariants. The trace checker needs
 * history (who led which term, what was ever committed); here the whole system is at hand, so most of them are
 * checked on the current state, and the rest on each transition.
 * @module
 */
import type { RaftState } from "../../../core/raft/index.js";
import * as raft from "../../../core/raft/index.js";
import type { RaftInvariant } from "../../invariants/index.js";
import type { Invariant, StepInvariant } from "../model.js";
import type { SystemAction } from "../actors.js";
import type { RaftDisk } from "./raft.js";

type Named = RaftInvariant | "node-state";

/**
 * What the Raft invariants read of an explored system: each node's Raft state (undefined while down) and its
 * disk. The Raft system is one; the ZooKeeper ensemble, whose replicas each hold a Raft node, is viewed as one.
 */
export interface RaftView {
  readonly nodes: readonly (RaftState | undefined)[];
  readonly disks: readonly RaftDisk[];
}
type Sys = RaftView;

const inv = (name: Named, check: (s: Sys) => string | undefined): Invariant<Sys> => ({ name, check });

function termAt(s: RaftState, i: number): number | undefined {
  return raft.termAt(s, i);
}

/** Up nodes with their ids. */
function up(s: Sys, ids: readonly number[]): [number, RaftState][] {
  const out: [number, RaftState][] = [];
  for (let i = 0; i < ids.length; i++) {
    const n = s.nodes[i];
    if (n !== undefined) out.push([ids[i]!, n]);
  }
  return out;
}

function diskTermAt(d: RaftDisk, i: number): number | undefined {
  return i === 0 ? 0 : d.entries[i - 1]?.term;
}

/** State invariants of the Raft system. */
export function raftInvariants(ids: readonly number[]): Invariant<Sys>[] {
  const quorum = Math.floor(ids.length / 2) + 1;
  return [
    inv("election-safety", (s) => {
      const leaders = new Map<number, number>();
      for (const [id, n] of up(s, ids)) {
        if (n.role !== "leader") continue;
        const other = leaders.get(n.term);
        if (other !== undefined) return `nodes ${other} and ${id} both lead term ${n.term}`;
        leaders.set(n.term, id);
      }
      return undefined;
    }),
    inv("log-matching", (s) => {
      const nodes = up(s, ids);
      for (let a = 0; a < nodes.length; a++) {
        for (let b = a + 1; b < nodes.length; b++) {
          const [ia, na] = nodes[a]!;
          const [ib, nb] = nodes[b]!;
          const last = Math.min(raft.lastIndex(na), raft.lastIndex(nb));
          let matched = false;
          for (let i = last; i >= 1; i--) {
            const ta = termAt(na, i);
            const tb = termAt(nb, i);
            if (ta === undefined || tb === undefined) break;
            if (ta === tb) matched = true;
            else if (matched) return `nodes ${ia} and ${ib} agree on a later entry but differ at ${i} (terms ${ta} and ${tb})`;
          }
        }
      }
      return undefined;
    }),
    inv("state-machine-safety", (s) => {
      const nodes = up(s, ids);
      for (let a = 0; a < nodes.length; a++) {
        for (let b = a + 1; b < nodes.length; b++) {
          const [ia, na] = nodes[a]!;
          const [ib, nb] = nodes[b]!;
          const c = Math.min(raft.commitIndex(na), raft.commitIndex(nb));
          for (let i = 1; i <= c; i++) {
            const ta = termAt(na, i);
            const tb = termAt(nb, i);
            if (ta !== undefined && tb !== undefined && ta !== tb) return `nodes ${ia} and ${ib} committed different entries at ${i} (terms ${ta} and ${tb})`;
          }
        }
      }
      return undefined;
    }),
    inv("leader-completeness", (s) => {
      const nodes = up(s, ids);
      for (const [il, l] of nodes) {
        if (l.role !== "leader") continue;
        // A node in a term no later than the leader's learned its commit index from a leader of a term no later
        // than the leader's: every entry it knows committed must be in the leader's log.
        for (const [iN, n] of nodes) {
          if (iN === il || n.term > l.term) continue;
          for (let i = 1; i <= raft.commitIndex(n); i++) {
            const t = termAt(n, i);
            if (t !== undefined && termAt(l, i) !== t) return `leader ${il} of term ${l.term} lacks entry ${i} (term ${t}) committed at node ${iN}`;
          }
        }
      }
      return undefined;
    }),
    inv("commit-durable-majority", (s) => {
      for (const [id, n] of up(s, ids)) {
        const c = raft.commitIndex(n);
        if (c === 0) continue;
        const t = termAt(n, c);
        let durable = 0;
        for (const d of s.disks) if (diskTermAt(d, c) === t) durable++;
        if (durable < quorum) return `node ${id} commits ${c} (term ${t}) but only ${durable} node(s) hold it durably`;
      }
      return undefined;
    }),
    inv("node-state", (s) => {
      for (const [id, n] of up(s, ids)) {
        const bad = raft.checkInvariants(n);
        if (bad.length > 0) return `node ${id}: ${bad.join("; ")}`;
      }
      return undefined;
    }),
  ];
}

/** Transition invariants of the Raft system. */
export function raftStepInvariants(ids: readonly number[]): StepInvariant<Sys, SystemAction<unknown, unknown>>[] {
  const each = (name: Named, check: (id: number, before: RaftState, after: RaftState, disk: RaftDisk) => string | undefined): StepInvariant<Sys, SystemAction<unknown, unknown>> => ({
    name,
    check(b, _a, a) {
      for (let i = 0; i < ids.length; i++) {
        const nb = b.nodes[i];
        const na = a.nodes[i];
        if (nb === undefined || na === undefined || nb === na) continue;
        const bad = check(ids[i]!, nb, na, b.disks[i]!);
        if (bad !== undefined) return bad;
      }
      return undefined;
    },
  });
  return [
    each("commit-monotonic", (id, b, a) =>
      raft.commitIndex(a) < raft.commitIndex(b) ? `node ${id}'s commit index went from ${raft.commitIndex(b)} down to ${raft.commitIndex(a)}` : undefined,
    ),
    each("commit-current-term", (id, b, a) => {
      if (a.role !== "leader" || b.role !== "leader" || a.term !== b.term) return undefined;
      const c = raft.commitIndex(a);
      if (c <= raft.commitIndex(b)) return undefined;
      const t = termAt(a, c);
      return t === a.term ? undefined : `leader ${id} of term ${a.term} advanced its commit index to ${c}, an entry of term ${t}`;
    }),
    each("leader-append-only", (id, b, a) => {
      if (a.role !== "leader" || b.role !== "leader" || a.term !== b.term) return undefined;
      const last = raft.lastIndex(b);
      if (raft.lastIndex(a) < last) return `leader ${id} shortened its log from ${last} to ${raft.lastIndex(a)}`;
      for (let i = 1; i <= last; i++) if (termAt(a, i) !== termAt(b, i)) return `leader ${id} overwrote its entry ${i}`;
      return undefined;
    }),
    each("single-vote", (id, _b, a, disk) => {
      const hs = disk.hardState;
      if (hs.term === a.term && hs.vote !== 0 && a.vote !== 0 && a.vote !== hs.vote) {
        return `node ${id} voted for ${a.vote} in term ${a.term} after durably voting for ${hs.vote} in that term`;
      }
      return undefined;
    }),
  ];
}
