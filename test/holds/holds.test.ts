// Holds through HTTP on the local host: a queue per book for members waiting for a copy. A copy that
// comes back is kept for the first in line (READY for HOLD_DAYS, 3), rentable only by that member;
// not collected in time it expires to the next in line; a cancelled READY hold passes its copy on.
import { describe, expect, it } from 'vitest';
import type { Rental } from '../../shared/domain/rental';
import { about, hubEvents, type LoggedEvent } from '../events/support-events';
import { views } from '../views/support-views';
import { eventually, librarian, libraryHost, memberToken, type Token } from '../rentals/support-host';

const ctx = libraryHost();

const DAY = 24 * 60 * 60 * 1000;

interface HoldReply {
  id: string;
  bookId: string;
  memberId: string;
  status: string;
  position: number | null;
  placedAt: string;
  readyUntil?: string;
  type?: string;
}

function placeHold(bookId: string, memberId: string, headers?: Record<string, string>) {
  return ctx.lib.api<HoldReply>('POST', `/api/books/${bookId}/holds`, {
    token: memberToken(memberId),
    headers,
  });
}

async function queue(bookId: string): Promise<HoldReply[]> {
  const reply = await ctx.lib.api<{ items: HoldReply[] }>('GET', `/api/books/${bookId}/holds`, {
    token: librarian,
  });
  expect(reply.status).toBe(200);
  return reply.body.items;
}

function cancel(holdId: string, token: Token) {
  return ctx.lib.api<HoldReply>('DELETE', `/api/holds/${holdId}`, { token });
}

async function rented(memberId: string, bookId: string): Promise<Rental> {
  const reply = await ctx.lib.rent(memberId, bookId);
  expect(reply.status).toBe(201);
  return reply.body;
}

/** A one-copy book lent to a member, and `waiting` members holding it in that order. */
async function lentWithQueue(waiting: number) {
  const book = await ctx.lib.addBook({ title: 'Wanted', price: 100, copies: 1 });
  const borrower = await ctx.lib.addMember(1000, 'Borrower');
  const loan = await rented(borrower, book.id);
  expect(loan.status).toBe('APPROVED');
  const holders: string[] = [];
  const holds: HoldReply[] = [];
  for (let i = 0; i < waiting; i++) {
    const member = await ctx.lib.addMember(1000, `Holder ${i + 1}`);
    const placed = await placeHold(book.id, member);
    expect(placed.status).toBe(201);
    holders.push(member);
    holds.push(placed.body);
  }
  return { book, borrower, loan, holders, holds };
}

