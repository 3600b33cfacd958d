// `quorate verify-trace` never calls garbage green: an empty trace, a trace without its cluster record, records
// naming nodes outside the cluster, and records the schema forbids are bad input (exit 2) naming line and field.
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { run } from "../../src/adapters/cli/commands/verify-trace.js";
import { captureCliOutput } from "../support/cli-output.js";

const io = captureCliOutput("quorate-verify-bad-");
const dir = io.dir;

const write = (name: string, lines: readonly unknown[] | string): string => {
  const file = path.join(dir, name);
  writeFileSync(file, typeof lines === "string" ? lines : lines.map((l) => JSON.stringify(l)).join("\n") + "\n");
  return file;
};
const cluster = { type: "cluster", nodes: [1, 2, 3] };
const state = (node: number, extra: Record<string, unknown> = {}) => ({ type: "state", t: 1, node, term: 1, role: "follower", vote: 0, commit: 0, applied: 0, ...extra });

async function expectBad(file: string, message: string): Promise<void> {
  io.err = "";
  expect(await run([file, "--protocol", "raft"]), message).toBe(2);
  expect(io.err).toContain(message);
  expect(io.out).toBe("");
}

describe("quorate verify-trace refuses garbage with exit 2", () => {
  it("an empty or blank trace", async () => {
    await expectBad(write("empty.ndjson", ""), "empty.ndjson:1: the trace has no records");
    await expectBad(write("blank.ndjson", "\n\n// a comment\n"), "blank.ndjson:1: the trace has no records");
  });

  it("a trace that does not start with its cluster, has two, or observes no node", async () => {
    await expectBad(write("nocluster.ndjson", [state(1)]), 'nocluster.ndjson:1: the first record must be {"type":"cluster"');
    await expectBad(write("two.ndjson", [cluster, state(1), cluster]), 'two.ndjson:3: a second "cluster" record');
    await expectBad(write("only.ndjson", [cluster, { type: "fault", t: 1, fault: "drop" }]), "only.ndjson:1: the trace observes no node");
  });

  it("a record for node 9 in a cluster of [1,2,3], in every field that names a node", async () => {
    await expectBad(write("n9.ndjson", [cluster, state(1), state(9)]), 'n9.ndjson:3: field "node" is node 9, which is not in the cluster [1,2,3] of line 1');
    await expectBad(write("vote.ndjson", [cluster, state(1, { vote: 7 })]), 'vote.ndjson:2: field "vote" is node 7');
    await expectBad(write("leader.ndjson", [cluster, state(1, { leader: 4 })]), 'leader.ndjson:2: field "leader" is node 4');
    await expectBad(write("msg.ndjson", [cluster, state(1), { type: "msg", t: 2, ev: "send", from: 1, to: 5, id: 1, msg: "vote" }]), 'msg.ndjson:3: field "to" is node 5');
    await expectBad(write("fault.ndjson", [cluster, state(1), { type: "fault", t: 2, fault: "crash", nodes: [2, 6] }]), 'fault.ndjson:3: field "nodes[1]" is node 6');
    // Indexes named "from" are not nodes: a log from index 8 is fine in a 3-node cluster.
    io.err = "";
    expect(await run([write("from.ndjson", [cluster, state(1), { type: "log", t: 2, node: 1, from: 8, entries: [] }]), "--protocol", "raft"])).not.toBe(2);
    expect(io.err).toBe("");
  });

  it("records the schema forbids, naming the line and field (validated with schemas/raft-trace.schema.json)", async () => {
    await expectBad(write("key.ndjson", [cluster, state(1), { type: "invoke", t: 2, client: 0, id: 1, f: "write", key: 3 }]), 'key.ndjson:3: field "key" must be string, got 3');
    await expectBad(write("ev.ndjson", [cluster, state(1), { type: "msg", t: 2, ev: "teleport", from: 1, to: 2 }]), 'ev.ndjson:3: field "ev" must be one of "send", "deliver", "drop", "dup"; got "teleport"');
    await expectBad(write("req.ndjson", [cluster, { type: "state", t: 1, node: 1, term: 1, role: "leader", vote: 1, commit: 0 }]), 'req.ndjson:2: field "applied" is required');
    await expectBad(write("dup.ndjson", [{ type: "cluster", nodes: [1, 1] }, state(1)]), 'dup.ndjson:1: field "nodes" must NOT have duplicate items');
  });

  it("a change to the schema is enforced: a field the schema forbids (here: a made-up enum) is refused", async () => {
    // The validator reads schemas/ at run time; the test proves the code defers to it by what it refuses:
    // "role" values come from the schema's enum only, so a role the code once knew but the schema lacks fails.
    const schema = JSON.parse(readFileSync(path.resolve(import.meta.dirname, "../../schemas/raft-trace.schema.json"), "utf8")) as {
      $defs: { state: { properties: { role: { enum: string[] } } } };
    };
    const roles = schema.$defs.state.properties.role.enum;
    expect(roles).toContain("leader");
    expect(roles).not.toContain("observer");
    await expectBad(write("role.ndjson", [cluster, state(1, { role: "observer" })]), `role.ndjson:2: field "role" must be one of ${roles.map((r) => JSON.stringify(r)).join(", ")}`);
  });

  it("a trace within the rules still verifies (exit 0)", async () => {
    expect(await run([write("ok.ndjson", [cluster, state(1), state(2, { vote: 1 })]), "--protocol", "raft"])).toBe(0);
    expect(io.out).toContain("3 records, every Raft invariant held");
  });
});
