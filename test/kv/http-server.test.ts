/**
 * The KV service's HTTP/1.1 server on real loopback sockets (free ports, bounded waits, closed after each test):
 * pipelined requests answered in order, 100-continue, refusals that close, half-closed clients, idle timeout,
 * and fetch (undici) as a client.
 */
import * as net from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { HttpServer, type Respond } from "../../src/adapters/kv/http-server.js";
import type { Http1Request } from "../../src/adapters/kv/http1.js";

const open: { close(): unknown }[] = [];
afterEach(async () => {
  for (const c of open.splice(0).reverse()) await c.close();
});

async function server(handle: (r: Http1Request, respond: Respond) => void, idleMs?: number, requestMs?: number): Promise<HttpServer> {
  const s = await HttpServer.listen({ host: "127.0.0.1", port: 0, handle, errorBody: (status, message) => JSON.stringify({ error: message, status }), maxBodyBytes: 64, ...(idleMs === undefined ? {} : { idleMs }), ...(requestMs === undefined ? {} : { requestMs }) });
  open.push(s);
  return s;
}

/** Echoes the target and body; a target of `/slow` answers after 50 ms. */
const echo = (r: Http1Request, respond: Respond): void => {
  const answer = (): void => respond(200, JSON.stringify({ target: r.target, body: Buffer.from(r.body).toString() }));
  if (r.target === "/slow") setTimeout(answer, 50);
  else answer();
};

/** A raw client: what it received so far, and whether the server closed. */
async function raw(port: number): Promise<{ s: net.Socket; text: () => string; closed: Promise<void> }> {
  const s = net.connect({ host: "127.0.0.1", port, allowHalfOpen: true });
  open.push({ close: () => s.destroy() });
  const chunks: Buffer[] = [];
  s.on("data", (c: Buffer) => chunks.push(c));
  s.on("error", () => undefined);
  const closed = new Promise<void>((r) => s.once("end", () => r()));
  await new Promise((r) => s.once("connect", r));
  return { s, text: () => Buffer.concat(chunks).toString(), closed };
}

async function waitFor(what: string, cond: () => boolean, ms = 5000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const bodies = (text: string): string[] => [...text.matchAll(/\r\n\r\n(\{[^}]*\})/g)].map((m) => m[1]!);

describe("KV HTTP server", () => {
  it("serves fetch on a kept-alive connection", async () => {
    const s = await server(echo);
    for (const body of ["a", "b"]) {
      const res = await fetch(`http://127.0.0.1:${s.port}/x`, { method: "POST", body });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json");
      expect(await res.json()).toEqual({ target: "/x", body });
    }
  });

  it("answers pipelined requests in order, even when the first is answered last", async () => {
    const s = await server(echo);
    const c = await raw(s.port);
    c.s.write("POST /slow HTTP/1.1\r\nContent-Length: 1\r\n\r\n1POST /fast HTTP/1.1\r\nContent-Length: 1\r\n\r\n2");
    await waitFor("two answers", () => bodies(c.text()).length === 2);
    expect(bodies(c.text())).toEqual(['{"target":"/slow","body":"1"}', '{"target":"/fast","body":"2"}']);
  });

  it("sends 100 Continue before a body that waits for it", async () => {
    const s = await server(echo);
    const c = await raw(s.port);
    c.s.write("POST /e HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n");
    await waitFor("100 Continue", () => c.text() === "HTTP/1.1 100 Continue\r\n\r\n");
    c.s.write("ok");
    await waitFor("the answer", () => bodies(c.text()).length === 1);
    expect(c.text()).toContain('"body":"ok"');
  });

  it("answers a refused request with its status and a JSON body after the requests before it, then closes", async () => {
    const s = await server(echo);
    const c = await raw(s.port);
    c.s.write(`POST /slow HTTP/1.1\r\nContent-Length: 1\r\n\r\n1POST /big HTTP/1.1\r\nContent-Length: 65\r\n\r\n`);
    await c.closed;
    expect(c.text()).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*HTTP\/1\.1 413 Payload Too Large\r\n[\s\S]*connection: close\r\n\r\n\{"error":"body over 64 bytes","status":413\}$/);
  });

  it("closes after a Connection: close request, and answers a client that half-closed", async () => {
    const s = await server(echo);
    const c = await raw(s.port);
    c.s.write("POST /a HTTP/1.1\r\nConnection: close\r\nContent-Length: 0\r\n\r\nPOST /ignored HTTP/1.1\r\nContent-Length: 0\r\n\r\n");
    await c.closed;
    expect(bodies(c.text())).toEqual(['{"target":"/a","body":""}']);
    const d = await raw(s.port);
    d.s.end("POST /slow HTTP/1.1\r\nContent-Length: 1\r\n\r\nx");
    await d.closed;
    expect(bodies(d.text())).toEqual(['{"target":"/slow","body":"x"}']);
  });

  it("answers 408 and closes when a request trickles in slower than requestMs, though bytes keep coming", async () => {
    const s = await server(echo, 10_000, 200);
    const c = await raw(s.port);
    c.s.write("POST /x HTTP/1.1\r\nhost: a\r\ncontent-length: 2\r\n\r\nab");
    await waitFor("the first answer", () => c.text().includes('"body":"ab"'));
    const trickle = setInterval(() => c.s.write("x"), 20); // never idle for the idle timeout
    c.s.write("GET /slowloris HTTP/1.1\r\nx-pad: ");
    try {
      let closed = false;
      void c.closed.then(() => (closed = true));
      await waitFor("the server to close the trickling connection", () => closed);
    } finally {
      clearInterval(trickle);
    }
    expect(c.text()).toMatch(/HTTP\/1\.1 408 /);
    expect(c.text()).not.toContain("slowloris");
    // A request sent whole within the limit on another connection is unaffected.
    const d = await raw(s.port);
    d.s.write("GET /y HTTP/1.1\r\nhost: a\r\n\r\n");
    await waitFor("the answer", () => d.text().includes('"target":"/y"'));
  });

  it("a handler that throws answers 500; an idle connection is closed", async () => {
    const s = await server(() => {
      throw new Error("boom");
    }, 100);
    const c = await raw(s.port);
    c.s.write("GET /x HTTP/1.1\r\n\r\n");
    await waitFor("the 500", () => c.text().startsWith("HTTP/1.1 500 "));
    expect(c.text()).toContain('"error":"Error: boom"');
    await c.closed; // idle for 100 ms
  });
});
