// A host killed while a Service Bus function holds a message: the lock outlives the process, so a
// restarted host delivers the message again only once the lock runs out (host clock), counting the
// lost delivery. Runs the built host (`npm run build` first).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostClock } from '../../local/host/clock';
import { openDatabase } from '../../local/host/db';
import { createQueueStore } from '../../local/queues/queue-store';
import { readProbe } from '../fixture-app/probe';
import { spawnHost, waitFor, type ChildHost } from '../helpers/hosts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'queues-crash-'));
const children: ChildHost[] = [];
afterAll(async () => {
  for (const c of children) await c.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('a killed host', () => {
  it('leaves its message locked until the lock expires, then it is delivered again', async () => {
    const dbFile = path.join(dir, 'crash.db');
    const db = openDatabase(dbFile);
    const clock = new HostClock(false);
    const store = createQueueStore(db, clock);
    store.send('fx-slow', [{ body: 'crash', messageId: 'crash-1' }]);
    const slowRuns = () => readProbe(db, 'sb:slow') as { deliveryCount: number }[];

    const first = await spawnHost({ dbFile });
    children.push(first);
    await waitFor(() => slowRuns().length === 1, 30_000, 'the first delivery');
    await first.kill();

    const second = await spawnHost({ dbFile });
    children.push(second);
    // Still locked by the dead process (one-minute lock, no renewal in the fixture's host.json).
    await new Promise((r) => setTimeout(r, 500));
    expect(slowRuns()).toHaveLength(1);

    const moved = await fetch(`${second.url}/admin/clock`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"advanceBy":"PT2M"}',
    });
    expect(moved.status).toBe(200);
    await waitFor(() => slowRuns().length === 2, 30_000, 'the second delivery');
    expect(slowRuns().map((r) => r.deliveryCount)).toEqual([1, 2]);
    await waitFor(() => store.peek('fx-slow', 1).length === 0, 30_000, 'completion');
    clock.dispose();
    db.close();
  });
});
