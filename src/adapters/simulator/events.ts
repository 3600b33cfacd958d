/**
 * The kinds of simulator events (the `kind` of an `EventQueue` entry), shared by the event loop and the parts
 * that schedule events: fault injection and the client workload.
 * @module
 */

import type { NodeId, TraceRecord } from "../../check/invariants/index.js";
import type { EventQueue } from "./event-queue.js";
import type { Prng } from "./prng.js";
import type { SimStats } from "./stats.js";

/** What every part that schedules events (fault injection, the client workload) gets from the simulator. */
export interface SimHost {
  readonly rng: Prng;
  readonly queue: EventQueue;
  readonly stats: SimStats;
  readonly ids: readonly NodeId[];
  /** Simulated milliseconds now. */
  now(): number;
  record(r: TraceRecord): void;
}

/** A node's clock ticks (`node`, `tag` = its incarnation). */
export const TICK = 0;
/** A message arrives (`node` = receiver, `aux` = sender, `tag` = message id, `payload` = the message). */
export const DELIVER = 1;
/** A node's disk finished its oldest write in flight (`node`, `tag` = incarnation). */
export const DISK = 2;
/** A crashed node comes back (`node`, `tag` = the incarnation it crashed in). */
export const RESTART = 3;
/** The nemesis acts: a partition, a heal or a crash. */
export const NEMESIS = 4;
/** A client starts its next operation (`tag` = client). */
export const CLIENT_START = 5;
/** A client's request reaches a node (`node`, `tag` = attempt, `payload` = the operation). */
export const CLIENT_ARRIVE = 6;
/** A node's reply reaches its client (`node` = replier, `tag` = attempt, `payload` = operation and reply). */
export const CLIENT_REPLY = 7;
/** A client retries (`tag` = attempt: positive after a timeout, negative after a refusal). */
export const CLIENT_RETRY = 8;
/** A client gives up on an operation. */
export const CLIENT_DEADLINE = 9;
