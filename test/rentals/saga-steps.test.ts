// The borrow saga's steps on the real document store: each is idempotent (a repeat changes
// nothing) and conditional (no oversell, no negative balance).
import { randomUUID } from 'node:crypto';
import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../shared/app/authorization';
import { addBook, getBook } from '../../shared/app/catalog';
import { depositPoints, getMember, registerMember } from '../../shared/app/members';
import type { AppDeps } from '../../shared/app/ports';
import {
  chargeAndApprove,
  readRental,
  refundPoints,
  rejectRental,
  releaseCopy,
  reserveCopy,
  reserveCopyFor,
} from '../../shared/app/rental-saga-steps';
import { ledgerId, memberLoanKey, type MemberDoc } from '../../shared/app/records';
import { requestRental } from '../../shared/app/rentals';
import type { Rental } from '../../shared/domain/rental';
import { storeDeps } from './support-store';

const librarian: Caller = { role: 'librarian', subject: 'librarian:test' };

let deps: AppDeps;

beforeEach(() => {
  deps = storeDeps().deps;
});

function value<T>(outcome: { ok: true; value: T } | { ok: false }): T {
  if (!outcome.ok) throw new Error('expected a value');
  return outcome.value;
}

async function memberWith(points: number): Promise<string> {
  const member = value(await registerMember(deps, librarian, { name: 'Kim', phone: null }));
  if (points > 0) value(await depositPoints(deps, librarian, { memberId: member.id, amount: points }));
  return member.id;
}

async function bookWith(copies: number, price: number): Promise<string> {
  return value(
    await addBook(deps, librarian, {
      title: 'Dune',
      author: 'Herbert',
      isbn: null,
      price,
      copies,
      withdrawn: false,
    }),
  ).id;
}

async function requested(memberId: string, bookId: string): Promise<Rental> {
  return value(await requestRental(deps, librarian, { bookId, memberId }));
}

/** Step 1 as the saga runs it for a rental: its id is the instance id, its input says where it is. */
const check = (rental: Rental, start: Partial<{ memberId: string; bookId: string }> = {}) =>
  reserveCopyFor(deps, rental.id, { memberId: rental.memberId, bookId: rental.bookId, ...start });

/** Step 2, at the orchestrator's time `at`. */
const charge = (rental: Rental, at = '2026-03-01T10:00:00.000Z') => chargeAndApprove(deps, rental, at);

const points = async (memberId: string) => value(await getMember(deps, librarian, memberId)).points;
const available = async (bookId: string) => value(await getBook(deps, librarian, bookId)).available;

describe('check eligibility and take a copy (step 1)', () => {
  it('finds the REQUESTED rental the request recorded, with the title and price, and takes a copy for it, once', async () => {
    const bookId = await bookWith(2, 300);
    const rental = await requested(await memberWith(1000), bookId);
    expect(await check(rental)).toEqual({
      rental: expect.objectContaining({ status: 'REQUESTED', bookTitle: 'Dune', price: 300 }),
    });
    expect(await available(bookId)).toBe(1);
    // Run again (a retried activity): its own copy counts as its, no second copy is taken.
    expect(await check(rental)).toEqual({ rental: expect.objectContaining({ status: 'REQUESTED' }) });
    expect(await available(bookId)).toBe(1);
  });

  it('a member with 500 points asking for a 1000-point book → INSUFFICIENT_POINTS, and no copy taken', async () => {
    const bookId = await bookWith(1, 1000);
    const rental = await requested(await memberWith(500), bookId);
    expect(await check(rental)).toMatchObject({ reason: 'INSUFFICIENT_POINTS' });
    expect(await available(bookId)).toBe(1);
  });

  it('no copy left → BOOK_RENTED', async () => {
    const bookId = await bookWith(1, 300);
    const first = await requested(await memberWith(1000), bookId);
    const second = await requested(await memberWith(1000), bookId);
    expect(await check(first)).toEqual({ rental: expect.objectContaining({ id: first.id }) });
    expect(await check(second)).toMatchObject({ reason: 'BOOK_RENTED' });
    expect(await available(bookId)).toBe(0);
  });

  it('run again for a settled rental, answers the settled rental and no reason', async () => {
    const rental = await requested(await memberWith(1000), await bookWith(1, 300));
    await rejectRental(deps, rental, 'BOOK_RENTED');
    expect(await check(rental)).toEqual({
      rental: expect.objectContaining({ status: 'REJECTED', reason: 'BOOK_RENTED' }),
    });
  });

  it('refuses a start that matches no recorded rental (id, member or book), and records nothing', async () => {
    const memberId = await memberWith(1000);
    const other = await memberWith(1000);
    const bookId = await bookWith(1, 300);
    const rental = await requested(memberId, bookId);
    const otherBook = await bookWith(1, 300);
    const unrecorded = { ...rental, id: '00000000-0000-7000-8000-000000000000' };
    for (const start of [
      check(unrecorded),
      check(rental, { memberId: other }),
      check(rental, { bookId: otherBook }),
      // The member document is not a rental, whatever id a start gives.
      reserveCopyFor(deps, memberId, { memberId, bookId }),
    ]) {
      expect(await start).toEqual({ refused: expect.stringContaining('was requested') });
    }
    expect(await points(memberId)).toBe(1000);
    expect(await points(other)).toBe(1000);
    expect(await available(bookId)).toBe(1);
    expect(await available(otherBook)).toBe(1);
    expect(await readRental(deps, rental)).toMatchObject({ status: 'REQUESTED' });
    await expect(readRental(deps, unrecorded)).rejects.toThrow(/not recorded/);
  });
});

