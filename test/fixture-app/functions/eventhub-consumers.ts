// Event Hubs trigger functions: batch and single dispatch in their own consumer groups, one that
// throws, one with a retry policy, two competing in one consumer group, and a relay through the
// Event Hubs output binding. Each records what it saw in the probe table.
import { app, output, type InvocationContext } from '@azure/functions';
import { count, record } from '../probe';

app.eventHub('ehBatch', {
  eventHubName: 'fx-stream',
  connection: 'EventHubConnection',
  consumerGroup: 'batch',
  cardinality: 'many',
  handler: (events: unknown[], context: InvocationContext) => {
    record('eh:batch', { events, metadata: context.triggerMetadata });
  },
});

app.eventHub('ehSingle', {
  eventHubName: 'fx-stream',
  connection: 'EventHubConnection',
  consumerGroup: 'single',
  cardinality: 'one',
  handler: (event: unknown, context: InvocationContext) => {
    record('eh:single', { event, metadata: context.triggerMetadata });
  },
});

app.eventHub('ehFlaky', {
  eventHubName: 'fx-flaky',
  connection: 'EventHubConnection',
  cardinality: 'one',
  handler: (event: { n: number; fail?: boolean }) => {
    count('eh:flaky');
    record('eh:flaky', event.n);
    if (event.fail) throw new Error(`event ${event.n} fails`);
  },
});

app.eventHub('ehRetried', {
  eventHubName: 'fx-retried',
  connection: 'EventHubConnection',
  cardinality: 'many',
  retry: { strategy: 'fixedDelay', maxRetryCount: 2, delayInterval: 0 },
  handler: (events: unknown[], context: InvocationContext) => {
    record('eh:retried', { events, retryCount: context.retryContext?.retryCount });
    throw new Error('always fails');
  },
});

for (const name of ['ehCompeteA', 'ehCompeteB']) {
  app.eventHub(name, {
    eventHubName: 'fx-shared',
    connection: 'EventHubConnection',
    cardinality: 'many',
    handler: (events: unknown[], context: InvocationContext) => {
      const partitionId = (context.triggerMetadata?.partitionContext as { partitionId: string }).partitionId;
      record('eh:compete', { fn: name, partitionId, events });
    },
  });
}

app.eventHub('ehRelay', {
  eventHubName: 'fx-relay-in',
  connection: 'EventHubConnection',
  cardinality: 'many',
  return: output.eventHub({ eventHubName: 'fx-relay-out', connection: 'EventHubConnection' }),
  handler: (events: { n: number }[]) => events.map((e) => ({ relayed: e.n })),
});

app.eventHub('ehRelayed', {
  eventHubName: 'fx-relay-out',
  connection: 'EventHubConnection',
  cardinality: 'many',
  handler: (events: unknown[]) => {
    for (const e of events) record('eh:relayed', e);
  },
});

// Logs a line per event it is handed (a warning for one marked so): what the host makes of a
// consumer's lines at info.
app.eventHub('ehLogged', {
  eventHubName: 'fx-logged',
  connection: 'EventHubConnection',
  cardinality: 'many',
  handler: (events: { n: number; warn?: boolean }[], context: InvocationContext) => {
    for (const e of events) {
      if (e.warn) context.warn(`event ${e.n} looks wrong`);
      else context.log(`handled event ${e.n}`);
    }
    record('eh:logged', events.length);
  },
});
