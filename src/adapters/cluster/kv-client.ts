/**
 * A minimal etcd v3 JSON-gateway client (the one the torture harness and the cluster bench drive quorate and
 * etcd with): put, linearizable get, and compare-and-set as a txn on the value. Each call resolves with its
 * outcome in Jepsen's terms: `ok`, `fail` (definitely had no effect) or `info` (unknown).
 * @module
 */

/** The outcome of one operation. */
export type KvOutcome<T> = { readonly type: "ok"; readonly value: T } | { readonly type: "fail"; readonly error: string } | { readonly type: "info"; readonly error: string };

const b64 = (s: string): string => Buffer.from(s).toString("base64");

/** A client of one server base URL. */
export class KvClient {
  /** @param base - `http://host:port` @param timeoutMs - an operation's time limit (then its outcome is unknown) */
  constructor(
    readonly base: string,
    private readonly timeoutMs = 5000,
  ) {}

  private async call(path: string, body: unknown): Promise<{ status: number; json: Record<string, unknown> } | { error: string; sent: boolean }> {
    try {
      const res = await fetch(`${this.base}${path}`, { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" }, signal: AbortSignal.timeout(this.timeoutMs) });
      return { status: res.status, json: (await res.json()) as Record<string, unknown> };
    } catch (e) {
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      // A refused connection never reached a server: the request had no effect.
      return { error: `${(e as Error).name}: ${cause ?? (e as Error).message}`, sent: cause !== "ECONNREFUSED" };
    }
  }

  /** Refused before it was served (not leader, bad request, refused connection): no effect. Otherwise unknown. */
  private static unclear<T>(r: { status: number; json: Record<string, unknown> } | { error: string; sent: boolean }): KvOutcome<T> {
    if ("error" in r) return r.sent ? { type: "info", error: r.error } : { type: "fail", error: r.error };
    const error = `HTTP ${r.status}: ${String(r.json["error"] ?? "")}`;
    return r.status === 503 || (r.status >= 400 && r.status < 500) ? { type: "fail", error } : { type: "info", error };
  }

  /** Puts `value` at `key`. */
  async put(key: string, value: string): Promise<KvOutcome<null>> {
    const r = await this.call("/v3/kv/put", { key: b64(key), value: b64(value) });
    return "status" in r && r.status === 200 ? { type: "ok", value: null } : KvClient.unclear(r);
  }

  /** Reads `key` (linearizable); `null` when absent. A read that was not answered is a `fail` (no effect). */
  async get(key: string): Promise<KvOutcome<string | null>> {
    const r = await this.call("/v3/kv/range", { key: b64(key) });
    if ("status" in r && r.status === 200) {
      const kvs = r.json["kvs"] as { value?: string }[] | undefined;
      return { type: "ok", value: kvs === undefined || kvs.length === 0 ? null : Buffer.from(kvs[0]!.value ?? "", "base64").toString() };
    }
    const u = KvClient.unclear<string | null>(r);
    return u.type === "info" ? { type: "fail", error: u.error } : u;
  }

  /** Sets `key` to `to` if its value is `from`; a compare that does not hold is a `fail`. */
  async cas(key: string, from: string, to: string): Promise<KvOutcome<null>> {
    const r = await this.call("/v3/kv/txn", { compare: [{ key: b64(key), target: "VALUE", result: "EQUAL", value: b64(from) }], success: [{ request_put: { key: b64(key), value: b64(to) } }] });
    if ("status" in r && r.status === 200) return r.json["succeeded"] === true ? { type: "ok", value: null } : { type: "fail", error: "compare failed" };
    return KvClient.unclear(r);
  }
}