describe('placing holds', () => {
  it('a member joins the queue of a book with no free copy: 201 WAITING with its position, in request order', async () => {
    const { book, holders, holds } = await lentWithQueue(2);
    expect(holds[0]).toMatchObject({ bookId: book.id, memberId: holders[0], status: 'WAITING', position: 1 });
    expect(holds[1]).toMatchObject({ status: 'WAITING', position: 2 });
    expect(holds[0].readyUntil).toBeUndefined();
    expect((await queue(book.id)).map((h) => [h.id, h.position])).toEqual([
      [holds[0].id, 1],
      [holds[1].id, 2],
    ]);
    // A librarian places one for a member.
    const other = await ctx.lib.addMember(0, 'Third');
    const byLibrarian = await ctx.lib.api<HoldReply>('POST', `/api/books/${book.id}/holds`, {
      token: librarian,
      body: { memberId: other },
    });
    expect(byLibrarian.status).toBe(201);
    expect(byLibrarian.body).toMatchObject({ memberId: other, position: 3 });
  });

  it('409 when a copy is free, when the member holds the book already or has it on loan; nothing changes', async () => {
    const { book, borrower, holders, holds } = await lentWithQueue(1);
    const free = await ctx.lib.addBook({ price: 100, copies: 2 });
    const refusals = [
      await placeHold(free.id, holders[0]),
      await placeHold(book.id, holders[0]),
      await placeHold(book.id, borrower),
    ];
    expect(refusals.map((r) => [r.status, r.body.type])).toEqual([
      [409, 'urn:rentbook:problem:copy-available'],
      [409, 'urn:rentbook:problem:already-held'],
      [409, 'urn:rentbook:problem:already-on-loan'],
    ]);
    expect(refusals[0].headers.get('content-type')).toContain('application/problem+json');
    expect((await queue(book.id)).map((h) => h.id)).toEqual([holds[0].id]);
    expect(await queue(free.id)).toEqual([]);
  });

  it('an unknown book → 404, bad body → 400, another member → 403, no token → 401, queue for members → 403', async () => {
    const { book, holders } = await lentWithQueue(0);
    const member = await ctx.lib.addMember(0);
    expect((await placeHold('no-such-book', member)).status).toBe(404);
    const bad = await ctx.lib.api<HoldReply>('POST', `/api/books/${book.id}/holds`, {
      token: memberToken(member),
      body: { memberId: 7 },
    });
    expect(bad.status).toBe(400);
    const forOther = await ctx.lib.api('POST', `/api/books/${book.id}/holds`, {
      token: memberToken(member),
      body: { memberId: 'someone-else' },
    });
    expect(forOther.status).toBe(403);
    expect((await ctx.lib.api('POST', `/api/books/${book.id}/holds`)).status).toBe(401);
    expect(
      (await ctx.lib.api('GET', `/api/books/${book.id}/holds`, { token: memberToken(member) })).status,
    ).toBe(403);
    expect(holders).toEqual([]);
    expect(await queue(book.id)).toEqual([]);
  });

  it('the same Idempotency-Key answers the same hold; with another request it is 422', async () => {
    const { book } = await lentWithQueue(0);
    const member = await ctx.lib.addMember(0);
    const headers = { 'Idempotency-Key': `hold-${book.id}` };
    const first = await placeHold(book.id, member, headers);
    const again = await placeHold(book.id, member, headers);
    expect(first.status).toBe(201);
    expect(again.status).toBe(201);
    expect(again.body.id).toBe(first.body.id);
    const other = await ctx.lib.addBook({ price: 1, copies: 1 });
    await rented(await ctx.lib.addMember(10), other.id);
    expect((await placeHold(other.id, member, headers)).status).toBe(422);
    expect((await queue(book.id)).map((h) => h.id)).toEqual([first.body.id]);
    expect(await queue(other.id)).toEqual([]);
  });

  it('10 members hold one book at once: 10 holds, positions 1 to 10, no two alike', async () => {
    const { book } = await lentWithQueue(0);
    const members = await Promise.all(Array.from({ length: 10 }, (_, i) => ctx.lib.addMember(0, `Q${i}`)));
    const replies = await Promise.all(members.map((m) => placeHold(book.id, m)));
    expect(replies.map((r) => r.status)).toEqual(Array(10).fill(201));
    expect(replies.map((r) => r.body.position).sort((a, b) => a! - b!)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10,
    ]);
    const stored = await queue(book.id);
    expect(stored.map((h) => h.position)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(new Set(stored.map((h) => h.memberId))).toEqual(new Set(members));
  });
});

