// Clients as the chaos run drives them (./chaos.ts): each rents a random book and returns it, over
// and over, as a well-behaved client of this API does. A refusal (429 or 503 with Retry-After) is
// waited out and asked again, the rent with the same Idempotency-Key, so a rent that was recorded
// before its answer was lost is not made twice; a 202 is polled at its Location until settled. Every
// request has 10 s before the client gives up on it (a timeout). What the runs print comes from here.
import { randomUUID } from 'node:crypto';
import { Pool } from 'undici';
import { signLocalToken } from '../shared/local-token';
import { CLIENT_TIMEOUT_MS } from './overload';
import { summarize } from './stats';

/** The longest Retry-After a client honours (a client caps what it is told to wait). */
const MAX_BACKOFF_MS = 5_000;

export interface Answer {
  status: number;
  json: unknown;
  retryAfter: string | undefined;
  ms: number;
}

/** Tallies of one phase. */
export class Tally {
  /** Rents answered 201 (settled) or 202 (recorded, settling). */
  acceptedRents = 0;
  /** Rents settled APPROVED or REJECTED, by the time their answer came (ms since the epoch). */
  readonly settledAt: number[] = [];
  readonly acceptedRentMs: number[] = [];
  /** Refusals, by status and problem type: 429 (the host), 503 overloaded, 503 busy. */
  readonly refused: Record<string, number> = {};
  readonly refusalMs: number[] = [];
  timeouts = 0;
  /** 5xx answers that are not refusals with Retry-After. */
  readonly serverErrors: Record<string, number> = {};
  /** Other answers that were not expected (4xx but the refusals). */
  readonly unexpected: Record<string, number> = {};
  returns = 0;
  /** The slowest answers (refusals and accepted rents): what they were, when they came. */
  readonly slowest: { what: string; ms: number; at: string }[] = [];

  noteSlow(what: string, ms: number): void {
    if (this.slowest.length >= 5 && ms <= this.slowest[this.slowest.length - 1].ms) return;
    this.slowest.push({ what, ms: Math.round(ms), at: new Date().toISOString() });
    this.slowest.sort((a, b) => b.ms - a.ms).splice(5);
  }

  count(into: Record<string, number>, key: string): void {
    into[key] = (into[key] ?? 0) + 1;
  }

  figures(seconds: number) {
    const refusals = Object.values(this.refused).reduce((n, c) => n + c, 0);
    const perSec = (n: number) => Math.round((n / seconds) * 10) / 10;
    return {
      acceptedRentsPerSec: perSec(this.acceptedRents),
      refusedPerSec: perSec(refusals),
      refused: this.refused,
      refusalLatencyMs: summarize(this.refusalMs),
      acceptedRentLatencyMs: summarize(this.acceptedRentMs),
      returns: this.returns,
      timeouts: this.timeouts,
      serverErrors: this.serverErrors,
      unexpected: this.unexpected,
      slowest: this.slowest,
    };
  }
}

export interface Api {
  request(
    method: 'GET' | 'POST',
    path: string,
    auth: string,
    extra?: RequestExtra,
  ): Promise<Answer | 'timeout'>;
  close(): Promise<void>;
}

interface RequestExtra {
  body?: unknown;
  headers?: Record<string, string>;
}

export function api(url: string, connections: number): Api {
  const pool = new Pool(url, { connections, pipelining: 1 });
  return {
    async request(method, path, auth, extra = {}) {
      const t0 = performance.now();
      try {
        const res = await pool.request({
          method,
          path,
          headers: {
            authorization: auth,
            ...(extra.body === undefined ? {} : { 'content-type': 'application/json' }),
            ...extra.headers,
          },
          body: extra.body === undefined ? undefined : JSON.stringify(extra.body),
          signal: AbortSignal.timeout(CLIENT_TIMEOUT_MS),
        });
        const text = await res.body.text();
        const retryAfter = res.headers['retry-after'];
        return {
          status: res.statusCode,
          json: text ? (JSON.parse(text) as unknown) : undefined,
          retryAfter: typeof retryAfter === 'string' ? retryAfter : undefined,
          ms: performance.now() - t0,
        };
      } catch (err) {
        if ((err as Error).name === 'TimeoutError' || (err as Error).name === 'AbortError') return 'timeout';
        throw err;
      }
    },
    close: () => pool.close(),
  };
}

export interface Member {
  id: string;
  auth: string;
}

/**
 * Books with many copies and members with points, through the API as a librarian, each call asked
 * again while it is refused (the store may be failing on purpose). Deposits carry an
 * Idempotency-Key, so one asked again is made once.
 */
