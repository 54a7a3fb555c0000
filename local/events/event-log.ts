// The event log (Event Hubs stand-in) in the host's SQLite file. One row per event, keyed by
// (hub, partition, sequence number); per-partition counters and checkpoints in their own tables.
import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../host/clock';
import { count } from '../host/counters';
import { prepareStatements } from '../host/db';
import { ListenerRegistry } from '../host/listeners';
import { partitionForKey } from './partition-key';
import type {
  Checkpoint,
  EventLog,
  EventLogOptions,
  EventProducer,
  HubInfo,
  HubOptions,
  NewEvent,
  PartitionInfo,
  StoredEvent,
} from './types';

const DAY_MS = 24 * 60 * 60 * 1000;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS eh_hubs (
  name TEXT PRIMARY KEY,
  partition_count INTEGER NOT NULL,
  retention_ms INTEGER NOT NULL,
  created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS eh_partitions (
  hub TEXT NOT NULL,
  partition INTEGER NOT NULL,
  next_seq INTEGER NOT NULL,
  next_offset INTEGER NOT NULL,
  last_offset INTEGER,
  last_enqueued_ms INTEGER,
  PRIMARY KEY (hub, partition)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS eh_events (
  hub TEXT NOT NULL,
  partition INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  enqueued_ms INTEGER NOT NULL,
  partition_key TEXT,
  message_id TEXT,
  body TEXT NOT NULL,
  properties TEXT,
  PRIMARY KEY (hub, partition, seq)
);
CREATE INDEX IF NOT EXISTS eh_events_by_time ON eh_events (hub, enqueued_ms);
CREATE TABLE IF NOT EXISTS eh_checkpoints (
  hub TEXT NOT NULL,
  consumer_group TEXT NOT NULL,
  partition INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  offset INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY (hub, consumer_group, partition)
) WITHOUT ROWID;
`;

interface EventRow {
  partition: number;
  seq: number;
  offset: number;
  enqueued_ms: number;
  partition_key: string | null;
  message_id: string | null;
  body: string;
  properties: string | null;
}

interface PartitionRow {
  next_seq: number;
  next_offset: number;
  last_offset: number | null;
  last_enqueued_ms: number | null;
}

const STATEMENTS = {
  hub: 'SELECT partition_count, retention_ms FROM eh_hubs WHERE name = ?',
  hubs: 'SELECT name, retention_ms FROM eh_hubs',
  insertHub: 'INSERT INTO eh_hubs (name, partition_count, retention_ms, created_ms) VALUES (?, ?, ?, ?)',
  setRetention: 'UPDATE eh_hubs SET retention_ms = ? WHERE name = ?',
  insertPartition:
    'INSERT OR IGNORE INTO eh_partitions (hub, partition, next_seq, next_offset) VALUES (?, ?, 0, 0)',
  partition:
    'SELECT next_seq, next_offset, last_offset, last_enqueued_ms FROM eh_partitions WHERE hub = ? AND partition = ?',
  advancePartition: `UPDATE eh_partitions SET next_seq = @seq, next_offset = @offset, last_offset = @last, last_enqueued_ms = @now
     WHERE hub = @hub AND partition = @partition`,
  insertEvent: `INSERT INTO eh_events (hub, partition, seq, offset, enqueued_ms, partition_key, message_id, body, properties)
     VALUES (@hub, @partition, @seq, @offset, @now, @partitionKey, @messageId, @body, @properties)`,
  read: `SELECT partition, seq, offset, enqueued_ms, partition_key, message_id, body, properties FROM eh_events
     WHERE hub = ? AND partition = ? AND seq > ? ORDER BY seq LIMIT ?`,
  firstSeq: 'SELECT MIN(seq) AS seq FROM eh_events WHERE hub = ? AND partition = ?',
  firstAtOrAfter:
    'SELECT MIN(seq) AS seq FROM eh_events WHERE hub = ? AND partition = ? AND enqueued_ms >= ?',
  purge: 'DELETE FROM eh_events WHERE hub = ? AND enqueued_ms < ?',
  oldest: 'SELECT MIN(enqueued_ms) AS t FROM eh_events WHERE hub = ?',
  checkpoint:
    'SELECT seq, offset, updated_ms FROM eh_checkpoints WHERE hub = ? AND consumer_group = ? AND partition = ?',
  setCheckpoint: `INSERT INTO eh_checkpoints (hub, consumer_group, partition, seq, offset, updated_ms)
     VALUES (@hub, @consumerGroup, @partition, @seq, @offset, @now)
     ON CONFLICT (hub, consumer_group, partition) DO UPDATE
     SET seq = excluded.seq, offset = excluded.offset, updated_ms = excluded.updated_ms`,
};

export function createEventLog(db: Database, clock: Clock, options: EventLogOptions = {}): EventLog {
  const log = new SqliteEventLog(db, clock, options);
  // Events may have aged out while the host was down; this also arms the timer for the next purge.
  log.purgeExpired();
  return log;
}

class SqliteEventLog implements EventLog {
  private readonly statements: Record<keyof typeof STATEMENTS, Statement>;
  private readonly listeners: ListenerRegistry<[partitionIds: string[]]>;
  private readonly inTransaction: (fn: () => void) => void;
  private readonly hubs = new Map<string, HubInfo>();
  private readonly roundRobin = new Map<string, number>();
  private readonly defaultPartitionCount: number;
  private readonly defaultRetentionMs: number;
  private readonly configured: Record<string, HubOptions>;
  private cancelPurge: (() => void) | undefined;
  private purgeAt = Infinity;
  private closed = false;

  constructor(
    db: Database,
    private readonly clock: Clock,
    options: EventLogOptions,
  ) {
    db.exec(SCHEMA);
    this.statements = prepareStatements(db, STATEMENTS);
    this.listeners = new ListenerRegistry(db, 'event-log');
    this.inTransaction = db.transaction((fn: () => void) => fn());
    this.defaultPartitionCount = options.defaultPartitionCount ?? 4;
    this.defaultRetentionMs = options.defaultRetentionMs ?? DAY_MS;
    this.configured = options.hubs ?? {};
  }

  hubNames(): string[] {
    return (this.statements.hubs.all() as { name: string }[]).map((h) => h.name);
  }

  hub(name: string): HubInfo {
    const known = this.hubs.get(name);
    if (known) return known;
    if (!name) throw new Error('An event hub needs a name.');
    const { statements } = this;
    const wanted: HubOptions = this.configured[name] ?? {};
    let row = statements.hub.get(name) as { partition_count: number; retention_ms: number } | undefined;
    this.inTransaction(() => {
      if (!row) {
        row = {
          partition_count: wanted.partitionCount ?? this.defaultPartitionCount,
          retention_ms: wanted.retentionMs ?? this.defaultRetentionMs,
        };
        if (!Number.isInteger(row.partition_count) || row.partition_count < 1) {
          throw new RangeError(`Event hub "${name}": partition count must be a positive integer.`);
        }
        statements.insertHub.run(name, row.partition_count, row.retention_ms, this.clock.now());
      } else if (wanted.retentionMs !== undefined && wanted.retentionMs !== row.retention_ms) {
        // Retention can change on a live hub; the partition count cannot (Basic/Standard tiers).
        row.retention_ms = wanted.retentionMs;
        statements.setRetention.run(row.retention_ms, name);
      }
      for (let p = 0; p < row.partition_count; p++) statements.insertPartition.run(name, p);
    });
    const info: HubInfo = {
      name,
      partitionCount: row!.partition_count,
      retentionMs: row!.retention_ms,
      partitionIds: Array.from({ length: row!.partition_count }, (_, p) => String(p)),
    };
    this.hubs.set(name, info);
    return info;
  }

  append(hubName: string, events: NewEvent[]): StoredEvent[] {
    const info = this.hub(hubName);
    if (events.length === 0) return [];
    let stored: StoredEvent[] = [];
    this.inTransaction(() => (stored = this.store(info, events)));
    count(`events.published.${info.name}`, stored.length);
    this.schedulePurge(stored[0].enqueuedTimeUtc + info.retentionMs);
    this.listeners.notify(info.name, [...new Set(stored.map((e) => e.partitionId))]);
    return stored;
  }

  read(hubName: string, partitionId: string, afterSequenceNumber: number, maxCount: number): StoredEvent[] {
    const info = this.hub(hubName);
    const partition = this.partitionNumber(info, partitionId);
    const rows = this.statements.read.all(info.name, partition, afterSequenceNumber, maxCount) as EventRow[];
    return rows.map((row) => toEvent(info.name, row));
  }

  sequenceNumberBefore(hubName: string, partitionId: string, timeMs: number): number {
    const info = this.hub(hubName);
    const p = this.partitionNumber(info, partitionId);
    const first = (this.statements.firstAtOrAfter.get(info.name, p, timeMs) as { seq: number | null }).seq;
    if (first !== null) return first - 1;
    return (this.statements.partition.get(info.name, p) as PartitionRow).next_seq - 1;
  }

  partition(hubName: string, partitionId: string): PartitionInfo {
    const info = this.hub(hubName);
    const p = this.partitionNumber(info, partitionId);
    const row = this.statements.partition.get(info.name, p) as PartitionRow;
    const first = (this.statements.firstSeq.get(info.name, p) as { seq: number | null }).seq;
    return {
      hub: info.name,
      partitionId: String(p),
      beginningSequenceNumber: first ?? row.next_seq,
      lastSequenceNumber: row.next_seq - 1,
      lastOffset: row.last_offset ?? -1,
      ...(row.last_enqueued_ms !== null ? { lastEnqueuedTimeUtc: row.last_enqueued_ms } : {}),
      isEmpty: first === null,
    };
  }

  getCheckpoint(hubName: string, consumerGroup: string, partitionId: string): Checkpoint | undefined {
    const info = this.hub(hubName);
    const row = this.statements.checkpoint.get(
      info.name,
      consumerGroup,
      this.partitionNumber(info, partitionId),
    ) as { seq: number; offset: number; updated_ms: number } | undefined;
    if (!row) return undefined;
    return {
      hub: info.name,
      consumerGroup,
      partitionId,
      sequenceNumber: row.seq,
      offset: row.offset,
      updatedAt: row.updated_ms,
    };
  }

  setCheckpoint(
    hubName: string,
    consumerGroup: string,
    partitionId: string,
    event: { sequenceNumber: number; offset: number },
  ): void {
    const info = this.hub(hubName);
    this.statements.setCheckpoint.run({
      hub: info.name,
      consumerGroup,
      partition: this.partitionNumber(info, partitionId),
      seq: event.sequenceNumber,
      offset: event.offset,
      now: this.clock.now(),
    });
  }

  subscribe(hubName: string, listener: (partitionIds: string[]) => void): () => void {
    return this.listeners.subscribe(hubName, listener);
  }

  purgeExpired(): number {
    const now = this.clock.now();
    let removed = 0;
    let next = Infinity;
    const hubs = this.statements.hubs.all() as { name: string; retention_ms: number }[];
    for (const { name, retention_ms } of hubs) {
      removed += this.statements.purge.run(name, now - retention_ms).changes;
      const oldest = (this.statements.oldest.get(name) as { t: number | null }).t;
      if (oldest !== null) next = Math.min(next, oldest + retention_ms);
    }
    if (next < Infinity) this.schedulePurge(next);
    return removed;
  }

  close(): void {
    this.closed = true;
    this.cancelPurge?.();
    this.cancelPurge = undefined;
    this.listeners.close();
  }

  private partitionNumber(info: HubInfo, partitionId: string): number {
    const p = Number(partitionId);
    if (!Number.isInteger(p) || p < 0 || p >= info.partitionCount) {
      throw new RangeError(`Event hub "${info.name}" has no partition "${partitionId}".`);
    }
    return p;
  }

  /** Writes the events (inside the caller's transaction) and advances their partitions' counters. */
  private store(info: HubInfo, events: NewEvent[]): StoredEvent[] {
    const now = this.clock.now();
    // Events without a key all go to one partition per call: Event Hubs places a keyless batch on a
    // single partition of its choosing; we choose round-robin so load spreads across calls.
    let keyless: number | undefined;
    const counters = new Map<number, { seq: number; offset: number; last: number }>();
    const stored: StoredEvent[] = [];
    for (const e of events) {
      let partition: number;
      if (e.partitionKey !== undefined && e.partitionKey !== null) {
        partition = partitionForKey(e.partitionKey, info.partitionCount);
      } else {
        if (keyless === undefined) {
          const next = this.roundRobin.get(info.name) ?? 0;
          keyless = next % info.partitionCount;
          this.roundRobin.set(info.name, keyless + 1);
        }
        partition = keyless;
      }
      let counter = counters.get(partition);
      if (!counter) {
        const row = this.statements.partition.get(info.name, partition) as PartitionRow;
        counter = { seq: row.next_seq, offset: row.next_offset, last: row.next_offset };
        counters.set(partition, counter);
      }
      const row = {
        hub: info.name,
        partition,
        seq: counter.seq,
        offset: counter.offset,
        now,
        partitionKey: e.partitionKey ?? null,
        messageId: e.messageId ?? null,
        body: JSON.stringify(e.body ?? null),
        properties:
          e.properties && Object.keys(e.properties).length > 0 ? JSON.stringify(e.properties) : null,
      };
      this.statements.insertEvent.run(row);
      stored.push(
        toEvent(info.name, {
          ...row,
          enqueued_ms: now,
          partition_key: row.partitionKey,
          message_id: row.messageId,
        }),
      );
      counter.last = counter.offset;
      counter.seq += 1;
      // Offsets are byte positions, as in Event Hubs: the next event starts after this one's body.
      counter.offset +=
        Buffer.byteLength(row.body) + (row.properties ? Buffer.byteLength(row.properties) : 0);
    }
    for (const [partition, c] of counters) {
      this.statements.advancePartition.run({
        seq: c.seq,
        offset: c.offset,
        last: c.last,
        now,
        hub: info.name,
        partition,
      });
    }
    return stored;
  }

  private schedulePurge(atMs: number): void {
    if (this.closed || atMs >= this.purgeAt) return;
    this.cancelPurge?.();
    this.purgeAt = atMs;
    this.cancelPurge = this.clock.at(atMs, () => {
      this.cancelPurge = undefined;
      this.purgeAt = Infinity;
      this.purgeExpired();
    });
  }
}

function toEvent(hubName: string, row: EventRow): StoredEvent {
  return {
    hub: hubName,
    partitionId: String(row.partition),
    sequenceNumber: row.seq,
    offset: row.offset,
    enqueuedTimeUtc: row.enqueued_ms,
    ...(row.partition_key !== null ? { partitionKey: row.partition_key } : {}),
    ...(row.message_id !== null ? { messageId: row.message_id } : {}),
    body: JSON.parse(row.body) as unknown,
    properties: row.properties ? (JSON.parse(row.properties) as Record<string, unknown>) : {},
  };
}

/** The producer the app's embedded adapter hands to use cases (async, like the real SDK). */
export function createEventProducer(log: EventLog): EventProducer {
  return {
    async send(hub, events) {
      log.append(hub, events);
    },
  };
}
