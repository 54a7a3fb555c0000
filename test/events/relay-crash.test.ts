// The host is killed (SIGKILL) after writes committed and before their relay ran: after a restart
// on the same file every event is published, exactly once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { itemsPastLease } from '../../local/documents/lease-lag';
import { idFromKey } from '../../shared/app/ids';
import { DATABASE_ID } from '../../shared/app/records';
import { call, eventually, librarian, memberToken, TEST_SECRET } from '../rentals/support-host';
import type { Rental as RentalReply } from '../../shared/domain/rental';
import { repoRoot, spawnHost, type ChildHost } from '../helpers/hosts';
import { hubEvents, type LoggedEvent } from './support-events';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-relay-crash-'));
const dbFile = path.join(dir, 'local.db');
const children: ChildHost[] = [];

afterAll(async () => {
  for (const c of children) await c.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

const relaysOff = {
  'AzureWebJobs.outbox-relay-members.Disabled': 'true',
  'AzureWebJobs.outbox-relay-books.Disabled': 'true',
};

const MASTER_KEY = 'relay-crash-test-master-key-0123456789';

async function start(env: Record<string, string> = {}) {
  const child = await spawnHost({
    appDir: repoRoot,
    dbFile,
    env: { LOCAL_AUTH_SECRET: TEST_SECRET, LOCAL_MASTER_KEY: MASTER_KEY, ...env },
  });
  children.push(child);
  return Object.assign(child, { keys: { master: MASTER_KEY } });
}

// Items carrying events past the members relay's lease (its progress), read from the file of a
// host that is not running.
function pendingOutboxItems(): number {
  return itemsPastLease(dbFile, {
    leasePrefix: 'outbox-',
    databaseName: DATABASE_ID,
    containerName: 'members',
    carrying: 'events',
  });
}

function countById(events: LoggedEvent[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of events) counts.set(e.body.id, (counts.get(e.body.id) ?? 0) + 1);
  return counts;
}

describe('a host killed between its writes and their relay', () => {
  it('publishes every event exactly once after the restart, each rental in order', async () => {
    // First life: the relays are off, so every write leaves its event in the outbox only.
    let host = await start(relaysOff);
    const book = await call<{ id: string }>(host.url, 'POST', '/api/books', {
      token: librarian,
      body: { title: 'T', author: 'A', price: 100, copies: 2 },
    });
    const members: string[] = [];
    for (let i = 0; i < 3; i++) {
      const m = await call<{ id: string }>(host.url, 'POST', '/api/members', {
        token: librarian,
        body: { name: `M${i}` },
      });
      await call(host.url, 'POST', `/api/members/${m.body.id}/points`, {
        token: librarian,
        body: { amount: 150 },
      });
      members.push(m.body.id);
    }
    const rentals: RentalReply[] = [];
    for (const [i, memberId] of members.entries()) {
      const r = await call<RentalReply>(host.url, 'POST', '/api/rentals', {
        token: memberToken(memberId),
        body: { bookId: book.body.id },
        headers: { 'Idempotency-Key': `k${i}` },
      });
      expect(r.status).toBe(201);
      rentals.push(r.body);
    }
    // Two copies, three members: two APPROVED, one REJECTED.
    expect(rentals.map((r) => r.status).sort()).toEqual(['APPROVED', 'APPROVED', 'REJECTED']);
    const returned = await call(
      host.url,
      'POST',
      `/api/rentals/${rentals.find((r) => r.status === 'APPROVED')!.id}/return`,
      {
        token: librarian,
      },
    );
    expect(returned.status).toBe(200);
    expect((await hubEvents(host)).length).toBe(0);
    await host.kill();
    const pending = pendingOutboxItems();
    // Member registered ×3 and rental requested ×3 (outbox items), points deposited ×3 (their ledger
    // entries), points debited and rental approved ×2 (one ledger entry each: one batch), rejected ×1
    // (no copy left: refused before any debit) and returned ×1 (the rentals' last writes).
    expect(pending).toBe(13);

    // Second life: the relays run.
    host = await start();
    const expected = 15 + 1; // events: 15 in those items, and the book's registration from its own outbox
    const events = await eventually(
      async () => {
        const all = await hubEvents(host);
        return all.length >= expected ? all : undefined;
      },
      30_000,
      'the relayed events',
    );
    expect([...countById(events).values()].every((n) => n === 1)).toBe(true);
    // Killed again once they are out, and started again: the relay's lease is past them, so nothing
    // comes through the change feed again and nothing is published a second time. A new member and a new book go through
    // the relays after everything before them, so once their events are out the relays are past it.
    await host.kill();
    expect(pendingOutboxItems()).toBe(0);
    host = await start();
    const sentinel = await call<{ id: string }>(host.url, 'POST', '/api/members', {
      token: librarian,
      body: { name: 'S' },
    });
    const sentinelBook = await call<{ id: string }>(host.url, 'POST', '/api/books', {
      token: librarian,
      body: { title: 'S', author: 'S', price: 1, copies: 1 },
    });
    const again = await eventually(
      async () => {
        const all = await hubEvents(host);
        const seen = (subject: string) => all.some((e) => e.body.subject === subject);
        return seen(`members/${sentinel.body.id}`) && seen(`books/${sentinelBook.body.id}`) ? all : undefined;
      },
      30_000,
      'the sentinel events',
    );
    expect(again.length).toBe(expected + 2);
    expect([...countById(again).values()].every((n) => n === 1)).toBe(true);

    for (const r of rentals) {
      const ofRental = again.filter((e) => e.body.subject === `rentals/${r.id}`).map((e) => e.body.type);
      const settled = r.status === 'APPROVED' ? 'rentbook.rental.approved' : 'rentbook.rental.rejected';
      const tail = again.some(
        (e) => e.body.type === 'rentbook.rental.returned' && e.body.subject === `rentals/${r.id}`,
      )
        ? ['rentbook.rental.returned']
        : [];
      expect(ofRental).toEqual(['rentbook.rental.requested', settled, ...tail]);
    }
    expect(rentals.map((r) => r.id)).toEqual(
      members.map((m, i) => idFromKey('rental', `member:${m}`, `k${i}`)),
    );
    await host.stop();
  });
});
