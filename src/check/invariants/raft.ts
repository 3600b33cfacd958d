import { LogView } from "./log-view.js";
import type {
  ClientRecord,
  ClusterRecord,
  Digest,
  DurableRecord,
  LogRecord,
  NodeId,
  RaftInvariant,
  Role,
  StateRecord,
  TraceRecord,
  Violation,
} from "./types.js";

/** What the checker remembers about one node. */
class NodeTrack {
  readonly log = new LogView();
  readonly durable = new LogView();
  role: Role = "follower";
  term = 0;
  vote: NodeId | 0 = 0;
  commit = 0;
  applied = 0;
  /** True until the first state record of an incarnation (after start or restart). */
  fresh = true;
  durableTerm = 0;
  durableVote: NodeId | 0 = 0;
  durableCommit = 0;
}

/** An acknowledged client write and where it was committed. */
interface AckedWrite {
  readonly id: string | number;
  readonly index: number;
  readonly term: number;
}

/** Terms are below this bound; (index, term) pairs are packed into one number key. */
const TERM_BOUND = 1_000_000;

/**
 * Incremental checker of the Raft safety invariants (`RAFT_INVARIANTS`) over a stream of observation records.
 * Feed records in order with `observe`; each call returns the violations that record caused (usually none).
 * Work per record is proportional to the record's size, except at elections (the acknowledged writes are
 * checked against each new leader). The same checker judges the simulator's runs and users' NDJSON traces.
 */
export class RaftInvariants {
  private readonly nodes = new Map<NodeId, NodeTrack>();
  private voters: readonly NodeId[] | undefined;
  /** term → the node that led it. */
  private readonly leaders = new Map<number, NodeId>();
  /** (index, term) key → digest and previous term of that entry, as first seen in any log. */
  private readonly entries = new Map<number, { digest: Digest; prevTerm: number }>();
  /** Committed entries by index (dense from 1): term and digest as first learned. */
  private readonly committedTerms: number[] = [0];
  private readonly committedDigests: (Digest | undefined)[] = [undefined];
  /** Applied entries by index. */
  private readonly appliedTerms: number[] = [0];
  private readonly appliedDigests: (Digest | undefined)[] = [undefined];
  private readonly acked: AckedWrite[] = [];
  /** Per key: the highest index of an acknowledged write. */
  private readonly keyAcked = new Map<string, number>();
  /** Per read in progress: the key's highest acknowledged write index when it was invoked. */
  private readonly readFloor = new Map<string | number, number>();
  private readonly found: Violation[] = [];
  private step = 0;
  private now = 0;

  /** Every violation found so far, in order. */
  get violations(): readonly Violation[] {
    return this.found;
  }

  /** Declares the voters (otherwise taken from a `cluster` record, or from the nodes seen so far). */
  setVoters(nodes: readonly NodeId[]): void {
    this.voters = [...nodes];
  }

  /** Checks one record; `step` labels violations (a record or event number). Returns the new violations. */
  observe(record: TraceRecord, step: number): readonly Violation[] {
    this.step = step;
    const before = this.found.length;
    if (record.t !== undefined) this.now = record.t;
    switch (record.type) {
      case "cluster":
        this.onCluster(record);
        break;
      case "state":
        this.onState(record);
        break;
      case "log":
        this.onLog(record);
        break;
      case "durable":
        this.onDurable(record);
        break;
      case "snapshot": {
        const n = this.node(record.node);
        n.log.snapshot(record.index, record.term);
        break;
      }
      case "crash": {
        const n = this.node(record.node);
        n.log.copyFrom(n.durable);
        n.role = "down";
        n.fresh = true;
        break;
      }
      case "restart":
        this.node(record.node).fresh = true;
        break;
      case "ok":
        this.onOk(record);
        break;
      case "invoke":
        if (record.f === "read" && record.key !== undefined) this.readFloor.set(record.id, this.keyAcked.get(record.key) ?? 0);
        break;
      case "fail":
      case "info":
        this.readFloor.delete(record.id);
        break;
      default:
        break;
    }
    return before === this.found.length ? NO_VIOLATIONS : this.found.slice(before);
  }

  private node(id: NodeId): NodeTrack {
    let n = this.nodes.get(id);
    if (n === undefined) {
      n = new NodeTrack();
      this.nodes.set(id, n);
    }
    return n;
  }

  private violate(invariant: RaftInvariant, node: NodeId | undefined, detail: string): void {
    const v: Violation =
      node === undefined
        ? { invariant, step: this.step, t: this.now, detail }
        : { invariant, step: this.step, t: this.now, node, detail };
    this.found.push(v);
  }

  private onCluster(record: ClusterRecord): void {
    this.voters = [...record.nodes];
    for (const id of record.nodes) this.node(id);
  }

