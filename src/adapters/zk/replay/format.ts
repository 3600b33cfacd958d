/**
 * The golden transcript format (`zk-golden/1`, see test/data/README.md), parsed and validated. An optional
 * top-level `"server": {"extendedTypesEnabled": false}` says the recording server ran without TTL nodes. A
 * malformed transcript or an unknown format version is a {@link TranscriptError} naming the file and the field —
 * never a silent pass. Pure: takes the already-read JSON text.
 */

/** A transcript that cannot be replayed: `file` and `field` (a `/`-separated path) say where. */
export class TranscriptError extends Error {
  readonly code = "BAD_TRANSCRIPT";
  constructor(
    readonly file: string,
    readonly field: string,
    detail: string,
  ) {
    super(`${file}: field ${field}: ${detail}`);
    this.name = "TranscriptError";
  }
}

/** JSON values as parsed. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
/** A JSON object. */
export type JsonObject = { [key: string]: Json };

/** The operations a session step can carry. */
export const STEP_OPS = [
  "create",
  "create2",
  "delete",
  "exists",
  "getData",
  "setData",
  "getACL",
  "setACL",
  "getChildren",
  "getChildren2",
  "sync",
  "multi",
  "multiRead",
  "checkWatches",
  "removeWatches",
  "addWatch",
  "setWatches",
  "setWatches2",
  "getEphemerals",
  "getAllChildrenNumber",
  "addAuth",
  "whoAmI",
  "raw",
] as const;
/** One of {@link STEP_OPS}. */
export type StepOp = (typeof STEP_OPS)[number];

/** One recorded step: the input, and what the reference server did. */
export interface TranscriptStep {
  readonly index: number;
  readonly step: JsonObject;
  readonly result: JsonObject;
  readonly events: Record<string, JsonObject[]>;
  readonly zxidAfter: number;
  readonly unorderedEvents: boolean;
}

/** A validated transcript. */
export interface Transcript {
  readonly file: string;
  readonly id: string;
  readonly title: string;
  /** Sessions opened before step 0, in order, with the requested timeouts. */
  readonly sessions: readonly { readonly name: string; readonly timeoutMs: number }[];
  /** Negotiated timeouts the server answered, by session name. */
  readonly opened: Record<string, number>;
  readonly ignore: readonly string[];
  readonly steps: readonly TranscriptStep[];
  /** Server settings that differ from the golden recording's; absent = as recorded there (TTL nodes enabled). */
  readonly server: { readonly extendedTypesEnabled: boolean };
}

const isObject = (v: unknown): v is JsonObject => typeof v === "object" && v !== null && !Array.isArray(v);

/** Parses and validates transcript text; throws {@link TranscriptError}. */
export function parseTranscript(file: string, text: string): Transcript {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new TranscriptError(file, "(document)", `not valid JSON: ${(e as Error).message}`);
  }
  return validateTranscript(file, value);
}

function need<T>(file: string, field: string, ok: boolean, detail: string, v: T): T {
  if (!ok) throw new TranscriptError(file, field, detail);
  return v;
}

const isInt = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v);

/** Validates a parsed transcript. */
export function validateTranscript(file: string, value: unknown): Transcript {
  if (!isObject(value)) throw new TranscriptError(file, "(document)", "a transcript is a JSON object");
  const format = value.format;
  if (format !== "zk-golden/1") {
    throw new TranscriptError(file, "format", `unknown format version ${JSON.stringify(format)}; this replayer reads "zk-golden/1"`);
  }
  const id = need(file, "id", typeof value.id === "string" && value.id !== "", "must be a non-empty string", value.id as string);
  const title = typeof value.title === "string" ? value.title : "";
  const sessionsValue = need(file, "sessions", isObject(value.sessions), "must be an object {name: {timeout_ms}}", value.sessions as JsonObject);
  const sessions = Object.entries(sessionsValue).map(([name, s]) => {
    const timeout = isObject(s) ? s.timeout_ms : undefined;
    return { name, timeoutMs: need(file, `sessions/${name}/timeout_ms`, isInt(timeout) && timeout >= 0, "must be a non-negative integer", timeout as number) };
  });
  const opened: Record<string, number> = {};
  if (value.opened !== undefined) {
    need(file, "opened", isObject(value.opened), "must be an object", 0);
    for (const [name, o] of Object.entries(value.opened as JsonObject)) {
      const t = isObject(o) ? o.timeout_ms : undefined;
      opened[name] = need(file, `opened/${name}/timeout_ms`, isInt(t), "must be an integer", t as number);
    }
  }
  const ignore = value.ignore === undefined ? [] : value.ignore;
  need(file, "ignore", Array.isArray(ignore) && ignore.every((x) => typeof x === "string"), "must be a list of strings", 0);
  const stepsValue = need(file, "steps", Array.isArray(value.steps) && value.steps.length > 0, "must be a non-empty list (a transcript without steps compares nothing)", value.steps as Json[]);
  const known = new Set(sessions.map((s) => s.name));
  const steps = stepsValue.map((entry, index) => validateStep(file, index, entry, known));
  let extendedTypesEnabled = true;
  if (value.server !== undefined) {
    const server = need(file, "server", isObject(value.server), "must be an object", value.server as JsonObject);
    const flag = server.extendedTypesEnabled;
    if (flag !== undefined) extendedTypesEnabled = need(file, "server/extendedTypesEnabled", typeof flag === "boolean", "must be true or false", flag as boolean);
  }
  return { file, id, title, sessions, opened, ignore: ignore as string[], steps, server: { extendedTypesEnabled } };
}

