// A member's review of a book it has returned: a rating of 1 to 5 and a text. One per member and
// book; the catalog shows each book's average rating.
import { isPlainText } from './text';

export const MIN_RATING = 1;
export const MAX_RATING = 5;
export const MAX_REVIEW_TEXT = 2000;

export interface Review {
  id: string;
  bookId: string;
  memberId: string;
  rating: number;
  text: string;
  postedAt: string;
  updatedAt: string;
}

/** A book's rating: the average of its reviews' ratings (null with none), and how many there are. */
export interface Rating {
  average: number | null;
  count: number;
}

export function isValidRating(rating: number): boolean {
  return Number.isInteger(rating) && rating >= MIN_RATING && rating <= MAX_RATING;
}

export function isValidReviewText(text: string): boolean {
  return text.length <= MAX_REVIEW_TEXT && isPlainText(text);
}

/** The rating of a set of reviews, the average to two decimals. */
export function ratingOf(ratings: readonly number[]): Rating {
  if (ratings.length === 0) return { average: null, count: 0 };
  const sum = ratings.reduce((a, b) => a + b, 0);
  return { average: Math.round((sum / ratings.length) * 100) / 100, count: ratings.length };
}
