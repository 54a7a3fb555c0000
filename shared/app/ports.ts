// The app's ports: what the use cases need from the outside world, in the app's own terms.
// Storage follows Cosmos DB (NoSQL) semantics, so an adapter over the real service or over the
// local host's document store can stand behind it unchanged: containers with a partition key,
// etags for optimistic concurrency, patch with a filter condition, and transactional batches
// within one partition.

import type { BorrowingLimits } from '../domain/rental';

/** Every stored item has a string id, unique within its partition. */
export interface Doc {
  id: string;
}

/** A document as read back: its fields plus the version tag the store gave it. */
export type Stored<T extends Doc> = T & { _etag: string };

export type FilterOp =
  '=' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'startsWith' | 'contains' | 'exists' | 'notExists';

/** `field` is a dotted path (`status`, `loans.r1`). */
export interface Filter {
  field: string;
  op: FilterOp;
  value?: unknown;
}

/** Cosmos partial-document update; `path` is a JSON pointer (`/available`, `/loans/r1`). */
export type PatchOperation =
  | { op: 'set' | 'add' | 'replace'; path: string; value: unknown }
  | { op: 'incr'; path: string; value: number }
  | { op: 'remove'; path: string };

export interface WriteOptions {
  /** Write only if the stored item still has this etag (else 412). */
  ifMatch?: string;
}

export interface PatchOptions extends WriteOptions {
  /** Every filter must hold on the stored item (else 412): Cosmos' patch filter predicate. */
  condition?: Filter[];
}

export type BatchOperation =
  | { operationType: 'Create'; resourceBody: Doc & Record<string, unknown> }
  | { operationType: 'Upsert'; resourceBody: Doc & Record<string, unknown>; ifMatch?: string }
  | { operationType: 'Replace'; id: string; resourceBody: Doc & Record<string, unknown>; ifMatch?: string }
  | { operationType: 'Delete'; id: string; ifMatch?: string }
  | { operationType: 'Read'; id: string }
  | {
      operationType: 'Patch';
      id: string;
      operations: PatchOperation[];
      condition?: Filter[];
      ifMatch?: string;
    };

/** One operation's outcome; in a failed batch the failing one has its status and the rest 424. */
export interface BatchResult {
  statusCode: number;
  resourceBody?: Record<string, unknown>;
}

export interface QuerySpec {
  /** One partition (cheap); omit for a cross-partition query. */
  partitionKey?: string;
  where?: Filter[];
  orderBy?: { field: string; direction?: 'asc' | 'desc' }[];
  /** Page size, 1..1000. */
  limit?: number;
  continuation?: string;
}

export interface Page<T extends Doc> {
  items: Stored<T>[];
  /** Present when more items follow. */
  continuation?: string;
}

/**
 * A failed storage call, with the status Cosmos gives it: 404 absent, 409 id taken, 412 etag or
 * condition failed, 400 malformed, 408/429/449/503 transient (`BUSY_STATUSES`: retry later).
 */
export class DocumentError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
    this.name = 'DocumentError';
  }
}

// By shape, not instanceof: the adapter may come from another module loader than the app (the local
// host injects adapters it loaded itself), so its DocumentError class may be another copy.
export function isDocumentError(err: unknown, status: number): err is DocumentError {
  return (
    err instanceof Error && err.name === 'DocumentError' && (err as { status?: unknown }).status === status
  );
}

/**
 * The statuses that say "try again later", not "no" (Cosmos DB's REST reference: 408 timed out, 429
 * throttled, 449 retry with, 503 unavailable). The store answers them for a whole request or, in a
 * batch, for an operation; the port raises them as a DocumentError either way.
 */
export const BUSY_STATUSES: readonly number[] = [408, 429, 449, 503];

/** A storage call that failed for now (throttled, timed out, unavailable): worth a retry later. */
export function isBusyDocumentError(err: unknown): err is DocumentError {
  return BUSY_STATUSES.some((status) => isDocumentError(err, status));
}

/** One container. Typed reads are the caller's claim about what the container holds. */
export interface DocumentContainer {
  /** undefined when absent. */
  read<T extends Doc>(partitionKey: string, id: string): Promise<Stored<T> | undefined>;
  /** 409 when the id is taken in that partition. */
  create<T extends Doc>(doc: T): Promise<Stored<T>>;
  /** 404 when absent; 412 on a stale `ifMatch`. */
  replace<T extends Doc>(
    partitionKey: string,
    id: string,
    doc: T,
    options?: WriteOptions,
  ): Promise<Stored<T>>;
  /** 412 on a stale `ifMatch`. */
  upsert<T extends Doc>(doc: T, options?: WriteOptions): Promise<Stored<T>>;
  /** 404 when absent; 412 on a stale `ifMatch`. */
  delete(partitionKey: string, id: string, options?: WriteOptions): Promise<void>;
  /** 404 when absent; 412 on a stale `ifMatch` or a failed condition. */
  patch<T extends Doc>(
    partitionKey: string,
    id: string,
    operations: PatchOperation[],
    options?: PatchOptions,
  ): Promise<Stored<T>>;
  /**
   * All or nothing, within one partition (at most 100 operations). An operation that fails (404, 409,
   * 412, ...) is a result, not a throw; a busy status (`BUSY_STATUSES`), for the batch or for one of
   * its operations, throws as it does for any call.
   */
  batch(partitionKey: string, operations: BatchOperation[]): Promise<BatchResult[]>;
  query<T extends Doc>(spec: QuerySpec): Promise<Page<T>>;
}

