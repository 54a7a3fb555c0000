// Late fees at return, at each tier boundary, with the host clock moved forward.
import { describe, expect, it } from 'vitest';
import { libraryHost } from './support-host';

const ctx = libraryHost();

const DAY = 24 * 60 * 60 * 1000;

describe('a book returned late is charged by days late (Asia/Seoul calendar days)', () => {
  it.each([
    [0, 0],
    [1, 500],
    [7, 500],
    [8, 1000],
    [14, 1000],
    [15, 2000],
  ])('returned %i days after the due date → fee %i KRW, added to fees owed', async (daysLate, fee) => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    const rental = (await ctx.lib.rent(memberId, book.id)).body;
    // Move the clock to the due time (same time of day), then the days late on top.
    ctx.host.clock.set(Date.parse(rental.dueAt!) + daysLate * DAY);
    const returned = await ctx.lib.returnBook(rental.id);
    expect(returned.body).toMatchObject({ status: 'RETURNED', lateDays: daysLate, fee });
    expect((await ctx.lib.member(memberId)).feesOwed).toBe(fee);
  });

  it('fees owed grow with each late return', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const [book, other] = [
      await ctx.lib.addBook({ price: 100, copies: 1 }),
      await ctx.lib.addBook({ price: 100, copies: 1 }),
    ];
    const first = (await ctx.lib.rent(memberId, book.id)).body;
    const second = (await ctx.lib.rent(memberId, other.id)).body;
    // Through the admin API, as an operator would: 8 days on, both are at least a day late.
    const moved = await ctx.lib.api('POST', '/admin/clock', { body: { advanceBy: 'P8D' } });
    expect(moved.status).toBe(200);
    const fees = [
      (await ctx.lib.returnBook(first.id)).body.fee,
      (await ctx.lib.returnBook(second.id)).body.fee,
    ];
    expect(fees).toEqual([500, 500]);
    expect((await ctx.lib.member(memberId)).feesOwed).toBe(1000);
  });

  it('no fee while the book is still out, however late', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    await ctx.lib.rent(memberId, book.id);
    ctx.host.clock.advance(30 * DAY);
    expect((await ctx.lib.member(memberId)).feesOwed).toBe(0);
  });
});
