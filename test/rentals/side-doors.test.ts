// The ways around the API's rules, tried as an attacker would on the local host: each is refused
// and changes nothing (balances, copies, rentals, saga instances, the clock).
import { describe, expect, it } from 'vitest';
import { readState } from '../../local/host/db';
import { rawRequest } from '../helpers/raw-http';
import { container } from '../views/support-store-access';
import type { RentalPage } from '../../shared/app/members';
import type { Rental } from '../../shared/domain/rental';
import { eventually, librarian, libraryHost, memberToken } from './support-host';

const ctx = libraryHost();

const SAGA = '/runtime/webhooks/durabletask/orchestrators/rental-saga';
const INSTANCES = '/runtime/webhooks/durabletask/instances';
const key = () => ({ 'x-functions-key': ctx.host.keys.master });

interface Instance {
  instanceId: string;
  runtimeStatus: string;
  output: unknown;
}

async function instances(): Promise<Instance[]> {
  const reply = await rawRequest(ctx.host.url, { path: INSTANCES, headers: key() });
  expect(reply.status).toBe(200);
  return reply.json<Instance[]>();
}

/** Everything an attack could change, for these members and books. */
async function world(memberIds: string[], bookIds: string[]) {
  return {
    members: await Promise.all(memberIds.map((id) => ctx.lib.member(id))),
    books: await Promise.all(bookIds.map((id) => ctx.lib.book(id))),
    rentals: await Promise.all(
      memberIds.map(
        async (id) =>
          (
            await ctx.lib.api<RentalPage>('GET', `/api/members/${id}/rentals`, {
              token: librarian,
            })
          ).body.items,
      ),
    ),
    instances: (await instances()).map((i) => `${i.instanceId}:${i.runtimeStatus}`).sort(),
    clock: readState(ctx.host.db, 'clock.offsetMs'),
  };
}

function expectProblem(reply: { status: number; headers: Record<string, unknown> }, status: number): void {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toBe('application/problem+json');
}

/** A start of the saga as someone outside the app would forge it: any id, any member, any price. */
function forgedStart(id: string, memberId: string, bookId: string, price: number) {
  return JSON.stringify({
    id,
    memberId,
    bookId,
    bookTitle: 'Dune',
    price,
    status: 'REQUESTED',
    requestedAt: new Date().toISOString(),
  });
}

describe('the durable webhooks', () => {
  it('a forged saga start with a negative price for another member, without the key → 401, nothing changes', async () => {
    const victim = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 300, copies: 1 });
    const before = await world([victim], [book.id]);
    const reply = await rawRequest(ctx.host.url, {
      method: 'POST',
      path: `${SAGA}/forged-negative-price`,
      headers: { 'Content-Type': 'application/json' },
      body: forgedStart('forged-negative-price', victim, book.id, -1_000_000),
    });
    expectProblem(reply, 401);
    expect(await world([victim], [book.id])).toEqual(before);
  });

  it('with the key, a forged start mints no points and takes no copy (negative price, price 0, a real id)', async () => {
    const victim = await ctx.lib.addMember(1000);
    const owner = await ctx.lib.addMember(1000);
    const lastCopy = await ctx.lib.addBook({ price: 300, copies: 1 });
    const other = await ctx.lib.addBook({ price: 300, copies: 2 });
    const real = (await ctx.lib.rent(owner, other.id)).body;
    expect(real.status).toBe('APPROVED');
    const members = [victim, owner];
    const books = [lastCopy.id, other.id];
    const before = await world(members, books);

    const attempts = [
      {
        id: 'forged-minting',
        body: forgedStart('forged-minting', victim, lastCopy.id, -1_000_000),
        why: /was requested/,
      },
      {
        id: 'forged-free-copy',
        body: forgedStart('forged-free-copy', victim, lastCopy.id, 0),
        why: /was requested/,
      },
      // A new instance with a recorded rental's book but for another member.
      { id: 'forged-other-member', body: forgedStart(real.id, victim, other.id, 0), why: /was requested/ },
      // Not even the shape of a start.
      { id: 'forged-shapeless', body: JSON.stringify({ memberId: 7, price: -5 }), why: /input is not valid/ },
    ];
    for (const attempt of attempts) {
      const reply = await rawRequest(ctx.host.url, {
        method: 'POST',
        path: `${SAGA}/${attempt.id}`,
        headers: { ...key(), 'Content-Type': 'application/json' },
        body: attempt.body,
      });
      expect(reply.status).toBe(202);
      const settled = await eventually(async () => {
        const s = (await instances()).find((i) => i.instanceId === attempt.id);
        return s && s.runtimeStatus !== 'Running' && s.runtimeStatus !== 'Pending' ? s : undefined;
      });
      expect(settled.runtimeStatus).toBe('Failed');
      expect(JSON.stringify(settled.output)).toMatch(attempt.why);
    }
    const after = await world(members, books);
    const started = attempts.map((a) => a.id);
    expect({
      ...after,
      instances: after.instances.filter((i) => !started.some((id) => i.startsWith(id))),
    }).toEqual(before);
    expect(await ctx.lib.member(victim)).toMatchObject({ points: 1000 });
    expect(await ctx.lib.book(lastCopy.id)).toMatchObject({ available: 1 });
  });

  it('listing and purging instances without the key → 401, no member ids shown, no history purged', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    expect((await ctx.lib.rent(memberId, book.id)).body.status).toBe('APPROVED');
    const before = await world([memberId], [book.id]);
    expect(before.instances.length).toBeGreaterThan(0);

    const listing = await rawRequest(ctx.host.url, { path: `${INSTANCES}?showInput=true` });
    expectProblem(listing, 401);
    expect(listing.text).not.toContain(memberId);
    const purge = await rawRequest(ctx.host.url, {
      method: 'DELETE',
      path: `${INSTANCES}?createdTimeFrom=2000-01-01T00:00:00Z`,
    });
    expectProblem(purge, 401);
    const wrongKey = await rawRequest(ctx.host.url, {
      method: 'DELETE',
      path: `${INSTANCES}?createdTimeFrom=2000-01-01T00:00:00Z&code=not-the-key`,
    });
    expectProblem(wrongKey, 401);
    expect(await world([memberId], [book.id])).toEqual(before);
  });
});