describe('a copy comes back', () => {
  it('the first in line is READY for 3 days; only that member may rent it (others REJECTED BOOK_ON_HOLD)', async () => {
    const { book, loan, holders, holds } = await lentWithQueue(2);
    const returned = await ctx.lib.returnBook(loan.id);
    expect(returned.body.status).toBe('RETURNED');
    const [ready, waiting] = await queue(book.id);
    expect(ready).toMatchObject({
      id: holds[0].id,
      status: 'READY',
      position: 0,
      readyUntil: new Date(Date.parse(returned.body.returnedAt!) + 3 * DAY).toISOString(),
    });
    expect(waiting).toMatchObject({ id: holds[1].id, status: 'WAITING', position: 1 });
    // The copy is kept, not on the shelf.
    expect(await ctx.lib.book(book.id)).toMatchObject({ available: 0, status: 'RENTED' });

    const stranger = await ctx.lib.addMember(1000, 'Stranger');
    for (const member of [stranger, holders[1]]) {
      const refused = await rented(member, book.id);
      expect(refused).toMatchObject({ status: 'REJECTED', reason: 'BOOK_ON_HOLD' });
      expect((await ctx.lib.member(member)).points).toBe(1000);
    }
    const collected = await rented(holders[0], book.id);
    expect(collected.status).toBe('APPROVED');
    expect((await ctx.lib.member(holders[0])).points).toBe(900);
    expect((await queue(book.id)).map((h) => [h.id, h.status, h.position])).toEqual([
      [holds[1].id, 'WAITING', 1],
    ]);

    // Events, one per fact, each hold's in order.
    const events = await eventually(async () => {
      const all = await hubEvents(ctx.host);
      const first = about(all, `holds/${holds[0].id}`).map((e) => e.body.type);
      return first.length === 3 ? all : undefined;
    });
    expect(about(events, `holds/${holds[0].id}`).map((e) => e.body.type)).toEqual([
      'rentbook.hold.placed',
      'rentbook.hold.ready',
      'rentbook.hold.fulfilled',
    ]);
    expect(about(events, `holds/${holds[0].id}`)[1].body.data).toEqual({
      holdId: holds[0].id,
      bookId: book.id,
      memberId: holders[0],
      bookTitle: 'Wanted',
      readyUntil: ready.readyUntil,
    });
    expect(about(events, `holds/${holds[0].id}`)[2].body.data).toMatchObject({ rentalId: collected.id });
    expect(about(events, `holds/${holds[1].id}`).map((e) => e.body.type)).toEqual(['rentbook.hold.placed']);
  });

  it('a READY hold not collected in 3 days expires; the copy goes to the next in line, then to the shelf', async () => {
    const { book, loan, holders, holds } = await lentWithQueue(2);
    // The hub keeps events a day: gather them as the clock moves on.
    const seen = new Map<string, LoggedEvent>();
    const typesOf = async (holdId: string, count: number) =>
      eventually(async () => {
        for (const e of await hubEvents(ctx.host)) seen.set(e.body.id, e);
        const mine = about([...seen.values()], `holds/${holdId}`);
        return mine.length === count ? mine : undefined;
      });
    await ctx.lib.returnBook(loan.id);
    const [first] = await queue(book.id);
    await typesOf(holds[0].id, 2);
    ctx.host.clock.set(Date.parse(first.readyUntil!) + 60_000);
    const run = await ctx.lib.api('POST', '/admin/functions/holds-expiry', { body: {} });
    expect(run.status).toBe(202);
    const next = await eventually(async () => {
      const q = await queue(book.id);
      return q.length === 1 && q[0].status === 'READY' ? q[0] : undefined;
    });
    expect(next).toMatchObject({ id: holds[1].id, memberId: holders[1], position: 0 });
    expect(Date.parse(next.readyUntil!)).toBeGreaterThan(Date.parse(first.readyUntil!));
    // The expired member may no longer take it.
    expect(await rented(holders[0], book.id)).toMatchObject({ status: 'REJECTED', reason: 'BOOK_ON_HOLD' });
    await typesOf(holds[1].id, 2);

    ctx.host.clock.set(Date.parse(next.readyUntil!) + 60_000);
    await ctx.lib.api('POST', '/admin/functions/holds-expiry', { body: {} });
    await eventually(async () => ((await queue(book.id)).length === 0 ? true : undefined));
    expect(await ctx.lib.book(book.id)).toMatchObject({ available: 1, status: 'AVAILABLE' });

    for (const [i, hold] of holds.entries()) {
      const mine = await typesOf(hold.id, 3);
      expect(mine.map((e) => e.body.type)).toEqual([
        'rentbook.hold.placed',
        'rentbook.hold.ready',
        'rentbook.hold.expired',
      ]);
      expect(mine[2].body.data).toEqual({
        holdId: hold.id,
        bookId: book.id,
        memberId: holders[i],
        bookTitle: 'Wanted',
      });
    }
  });

  it('cancelling a READY hold passes the copy on; cancelling again → 409; another member → 403', async () => {
    const { book, loan, holders, holds } = await lentWithQueue(2);
    await ctx.lib.returnBook(loan.id);
    const stranger = await ctx.lib.addMember(0);
    expect((await cancel(holds[0].id, memberToken(stranger))).status).toBe(403);
    expect((await cancel('no-such-hold', librarian)).status).toBe(404);
    const cancelled = await cancel(holds[0].id, memberToken(holders[0]));
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ id: holds[0].id, status: 'CANCELLED', position: null });
    expect((await queue(book.id)).map((h) => [h.id, h.status])).toEqual([[holds[1].id, 'READY']]);
    const again = await cancel(holds[0].id, memberToken(holders[0]));
    expect(again.status).toBe(409);
    expect(again.body.type).toBe('urn:rentbook:problem:hold-not-active');
    // A librarian cancels the last one: the copy goes on the shelf.
    expect((await cancel(holds[1].id, librarian)).status).toBe(200);
    expect(await queue(book.id)).toEqual([]);
    expect(await ctx.lib.book(book.id)).toMatchObject({ available: 1 });
  });

  it('copies added by a librarian go to those waiting first', async () => {
    const { book, holds } = await lentWithQueue(2);
    const edited = await ctx.lib.api('PATCH', `/api/books/${book.id}`, {
      token: librarian,
      body: { copies: 2 },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ copies: 2, available: 0 });
    expect((await queue(book.id)).map((h) => [h.id, h.status])).toEqual([
      [holds[0].id, 'READY'],
      [holds[1].id, 'WAITING'],
    ]);
  });
});

