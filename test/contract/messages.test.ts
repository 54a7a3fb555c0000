// The message-sender and dead-letter ports' contract on the local queue store, on the Service Bus
// adapter against the test broker (probed through the SDK's peek-lock receiver), and against Azure
// when its settings are given.
import { expect, it } from 'vitest';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { HostClock } from '../../local/host/clock';
import { closeDatabase, openDatabase } from '../../local/host/db';
import { publishService, withdrawService } from '../../local/host/services';
import { createQueueStore } from '../../local/queues/queue-store';
import type { ReceivedMessage } from '../../local/queues/types';
import { embeddedDeadLetterReceiver, embeddedMessageSender } from '../../local/adapters/messages';
import { serviceBusAdapters } from '../../shared/azure/service-bus';
import { credentialFor } from '../../shared/azure/credentials';
import { TestBroker } from '../amqp-broker/broker';
import { messagesContract, type QueueProbe, type ReadMessage } from './messages-contract';
import { azureTarget, cleanups } from './legs';

const cleanup = cleanups();

const QUEUE = 'contract-notices';
const MAX_DELIVERIES = 3;
const wait = (seconds: number) => new Promise<void>((r) => setTimeout(r, seconds * 1000));

messagesContract({
  name: 'the embedded adapters (local queue store, SQLite)',
  queue: QUEUE,
  maxDeliveryCount: MAX_DELIVERIES,
  async start() {
    const db = openDatabase(':memory:');
    const clock = new HostClock(true);
    const store = createQueueStore(db, clock, {
      entities: { [QUEUE]: { maxDeliveryCount: MAX_DELIVERIES, requiresDuplicateDetection: false } },
    });
    publishService('serviceBus', store);
    cleanup(() => {
      withdrawService('serviceBus', store);
      store.close();
      clock.dispose();
      closeDatabase(db);
    });
    const toRead = (m: ReceivedMessage): ReadMessage => ({
      messageId: m.messageId,
      body: m.body,
      ...(m.contentType !== undefined ? { contentType: m.contentType } : {}),
      handle: m.lockToken,
    });
    const probe: QueueProbe = {
      receive: async (maxCount) => store.receive(QUEUE, maxCount).map(toRead),
      complete: async (m) => store.complete(QUEUE, m.handle as string),
      abandon: async (m) => store.abandon(QUEUE, m.handle as string),
      deadLetter: async (m, reason, description) =>
        store.deadLetter(QUEUE, m.handle as string, {
          deadLetterReason: reason,
          deadLetterErrorDescription: description,
        }),
    };
    return {
      sender: embeddedMessageSender,
      deadLetters: embeddedDeadLetterReceiver,
      probe,
      passTime: async (seconds) => clock.advance(seconds * 1000),
    };
  },
});

/** A peek-lock receiver through the SDK, as the Functions trigger would receive. */
function sdkProbe(client: ServiceBusClient, queue: string): QueueProbe {
  const receiver = client.createReceiver(queue, { receiveMode: 'peekLock' });
  cleanup(() => receiver.close());
  const toRead = (m: ServiceBusReceivedMessage): ReadMessage => ({
    messageId: String(m.messageId),
    body: m.body as unknown,
    ...(m.contentType !== undefined ? { contentType: m.contentType } : {}),
    handle: m,
  });
  return {
    receive: async (maxCount, waitMs) =>
      (await receiver.receiveMessages(maxCount, { maxWaitTimeInMs: waitMs })).map(toRead),
    complete: (m) => receiver.completeMessage(m.handle as ServiceBusReceivedMessage),
    abandon: (m) => receiver.abandonMessage(m.handle as ServiceBusReceivedMessage),
    deadLetter: (m, reason, description) =>
      receiver.deadLetterMessage(m.handle as ServiceBusReceivedMessage, {
        deadLetterReason: reason,
        deadLetterErrorDescription: description,
      }),
  };
}

let broker: TestBroker | undefined;

messagesContract({
  name: 'the Service Bus adapters (ServiceBusClient) on the test AMQP broker',
  queue: QUEUE,
  maxDeliveryCount: MAX_DELIVERIES,
  async start() {
    broker = await TestBroker.start({ queues: { [QUEUE]: { maxDeliveryCount: MAX_DELIVERIES } } });
    cleanup(() => broker!.close());
    const adapters = serviceBusAdapters(
      { connectionString: broker.connectionString() },
      { deadLetterWaitMs: 1000 },
    );
    cleanup(() => adapters.close());
    const client = new ServiceBusClient(broker.connectionString());
    cleanup(() => client.close());
    return {
      sender: adapters.sender,
      deadLetters: adapters.deadLetters,
      probe: sdkProbe(client, QUEUE),
      passTime: wait,
    };
  },
});

it('the broker renews a peek lock and settles through $management, as the SDK asks', async () => {
  if (!broker) return expect.unreachable('the broker leg did not start');
  const client = new ServiceBusClient(broker.connectionString());
  cleanup(() => client.close());
  const adapters = serviceBusAdapters({ connectionString: broker.connectionString() });
  cleanup(() => adapters.close());
  await adapters.sender.send(QUEUE, [{ messageId: 'renewed', body: { n: 1 } }]);
  const receiver = client.createReceiver(QUEUE, { receiveMode: 'peekLock' });
  const [m] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 3000 });
  const before = m.lockedUntilUtc!.getTime();
  const renewed = await receiver.renewMessageLock(m);
  expect(renewed.getTime()).toBeGreaterThanOrEqual(before);
  // With its link closed, the SDK settles the lock through the entity's $management link.
  await receiver.close();
  const settler = client.createReceiver(QUEUE, { receiveMode: 'peekLock' });
  cleanup(() => settler.close());
  await settler.completeMessage(m);
  expect(await settler.receiveMessages(1, { maxWaitTimeInMs: 500 })).toEqual([]);
  for (const op of ['put-token', 'batched-send', 'renew-lock', 'update-disposition', 'dead-letter'] as const)
    expect(broker.count(op), op).toBeGreaterThan(0);
});

const azure = azureTarget(
  'serviceBus',
  'ServiceBusConnection__fullyQualifiedNamespace',
  'CONTRACT_SERVICE_BUS_QUEUE',
);
messagesContract({
  name: 'the Service Bus adapters (ServiceBusClient) on Azure Service Bus',
  queue: azure.entity,
  maxDeliveryCount: Number(process.env.CONTRACT_SERVICE_BUS_MAX_DELIVERY_COUNT ?? 10),
  ...(azure.unavailable ? { unavailable: azure.unavailable } : {}),
  async start() {
    const { connection } = azure;
    const target = { fullyQualifiedNamespace: connection.endpoint, credential: credentialFor(connection) };
    const adapters = serviceBusAdapters(target);
    cleanup(() => adapters.close());
    const client = new ServiceBusClient(target.fullyQualifiedNamespace, target.credential);
    cleanup(() => client.close());
    return {
      sender: adapters.sender,
      deadLetters: adapters.deadLetters,
      probe: sdkProbe(client, azure.entity),
      passTime: wait,
    };
  },
});
