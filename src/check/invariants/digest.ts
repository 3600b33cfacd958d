/**
 * How Raft log entries appear in observation records: (term, digest). One definition, shared by the simulator's
 * traces and the explorer's, so that equal payloads give equal digests in both.
 * @module
 */
import type { Entry } from "../../core/raft/index.js";
import type { ObservedEntry } from "./types.js";

/** 32-bit FNV-1a of an entry's payload and kind: the digest in observation records. */
export function entryDigest(e: Entry): number {
  let h = e.kind === "normal" ? 0x811c9dc5 : 0x050c5d1f;
  const d = e.data;
  for (let k = 0; k < d.length; k++) h = Math.imul(h ^ d[k]!, 0x01000193);
  return h >>> 0;
}

/** Entries as the observation records carry them: (term, digest). */
export function observedEntries(entries: readonly Entry[]): ObservedEntry[] {
  const out: ObservedEntry[] = new Array(entries.length);
  for (let k = 0; k < entries.length; k++) out[k] = [entries[k]!.term, entryDigest(entries[k]!)];
  return out;
}
