// One event gives one notice however often it arrives: the consumer given the events twice and out of
// order sends each notice under its event's id (so Service Bus duplicate detection drops repeats), and
// the sender given a notice again — past that window, as a new message — adds nothing to the inbox.
// What is not a domain event, or not a notice, is refused and changes nothing.
import { embeddedAppDeps } from '../../local/adapters';
import { describe, expect, it } from 'vitest';
import { embeddedMessageSender } from '../../local/adapters/messages';
import { getService } from '../../local/host/services';
import type { QueueStore } from '../../local/queues/types';
import { composeNotices, deliverNotice, NOTICES_QUEUE } from '../../shared/app/notices';
import type { OutgoingMessage } from '../../shared/app/ports';
import { hubEvents } from '../events/support-events';
import { eventually, librarian } from '../rentals/support-host';
import { inbox, inboxWhen, noticesHost } from './support-notices';

const ctx = noticesHost();

describe('the same event delivered twice and out of order', () => {
  it('gives one notice', async () => {
    const { lib } = ctx;
    const memberId = await lib.addMember(500, 'Oh');
    const book = await lib.addBook({ title: 'Frankenstein', price: 100, copies: 1 });
    const rented = await lib.rent(memberId, book.id);
    await lib.returnBook(rented.body.id);
    const live = await inboxWhen(lib, memberId, (n) => n.length === 2, 'the two notices');
    expect(live.map((n) => n.kind)).toEqual(['rental-returned', 'rental-approved']);

    const events = (await hubEvents(ctx.host))
      .filter((e) => e.body.subject === `rentals/${rented.body.id}`)
      .map((e) => e.body);
    expect(events.map((e) => e.type)).toEqual([
      'rentbook.rental.requested',
      'rentbook.rental.approved',
      'rentbook.rental.returned',
    ]);

    // The consumer, given them twice, newest first: one message per notice, under the event's id.
    const sent: OutgoingMessage[] = [];
    const recorder = {
      send: async (_queue: string, messages: readonly OutgoingMessage[]) => void sent.push(...messages),
    };
    const twiceReversed = [...events].reverse().concat([...events].reverse());
    const composed = await composeNotices(embeddedAppDeps(), recorder, twiceReversed);
    expect(composed).toEqual({ sent: 4, ignored: 2, invalid: [] });
    expect(new Set(sent.map((m) => m.messageId))).toEqual(new Set(live.map((n) => n.id)));
    // Through the real queue: duplicate detection drops them all (the live consumer sent them already).
    const queue = getService<QueueStore>('serviceBus');
    const stored = queue.send(NOTICES_QUEUE, sent);
    expect(stored.duplicates).toHaveLength(4);

    // Past the detection window, as new messages: the sender adds nothing to the inbox.
    queue.send(
      NOTICES_QUEUE,
      sent.map((m, i) => ({ ...m, messageId: `late-${i}-${m.messageId}` })),
    );
    await eventually(
      async () => {
        const c = queue.counts(NOTICES_QUEUE);
        return c.active + c.locked + c.scheduled === 0 ? true : undefined;
      },
      30_000,
      'the queue to drain',
    );
    for (const m of [...sent].reverse()) {
      expect(await deliverNotice(embeddedAppDeps(), [], m.body)).toEqual({
        addedToInbox: false,
        deliveredTo: [],
      });
    }
    expect(await inbox(lib, memberId)).toEqual(live);
    expect(queue.counts(NOTICES_QUEUE).deadLettered).toBe(0);
  });

  it('what is not an event or not a notice is refused and changes nothing', async () => {
    const { lib } = ctx;
    const memberId = await lib.addMember(0, 'Shin');
    const forged = {
      specversion: '1.0',
      id: 'forged-1',
      source: '/rentbook',
      type: 'rentbook.rental.approved',
      subject: 'rentals/x',
      time: '2026-01-01T00:00:00.000Z',
      datacontenttype: 'application/json',
      data: { rentalId: 'x', memberId, bookId: 'b' },
    };
    const sent: OutgoingMessage[] = [];
    const recorder = {
      send: async (_queue: string, messages: readonly OutgoingMessage[]) => void sent.push(...messages),
    };
    const composed = await composeNotices(embeddedAppDeps(), recorder, [forged, 'not json', null]);
    expect(composed).toEqual({ sent: 0, ignored: 0, invalid: [forged, 'not json', null] });
    expect(sent).toEqual([]);
    await expect(
      deliverNotice(embeddedAppDeps(), [], { id: 'n1', memberId, kind: 'lost', text: 'x', createdAt: 'now' }),
    ).rejects.toThrow(/Not a notice/);
    expect(await inbox(lib, memberId)).toEqual([]);
    // The sender on the queue refuses it the same way, until it is dead-lettered.
    await embeddedMessageSender.send(NOTICES_QUEUE, [{ messageId: 'bad-1', body: { memberId, text: 'hi' } }]);
    await eventually(
      async () =>
        getService<QueueStore>('serviceBus').counts(NOTICES_QUEUE).deadLettered > 0 ? true : undefined,
      30_000,
      'the dead letter',
    );
    const listed = await lib.api<{ items: { messageId: string; notice: unknown }[] }>(
      'GET',
      '/api/notices/dead-letters',
      { token: librarian },
    );
    expect(listed.body.items).toEqual([expect.objectContaining({ messageId: 'bad-1', notice: null })]);
    expect(await inbox(lib, memberId)).toEqual([]);
  });
});

describe('the dead-letter listing', () => {
  it('pages by its continuation, oldest first, and refuses a token it did not issue', async () => {
    const { lib } = ctx;
    const memberId = await lib.addMember(0, 'Ha');
    const ids = ['page-1', 'page-2', 'page-3'];
    await embeddedMessageSender.send(
      NOTICES_QUEUE,
      ids.map((messageId) => ({ messageId, body: { memberId, text: 'not a notice' } })),
    );
    type Letters = { items: { messageId: string }[]; continuation: string | null };
    const list = (query: string) =>
      lib.api<Letters>('GET', `/api/notices/dead-letters${query}`, { token: librarian });
    const all = await eventually(
      async () => {
        const listed = (await list('?limit=100')).body;
        return ids.every((id) => listed.items.some((l) => l.messageId === id)) ? listed : undefined;
      },
      30_000,
      'the dead letters',
    );
    expect(all.continuation).toBeNull();
    const paged: string[] = [];
    let query = '?limit=2';
    for (let pages = 0; pages < 10; pages++) {
      const page = await list(query);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(2);
      paged.push(...page.body.items.map((l) => l.messageId));
      if (page.body.continuation === null) break;
      query = `?limit=2&continuation=${encodeURIComponent(page.body.continuation)}`;
    }
    expect(paged).toEqual(all.items.map((l) => l.messageId));
    for (const forged of [
      'garbage',
      Buffer.from('{"from":-1}').toString('base64url'),
      Buffer.from('[1]').toString('base64url'),
    ]) {
      const refused = await lib.api<{ type: string }>(
        'GET',
        `/api/notices/dead-letters?continuation=${forged}`,
        {
          token: librarian,
        },
      );
      expect(refused.status).toBe(400);
      expect(refused.body.type).toBe('urn:rentbook:problem:invalid-continuation');
    }
  });
});
