/**
 * Every field of every message kind is checked before a message can touch the state: a well-formed message of
 * each kind passes validation, and breaking any one of its fields gets it refused as `malformed-message`, with a
 * detail that names the kind (or the shared header field) so an operator can find the sender's bug.
 */
import { describe, expect, it } from "vitest";
import { createRaft, step, type Message, type Output } from "../../src/core/raft/index.js";

const config = { voters: [1], votersOutgoing: [], learners: [], learnersNext: [], autoLeave: false };
const entry = (index: number, term: number) => ({ index, term, kind: "normal", data: new Uint8Array([1]) });

/** One well-formed message of each kind, from node 2 to node 1, term 3. */
const WELL_FORMED: Record<string, Record<string, unknown>> = {
  vote: { type: "vote", lastIndex: 4, lastTerm: 2, transfer: false },
  "pre-vote": { type: "pre-vote", lastIndex: 4, lastTerm: 2, transfer: false },
  "vote-response": { type: "vote-response", reject: false },
  "pre-vote-response": { type: "pre-vote-response", reject: true },
  append: { type: "append", prevIndex: 1, prevTerm: 1, commit: 0, entries: [entry(2, 1), entry(3, 3)] },
  "append-response": { type: "append-response", reject: false, index: 2, hintIndex: 0, hintTerm: 0 },
  heartbeat: { type: "heartbeat", commit: 0, context: 0 },
  "heartbeat-response": { type: "heartbeat-response", context: 1 },
  snapshot: { type: "snapshot", snapshot: { index: 5, term: 2, config }, size: 3, offset: 1, data: new Uint8Array(2), done: true },
  "snapshot-response": { type: "snapshot-response", index: 5, received: 3 },
  "timeout-now": { type: "timeout-now" },
};

function message(kind: string, patch: Record<string, unknown> = {}): Message {
  return { from: 2, to: 1, term: 3, ...WELL_FORMED[kind], ...patch } as unknown as Message;
}

/** The `malformed-message` rejection `m` gets from a fresh node, if any. */
function malformed(m: Message): string | undefined {
  const node = createRaft({ id: 1, voters: [1, 2, 3], electionTick: 10, heartbeatTick: 1, seed: 1 });
  const { outputs } = step(node, { type: "message", message: m });
  const refusal = outputs.find((o: Output) => o.type === "rejected" && o.reason === "malformed-message");
  return refusal?.type === "rejected" ? refusal.detail : undefined;
}

/** Values that break a field of each expected shape. */
const NOT_NAT = [-1, 0.5, "1", undefined];
const NOT_POS = [0, -1, 1.5, "2", undefined];
const NOT_BOOL = [0, "false", undefined];

