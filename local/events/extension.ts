// Event Hubs triggers and output bindings over the embedded event log, with the semantics of the
// Functions Event Hubs extension (v5):
// - one processor per (function, partition): events of a partition are delivered in order, one batch
//   in flight at a time; partitions run concurrently;
// - the checkpoint (per hub, consumer group and partition, as the extension's blob checkpoint store
//   keys it) advances after each batch whether the handler returned or threw: Event Hubs has no
//   poison-message handling, the function must catch and dead-letter itself;
// - two functions on the same hub and consumer group compete as two processors of one group do: the
//   partitions are split between them (Azure balances ownership the same way), so each sees part of
//   the stream; give each function its own consumer group to see every event;
// - a partition without a checkpoint starts per `initialOffsetOptions` (default: the start of the
//   retained stream);
// - `retry` policies on the function re-run a failed batch before the checkpoint, as the host does.
import { z } from 'zod';
import { formatIsoDuration, parseIsoDuration } from '../host/clock';
import { readExtensionSettings } from '../host/extension-settings';
import { receiveBackoffMs, RetryingInvoker } from '../host/retry-policy';
import { publishService, withdrawService } from '../host/services';
import type {
  ExtensionFactory,
  HostContext,
  InternalRequest,
  InternalResponse,
  RegisteredFunction,
} from '../host/types';
import { createEventLog } from './event-log';
import type { EventLog, HubOptions, NewEvent, StoredEvent } from './types';

const DEFAULT_CONSUMER_GROUP = '$Default';
// What the trigger reports as the namespace in its partition context.
const LOCAL_NAMESPACE = 'localhost';

/** host.json `extensions.eventHubs` (v5 extension names). */
const hostJsonSchema = z
  .object({
    maxEventBatchSize: z.number().int().positive().default(100),
    batchCheckpointFrequency: z.number().int().positive().default(1),
    initialOffsetOptions: z
      .object({
        type: z.enum(['fromStart', 'fromEnd', 'fromEnqueuedTime']).default('fromStart'),
        enqueuedTimeUtc: z.string().optional(),
      })
      .default({}),
  })
  .passthrough();

const hubSchema = z.object({
  partitionCount: z.number().int().positive().optional(),
  /** ISO 8601 duration, e.g. `P1D`. */
  retention: z.string().optional(),
});

/** App setting `LOCAL_EVENT_HUBS` (JSON): partition counts and retention of the local hubs. */
const localSettingSchema = hubSchema.extend({ hubs: z.record(hubSchema).default({}) });

export type EventHubsHostJson = z.infer<typeof hostJsonSchema>;

export function readEventHubsConfig(host: Pick<HostContext, 'hostJson' | 'settings'>): {
  hostJson: EventHubsHostJson;
  hubs: { defaultPartitionCount?: number; defaultRetentionMs?: number; hubs: Record<string, HubOptions> };
} {
  const { hostJson, local } = readExtensionSettings(host, {
    section: 'eventHubs',
    hostJson: hostJsonSchema,
    appSetting: 'LOCAL_EVENT_HUBS',
    local: localSettingSchema,
  });
  const toOptions = (h: z.infer<typeof hubSchema>): HubOptions => ({
    ...(h.partitionCount !== undefined ? { partitionCount: h.partitionCount } : {}),
    ...(h.retention !== undefined ? { retentionMs: parseIsoDuration(h.retention) } : {}),
  });
  const defaults = toOptions(local);
  return {
    hostJson,
    hubs: {
      defaultPartitionCount: defaults.partitionCount,
      defaultRetentionMs: defaults.retentionMs,
      hubs: Object.fromEntries(Object.entries(local.hubs).map(([name, h]) => [name, toOptions(h)])),
    },
  };
}

interface Consumer {
  fn: RegisteredFunction;
  hub: string;
  consumerGroup: string;
  many: boolean;
}

interface PartitionProcessor {
  consumer: Consumer;
  partitionId: string;
  /** Reads that failed in a row (the hub busy or out): the next try waits longer. */
  failures: number;
  retryTimer?: NodeJS.Timeout;
  /** Sequence number of the last event handed to the function (or the start position). */
  position: number;
  /** Offset of that event, for the checkpoint. */
  offset: number;
  uncheckpointed: number;
  busy: boolean;
  scheduled: boolean;
  running?: Promise<void>;
}

const iso = (ms: number): string => new Date(ms).toISOString();