describe('the admin routes', () => {
  it('a clock bomb → 400; the clock stays, and every read and write still answers', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    const before = await world([memberId], [book.id]);
    for (const body of [{ advanceBy: 'P200000000D' }, { set: '2000-01-01T00:00:00Z' }]) {
      const reply = await rawRequest(ctx.host.url, {
        method: 'POST',
        path: '/admin/clock',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify(body),
      });
      expectProblem(reply, 400);
    }
    expect(await world([memberId], [book.id])).toEqual(before);
    const rented = await ctx.lib.rent(memberId, book.id);
    expect(rented.status).toBe(201);
    expect(rented.body.status).toBe('APPROVED');
  });

  it('a foreign Host or Origin (a web page, DNS rebinding) cannot move the clock', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    const before = await world([memberId], [book.id]);
    const move = (headers: Record<string, string>) =>
      rawRequest(ctx.host.url, {
        method: 'POST',
        path: '/admin/clock',
        headers,
        body: '{"advanceBy":"P10D"}',
      });
    expectProblem(await move({ Host: 'evil.example', Origin: 'http://evil.example' }), 421);
    expectProblem(await move({ Origin: 'http://evil.example' }), 403);
    expect(await world([memberId], [book.id])).toEqual(before);
  });

  it("the admin run cannot call the saga's steps or the saga with a forged rental, with the key or without", async () => {
    const victim = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 300, copies: 1 });
    const before = await world([victim], [book.id]);
    const forged = JSON.parse(forgedStart('forged-admin-run', victim, book.id, -1_000_000)) as unknown;
    for (const name of ['rental-saga-charge-and-approve', 'rental-saga-refund-points', 'rental-saga']) {
      const run = (headers: Record<string, string>) =>
        rawRequest(ctx.host.url, {
          method: 'POST',
          path: `/admin/functions/${name}`,
          headers: { 'Content-Type': 'application/json', ...headers },
          body: JSON.stringify({ input: forged }),
        });
      expectProblem(await run({}), 401);
      expectProblem(await run(key()), 400);
    }
    expect(await world([victim], [book.id])).toEqual(before);
  });

  it('forged trigger input through a keyless admin run on the --dev host → 401: no member expires, no view or notice is forged', async () => {
    const victim = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 300, copies: 4 });
    const rented = await ctx.lib.rent(victim, book.id);
    expect(rented.body.status).toBe('APPROVED');
    const mypage = () =>
      ctx.lib.api<{ points: number; loans: unknown[] }>('GET', `/api/members/${victim}/mypage`, {
        token: memberToken(victim),
      });
    const inbox = async () =>
      (
        await ctx.lib.api<{ items: { text: string }[] }>('GET', `/api/members/${victim}/notices`, {
          token: memberToken(victim),
        })
      ).body.items;
    await eventually(async () => {
      const page = (await mypage()).body;
      return page.points === 700 && page.loans.length === 1 ? true : undefined;
    });
    await eventually(async () => ((await inbox()).length > 0 ? true : undefined));
    const memberDoc = () => container('members').read(victim, victim);
    const before = {
      world: await world([victim], [book.id]),
      member: memberDoc(),
      mypage: (await mypage()).body,
      inbox: await inbox(),
      events: ctx.host.db.prepare('SELECT COUNT(*) AS n FROM eh_events').get(),
    };
    const event = {
      specversion: '1.0',
      id: 'forged-event',
      source: '/rentbook',
      type: 'rentbook.rental.approved',
      subject: `rentals/${rented.body.id}`,
      time: new Date().toISOString(),
      datacontenttype: 'application/json',
      data: {
        rentalId: rented.body.id,
        memberId: victim,
        bookId: book.id,
        bookTitle: 'Pay here: evil.example',
      },
    };
    const forged: [string, unknown][] = [
      // An outbox item over the member's own document: the relay would mark it sent, and it would expire.
      [
        'outbox-relay-members',
        [{ id: victim, type: 'outbox', memberId: victim, partitionKey: victim, event }],
      ],
      [
        'views-project',
        [
          {
            id: victim,
            type: 'member',
            memberId: victim,
            name: 'HACKED',
            points: -999999,
            feesOwed: 123456789,
            version: 999999999,
          },
        ],
      ],
      [
        'notices-send',
        {
          id: 'forged-notice',
          memberId: victim,
          kind: 'overdue',
          text: 'Pay at evil.example',
          createdAt: new Date().toISOString(),
        },
      ],
      ['notices-compose', [event]],
    ];
    for (const [name, input] of forged) {
      const reply = await rawRequest(ctx.host.url, {
        method: 'POST',
        path: `/admin/functions/${name}`,
        body: JSON.stringify({ input }),
      });
      expectProblem(reply, 401);
    }
    await new Promise((r) => setTimeout(r, 500));
    expect({
      world: await world([victim], [book.id]),
      member: memberDoc(),
      mypage: (await mypage()).body,
      inbox: await inbox(),
      events: ctx.host.db.prepare('SELECT COUNT(*) AS n FROM eh_events').get(),
    }).toEqual(before);
  });

  it('the timers still run keyless on the --dev host (the README walk-through)', async () => {
    const reply = await rawRequest(ctx.host.url, {
      method: 'POST',
      path: '/admin/functions/overdue-scan',
      headers: { 'Content-Type': 'application/json' },
      body: '{}',
    });
    expect(reply.status).toBe(202);
  });
});

