// Wake-up listeners that belong to a database connection, not to one store instance: whatever
// instance on the same connection writes, every subscriber of that name wakes. Process-wide (a
// global registry), so it holds even when a test runner and Node's require load two copies of a store.
import type { Database } from 'better-sqlite3';

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
  if (!forKind) forDb.set(kind, (forKind = new Map()));
  return forKind as Map<string, Set<Listener<A>>>;
}

/** One store instance's view of the connection's listeners of one kind. */
export class ListenerRegistry<A extends unknown[] = []> {
  private readonly listeners: Map<string, Set<Listener<A>>>;
  private readonly unsubscribers = new Set<() => void>();

  constructor(db: Database, kind: string) {
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

  /** Wakes the listeners of `key` asynchronously (setImmediate), never inside the caller's write. */
  notify(key: string, ...args: A): void {
    const set = this.listeners.get(key);
    if (!set || set.size === 0) return;
    setImmediate(() => {
      for (const listener of [...set]) listener(...args);
    });
  }

  /** Drops the listeners subscribed through this instance. */
  close(): void {
    for (const unsubscribe of [...this.unsubscribers]) unsubscribe();
  }
}
