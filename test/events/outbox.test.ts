// Every write leaves exactly one event per fact on the hub, through the outbox and its relay.
import { describe, expect, it } from 'vitest';
import { eventSchemas } from '../../shared/app/events';
import { eventually, librarian, libraryHost, memberToken } from '../rentals/support-host';
import { about, hubEvents } from './support-events';

const ctx = libraryHost();

async function eventsAbout(subject: string, count: number) {
  return eventually(
    async () => {
      const found = about(await hubEvents(ctx.host), subject);
      return found.length >= count ? found : undefined;
    },
    20_000,
    `${count} events about ${subject}`,
  );
}

describe('domain events through the outbox', () => {
  it('rent → approved → returned: requested, approved, returned, each once, in order, keyed by the rental', async () => {
    const { lib } = ctx;
    const book = await lib.addBook({ price: 300, copies: 1 });
    const memberId = await lib.addMember(1000);
    const rented = await lib.rent(memberId, book.id);
    expect(rented.body.status).toBe('APPROVED');
    const returned = await lib.returnBook(rented.body.id);
    expect(returned.status).toBe(200);

    const events = await eventsAbout(`rentals/${rented.body.id}`, 3);
    expect(events.map((e) => e.body.type)).toEqual([
      'rentbook.rental.requested',
      'rentbook.rental.approved',
      'rentbook.rental.returned',
    ]);
    for (const e of events) {
      expect(e.partitionKey).toBe(rented.body.id);
      expect(e.messageId).toBe(e.body.id);
      expect(eventSchemas[e.body.type as keyof typeof eventSchemas].safeParse(e.body).success).toBe(true);
    }
    expect(events[1].body.data).toMatchObject({
      dueAt: rented.body.dueAt,
      approvedAt: rented.body.approvedAt,
    });
    expect(events[2].body.data).toMatchObject({ lateDays: 0, fee: 0, returnedAt: returned.body.returnedAt });
    expect(new Set(events.map((e) => e.partitionId)).size).toBe(1);

    const points = await eventsAbout(`members/${memberId}`, 3);
    expect(points.map((e) => e.body.type)).toEqual([
      'rentbook.member.registered',
      'rentbook.points.deposited',
      'rentbook.points.debited',
    ]);
    expect(points[2].body.data).toEqual({ memberId, rentalId: rented.body.id, amount: 300 });
  });

  it('a rejected rent: requested then rejected with its reason, and the refund when points were taken', async () => {
    const { lib } = ctx;
    const book = await lib.addBook({ price: 5000, copies: 1 });
    const memberId = await lib.addMember(100);
    const rented = await lib.rent(memberId, book.id);
    expect(rented.body.status).toBe('REJECTED');
    const events = await eventsAbout(`rentals/${rented.body.id}`, 2);
    expect(events.map((e) => [e.body.type, e.body.data.reason])).toEqual([
      ['rentbook.rental.requested', undefined],
      ['rentbook.rental.rejected', 'INSUFFICIENT_POINTS'],
    ]);
  });

  it('books: registered, updated, removed — once each, keyed by the book', async () => {
    const { lib, host } = ctx;
    const book = await lib.addBook({ price: 10, copies: 2 });
    const edited = await lib.api('PATCH', `/api/books/${book.id}`, {
      token: librarian,
      body: { copies: 3 },
      headers: { 'If-Match': book.etag },
    });
    expect(edited.status).toBe(200);
    expect((await lib.api('DELETE', `/api/books/${book.id}`, { token: librarian })).status).toBe(204);
    expect((await lib.api('GET', `/api/books/${book.id}`)).status).toBe(404);
    const events = await eventsAbout(`books/${book.id}`, 3);
    expect(events.map((e) => e.body.type)).toEqual([
      'rentbook.book.registered',
      'rentbook.book.updated',
      'rentbook.book.removed',
    ]);
    expect(events[1].body.data).toMatchObject({ copies: 3 });
    expect(events.every((e) => e.partitionKey === book.id)).toBe(true);
    // Nothing more arrives later (a relay that published twice would show it here).
    await lib.rent(await lib.addMember(0), (await lib.addBook({ price: 0, copies: 1 })).id);
    expect(about(await hubEvents(host), `books/${book.id}`)).toHaveLength(3);
  });

  it('a refused deposit (400) leaves no event; the next good one leaves one', async () => {
    const { lib } = ctx;
    const memberId = await lib.addMember(0);
    const bad = await lib.api('POST', `/api/members/${memberId}/points`, {
      token: memberToken(memberId),
      body: { amount: -5 },
    });
    expect(bad.status).toBe(400);
    const good = await lib.api('POST', `/api/members/${memberId}/points`, {
      token: memberToken(memberId),
      body: { amount: 70 },
    });
    expect(good.status).toBe(200);
    // The member's events are relayed in write order: once the good deposit's is out, the bad one
    // would have been too.
    const events = await eventsAbout(`members/${memberId}`, 2);
    expect(events.map((e) => [e.body.type, e.body.data.amount])).toEqual([
      ['rentbook.member.registered', undefined],
      ['rentbook.points.deposited', 70],
    ]);
  });
});

describe('GET /admin/eventhubs/{hub}/events', () => {
  it('needs the master key, and answers 404 for an unknown hub and 400 for a bad query', async () => {
    const { host, lib } = ctx;
    await lib.addMember(0);
    const key = { 'x-functions-key': host.keys.master };
    const route = '/admin/eventhubs/rentbook-events/events';
    expect((await lib.api('GET', route)).status).toBe(401);
    const listed = await lib.api<{ events: { sequenceNumber: number; partitionKey: string }[] }>(
      'GET',
      `${route}?limit=2`,
      { headers: key },
    );
    expect(listed.status).toBe(200);
    expect(listed.body.events.length).toBeGreaterThan(0);
    expect(listed.body.events.length).toBeLessThanOrEqual(2);
    expect((await lib.api('GET', '/admin/eventhubs/no-such-hub/events', { headers: key })).status).toBe(404);
    for (const bad of ['partition=99', 'partition=x', 'limit=0', 'limit=5000', 'fromSequenceNumber=-1']) {
      const reply = await lib.api('GET', `${route}?${bad}`, { headers: key });
      expect(reply.status, bad).toBe(400);
      expect(reply.headers.get('content-type')).toMatch(/problem\+json/);
    }
  });
});
