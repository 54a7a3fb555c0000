// Functions with bindings the local host does not serve (a blob trigger, a table input, a durable
// entity): each is reported at start as in error, and the rest of the app runs.
import { app, input } from '@azure/functions';
import * as df from 'durable-functions';

app.storageBlob('blobWatcher', {
  path: 'uploads/{name}',
  connection: 'AzureWebJobsStorage',
  handler: () => undefined,
});

const row = input.table({
  tableName: 'people',
  partitionKey: 'p',
  rowKey: '{id}',
  connection: 'AzureWebJobsStorage',
});

app.http('tableLookup', {
  methods: ['GET'],
  route: 'table/{id}',
  extraInputs: [row],
  handler: (_request, context) => ({ jsonBody: context.extraInputs.get(row) }),
});

df.app.entity('counter', (context) => {
  context.df.setState(((context.df.getState(() => 0) as number) ?? 0) + 1);
});
