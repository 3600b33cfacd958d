/**
 * Key-value store of string registers with `get`, `put` and `append` (Porcupine's kv model). The key is in the
 * op's `key` field, or — Jepsen's `independent` convention — `value` is a `[key value]` tuple. `kv` is
 * partitioned by key (each part's state is one string); `kv-unpartitioned` checks all keys together.
 */
import type { History, JepsenInput, JepsenOutput, Model, Operation, Value } from "../types.js";
import { hashString, mix32, showValue } from "../values.js";
import { unknownFunction } from "./inputs.js";

/** Options of the key-value models. */
export interface KvOptions {
  /** Initial value of every key (default ""). */
  readonly initial?: string;
}

interface KvOp {
  readonly key: string;
  readonly arg: Value;
  readonly result: Value | undefined;
}

function keyString(key: Value | undefined): string {
  return typeof key === "string" ? key : JSON.stringify(key, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v));
}

/** The key, argument and observed result of a kv op in either convention. */
function kvOp(input: JepsenInput, output: JepsenOutput | undefined): KvOp | undefined {
  if (input.key !== undefined) {
    return { key: keyString(input.key), arg: input.value, result: output?.value };
  }
  const tuple = input.value;
  if (!Array.isArray(tuple) || tuple.length !== 2) return undefined;
  const out = output?.value;
  const result = Array.isArray(out) && out.length === 2 ? (out[1] as Value) : out === undefined ? undefined : null;
  return { key: keyString(tuple[0] as Value), arg: tuple[1] as Value, result };
}

/** What `Model.checkInput` says of a kv op: a known function that names its key. */
function checkKvInput(model: string, input: JepsenInput): string | undefined {
  const problem = unknownFunction(model, input, ["get", "read", "put", "write", "append"]);
  if (problem !== undefined || namesKey(input)) return problem;
  return `:${input.f} names no key: give a :key, or a [key value] pair as the value (got ${showValue(input.value)})`;
}

/** An op without a `key` must carry a `[key value]` tuple: anything else names no key and is rejected. */
function namesKey(input: JepsenInput): boolean {
  return input.key !== undefined || (Array.isArray(input.value) && input.value.length === 2);
}

/** What a completed get observed: its value, the second element of a `[key value]` tuple, or null (nothing). */
function observedValue(input: JepsenInput, output: JepsenOutput): Value {
  if (input.key !== undefined) return output.value;
  return Array.isArray(output.value) && output.value.length === 2 ? (output.value[1] as Value) : null;
}

function asText(v: Value): string {
  return typeof v === "string" ? v : v === null ? "" : String(v);
}

/** Applies one kv op to a key's value; undefined when impossible. */
function kvStep(value: string, f: string, op: KvOp, known: boolean): string | undefined {
  switch (f) {
    case "get":
    case "read":
      if (!known) return undefined;
      if (op.result === null || op.result === undefined) return value; // nothing observed
      return asText(op.result) === value ? value : undefined;
    case "put":
    case "write":
      return asText(op.arg);
    case "append":
      return value + asText(op.arg);
    default:
      return undefined;
  }
}

function describeKv(input: JepsenInput, output: JepsenOutput | undefined): string {
  const op = kvOp(input, output);
  if (op === undefined) return `${input.f} ${showValue(input.value)}`;
  const unknown = output === undefined ? " (outcome unknown)" : "";
  if (input.f === "get" || input.f === "read") return `get(${op.key}) → ${showValue(op.result)}${unknown}`;
  return `${input.f}(${op.key}, ${showValue(op.arg)})${unknown}`;
}

/**
 * One key's value with the running FNV-1a accumulator of its text, so an append hashes only what it appends.
 * `parent` and `tail` record how an appended value was made: values made by the same append from the same
 * (interned) parent are equal without comparing their texts, which would make V8 flatten them.
 */
export interface KvText {
  readonly text: string;
  readonly fnv: number;
  readonly parent: KvText | null;
  readonly tail: string;
}

const FNV_OFFSET = 0x811c9dc5 | 0;

function fnvExtend(h: number, s: string): number {
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}

function kvText(text: string): KvText {
  return { text, fnv: fnvExtend(FNV_OFFSET, text), parent: null, tail: text };
}

function kvTextEqual(a: KvText, b: KvText): boolean {
  if (a === b) return true;
  if (a.fnv !== b.fnv || a.text.length !== b.text.length) return false;
  if (a.parent !== null && a.parent === b.parent) return a.tail === b.tail;
  return a.text === b.text;
}

