// A step that runs again (an activity retried, a return raced) never writes a second event, and a
// step that changes nothing writes none: the outbox holds one event per fact.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../shared/app/authorization';
import { addBook } from '../../shared/app/catalog';
import { depositPoints, registerMember } from '../../shared/app/members';
import type { CarriesEvents } from '../../shared/app/outbox';
import type { AppDeps, Doc } from '../../shared/app/ports';
import {
  chargeAndApprove,
  refundPoints,
  rejectRental,
  reserveCopyFor,
} from '../../shared/app/rental-saga-steps';
import { requestRental } from '../../shared/app/rentals';
import { returnRental } from '../../shared/app/returns';
import { storeDeps } from '../rentals/support-store';

const librarian: Caller = { role: 'librarian', subject: 'librarian:test' };
let deps: AppDeps;

beforeEach(() => {
  deps = storeDeps().deps;
});

function value<T>(outcome: { ok: true; value: T } | { ok: false }): T {
  if (!outcome.ok) throw new Error('expected a value');
  return outcome.value;
}

// Every event the member's partition holds: in outbox items, ledger entries, rentals.
async function outbox(memberId: string): Promise<string[]> {
  const page = await deps.containers.members.query<Doc & CarriesEvents>({
    partitionKey: memberId,
    where: [{ field: 'events', op: 'exists' }],
    limit: 100,
  });
  return page.items
    .flatMap((o) => (o.events ?? []).map(({ event }) => `${event.type} ${event.subject}`))
    .sort();
}

describe('the outbox of a member', () => {
  it('holds one event per fact however often each step runs', async () => {
    const memberId = value(await registerMember(deps, librarian, { name: 'Kim', phone: null })).id;
    value(await depositPoints(deps, librarian, { memberId, amount: 500, idempotencyKey: 'key-1' }));
    value(await depositPoints(deps, librarian, { memberId, amount: 500, idempotencyKey: 'key-1' }));
    const bookId = value(
      await addBook(deps, librarian, {
        title: 'Dune',
        author: 'H',
        isbn: null,
        price: 200,
        copies: 1,
        withdrawn: false,
      }),
    ).id;
    const rental = value(await requestRental(deps, librarian, { bookId, memberId }, 'rent-1'));
    value(await requestRental(deps, librarian, { bookId, memberId }, 'rent-1'));
    for (let i = 0; i < 2; i++) {
      await reserveCopyFor(deps, rental.id, rental);
      await chargeAndApprove(deps, rental, '2026-03-01T00:00:00.000Z');
    }
    // Settled already: rejecting now changes nothing, so it says nothing.
    await rejectRental(deps, rental, 'BOOK_RENTED');
    value(await returnRental(deps, librarian, rental.id));
    const again = await returnRental(deps, librarian, rental.id);
    expect(again.ok).toBe(false);

    const r = `rentals/${rental.id}`;
    expect(await outbox(memberId)).toEqual(
      [
        `rentbook.member.registered members/${memberId}`,
        `rentbook.points.deposited members/${memberId}`,
        `rentbook.points.debited members/${memberId}`,
        `rentbook.rental.requested ${r}`,
        `rentbook.rental.approved ${r}`,
        `rentbook.rental.returned ${r}`,
      ].sort(),
    );
  });

  it('a refund is one event, even when the compensation runs twice', async () => {
    const memberId = value(await registerMember(deps, librarian, { name: 'Lee', phone: null })).id;
    value(await depositPoints(deps, librarian, { memberId, amount: 500 }));
    const bookId = value(
      await addBook(deps, librarian, {
        title: 'Dune',
        author: 'H',
        isbn: null,
        price: 200,
        copies: 1,
        withdrawn: false,
      }),
    ).id;
    const rental = value(await requestRental(deps, librarian, { bookId, memberId }));
    await reserveCopyFor(deps, rental.id, rental);
    await chargeAndApprove(deps, rental, '2026-03-01T00:00:00.000Z');
    // As if the approval had not gone through: the saga refunds before it rejects.
    await deps.containers.members.patch(memberId, rental.id, [
      { op: 'set', path: '/status', value: 'REQUESTED' },
    ]);
    await refundPoints(deps, rental);
    await refundPoints(deps, rental);
    await rejectRental(deps, rental, 'BOOK_RENTED');
    await rejectRental(deps, rental, 'BOOK_RENTED');
    const events = await outbox(memberId);
    expect(events.filter((e) => e.startsWith('rentbook.points.refunded'))).toHaveLength(1);
    expect(events.filter((e) => e.startsWith('rentbook.rental.rejected'))).toHaveLength(1);
  });
});
