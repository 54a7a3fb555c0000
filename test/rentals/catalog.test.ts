// The catalog through HTTP: anyone browses; librarians register, edit and remove books.
import { describe, expect, it } from 'vitest';
import { libraryHost, librarian, memberToken } from './support-host';
import { rawRequest } from '../helpers/raw-http';
import type { Book } from '../../shared/app/records';
import type { BookPage } from '../../shared/app/catalog';

const ctx = libraryHost();

describe('registering a book', () => {
  it('a librarian registers a book → 201 with Location and every copy available', async () => {
    const reply = await ctx.lib.api<Book>('POST', '/api/books', {
      token: librarian,
      body: { title: 'Pachinko', author: 'Min Jin Lee', isbn: '978-1-4555-6393-7', price: 400, copies: 2 },
    });
    expect(reply.status).toBe(201);
    expect(reply.headers.get('location')).toBe(`/api/books/${reply.body.id}`);
    expect(reply.body).toEqual({
      id: expect.any(String),
      title: 'Pachinko',
      author: 'Min Jin Lee',
      isbn: '978-1-4555-6393-7',
      price: 400,
      copies: 2,
      available: 2,
      status: 'AVAILABLE',
      rating: { average: null, count: 0 },
      etag: expect.any(String),
    });
    expect((await ctx.lib.api('GET', `/api/books/${reply.body.id}`)).body).toEqual(reply.body);
  });

  it.each([
    [{ author: 'A', price: 1, copies: 1 }, 'title'],
    [{ title: 'T', author: 'A', price: -1, copies: 1 }, 'price'],
    [{ title: 'T', author: 'A', price: 1.5, copies: 1 }, 'price'],
    [{ title: 'T', author: 'A', price: 1, copies: 0 }, 'copies'],
    [{ title: 'T', author: 'A', price: 1, copies: 1, isbn: '123' }, 'isbn'],
  ])('bad input %j → 400 naming %s, and no book is added', async (body, field) => {
    const before = (await ctx.lib.api<BookPage>('GET', '/api/books?limit=100')).body.items.length;
    const reply = await ctx.lib.api<{ detail: string }>('POST', '/api/books', { token: librarian, body });
    expect(reply.status).toBe(400);
    expect(reply.body.detail).toContain(field);
    expect((await ctx.lib.api<BookPage>('GET', '/api/books?limit=100')).body.items).toHaveLength(before);
  });

  it('a body that is not JSON → 400', async () => {
    const reply = await ctx.lib.api<{ type: string }>('POST', '/api/books', {
      token: librarian,
      body: '{not json',
    });
    expect(reply.status).toBe(400);
    expect(reply.body.type).toBe('urn:rentbook:problem:invalid-json');
  });

  it.each([
    ['text/plain', 'not text/plain'],
    ['application/x-www-form-urlencoded', 'not application/x-www-form-urlencoded'],
    ['', 'no Content-Type'],
  ])('a JSON body sent as %j → 415 problem+json, and no book is added', async (contentType, said) => {
    const before = (await ctx.lib.api<BookPage>('GET', '/api/books?limit=100')).body.items.length;
    const body = JSON.stringify({ title: 'Typed', author: 'A', price: 1, copies: 1 });
    // fetch labels a string body text/plain unless told otherwise; the raw request sends no header.
    const reply = contentType
      ? await ctx.lib.api<{ type: string; detail: string }>('POST', '/api/books', {
          token: librarian,
          body,
          headers: { 'content-type': contentType },
        })
      : await rawRequest(ctx.host.url, {
          method: 'POST',
          path: '/api/books',
          headers: { authorization: `Bearer ${await librarian}` },
          body,
        }).then((r) => ({
          status: r.status,
          headers: r.headers,
          body: r.json<{ type: string; detail: string }>(),
        }));
    expect(reply.status).toBe(415);
    expect(reply.body.type).toBe('urn:rentbook:problem:unsupported-media-type');
    expect(reply.body.detail).toContain(said);
    expect((await ctx.lib.api<BookPage>('GET', '/api/books?limit=100')).body.items).toHaveLength(before);
  });

  it.each(['application/json; charset=utf-8', 'application/merge-patch+json', 'text/json'])(
    'a JSON body sent as %j is taken',
    async (contentType) => {
      const reply = await ctx.lib.api('POST', '/api/books', {
        token: librarian,
        body: JSON.stringify({ title: 'Typed', author: 'A', price: 1, copies: 1 }),
        headers: { 'content-type': contentType },
      });
      expect(reply.status).toBe(201);
    },
  );
});

