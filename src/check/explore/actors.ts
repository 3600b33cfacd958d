/**
 * An actor system over the one core contract (`Core` of src/core/contract.ts): each node is an instance of a
 * core, messages travel over a network whose semantics is a parameter, durable writes go to a per-node disk,
 * and the explorer chooses every delivery, loss, timeout, crash, restart, storage completion and client input.
 * The network semantics and the no-op rule follow Stateright's actor model (src/actor/model.rs): a delivery
 * that changes neither the node's fingerprint nor produces an output is not a transition, and the message
 * stays in flight (except on an ordered network, where it is consumed).
 * @module
 */
import type { Core, Typed } from "../../core/contract.js";
import { Hasher } from "../../core/fingerprint.js";
import type { Goal, Invariant, Model, StepInvariant } from "./model.js";
import { Network, type Envelope, type NetworkKind } from "./network.js";

/** What one output of a core asks the environment to do. */
export type Effect<M, W, I = never> =
  | { readonly kind: "send"; readonly to: number; readonly msg: M }
  | { readonly kind: "write"; readonly write: W }
  /** Feed `input` back to the same node once this step's outputs are performed (e.g. "applied"). */
  | { readonly kind: "input"; readonly input: I }
  | { readonly kind: "none" };

/** Durable storage of a node: writes are applied to its disk; a restart rebuilds the node from the disk. */
export interface Storage<C, S, I, W, D> {
  /** The disk of a node that never wrote. */
  readonly empty: D;
  /** The disk after `write` (the old disk is left unchanged), and the input acknowledging it, if any. */
  apply(disk: D, write: W): { readonly disk: D; readonly ack?: I };
  /** The node rebuilt from its durable disk after a crash. */
  restart(config: C, disk: D): S;
  hash(h: Hasher, disk: D): void;
  /**
   * "sync" (default): a write is durable as soon as it is issued. "async": writes complete later, in order, as
   * an explorer choice; a send waits for the write before it in the same step ("contract") or for every write
   * still in flight ("strict"); "overtake" is strict except for the messages the system's `overtakes` names,
   * which leave at once (the simulator's `--send-order strict`: a leader's appends go out while its own write
   * is in flight, §10.2.1). "async-raced" is the contract order restricted to the writes a race can matter
   * for: a write stays in flight (completed later by choice) only when a send of its step left before it, or
   * when an earlier write of the node is still in flight; any other write is durable at once, as under
   * "sync". Every path is one the contract order allows (a disk that completes those writes at once), with
   * fewer steps and choices: a search strategy for deep durability bugs.
   */
  readonly mode?: StorageMode;
}

/** When a node's durable writes complete (see {@link Storage.mode}). */
export const STORAGE_MODES = ["sync", "async-contract", "async-strict", "async-overtake", "async-raced"] as const;
/** One of {@link STORAGE_MODES}. */
export type StorageMode = (typeof STORAGE_MODES)[number];

/** Auxiliary state (Stateright's "history"): updated when messages are sent and delivered, hashed with the state. */
export interface History<M, H> {
  readonly init: H;
  onSend?(history: H, env: Envelope<M>): H | undefined;
  onDeliver?(history: H, env: Envelope<M>): H | undefined;
  hash(h: Hasher, history: H): void;
}

/** A pending durable write and the sends that wait for it. */
export interface PendingWrite<M, W> {
  readonly write: W;
  readonly held: readonly Envelope<M>[];
}

/** The state of the whole system. Node `i` has id `ids[i]`; a crashed node's state is undefined. */
export interface SystemState<S, M, W, D, H> {
  readonly nodes: readonly (S | undefined)[];
  /** Cached `core.fingerprint` of each node (0n when down). */
  readonly nodeFps: readonly bigint[];
  readonly disks: readonly D[];
  readonly writes: readonly (readonly PendingWrite<M, W>[])[];
  readonly net: Network<M>;
  /** Crashes so far on this path (bounded by `maxCrashes`). */
  readonly crashes: number;
  /** Bit i set: node i is cut off from every other node for the rest of the path (see `maxPartitions`). */
  readonly isolated: number;
  readonly history: H;
}

