// Reviews: a member who has returned a book rates it (1 to 5) with a text; one review per member and
// book, posting again replaces it. A review lives with its member (`members`, the member's
// partition), so "has returned this book" is checked in the same partition and the review and its
// event are one batch. Each book's rating is kept from the change feed (`projectRatings`), never
// computed when a book is read.
import { ratingOf, type Review } from '../domain/review';
import { denial, type Caller } from './authorization';
import { newEvent, type DomainEvent } from './events';
import { idFromKey } from './ids';
import { outboxCreate } from './outbox';
import { fail, ok, type Outcome } from './outcome';
import { isDocumentError, type AppDeps, type BatchOperation, type Filter, type Stored } from './ports';
import { isBook, type BookDoc, type RentalDoc, type ReviewDoc } from './records';
import { nowIso } from './time';
import { listPage } from './paging';

const MAX_ATTEMPTS = 20;
/** How long a removed review's tombstone stays (seconds): long enough for the projector to see it. */
const REMOVED_REVIEW_TTL_SECONDS = 7 * 24 * 60 * 60;

export interface ReviewPage {
  items: Review[];
  continuation: string | null;
}

/** The review as posted, and whether it is new (201) or replaced one (200). */
export interface PostedReview {
  review: Review;
  created: boolean;
}

/**
 * Posts the caller's review of a book it has returned (403 otherwise), or replaces its earlier one.
 * The review's id is derived from book and member, so there is one per pair however often and
 * however concurrently it is posted; a replacement is written only over the version it read.
 */
export async function postReview(
  deps: AppDeps,
  caller: Caller,
  bookId: string,
  input: { rating: number; text: string },
): Promise<Outcome<PostedReview>> {
  const denied = denial(caller, 'reviews.post');
  if (denied || caller.role !== 'member') return denied ?? fail('forbidden', 'forbidden', 'Members only.');
  const { memberId } = caller;
  const { members, books } = deps.containers;
  const [book, returned] = await Promise.all([
    books.read<BookDoc>(bookId, bookId),
    members.query<RentalDoc>({
      partitionKey: memberId,
      where: [
        { field: 'type', op: '=', value: 'rental' },
        { field: 'bookId', op: '=', value: bookId },
        { field: 'status', op: '=', value: 'RETURNED' },
      ],
      limit: 1,
    }),
  ]);
  if (!isBook(book)) return fail('not-found', 'book-not-found', `There is no book with id ${bookId}.`);
  if (returned.items.length === 0) {
    return fail('forbidden', 'not-returned', 'Only a member who has returned this book may review it.');
  }
  const id = idFromKey('review', bookId, memberId);
  for (let attempt = 1; ; attempt++) {
    const at = nowIso(deps.clock);
    const current = await members.read<ReviewDoc>(memberId, id);
    const created = current === undefined || current.removedAt !== undefined;
    const version = (current?.version ?? 0) + 1;
    const doc: ReviewDoc = {
      id,
      type: 'review',
      bookId,
      memberId,
      rating: input.rating,
      text: input.text,
      postedAt: created ? at : current.postedAt,
      updatedAt: at,
      version,
    };
    const write: BatchOperation = current
      ? { operationType: 'Replace', id, resourceBody: { ...doc }, ifMatch: current._etag }
      : { operationType: 'Create', resourceBody: { ...doc } };
    const type = created ? 'rentbook.review.posted' : 'rentbook.review.updated';
    const event = newEvent(
      type,
      { subject: `reviews/${id}`, at, key: String(version) },
      {
        reviewId: id,
        bookId,
        memberId,
        rating: input.rating,
      },
    );
    const [written] = await members.batch(memberId, [write, outboxCreate(memberId, event)]);
    if (written.statusCode < 300) return ok({ review: toReview(doc), created });
    if (![409, 412, 404].includes(written.statusCode) || attempt >= MAX_ATTEMPTS) {
      throw new Error(`Posting review ${id} failed: ${written.statusCode}`);
    }
  }
}

