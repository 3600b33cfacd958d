// Every HTML page the CLI writes, opened in headless Chromium: it loads with no script error and no network
// request, and draws what the data says it should (lanes, arrows per message kind, fault bands, elections, the
// protocol's own legend); zoom, the time window, panning and the filters change what is drawn. Screenshots go
// to reports/html/ (not committed) for a person to look at.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { run as simulateCmd } from "../../src/adapters/cli/commands/simulate.js";
import { LEGENDS, renderSpaceTime } from "../../src/adapters/simulator/index.js";
import type { DiagramSystem } from "../../src/adapters/simulator/index.js";
import { checkLinearizability, register } from "../../src/check/linearizability/index.js";
import { renderHtml } from "../../src/check/linearizability/html.js";
import { info, ok } from "../linearizability/helpers.js";
import { screenshotPath, startBrowser } from "./browser.js";
import type { Browser } from "./browser.js";

const dir = mkdtempSync(path.join(tmpdir(), "quorate-html-"));
let browser: Browser | undefined;

beforeAll(async () => {
  mkdirSync(path.dirname(screenshotPath("x")), { recursive: true });
  browser = await startBrowser();
}, 60_000);

afterAll(async () => {
  await browser?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `quorate simulate … --trace --html` in-process; returns the trace records and the page's path. */
async function simulatePage(system: DiagramSystem, seed: number, steps: number): Promise<{ file: string; trace: Record<string, unknown>[] }> {
  const file = path.join(dir, `${system}-${seed}.html`);
  const trace = path.join(dir, `${system}-${seed}.ndjson`);
  const out = vi.spyOn(process.stdout, "write").mockImplementation(() => true);
  try {
    const code = await simulateCmd(["--system", system, "--seed", String(seed), "--steps", String(steps), "--trace", trace, "--html", file]);
    expect(code).toBe(0);
  } finally {
    out.mockRestore();
  }
  const records = readFileSync(trace, "utf8").trim().split("\n").map((l) => JSON.parse(l) as Record<string, unknown>);
  return { file, trace: records };
}

interface Drawn {
  lanes: number;
  arrows: Record<string, number>;
  drops: number;
  faultBands: Record<string, number>;
  faultLabels: number;
  leaders: number;
  elections: number;
  window: [number, number];
}

/** The browser's globals these tests read (the project's TypeScript has no DOM library). */
interface PageGlobals {
  quorateDiagram: { lastDraw: Drawn; data: { nodes: { kind: string }[] } };
  document: { getElementById(id: string): { width: number; height: number; getContext(kind: "2d"): { getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } } } };
}
const drawn = (page: Page): Promise<Drawn> => page.evaluate(() => (globalThis as unknown as PageGlobals).quorateDiagram.lastDraw);

/** Pixels of the diagram canvas within a small distance of `hex` (arrows of one kind). */
function pixelsOf(page: Page, hex: string): Promise<number> {
  return page.evaluate((colour) => {
    const c = (globalThis as unknown as PageGlobals).document.getElementById("diagram");
    const px = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
    const r = parseInt(colour.slice(1, 3), 16), g = parseInt(colour.slice(3, 5), 16), b = parseInt(colour.slice(5, 7), 16);
    let n = 0;
    for (let k = 0; k < px.length; k += 4) if (Math.abs(px[k]! - r) < 14 && Math.abs(px[k + 1]! - g) < 14 && Math.abs(px[k + 2]! - b) < 14) n++;
    return n;
  }, hex);
}

/** What the trace says the whole-run view must draw: arrows per kind (deliveries and drops), fault records per kind. */
function expected(trace: Record<string, unknown>[]): { arrows: Record<string, number>; faults: Record<string, number>; nodes: number } {
  const arrows: Record<string, number> = {};
  const faults: Record<string, number> = {};
  for (const r of trace) {
    if (r["type"] === "msg" && (r["ev"] === "deliver" || r["ev"] === "drop")) arrows[r["msg"] as string] = (arrows[r["msg"] as string] ?? 0) + 1;
    if (r["type"] === "fault" && r["fault"] !== "heal" && r["fault"] !== "restart") faults[r["fault"] as string] = (faults[r["fault"] as string] ?? 0) + (r["fault"] === "crash" ? (r["nodes"] as number[]).length : 1);
  }
  const cluster = trace.find((r) => r["type"] === "cluster")!;
  return { arrows, faults, nodes: (cluster["nodes"] as number[]).length };
}

/** Message kinds and role names each protocol's legend must show (beyond what the data happens to contain). */
const OWN_LEGEND: Record<DiagramSystem, { kinds: string[]; roles: string[] }> = {
  raft: { kinds: ["append", "heartbeat", "pre-vote", "vote", "snapshot", "timeout-now"], roles: ["leader", "pre-candidate", "learner", "down"] },
  zk: { kinds: ["append", "forward", "touch", "read-index", "read-index-response"], roles: ["leader", "follower", "down"] },
  kraft: { kinds: ["fetch", "fetch-response", "begin-quorum-epoch", "end-quorum-epoch", "fetch-snapshot", "controller-request", "controller-response"], roles: ["leader", "learner", "down"] },
};

/**
 * What is wrong with a simulate page, judged against its trace (empty when nothing is): script errors, network
 * requests, lanes, arrows per kind, drops, fault bands, elections, the window, and the protocol's own legend.
 */
async function problems(page: Page, errors: readonly string[], requests: readonly string[], system: DiagramSystem, trace: Record<string, unknown>[]): Promise<string[]> {
  const out: string[] = [...errors.map((e) => `script error: ${e}`), ...requests.map((r) => `network request: ${r}`)];
  const d = await page.evaluate(() => (globalThis as unknown as { quorateDiagram?: { lastDraw: Drawn | null } }).quorateDiagram?.lastDraw ?? null);
  if (d === null) return [...out, "nothing was drawn"];
  const want = expected(trace);
  if (d.lanes !== want.nodes) out.push(`lanes: drew ${d.lanes}, the trace has ${want.nodes} nodes`);
  for (const k of new Set([...Object.keys(want.arrows), ...Object.keys(d.arrows)])) {
    if (d.arrows[k] !== want.arrows[k]) out.push(`arrows of kind ${k}: drew ${d.arrows[k] ?? 0}, the trace has ${want.arrows[k] ?? 0}`);
  }
  const drops = trace.filter((r) => r["type"] === "msg" && r["ev"] === "drop").length;
  if (d.drops !== drops) out.push(`drops: drew ${d.drops}, the trace has ${drops}`);
  for (const k of new Set([...Object.keys(want.faults), ...Object.keys(d.faultBands), "partition", "crash", "stall"])) {
    if ((d.faultBands[k] ?? 0) !== (want.faults[k] ?? 0)) out.push(`${k} bands: drew ${d.faultBands[k] ?? 0}, the trace has ${want.faults[k] ?? 0}`);
    else if ((want.faults[k] ?? 0) === 0) out.push(`no ${k} in this run: pick a seed that has one`);
  }
  if (d.faultLabels === 0) out.push("no fault label drawn");
  if (d.leaders === 0 || d.elections === 0) out.push(`leaders ${d.leaders}, elections ${d.elections}: expected some of each`);
  const end = Math.max(...trace.map((r) => r["t"] as number));
  if (d.window[0] !== 0 || d.window[1] !== end) out.push(`the page opens on ${d.window.join("..")}, not the whole run 0..${end}`);
  const kinds = await page.locator("#legend-messages li").evaluateAll((lis) => lis.map((li) => li.getAttribute("data-kind") ?? ""));
  const own = LEGENDS[system].messages.map((m) => m.name);
  if (kinds.slice(0, own.length).join() !== own.join()) out.push(`the message legend is not ${system}'s own: ${kinds.join(", ")}`);
  for (const k of Object.keys(want.arrows)) if (!own.includes(k)) out.push(`kind ${k} is not in ${system}'s legend`);
  for (const k of OWN_LEGEND[system].kinds) if (!kinds.includes(k)) out.push(`the legend lacks ${system}'s kind ${k}`);
  const roles = await page.locator("#legend-roles li").evaluateAll((lis) => lis.map((li) => `${li.getAttribute("data-role")}=${li.textContent}`));
  for (const r of OWN_LEGEND[system].roles) if (!roles.some((x) => x.startsWith(`${r}=`))) out.push(`the role legend lacks ${r}`);
  if (system === "kraft") {
    if (!roles.includes("learner=broker (observer)")) out.push(`brokers are not named as such: ${roles.join(", ")}`);
    const lanes = await page.evaluate(() => (globalThis as unknown as PageGlobals).quorateDiagram.data.nodes.map((n) => n.kind));
    if (lanes.slice(3).join() !== "broker,broker" || !lanes.slice(0, 3).every((k) => k === "controller" || k === "combined")) out.push(`lane kinds ${lanes.join(",")}`);
  }
  const rows = await page.locator("#events tbody tr").count();
  const listed = Object.values(want.faults).reduce((a, b) => a + b, 0) + d.elections;
  if (rows < listed) out.push(`the table lists ${rows} rows, fewer than ${listed} faults and elections`);
  return out;
}

describe("simulate --html in Chromium", () => {
  it.each(["raft", "zk", "kraft"] as const)("the %s page loads cleanly and draws every lane, arrow, fault band and its own legend", async (system) => {
    const { file, trace } = await simulatePage(system, 3, 8000);
    const { page, errors, requests } = await browser!.open(file);
    try {
      expect(await problems(page, errors, requests, system, trace)).toEqual([]);
      await page.screenshot({ path: screenshotPath(`simulate-${system}`), fullPage: true });
    } finally {
      await page.close();
    }
  });

  it("teeth: a KRaft run drawn with Raft's legend, a page whose script fails, a page that fetches: each is caught", async () => {
    const { file, trace } = await simulatePage("kraft", 3, 8000);
    const lines = trace.map((r) => JSON.stringify(r));
    const html = readFileSync(file, "utf8");
    const variants: [string, string, RegExp][] = [
      ["raft-legend", renderSpaceTime(lines, { system: "raft" }), /the message legend is not kraft's own|kind fetch is not in kraft's legend|brokers are not named/],
      ["script-throws", html.replace("(function () {", '(function () { throw new Error("deliberately broken");'), /script error: .*deliberately broken/],
      ["fetches", html.replace("<body>", '<body><img src="http://192.0.2.1/x.png" alt="">'), /network request: http:\/\/192\.0\.2\.1/],
    ];
    for (const [name, page, want] of variants) {
      const broken = path.join(dir, `broken-${name}.html`);
      writeFileSync(broken, page);
      const opened = await browser!.open(broken);
      try {
        const found = await problems(opened.page, opened.errors, opened.requests, "kraft", trace);
        expect(found.join("\n"), name).toMatch(want);
      } finally {
        await opened.page.close();
      }
    }
  });

  it("zoom, the time window, panning, the overview and the filters change what is drawn", async () => {
    const { file, trace } = await simulatePage("raft", 5, 8000);
    const end = Math.max(...trace.map((r) => r["t"] as number));
    const { page, errors } = await browser!.open(file);
    try {
      const total = (x: Drawn): number => Object.values(x.arrows).reduce((a, b) => a + b, 0);
      const whole = await drawn(page);
      // A time window typed in.
      await page.fill("#from", "2000");
      await page.fill("#to", "2300");
      await page.locator("#to").dispatchEvent("change");
      const win = await drawn(page);
      expect(win.window).toEqual([2000, 2300]);
      expect(total(win)).toBeGreaterThan(0);
      expect(total(win)).toBeLessThan(total(whole) / 5);
      // A filter: appends disappear from the report and from the pixels.
      const appendColour = LEGENDS.raft.messages.find((m) => m.name === "append")!.colour;
      const before = await pixelsOf(page, appendColour);
      expect(before).toBeGreaterThan(50);
      await page.locator('#legend-messages input[data-kind="append"]').click();
      const filtered = await drawn(page);
      expect(filtered.arrows["append"]).toBeUndefined();
      expect(filtered.arrows["append-response"]).toBe(win.arrows["append-response"]);
      expect(await pixelsOf(page, appendColour)).toBeLessThan(before / 10);
      await page.locator('#legend-messages input[data-kind="append"]').click();
      expect((await drawn(page)).arrows["append"]).toBe(win.arrows["append"]);
      // "none" hides every kind.
      await page.click("#kinds-none");
      expect((await drawn(page)).arrows).toEqual({});
      await page.click("#kinds-all");
      // Zoom in: half the window around its middle.
      await page.click("#zoom-in");
      expect((await drawn(page)).window).toEqual([2075, 2225]);
      // Scroll over the diagram: zoom out around the cursor.
      const box = (await page.locator("#diagram").boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
      await page.mouse.wheel(0, 400);
      await page.waitForFunction(() => {
        const w = (globalThis as unknown as PageGlobals).quorateDiagram.lastDraw.window;
        return w[1] - w[0] > 150;
      });
      // Drag to pan: later times come into view.
      const beforePan = (await drawn(page)).window;
      await page.mouse.move(box.x + box.width * 0.7, box.y + box.height / 2);
      await page.mouse.down();
      await page.mouse.move(box.x + box.width * 0.4, box.y + box.height / 2, { steps: 5 });
      await page.mouse.up();
      const panned = (await drawn(page)).window;
      expect(panned[0]).toBeGreaterThan(beforePan[0]);
      expect(panned[1] - panned[0]).toBeCloseTo(beforePan[1] - beforePan[0], 3);
      // The overview: a click near its right end shows the end of the run.
      const ov = (await page.locator("#overview").boundingBox())!;
      await page.mouse.click(ov.x + ov.width - 20, ov.y + ov.height / 2);
      expect((await drawn(page)).window[1]).toBeGreaterThan(end * 0.9);
      // The whole run again.
      await page.click("#whole");
      expect((await drawn(page)).window).toEqual([0, end]);
      // Dropped messages can be hidden.
      await page.locator("#show-drops").click();
      expect((await drawn(page)).drops).toBe(0);
      // A click on a table row shows that fault.
      await page.locator("#events tbody tr").first().click();
      expect((await drawn(page)).window[1]).toBeLessThan(end);
      expect(errors).toEqual([]);
      await page.screenshot({ path: screenshotPath("simulate-raft-zoomed"), fullPage: false });
    } finally {
      await page.close();
    }
  });
});

describe("check --html in Chromium", () => {
  it("a failing and a linearizable history: bars per op, numbered points, the stuck op named, no script error", async () => {
    const model = register();
    const failing = [ok(0, "write", 1, 1, 0, 1), ok(1, "write", 2, 2, 2, 3), ok(2, "read", null, 1, 4, 5), info(3, "write", 7, 1)];
    const fine = [ok(0, "write", 1, 1, 0, 10), ok(1, "read", null, 1, 1, 12), ok(2, "read", null, null, 0, 3)];
    for (const [name, history, points] of [
      ["check-failing", failing, undefined],
      ["check-linearizable", fine, 3],
    ] as const) {
      const result = checkLinearizability(history, model);
      const file = path.join(dir, `${name}.html`);
      writeFileSync(file, renderHtml(result, model, { title: name }));
      const { page, errors, requests } = await browser!.open(file);
      try {
        expect(errors).toEqual([]);
        expect(requests).toEqual([]);
        await expect(page.locator("rect.bar").count()).resolves.toBe(history.length);
        const steps = points ?? result.partitions[0]!.failure!.longestPrefix.length;
        await expect(page.locator("circle").count()).resolves.toBe(steps);
        await expect(page.locator(".verdict").first().textContent()).resolves.toBe(result.verdict);
        if (name === "check-failing") await expect(page.locator("text", { hasText: "✗ read → 1" }).count()).resolves.toBe(1);
        await page.screenshot({ path: screenshotPath(name), fullPage: true });
      } finally {
        await page.close();
      }
    }
  });
});
