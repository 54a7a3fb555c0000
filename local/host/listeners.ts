// Wake-up listeners that belong to a database connection, not to one store instance: whatever
// instance on the same connection writes, every subscriber of that name wakes. Process-wide (a
// global registry), so it holds even when a test runner and Node's require load two copies of a store.
import type { Database } from 'better-sqlite3';

const REGISTRY = Symbol.for('local-functions-host.connection-listeners');

type Registry = WeakMap<Database, Map<string, Map<string, Set<unknown>>>>;

/** The listeners of `kind` (e.g. 'event-log') on `db`, by key (e.g. a hub name). */
export function connectionListeners<L>(db: Database, kind: string): Map<string, Set<L>> {
  const g = globalThis as { [REGISTRY]?: Registry };
  const all = (g[REGISTRY] ??= new WeakMap());
  let forDb = all.get(db);
  if (!forDb) all.set(db, (forDb = new Map()));
  let forKind = forDb.get(kind);
  if (!forKind) forDb.set(kind, (forKind = new Map()));
  return forKind as Map<string, Set<L>>;
}
