// How the app's aggregates are stored (see docs/decisions/0001-partition-keys.md) and how a stored
// document becomes what the API shows.
import { createHash } from 'node:crypto';
import { bookStatus, type BookState, type BookStatus } from '../domain/book';
import type { QueuedHold } from '../domain/hold';
import type { Member } from '../domain/member';
import type { Rental } from '../domain/rental';
import type { Rating, Review } from '../domain/review';
import type { BookOutbox, CarriesEvents } from './outbox';
import type { Doc, Stored } from './ports';

export const DATABASE_ID = 'rentbook';

/** `books`, partition key `/id`: the book, its copy counter and its loans. */
export interface BookDoc extends Doc, BookState {
  type: 'book';
  /** Copies out, by `loanKey(rentalId)`: reserving and releasing a copy is a conditional patch of this map. */
  loans: Record<string, { rentalId: string; memberId: string; at: string }>;
  /** Lower-case title, author and ISBN: what `q` searches. */
  search: string;
  createdAt: string;
  /** Events written with the book and not relayed yet (see ./outbox.ts). */
  outbox?: BookOutbox;
  /**
   * The hold queue, by `memberHoldKey(memberId)`: present only while someone holds the book, so a
   * rent or return of a book no one holds is one conditional patch (docs/decisions/0008-holds.md).
   */
  holds?: Record<string, QueuedHold>;
  /** The `seq` of the last hold placed on this book. */
  holdSeq?: number;
  /** Grows by one with every change of the queue: how the holds view tells newer from older. */
  holdsVersion?: number;
  /** The earliest `readyUntil` of a READY hold: what the `holds-expiry` timer finds due books by. */
  nextReadyUntil?: string;
  /** Kept from the reviews by the projector (./reviews.ts); absent: no review yet. */
  rating?: Rating;
}

/** `books`: what a removed book leaves until its `rentbook.book.removed` event is relayed. */
export interface RemovedBookDoc extends Doc {
  type: 'removed-book';
  outbox: BookOutbox;
}

/** A stored item of `books` is a book unless it is the tombstone of a removed one. */
export function isBook<T extends { type?: unknown }>(doc: T | undefined): doc is T & { type: 'book' } {
  return doc !== undefined && doc.type === 'book';
}

/** `members`, partition key `/memberId`: the member document (id = memberId). */
export interface MemberDoc extends Doc {
  type: 'member';
  memberId: string;
  name: string;
  /** Lower-case name: what `q` searches. */
  search: string;
  phone: string | null;
  points: number;
  feesOwed: number;
  /**
   * Books on loan, and which: kept by the saga's debit (added), its refund and the return (removed),
   * so one conditional patch can enforce the borrowing limits however many rents race.
   */
  onLoan?: number;
  /** By `memberLoanKey(bookId)`: the rental holding a copy of that book. */
  loans?: Record<string, { rentalId: string; bookId: string }>;
  createdAt: string;
  /** Grows by one with every write: how the views tell a newer version from an older one. */
  version?: number;
}

/**
 * `members`, partition key `/memberId`: a rental lives with its member (id = rentalId). Its last
 * write (the return, or the rejection) carries that write's event (`events`, ./outbox.ts).
 */
export interface RentalDoc extends Doc, Rental, CarriesEvents {
  type: 'rental';
  /**
   * When the overdue timer must next look at this loan (./overdue.ts): a day before it is due, when
   * it falls due, then at each reminder; null once it is no longer on loan. The timer finds the loans
   * to look at by a range on this field alone, so its cost grows with the loans due, not all loans.
   */
  dueCheckAt?: string | null;
  /** Grows by one with every write: how the views tell a newer version from an older one. */
  version?: number;
}

/**
 * `members`, partition key `/memberId`: where a hold was placed (id = holdId), so a hold is found by
 * its id. The hold itself (its status, its place) is in its book's queue.
 */
export interface HoldDoc extends Doc {
  type: 'hold';
  memberId: string;
  bookId: string;
  placedAt: string;
}

