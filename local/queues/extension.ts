// Service Bus triggers and output bindings over the embedded queue store, with the semantics of the
// Functions Service Bus extension (v5):
// - peek-lock receive; complete after the function returns (autoCompleteMessages), abandon when it
//   throws, so a failing message comes back with deliveryCount + 1 and is dead-lettered after the
//   queue's maxDeliveryCount;
// - up to `maxConcurrentCalls` messages in flight per function (cardinality one), one batch of up to
//   `maxMessageBatchSize` at a time (cardinality many);
// - the lock is renewed while the function runs for up to `maxAutoLockRenewalDuration` (default
//   five minutes); with "00:00:00" a slow function loses its lock after the lock duration and the
//   message is delivered again while the first run goes on, as in Azure;
// - receivers wake on new messages, and on the host clock for scheduled messages and lock expiry.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { parseIsoDuration } from '../host/clock';
import { readExtensionSettings } from '../host/extension-settings';
import { receiveBackoffMs } from '../host/retry-policy';
import { publishService, withdrawService } from '../host/services';
import type { ExtensionFactory, HostContext, RegisteredFunction } from '../host/types';
import { createQueueStore, NEVER_EXPIRES, subscriptionPath } from './queue-store';
import { MessageLockLostError, type OutgoingMessage, type QueueOptions, type ReceivedMessage } from './types';

/** A .NET TimeSpan as host.json writes it: `hh:mm:ss`, `d.hh:mm:ss`, with optional fractional seconds. */
export function parseTimeSpan(text: string): number {
  const m = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2}(?:\.\d+)?)$/.exec(text.trim());
  if (!m) throw new RangeError(`Not a TimeSpan (hh:mm:ss): ${text}`);
  const [d, h, min, s] = [m[1] ?? '0', m[2], m[3], m[4]].map(Number);
  return Math.round((((d * 24 + h) * 60 + min) * 60 + s) * 1000);
}

/** host.json `extensions.serviceBus` (v5 extension names). */
const hostJsonSchema = z
  .object({
    // Azure's default is 16 per CPU core; a fixed 16 keeps local runs predictable.
    maxConcurrentCalls: z.number().int().positive().default(16),
    autoCompleteMessages: z.boolean().default(true),
    maxAutoLockRenewalDuration: z.string().default('00:05:00'),
    maxMessageBatchSize: z.number().int().positive().default(1000),
  })
  .passthrough();

const entitySchema = z.object({
  /** ISO 8601 durations, as in Bicep: `PT1M`. */
  lockDuration: z.string().optional(),
  maxDeliveryCount: z.number().int().positive().optional(),
  requiresDuplicateDetection: z.boolean().optional(),
  duplicateDetectionHistoryTimeWindow: z.string().optional(),
});

/** App setting `LOCAL_SERVICE_BUS` (JSON): defaults and per-entity options of the local queues. */
const localSettingSchema = entitySchema.extend({ entities: z.record(entitySchema).default({}) });

function toQueueOptions(e: z.infer<typeof entitySchema>): QueueOptions {
  return {
    ...(e.lockDuration !== undefined ? { lockDurationMs: parseIsoDuration(e.lockDuration) } : {}),
    ...(e.maxDeliveryCount !== undefined ? { maxDeliveryCount: e.maxDeliveryCount } : {}),
    ...(e.requiresDuplicateDetection !== undefined
      ? { requiresDuplicateDetection: e.requiresDuplicateDetection }
      : {}),
    ...(e.duplicateDetectionHistoryTimeWindow !== undefined
      ? { duplicateDetectionHistoryTimeWindowMs: parseIsoDuration(e.duplicateDetectionHistoryTimeWindow) }
      : {}),
  };
}

