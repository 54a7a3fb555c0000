// Seed scenarios for renting and returning, through HTTP on the local host.
import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { libraryHost, librarian, memberToken } from './support-host';
import type { Rental } from '../../shared/domain/rental';
import type { RentalPage } from '../../shared/app/members';

const ctx = libraryHost();

const DAY = 24 * 60 * 60 * 1000;

describe('renting a book', () => {
  it('a member with 1000 points rents a 300-point book → 201 APPROVED, due in 7 days, 700 points left', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 300, copies: 2 });
    const reply = await ctx.lib.rent(memberId, book.id);
    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toBe(`/api/rentals/${reply.body.id}`);
    const rental = reply.body;
    expect(rental).toMatchObject({
      memberId,
      bookId: book.id,
      bookTitle: 'Dune',
      price: 300,
      status: 'APPROVED',
    });
    expect(Date.parse(rental.dueAt!) - Date.parse(rental.approvedAt!)).toBe(7 * DAY);
    expect((await ctx.lib.member(memberId)).points).toBe(700);
    expect(await ctx.lib.book(book.id)).toMatchObject({ available: 1, status: 'AVAILABLE' });
    expect(await ctx.lib.rental(rental.id)).toEqual(rental);
  });

  it('the last copy rented → the book shows RENTED; the next member → REJECTED BOOK_RENTED, points unchanged', async () => {
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    const first = await ctx.lib.addMember(500);
    const second = await ctx.lib.addMember(500);
    expect((await ctx.lib.rent(first, book.id)).body.status).toBe('APPROVED');
    expect(await ctx.lib.book(book.id)).toMatchObject({ available: 0, status: 'RENTED' });
    const rejected = await ctx.lib.rent(second, book.id);
    expect(rejected.status).toBe(201);
    expect(rejected.body).toMatchObject({ status: 'REJECTED', reason: 'BOOK_RENTED' });
    expect((await ctx.lib.member(second)).points).toBe(500);
  });

  it('a member with 500 points rents a 1000-point book → REJECTED, INSUFFICIENT_POINTS, balance unchanged', async () => {
    const memberId = await ctx.lib.addMember(500);
    const book = await ctx.lib.addBook({ price: 1000, copies: 1 });
    const reply = await ctx.lib.rent(memberId, book.id);
    expect(reply.body).toMatchObject({ status: 'REJECTED', reason: 'INSUFFICIENT_POINTS' });
    expect((await ctx.lib.member(memberId)).points).toBe(500);
    expect((await ctx.lib.book(book.id)).available).toBe(1);
  });

  it('a withdrawn book → REJECTED BOOK_UNAVAILABLE', async () => {
    const memberId = await ctx.lib.addMember(500);
    const book = await ctx.lib.addBook({ price: 100, copies: 2, withdrawn: true });
    expect((await ctx.lib.rent(memberId, book.id)).body).toMatchObject({
      status: 'REJECTED',
      reason: 'BOOK_UNAVAILABLE',
    });
    expect((await ctx.lib.member(memberId)).points).toBe(500);
  });

  // Nothing recorded: neither in the member's history nor on the librarians' board.
  async function recordedFor(memberId: string) {
    const board = await ctx.lib.api<RentalPage>('GET', `/api/rentals?memberId=${memberId}`, {
      token: librarian,
    });
    expect(board.status).toBe(200);
    return board.body.items;
  }

  it('a book that does not exist → 404 book-not-found, nothing recorded', async () => {
    const memberId = await ctx.lib.addMember(500);
    const reply = await ctx.lib.rent(memberId, randomUUID());
    expect(reply.status).toBe(404);
    expect(reply.body).toMatchObject({ type: 'urn:rentbook:problem:book-not-found', status: 404 });
    const history = await ctx.lib.api<RentalPage>('GET', `/api/members/${memberId}/rentals`, {
      token: memberToken(memberId),
    });
    expect(history.body.items).toEqual([]);
    expect(await recordedFor(memberId)).toEqual([]);
    expect((await ctx.lib.member(memberId)).points).toBe(500);
  });

  it('a member that does not exist (named by a librarian, or by its own token) → 404 member-not-found, nothing recorded', async () => {
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    const ghost = randomUUID();
    for (const [token, body] of [
      [librarian, { bookId: book.id, memberId: ghost }],
      [memberToken(ghost), { bookId: book.id }],
    ] as const) {
      const reply = await ctx.lib.api<{ type: string }>('POST', '/api/rentals', { token, body });
      expect(reply.status).toBe(404);
      expect(reply.body.type).toBe('urn:rentbook:problem:member-not-found');
    }
    expect(await recordedFor(ghost)).toEqual([]);
    expect((await ctx.lib.book(book.id)).available).toBe(1);
  });

  it('ids that are not ids the system issued → 400 before any read, nothing recorded', async () => {
    const memberId = await ctx.lib.addMember(500);
    for (const body of [{ bookId: 'no-such-book' }, { bookId: '\u0000' }, { bookId: 'x'.repeat(100) }]) {
      const reply = await ctx.lib.api<{ type: string }>('POST', '/api/rentals', {
        token: memberToken(memberId),
        body,
      });
      expect(reply.status).toBe(400);
      expect(reply.body.type).toBe('urn:rentbook:problem:invalid-request');
    }
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    const forOther = await ctx.lib.api('POST', '/api/rentals', {
      token: librarian,
      body: { bookId: book.id, memberId: 'someone' },
    });
    expect(forOther.status).toBe(400);
    expect(await recordedFor(memberId)).toEqual([]);
  });

  it('a librarian rents for a member; a member may not rent for another member (403, nothing happens)', async () => {
    const memberId = await ctx.lib.addMember(500);
    const other = await ctx.lib.addMember(500);
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    const forbidden = await ctx.lib.api('POST', '/api/rentals', {
      token: memberToken(other),
      body: { bookId: book.id, memberId },
    });
    expect(forbidden.status).toBe(403);
    expect(forbidden.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect((await ctx.lib.book(book.id)).available).toBe(1);
    const forMember = await ctx.lib.api<Rental>('POST', '/api/rentals', {
      token: librarian,
      body: { bookId: book.id, memberId },
    });
    expect(forMember.body).toMatchObject({ memberId, status: 'APPROVED' });
  });

  it('the same Idempotency-Key again → the same rental, charged once, no second saga', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 300, copies: 5 });
    const key = { 'Idempotency-Key': 'rent-once-1' };
    const first = await ctx.lib.rent(memberId, book.id, key);
    const again = await ctx.lib.rent(memberId, book.id, key);
    expect(first.body.status).toBe('APPROVED');
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await ctx.lib.member(memberId)).points).toBe(700);
    expect((await ctx.lib.book(book.id)).available).toBe(4);
    // Another key is another rental.
    const other = await ctx.lib.rent(memberId, book.id, { 'Idempotency-Key': 'rent-once-2' });
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('bad input → 400 problem+json and nothing changes', async () => {
    const memberId = await ctx.lib.addMember(1000);
    for (const body of [{}, { bookId: 7 }, { bookId: 'b', extra: true }]) {
      const reply = await ctx.lib.api<{ type: string; status: number; detail: string }>(
        'POST',
        '/api/rentals',
        {
          token: memberToken(memberId),
          body,
        },
      );
      expect(reply.status).toBe(400);
      expect(reply.body).toMatchObject({ type: 'urn:rentbook:problem:invalid-request', status: 400 });
    }
    const history = await ctx.lib.api<{ items: unknown[] }>('GET', `/api/members/${memberId}/rentals`, {
      token: librarian,
    });
    expect(history.body.items).toEqual([]);
    expect((await ctx.lib.member(memberId)).points).toBe(1000);
  });
});

