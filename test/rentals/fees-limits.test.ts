// Fees and borrowing limits through HTTP: paying fees from points, and rents refused for fees owed
// (FEES_OUTSTANDING), the loan limit (LOAN_LIMIT) and a book already on loan (ALREADY_ON_LOAN), also
// when one member's requests race. Default settings: MAX_LOANS 5, FEE_BLOCK_THRESHOLD 2000.
import { describe, expect, it } from 'vitest';
import type { Member } from '../../shared/domain/member';
import type { Rental as RentalReply } from '../../shared/domain/rental';
import { about, hubEvents } from '../events/support-events';
import { views } from '../views/support-views';
import { eventually, librarian, libraryHost, memberToken, type Token } from './support-host';

const ctx = libraryHost();

const DAY = 24 * 60 * 60 * 1000;

interface FeesReply {
  memberId: string;
  feesOwed: number;
  points: number;
}

interface ProblemReply {
  type: string;
  detail: string;
}

/** The rental once the saga has settled it (a 202 is followed up with GETs). */
async function settled(reply: { status: number; body: RentalReply }): Promise<RentalReply> {
  if (reply.status === 201) return reply.body;
  expect(reply.status).toBe(202);
  return eventually(async () => {
    const r = await ctx.lib.rental(reply.body.id);
    return r.status === 'REQUESTED' ? undefined : r;
  });
}

async function rentSettled(memberId: string, bookId: string): Promise<RentalReply> {
  return settled(await ctx.lib.rent(memberId, bookId));
}

/** A member with `points` who owes `fees` (2000 per book returned 15 days late), nothing on loan. */
async function memberOwing(fees: number, points: number): Promise<string> {
  expect(fees % 2000).toBe(0);
  const memberId = await ctx.lib.addMember(points + (fees / 2000) * 100);
  for (let i = 0; i < fees / 2000; i++) {
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    const rental = await rentSettled(memberId, book.id);
    expect(rental.status).toBe('APPROVED');
    ctx.host.clock.set(Date.parse(rental.dueAt!) + 15 * DAY);
    expect((await ctx.lib.returnBook(rental.id)).body).toMatchObject({ status: 'RETURNED', fee: 2000 });
  }
  expect(await ctx.lib.member(memberId)).toMatchObject({ feesOwed: fees, points });
  return memberId;
}

function pay(memberId: string, amount: unknown, options: { token?: Token; key?: string } = {}) {
  return ctx.lib.api<FeesReply & ProblemReply>('POST', `/api/members/${memberId}/fees/payments`, {
    token: options.token ?? memberToken(memberId),
    body: { amount },
    headers: options.key ? { 'Idempotency-Key': options.key } : undefined,
  });
}

