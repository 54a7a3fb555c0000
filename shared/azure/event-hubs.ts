// The event-publisher port on Azure Event Hubs through EventHubProducerClient: one client per hub.
// Each event is a CloudEvent, sent as the body with content type `application/cloudevents+json` and
// its `id` as the message id. One call's events share a partition key, so they stay in order. They go
// in as few batches as fit, in order; if a later batch fails the call throws after earlier ones were
// sent, and a retry sends those again (consumers deduplicate by event id). A busy or unreachable
// namespace is retried as MESSAGING_RETRY says, then the call throws the SDK's `MessagingError`.
import { EventHubProducerClient, RetryMode, type EventData } from '@azure/event-hubs';
import type { TokenCredential } from '@azure/identity';
import type { EventPublisher } from '../app/ports';
import { MESSAGING_RETRY } from '../messaging-retry';

export const CLOUDEVENTS_CONTENT_TYPE = 'application/cloudevents+json';

export type EventHubsTarget =
  { fullyQualifiedNamespace: string; credential: TokenCredential } | { connectionString: string };

export interface ClosableEventPublisher extends EventPublisher {
  close(): Promise<void>;
}

export function eventHubsPublisher(target: EventHubsTarget): ClosableEventPublisher {
  const producers = new Map<string, EventHubProducerClient>();
  const producer = (hub: string): EventHubProducerClient => {
    let client = producers.get(hub);
    if (!client) {
      const options = { retryOptions: { ...MESSAGING_RETRY, mode: RetryMode.Exponential } };
      client =
        'connectionString' in target
          ? new EventHubProducerClient(target.connectionString, hub, options)
          : new EventHubProducerClient(target.fullyQualifiedNamespace, hub, target.credential, options);
      producers.set(hub, client);
    }
    return client;
  };
  return {
    async publish(hub, partitionKey, events) {
      if (events.length === 0) return;
      const client = producer(hub);
      let batch = await client.createBatch({ partitionKey });
      for (const event of events) {
        const data = toEventData(event);
        if (batch.tryAdd(data)) continue;
        if (batch.count === 0) throw new Error(`An event for ${hub} is larger than the largest batch.`);
        await client.sendBatch(batch);
        batch = await client.createBatch({ partitionKey });
        if (!batch.tryAdd(data)) throw new Error(`An event for ${hub} is larger than the largest batch.`);
      }
      await client.sendBatch(batch);
    },
    async close() {
      const clients = [...producers.values()];
      producers.clear();
      await Promise.all(clients.map((c) => c.close()));
    },
  };
}

function toEventData(event: object): EventData {
  const id = (event as { id?: unknown }).id;
  return {
    body: event,
    contentType: CLOUDEVENTS_CONTENT_TYPE,
    ...(typeof id === 'string' ? { messageId: id } : {}),
  };
}
