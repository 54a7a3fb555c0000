// Renewing a loan: the due date moves on by the loan period from the current due date, up to
// `maxRenewals` times, and not once the loan is overdue.
import { firstDueCheck } from '../domain/overdue';
import { renewalRefusal, dueDate, type Rental } from '../domain/rental';
import { denial, type Caller } from './authorization';
import { rentalEvent } from './events';
import { someoneWaitsFor } from './holds';
import { outboxCreate } from './outbox';
import { fail, ok, type Outcome } from './outcome';
import type { AppDeps, Stored } from './ports';
import { toRental, type RentalDoc } from './records';
import { findRentalDoc, rentalNotFound } from './rentals';
import { nowIso } from './time';

// Only a concurrent change to the same rental (another renewal, a return) makes the write retry.
const MAX_ATTEMPTS = 20;

/**
 * Renews a loan. The rules are judged on the rental as read, and the new due date and count are
 * written only if the rental is still as read (etag), with the `rentbook.rental.renewed` event in the
 * same batch: concurrent renewals are judged one after another, so none passes the cap.
 * A WAITING hold on the book refuses a renewal too, as the book's queue stands when the renewal is
 * judged (the queue is in another partition: a hold placed a moment later does not undo it).
 */
export async function renewRental(deps: AppDeps, caller: Caller, rentalId: string): Promise<Outcome<Rental>> {
  const denied = denial(caller, 'rentals.renew');
  if (denied) return denied;
  const { members } = deps.containers;
  let doc: Stored<RentalDoc> | undefined = await findRentalDoc(deps, rentalId);
  for (let attempt = 1; ; attempt++) {
    if (!doc) return rentalNotFound(rentalId);
    const refused = denial(caller, 'rentals.renew', doc);
    if (refused) return refused;
    const now = nowIso(deps.clock);
    const refusal = renewalRefusal(doc, now, deps.policy.maxRenewals);
    if (refusal === 'not-on-loan') {
      return fail(
        'conflict',
        'not-on-loan',
        `Rental ${rentalId} is ${doc.status}; only a loan can be renewed.`,
      );
    }
    if (refusal === 'overdue') {
      return fail('conflict', 'rental-overdue', `Rental ${rentalId} is overdue; return it instead.`);
    }
    if (refusal === 'renewal-limit') {
      return fail(
        'conflict',
        'renewal-limit',
        `Rental ${rentalId} has been renewed ${deps.policy.maxRenewals} times, the most allowed.`,
      );
    }
    if (await someoneWaitsFor(deps, doc.bookId)) {
      return fail(
        'conflict',
        'book-on-hold',
        `Another member is waiting for this book; rental ${rentalId} cannot be renewed. Return it instead.`,
      );
    }
    const renewals = (doc.renewals ?? 0) + 1;
    const dueAt = dueDate(doc.dueAt!, deps.policy.loanDays);
    const [renewed] = await members.batch(doc.memberId, [
      {
        operationType: 'Patch',
        id: doc.id,
        ifMatch: doc._etag,
        operations: [
          { op: 'set', path: '/dueAt', value: dueAt },
          { op: 'set', path: '/renewals', value: renewals },
          { op: 'set', path: '/dueCheckAt', value: firstDueCheck(dueAt) },
          { op: 'incr', path: '/version', value: 1 },
        ],
      },
      outboxCreate(
        doc.memberId,
        rentalEvent(
          'rentbook.rental.renewed',
          doc,
          { dueAt, renewals, renewedAt: now },
          { at: now, key: String(renewals) },
        ),
      ),
    ]);
    if (renewed.statusCode < 300) return ok(toRental(renewed.resourceBody as unknown as RentalDoc));
    if (renewed.statusCode !== 412 && renewed.statusCode !== 404) {
      throw new Error(`Renewal batch for rental ${rentalId} failed: ${renewed.statusCode}`);
    }
    if (attempt >= MAX_ATTEMPTS) throw new Error(`Renewal of rental ${rentalId} kept losing races`);
    // Someone else changed the rental (another renewal, a return): judge again on what is stored.
    doc = await members.read<RentalDoc>(doc.memberId, doc.id);
  }
}
