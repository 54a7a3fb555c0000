// What the API takes from a caller, checked whole before anything changes: continuation tokens the
// server did not issue for that query, text with control characters, and the dev clock's body.
import { describe, expect, it } from 'vitest';
import { rawRequest } from '../helpers/raw-http';
import { isPlainLine } from '../../shared/domain/text';
import { librarian, libraryHost, memberToken } from './support-host';

const ctx = libraryHost();

const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

describe('continuation tokens', () => {
  it('a token the server did not issue for that query → 400 invalid-continuation on every paged route', async () => {
    const memberId = await ctx.lib.addMember(0, 'Paging Reader');
    await ctx.lib.addMember(0, 'Paging Reader Two');
    const book = await ctx.lib.addBook({ price: 0, copies: 1 });
    await ctx.lib.addBook({ price: 0, copies: 1 });
    const routes = [
      '/api/books?limit=1',
      '/api/members?limit=1',
      `/api/members/${memberId}/rentals?limit=1`,
      `/api/members/${memberId}/notices?limit=1`,
      `/api/books/${book.id}/reviews?limit=1`,
      '/api/rentals?limit=1',
      '/api/notices/dead-letters?limit=1',
    ];
    const as = (route: string) =>
      route.includes(`/members/${memberId}/`) ? memberToken(memberId) : librarian;
    // A real token of one query, used for another.
    const books = await ctx.lib.api<{ continuation: string }>('GET', '/api/books?limit=1');
    expect(books.body.continuation).toEqual(expect.any(String));
    const members = await ctx.lib.api<{ continuation: string }>('GET', '/api/members?limit=1', {
      token: librarian,
    });
    const forged = [
      token([1, 2, 3]),
      token([null, null, null]),
      token(Array.from({ length: 100 }, () => 'a')),
      token({ from: 'x' }),
      'bm90IGpzb24',
    ];
    for (const route of routes) {
      const other = route.startsWith('/api/books?') ? members.body.continuation : books.body.continuation;
      for (const continuation of [...forged, other]) {
        const reply = await ctx.lib.api<{ type: string }>(
          'GET',
          `${route}&continuation=${encodeURIComponent(continuation)}`,
          { token: as(route) },
        );
        expect({ route, continuation, status: reply.status, type: reply.body.type }).toEqual({
          route,
          continuation,
          status: 400,
          type: 'urn:rentbook:problem:invalid-continuation',
        });
      }
    }
    // Its own token still pages.
    const next = await ctx.lib.api(
      'GET',
      `/api/books?limit=1&continuation=${encodeURIComponent(books.body.continuation)}`,
    );
    expect(next.status).toBe(200);
  });
});

describe('text with control characters', () => {
  it('names, titles and authors refuse any; reviews keep tabs and line breaks and refuse the rest; nothing is stored', async () => {
    for (const name of ['\u0000', 'Kim\u0007', 'Lee\nPark', 'Ma\u009b']) {
      const reply = await ctx.lib.api<{ type: string }>('POST', '/api/members', {
        token: librarian,
        body: { name },
      });
      expect(reply.status).toBe(400);
      expect(reply.body.type).toBe('urn:rentbook:problem:invalid-request');
    }
    const listed = await ctx.lib.api<{ items: { name: string }[] }>('GET', '/api/members?limit=100', {
      token: librarian,
    });
    expect(listed.body.items.filter((m) => !isPlainLine(m.name))).toEqual([]);
    for (const fields of [{ title: 'Dune\u001b[31m' }, { author: 'Herbert\r' }]) {
      const reply = await ctx.lib.api('POST', '/api/books', {
        token: librarian,
        body: { title: 'Dune', author: 'Herbert', price: 0, copies: 1, ...fields },
      });
      expect(reply.status).toBe(400);
    }
    const book = await ctx.lib.addBook({ price: 0, copies: 1 });
    const edit = await ctx.lib.api('PATCH', `/api/books/${book.id}`, {
      token: librarian,
      body: { title: 'X\u0000' },
    });
    expect(edit.status).toBe(400);
    expect((await ctx.lib.book(book.id)).title).toBe(book.title);

    const reader = await ctx.lib.addMember(0, 'Reviewer');
    const rented = await ctx.lib.rent(reader, book.id);
    expect(rented.body.status).toBe('APPROVED');
    expect((await ctx.lib.returnBook(rented.body.id)).status).toBe(200);
    const post = (text: string) =>
      ctx.lib.api('POST', `/api/books/${book.id}/reviews`, {
        token: memberToken(reader),
        body: { rating: 4, text },
      });
    expect((await post('Good\u0000')).status).toBe(400);
    expect((await post('Bad \u001b[2J')).status).toBe(400);
    const kept = await post('Line one\n\tLine two\r\n');
    expect(kept.status).toBeLessThan(300);
  });
});

describe('the dev clock', () => {
  it('takes exactly one of advanceBy and set, and says in words what is wrong; the clock stays', async () => {
    const before = (await ctx.lib.api<{ now: string }>('GET', '/admin/clock')).body.now;
    for (const [body, says] of [
      ['null', /must be one of/],
      ['[]', /must be one of/],
      ['"P1D"', /must be one of/],
      ['{}', /no field/],
      ['{"set":"2099-01-01T00:00:00Z","advanceBy":"P1D"}', /"set", "advanceBy"/],
      ['{"advanceBy":"P1D","extra":1}', /"advanceBy", "extra"/],
      ['{"advanceBy":5}', /ISO 8601 duration/],
      ['{"advanceBy":"P"}', /ISO 8601 duration/],
      ['{"set":"tomorrow"}', /ISO 8601 time/],
      ['{"set":"2099-01-01"}', /ISO 8601 time/],
      ['{"advanceBy"', /not JSON/],
    ] as const) {
      const reply = await rawRequest(ctx.host.url, {
        method: 'POST',
        path: '/admin/clock',
        headers: { 'Content-Type': 'application/json' },
        body,
      });
      expect({ body, status: reply.status }).toEqual({ body, status: 400 });
      expect(reply.headers['content-type']).toMatch(/^application\/problem\+json/);
      const detail = reply.json<{ detail: string }>().detail;
      expect(detail).toMatch(says);
      expect(detail).not.toMatch(/TypeError|Cannot read|undefined/);
    }
    const after = (await ctx.lib.api<{ now: string }>('GET', '/admin/clock')).body.now;
    expect(Date.parse(after) - Date.parse(before)).toBeLessThan(60_000);
  });
});
