// Wake-up listeners that belong to a database connection, not to one store instance: whatever
// instance on the same connection writes, every subscriber of that name wakes. Process-wide (a
// global registry), so it holds even when a test runner and Node's require load two copies of a store.
// A write on another thread of the host wakes them too (`wakeups.ts`).
import type { Database } from 'better-sqlite3';
import { announce, onWakeup } from './wakeups';

const REGISTRY = Symbol.for('local-functions-host.connection-listeners');

type Listener<A extends unknown[]> = (...args: A) => void;
type Registry = WeakMap<Database, Map<string, Map<string, Set<Listener<never>>>>>;

/** The listeners of `kind` (e.g. 'event-log') on `db`, by key (e.g. a hub name). */
function connectionListeners<A extends unknown[]>(db: Database, kind: string): Map<string, Set<Listener<A>>> {
  const g = globalThis as { [REGISTRY]?: Registry };
  const all = (g[REGISTRY] ??= new WeakMap());
  let forDb = all.get(db);
  if (!forDb) all.set(db, (forDb = new Map()));
  let forKind = forDb.get(kind);
  if (!forKind) {
    const listeners = (forKind = new Map());
    forDb.set(kind, listeners);
    onWakeup(db, kind, (key, args) => wake(listeners.get(key), args));
  }
  return forKind as Map<string, Set<Listener<A>>>;
}

/** Calls the listeners asynchronously (setImmediate), never inside the caller's write. */
function wake<A extends unknown[]>(set: Set<Listener<A>> | undefined, args: A): void {
  if (!set || set.size === 0) return;
  setImmediate(() => {
    for (const listener of [...set]) listener(...args);
  });
}

/** One store instance's view of the connection's listeners of one kind. */
export class ListenerRegistry<A extends unknown[] = []> {
  private readonly listeners: Map<string, Set<Listener<A>>>;
  private readonly unsubscribers = new Set<() => void>();

  constructor(
    private readonly db: Database,
    private readonly kind: string,
  ) {
    this.listeners = connectionListeners<A>(db, kind);
  }

  /** Calls `listener` (asynchronously) whenever `key` is notified through any instance; returns the undo. */
  subscribe(key: string, listener: Listener<A>): () => void {
    let set = this.listeners.get(key);
    if (!set) this.listeners.set(key, (set = new Set()));
    const entry: Listener<A> = (...args) => listener(...args);
    set.add(entry);
    const unsubscribe = (): void => {
      set.delete(entry);
      this.unsubscribers.delete(unsubscribe);
    };
    this.unsubscribers.add(unsubscribe);
    return unsubscribe;
  }

  /**
   * Wakes the listeners of `key` asynchronously (setImmediate), never inside the caller's write;
   * those on the host's other threads once the write is committed.
   */
  notify(key: string, ...args: A): void {
    wake(this.listeners.get(key), args);
    announce(this.db, this.kind, key, args);
  }

  /** Drops the listeners subscribed through this instance. */
  close(): void {
    for (const unsubscribe of [...this.unsubscribers]) unsubscribe();
  }
}
