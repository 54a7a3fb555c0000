// POST /api/views/rebuild recomputes every view from the write model: with the views lost, the
// rebuilt ones equal the live ones the projector had made.
import { describe, expect, it } from 'vitest';
import { eventually, librarian, libraryHost, memberToken } from '../rentals/support-host';
import { container, contentOf } from './support-store-access';
import { views } from './support-views';

const ctx = libraryHost();

interface RebuildReply {
  id: string;
  status: string;
  statusUrl?: string;
  progress: { members: number; done: number; items: number } | null;
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
    expect(live.length).toBeGreaterThanOrEqual(members.length + 3);

    // The views are lost...
    for (const item of container('views').query({ limit: 1000 }).items)
      container('views').delete(String(item.memberId), item.id);
    expect((await v.mypage(members[0])).body.history).toEqual([]);

    // ...and rebuilt.
    const started = await lib.api<RebuildReply>('POST', '/api/views/rebuild', { token: librarian });
    expect(started.status).toBe(202);
    expect(started.headers.get('location')).toBe(started.body.statusUrl);
    const done = await eventually(
      async () => {
        const s = await lib.api<RebuildReply>('GET', started.body.statusUrl!, { token: librarian });
        expect(s.body.status).not.toBe('failed');
        return s.body.status === 'completed' ? s.body : undefined;
      },
      30_000,
      'the rebuild',
    );
    const memberCount = live.filter((x) => x.kind === 'member').length;
    expect(done.progress).toEqual({ members: memberCount, done: memberCount, items: live.length });
    expect(contentOf('views')).toEqual(live);
  });
});