describe('racing for a kept copy', () => {
  it('12 members rent at once while one copy is kept for a READY hold and one is free: the holder and exactly one other get one', async () => {
    const book = await ctx.lib.addBook({ title: 'Two', price: 100, copies: 2 });
    const borrowers = [await ctx.lib.addMember(1000), await ctx.lib.addMember(1000)];
    const loans = [await rented(borrowers[0], book.id), await rented(borrowers[1], book.id)];
    const holder = await ctx.lib.addMember(1000, 'Holder');
    const hold = (await placeHold(book.id, holder)).body;
    await ctx.lib.returnBook(loans[0].id);
    await ctx.lib.returnBook(loans[1].id);
    expect((await queue(book.id)).map((h) => h.status)).toEqual(['READY']);
    expect(await ctx.lib.book(book.id)).toMatchObject({ available: 1 });

    const others = await Promise.all(Array.from({ length: 11 }, (_, i) => ctx.lib.addMember(1000, `R${i}`)));
    const replies = await Promise.all([holder, ...others].map((m) => ctx.lib.rent(m, book.id)));
    const settled = await Promise.all(
      replies.map(async (r) =>
        r.status === 201
          ? r.body
          : eventually(async () => {
              const now = await ctx.lib.rental(r.body.id);
              return now.status === 'REQUESTED' ? undefined : now;
            }),
      ),
    );
    expect(settled[0].status).toBe('APPROVED');
    const approvedOthers = settled.slice(1).filter((r) => r.status === 'APPROVED');
    const refused = settled.slice(1).filter((r) => r.status === 'REJECTED');
    expect(approvedOthers).toHaveLength(1);
    expect(refused).toHaveLength(10);
    // Refused while the kept copy still waits for its holder: BOOK_ON_HOLD; after it: BOOK_RENTED.
    for (const r of refused) expect(['BOOK_ON_HOLD', 'BOOK_RENTED']).toContain(r.reason);
    expect(await ctx.lib.book(book.id)).toMatchObject({ available: 0, copies: 2 });
    expect(await queue(book.id)).toEqual([]);
    const events = await eventually(async () => {
      const mine = about(await hubEvents(ctx.host), `holds/${hold.id}`);
      return mine.length === 3 ? mine : undefined;
    });
    expect(events.map((e) => e.body.type)).toEqual([
      'rentbook.hold.placed',
      'rentbook.hold.ready',
      'rentbook.hold.fulfilled',
    ]);
  });

  it('returns and cancels at once never put a kept copy on the shelf nor keep two copies for one hold', async () => {
    const book = await ctx.lib.addBook({ title: 'Three', price: 0, copies: 3 });
    const borrowers = await Promise.all([0, 1, 2].map((i) => ctx.lib.addMember(0, `B${i}`)));
    const loans = await Promise.all(borrowers.map((m) => rented(m, book.id)));
    const holders = await Promise.all([0, 1, 2, 3].map((i) => ctx.lib.addMember(0, `H${i}`)));
    const holds: HoldReply[] = [];
    for (const m of holders) holds.push((await placeHold(book.id, m)).body);
    await Promise.all([
      ...loans.map((l) => ctx.lib.returnBook(l.id)),
      cancel(holds[0].id, librarian),
      cancel(holds[3].id, librarian),
    ]);
    const q = await queue(book.id);
    // Three copies came back, two holds are left: both READY, one copy free.
    expect(q.map((h) => [h.id, h.status])).toEqual([
      [holds[1].id, 'READY'],
      [holds[2].id, 'READY'],
    ]);
    expect(await ctx.lib.book(book.id)).toMatchObject({ available: 1, copies: 3 });
  });
});

