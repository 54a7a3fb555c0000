// Non-HTTP functions the admin API can run now with an input, as the Functions host runs them:
// an Event Hubs batch, a Service Bus message, a Cosmos DB change. Each notes what it got.
import { app, type InvocationContext } from '@azure/functions';
import { note } from '../journal';

app.eventHub('eventsIn', {
  eventHubName: 'stream-events',
  connection: 'EventHubConnection',
  cardinality: 'many',
  handler: (events: unknown[], context: InvocationContext) => {
    const partition = context.triggerMetadata?.partitionContext as { eventHubName?: string } | undefined;
    note('eventsIn', { events, hub: partition?.eventHubName ?? null });
  },
});

app.serviceBusQueue('ordersIn', {
  queueName: 'orders',
  connection: 'ServiceBusConnection',
  handler: (message: unknown, context: InvocationContext) =>
    note('ordersIn', { message, deliveryCount: context.triggerMetadata?.deliveryCount ?? null }),
});

app.cosmosDB('itemsChanged', {
  connection: 'CosmosDBConnection',
  databaseName: 'stream',
  containerName: 'items',
  handler: (documents: unknown[]) => note('itemsChanged', documents),
});