/** Binding data the Event Hubs extension sends for one event (PascalCase, as the host sends it). */
function systemProperties(e: StoredEvent): Record<string, unknown> {
  return {
    'x-opt-sequence-number': e.sequenceNumber,
    'x-opt-offset': String(e.offset),
    'x-opt-enqueued-time': iso(e.enqueuedTimeUtc),
    ...(e.partitionKey !== undefined ? { 'x-opt-partition-key': e.partitionKey } : {}),
    ...(e.messageId !== undefined ? { 'message-id': e.messageId } : {}),
    SequenceNumber: e.sequenceNumber,
    Offset: e.offset,
    PartitionKey: e.partitionKey ?? null,
    EnqueuedTimeUtc: iso(e.enqueuedTimeUtc),
  };
}

export function triggerMetadata(
  consumer: Pick<Consumer, 'hub' | 'consumerGroup'>,
  partitionId: string,
  events: StoredEvent[],
  many: boolean,
): Record<string, unknown> {
  const partitionContext = {
    FullyQualifiedNamespace: LOCAL_NAMESPACE,
    EventHubName: consumer.hub,
    ConsumerGroup: consumer.consumerGroup,
    PartitionId: partitionId,
  };
  if (many) {
    // The extension sends offsets as strings in the arrays, and as numbers for a single event.
    return {
      PartitionContext: partitionContext,
      PartitionKeyArray: events.map((e) => e.partitionKey ?? null),
      OffsetArray: events.map((e) => String(e.offset)),
      SequenceNumberArray: events.map((e) => e.sequenceNumber),
      EnqueuedTimeUtcArray: events.map((e) => iso(e.enqueuedTimeUtc)),
      PropertiesArray: events.map((e) => e.properties),
      SystemPropertiesArray: events.map(systemProperties),
    };
  }
  const [e] = events;
  return {
    PartitionContext: partitionContext,
    ...(e.partitionKey !== undefined ? { PartitionKey: e.partitionKey } : {}),
    Offset: e.offset,
    SequenceNumber: e.sequenceNumber,
    EnqueuedTimeUtc: iso(e.enqueuedTimeUtc),
    Properties: e.properties,
    SystemProperties: systemProperties(e),
  };
}

/** Events from an output binding's value: an array sends one event per item. */
function toEvents(value: unknown): NewEvent[] {
  const items = Array.isArray(value) ? value : [value];
  return items.filter((v) => v !== undefined && v !== null).map((body) => ({ body }));
}