describe('paying fees from points', () => {
  it('the member pays part of its fees → 200 with what is owed and left; member, mypage and event agree', async () => {
    const memberId = await memberOwing(2000, 3000);
    const reply = await pay(memberId, 500);
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ memberId, feesOwed: 1500, points: 2500 });
    expect(await ctx.lib.member(memberId)).toMatchObject({ feesOwed: 1500, points: 2500 });

    const page = await views(ctx.lib.api).mypageWhen(
      memberId,
      (p) => p.feesOwed === 1500,
      'mypage showing the fees paid',
    );
    expect(page).toMatchObject({ feesOwed: 1500, points: 2500 });

    const paid = await eventually(async () => {
      const events = about(await hubEvents(ctx.host), `members/${memberId}`);
      const found = events.filter((e) => e.body.type === 'rentbook.fee.paid');
      return found.length > 0 ? found : undefined;
    });
    expect(paid.map((e) => e.body.data)).toEqual([{ memberId, amount: 500, feesOwed: 1500, points: 2500 }]);
  });

  it('a librarian pays for a member → 200; paying everything owed leaves 0', async () => {
    const memberId = await memberOwing(2000, 2000);
    const reply = await pay(memberId, 2000, { token: librarian });
    expect(reply.status).toBe(200);
    expect(reply.body).toEqual({ memberId, feesOwed: 0, points: 0 });
  });

  it('more than is owed → 409 more-than-owed, nothing changes', async () => {
    const memberId = await memberOwing(2000, 5000);
    const reply = await pay(memberId, 2001);
    expect(reply.status).toBe(409);
    expect(reply.headers.get('content-type')).toContain('application/problem+json');
    expect(reply.body.type).toBe('urn:rentbook:problem:more-than-owed');
    expect(await ctx.lib.member(memberId)).toMatchObject({ feesOwed: 2000, points: 5000 });
  });

  it('more than the points cover → 409 insufficient-points, nothing changes', async () => {
    const memberId = await memberOwing(2000, 300);
    const reply = await pay(memberId, 301);
    expect(reply.status).toBe(409);
    expect(reply.body.type).toBe('urn:rentbook:problem:insufficient-points');
    expect(await ctx.lib.member(memberId)).toMatchObject({ feesOwed: 2000, points: 300 });
  });

  it('a member owing nothing cannot pay → 409, nothing changes', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const reply = await pay(memberId, 1);
    expect(reply.status).toBe(409);
    expect(await ctx.lib.member(memberId)).toMatchObject({ feesOwed: 0, points: 1000 });
  });

  it('another member → 403, no token → 401, bad amount → 400, unknown member → 404; nothing changes', async () => {
    const memberId = await memberOwing(2000, 1000);
    const other = await ctx.lib.addMember(1000);
    const forbidden = await pay(memberId, 100, { token: memberToken(other) });
    expect(forbidden.status).toBe(403);
    expect(forbidden.body.type).toBe('urn:rentbook:problem:forbidden');
    const anonymous = await ctx.lib.api('POST', `/api/members/${memberId}/fees/payments`, {
      body: { amount: 100 },
    });
    expect(anonymous.status).toBe(401);
    for (const amount of [0, -5, 1.5, '100']) expect((await pay(memberId, amount)).status).toBe(400);
    expect((await pay('nobody', 100, { token: librarian })).status).toBe(404);
    expect(await ctx.lib.member(memberId)).toMatchObject({ feesOwed: 2000, points: 1000 });
    expect(await ctx.lib.member(other)).toMatchObject({ feesOwed: 0, points: 1000 });
  });

  it('an Idempotency-Key pays once and answers the first answer again; with another amount → 422', async () => {
    const memberId = await memberOwing(2000, 1000);
    const first = await pay(memberId, 400, { key: 'fee-pay-1' });
    const again = await pay(memberId, 400, { key: 'fee-pay-1' });
    expect(first.status).toBe(200);
    expect(again.status).toBe(200);
    expect(again.body).toEqual(first.body);
    expect(first.body).toEqual({ memberId, feesOwed: 1600, points: 600 });
    const reused = await pay(memberId, 300, { key: 'fee-pay-1' });
    expect(reused.status).toBe(422);
    expect(reused.body.type).toBe('urn:rentbook:problem:idempotency-key-reused');
    expect(await ctx.lib.member(memberId)).toMatchObject({ feesOwed: 1600, points: 600 });
  });

  it('10 concurrent payments of 300 against 2000 owed: exactly 6 are paid, 4 refused, nothing overshoots', async () => {
    const memberId = await memberOwing(2000, 10_000);
    const replies = await Promise.all(Array.from({ length: 10 }, () => pay(memberId, 300)));
    const paid = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 409);
    expect(paid).toHaveLength(6);
    expect(refused).toHaveLength(4);
    expect(new Set(refused.map((r) => r.body.type))).toEqual(
      new Set(['urn:rentbook:problem:more-than-owed']),
    );
    expect(paid.map((r) => r.body.feesOwed).sort((a, b) => a - b)).toEqual([200, 500, 800, 1100, 1400, 1700]);
    expect(await ctx.lib.member(memberId)).toMatchObject({ feesOwed: 200, points: 10_000 - 1800 });
  });

  it('10 concurrent payments of 300 with 1000 points: exactly 3 are paid, points never go below zero', async () => {
    const memberId = await memberOwing(4000, 1000);
    const replies = await Promise.all(Array.from({ length: 10 }, () => pay(memberId, 300)));
    expect(replies.filter((r) => r.status === 200)).toHaveLength(3);
    const refused = replies.filter((r) => r.status === 409);
    expect(refused).toHaveLength(7);
    expect(new Set(refused.map((r) => r.body.type))).toEqual(
      new Set(['urn:rentbook:problem:insufficient-points']),
    );
    expect(await ctx.lib.member(memberId)).toMatchObject({ feesOwed: 3100, points: 100 });
  });
});

describe('renting is refused while fees owed exceed FEE_BLOCK_THRESHOLD (2000)', () => {
  it('owing 4000 → REJECTED FEES_OUTSTANDING, points and copies unchanged; paid down to 2000 → APPROVED', async () => {
    const memberId = await memberOwing(4000, 1000);
    const book = await ctx.lib.addBook({ price: 300, copies: 1 });
    const refused = await rentSettled(memberId, book.id);
    expect(refused).toMatchObject({ status: 'REJECTED', reason: 'FEES_OUTSTANDING' });
    expect(await ctx.lib.member(memberId)).toMatchObject({ points: 1000, feesOwed: 4000 });
    expect((await ctx.lib.book(book.id)).available).toBe(1);

    // At the threshold exactly, renting is allowed again.
    expect((await pay(memberId, 2000, { token: librarian })).status).toBe(409); // 1000 points only
    await ctx.lib.api('POST', `/api/members/${memberId}/points`, {
      token: librarian,
      body: { amount: 2000 },
    });
    expect((await pay(memberId, 2000)).body).toEqual({ memberId, feesOwed: 2000, points: 1000 });
    expect(await rentSettled(memberId, book.id)).toMatchObject({ status: 'APPROVED' });
    expect(await ctx.lib.member(memberId)).toMatchObject({ points: 700, feesOwed: 2000 });
  });
});

