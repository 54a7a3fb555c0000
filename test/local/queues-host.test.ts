// Service Bus triggers through the local host and the fixture app: metadata and completion, abandon
// until the dead-letter queue, lock expiry while a slow function runs, scheduled messages on the host
// clock, duplicate detection, and the queue and topic output bindings.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LocalHost } from '../../local/host/host';
import { getService } from '../../local/host/services';
import { createMessageSender } from '../../local/queues/queue-store';
import type { QueueStore } from '../../local/queues/types';
import { readProbe, record } from '../fixture-app/probe';
import { startHost, waitFor } from '../helpers/hosts';

interface Received {
  message: unknown;
  metadata: Record<string, unknown>;
}

let host: LocalHost;
beforeAll(async () => {
  host = await startHost();
});
afterAll(async () => {
  await host?.stop();
});

const queues = (): QueueStore => getService<QueueStore>('serviceBus');

describe('Service Bus triggers', () => {
  it('deliver a message with its metadata and complete it when the function returns', async () => {
    await createMessageSender(queues()).send('fx-notices', [
      {
        body: { memberId: 'm-1', kind: 'overdue' },
        messageId: 'notice-1',
        correlationId: 'rental-9',
        contentType: 'application/json',
        applicationProperties: { channel: 'kakao' },
      },
    ]);
    const [got] = await waitFor(() => {
      const r = readProbe(host.db, 'sb:notices') as Received[];
      return r.length ? r : undefined;
    });
    expect(got.message).toEqual({ memberId: 'm-1', kind: 'overdue' });
    expect(got.metadata).toMatchObject({
      messageId: 'notice-1',
      deliveryCount: 1,
      correlationId: 'rental-9',
      contentType: 'application/json',
      applicationProperties: { channel: 'kakao' },
      userProperties: { channel: 'kakao' },
    });
    expect(typeof got.metadata.sequenceNumber).toBe('number');
    expect(typeof got.metadata.lockToken).toBe('string');
    expect(Date.parse(got.metadata.enqueuedTimeUtc as string)).toBeGreaterThan(0);
    await waitFor(() => queues().counts('fx-notices').locked === 0);
    expect(queues().counts('fx-notices')).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 0 });
  });

  it('give the function each metadata string as the library makes it: parsed when it is JSON, the text when not', async () => {
    // The host sends a string that cannot be JSON in another form than one that may be
    // (local/host/typed-data.ts toMetadataTypedData); the function must not be able to tell.
    await createMessageSender(queues()).send('fx-notices', [
      { body: 'plain', messageId: '12345', correlationId: ' not json {', contentType: 'true' },
      { body: 'plain', messageId: '2026-01-01T00:00:00Z', correlationId: '"quoted"', contentType: '' },
    ]);
    const got = await waitFor(() => {
      const r = (readProbe(host.db, 'sb:notices') as Received[]).filter((m) => m.message === 'plain');
      return r.length === 2 ? r : undefined;
    });
    const byOrder = got.sort(
      (a, b) => (a.metadata.sequenceNumber as number) - (b.metadata.sequenceNumber as number),
    );
    // As `@azure/functions` does with what the Functions host sends: JSON.parse, or the text.
    expect(byOrder[0].metadata).toMatchObject({
      messageId: 12345,
      correlationId: ' not json {',
      contentType: true,
    });
    expect(byOrder[1].metadata).toMatchObject({ messageId: '2026-01-01T00:00:00Z', correlationId: 'quoted' });
    expect(typeof byOrder[1].metadata.lockToken).toBe('string');
  });

  it('abandon on throw, redeliver with a growing delivery count, then dead-letter after maxDeliveryCount', async () => {
    queues().send('fx-poison', [{ body: { bad: true }, messageId: 'poison-1' }]);
    const [dead] = await waitFor(() => {
      const r = readProbe(host.db, 'sb:poison:dlq') as Received[];
      return r.length ? r : undefined;
    });
    expect(readProbe(host.db, 'sb:poison')).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(dead.message).toEqual({ bad: true });
    expect(dead.metadata).toMatchObject({
      messageId: 'poison-1',
      deliveryCount: 11,
      applicationProperties: { deadLetterReason: 'MaxDeliveryCountExceeded' },
    });
    expect(queues().counts('fx-poison')).toMatchObject({ active: 0, locked: 0 });
  });

  it('redeliver a message whose lock ran out while a slow function still runs', async () => {
    queues().send('fx-slow', [{ body: 'slow', messageId: 'slow-1' }]);
    await waitFor(() => readProbe(host.db, 'sb:slow').length === 1);
    // host.json sets maxAutoLockRenewalDuration to zero: the one-minute lock is all there is.
    host.clock.advance(60_000 + 1);
    const runs = await waitFor(() => {
      const r = readProbe(host.db, 'sb:slow') as { deliveryCount: number }[];
      return r.length === 2 ? r : undefined;
    });
    expect(runs.map((r) => r.deliveryCount)).toEqual([1, 2]);
    await waitFor(() => queues().counts('fx-slow').locked === 0);
    record('sb:slow:release', true);
    await waitFor(() => readProbe(host.db, 'sb:slow:done').length === 1);
    expect(queues().counts('fx-slow')).toEqual({ active: 0, scheduled: 0, locked: 0, deadLettered: 0 });
  });

  it('deliver a scheduled message only when the host clock reaches its time', async () => {
    const at = host.clock.now() + 2 * 60 * 60_000;
    queues().send('fx-scheduled', [{ body: 'wake up', scheduledEnqueueTimeUtc: new Date(at) }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(readProbe(host.db, 'sb:scheduled')).toEqual([]);
    host.clock.advance(2 * 60 * 60_000);
    const [got] = await waitFor(() => {
      const r = readProbe(host.db, 'sb:scheduled') as { message: string; enqueuedTimeUtc: string }[];
      return r.length ? r : undefined;
    });
    expect(got.message).toBe('wake up');
    expect(Date.parse(got.enqueuedTimeUtc)).toBe(at);
  });

  it('drop a duplicate message id sent within the detection window', async () => {
    const before = readProbe(host.db, 'sb:notices').length;
    queues().send('fx-notices', [{ body: 'once', messageId: 'dup-1' }]);
    queues().send('fx-notices', [{ body: 'twice', messageId: 'dup-1' }]);
    await waitFor(() => readProbe(host.db, 'sb:notices').length === before + 1);
    host.clock.advance(11 * 60_000);
    queues().send('fx-notices', [{ body: 'after the window', messageId: 'dup-1' }]);
    const all = await waitFor(() => {
      const r = readProbe(host.db, 'sb:notices') as Received[];
      return r.length === before + 2 ? r : undefined;
    });
    expect(all.slice(before).map((r) => r.message)).toEqual(['once', 'after the window']);
  });

  it('send return values to a queue and extra outputs to a topic, copied to each subscription', async () => {
    queues().send('fx-forward-in', [{ body: { n: 1 } }]);
    const forwarded = await waitFor(() => {
      const r = readProbe(host.db, 'sb:forwarded');
      return r.length === 2 ? r : undefined;
    });
    expect(forwarded).toEqual([{ forwarded: 1 }, { forwarded: 2 }]);
    await waitFor(() => readProbe(host.db, 'sb:topic:mail').length === 1);
    await waitFor(() => readProbe(host.db, 'sb:topic:audit').length === 1);
    expect(readProbe(host.db, 'sb:topic:mail')).toEqual([{ announced: 1 }]);
    expect(readProbe(host.db, 'sb:topic:audit')).toEqual([{ announced: 1 }]);
  });
});
