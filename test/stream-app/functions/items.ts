// Items in a Cosmos DB container (partition key /pk) that the output binding creates, read back with
// binding expressions while the app streams HTTP: the route gives the id and the partition key.
// Partition-key values are whatever Cosmos DB takes: strings, numbers, booleans, null, or none.
import { app, input, output, type HttpRequest, type InvocationContext } from '@azure/functions';

const target = { connection: 'CosmosDBConnection', databaseName: 'stream', containerName: 'items' };
const save = output.cosmosDB({ ...target, createIfNotExists: true, partitionKey: '/pk' });
const one = input.cosmosDB({ ...target, id: '{id}', partitionKey: '{pk}' });
const all = input.cosmosDB({ ...target, sqlQuery: 'SELECT * FROM c ORDER BY c.id' });

app.http('itemsSave', {
  methods: ['POST'],
  route: 'items',
  extraOutputs: [save],
  handler: async (request: HttpRequest, context: InvocationContext) => {
    context.extraOutputs.set(save, await request.json());
    return { status: 201 };
  },
});

app.http('itemsOne', {
  methods: ['GET'],
  route: 'items/{pk}/{id}',
  extraInputs: [one],
  handler: (_request: HttpRequest, context: InvocationContext) => ({
    jsonBody: context.extraInputs.get(one),
  }),
});

app.http('itemsAll', {
  methods: ['GET'],
  route: 'items',
  extraInputs: [all],
  handler: (_request: HttpRequest, context: InvocationContext) => ({
    jsonBody: context.extraInputs.get(all),
  }),
});

// A query the local host cannot answer: the function is in error from the start.
app.http('itemsCount', {
  methods: ['GET'],
  route: 'items-count',
  extraInputs: [input.cosmosDB({ ...target, sqlQuery: 'SELECT VALUE COUNT(1) FROM c' })],
  handler: () => ({ status: 200 }),
});
