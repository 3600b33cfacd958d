/** The output pipeline performs a core's outputs in the order the durability contract demands. */
import { describe, expect, it } from "vitest";
import { OutputPipeline } from "../../src/adapters/node/pipeline.js";
import { step, type Input, type Output } from "../../src/core/raft/index.js";
import { Cluster, enc } from "../raft/harness.js";

type O = { type: "persist"; id: string } | { type: "send"; id: string } | { type: "apply"; id: string };

function harness(sendsEarly?: (o: O) => boolean, stepLocal?: boolean, flushSends = false) {
  const events: string[] = [];
  const pending = new Map<string, (acks: string[]) => void>();
  const fatal: unknown[] = [];
  const p = new OutputPipeline<O, string>({
    persist: (o) =>
      new Promise<string[]>((resolve) => {
        events.push(`issue ${o.id}`);
        pending.set(o.id, resolve);
      }),
    send: (o) => events.push(`send ${o.id}`),
    perform: (o) => events.push(`${o.type} ${o.id}`),
    feed: (i) => events.push(`feed ${i}`),
    fatal: (e) => fatal.push(e),
    ...(sendsEarly === undefined ? {} : { sendsEarly }),
    ...(stepLocal === undefined ? {} : { stepLocal }),
    ...(flushSends ? { flushSends: () => events.push("flush") } : {}),
  });
  const settle = () => new Promise((r) => setTimeout(r, 0));
  return { p, events, pending, fatal, settle };
}

