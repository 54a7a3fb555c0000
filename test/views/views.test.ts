// mypage follows deposits, rents, rejections and returns through the change feed (reading it never
// touches the write model); the rental board reads the rentals themselves.
import { describe, expect, it } from 'vitest';
import { librarian, libraryHost, memberToken } from '../rentals/support-host';
import { views } from './support-views';

const ctx = libraryHost();

describe('mypage', () => {
  it('a new member sees an empty page; after a deposit, the points', async () => {
    const { lib } = ctx;
    const v = views(lib.api);
    const memberId = await lib.addMember(0, 'Lee Jiwoo');
    const empty = await v.mypageWhen(memberId, (p) => p.name === 'Lee Jiwoo', 'the new member page');
    expect(empty).toMatchObject({
      memberId,
      points: 0,
      feesOwed: 0,
      onLoan: 0,
      loans: [],
      pending: [],
      history: [],
    });
    await lib.api('POST', `/api/members/${memberId}/points`, { token: librarian, body: { amount: 1200 } });
    await v.mypageWhen(memberId, (p) => p.points === 1200, 'the deposit on mypage');
  });

  it('rent → the loan with its due date; return 10 days on → history with the fee, fees owed', async () => {
    const { lib } = ctx;
    const v = views(lib.api);
    const book = await lib.addBook({ title: 'Pachinko', price: 300, copies: 1 });
    const memberId = await lib.addMember(1000);
    const rented = await lib.rent(memberId, book.id);
    expect(rented.body.status).toBe('APPROVED');
    const onLoan = await v.mypageWhen(memberId, (p) => p.onLoan === 1 && p.points === 700, 'the loan');
    expect(onLoan.loans).toEqual([
      {
        rentalId: rented.body.id,
        bookId: book.id,
        bookTitle: 'Pachinko',
        rentedAt: rented.body.approvedAt,
        dueAt: rented.body.dueAt,
        overdue: false,
        feeIfReturnedNow: 0,
      },
    ]);

    // Ten days on, the loan is overdue and a return now would cost 500 (3 days late).
    await lib.api('POST', '/admin/clock', { body: { advanceBy: 'P10D' } });
    const late = (await v.mypage(memberId)).body;
    expect(late.loans[0]).toMatchObject({ overdue: true, feeIfReturnedNow: 500 });
    const board = await v.boardEntryWhen(rented.body.id, memberId, (e) => e.overdue);
    expect(board).toMatchObject({ memberName: 'Kim Minsu', bookTitle: 'Pachinko', feeIfReturnedNow: 500 });
    const overdueOnly = await v.board('?overdue=true&limit=100');
    expect(overdueOnly.body.items.map((e) => e.rentalId)).toContain(rented.body.id);
    expect(overdueOnly.body.items.every((e) => e.overdue)).toBe(true);

    const returned = await lib.returnBook(rented.body.id, memberToken(memberId));
    expect(returned.body).toMatchObject({ status: 'RETURNED', lateDays: 3, fee: 500 });
    const after = await v.mypageWhen(memberId, (p) => p.onLoan === 0 && p.history.length === 1, 'the return');
    expect(after.feesOwed).toBe(500);
    expect(after.history[0]).toMatchObject({
      rentalId: rented.body.id,
      status: 'RETURNED',
      lateDays: 3,
      fee: 500,
    });
    await v.boardEntryWhen(rented.body.id, memberId, (e) => e.status === 'RETURNED' && !e.overdue);
  });

  it('a rejected rent shows in history with its reason, and the points stay', async () => {
    const { lib } = ctx;
    const v = views(lib.api);
    const book = await lib.addBook({ price: 5000, copies: 1 });
    const memberId = await lib.addMember(100);
    const rented = await lib.rent(memberId, book.id);
    expect(rented.body.status).toBe('REJECTED');
    const page = await v.mypageWhen(memberId, (p) => p.history.length === 1, 'the rejection');
    expect(page.history[0]).toMatchObject({
      rentalId: rented.body.id,
      status: 'REJECTED',
      reason: 'INSUFFICIENT_POINTS',
    });
    expect(page.points).toBe(100);
    expect(page.onLoan).toBe(0);
    const entry = await v.boardEntryWhen(rented.body.id, memberId, (e) => e.status === 'REJECTED');
    expect(entry).toMatchObject({ reason: 'INSUFFICIENT_POINTS', overdue: false, feeIfReturnedNow: 0 });
  });

  it('another member gets 403; an unknown member 404; no sign-in 401', async () => {
    const { lib } = ctx;
    const a = await lib.addMember(0);
    const b = await lib.addMember(0);
    expect((await views(lib.api).mypage(a, memberToken(b))).status).toBe(403);
    const unknown = await views(lib.api).mypage('no-such-member', librarian);
    expect(unknown.status).toBe(404);
    expect(unknown.headers.get('content-type')).toMatch(/problem\+json/);
    expect((await lib.api('GET', `/api/members/${a}/mypage`)).status).toBe(401);
  });
});

