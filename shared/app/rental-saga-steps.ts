// The borrow saga's steps (run as Durable activities by functions/rental-saga-activities.ts).
// Each is idempotent, keyed by the rental id, because an activity may run more than once:
// a repeated step finds its own earlier effect and reports the same outcome without redoing it.
// Domain outcomes (a rejection) are returned; infrastructure faults are thrown, so the
// orchestrator's retry policy runs the step again.
import { dueDate, ineligibility, type RejectionReason, type Rental } from '../domain/rental';
import { newEvent, rentalEvent, type DomainEvent } from './events';
import { outboxCreate } from './outbox';
import { isDocumentError, type AppDeps } from './ports';
import {
  isBook,
  ledgerId,
  loanKey,
  toRental,
  type BookDoc,
  type LedgerDoc,
  type MemberDoc,
  type RentalDoc,
} from './records';
import { nowIso } from './time';

export type StepOutcome = { ok: true } | { ok: false; reason: RejectionReason };

/** What starts a saga: the rental to run it for is the one recorded under this member with the saga's id. */
export interface RentalSagaStart {
  memberId: string;
  bookId: string;
}

export type Eligibility =
  | {
      /** The rental as recorded: REQUESTED, or already settled when the saga runs again for it. */
      rental: Rental;
      /** Why it cannot go ahead; absent when it can. */
      reason?: RejectionReason;
    }
  /** No such rental was requested: a forged or mistaken start, which must change nothing. */
  | { refused: string };

/**
 * Step 1: finds the rental the API recorded (`requestRental`) and checks, on what is stored now,
 * whether it can go ahead. The saga trusts nothing of its input but the address: member, book and
 * price are the recorded ones, and a start whose id, member or book match no recorded rental is
 * refused. A later step re-checks with a conditional write, so this check only spares the saga
 * work that is bound to fail.
 */
export async function checkEligibility(
  deps: AppDeps,
  rentalId: string,
  start: RentalSagaStart,
): Promise<Eligibility> {
  const { members, books } = deps.containers;
  const [recorded, member, stored] = await Promise.all([
    members.read<RentalDoc>(start.memberId, rentalId),
    members.read<MemberDoc>(start.memberId, start.memberId),
    books.read<BookDoc>(start.bookId, start.bookId),
  ]);
  const book = isBook(stored) ? stored : undefined;
  if (recorded?.type !== 'rental' || recorded.bookId !== start.bookId) {
    return {
      refused: `No rental ${rentalId} of book ${start.bookId} was requested for member ${start.memberId}.`,
    };
  }
  const rental = toRental(recorded);
  if (rental.status !== 'REQUESTED') return { rental };
  const reason = ineligibility(member?.type === 'member' ? member : undefined, book, rental.price);
  return reason ? { rental, reason } : { rental };
}

/**
 * Step 2: takes the price from the member's points, never below zero. The ledger entry
 * `debit:<rentalId>` and the balance change are one batch in the member's partition, so the
 * debit happens once however often the step runs.
 */
export async function debitPoints(deps: AppDeps, rental: Rental): Promise<StepOutcome> {
  const entry: LedgerDoc = {
    id: ledgerId('debit', rental.id),
    type: 'ledger',
    memberId: rental.memberId,
    kind: 'debit',
    amount: rental.price,
    rentalId: rental.id,
    at: nowIso(deps.clock),
  };
  const [created, debited] = await deps.containers.members.batch(rental.memberId, [
    { operationType: 'Create', resourceBody: { ...entry } },
    {
      operationType: 'Patch',
      id: rental.memberId,
      operations: [
        { op: 'incr', path: '/points', value: -rental.price },
        { op: 'incr', path: '/version', value: 1 },
      ],
      condition: [{ field: 'points', op: '>=', value: rental.price }],
    },
    outboxCreate(rental.memberId, rental.memberId, pointsEvent('rentbook.points.debited', rental, entry.at)),
  ]);
  if (created.statusCode < 300) return { ok: true };
  if (created.statusCode === 409) return { ok: true };
  if (debited.statusCode === 412) return { ok: false, reason: 'INSUFFICIENT_POINTS' };
  if (debited.statusCode === 404) return { ok: false, reason: 'MEMBER_NOT_FOUND' };
  throw new Error(`Debit batch for rental ${rental.id} failed: ${created.statusCode}/${debited.statusCode}`);
}

/**
 * Step 3: takes one copy off the shelf. A single conditional patch (not withdrawn, a copy free,
 * this rental not holding one yet) makes overselling impossible however many hosts race, and a
 * repeat finds its own loan in the book's `loans` map.
 */
export async function reserveCopy(deps: AppDeps, rental: Rental): Promise<StepOutcome> {
  const { books } = deps.containers;
  try {
    await books.patch<BookDoc>(
      rental.bookId,
      rental.bookId,
      [
        { op: 'incr', path: '/available', value: -1 },
        {
          op: 'set',
          path: `/loans/${loanKey(rental.id)}`,
          value: { rentalId: rental.id, memberId: rental.memberId, at: nowIso(deps.clock) },
        },
      ],
      {
        condition: [
          { field: 'withdrawn', op: '=', value: false },
          { field: 'available', op: '>', value: 0 },
          { field: `loans.${loanKey(rental.id)}`, op: 'notExists' },
        ],
      },
    );
    return { ok: true };
  } catch (err) {
    if (isDocumentError(err, 404)) return { ok: false, reason: 'BOOK_NOT_FOUND' };
    if (!isDocumentError(err, 412)) throw err;
  }
  const book = await books.read<BookDoc>(rental.bookId, rental.bookId);
  if (!isBook(book)) return { ok: false, reason: 'BOOK_NOT_FOUND' };
  if (book.loans[loanKey(rental.id)]) return { ok: true };
  return { ok: false, reason: book.withdrawn ? 'BOOK_UNAVAILABLE' : 'BOOK_RENTED' };
}

