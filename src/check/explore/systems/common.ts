/**
 * What the explorer's bindings of the real cores (raft.ts, kraft.ts, zk.ts) share: the name format of a
 * bounded system, the input that delivers a message, the routing of `send` and `persist` outputs to effects,
 * and the bounds of the state space.
 * @module
 */
import type { Typed } from "../../../core/contract.js";
import type { Effect, SystemState } from "../actors.js";
import type { NetworkKind } from "../network.js";

/** Limits of an explored real-core system. */
export interface CoreBounds {
  /** No node's term (epoch) goes above this. */
  readonly maxTerm: number;
  /** No log grows past this many entries (a leader's no-op or leader-change record counts). */
  readonly maxLog: number;
  /** Crashes on one path. */
  readonly maxCrashes: number;
  /** Messages in flight at once. */
  readonly maxInFlight: number;
}

/** How a real-core system is explored: its size, bounds and network. */
export interface CoreSystemOptions {
  readonly nodes: number;
  readonly bounds?: Partial<CoreBounds>;
  /** Network semantics (default "unordered"). */
  readonly network?: NetworkKind;
  /** Whether the explorer may lose messages (default false). */
  readonly lossy?: boolean;
}

/** The name of a bounded system in reports: `raft(nodes=3, max-term=2, max-log=2, max-crashes=1, max-in-flight=3)`. */
export function systemName(system: string, nodes: number, b: CoreBounds): string {
  return `${system}(nodes=${nodes}, max-term=${b.maxTerm}, max-log=${b.maxLog}, max-crashes=${b.maxCrashes}, max-in-flight=${b.maxInFlight})`;
}

/** The contract's input delivering `message` (the sender is in the message itself). */
export function messageInput<M>(_from: number, message: M): { readonly type: "message"; readonly message: M } {
  return { type: "message", message };
}

/** How a core's outputs become effects: its `send` and `persist` outputs, and any other it acts on. */
export interface OutputRoutes<O extends Typed, M, W, I> {
  /** A `send` output's destination and message. */
  send(output: Extract<O, { type: "send" }>): { readonly to: number; readonly msg: M };
  /** A `persist` output's write. */
  write(output: Extract<O, { type: "persist" }>): W;
  /** Any other output (default: nothing to do). */
  other?(output: O): Effect<M, W, I>;
}

const NONE = { kind: "none" } as const;

/** The `effect` of an actor system, from its output routes. */
export function outputEffects<O extends Typed, M, W, I>(routes: OutputRoutes<O, M, W, I>): (output: O) => Effect<M, W, I> {
  return (o) => {
    if (o.type === "send") {
      const s = routes.send(o as Extract<O, { type: "send" }>);
      return { kind: "send", to: s.to, msg: s.msg };
    }
    if (o.type === "persist") return { kind: "write", write: routes.write(o as Extract<O, { type: "persist" }>) };
    return routes.other === undefined ? NONE : routes.other(o);
  };
}

/** The boundary of the space: at most `maxInFlight` messages in flight, no live node past `maxTerm` or `maxLog`. */
export function withinBounds<S, M, W, D, H>(b: CoreBounds, term: (s: S) => number, logLength: (s: S) => number): (sys: SystemState<S, M, W, D, H>) => boolean {
  return (sys) => {
    if (sys.net.size > b.maxInFlight) return false;
    for (const s of sys.nodes) if (s !== undefined && (term(s) > b.maxTerm || logLength(s) > b.maxLog)) return false;
    return true;
  };
}
