// Projections are safe: a change delivered twice or out of order leaves the views as they are; a
// projector that fails for a while holds up no rent and catches up once mended; one that fails
// past its retries dead-letters the changes, and replaying them puts the views right.
import { embeddedAppDeps } from '../../local/adapters';
import { describe, expect, it } from 'vitest';
import type { StoredDocument } from '../../local/documents/types';
import { projectMemberChanges } from '../../shared/app/views';
import { eventually, librarian, libraryHost, memberToken } from '../rentals/support-host';
import { breakViews, container, contentOf } from './support-store-access';
import { views } from './support-views';

const ctx = libraryHost();

// The app's own use case, on the ports the app uses under this host.
const deps = () => embeddedAppDeps();

describe('projections delivered twice and out of order', () => {
  it('end the same as delivered once in order', async () => {
    const { lib } = ctx;
    const v = views(lib.api);
    // Every version the change feed delivers, as it delivers them: read after each step.
    const delivered: StoredDocument[] = [];
    let lsn = 0;
    const collect = () => {
      const page = container('members').readChangeFeed(lsn, 1000);
      delivered.push(...page.items);
      lsn = page.lastLsn;
    };
    const book = await lib.addBook({ price: 200, copies: 1 });
    const a = await lib.addMember(500, 'Ahn');
    collect();
    const b = await lib.addMember(100, 'Baek');
    collect();
    const ra = await lib.rent(a, book.id);
    collect();
    const rb = await lib.rent(b, book.id);
    collect();
    await lib.returnBook(ra.body.id);
    collect();
    await lib.api('POST', `/api/members/${b}/points`, { token: librarian, body: { amount: 50 } });
    collect();
    expect([ra.body.status, rb.body.status]).toEqual(['APPROVED', 'REJECTED']);
    await v.mypageWhen(b, (p) => p.points === 150 && p.history.length === 1, "b's page");
    await v.mypageWhen(a, (p) => p.history.length === 1 && p.points === 300, "a's page");
    const live = contentOf('views');
    // Several versions of the same items were delivered (a rental REQUESTED, then APPROVED, ...).
    expect(delivered.length).toBeGreaterThan(new Set(delivered.map((d) => d.id)).size);

    // Every change twice, newest first, then again in a shuffled order.
    const reversed = [...delivered].reverse();
    const shuffled = [...delivered].sort((x, y) => (x.id + x._lsn).localeCompare(y.id + y._lsn));
    for (const batch of [reversed, reversed, shuffled, delivered]) await projectMemberChanges(deps(), batch);
    expect(contentOf('views')).toEqual(live);

    // From nothing, out of order and twice: the same views.
    for (const item of container('views').query({ limit: 1000 }).items)
      container('views').delete(String(item.memberId), item.id);
    const result = await projectMemberChanges(deps(), [...shuffled, ...reversed]);
    expect(result.invalid).toEqual([]);
    expect(result.skipped).toBeGreaterThan(0);
    expect(contentOf('views').filter((x) => [a, b].includes(String(x.memberId)))).toEqual(
      live.filter((x) => [a, b].includes(String(x.memberId))),
    );
  });
});

describe('a member with more settled rentals than mypage shows', () => {
  it('keeps the last 20; an older change of one let go, delivered again, does not bring it back', async () => {
    const { lib } = ctx;
    const v = views(lib.api);
    const book = await lib.addBook({ price: 5000, copies: 1 });
    const memberId = await lib.addMember(0, 'Han');
    let lsn = container('members').latestLsn();
    const delivered: StoredDocument[] = [];
    const rentals: string[] = [];
    // Each rent is refused (too few points) and settles REJECTED; every version is kept as delivered.
    for (let i = 0; i < 22; i++) {
      rentals.push((await lib.rent(memberId, book.id)).body.id);
      const page = container('members').readChangeFeed(lsn, 1000);
      delivered.push(...page.items.filter((c) => c.memberId === memberId));
      lsn = page.lastLsn;
    }
    const page = await v.mypageWhen(memberId, (p) => p.history.length === 20, 'the history');
    expect(page.history.map((h) => h.rentalId)).toEqual(rentals.slice(2).reverse());
    const live = contentOf('views').filter((x) => x.memberId === memberId);
    expect(Object.keys(live[0].rentals as object).sort()).toEqual(rentals.slice(2).sort());
    // The first two rentals as they were first written (REQUESTED, version 1), delivered late as a
    // replay from the dead letters would: older than the history kept, and the rentals as stored
    // say they are settled.
    const firstVersions = rentals.slice(0, 2).map((id) => {
      const { reason: _settled, ...doc } = container('members').read(memberId, id)!;
      return { ...doc, status: 'REQUESTED', version: 1 };
    });
    const result = await projectMemberChanges(deps(), firstVersions);
    expect(result).toEqual({ applied: 0, skipped: 2, invalid: [] });
    expect((await projectMemberChanges(deps(), [...delivered].reverse())).applied).toBe(0);
    expect(contentOf('views').filter((x) => x.memberId === memberId)).toEqual(live);
    expect((await v.mypage(memberId)).body.pending).toEqual([]);
  });
});

