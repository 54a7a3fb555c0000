// Holds (docs/decisions/0008-holds.md): a member queues for a book with no free copy; a copy that
// comes back is kept for the first in line. The queue lives in the book document, beside the copy
// counters and the loans, so every change of who may take a copy is one write of one document,
// guarded by its etag: a copy can never be both on the shelf and kept for a hold, and a kept copy
// can never go to anyone but its holder. Each change's events ride in the same write (the book's
// outbox). The member's partition keeps where each hold was placed, to find a hold by its id.
import {
  activeHold,
  cancelHold as cancelQueuedHold,
  copyBack,
  expireDue,
  hasWaitingHold,
  nextReadyUntil,
  placeHold as placeQueuedHold,
  queueOrder,
  takeCopy,
  type Hold,
  type HoldTransition,
  type Shelf,
  type ShelfChange,
} from '../domain/hold';
import type { RejectionReason, Rental } from '../domain/rental';
import { actingFor, denial, type Caller } from './authorization';
import { newEvent, type DomainEvent } from './events';
import { bindIdempotencyKey } from './idempotency';
import { idFromKey, newId } from './ids';
import { memberNotFound } from './members';
import { withBookEvent } from './outbox';
import { fail, ok, type Outcome } from './outcome';
import { isDocumentError, type AppDeps, type Filter, type Stored } from './ports';
import {
  isBook,
  loanKey,
  memberHoldKey,
  memberLoanKey,
  type BookDoc,
  type HoldDoc,
  type MemberDoc,
} from './records';
import { nowIso } from './time';

// Only concurrent changes of the same book (rents, returns, other holds) make a write retry.
const MAX_ATTEMPTS = 50;
const EXPIRY_PAGE = 100;

/** The queue and copy counters of a stored book. */
export function shelfOf(doc: BookDoc): Shelf {
  return { available: doc.available, held: doc.held ?? 0, holds: doc.holds ?? {}, holdSeq: doc.holdSeq ?? 0 };
}

/**
 * The book with a changed shelf: its counters and queue (absent when empty, so the fast paths'
 * `holds notExists` conditions hold again), the time the timer looks for it, and one event per
 * hold that moved, in its outbox.
 */
export function withShelf(doc: BookDoc, change: ShelfChange, at: string, rentalId?: string): BookDoc {
  const { shelf, transitions } = change;
  const next: BookDoc = { ...doc, available: shelf.available, held: shelf.held, holdSeq: shelf.holdSeq };
  const queued = Object.keys(shelf.holds).length > 0;
  if (queued) next.holds = shelf.holds;
  else delete next.holds;
  const due = nextReadyUntil(shelf);
  if (due === undefined) delete next.nextReadyUntil;
  else next.nextReadyUntil = due;
  const queueChanged = queued || doc.holds !== undefined;
  if (queueChanged) next.holdsVersion = (doc.holdsVersion ?? 0) + 1;
  let outbox = doc.outbox;
  for (const t of transitions) outbox = withBookEvent(outbox, transitionEvent(t, doc, at, rentalId));
  next.outbox = outbox;
  return next;
}

function transitionEvent(t: HoldTransition, book: BookDoc, at: string, rentalId?: string): DomainEvent {
  const subject = `holds/${t.hold.holdId}`;
  const ref = { holdId: t.hold.holdId, bookId: book.id, memberId: t.hold.memberId, bookTitle: book.title };
  switch (t.to) {
    case 'READY':
      return newEvent('rentbook.hold.ready', { subject, at }, { ...ref, readyUntil: t.hold.readyUntil! });
    case 'FULFILLED':
      // Only a rent fulfils a hold (takeCopyForRental), and it names its rental.
      if (rentalId === undefined) throw new Error(`Hold ${t.hold.holdId} fulfilled by no rental`);
      return newEvent('rentbook.hold.fulfilled', { subject, at }, { ...ref, rentalId });
    case 'CANCELLED':
      return newEvent('rentbook.hold.cancelled', { subject, at }, ref);
    case 'EXPIRED':
      return newEvent('rentbook.hold.expired', { subject, at }, ref);
  }
}

