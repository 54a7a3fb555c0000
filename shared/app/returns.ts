// Returning a book: the rental becomes RETURNED, the loan comes off the member, and a late fee (by
// whole calendar days late) is added to what the member owes, in one write in the member's
// partition; then the copy goes back on the shelf (or to the first hold), in the book's.
import { lateDays, lateFee } from '../domain/fees';
import { isOnLoan, type Rental } from '../domain/rental';
import { denial, type Caller } from './authorization';
import { fail, ok, type Outcome } from './outcome';
import type { AppDeps, BatchOperation, PatchOperation, Stored } from './ports';
import { findRentalDoc, rentalNotFound } from './rentals';
import { carryingPatch } from './outbox';
import { rentalEvent } from './events';
import { releaseCopy } from './rental-saga-steps';
import {
  isBook,
  loanKey,
  memberLoanKey,
  toRental,
  type BookDoc,
  type MemberDoc,
  type RentalDoc,
} from './records';
import { nowIso } from './time';

// Only a concurrent change to the same rental (say, the overdue timer) makes the write retry.
const MAX_ATTEMPTS = 20;

/**
 * The rental, the member's loan and the fee are written first, in one batch: that write is the
 * return, and carries its event. The copy is released after it. If the process dies in between, or
 * the books are out of reach, the copy is not lost: the change feed of `members` brings the
 * RETURNED rental to the views projector, which releases a copy its book still holds for it
 * (`releaseReturnedCopies`). The opposite order left a return half done when the process died
 * between the two writes (the copy back on the shelf, the rental still on loan, its due date and
 * fee still running) until the member returned it again.
 */
export async function returnRental(
  deps: AppDeps,
  caller: Caller,
  rentalId: string,
): Promise<Outcome<Rental>> {
  const denied = denial(caller, 'rentals.return');
  if (denied) return denied;
  const { members } = deps.containers;
  let doc: Stored<RentalDoc> | undefined = await findRentalDoc(deps, rentalId);
  for (let attempt = 1; ; attempt++) {
    if (!doc) return rentalNotFound(rentalId);
    const refused = denial(caller, 'rentals.return', doc);
    if (refused) return refused;
    if (!isOnLoan(doc.status) || doc.dueAt === undefined) return notOnLoan(doc);
    const returnedAt = nowIso(deps.clock);
    const days = lateDays(doc.dueAt, returnedAt, deps.policy.feeTimeZone);
    const fee = lateFee(days);
    // The loan comes off the member too, when the debit recorded it there (only this return, which
    // the rental's etag makes the one return, can take it off).
    const bookKey = memberLoanKey(doc.bookId);
    const member: MemberDoc | undefined = await members.read<MemberDoc>(doc.memberId, doc.memberId);
    const memberOperations: PatchOperation[] = [];
    if (fee > 0) memberOperations.push({ op: 'incr', path: '/feesOwed', value: fee });
    if (member?.loans?.[bookKey]?.rentalId === doc.id) {
      memberOperations.push(
        { op: 'incr', path: '/onLoan', value: -1 },
        { op: 'remove', path: `/loans/${bookKey}` },
      );
    }
    const operations: BatchOperation[] = [
      {
        operationType: 'Patch',
        id: doc.id,
        ifMatch: doc._etag,
        operations: [
          { op: 'set', path: '/status', value: 'RETURNED' },
          { op: 'set', path: '/returnedAt', value: returnedAt },
          { op: 'set', path: '/lateDays', value: days },
          { op: 'set', path: '/fee', value: fee },
          // Off the overdue timer's watch (null, not removed: a loan approved before it was kept has none).
          { op: 'set', path: '/dueCheckAt', value: null },
          // The rental's last write carries its event (nothing writes a returned rental: ./outbox.ts).
          carryingPatch(
            rentalEvent(
              'rentbook.rental.returned',
              doc,
              { returnedAt, lateDays: days, fee },
              { at: returnedAt },
            ),
          ),
          { op: 'incr', path: '/version', value: 1 },
        ],
      },
    ];
    if (memberOperations.length > 0) {
      operations.push({
        operationType: 'Patch',
        id: doc.memberId,
        operations: [...memberOperations, { op: 'incr', path: '/version', value: 1 }],
      });
    }
    const [returned, charged] = await members.batch(doc.memberId, operations);
    if (returned.statusCode < 300) {
      const rental = toRental(returned.resourceBody as unknown as RentalDoc);
      // The return stands whatever happens to the copy now: a release that fails here is done by
      // the views projector (releaseReturnedCopies), retried there and dead-lettered if it keeps failing.
      await releaseCopy(deps, rental, returnedAt).catch(() => false);
      return ok(rental);
    }
    if (returned.statusCode !== 412 && returned.statusCode !== 404) {
      throw new Error(
        `Return batch for rental ${rentalId} failed: ${returned.statusCode}/${charged?.statusCode}`,
      );
    }
    if (attempt >= MAX_ATTEMPTS) throw new Error(`Return of rental ${rentalId} kept losing races`);
    // Someone else changed the rental (a concurrent return, the overdue timer): look again.
    doc = await members.read<RentalDoc>(doc.memberId, doc.id);
  }
}

function notOnLoan<T>(rental: RentalDoc): Outcome<T> {
  return fail(
    'conflict',
    'not-on-loan',
    `Rental ${rental.id} is ${rental.status}, not on loan; only a rental on loan can be returned.`,
  );
}

/**
 * Finishes the returns whose copy is still held for them (the process died between the return's
 * write and the copy's release, or the release failed): each RETURNED rental in a batch of
 * `members` changes gives its copy back, at its return time, once — only while its book still
 * holds that rental's loan (a returned rental never takes a copy again), so a change delivered
 * twice, late, or after the return's own release changes nothing. One point read per returned
 * rental when there is nothing left to do. Returns how many copies it gave back.
 */
export async function releaseReturnedCopies(
  deps: AppDeps,
  returned: Iterable<Pick<Rental, 'id' | 'bookId' | 'returnedAt'>>,
): Promise<number> {
  let released = 0;
  for (const rental of returned) {
    const book = await deps.containers.books.read<BookDoc>(rental.bookId, rental.bookId);
    if (!isBook(book) || !book.loans[loanKey(rental.id)]) continue;
    if (await releaseCopy(deps, rental, rental.returnedAt ?? nowIso(deps.clock))) released++;
  }
  return released;
}
