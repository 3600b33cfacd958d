import type { Digest, ObservedEntry } from "./types.js";

/**
 * A compact view of one node's log as observed: parallel arrays of terms and digests after a snapshot base.
 * Updates are in place; nothing copies the log except `clone` (used once per crash).
 */
export class LogView {
  /** Index of the last entry covered by a snapshot (0 when none). */
  base = 0;
  /** Term of the entry at `base`. */
  baseTerm = 0;
  readonly terms: number[] = [];
  readonly digests: Digest[] = [];

  /** Index of the last entry (the snapshot's when the log is empty). */
  lastIndex(): number {
    return this.base + this.terms.length;
  }

  /** Term of the entry at `index`, `baseTerm` at the base, undefined when absent or compacted. */
  termAt(index: number): number | undefined {
    if (index === this.base) return this.baseTerm;
    if (index < this.base || index > this.base + this.terms.length) return undefined;
    return this.terms[index - this.base - 1];
  }

  /** Digest of the entry at `index`, undefined when absent, compacted or at the base. */
  digestAt(index: number): Digest | undefined {
    if (index <= this.base || index > this.base + this.terms.length) return undefined;
    return this.digests[index - this.base - 1];
  }

  /** True when the entry at (index, term) is in this log, or covered by its snapshot. */
  holds(index: number, term: number): boolean {
    if (index < this.base) return true;
    return this.termAt(index) === term;
  }

  /** The log from `from` on becomes exactly `entries`. Entries before the base are ignored. */
  replaceFrom(from: number, entries: readonly ObservedEntry[]): void {
    let skip = 0;
    if (from <= this.base) skip = this.base + 1 - from;
    const start = Math.max(from, this.base + 1);
    const keep = Math.min(start - this.base - 1, this.terms.length);
    this.terms.length = keep;
    this.digests.length = keep;
    for (let k = skip; k < entries.length; k++) {
      const entry = entries[k]!;
      this.terms.push(entry[0]);
      this.digests.push(entry[1]);
    }
  }

  /** Installs a snapshot at (index, term): keeps the suffix when it agrees at `index`, else empties the log. */
  snapshot(index: number, term: number): void {
    if (index <= this.base) return;
    if (this.termAt(index) === term) {
      const drop = index - this.base;
      this.terms.splice(0, drop);
      this.digests.splice(0, drop);
    } else {
      this.terms.length = 0;
      this.digests.length = 0;
    }
    this.base = index;
    this.baseTerm = term;
  }

  /** Makes this log a copy of `other`. */
  copyFrom(other: LogView): void {
    this.base = other.base;
    this.baseTerm = other.baseTerm;
    this.terms.length = 0;
    this.digests.length = 0;
    for (let k = 0; k < other.terms.length; k++) {
      this.terms.push(other.terms[k]!);
      this.digests.push(other.digests[k]!);
    }
  }
}