type Decision<R> =
  /** Write the book as changed, then answer `result`. */
  | { write: BookDoc; result: R }
  /** Nothing to write. */
  | { result: R };

/**
 * Reads the book, lets `decide` say what to write, and writes it only if the book is unchanged since
 * read (etag); a concurrent change of the book makes it read and decide again.
 */
async function changeBook<R>(
  deps: AppDeps,
  bookId: string,
  decide: (doc: Stored<BookDoc>) => Decision<R>,
  absent: () => R,
): Promise<R> {
  const { books } = deps.containers;
  for (let attempt = 1; ; attempt++) {
    const doc = await books.read<BookDoc>(bookId, bookId);
    if (!isBook(doc)) return absent();
    const decision = decide(doc);
    if (!('write' in decision)) return decision.result;
    const { _etag: _ignored, ...written } = decision.write as Stored<BookDoc>;
    try {
      await books.replace(bookId, bookId, written, { ifMatch: doc._etag });
      return decision.result;
    } catch (err) {
      if (isDocumentError(err, 404)) return absent();
      if (!isDocumentError(err, 412) || attempt >= MAX_ATTEMPTS) throw err;
    }
  }
}

// ---- The borrow saga's side: a copy taken or given back where the book has holds ----

/**
 * Takes a copy for a rental of a book someone holds (the saga's reserve step when its one-patch
 * fast path was refused): the renter's READY hold is FULFILLED with the copy kept for it; anyone
 * else gets a free copy or, with none free, BOOK_ON_HOLD (copies kept for others) or BOOK_RENTED.
 */
export async function takeCopyForRental(
  deps: AppDeps,
  rental: Rental,
): Promise<{ ok: true } | { ok: false; reason: RejectionReason }> {
  const at = nowIso(deps.clock);
  return changeBook<{ ok: true } | { ok: false; reason: RejectionReason }>(
    deps,
    rental.bookId,
    (doc) => {
      const key = loanKey(rental.id);
      if (doc.loans[key]) return { result: { ok: true } };
      if (doc.withdrawn) return { result: { ok: false, reason: 'BOOK_UNAVAILABLE' } };
      const taken = takeCopy(shelfOf(doc), memberHoldKey(rental.memberId));
      if (!taken.ok) return { result: { ok: false, reason: taken.reason } };
      const next = withShelf(doc, taken.change, at, rental.id);
      next.loans = { ...doc.loans, [key]: { rentalId: rental.id, memberId: rental.memberId, at } };
      return { write: next, result: { ok: true } };
    },
    () => ({ ok: false, reason: 'BOOK_NOT_FOUND' }),
  );
}

/**
 * Gives a rental's copy back where the book has holds (a return or a rent undone): the copy is kept
 * for the first WAITING hold, which becomes READY, or goes on the shelf. Once: only while the rental
 * holds the copy (true when this call gave it back).
 */
export async function giveCopyBack(
  deps: AppDeps,
  rental: Pick<Rental, 'id' | 'bookId'>,
  at: string,
): Promise<boolean> {
  return changeBook<boolean>(
    deps,
    rental.bookId,
    (doc) => {
      const key = loanKey(rental.id);
      if (!doc.loans[key]) return { result: false };
      const next = withShelf(doc, copyBack(shelfOf(doc), at, deps.policy.holdDays), at);
      const { [key]: _returned, ...loans } = doc.loans;
      next.loans = loans;
      return { write: next, result: true };
    },
    () => false,
  );
}

/** Whether someone waits for the book (a WAITING hold): a renewal is refused then. */
export async function someoneWaitsFor(deps: AppDeps, bookId: string): Promise<boolean> {
  const doc = await deps.containers.books.read<BookDoc>(bookId, bookId);
  return isBook(doc) && hasWaitingHold(shelfOf(doc));
}

// ---- The holds API ----

export interface BookHolds {
  bookId: string;
  items: Hold[];
}

