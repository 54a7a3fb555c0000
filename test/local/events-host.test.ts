// Event Hubs triggers through the local host and the fixture app: metadata for both cardinalities,
// consumer groups, checkpoints after a throw and across a restart, retries, competing functions in
// one consumer group, and the output binding.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostClock } from '../../local/host/clock';
import { openDatabase } from '../../local/host/db';
import type { LocalHost } from '../../local/host/host';
import { getService } from '../../local/host/services';
import { createEventLog } from '../../local/events/event-log';
import { partitionForKey } from '../../local/events/partition-key';
import type { EventLog } from '../../local/events/types';
import { readProbe } from '../fixture-app/probe';
import { startHost, waitFor } from '../helpers/hosts';

interface BatchRecord {
  events: unknown[];
  metadata: Record<string, unknown>;
}
interface SingleRecord {
  event: unknown;
  metadata: Record<string, unknown>;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'events-host-'));
const hosts: LocalHost[] = [];
afterAll(async () => {
  for (const h of hosts) await h.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(dbFile: string): Promise<LocalHost> {
  const h = await startHost({ dbFile });
  hosts.push(h);
  return h;
}

async function stop(h: LocalHost): Promise<void> {
  hosts.splice(hosts.indexOf(h), 1);
  await h.stop();
}

const events = (): EventLog => getService<EventLog>('eventHubs');

describe('Event Hubs triggers', () => {
  const dbFile = path.join(dir, 'events.db');

  it('deliver a batch with the array metadata and single events with the singular metadata', async () => {
    const host = await start(dbFile);
    const p = String(partitionForKey('member-1', 4));
    await events().append('fx-stream', [
      { body: { n: 1 }, partitionKey: 'member-1', properties: { type: 'RentalApproved' } },
      { body: { n: 2 }, partitionKey: 'member-1', messageId: 'm-2' },
    ]);

    const batches = await waitFor(() => {
      const r = readProbe(host.db, 'eh:batch') as BatchRecord[];
      return r.flatMap((b) => b.events).length === 2 ? r : undefined;
    });
    expect(batches).toHaveLength(1);
    const [{ events: got, metadata }] = batches;
    expect(got).toEqual([{ n: 1 }, { n: 2 }]);
    expect(metadata.partitionContext).toEqual({
      fullyQualifiedNamespace: 'localhost',
      eventHubName: 'fx-stream',
      consumerGroup: 'batch',
      partitionId: p,
    });
    expect(metadata.sequenceNumberArray).toEqual([0, 1]);
    expect(metadata.partitionKeyArray).toEqual(['member-1', 'member-1']);
    expect(metadata.offsetArray).toEqual(['0', expect.stringMatching(/^\d+$/)]);
    expect((metadata.enqueuedTimeUtcArray as string[]).map((t) => Date.parse(t) > 0)).toEqual([true, true]);
    expect(metadata.propertiesArray).toEqual([{ type: 'RentalApproved' }, {}]);
    expect((metadata.systemPropertiesArray as Record<string, unknown>[])[1]).toMatchObject({
      sequenceNumber: 1,
      partitionKey: 'member-1',
      'message-id': 'm-2',
    });

    const singles = await waitFor(() => {
      const r = readProbe(host.db, 'eh:single') as SingleRecord[];
      return r.length === 2 ? r : undefined;
    });
    expect(singles.map((s) => s.event)).toEqual([{ n: 1 }, { n: 2 }]);
    expect(singles[1].metadata).toMatchObject({
      partitionContext: { consumerGroup: 'single', partitionId: p },
      partitionKey: 'member-1',
      sequenceNumber: 1,
      properties: {},
    });
    expect(typeof singles[1].metadata.offset).toBe('number');
    expect(Date.parse(singles[1].metadata.enqueuedTimeUtc as string)).toBeGreaterThan(0);
  });

  it('checkpoint past an event whose handler threw: it is not delivered again', async () => {
    const host = hosts[0];
    await events().append('fx-flaky', [
      { body: { n: 1, fail: true }, partitionKey: 'k' },
      { body: { n: 2 }, partitionKey: 'k' },
    ]);
    await waitFor(() => readProbe(host.db, 'eh:flaky').length === 2);
    const p = String(partitionForKey('k', 4));
    await waitFor(() => events().getCheckpoint('fx-flaky', '$Default', p)?.sequenceNumber === 1);
    expect(readProbe(host.db, 'eh:flaky')).toEqual([1, 2]);
  });

  it('resume after the checkpoint when the host starts again on the same file', async () => {
    await stop(hosts[0]);
    // Events published while the host is down.
    const db = openDatabase(dbFile);
    const clock = new HostClock(false);
    createEventLog(db, clock).append('fx-stream', [{ body: { n: 3 }, partitionKey: 'member-1' }]);
    createEventLog(db, clock).append('fx-flaky', [{ body: { n: 3 }, partitionKey: 'k' }]);
    clock.dispose();
    db.close();

    const host = await start(dbFile);
    await waitFor(() => readProbe(host.db, 'eh:single').length === 3);
    await waitFor(() => readProbe(host.db, 'eh:flaky').length === 3);
    expect(readProbe(host.db, 'eh:flaky')).toEqual([1, 2, 3]);
    expect((readProbe(host.db, 'eh:single') as SingleRecord[]).map((s) => s.event)).toEqual([
      { n: 1 },
      { n: 2 },
      { n: 3 },
    ]);
    const batches = readProbe(host.db, 'eh:batch') as BatchRecord[];
    expect(batches.flatMap((b) => b.events)).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
  });

  it('retry a failing batch per the retry policy, then checkpoint past it', async () => {
    const host = hosts[0];
    await events().append('fx-retried', [{ body: 'x', partitionKey: 'r' }]);
    const runs = await waitFor(() => {
      const r = readProbe(host.db, 'eh:retried') as { retryCount: number }[];
      return r.length === 3 ? r : undefined;
    });
    expect(runs.map((r) => r.retryCount)).toEqual([0, 1, 2]);
    const p = String(partitionForKey('r', 4));
    await waitFor(() => events().getCheckpoint('fx-retried', '$Default', p)?.sequenceNumber === 0);
    expect(readProbe(host.db, 'eh:retried')).toHaveLength(3);
  });

  it('split the partitions between two functions in one consumer group', async () => {
    const host = hosts[0];
    const keys = Array.from({ length: 40 }, (_, i) => `key-${i}`);
    await events().append(
      'fx-shared',
      keys.map((k) => ({ body: k, partitionKey: k })),
    );
    const seen = await waitFor(() => {
      const r = readProbe(host.db, 'eh:compete') as { fn: string; partitionId: string; events: string[] }[];
      return r.flatMap((x) => x.events).length === keys.length ? r : undefined;
    });
    expect(seen.flatMap((x) => x.events).sort()).toEqual([...keys].sort());
    const owners = new Map<string, Set<string>>();
    for (const r of seen) owners.set(r.partitionId, new Set([...(owners.get(r.partitionId) ?? []), r.fn]));
    for (const fns of owners.values()) expect(fns.size).toBe(1);
    expect(new Set(seen.map((r) => r.fn))).toEqual(new Set(['ehCompeteA', 'ehCompeteB']));
  });

  it('send what a function returns to its Event Hubs output binding', async () => {
    const host = hosts[0];
    await events().append('fx-relay-in', [{ body: { n: 7 } }, { body: { n: 8 } }]);
    const relayed = await waitFor(() => {
      const r = readProbe(host.db, 'eh:relayed');
      return r.length === 2 ? r : undefined;
    });
    expect(relayed).toEqual([{ relayed: 7 }, { relayed: 8 }]);
  });

  it('start from the retained stream: events purged before the first start are never delivered', async () => {
    // One host at a time: the fixture functions record into the running host's file.
    for (const h of [...hosts]) await stop(h);
    const file = path.join(dir, 'retention.db');
    const db = openDatabase(file);
    const clock = new HostClock(true);
    const log = createEventLog(db, clock);
    log.append('fx-stream', [{ body: { n: 'expired' }, partitionKey: 'p' }]);
    clock.advance(25 * 60 * 60 * 1000);
    log.append('fx-stream', [{ body: { n: 'kept' }, partitionKey: 'p' }]);
    log.purgeExpired();
    log.close();
    clock.dispose();
    db.close();

    const host = await start(file);
    await waitFor(() => readProbe(host.db, 'eh:single').length === 1);
    expect((readProbe(host.db, 'eh:single') as SingleRecord[]).map((s) => s.event)).toEqual([{ n: 'kept' }]);
  });
});