describe('charge and approve', () => {
  it('takes the price and approves, due 7 days on, once however often it runs', async () => {
    const memberId = await memberWith(1000);
    const rental = await requested(memberId, await bookWith(1, 300));
    const first = await charge(rental);
    expect(first).toEqual({
      ok: true,
      rental: expect.objectContaining({ status: 'APPROVED', dueAt: '2026-03-08T10:00:00.000Z' }),
    });
    expect(await charge(rental, '2026-03-02T10:00:00.000Z')).toEqual(first);
    expect(await points(memberId)).toBe(700);
  });

  it('never takes the balance below zero', async () => {
    const memberId = await memberWith(200);
    const rental = await requested(memberId, await bookWith(1, 300));
    expect(await charge(rental)).toEqual({ ok: false, reason: 'INSUFFICIENT_POINTS' });
    expect(await points(memberId)).toBe(200);
  });

  it('an unknown member → MEMBER_NOT_FOUND', async () => {
    // A request for a member that does not exist records nothing; the step still refuses one.
    const recorded = await requested(await memberWith(1000), await bookWith(1, 300));
    const rental = { ...recorded, memberId: randomUUID() };
    expect(await charge(rental)).toEqual({ ok: false, reason: 'MEMBER_NOT_FOUND' });
  });
});

describe('refund points (compensation)', () => {
  it('gives the price back exactly once, and says the points are back each time', async () => {
    const memberId = await memberWith(1000);
    const rental = await requested(memberId, await bookWith(1, 300));
    await charge(rental);
    expect(await refundPoints(deps, rental)).toBe(true);
    expect(await refundPoints(deps, rental)).toBe(true);
    expect(await points(memberId)).toBe(1000);
  });

  it('gives nothing back when nothing was taken, and says so', async () => {
    const memberId = await memberWith(1000);
    expect(await refundPoints(deps, await requested(memberId, await bookWith(1, 300)))).toBe(false);
    expect(await points(memberId)).toBe(1000);
  });

  it('a charge repeated after the refund takes nothing again, and approves nothing', async () => {
    const memberId = await memberWith(1000);
    const rental = await requested(memberId, await bookWith(1, 300));
    await deps.containers.members.batch(memberId, [
      {
        operationType: 'Create',
        resourceBody: {
          id: ledgerId('debit', rental.id),
          type: 'ledger',
          memberId,
          kind: 'debit',
          amount: 300,
          rentalId: rental.id,
          at: '2026-03-01T10:00:00.000Z',
        },
      },
    ]);
    expect(await refundPoints(deps, rental)).toBe(true);
    await expect(charge(rental)).rejects.toThrow(/charged before and is still REQUESTED/);
    expect(await readRental(deps, rental)).toMatchObject({ status: 'REQUESTED' });
  });
});

