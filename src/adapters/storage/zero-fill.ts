/**
 * Zero-fills files on a worker thread. A preallocated log segment is written one page per `write` (see
 * `ZERO_CHUNK` in `fs.ts`: larger writes make the page cache hold it in large folios, and every small synced
 * append would then write a whole folio back). A 16 MiB segment is 4,096 writes; issued from the event loop each
 * one was a thread-pool job and a promise, ≈ 20 µs of the main thread apiece — under a durable write load the
 * fill of the next segment took a seventh of the server's main thread. On a worker the loop is plain
 * synchronous system calls and the main thread sends one message per file.
 * @module
 */
import { Worker } from "node:worker_threads";

/** The worker's code (CommonJS, evaluated: no file to find from `src/` or `dist/`). */
const WORKER_SOURCE = `
const { parentPort } = require("node:worker_threads");
const fs = require("node:fs");
parentPort.on("message", ({ id, path, bytes, chunk }) => {
  let fd;
  try {
    fd = fs.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_TRUNC, 0o644);
    const zeros = Buffer.alloc(Math.min(bytes, chunk));
    for (let at = 0; at < bytes; ) at += fs.writeSync(fd, zeros, 0, Math.min(zeros.length, bytes - at), at);
    fs.fdatasyncSync(fd);
    fs.closeSync(fd);
    parentPort.postMessage({ id });
  } catch (e) {
    if (fd !== undefined) try { fs.closeSync(fd); } catch {}
    parentPort.postMessage({ id, error: { message: e.message, code: e.code } });
  }
});
`;

interface Reply {
  readonly id: number;
  readonly error?: { readonly message: string; readonly code?: string };
}

let worker: Worker | undefined;
let nextId = 1;
const waiting = new Map<number, { resolve: () => void; reject: (e: Error) => void }>();

/** The shared worker, started on first use; it does not keep the process alive while idle. */
function fillWorker(): Worker {
  if (worker !== undefined) return worker;
  const w = new Worker(WORKER_SOURCE, { eval: true });
  w.unref();
  w.on("message", (reply: Reply) => {
    const waiter = waiting.get(reply.id);
    if (waiter === undefined) return;
    waiting.delete(reply.id);
    if (waiting.size === 0) w.unref();
    if (reply.error === undefined) waiter.resolve();
    else waiter.reject(Object.assign(new Error(reply.error.message), { code: reply.error.code }));
  });
  const fail = (e: Error) => {
    // A dead worker fails what it owed; the next fill starts a new one.
    if (worker === w) worker = undefined;
    for (const waiter of waiting.values()) waiter.reject(e);
    waiting.clear();
  };
  w.on("error", fail);
  w.on("exit", (code) => fail(new Error(`the zero-fill worker exited (code ${code})`)));
  worker = w;
  return w;
}

/**
 * Creates (or empties) `path` as `bytes` zero bytes written `chunk` bytes per `write`, then fdatasyncs it; on a
 * worker thread. Resolves when the file is written and synced, rejects with the system error (its `code` kept).
 */
export function zeroFill(path: string, bytes: number, chunk: number): Promise<void> {
  const w = fillWorker();
  const id = nextId++;
  return new Promise<void>((resolve, reject) => {
    waiting.set(id, { resolve, reject });
    // Pending work keeps the process alive, as an fs call in flight does.
    w.ref();
    w.postMessage({ id, path, bytes, chunk });
  });
}