  private onLog(record: LogRecord): void {
    const n = this.node(record.node);
    const log = n.log;
    const oldLast = log.lastIndex();
    if (n.role === "leader") {
      // A leader may only append: anything it rewrites must be identical, and it may not shorten its log.
      const newLast = record.from + record.entries.length - 1;
      if (newLast < oldLast) {
        this.violate("leader-append-only", record.node, `leader of term ${n.term} cut its log from ${oldLast} to ${newLast}`);
      }
      const overlapEnd = Math.min(oldLast, newLast);
      for (let i = Math.max(record.from, log.base + 1); i <= overlapEnd; i++) {
        const e = record.entries[i - record.from]!;
        if (log.termAt(i) !== e[0] || log.digestAt(i) !== e[1]) {
          this.violate("leader-append-only", record.node, `leader of term ${n.term} overwrote its entry at index ${i}`);
          break;
        }
      }
    }
    log.replaceFrom(record.from, record.entries);
    // Log matching, inductively: every (index, term) has one payload and one predecessor term everywhere.
    const last = log.lastIndex();
    for (let i = Math.max(record.from, log.base + 1); i <= last; i++) {
      const term = log.termAt(i)!;
      const digest = log.digestAt(i)!;
      const prevTerm = log.termAt(i - 1) ?? -1;
      if (term >= TERM_BOUND) {
        this.violate("log-matching", record.node, `term ${term} is beyond the checker's bound ${TERM_BOUND}`);
        return;
      }
      if (prevTerm > term) {
        this.violate("log-matching", record.node, `entry ${i} has term ${term} below the previous entry's term ${prevTerm}`);
      }
      const key = i * TERM_BOUND + term;
      const seen = this.entries.get(key);
      if (seen === undefined) {
        this.entries.set(key, { digest, prevTerm });
      } else if (seen.digest !== digest) {
        this.violate("log-matching", record.node, `entry (index ${i}, term ${term}) has payload ${String(digest)}, elsewhere ${String(seen.digest)}`);
      } else if (seen.prevTerm !== prevTerm && seen.prevTerm !== -1 && prevTerm !== -1) {
        this.violate("log-matching", record.node, `entry (index ${i}, term ${term}) follows term ${prevTerm} here, term ${seen.prevTerm} elsewhere`);
      } else if (seen.prevTerm === -1 && prevTerm !== -1) {
        seen.prevTerm = prevTerm;
      }
    }
    // A node's committed prefix never changes under it.
    if (!n.fresh) {
      const end = Math.min(n.commit, log.lastIndex(), this.committedTerms.length - 1);
      for (let i = Math.max(record.from, log.base + 1); i <= end; i++) {
        if (log.termAt(i) !== this.committedTerms[i] || log.digestAt(i) !== this.committedDigests[i]) {
          this.violate("state-machine-safety", record.node, `its committed entry at index ${i} was replaced by (term ${log.termAt(i)}, ${String(log.digestAt(i))})`);
          break;
        }
      }
    }
  }

  private onDurable(record: DurableRecord): void {
    const n = this.node(record.node);
    if (record.term < n.durableTerm) {
      this.violate("single-vote", record.node, `durable term went back from ${n.durableTerm} to ${record.term}`);
    } else if (record.term === n.durableTerm && n.durableVote !== 0 && record.vote !== n.durableVote) {
      this.violate("single-vote", record.node, `durable vote in term ${record.term} changed from ${n.durableVote} to ${record.vote}`);
    }
    n.durableTerm = record.term;
    n.durableVote = record.vote;
    if (record.commit !== undefined) n.durableCommit = Math.max(n.durableCommit, record.commit);
    if (record.snapshot !== undefined) n.durable.snapshot(record.snapshot.index, record.snapshot.term);
    if (record.from !== undefined) n.durable.replaceFrom(record.from, record.entries ?? []);
  }

  private onState(record: StateRecord): void {
    const n = this.node(record.node);
    const id = record.node;
    const fresh = n.fresh;
    const wasLeader = n.role === "leader" && n.term === record.term && !fresh;

    // single-vote: a durable vote for this term is never forgotten or changed; nor is a vote within one run.
    if (record.term === n.durableTerm && n.durableVote !== 0 && record.vote !== n.durableVote) {
      this.violate("single-vote", id, `in term ${record.term} it shows vote ${record.vote} after durably voting for ${n.durableVote}`);
    } else if (!fresh && record.term === n.term && n.vote !== 0 && record.vote !== n.vote) {
      this.violate("single-vote", id, `in term ${record.term} its vote changed from ${n.vote} to ${record.vote}`);
    }

    // commit-monotonic
    if (fresh) {
      if (record.commit < n.durableCommit) {
        this.violate("commit-monotonic", id, `restarted with commit ${record.commit} below its durable commit ${n.durableCommit}`);
      }
    } else if (record.commit < n.commit) {
      this.violate("commit-monotonic", id, `commit went back from ${n.commit} to ${record.commit}`);
    }

    if (record.applied > record.commit) {
      this.violate("applied-le-commit", id, `applied ${record.applied} is past commit ${record.commit}`);
    }

    // §5.4.2: a leader commits by counting replicas only entries of its own term (older ones commit with them).
    if (!fresh && record.role === "leader" && wasLeader && record.commit > n.commit) {
      const t = n.log.termAt(record.commit);
      if (t !== undefined && t !== record.term) {
        this.violate("commit-current-term", id, `leader of term ${record.term} advanced its commit to index ${record.commit}, an entry of term ${t}`);
      }
    }

    const oldCommit = fresh ? Math.min(n.commit, record.commit) : n.commit;
    const oldApplied = fresh ? 0 : n.applied;
    n.term = record.term;
    n.vote = record.vote;
    n.role = record.role;
    n.fresh = false;
    if (record.commit > oldCommit) this.onCommit(n, id, oldCommit, record.commit);
    n.commit = record.commit;
    if (record.applied > oldApplied) this.onApplied(n, id, oldApplied, record.applied);
    n.applied = record.applied;

    if (record.role === "leader" && !wasLeader) this.onElected(n, id, record.term);
  }