describe('browsing', () => {
  it('anyone lists, searches and filters by status, page by page', async () => {
    const tag = `zq${Date.now()}`;
    const a = await ctx.lib.addBook({ title: `${tag} Alpha`, price: 0, copies: 1 });
    const b = await ctx.lib.addBook({ title: `${tag} Beta`, price: 0, copies: 1, withdrawn: true });
    const c = await ctx.lib.addBook({ title: `${tag} Gamma`, price: 0, copies: 1 });
    const memberId = await ctx.lib.addMember(0);
    expect((await ctx.lib.rent(memberId, c.id)).body.status).toBe('APPROVED');

    const q = (query: string) => ctx.lib.api<BookPage>('GET', `/api/books?${query}`);
    const found = await q(`q=${tag.toUpperCase()}`);
    expect(found.status).toBe(200);
    expect(found.body.items.map((x) => [x.id, x.status])).toEqual([
      [a.id, 'AVAILABLE'],
      [b.id, 'UNAVAILABLE'],
      [c.id, 'RENTED'],
    ]);
    for (const [status, id] of [
      ['AVAILABLE', a.id],
      ['UNAVAILABLE', b.id],
      ['RENTED', c.id],
    ]) {
      expect((await q(`q=${tag}&status=${status}`)).body.items.map((x) => x.id)).toEqual([id]);
    }
    const first = await q(`q=${tag}&limit=2`);
    expect(first.body.items.map((x) => x.id)).toEqual([a.id, b.id]);
    const rest = await q(`q=${tag}&limit=2&continuation=${encodeURIComponent(first.body.continuation!)}`);
    expect(rest.body).toEqual({ items: [expect.objectContaining({ id: c.id })], continuation: null });
  });

  it('bad query parameters → 400; an unknown book → 404 problem+json', async () => {
    expect((await ctx.lib.api('GET', '/api/books?status=LOST')).status).toBe(400);
    expect((await ctx.lib.api('GET', '/api/books?limit=0')).status).toBe(400);
    expect((await ctx.lib.api('GET', '/api/books?continuation=garbage')).status).toBe(400);
    const missing = await ctx.lib.api<{ type: string; status: number }>('GET', '/api/books/nope');
    expect(missing.status).toBe(404);
    expect(missing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(missing.body).toMatchObject({ type: 'urn:rentbook:problem:book-not-found', status: 404 });
  });
});

describe('editing a book', () => {
  it('a librarian edits with the current etag → 200; with a stale etag → 412 and nothing changes', async () => {
    const book = await ctx.lib.addBook({ price: 100, copies: 2 });
    const edited = await ctx.lib.api<Book>('PATCH', `/api/books/${book.id}`, {
      token: librarian,
      body: { price: 150 },
      headers: { 'If-Match': book.etag },
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ price: 150, copies: 2 });
    expect(edited.body.etag).not.toBe(book.etag);
    const stale = await ctx.lib.api('PATCH', `/api/books/${book.id}`, {
      token: librarian,
      body: { price: 999 },
      headers: { 'If-Match': book.etag },
    });
    expect(stale.status).toBe(412);
    expect((await ctx.lib.book(book.id)).price).toBe(150);
  });

  it('copies may not drop below the copies on loan (409); down to them is fine', async () => {
    const book = await ctx.lib.addBook({ price: 0, copies: 3 });
    // Two members: a member has one copy of a book at a time.
    for (const memberId of [await ctx.lib.addMember(0), await ctx.lib.addMember(0)]) {
      expect((await ctx.lib.rent(memberId, book.id)).body.status).toBe('APPROVED');
    }
    const tooFew = await ctx.lib.api<{ type: string }>('PATCH', `/api/books/${book.id}`, {
      token: librarian,
      body: { copies: 1 },
    });
    expect(tooFew.status).toBe(409);
    expect(tooFew.body.type).toBe('urn:rentbook:problem:copies-on-loan');
    const exact = await ctx.lib.api<Book>('PATCH', `/api/books/${book.id}`, {
      token: librarian,
      body: { copies: 2 },
    });
    expect(exact.body).toMatchObject({ copies: 2, available: 0, status: 'RENTED' });
  });

  it('withdrawing a book makes it UNAVAILABLE; an empty or unknown edit → 400; an unknown book → 404', async () => {
    const book = await ctx.lib.addBook({ price: 0, copies: 1 });
    const withdrawn = await ctx.lib.api<Book>('PATCH', `/api/books/${book.id}`, {
      token: librarian,
      body: { withdrawn: true },
    });
    expect(withdrawn.body.status).toBe('UNAVAILABLE');
    expect((await ctx.lib.api('PATCH', `/api/books/${book.id}`, { token: librarian, body: {} })).status).toBe(
      400,
    );
    expect(
      (await ctx.lib.api('PATCH', `/api/books/${book.id}`, { token: librarian, body: { colour: 'red' } }))
        .status,
    ).toBe(400);
    expect(
      (await ctx.lib.api('PATCH', '/api/books/nope', { token: librarian, body: { price: 1 } })).status,
    ).toBe(404);
  });
});

describe('removing a book', () => {
  it('is refused (409) while a copy is on loan, allowed (204) once it is back, then 404', async () => {
    const book = await ctx.lib.addBook({ price: 0, copies: 1 });
    const memberId = await ctx.lib.addMember(0);
    const rental = (await ctx.lib.rent(memberId, book.id)).body;
    const refused = await ctx.lib.api<{ type: string }>('DELETE', `/api/books/${book.id}`, {
      token: librarian,
    });
    expect(refused.status).toBe(409);
    expect(refused.body.type).toBe('urn:rentbook:problem:book-on-loan');
    await ctx.lib.returnBook(rental.id);
    expect((await ctx.lib.api('DELETE', `/api/books/${book.id}`, { token: librarian })).status).toBe(204);
    expect((await ctx.lib.api('GET', `/api/books/${book.id}`)).status).toBe(404);
    expect((await ctx.lib.api('DELETE', `/api/books/${book.id}`, { token: librarian })).status).toBe(404);
  });
});

describe('only librarians change the catalog', () => {
  it('no token → 401, a member → 403, and the catalog is unchanged', async () => {
    const book = await ctx.lib.addBook({ price: 0, copies: 1 });
    const member = memberToken(await ctx.lib.addMember(0));
    const attempts: [string, string, unknown][] = [
      ['POST', '/api/books', { title: 'X', author: 'Y', price: 0, copies: 1 }],
      ['PATCH', `/api/books/${book.id}`, { price: 5 }],
      ['DELETE', `/api/books/${book.id}`, undefined],
    ];
    for (const [method, route, body] of attempts) {
      const anonymous = await ctx.lib.api<{ type: string }>(method, route, { body });
      expect(anonymous.status).toBe(401);
      expect(anonymous.body.type).toBe('urn:rentbook:problem:unauthenticated');
      expect((await ctx.lib.api(method, route, { body, token: member })).status).toBe(403);
    }
    expect(await ctx.lib.book(book.id)).toEqual(book);
  });
});

describe('HEAD', () => {
  it('every route that answers GET answers HEAD: the same status and headers, no body', async () => {
    const book = await ctx.lib.addBook({ title: 'Headless', price: 0, copies: 1 });
    for (const route of ['/api/books?limit=2', `/api/books/${book.id}`, '/api/health', '/api/openapi.json']) {
      const get = await fetch(`${ctx.host.url}${route}`);
      const head = await rawRequest(ctx.host.url, { method: 'HEAD', path: route });
      expect({ route, status: head.status }).toEqual({ route, status: get.status });
      expect(head.headers['content-type']).toBe(get.headers.get('content-type'));
      expect(head.text).toBe('');
    }
    // A problem is answered to HEAD too, with its status and type, without its body.
    const missing = await rawRequest(ctx.host.url, {
      method: 'HEAD',
      path: '/api/books/00000000-0000-4000-8000-000000000000',
    });
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/problem+json');
    const signedOut = await rawRequest(ctx.host.url, { method: 'HEAD', path: '/api/rentals' });
    expect(signedOut.status).toBe(401);
    expect(signedOut.text).toBe('');
    // Azure's Functions host routes HEAD only to the functions that declare it: each GET does.
    const gets = ctx.host.functions.filter(
      (f) => f.trigger === 'httpTrigger' && /^\[[^\]]*GET/.test(f.detail),
    );
    expect(gets.length).toBeGreaterThan(15);
    for (const f of gets) expect({ name: f.name, detail: f.detail }).toMatchObject({ detail: /HEAD/ });
  });
});