/**
 * Places a hold: the member (or a librarian naming it) joins the book's queue. Refused while a copy
 * is free (rent it instead), when the member holds the book already or has it on loan. With an
 * idempotency key the hold id is derived from (caller, key), so the same request again answers the
 * same hold.
 */
export async function placeHold(
  deps: AppDeps,
  caller: Caller,
  input: { bookId: string; memberId?: string },
  idempotencyKey?: string,
): Promise<Outcome<Hold>> {
  const acting = actingFor(caller, 'holds.place', input.memberId);
  if (!acting.ok) return acting;
  const memberId = acting.value;
  if (idempotencyKey) {
    const bound = await bindIdempotencyKey(deps, caller, idempotencyKey, {
      route: 'POST /books/{bookId}/holds',
      body: input,
    });
    if (!bound.ok) return bound;
  }
  const holdId = idempotencyKey ? idFromKey('hold', caller.subject, idempotencyKey) : newId(deps.clock);
  const { members } = deps.containers;
  const [member, placedBefore] = await Promise.all([
    members.read<MemberDoc>(memberId, memberId),
    idempotencyKey ? members.read<HoldDoc>(memberId, holdId) : undefined,
  ]);
  if (member?.type !== 'member') return memberNotFound(memberId);
  const memberKey = memberHoldKey(memberId);
  const placedAt = nowIso(deps.clock);
  const outcome = await changeBook<Outcome<Hold>>(
    deps,
    input.bookId,
    (doc) => {
      const shelf = shelfOf(doc);
      const own = shelf.holds[memberKey];
      // The same keyed request again: the hold as it stands.
      if (own?.holdId === holdId) return { result: ok(activeHold(shelf, doc.id, own)) };
      if (placedBefore) return { result: holdEnded(holdId) };
      if (doc.withdrawn) {
        return { result: fail('conflict', 'book-unavailable', 'The book is withdrawn; it cannot be held.') };
      }
      if (member.loans?.[memberLoanKey(doc.id)]) {
        return {
          result: fail('conflict', 'already-on-loan', 'The member has this book on loan already.'),
        };
      }
      const placed = placeQueuedHold(shelf, memberKey, { holdId, memberId, placedAt });
      if (!placed.ok) {
        return {
          result:
            placed.refusal === 'copy-available'
              ? fail('conflict', 'copy-available', 'A copy of this book is free: rent it instead.')
              : fail('conflict', 'already-held', 'The member holds this book already.'),
        };
      }
      const hold = activeHold(placed.change.shelf, doc.id, placed.hold);
      const next = withShelf(doc, placed.change, placedAt);
      const event = newEvent(
        'rentbook.hold.placed',
        { subject: `holds/${holdId}`, at: placedAt },
        {
          holdId,
          bookId: doc.id,
          memberId,
          bookTitle: doc.title,
          placedAt,
          position: hold.position ?? 0,
        },
      );
      next.outbox = withBookEvent(next.outbox, event);
      return { write: next, result: ok(hold) };
    },
    () => bookNotFound(input.bookId),
  );
  if (!outcome.ok) return outcome;
  // Where the hold was placed, so it can be found by its id (a repeat finds it there already).
  const record: HoldDoc = { id: holdId, type: 'hold', memberId, bookId: input.bookId, placedAt };
  try {
    await members.create<HoldDoc>(record);
  } catch (err) {
    if (!isDocumentError(err, 409)) throw err;
  }
  return outcome;
}

