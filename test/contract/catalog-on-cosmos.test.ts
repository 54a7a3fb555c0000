// The app on the local host's HTTP part with Azure settings pointed at the Cosmos DB emulator: the
// catalog is served through the Cosmos DB adapter (the real SDK), not the embedded store. A rent is
// not tried here: it needs atomic batches, which the emulator lacks.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CosmosClient } from '@azure/cosmos';
import type { LocalHost } from '../../local/host/host';
import { getService } from '../../local/host/services';
import type { DocumentStore } from '../../local/documents/types';
import type { BookPage } from '../../shared/app/catalog';
import type { Book } from '../../shared/app/records';
import { library, librarian, startHost } from '../rentals/support-host';
import { EMULATOR_KEY, startCosmosEmulator, type RunningServer } from './cosmos-emulator';

let emulator: RunningServer;
let host: LocalHost;
let lib: ReturnType<typeof library>;

beforeAll(async () => {
  emulator = await startCosmosEmulator();
  // The app reads its settings once, when the host loads it (this file runs in a process of its own).
  process.env.CosmosDBConnection = emulator.connectionString;
  host = await startHost();
  lib = library(host.url);
  console.log(`catalog: the app runs on the local host with its documents port on ${emulator.endpoint}`);
});

afterAll(async () => {
  await host?.stop();
  await emulator?.close();
  delete process.env.CosmosDBConnection;
});

it('a librarian creates, lists, reads and updates books, stored in Cosmos DB through the SDK', async () => {
  const dune = await lib.addBook({ title: 'Dune', author: 'Frank Herbert', price: 300, copies: 2 });
  const emma = await lib.addBook({ title: 'Emma', author: 'Jane Austen', price: 200, copies: 1 });
  expect(dune).toMatchObject({ title: 'Dune', copies: 2, available: 2, status: 'AVAILABLE' });

  const list = await lib.api<BookPage>('GET', '/api/books?limit=10');
  expect(list.status).toBe(200);
  expect(list.body.items.map((b) => b.title)).toEqual(['Dune', 'Emma']);
  const found = await lib.api<BookPage>('GET', '/api/books?q=austen');
  expect(found.body.items.map((b) => b.id)).toEqual([emma.id]);

  const read = await lib.api<Book>('GET', `/api/books/${dune.id}`);
  expect(read.status).toBe(200);
  expect(read.body).toMatchObject({ id: dune.id, title: 'Dune', etag: dune.etag });

  const edited = await lib.api<Book>('PATCH', `/api/books/${dune.id}`, {
    token: librarian,
    body: { copies: 5, price: 350 },
    headers: { 'If-Match': dune.etag },
  });
  expect(edited.status).toBe(200);
  expect(edited.body).toMatchObject({ copies: 5, available: 5, price: 350 });
  const stale = await lib.api('PATCH', `/api/books/${dune.id}`, {
    token: librarian,
    body: { copies: 1 },
    headers: { 'If-Match': dune.etag },
  });
  expect(stale.status).toBe(412);

  // The books are in the emulator's `rentbook/books` container, and not in the local store.
  const client = new CosmosClient({
    endpoint: emulator.endpoint,
    key: EMULATOR_KEY,
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  const { resource } = await client.database('rentbook').container('books').item(dune.id, dune.id).read();
  expect(resource).toMatchObject({ id: dune.id, copies: 5, price: 350 });
  client.dispose();
  expect(getService<DocumentStore>('documents').container('rentbook', 'books')).toBeUndefined();
});
