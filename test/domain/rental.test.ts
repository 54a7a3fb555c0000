import { describe, expect, it } from 'vitest';
import { dueDate, ineligibility, isOnLoan } from '../../shared/domain/rental';

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
