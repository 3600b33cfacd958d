import { describe, expect, it } from "vitest";
import {
  ByteWriter,
  MetadataDelta,
  MetadataImage,
  PartitionTable,
  PersistentMap,
  decodeSnapshot,
  encodeSnapshot,
  imageDiff,
  imageEquals,
  replay,
  replayBatch,
} from "../../src/core/metadata/index.js";
import type { MetadataRecord } from "../../src/core/metadata/index.js";
import { codeOf } from "./errors.js";


const BROKERS: MetadataRecord[] = [0, 1, 2, 3].map((b) => ({
  type: "RegisterBroker",
  brokerId: b,
  incarnationId: `i${b}`,
  brokerEpoch: b,
  rack: null,
  fenced: false,
  inControlledShutdown: false,
}));

function topicRecords(id: string, name: string, n: number): MetadataRecord[] {
  const out: MetadataRecord[] = [{ type: "Topic", name, topicId: id }];
  for (let p = 0; p < n; p++) {
    const replicas = [p % 4, (p + 1) % 4, (p + 2) % 4];
    out.push({ type: "Partition", topicId: id, partitionId: p, replicas, isr: replicas, leader: replicas[0] as number, leaderEpoch: 0, partitionEpoch: 0 });
  }
  return out;
}

function build(): MetadataImage {
  return replayBatch(MetadataImage.EMPTY, [...BROKERS, ...topicRecords("A", "alpha", 5), ...topicRecords("B", "beta", 3)], 0);
}

