// Use cases that write in two partitions, one after the other, when the second write does not
// happen (the process dies between them, or that container cannot be written):
// - a return writes the rental (RETURNED, the member's loan off, the fee), then the book (the copy
//   back): the return stands, and the change feed of `members` brings the RETURNED rental to the
//   views projector, which gives the copy back, once, and only while the book still holds it for
//   that rental;
// - a hold is placed in the book's queue, then recorded in the member's partition (where it is
//   found by its id): without the record, the hold view made from the queue says where it is, so
//   it can still be cancelled.
import { beforeEach, describe, expect, it } from 'vitest';
import type { Caller } from '../../shared/app/authorization';
import { addBook, getBook } from '../../shared/app/catalog';
import { depositPoints, registerMember } from '../../shared/app/members';
import type { AppDeps, DocumentContainer } from '../../shared/app/ports';
import { chargeAndApprove, reserveCopyFor } from '../../shared/app/rental-saga-steps';
import type { MemberDoc, RentalDoc } from '../../shared/app/records';
import { requestRental } from '../../shared/app/rentals';
import { releaseReturnedCopies, returnRental } from '../../shared/app/returns';
import { projectBookChanges, projectMemberChanges } from '../../shared/app/views';
import { cancelHold, placeHold } from '../../shared/app/holds';
import type { Rental } from '../../shared/domain/rental';
import { storeDeps } from './support-store';

const librarian: Caller = { role: 'librarian', subject: 'librarian:test' };

let deps: AppDeps;

beforeEach(() => {
  deps = storeDeps().deps;
});

function value<T>(outcome: { ok: true; value: T } | { ok: false }): T {
  if (!outcome.ok) throw new Error(`expected a value, got ${JSON.stringify(outcome)}`);
  return outcome.value;
}

async function memberWith(points: number): Promise<string> {
  const member = value(await registerMember(deps, librarian, { name: 'Kim', phone: null }));
  value(await depositPoints(deps, librarian, { memberId: member.id, amount: points }));
  return member.id;
}

async function bookWith(copies: number): Promise<string> {
  return value(
    await addBook(deps, librarian, {
      title: 'Dune',
      author: 'Herbert',
      isbn: null,
      price: 100,
      copies,
      withdrawn: false,
    }),
  ).id;
}

/** A rental lent as the saga lends it: a copy taken, the points charged, approved. */
async function lent(memberId: string, bookId: string): Promise<Rental> {
  const rental = value(await requestRental(deps, librarian, { bookId, memberId }));
  expect(await reserveCopyFor(deps, rental.id, { memberId, bookId })).toEqual({ rental });
  const charged = await chargeAndApprove(deps, rental, new Date().toISOString());
  if (!charged.ok) throw new Error(charged.reason);
  return charged.rental;
}

/** The same store, with every write to `books` failing (as a store out of reach would). */
function booksUnwritable(of: AppDeps): AppDeps {
  const books = new Proxy(of.containers.books, {
    get(target, name, receiver) {
      const member = Reflect.get(target, name, receiver) as unknown;
      if (typeof member !== 'function') return member;
      if (name === 'read' || name === 'query') return member.bind(target);
      return () => Promise.reject(new Error('books: service unavailable'));
    },
  }) as DocumentContainer;
  return { ...of, containers: { ...of.containers, books } };
}

const available = async (bookId: string) => value(await getBook(deps, librarian, bookId)).available;
const rentalDoc = async (rental: Rental) =>
  (await deps.containers.members.read<RentalDoc>(rental.memberId, rental.id)) as RentalDoc;

describe('a return whose copy did not go back', () => {
  it('stands (200 RETURNED, loan off the member), and the views projector gives the copy back once', async () => {
    const memberId = await memberWith(1000);
    const bookId = await bookWith(1);
    const rental = await lent(memberId, bookId);
    expect(await available(bookId)).toBe(0);

    const returned = value(await returnRental(booksUnwritable(deps), librarian, rental.id));
    expect(returned).toMatchObject({ id: rental.id, status: 'RETURNED' });
    const member = await deps.containers.members.read<MemberDoc>(memberId, memberId);
    expect(member).toMatchObject({ onLoan: 0, loans: {}, points: 900 });
    // The copy is still held for the returned rental.
    expect(await available(bookId)).toBe(0);

    // The change feed delivers the RETURNED rental (twice: at least once).
    const change = await rentalDoc(rental);
    await projectMemberChanges(deps, [change]);
    expect(await available(bookId)).toBe(1);
    expect(await releaseReturnedCopies(deps, [toReturned(change)])).toBe(0);
    await projectMemberChanges(deps, [change]);
    expect(await available(bookId)).toBe(1);
  });

  it('a late or repeated delivery does not take back a copy lent again since', async () => {
    const bookId = await bookWith(1);
    const first = await lent(await memberWith(1000), bookId);
    value(await returnRental(deps, librarian, first.id));
    expect(await available(bookId)).toBe(1);
    const second = await lent(await memberWith(1000), bookId);
    expect(await available(bookId)).toBe(0);

    expect(await releaseReturnedCopies(deps, [toReturned(await rentalDoc(first))])).toBe(0);
    await projectMemberChanges(deps, [await rentalDoc(first)]);
    expect(await available(bookId)).toBe(0);
    expect((await rentalDoc(second)).status).toBe('APPROVED');
  });

  it('a rental not returned gives nothing back, whatever the change says of it', async () => {
    const bookId = await bookWith(2);
    const rental = await lent(await memberWith(1000), bookId);
    await projectMemberChanges(deps, [await rentalDoc(rental)]);
    expect(await available(bookId)).toBe(1);
  });
});

describe('a hold whose record was not written', () => {
  it('is found from its view and cancelled, once', async () => {
    const bookId = await bookWith(1);
    const lender = await lent(await memberWith(1000), bookId);
    const memberId = await memberWith(0);
    const hold = value(await placeHold(deps, librarian, { bookId, memberId }));
    // As if the process had died before recording the hold.
    await deps.containers.members.delete(memberId, hold.id);
    // Not findable until the projector has made its view from the book's queue.
    expect(await cancelHold(deps, librarian, hold.id)).toMatchObject({
      ok: false,
      problem: { code: 'hold-not-found' },
    });

    await projectBookChanges(deps, [await deps.containers.books.read(bookId, bookId)]);
    expect(
      value(await cancelHold(deps, { role: 'member', subject: `member:${memberId}`, memberId }, hold.id)),
    ).toMatchObject({
      id: hold.id,
      status: 'CANCELLED',
    });
    expect(await cancelHold(deps, librarian, hold.id)).toMatchObject({
      ok: false,
      problem: { code: 'hold-not-active' },
    });
    value(await returnRental(deps, librarian, lender.id));
    expect(await available(bookId)).toBe(1);
  });
});

function toReturned(doc: RentalDoc) {
  return { id: doc.id, bookId: doc.bookId, returnedAt: doc.returnedAt };
}
