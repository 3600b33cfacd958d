/** `jepsen-edn`: one EDN vector (or list) of Jepsen op maps, with Knossos's semantics (`:fail` did not happen). */
import type { History } from "../types.js";
import { EdnReader, splitEdn } from "./edn.js";
import { eventFromMap, eventsToHistory } from "./jepsen.js";
import type { JepsenEvent } from "./jepsen.js";

/** Parses a Jepsen EDN history. @throws HistoryParseError */
export function parseJepsenEdn(text: string, file = "<input>"): History {
  const events: JepsenEvent[] = [];
  const reader = new EdnReader(file);
  for (const element of splitEdn(text, file, 1, true)) {
    const event = eventFromMap(reader.read(element.text, element.line), file, element.line);
    if (event !== undefined) events.push(event);
  }
  return eventsToHistory(events, file, () => "did-not-happen");
}
