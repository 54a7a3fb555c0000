// Asking to rent a book, and looking a rental up. The rent itself runs as the borrow saga
// (functions/rental-saga.ts over ./rental-saga-steps.ts); this module records what is asked, and
// the saga goes ahead only on what was recorded (docs/decisions/0004-saga-trusts-the-record.md).
import type { Rental } from '../domain/rental';
import { actingFor, denial, type Caller } from './authorization';
import { bindIdempotencyKey } from './idempotency';
import { idFromKey, newId } from './ids';
import { fail, ok, type Outcome } from './outcome';
import { bookNotFound, readBook } from './catalog';
import { memberNotFound, readMember } from './members';
import { rentalEvent } from './events';
import { outboxCreate } from './outbox';
import type { AppDeps } from './ports';
import { toRental, type RentalDoc } from './records';
import { nowIso } from './time';

/**
 * Records the REQUESTED rental the saga will run for. A member rents for itself; a librarian names
 * the member. Title and price come from the stored book, fixed now, as the member saw them. With
 * an idempotency key the rental id is derived from (caller, key), so the same request again names
 * the same rental and records nothing new; the key with another request is refused.
 */
export async function requestRental(
  deps: AppDeps,
  caller: Caller,
  input: { bookId: string; memberId?: string },
  idempotencyKey?: string,
): Promise<Outcome<Rental>> {
  const acting = actingFor(caller, 'rentals.request', input.memberId);
  if (!acting.ok) return acting;
  const memberId = acting.value;
  // A book or member that does not exist is refused here and records nothing, so no one can fill
  // the board with rentals of nothing. One removed after this point is still the saga's to reject.
  const [book, member] = await Promise.all([readBook(deps, input.bookId), readMember(deps, memberId)]);
  if (member?.type !== 'member') return memberNotFound(memberId);
  if (!book) return bookNotFound(input.bookId);
  if (idempotencyKey) {
    const bound = await bindIdempotencyKey(deps, caller, idempotencyKey, {
      route: 'POST /rentals',
      body: input,
    });
    if (!bound.ok) return bound;
  }
  const id = idempotencyKey ? idFromKey('rental', caller.subject, idempotencyKey) : newId(deps.clock);
  const rental: Rental = {
    id,
    memberId,
    bookId: input.bookId,
    bookTitle: book.title,
    price: book.price,
    status: 'REQUESTED',
    requestedAt: nowIso(deps.clock),
  };
  // The rental and its event, in one batch.
  const [created] = await deps.containers.members.batch(memberId, [
    { operationType: 'Create', resourceBody: { ...rental, type: 'rental', version: 1 } },
    outboxCreate(memberId, rentalEvent('rentbook.rental.requested', rental)),
  ]);
  if (created.statusCode === 409) {
    // The same keyed request again: the rental as recorded the first time.
    const recorded = await deps.containers.members.read<RentalDoc>(memberId, id);
    if (recorded) return ok(toRental(recorded));
  }
  if (created.statusCode >= 300) throw new Error(`Recording rental ${id} failed: ${created.statusCode}`);
  return ok(rental);
}

export async function getRental(deps: AppDeps, caller: Caller, rentalId: string): Promise<Outcome<Rental>> {
  const denied = denial(caller, 'rentals.read');
  if (denied) return denied;
  const rental = await findRental(deps, rentalId);
  if (!rental) return rentalNotFound(rentalId);
  return denial(caller, 'rentals.read', rental) ?? ok(rental);
}

/**
 * REQUESTED rentals recorded before `before`, oldest first, a page at a time: among them any whose
 * saga never started, because the process stopped between recording the rental and starting it.
 */
export async function rentalsRequestedBefore(
  deps: AppDeps,
  before: string,
  page: { limit: number; continuation?: string },
): Promise<{ items: Rental[]; continuation?: string }> {
  const found = await deps.containers.members.query<RentalDoc>({
    where: [
      { field: 'type', op: '=', value: 'rental' },
      { field: 'status', op: '=', value: 'REQUESTED' },
      { field: 'requestedAt', op: '<', value: before },
    ],
    orderBy: [{ field: 'requestedAt', direction: 'asc' }],
    limit: page.limit,
    continuation: page.continuation,
  });
  return { items: found.items.map(toRental), continuation: found.continuation };
}

/** A rental by id alone: rentals live with their member, so this is a cross-partition lookup. */
export async function findRental(deps: AppDeps, rentalId: string): Promise<Rental | undefined> {
  const doc = await findRentalDoc(deps, rentalId);
  return doc && toRental(doc);
}

export async function findRentalDoc(deps: AppDeps, rentalId: string) {
  const page = await deps.containers.members.query<RentalDoc>({
    where: [
      { field: 'id', op: '=', value: rentalId },
      { field: 'type', op: '=', value: 'rental' },
    ],
    limit: 1,
  });
  return page.items[0];
}

export function rentalNotFound<T>(rentalId: string): Outcome<T> {
  return fail('not-found', 'rental-not-found', `There is no rental with id ${rentalId}.`);
}
