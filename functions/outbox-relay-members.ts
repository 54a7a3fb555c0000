// Cosmos DB change feed of `members` → Event Hub `rentbook-events`: publishes the events that member,
// points and rental writes carry (outbox items, ledger entries, a rental's last write:
// shared/app/outbox.ts); its lease is its progress.
import { app, type InvocationContext } from '@azure/functions';
import { relayMemberOutbox } from '../shared/app/outbox';
import { DATABASE_ID } from '../shared/app/records';
import { appDeps, appEventPublisher } from './lib/composition';
import { COSMOS_CONNECTION, RELAY_RETRY } from './lib/change-feed';

async function outboxRelayMembers(changes: unknown[], context: InvocationContext): Promise<void> {
  const { invalid } = await relayMemberOutbox(appEventPublisher(), changes, appDeps().clock.now());
  if (invalid.length > 0)
    context.warn(`Items whose events are not valid, left unsent: ${invalid.join(', ')}`);
}

app.cosmosDB('outbox-relay-members', {
  connection: COSMOS_CONNECTION,
  databaseName: DATABASE_ID,
  containerName: 'members',
  leaseContainerPrefix: 'outbox-',
  startFromBeginning: true,
  // Items carrying events are a fraction of the container's changes, and a batch is published at
  // once, so it waits for its slowest publish (a refused one waits out the client's retry): large
  // batches keep the relay ahead of the writes when the hub refuses now and then.
  maxItemsPerInvocation: 1000,
  retry: RELAY_RETRY,
  handler: outboxRelayMembers,
});
