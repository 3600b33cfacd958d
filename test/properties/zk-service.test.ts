// fast-check over the in-process service: random client operations, pings stopping, disconnects, reconnects and
// time passing. After every step the tree's invariants hold, no ephemeral outlives its session, sequential names
// never repeat under a parent, and zxids only grow.
// Replay a failure with: ZK_SEED=<seed> npx vitest run test/properties/zk-service.test.ts
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ZkError, assertTreeInvariants } from "../../src/core/zk/index.js";
import { ZkClient, ZkService } from "../../src/adapters/zk/index.js";

type Action =
  | { t: "create"; c: number; path: string; mode: "PERSISTENT" | "EPHEMERAL" | "PERSISTENT_SEQUENTIAL" | "EPHEMERAL_SEQUENTIAL" | "CONTAINER" }
  | { t: "delete"; c: number; path: string }
  | { t: "setData"; c: number; path: string }
  | { t: "silence" | "disconnect" | "reconnect" | "close"; c: number }
  | { t: "wait"; ms: number };

const paths = ["/a", "/a/b", "/c", "/c/d", "/q/n-", "/q"];
const client = fc.integer({ min: 0, max: 2 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ t: fc.constant("create" as const), c: client, path: fc.constantFrom(...paths), mode: fc.constantFrom("PERSISTENT", "EPHEMERAL", "PERSISTENT_SEQUENTIAL", "EPHEMERAL_SEQUENTIAL", "CONTAINER") as fc.Arbitrary<"PERSISTENT"> }) },
  { weight: 3, arbitrary: fc.record({ t: fc.constant("delete" as const), c: client, path: fc.constantFrom(...paths, "/q/n-0000000000", "/q/n-0000000001") }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("setData" as const), c: client, path: fc.constantFrom(...paths) }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constantFrom("silence" as const, "disconnect" as const, "reconnect" as const, "close" as const), c: client }) },
  { weight: 2, arbitrary: fc.record({ t: fc.constant("wait" as const), ms: fc.integer({ min: 1, max: 5000 }) }) },
);

const seed = process.env.ZK_SEED === undefined ? undefined : Number(process.env.ZK_SEED);

describe("ZkService under random operations and time", () => {
  it("keeps its invariants: tree structure, ephemerals die with their session, sequential names never repeat", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(action, { maxLength: 60 }), async (actions) => {
        const service = new ZkService();
        const clients = [0, 1, 2].map(() => ZkClient.connect(service, 400));
        const seqNames = new Set<string>();
        let lastZxid = service.lastZxid;
        for (const a of actions) {
          try {
            if (a.t === "wait") service.advance(a.ms);
            else {
              const c = clients[a.c]!;
              if (a.t === "create") {
                const r = await c.create(a.path, "x", { mode: a.mode });
                if (a.mode.includes("SEQUENTIAL")) {
                  expect(seqNames.has(r.path)).toBe(false);
                  seqNames.add(r.path);
                }
              } else if (a.t === "delete") await c.delete(a.path);
              else if (a.t === "setData") await c.setData(a.path, "y");
              else if (a.t === "silence") c.setPinging(false);
              else if (a.t === "disconnect") c.disconnect();
              else if (a.t === "reconnect") await c.reconnect();
              else await c.close();
            }
          } catch (e) {
            if (!(e instanceof ZkError)) throw e;
          }
          assertTreeInvariants(service.tree);
          for (const [path, node] of service.tree.nodes) {
            if (node.owner.kind === "ephemeral") expect(service.isSessionAlive(node.owner.session), path).toBe(true);
          }
          expect(service.lastZxid).toBeGreaterThanOrEqual(lastZxid);
          lastZxid = service.lastZxid;
        }
      }),
      { numRuns: 100, ...(seed === undefined ? {} : { seed }) },
    );
  });
});
