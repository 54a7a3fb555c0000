// The event-publisher port's contract on the local event log, on the Event Hubs adapter against the
// test broker (read back through the SDK's consumer), and against Azure when its settings are given.
import { expect, it } from 'vitest';
import { EventHubConsumerClient, earliestEventPosition, type Subscription } from '@azure/event-hubs';
import { DefaultAzureCredential } from '@azure/identity';
import { HostClock } from '../../local/host/clock';
import { closeDatabase, openDatabase } from '../../local/host/db';
import { publishService, withdrawService } from '../../local/host/services';
import { createEventLog } from '../../local/events/event-log';
import { embeddedEventPublisher } from '../../local/adapters/events';
import { eventHubsPublisher } from '../../shared/azure/event-hubs';
import { credentialFor } from '../../shared/azure/credentials';
import { TestBroker } from '../amqp-broker/broker';
import { eventsContract, type ReadEvent } from './events-contract';
import { azureTarget, cleanups } from './legs';

const cleanup = cleanups();

const HUB = 'contract-events';

eventsContract({
  name: 'the embedded adapter (local event log, SQLite)',
  hub: HUB,
  gaps: {
    'events are CloudEvents in the body, with content type application/cloudevents+json':
      'the local event log keeps bodies and properties, not an AMQP content type',
  },
  async start() {
    const db = openDatabase(':memory:');
    const clock = new HostClock(true);
    const log = createEventLog(db, clock, { hubs: { [HUB]: { partitionCount: 4 } } });
    publishService('eventHubs', log);
    cleanup(() => {
      withdrawService('eventHubs', log);
      log.close();
      clock.dispose();
      closeDatabase(db);
    });
    return {
      publisher: embeddedEventPublisher,
      async readBack() {
        return log
          .hub(HUB)
          .partitionIds.flatMap((p) => log.read(HUB, p, -1, 10_000))
          .map((e): ReadEvent => ({ partitionId: e.partitionId, body: e.body }));
      },
    };
  },
});

/** Reads every partition from the start through the SDK's consumer until `atLeast` events came. */
async function readWithConsumer(consumer: EventHubConsumerClient, atLeast: number): Promise<ReadEvent[]> {
  const partitions = await consumer.getPartitionIds();
  const byPartition = new Map<string, ReadEvent[]>(partitions.map((p) => [p, []]));
  const total = () => [...byPartition.values()].reduce((n, l) => n + l.length, 0);
  const subscriptions: Subscription[] = [];
  await new Promise<void>((resolve, reject) => {
    const deadline = setTimeout(resolve, 15_000);
    for (const partitionId of partitions) {
      subscriptions.push(
        consumer.subscribe(
          partitionId,
          {
            processEvents: async (events) => {
              for (const e of events)
                byPartition.get(partitionId)!.push({
                  partitionId,
                  body: e.body,
                  ...(e.contentType !== undefined ? { contentType: e.contentType } : {}),
                });
              if (total() >= atLeast) {
                clearTimeout(deadline);
                resolve();
              }
            },
            processError: async (err) => {
              clearTimeout(deadline);
              reject(err);
            },
          },
          { startPosition: earliestEventPosition, maxWaitTimeInSeconds: 1, maxBatchSize: 100 },
        ),
      );
    }
  });
  await Promise.all(subscriptions.map((s) => s.close()));
  return [...byPartition.values()].flat();
}

let broker: TestBroker | undefined;

eventsContract({
  name: 'the Event Hubs adapter (EventHubProducerClient) on the test AMQP broker',
  hub: HUB,
  async start() {
    broker = await TestBroker.start({ eventHubs: { [HUB]: { partitionCount: 4 } } });
    cleanup(() => broker!.close());
    const publisher = eventHubsPublisher({ connectionString: broker.connectionString() });
    cleanup(() => publisher.close());
    return {
      publisher,
      async readBack(atLeast) {
        const consumer = new EventHubConsumerClient('$Default', broker!.connectionString(), HUB);
        try {
          return await readWithConsumer(consumer, atLeast);
        } finally {
          await consumer.close();
        }
      },
    };
  },
});

it('the SDKs went through the broker’s Event Hubs protocol: CBS, batched sends, $management READ, selector filters', () => {
  if (!broker) return expect.unreachable('the broker leg did not start');
  for (const op of ['put-token', 'batched-send', 'eventhub-read', 'selector-filter'] as const)
    expect(broker.count(op), op).toBeGreaterThan(0);
});

const azure = azureTarget('eventHubs', 'EventHubConnection__fullyQualifiedNamespace', 'CONTRACT_EVENT_HUB');
eventsContract({
  name: 'the Event Hubs adapter (EventHubProducerClient) on Azure Event Hubs',
  hub: azure.entity,
  ...(azure.unavailable ? { unavailable: azure.unavailable } : {}),
  async start() {
    const { connection } = azure;
    const credential = credentialFor(connection);
    const publisher = eventHubsPublisher({ fullyQualifiedNamespace: connection.endpoint, credential });
    cleanup(() => publisher.close());
    return {
      publisher,
      async readBack(atLeast) {
        const consumer = new EventHubConsumerClient(
          '$Default',
          connection.endpoint,
          azure.entity,
          credential ?? new DefaultAzureCredential(),
        );
        try {
          return await readWithConsumer(consumer, atLeast);
        } finally {
          await consumer.close();
        }
      },
    };
  },
});