/** Removes a review (its author or a librarian). */
export async function removeReview(deps: AppDeps, caller: Caller, reviewId: string): Promise<Outcome<null>> {
  const denied = denial(caller, 'reviews.delete');
  if (denied) return denied;
  const { members } = deps.containers;
  for (let attempt = 1; ; attempt++) {
    const page = await members.query<ReviewDoc>({
      where: [
        { field: 'id', op: '=', value: reviewId },
        { field: 'type', op: '=', value: 'review' },
        { field: 'removedAt', op: 'notExists' },
      ],
      limit: 1,
    });
    const doc = page.items[0];
    if (!doc) return fail('not-found', 'review-not-found', `There is no review with id ${reviewId}.`);
    const refused = denial(caller, 'reviews.delete', doc);
    if (refused) return refused;
    const at = nowIso(deps.clock);
    const version = doc.version + 1;
    const event: DomainEvent = newEvent(
      'rentbook.review.removed',
      { subject: `reviews/${reviewId}`, at, key: String(version) },
      {
        reviewId,
        bookId: doc.bookId,
        memberId: doc.memberId,
      },
    );
    const [removed] = await members.batch(doc.memberId, [
      {
        operationType: 'Patch',
        id: reviewId,
        ifMatch: doc._etag,
        operations: [
          { op: 'set', path: '/removedAt', value: at },
          { op: 'set', path: '/ttl', value: REMOVED_REVIEW_TTL_SECONDS },
          { op: 'set', path: '/version', value: version },
        ],
      },
      outboxCreate(doc.memberId, event),
    ]);
    if (removed.statusCode < 300) return ok(null);
    if (![412, 404].includes(removed.statusCode) || attempt >= MAX_ATTEMPTS) {
      throw new Error(`Removing review ${reviewId} failed: ${removed.statusCode}`);
    }
  }
}

/** A book's reviews, newest first, a page at a time (anyone). */
export async function listReviews(
  deps: AppDeps,
  caller: Caller,
  bookId: string,
  query: { limit: number; continuation?: string },
): Promise<Outcome<ReviewPage>> {
  const denied = denial(caller, 'reviews.list');
  if (denied) return denied;
  const book = await deps.containers.books.read<BookDoc>(bookId, bookId);
  if (!isBook(book)) return fail('not-found', 'book-not-found', `There is no book with id ${bookId}.`);
  return listPage(
    () =>
      deps.containers.members.query<ReviewDoc>({
        where: reviewsOf(bookId),
        orderBy: [{ field: 'updatedAt', direction: 'desc' }],
        limit: query.limit,
        continuation: query.continuation,
      }),
    toReview,
  );
}

/**
 * Keeps the rating of each book among `bookIds` (books whose reviews changed): recomputed from the
 * book's reviews as they stand, and written only over the version of the book read before them, so a
 * computation from older reviews can never overwrite one from newer (idempotent, order-safe).
 */
export async function projectRatings(deps: AppDeps, bookIds: Iterable<string>): Promise<number> {
  let written = 0;
  for (const bookId of new Set(bookIds)) {
    for (let attempt = 1; ; attempt++) {
      const book = await deps.containers.books.read<BookDoc>(bookId, bookId);
      if (!isBook(book)) break;
      const rating = ratingOf(await ratingsOf(deps, bookId));
      if (book.rating?.average === rating.average && book.rating?.count === rating.count) break;
      try {
        await deps.containers.books.patch(bookId, bookId, [{ op: 'set', path: '/rating', value: rating }], {
          ifMatch: book._etag,
        });
        written++;
        break;
      } catch (err) {
        if (isDocumentError(err, 404)) break;
        if (!isDocumentError(err, 412) || attempt >= MAX_ATTEMPTS) throw err;
      }
    }
  }
  return written;
}

async function ratingsOf(deps: AppDeps, bookId: string): Promise<number[]> {
  const ratings: number[] = [];
  let continuation: string | undefined;
  do {
    const page = await deps.containers.members.query<ReviewDoc>({
      where: reviewsOf(bookId),
      limit: 1000,
      continuation,
    });
    ratings.push(...page.items.map((r) => r.rating));
    continuation = page.continuation;
  } while (continuation);
  return ratings;
}

function reviewsOf(bookId: string): Filter[] {
  return [
    { field: 'type', op: '=', value: 'review' },
    { field: 'bookId', op: '=', value: bookId },
    { field: 'removedAt', op: 'notExists' },
  ];
}

function toReview(doc: ReviewDoc | Stored<ReviewDoc>): Review {
  const { id, bookId, memberId, rating, text, postedAt, updatedAt } = doc;
  return { id, bookId, memberId, rating, text, postedAt, updatedAt };
}
