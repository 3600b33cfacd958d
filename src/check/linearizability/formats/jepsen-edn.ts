/** `jepsen-edn`: one EDN vector (or list) of Jepsen op maps, with Knossos's semantics (`:fail` did not happen). */
import type { History, Value } from "../types.js";
import { EdnReader, splitEdn } from "./edn.js";
import { readEdnLineMaps } from "./jepsen-edn-lines.js";
import { eventFromMap, eventsToHistory, noOperations } from "./jepsen.js";
import type { JepsenEvent } from "./jepsen.js";

/**
 * Parses a Jepsen EDN history: one-op-per-line histories on the fast path (`jepsen-edn-lines.ts`), anything
 * else with the general EDN reader; both give the same history. @throws HistoryParseError
 */
export function parseJepsenEdn(text: string, file = "<input>"): History {
  const maps = readEdnLineMaps(text);
  // No maps at all: the general reader says precisely why (empty file, not a vector, …).
  if (maps === undefined || maps.length === 0) return parseJepsenEdnGeneral(text, file);
  const events: JepsenEvent[] = [];
  for (const { map, line } of maps) {
    // Absent fields are undefined, exactly what eventFromMap reads from a map without them.
    const event = eventFromMap(map as unknown as Value, file, line);
    if (event !== undefined) events.push(event);
  }
  return eventsToHistory(events, file, () => "did-not-happen");
}

/** Parses a Jepsen EDN history with the general EDN reader only (any EDN layout). @throws HistoryParseError */
export function parseJepsenEdnGeneral(text: string, file = "<input>"): History {
  const events: JepsenEvent[] = [];
  const reader = new EdnReader(file);
  const elements = splitEdn(text, file, 1, true);
  if (elements.length === 0) throw noOperations(file, "a vector of op maps like [{:process 0, :type :invoke, :f :read, :value nil} …]");
  for (const element of elements) {
    const event = eventFromMap(reader.read(element.text, element.line), file, element.line);
    if (event !== undefined) events.push(event);
  }
  return eventsToHistory(events, file, () => "did-not-happen");
}
