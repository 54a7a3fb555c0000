// The documents port's contract on the embedded store, on the Cosmos DB adapter against the
// emulator, and on the Cosmos DB adapter against Azure when its settings are in the environment.
import { describe, expect, it } from 'vitest';
import { HostClock } from '../../local/host/clock';
import { openDatabase, closeDatabase } from '../../local/host/db';
import { publishService, withdrawService } from '../../local/host/services';
import { createDocumentStore } from '../../local/documents/store';
import { embeddedContainerSource } from '../../local/adapters/documents';
import { isDocumentError } from '../../shared/app/ports';
import { cosmosClient } from '../../shared/azure';
import { cosmosContainerSource } from '../../shared/azure/cosmos';
import { describeTally, recordCharge, withChargeTally } from '../../shared/azure/request-charge';
import { documentsContract } from './documents-contract';
import { azureTarget, cleanups } from './legs';
import { startCosmosEmulator, startThrottlingProxy, type RunningServer } from './cosmos-emulator';

const cleanup = cleanups();

documentsContract({
  name: 'the embedded adapter (local document store, SQLite)',
  async start() {
    const db = openDatabase(':memory:');
    const clock = new HostClock(true);
    const store = createDocumentStore(db, clock);
    publishService('documents', store);
    cleanup(() => {
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
    cleanup(() => emulator.close());
    const client = cosmosClient({ kind: 'emulator', connectionString: emulator.connectionString });
    cleanup(() => client.dispose());
    return { source: cosmosContainerSource(client, { createIfNotExists: true }), passTime: wait };
  },
});

const azure = azureTarget('cosmos', 'CosmosDBConnection__accountEndpoint');
documentsContract({
  name: 'the Cosmos DB adapter (@azure/cosmos) on Azure Cosmos DB',
  ...(azure.unavailable ? { unavailable: azure.unavailable } : {}),
  async start() {
    // The signed-in identity needs rights to create the contract's throwaway database.
    const client = cosmosClient(azure.connection);
    cleanup(() => client.dispose());
    return { source: cosmosContainerSource(client, { createIfNotExists: true }), passTime: wait };
  },
});

describe('the Cosmos DB adapter (emulator) beyond the port', () => {
  let emulator: RunningServer;
  const started = (async () => {
    emulator = await startCosmosEmulator();
    cleanup(() => emulator.close());
  })();

  it('reports each operation’s request charge (RU) with the container and operation', async () => {
    await started;
    const charges: [string, number][] = [];
    const client = cosmosClient({ kind: 'emulator', connectionString: emulator.connectionString });
    cleanup(() => client.dispose());
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
    cleanup(() => client.dispose());
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

  /** A container in database `databaseId` reached through a throttling proxy, the SDK retrying `retries` times. */
  async function throttled(databaseId: string, retries: number) {
    await started;
    const proxy = await startThrottlingProxy(emulator.endpoint);
    cleanup(() => proxy.close());
    const client = cosmosClient(
      { kind: 'emulator', connectionString: proxy.connectionString },
      { cosmosRetry: { maxRetryAttemptCount: retries, maxWaitTimeInSeconds: 5 } },
    );
    cleanup(() => client.dispose());
    const c = cosmosContainerSource(client, { createIfNotExists: true }).open(databaseId, {
      id: 'items',
      partitionKeyPath: '/pk',
    });
    await c.read('warm', 'up'); // creates the database and container through the proxy
    return { proxy, c };
  }

  it('retries throttled (429) writes by the SDK policy, then surfaces the busy error (429)', async () => {
    const { proxy, c } = await throttled('throttled', 2);

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
    const { proxy, c } = await throttled('throttled-batch', 1);
    proxy.throttle = 100;
    const start = proxy.writesSeen;
    const err = await c
      .batch('b', [{ operationType: 'Create', resourceBody: { id: 'b1', pk: 'b' } }])
      .catch((e: unknown) => e);
    expect(isDocumentError(err, 429)).toBe(true);
    expect(proxy.writesSeen - start).toBe(2);
  });
});