describe('reserve and release a copy', () => {
  it('never lends more copies than the book has', async () => {
    const bookId = await bookWith(2, 0);
    const memberId = await memberWith(0);
    const outcomes = await Promise.all(
      Array.from({ length: 5 }, async () => reserveCopy(deps, await requested(memberId, bookId))),
    );
    expect(outcomes.filter((o) => o.ok)).toHaveLength(2);
    expect(outcomes.filter((o) => !o.ok)).toEqual(Array(3).fill({ ok: false, reason: 'BOOK_RENTED' }));
    expect(await available(bookId)).toBe(0);
  });

  it('a repeated reserve holds one copy, and a repeated release frees it once (only the first says so)', async () => {
    const bookId = await bookWith(3, 0);
    const rental = await requested(await memberWith(0), bookId);
    expect(await reserveCopy(deps, rental)).toEqual({ ok: true });
    expect(await reserveCopy(deps, rental)).toEqual({ ok: true });
    expect(await available(bookId)).toBe(2);
    expect(await releaseCopy(deps, rental)).toBe(true);
    expect(await releaseCopy(deps, rental)).toBe(false);
    expect(await available(bookId)).toBe(3);
  });

  it('a withdrawn book → BOOK_UNAVAILABLE; an unknown book → BOOK_NOT_FOUND', async () => {
    const memberId = await memberWith(0);
    const withdrawn = value(
      await addBook(deps, librarian, {
        title: 'Old',
        author: 'A',
        isbn: null,
        price: 0,
        copies: 1,
        withdrawn: true,
      }),
    ).id;
    expect(await reserveCopy(deps, await requested(memberId, withdrawn))).toEqual({
      ok: false,
      reason: 'BOOK_UNAVAILABLE',
    });
    const recorded = await requested(memberId, await bookWith(1, 0));
    expect(await reserveCopy(deps, { ...recorded, bookId: randomUUID() })).toEqual({
      ok: false,
      reason: 'BOOK_NOT_FOUND',
    });
  });
});

describe('approve and reject', () => {
  it('a rental rejected already is neither charged nor approved: the charge answers it as it stands', async () => {
    const memberId = await memberWith(1000);
    const rental = await requested(memberId, await bookWith(1, 300));
    await rejectRental(deps, rental, 'BOOK_RENTED');
    expect(await charge(rental)).toEqual({
      ok: true,
      rental: expect.objectContaining({ status: 'REJECTED', reason: 'BOOK_RENTED' }),
    });
    expect(await points(memberId)).toBe(1000);
  });

  it('an approval that went through is seen by a read, and a late rejection does not undo it', async () => {
    const rental = await requested(await memberWith(1000), await bookWith(1, 300));
    expect(await readRental(deps, rental)).toMatchObject({ status: 'REQUESTED' });
    await charge(rental);
    expect(await readRental(deps, rental)).toMatchObject({ status: 'APPROVED' });
    expect(await rejectRental(deps, rental, 'PROCESSING_FAILED')).toMatchObject({ status: 'APPROVED' });
  });

  it('rejection records the reason once; a repeat answers the same rental', async () => {
    const rental = await requested(await memberWith(1000), await bookWith(1, 300));
    const rejected = await rejectRental(deps, rental, 'BOOK_RENTED');
    expect(rejected).toMatchObject({ status: 'REJECTED', reason: 'BOOK_RENTED' });
    expect(await rejectRental(deps, rental, 'PROCESSING_FAILED')).toEqual(rejected);
  });
});

describe('the loan kept on the member (borrowing limits)', () => {
  const memberDoc = (memberId: string) => deps.containers.members.read<MemberDoc>(memberId, memberId);

  it('the debit records the loan once; the refund takes it off once', async () => {
    const memberId = await memberWith(1000);
    const bookId = await bookWith(1, 300);
    const rental = await requested(memberId, bookId);
    await charge(rental);
    await charge(rental);
    expect(await memberDoc(memberId)).toMatchObject({
      onLoan: 1,
      loans: { [memberLoanKey(bookId)]: { rentalId: rental.id, bookId } },
    });
    await refundPoints(deps, rental);
    await refundPoints(deps, rental);
    expect(await memberDoc(memberId)).toMatchObject({ onLoan: 0, loans: {}, points: 1000 });
  });

  it('a member stored without loan bookkeeping gets it from its rentals on loan, then the limits hold', async () => {
    const memberId = await memberWith(1000);
    const onLoan = await requested(memberId, await bookWith(1, 100));
    // As stored before the member kept its loans: an approved rental, no onLoan and no loans.
    await deps.containers.members.patch(memberId, onLoan.id, [
      { op: 'set', path: '/status', value: 'APPROVED' },
      { op: 'set', path: '/dueAt', value: '2026-03-08T00:00:00.000Z' },
    ]);
    await deps.containers.members.patch(memberId, memberId, [
      { op: 'remove', path: '/onLoan' },
      { op: 'remove', path: '/loans' },
    ]);
    const again = await requested(memberId, onLoan.bookId);
    expect(await charge(again)).toEqual({ ok: false, reason: 'ALREADY_ON_LOAN' });
    const other = await requested(memberId, await bookWith(1, 100));
    expect(await charge(other)).toMatchObject({ ok: true });
    expect(await memberDoc(memberId)).toMatchObject({ onLoan: 2, points: 900 });
  });
});
