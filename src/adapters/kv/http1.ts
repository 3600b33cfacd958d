/**
 * A strict HTTP/1.1 request parser, as pure code (no I/O): bytes in, complete requests out. It reads what the
 * KV service's clients send — a request line, header fields, and a body framed by `Content-Length` or
 * `Transfer-Encoding: chunked` — and refuses everything else with a status to answer before closing the
 * connection: a malformed request line or field, obsolete line folding, both framings at once or conflicting
 * lengths (request smuggling), a transfer coding other than chunked (501), a head over the header limit (431),
 * a body over the body limit (413), an expectation other than `100-continue` (417). Nothing it is fed throws.
 *
 * Why not `node:http`: its server spends about 120 µs of CPU per request on this machine against about 45 µs
 * for this parser and a plain socket, and a put at one client pays that on the critical path (docs/runtime-log.md,
 * "One client: the tail, and three changes", item 10).
 * @module
 */

/** One complete request. */
export interface Http1Request {
  readonly method: string;
  /** The request target as sent (origin form: path and query). */
  readonly target: string;
  readonly version: "1.0" | "1.1";
  /** Field values by lower-case name; a repeated field's values joined with ", ". */
  readonly headers: ReadonlyMap<string, string>;
  readonly body: Uint8Array;
  /** Whether the connection stays open after the response (HTTP/1.1 unless `Connection: close`; 1.0 only with keep-alive). */
  readonly keepAlive: boolean;
}

/** A request the parser refuses: answer `status` and close the connection. */
export class Http1Error extends Error {
  /** Stable code for programmatic handling. */
  readonly code = "HTTP1_BAD_REQUEST";
  constructor(
    readonly status: 400 | 413 | 417 | 431 | 501,
    message: string,
  ) {
    super(message);
    this.name = "Http1Error";
  }
}

/** Limits of {@link Http1Parser}. */
export interface Http1Limits {
  /** Largest head (request line and fields), in bytes. Default 16 KiB (Node's). */
  readonly maxHeaderBytes?: number;
  /** Largest body, in bytes. */
  readonly maxBodyBytes: number;
}

