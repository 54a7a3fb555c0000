// A review's rules and a book's rating.
import { describe, expect, it } from 'vitest';
import { isValidRating, isValidReviewText, ratingOf } from '../../shared/domain/review';

describe('reviews', () => {
  it('a rating is a whole number from 1 to 5; the text at most 2000 characters', () => {
    expect([0, 1, 5, 6, 2.5].map(isValidRating)).toEqual([false, true, true, false, false]);
    expect(isValidReviewText('x'.repeat(2000))).toBe(true);
    expect(isValidReviewText('x'.repeat(2001))).toBe(false);
  });

  it('the rating is the average to two decimals, null with no review', () => {
    expect(ratingOf([])).toEqual({ average: null, count: 0 });
    expect(ratingOf([4, 5, 5])).toEqual({ average: 4.67, count: 3 });
  });
});
