import type { SimOptions } from "./options.js";
import type { AnyProtocol } from "./protocol.js";
import { raftProtocol } from "./raft-protocol.js";

/**
 * The systems `quorate simulate --system NAME` can run, each made for one run's options. Raft uses lease
 * reads on odd seeds when clocks do not drift (leases assume bounded drift), ReadIndex reads otherwise.
 */
export const SYSTEMS: Readonly<Record<string, (options: SimOptions) => AnyProtocol>> = {
  raft: (o) => raftProtocol({ readOnly: !o.faults.drift && o.seed % 2 === 1 ? "lease-based" : "safe" }),
};
