// Seed-scenario tests talk HTTP to the app on an in-process local host (the compiled app in
// dist/: run `npm run build` first), signed in with local tokens.
import http from 'node:http';
import { afterAll, beforeAll } from 'vitest';
import { telemetryEvent, type TelemetryEvent } from '../../functions/lib/telemetry';
import type { LocalHost, LocalHostOptions } from '../../local/host/host';
import { createLogger } from '../../local/host/logger';
import { holdLogLine, repoRoot, startHost as startTestHost } from '../helpers/hosts';
import { hasHeader, rawRequest } from '../helpers/raw-http';

export { repoRoot };
import type { Book } from '../../shared/app/records';
import type { Member } from '../../shared/domain/member';
import type { Rental } from '../../shared/domain/rental';
import { signLocalToken } from '../../shared/local-token';

export const TEST_SECRET = 'rental-tests-local-secret-0123456789';

/** A bearer token, or one being signed (signing is asynchronous); calls wait for it. */
export type Token = string | Promise<string>;

export const librarian: Token = signLocalToken(TEST_SECRET, { librarian: 'test-librarian' });
export const memberToken = (memberId: string): Token => signLocalToken(TEST_SECRET, { member: memberId });

export async function startHost(options: Partial<LocalHostOptions> = {}): Promise<LocalHost> {
  // The app reads its settings once, when it loads.
  process.env.LOCAL_AUTH_SECRET = TEST_SECRET;
  return startTestHost({ appDir: repoRoot, ...options });
}

/** An operators' event as the host logged it: the function that wrote it, and the event. */
export interface LoggedEvent {
  fn: string;
  event: TelemetryEvent;
}

/**
 * A host logger that keeps the app's operators' events (its `{"event":...}` lines, each parsed
 * and checked against the app's declared shapes; a line that is not one fails the test that reads
 * it) and holds the host's errors for a test that fails (../helpers/hosts.ts). At debug level: the host writes a consumer's own
 * info lines there (`local/host/consumer-log.ts`).
 */
export function eventLog(): { logger: LocalHostOptions['logger']; events(): LoggedEvent[] } {
  const lines: { fn: string; message: string }[] = [];
  const logger = createLogger('debug', (line) => {
    const m = /^\[[^\]]+\] (?:info {2}|debug )\[([^\]]+)\] (\{"event":.*)$/.exec(line);
    if (m) lines.push({ fn: m[1], message: m[2] });
    else if (/^\[[^\]]+\] error/.test(line)) holdLogLine(line);
  });
  return {
    logger,
    events: () => lines.map(({ fn, message }) => ({ fn, event: telemetryEvent.parse(JSON.parse(message)) })),
  };
}

/** The app on a host of its own for one test file: started before its tests, stopped after. */
export function libraryHost(options: Partial<LocalHostOptions> = {}): {
  readonly host: LocalHost;
  readonly lib: ReturnType<typeof library>;
} {
  const ctx = {} as { host: LocalHost; lib: ReturnType<typeof library> };
  beforeAll(async () => {
    ctx.host = await startHost(options);
    ctx.lib = library(ctx.host.url);
  });
  afterAll(async () => {
    await ctx.host?.stop();
  });
  return ctx;
}

export interface Reply<T = Record<string, unknown>> {
  status: number;
  /** The answer's headers by name, as `Headers.get` gives them (null when absent). */
  headers: { get(name: string): string | null };
  body: T;
}

export interface CallOptions {
  token?: Token;
  body?: unknown;
  headers?: Record<string, string>;
}

/** One API call; the body parsed as JSON when there is one. */
export async function call<T = Record<string, unknown>>(
  baseUrl: string,
  method: string,
  route: string,
  options: CallOptions = {},
): Promise<Reply<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${await options.token}`;
  if (options.body !== undefined && !hasHeader(headers, 'content-type'))
    headers['Content-Type'] = 'application/json';
  const body =
    options.body === undefined
      ? undefined
      : typeof options.body === 'string'
        ? options.body
        : JSON.stringify(options.body);
  if (!hasHeader(headers, 'accept')) headers.Accept = '*/*';
  // The path as fetch sends it: dot segments resolved, what a URL may not hold percent-encoded.
  const url = new URL(`${baseUrl}${route}`);
  const res = await rawRequest(url.origin, {
    method,
    path: `${url.pathname}${url.search}`,
    headers,
    body,
    agent: keptAlive,
  });
  return {
    status: res.status,
    headers: { get: (name) => joined(res.headers[name.toLowerCase()]) },
    body: res.json<T>(),
  };
}

/** The tests' calls reuse their connections, as a browser or fetch does. */
const keptAlive = new http.Agent({ keepAlive: true });

/** A header's value as `Headers.get` gives it: repeated values joined with ", ". */
function joined(value: string | string[] | undefined): string | null {
  return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
}

/** The API as the seed scenarios use it. */
export function library(baseUrl: string) {
  const api = <T>(method: string, route: string, options?: CallOptions) =>
    call<T>(baseUrl, method, route, options);
  return {
    api,
    async addBook(fields: {
      title?: string;
      author?: string;
      price: number;
      copies: number;
      withdrawn?: boolean;
    }) {
      const reply = await api<Book>('POST', '/api/books', {
        token: librarian,
        body: { title: 'Dune', author: 'Frank Herbert', ...fields },
      });
      if (reply.status !== 201) throw new Error(`addBook: ${reply.status} ${JSON.stringify(reply.body)}`);
      return reply.body;
    },
    async book(bookId: string) {
      return (await api<Book>('GET', `/api/books/${bookId}`)).body;
    },
    async addMember(points = 0, name = 'Kim Minsu') {
      const reply = await api<Member>('POST', '/api/members', { token: librarian, body: { name } });
      if (reply.status !== 201) throw new Error(`addMember: ${reply.status} ${JSON.stringify(reply.body)}`);
      if (points > 0) {
        const deposit = await api('POST', `/api/members/${reply.body.id}/points`, {
          token: librarian,
          body: { amount: points },
        });
        if (deposit.status !== 200) throw new Error(`deposit: ${deposit.status}`);
      }
      return reply.body.id;
    },
    async member(memberId: string) {
      return (await api<Member>('GET', `/api/members/${memberId}`, { token: librarian })).body;
    },
    /** A member rents a book (as itself). */
    rent(memberId: string, bookId: string, headers?: Record<string, string>) {
      return api<Rental>('POST', '/api/rentals', {
        token: memberToken(memberId),
        body: { bookId },
        headers,
      });
    },
    returnBook(rentalId: string, token = librarian) {
      return api<Rental>('POST', `/api/rentals/${rentalId}/return`, { token });
    },
    async rental(rentalId: string) {
      return (await api<Rental>('GET', `/api/rentals/${rentalId}`, { token: librarian })).body;
    },
  };
}

/** Polls until `check` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined>,
  timeoutMs = 30_000,
  what = 'condition',
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
