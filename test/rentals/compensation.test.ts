// The borrow saga's compensation: the member's points are spent after the saga took a copy for the
// rent and before its debit, so the copy goes back, exactly once, and the rental ends REJECTED; the
// operators see one saga.compensated line and one rental.rejected line for it.
import { describe, expect, it } from 'vitest';
import type { DocumentStore } from '../../local/documents/types';
import { getService } from '../../local/host/services';
import { embeddedAppDeps } from '../../local/adapters';
import { idFromKey } from '../../shared/app/ids';
import {
  containerDefinitions,
  DATABASE_ID,
  loanKey,
  type BookDoc,
  type LedgerDoc,
} from '../../shared/app/records';
import { eventLog, libraryHost } from './support-host';

const log = eventLog();
const ctx = libraryHost({ logger: log.logger });

describe("the member's points are spent between the copy taken and the debit", () => {
  it('→ REJECTED INSUFFICIENT_POINTS, the copy back on the shelf once, no points taken for it', async () => {
    const book = await ctx.lib.addBook({ price: 300, copies: 1 });
    const memberId = await ctx.lib.addMember(1000);
    const key = 'compensate-me';
    const rentalId = idFromKey('rental', `member:${memberId}`, key);

    // The moment this rental's copy is taken, every point of the member is spent (a write to the
    // member on the same store). The store reports commits synchronously and the patch runs before
    // its first await, so the points are gone before this saga's charge runs.
    const store = getService<DocumentStore>('documents');
    const books = store.container(DATABASE_ID, containerDefinitions.books.id)!;
    const members = store.container(DATABASE_ID, containerDefinitions.members.id)!;
    const deps = embeddedAppDeps();
    let spent: Promise<unknown> | undefined;
    const stop = books.onChange(() => {
      const stored = books.read(book.id, book.id) as unknown as BookDoc | undefined;
      if (spent || !stored?.loans[loanKey(rentalId)]) return;
      spent = deps.containers.members.patch(memberId, memberId, [
        { op: 'incr', path: '/points', value: -1000 },
        { op: 'incr', path: '/version', value: 1 },
      ]);
    });
    try {
      const reply = await ctx.lib.rent(memberId, book.id, { 'Idempotency-Key': key });
      expect(await spent).toMatchObject({ points: 0 });
      expect(reply.status).toBe(201);
      expect(reply.body).toMatchObject({ id: rentalId, status: 'REJECTED', reason: 'INSUFFICIENT_POINTS' });
    } finally {
      stop();
    }

    expect((await ctx.lib.member(memberId)).points).toBe(0);
    const movements = members
      .query({ partitionKey: memberId, where: [{ field: 'rentalId', op: '=', value: rentalId }] })
      .items.map((d) => `${(d as unknown as LedgerDoc).kind}:${(d as unknown as LedgerDoc).amount}`);
    expect(movements).toEqual([]);
    expect(await ctx.lib.book(book.id)).toMatchObject({ available: 1, status: 'AVAILABLE' });

    // The saga wrote its lines before it finished, so they are all there by the time the rent answered.
    expect(log.events().filter((e) => 'rentalId' in e.event && e.event.rentalId === rentalId)).toEqual([
      { fn: 'rental-saga', event: { event: 'saga.compensated', rentalId, step: 'releaseCopy' } },
      { fn: 'rental-saga', event: { event: 'rental.rejected', rentalId, reason: 'INSUFFICIENT_POINTS' } },
    ]);
  });
});
