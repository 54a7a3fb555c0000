// The catalog: anyone browses books; librarians register, edit and remove them.
import {
  applyBookEdit,
  canRemove,
  newBook,
  onLoan,
  type BookEdit,
  type BookState,
  type BookStatus,
  type NewBook,
} from '../domain/book';
import { denial, type Caller } from './authorization';
import { settleFreeCopies } from '../domain/hold';
import { newEvent, type DomainEvent, type When } from './events';
import { shelfOf, withShelf } from './holds';
import { newId } from './ids';
import { withBookEvent } from './outbox';
import { fail, ok, type Outcome } from './outcome';
import { isDocumentError, type AppDeps, type Filter, type Stored } from './ports';
import {
  bookEtag,
  bookSearchText,
  isBook,
  toBook,
  type Book,
  type BookDoc,
  type RemovedBookDoc,
} from './records';
import { nowIso } from './time';
import { listPage } from './paging';

export interface BookQuery {
  /** Words to find in the title, author or ISBN (case-insensitive). */
  q?: string;
  status?: BookStatus;
  limit: number;
  continuation?: string;
}

export interface BookPage {
  items: Book[];
  continuation: string | null;
}

// Optimistic writes that lost a race re-read and try again; more losses than this in a row means
// something is wrong rather than busy.
const MAX_ATTEMPTS = 20;

const statusFilters: Record<BookStatus, Filter[]> = {
  UNAVAILABLE: [{ field: 'withdrawn', op: '=', value: true }],
  RENTED: [
    { field: 'withdrawn', op: '=', value: false },
    { field: 'available', op: '<=', value: 0 },
  ],
  AVAILABLE: [
    { field: 'withdrawn', op: '=', value: false },
    { field: 'available', op: '>', value: 0 },
  ],
};

export async function listBooks(deps: AppDeps, caller: Caller, query: BookQuery): Promise<Outcome<BookPage>> {
  const denied = denial(caller, 'books.browse');
  if (denied) return denied;
  const where: Filter[] = [
    { field: 'type', op: '=', value: 'book' },
    ...(query.status ? statusFilters[query.status] : []),
  ];
  const q = query.q?.trim().toLowerCase();
  if (q) where.push({ field: 'search', op: 'contains', value: q });
  return listPage(
    () =>
      deps.containers.books.query<BookDoc>({
        where,
        orderBy: [{ field: 'title' }],
        limit: query.limit,
        continuation: query.continuation,
      }),
    toBook,
  );
}

export async function getBook(deps: AppDeps, caller: Caller, bookId: string): Promise<Outcome<Book>> {
  const denied = denial(caller, 'books.browse');
  if (denied) return denied;
  const doc = await readBook(deps, bookId);
  return doc ? ok(toBook(doc)) : bookNotFound(bookId);
}

export async function addBook(deps: AppDeps, caller: Caller, input: NewBook): Promise<Outcome<Book>> {
  const denied = denial(caller, 'books.add');
  if (denied) return denied;
  const book = newBook(input);
  const id = newId(deps.clock);
  const at = nowIso(deps.clock);
  const event = bookEvent('rentbook.book.registered', id, { at }, book);
  const doc = await deps.containers.books.create<BookDoc>({
    id,
    type: 'book',
    ...book,
    loans: {},
    search: bookSearchText(book),
    createdAt: at,
    outbox: withBookEvent(undefined, event),
  });
  return ok(toBook(doc));
}

export interface BookChange {
  bookId: string;
  edit: BookEdit;
  /** The etag of the version the librarian saw, if the edit must apply to that version only. */
  ifMatch?: string;
}

/**
 * Applies a librarian's edit. With `ifMatch` the edit is refused (412) unless the book is still
 * the version the librarian saw; without it, a concurrent change (say, a copy lent) is re-read
 * and the edit applied on top.
 */
