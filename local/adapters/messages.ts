// The app's message-sender and dead-letter ports over the local host's queue store (the Service Bus
// stand-in). The store is synchronous; the ports are async like the Service Bus SDK.
import type { DeadLetter, DeadLetterReceiver, MessageSender, PeekedDeadLetter } from '../../shared/app/ports';
import { deadLetterQueueOf as deadLetterQueue } from '../queues/entities';
import type { PeekedMessage, QueueStore } from '../queues/types';
import { getService } from '../host/services';

const store = (): QueueStore => getService<QueueStore>('serviceBus');

export const embeddedMessageSender: MessageSender = {
  async send(queue, messages) {
    if (messages.length === 0) return;
    // The port's messages are the store's with fewer fields.
    store().send(queue, messages);
  },
};

function letterOf(queue: string, m: PeekedMessage): PeekedDeadLetter {
  return {
    queue,
    messageId: m.messageId,
    body: m.body,
    ...(m.contentType !== undefined ? { contentType: m.contentType } : {}),
    ...(m.deadLetterReason !== undefined ? { reason: m.deadLetterReason } : {}),
    ...(m.deadLetterErrorDescription !== undefined ? { description: m.deadLetterErrorDescription } : {}),
    deliveryCount: m.deliveryCount,
    enqueuedAt: m.enqueuedTimeUtc,
    sequenceNumber: m.sequenceNumber,
  };
}

export const embeddedDeadLetterReceiver: DeadLetterReceiver = {
  async peek(queue, maxCount, fromSequenceNumber) {
    return store()
      .peek(deadLetterQueue(queue), maxCount, fromSequenceNumber)
      .map((m) => letterOf(queue, m));
  },
  async receive(queue, maxCount) {
    return store()
      .receive(deadLetterQueue(queue), maxCount)
      .map((m): DeadLetter => {
        const { sequenceNumber: _, ...letter } = letterOf(queue, m);
        return { ...letter, lockToken: m.lockToken };
      });
  },
  async complete(letter) {
    store().complete(deadLetterQueue(letter.queue), letter.lockToken);
  },
  async release(letter) {
    store().abandon(deadLetterQueue(letter.queue), letter.lockToken);
  },
};
