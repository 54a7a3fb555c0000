// The event log (Event Hubs stand-in) in the host's SQLite file. One row per event, keyed by
// (hub, partition, sequence number); per-partition counters and checkpoints in their own tables.
import type { Database } from 'better-sqlite3';
import type { Clock } from '../host/clock';
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
import { connectionListeners } from '../host/listeners';

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

export function createEventLog(db: Database, clock: Clock, options: EventLogOptions = {}): EventLog {
  db.exec(SCHEMA);
  const defaultPartitionCount = options.defaultPartitionCount ?? 4;
  const defaultRetentionMs = options.defaultRetentionMs ?? DAY_MS;
  const configured = options.hubs ?? {};

  const q = {
    hub: db.prepare('SELECT partition_count, retention_ms FROM eh_hubs WHERE name = ?'),
    hubs: db.prepare('SELECT name, retention_ms FROM eh_hubs'),
    insertHub: db.prepare(
      'INSERT INTO eh_hubs (name, partition_count, retention_ms, created_ms) VALUES (?, ?, ?, ?)',
    ),
    setRetention: db.prepare('UPDATE eh_hubs SET retention_ms = ? WHERE name = ?'),
    insertPartition: db.prepare(
      'INSERT OR IGNORE INTO eh_partitions (hub, partition, next_seq, next_offset) VALUES (?, ?, 0, 0)',
    ),
    partition: db.prepare(
      'SELECT next_seq, next_offset, last_offset, last_enqueued_ms FROM eh_partitions WHERE hub = ? AND partition = ?',
    ),
    advancePartition: db.prepare(
      `UPDATE eh_partitions SET next_seq = ?, next_offset = ?, last_offset = ?, last_enqueued_ms = ?
       WHERE hub = ? AND partition = ?`,
    ),
    insertEvent: db.prepare(
      `INSERT INTO eh_events (hub, partition, seq, offset, enqueued_ms, partition_key, message_id, body, properties)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ),
    read: db.prepare(
      `SELECT partition, seq, offset, enqueued_ms, partition_key, message_id, body, properties FROM eh_events
       WHERE hub = ? AND partition = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    firstSeq: db.prepare('SELECT MIN(seq) AS seq FROM eh_events WHERE hub = ? AND partition = ?'),
    firstAtOrAfter: db.prepare(
      'SELECT MIN(seq) AS seq FROM eh_events WHERE hub = ? AND partition = ? AND enqueued_ms >= ?',
    ),
    purge: db.prepare('DELETE FROM eh_events WHERE hub = ? AND enqueued_ms < ?'),
    oldest: db.prepare('SELECT MIN(enqueued_ms) AS t FROM eh_events WHERE hub = ?'),
    checkpoint: db.prepare(
      'SELECT seq, offset, updated_ms FROM eh_checkpoints WHERE hub = ? AND consumer_group = ? AND partition = ?',
    ),
    setCheckpoint: db.prepare(
      `INSERT INTO eh_checkpoints (hub, consumer_group, partition, seq, offset, updated_ms) VALUES (?, ?, ?, ?, ?, ?)
       ON CONFLICT (hub, consumer_group, partition) DO UPDATE
       SET seq = excluded.seq, offset = excluded.offset, updated_ms = excluded.updated_ms`,
    ),
  };

  const hubs = new Map<string, HubInfo>();
  const listeners = connectionListeners<(partitionIds: string[]) => void>(db, 'event-log');
  const unsubscribers = new Set<() => void>();
  const roundRobin = new Map<string, number>();
  let cancelPurge: (() => void) | undefined;
  let purgeAt = Infinity;
  let closed = false;

  function hub(name: string): HubInfo {
    const known = hubs.get(name);
    if (known) return known;
    if (!name) throw new Error('An event hub needs a name.');
    const wanted: HubOptions = configured[name] ?? {};
    let row = q.hub.get(name) as { partition_count: number; retention_ms: number } | undefined;
    db.transaction(() => {
      if (!row) {
        row = {
          partition_count: wanted.partitionCount ?? defaultPartitionCount,
          retention_ms: wanted.retentionMs ?? defaultRetentionMs,
        };
        if (!Number.isInteger(row.partition_count) || row.partition_count < 1) {
          throw new RangeError(`Event hub "${name}": partition count must be a positive integer.`);
        }
        q.insertHub.run(name, row.partition_count, row.retention_ms, clock.now());
      } else if (wanted.retentionMs !== undefined && wanted.retentionMs !== row.retention_ms) {
        // Retention can change on a live hub; the partition count cannot (Basic/Standard tiers).
        row.retention_ms = wanted.retentionMs;
        q.setRetention.run(row.retention_ms, name);
      }
      for (let p = 0; p < row.partition_count; p++) q.insertPartition.run(name, p);
    })();
    const info: HubInfo = {
      name,
      partitionCount: row!.partition_count,
      retentionMs: row!.retention_ms,
      partitionIds: Array.from({ length: row!.partition_count }, (_, p) => String(p)),
    };
    hubs.set(name, info);
    return info;
  }

  function partitionNumber(info: HubInfo, partitionId: string): number {
    const p = Number(partitionId);
    if (!Number.isInteger(p) || p < 0 || p >= info.partitionCount) {
      throw new RangeError(`Event hub "${info.name}" has no partition "${partitionId}".`);
    }
    return p;
  }

  function toEvent(hubName: string, r: EventRow): StoredEvent {
    return {
      hub: hubName,
      partitionId: String(r.partition),
      sequenceNumber: r.seq,
      offset: r.offset,
      enqueuedTimeUtc: r.enqueued_ms,
      ...(r.partition_key !== null ? { partitionKey: r.partition_key } : {}),
      ...(r.message_id !== null ? { messageId: r.message_id } : {}),
      body: JSON.parse(r.body) as unknown,
      properties: r.properties ? (JSON.parse(r.properties) as Record<string, unknown>) : {},
    };
  }

  const appendTx = db.transaction((info: HubInfo, events: NewEvent[]): StoredEvent[] => {
    const now = clock.now();
    // Events without a key all go to one partition per call: Event Hubs places a keyless batch on a
    // single partition of its choosing; we choose round-robin so load spreads across calls.
    let keyless: number | undefined;
    const counters = new Map<number, { seq: number; offset: number; last: number }>();
    const stored: StoredEvent[] = [];
    for (const e of events) {
      let p: number;
      if (e.partitionKey !== undefined && e.partitionKey !== null) {
        p = partitionForKey(e.partitionKey, info.partitionCount);
      } else {
        if (keyless === undefined) {
          const next = roundRobin.get(info.name) ?? 0;
          keyless = next % info.partitionCount;
          roundRobin.set(info.name, keyless + 1);
        }
        p = keyless;
      }
      let counter = counters.get(p);
      if (!counter) {
        const row = q.partition.get(info.name, p) as PartitionRow;
        counter = { seq: row.next_seq, offset: row.next_offset, last: row.next_offset };
        counters.set(p, counter);
      }
      const body = JSON.stringify(e.body ?? null);
      const properties =
        e.properties && Object.keys(e.properties).length > 0 ? JSON.stringify(e.properties) : null;
      q.insertEvent.run(
        info.name,
        p,
        counter.seq,
        counter.offset,
        now,
        e.partitionKey ?? null,
        e.messageId ?? null,
        body,
        properties,
      );
      stored.push({
        hub: info.name,
        partitionId: String(p),
        sequenceNumber: counter.seq,
        offset: counter.offset,
        enqueuedTimeUtc: now,
        ...(e.partitionKey !== undefined && e.partitionKey !== null ? { partitionKey: e.partitionKey } : {}),
        ...(e.messageId !== undefined ? { messageId: e.messageId } : {}),
        body: JSON.parse(body) as unknown,
        properties: properties ? (JSON.parse(properties) as Record<string, unknown>) : {},
      });
      counter.last = counter.offset;
      counter.seq += 1;
      // Offsets are byte positions, as in Event Hubs: the next event starts after this one's body.
      counter.offset += Buffer.byteLength(body) + (properties ? Buffer.byteLength(properties) : 0);
    }
    for (const [p, c] of counters) q.advancePartition.run(c.seq, c.offset, c.last, now, info.name, p);
    return stored;
  });

  function notify(hubName: string, partitionIds: string[]): void {
    const set = listeners.get(hubName);
    if (!set || set.size === 0) return;
    setImmediate(() => {
      for (const l of [...set]) l(partitionIds);
    });
  }

  function schedulePurge(atMs: number): void {
    if (closed || atMs >= purgeAt) return;
    cancelPurge?.();
    purgeAt = atMs;
    cancelPurge = clock.at(atMs, () => {
      cancelPurge = undefined;
      purgeAt = Infinity;
      purgeExpired();
    });
  }

  function purgeExpired(): number {
    const now = clock.now();
    let removed = 0;
    let next = Infinity;
    for (const { name, retention_ms } of q.hubs.all() as { name: string; retention_ms: number }[]) {
      removed += q.purge.run(name, now - retention_ms).changes;
      const oldest = (q.oldest.get(name) as { t: number | null }).t;
      if (oldest !== null) next = Math.min(next, oldest + retention_ms);
    }
    if (next < Infinity) schedulePurge(next);
    return removed;
  }

  const log: EventLog = {
    hub,
    hubNames() {
      return (q.hubs.all() as { name: string }[]).map((h) => h.name);
    },
    append(hubName, events) {
      const info = hub(hubName);
      if (events.length === 0) return [];
      const stored = appendTx(info, events);
      schedulePurge(stored[0].enqueuedTimeUtc + info.retentionMs);
      notify(info.name, [...new Set(stored.map((e) => e.partitionId))]);
      return stored;
    },
    read(hubName, partitionId, afterSequenceNumber, maxCount) {
      const info = hub(hubName);
      const rows = q.read.all(
        info.name,
        partitionNumber(info, partitionId),
        afterSequenceNumber,
        maxCount,
      ) as EventRow[];
      return rows.map((r) => toEvent(info.name, r));
    },
    sequenceNumberBefore(hubName, partitionId, timeMs) {
      const info = hub(hubName);
      const p = partitionNumber(info, partitionId);
      const first = (q.firstAtOrAfter.get(info.name, p, timeMs) as { seq: number | null }).seq;
      if (first !== null) return first - 1;
      return (q.partition.get(info.name, p) as PartitionRow).next_seq - 1;
    },
    partition(hubName, partitionId): PartitionInfo {
      const info = hub(hubName);
      const p = partitionNumber(info, partitionId);
      const row = q.partition.get(info.name, p) as PartitionRow;
      const first = (q.firstSeq.get(info.name, p) as { seq: number | null }).seq;
      return {
        hub: info.name,
        partitionId: String(p),
        beginningSequenceNumber: first ?? row.next_seq,
        lastSequenceNumber: row.next_seq - 1,
        lastOffset: row.last_offset ?? -1,
        ...(row.last_enqueued_ms !== null ? { lastEnqueuedTimeUtc: row.last_enqueued_ms } : {}),
        isEmpty: first === null,
      };
    },
    getCheckpoint(hubName, consumerGroup, partitionId): Checkpoint | undefined {
      const info = hub(hubName);
      const row = q.checkpoint.get(info.name, consumerGroup, partitionNumber(info, partitionId)) as
        { seq: number; offset: number; updated_ms: number } | undefined;
      if (!row) return undefined;
      return {
        hub: info.name,
        consumerGroup,
        partitionId,
        sequenceNumber: row.seq,
        offset: row.offset,
        updatedAt: row.updated_ms,
      };
    },
    setCheckpoint(hubName, consumerGroup, partitionId, event) {
      const info = hub(hubName);
      q.setCheckpoint.run(
        info.name,
        consumerGroup,
        partitionNumber(info, partitionId),
        event.sequenceNumber,
        event.offset,
        clock.now(),
      );
    },
    subscribe(hubName, listener) {
      let set = listeners.get(hubName);
      if (!set) listeners.set(hubName, (set = new Set()));
      const entry = (ids: string[]): void => listener(ids);
      set.add(entry);
      const unsubscribe = (): void => {
        set.delete(entry);
        unsubscribers.delete(unsubscribe);
      };
      unsubscribers.add(unsubscribe);
      return unsubscribe;
    },
    purgeExpired,
    close() {
      closed = true;
      cancelPurge?.();
      cancelPurge = undefined;
      for (const u of [...unsubscribers]) u();
    },
  };

  // Events may have aged out while the host was down; this also arms the timer for the next purge.
  purgeExpired();
  return log;
}

/** The producer the app's embedded adapter hands to use cases (async, like the real SDK). */
export function createEventProducer(log: EventLog): EventProducer {
  return {
    async send(hub, events) {
      log.append(hub, events);
    },
  };
}
