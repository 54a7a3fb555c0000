import { describe, expect, it } from 'vitest';
import { feePaymentRefusal } from '../../shared/domain/member';
import {
  borrowerIneligibility,
  dueDate,
  ineligibility,
  isOnLoan,
  renewalRefusal,
} from '../../shared/domain/rental';

describe('due date', () => {
  it('is the approval time plus the loan period', () => {
    expect(dueDate('2026-03-01T09:30:00.000Z', 7)).toBe('2026-03-08T09:30:00.000Z');
    expect(dueDate('2026-03-01T09:30:00.000Z', 14)).toBe('2026-03-15T09:30:00.000Z');
  });
});

describe('who may rent what', () => {
  const member = { points: 1000 };
  const free = { available: 1, withdrawn: false };

  it('a member with enough points renting a free copy is eligible', () => {
    expect(ineligibility(member, free, 1000)).toBeUndefined();
  });

  it('a member with 500 points renting a 1000-point book → INSUFFICIENT_POINTS', () => {
    expect(ineligibility({ points: 500 }, free, 1000)).toBe('INSUFFICIENT_POINTS');
  });

  it('no free copy → BOOK_RENTED; withdrawn → BOOK_UNAVAILABLE (even with copies free)', () => {
    expect(ineligibility(member, { available: 0, withdrawn: false }, 10)).toBe('BOOK_RENTED');
    expect(ineligibility(member, { available: 2, withdrawn: true }, 10)).toBe('BOOK_UNAVAILABLE');
  });

  it('an unknown member or book is named first', () => {
    expect(ineligibility(undefined, undefined, 10)).toBe('MEMBER_NOT_FOUND');
    expect(ineligibility(member, undefined, 10)).toBe('BOOK_NOT_FOUND');
  });
});

describe('on loan', () => {
  it('means APPROVED or OVERDUE', () => {
    expect(
      ['REQUESTED', 'APPROVED', 'REJECTED', 'OVERDUE', 'RETURNED'].filter((s) => isOnLoan(s as never)),
    ).toEqual(['APPROVED', 'OVERDUE']);
  });
});

describe('borrowing limits', () => {
  const limits = { maxLoans: 5, feeBlockThreshold: 2000 };
  const book = { available: 1, withdrawn: false };
  it.each([
    [{ points: 1000, feesOwed: 2001 }, 'FEES_OUTSTANDING'],
    [{ points: 1000, feesOwed: 2000 }, undefined],
    [{ points: 1000, onLoan: 5 }, 'LOAN_LIMIT'],
    [{ points: 1000, onLoan: 4 }, undefined],
    [{ points: 1000, holdsBook: true }, 'ALREADY_ON_LOAN'],
    [{ points: 0, feesOwed: 5000, onLoan: 5, holdsBook: true }, 'FEES_OUTSTANDING'],
    [{ points: 0, onLoan: 5, holdsBook: true }, 'ALREADY_ON_LOAN'],
    [{ points: 0, onLoan: 5 }, 'LOAN_LIMIT'],
  ])('%o → %s', (member, reason) => {
    expect(borrowerIneligibility(member, limits)).toBe(reason);
    expect(ineligibility(member, book, 100, limits)).toBe(
      reason ?? (member.points < 100 ? 'INSUFFICIENT_POINTS' : undefined),
    );
  });

  it('a book with no copy free is BOOK_RENTED only for a member the limits allow', () => {
    expect(ineligibility({ points: 1000, onLoan: 5 }, { available: 0, withdrawn: false }, 100, limits)).toBe(
      'LOAN_LIMIT',
    );
    expect(ineligibility({ points: 1000 }, { available: 0, withdrawn: false }, 100, limits)).toBe(
      'BOOK_RENTED',
    );
  });
});

describe('paying fees from points', () => {
  it.each([
    [{ points: 1000, feesOwed: 500 }, 500, undefined],
    [{ points: 1000, feesOwed: 500 }, 501, 'more-than-owed'],
    [{ points: 300, feesOwed: 500 }, 301, 'insufficient-points'],
    [{ points: 300, feesOwed: 500 }, 300, undefined],
  ])('%o paying %i → %s', (member, amount, refusal) => {
    expect(feePaymentRefusal(member, amount)).toBe(refusal);
  });
});

describe('renewal', () => {
  const due = '2026-03-08T00:00:00.000Z';
  it.each([
    [{ status: 'APPROVED' as const, dueAt: due }, '2026-03-08T00:00:00.000Z', undefined],
    [{ status: 'APPROVED' as const, dueAt: due, renewals: 1 }, '2026-03-01T00:00:00.000Z', undefined],
    [{ status: 'APPROVED' as const, dueAt: due, renewals: 2 }, '2026-03-01T00:00:00.000Z', 'renewal-limit'],
    [{ status: 'APPROVED' as const, dueAt: due }, '2026-03-08T00:00:00.001Z', 'overdue'],
    [{ status: 'OVERDUE' as const, dueAt: due }, '2026-03-01T00:00:00.000Z', 'overdue'],
    [{ status: 'RETURNED' as const, dueAt: due }, '2026-03-01T00:00:00.000Z', 'not-on-loan'],
    [{ status: 'REQUESTED' as const }, '2026-03-01T00:00:00.000Z', 'not-on-loan'],
  ])('%o at %s → %s', (rental, now, refusal) => {
    expect(renewalRefusal(rental, now, 2)).toBe(refusal);
  });
});