describe("message validation", () => {
  it.each(Object.keys(WELL_FORMED))("a well-formed %s is not refused as malformed", (kind) => {
    expect(malformed(message(kind))).toBeUndefined();
  });

  it("accepts term 0 and index 0 where they are legal", () => {
    expect(malformed(message("heartbeat", { term: 0, commit: 0, context: 0 }))).toBeUndefined();
    expect(malformed(message("append", { prevIndex: 0, prevTerm: 0, entries: [] }))).toBeUndefined();
  });

  it("checks the header of every kind: from, to (positive node ids), term (non-negative)", () => {
    for (const kind of Object.keys(WELL_FORMED)) {
      for (const bad of NOT_POS) {
        expect(malformed(message(kind, { from: bad }))).toBe("message from/to must be positive integer node ids");
        expect(malformed(message(kind, { to: bad }))).toBe("message from/to must be positive integer node ids");
      }
      for (const bad of NOT_NAT) expect(malformed(message(kind, { term: bad }))).toBe("message term must be a non-negative integer");
    }
    expect(malformed(null as unknown as Message)).toBe("message must be an object");
    expect(malformed(message("heartbeat", { type: "gossip" }))).toBe('unknown message type "gossip"');
  });

  const fields: [kind: string, field: string, bad: unknown[], detail: RegExp][] = [
    ["vote", "lastIndex", NOT_NAT, /^vote: lastIndex\/lastTerm\/transfer malformed$/],
    ["vote", "lastTerm", NOT_NAT, /^vote: /],
    ["vote", "transfer", NOT_BOOL, /^vote: /],
    ["pre-vote", "lastTerm", NOT_NAT, /^pre-vote: /],
    ["vote-response", "reject", NOT_BOOL, /^vote-response: reject must be a boolean$/],
    ["pre-vote-response", "reject", NOT_BOOL, /^pre-vote-response: /],
    ["append", "prevIndex", NOT_NAT, /^append: prevIndex\/prevTerm\/commit must be non-negative integers and entries an array$/],
    ["append", "prevTerm", NOT_NAT, /^append: prevIndex/],
    ["append", "commit", NOT_NAT, /^append: prevIndex/],
    ["append", "entries", [undefined, "x", {}], /^append: prevIndex/],
    ["append-response", "reject", NOT_BOOL, /^append-response: fields malformed$/],
    ["append-response", "index", NOT_NAT, /^append-response: /],
    ["append-response", "hintIndex", NOT_NAT, /^append-response: /],
    ["append-response", "hintTerm", NOT_NAT, /^append-response: /],
    ["heartbeat", "commit", NOT_NAT, /^heartbeat: commit\/context must be non-negative integers$/],
    ["heartbeat", "context", NOT_NAT, /^heartbeat: /],
    ["heartbeat-response", "context", NOT_NAT, /^heartbeat-response: context must be a non-negative integer$/],
    ["snapshot", "size", NOT_NAT, /^snapshot: chunk fields malformed$/],
    ["snapshot", "offset", NOT_NAT, /^snapshot: chunk fields malformed$/],
    ["snapshot", "data", ["ab", [1, 2], undefined], /^snapshot: chunk fields malformed$/],
    ["snapshot", "done", NOT_BOOL, /^snapshot: chunk fields malformed$/],
    ["snapshot-response", "index", NOT_NAT, /^snapshot-response: index\/received must be non-negative integers$/],
    ["snapshot-response", "received", NOT_NAT, /^snapshot-response: /],
  ];
  it.each(fields)("%s: a broken %s is refused", (kind, field, bads, detail) => {
    for (const bad of bads) expect(malformed(message(kind, { [field]: bad }))).toMatch(detail);
  });

  it("append: entries must be objects, contiguous after prevIndex, with terms non-decreasing and at most the message's", () => {
    const withEntries = (entries: unknown[]) => malformed(message("append", { entries }));
    expect(withEntries([null])).toBe("append: entries must be objects");
    expect(withEntries([7])).toBe("append: entries must be objects");
    expect(withEntries([entry(3, 1)])).toBe("append: entries must be contiguous after prevIndex (expected 2, got 3)");
    expect(withEntries([entry(1, 1)])).toBe("append: entries must be contiguous after prevIndex (expected 2, got 1)");
    expect(withEntries([entry(2, 2), entry(3, 1)])).toBe("append: entry 3 has term 1 out of order");
    expect(withEntries([entry(2, 0)])).toBe("append: entry 2 has term 0 out of order"); // below prevTerm 1
    expect(withEntries([entry(2, 4)])).toBe("append: entry 2 has term 4 out of order"); // above the message's term 3
    expect(withEntries([{ ...entry(2, 1), term: 1.5 }])).toBe("append: entry 2 has term 1.5 out of order");
    expect(withEntries([{ ...entry(2, 1), kind: "other" }])).toBe('append: entry 2 needs kind "normal"|"conf-change" and Uint8Array data');
    expect(withEntries([{ ...entry(2, 1), data: [1] }])).toBe('append: entry 2 needs kind "normal"|"conf-change" and Uint8Array data');
    expect(withEntries([{ ...entry(2, 1), kind: "conf-change" }, entry(3, 3)])).toBeUndefined();
    expect(withEntries([entry(2, 1), entry(3, 1), entry(4, 3)])).toBeUndefined();
  });

  it("snapshot: metadata needs positive index and term and a whole configuration; a chunk must fit the size", () => {
    const meta = "snapshot: metadata must have positive index/term and a configuration";
    const snap = (patch: Record<string, unknown>) => malformed(message("snapshot", { snapshot: { index: 5, term: 2, config, ...patch } }));
    expect(malformed(message("snapshot", { snapshot: null }))).toBe(meta);
    expect(snap({ index: 0 })).toBe(meta);
    expect(snap({ term: 0 })).toBe(meta);
    expect(snap({ config: null })).toBe(meta);
    expect(snap({ config: "all" })).toBe(meta);
    for (const list of ["voters", "votersOutgoing", "learners", "learnersNext"]) {
      expect(snap({ config: { ...config, [list]: undefined } })).toBe(meta);
      expect(snap({ config: { ...config, [list]: [0] } })).toBe(meta);
    }
    expect(snap({ config: { ...config, autoLeave: "no" } })).toBe(meta);
    expect(snap({ config: { ...config, votersOutgoing: [2], learners: [3], learnersNext: [4], autoLeave: true } })).toBeUndefined();
    const fits = "snapshot: chunk exceeds the snapshot size";
    expect(malformed(message("snapshot", { offset: 2 }))).toBe(fits); // 2 + 2 > 3
    expect(malformed(message("snapshot", { offset: 0 }))).toBe(fits); // done, but 0 + 2 !== 3
    expect(malformed(message("snapshot", { offset: 0, done: false }))).toBeUndefined();
  });
});