describe('returning a book', () => {
  it('on time → 200 RETURNED, no fee, the copy is back on the shelf', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 300, copies: 1 });
    const rental = (await ctx.lib.rent(memberId, book.id)).body;
    const reply = await ctx.lib.returnBook(rental.id, memberToken(memberId));
    expect(reply.status).toBe(200);
    expect(reply.body).toMatchObject({ id: rental.id, status: 'RETURNED', lateDays: 0, fee: 0 });
    expect(reply.body.returnedAt).toEqual(expect.any(String));
    expect(await ctx.lib.book(book.id)).toMatchObject({ available: 1, status: 'AVAILABLE' });
    expect((await ctx.lib.member(memberId)).feesOwed).toBe(0);
  });

  it('twice → the second is refused with 409 and the copies stay right', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 300, copies: 2 });
    const rental = (await ctx.lib.rent(memberId, book.id)).body;
    expect((await ctx.lib.returnBook(rental.id)).status).toBe(200);
    const again = await ctx.lib.returnBook(rental.id);
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ type: 'urn:rentbook:problem:not-on-loan' });
    expect((await ctx.lib.book(book.id)).available).toBe(2);
  });

  it('two returns at once → one 200 and one 409, one copy back', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 300, copies: 1 });
    const rental = (await ctx.lib.rent(memberId, book.id)).body;
    const statuses = (await Promise.all([ctx.lib.returnBook(rental.id), ctx.lib.returnBook(rental.id)])).map(
      (r) => r.status,
    );
    expect(statuses.sort()).toEqual([200, 409]);
    expect((await ctx.lib.book(book.id)).available).toBe(1);
  });

  it('a rejected rental cannot be returned (409)', async () => {
    const memberId = await ctx.lib.addMember(0);
    const book = await ctx.lib.addBook({ price: 300, copies: 1 });
    const rental = (await ctx.lib.rent(memberId, book.id)).body;
    expect(rental.status).toBe('REJECTED');
    expect((await ctx.lib.returnBook(rental.id)).status).toBe(409);
    expect((await ctx.lib.book(book.id)).available).toBe(1);
  });

  it('another member may not return it (403) and a rental that does not exist is 404', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const other = await ctx.lib.addMember(0);
    const book = await ctx.lib.addBook({ price: 300, copies: 1 });
    const rental = (await ctx.lib.rent(memberId, book.id)).body;
    expect((await ctx.lib.returnBook(rental.id, memberToken(other))).status).toBe(403);
    expect((await ctx.lib.rental(rental.id)).status).toBe('APPROVED');
    expect((await ctx.lib.returnBook('00000000-0000-0000-0000-000000000000')).status).toBe(404);
    const unknown = await ctx.lib.api<{ type: string }>(
      'GET',
      '/api/rentals/00000000-0000-0000-0000-000000000000',
      {
        token: librarian,
      },
    );
    expect(unknown.status).toBe(404);
    expect(unknown.body.type).toBe('urn:rentbook:problem:rental-not-found');
  });
});

