// The borrow saga's steps (run as Durable activities by functions/rental-saga-activities.ts).
// Each is idempotent, keyed by the rental id, because an activity may run more than once:
// a repeated step finds its own earlier effect and reports the same outcome without redoing it.
// Domain outcomes (a rejection) are returned; infrastructure faults are thrown, so the
// orchestrator's retry policy runs the step again.
import { firstDueCheck } from '../domain/overdue';
import {
  borrowerIneligibility,
  dueDate,
  ineligibility,
  type BorrowerStanding,
  type RejectionReason,
  type Rental,
} from '../domain/rental';
import { newEvent, rentalEvent, type DomainEvent } from './events';
import { giveCopyBack, takeCopyForRental } from './holds';
import { carrying, carryingPatch } from './outbox';
import { isDocumentError, type AppDeps, type PatchOperation } from './ports';
import {
  isBook,
  ledgerId,
  loanKey,
  memberHoldKey,
  memberLoanKey,
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

export type Reservation =
  | {
      /** The rental as recorded: REQUESTED, or already settled when the saga runs again for it. */
      rental: Rental;
      /** Why it cannot go ahead (and no copy was taken); absent when a copy is this rental's. */
      reason?: RejectionReason;
    }
  /** No such rental was requested: a forged or mistaken start, which must change nothing. */
  | { refused: string };

/**
 * Step 1: finds the rental the API recorded (`requestRental`), checks on what is stored now
 * whether it can go ahead, and takes a copy for it (`reserveCopy`). The saga trusts nothing of its
 * input but the address: member, book and price are the recorded ones, and a start whose id,
 * member or book match no recorded rental is refused. The check reads; the copy is taken and the
 * points debited by conditional writes that enforce it again, so the check only spares the saga
 * work that is bound to fail (and a member's READY hold from being spent on a rent that cannot go
 * ahead). One activity where there were two (docs/decisions/0010-less-work-per-rent.md).
 */
export async function reserveCopyFor(
  deps: AppDeps,
  rentalId: string,
  start: RentalSagaStart,
): Promise<Reservation> {
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
  // A copy this rental holds already (the step runs again) is not counted against it.
  if (book?.loans[loanKey(rental.id)]) return { rental };
  const standing = member?.type === 'member' ? borrowerStanding(member, rental.bookId) : undefined;
  const shelf = book && {
    available: book.available,
    withdrawn: book.withdrawn,
    held: book.held,
    heldForMember: book.holds?.[memberHoldKey(rental.memberId)]?.status === 'READY',
  };
  const reason = ineligibility(standing, shelf, rental.price, deps.policy);
  if (reason) return { rental, reason };
  const reserved = await reserveCopy(deps, rental);
  return reserved.ok ? { rental } : { rental, reason: reserved.reason };
}

function borrowerStanding(member: MemberDoc, bookId: string): BorrowerStanding {
  return {
    points: member.points,
    feesOwed: member.feesOwed,
    onLoan: member.onLoan ?? 0,
    holdsBook: member.loans?.[memberLoanKey(bookId)] !== undefined,
  };
}

// A debit refused for a reason that no longer shows when read (the member changed in between) is
// tried again; losing this often in a row is a fault.
const MAX_DEBIT_ATTEMPTS = 20;

/** Step 2's outcome: the rental as it now stands (approved, or settled before), or why not. */
export type Charged = { ok: true; rental: Rental } | { ok: false; reason: RejectionReason };

/**
 * Step 2: takes the price from the member's points, records the loan on the member and approves the
 * rental, due `loanDays` after `approvedAt` (the orchestrator's time), in one transactional batch in
 * the member's partition, where the member, the rental and its ledger all live. The member's patch is
 * conditional: points cover the price, fees owed are within `feeBlockThreshold`, fewer than `maxLoans`
 * books are on loan and none of them is this book, so however many rents of one member race, no limit
 * can be passed; the rental's is conditional on it still being REQUESTED. The ledger entry
 * `debit:<rentalId>` makes the batch happen once however often the step runs: met again (409), the
 * step answers the rental as it stands. When the member's condition fails, the member is read to tell
 * why. One write for what were two steps (docs/decisions/0010-less-work-per-rent.md).
 */
export async function chargeAndApprove(deps: AppDeps, rental: Rental, approvedAt: string): Promise<Charged> {
  const { maxLoans, feeBlockThreshold, loanDays } = deps.policy;
  const { members } = deps.containers;
  const bookKey = memberLoanKey(rental.bookId);
  const dueAt = dueDate(approvedAt, loanDays);
  const entry: LedgerDoc = {
    id: ledgerId('debit', rental.id),
    type: 'ledger',
    memberId: rental.memberId,
    kind: 'debit',
    amount: rental.price,
    rentalId: rental.id,
    at: nowIso(deps.clock),
    memberLoanKey: bookKey,
  };
  // The ledger entry carries both events: written once, it is the item the relay sees them in.
  const debit = carrying(
    entry,
    pointsEvent('rentbook.points.debited', rental, entry.at),
    rentalEvent('rentbook.rental.approved', rental, { approvedAt, dueAt }, { at: approvedAt }),
  );
  for (let attempt = 1; ; attempt++) {
    const [created, debited, approved] = await members.batch(rental.memberId, [
      { operationType: 'Create', resourceBody: debit },
      {
        operationType: 'Patch',
        id: rental.memberId,
        operations: [
          { op: 'incr', path: '/points', value: -rental.price },
          { op: 'incr', path: '/onLoan', value: 1 },
          { op: 'set', path: `/loans/${bookKey}`, value: { rentalId: rental.id, bookId: rental.bookId } },
          { op: 'incr', path: '/version', value: 1 },
        ],
        condition: [
          { field: 'points', op: '>=', value: rental.price },
          { field: 'feesOwed', op: '<=', value: feeBlockThreshold },
          { field: 'onLoan', op: '<', value: maxLoans },
          { field: `loans.${bookKey}`, op: 'notExists' },
        ],
      },
      {
        operationType: 'Patch',
        id: rental.id,
        operations: [
          { op: 'set', path: '/status', value: 'APPROVED' },
          { op: 'set', path: '/approvedAt', value: approvedAt },
          { op: 'set', path: '/dueAt', value: dueAt },
          { op: 'set', path: '/dueCheckAt', value: firstDueCheck(dueAt) },
          { op: 'incr', path: '/version', value: 1 },
        ],
        condition: [{ field: 'status', op: '=', value: 'REQUESTED' }],
      },
    ]);
    if (created.statusCode < 300)
      return { ok: true, rental: toRental(approved.resourceBody as unknown as RentalDoc) };
    // Charged before (this step ran already), or the rental left REQUESTED: it stands as stored.
    if (created.statusCode === 409 || approved.statusCode === 412) return asStored(deps, rental);
    if (debited.statusCode === 404) return { ok: false, reason: 'MEMBER_NOT_FOUND' };
    if (debited.statusCode !== 412 || approved.statusCode === 404) {
      throw new Error(
        `Charge and approval batch for rental ${rental.id} failed: ${created.statusCode}/${debited.statusCode}/${approved.statusCode}`,
      );
    }
    const member = await members.read<MemberDoc>(rental.memberId, rental.memberId);
    if (member?.type !== 'member') return { ok: false, reason: 'MEMBER_NOT_FOUND' };
    if (member.onLoan === undefined || member.loans === undefined) await recordMemberLoans(deps, member);
    const standing = borrowerStanding(member, rental.bookId);
    const reason =
      borrowerIneligibility(standing, deps.policy) ??
      (member.points < rental.price ? 'INSUFFICIENT_POINTS' : undefined);
    if (reason) return { ok: false, reason };
    if (attempt >= MAX_DEBIT_ATTEMPTS) throw new Error(`Debit for rental ${rental.id} kept losing races`);
  }
}

// The rental as stored, when the batch was applied before (this step ran already) or the rental
// left REQUESTED. The batch is one write, so a debit of this rental with the rental still REQUESTED
// is not its own doing (refunded since, or left by a saga of an older version): a fault, for the
// saga to undo.
async function asStored(deps: AppDeps, rental: Rental): Promise<Charged> {
  const current = await readRental(deps, rental);
  if (current.status === 'REQUESTED')
    throw new Error(`Rental ${rental.id} was charged before and is still REQUESTED`);
  return { ok: true, rental: current };
}

/**
 * A member stored before loans were kept on the member document gets them once, from its rentals
 * on loan, so the debit's conditions can hold. Written only while still absent (a concurrent first
 * rent may do the same).
 */
async function recordMemberLoans(deps: AppDeps, member: MemberDoc): Promise<void> {
  const { members } = deps.containers;
  const loans: NonNullable<MemberDoc['loans']> = {};
  let continuation: string | undefined;
  do {
    const page = await members.query<RentalDoc>({
      partitionKey: member.memberId,
      where: [
        { field: 'type', op: '=', value: 'rental' },
        { field: 'status', op: 'in', value: ['APPROVED', 'OVERDUE'] },
      ],
      limit: 1000,
      continuation,
    });
    for (const r of page.items) loans[memberLoanKey(r.bookId)] = { rentalId: r.id, bookId: r.bookId };
    continuation = page.continuation;
  } while (continuation);
  try {
    await members.patch<MemberDoc>(
      member.memberId,
      member.memberId,
      [
        { op: 'set', path: '/loans', value: loans },
        { op: 'set', path: '/onLoan', value: Object.keys(loans).length },
        { op: 'incr', path: '/version', value: 1 },
      ],
      { condition: [{ field: 'loans', op: 'notExists' }] },
    );
  } catch (err) {
    if (!isDocumentError(err, 412)) throw err;
  }
  member.loans = loans;
  member.onLoan = Object.keys(loans).length;
}

/**
 * Step 1's write: takes one copy off the shelf. For a book no one holds, and a renter holding nothing on it,
 * a single conditional patch (not withdrawn, a copy free, this rental not holding one yet, the
 * renter not in the book's hold queue) makes overselling impossible however many hosts race, and a
 * repeat finds its own loan in the book's `loans` map. Otherwise the book is read: a repeat, a
 * withdrawn book, no copy free, or a renter in the hold queue, whose READY hold takes the copy kept
 * for it (./holds.ts).
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
          { field: `holds.${memberHoldKey(rental.memberId)}`, op: 'notExists' },
        ],
      },
    );
    return { ok: true };
  } catch (err) {
    if (isDocumentError(err, 404)) return { ok: false, reason: 'BOOK_NOT_FOUND' };
    if (!isDocumentError(err, 412)) throw err;
  }
  return takeCopyForRental(deps, rental);
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
    rentalEvent('rentbook.rental.rejected', rental, { reason }, { at: nowIso(deps.clock) }),
  );
}

/** The rental as stored now: tells a saga whose approval failed whether it went through after all. */
export async function readRental(deps: AppDeps, rental: Rental): Promise<Rental> {
  const doc = await deps.containers.members.read<RentalDoc>(rental.memberId, rental.id);
  if (!doc) throw new Error(`Rental ${rental.id} is not recorded`);
  return toRental(doc);
}

/**
 * Compensates step 1, and returns a copy: puts the copy back, once (only while this rental holds
 * it). For a book no one holds, one conditional patch; otherwise the copy goes to the first in the
 * hold queue or on the shelf (./holds.ts). True when this call put it back; false when the rental
 * held none (never reserved, or released already).
 */
export async function releaseCopy(
  deps: AppDeps,
  rental: Pick<Rental, 'id' | 'bookId'>,
  /** When the copy came back (a READY hold counts its days from then). */
  at = nowIso(deps.clock),
): Promise<boolean> {
  try {
    await deps.containers.books.patch<BookDoc>(
      rental.bookId,
      rental.bookId,
      [
        { op: 'incr', path: '/available', value: 1 },
        { op: 'remove', path: `/loans/${loanKey(rental.id)}` },
      ],
      {
        condition: [
          { field: `loans.${loanKey(rental.id)}`, op: 'exists' },
          { field: 'holds', op: 'notExists' },
        ],
      },
    );
    return true;
  } catch (err) {
    // 404: no such book, nothing to undo. 412: not held (never reserved, or released already), or
    // the book has holds: the copy may go to one.
    if (isDocumentError(err, 404)) return false;
    if (!isDocumentError(err, 412)) throw err;
  }
  return giveCopyBack(deps, rental, at);
}

/**
 * Compensates step 2: gives the price back and takes the loan off the member, once. One batch: the
 * debit must exist (Read), the refund must not (Create `refund:<rentalId>`), and the balance grows.
 * True when the points are back (refunded now or before); false when nothing was debited.
 */
export async function refundPoints(deps: AppDeps, rental: Rental): Promise<boolean> {
  const debit = await deps.containers.members.read<LedgerDoc>(rental.memberId, ledgerId('debit', rental.id));
  // No debit: nothing to undo. A debit that recorded the loan on the member takes it off again.
  if (!debit) return false;
  const loanOperations: PatchOperation[] = debit.memberLoanKey
    ? [
        { op: 'incr', path: '/onLoan', value: -1 },
        { op: 'remove', path: `/loans/${debit.memberLoanKey}` },
      ]
    : [];
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
    {
      operationType: 'Create',
      resourceBody: carrying(entry, pointsEvent('rentbook.points.refunded', rental, entry.at)),
    },
    {
      operationType: 'Patch',
      id: rental.memberId,
      operations: [
        { op: 'incr', path: '/points', value: rental.price },
        ...loanOperations,
        { op: 'incr', path: '/version', value: 1 },
      ],
    },
  ]);
  const [debitRead, refund] = results;
  if (debitRead.statusCode < 300 && refund.statusCode < 300) return true;
  // Already refunded (the refund entry is this rental's), or no debit to undo.
  if (refund.statusCode === 409) return true;
  if (debitRead.statusCode === 404) return false;
  throw new Error(
    `Refund batch for rental ${rental.id} failed: ${results.map((r) => r.statusCode).join('/')}`,
  );
}

// Moves a REQUESTED rental to its final state, the write carrying its event (the rental's last
// write: ./outbox.ts); when it has already left REQUESTED (a repeated step), answers the state it
// is in and writes no event.
async function settle(
  deps: AppDeps,
  rental: Rental,
  operations: { op: 'set'; path: string; value: unknown }[],
  event: DomainEvent,
): Promise<Rental> {
  const { members } = deps.containers;
  try {
    const settled = await members.patch<RentalDoc>(
      rental.memberId,
      rental.id,
      [...operations, carryingPatch(event), { op: 'incr', path: '/version', value: 1 }],
      { condition: [{ field: 'status', op: '=', value: 'REQUESTED' }] },
    );
    return toRental(settled);
  } catch (err) {
    if (!isDocumentError(err, 412)) throw err;
  }
  return readRental(deps, rental);
}

function pointsEvent(
  type: 'rentbook.points.debited' | 'rentbook.points.refunded',
  rental: Rental,
  at: string,
): DomainEvent {
  return newEvent(
    type,
    { subject: `members/${rental.memberId}`, at, key: rental.id },
    {
      memberId: rental.memberId,
      rentalId: rental.id,
      amount: rental.price,
    },
  );
}