export async function editBook(
  deps: AppDeps,
  caller: Caller,
  { bookId, edit, ifMatch }: BookChange,
): Promise<Outcome<Book>> {
  const denied = denial(caller, 'books.edit');
  if (denied) return denied;
  for (let attempt = 1; ; attempt++) {
    const doc = await readBook(deps, bookId);
    if (!doc) return bookNotFound(bookId);
    if (ifMatch !== undefined && ifMatch !== bookEtag(doc)) return staleEtag();
    const edited = applyBookEdit(doc, edit);
    if (!edited.ok) {
      const { copies, onLoan: loaned } = edited.error;
      return fail(
        'conflict',
        'copies-on-loan',
        `${loaned} copies are on loan; the book cannot have only ${copies}.`,
      );
    }
    // The version it replaces names the edit: only one edit can replace it.
    const at = nowIso(deps.clock);
    const event = bookEvent('rentbook.book.updated', bookId, { at, key: doc._etag }, edited.book);
    const changed: BookDoc = {
      ...withoutSystem(doc),
      ...edited.book,
      search: bookSearchText(edited.book),
      outbox: withBookEvent(doc.outbox, event),
    };
    // Copies added while members wait go to them, first in line first.
    const next = doc.holds
      ? withShelf(changed, settleFreeCopies(shelfOf(changed), at, deps.policy.holdDays), at)
      : changed;
    try {
      return ok(toBook(await deps.containers.books.replace(bookId, bookId, next, { ifMatch: doc._etag })));
    } catch (err) {
      if (isDocumentError(err, 404)) return bookNotFound(bookId);
      if (!isDocumentError(err, 412)) throw err;
      if (ifMatch !== undefined) return staleEtag();
      if (attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

/** Removes a book that has no copy on loan. Removing an absent book is a 404. */
export async function removeBook(deps: AppDeps, caller: Caller, bookId: string): Promise<Outcome<null>> {
  const denied = denial(caller, 'books.remove');
  if (denied) return denied;
  for (let attempt = 1; ; attempt++) {
    const doc = await readBook(deps, bookId);
    if (!doc) return bookNotFound(bookId);
    if (doc.holds) {
      return fail(
        'conflict',
        'book-has-holds',
        'Members hold this book; cancel their holds before removing it.',
      );
    }
    if (!canRemove(doc)) {
      return fail(
        'conflict',
        'book-on-loan',
        `${onLoan(doc)} copies of this book are on loan; it cannot be removed.`,
      );
    }
    // The book becomes a tombstone carrying its removal (and any event not relayed yet); the relay
    // lets it expire. The etag makes "no copy on loan" still true at the moment of removal.
    const event = newEvent(
      'rentbook.book.removed',
      { subject: `books/${bookId}`, at: nowIso(deps.clock) },
      { bookId },
    );
    const tombstone: RemovedBookDoc = {
      id: bookId,
      type: 'removed-book',
      outbox: withBookEvent(doc.outbox, event),
    };
    try {
      await deps.containers.books.replace(bookId, bookId, tombstone, { ifMatch: doc._etag });
      return ok(null);
    } catch (err) {
      if (isDocumentError(err, 404)) return ok(null);
      if (!isDocumentError(err, 412) || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

/** The book, or undefined when there is none (or only its tombstone). */
export async function readBook(deps: AppDeps, bookId: string): Promise<Stored<BookDoc> | undefined> {
  const doc = await deps.containers.books.read<BookDoc>(bookId, bookId);
  return isBook(doc) ? doc : undefined;
}

function bookEvent(
  type: 'rentbook.book.registered' | 'rentbook.book.updated',
  bookId: string,
  when: When,
  book: NewBook | BookState,
): DomainEvent {
  const { title, author, isbn, price, copies, withdrawn } = book;
  return newEvent(
    type,
    { subject: `books/${bookId}`, ...when },
    {
      bookId,
      title,
      author,
      isbn,
      price,
      copies,
      withdrawn,
    },
  );
}

export function bookNotFound<T>(bookId: string): Outcome<T> {
  return fail('not-found', 'book-not-found', `There is no book with id ${bookId}.`);
}

function staleEtag<T>(): Outcome<T> {
  return fail(
    'precondition-failed',
    'stale-etag',
    'The book has changed since the version given in If-Match.',
  );
}

function withoutSystem(doc: Stored<BookDoc>): BookDoc {
  const { _etag: _ignored, ...rest } = doc;
  return rest;
}