/**
 * The app's containers (see docs/decisions/0001-partition-keys.md and 0005-outbox-and-views.md):
 * `members` (partition key `/memberId`): members, their rentals, points ledger and outbox;
 * `books` (partition key `/id`): one book each, with its copy counters, loans and outbox;
 * `views` (partition key `/memberId`): the read models kept from the change feed;
 * `deadLetters` (partition key `/consumer`): changes a consumer failed on, to replay;
 * `notices` (partition key `/memberId`): each member's inbox of notices.
 */
export interface Containers {
  members: DocumentContainer;
  books: DocumentContainer;
  views: DocumentContainer;
  deadLetters: DocumentContainer;
  notices: DocumentContainer;
}

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

/** Settings the use cases need (validated in shared/config.ts). */
export interface RentalPolicy extends BorrowingLimits {
  loanDays: number;
  /** Times one loan may be renewed. */
  maxRenewals: number;
  /** Days a copy is kept for a member whose hold is READY. */
  holdDays: number;
  feeTimeZone: string;
  /** Days between overdue reminders while a loan stays overdue. */
  overdueReminderDays: number;
}

/** Everything a use case may touch. */
export interface AppDeps {
  containers: Containers;
  clock: Clock;
  policy: RentalPolicy;
}

/**
 * Publishes events to an Event Hub. The events of one call share a partition key (the aggregate
 * id), so each aggregate's events stay in order; all of them are sent, or the call throws.
 */
export interface EventPublisher {
  publish(hub: string, partitionKey: string, events: readonly object[]): Promise<void>;
}

/** One message for a Service Bus queue; `messageId` is what duplicate detection keys on. */
export interface OutgoingMessage {
  messageId: string;
  body: unknown;
  contentType?: string;
  /** Deliver no earlier than this time (a scheduled message). */
  scheduledEnqueueTimeUtc?: Date;
}

/** Sends messages to a Service Bus queue; all of them are accepted, or the call throws. */
export interface MessageSender {
  send(queue: string, messages: readonly OutgoingMessage[]): Promise<void>;
}

/** A message Service Bus dead-lettered, locked for the caller until it completes or releases it. */
/** A dead letter looked at, not locked: where it is in the queue instead of a lock. */
export type PeekedDeadLetter = Omit<DeadLetter, 'lockToken'> & { sequenceNumber: number };

export interface DeadLetter {
  queue: string;
  messageId: string;
  body: unknown;
  contentType?: string;
  /** Why it was dead-lettered (`MaxDeliveryCountExceeded`, or the reason the receiver gave). */
  reason?: string;
  description?: string;
  deliveryCount: number;
  /** When it was first enqueued, milliseconds since the epoch. */
  enqueuedAt: number;
  /** The adapter's handle on the lock; opaque to the caller. */
  lockToken: string;
}

/** What a notice channel is handed: one notice for one member (shared/app/notices.ts). */
export interface NoticeDelivery {
  id: string;
  memberId: string;
  kind: string;
  text: string;
  rentalId?: string;
  holdId?: string;
  bookTitle?: string | null;
  createdAt: string;
}

/**
 * A way of telling a member (a webhook to a messenger bot or a Logic App, ...). `deliver` resolves
 * once the channel has taken the notice and throws when it has not; it may be called again for a
 * notice it took (after a crash), so it passes the notice's `id` on for the far side to deduplicate.
 */
export interface NoticeChannel {
  /** Stable, recorded on the notice once delivered: `webhook`. */
  readonly name: string;
  deliver(notice: NoticeDelivery): Promise<void>;
}

/** Reads a Service Bus queue's dead-letter sub-queue, for replaying what failed. */
export interface DeadLetterReceiver {
  /**
   * Up to `maxCount` dead letters of `queue` without locking them, oldest first, from sequence
   * number `fromSequenceNumber` on: a listing pages through them by sequence number.
   */
  peek(queue: string, maxCount: number, fromSequenceNumber: number): Promise<PeekedDeadLetter[]>;
  /** Locks and returns up to `maxCount` dead letters of `queue`, oldest first; [] when none is waiting. */
  receive(queue: string, maxCount: number): Promise<DeadLetter[]>;
  /** Removes a received dead letter (it was replayed). */
  complete(letter: DeadLetter): Promise<void>;
  /** Unlocks a received dead letter, leaving it in the dead-letter queue. */
  release(letter: DeadLetter): Promise<void>;
}
