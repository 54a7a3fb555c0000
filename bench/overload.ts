// The overload run (`npm run bench -- --overload`): clients at 4× the concurrency where throughput
// peaks rent and return as fast as they are answered, each call with a 10 s client timeout. What
// counts is how the host says no: every refusal a 429 or 503 with Retry-After, quickly; the rents it
// takes no slower than twice the unloaded figure; no timeouts and no 5xx. A refused client waits
// what Retry-After says, as a well-behaved one does, before it tries again.
import Database from 'better-sqlite3';
import { summarize } from './stats';

export const CLIENT_TIMEOUT_MS = 10_000;

/** One call's outcome as the client saw it. */
export interface Attempt<T> {
  /** 0: no answer within the client timeout. */
  status: number;
  ms: number;
  retryAfter: string | null;
  json?: T;
}

export interface OverloadClient<T> {
  rent(bookId: string): Promise<Attempt<T>>;
  giveBack(rental: T): Promise<Attempt<unknown>>;
}

export interface OverloadTally {
  accepted: number;
  refused: number;
  refusedWithoutRetryAfter: number;
  timeouts: number;
  serverErrors: number;
  other: Record<string, number>;
  acceptedMs: number[];
  refusedMs: number[];
}

/** Drives every client through rent → return for `seconds`; a refused client waits Retry-After. */
export async function driveOverload<T extends { status: string }>(
  clients: OverloadClient<T>[],
  books: readonly string[],
  seconds: number,
): Promise<OverloadTally & { elapsedSec: number }> {
  const tally: OverloadTally = {
    accepted: 0,
    refused: 0,
    refusedWithoutRetryAfter: 0,
    timeouts: 0,
    serverErrors: 0,
    other: {},
    acceptedMs: [],
    refusedMs: [],
  };
  const note = (a: Attempt<unknown>): 'ok' | 'refused' | 'failed' => {
    if (a.status === 0) tally.timeouts++;
    else if (a.status === 429 || a.status === 503) {
      tally.refused++;
      tally.refusedMs.push(a.ms);
      if (!a.retryAfter) tally.refusedWithoutRetryAfter++;
      return 'refused';
    } else if (a.status >= 500) tally.serverErrors++;
    else if (a.status < 300) return 'ok';
    else tally.other[a.status] = (tally.other[a.status] ?? 0) + 1;
    return 'failed';
  };
  const t0 = performance.now();
  const stopAt = t0 + seconds * 1000;
  await Promise.all(
    clients.map(async (client) => {
      while (performance.now() < stopAt) {
        const rented = await client.rent(books[Math.floor(Math.random() * books.length)]);
        const outcome = note(rented);
        if (outcome === 'refused') {
          await new Promise((r) => setTimeout(r, Number(rented.retryAfter ?? 1) * 1000));
          continue;
        }
        if (outcome !== 'ok' || !rented.json) continue;
        // 201 settled or 202 still in flight: both are a rent taken.
        tally.accepted++;
        tally.acceptedMs.push(rented.ms);
        if (rented.json.status !== 'APPROVED') continue;
        // A return is never shed; it is retried until it is taken (it frees what rents need).
        for (;;) {
          const back = await client.giveBack(rented.json);
          if (note(back) !== 'refused') break;
          await new Promise((r) => setTimeout(r, Number(back.retryAfter ?? 1) * 1000));
        }
      }
    }),
  );
  return { ...tally, elapsedSec: (performance.now() - t0) / 1000 };
}

/** The figures the run prints. */
export function overloadFigures(t: OverloadTally & { elapsedSec: number }) {
  const perSec = (n: number) => Math.round((n / t.elapsedSec) * 10) / 10;
  return {
    acceptedPerSec: perSec(t.accepted),
    refusedPerSec: perSec(t.refused),
    acceptedLatencyMs: summarize(t.acceptedMs),
    refusalLatencyMs: summarize(t.refusedMs),
    refusedWithoutRetryAfter: t.refusedWithoutRetryAfter,
    timeouts: t.timeouts,
    serverErrors: t.serverErrors,
    otherStatuses: t.other,
  };
}

/**
 * What a stopped host's data file says after the load drained: events on the hub more than once by
 * id, and the rentals' notices of each kind, with any rental noticed twice for one kind (a notice's
 * id is its event's, so one per noticed event means one per rental and kind).
 */
export function drainedFigures(dbFile: string): {
  eventsOnHub: number;
  eventIdsOnHubMoreThanOnce: number;
  noticesByKind: Record<string, number>;
  rentalsNoticedTwice: number;
} {
  const db = new Database(dbFile, { readonly: true });
  try {
    const ids = db
      .prepare(`SELECT json_extract(body, '$.id') FROM eh_events WHERE hub = 'rentbook-events'`)
      .pluck()
      .all() as string[];
    const notices = db
      .prepare(
        `SELECT json_extract(i.body, '$.kind') AS kind, COUNT(*) AS n,
                COUNT(*) - COUNT(DISTINCT json_extract(i.body, '$.rentalId')) AS twice
         FROM doc_items i JOIN doc_containers c ON c.cid = i.cid
         WHERE c.container_id = 'notices' AND json_extract(i.body, '$.rentalId') IS NOT NULL
         GROUP BY kind`,
      )
      .all() as { kind: string; n: number; twice: number }[];
    return {
      eventsOnHub: ids.length,
      eventIdsOnHubMoreThanOnce: ids.length - new Set(ids).size,
      noticesByKind: Object.fromEntries(notices.map((r) => [r.kind, r.n])),
      rentalsNoticedTwice: notices.reduce((n, r) => n + r.twice, 0),
    };
  } finally {
    db.close();
  }
}
