// The document store's contract: the part of Cosmos DB (NoSQL API) the app relies on, with its
// semantics (partitioned containers, etags, conditional writes, single-partition atomic batches,
// a LatestVersion change feed). The API is synchronous because SQLite is; adapters make it async.

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

export type StoredDocument = SystemProperties & Record<string, unknown>;

/** A document to write: any JSON object with a string `id`. System properties are ignored on input. */
export type NewDocument = { id: string } & Record<string, unknown>;

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
}

/** HTTP-like status codes, as Cosmos returns them. */
export type DocumentStatus = 200 | 201 | 204 | 400 | 404 | 409 | 412 | 413 | 424;

export class DocumentStoreError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 412 | 413,
    message: string,
  ) {
    super(message);
    this.name = 'DocumentStoreError';
  }
}

export interface WriteOptions {
  /** Only write when the stored item's `_etag` equals this; else 412. */
  ifMatch?: string;
}

export type FilterOp =
  '=' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'startsWith' | 'contains' | 'exists' | 'notExists';

/**
 * `field` is a dotted path (`status`, `due.at`, `items.0`). Values of different JSON types never match
 * (`"5"` is not `5`). `contains` is a substring test on a string field and an element test on an array
 * field (Cosmos CONTAINS / ARRAY_CONTAINS); `exists` is true for `null` too (Cosmos IS_DEFINED).
 */
export interface Filter {
  field: string;
  op: FilterOp;
  value?: unknown;
}

export type PatchOperation =
  | { op: 'set' | 'add' | 'replace'; path: string; value: unknown }
  | { op: 'incr'; path: string; value: number }
  | { op: 'remove'; path: string };

export interface PatchOptions extends WriteOptions {
  /** All filters must hold on the stored item, else 412 (Cosmos' patch filter predicate). */
  condition?: Filter[];
}

export type BatchOperation =
  | { operationType: 'Create'; resourceBody: NewDocument }
  | { operationType: 'Upsert'; resourceBody: NewDocument; ifMatch?: string }
  | { operationType: 'Replace'; id: string; resourceBody: NewDocument; ifMatch?: string }
  | { operationType: 'Delete'; id: string; ifMatch?: string }
  | { operationType: 'Read'; id: string }
  | {
      operationType: 'Patch';
      id: string;
      operations: PatchOperation[];
      condition?: Filter[];
      ifMatch?: string;
    };

export interface BatchResult {
  statusCode: DocumentStatus;
  resourceBody?: StoredDocument;
  eTag?: string;
}

export interface QuerySpec {
  /** Restrict to one partition (cheap); omit for a cross-partition query. */
  partitionKey?: string;
  where?: Filter[];
  orderBy?: { field: string; direction?: 'asc' | 'desc' }[];
  /** Page size, 1..1000 (default 100). */
  limit?: number;
  /** Opaque token from a previous page. */
  continuation?: string;
}

export interface QueryPage {
  items: StoredDocument[];
  /** Present when more items follow. */
  continuation?: string;
}

export interface ChangeFeedPage {
  /** Latest version of each changed item, in write order; deletes and expiries do not appear. */
  items: StoredDocument[];
  /** The `_lsn` to pass as `afterLsn` next time (unchanged when `items` is empty). */
  lastLsn: number;
}

export interface DocumentContainer {
  readonly databaseId: string;
  readonly definition: ContainerDefinition;
  /** 409 when an item with this id exists in that partition. */
  create(doc: NewDocument): StoredDocument;
  /** undefined when absent or expired. */
  read(partitionKey: string, id: string): StoredDocument | undefined;
  /** 404 when absent; 412 on a stale `ifMatch`. */
  replace(partitionKey: string, id: string, doc: NewDocument, options?: WriteOptions): StoredDocument;
  /** 412 on a stale `ifMatch` (and 404 when `ifMatch` is given but the item is absent). */
  upsert(doc: NewDocument, options?: WriteOptions): StoredDocument;
  /** 404 when absent; 412 on a stale `ifMatch`. */
  delete(partitionKey: string, id: string, options?: WriteOptions): void;
  /** 404 when absent; 412 on a stale `ifMatch` or a failed condition; 400 on a bad path or incr of a non-number. */
  patch(
    partitionKey: string,
    id: string,
    operations: PatchOperation[],
    options?: PatchOptions,
  ): StoredDocument;
  /**
   * Atomic transactional batch within one partition (at most 100 operations): all succeed or none
   * is applied. On failure the failing operation carries its status and every other one 424.
   * Never throws for a failed operation; throws 400 for a malformed batch (size, wrong partition).
   */
  batch(partitionKey: string, operations: BatchOperation[]): BatchResult[];
  query(spec: QuerySpec): QueryPage;
  /** Changes after `afterLsn` (0 = from the beginning), at most `maxItems`. */
  readChangeFeed(afterLsn: number, maxItems: number): ChangeFeedPage;
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