export const createEventHubsExtension: ExtensionFactory = (host) => {
  const config = readEventHubsConfig(host);
  const log: EventLog = createEventLog(host.db, host.clock, config.hubs);
  publishService('eventHubs', log);
  const { maxEventBatchSize, batchCheckpointFrequency, initialOffsetOptions } = config.hostJson;

  const consumers: Consumer[] = [];
  const processors: PartitionProcessor[] = [];
  const unsubscribe: (() => void)[] = [];
  const invoker = new RetryingInvoker(host);
  let stopping = false;

  function startPosition(hub: string, partitionId: string): number {
    switch (initialOffsetOptions.type) {
      case 'fromEnd':
        return log.partition(hub, partitionId).lastSequenceNumber;
      case 'fromEnqueuedTime': {
        const at = Date.parse(initialOffsetOptions.enqueuedTimeUtc ?? '');
        if (Number.isNaN(at))
          throw new Error('host.json initialOffsetOptions.enqueuedTimeUtc must be an ISO 8601 time.');
        return log.sequenceNumberBefore(hub, partitionId, at);
      }
      default:
        return -1;
    }
  }

  function schedule(p: PartitionProcessor): void {
    if (stopping || p.scheduled) return;
    p.scheduled = true;
    setImmediate(() => {
      p.scheduled = false;
      // A wake-up queued before the host began to stop must not read from a closing file.
      if (!p.busy && !stopping) p.running = run(p);
    });
  }

  async function invoke(
    fn: RegisteredFunction,
    trigger: unknown,
    metadata: Record<string, unknown>,
  ): Promise<void> {
    await invoker.invoke(
      fn.name,
      { trigger, triggerMetadata: metadata },
      fn.metadata.retryOptions,
      (more) =>
        `Event Hubs function "${fn.name}" failed${more ? '; retrying' : '; the checkpoint moves on past its events'}`,
    );
  }

  async function run(p: PartitionProcessor): Promise<void> {
    const { consumer } = p;
    p.busy = true;
    let more = false;
    try {
      const events = log.read(consumer.hub, p.partitionId, p.position, maxEventBatchSize);
      if (events.length === 0) return;
      if (consumer.many) {
        await invoke(
          consumer.fn,
          events.map((e) => e.body),
          triggerMetadata(consumer, p.partitionId, events, true),
        );
      } else {
        // Single dispatch: the events of the batch one after another, in order.
        for (const e of events) {
          if (stopping) break;
          await invoke(consumer.fn, e.body, triggerMetadata(consumer, p.partitionId, [e], false));
        }
      }
      // A stopping host does not checkpoint the batch in hand (the extension cancels and skips the
      // checkpoint so nothing is lost): it is delivered again on the next start.
      if (stopping) return;
      const last = events[events.length - 1];
      p.position = last.sequenceNumber;
      p.offset = last.offset;
      if (++p.uncheckpointed >= batchCheckpointFrequency) checkpoint(p);
      more = true;
      p.failures = 0;
    } catch (err) {
      // A hub that is busy or out (LOCAL_FAULTS) is read again after a pause that doubles each time,
      // as the SDK's processor does: neither a hot loop nor a partition left behind.
      const waitMs = receiveBackoffMs(++p.failures);
      host.log.warn(
        `Event Hubs trigger "${consumer.fn.name}" (partition ${p.partitionId}) could not read; ` +
          `trying again in ${waitMs} ms: ${(err as Error).message}`,
      );
      p.retryTimer = setTimeout(() => {
        p.retryTimer = undefined;
        schedule(p);
      }, waitMs);
    } finally {
      p.busy = false;
      if (more) schedule(p);
    }
  }

  function checkpoint(p: PartitionProcessor): void {
    log.setCheckpoint(p.consumer.hub, p.consumer.consumerGroup, p.partitionId, {
      sequenceNumber: p.position,
      offset: p.offset,
    });
    p.uncheckpointed = 0;
  }

  return {
    name: 'eventHubs',
    triggerTypes: ['eventHubTrigger'],
    outputTypes: ['eventHub'],
    addFunction(fn) {
      const b = fn.trigger.binding;
      const hub = String(b.eventHubName ?? b.path ?? '');
      if (!hub) throw new Error(`Function "${fn.name}": the Event Hubs trigger needs an eventHubName.`);
      consumers.push({
        fn,
        hub,
        consumerGroup:
          typeof b.consumerGroup === 'string' && b.consumerGroup ? b.consumerGroup : DEFAULT_CONSUMER_GROUP,
        // Omitted means one event per invocation (the Node programming model's documented default).
        many: String(b.cardinality ?? 'one').toLowerCase() === 'many',
      });
    },
    // An admin run (`POST /admin/functions/{name}`): the given event(s), with the metadata of a
    // delivery, outside the log (no position moves, nothing is checkpointed).
    async runNow(fn, trigger) {
      const c = consumers.find((x) => x.fn === fn);
      if (!c) throw new Error(`"${fn.name}" is not an Event Hubs function.`);
      const now = host.clock.now();
      const bodies = c.many ? (trigger as unknown[]) : [trigger];
      const events = bodies.map((body, i) => ({
        ...{ hub: c.hub, partitionId: '0', sequenceNumber: i, offset: i, enqueuedTimeUtc: now },
        ...{ body, properties: {} },
      }));
      await host.worker.invoke(fn.name, {
        trigger,
        triggerMetadata: triggerMetadata(c, '0', events, c.many),
      });
    },
    describe(fn) {
      const c = consumers.find((x) => x.fn === fn);
      return c
        ? `hub ${c.hub}, consumer group ${c.consumerGroup}, cardinality ${c.many ? 'many' : 'one'}`
        : '';
    },
    async output(_fn, _name, binding, value) {
      const hub = String(binding.eventHubName ?? binding.path ?? '');
      if (!hub) throw new Error('The Event Hubs output binding needs an eventHubName.');
      const events = toEvents(value);
      if (events.length > 0) log.append(hub, events);
    },
    start() {
      if (host.dev && host.mainThread)
        host.routes.add('GET', 'admin/eventhubs/{hub}/events', (req) => listEvents(log, req));
      const groups = new Map<string, Consumer[]>();
      for (const c of consumers) {
        const key = `${c.hub}\u0000${c.consumerGroup}`;
        groups.set(key, [...(groups.get(key) ?? []), c]);
      }
      for (const members of groups.values()) {
        members.sort((a, b) => a.fn.name.localeCompare(b.fn.name));
        const { hub, consumerGroup } = members[0];
        // Said once, by the main thread (a consumer thread loads the same app).
        if (members.length > 1 && host.mainThread) {
          host.log.warn(
            `Functions ${members.map((m) => `"${m.fn.name}"`).join(', ')} read hub "${hub}" in the same consumer group ` +
              `"${consumerGroup}": they share its partitions (as in Azure); give each its own consumer group to see every event.`,
          );
        }
        const { partitionIds } = log.hub(hub);
        const mine: PartitionProcessor[] = [];
        partitionIds.forEach((partitionId, i) => {
          const consumer = members[i % members.length];
          if (!host.runsHere(consumer.fn)) return;
          const saved = log.getCheckpoint(hub, consumerGroup, partitionId);
          const p: PartitionProcessor = {
            consumer,
            partitionId,
            position: saved ? saved.sequenceNumber : startPosition(hub, partitionId),
            offset: saved?.offset ?? -1,
            failures: 0,
            uncheckpointed: 0,
            busy: false,
            scheduled: false,
          };
          mine.push(p);
          processors.push(p);
          schedule(p);
        });
        unsubscribe.push(
          log.subscribe(hub, (ids) => {
            for (const p of mine) if (ids.includes(p.partitionId)) schedule(p);
          }),
        );
      }
    },
    async stop() {
      stopping = true;
      for (const u of unsubscribe.splice(0)) u();
      for (const p of processors) clearTimeout(p.retryTimer);
      invoker.stop();
      await Promise.all(processors.map((p) => p.running));
      // Work done but not yet checkpointed (batchCheckpointFrequency > 1) is checkpointed on a clean stop.
      for (const p of processors) if (p.uncheckpointed > 0) checkpoint(p);
      log.close();
      withdrawService('eventHubs', log);
    },
  };
};

