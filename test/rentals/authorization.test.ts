// Who may call what: every route × (anonymous, the member itself, another member, a librarian),
// over HTTP on the local host. The table is written out by hand, not derived from the policy, so a
// rule that changes by accident fails here.
import { beforeAll, describe, expect, it } from 'vitest';
import { registeredHttpRoutes } from '../helpers/hosts';
import { libraryHost, librarian, memberToken, type Token } from './support-host';
import type { Rental } from '../../shared/domain/rental';

// Each caller's request to a rental route gets a fresh loan of `self`, and refused ones stay on loan:
// more than the default five. The app reads its settings when it loads, in the host started below.
process.env.MAX_LOANS = '50';
const ctx = libraryHost();

type Who = 'anonymous' | 'self' | 'other' | 'librarian';
const callers: Who[] = ['anonymous', 'self', 'other', 'librarian'];

/** What the fixture holds: `self` owns the data the member routes are asked about. */
interface Fixture {
  self: string;
  other: string;
  bookId: string;
  rentalId: string;
  /** A book `self` has rented and returned: `self` may review it, `other` may not. */
  returnedBookId: string;
}

interface Row {
  /** As the host lists it: `POST /api/rentals/{rentalId}/return`. */
  route: string;
  /** The request's path and body; called anew for each caller, so writes get fresh targets. */
  request: (f: Fixture) => Promise<{ path: string; body?: unknown }> | { path: string; body?: unknown };
  expected: Record<Who, number>;
}

const anyone = (ok: number): Record<Who, number> => ({ anonymous: ok, self: ok, other: ok, librarian: ok });
const librarianOnly = (ok: number): Record<Who, number> => ({
  anonymous: 401,
  self: 403,
  other: 403,
  librarian: ok,
});
const memberOrLibrarian = (ok: number): Record<Who, number> => ({
  anonymous: 401,
  self: ok,
  other: 403,
  librarian: ok,
});

const newBook = { title: 'Table', author: 'Test', price: 0, copies: 1 };