/** A choice of the explorer. `node` is an index into `ids`. */
export type SystemAction<M, I> =
  | { readonly type: "deliver"; readonly env: Envelope<M> }
  | { readonly type: "drop"; readonly env: Envelope<M> }
  | { readonly type: "timeout"; readonly node: number; readonly timer: string }
  | { readonly type: "input"; readonly node: number; readonly input: I }
  | { readonly type: "disk"; readonly node: number }
  | { readonly type: "crash"; readonly node: number }
  | { readonly type: "restart"; readonly node: number }
  | { readonly type: "isolate"; readonly node: number }
  | { readonly type: "tick" };

/** Everything the explorer needs to drive a core as an actor system. */
export interface ActorSystem<C, S, I extends Typed, O extends Typed, M, W = never, D = undefined, H = undefined> {
  readonly name: string;
  readonly core: Core<C, S, I, O>;
  /** The node ids, and each node's config (same order). */
  readonly ids: readonly number[];
  readonly configs: readonly C[];
  /** The input delivering `msg` from node `from`. */
  deliver(from: number, msg: M): I;
  /** What `output` asks of the environment. */
  effect(output: O): Effect<M, W, I>;
  hashMessage(h: Hasher, msg: M): void;
  /** An input stepped right after creation and after every restart (e.g. a client's first request). */
  boot?(index: number): I | undefined;
  /** The timers a node has armed; firing one steps `{ type: "timeout", timer }`. */
  timers?(state: S): readonly string[];
  /** External inputs (client requests) the explorer may inject at node `index` now. */
  external?(system: SystemState<S, M, W, D, H>, index: number): readonly I[];
  /** The timeout input for `timer` (default `{ type: "timeout", timer }`). */
  timeout?(timer: string): I;
  readonly storage?: Storage<C, S, I, W, D>;
  readonly history?: History<M, H>;
  /**
   * A global clock tick (zero clock drift): when set, a `tick` action steps every live node with this input at
   * once. For protocols whose safety assumes bounded drift (Raft's lease reads), which per-node timers break.
   */
  readonly tick?: I;
  /** Records an input the explorer gives node `index` (before it steps) in the history; undefined: unchanged. */
  onInput?(system: SystemState<S, M, W, D, H>, index: number, input: I): H | undefined;
  /** Records an output of node `index` in the history (a client's reply, …); undefined: unchanged. */
  onOutput?(history: H, index: number, output: O): H | undefined;
  /** Network semantics (default "unordered": unordered, non-duplicating). */
  readonly network?: NetworkKind;
  /**
   * A delivery that changes nothing: "keep" (Stateright's rule, the default) leaves the message in flight, so
   * it is not a transition; "consume" removes it, as a real node does with a message it ignores (this keeps
   * stale messages from filling a `max-in-flight` bound).
   */
  readonly noOpDelivery?: "keep" | "consume";
  /** Whether the explorer may lose messages. */
  readonly lossy?: boolean;
  /** Crashes allowed on one path (default 0). */
  readonly maxCrashes?: number;
  /**
   * Partitions allowed on one path (default 0). An `isolate` action cuts a node off from every other node
   * for the rest of the path: the messages in flight to or from it are lost, and so is every message it
   * sends or is sent later. Each path is one a lossy network allows (these messages dropped), reached in
   * fewer steps than by dropping them one by one.
   */
  readonly maxPartitions?: number;
  /** The boundary of the state space. */
  within?(system: SystemState<S, M, W, D, H>): boolean;
  /** Symmetry: the fingerprint of a canonical representative under permutations of interchangeable nodes. */
  representative?(system: SystemState<S, M, W, D, H>): bigint;
  readonly invariants?: readonly Invariant<SystemState<S, M, W, D, H>>[];
  readonly stepInvariants?: readonly StepInvariant<SystemState<S, M, W, D, H>, SystemAction<M, I>>[];
  readonly goals?: readonly Goal<SystemState<S, M, W, D, H>>[];
  /** JSON-friendly form of a message (default: the message itself). */
  describeMessage?(msg: M): unknown;
  /** Under storage mode "async-overtake": a message that may leave while its node's writes are in flight. */
  overtakes?(msg: M): boolean;
}

