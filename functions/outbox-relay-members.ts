// Cosmos DB change feed of `members` → Event Hub `rentbook-events`: publishes the outbox items
// written beside member, points and rental writes, then marks them sent (shared/app/outbox.ts).
import { app, type InvocationContext } from '@azure/functions';
import { relayMemberOutbox } from '../shared/app/outbox';
import { DATABASE_ID } from '../shared/app/records';
import { appDeps, appEventPublisher } from './lib/composition';
import { COSMOS_CONNECTION, RELAY_RETRY } from './lib/change-feed';

async function outboxRelayMembers(changes: unknown[], context: InvocationContext): Promise<void> {
  // A first delivery is a page the trigger just read; a retried one may hold items sent since.
  const fresh = (context.retryContext?.retryCount ?? 0) === 0;
  const { invalid } = await relayMemberOutbox(appDeps(), appEventPublisher(), changes, { fresh });
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
