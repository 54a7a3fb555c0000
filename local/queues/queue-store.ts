// The queue store (Service Bus stand-in) in the host's SQLite file. A message row carries its
// entity, sequence number and a `visible_ms` time: when it can next be received (now, its scheduled
// time, or the end of its lock). A dead-lettered message moves to the entity `<name>/$deadletterqueue`.
import { randomUUID } from 'node:crypto';
import type { Database } from 'better-sqlite3';
import type { Clock } from '../host/clock';
import {
  MessageLockLostError,
  type EntityCounts,
  type EntityInfo,
  type EntityKind,
  type MessageSender,
  type OutgoingMessage,
  type PeekedMessage,
  type QueueOptions,
  type QueueStore,
  type ReceivedMessage,
  type SendResult,
} from './types';
import { connectionListeners } from '../host/listeners';

const MINUTE_MS = 60_000;
const DLQ_SUFFIX = '/$deadletterqueue';
// Service Bus' default time-to-live is TimeSpan.MaxValue: report its end as the expiry.
const NEVER_EXPIRES = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

const SCHEMA = `
CREATE TABLE IF NOT EXISTS sb_entities (
  name TEXT PRIMARY KEY,
  kind TEXT NOT NULL,
  topic TEXT,
  lock_ms INTEGER NOT NULL,
  max_delivery INTEGER NOT NULL,
  dup_detection INTEGER NOT NULL,
  dup_window_ms INTEGER NOT NULL,
  next_seq INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS sb_messages (
  entity TEXT NOT NULL,
  seq INTEGER NOT NULL,
  message_id TEXT NOT NULL,
  body TEXT NOT NULL,
  content_type TEXT,
  correlation_id TEXT,
  subject TEXT,
  app_props TEXT,
  enqueued_ms INTEGER NOT NULL,
  scheduled_ms INTEGER,
  visible_ms INTEGER NOT NULL,
  delivery_count INTEGER NOT NULL DEFAULT 0,
  lock_token TEXT,
  locked_until_ms INTEGER,
  dl_reason TEXT,
  dl_description TEXT,
  PRIMARY KEY (entity, seq)
);
CREATE INDEX IF NOT EXISTS sb_messages_ready ON sb_messages (entity, visible_ms, seq);
CREATE INDEX IF NOT EXISTS sb_messages_lock ON sb_messages (lock_token) WHERE lock_token IS NOT NULL;
CREATE INDEX IF NOT EXISTS sb_messages_locked ON sb_messages (entity, locked_until_ms) WHERE lock_token IS NOT NULL;
CREATE TABLE IF NOT EXISTS sb_dedupe (
  entity TEXT NOT NULL,
  message_id TEXT NOT NULL,
  expires_ms INTEGER NOT NULL,
  PRIMARY KEY (entity, message_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sb_dedupe_expiry ON sb_dedupe (expires_ms);
`;

interface EntityRow {
  name: string;
  kind: EntityKind;
  topic: string | null;
  lock_ms: number;
  max_delivery: number;
  dup_detection: number;
  dup_window_ms: number;
}

interface MessageRow {
  entity: string;
  seq: number;
  message_id: string;
  body: string;
  content_type: string | null;
  correlation_id: string | null;
  subject: string | null;
  app_props: string | null;
  enqueued_ms: number;
  scheduled_ms: number | null;
  delivery_count: number;
  lock_token: string | null;
  locked_until_ms: number | null;
  dl_reason: string | null;
  dl_description: string | null;
}

