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

/** What a file of each format that yields no op is probably missing. */
const EMPTY_HINT: Record<HistoryFormat, string> = {
  "jepsen-edn": "expected a vector of op maps like [{:process 0, :type :invoke, :f :read, :value nil} …]",
  "jepsen-etcd-log": "no line has the form `INFO  jepsen.util - <process> :<type> :<f> <value>`",
  "kv-edn-lines": "expected one op map per line, like {:process 0, :type :invoke, :f :get, :key \"x\", :value nil}",
  json: 'expected {"operations": [{"process": 0, "f": "write", "value": 1, "call": 0, "return": 1}, …]}',
};

/**
 * Parses `text` in the given format; `file` names the source in errors. A history without a single client
 * operation is refused: checking nothing would always come out linearizable.
 * @throws HistoryParseError
 */
export function parseHistory(text: string, format: HistoryFormat, file = "<input>"): History {
  const history = parseInFormat(text, format, file);
  if (history.length === 0) throw new HistoryParseError(file, 1, `no client operations to check (format ${format}: ${EMPTY_HINT[format]})`);
  return history;
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