describe('holds on mypage', () => {
  it('shows each hold with its place, READY with its time once a copy is kept, and no more once collected', async () => {
    const { book, loan, holders, holds } = await lentWithQueue(2);
    const v = views(ctx.lib.api);
    const second = await v.mypageWhen(
      holders[1],
      (p) => p.holds.length === 1 && p.holds[0].position === 2,
      'the second hold on mypage',
    );
    expect(second.holds).toEqual([
      { holdId: holds[1].id, bookId: book.id, bookTitle: 'Wanted', status: 'WAITING', position: 2 },
    ]);
    await ctx.lib.returnBook(loan.id);
    const [ready] = await queue(book.id);
    const first = await v.mypageWhen(
      holders[0],
      (p) => p.holds[0]?.status === 'READY',
      'the READY hold on mypage',
    );
    expect(first.holds).toEqual([
      {
        holdId: holds[0].id,
        bookId: book.id,
        bookTitle: 'Wanted',
        status: 'READY',
        position: 0,
        readyUntil: ready.readyUntil,
      },
    ]);
    await v.mypageWhen(holders[1], (p) => p.holds[0]?.position === 1, 'the second hold moving up');
    expect((await rented(holders[0], book.id)).status).toBe('APPROVED');
    const collected = await v.mypageWhen(
      holders[0],
      (p) => p.holds.length === 0 && p.onLoan === 1,
      'the collected hold gone from mypage',
    );
    expect(collected.loans.map((l) => l.bookId)).toEqual([book.id]);
  });
});

describe('renewals and holds', () => {
  it('a loan of a book someone waits for cannot be renewed (409 book-on-hold); once the hold is gone it can', async () => {
    const { loan, holds, holders } = await lentWithQueue(1);
    const refused = await ctx.lib.api<HoldReply>('POST', `/api/rentals/${loan.id}/renew`, {
      token: librarian,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe('urn:rentbook:problem:book-on-hold');
    expect((await ctx.lib.rental(loan.id)).renewals).toBeUndefined();
    await cancel(holds[0].id, memberToken(holders[0]));
    const renewed = await ctx.lib.api<Rental>('POST', `/api/rentals/${loan.id}/renew`, { token: librarian });
    expect(renewed.status).toBe(200);
    expect(renewed.body.renewals).toBe(1);
  });
});
