/**
 * The one simulator driver over the core contract (src/core/contract.ts): it turns any `Core` into the
 * simulator's `Protocol` — boots a node from its disk, steps the core with the simulator's events (a tick, a
 * message, a durable write's acknowledgement, a client request), keeps the returned state (`step` consumes its
 * input state) and performs the outputs in order. What really differs between cores is a {@link CoreAdapter}:
 * how a node boots from its disk, what a disk write does, which outputs are sends and writes, and the
 * workload — how the simulator's clients' reads and writes map onto the core's inputs and outputs.
 * @module
 */
import type { Core, StepResult, Typed } from "../../core/contract.js";
import type { NodeId } from "../../check/invariants/index.js";
import type { ClientRequest, DurableInfo, Effects, NodeView, ObservationChecker, Protocol } from "./protocol.js";

/** A simulated node: the core's state (replaced by every step's result) and the adapter's bookkeeping beside it. */
export interface DriverNode<S> {
  readonly id: NodeId;
  state: S;
}

/** A node's simulated disk: what a blank one holds, and how a write becomes durable on it. */
export interface SimDisk<D, W> {
  /** A blank disk for a node's first boot. */
  empty(): D;
  /** Makes `write` durable on `disk` (in place) and says what became durable. */
  apply(disk: D, write: W): DurableInfo;
}

/** What the driver offers an adapter's hooks: stepping a node's core and performing the outputs. */
export interface Driver<N, I, O, M, W> {
  /** Steps `node`'s core with `input`, keeps the new state, performs the outputs in order; returns them. */
  step(node: N, input: I, fx: Effects<M, W>): readonly O[];
  /** Steps `node`'s core with `input` and keeps the new state, without performing the outputs (see {@link perform}). */
  run(node: N, input: I): readonly O[];
  /** Performs `outputs` of `node` in order (the adapter's `perform` for each). */
  perform(node: N, outputs: readonly O[], fx: Effects<M, W>): void;
}

/**
 * What differs from core to core when the simulator drives it. `N` is the simulated node (the core's state
 * plus the adapter's bookkeeping), `M` a message, `W` a storage write, `D` a disk.
 */
export interface CoreAdapter<C, S, I extends Typed, O extends Typed, M, W, D, N extends DriverNode<S>> {
  /** The core: the driver steps it with `core.step` (unless {@link stepCore} is given). */
  readonly core: Core<C, S, I, O>;
  /** The system's name in traces (`raft`, `zk`, `kraft`). */
  readonly name: string;
  readonly disk: SimDisk<D, W>;
  /** Boots (or restarts, from `disk`) node `id` of `cluster`: the core's state and the adapter's bookkeeping. */
  boot(id: NodeId, cluster: readonly NodeId[], seed: number, disk: D): N;
  /** The input of a tick (one object for every tick: cores read inputs and keep no reference). */
  readonly tick: I;
  /** The input delivering `message`. */
  message(message: M): I;
  /** Steps the core when it needs more than `core.step(state, input)` (the ZooKeeper ensemble's apply hook). */
  stepCore?(node: N, input: I): StepResult<S, O>;
  /** Performs one output: sends and writes through `fx`, the rest is the adapter's bookkeeping. */
  perform(node: N, output: O, fx: Effects<M, W>, driver: Driver<N, I, O, M, W>): void;
  /** `write` is durable (the disk already holds it): feed the core its acknowledgement. */
  durable(node: N, write: W, fx: Effects<M, W>, driver: Driver<N, I, O, M, W>): void;
  /** A client's request arrives at `node`. */
  request(node: N, request: ClientRequest, fx: Effects<M, W>, driver: Driver<N, I, O, M, W>): void;
  /** Runs at a tick before the tick input (inputs that wait for a tick: queued admin requests, notices). */
  beforeTick?(node: N, fx: Effects<M, W>, driver: Driver<N, I, O, M, W>): void;
  /**
   * Runs at the end of every simulator event at `node` (`stepped`: whether the core was stepped in it): checks
   * that follow every step, continuations that must run once the event's outputs are all performed.
   */
  settle?(node: N, fx: Effects<M, W>, driver: Driver<N, I, O, M, W>, stepped: boolean): void;
  /** Fills the node's scalar state as the simulator and the invariants see it. */
  view(state: S, out: NodeView): void;
  /** Short description of a message for traces and diagrams. */
  describe(message: M): { readonly kind: string; readonly term: number };
  /** True for a message that may leave before its node's earlier writes are durable (see `SimOptions.sendOrder`). */
  overtakes?(message: M): boolean;
  /** A fresh safety checker fed with every observation, or undefined for none. */
  checker?(): ObservationChecker;
}

/** The simulator `Protocol` of a core, driven as its `adapter` says. */
export function coreProtocol<C, S, I extends Typed, O extends Typed, M, W, D, N extends DriverNode<S>>(
  adapter: CoreAdapter<C, S, I, O, M, W, D, N>,
): Protocol<N, M, W, D> {
  const a = adapter;
  const core = a.core;
  // The adapter's hooks in locals: the driver's hot path (every tick, delivery and acknowledgement) calls them.
  const stepCore = a.stepCore;
  const performOne = a.perform;
  /** Steps taken so far: `settle` learns from it whether an event stepped the core. */
  let steps = 0;

  function run(node: N, input: I): readonly O[] {
    steps++;
    const r = stepCore !== undefined ? stepCore(node, input) : core.step(node.state, input);
    node.state = r.state;
    return r.outputs;
  }
  function perform(node: N, outputs: readonly O[], fx: Effects<M, W>): void {
    for (let k = 0; k < outputs.length; k++) performOne(node, outputs[k]!, fx, driver);
  }
  function step(node: N, input: I, fx: Effects<M, W>): readonly O[] {
    const outputs = run(node, input);
    perform(node, outputs, fx);
    return outputs;
  }
  const driver: Driver<N, I, O, M, W> = { run, perform, step };

  const settle = a.settle;
  /** Ends a simulator event at `node`: `settle` with whether the event stepped the core since `before`. */
  const done = (node: N, fx: Effects<M, W>, before: number): N => {
    if (settle !== undefined) settle(node, fx, driver, steps !== before);
    return node;
  };

  const view = a.view;
  const protocol: Protocol<N, M, W, D> = {
    name: a.name,
    emptyDisk: () => a.disk.empty(),
    start: (id, cluster, seed, disk) => a.boot(id, cluster, seed, disk),
    applyWrite: (disk, write) => a.disk.apply(disk, write),
    tick(node, fx) {
      const before = steps;
      a.beforeTick?.(node, fx, driver);
      step(node, a.tick, fx);
      return done(node, fx, before);
    },
    receive(node, message, fx) {
      const before = steps;
      step(node, a.message(message), fx);
      return done(node, fx, before);
    },
    persisted(node, write, fx) {
      const before = steps;
      a.durable(node, write, fx, driver);
      return done(node, fx, before);
    },
    request(node, request, fx) {
      const before = steps;
      a.request(node, request, fx, driver);
      return done(node, fx, before);
    },
    view: (node, out) => view(node.state, out),
    describe: (m) => a.describe(m),
  };
  if (a.overtakes !== undefined) {
    const overtakes = a.overtakes;
    protocol.overtakes = (m) => overtakes(m);
  }
  if (a.checker !== undefined) {
    const checker = a.checker;
    protocol.checker = () => checker();
  }
  return protocol;
}
