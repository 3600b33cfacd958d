// Generated one-op-per-line Jepsen EDN histories for the fast paths' differential properties
// (test/properties/lin-fast-path.test.ts, lin-fast-wasm.test.ts): cas-register and kv, overlapping ops, :fail,
// :info and pending ops, nemesis lines, extra fields, and sometimes a read's value corrupted.
import fc from "fast-check";
import type { FastModelName } from "../../src/check/linearizability/fast/encode.js";
import { checkLinearizability, modelByName, parseJepsenEdn, validateOperations } from "../../src/check/linearizability/index.js";

// A generated history: processes invoke ops and complete them later; each op takes effect on a real object at its
// invocation or its completion (so the history is linearizable) unless the outcome is unknown and it is dropped;
// then, sometimes, a read's value is changed (then it usually is not).
export interface Step {
  readonly process: number;
  readonly f: number;
  readonly key: number;
  readonly value: number;
  readonly atInvoke: boolean;
  readonly outcome: "ok" | "info" | "pending";
  readonly nilInvoke: boolean;
}
export const step = fc.record({
  process: fc.nat({ max: 3 }),
  f: fc.nat({ max: 2 }),
  key: fc.nat({ max: 1 }),
  value: fc.nat({ max: 3 }),
  atInvoke: fc.boolean(),
  outcome: fc.constantFrom<Step["outcome"]>("ok", "ok", "ok", "ok", "info", "pending"),
  nilInvoke: fc.nat({ max: 9 }).map((k) => k === 0),
});
/** A scenario: steps, and optionally a read to corrupt, a nemesis line, extra fields. */
export const scenario = fc.record({
  steps: fc.array(step, { minLength: 1, maxLength: 14 }),
  corrupt: fc.option(fc.tuple(fc.nat(), fc.nat({ max: 3 })), { nil: undefined }),
  nemesis: fc.option(fc.nat(), { nil: undefined }),
  extras: fc.boolean(),
});

/** Renders a scenario as a Jepsen EDN history for `model`, one op map per line in the recorder's field order. */
export function render(model: FastModelName, s: { steps: readonly Step[]; corrupt: [number, number] | undefined; nemesis: number | undefined; extras: boolean }): string {
  const lines: string[] = [];
  let register: number | null = null;
  const texts = ["", ""];
  const strings = ["x", " a1", " b", "xy"];
  const open = new Map<number, { step: Step; line: number; effect: () => string }>();
  let reads = 0;
  const readLines: number[] = [];
  const field = (f: number): string => (model === "kv" ? ["get", "put", "append"][f]! : ["read", "write", "cas"][f]!);
  const fields = (type: string, st: Step, value: string): string => {
    const key = model === "kv" ? `, :key "k${st.key}"` : "";
    const extra = s.extras ? `, :time ${lines.length * 1000 + 17}, :index ${lines.length}${type === "info" ? ", :error :timeout" : ""}` : "";
    return `{:type :${type}, :f :${field(st.f)}${key}, :value ${value}, :process ${st.process}${extra}}`;
  };
  // The op's effect on the real object; returns the completion's value.
  const effectOf = (st: Step): (() => string) => {
    if (model === "kv") {
      const arg = strings[st.value]!;
      if (st.f === 0) return () => (st.value === 3 ? "nil" : JSON.stringify(texts[st.key]!));
      if (st.f === 1) return () => ((texts[st.key] = arg), JSON.stringify(arg));
      return () => ((texts[st.key] += arg), JSON.stringify(arg));
    }
    const v = st.value === 3 ? null : st.value;
    if (st.f === 0) return () => (register === null ? "nil" : String(register));
    if (st.f === 1) return () => ((register = v), v === null ? "nil" : String(v));
    const expected = (st.value + 1) % 4 === 3 ? null : (st.value + 1) % 4;
    return () => {
      if (register !== expected) return "fail";
      register = v;
      return `[${expected === null ? "nil" : expected} ${v === null ? "nil" : v}]`;
    };
  };
  const invokeValue = (st: Step): string => {
    if (st.f === 0 || (st.f === 1 && st.nilInvoke)) return "nil";
    if (model === "kv") return JSON.stringify(strings[st.value]!);
    const v = st.value === 3 ? "nil" : String(st.value);
    if (st.f === 1) return v;
    const expected = (st.value + 1) % 4 === 3 ? "nil" : String((st.value + 1) % 4);
    return `[${expected} ${v}]`;
  };
  for (const st of s.steps) {
    if (s.nemesis !== undefined && lines.length === s.nemesis % (s.steps.length + 1)) lines.push(`{:type :info, :f :pause, :value "n1", :process :nemesis, :time 5, :index 0}`);
    const pending = open.get(st.process);
    if (pending !== undefined) {
      // Complete the pending op of this process, unless it never completes (then the process stays busy).
      const p = pending.step;
      if (p.outcome === "pending") continue;
      open.delete(st.process);
      let value = p.atInvoke ? pending.effect() : "";
      if (p.outcome === "info") {
        // Unknown outcome: the effect may have happened (at invoke) or not.
        lines.push(fields("info", p, invokeValue(p)));
        continue;
      }
      if (!p.atInvoke) value = pending.effect();
      if (value === "fail") {
        lines.push(fields("fail", p, invokeValue(p)));
        continue;
      }
      if (p.f === 0) readLines.push(lines.length), reads++;
      lines.push(fields("ok", p, value));
      continue;
    }
    const effect = effectOf(st);
    let once: string | undefined;
    const run = (): string => (once ??= effect());
    open.set(st.process, { step: st, line: lines.length, effect: run });
    if (st.atInvoke && st.outcome !== "pending") run();
    lines.push(fields("invoke", st, invokeValue(st)));
  }
  if (s.corrupt !== undefined && reads > 0) {
    const at = readLines[s.corrupt[0] % reads]!;
    const wrong = model === "kv" ? JSON.stringify(["x", "q", " a1", ""][s.corrupt[1]]!) : ["0", "1", "nil", "7"][s.corrupt[1]]!;
    lines[at] = lines[at]!.replace(/:value ([^,]+), :process/, `:value ${wrong}, :process`);
  }
  return `; generated\n[${lines.join("\n ")}]\n`;
}

/** The general path's answer on `text` (what `quorate check` says): verdict and op count, or the error it reports. */
export function generalAnswer(text: string, model: string): { verdict: string; ops: number } | { error: string } {
  try {
    const history = parseJepsenEdn(text, "h.edn");
    const m = modelByName(model);
    validateOperations(history, m, "h.edn");
    return { verdict: checkLinearizability(history, m).verdict, ops: history.length };
  } catch (error) {
    return { error: (error as Error).message };
  }
}
