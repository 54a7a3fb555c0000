// Durable orchestrations and queue work survive a killed host: SIGKILL the host process while
// activities run and Service Bus functions hold messages, and again while instances wait on a
// durable timer; a host restarted on the same data file resumes every unfinished instance and gets
// every message again once its lock runs out. Activities and messages are handled at least once;
// their idempotent effects are recorded once.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { HostClock } from '../../local/host/clock';
import { openDatabase } from '../../local/host/db';
import { resolveHostKeys } from '../../local/host/keys';
import { createQueueStore } from '../../local/queues/queue-store';
import { readProbe } from '../fixture-app/probe';
import { spawnHost, waitFor, type ChildHost } from '../helpers/hosts';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'durable-crash-'));
const dbFile = path.join(dir, 'host.db');
let child: ChildHost | undefined;
const reader = new BetterSqlite3(dbFile);

afterAll(async () => {
  await child?.kill();
  reader.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const ids = Array.from({ length: 6 }, (_, i) => `crash-${i}`);
const effects = () => readProbe(reader, 'slow:effect') as { id: string; step: number }[];
const messages = Array.from({ length: 8 }, (_, i) => `work-${i}`);
const workStarted = () => readProbe(reader, 'sb:work:started') as string[];
const workDone = () => readProbe(reader, 'sb:work:effect') as string[];

/** Queue work waiting in the file before the first host starts. */
function enqueueWork(): void {
  const db = openDatabase(dbFile);
  const clock = new HostClock(false);
  createQueueStore(db, clock).send(
    'fx-work',
    messages.map((id) => ({ body: { id }, messageId: id })),
  );
  clock.dispose();
  db.close();
}

async function status(url: string, id: string): Promise<{ runtimeStatus: string; output: unknown }> {
  // The key the hosts keep beside the data file (each restart finds the same one).
  const key = resolveHostKeys(dbFile, {}).master;
  const res = await fetch(`${url}/runtime/webhooks/durabletask/instances/${id}`, {
    headers: { 'x-functions-key': key },
  });
  return (await res.json()) as { runtimeStatus: string; output: unknown };
}

describe('a killed host', () => {
  it('resumes every unfinished orchestration and queue message on restart, each effect recorded once', async () => {
    enqueueWork();
    child = await spawnHost({ dbFile });
    for (const id of ids) {
      const res = await fetch(`${child.url}/api/durable/start/durableSlow/${id}`, {
        method: 'POST',
        body: JSON.stringify({ ms: 300 }),
      });
      expect(res.status).toBe(202);
    }
    // Mid-way through the activities: some effects recorded, not all.
    await waitFor(() => effects().length >= 4, 30_000, 'some activities to finish');
    await waitFor(() => workStarted().length === messages.length, 30_000, 'every message to be taken');
    await child.kill();
    expect(workDone()).toEqual([]);
    const beforeRestart = effects().length;
    expect(beforeRestart).toBeLessThan(ids.length * 3);

    child = await spawnHost({ dbFile });
    await waitFor(() => effects().length === ids.length * 3, 30_000, 'every activity to finish');
    // Every instance now waits on its one-minute durable timer: kill again while they wait.
    const url1 = child.url;
    await waitFor(
      async () => {
        for (const id of ids) if ((await status(url1, id)).runtimeStatus !== 'Running') return false;
        return true;
      },
      30_000,
      'every instance to wait on its timer',
    );
    await child.kill();

    child = await spawnHost({ dbFile });
    const url2 = child.url;
    const advanced = await fetch(`${url2}/admin/clock`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ advanceBy: 'PT2M' }),
    });
    expect(advanced.status).toBe(200);
    for (const id of ids) {
      const s = await waitFor(
        async () => {
          const st = await status(url2, id);
          return st.runtimeStatus === 'Completed' && st;
        },
        30_000,
        `${id} to complete`,
      );
      expect(s.output).toEqual([10, 20, 30]);
    }

    // The dead hosts' locks ran out with the clock: every message comes again and is handled once.
    await waitFor(() => workDone().length === messages.length, 30_000, 'every message to be handled');
    expect([...workDone()].sort()).toEqual([...messages].sort());
    expect(readProbe(reader, 'count:sb:work').length).toBeGreaterThanOrEqual(messages.length * 2);

    // Each (instance, step) effect exactly once, however many times an activity ran.
    const keys = effects().map((e) => `${e.id}:${e.step}`);
    expect(keys.length).toBe(ids.length * 3);
    expect(new Set(keys).size).toBe(ids.length * 3);
    expect(readProbe(reader, 'count:slow').length).toBeGreaterThanOrEqual(ids.length * 3);
  });
});
