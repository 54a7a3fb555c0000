// The overload run (`npm run bench -- --overload`): clients at 4× the concurrency where throughput
// peaks rent and return as fast as they are answered, each call with a 10 s client timeout. What
// counts is how the host says no: every refusal a 429 or 503 with Retry-After, quickly; the rents it
// takes no slower than twice the unloaded figure; no timeouts and no 5xx. A refused client waits
// what Retry-After says, as a well-behaved one does, before it tries again.
import type { Api } from './clients';
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

/** A member renting and returning through `client` (its calls carry the client timeout). */
export function overloadClient<T extends { id: string }>(client: Api, auth: string): OverloadClient<T> {
  const attempt = async <R>(path: string, body?: unknown): Promise<Attempt<R>> => {
    const t0 = performance.now();
    const answer = await client.request('POST', path, auth, { body });
    if (answer === 'timeout') return { status: 0, ms: performance.now() - t0, retryAfter: null };
    return {
      status: answer.status,
      ms: answer.ms,
      retryAfter: answer.retryAfter ?? null,
      json: answer.status < 300 ? (answer.json as R) : undefined,
    };
  };
  return {
    rent: (bookId) => attempt<T>('/api/rentals', { bookId }),
    giveBack: (rental) => attempt(`/api/rentals/${rental.id}/return`),
  };
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
