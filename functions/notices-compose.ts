// Event Hub `rentbook-events` (consumer group `notices`) → Service Bus queue `notifications`: the
// notice each event gives (shared/app/notices.ts), its message id the event's id. Retried until
// Service Bus takes them, however long it is busy or down; events that are not valid are
// dead-lettered at once (replay: dead-letters-replay), since the hub's checkpoint moves on even when
// the function throws.
import { app, type InvocationContext } from '@azure/functions';
import { consumeOrDeadLetter } from '../shared/app/dead-letters';
import { EVENTS_HUB } from '../shared/app/events';
import { appDeps } from './lib/composition';
import { COMPOSER_RETRY, isLastAttempt } from './lib/change-feed';
import { composeNoticesOf, NOTICES_COMPOSER } from './lib/consumers';
import { logProjection } from './lib/telemetry';

async function noticesCompose(events: unknown[], context: InvocationContext): Promise<void> {
  const deps = appDeps();
  const outcome = await consumeOrDeadLetter(
    deps,
    NOTICES_COMPOSER,
    { items: events, lastAttempt: isLastAttempt(context) },
    composeNoticesOf,
  );
  // A batch dead-lettered is reported as the projectors' are (the operators' alert watches it).
  logProjection(context, { projection: NOTICES_COMPOSER, changes: events, outcome, nowMs: deps.clock.now() });
}

app.eventHub(NOTICES_COMPOSER, {
  connection: 'EventHubConnection',
  eventHubName: EVENTS_HUB,
  consumerGroup: 'notices',
  cardinality: 'many',
  retry: COMPOSER_RETRY,
  handler: noticesCompose,
});
