// The relay given every change twice and out of order (as a change feed may redeliver after a
// failure) publishes each event once, each aggregate's in the order written; after a restart
// (nothing remembered) a page delivered again is published again: at least once.
import { embeddedAppDeps } from '../../local/adapters';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { embeddedEventPublisher } from '../../local/adapters/events';
import type { StoredDocument } from '../../local/documents/types';
import type { LocalHost } from '../../local/host/host';
import { OUTBOX_TTL_SECONDS, relayBookOutbox, relayMemberOutbox } from '../../shared/app/outbox';
import { librarian, library, startHost } from '../rentals/support-host';
import { container } from '../views/support-store-access';
import { hubEvents } from './support-events';

let host: LocalHost;
let lib: ReturnType<typeof library>;

beforeAll(async () => {
  // This host runs without its relays: the test hands them the changes itself.
  process.env['AzureWebJobs.outbox-relay-members.Disabled'] = 'true';
  process.env['AzureWebJobs.outbox-relay-books.Disabled'] = 'true';
  host = await startHost();
  lib = library(host.url);
});
afterAll(async () => {
  await host?.stop();
});

const deps = () => embeddedAppDeps();

describe('the outbox relay, given changes twice and out of order', () => {
  it('publishes each event once, in order per aggregate', async () => {
    const delivered: { members: StoredDocument[]; books: StoredDocument[] } = { members: [], books: [] };
    const lsn = { members: 0, books: 0 };
    const collect = () => {
      for (const name of ['members', 'books'] as const) {
        const page = container(name).readChangeFeed(lsn[name], 1000);
        delivered[name].push(...page.items);
        lsn[name] = page.lastLsn;
      }
    };
    const book = await lib.addBook({ price: 100, copies: 1 });
    const memberId = await lib.addMember(300);
    collect();
    const rented = await lib.rent(memberId, book.id);
    collect();
    await lib.returnBook(rented.body.id);
    collect();
    await lib.api('PATCH', `/api/books/${book.id}`, { token: librarian, body: { price: 150 } });
    collect();
    expect(await hubEvents(host)).toEqual([]);

    const twiceReversed = <T>(items: T[]) => [...items].reverse().concat([...items].reverse());
    const publisher = embeddedEventPublisher;
    const first = await relayMemberOutbox(publisher, twiceReversed(delivered.members), Date.now());
    const firstBooks = await relayBookOutbox(deps(), publisher, twiceReversed(delivered.books));
    // And once more, as the trigger's retry policy would.
    const again = await relayMemberOutbox(publisher, delivered.members, Date.now());
    const againBooks = await relayBookOutbox(deps(), publisher, delivered.books);
    expect([first.published, firstBooks.published, again.published, againBooks.published]).toEqual([
      6, 2, 0, 0,
    ]);

    const events = await hubEvents(host);
    expect(new Set(events.map((e) => e.body.id)).size).toBe(events.length);
    const types = (subject: string) =>
      events.filter((e) => e.body.subject === subject).map((e) => e.body.type);
    expect(types(`rentals/${rented.body.id}`)).toEqual([
      'rentbook.rental.requested',
      'rentbook.rental.approved',
      'rentbook.rental.returned',
    ]);
    expect(types(`members/${memberId}`)).toEqual([
      'rentbook.member.registered',
      'rentbook.points.deposited',
      'rentbook.points.debited',
    ]);
    expect(types(`books/${book.id}`)).toEqual(['rentbook.book.registered', 'rentbook.book.updated']);
  });
});

describe('the outbox relay, given a page just read from the feed', () => {
  it('publishes it; delivered again it is not published twice, but after a restart it is published again', async () => {
    const before = container('members').latestLsn();
    const memberId = await lib.addMember(500);
    const page = container('members').readChangeFeed(before, 1000).items;
    // registered (an outbox item), deposited (its ledger entry)
    expect(page.filter((c) => 'events' in c).map((c) => c.type)).toEqual(['outbox', 'ledger']);
    expect((await relayMemberOutbox(embeddedEventPublisher, page, Date.now())).published).toBe(2);
    // Delivered again to this process: what it published is remembered.
    expect((await relayMemberOutbox(embeddedEventPublisher, page, Date.now())).published).toBe(0);
    // A process started afresh remembers nothing: the page goes out again, and consumers
    // deduplicate by event id.
    vi.resetModules();
    const restarted = (await import('../../shared/app/outbox.js')).relayMemberOutbox;
    expect((await restarted(embeddedEventPublisher, page, Date.now())).published).toBe(2);
    const events = (await hubEvents(host)).filter((e) => e.body.subject === `members/${memberId}`);
    expect(events.map((e) => e.body.type)).toEqual([
      'rentbook.member.registered',
      'rentbook.points.deposited',
      'rentbook.member.registered',
      'rentbook.points.deposited',
    ]);
    expect(new Set(events.map((e) => e.body.id)).size).toBe(2);
  });
});

describe('the outbox relay, given items older than the outbox keeps', () => {
  it('publishes none of their events, as an outbox item that old would have expired', async () => {
    vi.resetModules();
    const relay = (await import('../../shared/app/outbox.js')).relayMemberOutbox;
    const before = container('members').latestLsn();
    const memberId = await lib.addMember(500);
    const page = container('members').readChangeFeed(before, 1000).items;
    const weekAndASecond = (OUTBOX_TTL_SECONDS + 1) * 1000;
    expect((await relay(embeddedEventPublisher, page, Date.now() + weekAndASecond)).published).toBe(0);
    expect((await hubEvents(host)).filter((e) => e.body.subject === `members/${memberId}`)).toEqual([]);
    // Within the week they go out.
    expect((await relay(embeddedEventPublisher, page, Date.now())).published).toBe(2);
  });
});
