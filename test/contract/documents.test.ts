// The documents port's contract on the embedded store, on the Cosmos DB adapter against the
// emulator, and on the Cosmos DB adapter against Azure when its settings are in the environment.
import { afterAll, describe, expect, it } from 'vitest';
import { HostClock } from '../../local/host/clock';
import { openDatabase, closeDatabase } from '../../local/host/db';
import { publishService, withdrawService } from '../../local/host/services';
import { createDocumentStore } from '../../local/documents/store';
import { embeddedContainerSource } from '../../local/adapters/documents';
import { isDocumentError } from '../../shared/app/ports';
import { loadConfig } from '../../shared/config';
import { cosmosClient } from '../../shared/azure';
import { cosmosContainerSource } from '../../shared/azure/cosmos';
import { describeTally, recordCharge, withChargeTally } from '../../shared/azure/request-charge';
import { documentsContract } from './documents-contract';
import { startCosmosEmulator, startThrottlingProxy, type RunningServer } from './cosmos-emulator';

const cleanup: (() => Promise<void> | void)[] = [];
afterAll(async () => {
  for (const f of cleanup.reverse()) await f();
});

documentsContract({
  name: 'the embedded adapter (local document store, SQLite)',
  async start() {
    const db = openDatabase(':memory:');
    const clock = new HostClock(true);
    const store = createDocumentStore(db, clock);
    publishService('documents', store);
    cleanup.push(() => {
      withdrawService('documents', store);
      clock.dispose();
      closeDatabase(db);
    });
    return {
      source: embeddedContainerSource,
      passTime: async (seconds) => clock.advance(seconds * 1000),
    };
  },
});

const wait = (seconds: number) => new Promise<void>((r) => setTimeout(r, seconds * 1000));

documentsContract({
  name: 'the Cosmos DB adapter (@azure/cosmos) on @vercel/cosmosdb-server 1.0.1',
  gaps: {
    'a batch is all or nothing: one failure, nothing applied (the failing one has its status, the rest 424)':
      'the emulator applies batch operations one by one, not atomically',
    'a batch reads, upserts, replaces, patches with a condition and deletes':
      'the emulator handles only Create in a batch (and no patch in a batch)',
    'an item with a ttl expires after it (container TTL on, no default expiry)':
      'the emulator stores ttl but never expires items',
    'a query with a partition key sees only that partition':
      'the emulator ignores the partition key of a query and answers from every partition',
    'a malformed continuation token is 400':
      'the emulator answers a malformed continuation token as if none was given',
  },
  async start() {
    const emulator = await startCosmosEmulator();
    cleanup.push(() => emulator.close());
    const client = cosmosClient({ kind: 'emulator', connectionString: emulator.connectionString });
    cleanup.push(() => client.dispose());
    return { source: cosmosContainerSource(client, { createIfNotExists: true }), passTime: wait };
  },
});

const azureCosmos = loadConfig(process.env).azure.cosmos;
documentsContract({
  name: 'the Cosmos DB adapter (@azure/cosmos) on Azure Cosmos DB',
  ...(azureCosmos?.kind !== 'identity'
    ? {
        unavailable:
          'no CosmosDBConnection__accountEndpoint in the environment (see README, "Running on Azure services")',
      }
    : {}),
  async start() {
    // The signed-in identity needs rights to create the contract's throwaway database.
    const client = cosmosClient(azureCosmos!);
    cleanup.push(() => client.dispose());
    return { source: cosmosContainerSource(client, { createIfNotExists: true }), passTime: wait };
  },
});

