// The operators' events the Portal dashboard and alerts read (infra/README.md "What the app
// emits"), as the app writes them through the local host's log: one line per fact, a JSON object
// starting with {"event":, written by the function that decides the fact, never twice.
import { describe, expect, it } from 'vitest';
import { breakViews, contentOf } from '../views/support-store-access';
import { views } from '../views/support-views';
import { eventLog, eventually, libraryHost, memberToken, type LoggedEvent } from './support-host';

const log = eventLog();
const ctx = libraryHost({ logger: log.logger });

const about = (rentalId: string) =>
  log.events().filter((e) => 'rentalId' in e.event && e.event.rentalId === rentalId);

describe("a rent's events", () => {
  it('a member with 1000 points rents a 300-point book → one rental.approved from the saga, nothing else', async () => {
    const book = await ctx.lib.addBook({ price: 300, copies: 1 });
    const memberId = await ctx.lib.addMember(1000);
    const reply = await ctx.lib.rent(memberId, book.id);
    expect(reply.body.status).toBe('APPROVED');
    const rentalId = reply.body.id;
    await eventually(async () => (about(rentalId).length > 0 ? true : undefined), 10_000, 'the line');
    expect(about(rentalId)).toEqual([
      { fn: 'rental-saga', event: { event: 'rental.approved', rentalId } },
    ] satisfies LoggedEvent[]);
  });

  it('a member with 500 points rents a 1000-point book → one rental.rejected INSUFFICIENT_POINTS, nothing compensated', async () => {
    const book = await ctx.lib.addBook({ price: 1000, copies: 1 });
    const memberId = await ctx.lib.addMember(500);
    const reply = await ctx.lib.rent(memberId, book.id);
    expect(reply.body).toMatchObject({ status: 'REJECTED', reason: 'INSUFFICIENT_POINTS' });
    const rentalId = reply.body.id;
    await eventually(async () => (about(rentalId).length > 0 ? true : undefined), 10_000, 'the line');
    expect(about(rentalId)).toEqual([
      {
        fn: 'rental-saga',
        event: { event: 'rental.rejected', rentalId, reason: 'INSUFFICIENT_POINTS' },
      },
    ] satisfies LoggedEvent[]);
  });
});

describe("the views projector's events", () => {
  it('a change it applies → projection.applied with its lag (now − the change time, never negative)', async () => {
    const since = log.events().length;
    const startedAt = Date.now();
    const memberId = await ctx.lib.addMember(0, 'Lim');
    await views(ctx.lib.api).mypageWhen(memberId, (p) => p.name === 'Lim', 'the new member');
    const applied = await eventually(
      async () => {
        const lines = log.events().slice(since);
        return lines.some((e) => e.event.event === 'projection.applied') ? lines : undefined;
      },
      10_000,
      'projection.applied',
    );
    for (const { fn, event } of applied) {
      expect(fn).toBe('views-project');
      expect(event).toMatchObject({ event: 'projection.applied', projection: 'views-project' });
      // The store keeps `_ts` in whole seconds, so the lag is at most this test's age plus a second.
      const { lagMs } = event as { lagMs: number };
      expect(lagMs).toBeGreaterThanOrEqual(0);
      expect(lagMs).toBeLessThanOrEqual(Date.now() - startedAt + 1000);
    }
  });

  it('changes it keeps failing on → one projection.deadlettered per dead letter, naming it', async () => {
    const memberId = await ctx.lib.addMember(0, 'Yoon');
    await views(ctx.lib.api).mypageWhen(memberId, (p) => p.name === 'Yoon', 'the new member');
    const before = new Set(contentOf('dead-letters').map((d) => d.id));
    const broken = breakViews();
    try {
      await ctx.lib.api('POST', `/api/members/${memberId}/points`, {
        token: memberToken(memberId),
        body: { amount: 40 },
      });
      const letters = await eventually(
        async () => {
          const fresh = contentOf('dead-letters').filter((d) => !before.has(d.id));
          if (fresh.length > 0) return fresh;
          // The projector's retries wait on the host's clock (1, 2 and 4 s): move it on, not wait.
          await ctx.lib.api('POST', '/admin/clock', { body: { advanceBy: 'PT5S' } });
          return undefined;
        },
        30_000,
        'a dead letter',
      );
      const lines = await eventually(
        async () => {
          const found = log.events().filter((e) => e.event.event === 'projection.deadlettered');
          return found.length >= letters.length ? found : undefined;
        },
        10_000,
        'projection.deadlettered',
      );
      expect(lines).toEqual(
        letters.map((l) => ({
          fn: 'views-project',
          event: { event: 'projection.deadlettered', projection: 'views-project', id: l.id },
        })),
      );
    } finally {
      broken.mend();
    }
  });
});
