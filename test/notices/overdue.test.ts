// The overdue timer through HTTP with the clock moved: a due-soon notice a day before the due date,
// OVERDUE after it with exactly one overdue notice, a reminder OVERDUE_REMINDER_DAYS later, the views
// showing it, renewal refused, and the return charging its fee as before. The timer's own schedule
// never comes round in these tests (29 February); each run is started through the admin API and
// awaited by its `overdue.scanned` log line, so every run is counted.
import { describe, expect, it } from 'vitest';
import { embeddedAppDeps } from '../../local/adapters';
import { scanOverdue } from '../../shared/app/overdue';
import type { OutboxDoc } from '../../shared/app/outbox';
import { loadConfig, rentalPolicy } from '../../shared/config';
import { container } from '../views/support-store-access';
import { librarian, memberToken } from '../rentals/support-host';
import { views } from '../views/support-views';
import { inbox, inboxWhen, noticesHost, runOverdueScan } from './support-notices';

process.env.OVERDUE_SCHEDULE = '0 0 0 29 2 *';
process.env.OVERDUE_REMINDER_DAYS = '3';
const ctx = noticesHost();

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

async function setClock(at: number): Promise<void> {
  const moved = await ctx.lib.api('POST', '/admin/clock', { body: { set: new Date(at).toISOString() } });
  expect(moved.status).toBe(200);
}

describe('the overdue timer', () => {
  it('due-soon a day before, OVERDUE after the due date with one overdue notice, then a reminder', async () => {
    const { lib } = ctx;
    // Rented at noon in Seoul (tomorrow, 03:00 UTC), so the days late that the fee counts (Seoul
    // calendar days) are the same whatever time of day the test runs: the checks below move the
    // clock an hour past whole days.
    const noonInSeoul = new Date();
    noonInSeoul.setUTCHours(24 + 3, 0, 0, 0);
    await setClock(noonInSeoul.getTime());
    const memberId = await lib.addMember(1000, 'Han');
    const book = await lib.addBook({ title: 'The Little Prince', price: 100, copies: 1 });
    const rented = await lib.rent(memberId, book.id);
    expect(rented.body.status).toBe('APPROVED');
    const rentalId = rented.body.id;
    const due = Date.parse(rented.body.dueAt!);
    await inboxWhen(lib, memberId, (n) => n.some((x) => x.kind === 'rental-approved'), 'the approval notice');

    // Not due within a day yet: the run does not even read the loan.
    expect(await runOverdueScan(ctx)).toMatchObject({ dueSoon: 0, markedOverdue: 0 });

    await setClock(due - 12 * HOUR);
    expect(await runOverdueScan(ctx)).toMatchObject({ dueSoon: 1, markedOverdue: 0 });
    expect(await runOverdueScan(ctx)).toMatchObject({ dueSoon: 0, markedOverdue: 0, checked: 0 });
    const dueSoon = await inboxWhen(lib, memberId, (n) => n.some((x) => x.kind === 'due-soon'), 'due-soon');
    expect(dueSoon.find((x) => x.kind === 'due-soon')).toMatchObject({
      rentalId,
      bookTitle: 'The Little Prince',
      text: expect.stringContaining('"The Little Prince" is due back by'),
    });
    expect((await lib.rental(rentalId)).status).toBe('APPROVED');

    await setClock(due + HOUR);
    const marked = await runOverdueScan(ctx);
    expect(marked).toMatchObject({ markedOverdue: 1, dueSoon: 0 });
    expect(marked.overdue).toBeGreaterThanOrEqual(1);
    expect(await runOverdueScan(ctx)).toMatchObject({ markedOverdue: 0, reminders: 0, checked: 0 });
    expect((await lib.rental(rentalId)).status).toBe('OVERDUE');
    const renew = await lib.api<{ type: string }>('POST', `/api/rentals/${rentalId}/renew`, {
      token: memberToken(memberId),
    });
    expect([renew.status, renew.body.type]).toEqual([409, 'urn:rentbook:problem:rental-overdue']);

    // The views show the loan overdue, on the member's page and on the board.
    const v = views(lib.api);
    const page = await v.mypageWhen(memberId, (p) => p.loans.some((l) => l.overdue), 'the overdue loan');
    expect(page.loans).toEqual([
      expect.objectContaining({ rentalId, overdue: true, feeIfReturnedNow: expect.any(Number) }),
    ]);
    expect(page.onLoan).toBe(1);
    const entry = await v.boardEntryWhen(rentalId, memberId, (e) => e.status === 'OVERDUE');
    expect(entry).toMatchObject({ overdue: true, bookTitle: 'The Little Prince' });
    const overdueBoard = await v.board('?overdue=true&limit=100');
    expect(overdueBoard.body.items.map((e) => e.rentalId)).toContain(rentalId);

    await inboxWhen(lib, memberId, (n) => n.some((x) => x.kind === 'overdue'), 'the overdue notice');

    // Still out two days later: no reminder yet; three days after the due date: one.
    await setClock(due + 2 * DAY + HOUR);
    expect(await runOverdueScan(ctx)).toMatchObject({ reminders: 0, checked: 0 });
    await setClock(due + 3 * DAY + HOUR);
    expect(await runOverdueScan(ctx)).toMatchObject({ reminders: 1 });
    expect(await runOverdueScan(ctx)).toMatchObject({ reminders: 0, checked: 0 });
    const reminded = await inboxWhen(
      lib,
      memberId,
      (n) => n.filter((x) => x.kind === 'overdue').length === 2,
      'the reminder',
    );
    expect(reminded.map((n) => n.kind)).toEqual(['overdue', 'overdue', 'due-soon', 'rental-approved']);
    expect(reminded[0].text).toMatch(/^Reminder: "The Little Prince" was due on \d{4}-\d{2}-\d{2}/);

    // Returned three days late: RETURNED with its fee, as for any late return; the timer lets it be.
    const returned = await lib.returnBook(rentalId);
    expect(returned.body).toMatchObject({ status: 'RETURNED', lateDays: 3, fee: 500 });
    expect((await lib.member(memberId)).feesOwed).toBe(500);
    const all = await inboxWhen(lib, memberId, (n) => n[0]?.kind === 'rental-returned', 'the return notice');
    expect(all[0].text).toMatch(/3 days late\. Late fee: 500 KRW/);
    await setClock(due + 6 * DAY + HOUR);
    expect(await runOverdueScan(ctx)).toMatchObject({ reminders: 0, checked: 0 });
    await v.boardEntryWhen(rentalId, memberId, (e) => e.status === 'RETURNED' && !e.overdue);
    expect((await inbox(lib, memberId)).map((n) => n.kind)).toEqual([
      'rental-returned',
      'overdue',
      'overdue',
      'due-soon',
      'rental-approved',
    ]);
  });

  it('a renewed loan is told again before its new due date, once', async () => {
    const { lib } = ctx;
    const memberId = await lib.addMember(1000, 'Moon');
    const book = await lib.addBook({ title: 'Momo', price: 100, copies: 1 });
    const rented = (await lib.rent(memberId, book.id)).body;
    const due = Date.parse(rented.dueAt!);
    await setClock(due - 6 * HOUR);
    expect((await runOverdueScan(ctx)).dueSoon).toBeGreaterThanOrEqual(1);
    const renewed = await lib.api<{ dueAt: string }>('POST', `/api/rentals/${rented.id}/renew`, {
      token: memberToken(memberId),
    });
    expect(renewed.status).toBe(200);
    const newDue = Date.parse(renewed.body.dueAt);
    expect(newDue - due).toBe(7 * DAY);
    // Past the old due date: the renewed loan is not overdue and is not looked at.
    await setClock(due + HOUR);
    expect(await runOverdueScan(ctx)).toMatchObject({ markedOverdue: 0 });
    expect((await lib.rental(rented.id)).status).toBe('APPROVED');
    await setClock(newDue - 6 * HOUR);
    await runOverdueScan(ctx);
    await runOverdueScan(ctx);
    const items = await inboxWhen(
      lib,
      memberId,
      (n) => n.filter((x) => x.kind === 'due-soon').length === 2,
      'the second due-soon notice',
    );
    const dueSoon = items.filter((x) => x.kind === 'due-soon');
    expect(new Set(dueSoon.map((x) => x.text)).size).toBe(2);
    expect((await lib.returnBook(rented.id)).body.status).toBe('RETURNED');
  });

  it("the notices of a member are theirs and a librarian's to read; bad paging is 400", async () => {
    const { lib } = ctx;
    const memberId = await lib.addMember(0, 'Yoon');
    const other = await lib.addMember(0, 'Jang');
    expect(
      (await lib.api('GET', `/api/members/${memberId}/notices`, { token: memberToken(other) })).status,
    ).toBe(403);
    expect((await lib.api('GET', `/api/members/${memberId}/notices`)).status).toBe(401);
    expect((await lib.api('GET', `/api/members/${memberId}/notices`, { token: librarian })).body).toEqual({
      items: [],
      continuation: null,
    });
    expect((await lib.api('GET', `/api/members/nobody/notices`, { token: librarian })).status).toBe(404);
    const bad = await lib.api<{ type: string }>('GET', `/api/members/${memberId}/notices?limit=0`, {
      token: librarian,
    });
    expect([bad.status, bad.body.type]).toEqual([400, 'urn:rentbook:problem:invalid-request']);
    const token = await lib.api<{ type: string }>(
      'GET',
      `/api/members/${memberId}/notices?continuation=bad`,
      {
        token: librarian,
      },
    );
    expect(token.status).toBe(400);
  });
});

