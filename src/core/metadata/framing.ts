/**
 * Carrying controller batches over a log whose entries are single records (such as `src/core/kraft`, where each
 * appended payload gets its own offset). Each record travels as one entry framed with its position in the batch;
 * the {@link BatchAssembler} state on the receiving side hands a batch to the controller or broker only once all
 * its entries have committed, so a batch stays atomic even when the high watermark stops in its middle.
 *
 * If a new leader truncated the tail of a batch whose head had already committed, the entries that did commit are
 * never completed: the next batch's first entry discards them. Every replica sees the same committed entries, so
 * every replica discards the same ones.
 */
import { ByteReader, ByteWriter, readRecord, writeRecord } from "./codec.js";
import { MetadataError } from "./errors.js";
import type { MetadataRecord } from "./records.js";

/**
 * Frames a batch as one payload per record: varint index, varint count, then the record.
 * @throws MetadataError INVALID_RECORD if a record is malformed
 */
export function frameBatch(records: readonly MetadataRecord[]): Uint8Array[] {
  const w = new ByteWriter(64);
  return records.map((r, i) => {
    w.reset();
    w.varUint(i);
    w.varUint(records.length);
    writeRecord(w, r);
    return w.finish();
  });
}

/** Partial batch being assembled from committed entries. */
export interface BatchAssembler {
  readonly baseOffset: number;
  readonly epoch: number;
  readonly count: number;
  readonly records: readonly MetadataRecord[];
}

/** A batch whose entries have all committed. */
export interface AssembledBatch {
  readonly baseOffset: number;
  readonly epoch: number;
  readonly records: readonly MetadataRecord[];
}

/**
 * Feeds one committed entry. Returns the new assembler state and, when the entry completes its batch, the batch.
 * @param state - null when no batch is open
 * @param offset - the entry's log offset
 * @param epoch - the entry's epoch
 * @param payload - bytes from {@link frameBatch}
 * @throws MetadataError MALFORMED_RECORD / INVALID_RECORD on a corrupt payload or an entry out of sequence
 */
export function assembleEntry(
  state: BatchAssembler | null,
  offset: number,
  epoch: number,
  payload: Uint8Array,
): { state: BatchAssembler | null; batch: AssembledBatch | null; discarded: number } {
  const r: ByteReader = new ByteReader(payload, "MALFORMED_RECORD");
  const index = r.varUint();
  const count = r.varUint();
  const record = readRecord(r);
  if (!r.done) r.fail("trailing bytes after framed record");
  if (count === 0 || index >= count) r.fail(`frame index ${index} outside a batch of ${count}`);
  let discarded = 0;
  let open = state;
  if (index === 0) {
    discarded = open?.records.length ?? 0;
    open = { baseOffset: offset, epoch, count, records: [] };
  } else if (open === null || open.count !== count || open.records.length !== index || open.baseOffset + index !== offset || open.epoch !== epoch) {
    throw new MetadataError("MALFORMED_RECORD", `entry ${index} of ${count} at offset ${offset} (epoch ${epoch}) does not continue the open batch; the log delivered entries out of order`);
  }
  const records = [...open.records, record];
  if (records.length === count) return { state: null, batch: { baseOffset: open.baseOffset, epoch: open.epoch, records }, discarded };
  return { state: { ...open, records }, batch: null, discarded };
}
