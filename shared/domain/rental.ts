// A rental and its life: REQUESTED → APPROVED | REJECTED (with a reason); APPROVED → OVERDUE →
// RETURNED (or APPROVED → RETURNED directly).

export const RENTAL_STATUSES = ['REQUESTED', 'APPROVED', 'REJECTED', 'OVERDUE', 'RETURNED'] as const;

export type RentalStatus = (typeof RENTAL_STATUSES)[number];

export const REJECTION_REASONS = [
  'BOOK_RENTED',
  'BOOK_UNAVAILABLE',
  'INSUFFICIENT_POINTS',
  'MEMBER_NOT_FOUND',
  'BOOK_NOT_FOUND',
  // Not a business rule: a step kept failing after its retries, so the saga undid what it had done.
  'PROCESSING_FAILED',
] as const;

export type RejectionReason = (typeof REJECTION_REASONS)[number];

export interface Rental {
  id: string;
  memberId: string;
  bookId: string;
  /** The book's title when the rental was recorded (null when the book did not exist). */
  bookTitle: string | null;
  /** Points charged, fixed when the rental was recorded. */
  price: number;
  status: RentalStatus;
  reason?: RejectionReason;
  requestedAt: string;
  approvedAt?: string;
  dueAt?: string;
  returnedAt?: string;
  lateDays?: number;
  fee?: number;
}

export const DEFAULT_LOAN_DAYS = 7;

const DAY_MS = 24 * 60 * 60 * 1000;

/** Due date: the approval time plus the loan period. */
export function dueDate(approvedAt: string, loanDays: number): string {
  return new Date(Date.parse(approvedAt) + loanDays * DAY_MS).toISOString();
}

/** A copy is out with the member (and must come back) in these states. */
export function isOnLoan(status: RentalStatus): boolean {
  return status === 'APPROVED' || status === 'OVERDUE';
}

/**
 * Why a rental cannot go ahead, checked in this order: who, what, whether it may be lent, whether a
 * copy is free, whether the member can pay. undefined: eligible.
 */
export function ineligibility(
  member: { points: number } | undefined,
  book: { available: number; withdrawn: boolean } | undefined,
  price: number,
): RejectionReason | undefined {
  if (!member) return 'MEMBER_NOT_FOUND';
  if (!book) return 'BOOK_NOT_FOUND';
  if (book.withdrawn) return 'BOOK_UNAVAILABLE';
  if (book.available <= 0) return 'BOOK_RENTED';
  if (member.points < price) return 'INSUFFICIENT_POINTS';
  return undefined;
}

/**
 * Where a rental goes on the librarian's board, as a sortable key: loans first by due date (so the
 * overdue ones, due earliest, lead), then requests still open, then settled rentals by request time.
 */
export function boardOrder(rental: { status: RentalStatus; dueAt?: string; requestedAt: string }): string {
  if (isOnLoan(rental.status) && rental.dueAt !== undefined) return `0|${rental.dueAt}`;
  if (rental.status === 'REQUESTED') return `1|${rental.requestedAt}`;
  return `2|${rental.requestedAt}`;
}