function validateStep(file: string, index: number, entry: Json, known: Set<string>): TranscriptStep {
  const at = `steps/${index}`;
  if (!isObject(entry)) throw new TranscriptError(file, at, "must be an object");
  const step = need(file, `${at}/step`, isObject(entry.step), "must be an object", entry.step as JsonObject);
  const result = need(file, `${at}/result`, isObject(entry.result), "must be an object", entry.result as JsonObject);
  const zxidAfter = need(file, `${at}/zxid_after`, isInt(entry.zxid_after), "must be an integer", entry.zxid_after as number);
  const events: Record<string, JsonObject[]> = {};
  if (entry.events !== undefined) {
    need(file, `${at}/events`, isObject(entry.events), "must be an object {session: [event]}", 0);
    for (const [name, list] of Object.entries(entry.events as JsonObject)) {
      need(file, `${at}/events/${name}`, Array.isArray(list), "must be a list", 0);
      events[name] = (list as Json[]).map((e, k) => {
        const ok = isObject(e) && typeof e.type === "string" && typeof e.path === "string" && typeof e.state === "string";
        return need(file, `${at}/events/${name}/${k}`, ok, "must be {type, state, path}", e as JsonObject);
      });
    }
  }
  const kinds = ["op", "wait_ms", "open", "close", "expire", "disconnect", "reconnect"].filter((k) => k in step);
  need(file, `${at}/step`, kinds.length === 1, `must have exactly one of op, wait_ms, open, close, expire, disconnect, reconnect (found ${kinds.join(", ") || "none"})`, 0);
  const kind = kinds[0]!;
  if (kind === "op") {
    const op = step.op;
    need(file, `${at}/step/op`, typeof op === "string" && (STEP_OPS as readonly string[]).includes(op), `unknown op ${JSON.stringify(op)}`, 0);
    need(file, `${at}/step/session`, typeof step.session === "string" && known.has(step.session), `unknown session ${JSON.stringify(step.session)}`, 0);
    validateOpArgs(file, `${at}/step`, step);
  } else if (kind === "wait_ms") {
    need(file, `${at}/step/wait_ms`, isInt(step.wait_ms) && step.wait_ms >= 0, "must be a non-negative integer", 0);
  } else if (kind === "open") {
    need(file, `${at}/step/open`, typeof step.open === "string" && !known.has(step.open), "must name a new session", 0);
    need(file, `${at}/step/timeout_ms`, isInt(step.timeout_ms) && step.timeout_ms >= 0, "must be a non-negative integer", 0);
    known.add(step.open as string);
  } else {
    need(file, `${at}/step/${kind}`, typeof step[kind] === "string" && known.has(step[kind] as string), `unknown session ${JSON.stringify(step[kind])}`, 0);
  }
  return { index, step, result, events, zxidAfter, unorderedEvents: step.unordered_events === true };
}

function validateData(file: string, field: string, v: Json | undefined): void {
  if (v === undefined || v === null || typeof v === "string") return;
  const ok =
    isObject(v) &&
    ((typeof v.base64 === "string" && Object.keys(v).length === 1) || (isInt(v.len) && v.len >= 0 && Object.keys(v).length === 1));
  need(file, field, ok, 'must be a string, null, {"base64": …} or {"len": n}', 0);
}

