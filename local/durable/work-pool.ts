// Runs queued work items, at most `limit` at once, in the order they came (the durable extension's
// maxConcurrentOrchestratorFunctions / maxConcurrentActivityFunctions).
//
// Work starts on the next turn of the event loop (setImmediate), never inside the call that queued
// it or finished the previous item: between two steps of a saga the loop first takes in the I/O
// waiting there (new requests, their bodies, responses to flush). Started at once instead, a busy
// host's sagas ran from one promise continuation to the next while requests waited behind them
// (a return, which runs no saga, answered 3–4× slower), and the writes of one loop turn (one group
// commit, ../host/db.ts) were spread over more turns.
export class WorkPool<T> {
  private readonly waiting: T[] = [];
  private readonly running = new Set<Promise<void>>();
  private stopped = false;
  private pumpQueued = false;

  constructor(
    private readonly options: {
      limit: number;
      run: (item: T) => Promise<void>;
      onError: (item: T, err: unknown) => void;
    },
  ) {}

  add(...items: T[]): void {
    this.waiting.push(...items);
    this.schedulePump();
  }

  /** Starts nothing more; resolves once what runs has settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.running]);
  }

  private schedulePump(): void {
    if (this.pumpQueued || this.stopped) return;
    this.pumpQueued = true;
    setImmediate(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.options.limit && this.waiting.length) {
      const item = this.waiting.shift()!;
      const run = this.options
        .run(item)
        .catch((err: unknown) => this.options.onError(item, err))
        .finally(() => {
          this.running.delete(run);
          this.schedulePump();
        });
      this.running.add(run);
    }
  }
}
