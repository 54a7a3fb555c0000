// POST /api/views/rebuild recomputes every view from the write model: with the views lost, the
// rebuilt ones equal the live ones the projector had made.
import { describe, expect, it } from 'vitest';
import { eventually, librarian, libraryHost, memberToken } from '../rentals/support-host';
import type { StoredDocument } from '../../local/documents/types';
import { container, contentOf } from './support-store-access';
import { views } from './support-views';

const ctx = libraryHost();

interface RebuildReply {
  id: string;
  status: string;
  statusUrl?: string;
  progress: { members: number; done: number; items: number; removed: number } | null;
}

describe('rebuilding the views', () => {
  it('is for librarians: a member gets 403 and nothing starts', async () => {
    const memberId = await ctx.lib.addMember(0);
    const reply = await ctx.lib.api('POST', '/api/views/rebuild', { token: memberToken(memberId) });
    expect(reply.status).toBe(403);
    expect((await ctx.lib.api('GET', '/api/views/rebuild/nope', { token: librarian })).status).toBe(404);
  });

  it('202 with a status URL; once completed, the views equal the live ones', async () => {
    const { lib } = ctx;
    const v = views(lib.api);
    const book = await lib.addBook({ price: 100, copies: 1 });
    const members = [
      await lib.addMember(300, 'Jang'),
      await lib.addMember(50, 'Oh'),
      await lib.addMember(0, 'Yu'),
    ];
    const approved = await lib.rent(members[0], book.id);
    await lib.rent(members[1], book.id);
    await lib.api('POST', '/admin/clock', { body: { advanceBy: 'P9D' } });
    await lib.returnBook(approved.body.id);
    await lib.rent(members[1], book.id);
    // The clock passed the overdue timer's time too: whatever it did, the return is the last word.
    await v.mypageWhen(
      members[0],
      (p) => p.feesOwed === 500 && p.history.length === 1 && p.loans.length === 0,
      "the first member's return",
    );
    await v.mypageWhen(members[1], (p) => p.history.length === 2, "the second member's rejections");
    const live = contentOf('views');
    // One view per member (this host's earlier ones too), holding the rentals its mypage shows.
    expect(live.filter((x) => members.includes(String(x.memberId))).map((x) => x.kind)).toEqual(
      members.map(() => 'member'),
    );

    // The views are lost...
    for (const item of container('views').query({ limit: 1000 }).items)
      container('views').delete(String(item.memberId), item.id);
    expect((await v.mypage(members[0])).body.history).toEqual([]);

    // ...and rebuilt.
    const done = await rebuild();
    const memberCount = live.filter((x) => x.kind === 'member').length;
    expect(done.progress).toEqual({
      members: memberCount,
      done: memberCount,
      items: live.length,
      removed: 0,
    });
    expect(contentOf('views')).toEqual(live);
  });

  it('replaces corrupted views whatever their version: a forged name and balance, a loan hidden from mypage, a forged one, items with nothing behind them', async () => {
    const { lib } = ctx;
    const v = views(lib.api);
    const book = await lib.addBook({ price: 100, copies: 2 });
    const memberId = await lib.addMember(1000, 'Seo');
    const rented = await lib.rent(memberId, book.id);
    expect(rented.body.status).toBe('APPROVED');
    await lib.api('POST', '/admin/clock', { body: { advanceBy: 'P10D' } });
    await v.mypageWhen(memberId, (p) => p.loans.length === 1 && p.loans[0].overdue, 'the overdue loan');
    // The overdue timer may still be writing: the views are compared once they stop changing.
    const settled = async () => {
      for (let before = JSON.stringify(contentOf('views')); ;) {
        await new Promise((r) => setTimeout(r, 300));
        const now = JSON.stringify(contentOf('views'));
        if (now === before) return contentOf('views');
        before = now;
      }
    };
    const live = await settled();
    const loansShown = async () => (await v.mypage(memberId)).body.loans.map((l) => l.rentalId);
    expect(await loansShown()).toEqual([rented.body.id]);

    const store = container('views');
    const memberView = store.read(memberId, memberId)! as StoredDocument & {
      rentals: Record<string, Record<string, unknown>>;
    };
    const entry = memberView.rentals[rented.body.id];
    const tooNew = 999_999_999;
    store.upsert({
      ...memberView,
      name: 'HACKED',
      points: -999999,
      feesOwed: 123456789,
      sourceVersion: tooNew,
      rentals: {
        [rented.body.id]: { ...entry, status: 'RETURNED', returnedAt: entry.dueAt, version: tooNew },
        'forged-rental': { ...entry, version: tooNew },
      },
    });
    // Nothing behind them: a view of a member that does not exist, and a rental's view item of the
    // shape views had before a member's view held its rentals.
    store.upsert({ ...memberView, id: 'junk', memberId: 'no-such-member' });
    store.upsert({
      id: rented.body.id,
      memberId,
      kind: 'rental',
      rentalId: rented.body.id,
      sourceVersion: 1,
    });
    expect((await v.mypage(memberId)).body).toMatchObject({ name: 'HACKED', points: -999999 });
    expect(await loansShown()).toEqual(['forged-rental']);

    const done = await rebuild();
    expect(done.progress?.removed).toBe(2);
    expect((await v.mypage(memberId)).body).toMatchObject({ name: 'Seo', points: 900, feesOwed: 0 });
    expect(await loansShown()).toEqual([rented.body.id]);
    expect(contentOf('views')).toEqual(live);
  });
});

async function rebuild(): Promise<RebuildReply> {
  const started = await ctx.lib.api<RebuildReply>('POST', '/api/views/rebuild', { token: librarian });
  expect(started.status).toBe(202);
  expect(started.headers.get('location')).toBe(started.body.statusUrl);
  return eventually(
    async () => {
      const s = await ctx.lib.api<RebuildReply>('GET', started.body.statusUrl!, { token: librarian });
      expect(s.body.status).not.toBe('failed');
      return s.body.status === 'completed' ? s.body : undefined;
    },
    30_000,
    'the rebuild',
  );
}
