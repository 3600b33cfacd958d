import { describe, expect, it } from "vitest";
import type { AppendHandle, FileSystem } from "../../src/adapters/storage/fs.js";
import { wrapFileSystem } from "../../src/adapters/storage/wrap-fs.js";

/** A class instance (methods on the prototype, which a spread would not copy) that records every call. */
class Recording implements FileSystem {
  calls: string[] = [];
  async mkdirp(d: string): Promise<void> { this.calls.push(`mkdirp ${d}`); }
  async list(d: string): Promise<string[]> { this.calls.push(`list ${d}`); return ["x"]; }
  async readFile(p: string): Promise<Uint8Array> { this.calls.push(`readFile ${p}`); return new Uint8Array([7]); }
  async openAppend(p: string, create: boolean): Promise<AppendHandle> {
    this.calls.push(`openAppend ${p} ${create}`);
    return { append: async () => undefined, datasync: async () => undefined, close: async () => undefined };
  }
  async openAt(p: string, offset: number): Promise<AppendHandle> {
    this.calls.push(`openAt ${p} ${offset}`);
    return { append: async () => undefined, datasync: async () => undefined, close: async () => undefined };
  }
  async allocate(p: string, n: number): Promise<void> { this.calls.push(`allocate ${p} ${n}`); }
  async rename(a: string, b: string): Promise<void> { this.calls.push(`rename ${a} ${b}`); }
  async unlink(p: string): Promise<void> { this.calls.push(`unlink ${p}`); }
  async truncate(p: string, n: number): Promise<void> { this.calls.push(`truncate ${p} ${n}`); }
  async syncDir(d: string): Promise<void> { this.calls.push(`syncDir ${d}`); }
}

describe("wrapFileSystem", () => {
  it("forwards every method of a class-instance file system, bound to it", async () => {
    const inner = new Recording();
    const fs = wrapFileSystem(inner, {});
    await fs.mkdirp("d");
    expect(await fs.list("d")).toEqual(["x"]);
    expect(await fs.readFile("f")).toEqual(new Uint8Array([7]));
    await fs.openAppend("f", true);
    await fs.openAt("g", 5);
    await fs.allocate("h", 9);
    await fs.rename("a", "b");
    await fs.unlink("u");
    await fs.truncate("t", 3);
    await fs.syncDir("d");
    expect(inner.calls).toEqual(["mkdirp d", "list d", "readFile f", "openAppend f true", "openAt g 5", "allocate h 9", "rename a b", "unlink u", "truncate t 3", "syncDir d"]);
  });

  it("uses the overrides instead of the inner methods they replace", async () => {
    const inner = new Recording();
    const fs = wrapFileSystem(inner, { syncDir: async () => void inner.calls.push("overridden") });
    await fs.syncDir("d");
    await fs.unlink("u");
    expect(inner.calls).toEqual(["overridden", "unlink u"]);
  });
});
