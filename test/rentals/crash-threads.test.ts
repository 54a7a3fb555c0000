// The host process is killed (SIGKILL) while its consumer thread (`--workers 1`) is relaying and
// projecting under a stream of rents and returns, then started again on the same file with the load
// still running. Once it has drained, the data file holds everything the invariants name (the
// benchmark's, bench/invariants.ts): every recorded event on the hub, views equal to the write
// model, one notice per noticed event, nothing oversold, points conserved, nothing left REQUESTED.
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { api, clientLoop, loadLibrary, Tally, type Api } from '../../bench/clients';
import { drain } from '../../bench/drain';
import { checkInvariants } from '../../bench/invariants';
import { repoRoot, spawnHost, type ChildHost } from '../helpers/hosts';
import { INVARIANTS_HOLD } from '../helpers/invariants';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rentbook-crash-threads-'));
const dbFile = path.join(dir, 'local.db');
const secret = randomBytes(32).toString('base64url');
const masterKey = randomBytes(32).toString('base64url');
const children: ChildHost[] = [];
const clients: Api[] = [];

afterAll(async () => {
  for (const c of clients) await c.close().catch(() => undefined);
  for (const c of children) await c.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function start(): Promise<{ host: ChildHost; client: Api }> {
  const host = await spawnHost({
    appDir: repoRoot,
    dbFile,
    // A notice the killed process had received stays locked until its lock expires, as in Service
    // Bus; a 5 s lock (the default is a minute) lets the restarted host take it within the test.
    env: {
      LOCAL_AUTH_SECRET: secret,
      LOCAL_MASTER_KEY: masterKey,
      LOCAL_SERVICE_BUS: '{"lockDuration":"PT5S"}',
    },
    extraArgs: ['--workers', '1'],
  });
  children.push(host);
  const client = api(host.url, 12);
  clients.push(client);
  return { host, client };
}

async function executions(client: Api, fn: string): Promise<number> {
  const answer = await client.request('GET', `/admin/host/status?code=${masterKey}`, '');
  if (answer === 'timeout' || answer.status !== 200) return 0;
  const status = answer.json as { counts: Record<string, number>; consumerThreads: { count: number } };
  expect(status.consumerThreads.count).toBe(1);
  return status.counts[`executions.${fn}`] ?? 0;
}

describe('a host killed while its consumer thread relays and projects', () => {
  it('loses no event and doubles no effect once started again', async () => {
    let { host, client } = await start();
    const { books, members } = await loadLibrary(client, {
      secret,
      books: 4,
      members: 6,
      copies: 3,
      price: 100,
      points: 1_000_000,
    });
    const tally = new Tally();
    const load = (c: Api, seconds: number) =>
      Promise.all(
        members.map((m) =>
          clientLoop(c, m, { books, stopAt: performance.now() + seconds * 1000, tally }).catch(
            () => undefined,
          ),
        ),
      );
    // The first life's load runs until the kill cuts its connections off.
    const first = load(client, 60);
    // Killed once the thread has relayed and projected some of it, with more in flight.
    for (let i = 0; i < 200; i++) {
      const relayed = await executions(client, 'outbox-relay-members');
      const projected = await executions(client, 'views-project');
      if (relayed >= 10 && projected >= 10 && tally.acceptedRents >= 30) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(tally.acceptedRents).toBeGreaterThanOrEqual(30);
    await host.kill();
    await first;

    ({ host, client } = await start());
    await load(client, 3);
    const drained = await drain(client, { dbFile, masterKey }, 60_000);
    expect(drained).toMatchObject({ requested: 0, outboxPending: 0, eventsBehind: 0, messages: 0 });
    expect(await host.stop()).toBe(0);

    const invariants = checkInvariants(dbFile);
    expect(invariants).toMatchObject(INVARIANTS_HOLD);
    expect(invariants.events.recorded).toBeGreaterThan(60);
  }, 180_000);
});
