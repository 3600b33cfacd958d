/** The strict HTTP/1.1 request parser (pure): framing, pipelining, splits at any byte, and every refusal. */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Http1Parser, encodeResponse, type Http1Request } from "../../src/adapters/kv/http1.js";

const bytes = (s: string): Buffer => Buffer.from(s, "latin1");
const parser = (maxBodyBytes = 1024, maxHeaderBytes?: number) => new Http1Parser({ maxBodyBytes, ...(maxHeaderBytes === undefined ? {} : { maxHeaderBytes }) });
const view = (r: Http1Request) => ({ method: r.method, target: r.target, version: r.version, body: Buffer.from(r.body).toString("latin1"), keepAlive: r.keepAlive });

const PUT = 'POST /v3/kv/put HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 13\r\n\r\n{"key":"YQ=="}'.replace("13", "14");
const CHUNKED = "POST /v3/kv/range?x=1 HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n4;ext=1\r\n{\"ke\r\nA\r\ny\":\"YQ==\"}\r\n0\r\nX-Trailer: t\r\n\r\n";
const GET = "GET /status HTTP/1.0\r\n\r\n";
const STREAM = `${PUT}${CHUNKED}\r\n${GET}`;
const EXPECTED = [
  { method: "POST", target: "/v3/kv/put", version: "1.1", body: '{"key":"YQ=="}', keepAlive: true },
  { method: "POST", target: "/v3/kv/range?x=1", version: "1.1", body: '{"key":"YQ=="}', keepAlive: true },
  { method: "GET", target: "/status", version: "1.0", body: "", keepAlive: false },
];

describe("HTTP/1.1 request parser", () => {
  it("reads pipelined requests framed by Content-Length, chunked (extensions, trailers) and neither, in order", () => {
    const r = parser().push(bytes(STREAM));
    expect(r.error).toBeUndefined();
    expect(r.requests.map(view)).toEqual(EXPECTED);
    expect(r.requests[0]!.headers.get("content-type")).toBe("application/json");
  });

  it("gives the same requests however the bytes are split", () => {
    for (let cut = 0; cut <= STREAM.length; cut++) {
      const p = parser();
      const got = [...p.push(bytes(STREAM.slice(0, cut))).requests, ...p.push(bytes(STREAM.slice(cut))).requests];
      expect(got.map(view), `cut at ${cut}`).toEqual(EXPECTED);
    }
    fc.assert(
      fc.property(fc.array(fc.nat(STREAM.length), { maxLength: 12 }), (cuts) => {
        const at = [0, ...cuts.sort((a, b) => a - b), STREAM.length];
        const p = parser();
        const got = at.slice(1).flatMap((end, i) => p.push(bytes(STREAM.slice(at[i], end))).requests);
        expect(got.map(view)).toEqual(EXPECTED);
        expect(p.buffered).toBe(0);
      }),
      { seed: 14, numRuns: 200 },
    );
  });

  it("keep-alive: HTTP/1.1 unless Connection: close, HTTP/1.0 only with keep-alive; repeated fields are joined", () => {
    const r = parser().push(bytes("GET / HTTP/1.1\r\nConnection: Close\r\n\r\nGET / HTTP/1.0\r\nConnection: keep-alive\r\nA: 1\r\na: 2\r\n\r\n"));
    expect(r.requests.map((q) => q.keepAlive)).toEqual([false, true]);
    expect(r.requests[1]!.headers.get("a")).toBe("1, 2");
  });

  it("asks for 100-continue only while the body has not arrived", () => {
    const head = "POST /v3/kv/put HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
    const p = parser();
    expect(p.push(bytes(head))).toEqual({ requests: [], expectContinue: true });
    expect(p.push(bytes("{}")).requests.map(view)[0]!.body).toBe("{}");
    expect(parser().push(bytes(`${head}{}`)).expectContinue).toBe(false);
  });

  const refusals: [string, string, number][] = [
    ["a malformed request line", "GET /\r\n\r\n", 400],
    ["a lower-case version", "GET / http/1.1\r\n\r\n", 400],
    ["HTTP/2 on this port", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 400],
    ["obsolete line folding", "GET / HTTP/1.1\r\nA: 1\r\n 2\r\n\r\n", 400],
    ["a field without a colon", "GET / HTTP/1.1\r\nA 1\r\n\r\n", 400],
    ["a space before the colon", "GET / HTTP/1.1\r\nA : 1\r\n\r\n", 400],
    ["a control character in a value", "GET / HTTP/1.1\r\nA: 1\x002\r\n\r\n", 400],
    ["both framings (smuggling)", "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400],
    ["conflicting lengths", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400],
    ["a signed length", "POST / HTTP/1.1\r\nContent-Length: +1\r\n\r\na", 400],
    ["a transfer coding other than chunked", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", 501],
    ["chunked in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", 400],
    ["a malformed chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400],
    ["chunk data longer than its size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", 400],
    ["a body over the limit (Content-Length)", "POST / HTTP/1.1\r\nContent-Length: 1025\r\n\r\n", 413],
    ["a body over the limit (chunks)", `POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n400\r\n${"a".repeat(1024)}\r\n1\r\n`, 413],
    ["an unknown expectation", "POST / HTTP/1.1\r\nExpect: 200-ok\r\nContent-Length: 0\r\n\r\n", 417],
    ["a head over the limit", `GET / HTTP/1.1\r\nA: ${"a".repeat(17 * 1024)}`, 431],
  ];
  for (const [what, input, status] of refusals) {
    it(`refuses ${what} with ${status}, after the requests before it, and stays refused`, () => {
      const p = parser();
      const r = p.push(bytes(`${GET}${input}`));
      expect(r.requests.map(view)).toEqual([EXPECTED[2]]);
      expect(r.error?.status).toBe(status);
      expect(p.push(bytes(GET))).toEqual({ requests: [], expectContinue: false, error: r.error });
    });
  }

  it("never throws, whatever it is fed", () => {
    const chunk = fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.constantFrom(...[PUT, CHUNKED, GET, "\r\n", "\r\n\r\n", "Content-Length: 3\r\n", "Transfer-Encoding: chunked\r\n", "0\r\n"].map(bytes)));
    fc.assert(
      fc.property(fc.array(chunk, { maxLength: 20 }), (chunks) => {
        const p = new Http1Parser({ maxBodyBytes: 100, maxHeaderBytes: 200 });
        for (const c of chunks) {
          const r = p.push(c);
          for (const q of r.requests) expect(q.body.length).toBeLessThanOrEqual(100);
        }
        expect(p.buffered).toBeLessThanOrEqual(200 + 4096 + 64);
      }),
      { seed: 7, numRuns: 500 },
    );
  });
});

describe("HTTP/1.1 response encoding", () => {
  it("says the body's length in bytes (UTF-8), the date, and connection: close when closing; a HEAD answer has no body", () => {
    const text = encodeResponse(200, '{"a":"é"}', { date: "Sat, 05 Dec 2026 20:00:00 GMT", close: true }).toString("utf8");
    expect(text).toBe('HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 10\r\ndate: Sat, 05 Dec 2026 20:00:00 GMT\r\nconnection: close\r\n\r\n{"a":"é"}');
    const head = encodeResponse(405, "{}", { date: "d", close: false, head: true }).toString("latin1");
    expect(head).toBe("HTTP/1.1 405 Method Not Allowed\r\ncontent-type: application/json\r\ncontent-length: 2\r\ndate: d\r\n\r\n");
  });
});
