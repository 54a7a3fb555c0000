// Service Bus entities in the host's file: queues, topics and their subscriptions (named
// `<topic>/Subscriptions/<name>`), each with its options; a queue is created on first use. Every
// entity has a dead-letter sub-queue, `<entity>/$deadletterqueue`, that shares its options.
import type { Database, Statement } from 'better-sqlite3';
import type { EntityInfo, EntityKind, QueueOptions } from './types';

const MINUTE_MS = 60_000;
const DLQ_SUFFIX = '/$deadletterqueue';

export interface QueueStoreOptions {
  /** Options for entities created on first use. */
  defaults?: QueueOptions;
  /** Per-entity options, applied when the entity is created (or declared). */
  entities?: Record<string, QueueOptions>;
}

interface EntityRow {
  name: string;
  kind: EntityKind;
  topic: string | null;
  lock_ms: number;
  max_delivery: number;
  dup_detection: number;
  dup_window_ms: number;
}

export function isDeadLetterQueue(entity: string): boolean {
  return entity.toLowerCase().endsWith(DLQ_SUFFIX);
}

export function deadLetterQueueOf(entity: string): string {
  return entity + DLQ_SUFFIX;
}

export function subscriptionPath(topic: string, subscription: string): string {
  return `${topic}/Subscriptions/${subscription}`;
}

export class Entities {
  private readonly known = new Map<string, EntityInfo>();
  private readonly defaults: Required<QueueOptions>;
  private readonly configured: Record<string, QueueOptions>;
  private readonly select: Statement;
  private readonly upsert: Statement;
  private readonly subscriptionsOf: Statement;
  private readonly countMessages: Statement;

  constructor(db: Database, options: QueueStoreOptions) {
    this.defaults = {
      lockDurationMs: options.defaults?.lockDurationMs ?? MINUTE_MS,
      maxDeliveryCount: options.defaults?.maxDeliveryCount ?? 10,
      requiresDuplicateDetection: options.defaults?.requiresDuplicateDetection ?? true,
      duplicateDetectionHistoryTimeWindowMs:
        options.defaults?.duplicateDetectionHistoryTimeWindowMs ?? 10 * MINUTE_MS,
    };
    this.configured = options.entities ?? {};
    this.select = db.prepare(
      'SELECT name, kind, topic, lock_ms, max_delivery, dup_detection, dup_window_ms FROM sb_entities WHERE name = ?',
    );
    this.upsert = db.prepare(
      `INSERT INTO sb_entities (name, kind, topic, lock_ms, max_delivery, dup_detection, dup_window_ms, next_seq)
       VALUES (@name, @kind, @topic, @lock_ms, @max_delivery, @dup_detection, @dup_window_ms, 1)
       ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, topic = excluded.topic, lock_ms = excluded.lock_ms,
         max_delivery = excluded.max_delivery, dup_detection = excluded.dup_detection, dup_window_ms = excluded.dup_window_ms`,
    );
    this.subscriptionsOf = db.prepare(
      "SELECT name FROM sb_entities WHERE kind = 'subscription' AND topic = ? ORDER BY name",
    );
    this.countMessages = db.prepare('SELECT COUNT(*) AS n FROM sb_messages WHERE entity = ?');
  }

  /** The entity a name stands for (created on first use), and whether it names its dead-letter queue. */
  resolve(name: string): { info: EntityInfo; dlq: boolean } {
    if (isDeadLetterQueue(name)) {
      // `$DeadLetterQueue` is matched without regard to case, as Service Bus does.
      const parent = this.stored(name.slice(0, -DLQ_SUFFIX.length));
      return { info: { ...parent, name: deadLetterQueueOf(parent.name) }, dlq: true };
    }
    return { info: this.stored(name), dlq: false };
  }

  /** Service Bus entity names are unique across kinds: an empty queue made on first use may become a topic. */
  declare(
    entity: { name: string; kind: EntityKind; topic: string | null },
    options?: QueueOptions,
  ): EntityInfo {
    const { name, kind } = entity;
    const found = this.existing(name);
    if (found && found.kind !== kind) {
      if (!(found.kind === 'queue' && kind === 'topic' && this.messageCount(name) === 0)) {
        throw new Error(`Service Bus entity "${name}" is a ${found.kind}, not a ${kind}.`);
      }
    }
    return this.save(entity, options);
  }

  declareSubscription(topic: string, subscription: string, options?: QueueOptions): EntityInfo {
    const found = this.existing(topic);
    if (!found || found.kind !== 'topic') this.declare({ name: topic, kind: 'topic', topic: null });
    return this.declare(
      { name: subscriptionPath(topic, subscription), kind: 'subscription', topic },
      options,
    );
  }

  /** The subscriptions a message sent to `topic` is copied into. */
  subscriptions(topic: string): string[] {
    return (this.subscriptionsOf.all(topic) as { name: string }[]).map((row) => row.name);
  }

  /** Every message of the entity, locked, scheduled or not. */
  messageCount(name: string): number {
    return (this.countMessages.get(name) as { n: number }).n;
  }

  /** The stored entity, created on first use (a queue, or a subscription named by its path). */
  private stored(name: string): EntityInfo {
    const found = this.existing(name);
    if (found) {
      // Configured options apply to an entity made by an earlier run too.
      if (this.configured[name] && !this.known.has(name)) {
        const topic = found.kind === 'subscription' ? name.replace(/\/Subscriptions\/[^/]+$/i, '') : null;
        return this.save({ name, kind: found.kind, topic });
      }
      this.known.set(name, found);
      return found;
    }
    if (!name) throw new Error('A Service Bus entity needs a name.');
    const sub = /^(.+)\/Subscriptions\/([^/]+)$/i.exec(name);
    if (sub) return this.declareSubscription(sub[1], sub[2]);
    return this.save({ name, kind: 'queue', topic: null });
  }

  private existing(name: string): EntityInfo | undefined {
    const known = this.known.get(name);
    if (known) return known;
    const row = this.select.get(name) as EntityRow | undefined;
    return row ? toInfo(row) : undefined;
  }

  private save(
    entity: { name: string; kind: EntityKind; topic: string | null },
    options: QueueOptions = {},
  ): EntityInfo {
    const { name } = entity;
    const merged = { ...this.defaults, ...this.configured[name], ...options };
    if (!Number.isInteger(merged.maxDeliveryCount) || merged.maxDeliveryCount < 1) {
      throw new RangeError(`Service Bus entity "${name}": maxDeliveryCount must be a positive integer.`);
    }
    if (!(merged.lockDurationMs > 0))
      throw new RangeError(`Service Bus entity "${name}": lockDuration must be positive.`);
    this.upsert.run({
      ...entity,
      lock_ms: merged.lockDurationMs,
      max_delivery: merged.maxDeliveryCount,
      dup_detection: merged.requiresDuplicateDetection ? 1 : 0,
      dup_window_ms: merged.duplicateDetectionHistoryTimeWindowMs,
    });
    const info = toInfo(this.select.get(name) as EntityRow);
    this.known.set(name, info);
    return info;
  }
}

function toInfo(row: EntityRow): EntityInfo {
  return {
    name: row.name,
    kind: row.kind,
    lockDurationMs: row.lock_ms,
    maxDeliveryCount: row.max_delivery,
    requiresDuplicateDetection: row.dup_detection === 1,
    duplicateDetectionHistoryTimeWindowMs: row.dup_window_ms,
  };
}
