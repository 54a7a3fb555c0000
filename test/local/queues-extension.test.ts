// The Service Bus extension against a stand-in worker (host.json and settings vary per test):
// concurrency, batches, lock renewal, auto-complete off, per-queue options from settings, and TimeSpan parsing.
import { describe, expect, it } from 'vitest';
import { getService } from '../../local/host/services';
import { createServiceBusExtension, parseTimeSpan } from '../../local/queues/extension';
import type { QueueStore } from '../../local/queues/types';
import { harness, triggeredFunction } from '../helpers/extension-harness';
import { waitFor } from '../helpers/hosts';

const queueFunction = (name: string, binding: Record<string, unknown>) =>
  triggeredFunction(name, 'serviceBusTrigger', 'message', binding);

function setup(opts: { serviceBus?: Record<string, unknown>; settings?: Record<string, string> } = {}) {
  const { clock, ext, add } = harness(createServiceBusExtension, {
    extensions: { serviceBus: opts.serviceBus ?? {} },
    settings: opts.settings,
  });
  return { clock, ext, add, store: getService<QueueStore>('serviceBus') };
}

describe('the Service Bus extension', () => {
  it('runs at most maxConcurrentCalls messages of a function at once', async () => {
    const { ext, add, store } = setup({ serviceBus: { maxConcurrentCalls: 2 } });
    let inFlight = 0;
    let most = 0;
    const release: (() => void)[] = [];
    add(queueFunction('f', { queueName: 'q' }), () => {
      most = Math.max(most, ++inFlight);
      return new Promise<void>((r) =>
        release.push(() => {
          inFlight--;
          r();
        }),
      );
    });
    await ext.start!();
    store.send(
      'q',
      [1, 2, 3, 4, 5].map((n) => ({ body: n })),
    );
    let done = 0;
    while (done < 5) {
      await waitFor(() => release.length > 0);
      expect(inFlight).toBeLessThanOrEqual(2);
      release.shift()!();
      done++;
    }
    expect(most).toBe(2);
    await waitFor(() => store.counts('q').active + store.counts('q').locked === 0);
  });

  it('hands out batches of at most maxMessageBatchSize with the array metadata', async () => {
    const { ext, add, store } = setup({ serviceBus: { maxMessageBatchSize: 3 } });
    const batches: { bodies: unknown[]; meta: Record<string, unknown> }[] = [];
    add(queueFunction('f', { queueName: 'q', cardinality: 'many' }), ({ trigger, triggerMetadata }) => {
      batches.push({ bodies: trigger as unknown[], meta: triggerMetadata! });
    });
    store.send(
      'q',
      [1, 2, 3, 4, 5].map((n) => ({ body: n, messageId: `m${n}` })),
    );
    await ext.start!();
    await waitFor(() => batches.flatMap((b) => b.bodies).length === 5);
    expect(batches.map((b) => b.bodies)).toEqual([
      [1, 2, 3],
      [4, 5],
    ]);
    expect(batches[0].meta).toMatchObject({
      MessageIdArray: ['m1', 'm2', 'm3'],
      DeliveryCountArray: [1, 1, 1],
      SequenceNumberArray: [1, 2, 3],
    });
    await waitFor(() => store.counts('q').locked === 0);
    expect(store.peek('q', 10)).toEqual([]);
  });

  it('leaves settling to the function when autoCompleteMessages is off: the lock runs out', async () => {
    const { ext, add, store, clock } = setup({
      serviceBus: { autoCompleteMessages: false, maxAutoLockRenewalDuration: '00:00:00' },
    });
    const counts: number[] = [];
    add(queueFunction('f', { queueName: 'q' }), ({ triggerMetadata }) => {
      counts.push(triggerMetadata!.DeliveryCount as number);
    });
    await ext.start!();
    store.send('q', [{ body: 'x' }]);
    await waitFor(() => counts.length === 1);
    expect(store.counts('q').locked).toBe(1);
    clock.advance(60_001);
    await waitFor(() => counts.length === 2);
    expect(counts).toEqual([1, 2]);
  });

  it('renews the lock while the function runs, for maxAutoLockRenewalDuration; then it runs out', async () => {
    const { ext, add, store, clock } = setup({ serviceBus: { maxAutoLockRenewalDuration: '00:02:00' } });
    const counts: number[] = [];
    const release: (() => void)[] = [];
    add(queueFunction('f', { queueName: 'q' }), ({ triggerMetadata }) => {
      counts.push(triggerMetadata!.DeliveryCount as number);
      return new Promise<void>((r) => release.push(r));
    });
    await ext.start!();
    store.send('q', [{ body: 'slow' }]);
    await waitFor(() => counts.length === 1);
    const settle = () => new Promise((r) => setTimeout(r, 50));
    // The lock is one minute; renewed each time half of it has passed, it holds past that minute.
    clock.advance(50_000);
    await settle();
    clock.advance(50_000);
    await settle();
    expect(counts).toEqual([1]);
    expect(store.counts('q').locked).toBe(1);
    // Renewals stop two minutes after the receive: the lock runs out one lock duration after the last.
    clock.advance(61_000);
    await waitFor(() => counts.length === 2);
    expect(counts).toEqual([1, 2]);
    for (const r of release) r();
    await waitFor(() => store.counts('q').active + store.counts('q').locked === 0);
  });

  it('applies per-queue options from the LOCAL_SERVICE_BUS setting', async () => {
    const { ext, add, store } = setup({
      settings: {
        LOCAL_SERVICE_BUS: JSON.stringify({
          entities: { fragile: { maxDeliveryCount: 2, lockDuration: 'PT30S' } },
        }),
      },
    });
    let calls = 0;
    add(queueFunction('f', { queueName: 'fragile' }), () => {
      calls++;
      throw new Error('no');
    });
    await ext.start!();
    expect(store.entity('fragile')).toMatchObject({ maxDeliveryCount: 2, lockDurationMs: 30_000 });
    store.send('fragile', [{ body: 1 }]);
    await waitFor(() => store.counts('fragile').deadLettered === 1);
    expect(calls).toBe(2);
  });

  it('rejects a trigger without a queue', () => {
    const { ext } = setup();
    expect(() => ext.addFunction!(queueFunction('f', {}))).toThrow(/queueName/);
  });
});

describe('TimeSpan settings', () => {
  it('parse as host.json writes them', () => {
    expect(parseTimeSpan('00:05:00')).toBe(300_000);
    expect(parseTimeSpan('1.02:00:30.5')).toBe((26 * 60 * 60 + 30.5) * 1000);
    expect(() => parseTimeSpan('5m')).toThrow(RangeError);
  });
});
