/**
 * The small HTTP control endpoint of a Kafka-node process (`quorate kraft-node`, `quorate zk-broker`):
 * `GET /status` answers the node's status as JSON, `POST /<action>` runs an action on a JSON body (at most
 * 1 MiB) and answers its JSON result. Bad bodies get 400 with the reason; unknown paths 404; an action that
 * throws 500 — the process never crashes on a request.
 * @module
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

/** An action: takes the parsed JSON body, resolves with the JSON answer. */
export type ControlAction = (body: unknown) => Promise<unknown> | unknown;

/** Thrown by an action for a body it cannot take: answered 400 with the message. */
export class ControlBadRequest extends Error {
  readonly code = "E_CONTROL_BAD_REQUEST";
  constructor(message: string) {
    super(message);
    this.name = "ControlBadRequest";
  }
}

/** A running control endpoint. */
export interface ControlServer {
  readonly port: number;
  close(): Promise<void>;
}

const MAX_BODY = 1 << 20;

/** Starts the endpoint on `host:port` (0: a free port). */
export async function startControlServer(host: string, port: number, status: () => unknown, actions: Readonly<Record<string, ControlAction>> = {}): Promise<ControlServer> {
  const server: Server = createServer((req, res) => void handle(req, res, status, actions));
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => (server.off("error", reject), resolve()));
  });
  return {
    port: (server.address() as { port: number }).port,
    close: () => new Promise((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

async function handle(req: IncomingMessage, res: ServerResponse, status: () => unknown, actions: Readonly<Record<string, ControlAction>>): Promise<void> {
  const answer = (code: number, body: unknown): void => {
    res.writeHead(code, { "content-type": "application/json" });
    res.end(JSON.stringify(body));
  };
  try {
    const path = (req.url ?? "/").split("?")[0]!;
    if (req.method === "GET" && path === "/status") return answer(200, status());
    const action = req.method === "POST" ? actions[path.slice(1)] : undefined;
    if (action === undefined) return answer(404, { error: `no ${req.method} ${path}` });
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const c of req) {
      size += (c as Buffer).length;
      if (size > MAX_BODY) return answer(400, { error: `body over ${MAX_BODY} bytes` });
      chunks.push(c as Buffer);
    }
    let body: unknown;
    try {
      body = chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString("utf8"));
    } catch {
      return answer(400, { error: "body is not JSON" });
    }
    answer(200, await action(body));
  } catch (e) {
    if (!res.headersSent) answer(e instanceof ControlBadRequest ? 400 : 500, { error: e instanceof Error ? e.message : String(e) });
  }
}