const listQuery = z.object({
  partition: z.string().regex(/^\d+$/, 'must be a partition id (0, 1, ...)').optional(),
  fromSequenceNumber: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/**
 * `GET /admin/eventhubs/{hub}/events?partition=&fromSequenceNumber=&limit=` (dev hosts): the stored
 * events of a hub with their Event Hubs metadata, oldest first — of one partition, or of each
 * partition in turn (up to `limit` in all). The local counterpart of the Portal's Data Explorer.
 */
function listEvents(log: EventLog, req: InternalRequest): InternalResponse {
  const hub = req.params.hub;
  if (!log.hubNames().includes(hub)) return adminProblem(404, `There is no event hub "${hub}" (yet).`);
  const parsed = listQuery.safeParse(Object.fromEntries(req.query.entries()));
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    return adminProblem(400, `${issue.path.join('.')}: ${issue.message}`);
  }
  const { partition, fromSequenceNumber, limit } = parsed.data;
  const { partitionIds, retentionMs } = log.hub(hub);
  if (partition !== undefined && !partitionIds.includes(partition)) {
    return adminProblem(
      400,
      `Event hub "${hub}" has partitions ${partitionIds.join(', ')}; not ${partition}.`,
    );
  }
  const events: StoredEvent[] = [];
  for (const p of partition !== undefined ? [partition] : partitionIds) {
    if (events.length >= limit) break;
    events.push(...log.read(hub, p, fromSequenceNumber - 1, limit - events.length));
  }
  return {
    status: 200,
    body: {
      hub,
      // What the hub keeps; the events before a partition's beginning sequence number passed it and are gone.
      retention: formatIsoDuration(retentionMs),
      partitions: partitionIds.map((p) => {
        const info = log.partition(hub, p);
        return {
          partitionId: p,
          beginningSequenceNumber: info.beginningSequenceNumber,
          lastSequenceNumber: info.lastSequenceNumber,
        };
      }),
      events: events.map((e) => ({
        partitionId: e.partitionId,
        sequenceNumber: e.sequenceNumber,
        offset: String(e.offset),
        enqueuedTimeUtc: new Date(e.enqueuedTimeUtc).toISOString(),
        partitionKey: e.partitionKey ?? null,
        messageId: e.messageId ?? null,
        properties: e.properties,
        body: e.body,
      })),
    },
  };
}

function adminProblem(status: 400 | 404, detail: string): InternalResponse {
  return {
    status,
    headers: { 'Content-Type': 'application/problem+json' },
    body: { type: 'about:blank', title: status === 404 ? 'Not Found' : 'Bad Request', status, detail },
  };
}
