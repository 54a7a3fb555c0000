// Asking to rent a book, and looking a rental up. The rent itself runs as the borrow saga
// (functions/rental-saga.ts over ./rental-saga-steps.ts); this module decides what is asked.
import type { Rental } from '../domain/rental';
import { denial, type Caller } from './authorization';
import { idFromKey, newId } from './ids';
import { fail, ok, type Outcome } from './outcome';
import type { AppDeps } from './ports';
import { toRental, type BookDoc, type RentalDoc } from './records';
import { nowIso } from './time';

/** Rentals the saga has accepted but not recorded yet (the saga's own input). */
export interface PendingRentals {
  find(rentalId: string): Promise<Rental | undefined>;
}

/**
 * The REQUESTED rental the saga will run for. A member rents for itself; a librarian names the
 * member. With an idempotency key the rental id is derived from (caller, key), so a repeated
 * request names the same rental and starts nothing new.
 */
export async function requestRental(
  deps: AppDeps,
  caller: Caller,
  input: { bookId: string; memberId?: string },
  idempotencyKey?: string,
): Promise<Outcome<Rental>> {
  const memberId = input.memberId ?? (caller.role === 'member' ? caller.memberId : undefined);
  const denied = denial(caller, 'rentals.request', memberId === undefined ? undefined : { memberId });
  if (denied) return denied;
  if (memberId === undefined) {
    return fail('invalid', 'member-id-required', 'A librarian renting for a member must give memberId.');
  }
  const id = idempotencyKey ? idFromKey('rental', caller.subject, idempotencyKey) : newId(deps.clock);
  // Title and price are fixed now, as the member saw them; a missing book is the saga's to reject.
  const book = await deps.containers.books.read<BookDoc>(input.bookId, input.bookId);
  return ok({
    id,
    memberId,
    bookId: input.bookId,
    bookTitle: book?.title ?? null,
    price: book?.price ?? 0,
    status: 'REQUESTED',
    requestedAt: nowIso(deps.clock),
  });
}

export async function getRental(
  deps: AppDeps,
  caller: Caller,
  rentalId: string,
  pending: PendingRentals,
): Promise<Outcome<Rental>> {
  const denied = denial(caller, 'rentals.read');
  if (denied) return denied;
  const rental = (await findRental(deps, rentalId)) ?? (await pending.find(rentalId));
  if (!rental) return rentalNotFound(rentalId);
  return denial(caller, 'rentals.read', rental) ?? ok(rental);
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
