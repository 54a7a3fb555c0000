// Renewing a loan through HTTP: the due date moves on by LOAN_DAYS (7) from the current due date, at
// most MAX_RENEWALS (2) times, never once overdue; concurrent renewals never pass the cap.
import { describe, expect, it } from 'vitest';
import type { Rental as RentalReply } from '../../shared/domain/rental';
import { about, hubEvents } from '../events/support-events';
import { views } from '../views/support-views';
import { eventually, librarian, libraryHost, memberToken } from './support-host';

const ctx = libraryHost();

const DAY = 24 * 60 * 60 * 1000;

interface ProblemReply {
  type: string;
}

/** A member with one APPROVED loan. */
async function loan(): Promise<RentalReply> {
  const memberId = await ctx.lib.addMember(1000);
  const book = await ctx.lib.addBook({ price: 100, copies: 1 });
  const reply = await ctx.lib.rent(memberId, book.id);
  expect(reply.body.status).toBe('APPROVED');
  return reply.body;
}

function renew(rental: RentalReply, token = memberToken(rental.memberId)) {
  return ctx.lib.api<RentalReply & ProblemReply>('POST', `/api/rentals/${rental.id}/renew`, { token });
}

const plusDays = (iso: string, days: number) => new Date(Date.parse(iso) + days * DAY).toISOString();

describe('renewing a loan', () => {
  it('moves the due date on by 7 days from the current one and counts renewals; mypage and events follow', async () => {
    const rental = await loan();
    const first = await renew(rental);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      id: rental.id,
      status: 'APPROVED',
      renewals: 1,
      dueAt: plusDays(rental.dueAt!, 7),
    });
    // A librarian may renew it too, from the due date just set.
    const second = await renew(rental, librarian);
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ renewals: 2, dueAt: plusDays(rental.dueAt!, 14) });
    expect(await ctx.lib.rental(rental.id)).toMatchObject({
      renewals: 2,
      dueAt: plusDays(rental.dueAt!, 14),
    });

    const page = await views(ctx.lib.api).mypageWhen(
      rental.memberId,
      (p) => p.loans.some((l) => l.rentalId === rental.id && l.dueAt === plusDays(rental.dueAt!, 14)),
      'mypage showing the renewed due date',
    );
    expect(page.loans).toHaveLength(1);

    const renewed = await eventually(async () => {
      const events = about(await hubEvents(ctx.host), `rentals/${rental.id}`).filter(
        (e) => e.body.type === 'rentbook.rental.renewed',
      );
      return events.length === 2 ? events : undefined;
    });
    expect(renewed.map((e) => [e.body.data.renewals, e.body.data.dueAt])).toEqual([
      [1, plusDays(rental.dueAt!, 7)],
      [2, plusDays(rental.dueAt!, 14)],
    ]);
  });

  it('a third renewal → 409 renewal-limit, the loan unchanged', async () => {
    const rental = await loan();
    expect((await renew(rental)).status).toBe(200);
    expect((await renew(rental)).status).toBe(200);
    const third = await renew(rental);
    expect(third.status).toBe(409);
    expect(third.headers.get('content-type')).toContain('application/problem+json');
    expect(third.body.type).toBe('urn:rentbook:problem:renewal-limit');
    expect(await ctx.lib.rental(rental.id)).toMatchObject({
      renewals: 2,
      dueAt: plusDays(rental.dueAt!, 14),
    });
  });

  it('an overdue loan → 409 rental-overdue, unchanged', async () => {
    const overdue = await loan();
    ctx.host.clock.set(Date.parse(overdue.dueAt!) + 60_000);
    const refused = await renew(overdue);
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe('urn:rentbook:problem:rental-overdue');
    const stored = await ctx.lib.rental(overdue.id);
    expect(stored.dueAt).toBe(overdue.dueAt);
    expect(stored.renewals).toBeUndefined();
  });

  it('a returned loan → 409 not-on-loan; another member → 403; unknown → 404; no token → 401', async () => {
    const rental = await loan();
    const other = await ctx.lib.addMember(0);
    const forbidden = await renew(rental, memberToken(other));
    expect(forbidden.status).toBe(403);
    expect((await ctx.lib.api('POST', `/api/rentals/${rental.id}/renew`)).status).toBe(401);
    expect((await ctx.lib.api('POST', '/api/rentals/nothing/renew', { token: librarian })).status).toBe(404);
    expect((await ctx.lib.rental(rental.id)).renewals).toBeUndefined();
    await ctx.lib.returnBook(rental.id);
    const returned = await renew(rental);
    expect(returned.status).toBe(409);
    expect(returned.body.type).toBe('urn:rentbook:problem:not-on-loan');
  });

  it('a late return after a renewal is charged from the renewed due date', async () => {
    const rental = await loan();
    const renewed = (await renew(rental)).body;
    ctx.host.clock.set(Date.parse(renewed.dueAt!) + 2 * DAY);
    expect((await ctx.lib.returnBook(rental.id)).body).toMatchObject({
      status: 'RETURNED',
      lateDays: 2,
      fee: 500,
    });
  });

  it('10 concurrent renewals → exactly 2 succeed, 8 are 409 renewal-limit, due date moved twice', async () => {
    const rental = await loan();
    const replies = await Promise.all(Array.from({ length: 10 }, () => renew(rental)));
    const renewed = replies.filter((r) => r.status === 200);
    const refused = replies.filter((r) => r.status === 409);
    expect(renewed).toHaveLength(2);
    expect(refused).toHaveLength(8);
    expect(new Set(refused.map((r) => r.body.type))).toEqual(new Set(['urn:rentbook:problem:renewal-limit']));
    expect(renewed.map((r) => r.body.renewals).sort()).toEqual([1, 2]);
    expect(await ctx.lib.rental(rental.id)).toMatchObject({
      renewals: 2,
      dueAt: plusDays(rental.dueAt!, 14),
    });
  });
});
