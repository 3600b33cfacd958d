import { describe, expect, it } from "vitest";
import type { Core } from "../../src/core/contract.js";
import { Hasher } from "../../src/core/fingerprint.js";
import { actorModel, explore, type SystemState } from "../../src/check/explore/index.js";

// The worked example of docs/explore.md ("Exploring a core of your own"), kept compiling and passing here.

/** A node counts the pings it sent and the pongs it got back; its `ping` timer sends one more ping. */
interface PingState {
  readonly id: number;
  readonly peer: number;
  readonly sent: number;
  readonly acked: number;
}
type PingMsg = { readonly kind: "ping" } | { readonly kind: "pong" };
type PingInput = { readonly type: "timeout"; readonly timer: "ping" } | { readonly type: "message"; readonly from: number; readonly msg: PingMsg };
type PingOutput = { readonly type: "send"; readonly to: number; readonly msg: PingMsg };

const pingCore: Core<{ id: number; peer: number }, PingState, PingInput, PingOutput> = {
  name: "ping",
  create: ({ id, peer }) => ({ id, peer, sent: 0, acked: 0 }),
  step(s, input) {
    if (input.type === "timeout") return { state: { ...s, sent: s.sent + 1 }, outputs: [{ type: "send", to: s.peer, msg: { kind: "ping" } }] };
    if (input.msg.kind === "ping") return { state: s, outputs: [{ type: "send", to: input.from, msg: { kind: "pong" } }] };
    return { state: { ...s, acked: s.acked + 1 }, outputs: [] };
  },
  clone: (s) => s, // immutable state: nothing to copy
  fingerprint: (s) => new Hasher().int(s.id).int(s.sent).int(s.acked).digest(),
};

type Sys = SystemState<PingState, PingMsg, never, undefined, undefined>;

function pingSystem(network: "unordered" | "duplicating") {
  return actorModel({
    name: `ping(${network})`,
    core: pingCore,
    ids: [1, 2],
    configs: [
      { id: 1, peer: 2 },
      { id: 2, peer: 1 },
    ],
    deliver: (from, msg) => ({ type: "message" as const, from, msg }),
    effect: (out) => ({ kind: "send", to: out.to, msg: out.msg }),
    hashMessage: (h, m) => void h.str(m.kind),
    timers: (s) => (s.sent < 2 ? ["ping"] : []),
    network,
    invariants: [
      {
        name: "no more pongs than pings",
        check: (sys: Sys) => sys.nodes.map((s) => (s !== undefined && s.acked > s.sent ? `node ${s.id} got ${s.acked} pongs for ${s.sent} pings` : undefined)).find((x) => x !== undefined),
      },
    ],
  });
}

describe("exploring a core of one's own (docs/explore.md)", () => {
  it("holds on a non-duplicating network and fails, with the shortest path, on a duplicating one", () => {
    const ok = explore(pingSystem("unordered"));
    expect(ok.ok).toBe(true);
    expect(ok.complete).toBe(true);
    const bad = explore(pingSystem("duplicating"));
    expect(bad.ok).toBe(false);
    // ping, deliver the ping, deliver its pong twice.
    expect(bad.invariants[0]!.violation!.path).toEqual([
      { type: "timeout", node: 1, timer: "ping" },
      { type: "deliver", from: 1, to: 2, msg: { kind: "ping" } },
      { type: "deliver", from: 2, to: 1, msg: { kind: "pong" } },
      { type: "deliver", from: 2, to: 1, msg: { kind: "pong" } },
    ]);
  });
});
