// The app's message-sender and dead-letter ports over the local host's queue store (the Service Bus
// stand-in). The store is synchronous; the ports are async like the Service Bus SDK, and retry as it
// does when the store is busy or out (./messaging-retry.ts).
import type { DeadLetter, DeadLetterReceiver, MessageSender } from '../../shared/app/ports';
import { deadLetterQueueOf as deadLetterQueue } from '../queues/entities';
import type { QueueStore } from '../queues/types';
import { getService } from '../host/services';
import { withMessagingRetry } from './messaging-retry';

const store = (): QueueStore => getService<QueueStore>('serviceBus');

export const embeddedMessageSender: MessageSender = {
  async send(queue, messages) {
    if (messages.length === 0) return;
    const queues = store();
    // The port's messages are the store's with fewer fields.
    await withMessagingRetry(queues.faults, 'serviceBus', () => queues.send(queue, messages));
  },
};

export const embeddedDeadLetterReceiver: DeadLetterReceiver = {
  async receive(queue, maxCount) {
    const queues = store();
    const received = await withMessagingRetry(queues.faults, 'serviceBus', () =>
      queues.receive(deadLetterQueue(queue), maxCount),
    );
    return received.map((m): DeadLetter => ({
      queue,
      messageId: m.messageId,
      body: m.body,
      ...(m.contentType !== undefined ? { contentType: m.contentType } : {}),
      ...(m.deadLetterReason !== undefined ? { reason: m.deadLetterReason } : {}),
      ...(m.deadLetterErrorDescription !== undefined ? { description: m.deadLetterErrorDescription } : {}),
      deliveryCount: m.deliveryCount,
      enqueuedAt: m.enqueuedTimeUtc,
      lockToken: m.lockToken,
    }));
  },
  async complete(letter) {
    store().complete(deadLetterQueue(letter.queue), letter.lockToken);
  },
  async release(letter) {
    store().abandon(deadLetterQueue(letter.queue), letter.lockToken);
  },
};
