// The host's consumer threads (`--workers N`): each runs the trigger consumers placed on it
// (`thread-plan.ts`) in another instance of the same app, on its own connection to the data file,
// as the Functions host runs another instance when Azure scales out. The main thread keeps HTTP and
// the durable task hub. A thread that dies is started again, after freeing the write lock if it
// held it; its consumers go on from their last checkpoints, so what it had not checkpointed is
// delivered again (at least once, as in Azure after an instance is lost).
import fs from 'node:fs';
import path from 'node:path';
import { Worker as Thread } from 'node:worker_threads';
import type { HostClock } from './clock';
import { addCounts, type Counts } from './counters';
import type { HostKeys } from './keys';
import type { Logger, LogLevel } from './logger';
import { WriteLock } from './write-lock';

/** The write lock's holder number of the main thread; consumer thread `i` is `i + 2`. */
export const MAIN_THREAD_HOLDER = 1;

/** What a consumer thread is started with (`workerData`). */
export interface ThreadData {
  index: number;
  threads: number;
  holder: number;
  appDir: string;
  dbFile: string;
  dev: boolean;
  baseUrl: string;
  keys: HostKeys;
  lock: SharedArrayBuffer;
  clock: SharedArrayBuffer;
  wakeups: string;
  logLevel: LogLevel;
}

export type FromThread =
  | { kind: 'ready' }
  | { kind: 'log'; level: LogLevel; message: string }
  | { kind: 'counts'; id: number; counts: Counts };

export type ToThread = { kind: 'clock' } | { kind: 'counts'; id: number } | { kind: 'stop' };

const STOP_TIMEOUT_MS = 10_000;
const COUNTS_TIMEOUT_MS = 1_000;
const FIRST_RESTART_DELAY_MS = 100;
const MAX_RESTART_DELAY_MS = 10_000;
// A thread that ran this long before dying is restarted at once again (not a crash loop).
const STEADY_MS = 60_000;

/** The thread's script: compiled JavaScript beside this file, or, run from the TypeScript source (a test runner), the build's. */
function threadScript(): string {
  const beside = path.join(__dirname, 'consumer-thread.js');
  return fs.existsSync(beside) ? beside : path.resolve(__dirname, '../../dist/local/host/consumer-thread.js');
}

interface Slot {
  index: number;
  thread?: Thread;
  startedAt: number;
  restartDelayMs: number;
  restarts: number;
}

/** What every thread is given as it is (the rest of `ThreadData` is each one's own). */
type SharedData = Pick<
  ThreadData,
  'appDir' | 'dbFile' | 'dev' | 'baseUrl' | 'keys' | 'lock' | 'wakeups' | 'logLevel'
>;

export interface ConsumerThreadsOptions extends SharedData {
  count: number;
  clock: HostClock;
  log: Logger;
}

export class ConsumerThreads {
  private readonly slots: Slot[];
  private stopping = false;
  private nextRequest = 1;
  private readonly countsWaiting = new Map<number, (counts: Counts) => void>();
  private readonly unfollowClock: () => void;
  /** The counts of threads that have ended, so a restart does not lose what they did. */
  private readonly ended: Counts = {};
  /** Each live thread's counts as last heard. */
  private readonly lastHeard = new Map<Thread, Counts>();

  private constructor(private readonly options: ConsumerThreadsOptions) {
    this.slots = Array.from({ length: options.count }, (_, index) => ({
      index,
      startedAt: 0,
      restartDelayMs: FIRST_RESTART_DELAY_MS,
      restarts: 0,
    }));
    // The threads read the clock's offset from shared memory; a move re-arms their waits.
    this.unfollowClock = options.clock.onMove(() => this.postAll({ kind: 'clock' }));
  }

  /** Starts the threads; resolves once each has loaded the app and started its consumers. */
  static async start(options: ConsumerThreadsOptions): Promise<ConsumerThreads> {
    const threads = new ConsumerThreads(options);
    try {
      await Promise.all(threads.slots.map((slot) => threads.spawn(slot)));
    } catch (err) {
      await threads.stop();
      throw err;
    }
    return threads;
  }

  get count(): number {
    return this.slots.length;
  }

  /** Restarts after a thread died, since the host started. */
  get restarts(): number {
    return this.slots.reduce((n, s) => n + s.restarts, 0);
  }

