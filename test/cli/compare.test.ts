// `quorate compare`: bad input is exit 2 with a clear message (memory estimate printed first); --json has the
// documented shape with ZooKeeper-mode failover growing and KRaft's flat; --html reads well in headless Chromium.
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import { afterAll, afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { run } from "../../src/adapters/cli/commands/compare.js";
import { Exit } from "../../src/adapters/cli/exit-codes.js";

let out = "";
let err = "";
const dir = mkdtempSync(path.join(tmpdir(), "quorate-compare-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  out = "";
  err = "";
  vi.spyOn(process.stdout, "write").mockImplementation((chunk) => ((out += String(chunk)), true));
  vi.spyOn(process.stderr, "write").mockImplementation((chunk) => ((err += String(chunk)), true));
});
afterEach(() => vi.restoreAllMocks());

interface Row { partitions: number; mode: string; failoverMs: number | null; brokerFailureMs: number | null; controlledShutdownMs: number | null; loadMs: number | null; bytesPerPartition: number }

describe("quorate compare: bad input", () => {
  const cases: [string[], RegExp][] = [
    [["--scenario", "meltdown"], /unknown scenario 'meltdown'/],
    [["--partitions", "5"], /5 is out of range 10\.\.2000000/],
    [["--partitions", "1000,3000000"], /3000000 is out of range/],
    [["--partitions", "1e3x"], /'1e3x' is not an integer/],
    [["--partitions", ""], /'' is not an integer/],
    [["--bogus"], /bogus/],
    [["--json", "--json"], /more than once/],
  ];
  for (const [argv, message] of cases) {
    it(`${argv.join(" ")} → exit 2`, async () => {
      expect(await run(argv)).toBe(Exit.badInput);
      expect(err).toMatch(message);
      expect(out).toBe("");
    });
  }
});

describe("quorate compare: results", () => {
  it("--json: one row per count and mode; ZooKeeper-mode failover grows with partitions, KRaft's stays flat; unasked scenarios are null", async () => {
    expect(await run(["--partitions", "200,4000", "--scenario", "controller-failover,controlled-shutdown", "--json", "--fixed-costs"])).toBe(Exit.ok);
    expect(err).toMatch(/memory estimate \d+ MB/);
    const report = JSON.parse(out) as { rows: Row[]; table: Record<string, unknown> };
    expect(report.rows.map((r) => [r.partitions, r.mode])).toEqual([[200, "zk"], [200, "kraft"], [4000, "zk"], [4000, "kraft"]]);
    const zk = report.rows.filter((r) => r.mode === "zk");
    const kraft = report.rows.filter((r) => r.mode === "kraft");
    expect(zk.every((r) => r.failoverMs! > 18_000)).toBe(true); // ZooKeeper's session timeout comes first
    expect(zk[1]!.failoverMs! - zk[0]!.failoverMs!).toBeGreaterThan(500);
    // KRaft: bounded by the fetch timeout plus an election whatever the size (the election's randomness moves it by ~1 s).
    expect(kraft.every((r) => r.failoverMs! < 5000)).toBe(true);
    expect(report.rows.every((r) => r.brokerFailureMs === null && r.loadMs === null && r.controlledShutdownMs! > 0 && r.bytesPerPartition > 0)).toBe(true);
    expect(report.table).toMatchObject({ systems: { zk: 2, kraft: 1 }, published2M: { controlledShutdownMs: { zk: 135_000, kraft: 32_000 } } });
  }, 120_000);

  it("--json: KRaft broker failure, controlled shutdown and cold start come from the simulator scenarios, labelled, scaled above 10000 partitions", async () => {
    expect(await run(["--partitions", "1000,20000", "--scenario", "broker-failure,controlled-shutdown,cold-start", "--json", "--fixed-costs"])).toBe(Exit.ok);
    const report = JSON.parse(out) as { rows: (Row & { source: Record<string, string> })[] };
    const [small, large] = report.rows.filter((r) => r.mode === "kraft");
    expect(small!.source["controlled-shutdown"]).toBe("KRaft scenario on the simulator + measured CPU per PartitionChangeRecord committed");
    expect(small!.source["cold-start"]).toBe("KRaft scenario on the simulator + measured CPU per record replayed");
    expect(small!.source["broker-failure"]).toBe("KRaft scenario on the simulator + measured CPU per PartitionChangeRecord at 1000");
    expect(large!.source["broker-failure"]).toBe("KRaft scenario on the simulator at 10000 partitions + measured CPU per PartitionChangeRecord at 20000");
    // Broker failure waits out the 9 s session (its last heartbeat may be up to 2 s old).
    expect(small!.brokerFailureMs!).toBeGreaterThanOrEqual(7000);
    expect(small!.brokerFailureMs!).toBeLessThan(11_000);
    expect(large!.source["controlled-shutdown"]).toMatch(/on the simulator at 10000 partitions .* scaled to 20000/);
    expect(large!.source["cold-start"]).toMatch(/on the simulator at 10000 partitions .* scaled to 20000/);
    // Controlled shutdown: a commit and one fetch round, well under a heartbeat interval (2 s) at 1000 partitions.
    expect(small!.controlledShutdownMs!).toBeGreaterThan(0);
    expect(small!.controlledShutdownMs!).toBeLessThan(2000);
    // Cold start: nobody leads after a full restart, so at least one election timeout (1 s) passes.
    expect(small!.loadMs!).toBeGreaterThanOrEqual(1000);
    expect(large!.loadMs!).toBeGreaterThanOrEqual(1000);
    // Twenty times the partitions: more records cost more CPU. (Cold start is dominated by the seeded election's
    // timing at these sizes, so its two figures are not ordered.)
    expect(large!.controlledShutdownMs!).toBeGreaterThan(small!.controlledShutdownMs!);
  }, 120_000);

  it("--html writes a page that renders in headless Chromium: the table, and two curves per chart", async () => {
    const file = path.join(dir, "compare.html");
    expect(await run(["--partitions", "100,1000", "--scenario", "controlled-shutdown,cold-start", "--html", file, "--fixed-costs"])).toBe(Exit.ok);
    expect(out).toMatch(/ZooKeeper/);
    expect(readFileSync(file, "utf8")).toMatch(/^<!doctype html>/);
    const browser = await chromium.launchPersistentContext(path.join(dir, "profile"), {
      executablePath: "/usr/bin/chromium", headless: true, viewport: { width: 1200, height: 900 },
      args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
    });
    try {
      const page = await browser.newPage();
      await page.goto(`file://${file}`, { timeout: 20_000 });
      expect(await page.locator("#results tbody tr").count()).toBe(4);
      expect(await page.locator("figure").count()).toBe(2);
      expect(await page.locator("path.series-zk").count()).toBe(2);
      expect(await page.locator("path.series-kraft").count()).toBe(2);
      const box = await page.locator("figure svg").first().boundingBox();
      expect(box!.width).toBeGreaterThan(300);
      const shot = path.join(dir, "compare.png");
      await page.screenshot({ path: shot, fullPage: true });
      expect(statSync(shot).size).toBeGreaterThan(20_000);
    } finally {
      await browser.close();
    }
  }, 120_000);
});
