// The Event Hubs extension against a stand-in worker (host.json and settings vary per test): batch
// size, one batch in flight per partition, checkpoint frequency, initial offset, and a stopping host.
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../../local/host/db';
import type { HostContext } from '../../local/host/types';
import { createEventHubsExtension } from '../../local/events/extension';
import { retryDelayMs } from '../../local/host/retry-policy';
import { createEventLog } from '../../local/events/event-log';
import { partitionForKey } from '../../local/events/partition-key';
import type { EventLog } from '../../local/events/types';
import { getService } from '../../local/host/services';
import { harness, triggeredFunction } from '../helpers/extension-harness';
import { waitFor } from '../helpers/hosts';

const eventHubFunction = (name: string, binding: Record<string, unknown>) =>
  triggeredFunction(name, 'eventHubTrigger', 'events', binding);

function setup(
  opts: {
    eventHubs?: Record<string, unknown>;
    settings?: Record<string, string>;
    db?: HostContext['db'];
  } = {},
) {
  const { db, clock, ext, add, errors } = harness(createEventHubsExtension, {
    extensions: { eventHubs: opts.eventHubs ?? {} },
    settings: opts.settings,
    db: opts.db,
  });
  // A log of its own on the same file, as the app's producer would have.
  const log = createEventLog(db, clock);
  return { db, clock, ext, add, log, errors };
}

