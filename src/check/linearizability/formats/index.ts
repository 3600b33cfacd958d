/** History formats by name. */
import type { History } from "../types.js";
import { parseEtcdLog } from "./etcd-log.js";
import { parseJepsenEdn } from "./jepsen-edn.js";
import { parseKvEdnLines } from "./kv-lines.js";
import { parseNativeJson } from "./native-json.js";

export { HistoryParseError } from "./errors.js";
export { decodeHistoryText } from "./text.js";
import { HistoryParseError } from "./errors.js";
export { parseEtcdLog, parseJepsenEdn, parseKvEdnLines, parseNativeJson };

/** The formats `parseHistory` understands. */
export const historyFormats = ["jepsen-edn", "jepsen-etcd-log", "kv-edn-lines", "json"] as const;
/** One of `historyFormats`. */
export type HistoryFormat = (typeof historyFormats)[number];

/** True when `name` is a known format. */
export function isHistoryFormat(name: string): name is HistoryFormat {
  return (historyFormats as readonly string[]).includes(name);
}

/**
 * Parses `text` in the given format; `file` names the source in errors. A file without a single client event
 * is refused (checking nothing would always come out linearizable); a history whose events all failed is not
 * (it is a real, if vacuous, history).
 * @throws HistoryParseError
 */
export function parseHistory(text: string, format: HistoryFormat, file = "<input>"): History {
  try {
    return parseInFormat(text, format, file);
  } catch (error) {
    // The readers recurse into nested values: nesting deep enough to exhaust the stack is bad input, not a crash.
    if (error instanceof RangeError && /call stack/i.test(error.message)) throw new HistoryParseError(file, 1, "values nest too deeply to read (the stack ran out)");
    throw error;
  }
}

function parseInFormat(text: string, format: HistoryFormat, file: string): History {
  switch (format) {
    case "jepsen-edn":
      return parseJepsenEdn(text, file);
    case "jepsen-etcd-log":
      return parseEtcdLog(text, file);
    case "kv-edn-lines":
      return parseKvEdnLines(text, file);
    case "json":
      return parseNativeJson(text, file);
  }
}
