// The OpenAPI document's request and response schemas against the live API: every answer the API
// gives matches the schema documented for its status (with no field left undocumented), the
// requests it accepts match the documented request schemas, and requests it refuses with 400 for
// their shape are refused by those schemas too.
import { randomUUID } from 'node:crypto';
import Ajv2020, { type ValidateFunction } from 'ajv/dist/2020';
import addFormats from 'ajv-formats';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  eventually,
  libraryHost,
  librarian,
  memberToken,
  type CallOptions,
  type Reply,
} from '../rentals/support-host';

const ctx = libraryHost();

interface Operation {
  parameters?: { name: string; in: string; required?: boolean; schema: object }[];
  requestBody?: { content: Record<string, { schema: object }> };
  responses: Record<string, { $ref?: string; headers?: Record<string, { required?: boolean }> } & Answer>;
}
interface Answer {
  content?: Record<string, { schema: object }>;
}
interface Doc {
  servers: { url: string }[];
  paths: Record<string, Record<string, Operation>>;
  components: { responses: Record<string, Answer> } & Record<string, unknown>;
}

let doc: Doc;
let ajv: Ajv2020;

/**
 * The document as one schema ajv can resolve `#/components/...` in, with every object that lists
 * its properties closed: an answer carrying a field the document does not name fails.
 */
function closed(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(closed);
  if (node === null || typeof node !== 'object') return node;
  const copy = Object.fromEntries(Object.entries(node).map(([k, v]) => [k, closed(v)]));
  if ('properties' in copy && !('additionalProperties' in copy)) copy.additionalProperties = false;
  return copy;
}

function validator(schema: object): ValidateFunction {
  const text = JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/');
  return ajv.compile(JSON.parse(text) as object);
}

function operation(method: string, template: string): Operation {
  const op = doc.paths[template]?.[method.toLowerCase()];
  if (!op) throw new Error(`${method} ${template} is not documented`);
  return op;
}

/** Which documented (operation, status) pairs the calls below have seen. */
const seen = new Set<string>();

/** Calls the API and checks the answer against the document; returns it for the scenario's own checks. */
async function exchange(
  method: string,
  template: string,
  path: string,
  options: CallOptions = {},
): Promise<Reply> {
  const op = operation(method, template);
  const reply = await ctx.lib.api<Record<string, unknown>>(method, path, options);
  const status = String(reply.status);
  let documented = op.responses[status];
  expect(documented, `${method} ${template} answered ${status}, which is not documented`).toBeDefined();
  seen.add(`${method} ${template} ${status}`);
  if (documented.$ref) documented = doc.components.responses[documented.$ref.split('/').pop()!];
  const [mediaType, content] = Object.entries(documented.content ?? {})[0] ?? [];
  if (content) {
    expect(reply.headers.get('content-type')).toContain(mediaType);
    const valid = validator(content.schema);
    expect(valid(reply.body), `${method} ${path} ${status}: ${ajv.errorsText(valid.errors)}`).toBe(true);
  } else {
    expect(reply.body).toBeUndefined();
  }
  for (const [name, header] of Object.entries(documented.headers ?? {})) {
    if (header.required) expect(reply.headers.get(name), `${method} ${path}: ${name}`).not.toBeNull();
  }
  if (reply.status < 400 && options.body !== undefined) {
    expect(requestValid(op, options.body), `${method} ${path}: the accepted body fits the document`).toBe(
      true,
    );
  }
  return reply;
}

function requestValid(op: Operation, body: unknown): boolean {
  const schema = op.requestBody?.content['application/json']?.schema;
  if (!schema) throw new Error('no documented request body');
  return validator(schema)(body) as boolean;
}

beforeAll(async () => {
  doc = (await (await fetch(`${ctx.host.url}/api/openapi.json`)).json()) as Doc;
  ajv = new Ajv2020({ strict: false, allErrors: true });
  addFormats(ajv);
  ajv.addSchema({ $id: 'openapi.json', components: closed(doc.components) });
});