describe('idempotency keys', () => {
  it('a librarian reusing a key to rent for another member → 422; the other member gets nothing, the first rental stands', async () => {
    const first = await ctx.lib.addMember(1000);
    const second = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 300, copies: 5 });
    const rent = (memberId: string) =>
      ctx.lib.api<Rental & { type?: string }>('POST', '/api/rentals', {
        token: librarian,
        body: { bookId: book.id, memberId },
        headers: { 'Idempotency-Key': 'K' },
      });
    const rented = await rent(first);
    expect(rented.status).toBe(201);
    expect(rented.body).toMatchObject({ memberId: first, status: 'APPROVED' });
    const before = await world([first, second], [book.id]);

    const reused = await rent(second);
    expect(reused.status).toBe(422);
    expect(reused.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(reused.body).toMatchObject({ type: 'urn:rentbook:problem:idempotency-key-reused', status: 422 });
    expect(await world([first, second], [book.id])).toEqual(before);

    // The same request again is still the first answer.
    const again = await rent(first);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(rented.body);
    expect(await world([first, second], [book.id])).toEqual(before);
  });

  it('the same key with the same body in another spelling is the same request', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 300, copies: 5 });
    const send = (body: string) =>
      ctx.lib.api<Rental>('POST', '/api/rentals', {
        token: librarian,
        body,
        headers: { 'Idempotency-Key': 'spelling', 'Content-Type': 'application/json' },
      });
    const first = await send(`{"bookId":"${book.id}","memberId":"${memberId}"}`);
    const again = await send(`{ "memberId": "${memberId}",  "bookId": "${book.id}" }`);
    expect(again.status).toBe(201);
    expect(again.body).toEqual(first.body);
    expect((await ctx.lib.member(memberId)).points).toBe(700);
  });
});

describe("the host's own answers on the app", () => {
  it('404, 405 and 413 are problem+json, and an oversized rent changes nothing', async () => {
    const memberId = await ctx.lib.addMember(1000);
    const book = await ctx.lib.addBook({ price: 100, copies: 1 });
    const before = await world([memberId], [book.id]);
    expectProblem(await rawRequest(ctx.host.url, { path: '/api/nowhere' }), 404);
    expectProblem(await rawRequest(ctx.host.url, { method: 'DELETE', path: '/api/rentals' }), 405);
    const huge = await rawRequest(ctx.host.url, {
      method: 'POST',
      path: '/api/rentals',
      headers: { Authorization: `Bearer ${await memberToken(memberId)}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ bookId: book.id, padding: 'x'.repeat(2 * 1024 * 1024) }),
    });
    expectProblem(huge, 413);
    expect(await world([memberId], [book.id])).toEqual(before);
  });
});
