// The queue store's contract: the part of Service Bus the app and the trigger rely on. Queues (and
// topics with subscriptions), peek-lock receive with lock expiry, complete/abandon/dead-letter,
// max delivery count, scheduled messages, duplicate detection by message id, sequence numbers and a
// dead-letter sub-queue per entity (`<entity>/$deadletterqueue`). Synchronous because SQLite is.
import type { FaultPlan } from '../faults/plan';

export interface QueueOptions {
  /** Peek-lock duration. Default one minute (PT1M), as in Service Bus. */
  lockDurationMs?: number;
  /** Deliveries before a message is dead-lettered with `MaxDeliveryCountExceeded`. Default 10. */
  maxDeliveryCount?: number;
  /** Default on, as requested for this project's queues (`requiresDuplicateDetection`). */
  requiresDuplicateDetection?: boolean;
  /** Default ten minutes (PT10M). */
  duplicateDetectionHistoryTimeWindowMs?: number;
}

export type EntityKind = 'queue' | 'topic' | 'subscription';

export interface EntityInfo {
  /** Queue name, topic name, or `<topic>/Subscriptions/<name>`. */
  name: string;
  kind: EntityKind;
  lockDurationMs: number;
  maxDeliveryCount: number;
  requiresDuplicateDetection: boolean;
  duplicateDetectionHistoryTimeWindowMs: number;
}

/** A message to send. Bodies are JSON values (they are stored as JSON text). */
export interface OutgoingMessage {
  body: unknown;
  /** Generated when absent. Duplicate detection compares these. */
  messageId?: string;
  /** Invisible to receivers until then (host clock). */
  scheduledEnqueueTimeUtc?: Date;
  applicationProperties?: Record<string, unknown>;
  correlationId?: string;
  contentType?: string;
  subject?: string;
}

export interface SendResult {
  /** Sequence numbers of the messages stored, in input order (duplicates left out). */
  sequenceNumbers: number[];
  /** Message ids dropped by duplicate detection (the send still succeeds, as in Service Bus). */
  duplicates: string[];
}

export interface PeekedMessage {
  entity: string;
  sequenceNumber: number;
  messageId: string;
  body: unknown;
  contentType?: string;
  correlationId?: string;
  subject?: string;
  applicationProperties: Record<string, unknown>;
  /** Milliseconds since the epoch (host clock); for a scheduled message, its scheduled time. */
  enqueuedTimeUtc: number;
  scheduledEnqueueTimeUtc?: number;
  /** Deliveries so far, counting the current one for a received message (1 on the first). */
  deliveryCount: number;
  /** Messages never expire here (Service Bus' default time-to-live is "forever"). */
  expiresAtUtc: number;
  lockedUntilUtc?: number;
  state: 'active' | 'scheduled';
  deadLetterReason?: string;
  deadLetterErrorDescription?: string;
}

export interface ReceivedMessage extends PeekedMessage {
  lockToken: string;
  lockedUntilUtc: number;
}

export interface EntityCounts {
  active: number;
  scheduled: number;
  locked: number;
  deadLettered: number;
}

/** Settling with a lock that expired (or a token that never existed), as Service Bus reports it. */
export class MessageLockLostError extends Error {
  readonly code = 'MessageLockLost';
  constructor(entity: string, lockToken: string) {
    super(`The lock on the message in "${entity}" (token ${lockToken}) expired or was lost.`);
    this.name = 'MessageLockLostError';
  }
}

export interface QueueStore {
  /** The transient failures and delays injected into sends and receives (LOCAL_FAULTS). */
  readonly faults: FaultPlan;
  /** Creates the queue with these options, or updates an existing queue's options. */
  declareQueue(name: string, options?: QueueOptions): EntityInfo;
  declareTopic(
    name: string,
    options?: Pick<QueueOptions, 'requiresDuplicateDetection' | 'duplicateDetectionHistoryTimeWindowMs'>,
  ): EntityInfo;
  /** Messages sent to the topic from now on are copied into this subscription. */
  declareSubscription(topic: string, subscription: string, options?: QueueOptions): EntityInfo;
  /** The entity (a queue is created on first use; a `.../$deadletterqueue` reports its parent's). */
  entity(name: string): EntityInfo;
  /**
   * Stores the messages in one transaction. A topic copies each message into every subscription.
   * An injected fault throws Service Bus' transient error (`ServiceBusError`, retryable) and stores nothing.
   */
  send(entity: string, messages: readonly OutgoingMessage[]): SendResult;
  /** Peek-lock receive of up to `maxCount` messages that are visible now, oldest first. */
  receive(entity: string, maxCount: number): ReceivedMessage[];
  complete(entity: string, lockToken: string): void;
  /** Releases the lock; at `maxDeliveryCount` deliveries the message is dead-lettered instead. */
  abandon(entity: string, lockToken: string): void;
  deadLetter(
    entity: string,
    lockToken: string,
    reason?: { deadLetterReason?: string; deadLetterErrorDescription?: string },
  ): void;
  /** Extends the lock by one lock duration from now; returns the new `lockedUntilUtc`. */
  renewLock(entity: string, lockToken: string): number;
  /** Messages without locking them, from `fromSequenceNumber` on (scheduled and locked ones too). */
  peek(entity: string, maxCount: number, fromSequenceNumber?: number): PeekedMessage[];
  /** The next time a message of the entity that is not receivable now becomes receivable. */
  nextVisibleAt(entity: string): number | undefined;
  counts(entity: string): EntityCounts;
  /**
   * Calls `listener` (asynchronously) when messages may have become receivable in the entity, through
   * whichever store instance on the same connection.
   */
  subscribe(entity: string, listener: () => void): () => void;
  /** Drops this store's listeners (the database stays open: it is the host's). */
  close(): void;
}

/** What the app uses to send messages (Service Bus sender); it also serves the app's MessageSender port. */
export interface MessageSender {
  send(queue: string, messages: readonly OutgoingMessage[]): Promise<void>;
}
