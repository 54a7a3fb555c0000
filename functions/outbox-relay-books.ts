// Cosmos DB change feed of `books` → Event Hub `rentbook-events`: publishes the events a book
// carries in its outbox, then removes them from it (shared/app/outbox.ts).
import { app, type InvocationContext } from '@azure/functions';
import { relayBookOutbox } from '../shared/app/outbox';
import { DATABASE_ID } from '../shared/app/records';
import { appDeps, appEventPublisher } from './lib/composition';
import { COSMOS_CONNECTION, RELAY_RETRY } from './lib/change-feed';

async function outboxRelayBooks(changes: unknown[], context: InvocationContext): Promise<void> {
  const { invalid } = await relayBookOutbox(appDeps(), appEventPublisher(), changes);
  if (invalid.length > 0)
    context.warn(`Book outboxes that are not valid, left unsent: ${invalid.join(', ')}`);
}

app.cosmosDB('outbox-relay-books', {
  connection: COSMOS_CONNECTION,
  databaseName: DATABASE_ID,
  containerName: 'books',
  leaseContainerPrefix: 'outbox-',
  startFromBeginning: true,
  retry: RELAY_RETRY,
  handler: outboxRelayBooks,
});