describe("MetadataImage replay", () => {
  it("builds topics, partitions and brokers from records", () => {
    const img = build();
    expect(img.offset).toBe(BROKERS.length + 6 + 4 - 1);
    expect(img.partitionCount).toBe(8);
    expect(img.partition("alpha", 2)).toEqual({ partitionId: 2, replicas: [2, 3, 0], isr: [2, 3, 0], leader: 2, leaderEpoch: 0, partitionEpoch: 0 });
    expect(img.partition("alpha", 5)).toBeUndefined();
    expect(img.partition("gamma", 0)).toBeUndefined();
    expect(img.topicByName("beta")?.id).toBe("B");
    expect(img.broker(3)?.fenced).toBe(false);
  });

  it("PartitionChange: -2 keeps the leader and its epoch, -1 clears it, a broker id sets it; partition epoch always bumps", () => {
    let img = build();
    img = replay(img, { type: "PartitionChange", topicId: "A", partitionId: 0, leader: -2, isr: [0, 1], replicas: null }, img.offset + 1);
    expect(img.partition("alpha", 0)).toMatchObject({ leader: 0, leaderEpoch: 0, partitionEpoch: 1, isr: [0, 1] });
    img = replay(img, { type: "PartitionChange", topicId: "A", partitionId: 0, leader: -1, isr: null, replicas: null }, img.offset + 1);
    expect(img.partition("alpha", 0)).toMatchObject({ leader: -1, leaderEpoch: 1, partitionEpoch: 2 });
    img = replay(img, { type: "PartitionChange", topicId: "A", partitionId: 0, leader: 1, isr: null, replicas: null }, img.offset + 1);
    expect(img.partition("alpha", 0)).toMatchObject({ leader: 1, leaderEpoch: 2, partitionEpoch: 3 });
    // Wider replica sets widen the topic's row stride without disturbing other partitions.
    img = replay(img, { type: "PartitionChange", topicId: "A", partitionId: 0, leader: -2, isr: [1, 0, 3], replicas: [0, 1, 2, 3] }, img.offset + 1);
    expect(img.topicByName("alpha")?.partitions.stride).toBe(4);
    expect(img.partition("alpha", 0)).toMatchObject({ replicas: [0, 1, 2, 3], isr: [1, 0, 3] });
    expect(img.partition("alpha", 4)).toEqual(build().partition("alpha", 4));
  });

  it("deltas share untouched topics and never modify their base", () => {
    const base = build();
    const baseView = base.partition("alpha", 1);
    const delta = new MetadataDelta(base);
    delta.replay({ type: "PartitionChange", topicId: "A", partitionId: 1, leader: -1, isr: null, replicas: null }, base.offset + 1);
    delta.replay({ type: "FenceBroker", brokerId: 1, brokerEpoch: 1 }, base.offset + 2);
    expect([...delta.changedTopicIds()]).toEqual(["A"]);
    expect([...delta.changedBrokerIds()]).toEqual([1]);
    expect(delta.offset).toBe(base.offset + 2);
    const next = delta.apply();
    expect(next.topicById("B")).toBe(base.topicById("B"));
    expect(next.topicById("A")).not.toBe(base.topicById("A"));
    expect(base.partition("alpha", 1)).toEqual(baseView);
    expect(base.broker(1)?.fenced).toBe(false);
    expect(next.broker(1)?.fenced).toBe(true);
    expect(next.partition("alpha", 1)?.leader).toBe(-1);
    // A delta with only a NoOp shares everything.
    const noop = replay(next, { type: "NoOp" }, next.offset + 1);
    expect(noop.topics).toBe(next.topics);
    expect(noop.brokers).toBe(next.brokers);
  });

  it("handles topic removal (with its configs), re-creation, configs and features", () => {
    let img = build();
    const recs: MetadataRecord[] = [
      { type: "Config", resourceType: "topic", resourceName: "alpha", name: "retention.ms", value: "5" },
      { type: "Config", resourceType: "cluster", resourceName: "", name: "k", value: "v" },
      { type: "FeatureLevel", name: "metadata.version", featureLevel: 7 },
      { type: "RemoveTopic", topicId: "A" },
      ...topicRecords("C", "alpha", 1),
      { type: "Config", resourceType: "cluster", resourceName: "", name: "k", value: null },
      { type: "FeatureLevel", name: "metadata.version", featureLevel: 0 },
      { type: "UnregisterBroker", brokerId: 3, brokerEpoch: 3 },
      { type: "BrokerRegistrationChange", brokerId: 2, brokerEpoch: 2, fenced: true, inControlledShutdown: true },
      { type: "UnfenceBroker", brokerId: 2, brokerEpoch: 2 },
    ];
    img = replayBatch(img, recs, img.offset + 1);
    expect(img.topicById("A")).toBeUndefined();
    expect(img.topicByName("alpha")?.id).toBe("C");
    expect(img.config("topic", "alpha", "retention.ms")).toBeUndefined();
    expect(img.configs.size).toBe(0);
    expect(img.features.size).toBe(0);
    expect(img.broker(3)).toBeUndefined();
    expect(img.broker(2)).toMatchObject({ fenced: false, inControlledShutdown: true });
    // Removing and re-adding inside one delta.
    const d = new MetadataDelta(img);
    d.replay({ type: "RemoveTopic", topicId: "B" }, img.offset + 1);
    expect([...d.removedTopicIds()]).toEqual(["B"]);
    d.replay({ type: "Topic", name: "beta", topicId: "B" }, img.offset + 2);
    const after = d.apply();
    expect(after.topicByName("beta")?.partitions.count).toBe(0);
  });

  it("rejects conflicting records with REPLAY_CONFLICT and leaves the image untouched", () => {
    const img = build();
    const snap = encodeSnapshot(img);
    const at = img.offset + 1;
    const conflicts: MetadataRecord[] = [
      { type: "FenceBroker", brokerId: 9, brokerEpoch: 1 },
      { type: "FenceBroker", brokerId: 1, brokerEpoch: 99 },
      { type: "UnregisterBroker", brokerId: 1, brokerEpoch: 2 },
      { type: "Topic", name: "alpha", topicId: "Z" },
      { type: "Topic", name: "zeta", topicId: "A" },
      { type: "Partition", topicId: "Q", partitionId: 0, replicas: [1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0 },
      { type: "Partition", topicId: "A", partitionId: 9, replicas: [1], isr: [1], leader: 1, leaderEpoch: 0, partitionEpoch: 0 },
      { type: "PartitionChange", topicId: "A", partitionId: 9, leader: -2, isr: null, replicas: null },
      { type: "PartitionChange", topicId: "A", partitionId: 0, leader: 3, isr: null, replicas: null },
      { type: "PartitionChange", topicId: "A", partitionId: 0, leader: -2, isr: null, replicas: [3] },
      { type: "RemoveTopic", topicId: "Q" },
    ];
    for (const r of conflicts) {
      expect(codeOf(() => replay(img, r, at))).toBe("REPLAY_CONFLICT");
      // And inside a larger batch: all or nothing.
      expect(codeOf(() => replayBatch(img, [{ type: "NoOp" }, r], at))).toBe("REPLAY_CONFLICT");
    }
    expect(codeOf(() => replay(img, { type: "NoOp" }, img.offset))).toBe("OFFSET_REGRESSION");
    expect(codeOf(() => replay(img, { type: "NoOp" }, 1.5))).toBe("OFFSET_REGRESSION");
    expect(codeOf(() => replay(img, { type: "Nope" } as unknown as MetadataRecord, at))).toBe("INVALID_RECORD");
    expect(encodeSnapshot(img)).toEqual(snap);
  });
});

describe("PersistentMap", () => {
  it("behaves like a Map and shares untouched buckets", () => {
    const m0 = PersistentMap.empty<number>();
    const e = m0.edit();
    for (let i = 0; i < 2000; i++) e.set(`k${i}`, i);
    e.set("k1", 100);
    e.delete("k2");
    e.delete("absent");
    expect(e.changed).toBe(true);
    const m1 = e.done(m0);
    expect(m1.size).toBe(1999);
    expect(m0.size).toBe(0);
    expect(m1.get("k1")).toBe(100);
    expect(m1.has("k2")).toBe(false);
    expect([...m1.values()].length).toBe(1999);
    const e2 = m1.edit();
    expect(e2.changed).toBe(false);
    expect(e2.done(m1)).toBe(m1);
    e2.set("k3", -3);
    const m2 = e2.done(m1);
    expect(m2.get("k3")).toBe(-3);
    expect(m1.get("k3")).toBe(3);
  });
});

describe("snapshots", () => {
  it("round-trip an image exactly, including configs, features and fenced brokers", () => {
    const img = replayBatch(build(), [
      { type: "Config", resourceType: "topic", resourceName: "alpha", name: "a", value: "1" },
      { type: "Config", resourceType: "broker", resourceName: "2", name: "b", value: "é" },
      { type: "FeatureLevel", name: "metadata.version", featureLevel: 21 },
      { type: "FenceBroker", brokerId: 2, brokerEpoch: 2 },
      { type: "RegisterBroker", brokerId: 9, incarnationId: "r", brokerEpoch: 30, rack: "east", fenced: true, inControlledShutdown: false },
      { type: "PartitionChange", topicId: "A", partitionId: 2, leader: -1, isr: [2], replicas: null },
    ], 100);
    const bytes = encodeSnapshot(img);
    const back = decodeSnapshot(bytes);
    expect(imageDiff(back, img)).toBeUndefined();
    expect(imageEquals(back, img)).toBe(true);
    expect(encodeSnapshot(back)).toEqual(bytes);
    expect(decodeSnapshot(encodeSnapshot(MetadataImage.EMPTY)).offset).toBe(-1);
  });

  it("imageDiff finds each kind of difference", () => {
    const a = build();
    const diffs = [
      replay(a, { type: "NoOp" }, a.offset + 1),
      replay(a, { type: "FenceBroker", brokerId: 0, brokerEpoch: 0 }, a.offset + 1),
      replay(a, { type: "UnregisterBroker", brokerId: 0, brokerEpoch: 0 }, a.offset + 1),
      replay(a, { type: "FeatureLevel", name: "f", featureLevel: 1 }, a.offset + 1),
      replay(a, { type: "Config", resourceType: "cluster", resourceName: "", name: "x", value: "y" }, a.offset + 1),
      replay(a, { type: "RemoveTopic", topicId: "B" }, a.offset + 1),
      replay(a, { type: "PartitionChange", topicId: "B", partitionId: 0, leader: -1, isr: null, replicas: null }, a.offset + 1),
    ];
    for (const d of diffs) {
      const b = new MetadataImage(a.offset, d.brokers, d.topics, d.topicIdsByName, d.configs, d.features);
      const same = d.offset === a.offset + 1 && d.topics === a.topics && d.brokers === a.brokers && d.configs === a.configs && d.features === a.features;
      expect(imageDiff(same ? d : b, a)).toBeDefined();
      expect(imageDiff(a, same ? d : b)).toBeDefined();
    }
    const c1 = replay(a, { type: "Config", resourceType: "cluster", resourceName: "", name: "x", value: "y" }, a.offset + 1);
    const c2 = replay(a, { type: "Config", resourceType: "cluster", resourceName: "", name: "x", value: "z" }, a.offset + 1);
    expect(imageDiff(c1, c2)).toMatch(/config/);
    const t1 = replayBatch(a, topicRecords("X", "x1", 1), a.offset + 1);
    const t2 = replayBatch(a, topicRecords("Y", "x1", 1), a.offset + 1);
    expect(imageDiff(t1, t2)).toMatch(/topic/);
    const n2 = replayBatch(a, topicRecords("X", "x2", 1), a.offset + 1);
    expect(imageDiff(t1, n2)).toMatch(/name/);
    const p1 = replayBatch(a, [...topicRecords("X", "x1", 1), { type: "NoOp" }], a.offset + 1);
    const p2 = replayBatch(a, topicRecords("X", "x1", 2), a.offset + 1);
    expect(imageDiff(p1, p2)).toMatch(/partition count/);
  });

  const corrupt: [string, (b: Uint8Array) => Uint8Array][] = [
    ["bad magic", (b) => Uint8Array.of(0, ...b.subarray(1))],
    ["bad version", (b) => { const c = b.slice(); c[4] = 9; return c; }],
    ["trailing byte", (b) => Uint8Array.of(...b, 0)],
    ["empty", () => new Uint8Array(0)],
  ];
  for (const [why, f] of corrupt) {
    it(`rejects a snapshot with ${why} as MALFORMED_SNAPSHOT`, () => {
      expect(codeOf(() => decodeSnapshot(f(encodeSnapshot(build()))))).toBe("MALFORMED_SNAPSHOT");
    });
  }
  it("rejects every truncation as MALFORMED_SNAPSHOT", () => {
    const bytes = encodeSnapshot(replayBatch(build(), [{ type: "Config", resourceType: "cluster", resourceName: "", name: "k", value: "v" }, { type: "FeatureLevel", name: "f", featureLevel: 1 }], 50));
    for (let cut = 0; cut < bytes.length; cut += 3) expect(codeOf(() => decodeSnapshot(bytes.subarray(0, cut)))).toBe("MALFORMED_SNAPSHOT");
  });
  it("rejects partition rows the log could never produce", () => {
    const img = build();
    const bytes = encodeSnapshot(img);
    const table = img.topicById("A")?.partitions as PartitionTable;
    const rowBytes = table.count * table.rowWidth * 4;
    // Locate topic A's rows in the snapshot by searching for its first row.
    const first = new Uint8Array(table.rows.buffer, table.rows.byteOffset, rowBytes);
    let at = -1;
    for (let i = 0; i + rowBytes <= bytes.length && at < 0; i++) {
      let ok = true;
      for (let j = 0; j < rowBytes && ok; j++) ok = bytes[i + j] === first[j];
      if (ok) at = i;
    }
    expect(at).toBeGreaterThan(0);
    const mutations: [string, number, number][] = [
      ["leader outside isr", 0, 9],
      ["negative leader epoch", 1, -1],
      ["negative partition epoch", 2, -1],
      ["zero replicas", 3, 0],
      ["isr larger than replicas", 3, 3 | (4 << 8)],
      ["replica count above stride", 3, 4 | (1 << 8)],
      ["negative replica", 4, -5],
      ["duplicate replica", 5, 0],
      ["isr member not a replica", 7, 9],
      ["duplicate isr member", 8, 0],
      ["garbage in high bits", 3, 3 | (3 << 8) | (1 << 20)],
    ];
    for (const [why, slot, value] of mutations) {
      const c = bytes.slice();
      new DataView(c.buffer).setInt32(at + slot * 4, value, true);
      expect(codeOf(() => decodeSnapshot(c)), why).toBe("MALFORMED_SNAPSHOT");
    }
  });
});

describe("snapshot sections are validated", () => {
  /** Writes a snapshot by hand: header, then the caller's sections. */
  function craft(body: (w: ByteWriter) => void): Uint8Array {
    const w = new ByteWriter(64);
    for (const b of [0x51, 0x4d, 0x44, 0x53, 1]) w.u8(b);
    w.varUint(10);
    body(w);
    return w.finish();
  }
  const none = (w: ByteWriter, n = 1): void => {
    for (let i = 0; i < n; i++) w.varUint(0);
  };
  const broker = (w: ByteWriter, id: number, inc: string): void => {
    w.varUint(id);
    w.varUint(1);
    w.string(inc);
    w.u8(0);
    w.u8(0);
    w.u8(0);
  };
  const topic = (w: ByteWriter, id: string, name: string, stride: number): void => {
    w.string(id);
    w.string(name);
    w.varUint(0);
    w.u8(stride);
  };
  const cases: [string, (w: ByteWriter) => void][] = [
    ["feature level 0", (w) => { w.varUint(1); w.string("f"); w.varUint(0); none(w, 3); }],
    ["duplicate feature", (w) => { w.varUint(2); w.string("f"); w.varUint(1); w.string("f"); w.varUint(2); none(w, 3); }],
    ["duplicate broker", (w) => { none(w); w.varUint(2); broker(w, 1, "a"); broker(w, 1, "b"); none(w, 2); }],
    ["empty incarnation", (w) => { none(w); w.varUint(1); broker(w, 1, ""); none(w, 2); }],
    ["unknown config resource", (w) => { none(w, 2); w.varUint(1); w.u8(7); }],
    ["empty config resource", (w) => { none(w, 2); w.varUint(1); w.u8(2); w.string(""); w.varUint(0); none(w); }],
    ["duplicate topic id", (w) => { none(w, 3); w.varUint(2); topic(w, "T", "a", 3); topic(w, "T", "b", 3); }],
    ["duplicate topic name", (w) => { none(w, 3); w.varUint(2); topic(w, "T", "a", 3); topic(w, "U", "a", 3); }],
    ["illegal topic name", (w) => { none(w, 3); w.varUint(1); topic(w, "T", "a b", 3); }],
    ["zero stride", (w) => { none(w, 3); w.varUint(1); topic(w, "T", "a", 0); }],
    ["rows overrunning the data", (w) => { none(w, 3); w.varUint(1); w.string("T"); w.string("a"); w.varUint(5); w.u8(3); }],
  ];
  for (const [why, body] of cases) {
    it(`rejects ${why}`, () => {
      expect(codeOf(() => decodeSnapshot(craft(body)))).toBe("MALFORMED_SNAPSHOT");
    });
  }
  it("accepts a well-formed hand-written snapshot (the crafting helper is right)", () => {
    const img = decodeSnapshot(craft((w) => { none(w); w.varUint(1); broker(w, 1, "a"); none(w); w.varUint(1); topic(w, "T", "a", 3); }));
    expect(img.offset).toBe(9);
    expect(img.broker(1)?.incarnationId).toBe("a");
    expect(img.topicByName("a")?.partitions.count).toBe(0);
  });
});
