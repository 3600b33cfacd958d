/**
 * Register systems in the style of Stateright's `RegisterActor` (src/actor/register.rs): server nodes (any
 * protocol) and client nodes in one core, clients writing once then reading, the history recorded by the
 * linearizability tester. Node i is server i for i < servers, then the clients; ids are the indices.
 * @module
 */
import type { Core } from "../../../core/contract.js";
import { Hasher } from "../../../core/fingerprint.js";
import type { ActorSystem, SystemState } from "../actors.js";
import type { NetworkKind } from "../network.js";
import { EMPTY_TESTER, hashTester, linearizable, onInvoke, onReturn, type Tester } from "./linearizability-tester.js";

/** A register message; `internal` carries the server protocol's own messages. */
export type RegisterMsg<P> =
  | { readonly type: "put"; readonly req: number; readonly value: string }
  | { readonly type: "get"; readonly req: number }
  | { readonly type: "put-ok"; readonly req: number }
  | { readonly type: "get-ok"; readonly req: number; readonly value: string }
  | { readonly type: "internal"; readonly msg: P };

/** The sends and (if it changed) the new state after a server handled a message. */
export interface ServerStep<S, P> {
  readonly state?: S;
  readonly sends: readonly (readonly [to: number, msg: RegisterMsg<P>])[];
}

/** The server side of a register system: one protocol's node. */
export interface ServerProtocol<S, P> {
  readonly name: string;
  start(id: number, peers: readonly number[]): S;
  /** Handles `msg` from `src`; must not modify `state`. */
  onMsg(id: number, peers: readonly number[], state: S, src: number, msg: RegisterMsg<P>): ServerStep<S, P>;
  hash(h: Hasher, state: S): void;
  hashInternal(h: Hasher, msg: P): void;
}

/** A node of a register system. */
export type RegisterNode<S> =
  | { readonly kind: "server"; readonly state: S }
  | { readonly kind: "client"; readonly awaiting: number | undefined; readonly opCount: number };

/** Config of one node. */
export interface RegisterNodeConfig {
  readonly id: number;
  readonly servers: number;
  readonly nodes: number;
  readonly putCount: number;
}

/** Inputs: start (a client sends its first request), or a message. */
export type RegisterInput<P> = { readonly type: "start" } | { readonly type: "message"; readonly from: number; readonly msg: RegisterMsg<P> };
/** Outputs: sends. */
export interface RegisterOutput<P> {
  readonly type: "send";
  readonly to: number;
  readonly msg: RegisterMsg<P>;
}

/** Stateright's `majority`: more than half of `n`. */
export function majority(n: number): number {
  return Math.floor(n / 2) + 1;
}

const peersOf = (c: RegisterNodeConfig): number[] => Array.from({ length: c.servers }, (_, j) => j).filter((j) => j !== c.id);

/** The register system's nodes as one core of the contract. */
export function registerCore<S, P>(server: ServerProtocol<S, P>): Core<RegisterNodeConfig, RegisterNode<S> & { readonly config: RegisterNodeConfig }, RegisterInput<P>, RegisterOutput<P>> {
  type N = RegisterNode<S> & { readonly config: RegisterNodeConfig };
  return {
    name: `register-${server.name}`,
    create: (config) =>
      config.id < config.servers
        ? { kind: "server", state: server.start(config.id, peersOf(config)), config }
        : { kind: "client", awaiting: undefined, opCount: 0, config },
    step(node, input) {
      const c = node.config;
      const outputs: RegisterOutput<P>[] = [];
      const send = (to: number, msg: RegisterMsg<P>) => outputs.push({ type: "send", to, msg });
      if (node.kind === "server") {
        if (input.type !== "message") return { state: node, outputs };
        const r = server.onMsg(c.id, peersOf(c), node.state, input.from, input.msg);
        for (const [to, msg] of r.sends) send(to, msg);
        return { state: r.state === undefined ? node : { kind: "server", state: r.state, config: c }, outputs };
      }
      const index = c.id;
      const sc = c.servers;
      if (input.type === "start") {
        if (c.putCount === 0) return { state: node, outputs };
        send(index % sc, { type: "put", req: index, value: String.fromCharCode(65 + index - sc) });
        return { state: { kind: "client", awaiting: index, opCount: 1, config: c }, outputs };
      }
      const m = input.msg;
      if (node.awaiting === undefined) return { state: node, outputs };
      if (m.type === "put-ok" && m.req === node.awaiting) {
        const req = (node.opCount + 1) * index;
        const to = (index + node.opCount) % sc;
        if (node.opCount < c.putCount) send(to, { type: "put", req, value: String.fromCharCode(90 - (index - sc)) });
        else send(to, { type: "get", req });
        return { state: { kind: "client", awaiting: req, opCount: node.opCount + 1, config: c }, outputs };
      }
      if (m.type === "get-ok" && m.req === node.awaiting) return { state: { kind: "client", awaiting: undefined, opCount: node.opCount + 1, config: c }, outputs };
      return { state: node, outputs };
    },
    clone: (node) => node, // nodes are immutable: every step builds a new one
    fingerprint(node) {
      const h = new Hasher();
      if (node.kind === "server") server.hash(h.int(1), node.state);
      else h.int(2).int(node.awaiting ?? -1).int(node.opCount);
      return h.digest();
    },
  };
}

