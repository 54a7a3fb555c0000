// The borrow saga's input and its activities' inputs are checked before anything runs; a wrong shape
// fails naming the activity and every wrong field.
import { describe, expect, it } from 'vitest';
import {
  approveInput,
  parseInput,
  rejectInput,
  releaseInput,
  rental,
  reserveInput,
  sagaStart,
} from '../../functions/lib/rental-saga-schemas';

const recorded = {
  id: '01a22c89-7b13-7000-8219-7340a9d7346a',
  memberId: 'm1',
  bookId: 'b1',
  bookTitle: 'Dune',
  price: 300,
  status: 'REQUESTED',
  requestedAt: '2026-03-01T10:00:00.000Z',
};

describe('the saga input', () => {
  it('keeps only where the rental is: a forged price or status is dropped', () => {
    expect(parseInput(sagaStart, { ...recorded, price: -1_000_000 }, 'rental-saga')).toEqual({
      memberId: 'm1',
      bookId: 'b1',
    });
  });

  it('refuses anything else, naming the saga and the field', () => {
    expect(() => parseInput(sagaStart, 'a string', 'rental-saga')).toThrow(
      /^rental-saga: the input is not valid/,
    );
    expect(() => parseInput(sagaStart, { memberId: 7, bookId: '' }, 'rental-saga')).toThrow(
      /memberId: Expected string, received number; bookId: String must contain at least 1 character/,
    );
    expect(() => parseInput(reserveInput, { memberId: 'm1', bookId: 'b1' }, 'check')).toThrow(
      /^check: the input is not valid: rentalId: Required$/,
    );
  });

  it('a release names the rental and its book, and nothing else is kept', () => {
    expect(parseInput(releaseInput, recorded, 'release')).toEqual({ id: recorded.id, bookId: 'b1' });
    expect(() => parseInput(releaseInput, { id: 'r1' }, 'release')).toThrow(
      /^release: the input is not valid: bookId: Required$/,
    );
  });
});

describe('activity inputs', () => {
  it('a rental with a negative, fractional or missing price is refused', () => {
    for (const price of [-1_000_000, -1, 1.5, Number.NaN, undefined]) {
      expect(() => parseInput(rental, { ...recorded, price }, 'rental-saga-debit-points')).toThrow(
        /^rental-saga-debit-points: the input is not valid: price/,
      );
    }
    expect(parseInput(rental, recorded, 'rental-saga-debit-points')).toEqual(recorded);
  });

  it('an unknown status or reason, or a time that is not one, is refused', () => {
    expect(() => parseInput(rental, { ...recorded, status: 'STOLEN' }, 'read')).toThrow(/status/);
    expect(() => parseInput(rejectInput, { rental: recorded, reason: 'BECAUSE' }, 'reject')).toThrow(
      /reason/,
    );
    expect(() => parseInput(approveInput, { rental: recorded, approvedAt: 'tomorrow' }, 'approve')).toThrow(
      /approvedAt/,
    );
    expect(
      parseInput(approveInput, { rental: recorded, approvedAt: '2026-03-01T10:00:01.000Z' }, 'approve'),
    ).toMatchObject({ approvedAt: '2026-03-01T10:00:01.000Z' });
  });
});
