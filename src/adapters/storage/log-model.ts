/**
 * The log as the write-ahead log sees it — a snapshot point plus the terms of the entries after it — with the
 * rules every write must follow. Pure: the writer validates each write against it before encoding anything,
 * and recovery replays the records through the same rules, so both sides agree on what a record sequence means.
 * @module
 */

/** Term recorded for a position whose entry is in a deleted segment (known only after a later snapshot). */
const UNKNOWN = -1;

/** What a snapshot does to the entries after it: Raft keeps them only if the log agrees at the snapshot. */
export type SnapshotRetention = "matching" | "after";

/** A snapshot point and the entries after it (terms, and payloads when recovery asks for them). */
export class LogModel {
  snapIndex = 0;
  snapTerm = 0;
  /** Index of `terms[0]`. Between the snapshot and `start - 1` lies a region not seen (a replay that began mid-log). */
  start = 1;
  /** Term of the entry at `start - 1` (the snapshot's term, or UNKNOWN). */
  private baseTerm = 0;
  terms: number[] = [];
  commit = 0;

  /** @param payloads - keep entry payloads (recovery) or only terms (the writer) */
  constructor(readonly payloads: Uint8Array[] | undefined = undefined) {}

  /** Starts from a segment header's view when the segments before it were deleted. */
  resumeAt(snapIndex: number, snapTerm: number, lastIndex: number, lastTerm: number, commit: number): void {
    this.snapIndex = snapIndex;
    this.snapTerm = snapTerm;
    this.start = lastIndex + 1;
    this.baseTerm = lastIndex === snapIndex ? snapTerm : lastTerm;
    this.terms = [];
    if (this.payloads !== undefined) this.payloads.length = 0;
    this.commit = commit;
  }

  /** Index of the last entry (or of the snapshot). */
  get lastIndex(): number {
    return this.start - 1 + this.terms.length;
  }
  /** Term of the last entry (or of the snapshot). */
  get lastTerm(): number {
    return this.terms.length > 0 ? this.terms[this.terms.length - 1]! : this.baseTerm;
  }
  /** Whether entries between the snapshot and the first known entry are missing. */
  get hasGap(): boolean {
    return this.start - 1 > this.snapIndex;
  }

  /** Term at `index` if known. */
  termAt(index: number): number | undefined {
    if (index >= this.start && index <= this.lastIndex) return this.terms[index - this.start];
    if (index === this.start - 1 && this.baseTerm !== UNKNOWN) return this.baseTerm;
    if (index === this.snapIndex) return this.snapTerm;
    return undefined;
  }

  /** Why entries with these terms cannot go at `first`, or null. */
  checkEntries(first: number, terms: readonly number[]): string | null {
    if (!Number.isSafeInteger(first) || first <= this.snapIndex || first > this.lastIndex + 1) {
      return `entries starting at index ${first} would leave a gap or overwrite the snapshot (snapshot ${this.snapIndex}, last index ${this.lastIndex})`;
    }
    let prev = this.termAt(first - 1) ?? 0;
    for (let k = 0; k < terms.length; k++) {
      const t = terms[k]!;
      if (!Number.isSafeInteger(t) || t < 0) return `entry ${first + k} has an invalid term ${t}`;
      if (t < prev) return `term goes backwards at index ${first + k}: ${t} after ${prev}`;
      prev = t;
    }
    return null;
  }

  /** Appends (overwriting any suffix from `first`). Call {@link checkEntries} first. */
  appendEntries(first: number, terms: readonly number[], payloads?: readonly Uint8Array[]): void {
    if (first < this.start) {
      this.start = first;
      this.baseTerm = UNKNOWN;
      this.terms.length = 0;
      if (this.payloads !== undefined) this.payloads.length = 0;
    } else {
      this.terms.length = first - this.start;
      if (this.payloads !== undefined) this.payloads.length = first - this.start;
    }
    for (const t of terms) this.terms.push(t);
    if (this.payloads !== undefined && payloads !== undefined) for (const p of payloads) this.payloads.push(p);
  }

  /** Why a truncation from `from` is refused, or null. */
  checkTruncate(from: number): string | null {
    if (!Number.isSafeInteger(from) || from <= this.snapIndex) return `truncation from ${from} reaches into the snapshot at ${this.snapIndex}`;
    return null;
  }

  /** Drops every entry with index ≥ `from`. */
  truncate(from: number): void {
    if (from > this.lastIndex) return;
    if (from <= this.start) {
      if (from < this.start) this.baseTerm = UNKNOWN;
      this.start = from;
      this.terms.length = 0;
      if (this.payloads !== undefined) this.payloads.length = 0;
    } else {
      this.terms.length = from - this.start;
      if (this.payloads !== undefined) this.payloads.length = from - this.start;
    }
  }

  /** Why a snapshot at (index, term) is refused, or null. */
  checkSnapshot(index: number, term: number): string | null {
    if (!Number.isSafeInteger(index) || !Number.isSafeInteger(term) || index < 0 || term < 0) return `snapshot (${index}, ${term}) is not a valid position`;
    if (index < this.snapIndex) return `snapshot at ${index} is older than the current one at ${this.snapIndex}`;
    return null;
  }

  /** Whether installing the snapshot also drops the entries after it (decided when written, recorded in the marker). */
  snapshotClears(index: number, term: number, retention: SnapshotRetention): boolean {
    if (index >= this.lastIndex) return true;
    return retention === "matching" && this.termAt(index) !== term;
  }

  /** Installs a snapshot; `clear` drops the entries after it as well. */
  installSnapshot(index: number, term: number, clear: boolean): void {
    this.snapIndex = index;
    this.snapTerm = term;
    if (clear || index >= this.lastIndex) {
      this.start = index + 1;
      this.baseTerm = term;
      this.terms.length = 0;
      if (this.payloads !== undefined) this.payloads.length = 0;
    } else if (index >= this.start - 1) {
      this.terms.splice(0, index - this.start + 1);
      if (this.payloads !== undefined) this.payloads.splice(0, index - this.start + 1);
      this.start = index + 1;
      this.baseTerm = term;
    }
    if (this.commit < index) this.commit = index;
  }

  /**
   * Why a write may not drop or replace entries from `from` on: they are committed. (A write that also installs a
   * snapshot covering the commit index may: the snapshot replaces them.) Checked by the writer only.
   */
  checkCommitted(from: number, firstTerm: number | undefined): string | null {
    if (from > this.commit || from > this.lastIndex) return null;
    if (firstTerm !== undefined && this.termAt(from) === firstTerm) return null;
    return `the write would drop or replace committed entries from index ${from} (commit ${this.commit})`;
  }

  /** Why the commit index cannot become `index`, or null. */
  checkCommit(index: number): string | null {
    if (!Number.isSafeInteger(index) || index < 0 || index > this.lastIndex) return `commit ${index} is beyond the last index ${this.lastIndex}`;
    return null;
  }
}
