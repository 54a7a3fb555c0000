// The event log's contract: the part of Event Hubs the app and the trigger rely on. Hubs with a fixed
// number of partitions, events placed by partition key, per-partition sequence numbers and offsets,
// time-based retention, and per consumer group checkpoints. The API is synchronous because SQLite is.
import type { FaultPlan } from '../faults/plan';

/** An event to append. Bodies are JSON values (they are stored as JSON text). */
export interface NewEvent {
  body: unknown;
  /** Events with the same key land on the same partition, in order. */
  partitionKey?: string;
  messageId?: string;
  properties?: Record<string, unknown>;
}

export interface StoredEvent {
  hub: string;
  /** Event Hubs partition ids are strings: "0", "1", ... */
  partitionId: string;
  /** 0, 1, 2, ... per partition. */
  sequenceNumber: number;
  /** Monotonic per partition (a byte position in the partition's stream, as in Event Hubs). */
  offset: number;
  /** Milliseconds since the epoch, host clock. */
  enqueuedTimeUtc: number;
  partitionKey?: string;
  messageId?: string;
  body: unknown;
  properties: Record<string, unknown>;
}

export interface HubOptions {
  /** Fixed when the hub is first created (as for Basic/Standard hubs). Default 4. */
  partitionCount?: number;
  /** Events older than this are purged. Default one day. */
  retentionMs?: number;
}

export interface HubInfo {
  name: string;
  partitionCount: number;
  retentionMs: number;
  partitionIds: string[];
}

export interface PartitionInfo {
  hub: string;
  partitionId: string;
  /** First retained sequence number; equals `lastSequenceNumber + 1` when the partition is empty. */
  beginningSequenceNumber: number;
  /** -1 before the first event. */
  lastSequenceNumber: number;
  /** Offset of the last event; -1 before the first. */
  lastOffset: number;
  lastEnqueuedTimeUtc?: number;
  isEmpty: boolean;
}

export interface Checkpoint {
  hub: string;
  consumerGroup: string;
  partitionId: string;
  /** The last event processed: the consumer resumes after it. */
  sequenceNumber: number;
  offset: number;
  updatedAt: number;
}

export interface EventLogOptions {
  defaultPartitionCount?: number;
  defaultRetentionMs?: number;
  /** Per-hub settings, applied when the hub is created (retention also later). */
  hubs?: Record<string, HubOptions>;
}

export interface EventLog {
  /** The transient failures and delays injected into publishes and receives (LOCAL_FAULTS). */
  readonly faults: FaultPlan;
  /** The hub, created with its configured (or default) options on first use. */
  hub(name: string): HubInfo;
  /** The hubs created so far (looking does not create one). */
  hubNames(): string[];
  /**
   * Appends in one transaction and returns the stored events, in input order. An injected fault
   * throws Event Hubs' transient error (`MessagingError`, retryable) and appends nothing.
   */
  append(hub: string, events: NewEvent[]): StoredEvent[];
  /** Events of one partition with a sequence number above `afterSequenceNumber`, oldest first (may fail as a receive). */
  read(hub: string, partitionId: string, afterSequenceNumber: number, maxCount: number): StoredEvent[];
  /** The first event enqueued at or after `timeMs` (its predecessor's sequence number, for `read`). */
  sequenceNumberBefore(hub: string, partitionId: string, timeMs: number): number;
  partition(hub: string, partitionId: string): PartitionInfo;
  getCheckpoint(hub: string, consumerGroup: string, partitionId: string): Checkpoint | undefined;
  setCheckpoint(
    hub: string,
    consumerGroup: string,
    partitionId: string,
    event: { sequenceNumber: number; offset: number },
  ): void;
  /**
   * Calls `listener` (asynchronously, once per append) with the partitions that got new events,
   * whichever log instance on the same connection appended them.
   */
  subscribe(hub: string, listener: (partitionIds: string[]) => void): () => void;
  /** Deletes events past their hub's retention; returns how many. Runs by itself on the host clock. */
  purgeExpired(): number;
  /** Stops the retention timer and drops this log's listeners (the database stays open: it is the host's). */
  close(): void;
}

/** What the app uses to publish events (Event Hubs producer). */
export interface EventProducer {
  send(
    hub: string,
    events: {
      body: unknown;
      partitionKey?: string;
      messageId?: string;
      properties?: Record<string, unknown>;
    }[],
  ): Promise<void>;
}
