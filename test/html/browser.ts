import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { chromium } from "playwright-core";
import type { BrowserContext, Page } from "playwright-core";

/** Debian's Chromium, which `.ci/run` installs (`apt-get install chromium`). */
export const CHROMIUM = "/usr/bin/chromium";

/** A headless Chromium with a fresh profile, and what a page did while loading. */
export interface Browser {
  readonly context: BrowserContext;
  /** Opens `file`, collecting script errors, console errors and every request that left the file system. */
  open(file: string): Promise<{ page: Page; errors: string[]; requests: string[] }>;
  close(): Promise<void>;
}

/**
 * Starts Chromium headless (bounded: 30 s to start). Throws a clear error when it is not installed: the page
 * tests must fail, not pass unseen, where Chromium is missing (in CI, `.ci/run` installs it).
 */
export async function startBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`Chromium is missing at ${CHROMIUM}: the HTML page tests need it (Debian: apt-get install chromium)${process.env["CI"] === "true" ? "; CI must install it" : ""}`);
  }
  const profile = mkdtempSync(path.join(tmpdir(), "quorate-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    timeout: 30_000,
    viewport: { width: 1400, height: 1000 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run", "--disable-component-update", "--disable-sync"],
  });
  return {
    context,
    async open(file) {
      const page = await context.newPage();
      page.setDefaultTimeout(15_000);
      const errors: string[] = [];
      const requests: string[] = [];
      page.on("pageerror", (e) => errors.push(`pageerror: ${e.message}`));
      page.on("console", (m) => {
        if (m.type() === "error") errors.push(`console: ${m.text()}`);
      });
      await page.route("**/*", (route) => {
        const url = route.request().url();
        if (url.startsWith("file:")) return route.continue();
        requests.push(url);
        return route.abort();
      });
      await page.goto(`file://${file}`, { waitUntil: "load" });
      return { page, errors, requests };
    },
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Where screenshots go (not committed): reports/html/. */
export function screenshotPath(name: string): string {
  return path.resolve(import.meta.dirname, "../../reports/html", `${name}.png`);
}
