/**
 * Stateright's examples/single-copy-register.rs: each server holds its own copy of the register, with no
 * replication. Linearizable with one server (93 unique states with 2 clients); with two servers the explorer
 * finds a stale read.
 * @module
 */
import type { ServerProtocol } from "./register.js";

/** The single-copy server: its state is the register's value. */
export const singleCopyServer: ServerProtocol<string, never> = {
  name: "single-copy-register",
  start: () => "\0",
  onMsg(_id, _peers, value, src, msg) {
    if (msg.type === "put") return { state: msg.value, sends: [[src, { type: "put-ok", req: msg.req }]] };
    if (msg.type === "get") return { sends: [[src, { type: "get-ok", req: msg.req, value }]] };
    return { sends: [] };
  },
  hash: (h, value) => void h.str(value),
  hashInternal: () => undefined,
};
