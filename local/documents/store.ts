// The document store (Cosmos DB NoSQL stand-in) on the host's SQLite file.
// One row per item: (container, partition key, id) is the primary key, the document is kept as JSON
// text, `lsn` is its change-feed position and `expires_at` its TTL deadline on the host clock.
// Statements are prepared once per container with the container's number spliced in as a literal,
// so SQLite can use that container's partial expression indexes (`indexedPaths`).
import { createHash, randomUUID } from 'node:crypto';
import type { Database, Statement } from 'better-sqlite3';
import type { Clock } from '../host/clock';
import type { Logger } from '../host/logger';
import { fieldExpr, filterSql, matchesFilter } from './filters';
import { applyPatch } from './patch';
import { fieldSegments, partitionKeySegments, valueAt } from './paths';
import {
  DocumentStoreError,
  type BatchOperation,
  type BatchResult,
  type ChangeFeedPage,
  type ContainerDefinition,
  type DocumentContainer,
  type DocumentStore,
  type Filter,
  type NewDocument,
  type PatchOperation,
  type PatchOptions,
  type QueryPage,
  type QuerySpec,
  type StoredDocument,
  type WriteOptions,
} from './types';

const MAX_BATCH_OPERATIONS = 100;
const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;
const DEFAULT_PAGE = 100;
const MAX_PAGE = 1000;
/** Properties Cosmos owns: ignored on input, set on every write. */
const SYSTEM_PROPERTIES = new Set(['_rid', '_self', '_etag', '_attachments', '_ts', '_lsn']);

const SCHEMA = `
CREATE TABLE IF NOT EXISTS doc_containers (
  cid INTEGER PRIMARY KEY,
  database_id TEXT NOT NULL,
  container_id TEXT NOT NULL,
  definition TEXT NOT NULL,
  last_lsn INTEGER NOT NULL DEFAULT 0,
  UNIQUE (database_id, container_id)
);
CREATE TABLE IF NOT EXISTS doc_items (
  cid INTEGER NOT NULL,
  pk TEXT NOT NULL,
  id TEXT NOT NULL,
  body TEXT NOT NULL,
  etag TEXT NOT NULL,
  lsn INTEGER NOT NULL,
  expires_at INTEGER,
  PRIMARY KEY (cid, pk, id)
);
CREATE INDEX IF NOT EXISTS doc_items_feed ON doc_items (cid, lsn, pk, id);
CREATE INDEX IF NOT EXISTS doc_items_expiry ON doc_items (expires_at) WHERE expires_at IS NOT NULL;
`;

interface Row {
  body: string;
  etag: string;
  expires_at: number | null;
}

type Rollback = { failedIndex: number; status: DocumentStoreError['status'] };

class BatchFailed extends Error {
  constructor(readonly failure: Rollback) {
    super('batch failed');
  }
}

function checkName(kind: string, name: string): void {
  if (
    typeof name !== 'string' ||
    name === '' ||
    name.length > 255 ||
    /[/\\?#]/.test(name) ||
    name.endsWith(' ')
  ) {
    throw new DocumentStoreError(400, `Invalid ${kind} "${String(name)}".`);
  }
}

function checkTtl(ttl: unknown, what: string): number {
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl === 0 || ttl < -1) {
    throw new DocumentStoreError(
      400,
      `${what} must be a positive whole number of seconds or -1 (got ${String(ttl)}).`,
    );
  }
  return ttl;
}

