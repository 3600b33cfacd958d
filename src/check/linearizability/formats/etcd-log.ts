/**
 * `jepsen-etcd-log`: Jepsen etcd test logs, lines `INFO  jepsen.util - <process> :<type> :<f> <value>`; other
 * lines are log noise. A `:fail :cas` is a definite failed compare (the op happened); a failed read or write
 * returned nothing usable and is dropped.
 */
import type { History } from "../types.js";
import { HistoryParseError } from "./errors.js";
import { EdnReader, splitEdn } from "./edn.js";
import { eventsToHistory } from "./jepsen.js";
import type { JepsenEvent } from "./jepsen.js";

const MARKER = "jepsen.util - ";
const TYPES = new Set(["invoke", "ok", "fail", "info"]);

function nextField(s: string, from: number): [string, number] {
  let i = from;
  while (i < s.length && (s[i] === " " || s[i] === "\t")) i++;
  const start = i;
  while (i < s.length && s[i] !== " " && s[i] !== "\t") i++;
  return [s.slice(start, i), i];
}

/** Parses a Jepsen etcd log. @throws HistoryParseError */
export function parseEtcdLog(text: string, file = "<input>"): History {
  const events: JepsenEvent[] = [];
  const reader = new EdnReader(file);
  const lines = text.split("\n");
  for (let index = 0; index < lines.length; index++) {
    const raw = lines[index]!;
    const at = raw.indexOf(MARKER);
    if (at < 0) continue;
    const line = index + 1;
    const [processText, afterProcess] = nextField(raw, at + MARKER.length);
    const [typeText, afterType] = nextField(raw, afterProcess);
    const [fText, afterF] = nextField(raw, afterType);
    if (!typeText.startsWith(":") || !TYPES.has(typeText.slice(1))) continue; // some other jepsen.util message
    const process = Number(processText);
    if (processText === "" || !Number.isInteger(process)) {
      throw new HistoryParseError(file, line, `expected an integer process before ${typeText}, found '${processText}'`);
    }
    if (!fText.startsWith(":") || fText.length < 2) throw new HistoryParseError(file, line, `expected an op keyword like :read after ${typeText}, found '${fText}'`);
    const valueText = raw.slice(afterF).trim();
    if (valueText === "") throw new HistoryParseError(file, line, "missing value (use nil when there is none)");
    const forms = splitEdn(valueText, file, line, false);
    if (forms.length !== 1) throw new HistoryParseError(file, line, `expected one EDN value after ${fText}, found ${forms.length}`);
    const value = reader.read(forms[0]!.text, line);
    events.push({ process, type: typeText.slice(1) as JepsenEvent["type"], f: fText.slice(1), value, line });
  }
  if (events.length === 0) throw new HistoryParseError(file, 1, `no client operations to check: no line has the form "INFO  jepsen.util - <process> :<type> :<f> <value>"`);
  return eventsToHistory(events, file, (f) => (f === "cas" ? "completed" : "did-not-happen"));
}