const rows: Row[] = [
  { route: 'GET /api/health', request: () => ({ path: '/api/health' }), expected: anyone(200) },
  { route: 'GET /api/openapi.json', request: () => ({ path: '/api/openapi.json' }), expected: anyone(200) },
  { route: 'GET /api/books', request: () => ({ path: '/api/books' }), expected: anyone(200) },
  {
    route: 'GET /api/books/{bookId}',
    request: (f) => ({ path: `/api/books/${f.bookId}` }),
    expected: anyone(200),
  },
  {
    route: 'POST /api/books',
    request: () => ({ path: '/api/books', body: newBook }),
    expected: librarianOnly(201),
  },
  {
    route: 'PATCH /api/books/{bookId}',
    request: (f) => ({ path: `/api/books/${f.bookId}`, body: { copies: 50 } }),
    expected: librarianOnly(200),
  },
  {
    route: 'DELETE /api/books/{bookId}',
    request: async () => ({ path: `/api/books/${(await ctx.lib.addBook(newBook)).id}` }),
    expected: librarianOnly(204),
  },
  {
    route: 'POST /api/members',
    request: () => ({ path: '/api/members', body: { name: 'Lee' } }),
    expected: librarianOnly(201),
  },
  {
    route: 'GET /api/members',
    request: () => ({ path: '/api/members?q=lee' }),
    expected: librarianOnly(200),
  },
  {
    route: 'GET /api/members/{memberId}',
    request: (f) => ({ path: `/api/members/${f.self}` }),
    expected: memberOrLibrarian(200),
  },
  {
    route: 'POST /api/members/{memberId}/points',
    request: (f) => ({ path: `/api/members/${f.self}/points`, body: { amount: 10 } }),
    expected: memberOrLibrarian(200),
  },
  {
    route: 'GET /api/members/{memberId}/points/check',
    request: (f) => ({ path: `/api/members/${f.self}/points/check?amount=1` }),
    expected: memberOrLibrarian(200),
  },
  {
    route: 'GET /api/members/{memberId}/rentals',
    request: (f) => ({ path: `/api/members/${f.self}/rentals` }),
    expected: memberOrLibrarian(200),
  },
  {
    route: 'POST /api/rentals',
    request: (f) => ({ path: '/api/rentals', body: { bookId: f.bookId, memberId: f.self } }),
    expected: memberOrLibrarian(201),
  },
  {
    route: 'GET /api/rentals/{rentalId}',
    request: (f) => ({ path: `/api/rentals/${f.rentalId}` }),
    expected: memberOrLibrarian(200),
  },
  {
    route: 'POST /api/rentals/{rentalId}/return',
    request: async (f) => ({ path: `/api/rentals/${(await approvedRental(f)).id}/return` }),
    expected: memberOrLibrarian(200),
  },
  {
    route: 'POST /api/rentals/{rentalId}/renew',
    request: async (f) => ({ path: `/api/rentals/${(await approvedRental(f)).id}/renew` }),
    expected: memberOrLibrarian(200),
  },
  {
    // `self` owes no fees: past the policy, a payment is refused as more than is owed (409).
    route: 'POST /api/members/{memberId}/fees/payments',
    request: (f) => ({ path: `/api/members/${f.self}/fees/payments`, body: { amount: 10 } }),
    expected: memberOrLibrarian(409),
  },
  {
    route: 'POST /api/books/{bookId}/holds',
    request: async (f) => ({ path: `/api/books/${await lentBook(f)}/holds`, body: { memberId: f.self } }),
    expected: memberOrLibrarian(201),
  },
  {
    route: 'GET /api/books/{bookId}/holds',
    request: (f) => ({ path: `/api/books/${f.bookId}/holds` }),
    expected: librarianOnly(200),
  },
  {
    route: 'DELETE /api/holds/{holdId}',
    request: async (f) => {
      const placed = await ctx.lib.api<{ id: string }>('POST', `/api/books/${await lentBook(f)}/holds`, {
        token: librarian,
        body: { memberId: f.self },
      });
      return { path: `/api/holds/${placed.body.id}` };
    },
    expected: memberOrLibrarian(200),
  },
  {
    // Members only: a librarian has no review to post.
    route: 'POST /api/books/{bookId}/reviews',
    request: (f) => ({ path: `/api/books/${f.returnedBookId}/reviews`, body: { rating: 4, text: 'Fine.' } }),
    expected: { anonymous: 401, self: 201, other: 403, librarian: 403 },
  },
  {
    route: 'GET /api/books/{bookId}/reviews',
    request: (f) => ({ path: `/api/books/${f.returnedBookId}/reviews` }),
    expected: anyone(200),
  },
  {
    route: 'DELETE /api/reviews/{reviewId}',
    request: async (f) => {
      const posted = await ctx.lib.api<{ id: string }>('POST', `/api/books/${f.returnedBookId}/reviews`, {
        token: memberToken(f.self),
        body: { rating: 3, text: 'Again.' },
      });
      return { path: `/api/reviews/${posted.body.id}` };
    },
    expected: memberOrLibrarian(204),
  },
  {
    route: 'GET /api/asyncapi.json',
    request: () => ({ path: '/api/asyncapi.json' }),
    expected: anyone(200),
  },
  {
    route: 'GET /api/members/{memberId}/mypage',
    request: (f) => ({ path: `/api/members/${f.self}/mypage` }),
    expected: memberOrLibrarian(200),
  },
  { route: 'GET /api/rentals', request: () => ({ path: '/api/rentals' }), expected: librarianOnly(200) },
  {
    route: 'POST /api/views/rebuild',
    request: () => ({ path: '/api/views/rebuild' }),
    expected: librarianOnly(202),
  },
  {
    route: 'GET /api/views/rebuild/{id}',
    request: async () => {
      const started = await ctx.lib.api<{ id: string }>('POST', '/api/views/rebuild', { token: librarian });
      return { path: `/api/views/rebuild/${started.body.id}` };
    },
    expected: librarianOnly(200),
  },
  {
    route: 'POST /api/dead-letters/replay',
    request: () => ({ path: '/api/dead-letters/replay' }),
    expected: librarianOnly(200),
  },
  {
    route: 'GET /api/members/{memberId}/notices',
    request: (f) => ({ path: `/api/members/${f.self}/notices` }),
    expected: memberOrLibrarian(200),
  },
  {
    route: 'GET /api/notices/dead-letters',
    request: () => ({ path: '/api/notices/dead-letters' }),
    expected: librarianOnly(200),
  },
  {
    route: 'POST /api/notices/dead-letters/replay',
    request: () => ({ path: '/api/notices/dead-letters/replay' }),
    expected: librarianOnly(200),
  },
];

let fixture: Fixture;
const tokens: Record<Who, Token | undefined> = {
  anonymous: undefined,
  self: undefined,
  other: undefined,
  librarian,
};

// A book of its own for each loan: a member has one copy of a book at a time.
async function approvedRental(f: Fixture): Promise<Rental> {
  const book = await ctx.lib.addBook({ title: 'Loan', author: 'Test', price: 0, copies: 1 });
  const rented = await ctx.lib.rent(f.self, book.id);
  if (rented.body.status !== 'APPROVED') throw new Error(`rent: ${rented.status} ${rented.body.status}`);
  return rented.body;
}

// A book whose one copy `other` has on loan: `self` may hold it.
async function lentBook(f: Fixture): Promise<string> {
  const book = await ctx.lib.addBook({ title: 'Held', author: 'Test', price: 0, copies: 1 });
  const rented = await ctx.lib.rent(f.other, book.id);
  if (rented.body.status !== 'APPROVED') throw new Error(`rent: ${rented.status} ${rented.body.status}`);
  return book.id;
}

beforeAll(async () => {
  const self = await ctx.lib.addMember(0, 'Self');
  const other = await ctx.lib.addMember(0, 'Other');
  const bookId = (await ctx.lib.addBook({ price: 0, copies: 50 })).id;
  tokens.self = memberToken(self);
  tokens.other = memberToken(other);
  const partial = { self, other, bookId, rentalId: '', returnedBookId: '' };
  const returned = await approvedRental(partial);
  await ctx.lib.returnBook(returned.id);
  fixture = { ...partial, rentalId: (await approvedRental(partial)).id, returnedBookId: returned.bookId };
});

