// An inbox keeps a notice a year after its last write (the `notices` container's default TTL), then
// the notice is gone; a notice written later stays its own year.
import { describe, expect, it } from 'vitest';
import { NOTICE_TTL_SECONDS } from '../../shared/app/records';
import { inbox, inboxWhen, noticesHost } from './support-notices';

// The timers' schedules never come round while the clock jumps (there is no 29 February in 2027).
process.env.OVERDUE_SCHEDULE = '0 0 0 29 2 *';
process.env.HOLDS_EXPIRY_SCHEDULE = '0 0 0 29 2 *';
const ctx = noticesHost();

async function advanceDays(days: number): Promise<void> {
  const moved = await ctx.lib.api('POST', '/admin/clock', { body: { advanceBy: `P${days}D` } });
  expect(moved.status).toBe(200);
}

const TTL_DAYS = NOTICE_TTL_SECONDS / (24 * 60 * 60);

describe('the inbox', () => {
  it('keeps a notice a year after its last write, then no longer lists it', async () => {
    const { lib } = ctx;
    const memberId = await lib.addMember(1000, 'Yoon');
    const book = await lib.addBook({ title: 'Pachinko', price: 100, copies: 2 });
    const first = await lib.rent(memberId, book.id);
    expect(first.body.status).toBe('APPROVED');
    await inboxWhen(lib, memberId, (n) => n.some((x) => x.kind === 'rental-approved'), 'the approval');

    // A day short of a year: still there.
    await advanceDays(TTL_DAYS - 1);
    expect((await inbox(lib, memberId)).map((n) => n.kind)).toEqual(['rental-approved']);

    // A notice written now, then past the first notice's year: only the newer one is left.
    expect((await lib.returnBook(first.body.id)).status).toBe(200);
    await inboxWhen(lib, memberId, (n) => n.some((x) => x.kind === 'rental-returned'), 'the return');
    await advanceDays(2);
    expect((await inbox(lib, memberId)).map((n) => n.kind)).toEqual(['rental-returned']);
  });
});
