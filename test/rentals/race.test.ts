// Many members race for the last copies: conditional writes, not locks, decide who gets one.
import { describe, expect, it } from 'vitest';
import { getService } from '../../local/host/services';
import type { DocumentStore } from '../../local/documents/types';
import { containerDefinitions, DATABASE_ID, type LedgerDoc } from '../../shared/app/records';
import { libraryHost, eventually } from './support-host';
import type { Rental } from '../../shared/domain/rental';

const ctx = libraryHost();

/** The rental once the saga has settled it (a 202 is followed up with GETs). */
async function settled(reply: { status: number; body: Rental }): Promise<Rental> {
  if (reply.status === 201) return reply.body;
  expect(reply.status).toBe(202);
  return eventually(async () => {
    const r = await ctx.lib.rental(reply.body.id);
    return r.status === 'REQUESTED' ? undefined : r;
  });
}

function ledger(memberId: string): LedgerDoc[] {
  const members = getService<DocumentStore>('documents').container(
    DATABASE_ID,
    containerDefinitions.members.id,
  )!;
  return members.query({
    partitionKey: memberId,
    where: [{ field: 'type', op: '=', value: 'ledger' }],
    limit: 1000,
  }).items as unknown as LedgerDoc[];
}

describe('50 members rent a book with 3 copies at once', () => {
  it('exactly 3 are APPROVED, 47 REJECTED BOOK_RENTED, and the 47 keep every point', async () => {
    const book = await ctx.lib.addBook({ price: 300, copies: 3 });
    // One after another: 50 sign-ups at once would pass the host's limit of requests outstanding.
    const members: string[] = [];
    for (let i = 0; i < 50; i++) members.push(await ctx.lib.addMember(1000, `Racer ${i}`));

    // More rents at once than the host takes (host.json maxOutstandingRequests, MAX_RENTALS_IN_FLIGHT):
    // a refused one (429 or 503, nothing recorded) comes back after its Retry-After, as a client does.
    const rent = async (m: string): Promise<Rental> => {
      for (;;) {
        const reply = await ctx.lib.rent(m, book.id);
        if (reply.status !== 503 && reply.status !== 429) return settled(reply);
        await new Promise((r) => setTimeout(r, Number(reply.headers.get('retry-after')) * 1000));
      }
    };
    const rentals = await Promise.all(members.map(rent));

    const approved = rentals.filter((r) => r.status === 'APPROVED');
    const rejected = rentals.filter((r) => r.status === 'REJECTED');
    expect(approved).toHaveLength(3);
    expect(rejected).toHaveLength(47);
    expect(new Set(rejected.map((r) => r.reason))).toEqual(new Set(['BOOK_RENTED']));
    expect(await ctx.lib.book(book.id)).toMatchObject({ available: 0, status: 'RENTED' });

    for (const r of approved) expect((await ctx.lib.member(r.memberId)).points).toBe(700);
    for (const r of rejected) expect((await ctx.lib.member(r.memberId)).points).toBe(1000);

    // Whoever was charged before losing the race got exactly that charge back, once.
    for (const r of rejected) {
      const kinds = ledger(r.memberId)
        .filter((e) => e.rentalId === r.id)
        .map((e) => `${e.kind}:${e.amount}`)
        .sort();
      expect([[], ['debit:300', 'refund:300']]).toContainEqual(kinds);
    }
  });
});
