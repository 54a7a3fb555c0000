// Reviews through HTTP on the local host: only a member who has returned a book reviews it, one
// review per member and book (posting again replaces it), anyone reads them, the author or a
// librarian removes one, and the book's rating follows from the change feed.
import { describe, expect, it } from 'vitest';
import type { Book } from '../../shared/app/records';
import type { Review } from '../../shared/domain/review';
import { about, hubEvents } from '../events/support-events';
import { eventually, librarian, libraryHost, memberToken, type Token } from '../rentals/support-host';

const ctx = libraryHost();

type ReviewReply = Review & { type?: string };

function post(bookId: string, token: Token, body: unknown) {
  return ctx.lib.api<ReviewReply>('POST', `/api/books/${bookId}/reviews`, { token, body });
}

async function reviews(bookId: string, query = '') {
  const reply = await ctx.lib.api<{ items: ReviewReply[]; continuation: string | null }>(
    'GET',
    `/api/books/${bookId}/reviews${query}`,
  );
  expect(reply.status).toBe(200);
  return reply.body;
}

/** A member who has rented and returned the book. */
async function reader(bookId: string, name = 'Reader'): Promise<string> {
  const member = await ctx.lib.addMember(1000, name);
  const rented = await ctx.lib.rent(member, bookId);
  expect(rented.body.status).toBe('APPROVED');
  expect((await ctx.lib.returnBook(rented.body.id)).body.status).toBe('RETURNED');
  return member;
}

async function ratingWhen(bookId: string, average: number | null, count: number): Promise<Book> {
  return eventually(
    async () => {
      const book = await ctx.lib.book(bookId);
      return book.rating.average === average && book.rating.count === count ? book : undefined;
    },
    20_000,
    `rating ${average} of ${count}`,
  );
}

describe('posting a review', () => {
  it('a member who returned the book: 201, then 200 replacing it; one review, the rating follows', async () => {
    const book = await ctx.lib.addBook({ title: 'Rated', price: 100, copies: 1 });
    expect((await ctx.lib.book(book.id)).rating).toEqual({ average: null, count: 0 });
    const member = await reader(book.id);
    const first = await post(book.id, memberToken(member), { rating: 4, text: 'Good.' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ bookId: book.id, memberId: member, rating: 4, text: 'Good.' });
    await ratingWhen(book.id, 4, 1);
    const second = await post(book.id, memberToken(member), {
      rating: 2,
      text: 'Less good on reading again.',
    });
    expect(second.status).toBe(200);
    expect(second.body).toMatchObject({ id: first.body.id, rating: 2, postedAt: first.body.postedAt });
    expect((await reviews(book.id)).items).toEqual([second.body]);
    await ratingWhen(book.id, 2, 1);

    const other = await reader(book.id, 'Second reader');
    expect((await post(book.id, memberToken(other), { rating: 5, text: '' })).status).toBe(201);
    await ratingWhen(book.id, 3.5, 2);
  });

  it('403 for a member who has not returned it (never rented, or still on loan), and for a librarian', async () => {
    const book = await ctx.lib.addBook({ price: 100, copies: 2 });
    const stranger = await ctx.lib.addMember(1000);
    const borrower = await ctx.lib.addMember(1000);
    expect((await ctx.lib.rent(borrower, book.id)).body.status).toBe('APPROVED');
    for (const token of [memberToken(stranger), memberToken(borrower), librarian]) {
      const refused = await post(book.id, token, { rating: 5, text: 'x' });
      expect(refused.status).toBe(403);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await post(book.id, memberToken(stranger), { rating: 5, text: 'x' })).body.type).toBe(
      'urn:rentbook:problem:not-returned',
    );
    expect((await post(book.id, undefined as unknown as Token, { rating: 5, text: 'x' })).status).toBe(401);
    expect((await post('no-such-book', memberToken(stranger), { rating: 5, text: 'x' })).status).toBe(404);
    expect((await reviews(book.id)).items).toEqual([]);
  });

  it('a rating not a whole number from 1 to 5, or text over 2000 characters → 400, nothing written', async () => {
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    const member = await reader(book.id);
    const bad = [
      { rating: 0, text: 'x' },
      { rating: 6, text: 'x' },
      { rating: 2.5, text: 'x' },
      { rating: 3, text: 'x'.repeat(2001) },
      { rating: 3 },
      { rating: 3, text: 'x', extra: true },
    ];
    for (const body of bad) {
      const reply = await post(book.id, memberToken(member), body);
      expect(reply.status, JSON.stringify(body).slice(0, 60)).toBe(400);
      expect(reply.body.type).toBe('urn:rentbook:problem:invalid-request');
    }
    expect((await post(book.id, memberToken(member), { rating: 3, text: 'x'.repeat(2000) })).status).toBe(
      201,
    );
    expect((await reviews(book.id)).items).toHaveLength(1);
  });

  it('6 posts by one member at once: one review, one 201 and five 200', async () => {
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    const member = await reader(book.id);
    const replies = await Promise.all(
      [1, 2, 3, 4, 5, 1].map((rating) => post(book.id, memberToken(member), { rating, text: `r${rating}` })),
    );
    expect(replies.map((r) => r.status).sort()).toEqual([200, 200, 200, 200, 200, 201]);
    const stored = (await reviews(book.id)).items;
    expect(stored).toHaveLength(1);
    await ratingWhen(book.id, stored[0].rating, 1);
  });
});

