// The Cosmos DB trigger and bindings through the local host, with the fixture app's cosmos-* functions.
// Build first (`npm run build`): the host loads the compiled app.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDocumentStore } from '../../local/documents/store';
import { HostClock } from '../../local/host/clock';
import { openDatabase } from '../../local/host/db';
import type { LocalHost } from '../../local/host/host';
import { readProbe } from '../fixture-app/probe';
import { spawnHost, startHost, waitFor, type ChildHost } from '../helpers/hosts';

interface Seen {
  id: string;
  v?: number;
  lsn: number;
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'documents-trigger-'));
const hosts: LocalHost[] = [];
const children: ChildHost[] = [];
afterAll(async () => {
  for (const h of hosts) await h.stop();
  for (const c of children) await c.kill();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function post(host: { url: string }, route: string, body: unknown): Promise<Response> {
  return fetch(`${host.url}/api/${route}`, { method: 'POST', body: JSON.stringify(body) });
}

const batches = (host: LocalHost, kind: string) => readProbe(host.db, kind) as Seen[][];
const ids = (bs: Seen[][]) => bs.flat().map((s) => s.id);

function leasePosition(db: BetterSqlite3.Database, prefix: string, container: string): number | undefined {
  const id = JSON.stringify(['fixture', 'leases', prefix, 'fixture', container]);
  return db.prepare('SELECT continuation FROM cosmos_leases WHERE lease_id = ?').pluck().get(id) as
    number | undefined;
}

describe('Cosmos DB trigger in the local host', () => {
  let host: LocalHost;

  beforeAll(async () => {
    // History written before the host (and so before any lease) exists.
    const dbFile = path.join(dir, 'trigger.db');
    const db = openDatabase(dbFile);
    const feed = createDocumentStore(db, new HostClock(false)).createContainerIfNotExists('fixture', {
      id: 'feed',
      partitionKeyPath: '/group',
    });
    feed.upsert({ id: 'old1', group: 'g', v: 1 });
    feed.upsert({ id: 'old2', group: 'h', v: 1 });
    db.close();
    host = await startHost({ dbFile });
    hosts.push(host);
  });

  it('delivers changes in order, each item once at its latest version; from now, or from the beginning', async () => {
    // One request, one transaction: `a` written three times reaches the feed once, as v3, after `b`.
    await post(host, 'cosmos/feed', [
      { id: 'a', group: 'g', v: 1 },
      { id: 'b', group: 'h', v: 1 },
      { id: 'a', group: 'g', v: 2 },
      { id: 'a', group: 'g', v: 3 },
    ]);
    await post(host, 'cosmos/feed', [{ id: 'c', group: 'g', v: 1 }]);
    // These triggers poll only every 10 minutes: only the write's wake-up can deliver this soon.
    for (const kind of ['cosmos:feed', 'cosmos:fromStart', 'cosmos:pairs']) {
      await waitFor(() => ids(batches(host, kind)).includes('c'), 20_000, `${kind} to see c`);
    }
    const feed = batches(host, 'cosmos:feed').flat();
    expect(feed.map((s) => [s.id, s.v])).toEqual([
      ['b', 1],
      ['a', 3],
      ['c', 1],
    ]);
    expect(ids(batches(host, 'cosmos:fromStart'))).toEqual(['old1', 'old2', 'b', 'a', 'c']);
    const pairs = batches(host, 'cosmos:pairs');
    expect(ids(pairs)).toEqual(['old1', 'old2', 'b', 'a', 'c']);
    expect(pairs.every((b) => b.length <= 2)).toBe(true);
    const lsns = feed.map((s) => s.lsn);
    expect([...lsns].sort((x, y) => x - y)).toEqual(lsns);
  });

  it('moves the lease past a batch whose handler throws: it is not delivered again', async () => {
    await post(host, 'cosmos/flaky', [{ id: 'f1', group: 'g', fail: true }]);
    await waitFor(() => ids(batches(host, 'cosmos:throws')).includes('f1'), 20_000, 'the failing batch');
    await post(host, 'cosmos/flaky', [{ id: 'ok1', group: 'g' }]);
    await waitFor(() => ids(batches(host, 'cosmos:throws')).includes('ok1'), 20_000, 'the next batch');
    expect(ids(batches(host, 'cosmos:throws'))).toEqual(['f1', 'ok1']);
    const okLsn = batches(host, 'cosmos:throws')[1][0].lsn;
    await waitFor(() => leasePosition(host.db, '', 'flaky') === okLsn, 20_000, 'the lease to reach ok1');
  });

  it('re-runs a failed batch per the function retry policy, then moves on', async () => {
    const runs = () => readProbe(host.db, 'cosmos:retried') as { ids: string[]; retryCount: number }[];
    await post(host, 'cosmos/retried', [{ id: 'r1', group: 'g' }]);
    await waitFor(() => runs().length === 3, 20_000, 'three attempts');
    await post(host, 'cosmos/retried', [{ id: 'r2', group: 'g' }]);
    await waitFor(() => runs().length === 6, 20_000, 'three attempts of the next batch');
    expect(runs()).toEqual([
      { ids: ['r1'], retryCount: 0 },
      { ids: ['r1'], retryCount: 1 },
      { ids: ['r1'], retryCount: 2 },
      { ids: ['r2'], retryCount: 0 },
      { ids: ['r2'], retryCount: 1 },
      { ids: ['r2'], retryCount: 2 },
    ]);
  });

  it('upserts output-binding documents into a container it creates; a trigger waiting for it starts', async () => {
    expect(readProbe(host.db, 'cosmos:out')).toEqual([]);
    const res = await post(host, 'cosmos-out', [
      { id: 'fixed', group: 'g1', v: 1 },
      { id: 'other', group: 'g2', v: 1 },
    ]);
    expect(res.status).toBe(201);
    await waitFor(() => ids(batches(host, 'cosmos:out')).length === 2, 20_000, 'the output documents');
    expect(ids(batches(host, 'cosmos:out'))).toEqual(['fixed', 'other']);
    // The input binding reads one of them back by id and partition key.
    const read = (await (await fetch(`${host.url}/api/cosmos-in`)).json()) as Record<string, unknown>;
    expect(read).toMatchObject({ id: 'fixed', group: 'g1', v: 1 });
    expect(read._etag).toEqual(expect.any(String));
  });

  it('lets only one of two functions sharing a lease see the changes, as competing processors in Azure', async () => {
    await post(host, 'cosmos/shared', [{ id: 's1', group: 'g' }]);
    await waitFor(() => readProbe(host.db, 'cosmos:shared').length > 0, 20_000, 'the shared feed');
    await post(host, 'cosmos/shared', [{ id: 's2', group: 'g' }]);
    await waitFor(() => readProbe(host.db, 'cosmos:shared').length > 1, 20_000, 'the second change');
    expect(readProbe(host.db, 'cosmos:shared')).toEqual([
      { fn: 'cosmosShareA', ids: ['s1'] },
      { fn: 'cosmosShareA', ids: ['s2'] },
    ]);
  });
});

describe('Cosmos DB trigger across a crash', () => {
  it('delivers a batch again when the host died after the handler ran but before the lease moved', async () => {
    const dbFile = path.join(dir, 'crash.db');
    const env = { FIXTURE_ALLOW_CRASH: '1' };
    const first = await spawnHost({ dbFile, env });
    children.push(first);
    // The handler kills its host, maybe before this response is sent.
    await post(first, 'cosmos/crashy', [{ id: 'c1', group: 'g', crash: true }]).catch(() => undefined);
    await waitFor(
      () => first.process.exitCode !== null || first.process.signalCode !== null,
      20_000,
      'the crash',
    );
    expect(first.process.signalCode).toBe('SIGKILL');

    const db = new BetterSqlite3(dbFile, { readonly: true });
    try {
      expect(readProbe(db, 'cosmos:crashed')).toEqual([['c1']]);
      const [[c1]] = readProbe(db, 'cosmos:crashy') as Seen[][];
      expect(leasePosition(db, '', 'crashy')).toBeLessThan(c1.lsn);

      const second = await spawnHost({ dbFile, env });
      children.push(second);
      await waitFor(() => readProbe(db, 'count:cosmos:crashy').length === 2, 20_000, 'the redelivery');
      expect(ids(readProbe(db, 'cosmos:crashy') as Seen[][])).toEqual(['c1', 'c1']);
      await waitFor(() => leasePosition(db, '', 'crashy') === c1.lsn, 20_000, 'the lease to move');
      expect(await second.stop()).toBe(0);
    } finally {
      db.close();
    }
  });
});