describe('the rental board', () => {
  it('is for librarians only (403 for members) and checks its query (400)', async () => {
    const { lib } = ctx;
    const memberId = await lib.addMember(0);
    expect((await lib.api('GET', '/api/rentals', { token: memberToken(memberId) })).status).toBe(403);
    const bad = await lib.api<{ type: string }>('GET', '/api/rentals?status=LOST', { token: librarian });
    expect(bad.status).toBe(400);
    expect(bad.body.type).toBe('urn:rentbook:problem:invalid-request');
    expect((await lib.api('GET', '/api/rentals?overdue=maybe', { token: librarian })).status).toBe(400);
  });

  it('lists loans overdue first, then by due date, filtered by status and book', async () => {
    const { lib } = ctx;
    const v = views(lib.api);
    const book = await lib.addBook({ title: 'Board book', price: 0, copies: 5 });
    const memberId = await lib.addMember(0, 'Park Seo');
    // A member has one copy of a book at a time: the second loan is another member's.
    const otherId = await lib.addMember(0, 'Choi Min');
    const first = await lib.rent(memberId, book.id);
    await lib.api('POST', '/admin/clock', { body: { advanceBy: 'P8D' } });
    const second = await lib.rent(otherId, book.id);
    await v.boardEntryWhen(second.body.id, otherId, (e) => e.status === 'APPROVED');
    // The clock passed the hourly overdue timer's time: it marked the first loan OVERDUE.
    await v.boardEntryWhen(first.body.id, memberId, (e) => e.status === 'OVERDUE');
    const page = await v.board(`?bookId=${book.id}`);
    expect(page.body.items.map((e) => [e.rentalId, e.status, e.overdue])).toEqual([
      [first.body.id, 'OVERDUE', true],
      [second.body.id, 'APPROVED', false],
    ]);
    const approved = await v.board(`?bookId=${book.id}&status=APPROVED`);
    expect(approved.body.items.map((e) => e.rentalId)).toEqual([second.body.id]);
    expect(page.body.items[0]).toMatchObject({ memberName: 'Park Seo', bookTitle: 'Board book' });
    const paged = await v.board(`?bookId=${book.id}&limit=1`);
    expect(paged.body.items).toHaveLength(1);
    expect(paged.body.continuation).toEqual(expect.any(String));
    const rest = await v.board(
      `?bookId=${book.id}&limit=1&continuation=${encodeURIComponent(paged.body.continuation!)}`,
    );
    expect(rest.body.items.map((e) => e.rentalId)).toEqual([second.body.id]);
  });

  it('pages from the loans on to the settled rentals, and a token is good only for its own query', async () => {
    const { lib } = ctx;
    const v = views(lib.api);
    const book = await lib.addBook({ title: 'One copy', price: 0, copies: 1 });
    const lent = await lib.rent(await lib.addMember(0, 'Nam'), book.id);
    const refused = await lib.rent(await lib.addMember(0, 'Yoon'), book.id);
    expect([lent.body.status, refused.body.status]).toEqual(['APPROVED', 'REJECTED']);
    const all = await v.board(`?bookId=${book.id}`);
    expect(all.body).toMatchObject({ continuation: null });
    expect(all.body.items.map((e) => [e.rentalId, e.status])).toEqual([
      [lent.body.id, 'APPROVED'],
      [refused.body.id, 'REJECTED'],
    ]);
    const first = await v.board(`?bookId=${book.id}&limit=1`);
    expect(first.body.items.map((e) => e.rentalId)).toEqual([lent.body.id]);
    const next = (page: string | null) =>
      `?bookId=${book.id}&limit=1&continuation=${encodeURIComponent(page!)}`;
    const second = await v.board(next(first.body.continuation));
    expect(second.body).toEqual({
      items: [expect.objectContaining({ rentalId: refused.body.id })],
      continuation: null,
    });
    // The same token for a board of another book is not its own.
    const other = await v.board(`?limit=1&continuation=${encodeURIComponent(first.body.continuation!)}`);
    expect(other.status).toBe(400);
  });
});