/** Feeds a register message to a hasher. */
export function hashRegisterMsg<P>(h: Hasher, m: RegisterMsg<P>, hashInternal: (h: Hasher, p: P) => void): void {
  switch (m.type) {
    case "put":
      h.int(1).int(m.req).str(m.value);
      break;
    case "get":
      h.int(2).int(m.req);
      break;
    case "put-ok":
      h.int(3).int(m.req);
      break;
    case "get-ok":
      h.int(4).int(m.req).str(m.value);
      break;
    case "internal":
      hashInternal(h.int(5), m.msg);
  }
}

/** Options of a register system. */
export interface RegisterSystemOptions {
  readonly servers: number;
  readonly clients: number;
  readonly network?: NetworkKind;
  readonly lossy?: boolean;
}

type RegSys<S, P> = SystemState<RegisterNode<S> & { readonly config: RegisterNodeConfig }, RegisterMsg<P>, never, undefined, Tester>;

/** A register system with Stateright's properties: "linearizable" (always) and "value chosen" (sometimes). */
export function registerSystem<S, P>(
  server: ServerProtocol<S, P>,
  o: RegisterSystemOptions,
): ActorSystem<RegisterNodeConfig, RegisterNode<S> & { readonly config: RegisterNodeConfig }, RegisterInput<P>, RegisterOutput<P>, RegisterMsg<P>, never, undefined, Tester> {
  const n = o.servers + o.clients;
  const ids = Array.from({ length: n }, (_, i) => i);
  return {
    name: `${server.name}(servers=${o.servers}, clients=${o.clients})`,
    core: registerCore(server),
    ids,
    configs: ids.map((id) => ({ id, servers: o.servers, nodes: n, putCount: 1 })),
    deliver: (from, msg) => ({ type: "message", from, msg }),
    effect: (out) => ({ kind: "send", to: out.to, msg: out.msg }),
    hashMessage: (h, m) => hashRegisterMsg(h, m, server.hashInternal),
    boot: () => ({ type: "start" }),
    network: o.network ?? "unordered",
    lossy: o.lossy ?? false,
    history: {
      init: EMPTY_TESTER,
      onSend(t, env) {
        if (env.msg.type === "get") return onInvoke(t, env.src, { type: "read" });
        if (env.msg.type === "put") return onInvoke(t, env.src, { type: "write", value: env.msg.value });
        return undefined;
      },
      onDeliver(t, env) {
        if (env.msg.type === "get-ok") return onReturn(t, env.dst, { type: "read-ok", value: env.msg.value });
        if (env.msg.type === "put-ok") return onReturn(t, env.dst, { type: "write-ok" });
        return undefined;
      },
      hash: hashTester,
    },
    invariants: [{ name: "linearizable", check: (s: RegSys<S, P>) => (linearizable(s.history) ? undefined : "no sequential order of the register operations explains the history") }],
    goals: [
      {
        name: "value chosen",
        reached(s: RegSys<S, P>) {
          for (const env of s.net.deliverable()) if (env.msg.type === "get-ok" && env.msg.value !== "\0") return true;
          return false;
        },
      },
    ],
    describeMessage: (m) => m,
  };
}
