// Service Bus trigger functions: one that succeeds, one that always throws (and a reader of its
// dead-letter queue), one slow enough to lose its lock, one for scheduled messages, a forwarder
// through the queue and topic output bindings, and two topic subscriptions.
import { app, output, type InvocationContext } from '@azure/functions';
import type { Database } from 'better-sqlite3';
import { getService } from '../../../local/host/services';
import { count, readProbe, record } from '../probe';

app.serviceBusQueue('sbNotices', {
  queueName: 'fx-notices',
  connection: 'ServiceBusConnection',
  handler: (message: unknown, context: InvocationContext) => {
    record('sb:notices', { message, metadata: context.triggerMetadata });
  },
});

app.serviceBusQueue('sbPoison', {
  queueName: 'fx-poison',
  connection: 'ServiceBusConnection',
  handler: (_message: unknown, context: InvocationContext) => {
    count('sb:poison');
    record('sb:poison', context.triggerMetadata?.deliveryCount);
    throw new Error('cannot handle this message');
  },
});

app.serviceBusQueue('sbPoisonDeadLetters', {
  queueName: 'fx-poison/$DeadLetterQueue',
  connection: 'ServiceBusConnection',
  handler: (message: unknown, context: InvocationContext) => {
    record('sb:poison:dlq', { message, metadata: context.triggerMetadata });
  },
});

// Holds its first delivery until the test records `sb:slow:release`, so the lock can run out meanwhile.
app.serviceBusQueue('sbSlow', {
  queueName: 'fx-slow',
  connection: 'ServiceBusConnection',
  handler: async (message: unknown, context: InvocationContext) => {
    const deliveryCount = context.triggerMetadata?.deliveryCount as number;
    record('sb:slow', { message, deliveryCount });
    if (deliveryCount > 1) return;
    const db = getService<Database>('db');
    const deadline = Date.now() + 30_000;
    while (readProbe(db, 'sb:slow:release').length === 0 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 20));
    }
    record('sb:slow:done', { deliveryCount });
  },
});

app.serviceBusQueue('sbScheduled', {
  queueName: 'fx-scheduled',
  connection: 'ServiceBusConnection',
  handler: (message: unknown, context: InvocationContext) => {
    record('sb:scheduled', { message, enqueuedTimeUtc: context.triggerMetadata?.enqueuedTimeUtc });
  },
});

const topicOut = output.serviceBusTopic({ topicName: 'fx-topic', connection: 'ServiceBusConnection' });
app.serviceBusQueue('sbForward', {
  queueName: 'fx-forward-in',
  connection: 'ServiceBusConnection',
  return: output.serviceBusQueue({ queueName: 'fx-forward-out', connection: 'ServiceBusConnection' }),
  extraOutputs: [topicOut],
  handler: (message: { n: number }, context: InvocationContext) => {
    context.extraOutputs.set(topicOut, { announced: message.n });
    return [{ forwarded: message.n }, { forwarded: message.n + 1 }];
  },
});

app.serviceBusQueue('sbForwarded', {
  queueName: 'fx-forward-out',
  connection: 'ServiceBusConnection',
  handler: (message: unknown) => {
    record('sb:forwarded', message);
  },
});

for (const subscriptionName of ['mail', 'audit']) {
  app.serviceBusTopic(`sbTopic_${subscriptionName}`, {
    topicName: 'fx-topic',
    subscriptionName,
    connection: 'ServiceBusConnection',
    handler: (message: unknown) => {
      record(`sb:topic:${subscriptionName}`, message);
    },
  });
}
