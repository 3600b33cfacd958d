/** `jepsen-edn`: one EDN vector (or list) of Jepsen op maps, with Knossos's semantics (`:fail` did not happen). */
import type { History } from "../types.js";
import { EdnReader, splitEdn } from "./edn.js";
import { eventFromMap, eventsToHistory, noOperations } from "./jepsen.js";
import type { JepsenEvent } from "./jepsen.js";

/** Parses a Jepsen EDN history. @throws HistoryParseError */
export function parseJepsenEdn(text: string, file = "<input>"): History {
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