/** The key-value model partitioned by key: each part is checked against one string register. */
export function kv(options: KvOptions = {}): Model<KvText, JepsenInput, JepsenOutput> {
  const initial = kvText(options.initial ?? "");
  // Hashes of observed read values (strings from the history: a bounded set).
  const observedFnv = new Map<string, number>();
  const readMatches = (state: KvText, observed: string): boolean => {
    if (observed.length !== state.text.length) return false;
    let h = observedFnv.get(observed);
    if (h === undefined) observedFnv.set(observed, (h = fnvExtend(FNV_OFFSET, observed)));
    return h === state.fnv && observed === state.text;
  };
  return {
    name: "kv",
    init: () => initial,
    step(state, input, output) {
      if (output !== undefined && output.type === "fail") return undefined;
      if (!namesKey(input)) return undefined;
      const tuple = input.key === undefined;
      switch (input.f) {
        case "get":
        case "read": {
          if (output === undefined) return undefined;
          const observed = observedValue(input, output);
          if (observed === null) return state; // nothing observed
          return readMatches(state, asText(observed)) ? state : undefined;
        }
        case "put":
        case "write":
          return kvText(asText(tuple ? ((input.value as readonly Value[])[1] as Value) : input.value));
        case "append": {
          const arg = asText(tuple ? ((input.value as readonly Value[])[1] as Value) : input.value);
          return { text: state.text + arg, fnv: fnvExtend(state.fnv, arg), parent: state, tail: arg };
        }
        default:
          return undefined;
      }
    },
    checkInput: (input) => checkKvInput("kv", input),
    readOnly: (input) => input.f === "get" || input.f === "read",
    acceptedStateHash(input, output) {
      if ((input.f !== "get" && input.f !== "read") || output === undefined || output.type === "fail") return undefined;
      if (!namesKey(input)) return undefined;
      const observed = observedValue(input, output);
      return observed === null ? undefined : mix32(fnvExtend(FNV_OFFSET, asText(observed)));
    },
    equal: kvTextEqual,
    hash: (s) => mix32(s.fnv),
    partition(history: History<JepsenInput, JepsenOutput>) {
      const parts = new Map<string, Operation<JepsenInput, JepsenOutput>[]>();
      const unkeyed: Operation<JepsenInput, JepsenOutput>[] = [];
      for (const op of history) {
        const k = kvOp(op.input, op.output);
        if (k === undefined) {
          unkeyed.push(op);
          continue;
        }
        let part = parts.get(k.key);
        if (part === undefined) parts.set(k.key, (part = []));
        part.push(op);
      }
      // Ops without a key cannot be placed; they stay in a part of their own, where the model rejects them.
      return unkeyed.length > 0 ? [...parts.values(), unkeyed] : [...parts.values()];
    },
    describeOperation: describeKv,
    describeState: (s) => JSON.stringify(s.text),
  };
}

/**
 * State of the unpartitioned kv model: one `KvText` per key slot (slots are numbered as keys are first met; an
 * absent slot holds the initial value) and a hash that is a sum over keys, so it does not depend on numbering.
 */
export interface KvMapState {
  readonly values: readonly (KvText | undefined)[];
  readonly hash: number;
}

/** The same model over all keys at once (slower; for comparison with Porcupine's unpartitioned runs). */
export function kvUnpartitioned(options: KvOptions = {}): Model<KvMapState, JepsenInput, JepsenOutput> {
  const partitioned = kv(options);
  const initial = partitioned.init();
  const slots = new Map<string, number>();
  const keyHashes: number[] = [];
  const slotOf = (key: string): number => {
    let slot = slots.get(key);
    if (slot === undefined) {
      slot = slots.size;
      slots.set(key, slot);
      keyHashes.push(hashString(key));
    }
    return slot;
  };
  // A key holding the initial value contributes nothing, so equal states hash alike however they were reached.
  const contribution = (slot: number, value: KvText): number => (value.fnv === initial.fnv && value.text === initial.text ? 0 : mix32(Math.imul(keyHashes[slot]!, 31) ^ value.fnv));
  return {
    name: "kv-unpartitioned",
    init: () => ({ values: [], hash: 0 }),
    step(state, input, output) {
      const op = kvOp(input, output);
      if (op === undefined) return undefined;
      const slot = slotOf(op.key);
      const before = state.values[slot] ?? initial;
      const after = partitioned.step(before, input, output);
      if (after === undefined) return undefined;
      if (after === before) return state;
      const values = state.values.slice();
      values[slot] = after;
      return { values, hash: (state.hash - contribution(slot, before) + contribution(slot, after)) | 0 };
    },
    equal(a, b) {
      if (a.hash !== b.hash) return false;
      const n = Math.max(a.values.length, b.values.length);
      for (let i = 0; i < n; i++) if (!kvTextEqual(a.values[i] ?? initial, b.values[i] ?? initial)) return false;
      return true;
    },
    hash: (s) => s.hash,
    checkInput: (input) => checkKvInput("kv-unpartitioned", input),
    readOnly: (input) => input.f === "get" || input.f === "read",
    describeOperation: describeKv,
    describeState: (s) =>
      `{${[...slots.entries()]
        .filter(([, slot]) => s.values[slot] !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, slot]) => `${k}: ${JSON.stringify(s.values[slot]!.text)}`)
        .join(", ")}}`,
  };
}
