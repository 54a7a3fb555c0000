// Returning a book: the copy goes back on the shelf, the rental becomes RETURNED, the loan comes off
// the member, and a late fee (by whole calendar days late) is added to what the member owes.
import { lateDays, lateFee } from '../domain/fees';
import { isOnLoan, type Rental } from '../domain/rental';
import { denial, type Caller } from './authorization';
import { fail, ok, type Outcome } from './outcome';
import type { AppDeps, BatchOperation, PatchOperation, Stored } from './ports';
import { findRentalDoc, rentalNotFound } from './rentals';
import { carryingPatch } from './outbox';
import { rentalEvent } from './events';
import { releaseCopy } from './rental-saga-steps';
import { memberLoanKey, toRental, type MemberDoc, type RentalDoc } from './records';
import { nowIso } from './time';

// Only a concurrent change to the same rental (say, the overdue timer) makes the write retry.
const MAX_ATTEMPTS = 20;

/**
 * The copy is released first, then the rental and the fee are written in one batch. If the
 * process dies in between, the rental is still on loan and returning it again completes the
 * return (releasing is a no-op the second time); the opposite order could strand a copy.
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
    await releaseCopy(deps, doc, returnedAt);
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
    if (returned.statusCode < 300) return ok(toRental(returned.resourceBody as unknown as RentalDoc));
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