export function readServiceBusConfig(host: Pick<HostContext, 'hostJson' | 'settings'>) {
  const { hostJson, local } = readExtensionSettings(host, {
    section: 'serviceBus',
    hostJson: hostJsonSchema,
    appSetting: 'LOCAL_SERVICE_BUS',
    local: localSettingSchema,
  });
  return {
    maxConcurrentCalls: hostJson.maxConcurrentCalls,
    autoCompleteMessages: hostJson.autoCompleteMessages,
    autoRenewMs: parseTimeSpan(hostJson.maxAutoLockRenewalDuration),
    maxMessageBatchSize: hostJson.maxMessageBatchSize,
    store: {
      defaults: toQueueOptions(local),
      entities: Object.fromEntries(Object.entries(local.entities).map(([n, e]) => [n, toQueueOptions(e)])),
    },
  };
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Binding data of one message, as the Service Bus extension sends it (PascalCase). */
function messageData(m: ReceivedMessage): Record<string, unknown> {
  // Service Bus keeps a dead letter's reason and description as application properties.
  const applicationProperties = {
    ...m.applicationProperties,
    ...(m.deadLetterReason !== undefined ? { DeadLetterReason: m.deadLetterReason } : {}),
    ...(m.deadLetterErrorDescription !== undefined
      ? { DeadLetterErrorDescription: m.deadLetterErrorDescription }
      : {}),
  };
  return {
    MessageId: m.messageId,
    DeliveryCount: m.deliveryCount,
    SequenceNumber: m.sequenceNumber,
    LockToken: m.lockToken,
    EnqueuedTimeUtc: iso(m.enqueuedTimeUtc),
    EnqueuedTime: iso(m.enqueuedTimeUtc),
    ExpiresAtUtc: iso(m.expiresAtUtc),
    ExpiresAt: iso(m.expiresAtUtc),
    ContentType: m.contentType ?? null,
    CorrelationId: m.correlationId ?? null,
    Subject: m.subject ?? null,
    // Older names the extension still sends, for compatibility.
    Label: m.subject ?? null,
    ApplicationProperties: applicationProperties,
    UserProperties: applicationProperties,
  };
}

export function serviceBusTriggerMetadata(
  messages: ReceivedMessage[],
  many: boolean,
): Record<string, unknown> {
  if (!many)
    return Object.fromEntries(Object.entries(messageData(messages[0])).filter(([, v]) => v !== null));
  const rows = messages.map(messageData);
  return Object.fromEntries(Object.keys(rows[0]).map((key) => [`${key}Array`, rows.map((r) => r[key])]));
}

/** Messages from an output binding's value: an array sends one message per item. */
function toMessages(value: unknown): OutgoingMessage[] {
  const items = Array.isArray(value) ? value : [value];
  return items.filter((v) => v !== undefined && v !== null).map((body) => ({ body }));
}

interface Receiver {
  fn: RegisteredFunction;
  entity: string;
  many: boolean;
  inFlight: number;
  tasks: Set<Promise<void>>;
  scheduled: boolean;
  cancelTimer?: () => void;
  /** Receives that failed in a row (the queue busy or out): the next try waits longer. */
  failures: number;
  retryTimer?: NodeJS.Timeout;
}

export const createServiceBusExtension: ExtensionFactory = (host) => {
  const config = readServiceBusConfig(host);
  const store = createQueueStore(host.db, host.clock, config.store);
  publishService('serviceBus', store);
  const receivers: Receiver[] = [];
  const unsubscribe: (() => void)[] = [];
  let stopping = false;

  function schedule(receiver: Receiver): void {
    if (stopping || receiver.scheduled) return;
    receiver.scheduled = true;
    setImmediate(() => {
      receiver.scheduled = false;
      pump(receiver);
    });
  }

  function pump(receiver: Receiver): void {
    if (stopping) return;
    const limit = receiver.many ? 1 : config.maxConcurrentCalls;
    try {
      while (receiver.inFlight < limit) {
        // One receive fills every free slot (one transaction, as the SDK's prefetch would).
        const received = store.receive(
          receiver.entity,
          receiver.many ? config.maxMessageBatchSize : limit - receiver.inFlight,
        );
        if (received.length === 0) break;
        for (const messages of receiver.many ? [received] : received.map((m) => [m])) {
          receiver.inFlight++;
          const task: Promise<void> = dispatch(receiver, messages).finally(() => {
            receiver.inFlight--;
            receiver.tasks.delete(task);
            schedule(receiver);
          });
          receiver.tasks.add(task);
        }
      }
      // Wake when the next scheduled message is due or a lock runs out.
      receiver.cancelTimer?.();
      receiver.cancelTimer = undefined;
      const next = store.nextVisibleAt(receiver.entity);
      if (next !== undefined) receiver.cancelTimer = host.clock.at(next, () => schedule(receiver));
      receiver.failures = 0;
    } catch (err) {
      // A queue that is busy or out (LOCAL_FAULTS) is received from again after a pause that
      // doubles each time, as the SDK's receiver does: neither a hot loop nor messages left waiting.
      const waitMs = receiveBackoffMs(++receiver.failures);
      host.log.warn(
        `Service Bus trigger "${receiver.fn.name}" could not receive from "${receiver.entity}"; ` +
          `trying again in ${waitMs} ms: ${(err as Error).message}`,
      );
      clearTimeout(receiver.retryTimer);
      receiver.retryTimer = setTimeout(() => {
        receiver.retryTimer = undefined;
        schedule(receiver);
      }, waitMs);
    }
  }

  function settle(receiver: Receiver, messages: ReceivedMessage[], how: 'complete' | 'abandon'): void {
    for (const m of messages) {
      try {
        store[how](receiver.entity, m.lockToken);
      } catch (err) {
        if (err instanceof MessageLockLostError) {
          host.log.warn(
            `Service Bus function "${receiver.fn.name}": could not ${how} message ${m.messageId}: its lock expired ` +
              `(it may be delivered again).`,
          );
        } else {
          host.log.error(
            `Service Bus function "${receiver.fn.name}": could not ${how} message ${m.messageId}`,
            err,
          );
        }
      }
    }
  }

  /**
   * Renews the messages' locks while their function runs, as the SDK's receiver does: each time half
   * of the lock has passed, for up to `maxAutoLockRenewalDuration` from the receive. A host that dies
   * renews nothing, so its messages come back one lock duration later, as in Azure. Returns the stop.
   */
  function keepLocked(entity: string, messages: ReceivedMessage[]): () => void {
    const renewUntil = host.clock.now() + config.autoRenewMs;
    let cancel: (() => void) | undefined;
    const plan = (from: number, lockedUntil: number): void => {
      const at = from + (lockedUntil - from) / 2;
      if (at >= renewUntil) return;
      cancel = host.clock.at(at, () => {
        const now = host.clock.now();
        let next = Infinity;
        try {
          for (const m of messages) next = Math.min(next, store.renewLock(entity, m.lockToken));
        } catch {
          return; // a lock already lost (or the queue out): settling says so
        }
        plan(now, next);
      });
    };
    plan(host.clock.now(), Math.min(...messages.map((m) => m.lockedUntilUtc)));
    return () => cancel?.();
  }

  async function dispatch(receiver: Receiver, messages: ReceivedMessage[]): Promise<void> {
    const stopRenewing = keepLocked(receiver.entity, messages);
    try {
      await host.worker.invoke(receiver.fn.name, {
        trigger: receiver.many ? messages.map((m) => m.body) : messages[0].body,
        triggerMetadata: serviceBusTriggerMetadata(messages, receiver.many),
      });
    } catch (err) {
      host.log.error(`Service Bus function "${receiver.fn.name}" failed; abandoning its message(s)`, err);
      settle(receiver, messages, 'abandon');
      return;
    } finally {
      stopRenewing();
    }
    // With autoCompleteMessages off the function settles by itself; unsettled messages come back
    // when their lock expires.
    if (config.autoCompleteMessages) settle(receiver, messages, 'complete');
  }

  function outputEntity(binding: Record<string, unknown>): string {
    if (typeof binding.topicName === 'string' && binding.topicName) {
      const info = store.entity(binding.topicName);
      if (info.kind !== 'topic') store.declareTopic(binding.topicName);
      return binding.topicName;
    }
    if (typeof binding.queueName === 'string' && binding.queueName) return binding.queueName;
    throw new Error('The Service Bus output binding needs a queueName or a topicName.');
  }

  return {
    name: 'serviceBus',
    triggerTypes: ['serviceBusTrigger'],
    outputTypes: ['serviceBus'],
    addFunction(fn) {
      const b = fn.trigger.binding;
      let entity: string;
      if (typeof b.topicName === 'string' && b.topicName && typeof b.subscriptionName === 'string') {
        entity = subscriptionPath(b.topicName, b.subscriptionName);
        store.declareSubscription(b.topicName, b.subscriptionName);
      } else if (typeof b.queueName === 'string' && b.queueName) {
        entity = store.entity(b.queueName).name;
      } else {
        throw new Error(
          `Function "${fn.name}": the Service Bus trigger needs a queueName, or a topicName and subscriptionName.`,
        );
      }
      if (b.isSessionsEnabled === true && host.mainThread) {
        host.log.warn(
          `Function "${fn.name}": sessions are not emulated; messages are received without session locks.`,
        );
      }
      receivers.push({
        fn,
        entity,
        many: String(b.cardinality ?? 'one').toLowerCase() === 'many',
        inFlight: 0,
        tasks: new Set(),
        scheduled: false,
        failures: 0,
      });
    },
    // An admin run (`POST /admin/functions/{name}`): the given message(s), with the metadata of a
    // first delivery, outside the queue (nothing to lock or settle).
    async runNow(fn, trigger) {
      const receiver = receivers.find((x) => x.fn === fn);
      if (!receiver) throw new Error(`"${fn.name}" is not a Service Bus function.`);
      const now = host.clock.now();
      const bodies = receiver.many ? (trigger as unknown[]) : [trigger];
      const messages = bodies.map((body, i) => ({
        ...{
          entity: receiver.entity,
          sequenceNumber: i,
          messageId: randomUUID(),
          body,
          applicationProperties: {},
        },
        ...{ enqueuedTimeUtc: now, deliveryCount: 1, expiresAtUtc: NEVER_EXPIRES, state: 'active' as const },
        ...{ lockToken: randomUUID(), lockedUntilUtc: now },
      }));
      await host.worker.invoke(fn.name, {
        trigger,
        triggerMetadata: serviceBusTriggerMetadata(messages, receiver.many),
      });
    },
    describe(fn) {
      const receiver = receivers.find((x) => x.fn === fn);
      return receiver ? `${receiver.entity}${receiver.many ? ', cardinality many' : ''}` : '';
    },
    async output(_fn, _name, binding, value) {
      const messages = toMessages(value);
      if (messages.length > 0) store.send(outputEntity(binding), messages);
    },
    start() {
      for (const receiver of receivers) {
        if (!host.runsHere(receiver.fn)) continue;
        unsubscribe.push(store.subscribe(receiver.entity, () => schedule(receiver)));
        schedule(receiver);
      }
    },
    async stop() {
      stopping = true;
      for (const u of unsubscribe.splice(0)) u();
      for (const receiver of receivers) {
        receiver.cancelTimer?.();
        clearTimeout(receiver.retryTimer);
      }
      // Messages in hand are settled as their functions finish; none are taken after this.
      await Promise.all(receivers.flatMap((receiver) => [...receiver.tasks]));
      store.close();
      withdrawService('serviceBus', store);
    },
  };
};
