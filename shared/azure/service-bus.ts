// The message-sender and dead-letter ports on Azure Service Bus through one ServiceBusClient: a
// sender per queue (one batch per call, so all messages are accepted or the call throws; a scheduled
// message carries its time as `scheduledEnqueueTimeUtc`) and a peek-lock receiver per queue's
// dead-letter sub-queue.
import Long from 'long';
import {
  ServiceBusClient,
  type ServiceBusMessage,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
  type ServiceBusSender,
} from '@azure/service-bus';
import type { TokenCredential } from '@azure/identity';
import type { DeadLetter, DeadLetterReceiver, MessageSender } from '../app/ports';

export type ServiceBusTarget =
  { fullyQualifiedNamespace: string; credential: TokenCredential } | { connectionString: string };

export interface ServiceBusAdapters {
  sender: MessageSender;
  deadLetters: DeadLetterReceiver;
  close(): Promise<void>;
}

export interface ServiceBusOptions {
  /** How long `receive` waits for the first dead letter before answering []. Default 2 s. */
  deadLetterWaitMs?: number;
}

export function serviceBusAdapters(
  target: ServiceBusTarget,
  options: ServiceBusOptions = {},
): ServiceBusAdapters {
  const client =
    'connectionString' in target
      ? new ServiceBusClient(target.connectionString)
      : new ServiceBusClient(target.fullyQualifiedNamespace, target.credential);
  const senders = new Map<string, ServiceBusSender>();
  const receivers = new Map<string, ServiceBusReceiver>();
  // Settling needs the received message object; the port hands out its lock token.
  const locked = new Map<string, { receiver: ServiceBusReceiver; message: ServiceBusReceivedMessage }>();

  const sender = (queue: string): ServiceBusSender => {
    let s = senders.get(queue);
    if (!s) senders.set(queue, (s = client.createSender(queue)));
    return s;
  };
  const receiver = (queue: string): ServiceBusReceiver => {
    let r = receivers.get(queue);
    if (!r)
      receivers.set(
        queue,
        (r = client.createReceiver(queue, { subQueueType: 'deadLetter', receiveMode: 'peekLock' })),
      );
    return r;
  };
  const settle = async (letter: DeadLetter, how: 'complete' | 'abandon'): Promise<void> => {
    const held = locked.get(letter.lockToken);
    if (!held) throw new Error(`No dead letter of ${letter.queue} is locked with token ${letter.lockToken}.`);
    locked.delete(letter.lockToken);
    if (how === 'complete') await held.receiver.completeMessage(held.message);
    else await held.receiver.abandonMessage(held.message);
  };

  return {
    sender: {
      async send(queue, messages) {
        if (messages.length === 0) return;
        const s = sender(queue);
        const batch = await s.createMessageBatch();
        for (const m of messages) {
          const message: ServiceBusMessage = {
            messageId: m.messageId,
            body: m.body,
            ...(m.contentType !== undefined ? { contentType: m.contentType } : {}),
            ...(m.scheduledEnqueueTimeUtc !== undefined
              ? { scheduledEnqueueTimeUtc: m.scheduledEnqueueTimeUtc }
              : {}),
          };
          if (!batch.tryAddMessage(message))
            throw new Error(`The messages for ${queue} do not fit in one batch; send fewer at a time.`);
        }
        await s.sendMessages(batch);
      },
    },
    deadLetters: {
      async peek(queue, maxCount, fromSequenceNumber) {
        const messages = await receiver(queue).peekMessages(maxCount, {
          fromSequenceNumber: Long.fromNumber(fromSequenceNumber),
        });
        return messages.map((message) => ({
          ...letterOf(queue, message),
          sequenceNumber: message.sequenceNumber?.toNumber() ?? 0,
        }));
      },
      async receive(queue, maxCount) {
        const r = receiver(queue);
        const messages = await r.receiveMessages(maxCount, {
          maxWaitTimeInMs: options.deadLetterWaitMs ?? 2000,
        });
        return messages.map((message): DeadLetter => {
          const lockToken = message.lockToken ?? '';
          locked.set(lockToken, { receiver: r, message });
          return { ...letterOf(queue, message), lockToken };
        });
      },
      complete: (letter) => settle(letter, 'complete'),
      release: (letter) => settle(letter, 'abandon'),
    },
    async close() {
      const links = [...senders.values(), ...receivers.values()];
      senders.clear();
      receivers.clear();
      locked.clear();
      await Promise.all(links.map((l) => l.close()));
      await client.close();
    },
  };
}

function letterOf(queue: string, message: ServiceBusReceivedMessage): Omit<DeadLetter, 'lockToken'> {
  return {
    queue,
    messageId: String(message.messageId ?? ''),
    body: message.body as unknown,
    ...(message.contentType !== undefined ? { contentType: message.contentType } : {}),
    ...(message.deadLetterReason !== undefined ? { reason: message.deadLetterReason } : {}),
    ...(message.deadLetterErrorDescription !== undefined
      ? { description: message.deadLetterErrorDescription }
      : {}),
    deliveryCount: message.deliveryCount ?? 0,
    enqueuedAt: message.enqueuedTimeUtc?.getTime() ?? 0,
  };
}
