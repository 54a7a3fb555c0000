// Wake-ups between the threads of one host. Each thread has its own connection to the data file;
// a write committed on one wakes the consumers waiting for it on the others (a change feed that
// grew, a hub partition or a queue with something new), as a write of their own would. Sent once
// the write is committed, since the other connections cannot see it before; carried by a
// BroadcastChannel named after the host, so two hosts in one process never hear each other.
import { BroadcastChannel } from 'node:worker_threads';
import type { Database } from 'better-sqlite3';
import { afterCommit } from './db';

type Handler = (key: string, args: unknown[]) => void;

interface Wakeup {
  kind: string;
  key: string;
  args: unknown[];
}

class WakeupBus {
  private readonly channel: BroadcastChannel;
  private readonly handlers = new Map<string, Set<Handler>>();
  private queued: Wakeup[] = [];
  /** Wake-ups heard and held for `gatherMs`, by kind and key. */
  private heard = new Map<string, Wakeup>();
  private gathering?: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    channelName: string,
    private readonly gatherMs: number,
  ) {
    this.channel = new BroadcastChannel(channelName);
    this.channel.onmessage = (message) => {
      for (const w of (message as { data: Wakeup[] }).data) {
        const id = `${w.kind}\u0000${w.key}`;
        this.heard.set(id, merged(this.heard.get(id), w));
      }
      this.gathering ??= setTimeout(this.deliver, this.gatherMs);
    };
    // The channel must not keep a thread alive on its own.
    (this.channel as unknown as { unref(): void }).unref();
  }

  announce(wakeup: Wakeup): void {
    this.queued.push(wakeup);
    // The first of a commit's wake-ups arranges the sending (at once when nothing is open).
    if (this.queued.length === 1) afterCommit(this.db, this.flush);
  }

  on(kind: string, handler: Handler): () => void {
    let set = this.handlers.get(kind);
    if (!set) this.handlers.set(kind, (set = new Set()));
    set.add(handler);
    return () => set.delete(handler);
  }

  close(): void {
    this.flush();
    clearTimeout(this.gathering);
    this.channel.close();
  }

  /**
   * Wakes the handlers of what was heard: once per kind and key however many commits told of it,
   * so the consumers here run on what several of the other threads' commits wrote together, and
   * write (and commit) once for it.
   */
  private readonly deliver = (): void => {
    this.gathering = undefined;
    const heard = [...this.heard.values()];
    this.heard.clear();
    for (const w of heard) {
      for (const handler of [...(this.handlers.get(w.kind) ?? [])]) handler(w.key, w.args);
    }
  };

  private readonly flush = (): void => {
    if (this.queued.length === 0) return;
    const wakeups = this.queued;
    this.queued = [];
    this.channel.postMessage(wakeups);
  };
}

/**
 * Two wake-ups of one kind and key as one: a list argument (a hub's partitions) holds both's
 * entries; any other argument is the later one's.
 */
function merged(earlier: Wakeup | undefined, later: Wakeup): Wakeup {
  if (!earlier) return later;
  const args = later.args.map((arg, i) => {
    const before = earlier.args[i];
    return Array.isArray(arg) && Array.isArray(before) ? [...new Set([...before, ...arg])] : arg;
  });
  return { ...later, args };
}

// A global registry, as the connection's listeners keep theirs (`listeners.ts`): a test runner and
// Node's require may load two copies of this module.
const REGISTRY = Symbol.for('local-functions-host.wakeup-buses');
const buses: WeakMap<Database, WakeupBus> = ((globalThis as { [REGISTRY]?: WeakMap<Database, WakeupBus> })[
  REGISTRY
] ??= new WeakMap());

/**
 * Joins `db` to the wake-ups of the host whose threads share `channelName`; what is heard is
 * gathered for `gatherMs` before it wakes anyone here.
 */
export function joinWakeups(db: Database, channelName: string, gatherMs = 0): void {
  if (buses.has(db)) throw new Error('This connection already takes part in wake-ups.');
  buses.set(db, new WakeupBus(db, channelName, gatherMs));
}

/** Sends what is queued and leaves the host's wake-ups (before the connection closes). */
export function leaveWakeups(db: Database): void {
  buses.get(db)?.close();
  buses.delete(db);
}

/** Tells the host's other threads that `key` of `kind` changed, once the write is committed. */
export function announce(db: Database, kind: string, key: string, args: unknown[] = []): void {
  buses.get(db)?.announce({ kind, key, args });
}

/** Calls `handler` when another thread announces a change of `kind`; returns the undo. */
export function onWakeup(db: Database, kind: string, handler: Handler): () => void {
  return buses.get(db)?.on(kind, handler) ?? (() => undefined);
}