type Sys<S, M, W, D, H> = SystemState<S, M, W, D, H>;

/** Builds the explorer's {@link Model} of an actor system. */
export function actorModel<C, S, I extends Typed, O extends Typed, M, W, D, H>(
  spec: ActorSystem<C, S, I, O, M, W, D, H>,
): Model<Sys<S, M, W, D, H>, SystemAction<M, I>> {
  const n = spec.ids.length;
  const { core } = spec;
  const indexOf = new Map(spec.ids.map((id, i) => [id, i]));
  const kind: NetworkKind = spec.network ?? "unordered";
  const mode = spec.storage?.mode ?? "sync";
  const maxCrashes = spec.maxCrashes ?? 0;
  const maxPartitions = spec.maxPartitions ?? 0;
  const timeoutInput = spec.timeout ?? ((timer: string) => ({ type: "timeout", timer }) as unknown as I);
  const hashEnvelope = (src: number, dst: number, msg: M): bigint => {
    const h = new Hasher().int(src).int(dst);
    spec.hashMessage(h, msg);
    return h.digest();
  };

  /** A mutable copy of a system state, being built by one transition. */
  interface Draft {
    nodes: (S | undefined)[];
    nodeFps: bigint[];
    disks: D[];
    writes: PendingWrite<M, W>[][];
    net: Network<M>;
    crashes: number;
    isolated: number;
    history: H;
  }
  const draft = (s: Sys<S, M, W, D, H>): Draft => ({
    nodes: s.nodes.slice(),
    nodeFps: s.nodeFps.slice(),
    disks: s.disks.slice(),
    writes: s.writes.slice() as PendingWrite<M, W>[][],
    net: s.net.copy(),
    crashes: s.crashes,
    isolated: s.isolated,
    history: s.history,
  });

  const send = (d: Draft, env: Envelope<M>): void => {
    if (spec.history?.onSend !== undefined) d.history = spec.history.onSend(d.history, env) ?? d.history;
    if (d.isolated !== 0 && (isolatedId(d.isolated, env.src) || isolatedId(d.isolated, env.dst))) return; // lost
    d.net.send(env);
  };
  const isolatedId = (mask: number, id: number): boolean => {
    const i = indexOf.get(id);
    return i !== undefined && (mask & (1 << i)) !== 0;
  };

  /** Performs `outputs` of node `i` (already stepped), then the inputs they cause (storage acknowledgements, …). */
  const perform = (d: Draft, i: number, outputs: readonly O[]): void => {
    const followUps: I[] = [];
    // Writes issued by this step, for the contract order; under strict order, any write in flight.
    let heldBy: PendingWrite<M, W>[] | undefined;
    // Under "async-raced": whether a send of this step has left (a write after it races it).
    let sent = false;
    for (const o of outputs) {
      if (spec.onOutput !== undefined) d.history = spec.onOutput(d.history, i, o) ?? d.history;
      const e = spec.effect(o);
      if (e.kind === "send") {
        const env: Envelope<M> = { src: spec.ids[i]!, dst: e.to, msg: e.msg, h: hashEnvelope(spec.ids[i]!, e.to, e.msg) };
        const queue = d.writes[i]!;
        const waitFor = mode === "async-overtake" ? (spec.overtakes?.(e.msg) === true ? undefined : queue) : mode === "async-strict" ? queue : heldBy;
        if (waitFor !== undefined && waitFor.length > 0) {
          const last = waitFor[waitFor.length - 1]!;
          const updated = { write: last.write, held: [...last.held, env] };
          const q = queue.slice();
          q[q.indexOf(last)] = updated;
          d.writes[i] = q;
          if (heldBy !== undefined) heldBy[heldBy.length - 1] = updated;
        } else {
          send(d, env);
          sent = true;
        }
      } else if (e.kind === "write") {
        const storage = spec.storage!;
        if (mode === "sync" || (mode === "async-raced" && !sent && d.writes[i]!.length === 0)) {
          const r = storage.apply(d.disks[i]!, e.write);
          d.disks[i] = r.disk;
          if (r.ack !== undefined) followUps.push(r.ack);
        } else {
          const w: PendingWrite<M, W> = { write: e.write, held: [] };
          d.writes[i] = [...d.writes[i]!, w];
          (heldBy ??= []).push(w);
        }
      } else if (e.kind === "input") {
        followUps.push(e.input);
      }
    }
    for (const input of followUps) stepNode(d, i, input);
  };

  /**
   * Steps node `i` with `input` (on a clone) and performs its outputs; false when it was a no-op (and
   * `noOpCheck`). `accepted` runs between the step and its outputs (Stateright records the delivered message
   * in the history before the sends it causes).
   */
  const stepNode = (d: Draft, i: number, input: I, noOpCheck = false, accepted?: () => void): boolean => {
    const before = d.nodes[i]!;
    const r = core.step(core.clone(before), input);
    const fp = core.fingerprint(r.state);
    if (noOpCheck && r.outputs.length === 0 && fp === d.nodeFps[i]) return false;
    d.nodes[i] = r.state;
    d.nodeFps[i] = fp;
    accepted?.();
    perform(d, i, r.outputs);
    return true;
  };

  const start = (d: Draft, i: number, state: S): void => {
    d.nodes[i] = state;
    d.nodeFps[i] = core.fingerprint(state);
    const boot = spec.boot?.(i);
    if (boot !== undefined) stepNode(d, i, boot);
  };

  const freeze = (d: Draft): Sys<S, M, W, D, H> => d;

  const fingerprint = (s: Sys<S, M, W, D, H>): bigint => {
    const h = new Hasher();
    for (let i = 0; i < n; i++) {
      const fp = s.nodeFps[i]!;
      h.int(Number(fp >> 32n)).int(Number(fp & 0xffffffffn));
      if (spec.storage !== undefined) spec.storage.hash(h, s.disks[i]!);
      const q = s.writes[i]!;
      h.int(q.length);
      for (const w of q) {
        h.int(w.held.length);
        for (const env of w.held) h.int(Number(env.h >> 32n)).int(Number(env.h & 0xffffffffn));
      }
    }
    const net = s.net.digest();
    h.int(Number(net >> 32n)).int(Number(net & 0xffffffffn)).int(s.crashes);
    if (maxPartitions > 0) h.int(s.isolated);
    if (spec.history !== undefined) spec.history.hash(h, s.history);
    return h.digest();
  };

  return {
    name: spec.name,
    init() {
      const d: Draft = {
        nodes: new Array<S | undefined>(n).fill(undefined),
        nodeFps: new Array<bigint>(n).fill(0n),
        disks: new Array<D>(n).fill(spec.storage?.empty as D),
        writes: Array.from({ length: n }, () => []),
        net: new Network<M>(kind),
        crashes: 0,
        isolated: 0,
        history: spec.history?.init as H,
      };
      for (let i = 0; i < n; i++) start(d, i, core.create(spec.configs[i]!));
      return [freeze(d)];
    },
    actions(s, out) {
      for (const env of s.net.deliverable()) {
        if (spec.lossy === true) out.push({ type: "drop", env });
        const i = indexOf.get(env.dst);
        if (i !== undefined && s.nodes[i] !== undefined) out.push({ type: "deliver", env });
      }
      for (let i = 0; i < n; i++) {
        const node = s.nodes[i];
        if (node === undefined) continue;
        for (const timer of spec.timers?.(node) ?? []) out.push({ type: "timeout", node: i, timer });
        for (const input of spec.external?.(s, i) ?? []) out.push({ type: "input", node: i, input });
        if (s.writes[i]!.length > 0) out.push({ type: "disk", node: i });
      }
      if (spec.tick !== undefined) out.push({ type: "tick" });
      if (s.crashes < maxCrashes) for (let i = 0; i < n; i++) if (s.nodes[i] !== undefined) out.push({ type: "crash", node: i });
      for (let i = 0; i < n; i++) if (s.nodes[i] === undefined) out.push({ type: "restart", node: i });
      if (popcount(s.isolated) < maxPartitions) for (let i = 0; i < n; i++) if ((s.isolated & (1 << i)) === 0) out.push({ type: "isolate", node: i });
    },
    next(s, a) {
      const d = draft(s);
      switch (a.type) {
        case "deliver": {
          const i = indexOf.get(a.env.dst)!;
          const input = spec.deliver(a.env.src, a.env.msg);
          const accepted = (): void => {
            d.net.deliver(a.env);
            if (spec.history?.onDeliver !== undefined) d.history = spec.history.onDeliver(d.history, a.env) ?? d.history;
          };
          if (stepNode(d, i, input, kind !== "ordered", accepted)) return freeze(d);
          if (spec.noOpDelivery !== "consume") return undefined;
          d.net.deliver(a.env);
          return freeze(d);
        }
        case "drop":
          d.net.drop(a.env);
          return freeze(d);
        case "timeout":
          stepNode(d, a.node, timeoutInput(a.timer));
          return freeze(d);
        case "input":
          if (spec.onInput !== undefined) d.history = spec.onInput(d, a.node, a.input) ?? d.history;
          if (!stepNode(d, a.node, a.input, true)) return undefined;
          return freeze(d);
        case "disk": {
          const [first, ...rest] = d.writes[a.node]!;
          d.writes[a.node] = rest;
          const r = spec.storage!.apply(d.disks[a.node]!, first!.write);
          d.disks[a.node] = r.disk;
          for (const env of first!.held) send(d, env);
          if (r.ack !== undefined) stepNode(d, a.node, r.ack);
          return freeze(d);
        }
        case "crash":
          d.nodes[a.node] = undefined;
          d.nodeFps[a.node] = 0n;
          d.writes[a.node] = [];
          d.crashes++;
          return freeze(d);
        case "isolate": {
          d.isolated |= 1 << a.node;
          const id = spec.ids[a.node]!;
          d.net.loseWhere((env) => env.src === id || env.dst === id);
          return freeze(d);
        }
        case "tick":
          for (let i = 0; i < n; i++) if (d.nodes[i] !== undefined) stepNode(d, i, spec.tick!);
          return freeze(d);
        case "restart": {
          const state = spec.storage === undefined ? core.create(spec.configs[a.node]!) : spec.storage.restart(spec.configs[a.node]!, d.disks[a.node]!);
          start(d, a.node, state);
          return freeze(d);
        }
      }
    },
    fingerprint,
    ...(spec.representative === undefined ? {} : { representative: spec.representative }),
    ...(spec.within === undefined ? {} : { within: spec.within }),
    describe(a) {
      const msg = (env: Envelope<M>) => ({ from: env.src, to: env.dst, msg: spec.describeMessage?.(env.msg) ?? env.msg });
      switch (a.type) {
        case "deliver":
        case "drop":
          return { type: a.type, ...msg(a.env) };
        case "timeout":
          return { type: a.type, node: spec.ids[a.node], timer: a.timer };
        case "input":
          return { type: a.type, node: spec.ids[a.node], input: a.input };
        case "tick":
          return { type: a.type };
        default:
          return { type: a.type, node: spec.ids[a.node] };
      }
    },
    invariants: spec.invariants ?? [],
    stepInvariants: spec.stepInvariants ?? [],
    goals: spec.goals ?? [],
  };
}

function popcount(mask: number): number {
  let c = 0;
  for (let m = mask; m !== 0; m &= m - 1) c++;
  return c;
}