describe('the Cosmos DB adapter (emulator) beyond the port', () => {
  let emulator: RunningServer;
  const started = (async () => {
    emulator = await startCosmosEmulator();
    cleanup.push(() => emulator.close());
  })();

  it('reports each operation’s request charge (RU) with the container and operation', async () => {
    await started;
    const charges: [string, number][] = [];
    const client = cosmosClient({ kind: 'emulator', connectionString: emulator.connectionString });
    cleanup.push(() => client.dispose());
    const source = cosmosContainerSource(client, {
      createIfNotExists: true,
      onCharge: (op, ru) => charges.push([op, ru]),
    });
    const c = source.open('charges', { id: 'items', partitionKeyPath: '/pk' });
    await c.create({ id: 'a', pk: 'a' });
    await c.read('a', 'a');
    await c.query({ partitionKey: 'a' });
    expect(charges.map(([op]) => op)).toEqual(['items.create', 'items.read', 'items.query']);
    for (const [, ru] of charges) expect(ru).toBeGreaterThan(0);
  });

  it('an invocation’s operations are tallied: each charge logged, the total summed', async () => {
    await started;
    const client = cosmosClient({ kind: 'emulator', connectionString: emulator.connectionString });
    cleanup.push(() => client.dispose());
    const c = cosmosContainerSource(client, { createIfNotExists: true, onCharge: recordCharge }).open(
      'tally',
      {
        id: 'items',
        partitionKeyPath: '/pk',
      },
    );
    await c.read('warm', 'up'); // outside any invocation: not tallied
    const lines: string[] = [];
    const { tally, result } = withChargeTally(
      (line) => lines.push(line),
      async () => {
        await c.create({ id: 'a', pk: 'a' });
        await c.read('a', 'a');
      },
    );
    await result;
    expect(lines).toEqual([
      expect.stringMatching(/^Cosmos DB items\.create: [\d.]+ RU$/),
      expect.stringMatching(/^Cosmos DB items\.read: [\d.]+ RU$/),
    ]);
    expect(tally.operations).toBe(2);
    expect(tally.requestUnits).toBeGreaterThan(0);
    expect(describeTally(tally)).toMatch(/^Cosmos DB request charge: [\d.]+ RU in 2 operation\(s\)$/);
  });

  it('retries throttled (429) writes by the SDK policy, then surfaces the busy error (429)', async () => {
    await started;
    const proxy = await startThrottlingProxy(emulator.endpoint);
    cleanup.push(() => proxy.close());
    const client = cosmosClient(
      { kind: 'emulator', connectionString: proxy.connectionString },
      { cosmosRetry: { maxRetryAttemptCount: 2, maxWaitTimeInSeconds: 5 } },
    );
    cleanup.push(() => client.dispose());
    const c = cosmosContainerSource(client, { createIfNotExists: true }).open('throttled', {
      id: 'items',
      partitionKeyPath: '/pk',
    });
    await c.read('warm', 'up'); // creates the database and container through the proxy

    proxy.throttle = 2;
    const before = proxy.writesSeen;
    await expect(c.create({ id: 'x', pk: 'x' })).resolves.toMatchObject({ id: 'x' });
    expect(proxy.writesSeen - before).toBe(3); // two throttled, retried, then written

    proxy.throttle = 100;
    const start = proxy.writesSeen;
    const err = await c.create({ id: 'y', pk: 'y' }).catch((e: unknown) => e);
    expect(isDocumentError(err, 429)).toBe(true);
    expect(proxy.writesSeen - start).toBe(3); // the first try and the policy's two retries
    expect(await c.read('y', 'y')).toBeUndefined();
  });

  it('a throttled batch, too, reaches the app as the busy error (429) after the SDK’s retries', async () => {
    await started;
    const proxy = await startThrottlingProxy(emulator.endpoint);
    cleanup.push(() => proxy.close());
    const client = cosmosClient(
      { kind: 'emulator', connectionString: proxy.connectionString },
      { cosmosRetry: { maxRetryAttemptCount: 1, maxWaitTimeInSeconds: 5 } },
    );
    cleanup.push(() => client.dispose());
    const c = cosmosContainerSource(client, { createIfNotExists: true }).open('throttled-batch', {
      id: 'items',
      partitionKeyPath: '/pk',
    });
    await c.read('warm', 'up');
    proxy.throttle = 100;
    const start = proxy.writesSeen;
    const err = await c
      .batch('b', [{ operationType: 'Create', resourceBody: { id: 'b1', pk: 'b' } }])
      .catch((e: unknown) => e);
    expect(isDocumentError(err, 429)).toBe(true);
    expect(proxy.writesSeen - start).toBe(2);
  });
});
