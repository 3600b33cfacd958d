/** `kv-edn-lines`: one EDN op map per line (Porcupine's kv test data); every op completes. */
import type { History } from "../types.js";
import { HistoryParseError } from "./errors.js";
import { EdnReader, splitEdn } from "./edn.js";
import { eventFromMap, eventsToHistory, noOperations } from "./jepsen.js";
import type { JepsenEvent } from "./jepsen.js";

/** Parses key-value EDN lines. @throws HistoryParseError */
export function parseKvEdnLines(text: string, file = "<input>"): History {
  const events: JepsenEvent[] = [];
  const reader = new EdnReader(file);
  const lines = text.split("\n");
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (raw.trim() === "" || raw.trimStart().startsWith(";")) return;
    const forms = splitEdn(raw, file, line, false);
    if (forms.length !== 1) throw new HistoryParseError(file, line, `expected one op map on the line, found ${forms.length} forms`);
    const event = eventFromMap(reader.read(forms[0]!.text, line), file, line);
    if (event === undefined) return;
    if (event.key === undefined) throw new HistoryParseError(file, line, "op has no :key");
    events.push(event);
  });
  if (!lines.some((raw) => raw.trim() !== "" && !raw.trimStart().startsWith(";"))) throw noOperations(file, 'one op map per line, like {:process 0, :type :invoke, :f :get, :key "x", :value nil}');
  return eventsToHistory(events, file, () => "did-not-happen");
}