/**
 * `members`, partition key `/memberId`: a member's review of a book (id derived from book and member:
 * one per pair). A removed review stays as a tombstone (`removedAt`, then expires) so the change feed,
 * which carries no deletions, tells the rating projector.
 */
export interface ReviewDoc extends Doc, Review {
  type: 'review';
  /** Grows by one with every write; keys the write's event. */
  version: number;
  removedAt?: string;
  ttl?: number;
}

export type LedgerKind = 'debit' | 'refund' | 'deposit' | 'fee-payment';

/**
 * `members`, partition key `/memberId`: one points movement. Its id is its idempotency key
 * (`debit:<rentalId>`, `refund:<rentalId>`, `deposit:<key>`), so creating it twice fails with 409.
 * Written once and never again, it carries the events of the write that created it (./outbox.ts).
 */
export interface LedgerDoc extends Doc, CarriesEvents {
  type: 'ledger';
  memberId: string;
  kind: LedgerKind;
  amount: number;
  at: string;
  rentalId?: string;
  /** The balance right after this movement (the answer a repeated deposit gives again). */
  pointsAfter?: number;
  /** A fee payment: the fees owed right after it. */
  feesOwedAfter?: number;
  /** A debit that also recorded the loan on the member (`MemberDoc.loans`): its key there. */
  memberLoanKey?: string;
}

/**
 * `members`, partition key `/memberId` holding the caller's subject (`member:<id>`,
 * `librarian:<name>`): an Idempotency-Key bound to the request it first came with. Kept with the
 * caller rather than with what the request touches, so one key is one record whatever it names.
 */
export interface IdempotencyKeyDoc extends Doc {
  type: 'idempotency-key';
  memberId: string;
  /** sha256 of the route, the caller and the canonical body. */
  fingerprint: string;
  route: string;
  at: string;
}

export function ledgerId(kind: LedgerKind, key: string): string {
  return `${kind}:${key}`;
}

/** A book as the API shows it. */
export interface Book {
  id: string;
  title: string;
  author: string;
  isbn: string | null;
  price: number;
  copies: number;
  available: number;
  status: BookStatus;
  rating: Rating;
  etag: string;
}

export function toBook(doc: Stored<BookDoc>): Book {
  return {
    id: doc.id,
    title: doc.title,
    author: doc.author,
    isbn: doc.isbn,
    price: doc.price,
    copies: doc.copies,
    available: doc.available,
    status: bookStatus(doc),
    rating: doc.rating ?? { average: null, count: 0 },
    etag: bookEtag(doc),
  };
}

export function memberSearchText(member: Pick<Member, 'name'>): string {
  return member.name.toLowerCase();
}

/**
 * The book's HTTP entity tag: a digest of what the API shows of it, so it changes when the book
 * does (an edit, a copy lent or returned) and not when only bookkeeping does (the outbox relay
 * clearing a relayed event).
 */
export function bookEtag(doc: BookDoc): string {
  const shown = [doc.title, doc.author, doc.isbn, doc.price, doc.copies, doc.available, doc.withdrawn];
  return `"${createHash('sha256').update(JSON.stringify(shown)).digest('base64url').slice(0, 22)}"`;
}

export function bookSearchText(book: Pick<BookState, 'title' | 'author' | 'isbn'>): string {
  return [book.title, book.author, book.isbn ?? ''].join('\n').toLowerCase();
}

export function toMember(doc: MemberDoc): Member {
  return { id: doc.memberId, name: doc.name, phone: doc.phone, points: doc.points, feesOwed: doc.feesOwed };
}

/** A rental as the API shows it: the stored fields without storage bookkeeping. */
export function toRental(doc: RentalDoc): Rental {
  const rental: Rental = {
    id: doc.id,
    memberId: doc.memberId,
    bookId: doc.bookId,
    bookTitle: doc.bookTitle,
    price: doc.price,
    status: doc.status,
    requestedAt: doc.requestedAt,
  };
  return withDefined(rental, doc, [...RENTAL_OUTCOME_FIELDS, 'renewals']);
}

