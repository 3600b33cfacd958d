/**
 * The one place that performs a core's outputs in the order its durability contract demands (shared by the
 * Raft and KRaft runtimes). Outputs of a step are taken in order: a `persist` is issued to storage at once
 * (storage makes writes durable in issue order) and everything after it in the step waits until it is durable,
 * then its acknowledgement inputs are fed back. Sends before the step's persist leave at once (a Raft leader's
 * appends: the core orders them so, §10.2.1 of the dissertation); the step's other outputs queue behind every
 * earlier write — for a core whose outputs depend only on their own step's persist (`stepLocal`: Raft), only
 * behind the earlier outputs still held — so applies and commits stay in order.
 * @module
 */

/** What the pipeline needs from a runtime. */
export interface PipelineHooks<O extends { readonly type: string }, I> {
  /** Makes a persist output durable; resolves with the acknowledgement inputs for the core. */
  persist(o: O): Promise<readonly I[]>;
  /** Sends a message output. */
  send(o: O): void;
  /** Performs any other output (apply, commit, role change, …). */
  perform(o: O): void;
  /**
   * Hands the sends performed so far to the network now (a transport may otherwise hold them to the end of the
   * callback, to write them together). Called before an output other than a send that follows sends in one
   * batch: an acknowledgement leaves before the apply that comes after it, not after the application is done.
   */
  flushSends?(): void;
  /** Steps the core with an acknowledgement. */
  feed(input: I): void;
  /** Storage failed: the node must stop. */
  fatal(e: unknown): void;
  /**
   * Planted bugs (tests only): a send for which this returns true leaves before the writes it depends on are
   * durable.
   */
  sendsEarly?(o: O): boolean;
  /**
   * The core's outputs depend on no write but their own step's persist (the Raft core hands `apply` only
   * entries already reported durable): an output before its step's persist is performed at once, unless an
   * earlier held output still waits (outputs stay in order). Otherwise (KRaft) every output but a send waits
   * behind every earlier write.
   */
  readonly stepLocal?: boolean;
}

/** Performs outputs per the durability contract. */
export class OutputPipeline<O extends { readonly type: string }, I> {
  private chain: Promise<void> = Promise.resolve();
  /** After a failure nothing more is performed: the node stops and restarts from what is durable. */
  private failed = false;
  /** Batches queued on the chain, not performed yet, that hold an output other than a send. */
  private held = 0;

  /** @param hooks - the runtime's effects */
  constructor(private readonly hooks: PipelineHooks<O, I>) {}

  /** Takes one step's outputs. */
  handle(outputs: readonly O[]): void {
    // Most steps of a busy server (a write request held for the next proposal) have no output: nothing to order.
    if (outputs.length === 0) return;
    const h = this.hooks;
    let batch: O[] = [];
    let durable: Promise<readonly I[]> | undefined;
    const enqueue = (f: () => unknown): void => {
      this.chain = this.chain
        .then(() => (this.failed ? undefined : f()))
        .then(
          () => undefined,
          (e: unknown) => {
            this.failed = true;
            h.fatal(e);
          },
        );
    };
    // Performs the outputs gathered so far, then feeds the acknowledgement of the persist they waited for:
    // what the acknowledgement triggers comes after them.
    const close = (): void => {
      if (batch.length > 0) {
        const todo = batch;
        batch = [];
        // Held sends do not hold later outputs back: only the order among the other outputs counts.
        const holds = todo.some((o) => o.type !== "send");
        if (holds) this.held++;
        enqueue(() => {
          if (holds) this.held--;
          let unsent = false;
          for (const o of todo) {
            if (o.type === "send") {
              h.send(o);
              unsent = true;
            } else {
              if (unsent) h.flushSends?.();
              unsent = false;
              h.perform(o);
            }
          }
        });
      }
      if (durable !== undefined) {
        const d = durable;
        durable = undefined;
        enqueue(() => d.then((acks) => acks.forEach((a) => h.feed(a))));
      }
    };
    // Outputs performed once this step's persist is issued: they wait for no write.
    const now: O[] = [];
    let sentNow = false;
    for (const o of outputs) {
      if (o.type === "persist") {
        close();
        const d = h.persist(o);
        d.catch(() => undefined); // seen now; handled through the chain
        enqueue(() => d);
        durable = d;
        continue;
      }
      const gated = durable !== undefined;
      if (o.type === "send" && (!gated || h.sendsEarly?.(o) === true)) {
        h.send(o);
        sentNow = true;
      }
      else if (!gated && h.stepLocal === true && this.held === 0) now.push(o);
      else batch.push(o);
    }
    close();
    if (now.length > 0 && sentNow) h.flushSends?.();
    for (const o of now) if (!this.failed) h.perform(o);
  }

  /** Resolves once every queued output was performed (or the chain failed). */
  async idle(): Promise<void> {
    await this.chain.catch(() => undefined);
  }
}