describe('authorization, route by route', () => {
  it('the table names every route the app serves', () => {
    expect(rows.map((r) => r.route).sort()).toEqual(registeredHttpRoutes(ctx.host));
  });

  for (const row of rows) {
    it(`${row.route}: anonymous ${row.expected.anonymous}, self ${row.expected.self}, other ${row.expected.other}, librarian ${row.expected.librarian}`, async () => {
      const method = row.route.split(' ')[0];
      const got: Record<string, number> = {};
      const types: string[] = [];
      for (const who of callers) {
        const { path, body } = await row.request(fixture);
        const reply = await ctx.lib.api<{ type?: string }>(method, path, { token: tokens[who], body });
        got[who] = reply.status;
        if (reply.status === 401 || reply.status === 403) types.push(`${who}: ${reply.body.type}`);
        // RFC 9110: a 401 names the scheme to sign in with.
        if (reply.status === 401) expect(reply.headers.get('www-authenticate')).toBe('Bearer');
      }
      expect(got).toEqual(row.expected);
      // Refusals are problem+json with a stable type that says why (a member reviewing a book it has
      // not returned is refused for that).
      for (const line of types) {
        expect(line).toMatch(
          /^anonymous: urn:rentbook:problem:unauthenticated$|: urn:rentbook:problem:(forbidden|librarian-only|not-returned)$/,
        );
      }
    });
  }
});

// A body that is not JSON, and JSON that is not what any route takes.
const malformedBodies = ['{"bookId":', '{"unexpected":[1]}'];

/**
 * The same routes with a malformed body: a caller the policy refuses on who it is alone (anonymous
 * everywhere; a member on a librarian's route or on another member's path) gets 401/403 and learns
 * nothing of the body's rules; callers who may go on get 400. POST /rentals names the member in its
 * body, so another member is told 400 there: what it sent is read before the target is known.
 */
const malformedRows: { route: string; path: (f: Fixture) => string; expected: Record<Who, number> }[] = [
  { route: 'POST /api/books', path: () => '/api/books', expected: librarianOnly(400) },
  { route: 'PATCH /api/books/{bookId}', path: (f) => `/api/books/${f.bookId}`, expected: librarianOnly(400) },
  { route: 'POST /api/members', path: () => '/api/members', expected: librarianOnly(400) },
  {
    route: 'POST /api/members/{memberId}/points',
    path: (f) => `/api/members/${f.self}/points`,
    expected: memberOrLibrarian(400),
  },
  {
    route: 'POST /api/members/{memberId}/fees/payments',
    path: (f) => `/api/members/${f.self}/fees/payments`,
    expected: memberOrLibrarian(400),
  },
  {
    route: 'POST /api/rentals',
    path: () => '/api/rentals',
    expected: { anonymous: 401, self: 400, other: 400, librarian: 400 },
  },
  {
    // Like a rental, a hold names its member in the body.
    route: 'POST /api/books/{bookId}/holds',
    path: (f) => `/api/books/${f.bookId}/holds`,
    expected: { anonymous: 401, self: 400, other: 400, librarian: 400 },
  },
  {
    // Members only: a librarian is refused before the body is read.
    route: 'POST /api/books/{bookId}/reviews',
    path: (f) => `/api/books/${f.returnedBookId}/reviews`,
    expected: { anonymous: 401, self: 400, other: 400, librarian: 403 },
  },
];

describe('a malformed body: who may not call learns nothing of its rules', () => {
  it('the table names every route that takes a body (from the API document)', async () => {
    const doc = await ctx.lib.api<{ paths: Record<string, Record<string, { requestBody?: unknown }>> }>(
      'GET',
      '/api/openapi.json',
    );
    const withBody = Object.entries(doc.body.paths).flatMap(([path, operations]) =>
      Object.entries(operations)
        .filter(([, op]) => op.requestBody !== undefined)
        .map(([method]) => `${method.toUpperCase()} /api${path}`),
    );
    expect(withBody.length).toBeGreaterThan(0);
    expect(malformedRows.map((r) => r.route).sort()).toEqual(withBody.sort());
  });

  for (const row of malformedRows) {
    it(`${row.route}: anonymous ${row.expected.anonymous}, self ${row.expected.self}, other ${row.expected.other}, librarian ${row.expected.librarian}`, async () => {
      const method = row.route.split(' ')[0];
      for (const body of malformedBodies) {
        const got: Record<string, number> = {};
        for (const who of callers) {
          const reply = await ctx.lib.api<{ type?: string; detail?: string }>(method, row.path(fixture), {
            token: tokens[who],
            body,
          });
          got[who] = reply.status;
          if (reply.status === 401) expect(reply.body.type).toBe('urn:rentbook:problem:unauthenticated');
          if (reply.status === 401 || reply.status === 403)
            expect(reply.body.detail).not.toMatch(/body|JSON|bookId|unexpected/i);
        }
        expect({ body, ...got }).toEqual({ body, ...row.expected });
      }
    });
  }
});
