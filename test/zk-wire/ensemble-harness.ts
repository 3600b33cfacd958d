// A 3-member `quorate zk-server --ensemble` started by a test: real processes on free loopback ports with data
// in a temp dir, each stopped by its PID (SIGTERM, SIGKILL after 5 s); members can be killed (-9) and restarted
// on the same ports and data.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

import { fourLetterWord, freePort } from "../support/real-zookeeper.js";

const BIN = fileURLToPath(new URL("../../bin/quorate.js", import.meta.url));

/** The tests' zoo.cfg. */
export const TEST_ZOO_CFG = "tickTime=200\nminSessionTimeout=400\nmaxSessionTimeout=4000\nextendedTypesEnabled=true\n4lw.commands.whitelist=*\nznode.container.checkIntervalMs=1000\n";

interface Member {
  readonly id: number;
  readonly peerPort: number;
  readonly clientPort: number;
  child: ChildProcess | undefined;
  exited: Promise<void>;
  stderr: string;
}

/** The running ensemble. */
export class TestEnsemble {
  private constructor(
    readonly dir: string,
    private readonly members: Member[],
    private readonly config: string,
  ) {}

  /**
   * Starts `n` members with the zoo.cfg text `zooCfg` (default: tickTime 200 ms, sessions in [400, 4000] ms, TTL
   * on, every four-letter word, the reaper every second).
   */
  static async start(n = 3, zooCfg = TEST_ZOO_CFG): Promise<TestEnsemble> {
    const dir = mkdtempSync(path.join(os.tmpdir(), "quorate-zk-ensemble-"));
    const config = path.join(dir, "zoo.cfg");
    writeFileSync(config, zooCfg);
    const members: Member[] = [];
    for (let id = 1; id <= n; id++) members.push({ id, peerPort: await freePort(), clientPort: await freePort(), child: undefined, exited: Promise.resolve(), stderr: "" });
    const e = new TestEnsemble(dir, members, config);
    try {
      await Promise.all(members.map((m) => e.launch(m)));
      await e.serving();
    } catch (err) {
      await e.stop();
      throw err;
    }
    return e;
  }

  /** Member ids. */
  get ids(): number[] {
    return this.members.map((m) => m.id);
  }

  /** A member's client port. */
  port(id: number): number {
    return this.member(id).clientPort;
  }

  /** Every member's client port, member 1 first. */
  get ports(): number[] {
    return this.members.map((m) => m.clientPort);
  }

  /** Every member's client address, as a connect string. */
  get hosts(): string {
    return this.members.map((m) => `127.0.0.1:${m.clientPort}`).join(",");
  }

  /** What a member wrote on stderr (for failure messages). */
  stderr(id: number): string {
    return this.member(id).stderr;
  }

  private member(id: number): Member {
    const m = this.members.find((x) => x.id === id);
    if (m === undefined) throw new Error(`no member ${id}`);
    return m;
  }

  private launch(m: Member): Promise<void> {
    const ensemble = this.members.map((x) => `${x.id}=127.0.0.1:${x.peerPort}`).join(",");
    const args = [BIN, "zk-server", "--config", this.config, "--ensemble", ensemble, "--id", String(m.id), "--port", String(m.clientPort), "--data", path.join(this.dir, `member-${m.id}`)];
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    m.child = child;
    m.stderr = "";
    m.exited = new Promise((r) => child.once("exit", () => r()));
    child.stderr!.on("data", (c: Buffer) => (m.stderr += c.toString()));
    return new Promise((resolve, reject) => {
      let out = "";
      const timer = setTimeout(() => reject(new Error(`member ${m.id} did not start within 20 s: ${m.stderr}`)), 20_000);
      child.stdout!.on("data", (c: Buffer) => {
        out += c.toString();
        if (out.includes("listening on")) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.once("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`member ${m.id} exited with ${code}: ${m.stderr}`));
      });
    });
  }

  /** The id of the member that reports `Mode: leader` (polls until one does). */
  async leader(ms = 15_000): Promise<number> {
    const end = Date.now() + ms;
    for (;;) {
      for (const m of this.members) {
        if (m.child === undefined) continue;
        if ((await fourLetterWord(m.clientPort, "srvr", 2000).catch(() => "")).includes("Mode: leader")) return m.id;
      }
      if (Date.now() > end) throw new Error(`no leader within ${ms} ms`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** Resolves once every running member reports `Mode: leader` or `follower` (it knows its leader: it takes clients). */
  async serving(ms = 20_000): Promise<void> {
    const end = Date.now() + ms;
    for (;;) {
      const modes = await Promise.all(this.members.filter((m) => m.child !== undefined).map((m) => fourLetterWord(m.clientPort, "srvr", 2000).then((a) => /Mode: (\w+)/.exec(a)?.[1], () => undefined)));
      if (modes.every((mode) => mode === "leader" || mode === "follower") && modes.includes("leader")) return;
      if (Date.now() > end) throw new Error(`the ensemble is not serving within ${ms} ms (modes: ${modes.join(", ")})`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  /** `kill -9` of one member, by PID; resolves once it exited. */
  async kill(id: number): Promise<void> {
    const m = this.member(id);
    if (m.child?.pid !== undefined && m.child.exitCode === null) process.kill(m.child.pid, "SIGKILL");
    await m.exited;
    m.child = undefined;
  }

  /** Starts a stopped member again on its ports and data. */
  async restart(id: number): Promise<void> {
    await this.launch(this.member(id));
  }

  /** Stops every member by PID (SIGTERM, SIGKILL after 5 s) and removes the data. */
  async stop(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        const child = m.child;
        if (child?.pid === undefined || child.exitCode !== null) return;
        process.kill(child.pid, "SIGTERM");
        const timer = setTimeout(() => child.exitCode === null && process.kill(child.pid!, "SIGKILL"), 5000);
        await m.exited;
        clearTimeout(timer);
        m.child = undefined;
      }),
    );
    rmSync(this.dir, { recursive: true, force: true });
  }

  /** Stops every member by PID (SIGTERM) and starts them all again on the same ports and data. */
  async restartAll(): Promise<void> {
    await Promise.all(
      this.members.map(async (m) => {
        if (m.child?.pid !== undefined && m.child.exitCode === null) process.kill(m.child.pid, "SIGTERM");
        await m.exited;
        m.child = undefined;
      }),
    );
    await Promise.all(this.members.map((m) => this.launch(m)));
    await this.serving();
  }
}