describe('at most MAX_LOANS (5) books on loan', () => {
  it('a sixth rent → REJECTED LOAN_LIMIT, nothing taken; after a return the member may rent again', async () => {
    const memberId = await ctx.lib.addMember(10_000);
    const books = await Promise.all(
      Array.from({ length: 6 }, (_, i) => ctx.lib.addBook({ title: `Book ${i}`, price: 100, copies: 1 })),
    );
    const loans: RentalReply[] = [];
    for (const book of books.slice(0, 5)) loans.push(await rentSettled(memberId, book.id));
    expect(loans.map((r) => r.status)).toEqual(Array(5).fill('APPROVED'));

    const sixth = await rentSettled(memberId, books[5].id);
    expect(sixth).toMatchObject({ status: 'REJECTED', reason: 'LOAN_LIMIT' });
    expect((await ctx.lib.member(memberId)).points).toBe(9500);
    expect((await ctx.lib.book(books[5].id)).available).toBe(1);

    expect((await ctx.lib.returnBook(loans[0].id)).body.status).toBe('RETURNED');
    expect(await rentSettled(memberId, books[5].id)).toMatchObject({ status: 'APPROVED' });
    expect((await ctx.lib.member(memberId)).points).toBe(9400);
  });

  it('a rent rejected for another reason does not count as a loan', async () => {
    const memberId = await ctx.lib.addMember(10_000);
    const taken = await ctx.lib.addBook({ price: 100, copies: 1 });
    const other = await ctx.lib.addMember(1000);
    expect((await rentSettled(other, taken.id)).status).toBe('APPROVED');
    for (let i = 0; i < 6; i++) {
      expect(await rentSettled(memberId, taken.id)).toMatchObject({ status: 'REJECTED' });
    }
    const books = await Promise.all(
      Array.from({ length: 5 }, () => ctx.lib.addBook({ price: 100, copies: 1 })),
    );
    for (const book of books) expect((await rentSettled(memberId, book.id)).status).toBe('APPROVED');
    expect((await ctx.lib.member(memberId)).points).toBe(9500);
  });

  it('10 concurrent rents by one member of distinct books → exactly 5 APPROVED, 5 LOAN_LIMIT, 5 charged', async () => {
    const memberId = await ctx.lib.addMember(10_000);
    const books = await Promise.all(
      Array.from({ length: 10 }, (_, i) => ctx.lib.addBook({ title: `Race ${i}`, price: 100, copies: 1 })),
    );
    const rentals = await Promise.all(books.map((b) => rentSettled(memberId, b.id)));
    const approved = rentals.filter((r) => r.status === 'APPROVED');
    const rejected = rentals.filter((r) => r.status === 'REJECTED');
    expect(approved).toHaveLength(5);
    expect(rejected).toHaveLength(5);
    expect(new Set(rejected.map((r) => r.reason))).toEqual(new Set(['LOAN_LIMIT']));
    expect((await ctx.lib.member(memberId)).points).toBe(9500);
    const available = await Promise.all(books.map(async (b) => (await ctx.lib.book(b.id)).available));
    expect(available.filter((a) => a === 0)).toHaveLength(5);
    for (const r of rejected) expect((await ctx.lib.book(r.bookId)).available).toBe(1);
  });
});

describe('one copy of a book per member', () => {
  it('a second copy of a book on loan → REJECTED ALREADY_ON_LOAN, nothing taken; after the return → APPROVED', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 100, copies: 3 });
    const first = await rentSettled(memberId, book.id);
    expect(first.status).toBe('APPROVED');
    expect(await rentSettled(memberId, book.id)).toMatchObject({
      status: 'REJECTED',
      reason: 'ALREADY_ON_LOAN',
    });
    expect((await ctx.lib.member(memberId)).points).toBe(900);
    expect((await ctx.lib.book(book.id)).available).toBe(2);

    await ctx.lib.returnBook(first.id, memberToken(memberId));
    expect(await rentSettled(memberId, book.id)).toMatchObject({ status: 'APPROVED' });
    expect((await ctx.lib.member(memberId)).points).toBe(800);
  });

  it('8 concurrent rents of one book with 8 copies by one member → exactly 1 APPROVED, 7 ALREADY_ON_LOAN', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 100, copies: 8 });
    const rentals = await Promise.all(Array.from({ length: 8 }, () => rentSettled(memberId, book.id)));
    expect(rentals.filter((r) => r.status === 'APPROVED')).toHaveLength(1);
    const rejected = rentals.filter((r) => r.status === 'REJECTED');
    expect(rejected).toHaveLength(7);
    expect(new Set(rejected.map((r) => r.reason))).toEqual(new Set(['ALREADY_ON_LOAN']));
    expect((await ctx.lib.member(memberId)).points).toBe(900);
    expect((await ctx.lib.book(book.id)).available).toBe(7);
  });
});

describe('the member as the API shows it', () => {
  it('shows points and fees owed only, not the loan bookkeeping', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    await rentSettled(memberId, book.id);
    const member = (await ctx.lib.api<Member>('GET', `/api/members/${memberId}`, { token: librarian })).body;
    expect(Object.keys(member).sort()).toEqual(['feesOwed', 'id', 'name', 'phone', 'points']);
  });
});
