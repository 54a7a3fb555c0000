// The work the host has done, counted by name: function executions (by function and by trigger
// type), document operations by container (with their bytes), events published by hub and messages
// sent by queue. `GET /admin/host/status` answers them with the process's CPU time, and the
// benchmark divides them by the rents it drove.
//
// Plain numbers per name in one table per thread (a module loaded twice in one process, as by a
// test runner and the app's own require, shares it through a global symbol), so the counts of
// several threads add up with `addCounts`.
const KEY = Symbol.for('local-functions-host.counts');

export type Counts = Record<string, number>;

function table(): Counts {
  const g = globalThis as { [KEY]?: Counts };
  return (g[KEY] ??= Object.create(null) as Counts);
}

/** Adds `n` to the count named `name`. */
export function count(name: string, n = 1): void {
  const counts = table();
  counts[name] = (counts[name] ?? 0) + n;
}

/** The counts so far, a copy. */
export function counts(): Counts {
  return { ...table() };
}

/** Adds the counts of `from` into `into` (another thread's, say) and answers `into`. */
export function addCounts(into: Counts, from: Readonly<Counts>): Counts {
  for (const [name, n] of Object.entries(from)) into[name] = (into[name] ?? 0) + n;
  return into;
}
