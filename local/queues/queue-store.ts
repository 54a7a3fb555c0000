// The queue store (Service Bus stand-in) in the host's SQLite file. A message row carries its
// entity, sequence number and a `visible_ms` time: when it can next be received (now, its scheduled
// time, or the end of its lock). A dead-lettered message moves to the entity `<name>/$deadletterqueue`.
// Entities and their options: entities.ts.
import { randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../host/clock';
import { count } from '../host/counters';
import { prepareStatements } from '../host/db';
import { ListenerRegistry } from '../host/listeners';
import { faultPlan, type FaultPlan } from '../faults/plan';
import { deadLetterQueueOf, Entities, isDeadLetterQueue, type QueueStoreOptions } from './entities';
import {
  MessageLockLostError,
  type EntityCounts,
  type EntityInfo,
  type MessageSender,
  type OutgoingMessage,
  type PeekedMessage,
  type QueueOptions,
  type QueueStore,
  type ReceivedMessage,
  type SendResult,
} from './types';

export { deadLetterQueueOf, isDeadLetterQueue, subscriptionPath, type QueueStoreOptions } from './entities';

const MINUTE_MS = 60_000;
// Service Bus' default time-to-live is TimeSpan.MaxValue: report its end as the expiry.
export const NEVER_EXPIRES = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

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

const COLUMNS = `entity, seq, message_id, body, content_type, correlation_id, subject, app_props, enqueued_ms,
  scheduled_ms, delivery_count, lock_token, locked_until_ms, dl_reason, dl_description`;

const STATEMENTS = {
  nextSeq: 'SELECT next_seq FROM sb_entities WHERE name = ?',
  setNextSeq: 'UPDATE sb_entities SET next_seq = ? WHERE name = ?',
  dedupe: 'SELECT expires_ms FROM sb_dedupe WHERE entity = ? AND message_id = ?',
  remember: `INSERT INTO sb_dedupe (entity, message_id, expires_ms) VALUES (?, ?, ?)
     ON CONFLICT (entity, message_id) DO UPDATE SET expires_ms = excluded.expires_ms`,
  forget: 'DELETE FROM sb_dedupe WHERE expires_ms <= ?',
  insert: `INSERT INTO sb_messages (entity, seq, message_id, body, content_type, correlation_id, subject, app_props,
       enqueued_ms, scheduled_ms, visible_ms)
     VALUES (@entity, @seq, @messageId, @body, @contentType, @correlationId, @subject, @props, @visible,
       @scheduled, @visible)`,
  exhausted: `UPDATE sb_messages SET entity = @dlq, lock_token = NULL, locked_until_ms = NULL, visible_ms = @now,
       dl_reason = 'MaxDeliveryCountExceeded', dl_description = @description
     WHERE entity = @entity AND lock_token IS NOT NULL AND locked_until_ms <= @now AND delivery_count >= @max`,
  // In the order messages became receivable (enqueue, scheduled time, lock expiry, abandon), then by
  // sequence number: close to FIFO, which is all Service Bus promises without sessions.
  receivable: `SELECT ${COLUMNS} FROM sb_messages WHERE entity = ? AND visible_ms <= ? ORDER BY visible_ms, seq LIMIT ?`,
  lock: `UPDATE sb_messages SET delivery_count = delivery_count + 1, lock_token = ?, locked_until_ms = ?, visible_ms = ?
     WHERE entity = ? AND seq = ?`,
  byToken: `SELECT ${COLUMNS} FROM sb_messages WHERE lock_token = ? AND entity = ? AND locked_until_ms > ?`,
  complete: 'DELETE FROM sb_messages WHERE lock_token = ? AND entity = ? AND locked_until_ms > ?',
  release:
    'UPDATE sb_messages SET lock_token = NULL, locked_until_ms = NULL, visible_ms = ? WHERE entity = ? AND seq = ?',
  renew: 'UPDATE sb_messages SET locked_until_ms = ?, visible_ms = ? WHERE entity = ? AND seq = ?',
  deadLetter: `UPDATE sb_messages SET entity = @dlq, lock_token = NULL, locked_until_ms = NULL, visible_ms = @now,
       dl_reason = @reason, dl_description = @description
     WHERE entity = @entity AND seq = @seq`,
  peek: `SELECT ${COLUMNS} FROM sb_messages WHERE entity = ? AND seq >= ? ORDER BY seq LIMIT ?`,
  nextVisible: 'SELECT MIN(visible_ms) AS t FROM sb_messages WHERE entity = ? AND visible_ms > ?',
  counts: `SELECT
       SUM(CASE WHEN lock_token IS NOT NULL AND locked_until_ms > @now THEN 1 ELSE 0 END) AS locked,
       SUM(CASE WHEN (lock_token IS NULL OR locked_until_ms <= @now) AND scheduled_ms > @now THEN 1 ELSE 0 END) AS scheduled,
       COUNT(*) AS total
     FROM sb_messages WHERE entity = @entity`,
};

export function createQueueStore(db: Database, clock: Clock, options: QueueStoreOptions = {}): QueueStore {
  return new SqliteQueueStore(db, clock, options);
}

class SqliteQueueStore implements QueueStore {
  private readonly entities: Entities;
  private readonly statements: Record<keyof typeof STATEMENTS, Statement>;
  private readonly listeners: ListenerRegistry;
  private readonly inTransaction: <T>(fn: () => T) => T;
  private lastDedupePurge = -Infinity;
  readonly faults: FaultPlan;

  constructor(
    db: Database,
    private readonly clock: Clock,
    options: QueueStoreOptions,
  ) {
    db.exec(SCHEMA);
    this.entities = new Entities(db, options);
    this.statements = prepareStatements(db, STATEMENTS);
    this.faults = faultPlan(db);
    this.listeners = new ListenerRegistry(db, 'queue-store');
    const run = db.transaction((fn: () => unknown) => fn());
    this.inTransaction = <T>(fn: () => T): T => run(fn) as T;
  }

  declareQueue(name: string, options?: QueueOptions): EntityInfo {
    if (isDeadLetterQueue(name)) throw new Error(`"${name}" is a dead-letter queue; declare its parent.`);
    return this.entities.declare({ name, kind: 'queue', topic: null }, options);
  }

  declareTopic(name: string, options?: QueueOptions): EntityInfo {
    return this.entities.declare({ name, kind: 'topic', topic: null }, options);
  }

  declareSubscription(topic: string, subscription: string, options?: QueueOptions): EntityInfo {
    return this.entities.declareSubscription(topic, subscription, options);
  }

  entity(name: string): EntityInfo {
    return this.entities.resolve(name).info;
  }

  send(entity: string, messages: readonly OutgoingMessage[]): SendResult {
    const { info, dlq } = this.entities.resolve(entity);
    if (dlq || info.kind === 'subscription')
      throw new Error(`Cannot send to "${entity}": send to its queue or topic.`);
    if (messages.length === 0) return { sequenceNumbers: [], duplicates: [] };
    const fault = this.faults.roll('serviceBus', 'send');
    if (fault) throw fault.error;
    const targets = info.kind === 'topic' ? this.entities.subscriptions(info.name) : [info.name];
    const result = this.inTransaction(() => this.store(info, { messages, targets }));
    count(`messages.sent.${info.name}`, result.sequenceNumbers.length);
    if (result.sequenceNumbers.length > 0) for (const target of targets) this.listeners.notify(target);
    return result;
  }

  receive(entity: string, maxCount: number): ReceivedMessage[] {
    const fault = this.faults.roll('serviceBus', 'receive');
    if (fault) throw fault.error;
    return this.inTransaction(() => this.lockNext(entity, maxCount));
  }

  complete(entity: string, lockToken: string): void {
    const { name } = this.entities.resolve(entity).info;
    if (this.statements.complete.run(lockToken, name, this.clock.now()).changes === 0)
      throw new MessageLockLostError(name, lockToken);
  }

  abandon(entity: string, lockToken: string): void {
    this.listeners.notify(this.inTransaction(() => this.release(entity, lockToken)));
  }

  deadLetter(
    entity: string,
    lockToken: string,
    reason?: { deadLetterReason?: string; deadLetterErrorDescription?: string },
  ): void {
    const { info, dlq } = this.entities.resolve(entity);
    if (dlq)
      throw new Error(`"${info.name}" is a dead-letter queue: its messages cannot be dead-lettered again.`);
    this.inTransaction(() => {
      const now = this.clock.now();
      this.moveToDeadLetters(this.locked(info.name, lockToken, now), {
        now,
        reason: reason?.deadLetterReason ?? null,
        description: reason?.deadLetterErrorDescription ?? null,
      });
    });
    this.listeners.notify(deadLetterQueueOf(info.name));
  }

  renewLock(entity: string, lockToken: string): number {
    const { info } = this.entities.resolve(entity);
    const now = this.clock.now();
    const row = this.locked(info.name, lockToken, now);
    const until = now + info.lockDurationMs;
    this.statements.renew.run(until, until, info.name, row.seq);
    return until;
  }

  peek(entity: string, maxCount: number, fromSequenceNumber = 0): PeekedMessage[] {
    const { name } = this.entities.resolve(entity).info;
    const now = this.clock.now();
    const rows = this.statements.peek.all(name, fromSequenceNumber, maxCount) as MessageRow[];
    return rows.map((row) => toMessage(row, now));
  }

  nextVisibleAt(entity: string): number | undefined {
    const { name } = this.entities.resolve(entity).info;
    const t = (this.statements.nextVisible.get(name, this.clock.now()) as { t: number | null }).t;
    return t ?? undefined;
  }

  counts(entityName: string): EntityCounts {
    const entity = this.entities.resolve(entityName).info.name;
    const c = this.statements.counts.get({ entity, now: this.clock.now() }) as {
      locked: number | null;
      scheduled: number | null;
      total: number;
    };
    const locked = c.locked ?? 0;
    const scheduled = c.scheduled ?? 0;
    const deadLettered = isDeadLetterQueue(entity)
      ? 0
      : this.entities.messageCount(deadLetterQueueOf(entity));
    return { active: c.total - locked - scheduled, scheduled, locked, deadLettered };
  }

  subscribe(entity: string, listener: () => void): () => void {
    return this.listeners.subscribe(this.entities.resolve(entity).info.name, listener);
  }

  close(): void {
    this.listeners.close();
  }

  /** Stores the messages in every target entity, skipping duplicates within the detection window. */
  private store(
    info: EntityInfo,
    send: { messages: readonly OutgoingMessage[]; targets: string[] },
  ): SendResult {
    const { statements, clock } = this;
    const now = clock.now();
    if (info.requiresDuplicateDetection && now - this.lastDedupePurge >= MINUTE_MS) {
      statements.forget.run(now);
      this.lastDedupePurge = now;
    }
    let seq = (statements.nextSeq.get(info.name) as { next_seq: number }).next_seq;
    const result: SendResult = { sequenceNumbers: [], duplicates: [] };
    for (const m of send.messages) {
      const messageId = m.messageId ?? randomUUID().replaceAll('-', '');
      if (info.requiresDuplicateDetection) {
        const seen = statements.dedupe.get(info.name, messageId) as { expires_ms: number } | undefined;
        // A duplicate within the window is accepted and silently dropped, as Service Bus does.
        if (seen && seen.expires_ms > now) {
          result.duplicates.push(messageId);
          continue;
        }
        statements.remember.run(info.name, messageId, now + info.duplicateDetectionHistoryTimeWindowMs);
      }
      const scheduled = m.scheduledEnqueueTimeUtc?.getTime();
      const row = {
        seq,
        messageId,
        body: JSON.stringify(m.body ?? null),
        contentType: m.contentType ?? null,
        correlationId: m.correlationId ?? null,
        subject: m.subject ?? null,
        props:
          m.applicationProperties && Object.keys(m.applicationProperties).length > 0
            ? JSON.stringify(m.applicationProperties)
            : null,
        visible: scheduled !== undefined && scheduled > now ? scheduled : now,
        scheduled: scheduled ?? null,
      };
      for (const entity of send.targets) statements.insert.run({ ...row, entity });
      result.sequenceNumbers.push(seq);
      seq += 1;
    }
    statements.setNextSeq.run(seq, info.name);
    return result;
  }

  private lockNext(entity: string, maxCount: number): ReceivedMessage[] {
    const { info, dlq } = this.entities.resolve(entity);
    const name = info.name;
    if (info.kind === 'topic')
      throw new Error(`Cannot receive from topic "${name}": receive from one of its subscriptions.`);
    const now = this.clock.now();
    // Messages whose last lock ran out after their final allowed delivery go to the dead-letter
    // queue instead of being delivered again. The dead-letter queue itself never dead-letters.
    if (!dlq) {
      const moved = this.statements.exhausted.run({
        dlq: deadLetterQueueOf(name),
        now,
        description: exhaustedDescription(info),
        entity: name,
        max: info.maxDeliveryCount,
      }).changes;
      if (moved > 0) this.listeners.notify(deadLetterQueueOf(name));
    }
    const rows = this.statements.receivable.all(name, now, maxCount) as MessageRow[];
    const lockedUntil = now + info.lockDurationMs;
    return rows.map((row) => {
      const lockToken = randomUUID();
      this.statements.lock.run(lockToken, lockedUntil, lockedUntil, name, row.seq);
      const locked = {
        ...row,
        delivery_count: row.delivery_count + 1,
        lock_token: lockToken,
        locked_until_ms: lockedUntil,
      };
      return { ...toMessage(locked, now), lockToken, lockedUntilUtc: lockedUntil };
    });
  }

  /** Releases the lock, or dead-letters at the last delivery; returns the entity the message is in now. */
  private release(entityName: string, lockToken: string): string {
    const { info, dlq } = this.entities.resolve(entityName);
    const entity = info.name;
    const now = this.clock.now();
    const row = this.locked(entity, lockToken, now);
    if (!dlq && row.delivery_count >= info.maxDeliveryCount) {
      const why = { now, reason: 'MaxDeliveryCountExceeded', description: exhaustedDescription(info) };
      this.moveToDeadLetters(row, why);
      return deadLetterQueueOf(entity);
    }
    this.statements.release.run(now, entity, row.seq);
    return entity;
  }

  private moveToDeadLetters(
    row: MessageRow,
    why: { now: number; reason: string | null; description: string | null },
  ): void {
    this.statements.deadLetter.run({
      dlq: deadLetterQueueOf(row.entity),
      ...why,
      entity: row.entity,
      seq: row.seq,
    });
  }

  /** The message `lockToken` holds a live lock on; MessageLockLostError when none. */
  private locked(entity: string, lockToken: string, now: number): MessageRow {
    const row = this.statements.byToken.get(lockToken, entity, now) as MessageRow | undefined;
    if (!row) throw new MessageLockLostError(entity, lockToken);
    return row;
  }
}

function exhaustedDescription(info: EntityInfo): string {
  return `Message could not be consumed after ${info.maxDeliveryCount} delivery attempts.`;
}

function toMessage(row: MessageRow, now: number): PeekedMessage {
  return {
    entity: row.entity,
    sequenceNumber: row.seq,
    messageId: row.message_id,
    body: JSON.parse(row.body) as unknown,
    ...(row.content_type !== null ? { contentType: row.content_type } : {}),
    ...(row.correlation_id !== null ? { correlationId: row.correlation_id } : {}),
    ...(row.subject !== null ? { subject: row.subject } : {}),
    applicationProperties: row.app_props ? (JSON.parse(row.app_props) as Record<string, unknown>) : {},
    enqueuedTimeUtc: row.enqueued_ms,
    ...(row.scheduled_ms !== null ? { scheduledEnqueueTimeUtc: row.scheduled_ms } : {}),
    deliveryCount: row.delivery_count,
    expiresAtUtc: NEVER_EXPIRES,
    ...(row.locked_until_ms !== null && row.locked_until_ms > now
      ? { lockedUntilUtc: row.locked_until_ms }
      : {}),
    state: row.scheduled_ms !== null && row.scheduled_ms > now ? 'scheduled' : 'active',
    ...(row.dl_reason !== null ? { deadLetterReason: row.dl_reason } : {}),
    ...(row.dl_description !== null ? { deadLetterErrorDescription: row.dl_description } : {}),
  };
}

/** The sender the app's embedded adapter hands to use cases (async, like the real SDK). */
export function createMessageSender(store: QueueStore): MessageSender {
  return {
    async send(queue, messages) {
      store.send(queue, messages);
    },
  };
}