describe("output pipeline", () => {
  it("holds a step's outputs behind its persist, sends of persist-free steps leave at once, applies stay in order", async () => {
    const { p, events, pending, settle } = harness();
    p.handle([{ type: "persist", id: "P1" }, { type: "send", id: "A" }, { type: "apply", id: "X" }]);
    p.handle([{ type: "send", id: "B" }, { type: "apply", id: "Y" }]);
    p.handle([{ type: "persist", id: "P2" }, { type: "send", id: "C" }]);
    await settle();
    expect(events).toEqual(["issue P1", "send B", "issue P2"]);
    pending.get("P2")!(["ack2"]);
    await settle();
    expect(events).toEqual(["issue P1", "send B", "issue P2"]); // P2's outputs also wait for P1's
    pending.get("P1")!(["ack1"]);
    await settle();
    expect(events).toEqual(["issue P1", "send B", "issue P2", "send A", "apply X", "feed ack1", "apply Y", "send C", "feed ack2"]);
  });

  it("sends before a step's persist (a leader's appends) leave at once, even past earlier writes in flight", async () => {
    const { p, events, pending, settle } = harness();
    p.handle([{ type: "persist", id: "P1" }, { type: "send", id: "A" }]);
    p.handle([{ type: "send", id: "B" }, { type: "persist", id: "P2" }, { type: "send", id: "C" }, { type: "apply", id: "X" }]);
    await settle();
    expect(events).toEqual(["issue P1", "send B", "issue P2"]);
    pending.get("P1")!(["ack1"]);
    pending.get("P2")!(["ack2"]);
    await settle();
    expect(events).toEqual(["issue P1", "send B", "issue P2", "send A", "feed ack1", "send C", "apply X", "feed ack2"]);
  });

  it("step-local outputs before their step's persist are performed at once, past earlier writes in flight, in order", async () => {
    const { p, events, pending, settle } = harness(undefined, true);
    p.handle([{ type: "persist", id: "P1" }, { type: "send", id: "A" }]);
    p.handle([{ type: "apply", id: "X" }, { type: "persist", id: "P2" }]); // X waits for no write
    await settle();
    expect(events).toEqual(["issue P1", "issue P2", "apply X"]);
    // An output held behind P3 keeps a later one behind it: outputs stay in order.
    p.handle([{ type: "persist", id: "P3" }, { type: "apply", id: "Y" }]);
    p.handle([{ type: "apply", id: "Z" }]);
    await settle();
    expect(events).toEqual(["issue P1", "issue P2", "apply X", "issue P3"]);
    for (const id of ["P1", "P2", "P3"]) pending.get(id)!([`ack-${id}`]);
    await settle();
    expect(events.slice(4)).toEqual(["send A", "feed ack-P1", "feed ack-P2", "apply Y", "feed ack-P3", "apply Z"]);
  });

  it("without stepLocal (KRaft), an output waits behind every earlier write", async () => {
    const { p, events, settle } = harness();
    p.handle([{ type: "persist", id: "P1" }]);
    p.handle([{ type: "apply", id: "X" }]);
    await settle();
    expect(events).toEqual(["issue P1"]);
  });

  it("sends are flushed before an output that follows them, held or not: an acknowledgement does not wait for an apply", async () => {
    const { p, events, pending, settle } = harness(undefined, true, true);
    p.handle([{ type: "persist", id: "P1" }, { type: "send", id: "A" }, { type: "send", id: "B" }, { type: "apply", id: "X" }, { type: "send", id: "C" }]);
    p.handle([{ type: "send", id: "D" }, { type: "persist", id: "P2" }]);
    p.handle([{ type: "send", id: "E" }, { type: "apply", id: "Y" }]); // held behind X: no flush needed yet
    p.handle([{ type: "apply", id: "Z" }, { type: "send", id: "F" }]); // no send before Z: nothing to flush
    await settle();
    expect(events).toEqual(["issue P1", "send D", "issue P2", "send E", "send F"]);
    pending.get("P1")!(["ack1"]);
    pending.get("P2")!(["ack2"]);
    await settle();
    expect(events.slice(5)).toEqual(["send A", "send B", "flush", "apply X", "send C", "feed ack1", "feed ack2", "apply Y", "apply Z"]);
    // Step-local outputs performed at once: the sends of their step leave first.
    p.handle([{ type: "send", id: "G" }, { type: "apply", id: "W" }]);
    expect(events.slice(14)).toEqual(["send G", "flush", "apply W"]);
  });

  it("a failed persist is fatal and what followed it is not performed", async () => {
    const fatal: unknown[] = [];
    const events: string[] = [];
    const p = new OutputPipeline<O, string>({
      persist: () => Promise.reject(new Error("ENOSPC")),
      send: (o) => events.push(`send ${o.id}`),
      perform: (o) => events.push(o.id),
      feed: (i) => events.push(i),
      fatal: (e) => fatal.push(e),
    });
    p.handle([{ type: "persist", id: "P" }, { type: "send", id: "A" }]);
    await p.idle();
    expect(fatal.length).toBe(1);
    expect(events).toEqual([]);
    expect(String(fatal[0])).toContain("ENOSPC");
  });

  it("a planted bug lets the chosen sends leave before the persist (the ordering test above would catch it)", async () => {
    const { p, events, settle } = harness((o) => o.id === "A");
    p.handle([{ type: "persist", id: "P1" }, { type: "send", id: "A" }, { type: "send", id: "B" }]);
    await settle();
    expect(events).toEqual(["issue P1", "send A"]);
  });
});

describe("a Raft leader through the pipeline", () => {
  it("sends its appends while its own write of the entries is in flight (§10.2.1); a follower's ack still waits for its write", async () => {
    const c = new Cluster([1, 2, 3]);
    c.campaign(1);
    const events: string[] = [];
    const pipeline = (who: string) =>
      new OutputPipeline<Output, Input>({
        persist: () => (events.push(`${who} issue`), new Promise<Input[]>(() => undefined)), // never durable
        send: (o) => events.push(`${who} send ${(o as Extract<Output, { type: "send" }>).message.type}`),
        perform: () => undefined,
        feed: () => undefined,
        fatal: (e) => events.push(`fatal ${String(e)}`),
      });
    const leader = step(c.node(1), { type: "propose", data: enc("x") }).outputs;
    pipeline("leader").handle(leader);
    const append = leader.flatMap((o) => (o.type === "send" && o.message.to === 2 ? [o.message] : []))[0]!;
    pipeline("follower").handle(step(c.node(2), { type: "message", message: append }).outputs);
    await new Promise((r) => setTimeout(r, 0));
    expect(events).toEqual(["leader send append", "leader send append", "leader issue", "follower issue"]);
  });
});
