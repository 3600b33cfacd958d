/**
 * Free loopback ports for the processes a local cluster, a bench or a test starts.
 *
 * They are taken below the kernel's ephemeral range (the source ports of outgoing connections). A port the kernel
 * handed out for `listen(0)` and that is released again is soon reused as the source port of some outgoing
 * connection — on a busy machine often before the child process binds it, which then fails with EADDRINUSE.
 * @module
 */
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/** The first port of the kernel's ephemeral range (Linux's default 32768 where it cannot be read). */
function ephemeralRangeStart(): number {
  try {
    const first = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    return Number.isInteger(first) && first > 2048 ? first : 32768;
  } catch {
    return 32768;
  }
}

const PORTS_FROM = 10_000;
const PORTS_TO = Math.max(PORTS_FROM + 1000, ephemeralRangeStart());
/** Where this process looks next: each process starts at its own place (by PID), then goes up. */
let nextPort = PORTS_FROM + ((process.pid * 7919) % (PORTS_TO - PORTS_FROM));

/** Whether `port` can be bound on 127.0.0.1 right now (it is released again before this resolves). */
function bindable(port: number): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** A free TCP port on 127.0.0.1 below the ephemeral range, released for the caller to bind. */
export async function freePort(): Promise<number> {
  for (let tries = 0; tries < 1000; tries++) {
    const port = nextPort;
    nextPort = nextPort + 1 >= PORTS_TO ? PORTS_FROM : nextPort + 1;
    if (await bindable(port)) return port;
  }
  throw new Error(`no free port in [${PORTS_FROM}, ${PORTS_TO}) on 127.0.0.1 after 1000 tries`);
}

/** `n` distinct free ports (see {@link freePort}). */
export async function freePorts(n: number): Promise<number[]> {
  const ports: number[] = [];
  for (let i = 0; i < n; i++) ports.push(await freePort());
  return ports;
}