describe('rentals and history', () => {
  it('a member sees its own rentals newest first, filtered by status; another member gets 403', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const other = await ctx.lib.addMember(0);
    const books = [];
    for (let i = 0; i < 3; i++) books.push(await ctx.lib.addBook({ price: 100, copies: 1 }));
    const first = (await ctx.lib.rent(memberId, books[0].id)).body;
    ctx.host.clock.advance(60_000);
    const second = (await ctx.lib.rent(memberId, books[1].id)).body;
    ctx.host.clock.advance(60_000);
    const third = (await ctx.lib.rent(memberId, books[2].id)).body;
    await ctx.lib.returnBook(second.id);

    const mine = memberToken(memberId);
    const all = await ctx.lib.api<RentalPage>('GET', `/api/members/${memberId}/rentals`, {
      token: mine,
    });
    expect(all.body.items.map((r) => r.id)).toEqual([third.id, second.id, first.id]);
    const returned = await ctx.lib.api<RentalPage>(
      'GET',
      `/api/members/${memberId}/rentals?status=RETURNED`,
      {
        token: mine,
      },
    );
    expect(returned.body.items.map((r) => r.id)).toEqual([second.id]);
    const page = await ctx.lib.api<RentalPage>('GET', `/api/members/${memberId}/rentals?limit=2`, {
      token: mine,
    });
    expect(page.body.items.map((r) => r.id)).toEqual([third.id, second.id]);
    const next = await ctx.lib.api<RentalPage>(
      'GET',
      `/api/members/${memberId}/rentals?limit=2&continuation=${encodeURIComponent(page.body.continuation!)}`,
      { token: mine },
    );
    expect(next.body).toEqual({ items: [expect.objectContaining({ id: first.id })], continuation: null });

    expect(
      (await ctx.lib.api('GET', `/api/members/${memberId}/rentals`, { token: memberToken(other) })).status,
    ).toBe(403);
    expect((await ctx.lib.api('GET', `/api/rentals/${first.id}`, { token: memberToken(other) })).status).toBe(
      403,
    );
    expect((await ctx.lib.api('GET', `/api/rentals/${first.id}`, { token: mine })).body).toMatchObject({
      id: first.id,
    });
  });
});
