// The document store's contract: the part of Cosmos DB (NoSQL API) the app relies on, with its
// semantics (partitioned containers, etags, conditional writes, single-partition atomic batches,
// a LatestVersion change feed). The API is synchronous because SQLite is; adapters make it async.
import type {
  BatchOperation,
  BatchResult as PortBatchResult,
  Doc,
  PatchOperation,
  PatchOptions,
  QuerySpec,
  WriteOptions,
} from '../../shared/app/ports';
import type { FaultPlan } from '../faults/plan';

/** System properties on every stored item, as Cosmos adds them. */
export interface SystemProperties {
  id: string;
  /** Opaque version tag; changes on every write. Quoted, as Cosmos sends it. */
  _etag: string;
  /** Last write time, seconds since the epoch (host clock). */
  _ts: number;
  /** Position in the container's change feed (Cosmos `_lsn`). */
  _lsn: number;
  /** Seconds to live after the last write; -1 never expires (overrides the container default). */
  ttl?: number;
}

/** A document to write: any JSON object with a string `id`. System properties are ignored on input. */
export type NewDocument = Doc & Record<string, unknown>;

/** A document as stored: what was written (`T`), with the system properties. */
export type StoredDocument<T extends Doc = NewDocument> = T & SystemProperties;

export interface ContainerDefinition {
  id: string;
  /** e.g. `/memberId` or `/id`. Nested paths (`/a/b`) are allowed. */
  partitionKeyPath: string;
  /** Seconds; omit for no TTL, -1 for "on but items never expire unless they set `ttl`". */
  defaultTtl?: number;
  /**
   * Top-level or nested field paths (`status`, `a.b`) to back with SQLite indexes so equality and
   * range queries on them avoid full scans. Other fields are still queryable, by scan.
   */
  indexedPaths?: string[];
  /**
   * Paths only ever filtered on, never sorted by alone: each gets an index of the items that have
   * the field (a write of an item without it maintains nothing for it). It serves =, in, ranges and
   * startsWith on the path; an ORDER BY on it alone reads the container. A path in both lists is
   * indexed in full.
   */
  filterOnlyPaths?: string[];
}

/** HTTP-like status codes, as Cosmos returns them. */
export type DocumentStatus = 200 | 201 | 204 | 400 | 404 | 408 | 409 | 412 | 413 | 424 | 429 | 503;

export class DocumentStoreError extends Error {
  constructor(
    /** 408, 429 and 503 only come from injected faults (LOCAL_FAULTS), as Cosmos DB's transient answers. */
    readonly status: 400 | 404 | 408 | 409 | 412 | 413 | 429 | 503,
    message: string,
    /** With a 429: how long to wait before trying again (Cosmos DB's `x-ms-retry-after-ms`). */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'DocumentStoreError';
  }
}

/**
 * Filters, patches, batches, queries and write options are the app's port types: the store serves
 * that port. A filter's `field` is a dotted path (`status`, `due.at`, `items.0`). Values of
 * different JSON types never match (`"5"` is not `5`). `contains` is a substring test on a string
 * field and an element test on an array field (Cosmos CONTAINS / ARRAY_CONTAINS); `exists` is true
 * for `null` too (Cosmos IS_DEFINED). A query's page size is 1..1000 (default 100).
 */
export type {
  BatchOperation,
  Filter,
  FilterOp,
  PatchOperation,
  PatchOptions,
  QuerySpec,
  WriteOptions,
} from '../../shared/app/ports';

export interface BatchResult extends PortBatchResult {
  statusCode: DocumentStatus;
  resourceBody?: StoredDocument;
  eTag?: string;
}

export interface QueryPage<T extends Doc = NewDocument> {
  items: StoredDocument<T>[];
  /** Present when more items follow. */
  continuation?: string;
}

export interface ChangeFeedPage {
  /** Latest version of each changed item, in write order; deletes and expiries do not appear. */
  items: StoredDocument[];
  /** The `_lsn` to pass as `afterLsn` next time (unchanged when `items` is empty). */
  lastLsn: number;
}

/** A change-feed page with each item as its stored JSON text. */
export interface ChangeFeedTextPage {
  bodies: string[];
  lastLsn: number;
}

export interface DocumentContainer {
  readonly databaseId: string;
  readonly definition: ContainerDefinition;
  /** 409 when an item with this id exists in that partition. */
  create<T extends Doc>(doc: T): StoredDocument<T>;
  /** undefined when absent or expired. Typed reads are the caller's claim about what the container holds. */
  read<T extends Doc = NewDocument>(partitionKey: string, id: string): StoredDocument<T> | undefined;
  /** 404 when absent; 412 on a stale `ifMatch`. */
  replace<T extends Doc>(partitionKey: string, id: string, doc: T, options?: WriteOptions): StoredDocument<T>;
  /** 412 on a stale `ifMatch` (and 404 when `ifMatch` is given but the item is absent). */
  upsert<T extends Doc>(doc: T, options?: WriteOptions): StoredDocument<T>;
  /** 404 when absent; 412 on a stale `ifMatch`. */
  delete(partitionKey: string, id: string, options?: WriteOptions): void;
  /** 404 when absent; 412 on a stale `ifMatch` or a failed condition; 400 on a bad path or incr of a non-number. */
  patch<T extends Doc = NewDocument>(
    partitionKey: string,
    id: string,
    operations: PatchOperation[],
    options?: PatchOptions,
  ): StoredDocument<T>;
  /**
   * Atomic transactional batch within one partition (at most 100 operations): all succeed or none
   * is applied. On failure the failing operation carries its status and every other one 424.
   * Never throws for a failed operation; throws 400 for a malformed batch (size, wrong partition).
   */
  batch(partitionKey: string, operations: BatchOperation[]): BatchResult[];
  query<T extends Doc = NewDocument>(spec: QuerySpec): QueryPage<T>;
  /** Changes after `afterLsn` (0 = from the beginning), at most `maxItems`. */
  readChangeFeed(afterLsn: number, maxItems: number): ChangeFeedPage;
  /** The same page with each item as its stored JSON text (a trigger passes it on without parsing). */
  readChangeFeedText(afterLsn: number, maxItems: number): ChangeFeedTextPage;
  /** The newest `_lsn` written so far (0 if none): "start from now". */
  latestLsn(): number;
  /** The `_lsn` to read after to see the changes made at or after `timeMs` (Cosmos "start from time"). */
  lsnAt(timeMs: number): number;
  /** SQLite's `EXPLAIN QUERY PLAN` lines for a query: shows whether an index serves it. */
  explain(spec: QuerySpec): string[];
  /** Called (synchronously, after commit) whenever this container's change feed grows. */
  onChange(listener: () => void): () => void;
}

export interface DocumentStore {
  /** The transient failures and delays injected into the app's calls (LOCAL_FAULTS). */
  readonly faults: FaultPlan;
  /**
   * Creates the container (and its database) if absent; returns it. Asking again with a different
   * partition key path is a 400. `indexedPaths` given later are added.
   */
  createContainerIfNotExists(databaseId: string, definition: ContainerDefinition): DocumentContainer;
  /** undefined when the container does not exist. */
  container(databaseId: string, containerId: string): DocumentContainer | undefined;
  /** Runs `fn` in one SQLite transaction (nested store calls join it). For host-internal use. */
  transaction<T>(fn: () => T): T;
  /** Called (synchronously) when a container is created, e.g. for a trigger waiting on it. */
  onContainerCreated(listener: (container: DocumentContainer) => void): () => void;
  /** Deletes items whose TTL has passed (already invisible); returns how many. Not a change-feed event. */
  purgeExpired(): number;
}