/** What one {@link Http1Parser.push} found. */
export interface Http1Parsed {
  /** The requests completed by this chunk, in order. */
  readonly requests: Http1Request[];
  /**
   * The head of a request whose body has not fully arrived asked for `100-continue`: the server should send
   * `HTTP/1.1 100 Continue` (if no earlier response is pending on the connection).
   */
  readonly expectContinue: boolean;
  /** The connection's input is unusable from here on: answer it (after the requests above) and close. */
  readonly error?: Http1Error;
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const REQUEST_LINE = /^([!#$%&'*+.^_`|~0-9A-Za-z-]+) ([!-~]+) HTTP\/1\.([01])$/;
// Field values: visible characters, spaces, tabs and obs-text; no control characters.
const BAD_VALUE = /[\x00-\x08\x0a-\x1f\x7f]/;
const CHUNK_SIZE = /^([0-9A-Fa-f]{1,8})[ \t]*(;.*)?$/;
const CRLF = Buffer.from("\r\n");
const HEAD_END = Buffer.from("\r\n\r\n");
/** Longest chunk-size line (with extensions) or trailer line accepted. */
const MAX_LINE = 4096;

interface Head {
  readonly method: string;
  readonly target: string;
  readonly version: "1.0" | "1.1";
  readonly headers: Map<string, string>;
  readonly keepAlive: boolean;
}

type State =
  | { readonly at: "head" }
  | { readonly at: "body"; readonly head: Head; readonly length: number }
  | { readonly at: "chunk-size"; readonly head: Head; readonly chunks: Buffer[]; readonly size: number }
  | { readonly at: "chunk-data"; readonly head: Head; readonly chunks: Buffer[]; readonly size: number; readonly length: number }
  | { readonly at: "trailers"; readonly head: Head; readonly chunks: Buffer[]; readonly size: number; readonly bytes: number }
  | { readonly at: "failed"; readonly error: Http1Error };

/** Parses the requests of one connection, in order, as their bytes arrive. */
export class Http1Parser {
  private buf: Buffer = Buffer.alloc(0);
  private state: State = { at: "head" };
  private readonly maxHeaderBytes: number;

  /** @param limits - the head and body size limits */
  constructor(private readonly limits: Http1Limits) {
    this.maxHeaderBytes = limits.maxHeaderBytes ?? 16 * 1024;
  }

  /** Bytes received and not yet part of a complete request. */
  get buffered(): number {
    return this.buf.length;
  }

  /** Whether a request has begun and is not complete yet (part of its head or body has arrived). */
  get inRequest(): boolean {
    return this.buf.length > 0 || (this.state.at !== "head" && this.state.at !== "failed");
  }

  /** Adds the next bytes of the connection. */
  push(chunk: Uint8Array): Http1Parsed {
    const requests: Http1Request[] = [];
    let expectContinue = false;
    if (this.state.at === "failed") return { requests, expectContinue, error: this.state.error };
    this.buf = this.buf.length === 0 ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength) : Buffer.concat([this.buf, chunk]);
    try {
      for (;;) {
        const s: State = this.state;
        if (s.at === "head") {
          // Empty lines before a request line are ignored (RFC 9112 §2.2).
          let skip = 0;
          while (this.buf.length >= skip + 2 && this.buf[skip] === 13 && this.buf[skip + 1] === 10) skip += 2;
          if (skip > 0) this.buf = this.buf.subarray(skip);
          const end = this.buf.indexOf(HEAD_END);
          if (end < 0) {
            if (this.buf.length > this.maxHeaderBytes) throw new Http1Error(431, `request head over ${this.maxHeaderBytes} bytes`);
            break;
          }
          if (end + 4 > this.maxHeaderBytes) throw new Http1Error(431, `request head over ${this.maxHeaderBytes} bytes`);
          const { head, framing } = this.parseHead(this.buf.toString("latin1", 0, end));
          this.buf = this.buf.subarray(end + 4);
          if (framing === "chunked") this.state = { at: "chunk-size", head, chunks: [], size: 0 };
          else this.state = { at: "body", head, length: framing };
          const expect = head.headers.get("expect");
          if (expect !== undefined) {
            if (expect.toLowerCase() !== "100-continue") throw new Http1Error(417, `unsupported expectation '${expect}'`);
            if (head.version === "1.1" && (framing === "chunked" ? this.buf.length === 0 : framing > this.buf.length)) expectContinue = true;
          }
          continue;
        }
        if (s.at === "body") {
          if (this.buf.length < s.length) break;
          requests.push(request(s.head, this.buf.subarray(0, s.length)));
          this.buf = this.buf.subarray(s.length);
          this.state = { at: "head" };
          continue;
        }
        if (s.at === "chunk-size") {
          const line = this.line();
          if (line === undefined) break;
          const m = CHUNK_SIZE.exec(line);
          if (m === null) throw new Http1Error(400, "malformed chunk size");
          const length = parseInt(m[1]!, 16);
          if (s.size + length > this.limits.maxBodyBytes) throw new Http1Error(413, `body over ${this.limits.maxBodyBytes} bytes`);
          this.state = length === 0 ? { at: "trailers", head: s.head, chunks: s.chunks, size: s.size, bytes: 0 } : { at: "chunk-data", head: s.head, chunks: s.chunks, size: s.size, length };
          continue;
        }
        if (s.at === "chunk-data") {
          if (this.buf.length < s.length + 2) break;
          if (this.buf[s.length] !== 13 || this.buf[s.length + 1] !== 10) throw new Http1Error(400, "chunk data not followed by CRLF");
          s.chunks.push(Buffer.from(this.buf.subarray(0, s.length)));
          this.buf = this.buf.subarray(s.length + 2);
          this.state = { at: "chunk-size", head: s.head, chunks: s.chunks, size: s.size + s.length };
          continue;
        }
        if (s.at === "trailers") {
          const line = this.line();
          if (line === undefined) break;
          const bytes: number = s.bytes + line.length + 2;
          if (bytes > this.maxHeaderBytes) throw new Http1Error(431, `trailer fields over ${this.maxHeaderBytes} bytes`);
          if (line !== "") {
            // Trailer fields are read and dropped: none of them means anything to this server.
            fieldOf(line);
            this.state = { ...s, bytes };
            continue;
          }
          requests.push(request(s.head, new Uint8Array(Buffer.concat(s.chunks, s.size))));
          this.state = { at: "head" };
          continue;
        }
        break;
      }
    } catch (e) {
      const error = e instanceof Http1Error ? e : new Http1Error(400, String(e));
      this.state = { at: "failed", error };
      this.buf = Buffer.alloc(0);
      return { requests, expectContinue: false, error };
    }
    return { requests, expectContinue };
  }

  /** The next CRLF-terminated line (consumed), or undefined if it has not fully arrived. */
  private line(): string | undefined {
    const end = this.buf.indexOf(CRLF);
    if (end < 0) {
      if (this.buf.length > MAX_LINE) throw new Http1Error(400, `line over ${MAX_LINE} bytes`);
      return undefined;
    }
    if (end > MAX_LINE) throw new Http1Error(400, `line over ${MAX_LINE} bytes`);
    const line = this.buf.toString("latin1", 0, end);
    this.buf = this.buf.subarray(end + 2);
    return line;
  }

  private parseHead(text: string): { head: Head; framing: number | "chunked" } {
    const lines = text.split("\r\n");
    const m = REQUEST_LINE.exec(lines[0]!);
    if (m === null) throw new Http1Error(400, "malformed request line");
    const headers = new Map<string, string>();
    let lengths: string[] = [];
    for (let i = 1; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.startsWith(" ") || line.startsWith("\t")) throw new Http1Error(400, "obsolete line folding");
      const [name, value] = fieldOf(line);
      if (name === "content-length") lengths = lengths.concat(value.split(",").map((v) => v.trim()));
      const prev = headers.get(name);
      headers.set(name, prev === undefined ? value : `${prev}, ${value}`);
    }
    const version = m[3] === "1" ? "1.1" : "1.0";
    const connection = (headers.get("connection") ?? "").toLowerCase().split(",").map((t) => t.trim());
    const keepAlive = version === "1.1" ? !connection.includes("close") : connection.includes("keep-alive");
    const head: Head = { method: m[1]!, target: m[2]!, version, headers, keepAlive };
    const te = headers.get("transfer-encoding");
    if (te !== undefined) {
      if (lengths.length > 0) throw new Http1Error(400, "both Transfer-Encoding and Content-Length");
      if (version === "1.0") throw new Http1Error(400, "Transfer-Encoding in an HTTP/1.0 request");
      if (te.toLowerCase() !== "chunked") throw new Http1Error(501, `unsupported transfer coding '${te}'`);
      return { head, framing: "chunked" };
    }
    if (lengths.length === 0) return { head, framing: 0 };
    if (!lengths.every((l) => /^\d{1,15}$/.test(l) && l === lengths[0])) throw new Http1Error(400, "malformed or conflicting Content-Length");
    const length = Number(lengths[0]);
    if (length > this.limits.maxBodyBytes) throw new Http1Error(413, `body over ${this.limits.maxBodyBytes} bytes`);
    return { head, framing: length };
  }
}

/** A header field line as [lower-case name, trimmed value]. */
function fieldOf(line: string): [string, string] {
  const colon = line.indexOf(":");
  const name = colon < 0 ? "" : line.slice(0, colon);
  if (!TOKEN.test(name)) throw new Http1Error(400, "malformed header field");
  const value = line.slice(colon + 1).trim();
  if (BAD_VALUE.test(value)) throw new Http1Error(400, `control character in header field ${name}`);
  return [name.toLowerCase(), value];
}

function request(h: Head, body: Uint8Array): Http1Request {
  return { method: h.method, target: h.target, version: h.version, headers: h.headers, body, keepAlive: h.keepAlive };
}

/** Reason phrases of the statuses the KV service answers with. */
const REASONS: Readonly<Record<number, string>> = {
  100: "Continue", 200: "OK", 400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 413: "Payload Too Large", 417: "Expectation Failed",
  431: "Request Header Fields Too Large", 500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
};

/**
 * A complete response with a JSON body as one buffer: status line, `content-type`, `content-length`, `date`,
 * `connection: close` when the connection ends after it, the body (none for a HEAD request, whose
 * content-length still says what a GET would get).
 */
export function encodeResponse(status: number, json: string, o: { readonly date: string; readonly close: boolean; readonly head?: boolean }): Buffer {
  const length = Buffer.byteLength(json);
  const head = `HTTP/1.1 ${status} ${REASONS[status] ?? "Unknown"}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\ndate: ${o.date}\r\n${o.close ? "connection: close\r\n" : ""}\r\n`;
  if (o.head === true) return Buffer.from(head, "latin1");
  const out = Buffer.allocUnsafe(head.length + length);
  out.write(head, 0, "latin1");
  out.write(json, head.length, "utf8");
  return out;
}