  /** The work counted by every thread so far (`counters.ts`), the ended ones' included. */
  async counts(): Promise<Counts> {
    const replies = this.slots.map((slot) => {
      const thread = slot.thread;
      if (!thread) return Promise.resolve();
      const id = this.nextRequest++;
      return new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          this.countsWaiting.delete(id);
          resolve();
        }, COUNTS_TIMEOUT_MS);
        this.countsWaiting.set(id, (counts) => {
          clearTimeout(timer);
          this.lastHeard.set(thread, counts);
          resolve();
        });
        thread.postMessage({ kind: 'counts', id } satisfies ToThread);
      });
    });
    await Promise.all(replies);
    const total = addCounts({}, this.ended);
    for (const counts of this.lastHeard.values()) addCounts(total, counts);
    return total;
  }

  /**
   * Ends a thread abruptly, as a crash would: what it had not committed is lost, and it is started
   * again as after any crash.
   */
  async crash(index: number): Promise<void> {
    await this.slots[index]?.thread?.terminate();
  }

  /** Asks every thread to stop (it finishes what it has in hand); ends those that do not in time. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.unfollowClock();
    await Promise.all(
      this.slots.map(async (slot) => {
        const thread = slot.thread;
        if (!thread) return;
        const exited = new Promise<void>((resolve) => thread.once('exit', () => resolve()));
        thread.postMessage({ kind: 'stop' } satisfies ToThread);
        const timer = setTimeout(() => {
          this.options.log.warn(`Consumer thread ${slot.index + 1} did not stop in time; ending it.`);
          void thread.terminate();
        }, STOP_TIMEOUT_MS);
        await exited;
        clearTimeout(timer);
      }),
    );
  }

  private postAll(message: ToThread): void {
    for (const slot of this.slots) slot.thread?.postMessage(message);
  }

  private spawn(slot: Slot): Promise<void> {
    const { options } = this;
    const { appDir, dbFile, dev, baseUrl, keys, lock, wakeups, logLevel } = options;
    const data: ThreadData = {
      ...{ appDir, dbFile, dev, baseUrl, keys, lock, wakeups, logLevel },
      index: slot.index,
      threads: this.slots.length,
      holder: MAIN_THREAD_HOLDER + 1 + slot.index,
      clock: options.clock.shared,
    };
    const thread = new Thread(threadScript(), { workerData: data });
    slot.thread = thread;
    slot.startedAt = Date.now();
    return new Promise<void>((resolve, reject) => {
      let ready = false;
      thread.on('message', (message: FromThread) => {
        if (message.kind === 'ready') {
          ready = true;
          resolve();
        } else this.received(message);
      });
      thread.on('error', (err) => {
        if (!ready) reject(err);
        else options.log.error(`Consumer thread ${slot.index + 1} failed`, err);
      });
      thread.on('exit', (code) => {
        if (slot.thread === thread) slot.thread = undefined;
        addCounts(this.ended, this.lastHeard.get(thread) ?? {});
        this.lastHeard.delete(thread);
        // A thread that died inside a group of writes still holds the lock: no one else could write.
        WriteLock.releaseHeldBy(options.lock, data.holder);
        if (!ready)
          return reject(new Error(`Consumer thread ${slot.index + 1} exited (${code}) while starting.`));
        if (!this.stopping) this.restart(slot, code);
      });
    });
  }

  private restart(slot: Slot, code: number): void {
    const { log } = this.options;
    if (Date.now() - slot.startedAt >= STEADY_MS) slot.restartDelayMs = FIRST_RESTART_DELAY_MS;
    const delay = slot.restartDelayMs;
    slot.restartDelayMs = Math.min(MAX_RESTART_DELAY_MS, delay * 2);
    slot.restarts++;
    log.error(
      `Consumer thread ${slot.index + 1} exited (${code}); starting it again in ${delay} ms, from the last checkpoints.`,
    );
    setTimeout(() => {
      if (this.stopping) return;
      this.spawn(slot).catch((err: unknown) => {
        log.error(`Consumer thread ${slot.index + 1} did not start again`, err);
        if (!this.stopping) this.restart(slot, -1);
      });
    }, delay).unref();
  }

  private received(message: FromThread): void {
    switch (message.kind) {
      case 'log':
        if (message.level === 'error') this.options.log.error(message.message);
        else this.options.log[message.level](message.message);
        return;
      case 'counts':
        this.countsWaiting.get(message.id)?.(message.counts);
        this.countsWaiting.delete(message.id);
        return;
    }
  }
}
