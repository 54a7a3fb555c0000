// The host's consumer threads (`--workers N`, local/host/consumer-threads.ts): the change feeds,
// the hub's consumer, the notices queue and the timers run on threads of their own beside the main
// thread (HTTP and the task hub), each with its own connection to the data file; what they do shows
// where the main thread's writes show, their counts reach the host's status, the clock's moves reach
// their timers, and a thread that dies is started again and goes on from its checkpoints.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { counts, type Counts } from '../../local/host/counters';
import type { LocalHost } from '../../local/host/host';
import { inboxWhen } from '../notices/support-notices';
import { eventually, library, memberToken, startHost } from '../rentals/support-host';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-threads-'));
let host: LocalHost;
let lib: ReturnType<typeof library>;

beforeAll(async () => {
  host = await startHost({ dbFile: path.join(dir, 'local.db'), workers: 2 });
  lib = library(host.url);
});

afterAll(async () => {
  await host?.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Status {
  counts: Counts;
  consumerThreads: { count: number; restarts: number };
}

async function status(): Promise<Status> {
  const reply = await lib.api<Status>('GET', '/admin/host/status', {
    headers: { 'x-functions-key': host.keys.master },
  });
  expect(reply.status).toBe(200);
  return reply.body;
}

async function mypageShows(memberId: string, rentalId: string, state: string): Promise<void> {
  await eventually(
    async () => {
      const page = await lib.api<{
        history: { rentalId: string; status: string }[];
        loans: { rentalId: string }[];
      }>('GET', `/api/members/${memberId}/mypage`, { token: memberToken(memberId) });
      const shown =
        state === 'ON_LOAN'
          ? page.body.loans.some((l) => l.rentalId === rentalId)
          : page.body.history.some((h) => h.rentalId === rentalId && h.status === state);
      return shown ? true : undefined;
    },
    30_000,
    `mypage to show ${rentalId} ${state}`,
  );
}

describe('a host with consumer threads', () => {
  it('runs the consumers there: a rent and a return reach mypage and the inbox', async () => {
    const mainBefore = counts();
    const memberId = await lib.addMember(1000);
    const book = await lib.addBook({ price: 300, copies: 2 });
    const rented = await lib.rent(memberId, book.id);
    expect(rented.body.status).toBe('APPROVED');
    expect((await lib.returnBook(rented.body.id, memberToken(memberId))).status).toBe(200);

    await inboxWhen(
      lib,
      memberId,
      (items) => ['rental-approved', 'rental-returned'].every((k) => items.some((n) => n.kind === k)),
      'the approval and return notices',
    );
    await mypageShows(memberId, rented.body.id, 'RETURNED');

    const s = await status();
    expect(s.consumerThreads).toEqual({ count: 2, restarts: 0 });
    // The host's status counts the threads' work; this thread (the host's main thread: the test
    // runs the host in-process) counted none of it.
    for (const fn of ['views-project', 'outbox-relay-members', 'notices-compose', 'notices-send']) {
      expect(s.counts[`executions.${fn}`], fn).toBeGreaterThan(0);
      expect(counts()[`executions.${fn}`] ?? 0, fn).toBe(mainBefore[`executions.${fn}`] ?? 0);
    }
    // The sagas and the HTTP functions ran here.
    expect(counts()['executions.rental-saga']).toBeGreaterThan(mainBefore['executions.rental-saga'] ?? 0);
  });

  it("moves the threads' timers with the clock: the overdue scan finds a loan nine days on", async () => {
    const memberId = await lib.addMember(1000);
    const book = await lib.addBook({ price: 100, copies: 1 });
    const rented = await lib.rent(memberId, book.id);
    expect(rented.body.status).toBe('APPROVED');
    const moved = await lib.api('POST', '/admin/clock', { body: { advanceBy: 'P9D' } });
    expect(moved.status).toBe(200);
    // overdue-scan runs on a consumer thread, on its hourly schedule: the move makes it due at once.
    await inboxWhen(lib, memberId, (items) => items.some((n) => n.kind === 'overdue'), 'the overdue notice');
  });

  it('starts a thread that died again, and its consumers go on from their checkpoints', async () => {
    await host.threads!.crash(0);
    await host.threads!.crash(1);
    await eventually(async () => ((await status()).consumerThreads.restarts === 2 ? true : undefined));

    const memberId = await lib.addMember(1000);
    const book = await lib.addBook({ price: 200, copies: 1 });
    const rented = await lib.rent(memberId, book.id);
    expect(rented.body.status).toBe('APPROVED');
    await mypageShows(memberId, rented.body.id, 'ON_LOAN');
    await inboxWhen(
      lib,
      memberId,
      (items) => items.some((n) => n.kind === 'rental-approved'),
      'the approval',
    );
    expect((await status()).consumerThreads.count).toBe(2);
  });
});
