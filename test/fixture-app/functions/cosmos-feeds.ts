// Cosmos DB change-feed triggers over the document store: a plain feed, one from the beginning, one
// in pairs, one that throws, one with a retry policy, two sharing one lease, one that can crash the
// host between its work and its checkpoint, plus HTTP functions that write items (directly or via
// the output binding) and read one back via the input binding. Each records what it saw.
import { app, input, output, type HttpRequest, type InvocationContext } from '@azure/functions';
import type { DocumentStore, NewDocument } from '../../../local/documents/types';
import { getService } from '../../../local/host/services';
import { count, readProbe, record } from '../probe';
import type { Database } from 'better-sqlite3';

const databaseName = 'fixture';
const connection = 'CosmosDBConnection';
type Doc = NewDocument & { v?: number; fail?: boolean; crash?: boolean };

const seen = (docs: Doc[]) => docs.map((d) => ({ id: d.id, v: d.v, lsn: d._lsn }));

// POST /api/cosmos/{container}: upserts the body's documents (partition key /group) in one store
// transaction, so they reach the change feed together.
app.http('cosmosWrite', {
  methods: ['POST'],
  route: 'cosmos/{container}',
  handler: async (request: HttpRequest) => {
    const docs = (await request.json()) as Doc[];
    const store = getService<DocumentStore>('documents');
    const container = store.createContainerIfNotExists(databaseName, {
      id: request.params.container,
      partitionKeyPath: '/group',
    });
    const stored = store.transaction(() => docs.map((d) => container.upsert(d)));
    return { jsonBody: stored };
  },
});

app.cosmosDB('cosmosFeed', {
  connection,
  databaseName,
  containerName: 'feed',
  leaseContainerPrefix: 'feed-',
  // Only the wake-up on a write delivers promptly (tests rely on it); the re-check is a backstop.
  feedPollDelay: 600_000,
  handler: (docs: Doc[]) => record('cosmos:feed', seen(docs)),
});

app.cosmosDB('cosmosFromStart', {
  connection,
  databaseName,
  containerName: 'feed',
  leaseContainerPrefix: 'start-',
  startFromBeginning: true,
  feedPollDelay: 600_000,
  handler: (docs: Doc[]) => record('cosmos:fromStart', seen(docs)),
});

app.cosmosDB('cosmosPairs', {
  connection,
  databaseName,
  containerName: 'feed',
  leaseContainerPrefix: 'pairs-',
  startFromBeginning: true,
  maxItemsPerInvocation: 2,
  feedPollDelay: 600_000,
  handler: (docs: Doc[]) => record('cosmos:pairs', seen(docs)),
});

app.cosmosDB('cosmosThrows', {
  connection,
  databaseName,
  containerName: 'flaky',
  handler: (docs: Doc[]) => {
    record('cosmos:throws', seen(docs));
    if (docs.some((d) => d.fail)) throw new Error('a document says fail');
  },
});

app.cosmosDB('cosmosRetried', {
  connection,
  databaseName,
  containerName: 'retried',
  retry: { strategy: 'fixedDelay', maxRetryCount: 2, delayInterval: 0 },
  handler: (docs: Doc[], context: InvocationContext) => {
    record('cosmos:retried', { ids: docs.map((d) => d.id), retryCount: context.retryContext?.retryCount });
    throw new Error('always fails');
  },
});

// Same lease container, no prefix: in Azure these two compete for one set of leases.
for (const name of ['cosmosShareA', 'cosmosShareB']) {
  app.cosmosDB(name, {
    connection,
    databaseName,
    containerName: 'shared',
    handler: (docs: Doc[]) => record('cosmos:shared', { fn: name, ids: docs.map((d) => d.id) }),
  });
}

// Kills its own host after recording a batch holding a `crash` document, once, and only in a host
// started with FIXTURE_ALLOW_CRASH=1 (a child process a test can restart). It waits a moment first,
// so its records reach the file (the host commits each event-loop turn's writes together) while
// the lease has not moved yet: the handler ran, then the host died before the checkpoint.
app.cosmosDB('cosmosCrashy', {
  connection,
  databaseName,
  containerName: 'crashy',
  handler: async (docs: Doc[]) => {
    count('cosmos:crashy');
    record('cosmos:crashy', seen(docs));
    const crashedBefore = readProbe(getService<Database>('db'), 'cosmos:crashed').length > 0;
    if (process.env.FIXTURE_ALLOW_CRASH === '1' && docs.some((d) => d.crash) && !crashedBefore) {
      record(
        'cosmos:crashed',
        docs.map((d) => d.id),
      );
      await new Promise((resolve) => setTimeout(resolve, 50));
      process.kill(process.pid, 'SIGKILL');
    }
  },
});

// POST /api/cosmos-out: the body's documents go out through the Cosmos DB output binding into a
// container the binding creates; a trigger waits for that container to appear.
const outDocs = output.cosmosDB({
  connection,
  databaseName,
  containerName: 'out',
  createIfNotExists: true,
  partitionKey: '/group',
});

app.http('cosmosOut', {
  methods: ['POST'],
  route: 'cosmos-out',
  extraOutputs: [outDocs],
  handler: async (request: HttpRequest, context: InvocationContext) => {
    context.extraOutputs.set(outDocs, await request.json());
    return { status: 201 };
  },
});

app.cosmosDB('cosmosOutFeed', {
  connection,
  databaseName,
  containerName: 'out',
  handler: (docs: Doc[]) => record('cosmos:out', seen(docs)),
});

const fixedDoc = input.cosmosDB({
  connection,
  databaseName,
  containerName: 'out',
  id: 'fixed',
  partitionKey: 'g1',
});

app.http('cosmosIn', {
  methods: ['GET'],
  route: 'cosmos-in',
  extraInputs: [fixedDoc],
  handler: (_request: HttpRequest, context: InvocationContext) => ({
    jsonBody: context.extraInputs.get(fixedDoc),
  }),
});
