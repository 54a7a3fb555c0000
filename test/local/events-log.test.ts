import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { HostClock } from '../../local/host/clock';
import { openDatabase } from '../../local/host/db';
import { createEventLog, createEventProducer } from '../../local/events/event-log';
import { partitionForKey } from '../../local/events/partition-key';
import type { EventLog } from '../../local/events/types';

const DAY = 24 * 60 * 60 * 1000;
const open: { log: EventLog; clock: HostClock }[] = [];

function setup(file = ':memory:', options?: Parameters<typeof createEventLog>[2]) {
  const db = openDatabase(file);
  const clock = new HostClock(true);
  const log = createEventLog(db, clock, options);
  open.push({ log, clock });
  return { db, clock, log };
}

afterEach(() => {
  for (const { log, clock } of open.splice(0)) {
    log.close();
    clock.dispose();
  }
});

describe('partition keys', () => {
  it('map to the partitions the Event Hubs service picks (lookup3 vectors from the Azure SDK)', () => {
    expect(partitionForKey('alphabet', 3)).toBe(0);
    expect(partitionForKey('alphabet', 11)).toBe(4);
    expect(partitionForKey('TheBestParitionEver', 4)).toBe(2);
    expect(partitionForKey('TheWorstParitionEver', 15)).toBe(1);
  });

  it('keep every event of one key on one partition, in order, numbered 0, 1, 2 ...', () => {
    const { log } = setup();
    for (let i = 0; i < 5; i++) log.append('rentals', [{ body: { i }, partitionKey: 'member-7' }]);
    const p = String(partitionForKey('member-7', 4));
    const events = log.read('rentals', p, -1, 100);
    expect(events.map((e) => e.body)).toEqual([0, 1, 2, 3, 4].map((i) => ({ i })));
    expect(events.map((e) => e.sequenceNumber)).toEqual([0, 1, 2, 3, 4]);
    expect(events.every((e) => e.partitionKey === 'member-7' && e.partitionId === p)).toBe(true);
    for (let i = 1; i < events.length; i++) expect(events[i].offset).toBeGreaterThan(events[i - 1].offset);
    for (const other of ['0', '1', '2', '3'].filter((x) => x !== p))
      expect(log.read('rentals', other, -1, 10)).toEqual([]);
  });

  it('spread keyless sends round-robin, one partition per send', () => {
    const { log } = setup();
    const placed = [0, 1, 2, 3, 4].map((i) =>
      log.append('h', [{ body: i }, { body: i + 100 }]).map((e) => e.partitionId),
    );
    expect(placed).toEqual([
      ['0', '0'],
      ['1', '1'],
      ['2', '2'],
      ['3', '3'],
      ['0', '0'],
    ]);
  });
});

describe('the event log', () => {
  it('stores enqueued time from the host clock, properties and message id', () => {
    const { log, clock } = setup();
    clock.set(Date.UTC(2030, 0, 1));
    const [e] = log.append('h', [
      { body: 'x', partitionKey: 'k', messageId: 'm-1', properties: { type: 'RentalApproved' } },
    ]);
    const [read] = log.read('h', e.partitionId, -1, 1);
    expect(read).toEqual(e);
    expect(read.enqueuedTimeUtc).toBeGreaterThanOrEqual(Date.UTC(2030, 0, 1));
    expect(read.enqueuedTimeUtc).toBeLessThan(Date.UTC(2030, 0, 1) + 60_000);
    expect(read.properties).toEqual({ type: 'RentalApproved' });
    expect(read.messageId).toBe('m-1');
  });

  it('appends a batch atomically: a bad event stores none of the batch', () => {
    const { log } = setup();
    expect(() =>
      log.append('h', [
        { body: 1, partitionKey: 'a' },
        { body: 10n, partitionKey: 'a' },
      ]),
    ).toThrow();
    const p = String(partitionForKey('a', 4));
    expect(log.read('h', p, -1, 10)).toEqual([]);
    expect(log.append('h', [{ body: 2, partitionKey: 'a' }])[0].sequenceNumber).toBe(0);
  });

  it('creates hubs on first use with per-hub partition counts', () => {
    const { log } = setup(':memory:', { hubs: { wide: { partitionCount: 8 } } });
    expect(log.hub('wide').partitionIds).toHaveLength(8);
    expect(log.hub('plain').partitionIds).toEqual(['0', '1', '2', '3']);
  });

  it('keeps checkpoints per consumer group and partition across a reopened file', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-'));
    try {
      const file = path.join(dir, 'host.db');
      const first = setup(file);
      first.log.append('h', [{ body: 1, partitionKey: 'k' }]);
      const p = String(partitionForKey('k', 4));
      first.log.setCheckpoint('h', '$Default', p, { sequenceNumber: 0, offset: 0 });
      first.db.close();

      const second = setup(file);
      expect(second.log.getCheckpoint('h', '$Default', p)).toMatchObject({ sequenceNumber: 0, offset: 0 });
      expect(second.log.getCheckpoint('h', 'audit', p)).toBeUndefined();
      expect(second.log.append('h', [{ body: 2, partitionKey: 'k' }])[0].sequenceNumber).toBe(1);
      second.db.close();
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('purges events past retention when the clock moves, and keeps numbering after them', async () => {
    const { log, clock } = setup();
    log.append('h', [{ body: 'old', partitionKey: 'k' }]);
    clock.advance(DAY / 2);
    log.append('h', [{ body: 'newer', partitionKey: 'k' }]);
    const p = String(partitionForKey('k', 4));

    clock.advance(DAY / 2 + 1000);
    await waitFor(() => log.read('h', p, -1, 10).length === 1);
    expect(log.read('h', p, -1, 10).map((e) => e.body)).toEqual(['newer']);
    expect(log.partition('h', p)).toMatchObject({ beginningSequenceNumber: 1, lastSequenceNumber: 1 });

    clock.advance(DAY);
    await waitFor(() => log.partition('h', p).isEmpty);
    expect(log.append('h', [{ body: 'next', partitionKey: 'k' }])[0].sequenceNumber).toBe(2);
  });

  it('honours a configured retention', () => {
    const { log, clock } = setup(':memory:', { hubs: { short: { retentionMs: 60_000 } } });
    log.append('short', [{ body: 1 }]);
    log.append('long', [{ body: 1 }]);
    clock.advance(61_000);
    expect(log.purgeExpired()).toBe(1);
    expect(log.partition('long', '0').isEmpty).toBe(false);
  });

  it('finds the first event enqueued at or after a time', () => {
    const { log, clock } = setup();
    log.append('h', [{ body: 0, partitionKey: 'k' }]);
    clock.advance(10_000);
    // The time it was stored at (the clock runs with real time: a millisecond may pass before it).
    const [{ enqueuedTimeUtc: t }] = log.append('h', [{ body: 1, partitionKey: 'k' }]);
    const p = String(partitionForKey('k', 4));
    expect(log.sequenceNumberBefore('h', p, t)).toBe(0);
    expect(log.sequenceNumberBefore('h', p, t + 1)).toBe(1);
  });

  it('tells subscribers which partitions got events, and the producer port appends', async () => {
    const { log } = setup();
    const seen: string[][] = [];
    log.subscribe('h', (ids) => seen.push(ids));
    await createEventProducer(log).send('h', [{ body: 1, partitionKey: 'alphabet' }]);
    await waitFor(() => seen.length === 1);
    expect(seen[0]).toEqual([String(partitionForKey('alphabet', 4))]);
  });
});

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!condition()) {
    if (Date.now() - start > timeoutMs) throw new Error('Condition not met in time.');
    await new Promise((r) => setTimeout(r, 5));
  }
}