describe('the Event Hubs extension', () => {
  it('hands out batches of at most maxEventBatchSize, in partition order', async () => {
    const { ext, add, log } = setup({ eventHubs: { maxEventBatchSize: 3 } });
    const batches: unknown[][] = [];
    add(eventHubFunction('f', { eventHubName: 'h', cardinality: 'many' }), ({ trigger, triggerMetadata }) => {
      batches.push(trigger as unknown[]);
      expect((triggerMetadata!.SequenceNumberArray as number[]).length).toBe((trigger as unknown[]).length);
    });
    log.append(
      'h',
      Array.from({ length: 7 }, (_, i) => ({ body: i, partitionKey: 'k' })),
    );
    await ext.start!();
    await waitFor(() => batches.flat().length === 7);
    expect(batches).toEqual([[0, 1, 2], [3, 4, 5], [6]]);
  });

  it('keeps one batch in flight per partition while other partitions run', async () => {
    const { ext, add, log } = setup();
    const keyA = 'alphabet';
    const keyB = ['a', 'b', 'c', 'd', 'e'].find((k) => partitionForKey(k, 4) !== partitionForKey(keyA, 4))!;
    const started: string[] = [];
    const release: (() => void)[] = [];
    add(eventHubFunction('f', { eventHubName: 'h', cardinality: 'many' }), ({ trigger }) => {
      started.push(...(trigger as string[]));
      return new Promise<void>((r) => release.push(r));
    });
    await ext.start!();
    log.append('h', [{ body: 'a1', partitionKey: keyA }]);
    log.append('h', [{ body: 'b1', partitionKey: keyB }]);
    await waitFor(() => started.length === 2);
    log.append('h', [{ body: 'a2', partitionKey: keyA }]);
    await new Promise((r) => setTimeout(r, 100));
    expect(started.sort()).toEqual(['a1', 'b1']);
    for (const r of release.splice(0)) r();
    await waitFor(() => started.includes('a2'));
    for (const r of release.splice(0)) r();
  });

  it('checkpoints every batchCheckpointFrequency batches, and what is left on stop', async () => {
    const { ext, add, log } = setup({ eventHubs: { maxEventBatchSize: 1, batchCheckpointFrequency: 2 } });
    const seen: unknown[] = [];
    add(eventHubFunction('f', { eventHubName: 'h', cardinality: 'many' }), ({ trigger }) => {
      seen.push(...(trigger as unknown[]));
    });
    const p = String(partitionForKey('k', 4));
    log.append('h', [
      { body: 1, partitionKey: 'k' },
      { body: 2, partitionKey: 'k' },
      { body: 3, partitionKey: 'k' },
    ]);
    await ext.start!();
    await waitFor(() => seen.length === 3);
    expect(log.getCheckpoint('h', '$Default', p)?.sequenceNumber).toBe(1);
    await ext.stop!();
    expect(log.getCheckpoint('h', '$Default', p)?.sequenceNumber).toBe(2);
  });

  it('starts at the end of the stream with initialOffsetOptions fromEnd', async () => {
    const { ext, add, log } = setup({ eventHubs: { initialOffsetOptions: { type: 'fromEnd' } } });
    const seen: unknown[] = [];
    add(eventHubFunction('f', { eventHubName: 'h', cardinality: 'one' }), ({ trigger }) => {
      seen.push(trigger);
    });
    log.append('h', [{ body: 'before', partitionKey: 'k' }]);
    await ext.start!();
    log.append('h', [{ body: 'after', partitionKey: 'k' }]);
    await waitFor(() => seen.length === 1);
    await new Promise((r) => setTimeout(r, 50));
    expect(seen).toEqual(['after']);
  });

  it('does not checkpoint the batch in hand when the host stops: it comes again on the next start', async () => {
    const db = openDatabase(':memory:');
    const first = setup({ db });
    let release!: () => void;
    let delivered = 0;
    first.add(eventHubFunction('f', { eventHubName: 'h', cardinality: 'many' }), () => {
      delivered++;
      return new Promise<void>((r) => (release = r));
    });
    first.log.append('h', [{ body: 'x', partitionKey: 'k' }]);
    await first.ext.start!();
    await waitFor(() => delivered === 1);
    const stopped = first.ext.stop!();
    release();
    await stopped;
    expect(first.log.getCheckpoint('h', '$Default', String(partitionForKey('k', 4)))).toBeUndefined();

    const second = setup({ db });
    const again: unknown[] = [];
    second.add(eventHubFunction('f', { eventHubName: 'h', cardinality: 'many' }), ({ trigger }) => {
      again.push(...(trigger as unknown[]));
    });
    await second.ext.start!();
    await waitFor(() => again.length === 1);
    expect(again).toEqual(['x']);
  });

  it('wakes on events appended through another log on the same connection', async () => {
    const { ext, add, log } = setup();
    const seen: unknown[] = [];
    add(eventHubFunction('f', { eventHubName: 'h' }), ({ trigger }) => {
      seen.push(trigger);
    });
    await ext.start!();
    await new Promise((r) => setTimeout(r, 50));
    log.append('h', [{ body: 'late' }]);
    await waitFor(() => seen.length === 1);
    expect(seen).toEqual(['late']);
  });

  it('does not touch the file once stopping, even for a wake-up queued just before', async () => {
    const { ext, add, log, db, errors } = setup();
    add(eventHubFunction('f', { eventHubName: 'h' }), () => undefined);
    await ext.start!();
    await new Promise((r) => setTimeout(r, 20));
    log.append('h', [{ body: 1 }]);
    // The append's notice reaches the consumer, which queues its read for the next turn...
    await new Promise((r) => setImmediate(r));
    // ...and the host stops and closes the file before that turn.
    const stopped = ext.stop!();
    db.close();
    await stopped;
    await new Promise((r) => setTimeout(r, 20));
    expect(errors).toEqual([]);
  });

  it('takes partition counts and retention from the LOCAL_EVENT_HUBS setting', () => {
    setup({
      settings: {
        LOCAL_EVENT_HUBS: JSON.stringify({
          partitionCount: 2,
          hubs: { wide: { partitionCount: 8, retention: 'PT1H' } },
        }),
      },
    });
    const published = getService<EventLog>('eventHubs');
    expect(published.hub('wide')).toMatchObject({ partitionCount: 8, retentionMs: 3_600_000 });
    expect(published.hub('other')).toMatchObject({ partitionCount: 2, retentionMs: 24 * 3_600_000 });
  });

  it('rejects a host.json batch size that is not a positive integer', () => {
    expect(() => setup({ eventHubs: { maxEventBatchSize: 0 } })).toThrow(/extensions\.eventHubs/);
  });

  it('computes retry delays for fixed and exponential strategies', () => {
    expect(
      retryDelayMs({ maxRetryCount: 3, retryStrategy: 'fixedDelay', delayInterval: { seconds: 5 } }, 2),
    ).toBe(5000);
    const exp = {
      maxRetryCount: 5,
      retryStrategy: 'exponentialBackoff' as const,
      minimumInterval: { seconds: 1 },
      maximumInterval: { seconds: 10 },
    };
    expect([1, 2, 3, 4, 5].map((n) => retryDelayMs(exp, n))).toEqual([1000, 2000, 4000, 8000, 10000]);
  });
});
