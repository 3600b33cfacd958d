import type { SimOptions } from "./options.js";
import type { AnyProtocol } from "./protocol.js";
import { raftProtocol } from "./raft-protocol.js";
import type { RaftSimConfig } from "./raft-protocol.js";
import { zkProtocol } from "./zk-protocol.js";
import { kraftConfigFor, kraftProtocol } from "./kraft-protocol.js";

/**
 * The Raft configuration for one run, varied by seed so a campaign covers more of the core: lease reads on odd
 * seeds when clocks do not drift (leases assume bounded drift), ReadIndex reads otherwise; one, a few or many
 * entries per append message.
 */
export function raftConfigFor(o: SimOptions): Partial<RaftSimConfig> {
  const sizes = [1, 64, 4096] as const;
  return {
    readOnly: !o.faults.drift && o.seed % 2 === 1 ? "lease-based" : "safe",
    maxSizePerMsg: sizes[Math.floor(o.seed / 2) % 3]!,
  };
}

/** The systems `quorate simulate --system NAME` can run, each made for one run's options. */
export const SYSTEMS: Readonly<Record<string, (options: SimOptions) => AnyProtocol>> = {
  raft: (o) => raftProtocol(raftConfigFor(o)),
  zk: () => zkProtocol(),
  kraft: (o) => kraftProtocol(kraftConfigFor(o)),
};
