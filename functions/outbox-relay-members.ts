// Cosmos DB change feed of `members` → Event Hub `rentbook-events`: publishes the outbox items
// written beside member, points and rental writes (shared/app/outbox.ts); its lease is its progress.
import { app, type InvocationContext } from '@azure/functions';
import { relayMemberOutbox } from '../shared/app/outbox';
import { DATABASE_ID } from '../shared/app/records';
import { appEventPublisher } from './lib/composition';
import { COSMOS_CONNECTION, RELAY_RETRY } from './lib/change-feed';

async function outboxRelayMembers(changes: unknown[], context: InvocationContext): Promise<void> {
  const { invalid } = await relayMemberOutbox(appEventPublisher(), changes);
  if (invalid.length > 0) context.warn(`Outbox items that are not valid, left unsent: ${invalid.join(', ')}`);
}

app.cosmosDB('outbox-relay-members', {
  connection: COSMOS_CONNECTION,
  databaseName: DATABASE_ID,
  containerName: 'members',
  leaseContainerPrefix: 'outbox-',
  startFromBeginning: true,
  retry: RELAY_RETRY,
  handler: outboxRelayMembers,
});
