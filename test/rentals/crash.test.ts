// The host process is killed (SIGKILL) during a stream of rents and restarted on the same data
// file: every rental still ends APPROVED or REJECTED, and points and copies are conserved.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { idFromKey } from '../../shared/app/ids';
import { call, eventually, librarian, memberToken, TEST_SECRET } from './support-host';
import { repoRoot, spawnHost, type ChildHost } from '../helpers/hosts';
import type { Rental } from '../../shared/domain/rental';
import type { RentalPage } from '../../shared/app/members';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-crash-'));
const dbFile = path.join(dir, 'local.db');
const children: ChildHost[] = [];

afterAll(async () => {
  for (const c of children) await c.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

interface Ask {
  key: string;
  memberId: string;
  bookId: string;
}

const rentalIdOf = (a: Ask) => idFromKey('rental', `member:${a.memberId}`, a.key);

async function startChild() {
  const started = await spawnHost({ appDir: repoRoot, dbFile, env: { LOCAL_AUTH_SECRET: TEST_SECRET } });
  children.push(started);
  return { child: started.process, url: started.url };
}

describe('a host killed mid-stream and restarted on the same file', () => {
  it('settles every rental and conserves points and copies', async () => {
    let { child, url } = await startChild();
    const books = [
      { price: 100, copies: 3 },
      { price: 250, copies: 4 },
    ];
    const bookIds: string[] = [];
    for (const b of books) {
      const reply = await call<{ id: string }>(url, 'POST', '/api/books', {
        token: librarian,
        body: { title: 'T', author: 'A', ...b },
      });
      expect(reply.status).toBe(201);
      bookIds.push(reply.body.id);
    }
    const memberIds: string[] = [];
    for (let i = 0; i < 8; i++) {
      const m = await call<{ id: string }>(url, 'POST', '/api/members', {
        token: librarian,
        body: { name: `M${i}` },
      });
      const deposit = await call(url, 'POST', `/api/members/${m.body.id}/points`, {
        token: librarian,
        body: { amount: 1000 },
      });
      expect(deposit.status).toBe(200);
      memberIds.push(m.body.id);
    }

    // 48 rents, 6 at a time; the host is killed once 12 have been answered.
    const asks: Ask[] = Array.from({ length: 48 }, (_, i) => ({
      key: `crash-${i}`,
      memberId: memberIds[i % memberIds.length],
      bookId: bookIds[Math.floor(i / memberIds.length) % bookIds.length],
    }));
    const rent = (base: string, a: Ask) =>
      call<Rental>(base, 'POST', '/api/rentals', {
        token: memberToken(a.memberId),
        body: { bookId: a.bookId },
        headers: { 'Idempotency-Key': a.key },
      });
    let answered = 0;
    let next = 0;
    const lost: Ask[] = [];
    // Once the host is dead the rest of the stream fails fast: those asks are "lost" too.
    const worker = async () => {
      while (next < asks.length) {
        const a = asks[next++];
        try {
          await rent(url, a);
          if (++answered === 12) child.kill('SIGKILL');
        } catch {
          lost.push(a);
        }
      }
    };
    const exited = new Promise((r) => child.once('exit', r));
    await Promise.all(Array.from({ length: 6 }, worker));
    await exited;
    expect(lost.length).toBeGreaterThan(0);

    // Restart on the same file; the client retries what it got no answer for, with the same keys.
    ({ child, url } = await startChild());
    for (const a of lost) expect([201, 202]).toContain((await rent(url, a)).status);

    const finals = new Map<string, Rental>();
    for (const a of asks) {
      const id = rentalIdOf(a);
      const rental = await eventually(
        async () => {
          const r = await call<Rental>(url, 'GET', `/api/rentals/${id}`, { token: librarian });
          expect(r.status).toBe(200);
          return r.body.status === 'REQUESTED' ? undefined : r.body;
        },
        60_000,
        `rental ${id} to settle`,
      );
      expect(['APPROVED', 'REJECTED']).toContain(rental.status);
      finals.set(id, rental);
    }

    for (const [i, bookId] of bookIds.entries()) {
      const out = [...finals.values()].filter((r) => r.bookId === bookId && r.status === 'APPROVED').length;
      const book = await call<{ available: number; copies: number }>(url, 'GET', `/api/books/${bookId}`);
      expect(out).toBeLessThanOrEqual(books[i].copies);
      expect(book.body.available).toBe(book.body.copies - out);
    }
    for (const memberId of memberIds) {
      const spent = [...finals.values()]
        .filter((r) => r.memberId === memberId && r.status === 'APPROVED')
        .reduce((sum, r) => sum + r.price, 0);
      const member = await call<{ points: number }>(url, 'GET', `/api/members/${memberId}`, {
        token: librarian,
      });
      expect(member.body.points).toBe(1000 - spent);
      const history = await call<RentalPage>(url, 'GET', `/api/members/${memberId}/rentals?limit=100`, {
        token: librarian,
      });
      // One rental per ask: no retry started a second one.
      expect(history.body.items.map((r) => r.id).sort()).toEqual(
        asks
          .filter((a) => a.memberId === memberId)
          .map(rentalIdOf)
          .sort(),
      );
    }
    child.kill('SIGTERM');
  });
});