export interface QueueStoreOptions {
  /** Options for entities created on first use. */
  defaults?: QueueOptions;
  /** Per-entity options, applied when the entity is created (or declared). */
  entities?: Record<string, QueueOptions>;
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

export function createQueueStore(db: Database, clock: Clock, options: QueueStoreOptions = {}): QueueStore {
  db.exec(SCHEMA);
  const defaults = {
    lockDurationMs: options.defaults?.lockDurationMs ?? MINUTE_MS,
    maxDeliveryCount: options.defaults?.maxDeliveryCount ?? 10,
    requiresDuplicateDetection: options.defaults?.requiresDuplicateDetection ?? true,
    duplicateDetectionHistoryTimeWindowMs:
      options.defaults?.duplicateDetectionHistoryTimeWindowMs ?? 10 * MINUTE_MS,
  };
  const configured = options.entities ?? {};

  const cols = `entity, seq, message_id, body, content_type, correlation_id, subject, app_props, enqueued_ms,
    scheduled_ms, delivery_count, lock_token, locked_until_ms, dl_reason, dl_description`;
  const q = {
    entity: db.prepare(
      'SELECT name, kind, topic, lock_ms, max_delivery, dup_detection, dup_window_ms FROM sb_entities WHERE name = ?',
    ),
    upsertEntity: db.prepare(
      `INSERT INTO sb_entities (name, kind, topic, lock_ms, max_delivery, dup_detection, dup_window_ms, next_seq)
       VALUES (@name, @kind, @topic, @lock_ms, @max_delivery, @dup_detection, @dup_window_ms, 1)
       ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, topic = excluded.topic, lock_ms = excluded.lock_ms,
         max_delivery = excluded.max_delivery, dup_detection = excluded.dup_detection, dup_window_ms = excluded.dup_window_ms`,
    ),
    subscriptions: db.prepare(
      "SELECT name FROM sb_entities WHERE kind = 'subscription' AND topic = ? ORDER BY name",
    ),
    nextSeq: db.prepare('SELECT next_seq FROM sb_entities WHERE name = ?'),
    setNextSeq: db.prepare('UPDATE sb_entities SET next_seq = ? WHERE name = ?'),
    dedupe: db.prepare('SELECT expires_ms FROM sb_dedupe WHERE entity = ? AND message_id = ?'),
    remember: db.prepare(
      `INSERT INTO sb_dedupe (entity, message_id, expires_ms) VALUES (?, ?, ?)
       ON CONFLICT (entity, message_id) DO UPDATE SET expires_ms = excluded.expires_ms`,
    ),
    forget: db.prepare('DELETE FROM sb_dedupe WHERE expires_ms <= ?'),
    insert: db.prepare(
      `INSERT INTO sb_messages (entity, seq, message_id, body, content_type, correlation_id, subject, app_props,
         enqueued_ms, scheduled_ms, visible_ms)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    exhausted: db.prepare(
      `UPDATE sb_messages SET entity = @dlq, lock_token = NULL, locked_until_ms = NULL, visible_ms = @now,
         dl_reason = 'MaxDeliveryCountExceeded', dl_description = @description
       WHERE entity = @entity AND lock_token IS NOT NULL AND locked_until_ms <= @now AND delivery_count >= @max`,
    ),
    // In the order messages became receivable (enqueue, scheduled time, lock expiry, abandon), then by
    // sequence number: close to FIFO, which is all Service Bus promises without sessions.
    receivable: db.prepare(
      `SELECT ${cols} FROM sb_messages WHERE entity = ? AND visible_ms <= ? ORDER BY visible_ms, seq LIMIT ?`,
    ),
    lock: db.prepare(
      `UPDATE sb_messages SET delivery_count = delivery_count + 1, lock_token = ?, locked_until_ms = ?, visible_ms = ?
       WHERE entity = ? AND seq = ?`,
    ),
    byToken: db.prepare(
      `SELECT ${cols} FROM sb_messages WHERE lock_token = ? AND entity = ? AND locked_until_ms > ?`,
    ),
    complete: db.prepare(
      'DELETE FROM sb_messages WHERE lock_token = ? AND entity = ? AND locked_until_ms > ?',
    ),
    release: db.prepare(
      'UPDATE sb_messages SET lock_token = NULL, locked_until_ms = NULL, visible_ms = ? WHERE entity = ? AND seq = ?',
    ),
    renew: db.prepare(
      'UPDATE sb_messages SET locked_until_ms = ?, visible_ms = ? WHERE entity = ? AND seq = ?',
    ),
    deadLetter: db.prepare(
      `UPDATE sb_messages SET entity = ?, lock_token = NULL, locked_until_ms = NULL, visible_ms = ?,
         dl_reason = ?, dl_description = ?
       WHERE entity = ? AND seq = ?`,
    ),
    peek: db.prepare(`SELECT ${cols} FROM sb_messages WHERE entity = ? AND seq >= ? ORDER BY seq LIMIT ?`),
    nextVisible: db.prepare(
      'SELECT MIN(visible_ms) AS t FROM sb_messages WHERE entity = ? AND visible_ms > ?',
    ),
    counts: db.prepare(
      `SELECT
         SUM(CASE WHEN lock_token IS NOT NULL AND locked_until_ms > @now THEN 1 ELSE 0 END) AS locked,
         SUM(CASE WHEN (lock_token IS NULL OR locked_until_ms <= @now) AND scheduled_ms > @now THEN 1 ELSE 0 END) AS scheduled,
         COUNT(*) AS total
       FROM sb_messages WHERE entity = @entity`,
    ),
    countAll: db.prepare('SELECT COUNT(*) AS n FROM sb_messages WHERE entity = ?'),
  };

  const entities = new Map<string, EntityInfo>();
  const listeners = connectionListeners<() => void>(db, 'queue-store');
  const unsubscribers = new Set<() => void>();
  let lastDedupePurge = -Infinity;

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

  function save(name: string, kind: EntityKind, topic: string | null, o: QueueOptions = {}): EntityInfo {
    const merged = { ...defaults, ...configured[name], ...o };
    if (!Number.isInteger(merged.maxDeliveryCount) || merged.maxDeliveryCount < 1) {
      throw new RangeError(`Service Bus entity "${name}": maxDeliveryCount must be a positive integer.`);
    }
    if (!(merged.lockDurationMs > 0))
      throw new RangeError(`Service Bus entity "${name}": lockDuration must be positive.`);
    q.upsertEntity.run({
      name,
      kind,
      topic,
      lock_ms: merged.lockDurationMs,
      max_delivery: merged.maxDeliveryCount,
      dup_detection: merged.requiresDuplicateDetection ? 1 : 0,
      dup_window_ms: merged.duplicateDetectionHistoryTimeWindowMs,
    });
    const info = toInfo(q.entity.get(name) as EntityRow);
    entities.set(name, info);
    return info;
  }

  /** The stored entity, created on first use (a queue, or a subscription named by its path). */
  function entityRow(name: string): EntityInfo {
    const found = existing(name);
    if (found) {
      // Configured options apply to an entity made by an earlier run too.
      if (configured[name] && !entities.has(name)) {
        const topic = found.kind === 'subscription' ? name.replace(/\/Subscriptions\/[^/]+$/i, '') : null;
        return save(name, found.kind, topic);
      }
      entities.set(name, found);
      return found;
    }
    if (!name) throw new Error('A Service Bus entity needs a name.');
    const sub = /^(.+)\/Subscriptions\/([^/]+)$/i.exec(name);
    if (sub) return declareSubscription(sub[1], sub[2]);
    return save(name, 'queue', null);
  }

  function resolve(name: string): { info: EntityInfo; dlq: boolean } {
    if (isDeadLetterQueue(name)) {
      // `$DeadLetterQueue` is matched without regard to case, as Service Bus does.
      const parent = entityRow(name.slice(0, -DLQ_SUFFIX.length));
      return { info: { ...parent, name: deadLetterQueueOf(parent.name) }, dlq: true };
    }
    return { info: entityRow(name), dlq: false };
  }

  function existing(name: string): EntityInfo | undefined {
    const known = entities.get(name);
    if (known) return known;
    const row = q.entity.get(name) as EntityRow | undefined;
    return row ? toInfo(row) : undefined;
  }

  /** Service Bus entity names are unique across kinds: an empty queue made on first use may become a topic. */
  function declareKind(name: string, kind: EntityKind, topic: string | null, o?: QueueOptions): EntityInfo {
    const found = existing(name);
    if (found && found.kind !== kind) {
      const empty = (q.countAll.get(name) as { n: number }).n === 0;
      if (!(found.kind === 'queue' && kind === 'topic' && empty)) {
        throw new Error(`Service Bus entity "${name}" is a ${found.kind}, not a ${kind}.`);
      }
    }
    return save(name, kind, topic, o);
  }

  function declareSubscription(topic: string, subscription: string, o?: QueueOptions): EntityInfo {
    const t = existing(topic);
    if (!t || t.kind !== 'topic') declareKind(topic, 'topic', null);
    return declareKind(subscriptionPath(topic, subscription), 'subscription', topic, o);
  }

  function declareTopic(name: string, o?: QueueOptions): EntityInfo {
    return declareKind(name, 'topic', null, o);
  }

  function notify(entity: string): void {
    const set = listeners.get(entity);
    if (!set || set.size === 0) return;
    setImmediate(() => {
      for (const l of [...set]) l();
    });
  }

  function toMessage(r: MessageRow, now: number): PeekedMessage {
    return {
      entity: r.entity,
      sequenceNumber: r.seq,
      messageId: r.message_id,
      body: JSON.parse(r.body) as unknown,
      ...(r.content_type !== null ? { contentType: r.content_type } : {}),
      ...(r.correlation_id !== null ? { correlationId: r.correlation_id } : {}),
      ...(r.subject !== null ? { subject: r.subject } : {}),
      applicationProperties: r.app_props ? (JSON.parse(r.app_props) as Record<string, unknown>) : {},
      enqueuedTimeUtc: r.enqueued_ms,
      ...(r.scheduled_ms !== null ? { scheduledEnqueueTimeUtc: r.scheduled_ms } : {}),
      deliveryCount: r.delivery_count,
      expiresAtUtc: NEVER_EXPIRES,
      ...(r.locked_until_ms !== null && r.locked_until_ms > now ? { lockedUntilUtc: r.locked_until_ms } : {}),
      state: r.scheduled_ms !== null && r.scheduled_ms > now ? 'scheduled' : 'active',
      ...(r.dl_reason !== null ? { deadLetterReason: r.dl_reason } : {}),
      ...(r.dl_description !== null ? { deadLetterErrorDescription: r.dl_description } : {}),
    };
  }

  const sendTx = db.transaction(
    (info: EntityInfo, messages: OutgoingMessage[]): SendResult & { targets: string[] } => {
      const now = clock.now();
      if (info.requiresDuplicateDetection && now - lastDedupePurge >= MINUTE_MS) {
        q.forget.run(now);
        lastDedupePurge = now;
      }
      const targets =
        info.kind === 'topic'
          ? (q.subscriptions.all(info.name) as { name: string }[]).map((r) => r.name)
          : [info.name];
      let seq = (q.nextSeq.get(info.name) as { next_seq: number }).next_seq;
      const result: SendResult = { sequenceNumbers: [], duplicates: [] };
      for (const m of messages) {
        const messageId = m.messageId ?? randomUUID().replaceAll('-', '');
        if (info.requiresDuplicateDetection) {
          const seen = q.dedupe.get(info.name, messageId) as { expires_ms: number } | undefined;
          // A duplicate within the window is accepted and silently dropped, as Service Bus does.
          if (seen && seen.expires_ms > now) {
            result.duplicates.push(messageId);
            continue;
          }
          q.remember.run(info.name, messageId, now + info.duplicateDetectionHistoryTimeWindowMs);
        }
        const scheduled = m.scheduledEnqueueTimeUtc?.getTime();
        const visible = scheduled !== undefined && scheduled > now ? scheduled : now;
        const body = JSON.stringify(m.body ?? null);
        const props =
          m.applicationProperties && Object.keys(m.applicationProperties).length > 0
            ? JSON.stringify(m.applicationProperties)
            : null;
        for (const target of targets) {
          q.insert.run(
            target,
            seq,
            messageId,
            body,
            m.contentType ?? null,
            m.correlationId ?? null,
            m.subject ?? null,
            props,
            visible,
            scheduled ?? null,
            visible,
          );
        }
        result.sequenceNumbers.push(seq);
        seq += 1;
      }
      q.setNextSeq.run(seq, info.name);
      return { ...result, targets };
    },
  );

  const receiveTx = db.transaction(
    (entity: string, maxCount: number, autoRenewMs: number): ReceivedMessage[] => {
      const { info, dlq } = resolve(entity);
      const name = info.name;
      if (info.kind === 'topic')
        throw new Error(`Cannot receive from topic "${name}": receive from one of its subscriptions.`);
      const now = clock.now();
      // Messages whose last lock ran out after their final allowed delivery go to the dead-letter
      // queue instead of being delivered again. The dead-letter queue itself never dead-letters.
      if (!dlq) {
        const moved = q.exhausted.run({
          dlq: deadLetterQueueOf(name),
          now,
          description: `Message could not be consumed after ${info.maxDeliveryCount} delivery attempts.`,
          entity: name,
          max: info.maxDeliveryCount,
        }).changes;
        if (moved > 0) notify(deadLetterQueueOf(name));
      }
      const rows = q.receivable.all(name, now, maxCount) as MessageRow[];
      const lockedUntil = now + info.lockDurationMs + autoRenewMs;
      return rows.map((r) => {
        const lockToken = randomUUID();
        q.lock.run(lockToken, lockedUntil, lockedUntil, name, r.seq);
        const locked = {
          ...r,
          delivery_count: r.delivery_count + 1,
          lock_token: lockToken,
          locked_until_ms: lockedUntil,
        };
        return { ...toMessage(locked, now), lockToken, lockedUntilUtc: lockedUntil };
      });
    },
  );

  function locked(entity: string, lockToken: string, now: number): MessageRow {
    const row = q.byToken.get(lockToken, entity, now) as MessageRow | undefined;
    if (!row) throw new MessageLockLostError(entity, lockToken);
    return row;
  }

  const abandonTx = db.transaction((entityName: string, lockToken: string): string => {
    const { info, dlq } = resolve(entityName);
    const entity = info.name;
    const now = clock.now();
    const row = locked(entity, lockToken, now);
    if (!dlq && row.delivery_count >= info.maxDeliveryCount) {
      q.deadLetter.run(
        deadLetterQueueOf(entity),
        now,
        'MaxDeliveryCountExceeded',
        `Message could not be consumed after ${info.maxDeliveryCount} delivery attempts.`,
        entity,
        row.seq,
      );
      return deadLetterQueueOf(entity);
    }
    q.release.run(now, entity, row.seq);
    return entity;
  });

  const deadLetterTx = db.transaction(
    (entity: string, lockToken: string, reason?: string, description?: string): void => {
      const now = clock.now();
      const row = locked(entity, lockToken, now);
      q.deadLetter.run(deadLetterQueueOf(entity), now, reason ?? null, description ?? null, entity, row.seq);
    },
  );

  const store: QueueStore = {
    declareQueue(name, o) {
      if (isDeadLetterQueue(name)) throw new Error(`"${name}" is a dead-letter queue; declare its parent.`);
      return declareKind(name, 'queue', null, o);
    },
    declareTopic,
    declareSubscription,
    entity(name) {
      return resolve(name).info;
    },
    send(entity, messages) {
      const { info, dlq } = resolve(entity);
      if (dlq || info.kind === 'subscription')
        throw new Error(`Cannot send to "${entity}": send to its queue or topic.`);
      if (messages.length === 0) return { sequenceNumbers: [], duplicates: [] };
      const { targets, ...result } = sendTx(info, messages);
      if (result.sequenceNumbers.length > 0) for (const t of targets) notify(t);
      return result;
    },
    receive(entity, maxCount, o) {
      return receiveTx(entity, maxCount, o?.autoRenewMs ?? 0);
    },
    complete(entity, lockToken) {
      const { name } = resolve(entity).info;
      if (q.complete.run(lockToken, name, clock.now()).changes === 0)
        throw new MessageLockLostError(name, lockToken);
    },
    abandon(entity, lockToken) {
      notify(abandonTx(entity, lockToken));
    },
    deadLetter(entity, lockToken, reason) {
      const { info, dlq } = resolve(entity);
      if (dlq)
        throw new Error(`"${info.name}" is a dead-letter queue: its messages cannot be dead-lettered again.`);
      deadLetterTx(info.name, lockToken, reason?.deadLetterReason, reason?.deadLetterErrorDescription);
      notify(deadLetterQueueOf(info.name));
    },
    renewLock(entity, lockToken) {
      const { info } = resolve(entity);
      const now = clock.now();
      const row = locked(info.name, lockToken, now);
      const until = now + info.lockDurationMs;
      q.renew.run(until, until, info.name, row.seq);
      return until;
    },
    peek(entity, maxCount, fromSequenceNumber = 0) {
      const { name } = resolve(entity).info;
      const now = clock.now();
      return (q.peek.all(name, fromSequenceNumber, maxCount) as MessageRow[]).map((r) => toMessage(r, now));
    },
    nextVisibleAt(entity) {
      const { name } = resolve(entity).info;
      const t = (q.nextVisible.get(name, clock.now()) as { t: number | null }).t;
      return t ?? undefined;
    },
    counts(entityName): EntityCounts {
      const entity = resolve(entityName).info.name;
      const c = q.counts.get({ entity, now: clock.now() }) as {
        locked: number | null;
        scheduled: number | null;
        total: number;
      };
      const locked = c.locked ?? 0;
      const scheduled = c.scheduled ?? 0;
      const deadLettered = isDeadLetterQueue(entity)
        ? 0
        : (q.countAll.get(deadLetterQueueOf(entity)) as { n: number }).n;
      return { active: c.total - locked - scheduled, scheduled, locked, deadLettered };
    },
    subscribe(entityName, listener) {
      const entity = resolve(entityName).info.name;
      let set = listeners.get(entity);
      if (!set) listeners.set(entity, (set = new Set()));
      const entry = (): void => listener();
      set.add(entry);
      const unsubscribe = (): void => {
        set.delete(entry);
        unsubscribers.delete(unsubscribe);
      };
      unsubscribers.add(unsubscribe);
      return unsubscribe;
    },
    close() {
      for (const u of [...unsubscribers]) u();
    },
  };
  return store;
}

/** The sender the app's embedded adapter hands to use cases (async, like the real SDK). */
export function createMessageSender(store: QueueStore): MessageSender {
  return {
    async send(queue, messages) {
      store.send(queue, messages);
    },
  };
}