/** Cancels a hold (its member or a librarian); a READY hold's copy passes to the next in line. */
export async function cancelHold(deps: AppDeps, caller: Caller, holdId: string): Promise<Outcome<Hold>> {
  const denied = denial(caller, 'holds.cancel');
  if (denied) return denied;
  const placed = await findHoldDoc(deps, holdId);
  if (!placed) return holdNotFound(holdId);
  const refused = denial(caller, 'holds.cancel', placed);
  if (refused) return refused;
  const memberKey = memberHoldKey(placed.memberId);
  const at = nowIso(deps.clock);
  return changeBook<Outcome<Hold>>(
    deps,
    placed.bookId,
    (doc) => {
      const shelf = shelfOf(doc);
      const own = shelf.holds[memberKey];
      if (own?.holdId !== holdId) return { result: holdEnded(holdId) };
      const next = withShelf(doc, cancelQueuedHold(shelf, memberKey, at, deps.policy.holdDays), at);
      return {
        write: next,
        result: ok({
          id: holdId,
          bookId: doc.id,
          memberId: own.memberId,
          status: 'CANCELLED',
          position: null,
          placedAt: own.placedAt,
        }),
      };
    },
    () => holdEnded(holdId),
  );
}

/** A book's queue, first in line first (librarians). */
export async function listBookHolds(
  deps: AppDeps,
  caller: Caller,
  bookId: string,
): Promise<Outcome<BookHolds>> {
  const denied = denial(caller, 'holds.list');
  if (denied) return denied;
  const doc = await deps.containers.books.read<BookDoc>(bookId, bookId);
  if (!isBook(doc)) return bookNotFound(bookId);
  const shelf = shelfOf(doc);
  return ok({ bookId, items: queueOrder(shelf).map((h) => activeHold(shelf, bookId, h)) });
}

/**
 * The `holds-expiry` timer's work: READY holds whose time ran out are EXPIRED and their copies pass
 * on. Only books with a hold due are read (found by `nextReadyUntil`), so the cost grows with the
 * holds that are due, not with all holds. Answers how many expired.
 */
export async function expireHolds(deps: AppDeps): Promise<number> {
  const now = nowIso(deps.clock);
  let expired = 0;
  let continuation: string | undefined;
  do {
    const page = await deps.containers.books.query<BookDoc>({
      where: [
        { field: 'type', op: '=', value: 'book' },
        { field: 'nextReadyUntil', op: '<=', value: now },
      ],
      orderBy: [{ field: 'nextReadyUntil' }],
      limit: EXPIRY_PAGE,
      continuation,
    });
    for (const due of page.items) {
      expired += await changeBook<number>(
        deps,
        due.id,
        (doc) => {
          const change = expireDue(shelfOf(doc), now, deps.policy.holdDays);
          const count = change.transitions.filter((t) => t.to === 'EXPIRED').length;
          return count === 0 ? { result: 0 } : { write: withShelf(doc, change, now), result: count };
        },
        () => 0,
      );
    }
    continuation = page.continuation;
  } while (continuation);
  return expired;
}

/** Where a hold was placed, by its id alone (a cross-partition lookup, as for rentals). */
/**
 * Where a hold is: its record in the member's partition, written just after the book's queue. If
 * the process died between the two, the hold view the projector made from the queue says it
 * (member and book; what is done with the hold is then decided on the book's queue itself).
 */
async function findHoldDoc(
  deps: AppDeps,
  holdId: string,
): Promise<Pick<HoldDoc, 'id' | 'memberId' | 'bookId'> | undefined> {
  const byId = (container: 'members' | 'views', type: Filter) =>
    deps.containers[container].query<Pick<HoldDoc, 'id' | 'memberId' | 'bookId'>>({
      where: [{ field: 'id', op: '=', value: holdId }, type],
      limit: 1,
    });
  const page = await byId('members', { field: 'type', op: '=', value: 'hold' });
  return page.items[0] ?? (await byId('views', { field: 'kind', op: '=', value: 'hold' })).items[0];
}

function holdNotFound<T>(holdId: string): Outcome<T> {
  return fail('not-found', 'hold-not-found', `There is no hold with id ${holdId}.`);
}

function holdEnded<T>(holdId: string): Outcome<T> {
  return fail(
    'conflict',
    'hold-not-active',
    `Hold ${holdId} is no longer waiting or ready (it was fulfilled, cancelled or expired).`,
  );
}

function bookNotFound<T>(bookId: string): Outcome<T> {
  return fail('not-found', 'book-not-found', `There is no book with id ${bookId}.`);
}
