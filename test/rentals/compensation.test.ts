// The borrow saga's compensation: the copy is gone after the member's points were taken, so the
// points come back, exactly once, and the rental ends REJECTED; the operators see one
// saga.compensated line and one rental.rejected line for it.
import { describe, expect, it } from 'vitest';
import type { DocumentStore } from '../../local/documents/types';
import { getService } from '../../local/host/services';
import { embeddedAppDeps } from '../../local/adapters';
import { idFromKey } from '../../shared/app/ids';
import { reserveCopy } from '../../shared/app/rental-saga-steps';
import { containerDefinitions, DATABASE_ID, ledgerId, type LedgerDoc } from '../../shared/app/records';
import { eventLog, libraryHost } from './support-host';

const log = eventLog();
const ctx = libraryHost({ logger: log.logger });

describe('the last copy is taken between the debit and the reservation', () => {
  it('→ REJECTED BOOK_RENTED, the price refunded once, the other member keeps the copy', async () => {
    const book = await ctx.lib.addBook({ price: 300, copies: 1 });
    const memberId = await ctx.lib.addMember(1000);
    const rivalId = await ctx.lib.addMember(0);
    const key = 'compensate-me';
    const rentalId = idFromKey('rental', `member:${memberId}`, key);

    // The moment this rental's debit commits, a rival's saga takes the last copy (its own reserve
    // step, on the same store). The store reports commits synchronously, and the step's conditional
    // patch runs before its first await, so the copy is gone before this saga's reserve step runs.
    const store = getService<DocumentStore>('documents');
    const members = store.container(DATABASE_ID, containerDefinitions.members.id)!;
    const deps = embeddedAppDeps();
    let rivalReserved: Promise<unknown> | undefined;
    const stop = members.onChange(() => {
      if (rivalReserved || !members.read(memberId, ledgerId('debit', rentalId))) return;
      rivalReserved = reserveCopy(deps, {
        id: '11111111-2222-3333-4444-555555555555',
        memberId: rivalId,
        bookId: book.id,
        bookTitle: book.title,
        price: 0,
        status: 'REQUESTED',
        requestedAt: new Date(ctx.host.clock.now()).toISOString(),
      });
    });
    try {
      const reply = await ctx.lib.rent(memberId, book.id, { 'Idempotency-Key': key });
      expect(await rivalReserved).toEqual({ ok: true });
      expect(reply.status).toBe(201);
      expect(reply.body).toMatchObject({ id: rentalId, status: 'REJECTED', reason: 'BOOK_RENTED' });
    } finally {
      stop();
    }

    expect((await ctx.lib.member(memberId)).points).toBe(1000);
    const movements = members
      .query({ partitionKey: memberId, where: [{ field: 'rentalId', op: '=', value: rentalId }] })
      .items.map((d) => `${(d as unknown as LedgerDoc).kind}:${(d as unknown as LedgerDoc).amount}`)
      .sort();
    expect(movements).toEqual(['debit:300', 'refund:300']);
    expect(await ctx.lib.book(book.id)).toMatchObject({ available: 0, status: 'RENTED' });

    // The saga wrote its lines before it finished, so they are all there by the time the rent answered.
    expect(log.events().filter((e) => 'rentalId' in e.event && e.event.rentalId === rentalId)).toEqual([
      { fn: 'rental-saga', event: { event: 'saga.compensated', rentalId, step: 'refundPoints' } },
      { fn: 'rental-saga', event: { event: 'rental.rejected', rentalId, reason: 'BOOK_RENTED' } },
    ]);
  });
});