/** A rental's fields that appear as it moves on (approval, rejection, return). */
export const RENTAL_OUTCOME_FIELDS = [
  'reason',
  'approvedAt',
  'dueAt',
  'returnedAt',
  'lateDays',
  'fee',
] as const satisfies readonly (keyof Rental)[];

/** `target` with each of `keys` that `source` has (a field `source` lacks stays absent, never `undefined`). */
export function withDefined<T extends object, K extends keyof T>(
  target: T,
  source: { readonly [P in K]?: T[P] },
  keys: readonly K[],
): T {
  for (const key of keys) {
    const value = source[key];
    if (value !== undefined) target[key] = value as T[K];
  }
  return target;
}

export interface ContainerSettings {
  id: string;
  partitionKeyPath: string;
  /** Fields the app filters or sorts on: index hints for the local store (Cosmos indexes every path). */
  indexedPaths: string[];
  /**
   * Fields the app filters on but never sorts by alone: the local store indexes only the items that
   * have them, so writing an item without them (an outbox item, a ledger entry) costs nothing there.
   */
  filterOnlyPaths?: string[];
  /** Seconds items live after their last write; -1: TTL on, items expire only by their own `ttl`. */
  defaultTtl?: number;
}

/** How long a notice stays in the inbox after its last write: a year. */
export const NOTICE_TTL_SECONDS = 365 * 24 * 60 * 60;

export const containerDefinitions: Record<
  'members' | 'books' | 'views' | 'deadLetters' | 'notices',
  ContainerSettings
> = {
  members: {
    id: 'members',
    partitionKeyPath: '/memberId',
    // TTL on, nothing expires unless it says so: sent outbox items do.
    defaultTtl: -1,
    // `id`: a rental by id across members; `type`: a member's history, the rentals left REQUESTED.
    indexedPaths: ['id', 'type'],
    // Rentals' and reviews' fields, absent from the other items: `status`: the rental board, and
    // with `requestedAt` the rentals left REQUESTED; `dueCheckAt`: the loans the overdue timer must
    // look at now; `bookId`: a book's reviews, and the board by book.
    filterOnlyPaths: ['status', 'requestedAt', 'dueCheckAt', 'bookId'],
  },
  books: {
    id: 'books',
    partitionKeyPath: '/id',
    defaultTtl: -1,
    indexedPaths: ['title', 'withdrawn', 'available'],
    // `nextReadyUntil`: the books whose READY holds are due, for the `holds-expiry` timer.
    filterOnlyPaths: ['nextReadyUntil'],
  },
  // The read models (./views.ts), kept by change-feed projectors.
  views: {
    id: 'views',
    partitionKeyPath: '/memberId',
    indexedPaths: ['kind'],
    // The hold views' fields, absent from the members' views: the holds of a book, those active.
    filterOnlyPaths: ['status', 'bookId'],
  },
  // Changes a consumer failed on past its retries, kept for an admin to replay (./dead-letters.ts).
  deadLetters: {
    id: 'dead-letters',
    partitionKeyPath: '/consumer',
    indexedPaths: ['consumer', 'failedAt'],
  },
  // Each member's inbox: one item per notice (./notices.ts), kept a year after its last write.
  notices: {
    id: 'notices',
    partitionKeyPath: '/memberId',
    defaultTtl: NOTICE_TTL_SECONDS,
    indexedPaths: ['createdAt'],
  },
};

/** The key of a book's entry in a member's `loans` map: a plain identifier, so it works as a query field. */
export function memberLoanKey(bookId: string): string {
  return 'b' + createHash('sha256').update(bookId).digest('hex').slice(0, 32);
}

/** The key of a member's entry in a book's `holds` map: a plain identifier, so it works as a query field. */
export function memberHoldKey(memberId: string): string {
  return 'm' + createHash('sha256').update(memberId).digest('hex').slice(0, 32);
}

/** The key of a rental's entry in a book's `loans` map: a plain identifier, so it works as a query field. */
export function loanKey(rentalId: string): string {
  return 'r' + rentalId.replace(/-/g, '');
}
