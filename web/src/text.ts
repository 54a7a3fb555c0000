// What the page says: reasons, statuses, money and dates in words a member or librarian reads.
import type { Schemas } from './api/client';

type Reason = NonNullable<Schemas['Rental']['reason']>;

/** Why a rental was refused, in plain words. */
export const reasonText: Record<Reason, string> = {
  INSUFFICIENT_POINTS:
    'You do not have enough points for this book. Deposit points on My page, then try again.',
  BOOK_RENTED: 'Every copy is on loan right now. Place a hold to be next when one comes back.',
  BOOK_ON_HOLD:
    'The copies on the shelf are kept for members whose hold is ready. Place a hold to join the queue.',
  BOOK_UNAVAILABLE: 'This book has been withdrawn from lending.',
  BOOK_NOT_FOUND: 'This book is no longer in the catalog.',
  MEMBER_NOT_FOUND: 'The library has no membership for you. Ask a librarian.',
  FEES_OUTSTANDING: 'You owe late fees above the limit. Pay them on My page to rent again.',
  LOAN_LIMIT: 'You have as many books on loan as a member may. Return one first.',
  ALREADY_ON_LOAN: 'You already have a copy of this book on loan.',
  PROCESSING_FAILED: 'The rental could not be processed. Nothing was charged; try again in a moment.',
};

export const rentalStatusText: Record<Schemas['RentalStatus'], string> = {
  REQUESTED: 'Waiting for approval',
  APPROVED: 'On loan',
  REJECTED: 'Refused',
  OVERDUE: 'Overdue',
  RETURNED: 'Returned',
};

export const bookStatusText: Record<Schemas['BookStatus'], string> = {
  AVAILABLE: 'Available',
  RENTED: 'All copies on loan',
  UNAVAILABLE: 'Withdrawn',
};

export const holdStatusText: Record<Schemas['HoldStatus'], string> = {
  WAITING: 'Waiting',
  READY: 'Ready to collect',
  FULFILLED: 'Collected',
  CANCELLED: 'Cancelled',
  EXPIRED: 'Expired',
};

const dateFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
const dayFormat = new Intl.DateTimeFormat('en-GB', { dateStyle: 'medium' });

export const when = (iso: string): string => dateFormat.format(new Date(iso));
export const day = (iso: string): string => dayFormat.format(new Date(iso));
export const won = (amount: number): string => `${amount.toLocaleString('en')} KRW`;
export const points = (amount: number): string => `${amount.toLocaleString('en')} points`;

/** The language of a title or a name: Korean when it holds Hangul (so screen readers say it right). */
export function langOf(text: string | null | undefined): string | undefined {
  return text && /[\u1100-\u11ff\u3130-\u318f\uac00-\ud7af]/.test(text) ? 'ko' : undefined;
}