/** Step 4: the rental is APPROVED, due `loanDays` after `approvedAt` (the orchestrator's time). */
export async function approveRental(deps: AppDeps, rental: Rental, approvedAt: string): Promise<Rental> {
  const dueAt = dueDate(approvedAt, deps.policy.loanDays);
  return settle(
    deps,
    rental,
    [
      { op: 'set', path: '/status', value: 'APPROVED' },
      { op: 'set', path: '/approvedAt', value: approvedAt },
      { op: 'set', path: '/dueAt', value: dueAt },
    ],
    rentalEvent('rentbook.rental.approved', rental, { approvedAt, dueAt }, approvedAt),
  );
}

/** Ends the rental REJECTED with its reason (after the saga has undone its steps). */
export async function rejectRental(deps: AppDeps, rental: Rental, reason: RejectionReason): Promise<Rental> {
  return settle(
    deps,
    rental,
    [
      { op: 'set', path: '/status', value: 'REJECTED' },
      { op: 'set', path: '/reason', value: reason },
    ],
    rentalEvent('rentbook.rental.rejected', rental, { reason }, nowIso(deps.clock)),
  );
}

/** The rental as stored now: tells a saga whose approval failed whether it went through after all. */
export async function readRental(deps: AppDeps, rental: Rental): Promise<Rental> {
  const doc = await deps.containers.members.read<RentalDoc>(rental.memberId, rental.id);
  if (!doc) throw new Error(`Rental ${rental.id} is not recorded`);
  return toRental(doc);
}

/** Compensates step 3: puts the copy back, once (only while this rental holds it). */
export async function releaseCopy(deps: AppDeps, rental: Rental): Promise<void> {
  try {
    await deps.containers.books.patch<BookDoc>(
      rental.bookId,
      rental.bookId,
      [
        { op: 'incr', path: '/available', value: 1 },
        { op: 'remove', path: `/loans/${loanKey(rental.id)}` },
      ],
      { condition: [{ field: `loans.${loanKey(rental.id)}`, op: 'exists' }] },
    );
  } catch (err) {
    // 412: not held (never reserved, or already released); 404: no such book. Nothing to undo.
    if (!isDocumentError(err, 412) && !isDocumentError(err, 404)) throw err;
  }
}

/**
 * Compensates step 2: gives the price back, once. One batch: the debit must exist (Read), the
 * refund must not (Create `refund:<rentalId>`), and the balance grows.
 */
export async function refundPoints(deps: AppDeps, rental: Rental): Promise<void> {
  const entry: LedgerDoc = {
    id: ledgerId('refund', rental.id),
    type: 'ledger',
    memberId: rental.memberId,
    kind: 'refund',
    amount: rental.price,
    rentalId: rental.id,
    at: nowIso(deps.clock),
  };
  const results = await deps.containers.members.batch(rental.memberId, [
    { operationType: 'Read', id: ledgerId('debit', rental.id) },
    { operationType: 'Create', resourceBody: { ...entry } },
    {
      operationType: 'Patch',
      id: rental.memberId,
      operations: [
        { op: 'incr', path: '/points', value: rental.price },
        { op: 'incr', path: '/version', value: 1 },
      ],
    },
    outboxCreate(rental.memberId, rental.memberId, pointsEvent('rentbook.points.refunded', rental, entry.at)),
  ]);
  const [debit, refund] = results;
  if (debit.statusCode < 300 && refund.statusCode < 300) return;
  // No debit to undo, or already refunded.
  if (debit.statusCode === 404 || refund.statusCode === 409) return;
  throw new Error(
    `Refund batch for rental ${rental.id} failed: ${results.map((r) => r.statusCode).join('/')}`,
  );
}

// Moves a REQUESTED rental to its final state, with its event in the same batch; when it has
// already left REQUESTED (a repeated step), answers the state it is in and writes no event.
async function settle(
  deps: AppDeps,
  rental: Rental,
  operations: { op: 'set'; path: string; value: unknown }[],
  event: DomainEvent,
): Promise<Rental> {
  const { members } = deps.containers;
  const [settled] = await members.batch(rental.memberId, [
    {
      operationType: 'Patch',
      id: rental.id,
      operations: [...operations, { op: 'incr', path: '/version', value: 1 }],
      condition: [{ field: 'status', op: '=', value: 'REQUESTED' }],
    },
    outboxCreate(rental.memberId, rental.id, event),
  ]);
  if (settled.statusCode < 300) return toRental(settled.resourceBody as unknown as RentalDoc);
  const doc = settled.statusCode === 412 && (await members.read<RentalDoc>(rental.memberId, rental.id));
  if (!doc) throw new Error(`Settling rental ${rental.id} failed: ${settled.statusCode}`);
  return toRental(doc);
}

function pointsEvent(
  type: 'rentbook.points.debited' | 'rentbook.points.refunded',
  rental: Rental,
  at: string,
): DomainEvent {
  return newEvent(type, `members/${rental.memberId}`, rental.id, at, {
    memberId: rental.memberId,
    rentalId: rental.id,
    amount: rental.price,
  });
}
