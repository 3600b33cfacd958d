/**
 * The cluster invariants have teeth: forged states that break each one are reported, and mutants patched into a
 * copy of the source (under .cache/, never a hook in production code) are caught by seeded runs.
 */
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { KafkaCluster } from "../../src/adapters/kraft/index.js";
import type * as SimulatorModule from "../../src/adapters/simulator/index.js";
import * as kraftNode from "../../src/core/kraft-node/index.js";
import type { ClusterInvariant, KafkaNode } from "../../src/core/kraft-node/index.js";
import { MetadataImage, replay } from "../../src/core/metadata/index.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");

function bootedCluster(): KafkaCluster {
  const c = new KafkaCluster({ brokers: 3, seed: 9 });
  c.bootstrap();
  c.createPartitions("orders", 6, 3);
  c.advance(500);
  return c;
}

/** Checks `forged` after every real node was checked once; returns the invariants reported. */
function reported(c: KafkaCluster, forged: KafkaNode): ClusterInvariant[] {
  const ids = [...c.controllerIds, ...c.brokerIds];
  const live = ids.map((id) => c.node(id));
  const h = kraftNode.emptyClusterHistory();
  for (const n of live) expect(kraftNode.checkAfterStep(h, n, live)).toEqual([]);
  return kraftNode.checkAfterStep(h, forged, live.map((n) => (n.config.id === forged.config.id ? forged : n))).map((v) => v.invariant);
}

describe("each cluster invariant fires on a state that breaks it", () => {
  const c = bootedCluster();
  const leaderId = c.activeController();
  const leader = c.node(leaderId);
  const otherId = c.controllerIds.find((id) => id !== leaderId)!;
  const other = c.node(otherId);

  it("two quorum leaders in one epoch", () => {
    const forged: KafkaNode = { ...other, quorum: { ...leader.quorum, config: { ...leader.quorum.config, id: otherId } } };
    expect(reported(c, forged)).toContain("kraft-one-leader-per-epoch");
  });
  it("an epoch going backwards and a high watermark going backwards", () => {
    const forged: KafkaNode = { ...other, quorum: { ...other.quorum, epoch: other.quorum.epoch - 1, highWatermark: other.quorum.highWatermark - 1 } };
    const r = reported(c, forged);
    expect(r).toContain("kraft-epoch-monotonic");
    expect(r).toContain("kraft-high-watermark-monotonic");
  });
  it("a leader's high watermark not held by a majority", () => {
    const forged: KafkaNode = { ...leader, quorum: { ...leader.quorum, highWatermark: leader.quorum.durableEnd + 0, durableEnd: leader.quorum.durableEnd } };
    // Make the two followers hold nothing: replace them by copies with empty logs.
    const live = [...c.controllerIds, ...c.brokerIds].map((id) => c.node(id));
    const emptied = live.map((n) =>
      n.config.id === leaderId || c.brokerIds.includes(n.config.id) ? n : { ...n, quorum: { ...n.quorum, log: { ...n.quorum.log, count: 0 }, durableEnd: 0 } },
    );
    const h = kraftNode.emptyClusterHistory();
    const vs = kraftNode.checkAfterStep(h, forged, emptied).map((v) => v.invariant);
    expect(vs).toContain("kraft-high-watermark-majority");
  });
  it("two controllers accepting writes in one epoch", () => {
    const forged: KafkaNode = { ...other, controller: { ...other.controller!, active: leader.controller!.active } };
    expect(reported(c, forged)).toContain("one-active-controller-per-epoch");
  });
  it("a broker image that differs from the controller's at the same offset", () => {
    const b = c.brokerIds[0]!;
    const img = c.node(b).broker!.image;
    const forgedImage = new MetadataImage(img.offset, new Map(), img.topics, img.topicIdsByName, img.configs, img.features);
    const forged: KafkaNode = { ...c.node(b), broker: { ...c.node(b).broker!, image: forgedImage } };
    expect(reported(c, forged)).toContain("images-agree");
  });
  it("a fenced broker that still leads, and a partition leader going back in epoch", () => {
    const b = c.brokerIds[0]!;
    const img = c.node(b).broker!.image;
    const victim = img.partition("orders", 0)!.leader;
    const fenced = replay(img, { type: "FenceBroker", brokerId: victim, brokerEpoch: img.broker(victim)!.brokerEpoch }, img.offset + 1);
    const forged: KafkaNode = { ...c.node(b), broker: { ...c.node(b).broker!, image: fenced } };
    const r = reported(c, forged);
    expect(r).toContain("fenced-broker-leads-nothing");
    expect(r).toContain("leader-in-isr-and-unfenced");
  });
});

interface Mutant {
  readonly name: string;
  readonly file: string;
  readonly search: string;
  readonly replace: string;
  readonly expect: ClusterInvariant;
}

const MUTANTS: readonly Mutant[] = [
  {
    name: "hw-without-majority",
    file: "core/kraft/leader.ts",
    search: "const candidate = offsets[Math.floor(voters.length / 2)] as number;",
    replace: "const candidate = offsets[0] as number;",
    expect: "kraft-high-watermark-majority",
  },
  {
    name: "broker-skips-fence-records",
    file: "core/kraft-node/node.ts",
    search: "const b = md.brokerStep(ctx.n.broker, input);",
    replace: 'const b = md.brokerStep(ctx.n.broker, { ...input, records: input.records.map((r) => (r.type === "FenceBroker" ? { type: "NoOp" as const } : r)) });',
    expect: "images-agree",
  },
];

async function loadMutant(m: Mutant): Promise<typeof SimulatorModule> {
  const dir = path.join(repoRoot, ".cache", "kcluster-mutants", m.name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  cpSync(path.join(repoRoot, "src"), path.join(dir, "src"), { recursive: true });
  const file = path.join(dir, "src", m.file);
  const text = readFileSync(file, "utf8");
  const parts = text.split(m.search);
  if (parts.length !== 2) throw new Error(`mutant ${m.name}: the patch matches ${parts.length - 1} times in src/${m.file}; update the mutant`);
  writeFileSync(file, parts.join(m.replace));
  return (await import(path.join(dir, "src", "adapters", "simulator", "index.ts"))) as typeof SimulatorModule;
}

describe("mutants patched into a copy of the source are caught by seeded fault runs", () => {
  for (const m of MUTANTS) {
    it(`${m.name} → ${m.expect}`, async () => {
      const sim = await loadMutant(m);
      let caught: { seed: number; invariant: string } | undefined;
      for (let seed = 1; seed <= 20 && caught === undefined; seed++) {
        const o = { seed, nodes: 6, steps: 6000, faults: sim.allFaults() };
        const r = sim.simulate(sim.kraftProtocol(sim.kraftConfigFor(o)), o);
        const v = r.violations.find((x) => x.invariant === (m.expect as string));
        if (v !== undefined) caught = { seed, invariant: v.invariant };
      }
      expect(caught?.invariant).toBe(m.expect);
    });
  }

  it("the unpatched source passes the same seeds", async () => {
    const sim = await import("../../src/adapters/simulator/index.js");
    for (let seed = 1; seed <= 3; seed++) {
      const o = { seed, nodes: 6, steps: 6000, faults: sim.allFaults() };
      const r = sim.simulate(sim.kraftProtocol(sim.kraftConfigFor(o)), o);
      expect(r.violations).toEqual([]);
    }
  });
});
