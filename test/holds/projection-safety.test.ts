// The hold views and the book ratings are safe projections: changes delivered twice, or older ones
// after newer, leave them as the live projectors left them.
import { describe, expect, it } from 'vitest';
import { embeddedAppDeps } from '../../local/adapters';
import type { StoredDocument } from '../../local/documents/types';
import { projectBookChanges, projectMemberChanges } from '../../shared/app/views';
import { eventually, librarian, libraryHost, memberToken } from '../rentals/support-host';
import { container, contentOf } from '../views/support-store-access';
import { views } from '../views/support-views';

const ctx = libraryHost();

const deps = () => embeddedAppDeps();

/** Reads a container's change feed as delivered, one step after another. */
function feed(name: 'books' | 'members') {
  const delivered: StoredDocument[] = [];
  let lsn = 0;
  return {
    delivered,
    collect() {
      const page = container(name).readChangeFeed(lsn, 1000);
      delivered.push(...page.items);
      lsn = page.lastLsn;
    },
  };
}

const reorderings = (delivered: StoredDocument[]) => {
  const reversed = [...delivered].reverse();
  const shuffled = [...delivered].sort((x, y) => (x.id + x._lsn).localeCompare(y.id + y._lsn));
  return [reversed, reversed, shuffled, delivered];
};

describe('hold views delivered twice and out of order', () => {
  it('end the same as the live projector left them', async () => {
    const { lib } = ctx;
    const books = feed('books');
    const book = await lib.addBook({ title: 'Queue', price: 0, copies: 1 });
    const borrower = await lib.addMember(0, 'Borrower');
    const loan = (await lib.rent(borrower, book.id)).body;
    books.collect();
    const holders = [
      await lib.addMember(0, 'H1'),
      await lib.addMember(0, 'H2'),
      await lib.addMember(0, 'H3'),
    ];
    const holds: string[] = [];
    for (const h of holders) {
      const placed = await lib.api<{ id: string }>('POST', `/api/books/${book.id}/holds`, {
        token: memberToken(h),
      });
      holds.push(placed.body.id);
      books.collect();
    }
    await lib.returnBook(loan.id);
    books.collect();
    await lib.api('DELETE', `/api/holds/${holds[1]}`, { token: librarian });
    books.collect();
    expect((await lib.rent(holders[0], book.id)).body.status).toBe('APPROVED');
    books.collect();
    const v = views(lib.api);
    await v.mypageWhen(holders[2], (p) => p.holds[0]?.position === 1, "the third holder's place");
    await v.mypageWhen(holders[0], (p) => p.holds.length === 0 && p.onLoan === 1, 'the collected hold');
    const mine = (x: Record<string, unknown>) => x.kind === 'hold' && x.bookId === book.id;
    const live = contentOf('views').filter(mine);
    expect(live.map((x) => [x.holdId, x.status])).toEqual(
      expect.arrayContaining([
        [holds[0], 'ENDED'],
        [holds[1], 'ENDED'],
        [holds[2], 'WAITING'],
      ]),
    );

    for (const batch of reorderings(books.delivered)) {
      const result = await projectBookChanges(deps(), batch);
      expect(result.invalid).toEqual([]);
    }
    expect(contentOf('views').filter(mine)).toEqual(live);
  });
});

describe('ratings delivered twice and out of order', () => {
  it('end as the live projector left them', async () => {
    const { lib } = ctx;
    const members = feed('members');
    const book = await lib.addBook({ title: 'Rated', price: 0, copies: 2 });
    const readers: string[] = [];
    for (const name of ['R1', 'R2']) {
      const m = await lib.addMember(0, name);
      const rented = (await lib.rent(m, book.id)).body;
      await lib.returnBook(rented.id);
      readers.push(m);
    }
    const post = (m: string, rating: number) =>
      lib.api<{ id: string }>('POST', `/api/books/${book.id}/reviews`, {
        token: memberToken(m),
        body: { rating, text: '' },
      });
    await post(readers[0], 5);
    members.collect();
    const second = await post(readers[1], 1);
    members.collect();
    await post(readers[0], 4);
    members.collect();
    await lib.api('DELETE', `/api/reviews/${second.body.id}`, { token: librarian });
    members.collect();
    const settled = await eventually(async () => {
      const b = await lib.book(book.id);
      return b.rating.count === 1 && b.rating.average === 4 ? b : undefined;
    });
    for (const batch of reorderings(members.delivered)) await projectMemberChanges(deps(), batch);
    expect((await lib.book(book.id)).rating).toEqual(settled.rating);
  });
});
