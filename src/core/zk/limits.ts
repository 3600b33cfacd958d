/** Limits of a ZooKeeper 3.8 server with default settings, as the golden transcripts' server ran. */

/** `jute.maxbuffer`: the largest request frame (after the 4-byte length prefix) the server reads. */
export const MAX_FRAME_BYTES = 1_048_575;

/** The largest node data quorate's core accepts (a frame must also hold the header and path, so less fits). */
export const MAX_DATA_BYTES = 1_048_575;

/** The largest TTL: 2^40 − 1 ms (ZooKeeper's `EphemeralType.TTL.maxValue()`, about 34 years). */
export const MAX_TTL_MS = 2 ** 40 - 1;