function validateAcl(file: string, field: string, v: Json | undefined): void {
  if (v === undefined) return;
  need(file, field, Array.isArray(v), "must be a list", 0);
  (v as Json[]).forEach((a, k) => {
    const ok = isObject(a) && typeof a.scheme === "string" && typeof a.id === "string" && (isInt(a.perms) || (typeof a.perms === "string" && /^(READ|WRITE|CREATE|DELETE|ADMIN|ALL)(\|(READ|WRITE|CREATE|DELETE|ADMIN|ALL))*$/.test(a.perms)));
    need(file, `${field}/${k}`, ok, 'must be {"perms": int or "READ|WRITE|…", "scheme", "id"}', 0);
  });
}

function validateOpArgs(file: string, at: string, s: JsonObject): void {
  const op = s.op as StepOp;
  const str = (key: string, required: boolean) => {
    if (s[key] === undefined && !required) return;
    need(file, `${at}/${key}`, typeof s[key] === "string", "must be a string", 0);
  };
  const int = (key: string) => {
    if (s[key] !== undefined) need(file, `${at}/${key}`, isInt(s[key]), "must be an integer", 0);
  };
  const bool = (key: string) => {
    if (s[key] !== undefined) need(file, `${at}/${key}`, typeof s[key] === "boolean", "must be true or false", 0);
  };
  switch (op) {
    case "create":
    case "create2":
      str("path", true);
      validateData(file, `${at}/data`, s.data);
      validateAcl(file, `${at}/acl`, s.acl);
      if (s.mode !== undefined) need(file, `${at}/mode`, typeof s.mode === "string" && /^(PERSISTENT|EPHEMERAL|PERSISTENT_SEQUENTIAL|EPHEMERAL_SEQUENTIAL|CONTAINER|PERSISTENT_WITH_TTL|PERSISTENT_SEQUENTIAL_WITH_TTL)$/.test(s.mode), "unknown create mode", 0);
      int("ttl");
      int("opcode");
      int("flags");
      return;
    case "delete":
      str("path", true);
      int("version");
      return;
    case "setData":
      str("path", true);
      validateData(file, `${at}/data`, s.data);
      int("version");
      return;
    case "setACL":
      str("path", true);
      need(file, `${at}/acl`, s.acl !== undefined, "is required", 0);
      validateAcl(file, `${at}/acl`, s.acl);
      int("version");
      return;
    case "exists":
    case "getData":
    case "getChildren":
    case "getChildren2":
      str("path", true);
      bool("watch");
      return;
    case "getACL":
    case "sync":
    case "getAllChildrenNumber":
      str("path", true);
      return;
    case "checkWatches":
    case "removeWatches":
      str("path", true);
      need(file, `${at}/type`, s.type === "CHILDREN" || s.type === "DATA" || s.type === "ANY", 'must be "CHILDREN", "DATA" or "ANY"', 0);
      return;
    case "addWatch":
      str("path", true);
      need(file, `${at}/mode`, s.mode === "PERSISTENT" || s.mode === "PERSISTENT_RECURSIVE", 'must be "PERSISTENT" or "PERSISTENT_RECURSIVE"', 0);
      return;
    case "setWatches":
    case "setWatches2":
      need(file, `${at}/relative_zxid`, isInt(s.relative_zxid), "must be an integer", 0);
      for (const key of ["data", "exist", "child", "persistent", "persistent_recursive"]) {
        if (s[key] !== undefined) need(file, `${at}/${key}`, Array.isArray(s[key]) && (s[key] as Json[]).every((p) => typeof p === "string"), "must be a list of paths", 0);
      }
      return;
    case "getEphemerals":
      str("prefix", true);
      return;
    case "addAuth":
      str("scheme", true);
      str("auth", true);
      return;
    case "whoAmI":
      return;
    case "raw":
      int("opcode");
      need(file, `${at}/opcode`, s.opcode !== undefined, "is required", 0);
      if (s.body_hex !== undefined) need(file, `${at}/body_hex`, typeof s.body_hex === "string" && /^([0-9a-fA-F]{2})*$/.test(s.body_hex), "must be hex", 0);
      return;
    case "multi":
    case "multiRead":
      need(file, `${at}/ops`, Array.isArray(s.ops), "must be a list", 0);
      (s.ops as Json[]).forEach((sub, k) => {
        const f = `${at}/ops/${k}`;
        need(file, f, isObject(sub), "must be an object", 0);
        const o = sub as JsonObject;
        need(file, `${f}/op`, ["create", "create2", "delete", "setData", "check", "getData", "getChildren"].includes(o.op as string), `unknown sub-op ${JSON.stringify(o.op)}`, 0);
        validateOpArgs(file, f, o.op === "check" ? { ...o, op: "delete" } : o);
      });
      return;
  }
}