  private onCommit(n: NodeTrack, id: NodeId, from: number, to: number): void {
    const log = n.log;
    if (to > log.lastIndex()) {
      this.violate("commit-durable-majority", id, `commit ${to} is past its last log index ${log.lastIndex()}`);
      return;
    }
    // Committed entries agree everywhere (checked on the entries this node holds).
    for (let i = Math.max(from + 1, log.base + 1); i <= to; i++) {
      const t = log.termAt(i)!;
      const d = log.digestAt(i);
      if (i < this.committedTerms.length) {
        if (this.committedTerms[i] !== t || this.committedDigests[i] !== d) {
          this.violate("state-machine-safety", id, `committed (index ${i}, term ${t}) but (term ${this.committedTerms[i]}) was committed there before`);
          return;
        }
      } else if (i === this.committedTerms.length) {
        this.committedTerms.push(t);
        this.committedDigests.push(d);
      }
    }
    const term = log.termAt(to);
    if (term !== undefined && to > log.base) {
      // Durable on a majority of voters: entry (to, term) in their durable logs (or under a durable snapshot).
      const voters = this.voters ?? [...this.nodes.keys()];
      let durable = 0;
      for (const v of voters) {
        const other = this.nodes.get(v);
        if (other !== undefined && other.durable.holds(to, term)) durable++;
      }
      if (durable * 2 <= voters.length) {
        this.violate("commit-durable-majority", id, `commit ${to} (term ${term}) is durable on ${durable} of ${voters.length} voters`);
      }
    }
  }

  private onApplied(n: NodeTrack, id: NodeId, from: number, to: number): void {
    const log = n.log;
    for (let i = Math.max(from + 1, log.base + 1); i <= to; i++) {
      const t = log.termAt(i);
      if (t === undefined) return;
      const d = log.digestAt(i);
      if (i < this.appliedTerms.length) {
        if (this.appliedTerms[i] !== t || this.appliedDigests[i] !== d) {
          this.violate("state-machine-safety", id, `applied (index ${i}, term ${t}, ${String(d)}) where another node applied (term ${this.appliedTerms[i]}, ${String(this.appliedDigests[i])})`);
          return;
        }
      } else if (i === this.appliedTerms.length) {
        this.appliedTerms.push(t);
        this.appliedDigests.push(d);
      }
    }
  }

  private onElected(n: NodeTrack, id: NodeId, term: number): void {
    const other = this.leaders.get(term);
    if (other !== undefined && other !== id) {
      this.violate("election-safety", id, `node ${id} became leader of term ${term}, which node ${other} led`);
    } else {
      this.leaders.set(term, id);
    }
    // Leader completeness: the highest committed entry is enough, as log matching covers what precedes it.
    const c = this.committedTerms.length - 1;
    if (c > 0) {
      const ct = this.committedTerms[c]!;
      if (ct < term && !n.log.holds(c, ct)) {
        this.violate("leader-completeness", id, `leader of term ${term} lacks committed entry (index ${c}, term ${ct})`);
      }
    }
    for (const w of this.acked) {
      if (w.term < term && !n.log.holds(w.index, w.term)) {
        this.violate("acked-write-durable", id, `leader of term ${term} lacks acknowledged write ${String(w.id)} at (index ${w.index}, term ${w.term})`);
        break;
      }
    }
  }

  private onOk(record: ClientRecord): void {
    if (record.f === "read") {
      const floor = this.readFloor.get(record.id);
      this.readFloor.delete(record.id);
      if (floor !== undefined && record.index !== undefined && record.index < floor) {
        this.violate("linearizable-read", record.node, `read ${String(record.id)} of ${record.key} returned the value written at index ${record.index}, but the write at index ${floor} was acknowledged before the read began`);
      }
      return;
    }
    if (record.index === undefined || record.term === undefined) return;
    this.acked.push({ id: record.id, index: record.index, term: record.term });
    if (record.key !== undefined && record.index > (this.keyAcked.get(record.key) ?? 0)) this.keyAcked.set(record.key, record.index);
  }
}

const NO_VIOLATIONS: readonly Violation[] = Object.freeze([]);

/** Checks a whole trace; returns every violation (empty when all invariants held). */
export function checkRaftTrace(records: Iterable<TraceRecord>): readonly Violation[] {
  const checker = new RaftInvariants();
  let step = 0;
  for (const r of records) checker.observe(r, ++step);
  return checker.violations;
}