export async function loadLibrary(
  client: Api,
  options: { secret: string; books: number; members: number; copies: number; price: number; points: number },
): Promise<{ books: string[]; members: Member[] }> {
  const librarian = `Bearer ${await signLocalToken(options.secret, { librarian: 'bench' })}`;
  const made = async (what: string, path: string, body: unknown, key?: string): Promise<{ id: string }> => {
    for (let attempt = 1; ; attempt++) {
      const answer = await client.request('POST', path, librarian, {
        body,
        headers: key ? { 'idempotency-key': key } : {},
      });
      if (answer !== 'timeout' && answer.status < 300) return answer.json as { id: string };
      if (attempt >= 20)
        throw new Error(`${what} answered ${answer === 'timeout' ? 'nothing' : answer.status}`);
      await pauseFor(answer === 'timeout' ? undefined : answer.retryAfter);
    }
  };
  const books: string[] = [];
  for (let i = 0; i < options.books; i++)
    books.push(
      (
        await made('creating a book', '/api/books', {
          title: `Bench book ${i}`,
          author: 'Bench',
          price: options.price,
          copies: options.copies,
        })
      ).id,
    );
  const members: Member[] = [];
  for (let i = 0; i < options.members; i++) {
    const { id } = await made('creating a member', '/api/members', { name: `Bench member ${i}` });
    await made('depositing', `/api/members/${id}/points`, { amount: options.points }, randomUUID());
    members.push({ id, auth: `Bearer ${await signLocalToken(options.secret, { member: id })}` });
  }
  return { books, members };
}

/**
 * Opens a pool's connections before a measured phase: `n` requests at once, then a pause.
 * Opened in the phase, a burst of 128 new connections stalled some of them for 1–7 s on the
 * development machine (the timings of TCP's SYN retries), which is the benchmark's own start, not
 * the host's answer.
 */
export async function openConnections(n: number, request: () => Promise<unknown>): Promise<void> {
  await Promise.all(Array.from({ length: n }, request));
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}

/** One client until `stopAt` (performance.now()): rent a random book, return it if lent, again. */
export async function clientLoop(
  client: Api,
  member: Member,
  run: { books: string[]; stopAt: number; tally: Tally },
): Promise<void> {
  const { books, stopAt, tally } = run;
  while (performance.now() < stopAt) {
    const bookId = books[Math.floor(Math.random() * books.length)];
    const rental = await rent(client, member, bookId, run);
    if (rental?.status === 'APPROVED') await giveBack(client, member, rental.id, tally);
  }
}

interface Rental {
  id: string;
  status: string;
}

async function rent(
  client: Api,
  member: Member,
  bookId: string,
  run: { stopAt: number; tally: Tally },
): Promise<Rental | undefined> {
  const { tally } = run;
  const key = randomUUID();
  for (;;) {
    const answer = await client.request('POST', '/api/rentals', member.auth, {
      body: { bookId },
      headers: { 'idempotency-key': key },
    });
    if (answer === 'timeout') {
      tally.timeouts++;
      return undefined;
    }
    if (answer.status === 201 || answer.status === 202) {
      tally.acceptedRents++;
      tally.acceptedRentMs.push(answer.ms);
      tally.noteSlow(`rent ${answer.status}`, answer.ms);
      const rental = answer.json as Rental;
      if (answer.status === 201) {
        tally.settledAt.push(Date.now());
        return rental;
      }
      return settled(client, member, rental.id, tally);
    }
    if (!counted(answer, tally, 'rent')) return undefined;
    // A refused rent is asked again (after Retry-After) while the run lasts; past it, it is dropped.
    if (performance.now() >= run.stopAt) return undefined;
    await pauseFor(answer.retryAfter);
  }
}

/** Polls a rental answered 202 until it is settled (the Location, honouring Retry-After). */
async function settled(client: Api, member: Member, id: string, tally: Tally): Promise<Rental | undefined> {
  for (;;) {
    const answer = await client.request('GET', `/api/rentals/${id}`, member.auth);
    if (answer === 'timeout') {
      tally.timeouts++;
      return undefined;
    }
    if (answer.status === 200 && (answer.json as Rental).status !== 'REQUESTED') {
      tally.settledAt.push(Date.now());
      return answer.json as Rental;
    }
    if (answer.status !== 200 && !counted(answer, tally, 'poll')) return undefined;
    await pauseFor(answer.retryAfter);
  }
}

async function giveBack(client: Api, member: Member, id: string, tally: Tally): Promise<void> {
  for (;;) {
    const answer = await client.request('POST', `/api/rentals/${id}/return`, member.auth);
    if (answer === 'timeout') {
      tally.timeouts++;
      return;
    }
    // 409: returned already, by an earlier try whose answer was lost (a store timeout after the write).
    if (answer.status === 200 || answer.status === 409) {
      tally.returns++;
      return;
    }
    if (!counted(answer, tally, 'return')) return;
    await pauseFor(answer.retryAfter);
  }
}

/** Counts an answer that is not a success; true when it is a refusal to wait out and ask again. */
function counted(answer: Answer, tally: Tally, what: string): boolean {
  const type = (answer.json as { type?: string } | undefined)?.type?.replace('urn:rentbook:problem:', '');
  const refusal = (answer.status === 429 || answer.status === 503) && answer.retryAfter !== undefined;
  if (refusal) {
    tally.count(tally.refused, `${what} ${answer.status}${type ? ` ${type}` : ''}`);
    tally.refusalMs.push(answer.ms);
    tally.noteSlow(`${what} ${answer.status}${type ? ` ${type}` : ''}`, answer.ms);
    return true;
  }
  tally.count(answer.status >= 500 ? tally.serverErrors : tally.unexpected, `${what} ${answer.status}`);
  return false;
}

function pauseFor(retryAfter: string | undefined): Promise<void> {
  const seconds = Number(retryAfter ?? 1);
  const ms = Math.min(Number.isFinite(seconds) && seconds >= 0 ? seconds * 1000 : 1000, MAX_BACKOFF_MS);
  return new Promise((resolve) => setTimeout(resolve, ms));
}
