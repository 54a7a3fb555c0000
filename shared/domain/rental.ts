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
  // The member owes more late fees than the threshold allows (FEE_BLOCK_THRESHOLD).
  'FEES_OUTSTANDING',
  // The member already has as many books on loan as allowed (MAX_LOANS).
  'LOAN_LIMIT',
  // The member already has a copy of this book on loan.
  'ALREADY_ON_LOAN',
  // No copy is free, and the copies on the shelf are kept for members whose hold is READY.
  'BOOK_ON_HOLD',
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
  /** How many times the loan was renewed (absent: never). */
  renewals?: number;
}

export const DEFAULT_LOAN_DAYS = 7;
export const DEFAULT_MAX_LOANS = 5;
export const DEFAULT_FEE_BLOCK_THRESHOLD = 2000;
export const DEFAULT_MAX_RENEWALS = 2;

/** What a member may borrow: how many books at once, and how much in late fees may be owed. */
export interface BorrowingLimits {
  maxLoans: number;
  /** Fees owed above this block renting (KRW). */
  feeBlockThreshold: number;
}

/** What the limits look at on the member: fees owed, and the books it has on loan. */
export interface BorrowerStanding {
  points: number;
  feesOwed?: number;
  /** How many books are on loan (absent: none recorded). */
  onLoan?: number;
  /** Whether the member has a copy of the requested book on loan. */
  holdsBook?: boolean;
}

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
 * Why a rental cannot go ahead, checked in this order: who, what, whether it may be lent, whether the
 * member may borrow (`borrowerIneligibility`, when limits are given), whether a copy is free, whether
 * the member can pay. undefined: eligible.
 */
export function ineligibility(
  member: BorrowerStanding | undefined,
  book:
    | {
        available: number;
        withdrawn: boolean;
        /** Copies set aside for READY holds. */
        held?: number;
        /** Whether one of those is set aside for this member. */
        heldForMember?: boolean;
      }
    | undefined,
  price: number,
  limits?: BorrowingLimits,
): RejectionReason | undefined {
  if (!member) return 'MEMBER_NOT_FOUND';
  if (!book) return 'BOOK_NOT_FOUND';
  if (book.withdrawn) return 'BOOK_UNAVAILABLE';
  const barred = limits && borrowerIneligibility(member, limits);
  if (barred) return barred;
  if (book.available <= 0 && !book.heldForMember)
    return (book.held ?? 0) > 0 ? 'BOOK_ON_HOLD' : 'BOOK_RENTED';
  if (member.points < price) return 'INSUFFICIENT_POINTS';
  return undefined;
}

/**
 * Why this member may not borrow at all, or not this book: fees owed above the threshold, a copy of
 * the book already on loan, the loan limit reached. undefined: the limits allow it.
 */
export function borrowerIneligibility(
  member: BorrowerStanding,
  limits: BorrowingLimits,
): 'FEES_OUTSTANDING' | 'ALREADY_ON_LOAN' | 'LOAN_LIMIT' | undefined {
  if ((member.feesOwed ?? 0) > limits.feeBlockThreshold) return 'FEES_OUTSTANDING';
  if (member.holdsBook) return 'ALREADY_ON_LOAN';
  if ((member.onLoan ?? 0) >= limits.maxLoans) return 'LOAN_LIMIT';
  return undefined;
}

/**
 * Why a loan cannot be renewed now (`now` an ISO time): it is not on loan, it is overdue (marked so, or
 * past its due date), or it was renewed `maxRenewals` times already. undefined: it can.
 */
export function renewalRefusal(
  rental: { status: RentalStatus; dueAt?: string; renewals?: number },
  now: string,
  maxRenewals: number,
): 'not-on-loan' | 'overdue' | 'renewal-limit' | undefined {
  if (!isOnLoan(rental.status) || rental.dueAt === undefined) return 'not-on-loan';
  if (rental.status === 'OVERDUE' || Date.parse(now) > Date.parse(rental.dueAt)) return 'overdue';
  if ((rental.renewals ?? 0) >= maxRenewals) return 'renewal-limit';
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
