// Runs queued work items, at most `limit` at once, in the order they came (the durable extension's
// maxConcurrentOrchestratorFunctions / maxConcurrentActivityFunctions).
export class WorkPool<T> {
  private readonly waiting: T[] = [];
  private readonly running = new Set<Promise<void>>();
  private stopped = false;

  constructor(
    private readonly options: {
      limit: number;
      run: (item: T) => Promise<void>;
      onError: (item: T, err: unknown) => void;
    },
  ) {}

  add(...items: T[]): void {
    this.waiting.push(...items);
    this.pump();
  }

  /** Starts nothing more; resolves once what runs has settled. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.allSettled([...this.running]);
  }

  private pump(): void {
    while (!this.stopped && this.running.size < this.options.limit && this.waiting.length) {
      const item = this.waiting.shift()!;
      const run = this.options
        .run(item)
        .catch((err: unknown) => this.options.onError(item, err))
        .finally(() => {
          this.running.delete(run);
          this.pump();
        });
      this.running.add(run);
    }
  }
}