describe('reading and removing reviews', () => {
  it('anyone pages through them, newest first', async () => {
    const book = await ctx.lib.addBook({ price: 0, copies: 3 });
    const members = [await reader(book.id, 'A'), await reader(book.id, 'B'), await reader(book.id, 'C')];
    for (const [i, m] of members.entries()) {
      expect((await post(book.id, memberToken(m), { rating: i + 1, text: `by ${i}` })).status).toBe(201);
    }
    const first = await reviews(book.id, '?limit=2');
    expect(first.items.map((r) => r.text)).toEqual(['by 2', 'by 1']);
    expect(first.continuation).not.toBeNull();
    const rest = await reviews(book.id, `?limit=2&continuation=${encodeURIComponent(first.continuation!)}`);
    expect(rest.items.map((r) => r.text)).toEqual(['by 0']);
    expect(rest.continuation).toBeNull();
    expect((await ctx.lib.api('GET', `/api/books/${book.id}/reviews?limit=0`)).status).toBe(400);
    expect((await ctx.lib.api('GET', '/api/books/no-such-book/reviews')).status).toBe(404);
  });

  it('its author or a librarian removes a review (204), another member may not (403); the rating follows; events one per fact', async () => {
    const book = await ctx.lib.addBook({ price: 0, copies: 2 });
    const [a, b] = [await reader(book.id, 'A'), await reader(book.id, 'B')];
    const ra = (await post(book.id, memberToken(a), { rating: 5, text: 'a' })).body;
    await post(book.id, memberToken(a), { rating: 4, text: 'a again' });
    const rb = (await post(book.id, memberToken(b), { rating: 2, text: 'b' })).body;
    await ratingWhen(book.id, 3, 2);

    expect((await ctx.lib.api('DELETE', `/api/reviews/${ra.id}`, { token: memberToken(b) })).status).toBe(
      403,
    );
    expect((await ctx.lib.api('DELETE', `/api/reviews/${ra.id}`, { token: memberToken(a) })).status).toBe(
      204,
    );
    expect((await ctx.lib.api('DELETE', `/api/reviews/${ra.id}`, { token: memberToken(a) })).status).toBe(
      404,
    );
    await ratingWhen(book.id, 2, 1);
    expect((await ctx.lib.api('DELETE', `/api/reviews/${rb.id}`, { token: librarian })).status).toBe(204);
    await ratingWhen(book.id, null, 0);
    expect((await reviews(book.id)).items).toEqual([]);

    // Posting again after removal is a new review (201).
    expect((await post(book.id, memberToken(a), { rating: 1, text: 'back' })).status).toBe(201);
    await ratingWhen(book.id, 1, 1);

    const events = await eventually(async () => {
      const mine = about(await hubEvents(ctx.host), `reviews/${ra.id}`);
      return mine.length === 4 ? mine : undefined;
    });
    expect(events.map((e) => [e.body.type, e.body.data.rating])).toEqual([
      ['rentbook.review.posted', 5],
      ['rentbook.review.updated', 4],
      ['rentbook.review.removed', undefined],
      ['rentbook.review.posted', 1],
    ]);
  });
});