function encodeToken(values: unknown[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

function decodeToken(token: string, expected: number): unknown[] {
  try {
    const values: unknown = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
    const scalar = (v: unknown) => v === null || typeof v === 'string' || typeof v === 'number';
    if (Array.isArray(values) && values.length === expected && values.every(scalar)) return values;
  } catch {
    // fall through to the 400 below
  }
  throw new DocumentStoreError(400, 'Invalid continuation token for this query.');
}

class Container implements DocumentContainer {
  readonly definition: ContainerDefinition;
  private readonly listeners = new Set<() => void>();
  private readonly pkSegments: string[];
  private readonly statements = new Map<string, Statement>();
  private readonly selectRow: Statement;
  private readonly selectMeta: Statement;
  private readonly writeRow: Statement;
  private readonly deleteRow: Statement;
  private readonly nextLsnStmt: Statement;
  private readonly latestLsnStmt: Statement;
  private readonly feed: Statement;
  private readonly feedAt: Statement;

  constructor(
    private readonly store: Store,
    private readonly db: Database,
    readonly cid: number,
    readonly databaseId: string,
    definition: ContainerDefinition,
  ) {
    this.definition = { ...definition, indexedPaths: [...(definition.indexedPaths ?? [])] };
    this.pkSegments = partitionKeySegments(definition.partitionKeyPath);
    const c = `cid = ${cid}`;
    this.selectRow = db.prepare(
      `SELECT body, etag, expires_at FROM doc_items WHERE ${c} AND pk = ? AND id = ?`,
    );
    this.selectMeta = db.prepare(`SELECT etag, expires_at FROM doc_items WHERE ${c} AND pk = ? AND id = ?`);
    this.writeRow = db.prepare(
      `INSERT INTO doc_items (cid, pk, id, body, etag, lsn, expires_at) VALUES (${cid}, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (cid, pk, id) DO UPDATE SET body = excluded.body, etag = excluded.etag, lsn = excluded.lsn,
         expires_at = excluded.expires_at`,
    );
    this.deleteRow = db.prepare(`DELETE FROM doc_items WHERE ${c} AND pk = ? AND id = ?`);
    this.nextLsnStmt = db
      .prepare(`UPDATE doc_containers SET last_lsn = last_lsn + 1 WHERE ${c} RETURNING last_lsn`)
      .pluck();
    this.latestLsnStmt = db.prepare(`SELECT last_lsn FROM doc_containers WHERE ${c}`).pluck();
    const live = '(expires_at IS NULL OR expires_at > ?)';
    this.feed = db.prepare(
      `SELECT body, lsn FROM doc_items WHERE ${c} AND lsn > ? AND ${live} ORDER BY lsn, pk, id LIMIT ?`,
    );
    this.feedAt = db
      .prepare(`SELECT body FROM doc_items WHERE ${c} AND lsn = ? AND ${live} ORDER BY pk, id`)
      .pluck();
    this.addIndexes(this.definition.indexedPaths ?? []);
  }

  /** Creates the partial expression indexes for `paths` (idempotent). */
  addIndexes(paths: string[]): void {
    for (const field of paths) {
      fieldSegments(field); // validates before the path is spliced into SQL
      if (!this.definition.indexedPaths?.includes(field)) this.definition.indexedPaths?.push(field);
      this.db.exec(
        `CREATE INDEX IF NOT EXISTS ${this.indexName(field)} ON doc_items (${fieldExpr(field)}, pk, id) WHERE cid = ${this.cid}`,
      );
    }
  }

  private indexName(field: string): string {
    return `doc_ix_${this.cid}_${createHash('sha1').update(field).digest('hex').slice(0, 12)}`;
  }

  /**
   * The index to force for a cross-partition query, if one of its fields is indexed. Without
   * statistics SQLite's planner prefers the primary key's `cid = N` prefix to a range or IN on an
   * expression index, i.e. it would read the whole container; `INDEXED BY` makes the choice explicit.
   * Equality first (most selective), then ranges, then the first sort key.
   */
  private chooseIndex(spec: QuerySpec): string | undefined {
    if (spec.partitionKey !== undefined) return undefined; // the (cid, pk, id) key serves it
    const indexed = new Set(this.definition.indexedPaths);
    const where = (spec.where ?? []).filter((f) => indexed.has(f.field));
    const homogeneous = (v: unknown): boolean =>
      Array.isArray(v) &&
      v.length > 0 &&
      (v.every((x) => typeof x === 'string') || v.every((x) => typeof x === 'number'));
    const pick =
      where.find((f) => f.op === '=' || (f.op === 'in' && homogeneous(f.value))) ??
      where.find((f) => ['<', '<=', '>', '>=', 'startsWith'].includes(f.op)) ??
      spec.orderBy?.find((o, i) => i === 0 && indexed.has(o.field));
    return pick && this.indexName(pick.field);
  }

  // ---- reads

  read(partitionKey: string, id: string): StoredDocument | undefined {
    const row = this.liveRow(partitionKey, id);
    return row ? (JSON.parse(row.body) as StoredDocument) : undefined;
  }

  // ---- single writes: each is one transaction (nested in the caller's, if any)

  create(doc: NewDocument): StoredDocument {
    return this.write(() => this.doCreate(doc, this.lsnSource()).doc);
  }

  replace(partitionKey: string, id: string, doc: NewDocument, options?: WriteOptions): StoredDocument {
    return this.write(() => this.doReplace(partitionKey, id, doc, options?.ifMatch, this.lsnSource()));
  }

  upsert(doc: NewDocument, options?: WriteOptions): StoredDocument {
    return this.write(() => this.doUpsert(doc, options?.ifMatch, this.lsnSource()).doc);
  }

  delete(partitionKey: string, id: string, options?: WriteOptions): void {
    this.store.transaction(() => this.doDelete(partitionKey, id, options?.ifMatch));
  }

  patch(
    partitionKey: string,
    id: string,
    operations: PatchOperation[],
    options?: PatchOptions,
  ): StoredDocument {
    return this.write(() =>
      this.doPatch(partitionKey, id, operations, options?.condition, options?.ifMatch, this.lsnSource()),
    );
  }

  batch(partitionKey: string, operations: BatchOperation[]): BatchResult[] {
    this.checkBatch(partitionKey, operations);
    const results: BatchResult[] = [];
    try {
      this.write(() => {
        // One transaction, one change-feed position for every item it writes (as a Cosmos batch).
        const lsn = this.lsnSource();
        operations.forEach((op, i) => {
          try {
            results.push(this.applyBatchOp(partitionKey, op, lsn));
          } catch (err) {
            if (err instanceof DocumentStoreError)
              throw new BatchFailed({ failedIndex: i, status: err.status });
            throw err;
          }
        });
      });
    } catch (err) {
      if (!(err instanceof BatchFailed)) throw err;
      const { failedIndex, status } = err.failure;
      return operations.map((_, i) => ({ statusCode: i === failedIndex ? status : 424 }));
    }
    return results;
  }

  // ---- queries

  query(spec: QuerySpec): QueryPage {
    const plan = this.planQuery(spec);
    const rows = this.statement(plan.sql).all(...plan.params) as Record<string, unknown>[];
    const more = rows.length > plan.limit;
    const page = more ? rows.slice(0, plan.limit) : rows;
    const items = page.map((r) => JSON.parse(r.body as string) as StoredDocument);
    if (!more) return { items };
    const last = page[page.length - 1];
    return {
      items,
      continuation: encodeToken([...plan.sortKeys.map((_, i) => last[`s${i}`]), last.pk, last.id]),
    };
  }

  explain(spec: QuerySpec): string[] {
    const plan = this.planQuery(spec);
    const rows = this.db.prepare(`EXPLAIN QUERY PLAN ${plan.sql}`).all(...plan.params) as {
      detail: string;
    }[];
    return rows.map((r) => r.detail);
  }

  private planQuery(spec: QuerySpec): { sql: string; params: unknown[]; limit: number; sortKeys: string[] } {
    const limit = spec.limit ?? DEFAULT_PAGE;
    if (!Number.isInteger(limit) || limit < 1)
      throw new DocumentStoreError(400, `Invalid page size ${String(limit)}.`);
    const pageSize = Math.min(limit, MAX_PAGE);
    const where = [`cid = ${this.cid}`, '(expires_at IS NULL OR expires_at > ?)'];
    const params: unknown[] = [this.store.clock.now()];
    if (spec.partitionKey !== undefined) {
      where.push('pk = ?');
      params.push(spec.partitionKey);
    }
    for (const f of spec.where ?? []) {
      const frag = filterSql(f);
      where.push(frag.sql);
      params.push(...frag.params);
    }
    const order = (spec.orderBy ?? []).map((o) => {
      if (o.direction !== undefined && o.direction !== 'asc' && o.direction !== 'desc') {
        throw new DocumentStoreError(400, `Invalid order direction "${String(o.direction)}".`);
      }
      return { expr: fieldExpr(o.field), desc: o.direction === 'desc' };
    });
    // Ties break on (pk, id) in the direction of the last key, so an index on (field, pk, id) can
    // serve the whole ORDER BY in one pass (forwards or backwards).
    const tieDesc = order.length > 0 && order[order.length - 1].desc;
    const keys = [...order, { expr: 'pk', desc: tieDesc }, { expr: 'id', desc: tieDesc }];
    if (spec.continuation !== undefined) {
      const after = this.keysetAfter(keys, decodeToken(spec.continuation, keys.length));
      where.push(after.sql);
      params.push(...after.params);
    }
    const select = ['body', 'pk', 'id', ...order.map((o, i) => `${o.expr} AS s${i}`)].join(', ');
    const orderSql = keys.map((k) => `${k.expr} ${k.desc ? 'DESC' : 'ASC'}`).join(', ');
    const index = this.chooseIndex(spec);
    const from = index ? `doc_items INDEXED BY ${index}` : 'doc_items';
    const sql = `SELECT ${select} FROM ${from} WHERE ${where.join(' AND ')} ORDER BY ${orderSql} LIMIT ${pageSize + 1}`;
    return { sql, params, limit: pageSize, sortKeys: order.map((o) => o.expr) };
  }

  /**
   * "Rows after this one" in the ORDER BY: (k1 > v1) OR (k1 IS v1 AND k2 > v2) OR ... with SQLite's
   * NULL-lowest ordering (Cosmos also sorts null and missing lowest).
   */
  private keysetAfter(
    keys: { expr: string; desc: boolean }[],
    values: unknown[],
  ): { sql: string; params: unknown[] } {
    const alternatives: string[] = [];
    const params: unknown[] = [];
    keys.forEach((k, i) => {
      const v = values[i];
      if (v === null && k.desc) return; // descending, nothing sorts after NULL (the lowest value)
      const terms = keys.slice(0, i).map((prev) => `${prev.expr} IS ?`);
      const termParams = values.slice(0, i);
      if (v === null) terms.push(`${k.expr} IS NOT NULL`);
      else {
        terms.push(k.desc ? `(${k.expr} < ? OR ${k.expr} IS NULL)` : `${k.expr} > ?`);
        termParams.push(v);
      }
      alternatives.push(`(${terms.join(' AND ')})`);
      params.push(...termParams);
    });
    return { sql: alternatives.length > 0 ? `(${alternatives.join(' OR ')})` : '0', params };
  }

  private statement(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      if (this.statements.size >= 256) this.statements.clear(); // bounded: query shapes are few in practice
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  // ---- change feed

  readChangeFeed(afterLsn: number, maxItems: number): ChangeFeedPage {
    if (!Number.isInteger(maxItems) || maxItems < 1)
      throw new DocumentStoreError(400, `Invalid maxItems ${maxItems}.`);
    const now = this.store.clock.now();
    const rows = this.feed.all(afterLsn, now, maxItems) as { body: string; lsn: number }[];
    if (rows.length === 0) return { items: [], lastLsn: afterLsn };
    const lastLsn = rows[rows.length - 1].lsn;
    let bodies = rows.map((r) => r.body);
    if (rows.length === maxItems) {
      // Never split the items of one transaction (a batch shares one _lsn) across pages: Cosmos
      // returns them together even when that exceeds the page size.
      bodies = [
        ...rows.filter((r) => r.lsn < lastLsn).map((r) => r.body),
        ...(this.feedAt.all(lastLsn, now) as string[]),
      ];
    }
    return { items: bodies.map((b) => JSON.parse(b) as StoredDocument), lastLsn };
  }

  latestLsn(): number {
    return this.latestLsnStmt.get() as number;
  }

  lsnAt(timeMs: number): number {
    const ts = Math.floor(timeMs / 1000);
    const stmt = this.statement(
      `SELECT COALESCE(MAX(lsn), 0) FROM doc_items WHERE cid = ${this.cid} AND json_extract(body, '$._ts') < ?`,
    );
    return stmt.pluck().get(ts) as number;
  }

  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Tells the listeners the feed grew (called by the store after the outermost commit). */
  emit(): void {
    for (const listener of [...this.listeners]) {
      try {
        listener();
      } catch (err) {
        this.store.log?.error(
          `A change-feed listener of ${this.databaseId}/${this.definition.id} threw`,
          err,
        );
      }
    }
  }

  // ---- internals

  private write<T>(fn: () => T): T {
    return this.store.transaction(() => {
      const result = fn();
      this.store.markChanged(this);
      return result;
    });
  }

  /** Allocates the container's next `_lsn` on first use, then keeps returning it. */
  private lsnSource(): () => number {
    let lsn: number | undefined;
    return () => (lsn ??= this.nextLsnStmt.get() as number);
  }

  private liveRow(partitionKey: string, id: string): Row | undefined {
    const row = this.selectRow.get(partitionKey, id) as Row | undefined;
    return row && (row.expires_at === null || row.expires_at > this.store.clock.now()) ? row : undefined;
  }

  private liveMeta(partitionKey: string, id: string): Omit<Row, 'body'> | undefined {
    const row = this.selectMeta.get(partitionKey, id) as Omit<Row, 'body'> | undefined;
    return row && (row.expires_at === null || row.expires_at > this.store.clock.now()) ? row : undefined;
  }

  private keyOf(doc: NewDocument): { pk: string; id: string } {
    if (doc === null || typeof doc !== 'object' || Array.isArray(doc)) {
      throw new DocumentStoreError(400, 'A document must be a JSON object.');
    }
    checkName('id', doc.id);
    const pk = valueAt(doc, this.pkSegments);
    if (typeof pk !== 'string') {
      throw new DocumentStoreError(
        400,
        `The document "${doc.id}" needs a string partition key at ${this.definition.partitionKeyPath}.`,
      );
    }
    return { pk, id: doc.id };
  }

  /** Seconds to live after the write, or null for never (Cosmos TTL rules). */
  private ttlOf(doc: Record<string, unknown>): number | null {
    const defaultTtl = this.definition.defaultTtl;
    if (defaultTtl === undefined) return null; // TTL off: an item's own `ttl` has no effect (as in Cosmos)
    const ttl = doc.ttl === undefined || doc.ttl === null ? defaultTtl : checkTtl(doc.ttl, 'An item ttl');
    return ttl === -1 ? null : ttl;
  }

  private persist(pk: string, id: string, doc: Record<string, unknown>, lsn: () => number): StoredDocument {
    const stored: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(doc)) if (!SYSTEM_PROPERTIES.has(k)) stored[k] = v;
    const ttl = this.ttlOf(stored);
    const ts = Math.floor(this.store.clock.now() / 1000);
    const etag = `"${randomUUID()}"`;
    stored.id = id;
    stored._etag = etag;
    stored._ts = ts;
    stored._lsn = lsn();
    const body = JSON.stringify(stored);
    if (body.length * 3 > MAX_DOCUMENT_BYTES && Buffer.byteLength(body) > MAX_DOCUMENT_BYTES) {
      throw new DocumentStoreError(413, `The document "${id}" is larger than 2 MB.`);
    }
    // Cosmos measures TTL from the item's _ts.
    this.writeRow.run(pk, id, body, etag, stored._lsn, ttl === null ? null : (ts + ttl) * 1000);
    return JSON.parse(body) as StoredDocument;
  }

  private doCreate(doc: NewDocument, lsn: () => number): { doc: StoredDocument } {
    const { pk, id } = this.keyOf(doc);
    if (this.liveMeta(pk, id))
      throw new DocumentStoreError(409, `An item with id "${id}" already exists in that partition.`);
    return { doc: this.persist(pk, id, doc, lsn) };
  }

  private doReplace(
    partitionKey: string,
    id: string,
    doc: NewDocument,
    ifMatch: string | undefined,
    lsn: () => number,
  ): StoredDocument {
    const key = this.keyOf(doc);
    if (key.id !== id) throw new DocumentStoreError(400, `The document's id "${key.id}" is not "${id}".`);
    if (key.pk !== partitionKey)
      throw new DocumentStoreError(400, 'The document belongs to another partition.');
    const current = this.liveMeta(partitionKey, id);
    if (!current) throw new DocumentStoreError(404, `No item "${id}" in that partition.`);
    if (ifMatch !== undefined && current.etag !== ifMatch)
      throw new DocumentStoreError(412, `The item "${id}" has changed.`);
    return this.persist(partitionKey, id, doc, lsn);
  }

  private doUpsert(
    doc: NewDocument,
    ifMatch: string | undefined,
    lsn: () => number,
  ): { doc: StoredDocument; created: boolean } {
    const { pk, id } = this.keyOf(doc);
    const current = this.liveMeta(pk, id);
    if (ifMatch !== undefined) {
      if (!current) throw new DocumentStoreError(404, `No item "${id}" in that partition.`);
      if (current.etag !== ifMatch) throw new DocumentStoreError(412, `The item "${id}" has changed.`);
    }
    return { doc: this.persist(pk, id, doc, lsn), created: !current };
  }

  private doDelete(partitionKey: string, id: string, ifMatch: string | undefined): void {
    const current = this.liveMeta(partitionKey, id);
    if (!current) throw new DocumentStoreError(404, `No item "${id}" in that partition.`);
    if (ifMatch !== undefined && current.etag !== ifMatch)
      throw new DocumentStoreError(412, `The item "${id}" has changed.`);
    this.deleteRow.run(partitionKey, id);
  }

  private doPatch(
    partitionKey: string,
    id: string,
    operations: PatchOperation[],
    condition: Filter[] | undefined,
    ifMatch: string | undefined,
    lsn: () => number,
  ): StoredDocument {
    const current = this.liveRow(partitionKey, id);
    if (!current) throw new DocumentStoreError(404, `No item "${id}" in that partition.`);
    if (ifMatch !== undefined && current.etag !== ifMatch)
      throw new DocumentStoreError(412, `The item "${id}" has changed.`);
    const doc = JSON.parse(current.body) as Record<string, unknown>;
    if (condition && !condition.every((f) => matchesFilter(doc, f))) {
      throw new DocumentStoreError(412, `The patch condition does not hold for "${id}".`);
    }
    applyPatch(doc, operations, this.definition.partitionKeyPath);
    return this.persist(partitionKey, id, doc, lsn);
  }

  private checkBatch(partitionKey: string, operations: BatchOperation[]): void {
    if (!Array.isArray(operations) || operations.length === 0)
      throw new DocumentStoreError(400, 'A batch needs operations.');
    if (operations.length > MAX_BATCH_OPERATIONS) {
      throw new DocumentStoreError(
        400,
        `A batch has at most ${MAX_BATCH_OPERATIONS} operations (got ${operations.length}).`,
      );
    }
    for (const op of operations) {
      if ('resourceBody' in op) {
        const key = this.keyOf(op.resourceBody);
        if (key.pk !== partitionKey) {
          throw new DocumentStoreError(400, `Batch item "${key.id}" is not in partition "${partitionKey}".`);
        }
        if (op.operationType === 'Replace' && key.id !== op.id) {
          throw new DocumentStoreError(
            400,
            `Batch replace of "${op.id}" carries a document with id "${key.id}".`,
          );
        }
      }
    }
  }

  private applyBatchOp(pk: string, op: BatchOperation, lsn: () => number): BatchResult {
    const done = (statusCode: 200 | 201, doc: StoredDocument): BatchResult => ({
      statusCode,
      resourceBody: doc,
      eTag: doc._etag,
    });
    switch (op.operationType) {
      case 'Create':
        return done(201, this.doCreate(op.resourceBody, lsn).doc);
      case 'Upsert': {
        const r = this.doUpsert(op.resourceBody, op.ifMatch, lsn);
        return done(r.created ? 201 : 200, r.doc);
      }
      case 'Replace':
        return done(200, this.doReplace(pk, op.id, op.resourceBody, op.ifMatch, lsn));
      case 'Delete':
        this.doDelete(pk, op.id, op.ifMatch);
        return { statusCode: 204 };
      case 'Read': {
        const doc = this.read(pk, op.id);
        if (!doc) throw new DocumentStoreError(404, `No item "${op.id}" in that partition.`);
        return done(200, doc);
      }
      case 'Patch':
        return done(200, this.doPatch(pk, op.id, op.operations, op.condition, op.ifMatch, lsn));
      default:
        throw new DocumentStoreError(
          400,
          `Unknown batch operation "${String((op as BatchOperation).operationType)}".`,
        );
    }
  }
}

class Store implements DocumentStore {
  private readonly containers = new Map<string, Container>();
  private readonly createdListeners = new Set<(c: DocumentContainer) => void>();
  private readonly changed = new Set<Container>();
  private readonly runInTransaction: (fn: () => unknown) => unknown;
  private readonly findContainer: Statement;
  private readonly insertContainer: Statement;
  private readonly updateDefinition: Statement;
  private readonly purge: Statement;
  private depth = 0;

  constructor(
    private readonly db: Database,
    readonly clock: Clock,
    readonly log: Logger | undefined,
  ) {
    db.exec(SCHEMA);
    // better-sqlite3 runs a transaction function nested in another as a savepoint.
    this.runInTransaction = db.transaction((fn: () => unknown) => fn());
    this.findContainer = db.prepare(
      'SELECT cid, definition FROM doc_containers WHERE database_id = ? AND container_id = ?',
    );
    this.insertContainer = db.prepare(
      'INSERT INTO doc_containers (database_id, container_id, definition) VALUES (?, ?, ?) RETURNING cid',
    );
    this.updateDefinition = db.prepare('UPDATE doc_containers SET definition = ? WHERE cid = ?');
    this.purge = db.prepare('DELETE FROM doc_items WHERE expires_at IS NOT NULL AND expires_at <= ?');
  }

  createContainerIfNotExists(databaseId: string, definition: ContainerDefinition): DocumentContainer {
    checkName('database id', databaseId);
    checkName('container id', definition?.id);
    partitionKeySegments(definition.partitionKeyPath);
    if (definition.defaultTtl !== undefined) checkTtl(definition.defaultTtl, 'A container defaultTtl');
    (definition.indexedPaths ?? []).forEach(fieldSegments);
    const existing = this.container(databaseId, definition.id) as Container | undefined;
    if (existing) {
      if (existing.definition.partitionKeyPath !== definition.partitionKeyPath) {
        throw new DocumentStoreError(
          400,
          `Container ${databaseId}/${definition.id} has partition key ${existing.definition.partitionKeyPath}, not ${definition.partitionKeyPath}.`,
        );
      }
      const added = (definition.indexedPaths ?? []).filter(
        (p) => !existing.definition.indexedPaths?.includes(p),
      );
      if (added.length > 0) existing.addIndexes(added);
      // As in Cosmos, a container's default TTL can be turned on or changed later (it applies from
      // the next write of each item).
      const ttlChanged =
        definition.defaultTtl !== undefined && definition.defaultTtl !== existing.definition.defaultTtl;
      if (ttlChanged) existing.definition.defaultTtl = definition.defaultTtl;
      if (added.length > 0 || ttlChanged) {
        this.updateDefinition.run(JSON.stringify(existing.definition), existing.cid);
      }
      return existing;
    }
    const clean: ContainerDefinition = {
      id: definition.id,
      partitionKeyPath: definition.partitionKeyPath,
      ...(definition.defaultTtl !== undefined ? { defaultTtl: definition.defaultTtl } : {}),
      indexedPaths: [...new Set(definition.indexedPaths ?? [])],
    };
    const cid = this.insertContainer.pluck().get(databaseId, definition.id, JSON.stringify(clean)) as number;
    const container = new Container(this, this.db, cid, databaseId, clean);
    this.containers.set(`${databaseId}/${definition.id}`, container);
    for (const listener of [...this.createdListeners]) {
      try {
        listener(container);
      } catch (err) {
        this.log?.error(`A container-created listener threw`, err);
      }
    }
    return container;
  }

  container(databaseId: string, containerId: string): DocumentContainer | undefined {
    const key = `${databaseId}/${containerId}`;
    const cached = this.containers.get(key);
    if (cached) return cached;
    const row = this.findContainer.get(databaseId, containerId) as
      { cid: number; definition: string } | undefined;
    if (!row) return undefined;
    const container = new Container(
      this,
      this.db,
      row.cid,
      databaseId,
      JSON.parse(row.definition) as ContainerDefinition,
    );
    this.containers.set(key, container);
    return container;
  }

  onContainerCreated(listener: (container: DocumentContainer) => void): () => void {
    this.createdListeners.add(listener);
    return () => this.createdListeners.delete(listener);
  }

  purgeExpired(): number {
    return this.purge.run(this.clock.now()).changes;
  }

  transaction<T>(fn: () => T): T {
    this.depth++;
    let committed = false;
    try {
      const result = this.runInTransaction(fn) as T;
      committed = true;
      return result;
    } finally {
      this.depth--;
      if (this.depth === 0) this.notify(committed);
    }
  }

  markChanged(container: Container): void {
    this.changed.add(container);
  }

  private notify(committed: boolean): void {
    if (this.changed.size === 0) return;
    const changed = [...this.changed];
    this.changed.clear();
    if (!committed) return;
    // Inside a transaction someone opened on the connection directly, the commit is still ahead;
    // better-sqlite3 transactions are synchronous, so it has happened by the next microtask.
    if (this.db.inTransaction) queueMicrotask(() => changed.forEach((c) => c.emit()));
    else changed.forEach((c) => c.emit());
  }
}

export function createDocumentStore(db: Database, clock: Clock, log?: Logger): DocumentStore {
  return new Store(db, clock, log);
}
