/**
 * Redial delays (pure): exponential from `initialMs`, capped at `maxMs`, then jittered into [d/2, d) by a seeded
 * PRNG so that peers that lost each other at the same moment do not redial in lockstep — and a run is
 * reproducible from its seed.
 * @module
 */
import { Prng } from "../simulator/prng.js";

/** The delay sequence of one peer link. */
export class Backoff {
  private attempt = 0;
  private readonly rng: Prng;

  /**
   * @param seed - seed of the jitter
   * @param initialMs - first delay before jitter
   * @param maxMs - cap before jitter
   */
  constructor(
    seed: number,
    private readonly initialMs = 50,
    private readonly maxMs = 2000,
  ) {
    this.rng = new Prng(seed);
  }

  /** The next delay in ms (each call is one more failure). */
  next(): number {
    const base = Math.min(this.maxMs, this.initialMs * 2 ** Math.min(this.attempt, 30));
    this.attempt++;
    return Math.round(base / 2 + (this.rng.float() * base) / 2);
  }

  /** A connection succeeded: start again from the initial delay. */
  reset(): void {
    this.attempt = 0;
  }
}