describe('changes that are not what they claim', () => {
  it('are reported and change nothing; the valid ones beside them are applied', async () => {
    const { lib } = ctx;
    const memberId = await lib.addMember(0, 'Seo');
    await views(lib.api).mypageWhen(memberId, (p) => p.name === 'Seo', 'the member');
    const before = contentOf('views');
    const member = container('members').read(memberId, memberId)!;
    const forged = [
      { id: 'r1', type: 'rental', memberId, status: 'LOST', _ts: 1 },
      { id: memberId, type: 'member', memberId, name: 'Seo', points: 'many', feesOwed: 0, _ts: 1 },
      null,
    ];
    const result = await projectMemberChanges(deps(), [...forged, member]);
    expect(result.invalid).toEqual(forged.slice(0, 2));
    expect(contentOf('views')).toEqual(before);
  });
});

describe('a projector that fails', () => {
  it('for a while: no rent fails, and the views are right once it is mended', async () => {
    const { lib } = ctx;
    const v = views(lib.api);
    const memberId = await lib.addMember(1000);
    await v.mypageWhen(memberId, (p) => p.points === 1000, 'the deposit');
    const books = [];
    for (let i = 0; i < 3; i++) books.push(await lib.addBook({ price: 100, copies: 1 }));

    const broken = breakViews();
    const rents = [];
    for (const book of books) rents.push(await lib.rent(memberId, book.id));
    expect(rents.map((r) => [r.status, r.body.status])).toEqual(Array(3).fill([201, 'APPROVED']));
    // The projector's retries wait on the host's clock (1, 2 and 4 s): move it on, not wait.
    const moveClock = () => lib.api('POST', '/admin/clock', { body: { advanceBy: 'PT1S' } });
    await eventually(
      async () => {
        if (broken.failures() >= 2) return true;
        await moveClock();
        return undefined;
      },
      20_000,
      'the projector to fail',
    );
    expect((await v.mypage(memberId)).body.onLoan).toBe(0);
    broken.mend();
    await moveClock();
    await moveClock();

    const page = await v.mypageWhen(
      memberId,
      (p) => p.onLoan === 3 && p.points === 700,
      'the view to catch up',
    );
    expect(page.loans.map((l) => l.rentalId).sort()).toEqual(rents.map((r) => r.body.id).sort());
  });

  it('past its retries: the changes are dead-lettered, and replaying them puts the view right', async () => {
    const { lib } = ctx;
    const v = views(lib.api);
    const memberId = await lib.addMember(0, 'Choi');
    await v.mypageWhen(memberId, (p) => p.name === 'Choi', 'the new member');
    const before = contentOf('dead-letters').length;

    const broken = breakViews();
    await lib.api('POST', `/api/members/${memberId}/points`, {
      token: memberToken(memberId),
      body: { amount: 40 },
    });
    const letters = await eventually(
      async () => {
        const all = contentOf('dead-letters');
        if (all.length > before) return all;
        // The projector's retries wait on the host's clock (1, 2 and 4 s): move it on, not wait.
        await lib.api('POST', '/admin/clock', { body: { advanceBy: 'PT5S' } });
        return undefined;
      },
      30_000,
      'a dead letter',
    );
    expect(letters.at(-1)).toMatchObject({ consumer: 'views-project', error: 'views are unavailable' });
    broken.mend();
    expect((await v.mypage(memberId)).body.points).toBe(0);

    expect((await lib.api('POST', '/api/dead-letters/replay', { token: memberToken(memberId) })).status).toBe(
      403,
    );
    const replay = await lib.api<{ replayed: number; failed: number }>('POST', '/api/dead-letters/replay', {
      token: librarian,
    });
    expect(replay.status).toBe(200);
    expect(replay.body).toEqual({ replayed: letters.length, failed: 0 });
    expect((await v.mypage(memberId)).body.points).toBe(40);
    expect(contentOf('dead-letters')).toEqual([]);
  });
});
