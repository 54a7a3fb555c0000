// Notices through a webhook that fails: Service Bus delivers the notice again up to the queue's max
// delivery count, then dead-letters it; a librarian lists it, mends nothing but the webhook, replays,
// and the webhook gets it once. The webhook is a small server on 127.0.0.1 that fails while told to.
import { embeddedAppDeps } from '../../local/adapters';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deliverNotice } from '../../shared/app/notices';
import { webhookChannel } from '../../shared/webhook-channel';
import { eventually, librarian, memberToken } from '../rentals/support-host';
import { inboxWhen, noticesHost } from './support-notices';

interface Received {
  id: string;
  memberId: string;
  kind: string;
  text: string;
  rentalId?: string;
}

const webhook = {
  failing: true,
  failures: 0,
  accepted: [] as Received[],
  idempotencyKeys: [] as string[],
};

// Listening before the app loads: the app reads NOTICE_WEBHOOK_URL once, when it loads.
const server: Server = createServer((req, res) => {
  let body = '';
  req.on('data', (c: Buffer) => (body += c.toString()));
  req.on('end', () => {
    if (webhook.failing) {
      webhook.failures++;
      res.writeHead(503).end();
      return;
    }
    webhook.accepted.push(JSON.parse(body) as Received);
    webhook.idempotencyKeys.push(String(req.headers['idempotency-key']));
    res.writeHead(204).end();
  });
});
let webhookUrl = '';
// Registered before the host's: runs first.
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notices`;
  process.env.NOTICE_WEBHOOK_URL = webhookUrl;
});
// Three deliveries, then the dead-letter queue (Azure's queue in infra/main.bicep allows ten).
process.env.LOCAL_SERVICE_BUS = JSON.stringify({ entities: { notifications: { maxDeliveryCount: 3 } } });
const ctx = noticesHost();
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

interface DeadLetterReply {
  messageId: string;
  notice: Received | null;
  reason?: string;
  deliveryCount: number;
}

async function deadLetters(): Promise<DeadLetterReply[]> {
  const reply = await ctx.lib.api<{ items: DeadLetterReply[] }>(
    'GET',
    '/api/notices/dead-letters?limit=100',
    {
      token: librarian,
    },
  );
  expect(reply.status).toBe(200);
  return reply.body.items;
}

describe('a notice whose webhook fails', () => {
  it('ends in the dead-letter queue, stays in the inbox, and reaches the webhook once after replay', async () => {
    const { lib } = ctx;
    const memberId = await lib.addMember(500, 'Kang');
    const book = await lib.addBook({ title: 'Pachinko', price: 100, copies: 1 });
    const rented = await lib.rent(memberId, book.id);
    expect(rented.body.status).toBe('APPROVED');

    // The inbox has it at once; the webhook refuses it three times and it is dead-lettered.
    const [approved] = await inboxWhen(lib, memberId, (n) => n.length === 1, 'the approval notice');
    expect(approved).toMatchObject({
      kind: 'rental-approved',
      rentalId: rented.body.id,
      bookTitle: 'Pachinko',
    });
    const letter = await eventually(
      async () => (await deadLetters()).find((l) => l.notice?.id === approved.id),
      30_000,
      'the dead letter',
    );
    expect(letter).toMatchObject({ reason: 'MaxDeliveryCountExceeded', deliveryCount: expect.any(Number) });
    expect(letter.notice).toMatchObject({ memberId, kind: 'rental-approved', text: approved.text });
    expect(webhook.failures).toBe(3);
    expect(webhook.accepted).toEqual([]);
    // Listing leaves it where it is.
    expect((await deadLetters()).filter((l) => l.notice?.id === approved.id)).toHaveLength(1);
    expect((await lib.api('GET', '/api/notices/dead-letters', { token: memberToken(memberId) })).status).toBe(
      403,
    );
    expect(
      (await lib.api('POST', '/api/notices/dead-letters/replay', { token: memberToken(memberId) })).status,
    ).toBe(403);

    // Mended: the replay sends it again, the webhook takes it once, the dead letters are empty.
    webhook.failing = false;
    const replay = await lib.api<{ replayed: number; failed: number }>(
      'POST',
      '/api/notices/dead-letters/replay',
      { token: librarian },
    );
    expect(replay.body).toEqual({ replayed: 1, failed: 0 });
    await eventually(async () => (webhook.accepted.length > 0 ? true : undefined), 30_000, 'the webhook');
    expect(webhook.accepted).toEqual([
      expect.objectContaining({ id: approved.id, memberId, kind: 'rental-approved', text: approved.text }),
    ]);
    expect(webhook.idempotencyKeys).toEqual([approved.id]);
    expect(await deadLetters()).toEqual([]);
    expect((await lib.api('POST', '/api/notices/dead-letters/replay', { token: librarian })).body).toEqual({
      replayed: 0,
      failed: 0,
    });

    // The same notice delivered again (a redelivery, a second replay): recorded as taken, nothing twice.
    const again = await deliverNotice(embeddedAppDeps(), [webhookChannel(webhookUrl)], letter.notice);
    expect(again).toEqual({ addedToInbox: false, deliveredTo: [] });
    expect(webhook.accepted).toHaveLength(1);
    await inboxWhen(lib, memberId, (n) => n.length === 1, 'one notice');

    // Later notices go straight through.
    const returned = await lib.returnBook(rented.body.id);
    expect(returned.body.status).toBe('RETURNED');
    await eventually(async () => (webhook.accepted.length === 2 ? true : undefined), 30_000, 'the return');
    expect(webhook.accepted[1]).toMatchObject({ kind: 'rental-returned', rentalId: rented.body.id });
    expect(webhook.failures).toBe(3);
  });
});
