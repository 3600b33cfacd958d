/** The built-in models, and lookup by name (for the CLI, manifests and worker threads). */
import type { JepsenInput, JepsenOutput, Model, Value } from "../types.js";
import { kv, kvUnpartitioned } from "./kv.js";
import { multiRegister } from "./multi-register.js";
import type { MultiRegisterState } from "./multi-register.js";
import { mutex } from "./mutex.js";
import { queue } from "./queue.js";
import { casRegister, knossosCasRegister, register } from "./register.js";
import { setModel } from "./set.js";
import { znodeModel } from "./znode.js";

export { kv, kvUnpartitioned, multiRegister, mutex, queue, casRegister, knossosCasRegister, register, setModel, znodeModel };
export type { ZnodeState } from "./znode.js";
export type { KvMapState, KvOptions } from "./kv.js";
export type { MultiRegisterOptions, MultiRegisterState } from "./multi-register.js";
export type { MutexOptions } from "./mutex.js";
export type { QueueOptions, QueueState } from "./queue.js";
export type { RegisterOptions } from "./register.js";
export type { SetOptions, SetState } from "./set.js";

/** A model over Jepsen-shaped ops whose state type is not known statically. */
export type AnyModel = Model<unknown, JepsenInput, JepsenOutput>;

/** An unknown model name or an initial state the model cannot take. */
export class ModelConfigError extends Error {
  readonly code = "MODEL_CONFIG";
  constructor(message: string) {
    super(message);
    this.name = "ModelConfigError";
  }
}

function requireString(name: string, initial: Value | undefined): string | undefined {
  if (initial === undefined || initial === null) return undefined;
  if (typeof initial !== "string") throw new ModelConfigError(`model ${name}: --initial must be a JSON string (every key's initial value), got ${JSON.stringify(initial)}`);
  return initial;
}

function requireList(name: string, initial: Value | undefined): readonly Value[] | undefined {
  if (initial === undefined || initial === null) return undefined;
  if (!Array.isArray(initial)) throw new ModelConfigError(`model ${name}: --initial must be a JSON array, got ${JSON.stringify(initial)}`);
  return initial as readonly Value[];
}

const factories: Record<string, { readonly summary: string; readonly make: (initial: Value | undefined) => AnyModel }> = {
  register: { summary: "read/write register (nil: empty)", make: (initial) => register({ initial }) as AnyModel },
  "cas-register": {
    summary: "read/write/cas register, Porcupine's etcd semantics (a failed cas means the compare failed)",
    make: (initial) => casRegister({ initial }) as AnyModel,
  },
  "knossos-cas-register": {
    summary: "Knossos's cas-register (a nil read matches anything; initial 0)",
    make: (initial) => knossosCasRegister({ initial }) as AnyModel,
  },
  kv: { summary: "string key-value store with get/put/append, partitioned by key", make: (initial) => kv({ initial: requireString("kv", initial) }) as AnyModel },
  "kv-unpartitioned": {
    summary: "the kv model over all keys at once",
    make: (initial) => kvUnpartitioned({ initial: requireString("kv-unpartitioned", initial) }) as AnyModel,
  },
  "multi-register": {
    summary: "transactions [[:read k v] [:write k v] …] over several registers, partitioned by key groups",
    make: (initial) => multiRegisterWith("multi-register", initial),
  },
  "knossos-multi-register": {
    summary: "Knossos's multi-register (same as multi-register)",
    make: (initial) => multiRegisterWith("knossos-multi-register", initial),
  },
  mutex: {
    summary: "one lock: acquire/release (initial \"free\" or \"held\")",
    make: (initial) => {
      if (initial !== undefined && initial !== null && initial !== "free" && initial !== "held" && typeof initial !== "boolean") {
        throw new ModelConfigError(`model mutex: --initial must be "free" or "held", got ${JSON.stringify(initial)}`);
      }
      return mutex({ initial: initial ?? "free" }) as AnyModel;
    },
  },
  set: { summary: "set with add and read-all", make: (initial) => setModel({ initial: requireList("set", initial) ?? [] }) as AnyModel },
  queue: { summary: "FIFO queue with enqueue/dequeue", make: (initial) => queue({ initial: requireList("queue", initial) ?? [] }) as AnyModel },
  znode: {
    summary: "znodes by path: create/set/delete with versions, linearizable reads (every path starts absent)",
    make: (initial) => {
      if (initial !== undefined && initial !== null) throw new ModelConfigError(`model znode: every path starts absent; drop --initial (got ${JSON.stringify(initial)})`);
      return znodeModel() as AnyModel;
    },
  },
};

function multiRegisterWith(name: string, initial: Value | undefined): AnyModel {
  if (initial !== undefined && initial !== null && (typeof initial !== "object" || Array.isArray(initial))) {
    throw new ModelConfigError(`model ${name}: --initial must be a JSON object of register values, got ${JSON.stringify(initial)}`);
  }
  const model = multiRegister({ initial: (initial ?? {}) as MultiRegisterState });
  return { ...model, name } as AnyModel;
}

/** Names of the built-in models with one-line summaries. */
export const builtinModels: readonly { readonly name: string; readonly summary: string }[] = Object.entries(factories).map(
  ([name, f]) => ({ name, summary: f.summary }),
);

/**
 * A built-in model by name with an optional initial state (JSON, as in a manifest's `initial`).
 * @throws ModelConfigError for an unknown name or an initial state of the wrong shape.
 */
export function modelByName(name: string, initial?: Value): AnyModel {
  const factory = Object.hasOwn(factories, name) ? factories[name] : undefined;
  if (factory === undefined) {
    throw new ModelConfigError(`unknown model '${name}'; known models: ${Object.keys(factories).join(", ")}`);
  }
  return factory.make(initial);
}