describe('OpenAPI schemas against the API', () => {
  it('every answer of a rent-and-return story matches its documented schema', async () => {
    const created = await exchange('POST', '/books', '/api/books', {
      token: librarian,
      body: { title: 'Dune', author: 'Frank Herbert', isbn: '9780441013593', price: 100, copies: 2 },
    });
    const bookId = created.body.id as string;
    await exchange('GET', '/books', '/api/books?limit=5&status=AVAILABLE&q=dune');
    await exchange('GET', '/books/{bookId}', `/api/books/${bookId}`);
    await exchange('GET', '/books/{bookId}', '/api/books/nope');
    await exchange('PATCH', '/books/{bookId}', `/api/books/${bookId}`, {
      token: librarian,
      body: { copies: 3, withdrawn: false },
      headers: { 'If-Match': created.body.etag as string },
    });
    await exchange('PATCH', '/books/{bookId}', `/api/books/${bookId}`, {
      token: librarian,
      body: { price: 100 },
      headers: { 'If-Match': created.body.etag as string },
    });

    const member = await exchange('POST', '/members', '/api/members', {
      token: librarian,
      body: { name: 'Kim Minsu', phone: '+82 10-1234-5678' },
    });
    const memberId = member.body.id as string;
    const me = memberToken(memberId);
    await exchange('GET', '/members/{memberId}', `/api/members/${memberId}`, { token: me });
    await exchange('GET', '/members/{memberId}', `/api/members/${memberId}`);
    await exchange('POST', '/members/{memberId}/points', `/api/members/${memberId}/points`, {
      token: me,
      body: { amount: 500 },
      headers: { 'Idempotency-Key': 'first-deposit' },
    });
    const listed = await exchange('GET', '/members', '/api/members?q=minsu&limit=5', { token: librarian });
    expect((listed.body.items as { id: string }[]).map((m) => m.id)).toContain(memberId);
    await exchange('GET', '/members', '/api/members', { token: me });
    await exchange(
      'GET',
      '/members/{memberId}/points/check',
      `/api/members/${memberId}/points/check?amount=100`,
      {
        token: me,
      },
    );

    const rented = await exchange('POST', '/rentals', '/api/rentals', { token: me, body: { bookId } });
    expect(rented.body.status).toBe('APPROVED');
    const unknown = await exchange('POST', '/rentals', '/api/rentals', {
      token: librarian,
      body: { bookId: randomUUID(), memberId },
    });
    expect(unknown.status).toBe(404);
    const rentalId = rented.body.id as string;
    await exchange('GET', '/rentals/{rentalId}', `/api/rentals/${rentalId}`, { token: me });
    await exchange('GET', '/rentals/{rentalId}', `/api/rentals/${rentalId}`, {
      token: memberToken('someone-else'),
    });
    const renewed = await exchange('POST', '/rentals/{rentalId}/renew', `/api/rentals/${rentalId}/renew`, {
      token: me,
    });
    expect(renewed.body.renewals).toBe(1);
    await exchange('DELETE', '/books/{bookId}', `/api/books/${bookId}`, { token: librarian });
    // Two days late: the return charges a fee, which is then paid.
    ctx.host.clock.set(Date.parse(renewed.body.dueAt as string) + 2 * 24 * 60 * 60 * 1000);
    await exchange('POST', '/rentals/{rentalId}/return', `/api/rentals/${rentalId}/return`, { token: me });
    await exchange('POST', '/rentals/{rentalId}/return', `/api/rentals/${rentalId}/return`, { token: me });
    await exchange('POST', '/rentals/{rentalId}/renew', `/api/rentals/${rentalId}/renew`, { token: me });
    const paid = await exchange(
      'POST',
      '/members/{memberId}/fees/payments',
      `/api/members/${memberId}/fees/payments`,
      { token: me, body: { amount: 300 } },
    );
    expect(paid.body.feesOwed).toBe(200);
    await exchange('POST', '/members/{memberId}/fees/payments', `/api/members/${memberId}/fees/payments`, {
      token: me,
      body: { amount: 1000 },
    });
    await exchange(
      'GET',
      '/members/{memberId}/rentals',
      `/api/members/${memberId}/rentals?status=RETURNED&limit=10`,
      {
        token: me,
      },
    );
    await exchange('GET', '/members/{memberId}/mypage', `/api/members/${memberId}/mypage`, { token: me });
    await exchange('GET', '/members/{memberId}/mypage', `/api/members/${memberId}/mypage`, {
      token: memberToken('someone-else'),
    });
    await exchange('GET', '/rentals', `/api/rentals?bookId=${bookId}&limit=10`, { token: librarian });
    await exchange('GET', '/rentals', '/api/rentals?overdue=true', { token: me });
    const rebuild = await exchange('POST', '/views/rebuild', '/api/views/rebuild', { token: librarian });
    await exchange('GET', '/views/rebuild/{id}', `/api/views/rebuild/${rebuild.body.id as string}`, {
      token: librarian,
    });
    await exchange('POST', '/dead-letters/replay', '/api/dead-letters/replay', { token: librarian });
    // The member's notices (the approval and the return arrive through the hub and the queue).
    await eventually(
      async () => {
        const notices = await exchange(
          'GET',
          '/members/{memberId}/notices',
          `/api/members/${memberId}/notices?limit=5`,
          { token: me },
        );
        return (notices.body.items as unknown[]).length >= 2 ? true : undefined;
      },
      30_000,
      'the notices',
    );
    await exchange('GET', '/notices/dead-letters', '/api/notices/dead-letters?limit=5', { token: librarian });
    await exchange('POST', '/notices/dead-letters/replay', '/api/notices/dead-letters/replay', {
      token: librarian,
    });
    await exchange('DELETE', '/books/{bookId}', `/api/books/${bookId}`, { token: librarian });
    await exchange('DELETE', '/books/{bookId}', `/api/books/${bookId}`, { token: librarian });
    await exchange('GET', '/health', '/api/health');
    await exchange('GET', '/asyncapi.json', '/api/asyncapi.json');
    await exchange('GET', '/openapi.json', '/api/openapi.json');
  });

  it('a body not sent as JSON (415), or too large (413), is a documented answer of every route that takes one', async () => {
    const member = (
      await ctx.lib.api<{ id: string }>('POST', '/api/members', {
        token: librarian,
        body: { name: 'Typed Kim' },
      })
    ).body.id;
    const book = (
      await ctx.lib.api<{ id: string }>('POST', '/api/books', {
        token: librarian,
        body: { title: 'Typed', author: 'A', price: 0, copies: 1 },
      })
    ).body.id;
    let bodies = 0;
    for (const [template, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!op.requestBody) continue;
        bodies++;
        const path = `/api${template
          .replace('{memberId}', member)
          .replace('{bookId}', book)
          .replace(/\{\w+\}/g, randomUUID())}`;
        const upper = method.toUpperCase();
        const reply = await exchange(upper, template, path, {
          // Reviews are a member's; the other routes take a librarian.
          token: template.endsWith('/reviews') ? memberToken(member) : librarian,
          body: '{}',
          headers: { 'content-type': 'text/plain' },
        });
        expect({ at: `${upper} ${template}`, status: reply.status }).toEqual({
          at: `${upper} ${template}`,
          status: 415,
        });
      }
    }
    expect(bodies).toBeGreaterThanOrEqual(8);
    const tooLarge = await exchange('POST', '/books', '/api/books', {
      token: librarian,
      body: JSON.stringify({ title: 'x'.repeat(1_100_000) }),
    });
    expect(tooLarge.status).toBe(413);
  });

  it('bodies the API refuses for their shape, the documented schemas refuse too', async () => {
    const book = { title: 'T', author: 'A', price: 0, copies: 1 };
    const bookId = (await exchange('POST', '/books', '/api/books', { token: librarian, body: book })).body
      .id as string;
    const memberId = await ctx.lib.addMember();
    const refused: [string, string, string, unknown][] = [
      ['POST', '/books', '/api/books', { ...book, title: '' }],
      ['POST', '/books', '/api/books', { ...book, copies: 0 }],
      ['POST', '/books', '/api/books', { ...book, price: -1 }],
      ['POST', '/books', '/api/books', { ...book, shelf: 'B2' }],
      ['POST', '/books', '/api/books', { title: 'T', author: 'A', copies: 1 }],
      ['PATCH', '/books/{bookId}', `/api/books/${bookId}`, {}],
      ['PATCH', '/books/{bookId}', `/api/books/${bookId}`, { copies: 'two' }],
      ['POST', '/members', '/api/members', { name: '' }],
      ['POST', '/members', '/api/members', { name: 'A', email: 'a@b' }],
      ['POST', '/members/{memberId}/points', `/api/members/${memberId}/points`, { amount: 0 }],
      ['POST', '/members/{memberId}/points', `/api/members/${memberId}/points`, {}],
      ['POST', '/rentals', '/api/rentals', { memberId }],
      ['POST', '/rentals', '/api/rentals', { bookId, memberId, days: 3 }],
    ];
    for (const [method, template, path, body] of refused) {
      const reply = await exchange(method, template, path, { token: librarian, body });
      expect(reply.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(400);
      expect(requestValid(operation(method, template), body), `${method} ${JSON.stringify(body)}`).toBe(
        false,
      );
    }
  });

  it('query parameters: what the API accepts fits the documented parameter schemas', () => {
    const coercing = new Ajv2020({ strict: false, coerceTypes: true });
    coercing.addSchema({ $id: 'openapi.json', components: doc.components });
    const cases: [string, Record<string, string>, boolean][] = [
      ['/books', { limit: '20', status: 'RENTED', q: 'dune' }, true],
      ['/books', { limit: '0' }, false],
      ['/books', { limit: '101' }, false],
      ['/books', { status: 'LOST' }, false],
      ['/members', { q: 'kim', limit: '5', continuation: 'x' }, true],
      ['/members', { q: 'k'.repeat(101) }, false],
      ['/members/{memberId}/points/check', { amount: '0' }, true],
      ['/members/{memberId}/points/check', {}, false],
      ['/members/{memberId}/rentals', { status: 'OVERDUE', limit: '1' }, true],
      ['/rentals', { overdue: 'true', status: 'APPROVED', bookId: 'b', memberId: 'm', limit: '5' }, true],
      ['/rentals', { overdue: 'maybe' }, false],
    ];
    for (const [template, query, fits] of cases) {
      const parameters = operation('GET', template).parameters!.filter((p) => p.in === 'query');
      const schema = {
        type: 'object',
        properties: Object.fromEntries(parameters.map((p) => [p.name, p.schema])),
        required: parameters.filter((p) => p.required).map((p) => p.name),
        additionalProperties: false,
      };
      const text = JSON.stringify(schema).replaceAll('"#/components/', '"openapi.json#/components/');
      expect(
        coercing.validate(JSON.parse(text) as object, { ...query }),
        `${template} ${JSON.stringify(query)}`,
      ).toBe(fits);
    }
  });

  it('every answer of a hold story matches its documented schema', async () => {
    const book = await ctx.lib.addBook({ price: 0, copies: 1 });
    const [borrower, holder] = [await ctx.lib.addMember(0), await ctx.lib.addMember(0)];
    expect((await ctx.lib.rent(borrower, book.id)).body.status).toBe('APPROVED');
    const placed = await exchange('POST', '/books/{bookId}/holds', `/api/books/${book.id}/holds`, {
      token: librarian,
      body: { memberId: holder },
      headers: { 'Idempotency-Key': 'hold-story' },
    });
    expect(placed.body).toMatchObject({ status: 'WAITING', position: 1 });
    await exchange('POST', '/books/{bookId}/holds', `/api/books/${book.id}/holds`, {
      token: memberToken(holder),
    });
    await exchange('POST', '/books/{bookId}/holds', '/api/books/nope/holds', { token: memberToken(holder) });
    await exchange('GET', '/books/{bookId}/holds', `/api/books/${book.id}/holds`, { token: librarian });
    await exchange('GET', '/books/{bookId}/holds', '/api/books/nope/holds', { token: librarian });
    await exchange('DELETE', '/holds/{holdId}', `/api/holds/${placed.body.id as string}`, {
      token: memberToken(holder),
    });
    await exchange('DELETE', '/holds/{holdId}', `/api/holds/${placed.body.id as string}`, {
      token: memberToken(holder),
    });
    await exchange('DELETE', '/holds/{holdId}', '/api/holds/nope', { token: librarian });
  });

  it('every answer of a review story matches its documented schema', async () => {
    const book = await ctx.lib.addBook({ price: 0, copies: 1 });
    const member = await ctx.lib.addMember(0);
    const me = memberToken(member);
    const rented = await ctx.lib.rent(member, book.id);
    await ctx.lib.returnBook(rented.body.id);
    const path = `/api/books/${book.id}/reviews`;
    const posted = await exchange('POST', '/books/{bookId}/reviews', path, {
      token: me,
      body: { rating: 5, text: 'Loved it.' },
    });
    await exchange('POST', '/books/{bookId}/reviews', path, {
      token: me,
      body: { rating: 4, text: 'Still good.' },
    });
    await exchange('POST', '/books/{bookId}/reviews', path, { token: me, body: { rating: 9, text: '' } });
    await exchange('POST', '/books/{bookId}/reviews', path, {
      token: librarian,
      body: { rating: 3, text: '' },
    });
    await exchange('POST', '/books/{bookId}/reviews', '/api/books/nope/reviews', {
      token: me,
      body: { rating: 3, text: '' },
    });
    await exchange('GET', '/books/{bookId}/reviews', `${path}?limit=5`);
    await exchange('GET', '/books/{bookId}/reviews', '/api/books/nope/reviews');
    await exchange('GET', '/books/{bookId}', `/api/books/${book.id}`);
    await exchange('DELETE', '/reviews/{reviewId}', `/api/reviews/${posted.body.id as string}`, {
      token: me,
    });
    await exchange('DELETE', '/reviews/{reviewId}', `/api/reviews/${posted.body.id as string}`, {
      token: me,
    });
  });

  it('every documented answer was seen, but for 202 (a saga slower than five seconds)', () => {
    const documented = Object.entries(doc.paths).flatMap(([template, item]) =>
      Object.entries(item).flatMap(([method, op]) =>
        Object.keys(op.responses).map((status) => `${method.toUpperCase()} ${template} ${status}`),
      ),
    );
    const unseen = documented.filter((d) => !seen.has(d) && !d.endsWith(' 202'));
    // Problem answers share one schema; each operation's success answers must all have been checked.
    expect(unseen.filter((d) => /\s2\d\d$/.test(d))).toEqual([]);
    expect(seen.size).toBeGreaterThan(20);
  });
});
