// After a run's load: waits until the host has done all the work the load left behind (no rental
// REQUESTED, no outbox event waiting for the relay, no event a consumer group has not taken, no
// notice on its queue, no function running for a while), so the data
// file can be checked (./invariants.ts). Gives up after `timeoutMs` and says what was still waiting.
import Database from 'better-sqlite3';
import { itemsPastLease } from '../local/documents/lease-lag';
import { EVENTS_HUB } from '../shared/app/events';
import { NOTICES_QUEUE } from '../shared/app/notices';
import { DATABASE_ID } from '../shared/app/records';
import type { Api } from './clients';

export interface Drained {
  drainedMs: number;
  /** What was still waiting when it stopped waiting (all 0 when drained). */
  requested: number;
  outboxPending: number;
  eventsBehind: number;
  messages: number;
}

export function outboxPending(dbFile: string): number {
  return itemsPastLease(dbFile, {
    leasePrefix: 'outbox-',
    databaseName: DATABASE_ID,
    containerName: 'members',
    carrying: 'events',
  });
}

/** What still waits in the data file: rentals REQUESTED, events no consumer group has taken, messages on the notices queue. */
function waiting(dbFile: string): { requested: number; eventsBehind: number; messages: number } {
  const db = new Database(dbFile, { readonly: true, fileMustExist: true });
  try {
    const count = (sql: string) => db.prepare(sql).pluck().get() as number;
    return {
      requested: count(
        `SELECT COUNT(*) FROM doc_items WHERE json_extract(body, '$.type') = 'rental'
         AND json_extract(body, '$.status') = 'REQUESTED'`,
      ),
      // Per consumer group that has read the hub, the events past its checkpoint.
      eventsBehind: count(
        `SELECT COUNT(*) FROM eh_events e JOIN (SELECT DISTINCT hub, consumer_group FROM eh_checkpoints) g
           ON g.hub = e.hub
         LEFT JOIN eh_checkpoints c
           ON c.hub = e.hub AND c.consumer_group = g.consumer_group AND c.partition = e.partition
         WHERE e.hub = '${EVENTS_HUB}' AND e.seq > COALESCE(c.seq, -1)`,
      ),
      messages: count(`SELECT COUNT(*) FROM sb_messages WHERE entity = '${NOTICES_QUEUE}'`),
    };
  } finally {
    db.close();
  }
}

export async function drain(
  client: Api,
  host: { dbFile: string; masterKey: string },
  timeoutMs = 120_000,
): Promise<Drained> {
  const t0 = performance.now();
  const executions = async (): Promise<number> => {
    const answer = await client.request(
      'GET',
      `/admin/host/status?code=${encodeURIComponent(host.masterKey)}`,
      '',
    );
    if (answer === 'timeout' || answer.status !== 200) return -1;
    const counts = (answer.json as { counts: Record<string, number> }).counts;
    return Object.entries(counts)
      .filter(([name]) => name.startsWith('executions.'))
      .reduce((n, [, v]) => n + v, 0);
  };
  let last = await executions();
  let quietSince = performance.now();
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const left = { ...waiting(host.dbFile), outboxPending: outboxPending(host.dbFile) };
    const now = await executions();
    if (now !== last) quietSince = performance.now();
    last = now;
    const done = Object.values(left).every((n) => n === 0);
    // And quiet for 3 s: the change-feed consumers behind the writes (views) have caught up too.
    if ((done && performance.now() - quietSince >= 3_000) || performance.now() - t0 > timeoutMs)
      return { drainedMs: Math.round(performance.now() - t0), ...left };
  }
}
