// The work per rent + return cycle, from the host's counts (`GET /admin/host/status`: `counts` and
// `cpuMs`, see local/host/counters.ts) taken before and after a run: function executions, document
// operations by container, events, Service Bus messages, CPU time — and what those document
// operations would cost in Cosmos DB request units, estimated as below.
//
// Request units assumed per operation, from "Understand request unit consumption"
// (learn.microsoft.com/azure/cosmos-db/understand-request-unit-consumption; session consistency,
// default indexing): a point read of 1, 2, 4, 8, 16, 32, 64 KB costs 1.00, 1.04, 1.14, 1.33, 1.67,
// 2.19, 4.76 RU, a write 4.95, 6.29, 6.67, 7.04, 9.52, 11.23, 22.67 RU (in between: interpolated;
// under 1 KB: the 1 KB figure). A patch, replace or create is a write of the item's new size, a
// delete a write of 1 KB, a transactional batch the sum of its operations. Queries and change-feed
// reads are charged by the items they load and the index lookups they make, which that page gives
// no table for: assumed here 2.5 RU per page plus a point read of each item returned. Each
// change-feed trigger execution also checkpoints its lease: one 1 KB write in the `leases`
// container. The figure is an estimate from counts, not a measurement: only Azure tells the charge.

export interface HostWork {
  cpuMs: { user: number; system: number };
  counts: Record<string, number>;
}

/** Cosmos DB's documented charges by item size (KB → RU), see above. */
const READ_RU: readonly [number, number][] = [
  [1, 1.0],
  [2, 1.04],
  [4, 1.14],
  [8, 1.33],
  [16, 1.67],
  [32, 2.19],
  [64, 4.76],
];
const WRITE_RU: readonly [number, number][] = [
  [1, 4.95],
  [2, 6.29],
  [4, 6.67],
  [8, 7.04],
  [16, 9.52],
  [32, 11.23],
  [64, 22.67],
];
const PAGE_RU = 2.5;

function charge(table: readonly [number, number][], kb: number): number {
  if (kb <= table[0][0]) return table[0][1];
  for (let i = 1; i < table.length; i++) {
    const [k1, ru1] = table[i];
    if (kb <= k1) {
      const [k0, ru0] = table[i - 1];
      return ru0 + ((ru1 - ru0) * (kb - k0)) / (k1 - k0);
    }
  }
  const [kLast, ruLast] = table[table.length - 1];
  return (ruLast * kb) / kLast;
}

/** The counts' growth from `before` to `after`, by name (names that did not grow left out). */
function growth(before: HostWork, after: HostWork): Record<string, number> {
  const grown: Record<string, number> = {};
  for (const [name, n] of Object.entries(after.counts)) {
    const d = n - (before.counts[name] ?? 0);
    if (d !== 0) grown[name] = d;
  }
  return grown;
}

/** `{ suffix: n }` of every count named `<prefix>.<suffix>`. */
function named(counts: Record<string, number>, prefix: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [name, n] of Object.entries(counts))
    if (name.startsWith(prefix + '.')) out[name.slice(prefix.length + 1)] = n;
  return out;
}

const sum = (values: Record<string, number>): number => Object.values(values).reduce((a, b) => a + b, 0);

/**
 * The work of the run between `before` and `after` per rent + return cycle. Executions of the
 * functions in `measuring` (the lag probe's reads of its mypage) are not the cycles' work: they are
 * listed apart and left out of the totals.
 */
export function workPerCycle(input: {
  before: HostWork;
  after: HostWork;
  cycles: number;
  measuring: readonly string[];
}) {
  const { cycles, measuring } = input;
  const grown = growth(input.before, input.after);
  const per = (n: number): number => Math.round((n / cycles) * 100) / 100;
  const perEach = (values: Record<string, number>): Record<string, number> =>
    Object.fromEntries(
      Object.entries(values)
        .sort(([, a], [, b]) => b - a)
        .map(([k, v]) => [k, per(v)]),
    );

  const allExecutions = named(grown, 'executions');
  const executions = Object.fromEntries(
    Object.entries(allExecutions).filter(([fn]) => !measuring.includes(fn)),
  );
  const byTrigger = named(grown, 'executionsByTrigger');
  const writes = named(grown, 'documents.write');
  const deletes = named(grown, 'documents.delete');
  const reads = named(grown, 'documents.read');
  const queries = named(grown, 'documents.query');
  const feedPages = named(grown, 'documents.feedPages');
  const feedItems = named(grown, 'documents.feedItems');

  const kb = (bytes: number | undefined, n: number | undefined): number => (n ? (bytes ?? 0) / 1024 / n : 0);
  const ru = { writes: 0, reads: 0, queries: 0, changeFeed: 0, leases: 0 };
  for (const [c, n] of Object.entries(writes))
    ru.writes += n * charge(WRITE_RU, kb(grown[`documents.writeBytes.${c}`], n));
  for (const n of Object.values(deletes)) ru.writes += n * charge(WRITE_RU, 1);
  for (const [c, n] of Object.entries(reads))
    ru.reads += n * charge(READ_RU, kb(grown[`documents.readBytes.${c}`], n));
  for (const [c, n] of Object.entries(queries))
    ru.queries += n * PAGE_RU + (grown[`documents.queryItems.${c}`] ?? 0) * charge(READ_RU, 1);
  for (const [c, n] of Object.entries(feedPages)) {
    const items = feedItems[c] ?? 0;
    ru.changeFeed += n * PAGE_RU + items * charge(READ_RU, kb(grown[`documents.feedBytes.${c}`], items));
  }
  ru.leases = (byTrigger.cosmosDBTrigger ?? 0) * charge(WRITE_RU, 1);

  const cpu = input.after.cpuMs.user + input.after.cpuMs.system;
  const cpuBefore = input.before.cpuMs.user + input.before.cpuMs.system;
  return {
    cycles,
    hostCpuMs: per(cpu - cpuBefore),
    /** Of which in the kernel (system calls: the file's reads and writes, futex waits and wakes). */
    hostCpuSystemMs: per(input.after.cpuMs.system - input.before.cpuMs.system),
    executions: {
      total: per(sum(executions)),
      orchestratorTurns: per(byTrigger.orchestrationTrigger ?? 0),
      activityCalls: per(byTrigger.activityTrigger ?? 0),
      byFunction: perEach(executions),
      measuring: perEach(Object.fromEntries(measuring.map((fn) => [fn, allExecutions[fn] ?? 0]))),
    },
    documents: {
      writes: { total: per(sum(writes) + sum(deletes)), byContainer: perEach(writes) },
      reads: { total: per(sum(reads)), byContainer: perEach(reads) },
      queries: { total: per(sum(queries)), byContainer: perEach(queries) },
      changeFeedItems: { total: per(sum(feedItems)), byContainer: perEach(feedItems) },
    },
    eventsPublished: per(sum(named(grown, 'events.published'))),
    serviceBusMessages: per(sum(named(grown, 'messages.sent'))),
    /** Commits to the data file (group commits: one per event-loop turn that wrote, on each thread). */
    storageCommits: per(grown['storage.commits'] ?? 0),
    /** Of which ended early because another thread of the host waited to write (`host/write-lock.ts`). */
    storageCommitsYielded: per(grown['storage.commitsYielded'] ?? 0),
    requestUnits: {
      total: per(ru.writes + ru.reads + ru.queries + ru.changeFeed + ru.leases),
      ...Object.fromEntries(Object.entries(ru).map(([k, v]) => [k, per(v)])),
    },
  };
}
