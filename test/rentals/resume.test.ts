// A rental recorded whose saga never started (the process stopped between the two) is not left
// REQUESTED: a minute on, the resume timer starts its saga, which settles it once.
import { embeddedAppDeps } from '../../local/adapters';
import { describe, expect, it } from 'vitest';
import type { AppDeps } from '../../shared/app/ports';
import { requestRental } from '../../shared/app/rentals';
import { eventually, libraryHost } from './support-host';

const ctx = libraryHost();

// The app's own ports over the host's services (this process runs the host).
const deps = (): AppDeps => embeddedAppDeps();

describe('a rental recorded but never started', () => {
  it('is started by the resume timer a minute later → APPROVED, charged once', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 300, copies: 2 });
    const recorded = await requestRental(
      deps(),
      { role: 'librarian', subject: 'librarian:test' },
      { bookId: book.id, memberId },
    );
    if (!recorded.ok) throw new Error('the rental was not recorded');
    const rentalId = recorded.value.id;
    expect(await ctx.lib.rental(rentalId)).toMatchObject({ status: 'REQUESTED', price: 300 });

    const runNow = () => ctx.lib.api('POST', '/admin/functions/rentals-resume', { body: {} });
    const moved = await ctx.lib.api('POST', '/admin/clock', { body: { advanceBy: 'PT2M' } });
    expect(moved.status).toBe(200);
    expect((await runNow()).status).toBe(202);
    const settled = await eventually(async () => {
      const r = await ctx.lib.rental(rentalId);
      return r.status === 'REQUESTED' ? undefined : r;
    });
    expect(settled).toMatchObject({ id: rentalId, memberId, status: 'APPROVED', price: 300 });
    expect((await ctx.lib.member(memberId)).points).toBe(700);
    expect((await ctx.lib.book(book.id)).available).toBe(1);
  });
});
