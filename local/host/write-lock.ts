// One writer at a time among the threads of one host. SQLite (WAL) lets one connection write at a
// time; a connection that finds the file locked runs SQLite's busy handler, which sleeps 1, 2, 5,
// 10 ... ms between tries — whole milliseconds in which the main thread would answer no request.
// The threads of a host (the main thread and its consumer threads, each with its own connection)
// take this lock instead, around each group of writes (`db.ts`): a thread that finds it taken waits
// on the lock word (Atomics.wait) and is woken the moment it is released. A waiting thread is
// counted, with the time it began to wait, so a holder can let it in at its next transaction
// boundary once it has waited a while (`yieldAfterMs`) instead of at the end of its event-loop
// turn. Not at once: each hand-over ends a group, a commit more, and the other connection then
// drops its page cache (SQLite does on every commit of another connection). So the consumer threads
// let the main thread in after a millisecond (it answers the requests), and the main thread lets
// them in after a few (what they project waits behind it).
const HOLDER = 0;
const WAITING = 1;
/** Float64 index (after the two Int32 words) of when the longest waiter began, in epoch ms (0: none). */
const SINCE = 1;
// A safety net only: a release always wakes a waiter. Past it, the waiter looks again.
const WAIT_SLICE_MS = 50;

export class WriteLock {
  private readonly cells: Int32Array;
  private readonly since: Float64Array;

  /**
   * `buffer` is shared by every thread of the host (16 bytes); `holder` names this thread in it (a
   * positive number no other live thread uses), so the host can free the lock of a thread that died.
   */
  constructor(
    readonly buffer: SharedArrayBuffer,
    readonly holder: number,
    /** How long another thread waits before this one lets it in at a transaction boundary. */
    private readonly yieldAfterMs = Infinity,
  ) {
    if (!Number.isInteger(holder) || holder <= 0)
      throw new RangeError('A lock holder is a positive integer.');
    this.cells = new Int32Array(buffer, 0, 2);
    this.since = new Float64Array(buffer, 0, 2);
  }

  static newBuffer(): SharedArrayBuffer {
    return new SharedArrayBuffer(2 * Float64Array.BYTES_PER_ELEMENT);
  }

  acquire(): void {
    const cells = this.cells;
    if (Atomics.compareExchange(cells, HOLDER, 0, this.holder) === 0) return;
    if (Atomics.add(cells, WAITING, 1) === 0) this.since[SINCE] = Date.now();
    try {
      for (;;) {
        const current = Atomics.load(cells, HOLDER);
        if (current === 0) {
          if (Atomics.compareExchange(cells, HOLDER, 0, this.holder) === 0) return;
        } else if (current === this.holder) {
          throw new Error('The write lock is not reentrant.');
        } else {
          Atomics.wait(cells, HOLDER, current, WAIT_SLICE_MS);
        }
      }
    } finally {
      // The last waiter in: no one waits; another still waiting: it has waited since about now.
      this.since[SINCE] = Atomics.sub(cells, WAITING, 1) === 1 ? 0 : Date.now();
    }
  }

  release(): void {
    if (Atomics.compareExchange(this.cells, HOLDER, this.holder, 0) !== this.holder) {
      throw new Error('The write lock is released only by its holder.');
    }
    if (Atomics.load(this.cells, WAITING) > 0) Atomics.notify(this.cells, HOLDER, 1);
  }

  /** Whether another thread has waited for the lock long enough to be let in now. */
  contended(): boolean {
    if (this.yieldAfterMs === Infinity || Atomics.load(this.cells, WAITING) === 0) return false;
    const since = this.since[SINCE];
    return since > 0 && Date.now() - since >= this.yieldAfterMs;
  }

  /** Frees the lock when `holder` (a thread that died) still holds it; true if it did. */
  static releaseHeldBy(buffer: SharedArrayBuffer, holder: number): boolean {
    const cells = new Int32Array(buffer, 0, 2);
    if (Atomics.compareExchange(cells, HOLDER, holder, 0) !== holder) return false;
    Atomics.notify(cells, HOLDER, 1);
    return true;
  }
}