describe('two overdue runs at once', () => {
  it('take each step once between them', async () => {
    const { lib } = ctx;
    const memberId = await lib.addMember(1000, 'Bae');
    const rentals = [];
    for (let i = 0; i < 4; i++) {
      const book = await lib.addBook({ title: `Race ${i}`, price: 10, copies: 1 });
      rentals.push((await lib.rent(memberId, book.id)).body);
    }
    const lastDue = Math.max(...rentals.map((r) => Date.parse(r.dueAt!)));
    await setClock(lastDue + HOUR);
    const deps = embeddedAppDeps(rentalPolicy(loadConfig(process.env)));
    const runs = await Promise.all([scanOverdue(deps), scanOverdue(deps), scanOverdue(deps)]);
    expect(runs.reduce((n, r) => n + r.markedOverdue, 0)).toBe(4);
    for (const r of rentals) expect((await lib.rental(r.id)).status).toBe('OVERDUE');
    const outbox = container('members')
      .query({ partitionKey: memberId, where: [{ field: 'type', op: '=', value: 'outbox' }], limit: 1000 })
      .items.flatMap((o) => (o as unknown as OutboxDoc).events.map((e) => e.event))
      .filter((e) => e.type === 'rentbook.rental.overdue');
    expect(outbox.map((e) => e.subject).sort()).toEqual(rentals.map((r) => `rentals/${r.id}`).sort());
    const items = await inboxWhen(
      lib,
      memberId,
      (n) => n.filter((x) => x.kind === 'overdue').length === 4,
      'four overdue notices',
    );
    expect(new Set(items.filter((x) => x.kind === 'overdue').map((x) => x.rentalId))).toEqual(
      new Set(rentals.map((r) => r.id)),
    );
  });
});
