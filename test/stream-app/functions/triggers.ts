// Non-HTTP functions the admin API can run now with an input, as the Functions host runs them:
// an Event Hubs batch, a Service Bus message, a Cosmos DB change. Each notes what it got.
import { app, type InvocationContext } from '@azure/functions';
import { note } from '../journal';

app.eventHub('eventsIn', {
  eventHubName: 'stream-events',
  connection: 'EventHubConnection',
  cardinality: 'many',
  handler: (events: unknown[]) => note('eventsIn', events),
});

app.serviceBusQueue('ordersIn', {
  queueName: 'orders',
  connection: 'ServiceBusConnection',
  handler: (message: unknown, context: InvocationContext) =>
    note('ordersIn', { message, functionName: context.functionName }),
});

app.cosmosDB('itemsChanged', {
  connection: 'CosmosDBConnection',
  databaseName: 'stream',
  containerName: 'items',
  handler: (documents: unknown[]) => note('itemsChanged', documents),
});
