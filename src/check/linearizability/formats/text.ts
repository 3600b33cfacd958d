/**
 * Turning a history file's bytes into text, refusing what is not a text history at all (binary data, text
 * that is not UTF-8, an empty file) with the file, line and problem — before any parser sees it.
 */
import { HistoryParseError } from "./errors.js";

/** The offset of the first byte that does not continue a well-formed UTF-8 sequence, or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const extra = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (extra < 0 || i + extra >= bytes.length) return i;
    for (let k = 1; k <= extra; k++) if ((bytes[i + k]! & 0xc0) !== 0x80) return i;
    i += extra + 1;
  }
  return -1;
}

function lineOfOffset(bytes: Uint8Array, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset; i++) if (bytes[i] === 10) line++;
  return line;
}

/**
 * The file's text. @throws HistoryParseError when the file is empty or blank, holds a NUL byte (binary data),
 * or is not valid UTF-8.
 */
export function decodeHistoryText(bytes: Uint8Array, file: string): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw new HistoryParseError(file, lineOfOffset(bytes, nul), `not a text file: a NUL byte at offset ${nul} (binary data is not a history)`);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    const at = firstInvalidUtf8(bytes);
    if (at < 0) throw new HistoryParseError(file, 1, "not UTF-8 text (an overlong or surrogate sequence)");
    throw new HistoryParseError(file, lineOfOffset(bytes, at), `not UTF-8 text: byte 0x${bytes[at]!.toString(16).padStart(2, "0")} at offset ${at}`);
  }
  if (text.trim() === "") throw new HistoryParseError(file, 1, bytes.length === 0 ? "the file is empty" : "the file holds only whitespace");
  return text;
}
